/* Configuration profile "full": every feature on, generous sizes (head-end simulation, tests).
 * Build with -DOMP_CONFIG_FILE=<path to this file>. */
#ifndef OMP_CONFIG_PROFILE_FULL_H
#define OMP_CONFIG_PROFILE_FULL_H
/* module switches: all on */
#define OMP_CONFIG_IEC21 1
#define OMP_CONFIG_DLMS 1
#define OMP_CONFIG_DLMS_CLIENT 1
#define OMP_CONFIG_DISPLAY 1
/* sizes */
#define OMP_CONFIG_SAMPLE_RATE_HZ 8000
#define OMP_CONFIG_TOU_SPECIAL_DAYS 200
#define OMP_CONFIG_STORE_KEYS 16
#endif

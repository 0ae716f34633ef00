/* Configuration profile "minimal": smallest RAM and flash that still meters and bills
 * (a cost-down meter). Build with -DOMP_CONFIG_FILE=<path to this file>. */
#ifndef OMP_CONFIG_PROFILE_MINIMAL_H
#define OMP_CONFIG_PROFILE_MINIMAL_H
/* Module switches. The meter is read out over the optical port (IEC 62056-21) and DLMS, so both
 * stay. It is a server: the DLMS client helpers (head-end side) go. The display list engine stays:
 * a cost-down meter still has its LCD and push button, and the lists are what the LCD shows (the
 * billing registers must be readable on the display); the lists are shortened below instead. */
#define OMP_CONFIG_IEC21 1
#define OMP_CONFIG_DLMS 1
#define OMP_CONFIG_DLMS_CLIENT 0
#define OMP_CONFIG_DISPLAY 1
/* sizes */
#define OMP_CONFIG_SAMPLE_RATE_HZ 4000
#define OMP_CONFIG_DISPLAY_AUTO_MAX 8
#define OMP_CONFIG_DISPLAY_MANUAL_MAX 16
#define OMP_CONFIG_DISPLAY_UTILITY_MAX 8
#define OMP_CONFIG_DISPLAY_BATTERY_MAX 4
#define OMP_CONFIG_TOU_SEASONS 4
#define OMP_CONFIG_TOU_WEEKS 2
#define OMP_CONFIG_TOU_DAYS 4
#define OMP_CONFIG_TOU_SPECIAL_DAYS 16
#define OMP_CONFIG_BILLING_DEPTH 12
#endif

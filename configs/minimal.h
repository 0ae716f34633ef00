/* Configuration profile "minimal": smallest RAM and flash that still meters and bills
 * (a cost-down meter). Build with -DOMP_CONFIG_FILE=<path to this file>. */
#ifndef OMP_CONFIG_PROFILE_MINIMAL_H
#define OMP_CONFIG_PROFILE_MINIMAL_H
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

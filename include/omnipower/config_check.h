/**
 * @file config_check.h
 * @brief Rejects inconsistent configurations with an #error that says what to set.
 * Included by config.h after the defaults; do not include it directly.
 */
#ifndef OMNIPOWER_CONFIG_CHECK_H
#define OMNIPOWER_CONFIG_CHECK_H

#if (OMP_CONFIG_SAMPLE_RATE_HZ < 2000) || (OMP_CONFIG_SAMPLE_RATE_HZ > 32000)
#error "OMP_CONFIG_SAMPLE_RATE_HZ must be 2000..32000"
#endif

#if (OMP_CONFIG_MAINS_HZ != 50) && (OMP_CONFIG_MAINS_HZ != 60)
#error "OMP_CONFIG_MAINS_HZ must be 50 or 60"
#endif

#if (OMP_CONFIG_DISPLAY_LIST_MAX < 1) || (OMP_CONFIG_DISPLAY_LIST_MAX > 64)
#error "OMP_CONFIG_DISPLAY_LIST_MAX must be 1..64"
#endif

#if (OMP_CONFIG_DISPLAY_SCROLL_S < 1) || (OMP_CONFIG_DISPLAY_SCROLL_S > 60)
#error "OMP_CONFIG_DISPLAY_SCROLL_S must be 1..60"
#endif

#if (OMP_CONFIG_STATS != 0) && (OMP_CONFIG_STATS != 1)
#error "OMP_CONFIG_STATS must be 0 or 1"
#endif

#endif /* OMNIPOWER_CONFIG_CHECK_H */

/**
 * @file config_check.h
 * @brief Rejects inconsistent configurations with an #error that says what to set.
 * Included by config.h after the defaults; do not include it directly.
 */
#ifndef OMNIPOWER_CONFIG_CHECK_H
#define OMNIPOWER_CONFIG_CHECK_H

/* ---- module switches: 0 or 1, and their dependencies ----------------------------------------- */
#if (OMP_CONFIG_IEC21 != 0) && (OMP_CONFIG_IEC21 != 1)
#error "OMP_CONFIG_IEC21 must be 0 or 1"
#endif

#if (OMP_CONFIG_DLMS != 0) && (OMP_CONFIG_DLMS != 1)
#error "OMP_CONFIG_DLMS must be 0 or 1"
#endif

#if (OMP_CONFIG_DLMS_CLIENT != 0) && (OMP_CONFIG_DLMS_CLIENT != 1)
#error "OMP_CONFIG_DLMS_CLIENT must be 0 or 1"
#endif

#if (OMP_CONFIG_DISPLAY != 0) && (OMP_CONFIG_DISPLAY != 1)
#error "OMP_CONFIG_DISPLAY must be 0 or 1"
#endif

#if OMP_CONFIG_DLMS_CLIENT && !OMP_CONFIG_DLMS
#error "OMP_CONFIG_DLMS_CLIENT needs OMP_CONFIG_DLMS: set OMP_CONFIG_DLMS 1 or OMP_CONFIG_DLMS_CLIENT 0"
#endif

/* ---- sizes and settings ----------------------------------------------------------------------- */
#if (OMP_CONFIG_SAMPLE_RATE_HZ < 2000) || (OMP_CONFIG_SAMPLE_RATE_HZ > 32000)
#error "OMP_CONFIG_SAMPLE_RATE_HZ must be 2000..32000"
#endif

#if (OMP_CONFIG_MAINS_HZ != 50) && (OMP_CONFIG_MAINS_HZ != 60)
#error "OMP_CONFIG_MAINS_HZ must be 50 or 60"
#endif

#if defined(OMP_CONFIG_DISPLAY_LIST_MAX)
/* replaced by the four list sizes below */
#error "OMP_CONFIG_DISPLAY_LIST_MAX is gone: set OMP_CONFIG_DISPLAY_AUTO_MAX, _MANUAL_MAX, ..."
#endif

#if (OMP_CONFIG_DISPLAY_AUTO_MAX < 1) || (OMP_CONFIG_DISPLAY_AUTO_MAX > 16)
#error "OMP_CONFIG_DISPLAY_AUTO_MAX must be 1..16 (the OMNIPOWER's automatic list holds 16)"
#endif

#if (OMP_CONFIG_DISPLAY_MANUAL_MAX < 1) || (OMP_CONFIG_DISPLAY_MANUAL_MAX > 30)
#error "OMP_CONFIG_DISPLAY_MANUAL_MAX must be 1..30 (the OMNIPOWER's manual list holds 30)"
#endif

#if (OMP_CONFIG_DISPLAY_UTILITY_MAX < 1) || (OMP_CONFIG_DISPLAY_UTILITY_MAX > 16)
#error "OMP_CONFIG_DISPLAY_UTILITY_MAX must be 1..16 (the OMNIPOWER's utility list holds 16)"
#endif

#if (OMP_CONFIG_DISPLAY_BATTERY_MAX < 1) || (OMP_CONFIG_DISPLAY_BATTERY_MAX > 8)
#error "OMP_CONFIG_DISPLAY_BATTERY_MAX must be 1..8 (the OMNIPOWER's battery list holds 8)"
#endif

#if (OMP_CONFIG_DISPLAY_SCROLL_S < 1) || (OMP_CONFIG_DISPLAY_SCROLL_S > 60)
#error "OMP_CONFIG_DISPLAY_SCROLL_S must be 1..60"
#endif

#if defined(OMP_CONFIG_STATS)
/* never had an effect: the meter always keeps its counters (omp_meter_stats, omp_meter_nvm_info) */
#error "OMP_CONFIG_STATS is gone (it switched nothing): remove it from your configuration"
#endif

#if (OMP_CONFIG_STORE_KEYS < 4) || (OMP_CONFIG_STORE_KEYS > 256)
#error "OMP_CONFIG_STORE_KEYS must be 4..256"
#endif

#if (OMP_CONFIG_STORE_RECORD_MAX < 256) || (OMP_CONFIG_STORE_RECORD_MAX > 16384)
#error "OMP_CONFIG_STORE_RECORD_MAX must be 256..16384"
#endif

#if (OMP_CONFIG_TARIFFS < 1) || (OMP_CONFIG_TARIFFS > 8)
#error "OMP_CONFIG_TARIFFS must be 1..8"
#endif

#if (OMP_CONFIG_TOU_SEASONS < 1) || (OMP_CONFIG_TOU_SEASONS > 32) || \
    (OMP_CONFIG_TOU_WEEKS < 1) || (OMP_CONFIG_TOU_WEEKS > 32) || \
    (OMP_CONFIG_TOU_DAYS < 1) || (OMP_CONFIG_TOU_DAYS > 32) || \
    (OMP_CONFIG_TOU_SWITCHES < 1) || (OMP_CONFIG_TOU_SWITCHES > 32)
#error "OMP_CONFIG_TOU_SEASONS/WEEKS/DAYS/SWITCHES must each be 1..32"
#endif

#if (OMP_CONFIG_TOU_SPECIAL_DAYS < 1) || (OMP_CONFIG_TOU_SPECIAL_DAYS > 512)
#error "OMP_CONFIG_TOU_SPECIAL_DAYS must be 1..512"
#endif

#if (OMP_CONFIG_BILLING_DEPTH < 1) || (OMP_CONFIG_BILLING_DEPTH > 1000)
#error "OMP_CONFIG_BILLING_DEPTH must be 1..1000"
#endif

#if (OMP_CONFIG_NVM_LIFE_YEARS < 1) || (OMP_CONFIG_NVM_LIFE_YEARS > 50)
#error "OMP_CONFIG_NVM_LIFE_YEARS must be 1..50"
#endif

#if (OMP_CONFIG_AXDR_DEPTH < 1) || (OMP_CONFIG_AXDR_DEPTH > 255)
#error "OMP_CONFIG_AXDR_DEPTH must be 1..255"
#endif

#if (OMP_CONFIG_HDLC_MAX_FRAME < 7) || (OMP_CONFIG_HDLC_MAX_FRAME > 2048)
#error "OMP_CONFIG_HDLC_MAX_FRAME must be 7..2048"
#endif

#if (OMP_CONFIG_WRAPPER_MAX < 1) || (OMP_CONFIG_WRAPPER_MAX > 65535)
#error "OMP_CONFIG_WRAPPER_MAX must be 1..65535 (the wrapper length field is 16 bits)"
#endif

#if (OMP_CONFIG_IEC21_RX_MAX < 64) || (OMP_CONFIG_IEC21_RX_MAX > 65535)
#error "OMP_CONFIG_IEC21_RX_MAX must be 64..65535"
#endif

#if (OMP_CONFIG_IEC21_TX_MAX < 64) || (OMP_CONFIG_IEC21_TX_MAX > 65535)
#error "OMP_CONFIG_IEC21_TX_MAX must be 64..65535"
#endif

#if (OMP_CONFIG_EVQ_DEPTH < 4) || (OMP_CONFIG_EVQ_DEPTH > 1024) || \
    ((OMP_CONFIG_EVQ_DEPTH & (OMP_CONFIG_EVQ_DEPTH - 1)) != 0)
#error "OMP_CONFIG_EVQ_DEPTH must be a power of two, 4..1024"
#endif

#endif /* OMNIPOWER_CONFIG_CHECK_H */

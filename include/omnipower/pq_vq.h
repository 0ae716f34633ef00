/**
 * @file pq_vq.h
 * @brief The OMNIPOWER's own voltage-quality reporting (module `pq`; technical facts §8): the
 * occurrence counters 1.1.133.0.n.255 and the entries of voltage quality logger 1
 * 1.1.99.98.16.255, from the 1-s rms voltage, the 10-s frequency, the 10-min means and the
 * interruptions. Pure: no HAL, no storage (the meter keeps the counters and logs the entries);
 * caller storage. docs/power-quality.md "The OMNIPOWER's reporting".
 *
 * - Short-term deviation: a 1-s value below the single-value low limit starts one: entry 6 (its
 *   value as min, its time); while it lasts the lowest value and its time are kept; the first
 *   value back in range ends it: entry 2 (the lowest, at its time), then entry 7 (the last value
 *   out of range, at its time): "6 -> 2 -> 7" (technical facts 8.3). Above the high limit: 8 -> 3
 *   -> 9 with max. A value on the other side ends one and starts the other.
 * - Long-term deviation: the 1-s values are averaged over windows of VoltageLimitTimeThreshold
 *   seconds aligned to UTC multiples of it; a window whose mean is below VoltageLimitLowThreshold
 *   logs entry 0, above VoltageLimitHighThreshold entry 1, each with the window's mean, max and
 *   min, stamped with the window's start. One entry per window.
 * - Interruptions (omp_vq_outage): entries 4 (its start) and 5 (its end) when it lasted at least
 *   the outage time threshold; counted short (<= Threshold_PowerFaultTime) or long.
 */
#ifndef OMNIPOWER_PQ_VQ_H
#define OMNIPOWER_PQ_VQ_H

#include "omnipower/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Occurrence counters n = 1..23 of 1.1.133.0.n.255 (technical facts 8.2); index n - 1. */
enum omp_vq_counter {
    OMP_VQ_F1 = 1,           /**< 10-s frequency below -1 % of nominal */
    OMP_VQ_F2 = 2,           /**< above +1 % */
    OMP_VQ_F3 = 3,           /**< below -6 % */
    OMP_VQ_F4 = 4,           /**< above +4 % */
    OMP_VQ_F5 = 5,           /**< below -2 % */
    OMP_VQ_F6 = 6,           /**< above +2 % */
    OMP_VQ_F7 = 7,           /**< below -15 % */
    OMP_VQ_F8 = 8,           /**< above +15 % */
    OMP_VQ_VAR_LOW1 = 9,     /**< 10-min mean voltage below -10 % of Un */
    OMP_VQ_VAR_LOW2 = 10,    /**< 10-min mean below the configured undervoltage (-15 %) */
    OMP_VQ_VAR_HIGH = 11,    /**< 10-min mean above the configured overvoltage (+10 %) */
    OMP_VQ_RVC = 12,         /**< rapid voltage changes (1-s values, >= 5 % of Un) */
    OMP_VQ_UNBALANCE = 13,   /**< three-phase only: stays 0 */
    OMP_VQ_INT_LONG = 14,    /**< interruptions longer than the power-fault time */
    OMP_VQ_INT_SHORT = 15,   /**< interruptions up to it */
    OMP_VQ_THD_U_L1 = 16,    /**< 10-min THD-U above 8 % (17, 18: L2, L3, stay 0) */
    OMP_VQ_DIPS = 19,        /**< dips of 100 ms .. 1 s (at most one per second) */
    OMP_VQ_SWELLS = 20,      /**< swells of 100 ms .. 1 s */
    OMP_VQ_THD_I_L1 = 21,    /**< 10-min THD-I above 8 % (22, 23: L2, L3, stay 0) */
};
#define OMP_VQ_COUNTERS 23u

/** Event codes of VoltageQuality1Event 1.1.132.0.2.255 (technical facts 8.3). */
enum omp_vq_code {
    OMP_VQ_UNDER_MEAN = 0,   /**< long-term undervoltage: mean, max, min of the window */
    OMP_VQ_OVER_MEAN = 1,    /**< long-term overvoltage */
    OMP_VQ_MIN_PEAK = 2,     /**< short-term: the lowest value (min) */
    OMP_VQ_MAX_PEAK = 3,     /**< short-term: the highest value (max) */
    OMP_VQ_OUTAGE = 4,       /**< power outage (interruption start) */
    OMP_VQ_RESTORED = 5,     /**< power restored (interruption end) */
    OMP_VQ_LOW_START = 6,    /**< single value below the low limit: start (min) */
    OMP_VQ_LOW_STOP = 7,     /**< ... stop (min: the last value below) */
    OMP_VQ_HIGH_START = 8,   /**< single value above the high limit: start (max) */
    OMP_VQ_HIGH_STOP = 9,    /**< ... stop (max) */
};

/** @brief Limits (technical facts 8.4; the meter's objects 1.1.134.0.12..15.255). */
struct omp_vq_cfg {
    uint16_t un_v;            /**< nominal voltage, V (230) */
    uint16_t fn_hz;           /**< nominal frequency, Hz (50) */
    uint16_t mean_high_v;     /**< VoltageLimitHighThreshold: Un +1..+20 % (253) */
    uint16_t mean_low_v;      /**< VoltageLimitLowThreshold: Un -1..-20 % (207) */
    uint16_t window_s;        /**< VoltageLimitTimeThreshold: 10..1800 s, divides a day (600) */
    uint16_t single_high_v;   /**< single-value high limit: Un +1..+20 % (253) */
    uint16_t single_low_v;    /**< single-value low limit: Un -1..-20 % (207) */
    uint8_t var_low2_pct;     /**< counter 10: 10-min mean below Un - this % (15) */
    uint8_t var_high_pct;     /**< counter 11: 10-min mean above Un + this % (10) */
    uint8_t rvc_pct;          /**< counter 12: step between two 1-s values, % of Un (5) */
    uint16_t outage_log_s;    /**< outage time threshold: shorter ones are not logged, 0..1800
                                   (10) */
    uint16_t power_fault_s;   /**< Threshold_PowerFaultTime: short/long boundary, s (180) */
};

/** @brief One entry of voltage quality logger 1 (1.1.132.0.1..5.255; volts, 0 when a field
 *  does not apply). */
struct omp_vq_entry {
    omp_time_s utc;           /**< the start of the window (codes 0, 1), else the value's time */
    uint8_t phase;            /**< VoltageQuality1Phase: 1 (L1) */
    uint8_t code;             /**< enum omp_vq_code */
    uint16_t mean_v, max_v, min_v;
};

/** Entries waiting for omp_vq_pop (a short-term deviation's end gives two). */
#define OMP_VQ_QUEUE 8u

/** @brief The reporting's state (about 140 bytes). */
struct omp_vq {
    struct omp_vq_cfg cfg;
    uint16_t count[OMP_VQ_COUNTERS]; /**< counter n at index n - 1, saturating at 65535 */
    /* the last 1-s value (RVC, gaps) */
    float last_v;
    omp_time_s last_t;
    bool have_last;
    /* the running short-term deviation: 0 none, 1 low, 2 high */
    uint8_t dev;
    float dev_peak_v, dev_last_v;
    omp_time_s dev_peak_t, dev_last_t;
    /* the running long-term window */
    omp_time_s win_start;
    double win_sum;
    float win_max, win_min;
    uint32_t win_n;
    /* dips and swells counted in this second (one each at most) */
    omp_time_s dip_s, swell_s;
    /* entries not taken yet */
    struct omp_vq_entry q[OMP_VQ_QUEUE];
    uint8_t q_head, q_len;
    uint32_t lost;             /**< entries dropped because the queue was full */
};

/** @brief The defaults of technical facts 8.4 for a 230 V, 50 Hz meter. */
void omp_vq_cfg_default(struct omp_vq_cfg *cfg);
/** @brief true if every limit is in its range (technical facts 8.4). */
bool omp_vq_cfg_valid(const struct omp_vq_cfg *cfg);
/** @brief Start: counters @p counts (restored by the meter; NULL: zeros), nothing running.
 *  @return OMP_OK, OMP_ERR_ARG (NULL, limits out of range). */
OMP_MUST_CHECK omp_err omp_vq_init(struct omp_vq *vq, const struct omp_vq_cfg *cfg,
                                   const uint16_t counts[OMP_VQ_COUNTERS]);

/** @brief The rms voltage @p urms_v of the second ending at @p utc (consecutive seconds; a gap
 *  closes the running window and deviation first). */
void omp_vq_second(struct omp_vq *vq, omp_time_s utc, float urms_v);
/** @brief A 10-s mean frequency: counters F1..F8. */
void omp_vq_freq10s(struct omp_vq *vq, float f_hz);
/** @brief The 10-min means: voltage (counters 9..11), THD-U and THD-I in % (16, 21). */
void omp_vq_10min(struct omp_vq *vq, float urms_v, float thd_u_pct, float thd_i_pct);
/** @brief A dip (@p swell false) or swell of @p duration_s ending in the second @p utc: counted
 *  when 0.1 s <= duration <= 1 s, at most one of each per second. */
void omp_vq_dip_swell(struct omp_vq *vq, bool swell, double duration_s, omp_time_s utc);
/** @brief An interruption from @p start to @p end (UTC seconds): counted; logged (4, 5) when it
 *  lasted at least cfg.outage_log_s. */
void omp_vq_outage(struct omp_vq *vq, omp_time_s start, omp_time_s end);
/** @brief Take the oldest entry. @return true if there was one. */
bool omp_vq_pop(struct omp_vq *vq, struct omp_vq_entry *out);
/** @brief Counter @p n (1..23), 0 for another n. */
uint16_t omp_vq_count(const struct omp_vq *vq, unsigned n);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_PQ_VQ_H */

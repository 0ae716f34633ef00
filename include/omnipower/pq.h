/**
 * @file pq.h
 * @brief Power-quality measurement engine (IEC 61000-4-30 intervals, IEC 61000-4-7 harmonics).
 * Pure: no HAL, no storage, time is an input. Design, numbers and deviations: docs/power-quality.md.
 *
 * Two entry points, beside the metrology engine and on the same samples:
 *   - omp_pq_on_samples() in the sample ISR, right after omp_metro_on_samples() with the same
 *     block: it only stores the codes, cut to 16 bits, in a ring of OMP_PQ_RING pairs.
 *   - omp_pq_process() outside the ISR, once per cycle record popped from the metrology engine
 *     (omp_metro_cycle_pop), in order, within (OMP_PQ_RING - longest cycle) samples of the cycle's
 *     end (20 ms at 8 kHz down to 42.5 Hz): the cycle's harmonic phasors (a DFT over the exact cycle
 *     between its interpolated zero crossings), the 10/12-cycle window's harmonic subgroups,
 *     THD, the interval values and their aggregation.
 *
 * Measurement (IEC 61000-4-30 class S-like, 50 Hz: 10 cycles, 60 Hz: 12 cycles):
 *   - Basic interval: 10 (12) consecutive measured cycles, gapless; a new interval starts at the
 *     first cycle that opens at or after each 10-min UTC tick (the interval that was running
 *     finishes: the two overlap, as the standard says).
 *   - Urms of an interval: rms over its cycles (duration-weighted mean of the cycles' squared
 *     rms); PF = sum(P T) / sum(S T); displacement factor DPF = sum(P1 T) / sum(S1 T) with
 *     P1 = U1 I1 cos(phi1), S1 = U1 I1, all from the cycle records (calibrated and phase-compensated
 *     by the metrology engine).
 *   - Harmonics: the window of the interval's cycles, each cycle weighted equally (as a resampling
 *     to a fixed number of points per cycle does); bins C_k at 5 Hz spacing (k = 10 h + d), harmonic
 *     subgroups G_sg,h^2 = C(10h-1)^2 + C(10h)^2 + C(10h+1)^2 for h = 1 .. h_max,
 *     h_max = min(OMP_PQ_H_MAX, floor((fs/2 - 5 Hz) / mains)) (39 at 4000 Hz, 40 at 8000 Hz).
 *     Levels in % of the fundamental subgroup G_sg,1; THD = sqrt(sum_{h=2..h_max} G_sg,h^2) / G_sg,1.
 *   - Aggregation: 150/180 cycles (15 interval values, restarted at each 10-min tick: the last
 *     block of a 10-min period may be short), 10 min (the interval values that start in the
 *     period, stamped at the closing tick), 2 h (the 12 ten-minute values of a 2-h UTC period):
 *     rms of the values for Urms, harmonic levels and THD; arithmetic mean for PF and DPF.
 *   - Frequency: every 10 s of UTC, the number of whole cycles inside the 10-s interval divided by
 *     their total duration; cycles over a boundary and pseudo-cycles (no voltage) are discarded.
 *   - Flagging: the caller says per cycle whether a dip, swell or interruption is in progress
 *     (the event detector, pq_event.h, is wired in by the integrator); every value whose interval
 *     contains such a cycle is flagged, and every aggregate containing a flagged value.
 *
 * Time: sample index 0 (the first pair given to omp_pq_on_samples after init, the same as the
 * metrology engine's sample 0) is at cfg.start_utc, and sample n at start_utc + n / fs. Ticks are
 * therefore exact sample indices: tick * fs.
 */
#ifndef OMNIPOWER_PQ_H
#define OMNIPOWER_PQ_H

#include "omnipower/core.h"
#include "omnipower/metrology.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Highest harmonic order computed (EN 50160: 2..40). */
#define OMP_PQ_H_MAX 40u
/** Sample pairs kept for the cycle DFT: a whole cycle at 8 kHz down to 42.5 Hz plus the slack
 *  the caller has to run omp_pq_process after a cycle record appears; enough for a port that
 *  delivers its samples in blocks of one mains cycle down to 47 Hz at 8 kHz (a cycle's end is
 *  seen with the next block: 2 x 171 pairs + the window's end pieces). */
#define OMP_PQ_RING 352u

/** @brief Configuration. */
struct omp_pq_cfg {
    uint32_t fs_hz;       /**< samples per second per channel, 2000..8000 (the ring's limit) */
    uint32_t mains_hz;    /**< 50 (10-cycle intervals) or 60 (12-cycle intervals) */
    omp_time_s start_utc; /**< UTC of sample index 0 */
    float v_gain;         /**< volts per 24-bit voltage code (omp_metro_cal.v_gain) */
    float i_gain;         /**< amperes per 24-bit current code (omp_metro_cal.i_gain) */
};

/** @brief One value of an interval (10/12-cycle) or of an aggregate. */
struct omp_pq_value {
    double start_pos;      /**< interval: its opening zero crossing, in samples since index 0;
                                aggregate: the first value's */
    double end_pos;        /**< interval: its closing zero crossing; aggregate: the last value's */
    omp_time_s stamp;      /**< 10-min and 2-h values: the closing UTC tick; otherwise 0 */
    uint32_t n;            /**< cycles (interval) or values aggregated (aggregates) */
    uint32_t n_harm;       /**< values with valid harmonics aggregated (interval: 1 or 0) */
    float urms_v;
    float pf;              /**< P / S, sign of P; 0 without S */
    float dpf;             /**< displacement factor cos(phi1) = P1 / S1; 0 without S1 */
    float u1_v;            /**< fundamental subgroup of the voltage */
    float i1_a;            /**< fundamental subgroup of the current */
    float thd_u_pct;       /**< THD of the voltage, orders 2..h_max, % of U1 */
    float thd_i_pct;       /**< THD of the current, % of I1 (0 when I1 is below 1 mA) */
    float harm_u_pct[OMP_PQ_H_MAX + 1u]; /**< voltage subgroup h in % of U1 at [h], h = 2..h_max
                                              ([0], [1] unused: 0 and 100) */
    uint8_t h_max;         /**< highest order in the harmonic values */
    bool harm_valid;       /**< harmonic values present (interval: a full window; aggregate: at
                                least one interval value had them) */
    bool flagged;          /**< an event touched the interval (or a value aggregated) */
};

/** @brief A 10-s frequency value. */
struct omp_pq_freq {
    omp_time_s stamp; /**< end of the 10-s interval (UTC) */
    float f_hz;       /**< whole cycles / their duration; 0 when none */
    uint32_t cycles;  /**< whole cycles counted */
    bool flagged;
};

/** Bits of omp_pq_out.have. */
enum {
    OMP_PQ_HAVE_INTERVAL = 1u << 0, /**< out.interval: a 10/12-cycle value closed */
    OMP_PQ_HAVE_150 = 1u << 1,      /**< out.agg150: a 150/180-cycle value closed */
    OMP_PQ_HAVE_10MIN = 1u << 2,    /**< out.agg10min */
    OMP_PQ_HAVE_2H = 1u << 3,       /**< out.agg2h (harmonic levels not aggregated: h_max 0) */
    OMP_PQ_HAVE_FREQ = 1u << 4,     /**< out.freq */
};

/** @brief What one omp_pq_process call closed. Caller storage (about 0.8 KiB). */
struct omp_pq_out {
    uint32_t have; /**< OMP_PQ_HAVE_* bits */
    struct omp_pq_value interval, agg150, agg10min, agg2h;
    struct omp_pq_freq freq;
};

/** @brief Running aggregate (private). */
struct omp_pq_agg {
    double start_pos, end_pos;
    uint32_t n, n_harm;
    float s_u2, s_pf, s_dpf, s_u1, s_i1, s_thdu2, s_thdi2;
    bool flagged;
};

/** @brief A running interval (private): sums over its cycles. */
struct omp_pq_iv {
    double start_pos;
    float s_u2t, s_t, s_pt, s_st, s_p1t, s_s1t;
    uint8_t cycles;
    bool flagged, harm, active;
};

/** @brief The engine's state for one phase. Caller storage, fixed size; sizes in bench/. */
struct omp_pq {
    struct omp_pq_cfg cfg;
    /* private from here on */
    int16_t ring_v[OMP_PQ_RING], ring_i[OMP_PQ_RING]; /**< codes >> 8 */
    uint32_t ring_pos;            /**< next slot written */
    volatile uint32_t n_in;       /**< pairs written since init (wraps) */
    float acc[2][OMP_PQ_H_MAX][3][2]; /**< window sums (channel, h-1, cos / 1 / sin, re/im) */
    struct omp_pq_iv iv[2];       /**< [cur]: the interval with the harmonic window; the other
                                       one: an interval overlapping it after a 10-min tick */
    uint8_t cur;
    uint8_t ncyc;                 /**< cycles per interval: 10 or 12 */
    uint8_t h_max;
    bool have_prev;               /**< prev_end valid */
    double prev_end;              /**< closing crossing of the previous cycle (sample index) */
    double z_end;                 /**< the harmonic window's phase: end of the last span */
    float z_per;                  /**< its period, samples */
    float z_adj;                  /**< phase correction of the next cycle's span, samples */
    float z_ref;                  /**< the fundamental's crossing relative to a span's start */
    bool z_cap;                   /**< take z_ref from the next cycle (loop restarted) */
    uint64_t next_a;              /**< first sample not yet in a cycle's sum */
    omp_time_s next_10m, next_10s; /**< next 10-min and 10-s ticks (UTC) */
    omp_time_s closed_10m;        /**< the tick that ended the period still to be closed */
    bool old_period;              /**< an interval of that period is still running */
    struct omp_pq_agg a150, a10m, a2h;
    float h150[OMP_PQ_H_MAX - 1u], h10m[OMP_PQ_H_MAX - 1u]; /**< sums of squared levels, h = 2.. */
    uint32_t f_cycles;            /**< 10-s frequency: whole cycles so far */
    double f_len;                 /**< their total duration, samples */
    bool f_flag;
    double t_off;                 /**< samples added to a UTC tick's index (omp_pq_retime) */
};

/** @brief Configuration from the metrology engine's: fs, mains and the gains of @p cal. */
void omp_pq_cfg_from_metro(struct omp_pq_cfg *cfg, const struct omp_metro_cfg *mcfg,
                           const struct omp_metro_cal *cal, omp_time_s start_utc);

/**
 * @brief Start an engine (sample index 0 is the next pair given to omp_pq_on_samples).
 * @return OMP_OK, OMP_ERR_ARG (NULL; fs outside 2000..8000; mains not 50 or 60; gains not finite
 *         and > 0; start_utc negative).
 */
OMP_MUST_CHECK omp_err omp_pq_init(struct omp_pq *pq, const struct omp_pq_cfg *cfg);

/**
 * @brief Keep @p n_pairs interleaved (voltage, current) 24-bit codes (the block given to
 * omp_metro_on_samples). @par Context: sample ISR; O(n), a few instructions per pair.
 */
void omp_pq_on_samples(struct omp_pq *pq, const int32_t *vi, size_t n_pairs);

/**
 * @brief Process the next cycle record of the metrology engine: harmonic phasors of the cycle,
 * and every interval, aggregate and frequency value that closes with it.
 * @param event_active a dip, swell or interruption is in progress in this cycle or ended in it
 *        (flags the values containing the cycle)
 * @param[out] out what closed (out->have); the other members are left unspecified
 * @return OMP_OK; OMP_ERR_ARG (NULL); OMP_ERR_STATE (the cycle ends before the previous one:
 *         records skipped or out of order; the engine restarts its intervals at this cycle).
 *         Harmonics of a window whose samples left the ring before this call are not valid
 *         (harm_valid false); the other values are unaffected.
 * @par Context: outside the ISR; O(samples of the cycle x h_max).
 */
OMP_MUST_CHECK omp_err omp_pq_process(struct omp_pq *pq, const struct omp_cycle *cycle,
                                      bool event_active, struct omp_pq_out *out);

/**
 * @brief Time from now on: sample @p sample is at UTC @p utc (a clock set, or the sample clock
 * drifting from the RTC). The next 10-min and 10-s ticks are those after @p utc; the running
 * intervals and aggregates go on and close at them (a 10-min value may then hold more or fewer
 * intervals than 3000). NULL or a negative @p utc: ignored.
 */
void omp_pq_retime(struct omp_pq *pq, omp_time_s utc, uint64_t sample);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_PQ_H */

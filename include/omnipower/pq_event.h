/**
 * @file pq_event.h
 * @brief Power-quality events and the weekly EN 50160 evaluation (module `pq`): dips, swells,
 * interruptions and rapid voltage changes (RVC) detected the IEC 61000-4-30 Ed.3 way on the
 * metrology engine's half-cycle-refreshed one-cycle rms, classified into the EN 50160 tables; and
 * the weekly count of 10-min and 10-s values within the EN 50160 limits. Pure: no HAL, no
 * storage, no heap; caller storage. Design, thresholds and decisions: docs/pq-events.md.
 *
 * Event detector (omp_pq_ev_*): one call per `struct omp_cycle` (omp_metro_cycle_pop); each
 * record carries two Urms(1/2) refreshes, at the cycle's half-way crossing and at its end. No
 * sample-level work.
 * - Dip: starts at the first refresh with Urms(1/2) < dip threshold (90 % of the reference),
 *   ends at the first refresh with Urms(1/2) >= dip threshold + hysteresis (92 %). Residual
 *   voltage = lowest Urms(1/2) of the event.
 * - Swell: starts above 110 %, ends at <= 108 %; maximum = highest Urms(1/2).
 * - Interruption: a dip whose Urms(1/2) fell below the interruption threshold (5 %) is reported as
 *   ONE event of kind OMP_PQ_EV_INTERRUPTION (IEC 61000-4-30: an interruption is Urms(1/2) below
 *   the interruption threshold) with the dip's start and duration and its residual voltage, and
 *   classified in EN 50160's row X (5 > u). A START note is raised when the dip starts and another
 *   (kind interruption) at the refresh where it first falls below 5 %.
 * - RVC: IEC 61000-4-30 Ed.3 5.11 on the same refreshes (steady state = 2*mains_hz consecutive
 *   Urms(1/2) values within the RVC threshold of their mean), see docs/pq-events.md for the
 *   bounded-memory reading of "within the threshold of their mean".
 * Positions are sample positions of the metrology engine: `sample - frac` (frac in 0..1), the
 * same convention as omp_cycle's end_sample / end_frac.
 */
#ifndef OMNIPOWER_PQ_EVENT_H
#define OMNIPOWER_PQ_EVENT_H

#include "omnipower/core.h"
#include "omnipower/metrology.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Notes one omp_pq_ev_on_cycle call can produce (two refreshes, each: voltage event end, voltage
 *  event start or interruption upgrade, RVC end). */
#define OMP_PQ_EV_NOTES_MAX 6u
/** Individual harmonic orders of the weekly evaluation: 2..25 (EN 50160 table). */
#define OMP_PQ_WEEK_H_MIN   2u
#define OMP_PQ_WEEK_H_MAX   25u
#define OMP_PQ_WEEK_H_COUNT (OMP_PQ_WEEK_H_MAX - OMP_PQ_WEEK_H_MIN + 1u)

/** @brief Kind of a power-quality event. */
enum omp_pq_ev_kind {
    OMP_PQ_EV_NONE = 0,
    OMP_PQ_EV_DIP = 1,          /**< Urms(1/2) below the dip threshold, never below interruption */
    OMP_PQ_EV_SWELL = 2,        /**< Urms(1/2) above the swell threshold */
    OMP_PQ_EV_INTERRUPTION = 3, /**< a dip that fell below the interruption threshold */
    OMP_PQ_EV_RVC = 4           /**< rapid voltage change between two steady states */
};

/**
 * @brief EN 50160 cell of an event. Dips and interruptions: rows A (90 > u >= 80), B (80 > u >=
 * 70), C (70 > u >= 40), D (40 > u >= 5), X (5 > u) by residual u in % of the reference; columns
 * 1..5: 10 ms <= t <= 200 ms, 200 ms < t <= 500 ms, 0.5 < t <= 1 s, 1 < t <= 5 s, 5 < t <= 60 s.
 * Swells: rows S (u >= 120), T (120 > u > 110) by maximum; columns 1..3: 10 ms <= t <= 500 ms,
 * 0.5 < t <= 5 s, 5 < t <= 60 s. OMP_PQ_CELL_NONE: outside the tables (t < 10 ms, t > 60 s) and
 * for RVC. Cell of dip row r (A = 0 .. X = 4) and column c (1..5): OMP_PQ_CELL_A1 + 5 r + c - 1;
 * swell row r (S = 0, T = 1): OMP_PQ_CELL_S1 + 3 r + c - 1.
 */
enum omp_pq_cell {
    OMP_PQ_CELL_NONE = 0,
    OMP_PQ_CELL_A1 = 1,
    OMP_PQ_CELL_B1 = 6,
    OMP_PQ_CELL_C1 = 11,
    OMP_PQ_CELL_D1 = 16,
    OMP_PQ_CELL_X1 = 21,
    OMP_PQ_CELL_S1 = 26,
    OMP_PQ_CELL_T1 = 29,
    OMP_PQ_CELL_COUNT = 32
};

/** @brief A sample position: the instant lies @c frac samples before sample @c sample. */
struct omp_pq_pos {
    uint64_t sample;
    float frac; /**< 0 <= frac < 1 */
};

/** @brief One event, complete (END note) or as known at its start (START note). */
struct omp_pq_event {
    uint8_t kind;            /**< enum omp_pq_ev_kind */
    uint8_t cell;            /**< enum omp_pq_cell (OMP_PQ_CELL_NONE in START notes) */
    struct omp_pq_pos start; /**< the refresh at which Urms(1/2) crossed the start threshold */
    float duration_s;        /**< end refresh minus start refresh; 0 in START notes */
    float level_v;           /**< dip/interruption: residual (lowest Urms(1/2)); swell: maximum;
                                  RVC: delta Umax (largest |Urms(1/2) - mean before|). In a START
                                  note: the Urms(1/2) that crossed */
    float ref_v;             /**< reference the thresholds were taken from (Udin or Usr) */
    float delta_ss_v;        /**< RVC only: delta Uss, |new steady mean - old steady mean| */
};

/** @brief Whether a note opens or closes an event. */
enum omp_pq_note_kind {
    OMP_PQ_NOTE_START = 1, /**< event raised (Q5: at the first refresh that crossed) */
    OMP_PQ_NOTE_END = 2    /**< event complete: duration, level and cell filled */
};

/** @brief What one omp_pq_ev_on_cycle call produced, in time order. */
struct omp_pq_ev_notes {
    uint8_t n;
    uint8_t note[OMP_PQ_EV_NOTES_MAX]; /**< enum omp_pq_note_kind */
    struct omp_pq_event ev[OMP_PQ_EV_NOTES_MAX];
};

/** @brief Detector configuration (percentages of the reference voltage). */
struct omp_pq_ev_cfg {
    uint32_t fs_hz;     /**< sample rate of the metrology engine (positions, durations) */
    uint32_t mains_hz;  /**< 50 or 60: RVC window = 2 * mains_hz refreshes (1 s) */
    float udin_v;       /**< declared supply voltage Udin, default 230 V */
    float dip_pct;      /**< 90 */
    float swell_pct;    /**< 110 */
    float intr_pct;     /**< 5 */
    float hyst_pct;     /**< 2 (of the reference, dips and swells) */
    float rvc_pct;      /**< 5 (EN 50160's indicative RVC level; IEC range 1..6) */
    float rvc_hyst_pct; /**< 2.5 (half the RVC threshold) */
    bool sliding_ref;   /**< true: thresholds from Usr (1-min first-order filter of the 10-cycle
                             rms), false: from Udin (default) */
};

/** @brief Detector state: 144 bytes (host and Cortex-M4), caller storage. Private: use the
 * functions. */
struct omp_pq_ev {
    struct omp_pq_ev_cfg cfg;
    float usr_v;                /**< sliding reference (Udin when not sliding) */
    float acc10_v2;             /**< sum of squared cycle rms of the open 10-cycle block */
    uint64_t last_end;          /**< sample of the end refresh of the last closed event */
    struct omp_pq_pos ev_start; /**< open voltage event */
    float ev_level_v, ev_ref_v;
    struct omp_pq_pos rvc_start;
    float rvc_mean_v;                   /**< mean of the steady state before the RVC */
    float rvc_max_v;                    /**< largest |U - rvc_mean_v| during the RVC */
    float ss_mean_v, ss_min_v, ss_max_v; /**< run of values within the band (steady-state test):
                                              its mean, lowest and highest */
    struct omp_pq_pos ss_first;         /**< first refresh of that run */
    uint16_t ss_n;
    uint8_t n10, ev_kind, rvc_state;
    bool any_event; /**< an event has closed since init (last_end valid) */
};

/**
 * @brief Defaults: fs OMP_CONFIG_SAMPLE_RATE_HZ, mains OMP_CONFIG_MAINS_HZ, Udin 230 V, 90 / 110 /
 * 5 %, hysteresis 2 %, RVC 5 % with 2.5 % hysteresis, fixed reference (Udin).
 */
void omp_pq_ev_cfg_default(struct omp_pq_ev_cfg *cfg);

/**
 * @brief Start a detector.
 * @return OMP_OK, OMP_ERR_ARG (NULL; fs_hz outside 1000..64000; mains not 50/60; Udin not > 0;
 *         thresholds not intr < dip < dip + hyst < 100 < swell - hyst; RVC threshold not in
 *         0..dip gap, hysteresis not in 0..threshold).
 */
OMP_MUST_CHECK omp_err omp_pq_ev_init(struct omp_pq_ev *d, const struct omp_pq_ev_cfg *cfg);

/**
 * @brief Consume one cycle record: its two Urms(1/2) refreshes, in order.
 * @param[out] out Notes produced (n = 0: none); may be NULL.
 * @par Context: task (after omp_metro_cycle_pop), O(1).
 */
void omp_pq_ev_on_cycle(struct omp_pq_ev *d, const struct omp_cycle *c,
                        struct omp_pq_ev_notes *out);

/**
 * @brief Whether a dip, swell or interruption was active at any refresh at or after sample
 * @p since (IEC 61000-4-30 flagging: an aggregation interval starting at @p since is flagged).
 * True while one is open. RVC does not flag.
 */
bool omp_pq_ev_active_since(const struct omp_pq_ev *d, uint64_t since);

/** @brief The reference the thresholds use now (Udin, or Usr when sliding_ref). */
float omp_pq_ev_reference(const struct omp_pq_ev *d);

/**
 * @brief EN 50160 cell of a dip/interruption (@p swell false) or swell from its duration and its
 * residual (maximum) voltage in % of the reference. Exposed for reports and tests.
 */
enum omp_pq_cell omp_pq_cell_of(bool swell, double duration_s, float u_pct);

/** @brief "A1".."X5", "S1".."T3", or "-" for OMP_PQ_CELL_NONE / out of range. */
const char *omp_pq_cell_name(enum omp_pq_cell cell);

/* ------------------------------------------------------------------------------------------ */
/* Weekly EN 50160 evaluation                                                                 */

/** @brief One 10-min value, as the aggregation delivers it. */
struct omp_pq_10min {
    float urms_v;                        /**< 10-min rms voltage */
    float thd_u_pct;                     /**< THD-U, % of the fundamental */
    float harm_pct[OMP_PQ_WEEK_H_COUNT]; /**< individual harmonics 2..25, % of U1 */
    bool flagged;                        /**< IEC 61000-4-30 flag: excluded from the counts */
};

/** @brief Quantities with a verdict. */
enum omp_pq_week_q {
    OMP_PQ_WEEK_U95 = 0, /**< 10-min U within Un +-10 %, >= 95 % of the valid values */
    OMP_PQ_WEEK_U100,    /**< 10-min U within Un +10 / -15 %, 100 % */
    OMP_PQ_WEEK_F995,    /**< 10-s f within fn +-1 %, >= 99.5 % of the week's valid values */
    OMP_PQ_WEEK_F100,    /**< 10-s f within fn +4 / -6 %, 100 % */
    OMP_PQ_WEEK_THD,     /**< THD-U <= 8 %, >= 95 % (N2/N <= 5 %) */
    OMP_PQ_WEEK_HARM,    /**< every harmonic 2..25 within its limit, >= 95 % (N1/N <= 5 %) */
    OMP_PQ_WEEK_Q_COUNT
};

/** @brief Verdict of one quantity. */
enum omp_pq_verdict {
    OMP_PQ_NO_DATA = 0, /**< no valid value */
    OMP_PQ_COMPLIANT = 1,
    OMP_PQ_NOT_COMPLIANT = 2
};

/** @brief Result of one quantity over the week. */
struct omp_pq_week_result {
    uint32_t valid;   /**< non-flagged values */
    uint32_t within;  /**< of which within the limit */
    uint32_t flagged; /**< flagged values (excluded) */
    float share_pct;  /**< 100 * within / valid (0 without data) */
    uint8_t verdict;  /**< enum omp_pq_verdict */
};

/** @brief Weekly counters: 152 bytes (host and Cortex-M4), caller storage, no stored values. */
struct omp_pq_week {
    float un_v, fn_hz;
    uint32_t n_10s, flagged_10s, f_out1, f_out_wide;
    uint16_t n_10min, flagged_10min, u_out10, u_out_wide, thd_out, harm_any_out;
    uint16_t harm_out[OMP_PQ_WEEK_H_COUNT]; /**< per order 2..25 */
    uint16_t cells[OMP_PQ_CELL_COUNT];      /**< events per EN 50160 cell ([0]: not classified) */
    uint16_t rvc;                           /**< RVC events */
};

/** @brief Start a week. @return OMP_OK, OMP_ERR_ARG (NULL, un_v or fn_hz not > 0). */
OMP_MUST_CHECK omp_err omp_pq_week_init(struct omp_pq_week *w, float un_v, float fn_hz);

/** @brief Count one 10-min value (flagged ones only in the flagged count). */
void omp_pq_week_add_10min(struct omp_pq_week *w, const struct omp_pq_10min *v);

/** @brief Count one 10-s frequency value. */
void omp_pq_week_add_10s(struct omp_pq_week *w, float f_hz, bool flagged);

/** @brief Count a complete event (END note) in the events table. */
void omp_pq_week_add_event(struct omp_pq_week *w, const struct omp_pq_event *ev);

/** @brief Share within limits and verdict of quantity @p q. @return OMP_OK, OMP_ERR_ARG. */
OMP_MUST_CHECK omp_err omp_pq_week_get(const struct omp_pq_week *w, enum omp_pq_week_q q,
                                       struct omp_pq_week_result *out);

/** @brief Share of the valid 10-min values with harmonic @p order (2..25) within its limit, and
 *  the 95 % verdict. @return OMP_OK, OMP_ERR_ARG (order out of range). */
OMP_MUST_CHECK omp_err omp_pq_week_harmonic(const struct omp_pq_week *w, unsigned order,
                                            struct omp_pq_week_result *out);

/** @brief EN 50160 limit of harmonic @p order (2..25) in % of U1; 0 outside. */
float omp_pq_harmonic_limit_pct(unsigned order);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_PQ_EVENT_H */

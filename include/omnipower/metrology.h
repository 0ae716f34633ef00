/**
 * @file metrology.h
 * @brief Metrology engine: ADC sample pairs in; rms, powers, frequency, cycle records, four-quadrant
 * energy and pulse requests out. Pure: no HAL, no storage; the meter routes samples and pulses.
 *
 * Signal chain (per sample pair, O(1), called from the sample ISR through the meter):
 *   1. DC offset removal on both channels: one constant per cycle and channel, the smoothed mean
 *      of the previous cycles over their exact (zero-crossing to zero-crossing) windows, start
 *      value from calibration; the cycle's sums are corrected algebraically to the estimate that
 *      includes the cycle itself. No filter, so no phase or gain error at any frequency.
 *   2. Phase compensation: the current is delayed one sample and the voltage 1 + lag samples
 *      (integer delay line + linear fractional interpolation, the interpolator's gain at the
 *      measured frequency divided out per cycle): a constant *time* skew, exact at every frequency.
 *   3. Integer accumulation of v, i, v*v, i*i, v*i (int64) over each mains cycle and single-bin
 *      DFT accumulations of v and i (float, against a unit oscillator at the last measured
 *      frequency) for U1, I1 and Q1. Per-cycle values integrate over the exact window between
 *      the interpolated crossings (trapezoid with fractional end pieces); energy uses the plain
 *      sample sums, which tile time without gaps.
 *   4. Voltage zero-crossing detection (rising, interpolated to a fraction of a sample, armed by a
 *      negative excursion below 5 V and guarded against harmonics by a minimum period of
 *      1/(1.4 fn)); without crossings the engine closes pseudo-cycles of nominal length so
 *      currents and energy keep flowing: at the nominal period when the negative half wave has
 *      not armed the detector by then (the voltage is gone: the pseudo-cycles keep the grid of
 *      the last crossings), else after 1/(0.8 fn). The half-way point of Urms(1/2) is the
 *      falling crossing before the negative half wave nearest to half the reference period
 *      (noise crosses many times where the voltage is gone), and in a pseudo-cycle the sample
 *      half a nominal period in: without crossings the refreshes go on every T/2. Samples before the first crossing after
 *      omp_metro_init form no record; their energy is registered with the first cycle (active:
 *      their own sample sums; reactive and apparent: the first cycle's powers times their
 *      duration). omp_metro_flush() books the open cycle's energy at the end of a recording or
 *      at a power-fail warning, so a recording of any length is registered whole.
 * Per mains cycle (at each rising zero crossing): a `struct omp_cycle` record with gains applied,
 * the cycle's energies added to the four-quadrant registers (after the starting/no-load gate),
 * and pulse requests at the meter constant.
 *
 * Definitions (stated as IEC 62053-24 and IEEE 1459 name them):
 * - P = mean(u*i) over the cycle; energy = sum(u*i)*Ts, continuous and gapless across cycles.
 * - Q = Q1 = U1*I1*sin(theta1), fundamental reactive power (IEC 62053-24); positive when the
 *   current lags the voltage (quadrants I and II).
 * - S = Urms*Irms, PF = P/S with the sign of P; phi1 = angle by which I1 lags U1, 0..360 deg.
 * - Quadrant by the signs of P and Q: I (P+, Q+), II (P-, Q+), III (P-, Q-), IV (P+, Q-).
 * - Registers: A+ = QI+QIV active, A- = QII+QIII, R+ = QI+QII reactive, R- = QIII+QIV,
 *   R1..R4 reactive per quadrant (OBIS 5.8.0..8.8.0), E+ apparent while P >= 0, E- while P < 0.
 */
#ifndef OMNIPOWER_METROLOGY_H
#define OMNIPOWER_METROLOGY_H

#include "omnipower/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest voltage delay line for phase compensation, in samples (power of two). */
#define OMP_METRO_DELAY_MAX 8u
/** Cycle records buffered between the sample path and the consumer (power of two). */
#define OMP_METRO_CYCLE_QUEUE 8u
/** Bytes of an encoded calibration record (omp_metro_cal_encode). */
#define OMP_METRO_CAL_RECORD_LEN 32u

/**
 * @brief Calibration constants: legal data. Written by the calibration routine at the factory,
 * stored by the meter as a CRC-protected record, never changed through a protocol.
 */
struct omp_metro_cal {
    float v_gain;      /**< volts per ADC code of the voltage channel (after offset removal) */
    float i_gain;      /**< amperes per ADC code of the current channel */
    float phase_deg;   /**< current-channel lag behind voltage at the nominal frequency, degrees;
                            compensated as a time delay of the voltage; -0.5..+5 samples worth */
    int32_t v_offset;  /**< voltage channel DC offset, codes (start value of the tracker) */
    int32_t i_offset;  /**< current channel DC offset, codes */
};

/** @brief Configuration (from the type number and Z-codes; not legal data except the constant). */
struct omp_metro_cfg {
    uint32_t fs_hz;             /**< samples per second per channel: 4000 or 8000 (2000..32000) */
    uint32_t mains_hz;          /**< nominal frequency: 50 or 60 */
    uint32_t imp_per_kwh;       /**< meter constant of both LEDs: 1000 imp/kWh and imp/kvarh */
    uint32_t pulse_width_ms;    /**< Z8: 30 or 80 */
    bool led_on_no_load;        /**< Z2: true = the active LED shines steadily when not registering */
    float start_w;              /**< starting/no-load gate: active energy registers only while
                                     |P| (averaged, see omp_metro) >= start_w; default 3.45 W */
    float start_var;            /**< same for reactive energy; default 3.45 var */
    float supply_min_v;         /**< supply indicator threshold: 160 V */
    float load_min_w;           /**< load indicator threshold: 2.3 W */
};

/** @brief One mains cycle, as downstream modules (registers, pq, loggers, display) consume it. */
struct omp_cycle {
    uint32_t seq;          /**< cycle number since init (wraps) */
    uint64_t end_sample;   /**< index of the first sample after the cycle's closing zero crossing */
    float end_frac;        /**< the crossing lies end_frac (0..1) samples before end_sample */
    float period_s;        /**< measured cycle duration (interpolated crossings) */
    float f_hz;            /**< 1 / period_s; 0 when no voltage (pseudo-cycle) */
    float urms_v;          /**< rms over the cycle */
    float irms_a;
    float urms_half_v[2];  /**< one-cycle rms refreshed every half cycle (IEC 61000-4-30
                                Urms(1/2)): [0] window ending at this cycle's half-way crossing,
                                [1] window ending at this cycle's end (the cycle itself: it equals
                                urms_v but for the DC). Each window is corrected with one DC
                                offset, the estimate in force when it began. In a pseudo-cycle
                                (no_voltage) of nominal length the half-way point is half of it
                                in, so [0] ends period_s / 2 before the end there too */
    float u1_v;            /**< fundamental rms voltage */
    float i1_a;            /**< fundamental rms current */
    float p_w;             /**< active power, import positive */
    float q_var;           /**< fundamental reactive power Q1, inductive positive */
    float s_va;            /**< apparent power Urms*Irms */
    float pf;              /**< P/S with the sign of P; 0 when S is 0 */
    float phi_deg;         /**< angle by which I1 lags U1, 0..360; 0 when either is absent */
    uint8_t quadrant;      /**< 1..4, 0 when P and Q are both below the gates */
    bool no_voltage;       /**< pseudo-cycle of nominal length: no zero crossing found */
    bool registering_p;    /**< active energy of this cycle passed the starting gate */
    bool registering_q;    /**< reactive energy of this cycle passed the starting gate */
};

/** @brief Energy registers, micro-units (1e-6 Wh, varh, VAh), monotonic, no loss to rounding. */
struct omp_metro_energy {
    uint64_t a_plus_uwh;
    uint64_t a_minus_uwh;
    uint64_t r_plus_uvarh;
    uint64_t r_minus_uvarh;
    uint64_t r_quadrant_uvarh[4]; /**< R1..R4 (OBIS 5.8.0..8.8.0) */
    uint64_t e_plus_uvah;
    uint64_t e_minus_uvah;
};

/** Pulse channels the engine requests (the meter maps them to HAL pulse outputs). */
enum omp_metro_pulse {
    OMP_METRO_PULSE_ACTIVE = 0,   /**< active LED: |A| at imp_per_kwh (import or export) */
    OMP_METRO_PULSE_REACTIVE = 1, /**< reactive LED: |R| at imp_per_kwh per kvarh */
    OMP_METRO_PULSE_COUNT
};

/** @brief What one call of omp_metro_on_samples produced. */
struct omp_metro_events {
    uint8_t pulses[OMP_METRO_PULSE_COUNT]; /**< pulses to start now, per channel */
    uint8_t cycles;                        /**< cycle records queued by this call */
    bool led_steady_on;                    /**< Z2: active LED should be steadily on (no load) */
};

/** @brief A queued cycle record, packed (private: read through omp_metro_cycle_pop). */
struct omp_metro_rec {
    uint32_t end_lo;         /**< low 32 bits of end_sample */
    float end_frac, period_s, urms_v, irms_a, urms_half_v[2], u1_v, i1_a, p_w, q_var, phi_deg;
    uint8_t flags;           /**< quadrant (bits 0..2), no_voltage, registering_p, registering_q */
};

/** @brief The engine's state for one phase. Fixed size, caller storage; see bench for its size. */
struct omp_metro {
    struct omp_metro_cfg cfg;
    struct omp_metro_cal cal;
    /* private from here on: read through the functions below */
    int32_t v_hist[16];                    /**< delay line of raw voltage codes */
    uint32_t hist_pos;
    uint32_t delay_int;                    /**< integer part of the voltage delay (1 + lag), samples */
    int32_t delay_frac_q16;                /**< fractional part, Q16 */
    float delay_frac;                      /**< same as a float (interpolator gain correction) */
    int32_t i_last;                        /**< raw current code of the previous sample */
    int32_t dc_v, dc_i;                    /**< DC removed in the sample path, codes */
    float dc_v_est, dc_i_est;              /**< per-cycle DC estimates (smoothed), codes */
    int32_t vd_prev, id_prev, id_prev2;    /**< previous compensated samples (voltage Q3) */
    int32_t zc_thr_q3;                     /**< arming threshold of the zero-crossing detector */
    uint32_t min_period, max_period, nom_period; /**< samples */
    uint64_t sample_index;
    /* cycle accumulators: integer sums of the compensated samples, float single-bin DFT */
    int64_t acc_v, acc_i, acc_vv, acc_ii, acc_vi;
    int64_t acc_d2;                        /**< sum of squared second differences of the current */
    float i_noise2;                        /**< current-channel white-noise power estimate, codes^2 */
    float acc_vc, acc_vs, acc_ic, acc_is;
    float nco_c, nco_s, nco_cw, nco_sw, w_ref;
    uint32_t acc_n;
    int32_t b_vd[2], b_i[2];               /**< samples a-1, a around the opening crossing */
    float frac0;                           /**< opening crossing lies frac0 samples before sample a */
    int64_t half_vv, half_v;               /**< acc_vv, acc_v at the half-way (falling) crossing */
    float half_len;                        /**< duration from the opening to the half-way crossing */
    int64_t nom_vv, nom_v;                 /**< acc_vv, acc_v half a pseudo-cycle into the cycle */
    uint32_t acc_limit;                    /**< acc_n of the next check: half a pseudo-cycle (then
                                                the sums above are taken), a whole one (closed) */
    float prev2_vv, prev2_len;             /**< second half of the previous cycle (sum of squares
                                                corrected to prev2_dc, Q3 codes^2; samples) */
    float prev2_dc;                        /**< DC estimate in force in the previous cycle, codes */
    /* energy carried into the next booking: the start-up samples (before the first crossing),
     * and what omp_metro_flush booked of the open cycle already */
    int64_t pend_vi;                       /**< plain sum of v*i of the start-up samples */
    float pend_v, pend_i;                  /**< their sums of v and i (DC correction only) */
    uint32_t pend_n;                       /**< their count */
    float pend_q_len, pend_s_len;          /**< samples of reactive / apparent energy to add to the
                                                next cycle's window (negative: booked already) */
    float booked_p, booked_p_lo;           /**< active energy of the open cycle booked already,
                                                micro-units, hi + lo */
    uint8_t state, dc_cycles, nf_cycles;
    bool armed, half_seen, start_zc, reg_p, reg_q;
    /* energy */
    struct omp_metro_energy energy;
    float k_e, k_e_lo;                     /**< micro-units of energy per sample of vd*id (Q3
                                                codes x codes), as float hi + lo */
    uint32_t residue_q32[8];               /**< sub-micro-unit remainders (Q32), register order */
    uint64_t pulse_acc[OMP_METRO_PULSE_COUNT]; /**< micro-units times imp_per_kwh since last pulse */
    float p_avg_w, q_avg_var;              /**< smoothed powers for the starting gate */
    /* output queue */
    struct omp_metro_rec queue[OMP_METRO_CYCLE_QUEUE];
    uint32_t q_head, q_tail;               /**< records produced / consumed since init */
    /* raw accumulation for calibration (unity gains, codes) */
    double raw_vv, raw_ii, raw_vi, raw_q, raw_len;
    uint32_t raw_cycles;
};

/** @brief Raw averages since omp_metro_raw_reset(), in ADC codes, for calibration. */
struct omp_metro_raw {
    double urms_codes;  /**< rms of the offset-free voltage codes */
    double irms_codes;
    double p_codes2;    /**< mean of v*i, codes^2 (after phase compensation) */
    double q_codes2;    /**< fundamental reactive Q1 in codes^2 */
    double f_hz;        /**< mean frequency */
    uint32_t cycles;    /**< whole cycles averaged */
};

/** @brief Reference conditions of one calibration point (from the calibration bench). */
struct omp_metro_ref {
    float urms_v;    /**< true rms voltage */
    float irms_a;    /**< true rms current */
    float phi_deg;   /**< true angle by which the current lags the voltage (0 for PF 1, 60 for 0.5L) */
};

/**
 * @brief Defaults: fs OMP_CONFIG_SAMPLE_RATE_HZ, mains OMP_CONFIG_MAINS_HZ, 1000 imp/kWh, 30 ms,
 * LED off at no load, start 3.45 W / 3.45 var (midway between 10 mA and 20 mA at 230 V: M5 of the
 * metrology spec), supply 160 V, load 2.3 W.
 */
void omp_metro_cfg_default(struct omp_metro_cfg *cfg);

/** @brief Identity calibration for a front end of @p v_full_scale_v / @p i_full_scale_a peak at
 * 2^23 codes (gains = full scale / 2^23, no phase, no offset). */
void omp_metro_cal_nominal(struct omp_metro_cal *cal, float v_full_scale_v, float i_full_scale_a);

/**
 * @brief Start an engine. Energy registers start from @p energy (restored from storage) or zero.
 * @return OMP_OK, OMP_ERR_ARG (NULL, cfg or cal out of range: fs, mains, constant, width, gains
 *         not finite and > 0, phase outside -0.5..OMP_METRO_DELAY_MAX-1 samples).
 */
OMP_MUST_CHECK omp_err omp_metro_init(struct omp_metro *m, const struct omp_metro_cfg *cfg,
                                      const struct omp_metro_cal *cal,
                                      const struct omp_metro_energy *energy);

/**
 * @brief Process @p n_pairs interleaved (voltage, current) codes; codes must fit 24 bits signed.
 * @param[out] ev Pulses to start and cycles queued by this call (may be NULL).
 * @par Context: sample ISR; O(n) plus O(1) per completed cycle; no HAL calls.
 */
void omp_metro_on_samples(struct omp_metro *m, const int32_t *vi, size_t n_pairs,
                          struct omp_metro_events *ev);

/**
 * @brief Take the oldest queued cycle record. When the consumer falls behind, the oldest records
 * are overwritten (energy is never lost: it is integrated in the sample path).
 * @return OMP_OK, OMP_ERR_NOT_FOUND (queue empty), OMP_ERR_ARG.
 */
OMP_MUST_CHECK omp_err omp_metro_cycle_pop(struct omp_metro *m, struct omp_cycle *out);

/**
 * @brief Book the energy of the open (partial) cycle into the registers now: at the end of a
 * recording or at the power-fail warning, so that no part of a cycle is lost.
 *
 * Active energy is the plain sum of the samples since the last boundary (and, before the first
 * cycle has closed, the start-up samples), DC-corrected with the current estimate; reactive and
 * apparent energy are the last cycle's Q1 and S times the open window's duration. The starting
 * gate applies as it stands (the last cycle's decision; nothing registers before the first cycle
 * has closed). The samples keep counting: when the cycle closes later, it books only what the
 * flush has not, so each sample's energy is booked exactly once. The samples still in the phase
 * compensation's delay line (1 + lag, normally one) are not included.
 * @param[out] ev Pulses to start (may be NULL); no cycle is queued.
 * @par Context: as omp_metro_on_samples (the sample ISR, or with it masked); O(1).
 */
void omp_metro_flush(struct omp_metro *m, struct omp_metro_events *ev);

/** @brief Copy the energy registers. */
void omp_metro_energy_get(const struct omp_metro *m, struct omp_metro_energy *out);

/** @brief Restart the raw (calibration) averages. */
void omp_metro_raw_reset(struct omp_metro *m);
/** @brief Raw averages since the last reset. @return OMP_OK, OMP_ERR_STATE (no whole cycle yet). */
OMP_MUST_CHECK omp_err omp_metro_raw_get(const struct omp_metro *m, struct omp_metro_raw *raw);

/**
 * @brief Compute calibration constants from two reference points measured with the nominal (or
 * any) calibration: @p unity at PF 1 (gains) and @p lagging at a lagging PF, typically 0.5L
 * (phase). Offsets are kept from @p current (the trackers remove DC at run time).
 * @return OMP_OK, OMP_ERR_ARG (NULL, non-positive references), OMP_ERR_RANGE (results out of the
 *         range omp_metro_init accepts).
 */
OMP_MUST_CHECK omp_err omp_metro_calibrate(const struct omp_metro_cal *current,
                                           uint32_t fs_hz, uint32_t mains_hz,
                                           const struct omp_metro_raw *unity,
                                           const struct omp_metro_ref *unity_ref,
                                           const struct omp_metro_raw *lagging,
                                           const struct omp_metro_ref *lagging_ref,
                                           struct omp_metro_cal *out);

/**
 * @brief Encode @p cal as the legal calibration record: magic "OMPC", version, the five values
 * little-endian, CRC-32 of the rest; OMP_METRO_CAL_RECORD_LEN bytes.
 * @return OMP_OK, OMP_ERR_ARG, OMP_ERR_NOSPACE (@p cap too small; nothing written).
 */
OMP_MUST_CHECK omp_err omp_metro_cal_encode(const struct omp_metro_cal *cal, uint8_t *out,
                                            size_t cap);
/**
 * @brief Decode and check a calibration record (bytes from NVM: untrusted).
 * @return OMP_OK, OMP_ERR_ARG, OMP_ERR_TRUNCATED, OMP_ERR_MALFORMED (magic/version), OMP_ERR_CRC,
 *         OMP_ERR_RANGE (values omp_metro_init would reject). @p cal untouched on error.
 */
OMP_MUST_CHECK omp_err omp_metro_cal_decode(const uint8_t *in, size_t len,
                                            struct omp_metro_cal *cal);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_METROLOGY_H */

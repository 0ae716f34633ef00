/**
 * @file hal_wavegen.h
 * @brief Test-bench signal sources (library `omnipower_hal`): an analytic waveform generator and
 * the ADC front-end model of the metrology spec (shared/spec/metrology-and-power-quality.md §4).
 *
 * The generator describes each channel by analytic parameters, so a test computes the true rms,
 * P and Q1 from the same parameters (omp_wave_true()) and never from a run of the engine.
 * Deterministic: the same parameters and seed give the same codes on every host.
 *
 * Signal model (time t in s, fundamental phase theta(t) = 2*pi*integral(f) with f = f0 + ramp*t):
 *   x(t) = env(t) * shape( sum_k sqrt(2)*rms_k*sin(order_k*theta(t) + phase_k) ) + dc
 * The fundamental is component 0 (order 1). Orders may be fractional (interharmonics). The
 * current channel's phases are absolute like the voltage's: a load with current lagging by phi has
 * i.phase_deg = v.phase_deg - phi.
 *
 * Shaped channels are sampled by an integrating ADC model (hal/wavegen.c): a shape that switches
 * (phase-fired firing, burst edges, half-wave zero crossings) is not bandlimited, and sampling it
 * at points makes a jump that falls on a sample count in full (at 50 Hz with fs 4000 / 8000 the
 * 90 deg firing instants do: the sampled P of M10 was +5 % / +2.5 % off the continuous truth).
 * A shaped channel's sample at t is instead the weighted mean of the continuous shaped signal
 * over [t - Ts, t + Ts], weight (Ts - |tau|) / Ts^2 (two cascaded integrate-over-one-sample-period
 * stages: a sinc^2 decimation filter, Ts = 1/fs), with the filter's passband droop equalised at
 * each component's own frequency (each component scaled by 1/sinc^2(pi f_k / fs) below Nyquist;
 * above, none). Integrals are closed form (the conducting parts of the window: firing instants
 * and burst edges exact, half-wave crossings bisected) at the current channel's delayed time;
 * envelope steps and dc are applied to the result at the sample instant (point-evaluated).
 * Consequences, for test writers (the continuous-time truth of omp_wave_true() stays the
 * reference; it is not adjusted for any of this):
 * - A sample whose window [t - Ts, t + Ts] holds no switching is exactly the point value (it is
 *   computed on the point path); only the 1-2 samples around each switching instant change.
 *   Unshaped channels (no shape) are point-sampled as before, on the fast paths.
 * - Droop: one integrate-over-Ts stage alone (a box over [t - Ts/2, t + Ts/2]) attenuates 50 Hz
 *   by sinc(pi f / fs): 1 - 2.57e-4 at 4 kHz, 1 - 6.4e-5 at 8 kHz (sinc^2: 1 - 5.14e-4 and
 *   1 - 1.29e-4). That is too much for 0.003 % P tests, hence the equalisation: the source
 *   components (the fundamental and any configured harmonics) come through at unity gain.
 * - Why two stages: a box attenuates the harmonics near fs/f0 -/+ 1, which alias onto the
 *   fundamental, only by ~1/h: P of a phase-fired current at a firing angle off the sample grid
 *   was off by up to 1e-4 of U*I. With sinc^2: P against a sinusoidal voltage equals the truth
 *   within 1e-5 at 4 kHz, 2e-6 at 8 kHz (measured: phase-fired 73/90/135 deg at several
 *   current phases, burst with jumps, half-wave; tests/test_hal_wavegen.c).
 * - Harmonics that the shape creates (not source components) see the droop relative to the
 *   fundamental, sinc^2(pi h f / fs) / sinc^2(pi f / fs): at 50 Hz and 4 kHz -0.41 % at h3,
 *   -1.23 % at h5, -2.44 % at h7 (about a quarter of that at 8 kHz). This matters only for the
 *   harmonic power terms, with a distorted voltage and a shaped current.
 * - Mean square: smoothing a jump J over two samples takes about J^2 * Ts / 4 (0.22..0.25 by
 *   where the jump falls between samples) off the integral of x^2: M10's 90 deg phase-fired
 *   5 A current has -2.5 % mean square (-1.25 % rms) at 4 kHz, -1.25 % (-0.63 %) at 8 kHz, as
 *   any band-limited ADC would show. Continuous shapes (half-wave) change it by < 2e-5.
 * - With a frequency ramp, the phase is taken linear over the window (at the instantaneous
 *   frequency): the curvature dropped is < 1e-6 rad for any sensible ramp.
 * - A component near Nyquist is boosted by the equalisation (up to (pi/2)^2 = 2.47) in the
 *   samples around a switching instant; keep shaped channels' components well below fs/2.
 *
 * Front-end model: code = clamp(round((x(t - delay) * (1 + gain_err) / full_scale + offset_fs
 *   + crosstalk * other_channel_normalised + noise) * 2^23)), 24-bit signed; the current channel's
 *   lag is a constant time delay of lag_deg / (360 * f_nominal) (as an ADC group-delay mismatch is),
 *   noise is Gaussian with rms noise_dbfs relative to full scale.
 *
 * Conventions (hal/wavegen.c):
 * - Sample n is at t = n / fs_hz; theta(t) = 2*pi*(f0*t + ramp*t^2/2). The phase is computed
 *   from n exactly (no accumulation), so it stays exact to ~1e-16 cycles for any n < 2^53.
 *   Parameters are re-read on every omp_wave_fill() call: amplitudes, dc, shapes and steps may be
 *   changed between calls (a step in the signal at that sample); changing f0 or fs mid-run jumps
 *   the phase (theta is f0*t from t = 0), so use the ramp for frequency changes.
 * - "Full scale" is the peak at code 2^23; codes are rounded half away from zero and clamped to
 *   +-(2^23 - 1). Ideal codes: round(x / full_scale * 2^23), nothing else, where x is the sample
 *   value (point value; for a shaped channel, the integrating ADC model's value).
 * - The whole current channel (shape, its integration window and envelope included) is evaluated
 *   at t - delay; the voltage channel has no delay. omp_wave_eval() returns both at t (no delay,
 *   no front end), shaped channels as the integrating ADC model's sample value.
 * - Crosstalk adds 10^(db/20) * v_norm to the current's normalised value, v_norm = u(t) *
 *   (1 + v_gain_err) / v_full_scale (the voltage signal without offset or noise).
 * - Noise: splitmix64 + ziggurat, one stream in w->rng, drawn voltage then current per pair and
 *   only when noise is on. The codes do not depend on how fill calls split the run.
 * - Overlapping envelope steps multiply. Shape parameters count whole cycles / degrees as floats.
 * - Parameters are floats: compute expected values with omp_wave_true() (or from the float
 *   values), not from the decimal literals (e.g. 36.87f is not 36.87).
 */
#ifndef OMNIPOWER_HAL_WAVEGEN_H
#define OMNIPOWER_HAL_WAVEGEN_H

#include "omnipower/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Components per channel (fundamental included). */
#define OMP_WAVE_MAX_COMPONENTS 32u
/** Envelope steps per channel. */
#define OMP_WAVE_MAX_STEPS 8u

/** Shapes applied to a channel's periodic part (for the IEC 62053-21 waveform tests). A shaped
 *  channel is sampled by the integrating ADC model (file comment). */
enum omp_wave_shape {
    OMP_WAVE_SHAPE_NONE = 0,
    OMP_WAVE_SHAPE_HALF_WAVE = 1,   /**< keep positive half-waves only (half-wave rectified) */
    OMP_WAVE_SHAPE_PHASE_FIRED = 2, /**< zero until param deg after each zero crossing of the
                                         channel's fundamental, then the signal (both halves) */
    OMP_WAVE_SHAPE_BURST = 3,       /**< param = on cycles, param2 = off cycles (of theta) */
};

struct omp_wave_component {
    float order;     /**< multiple of the fundamental frequency (1 = fundamental, 5 = h5, 3.5 ...) */
    float rms;       /**< rms in volts or amperes (before shape and envelope) */
    float phase_deg; /**< phase at theta = 0, degrees */
};

/** A step of the envelope: from t_start_s (inclusive) to t_end_s (exclusive) the channel is
 *  multiplied by scale (dips, swells, interruptions, current steps). */
struct omp_wave_step {
    double t_start_s;
    double t_end_s;
    float scale;
};

struct omp_wave_channel {
    struct omp_wave_component comp[OMP_WAVE_MAX_COMPONENTS];
    uint32_t n_comp;           /**< components used; comp[0] is the fundamental by convention */
    float dc;                  /**< DC added after the shape (V or A) */
    enum omp_wave_shape shape;
    float shape_param;
    float shape_param2;
    struct omp_wave_step steps[OMP_WAVE_MAX_STEPS];
    uint32_t n_steps;
};

/** @brief Front-end (ADC) model parameters. */
struct omp_adc_model {
    float v_full_scale_v;   /**< peak volts at code 2^23 (spec: 400) */
    float i_full_scale_a;   /**< peak amperes at code 2^23 (spec: 170) */
    float v_offset_fs;      /**< DC offset as a fraction of full scale (spec: +0.001) */
    float i_offset_fs;
    float v_gain_err;       /**< relative gain error (spec: +0.005) */
    float i_gain_err;
    float i_lag_deg;        /**< current lags voltage by this at f_nominal_hz (spec: 0.30) */
    float f_nominal_hz;     /**< 50 */
    float noise_dbfs;       /**< Gaussian noise rms per channel, dB re full scale (spec: -90);
                                 below -200 means none */
    float crosstalk_v_to_i_db; /**< voltage into current channel, dB (M4: -80); below -200 none */
    uint32_t seed;          /**< noise generator seed */
};

/** @brief A generator: parameters plus running state. Caller storage; no allocation. */
struct omp_wave {
    double fs_hz;
    double f0_hz;           /**< fundamental frequency at t = 0 */
    double ramp_hz_per_s;   /**< df/dt */
    struct omp_wave_channel v, i;
    struct omp_adc_model adc;
    bool adc_on;            /**< false: ideal codes (no offset, gain error, lag, noise, crosstalk)
                                 with the same full scales */
    /* running state (private) */
    uint64_t n;             /**< next sample index */
    uint64_t rng;           /**< noise generator state */
};

/** @brief Front end exactly as the spec's acceptance bench: 400 V / 170 A, +0.1 % offsets, +0.5 %
 *  gains, 0.30 deg lag, -90 dBFS noise, no crosstalk, seed 1. */
void omp_adc_model_spec(struct omp_adc_model *m);

/**
 * @brief Set up a sinusoidal pair: voltage @p urms at phase 0, current @p irms lagging by
 * @p phi_deg (0 = PF 1, 60 = 0.5L, -36.87 = 0.8C, 180 = export), at @p f_hz, sampled at
 * @p fs_hz, front end @p adc (NULL = ideal codes with the spec's full scales).
 */
void omp_wave_init_sine(struct omp_wave *w, double fs_hz, double f_hz, float urms, float irms,
                        float phi_deg, const struct omp_adc_model *adc);

/**
 * @brief Restart at sample 0 with the noise generator reseeded from w->adc.seed (parameters are
 * kept). Not needed after editing parameters (each fill re-reads them); needed to make a new
 * adc.seed take effect or to replay a run from the start.
 */
void omp_wave_reset(struct omp_wave *w);

/**
 * @brief Produce the next @p n_pairs interleaved (voltage, current) 24-bit codes.
 * Speed: at least 20 M pairs/s for a sine pair with noise in an optimised build (bench_wavegen).
 */
void omp_wave_fill(struct omp_wave *w, int32_t *vi, size_t n_pairs);

/** @brief Physical values (before the front end) at sample index @p n: u in V, i in A. Shaped
 *  channels: the integrating ADC model's sample value (the point value unless a switching
 *  instant lies within one sample period of the sample); the ideal codes are these, rounded. */
void omp_wave_eval(const struct omp_wave *w, uint64_t n, double *u_v, double *i_a);

/**
 * @brief True values over whole fundamental cycles, from the parameters (no envelope steps;
 * shapes HALF_WAVE, PHASE_FIRED and BURST on the current with a sinusoidal current, analytic).
 *
 * Physical values before the front end (no lag, gain, offset, noise), in continuous time: the
 * reference for the codes, not adjusted for the integrating ADC model of shaped channels (see the
 * file comment for the residuals that model leaves). Envelope steps are ignored
 * (the steady state with scale 1). Unshaped channels: any components; power and rms pair
 * components of equal order. Shaped current: closed-form integrals over the conduction windows
 * (burst: over its on+off period); the voltage may have any integer-order components and dc.
 *
 * @return OMP_OK; OMP_ERR_ARG (NULL, n_comp > OMP_WAVE_MAX_COMPONENTS, order <= 0, non-finite
 *         values); OMP_ERR_UNSUPPORTED (a shaped voltage; a shaped current that is not a single
 *         order-1 component with rms >= 0; a shaped current with a non-integer voltage order).
 */
struct omp_wave_truth {
    double urms_v, irms_a;
    double p_w;        /**< mean active power (all components, shapes included) */
    double q1_var;     /**< fundamental reactive power U1*I1*sin(phi1), lagging positive */
    double u1_v, i1_a; /**< fundamental rms */
    double phi1_deg;   /**< angle by which I1 lags U1, in (-180, 180]; 0 if U1 or I1 is 0 */
};
OMP_MUST_CHECK omp_err omp_wave_true(const struct omp_wave *w, struct omp_wave_truth *t);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_HAL_WAVEGEN_H */

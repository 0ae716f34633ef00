/*
 * Metrology engine: the per-sample path and the per-cycle evaluation (see metrology.h for the
 * signal chain and the definitions).
 *
 * Per sample pair (omp_metro_on_samples), integer and single-precision only:
 *   vd = voltage delayed by 1 + lag samples (delay line + linear interpolation), Q3 codes, DC removed
 *   id = current delayed by 1 sample, codes, DC removed
 *   acc_v += vd, acc_i += id, acc_vv += vd*vd, acc_ii += id*id, acc_vi += vd*id   (int64)
 *   acc_vc += vd*c, acc_vs += vd*s, acc_ic += id*c, acc_is += id*s               (float)
 *   (c, s) rotated by the last measured angular frequency, renormalised every sample
 *   zero-crossing test on vd
 * Per cycle (close_cycle and its stages), in single precision (the Cortex-M4F FPU has no double;
 * see the comment above struct cycle_calc for the error budget): the sums are turned into
 * integrals over the exact window [t0, t1] between the interpolated crossings (trapezoid over the
 * samples inside plus linear end pieces), corrected for the DC estimate, scaled by the gains and
 * the interpolator's gain. Only the calibration averages (raw_*, cycle_raw_add) stay double: they
 * add up many cycles.
 */
#include <math.h>
#include <string.h>

#include "metrology_priv.h"
#include "omnipower/metrology.h"

#define HIST_MASK 15u
#define Q3 8.0   /* voltage codes are carried in Q3 (init, double) */
#define Q3F 8.0f /* same, per-cycle path (float) */
#define TWO_PI_F 6.28318531f
#define RAD_TO_DEG_F 57.2957795f
/* reg_add clamps a cycle's increment to this (far above any real cycle; keeps uint32 exact) */
#define REG_ADD_MAX 4.0e9f
#define REG_ADD_LO_MAX 1.0e9f /* and its low part (fits int32) */

/* engine states */
#define ST_START 0u  /* before the first crossing */
#define ST_RUN 1u    /* cycles closed at rising crossings */
#define ST_NOVOLT 2u /* pseudo-cycles of nominal length */

/* quantities of the per-cycle integrals */
enum { QV, QI, QVV, QII, QVI, QVC, QVS, QIC, QIS, QN };

/* record flags */
#define REC_QUAD_MASK 0x07u
#define REC_NO_VOLTAGE 0x08u
#define REC_REG_P 0x10u
#define REC_REG_Q 0x20u

/* register indices of residue[] */
enum { R_AP, R_AM, R_Q1, R_Q2, R_Q3, R_Q4, R_EP, R_EM };

/* Gate hysteresis: off below this fraction of the on threshold. */
#define GATE_OFF_FRACTION 0.9f
/* Time constant of the smoothed powers of the starting gate, seconds. */
#define GATE_TAU_S 1.0f
/* Arming level of the zero-crossing detector, volts (negative peak must go below -this). */
#define ZC_ARM_V 5.0
/* Fundamental considered absent below these (phi = 0). */
#define ABSENT_U1_V 1.0f
#define ABSENT_I1_A 0.001f
/* The current-channel noise floor is learnt on cycles below this rms current, amperes. */
#define NOISE_LEARN_A 0.5f
/* Pseudo-cycles update the current's DC estimate only below this rms current, amperes. */
#define DC_QUIET_I_A 0.1f

double omp_metro_priv_lag_samples(double phase_deg, uint32_t fs_hz, uint32_t mains_hz)
{
    return phase_deg / 360.0 * (double)fs_hz / (double)mains_hz;
}

bool omp_metro_priv_cal_ok(const struct omp_metro_cal *cal, uint32_t fs_hz, uint32_t mains_hz)
{
    if (!isfinite(cal->v_gain) || !isfinite(cal->i_gain) || !isfinite(cal->phase_deg)) {
        return false;
    }
    if (!(cal->v_gain > 0.0f) || !(cal->i_gain > 0.0f)) {
        return false;
    }
    double lag = omp_metro_priv_lag_samples(cal->phase_deg, fs_hz, mains_hz);
    if (lag < -0.5 || lag > (double)(OMP_METRO_DELAY_MAX - 1u)) {
        return false;
    }
    if (cal->v_offset > OMP_METRO_OFFSET_MAX || cal->v_offset < -OMP_METRO_OFFSET_MAX ||
        cal->i_offset > OMP_METRO_OFFSET_MAX || cal->i_offset < -OMP_METRO_OFFSET_MAX) {
        return false;
    }
    return true;
}

void omp_metro_cfg_default(struct omp_metro_cfg *cfg)
{
    if (cfg == NULL) {
        return;
    }
    memset(cfg, 0, sizeof *cfg);
    cfg->fs_hz = OMP_CONFIG_SAMPLE_RATE_HZ;
    cfg->mains_hz = OMP_CONFIG_MAINS_HZ;
    cfg->imp_per_kwh = 1000u;
    cfg->pulse_width_ms = 30u;
    cfg->led_on_no_load = false;
    cfg->start_w = 3.45f;
    cfg->start_var = 3.45f;
    cfg->supply_min_v = 160.0f;
    cfg->load_min_w = 2.3f;
}

void omp_metro_cal_nominal(struct omp_metro_cal *cal, float v_full_scale_v, float i_full_scale_a)
{
    if (cal == NULL) {
        return;
    }
    memset(cal, 0, sizeof *cal);
    cal->v_gain = v_full_scale_v / 8388608.0f;
    cal->i_gain = i_full_scale_a / 8388608.0f;
    cal->phase_deg = 0.0f;
    cal->v_offset = 0;
    cal->i_offset = 0;
}

static bool cfg_ok(const struct omp_metro_cfg *c)
{
    if (c->fs_hz < 2000u || c->fs_hz > 32000u || (c->mains_hz != 50u && c->mains_hz != 60u)) {
        return false;
    }
    if (c->imp_per_kwh == 0u || c->imp_per_kwh > 1000000u) {
        return false;
    }
    if (c->pulse_width_ms == 0u || c->pulse_width_ms > 10000u) {
        return false;
    }
    if (!isfinite(c->start_w) || !isfinite(c->start_var) || !isfinite(c->supply_min_v) ||
        !isfinite(c->load_min_w) || c->start_w < 0.0f || c->start_var < 0.0f) {
        return false;
    }
    return true;
}

/* 1 - cos x for the small angles of the reference (|x| <= 0.3 rad: w is at most 2 pi 1.4 fn / fs),
 * Taylor series to x^8 (truncation below 1e-9 relative), without the cancellation of
 * 1 - cosf(x). */
static float one_minus_cos_small(float x)
{
    float x2 = x * x;
    return x2 * 0.5f *
           (1.0f - x2 * (1.0f / 12.0f) *
                       (1.0f - x2 * (1.0f / 30.0f) * (1.0f - x2 * (1.0f / 56.0f))));
}

/* cos x and sin x for the same small angles (series to x^9: float rounding only). */
static void sincos_small(float x, float *c, float *s)
{
    float x2 = x * x;
    *s = x * (1.0f - x2 * (1.0f / 6.0f) *
                         (1.0f - x2 * (1.0f / 20.0f) *
                                     (1.0f - x2 * (1.0f / 42.0f) * (1.0f - x2 * (1.0f / 72.0f)))));
    *c = 1.0f - one_minus_cos_small(x);
}

/* 1/hg - 1 for the linear interpolator's gain hg at the fundamental: hg^2 = 1 - t,
 * t = 2 d (1 - d) (1 - cos w) <= 2 d (1 - d) (1 - cos 0.3) < 0.023; (1 - t)^(-1/2) as a series to
 * t^4 (truncation < 2e-9), kept as 1 + small so applying it rounds once. */
static float hg_correction(float d, float w)
{
    float t = 2.0f * d * (1.0f - d) * one_minus_cos_small(w);
    return t * (0.5f + t * (0.375f + t * (0.3125f + t * 0.2734375f)));
}

/* Start a new cycle at sample index `a` (the next sample to be accumulated); w rad per sample. */
static void cycle_begin(struct omp_metro *m, float frac0, bool start_zc, float w)
{
    m->acc_v = 0;
    m->acc_i = 0;
    m->acc_vv = 0;
    m->acc_ii = 0;
    m->acc_vi = 0;
    m->acc_d2 = 0;
    m->acc_vc = 0.0f;
    m->acc_vs = 0.0f;
    m->acc_ic = 0.0f;
    m->acc_is = 0.0f;
    m->acc_n = 0u;
    m->frac0 = frac0;
    m->start_zc = start_zc;
    m->half_seen = false;
    m->acc_limit = m->nom_period / 2u; /* first check: the sums half a nominal period in */
    m->w_ref = w;
    /* reference phase at sample a: the crossing t0 = a - frac0 has phase 0 */
    sincos_small(w * frac0, &m->nco_c, &m->nco_s);
    sincos_small(w, &m->nco_cw, &m->nco_sw);
}

/* Nominal angular frequency of the reference, rad per sample. */
static float w_nominal(const struct omp_metro_cfg *c)
{
    return TWO_PI_F * (float)c->mains_hz / (float)c->fs_hz;
}

omp_err omp_metro_init(struct omp_metro *m, const struct omp_metro_cfg *cfg,
                       const struct omp_metro_cal *cal, const struct omp_metro_energy *energy)
{
    if (m == NULL || cfg == NULL || cal == NULL) {
        return OMP_ERR_ARG;
    }
    if (!cfg_ok(cfg) || !omp_metro_priv_cal_ok(cal, cfg->fs_hz, cfg->mains_hz)) {
        return OMP_ERR_ARG;
    }
    struct omp_metro_cfg c = *cfg;
    struct omp_metro_cal k = *cal;
    struct omp_metro_energy e;
    if (energy != NULL) {
        e = *energy;
    }
    memset(m, 0, sizeof *m);
    m->cfg = c;
    m->cal = k;
    if (energy != NULL) {
        m->energy = e;
    }
    double delay = 1.0 + omp_metro_priv_lag_samples(k.phase_deg, c.fs_hz, c.mains_hz);
    double di = floor(delay);
    m->delay_int = (uint32_t)di;
    m->delay_frac_q16 = (int32_t)lround((delay - di) * 65536.0);
    if (m->delay_frac_q16 >= 65536) { /* rounding reached the next sample */
        m->delay_int++;
        m->delay_frac_q16 = 0;
    }
    m->delay_frac = (float)m->delay_frac_q16 / 65536.0f;
    double k_e = (double)k.v_gain * (double)k.i_gain / Q3 * 1.0e6 / (3600.0 * (double)c.fs_hz);
    m->k_e = (float)k_e;
    m->k_e_lo = (float)(k_e - (double)m->k_e);
    m->dc_v = k.v_offset;
    m->dc_i = k.i_offset;
    m->dc_v_est = (float)k.v_offset;
    m->dc_i_est = (float)k.i_offset;
    for (size_t j = 0; j < OMP_ARRAY_LEN(m->v_hist); j++) {
        m->v_hist[j] = k.v_offset;
    }
    m->i_last = k.i_offset;
    double thr = ZC_ARM_V / (double)k.v_gain * Q3;
    m->zc_thr_q3 = thr > 1.0e9 ? 1000000000 : (int32_t)thr;
    m->min_period = (uint32_t)((double)c.fs_hz / (1.4 * (double)c.mains_hz));
    m->max_period = (uint32_t)((double)c.fs_hz / (0.8 * (double)c.mains_hz));
    m->nom_period = (uint32_t)lround((double)c.fs_hz / (double)c.mains_hz);
    m->state = ST_START;
    cycle_begin(m, 0.0f, false, w_nominal(&c));
    return OMP_OK;
}

/*
 * x as hi + lo without the cost of a float-to-int64 conversion (a double-precision libgcc call
 * on the M4): x = xh 2^32 + xl with |xl| <= 2^31; hi = xh rounded to float, times 2^32; lo = the
 * rounding remainder of xh (exact, as an int32) times 2^32 plus xl. hi + lo = x to within
 * ~2^-24 of lo, i.e. exact for any practical purpose; valid for |x| < 2^62.
 */
static float i64_split(int64_t x, float *lo)
{
    uint32_t ul = (uint32_t)((uint64_t)x & 0xFFFFFFFFu);
    int64_t xl = ul >= 0x80000000u ? (int64_t)ul - 4294967296 : (int64_t)ul;
    int32_t xh = (int32_t)((x - xl) / 4294967296); /* exact division */
    float fh = (float)xh;
    int32_t rh = xh - (int32_t)fh; /* fh is an integer below 2^31: exact */
    *lo = (float)rh * 4294967296.0f + (float)(int32_t)xl;
    return fh * 4294967296.0f;
}

/* Values of the nine quantities at one sample. */
static void quantities(float vd, float id, float c, float s, float q[QN])
{
    q[QV] = vd;
    q[QI] = id;
    q[QVV] = vd * vd;
    q[QII] = id * id;
    q[QVI] = vd * id;
    q[QVC] = vd * c;
    q[QVS] = vd * s;
    q[QIC] = id * c;
    q[QIS] = id * s;
}

/*
 * Add |hi + lo| micro-units to register r; returns the whole micro-units added. hi + lo is the
 * cycle's increment as an unevaluated sum (lo holds what a float hi cannot), so the increment is
 * not rounded to float; the sub-micro-unit remainder is carried exactly as a Q32 residue.
 */
static uint64_t reg_add(struct omp_metro *m, uint64_t *reg, unsigned r, float hi, float lo)
{
    if (hi < 0.0f) {
        hi = -hi;
        lo = -lo;
    }
    if (!(hi < REG_ADD_MAX) || !(fabsf(lo) < REG_ADD_LO_MAX)) { /* also NaN */
        hi = hi >= REG_ADD_MAX ? REG_ADD_MAX : 0.0f;
        lo = 0.0f;
    }
    uint32_t w_hi = (uint32_t)hi;           /* truncation: floor for hi >= 0 */
    float frac = (hi - (float)w_hi) + lo;   /* hi - w_hi exact; one rounding at the scale of lo */
    int32_t w_lo = (int32_t)frac;
    if ((float)w_lo > frac) {
        w_lo--; /* floor */
    }
    frac -= (float)w_lo; /* exact: 0 <= frac < 1 */
    int64_t whole = (int64_t)w_hi + w_lo;
    if (whole < 0) { /* hi + lo below zero (cannot happen for |lo| << hi) */
        whole = 0;
        frac = 0.0f;
    }
    /* frac < 1 is exact in float, so times 2^32 it is exact and below 2^32 */
    uint32_t frac_q32 = (uint32_t)(frac * 4294967296.0f);
    uint32_t res = m->residue_q32[r] + frac_q32;
    if (res < frac_q32) { /* carry out of the fraction: one more micro-unit */
        whole++;
    }
    m->residue_q32[r] = res;
    *reg += (uint64_t)whole;
    return (uint64_t)whole;
}

static void gate_update(float *avg, bool *reg, float x, float alpha, float thr)
{
    if (fabsf(x) >= 2.0f * thr) {
        *avg = x; /* fast attack: far above any no-load power */
    } else {
        *avg += alpha * (x - *avg);
    }
    float a = fabsf(*avg);
    if (!*reg && a >= thr) {
        *reg = true;
    } else if (*reg && a < GATE_OFF_FRACTION * thr) {
        *reg = false;
    }
}

static void add_pulses(struct omp_metro *m, unsigned ch, uint64_t inc, struct omp_metro_events *ev)
{
    const uint64_t per_pulse = 1000000000u; /* micro-units per kWh, times imp/kWh */
    m->pulse_acc[ch] += inc * m->cfg.imp_per_kwh;
    while (m->pulse_acc[ch] >= per_pulse) {
        m->pulse_acc[ch] -= per_pulse;
        if (ev->pulses[ch] < UINT8_MAX) {
            ev->pulses[ch]++;
        }
    }
}

/*
 * Closing a cycle (close_cycle and its stages below). The cycle's samples a..n-1 are in the
 * accumulators; vd_n/id_n are sample n (not yet accumulated), frac1 places the closing boundary
 * t1 = n - frac1, end_zc says it is a crossing.
 *
 * Single precision throughout (the Cortex-M4F FPU has no double; a double op is a libgcc call of
 * ~50..250 instructions). Error budget: the integer sums are exact and each is rounded once
 * (6e-8 relative); the DC corrections and trapezoid end pieces are arranged as small terms added
 * to the sums, so the only steps that subtract nearly equal values are the linear sums of v and i
 * with their end pieces (absolute error ~1e-7 of a peak, < 1e-3 codes in a cycle mean, feeding
 * only the smoothed DC estimate) and Q at PF 1 (~1e-7 of S): the record values carry a few
 * roundings (~1e-7..3e-7 relative, far below the 1e-3 of the accuracy limits).
 * Active energy is carried as hi + lo throughout (sum split, constant k_e + k_e_lo, the product's
 * rounding error recovered by an fma), so its increment is as exact as in double; reactive and
 * apparent energy round their products a few times (~1e-7). The sub-micro-unit remainders are
 * carried exactly (reg_add). The one exception is cycle_raw_add (see there).
 */

/* What the stages of close_cycle hand on to each other: one cycle's values, in the order they
 * are computed. */
struct cycle_calc {
    float n_acc, len, inv_len, w; /* samples accumulated, exact window length, 1/len, rad/sample */
    bool valid;                   /* a true mains cycle: crossings at both ends, engine running */
    bool startup;                 /* before the first crossing: no record */
    float sum_v, sum_i;           /* plain sums of v and i (float) */
    float dv, di;                 /* DC corrections, Q3 codes and codes */
    float est_pre, dv_pre;        /* voltage DC estimate in force during the cycle (codes), and
                                     its correction of the sample-path DC (Q3 codes) */
    float ivv, iii_sig, ivi;      /* DC-corrected integrals (iii without the noise floor) */
    float svi_hi, svi_lo;         /* plain-sum v*i, DC-corrected, as hi + lo */
    float d, hg_corr, kv_codes, kv, ki; /* interpolator fraction and gain, channel scales */
    float urms, irms, p, u1, i1, q_x, q_codes, q, phi, uh0, uh1;
    float t_s;                    /* cycle duration, seconds (set by cycle_energy) */
    uint8_t quad;                 /* quadrant of P and Q, 1..4 (set by cycle_energy) */
};

/* Window length and the nine quantities integrated over the exact window [t0, t1]. */
static void cycle_window(const struct omp_metro *m, int32_t vd_n, int32_t id_n, float frac1,
                         struct cycle_calc *cc, float in[QN])
{
    const float n_acc = (float)m->acc_n;
    const float frac0 = m->frac0;
    const float w = m->w_ref;
    float len = n_acc + (frac0 - frac1); /* exact window length, samples */
    if (len < 1.0e-3f) {
        len = 1.0e-3f;
    }
    cc->n_acc = n_acc;
    cc->w = w;
    cc->len = len;
    cc->inv_len = 1.0f / len;

    /* reference at the four boundary samples: n and n-1 from the oscillator, a and a-1 anew */
    float c_n = m->nco_c, s_n = m->nco_s;
    float cw = m->nco_cw, sw = m->nco_sw;
    float c_n1 = c_n * cw + s_n * sw, s_n1 = s_n * cw - c_n * sw;
    float c_a, s_a, c_a1, s_a1;
    sincos_small(w * frac0, &c_a, &s_a);
    sincos_small(w * (frac0 - 1.0f), &c_a1, &s_a1);

    float fa1[QN], fa[QN], fn1[QN], fn[QN];
    quantities((float)m->b_vd[0], (float)m->b_i[0], c_a1, s_a1, fa1);
    quantities((float)m->b_vd[1], (float)m->b_i[1], c_a, s_a, fa);
    quantities((float)m->vd_prev, (float)m->id_prev, c_n1, s_n1, fn1);
    quantities((float)vd_n, (float)id_n, c_n, s_n, fn);
    float sums[QN] = {(float)m->acc_v,  (float)m->acc_i,  (float)m->acc_vv,
                      (float)m->acc_ii, (float)m->acc_vi, m->acc_vc,
                      m->acc_vs,        m->acc_ic,        m->acc_is};
    /* trapezoid over the samples a..n-1 plus linear end pieces [t0, a] and [n-1, t1]:
     *   sum - (fa + fn1)/2 + frac0 (fa + f(t0))/2 + (1 - frac1) (fn1 + f(t1))/2
     * with f(t0) = fa - frac0 (fa - fa1), f(t1) = fn1 + (1 - frac1) (fn - fn1), rearranged */
    const float e0 = frac0 - 0.5f, e1 = 0.5f - frac1;
    const float h0 = 0.5f * frac0 * frac0, h1 = 0.5f * (1.0f - frac1) * (1.0f - frac1);
    for (unsigned q = 0; q < QN; q++) {
        in[q] = sums[q] + e0 * fa[q] + e1 * fn1[q] - h0 * (fa[q] - fa1[q]) +
                 h1 * (fn[q] - fn1[q]);
    }
    cc->sum_v = sums[QV];
    cc->sum_i = sums[QI];
}

/* DC: estimate from this cycle's exact-window mean, then the corrections of the sums to it. */
static void cycle_dc(struct omp_metro *m, struct cycle_calc *cc, const float in[QN])
{
    const float inv_len = cc->inv_len;
    float dv = 0.0f, di = 0.0f; /* correction, Q3 codes and codes */
    cc->est_pre = m->dc_v_est;
    cc->dv_pre = (m->dc_v_est - (float)m->dc_v) * Q3F;
    if (!cc->startup) {
        /* a window that is not a whole mains cycle leaks signal into its mean: such windows
         * update a channel's estimate only while that channel carries (almost) no signal */
        float thr_v = (float)m->zc_thr_q3;
        float thr_i = DC_QUIET_I_A / m->cal.i_gain;
        bool upd_v = cc->valid || in[QVV] * inv_len < thr_v * thr_v;
        bool upd_i = cc->valid || in[QII] * inv_len < thr_i * thr_i;
        float alpha = m->dc_cycles < 16u ? 1.0f / (float)(m->dc_cycles + 1u) : 1.0f / 16.0f;
        if ((upd_v || upd_i) && m->dc_cycles < 16u) {
            m->dc_cycles++;
        }
        /* (float)dc - dc_est is exact (both within 2^24 and close): the update is one rounding */
        if (upd_v) {
            float mv = ((float)m->dc_v - m->dc_v_est) + in[QV] * inv_len * (1.0f / Q3F);
            m->dc_v_est += alpha * mv;
        }
        if (upd_i) {
            float mi = ((float)m->dc_i - m->dc_i_est) + in[QI] * inv_len;
            m->dc_i_est += alpha * mi;
        }
        dv = (m->dc_v_est - (float)m->dc_v) * Q3F;
        di = m->dc_i_est - (float)m->dc_i;
    }
    cc->dv = dv;
    cc->di = di;
}

/* White noise of the current channel (dominant below ~0.1 A): estimated from the second
 * difference, E[(d2 i)^2] = 6 sigma^2 + k^2 P_signal with k = 2 - 2 cos w for a sinusoid;
 * learnt on small currents only. @p iii is the DC-corrected integral of i^2. */
static void noise_learn(struct omp_metro *m, const struct cycle_calc *cc, float iii)
{
    float k = 2.0f * one_minus_cos_small(cc->w);
    float k2 = k * k;
    float ptot = iii * cc->inv_len;
    float sig2 = ((float)m->acc_d2 / cc->n_acc - k2 * ptot) / (6.0f - k2);
    if (sig2 < 0.0f) {
        sig2 = 0.0f;
    }
    if (m->cal.i_gain * sqrtf(ptot > 0.0f ? ptot : 0.0f) < NOISE_LEARN_A) {
        float a = m->nf_cycles < 32u ? 1.0f / (float)(m->nf_cycles + 1u) : 1.0f / 32.0f;
        if (m->nf_cycles < 32u) {
            m->nf_cycles++;
        }
        m->i_noise2 += a * (sig2 - m->i_noise2);
    }
}

/* The integrals corrected for DC and (current) for the noise floor, and the energy sum. */
static void cycle_corrected(struct omp_metro *m, struct cycle_calc *cc, const float in[QN])
{
    const float dv = cc->dv, di = cc->di, len = cc->len;
    float ivv = in[QVV] - 2.0f * dv * in[QV] + len * dv * dv;
    float iii = in[QII] - 2.0f * di * in[QI] + len * di * di;
    if (!cc->startup && m->acc_n > 2u) {
        noise_learn(m, cc, iii);
    }
    float iii_sig = iii - m->i_noise2 * len; /* the noise floor subtracted from the mean square */
    if (iii_sig < 0.0f) {
        iii_sig = 0.0f;
    }
    cc->iii_sig = iii_sig;
    cc->ivi = in[QVI] - di * in[QV] - dv * in[QI] + len * dv * di;
    /* plain-sum v*i (energy), DC-corrected, as hi + lo: the integer sum split (i64_split), the
     * (small) DC corrections added to lo; the first cycle adds the start-up samples (same DC) */
    int64_t svi = m->acc_vi;
    float sum_v = cc->sum_v, sum_i = cc->sum_i, n = cc->n_acc;
    if (m->pend_n != 0u) {
        svi += m->pend_vi;
        sum_v += m->pend_v;
        sum_i += m->pend_i;
        n += (float)m->pend_n;
    }
    float svi_lo;
    cc->svi_hi = i64_split(svi, &svi_lo);
    cc->svi_lo = svi_lo + (-di * sum_v - dv * sum_i + n * dv * di);
    if (ivv < 0.0f) {
        ivv = 0.0f;
    }
    cc->ivv = ivv;
}

/* The record's values: rms, active power, fundamentals, Q1, phase angle. */
static void cycle_powers(const struct omp_metro *m, struct cycle_calc *cc, const float in[QN])
{
    const float inv_len = cc->inv_len;
    /* interpolator gain at the fundamental (linear interpolation between two samples) */
    float d = m->delay_frac;
    float w_meas = cc->valid ? TWO_PI_F * inv_len : cc->w;
    float hg_corr = hg_correction(d, w_meas);
    float kv_codes = (1.0f / Q3F) + (1.0f / Q3F) * hg_corr; /* codes per Q3 unit, hg removed */
    float kv = m->cal.v_gain * kv_codes;
    float ki = m->cal.i_gain;
    float kvki = kv * ki;
    cc->d = d;
    cc->hg_corr = hg_corr;
    cc->kv_codes = kv_codes;
    cc->kv = kv;
    cc->ki = ki;

    float vc = in[QVC], vs = in[QVS], ic = in[QIC], is = in[QIS];
    cc->urms = kv * sqrtf(cc->ivv * inv_len);
    cc->irms = ki * sqrtf(cc->iii_sig * inv_len);
    cc->p = kvki * cc->ivi * inv_len;
    float u1 = kv * sqrtf(2.0f * (vc * vc + vs * vs)) * inv_len;
    float i1 = ki * sqrtf(2.0f * (ic * ic + is * is)) * inv_len;
    float q_x = vc * is - vs * ic; /* U1 I1 sin, len^2 / 2 codes^2 (Q3 on v) */
    float p_x = vc * ic + vs * is; /* U1 I1 cos, same scale */
    float q_codes = 2.0f * q_x * inv_len * inv_len * kv_codes;
    cc->u1 = u1;
    cc->i1 = i1;
    cc->q_x = q_x;
    cc->q_codes = q_codes;
    cc->q = q_codes * m->cal.v_gain * ki;
    float phi = 0.0f;
    if (u1 >= ABSENT_U1_V && i1 >= ABSENT_I1_A) {
        phi = atan2f(q_x, p_x) * RAD_TO_DEG_F;
        if (phi < 0.0f) {
            phi += 360.0f;
        }
        if (phi >= 360.0f) {
            phi -= 360.0f;
        }
    }
    cc->phi = phi;
}

/* Sum of squares of @p n samples (sum @p v, sum of squares @p vv) each less @p d. */
static float vv_less(float vv, float v, float n, float d)
{
    return vv - d * (2.0f * v - n * d);
}

/*
 * Half-cycle-refreshed one-cycle rms (IEC 61000-4-30 Urms(1/2)): [1] over this cycle, [0] over
 * the previous cycle's second half and this cycle's first half.
 * One DC per window, the estimate in force when the window began (before the update by the
 * cycle that ends here), taken off algebraically: the sample path changes its DC at each cycle
 * boundary, and the cycle that holds a voltage step has a large mean that moves the estimate
 * (1/16 of ~26 V at a 90 deg step to 50 %); halves with different DC would lose 2 A dDC of mean
 * square (A the half wave's mean), and a window with a step would lose 2 mean dDC.
 * The half-way point: the falling crossing in a true mains cycle; in a pseudo-cycle the snapshot
 * half a pseudo-cycle in (where the record's consumer places the refresh: end - period/2), since
 * a falling crossing there is noise, or missing.
 */
static void cycle_half_rms(struct omp_metro *m, struct cycle_calc *cc, const float in[QN])
{
    const float d = cc->dv_pre;
    float vv1 = vv_less(in[QVV], in[QV], cc->len, d);
    float uh1 = cc->kv * sqrtf((vv1 > 0.0f ? vv1 : 0.0f) * cc->inv_len);
    float uh0 = uh1;
    /* the sums half a nominal period in are taken once acc_limit has moved on; they end the
     * first half of a pseudo-cycle of nominal length (or one that a returning voltage's crossing
     * closed after them); a pseudo-cycle of the longest period (armed, no crossing) keeps its
     * falling crossing if it had one */
    bool taken = m->acc_limit != m->nom_period / 2u;
    bool half = m->half_seen && (cc->valid || m->acc_limit != m->nom_period);
    bool nom = !half && !cc->valid && taken;
    if (half || nom) {
        int64_t s_vv = half ? m->half_vv : m->nom_vv;
        int64_t s_v = half ? m->half_v : m->nom_v;
        /* samples a..n-1 of the snapshot reach n - 1/2 */
        float s_len = half ? m->half_len : (float)(m->nom_period / 2u) + (m->frac0 - 0.5f);
        /* vv_less takes the lengths for the sample counts: they differ by under a sample, times
         * d^2 (d0 is up to ~1 % of the peak after a step), ~1e-6 of the sum */
        if (m->prev2_len > 0.0f) {
            float d0 = (m->prev2_dc - (float)m->dc_v) * Q3F; /* this cycle's samples to prev2's DC */
            float vv0 = m->prev2_vv + vv_less((float)s_vv, (float)s_v, s_len, d0);
            uh0 = cc->kv * sqrtf((vv0 > 0.0f ? vv0 : 0.0f) / (m->prev2_len + s_len));
        }
        m->prev2_vv = vv_less((float)(m->acc_vv - s_vv), (float)(m->acc_v - s_v),
                              cc->len - s_len, d);
        m->prev2_len = cc->len - s_len;
        m->prev2_dc = cc->est_pre;
    } else {
        m->prev2_len = 0.0f;
    }
    cc->uh0 = uh0;
    cc->uh1 = uh1;
}

/* Active energy of the plain sum v*i = svi_hi + svi_lo (DC-corrected), micro-units as hi + lo:
 * (k_e + k_e_lo) (svi_hi + svi_lo) (1 + hg_corr), the rounding error of the main product
 * k_e svi_hi recovered exactly by an fma. */
static float energy_p(const struct omp_metro *m, float svi_hi, float svi_lo, float hg_corr,
                      float *lo)
{
    float e = m->k_e * svi_hi;
    float e_lo = fmaf(m->k_e, svi_hi, -e) + m->k_e * svi_lo + m->k_e_lo * svi_hi;
    e_lo += (e + e_lo) * hg_corr;
    *lo = e_lo;
    return e;
}

/* The bookings, each by the sign of what it books (a cycle, or a flushed part of one). */
static void book_p(struct omp_metro *m, float e, float e_lo, struct omp_metro_events *ev)
{
    struct omp_metro_energy *en = &m->energy;
    uint64_t inc = e >= 0.0f ? reg_add(m, &en->a_plus_uwh, R_AP, e, e_lo)
                             : reg_add(m, &en->a_minus_uwh, R_AM, e, e_lo);
    add_pulses(m, OMP_METRO_PULSE_ACTIVE, inc, ev);
}

static void book_q(struct omp_metro *m, uint8_t quad, float e, float e_lo,
                   struct omp_metro_events *ev)
{
    struct omp_metro_energy *en = &m->energy;
    unsigned qi = (unsigned)quad - 1u;
    uint64_t inc = reg_add(m, &en->r_quadrant_uvarh[qi], R_Q1 + qi, e, e_lo);
    if (quad <= 2u) {
        en->r_plus_uvarh += inc;
    } else {
        en->r_minus_uvarh += inc;
    }
    add_pulses(m, OMP_METRO_PULSE_REACTIVE, inc, ev);
}

static void book_s(struct omp_metro *m, bool p_neg, float e, float e_lo)
{
    struct omp_metro_energy *en = &m->energy;
    if (!p_neg) {
        (void)reg_add(m, &en->e_plus_uvah, R_EP, e, e_lo);
    } else {
        (void)reg_add(m, &en->e_minus_uvah, R_EM, e, e_lo);
    }
}

static uint8_t quadrant(float p, float q)
{
    return p >= 0.0f ? (q >= 0.0f ? 1u : 4u) : (q >= 0.0f ? 2u : 3u);
}

/* The factor 1 + corr for a cycle window of @p len samples with @p pend more samples (start-up)
 * or, negative, fewer (a flush booked them); consumes @p pend. A flush may have booked up to a
 * sample past the closing crossing: that excess moves on to the next cycle. */
static float pend_corr(float *pend, float len, float hg_corr)
{
    float rel = *pend / len;
    *pend = 0.0f;
    if (rel < -1.0f) {
        *pend = (rel + 1.0f) * len;
        rel = -1.0f;
    }
    return hg_corr + rel + hg_corr * rel;
}

/* Energy of this cycle into the registers (through the starting gates), and LED pulses; what a
 * flush booked of it already is left out, the start-up samples are added. */
static void cycle_energy(struct omp_metro *m, struct cycle_calc *cc, struct omp_metro_events *ev)
{
    const float inv_len = cc->inv_len, hg_corr = cc->hg_corr, p = cc->p, q = cc->q;
    /* energy of this cycle, micro-units: k_e (gains and units, rounded once at init) times the
     * cycle's sums, times 1/hg, and for Q and S the pending samples at this cycle's powers,
     * (pend + len) / len: the factors as 1 + corr, applied with one rounding; ~2 roundings for
     * A, ~4 for R and E */
    float t_s = cc->len / (float)m->cfg.fs_hz;
    float e_p_lo;
    float e_p = energy_p(m, cc->svi_hi, cc->svi_lo, hg_corr, &e_p_lo);
    e_p -= m->booked_p;
    e_p_lo -= m->booked_p_lo;
    float e_q = (2.0f * m->k_e) * cc->q_x * inv_len;
    float e_q_lo = e_q * pend_corr(&m->pend_q_len, cc->len, hg_corr);
    float e_s = m->k_e * sqrtf(cc->ivv * cc->iii_sig);
    float e_s_lo = e_s * pend_corr(&m->pend_s_len, cc->len, hg_corr);
    m->pend_n = 0u;
    m->pend_vi = 0;
    m->pend_v = 0.0f;
    m->pend_i = 0.0f;
    m->booked_p = 0.0f;
    m->booked_p_lo = 0.0f;

    float alpha = t_s * (1.0f / GATE_TAU_S);
    if (alpha > 1.0f) {
        alpha = 1.0f;
    }
    gate_update(&m->p_avg_w, &m->reg_p, p, alpha, m->cfg.start_w);
    gate_update(&m->q_avg_var, &m->reg_q, q, alpha, m->cfg.start_var);

    uint8_t quad = quadrant(p, q);
    if (m->reg_p) {
        book_p(m, e_p, e_p_lo, ev);
    }
    if (m->reg_q) {
        book_q(m, quad, e_q, e_q_lo, ev);
    }
    if (m->reg_p || m->reg_q) {
        book_s(m, p < 0.0f, e_s, e_s_lo);
    }
    cc->t_s = t_s;
    cc->quad = quad;
}

/* Push the cycle record (the queue overwrites its oldest record when full). */
static void cycle_record(struct omp_metro *m, const struct cycle_calc *cc, float frac1,
                         struct omp_metro_events *ev)
{
    struct omp_metro_rec *r = &m->queue[m->q_head & (OMP_METRO_CYCLE_QUEUE - 1u)];
    /* the closing boundary on the input's time line: vd lags the input by 1 + lag samples,
     * t_in = sample_index - x; end_lo = ceil(t_in) = sample_index - floor(x) */
    float x = frac1 + (float)m->delay_int + cc->d; /* 0 .. OMP_METRO_DELAY_MAX + 2 */
    uint32_t x_int = (uint32_t)x;
    r->end_lo = (uint32_t)m->sample_index - x_int;
    r->end_frac = x - (float)x_int;
    r->period_s = cc->t_s;
    r->urms_v = cc->urms;
    r->irms_a = cc->irms;
    r->urms_half_v[0] = cc->uh0;
    r->urms_half_v[1] = cc->uh1;
    r->u1_v = cc->u1;
    r->i1_a = cc->i1;
    r->p_w = cc->p;
    r->q_var = cc->q;
    r->phi_deg = cc->phi;
    uint8_t flags = (m->reg_p || m->reg_q) ? cc->quad : 0u;
    if (!cc->valid) {
        flags |= REC_NO_VOLTAGE;
    }
    if (m->reg_p) {
        flags |= REC_REG_P;
    }
    if (m->reg_q) {
        flags |= REC_REG_Q;
    }
    r->flags = flags;
    m->q_head++;
    if (m->q_head - m->q_tail > OMP_METRO_CYCLE_QUEUE) {
        m->q_tail = m->q_head - OMP_METRO_CYCLE_QUEUE; /* overwrite the oldest */
    }
    if (ev->cycles < UINT8_MAX) {
        ev->cycles++;
    }
}

/*
 * Calibration averages (omp_metro_raw_get): the only double arithmetic per cycle, five
 * float-to-double conversions and five double additions (libgcc calls on the M4F), once per
 * valid cycle. Double because the sums run over a whole calibration (thousands of cycles), where
 * float sums would drift by ~1e-7 relative per addition. Measured with the qemu bench (8 kHz,
 * 50 Hz): ~370 of the ~2120 instructions of a cycle end, 2.3 per sample pair on average.
 */
static void cycle_raw_add(struct omp_metro *m, const struct cycle_calc *cc)
{
    m->raw_vv += (double)(cc->ivv * cc->kv_codes * cc->kv_codes);
    m->raw_ii += (double)cc->iii_sig;
    m->raw_vi += (double)(cc->ivi * cc->kv_codes);
    m->raw_q += (double)(cc->q_codes * cc->len);
    m->raw_len += (double)cc->len;
    m->raw_cycles++;
}

/* Next cycle: new DC in the sample path, boundary samples adjusted to it, reference frequency. */
static void cycle_next(struct omp_metro *m, int32_t vd_n, int32_t id_n, float frac1, bool end_zc,
                       const struct cycle_calc *cc)
{
    int32_t new_dc_v = (int32_t)lroundf(m->dc_v_est);
    int32_t new_dc_i = (int32_t)lroundf(m->dc_i_est);
    int32_t step_v = (new_dc_v - m->dc_v) * 8;
    int32_t step_i = new_dc_i - m->dc_i;
    m->dc_v = new_dc_v;
    m->dc_i = new_dc_i;
    m->b_vd[0] = m->vd_prev - step_v;
    m->b_vd[1] = vd_n - step_v;
    m->b_i[0] = m->id_prev - step_i;
    m->b_i[1] = id_n - step_i;
    float w_next = w_nominal(&m->cfg);
    if (end_zc && cc->valid && cc->len >= (float)m->min_period &&
        cc->len <= (float)m->max_period) {
        w_next = TWO_PI_F * cc->inv_len;
    }
    if (end_zc) {
        m->state = ST_RUN;
        m->armed = false;
    } else {
        m->state = ST_NOVOLT;
    }
    cycle_begin(m, frac1, end_zc, w_next);
}

/* Close the cycle (see the comment above struct cycle_calc): stages in this order. */
static void close_cycle(struct omp_metro *m, int32_t vd_n, int32_t id_n, float frac1, bool end_zc,
                        struct omp_metro_events *ev)
{
    struct cycle_calc cc;
    float in[QN]; /* the quantities integrated over the exact window */
    cc.valid = m->start_zc && end_zc && m->state == ST_RUN; /* a true mains cycle */
    cc.startup = m->state == ST_START;
    cycle_window(m, vd_n, id_n, frac1, &cc, in);
    cycle_dc(m, &cc, in);
    cycle_corrected(m, &cc, in);
    cycle_powers(m, &cc, in);
    cycle_half_rms(m, &cc, in);
    if (cc.startup) {
        /* no record: the sums and the duration go with the first cycle (sample path DC is
         * unchanged until then, so its correction applies to both); the first 1 + lag samples
         * of vd precede the input (empty delay line) */
        float pl = cc.len - (float)m->delay_int - cc.d;
        m->pend_q_len = pl > 0.0f ? pl : 0.0f;
        m->pend_s_len = m->pend_q_len;
        m->pend_vi = m->acc_vi;
        m->pend_v = (float)m->acc_v;
        m->pend_i = (float)m->acc_i;
        m->pend_n = m->acc_n;
    } else {
        cycle_energy(m, &cc, ev);
        cycle_record(m, &cc, frac1, ev);
        if (cc.valid) {
            cycle_raw_add(m, &cc);
        }
    }
    cycle_next(m, vd_n, id_n, frac1, end_zc, &cc);
}

/*
 * A falling crossing between the opening crossing and the negative half wave (vd: the sample after
 * it). Normally the only one; where the voltage is gone for part of the half cycle, noise crosses
 * many times (and a voltage that returns in its negative half "crosses" at its step). The one
 * nearest to half the reference period ends the first half: where the true crossing is missing
 * this is the instant an uninterrupted supply would have crossed, as the refresh grid requires.
 */
static void half_crossing(struct omp_metro *m, int32_t vd)
{
    float frac_h = (float)(-vd) / (float)(m->vd_prev - vd);
    float len = (float)m->acc_n + (m->frac0 - frac_h);
    float expect = (0.5f * TWO_PI_F) / m->w_ref;
    if (m->half_seen && !(fabsf(len - expect) < fabsf(m->half_len - expect))) {
        return;
    }
    m->half_seen = true;
    m->half_vv = m->acc_vv;
    m->half_v = m->acc_v;
    m->half_len = len;
}

/*
 * The cycle reached acc_limit samples: half the nominal period (the sums for a pseudo-cycle's
 * Urms(1/2) are taken), the nominal period, the longest period. At the nominal period a cycle
 * closes as a pseudo-cycle unless its negative half wave has armed the detector (a crossing may
 * still come, up to the longest period) or the engine has not started: a supply that is gone
 * then gives pseudo-cycles on the grid of its last crossings, and Urms(1/2) refreshes every half
 * period as if it were there. Returns true if the cycle was closed.
 */
/*
 * A pseudo-cycle at its nominal end that carries voltage again: armed, and its second half's mean
 * square above the arming threshold's square. It waits for the crossing (up to the longest
 * period) instead of closing on its grid: a supply back in step with that grid but a sample late
 * (its crossing 1 sample after the boundary, below the 2 samples a crossing needs) would
 * otherwise be missed at every cycle, and the engine stay in pseudo-cycles. Once per cycle.
 */
static bool returning(const struct omp_metro *m)
{
    const double thr = (double)m->zc_thr_q3;
    return m->state == ST_NOVOLT && m->armed &&
           (double)(m->acc_vv - m->nom_vv) > 0.5 * (double)m->nom_period * thr * thr;
}

static bool cycle_limit(struct omp_metro *m, int32_t vd, int32_t id, struct omp_metro_events *e)
{
    if (m->acc_limit == m->nom_period / 2u) {
        m->nom_vv = m->acc_vv;
        m->nom_v = m->acc_v;
        m->acc_limit = m->nom_period;
        return false;
    }
    if (m->acc_limit == m->nom_period &&
        (m->state == ST_START || (m->state == ST_RUN && m->armed) || returning(m))) {
        m->acc_limit = m->max_period;
        return false;
    }
    close_cycle(m, vd, id, 0.0f, false, e);
    return true;
}

/*
 * Zero-crossing detector for compensated sample n (vd, id), not yet accumulated: closes the cycle
 * at a rising crossing (or a pseudo-cycle when none came in time) and notes the half-way falling
 * crossing and, half a pseudo-cycle in, the sums for a pseudo-cycle's Urms(1/2) (one compare per
 * sample for both: acc_limit). Returns true if a cycle was closed. Called once per sample
 * (inlined).
 */
static bool zero_crossing(struct omp_metro *m, int32_t vd, int32_t id, struct omp_metro_events *e)
{
    bool closed = false;
    if (m->vd_prev < 0 && vd >= 0) {
        uint32_t need = m->state == ST_RUN ? m->min_period : 2u;
        if (m->armed && m->acc_n >= need) {
            float frac1 = (float)vd / (float)(vd - m->vd_prev);
            close_cycle(m, vd, id, frac1, true, e);
            closed = true;
        }
    } else if (m->vd_prev >= 0 && vd < 0 && !m->armed && 2u * m->acc_n >= m->min_period) {
        half_crossing(m, vd);
    }
    if (!closed && m->acc_n >= m->acc_limit) {
        closed = cycle_limit(m, vd, id, e);
    }
    /* armed after the tests: the half-way crossing is a falling one before the negative half
     * wave arms the detector (also when it is this sample, the step of a returning voltage); a
     * rising crossing has vd >= 0, and a pseudo-cycle keeps the flag, so these are unchanged */
    if (vd < -m->zc_thr_q3) {
        m->armed = true;
    }
    return closed;
}

void omp_metro_on_samples(struct omp_metro *m, const int32_t *vi, size_t n_pairs,
                          struct omp_metro_events *ev)
{
    struct omp_metro_events e;
    memset(&e, 0, sizeof e);
    if (m == NULL || (vi == NULL && n_pairs > 0u)) {
        if (ev != NULL) {
            *ev = e;
        }
        return;
    }
    const int32_t lim = 8388607;
    for (size_t k = 0; k < n_pairs; k++) {
        int32_t vr = vi[2u * k];
        int32_t ir = vi[2u * k + 1u];
        vr = vr > lim ? lim : (vr < -lim ? -lim : vr);
        ir = ir > lim ? lim : (ir < -lim ? -lim : ir);
        uint32_t pos = m->hist_pos;
        m->v_hist[pos & HIST_MASK] = vr;
        m->hist_pos = pos + 1u;
        int32_t x0 = m->v_hist[(pos - m->delay_int) & HIST_MASK];
        int32_t x1 = m->v_hist[(pos - m->delay_int - 1u) & HIST_MASK];
        int32_t interp = (int32_t)(((int64_t)(x1 - x0) * m->delay_frac_q16) / 8192);
        int32_t vd = (x0 - m->dc_v) * 8 + interp;
        int32_t i_raw = m->i_last; /* the current is delayed one sample */
        int32_t id = i_raw - m->dc_i;
        m->i_last = ir;

        if (zero_crossing(m, vd, id, &e)) { /* sample n belongs to the new cycle, new DC */
            vd = (x0 - m->dc_v) * 8 + interp;
            id = i_raw - m->dc_i;
        }

        /* accumulate */
        m->acc_v += vd;
        m->acc_i += id;
        m->acc_vv += (int64_t)vd * vd;
        m->acc_ii += (int64_t)id * id;
        m->acc_vi += (int64_t)vd * id;
        int32_t d2 = id - 2 * m->id_prev + m->id_prev2;
        m->acc_d2 += (int64_t)d2 * d2;
        float fv = (float)vd, fi = (float)id;
        float c = m->nco_c, s = m->nco_s;
        m->acc_vc += fv * c;
        m->acc_vs += fv * s;
        m->acc_ic += fi * c;
        m->acc_is += fi * s;
        float cn = c * m->nco_cw - s * m->nco_sw;
        float sn = s * m->nco_cw + c * m->nco_sw;
        float g = 1.5f - 0.5f * (cn * cn + sn * sn);
        m->nco_c = cn * g;
        m->nco_s = sn * g;
        m->acc_n++;
        m->vd_prev = vd;
        m->id_prev2 = m->id_prev;
        m->id_prev = id;
        m->sample_index++;
    }
    e.led_steady_on = m->cfg.led_on_no_load && !m->reg_p;
    if (ev != NULL) {
        *ev = e;
    }
}

/* Flush, active energy: the open cycle's plain sums (with the start-up samples if the first
 * cycle has not closed yet), DC-corrected with the current estimate, less what an earlier flush
 * booked. */
static void flush_p(struct omp_metro *m, struct omp_metro_events *ev)
{
    float dv = (m->dc_v_est - (float)m->dc_v) * Q3F;
    float di = m->dc_i_est - (float)m->dc_i;
    float sum_v = (float)m->acc_v + m->pend_v;
    float sum_i = (float)m->acc_i + m->pend_i;
    float n = (float)m->acc_n + (float)m->pend_n;
    float svi_lo;
    float svi_hi = i64_split(m->acc_vi + m->pend_vi, &svi_lo);
    svi_lo += -di * sum_v - dv * sum_i + n * dv * di;
    float e_lo;
    float e = energy_p(m, svi_hi, svi_lo, hg_correction(m->delay_frac, m->w_ref), &e_lo);
    book_p(m, e - m->booked_p, e_lo - m->booked_p_lo, ev);
    m->booked_p = e;
    m->booked_p_lo = e_lo;
}

/* Flush, reactive and apparent energy: the last cycle's Q1 and S over the open window, from its
 * crossing to the next sample (plus pending start-up samples, less what was booked). */
static void flush_qs(struct omp_metro *m, struct omp_metro_events *ev)
{
    const struct omp_metro_rec *r = &m->queue[(m->q_head - 1u) & (OMP_METRO_CYCLE_QUEUE - 1u)];
    const float len = (float)m->acc_n + m->frac0;
    const float k = 1.0e6f / (3600.0f * (float)m->cfg.fs_hz); /* micro-units per W-sample */
    if (m->reg_q && len + m->pend_q_len > 0.0f) {
        book_q(m, quadrant(r->p_w, r->q_var), r->q_var * k * (len + m->pend_q_len), 0.0f, ev);
        m->pend_q_len = -len;
    }
    if (len + m->pend_s_len > 0.0f) {
        book_s(m, r->p_w < 0.0f, r->urms_v * r->irms_a * k * (len + m->pend_s_len), 0.0f);
        m->pend_s_len = -len;
    }
}

void omp_metro_flush(struct omp_metro *m, struct omp_metro_events *ev)
{
    struct omp_metro_events e;
    memset(&e, 0, sizeof e);
    /* the gates as they stand: both are off until the first cycle has closed (and with them
     * a record exists for flush_qs) */
    if (m != NULL && (m->reg_p || m->reg_q)) {
        if (m->reg_p) {
            flush_p(m, &e);
        }
        flush_qs(m, &e);
    }
    if (m != NULL) {
        e.led_steady_on = m->cfg.led_on_no_load && !m->reg_p;
    }
    if (ev != NULL) {
        *ev = e;
    }
}

omp_err omp_metro_cycle_pop(struct omp_metro *m, struct omp_cycle *out)
{
    if (m == NULL || out == NULL) {
        return OMP_ERR_ARG;
    }
    if (m->q_head == m->q_tail) {
        return OMP_ERR_NOT_FOUND;
    }
    const struct omp_metro_rec *r = &m->queue[m->q_tail & (OMP_METRO_CYCLE_QUEUE - 1u)];
    struct omp_cycle c;
    memset(&c, 0, sizeof c);
    c.seq = m->q_tail;
    c.end_sample = m->sample_index - (uint32_t)((uint32_t)m->sample_index - r->end_lo);
    c.end_frac = r->end_frac;
    c.period_s = r->period_s;
    c.no_voltage = (r->flags & REC_NO_VOLTAGE) != 0u;
    c.f_hz = (c.no_voltage || !(r->period_s > 0.0f)) ? 0.0f : 1.0f / r->period_s;
    c.urms_v = r->urms_v;
    c.irms_a = r->irms_a;
    c.urms_half_v[0] = r->urms_half_v[0];
    c.urms_half_v[1] = r->urms_half_v[1];
    c.u1_v = r->u1_v;
    c.i1_a = r->i1_a;
    c.p_w = r->p_w;
    c.q_var = r->q_var;
    c.s_va = r->urms_v * r->irms_a;
    c.pf = c.s_va > 0.0f ? r->p_w / c.s_va : 0.0f;
    if (c.pf > 1.0f) {
        c.pf = 1.0f;
    } else if (c.pf < -1.0f) {
        c.pf = -1.0f;
    }
    c.phi_deg = r->phi_deg;
    c.quadrant = (uint8_t)(r->flags & REC_QUAD_MASK);
    c.registering_p = (r->flags & REC_REG_P) != 0u;
    c.registering_q = (r->flags & REC_REG_Q) != 0u;
    m->q_tail++;
    *out = c;
    return OMP_OK;
}

void omp_metro_energy_get(const struct omp_metro *m, struct omp_metro_energy *out)
{
    if (m == NULL || out == NULL) {
        return;
    }
    *out = m->energy;
}

void omp_metro_raw_reset(struct omp_metro *m)
{
    if (m == NULL) {
        return;
    }
    m->raw_vv = 0.0;
    m->raw_ii = 0.0;
    m->raw_vi = 0.0;
    m->raw_q = 0.0;
    m->raw_len = 0.0;
    m->raw_cycles = 0u;
}

omp_err omp_metro_raw_get(const struct omp_metro *m, struct omp_metro_raw *raw)
{
    if (m == NULL || raw == NULL) {
        return OMP_ERR_ARG;
    }
    if (m->raw_cycles == 0u || !(m->raw_len > 0.0)) {
        return OMP_ERR_STATE;
    }
    struct omp_metro_raw r;
    memset(&r, 0, sizeof r);
    r.urms_codes = sqrt(m->raw_vv / m->raw_len);
    r.irms_codes = sqrt(m->raw_ii / m->raw_len);
    r.p_codes2 = m->raw_vi / m->raw_len;
    r.q_codes2 = m->raw_q / m->raw_len;
    r.f_hz = (double)m->raw_cycles * (double)m->cfg.fs_hz / m->raw_len;
    r.cycles = m->raw_cycles;
    *raw = r;
    return OMP_OK;
}

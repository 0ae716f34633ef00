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
 * Per cycle (close_cycle), in double: the sums are turned into integrals over the exact window
 * [t0, t1] between the interpolated crossings (trapezoid over the samples inside plus linear end
 * pieces), corrected for the DC estimate, scaled by the gains and the interpolator's gain.
 */
#include <math.h>
#include <string.h>

#include "metrology_priv.h"
#include "omnipower/metrology.h"

#define HIST_MASK 15u
#define Q3 8.0
#define TWO_PI 6.283185307179586
#define RAD_TO_DEG 57.29577951308232
#define UWH_PER_WS (1.0e6 / 3600.0)

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
#define GATE_OFF_FRACTION 0.9
/* Time constant of the smoothed powers of the starting gate, seconds. */
#define GATE_TAU_S 1.0
/* Arming level of the zero-crossing detector, volts (negative peak must go below -this). */
#define ZC_ARM_V 5.0
/* Fundamental considered absent below these (phi = 0). */
#define ABSENT_U1_V 1.0
#define ABSENT_I1_A 0.001
/* The current-channel noise floor is learnt on cycles below this rms current, amperes. */
#define NOISE_LEARN_A 0.5
/* Pseudo-cycles update the current's DC estimate only below this rms current, amperes. */
#define DC_QUIET_I_A 0.1

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

/* Start a new cycle at sample index `a` (the next sample to be accumulated). */
static void cycle_begin(struct omp_metro *m, float frac0, bool start_zc, double w)
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
    m->w_ref = (float)w;
    /* reference phase at sample a: the crossing t0 = a - frac0 has phase 0 */
    m->nco_c = (float)cos(w * (double)frac0);
    m->nco_s = (float)sin(w * (double)frac0);
    m->nco_cw = (float)cos(w);
    m->nco_sw = (float)sin(w);
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
    cycle_begin(m, 0.0f, false, TWO_PI * (double)c.mains_hz / (double)c.fs_hz);
    return OMP_OK;
}

/* Values of the nine quantities at one sample. */
static void quantities(double vd, double id, double c, double s, double q[QN])
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

/* Add |de| micro-units to register r with its residue; returns the whole micro-units added. */
static uint64_t reg_add(struct omp_metro *m, uint64_t *reg, unsigned r, double de)
{
    double t = fabs(de) + (double)m->residue[r];
    double whole = floor(t);
    m->residue[r] = (float)(t - whole);
    uint64_t w = (uint64_t)whole;
    *reg += w;
    return w;
}

static void gate_update(float *avg, bool *reg, double x, double alpha, float thr)
{
    if (fabs(x) >= 2.0 * (double)thr) {
        *avg = (float)x; /* fast attack: far above any no-load power */
    } else {
        *avg = (float)((double)*avg + alpha * (x - (double)*avg));
    }
    double a = fabs((double)*avg);
    if (!*reg && a >= (double)thr) {
        *reg = true;
    } else if (*reg && a < GATE_OFF_FRACTION * (double)thr) {
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
 * Close the cycle whose samples a..n-1 are in the accumulators. vd_n/id_n are sample n (not yet
 * accumulated), frac1 places the closing boundary t1 = n - frac1, end_zc says it is a crossing.
 */
static void close_cycle(struct omp_metro *m, int32_t vd_n, int32_t id_n, double frac1, bool end_zc,
                        struct omp_metro_events *ev)
{
    const double fs = (double)m->cfg.fs_hz;
    const double n_acc = (double)m->acc_n;
    const double frac0 = (double)m->frac0;
    const double w = (double)m->w_ref;
    double len = n_acc + frac0 - frac1; /* exact window length, samples */
    if (len < 1.0e-3) {
        len = 1.0e-3;
    }

    /* reference at the four boundary samples */
    double c_n = (double)m->nco_c, s_n = (double)m->nco_s;
    double cw = (double)m->nco_cw, sw = (double)m->nco_sw;
    double c_n1 = c_n * cw + s_n * sw, s_n1 = s_n * cw - c_n * sw;
    double c_a = cos(w * frac0), s_a = sin(w * frac0);
    double c_a1 = cos(w * (frac0 - 1.0)), s_a1 = sin(w * (frac0 - 1.0));

    double fa1[QN], fa[QN], fn1[QN], fn[QN];
    quantities(m->b_vd[0], m->b_i[0], c_a1, s_a1, fa1);
    quantities(m->b_vd[1], m->b_i[1], c_a, s_a, fa);
    quantities(m->vd_prev, m->id_prev, c_n1, s_n1, fn1);
    quantities(vd_n, id_n, c_n, s_n, fn);
    double sums[QN] = {(double)m->acc_v,  (double)m->acc_i,  (double)m->acc_vv,
                       (double)m->acc_ii, (double)m->acc_vi, (double)m->acc_vc,
                       (double)m->acc_vs, (double)m->acc_ic, (double)m->acc_is};
    double in[QN];
    for (unsigned q = 0; q < QN; q++) {
        double f_t0 = fa[q] - frac0 * (fa[q] - fa1[q]);
        double f_t1 = fn1[q] + (1.0 - frac1) * (fn[q] - fn1[q]);
        in[q] = sums[q] - 0.5 * (fa[q] + fn1[q]) + 0.5 * frac0 * (fa[q] + f_t0) +
                0.5 * (1.0 - frac1) * (fn1[q] + f_t1);
    }

    bool valid = m->start_zc && end_zc && m->state == ST_RUN; /* a true mains cycle */
    bool startup = m->state == ST_START;

    /* DC: estimate from this cycle's exact-window mean, then correct the sums to it */
    double dv = 0.0, di = 0.0; /* correction, Q3 codes and codes */
    if (!startup) {
        /* a window that is not a whole mains cycle leaks signal into its mean: such windows
         * update a channel's estimate only while that channel carries (almost) no signal */
        double thr_v = (double)m->zc_thr_q3;
        double thr_i = DC_QUIET_I_A / (double)m->cal.i_gain;
        bool upd_v = valid || in[QVV] / len < thr_v * thr_v;
        bool upd_i = valid || in[QII] / len < thr_i * thr_i;
        double alpha = m->dc_cycles < 16u ? 1.0 / (double)(m->dc_cycles + 1u) : 1.0 / 16.0;
        if ((upd_v || upd_i) && m->dc_cycles < 16u) {
            m->dc_cycles++;
        }
        if (upd_v) {
            double mv = (double)m->dc_v + in[QV] / len / Q3;
            m->dc_v_est = (float)((double)m->dc_v_est + alpha * (mv - (double)m->dc_v_est));
        }
        if (upd_i) {
            double mi = (double)m->dc_i + in[QI] / len;
            m->dc_i_est = (float)((double)m->dc_i_est + alpha * (mi - (double)m->dc_i_est));
        }
        dv = ((double)m->dc_v_est - (double)m->dc_v) * Q3;
        di = (double)m->dc_i_est - (double)m->dc_i;
    }
    double ivv = in[QVV] - 2.0 * dv * in[QV] + len * dv * dv;
    double iii = in[QII] - 2.0 * di * in[QI] + len * di * di;
    /* white noise of the current channel (dominant below ~0.1 A): estimated from the second
     * difference, E[(d2 i)^2] = 6 sigma^2 + k^2 P_signal with k = 2 - 2 cos w for a sinusoid;
     * learnt on small currents only, subtracted from the mean square */
    if (!startup && m->acc_n > 2u) {
        double k = 2.0 - 2.0 * cos(w);
        double ptot = iii / len;
        double sig2 = ((double)m->acc_d2 / (double)m->acc_n - k * k * ptot) / (6.0 - k * k);
        if (sig2 < 0.0) {
            sig2 = 0.0;
        }
        if ((double)m->cal.i_gain * sqrt(ptot > 0.0 ? ptot : 0.0) < NOISE_LEARN_A) {
            double a = m->nf_cycles < 32u ? 1.0 / (double)(m->nf_cycles + 1u) : 1.0 / 32.0;
            if (m->nf_cycles < 32u) {
                m->nf_cycles++;
            }
            m->i_noise2 = (float)((double)m->i_noise2 + a * (sig2 - (double)m->i_noise2));
        }
    }
    double iii_sig = iii - (double)m->i_noise2 * len;
    double ivi = in[QVI] - di * in[QV] - dv * in[QI] + len * dv * di;
    double svi = (double)m->acc_vi - di * (double)m->acc_v - dv * (double)m->acc_i +
                 n_acc * dv * di;
    if (ivv < 0.0) {
        ivv = 0.0;
    }
    if (iii < 0.0) {
        iii = 0.0;
    }

    /* interpolator gain at the fundamental (linear interpolation between two samples) */
    double d = (double)m->delay_frac;
    double w_meas = valid ? TWO_PI / len : w;
    double hg = sqrt(1.0 - 2.0 * d * (1.0 - d) * (1.0 - cos(w_meas)));
    double kv_codes = 1.0 / (Q3 * hg); /* codes per Q3 unit, interpolator gain removed */
    double kv = (double)m->cal.v_gain * kv_codes;
    double ki = (double)m->cal.i_gain;

    double vc = in[QVC], vs = in[QVS], ic = in[QIC], is = in[QIS];
    double urms = kv * sqrt(ivv / len);
    double irms = ki * sqrt((iii_sig > 0.0 ? iii_sig : 0.0) / len);
    double p = kv * ki * ivi / len;
    double u1 = kv * sqrt(2.0 * (vc * vc + vs * vs)) / len;
    double i1 = ki * sqrt(2.0 * (ic * ic + is * is)) / len;
    double q_codes = 2.0 * (vc * is - vs * ic) / (len * len) * kv_codes;
    double p1_codes = 2.0 * (vc * ic + vs * is) / (len * len) * kv_codes;
    double q = q_codes * (double)m->cal.v_gain * ki;
    double s = urms * irms;
    double pf = s > 0.0 ? p / s : 0.0;
    double phi = 0.0;
    if (u1 >= ABSENT_U1_V && i1 >= ABSENT_I1_A) {
        phi = atan2(q_codes, p1_codes) * RAD_TO_DEG;
        if (phi < 0.0) {
            phi += 360.0;
        }
        if (phi >= 360.0) {
            phi -= 360.0;
        }
    }

    /* half-cycle-refreshed one-cycle rms */
    double uh0 = urms;
    if (m->half_seen) {
        double first_vv = (double)m->half_vv;
        double second_vv = (double)m->acc_vv - first_vv;
        double first_len = (double)m->half_len;
        if (m->prev2_len > 0.0f) {
            double l0 = (double)m->prev2_len + first_len;
            uh0 = kv * sqrt(((double)m->prev2_vv + first_vv) / l0);
        }
        m->prev2_vv = (float)second_vv;
        m->prev2_len = (float)(len - first_len);
    } else {
        m->prev2_len = 0.0f;
    }

    if (startup) {
        /* no record: remember the duration, registered with the first cycle's powers */
        /* the first 1 + lag samples of vd precede the input (empty delay line) */
        double pl = len - (double)m->delay_int - (double)m->delay_frac;
        m->pend_len = (float)(pl > 0.0 ? pl : 0.0);
    } else {
        /* energy of this cycle, micro-units */
        double t_s = len / fs;
        double span_s = ((double)m->pend_len + len) / fs;
        double e_p = kv * ki * svi / fs * UWH_PER_WS + p * (double)m->pend_len / fs * UWH_PER_WS;
        double e_q = q * span_s * UWH_PER_WS;
        double e_s = s * span_s * UWH_PER_WS;
        m->pend_len = 0.0f;

        double alpha = t_s / GATE_TAU_S;
        if (alpha > 1.0) {
            alpha = 1.0;
        }
        gate_update(&m->p_avg_w, &m->reg_p, p, alpha, m->cfg.start_w);
        gate_update(&m->q_avg_var, &m->reg_q, q, alpha, m->cfg.start_var);

        uint8_t quad = p >= 0.0 ? (q >= 0.0 ? 1u : 4u) : (q >= 0.0 ? 2u : 3u);
        struct omp_metro_energy *en = &m->energy;
        if (m->reg_p) {
            uint64_t inc = e_p >= 0.0 ? reg_add(m, &en->a_plus_uwh, R_AP, e_p)
                                      : reg_add(m, &en->a_minus_uwh, R_AM, e_p);
            add_pulses(m, OMP_METRO_PULSE_ACTIVE, inc, ev);
        }
        if (m->reg_q) {
            unsigned qi = (unsigned)quad - 1u;
            uint64_t inc = reg_add(m, &en->r_quadrant_uvarh[qi], R_Q1 + qi, e_q);
            if (quad <= 2u) {
                en->r_plus_uvarh += inc;
            } else {
                en->r_minus_uvarh += inc;
            }
            add_pulses(m, OMP_METRO_PULSE_REACTIVE, inc, ev);
        }
        if (m->reg_p || m->reg_q) {
            if (p >= 0.0) {
                (void)reg_add(m, &en->e_plus_uvah, R_EP, e_s);
            } else {
                (void)reg_add(m, &en->e_minus_uvah, R_EM, e_s);
            }
        }

        /* record */
        struct omp_metro_rec *r = &m->queue[m->q_head & (OMP_METRO_CYCLE_QUEUE - 1u)];
        /* the closing boundary on the input's time line: vd lags the input by 1 + lag samples */
        double t_in = (double)m->sample_index - frac1 - (double)m->delay_int - d;
        double t_ceil = ceil(t_in);
        r->end_lo = (uint32_t)(m->sample_index - (uint64_t)((double)m->sample_index - t_ceil));
        r->end_frac = (float)(t_ceil - t_in);
        r->period_s = (float)t_s;
        r->urms_v = (float)urms;
        r->irms_a = (float)irms;
        r->urms_half_v[0] = (float)uh0;
        r->urms_half_v[1] = (float)urms;
        r->u1_v = (float)u1;
        r->i1_a = (float)i1;
        r->p_w = (float)p;
        r->q_var = (float)q;
        r->phi_deg = (float)phi;
        uint8_t flags = (m->reg_p || m->reg_q) ? quad : 0u;
        if (!valid) {
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
        (void)pf;

        if (valid) {
            m->raw_vv += ivv * kv_codes * kv_codes;
            m->raw_ii += iii_sig > 0.0 ? iii_sig : 0.0;
            m->raw_vi += ivi * kv_codes;
            m->raw_q += q_codes * len;
            m->raw_len += len;
            m->raw_cycles++;
        }
    }

    /* next cycle: new DC in the sample path, boundary samples adjusted to it */
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
    double w_next = TWO_PI * (double)m->cfg.mains_hz / fs;
    if (end_zc && valid && len >= (double)m->min_period &&
        len <= (double)m->max_period) {
        w_next = TWO_PI / len;
    }
    if (end_zc) {
        m->state = ST_RUN;
        m->armed = false;
    } else {
        m->state = ST_NOVOLT;
    }
    cycle_begin(m, (float)frac1, end_zc, w_next);
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

        /* zero-crossing detector */
        if (vd < -m->zc_thr_q3) {
            m->armed = true;
        }
        bool closed = false;
        if (m->vd_prev < 0 && vd >= 0) {
            uint32_t need = m->state == ST_RUN ? m->min_period : 2u;
            if (m->armed && m->acc_n >= need) {
                double frac1 = (double)vd / ((double)vd - (double)m->vd_prev);
                close_cycle(m, vd, id, frac1, true, &e);
                closed = true;
            }
        } else if (m->vd_prev >= 0 && vd < 0 && !m->half_seen &&
                   2u * m->acc_n >= m->min_period) {
            double frac_h = -(double)vd / ((double)m->vd_prev - (double)vd);
            m->half_seen = true;
            m->half_vv = m->acc_vv;
            m->half_len = (float)((double)m->acc_n + (double)m->frac0 - frac_h);
        }
        if (!closed) {
            uint32_t limit = m->state == ST_NOVOLT ? m->nom_period : m->max_period;
            if (m->acc_n >= limit) {
                close_cycle(m, vd, id, 0.0, false, &e);
                closed = true;
            }
        }
        if (closed) { /* sample n belongs to the new cycle, with the new DC */
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

/*
 * Power-quality engine (include/omnipower/pq.h, docs/power-quality.md): the sample path (a ring
 * of 16-bit codes), the 10/12-cycle intervals resynchronised at the 10-min UTC ticks, their
 * aggregation to 150/180 cycles, 10 min and 2 h, the 10-s frequency and the flags. The harmonic
 * window is pq_dft.c.
 */
#include <math.h>
#include <string.h>

#include "pq_priv.h"

#define PQ_AGG150 15u /* interval values per 150/180-cycle value */

/* C3 of the metrology spec: at most 4 KiB of RAM per PQ context (ring and window included) */
_Static_assert(sizeof(struct omp_pq) <= 4096u, "C3: struct omp_pq over 4 KiB");

void omp_pq_cfg_from_metro(struct omp_pq_cfg *cfg, const struct omp_metro_cfg *mcfg,
                           const struct omp_metro_cal *cal, omp_time_s start_utc)
{
    if (cfg == NULL || mcfg == NULL || cal == NULL) {
        return;
    }
    cfg->fs_hz = mcfg->fs_hz;
    cfg->mains_hz = mcfg->mains_hz;
    cfg->start_utc = start_utc;
    cfg->v_gain = cal->v_gain;
    cfg->i_gain = cal->i_gain;
}

static bool gain_ok(float g)
{
    return isfinite(g) && g > 0.0f;
}

omp_err omp_pq_init(struct omp_pq *pq, const struct omp_pq_cfg *cfg)
{
    if (pq == NULL || cfg == NULL || cfg->fs_hz < 2000u || cfg->fs_hz > 8000u ||
        (cfg->mains_hz != 50u && cfg->mains_hz != 60u) || !gain_ok(cfg->v_gain) ||
        !gain_ok(cfg->i_gain) || cfg->start_utc < 0) {
        return OMP_ERR_ARG;
    }
    memset(pq, 0, sizeof *pq);
    pq->cfg = *cfg;
    pq->ncyc = cfg->mains_hz == 50u ? 10u : 12u;
    /* the subgroup of order h needs bin N h + 1 below Nyquist: h <= (fs / 2 - 5 Hz) / mains */
    uint32_t h = (cfg->fs_hz / 2u - 5u) / cfg->mains_hz;
    pq->h_max = (uint8_t)(h < OMP_PQ_H_MAX ? h : OMP_PQ_H_MAX);
    pq->next_10m = (cfg->start_utc / 600 + 1) * 600;
    pq->next_10s = (cfg->start_utc / 10 + 1) * 10;
    return OMP_OK;
}

void omp_pq_on_samples(struct omp_pq *pq, const int32_t *vi, size_t n_pairs)
{
    uint32_t pos = pq->ring_pos;
    for (size_t k = 0; k < n_pairs; k++) {
        pq->ring_v[pos] = (int16_t)(vi[2u * k] >> 8);
        pq->ring_i[pos] = (int16_t)(vi[2u * k + 1u] >> 8);
        pos = pos + 1u == OMP_PQ_RING ? 0u : pos + 1u;
    }
    pq->ring_pos = pos;
    pq->n_in = (uint32_t)((pq->n_in + n_pairs) % PQ_WRAP);
}

/* Sample index of UTC @p t (the product is exact: below 2^53), moved by omp_pq_retime. */
static double tick_pos(const struct omp_pq *pq, omp_time_s t)
{
    return (double)((t - pq->cfg.start_utc) * (int64_t)pq->cfg.fs_hz) + pq->t_off;
}

void omp_pq_retime(struct omp_pq *pq, omp_time_s utc, uint64_t sample)
{
    if (pq == NULL || utc < 0) {
        return;
    }
    pq->t_off = (double)sample - (double)(utc - pq->cfg.start_utc) * (double)pq->cfg.fs_hz;
    /* the next ticks of the new time; the running intervals and aggregates go on */
    pq->next_10m = (utc / 600 + 1) * 600;
    pq->next_10s = (utc / 10 + 1) * 10;
}

/* ---- aggregation -------------------------------------------------------------------------- */

static void agg_add(struct omp_pq_agg *a, float *hsum, const struct omp_pq_value *v)
{
    if (a->n == 0u) {
        a->start_pos = v->start_pos;
    }
    a->end_pos = v->end_pos;
    a->n++;
    a->flagged = a->flagged || v->flagged;
    a->s_u2 += v->urms_v * v->urms_v;
    a->s_pf += v->pf;
    a->s_dpf += v->dpf;
    if (v->harm_valid) {
        a->n_harm++;
        a->s_u1 += v->u1_v * v->u1_v;
        a->s_i1 += v->i1_a * v->i1_a;
        a->s_thdu2 += v->thd_u_pct * v->thd_u_pct;
        a->s_thdi2 += v->thd_i_pct * v->thd_i_pct;
        for (uint32_t h = 2; hsum != NULL && h <= OMP_PQ_H_MAX; h++) {
            hsum[h - 2u] += v->harm_u_pct[h] * v->harm_u_pct[h];
        }
    }
}

/* The aggregate's value (rms of the values; mean of PF and DPF), and restart it. */
static void agg_close(struct omp_pq_agg *a, float *hsum, uint8_t h_max, omp_time_s stamp,
                      struct omp_pq_value *v)
{
    memset(v, 0, sizeof *v);
    const float n = (float)(a->n != 0u ? a->n : 1u);
    const float nh = (float)(a->n_harm != 0u ? a->n_harm : 1u);
    v->start_pos = a->start_pos;
    v->end_pos = a->end_pos;
    v->stamp = stamp;
    v->n = a->n;
    v->n_harm = a->n_harm;
    v->flagged = a->flagged;
    v->urms_v = sqrtf(a->s_u2 / n);
    v->pf = a->s_pf / n;
    v->dpf = a->s_dpf / n;
    v->harm_valid = a->n_harm != 0u;
    v->u1_v = sqrtf(a->s_u1 / nh);
    v->i1_a = sqrtf(a->s_i1 / nh);
    v->thd_u_pct = sqrtf(a->s_thdu2 / nh);
    v->thd_i_pct = sqrtf(a->s_thdi2 / nh);
    if (hsum != NULL) {
        v->h_max = h_max;
        v->harm_u_pct[1] = v->harm_valid ? 100.0f : 0.0f;
        for (uint32_t h = 2; h <= h_max; h++) {
            v->harm_u_pct[h] = sqrtf(hsum[h - 2u] / nh);
        }
        memset(hsum, 0, (OMP_PQ_H_MAX - 1u) * sizeof *hsum);
    }
    memset(a, 0, sizeof *a);
}

/* The 10-min period ended by pq->closed_10m: its last 150-cycle block, its value, the 2-h one. */
static void period_close(struct omp_pq *pq, struct omp_pq_out *out)
{
    if (pq->a150.n != 0u) {
        agg_close(&pq->a150, pq->h150, pq->h_max, 0, &out->agg150);
        out->have |= OMP_PQ_HAVE_150;
    }
    if (pq->a10m.n != 0u) {
        agg_close(&pq->a10m, pq->h10m, pq->h_max, pq->closed_10m, &out->agg10min);
        out->have |= OMP_PQ_HAVE_10MIN;
        agg_add(&pq->a2h, NULL, &out->agg10min);
    }
    if (pq->closed_10m % 7200 == 0 && pq->a2h.n != 0u) {
        agg_close(&pq->a2h, NULL, 0, pq->closed_10m, &out->agg2h);
        out->have |= OMP_PQ_HAVE_2H;
    }
    pq->old_period = false;
}

/* ---- intervals ---------------------------------------------------------------------------- */

static void iv_start(struct omp_pq_iv *iv, double start_pos, bool harm)
{
    memset(iv, 0, sizeof *iv);
    iv->start_pos = start_pos;
    iv->harm = harm;
    iv->active = true;
}

static void iv_add(struct omp_pq_iv *iv, const struct omp_cycle *c, float t, bool event)
{
    iv->cycles++;
    iv->flagged = iv->flagged || event;
    iv->s_u2t += c->urms_v * c->urms_v * t;
    iv->s_t += t;
    iv->s_pt += c->p_w * t;
    iv->s_st += c->s_va * t;
    const float s1 = c->u1_v * c->i1_a;
    iv->s_p1t += s1 * cosf(c->phi_deg * 0.0174532925f) * t;
    iv->s_s1t += s1 * t;
}

/* Close interval @p k at @p end_pos: its value into out and the aggregates. */
static void iv_finish(struct omp_pq *pq, unsigned k, double end_pos, struct omp_pq_out *out)
{
    struct omp_pq_iv *iv = &pq->iv[k];
    struct omp_pq_value *v = &out->interval;
    memset(v, 0, sizeof *v);
    v->start_pos = iv->start_pos;
    v->end_pos = end_pos;
    v->n = iv->cycles;
    v->flagged = iv->flagged;
    v->urms_v = iv->s_t > 0.0f ? sqrtf(iv->s_u2t / iv->s_t) : 0.0f;
    v->pf = iv->s_st > 0.0f ? iv->s_pt / iv->s_st : 0.0f;
    v->dpf = iv->s_s1t > 0.0f ? iv->s_p1t / iv->s_s1t : 0.0f;
    if (k == pq->cur) {
        omp_pq_window_result(pq, v); /* clears the window either way */
        v->harm_valid = iv->harm;
        v->n_harm = iv->harm ? 1u : 0u;
    }
    iv->active = false;
    out->have |= OMP_PQ_HAVE_INTERVAL;
    agg_add(&pq->a150, pq->h150, v);
    agg_add(&pq->a10m, pq->h10m, v);
    if (pq->a150.n == PQ_AGG150) {
        agg_close(&pq->a150, pq->h150, pq->h_max, 0, &out->agg150);
        out->have |= OMP_PQ_HAVE_150;
    }
    if (k == pq->cur && pq->old_period) {
        period_close(pq, out);
        pq->cur = (uint8_t)(1u - k); /* the overlapping interval of the new period goes on */
    }
}

/* A cycle opening at or after the next 10-min tick: the period ends; a new interval starts. */
static void tick_10m(struct omp_pq *pq, double xs, struct omp_pq_out *out)
{
    pq->closed_10m = pq->next_10m;
    while (tick_pos(pq, pq->next_10m) <= xs) {
        pq->next_10m += 600;
    }
    if (pq->iv[pq->cur].active) {
        /* the running interval finishes in the old period; the new one overlaps it */
        pq->old_period = true;
        iv_start(&pq->iv[1u - pq->cur], xs, false);
    } else {
        pq->old_period = true;
        period_close(pq, out);
    }
}

/* ---- frequency ---------------------------------------------------------------------------- */

/* The 10-s frequency: cycle @p xs .. @p xe (length @p p = xe - xs) counted or flagged. */
static void freq_cycle(struct omp_pq *pq, double xs, double xe, double p, bool counted, bool event,
                       struct omp_pq_out *out)
{
    double bound = tick_pos(pq, pq->next_10s);
    if (xe > bound) {
        const double fs = (double)pq->cfg.fs_hz;
        out->freq.stamp = pq->next_10s;
        out->freq.cycles = pq->f_cycles;
        out->freq.f_hz = pq->f_len > 0.0 ? (float)((double)pq->f_cycles * fs / pq->f_len) : 0.0f;
        out->freq.flagged = pq->f_flag || (event && xs < bound);
        out->have |= OMP_PQ_HAVE_FREQ;
        pq->f_cycles = 0u;
        pq->f_len = 0.0;
        pq->f_flag = false;
        while (tick_pos(pq, pq->next_10s) < xe) {
            pq->next_10s += 10;
        }
        if (xs < bound) {
            pq->f_flag = event; /* straddles the boundary: discarded, flags the next */
            return;
        }
    }
    pq->f_flag = pq->f_flag || event;
    if (counted) {
        pq->f_cycles++;
        pq->f_len += p;
    }
}

/* ---- per cycle ---------------------------------------------------------------------------- */

/* The cycle's measured crossings: opening @p xs, the previous record's closing one (first: from
 * its period), and closing @p xe. */
static omp_err cycle_open(struct omp_pq *pq, const struct omp_cycle *c, double *xs, double *xe)
{
    *xe = (double)c->end_sample - (double)c->end_frac;
    if (pq->have_prev) {
        *xs = pq->prev_end;
    } else {
        *xs = *xe - (double)c->period_s * (double)pq->cfg.fs_hz;
    }
    pq->have_prev = true;
    pq->prev_end = *xe;
    return *xe > *xs + 2.0 ? OMP_OK : OMP_ERR_STATE;
}

/* The harmonic window's span of this cycle. The zero-crossing detector of the metrology engine
 * jitters by tenths of a sample under strong high-order harmonics (h39 at 10 %: 0.2 samples at
 * 8 kHz), which spreads a harmonic's phase from cycle to cycle; so the window runs on its own
 * phase: a second-order loop locked to the voltage fundamental's phase (pq_dft.c measures it per
 * cycle, free of harmonics; cycle_lock). Its span ends at the predicted crossing; a predicted
 * cycle length off the measured one by more than 2 %, or a crossing off the measured one by more
 * than 10 % of the period (start, frequency step, pseudo-cycle) restarts it on the measured
 * crossings. */
static void cycle_span(struct omp_pq *pq, double xs, double xe, double p, uint64_t end_sample,
                       bool restart, struct pq_span *sp)
{
    const double per = (double)pq->z_per + (double)pq->z_adj;
    double z0 = pq->z_end;
    double z1 = z0 + per;
    if (restart || pq->z_per <= 0.0f || fabs(per - p) > 0.02 * p || fabs(z1 - xe) > 0.1 * p) {
        z0 = xs > 1.0 ? xs - 0.3 : xs;
        z1 = z0 + p;
        pq->z_per = (float)p;
        pq->z_cap = true;
    }
    /* the last sample in the ring (the samples fed after the record's end sample count too);
     * the sample indices as integers (soft-float doubles cost ~100 instructions per operation) */
    uint32_t d = (pq->n_in + PQ_WRAP - (uint32_t)(end_sample % PQ_WRAP)) % PQ_WRAP;
    const int64_t last = (int64_t)end_sample + (int64_t)(d <= OMP_PQ_RING ? d : 1u) - 1;
    pq->z_end = z1;
    pq->z_adj = 0.0f;
    /* samples from the first one not yet summed; those past the ring's end go with the next
     * cycle (at its phase, which runs on: theta < 0 there) */
    int64_t a = pq->z_cap || pq->next_a == 0u ? (int64_t)ceil(z0) : (int64_t)pq->next_a;
    int64_t b = (int64_t)ceil(z1) - 1;
    if (b > last - 1) {
        b = last - 1;
    }
    sp->a = a > 0 ? (uint64_t)a : 0u;
    sp->m = b >= a ? (uint32_t)(b - a + 1) : 0u;
    sp->la = (float)((double)a - z0);
    sp->lb = (float)(z1 - (double)b);
    sp->p = (float)(z1 - z0);
    pq->next_a = sp->a + sp->m;
}

/* The loop: the fundamental's phase at the span's start is held where it was at the (re)start,
 * when the span started 0.3 samples before the measured crossing (so the span's end is in the
 * ring when the record comes: the magnitudes do not depend on the window's start phase). Of the
 * phase error, 3/4 goes on the next cycle's length and 1/4 on the period. */
static void cycle_lock(struct omp_pq *pq, float off)
{
    if (pq->z_cap) {
        pq->z_ref = off;
        pq->z_cap = false;
        return;
    }
    off -= pq->z_ref;
    pq->z_adj = 0.75f * off;
    pq->z_per += 0.25f * off;
}

omp_err omp_pq_process(struct omp_pq *pq, const struct omp_cycle *cycle, bool event_active,
                       struct omp_pq_out *out)
{
    if (pq == NULL || cycle == NULL || out == NULL) {
        return OMP_ERR_ARG;
    }
    out->have = 0u;
    double xs = 0.0, xe = 0.0;
    if (cycle_open(pq, cycle, &xs, &xe) != OMP_OK) {
        pq->iv[0].active = pq->iv[1].active = false;
        pq->old_period = false;
        memset(pq->acc, 0, sizeof pq->acc);
        return OMP_ERR_STATE;
    }
    const double p = xe - xs;
    freq_cycle(pq, xs, xe, p, !cycle->no_voltage, event_active, out);
    if (xs >= tick_pos(pq, pq->next_10m)) {
        tick_10m(pq, xs, out);
    }
    struct omp_pq_iv *cur = &pq->iv[pq->cur];
    if (!cur->active) {
        iv_start(cur, xs, true);
    }
    struct pq_span sp;
    cycle_span(pq, xs, xe, p, cycle->end_sample, cycle->no_voltage, &sp);
    float off = 0.0f;
    bool ok = !cycle->no_voltage && sp.m >= 2u &&
              omp_pq_window_add(pq, &sp, cur->cycles, cur->harm, &off);
    cur->harm = cur->harm && ok;
    if (ok) {
        cycle_lock(pq, off);
    }
    const float t = (float)p / (float)pq->cfg.fs_hz;
    for (unsigned k = 0; k < 2u; k++) {
        if (pq->iv[k].active) {
            iv_add(&pq->iv[k], cycle, t, event_active);
        }
    }
    /* the interval with the window first: it started before an overlapping one */
    const unsigned first = pq->cur;
    for (unsigned j = 0; j < 2u; j++) {
        unsigned k = j == 0u ? first : 1u - first;
        if (pq->iv[k].active && pq->iv[k].cycles >= pq->ncyc) {
            iv_finish(pq, k, xe, out);
        }
    }
    return OMP_OK;
}

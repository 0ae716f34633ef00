/*
 * Weekly EN 50160 evaluation: counts of the week's 10-min and 10-s values within the EN 50160
 * limits (shared/spec/metrology-and-power-quality.md §2.1, §2.2, §2.4), flagged values excluded,
 * and the events table by EN 50160 cell. Counts only: no value is stored.
 */
#include <math.h>
#include <string.h>

#include "omnipower/pq_event.h"

/* EN 50160 individual harmonic voltages, LV, % of U1, orders 2..25 (spec §2.2). */
static const float harm_limit[OMP_PQ_WEEK_H_COUNT] = {
    2.0f, 5.0f, 1.0f, 6.0f, 0.5f, 5.0f, 0.5f, 1.5f, 0.5f, /* 2..10 */
    3.5f, 0.5f, 3.0f, 0.5f, 0.5f, 0.5f, 2.0f, 0.5f, 1.5f, /* 11..19 */
    0.5f, 0.5f, 0.5f, 1.5f, 0.5f, 1.5f                    /* 20..25 */
};

#define THD_LIMIT_PCT 8.0f

float omp_pq_harmonic_limit_pct(unsigned order)
{
    if (order < OMP_PQ_WEEK_H_MIN || order > OMP_PQ_WEEK_H_MAX) {
        return 0.0f;
    }
    return harm_limit[order - OMP_PQ_WEEK_H_MIN];
}

omp_err omp_pq_week_init(struct omp_pq_week *w, float un_v, float fn_hz)
{
    if (w == NULL || !(un_v > 0.0f) || !(fn_hz > 0.0f) || !isfinite(un_v) || !isfinite(fn_hz)) {
        return OMP_ERR_ARG;
    }
    memset(w, 0, sizeof *w);
    w->un_v = un_v;
    w->fn_hz = fn_hz;
    return OMP_OK;
}

static void inc16(uint16_t *n)
{
    if (*n < UINT16_MAX) {
        (*n)++;
    }
}

static void inc32(uint32_t *n)
{
    if (*n < UINT32_MAX) {
        (*n)++;
    }
}

/* lo <= x <= hi; false for NaN */
static bool within(float x, float lo, float hi)
{
    return x >= lo && x <= hi;
}

void omp_pq_week_add_10min(struct omp_pq_week *w, const struct omp_pq_10min *v)
{
    if (w == NULL || v == NULL) {
        return;
    }
    if (v->flagged) {
        inc16(&w->flagged_10min);
        return;
    }
    inc16(&w->n_10min);
    float un = w->un_v;
    if (!within(v->urms_v, un * 90.0f / 100.0f, un * 110.0f / 100.0f)) {
        inc16(&w->u_out10);
    }
    if (!within(v->urms_v, un * 85.0f / 100.0f, un * 110.0f / 100.0f)) {
        inc16(&w->u_out_wide);
    }
    if (!within(v->thd_u_pct, 0.0f, THD_LIMIT_PCT)) {
        inc16(&w->thd_out);
    }
    bool any = false;
    for (unsigned k = 0; k < OMP_PQ_WEEK_H_COUNT; k++) {
        if (!within(v->harm_pct[k], 0.0f, harm_limit[k])) {
            inc16(&w->harm_out[k]);
            any = true;
        }
    }
    if (any) {
        inc16(&w->harm_any_out);
    }
}

void omp_pq_week_add_10s(struct omp_pq_week *w, float f_hz, bool flagged)
{
    if (w == NULL) {
        return;
    }
    if (flagged) {
        inc32(&w->flagged_10s);
        return;
    }
    inc32(&w->n_10s);
    float fn = w->fn_hz;
    if (!within(f_hz, fn * 99.0f / 100.0f, fn * 101.0f / 100.0f)) {
        inc32(&w->f_out1);
    }
    if (!within(f_hz, fn * 94.0f / 100.0f, fn * 104.0f / 100.0f)) {
        inc32(&w->f_out_wide);
    }
}

void omp_pq_week_add_event(struct omp_pq_week *w, const struct omp_pq_event *ev)
{
    if (w == NULL || ev == NULL) {
        return;
    }
    if (ev->kind == OMP_PQ_EV_RVC) {
        inc16(&w->rvc);
    } else if (ev->kind != OMP_PQ_EV_NONE) {
        unsigned cell = ev->cell < OMP_PQ_CELL_COUNT ? ev->cell : 0u;
        inc16(&w->cells[cell]);
    }
}

/* Verdict: compliant when within / valid >= permille / 1000, in integers (exact at the edges:
 * 958 of 1008 is 95.04 %, 957 is 94.94 %). */
static void result(struct omp_pq_week_result *r, uint32_t valid, uint32_t out, uint32_t flagged,
                   uint32_t permille)
{
    memset(r, 0, sizeof *r);
    r->valid = valid;
    r->within = out <= valid ? valid - out : 0u;
    r->flagged = flagged;
    if (valid == 0u) {
        r->verdict = OMP_PQ_NO_DATA;
        return;
    }
    r->share_pct = (float)(100.0 * (double)r->within / (double)valid);
    bool ok = (uint64_t)r->within * 1000u >= (uint64_t)permille * valid;
    r->verdict = ok ? OMP_PQ_COMPLIANT : OMP_PQ_NOT_COMPLIANT;
}

omp_err omp_pq_week_get(const struct omp_pq_week *w, enum omp_pq_week_q q,
                        struct omp_pq_week_result *out)
{
    if (w == NULL || out == NULL) {
        return OMP_ERR_ARG;
    }
    switch (q) {
    case OMP_PQ_WEEK_U95:
        result(out, w->n_10min, w->u_out10, w->flagged_10min, 950u);
        break;
    case OMP_PQ_WEEK_U100:
        result(out, w->n_10min, w->u_out_wide, w->flagged_10min, 1000u);
        break;
    case OMP_PQ_WEEK_F995:
        result(out, w->n_10s, w->f_out1, w->flagged_10s, 995u);
        break;
    case OMP_PQ_WEEK_F100:
        result(out, w->n_10s, w->f_out_wide, w->flagged_10s, 1000u);
        break;
    case OMP_PQ_WEEK_THD:
        result(out, w->n_10min, w->thd_out, w->flagged_10min, 950u);
        break;
    case OMP_PQ_WEEK_HARM:
        result(out, w->n_10min, w->harm_any_out, w->flagged_10min, 950u);
        break;
    default:
        return OMP_ERR_ARG;
    }
    return OMP_OK;
}

omp_err omp_pq_week_harmonic(const struct omp_pq_week *w, unsigned order,
                             struct omp_pq_week_result *out)
{
    if (w == NULL || out == NULL || order < OMP_PQ_WEEK_H_MIN || order > OMP_PQ_WEEK_H_MAX) {
        return OMP_ERR_ARG;
    }
    result(out, w->n_10min, w->harm_out[order - OMP_PQ_WEEK_H_MIN], w->flagged_10min, 950u);
    return OMP_OK;
}

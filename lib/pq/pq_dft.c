/*
 * Harmonics of lib/pq (IEC 61000-4-7, docs/power-quality.md "Harmonics"): per cycle, the Fourier
 * coefficients X_c(h) = (1/T) * integral over the cycle of x(t) e^(-j h theta(t)), theta running
 * 0..2 pi between the cycle's interpolated zero crossings, by the trapezoid rule with fractional
 * end pieces (the sum over the inner samples by a Goertzel recursion per order, both channels in
 * one pass). The window of N = 10 (12) cycles gives the 5 Hz bins k = N h + d:
 *   C(N h + d) = (1/N) sum_c e^(-j 2 pi d c / N) Y_c(h + d / N),
 * Y_c(h + delta) = sum_l X_c(l) (e^(-j 2 pi delta) - 1) / (j 2 pi (l - h - delta)), l = h-2..h+2
 * (the exact relation for a signal periodic in the cycle, truncated; whatever repeats from cycle
 * to cycle cancels in the sum over c for d != 0, so the truncation touches only the changes).
 * The weights of Y_c do not depend on c: the window sums each order's X_c(l) weighted by the
 * cycle's rotation (window_sum) and interpolates once, when its values are taken (frac_g2).
 */
#include <math.h>
#include <string.h>

#include "pq_priv.h"

#define PQ_TWO_PI 6.28318530717958647692f
#define PQ_PI 3.14159265358979323846f
#define PQ_TWO_PI_HI 6.28318548202514648438f /* 2 pi = HI + LO, HI the float nearest */
#define PQ_TWO_PI_LO -1.7484556e-7f
#define PQ_TAPS 2 /* neighbours each side in the fractional-order interpolation */

#define PQ_CHUNK 64u /* sample pairs converted to float per pass over the orders (512 bytes) */

_Static_assert(OMP_PQ_H_MAX % 4u == 0u, "the Goertzel passes take 4 orders each");
_Static_assert(PQ_CHUNK % 4u == 0u, "the Goertzel passes take 4 samples per turn");

/* Goertzel recursions of 4 orders (2 cos w = k[o]) on both channels over @p n pairs (a multiple
 * of 4, >= 4) of @p vi (v, i interleaved, float), the states sv[o] = {s1, s2} (voltage), si[o]
 * (current) carried on; four samples per turn, so that the states swap roles instead of moving
 * (16 state registers; the samples were converted to float once for all the orders). */
static void goertzel4(const float *vi, uint32_t n, const float k[4], float sv[4][2],
                      float si[4][2])
{
    float a1 = sv[0][0], a2 = sv[0][1], b1 = si[0][0], b2 = si[0][1];
    float c1 = sv[1][0], c2 = sv[1][1], d1 = si[1][0], d2 = si[1][1];
    float e1 = sv[2][0], e2 = sv[2][1], f1 = si[2][0], f2 = si[2][1];
    float g1 = sv[3][0], g2 = sv[3][1], q1 = si[3][0], q2 = si[3][1];
    const float k0 = k[0], k1 = k[1], k2 = k[2], k3 = k[3];
    const float *end = vi + 2u * n;
    do { /* n >= 4 */
        const float x0 = vi[0], y0 = vi[1], x1 = vi[2], y1 = vi[3];
        const float x2 = vi[4], y2 = vi[5], x3 = vi[6], y3 = vi[7];
        vi += 8;
        a2 = k0 * a1 - a2 + x0; b2 = k0 * b1 - b2 + y0;
        c2 = k1 * c1 - c2 + x0; d2 = k1 * d1 - d2 + y0;
        e2 = k2 * e1 - e2 + x0; f2 = k2 * f1 - f2 + y0;
        g2 = k3 * g1 - g2 + x0; q2 = k3 * q1 - q2 + y0;
        a1 = k0 * a2 - a1 + x1; b1 = k0 * b2 - b1 + y1;
        c1 = k1 * c2 - c1 + x1; d1 = k1 * d2 - d1 + y1;
        e1 = k2 * e2 - e1 + x1; f1 = k2 * f2 - f1 + y1;
        g1 = k3 * g2 - g1 + x1; q1 = k3 * q2 - q1 + y1;
        a2 = k0 * a1 - a2 + x2; b2 = k0 * b1 - b2 + y2;
        c2 = k1 * c1 - c2 + x2; d2 = k1 * d1 - d2 + y2;
        e2 = k2 * e1 - e2 + x2; f2 = k2 * f1 - f2 + y2;
        g2 = k3 * g1 - g2 + x2; q2 = k3 * q1 - q2 + y2;
        a1 = k0 * a2 - a1 + x3; b1 = k0 * b2 - b1 + y3;
        c1 = k1 * c2 - c1 + x3; d1 = k1 * d2 - d1 + y3;
        e1 = k2 * e2 - e1 + x3; f1 = k2 * f2 - f1 + y3;
        g1 = k3 * g2 - g1 + x3; q1 = k3 * q2 - q1 + y3;
    } while (vi != end);
    sv[0][0] = a1, sv[0][1] = a2, si[0][0] = b1, si[0][1] = b2;
    sv[1][0] = c1, sv[1][1] = c2, si[1][0] = d1, si[1][1] = d2;
    sv[2][0] = e1, sv[2][1] = e2, si[2][0] = f1, si[2][1] = f2;
    sv[3][0] = g1, sv[3][1] = g2, si[3][0] = q1, si[3][1] = q2;
}

/* @p n pairs from ring slot @p s (wrapping) to float, interleaved; returns the slot after them. */
static uint32_t ring_to_float(const struct omp_pq *pq, uint32_t s, uint32_t n, float *buf)
{
    while (n > 0u) {
        const uint32_t run = OMP_PQ_RING - s < n ? OMP_PQ_RING - s : n;
        const int16_t *v = &pq->ring_v[s], *i = &pq->ring_i[s];
        for (const int16_t *end = v + run; v != end; v++, i++) {
            *buf++ = (float)*v;
            *buf++ = (float)*i;
        }
        n -= run;
        s = s + run == OMP_PQ_RING ? 0u : s + run;
    }
    return s;
}

/* The Goertzel states {s1, s2} of orders 1..h_max (rounded up to 4) of both channels into
 * st[ch][h-1] over the @p m samples from ring slot @p s (wrapping), 2 cos(h dth) in @p k.
 * The samples go to float in chunks; a count not a multiple of 4 gets up to 3 zero pairs first
 * (the recursion stays at zero through them), so that every chunk is a multiple of 4. */
static void goertzel_ring(const struct omp_pq *pq, uint32_t s, uint32_t m, const float *k,
                          float st[2][OMP_PQ_H_MAX][2])
{
    float buf[2u * PQ_CHUNK];
    uint32_t pad = (4u - (m & 3u)) & 3u;
    memset(st, 0, 2u * OMP_PQ_H_MAX * 2u * sizeof(float));
    while (m > 0u) {
        const uint32_t n = PQ_CHUNK - pad < m ? PQ_CHUNK - pad : m;
        memset(buf, 0, 6u * sizeof(float)); /* the zero pairs */
        s = ring_to_float(pq, s, n, &buf[2u * pad]);
        for (uint32_t h0 = 0; h0 < pq->h_max; h0 += 4u) {
            goertzel4(buf, n + pad, &k[h0], &st[0][h0], &st[1][h0]);
        }
        m -= n;
        pad = 0u;
    }
}

/* e^(j th): for |th| <= 0.25 (the per-cycle angles: a sample's step, the ends' fractions) by
 * the Taylor series to th^7 (error < 1e-9; cosf/sinf cost about 150 instructions each on the
 * Cortex-M4, most of it in the argument reduction), else cosf, sinf. */
static void expj(float th, float *c, float *s)
{
    if (fabsf(th) > 0.25f) {
        *c = cosf(th);
        *s = sinf(th);
        return;
    }
    const float t2 = th * th;
    *c = 1.0f - t2 * (0.5f - t2 * (1.0f / 24.0f - t2 * (1.0f / 720.0f)));
    *s = th * (1.0f - t2 * (1.0f / 6.0f - t2 * (1.0f / 120.0f - t2 * (1.0f / 5040.0f))));
}

/* Samples a-1 .. b+1 present in the ring? Slot of sample a in @p slot. */
static bool ring_has(const struct omp_pq *pq, const struct pq_span *sp, uint32_t *slot)
{
    uint32_t n_in = pq->n_in;
    uint32_t first = (uint32_t)((sp->a + PQ_WRAP - 1u) % PQ_WRAP); /* sample a - 1 */
    uint32_t d = (n_in + PQ_WRAP - first) % PQ_WRAP;              /* pairs from it to n_in */
    *slot = (uint32_t)(sp->a % OMP_PQ_RING);
    return d >= sp->m + 2u && d <= OMP_PQ_RING;
}

/* Coefficients of one cycle, both channels: x[ch][h-1] = (re, im), in 16-bit codes. Every sample
 * of the cycle has weight 1, so that over the window the sum is seamless at the inner crossings
 * (the phase runs on continuously); the window's outer ends (@p first: its opening crossing,
 * @p last: its closing one) get the trapezoid's half weight and the fractional end piece. */
static void cycle_phasors(const struct omp_pq *pq, const struct pq_span *sp, uint32_t sa,
                          bool first, bool last, float x[2][OMP_PQ_H_MAX][2], float det[2])
{
    const uint32_t s0 = (sa + OMP_PQ_RING - 1u) % OMP_PQ_RING;
    const uint32_t sb = (sa + sp->m - 1u) % OMP_PQ_RING;
    const uint32_t se = (sb + 1u) % OMP_PQ_RING;
    const int16_t *ring[2] = {pq->ring_v, pq->ring_i};
    /* end terms of both ends (the detector's) and of the window's outer ends (the bins') */
    const float xa = (float)ring[0][sa], xb = (float)ring[0][sb];
    const float xs = (float)ring[0][s0] + (xa - (float)ring[0][s0]) * (1.0f - sp->la);
    const float xe = xb + ((float)ring[0][se] - xb) * sp->lb;
    const float ka_v = 0.5f * (sp->la - 1.0f) * xa, kb_v = 0.5f * (sp->lb - 1.0f) * xb;
    const float end_a = 0.5f * sp->la * xs, end_b = 0.5f * sp->lb * xe;
    float ka[2] = {first ? ka_v : 0.0f, 0.0f}, kb[2] = {last ? kb_v : 0.0f, 0.0f};
    float ends_t[2] = {(first ? end_a : 0.0f) + (last ? end_b : 0.0f), 0.0f};
    if (first || last) {
        const float ia = (float)ring[1][sa], ib = (float)ring[1][sb];
        const float is = (float)ring[1][s0] + (ia - (float)ring[1][s0]) * (1.0f - sp->la);
        const float ie = ib + ((float)ring[1][se] - ib) * sp->lb;
        ka[1] = first ? 0.5f * (sp->la - 1.0f) * ia : 0.0f;
        kb[1] = last ? 0.5f * (sp->lb - 1.0f) * ib : 0.0f;
        ends_t[1] = (first ? 0.5f * sp->la * is : 0.0f) + (last ? 0.5f * sp->lb * ie : 0.0f);
    }
    const float dth = PQ_TWO_PI / sp->p;
    const float tha = sp->la * dth;
    const float thb = tha + (float)(sp->m - 1u) * dth;
    float ea_r, ea_i, eb_r, eb_i, w_r, w_i; /* e^(-j theta_a), e^(-j theta_b), e^(j dth) */
    expj(-tha, &ea_r, &ea_i);
    expj(-(thb - PQ_TWO_PI_HI - PQ_TWO_PI_LO), &eb_r, &eb_i); /* theta_b is near 2 pi */
    expj(dth, &w_r, &w_i);
    const float inv_p = 1.0f / sp->p;
    const bool ends = first || last;
    float k[OMP_PQ_H_MAX];
    float wh_r = 1.0f, wh_i = 0.0f, t;
    for (uint32_t h = 0; h < OMP_PQ_H_MAX; h++) { /* 2 cos(h dth) by the rotation e^(j h dth) */
        t = wh_r * w_r - wh_i * w_i, wh_i = wh_r * w_i + wh_i * w_r, wh_r = t;
        k[h] = 2.0f * wh_r;
    }
    goertzel_ring(pq, sa, sp->m, k, x);
    float ah_r = 1.0f, ah_i = 0.0f, bh_r = 1.0f, bh_i = 0.0f;
    wh_r = 1.0f, wh_i = 0.0f;
    for (uint32_t h = 1; h <= pq->h_max; h++) { /* e^(j h dth), e^(-j h theta_b) */
        t = wh_r * w_r - wh_i * w_i, wh_i = wh_r * w_i + wh_i * w_r, wh_r = t;
        t = bh_r * eb_r - bh_i * eb_i, bh_i = bh_r * eb_i + bh_i * eb_r, bh_r = t;
        const float g_r = bh_r * inv_p, g_i = bh_i * inv_p;
        for (unsigned ch = 0; ch < 2u; ch++) {
            /* sum_n x_n e^(-j h theta_n) = e^(-j h theta_b) (s1 - e^(-j h dth) s2) */
            float *xh = x[ch][h - 1u];
            const float u = xh[0] - wh_r * xh[1], v = wh_i * xh[1];
            xh[0] = u * g_r - v * g_i;
            xh[1] = u * g_i + v * g_r;
        }
        if (h == 1u) { /* the phase detector: trapezoid over this cycle */
            det[0] = x[0][0][0] + (ka_v * ea_r + kb_v * eb_r + end_a + end_b) * inv_p;
            det[1] = x[0][0][1] + (ka_v * ea_i + kb_v * eb_i) * inv_p;
        }
        if (ends) { /* the window's outer ends: e^(-j h theta_a) too */
            t = ah_r * ea_r - ah_i * ea_i, ah_i = ah_r * ea_i + ah_i * ea_r, ah_r = t;
            for (unsigned ch = 0; ch < 2u; ch++) {
                x[ch][h - 1u][0] += (ka[ch] * ah_r + kb[ch] * bh_r + ends_t[ch]) * inv_p;
                x[ch][h - 1u][1] += (ka[ch] * ah_i + kb[ch] * bh_i) * inv_p;
            }
        }
    }
}

/* Interpolation weights of the fractional order h + d / N from orders h + m, m = -2..2:
 * (e^(-j 2 pi delta) - 1) / (j 2 pi (m - delta)) = (b - j a) / r with a + j b = e^(-j 2 pi delta) - 1. */
static void frac_kernel(int d, uint32_t ncyc, float k[2 * PQ_TAPS + 1][2])
{
    const float delta = (float)d / (float)ncyc;
    const float a = cosf(PQ_TWO_PI * delta) - 1.0f;
    const float b = -sinf(PQ_TWO_PI * delta);
    for (int m = -PQ_TAPS; m <= PQ_TAPS; m++) {
        float r = PQ_TWO_PI * ((float)m - delta);
        k[m + PQ_TAPS][0] = b / r;
        k[m + PQ_TAPS][1] = -a / r;
    }
}

/* Add the cycle's coefficients of one channel to the window's sums: slot 1 plain (the bin N h),
 * slot 0 weighted by cos(phi), slot 2 by sin(phi), phi = -2 pi c / N, @p rot = (cos, sin): the
 * sums rotated by e^(j phi) (d = +1) and e^(-j phi) (d = -1) are slot 0 +- j slot 2. The
 * interpolation to the fractional orders h -+ 1/N is linear with weights that do not depend on
 * the cycle, so it is applied to these sums once per window (frac_g2), not per cycle. */
static void window_sum(float acc[OMP_PQ_H_MAX][3][2], float x[OMP_PQ_H_MAX][2],
                       uint32_t h_max, const float rot[2])
{
    const float cr = rot[0], ci = rot[1];
    for (uint32_t h = 0; h < h_max; h++) {
        const float xr = x[h][0], xi = x[h][1];
        acc[h][0][0] += cr * xr;
        acc[h][0][1] += cr * xi;
        acc[h][1][0] += xr;
        acc[h][1][1] += xi;
        acc[h][2][0] += ci * xr;
        acc[h][2][1] += ci * xi;
    }
}

/* |C|^2 of the bins N h - 1 and N h + 1 of one channel: the fractional orders h -+ 1/N,
 * interpolated from the window's rotated sums of orders h-2..h+2 (window_sum); weights
 * k[0] (d = -1) and k[1] (d = +1). */
static float frac_g2(float acc[OMP_PQ_H_MAX][3][2], uint32_t h, uint32_t h_max,
                     float k[2][2 * PQ_TAPS + 1][2])
{
    const uint32_t lo = h > PQ_TAPS ? h - PQ_TAPS : 1u;
    const uint32_t hi = h + PQ_TAPS < h_max ? h + PQ_TAPS : h_max;
    float mr = 0.0f, mi = 0.0f, pr = 0.0f, pi = 0.0f; /* d = -1, d = +1 */
    for (uint32_t l = lo; l <= hi; l++) {
        const float *c = acc[l - 1u][0], *s = acc[l - 1u][2];
        const float *wm = k[0][l + PQ_TAPS - h], *wp = k[1][l + PQ_TAPS - h];
        const float sm_r = c[0] + s[1], sm_i = c[1] - s[0]; /* slot 0 - j slot 2 */
        const float sp_r = c[0] - s[1], sp_i = c[1] + s[0]; /* slot 0 + j slot 2 */
        mr += wm[0] * sm_r - wm[1] * sm_i;
        mi += wm[0] * sm_i + wm[1] * sm_r;
        pr += wp[0] * sp_r - wp[1] * sp_i;
        pi += wp[0] * sp_i + wp[1] * sp_r;
    }
    return mr * mr + mi * mi + pr * pr + pi * pi;
}

bool omp_pq_window_add(struct omp_pq *pq, const struct pq_span *sp, uint32_t c, bool add,
                       float *off)
{
    uint32_t sa = 0;
    if (sp->m + 3u > OMP_PQ_RING || !ring_has(pq, sp, &sa)) {
        return false;
    }
    float x[2][OMP_PQ_H_MAX][2];
    float det[2] = {0.0f, 0.0f};
    cycle_phasors(pq, sp, sa, c == 0u, c + 1u == pq->ncyc, x, det);
    if (!ring_has(pq, sp, &sa)) {
        return false; /* overwritten while we read */
    }
    /* x = A sin(2 pi (n - z) / p): X(1) = A/2 e^(-j pi/2) e^(-j 2 pi (z - z0) / p) */
    const float x1r = det[0], x1i = det[1];
    if (x1r * x1r + x1i * x1i < 100.0f) {
        return false; /* fundamental below ~14 codes (16-bit) peak: no phase */
    }
    *off = -(atan2f(x1i, x1r) + 0.5f * PQ_PI) * sp->p / PQ_TWO_PI;
    if (!add) {
        return true;
    }
    /* rot = e^(-j 2 pi c / N), the bins' rotation for d = +1 (conjugate for d = -1) */
    const float ang = -PQ_TWO_PI * (float)c / (float)pq->ncyc;
    const float rot[2] = {cosf(ang), sinf(ang)};
    for (unsigned ch = 0; ch < 2u; ch++) {
        window_sum(pq->acc[ch], x[ch], pq->h_max, rot);
    }
    return true;
}

void omp_pq_window_result(struct omp_pq *pq, struct omp_pq_value *v)
{
    /* rms of a bin = sqrt(2) |C|, C = acc / N; gains: volts per 16-bit code (code >> 8) */
    const float n = (float)pq->ncyc;
    const float gain[2] = {pq->cfg.v_gain * 256.0f, pq->cfg.i_gain * 256.0f};
    float g1[2] = {0.0f, 0.0f}, sum_h[2] = {0.0f, 0.0f};
    float k[2][2 * PQ_TAPS + 1][2];
    frac_kernel(-1, pq->ncyc, k[0]);
    frac_kernel(1, pq->ncyc, k[1]);
    for (unsigned ch = 0; ch < 2u; ch++) {
        for (uint32_t h = 1; h <= pq->h_max; h++) {
            const float *c0 = pq->acc[ch][h - 1u][1];
            float g2 = c0[0] * c0[0] + c0[1] * c0[1];
#ifndef PQ_DBG_CENTRE
            g2 += frac_g2(pq->acc[ch], h, pq->h_max, k);
#endif
            g2 *= 2.0f / (n * n);
            if (h == 1u) {
                g1[ch] = sqrtf(g2);
            } else {
                sum_h[ch] += g2;
                if (ch == 0u) {
                    v->harm_u_pct[h] = sqrtf(g2); /* scaled below */
                }
            }
        }
    }
    v->u1_v = g1[0] * gain[0];
    v->i1_a = g1[1] * gain[1];
    const float ku = g1[0] > 0.0f ? 100.0f / g1[0] : 0.0f;
    v->harm_u_pct[0] = 0.0f;
    v->harm_u_pct[1] = g1[0] > 0.0f ? 100.0f : 0.0f;
    for (uint32_t h = 2; h <= OMP_PQ_H_MAX; h++) {
        v->harm_u_pct[h] = h <= pq->h_max ? v->harm_u_pct[h] * ku : 0.0f;
    }
    v->thd_u_pct = sqrtf(sum_h[0]) * ku;
    v->thd_i_pct = v->i1_a >= 1e-3f ? sqrtf(sum_h[1]) * 100.0f / g1[1] : 0.0f;
    v->h_max = pq->h_max;
    for (unsigned ch = 0; ch < 2u; ch++) {
        for (uint32_t h = 0; h < OMP_PQ_H_MAX; h++) {
            for (unsigned d = 0; d < 3u; d++) {
                pq->acc[ch][h][d][0] = 0.0f;
                pq->acc[ch][h][d][1] = 0.0f;
            }
        }
    }
}

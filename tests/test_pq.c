/*
 * Tests of lib/pq through its public API, driven by the generator and the metrology engine
 * (tests/pq_rig.h): the acceptance tests Q1 (subset), Q2, Q3, Q4, Q6 (short) and Q7 of
 * shared/spec/metrology-and-power-quality.md §4. The long Q1 sweep and the 25-h Q6 run are in
 * tests/test_pq_slow.c. Expected values from the generator's parameters and the spec.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pq_rig.h"

#define UN 230.0
#define T0 ((omp_time_s)1795521600) /* 2026-11-24 12:00:00 UTC: on a 2-h tick */

#include "pq_q1.h"
#include "pq_q6.h"

static void near_impl(double a, double b, double tol, const char *expr, int line)
{
    if (!(fabs(a - b) <= tol)) {
        print_error("line %d: %s: %.9g vs %.9g (tol %.3g)\n", line, expr, a, b, tol);
        fail();
    }
}
#define assert_near(a, b, tol) near_impl((double)(a), (double)(b), (double)(tol), #a, __LINE__)

/* ---- configuration ------------------------------------------------------------------------ */

static void test_init_args(void **state)
{
    (void)state;
    struct omp_pq pq;
    struct omp_pq_cfg c = {4000u, 50u, T0, 1e-4f, 1e-5f};
    assert_int_equal(omp_pq_init(&pq, &c), OMP_OK);
    assert_int_equal(omp_pq_init(NULL, &c), OMP_ERR_ARG);
    c.fs_hz = 16000u;
    assert_int_equal(omp_pq_init(&pq, &c), OMP_ERR_ARG);
    c.fs_hz = 8000u;
    c.mains_hz = 55u;
    assert_int_equal(omp_pq_init(&pq, &c), OMP_ERR_ARG);
    c.mains_hz = 50u;
    c.v_gain = NAN;
    assert_int_equal(omp_pq_init(&pq, &c), OMP_ERR_ARG);
    c.v_gain = 1e-4f;
    c.start_utc = -1;
    assert_int_equal(omp_pq_init(&pq, &c), OMP_ERR_ARG);
    struct omp_pq_out o;
    assert_int_equal(omp_pq_process(&pq, NULL, false, &o), OMP_ERR_ARG);
}

/* ---- Q2: voltage magnitude ---------------------------------------------------------------- */

struct q2_ctx {
    unsigned n;
    double worst;
    double truth;
};

static void q2_sink(struct rig *r, const struct omp_pq_out *o)
{
    struct q2_ctx *q = r->ctx;
    if ((o->have & OMP_PQ_HAVE_INTERVAL) == 0u || o->interval.start_pos < 0.2 * r->fs) {
        return;
    }
    assert_int_equal(o->interval.n, 10);
    double e = fabs(o->interval.urms_v - q->truth);
    q->worst = e > q->worst ? e : q->worst;
    q->n++;
}

static void test_q2_magnitude(void **state)
{
    (void)state;
    static const float u[] = {23.0f, 115.0f, 207.0f, 230.0f, 253.0f, 345.0f};
    static const double f[] = {49.5, 50.0, 50.5};
    for (size_t k = 0; k < sizeof u / sizeof u[0]; k++) {
        for (size_t j = 0; j < 3u; j++) {
            struct rig r;
            struct q2_ctx q = {0u, 0.0, (double)u[k]};
            rig_init(&r, 4000u, f[j], u[k], T0);
            r.sink = q2_sink;
            r.ctx = &q;
            rig_run(&r, 2.0);
            assert_true(q.n >= 8u);
            assert_near(q.worst, 0.0, 0.0005 * UN); /* Q2: 0.05 % of Udin */
        }
    }
}

/* ---- Q3, Q4: harmonics and THD ------------------------------------------------------------ */

struct harm_ctx {
    double truth[OMP_PQ_H_MAX + 1u]; /* rms volts by order */
    double thd_pct;                  /* true THD over 2..h_max */
    unsigned n;
    double worst_ratio;              /* worst |error| / limit */
    unsigned worst_h;
    uint8_t h_max;
    unsigned h_check;                /* Q3 checks orders up to this: 25 at 4 kHz, 40 at 8 kHz */
};

static void harm_sink(struct rig *r, const struct omp_pq_out *o)
{
    struct harm_ctx *q = r->ctx;
    const struct omp_pq_value *v = &o->interval;
    if ((o->have & OMP_PQ_HAVE_INTERVAL) == 0u || v->start_pos < 0.6 * r->fs) {
        return;
    }
    assert_true(v->harm_valid);
    assert_int_equal(v->h_max, q->h_max);
    q->n++;
    assert_near(v->u1_v, q->truth[1], 0.0005 * UN);
    for (unsigned h = 2; h <= q->h_check; h++) {
        const double meas = v->harm_u_pct[h] / 100.0 * v->u1_v;
        const double t = q->truth[h];
        /* Q3: Uh >= 1 % Unom: 2.5 % of reading; below: 0.025 % Unom */
        const double lim = t >= 0.01 * UN ? 0.025 * t : 0.00025 * UN;
        const double ratio = fabs(meas - t) / lim;
        if (ratio > q->worst_ratio) {
            q->worst_ratio = ratio;
            q->worst_h = h;
        }
    }
    if (q->thd_pct >= 0.0) {
        assert_near(v->thd_u_pct, q->thd_pct, 0.1); /* Q4: 0.1 %-point */
    }
}

static void harm_run(uint32_t fs, double f, const unsigned *orders, size_t n_orders,
                     const float *pct, size_t n_pct)
{
    for (size_t a = 0; a < n_orders; a++) {
        for (size_t b = 0; b < n_pct; b++) {
            struct rig r;
            struct harm_ctx q;
            memset(&q, 0, sizeof q);
            q.thd_pct = -1.0;
            q.h_max = (uint8_t)(fs == 8000u ? 40u : 39u);
            q.h_check = fs == 8000u ? 40u : 25u;
            rig_init(&r, fs, f, (float)UN, T0);
            q.truth[1] = UN;
            q.truth[orders[a]] = (double)(float)(UN * pct[b] / 100.0);
            rig_add_v(&r, (float)orders[a], (float)q.truth[orders[a]], 25.0f * (float)orders[a]);
            r.sink = harm_sink;
            r.ctx = &q;
            rig_run(&r, 1.4);
            if (!(q.worst_ratio <= 1.0)) {
                print_error("fs %u f %.2f h%u at %.2f %%: worst error %.2f x limit at h%u\n", fs,
                            f, orders[a], (double)pct[b], q.worst_ratio, q.worst_h);
                fail();
            }
            assert_true(q.n >= 3u);
        }
    }
}

static void test_q3_single_4k(void **state)
{
    (void)state;
    static const unsigned orders[] = {2, 3, 5, 7, 11, 13, 19, 25};
    static const float pct[] = {0.5f, 1.0f, 5.0f, 10.0f};
    static const double f[] = {49.5, 50.0, 50.5, 49.97};
    for (size_t j = 0; j < 4u; j++) {
        harm_run(4000u, f[j], orders, 8u, pct, 4u);
    }
}

static void test_q3_single_8k(void **state)
{
    (void)state;
    static const unsigned orders[] = {2, 5, 13, 25, 31, 39, 40};
    static const float pct[] = {0.5f, 3.0f, 10.0f};
    static const double f[] = {49.5, 50.0, 50.5};
    for (size_t j = 0; j < 3u; j++) {
        harm_run(8000u, f[j], orders, 7u, pct, 3u);
    }
}

static void table_run(uint32_t fs, double f, double thd)
{
    struct rig r;
    struct harm_ctx q;
    memset(&q, 0, sizeof q);
    q.h_max = (uint8_t)(fs == 8000u ? 40u : 39u);
    q.h_check = fs == 8000u ? 40u : 25u;
    rig_init(&r, fs, f, (float)UN, T0);
    double k = rig_add_table(&r, UN, thd);
    double s2 = 0.0;
    q.truth[1] = UN;
    for (unsigned h = 2; h <= 25u; h++) {
        q.truth[h] = (double)(float)(UN * rig_en50160_pct(h) * k / 100.0);
        s2 += q.truth[h] * q.truth[h];
    }
    q.thd_pct = sqrt(s2) / UN * 100.0;
    r.sink = harm_sink;
    r.ctx = &q;
    rig_run(&r, 1.4);
    if (!(q.worst_ratio <= 1.0)) {
        print_error("table spectrum fs %u f %.2f THD %.1f %%: worst %.2f x limit at h%u\n", fs, f,
                    thd, q.worst_ratio, q.worst_h);
        fail();
    }
    assert_true(q.n >= 3u);
}

static void test_q3_q4_table(void **state)
{
    (void)state;
    static const double thd[] = {1.0, 3.0, 8.0, 12.0};
    static const double f[] = {49.5, 50.0, 50.5, 49.97};
    for (size_t j = 0; j < 4u; j++) {
        for (size_t k = 0; k < 4u; k++) {
            table_run(4000u, f[j], thd[k]);
            table_run(8000u, f[j], thd[k]);
        }
    }
}

/* Components on the bins next to a harmonic (orders h +- 0.1 at 50 Hz: 5 Hz off) belong to its
 * subgroup (IEC 61000-4-7: G_sg,h^2 = C(10h-1)^2 + C(10h)^2 + C(10h+1)^2): 2 % at order 5.1 and
 * 1 % at order 12.9 read as h5 = 2 % and h13 = 1 % within the Q3 limit (2.5 % of reading), at 4
 * and 8 kHz. Such components change from cycle to cycle, and the engine's interpolation of the
 * fractional orders (5 neighbouring orders) leaks them into the +-1 bins of orders 2..3 away:
 * measured 0.19 V at h8 (0.08 % Un, above the Q3 floor of 0.025 % Un); bounded here at 0.1 % Un
 * (docs/power-quality.md, "Limits"). */
struct sg_ctx {
    unsigned n;
    double worst_sg, worst_leak; /* |error| / limit at h5, h13; |reading| elsewhere, V */
};

static void sg_sink(struct rig *r, const struct omp_pq_out *o)
{
    struct sg_ctx *q = r->ctx;
    const struct omp_pq_value *v = &o->interval;
    if ((o->have & OMP_PQ_HAVE_INTERVAL) == 0u || v->start_pos < 0.6 * r->fs) {
        return;
    }
    assert_true(v->harm_valid);
    q->n++;
    for (unsigned h = 2; h <= v->h_max; h++) {
        const double meas = v->harm_u_pct[h] / 100.0 * v->u1_v;
        if (h == 5u || h == 13u) {
            const double t = (double)(float)((h == 5u ? 0.02 : 0.01) * UN);
            q->worst_sg = fmax(q->worst_sg, fabs(meas - t) / (0.025 * t));
        } else {
            q->worst_leak = fmax(q->worst_leak, meas);
        }
    }
}

static void test_q3_subgroup_bins(void **state)
{
    (void)state;
    static const uint32_t fs[] = {4000u, 8000u};
    for (size_t j = 0; j < 2u; j++) {
        struct rig r;
        struct sg_ctx q = {0u, 0.0, 0.0};
        rig_init(&r, fs[j], 50.0, (float)UN, T0);
        rig_add_v(&r, 5.1f, (float)(0.02 * UN), 40.0f);
        rig_add_v(&r, 12.9f, (float)(0.01 * UN), 100.0f);
        r.sink = sg_sink;
        r.ctx = &q;
        rig_run(&r, 1.4);
        print_message("fs %u: subgroups h5, h13 at %.2f x the Q3 limit; other orders up to %.4f V\n",
                      fs[j], q.worst_sg, q.worst_leak);
        assert_true(q.n >= 3u);
        assert_true(q.worst_sg <= 1.0);
        assert_true(q.worst_leak <= 0.001 * UN);
    }
}

/* ---- Q1: frequency (pq_q1.h) ------------------------------------------------------------- */

static void test_q1_frequency(void **state)
{
    (void)state;
    static const double f[] = {42.5, 47.0, 50.0, 52.5, 57.5};
    for (size_t j = 0; j < sizeof f / sizeof f[0]; j++) {
        pq_q1_point(4000u, f[j], 0.0, 30.0, 0.005);
    }
    pq_q1_point(4000u, 49.0, 0.1, 30.0, 0.010); /* 0.1 Hz/s ramp: 49 .. 52 Hz */
}

/* ---- Q6: aggregation (pq_q6.h), 21 min across a 2-h tick --------------------------------- */

static void test_q6_short(void **state)
{
    (void)state;
    struct q6 q;
    q6_run(&q, T0 - 300, 1260.0, 1u);
    print_message("Q6 21 min: %u intervals, %u restarts, %u 10-min, %u 150-cycle (%u short), "
                  "%u 2-h; worst end off a true crossing %.4f samples\n", q.intervals, q.restarts,
                  q.n10, q.n150, q.n150_short, q.n2h, q.worst_cross);
    assert_int_equal(q.bad, 0);
    assert_int_equal(q.n10, 2);  /* ticks T0 and T0 + 600 */
    assert_int_equal(q.n2h, 1);  /* T0 */
    assert_int_equal(q.restarts, 2);
    assert_true(q.n150 >= 6300u / 15u);
    assert_true(q.n150_short >= 1u); /* 1500 and 3000 values +- the frequency's wander */
    assert_true(q.worst_cross <= 1.0);
    /* 1260 s at 49.8 .. 50.2 Hz in intervals of 10 cycles, plus one overlap per tick */
    assert_true(q.intervals >= 1260u * 498u / 100u - 2u && q.intervals <= 1260u * 502u / 100u + 2u);
}

/* ---- Q7: flagging, with cycle records of known periods ------------------------------------ */

struct flag_ctx {
    double ev_lo, ev_hi; /* the event's cycles, sample positions */
    unsigned n_iv, n_iv_flag, n_150_flag, n_10m_flag, n_2h_flag, n_2h, n_10m, n_f, n_f_flag;
    bool iv_ok, agg_ok;
};

static bool contains(const struct omp_pq_value *v, const struct flag_ctx *q)
{
    return v->start_pos < q->ev_hi && v->end_pos > q->ev_lo;
}

static void flag_check(struct flag_ctx *q, const struct omp_pq_out *o)
{
    if (o->have & OMP_PQ_HAVE_INTERVAL) {
        q->n_iv++;
        q->n_iv_flag += o->interval.flagged ? 1u : 0u;
        q->iv_ok = q->iv_ok && o->interval.flagged == contains(&o->interval, q);
    }
    if (o->have & OMP_PQ_HAVE_150) {
        q->n_150_flag += o->agg150.flagged ? 1u : 0u;
        q->agg_ok = q->agg_ok && o->agg150.flagged == contains(&o->agg150, q);
    }
    if (o->have & OMP_PQ_HAVE_10MIN) {
        q->n_10m++;
        q->n_10m_flag += o->agg10min.flagged ? 1u : 0u;
        q->agg_ok = q->agg_ok && o->agg10min.flagged == contains(&o->agg10min, q);
    }
    if (o->have & OMP_PQ_HAVE_FREQ) {
        q->n_f++;
        q->n_f_flag += o->freq.flagged ? 1u : 0u;
    }
    if (o->have & OMP_PQ_HAVE_2H) {
        q->n_2h++;
        q->n_2h_flag += o->agg2h.flagged ? 1u : 0u;
        q->agg_ok = q->agg_ok && o->agg2h.flagged == contains(&o->agg2h, q);
    }
}

static void test_q7_flagging(void **state)
{
    (void)state;
    /* 4 h 10 min of cycles at 50.01 Hz (no samples: harmonics not valid, all else is), from
     * 1 h 55 min before a 2-h tick; a 60 ms event (3 cycles) 3613 s into the run */
    struct omp_pq pq;
    struct omp_pq_cfg c = {4000u, 50u, T0 - 6900, 1e-4f, 1e-5f};
    assert_int_equal(omp_pq_init(&pq, &c), OMP_OK);
    struct flag_ctx q;
    memset(&q, 0, sizeof q);
    q.iv_ok = q.agg_ok = true;
    const double per = 4000.0 / 50.01;
    double pos = 0.37;
    for (uint32_t k = 0; pos < 15000.0 * 4000.0; k++) {
        pos += per;
        struct omp_cycle cy;
        memset(&cy, 0, sizeof cy);
        cy.seq = k;
        cy.end_sample = (uint64_t)ceil(pos);
        cy.end_frac = (float)(ceil(pos) - pos);
        cy.period_s = (float)(per / 4000.0);
        cy.f_hz = 50.01f;
        cy.urms_v = 230.0f;
        const bool ev = pos > 3613.0 * 4000.0 && pos <= 3613.0 * 4000.0 + 3.0 * per;
        if (ev) {
            q.ev_lo = q.ev_lo == 0.0 ? pos - per : q.ev_lo;
            q.ev_hi = pos;
        }
        struct omp_pq_out o;
        assert_int_equal(omp_pq_process(&pq, &cy, ev, &o), OMP_OK);
        flag_check(&q, &o);
    }
    assert_true(q.iv_ok);
    assert_true(q.agg_ok);
    assert_true(q.n_iv_flag >= 1u && q.n_iv_flag <= 2u); /* 3 cycles: one or two intervals */
    assert_int_equal(q.n_150_flag, 1);                   /* all in one 150-cycle block here */
    assert_int_equal(q.n_10m_flag, 1);
    assert_int_equal(q.n_2h, 2);
    assert_int_equal(q.n_2h_flag, 1);
    assert_int_equal(q.n_10m, 25);
    assert_int_equal(q.n_f, 1500);    /* 10-s values T0 - 6890 .. T0 + 8100 */
    assert_int_equal(q.n_f_flag, 1); /* the one of 3610 .. 3620 s */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_args),
        cmocka_unit_test(test_q2_magnitude),
        cmocka_unit_test(test_q3_single_4k),
        cmocka_unit_test(test_q3_single_8k),
        cmocka_unit_test(test_q3_q4_table),
        cmocka_unit_test(test_q3_subgroup_bins),
        cmocka_unit_test(test_q1_frequency),
        cmocka_unit_test(test_q6_short),
        cmocka_unit_test(test_q7_flagging),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

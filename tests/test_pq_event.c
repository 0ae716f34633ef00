/*
 * Unit tests of the PQ event detector (lib/pq/pq_event.c) on synthetic cycle records: thresholds,
 * hysteresis, EN 50160 cell edges (spec §2.3), interruption reporting, positions, the flagging
 * query, the sliding reference and RVC (IEC 61000-4-30 Ed.3 5.11).
 *
 * Records: fs 8000 Hz, 50 Hz, 160 samples per cycle, crossings on whole samples; refresh i (i >= 1)
 * lies at sample 80 i (record j carries refreshes 2j+1 at its half and 2j+2 at its end). So a
 * duration of n refreshes is n * 10 ms exactly, and every expected value below is hand-computed
 * from that grid and from Udin = 230 V (1 % = 2.3 V).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/pq_event.h"

#define FS   8000u
#define HALF 80u

static void near_impl(double a, double b, double tol, const char *expr, int line)
{
    if (!(fabs(a - b) <= tol)) {
        print_error("line %d: %s: %.9g vs %.9g (tol %.3g)\n", line, expr, a, b, tol);
        fail();
    }
}
#define assert_near(a, b, tol) near_impl((double)(a), (double)(b), (double)(tol), #a, __LINE__)

/* Feeder: keeps the refresh index and collects every note. */
struct feeder {
    struct omp_pq_ev d;
    uint64_t refresh; /* refreshes fed so far */
    float pending;    /* first value of a record not yet fed (NAN: none) */
    unsigned n_start, n_end;
    struct omp_pq_event start[16], end[16];
    uint8_t start_kind_last;
};

static void fd_init(struct feeder *f, const struct omp_pq_ev_cfg *cfg)
{
    memset(f, 0, sizeof *f);
    struct omp_pq_ev_cfg c;
    omp_pq_ev_cfg_default(&c);
    c.fs_hz = FS;
    c.mains_hz = 50u;
    if (cfg != NULL) {
        c = *cfg;
    }
    assert_int_equal(omp_pq_ev_init(&f->d, &c), OMP_OK);
    f->pending = NAN;
}

static void fd_collect(struct feeder *f, const struct omp_pq_ev_notes *n)
{
    for (unsigned k = 0; k < n->n; k++) {
        if (n->note[k] == OMP_PQ_NOTE_START) {
            if (f->n_start < 16u) {
                f->start[f->n_start] = n->ev[k];
            }
            f->n_start++;
        } else {
            if (f->n_end < 16u) {
                f->end[f->n_end] = n->ev[k];
            }
            f->n_end++;
        }
    }
}

/* One refresh of value @p u (a record goes in every second refresh). */
static void fd_put(struct feeder *f, float u)
{
    if (isnan(f->pending)) {
        f->pending = u;
        f->refresh++;
        return;
    }
    f->refresh++;
    struct omp_cycle c;
    memset(&c, 0, sizeof c);
    c.end_sample = f->refresh * HALF;
    c.end_frac = 0.0f;
    c.period_s = 0.02f;
    c.f_hz = 50.0f;
    c.urms_half_v[0] = f->pending;
    c.urms_half_v[1] = u;
    c.urms_v = u;
    struct omp_pq_ev_notes n;
    omp_pq_ev_on_cycle(&f->d, &c, &n);
    fd_collect(f, &n);
    f->pending = NAN;
}

static void fd_run(struct feeder *f, float u, unsigned n)
{
    for (unsigned k = 0; k < n; k++) {
        fd_put(f, u);
    }
}

/* Event of @p n refreshes at @p u between 230 V stretches; returns the END event. */
static struct omp_pq_event one_event(float u, unsigned n)
{
    struct feeder f;
    fd_init(&f, NULL);
    fd_run(&f, 230.0f, 10);
    fd_run(&f, u, n);
    fd_run(&f, 230.0f, 10);
    assert_int_equal(f.n_end, 1);
    assert_near(f.end[0].duration_s, (double)n * 0.01, 1e-6 * (1.0 + (double)n * 0.01)); /* float */
    return f.end[0];
}

static void test_cfg(void **state)
{
    (void)state;
    struct omp_pq_ev_cfg c;
    struct omp_pq_ev d;
    omp_pq_ev_cfg_default(&c);
    assert_near(c.udin_v, 230.0, 0.0);
    assert_near(c.dip_pct, 90.0, 0.0);
    assert_near(c.swell_pct, 110.0, 0.0);
    assert_near(c.intr_pct, 5.0, 0.0);
    assert_near(c.hyst_pct, 2.0, 0.0);
    assert_near(c.rvc_hyst_pct, c.rvc_pct / 2.0f, 0.0);
    assert_false(c.sliding_ref);
    assert_int_equal(omp_pq_ev_init(&d, &c), OMP_OK);
    assert_near(omp_pq_ev_reference(&d), 230.0, 0.0);
    assert_int_equal(omp_pq_ev_init(NULL, &c), OMP_ERR_ARG);
    struct omp_pq_ev_cfg bad = c;
    bad.udin_v = 0.0f;
    assert_int_equal(omp_pq_ev_init(&d, &bad), OMP_ERR_ARG);
    bad = c;
    bad.intr_pct = 95.0f;
    assert_int_equal(omp_pq_ev_init(&d, &bad), OMP_ERR_ARG);
    bad = c;
    bad.mains_hz = 55u;
    assert_int_equal(omp_pq_ev_init(&d, &bad), OMP_ERR_ARG);
    bad = c;
    bad.rvc_hyst_pct = 6.0f;
    assert_int_equal(omp_pq_ev_init(&d, &bad), OMP_ERR_ARG);
}

/* Spec §2.3 table: rows by residual, columns by duration; edges belong to the left column. */
static void test_cell_of_table(void **state)
{
    (void)state;
    assert_int_equal(omp_pq_cell_of(false, 0.2, 85.0f), OMP_PQ_CELL_A1);
    assert_int_equal(omp_pq_cell_of(false, 0.2000001, 85.0f), OMP_PQ_CELL_A1 + 1);
    assert_int_equal(omp_pq_cell_of(false, 0.01, 80.0f), OMP_PQ_CELL_A1);
    assert_int_equal(omp_pq_cell_of(false, 0.01, 79.99f), OMP_PQ_CELL_B1);
    assert_int_equal(omp_pq_cell_of(false, 60.0, 70.0f), OMP_PQ_CELL_B1 + 4);
    assert_int_equal(omp_pq_cell_of(false, 60.0, 40.0f), OMP_PQ_CELL_C1 + 4);
    assert_int_equal(omp_pq_cell_of(false, 60.01, 40.0f), OMP_PQ_CELL_NONE);
    assert_int_equal(omp_pq_cell_of(false, 5.0, 5.0f), OMP_PQ_CELL_D1 + 3);
    assert_int_equal(omp_pq_cell_of(false, 1.0, 4.99f), OMP_PQ_CELL_X1 + 2);
    assert_int_equal(omp_pq_cell_of(false, 0.009, 50.0f), OMP_PQ_CELL_NONE);
    assert_int_equal(omp_pq_cell_of(false, 1.0, 90.0f), OMP_PQ_CELL_NONE);
    assert_int_equal(omp_pq_cell_of(true, 0.5, 120.0f), OMP_PQ_CELL_S1);
    assert_int_equal(omp_pq_cell_of(true, 5.0, 119.9f), OMP_PQ_CELL_T1 + 1);
    assert_int_equal(omp_pq_cell_of(true, 60.0, 111.0f), OMP_PQ_CELL_T1 + 2);
    assert_int_equal(omp_pq_cell_of(true, 1.0, 110.0f), OMP_PQ_CELL_NONE);
    assert_int_equal(omp_pq_cell_of(true, 61.0, 130.0f), OMP_PQ_CELL_NONE);
    assert_string_equal(omp_pq_cell_name(OMP_PQ_CELL_A1), "A1");
    assert_string_equal(omp_pq_cell_name((enum omp_pq_cell)(OMP_PQ_CELL_X1 + 4)), "X5");
    assert_string_equal(omp_pq_cell_name((enum omp_pq_cell)(OMP_PQ_CELL_T1 + 2)), "T3");
    assert_string_equal(omp_pq_cell_name(OMP_PQ_CELL_NONE), "-");
    assert_string_equal(omp_pq_cell_name(OMP_PQ_CELL_COUNT), "-");
}

/* Duration edges through the detector: 20, 50, 100, 500, 6000 refreshes = 0.2, 0.5, 1, 5, 60 s. */
static void test_duration_edges(void **state)
{
    (void)state;
    static const unsigned n[5] = {20, 50, 100, 500, 6000};
    for (int col = 0; col < 5; col++) {
        struct omp_pq_event e = one_event(115.0f, n[col]); /* 50 %: row C */
        assert_int_equal(e.kind, OMP_PQ_EV_DIP);
        assert_int_equal(e.cell, OMP_PQ_CELL_C1 + col);
        assert_near(e.level_v, 115.0, 0.0);
        e = one_event(115.0f, n[col] + 1u);
        assert_int_equal(e.cell, col < 4 ? OMP_PQ_CELL_C1 + col + 1 : OMP_PQ_CELL_NONE);
    }
    assert_int_equal(one_event(115.0f, 1).cell, OMP_PQ_CELL_C1); /* 10 ms: first column */
    static const unsigned ns[3] = {50, 500, 6000};
    for (int col = 0; col < 3; col++) {
        struct omp_pq_event e = one_event(276.0f, ns[col]); /* 120 %: row S */
        assert_int_equal(e.kind, OMP_PQ_EV_SWELL);
        assert_int_equal(e.cell, OMP_PQ_CELL_S1 + col);
        e = one_event(276.0f, ns[col] + 1u);
        assert_int_equal(e.cell, col < 2 ? OMP_PQ_CELL_S1 + col + 1 : OMP_PQ_CELL_NONE);
    }
}

/* Residual edges: 184 V = 80 %, 161 V = 70 %, 92 V = 40 %, 11.5 V = 5 % of 230 V (exact). */
static void test_residual_edges(void **state)
{
    (void)state;
    assert_int_equal(one_event(184.0f, 10).cell, OMP_PQ_CELL_A1);
    assert_int_equal(one_event(183.9f, 10).cell, OMP_PQ_CELL_B1);
    assert_int_equal(one_event(161.0f, 10).cell, OMP_PQ_CELL_B1);
    assert_int_equal(one_event(160.9f, 10).cell, OMP_PQ_CELL_C1);
    assert_int_equal(one_event(92.0f, 10).cell, OMP_PQ_CELL_C1);
    assert_int_equal(one_event(91.9f, 10).cell, OMP_PQ_CELL_D1);
    struct omp_pq_event e = one_event(11.5f, 10);
    assert_int_equal(e.kind, OMP_PQ_EV_DIP);
    assert_int_equal(e.cell, OMP_PQ_CELL_D1);
    e = one_event(11.4f, 10);
    assert_int_equal(e.kind, OMP_PQ_EV_INTERRUPTION);
    assert_int_equal(e.cell, OMP_PQ_CELL_X1);
    e = one_event(253.1f, 10); /* 110.04 %: row T */
    assert_int_equal(e.kind, OMP_PQ_EV_SWELL);
    assert_int_equal(e.cell, OMP_PQ_CELL_T1);
    assert_near(e.level_v, 253.1, 1e-4);
}

/* Thresholds: 207 V is not a dip (< 90 % starts one), 253 V not a swell (> 110 %). */
static void test_thresholds_exact(void **state)
{
    (void)state;
    struct feeder f;
    fd_init(&f, NULL);
    fd_run(&f, 230.0f, 4);
    fd_run(&f, 207.0f, 20);
    fd_run(&f, 253.0f, 20);
    assert_int_equal(f.n_start, 0);
    fd_run(&f, 206.99f, 2); /* refreshes 45, 46 */
    assert_int_equal(f.n_start, 1);
    assert_int_equal(f.start[0].kind, OMP_PQ_EV_DIP);
    assert_int_equal(f.start[0].start.sample, 45u * HALF);
    assert_near(f.start[0].start.frac, 0.0, 0.0);
    assert_near(f.start[0].level_v, 206.99, 1e-4);
}

/* Hysteresis 2 %: 89 % / 91 % alternating is one dip; it ends at 92 % (211.6 V), not at 91 %.
 * Swell: 111 % / 109 % alternating is one swell, ends at 108 % (248.4 V). */
static void test_hysteresis(void **state)
{
    (void)state;
    struct feeder f;
    fd_init(&f, NULL);
    fd_run(&f, 230.0f, 4);
    for (int k = 0; k < 50; k++) {
        fd_put(&f, 204.7f); /* 89 % */
        fd_put(&f, 209.3f); /* 91 % */
    }
    assert_int_equal(f.n_start, 1);
    assert_int_equal(f.n_end, 0);
    assert_true(omp_pq_ev_active_since(&f.d, 0u));
    fd_run(&f, 211.5f, 3); /* just under 92 % */
    assert_int_equal(f.n_end, 0);
    fd_run(&f, 211.6f, 1);
    assert_int_equal(f.n_end, 1);
    assert_near(f.end[0].duration_s, 1.03, 1e-6);
    assert_near(f.end[0].level_v, 204.7, 1e-4);
    assert_int_equal(f.end[0].cell, OMP_PQ_CELL_A1 + 3); /* 89 %, 1 < 1.03 s <= 5 s: A4 */
}

/* Swell hysteresis and a dip that turns into a swell at the same refresh. */
static void test_swell_hysteresis_and_jump(void **state)
{
    (void)state;
    struct feeder f;
    fd_init(&f, NULL);
    fd_run(&f, 230.0f, 4);
    for (int k = 0; k < 20; k++) {
        fd_put(&f, 255.3f); /* 111 % */
        fd_put(&f, 250.7f); /* 109 % */
    }
    assert_int_equal(f.n_start, 1);
    assert_int_equal(f.n_end, 0);
    fd_run(&f, 248.4f, 2); /* 108 %: ends at refresh 45 */
    assert_int_equal(f.n_end, 1);
    assert_int_equal(f.end[0].kind, OMP_PQ_EV_SWELL);
    assert_near(f.end[0].level_v, 255.3, 1e-4);
    assert_near(f.end[0].duration_s, 0.40, 1e-6);
    fd_run(&f, 100.0f, 5);
    fd_run(&f, 280.0f, 5); /* dip ends and swell starts at the same refresh */
    fd_run(&f, 230.0f, 2);
    assert_int_equal(f.n_start, 3);
    assert_int_equal(f.n_end, 3);
    assert_int_equal(f.end[1].kind, OMP_PQ_EV_DIP);
    assert_int_equal(f.end[2].kind, OMP_PQ_EV_SWELL);
    assert_int_equal(f.start[2].start.sample, f.end[1].start.sample + 5u * HALF);
    assert_near(f.end[2].duration_s, 0.05, 1e-6);
}

/* The maximum of a swell is its highest refresh, the residual of a dip its lowest. */
static void test_extremes(void **state)
{
    (void)state;
    struct feeder f;
    fd_init(&f, NULL);
    fd_run(&f, 230.0f, 4);
    fd_run(&f, 260.0f, 3);
    fd_run(&f, 270.0f, 1);
    fd_run(&f, 265.0f, 4);
    fd_run(&f, 230.0f, 2);
    fd_run(&f, 150.0f, 3);
    fd_run(&f, 120.0f, 1);
    fd_run(&f, 140.0f, 3);
    fd_run(&f, 230.0f, 1);
    assert_int_equal(f.n_end, 2);
    assert_near(f.end[0].level_v, 270.0, 0.0);
    assert_near(f.end[0].duration_s, 0.08, 1e-6);
    assert_int_equal(f.end[0].cell, OMP_PQ_CELL_T1); /* 117.4 %: T1 */
    assert_near(f.end[1].level_v, 120.0, 0.0);
    assert_int_equal(f.end[1].cell, OMP_PQ_CELL_C1); /* 52.2 %: C1 */
}

/* A dip that deepens below 5 % is one interruption: START(dip), START(interruption), END. */
static void test_interruption_upgrade(void **state)
{
    (void)state;
    struct feeder f;
    fd_init(&f, NULL);
    fd_run(&f, 230.0f, 6);
    fd_run(&f, 150.0f, 3); /* dip starts at refresh 7 */
    fd_run(&f, 2.0f, 10);  /* below 11.5 V at refresh 10 */
    fd_run(&f, 230.0f, 3); /* ends at refresh 20 */
    assert_int_equal(f.n_start, 2);
    assert_int_equal(f.start[0].kind, OMP_PQ_EV_DIP);
    assert_int_equal(f.start[0].start.sample, 7u * HALF);
    assert_int_equal(f.start[1].kind, OMP_PQ_EV_INTERRUPTION);
    assert_int_equal(f.start[1].start.sample, 10u * HALF);
    assert_int_equal(f.n_end, 1);
    assert_int_equal(f.end[0].kind, OMP_PQ_EV_INTERRUPTION);
    assert_int_equal(f.end[0].start.sample, 7u * HALF);
    assert_near(f.end[0].duration_s, 0.13, 1e-6);
    assert_near(f.end[0].level_v, 2.0, 0.0);
    assert_int_equal(f.end[0].cell, OMP_PQ_CELL_X1);
    /* flagging query: active at or after sample 20*80 (the end refresh), not after it */
    assert_true(omp_pq_ev_active_since(&f.d, 0u));
    assert_true(omp_pq_ev_active_since(&f.d, 20u * HALF));
    assert_false(omp_pq_ev_active_since(&f.d, 20u * HALF + 1u));
}

/* Fractional positions: the half refresh lies period*fs/2 samples before the end crossing. */
static void test_positions(void **state)
{
    (void)state;
    struct omp_pq_ev d;
    struct omp_pq_ev_cfg c;
    omp_pq_ev_cfg_default(&c);
    c.fs_hz = 4000u;
    assert_int_equal(omp_pq_ev_init(&d, &c), OMP_OK);
    struct omp_cycle cy;
    memset(&cy, 0, sizeof cy);
    cy.end_sample = 1000u;
    cy.end_frac = 0.25f;
    cy.period_s = 0.0201f; /* 80.4 samples: half = 40.2 */
    cy.urms_half_v[0] = 100.0f;
    cy.urms_half_v[1] = 100.0f;
    struct omp_pq_ev_notes n;
    omp_pq_ev_on_cycle(&d, &cy, &n);
    assert_int_equal(n.n, 1);
    assert_int_equal(n.note[0], OMP_PQ_NOTE_START);
    /* 1000 - 0.25 - 40.2 = 959.55 -> sample 960, frac 0.45 */
    assert_int_equal(n.ev[0].start.sample, 960u);
    assert_near(n.ev[0].start.frac, 0.45, 1e-4);
    cy.end_sample = 1080u;
    cy.urms_half_v[0] = 230.0f;
    cy.urms_half_v[1] = 230.0f;
    omp_pq_ev_on_cycle(&d, &cy, &n);
    assert_int_equal(n.n, 1);
    assert_int_equal(n.note[0], OMP_PQ_NOTE_END);
    /* end at 1080 - 0.25 - 40.2 = 1039.55: 80 samples = 20 ms */
    assert_near(n.ev[0].duration_s, 0.02, 1e-6);
    omp_pq_ev_on_cycle(&d, NULL, &n);
    assert_int_equal(n.n, 0);
}

/* RVC: 2 s steady at 230 V, step to 218 V (-12 V > 11.5 V, above the 207 V dip threshold), 2 s. */
static void test_rvc_step(void **state)
{
    (void)state;
    struct feeder f;
    fd_init(&f, NULL);
    fd_run(&f, 230.0f, 200);
    fd_run(&f, 218.0f, 200);
    assert_int_equal(f.n_start, 0);
    assert_int_equal(f.n_end, 1);
    assert_int_equal(f.end[0].kind, OMP_PQ_EV_RVC);
    assert_int_equal(f.end[0].start.sample, 201u * HALF);
    assert_near(f.end[0].level_v, 12.0, 1e-4);
    assert_near(f.end[0].delta_ss_v, 12.0, 1e-3);
    assert_near(f.end[0].duration_s, 0.0, 1e-6);
    assert_false(omp_pq_ev_active_since(&f.d, 0u)); /* RVC does not flag */
    /* back up with an overshoot: 230 V (12 V off the 218 V mean: start), 242 V (leaves the
     * 2.5 % = 5.75 V band of 230 V), then 230 V: the new steady state begins at the third
     * refresh, so the duration is 20 ms; delta Umax = 242 - 218 = 24 V, delta Uss = 12 V */
    fd_run(&f, 230.0f, 1);
    fd_run(&f, 242.0f, 1);
    fd_run(&f, 230.0f, 200);
    assert_int_equal(f.n_end, 2);
    assert_int_equal(f.end[1].start.sample, 401u * HALF);
    assert_near(f.end[1].level_v, 24.0, 1e-3);
    assert_near(f.end[1].delta_ss_v, 12.0, 1e-3);
    assert_near(f.end[1].duration_s, 0.02, 1e-6);
}

/* No RVC: a 4 % step (9.2 V < 11.5 V); a step into a dip; no steady state before the change. */
static void test_rvc_none(void **state)
{
    (void)state;
    struct feeder f;
    fd_init(&f, NULL);
    fd_run(&f, 230.0f, 200);
    fd_run(&f, 220.8f, 200);
    assert_int_equal(f.n_end, 0);
    fd_run(&f, 200.0f, 20); /* -8.8 % of the mean but below 207 V: a dip, no RVC */
    fd_run(&f, 230.0f, 300);
    assert_int_equal(f.n_end, 1);
    assert_int_equal(f.end[0].kind, OMP_PQ_EV_DIP);
    fd_init(&f, NULL);
    fd_run(&f, 230.0f, 150); /* 1.5 s only at 100 refreshes per second: steady */
    fd_run(&f, 216.0f, 50);  /* only 0.5 s at the new level: still in the RVC */
    assert_int_equal(f.n_end, 0);
    fd_init(&f, NULL);
    fd_run(&f, 230.0f, 99); /* 99 values: no steady state yet */
    fd_run(&f, 216.0f, 300);
    assert_int_equal(f.n_end, 0);
}

/* A steady supply for 30 min (180 000 refreshes, more than the run's 16-bit count and more than
 * a float sum of 230 V values holds to the volt): no RVC; a 12 V step after it is one, with the
 * steady mean still 230 V (values alternate 229.9 / 230.1 V: mean 230.0 by construction). */
static void test_rvc_long_steady(void **state)
{
    (void)state;
    struct feeder f;
    fd_init(&f, NULL);
    for (unsigned k = 0; k < 90000u; k++) {
        fd_run(&f, 229.9f, 1);
        fd_run(&f, 230.1f, 1);
    }
    assert_int_equal(f.n_end, 0);
    fd_run(&f, 218.0f, 200);
    assert_int_equal(f.n_end, 1);
    assert_int_equal(f.end[0].kind, OMP_PQ_EV_RVC);
    assert_near(f.end[0].level_v, 12.0, 0.11);
    assert_near(f.end[0].delta_ss_v, 12.0, 0.11);
}

/* Sliding reference: Usr(n) = 0.9967 Usr(n-1) + 0.0033 U10 per 10 cycles. From 230 V at 220 V:
 * after n blocks Usr = 220 + 10 * 0.9967^n; n = 300 (60 s): 220 + 10 * 0.37128 = 223.71 V. */
static void test_sliding_reference(void **state)
{
    (void)state;
    struct omp_pq_ev_cfg c;
    omp_pq_ev_cfg_default(&c);
    c.fs_hz = FS;
    c.sliding_ref = true;
    struct feeder f;
    fd_init(&f, &c);
    fd_run(&f, 220.0f, 6000); /* 3000 cycles = 300 blocks */
    double expect = 220.0 + 10.0 * pow(0.9967, 300.0);
    assert_near(omp_pq_ev_reference(&f.d), expect, 0.01);
    /* 90 % of 223.71 = 201.34 V: 202 V is no dip with the sliding reference */
    fd_run(&f, 202.0f, 4);
    assert_int_equal(f.n_start, 0);
    fd_run(&f, 201.0f, 2);
    assert_int_equal(f.n_start, 1);
    assert_near(f.start[0].ref_v, expect, 0.01);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cfg),
        cmocka_unit_test(test_cell_of_table),
        cmocka_unit_test(test_duration_edges),
        cmocka_unit_test(test_residual_edges),
        cmocka_unit_test(test_thresholds_exact),
        cmocka_unit_test(test_hysteresis),
        cmocka_unit_test(test_swell_hysteresis_and_jump),
        cmocka_unit_test(test_extremes),
        cmocka_unit_test(test_interruption_upgrade),
        cmocka_unit_test(test_positions),
        cmocka_unit_test(test_rvc_step),
        cmocka_unit_test(test_rvc_none),
        cmocka_unit_test(test_rvc_long_steady),
        cmocka_unit_test(test_sliding_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

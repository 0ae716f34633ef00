/*
 * Q5 (spec §4) through the public API, representative points: generator -> metrology engine ->
 * PQ event detector (tests/pq_q5.h says how the truth is computed and what is checked). The full
 * grid runs in tests/test_pq_event_slow.c. Also through the engine: no chatter at 89-91 % (the
 * 2 % hysteresis) and one rapid voltage change.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "pq_q5.h"

static const double k_levels[8] = {0.87, 0.75, 0.50, 0.20, 0.03, 0.0, 1.15, 1.25};

static void print_fails(const char *name, unsigned points, const struct q5_fails *f)
{
    printf("%s: %u points; failures: presence %u, timing %u, duration %u, kind %u, level %u, "
           "cell %u, u = 0 %u; worst onset-to-event %.2f ms, worst level error %.3f V\n",
           name, points, f->presence, f->timing, f->duration, f->kind, f->level, f->cell,
           f->nocross, f->worst_onset_ms, f->worst_level_v);
}

/* Level, cell and u = 0 failures the metrology engine caused (docs/pq-events.md "Q5 results"):
 * none left at these points since its Urms(1/2) takes one DC per window and refreshes at the
 * nominal half period without crossings. A ratchet: never raise these. */
#define Q5_KNOWN_LEVEL   0u
#define Q5_KNOWN_CELL    0u
#define Q5_KNOWN_NOCROSS 0u

/* Every level, three onsets, four durations (10 ms, 50 ms, 350 ms, 1.5 s), at 4 kHz. */
static void test_q5_representative(void **state)
{
    (void)state;
    static const double durs[4] = {0.01, 0.05, 0.35, 1.5};
    static const double phases[3] = {0.0, 45.0, 90.0};
    struct q5_fails f;
    memset(&f, 0, sizeof f);
    unsigned points = 0;
    for (unsigned i = 0; i < 8u; i++) {
        for (unsigned j = 0; j < 4u; j++) {
            for (unsigned k = 0; k < 3u; k++) {
                struct q5_point p = {4000u, k_levels[i], durs[j], phases[k]};
                q5_check(&p, &f);
                points++;
            }
        }
    }
    print_fails("q5 representative", points, &f);
    assert_int_equal(f.presence + f.timing + f.duration + f.kind, 0);
    assert_true(f.level <= Q5_KNOWN_LEVEL);
    assert_true(f.cell <= Q5_KNOWN_CELL);
    assert_true(f.nocross <= Q5_KNOWN_NOCROSS);
}

/* Long events and 8 kHz: 30 s dip to 50 % (C5), 10 s swell to 125 % (S3), 0.75 s at 20 % (D3). */
static void test_q5_long_and_8k(void **state)
{
    (void)state;
    static const struct q5_point pts[] = {
        {4000u, 0.50, 30.0, 45.0}, {4000u, 1.25, 10.0, 90.0}, {8000u, 0.20, 0.75, 0.0},
        {8000u, 0.0, 0.35, 0.0},   {8000u, 1.15, 0.05, 45.0},
    };
    struct q5_fails f;
    memset(&f, 0, sizeof f);
    for (size_t k = 0; k < sizeof pts / sizeof pts[0]; k++) {
        q5_check(&pts[k], &f);
    }
    print_fails("q5 long and 8 kHz", (unsigned)(sizeof pts / sizeof pts[0]), &f);
    assert_int_equal(f.presence + f.timing + f.duration + f.kind + f.level + f.cell, 0);
}

/* 91 % from 1 s to 3 s with seven 100-ms stretches at 89 % inside it: one dip (start below 90 %,
 * never back to 92 %), ending when 100 % returns at 3 s, so about 1.9 s long (A4). */
static void test_q5_no_chatter(void **state)
{
    (void)state;
    struct omp_wave w;
    struct omp_adc_model adc;
    q5_adc(&adc);
    omp_wave_init_sine(&w, 4000.0, Q5_F, (float)Q5_UDIN, 1.0f, 0.0f, &adc);
    w.v.steps[0] = (struct omp_wave_step){1.0, 3.0, 0.91f};
    for (unsigned k = 0; k < 7u; k++) {
        double t0 = 1.1 + 0.2 * k;
        w.v.steps[1u + k] = (struct omp_wave_step){t0, t0 + 0.1, 0.89f / 0.91f};
    }
    w.v.n_steps = 8u;
    struct omp_metro_cfg mc;
    omp_metro_cfg_default(&mc);
    mc.fs_hz = 4000u;
    mc.mains_hz = 50u;
    struct omp_metro_cal cal;
    omp_metro_cal_nominal(&cal, 400.0f, 170.0f);
    static struct omp_metro metro;
    assert_int_equal(omp_metro_init(&metro, &mc, &cal, NULL), OMP_OK);
    struct omp_pq_ev_cfg ec;
    omp_pq_ev_cfg_default(&ec);
    ec.fs_hz = 4000u;
    ec.mains_hz = 50u;
    struct omp_pq_ev d;
    assert_int_equal(omp_pq_ev_init(&d, &ec), OMP_OK);
    int32_t buf[80];
    unsigned starts = 0, ends = 0;
    struct omp_pq_event last;
    memset(&last, 0, sizeof last);
    for (unsigned n = 0; n < 4u * 4000u; n += 40u) {
        omp_wave_fill(&w, buf, 40u);
        omp_metro_on_samples(&metro, buf, 40u, NULL);
        struct omp_cycle c;
        while (omp_metro_cycle_pop(&metro, &c) == OMP_OK) {
            struct omp_pq_ev_notes notes;
            omp_pq_ev_on_cycle(&d, &c, &notes);
            for (unsigned k = 0; k < notes.n; k++) {
                if (notes.note[k] == OMP_PQ_NOTE_START) {
                    starts++;
                } else {
                    ends++;
                    last = notes.ev[k];
                }
            }
        }
    }
    assert_int_equal(starts, 1);
    assert_int_equal(ends, 1);
    assert_int_equal(last.kind, OMP_PQ_EV_DIP);
    /* starts in the first 89 % stretch (1.1 .. 1.12 s), ends at 3.0 .. 3.02 s */
    assert_true(last.duration_s > 1.88f && last.duration_s < 1.92f);
    assert_true(fabsf(last.level_v - 0.89f * 230.0f) <= 0.46f);
    assert_string_equal(omp_pq_cell_name((enum omp_pq_cell)last.cell), "A4");
}

/* RVC: 230 V -> 218 V (-5.2 %: more than the 5 % threshold, above the 90 % dip threshold) held for
 * 3 s after 2 s steady: one RVC, delta Umax and delta Uss 12 V (+-0.46 V), no dip. */
static void test_q5_rvc(void **state)
{
    (void)state;
    struct omp_wave w;
    struct omp_adc_model adc;
    q5_adc(&adc);
    omp_wave_init_sine(&w, 4000.0, Q5_F, (float)Q5_UDIN, 1.0f, 0.0f, &adc);
    w.v.steps[0] = (struct omp_wave_step){2.0, 10.0, 218.0f / 230.0f};
    w.v.n_steps = 1u;
    struct omp_metro_cfg mc;
    omp_metro_cfg_default(&mc);
    mc.fs_hz = 4000u;
    mc.mains_hz = 50u;
    struct omp_metro_cal cal;
    omp_metro_cal_nominal(&cal, 400.0f, 170.0f);
    static struct omp_metro metro;
    assert_int_equal(omp_metro_init(&metro, &mc, &cal, NULL), OMP_OK);
    struct omp_pq_ev_cfg ec;
    omp_pq_ev_cfg_default(&ec);
    ec.fs_hz = 4000u;
    ec.mains_hz = 50u;
    struct omp_pq_ev d;
    assert_int_equal(omp_pq_ev_init(&d, &ec), OMP_OK);
    int32_t buf[80];
    unsigned n_rvc = 0, n_other = 0;
    struct omp_pq_event rvc;
    memset(&rvc, 0, sizeof rvc);
    for (unsigned n = 0; n < 5u * 4000u; n += 40u) {
        omp_wave_fill(&w, buf, 40u);
        omp_metro_on_samples(&metro, buf, 40u, NULL);
        struct omp_cycle c;
        while (omp_metro_cycle_pop(&metro, &c) == OMP_OK) {
            struct omp_pq_ev_notes notes;
            omp_pq_ev_on_cycle(&d, &c, &notes);
            for (unsigned k = 0; k < notes.n; k++) {
                if (notes.ev[k].kind == OMP_PQ_EV_RVC) {
                    n_rvc++;
                    rvc = notes.ev[k];
                } else {
                    n_other++;
                }
            }
        }
    }
    assert_int_equal(n_other, 0);
    assert_int_equal(n_rvc, 1);
    assert_true(fabsf(rvc.level_v - 12.0f) <= 0.46f);
    assert_true(fabsf(rvc.delta_ss_v - 12.0f) <= 0.46f);
    double t = ((double)rvc.start.sample - (double)rvc.start.frac) / 4000.0;
    assert_true(t > 2.0 && t <= 2.02 + 0.0005); /* first refresh after the change (+1 sample) */
    assert_true(rvc.duration_s <= 0.0205f);     /* the one-cycle window's transition */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_q5_representative),
        cmocka_unit_test(test_q5_long_and_8k),
        cmocka_unit_test(test_q5_no_chatter),
        cmocka_unit_test(test_q5_rvc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

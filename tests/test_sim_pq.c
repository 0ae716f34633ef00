/*
 * Tests of omnipower-sim's power-quality output (ports/posix/sim_pq.c): the ISO 8601 times with
 * milliseconds, the kind names and the display line of an event, and the `pq` JSON member and
 * the weekly report of a meter that has measured nothing yet (nulls, no events, no week).
 * Expected texts are written by hand from the formats in docs/simulator.md.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/sim_pq.h"

#define T_2026_01_05 1767571200.0 /* Monday 2026-01-05T00:00:00Z */

static void test_iso_ms(void **state)
{
    (void)state;
    char b[32];
    assert_int_equal(sim_pq_iso_ms(T_2026_01_05 + 600.012, b, sizeof b), 0);
    assert_string_equal(b, "2026-01-05T00:10:00.012Z");
    assert_int_equal(sim_pq_iso_ms(T_2026_01_05, b, sizeof b), 0);
    assert_string_equal(b, "2026-01-05T00:00:00.000Z");
    /* rounded to the nearest millisecond, carrying into the seconds */
    assert_int_equal(sim_pq_iso_ms(T_2026_01_05 + 59.9996, b, sizeof b), 0);
    assert_string_equal(b, "2026-01-05T00:01:00.000Z");
    assert_int_equal(sim_pq_iso_ms(T_2026_01_05 + 1.0004, b, sizeof b), 0);
    assert_string_equal(b, "2026-01-05T00:00:01.000Z");
    assert_int_equal(sim_pq_iso_ms(T_2026_01_05 + 1.9994, b, sizeof b), 0);
    assert_string_equal(b, "2026-01-05T00:00:01.999Z");
    assert_int_equal(sim_pq_iso_ms(0.5, b, sizeof b), 0);
    assert_string_equal(b, "1970-01-01T00:00:00.500Z");
    /* 24 characters and the NUL: a buffer of 24 is too small; bad times are refused */
    assert_int_equal(sim_pq_iso_ms(T_2026_01_05, b, 24u), -1);
    assert_int_equal(sim_pq_iso_ms(T_2026_01_05, b, 25u), 0);
    assert_int_equal(sim_pq_iso_ms(-1.0, b, sizeof b), -1);
    assert_int_equal(sim_pq_iso_ms((double)INFINITY, b, sizeof b), -1);
    assert_int_equal(sim_pq_iso_ms(T_2026_01_05, NULL, sizeof b), -1);
}

static void test_kind_names(void **state)
{
    (void)state;
    assert_string_equal(sim_pq_kind_name(OMP_PQ_EV_DIP), "dip");
    assert_string_equal(sim_pq_kind_name(OMP_PQ_EV_SWELL), "swell");
    assert_string_equal(sim_pq_kind_name(OMP_PQ_EV_INTERRUPTION), "interruption");
    assert_string_equal(sim_pq_kind_name(OMP_PQ_EV_RVC), "rvc");
    assert_null(sim_pq_kind_name(OMP_PQ_EV_NONE));
    assert_null(sim_pq_kind_name(5u));
}

static void test_line(void **state)
{
    (void)state;
    char b[128];
    struct sim_pq_event e = {T_2026_01_05 + 600.012, 0.3f, 92.0f, OMP_PQ_EV_DIP,
                             OMP_PQ_CELL_C1 + 1u};
    assert_int_equal(sim_pq_line(&e, b, sizeof b), 0);
    assert_string_equal(b, "PQ dip 2026-01-05T00:10:00.012Z 0.300 s residual 92.0 V cell C2");
    e = (struct sim_pq_event){T_2026_01_05 + 1.5, 2.0f, 264.5f, OMP_PQ_EV_SWELL,
                              OMP_PQ_CELL_T1 + 1u};
    assert_int_equal(sim_pq_line(&e, b, sizeof b), 0);
    assert_string_equal(b, "PQ swell 2026-01-05T00:00:01.500Z 2.000 s max 264.5 V cell T2");
    e = (struct sim_pq_event){T_2026_01_05, 1.25f, 15.0f, OMP_PQ_EV_RVC, OMP_PQ_CELL_NONE};
    assert_int_equal(sim_pq_line(&e, b, sizeof b), 0);
    assert_string_equal(b, "PQ rvc 2026-01-05T00:00:00.000Z 1.250 s delta max 15.0 V cell -");
    e.kind = OMP_PQ_EV_NONE;
    assert_int_equal(sim_pq_line(&e, b, sizeof b), -1);
    e.kind = OMP_PQ_EV_INTERRUPTION;
    assert_int_equal(sim_pq_line(&e, b, 20u), -1); /* too small */
}

/* Write with @p fn into a memory file and return the text (heap). */
static char *capture(void (*fn)(FILE *, const struct omp_meter *), const struct omp_meter *m)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    fn(f, m);
    assert_int_equal(fclose(f), 0);
    return text;
}

static void json_fresh(FILE *f, const struct omp_meter *m)
{
    struct sim_pq p;
    memset(&p, 0, sizeof p);
    sim_pq_json(f, &p, m, 8000u);
}

static void report_fresh(FILE *f, const struct omp_meter *m)
{
    sim_pq_report(f, m, (int64_t)T_2026_01_05, (int64_t)T_2026_01_05 + 60);
}

static void test_fresh_meter(void **state)
{
    (void)state;
    struct omp_meter *m = calloc(1, sizeof *m); /* nothing measured: no values, no week */
    assert_non_null(m);
    char *j = capture(json_fresh, m);
    assert_string_equal(j, "\"pq\":{\"interval\":null,\"ten_min\":null,\"events\":[]}");
    free(j);
    char *r = capture(report_fresh, m);
    assert_string_equal(r, "{\"standard\":\"EN 50160\",\"run\":{\"start\":\"2026-01-05T00:00:00Z\","
                           "\"end\":\"2026-01-05T00:01:00Z\"},\"weeks\":[]}\n");
    free(r);
    struct sim_pq p;
    memset(&p, 0, sizeof p);
    assert_int_equal(sim_pq_collect(&p, m, stdout, NULL), 0u);
    assert_int_equal(p.n, 0u);
    sim_pq_free(&p);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iso_ms),
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test(test_line),
        cmocka_unit_test(test_fresh_meter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Tests of the small parts of the POSIX port: display line format, real and simulated clocks,
 * clock sets through rtc_set, critical-section nesting, entropy, outputs/relay/pulses, and the
 * display op printing to a FILE.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/port_posix.h"

static void test_display_format(void **state)
{
    (void)state;
    char out[96];
    struct omp_display_frame f = { .id = "1.8.0", .value = "0000012.34", .unit = "kWh",
                                   .symbols = OMP_SYM_SUPPLY | OMP_SYM_IMPORT };
    assert_int_equal(omp_posix_display_format(&f, out, sizeof out), OMP_OK);
    assert_string_equal(out, "[1.8.0]  0000012.34 kWh  L1 +A");

    f.symbols = OMP_SYM_SUPPLY | OMP_SYM_LOAD | OMP_SYM_EXPORT | OMP_SYM_Q_CAPACITIVE |
                (2u << OMP_SYM_TARIFF_SHIFT) | OMP_SYM_ALARM | OMP_SYM_COMM | OMP_SYM_RELAY_OPEN;
    assert_int_equal(omp_posix_display_format(&f, out, sizeof out), OMP_OK);
    assert_string_equal(out, "[1.8.0]  0000012.34 kWh  L1 LOAD -A -R T2 ALARM COMM OPEN");

    struct omp_display_frame bare = { .id = "0.9.1", .value = "12:00:00", .unit = "",
                                      .symbols = 0 };
    assert_int_equal(omp_posix_display_format(&bare, out, sizeof out), OMP_OK);
    assert_string_equal(out, "[0.9.1]  12:00:00");
    struct omp_display_frame labelled = { .id = "1.6.0", .value = "05.123", .unit = "kW",
                                          .symbols = 0, .text = "P+M" };
    assert_int_equal(omp_posix_display_format(&labelled, out, sizeof out), OMP_OK);
    assert_string_equal(out, "[1.6.0]  P+M  05.123 kW");
    struct omp_display_frame nulls = { .id = NULL, .value = NULL, .unit = NULL, .symbols = 0 };
    assert_int_equal(omp_posix_display_format(&nulls, out, sizeof out), OMP_OK);
    assert_string_equal(out, "[]  ");

    /* too small: nothing half-written */
    assert_int_equal(omp_posix_display_format(&f, out, 10), OMP_ERR_NOSPACE);
    assert_string_equal(out, "");
    assert_int_equal(omp_posix_display_format(NULL, out, sizeof out), OMP_ERR_ARG);
    assert_int_equal(omp_posix_display_format(&f, NULL, 10), OMP_ERR_ARG);
}

static void test_display_op_prints_line(void **state)
{
    (void)state;
    struct omp_posix_port p;
    omp_posix_port_init(&p);
    omp_posix_clock_init_sim(&p.clock, 1767225600); /* 2026-01-01T00:00:00Z */
    char buf[256];
    memset(buf, 0, sizeof buf);
    FILE *mem = fmemopen(buf, sizeof buf, "w");
    assert_non_null(mem);
    p.display_out = mem;
    p.display_utc_prefix = true;
    struct omp_hal hal = omp_posix_port_hal(&p);
    struct omp_display_frame f = { .id = "1.8.0", .value = "0000000.01", .unit = "kWh",
                                   .symbols = OMP_SYM_SUPPLY };
    hal.ops->display_show(hal.user, &f);
    p.display_utc_prefix = false;
    hal.ops->display_show(hal.user, &f);
    assert_int_equal(fclose(mem), 0);
    assert_string_equal(buf, "2026-01-01T00:00:00Z  [1.8.0]  0000000.01 kWh  L1\n"
                             "[1.8.0]  0000000.01 kWh  L1\n");
    assert_int_equal(p.display.shown, 2u);
    assert_string_equal(p.display.id, "1.8.0");
    omp_posix_port_close(&p);
}

static void test_sim_clock(void **state)
{
    (void)state;
    struct omp_posix_clock c;
    omp_posix_clock_init_sim(&c, 1767225600);
    struct omp_now n;
    assert_int_equal(omp_posix_clock_now(&c, &n), OMP_OK);
    assert_int_equal(n.mono_ms, 0u);
    assert_int_equal(n.utc_s, 1767225600);
    assert_int_equal(n.utc_ms, 0u);
    assert_true(n.rtc_valid);
    omp_posix_clock_advance_ms(&c, 1500);
    assert_int_equal(omp_posix_clock_now(&c, &n), OMP_OK);
    assert_int_equal(n.mono_ms, 1500u);
    assert_int_equal(n.utc_s, 1767225601);
    assert_int_equal(n.utc_ms, 500u);
    /* a clock set moves UTC only */
    assert_int_equal(omp_posix_clock_set_utc(&c, 1767225000), OMP_OK);
    assert_int_equal(omp_posix_clock_now(&c, &n), OMP_OK);
    assert_int_equal(n.mono_ms, 1500u);
    assert_int_equal(n.utc_s, 1767225000);
    assert_int_equal(n.utc_ms, 0u);
    omp_posix_clock_advance_ms(&c, 600);
    assert_int_equal(omp_posix_clock_now(&c, &n), OMP_OK);
    assert_int_equal(n.utc_s, 1767225000);
    assert_int_equal(n.utc_ms, 600u);
    assert_int_equal(omp_posix_clock_now(NULL, &n), OMP_ERR_ARG);
}

static void test_real_clock(void **state)
{
    (void)state;
    struct omp_posix_clock c;
    omp_posix_clock_init_real(&c);
    struct omp_now a, b;
    omp_time_s wall = 0;
    assert_int_equal(omp_posix_wall_utc(&wall, NULL), OMP_OK);
    assert_int_equal(omp_posix_clock_now(&c, &a), OMP_OK);
    assert_true(a.utc_s >= wall && a.utc_s <= wall + 2);
    assert_true(a.mono_ms < 1000u);
    omp_posix_clock_advance_ms(&c, 100000); /* no effect on a real clock */
    assert_int_equal(omp_posix_clock_now(&c, &b), OMP_OK);
    assert_true(b.mono_ms >= a.mono_ms && b.mono_ms < 1000u);
    uint64_t t0 = omp_posix_mono_ns();
    uint64_t t1 = omp_posix_mono_ns();
    assert_true(t1 >= t0);

    /* rtc_set through the HAL shifts UTC, not the monotonic clock */
    struct omp_posix_port p;
    omp_posix_port_init(&p);
    struct omp_hal hal = omp_posix_port_hal(&p);
    assert_int_equal(hal.ops->rtc_set(hal.user, 946684800), OMP_OK); /* 2000-01-01 */
    assert_int_equal(omp_posix_clock_now(&p.clock, &b), OMP_OK);
    assert_true(b.utc_s >= 946684800 && b.utc_s <= 946684802);
    assert_int_equal(p.rtc_set_calls, 1u);
    omp_posix_port_close(&p);
}

static void test_crit_nesting(void **state)
{
    (void)state;
    struct omp_posix_port p;
    omp_posix_port_init(&p);
    struct omp_hal hal = omp_posix_port_hal(&p);
    uint32_t s1 = hal.ops->crit_enter(hal.user);
    uint32_t s2 = hal.ops->crit_enter(hal.user);
    assert_int_equal(p.crit_depth, 2u);
    hal.ops->crit_exit(hal.user, s2);
    assert_int_equal(p.crit_depth, 1u);
    hal.ops->crit_exit(hal.user, s1);
    assert_int_equal(p.crit_depth, 0u);
    assert_int_equal(p.crit_max_depth, 2u);
    omp_posix_port_close(&p);
}

static void test_entropy_and_outputs(void **state)
{
    (void)state;
    struct omp_posix_port p;
    omp_posix_port_init(&p);
    struct omp_hal hal = omp_posix_port_hal(&p);
    uint8_t a[32], b[32];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    assert_int_equal(hal.ops->entropy(hal.user, a, sizeof a), OMP_OK);
    assert_int_equal(hal.ops->entropy(hal.user, b, sizeof b), OMP_OK);
    assert_memory_not_equal(a, b, sizeof a); /* 2^-256 to fail */
    assert_int_equal(hal.ops->entropy(hal.user, NULL, 1), OMP_ERR_ARG);

    assert_non_null(hal.ops->aead_gcm); /* mbed TLS: tests/test_posix_crypto.c */
    assert_non_null(hal.ops->sha256_start);

    hal.ops->pulse_start(hal.user, OMP_PULSE_LED_ACTIVE, 30);
    hal.ops->pulse_start(hal.user, OMP_PULSE_LED_ACTIVE, 30);
    assert_int_equal(p.pulses[OMP_PULSE_LED_ACTIVE], 2u);
    assert_int_equal(hal.ops->output_set(hal.user, OMP_OUTPUT_IO2, true), OMP_OK);
    assert_true(p.outputs[OMP_OUTPUT_IO2]);
    assert_int_equal(hal.ops->output_set(hal.user, OMP_OUTPUT_COUNT, true), OMP_ERR_ARG);
    bool closed = false;
    assert_int_equal(hal.ops->relay_sense(hal.user, &closed), OMP_OK);
    assert_true(closed);
    assert_int_equal(hal.ops->relay_drive(hal.user, OMP_RELAY_OPEN), OMP_OK);
    assert_int_equal(hal.ops->relay_sense(hal.user, &closed), OMP_OK);
    assert_false(closed);
    uint32_t bits = 99;
    assert_int_equal(hal.ops->tamper_read(hal.user, &bits), OMP_OK);
    assert_int_equal(bits, 0u);
    /* no NVM chosen yet */
    struct omp_nvm_geometry g;
    assert_int_equal(hal.ops->nvm_geometry(hal.user, &g), OMP_ERR_STATE);
    omp_posix_port_close(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_display_format),
        cmocka_unit_test(test_display_op_prints_line),
        cmocka_unit_test(test_sim_clock),
        cmocka_unit_test(test_real_clock),
        cmocka_unit_test(test_crit_nesting),
        cmocka_unit_test(test_entropy_and_outputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

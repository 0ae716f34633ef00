/*
 * Core event queue (omnipower/evq.h): fill, wrap of the ring and of the 32-bit sequence,
 * overwrite of the oldest with the per-reader missed count, two readers at different speeds,
 * empty reads, NULL arguments. Expected values come from the test's own count of what it pushed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/evq.h"

#define DEPTH ((uint32_t)OMP_CONFIG_EVQ_DEPTH)

/* Event number n of a test: every field derived from n, so a read can be checked alone. */
static struct omp_event ev_n(uint32_t n)
{
    struct omp_event e;
    memset(&e, 0, sizeof e);
    e.code = (uint16_t)(n % 2u == 0u ? OMP_EV_POWER_DOWN : OMP_EV_CLOCK_SET);
    e.flags = (uint16_t)(n & 0xFFFFu);
    e.arg = n * 7u + 1u;
    e.utc_s = (omp_time_s)1700000000 + (omp_time_s)n * 4294967296; /* uses the high half too */
    return e;
}

static void assert_ev_n(const struct omp_event *e, uint32_t n)
{
    struct omp_event want = ev_n(n);
    assert_int_equal(e->code, want.code);
    assert_int_equal(e->flags, want.flags);
    assert_int_equal(e->arg, want.arg);
    assert_true(e->utc_s == want.utc_s);
}

static void push_n(struct omp_evq *q, uint32_t n)
{
    struct omp_event e = ev_n(n);
    assert_int_equal(omp_evq_push(q, &e), OMP_OK);
}

/* Reads one event, expecting event @p n after @p want_missed lost ones. */
static void read_expect(const struct omp_evq *q, struct omp_evq_reader *r, uint32_t n,
                        uint32_t want_missed)
{
    struct omp_event e;
    uint32_t missed = 12345u;
    assert_int_equal(omp_evq_read(q, r, &e, &missed), OMP_OK);
    assert_int_equal(missed, want_missed);
    assert_ev_n(&e, n);
}

static void test_evq_event_is_16_bytes(void **state)
{
    (void)state;
    assert_int_equal(sizeof(struct omp_event), 16u);
}

static void test_evq_empty_read_changes_nothing(void **state)
{
    (void)state;
    struct omp_evq q;
    struct omp_evq_reader r;
    assert_int_equal(omp_evq_init(&q), OMP_OK);
    assert_int_equal(omp_evq_reader_init(&q, &r), OMP_OK);
    assert_int_equal(omp_evq_pending(&q, &r), 0u);

    struct omp_event e;
    memset(&e, 0xA5, sizeof e);
    uint32_t missed = 0xA5A5A5A5u;
    struct omp_evq_reader before = r;
    assert_int_equal(omp_evq_read(&q, &r, &e, &missed), OMP_ERR_NOT_FOUND);
    assert_int_equal(missed, 0xA5A5A5A5u);
    assert_int_equal(e.code, 0xA5A5u);
    assert_int_equal(e.arg, 0xA5A5A5A5u);
    assert_memory_equal(&r, &before, sizeof r);

    /* drained: empty again */
    push_n(&q, 0u);
    read_expect(&q, &r, 0u, 0u);
    assert_int_equal(omp_evq_read(&q, &r, &e, NULL), OMP_ERR_NOT_FOUND);
}

static void test_evq_fill_then_drain(void **state)
{
    (void)state;
    struct omp_evq q;
    struct omp_evq_reader r;
    assert_int_equal(omp_evq_init(&q), OMP_OK);
    assert_int_equal(omp_evq_reader_init(&q, &r), OMP_OK);
    for (uint32_t n = 0; n < DEPTH; n++) {
        push_n(&q, n);
        assert_int_equal(omp_evq_pending(&q, &r), n + 1u);
    }
    for (uint32_t n = 0; n < DEPTH; n++) {
        read_expect(&q, &r, n, 0u);
    }
    assert_int_equal(omp_evq_pending(&q, &r), 0u);
    assert_int_equal(r.missed, 0u);
    struct omp_event e;
    assert_int_equal(omp_evq_read(&q, &r, &e, NULL), OMP_ERR_NOT_FOUND);
}

static void test_evq_wrap_of_the_ring(void **state)
{
    (void)state;
    struct omp_evq q;
    struct omp_evq_reader r;
    assert_int_equal(omp_evq_init(&q), OMP_OK);
    assert_int_equal(omp_evq_reader_init(&q, &r), OMP_OK);
    /* the reader keeps up to DEPTH - 1 behind, across several turns of the ring */
    uint32_t next_read = 0u;
    for (uint32_t n = 0; n < 5u * DEPTH + 3u; n++) {
        push_n(&q, n);
        if (n % 3u == 2u) {
            while (next_read <= n) {
                read_expect(&q, &r, next_read, 0u);
                next_read++;
            }
        }
    }
    while (omp_evq_pending(&q, &r) > 0u) {
        read_expect(&q, &r, next_read, 0u);
        next_read++;
    }
    assert_int_equal(next_read, 5u * DEPTH + 3u);
    assert_int_equal(r.missed, 0u);
}

static void test_evq_overflow_overwrites_oldest_and_counts(void **state)
{
    (void)state;
    struct omp_evq q;
    struct omp_evq_reader r;
    assert_int_equal(omp_evq_init(&q), OMP_OK);
    assert_int_equal(omp_evq_reader_init(&q, &r), OMP_OK);
    const uint32_t over = 7u;
    for (uint32_t n = 0; n < DEPTH + over; n++) {
        push_n(&q, n);
    }
    assert_int_equal(omp_evq_pending(&q, &r), DEPTH);
    /* events 0..6 are gone; the newest (the last pushed) are all there */
    read_expect(&q, &r, over, over);
    assert_int_equal(r.missed, over);
    for (uint32_t n = over + 1u; n < DEPTH + over; n++) {
        read_expect(&q, &r, n, 0u);
    }
    assert_int_equal(r.missed, over);
    /* a second overflow adds to the total */
    for (uint32_t n = DEPTH + over; n < 3u * DEPTH + over + 1u; n++) {
        push_n(&q, n);
    }
    read_expect(&q, &r, 2u * DEPTH + over + 1u, DEPTH + 1u);
    assert_int_equal(r.missed, over + DEPTH + 1u);
    /* missed may be NULL; the total still counts */
    for (uint32_t n = 0; n < DEPTH; n++) {
        push_n(&q, 1000u + n);
    }
    struct omp_event e;
    assert_int_equal(omp_evq_read(&q, &r, &e, NULL), OMP_OK);
    assert_ev_n(&e, 1000u);
    assert_int_equal(r.missed, over + DEPTH + 1u + DEPTH - 1u);
}

static void test_evq_two_readers_at_different_speeds(void **state)
{
    (void)state;
    struct omp_evq q;
    struct omp_evq_reader logger;
    struct omp_evq_reader display;
    assert_int_equal(omp_evq_init(&q), OMP_OK);
    assert_int_equal(omp_evq_reader_init(&q, &logger), OMP_OK);
    assert_int_equal(omp_evq_reader_init(&q, &display), OMP_OK);
    const uint32_t total = 20u * DEPTH;
    uint32_t log_next = 0u;
    uint32_t disp_next = 0u; /* the number the display expects next, if nothing is lost */
    uint32_t disp_read = 0u;
    uint32_t disp_missed = 0u;
    for (uint32_t n = 0; n < total; n++) {
        push_n(&q, n);
        /* the logger drains after every push */
        while (omp_evq_pending(&q, &logger) > 0u) {
            read_expect(&q, &logger, log_next, 0u);
            log_next++;
        }
        /* the display reads one event per three pushes: it falls behind and loses events */
        if (n % 3u == 0u) {
            struct omp_event e;
            uint32_t missed = 0u;
            assert_int_equal(omp_evq_read(&q, &display, &e, &missed), OMP_OK);
            assert_ev_n(&e, disp_next + missed);
            disp_next += missed + 1u;
            disp_missed += missed;
            disp_read++;
        }
    }
    assert_int_equal(log_next, total);
    assert_int_equal(logger.missed, 0u);
    assert_true(disp_missed > 0u);
    assert_int_equal(display.missed, disp_missed);
    /* what the display still holds plus what it read plus what it lost is everything */
    assert_int_equal(disp_read + disp_missed + omp_evq_pending(&q, &display), total);
    /* its last read (after push total - 1, a multiple of 3) took the oldest held event */
    assert_int_equal((total - 1u) % 3u, 0u);
    assert_int_equal(omp_evq_pending(&q, &display), DEPTH - 1u);
    assert_int_equal(disp_next, total - DEPTH + 1u);
}

static void test_evq_reader_joins_late(void **state)
{
    (void)state;
    struct omp_evq q;
    struct omp_evq_reader r;
    assert_int_equal(omp_evq_init(&q), OMP_OK);
    for (uint32_t n = 0; n < 3u; n++) {
        push_n(&q, n);
    }
    assert_int_equal(omp_evq_reader_init(&q, &r), OMP_OK);
    assert_int_equal(omp_evq_pending(&q, &r), 3u);
    read_expect(&q, &r, 0u, 0u); /* a subscriber set up after the first pushes still sees them */
    for (uint32_t n = 3u; n < DEPTH + 3u; n++) {
        push_n(&q, n);
    }
    struct omp_evq_reader late;
    assert_int_equal(omp_evq_reader_init(&q, &late), OMP_OK);
    assert_int_equal(omp_evq_pending(&q, &late), DEPTH);
    read_expect(&q, &late, 3u, 0u); /* starts at the oldest held: nothing counted as missed */
    assert_int_equal(late.missed, 0u);
}

static void test_evq_sequence_wraps(void **state)
{
    (void)state;
    struct omp_evq q;
    struct omp_evq_reader r;
    struct omp_evq_reader slow;
    assert_int_equal(omp_evq_init(&q), OMP_OK);
    q.head = UINT32_MAX - 5u; /* white box: 2^32 pushes would take too long */
    assert_int_equal(omp_evq_reader_init(&q, &r), OMP_OK);
    assert_int_equal(omp_evq_reader_init(&q, &slow), OMP_OK);
    for (uint32_t n = 0; n < 2u * DEPTH + 4u; n++) {
        push_n(&q, n);
        read_expect(&q, &r, n, 0u);
    }
    read_expect(&q, &slow, DEPTH + 4u, DEPTH + 4u);
    assert_int_equal(omp_evq_pending(&q, &slow), DEPTH - 1u);
}

static void test_evq_reader_ahead_after_reinit(void **state)
{
    (void)state;
    struct omp_evq q;
    struct omp_evq_reader r;
    assert_int_equal(omp_evq_init(&q), OMP_OK);
    assert_int_equal(omp_evq_reader_init(&q, &r), OMP_OK);
    push_n(&q, 0u);
    push_n(&q, 1u);
    read_expect(&q, &r, 0u, 0u);
    read_expect(&q, &r, 1u, 0u);
    assert_int_equal(omp_evq_init(&q), OMP_OK);
    struct omp_event e;
    assert_int_equal(omp_evq_read(&q, &r, &e, NULL), OMP_ERR_STATE);
    assert_int_equal(omp_evq_pending(&q, &r), 0u);
    assert_int_equal(omp_evq_reader_init(&q, &r), OMP_OK);
    push_n(&q, 9u);
    read_expect(&q, &r, 9u, 0u);
}

static void test_evq_null_and_bad_arguments(void **state)
{
    (void)state;
    struct omp_evq q;
    struct omp_evq_reader r;
    struct omp_event e = ev_n(1u);
    assert_int_equal(omp_evq_init(NULL), OMP_ERR_ARG);
    assert_int_equal(omp_evq_init(&q), OMP_OK);
    assert_int_equal(omp_evq_push(NULL, &e), OMP_ERR_ARG);
    assert_int_equal(omp_evq_push(&q, NULL), OMP_ERR_ARG);
    struct omp_event none = e;
    none.code = OMP_EV_NONE;
    assert_int_equal(omp_evq_push(&q, &none), OMP_ERR_ARG);
    assert_int_equal(omp_evq_reader_init(NULL, &r), OMP_ERR_ARG);
    assert_int_equal(omp_evq_reader_init(&q, NULL), OMP_ERR_ARG);
    assert_int_equal(omp_evq_reader_init(&q, &r), OMP_OK);
    assert_int_equal(omp_evq_pending(&q, &r), 0u); /* the rejected pushes left nothing */
    push_n(&q, 1u);
    struct omp_event out;
    assert_int_equal(omp_evq_read(NULL, &r, &out, NULL), OMP_ERR_ARG);
    assert_int_equal(omp_evq_read(&q, NULL, &out, NULL), OMP_ERR_ARG);
    assert_int_equal(omp_evq_read(&q, &r, NULL, NULL), OMP_ERR_ARG);
    assert_int_equal(omp_evq_pending(NULL, &r), 0u);
    assert_int_equal(omp_evq_pending(&q, NULL), 0u);
    assert_int_equal(omp_evq_pending(&q, &r), 1u); /* the failed reads consumed nothing */
    read_expect(&q, &r, 1u, 0u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_evq_event_is_16_bytes),
        cmocka_unit_test(test_evq_empty_read_changes_nothing),
        cmocka_unit_test(test_evq_fill_then_drain),
        cmocka_unit_test(test_evq_wrap_of_the_ring),
        cmocka_unit_test(test_evq_overflow_overwrites_oldest_and_counts),
        cmocka_unit_test(test_evq_two_readers_at_different_speeds),
        cmocka_unit_test(test_evq_reader_joins_late),
        cmocka_unit_test(test_evq_sequence_wraps),
        cmocka_unit_test(test_evq_reader_ahead_after_reinit),
        cmocka_unit_test(test_evq_null_and_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

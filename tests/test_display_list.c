/*
 * The display list engine: list rules, power-up sequence, stepping, buttons, NVM encoding.
 *
 * Expected values are written by hand from the OMNIPOWER technical facts: list sizes and the items
 * each list refuses or allows (§9.1), the power-up sequence (§9.4: 5 s CSUM, 5 s software number,
 * 5 s more), the 10 s automatic step (§9.1), the return to the automatic list 2 min after the last
 * press and the push buttons (§9.6), and the encoding documented in display.h / docs/display.md.
 * Times start at T0 = 1,000,000 ms so that no result depends on a zero origin.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/display.h"

#define T0 1000000u

/* 1.1.C.D.E.255, attribute 2, shown as its value */
#define K(c, d, e)                                                                                 \
    {                                                                                              \
        {1, 1, (c), (d), (e), 255}, 2, OMP_DISPLAY_VIEW_VALUE                                      \
    }

static const struct omp_display_item a_plus = K(1, 8, 0);
static const struct omp_display_item a_minus = K(2, 8, 0);
static const struct omp_display_item disconnect = {OMP_DISPLAY_OBIS_DISCONNECT, 2, 0};
static const struct omp_display_item call = {OMP_DISPLAY_OBIS_CALL, 2, 0};
static const struct omp_display_item display_test = {OMP_DISPLAY_OBIS_TEST, 2, 0};
static const struct omp_display_item trip_a14 = K(1, 128, 0);
static const struct omp_display_item clock_date = {{0, 1, 1, 0, 0, 255}, 2, OMP_DISPLAY_VIEW_DATE};
static const struct omp_display_item csum = {{1, 1, 96, 54, 1, 255}, 2, 0};
static const struct omp_display_item software = {{1, 1, 0, 2, 0, 255}, 2, 0};

/* An import/export meter: A+ and A- are legal readings; PB2 shows the utility list. */
static const struct omp_display_cfg cfg_ie = {
    .legal = OMP_DISPLAY_LEGAL(1) | OMP_DISPLAY_LEGAL(2), .pb2_utility = true};

static void init_ie(struct omp_display *d)
{
    memset(d, 0xA5, sizeof *d); /* init must not depend on what was there */
    assert_int_equal(omp_display_init(d, &cfg_ie, T0), OMP_OK);
}

/* n valid items for list @p which: A+ and A- first (legal readings), then distinct powers
 * 1.1.C.7.0.255 (C = 40..) or, for the battery list, the allowed energies C.8.0 (C = 3..). */
static void fill(struct omp_display_item *it, size_t n, enum omp_display_list which)
{
    for (size_t i = 0; i < n; i++) {
        const uint8_t c = (uint8_t)(which == OMP_DISPLAY_LIST_BATTERY ? 1u + i : 38u + i);
        const struct omp_display_item x = K(c, which == OMP_DISPLAY_LIST_BATTERY ? 8 : 7, 0);
        it[i] = i == 0 ? a_plus : i == 1 ? a_minus : x;
    }
}

static bool item_eq(const struct omp_display_item *a, const struct omp_display_item *b)
{
    return memcmp(a->obis, b->obis, 6) == 0 && a->attr == b->attr && a->view == b->view;
}

static struct omp_display_shown shown(const struct omp_display *d)
{
    struct omp_display_shown s;
    assert_int_equal(omp_display_current(d, &s), OMP_OK);
    return s;
}

static void assert_shows(const struct omp_display *d, enum omp_display_mode mode, uint8_t index,
                         const struct omp_display_item *it)
{
    struct omp_display_shown s = shown(d);
    assert_int_equal(s.mode, mode);
    assert_int_equal(s.index, index);
    assert_false(s.blank);
    if (it != NULL) {
        assert_true(item_eq(&s.item, it));
    }
}

static void set(struct omp_display *d, enum omp_display_list which,
                const struct omp_display_item *it, size_t n)
{
    size_t bad = 99;
    assert_int_equal(omp_display_set_list(d, which, it, n, &bad), OMP_OK);
    assert_int_equal(bad, 99); /* untouched on success */
}

/* ---- list rules --------------------------------------------------------------------------- */

/* Technical facts 9.1: automatic 16, manual 30, utility 16, battery 8. */
static const struct {
    enum omp_display_list which;
    size_t max;
} sizes[] = {
    {OMP_DISPLAY_LIST_AUTO, 16},
    {OMP_DISPLAY_LIST_MANUAL, 30},
    {OMP_DISPLAY_LIST_UTILITY, 16},
    {OMP_DISPLAY_LIST_BATTERY, 8},
};

static void test_list_sizes(void **state)
{
    (void)state;
    for (size_t k = 0; k < OMP_ARRAY_LEN(sizes); k++) {
        struct omp_display d, before;
        struct omp_display_item it[31];
        const struct omp_display_item *got = NULL;
        size_t n = 0, bad = 0;
        init_ie(&d);
        assert_int_equal(omp_display_list_max(sizes[k].which), sizes[k].max);
        fill(it, sizes[k].max + 1u, sizes[k].which);
        set(&d, sizes[k].which, it, sizes[k].max);
        assert_int_equal(omp_display_get_list(&d, sizes[k].which, &got, &n), OMP_OK);
        assert_int_equal(n, sizes[k].max);
        assert_memory_equal(got, it, n * sizeof it[0]);
        memcpy(&before, &d, sizeof d);
        assert_int_equal(omp_display_set_list(&d, sizes[k].which, it, sizes[k].max + 1u, &bad),
                         OMP_ERR_RANGE);
        assert_int_equal(bad, sizes[k].max); /* the first item past the limit */
        assert_memory_equal(&d, &before, sizeof d);
    }
}

/* Items each list refuses (technical facts 9.1, TD p.70-72; manual disconnect: TD p.72). */
static const struct {
    const char *why;
    enum omp_display_list which;
    struct omp_display_item it;
} refused[] = {
    {"auto: historical data 98.1.0", OMP_DISPLAY_LIST_AUTO, K(98, 1, 0)},
    {"auto: historical data 0.0.98.1.0.255", OMP_DISPLAY_LIST_AUTO, {{0, 0, 98, 1, 0, 255}, 2, 0}},
    {"auto: load profile 99.1.0", OMP_DISPLAY_LIST_AUTO, K(99, 1, 0)},
    {"auto: CALL", OMP_DISPLAY_LIST_AUTO, {OMP_DISPLAY_OBIS_CALL, 2, 0}},
    {"auto: manual disconnect", OMP_DISPLAY_LIST_AUTO, {OMP_DISPLAY_OBIS_DISCONNECT, 2, 0}},
    {"battery: A1423 15.8.0", OMP_DISPLAY_LIST_BATTERY, K(15, 8, 0)},
    {"battery: 11.8.0", OMP_DISPLAY_LIST_BATTERY, K(11, 8, 0)},
    {"battery: A+ tariff 1 1.8.1", OMP_DISPLAY_LIST_BATTERY, K(1, 8, 1)},
    {"battery: trip counter 1.128.0", OMP_DISPLAY_LIST_BATTERY, K(1, 128, 0)},
    {"battery: A+ L1 21.8.0", OMP_DISPLAY_LIST_BATTERY, K(21, 8, 0)},
    {"battery: P+ 1.7.0", OMP_DISPLAY_LIST_BATTERY, K(1, 7, 0)},
    {"battery: U L1 32.7.0", OMP_DISPLAY_LIST_BATTERY, K(32, 7, 0)},
    {"battery: P+ max 1.6.0", OMP_DISPLAY_LIST_BATTERY, K(1, 6, 0)},
    {"battery: clock", OMP_DISPLAY_LIST_BATTERY, {{0, 1, 1, 0, 0, 255}, 2, 1}},
    {"battery: meter status 97.97.0", OMP_DISPLAY_LIST_BATTERY, K(97, 97, 0)},
    {"battery: meter number 4 0.0.4", OMP_DISPLAY_LIST_BATTERY, K(0, 0, 4)},
    {"battery: special data 2 0.130.2", OMP_DISPLAY_LIST_BATTERY, K(0, 130, 2)},
    {"battery: CALL", OMP_DISPLAY_LIST_BATTERY, {OMP_DISPLAY_OBIS_CALL, 2, 0}},
    {"battery: manual disconnect", OMP_DISPLAY_LIST_BATTERY, {OMP_DISPLAY_OBIS_DISCONNECT, 2, 0}},
    {"battery: A+ attr 3 (scaler_unit)", OMP_DISPLAY_LIST_BATTERY, {{1, 1, 1, 8, 0, 255}, 3, 0}},
    {"battery: A+ of channel 0", OMP_DISPLAY_LIST_BATTERY, {{1, 0, 1, 8, 0, 255}, 2, 0}},
    {"battery: A+ of billing period 101", OMP_DISPLAY_LIST_BATTERY, {{1, 1, 1, 8, 0, 101}, 2, 0}},
};

static void test_list_refused_items(void **state)
{
    (void)state;
    for (size_t k = 0; k < OMP_ARRAY_LEN(refused); k++) {
        struct omp_display d, before;
        const struct omp_display_item list[3] = {a_plus, a_minus, refused[k].it};
        size_t bad = 0;
        init_ie(&d);
        memcpy(&before, &d, sizeof d);
        assert_int_equal(omp_display_set_list(&d, refused[k].which, list, 3, &bad),
                         OMP_ERR_DENIED);
        assert_int_equal(bad, 2);
        assert_memory_equal(&d, &before, sizeof d);
        /* the manual and utility lists have no such rule: they take it (the utility list as the
         * only item, the manual list after the legal readings) */
        set(&d, OMP_DISPLAY_LIST_MANUAL, list, 3);
        set(&d, OMP_DISPLAY_LIST_UTILITY, &refused[k].it, 1);
    }
}

/* Items the battery list allows (technical facts 9.1), each on its own. */
static const struct omp_display_item battery_ok[] = {
    K(1, 8, 0),  K(2, 8, 0), K(3, 8, 0),   K(4, 8, 0),   K(5, 8, 0),
    K(6, 8, 0),  K(7, 8, 0), K(8, 8, 0),   K(9, 8, 0),   K(10, 8, 0),
    K(16, 8, 0), K(0, 0, 1), K(0, 0, 2),   K(0, 0, 3),   K(96, 1, 0),
    K(0, 130, 1), {OMP_DISPLAY_OBIS_TEST, 2, 0},
};

static void test_list_allowed_items(void **state)
{
    (void)state;
    struct omp_display d;
    init_ie(&d);
    for (size_t k = 0; k < OMP_ARRAY_LEN(battery_ok); k++) {
        set(&d, OMP_DISPLAY_LIST_BATTERY, &battery_ok[k], 1);
    }
    /* the automatic list takes the display test, the clock, a trip counter, other logs */
    const struct omp_display_item auto_ok[] = {display_test, clock_date, trip_a14, K(98, 2, 0),
                                               K(99, 98, 0), K(99, 1, 1)};
    set(&d, OMP_DISPLAY_LIST_AUTO, auto_ok, OMP_ARRAY_LEN(auto_ok));
    /* empty lists: automatic, utility and battery may be empty */
    set(&d, OMP_DISPLAY_LIST_AUTO, NULL, 0);
    set(&d, OMP_DISPLAY_LIST_UTILITY, NULL, 0);
    set(&d, OMP_DISPLAY_LIST_BATTERY, NULL, 0);
}

static void test_list_malformed_items(void **state)
{
    (void)state;
    struct omp_display d, before;
    const struct omp_display_item attr0 = {{1, 1, 1, 8, 0, 255}, 0, 0};
    const struct omp_display_item view3 = {{1, 1, 1, 8, 0, 255}, 2, 3};
    size_t bad = 7;
    init_ie(&d);
    memcpy(&before, &d, sizeof d);
    for (unsigned w = 0; w < (unsigned)OMP_DISPLAY_LIST_COUNT; w++) {
        const struct omp_display_item l1[3] = {a_plus, a_minus, attr0};
        const struct omp_display_item l2[3] = {a_plus, view3, a_minus};
        assert_int_equal(omp_display_set_list(&d, w, l1, 3, &bad), OMP_ERR_RANGE);
        assert_int_equal(bad, 2);
        assert_int_equal(omp_display_set_list(&d, w, l2, 3, &bad), OMP_ERR_RANGE);
        assert_int_equal(bad, 1);
    }
    assert_int_equal(omp_display_set_list(NULL, OMP_DISPLAY_LIST_AUTO, &a_plus, 1, &bad),
                     OMP_ERR_ARG);
    assert_int_equal(omp_display_set_list(&d, OMP_DISPLAY_LIST_AUTO, NULL, 1, &bad), OMP_ERR_ARG);
    assert_int_equal(omp_display_set_list(&d, OMP_DISPLAY_LIST_COUNT, &a_plus, 1, &bad),
                     OMP_ERR_ARG);
    assert_int_equal(omp_display_set_list(&d, (enum omp_display_list)-1, &a_plus, 1, NULL),
                     OMP_ERR_ARG);
    assert_int_equal(omp_display_set_list(&d, OMP_DISPLAY_LIST_AUTO, &call, 1, NULL),
                     OMP_ERR_DENIED); /* bad may be NULL */
    assert_int_equal(bad, 1);
    assert_memory_equal(&d, &before, sizeof d);
    assert_int_equal(omp_display_list_max(OMP_DISPLAY_LIST_COUNT), 0);
}

/* "Legal readings cannot be deselected" (technical facts 9.1 / TD p.70): the manual list. */
static void test_list_legal_readings(void **state)
{
    (void)state;
    struct omp_display d, before;
    const struct omp_display_item *got = NULL;
    size_t n = 0, bad = 0;

    /* init: the manual and automatic lists start as the legal readings in C order */
    init_ie(&d);
    assert_int_equal(omp_display_get_list(&d, OMP_DISPLAY_LIST_MANUAL, &got, &n), OMP_OK);
    assert_int_equal(n, 2);
    assert_true(item_eq(&got[0], &a_plus) && item_eq(&got[1], &a_minus));
    assert_int_equal(omp_display_get_list(&d, OMP_DISPLAY_LIST_AUTO, &got, &n), OMP_OK);
    assert_int_equal(n, 2);
    assert_true(item_eq(&got[0], &a_plus) && item_eq(&got[1], &a_minus));
    assert_int_equal(omp_display_get_list(&d, OMP_DISPLAY_LIST_UTILITY, &got, &n), OMP_OK);
    assert_int_equal(n, 0);
    assert_int_equal(omp_display_get_list(&d, OMP_DISPLAY_LIST_BATTERY, &got, &n), OMP_OK);
    assert_int_equal(n, 0);

    memcpy(&before, &d, sizeof d);
    const struct omp_display_item no_minus[2] = {a_plus, clock_date};
    const struct omp_display_item no_plus[2] = {a_minus, clock_date};
    const struct omp_display_item plus_attr3[2] = {{{1, 1, 1, 8, 0, 255}, 3, 0}, a_minus};
    assert_int_equal(omp_display_set_list(&d, OMP_DISPLAY_LIST_MANUAL, no_minus, 2, &bad),
                     OMP_ERR_DENIED);
    assert_int_equal(bad, 2); /* n: a legal reading is missing */
    assert_int_equal(omp_display_set_list(&d, OMP_DISPLAY_LIST_MANUAL, no_plus, 2, &bad),
                     OMP_ERR_DENIED);
    assert_int_equal(omp_display_set_list(&d, OMP_DISPLAY_LIST_MANUAL, plus_attr3, 2, &bad),
                     OMP_ERR_DENIED);
    assert_int_equal(omp_display_set_list(&d, OMP_DISPLAY_LIST_MANUAL, NULL, 0, &bad),
                     OMP_ERR_DENIED);
    assert_int_equal(bad, 0);
    assert_memory_equal(&d, &before, sizeof d);
    /* any order, any view, with other items between */
    const struct omp_display_item ok[4] = {clock_date, a_minus, trip_a14,
                                           {{1, 1, 1, 8, 0, 255}, 2, OMP_DISPLAY_VIEW_TIME}};
    set(&d, OMP_DISPLAY_LIST_MANUAL, ok, 4);
    /* the other lists need no legal reading */
    set(&d, OMP_DISPLAY_LIST_AUTO, &clock_date, 1);

    /* A+ is legal even when the configuration leaves it out; 16 legal readings need 16 items */
    const struct omp_display_cfg none = {.legal = 0, .pb2_utility = false};
    assert_int_equal(omp_display_init(&d, &none, T0), OMP_OK);
    assert_int_equal(omp_display_get_list(&d, OMP_DISPLAY_LIST_MANUAL, &got, &n), OMP_OK);
    assert_int_equal(n, 1);
    assert_true(item_eq(&got[0], &a_plus));
    assert_int_equal(omp_display_set_list(&d, OMP_DISPLAY_LIST_MANUAL, &clock_date, 1, &bad),
                     OMP_ERR_DENIED);
    const struct omp_display_cfg all = {.legal = 0xFFFFu, .pb2_utility = false};
    assert_int_equal(omp_display_init(&d, &all, T0), OMP_OK);
    assert_int_equal(omp_display_get_list(&d, OMP_DISPLAY_LIST_MANUAL, &got, &n), OMP_OK);
    assert_int_equal(n, 16);
    const struct omp_display_item r_minus_16 = K(16, 8, 0);
    assert_true(item_eq(&got[15], &r_minus_16));
    assert_int_equal(omp_display_init(NULL, &all, T0), OMP_ERR_ARG);
    assert_int_equal(omp_display_init(&d, NULL, T0), OMP_ERR_ARG);
}

/* ---- time ------------------------------------------------------------------------------------ */

/* Technical facts 9.4: 0-5 s CSUM, 5-10 s software number, 10-15 s more, then automatic. */
static const struct {
    uint32_t at_ms;
    enum omp_display_mode mode;
    uint8_t index;
    const struct omp_display_item *it;
} power_up[] = {
    {0, OMP_DISPLAY_MODE_POWER_UP, 0, &csum},
    {4999, OMP_DISPLAY_MODE_POWER_UP, 0, &csum},
    {5000, OMP_DISPLAY_MODE_POWER_UP, 1, &software},
    {9999, OMP_DISPLAY_MODE_POWER_UP, 1, &software},
    {10000, OMP_DISPLAY_MODE_POWER_UP, 2, &software},
    {14999, OMP_DISPLAY_MODE_POWER_UP, 2, &software},
    {15000, OMP_DISPLAY_MODE_AUTO, 0, &a_plus},
    {24999, OMP_DISPLAY_MODE_AUTO, 0, &a_plus},
    {25000, OMP_DISPLAY_MODE_AUTO, 1, &a_minus},
    {34999, OMP_DISPLAY_MODE_AUTO, 1, &a_minus},
    {35000, OMP_DISPLAY_MODE_AUTO, 0, &a_plus},
};

static void test_power_up_sequence(void **state)
{
    (void)state;
    struct omp_display d;
    init_ie(&d);
    assert_shows(&d, OMP_DISPLAY_MODE_POWER_UP, 0, &csum); /* before any tick */
    for (size_t k = 0; k < OMP_ARRAY_LEN(power_up); k++) {
        omp_display_tick(&d, T0 + power_up[k].at_ms, true);
        assert_shows(&d, power_up[k].mode, power_up[k].index, power_up[k].it);
    }
    /* one late tick after power-up: the automatic list as if every tick had come */
    init_ie(&d);
    omp_display_tick(&d, T0 + 24999, true);
    assert_shows(&d, OMP_DISPLAY_MODE_AUTO, 0, &a_plus);
    init_ie(&d);
    omp_display_tick(&d, T0 + 25000, true);
    assert_shows(&d, OMP_DISPLAY_MODE_AUTO, 1, &a_minus);
    /* short presses during the sequence do nothing */
    init_ie(&d);
    assert_int_equal(omp_display_press(&d, OMP_DISPLAY_BUTTON_LEFT, 200, T0 + 6000),
                     OMP_DISPLAY_REQ_NONE);
    assert_int_equal(omp_display_press(&d, OMP_DISPLAY_BUTTON_PB2, 200, T0 + 7000),
                     OMP_DISPLAY_REQ_NONE);
    assert_shows(&d, OMP_DISPLAY_MODE_POWER_UP, 1, &software);
}

static void test_auto_steps(void **state)
{
    (void)state;
    struct omp_display d;
    const struct omp_display_item list[3] = {a_plus, clock_date, trip_a14};
    init_ie(&d);
    set(&d, OMP_DISPLAY_LIST_AUTO, list, 3);
    omp_display_tick(&d, T0 + 15000, true); /* the automatic list starts at 15 s */
    /* item k from 15 + 10 k s: 9.999 s still the first, 10 s the second, wrap after the third */
    static const struct {
        uint32_t at_ms;
        uint8_t index;
    } steps[] = {{15000, 0}, {24999, 0}, {25000, 1}, {34999, 1}, {35000, 2},
                 {44999, 2}, {45000, 0}, {55000, 1}, {60000, 1}, {65000, 2}};
    for (size_t k = 0; k < OMP_ARRAY_LEN(steps); k++) {
        omp_display_tick(&d, T0 + steps[k].at_ms, true);
        assert_shows(&d, OMP_DISPLAY_MODE_AUTO, steps[k].index, &list[steps[k].index]);
    }
    /* a late tick (35 s missed: 3.5 steps) lands where the 10 s grid says: 65 s item 2, 75 s 0,
     * 85 s 1, 95 s 2, 105 s 0 -> at 100 s item 2 */
    omp_display_tick(&d, T0 + 100000, true);
    assert_shows(&d, OMP_DISPLAY_MODE_AUTO, 2, &trip_a14);
    /* one item: it stays; none: blank */
    set(&d, OMP_DISPLAY_LIST_AUTO, &clock_date, 1);
    omp_display_tick(&d, T0 + 200000, true);
    assert_shows(&d, OMP_DISPLAY_MODE_AUTO, 0, &clock_date);
    set(&d, OMP_DISPLAY_LIST_AUTO, NULL, 0);
    omp_display_tick(&d, T0 + 300000, true);
    struct omp_display_shown s = shown(&d);
    assert_int_equal(s.mode, OMP_DISPLAY_MODE_AUTO);
    assert_true(s.blank);
    const struct omp_display_item zero = {{0}, 0, 0};
    assert_true(item_eq(&s.item, &zero));
}

static void test_manual_list_and_timeout(void **state)
{
    (void)state;
    struct omp_display d;
    const struct omp_display_item manual[3] = {a_plus, a_minus, clock_date};
    const struct omp_display_item autol[2] = {trip_a14, display_test};
    init_ie(&d);
    set(&d, OMP_DISPLAY_LIST_MANUAL, manual, 3);
    set(&d, OMP_DISPLAY_LIST_AUTO, autol, 2);
    omp_display_tick(&d, T0 + 25000, true);
    assert_shows(&d, OMP_DISPLAY_MODE_AUTO, 1, &display_test);
    /* a short left press enters the manual list at its first item, the next ones step it */
    assert_int_equal(omp_display_press(&d, OMP_DISPLAY_BUTTON_LEFT, 300, T0 + 30000),
                     OMP_DISPLAY_REQ_NONE);
    assert_shows(&d, OMP_DISPLAY_MODE_MANUAL, 0, &a_plus);
    assert_int_equal(omp_display_press(&d, OMP_DISPLAY_BUTTON_LEFT, 4999, T0 + 31000),
                     OMP_DISPLAY_REQ_NONE); /* 4.999 s is still a short press */
    assert_shows(&d, OMP_DISPLAY_MODE_MANUAL, 1, &a_minus);
    (void)omp_display_press(&d, OMP_DISPLAY_BUTTON_LEFT, 100, T0 + 32000);
    assert_shows(&d, OMP_DISPLAY_MODE_MANUAL, 2, &clock_date);
    (void)omp_display_press(&d, OMP_DISPLAY_BUTTON_LEFT, 100, T0 + 40000); /* wraps */
    assert_shows(&d, OMP_DISPLAY_MODE_MANUAL, 0, &a_plus);
    /* no automatic stepping in the manual list; back to automatic 2 min after the last press */
    omp_display_tick(&d, T0 + 40000 + 119999, true);
    assert_shows(&d, OMP_DISPLAY_MODE_MANUAL, 0, &a_plus);
    omp_display_tick(&d, T0 + 40000 + 120000, true);
    assert_shows(&d, OMP_DISPLAY_MODE_AUTO, 0, &trip_a14);
    omp_display_tick(&d, T0 + 40000 + 129999, true);
    assert_shows(&d, OMP_DISPLAY_MODE_AUTO, 0, &trip_a14);
    omp_display_tick(&d, T0 + 40000 + 130000, true);
    assert_shows(&d, OMP_DISPLAY_MODE_AUTO, 1, &display_test);
    /* a press that comes after the timeout without a tick in between: first back to automatic,
     * then the press enters the manual list afresh */
    (void)omp_display_press(&d, OMP_DISPLAY_BUTTON_LEFT, 100, T0 + 200000);
    (void)omp_display_press(&d, OMP_DISPLAY_BUTTON_LEFT, 100, T0 + 201000);
    assert_shows(&d, OMP_DISPLAY_MODE_MANUAL, 1, &a_minus);
    (void)omp_display_press(&d, OMP_DISPLAY_BUTTON_LEFT, 100, T0 + 201000 + 120000);
    assert_shows(&d, OMP_DISPLAY_MODE_MANUAL, 0, &a_plus);
    /* every press restarts the timeout, a long PB2 press too (it neither steps nor asks) */
    assert_int_equal(omp_display_press(&d, OMP_DISPLAY_BUTTON_PB2, 6000, T0 + 321000 + 100000),
                     OMP_DISPLAY_REQ_NONE);
    omp_display_tick(&d, T0 + 421000 + 119999, true);
    assert_shows(&d, OMP_DISPLAY_MODE_MANUAL, 0, &a_plus);
    omp_display_tick(&d, T0 + 421000 + 120000, true);
    assert_shows(&d, OMP_DISPLAY_MODE_AUTO, 0, &trip_a14);
    /* replacing the shown list restarts it at its first item */
    (void)omp_display_press(&d, OMP_DISPLAY_BUTTON_LEFT, 100, T0 + 600000);
    (void)omp_display_press(&d, OMP_DISPLAY_BUTTON_LEFT, 100, T0 + 601000);
    assert_shows(&d, OMP_DISPLAY_MODE_MANUAL, 1, &a_minus);
    set(&d, OMP_DISPLAY_LIST_MANUAL, manual, 3);
    assert_shows(&d, OMP_DISPLAY_MODE_MANUAL, 0, &a_plus);
}

static void test_utility_list(void **state)
{
    (void)state;
    struct omp_display d;
    const struct omp_display_item util[2] = {call, disconnect};
    init_ie(&d);
    omp_display_tick(&d, T0 + 15000, true);
    /* PB2 with an empty utility list: nothing */
    (void)omp_display_press(&d, OMP_DISPLAY_BUTTON_PB2, 100, T0 + 16000);
    assert_shows(&d, OMP_DISPLAY_MODE_AUTO, 0, &a_plus);
    set(&d, OMP_DISPLAY_LIST_UTILITY, util, 2);
    (void)omp_display_press(&d, OMP_DISPLAY_BUTTON_PB2, 100, T0 + 17000);
    assert_shows(&d, OMP_DISPLAY_MODE_UTILITY, 0, &call);
    (void)omp_display_press(&d, OMP_DISPLAY_BUTTON_PB2, 100, T0 + 18000);
    assert_shows(&d, OMP_DISPLAY_MODE_UTILITY, 1, &disconnect);
    (void)omp_display_press(&d, OMP_DISPLAY_BUTTON_PB2, 100, T0 + 19000);
    assert_shows(&d, OMP_DISPLAY_MODE_UTILITY, 0, &call);
    /* left from the utility list: the manual list's first item; PB2 from there: utility's first */
    (void)omp_display_press(&d, OMP_DISPLAY_BUTTON_PB2, 100, T0 + 20000);
    (void)omp_display_press(&d, OMP_DISPLAY_BUTTON_LEFT, 100, T0 + 21000);
    assert_shows(&d, OMP_DISPLAY_MODE_MANUAL, 0, &a_plus);
    (void)omp_display_press(&d, OMP_DISPLAY_BUTTON_LEFT, 100, T0 + 22000);
    (void)omp_display_press(&d, OMP_DISPLAY_BUTTON_PB2, 100, T0 + 23000);
    assert_shows(&d, OMP_DISPLAY_MODE_UTILITY, 0, &call);
    /* 2 min after the last press: automatic */
    omp_display_tick(&d, T0 + 23000 + 119999, true);
    assert_shows(&d, OMP_DISPLAY_MODE_UTILITY, 0, &call);
    omp_display_tick(&d, T0 + 23000 + 120000, true);
    assert_shows(&d, OMP_DISPLAY_MODE_AUTO, 0, &a_plus);
    /* PB2's "view the utility list" disabled at order: PB2 does nothing */
    const struct omp_display_cfg off = {.legal = OMP_DISPLAY_LEGAL(1), .pb2_utility = false};
    assert_int_equal(omp_display_init(&d, &off, T0), OMP_OK);
    set(&d, OMP_DISPLAY_LIST_UTILITY, util, 2);
    omp_display_tick(&d, T0 + 15000, true);
    (void)omp_display_press(&d, OMP_DISPLAY_BUTTON_PB2, 100, T0 + 16000);
    assert_shows(&d, OMP_DISPLAY_MODE_AUTO, 0, &a_plus);
    /* an unknown button does nothing */
    assert_int_equal(omp_display_press(&d, (enum omp_display_button)7, 100, T0 + 16000),
                     OMP_DISPLAY_REQ_NONE);
    assert_int_equal(omp_display_press(NULL, OMP_DISPLAY_BUTTON_LEFT, 100, T0),
                     OMP_DISPLAY_REQ_NONE);
    assert_shows(&d, OMP_DISPLAY_MODE_AUTO, 0, &a_plus);
}

static void test_battery_list(void **state)
{
    (void)state;
    struct omp_display d;
    const struct omp_display_item batt[3] = {a_plus, display_test, K(96, 1, 0)};
    const struct omp_display_item serial = K(96, 1, 0);
    init_ie(&d);
    set(&d, OMP_DISPLAY_LIST_BATTERY, batt, 3);
    omp_display_tick(&d, T0 + 25000, true);
    assert_shows(&d, OMP_DISPLAY_MODE_AUTO, 1, &a_minus);
    /* mains off: the battery list, no automatic steps, left steps it, PB2 does nothing */
    omp_display_tick(&d, T0 + 26000, false);
    assert_shows(&d, OMP_DISPLAY_MODE_BATTERY, 0, &a_plus);
    omp_display_tick(&d, T0 + 60000, false);
    assert_shows(&d, OMP_DISPLAY_MODE_BATTERY, 0, &a_plus);
    (void)omp_display_press(&d, OMP_DISPLAY_BUTTON_LEFT, 100, T0 + 61000);
    assert_shows(&d, OMP_DISPLAY_MODE_BATTERY, 1, &display_test);
    (void)omp_display_press(&d, OMP_DISPLAY_BUTTON_PB2, 100, T0 + 62000);
    assert_shows(&d, OMP_DISPLAY_MODE_BATTERY, 1, &display_test);
    (void)omp_display_press(&d, OMP_DISPLAY_BUTTON_LEFT, 100, T0 + 63000);
    assert_shows(&d, OMP_DISPLAY_MODE_BATTERY, 2, &serial);
    (void)omp_display_press(&d, OMP_DISPLAY_BUTTON_LEFT, 100, T0 + 64000);
    assert_shows(&d, OMP_DISPLAY_MODE_BATTERY, 0, &a_plus);
    /* no requests without mains, and a long press does not step */
    assert_int_equal(omp_display_press(&d, OMP_DISPLAY_BUTTON_LEFT, 7000, T0 + 72000),
                     OMP_DISPLAY_REQ_NONE);
    assert_shows(&d, OMP_DISPLAY_MODE_BATTERY, 0, &a_plus);
    /* the 2 min timeout does not apply; mains back: the automatic list's first item, 10 s steps */
    omp_display_tick(&d, T0 + 500000, false);
    assert_shows(&d, OMP_DISPLAY_MODE_BATTERY, 0, &a_plus);
    omp_display_tick(&d, T0 + 500000, true);
    assert_shows(&d, OMP_DISPLAY_MODE_AUTO, 0, &a_plus);
    omp_display_tick(&d, T0 + 509999, true);
    assert_shows(&d, OMP_DISPLAY_MODE_AUTO, 0, &a_plus);
    omp_display_tick(&d, T0 + 510000, true);
    assert_shows(&d, OMP_DISPLAY_MODE_AUTO, 1, &a_minus);
    /* from the manual list and from the power-up sequence too; an empty battery list is blank */
    (void)omp_display_press(&d, OMP_DISPLAY_BUTTON_LEFT, 100, T0 + 511000);
    omp_display_tick(&d, T0 + 512000, false);
    assert_shows(&d, OMP_DISPLAY_MODE_BATTERY, 0, &a_plus);
    init_ie(&d);
    omp_display_tick(&d, T0 + 1000, false);
    struct omp_display_shown s = shown(&d);
    assert_int_equal(s.mode, OMP_DISPLAY_MODE_BATTERY);
    assert_true(s.blank);
    (void)omp_display_press(&d, OMP_DISPLAY_BUTTON_LEFT, 100, T0 + 2000);
    assert_true(shown(&d).blank);
    omp_display_tick(NULL, T0, true); /* ignored */
}

/* ---- long presses (technical facts 9.4, 9.6; TD p.19, 25, 41) ----------------------------- */

static void test_long_presses(void **state)
{
    (void)state;
    struct omp_display d;
    const struct omp_display_item manual[5] = {a_plus, a_minus, disconnect, trip_a14, clock_date};
    const struct omp_display_item autol[2] = {trip_a14, a_plus};

    /* about 5 s right after power-up: delay the radio (the press begun in the 15 s sequence) */
    static const struct {
        uint32_t released_ms, held_ms;
        enum omp_display_req want;
    } radio[] = {
        {6000, 5000, OMP_DISPLAY_REQ_RADIO_DELAY},  {5999, 4999, OMP_DISPLAY_REQ_NONE},
        {19999, 5000, OMP_DISPLAY_REQ_RADIO_DELAY}, {20000, 5000, OMP_DISPLAY_REQ_NONE},
        {21000, 7000, OMP_DISPLAY_REQ_RADIO_DELAY},
    };
    for (size_t k = 0; k < OMP_ARRAY_LEN(radio); k++) {
        init_ie(&d);
        assert_int_equal(omp_display_press(&d, OMP_DISPLAY_BUTTON_LEFT, radio[k].held_ms,
                                           T0 + radio[k].released_ms),
                         radio[k].want);
    }
    init_ie(&d);
    assert_int_equal(omp_display_press(&d, OMP_DISPLAY_BUTTON_PB2, 5000, T0 + 6000),
                     OMP_DISPLAY_REQ_NONE);

    /* about 6 s: on the manual disconnect item, on a trip counter, on the first manual item */
    init_ie(&d);
    set(&d, OMP_DISPLAY_LIST_MANUAL, manual, 5);
    set(&d, OMP_DISPLAY_LIST_AUTO, autol, 2);
    omp_display_tick(&d, T0 + 15000, true);
    static const struct {
        uint8_t index;
        uint32_t held_ms;
        enum omp_display_req want;
    } hold[] = {
        {0, 6000, OMP_DISPLAY_REQ_BREAKER_CLOSE}, {0, 5999, OMP_DISPLAY_REQ_NONE},
        {1, 6000, OMP_DISPLAY_REQ_NONE},          {2, 6000, OMP_DISPLAY_REQ_BREAKER_TOGGLE},
        {2, 5999, OMP_DISPLAY_REQ_NONE},          {2, 60000, OMP_DISPLAY_REQ_BREAKER_TOGGLE},
        {3, 6000, OMP_DISPLAY_REQ_TRIP_RESET},    {4, 6000, OMP_DISPLAY_REQ_NONE},
    };
    uint64_t t = T0 + 20000;
    for (size_t k = 0; k < OMP_ARRAY_LEN(hold); k++) {
        (void)omp_display_press(&d, OMP_DISPLAY_BUTTON_LEFT, 100, t); /* enter the manual list */
        for (uint8_t i = 0; i < hold[k].index; i++) {
            (void)omp_display_press(&d, OMP_DISPLAY_BUTTON_LEFT, 100, t);
        }
        assert_shows(&d, OMP_DISPLAY_MODE_MANUAL, hold[k].index, &manual[hold[k].index]);
        assert_int_equal(omp_display_press(&d, OMP_DISPLAY_BUTTON_LEFT, hold[k].held_ms,
                                           t + hold[k].held_ms),
                         hold[k].want);
        assert_shows(&d, OMP_DISPLAY_MODE_MANUAL, hold[k].index, NULL); /* no step */
        assert_int_equal(omp_display_press(&d, OMP_DISPLAY_BUTTON_PB2, hold[k].held_ms,
                                           t + 2u * hold[k].held_ms),
                         OMP_DISPLAY_REQ_NONE);
        t += 300000; /* back to the automatic list (the last press was at most 120 s in) */
        omp_display_tick(&d, t, true);
    }
    /* a long press restarts the 2 min timeout */
    (void)omp_display_press(&d, OMP_DISPLAY_BUTTON_LEFT, 100, t);
    (void)omp_display_press(&d, OMP_DISPLAY_BUTTON_LEFT, 6000, t + 100000);
    omp_display_tick(&d, t + 100000 + 119999, true);
    assert_shows(&d, OMP_DISPLAY_MODE_MANUAL, 0, &a_plus);
    omp_display_tick(&d, t + 100000 + 120000, true);
    assert_shows(&d, OMP_DISPLAY_MODE_AUTO, 0, &trip_a14);
    /* the automatic list showing a trip counter: the reset, and still the automatic list */
    assert_int_equal(omp_display_press(&d, OMP_DISPLAY_BUTTON_LEFT, 6000, t + 100000 + 126000),
                     OMP_DISPLAY_REQ_TRIP_RESET);
    assert_shows(&d, OMP_DISPLAY_MODE_AUTO, 0, &trip_a14);
    /* the utility list showing the disconnect item */
    set(&d, OMP_DISPLAY_LIST_UTILITY, &disconnect, 1);
    (void)omp_display_press(&d, OMP_DISPLAY_BUTTON_PB2, 100, t + 300000);
    assert_int_equal(omp_display_press(&d, OMP_DISPLAY_BUTTON_LEFT, 6500, t + 306500),
                     OMP_DISPLAY_REQ_BREAKER_TOGGLE);
}

static void test_changed_flag(void **state)
{
    (void)state;
    struct omp_display d;
    init_ie(&d);
    assert_true(omp_display_changed(&d)); /* init */
    assert_false(omp_display_changed(&d));
    omp_display_tick(&d, T0 + 4999, true);
    assert_false(omp_display_changed(&d));
    omp_display_tick(&d, T0 + 5000, true);
    assert_true(omp_display_changed(&d));
    omp_display_tick(&d, T0 + 10000, true); /* software number, step 2: the index changes */
    assert_true(omp_display_changed(&d));
    omp_display_tick(&d, T0 + 15000, true);
    assert_true(omp_display_changed(&d));
    set(&d, OMP_DISPLAY_LIST_UTILITY, &call, 1); /* not shown */
    assert_false(omp_display_changed(&d));
    set(&d, OMP_DISPLAY_LIST_AUTO, &clock_date, 1); /* shown: same index, new item */
    assert_true(omp_display_changed(&d));
    omp_display_tick(&d, T0 + 35000, true); /* one item: no change */
    assert_false(omp_display_changed(&d));
    (void)omp_display_press(&d, OMP_DISPLAY_BUTTON_LEFT, 100, T0 + 36000);
    assert_true(omp_display_changed(&d));
    (void)omp_display_press(&d, OMP_DISPLAY_BUTTON_LEFT, 6000, T0 + 43000);
    assert_false(omp_display_changed(&d));
    omp_display_tick(&d, T0 + 44000, false);
    assert_true(omp_display_changed(&d));
    assert_false(omp_display_changed(NULL));
    struct omp_display_shown s;
    assert_int_equal(omp_display_current(NULL, &s), OMP_ERR_ARG);
    assert_int_equal(omp_display_current(&d, NULL), OMP_ERR_ARG);
}

/* ---- NVM encoding ------------------------------------------------------------------------- */

/* auto {A+}, manual {A+, A-}, utility {}, battery {display test}: bytes written by hand. */
static const uint8_t small_enc[] = {
    0x44, 0x01,                                           /* format 'D', version 1 */
    0x01, 0x01, 0x01, 0x01, 0x08, 0x00, 0xFF, 0x02, 0x00, /* auto: A+ attr 2 value */
    0x02, 0x01, 0x01, 0x01, 0x08, 0x00, 0xFF, 0x02, 0x00, /* manual: A+ */
    0x01, 0x01, 0x02, 0x08, 0x00, 0xFF, 0x02, 0x00,       /*         A- */
    0x00,                                                 /* utility: none */
    0x01, 0x01, 0x01, 0x80, 0x80, 0x01, 0xFF, 0x02, 0x00, /* battery: display test */
};

static void small_lists(struct omp_display *d)
{
    const struct omp_display_item manual[2] = {a_plus, a_minus};
    init_ie(d);
    set(d, OMP_DISPLAY_LIST_AUTO, &a_plus, 1);
    set(d, OMP_DISPLAY_LIST_MANUAL, manual, 2);
    set(d, OMP_DISPLAY_LIST_BATTERY, &display_test, 1);
}

static void test_lists_encode(void **state)
{
    (void)state;
    struct omp_display d;
    uint8_t buf[sizeof small_enc + 8];
    small_lists(&d);
    for (size_t cap = 0; cap <= sizeof small_enc; cap++) {
        memset(buf, 0xA5, sizeof buf);
        struct omp_wr w = omp_wr_init(buf + 4, cap);
        omp_err want = cap == sizeof small_enc ? OMP_OK : OMP_ERR_NOSPACE;
        assert_int_equal(omp_display_lists_encode(&d, &w), want);
        assert_int_equal(omp_wr_len(&w), want == OMP_OK ? sizeof small_enc : 0u);
        for (size_t i = 0; i < 4; i++) {
            assert_int_equal(buf[i], 0xA5);
        }
        for (size_t i = 4 + cap; i < sizeof buf; i++) {
            assert_int_equal(buf[i], 0xA5);
        }
        if (want == OMP_OK) {
            assert_memory_equal(buf + 4, small_enc, sizeof small_enc);
        } else {
            for (size_t i = 4; i < 4 + cap; i++) {
                assert_int_equal(buf[i], 0xA5); /* nothing written */
            }
        }
    }
    /* a writer that already failed keeps its error */
    struct omp_wr w = omp_wr_init(buf, 1);
    assert_int_equal(omp_wr_u16be(&w, 1), OMP_ERR_NOSPACE);
    assert_int_equal(omp_display_lists_encode(&d, &w), OMP_ERR_NOSPACE);
    assert_int_equal(omp_display_lists_encode(NULL, &w), OMP_ERR_ARG);
    assert_int_equal(omp_display_lists_encode(&d, NULL), OMP_ERR_ARG);

    /* full lists: the documented maximum, 2 + 4 + 8 * (16 + 30 + 16 + 8) = 566 bytes */
    struct omp_display_item it[30];
    static uint8_t big[OMP_DISPLAY_LISTS_ENCODED_MAX];
    assert_int_equal(OMP_DISPLAY_LISTS_ENCODED_MAX, 566);
    for (size_t k = 0; k < OMP_ARRAY_LEN(sizes); k++) {
        fill(it, sizes[k].max, sizes[k].which);
        set(&d, sizes[k].which, it, sizes[k].max);
    }
    w = omp_wr_init(big, sizeof big);
    assert_int_equal(omp_display_lists_encode(&d, &w), OMP_OK);
    assert_int_equal(omp_wr_len(&w), 566);
    struct omp_display e;
    init_ie(&e);
    struct omp_rd rd = omp_rd_init(big, sizeof big);
    assert_int_equal(omp_display_lists_decode(&rd, &e), OMP_OK);
    assert_int_equal(omp_rd_pos(&rd), 566);
    for (unsigned l = 0; l < (unsigned)OMP_DISPLAY_LIST_COUNT; l++) {
        const struct omp_display_item *a = NULL, *b = NULL;
        size_t na = 0, nb = 0;
        assert_int_equal(omp_display_get_list(&d, l, &a, &na), OMP_OK);
        assert_int_equal(omp_display_get_list(&e, l, &b, &nb), OMP_OK);
        assert_int_equal(na, nb);
        assert_memory_equal(a, b, na * sizeof *a);
    }
}

static void test_lists_decode(void **state)
{
    (void)state;
    struct omp_display d, before;
    uint8_t in[sizeof small_enc + 3];
    memcpy(in, small_enc, sizeof small_enc);
    in[sizeof small_enc] = 0x77; /* bytes after the lists stay in the reader */

    init_ie(&d);
    omp_display_tick(&d, T0 + 25000, true);
    assert_shows(&d, OMP_DISPLAY_MODE_AUTO, 1, &a_minus);
    struct omp_rd rd = omp_rd_init(in, sizeof small_enc + 1);
    assert_int_equal(omp_display_lists_decode(&rd, &d), OMP_OK);
    assert_int_equal(omp_rd_pos(&rd), sizeof small_enc);
    assert_shows(&d, OMP_DISPLAY_MODE_AUTO, 0, &a_plus); /* the shown list restarts */
    const struct omp_display_item *got = NULL;
    size_t n = 0;
    assert_int_equal(omp_display_get_list(&d, OMP_DISPLAY_LIST_BATTERY, &got, &n), OMP_OK);
    assert_int_equal(n, 1);
    assert_true(item_eq(&got[0], &display_test));
    assert_int_equal(omp_display_get_list(&d, OMP_DISPLAY_LIST_UTILITY, &got, &n), OMP_OK);
    assert_int_equal(n, 0);

    /* every truncation */
    init_ie(&d);
    memcpy(&before, &d, sizeof d);
    for (size_t cut = 0; cut < sizeof small_enc; cut++) {
        rd = omp_rd_init(in, cut);
        assert_int_equal(omp_display_lists_decode(&rd, &d), OMP_ERR_TRUNCATED);
        assert_int_equal(omp_rd_pos(&rd), 0);
        assert_memory_equal(&d, &before, sizeof d);
    }
    /* hand-corrupted copies (offsets: small_enc's layout above), each refused unchanged */
    static const struct {
        const char *why;
        size_t n;
        uint8_t patch[3][2]; /* {offset, new byte} */
        omp_err want;
    } bad[] = {
        {"format", 1, {{0, 0x45}}, OMP_ERR_MALFORMED},
        {"version 2", 1, {{1, 0x02}}, OMP_ERR_MALFORMED},
        {"version 0", 1, {{1, 0x00}}, OMP_ERR_MALFORMED},
        {"auto count 17", 1, {{2, 17}}, OMP_ERR_RANGE},
        {"auto item becomes 99.1.0", 2, {{5, 99}, {6, 1}}, OMP_ERR_DENIED},
        {"auto item becomes 98.1.0", 2, {{5, 98}, {6, 1}}, OMP_ERR_DENIED},
        {"auto item becomes CouplingState", 3, {{5, 128}, {6, 0}, {7, 0}}, OMP_ERR_DENIED},
        {"auto item attr 0", 1, {{9, 0x00}}, OMP_ERR_RANGE},
        {"auto item view 3", 1, {{10, 0x03}}, OMP_ERR_RANGE},
        {"manual count 31", 1, {{11, 31}}, OMP_ERR_RANGE},
        {"manual A+ attr 3", 1, {{18, 0x03}}, OMP_ERR_DENIED},
        {"manual A- becomes R+", 1, {{22, 0x03}}, OMP_ERR_DENIED},
        {"utility count 17", 1, {{28, 17}}, OMP_ERR_RANGE},
        {"utility count 2: runs past the end", 1, {{28, 2}}, OMP_ERR_TRUNCATED},
        {"battery count 9", 1, {{29, 9}}, OMP_ERR_RANGE},
        {"battery count 2", 1, {{29, 2}}, OMP_ERR_TRUNCATED},
        {"battery test becomes 15.8.0", 3, {{32, 15}, {33, 8}, {34, 0}}, OMP_ERR_DENIED},
        {"battery test becomes CALL", 1, {{34, 2}}, OMP_ERR_DENIED},
        {"battery item view 3", 1, {{37, 0x03}}, OMP_ERR_RANGE},
    };
    for (size_t k = 0; k < OMP_ARRAY_LEN(bad); k++) {
        uint8_t x[sizeof small_enc];
        memcpy(x, small_enc, sizeof x);
        for (size_t i = 0; i < bad[k].n; i++) {
            x[bad[k].patch[i][0]] = bad[k].patch[i][1];
        }
        rd = omp_rd_init(x, sizeof x);
        assert_int_equal(omp_display_lists_decode(&rd, &d), bad[k].want);
        assert_int_equal(omp_rd_pos(&rd), 0);
        assert_memory_equal(&d, &before, sizeof d);
    }
    /* the legal readings are checked against this display's configuration: a meter where R+ is
     * legal too refuses the same bytes */
    const struct omp_display_cfg more = {
        .legal = OMP_DISPLAY_LEGAL(1) | OMP_DISPLAY_LEGAL(2) | OMP_DISPLAY_LEGAL(3)};
    assert_int_equal(omp_display_init(&d, &more, T0), OMP_OK);
    rd = omp_rd_init(small_enc, sizeof small_enc);
    assert_int_equal(omp_display_lists_decode(&rd, &d), OMP_ERR_DENIED);
    assert_int_equal(omp_display_lists_decode(NULL, &d), OMP_ERR_ARG);
    assert_int_equal(omp_display_lists_decode(&rd, NULL), OMP_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_sizes),
        cmocka_unit_test(test_list_refused_items),
        cmocka_unit_test(test_list_allowed_items),
        cmocka_unit_test(test_list_malformed_items),
        cmocka_unit_test(test_list_legal_readings),
        cmocka_unit_test(test_power_up_sequence),
        cmocka_unit_test(test_auto_steps),
        cmocka_unit_test(test_manual_list_and_timeout),
        cmocka_unit_test(test_utility_list),
        cmocka_unit_test(test_battery_list),
        cmocka_unit_test(test_long_presses),
        cmocka_unit_test(test_changed_flag),
        cmocka_unit_test(test_lists_encode),
        cmocka_unit_test(test_lists_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Tests of lib/clock, the clock and tariff service, on a settings store in RAM NVM: the seconds it
 * hands to the registers (with and without a valid RTC, the per-tick bound), clock changes and
 * their events, the energy split at a calendar switch, the power-up record and event, ActualTariff
 * and calendars stored before they are taken.
 *
 * Times: 2024-01-15T12:00:00Z = 1705320000 (winter: local = UTC + 1 h with Z11 = +1 h, EU DST).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/clock.h"
#include "omnipower/hal_fakes.h"

#define T0 ((omp_time_s)1705320000) /* 2024-01-15T12:00:00Z */
#define SECTOR 4096u
#define NSEC 2u

struct rig {
    uint8_t mem[NSEC * SECTOR];
    struct omp_ram_nvm nvm;
    struct omp_hal_ops ops;
    struct omp_hal hal;
    struct omp_store store;
    struct omp_evq events;
    struct omp_evq_reader rd;
    uint8_t io[OMP_CLOCK_IO_LEN];
    struct omp_clock c;
    struct omp_now now;
};

static struct rig g;

static omp_err nvm_geometry(void *u, struct omp_nvm_geometry *geo)
{
    return omp_ram_nvm_geometry(u, geo);
}

static const struct omp_clock_cfg k_cfg = {60, OMP_DST_EU, OMP_TARIFF_SRC_REGISTER, 0u, 1u};

/* A clock on a fresh (or, with @p keep, the same) store at monotonic 0, UTC @p utc. */
static void start(omp_time_s utc, bool keep, const struct omp_clock_cfg *cfg)
{
    if (!keep) {
        memset(&g, 0, sizeof g);
        const struct omp_nvm_geometry geo = {NSEC * SECTOR, SECTOR, 4u, 0xFFu, 100000u};
        assert_int_equal(omp_ram_nvm_init(&g.nvm, g.mem, &geo, NULL), OMP_OK);
        omp_ram_nvm_format(&g.nvm);
        g.ops.nvm_geometry = nvm_geometry;
        g.ops.nvm_read = omp_ram_nvm_read;
        g.ops.nvm_program = omp_ram_nvm_program;
        g.ops.nvm_erase = omp_ram_nvm_erase;
        g.hal.ops = &g.ops;
        g.hal.user = &g.nvm;
    }
    assert_int_equal(omp_store_open(&g.store, &g.hal, 0, NSEC), OMP_OK);
    assert_int_equal(omp_evq_init(&g.events), OMP_OK);
    assert_int_equal(omp_evq_reader_init(&g.events, &g.rd), OMP_OK);
    assert_int_equal(omp_clock_init(&g.c, cfg, &g.store, g.io, &g.events), OMP_OK);
    g.now = (struct omp_now){0u, utc, 0u, true};
}

static struct omp_event next_event(void)
{
    struct omp_event ev;
    assert_int_equal(omp_evq_read(&g.events, &g.rd, &ev, NULL), OMP_OK);
    return ev;
}

static void no_event(void)
{
    struct omp_event ev;
    assert_int_equal(omp_evq_read(&g.events, &g.rd, &ev, NULL), OMP_ERR_NOT_FOUND);
}

/* Advance both clocks by @p ms and tick; @return the seconds handed out. */
static uint32_t advance(uint64_t ms, struct omp_clock_step *st, omp_time_s *first,
                        omp_time_s *last)
{
    g.now.mono_ms += ms;
    uint64_t u = (uint64_t)g.now.utc_ms + ms;
    g.now.utc_s += (omp_time_s)(u / 1000u);
    g.now.utc_ms = (uint16_t)(u % 1000u);
    omp_clock_tick(&g.c, &g.now, 0u, st);
    struct omp_clock_sec s;
    uint32_t n = 0;
    while (omp_clock_second(&g.c, &s)) {
        if (n == 0u && first != NULL) {
            *first = s.utc;
        }
        if (last != NULL) {
            *last = s.utc;
        }
        assert_int_equal(s.valid, g.now.rtc_valid);
        n++;
    }
    return n;
}

static void test_init_args(void **state)
{
    (void)state;
    start(T0, false, &k_cfg);
    struct omp_clock_cfg bad = k_cfg;
    bad.default_tariff = 0u;
    assert_false(omp_clock_cfg_valid(&bad));
    assert_int_equal(omp_clock_init(&g.c, &bad, &g.store, g.io, &g.events), OMP_ERR_ARG);
    bad = k_cfg;
    bad.utc_offset_min = 17; /* not a whole or half hour */
    assert_int_equal(omp_clock_init(&g.c, &bad, &g.store, g.io, &g.events), OMP_ERR_ARG);
    bad = k_cfg;
    bad.tariff_source = (enum omp_tariff_source)9;
    assert_false(omp_clock_cfg_valid(&bad));
    assert_false(omp_clock_cfg_valid(NULL));
    assert_int_equal(omp_clock_init(NULL, &k_cfg, &g.store, g.io, &g.events), OMP_ERR_ARG);
    assert_int_equal(omp_clock_init(&g.c, &k_cfg, NULL, g.io, &g.events), OMP_ERR_ARG);
    assert_int_equal(omp_clock_init(&g.c, &k_cfg, &g.store, NULL, &g.events), OMP_ERR_ARG);
    assert_int_equal(omp_clock_init(&g.c, &k_cfg, &g.store, g.io, NULL), OMP_ERR_ARG);
}

/* Power-ups are counted in NVM; the event says how long the meter was off when both the saved
 * time and the clock are known (here: saved T0 + 5, started at T0 + 125: 120 s). */
static void test_power_up(void **state)
{
    (void)state;
    start(T0, false, &k_cfg);
    assert_int_equal(omp_clock_restore(&g.c, 0, false, &g.now), OMP_OK);
    assert_int_equal(omp_clock_power_up(&g.c, &g.now), OMP_OK);
    assert_int_equal(g.c.power_ups, 1u);
    struct omp_event ev = next_event();
    assert_int_equal(ev.code, OMP_EV_POWER_UP);
    assert_int_equal(ev.arg, 0u); /* nothing saved: unknown */
    assert_int_equal(ev.utc_s, T0);
    start(T0 + 125, true, &k_cfg);
    assert_int_equal(omp_clock_restore(&g.c, T0 + 5, true, &g.now), OMP_OK);
    assert_int_equal(omp_clock_power_up(&g.c, &g.now), OMP_OK);
    assert_int_equal(g.c.power_ups, 2u);
    ev = next_event();
    assert_int_equal(ev.arg, 120u);
    /* an NVM that cannot take the record fails the power-up */
    start(T0 + 200, true, &k_cfg);
    assert_int_equal(omp_clock_restore(&g.c, T0 + 130, true, &g.now), OMP_OK);
    omp_ram_nvm_cut_after(&g.nvm, 1u);
    assert_int_equal(omp_clock_power_up(&g.c, &g.now), OMP_ERR_POWER_LOST);
}

/* Every UTC second once while the RTC is valid; at most 86400 per tick; without the RTC one per
 * monotonic second at the last valid time, flagged. */
static void test_seconds(void **state)
{
    (void)state;
    start(T0, false, &k_cfg);
    assert_int_equal(omp_clock_restore(&g.c, 0, false, &g.now), OMP_OK);
    assert_int_equal(omp_clock_power_up(&g.c, &g.now), OMP_OK);
    struct omp_clock_step st;
    omp_time_s first = 0, last = 0;
    assert_int_equal(advance(400u, &st, &first, &last), 0u);
    assert_int_equal(advance(2600u, &st, &first, &last), 3u);
    assert_int_equal(first, T0 + 1);
    assert_int_equal(last, T0 + 3);
    assert_false(st.set);
    /* a day and 5 s in one tick: a day now, the 5 s at the next tick (no clock change) */
    assert_int_equal(advance(86405000u, &st, &first, &last), 86400u);
    assert_int_equal(last, T0 + 3 + 86400);
    assert_false(st.set);
    /* the RTC is lost: monotonic seconds at the last valid time */
    g.now.rtc_valid = false;
    omp_time_s keep = g.now.utc_s;
    assert_int_equal(advance(2500u, &st, &first, &last), 2u);
    assert_int_equal(first, keep);
    assert_int_equal(last, keep);
    /* it comes back: the registers see that second, no clock change */
    g.now.rtc_valid = true;
    assert_int_equal(advance(500u, &st, &first, &last), 1u);
    assert_int_equal(last, g.now.utc_s);
    assert_false(st.set);
}

/* The RTC moved against the monotonic clock: more than 2 s is a clock change (event with |d|,
 * backward flag), 2 s is not. */
static void test_clock_change(void **state)
{
    (void)state;
    start(T0, false, &k_cfg);
    assert_int_equal(omp_clock_restore(&g.c, 0, false, &g.now), OMP_OK);
    assert_int_equal(omp_clock_power_up(&g.c, &g.now), OMP_OK);
    (void)next_event();
    struct omp_clock_step st;
    assert_int_equal(advance(1000u, &st, NULL, NULL), 1u);
    g.now.utc_s += 2; /* drift within the tolerance */
    assert_int_equal(advance(1000u, &st, NULL, NULL), 3u);
    assert_false(st.set);
    no_event();
    g.now.utc_s += 10;
    omp_time_s before = g.now.utc_s - 10 + 1; /* where the monotonic clock says it is */
    (void)advance(1000u, &st, NULL, NULL);
    assert_true(st.set);
    assert_int_equal(st.old_utc, before);
    assert_int_equal(st.new_utc, before + 10);
    struct omp_event ev = next_event();
    assert_int_equal(ev.code, OMP_EV_CLOCK_SET);
    assert_int_equal(ev.arg, 10u);
    assert_int_equal(ev.flags, 0u);
    assert_int_equal(ev.utc_s, before + 10);
    g.now.utc_s -= 3600;
    (void)advance(1000u, &st, NULL, NULL);
    assert_true(st.set);
    ev = next_event();
    assert_int_equal(ev.arg, 3600u);
    assert_int_equal(ev.flags, OMP_EVF_CLOCK_BACKWARD);
    /* a set through the API: the same event, and the seconds go on from there */
    assert_int_equal(omp_clock_set(&g.c, T0 + 7200, &st), OMP_OK);
    assert_true(st.set);
    assert_int_equal(st.new_utc, T0 + 7200);
    ev = next_event();
    assert_int_equal(ev.code, OMP_EV_CLOCK_SET);
    assert_int_equal(omp_clock_set(&g.c, (omp_time_s)-1, &st), OMP_ERR_RANGE);
}

/* Every day T1 from 00:00, T2 from 13:00 local (12:00Z in winter). */
static void two_rates(struct omp_tou_calendar *c)
{
    memset(c, 0, sizeof *c);
    c->n_seasons = 1;
    c->season[0] = (struct omp_tou_season){1, 1, 0};
    c->n_weeks = 1;
    c->week[0] = (struct omp_tou_week){{0, 0, 0, 0, 0, 0, 0}};
    c->n_days = 1;
    c->day[0].n_switches = 2;
    c->day[0].sw[0] = (struct omp_tou_switch){0, 0, 1};
    c->day[0].sw[1] = (struct omp_tou_switch){13, 0, 2};
}

/* A tick from 11:59:59.950Z to 12:00:00.050Z spans the 13:00 local switch: 50 of its 100 ms go to
 * T1, the rest to T2. The calendar survives a restart. */
static void test_calendar_split(void **state)
{
    (void)state;
    struct omp_clock_cfg cfg = k_cfg;
    cfg.tariff_source = OMP_TARIFF_SRC_CALENDAR;
    start(T0 - 10, false, &cfg);
    assert_int_equal(omp_clock_restore(&g.c, 0, false, &g.now), OMP_OK);
    assert_int_equal(omp_clock_power_up(&g.c, &g.now), OMP_OK);
    static struct omp_tou_calendar cal;
    two_rates(&cal);
    assert_int_equal(omp_clock_set_calendar(&g.c, &cal, 0), OMP_OK);
    struct omp_clock_step st;
    (void)advance(9950u, &st, NULL, NULL); /* to 11:59:59.950Z */
    assert_int_equal(g.c.tariff_now, 1u);
    assert_int_equal(st.split.num, 0u);
    (void)advance(100u, &st, NULL, NULL);
    assert_int_equal(st.split.before, 1u);
    assert_int_equal(st.split.after, 2u);
    assert_int_equal(st.split.num, 50u);
    assert_int_equal(st.split.den, 100u);
    (void)advance(100u, &st, NULL, NULL);
    assert_int_equal(st.split.num, 0u);
    assert_int_equal(st.split.after, 2u);
    /* stored: a new start on the same NVM has it */
    start(T0 + 60, true, &cfg);
    assert_int_equal(omp_clock_restore(&g.c, T0, true, &g.now), OMP_OK);
    assert_int_equal(omp_clock_power_up(&g.c, &g.now), OMP_OK);
    assert_int_equal(g.c.tariff_now, 2u);
    /* refused, and not taken when the NVM fails */
    cal.day[0].sw[1].tariff = 9u;
    assert_int_equal(omp_clock_set_calendar(&g.c, &cal, 0), OMP_ERR_RANGE);
    two_rates(&cal);
    cal.day[0].sw[1].hour = 14u;
    omp_ram_nvm_cut_after(&g.nvm, 1u);
    assert_int_equal(omp_clock_set_calendar(&g.c, &cal, 0), OMP_ERR_POWER_LOST);
    assert_false(g.c.tariff.has_passive);
}

/* ActualTariff: only with the register source, 1..OMP_CONFIG_TARIFFS, stored first, an event. */
static void test_set_tariff(void **state)
{
    (void)state;
    start(T0, false, &k_cfg);
    assert_int_equal(omp_clock_restore(&g.c, 0, false, &g.now), OMP_OK);
    assert_int_equal(omp_clock_power_up(&g.c, &g.now), OMP_OK);
    (void)next_event();
    assert_int_equal(omp_clock_set_tariff(&g.c, 0u), OMP_ERR_RANGE);
    assert_int_equal(omp_clock_set_tariff(&g.c, OMP_CONFIG_TARIFFS + 1u), OMP_ERR_RANGE);
    assert_int_equal(omp_clock_set_tariff(&g.c, 3u), OMP_OK);
    struct omp_event ev = next_event();
    assert_int_equal(ev.code, OMP_EV_CONFIG_CHANGED);
    assert_int_equal(ev.arg, 0x810000u); /* C.D.E of ActualTariff 129.0.0 */
    struct omp_clock_step st;
    (void)advance(100u, &st, NULL, NULL);
    assert_int_equal(g.c.tariff_now, 3u);
    omp_ram_nvm_cut_after(&g.nvm, 1u);
    assert_int_equal(omp_clock_set_tariff(&g.c, 4u), OMP_ERR_POWER_LOST);
    assert_int_equal(g.c.tariff.register_tariff, 3u);
    omp_ram_nvm_power_on(&g.nvm);
    /* the store was left stale by the failed write: the next write opens it again */
    assert_true(g.store.stale);
    assert_int_equal(omp_clock_set_tariff(&g.c, 4u), OMP_OK);
    start(T0 + 10, true, &k_cfg);
    assert_int_equal(omp_clock_restore(&g.c, T0, true, &g.now), OMP_OK);
    assert_int_equal(omp_clock_power_up(&g.c, &g.now), OMP_OK);
    assert_int_equal(g.c.tariff_now, 4u);
    assert_int_equal(g.c.power_ups, 2u);
    /* another source refuses it */
    struct omp_clock_cfg cfg = k_cfg;
    cfg.tariff_source = OMP_TARIFF_SRC_DEFAULT;
    start(T0, false, &cfg);
    assert_int_equal(omp_clock_set_tariff(&g.c, 2u), OMP_ERR_UNSUPPORTED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_args),      cmocka_unit_test(test_power_up),
        cmocka_unit_test(test_seconds),        cmocka_unit_test(test_clock_change),
        cmocka_unit_test(test_calendar_split), cmocka_unit_test(test_set_tariff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

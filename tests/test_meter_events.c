/*
 * The event logs in the meter (docs/logger.md "Event logs"): every event of the meter's queue in
 * the log of its code's range, with its time, code, argument and flags; bounded with the oldest
 * overwritten and counted; cleared on request (and that logged); kept across a restart; events the
 * queue dropped before the logs read them logged as lost; the deletion of a reconfigured profile
 * logged once, at the start's time; the meter's DLMS servers, one per port, and a refused LLS
 * password in the communication log.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/hal_fakes.h"
#include "omnipower/meter.h"

#define SECTOR 4096u
#define SECTORS 48u
#define SIZE (SECTOR * SECTORS)
#define T0 ((omp_time_s)1798761600) /* 2027-01-01T00:00:00Z */

static const struct omp_nvm_geometry k_geo = {
    .size = SIZE, .sector_size = SECTOR, .program_unit = 8u, .erase_value = 0xFFu,
    .erase_cycles = 100000u,
};

struct fx {
    uint8_t mem[SIZE];
    struct omp_fake_board b;
    struct omp_hal hal;
    struct omp_meter_cfg cfg;
    struct omp_meter m;
};

static struct fx g_fx;

static void start(struct fx *f)
{
    assert_int_equal(omp_meter_init(&f->m, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
}

static struct fx *fx_new(void)
{
    struct fx *f = &g_fx;
    memset(f, 0, sizeof *f);
    assert_int_equal(omp_fake_board_init(&f->b, f->mem, &k_geo, NULL, T0), OMP_OK);
    f->hal = omp_fake_board_hal(&f->b);
    omp_meter_cfg_default(&f->cfg);
    f->cfg.meter_number = 12345678u;
    f->cfg.ev_sectors = OMP_METER_EV_DEPTH;
    start(f);
    return f;
}

static void step(struct fx *f, unsigned ms)
{
    omp_fake_clock_advance_ms(&f->b.clock, ms);
    omp_meter_tick(&f->m, &f->b.clock.now);
    assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
}

/* The events of log @p k, oldest first, into @p out (at most @p cap); @return how many. */
static size_t events_of(const struct omp_meter *m, enum omp_evlog_kind k, struct omp_event *out,
                        size_t cap)
{
    const struct omp_evlog *l = omp_meter_event_log(m, k);
    struct omp_plog_cursor c;
    size_t n = 0;
    assert_non_null(l);
    if (omp_plog_count(&l->log) == 0u) {
        return 0;
    }
    assert_int_equal(omp_plog_seek(&l->log, 1u, &c), OMP_OK);
    struct omp_event ev;
    while (n < cap && omp_evlog_next(l, &c, &ev, NULL) == OMP_OK) {
        out[n++] = ev;
    }
    return n;
}

/* An entry of an event log: length, flags and CRC (4 bytes), a time (no period: at its widest,
 * 10), code, arg and flags as zigzag differences packed in 17 + 33 + 17 = 67 bits (9 bytes, fewer
 * than the 3 + 5 + 3 of varints): 23 bytes, 24 with program unit 8; a full one 64. A 4 KiB sector
 * (4080 bytes) holds a full one, 63 plain, a full, 63 plain, a full, and (4080 - 3216) / 24 = 36
 * more: 165; 200 events need 4 sectors (one the ring's spare, one what a power cut during an
 * append may cost: 2 x 165 = 330 always held). Five logs: 20 sectors. */
static void test_regions(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    assert_int_equal(omp_evlog_sectors(&k_geo), 4u);
    struct omp_meter_nvm_info i;
    assert_int_equal(omp_meter_nvm_info(&f->m, &i), OMP_OK);
    assert_int_equal(i.ev_sectors, 4u);
    assert_int_equal(i.ev_capacity, 330u);
    assert_int_equal(i.journal_sectors, SECTORS - 20u - 4u - 2u - 3u);
    /* the power-up went to the standard log at the first poll */
    struct omp_event ev[4];
    assert_int_equal(events_of(&f->m, OMP_EVLOG_STANDARD, ev, 4u), 1u);
    assert_int_equal(ev[0].code, OMP_EV_POWER_UP);
    assert_int_equal(ev[0].utc_s, T0);
    assert_null(omp_meter_event_log(&f->m, OMP_EVLOG_COUNT));
}

/* Cover and magnet inputs to the tamper log, a clock set to the standard one, each with its time
 * and arguments; buttons are not logged. */
static void test_routing(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    step(f, 1000u);
    omp_meter_on_input(&f->m, OMP_INPUT_COVER, true);
    step(f, 1000u);
    omp_meter_on_input(&f->m, OMP_INPUT_COVER, false);
    omp_meter_on_input(&f->m, OMP_INPUT_MAGNET, true);
    step(f, 1000u);
    omp_meter_on_input(&f->m, OMP_INPUT_BUTTON, true);
    step(f, 100u);
    omp_meter_on_input(&f->m, OMP_INPUT_BUTTON, false);
    step(f, 100u);
    assert_int_equal(omp_meter_set_clock(&f->m, T0 + 3600), OMP_OK);
    step(f, 1000u);
    struct omp_event ev[8];
    assert_int_equal(events_of(&f->m, OMP_EVLOG_TAMPER, ev, 8u), 3u);
    assert_int_equal(ev[0].code, OMP_EV_COVER_OPEN);
    assert_int_equal(ev[0].utc_s, T0 + 2);
    assert_int_equal(ev[1].code, OMP_EV_COVER_CLOSED);
    assert_int_equal(ev[2].code, OMP_EV_MAGNETIC_START);
    assert_int_equal(ev[2].utc_s, T0 + 3);
    size_t n = events_of(&f->m, OMP_EVLOG_STANDARD, ev, 8u);
    assert_int_equal(n, 2u);
    assert_int_equal(ev[1].code, OMP_EV_CLOCK_SET);
    assert_int_equal(ev[1].arg, 3600u - 3u); /* set from T0 + 3.2 s to T0 + 3600 */
    assert_int_equal(events_of(&f->m, OMP_EVLOG_COMM, ev, 8u), 0u);
}

/* 500 cover events (250 opens and closes): the log holds at least its 330, the newest, in
 * order; the rest is counted as overflow; a clear empties it and is logged. */
static void test_bounded_and_cleared(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    for (unsigned k = 0; k < 500u; k++) {
        omp_meter_on_input(&f->m, OMP_INPUT_COVER, (k % 2u) == 0u);
        step(f, 1000u);
    }
    struct omp_meter_nvm_info i;
    assert_int_equal(omp_meter_nvm_info(&f->m, &i), OMP_OK);
    uint32_t held = i.ev_entries[OMP_EVLOG_TAMPER];
    assert_true(held >= 330u);
    assert_int_equal(held + i.ev_overflow[OMP_EVLOG_TAMPER], 500u);
    static struct omp_event ev[500];
    size_t n = events_of(&f->m, OMP_EVLOG_TAMPER, ev, 500u);
    assert_int_equal(n, held);
    for (size_t k = 0; k < n; k++) { /* event j (0-based) is at T0 + 1 + j */
        uint32_t j = 500u - held + (uint32_t)k;
        assert_int_equal(ev[k].code, (j % 2u) == 0u ? OMP_EV_COVER_OPEN : OMP_EV_COVER_CLOSED);
        assert_int_equal(ev[k].utc_s, T0 + 1 + (omp_time_s)j);
    }
    assert_int_equal(omp_meter_log_clear(&f->m, OMP_EVLOG_TAMPER), OMP_OK);
    step(f, 1000u);
    assert_int_equal(omp_meter_nvm_info(&f->m, &i), OMP_OK);
    assert_int_equal(i.ev_entries[OMP_EVLOG_TAMPER], 0u);
    n = events_of(&f->m, OMP_EVLOG_STANDARD, ev, 8u);
    assert_int_equal(ev[n - 1u].code, OMP_EV_LOG_CLEARED);
    assert_int_equal(ev[n - 1u].arg, OMP_EVLOG_TAMPER);
    assert_int_equal(omp_meter_log_clear(&f->m, OMP_EVLOG_COUNT), OMP_ERR_ARG);
    assert_int_equal(omp_meter_log_clear(&f->m, OMP_METER_LOG_LP), OMP_ERR_ARG); /* none kept */
}

/* The documented power-fail sequence (meter.h: on_input, then poll, no tick between): the
 * power-down is in the standard log once the poll returns. */
static void test_power_down_logged(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    step(f, 1000u);
    omp_meter_on_input(&f->m, OMP_INPUT_POWER_FAIL, true);
    assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
    struct omp_event ev[4];
    size_t n = events_of(&f->m, OMP_EVLOG_STANDARD, ev, 4u);
    assert_int_equal(n, 2u);
    assert_int_equal(ev[1].code, OMP_EV_POWER_DOWN);
}

/* A restart keeps the logs; the new power-up follows the old entries. */
static void test_restart(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    omp_meter_on_input(&f->m, OMP_INPUT_TERMINAL, true);
    step(f, 1000u);
    assert_int_equal(omp_meter_flush(&f->m), OMP_OK);
    omp_fake_clock_advance_ms(&f->b.clock, 60000u);
    start(f);
    struct omp_event ev[8];
    assert_int_equal(events_of(&f->m, OMP_EVLOG_TAMPER, ev, 8u), 1u);
    assert_int_equal(ev[0].code, OMP_EV_TERMINAL_OPEN);
    size_t n = events_of(&f->m, OMP_EVLOG_STANDARD, ev, 8u);
    assert_int_equal(n, 2u);
    assert_int_equal(ev[0].code, OMP_EV_POWER_UP);
    assert_int_equal(ev[1].code, OMP_EV_POWER_UP);
    assert_int_equal(ev[1].utc_s, T0 + 61);
}

/* More events between two polls than the queue holds (OMP_CONFIG_EVQ_DEPTH): the logs record
 * the ones the queue kept and OMP_EV_EVENTS_LOST with how many it dropped. */
static void test_events_lost(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    const unsigned pushed = OMP_CONFIG_EVQ_DEPTH + 10u;
    for (unsigned k = 0; k < pushed; k++) {
        const struct omp_event e = {OMP_EV_OPTICAL_PASSWORD_FAIL, 0u, k, T0};
        assert_int_equal(omp_evq_push(&f->m.events, &e), OMP_OK);
    }
    step(f, 100u);
    static struct omp_event ev[64];
    size_t n = events_of(&f->m, OMP_EVLOG_COMM, ev, 64u);
    assert_int_equal(n, OMP_CONFIG_EVQ_DEPTH);
    assert_int_equal(ev[0].arg, 10u); /* the oldest kept */
    size_t m = events_of(&f->m, OMP_EVLOG_STANDARD, ev, 64u);
    assert_int_equal(ev[m - 1u].code, OMP_EV_EVENTS_LOST);
    assert_int_equal(ev[m - 1u].arg, 10u);
}

/* The events of the meter's queue now (the queue starts empty at each init), into @p out (at
 * most @p cap); @return how many. */
static size_t queued(struct omp_meter *m, struct omp_event *out, size_t cap)
{
    struct omp_evq_reader rd;
    size_t n = 0;
    assert_int_equal(omp_evq_reader_init(omp_meter_events(m), &rd), OMP_OK);
    while (n < cap && omp_evq_read(omp_meter_events(m), &rd, &out[n], NULL) == OMP_OK) {
        n++;
    }
    return n;
}

/* A start with another load profile interval (Z4 15 -> 30 min) and another analysis interval
 * deletes both (docs/logger.md "Reconfiguration"); their events carry the start's time, in the
 * queue and in the standard log, once each, before the power-up: the clock's time when it is
 * valid, else the time restored from the NVM (the registers' last save). */
static void test_reconfigured_at_start_time(void **state)
{
    (void)state;
    struct fx *f = &g_fx;
    memset(f, 0, sizeof *f);
    assert_int_equal(omp_fake_board_init(&f->b, f->mem, &k_geo, NULL, T0), OMP_OK);
    f->hal = omp_fake_board_hal(&f->b);
    omp_meter_cfg_default(&f->cfg);
    f->cfg.meter_number = 12345678u;
    f->cfg.ev_sectors = OMP_METER_EV_DEPTH;
    f->cfg.lp_sectors = 2u;
    f->cfg.an_sectors = 2u;
    start(f);
    for (unsigned k = 0; k < 10u; k++) {
        step(f, 60000u); /* to T0 + 600 */
    }
    assert_int_equal(omp_meter_flush(&f->m), OMP_OK);
    /* off for 5 minutes; the clock is right at the start: T0 + 900 */
    omp_fake_clock_advance_ms(&f->b.clock, 300000u);
    f->cfg.demand_period_min = 30u;
    f->cfg.an_period_min = 30u;
    assert_int_equal(omp_meter_init(&f->m, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    struct omp_event ev[8];
    size_t n = queued(&f->m, ev, 8u);
    assert_int_equal(n, 3u);
    assert_int_equal(ev[0].code, OMP_EV_LP_EVENT);
    assert_int_equal(ev[0].arg, 5u); /* interval changed */
    assert_int_equal(ev[0].utc_s, T0 + 900);
    assert_int_equal(ev[1].code, OMP_EV_LOG_CLEARED);
    assert_int_equal(ev[1].arg, OMP_METER_LOG_AN);
    assert_int_equal(ev[1].utc_s, T0 + 900);
    assert_int_equal(ev[2].code, OMP_EV_POWER_UP);
    assert_int_equal(ev[2].utc_s, T0 + 900);
    assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
    n = events_of(&f->m, OMP_EVLOG_STANDARD, ev, 8u);
    assert_int_equal(n, 4u); /* the first power-up, then this start's three */
    assert_int_equal(ev[0].code, OMP_EV_POWER_UP);
    assert_int_equal(ev[0].utc_s, T0);
    assert_int_equal(ev[1].code, OMP_EV_LP_EVENT);
    assert_int_equal(ev[1].arg, 5u);
    assert_int_equal(ev[1].utc_s, T0 + 900);
    assert_int_equal(ev[2].code, OMP_EV_LOG_CLEARED);
    assert_int_equal(ev[2].arg, OMP_METER_LOG_AN);
    assert_int_equal(ev[2].utc_s, T0 + 900);
    assert_int_equal(ev[3].code, OMP_EV_POWER_UP);
    assert_int_equal(ev[3].utc_s, T0 + 900);

    /* two minutes on (T0 + 1020, saved), then a start 10 minutes later without a valid clock:
     * the events carry the time restored, T0 + 1020, not the RTC's T0 + 1620 */
    step(f, 60000u);
    step(f, 60000u);
    assert_int_equal(omp_meter_flush(&f->m), OMP_OK);
    omp_fake_clock_advance_ms(&f->b.clock, 600000u);
    f->b.clock.now.rtc_valid = false;
    f->cfg.demand_period_min = 15u;
    f->cfg.an_channel[0].obis[2] = 9u; /* S+ 9.7.0 instead of P+ 1.7.0: another channel */
    assert_int_equal(omp_meter_init(&f->m, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    n = queued(&f->m, ev, 8u);
    assert_int_equal(n, 3u);
    assert_int_equal(ev[0].code, OMP_EV_LP_EVENT);
    assert_int_equal(ev[0].arg, 5u);
    assert_int_equal(ev[0].utc_s, T0 + 1020);
    assert_int_equal(ev[1].code, OMP_EV_LOG_CLEARED);
    assert_int_equal(ev[1].arg, OMP_METER_LOG_AN);
    assert_int_equal(ev[1].utc_s, T0 + 1020);
    assert_int_equal(ev[2].code, OMP_EV_POWER_UP);
    assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
    n = events_of(&f->m, OMP_EVLOG_STANDARD, ev, 8u);
    assert_int_equal(n, 7u);
    assert_int_equal(ev[4].code, OMP_EV_LP_EVENT);
    assert_int_equal(ev[4].utc_s, T0 + 1020);
    assert_int_equal(ev[5].code, OMP_EV_LOG_CLEARED);
    assert_int_equal(ev[5].arg, OMP_METER_LOG_AN);
    assert_int_equal(ev[5].utc_s, T0 + 1020);
    assert_int_equal(ev[6].code, OMP_EV_POWER_UP);
    assert_int_equal(ev[6].utc_s, T0 + 1020);

    /* a start with the shapes kept: nothing deleted, nothing logged but the power-up */
    f->b.clock.now.rtc_valid = true;
    assert_int_equal(omp_meter_init(&f->m, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    n = queued(&f->m, ev, 8u);
    assert_int_equal(n, 1u);
    assert_int_equal(ev[0].code, OMP_EV_POWER_UP);
}

/* The meter's DLMS servers (omp_meter_dlms, docs/dlms-server.md): one association per port, the
 * captured session 1 of the Kamstrup DLMS document answered with this meter's number, and an LLS
 * association refused for its password in the communication log as OMP_EV_DLMS_AUTH_FAIL
 * (0x0402, arg the client SAP, flags the server SAP). */
static size_t dlms(struct fx *f, enum omp_port port, uint16_t client, uint16_t server,
                   const uint8_t *req, size_t len, uint8_t *rsp)
{
    struct omp_wr w = omp_wr_init(rsp, 256u);
    assert_int_equal(omp_meter_dlms(&f->m, port, client, server, req, len, &w), OMP_OK);
    return omp_wr_len(&w);
}

static void test_dlms_ports(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    /* S1: AARQ (public, max PDU 0xFFFF), GET MeterNo1 1.1.0.0.1.255 attribute 2 */
    static const uint8_t aarq[] = {
        0x60, 0x1D, 0xA1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x01, 0xBE, 0x10,
        0x04, 0x0E, 0x01, 0x00, 0x00, 0x00, 0x06, 0x5F, 0x1F, 0x04, 0x00, 0x00, 0x18, 0x1D, 0xFF,
        0xFF};
    static const uint8_t get[] = {0xC0, 0x01, 0x81, 0x00, 0x01, 0x01, 0x01, 0x00,
                                  0x00, 0x01, 0xFF, 0x02, 0x00};
    static const uint8_t meterno[] = {0xC4, 0x01, 0x81, 0x00, 0x06, 0x00, 0xBC, 0x61, 0x4E};
    static const uint8_t no_assoc[] = {0xD8, 0x01, 0x01};
    uint8_t rsp[256];
    size_t n = dlms(f, OMP_PORT_MODULE, 16u, 1u, aarq, sizeof aarq, rsp);
    assert_true(n > 20u && rsp[0] == 0x61u);
    assert_int_equal(dlms(f, OMP_PORT_MODULE, 16u, 1u, get, sizeof get, rsp), sizeof meterno);
    assert_memory_equal(rsp, meterno, sizeof meterno);
    /* the optical port has its own server, without an association */
    assert_int_equal(dlms(f, OMP_PORT_OPTICAL, 16u, 1u, get, sizeof get, rsp), 3u);
    assert_memory_equal(rsp, no_assoc, 3u);
    /* the module port's link goes: its association ends */
    omp_meter_dlms_close(&f->m, OMP_PORT_MODULE);
    assert_int_equal(dlms(f, OMP_PORT_MODULE, 16u, 1u, get, sizeof get, rsp), 3u);
    assert_memory_equal(rsp, no_assoc, 3u);
    /* S2's LLS AARQ with the password "12346", from client 20 on the HAN port */
    static const uint8_t lls[] = {
        0x60, 0x33, 0xA1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x01, 0x8A, 0x02,
        0x07, 0x80, 0x8B, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x02, 0x01, 0xAC, 0x07, 0x80, 0x05,
        0x31, 0x32, 0x33, 0x34, 0x36, 0xBE, 0x10, 0x04, 0x0E, 0x01, 0x00, 0x00, 0x00, 0x06, 0x5F,
        0x1F, 0x04, 0x00, 0x00, 0xFE, 0x1F, 0xFF, 0xFF};
    n = dlms(f, OMP_PORT_HAN, 20u, 16u, lls, sizeof lls, rsp);
    assert_true(n > 20u && rsp[0] == 0x61u);
    step(f, 1000u);
    struct omp_event ev[8];
    assert_int_equal(events_of(&f->m, OMP_EVLOG_COMM, ev, 8u), 1u);
    assert_int_equal(ev[0].code, OMP_EV_DLMS_AUTH_FAIL);
    assert_int_equal(ev[0].arg, 20u);
    assert_int_equal(ev[0].flags, 16u);
    assert_int_equal(ev[0].utc_s, T0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_regions),
        cmocka_unit_test(test_routing),
        cmocka_unit_test(test_bounded_and_cleared),
        cmocka_unit_test(test_power_down_logged),
        cmocka_unit_test(test_restart),
        cmocka_unit_test(test_events_lost),
        cmocka_unit_test(test_reconfigured_at_start_time),
        cmocka_unit_test(test_dlms_ports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

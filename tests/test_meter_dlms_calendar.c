/*
 * The tariff calendars over DLMS, through the meter (lib/cosem/cosem_calendar.c, docs/cosem.md
 * "Calendar objects"): the activity calendar 0.0.13.0.0.255 (class 20) and the special days table
 * 0.0.11.0.0.255 (class 11) read from the tariff module's active calendar; a passive day profile
 * table written with SET, its activation time written, activate_passive_calendar (ACTION 1)
 * making it the active calendar the tariff engine runs (and keeps across a restart); refusals;
 * the end of billing period's script table 0.0.10.0.1.255 and single action schedule
 * 0.0.15.0.0.255 from the debiting configuration Z6/Z7.
 *
 * Expected bytes are hand-encoded from the Blue Book (IC 20, IC 11 attribute types; A-XDR tags:
 * 01 array, 02 structure, 09 octet-string, 0F integer, 11 unsigned, 12 long-unsigned) and the
 * calendar built in the test, with the encodings docs/cosem.md fixes (names and day_ids k + 1,
 * script 0.0.10.0.100.255 with the tariff as selector). APDUs (Green Book): GET-request-normal
 * C0 01 C1 <class 2> <obis 6> <attr> 00, GET-response-normal C4 01 C1 00 <Data> (01 <dar>);
 * SET-request-normal C1 01 C1 <class> <obis> <attr> 00 <Data>, SET-response C5 01 C1 <dar>;
 * ACTION-request-normal C3 01 C1 <class> <obis> <method> 01 <Data>, ACTION-response C7 01 C1
 * <result> 00.
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

#include "test_hex.h"

#define SECTOR  4096u
#define SECTORS 16u
#define SIZE    (SECTOR * SECTORS)
#define T0      ((omp_time_s)1705320000) /* 2024-01-15T12:00:00Z, a Monday: 13:00 CET */

static const struct omp_nvm_geometry k_geo = {
    .size = SIZE,
    .sector_size = SECTOR,
    .program_unit = 8u,
    .erase_value = 0xFFu,
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
static uint8_t g_rsp[1024];

static void start(struct fx *f)
{
    assert_int_equal(omp_meter_init(&f->m, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
}

/* The calendar loaded as the active one: one season from 1 January (week 0); week 0: Monday to
 * Friday day profile 0, Saturday and Sunday day profile 1; day 0: 00:00 T1, 07:00 T2; day 1:
 * 00:00 T1; special day: 25 December every year, day profile 1. */
static void calendar_a(struct omp_tou_calendar *c)
{
    memset(c, 0, sizeof *c);
    c->n_seasons = 1u;
    c->season[0] = (struct omp_tou_season){1u, 1u, 0u};
    c->n_weeks = 1u;
    c->week[0] = (struct omp_tou_week){{0u, 0u, 0u, 0u, 0u, 1u, 1u}};
    c->n_days = 2u;
    c->day[0].n_switches = 2u;
    c->day[0].sw[0] = (struct omp_tou_switch){0u, 0u, 1u};
    c->day[0].sw[1] = (struct omp_tou_switch){7u, 0u, 2u};
    c->day[1].n_switches = 1u;
    c->day[1].sw[0] = (struct omp_tou_switch){0u, 0u, 1u};
    c->n_special = 1u;
    c->special[0] = (struct omp_tou_special){OMP_TOU_EVERY_YEAR, 12u, 25u, 1u};
}

/* A meter with debiting stops on day @p z6 under Z7 interval @p z7. */
static struct fx *fx_billing(uint8_t z6, uint8_t z7, bool with_calendar)
{
    struct fx *f = &g_fx;
    memset(f, 0, sizeof *f);
    assert_int_equal(omp_fake_board_init(&f->b, f->mem, &k_geo, NULL, T0), OMP_OK);
    f->hal = omp_fake_board_hal(&f->b);
    omp_meter_cfg_default(&f->cfg);
    f->cfg.meter_number = 12345678u;
    f->cfg.billing_day = z6;
    f->cfg.billing_interval = z7;
    f->cfg.tariff_source = OMP_TARIFF_SRC_CALENDAR;
    start(f);
    if (with_calendar) {
        struct omp_tou_calendar c;
        calendar_a(&c);
        assert_int_equal(omp_meter_set_calendar(&f->m, &c, 0), OMP_OK); /* 0: at once */
        omp_fake_clock_advance_ms(&f->b.clock, 1000u);
        omp_meter_tick(&f->m, &f->b.clock.now);
        assert_true(f->m.clock.tariff.has_active);
        assert_int_equal(f->m.clock.tariff_now, 2u); /* Monday 13:00: day 0 from 07:00 */
    }
    return f;
}

static struct fx *fx_new(bool with_calendar)
{
    return fx_billing(1u, 1u, with_calendar);
}

static size_t dlms(struct fx *f, uint16_t client, const char *hex)
{
    uint8_t req[512];
    size_t n = unhex(hex, req, sizeof req);
    struct omp_wr w = omp_wr_init(g_rsp, sizeof g_rsp);
    assert_int_equal(omp_meter_dlms(&f->m, OMP_PORT_MODULE, client, 16u, req, n, &w), OMP_OK);
    return omp_wr_len(&w);
}

static void expect(struct fx *f, const char *req, const char *rsp)
{
    uint8_t want[1024];
    size_t n = unhex(rsp, want, sizeof want);
    assert_int_equal(dlms(f, 18u, req), n);
    assert_memory_equal(g_rsp, want, n);
}

/* The Kamstrup document's S2 AARQ: LLS, client 18, password "12345"; byte 17 of the AARE is its
 * result (0 accepted). */
static void associate(struct fx *f)
{
    size_t len = dlms(f, 18u,
                      "6033A1090607608574050801018A0207808B0760857405080201AC0780053132333435"
                      "BE10040E01000000065F1F040000FE1FFFFF");
    assert_true(len > 17u && g_rsp[0] == 0x61u);
    assert_int_equal(g_rsp[17], 0u);
}

#define CAL  "001400000D0000FF" /* class 20, 0.0.13.0.0.255 */
#define SPEC "000B00000B0000FF" /* class 11, 0.0.11.0.0.255 */
/* one day_schedule action {start_time hh mm 00 00, script 0.0.10.0.100.255, selector tariff} */
#define ACT(hhmm, t) "0203" "0904" hhmm "0000" "0906" "00000A0064FF" "1200" t

static void test_get_active(void **state)
{
    (void)state;
    struct fx *f = fx_new(true);
    associate(f);
    /* calendar_name_active: not kept, an empty octet-string */
    expect(f, "C001C1" CAL "0200", "C401C100" "0900");
    /* season_profile_active: {name 01, season_start FFFF-01-01 dow FF 00:00:00.00 deviation
     * 8000 status FF, week_name 01} */
    expect(f, "C001C1" CAL "0300",
           "C401C100" "0101" "0203" "090101" "090C" "FFFF0101FF" "00000000" "8000" "FF" "090101");
    /* week_profile_table_active: {name 01, Monday..Friday day_id 1, Saturday, Sunday 2} */
    expect(f, "C001C1" CAL "0400",
           "C401C100" "0101" "0208" "090101" "1101110111011101" "1101" "11021102");
    /* day_profile_table_active: day_id 1 {00:00 T1, 07:00 T2}, day_id 2 {00:00 T1} */
    expect(f, "C001C1" CAL "0500",
           "C401C100" "0102" "0202" "1101" "0102" ACT("0000", "01") ACT("0700", "02")
           "0202" "1102" "0101" ACT("0000", "01"));
    /* no passive calendar waits: the passive attributes show the active one, the activation
     * time is not specified (year FFFF, the rest FF, deviation 8000, status FF) */
    expect(f, "C001C1" CAL "0800",
           "C401C100" "0101" "0208" "090101" "1101110111011101" "1101" "11021102");
    expect(f, "C001C1" CAL "0A00", "C401C100" "090C" "FFFFFFFFFFFFFFFFFF" "8000" "FF");
    /* special days table entries: {index 1, date FFFF-12-25 dow FF, day_id 2} */
    expect(f, "C001C1" SPEC "0200", "C401C100" "0101" "0203" "120001" "0905FFFF0C19FF" "1102");
    /* attribute 11: none in class 20 */
    expect(f, "C001C1" CAL "0B00", "C401C10104");
}

static void test_no_calendar(void **state)
{
    (void)state;
    struct fx *f = fx_new(false);
    associate(f);
    expect(f, "C001C1" CAL "0300", "C401C100" "0100");
    expect(f, "C001C1" SPEC "0200", "C401C100" "0100");
    /* nothing to activate: object-unavailable (11) */
    expect(f, "C301C1" CAL "01" "01" "0F00", "C701C10B00");
}

/* The passive day profile table of the test: day_id 1 {00:00 T3, 22:00 T4}, day_id 2 {00:00 T1}
 * (written with day_id 2 first: the ids place them). */
#define DAYS_B "0102" "0202" "1102" "0101" ACT("0000", "01") \
               "0202" "1101" "0102" ACT("0000", "03") ACT("1600", "04")
#define DAYS_B_SHOWN "0102" "0202" "1101" "0102" ACT("0000", "03") ACT("1600", "04") \
                     "0202" "1102" "0101" ACT("0000", "01")

static void test_set_and_activate(void **state)
{
    (void)state;
    struct fx *f = fx_new(true);
    associate(f);
    expect(f, "C101C1" CAL "0900" DAYS_B, "C501C100");
    expect(f, "C001C1" CAL "0900", "C401C100" DAYS_B_SHOWN);
    /* the active calendar is untouched, and so is the tariff */
    expect(f, "C001C1" CAL "0500",
           "C401C100" "0102" "0202" "1101" "0102" ACT("0000", "01") ACT("0700", "02")
           "0202" "1102" "0101" ACT("0000", "01"));
    assert_true(f->m.clock.tariff.has_passive);
    /* activate_passive_calendar_time := 2025-02-01 00:00 CET (Saturday, deviation -60 = FFC4,
     * status 00): UTC 2025-01-31 23:00; read back as the clock shows times (hundredths FF) */
    expect(f, "C101C1" CAL "0A00" "090C07E9020106000000" "00FFC400", "C501C100");
    expect(f, "C001C1" CAL "0A00", "C401C100" "090C07E9020106000000" "FFFFC400");
    assert_int_equal(f->m.clock.tariff.passive_at_utc, (omp_time_s)1738364400);
    /* activate now: the tariff module's active calendar is the written one */
    expect(f, "C301C1" CAL "01" "01" "0F00", "C701C10000");
    omp_fake_clock_advance_ms(&f->b.clock, 1000u);
    omp_meter_tick(&f->m, &f->b.clock.now);
    const struct omp_tou_calendar *a = &f->m.clock.tariff.active;
    assert_false(f->m.clock.tariff.has_passive);
    assert_int_equal(a->n_days, 2u);
    assert_int_equal(a->day[0].n_switches, 2u);
    assert_int_equal(a->day[0].sw[0].tariff, 3u);
    assert_int_equal(a->day[0].sw[1].hour, 22u);
    assert_int_equal(a->day[0].sw[1].tariff, 4u);
    assert_int_equal(a->special[0].day_profile, 1u); /* the rest came from the old calendar */
    assert_int_equal(f->m.clock.tariff_now, 3u);     /* Monday 13:00: day 0 from 00:00 */
    expect(f, "C001C1" CAL "0500", "C401C100" DAYS_B_SHOWN);
    /* kept across a restart (the clock service's calendar records) */
    start(f);
    assert_true(f->m.clock.tariff.has_active);
    assert_int_equal(f->m.clock.tariff.active.day[0].sw[1].tariff, 4u);
}

static void test_refusals(void **state)
{
    (void)state;
    struct fx *f = fx_new(true);
    associate(f);
    /* the active attributes, the names and the special days: read-write-denied (3) */
    expect(f, "C101C1" CAL "0500" DAYS_B, "C501C103");
    expect(f, "C101C1" CAL "0600" "090101", "C501C103");
    expect(f, "C101C1" SPEC "0200" "0100", "C501C103");
    /* not an array: type-unmatched (12) */
    expect(f, "C101C1" CAL "0900" "1101", "C501C10C");
    /* tariff 9 (OMP_CONFIG_TARIFFS is 4): the tariff module refuses it, other-reason (250) */
    expect(f, "C101C1" CAL "0900" "0101" "0202" "1101" "0101" ACT("0000", "09"), "C501C1FA");
    /* selector 257 (long-unsigned 0101): no tariff has it; the decoder refuses it (it used to
     * fold it into selector 0 and leave the refusal to the tariff module) */
    expect(f, "C101C1" CAL "0900" "0101" "0202" "1101" "0101"
              "0203" "0904" "00000000" "0906" "00000A0064FF" "120101", "C501C1FA");
    /* day_id 3 of two day profiles, a week naming day_id 0: other-reason */
    expect(f, "C101C1" CAL "0900" "0102" "0202" "1103" "0101" ACT("0000", "01")
              "0202" "1101" "0101" ACT("0000", "01"),
           "C501C1FA");
    expect(f, "C101C1" CAL "0800" "0101" "0208" "090101" "1100110111011101" "1101" "11021102",
           "C501C1FA");
    /* a season naming week 2 of one: other-reason; nothing was taken */
    expect(f, "C101C1" CAL "0700" "0101" "0203" "090101" "090C" "FFFF0101FF" "00000000" "8000"
              "FF" "090102",
           "C501C1FA");
    assert_false(f->m.clock.tariff.has_passive);
    /* an activation time without a passive calendar: object-unavailable (11) */
    expect(f, "C101C1" CAL "0A00" "090C07E9020106000000" "00FFC400", "C501C10B");
    /* methods: the special days' insert is not granted (3); class 20 has no method 2 (4) */
    expect(f, "C301C1" SPEC "01" "01" "0F00", "C701C10300");
    expect(f, "C301C1" CAL "02" "01" "0F00", "C701C10400");
}

#define SAS "001600000F0000FF" /* class 22, 0.0.15.0.0.255 */
#define SCR "000900000A0001FF" /* class 9, 0.0.10.0.1.255 */

/* The end of billing period: the single action schedule names script 1 of 0.0.10.0.1.255, which
 * captures the billing logger 1.1.98.1.0.255 (class 7 method 2, parameter integer 0); its
 * execution times are the debiting stops of Z6/Z7 at 00:00 (data sheet Z7 codes). */
static void test_billing_schedule(void **state)
{
    (void)state;
    /* Z6 5, Z7 3: every 2nd month from February: type 3 (several times, the same time of day,
     * wildcards in the date), six entries {00:00:00.00, FFFF-mm-05 dow FF} */
    struct fx *f = fx_billing(5u, 3u, false);
    associate(f);
    expect(f, "C001C1" SAS "0200", "C401C100" "0202" "0906" "00000A0001FF" "120001");
    expect(f, "C001C1" SAS "0300", "C401C100" "1603");
    expect(f, "C001C1" SAS "0400",
           "C401C100" "0106"
           "0202" "090400000000" "0905FFFF0205FF" "0202" "090400000000" "0905FFFF0405FF"
           "0202" "090400000000" "0905FFFF0605FF" "0202" "090400000000" "0905FFFF0805FF"
           "0202" "090400000000" "0905FFFF0A05FF" "0202" "090400000000" "0905FFFF0C05FF");
    expect(f, "C001C1" SCR "0200",
           "C401C100" "0101" "0202" "120001" "0101" "0205" "1602" "120007" "0906" "0101620100FF"
           "0F02" "0F00");
    /* nothing of them is written or executed by a client */
    expect(f, "C101C1" SAS "0400" "0100", "C501C103");
    expect(f, "C301C1" SCR "01" "01" "1200" "01", "C701C10300");
    /* Z6 28, Z7 1 (monthly): type 1, one entry with the month not specified */
    f = fx_billing(28u, 1u, false);
    associate(f);
    expect(f, "C001C1" SAS "0300", "C401C100" "1601");
    expect(f, "C001C1" SAS "0400", "C401C100" "0101" "0202" "090400000000" "0905FFFFFF1CFF");
    /* Z7 0, external stops only: no execution time */
    f = fx_billing(1u, 0u, false);
    associate(f);
    expect(f, "C001C1" SAS "0400", "C401C100" "0100");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_active),
        cmocka_unit_test(test_no_calendar),
        cmocka_unit_test(test_set_and_activate),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_billing_schedule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

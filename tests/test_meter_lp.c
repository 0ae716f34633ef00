/*
 * The load profile in the meter (docs/logger.md): its region for the data sheet's depth, one
 * entry per period holding the registers of that moment (read through the data dictionary), the
 * status of the first entry after a power-up, a change of period deleting the profile with its
 * event, damage of its region. Time is compressed: each tick feeds 5 mains cycles and moves the
 * clocks a minute, so a day takes 1 440 ticks.
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

#define SECTOR 4096u
#define SECTORS 128u
#define SIZE (SECTOR * SECTORS) /* 512 KiB */
#define FS 4000u
#define SPC (FS / 50u)
#define T0 ((omp_time_s)1798761600) /* 2027-01-01T00:00:00Z, a Friday in winter */
#define PI 3.14159265358979323846

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
    int32_t cycle[2u * SPC];
};

static struct fx g_fx;

static double t_sin(double x)
{
    while (x > PI) {
        x -= 2.0 * PI;
    }
    double term = x, sum = x;
    for (int k = 1; k < 20; k++) {
        term *= -x * x / (double)((2 * k) * (2 * k + 1));
        sum += term;
    }
    return sum;
}

/* 230 V and @p amps at @p phi_deg (import with inductive Q for 0 < phi < 90). */
static void load(struct fx *f, double amps, double phi_deg)
{
    double vp = 230.0 * 1.4142135623730951 / (double)f->cfg.cal.v_gain;
    double ip = amps * 1.4142135623730951 / (double)f->cfg.cal.i_gain;
    for (unsigned k = 0; k < SPC; k++) {
        double th = 2.0 * PI * (double)k / (double)SPC;
        f->cycle[2u * k] = (int32_t)(vp * t_sin(th));
        f->cycle[2u * k + 1u] = (int32_t)(ip * t_sin(th - phi_deg * PI / 180.0));
    }
}

static void start(struct fx *f)
{
    assert_int_equal(omp_meter_init(&f->m, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
}

static struct fx *fx_new(void)
{
    struct fx *f = &g_fx;
    memset(f, 0, sizeof *f);
    assert_int_equal(omp_fake_board_init(&f->b, f->mem, &k_geo, NULL, T0), OMP_OK);
    f->hal = omp_fake_board_hal(&f->b);
    omp_meter_cfg_default(&f->cfg);
    f->cfg.meter_number = 12345678u;
    f->cfg.sample_rate_hz = FS;
    f->cfg.lp_sectors = OMP_METER_LP_DEPTH;
    load(f, 40.0, 30.0);
    start(f);
    return f;
}

static struct omp_meter_nvm_info info_of(const struct omp_meter *m)
{
    struct omp_meter_nvm_info i;
    assert_int_equal(omp_meter_nvm_info(m, &i), OMP_OK);
    return i;
}

/* The newest entry of the load profile. */
static struct omp_plog_entry newest(const struct omp_meter *m)
{
    const struct omp_profile *p = omp_meter_load_profile(m);
    struct omp_plog_cursor c;
    struct omp_plog_entry e;
    assert_non_null(p);
    assert_int_equal(omp_plog_seek(&p->log, omp_profile_no_of_age(p, 0u), &c), OMP_OK);
    assert_int_equal(omp_plog_next(&p->log, &c, &e, NULL), OMP_OK);
    return e;
}

/* A+, A-, R+, R- of the meter now, in Wh (varh): what the dictionary's 1.8.0 .. 4.8.0 give. */
static void regs_wh(const struct omp_meter *m, int64_t v[4])
{
    struct omp_meter_snapshot s;
    assert_int_equal(omp_meter_snapshot(m, &s), OMP_OK);
    v[0] = (int64_t)(s.energy.a_plus_uwh / 1000000u);
    v[1] = (int64_t)(s.energy.a_minus_uwh / 1000000u);
    v[2] = (int64_t)(s.energy.r_plus_uvarh / 1000000u);
    v[3] = (int64_t)(s.energy.r_minus_uvarh / 1000000u);
}

/* @p minutes of compressed time; after each tick that added an entry, the entry holds the
 * registers of that moment and ends the next period. @return entries added. */
static uint32_t run(struct fx *f, unsigned minutes)
{
    const struct omp_profile *p = omp_meter_load_profile(&f->m);
    uint32_t added = 0;
    for (unsigned t = 0; t < minutes; t++) {
        uint32_t before = p->log.next_no;
        for (unsigned c = 0; c < 5u; c++) {
            omp_meter_on_samples(&f->m, f->cycle, SPC);
        }
        omp_fake_clock_advance_ms(&f->b.clock, 60000u);
        omp_meter_tick(&f->m, &f->b.clock.now);
        assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
        if (p->log.next_no != before) {
            assert_int_equal(p->log.next_no, before + 1u);
            struct omp_plog_entry e = newest(&f->m);
            int64_t v[4];
            regs_wh(&f->m, v);
            assert_memory_equal(e.v, v, sizeof v);
            assert_int_equal(e.t % 900, 0); /* a quarter of normal time (UTC + 1 h) */
            added++;
        }
    }
    return added;
}

/* The default type number measures A+ A- R+ R- (X9 = 4) and Z4 is 15 min: 16 800 entries (175
 * days) need 72 sectors of 4 KiB with program unit 8 (docs/storage.md "Packed log: sizes"); the
 * mirror 3 (omp_regs_mirror_sectors), the journal the rest: 128 - 72 - 4 - 2 - 3 = 47. */
static void test_region_for_depth(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    assert_int_equal(omp_meter_lp_sectors(&f->cfg, &k_geo), 72u);
    struct omp_meter_nvm_info i = info_of(&f->m);
    assert_int_equal(i.lp_sectors, 72u);
    assert_true(i.lp_capacity >= 175u * 96u);
    assert_int_equal(i.journal_sectors, 47u);
    assert_int_equal(i.lp_entries, 0u);
    /* a 64 KiB NVM cannot hold it */
    struct omp_nvm_geometry small = k_geo;
    small.size = 64u * 1024u;
    assert_int_equal(omp_meter_lp_sectors(&f->cfg, &small), 0u);
}

/* A simulated month (30 days of compressed time) with the load changing every 6 hours between
 * import, export, inductive and capacitive: 2 880 entries, each the registers of its moment (run()
 * checks every one); the sum of the deltas of each channel equals the registers' growth between
 * the first and the last entry exactly, and that growth is the energy the samples carried
 * (P = 230 x I x cos(phi) over 0.1 s a tick, worked out here) within 0.01 % plus 2 Wh (the
 * register resolution at both ends). */
static void test_month(void **state)
{
    (void)state;
    static const double k_load[4][2] = {{10.0, 0.0}, {40.0, 30.0}, {5.0, 180.0}, {20.0, 300.0}};
    struct fx *f = fx_new();
    double a_plus = 0.0, a_minus = 0.0, r_plus = 0.0, r_minus = 0.0; /* Wh (varh) fed */
    int64_t at_first[4] = {0, 0, 0, 0};
    bool have_first = false;
    uint32_t n = 0;
    for (unsigned h = 0; h < 30u * 24u; h += 6u) {
        const double amps = k_load[(h / 6u) % 4u][0], phi = k_load[(h / 6u) % 4u][1];
        load(f, amps, phi);
        const double p = 230.0 * amps * t_sin((90.0 - phi) * PI / 180.0) * 0.1 / 3600.0;
        const double q = 230.0 * amps * t_sin(phi * PI / 180.0) * 0.1 / 3600.0;
        for (unsigned t = 0; t < 6u * 60u; t++) {
            n += run(f, 1u);
            if (n == 1u && !have_first) {
                regs_wh(&f->m, at_first); /* the first entry's moment */
                have_first = true;
            }
            if (n >= 1u) { /* energy after the first entry's tick */
                a_plus += p > 0.0 ? p : 0.0;
                a_minus += p < 0.0 ? -p : 0.0;
                r_plus += q > 0.0 ? q : 0.0;
                r_minus += q < 0.0 ? -q : 0.0;
            }
        }
    }
    assert_int_equal(n, 30u * 96u);
    const struct omp_profile *pr = omp_meter_load_profile(&f->m);
    struct omp_plog_cursor c;
    struct omp_plog_entry e, first, prev;
    assert_int_equal(omp_plog_seek(&pr->log, 1u, &c), OMP_OK);
    assert_int_equal(omp_plog_next(&pr->log, &c, &first, NULL), OMP_OK);
    assert_int_equal(first.quality, OMP_LP_DQ_OUTAGE); /* the power-up in its period */
    assert_memory_equal(first.v, at_first, sizeof at_first);
    int64_t sum[4] = {0, 0, 0, 0};
    prev = first;
    while (omp_plog_next(&pr->log, &c, &e, NULL) == OMP_OK) {
        assert_int_equal(e.t, prev.t + 900);
        assert_int_equal(e.status, 0u);
        assert_int_equal(e.quality, 0u);
        for (unsigned k = 0; k < 4u; k++) {
            assert_true(e.v[k] >= prev.v[k]);
            sum[k] += e.v[k] - prev.v[k];
        }
        prev = e;
    }
    const double fed[4] = {a_plus, a_minus, r_plus, r_minus};
    for (unsigned k = 0; k < 4u; k++) {
        assert_int_equal(sum[k], prev.v[k] - first.v[k]);
        /* the energy after the last entry's tick is not in it: at most one tick's */
        double d = (double)sum[k] - fed[k];
        assert_true(d <= 1e-4 * fed[k] + 2.0 && d >= -1e-4 * fed[k] - 2.0 - 230.0 * 40.0 * 0.1 / 3600.0);
    }
    printf("month: A+ %lld Wh (fed %.1f), A- %lld (%.1f), R+ %lld varh (%.1f), R- %lld (%.1f)\n",
           (long long)sum[0], a_plus, (long long)sum[1], a_minus, (long long)sum[2], r_plus,
           (long long)sum[3], r_minus);
    assert_int_equal(info_of(&f->m).lp_entries, 30u * 96u);
}

/* Off from 02:00 to 02:40 UTC: the next entry (02:45) carries the outage and, as the quarters
 * in the outage got none, the time discontinuity; numbers go on. */
static void test_restart(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    run(f, 120u);
    assert_int_equal(omp_meter_flush(&f->m), OMP_OK);
    uint32_t next = omp_meter_load_profile(&f->m)->log.next_no;
    omp_fake_clock_advance_ms(&f->b.clock, 40u * 60000u);
    start(f);
    assert_int_equal(omp_meter_load_profile(&f->m)->log.next_no, next);
    run(f, 10u); /* 02:40 .. 02:50 UTC: the 02:45 entry, after 02:00 (02:15, 02:30 missing) */
    struct omp_plog_entry e = newest(&f->m);
    assert_int_equal(e.t, T0 + 2 * 3600 + 45 * 60);
    assert_int_equal(e.status, OMP_LP_ST_DISCONTINUITY);
    assert_int_equal(e.quality, OMP_LP_DQ_OUTAGE);
}

/* Z4 changed to 30 min: the profile is deleted (LoadProfileEventStatus 5 as OMP_EV_LP_EVENT),
 * not read as damage; its next entry says reconfigured and interval changed. */
static void test_interval_change(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    run(f, 60u);
    assert_int_equal(omp_meter_flush(&f->m), OMP_OK);
    f->cfg.demand_period_min = 30u;
    start(f);
    struct omp_meter_nvm_info i = info_of(&f->m);
    assert_int_equal(i.damaged_sectors, 0u);
    assert_int_equal(i.lp_entries, 0u);
    struct omp_evq_reader rd;
    struct omp_event ev;
    bool seen = false;
    assert_int_equal(omp_evq_reader_init(omp_meter_events(&f->m), &rd), OMP_OK);
    while (omp_evq_read(omp_meter_events(&f->m), &rd, &ev, NULL) == OMP_OK) {
        if (ev.code == OMP_EV_LP_EVENT && ev.arg == 5u) {
            assert_false(seen); /* once */
            assert_int_equal(ev.utc_s, T0 + 3600); /* the start's time: 60 minutes run */
            seen = true;
        }
    }
    assert_true(seen);
    run(f, 45u);
    struct omp_plog_entry e = newest(&f->m);
    assert_int_equal(e.t % 1800, 0);
    assert_int_equal(e.status, OMP_LP_ST_RECONFIGURED | OMP_LP_ST_INTERVAL_CHANGED);
    /* a start after it finds the new shape stored: nothing deleted again */
    start(f);
    assert_int_equal(info_of(&f->m).lp_entries, 1u);
}

/* One APDU to the module port's DLMS server (client @p client, server SAP 16) against @p rsp. */
static void expect_dlms(struct fx *f, uint16_t client, const char *req, const char *rsp)
{
    uint8_t q[128], want[128], got[256];
    size_t nq = unhex(req, q, sizeof q), n = unhex(rsp, want, sizeof want);
    struct omp_wr w = omp_wr_init(got, sizeof got);
    assert_int_equal(omp_meter_dlms(&f->m, OMP_PORT_MODULE, client, 16u, q, nq, &w), OMP_OK);
    assert_int_equal(omp_wr_len(&w), n);
    assert_memory_equal(got, want, n);
}

/* The LLS association of client 18 with the factory password "12345" (AARE: result accepted). */
#define AARQ_LLS "6033A1090607608574050801018A0207808B0760857405080201AC0780053132333435" \
                 "BE10040E01000000065F1F040000FE1FFFFF"
#define GET_PERIOD "C001C100070101630100FF0400" /* load profile, attribute 4 */

static void lls(struct fx *f)
{
    uint8_t q[128], got[256];
    size_t nq = unhex(AARQ_LLS, q, sizeof q);
    struct omp_wr w = omp_wr_init(got, sizeof got);
    assert_int_equal(omp_meter_dlms(&f->m, OMP_PORT_MODULE, 18u, 16u, q, nq, &w), OMP_OK);
    assert_true(omp_wr_len(&w) > 17u && got[0] == 0x61u && got[17] == 0u);
}

/* The load profile's capture_period written over DLMS (technical facts 1.1 and 11.3: attribute
 * 4 RW, 300/900/1800/3600 s) deletes the profile as a new configured period does (LP event 5
 * once, the next entry reconfigured + interval changed) and logs the change (22.0.0 99.1.0,
 * attribute 4); entries then end every 30 min, and the period outlives a restart (kept in NVM:
 * nothing deleted again). 600 s is refused (other-reason) and changes nothing. */
static void test_capture_period_written(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    assert_int_equal(run(f, 60u), 4u);
    lls(f);
    expect_dlms(f, 18u, GET_PERIOD, "C401C1000600000384");                      /* 900 */
    expect_dlms(f, 18u, "C101C100070101630100FF0400060000" "0258", "C501C1FA"); /* 600 */
    assert_int_equal(info_of(&f->m).lp_entries, 4u);
    expect_dlms(f, 18u, "C101C100070101630100FF0400060000" "0708", "C501C100"); /* 1800 */
    assert_int_equal(info_of(&f->m).lp_entries, 0u);
    expect_dlms(f, 18u, GET_PERIOD, "C401C1000600000708");
    struct omp_evq_reader rd;
    struct omp_event ev;
    unsigned lp5 = 0, changed = 0;
    assert_int_equal(omp_evq_reader_init(omp_meter_events(&f->m), &rd), OMP_OK);
    while (omp_evq_read(omp_meter_events(&f->m), &rd, &ev, NULL) == OMP_OK) {
        lp5 += ev.code == OMP_EV_LP_EVENT && ev.arg == 5u ? 1u : 0u;
        if (ev.code == OMP_EV_CONFIG_CHANGED && ev.arg == 0x630100u) {
            assert_int_equal(ev.flags, 4u);
            changed++;
        }
    }
    assert_int_equal(lp5, 1u);
    assert_int_equal(changed, 1u);
    assert_int_equal(run(f, 45u), 1u); /* 01:00 -> 01:45: the entry of 01:30 */
    struct omp_plog_entry e = newest(&f->m);
    assert_int_equal(e.t % 1800, 0);
    assert_int_equal(e.status, OMP_LP_ST_RECONFIGURED | OMP_LP_ST_INTERVAL_CHANGED);
    assert_int_equal(omp_meter_flush(&f->m), OMP_OK);
    start(f);
    assert_int_equal(info_of(&f->m).lp_entries, 1u);
    lls(f);
    expect_dlms(f, 18u, GET_PERIOD, "C401C1000600000708");
}

/* A zeroed sector of the profile's region is damage (flag 16): nothing written. */
static void test_damaged_region(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    run(f, 60u);
    assert_int_equal(omp_meter_flush(&f->m), OMP_OK);
    struct omp_meter_nvm_info i = info_of(&f->m);
    uint32_t lp_first = SECTORS - i.lp_sectors;
    memset(f->mem + (lp_first + 5u) * SECTOR, 0x00, SECTOR);
    static uint8_t before[SIZE];
    memcpy(before, f->mem, SIZE);
    start(f);
    assert_int_equal(info_of(&f->m).damaged_sectors, 1u);
    struct omp_evq_reader rd;
    struct omp_event ev;
    uint16_t flags = 0;
    assert_int_equal(omp_evq_reader_init(omp_meter_events(&f->m), &rd), OMP_OK);
    while (omp_evq_read(omp_meter_events(&f->m), &rd, &ev, NULL) == OMP_OK) {
        flags = ev.code == OMP_EV_NVM_DAMAGED ? ev.flags : flags;
    }
    assert_int_equal(flags, 16u);
    for (unsigned t = 0; t < 20u; t++) {
        omp_fake_clock_advance_ms(&f->b.clock, 60000u);
        omp_meter_tick(&f->m, &f->b.clock.now);
        (void)omp_meter_poll(&f->m);
    }
    assert_memory_equal(f->mem, before, SIZE);
}

/* The analysis logger (default channels: P+, P-, Q+, Q- of the newest cycle, U and I means over
 * its 15-min interval) on 8 sectors: 230 V, 40 A lagging 30 degrees gives P = 230 x 40 x cos 30 =
 * 7967.4 W, Q = 230 x 40 x sin 30 = 4600 var, U 230.0 V (2300 in 0.1 V), I 40.00 A (4000 in
 * 0.01 A). Its depth: capacity x 15 min. */
static void test_analysis_logger(void **state)
{
    (void)state;
    struct fx *f = &g_fx;
    memset(f, 0, sizeof *f);
    assert_int_equal(omp_fake_board_init(&f->b, f->mem, &k_geo, NULL, T0), OMP_OK);
    f->hal = omp_fake_board_hal(&f->b);
    omp_meter_cfg_default(&f->cfg);
    f->cfg.meter_number = 12345678u;
    f->cfg.sample_rate_hz = FS;
    f->cfg.an_sectors = 8u;
    load(f, 40.0, 30.0);
    start(f);
    struct omp_meter_nvm_info i = info_of(&f->m);
    assert_int_equal(i.an_sectors, 8u);
    assert_true(i.an_capacity > 1000u);
    assert_int_equal(i.an_depth_min, i.an_capacity * 15u);
    const struct omp_profile *an = omp_meter_analysis_log(&f->m);
    assert_non_null(an);
    for (unsigned t = 0; t < 61u; t++) {
        for (unsigned c = 0; c < 5u; c++) {
            omp_meter_on_samples(&f->m, f->cycle, SPC);
        }
        omp_fake_clock_advance_ms(&f->b.clock, 60000u);
        omp_meter_tick(&f->m, &f->b.clock.now);
        assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
    }
    assert_int_equal(omp_plog_count(&an->log), 4u); /* 00:15 .. 01:00 */
    struct omp_plog_cursor c;
    struct omp_plog_entry e;
    assert_int_equal(omp_plog_seek(&an->log, 1u, &c), OMP_OK);
    for (unsigned k = 0; k < 4u; k++) {
        assert_int_equal(omp_plog_next(&an->log, &c, &e, NULL), OMP_OK);
        assert_int_equal(e.t, T0 + 900 * (omp_time_s)(k + 1u));
        assert_true(e.v[0] >= 7966 && e.v[0] <= 7969); /* P+ W */
        assert_int_equal(e.v[1], 0);                   /* P- */
        assert_true(e.v[2] >= 4599 && e.v[2] <= 4601); /* Q+ var */
        assert_int_equal(e.v[3], 0);                   /* Q- */
        assert_true(e.v[4] >= 2299 && e.v[4] <= 2301); /* U mean, 0.1 V */
        assert_true(e.v[5] >= 3999 && e.v[5] <= 4001); /* I mean, 0.01 A */
    }
    /* another interval: deleted (logged as cleared), then marked */
    assert_int_equal(omp_meter_flush(&f->m), OMP_OK);
    f->cfg.an_period_min = 30u;
    start(f);
    assert_int_equal(info_of(&f->m).an_entries, 0u);
    struct omp_evq_reader rd;
    struct omp_event ev;
    bool seen = false;
    assert_int_equal(omp_evq_reader_init(omp_meter_events(&f->m), &rd), OMP_OK);
    while (omp_evq_read(omp_meter_events(&f->m), &rd, &ev, NULL) == OMP_OK) {
        if (ev.code == OMP_EV_LOG_CLEARED && ev.arg == OMP_METER_LOG_AN) {
            assert_false(seen); /* once */
            assert_int_equal(ev.utc_s, T0 + 61 * 60); /* the start's time: 61 minutes run */
            seen = true;
        }
    }
    assert_true(seen);
    assert_int_equal(f->m.an.status, OMP_LP_ST_RECONFIGURED | OMP_LP_ST_INTERVAL_CHANGED);
    /* another channel in place of one: deleted, reconfigured only */
    f->cfg.an_channel[0].obis[2] = 9u; /* S+ 9.7.0 instead of P+ */
    start(f);
    assert_int_equal(f->m.an.status, OMP_LP_ST_RECONFIGURED);
    /* a channel that is no object of the dictionary: refused */
    f->cfg.an_channel[1].obis[2] = 200u;
    assert_int_equal(omp_meter_init(&f->m, &f->hal, &f->cfg, &f->b.clock.now), OMP_ERR_ARG);
}

/* A cut at every programmed byte of the tick that writes an entry (00:15): after the restart
 * the profile opens clean, holds that entry as the uncut run wrote it or not at all (the one
 * being written), and the next entry carries the power outage. */
static void test_cut_while_logging(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    assert_int_equal(run(f, 14u), 0u);
    static uint8_t base[SIZE];
    static struct omp_meter m0;
    memcpy(base, f->mem, SIZE);
    m0 = f->m;
    const struct omp_fake_clock clock0 = f->b.clock;
    uint64_t before = f->b.nvm.programmed_bytes;
    assert_int_equal(run(f, 1u), 1u);
    const struct omp_plog_entry want = newest(&f->m);
    uint64_t bytes = f->b.nvm.programmed_bytes - before;
    assert_true(bytes > 0u);
    unsigned kept = 0;
    for (uint64_t nth = 1u; nth <= bytes; nth++) {
        memcpy(f->mem, base, SIZE);
        f->m = m0;
        f->b.clock = clock0;
        omp_ram_nvm_cut_after(&f->b.nvm, nth);
        for (unsigned c = 0; c < 5u; c++) {
            omp_meter_on_samples(&f->m, f->cycle, SPC);
        }
        omp_fake_clock_advance_ms(&f->b.clock, 60000u);
        omp_meter_tick(&f->m, &f->b.clock.now);
        (void)omp_meter_poll(&f->m);
        omp_ram_nvm_power_on(&f->b.nvm);
        start(f);
        struct omp_meter_nvm_info i = info_of(&f->m);
        assert_int_equal(i.damaged_sectors, 0u);
        assert_true(i.lp_entries <= 1u);
        if (i.lp_entries == 1u) {
            struct omp_plog_entry e = newest(&f->m);
            assert_memory_equal(&e, &want, sizeof e);
            kept++;
        }
        const uint32_t held = i.lp_entries;
        run(f, 16u);
        assert_int_equal(omp_plog_count(&omp_meter_load_profile(&f->m)->log), held + 1u);
        assert_true((newest(&f->m).quality & OMP_LP_DQ_OUTAGE) != 0u);
    }
    printf("cut while logging: %llu bytes, the entry kept after %u of the cuts\n",
           (unsigned long long)bytes, kept);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_region_for_depth),
        cmocka_unit_test(test_month),
        cmocka_unit_test(test_restart),
        cmocka_unit_test(test_interval_change),
        cmocka_unit_test(test_capture_period_written),
        cmocka_unit_test(test_damaged_region),
        cmocka_unit_test(test_analysis_logger),
        cmocka_unit_test(test_cut_while_logging),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

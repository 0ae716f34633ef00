/*
 * Profiles (logger.h): the load profile's depth for every configuration of the data sheet's table
 * (filled and counted), period ends in normal time, the status words of technical facts 1.3-1.4,
 * entry numbering for DLMS (1 = oldest) and the OMNIPOWER (0 = newest), time-range reads across a
 * DST change, a clock set back and wrap-around; an event log read the same ways. Expected values
 * are worked out by hand here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/hal_fakes.h"
#include "omnipower/logger.h"

#define SECTOR 4096u
#define MAX_SECTORS 128u
#define T_2027 ((omp_time_s)1798761600) /* 2027-01-01T00:00:00Z */
#define REF_BYTES 554400u               /* the OMNIPOWER's own layout (technical facts 1.1) */

static const struct omp_hal_ops k_ops = {
    .nvm_geometry = omp_ram_nvm_geometry, .nvm_read = omp_ram_nvm_read,
    .nvm_program = omp_ram_nvm_program, .nvm_erase = omp_ram_nvm_erase,
};

static uint8_t g_mem[SECTOR * MAX_SECTORS];
static struct omp_ram_nvm g_nvm;
static struct omp_profile g_p;

static struct omp_nvm_region board(uint32_t sectors, uint32_t unit)
{
    const struct omp_nvm_geometry geo = {sectors * SECTOR, SECTOR, unit, 0xFFu, 100000u};
    assert_int_equal(omp_ram_nvm_init(&g_nvm, g_mem, &geo, NULL), OMP_OK);
    omp_ram_nvm_format(&g_nvm);
    const struct omp_nvm_region r = {&k_ops, &g_nvm, 0u, sectors};
    return r;
}

/* The load profile of X9 channel set @p n (1: A+; 2: A+, A-; 4: A+, A-, R+, R-) at @p period_s;
 * a channel grows by at most Imax power over the period: 23 kW x period, in Wh (rounded up). */
static void lp_cfg(struct omp_profile_cfg *c, unsigned n, uint32_t period_s)
{
    static const uint8_t k_c[4] = {1, 2, 3, 4};
    memset(c, 0, sizeof *c);
    c->tag = 0x504Cu;
    c->period_s = period_s;
    c->offset_s = 3600;
    c->columns = (uint8_t)n;
    for (unsigned k = 0; k < n; k++) {
        const uint8_t obis[6] = {1, 1, k_c[k], 8, 0, 255};
        memcpy(c->col[k].obis, obis, 6);
        c->col[k].attr = 2u;
        c->col[k].kind = OMP_PLOG_COUNTER;
        c->col[k].max_step = (23000u * period_s + 3599u) / 3600u;
    }
}

/* Data sheet (technical facts 1.1, Table 11): days of depth per channel set and period. */
static const struct {
    unsigned n;
    uint32_t period_s;
    uint32_t days;
} k_depth[12] = {
    {1, 300, 92},  {1, 900, 275}, {1, 1800, 550}, {1, 3600, 1100},
    {2, 300, 77},  {2, 900, 231}, {2, 1800, 462}, {2, 3600, 924},
    {4, 300, 58},  {4, 900, 175}, {4, 1800, 350}, {4, 3600, 700},
};

/* For every configuration: the fewest 4 KiB sectors whose guaranteed depth reaches the table,
 * then a log of that size filled with worst-case entries (every channel at Imax) far past its
 * wrap: the count never drops below the table once reached. Printed: bytes against 554 400. */
static void depth_for_unit(uint32_t unit, uint32_t *worst_bytes, uint32_t *over_half)
{
    *worst_bytes = 0;
    *over_half = 0; /* bit i: configuration i takes more than half of 554 400 bytes */
    for (size_t i = 0; i < 12u; i++) {
        struct omp_profile_cfg c;
        lp_cfg(&c, k_depth[i].n, k_depth[i].period_s);
        const uint32_t want = k_depth[i].days * (86400u / k_depth[i].period_s);
        const struct omp_nvm_geometry geo = {MAX_SECTORS * SECTOR, SECTOR, unit, 0xFFu, 100000u};
        uint32_t s = 2;
        while (s < MAX_SECTORS && omp_profile_capacity(&c, &geo, s) < want) {
            s++;
        }
        assert_true(omp_profile_capacity(&c, &geo, s) >= want);
        struct omp_nvm_region r = board(s, unit);
        assert_int_equal(omp_profile_open(&g_p, &c, &r, false), OMP_OK);
        int64_t v[4] = {0, 0, 0, 0};
        uint32_t low = UINT32_MAX;
        for (uint32_t k = 1; k <= want + want / 4u; k++) {
            for (unsigned j = 0; j < c.columns; j++) {
                v[j] += (int64_t)c.col[j].max_step;
            }
            assert_int_equal(omp_profile_capture(&g_p, T_2027 + (omp_time_s)(k * c.period_s), v),
                             OMP_OK);
            uint32_t n = omp_plog_count(&g_p.log);
            low = (k >= want && n < low) ? n : low;
        }
        assert_true(low >= want);
        uint32_t bytes = s * SECTOR;
        *worst_bytes = bytes > *worst_bytes ? bytes : *worst_bytes;
        *over_half |= bytes > REF_BYTES / 2u ? 1u << i : 0u;
        printf("unit %u, %u ch, %4u min: %5u entries (%4u days) need %3u sectors = %6u bytes "
               "(%.1f %% of %u), %u B/entry; held >= %u\n",
               unit, k_depth[i].n, k_depth[i].period_s / 60u, want, k_depth[i].days, s, bytes,
               100.0 * bytes / REF_BYTES, REF_BYTES, omp_plog_entry_bytes(&g_p.log.def, &geo),
               low);
    }
}

static void test_depth_table(void **state)
{
    (void)state;
    uint32_t worst1, worst4, worst8, over1, over4, over8;
    depth_for_unit(1u, &worst1, &over1);
    depth_for_unit(4u, &worst4, &over4);
    depth_for_unit(8u, &worst8, &over8);
    /* docs/logger.md "Depth": with a program unit of 1 or 4 every configuration takes at most
     * half the OMNIPOWER's bytes; with a program unit of 8 all but four channels at 15, 30 and
     * 60 min (configurations 9, 10, 11) do: their growth takes 52 to 60 bits, with the CRC-16
     * more than one 8-byte unit, so each entry takes two (72 sectors, 294 912 bytes). */
    assert_int_equal(over1, 0u);
    assert_int_equal(over4, 0u);
    assert_int_equal(over8, (1u << 9) | (1u << 10) | (1u << 11));
    assert_true(worst1 <= REF_BYTES / 2u && worst4 <= REF_BYTES / 2u && worst8 <= 294912u);
}

/* Drive a 15-min profile (Z11 +1 h) second by second from @p from to @p to (UTC), capturing
 * one A+ counter that grows 1 Wh a second. */
static int64_t g_wh;
static void run(omp_time_s from, omp_time_s to)
{
    for (omp_time_s t = from; t <= to; t++) {
        g_wh++;
        omp_time_s end;
        if (omp_profile_due(&g_p, t, &end)) {
            int64_t v[1] = {g_wh};
            assert_int_equal(omp_profile_capture(&g_p, end, v), OMP_OK);
        }
    }
}

static void one_channel(uint32_t period_s)
{
    struct omp_profile_cfg c;
    lp_cfg(&c, 1u, period_s);
    struct omp_nvm_region r = board(16u, 8u);
    assert_int_equal(omp_profile_open(&g_p, &c, &r, false), OMP_OK);
    g_wh = 0;
}

static void expect(uint32_t age, omp_time_s t, uint16_t status, uint32_t quality)
{
    struct omp_plog_cursor cur;
    struct omp_plog_entry e;
    uint32_t no = omp_profile_no_of_age(&g_p, age);
    assert_true(no != 0u);
    assert_int_equal(omp_plog_seek(&g_p.log, no, &cur), OMP_OK);
    assert_int_equal(omp_plog_next(&g_p.log, &cur, &e, NULL), OMP_OK);
    assert_int_equal(e.t, t);
    assert_int_equal(e.status, status);
    assert_int_equal(e.quality, quality);
}

/* 2027-01-01 10:07:00 UTC: the first period end is 10:15 (no entry for the period the profile
 * started in: it ends at the first whole quarter it sees); an outage 10:20:30 .. 10:52:10 misses
 * 10:30 and 10:45: the 11:00 entry has DQ outage (0x400) and status discontinuity (0x40); a clock
 * set +20 s gives DQ 0x002 | 0x010, -90 s 0x008 | 0x020, 5 s nothing. */
static void test_periods_and_status(void **state)
{
    (void)state;
    one_channel(900u);
    const omp_time_s t0 = T_2027 + 10 * 3600 + 7 * 60;
    run(t0, t0 + 13 * 60 + 30); /* to 10:20:30 */
    assert_int_equal(omp_plog_count(&g_p.log), 1u);
    expect(0, T_2027 + 10 * 3600 + 15 * 60, 0, 0);
    omp_profile_power_up(&g_p);
    run(T_2027 + 10 * 3600 + 52 * 60 + 10, T_2027 + 11 * 3600 + 5 * 60);
    expect(0, T_2027 + 11 * 3600, OMP_LP_ST_DISCONTINUITY, OMP_LP_DQ_OUTAGE);
    /* +20 s at 11:05:00 -> 11:05:20; the 11:15 entry */
    omp_profile_clock_set(&g_p, T_2027 + 11 * 3600 + 5 * 60, T_2027 + 11 * 3600 + 5 * 60 + 20);
    run(T_2027 + 11 * 3600 + 5 * 60 + 20, T_2027 + 11 * 3600 + 15 * 60);
    expect(0, T_2027 + 11 * 3600 + 15 * 60, 0, OMP_LP_DQ_CLOCK_15_30 | OMP_LP_DQ_CLOCK_FORWARD);
    /* 5 s back at 11:20: not marked; then 90 s back at 11:29:50 -> 11:28:20 */
    omp_profile_clock_set(&g_p, T_2027 + 11 * 3600 + 15 * 60, T_2027 + 11 * 3600 + 15 * 60 - 5);
    run(T_2027 + 11 * 3600 + 15 * 60 - 5 + 1, T_2027 + 11 * 3600 + 29 * 60 + 50);
    omp_profile_clock_set(&g_p, T_2027 + 11 * 3600 + 29 * 60 + 50, T_2027 + 11 * 3600 + 28 * 60 + 20);
    run(T_2027 + 11 * 3600 + 28 * 60 + 20, T_2027 + 11 * 3600 + 31 * 60);
    expect(0, T_2027 + 11 * 3600 + 30 * 60, 0, OMP_LP_DQ_CLOCK_OVER_60 | OMP_LP_DQ_CLOCK_BACKWARD);
    /* a DQ mark (undervoltage) goes on the running period's entry only */
    omp_profile_mark(&g_p, OMP_LP_DQ_UNDERVOLTAGE);
    run(T_2027 + 11 * 3600 + 31 * 60 + 1, T_2027 + 12 * 3600);
    expect(1, T_2027 + 11 * 3600 + 45 * 60, 0, OMP_LP_DQ_UNDERVOLTAGE);
    expect(0, T_2027 + 12 * 3600, 0, 0);
    /* the sum of the deltas is the register's growth over the entries: values are the register */
    assert_int_equal(omp_profile_no_of_index(&g_p, 1u), g_p.log.first_no);
}

/* 60-min periods at a half-hour offset (+05:30): periods end at hh:30 UTC (whole hours of
 * normal time). */
static void test_period_alignment_offset(void **state)
{
    (void)state;
    struct omp_profile_cfg c;
    lp_cfg(&c, 1u, 3600u);
    c.offset_s = 5 * 3600 + 1800;
    struct omp_nvm_region r = board(8u, 8u);
    assert_int_equal(omp_profile_open(&g_p, &c, &r, false), OMP_OK);
    omp_time_s end = 0;
    assert_false(omp_profile_due(&g_p, T_2027 + 600, &end)); /* 00:10 UTC: next end 00:30 */
    assert_false(omp_profile_due(&g_p, T_2027 + 1799, &end));
    assert_true(omp_profile_due(&g_p, T_2027 + 1800, &end));
    assert_int_equal(end, T_2027 + 1800);
    c.period_s = 7u * 60u; /* 7 min does not divide a day */
    assert_int_equal(omp_profile_open(&g_p, &c, &r, false), OMP_ERR_ARG);
}

/* Entry numbers across wrap-around: DLMS index 1 is the oldest held, OMNIPOWER age 0 the newest;
 * a time range returns exactly the entries logged in it, in the order they were logged, across
 * the EU DST change (entries stay in normal time: 28 March 2027 has 96 quarters like any day) and
 * a clock set back (no quarter is logged twice: the next entry is the first quarter after the
 * newest, an hour later by the clock). The log has wrapped (4 sectors of 4 KiB hold about 1 500
 * one-channel entries; 24 days are 2 304). */
static void test_ranges(void **state)
{
    (void)state;
    struct omp_profile_cfg cfg;
    lp_cfg(&cfg, 1u, 900u);
    struct omp_nvm_region r = board(4u, 8u);
    assert_int_equal(omp_profile_open(&g_p, &cfg, &r, false), OMP_OK);
    g_wh = 0;
    /* 2027-03-27T00:00 normal (UTC+1) = 2027-03-26T23:00Z (2027-03-27T00:00Z = 1 806 105 600) */
    const omp_time_s start = (omp_time_s)1806105600 - 3600;
    run(start - 20 * 86400, start + 4 * 86400);
    uint32_t count = omp_plog_count(&g_p.log);
    assert_true(g_p.log.first_no > 1u && count >= 4u * 96u && count < 24u * 96u);
    assert_int_equal(omp_profile_no_of_index(&g_p, 1u), g_p.log.first_no);
    assert_int_equal(omp_profile_no_of_index(&g_p, count), g_p.log.next_no - 1u);
    assert_int_equal(omp_profile_no_of_index(&g_p, count + 1u), 0u);
    assert_int_equal(omp_profile_no_of_age(&g_p, 0u), g_p.log.next_no - 1u);
    assert_int_equal(omp_profile_no_of_age(&g_p, count), 0u);
    /* 28 March normal time: (00:00, 24:00] */
    const omp_time_s d28 = start + 86400;
    struct omp_plog_cursor c;
    struct omp_plog_entry e;
    uint32_t no, n = 0;
    assert_int_equal(omp_plog_seek(&g_p.log, 1u, &c), OMP_OK);
    while (omp_profile_next_in(&g_p, &c, d28 + 900, d28 + 86400, &e, &no) == OMP_OK) {
        assert_int_equal(e.t, d28 + 900 * (omp_time_s)(n + 1u));
        n++;
    }
    assert_int_equal(n, 96u);
    /* a clock set back by an hour at the end: the four quarters before it are not logged again */
    const omp_time_s now = start + 4 * 86400;
    omp_profile_clock_set(&g_p, now, now - 3600);
    run(now - 3600 + 1, now + 900);
    expect(0, now + 900, 0, OMP_LP_DQ_CLOCK_OVER_60 | OMP_LP_DQ_CLOCK_BACKWARD);
    assert_int_equal(omp_plog_seek(&g_p.log, 1u, &c), OMP_OK);
    n = 0;
    while (omp_profile_next_in(&g_p, &c, now - 3600 + 1, now + 900, &e, &no) == OMP_OK) {
        assert_int_equal(e.t, now - 3600 + 900 * (omp_time_s)(n + 1u));
        n++;
    }
    assert_int_equal(n, 5u); /* -45, -30, -15, 0 min, and the one after the set */
}

/* A profile whose configuration is kept in a store: first use keeps it; the same goes on; another
 * period or other columns erase the region and mark the next entry; read only, a changed one is
 * left alone, not damage, nothing written. */
static uint8_t g_kept_mem[8u * 1024u];
static struct omp_ram_nvm g_kept_nvm;

static void test_open_kept(void **state)
{
    (void)state;
    const struct omp_nvm_geometry kg = {sizeof g_kept_mem, 1024u, 8u, 0xFFu, 100000u};
    assert_int_equal(omp_ram_nvm_init(&g_kept_nvm, g_kept_mem, &kg, NULL), OMP_OK);
    omp_ram_nvm_format(&g_kept_nvm);
    const struct omp_nvm_region kr = {&k_ops, &g_kept_nvm, 0u, 8u};
    static struct omp_store st;
    assert_int_equal(omp_store_open_region(&st, &kr), OMP_OK);
    struct omp_profile_cfg c;
    lp_cfg(&c, 2u, 900u);
    struct omp_nvm_region r = board(4u, 8u);
    enum omp_profile_change ch;
    assert_int_equal(omp_profile_open_kept(&g_p, &c, &r, &st, 8u, false, &ch), OMP_OK);
    assert_int_equal(ch, OMP_PROFILE_FIRST);
    int64_t v[2] = {10, 20};
    assert_int_equal(omp_profile_capture(&g_p, T_2027 + 900, v), OMP_OK);
    assert_int_equal(omp_profile_open_kept(&g_p, &c, &r, &st, 8u, false, &ch), OMP_OK);
    assert_int_equal(ch, OMP_PROFILE_SAME);
    assert_int_equal(omp_plog_count(&g_p.log), 1u);
    /* read only with another period: left alone, not damage, nothing written */
    struct omp_profile_cfg c30 = c;
    c30.period_s = 1800u;
    uint64_t prog = g_nvm.program_calls, erased = g_nvm.erase_calls;
    assert_int_equal(omp_profile_open_kept(&g_p, &c30, &r, &st, 8u, true, &ch), OMP_OK);
    assert_int_equal(ch, OMP_PROFILE_INTERVAL);
    assert_int_equal(g_p.log.stats.damaged, 0u);
    assert_int_equal(g_nvm.program_calls, prog);
    assert_int_equal(g_nvm.erase_calls, erased);
    /* writable: erased, started again, marked */
    assert_int_equal(omp_profile_open_kept(&g_p, &c30, &r, &st, 8u, false, &ch), OMP_OK);
    assert_int_equal(ch, OMP_PROFILE_INTERVAL);
    assert_int_equal(omp_plog_count(&g_p.log), 0u);
    assert_int_equal(g_p.status, OMP_LP_ST_RECONFIGURED | OMP_LP_ST_INTERVAL_CHANGED);
    /* other columns (another object in place of A-) */
    struct omp_profile_cfg cx = c30;
    cx.col[1].obis[2] = 9u;
    assert_int_equal(omp_profile_open_kept(&g_p, &cx, &r, &st, 8u, false, &ch), OMP_OK);
    assert_int_equal(ch, OMP_PROFILE_RECONFIGURED);
    assert_int_equal(g_p.status, OMP_LP_ST_RECONFIGURED);
    assert_int_equal(omp_profile_open_kept(&g_p, &cx, &r, &st, 8u, false, &ch), OMP_OK);
    assert_int_equal(ch, OMP_PROFILE_SAME);
}

/* Event @p k's argument: Knuth's multiplicative hash, so that the arguments do not pack into a
 * few bits and the ring turns within a few thousand events. */
static uint32_t scrambled(uint32_t k)
{
    return k * 2654435761u;
}

#define EV_N    3000u /* events logged */
#define EV_BACK 2980u /* the last before the clock is set back 20 minutes */

/* An event log read as the profiles are (logger.h): EV_N = 3000 events on 3 sectors (the ring has
 * turned: the oldest are dropped), event k (numbered k, 1-based) logged at T + 60 k for k <=
 * EV_BACK = 2980; then the clock is set back 20 minutes, so event k > EV_BACK is at T + 60 (k -
 * 20). */
static void test_event_log_reads(void **state)
{
    (void)state;
    const struct omp_nvm_region r = board(3u, 4u);
    static struct omp_evlog l;
    assert_int_equal(omp_evlog_open(&l, OMP_EVLOG_STANDARD, &r, false), OMP_OK);
    for (uint32_t k = 1; k <= EV_N; k++) {
        const struct omp_event ev = {.utc_s =
                                         T_2027 + 60 * (omp_time_s)(k <= EV_BACK ? k : k - 20u),
                                     .code = OMP_EV_CLOCK_SET,
                                     .arg = scrambled(k),
                                     .flags = (uint16_t)(k % 2u)};
        assert_int_equal(omp_evlog_append(&l, &ev), OMP_OK);
    }
    const uint32_t n = omp_evlog_count(&l);
    const struct omp_nvm_geometry geo = {3u * SECTOR, SECTOR, 4u, 0xFFu, 100000u};
    assert_true(n >= omp_evlog_capacity(&geo, 3u) && n < EV_N); /* the oldest dropped */
    assert_true(EV_N + 1u - n <= EV_N - 35u); /* the ranges below start in what is held */
    assert_int_equal(omp_evlog_overflow(&l), EV_N - n);
    /* numbering: DLMS index 1 = the oldest held, OMNIPOWER age 0 = the newest (event EV_N) */
    assert_int_equal(omp_evlog_no_of_age(&l, 0u), EV_N);
    assert_int_equal(omp_evlog_no_of_index(&l, n), EV_N);
    assert_int_equal(omp_evlog_no_of_index(&l, 1u), EV_N + 1u - n);
    assert_int_equal(omp_evlog_no_of_age(&l, n - 1u), EV_N + 1u - n);
    assert_int_equal(omp_evlog_no_of_index(&l, 0u), 0u);
    assert_int_equal(omp_evlog_no_of_index(&l, n + 1u), 0u);
    assert_int_equal(omp_evlog_no_of_age(&l, n), 0u);
    /* an entry range across the wrap: index 1..n is events EV_N + 1 - n .. EV_N, each its own */
    struct omp_plog_cursor c;
    struct omp_event ev;
    uint32_t no = 0;
    assert_int_equal(omp_plog_seek(&l.log, omp_evlog_no_of_index(&l, 1u), &c), OMP_OK);
    for (uint32_t k = EV_N + 1u - n; k <= EV_N; k++) {
        assert_int_equal(omp_evlog_next(&l, &c, &ev, &no), OMP_OK);
        assert_int_equal(no, k);
        assert_int_equal(ev.arg, scrambled(k));
        assert_int_equal(ev.flags, k % 2u);
        assert_int_equal(ev.utc_s, T_2027 + 60 * (omp_time_s)(k <= EV_BACK ? k : k - 20u));
    }
    assert_int_equal(omp_evlog_next(&l, &c, &ev, &no), OMP_ERR_NOT_FOUND);
    /* a time range [T + 60 (EV_N - 35), T + 60 (EV_N - 25)]: events EV_N - 35 .. EV_N - 25, then
     * (after the clock was set back) EV_N - 15 .. EV_N - 5, in the order logged */
    assert_int_equal(omp_plog_seek(&l.log, 1u, &c), OMP_OK);
    uint32_t got[32];
    size_t m = 0;
    while (m < 32u && omp_evlog_next_in(&l, &c, T_2027 + 60 * (EV_N - 35),
                                        T_2027 + 60 * (EV_N - 25), &ev, &no) == OMP_OK) {
        assert_int_equal(ev.arg, scrambled(no));
        got[m++] = no;
    }
    assert_int_equal(m, 22u);
    for (uint32_t k = 0; k < 11u; k++) {
        assert_int_equal(got[k], EV_N - 35u + k);
        assert_int_equal(got[11u + k], EV_N - 15u + k);
    }
    /* a range before the oldest held finds nothing */
    assert_int_equal(omp_plog_seek(&l.log, 1u, &c), OMP_OK);
    assert_int_equal(omp_evlog_next_in(&l, &c, T_2027, T_2027 + 60 * 10, &ev, &no),
                     OMP_ERR_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_depth_table),
        cmocka_unit_test(test_periods_and_status),
        cmocka_unit_test(test_period_alignment_offset),
        cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_open_kept),
        cmocka_unit_test(test_event_log_reads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

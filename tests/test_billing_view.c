/*
 * The billing log's reading (logger.h omp_billing_*, docs/logger.md "Billing log"): a billing
 * log of the meter's shape (4 sectors of 4 KiB, program unit 8) filled past its wrap with
 * snapshots whose stop times the test chooses, then read by number, cursor, DLMS index,
 * OMNIPOWER age and time range; a record with a flipped bit; the capture objects of technical
 * facts 4.2 (Table 12).
 *
 * Figures by hand for the default build (OMP_CONFIG_TARIFFS 4): a snapshot is 120 + 16 x 4 + 120
 * = 304 bytes, a record 12 + 304 + 4 = 320 (a multiple of the program unit 8), a sector holds
 * (4096 - 16) / 320 = 12 (12.75) of them; the ring keeps one sector free, so the capacity is
 * 3 x 12 = 36. Sequences start at 0 and entry numbers are sequence + 1. Sectors 0..3 take numbers
 * 1-12, 13-24, 25-36, 37-48; the 49th snapshot finds the ring full, erases sector 0 (numbers 1-12
 * dropped) and goes there: after 50 stops sector 0 holds 49 and 50, the log holds 13..50, 38
 * entries; the physical wrap lies between 48 (sector 3, last slot) and 49 (sector 0, slot 0).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "omnipower/cosem.h"
#include "omnipower/hal_fakes.h"
#include "omnipower/logger.h"
#include "omnipower/registers.h"
#include "test_time.h"

#define SECTOR 4096u
#define SECTORS 4u
#define SIZE (SECTOR * SECTORS)
#define REC 320u      /* bytes of one record (above) */
#define PER_SECTOR 12u
#define DAY 86400

_Static_assert(OMP_REGS_SNAPSHOT_LEN == 304u, "the figures above are for 4 tariffs");

static const struct omp_nvm_geometry k_geo = {
    .size = SIZE, .sector_size = SECTOR, .program_unit = 8u, .erase_value = 0xFFu,
    .erase_cycles = 100000u,
};

static const struct omp_hal_ops k_ops = {
    .nvm_geometry = omp_ram_nvm_geometry, .nvm_read = omp_ram_nvm_read,
    .nvm_program = omp_ram_nvm_program, .nvm_erase = omp_ram_nvm_erase,
};

static uint8_t g_mem[SIZE];
static struct omp_ram_nvm g_nvm;
static struct omp_nvm_log g_log;

/* 2026-02-15T00:00:00Z: day 42 after it is 2026-03-29, the day EU summer time starts (01:00Z). */
static omp_time_s t0(void)
{
    return utc_of(2026, 2, 15, 0, 0, 0);
}

/*
 * The stop time of the snapshot numbered @p n (1-based, the order they were taken): a day apart,
 * then the clock set back by 3.5 days after stop 44 (45..47 at 41.5, 42.5, 43.5 days), then on
 * from 45 days (48..50 at days 45, 46, 47).
 */
static omp_time_s stop_of(uint32_t n)
{
    int64_t half_days = n <= 44u ? 2 * (int64_t)n : n <= 47u ? 2 * ((int64_t)n - 4) + 1
                                                             : 2 * ((int64_t)n - 3);
    return t0() + half_days * (DAY / 2);
}

/* A snapshot that says which stop it is: every value derived from @p n. */
static struct omp_regs_snapshot snap_of(uint32_t n)
{
    struct omp_regs_snapshot s;
    memset(&s, 0, sizeof s);
    s.utc = stop_of(n);
    s.capture_utc = s.utc + 5;
    s.quality = (uint8_t)(n % 2u != 0u ? OMP_REGS_Q_LATE : 0u);
    s.billing_count = n;
    s.hours = 24u * n;
    s.threshold_count = n % 7u;
    s.pulse_milli = 1500u * (uint64_t)n;
    s.energy.total.a_plus_uwh = 1000000000u * (uint64_t)n + 999999u;
    s.energy.total.r_minus_uvarh = 7u * (uint64_t)n;
    s.energy.a_plus_t[1] = 2000000u * (uint64_t)n;
    s.peaks.p_plus.value = 1000u + n;
    s.peaks.p_plus.utc = s.utc - 3600;
    s.acc.q_plus = 10u * (uint64_t)n;
    return s;
}

static void check_snap(const struct omp_regs_snapshot *got, uint32_t n)
{
    const struct omp_regs_snapshot want = snap_of(n);
    assert_int_equal(got->utc, want.utc);
    assert_int_equal(got->capture_utc, want.capture_utc);
    assert_int_equal(got->quality, want.quality);
    assert_int_equal(got->billing_count, n);
    assert_int_equal(got->hours, want.hours);
    assert_int_equal(got->threshold_count, want.threshold_count);
    assert_int_equal(got->pulse_milli, want.pulse_milli);
    assert_int_equal(got->energy.total.a_plus_uwh, want.energy.total.a_plus_uwh);
    assert_int_equal(got->energy.total.r_minus_uvarh, want.energy.total.r_minus_uvarh);
    assert_int_equal(got->energy.a_plus_t[1], want.energy.a_plus_t[1]);
    assert_int_equal(got->peaks.p_plus.value, want.peaks.p_plus.value);
    assert_int_equal(got->peaks.p_plus.utc, want.peaks.p_plus.utc);
    assert_int_equal(got->acc.q_plus, want.acc.q_plus);
}

static void append_stop(uint32_t n)
{
    uint8_t buf[OMP_REGS_SNAPSHOT_LEN];
    struct omp_wr w = omp_wr_init(buf, sizeof buf);
    const struct omp_regs_snapshot s = snap_of(n);
    assert_int_equal(omp_regs_snapshot_encode(&s, &w), OMP_OK);
    assert_int_equal(omp_nvm_log_append(&g_log, buf), OMP_OK);
}

static void open_log(bool read_only)
{
    const struct omp_nvm_region r = {&k_ops, &g_nvm, 0u, SECTORS};
    assert_int_equal(omp_nvm_log_open_mode(&g_log, &r, OMP_REGS_BILLING_TAG,
                                           (uint16_t)OMP_REGS_SNAPSHOT_LEN, read_only),
                     OMP_OK);
}

/* A new billing log with stops 1..@p n. */
static void fill(uint32_t n)
{
    assert_int_equal(omp_ram_nvm_init(&g_nvm, g_mem, &k_geo, NULL), OMP_OK);
    omp_ram_nvm_format(&g_nvm);
    open_log(false);
    for (uint32_t k = 1; k <= n; k++) {
        append_stop(k);
    }
}

/* Flip one bit in the payload of the record of entry @p no (white box: where the ring put it,
 * by the figures at the top: sequence no - 1 in sector (seq / 12) % 4, slot seq % 12). */
static void flip(uint32_t no)
{
    uint32_t seq = no - 1u;
    uint32_t at = (seq / PER_SECTOR) % SECTORS * SECTOR + 16u + seq % PER_SECTOR * REC;
    g_mem[at + 12u + 40u] ^= 0x10u;
}

/* Entry @p no read whole and valid. */
static void expect_entry(uint32_t no)
{
    struct omp_billing_entry e;
    assert_int_equal(omp_billing_read(&g_log, no, &e), OMP_OK);
    assert_int_equal(e.status, 0u);
    check_snap(&e.snap, no);
}

static void expect_invalid(uint32_t no)
{
    struct omp_billing_entry e;
    memset(&e, 0xA5, sizeof e);
    assert_int_equal(omp_billing_read(&g_log, no, &e), OMP_OK);
    assert_int_equal(e.status, OMP_LP_ST_INVALID);
    assert_int_equal(e.snap.utc, 0);
    assert_int_equal(e.snap.billing_count, 0u);
    assert_int_equal(e.snap.energy.total.a_plus_uwh, 0u);
}

/* 50 stops in a ring of 36 (above): numbers 13..50 held, 38 in use; DLMS index 1 = 13 ... 38 =
 * 50; OMNIPOWER age 0 = 50 ... 37 = 13; each held entry reads back as its stop. */
static void test_numbers_across_wrap(void **state)
{
    (void)state;
    fill(50u);
    assert_int_equal(omp_billing_capacity(&g_log), 36u);
    assert_int_equal(omp_billing_count(&g_log), 38u);
    assert_int_equal(omp_billing_no_of_index(&g_log, 1u), 13u);
    assert_int_equal(omp_billing_no_of_index(&g_log, 2u), 14u);
    assert_int_equal(omp_billing_no_of_index(&g_log, 38u), 50u);
    assert_int_equal(omp_billing_no_of_index(&g_log, 39u), 0u);
    assert_int_equal(omp_billing_no_of_index(&g_log, 0u), 0u);
    assert_int_equal(omp_billing_no_of_age(&g_log, 0u), 50u);
    assert_int_equal(omp_billing_no_of_age(&g_log, 1u), 49u);
    assert_int_equal(omp_billing_no_of_age(&g_log, 37u), 13u);
    assert_int_equal(omp_billing_no_of_age(&g_log, 38u), 0u);
    for (uint32_t no = 13u; no <= 50u; no++) {
        expect_entry(no);
    }
    struct omp_billing_entry e;
    assert_int_equal(omp_billing_read(&g_log, 12u, &e), OMP_ERR_NOT_FOUND); /* dropped */
    assert_int_equal(omp_billing_read(&g_log, 1u, &e), OMP_ERR_NOT_FOUND);
    assert_int_equal(omp_billing_read(&g_log, 51u, &e), OMP_ERR_NOT_FOUND); /* not yet */
    assert_int_equal(omp_billing_read(&g_log, 0u, &e), OMP_ERR_NOT_FOUND);
    /* the same numbers after a reopen (the scan finds the chain 12..49 of sequences) */
    open_log(true);
    assert_int_equal(omp_billing_count(&g_log), 38u);
    assert_int_equal(omp_billing_no_of_index(&g_log, 1u), 13u);
    assert_int_equal(omp_billing_no_of_age(&g_log, 0u), 50u);
    expect_entry(13u);
    expect_entry(50u);
}

/* Entry-range reads: the DLMS range 34..38 (numbers 46..50, across the wrap between 48 and 49)
 * and the whole log by cursor from number 0 (the oldest held: 13); Kamstrup's range "from 3 to
 * 1" gives ages 3, 2, 1 in that order (technical facts 11.5), numbers 47, 48, 49. */
static void test_entry_ranges(void **state)
{
    (void)state;
    fill(50u);
    struct omp_billing_cursor c;
    struct omp_billing_entry e;
    uint32_t no = 0;
    const uint32_t from = omp_billing_no_of_index(&g_log, 34u);
    const uint32_t to = omp_billing_no_of_index(&g_log, 38u);
    assert_int_equal(from, 46u);
    assert_int_equal(to, 50u);
    assert_int_equal(omp_billing_seek(&g_log, from, &c), OMP_OK);
    for (uint32_t want = 46u; want <= 50u; want++) {
        assert_int_equal(omp_billing_next(&g_log, &c, &e, &no), OMP_OK);
        assert_int_equal(no, want);
        assert_int_equal(e.status, 0u);
        check_snap(&e.snap, want);
    }
    assert_int_equal(omp_billing_next(&g_log, &c, &e, &no), OMP_ERR_NOT_FOUND);
    assert_int_equal(omp_billing_next(&g_log, &c, &e, &no), OMP_ERR_NOT_FOUND);

    /* everything held, the oldest first */
    assert_int_equal(omp_billing_seek(&g_log, 0u, &c), OMP_OK);
    uint32_t n = 0, last = 12u;
    while (omp_billing_next(&g_log, &c, &e, &no) == OMP_OK) {
        assert_int_equal(no, last + 1u);
        check_snap(&e.snap, no);
        last = no;
        n++;
    }
    assert_int_equal(n, 38u);
    assert_int_equal(last, 50u);

    /* Kamstrup: from age 3 to age 1 */
    const uint32_t want_k[3] = {47u, 48u, 49u};
    for (uint32_t age = 3u, k = 0; age >= 1u; age--, k++) {
        uint32_t num = omp_billing_no_of_age(&g_log, age);
        assert_int_equal(num, want_k[k]);
        expect_entry(num);
    }
    /* seeking a number not taken yet */
    assert_int_equal(omp_billing_seek(&g_log, 51u, &c), OMP_ERR_NOT_FOUND);
    assert_int_equal(omp_billing_next(&g_log, &c, &e, &no), OMP_ERR_NOT_FOUND);
    /* NULL @p no is allowed */
    assert_int_equal(omp_billing_seek(&g_log, 50u, &c), OMP_OK);
    assert_int_equal(omp_billing_next(&g_log, &c, &e, NULL), OMP_OK);
    check_snap(&e.snap, 50u);
}

/*
 * A cursor placed at 20 reads 20 and 21; then 14 more stops (51..64): 51..60 fill sector 0
 * (slots 2..11), 61 finds the ring full and erases sector 1 (numbers 13..24 dropped; it takes
 * 61..64). The cursor goes on at 25 (22..24 are gone) and ends at 50, the newest at its seek;
 * a seek at where it stopped reads 51..64.
 */
static void test_cursor_while_appending(void **state)
{
    (void)state;
    fill(50u);
    struct omp_billing_cursor c;
    struct omp_billing_entry e;
    uint32_t no = 0;
    assert_int_equal(omp_billing_seek(&g_log, 20u, &c), OMP_OK);
    assert_int_equal(omp_billing_next(&g_log, &c, &e, &no), OMP_OK);
    assert_int_equal(no, 20u);
    assert_int_equal(omp_billing_next(&g_log, &c, &e, &no), OMP_OK);
    assert_int_equal(no, 21u);
    for (uint32_t k = 51u; k <= 64u; k++) {
        append_stop(k);
    }
    assert_int_equal(omp_billing_count(&g_log), 40u);
    assert_int_equal(omp_billing_no_of_index(&g_log, 1u), 25u);
    for (uint32_t want = 25u; want <= 50u; want++) {
        assert_int_equal(omp_billing_next(&g_log, &c, &e, &no), OMP_OK);
        assert_int_equal(no, want);
        check_snap(&e.snap, want);
    }
    assert_int_equal(omp_billing_next(&g_log, &c, &e, &no), OMP_ERR_NOT_FOUND);
    assert_int_equal(omp_billing_seek(&g_log, c.no, &c), OMP_OK);
    for (uint32_t want = 51u; want <= 64u; want++) {
        assert_int_equal(omp_billing_next(&g_log, &c, &e, &no), OMP_OK);
        assert_int_equal(no, want);
        check_snap(&e.snap, want);
    }
    assert_int_equal(omp_billing_next(&g_log, &c, &e, &no), OMP_ERR_NOT_FOUND);

    /* placed at 30 with 64 the newest, then 24 more (65..88: 65..72 fill sector 1, 73 and 85
     * erase sectors 2 and 3, numbers up to 48 dropped): it goes on at the oldest held, 49 */
    assert_int_equal(omp_billing_seek(&g_log, 30u, &c), OMP_OK);
    for (uint32_t k = 65u; k <= 88u; k++) {
        append_stop(k);
    }
    assert_int_equal(omp_billing_no_of_index(&g_log, 1u), 49u);
    assert_int_equal(omp_billing_next(&g_log, &c, &e, &no), OMP_OK);
    assert_int_equal(no, 49u);
}

/* Collect the numbers a time-range read returns, the cursor at the oldest held. */
static uint32_t range(omp_time_s from, omp_time_s to, uint32_t *out, uint32_t cap)
{
    struct omp_billing_cursor c;
    struct omp_billing_entry e;
    uint32_t no = 0, n = 0;
    assert_int_equal(omp_billing_seek(&g_log, 0u, &c), OMP_OK);
    omp_err err;
    while ((err = omp_billing_next_in(&g_log, &c, from, to, &e, &no)) == OMP_OK) {
        assert_true(n < cap);
        assert_true(e.snap.utc >= from && e.snap.utc <= to);
        check_snap(&e.snap, no);
        out[n++] = no;
    }
    assert_int_equal(err, OMP_ERR_NOT_FOUND);
    return n;
}

/*
 * Time ranges on the stop time, UTC. Held: 13..44 at days 13..44, 45..47 at 41.5, 42.5, 43.5
 * (the clock set back), 48..50 at 45, 46, 47.
 * [day 42, day 45] (both ends included): 42, 43, 44, 46 (42.5), 47 (43.5), 48 (45): in the order
 * taken, not by time. [2026-03-29T00:30Z, 2026-03-31T12:00Z] spans the start of summer time
 * (03-29 01:00Z), which a UTC range does not see: 43 (03-30 00:00), 44 (03-31 00:00), 46 (03-29
 * 12:00), 47 (03-30 12:00). Days 1..12 were dropped: nothing.
 */
static void test_time_ranges(void **state)
{
    (void)state;
    fill(50u);
    assert_int_equal(stop_of(42u), utc_of(2026, 3, 29, 0, 0, 0));
    assert_int_equal(stop_of(46u), utc_of(2026, 3, 29, 12, 0, 0));
    uint32_t got[40];
    const uint32_t want1[] = {42u, 43u, 44u, 46u, 47u, 48u};
    uint32_t n = range(t0() + 42 * DAY, t0() + 45 * DAY, got, 40u);
    assert_int_equal(n, 6u);
    assert_memory_equal(got, want1, sizeof want1);

    const uint32_t want2[] = {43u, 44u, 46u, 47u};
    n = range(utc_of(2026, 3, 29, 0, 30, 0), utc_of(2026, 3, 31, 12, 0, 0), got, 40u);
    assert_int_equal(n, 4u);
    assert_memory_equal(got, want2, sizeof want2);

    assert_int_equal(range(t0() + DAY, t0() + 12 * DAY, got, 40u), 0u);
    assert_int_equal(range(t0() + 45 * DAY, t0() + 42 * DAY, got, 40u), 0u); /* from > to */
    /* one instant: 41.5 days is stop 45 alone */
    n = range(t0() + 83 * (DAY / 2), t0() + 83 * (DAY / 2), got, 40u);
    assert_int_equal(n, 1u);
    assert_int_equal(got[0], 45u);
}

/*
 * A flipped bit in entry 30's record (sector 2, slot 5): it reads as invalid under 30, the
 * others keep their numbers and snapshots, a cursor returns it in its place, a time range that
 * covers its time leaves it out; the same after a reopen (the scan counts it as held between
 * valid neighbours). A flipped oldest (13) or newest (50) record is invalid while the log is
 * open; a reopen leaves it out of the chain (storage.h: the log then starts at 14, or ends at
 * 49 and the next stop takes number 50): the numbers of the others still do not move.
 */
static void test_flipped_bit(void **state)
{
    (void)state;
    fill(50u);
    flip(30u);
    expect_invalid(30u);
    expect_entry(29u);
    expect_entry(31u);
    assert_int_equal(omp_billing_count(&g_log), 38u);
    struct omp_billing_cursor c;
    struct omp_billing_entry e;
    uint32_t no = 0;
    assert_int_equal(omp_billing_seek(&g_log, 28u, &c), OMP_OK);
    for (uint32_t want = 28u; want <= 32u; want++) {
        assert_int_equal(omp_billing_next(&g_log, &c, &e, &no), OMP_OK);
        assert_int_equal(no, want);
        assert_int_equal(e.status, want == 30u ? OMP_LP_ST_INVALID : 0u);
        if (want != 30u) {
            check_snap(&e.snap, want);
        }
    }
    uint32_t got[8];
    const uint32_t want_t[] = {29u, 31u};
    assert_int_equal(range(t0() + 29 * DAY, t0() + 31 * DAY, got, 8u), 2u);
    assert_memory_equal(got, want_t, sizeof want_t);

    open_log(false);
    assert_int_equal(g_log.stats.scan_bad, 1u);
    assert_int_equal(omp_billing_count(&g_log), 38u);
    assert_int_equal(omp_billing_no_of_index(&g_log, 18u), 30u);
    expect_invalid(30u);
    expect_entry(29u);
    expect_entry(31u);

    flip(13u);
    flip(50u);
    expect_invalid(13u);
    expect_invalid(50u);
    expect_entry(14u);
    expect_entry(49u);
    open_log(false);
    assert_int_equal(omp_billing_count(&g_log), 36u);
    assert_int_equal(omp_billing_no_of_index(&g_log, 1u), 14u);
    assert_int_equal(omp_billing_no_of_age(&g_log, 0u), 49u);
    struct omp_billing_entry x;
    assert_int_equal(omp_billing_read(&g_log, 13u, &x), OMP_ERR_NOT_FOUND);
    assert_int_equal(omp_billing_read(&g_log, 50u, &x), OMP_ERR_NOT_FOUND);
    expect_entry(14u);
    expect_invalid(30u);
    expect_entry(49u);
    append_stop(50u); /* the next stop takes the rejected newest's number */
    expect_entry(50u);
}

/* Argument errors and an empty log; a log that is not a billing log is refused. */
static void test_arguments(void **state)
{
    (void)state;
    fill(0u);
    struct omp_billing_cursor c;
    struct omp_billing_entry e;
    uint32_t no = 0;
    assert_int_equal(omp_billing_count(&g_log), 0u);
    assert_int_equal(omp_billing_capacity(&g_log), 36u);
    assert_int_equal(omp_billing_no_of_index(&g_log, 1u), 0u);
    assert_int_equal(omp_billing_no_of_age(&g_log, 0u), 0u);
    assert_int_equal(omp_billing_read(&g_log, 1u, &e), OMP_ERR_NOT_FOUND);
    assert_int_equal(omp_billing_seek(&g_log, 0u, &c), OMP_ERR_NOT_FOUND);
    assert_int_equal(omp_billing_next(&g_log, &c, &e, &no), OMP_ERR_NOT_FOUND);
    assert_int_equal(omp_billing_next_in(&g_log, &c, 0, INT64_MAX, &e, &no), OMP_ERR_NOT_FOUND);
    append_stop(1u);
    assert_int_equal(omp_billing_no_of_index(&g_log, 1u), 1u);
    assert_int_equal(omp_billing_no_of_age(&g_log, 0u), 1u);
    expect_entry(1u);

    assert_int_equal(omp_billing_count(NULL), 0u);
    assert_int_equal(omp_billing_capacity(NULL), 0u);
    assert_int_equal(omp_billing_no_of_index(NULL, 1u), 0u);
    assert_int_equal(omp_billing_no_of_age(NULL, 0u), 0u);
    assert_int_equal(omp_billing_read(NULL, 1u, &e), OMP_ERR_ARG);
    assert_int_equal(omp_billing_read(&g_log, 1u, NULL), OMP_ERR_ARG);
    assert_int_equal(omp_billing_seek(NULL, 1u, &c), OMP_ERR_ARG);
    assert_int_equal(omp_billing_seek(&g_log, 1u, NULL), OMP_ERR_ARG);
    assert_int_equal(omp_billing_seek(&g_log, 1u, &c), OMP_OK);
    assert_int_equal(omp_billing_next(NULL, &c, &e, &no), OMP_ERR_ARG);
    assert_int_equal(omp_billing_next(&g_log, NULL, &e, &no), OMP_ERR_ARG);
    assert_int_equal(omp_billing_next(&g_log, &c, NULL, &no), OMP_ERR_ARG);
    assert_int_equal(omp_billing_next_in(NULL, &c, 0, 1, &e, &no), OMP_ERR_ARG);
    assert_int_equal(omp_billing_next_in(&g_log, &c, 0, 1, NULL, &no), OMP_ERR_ARG);
    assert_int_equal(c.no, 1u); /* refused calls did not move it */

    /* another log of the registers (the mirror's tag), or another entry size */
    struct omp_nvm_log other = g_log;
    other.tag = OMP_REGS_MIRROR_TAG;
    assert_int_equal(omp_billing_count(&other), 0u);
    assert_int_equal(omp_billing_capacity(&other), 0u);
    assert_int_equal(omp_billing_no_of_age(&other, 0u), 0u);
    assert_int_equal(omp_billing_read(&other, 1u, &e), OMP_ERR_ARG);
    assert_int_equal(omp_billing_seek(&other, 1u, &c), OMP_ERR_ARG);
    other = g_log;
    other.entry_len = 100u;
    assert_int_equal(omp_billing_read(&other, 1u, &e), OMP_ERR_ARG);

    int64_t v = 0;
    const struct omp_regs_snapshot s = snap_of(1u);
    assert_null(omp_billing_col(OMP_BILLING_COLUMNS));
    assert_int_equal(omp_billing_value(&s, OMP_BILLING_COLUMNS, &v), OMP_ERR_ARG);
    assert_int_equal(omp_billing_value(NULL, 0u, &v), OMP_ERR_ARG);
    assert_int_equal(omp_billing_value(&s, 0u, NULL), OMP_ERR_ARG);
}

/* One capture object as Table 12 names it, and its value in the snapshot of the test below. */
struct want_col {
    uint8_t obis[6];
    uint8_t attr;
    int64_t value;
};

/*
 * The capture objects in the order of technical facts 4.2 (Table 12) without Q+max T1/T2 (the
 * registers keep none), each with the class, scaler and unit of the dictionary's object; the
 * values of a snapshot in the dictionary's resolution (energies in whole Wh, varh, VAh truncated:
 * 1 234 567.890123 Wh is 1 234 567; the pulse input in whole units: 98 765 milli is 98).
 */
static void test_capture_objects(void **state)
{
    (void)state;
    const omp_time_s stop = utc_of(2026, 3, 1, 0, 0, 0) - 3600; /* 00:00 CET */
    const omp_time_s pk = utc_of(2026, 2, 17, 17, 15, 0);
    struct omp_regs_snapshot s;
    memset(&s, 0, sizeof s);
    s.utc = stop;
    s.capture_utc = stop + 2;
    s.hours = 8761u;
    s.billing_count = 14u;
    s.threshold_count = 3u;
    s.pulse_milli = 98765u;
    s.energy.total.a_plus_uwh = 1234567890123u;
    s.energy.total.a_minus_uwh = 2999999u;
    s.energy.total.r_plus_uvarh = 3000000u;
    s.energy.total.r_minus_uvarh = 4500000u;
    s.energy.total.r_quadrant_uvarh[0] = 77000000u; /* R1: not captured */
    s.energy.total.e_plus_uvah = 9000001u;
    s.energy.total.e_minus_uvah = 10999999u;
    for (unsigned t = 0; t < 4u; t++) {
        s.energy.a_plus_t[t] = (uint64_t)(t + 1u) * 11000000u;
        s.energy.r_plus_t[t] = (uint64_t)(t + 1u) * 31000000u + 500000u;
    }
    s.peaks.p_plus.value = 4321u;
    s.peaks.p_plus.utc = pk;
    s.peaks.p_plus_t[0].value = 4000u;
    s.peaks.p_plus_t[0].utc = pk - 900;
    s.peaks.p_plus_t[1].value = 0u; /* no period set it: no time */
    s.peaks.q_plus.value = 555u;
    s.peaks.q_plus.utc = pk + 900;
    s.peaks.s_plus.value = 4500u;
    s.peaks.s_plus.utc = pk;
    s.peaks.s_minus.value = 12u;
    s.peaks.s_minus.utc = pk + 1800;
    s.acc.p_plus = 60000u;
    s.acc.p_plus_t[0] = 50000u;
    s.acc.p_plus_t[1] = 10000u;
    s.acc.q_plus = 7000u;

    const struct want_col want[] = {
        {{0, 1, 1, 0, 0, 255}, 2u, stop},    {{0, 1, 96, 8, 0, 255}, 2u, 8761},
        {{1, 1, 0, 1, 0, 255}, 2u, 14},      {{1, 1, 96, 51, 2, 255}, 2u, 3},
        {{1, 1, 0, 128, 1, 255}, 2u, 98},    {{1, 1, 1, 8, 0, 255}, 2u, 1234567},
        {{1, 1, 2, 8, 0, 255}, 2u, 2},       {{1, 1, 3, 8, 0, 255}, 2u, 3},
        {{1, 1, 4, 8, 0, 255}, 2u, 4},       {{1, 1, 1, 8, 1, 255}, 2u, 11},
        {{1, 1, 1, 8, 2, 255}, 2u, 22},      {{1, 1, 1, 8, 3, 255}, 2u, 33},
        {{1, 1, 1, 8, 4, 255}, 2u, 44},      {{1, 1, 3, 8, 1, 255}, 2u, 31},
        {{1, 1, 3, 8, 2, 255}, 2u, 62},      {{1, 1, 3, 8, 3, 255}, 2u, 93},
        {{1, 1, 3, 8, 4, 255}, 2u, 124},     {{1, 1, 9, 8, 0, 255}, 2u, 9},
        {{1, 1, 10, 8, 0, 255}, 2u, 10},     {{1, 1, 1, 6, 0, 255}, 2u, 4321},
        {{1, 1, 1, 6, 0, 255}, 5u, pk},      {{1, 1, 1, 6, 1, 255}, 2u, 4000},
        {{1, 1, 1, 6, 1, 255}, 5u, pk - 900}, {{1, 1, 1, 6, 2, 255}, 2u, 0},
        {{1, 1, 1, 6, 2, 255}, 5u, 0},       {{1, 1, 3, 6, 0, 255}, 2u, 555},
        {{1, 1, 3, 6, 0, 255}, 5u, pk + 900}, {{1, 1, 9, 6, 0, 255}, 2u, 4500},
        {{1, 1, 9, 6, 0, 255}, 5u, pk},      {{1, 1, 10, 6, 0, 255}, 2u, 12},
        {{1, 1, 10, 6, 0, 255}, 5u, pk + 1800}, {{1, 1, 1, 2, 0, 255}, 2u, 60000},
        {{1, 1, 1, 2, 1, 255}, 2u, 50000},   {{1, 1, 1, 2, 2, 255}, 2u, 10000},
        {{1, 1, 3, 2, 0, 255}, 2u, 7000},
    };
    assert_int_equal(OMP_BILLING_COLUMNS, 35u);
    assert_int_equal(sizeof want / sizeof want[0], 35u);
    for (unsigned k = 0; k < OMP_BILLING_COLUMNS; k++) {
        const struct omp_billing_col *col = omp_billing_col(k);
        assert_non_null(col);
        assert_memory_equal(col->obis, want[k].obis, 6u);
        assert_int_equal(col->attr, want[k].attr);
        int64_t v = -1;
        assert_int_equal(omp_billing_value(&s, k, &v), OMP_OK);
        assert_int_equal(v, want[k].value);
        /* the dictionary's object: its class, and its value's scaler and unit */
        const struct omp_cosem_obj *o = omp_cosem_find(col->obis);
        assert_non_null(o);
        assert_int_equal(col->class_id, o->class_id);
        assert_int_equal(col->scaler, o->scaler);
        if (col->attr == 2u && o->class_id != OMP_CLASS_CLOCK) {
            assert_int_equal(col->unit, o->unit);
        }
        const bool is_time = col->attr == 5u || o->class_id == OMP_CLASS_CLOCK;
        assert_int_equal(col->type, is_time ? OMP_VT_DATETIME
                                    : o->class_id == OMP_CLASS_DATA &&
                                              (col->obis[3] == 1u || col->obis[3] == 51u)
                                        ? OMP_VT_U8
                                        : OMP_VT_U32);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_across_wrap),
        cmocka_unit_test(test_entry_ranges),
        cmocka_unit_test(test_cursor_while_appending),
        cmocka_unit_test(test_time_ranges),
        cmocka_unit_test(test_flipped_bit),
        cmocka_unit_test(test_arguments),
        cmocka_unit_test(test_capture_objects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

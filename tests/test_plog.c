/*
 * Packed log (plog.h): round trips across many sector rotations, the guaranteed depth from the
 * documented sizes, entry numbers that stay with their entry, power cuts at every programmed
 * byte, damage. Expected entries are the ones the test appended (kept in its own array); sizes
 * are worked out by hand in the comments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/hal_fakes.h"
#include "omnipower/plog.h"

#define SECTOR 1024u
#define SECTORS 8u
#define SIZE (SECTOR * SECTORS)
#define N_MAX 4000u
#define T0 ((omp_time_s)1798761600) /* 2027-01-01T00:00:00Z */

static const struct omp_nvm_geometry k_geo = {
    .size = SIZE, .sector_size = SECTOR, .program_unit = 8u, .erase_value = 0xFFu,
    .erase_cycles = 100000u,
};

/* The next erase torn in pattern g_tear (1..5: what an interrupted erase may leave; 0 off): the
 * power goes with it (the RAM NVM then refuses every operation until omp_ram_nvm_power_on). */
static unsigned g_tear;

static omp_err tear_erase(void *user, uint32_t addr)
{
    struct omp_ram_nvm *n = user;
    unsigned pattern = g_tear;
    if (pattern == 0u || !n->powered) {
        return omp_ram_nvm_erase(user, addr);
    }
    g_tear = 0;
    uint8_t *s = n->mem + addr / SECTOR * SECTOR;
    switch (pattern) {
    case 1: memset(s, 0xFF, SECTOR / 2u); break;             /* the first half (the header) */
    case 2: memset(s + SECTOR / 2u, 0xFF, SECTOR / 2u); break; /* the second half */
    case 3: memset(s, 0xFF, 16u); break;                       /* the header only */
    case 4: memset(s + 16u, 0xFF, SECTOR - 16u); break;        /* all but the header */
    default:
        for (uint32_t k = 0; k < SECTOR; k += 128u) {
            memset(s + k, 0xFF, 64u); /* stripes */
        }
        break;
    }
    n->powered = false;
    return OMP_ERR_POWER_LOST;
}

static const struct omp_hal_ops k_ops = {
    .nvm_geometry = omp_ram_nvm_geometry, .nvm_read = omp_ram_nvm_read,
    .nvm_program = omp_ram_nvm_program, .nvm_erase = tear_erase,
};

static uint8_t g_mem[SIZE];
static struct omp_ram_nvm g_nvm;
static struct omp_nvm_region g_rgn;
static struct omp_plog_def g_def;
static struct omp_plog g_log;
static struct omp_plog_entry g_ref[N_MAX + 1u]; /* g_ref[no]: what entry number no was */
static uint32_t g_x = 1u;

static uint32_t rnd(void)
{
    g_x = g_x * 1103515245u + 12345u;
    return g_x >> 8;
}

/* A load profile of 4 counters (A+, A-, R+, R-: up to 5750 Wh in 15 min at 23 kW), 15 min. */
static void setup_lp(void)
{
    assert_int_equal(omp_ram_nvm_init(&g_nvm, g_mem, &k_geo, NULL), OMP_OK);
    omp_ram_nvm_format(&g_nvm);
    g_tear = 0;
    const struct omp_nvm_region r = {&k_ops, &g_nvm, 0u, SECTORS};
    g_rgn = r;
    memset(&g_def, 0, sizeof g_def);
    g_def.tag = 0x504Cu;
    g_def.columns = 4u;
    g_def.period_s = 900u;
    for (unsigned k = 0; k < 4u; k++) {
        g_def.kind[k] = OMP_PLOG_COUNTER;
        g_def.max_step[k] = 5750u;
    }
    g_x = 1u;
}

/* Entry @p no: each counter grows by up to max_step; now and then a flag or a time jump. */
static void make(uint32_t no, bool worst)
{
    struct omp_plog_entry *e = &g_ref[no], *p = &g_ref[no - 1u];
    memset(e, 0, sizeof *e);
    e->t = no == 1u ? T0 : p->t + 900;
    for (unsigned k = 0; k < g_def.columns; k++) {
        e->v[k] = (no == 1u ? 1000000 : p->v[k]) + (worst ? 5750 : (int64_t)(rnd() % 5751u));
    }
    if (!worst && no % 97u == 0u) {
        e->t += 3600; /* an outage: an hour of no entries */
        e->quality = 0x400u;
        e->status = 0x40u;
    }
}

static void append_upto(uint32_t last, bool worst)
{
    for (uint32_t no = g_log.next_no; no <= last; no++) {
        make(no, worst);
        assert_int_equal(omp_plog_append(&g_log, &g_ref[no]), OMP_OK);
    }
}

/* Every held entry equals what was appended under its number; @return entries read. */
static uint32_t check_all(const struct omp_plog *l)
{
    struct omp_plog_cursor c;
    struct omp_plog_entry e;
    uint32_t no, n = 0;
    if (omp_plog_count(l) == 0u) {
        return 0;
    }
    assert_int_equal(omp_plog_seek(l, 1u, &c), OMP_OK);
    while (omp_plog_next(l, &c, &e, &no) == OMP_OK) {
        assert_int_equal(no, l->first_no + n);
        assert_memory_equal(&e, &g_ref[no], sizeof e);
        n++;
    }
    assert_int_equal(n, omp_plog_count(l));
    return n;
}

static void test_round_trip_and_numbers(void **state)
{
    (void)state;
    setup_lp();
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
    assert_int_equal(omp_plog_count(&g_log), 0u);
    append_upto(2500u, false);
    assert_int_equal(g_log.next_no, 2501u);
    uint32_t held = check_all(&g_log);
    assert_true(held >= omp_plog_capacity(&g_def, &k_geo, SECTORS));
    /* reopened: the same entries, numbers go on */
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
    assert_int_equal(g_log.next_no, 2501u);
    assert_int_equal(check_all(&g_log), held);
    append_upto(2600u, false);
    check_all(&g_log);
    /* a seek lands on the entry of that number */
    struct omp_plog_cursor c;
    struct omp_plog_entry e;
    uint32_t no;
    for (uint32_t want = g_log.first_no; want < g_log.next_no; want += 37u) {
        assert_int_equal(omp_plog_seek(&g_log, want, &c), OMP_OK);
        assert_int_equal(omp_plog_next(&g_log, &c, &e, &no), OMP_OK);
        assert_int_equal(no, want);
        assert_memory_equal(&e, &g_ref[want], sizeof e);
    }
    assert_int_equal(omp_plog_seek(&g_log, g_log.next_no, &c), OMP_ERR_NOT_FOUND);
    /* an entry number older than the ring: the oldest held */
    assert_int_equal(omp_plog_seek(&g_log, 1u, &c), OMP_OK);
    assert_int_equal(omp_plog_next(&g_log, &c, &e, &no), OMP_OK);
    assert_int_equal(no, g_log.first_no);
}

/* Worst case: every counter grows by max_step (5750 = 2 varint bytes). A plain entry is length
 * 1 + flags 1 + 4 x 2 + CRC 2 = 12 bytes, 16 with program unit 8; a full one 1 + 1 + number (<= 5)
 * + time (<= 10) + status (<= 3) + quality (<= 5) + 4 x 10 + 2 = 67, 72 padded. A 1 KiB sector
 * (1008 bytes behind its header) holds the full entry and (1008 - 72) / 16 = 58 plain ones: 59;
 * 6 sectors of 8 always hold 354 (one is the ring's spare, one what a power cut during an append
 * may cost). */
static void test_depth_worst_case(void **state)
{
    (void)state;
    setup_lp();
    assert_int_equal(omp_plog_entry_bytes(&g_def, &k_geo), 16u);
    assert_int_equal(omp_plog_capacity(&g_def, &k_geo, SECTORS), 354u);
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
    uint32_t low = UINT32_MAX;
    for (uint32_t no = 1; no <= 3000u; no++) {
        make(no, true);
        assert_int_equal(omp_plog_append(&g_log, &g_ref[no]), OMP_OK);
        if (no > 500u) {
            low = omp_plog_count(&g_log) < low ? omp_plog_count(&g_log) : low;
        }
    }
    printf("worst case: held at least %u entries (guaranteed 354)\n", low);
    assert_true(low >= 354u);
    check_all(&g_log);
}

/* A cut at every programmed byte of 150 appends (two rotations among them): after the power
 * comes back the log opens clean, holds every entry appended before the cut (the one being
 * written may be missing), reads them as they were, and takes the next appends. */
static void test_power_cut_every_byte(void **state)
{
    (void)state;
    setup_lp();
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
    append_upto(100u, false);
    static uint8_t base[SIZE];
    memcpy(base, g_mem, SIZE);
    static struct omp_plog start;
    start = g_log;
    uint64_t before = g_nvm.programmed_bytes;
    append_upto(250u, false);
    uint64_t bytes = g_nvm.programmed_bytes - before;
    unsigned cuts = 0;
    for (uint64_t nth = 1; nth <= bytes; nth++) {
        memcpy(g_mem, base, SIZE);
        g_log = start;
        omp_ram_nvm_cut_after(&g_nvm, nth);
        uint32_t done = 100u;
        for (uint32_t no = 101u; no <= 250u; no++) {
            if (omp_plog_append(&g_log, &g_ref[no]) != OMP_OK) {
                break;
            }
            done = no;
        }
        omp_ram_nvm_power_on(&g_nvm);
        assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
        assert_true(g_log.next_no == done + 1u || g_log.next_no == done + 2u);
        check_all(&g_log);
        uint32_t next = g_log.next_no;
        assert_int_equal(omp_plog_append(&g_log, &g_ref[next]), OMP_OK);
        check_all(&g_log);
        cuts++;
    }
    printf("power cuts: %u, every byte of %llu\n", cuts, (unsigned long long)bytes);
}

/* Append entries from next_no on until an append fails (the power went) or @p last is appended;
 * then power on and open again. @return the last entry appended. */
static uint32_t append_until_cut(uint32_t last)
{
    uint32_t done = g_log.next_no - 1u;
    for (uint32_t no = g_log.next_no; no <= last; no++) {
        make(no, false);
        if (omp_plog_append(&g_log, &g_ref[no]) != OMP_OK) {
            break;
        }
        done = no;
    }
    omp_ram_nvm_power_on(&g_nvm);
    omp_ram_nvm_cut_after(&g_nvm, 0u);
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
    return done;
}

/* The erase of a rotation torn in each pattern, on a wrapped ring: the oldest sector's leftovers
 * (its header and first entries, with the rest erased) are the spare of an interrupted rotation,
 * dropped as the rotation would: every entry held reads as it was appended, none unreadable
 * (regression: its first entries were held, the erased ones read as unreadable up to the next
 * sector's first entry), all appended ones are held, and appends go on. */
static void test_torn_rotation_erase(void **state)
{
    (void)state;
    setup_lp();
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
    append_upto(900u, false); /* the ring has wrapped */
    for (unsigned round = 0; round < 15u; round++) {
        g_tear = 1u + round % 5u;
        uint32_t first = g_log.first_no;
        uint32_t done = append_until_cut(g_log.next_no + 200u);
        assert_int_equal(g_tear, 0u); /* a rotation came and its erase was torn */
        assert_int_equal(g_log.next_no, done + 1u);
        assert_true(g_log.first_no > first);
        check_all(&g_log);
        append_upto(g_log.next_no + 2u, false);
        check_all(&g_log);
    }
}

/* The first entry after a rotation torn, three times in a row (a torn entry ends its sector):
 * the numbers go on from the last entry appended, the entries before are held, and a head that
 * holds only its torn first entry starts again in place, dropping nothing more (regression: each
 * such append rotated, dropping the oldest sector, and with two sectors in a row holding only a
 * torn entry the open looked one sector back only and started the numbers again at 1). */
static void test_torn_first_entries(void **state)
{
    (void)state;
    setup_lp();
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
    append_upto(300u, false);
    omp_ram_nvm_cut_after(&g_nvm, 1u); /* an entry torn in the head: it takes no more */
    uint32_t done = append_until_cut(400u);
    assert_int_equal(done, 300u);
    uint32_t held = 0;
    for (unsigned k = 0; k < 3u; k++) {
        omp_ram_nvm_cut_after(&g_nvm, OMP_STORE_SECTOR_HDR + 1u); /* the header, then the entry */
        assert_int_equal(append_until_cut(400u), 300u);
        assert_int_equal(g_log.next_no, 301u);
        assert_true(omp_plog_count(&g_log) >= 100u);
        assert_true(k == 0u || omp_plog_count(&g_log) == held);
        held = omp_plog_count(&g_log);
        check_all(&g_log);
    }
    append_upto(310u, false);
    check_all(&g_log);
}

/* Two sectors; the first entry after a rotation torn, so the head holds nothing readable; the next
 * append's erase torn as well: the entries of the other sector, the only ones that tell the
 * numbers, are still held, nothing reads as damage, the numbers go on (regression: that append
 * rotated into the other sector, and the torn erase left a log that opened as damaged, holding
 * nothing, its numbers back at 1). */
static void test_torn_first_entry_two_sectors(void **state)
{
    (void)state;
    setup_lp();
    g_rgn.sectors = 2u;
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
    append_upto(150u, false);
    for (unsigned pattern = 1; pattern <= 5u; pattern++) {
        omp_ram_nvm_cut_after(&g_nvm, 1u); /* an entry torn in the head: it takes no more */
        uint32_t done = append_until_cut(g_log.next_no + 10u);
        omp_ram_nvm_cut_after(&g_nvm, OMP_STORE_SECTOR_HDR + 1u); /* rotated: its first entry */
        assert_int_equal(append_until_cut(done + 10u), done);
        uint32_t held = omp_plog_count(&g_log);
        assert_true(held > 0u);
        g_tear = pattern;
        assert_int_equal(append_until_cut(done + 10u), done);
        assert_int_equal(g_tear, 0u);
        assert_int_equal(g_log.next_no, done + 1u);
        assert_int_equal(omp_plog_count(&g_log), held);
        check_all(&g_log);
        append_upto(done + 30u, false);
        check_all(&g_log);
    }
}

/* Two sectors: a torn erase left the other sector its header and nothing else, then a bit flips
 * in the head's header: damage (regression: the open took the flipped sector's entries as the
 * base of an empty head and reported nothing; the log then read as empty). */
static void test_flipped_head_two_sectors(void **state)
{
    (void)state;
    setup_lp();
    g_rgn.sectors = 2u;
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
    append_upto(100u, false); /* wrapped: sector 0 and then 1 hold entries */
    g_tear = 4u;              /* the next rotation's erase keeps the header only */
    (void)append_until_cut(300u);
    assert_int_equal(g_tear, 0u);
    uint32_t head = g_log.head, held = omp_plog_count(&g_log);
    assert_true(held > 0u);
    check_all(&g_log);
    g_mem[head * SECTOR + 15u] ^= 0x10u; /* its erase count */
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_ERR_NVM_CORRUPT);
}

/* One flipped bit in an entry of an older sector: that entry and the ones based on it up to the
 * next full entry read as invalid, every other entry as it was; in the head it is damage. */
static void test_flipped_entry(void **state)
{
    (void)state;
    setup_lp();
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
    append_upto(900u, false); /* the ring has wrapped */
    assert_true(g_log.first_no > 1u);
    uint32_t old = (g_log.head + 2u) % SECTORS; /* not the oldest, not the head */
    /* in the second entry (after the sector's full one): its length byte says where it is */
    uint32_t second = old * SECTOR + 16u + (g_mem[old * SECTOR + 16u] + 7u) / 8u * 8u;
    g_mem[second + 3u] ^= 0x10u;
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
    struct omp_plog_cursor c;
    struct omp_plog_entry e;
    uint32_t no, bad = 0, good = 0;
    assert_int_equal(omp_plog_seek(&g_log, 1u, &c), OMP_OK);
    while (omp_plog_next(&g_log, &c, &e, &no) == OMP_OK) {
        if (e.status == OMP_PLOG_ST_INVALID) {
            bad++;
        } else {
            assert_memory_equal(&e, &g_ref[no], sizeof e);
            good++;
        }
    }
    assert_int_equal(good + bad, omp_plog_count(&g_log));
    printf("flipped: %u good, %u invalid\n", good, bad);
    assert_true(bad >= 1u && bad < OMP_PLOG_FULL_EVERY);
    /* in the head, with entries behind it: damage, read only, nothing written */
    uint32_t h = g_log.head;
    g_mem[h * SECTOR + 16u + 3u] ^= 0x01u; /* the head's first (full) entry */
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_ERR_NVM_CORRUPT);
    uint64_t prog = g_nvm.program_calls;
    assert_int_equal(omp_plog_append(&g_log, &g_ref[1]), OMP_ERR_NVM_CORRUPT);
    assert_int_equal(g_nvm.program_calls, prog);
}

/* Another container's region, or another column count: foreign. */
static void test_foreign(void **state)
{
    (void)state;
    setup_lp();
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
    append_upto(10u, false);
    struct omp_plog_def other = g_def;
    other.columns = 2u;
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &other, false), OMP_ERR_NVM_CORRUPT);
    other = g_def;
    other.period_s = 1800u; /* another period: implicit times would read wrong */
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &other, true), OMP_ERR_NVM_CORRUPT);
    other = g_def;
    other.tag = 0x1234u;
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &other, true), OMP_ERR_NVM_CORRUPT);
    other.columns = OMP_PLOG_COLUMNS_MAX + 1u;
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &other, true), OMP_ERR_ARG);
    /* clear: empty, numbers go on */
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
    assert_int_equal(omp_plog_clear(&g_log), OMP_OK);
    assert_int_equal(omp_plog_count(&g_log), 0u);
    assert_int_equal(g_log.next_no, 11u);
    make(11u, false);
    assert_int_equal(omp_plog_append(&g_log, &g_ref[11]), OMP_OK);
    assert_int_equal(check_all(&g_log), 1u);
}

/* Signed columns (a voltage in mV, a power in W that changes sign) and no period (each entry
 * has its own time: an event log). */
static void test_signed_and_timed(void **state)
{
    (void)state;
    setup_lp();
    g_def.columns = 3u;
    g_def.period_s = 0u;
    g_def.kind[0] = OMP_PLOG_SIGNED;
    g_def.kind[1] = OMP_PLOG_SIGNED;
    g_def.kind[2] = OMP_PLOG_COUNTER;
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
    for (uint32_t no = 1; no <= 700u; no++) {
        struct omp_plog_entry *e = &g_ref[no];
        memset(e, 0, sizeof *e);
        e->t = T0 + (omp_time_s)(no * 17u) - (no % 50u == 0u ? 4000 : 0); /* clock set back */
        e->v[0] = 230000 + (int64_t)(rnd() % 20001u) - 10000;
        e->v[1] = (int64_t)(rnd() % 46001u) - 23000;
        e->v[2] = no % 10u == 0u ? (int64_t)(rnd() % 10u) : (int64_t)no; /* goes down too */
        e->status = (uint16_t)(no % 7u);
        assert_int_equal(omp_plog_append(&g_log, e), OMP_OK);
    }
    check_all(&g_log);
}

/* ---- found by fuzz/fuzz_plog.c --------------------------------------------------------------- */

/* The length of the stored entry at @p off of g_def's log, as docs/storage.md "Packed log" gives
 * it: its first byte, or for a short entry (0xE0..0xEF) 3 + the bytes of the packed fields' bits
 * after the first 4 (a counter's field as wide as its max_step needs, a signed one's as 2
 * max_step). */
static uint32_t stored_len(uint32_t off)
{
    if ((g_mem[off] & 0xF0u) != 0xE0u) {
        return g_mem[off];
    }
    unsigned bits = 0;
    for (unsigned k = 0; k < g_def.columns; k++) {
        uint64_t m = g_def.max_step[k] * (g_def.kind[k] == OMP_PLOG_COUNTER ? 1u : 2u);
        while (m != 0u) {
            bits++;
            m >>= 1;
        }
    }
    return 3u + (bits > 4u ? (bits - 4u + 7u) / 8u : 0u);
}

/* Offset in g_mem of the @p k-th stored entry (0: the full one) of @p sector. */
static uint32_t entry_at(uint32_t sector, unsigned k)
{
    uint32_t off = sector * SECTOR + 16u;
    for (unsigned i = 0; i < k; i++) {
        assert_true(g_mem[off] != 0xFFu);
        off += (stored_len(off) + 7u) / 8u * 8u;
    }
    return off;
}

/* Make the CRC of the stored entry at @p off right (a flipped bit that kept it). */
static void fix_crc(uint32_t off)
{
    uint32_t len = stored_len(off);
    uint16_t crc = omp_crc16_x25(g_mem + off, len - 2u);
    g_mem[off + len - 2u] = (uint8_t)crc;
    g_mem[off + len - 1u] = (uint8_t)(crc >> 8);
}

/* A full entry of 4 counters, all fields 0 but its number @p no (< 2^35), with a right CRC, at
 * @p off: length 16 = L, flags, number (5 bytes), t, status, quality, 4 values, CRC. */
static void forge_full(uint32_t off, uint64_t no)
{
    uint8_t *p = g_mem + off;
    memset(p, 0, 16u);
    p[0] = 16u;
    p[1] = 0x01u;
    for (unsigned i = 0; i < 5u; i++) {
        p[2u + i] = (uint8_t)(((no >> (7u * i)) & 0x7Fu) | (i < 4u ? 0x80u : 0u));
    }
    fix_crc(off);
}

/* Read every entry: exactly count of them, numbered first_no, first_no + 1, ...; when @p exact,
 * each readable one is what was appended under its number; a seek to the last lands on it.
 * @return the invalid ones. */
static uint32_t read_every(const struct omp_plog *l, bool exact)
{
    struct omp_plog_cursor c;
    struct omp_plog_entry e;
    uint32_t no, n = 0, bad = 0;
    assert_int_equal(omp_plog_seek(l, 1u, &c), OMP_OK);
    while (omp_plog_next(l, &c, &e, &no) == OMP_OK) {
        assert_int_equal(no, l->first_no + n);
        if (e.status == OMP_PLOG_ST_INVALID) {
            bad++;
        } else if (exact) {
            assert_memory_equal(&e, &g_ref[no], sizeof e);
        }
        n++;
    }
    assert_int_equal(n, omp_plog_count(l));
    assert_int_equal(omp_plog_seek(l, l->next_no - 1u, &c), OMP_OK);
    assert_int_equal(omp_plog_next(l, &c, &e, &no), OMP_OK);
    assert_int_equal(no, l->next_no - 1u);
    return bad;
}

/* A damaged head: an unreadable entry in the middle (kept as evidence) and a torn last one. The
 * scan counts the middle one, not the torn one (9 held); the reader used to return 8, and the
 * 9th, counted, could not be read at all (a seek to it, then NOT_FOUND). Every number held
 * comes back, the unreadable ones invalid. */
static void test_damaged_head_every_number(void **state)
{
    (void)state;
    setup_lp();
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
    append_upto(10u, false);
    g_mem[entry_at(0u, 4u) + 3u] ^= 0x04u; /* #5 */
    g_mem[entry_at(0u, 9u) + 2u] ^= 0x01u; /* #10, the last: as a power cut leaves it */
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, true), OMP_ERR_NVM_CORRUPT);
    assert_int_equal(g_log.next_no, 10u);
    assert_int_equal(read_every(&g_log, true), 5u); /* #5 to #9: #6 to #9 were based on #5 */
}

/* An entry number 2^32 - 1, which the log never writes (an append there is OMP_ERR_NVM_WORN),
 * made next_no wrap to 0: count 0, first_no 0, and the next append wrote number 0. It is read as
 * a foreign entry now, at the head's end like a torn one. */
static void test_number_never_written(void **state)
{
    (void)state;
    setup_lp();
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK); /* sector 0: new */
    forge_full(16u, UINT32_MAX);
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
    assert_int_equal(g_log.first_no, 1u);
    assert_int_equal(g_log.next_no, 1u);
    append_upto(3u, false);
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
    assert_int_equal(g_log.next_no, 4u);
    assert_int_equal(check_all(&g_log), 3u);
}

/* An entry that passes its CRC but is not this log's (a flipped bit that kept it): unknown flag
 * bits, or a full entry whose number does not follow the one before. At the head's end the scan
 * took the first kind for torn (no number) while the reader gave it one: after the next rotation
 * a sequential read returned the new sector's first entry as invalid. The second kind, numbered
 * back, set next_no back (count 5, numbers 6 to 10 given out again), without damage. */
static void test_foreign_entry_kept_crc(void **state)
{
    (void)state;
    for (int kind = 0; kind < 2; kind++) {
        setup_lp();
        assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
        append_upto(10u, false);
        uint32_t end = entry_at(0u, 10u);
        forge_full(end, kind == 0 ? 11u : 5u);
        if (kind == 0) {
            g_mem[end + 1u] |= 0x20u; /* a flag no entry has */
            fix_crc(end);
        }
        assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
        assert_int_equal(g_log.next_no, 11u);
        assert_true(g_log.head_closed); /* as after a torn entry: the next append rotates */
        append_upto(13u, false);
        assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
        assert_int_equal(g_log.next_no, 14u);
        assert_int_equal(read_every(&g_log, true), 0u);
    }
}

/* Sectors whose first numbers do not fit the ring: a sector of another log of the same def (1 to
 * 10) where the oldest was, or an older sector's first number moved past the next sector's (a
 * flipped bit that kept the CRC). They opened clean: the first made the count 2 500 in 8 KiB
 * (a full read: 2 000 invalid entries), the second let a seek find another entry under a number
 * than a full read did (and a new log there would have appended under numbers it holds). Now
 * they are damage (read only); every number held reads, the ring's entries as appended when the
 * odd sector is the oldest (a sector in the middle that claims other numbers misleads a
 * sequential read after it: damage, not told apart entry by entry). */
static void test_sector_numbers_not_fitting(void **state)
{
    (void)state;
    static uint8_t young[SECTOR];
    setup_lp();
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
    append_upto(10u, false);
    memcpy(young, g_mem, SECTOR);

    for (int kind = 0; kind < 2; kind++) {
        setup_lp();
        assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
        append_upto(2500u, false);
        const uint32_t oldest = (g_log.head + 1u) % SECTORS;
        const uint32_t older = (g_log.head + 3u) % SECTORS;
        if (kind == 0) {
            memcpy(g_mem + oldest * SECTOR, young, SECTOR);
        } else {
            g_mem[older * SECTOR + 16u + 3u] += 1u; /* its number + 128 (2 varint bytes) */
            fix_crc(older * SECTOR + 16u);
        }
        assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, true), OMP_ERR_NVM_CORRUPT);
        assert_int_equal(g_log.next_no, 2501u);
        assert_true(omp_plog_count(&g_log) <= SECTORS * 63u); /* 16-byte entries at least */
        uint32_t bad = read_every(&g_log, kind == 0);
        printf("sector numbers not fitting (%d): %u held, %u invalid\n", kind,
               omp_plog_count(&g_log), bad);
        assert_true(bad <= 128u);
    }
}

/* omp_plog_mark / omp_plog_seek_mark: a reader that stops after any entry and goes on later from
 * its 16-byte mark gets the same entries as one seeking by number; the mark is a full entry
 * fewer than OMP_PLOG_FULL_EVERY entries back and is placed without surveying the sectors (NVM
 * reads: two per entry decoded and a few for the next sector's number); a mark the ring turned
 * past, or one after the entry wanted, falls back to a seek, still right. */
static void test_mark_resume(void **state)
{
    (void)state;
    setup_lp();
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
    append_upto(2500u, false); /* the ring has turned several times */
    assert_true(g_log.first_no > 1u);
    struct omp_plog_cursor c, r;
    struct omp_plog_entry e;
    struct omp_plog_mark m;
    uint32_t no = 0, got = 0;
    assert_int_equal(omp_plog_seek(&g_log, g_log.first_no, &c), OMP_OK);
    while (omp_plog_next(&g_log, &c, &e, &no) == OMP_OK) {
        omp_plog_mark(&c, &m);
        assert_true(m.no <= no && no - m.no < OMP_PLOG_FULL_EVERY);
        assert_int_equal(m.seq, g_log.sector_seq);
        for (uint32_t want = no; want <= no + 1u && want < g_log.next_no; want++) {
            const uint64_t reads = g_nvm.read_calls;
            assert_int_equal(omp_plog_seek_mark(&g_log, &m, want, &r), OMP_OK);
            assert_true(g_nvm.read_calls - reads <= 2u * (want - m.no) + 8u);
            assert_int_equal(omp_plog_next(&g_log, &r, &e, &got), OMP_OK);
            assert_int_equal(got, want);
            assert_memory_equal(&e, &g_ref[want], sizeof e);
        }
    }
    /* a mark after the entry wanted, none, or NULL: a seek */
    assert_int_equal(omp_plog_seek_mark(&g_log, &m, m.no - 1u, &r), OMP_OK);
    assert_int_equal(omp_plog_next(&g_log, &r, &e, &got), OMP_OK);
    assert_int_equal(got, m.no - 1u);
    assert_memory_equal(&e, &g_ref[got], sizeof e);
    assert_int_equal(omp_plog_seek_mark(&g_log, NULL, m.no, &r), OMP_OK);
    assert_int_equal(omp_plog_next(&g_log, &r, &e, &got), OMP_OK);
    assert_int_equal(got, m.no);
    /* the ring turns: the mark is stale, the entry is found by number */
    const uint32_t seq = g_log.sector_seq;
    while (g_log.sector_seq == seq) {
        append_upto(g_log.next_no, false);
    }
    assert_int_equal(omp_plog_seek_mark(&g_log, &m, m.no, &r), OMP_OK);
    assert_int_equal(omp_plog_next(&g_log, &r, &e, &got), OMP_OK);
    assert_int_equal(got, m.no);
    assert_memory_equal(&e, &g_ref[got], sizeof e);
    /* an entry not held yet: not found, as a seek */
    assert_int_equal(omp_plog_seek_mark(&g_log, &m, g_log.next_no, &r), OMP_ERR_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_and_numbers),
        cmocka_unit_test(test_depth_worst_case),
        cmocka_unit_test(test_power_cut_every_byte),
        cmocka_unit_test(test_torn_rotation_erase),
        cmocka_unit_test(test_torn_first_entries),
        cmocka_unit_test(test_torn_first_entry_two_sectors),
        cmocka_unit_test(test_flipped_head_two_sectors),
        cmocka_unit_test(test_flipped_entry),
        cmocka_unit_test(test_foreign),
        cmocka_unit_test(test_signed_and_timed),
        cmocka_unit_test(test_damaged_head_every_number),
        cmocka_unit_test(test_number_never_written),
        cmocka_unit_test(test_foreign_entry_kept_crc),
        cmocka_unit_test(test_sector_numbers_not_fitting),
        cmocka_unit_test(test_mark_resume),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

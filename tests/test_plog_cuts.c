/*
 * The packed log under the faults a review found (each test failed before its fix): torn first
 * entries of two sectors in a row, a clear and a power cut during it, a torn unit whose length
 * byte stayed erased, a cursor held while the ring turns, the base kept after a torn entry, the
 * guaranteed depth after a power cut, random cuts, a profile's period end right after a clock
 * set, a read after a failed seek, and what a zeroed or erased head does (docs/storage.md
 * "Packed log").
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
#include "omnipower/plog.h"

#define SECTOR 1024u
#define SECTORS 8u
#define SIZE (SECTOR * SECTORS)
#define N_MAX 4000u
#define T0 ((omp_time_s)1798761600)

static const struct omp_nvm_geometry k_geo = {
    .size = SIZE, .sector_size = SECTOR, .program_unit = 8u, .erase_value = 0xFFu,
    .erase_cycles = 100000u,
};

/* erase that can be torn: erase call number g_tear_at leaves the first half erased, the rest old */
static uint32_t g_erases, g_tear_at;
static omp_err tear_erase(void *user, uint32_t addr)
{
    struct omp_ram_nvm *nvm = user;
    if (g_tear_at != 0u && ++g_erases == g_tear_at) {
        uint32_t s = addr / SECTOR * SECTOR;
        memset(nvm->mem + s, 0xFF, SECTOR / 2u);
        nvm->powered = false;
        return OMP_ERR_POWER_LOST;
    }
    return omp_ram_nvm_erase(user, addr);
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
static struct omp_plog_entry g_ref[N_MAX + 1u];
static int64_t g_v0 = 1000000;

static void setup_lp(void)
{
    assert_int_equal(omp_ram_nvm_init(&g_nvm, g_mem, &k_geo, NULL), OMP_OK);
    omp_ram_nvm_format(&g_nvm);
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
    g_erases = 0;
    g_tear_at = 0;
}

static void make(uint32_t no)
{
    struct omp_plog_entry *e = &g_ref[no], *p = &g_ref[no - 1u];
    memset(e, 0, sizeof *e);
    e->t = no == 1u ? T0 : p->t + 900;
    for (unsigned k = 0; k < g_def.columns; k++) {
        e->v[k] = (no == 1u ? g_v0 : p->v[k]) + (g_v0 == 1000000 ? 5750 : 1000 + (int64_t)((no * 7919u + k * 104729u) % 4000u));
    }
}

static void append_upto(uint32_t last)
{
    for (uint32_t no = g_log.next_no; no <= last; no++) {
        make(no);
        assert_int_equal(omp_plog_append(&g_log, &g_ref[no]), OMP_OK);
    }
}

/* Append entries until the next one would start a new sector. */
static void fill_head(void)
{
    for (;;) {
        static uint8_t save[SIZE];
        static struct omp_plog keep;
        memcpy(save, g_mem, SIZE);
        keep = g_log;
        uint32_t head = g_log.head, no = g_log.next_no;
        make(no);
        assert_int_equal(omp_plog_append(&g_log, &g_ref[no]), OMP_OK);
        if (g_log.head != head) {
            memcpy(g_mem, save, SIZE);
            g_log = keep;
            return;
        }
    }
}

/* 1. Two power cuts, each tearing the first entry of a new sector: numbering restarts at 1. */
static void test_two_torn_first_entries(void **state)
{
    (void)state;
    setup_lp();
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
    append_upto(300u);
    fill_head();
    uint32_t want = g_log.next_no, first = g_log.first_no;
    make(want);
    for (int cut = 0; cut < 2; cut++) {
        omp_ram_nvm_cut_after(&g_nvm, 16u + 5u); /* the sector header, then 4 bytes of the entry */
        assert_int_not_equal(omp_plog_append(&g_log, &g_ref[want]), OMP_OK);
        omp_ram_nvm_power_on(&g_nvm);
        omp_err err = omp_plog_open(&g_log, &g_rgn, &g_def, false);
        printf("after cut %d: open %d next_no %u first_no %u count %u (before: next %u first %u)\n",
               cut + 1, (int)err, g_log.next_no, g_log.first_no, omp_plog_count(&g_log), want,
               first);
        assert_int_equal(err, OMP_OK);
    }
    assert_int_equal(g_log.next_no, want);
    assert_true(omp_plog_count(&g_log) > 200u);
}

/* 2. Clear, power off before the next append: the numbers must go on (plog.h), not restart. */
static void test_clear_then_reopen(void **state)
{
    (void)state;
    setup_lp();
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
    append_upto(50u);
    assert_int_equal(omp_plog_clear(&g_log), OMP_OK);
    assert_int_equal(g_log.next_no, 51u);
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
    printf("after clear and reopen: next_no %u\n", g_log.next_no);
    assert_int_equal(g_log.next_no, 51u);
}

/* 3. A power cut during the erase of the second sector of a clear: a power cut, not damage. */
static void test_cut_in_clear(void **state)
{
    (void)state;
    setup_lp();
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
    append_upto(600u); /* wrapped: every sector holds entries */
    printf("head %u\n", g_log.head);
    const uint32_t next = g_log.next_no, count = omp_plog_count(&g_log);
    g_erases = 0;
    g_tear_at = 1u; /* the clear's one erase (the sector after the head) torn */
    assert_int_not_equal(omp_plog_clear(&g_log), OMP_OK);
    g_tear_at = 0;
    omp_ram_nvm_power_on(&g_nvm);
    omp_err err = omp_plog_open(&g_log, &g_rgn, &g_def, false);
    printf("reopen after a cut in clear: %d, damaged %u\n", (int)err, g_log.stats.damaged);
    assert_int_equal(err, OMP_OK);
    /* all or nothing: the marker was not written, the log is as before (less the sector the
     * rotation was dropping anyway), and numbers go on */
    assert_int_equal(g_log.next_no, next);
    assert_true(omp_plog_count(&g_log) <= count && omp_plog_count(&g_log) > 0u);
    assert_int_equal(omp_plog_clear(&g_log), OMP_OK);
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
    assert_int_equal(omp_plog_count(&g_log), 0u);
    assert_int_equal(g_log.next_no, next);
}

/* 4. The NVM model (docs/storage.md): a cut may leave the unit in progress in any state; the
 * entry's first unit with its length byte still erased but a later byte programmed. */
static void test_torn_unit_length_erased(void **state)
{
    (void)state;
    setup_lp();
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
    append_upto(20u);
    uint8_t unit[8];
    memset(unit, 0xFF, sizeof unit);
    unit[3] = 0x12; /* bytes 1..7 of the entry partly programmed, byte 0 (L) not */
    uint32_t at = g_log.head * SECTOR + g_log.head_off;
    assert_int_equal(omp_ram_nvm_program(&g_nvm, at, unit, sizeof unit), OMP_OK);
    omp_err err = omp_plog_open(&g_log, &g_rgn, &g_def, false);
    printf("torn unit with L erased: open %d damaged %u next_no %u\n", (int)err,
           g_log.stats.damaged, g_log.next_no);
    assert_int_equal(err, OMP_OK);
}

/* 5. A cursor held while entries arrive (plog.h: "a number names the same entry until the ring
 * drops it"; docs: "cursors stay valid while entries arrive"). */
static void test_cursor_across_rotation(void **state)
{
    (void)state;
    setup_lp();
    g_v0 = 1 << 22; /* every full entry the same size: the new sector's entries line up */
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
    append_upto(600u);
    static struct omp_plog_cursor c[40];
    uint32_t first = g_log.first_no, end0 = g_log.next_no;
    for (uint32_t k = 0; k < 40u; k++) {
        assert_int_equal(omp_plog_seek(&g_log, first + k, &c[k]), OMP_OK);
    }
    static uint8_t save[SIZE];
    static struct omp_plog keep;
    memcpy(save, g_mem, SIZE);
    keep = g_log;
    unsigned wrong_total = 0, early_total = 0;
    for (uint32_t extra = 1; extra <= 200u; extra++) {
        memcpy(g_mem, save, SIZE);
        g_log = keep;
        append_upto(end0 - 1u + extra);
        unsigned wrong = 0, early = 0;
        for (uint32_t k = 0; k < 40u; k++) {
            struct omp_plog_cursor cc = c[k];
            if (extra == 120u && k == 5u) {
                uint8_t *b = g_mem + cc.sector * SECTOR + cc.off;
                printf("dbg: cur sector %u off %u no %u end %u base %d | head %u head_off %u | "
                       "bytes %02x %02x | old full L %u\n", cc.sector, cc.off, cc.no, cc.end_no,
                       cc.have_base, g_log.head, g_log.head_off, b[0], b[1],
                       save[cc.sector * SECTOR + 16u]);
            }
            struct omp_plog_entry e;
            uint32_t no, n = 0;
            omp_err err;
            while ((err = omp_plog_next(&g_log, &cc, &e, &no)) == OMP_OK) {
                n++;
                if ((e.status & OMP_PLOG_ST_INVALID) == 0u && memcmp(&e, &g_ref[no], sizeof e) != 0) {
                    if (wrong_total + wrong == 0u) {
                        printf("extra %u cursor %u: entry %u read as v0=%lld t=%lld, was v0=%lld "
                               "t=%lld\n", extra, k, no, (long long)e.v[0], (long long)e.t,
                               (long long)g_ref[no].v[0], (long long)g_ref[no].t);
                    }
                    wrong++;
                }
            }
            /* entries first+k .. end0-1: those still held must come (first_no .. end0-1) */
            uint32_t held_from = g_log.first_no > first + k ? g_log.first_no : first + k;
            if (n < end0 - held_from) {
                if (early_total + early == 0u) {
                    printf("extra %u cursor %u: %u entries read, %u still held (first_no %u)\n",
                           extra, k, n, end0 - held_from, g_log.first_no);
                }
                early++;
            }
        }
        wrong_total += wrong;
        early_total += early;
    }
    printf("held cursors over 200 runs: %u wrong values marked valid, %u reads ended early\n",
           wrong_total, early_total);
    g_v0 = 1000000;
    assert_int_equal(wrong_total, 0u);
    assert_int_equal(early_total, 0u);
}

/* 6. A torn entry at the head's end: the entry before it is still the newest (the base of the
 * profile's "time discontinuity" and of its clock-set-back rule). */
static void test_torn_keeps_last(void **state)
{
    (void)state;
    setup_lp();
    struct omp_profile p;
    struct omp_profile_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.tag = 0x504Cu;
    cfg.period_s = 900u;
    cfg.columns = 1u;
    cfg.col[0].kind = OMP_PLOG_COUNTER;
    cfg.col[0].max_step = 5750u;
    assert_int_equal(omp_profile_open(&p, &cfg, &g_rgn, false), OMP_OK);
    omp_time_s t = T0, end;
    int64_t v = 1000;
    /* 10 periods captured */
    for (int k = 0; k < 10 * 900 + 1; k++, t++) {
        if (omp_profile_due(&p, t, &end)) {
            v += 100;
            assert_int_equal(omp_profile_capture(&p, end, &v), OMP_OK);
        }
    }
    omp_time_s last_ok = p.log.last.t;
    /* the next capture is torn by a power cut */
    for (;; t++) {
        if (omp_profile_due(&p, t, &end)) {
            omp_ram_nvm_cut_after(&g_nvm, 5u);
            v += 100;
            assert_int_not_equal(omp_profile_capture(&p, end, &v), OMP_OK);
            break;
        }
    }
    omp_ram_nvm_power_on(&g_nvm);
    assert_int_equal(omp_profile_open(&p, &cfg, &g_rgn, false), OMP_OK);
    printf("after a torn capture: have_last %d (last ok t %lld)\n", p.log.have_last,
           (long long)last_ok);
    omp_profile_power_up(&p);
    t += 1800; /* back after 30 minutes */
    for (;; t++) {
        if (omp_profile_due(&p, t, &end)) {
            v += 100;
            assert_int_equal(omp_profile_capture(&p, end, &v), OMP_OK);
            break;
        }
    }
    struct omp_plog_cursor c;
    struct omp_plog_entry e;
    uint32_t no;
    assert_int_equal(omp_plog_seek(&p.log, p.log.next_no - 1u, &c), OMP_OK);
    assert_int_equal(omp_plog_next(&p.log, &c, &e, &no), OMP_OK);
    printf("entry after the outage: t - last = %lld s, status 0x%04x quality 0x%04x\n",
           (long long)(e.t - last_ok), e.status, (unsigned)e.quality);
    assert_true(e.t - last_ok > 900);
    assert_true((e.status & OMP_LP_ST_DISCONTINUITY) != 0u);
}


/* 7. The guaranteed depth (omp_plog_capacity: "entries the log always holds") after one power cut
 * that tears the second entry of a sector: the head is closed at once, the next append drops the
 * oldest full sector. */
static void test_depth_after_cut(void **state)
{
    (void)state;
    setup_lp();
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
    uint32_t cap = omp_plog_capacity(&g_def, &k_geo, SECTORS);
    append_upto(1000u);
    fill_head();
    append_upto(g_log.next_no); /* the first entry of a new sector */
    uint32_t no = g_log.next_no;
    make(no);
    omp_ram_nvm_cut_after(&g_nvm, 5u);
    assert_int_not_equal(omp_plog_append(&g_log, &g_ref[no]), OMP_OK);
    omp_ram_nvm_power_on(&g_nvm);
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
    uint32_t low = UINT32_MAX;
    for (uint32_t k = 0; k < 5u; k++) {
        append_upto(g_log.next_no);
        low = omp_plog_count(&g_log) < low ? omp_plog_count(&g_log) : low;
    }
    printf("guaranteed %u, held after one cut: %u\n", cap, low);
    assert_true(low >= cap);
}

static uint32_t g_r = 12345u;
static uint32_t rnd(void)
{
    g_r = g_r * 1103515245u + 12345u;
    return g_r >> 8;
}

/* Random entry @p no on the previous one: steps within max_step mostly, sometimes outages,
 * status words, counters going down. */
static void make_rand(uint32_t no)
{
    struct omp_plog_entry *e = &g_ref[no % N_MAX], *p = &g_ref[(no - 1u) % N_MAX];
    memset(e, 0, sizeof *e);
    e->t = no == 1u ? T0 : p->t + 900;
    for (unsigned k = 0; k < g_def.columns; k++) {
        e->v[k] = (no == 1u ? 1000 : p->v[k]) + (int64_t)(rnd() % 5751u);
        if (rnd() % 200u == 0u) {
            e->v[k] = (int64_t)(rnd() % 1000u);
        }
    }
    if (rnd() % 30u == 0u) {
        e->t += 900 * (int64_t)(rnd() % 20u) - 3000;
        e->status = (uint16_t)rnd();
        e->quality = rnd();
    }
}

/* Many power cuts, one after the other on the same image, each at a random programmed byte or
 * erase: after each, every entry appended before the cut (that the ring still holds) reads back
 * under its number, and the numbers go on. */
static void test_random_cuts(void **state)
{
    (void)state;
    setup_lp();
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
    unsigned fails[4] = {0, 0, 0, 0}, trials = 0;
    for (unsigned trial = 0; trial < 20000u; trial++) {
        trials++;
        uint32_t done = g_log.next_no - 1u;
        /* 0..200 good appends, then one cut */
        uint32_t good = rnd() % 2u ? rnd() % 200u : rnd() % 3u;
        for (uint32_t k = 0; k < good; k++) {
            make_rand(done + 1u);
            assert_int_equal(omp_plog_append(&g_log, &g_ref[(done + 1u) % N_MAX]), OMP_OK);
            done++;
        }
        if (rnd() % 8u == 0u) { /* tear the erase of the next rotation */
            g_erases = 0;
            g_tear_at = 1u;
        } else {
            omp_ram_nvm_cut_after(&g_nvm, 1u + rnd() % 120u);
        }
        for (uint32_t k = 0; k < 10u; k++) {
            make_rand(done + 1u);
            if (omp_plog_append(&g_log, &g_ref[(done + 1u) % N_MAX]) != OMP_OK) {
                break;
            }
            done++;
        }
        g_tear_at = 0;
        omp_ram_nvm_cut_after(&g_nvm, 0u);
        omp_ram_nvm_power_on(&g_nvm);
        omp_err err = omp_plog_open(&g_log, &g_rgn, &g_def, false);
        int f = -1;
        if (err != OMP_OK) {
            f = 0;
        } else if (g_log.next_no != done + 1u && g_log.next_no != done + 2u) {
            f = 1;
        } else {
            struct omp_plog_cursor c;
            struct omp_plog_entry e;
            uint32_t no, n = 0;
            if (omp_plog_count(&g_log) != 0u) {
                assert_int_equal(omp_plog_seek(&g_log, 1u, &c), OMP_OK);
                while (f < 0 && omp_plog_next(&g_log, &c, &e, &no) == OMP_OK) {
                    if (no != g_log.first_no + n || memcmp(&e, &g_ref[no % N_MAX], sizeof e) != 0) {
                        f = 2;
                    }
                    n++;
                }
                if (f < 0 && n != omp_plog_count(&g_log)) {
                    f = 3;
                }
            }
        }
        if (f >= 0) {
            if (fails[f] < 30u) {
                printf("trial %u: failure kind %d (open %d, next_no %u, done %u, first %u)\n",
                       trial, f, (int)err, g_log.next_no, done, g_log.first_no);
            }
            fails[f]++;
            omp_ram_nvm_format(&g_nvm); /* start again */
            assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
        }
    }
    printf("%u trials: open failed %u, numbers wrong %u, entries wrong %u, count wrong %u\n",
           trials, fails[0], fails[1], fails[2], fails[3]);
    assert_int_equal(fails[0] + fails[1] + fails[2] + fails[3], 0u);
}

/* 9. A 1-second clock set that crosses no period end: the next second is a period end, whose
 * entry must be captured (it was not jumped over). Also a start whose first valid second is a
 * period end. */
static void test_set_lands_before_boundary(void **state)
{
    (void)state;
    setup_lp();
    struct omp_profile p;
    struct omp_profile_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.tag = 0x504Cu;
    cfg.period_s = 900u;
    cfg.columns = 1u;
    cfg.col[0].kind = OMP_PLOG_COUNTER;
    cfg.col[0].max_step = 5750u;
    assert_int_equal(omp_profile_open(&p, &cfg, &g_rgn, false), OMP_OK);
    omp_time_s t = T0, end;
    int64_t v = 1000;
    for (; t < T0 + 3 * 900 - 2; t++) { /* up to 00:44:57 */
        if (omp_profile_due(&p, t, &end)) {
            assert_int_equal(omp_profile_capture(&p, end, &v), OMP_OK);
        }
    }
    /* 00:44:58: the clock is set forward by 1 s, to 00:44:59; the next second is 00:45:00 */
    assert_true(!omp_profile_due(&p, T0 + 3 * 900 - 2, &end));
    omp_profile_clock_set(&p, T0 + 3 * 900 - 2, T0 + 3 * 900 - 1);
    bool due = omp_profile_due(&p, T0 + 3 * 900, &end);
    printf("after a 1 s set, 00:45:00 due: %d; next_end now %+lld s from 00:45\n", due,
           (long long)(p.next_end - (T0 + 3 * 900)));
    assert_true(due);
}

/* 10. Event log on 3 sectors of 4 KiB (omp_evlog_sectors: "always hold" OMP_EVLOG_DEPTH = 200):
 * after one power cut that tears the second event of a sector. */
static uint8_t g_big[4u * 4096u];
static void test_evlog_depth_after_cut(void **state)
{
    (void)state;
    static const struct omp_nvm_geometry geo = {
        .size = sizeof g_big, .sector_size = 4096u, .program_unit = 8u, .erase_value = 0xFFu,
        .erase_cycles = 100000u,
    };
    struct omp_ram_nvm nvm;
    assert_int_equal(omp_ram_nvm_init(&nvm, g_big, &geo, NULL), OMP_OK);
    omp_ram_nvm_format(&nvm);
    static const struct omp_hal_ops ops = {
        .nvm_geometry = omp_ram_nvm_geometry, .nvm_read = omp_ram_nvm_read,
        .nvm_program = omp_ram_nvm_program, .nvm_erase = omp_ram_nvm_erase,
    };
    const struct omp_nvm_region r = {&ops, &nvm, 0u, 4u};
    assert_int_equal(omp_evlog_sectors(&geo), 4u);
    printf("evlog capacity on 4 sectors: %u\n", omp_evlog_capacity(&geo, 4u));
    static struct omp_evlog l;
    assert_int_equal(omp_evlog_open(&l, OMP_EVLOG_STANDARD, &r, false), OMP_OK);
    struct omp_event ev = {OMP_EV_CLOCK_SET, 0u, 0u, T0};
    uint32_t head = 0, in_head = 0, low = UINT32_MAX;
    bool cut = false;
    for (uint32_t k = 0; k < 2000u; k++) {
        ev.utc_s += (k % 2u) ? 40000000 : -39999000; /* as wide as the guarantee allows */
        ev.arg = (k % 2u) ? UINT32_MAX : 0u;
        ev.flags = (uint16_t)((k % 2u) ? 0xFFFFu : 0u);
        ev.code = (k % 2u) ? OMP_EV_EVENTS_LOST : OMP_EV_CLOCK_SET;
        if (!cut && k > 600u && in_head == 1u) { /* the second event of a sector is torn */
            omp_ram_nvm_cut_after(&nvm, 5u);
            assert_int_not_equal(omp_evlog_append(&l, &ev), OMP_OK);
            omp_ram_nvm_power_on(&nvm);
            assert_int_equal(omp_evlog_open(&l, OMP_EVLOG_STANDARD, &r, false), OMP_OK);
            cut = true;
            continue;
        }
        assert_int_equal(omp_evlog_append(&l, &ev), OMP_OK);
        in_head = l.log.head == head ? in_head + 1u : 1u;
        head = l.log.head;
        if (k > 600u) {
            low = omp_plog_count(&l.log) < low ? omp_plog_count(&l.log) : low;
        }
    }
    printf("events held at least: %u (OMP_EVLOG_DEPTH %u), cut %d\n", low, OMP_EVLOG_DEPTH, cut);
    assert_true(low >= OMP_EVLOG_DEPTH);
}

/* 11. omp_plog_next on a cursor whose seek said OMP_ERR_NOT_FOUND. */
static void test_next_after_failed_seek(void **state)
{
    (void)state;
    setup_lp();
    assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
    append_upto(30u);
    struct omp_plog_cursor c;
    struct omp_plog_entry e;
    uint32_t no, n = 0, bogus = 0;
    assert_int_equal(omp_plog_seek(&g_log, g_log.next_no, &c), OMP_ERR_NOT_FOUND);
    while (omp_plog_next(&g_log, &c, &e, &no) == OMP_OK && n < 100u) {
        n++;
        bogus += no == 0u || ((e.status & OMP_PLOG_ST_INVALID) == 0u &&
                              memcmp(&e, &g_ref[no], sizeof e) != 0);
    }
    printf("next after a failed seek: %u entries returned (%u bogus)\n", n, bogus);
    assert_int_equal(n, 0u);
}

/* 12. The head sector zeroed (or erased): what the open says. */
static void test_head_zeroed(void **state)
{
    (void)state;
    for (int fill = 0; fill < 2; fill++) {
        setup_lp();
        assert_int_equal(omp_plog_open(&g_log, &g_rgn, &g_def, false), OMP_OK);
        append_upto(700u);
        uint32_t next = g_log.next_no;
        memset(g_mem + g_log.head * SECTOR, fill ? 0xFF : 0x00, SECTOR);
        omp_err err = omp_plog_open(&g_log, &g_rgn, &g_def, false);
        printf("head %s: open %d, next_no %u (was %u)\n", fill ? "erased" : "zeroed", (int)err,
               g_log.next_no, next);
        /* zeroed or erased, the head reads as the spare of a torn rotation: the sector before
         * it is the head, its entries are lost, their numbers given again (docs/storage.md
         * "Damage": what damage detection cannot see) */
        assert_int_equal(err, OMP_OK);
        assert_true(g_log.next_no < next && g_log.next_no > next - 100u);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_torn_first_entries),
        cmocka_unit_test(test_clear_then_reopen),
        cmocka_unit_test(test_cut_in_clear),
        cmocka_unit_test(test_torn_unit_length_erased),
        cmocka_unit_test(test_cursor_across_rotation),
        cmocka_unit_test(test_torn_keeps_last),
        cmocka_unit_test(test_depth_after_cut),
        cmocka_unit_test(test_random_cuts),
        cmocka_unit_test(test_set_lands_before_boundary),
        cmocka_unit_test(test_evlog_depth_after_cut),
        cmocka_unit_test(test_next_after_failed_seek),
        cmocka_unit_test(test_head_zeroed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

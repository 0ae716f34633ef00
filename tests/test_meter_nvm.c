/*
 * The meter's NVM redundancy (issue #12, docs/storage.md "The mirror"): each cold checkpoint is
 * kept in the journal and in the mirror, with the legal data; a start restores the newer of the
 * two, says when it may be older than the newest save (rolled back), and never lets one damaged
 * sector take the registers below their last checkpoint. Legal data (calibration, type number,
 * display resolution) is written once.
 *
 * Expected values come from the fixture itself (the registers the meter had when a checkpoint
 * completed, read through the public snapshot) and from the documented budget formula, not from
 * the code under test's internals.
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
#define SECTORS 16u
#define SIZE (SECTOR * SECTORS) /* 64 KiB: journal 7, mirror 3, settings 2, billing log 4 */
#define JOURNAL 7u
#define MIRROR 3u
#define BUCKET 8u /* the mirror's budget lets a sector's worth of entries go at once */
#define T0 ((omp_time_s)1705320000) /* 2024-01-15T12:00:00Z */
#define PI 3.14159265358979323846
#define FS 8000u
#define SPC (FS / 50u)

static const struct omp_nvm_geometry k_geo = {
    .size = SIZE, .sector_size = SECTOR, .program_unit = 8u, .erase_value = 0xFFu,
    .erase_cycles = 100000u,
};

struct fx {
    uint8_t mem[SIZE];
    uint32_t erases[SECTORS];
    struct omp_fake_board b;
    struct omp_hal hal;
    struct omp_meter_cfg cfg;
    struct omp_meter m;
    int32_t cycle[2u * SPC];
};

static struct fx g_fx;
static struct omp_meter g_m2;
static uint8_t g_before[SIZE];

/* sin(x) by its Taylor series after range reduction (tests do not link libm). */
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

/* A fresh 64 KiB board, Z1 6.3 (a save is due every Wh), 230 V / 10 A at 30 degrees. */
static struct fx *fx_new(void)
{
    struct fx *f = &g_fx;
    memset(f, 0, sizeof *f);
    assert_int_equal(omp_fake_board_init(&f->b, f->mem, &k_geo, f->erases, T0), OMP_OK);
    f->hal = omp_fake_board_hal(&f->b);
    omp_meter_cfg_default(&f->cfg);
    f->cfg.meter_number = 12345678u;
    f->cfg.energy_digits = 6u;
    f->cfg.energy_decimals = 3u;
    double vp = 230.0 * 1.4142135623730951 / (double)f->cfg.cal.v_gain;
    double ip = 10.0 * 1.4142135623730951 / (double)f->cfg.cal.i_gain;
    for (unsigned k = 0; k < SPC; k++) {
        double th = 2.0 * PI * (double)k / (double)SPC;
        f->cycle[2u * k] = (int32_t)(vp * t_sin(th));
        f->cycle[2u * k + 1u] = (int32_t)(ip * t_sin(th - PI / 6.0));
    }
    assert_int_equal(omp_meter_init(&f->m, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    return f;
}

/* @p ms of time in 100 ms ticks, with the load's samples when @p load. */
static void run(struct fx *f, unsigned ms, bool load)
{
    for (unsigned t = 0; t < ms; t += 100u) {
        for (unsigned c = 0; load && c < 5u; c++) {
            omp_meter_on_samples(&f->m, f->cycle, SPC);
        }
        omp_fake_clock_advance_ms(&f->b.clock, 100u);
        omp_meter_tick(&f->m, &f->b.clock.now);
        assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
    }
}

static struct omp_regs_energy regs_of(const struct omp_meter *m)
{
    struct omp_meter_snapshot s;
    assert_int_equal(omp_meter_snapshot(m, &s), OMP_OK);
    return s.registers;
}

static struct omp_meter_nvm_info info_of(const struct omp_meter *m)
{
    struct omp_meter_nvm_info i;
    assert_int_equal(omp_meter_nvm_info(m, &i), OMP_OK);
    return i;
}

/* Set the clock an hour on: a checkpoint is due (docs/registers.md) and saved by the next poll;
 * @return the registers it holds. */
static struct omp_regs_energy checkpoint(struct fx *f)
{
    uint64_t cold = f->m.persist.cold_saves;
    assert_int_equal(omp_meter_set_clock(&f->m, f->b.clock.now.utc_s + 3600), OMP_OK);
    assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
    assert_int_equal(f->m.persist.cold_saves, cold + 1u);
    return regs_of(&f->m);
}

/* The newest record of @p key in the journal (white box: the store's index). */
static uint32_t newest_addr(const struct omp_meter *m, uint16_t key)
{
    for (size_t k = 0; k < OMP_CONFIG_STORE_KEYS; k++) {
        if (m->persist.store.index[k].key == key) {
            return m->persist.store.index[k].addr;
        }
    }
    fail();
    return 0;
}

/* Every energy register of @p a is >= the one of @p b (NE values in record order). */
static void assert_not_below(const struct omp_regs_energy *a, const struct omp_regs_energy *b)
{
    const uint64_t *x = (const uint64_t *)(const void *)a, *y = (const uint64_t *)(const void *)b;
    for (size_t k = 0; k < sizeof *a / sizeof(uint64_t); k++) {
        assert_true(x[k] >= y[k]);
    }
}

/* The event @p code in @p m's queue: true, with its arg and flags. */
static bool find_event(const struct omp_meter *m, uint16_t code, uint32_t *arg, uint16_t *flags)
{
    struct omp_evq_reader rd;
    struct omp_event ev;
    assert_int_equal(omp_evq_reader_init(omp_meter_events(m), &rd), OMP_OK);
    while (omp_evq_read(omp_meter_events(m), &rd, &ev, NULL) == OMP_OK) {
        if (ev.code == code) {
            *arg = ev.arg;
            *flags = ev.flags;
            return true;
        }
    }
    return false;
}

/* The display's error symbol (meter status bit 1) after a poll. */
static bool error_symbol(struct omp_meter *m)
{
    struct omp_display_frame fr;
    (void)omp_meter_poll(m);
    assert_int_equal(omp_meter_display(m, &fr), OMP_OK);
    return (fr.symbols & OMP_SYM_ERROR) != 0u;
}

static void start2(struct fx *f)
{
    assert_int_equal(omp_meter_init(&g_m2, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
}

/* ---- the mirror's budget and writes ------------------------------------------------------------ */

/* Checkpoints in quick succession until the mirror's bucket is empty (BUCKET of them). */
static void drain(struct fx *f)
{
    for (unsigned k = 0; k < BUCKET; k++) {
        (void)checkpoint(f);
    }
}

/* docs/storage.md "The mirror". An entry of 4 + 64 + 387 bytes (4 tariffs) is a record of
 * round_up(12 + 455 + 4, 8) = 472 bytes, (4096 - 16) / 472 = 8 per sector. Sectors: a checkpoint
 * every 5 minutes + 10 % for 20 years is 631 139 040 / 300 x 1.1 = 2 314 176 entries; at
 * 100 000 cycles a sector takes 800 000: 3 sectors. Budget: 631 139 040 s / (100 000 x 3 x 8) =
 * 262.97 s an entry on average, 8 at once. */
static void test_mirror_budget_and_writes(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    struct omp_meter_nvm_info i = info_of(&f->m);
    assert_int_equal(i.journal_sectors, JOURNAL);
    assert_int_equal(i.mirror_sectors, MIRROR);
    assert_int_equal(omp_regs_mirror_sectors(&k_geo), MIRROR);
    assert_int_equal(omp_store_record_size(&k_geo, OMP_REGS_MIRROR_LEN), 472u);
    assert_int_equal(i.mirror_min_interval_s, 263u);
    assert_int_equal(i.cold_saves, 1u); /* the power-up's checkpoint, and its copy */
    assert_int_equal(i.mirror_saves, 1u);
    assert_int_equal(i.restored_from, OMP_REGS_FROM_NONE);
    assert_false(i.rolled_back);
    /* a burst goes at once, up to the bucket; the next waits (a hot record names it at once);
     * a forced save (flush) takes it to the mirror */
    run(f, 2000u, true);
    drain(f);
    assert_int_equal(info_of(&f->m).mirror_saves, 1u + BUCKET);
    uint64_t hot = f->m.persist.hot_saves;
    (void)checkpoint(f);
    assert_int_equal(info_of(&f->m).mirror_saves, 1u + BUCKET);
    assert_int_equal(f->m.persist.hot_saves, hot + 1u);
    assert_int_equal(omp_meter_flush(&f->m), OMP_OK);
    assert_int_equal(info_of(&f->m).mirror_saves, 2u + BUCKET);
    /* the bucket refills with time: one interval, one entry */
    (void)checkpoint(f);
    assert_int_equal(info_of(&f->m).mirror_saves, 2u + BUCKET);
    run(f, 264000u, false); /* the held-back one goes at the first save allowed */
    assert_int_equal(info_of(&f->m).mirror_saves, 3u + BUCKET);
    run(f, 264000u, false);
    (void)checkpoint(f);
    assert_int_equal(info_of(&f->m).mirror_saves, 4u + BUCKET);
    start2(f);
    i = info_of(&g_m2);
    assert_int_equal(i.restored_from, OMP_REGS_FROM_JOURNAL);
    assert_int_equal(i.restored_checkpoint, 4u + BUCKET); /* 1, 2..9, 10, 11, 12 */
    assert_int_equal(i.newest_checkpoint, 4u + BUCKET);
    assert_false(i.rolled_back);
}

/* ---- one damaged sector ------------------------------------------------------------------------ */

/* The newest checkpoint's payload in the journal flipped (it reads as a torn write): the mirror's
 * copy is restored, and the hot record on it applies: nothing is lost, nothing rolled back. */
static void test_flipped_checkpoint_from_mirror(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    run(f, 396000u, false);
    (void)checkpoint(f); /* id 2, in the mirror too */
    run(f, 5000u, true);
    assert_int_equal(omp_meter_flush(&f->m), OMP_OK);
    const struct omp_regs_energy flushed = regs_of(&f->m);
    assert_true(flushed.total.a_plus_uwh > 0u);
    f->mem[newest_addr(&f->m, OMP_REGS_KEY_COLD) + OMP_STORE_REC_HDR + 9u] ^= 0x04u;
    start2(f);
    struct omp_meter_nvm_info i = info_of(&g_m2);
    assert_int_equal(i.damaged_sectors, 0u);
    assert_int_equal(i.restored_from, OMP_REGS_FROM_MIRROR);
    assert_int_equal(i.restored_checkpoint, 2u);
    assert_false(i.rolled_back);
    struct omp_regs_energy got = regs_of(&g_m2);
    assert_memory_equal(&got, &flushed, sizeof got);
    assert_false(error_symbol(&g_m2));
}

/* The mirror lags (a burst of checkpoints emptied its budget) and the journal's newest
 * checkpoint is lost:
 * the older one is restored, and the start says so (rolled back: flag, event, status bit, error
 * symbol); the next checkpoint takes an id above the lost one, and the start after it is clean. */
static void test_rolled_back_is_said(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    run(f, 2000u, true);
    drain(f); /* checkpoints 2 .. 9, each in the mirror too */
    const struct omp_regs_energy at9 = regs_of(&f->m);
    run(f, 2000u, true);
    (void)checkpoint(f); /* id 10: journal only (and a hot record naming it) */
    run(f, 5000u, true);
    assert_int_equal(info_of(&f->m).mirror_saves, 1u + BUCKET);
    f->mem[newest_addr(&f->m, OMP_REGS_KEY_COLD) + OMP_STORE_REC_HDR + 40u] ^= 0x01u;
    start2(f);
    struct omp_meter_nvm_info i = info_of(&g_m2);
    assert_int_equal(i.damaged_sectors, 0u);
    assert_int_equal(i.restored_checkpoint, 9u);
    assert_int_equal(i.newest_checkpoint, 10u); /* the hot record names it */
    assert_true(i.rolled_back);
    struct omp_regs_energy got = regs_of(&g_m2);
    assert_memory_equal(&got, &at9, sizeof got);
    uint32_t arg = 0;
    uint16_t flags = 0;
    assert_true(find_event(&g_m2, OMP_EV_NVM_ROLLED_BACK, &arg, &flags));
    assert_int_equal(arg, 1u);                    /* one checkpoint behind */
    assert_int_equal(flags, OMP_REGS_FROM_JOURNAL);
    assert_true(error_symbol(&g_m2));
    /* the power-up's checkpoint after it is id 11: the stale hot record (id 10) never applies */
    assert_int_equal(g_m2.persist.cold_saves, 1u);
    assert_int_equal(g_m2.regs.checkpoint_id, 11u);
    assert_int_equal(omp_meter_init(&f->m, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    i = info_of(&f->m);
    assert_int_equal(i.restored_checkpoint, 11u);
    assert_false(i.rolled_back);
    got = regs_of(&f->m);
    assert_memory_equal(&got, &at9, sizeof got);
}

/* The journal's only written sector erased (it reads as a journal never formatted): the
 * mirror's checkpoint is restored with the legal data; the hot records on it are gone, so the
 * start says it may be rolled back; no register below the last checkpoint. */
static void test_journal_erased_restores_mirror(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    run(f, 396000u, false);
    run(f, 3000u, true);
    const struct omp_regs_energy at2 = checkpoint(f);
    run(f, 5000u, true);
    assert_int_equal(f->m.persist.store.head, 0u);
    memset(f->mem, 0xFF, SECTOR);
    start2(f);
    struct omp_meter_nvm_info i = info_of(&g_m2);
    assert_int_equal(i.damaged_sectors, 0u);
    assert_int_equal(i.restored_from, OMP_REGS_FROM_MIRROR);
    assert_int_equal(i.restored_checkpoint, 2u);
    assert_true(i.rolled_back);
    struct omp_regs_energy got = regs_of(&g_m2);
    assert_memory_equal(&got, &at2, sizeof got);
    /* the legal data came back from the mirror: another calibration is still refused */
    struct omp_meter_cfg c = f->cfg;
    c.cal.v_gain *= 1.001f;
    assert_int_equal(omp_meter_init(&f->m, &f->hal, &c, &f->b.clock.now), OMP_ERR_DENIED);
}

/* The journal's head zeroed: damage (nothing written, the image kept), and what is readable is
 * restored: the mirror's checkpoint, not below the last one saved. */
static void test_journal_head_zeroed(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    run(f, 396000u, false);
    run(f, 3000u, true);
    const struct omp_regs_energy at2 = checkpoint(f);
    run(f, 5000u, true);
    memset(f->mem + f->m.persist.store.head * SECTOR, 0x00, SECTOR);
    memcpy(g_before, f->mem, SIZE);
    start2(f);
    struct omp_meter_nvm_info i = info_of(&g_m2);
    assert_int_equal(i.damaged_sectors, 1u);
    assert_int_equal(i.restored_from, OMP_REGS_FROM_MIRROR);
    struct omp_regs_energy got = regs_of(&g_m2);
    assert_not_below(&got, &at2);
    uint32_t arg = 0;
    uint16_t flags = 0;
    assert_true(find_event(&g_m2, OMP_EV_NVM_DAMAGED, &arg, &flags));
    assert_int_equal(flags, 1u); /* the journal */
    assert_true(error_symbol(&g_m2));
    assert_int_equal(omp_meter_flush(&g_m2), OMP_ERR_NVM_CORRUPT);
    assert_memory_equal(f->mem, g_before, SIZE);
}

/* A mirror sector zeroed is damage of the mirror (flag 8); erased, it is only a mirror to fill
 * again: the journal restores exactly, the next checkpoint goes to the mirror. */
static void test_mirror_sector_damaged_or_erased(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    run(f, 3000u, true);
    assert_int_equal(omp_meter_flush(&f->m), OMP_OK);
    const struct omp_regs_energy flushed = regs_of(&f->m);
    memcpy(g_before, f->mem, SIZE);
    memset(f->mem + JOURNAL * SECTOR, 0x00, SECTOR);
    memcpy(g_before, f->mem, SIZE);
    start2(f);
    assert_int_equal(info_of(&g_m2).damaged_sectors, 1u);
    uint32_t arg = 0;
    uint16_t flags = 0;
    assert_true(find_event(&g_m2, OMP_EV_NVM_DAMAGED, &arg, &flags));
    assert_int_equal(flags, 8u);
    struct omp_regs_energy got = regs_of(&g_m2);
    assert_memory_equal(&got, &flushed, sizeof got);
    assert_int_equal(omp_meter_flush(&g_m2), OMP_ERR_NVM_CORRUPT);
    assert_memory_equal(f->mem, g_before, SIZE);
    /* erased instead */
    memset(f->mem + JOURNAL * SECTOR, 0xFF, MIRROR * SECTOR);
    start2(f);
    struct omp_meter_nvm_info i = info_of(&g_m2);
    assert_int_equal(i.damaged_sectors, 0u);
    assert_int_equal(i.restored_from, OMP_REGS_FROM_JOURNAL);
    assert_false(i.rolled_back);
    got = regs_of(&g_m2);
    assert_memory_equal(&got, &flushed, sizeof got);
    assert_int_equal(i.mirror_saves, 1u); /* the power-up's checkpoint */
}

/* One flipped bit in every field the journal's and the mirror's newest records have: the sector
 * headers, each record's header, payload and CRC (cold, hot, legal; the mirror's newest entry).
 * Each start: no register below the last checkpoint or above the flushed value; a damaged image
 * stays byte for byte; and the registers are the flushed ones unless the start says it is
 * damaged or rolled back, or the flip hit the newest hot record (which reads as a torn last write:
 * the loss of a power cut, docs/storage.md "Damage"). */
static unsigned g_seen[4]; /* damaged, rolled back, exact, the hot record's previous version */

static void flip_and_check(struct fx *f, const uint8_t *base, uint32_t addr, unsigned bit,
                           const struct omp_regs_energy *at2, const struct omp_regs_energy *top,
                           bool in_hot)
{
    memcpy(f->mem, base, SIZE);
    f->mem[addr] ^= (uint8_t)(1u << bit);
    memcpy(g_before, f->mem, SIZE);
    start2(f);
    const struct omp_meter_nvm_info i = info_of(&g_m2);
    struct omp_regs_energy got = regs_of(&g_m2);
    assert_not_below(&got, at2);
    assert_not_below(top, &got);
    bool exact = memcmp(&got, top, sizeof got) == 0;
    if (i.damaged_sectors != 0u) {
        assert_int_equal(omp_meter_flush(&g_m2), OMP_ERR_NVM_CORRUPT);
        assert_memory_equal(f->mem, g_before, SIZE);
        g_seen[0]++;
    } else if (i.rolled_back) {
        g_seen[1]++;
    } else {
        assert_true(exact || in_hot);
        g_seen[exact ? 2 : 3]++;
    }
}

static void test_one_flipped_bit_anywhere(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    run(f, 396000u, false);
    run(f, 3000u, true);
    const struct omp_regs_energy at2 = checkpoint(f); /* id 2, mirrored */
    run(f, 5000u, true);
    assert_int_equal(omp_meter_flush(&f->m), OMP_OK);
    const struct omp_regs_energy top = regs_of(&f->m);
    static uint8_t base[SIZE];
    memcpy(base, f->mem, SIZE);
    const struct omp_store *js = &f->m.persist.store;
    const struct omp_nvm_log *ml = &f->m.persist.mirror;
    const uint32_t recs[3] = {newest_addr(&f->m, OMP_REGS_KEY_COLD),
                              newest_addr(&f->m, OMP_REGS_KEY_HOT),
                              newest_addr(&f->m, OMP_REGS_KEY_LEGAL)};
    /* payload lengths: cold 243 + 8 NE, hot 29 + 4 NE (docs/registers.md), legal 53 (1 + 32 + 18 +
     * 2, docs/storage.md "The mirror"), NE = 10 + 2 tariffs */
    const uint32_t ne = 10u + 2u * OMP_CONFIG_TARIFFS;
    const uint32_t lens[3] = {243u + 8u * ne, 29u + 4u * ne, 53u};
    unsigned n = 0;
    for (uint32_t k = 0; k < OMP_STORE_SECTOR_HDR; k++) { /* the journal's and mirror's headers */
        flip_and_check(f, base, js->head * SECTOR + k, k % 8u, &at2, &top, false);
        flip_and_check(f, base, (JOURNAL + ml->head) * SECTOR + k, (k + 3u) % 8u, &at2, &top,
                       false);
        n += 2u;
    }
    for (unsigned r = 0; r < 3u; r++) {
        uint32_t end = OMP_STORE_REC_HDR + lens[r] + 4u; /* header, payload, CRC */
        for (uint32_t k = 0; k < end; k += (k < OMP_STORE_REC_HDR || k + 4u >= end) ? 1u : 5u) {
            flip_and_check(f, base, recs[r] + k, k % 8u, &at2, &top, r == 1u);
            n++;
        }
    }
    /* the mirror's newest entry: its record header, frame and checkpoint */
    uint32_t entry = (JOURNAL + ml->head) * SECTOR + ml->head_off -
                     omp_store_record_size(&k_geo, OMP_REGS_MIRROR_LEN);
    for (uint32_t k = 0; k < OMP_STORE_REC_HDR + OMP_REGS_MIRROR_LEN + 4u; k += 7u) {
        flip_and_check(f, base, entry + k, k % 8u, &at2, &top, false);
        n++;
    }
    printf("one flipped bit: %u starts: %u damaged, %u rolled back, %u exact, %u the hot "
           "record's previous version\n", n, g_seen[0], g_seen[1], g_seen[2], g_seen[3]);
    assert_int_equal(g_seen[0] + g_seen[1] + g_seen[2] + g_seen[3], n);
    assert_true(g_seen[0] > 0u && g_seen[2] > 0u); /* headers are damage; payloads are mostly exact */
}

/* ---- legal data -------------------------------------------------------------------------------- */

static void expect_denied(struct fx *f, const struct omp_meter_cfg *c)
{
    memcpy(g_before, f->mem, SIZE);
    assert_int_equal(omp_meter_init(&g_m2, &f->hal, c, &f->b.clock.now), OMP_ERR_DENIED);
    assert_memory_equal(f->mem, g_before, SIZE);
}

/* Legal data is the calibration, the type number and the display resolution (technical facts 0:
 * fixed for legal reasons); the meter number is not (the data sheet lets the optical port set
 * it). */
static void test_legal_data_written_once(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    struct omp_meter_cfg c = f->cfg;
    c.cal.i_gain *= 1.01f;
    expect_denied(f, &c);
    c = f->cfg;
    c.type_number[9] = c.type_number[9] == '1' ? '2' : '1';
    expect_denied(f, &c);
    c = f->cfg;
    c.energy_decimals = 2u; /* 7.2 instead of 6.3 */
    c.energy_digits = 7u;
    expect_denied(f, &c);
    c = f->cfg;
    c.meter_number = 7u;
    assert_int_equal(omp_meter_init(&g_m2, &f->hal, &c, &f->b.clock.now), OMP_OK);
}

/* The journal's legal record unreadable: the mirror's copy is used and written back; unreadable
 * in both (the mirror erased): the registers are there without their legal data, which is
 * damage (one sector), and nothing is written. */
static void test_legal_record_lost(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    run(f, 3000u, true);
    assert_int_equal(omp_meter_flush(&f->m), OMP_OK);
    const struct omp_regs_energy flushed = regs_of(&f->m);
    f->mem[newest_addr(&f->m, OMP_REGS_KEY_LEGAL) + OMP_STORE_REC_HDR + 5u] ^= 0x20u;
    start2(f);
    assert_int_equal(info_of(&g_m2).damaged_sectors, 0u);
    struct omp_regs_energy got = regs_of(&g_m2);
    assert_memory_equal(&got, &flushed, sizeof got);
    struct omp_meter_cfg c = f->cfg;
    c.cal.v_gain *= 0.99f;
    expect_denied(f, &c); /* known again */
    /* lost in the journal and in the mirror */
    f->mem[newest_addr(&g_m2, OMP_REGS_KEY_LEGAL) + OMP_STORE_REC_HDR + 5u] ^= 0x20u;
    memset(f->mem + JOURNAL * SECTOR, 0xFF, MIRROR * SECTOR);
    memcpy(g_before, f->mem, SIZE);
    start2(f);
    assert_int_equal(info_of(&g_m2).damaged_sectors, 1u);
    got = regs_of(&g_m2);
    assert_memory_equal(&got, &flushed, sizeof got);
    assert_true(error_symbol(&g_m2));
    assert_memory_equal(f->mem, g_before, SIZE);
}

/* ---- power cuts -------------------------------------------------------------------------------- */

/* A cut at every byte of a save holding a checkpoint and its mirror copy (a flush after a
 * checkpoint held back) is never damage and never a rollback. */
static void test_cut_in_mirror_write_is_no_rollback(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    run(f, 2000u, true);
    drain(f);
    (void)checkpoint(f); /* id 10, held back from the mirror */
    run(f, 2000u, true);
    static uint8_t base[SIZE];
    memcpy(base, f->mem, SIZE);
    static struct omp_meter m0;
    m0 = f->m;
    uint64_t before = f->b.nvm.programmed_bytes;
    assert_int_equal(omp_meter_flush(&f->m), OMP_OK);
    uint64_t bytes = f->b.nvm.programmed_bytes - before;
    assert_true(bytes > OMP_REGS_MIRROR_LEN);
    for (uint64_t nth = 1u; nth <= bytes; nth += 7u) {
        memcpy(f->mem, base, SIZE);
        f->m = m0;
        omp_ram_nvm_cut_after(&f->b.nvm, nth);
        assert_int_equal(omp_meter_flush(&f->m), OMP_ERR_POWER_LOST);
        omp_ram_nvm_power_on(&f->b.nvm);
        start2(f);
        struct omp_meter_nvm_info i = info_of(&g_m2);
        assert_int_equal(i.damaged_sectors, 0u);
        assert_false(i.rolled_back);
        assert_int_equal(i.restored_checkpoint, 10u);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mirror_budget_and_writes),
        cmocka_unit_test(test_flipped_checkpoint_from_mirror),
        cmocka_unit_test(test_rolled_back_is_said),
        cmocka_unit_test(test_journal_erased_restores_mirror),
        cmocka_unit_test(test_journal_head_zeroed),
        cmocka_unit_test(test_mirror_sector_damaged_or_erased),
        cmocka_unit_test(test_one_flipped_bit_anywhere),
        cmocka_unit_test(test_legal_data_written_once),
        cmocka_unit_test(test_legal_record_lost),
        cmocka_unit_test(test_cut_in_mirror_write_is_no_rollback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

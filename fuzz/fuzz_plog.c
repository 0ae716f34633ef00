/*
 * The packed log (plog.h) opened on an arbitrary NVM image. The input is the image of the log of
 * fuzz/plog_nvm.h (6 sectors of 1 KiB, unit 8, erase 0xFF; 4 counters and a signed column, period
 * 900 s, tag 0x504C); a shorter input is padded with erased bytes, a longer one cut. One byte past
 * the image, if there, is a switch (plog_nvm.h): make every entry's CRC and every sector header's
 * check right before the open, so the fuzzer reaches the fields behind them. Seeds:
 * fuzz/gen_plog.c.
 *
 * Checks:
 * 1. opened read only: OMP_OK or OMP_ERR_NVM_CORRUPT (the RAM NVM never fails, the def is valid),
 *    the latter exactly when stats.damaged > 0; nothing is written, an append is refused. Every
 *    entry is read (seek to 1, next until OMP_ERR_NOT_FOUND): omp_plog_count() of them (every
 *    number held, the unreadable ones invalid), at most what the region can physically hold;
 *    numbers first_no, first_no + 1, ...; columns past the def's are 0 (a decoded entry's and an
 *    unreadable one's, which is all 0 but OMP_PLOG_ST_INVALID). A seek to a number held lands on
 *    it (every number of a log of up to 64; of a longer one, as a seek walks up to a sector of
 *    entries, the first and last few, those at a sector's start and end and 1 in 32 at random)
 *    and, without damage and forged CRCs (g_exact), returns the entry the full read returned.
 * 2. opened read-write on a copy: the same result, first_no and next_no, and the same entries;
 *    it writes nothing but a new log's header in sector 0, and a second open nothing. With
 *    damage the image is byte for byte the input after the open, the reads, an append
 *    (OMP_ERR_NVM_CORRUPT), a refused append (a counter < 0) and a refused clear;
 *    omp_plog_format() then starts an empty log, numbers from 1.
 * 3. without damage: a counter < 0 is refused (OMP_ERR_ARG, nothing written); three entries made
 *    from the input (steps, a counter that goes down, time jumps, extreme values) are appended
 *    and read back exactly; reopened, the log finds no damage (it never takes its own writes for
 *    damage), next_no advanced by 3, the three entries, and (g_exact) every older entry still
 *    held as before (a number stays with its entry).
 * The fuzz build adds ASan and UBSan: an overread of the image or of an entry is a crash.
 */
#include <string.h>

#include "fuzz.h"
#include "plog_nvm.h"

static uint8_t g_input[PL_SIZE]; /* the input as an image */
static uint8_t g_mem[PL_SIZE];
static struct omp_ram_nvm g_nvm;
static struct omp_plog_def g_def;

/* Every entry of a log as one full read returned it, by number - first_no, with the sector it
 * was read from. */
struct view {
    uint32_t first_no, next_no, n;
    struct omp_plog_entry e[PL_ENTRIES_MAX];
    uint32_t sector[PL_ENTRIES_MAX];
};

static struct view g_ro, g_rw, g_after;
/* No CRC was made right by the switch: two entries never claim one number. (With the switch a
 * mutated number, e.g. a sector's first one step back, can make an entry at a sector's end and
 * the next sector's first claim the same number; an open reads the head's entries and the other
 * sectors' first ones, not every entry, so it does not see that. Then a seek and a full read may
 * return different entries for that number, and a rotation may number a sector's entries anew.) */
static bool g_exact;

static uint32_t rnd(void);

static void check_entry(const struct omp_plog_entry *e)
{
    for (unsigned k = PL_COLUMNS; k < OMP_PLOG_COLUMNS_MAX; k++) {
        OMP_FUZZ_CHECK(e->v[k] == 0);
    }
}

/* Seeks to the numbers held: all of them in a short log; in a long one (a seek walks up to a
 * sector of entries) the first and last few, those around a sector's start and a random 1 in 32.
 * Each lands on its number with the entry the full read gave. */
static void seeks(const struct omp_plog *l, const struct view *v)
{
    struct omp_plog_cursor c;
    struct omp_plog_entry e;
    uint32_t no = 0;
    const uint32_t count = l->next_no - l->first_no;
    for (uint32_t i = 0; i < count; i++) {
        const bool edge = i < 4u || i + 4u >= count || i >= v->n ||
                          (i > 0u && v->sector[i] != v->sector[i - 1u]) ||
                          (i + 1u < v->n && v->sector[i + 1u] != v->sector[i]);
        if (count > 64u && !edge && rnd() % 32u != 0u) {
            continue;
        }
        const uint32_t want = l->first_no + i;
        OMP_FUZZ_CHECK(omp_plog_seek(l, want, &c) == OMP_OK);
        OMP_FUZZ_CHECK(omp_plog_next(l, &c, &e, &no) == OMP_OK);
        OMP_FUZZ_CHECK(no == want);
        if (i < v->n && l->stats.damaged == 0u && g_exact) {
            OMP_FUZZ_CHECK(memcmp(&e, &v->e[i], sizeof e) == 0);
        }
    }
    OMP_FUZZ_CHECK(omp_plog_seek(l, l->next_no, &c) == OMP_ERR_NOT_FOUND);
}

/* Read every entry held: seek to 1, next until NOT_FOUND; then @p seek_too: seeks. */
static void look(const struct omp_plog *l, struct view *v, bool seek_too)
{
    const uint32_t count = omp_plog_count(l);
    OMP_FUZZ_CHECK(l->first_no >= 1u && l->first_no <= l->next_no);
    OMP_FUZZ_CHECK(count == l->next_no - l->first_no);
    OMP_FUZZ_CHECK(count <= PL_ENTRIES_MAX);
    OMP_FUZZ_CHECK(l->head < PL_SECTORS && l->head_off >= OMP_STORE_SECTOR_HDR &&
                   l->head_off <= PL_SECTOR);
    v->first_no = l->first_no;
    v->next_no = l->next_no;
    v->n = 0;
    struct omp_plog_cursor c;
    struct omp_plog_entry e;
    uint32_t no = 0;
    omp_err err = omp_plog_seek(l, 1u, &c);
    OMP_FUZZ_CHECK(err == (l->next_no > 1u ? OMP_OK : OMP_ERR_NOT_FOUND));
    while (err == OMP_OK) {
        err = omp_plog_next(l, &c, &e, &no);
        OMP_FUZZ_CHECK(err == OMP_OK || err == OMP_ERR_NOT_FOUND);
        if (err == OMP_OK) {
            OMP_FUZZ_CHECK(v->n < count && no == l->first_no + v->n);
            check_entry(&e);
            v->sector[v->n] = c.sector;
            v->e[v->n++] = e;
        }
    }
    OMP_FUZZ_CHECK(v->n == count);
    /* a finished cursor stays finished */
    OMP_FUZZ_CHECK(l->next_no <= 1u || omp_plog_next(l, &c, &e, &no) == OMP_ERR_NOT_FOUND);
    if (seek_too) {
        seeks(l, v);
    }
}

static bool same_view(const struct view *a, const struct view *b)
{
    return a->first_no == b->first_no && a->next_no == b->next_no && a->n == b->n &&
           memcmp(a->e, b->e, a->n * sizeof a->e[0]) == 0;
}

/* ---- entries made from the input ------------------------------------------------------------ */

static uint32_t g_x;

static uint32_t rnd(void)
{
    g_x ^= g_x << 13;
    g_x ^= g_x >> 17;
    g_x ^= g_x << 5;
    return g_x;
}

static void seed_rnd(const uint8_t *data, size_t size)
{
    g_x = 0x9E3779B9u ^ (uint32_t)size;
    for (size_t i = 0; i < size; i += 1u + i / 64u) {
        g_x = (g_x ^ data[i]) * 0x01000193u;
    }
    g_x = g_x != 0u ? g_x : 1u;
}

/* Two's-complement time arithmetic (a fuzzed base time can be anything). */
static omp_time_s t_add(omp_time_s t, uint64_t d)
{
    uint64_t u;
    memcpy(&u, &t, sizeof u);
    u += d;
    memcpy(&t, &u, sizeof t);
    return t;
}

/* The entry after @p b (the log's newest, or none): a normal step, or now and then a counter
 * that goes down, an outage, extreme values. */
static void make(const struct omp_plog_entry *b, struct omp_plog_entry *e)
{
    memset(e, 0, sizeof *e);
    const uint32_t mode = rnd() % 8u;
    e->t = b != NULL ? t_add(b->t, PL_PERIOD) : PL_T0;
    if (mode == 1u) {
        e->t = t_add(e->t, 3600u * (1u + rnd() % 48u)); /* an outage */
        e->status = 0x40u;
        e->quality = 0x400u;
    } else if (mode == 2u) {
        e->t = t_add(e->t, 0u - (uint64_t)(rnd() % 100000u)); /* the clock set back */
        e->status = (uint16_t)rnd();
        e->quality = rnd();
    }
    for (unsigned k = 0; k < 4u; k++) {
        int64_t base = b != NULL && b->v[k] >= 0 ? b->v[k] : 0;
        int64_t step = (int64_t)(rnd() % 5751u);
        e->v[k] = base <= INT64_MAX - step ? base + step : step;
        if (mode == 3u && k == 1u) {
            e->v[k] = (int64_t)(rnd() % 1000u); /* a counter reset: a full entry */
        }
        if (mode == 4u) {
            e->v[k] = k == 0u ? INT64_MAX : 0;
        }
    }
    e->v[4] = (int64_t)(rnd() % 46001u) - 23000;
    if (mode == 4u) {
        e->v[4] = (rnd() & 1u) != 0u ? INT64_MIN : INT64_MAX;
        e->t = (rnd() & 1u) != 0u ? INT64_MIN : INT64_MAX;
    }
}

/* The @p n entries from number @p from are @p want. */
static void read_back(const struct omp_plog *l, uint32_t from, const struct omp_plog_entry *want,
                      uint32_t n)
{
    struct omp_plog_cursor c;
    struct omp_plog_entry e;
    uint32_t no = 0;
    OMP_FUZZ_CHECK(omp_plog_seek(l, from, &c) == OMP_OK);
    for (uint32_t i = 0; i < n; i++) {
        OMP_FUZZ_CHECK(omp_plog_next(l, &c, &e, &no) == OMP_OK);
        OMP_FUZZ_CHECK(no == from + i && memcmp(&e, &want[i], sizeof e) == 0);
    }
    OMP_FUZZ_CHECK(omp_plog_next(l, &c, &e, &no) == OMP_ERR_NOT_FOUND);
}

static bool unchanged(void)
{
    return memcmp(g_mem, g_input, PL_SIZE) == 0 && g_nvm.program_calls == 0u &&
           g_nvm.erase_calls == 0u;
}

/* ---- the target ----------------------------------------------------------------------------- */

/* Damaged: nothing may be written, not even a clear; the explicit way out, omp_plog_format(),
 * then works (numbers from 1). */
static void damaged(struct omp_plog *l, const struct omp_plog_entry *e)
{
    OMP_FUZZ_CHECK(l->stats.damaged > 0u && unchanged());
    OMP_FUZZ_CHECK(omp_plog_append(l, e) == OMP_ERR_NVM_CORRUPT);
    struct omp_plog_entry neg = *e;
    neg.v[2] = -1;
    OMP_FUZZ_CHECK(omp_plog_append(l, &neg) == OMP_ERR_ARG);
    OMP_FUZZ_CHECK(unchanged());
    OMP_FUZZ_CHECK(omp_plog_clear(l) == OMP_ERR_NVM_CORRUPT && unchanged());
    OMP_FUZZ_CHECK(omp_plog_format(l) == OMP_OK);
    const uint32_t next = l->next_no;
    OMP_FUZZ_CHECK(omp_plog_count(l) == 0u && next == 1u && l->stats.damaged == 0u);
    omp_err err = omp_plog_append(l, e);
    if (next == UINT32_MAX) {
        OMP_FUZZ_CHECK(err == OMP_ERR_NVM_WORN);
        return;
    }
    OMP_FUZZ_CHECK(err == OMP_OK);
    read_back(l, next, e, 1u);
    const struct omp_nvm_region r = pl_region(&g_nvm);
    OMP_FUZZ_CHECK(omp_plog_open(l, &r, &g_def, false) == OMP_OK);
    OMP_FUZZ_CHECK(l->next_no == next + 1u && omp_plog_count(l) == 1u);
    read_back(l, next, e, 1u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct omp_plog l;
    static struct omp_plog_entry add[3];
    memset(g_input, 0xFF, sizeof g_input);
    memcpy(g_input, data, size < PL_SIZE ? size : PL_SIZE);
    g_exact = size <= PL_SIZE || (data[PL_SIZE] & 0x03u) == 0u;
    if (size > PL_SIZE && (data[PL_SIZE] & 0x01u) != 0u) {
        pl_fix_entries(g_input);
    }
    if (size > PL_SIZE && (data[PL_SIZE] & 0x02u) != 0u) {
        pl_fix_headers(g_input);
    }
    seed_rnd(data, size);
    pl_def(&g_def);
    const struct omp_nvm_region r = pl_region(&g_nvm);

    /* 1: read only */
    memcpy(g_mem, g_input, PL_SIZE);
    OMP_FUZZ_CHECK(omp_ram_nvm_init(&g_nvm, g_mem, &pl_geo, NULL) == OMP_OK);
    const omp_err ro = omp_plog_open(&l, &r, &g_def, true);
    OMP_FUZZ_CHECK(ro == OMP_OK || ro == OMP_ERR_NVM_CORRUPT);
    OMP_FUZZ_CHECK((ro == OMP_ERR_NVM_CORRUPT) == (l.stats.damaged > 0u));
    look(&l, &g_ro, true);
    make(l.have_last ? &l.last : NULL, &add[0]);
    OMP_FUZZ_CHECK(omp_plog_append(&l, &add[0]) == OMP_ERR_NVM_CORRUPT); /* read only */
    OMP_FUZZ_CHECK(unchanged());

    /* 2: read-write, on a copy */
    memcpy(g_mem, g_input, PL_SIZE);
    OMP_FUZZ_CHECK(omp_ram_nvm_init(&g_nvm, g_mem, &pl_geo, NULL) == OMP_OK);
    const omp_err rw = omp_plog_open(&l, &r, &g_def, false);
    OMP_FUZZ_CHECK(rw == ro);
    if (rw == OMP_ERR_NVM_CORRUPT) {
        OMP_FUZZ_CHECK(unchanged());
        look(&l, &g_rw, false);
        OMP_FUZZ_CHECK(same_view(&g_ro, &g_rw));
        damaged(&l, &add[0]);
        return 0;
    }
    /* only a new log's header may have been written (sector 0) */
    OMP_FUZZ_CHECK(memcmp(g_mem + PL_SECTOR, g_input + PL_SECTOR, PL_SIZE - PL_SECTOR) == 0);
    look(&l, &g_rw, false);
    OMP_FUZZ_CHECK(same_view(&g_ro, &g_rw));
    /* opened again: nothing more to write, the same log */
    const uint64_t prog0 = g_nvm.program_calls, erases0 = g_nvm.erase_calls;
    OMP_FUZZ_CHECK(omp_plog_open(&l, &r, &g_def, false) == OMP_OK);
    OMP_FUZZ_CHECK(g_nvm.program_calls == prog0 && g_nvm.erase_calls == erases0);
    look(&l, &g_after, false);
    OMP_FUZZ_CHECK(same_view(&g_rw, &g_after));

    /* 3: appends */
    const uint32_t next = l.next_no;
    struct omp_plog_entry neg = add[0];
    neg.v[0] = INT64_MIN;
    memcpy(g_input, g_mem, PL_SIZE); /* what the open left (a new log's header) */
    const uint64_t prog = g_nvm.program_calls, erases = g_nvm.erase_calls;
    OMP_FUZZ_CHECK(omp_plog_append(&l, &neg) == OMP_ERR_ARG);
    OMP_FUZZ_CHECK(memcmp(g_mem, g_input, PL_SIZE) == 0 && g_nvm.program_calls == prog &&
                   g_nvm.erase_calls == erases && l.next_no == next);
    for (uint32_t i = 0; i < 3u; i++) {
        if (i > 0u) {
            make(&add[i - 1u], &add[i]);
        }
        omp_err err = omp_plog_append(&l, &add[i]);
        if (err == OMP_ERR_NVM_WORN) {
            /* numbers or sector sequences ran out */
            OMP_FUZZ_CHECK(l.next_no == UINT32_MAX || l.sector_seq == UINT32_MAX);
            return 0;
        }
        OMP_FUZZ_CHECK(err == OMP_OK && l.next_no == next + i + 1u);
    }
    read_back(&l, next, add, 3u);
    OMP_FUZZ_CHECK(omp_plog_open(&l, &r, &g_def, false) == OMP_OK);
    OMP_FUZZ_CHECK(l.next_no == next + 3u);
    read_back(&l, next, add, 3u);
    look(&l, &g_after, true);
    /* a number stays with its entry while the ring holds it */
    for (uint32_t no = g_after.first_no; g_exact && no < next; no++) {
        OMP_FUZZ_CHECK(no >= g_rw.first_no && no - g_rw.first_no < g_rw.n);
        OMP_FUZZ_CHECK(memcmp(&g_after.e[no - g_after.first_no], &g_rw.e[no - g_rw.first_no],
                              sizeof g_rw.e[0]) == 0);
    }
    return 0;
}

/*
 * The packed log (plog.h) as the load profile's storage (issue #13); numbers only, never pass/fail.
 *
 *   bench_plog [SECONDS]   the size matrix, then the read throughput of a 1-day range (wall
 *                          clock, about SECONDS per timing, default 0.5: the median of 5 windows)
 *   bench_plog read N      N reads of a 1-day range (seek + 96 x omp_plog_next) inside
 *                          bench_measured_plog_read(): what callgrind counts (bench/run.sh)
 *   bench_plog seek N      N seeks alone inside bench_measured_plog_seek()
 *
 * Sizes, for each channel set (1, 2, 4 counters; bench/plog_profile.h) x period (5, 15, 30,
 * 60 min) x program unit (1, 4, 8) on 4 KiB sectors:
 *  - worst: omp_plog_entry_bytes(), a worst-case plain entry (every counter at Imax);
 *  - sectors: the fewest with omp_plog_capacity() >= the data sheet's depth (days x entries a
 *    day), NVM = sectors x 4096 and its ratio to 554 400 bytes, the OMNIPOWER's own layout (17 +
 *    4 bytes per record per channel: 26 400 / 22 176 / 16 800 records of 1 / 2 / 4 channels);
 *  - typical: the household profile of plog_profile.h appended to a log of that NVM, measured
 *    from the log's head: "entry" the bytes the entries took (full ones included), "NVM" also
 *    the sector headers and the sectors' unused ends, both over the data sheet's depth in entries;
 *    "days held" the entries the log holds right after it first drops its oldest sector (its
 *    minimum from then on), in days.
 *
 * Read: a log of 4 counters at 15 min, program unit 8, 4 KiB sectors, sized for 30 days of
 * worst-case entries, holds 30 days of the household profile (2 880 entries, no wrap); a read is
 * one day of it (96 entries: omp_plog_seek to the day's first number, then 96 x omp_plog_next),
 * the 30 days in turn. The seek walks from the start of the day's sector (entries are not
 * indexed), so it is timed alone too.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <omnipower/hal_fakes.h>
#include <omnipower/omnipower.h>

#include "plog_profile.h"

#define SECTOR 4096u
#define REF_BYTES 554400u /* the OMNIPOWER's layout, each channel set */
#define DAY_ENTRIES 96u   /* 15 min */
#define READ_DAYS 30u

static const struct omp_hal_ops k_ops = {
    .nvm_geometry = omp_ram_nvm_geometry, .nvm_read = omp_ram_nvm_read,
    .nvm_program = omp_ram_nvm_program, .nvm_erase = omp_ram_nvm_erase,
};

struct channel_set {
    unsigned channels;
    const char *name;
    uint32_t days[4]; /* the data sheet's depth at k_period_min[] */
};

static const struct channel_set k_sets[] = {
    { 1, "A+", { 92, 275, 550, 1100 } },
    { 2, "A+/A-", { 77, 231, 462, 924 } },
    { 4, "A+/A-/R+/R-", { 58, 175, 350, 700 } },
};
static const uint32_t k_period_min[4] = { 5, 15, 30, 60 };
static const uint32_t k_units[3] = { 1, 4, 8 };

static double now_s(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static struct omp_nvm_geometry geometry(uint32_t sectors, uint32_t unit)
{
    struct omp_nvm_geometry geo = { sectors * SECTOR, SECTOR, unit, 0xFFu, 100000u };
    return geo;
}

/* The fewest sectors whose guaranteed depth is >= @p entries (0 if none). */
static uint32_t sectors_for(const struct omp_plog_def *def, uint32_t unit, uint32_t entries)
{
    struct omp_nvm_geometry geo = geometry(2u, unit);
    return plog_lp_sectors_for(def, &geo, entries);
}

/* A new log of @p sectors sectors on @p mem. */
static omp_err new_log(struct omp_plog *l, struct omp_ram_nvm *nvm, uint8_t *mem,
                       const struct omp_plog_def *def, uint32_t sectors, uint32_t unit)
{
    struct omp_nvm_geometry geo = geometry(sectors, unit);
    omp_err err = omp_ram_nvm_init(nvm, mem, &geo, NULL);
    if (err != OMP_OK) {
        return err;
    }
    omp_ram_nvm_format(nvm);
    const struct omp_nvm_region r = { &k_ops, nvm, 0u, sectors };
    return omp_plog_open(l, &r, def, false);
}

struct typical {
    double entry_bytes; /* the entries alone */
    double nvm_bytes;   /* with sector headers and unused ends */
    double days_held;
};

/* The household profile on a log of @p sectors (typical, in the file's comment). */
static omp_err measure_typical(const struct omp_plog_def *def, uint32_t sectors, uint32_t unit,
                               uint32_t depth, uint32_t per_day, struct typical *out)
{
    uint8_t *mem = malloc((size_t)sectors * SECTOR);
    struct omp_plog *l = calloc(1, sizeof *l);
    if (mem == NULL || l == NULL) {
        free(mem);
        free(l);
        return OMP_ERR_NOSPACE;
    }
    struct omp_ram_nvm nvm;
    omp_err err = new_log(l, &nvm, mem, def, sectors, unit);
    struct plog_lp_gen g;
    plog_lp_gen_init(&g, def->columns, def->period_s / 60u);
    uint64_t entry_bytes = 0;
    uint64_t start = (uint64_t)(l->sector_seq - 1u) * SECTOR; /* the first header counts */
    for (uint32_t i = 0; i < depth && err == OMP_OK; i++) {
        uint32_t seq = l->sector_seq, off = l->head_off;
        err = plog_lp_fill(l, &g, 1u);
        entry_bytes += l->sector_seq == seq ? l->head_off - off
                                            : l->head_off - OMP_STORE_SECTOR_HDR;
    }
    uint64_t pos = (uint64_t)(l->sector_seq - 1u) * SECTOR + l->head_off;
    out->entry_bytes = (double)entry_bytes / depth;
    out->nvm_bytes = (double)(pos - start) / depth;
    /* on until the ring drops its oldest sector: then it holds its least */
    for (uint64_t i = 0; err == OMP_OK && l->first_no == 1u && i < 16u * (uint64_t)depth; i++) {
        err = plog_lp_fill(l, &g, 1u);
    }
    out->days_held = l->first_no == 1u ? 0.0 : (double)omp_plog_count(l) / per_day;
    free(l);
    free(mem);
    return err;
}

static int print_sizes(void)
{
    printf("Packed log sizes, 4 KiB sectors (OMNIPOWER layout: 554 400 bytes each, half 277 200):"
           "\n");
    printf("%-12s %4s %5s %6s %3s | %5s %7s %8s %6s | %6s %6s %6s\n", "channels", "min", "days",
           "entries", "pu", "worst", "sectors", "NVM", "ratio", "t.entry", "t.NVM", "days");
    printf("%-12s %4s %5s %6s %3s | %5s %7s %8s %6s | %6s %6s %6s\n", "", "", "", "", "",
           "B/ent", "", "bytes", "/554400", "B/ent", "B/ent", "held");
    for (size_t s = 0; s < OMP_ARRAY_LEN(k_sets); s++) {
        for (size_t p = 0; p < OMP_ARRAY_LEN(k_period_min); p++) {
            struct omp_plog_def def;
            plog_lp_def(&def, k_sets[s].channels, k_period_min[p]);
            uint32_t per_day = 1440u / k_period_min[p];
            uint32_t depth = k_sets[s].days[p] * per_day;
            for (size_t u = 0; u < OMP_ARRAY_LEN(k_units); u++) {
                struct omp_nvm_geometry geo = geometry(2u, k_units[u]);
                uint32_t worst = omp_plog_entry_bytes(&def, &geo);
                uint32_t sectors = sectors_for(&def, k_units[u], depth);
                struct typical t;
                omp_err err = sectors == 0u ? OMP_ERR_ARG
                                            : measure_typical(&def, sectors, k_units[u], depth,
                                                              per_day, &t);
                if (err != OMP_OK) {
                    fprintf(stderr, "bench_plog: %s %u min pu %u: %s\n", k_sets[s].name,
                            k_period_min[p], k_units[u], omp_strerror(err));
                    return 1;
                }
                uint32_t nvm = sectors * SECTOR;
                printf("%-12s %4u %5u %6u %3u | %5u %7u %8u %6.3f | %6.2f %6.2f %6.1f\n",
                       k_sets[s].name, k_period_min[p], k_sets[s].days[p], depth, k_units[u],
                       worst, sectors, nvm, (double)nvm / REF_BYTES, t.entry_bytes, t.nvm_bytes,
                       t.days_held);
            }
        }
    }
    return 0;
}

/* ---- read ------------------------------------------------------------------------------------ */

struct reader {
    struct omp_ram_nvm nvm;
    struct omp_plog log;
    uint32_t sectors;
    uint32_t day; /* the next day to read, 0..READ_DAYS-1 */
    int64_t sink;
    uint8_t *mem;
};

static omp_err reader_init(struct reader *r)
{
    struct omp_plog_def def;
    plog_lp_def(&def, 4u, 15u);
    r->sectors = sectors_for(&def, 8u, READ_DAYS * DAY_ENTRIES);
    r->mem = malloc((size_t)r->sectors * SECTOR);
    if (r->mem == NULL) {
        return OMP_ERR_NOSPACE;
    }
    omp_err err = new_log(&r->log, &r->nvm, r->mem, &def, r->sectors, 8u);
    struct plog_lp_gen g;
    plog_lp_gen_init(&g, 4u, 15u);
    if (err == OMP_OK) {
        err = plog_lp_fill(&r->log, &g, READ_DAYS * DAY_ENTRIES);
    }
    if (err == OMP_OK && omp_plog_count(&r->log) != READ_DAYS * DAY_ENTRIES) {
        err = OMP_ERR_STATE;
    }
    /* every entry reads back as it was appended (not invalid): the reads below are real */
    struct omp_plog_cursor c;
    plog_lp_gen_init(&g, 4u, 15u);
    if (err == OMP_OK) {
        err = omp_plog_seek(&r->log, r->log.first_no, &c);
    }
    for (uint32_t i = 0; i < READ_DAYS * DAY_ENTRIES && err == OMP_OK; i++) {
        struct omp_plog_entry want, got;
        uint32_t no;
        plog_lp_next(&g, &want);
        err = omp_plog_next(&r->log, &c, &got, &no);
        if (err == OMP_OK && (no != r->log.first_no + i || want.t != got.t ||
                              want.status != got.status || want.quality != got.quality ||
                              memcmp(want.v, got.v, sizeof want.v) != 0)) {
            err = OMP_ERR_STATE;
        }
    }
    return err;
}

/* The first entry number of the next day to read. */
static uint32_t next_day(struct reader *r)
{
    uint32_t first = r->log.first_no + r->day * DAY_ENTRIES;
    r->day = (r->day + 1u) % READ_DAYS;
    return first;
}

__attribute__((noinline)) omp_err bench_measured_plog_read(struct reader *r, unsigned long n);
__attribute__((noinline)) omp_err bench_measured_plog_read(struct reader *r, unsigned long n)
{
    omp_err err = OMP_OK;
    for (unsigned long i = 0; i < n && err == OMP_OK; i++) {
        err = plog_lp_read(&r->log, next_day(r), DAY_ENTRIES, &r->sink);
    }
    return err;
}

__attribute__((noinline)) omp_err bench_measured_plog_seek(struct reader *r, unsigned long n);
__attribute__((noinline)) omp_err bench_measured_plog_seek(struct reader *r, unsigned long n)
{
    omp_err err = OMP_OK;
    for (unsigned long i = 0; i < n && err == OMP_OK; i++) {
        struct omp_plog_cursor c;
        err = omp_plog_seek(&r->log, next_day(r), &c);
        r->sink += (int64_t)c.no;
    }
    return err;
}

typedef omp_err (*read_fn)(struct reader *r, unsigned long n);

#define WINDOWS 5

/* Seconds per call of @p fn: the median of WINDOWS windows of about @p seconds / WINDOWS each
 * (batches of READ_DAYS calls), so other load on a shared machine moves it little. */
static double time_per_call(struct reader *r, read_fn fn, double seconds, omp_err *err)
{
    double per[WINDOWS];
    *err = fn(r, READ_DAYS); /* warm up */
    for (unsigned w = 0; w < WINDOWS && *err == OMP_OK; w++) {
        unsigned long n = 0;
        double t0 = now_s(), t = t0;
        do {
            *err = fn(r, READ_DAYS);
            n += READ_DAYS;
            t = now_s();
        } while (*err == OMP_OK && t - t0 < seconds / WINDOWS);
        per[w] = (t - t0) / (double)n;
        for (unsigned k = w; k > 0u && per[k] < per[k - 1u]; k--) { /* insertion sort */
            double x = per[k];
            per[k] = per[k - 1u];
            per[k - 1u] = x;
        }
    }
    return per[WINDOWS / 2u];
}

static int print_read(double seconds)
{
    struct reader *r = calloc(1, sizeof *r);
    if (r == NULL) {
        return 1;
    }
    omp_err err = reader_init(r);
    double read = 0.0, seek = 0.0;
    if (err == OMP_OK) {
        read = time_per_call(r, bench_measured_plog_read, seconds, &err);
    }
    if (err == OMP_OK) {
        seek = time_per_call(r, bench_measured_plog_seek, seconds, &err);
    }
    if (err != OMP_OK) {
        fprintf(stderr, "bench_plog: read: %s\n", omp_strerror(err));
        free(r->mem);
        free(r);
        return 1;
    }
    printf("Read of a 1-day range on the host (wall clock; each the median of %u windows in "
           "%.2f s):\n4 counters, 15 min, pu 8, %u x 4 KiB sectors holding %u days (%u entries in "
           "%u B)\n",
           WINDOWS, seconds, r->sectors, READ_DAYS, omp_plog_count(&r->log),
           (r->log.sector_seq - 1u) * SECTOR + r->log.head_off);
    printf("%-24s %12.0f entries/s %10.2f us per day\n", "plog_read_1day", DAY_ENTRIES / read,
           read * 1e6);
    printf("%-24s %12.2f us per seek (%.0f %% of the read)\n", "plog_seek", seek * 1e6,
           100.0 * seek / read);
    printf("%-24s %12.0f entries/s %10.2f ns per entry (read - seek)\n", "plog_next",
           DAY_ENTRIES / (read - seek), (read - seek) / DAY_ENTRIES * 1e9);
    free(r->mem);
    free(r);
    return 0;
}

/* `read N` / `seek N` for callgrind: prints "units U" (entries or seeks counted). */
static int run_counted(const char *what, unsigned long n)
{
    struct reader *r = calloc(1, sizeof *r);
    if (r == NULL) {
        return 1;
    }
    omp_err err = reader_init(r);
    bool is_read = strcmp(what, "read") == 0;
    if (err == OMP_OK) {
        err = is_read ? bench_measured_plog_read(r, n) : bench_measured_plog_seek(r, n);
    }
    if (err == OMP_OK) {
        printf("units %lu\n", is_read ? n * DAY_ENTRIES : n);
    } else {
        fprintf(stderr, "bench_plog: %s: %s\n", what, omp_strerror(err));
    }
    free(r->mem);
    free(r);
    return err == OMP_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && (strcmp(argv[1], "read") == 0 || strcmp(argv[1], "seek") == 0)) {
        unsigned long n = strtoul(argv[2], NULL, 10);
        return n == 0u ? 2 : run_counted(argv[1], n);
    }
    double seconds = argc > 1 ? atof(argv[1]) : 0.5;
    if (argc > 2 || !(seconds > 0.0 && seconds < 60.0)) {
        fprintf(stderr, "usage: bench_plog [SECONDS] | read N | seek N\n");
        return 2;
    }
    int rc = print_sizes();
    if (rc == 0) {
        printf("\n");
        rc = print_read(seconds);
    }
    return rc;
}

/*
 * A load profile on the packed log (plog.h), shared by bench/bench_plog.c (host) and
 * ports/stm32/bench_plog.c (Cortex-M4 under qemu), so both fill and read the same bytes.
 * Integer arithmetic only, no stdio, no heap.
 *
 * Channels: 1 = A+; 2 = A+, A-; 4 = A+, A-, R+, R- (issue #13), each an energy register in
 * register resolution (Wh, varh), a counter whose largest growth in one period is Imax power
 * (230 V x 100 A = 23 kW) over the period, rounded up: 5 min 1917, 15 min 5750, 30 min 11500,
 * 60 min 23000.
 *
 * The household: an hourly mean power (PLOG_LP_HOURLY_W, 566 W over the day, ~13.6 kWh a day),
 * times a noise factor of 0.6..1.4 per period, plus an appliance (2 kW) in one period of eight;
 * no export (A- stays put); R+ 30 % of the active power plus 40 var; R- 0..30 var at night only.
 * Energies carry their fractions (mWh) so the registers grow exactly as a meter's would.
 */
#ifndef OMNIPOWER_BENCH_PLOG_PROFILE_H
#define OMNIPOWER_BENCH_PLOG_PROFILE_H

#include <stdint.h>
#include <string.h>

#include "omnipower/plog.h"

#define PLOG_LP_T0 ((omp_time_s)1798761600) /* 2027-01-01T00:00:00Z */
#define PLOG_LP_IMAX_W 23000u
#define PLOG_LP_TAG 0x4C50u

static const uint16_t PLOG_LP_HOURLY_W[24] = {
    250, 220, 200, 200, 210, 250, 500, 900, 700, 400, 350, 400,
    600, 400, 350, 400, 600, 1100, 1500, 1300, 1000, 800, 600, 350,
};

/* Largest growth of a counter in one period of @p period_min minutes at Imax (rounded up). */
static inline uint64_t plog_lp_max_step(uint32_t period_min)
{
    return ((uint64_t)PLOG_LP_IMAX_W * period_min + 59u) / 60u;
}

/* The load profile's definition: @p channels counters (1, 2 or 4), one entry per period. */
static inline void plog_lp_def(struct omp_plog_def *def, unsigned channels, uint32_t period_min)
{
    memset(def, 0, sizeof *def);
    def->tag = PLOG_LP_TAG;
    def->columns = (uint8_t)channels;
    def->period_s = period_min * 60u;
    for (unsigned k = 0; k < channels; k++) {
        def->kind[k] = OMP_PLOG_COUNTER;
        def->max_step[k] = plog_lp_max_step(period_min);
    }
}

/* The fewest sectors of @p geo's sector size and program unit whose guaranteed depth
 * (omp_plog_capacity) is >= @p entries; 0 if an entry does not fit a sector. */
static inline uint32_t plog_lp_sectors_for(const struct omp_plog_def *def,
                                           const struct omp_nvm_geometry *geo, uint32_t entries)
{
    uint32_t per = omp_plog_capacity(def, geo, 3u); /* one sector's worth */
    if (per == 0u) {
        return 0u;
    }
    uint32_t s = (entries + per - 1u) / per + 2u;
    while (s > 3u && omp_plog_capacity(def, geo, s - 1u) >= entries) {
        s--;
    }
    while (omp_plog_capacity(def, geo, s) < entries) {
        s++;
    }
    return s;
}

struct plog_lp_gen {
    uint32_t x;                  /* LCG state */
    uint32_t period_s;
    unsigned channels;
    struct omp_plog_entry e;     /* the entry last made */
    uint64_t frac_mwh[4];        /* fractions of a Wh (varh) not yet on the registers */
};

static inline uint32_t plog_lp_rnd(struct plog_lp_gen *g)
{
    g->x = g->x * 1103515245u + 12345u;
    return g->x >> 8;
}

static inline void plog_lp_gen_init(struct plog_lp_gen *g, unsigned channels, uint32_t period_min)
{
    memset(g, 0, sizeof *g);
    g->x = 1u;
    g->period_s = period_min * 60u;
    g->channels = channels;
    g->e.t = PLOG_LP_T0; /* the first entry closes the first period after T0 */
    /* registers of a meter that has run for some years: A+ 40 MWh, R+ 9 Mvarh, R- 0.2 Mvarh */
    static const int64_t k_start[4] = { 40000000, 0, 9000000, 200000 };
    for (unsigned k = 0; k < channels; k++) {
        g->e.v[k] = k_start[k];
    }
}

/* The next period's entry into @p out. */
static inline void plog_lp_next(struct plog_lp_gen *g, struct omp_plog_entry *out)
{
    uint32_t hour = (uint32_t)((g->e.t % 86400) / 3600);
    uint64_t p_w = (uint64_t)PLOG_LP_HOURLY_W[hour] * (60u + plog_lp_rnd(g) % 81u) / 100u;
    if (plog_lp_rnd(g) % 8u == 0u) {
        p_w += 2000u; /* kettle, oven, washing machine */
    }
    uint64_t w[4];
    w[0] = p_w;                                   /* A+ */
    w[1] = 0;                                     /* A-: no export */
    w[2] = p_w * 3u / 10u + 40u;                  /* R+ */
    w[3] = hour < 6u ? plog_lp_rnd(g) % 31u : 0u; /* R- */
    g->e.t += (omp_time_s)g->period_s;
    for (unsigned k = 0; k < g->channels; k++) {
        uint64_t mwh = g->frac_mwh[k] + w[k] * g->period_s * 1000u / 3600u;
        g->e.v[k] += (int64_t)(mwh / 1000u);
        g->frac_mwh[k] = mwh % 1000u;
    }
    g->e.status = 0;
    g->e.quality = 0;
    *out = g->e;
}

/* Append @p n entries of @p g to @p l. */
static inline omp_err plog_lp_fill(struct omp_plog *l, struct plog_lp_gen *g, uint32_t n)
{
    omp_err err = OMP_OK;
    for (uint32_t i = 0; i < n && err == OMP_OK; i++) {
        struct omp_plog_entry e;
        plog_lp_next(g, &e);
        err = omp_plog_append(l, &e);
    }
    return err;
}

/* Read @p n entries from number @p first: one seek, then n x omp_plog_next. @p sink gets a sum of
 * what was read (so nothing is optimised away). */
static inline omp_err plog_lp_read(const struct omp_plog *l, uint32_t first, uint32_t n,
                                   int64_t *sink)
{
    struct omp_plog_cursor c;
    omp_err err = omp_plog_seek(l, first, &c);
    for (uint32_t i = 0; i < n && err == OMP_OK; i++) {
        struct omp_plog_entry e;
        uint32_t no;
        err = omp_plog_next(l, &c, &e, &no);
        if (err == OMP_OK) {
            *sink += e.v[0] + (int64_t)no;
        }
    }
    return err;
}

#endif /* OMNIPOWER_BENCH_PLOG_PROFILE_H */

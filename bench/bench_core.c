/*
 * Instruction-count benchmark of the core, the metrology engine and the meter's per-sample path.
 *
 *   bench_core list              names of the cases
 *   bench_core CASE N            run CASE N times inside bench_measured*() (what callgrind counts)
 *   bench_core sizes             static RAM of the contexts, in bytes
 *
 * bench/run.sh runs each case under `valgrind --tool=callgrind --toggle-collect='bench_measured*'`
 * and divides the instruction count by the work done (bytes, calls, samples). Setup happens
 * outside bench_measured*() and is not counted. A case that decides at run time how much work it
 * measured prints "units U" (and "pairs P") on stdout; run.sh then divides by U.
 *
 * Metrology: a realistic block, 230 V / 10 A rms at PF 0.5 lagging, 50 Hz at 8000 Hz, 24-bit
 * codes of the default front end, in blocks of METRO_BLOCK pairs. Each block is first run on a
 * scratch copy of the engine (not measured) to learn whether it closes a mains cycle; then on the
 * engine itself through bench_measured_metro() only if it belongs to the case's kind:
 *   metro_samples_plain   blocks without a cycle end: instructions per sample pair
 *   metro_cycle_blocks    blocks with one: run.sh subtracts their pairs at the plain rate and
 *                         divides by the cycles: instructions per cycle end (by difference)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omnipower/hal_fakes.h>
#include <omnipower/omnipower.h>

enum { BUF_LEN = 1024, PAIRS = 160, METRO_BLOCK = 32, METRO_SECONDS = 1 };

struct bench_state {
    uint8_t buf[BUF_LEN];
    int32_t samples[2 * PAIRS]; /* one 50 Hz cycle at 8000 Hz, PF 0.5L */
    struct omp_fake_board board;
    uint8_t nvm_mem[64u * 1024u];
    struct omp_meter meter;
    struct omp_metro metro;
    struct omp_metro scratch;
    volatile uint32_t sink;
};

typedef void (*bench_fn)(struct bench_state *s);

static void case_crc16(struct bench_state *s) { s->sink += omp_crc16_x25(s->buf, BUF_LEN); }
static void case_crc32(struct bench_state *s) { s->sink += omp_crc32(s->buf, BUF_LEN); }

static void case_time_to_dt(struct bench_state *s)
{
    struct omp_datetime dt;
    if (omp_time_to_datetime((omp_time_s)1795521600 + (omp_time_s)s->sink, &dt) == OMP_OK) {
        s->sink += dt.day;
    }
}

static void case_iso8601(struct bench_state *s)
{
    static const char txt[] = "2026-11-24T12:34:56+01:00";
    omp_time_s t = 0;
    if (omp_iso8601_parse(txt, sizeof txt - 1u, &t) == OMP_OK) {
        s->sink += (uint32_t)t;
    }
}

static void case_meter_samples(struct bench_state *s)
{
    omp_meter_on_samples(&s->meter, s->samples, PAIRS);
}

static void case_metro_cycle(struct bench_state *s)
{
    struct omp_metro_events ev;
    omp_metro_on_samples(&s->metro, s->samples, PAIRS, &ev);
    struct omp_cycle c;
    while (omp_metro_cycle_pop(&s->metro, &c) == OMP_OK) {
        s->sink += c.seq;
    }
}

struct bench_case {
    const char *name;
    bench_fn fn;
    unsigned per_call; /* units of work per call, for the report */
    const char *unit;
};

static const struct bench_case k_cases[] = {
    { "crc16_x25_1k", case_crc16, BUF_LEN, "byte" },
    { "crc32_1k", case_crc32, BUF_LEN, "byte" },
    { "time_to_datetime", case_time_to_dt, 1, "call" },
    { "iso8601_parse", case_iso8601, 1, "call" },
    { "meter_on_samples_160", case_meter_samples, PAIRS, "sample pair" },
    { "metro_on_samples_160", case_metro_cycle, PAIRS, "sample pair (incl. 1 cycle end, pop)" },
    { "metro_samples_plain", NULL, 0, "sample pair (no cycle end)" },
    { "metro_cycle_blocks", NULL, 0, "cycle end (raw: block incl. its pairs)" },
};

__attribute__((noinline)) void bench_measured_metro(struct omp_metro *m, const int32_t *vi,
                                                    size_t n, struct omp_metro_events *ev);
__attribute__((noinline)) void bench_measured_metro(struct omp_metro *m, const int32_t *vi,
                                                    size_t n, struct omp_metro_events *ev)
{
    omp_metro_on_samples(m, vi, n, ev);
}

/* The split metrology cases: N passes over METRO_SECONDS of signal, block by block. */
static void run_metro_split(struct bench_state *s, bool want_cycle_end, unsigned long n)
{
    unsigned long units = 0, pairs = 0;
    const unsigned blocks = METRO_SECONDS * 8000u / METRO_BLOCK;
    for (unsigned long pass = 0; pass < n; pass++) {
        for (unsigned b = 0; b < blocks; b++) {
            const int32_t *blk = s->samples + 2u * ((b * METRO_BLOCK) % PAIRS);
            struct omp_metro_events ev;
            s->scratch = s->metro;
            omp_metro_on_samples(&s->scratch, blk, METRO_BLOCK, &ev);
            bool closes = ev.cycles != 0u;
            if (closes == want_cycle_end) {
                bench_measured_metro(&s->metro, blk, METRO_BLOCK, &ev);
                units += want_cycle_end ? ev.cycles : METRO_BLOCK;
                pairs += METRO_BLOCK;
            } else {
                omp_metro_on_samples(&s->metro, blk, METRO_BLOCK, &ev);
            }
            struct omp_cycle c;
            while (omp_metro_cycle_pop(&s->metro, &c) == OMP_OK) {
                s->sink += c.seq;
            }
        }
    }
    printf("units %lu\npairs %lu\n", units, pairs);
}

__attribute__((noinline)) void bench_measured(const struct bench_case *c, struct bench_state *s,
                                              unsigned long n);
__attribute__((noinline)) void bench_measured(const struct bench_case *c, struct bench_state *s,
                                              unsigned long n)
{
    for (unsigned long i = 0; i < n; i++) {
        c->fn(s);
    }
}

static int setup(struct bench_state *s)
{
    for (size_t i = 0; i < BUF_LEN; i++) {
        s->buf[i] = (uint8_t)(i * 7u + 3u);
    }
    /* one cycle of 230 V / 10 A, current lagging 60 deg, default front end codes; the phase is
     * offset a little so no sample sits exactly on the zero crossing */
    const double two_pi = 6.283185307179586;
    const double vp = 230.0 * sqrt(2.0) / (600.0 / 8388608.0);
    const double ip = 10.0 * sqrt(2.0) / (120.0 / 8388608.0);
    for (size_t i = 0; i < PAIRS; i++) {
        double th = two_pi * ((double)i + 0.3) / (double)PAIRS;
        s->samples[2u * i] = (int32_t)lround(vp * sin(th));
        s->samples[2u * i + 1u] = (int32_t)lround(ip * sin(th - two_pi / 6.0));
    }
    struct omp_nvm_geometry geo = { sizeof s->nvm_mem, 4096u, 4u, 0xFFu, 100000u };
    if (omp_fake_board_init(&s->board, s->nvm_mem, &geo, NULL, 1795521600) != OMP_OK) {
        return 1;
    }
    struct omp_hal hal = omp_fake_board_hal(&s->board);
    struct omp_meter_cfg cfg;
    omp_meter_cfg_default(&cfg);
    if (omp_meter_init(&s->meter, &hal, &cfg, &s->board.clock.now) != OMP_OK) {
        return 1;
    }
    struct omp_metro_cfg mc;
    omp_metro_cfg_default(&mc);
    mc.fs_hz = 8000u;
    mc.mains_hz = 50u;
    if (omp_metro_init(&s->metro, &mc, &cfg.cal, NULL) != OMP_OK) {
        return 1;
    }
    /* warm-up, not measured: two seconds, so DC estimates and the starting gate have settled */
    for (unsigned k = 0; k < 100u; k++) {
        case_metro_cycle(s);
        omp_meter_on_samples(&s->meter, s->samples, PAIRS);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "list") == 0) {
        for (size_t i = 0; i < OMP_ARRAY_LEN(k_cases); i++) {
            printf("%s %u %s\n", k_cases[i].name, k_cases[i].per_call, k_cases[i].unit);
        }
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "sizes") == 0) {
        printf("sizeof(struct omp_metro) %zu\n", sizeof(struct omp_metro));
        printf("sizeof(struct omp_meter) %zu\n", sizeof(struct omp_meter));
        printf("sizeof(struct omp_meter_hdlc) %zu\n", sizeof(struct omp_meter_hdlc));
        printf("sizeof(struct omp_registers) %zu\n", sizeof(struct omp_registers));
        printf("sizeof(struct omp_tariff) %zu\n", sizeof(struct omp_tariff));
        printf("sizeof(struct omp_store) %zu\n", sizeof(struct omp_store));
        printf("sizeof(struct omp_nvm_log) %zu\n", sizeof(struct omp_nvm_log));
        printf("sizeof(struct omp_cycle) %zu\n", sizeof(struct omp_cycle));
        printf("sizeof(struct omp_rd) %zu\n", sizeof(struct omp_rd));
        printf("sizeof(struct omp_wr) %zu\n", sizeof(struct omp_wr));
        return 0;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: bench_core list | sizes | CASE N\n");
        return 2;
    }
    static struct bench_state state;
    if (setup(&state) != 0) {
        fprintf(stderr, "bench_core: setup failed\n");
        return 1;
    }
    unsigned long n = strtoul(argv[2], NULL, 10);
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_cases); i++) {
        if (strcmp(argv[1], k_cases[i].name) == 0) {
            if (k_cases[i].fn == NULL) {
                run_metro_split(&state, strcmp(argv[1], "metro_cycle_blocks") == 0, n);
            } else {
                bench_measured(&k_cases[i], &state, n);
            }
            return 0;
        }
    }
    fprintf(stderr, "bench_core: unknown case %s\n", argv[1]);
    return 2;
}

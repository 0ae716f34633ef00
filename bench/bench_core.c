/*
 * Instruction-count benchmark of the core and the meter's per-sample path.
 *
 *   bench_core list              names of the cases
 *   bench_core CASE N            run CASE N times inside bench_measured() (what callgrind counts)
 *   bench_core sizes             static RAM of the contexts, in bytes
 *
 * bench/run.sh runs each case under `valgrind --tool=callgrind --toggle-collect=bench_measured`
 * and divides the instruction count by the work done (bytes, calls, samples). Setup happens
 * outside bench_measured() and is not counted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omnipower/hal_fakes.h>
#include <omnipower/omnipower.h>

enum { BUF_LEN = 1024, PAIRS = 160 };

struct bench_state {
    uint8_t buf[BUF_LEN];
    int32_t samples[2 * PAIRS];
    struct omp_fake_board board;
    uint8_t nvm_mem[64u * 1024u];
    struct omp_meter meter;
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
};

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
    /* a 50 Hz-ish triangle pair; content does not change the per-sample path's instruction count */
    for (size_t i = 0; i < PAIRS; i++) {
        int32_t ramp = (int32_t)(i % 80u) * 50000 - 2000000;
        s->samples[2u * i] = ramp * 2;
        s->samples[2u * i + 1u] = ramp / 4;
    }
    struct omp_nvm_geometry geo = { sizeof s->nvm_mem, 4096u, 4u, 0xFFu, 100000u };
    if (omp_fake_board_init(&s->board, s->nvm_mem, &geo, NULL, 1795521600) != OMP_OK) {
        return 1;
    }
    struct omp_hal hal = omp_fake_board_hal(&s->board);
    struct omp_meter_cfg cfg;
    omp_meter_cfg_default(&cfg);
    return omp_meter_init(&s->meter, &hal, &cfg, &s->board.clock.now) == OMP_OK ? 0 : 1;
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
        printf("sizeof(struct omp_meter) %zu\n", sizeof(struct omp_meter));
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
            bench_measured(&k_cases[i], &state, n);
            return 0;
        }
    }
    fprintf(stderr, "bench_core: unknown case %s\n", argv[1]);
    return 2;
}

/*
 * Instruction-count benchmark of the power-quality engine (lib/pq, issue #15: C2, C3).
 *
 *   bench_pq list           names of the cases: "NAME PER UNIT" (PER 0: the case prints "units U")
 *   bench_pq CASE N         run CASE N times inside bench_measured_pq*() (what callgrind counts)
 *   bench_pq sizes          static RAM of the context, the output, and all of power quality
 *                           in a meter (struct omp_meter_pq), in bytes
 *
 * Signal: 230 V with the EN 50160 table spectrum at THD 8 % and 10 A at PF 0.5L, 50 Hz, from one
 * precomputed cycle (the cost does not depend on the content), default front end full scales. The
 * metrology engine runs beside PQ (not measured) to make the cycle records, as in a meter:
 *   pq_samples_8k    omp_pq_on_samples in blocks of 32 pairs: instructions per sample pair
 *   pq_window_8k     omp_pq_process for the 10 cycle records of a window (fs 8000, h_max 40):
 *                    instructions per 10-cycle window (C2: <= 0.5 M on the Cortex-M4)
 *   pq_window_4k     the same at fs 4000 (h_max 39)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omnipower/meter.h>
#include <omnipower/metrology.h>
#include <omnipower/pq.h>

enum { MAX_SPC = 160, BLOCK = 32 };

struct bench_state {
    uint32_t fs, spc;
    int32_t cycle[2 * MAX_SPC];
    struct omp_metro metro;
    struct omp_pq pq;
    volatile uint32_t sink;
};

static const double k_table[26] = {0, 0, 2.0, 5.0, 1.0, 6.0, 0.5, 5.0, 0.5, 1.5, 0.5, 3.5, 0.5,
                                   3.0, 0.5, 0.5, 0.5, 2.0, 0.5, 1.5, 0.5, 0.5, 0.5, 1.5, 0.5, 1.5};

static int setup(struct bench_state *s, uint32_t fs)
{
    memset(s, 0, sizeof *s);
    s->fs = fs;
    s->spc = fs / 50u;
    const double two_pi = 6.283185307179586;
    const double kv = 8388608.0 / 600.0, ki = 8388608.0 / 120.0;
    double s2 = 0.0;
    for (unsigned h = 2; h <= 25u; h++) {
        s2 += k_table[h] * k_table[h];
    }
    const double scale = 8.0 / sqrt(s2) / 100.0;
    for (uint32_t n = 0; n < s->spc; n++) {
        double th = two_pi * ((double)n + 0.3) / (double)s->spc;
        double u = sin(th);
        for (unsigned h = 2; h <= 25u; h++) {
            u += k_table[h] * scale * sin(h * th + 0.6 * h);
        }
        s->cycle[2u * n] = (int32_t)lround(230.0 * sqrt(2.0) * u * kv);
        s->cycle[2u * n + 1u] = (int32_t)lround(10.0 * sqrt(2.0) * sin(th - two_pi / 6.0) * ki);
    }
    struct omp_metro_cfg mc;
    struct omp_metro_cal cal;
    omp_metro_cfg_default(&mc);
    mc.fs_hz = fs;
    mc.mains_hz = 50u;
    omp_metro_cal_nominal(&cal, 600.0f, 120.0f);
    struct omp_pq_cfg pc;
    omp_pq_cfg_from_metro(&pc, &mc, &cal, 1795521600);
    if (omp_metro_init(&s->metro, &mc, &cal, NULL) != OMP_OK || omp_pq_init(&s->pq, &pc) != OMP_OK) {
        return 1;
    }
    return 0;
}

__attribute__((noinline)) void bench_measured_pq_samples(struct omp_pq *pq, const int32_t *vi,
                                                         size_t n);
__attribute__((noinline)) void bench_measured_pq_samples(struct omp_pq *pq, const int32_t *vi,
                                                         size_t n)
{
    omp_pq_on_samples(pq, vi, n);
}

__attribute__((noinline)) omp_err bench_measured_pq_process(struct omp_pq *pq,
                                                            const struct omp_cycle *c,
                                                            struct omp_pq_out *out);
__attribute__((noinline)) omp_err bench_measured_pq_process(struct omp_pq *pq,
                                                            const struct omp_cycle *c,
                                                            struct omp_pq_out *out)
{
    return omp_pq_process(pq, c, false, out);
}

/* @p cycles of signal in blocks; measures the sample path (@p samples) or the cycle processing.
 * The first 100 cycles (start-up of both engines) are not measured. */
static void run(struct bench_state *s, unsigned long cycles, bool samples)
{
    unsigned long units = 0, windows = 0;
    static struct omp_pq_out out;
    const unsigned long blocks = (cycles + 100u) * s->spc / BLOCK;
    for (unsigned long b = 0; b < blocks; b++) {
        const bool measure = b * BLOCK >= 100u * s->spc;
        const int32_t *blk = s->cycle + 2u * ((b * BLOCK) % s->spc);
        omp_metro_on_samples(&s->metro, blk, BLOCK, NULL);
        if (samples && measure) {
            bench_measured_pq_samples(&s->pq, blk, BLOCK);
            units += BLOCK;
        } else {
            omp_pq_on_samples(&s->pq, blk, BLOCK);
        }
        struct omp_cycle c;
        while (omp_metro_cycle_pop(&s->metro, &c) == OMP_OK) {
            omp_err e = !samples && measure ? bench_measured_pq_process(&s->pq, &c, &out)
                                            : omp_pq_process(&s->pq, &c, false, &out);
            s->sink += (uint32_t)e + out.have;
            if (!samples && measure) {
                units++;
                windows += (out.have & OMP_PQ_HAVE_INTERVAL) != 0u ? 1u : 0u;
            }
        }
    }
    if (samples) {
        printf("units %lu\n", units);
    } else {
        printf("units %lu\ncycles %lu\n", windows, units); /* per window: cycles / 10 */
    }
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "list") == 0) {
        printf("pq_samples_8k 0 sample pair (omp_pq_on_samples, blocks of 32)\n");
        printf("pq_window_8k 0 10-cycle window (omp_pq_process x 10, fs 8000, h 2..40)\n");
        printf("pq_window_4k 0 10-cycle window (omp_pq_process x 10, fs 4000, h 2..39)\n");
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "sizes") == 0) {
        printf("sizeof(struct omp_pq) %zu\n", sizeof(struct omp_pq));
        printf("sizeof(struct omp_pq_out) %zu\n", sizeof(struct omp_pq_out));
        printf("sizeof(struct omp_meter_pq) %zu\n", sizeof(struct omp_meter_pq));
        return 0;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: bench_pq list | sizes | CASE N\n");
        return 2;
    }
    static struct bench_state state;
    unsigned long n = strtoul(argv[2], NULL, 10); /* windows */
    const bool is4k = strcmp(argv[1], "pq_window_4k") == 0;
    if (setup(&state, is4k ? 4000u : 8000u) != 0) {
        fprintf(stderr, "bench_pq: setup failed\n");
        return 1;
    }
    if (strcmp(argv[1], "pq_samples_8k") == 0) {
        run(&state, 10u * n, true);
    } else if (strcmp(argv[1], "pq_window_8k") == 0 || is4k) {
        run(&state, 10u * n, false);
    } else {
        fprintf(stderr, "bench_pq: unknown case %s\n", argv[1]);
        return 2;
    }
    return 0;
}

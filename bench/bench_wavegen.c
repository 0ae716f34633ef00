/*
 * Speed of the test-bench waveform generator (hal/wavegen.c; wall clock, numbers only, never
 * pass/fail). The acceptance bench (tests/metro_harness.h) spends about half its time here, and
 * hal_wavegen.h promises at least 20 M pairs/s for a sine pair with noise in an optimised build:
 *
 *   bench_wavegen [SECONDS]   run each case for about SECONDS (default 0.5), print M pairs/s
 *
 * Cases: a sine pair through the spec's front-end model (offsets, gains, lag, -90 dBFS noise);
 * the same with ideal codes; a half-wave rectified current (the integrating ADC model of shaped
 * channels: direct evaluation).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "omnipower/hal_wavegen.h"

#define CHUNK 4096u

static double now_s(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static volatile int32_t g_sink;
static int32_t g_buf[2u * CHUNK];

/* Fill chunks for about @p seconds; prints and returns M pairs per second. */
static double run(struct omp_wave *w, double seconds, const char *name)
{
    uint64_t pairs = 0;
    const double t0 = now_s();
    double dt = 0.0;
    do {
        for (unsigned k = 0; k < 16u; k++) {
            omp_wave_fill(w, g_buf, CHUNK);
            g_sink = g_buf[0];
        }
        pairs += 16u * CHUNK;
        dt = now_s() - t0;
    } while (dt < seconds);
    const double rate = (double)pairs / dt * 1e-6;
    printf("%-28s %8.1f M pairs/s\n", name, rate);
    return rate;
}

int main(int argc, char **argv)
{
    const double seconds = argc > 1 ? strtod(argv[1], NULL) : 0.5;
    if (!(seconds > 0.0)) {
        fprintf(stderr, "usage: %s [SECONDS]\n", argv[0]);
        return 2;
    }
    struct omp_adc_model m;
    omp_adc_model_spec(&m);
    static struct omp_wave w;
    printf("wavegen (hal/wavegen.c), 8000 Hz, 230 V / 5 A PF 0.5L, wall clock:\n");
    omp_wave_init_sine(&w, 8000.0, 50.0, 230.0f, 5.0f, 60.0f, &m);
    (void)run(&w, seconds, "wave_sine_front_end");
    omp_wave_init_sine(&w, 8000.0, 50.0, 230.0f, 5.0f, 60.0f, NULL);
    (void)run(&w, seconds, "wave_sine_ideal");
    w.i.shape = OMP_WAVE_SHAPE_HALF_WAVE;
    (void)run(&w, seconds, "wave_half_wave_ideal");
    return 0;
}

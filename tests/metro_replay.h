/*
 * Replay of whole recordings through the metrology engine (shared by test_metrology_replay.c and
 * test_metrology_replay_slow.c): a recording of any length, starting at any phase, is fed to a
 * fresh engine and flushed at its end (omp_metro_flush, as the meter does at the power-fail
 * warning); the registers must then hold the energy of the recording.
 *
 * Truth, independent of the engine: the generator's channels are sums of sines
 * u = sum_m sqrt2 U_m sin(h_m w t + a_m), i = sum_n sqrt2 I_n sin(h_n w t + b_n) (hal_wavegen.h),
 * and a recording of N samples at fs holds the energy of T = N / fs, each sample standing for
 * the sample period centred on it (sample n at n / fs covers [n - 1/2, n + 1/2] / fs: the
 * midpoint rule, exact to O(1/fs^2) for these band-limited signals). Active energy is then the
 * closed-form integral of u i over [t_a, t_b] = [-1/2, N - 1/2] / fs,
 *   sum_m sum_n U_m I_n [C(h_m - h_n, a_m - b_n) - C(h_m + h_n, a_m + b_n)],
 *   C(h, g) = integral of cos(h w t + g) over [t_a, t_b] = (t_b - t_a) cos g (h = 0),
 *             (sin(h w t_b + g) - sin(h w t_a + g)) / (h w);
 * reactive energy is Q1 T (the engine's definition, IEC 62053-24) and apparent energy Urms Irms T,
 * all from the amplitudes and phases. Allowed: 0.01 % plus the energy of one sample at the
 * largest instantaneous power (the engine's delay line still holds the recording's last sample).
 * That alone would let a lost cycle pass in 10 min (0.0033 %), so each register must also be
 * within 1.5 samples plus 1e-6 (the float roundings of the per-cycle energies: measured <= 5e-7
 * over 10 min); before omp_metro_flush the engine lost 12..80 samples in most cases.
 */
#ifndef OMP_TESTS_METRO_REPLAY_H
#define OMP_TESTS_METRO_REPLAY_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "omnipower/hal_wavegen.h"
#include "omnipower/metrology.h"

#define RP_PI 3.14159265358979323846
#define RP_REL 1e-4       /* 0.01 % */
#define RP_TIGHT_REL 1e-6 /* see the file comment */
#define RP_TIGHT_SAMPLES 1.5

/* Load shapes of the cases. */
enum rp_load {
    RP_PF1,      /* 10 A in phase */
    RP_PF05L,    /* 10 A lagging 60 deg */
    RP_EXPORT,   /* 5 A at 210 deg (export, capacitive) */
    RP_HARMONIC, /* U + 10 % h5; I 8 A + 40 % h3 + 20 % h5 at their own phases, lagging 30 deg */
};

struct rp_case {
    uint32_t fs_hz;
    double seconds; /* recording length (whole and fractional numbers of cycles) */
    double start_deg; /* voltage phase at the first sample */
    enum rp_load load;
    bool offsets;   /* front end with +0.1 % FS DC offsets on both channels (else ideal codes) */
};

struct rp_truth {
    double p_wh, q_varh, s_vah; /* signed active and reactive, apparent */
    double sample_wh;           /* energy of one sample at the largest instantaneous power */
};

struct rp_result {
    struct omp_metro_energy e;
    double p_wh, q_varh, s_vah; /* net registers: A+ - A-, R+ - R-, E+ + E- */
    uint64_t pulses[OMP_METRO_PULSE_COUNT];
};

static void rp_setup(struct omp_wave *w, const struct rp_case *c)
{
    struct omp_adc_model adc;
    omp_adc_model_spec(&adc);
    adc.v_gain_err = 0.0f;
    adc.i_gain_err = 0.0f;
    adc.i_lag_deg = 0.0f;
    adc.noise_dbfs = -300.0f;
    const float a = (float)c->start_deg;
    switch (c->load) {
    case RP_PF1: omp_wave_init_sine(w, c->fs_hz, 50.0, 230.0f, 10.0f, 0.0f, NULL); break;
    case RP_PF05L: omp_wave_init_sine(w, c->fs_hz, 50.0, 230.0f, 10.0f, 60.0f, NULL); break;
    case RP_EXPORT: omp_wave_init_sine(w, c->fs_hz, 50.0, 230.0f, 5.0f, 210.0f, NULL); break;
    case RP_HARMONIC:
    default:
        omp_wave_init_sine(w, c->fs_hz, 50.0, 230.0f, 8.0f, 30.0f, NULL);
        w->v.comp[1] = (struct omp_wave_component){ 5.0f, 23.0f, 40.0f };
        w->v.n_comp = 2u;
        w->i.comp[1] = (struct omp_wave_component){ 3.0f, 3.2f, -70.0f };
        w->i.comp[2] = (struct omp_wave_component){ 5.0f, 1.6f, 10.0f };
        w->i.n_comp = 3u;
        break;
    }
    /* start at phase a: every component's phase at t = 0 moves by its order times a */
    for (uint32_t k = 0; k < w->v.n_comp; k++) {
        w->v.comp[k].phase_deg += w->v.comp[k].order * a;
    }
    for (uint32_t k = 0; k < w->i.n_comp; k++) {
        w->i.comp[k].phase_deg += w->i.comp[k].order * a;
    }
    if (c->offsets) {
        adc.v_full_scale_v = w->adc.v_full_scale_v;
        adc.i_full_scale_a = w->adc.i_full_scale_a;
        w->adc = adc;
        w->adc_on = true;
    }
}

/* integral over [ta, tb] of cos(h w x + g) */
static double rp_cos_int(double h, double w, double g, double ta, double tb)
{
    if (h == 0.0) {
        return (tb - ta) * cos(g);
    }
    return (sin(h * w * tb + g) - sin(h * w * ta + g)) / (h * w);
}

/* The energies of a recording of @p n samples from the generator's parameters (float parameters
 * read as floats). */
static void rp_truth(const struct omp_wave *w, uint64_t n_samples, struct rp_truth *out)
{
    const double d2r = RP_PI / 180.0, om = 2.0 * RP_PI * w->f0_hz;
    const double ta = -0.5 / w->fs_hz, tb = ((double)n_samples - 0.5) / w->fs_hz, t_s = tb - ta;
    double p_j = 0.0, q1 = 0.0, uu = 0.0, ii = 0.0, upk = 0.0, ipk = 0.0;
    for (uint32_t m = 0; m < w->v.n_comp; m++) {
        const struct omp_wave_component *cu = &w->v.comp[m];
        uu += (double)cu->rms * (double)cu->rms;
        upk += sqrt(2.0) * (double)cu->rms;
        for (uint32_t n = 0; n < w->i.n_comp; n++) {
            const struct omp_wave_component *ci = &w->i.comp[n];
            const double hu = cu->order, hi = ci->order, a = cu->phase_deg * d2r,
                         b = ci->phase_deg * d2r, ui = (double)cu->rms * (double)ci->rms;
            p_j += ui * (rp_cos_int(hu - hi, om, a - b, ta, tb) - rp_cos_int(hu + hi, om, a + b, ta, tb));
            if (m == 0u && n == 0u) {
                q1 = ui * sin(a - b); /* current lagging: b < a, Q1 > 0 */
            }
        }
    }
    for (uint32_t n = 0; n < w->i.n_comp; n++) {
        ii += (double)w->i.comp[n].rms * (double)w->i.comp[n].rms;
        ipk += sqrt(2.0) * (double)w->i.comp[n].rms;
    }
    out->p_wh = p_j / 3600.0;
    out->q_varh = q1 * t_s / 3600.0;
    out->s_vah = sqrt(uu * ii) * t_s / 3600.0;
    out->sample_wh = upk * ipk / w->fs_hz / 3600.0;
}

/* Feed the whole recording in blocks of 10 ms, flush, read the registers. */
static void rp_run(const struct rp_case *c, struct omp_wave *w, struct rp_result *r)
{
    struct omp_metro m;
    struct omp_metro_cfg cfg;
    struct omp_metro_cal cal;
    omp_metro_cfg_default(&cfg);
    cfg.fs_hz = c->fs_hz;
    cfg.mains_hz = 50u;
    omp_metro_cal_nominal(&cal, w->adc.v_full_scale_v, w->adc.i_full_scale_a);
    memset(r, 0, sizeof *r);
    if (omp_metro_init(&m, &cfg, &cal, NULL) != OMP_OK) {
        return;
    }
    static int32_t vi[2u * 320u];
    const uint64_t n = (uint64_t)llround(c->seconds * (double)c->fs_hz);
    const size_t blk = c->fs_hz / 100u;
    struct omp_metro_events ev;
    for (uint64_t done = 0; done < n;) {
        const size_t k = (size_t)(n - done < blk ? n - done : blk);
        omp_wave_fill(w, vi, k);
        omp_metro_on_samples(&m, vi, k, &ev);
        r->pulses[0] += ev.pulses[0];
        r->pulses[1] += ev.pulses[1];
        struct omp_cycle cyc;
        while (omp_metro_cycle_pop(&m, &cyc) == OMP_OK) {
        }
        done += k;
    }
    omp_metro_flush(&m, &ev);
    r->pulses[0] += ev.pulses[0];
    r->pulses[1] += ev.pulses[1];
    omp_metro_energy_get(&m, &r->e);
    r->p_wh = ((double)r->e.a_plus_uwh - (double)r->e.a_minus_uwh) * 1e-6;
    r->q_varh = ((double)r->e.r_plus_uvarh - (double)r->e.r_minus_uvarh) * 1e-6;
    r->s_vah = ((double)r->e.e_plus_uvah + (double)r->e.e_minus_uvah) * 1e-6;
}

static const char *const rp_load_name[] = { "PF 1", "PF 0.5L", "export 210 deg", "harmonics" };

/* One case: 0 if every register is within 0.01 % plus one sample; prints the errors. */
static int rp_check(const struct rp_case *c)
{
    struct omp_wave w;
    rp_setup(&w, c);
    struct rp_truth t;
    rp_truth(&w, (uint64_t)llround(c->seconds * (double)c->fs_hz), &t);
    struct rp_result r;
    rp_run(c, &w, &r);
    const double got[3] = { r.p_wh, r.q_varh, r.s_vah };
    const double want[3] = { t.p_wh, t.q_varh, t.s_vah };
    static const char *const what[3] = { "P", "Q1", "S" };
    int bad = 0;
    printf("[ replay   ] fs %5u %7.3f s start %5.1f deg %-14s%s:", (unsigned)c->fs_hz, c->seconds,
           c->start_deg, rp_load_name[c->load], c->offsets ? " +DC" : "");
    for (unsigned k = 0; k < 3u; k++) {
        const double err = got[k] - want[k];
        const double tol = RP_REL * fabs(want[k]) + t.sample_wh;
        const double tight = RP_TIGHT_REL * fabs(want[k]) + RP_TIGHT_SAMPLES * t.sample_wh;
        printf(" %s %+.5f %% (%+.2f samples)", what[k],
               err / (want[k] != 0.0 ? fabs(want[k]) : t.s_vah) * 100.0, err / t.sample_wh);
        if (!(fabs(err) <= tol) || !(fabs(err) <= tight)) {
            bad = 1;
        }
    }
    printf("%s\n", bad ? "  FAIL" : "");
    return bad;
}

#endif /* OMP_TESTS_METRO_REPLAY_H */

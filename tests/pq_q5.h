/*
 * Q5 of the metrology and power-quality spec (§4): dips, swells and interruptions through the
 * public API. The generator (hal_wavegen) makes a 230 V 50 Hz sine with an envelope step to u Udin
 * for a given duration, starting at a given phase of the fundamental; the metrology engine turns
 * the codes into cycle records; the PQ event detector turns those into events. Shared by
 * tests/test_pq_event_q5.c (representative points) and tests/test_pq_event_slow.c (the grid).
 *
 * Truth (never a run of the code under test): the IEC 61000-4-30 Urms(1/2) of the generator's
 * analytic signal. With f = 50 Hz and phase 0 at t = 0 the zero crossings are at k * 10 ms, so
 * the refresh k covers [k T/2 - T, k T/2] and its mean square is the closed-form integral of
 * (env(t) U sqrt2 sin(w t))^2, env = u inside the step and 1 outside. From these values the
 * ideal event follows: start at the first refresh below 90 % (above 110 %), end at the first
 * refresh at or above 92 % (at or below 108 %), residual = lowest (maximum = highest) value.
 *
 * Checks per point (spec Q5):
 *   - an event iff the truth has one (skipped when the truth's extreme is within 0.3 % Udin of
 *     the threshold, where the rounding of either may decide);
 *   - the event is raised at the truth's first crossing refresh (+-2 samples: the engine's voltage
 *     delay line), and onset-to-event <= T 0.19 / (1 - u^2) + T/2 for dips and interruptions
 *     (the spec), T 0.21 / (u^2 - 1) + T/2 for swells (the same derivation with 110 %: the
 *     fraction x of the window at u that brings the mean square to 1.21);
 *   - duration within one cycle (20 ms, class A) of the truth's duration (the ideal instrument's:
 *     it differs from the step's by the one-cycle window's smearing, up to about 1.5 cycles);
 *     residual / maximum within 0.2 % Udin (0.46 V) of the truth's;
 *   - the EN 50160 cell of the truth's duration and residual (spec §2.3 table, coded again here
 *     independently of lib/pq); where the truth's duration lies within one cycle of a column edge,
 *     either neighbouring column is accepted.
 * Front end: the spec's noise only (q5_adc); its gain and offset errors would need the metrology
 * bench's calibration, which is tested there; here the event logic and timing are under test.
 */
#ifndef OMNIPOWER_TESTS_PQ_Q5_H
#define OMNIPOWER_TESTS_PQ_Q5_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "omnipower/hal_wavegen.h"
#include "omnipower/metrology.h"
#include "omnipower/pq_event.h"

#define Q5_UDIN         230.0
#define Q5_F            50.0
#define Q5_T            0.02
#define Q5_ONSET_S      1.0 /* a rising zero crossing (cycle 50) */
#define Q5_PI           3.14159265358979323846
#define Q5_FULL_SCALE_V 400.0 /* generator's ideal codes: 400 V peak at 2^23 */

struct q5_point {
    uint32_t fs_hz;
    double u;         /* step level, fraction of Udin */
    double dur_s;     /* step duration */
    double phase_deg; /* onset phase of the fundamental */
};

struct q5_truth {
    bool event;
    bool borderline; /* extreme within 0.3 % Udin of the start threshold */
    bool swell;
    double start_s, dur_s, level_v;
};

struct q5_meas {
    unsigned n_start, n_end; /* voltage-event notes */
    unsigned n_rvc;
    struct omp_pq_event first_start, ev;
    double start_s;
};

/* Integral of sin^2(w t) over [a, b]. */
static double q5_sin2(double a, double b)
{
    double w = 2.0 * Q5_PI * Q5_F;
    return (b - a) / 2.0 - (sin(2.0 * w * b) - sin(2.0 * w * a)) / (4.0 * w);
}

/* Mean square over whole cycles of A sin clipped at +-C (the codes saturate at the front end's
 * full scale, 400 V peak: a 125 % swell, 406.6 V peak, is clipped):
 * (1/pi) [A^2 (tc - sin(2 tc)/2) + (pi - 2 tc) C^2], tc = asin(C/A). */
static double q5_clipped_ms(double a_pk, double c)
{
    if (a_pk <= c) {
        return a_pk * a_pk / 2.0;
    }
    double tc = asin(c / a_pk);
    return (a_pk * a_pk * (tc - sin(2.0 * tc) / 2.0) + (Q5_PI - 2.0 * tc) * c * c) / Q5_PI;
}

/* Truth Urms(1/2) of the refresh ending at t (window [t - T, t]). */
static double q5_urms_half(const struct q5_point *p, double t)
{
    double a = t - Q5_T, b = t;
    double on = Q5_ONSET_S + p->phase_deg / 360.0 * Q5_T, off = on + p->dur_s;
    double pk = Q5_UDIN * sqrt(2.0), full_scale = Q5_FULL_SCALE_V;
    if (p->u * pk > full_scale && b > on && a < off) {
        if (a >= on && b <= off) {
            return sqrt(q5_clipped_ms(p->u * pk, full_scale));
        }
        /* a clipped window across an edge: midpoint rule, 8000 points */
        double ms = 0.0, w = 2.0 * Q5_PI * Q5_F;
        for (int k = 0; k < 8000; k++) {
            double tk = a + (k + 0.5) * Q5_T / 8000.0;
            double x = (tk >= on && tk < off ? p->u : 1.0) * pk * sin(w * tk);
            x = fmax(-full_scale, fmin(full_scale, x));
            ms += x * x / 8000.0;
        }
        return sqrt(ms);
    }
    double lo = a > on ? a : on, hi = b < off ? b : off;
    double inside = hi > lo ? q5_sin2(lo, hi) : 0.0;
    double all = q5_sin2(a, b);
    double ms = 2.0 * Q5_UDIN * Q5_UDIN * ((all - inside) + p->u * p->u * inside) / Q5_T;
    return sqrt(ms);
}

static void q5_truth(const struct q5_point *p, struct q5_truth *t)
{
    memset(t, 0, sizeof *t);
    t->swell = p->u > 1.0;
    double thr = Q5_UDIN * (t->swell ? 1.10 : 0.90), end_thr = Q5_UDIN * (t->swell ? 1.08 : 0.92);
    double extreme = Q5_UDIN;
    bool open = false;
    uint64_t k_end = (uint64_t)((Q5_ONSET_S + p->dur_s + 0.2) / (Q5_T / 2.0));
    for (uint64_t k = 2; k <= k_end; k++) {
        double tk = (double)k * Q5_T / 2.0, v = q5_urms_half(p, tk);
        bool beyond = t->swell ? v > thr : v < thr;
        bool back = t->swell ? v <= end_thr : v >= end_thr;
        if (!open && !t->event && beyond) {
            open = true;
            t->event = true;
            t->start_s = tk;
            extreme = v;
        } else if (open && back) {
            open = false;
            t->dur_s = tk - t->start_s;
        } else if (open) {
            extreme = t->swell ? fmax(extreme, v) : fmin(extreme, v);
        }
        if (!t->event) {
            extreme = t->swell ? fmax(extreme, v) : fmin(extreme, v);
        }
    }
    t->level_v = extreme;
    t->borderline = fabs(extreme - thr) < 0.003 * Q5_UDIN;
}

/* The spec's front end with its noise (-90 dBFS) only: no offset, gain error or lag, so the
 * nominal calibration is exact. The noise matters at u = 0: exact zero codes would hide the
 * zero crossing where the voltage returns. */
static void q5_adc(struct omp_adc_model *adc)
{
    omp_adc_model_spec(adc);
    adc->v_offset_fs = 0.0f;
    adc->i_offset_fs = 0.0f;
    adc->v_gain_err = 0.0f;
    adc->i_gain_err = 0.0f;
    adc->i_lag_deg = 0.0f;
}

/* Run the generator, the metrology engine and the detector over one point. */
static int q5_run(const struct q5_point *p, struct q5_meas *m)
{
    memset(m, 0, sizeof *m);
    struct omp_wave w;
    struct omp_adc_model adc;
    q5_adc(&adc);
    omp_wave_init_sine(&w, (double)p->fs_hz, Q5_F, (float)Q5_UDIN, 1.0f, 0.0f, &adc);
    double on = Q5_ONSET_S + p->phase_deg / 360.0 * Q5_T;
    w.v.steps[0] = (struct omp_wave_step){on, on + p->dur_s, (float)p->u};
    w.v.n_steps = 1u;
    struct omp_metro_cfg mc;
    omp_metro_cfg_default(&mc);
    mc.fs_hz = p->fs_hz;
    mc.mains_hz = 50u;
    struct omp_metro_cal cal;
    omp_metro_cal_nominal(&cal, 400.0f, 170.0f);
    static struct omp_metro metro; /* large: keep it off the stack of the test thread */
    if (omp_metro_init(&metro, &mc, &cal, NULL) != OMP_OK) {
        return -1;
    }
    struct omp_pq_ev_cfg ec;
    omp_pq_ev_cfg_default(&ec);
    ec.fs_hz = p->fs_hz;
    ec.mains_hz = 50u;
    struct omp_pq_ev d;
    if (omp_pq_ev_init(&d, &ec) != OMP_OK) {
        return -1;
    }
    const size_t block = p->fs_hz / 100u;
    int32_t buf[2u * 640u];
    uint64_t total = (uint64_t)((on + p->dur_s + 0.5) * (double)p->fs_hz);
    for (uint64_t n = 0; n < total; n += block) {
        omp_wave_fill(&w, buf, block);
        omp_metro_on_samples(&metro, buf, block, NULL);
        struct omp_cycle c;
        while (omp_metro_cycle_pop(&metro, &c) == OMP_OK) {
            struct omp_pq_ev_notes notes;
            omp_pq_ev_on_cycle(&d, &c, &notes);
            for (unsigned k = 0; k < notes.n; k++) {
                const struct omp_pq_event *e = &notes.ev[k];
                if (e->kind == OMP_PQ_EV_RVC) {
                    m->n_rvc++;
                } else if (notes.note[k] == OMP_PQ_NOTE_START) {
                    if (m->n_start++ == 0u) {
                        m->first_start = *e;
                    }
                } else {
                    if (m->n_end++ == 0u) {
                        m->ev = *e;
                    }
                }
            }
        }
    }
    m->start_s = ((double)m->first_start.start.sample - (double)m->first_start.start.frac) /
                 (double)p->fs_hz;
    return 0;
}

/* EN 50160 cell from the §2.3 tables, written out here (not lib/pq's code): "C3", "-" ... */
static void q5_cell(bool swell, double t, double u_pct, char out[3])
{
    static const double dip_edges[5] = {0.2, 0.5, 1.0, 5.0, 60.0};
    static const double swell_edges[3] = {0.5, 5.0, 60.0};
    const double *edges = swell ? swell_edges : dip_edges;
    int ncol = swell ? 3 : 5, col = -1;
    for (int i = 0; i < ncol && t >= 0.0095; i++) {
        if (t <= edges[i]) {
            col = i;
            break;
        }
    }
    char row;
    if (swell) {
        row = u_pct >= 120.0 ? 'S' : (u_pct > 110.0 ? 'T' : '?');
    } else {
        row = u_pct >= 80.0   ? 'A'
              : u_pct >= 70.0 ? 'B'
              : u_pct >= 40.0 ? 'C'
              : u_pct >= 5.0  ? 'D'
                              : 'X';
    }
    if (col < 0 || row == '?') {
        out[0] = '-';
        out[1] = '\0';
        return;
    }
    out[0] = row;
    out[1] = (char)('1' + col);
    out[2] = '\0';
}

/* Failed criteria, counted apart: level, cell and (at u = 0) timing, duration and kind failures
 * have known causes in the metrology engine (docs/pq-events.md "Q5 results"); the others must be
 * zero. */
struct q5_fails {
    unsigned presence; /* event iff the truth has one; one event, no RVC */
    unsigned timing;   /* raised at the truth's refresh; onset-to-event bound */
    unsigned duration; /* within one cycle of the step */
    unsigned kind;     /* dip / interruption / swell */
    unsigned level;    /* residual / maximum within 0.2 % Udin */
    unsigned cell;     /* EN 50160 cell */
    unsigned nocross;  /* u = 0: timing, duration and kind failures (no zero crossing: the
                          engine's pseudo-cycles, docs/pq-events.md "Q5 results") */
    double worst_onset_ms, worst_level_v;
};

#define Q5_FAIL(what, ...)                                                                         \
    do {                                                                                           \
        printf("q5 fs %u u %.2f dur %.3f ph %.0f: %s: ", p->fs_hz, p->u, p->dur_s, p->phase_deg,   \
               #what);                                                                             \
        printf(__VA_ARGS__);                                                                       \
        printf("\n");                                                                              \
        if (p->u == 0.0 &&                                                                         \
            (&f->what == &f->timing || &f->what == &f->duration || &f->what == &f->kind)) {        \
            f->nocross++;                                                                          \
        } else {                                                                                   \
            f->what++;                                                                             \
        }                                                                                          \
    } while (0)

/* Timing: the event is raised at the refresh where the truth first crosses (+-2 samples: the
 * engine's voltage delay line), or one refresh off when the truth at the measured refresh lies
 * within 1 % Udin of the threshold (a transition window: the step falls on a sample instant,
 * which the sampled signal cannot place to better than one sample, up to ~1 % of the mean square
 * at the peak at 4 kHz). With u = 0 there is no zero crossing: the refreshes are the engine's
 * pseudo-cycle, and only the spec's bound applies. */
static void q5_check_timing(const struct q5_point *p, const struct q5_truth *t,
                            const struct q5_meas *m, struct q5_fails *f)
{
    double on = Q5_ONSET_S + p->phase_deg / 360.0 * Q5_T;
    double bound = t->swell ? Q5_T * 0.21 / (p->u * p->u - 1.0) : Q5_T * 0.19 / (1.0 - p->u * p->u);
    bound += Q5_T / 2.0;
    double onset = m->start_s - on;
    if (onset * 1e3 > f->worst_onset_ms) {
        f->worst_onset_ms = onset * 1e3;
    }
    if (!(onset <= bound) || onset < 0.0) {
        Q5_FAIL(timing, "onset to event %.3f ms, bound %.3f ms", onset * 1e3, bound * 1e3);
    }
    if (p->u == 0.0 || fabs(m->start_s - t->start_s) <= 2.0 / (double)p->fs_hz) {
        return;
    }
    double t_ref = round(m->start_s / (Q5_T / 2.0)) * (Q5_T / 2.0);
    double thr = Q5_UDIN * (t->swell ? 1.10 : 0.90);
    if (fabs(t_ref - t->start_s) <= Q5_T / 2.0 + 1e-9 &&
        fabs(q5_urms_half(p, t_ref) - thr) <= 0.01 * Q5_UDIN) {
        return;
    }
    Q5_FAIL(timing, "raised at %.6f s, truth's first crossing refresh %.6f s", m->start_s,
            t->start_s);
}

/* Check one point, adding its failures to @p f (a line printed per failure). */
static void q5_check(const struct q5_point *p, struct q5_fails *f)
{
    struct q5_truth t;
    struct q5_meas m;
    q5_truth(p, &t);
    if (q5_run(p, &m) != 0) {
        Q5_FAIL(presence, "setup failed");
        return;
    }
    if (m.n_rvc != 0u) {
        Q5_FAIL(presence, "%u RVC events (a dip or swell is no RVC)", m.n_rvc);
    }
    if (t.borderline) {
        return;
    }
    if (!t.event) {
        if (m.n_start != 0u) {
            Q5_FAIL(presence, "event raised, none in the truth (extreme %.2f V)", t.level_v);
        }
        return;
    }
    if (m.n_end != 1u) {
        Q5_FAIL(presence, "%u events closed (starts %u), truth 1", m.n_end, m.n_start);
        return;
    }
    q5_check_timing(p, &t, &m, f);
    if (fabs((double)m.ev.duration_s - t.dur_s) > Q5_T + 1e-6) {
        Q5_FAIL(duration, "%.4f s, truth %.4f s (step %.4f s)", (double)m.ev.duration_s, t.dur_s,
                p->dur_s);
    }
    double dl = fabs((double)m.ev.level_v - t.level_v);
    if (dl > f->worst_level_v) {
        f->worst_level_v = dl;
    }
    if (dl > 0.002 * Q5_UDIN) {
        Q5_FAIL(level, "%.3f V, truth %.3f V", (double)m.ev.level_v, t.level_v);
    }
    uint8_t want = t.swell ? OMP_PQ_EV_SWELL
                           : (t.level_v < 0.05 * Q5_UDIN ? OMP_PQ_EV_INTERRUPTION : OMP_PQ_EV_DIP);
    if (m.ev.kind != want) {
        Q5_FAIL(kind, "%u, truth %u", m.ev.kind, want);
    }
    char c0[3], c1[3], c2[3];
    double u_pct = 100.0 * t.level_v / Q5_UDIN;
    q5_cell(t.swell, t.dur_s, u_pct, c0);
    q5_cell(t.swell, t.dur_s - Q5_T, u_pct, c1);
    q5_cell(t.swell, t.dur_s + Q5_T, u_pct, c2);
    const char *got = omp_pq_cell_name((enum omp_pq_cell)m.ev.cell);
    bool edge = strcmp(c1, c0) != 0 || strcmp(c2, c0) != 0;
    if (strcmp(got, c0) != 0 && !(edge && (strcmp(got, c1) == 0 || strcmp(got, c2) == 0))) {
        Q5_FAIL(cell, "%s, truth %s (duration %.4f s, residual %.2f %%)", got, c0, t.dur_s, u_pct);
    }
}
#undef Q5_FAIL

#endif /* OMNIPOWER_TESTS_PQ_Q5_H */

/*
 * Test rig of lib/pq (tests/test_pq*.c): the waveform generator (hal_wavegen.h, ideal 24-bit codes,
 * 600 V / 170 A full scale so 150 % of 230 V fits), the metrology engine and the PQ engine, fed
 * in blocks of fs/100 pairs; every cycle record is handed to omp_pq_process right after its block.
 * Expected values in the tests come from the generator's parameters and the spec, never from a run.
 *
 * Frequency steps: the generator's phase is 2 pi f0 t from t = 0, so rig_set_freq() changes f0 and
 * moves every component's phase by -order * 360 * (f_new - f_old) * t, which keeps the waveform's
 * phase continuous at the step (the step lands on a block boundary).
 */
#ifndef OMNIPOWER_TESTS_PQ_RIG_H
#define OMNIPOWER_TESTS_PQ_RIG_H

#include <math.h>
#include <string.h>

#include "omnipower/hal_wavegen.h"
#include "omnipower/metrology.h"
#include "omnipower/pq.h"

#define RIG_V_FS 600.0f
#define RIG_I_FS 170.0f

struct rig;
typedef void (*rig_sink)(struct rig *r, const struct omp_pq_out *o);

struct rig {
    struct omp_wave w;
    struct omp_metro m;
    struct omp_pq pq;
    uint32_t fs;
    double ev_start_s, ev_end_s; /* the caller's "event in progress" window, s (none: equal) */
    rig_sink sink;
    void *ctx;
    unsigned errors;             /* init and omp_pq_process errors */
};

static inline void rig_init(struct rig *r, uint32_t fs, double f, float urms, omp_time_s start)
{
    memset(r, 0, sizeof *r);
    struct omp_adc_model adc;
    omp_adc_model_spec(&adc);
    adc.v_full_scale_v = RIG_V_FS;
    adc.i_full_scale_a = RIG_I_FS;
    omp_wave_init_sine(&r->w, (double)fs, f, urms, 5.0f, 30.0f, &adc);
    r->w.adc_on = false; /* ideal codes at these full scales */
    r->fs = fs;
    struct omp_metro_cfg mc;
    struct omp_metro_cal cal;
    omp_metro_cfg_default(&mc);
    mc.fs_hz = fs;
    mc.mains_hz = 50u;
    omp_metro_cal_nominal(&cal, RIG_V_FS, RIG_I_FS);
    if (omp_metro_init(&r->m, &mc, &cal, NULL) != OMP_OK) {
        r->errors++;
    }
    struct omp_pq_cfg pc;
    omp_pq_cfg_from_metro(&pc, &mc, &cal, start);
    if (omp_pq_init(&r->pq, &pc) != OMP_OK) {
        r->errors++;
    }
}

/* Add a voltage component (order, rms V, phase deg). */
static inline void rig_add_v(struct rig *r, float order, float rms, float phase_deg)
{
    struct omp_wave_component *c = &r->w.v.comp[r->w.v.n_comp++];
    c->order = order;
    c->rms = rms;
    c->phase_deg = phase_deg;
}

/* Change the fundamental frequency now, phase-continuous (see the file comment). */
static inline void rig_set_freq(struct rig *r, double f)
{
    const double t = (double)r->w.n / r->w.fs_hz;
    const double df = f - r->w.f0_hz;
    struct omp_wave_channel *ch[2] = {&r->w.v, &r->w.i};
    for (unsigned k = 0; k < 2u; k++) {
        for (uint32_t j = 0; j < ch[k]->n_comp; j++) {
            double ph = (double)ch[k]->comp[j].phase_deg - (double)ch[k]->comp[j].order * 360.0 * df * t;
            ch[k]->comp[j].phase_deg = (float)fmod(ph, 360.0);
        }
    }
    r->w.f0_hz = f;
}

/* Run @p seconds of signal. */
static inline void rig_run(struct rig *r, double seconds)
{
    int32_t buf[2u * 80u];
    const size_t blk = r->fs / 100u;
    const uint64_t end = r->w.n + (uint64_t)llround(seconds * (double)r->fs);
    while (r->w.n < end) {
        omp_wave_fill(&r->w, buf, blk);
        omp_metro_on_samples(&r->m, buf, blk, NULL);
        omp_pq_on_samples(&r->pq, buf, blk);
        struct omp_cycle c;
        while (omp_metro_cycle_pop(&r->m, &c) == OMP_OK) {
            const double te = ((double)c.end_sample - (double)c.end_frac) / (double)r->fs;
            const double ts = te - (double)c.period_s;
            const bool ev = te > r->ev_start_s && ts < r->ev_end_s;
            struct omp_pq_out o;
            if (omp_pq_process(&r->pq, &c, ev, &o) != OMP_OK) {
                r->errors++;
                continue;
            }
            if (o.have != 0u && r->sink != NULL) {
                r->sink(r, &o);
            }
        }
    }
}

/* The EN 50160 table 2.2 levels, % of U1, orders 2..25 (0 where no limit is given). */
static inline double rig_en50160_pct(unsigned h)
{
    static const double lim[26] = {0, 0, 2.0, 5.0, 1.0, 6.0, 0.5, 5.0, 0.5, 1.5, 0.5, 3.5, 0.5,
                                   3.0, 0.5, 0.5, 0.5, 2.0, 0.5, 1.5, 0.5, 0.5, 0.5, 1.5, 0.5, 1.5};
    return h < 26u ? lim[h] : 0.0;
}

/* Add the table spectrum scaled so its THD (orders 2..25) is @p thd_pct of @p u1; returns the
 * scale factor. Phases spread deterministically. */
static inline double rig_add_table(struct rig *r, double u1, double thd_pct)
{
    double s2 = 0.0;
    for (unsigned h = 2; h <= 25u; h++) {
        s2 += rig_en50160_pct(h) * rig_en50160_pct(h);
    }
    const double k = thd_pct / sqrt(s2);
    for (unsigned h = 2; h <= 25u; h++) {
        rig_add_v(r, (float)h, (float)(u1 * rig_en50160_pct(h) * k / 100.0), (float)(37.0 * h));
    }
    return k;
}

#endif /* OMNIPOWER_TESTS_PQ_RIG_H */

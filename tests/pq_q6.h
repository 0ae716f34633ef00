/*
 * Q6 of shared/spec/metrology-and-power-quality.md §4 (aggregation), shared by tests/test_pq.c
 * (21 min) and tests/test_pq_slow.c (25 h): the generator at a random frequency in 49.8..50.2 Hz
 * (a new one every 10..120 s, phase-continuous, so the cycle count of a 10-min period wanders off
 * 30 000 and the last 150-cycle value of a period is short), the metrology and PQ engines, and these checks on
 * what the PQ engine reports:
 *   - 10-cycle intervals: 10 cycles each; each starts where the previous one ended (gapless), except
 *     the first to start at or after a 10-min tick, which starts within one cycle of the tick
 *     (restart; it may overlap the previous one), for every tick; every interval's end lies on a true rising zero
 *     crossing of the generator's fundamental within one sample, so the intervals' durations sum to
 *     the elapsed time within one sample;
 *   - 10-min values stamped exactly on the ticks (multiples of 600 s, one per tick);
 *   - 150-cycle values of 15 interval values, except the last of each 10-min period (the restart),
 *     which closes with the 10-min value; their counts add up to the 10-min value's count;
 *   - 2-h values on the 2-h ticks, of 12 ten-minute values once the run has a full 2 h.
 */
#ifndef OMNIPOWER_TESTS_PQ_Q6_H
#define OMNIPOWER_TESTS_PQ_Q6_H

#include "pq_rig.h"

struct q6 {
    /* the generator's fundamental phase, in cycles, for t >= seg_t[k]: seg_c[k] + seg_f[k] (t - seg_t[k]) */
    double seg_t[2], seg_f[2], seg_c[2];
    double prev_end;                 /* last interval's end, samples (-1: none yet) */
    double tick_pos;                 /* the next 10-min tick no interval has started after yet */
    omp_time_s next_tick;            /* 10-min tick the next value must carry */
    unsigned intervals, restarts, n10, n150, n150_short, n2h, n2h_full, bad;
    uint32_t sum150;                 /* interval values in the 150-cycle values of the period */
    double worst_cross;              /* worst |end - true crossing|, samples */
    omp_time_s t0;
};

static inline double q6_phase(const struct q6 *q, double t)
{
    unsigned k = t >= q->seg_t[1] ? 1u : 0u;
    return q->seg_c[k] + q->seg_f[k] * (t - q->seg_t[k]);
}

static inline void q6_interval(struct rig *r, struct q6 *q, const struct omp_pq_value *v)
{
    const double fs = (double)r->fs;
    q->intervals++;
    q->bad += v->n == 10u ? 0u : 1u;
    if (v->start_pos >= q->tick_pos) {
        /* the first interval starting at or after a tick: at its first crossing (restart), and
         * no gap before it (it may overlap the interval that was running) */
        q->bad += v->start_pos - q->tick_pos < fs / 49.0 ? 0u : 1u;
        q->bad += q->prev_end < 0.0 || v->start_pos <= q->prev_end ? 0u : 1u;
        q->restarts++;
        q->tick_pos += 600.0 * fs;
    } else if (q->prev_end >= 0.0 && v->start_pos != q->prev_end) {
        q->bad++; /* elsewhere: gapless */
    }
    q->prev_end = v->end_pos;
    double c = q6_phase(q, v->end_pos / fs);
    double e = fabs(c - floor(c + 0.5)) / q->seg_f[1] * fs; /* samples off a true crossing */
    q->worst_cross = e > q->worst_cross ? e : q->worst_cross;
}

static inline void q6_sink(struct rig *r, const struct omp_pq_out *o)
{
    struct q6 *q = r->ctx;
    if (o->have & OMP_PQ_HAVE_INTERVAL) {
        q6_interval(r, q, &o->interval);
    }
    if (o->have & OMP_PQ_HAVE_150) {
        q->n150++;
        q->sum150 += o->agg150.n;
        if (o->agg150.n != 15u) {
            q->n150_short++;
            q->bad += (o->have & OMP_PQ_HAVE_10MIN) ? 0u : 1u; /* short only at the restart */
        }
        q->bad += o->agg150.n <= 15u && o->agg150.stamp == 0 ? 0u : 1u;
    }
    if (o->have & OMP_PQ_HAVE_10MIN) {
        q->n10++;
        q->bad += o->agg10min.stamp == q->next_tick ? 0u : 1u;
        q->bad += o->agg10min.n == q->sum150 ? 0u : 1u;
        q->next_tick += 600;
        q->sum150 = 0u;
    }
    if (o->have & OMP_PQ_HAVE_2H) {
        q->n2h++;
        q->bad += o->agg2h.stamp % 7200 == 0 ? 0u : 1u;
        q->n2h_full += o->agg2h.n == 12u ? 1u : 0u;
    }
}

/* Run @p seconds from UTC @p start at 4000 Hz with random frequency steps (seed @p seed). */
static inline void q6_run(struct q6 *q, omp_time_s start, double seconds, uint64_t seed)
{
    static struct rig r; /* large: not on the stack */
    memset(q, 0, sizeof *q);
    rig_init(&r, 4000u, 50.0, 230.0f, start);
    r.sink = q6_sink;
    r.ctx = q;
    q->prev_end = -1.0;
    q->t0 = start;
    q->next_tick = (start / 600 + 1) * 600;
    q->tick_pos = (double)(q->next_tick - start) * 4000.0;
    q->seg_t[0] = q->seg_t[1] = 0.0;
    q->seg_f[0] = q->seg_f[1] = 50.0;
    double t = 0.0;
    while (t < seconds) {
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        const double f = 49.8 + 0.4 * (double)(seed >> 11) / 9007199254740992.0;
        const double dur = 10.0 + (double)((seed >> 20) % 111u); /* 10..120 s, whole blocks */
        const double c_now = q6_phase(q, t);
        q->seg_t[0] = q->seg_t[1];
        q->seg_f[0] = q->seg_f[1];
        q->seg_c[0] = q->seg_c[1];
        q->seg_t[1] = t;
        q->seg_f[1] = f;
        q->seg_c[1] = c_now;
        rig_set_freq(&r, f);
        rig_run(&r, dur < seconds - t ? dur : seconds - t);
        t += dur;
    }
    q->bad += r.errors;
}

#endif /* OMNIPOWER_TESTS_PQ_Q6_H */

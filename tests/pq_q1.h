/*
 * Q1 of shared/spec/metrology-and-power-quality.md §4 (frequency), shared by tests/test_pq.c
 * (a subset) and tests/test_pq_slow.c (42.5 .. 57.5 Hz in 0.5 Hz steps): the voltage with the
 * EN 50160 table spectrum at THD 8 % plus 0.5 % at 175 Hz; every 10-s value from the second on
 * against the true one: the steady frequency, or with a ramp the whole cycles inside the 10-s
 * interval over their duration, from the generator's phase f0 t + ramp t^2 / 2.
 * Include after cmocka.h and pq_rig.h; needs T0 and UN.
 */
#ifndef OMNIPOWER_TESTS_PQ_Q1_H
#define OMNIPOWER_TESTS_PQ_Q1_H

struct freq_ctx {
    double (*truth)(const struct freq_ctx *q, omp_time_s stamp);
    double f0, ramp;
    omp_time_s t0;
    unsigned n;
    double worst;
};

static double freq_steady(const struct freq_ctx *q, omp_time_s stamp)
{
    (void)stamp;
    return q->f0;
}

/* whole cycles inside [T - 10, T): rising crossings k at f0 t + ramp t^2 / 2 = k */
static double cyc_time(const struct freq_ctx *q, double k)
{
    if (q->ramp == 0.0) {
        return k / q->f0;
    }
    return (-q->f0 + sqrt(q->f0 * q->f0 + 2.0 * q->ramp * k)) / q->ramp;
}

static double freq_ramp(const struct freq_ctx *q, omp_time_s stamp)
{
    const double t1 = (double)(stamp - q->t0), t0 = t1 - 10.0;
    const double k0 = ceil(q->f0 * t0 + q->ramp * t0 * t0 / 2.0);
    const double k1 = floor(q->f0 * t1 + q->ramp * t1 * t1 / 2.0);
    return (k1 - k0) / (cyc_time(q, k1) - cyc_time(q, k0));
}

static void freq_sink(struct rig *r, const struct omp_pq_out *o)
{
    struct freq_ctx *q = r->ctx;
    if ((o->have & OMP_PQ_HAVE_FREQ) == 0u || o->freq.stamp - q->t0 < 20) {
        return; /* the first 10-s value holds the start-up */
    }
    assert_int_equal(o->freq.stamp % 10, 0);
    assert_false(o->freq.flagged);
    double e = fabs((double)o->freq.f_hz - q->truth(q, o->freq.stamp));
    q->worst = e > q->worst ? e : q->worst;
    q->n++;
}

static void pq_q1_point(uint32_t fs, double f, double ramp, double seconds, double lim)
{
    struct rig r;
    struct freq_ctx q = {ramp == 0.0 ? freq_steady : freq_ramp, f, ramp, T0, 0u, 0.0};
    rig_init(&r, fs, f, (float)UN, T0);
    (void)rig_add_table(&r, UN, 8.0);
    rig_add_v(&r, (float)(175.0 / f), (float)(0.005 * UN), 10.0f); /* 175 Hz at 0.5 % */
    r.w.ramp_hz_per_s = ramp;
    r.sink = freq_sink;
    r.ctx = &q;
    rig_run(&r, seconds);
    assert_int_equal(r.errors, 0);
    assert_true(q.n >= 1u);
    if (!(q.worst <= lim)) {
        print_error("Q1 f %.2f ramp %.2f: worst error %.5f Hz (limit %.3f)\n", f, ramp, q.worst,
                    lim);
        fail();
    }
}

#endif /* OMNIPOWER_TESTS_PQ_Q1_H */

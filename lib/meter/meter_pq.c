/*
 * Power quality in the meter (docs/power-quality.md "In the meter"): the IEC 61000-4-30 engine
 * (pq.h) runs beside the metrology engine on the same samples; per cycle record the EN 50160
 * detector (90 / 110 / 5 %) gives the events and the flags, a second detector the OMNIPOWER's
 * dips, swells (-+20 %) and outages (50 V); the 1-s rms, the 10-s frequency and the 10-min values
 * feed the OMNIPOWER's counters and voltage quality logger (pq_vq.h) and the week's EN 50160
 * counts. Entries and events go to the event queue, hence to the PQ event log, which DLMS shows
 * as voltage quality logger 1. The counters and the limits are kept in the settings store.
 */
#include <math.h>
#include <string.h>

#include "omnipower/meter.h"

#include "meter_priv.h"

#define WEEK_S    (7 * 86400)
#define MONDAY0_S (4 * 86400) /* 1970-01-01 was a Thursday: Mondays are 4 days + k weeks */
#define REC_VER   1u
#define REC_LEN   (1u + 2u * 4u + 2u * OMP_VQ_COUNTERS)

static bool pq_on(const struct omp_meter_pq *q)
{
    return q->eng.cfg.fs_hz != 0u;
}

/* UTC (seconds and fraction) of sample position @p pos (samples since the engines' start). */
static double utc_of(const struct omp_meter_pq *q, double pos)
{
    return (double)q->eng.cfg.start_utc + (pos - q->eng.t_off) / (double)q->eng.cfg.fs_hz;
}

static omp_time_s sec_of(const struct omp_meter_pq *q, double pos)
{
    return (omp_time_s)floor(utc_of(q, pos));
}

static void push(struct omp_meter *m, uint16_t code, omp_time_s utc, uint32_t arg)
{
    const struct omp_event ev = {code, 1u /* L1 */, arg, utc};
    m->pq.entry = ev; /* the VQ logger's objects 1.1.132.0.x show the newest */
    omp_err err = omp_evq_push(&m->events, &ev);
    (void)err; /* a full queue drops the oldest; the logs say how many */
}

/* ---- the record: {version, 4 limits, 23 counters}, big-endian u16s ------------------------ */

static void limits_to_cfg(const uint16_t lim[4], struct omp_vq_cfg *c)
{
    c->mean_high_v = lim[0];
    c->mean_low_v = lim[1];
    c->window_s = lim[2];
    c->power_fault_s = lim[3];
}

static omp_err rec_write(struct omp_meter *m)
{
    uint8_t b[REC_LEN];
    b[0] = REC_VER;
    for (unsigned k = 0; k < 4u + OMP_VQ_COUNTERS; k++) {
        uint16_t v = k < 4u ? m->pq.limit[k] : m->pq.vq.count[k - 4u];
        b[1u + 2u * k] = (uint8_t)(v >> 8);
        b[2u + 2u * k] = (uint8_t)v;
    }
    if (m->nvm_damaged != 0u) {
        return OMP_ERR_NVM_CORRUPT; /* the NVM keeps its evidence */
    }
    omp_err err = omp_store_write(&m->settings, OMP_METER_KEY_PQ, b, sizeof b);
    if (err == OMP_OK) {
        memcpy(m->pq.kept, m->pq.vq.count, sizeof m->pq.kept);
        m->pq.foreign = false;
    }
    return err;
}

/* The kept limits and counters into @p c and @p counts; a foreign record is reported and kept. */
static void rec_read(struct omp_meter *m, struct omp_vq_cfg *c, uint16_t counts[OMP_VQ_COUNTERS])
{
    uint8_t b[REC_LEN + 1u];
    size_t len = 0u;
    omp_err err = omp_store_read(&m->settings, OMP_METER_KEY_PQ, b, sizeof b, &len);
    if (err == OMP_ERR_NOT_FOUND) {
        return;
    }
    struct omp_vq_cfg t = *c;
    uint16_t v[4u + OMP_VQ_COUNTERS];
    for (unsigned k = 0; err == OMP_OK && len == REC_LEN && k < 4u + OMP_VQ_COUNTERS; k++) {
        v[k] = (uint16_t)(b[1u + 2u * k] << 8 | b[2u + 2u * k]);
    }
    if (err == OMP_OK && len == REC_LEN && b[0] == REC_VER) {
        limits_to_cfg(v, &t);
    }
    if (err != OMP_OK || len != REC_LEN || b[0] != REC_VER || !omp_vq_cfg_valid(&t)) {
        m->pq.foreign = true;
        return;
    }
    *c = t;
    memcpy(counts, v + 4, 2u * OMP_VQ_COUNTERS);
}

/* ---- start ---------------------------------------------------------------------------------- */

static omp_err det_init(struct omp_pq_ev *d, const struct omp_meter *m, bool omnipower)
{
    struct omp_pq_ev_cfg c;
    omp_pq_ev_cfg_default(&c);
    c.fs_hz = m->cfg.sample_rate_hz;
    c.mains_hz = m->cfg.mains_hz;
    if (omnipower) { /* technical facts 8.1: dips and swells at -+20 %, outages below 50 V */
        c.dip_pct = 80.0f;
        c.swell_pct = 120.0f;
        c.intr_pct = 100.0f * 50.0f / c.udin_v;
    }
    return omp_pq_ev_init(d, &c);
}

omp_err omp_meter_priv_pq_start(struct omp_meter *m, omp_time_s utc)
{
    struct omp_meter_pq *q = &m->pq;
    struct omp_pq_cfg pc; /* sample 0 of both engines is the first pair after init */
    omp_pq_cfg_from_metro(&pc, &m->metro.cfg, &m->cfg.cal, utc < 0 ? 0 : utc);
    if (omp_pq_init(&q->eng, &pc) != OMP_OK) {
        memset(&q->eng, 0, sizeof q->eng); /* a rate the engine does not take: no PQ */
    }
    struct omp_vq_cfg vc;
    omp_vq_cfg_default(&vc);
    vc.fn_hz = (uint16_t)m->cfg.mains_hz;
    uint16_t counts[OMP_VQ_COUNTERS];
    memset(counts, 0, sizeof counts);
    rec_read(m, &vc, counts);
    memcpy(q->kept, counts, sizeof q->kept);
    q->limit[0] = vc.mean_high_v;
    q->limit[1] = vc.mean_low_v;
    q->limit[2] = vc.window_s;
    q->limit[3] = vc.power_fault_s;
    q->sec = -1;
    omp_err err = omp_vq_init(&q->vq, &vc, counts);
    if (err == OMP_OK) {
        err = det_init(&q->det, m, false);
    }
    return err == OMP_OK ? det_init(&q->det_vq, m, true) : err;
}

void omp_meter_priv_pq_power_up(struct omp_meter *m, omp_time_s down, omp_time_s up)
{
    if (up > down && down > 0) { /* the meter was off: an outage of the supply */
        omp_vq_outage(&m->pq.vq, down, up);
    }
}

/* ---- per cycle -------------------------------------------------------------------------------- */

/* A complete EN 50160 event: kept for readers, counted for the week, logged. */
static void en50160_event(struct omp_meter *m, const struct omp_pq_event *e)
{
    struct omp_meter_pq *q = &m->pq;
    q->ev[q->n_ev % OMP_METER_PQ_EVENTS] = *e;
    q->n_ev++;
    omp_pq_week_add_event(&q->week, e);
    const double tenths = floor((double)e->duration_s * 10.0 + 0.5);
    const uint32_t level = (uint32_t)lroundf(e->level_v < 0.0f ? 0.0f : e->level_v);
    const bool low = e->kind == OMP_PQ_EV_DIP || e->kind == OMP_PQ_EV_INTERRUPTION;
    push(m, (uint16_t)(OMP_EV_PQ_DIP + e->kind - OMP_PQ_EV_DIP),
         sec_of(q, (double)e->start.sample - (double)e->start.frac),
         OMP_EV_VQ_ARG(tenths > 1023.0 ? 1023u : (uint32_t)tenths, low ? 0u : level,
                       low ? level : 0u));
}

/* The OMNIPOWER's: dips and swells of 0.1..1 s counted, interruptions below 50 V as outages. */
static void omnipower_event(struct omp_meter_pq *q, const struct omp_pq_event *e)
{
    const double start = utc_of(q, (double)e->start.sample - (double)e->start.frac);
    const omp_time_s end = (omp_time_s)floor(start + (double)e->duration_s);
    if (e->kind == OMP_PQ_EV_DIP || e->kind == OMP_PQ_EV_SWELL) {
        omp_vq_dip_swell(&q->vq, e->kind == OMP_PQ_EV_SWELL, (double)e->duration_s, end);
    } else if (e->kind == OMP_PQ_EV_INTERRUPTION) {
        omp_vq_outage(&q->vq, (omp_time_s)floor(start), end);
    }
}

static void detect(struct omp_meter *m, const struct omp_cycle *c)
{
    struct omp_pq_ev_notes n;
    omp_pq_ev_on_cycle(&m->pq.det, c, &n);
    for (unsigned k = 0; k < n.n; k++) {
        if (n.note[k] == OMP_PQ_NOTE_END) {
            en50160_event(m, &n.ev[k]);
        }
    }
    omp_pq_ev_on_cycle(&m->pq.det_vq, c, &n);
    for (unsigned k = 0; k < n.n; k++) {
        if (n.note[k] == OMP_PQ_NOTE_END) {
            omnipower_event(&m->pq, &n.ev[k]);
        }
    }
}

/* The 1-s rms voltage: the cycles whose middle falls in each UTC second, duration-weighted.
 * The middle, not the end: a supply in step with the seconds ends its cycles on them, where a
 * microsecond of crossing jitter would move a whole cycle between two seconds. */
static void second(struct omp_meter_pq *q, const struct omp_cycle *c)
{
    const double mid = (double)c->end_sample - (double)c->end_frac -
                       0.5 * (double)c->period_s * (double)q->eng.cfg.fs_hz;
    const omp_time_s s = sec_of(q, mid);
    if (s != q->sec) {
        if (q->sec >= 0 && q->sec_t > 0.0) {
            omp_vq_second(&q->vq, q->sec + 1, (float)sqrt(q->sec_u2t / q->sec_t));
        }
        q->sec = s;
        q->sec_u2t = 0.0;
        q->sec_t = 0.0;
    }
    q->sec_u2t += (double)c->urms_v * (double)c->urms_v * (double)c->period_s;
    q->sec_t += (double)c->period_s;
}

/* The week a value stamped @p stamp (the end of its period) belongs to: the week rolls at
 * Monday 00:00 UTC, the running one becomes the last complete one. */
static void week_of(struct omp_meter_pq *q, omp_time_s stamp)
{
    const omp_time_s monday = (stamp - 1 - MONDAY0_S) / WEEK_S * WEEK_S + MONDAY0_S;
    if (monday != q->week_start) {
        if (q->week_start != 0) {
            q->week_done = q->week;
        }
        omp_err err = omp_pq_week_init(&q->week, 230.0f, (float)q->eng.cfg.mains_hz);
        (void)err; /* constants the function takes */
        q->week_start = monday;
    }
}

static void week_10min(struct omp_meter_pq *q, const struct omp_pq_value *v)
{
    week_of(q, v->stamp);
    struct omp_pq_10min w;
    w.urms_v = v->urms_v;
    w.thd_u_pct = v->thd_u_pct;
    for (unsigned h = OMP_PQ_WEEK_H_MIN; h <= OMP_PQ_WEEK_H_MAX; h++) {
        w.harm_pct[h - OMP_PQ_WEEK_H_MIN] = v->harm_u_pct[h];
    }
    w.flagged = v->flagged || !v->harm_valid;
    omp_pq_week_add_10min(&q->week, &w);
}

static void values(struct omp_meter *m, const struct omp_pq_out *o)
{
    struct omp_meter_pq *q = &m->pq;
    if ((o->have & OMP_PQ_HAVE_INTERVAL) != 0u) {
        q->iv = o->interval;
    }
    if ((o->have & OMP_PQ_HAVE_FREQ) != 0u) {
        q->f10 = o->freq;
        if (!o->freq.flagged && o->freq.cycles > 0u) {
            omp_vq_freq10s(&q->vq, o->freq.f_hz);
        }
        week_of(q, o->freq.stamp);
        omp_pq_week_add_10s(&q->week, o->freq.f_hz, o->freq.flagged || o->freq.cycles == 0u);
    }
    if ((o->have & OMP_PQ_HAVE_10MIN) != 0u) {
        q->m10 = o->agg10min;
        week_10min(q, &o->agg10min);
        omp_vq_10min(&q->vq, o->agg10min.urms_v, o->agg10min.thd_u_pct, o->agg10min.thd_i_pct);
        if (memcmp(q->kept, q->vq.count, sizeof q->kept) != 0) {
            omp_err err = rec_write(m);
            (void)err; /* retried at the next 10-min value and at the power-fail save */
        }
    }
}

void omp_meter_priv_pq_cycle(struct omp_meter *m, const struct omp_cycle *c)
{
    struct omp_meter_pq *q = &m->pq;
    if (!pq_on(q)) {
        return;
    }
    detect(m, c);
    const bool flag = omp_pq_ev_active_since(&q->det, q->prev_end);
    q->prev_end = c->end_sample;
    if (omp_pq_process(&q->eng, c, flag, &q->out) == OMP_OK) {
        values(m, &q->out);
    }
    second(q, c);
    struct omp_vq_entry e;
    while (omp_vq_pop(&q->vq, &e)) {
        push(m, (uint16_t)(OMP_EV_VQ + e.code), e.utc, OMP_EV_VQ_ARG(e.mean_v, e.max_v, e.min_v));
    }
}

/* ---- time, saves, readers ------------------------------------------------------------------- */

void omp_meter_priv_pq_time(struct omp_meter *m, const struct omp_now *now)
{
    struct omp_meter_pq *q = &m->pq;
    if (!pq_on(q) || !now->rtc_valid || m->cycles == 0u) {
        return;
    }
    /* the newest cycle ended at most a tick ago: more than 2 s apart is a clock set or drift */
    const double pos = (double)m->last.end_sample - (double)m->last.end_frac;
    const double t = (double)now->utc_s + (double)now->utc_ms / 1000.0;
    if (fabs(t - utc_of(q, pos)) > 2.0) {
        const double back = (double)now->utc_ms / 1000.0 * (double)q->eng.cfg.fs_hz;
        omp_pq_retime(&q->eng, now->utc_s, (uint64_t)(pos > back ? pos - back : 0.0));
        q->sec = -1; /* the running second is dropped: the 1-s values have a gap */
    }
}

void omp_meter_priv_pq_save(struct omp_meter *m)
{
    if (pq_on(&m->pq) && memcmp(m->pq.kept, m->pq.vq.count, sizeof m->pq.kept) != 0) {
        omp_err err = rec_write(m);
        (void)err; /* the counters since the last save are lost with the power */
    }
}

omp_err omp_meter_priv_pq_limit(struct omp_meter *m, unsigned k, uint16_t v)
{
    struct omp_meter_pq *q = &m->pq;
    uint16_t lim[4];
    memcpy(lim, q->limit, sizeof lim);
    lim[k & 3u] = v;
    struct omp_vq_cfg c = q->vq.cfg;
    limits_to_cfg(lim, &c);
    if (k > 3u || !omp_vq_cfg_valid(&c)) {
        return OMP_ERR_RANGE;
    }
    const uint16_t old = q->limit[k];
    q->limit[k] = v;
    omp_err err = rec_write(m);
    if (err != OMP_OK) {
        q->limit[k] = old;
        return err;
    }
    uint16_t counts[OMP_VQ_COUNTERS];
    memcpy(counts, q->vq.count, sizeof counts);
    return omp_vq_init(&q->vq, &c, counts); /* a running window or deviation starts again */
}

omp_err omp_meter_pq(const struct omp_meter *m, struct omp_meter_pq_view *v)
{
    if (m == NULL || v == NULL) {
        return OMP_ERR_ARG;
    }
    const struct omp_meter_pq *q = &m->pq;
    v->interval = q->iv.n != 0u ? &q->iv : NULL;
    v->ten_min = q->m10.n != 0u ? &q->m10 : NULL;
    v->freq = q->f10.stamp != 0 ? &q->f10 : NULL;
    v->week = &q->week;
    v->week_done = q->week_done.un_v > 0.0f ? &q->week_done : NULL;
    v->week_start = q->week_start;
    v->vq = &q->vq;
    v->events = q->n_ev;
    return OMP_OK;
}

omp_err omp_meter_pq_event(const struct omp_meter *m, uint32_t age, struct omp_pq_event *ev,
                           double *start_utc)
{
    if (m == NULL || ev == NULL || start_utc == NULL) {
        return OMP_ERR_ARG;
    }
    const struct omp_meter_pq *q = &m->pq;
    if (age >= q->n_ev || age >= OMP_METER_PQ_EVENTS) {
        return OMP_ERR_NOT_FOUND;
    }
    *ev = q->ev[(q->n_ev - 1u - age) % OMP_METER_PQ_EVENTS];
    *start_utc = utc_of(q, (double)ev->start.sample - (double)ev->start.frac);
    return OMP_OK;
}

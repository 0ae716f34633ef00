/*
 * Registers records: cold checkpoint, hot record and debiting snapshot codecs, and restore.
 *
 * All integers little-endian; times are int64 seconds since the epoch (two's complement), 0 or a
 * second of 1970..2199. NE = 10 + 2 * OMP_CONFIG_TARIFFS energy registers, in the order
 * A+, A-, R+, R-, R1, R2, R3, R4, E+, E-, A+ T1..Tn, R+ T1..Tn (micro-units).
 * Byte-by-byte layouts: docs/registers.md.
 *
 * cold (COLD_LEN = 243 + 8 NE bytes)        hot (HOT_LEN = 29 + 4 NE bytes)
 *   0 version 1, 1 kind 'C'                   0 version 1, 1 kind 'H'
 *   2 checkpoint id u32 (1..)                 2 checkpoint id u32 of the cold base (0 = none)
 *   6 NE x u64 energy                         6 NE x u32 energy - cold energy
 *   .. counters, peaks, acc, demand, stops    .. hours u32, supply_s u16, pulse u64, utc i64,
 *                                                utc_valid u8
 * snapshot (OMP_REGS_SNAPSHOT_LEN bytes): version 1, kind 'S', stop utc, capture utc, quality,
 *   counters, NE x u64 energy, 6 peaks, 4 accumulated maxima, zero padding.
 */
#include <string.h>

#include "omnipower/registers.h"
#include "registers_priv.h"

#define REC_VERSION 1u
#define KIND_COLD ((uint8_t)'C')
#define KIND_HOT ((uint8_t)'H')
#define KIND_SNAP ((uint8_t)'S')

#define NE OMP_REGS_PRIV_N_ENERGY
#define COLD_LEN (243u + 8u * NE)
#define HOT_LEN (29u + 4u * NE)
#define SNAP_USED (143u + 8u * NE)

_Static_assert(COLD_LEN <= OMP_REGS_COLD_MAX, "cold record exceeds OMP_REGS_COLD_MAX");
_Static_assert(COLD_LEN == OMP_REGS_COLD_LEN, "OMP_REGS_COLD_LEN disagrees with the layout");
_Static_assert(HOT_LEN <= OMP_REGS_HOT_MAX, "hot record exceeds OMP_REGS_HOT_MAX");
_Static_assert(SNAP_USED <= OMP_REGS_SNAPSHOT_LEN, "snapshot exceeds OMP_REGS_SNAPSHOT_LEN");

/* ---- primitive helpers ------------------------------------------------------------------------ */

static uint64_t t2u(omp_time_s t)
{
    uint64_t u;
    memcpy(&u, &t, sizeof u);
    return u;
}

static omp_time_s u2t(uint64_t u)
{
    omp_time_s t;
    memcpy(&t, &u, sizeof t);
    return t;
}

static void put_time(struct omp_wr *w, omp_time_s t)
{
    (void)omp_wr_u64le(w, t2u(t));
}

/* A small decoder state: the first error sticks, later reads return zeros. */
struct dec {
    struct omp_rd rd;
    omp_err err;
};

static uint8_t get_u8(struct dec *d)
{
    uint8_t v = 0;
    if (d->err == OMP_OK) {
        d->err = omp_rd_u8(&d->rd, &v);
    }
    return v;
}

static uint16_t get_u16(struct dec *d)
{
    uint16_t v = 0;
    if (d->err == OMP_OK) {
        d->err = omp_rd_u16le(&d->rd, &v);
    }
    return v;
}

static uint32_t get_u32(struct dec *d)
{
    uint32_t v = 0;
    if (d->err == OMP_OK) {
        d->err = omp_rd_u32le(&d->rd, &v);
    }
    return v;
}

static uint64_t get_u64(struct dec *d)
{
    uint64_t v = 0;
    if (d->err == OMP_OK) {
        d->err = omp_rd_u64le(&d->rd, &v);
    }
    return v;
}

/* A time: 0 or within 1970..2199, else MALFORMED. */
static omp_time_s get_time(struct dec *d)
{
    omp_time_s t = u2t(get_u64(d));
    if (d->err == OMP_OK && !omp_regs_priv_time_ok(t)) {
        d->err = OMP_ERR_MALFORMED;
    }
    return d->err == OMP_OK ? t : 0;
}

static bool get_bool(struct dec *d)
{
    uint8_t v = get_u8(d);
    if (d->err == OMP_OK && v > 1u) {
        d->err = OMP_ERR_MALFORMED;
    }
    return v == 1u;
}

static void check(struct dec *d, bool ok)
{
    if (d->err == OMP_OK && !ok) {
        d->err = OMP_ERR_MALFORMED;
    }
}

static void put_energy(struct omp_wr *w, const struct omp_regs_energy *e)
{
    uint64_t v[NE];
    omp_regs_priv_flatten(e, v);
    for (size_t i = 0; i < NE; i++) {
        (void)omp_wr_u64le(w, v[i]);
    }
}

static void get_energy(struct dec *d, struct omp_regs_energy *e)
{
    uint64_t v[NE];
    for (size_t i = 0; i < NE; i++) {
        v[i] = get_u64(d);
    }
    omp_regs_priv_unflatten(v, e);
}

static void put_peak(struct omp_wr *w, const struct omp_regs_peak *p)
{
    (void)omp_wr_u32le(w, p->value);
    put_time(w, p->utc);
}

static void get_peak(struct dec *d, struct omp_regs_peak *p)
{
    p->value = get_u32(d);
    p->utc = get_time(d);
}

static void put_peaks(struct omp_wr *w, const struct omp_regs_peaks *p)
{
    put_peak(w, &p->p_plus);
    put_peak(w, &p->p_plus_t[0]);
    put_peak(w, &p->p_plus_t[1]);
    put_peak(w, &p->q_plus);
    put_peak(w, &p->s_plus);
    put_peak(w, &p->s_minus);
}

static void get_peaks(struct dec *d, struct omp_regs_peaks *p)
{
    get_peak(d, &p->p_plus);
    get_peak(d, &p->p_plus_t[0]);
    get_peak(d, &p->p_plus_t[1]);
    get_peak(d, &p->q_plus);
    get_peak(d, &p->s_plus);
    get_peak(d, &p->s_minus);
}

static void put_acc(struct omp_wr *w, const struct omp_regs_acc *a)
{
    (void)omp_wr_u64le(w, a->p_plus);
    (void)omp_wr_u64le(w, a->p_plus_t[0]);
    (void)omp_wr_u64le(w, a->p_plus_t[1]);
    (void)omp_wr_u64le(w, a->q_plus);
}

static void get_acc(struct dec *d, struct omp_regs_acc *a)
{
    a->p_plus = get_u64(d);
    a->p_plus_t[0] = get_u64(d);
    a->p_plus_t[1] = get_u64(d);
    a->q_plus = get_u64(d);
}

/* Finish an encoding: exactly @p want bytes after @p mark, else undo and report. */
static omp_err wr_finish(struct omp_wr *w, size_t mark, size_t want)
{
    omp_err err = omp_wr_status(w);
    if (err == OMP_OK && omp_wr_len(w) - mark != want) {
        err = OMP_ERR_INTERNAL;
    }
    if (err != OMP_OK) {
        omp_wr_truncate(w, mark);
        /* a sticky error that was there before the call stays the caller's to see */
    }
    return err;
}

/* ---- snapshot -------------------------------------------------------------------------------- */

omp_err omp_regs_snapshot_encode(const struct omp_regs_snapshot *s, struct omp_wr *w)
{
    if (s == NULL || w == NULL) {
        return OMP_ERR_ARG;
    }
    if (omp_wr_status(w) != OMP_OK) {
        return omp_wr_status(w);
    }
    if (omp_wr_room(w) < OMP_REGS_SNAPSHOT_LEN) {
        return OMP_ERR_NOSPACE;
    }
    size_t mark = omp_wr_len(w);
    (void)omp_wr_u8(w, REC_VERSION);
    (void)omp_wr_u8(w, KIND_SNAP);
    put_time(w, s->utc);
    put_time(w, s->capture_utc);
    (void)omp_wr_u8(w, s->quality);
    (void)omp_wr_u32le(w, s->billing_count);
    (void)omp_wr_u32le(w, s->hours);
    (void)omp_wr_u32le(w, s->threshold_count);
    (void)omp_wr_u64le(w, s->pulse_milli);
    put_energy(w, &s->energy);
    put_peaks(w, &s->peaks);
    put_acc(w, &s->acc);
    (void)omp_wr_fill(w, 0u, OMP_REGS_SNAPSHOT_LEN - SNAP_USED);
    return wr_finish(w, mark, OMP_REGS_SNAPSHOT_LEN);
}

omp_err omp_regs_snapshot_decode(struct omp_rd *rd, struct omp_regs_snapshot *s)
{
    if (rd == NULL || s == NULL) {
        return OMP_ERR_ARG;
    }
    struct dec d = {*rd, OMP_OK};
    d.err = omp_rd_need(&d.rd, OMP_REGS_SNAPSHOT_LEN);
    check(&d, get_u8(&d) == REC_VERSION);
    check(&d, get_u8(&d) == KIND_SNAP);
    struct omp_regs_snapshot t;
    memset(&t, 0, sizeof t);
    t.utc = get_time(&d);
    t.capture_utc = get_time(&d);
    t.quality = get_u8(&d);
    check(&d, (t.quality & ~OMP_REGS_PRIV_Q_ALL) == 0u);
    t.billing_count = get_u32(&d);
    t.hours = get_u32(&d);
    t.threshold_count = get_u32(&d);
    t.pulse_milli = get_u64(&d);
    get_energy(&d, &t.energy);
    get_peaks(&d, &t.peaks);
    get_acc(&d, &t.acc);
    for (size_t i = SNAP_USED; i < OMP_REGS_SNAPSHOT_LEN; i++) {
        check(&d, get_u8(&d) == 0u);
    }
    if (d.err != OMP_OK) {
        return d.err;
    }
    *s = t;
    *rd = d.rd;
    return OMP_OK;
}

/* ---- cold ------------------------------------------------------------------------------------ */

static uint32_t next_id(uint32_t id)
{
    return (id == UINT32_MAX) ? 1u : id + 1u;
}

omp_err omp_registers_encode_cold(const struct omp_registers *r, struct omp_wr *w)
{
    if (r == NULL || w == NULL) {
        return OMP_ERR_ARG;
    }
    if (omp_wr_status(w) != OMP_OK) {
        return omp_wr_status(w);
    }
    if (omp_wr_room(w) < COLD_LEN) {
        return OMP_ERR_NOSPACE;
    }
    size_t mark = omp_wr_len(w);
    const struct omp_regs_demand *dm = &r->demand;
    (void)omp_wr_u8(w, REC_VERSION);
    (void)omp_wr_u8(w, KIND_COLD);
    (void)omp_wr_u32le(w, next_id(r->checkpoint_id));
    put_energy(w, &r->e);
    (void)omp_wr_u32le(w, r->hours);
    (void)omp_wr_u16le(w, (uint16_t)r->supply_s);
    (void)omp_wr_u32le(w, r->billing_count);
    (void)omp_wr_u32le(w, r->threshold_count);
    (void)omp_wr_u64le(w, r->pulse_milli);
    put_peaks(w, &r->peaks);
    put_acc(w, &r->acc);
    put_time(w, dm->start_utc);
    put_time(w, dm->end_utc);
    (void)omp_wr_u64le(w, dm->start_a_plus);
    (void)omp_wr_u64le(w, dm->start_r_plus);
    (void)omp_wr_u64le(w, dm->start_e_plus);
    (void)omp_wr_u64le(w, dm->start_e_minus);
    (void)omp_wr_u32le(w, dm->elapsed_s);
    (void)omp_wr_u8(w, dm->tariff);
    (void)omp_wr_u8(w, dm->flags);
    (void)omp_wr_u8(w, dm->have_last ? 1u : 0u);
    put_time(w, dm->last.end_utc);
    (void)omp_wr_u32le(w, dm->last.duration_s);
    (void)omp_wr_u32le(w, dm->last.p_plus_w);
    (void)omp_wr_u32le(w, dm->last.q_plus_var);
    (void)omp_wr_u32le(w, dm->last.s_plus_va);
    (void)omp_wr_u32le(w, dm->last.s_minus_va);
    (void)omp_wr_u8(w, dm->last.tariff);
    (void)omp_wr_u8(w, dm->last.flags);
    put_time(w, r->last_stop_utc);
    put_time(w, r->next_stop_utc);
    (void)omp_wr_u8(w, r->period_quality);
    put_time(w, r->utc);
    (void)omp_wr_u8(w, r->utc_valid ? 1u : 0u);
    return wr_finish(w, mark, COLD_LEN);
}

/* Decode a cold record into the matching members of @p t (others untouched); @p id its id. */
static omp_err cold_decode(const uint8_t *in, size_t len, struct omp_registers *t, uint32_t *id)
{
    struct dec d = {omp_rd_init(in, len), OMP_OK};
    struct omp_regs_demand *dm = &t->demand;
    check(&d, get_u8(&d) == REC_VERSION);
    check(&d, get_u8(&d) == KIND_COLD);
    *id = get_u32(&d);
    check(&d, *id != 0u);
    get_energy(&d, &t->e);
    t->hours = get_u32(&d);
    t->supply_s = get_u16(&d);
    check(&d, t->supply_s < (uint32_t)OMP_SECONDS_PER_HOUR);
    t->billing_count = get_u32(&d);
    t->threshold_count = get_u32(&d);
    t->pulse_milli = get_u64(&d);
    get_peaks(&d, &t->peaks);
    get_acc(&d, &t->acc);
    dm->start_utc = get_time(&d);
    dm->end_utc = get_time(&d);
    check(&d, (dm->start_utc == 0) ? dm->end_utc == 0
                                   : (dm->end_utc > dm->start_utc &&
                                      dm->end_utc - dm->start_utc <= OMP_SECONDS_PER_HOUR));
    dm->start_a_plus = get_u64(&d);
    dm->start_r_plus = get_u64(&d);
    dm->start_e_plus = get_u64(&d);
    dm->start_e_minus = get_u64(&d);
    dm->elapsed_s = get_u32(&d);
    dm->tariff = get_u8(&d);
    check(&d, dm->tariff <= OMP_CONFIG_TARIFFS && (dm->start_utc == 0 || dm->tariff >= 1u));
    dm->flags = get_u8(&d);
    check(&d, (dm->flags & ~OMP_REGS_PRIV_PF_ALL) == 0u);
    dm->have_last = get_bool(&d);
    dm->last.end_utc = get_time(&d);
    dm->last.duration_s = get_u32(&d);
    dm->last.p_plus_w = get_u32(&d);
    dm->last.q_plus_var = get_u32(&d);
    dm->last.s_plus_va = get_u32(&d);
    dm->last.s_minus_va = get_u32(&d);
    dm->last.tariff = get_u8(&d);
    check(&d, dm->last.tariff <= OMP_CONFIG_TARIFFS);
    dm->last.flags = get_u8(&d);
    check(&d, (dm->last.flags & ~OMP_REGS_PRIV_PF_ALL) == 0u);
    t->last_stop_utc = get_time(&d);
    t->next_stop_utc = get_time(&d);
    t->period_quality = get_u8(&d);
    check(&d, (t->period_quality & ~OMP_REGS_PRIV_Q_ALL) == 0u);
    t->utc = get_time(&d);
    t->utc_valid = get_bool(&d);
    check(&d, omp_rd_remaining(&d.rd) == 0u);
    return d.err;
}

/* ---- hot ------------------------------------------------------------------------------------- */

struct hot_rec {
    uint32_t id;
    uint32_t delta[NE];
    uint32_t hours;
    uint32_t supply_s;
    uint64_t pulse_milli;
    omp_time_s utc;
    bool utc_valid;
};

omp_err omp_registers_encode_hot(const struct omp_registers *r, struct omp_wr *w)
{
    if (r == NULL || w == NULL) {
        return OMP_ERR_ARG;
    }
    if (omp_wr_status(w) != OMP_OK) {
        return omp_wr_status(w);
    }
    uint64_t now[NE], base[NE];
    omp_regs_priv_flatten(&r->e, now);
    omp_regs_priv_flatten(&r->cold_e, base);
    for (size_t i = 0; i < NE; i++) {
        if (now[i] < base[i] || now[i] - base[i] > UINT32_MAX) {
            return OMP_ERR_OVERFLOW; /* a cold checkpoint is due (and overdue) */
        }
    }
    if (omp_wr_room(w) < HOT_LEN) {
        return OMP_ERR_NOSPACE;
    }
    size_t mark = omp_wr_len(w);
    (void)omp_wr_u8(w, REC_VERSION);
    (void)omp_wr_u8(w, KIND_HOT);
    (void)omp_wr_u32le(w, r->checkpoint_id);
    for (size_t i = 0; i < NE; i++) {
        (void)omp_wr_u32le(w, (uint32_t)(now[i] - base[i]));
    }
    (void)omp_wr_u32le(w, r->hours);
    (void)omp_wr_u16le(w, (uint16_t)r->supply_s);
    (void)omp_wr_u64le(w, r->pulse_milli);
    put_time(w, r->utc);
    (void)omp_wr_u8(w, r->utc_valid ? 1u : 0u);
    return wr_finish(w, mark, HOT_LEN);
}

static omp_err hot_decode(const uint8_t *in, size_t len, struct hot_rec *h)
{
    struct dec d = {omp_rd_init(in, len), OMP_OK};
    check(&d, get_u8(&d) == REC_VERSION);
    check(&d, get_u8(&d) == KIND_HOT);
    h->id = get_u32(&d);
    for (size_t i = 0; i < NE; i++) {
        h->delta[i] = get_u32(&d);
    }
    h->hours = get_u32(&d);
    h->supply_s = get_u16(&d);
    check(&d, h->supply_s < (uint32_t)OMP_SECONDS_PER_HOUR);
    h->pulse_milli = get_u64(&d);
    h->utc = get_time(&d);
    h->utc_valid = get_bool(&d);
    check(&d, omp_rd_remaining(&d.rd) == 0u);
    return d.err;
}

uint32_t omp_regs_priv_record_id(const uint8_t *rec, size_t len, uint8_t kind)
{
    if (rec == NULL || len < 6u || rec[0] != REC_VERSION || rec[1] != kind) {
        return 0u;
    }
    return (uint32_t)rec[2] | (uint32_t)rec[3] << 8 | (uint32_t)rec[4] << 16 |
           (uint32_t)rec[5] << 24;
}

/* ---- restore --------------------------------------------------------------------------------- */

static uint64_t max64(uint64_t a, uint64_t b)
{
    return (a > b) ? a : b;
}

static void apply_hot(struct omp_registers *t, const struct hot_rec *h)
{
    uint64_t v[NE];
    omp_regs_priv_flatten(&t->e, v);
    for (size_t i = 0; i < NE; i++) {
        v[i] = omp_regs_priv_add_sat(v[i], h->delta[i]);
    }
    omp_regs_priv_unflatten(v, &t->e);
    if (h->hours > t->hours) {
        t->hours = h->hours;
        t->supply_s = h->supply_s;
    } else if (h->hours == t->hours && h->supply_s > t->supply_s) {
        t->supply_s = h->supply_s;
    }
    t->pulse_milli = max64(t->pulse_milli, h->pulse_milli);
    t->utc = h->utc;
    t->utc_valid = h->utc_valid;
}

static void roll_forward(struct omp_registers *t, const struct omp_regs_snapshot *s)
{
    /* the snapshot is durable: no register may end below it */
    uint64_t v[NE], sv[NE];
    omp_regs_priv_flatten(&t->e, v);
    omp_regs_priv_flatten(&s->energy, sv);
    for (size_t i = 0; i < NE; i++) {
        v[i] = max64(v[i], sv[i]);
    }
    omp_regs_priv_unflatten(v, &t->e);
    t->hours = (s->hours > t->hours) ? s->hours : t->hours;
    t->threshold_count =
        (s->threshold_count > t->threshold_count) ? s->threshold_count : t->threshold_count;
    t->pulse_milli = max64(t->pulse_milli, s->pulse_milli);
    memset(&t->peaks, 0, sizeof t->peaks);
    t->acc = s->acc;
    t->billing_count = s->billing_count;
    t->last_stop_utc = s->utc;
    /* the newest time stamp on the NVM: the clock must not resume before it */
    omp_time_s taken = (s->capture_utc > s->utc) ? s->capture_utc : s->utc;
    if (!t->utc_valid || taken > t->utc) {
        t->utc = taken;
        t->utc_valid = true;
    }
    if ((s->quality & OMP_REGS_Q_COMMANDED) == 0u) {
        omp_time_s after = (s->capture_utc > s->utc) ? s->capture_utc : s->utc;
        t->next_stop_utc = omp_regs_priv_next_stop(t, after);
    }
    t->period_quality = 0;
}

omp_err omp_registers_restore(struct omp_registers *r, const uint8_t *cold, size_t cold_len,
                              const uint8_t *hot, size_t hot_len, const uint8_t *snap,
                              size_t snap_len)
{
    if (r == NULL || (cold == NULL && cold_len > 0u) || (hot == NULL && hot_len > 0u) ||
        (snap == NULL && snap_len > 0u)) {
        return OMP_ERR_ARG;
    }
    struct omp_registers t = *r; /* decode into a copy: r changes only on success */
    uint32_t id = r->checkpoint_id;
    omp_err err = OMP_OK;
    if (cold_len > 0u) {
        err = cold_decode(cold, cold_len, &t, &id);
        if (err != OMP_OK) {
            return err;
        }
    }
    struct hot_rec h;
    memset(&h, 0, sizeof h);
    if (hot_len > 0u) {
        err = hot_decode(hot, hot_len, &h);
        if (err != OMP_OK) {
            return err;
        }
    }
    struct omp_regs_snapshot s;
    memset(&s, 0, sizeof s);
    if (snap_len > 0u) {
        struct omp_rd rd = omp_rd_init(snap, snap_len);
        err = omp_regs_snapshot_decode(&rd, &s);
        if (err == OMP_OK && omp_rd_remaining(&rd) != 0u) {
            err = OMP_ERR_MALFORMED;
        }
        if (err != OMP_OK) {
            return err;
        }
    }
    struct omp_regs_energy base = t.e;
    if (hot_len > 0u && h.id == id) {
        apply_hot(&t, &h);
    }
    bool rolled = false;
    if (snap_len > 0u && t.billing_count < UINT32_MAX && s.billing_count == t.billing_count + 1u) {
        roll_forward(&t, &s);
        rolled = true;
    }
    t.checkpoint_id = id;
    t.cold_e = base;
    t.saved_steps = omp_regs_priv_steps(&t);
    t.saved_hours = t.hours;
    t.snapshot_pending = false;
    t.cold_due = rolled;
    *r = t;
    return OMP_OK;
}

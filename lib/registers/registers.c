/*
 * Registers state machine: energy and tariff registers, hour counter, pulse input, block demand
 * (maxima, threshold counter), the debiting schedule and snapshots, clock set and power-up.
 * Integer arithmetic only; no I/O. See docs/registers.md for the rules and their examples.
 */
#include <string.h>

#include "omnipower/registers.h"
#include "registers_priv.h"

#define DELTA_COLD_LIMIT (1ull << 31) /* a hot delta above this makes a cold checkpoint due */
#define MICRO 1000000ull
#define SPLIT_DEN_MAX 65536u /* a tariff split's denominator bound (ms of one tick) */

/* ---- helpers ------------------------------------------------------------------------------- */

uint64_t omp_regs_priv_add_sat(uint64_t a, uint64_t b)
{
    return (a > UINT64_MAX - b) ? UINT64_MAX : a + b;
}

static uint32_t add_sat32(uint32_t a, uint32_t b)
{
    return (a > UINT32_MAX - b) ? UINT32_MAX : a + b;
}

void omp_regs_priv_flatten(const struct omp_regs_energy *e, uint64_t *out)
{
    size_t k = 0;
    out[k++] = e->total.a_plus_uwh;
    out[k++] = e->total.a_minus_uwh;
    out[k++] = e->total.r_plus_uvarh;
    out[k++] = e->total.r_minus_uvarh;
    for (size_t i = 0; i < 4u; i++) {
        out[k++] = e->total.r_quadrant_uvarh[i];
    }
    out[k++] = e->total.e_plus_uvah;
    out[k++] = e->total.e_minus_uvah;
    for (size_t i = 0; i < OMP_CONFIG_TARIFFS; i++) {
        out[k++] = e->a_plus_t[i];
    }
    for (size_t i = 0; i < OMP_CONFIG_TARIFFS; i++) {
        out[k++] = e->r_plus_t[i];
    }
}

void omp_regs_priv_unflatten(const uint64_t *in, struct omp_regs_energy *e)
{
    size_t k = 0;
    e->total.a_plus_uwh = in[k++];
    e->total.a_minus_uwh = in[k++];
    e->total.r_plus_uvarh = in[k++];
    e->total.r_minus_uvarh = in[k++];
    for (size_t i = 0; i < 4u; i++) {
        e->total.r_quadrant_uvarh[i] = in[k++];
    }
    e->total.e_plus_uvah = in[k++];
    e->total.e_minus_uvah = in[k++];
    for (size_t i = 0; i < OMP_CONFIG_TARIFFS; i++) {
        e->a_plus_t[i] = in[k++];
    }
    for (size_t i = 0; i < OMP_CONFIG_TARIFFS; i++) {
        e->r_plus_t[i] = in[k++];
    }
}

uint64_t omp_regs_priv_steps(const struct omp_registers *r)
{
    uint64_t v[OMP_REGS_PRIV_N_ENERGY];
    omp_regs_priv_flatten(&r->e, v);
    uint64_t step = (r->cfg.save_step_u == 0u) ? 1u : r->cfg.save_step_u;
    uint64_t sum = 0;
    for (size_t i = 0; i < OMP_REGS_PRIV_N_ENERGY; i++) {
        sum = omp_regs_priv_add_sat(sum, v[i] / step);
    }
    return sum;
}

omp_time_s omp_regs_priv_next_stop(const struct omp_registers *r, omp_time_s after_utc)
{
    omp_time_s t = 0;
    if (omp_regs_next_stop(after_utc, r->cfg.billing_day, r->cfg.billing_interval,
                           r->cfg.utc_offset_min, r->cfg.dst_rule, &t) != OMP_OK) {
        return 0;
    }
    return t;
}

static uint8_t tariff_norm(uint8_t tariff)
{
    return (tariff >= 1u && tariff <= OMP_CONFIG_TARIFFS) ? tariff : 1u;
}

/* floor(a / b) for b > 0 */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && (a < 0)) {
        q--;
    }
    return q;
}

static uint32_t period_s(const struct omp_registers *r)
{
    return (uint32_t)r->cfg.demand_period_min * 60u;
}

/* Start of the demand period containing @p utc, aligned to local standard time. */
static omp_time_s aligned_start(const struct omp_registers *r, omp_time_s utc)
{
    int64_t off = (int64_t)r->cfg.utc_offset_min * 60;
    int64_t t = (int64_t)period_s(r);
    return floor_div(utc + off, t) * t - off;
}

/* Mean power over the nominal period: du [micro-unit h] * 3600 / (T_s * 1e6), rounded down. */
static uint32_t mean_power(uint64_t now, uint64_t start, uint32_t t_s)
{
    uint64_t du = (now > start) ? now - start : 0u;
    uint64_t div = (uint64_t)t_s * MICRO;
    uint64_t p;
    if (du > UINT64_MAX / 3600u) {
        p = du / div * 3600u; /* beyond any real meter; keeps the result monotonic */
    } else {
        p = du * 3600u / div;
    }
    return (p > UINT32_MAX) ? UINT32_MAX : (uint32_t)p;
}

static void peak_update(struct omp_regs_peak *pk, uint32_t value, omp_time_s utc)
{
    if (value > pk->value) {
        pk->value = value;
        pk->utc = utc;
    }
}

static void demand_start(struct omp_registers *r, omp_time_s utc, uint8_t tariff, uint8_t flags)
{
    struct omp_regs_demand *d = &r->demand;
    d->start_utc = aligned_start(r, utc);
    d->end_utc = d->start_utc + (omp_time_s)period_s(r);
    d->start_a_plus = r->e.total.a_plus_uwh;
    d->start_r_plus = r->e.total.r_plus_uvarh;
    d->start_e_plus = r->e.total.e_plus_uvah;
    d->start_e_minus = r->e.total.e_minus_uvah;
    d->elapsed_s = 0;
    d->tariff = tariff_norm(tariff);
    d->flags = flags;
}

/* Close the running period at @p end_utc with @p extra flags: last period, maxima, threshold. */
static void demand_close(struct omp_registers *r, omp_time_s end_utc, uint8_t extra)
{
    struct omp_regs_demand *d = &r->demand;
    uint32_t t_s = period_s(r);
    struct omp_regs_period p;
    memset(&p, 0, sizeof p);
    p.end_utc = end_utc;
    p.duration_s = d->elapsed_s;
    p.tariff = d->tariff;
    p.flags = (uint8_t)(d->flags | extra);
    if (d->elapsed_s < t_s - 1u || (p.flags & (OMP_REGS_PF_POWER_CUT | OMP_REGS_PF_CLOCK_SET))) {
        p.flags |= OMP_REGS_PF_SHORT;
    }
    p.p_plus_w = mean_power(r->e.total.a_plus_uwh, d->start_a_plus, t_s);
    p.q_plus_var = mean_power(r->e.total.r_plus_uvarh, d->start_r_plus, t_s);
    p.s_plus_va = mean_power(r->e.total.e_plus_uvah, d->start_e_plus, t_s);
    p.s_minus_va = mean_power(r->e.total.e_minus_uvah, d->start_e_minus, t_s);
    if (p.flags == 0u || r->cfg.count_flagged_periods) {
        peak_update(&r->peaks.p_plus, p.p_plus_w, end_utc);
        if (p.tariff == 1u || p.tariff == 2u) {
            peak_update(&r->peaks.p_plus_t[p.tariff - 1u], p.p_plus_w, end_utc);
        }
        peak_update(&r->peaks.q_plus, p.q_plus_var, end_utc);
        peak_update(&r->peaks.s_plus, p.s_plus_va, end_utc);
        peak_update(&r->peaks.s_minus, p.s_minus_va, end_utc);
        if (r->cfg.power_threshold_w > 0u && p.p_plus_w > r->cfg.power_threshold_w) {
            r->threshold_count = add_sat32(r->threshold_count, 1u);
        }
    }
    d->last = p;
    d->have_last = true;
    r->cold_due = true;
}

/* Take a snapshot at stop @p stop_utc, captured at @p capture_utc, with extra quality @p q. */
static void take_snapshot(struct omp_registers *r, omp_time_s stop_utc, omp_time_s capture_utc,
                          uint8_t q)
{
    struct omp_regs_snapshot *s = &r->snapshot;
    memset(s, 0, sizeof *s);
    s->utc = stop_utc;
    s->capture_utc = capture_utc;
    s->quality = (uint8_t)(r->period_quality | q);
    s->billing_count = add_sat32(r->billing_count, 1u);
    s->hours = r->hours;
    s->threshold_count = r->threshold_count;
    s->pulse_milli = r->pulse_milli;
    s->energy = r->e;
    s->peaks = r->peaks;
    s->acc.p_plus = omp_regs_priv_add_sat(r->acc.p_plus, r->peaks.p_plus.value);
    s->acc.p_plus_t[0] = omp_regs_priv_add_sat(r->acc.p_plus_t[0], r->peaks.p_plus_t[0].value);
    s->acc.p_plus_t[1] = omp_regs_priv_add_sat(r->acc.p_plus_t[1], r->peaks.p_plus_t[1].value);
    s->acc.q_plus = omp_regs_priv_add_sat(r->acc.q_plus, r->peaks.q_plus.value);
    r->acc = s->acc;
    memset(&r->peaks, 0, sizeof r->peaks);
    r->billing_count = s->billing_count;
    r->last_stop_utc = stop_utc;
    r->period_quality = 0;
    r->snapshot_pending = true;
    r->cold_due = true;
}

static void check_delta(struct omp_registers *r, uint64_t now, uint64_t base)
{
    if (now > base && now - base > DELTA_COLD_LIMIT) {
        r->cold_due = true;
    }
}

/* ---- configuration and init ------------------------------------------------------------------ */

void omp_regs_cfg_default(struct omp_regs_cfg *cfg)
{
    if (cfg == NULL) {
        return;
    }
    memset(cfg, 0, sizeof *cfg);
    cfg->utc_offset_min = 60;
    cfg->dst_rule = OMP_DST_EU;
    cfg->demand_period_min = 15;
    cfg->billing_day = 1;
    cfg->billing_interval = 1;
    cfg->power_threshold_w = 0;
    cfg->pulse_milli = 1000;
    cfg->pulse_unit = 0;
    cfg->save_step_u = 10000000; /* Z1 7.2: 0.01 kWh = 10 Wh = 1e7 uWh */
    cfg->count_flagged_periods = false;
}

static bool cfg_ok(const struct omp_regs_cfg *c)
{
    return omp_utc_offset_valid(c->utc_offset_min) &&
           (c->dst_rule == OMP_DST_NONE || c->dst_rule == OMP_DST_EU) &&
           (c->demand_period_min == 5u || c->demand_period_min == 15u ||
            c->demand_period_min == 30u || c->demand_period_min == 60u) &&
           c->billing_day >= 1u && c->billing_day <= 28u &&
           c->billing_interval <= OMP_REGS_Z7_MAX && c->pulse_milli >= 100u &&
           c->pulse_milli <= 1000000u && c->pulse_unit <= 3u && c->save_step_u > 0u;
}

omp_err omp_registers_init(struct omp_registers *r, const struct omp_regs_cfg *cfg)
{
    if (r == NULL || cfg == NULL || !cfg_ok(cfg)) {
        return OMP_ERR_ARG;
    }
    struct omp_regs_cfg c = *cfg; /* cfg may alias r->cfg */
    memset(r, 0, sizeof *r);
    r->cfg = c;
    return OMP_OK;
}

/* ---- energy, pulses, seconds ----------------------------------------------------------------- */

void omp_registers_add_energy(struct omp_registers *r, const struct omp_metro_energy *delta,
                              uint8_t tariff)
{
    if (r == NULL || delta == NULL) {
        return;
    }
    struct omp_metro_energy *t = &r->e.total;
    const struct omp_metro_energy *b = &r->cold_e.total;
    t->a_plus_uwh = omp_regs_priv_add_sat(t->a_plus_uwh, delta->a_plus_uwh);
    t->a_minus_uwh = omp_regs_priv_add_sat(t->a_minus_uwh, delta->a_minus_uwh);
    t->r_plus_uvarh = omp_regs_priv_add_sat(t->r_plus_uvarh, delta->r_plus_uvarh);
    t->r_minus_uvarh = omp_regs_priv_add_sat(t->r_minus_uvarh, delta->r_minus_uvarh);
    for (size_t i = 0; i < 4u; i++) {
        t->r_quadrant_uvarh[i] =
            omp_regs_priv_add_sat(t->r_quadrant_uvarh[i], delta->r_quadrant_uvarh[i]);
        check_delta(r, t->r_quadrant_uvarh[i], b->r_quadrant_uvarh[i]);
    }
    t->e_plus_uvah = omp_regs_priv_add_sat(t->e_plus_uvah, delta->e_plus_uvah);
    t->e_minus_uvah = omp_regs_priv_add_sat(t->e_minus_uvah, delta->e_minus_uvah);
    size_t k = (size_t)tariff_norm(tariff) - 1u;
    r->e.a_plus_t[k] = omp_regs_priv_add_sat(r->e.a_plus_t[k], delta->a_plus_uwh);
    r->e.r_plus_t[k] = omp_regs_priv_add_sat(r->e.r_plus_t[k], delta->r_plus_uvarh);

    check_delta(r, t->a_plus_uwh, b->a_plus_uwh);
    check_delta(r, t->a_minus_uwh, b->a_minus_uwh);
    check_delta(r, t->r_plus_uvarh, b->r_plus_uvarh);
    check_delta(r, t->r_minus_uvarh, b->r_minus_uvarh);
    check_delta(r, t->e_plus_uvah, b->e_plus_uvah);
    check_delta(r, t->e_minus_uvah, b->e_minus_uvah);
    check_delta(r, r->e.a_plus_t[k], r->cold_e.a_plus_t[k]);
    check_delta(r, r->e.r_plus_t[k], r->cold_e.r_plus_t[k]);
}

static void energy_sub(const struct omp_metro_energy *a, const struct omp_metro_energy *b,
                       struct omp_metro_energy *d)
{
    d->a_plus_uwh = a->a_plus_uwh - b->a_plus_uwh;
    d->a_minus_uwh = a->a_minus_uwh - b->a_minus_uwh;
    d->r_plus_uvarh = a->r_plus_uvarh - b->r_plus_uvarh;
    d->r_minus_uvarh = a->r_minus_uvarh - b->r_minus_uvarh;
    for (unsigned k = 0; k < 4u; k++) {
        d->r_quadrant_uvarh[k] = a->r_quadrant_uvarh[k] - b->r_quadrant_uvarh[k];
    }
    d->e_plus_uvah = a->e_plus_uvah - b->e_plus_uvah;
    d->e_minus_uvah = a->e_minus_uvah - b->e_minus_uvah;
}

/* part = d * num / den (num <= den), each register. */
static void energy_part(const struct omp_metro_energy *d, uint64_t num, uint64_t den,
                        struct omp_metro_energy *part)
{
    part->a_plus_uwh = d->a_plus_uwh * num / den;
    part->a_minus_uwh = d->a_minus_uwh * num / den;
    part->r_plus_uvarh = d->r_plus_uvarh * num / den;
    part->r_minus_uvarh = d->r_minus_uvarh * num / den;
    for (unsigned k = 0; k < 4u; k++) {
        part->r_quadrant_uvarh[k] = d->r_quadrant_uvarh[k] * num / den;
    }
    part->e_plus_uvah = d->e_plus_uvah * num / den;
    part->e_minus_uvah = d->e_minus_uvah * num / den;
}

void omp_registers_feed(struct omp_registers *r, const struct omp_metro_energy *total,
                        const struct omp_tariff_split *split)
{
    if (r == NULL || total == NULL || split == NULL) {
        return;
    }
    struct omp_metro_energy d;
    energy_sub(total, &r->fed, &d);
    r->fed = *total;
    /* E+ and E- bound every other register; below 2^40 and with den <= 2^16 (60 s in ms) the
     * products stay below 2^64 */
    if (split->num > 0u && split->num <= split->den && split->den <= SPLIT_DEN_MAX &&
        d.e_plus_uvah < (1ull << 40) && d.e_minus_uvah < (1ull << 40)) {
        struct omp_metro_energy before, after;
        energy_part(&d, split->num, split->den, &before);
        omp_registers_add_energy(r, &before, split->before);
        energy_sub(&d, &before, &after);
        d = after;
    }
    omp_registers_add_energy(r, &d, split->after);
}

void omp_registers_set_power_threshold(struct omp_registers *r, uint32_t w)
{
    if (r != NULL) {
        r->cfg.power_threshold_w = w;
    }
}

omp_err omp_registers_set_dst(struct omp_registers *r, enum omp_dst_rule rule)
{
    if (r == NULL || (rule != OMP_DST_NONE && rule != OMP_DST_EU)) {
        return OMP_ERR_ARG;
    }
    r->cfg.dst_rule = rule;
    r->next_stop_utc = 0; /* the next tick computes it in the new local time */
    return OMP_OK;
}

void omp_registers_add_pulses(struct omp_registers *r, uint32_t pulses)
{
    if (r == NULL) {
        return;
    }
    r->pulse_milli = omp_regs_priv_add_sat(r->pulse_milli, (uint64_t)pulses * r->cfg.pulse_milli);
}

static void billing_tick(struct omp_registers *r, omp_time_s utc)
{
    if (r->next_stop_utc == 0) {
        r->next_stop_utc =
            omp_regs_priv_next_stop(r, (r->last_stop_utc > utc) ? r->last_stop_utc : utc);
    }
    if (r->next_stop_utc == 0 || utc < r->next_stop_utc || r->snapshot_pending) {
        return;
    }
    omp_time_s stop = r->next_stop_utc;
    uint8_t q = 0;
    if (utc > stop + 1) {
        q |= OMP_REGS_Q_LATE;
    }
    if (omp_dst_active(r->cfg.dst_rule, stop)) {
        q |= OMP_REGS_Q_DST;
    }
    omp_time_s after = omp_regs_priv_next_stop(r, stop);
    if (after != 0 && after <= utc) {
        q |= OMP_REGS_Q_SKIPPED;
    }
    take_snapshot(r, stop, utc, q);
    r->next_stop_utc = omp_regs_priv_next_stop(r, (utc > stop) ? utc : stop);
}

omp_err omp_registers_second(struct omp_registers *r, omp_time_s utc, bool utc_valid, bool supply,
                             uint8_t tariff)
{
    if (r == NULL || (utc_valid && (!omp_regs_priv_time_ok(utc) || utc == 0))) {
        return OMP_ERR_ARG;
    }
    if (supply) {
        r->supply_s++;
        if (r->supply_s >= (uint32_t)OMP_SECONDS_PER_HOUR) {
            r->supply_s = 0;
            r->hours = add_sat32(r->hours, 1u);
        }
    }
    struct omp_regs_demand *d = &r->demand;
    if (!utc_valid) {
        /* nothing closes on an invalid clock; flags of a period not yet started wait in d->flags */
        d->flags |= OMP_REGS_PF_CLOCK_BAD;
        if (d->start_utc != 0) {
            d->elapsed_s = add_sat32(d->elapsed_s, 1u);
        }
        r->period_quality |= OMP_REGS_Q_CLOCK_BAD;
        return OMP_OK; /* utc keeps the newest valid second */
    }
    r->utc = utc;
    r->utc_valid = true;
    if (d->start_utc == 0) {
        /* first valid clock: the period began before we counted */
        demand_start(r, utc, tariff, (uint8_t)(d->flags | OMP_REGS_PF_SHORT));
    } else if (utc < d->start_utc) {
        /* the clock went back without omp_registers_clock_set(): treat it as one */
        demand_close(r, utc, OMP_REGS_PF_CLOCK_SET);
        demand_start(r, utc, tariff, OMP_REGS_PF_CLOCK_SET | OMP_REGS_PF_SHORT);
        r->period_quality |= OMP_REGS_Q_CLOCK_SET;
    } else {
        d->elapsed_s = add_sat32(d->elapsed_s, 1u);
        if (utc >= d->end_utc) {
            omp_time_s end = d->end_utc;
            demand_close(r, end, 0u);
            demand_start(r, utc, tariff, 0u);
            if (d->start_utc != end) {
                d->flags |= OMP_REGS_PF_SHORT; /* whole periods were skipped: started late */
            }
        }
    }
    billing_tick(r, utc);
    return OMP_OK;
}

/* ---- clock set, power up, external stop ------------------------------------------------------ */

void omp_registers_clock_set(struct omp_registers *r, omp_time_s old_utc, omp_time_s new_utc)
{
    if (r == NULL || !omp_regs_priv_time_ok(new_utc) || new_utc == 0) {
        return;
    }
    struct omp_regs_demand *d = &r->demand;
    uint8_t tariff = (d->start_utc != 0) ? d->tariff : 1u;
    uint8_t pending = 0;
    if (d->start_utc != 0) {
        demand_close(r, old_utc, OMP_REGS_PF_CLOCK_SET | OMP_REGS_PF_SHORT);
    } else {
        pending = d->flags;
    }
    demand_start(r, new_utc, tariff,
                 (uint8_t)(pending | OMP_REGS_PF_CLOCK_SET | OMP_REGS_PF_SHORT));
    r->period_quality |= OMP_REGS_Q_CLOCK_SET;
    bool jumped_over = r->next_stop_utc != 0 && old_utc < r->next_stop_utc &&
                       r->next_stop_utc <= new_utc;
    if (!jumped_over) {
        r->next_stop_utc =
            omp_regs_priv_next_stop(r, (r->last_stop_utc > new_utc) ? r->last_stop_utc : new_utc);
    }
    r->utc = new_utc;
    r->utc_valid = true;
    r->cold_due = true;
}

void omp_registers_power_up(struct omp_registers *r, omp_time_s utc, bool utc_valid)
{
    if (r == NULL) {
        return;
    }
    struct omp_regs_demand *d = &r->demand;
    d->flags |= OMP_REGS_PF_POWER_CUT;
    r->period_quality |= OMP_REGS_Q_POWER_CUT;
    if (utc_valid && omp_regs_priv_time_ok(utc) && utc != 0) {
        if (d->start_utc == 0) {
            demand_start(r, utc, 1u,
                         (uint8_t)(d->flags | OMP_REGS_PF_POWER_CUT | OMP_REGS_PF_SHORT));
        } else if (utc >= d->end_utc || utc < d->start_utc) {
            uint8_t tariff = d->tariff;
            demand_close(r, (utc >= d->end_utc) ? d->end_utc : utc, OMP_REGS_PF_SHORT);
            demand_start(r, utc, tariff, OMP_REGS_PF_POWER_CUT | OMP_REGS_PF_SHORT);
        }
        r->utc = utc;
        r->utc_valid = true;
    }
    /* without a valid clock, utc keeps the newest valid second of the previous run */
    r->cold_due = true;
}

omp_err omp_registers_billing_stop(struct omp_registers *r, omp_time_s utc)
{
    if (r == NULL || !omp_regs_priv_time_ok(utc)) {
        return OMP_ERR_ARG;
    }
    if (r->snapshot_pending) {
        return OMP_ERR_BUSY;
    }
    take_snapshot(r, utc, utc, OMP_REGS_Q_COMMANDED);
    return OMP_OK;
}

/* ---- debiting schedule ----------------------------------------------------------------------- */

/* Z7 code -> (month step, first month); false for 0 / out of range. */
static bool z7_months(uint8_t interval, uint32_t *step, uint32_t *first)
{
    if (interval == 1u) {
        *step = 1u;
        *first = 1u;
    } else if (interval <= 3u && interval >= 2u) {
        *step = 2u;
        *first = interval - 1u;
    } else if (interval >= 4u && interval <= 6u) {
        *step = 3u;
        *first = interval - 3u;
    } else if (interval >= 7u && interval <= 12u) {
        *step = 6u;
        *first = interval - 6u;
    } else if (interval >= 13u && interval <= OMP_REGS_Z7_MAX) {
        *step = 12u;
        *first = interval - 12u;
    } else {
        return false;
    }
    return true;
}

omp_err omp_regs_next_stop(omp_time_s after_utc, uint8_t day, uint8_t interval,
                           int32_t offset_min, enum omp_dst_rule dst, omp_time_s *stop)
{
    if (stop == NULL || day < 1u || day > 28u || interval > OMP_REGS_Z7_MAX ||
        !omp_utc_offset_valid(offset_min) || (dst != OMP_DST_NONE && dst != OMP_DST_EU)) {
        return OMP_ERR_ARG;
    }
    uint32_t step = 0, first = 0;
    if (!z7_months(interval, &step, &first)) {
        return OMP_ERR_NOT_FOUND;
    }
    struct omp_datetime now;
    omp_err err = omp_local_time(after_utc, offset_min, dst, &now, NULL);
    if (err != OMP_OK) {
        return err;
    }
    uint32_t year = now.year, month = now.month;
    for (unsigned i = 0; i < 14u; i++) {
        if ((month + 12u - first) % step == 0u) {
            struct omp_datetime dt;
            memset(&dt, 0, sizeof dt);
            dt.year = (uint16_t)year;
            dt.month = (uint8_t)month;
            dt.day = day;
            omp_time_s t = 0;
            err = omp_local_to_utc(&dt, offset_min, dst, &t);
            if (err != OMP_OK) {
                return OMP_ERR_RANGE;
            }
            if (t > after_utc) {
                *stop = t;
                return OMP_OK;
            }
        }
        if (++month > 12u) {
            month = 1u;
            if (++year > OMP_CAL_YEAR_MAX) {
                return OMP_ERR_RANGE;
            }
        }
    }
    return OMP_ERR_INTERNAL; /* a qualifying month comes at least once a year */
}

/* ---- persistence bookkeeping ----------------------------------------------------------------- */

bool omp_registers_hot_due(const struct omp_registers *r)
{
    if (r == NULL) {
        return false;
    }
    return omp_regs_priv_steps(r) != r->saved_steps || r->hours != r->saved_hours;
}

bool omp_registers_cold_due(const struct omp_registers *r)
{
    return r != NULL && r->cold_due;
}

void omp_registers_hot_saved(struct omp_registers *r)
{
    if (r == NULL) {
        return;
    }
    r->saved_steps = omp_regs_priv_steps(r);
    r->saved_hours = r->hours;
}

void omp_registers_cold_saved(struct omp_registers *r)
{
    if (r == NULL) {
        return;
    }
    r->checkpoint_id = (r->checkpoint_id == UINT32_MAX) ? 1u : r->checkpoint_id + 1u;
    r->cold_e = r->e;
    r->saved_steps = omp_regs_priv_steps(r);
    r->saved_hours = r->hours;
    r->cold_due = false;
}

const struct omp_regs_snapshot *omp_registers_pending_snapshot(const struct omp_registers *r)
{
    return (r != NULL && r->snapshot_pending) ? &r->snapshot : NULL;
}

void omp_registers_snapshot_saved(struct omp_registers *r)
{
    if (r != NULL) {
        r->snapshot_pending = false;
    }
}

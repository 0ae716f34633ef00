/*
 * Demand register (class 5 v0) and register monitor (class 21 v0): standard objects the OMNIPOWER
 * object list lacks (technical facts 11.3 serves its demand as class 3 means and class 4 maxima),
 * at their standard OBIS codes, from what the registers already compute (docs/cosem.md "Demand
 * and monitor").
 *
 * Demand registers 1.0.C.4.0.255 (C = 1 A+, 3 R+, 9 E+, 10 E-: the block demands the registers
 * keep, struct omp_regs_demand): block demand over the Z4 period aligned to local standard time,
 * number_of_periods 1. Attributes (Blue Book IC 5):
 *   2 current_average_value  double-long-unsigned: the energy since start_time_current divided by
 *                            number_of_periods * period (the nominal period, not the time elapsed:
 *                            the value grows through the period and reaches the period's mean at
 *                            its end; Blue Book IC 5 attribute 2); 0 before the first period
 *   3 last_average_value     double-long-unsigned: the last closed period's mean, as the maxima
 *                            take it (dE / T, rounded down); 0 before one closed
 *   4 scaler_unit            {0, W / var / VA} (cosem.c, from the row)
 *   5 status                 unsigned: the last closed period's flags (OMP_REGS_PF_*: 1 power
 *                            cut, 2 clock set, 4 short, 8 clock invalid); 0 before one closed
 *   6 capture_time           date-time: the end of the last closed period (unset before one)
 *   7 start_time_current     date-time: the running period's aligned start (unset before one)
 *   8 period                 double-long-unsigned: Z4 in seconds
 *   9 number_of_periods      long-unsigned 1 (block demand)
 * Methods 1 reset and 2 next_period: listed, granted to nobody (legal data: cosem.c).
 *
 * Register monitor 0.0.16.0.0.255 (Blue Book IC 21 attributes):
 *   2 thresholds       array of one double-long-unsigned: PowerThresholdValue 1.1.96.51.1.255 (W)
 *   3 monitored_value  {long-unsigned 3, octet-string 1.1.1.7.0.255, integer 2}: active power
 *                      import of the newest mains cycle
 *   4 actions          array of one action_set {action_up {0.0.10.0.103.255, 1}, action_down
 *                      {0.0.10.0.103.255, 2}}: the Blue Book's "set output signals" script table,
 *                      not in the object list (no output is driven in this release); what the
 *                      meter does is push OMP_EV_MONITOR_UP / _DOWN (omp_cosem_monitor_eval).
 */
#include <string.h>

#include "omnipower/cosem.h"

#include "cosem_priv.h"

/* ---- demand registers ---------------------------------------------------------------------- */

#define MICRO 1000000u

/* Mean power over @p t_s seconds of the energy grown from @p start to @p now (micro-units h):
 * du * 3600 / (t_s * 1e6), rounded down, saturated (the registers' rule for the maxima). */
static uint32_t mean_power(uint64_t now, uint64_t start, uint32_t t_s)
{
    uint64_t du = now > start ? now - start : 0u;
    uint64_t div = (uint64_t)t_s * MICRO;
    uint64_t p = du > UINT64_MAX / 3600u ? du / div * 3600u : du * 3600u / div;
    return p > UINT32_MAX ? UINT32_MAX : (uint32_t)p;
}

/* The running period's energy now and at its start, and the last period's mean, of @p which. */
static void demand_of(const struct omp_registers *r, uint8_t which, uint64_t *now, uint64_t *start,
                      uint32_t *last)
{
    const struct omp_regs_demand *d = &r->demand;
    const struct omp_metro_energy *t = &r->e.total;
    switch (which) {
    case OMP_COSEM_DM_A_PLUS:
        *now = t->a_plus_uwh;
        *start = d->start_a_plus;
        *last = d->last.p_plus_w;
        break;
    case OMP_COSEM_DM_R_PLUS:
        *now = t->r_plus_uvarh;
        *start = d->start_r_plus;
        *last = d->last.q_plus_var;
        break;
    case OMP_COSEM_DM_E_PLUS:
        *now = t->e_plus_uvah;
        *start = d->start_e_plus;
        *last = d->last.s_plus_va;
        break;
    default:
        *now = t->e_minus_uvah;
        *start = d->start_e_minus;
        *last = d->last.s_minus_va;
        break;
    }
}

omp_err omp_cosem_priv_get_demand(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                                  uint8_t attr, struct omp_value *out)
{
    const struct omp_regs_demand *d = &s->regs->demand;
    const uint32_t t_s = (uint32_t)s->regs->cfg.demand_period_min * 60u;
    uint64_t now = 0, start = 0;
    uint32_t last = 0;
    demand_of(s->regs, o->arg, &now, &start, &last);
    switch (attr) {
    case 2u: {
        uint32_t cur = d->start_utc != 0 && t_s != 0u ? mean_power(now, start, t_s) : 0u;
        *out = omp_value_uint(OMP_VT_U32, cur, o->scaler, (enum omp_unit)o->unit);
        break;
    }
    case 3u:
        *out = omp_value_uint(OMP_VT_U32, d->have_last ? last : 0u, o->scaler,
                              (enum omp_unit)o->unit);
        break;
    case 5u:
        *out = omp_value_uint(OMP_VT_U8, d->have_last ? d->last.flags : 0u, 0, OMP_UNIT_NONE);
        break;
    case 6u:
        *out = omp_cosem_time(s, d->have_last ? d->last.end_utc : 0, true, true);
        break;
    case 7u:
        *out = omp_cosem_time(s, d->start_utc, true, true);
        break;
    case 8u:
        *out = omp_value_uint(OMP_VT_U32, t_s, 0, OMP_UNIT_NONE);
        break;
    default: /* 9 number_of_periods */
        *out = omp_value_uint(OMP_VT_U16, 1u, 0, OMP_UNIT_NONE);
        break;
    }
    return OMP_OK;
}

/* ---- register monitor ---------------------------------------------------------------------- */

static const uint8_t k_monitored[6] = {1u, 1u, 1u, 7u, 0u, 255u};     /* P+ instantaneous */
static const uint8_t k_threshold[6] = {1u, 1u, 96u, 51u, 1u, 255u};   /* PowerThresholdValue */
static const uint8_t k_out_script[6] = {0u, 0u, 10u, 0u, 103u, 255u}; /* set output signals */

/* One action_item {script_logical_name, script_selector}: 13 bytes at @p p. */
static uint8_t *put_action_item(uint8_t *p, uint16_t selector)
{
    *p++ = 0x02u; /* structure of 2 */
    *p++ = 2u;
    *p++ = 0x09u; /* octet-string(6) */
    *p++ = 6u;
    memcpy(p, k_out_script, 6u);
    p += 6;
    *p++ = 0x12u; /* long-unsigned */
    *p++ = (uint8_t)(selector >> 8);
    *p++ = (uint8_t)selector;
    return p;
}

omp_err omp_cosem_priv_get_monitor(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                                   uint8_t attr, struct omp_value *out)
{
    (void)o;
    uint8_t b[OMP_VALUE_BYTES_MAX];
    uint8_t *p = b;
    if (attr == 2u) { /* thresholds: array of 1 double-long-unsigned */
        const uint32_t t = s->regs->cfg.power_threshold_w;
        const uint8_t th[7] = {0x01u, 1u, 0x06u, (uint8_t)(t >> 24), (uint8_t)(t >> 16),
                               (uint8_t)(t >> 8), (uint8_t)t};
        memcpy(p, th, sizeof th);
        p += sizeof th;
    } else if (attr == 3u) { /* monitored_value: {class_id, logical_name, attribute_index} */
        const uint8_t head[6] = {0x02u, 3u, 0x12u, 0u, OMP_CLASS_REGISTER, 0x09u};
        memcpy(p, head, sizeof head);
        p += sizeof head;
        *p++ = 6u;
        memcpy(p, k_monitored, 6u);
        p += 6;
        *p++ = 0x0Fu; /* integer */
        *p++ = 2u;
    } else { /* actions: array of 1 action_set {action_up, action_down} */
        const uint8_t head[4] = {0x01u, 1u, 0x02u, 2u};
        memcpy(p, head, sizeof head);
        p = put_action_item(p + sizeof head, 1u);
        p = put_action_item(p, 2u);
    }
    return omp_value_bytes(OMP_VT_ENCODED, b, (size_t)(p - b), out);
}

/* Attribute 2 of @p obis read by the meter itself, as an unsigned integer at scaler 0. */
static bool read_u(const struct omp_cosem_src *s, const uint8_t obis[6], uint64_t *u)
{
    struct omp_value v;
    bool neg = false;
    return omp_cosem_get(s, omp_cosem_find(obis), 2u, OMP_ASSOC_LOCAL, &v) == OMP_OK &&
           omp_value_scaled(&v, 0, u, &neg) == OMP_OK && !neg;
}

omp_err omp_cosem_monitor_eval(const struct omp_cosem_src *s, struct omp_cosem_monitor *st,
                               struct omp_event *ev)
{
    if (s == NULL || st == NULL || ev == NULL || s->regs == NULL || s->cycle == NULL) {
        return OMP_ERR_ARG;
    }
    uint64_t thr = 0, value = 0;
    if (!read_u(s, k_threshold, &thr) || thr == 0u || !read_u(s, k_monitored, &value)) {
        st->above = false; /* off (or nothing to compare): the next crossing starts from below */
        return OMP_ERR_NOT_FOUND;
    }
    const bool above = value > thr;
    if (above == st->above) {
        return OMP_ERR_NOT_FOUND;
    }
    st->above = above;
    memset(ev, 0, sizeof *ev);
    ev->code = above ? (uint16_t)OMP_EV_MONITOR_UP : (uint16_t)OMP_EV_MONITOR_DOWN;
    ev->arg = value > UINT32_MAX ? UINT32_MAX : (uint32_t)value;
    ev->flags = 0u; /* the first (only) threshold */
    ev->utc_s = s->clock_utc_s;
    return OMP_OK;
}

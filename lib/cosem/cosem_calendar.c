/*
 * The tariff module's calendars as COSEM objects (docs/cosem.md "Calendar objects"), and the end
 * of billing period's script table 0.0.10.0.1.255 (class 9) and single action schedule
 * 0.0.15.0.0.255 (class 22) from the debiting configuration (Z6, Z7): Activity
 * calendar (class 20 v0, 0.0.13.0.0.255) and Special days table (class 11 v0, 0.0.11.0.0.255),
 * standard objects the OMNIPOWER object list lacks (technical facts 6.3, 11.3: its plans are set
 * by KMP/METERTOOL), added at their standard OBIS codes (Blue Book 4.5.5, 4.5.3).
 *
 * Attribute encodings (Blue Book IC 20 and IC 11):
 *   calendar_name            octet-string, empty (the tariff module keeps no name)
 *   season_profile           array of {season_profile_name octet-string(1) = k + 1,
 *                            season_start octet-string(12) date-time FFFF mm dd FF 00 00 00 00
 *                            8000 FF, week_name octet-string(1) = week index + 1}
 *   week_profile_table       array of {week_profile_name octet-string(1) = k + 1,
 *                            monday..sunday unsigned day_id = day profile index + 1}
 *   day_profile_table        array of {day_id unsigned = k + 1, day_schedule array of
 *                            {start_time octet-string(4) hh mm 00 00, script_logical_name
 *                            octet-string(6) 0.0.10.0.100.255 (tariffication script table),
 *                            script_selector long-unsigned = tariff}}
 *   activate_passive_calendar_time  date-time; not specified when no passive calendar waits
 *   entries (IC 11 attr 2)   array of {index long-unsigned = k + 1, specialday_date
 *                            octet-string(5) yyyy mm dd FF (year FFFF: every year), day_id}
 * The passive attributes show the passive calendar, or the active one when none waits (after
 * activation the Blue Book's passive calendar still holds what became active).
 *
 * Writes (attributes 7, 8, 9 and 10 of the activity calendar) build a new passive calendar from
 * the one shown, with the written attribute replaced, and hand it to the meter's set_calendar op,
 * which checks it (omp_tou_check) and stores it; a calendar it refuses is OMP_ERR_RANGE.
 */
#include <string.h>

#include "omnipower/axdr.h"
#include "omnipower/cosem.h"
#include "omnipower/registers.h"
#include "omnipower/tariff.h"

#include "cosem_priv.h"

/* Activation time of a passive calendar written without one: never by itself (the method). */
#define CAL_NEVER INT64_MAX

static const uint8_t k_tariff_script[6] = {0u, 0u, 10u, 0u, 100u, 255u};

static void sticky(omp_err e)
{
    (void)e;
}

/* The calendar attribute @p attr shows (NULL: none), and whether it is the passive side. */
static const struct omp_tou_calendar *shown(const struct omp_tariff *t, uint8_t attr)
{
    if (t == NULL) {
        return NULL;
    }
    if (attr >= 6u && t->has_passive) {
        return &t->passive;
    }
    return t->has_active ? &t->active : NULL;
}

static void put_name(struct omp_wr *w, unsigned k)
{
    const uint8_t b = (uint8_t)(k + 1u);
    sticky(omp_axdr_put_octets(w, &b, 1u));
}

static void put_seasons(struct omp_wr *w, const struct omp_tou_calendar *c)
{
    sticky(omp_axdr_put_array(w, c->n_seasons));
    for (unsigned k = 0; k < c->n_seasons; k++) {
        const uint8_t start[12] = {
            0xFFu, 0xFFu, c->season[k].month, c->season[k].day, 0xFFu, 0u, 0u, 0u, 0u, 0x80u,
            0u,    0xFFu};
        sticky(omp_axdr_put_structure(w, 3u));
        put_name(w, k);
        sticky(omp_axdr_put_octets(w, start, sizeof start));
        put_name(w, c->season[k].week);
    }
}

static void put_weeks(struct omp_wr *w, const struct omp_tou_calendar *c)
{
    sticky(omp_axdr_put_array(w, c->n_weeks));
    for (unsigned k = 0; k < c->n_weeks; k++) {
        sticky(omp_axdr_put_structure(w, 8u));
        put_name(w, k);
        for (unsigned d = 0; d < 7u; d++) {
            sticky(omp_axdr_put_u8(w, (uint8_t)(c->week[k].day[d] + 1u)));
        }
    }
}

static void put_days(struct omp_wr *w, const struct omp_tou_calendar *c)
{
    sticky(omp_axdr_put_array(w, c->n_days));
    for (unsigned k = 0; k < c->n_days; k++) {
        const struct omp_tou_day *d = &c->day[k];
        sticky(omp_axdr_put_structure(w, 2u));
        sticky(omp_axdr_put_u8(w, (uint8_t)(k + 1u)));
        sticky(omp_axdr_put_array(w, d->n_switches));
        for (unsigned s = 0; s < d->n_switches; s++) {
            const uint8_t at[4] = {d->sw[s].hour, d->sw[s].minute, 0u, 0u};
            sticky(omp_axdr_put_structure(w, 3u));
            sticky(omp_axdr_put_octets(w, at, sizeof at));
            sticky(omp_axdr_put_octets(w, k_tariff_script, sizeof k_tariff_script));
            sticky(omp_axdr_put_u16(w, d->sw[s].tariff));
        }
    }
}

static void put_special(struct omp_wr *w, const struct omp_tou_calendar *c)
{
    sticky(omp_axdr_put_array(w, c != NULL ? c->n_special : 0u));
    for (unsigned k = 0; c != NULL && k < c->n_special; k++) {
        const struct omp_tou_special *s = &c->special[k];
        const uint8_t date[5] = {(uint8_t)(s->year >> 8), (uint8_t)s->year, s->month, s->day,
                                 0xFFu};
        sticky(omp_axdr_put_structure(w, 3u));
        sticky(omp_axdr_put_u16(w, (uint16_t)(k + 1u)));
        sticky(omp_axdr_put_octets(w, date, sizeof date));
        sticky(omp_axdr_put_u8(w, (uint8_t)(s->day_profile + 1u)));
    }
}

/* ---- the end of billing period: script table 0.0.10.0.1.255, single action schedule
 * 0.0.15.0.0.255 ---------------------------------------------------------------------------- */

static const uint8_t k_billing_script[6] = {0u, 0u, 10u, 0u, 1u, 255u};
static const uint8_t k_billing_log[6] = {1u, 1u, 98u, 1u, 0u, 255u};

/* Months of the year with a debiting stop under Z7 @p z7 (bit m - 1: month m): 1 every month;
 * 2, 3 every 2nd month from January, February; 4..6 every 3rd from January..March; 7..12 every
 * 6th from January..June; 13..24 once a year in January..December; 0 (external only): none. */
static uint16_t billing_months(uint8_t z7)
{
    unsigned step = z7 == 1u ? 1u : z7 <= 3u ? 2u : z7 <= 6u ? 3u : z7 <= 12u ? 6u : 12u;
    unsigned first = z7 == 1u    ? 1u
                     : z7 <= 3u  ? z7 - 1u
                     : z7 <= 6u  ? z7 - 3u
                     : z7 <= 12u ? z7 - 6u
                                 : z7 - 12u;
    uint16_t m = 0;
    for (unsigned k = first; z7 != 0u && z7 <= OMP_REGS_Z7_MAX && k <= 12u; k += step) {
        m = (uint16_t)(m | 1u << (k - 1u));
    }
    return m;
}

/* scripts (IC 9 attr 2): script 1 captures the billing logger (the debiting stop, which also
 * resets the maxima: technical facts 4) */
static void put_billing_scripts(struct omp_wr *w)
{
    sticky(omp_axdr_put_array(w, 1u));
    sticky(omp_axdr_put_structure(w, 2u));
    sticky(omp_axdr_put_u16(w, 1u));
    sticky(omp_axdr_put_array(w, 1u));
    sticky(omp_axdr_put_structure(w, 5u));
    sticky(omp_axdr_put_enum(w, 2u)); /* execute a method */
    sticky(omp_axdr_put_u16(w, 7u));  /* profile generic */
    sticky(omp_axdr_put_octets(w, k_billing_log, sizeof k_billing_log));
    sticky(omp_axdr_put_i8(w, 2)); /* capture */
    sticky(omp_axdr_put_i8(w, 0));
}

/* execution_time (IC 22 attr 4): {00:00:00.00, FFFF mm dd FF} per month with a stop; every
 * month: one entry, month FF */
static void put_billing_times(const struct omp_cosem_src *s, struct omp_wr *w)
{
    const uint8_t z7 = s->regs != NULL ? s->regs->cfg.billing_interval : 0u;
    const uint8_t day = s->regs != NULL ? s->regs->cfg.billing_day : 0u;
    const uint16_t months = billing_months(z7);
    unsigned n = 0;
    for (unsigned m = 0; m < 12u; m++) {
        n += (months >> m) & 1u;
    }
    n = n == 12u ? 1u : n;
    sticky(omp_axdr_put_array(w, n));
    for (unsigned m = 0; m < 12u && n != 0u; m++) {
        if (((months >> m) & 1u) == 0u) {
            continue;
        }
        const uint8_t at[4] = {0u, 0u, 0u, 0u};
        const uint8_t date[5] = {0xFFu, 0xFFu, months == 0xFFFu ? 0xFFu : (uint8_t)(m + 1u), day,
                                 0xFFu};
        sticky(omp_axdr_put_structure(w, 2u));
        sticky(omp_axdr_put_octets(w, at, sizeof at));
        sticky(omp_axdr_put_octets(w, date, sizeof date));
        if (months == 0xFFFu) {
            break;
        }
    }
}

/* The single action schedule's short attributes: 2 executed_script, 3 type. */
static omp_err get_schedule(const struct omp_cosem_src *s, uint8_t attr, struct omp_value *out)
{
    if (attr == 3u) {
        /* 1: one execution_time, wildcards in the date; 3: several, the same time, wildcards */
        const uint8_t z7 = s->regs != NULL ? s->regs->cfg.billing_interval : 0u;
        *out = omp_value_uint(OMP_VT_ENUM, z7 <= 1u || z7 >= 13u ? 1u : 3u, 0, OMP_UNIT_NONE);
        return OMP_OK;
    }
    uint8_t tmp[13] = {0x02u, 0x02u, 0x09u, 0x06u};
    memcpy(tmp + 4, k_billing_script, 6u);
    tmp[10] = 0x12u; /* script_selector 1 */
    tmp[11] = 0u;
    tmp[12] = 1u;
    return omp_value_bytes(OMP_VT_ENCODED, tmp, sizeof tmp, out);
}

bool omp_cosem_priv_cal_axdr(const struct omp_cosem_obj *o, uint8_t attr)
{
    if (o->class_id == OMP_CLASS_SPECIAL_DAYS || o->class_id == OMP_CLASS_SCRIPT_TABLE) {
        return attr == 2u;
    }
    if (o->class_id == OMP_CLASS_SINGLE_ACTION) {
        return attr == 4u;
    }
    return o->class_id == OMP_CLASS_ACTIVITY_CAL && attr >= 3u && attr <= 9u && attr != 6u;
}

omp_err omp_cosem_priv_cal_put(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                               uint8_t attr, struct omp_wr *w)
{
    const struct omp_tou_calendar *c = shown(s->calendars, attr);
    if (o->class_id == OMP_CLASS_SCRIPT_TABLE) {
        put_billing_scripts(w);
        return omp_wr_status(w);
    }
    if (o->class_id == OMP_CLASS_SINGLE_ACTION) {
        put_billing_times(s, w);
        return omp_wr_status(w);
    }
    if (o->class_id == OMP_CLASS_SPECIAL_DAYS) {
        put_special(w, c);
        return omp_wr_status(w);
    }
    if (c == NULL) {
        return omp_axdr_put_array(w, 0u); /* no calendar: empty tables */
    }
    switch (attr) {
    case 3u:
    case 7u:
        put_seasons(w, c);
        break;
    case 4u:
    case 8u:
        put_weeks(w, c);
        break;
    default:
        put_days(w, c);
        break;
    }
    return omp_wr_status(w);
}

omp_err omp_cosem_priv_cal_get(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                               uint8_t attr, struct omp_value *out)
{
    if (o->class_id == OMP_CLASS_SINGLE_ACTION && attr != 4u) {
        return get_schedule(s, attr, out);
    }
    if (attr == 2u && o->class_id == OMP_CLASS_ACTIVITY_CAL) {
        return omp_value_bytes(OMP_VT_OCTETS, "", 0u, out); /* calendar_name_active */
    }
    if (attr == 6u) {
        return omp_value_bytes(OMP_VT_OCTETS, "", 0u, out); /* calendar_name_passive */
    }
    if (attr == 10u) {
        const struct omp_tariff *t = s->calendars;
        bool waits = t != NULL && t->has_passive && t->passive_at_utc != CAL_NEVER;
        *out = waits ? omp_cosem_time(s, t->passive_at_utc, true, false)
                     : omp_value_datetime(0, 0, 0u, true);
        return OMP_OK;
    }
    /* a structured attribute: whole when it fits a value (other readers than DLMS) */
    uint8_t tmp[OMP_VALUE_BYTES_MAX];
    struct omp_wr w = omp_wr_init(tmp, sizeof tmp);
    if (omp_cosem_priv_cal_put(s, o, attr, &w) != OMP_OK) {
        return OMP_ERR_NOSPACE;
    }
    return omp_value_bytes(OMP_VT_ENCODED, tmp, omp_wr_len(&w), out);
}

/* ---- writes -------------------------------------------------------------------------------- */

/* The next element of @p rd, which must have tag @p tag (and, for a container, @p count;
 * for an octet-string, @p count bytes; 0: any). */
static omp_err take(struct omp_rd *rd, uint8_t tag, size_t count, struct omp_axdr_elem *e)
{
    if (omp_axdr_next(rd, e) != OMP_OK || e->tag != tag) {
        return OMP_ERR_MALFORMED;
    }
    if (count != 0u && ((tag == OMP_AXDR_TAG_OCTET_STRING && e->len != count) ||
                        (tag == OMP_AXDR_TAG_STRUCTURE && e->count != count))) {
        return OMP_ERR_MALFORMED;
    }
    return OMP_OK;
}

/* An array header of 1..@p max entries. */
static omp_err take_array(struct omp_rd *rd, size_t max, size_t *n)
{
    struct omp_axdr_elem e;
    if (take(rd, OMP_AXDR_TAG_ARRAY, 0u, &e) != OMP_OK) {
        return OMP_ERR_MALFORMED;
    }
    *n = e.count;
    return e.count >= 1u && e.count <= max ? OMP_OK : OMP_ERR_RANGE;
}

/* A one-octet name k + 1: index k (no range check: omp_tou_check does it). */
static omp_err take_name(struct omp_rd *rd, uint8_t *index)
{
    struct omp_axdr_elem e;
    if (take(rd, OMP_AXDR_TAG_OCTET_STRING, 1u, &e) != OMP_OK) {
        return OMP_ERR_MALFORMED;
    }
    *index = (uint8_t)(e.data[0] - 1u);
    return e.data[0] != 0u ? OMP_OK : OMP_ERR_RANGE;
}

static omp_err take_seasons(struct omp_rd *rd, struct omp_tou_calendar *c)
{
    size_t n = 0;
    omp_err err = take_array(rd, OMP_CONFIG_TOU_SEASONS, &n);
    for (size_t k = 0; k < n && err == OMP_OK; k++) {
        struct omp_axdr_elem e;
        uint8_t name = 0;
        err = take(rd, OMP_AXDR_TAG_STRUCTURE, 3u, &e);
        if (err == OMP_OK) {
            err = take_name(rd, &name);
        }
        if (err == OMP_OK) {
            err = take(rd, OMP_AXDR_TAG_OCTET_STRING, 12u, &e); /* season_start: month, day */
        }
        if (err == OMP_OK) {
            c->season[k].month = e.data[2];
            c->season[k].day = e.data[3];
            err = take_name(rd, &c->season[k].week);
        }
    }
    c->n_seasons = (uint8_t)n;
    return err;
}

static omp_err take_weeks(struct omp_rd *rd, struct omp_tou_calendar *c)
{
    size_t n = 0;
    omp_err err = take_array(rd, OMP_CONFIG_TOU_WEEKS, &n);
    for (size_t k = 0; k < n && err == OMP_OK; k++) {
        struct omp_axdr_elem e;
        uint8_t name = 0;
        err = take(rd, OMP_AXDR_TAG_STRUCTURE, 8u, &e);
        if (err == OMP_OK) {
            err = take_name(rd, &name);
        }
        if (err == OMP_OK && name != k) {
            err = OMP_ERR_RANGE; /* week k is named k + 1: the seasons name it so */
        }
        for (unsigned d = 0; d < 7u && err == OMP_OK; d++) {
            err = take(rd, OMP_AXDR_TAG_UNSIGNED, 0u, &e);
            if (err == OMP_OK && e.v.u == 0u) {
                err = OMP_ERR_RANGE;
            }
            c->week[k].day[d] = (uint8_t)(e.v.u - 1u);
        }
    }
    c->n_weeks = (uint8_t)n;
    return err;
}

/* One day_schedule action: a switch point (the tariffication script only). */
static omp_err take_action(struct omp_rd *rd, struct omp_tou_switch *sw)
{
    struct omp_axdr_elem e;
    omp_err err = take(rd, OMP_AXDR_TAG_STRUCTURE, 3u, &e);
    if (err == OMP_OK) {
        err = take(rd, OMP_AXDR_TAG_OCTET_STRING, 4u, &e);
    }
    if (err == OMP_OK) {
        sw->hour = e.data[0];
        sw->minute = e.data[1];
        if ((e.data[2] != 0u && e.data[2] != 0xFFu) || (e.data[3] != 0u && e.data[3] != 0xFFu)) {
            err = OMP_ERR_RANGE; /* 1-minute resolution */
        }
    }
    if (err == OMP_OK) {
        err = take(rd, OMP_AXDR_TAG_OCTET_STRING, 6u, &e);
    }
    if (err == OMP_OK && memcmp(e.data, k_tariff_script, 6u) != 0) {
        err = OMP_ERR_RANGE;
    }
    if (err == OMP_OK) {
        err = take(rd, OMP_AXDR_TAG_LONG_UNSIGNED, 0u, &e);
    }
    if (err == OMP_OK && e.v.u > 255u) {
        err = OMP_ERR_RANGE; /* no such tariff: refused, not folded into another selector */
    }
    sw->tariff = err == OMP_OK ? (uint8_t)e.v.u : 0u;
    return err;
}

static omp_err take_days(struct omp_rd *rd, struct omp_tou_calendar *c)
{
    size_t n = 0;
    uint32_t seen = 0;
    omp_err err = take_array(rd, OMP_CONFIG_TOU_DAYS, &n);
    for (size_t k = 0; k < n && err == OMP_OK; k++) {
        struct omp_axdr_elem e;
        size_t m = 0;
        err = take(rd, OMP_AXDR_TAG_STRUCTURE, 2u, &e);
        if (err == OMP_OK) {
            err = take(rd, OMP_AXDR_TAG_UNSIGNED, 0u, &e);
        }
        if (err == OMP_OK && (e.v.u == 0u || e.v.u > n || (seen >> (e.v.u - 1u) & 1u) != 0u)) {
            err = OMP_ERR_RANGE; /* day_ids 1..n, each once, in any order */
        }
        if (err == OMP_OK) {
            seen |= 1u << (e.v.u - 1u);
            err = take_array(rd, OMP_CONFIG_TOU_SWITCHES, &m);
        }
        struct omp_tou_day *d = &c->day[err == OMP_OK ? e.v.u - 1u : 0u];
        for (size_t s = 0; s < m && err == OMP_OK; s++) {
            err = take_action(rd, &d->sw[s]);
        }
        d->n_switches = (uint8_t)m;
    }
    c->n_days = (uint8_t)n;
    return err;
}

/* The calendar a passive write starts from: the one the passive attributes show, else a single
 * day profile "00:00 tariff 1" all year. */
static void base_calendar(const struct omp_tariff *t, struct omp_tou_calendar *c, omp_time_s *at)
{
    const struct omp_tou_calendar *from = shown(t, 7u);
    *at = t != NULL && t->has_passive ? t->passive_at_utc : CAL_NEVER;
    if (from != NULL) {
        *c = *from;
        return;
    }
    memset(c, 0, sizeof *c);
    c->n_seasons = c->n_weeks = c->n_days = 1u;
    c->season[0].month = c->season[0].day = 1u;
    c->day[0].n_switches = 1u;
    c->day[0].sw[0].tariff = 1u;
}

omp_err omp_cosem_priv_cal_write(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                                 uint8_t attr, const uint8_t *p, size_t n)
{
    if (o->class_id != OMP_CLASS_ACTIVITY_CAL || attr < 7u || attr > 9u) {
        return OMP_ERR_DENIED;
    }
    struct omp_tou_calendar c;
    omp_time_s at = 0;
    base_calendar(s->calendars, &c, &at);
    struct omp_rd rd = omp_rd_init(p, n);
    omp_err err = attr == 7u   ? take_seasons(&rd, &c)
                  : attr == 8u ? take_weeks(&rd, &c)
                               : take_days(&rd, &c);
    if (err == OMP_OK && omp_rd_remaining(&rd) != 0u) {
        err = OMP_ERR_MALFORMED; /* more than one Data */
    }
    if (err == OMP_OK && omp_tou_check(&c) != OMP_OK) {
        err = OMP_ERR_RANGE;
    }
    if (err == OMP_OK && (s->ops == NULL || s->ops->set_calendar == NULL)) {
        err = OMP_ERR_UNSUPPORTED; /* checked, but nowhere to keep it */
    }
    return err != OMP_OK ? err : s->ops->set_calendar(s->user, &c, at);
}

omp_err omp_cosem_priv_cal_set(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                               uint8_t attr, const struct omp_value *v)
{
    (void)o;
    /* attribute 10, activate_passive_calendar_time (the structured ones: cal_write) */
    const struct omp_tariff *t = s->calendars;
    if (attr != 10u || v->type != OMP_VT_DATETIME || v->v.dt.unset) {
        return OMP_ERR_MALFORMED;
    }
    if (t == NULL || !t->has_passive || s->ops->set_calendar == NULL) {
        return OMP_ERR_UNSUPPORTED; /* no passive calendar to activate */
    }
    const struct omp_tou_calendar c = t->passive; /* the op must not read what it writes */
    return s->ops->set_calendar(s->user, &c, v->v.dt.utc_s);
}

omp_err omp_cosem_action(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                         uint8_t method, unsigned assoc)
{
    if (s == NULL || o == NULL) {
        return OMP_ERR_ARG;
    }
    if (method < 1u || method > omp_cosem_method_count(o->class_id)) {
        return OMP_ERR_NOT_FOUND;
    }
    if (!omp_cosem_method_allowed(o, o->class_id, method, assoc) || s->ops == NULL) {
        return OMP_ERR_DENIED;
    }
    if (o->class_id != OMP_CLASS_ACTIVITY_CAL || method != 1u) {
        return OMP_ERR_UNSUPPORTED; /* the security methods are the DLMS server's (dlms_sec.c) */
    }
    const struct omp_tariff *t = s->calendars;
    if (t == NULL || !t->has_passive || s->ops->set_calendar == NULL) {
        return OMP_ERR_UNSUPPORTED; /* nothing waits to be activated */
    }
    const struct omp_tou_calendar c = t->passive; /* the op must not read what it writes */
    return s->ops->set_calendar(s->user, &c, 0);  /* 0: at once */
}

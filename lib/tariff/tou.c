/*
 * Time-of-use calendar: check, evaluation at local wall time, next change in UTC, byte codec.
 *
 * Encoded form (docs/tariffs.md), format 'T' version 1, multi-byte fields big-endian, no CRC (the
 * storage layer adds one):
 *   0  'T' (0x54)           format
 *   1  1                    version
 *   2  0                    flags, reserved (must be 0)
 *   3  n_seasons            1..OMP_CONFIG_TOU_SEASONS
 *   4  n_weeks              1..OMP_CONFIG_TOU_WEEKS
 *   5  n_days               1..OMP_CONFIG_TOU_DAYS
 *   6  n_special (u16)      0..OMP_CONFIG_TOU_SPECIAL_DAYS
 *   8  n_seasons x { month, day, week }
 *      n_weeks   x { day profile index Monday .. Sunday (7 bytes) }
 *      n_days    x { n_switches, n_switches x { hour, minute, tariff } }
 *      n_special x { year (u16, 0xFFFF every year), month, day, day_profile }
 */
#include <string.h>

#include "omnipower/config.h"
#include "omnipower/core.h"
#include "omnipower/tariff.h"
#include "tariff_priv.h"

#define TOU_FORMAT       0x54u /* 'T' */
#define TOU_VERSION      1u
#define TOU_HEADER_LEN   8u
#define SPECIAL_YEAR_MIN 2000u
#define SPECIAL_YEAR_MAX 2199u

/* ---- check ----------------------------------------------------------------------------------- */

/* A month/day that exists in some year (29 February included). */
static bool md_valid(uint8_t month, uint8_t day)
{
    return day >= 1u && day <= omp_days_in_month(2000u, month); /* 2000 is a leap year */
}

/* Orders (month, day) pairs. */
static unsigned md_key(uint8_t month, uint8_t day)
{
    return (unsigned)month * 32u + day;
}

static unsigned sw_minute(const struct omp_tou_switch *s)
{
    return (unsigned)s->hour * 60u + s->minute;
}

static bool counts_ok(const struct omp_tou_calendar *c)
{
    return c->n_seasons >= 1u && c->n_seasons <= OMP_CONFIG_TOU_SEASONS && c->n_weeks >= 1u &&
           c->n_weeks <= OMP_CONFIG_TOU_WEEKS && c->n_days >= 1u &&
           c->n_days <= OMP_CONFIG_TOU_DAYS && c->n_special <= OMP_CONFIG_TOU_SPECIAL_DAYS;
}

static bool day_ok(const struct omp_tou_day *d)
{
    if (d->n_switches < 1u || d->n_switches > OMP_CONFIG_TOU_SWITCHES) {
        return false;
    }
    for (unsigned i = 0; i < d->n_switches; i++) {
        const struct omp_tou_switch *s = &d->sw[i];
        if (s->hour > 23u || s->minute > 59u || s->tariff < 1u || s->tariff > OMP_CONFIG_TARIFFS ||
            (i > 0u && sw_minute(s) <= sw_minute(&d->sw[i - 1u]))) {
            return false;
        }
    }
    return true;
}

static bool special_ok(const struct omp_tou_calendar *c, unsigned i)
{
    const struct omp_tou_special *s = &c->special[i];
    bool date_ok = (s->year == OMP_TOU_EVERY_YEAR)
                       ? md_valid(s->month, s->day)
                       : (s->year >= SPECIAL_YEAR_MIN && s->year <= SPECIAL_YEAR_MAX &&
                          omp_date_valid(s->year, s->month, s->day));
    if (!date_ok || s->day_profile >= c->n_days) {
        return false;
    }
    for (unsigned j = 0; j < i; j++) {
        const struct omp_tou_special *o = &c->special[j];
        if (o->year == s->year && o->month == s->month && o->day == s->day) {
            return false;
        }
    }
    return true;
}

omp_err omp_tou_check(const struct omp_tou_calendar *cal)
{
    if (cal == NULL) {
        return OMP_ERR_ARG;
    }
    if (!counts_ok(cal)) {
        return OMP_ERR_RANGE;
    }
    for (unsigned i = 0; i < cal->n_seasons; i++) {
        const struct omp_tou_season *s = &cal->season[i];
        if (!md_valid(s->month, s->day) || s->week >= cal->n_weeks ||
            (i > 0u && md_key(s->month, s->day) <=
                           md_key(cal->season[i - 1u].month, cal->season[i - 1u].day))) {
            return OMP_ERR_RANGE;
        }
    }
    for (unsigned i = 0; i < cal->n_weeks; i++) {
        for (unsigned k = 0; k < 7u; k++) {
            if (cal->week[i].day[k] >= cal->n_days) {
                return OMP_ERR_RANGE;
            }
        }
    }
    for (unsigned i = 0; i < cal->n_days; i++) {
        if (!day_ok(&cal->day[i])) {
            return OMP_ERR_RANGE;
        }
    }
    for (unsigned i = 0; i < cal->n_special; i++) {
        if (!special_ok(cal, i)) {
            return OMP_ERR_RANGE;
        }
    }
    return OMP_OK;
}

/* ---- evaluation ------------------------------------------------------------------------------ */

static unsigned min_u(unsigned a, unsigned b)
{
    return (a < b) ? a : b;
}

/*
 * The day profile of day number @p dn (days since 1970-01-01): a one-off special day of that date,
 * else an every-year one, else the week profile of the season in force. NULL if an index is out of
 * range (only for a calendar that fails omp_tou_check; counts are clamped to the arrays).
 */
static const struct omp_tou_day *profile_of(const struct omp_tou_calendar *cal, int32_t dn)
{
    uint16_t y = 0;
    uint8_t m = 0;
    uint8_t d = 0;
    omp_civil_from_days(dn, &y, &m, &d);

    unsigned idx = UINT16_MAX;
    const unsigned n_special = min_u(cal->n_special, OMP_CONFIG_TOU_SPECIAL_DAYS);
    for (unsigned i = 0; i < n_special; i++) {
        const struct omp_tou_special *s = &cal->special[i];
        if (s->month == m && s->day == d) {
            if (s->year == y) {
                idx = s->day_profile; /* a one-off date wins over an every-year one */
                break;
            }
            if (s->year == OMP_TOU_EVERY_YEAR) {
                idx = s->day_profile;
            }
        }
    }
    if (idx == UINT16_MAX) {
        const unsigned n = min_u(cal->n_seasons, OMP_CONFIG_TOU_SEASONS);
        if (n == 0u) {
            return NULL;
        }
        /* the latest start <= the date; before every start, the last season (year wrap-around) */
        unsigned k = n - 1u;
        for (unsigned i = 0; i < n; i++) {
            uint8_t sm = cal->season[i].month;
            uint8_t sd = cal->season[i].day;
            if (sm == 2u && sd == 29u && !omp_is_leap_year(y)) {
                sm = 3u; /* a 29 February start is 1 March in other years */
                sd = 1u;
            }
            if (md_key(sm, sd) <= md_key(m, d)) {
                k = i;
            }
        }
        const unsigned w = cal->season[k].week;
        if (w >= min_u(cal->n_weeks, OMP_CONFIG_TOU_WEEKS)) {
            return NULL;
        }
        idx = cal->week[w].day[(unsigned)omp_weekday_from_days(dn) - 1u]; /* Monday = 0 */
    }
    if (idx >= min_u(cal->n_days, OMP_CONFIG_TOU_DAYS)) {
        return NULL;
    }
    const struct omp_tou_day *p = &cal->day[idx];
    return (p->n_switches >= 1u && p->n_switches <= OMP_CONFIG_TOU_SWITCHES) ? p : NULL;
}

/* The tariff at minute @p minute (0..1439) of day number @p dn. */
static omp_err tariff_at(const struct omp_tou_calendar *cal, int32_t dn, unsigned minute,
                         uint8_t *tariff)
{
    const struct omp_tou_day *p = profile_of(cal, dn);
    if (p == NULL) {
        return OMP_ERR_ARG;
    }
    unsigned i = 0;
    while (i < p->n_switches && sw_minute(&p->sw[i]) <= minute) {
        i++;
    }
    if (i == 0u) { /* before the first switch: the last switch of the previous day */
        p = profile_of(cal, dn - 1);
        if (p == NULL) {
            return OMP_ERR_ARG;
        }
        i = p->n_switches;
    }
    *tariff = p->sw[i - 1u].tariff;
    return OMP_OK;
}

static int32_t day_number(const struct omp_datetime *dt)
{
    return omp_days_from_civil(dt->year, dt->month, dt->day);
}

omp_err omp_tou_tariff(const struct omp_tou_calendar *cal, const struct omp_datetime *local,
                       uint8_t *tariff)
{
    if (cal == NULL || local == NULL || tariff == NULL || !omp_datetime_valid(local)) {
        return OMP_ERR_ARG;
    }
    return tariff_at(cal, day_number(local), (unsigned)local->hour * 60u + local->minute, tariff);
}

omp_err omp_tou_priv_tariff_utc(const struct omp_tou_calendar *cal, omp_time_s utc,
                                int32_t offset_min, enum omp_dst_rule dst, uint8_t *tariff)
{
    struct omp_datetime lt;
    bool summer = false;
    omp_err err = omp_local_time(utc, offset_min, dst, &lt, &summer);
    if (err == OMP_OK && dst == OMP_DST_EU && !summer &&
        omp_dst_active(dst, utc - OMP_SECONDS_PER_HOUR)) {
        /* second pass of the repeated hour: hold the state of the end of its first pass */
        omp_time_s start = 0;
        omp_time_s end = 0;
        err = omp_eu_dst_bounds(lt.year, &start, &end);
        if (err == OMP_OK) {
            err = omp_local_time(end - 1, offset_min, dst, &lt, NULL);
        }
    }
    if (err != OMP_OK) {
        return err;
    }
    return tariff_at(cal, day_number(&lt), (unsigned)lt.hour * 60u + lt.minute, tariff);
}

/*
 * Walks the switches day by day from the local date of @p utc, each mapped to UTC with
 * omp_local_to_utc (so the instants never decrease). Switches that land on the same instant (the
 * skipped hour) act together: the last one of them gives the tariff from there on.
 */
omp_err omp_tou_next_switch(const struct omp_tou_calendar *cal, omp_time_s utc, int32_t offset_min,
                            enum omp_dst_rule dst, uint32_t horizon_s, omp_time_s *next,
                            uint8_t *tariff)
{
    if (cal == NULL || next == NULL || tariff == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_datetime lt;
    uint8_t cur = 0;
    if (omp_local_time(utc, offset_min, dst, &lt, NULL) != OMP_OK ||
        omp_tou_priv_tariff_utc(cal, utc, offset_min, dst, &cur) != OMP_OK) {
        return OMP_ERR_ARG;
    }
    const omp_time_s limit = utc + (omp_time_s)horizon_s;
    /* from the day before: a repeated hour may span midnight at half-hour offsets */
    const int32_t first = day_number(&lt) - 1;
    const int32_t last = first + (int32_t)(horizon_s / (uint32_t)OMP_SECONDS_PER_DAY) + 3;
    omp_time_s pend_t = 0;
    uint8_t pend = 0; /* tariff from pend_t on; 0: none pending */
    for (int32_t dn = first; dn <= last; dn++) {
        const struct omp_tou_day *p = profile_of(cal, dn);
        if (p == NULL) {
            return OMP_ERR_ARG;
        }
        struct omp_datetime d = {0};
        omp_civil_from_days(dn, &d.year, &d.month, &d.day);
        for (unsigned i = 0; i < p->n_switches; i++) {
            omp_time_s t = 0;
            d.hour = p->sw[i].hour;
            d.minute = p->sw[i].minute;
            if (omp_local_to_utc(&d, offset_min, dst, &t) != OMP_OK || t <= utc) {
                continue; /* past, or outside the library's years */
            }
            if (pend != 0u && t > pend_t) {
                if (pend != cur) {
                    *next = pend_t;
                    *tariff = pend;
                    return OMP_OK;
                }
                pend = 0;
            }
            if (t > limit) {
                return OMP_ERR_NOT_FOUND;
            }
            pend_t = t;
            pend = p->sw[i].tariff;
        }
    }
    if (pend != 0u && pend != cur) {
        *next = pend_t;
        *tariff = pend;
        return OMP_OK;
    }
    return OMP_ERR_NOT_FOUND;
}

/* ---- codec ----------------------------------------------------------------------------------- */

omp_err omp_tou_encode(const struct omp_tou_calendar *cal, struct omp_wr *w)
{
    if (cal == NULL || w == NULL) {
        return OMP_ERR_ARG;
    }
    omp_err err = omp_tou_check(cal);
    if (err == OMP_OK) {
        err = omp_wr_status(w); /* an earlier put failed: keep the caller's sticky error */
    }
    if (err != OMP_OK) {
        return err;
    }
    size_t need = TOU_HEADER_LEN + 3u * cal->n_seasons + 7u * cal->n_weeks + 5u * cal->n_special;
    for (unsigned i = 0; i < cal->n_days; i++) {
        need += 1u + 3u * cal->day[i].n_switches;
    }
    if (omp_wr_room(w) < need) {
        return OMP_ERR_NOSPACE; /* checked first: not even a prefix lands in the buffer */
    }
    const size_t mark = omp_wr_len(w);
    (void)omp_wr_u8(w, TOU_FORMAT);
    (void)omp_wr_u8(w, TOU_VERSION);
    (void)omp_wr_u8(w, 0u);
    (void)omp_wr_u8(w, cal->n_seasons);
    (void)omp_wr_u8(w, cal->n_weeks);
    (void)omp_wr_u8(w, cal->n_days);
    (void)omp_wr_u16be(w, cal->n_special);
    for (unsigned i = 0; i < cal->n_seasons; i++) {
        const struct omp_tou_season *s = &cal->season[i];
        const uint8_t b[3] = {s->month, s->day, s->week};
        (void)omp_wr_bytes(w, b, sizeof b);
    }
    for (unsigned i = 0; i < cal->n_weeks; i++) {
        (void)omp_wr_bytes(w, cal->week[i].day, sizeof cal->week[i].day);
    }
    for (unsigned i = 0; i < cal->n_days; i++) {
        const struct omp_tou_day *d = &cal->day[i];
        (void)omp_wr_u8(w, d->n_switches);
        for (unsigned k = 0; k < d->n_switches; k++) {
            const uint8_t b[3] = {d->sw[k].hour, d->sw[k].minute, d->sw[k].tariff};
            (void)omp_wr_bytes(w, b, sizeof b);
        }
    }
    for (unsigned i = 0; i < cal->n_special; i++) {
        const struct omp_tou_special *s = &cal->special[i];
        const uint8_t b[3] = {s->month, s->day, s->day_profile};
        (void)omp_wr_u16be(w, s->year);
        (void)omp_wr_bytes(w, b, sizeof b);
    }
    if (omp_wr_status(w) != OMP_OK || omp_wr_len(w) - mark != need) {
        omp_wr_truncate(w, mark);
        return OMP_ERR_INTERNAL; /* the layout above is exactly `need` bytes */
    }
    return OMP_OK;
}

omp_err omp_tou_decode(struct omp_rd *rd, struct omp_tou_calendar *cal)
{
    if (rd == NULL || cal == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_rd r = *rd; /* the caller's cursor moves only on success */
    uint8_t h[TOU_HEADER_LEN];
    omp_err err = omp_rd_copy(&r, h, sizeof h);
    if (err != OMP_OK) {
        return err;
    }
    if (h[0] != TOU_FORMAT || h[1] != TOU_VERSION || h[2] != 0u) {
        return OMP_ERR_MALFORMED;
    }
    struct omp_tou_calendar c;
    memset(&c, 0, sizeof c); /* unused slots are zero: equal calendars compare equal */
    c.n_seasons = h[3];
    c.n_weeks = h[4];
    c.n_days = h[5];
    c.n_special = (uint16_t)(((unsigned)h[6] << 8) | h[7]);
    if (!counts_ok(&c)) {
        return OMP_ERR_RANGE; /* before any array is filled */
    }
    uint8_t b[5] = {0};
    for (unsigned i = 0; i < c.n_seasons && err == OMP_OK; i++) {
        err = omp_rd_copy(&r, b, 3u);
        c.season[i] = (struct omp_tou_season){.month = b[0], .day = b[1], .week = b[2]};
    }
    for (unsigned i = 0; i < c.n_weeks && err == OMP_OK; i++) {
        err = omp_rd_copy(&r, c.week[i].day, sizeof c.week[i].day);
    }
    for (unsigned i = 0; i < c.n_days && err == OMP_OK; i++) {
        struct omp_tou_day *d = &c.day[i];
        err = omp_rd_u8(&r, &d->n_switches);
        if (err == OMP_OK && (d->n_switches < 1u || d->n_switches > OMP_CONFIG_TOU_SWITCHES)) {
            return OMP_ERR_RANGE;
        }
        for (unsigned k = 0; k < d->n_switches && err == OMP_OK; k++) {
            err = omp_rd_copy(&r, b, 3u);
            d->sw[k] = (struct omp_tou_switch){.hour = b[0], .minute = b[1], .tariff = b[2]};
        }
    }
    for (unsigned i = 0; i < c.n_special && err == OMP_OK; i++) {
        struct omp_tou_special *s = &c.special[i]; /* field by field: padding stays zero */
        err = omp_rd_copy(&r, b, 5u);
        s->year = (uint16_t)(((unsigned)b[0] << 8) | b[1]);
        s->month = b[2];
        s->day = b[3];
        s->day_profile = b[4];
    }
    if (err == OMP_OK) {
        err = omp_tou_check(&c);
    }
    if (err != OMP_OK) {
        return err;
    }
    memcpy(cal, &c, sizeof c); /* with its zero padding */
    *rd = r;
    return OMP_OK;
}

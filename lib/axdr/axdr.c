/* A-XDR data codec (IEC 62056-6-2 Data CHOICE, IEC 61334-6 A-XDR): encoders, COSEM
 * date-time/date/time, OBIS codes. The decoder (one element, walker, skip) is in axdr_walk.c. */
#include "omnipower/config.h"

#if OMP_CONFIG_DLMS /* the whole file: module switch, config.h */

#include <string.h>

#include "omnipower/axdr.h"

_Static_assert(sizeof(float) == 4 && sizeof(double) == 8, "IEEE 754 binary32/binary64 expected");

/* Two's complement of an n-byte big-endian value (the date-time deviation), as the decoder's. */
static int64_t be_signed(const uint8_t *p, size_t n)
{
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        x = (x << 8) | p[i];
    }
    uint64_t sign = (uint64_t)1u << (8u * n - 1u);
    if ((x & sign) == 0u) {
        return (int64_t)x;
    }
    return (int64_t)(x - sign) - (int64_t)(sign - 1u) - 1;
}

/* ---- encoding --------------------------------------------------------------------------- */

/* Room for n bytes, or the sticky error (NOSPACE set here) without writing anything. */
static omp_err need(struct omp_wr *w, size_t n)
{
    if (w->err == OMP_OK && omp_wr_room(w) < n) {
        w->err = OMP_ERR_NOSPACE;
    }
    return w->err;
}

/* Bytes of the minimal BER length form of n; 0 if n needs more than 4 length bytes. */
static size_t berlen_size(size_t n)
{
    if (n < 0x80u) {
        return 1u;
    }
    size_t k = 0u;
    for (size_t c = n; c != 0u; c >>= 8) {
        k++;
    }
    return (k > 4u) ? 0u : 1u + k;
}

/* Tag + n content bytes of value v, big-endian; all or nothing. */
static omp_err put_fixed(struct omp_wr *w, uint8_t tag, uint64_t v, size_t n)
{
    if (w == NULL) {
        return OMP_ERR_ARG;
    }
    uint8_t b[9];
    b[0] = tag;
    for (size_t i = n; i > 0u; i--) {
        b[i] = (uint8_t)(v & 0xFFu);
        v >>= 8;
    }
    return omp_wr_bytes(w, b, 1u + n);
}

/* Tag + [BER length @p count] + @p pre_n bytes + @p n bytes; room checked first so that nothing
 * at all is written on failure. */
static omp_err put_parts(struct omp_wr *w, uint8_t tag, bool has_len, size_t count,
                         const void *pre, size_t pre_n, const void *p, size_t n)
{
    if (w == NULL || (p == NULL && n > 0u) || (pre == NULL && pre_n > 0u)) {
        return OMP_ERR_ARG;
    }
    const size_t lsize = has_len ? berlen_size(count) : 0u;
    if (has_len && lsize == 0u) {
        if (w->err == OMP_OK) {
            w->err = OMP_ERR_RANGE; /* sticky, like omp_wr_berlen */
        }
        return w->err;
    }
    omp_err err = need(w, 1u);
    if (err == OMP_OK && (pre_n > SIZE_MAX - 6u || n > SIZE_MAX - 6u - pre_n)) {
        err = OMP_ERR_NOSPACE; /* cannot fit any buffer */
        w->err = err;
    }
    if (err == OMP_OK) {
        err = need(w, 1u + lsize + pre_n + n);
    }
    if (err != OMP_OK) {
        return err;
    }
    (void)omp_wr_u8(w, tag);
    (void)omp_wr_bytes(w, pre, pre_n);
    if (has_len) {
        (void)omp_wr_berlen(w, count);
    }
    (void)omp_wr_bytes(w, p, n);
    return OMP_OK;
}

static omp_err put_var(struct omp_wr *w, uint8_t tag, bool has_len, size_t count, const void *p,
                       size_t n)
{
    return put_parts(w, tag, has_len, count, NULL, 0u, p, n);
}

omp_err omp_axdr_put_null(struct omp_wr *w) { return put_fixed(w, OMP_AXDR_TAG_NULL_DATA, 0u, 0u); }
omp_err omp_axdr_put_bool(struct omp_wr *w, bool v)
{
    return put_fixed(w, OMP_AXDR_TAG_BOOLEAN, v ? 1u : 0u, 1u);
}
omp_err omp_axdr_put_i8(struct omp_wr *w, int8_t v)
{
    return put_fixed(w, OMP_AXDR_TAG_INTEGER, (uint64_t)(int64_t)v, 1u);
}
omp_err omp_axdr_put_i16(struct omp_wr *w, int16_t v)
{
    return put_fixed(w, OMP_AXDR_TAG_LONG, (uint64_t)(int64_t)v, 2u);
}
omp_err omp_axdr_put_i32(struct omp_wr *w, int32_t v)
{
    return put_fixed(w, OMP_AXDR_TAG_DOUBLE_LONG, (uint64_t)(int64_t)v, 4u);
}
omp_err omp_axdr_put_i64(struct omp_wr *w, int64_t v)
{
    return put_fixed(w, OMP_AXDR_TAG_LONG64, (uint64_t)v, 8u);
}
omp_err omp_axdr_put_u8(struct omp_wr *w, uint8_t v) { return put_fixed(w, OMP_AXDR_TAG_UNSIGNED, v, 1u); }
omp_err omp_axdr_put_u16(struct omp_wr *w, uint16_t v)
{
    return put_fixed(w, OMP_AXDR_TAG_LONG_UNSIGNED, v, 2u);
}
omp_err omp_axdr_put_u32(struct omp_wr *w, uint32_t v)
{
    return put_fixed(w, OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED, v, 4u);
}
omp_err omp_axdr_put_u64(struct omp_wr *w, uint64_t v)
{
    return put_fixed(w, OMP_AXDR_TAG_LONG64_UNSIGNED, v, 8u);
}
omp_err omp_axdr_put_enum(struct omp_wr *w, uint8_t v) { return put_fixed(w, OMP_AXDR_TAG_ENUM, v, 1u); }
omp_err omp_axdr_put_bcd(struct omp_wr *w, uint8_t v) { return put_fixed(w, OMP_AXDR_TAG_BCD, v, 1u); }
omp_err omp_axdr_put_f32(struct omp_wr *w, float v)
{
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    return put_fixed(w, OMP_AXDR_TAG_FLOAT32, bits, 4u);
}
omp_err omp_axdr_put_f64(struct omp_wr *w, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    return put_fixed(w, OMP_AXDR_TAG_FLOAT64, bits, 8u);
}
omp_err omp_axdr_put_octets(struct omp_wr *w, const uint8_t *p, size_t n)
{
    return put_var(w, OMP_AXDR_TAG_OCTET_STRING, true, n, p, n);
}
omp_err omp_axdr_put_visible(struct omp_wr *w, const char *s, size_t n)
{
    return put_var(w, OMP_AXDR_TAG_VISIBLE_STRING, true, n, s, n);
}
omp_err omp_axdr_put_utf8(struct omp_wr *w, const char *s, size_t n)
{
    return put_var(w, OMP_AXDR_TAG_UTF8_STRING, true, n, s, n);
}
omp_err omp_axdr_put_bitstring(struct omp_wr *w, const uint8_t *bits, size_t nbits)
{
    return put_var(w, OMP_AXDR_TAG_BIT_STRING, true, nbits, bits, nbits / 8u + ((nbits % 8u) != 0u));
}
omp_err omp_axdr_put_array(struct omp_wr *w, size_t count)
{
    return put_var(w, OMP_AXDR_TAG_ARRAY, true, count, NULL, 0u);
}
omp_err omp_axdr_put_structure(struct omp_wr *w, size_t count)
{
    return put_var(w, OMP_AXDR_TAG_STRUCTURE, true, count, NULL, 0u);
}

omp_err omp_axdr_begin_container(struct omp_wr *w, uint8_t tag, size_t *mark)
{
    if (w == NULL || mark == NULL ||
        (tag != OMP_AXDR_TAG_ARRAY && tag != OMP_AXDR_TAG_STRUCTURE)) {
        return OMP_ERR_ARG;
    }
    const size_t at = omp_wr_len(w);
    omp_err err = put_var(w, tag, true, 0u, NULL, 0u);
    if (err == OMP_OK) {
        *mark = at;
    }
    return err;
}

omp_err omp_axdr_end_container(struct omp_wr *w, size_t mark, size_t count)
{
    if (w == NULL) {
        return OMP_ERR_ARG;
    }
    omp_err err = omp_wr_status(w);
    if (err == OMP_OK && (mark > w->len || w->len - mark < 2u || w->buf[mark + 1u] != 0u ||
                          (w->buf[mark] != OMP_AXDR_TAG_ARRAY &&
                           w->buf[mark] != OMP_AXDR_TAG_STRUCTURE))) {
        err = OMP_ERR_ARG;
    }
    /* length-of-count bytes beyond the placeholder byte */
    size_t extra = 0u;
    if (err == OMP_OK && count > 0x7Fu) {
        for (size_t c = count; c != 0u; c >>= 8) {
            extra++;
        }
        if (extra > 4u) {
            err = OMP_ERR_RANGE;
        } else if (omp_wr_room(w) < extra) {
            err = OMP_ERR_NOSPACE;
        }
    }
    if (err != OMP_OK) {
        omp_wr_truncate(w, mark); /* drop the whole container; sticky error cleared */
        return err;
    }
    uint8_t *p = w->buf + mark + 1u;
    if (extra > 0u) {
        memmove(p + 1u + extra, p + 1u, w->len - mark - 2u);
        w->len += extra;
        p[0] = (uint8_t)(0x80u | extra);
        for (size_t i = extra; i > 0u; i--) {
            p[i] = (uint8_t)(count & 0xFFu);
            count >>= 8;
        }
    } else {
        p[0] = (uint8_t)count;
    }
    return OMP_OK;
}

omp_err omp_axdr_put_elem(struct omp_wr *w, const struct omp_axdr_elem *e)
{
    if (w == NULL || e == NULL) {
        return OMP_ERR_ARG;
    }
    const int cl = omp_axdr_content_len(e->tag);
    switch (e->tag) {
    case OMP_AXDR_TAG_BOOLEAN:
        return omp_axdr_put_bool(w, e->v.u != 0u);
    case OMP_AXDR_TAG_INTEGER:
    case OMP_AXDR_TAG_LONG:
    case OMP_AXDR_TAG_DOUBLE_LONG:
    case OMP_AXDR_TAG_LONG64:
        return put_fixed(w, e->tag, (uint64_t)e->v.i, (size_t)cl);
    case OMP_AXDR_TAG_FLOAT32:
        return omp_axdr_put_f32(w, (float)e->v.f);
    case OMP_AXDR_TAG_FLOAT64:
        return omp_axdr_put_f64(w, e->v.f);
    case OMP_AXDR_TAG_DATE_TIME:
    case OMP_AXDR_TAG_DATE:
    case OMP_AXDR_TAG_TIME:
        if (e->data == NULL || e->len != (size_t)cl) {
            return OMP_ERR_ARG;
        }
        return put_var(w, e->tag, false, 0u, e->data, e->len);
    case OMP_AXDR_TAG_ARRAY:
    case OMP_AXDR_TAG_STRUCTURE:
        return put_var(w, e->tag, true, e->count, NULL, 0u);
    case OMP_AXDR_TAG_BIT_STRING:
        return omp_axdr_put_bitstring(w, e->data, e->count);
    case OMP_AXDR_TAG_OCTET_STRING:
    case OMP_AXDR_TAG_VISIBLE_STRING:
    case OMP_AXDR_TAG_UTF8_STRING:
        return put_var(w, e->tag, true, e->len, e->data, e->len);
    case OMP_AXDR_TAG_COMPACT_ARRAY: {
        if (e->type_desc == NULL || e->type_desc_len == 0u) {
            return OMP_ERR_ARG;
        }
        return put_parts(w, e->tag, true, e->len, e->type_desc, e->type_desc_len, e->data,
                         e->len);
    }
    default:
        if (cl < 0) {
            return OMP_ERR_ARG;
        }
        return put_fixed(w, e->tag, e->v.u, (size_t)cl); /* null, don't-care, unsigned, enum, bcd */
    }
}

/* ---- COSEM date, time and date-time: Blue Book 4.1.6.1 ------------------------------------ */

static bool field_ok(uint8_t v, uint8_t lo, uint8_t hi)
{
    return v == OMP_AXDR_ANY || (v >= lo && v <= hi);
}

static omp_err date_check(const struct omp_axdr_date *d)
{
    const bool month_ok = field_ok(d->month, 1u, 12u) || d->month == OMP_AXDR_MONTH_DST_END ||
                          d->month == OMP_AXDR_MONTH_DST_BEGIN;
    const bool day_ok = field_ok(d->day, 1u, 31u) || d->day == OMP_AXDR_DAY_2ND_LAST ||
                        d->day == OMP_AXDR_DAY_LAST;
    if (!month_ok || !day_ok || !field_ok(d->wday, 1u, 7u)) {
        return OMP_ERR_RANGE;
    }
    if (d->month <= 12u && d->day <= 31u) {
        /* a wildcarded year allows 29 February: check against a leap year */
        const uint32_t y = (d->year == OMP_AXDR_YEAR_ANY) ? 2000u : d->year;
        if (d->day > omp_days_in_month(y, d->month)) {
            return OMP_ERR_RANGE;
        }
    }
    return OMP_OK;
}

static omp_err time_check(const struct omp_axdr_time *t)
{
    return (field_ok(t->hour, 0u, 23u) && field_ok(t->minute, 0u, 59u) &&
            field_ok(t->second, 0u, 59u) && field_ok(t->hundredths, 0u, 99u))
               ? OMP_OK
               : OMP_ERR_RANGE;
}

omp_err omp_axdr_datetime_check(const struct omp_axdr_datetime *dt)
{
    if (dt == NULL) {
        return OMP_ERR_ARG;
    }
    omp_err err = date_check(&dt->date);
    if (err == OMP_OK) {
        err = time_check(&dt->time);
    }
    if (err == OMP_OK && dt->deviation_min != OMP_AXDR_DEVIATION_ANY &&
        (dt->deviation_min < -720 || dt->deviation_min > 720)) {
        err = OMP_ERR_RANGE;
    }
    return err;
}

static void date_from_raw(const uint8_t *p, struct omp_axdr_date *d)
{
    d->year = (uint16_t)((p[0] << 8) | p[1]);
    d->month = p[2];
    d->day = p[3];
    d->wday = p[4];
}

static void time_from_raw(const uint8_t *p, struct omp_axdr_time *t)
{
    t->hour = p[0];
    t->minute = p[1];
    t->second = p[2];
    t->hundredths = p[3];
}

static void date_to_raw(const struct omp_axdr_date *d, uint8_t *p)
{
    p[0] = (uint8_t)(d->year >> 8);
    p[1] = (uint8_t)(d->year & 0xFFu);
    p[2] = d->month;
    p[3] = d->day;
    p[4] = d->wday;
}

static void time_to_raw(const struct omp_axdr_time *t, uint8_t *p)
{
    p[0] = t->hour;
    p[1] = t->minute;
    p[2] = t->second;
    p[3] = t->hundredths;
}

omp_err omp_axdr_datetime_decode(const uint8_t *raw, size_t len, struct omp_axdr_datetime *out)
{
    if (raw == NULL || out == NULL) {
        return OMP_ERR_ARG;
    }
    if (len != 12u) {
        return OMP_ERR_MALFORMED;
    }
    struct omp_axdr_datetime dt;
    date_from_raw(raw, &dt.date);
    time_from_raw(raw + 5, &dt.time);
    dt.deviation_min = (int16_t)be_signed(raw + 9, 2u);
    dt.status = raw[11];
    omp_err err = omp_axdr_datetime_check(&dt);
    if (err == OMP_OK) {
        *out = dt;
    }
    return err;
}

omp_err omp_axdr_date_decode(const uint8_t *raw, size_t len, struct omp_axdr_date *out)
{
    if (raw == NULL || out == NULL) {
        return OMP_ERR_ARG;
    }
    if (len != 5u) {
        return OMP_ERR_MALFORMED;
    }
    struct omp_axdr_date d;
    date_from_raw(raw, &d);
    omp_err err = date_check(&d);
    if (err == OMP_OK) {
        *out = d;
    }
    return err;
}

omp_err omp_axdr_time_decode(const uint8_t *raw, size_t len, struct omp_axdr_time *out)
{
    if (raw == NULL || out == NULL) {
        return OMP_ERR_ARG;
    }
    if (len != 4u) {
        return OMP_ERR_MALFORMED;
    }
    struct omp_axdr_time t;
    time_from_raw(raw, &t);
    omp_err err = time_check(&t);
    if (err == OMP_OK) {
        *out = t;
    }
    return err;
}

omp_err omp_axdr_datetime_encode(const struct omp_axdr_datetime *dt, uint8_t raw[12])
{
    if (raw == NULL) {
        return OMP_ERR_ARG;
    }
    omp_err err = omp_axdr_datetime_check(dt);
    if (err != OMP_OK) {
        return err;
    }
    date_to_raw(&dt->date, raw);
    time_to_raw(&dt->time, raw + 5);
    const uint16_t dev = (uint16_t)dt->deviation_min;
    raw[9] = (uint8_t)(dev >> 8);
    raw[10] = (uint8_t)(dev & 0xFFu);
    raw[11] = dt->status;
    return OMP_OK;
}

omp_err omp_axdr_date_encode(const struct omp_axdr_date *d, uint8_t raw[5])
{
    if (d == NULL || raw == NULL) {
        return OMP_ERR_ARG;
    }
    omp_err err = date_check(d);
    if (err == OMP_OK) {
        date_to_raw(d, raw);
    }
    return err;
}

omp_err omp_axdr_time_encode(const struct omp_axdr_time *t, uint8_t raw[4])
{
    if (t == NULL || raw == NULL) {
        return OMP_ERR_ARG;
    }
    omp_err err = time_check(t);
    if (err == OMP_OK) {
        time_to_raw(t, raw);
    }
    return err;
}

omp_err omp_axdr_put_datetime(struct omp_wr *w, const struct omp_axdr_datetime *dt)
{
    uint8_t raw[12];
    omp_err err = omp_axdr_datetime_encode(dt, raw);
    return (err != OMP_OK) ? err : put_var(w, OMP_AXDR_TAG_DATE_TIME, false, 0u, raw, sizeof raw);
}

omp_err omp_axdr_put_date(struct omp_wr *w, const struct omp_axdr_date *d)
{
    uint8_t raw[5];
    omp_err err = omp_axdr_date_encode(d, raw);
    return (err != OMP_OK) ? err : put_var(w, OMP_AXDR_TAG_DATE, false, 0u, raw, sizeof raw);
}

omp_err omp_axdr_put_time(struct omp_wr *w, const struct omp_axdr_time *t)
{
    uint8_t raw[4];
    omp_err err = omp_axdr_time_encode(t, raw);
    return (err != OMP_OK) ? err : put_var(w, OMP_AXDR_TAG_TIME, false, 0u, raw, sizeof raw);
}

omp_err omp_axdr_datetime_to_time(const struct omp_axdr_datetime *dt, omp_time_s *t)
{
    if (dt == NULL || t == NULL) {
        return OMP_ERR_ARG;
    }
    const struct omp_axdr_date *d = &dt->date;
    const struct omp_axdr_time *tm = &dt->time;
    if (!omp_date_valid(d->year, d->month, d->day) || tm->hour > 23u || tm->minute > 59u ||
        tm->second > 59u || dt->deviation_min < -720 || dt->deviation_min > 720) {
        return OMP_ERR_RANGE;
    }
    const omp_time_s local = (omp_time_s)omp_days_from_civil(d->year, d->month, d->day) *
                                 OMP_SECONDS_PER_DAY +
                             (omp_time_s)tm->hour * 3600 + (omp_time_s)tm->minute * 60 +
                             (omp_time_s)tm->second;
    const omp_time_s utc = local + (omp_time_s)dt->deviation_min * 60;
    const omp_time_s end =
        ((omp_time_s)omp_days_from_civil(OMP_CAL_YEAR_MAX, 12u, 31u) + 1) * OMP_SECONDS_PER_DAY;
    if (utc < 0 || utc >= end) {
        return OMP_ERR_RANGE;
    }
    *t = utc;
    return OMP_OK;
}

omp_err omp_axdr_datetime_from_time(omp_time_s t, int16_t deviation_min, uint8_t status,
                                    struct omp_axdr_datetime *dt)
{
    if (dt == NULL || deviation_min < -720 || deviation_min > 720) {
        return OMP_ERR_ARG;
    }
    struct omp_datetime c;
    omp_err err = omp_time_to_datetime(t - (omp_time_s)deviation_min * 60, &c);
    if (err != OMP_OK) {
        return OMP_ERR_RANGE;
    }
    const struct omp_axdr_datetime r = {
        .date = {.year = c.year, .month = c.month, .day = c.day, .wday = c.wday},
        .time = {.hour = c.hour, .minute = c.minute, .second = c.second, .hundredths = 0u},
        .deviation_min = deviation_min,
        .status = status,
    };
    *dt = r;
    return OMP_OK;
}

/* ---- OBIS codes -------------------------------------------------------------------------- */

omp_err omp_obis_from_bytes(const uint8_t *p, size_t len, struct omp_obis *o)
{
    if (p == NULL || o == NULL) {
        return OMP_ERR_ARG;
    }
    if (len != sizeof o->v) {
        return OMP_ERR_MALFORMED;
    }
    memcpy(o->v, p, sizeof o->v);
    return OMP_OK;
}

omp_err omp_obis_parse(const char *s, size_t len, struct omp_obis *o)
{
    if (s == NULL || o == NULL) {
        return OMP_ERR_ARG;
    }
    static const char named[5] = {'-', ':', '.', '.', '*'};
    struct omp_obis r;
    bool dotted = false;
    bool over = false;
    size_t i = 0;
    for (size_t k = 0; k < 6u; k++) {
        if (k > 0u) {
            if (i >= len) {
                return OMP_ERR_MALFORMED;
            }
            if (k == 1u) {
                dotted = (s[i] == '.');
            }
            if (s[i] != (dotted ? '.' : named[k - 1u])) {
                return OMP_ERR_MALFORMED;
            }
            i++;
        }
        unsigned v = 0;
        size_t digits = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 4u) {
            v = v * 10u + (unsigned)(s[i] - '0');
            digits++;
            i++;
        }
        if (digits == 0u || digits > 3u) {
            return OMP_ERR_MALFORMED;
        }
        over = over || v > 255u;
        r.v[k] = (uint8_t)v;
    }
    if (i != len) {
        return OMP_ERR_MALFORMED;
    }
    if (over) {
        return OMP_ERR_RANGE;
    }
    *o = r;
    return OMP_OK;
}

static omp_err obis_fmt(const struct omp_obis *o, const char *seps, char *out, size_t cap)
{
    if (o == NULL || out == NULL) {
        return OMP_ERR_ARG;
    }
    char b[OMP_OBIS_STR_MAX];
    size_t n = 0;
    for (size_t k = 0; k < 6u; k++) {
        if (k > 0u) {
            b[n++] = seps[k - 1u];
        }
        const unsigned v = o->v[k];
        if (v >= 100u) {
            b[n++] = (char)('0' + v / 100u);
        }
        if (v >= 10u) {
            b[n++] = (char)('0' + (v / 10u) % 10u);
        }
        b[n++] = (char)('0' + v % 10u);
    }
    if (cap < n + 1u) {
        return OMP_ERR_NOSPACE;
    }
    memcpy(out, b, n);
    out[n] = '\0';
    return OMP_OK;
}

omp_err omp_obis_format(const struct omp_obis *o, char *out, size_t cap)
{
    return obis_fmt(o, "-:..*", out, cap);
}

omp_err omp_obis_format_dotted(const struct omp_obis *o, char *out, size_t cap)
{
    return obis_fmt(o, ".....", out, cap);
}

int omp_obis_cmp(const struct omp_obis *a, const struct omp_obis *b)
{
    return memcmp(a->v, b->v, sizeof a->v);
}

#else
typedef int omp_axdr_unused; /* ISO C forbids an empty translation unit */
#endif /* OMP_CONFIG_DLMS */

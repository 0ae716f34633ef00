/* The data dictionary's value type (value.h). */
#include <string.h>

#include "omnipower/value.h"

struct omp_value omp_value_uint(enum omp_vtype type, uint64_t v, int8_t scaler, enum omp_unit unit)
{
    struct omp_value x;
    memset(&x, 0, sizeof x);
    x.type = (uint8_t)type;
    x.scaler = scaler;
    x.unit = (uint8_t)unit;
    x.v.u = v;
    return x;
}

struct omp_value omp_value_int(enum omp_vtype type, int64_t v, int8_t scaler, enum omp_unit unit)
{
    struct omp_value x;
    memset(&x, 0, sizeof x);
    x.type = (uint8_t)type;
    x.scaler = scaler;
    x.unit = (uint8_t)unit;
    x.v.i = v;
    return x;
}

struct omp_value omp_value_null(void)
{
    struct omp_value x;
    memset(&x, 0, sizeof x);
    return x;
}

struct omp_value omp_value_datetime(omp_time_s utc_s, int16_t offset_min, uint8_t status, bool unset)
{
    struct omp_value x;
    memset(&x, 0, sizeof x);
    x.type = (uint8_t)OMP_VT_DATETIME;
    if (!unset) {
        x.v.dt.utc_s = utc_s;
        x.v.dt.offset_min = offset_min;
    }
    x.v.dt.status = status;
    x.v.dt.unset = unset;
    return x;
}

omp_err omp_value_bytes(enum omp_vtype type, const void *s, size_t len, struct omp_value *out)
{
    if (out == NULL || (s == NULL && len != 0u) ||
        (type != OMP_VT_OCTETS && type != OMP_VT_VISIBLE && type != OMP_VT_ENCODED)) {
        return OMP_ERR_ARG;
    }
    if (len > OMP_VALUE_BYTES_MAX) {
        return OMP_ERR_NOSPACE;
    }
    struct omp_value x;
    memset(&x, 0, sizeof x);
    x.type = (uint8_t)type;
    x.len = (uint8_t)len;
    if (len != 0u) {
        memcpy(x.v.bytes, s, len);
    }
    *out = x;
    return OMP_OK;
}

bool omp_value_is_signed(const struct omp_value *v)
{
    return v != NULL && (v->type == OMP_VT_I8 || v->type == OMP_VT_I16 || v->type == OMP_VT_I32 ||
                         v->type == OMP_VT_I64);
}

bool omp_value_is_number(const struct omp_value *v)
{
    return v != NULL && (omp_value_is_signed(v) || v->type == OMP_VT_U8 || v->type == OMP_VT_U16 ||
                         v->type == OMP_VT_U32 || v->type == OMP_VT_U64 ||
                         v->type == OMP_VT_ENUM || v->type == OMP_VT_BOOL);
}

omp_err omp_value_scaled(const struct omp_value *v, int exp, uint64_t *mag, bool *neg)
{
    if (!omp_value_is_number(v) || mag == NULL || neg == NULL) {
        return OMP_ERR_ARG;
    }
    bool n = omp_value_is_signed(v) && v->v.i < 0;
    /* the magnitude of INT64_MIN is 2^63, which uint64_t holds */
    uint64_t m = !omp_value_is_signed(v) ? v->v.u : n ? 0u - (uint64_t)v->v.i : (uint64_t)v->v.i;
    int shift = (int)v->scaler - exp; /* value x 10^scaler = result x 10^exp */
    for (; shift > 0; shift--) {
        if (m > UINT64_MAX / 10u) {
            return OMP_ERR_OVERFLOW;
        }
        m *= 10u;
    }
    for (; shift < 0; shift++) {
        m /= 10u; /* truncated toward zero, as a register display is */
    }
    *mag = m;
    *neg = n && m != 0u;
    return OMP_OK;
}

bool omp_value_equal(const struct omp_value *a, const struct omp_value *b)
{
    if (a == NULL || b == NULL || a->type != b->type || a->scaler != b->scaler ||
        a->unit != b->unit) {
        return false;
    }
    switch ((enum omp_vtype)a->type) {
    case OMP_VT_NULL:
        return true;
    case OMP_VT_OCTETS:
    case OMP_VT_VISIBLE:
    case OMP_VT_ENCODED:
        return a->len == b->len && a->len <= OMP_VALUE_BYTES_MAX &&
               memcmp(a->v.bytes, b->v.bytes, a->len) == 0;
    case OMP_VT_DATETIME:
        return a->v.dt.utc_s == b->v.dt.utc_s && a->v.dt.offset_min == b->v.dt.offset_min &&
               a->v.dt.status == b->v.dt.status && a->v.dt.unset == b->v.dt.unset;
    default:
        return omp_value_is_signed(a) ? a->v.i == b->v.i : a->v.u == b->v.u;
    }
}

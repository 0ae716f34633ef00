/* The data dictionary's values (value.h) as A-XDR elements, for DLMS GET and push. */
#include "omnipower/config.h"

#if OMP_CONFIG_DLMS

#include "omnipower/axdr.h"

/* A date-time as the 12-byte octet-string of COSEM attributes (Blue Book 4.1.6.1). */
static omp_err put_dt(struct omp_wr *w, const struct omp_value_dt *dt)
{
    struct omp_axdr_datetime x = {{OMP_AXDR_YEAR_ANY, OMP_AXDR_ANY, OMP_AXDR_ANY, OMP_AXDR_ANY},
                                  {OMP_AXDR_ANY, OMP_AXDR_ANY, OMP_AXDR_ANY, OMP_AXDR_ANY},
                                  OMP_AXDR_DEVIATION_ANY,
                                  OMP_AXDR_ANY};
    if (!dt->unset) {
        struct omp_datetime l;
        if (omp_time_to_datetime(dt->utc_s + (omp_time_s)dt->offset_min * 60, &l) != OMP_OK) {
            return OMP_ERR_RANGE;
        }
        x.date = (struct omp_axdr_date){l.year, l.month, l.day, l.wday};
        x.time = (struct omp_axdr_time){l.hour, l.minute, l.second, OMP_AXDR_ANY};
        x.deviation_min = (int16_t)-dt->offset_min; /* UTC = local + deviation */
        x.status = dt->status;
    }
    uint8_t raw[12];
    omp_err err = omp_axdr_datetime_encode(&x, raw);
    return err == OMP_OK ? omp_axdr_put_octets(w, raw, sizeof raw) : err;
}

omp_err omp_axdr_put_value(struct omp_wr *w, const struct omp_value *v)
{
    if (w == NULL || v == NULL) {
        return OMP_ERR_ARG;
    }
    size_t n = v->len < OMP_VALUE_BYTES_MAX ? v->len : OMP_VALUE_BYTES_MAX;
    switch ((enum omp_vtype)v->type) {
    case OMP_VT_NULL:
        return omp_axdr_put_null(w);
    case OMP_VT_BOOL:
        return omp_axdr_put_bool(w, v->v.u != 0u);
    case OMP_VT_I8:
        return omp_axdr_put_i8(w, (int8_t)v->v.i);
    case OMP_VT_I16:
        return omp_axdr_put_i16(w, (int16_t)v->v.i);
    case OMP_VT_I32:
        return omp_axdr_put_i32(w, (int32_t)v->v.i);
    case OMP_VT_I64:
        return omp_axdr_put_i64(w, v->v.i);
    case OMP_VT_U8:
        return omp_axdr_put_u8(w, (uint8_t)v->v.u);
    case OMP_VT_U16:
        return omp_axdr_put_u16(w, (uint16_t)v->v.u);
    case OMP_VT_U32:
        return omp_axdr_put_u32(w, (uint32_t)v->v.u);
    case OMP_VT_U64:
        return omp_axdr_put_u64(w, v->v.u);
    case OMP_VT_ENUM:
        return omp_axdr_put_enum(w, (uint8_t)v->v.u);
    case OMP_VT_OCTETS:
        return omp_axdr_put_octets(w, v->v.bytes, n);
    case OMP_VT_VISIBLE:
        return omp_axdr_put_visible(w, (const char *)v->v.bytes, n);
    case OMP_VT_DATETIME:
        return put_dt(w, &v->v.dt);
    case OMP_VT_ENCODED:
        return omp_wr_bytes(w, v->v.bytes, n);
    default:
        return OMP_ERR_ARG;
    }
}

#else
typedef int omp_axdr_value_unused;
#endif /* OMP_CONFIG_DLMS */

/*
 * The object model's generic part: lookups, the attributes every class has (logical name,
 * scaler_unit), access rights, and the 131.0.x optical settings. The table and its getters are
 * in cosem_table.c.
 */
#include <string.h>

#include "omnipower/cosem.h"

#include "cosem_priv.h"

/* ---- lookups ----------------------------------------------------------------------------------- */

size_t omp_cosem_count(void)
{
    return omp_cosem_priv_table_len;
}

const struct omp_cosem_obj *omp_cosem_at(size_t index)
{
    return index < omp_cosem_priv_table_len ? &omp_cosem_priv_table[index] : NULL;
}

const struct omp_cosem_obj *omp_cosem_find(const uint8_t obis[6])
{
    if (obis == NULL) {
        return NULL;
    }
    for (size_t k = 0; k < omp_cosem_priv_table_len; k++) {
        if (memcmp(omp_cosem_priv_table[k].obis, obis, 6u) == 0) {
            return &omp_cosem_priv_table[k];
        }
    }
    return NULL;
}

const struct omp_cosem_obj *omp_cosem_find_cde(uint8_t c, uint8_t d, uint8_t e)
{
    for (size_t k = 0; k < omp_cosem_priv_table_len; k++) {
        const uint8_t *o = omp_cosem_priv_table[k].obis;
        if (o[2] == c && o[3] == d && o[4] == e) {
            return &omp_cosem_priv_table[k];
        }
    }
    return NULL;
}

omp_err omp_cosem_parse_cde(const char *id, size_t len, uint8_t cde[3])
{
    if (id == NULL || cde == NULL) {
        return OMP_ERR_ARG;
    }
    uint8_t out[3] = {0, 0, 0};
    size_t k = 0;
    for (unsigned part = 0; part < 3u; part++) {
        unsigned v = 0, digits = 0;
        for (; k < len && id[k] >= '0' && id[k] <= '9'; k++) {
            v = v * 10u + (unsigned)(id[k] - '0');
            if (++digits > 3u || v > 255u) {
                return OMP_ERR_MALFORMED;
            }
        }
        if (digits == 0u || (part < 2u && (k >= len || id[k] != '.'))) {
            return OMP_ERR_MALFORMED;
        }
        out[part] = (uint8_t)v;
        k += part < 2u ? 1u : 0u;
    }
    if (k != len) {
        return OMP_ERR_MALFORMED;
    }
    memcpy(cde, out, sizeof out);
    return OMP_OK;
}

static char *put_u8(char *p, uint8_t v)
{
    if (v >= 100u) {
        *p++ = (char)('0' + v / 100u);
    }
    if (v >= 10u) {
        *p++ = (char)('0' + (v / 10u) % 10u);
    }
    *p++ = (char)('0' + v % 10u);
    return p;
}

omp_err omp_cosem_cde_text(const uint8_t obis[6], char *out, size_t cap)
{
    if (obis == NULL || out == NULL) {
        return OMP_ERR_ARG;
    }
    if (cap < 12u) { /* "255.255.255" and the NUL */
        return OMP_ERR_NOSPACE;
    }
    char *p = put_u8(out, obis[2]);
    *p++ = '.';
    p = put_u8(p, obis[3]);
    *p++ = '.';
    p = put_u8(p, obis[4]);
    *p = '\0';
    return OMP_OK;
}

/* ---- attributes and access ---------------------------------------------------------------------- */

uint8_t omp_cosem_method_count(uint16_t class_id)
{
    switch (class_id) {
    case 15u: /* Association LN v1: reply_to_HLS_authentication .. remove_object */
        return 4u;
    case OMP_CLASS_SECURITY_SETUP: /* v0: security_activate, global_key_transfer */
    case OMP_CLASS_SPECIAL_DAYS:   /* insert, delete */
    case OMP_CLASS_DEMAND_REGISTER: /* reset, next_period (granted to nobody: legal data) */
        return 2u;
    case OMP_CLASS_SAP_ASSIGNMENT: /* connect_logical_device */
    case OMP_CLASS_PUSH_SETUP:     /* push */
    case OMP_CLASS_ACTIVITY_CAL:   /* activate_passive_calendar */
    case OMP_CLASS_SCRIPT_TABLE:   /* execute */
        return 1u;
    default:
        return 0u;
    }
}

bool omp_cosem_method_allowed(const struct omp_cosem_obj *o, uint16_t class_id, uint8_t method,
                              unsigned assoc)
{
    if (class_id == 15u || class_id == OMP_CLASS_SECURITY_SETUP) {
        /* HLS pass 3, security_activate and the key change: the management association's own
         * (dlms_sec.c) */
        return assoc == OMP_ASSOC_HLS_MGMT && (method == 1u || (method == 2u && class_id != 15u));
    }
    /* activate_passive_calendar: whoever writes the passive calendar; the special days' insert
     * and delete: nobody (the table follows the active calendar, written as a whole) */
    return o != NULL && class_id == OMP_CLASS_ACTIVITY_CAL && method == 1u &&
           (o->flags & OMP_COSEM_LEGAL) == 0u && (o->write & assoc) != 0u;
}

uint8_t omp_cosem_attr_count(const struct omp_cosem_obj *o)
{
    if (o == NULL) {
        return 0u;
    }
    switch (o->class_id) {
    case OMP_CLASS_REGISTER:
        return 3u;
    case OMP_CLASS_EXT_REGISTER:
        return 5u;
    case OMP_CLASS_REGISTER_MONITOR: /* version 0 (cosem_demand.c) */
        return 4u;
    case OMP_CLASS_CLOCK:
    case OMP_CLASS_DEMAND_REGISTER: /* version 0 (cosem_demand.c) */
    case OMP_CLASS_IEC_HDLC:       /* version 1 */
    case OMP_CLASS_IEC_LOCAL_PORT: /* version 1 */
        return 9u;
    case OMP_CLASS_PUSH_SETUP:     /* version 0 */
        return 7u;
    case OMP_CLASS_SECURITY_SETUP: /* version 0 */
        return 5u;
    case OMP_CLASS_ACTIVITY_CAL: /* cosem_calendar.c */
        return 10u;
    case OMP_CLASS_SINGLE_ACTION: /* cosem_calendar.c */
        return 4u;
    default: /* and the special days and script tables: 1, 2 */
        return 2u;
    }
}

/* One association at a time: a mask of several would grant the union of their rights. */
static bool one_assoc(unsigned assoc)
{
    return assoc != 0u && (assoc & (assoc - 1u)) == 0u;
}

bool omp_cosem_readable(const struct omp_cosem_obj *o, uint8_t attr, unsigned assoc)
{
    if (o == NULL || !one_assoc(assoc) || attr < 1u || attr > omp_cosem_attr_count(o)) {
        return false;
    }
    /* the IEC local port setup's passwords pass_p1, pass_p2, pass_w5: no one reads them; nor a
     * command's value */
    return (o->read & assoc) != 0u && !(o->class_id == OMP_CLASS_IEC_LOCAL_PORT && attr >= 7u) &&
           !((o->flags & OMP_COSEM_WRITE_ONLY) != 0u && attr == 2u);
}

bool omp_cosem_writable(const struct omp_cosem_obj *o, uint8_t attr, unsigned assoc)
{
    if (o == NULL || !one_assoc(assoc) || attr < 2u || attr > omp_cosem_attr_count(o) ||
        (o->flags & OMP_COSEM_LEGAL) != 0u || o->set == NULL) {
        return false; /* logical names, legal data and objects without a setter: never */
    }
    return (o->write & assoc) != 0u && (o->wattrs & (1u << attr)) != 0u;
}

/* scaler_unit: structure { integer scaler, enum unit }, A-XDR (Blue Book 4.3.2). */
static omp_err scaler_unit(const struct omp_cosem_obj *o, struct omp_value *out)
{
    const uint8_t su[6] = {0x02u, 0x02u, 0x0Fu, (uint8_t)o->scaler, 0x16u, o->unit};
    return omp_value_bytes(OMP_VT_ENCODED, su, sizeof su, out);
}

omp_err omp_cosem_get(const struct omp_cosem_src *s, const struct omp_cosem_obj *o, uint8_t attr,
                      unsigned assoc, struct omp_value *out)
{
    if (s == NULL || o == NULL || out == NULL || !one_assoc(assoc)) {
        return OMP_ERR_ARG;
    }
    if ((o->read & assoc) == 0u) {
        return OMP_ERR_DENIED;
    }
    if (attr < 1u || attr > omp_cosem_attr_count(o)) {
        return OMP_ERR_NOT_FOUND;
    }
    if (!omp_cosem_readable(o, attr, assoc)) {
        return OMP_ERR_DENIED;
    }
    if (attr == 1u) {
        return omp_value_bytes(OMP_VT_OCTETS, o->obis, 6u, out);
    }
    if ((attr == 3u &&
         (o->class_id == OMP_CLASS_REGISTER || o->class_id == OMP_CLASS_EXT_REGISTER)) ||
        (attr == 4u && o->class_id == OMP_CLASS_DEMAND_REGISTER)) {
        return scaler_unit(o, out);
    }
    struct omp_value v;
    omp_err err = o->get(s, o, attr, &v);
    if (err == OMP_OK) {
        *out = v;
    }
    return err;
}

omp_err omp_cosem_set(const struct omp_cosem_src *s, const struct omp_cosem_obj *o, uint8_t attr,
                      unsigned assoc, const struct omp_value *v)
{
    if (s == NULL || o == NULL || v == NULL || !one_assoc(assoc)) {
        return OMP_ERR_ARG;
    }
    if (attr < 1u || attr > omp_cosem_attr_count(o)) {
        return OMP_ERR_NOT_FOUND;
    }
    if (!omp_cosem_writable(o, attr, assoc) || s->ops == NULL) {
        return OMP_ERR_DENIED;
    }
    return o->set(s, o, attr, v);
}

/* ---- the optical port's settings 131.0.x ---------------------------------------------------------- */

static const struct {
    uint32_t lo, hi;
} k_opt_range[OMP_OPT_COUNT] = {
    [OMP_OPT_USER_DATA] = {0u, 1u},   [OMP_OPT_D0_INTERVAL] = {0u, 17280u},
    [OMP_OPT_D0_BAUD] = {0u, 5u},     [OMP_OPT_COMM_MODE] = {0u, 2u},
    [OMP_OPT_TA] = {1000u, 65000u},   [OMP_OPT_TR] = {1000u, 65000u},
    [OMP_OPT_TT] = {1000u, 65000u},   [OMP_OPT_TI] = {5u, 240u},
};

uint32_t omp_optical_setting_get(const struct omp_optical_settings *o, enum omp_optical_setting k)
{
    switch (k) {
    case OMP_OPT_USER_DATA:
        return o->user_data;
    case OMP_OPT_D0_INTERVAL:
        return o->d0_interval;
    case OMP_OPT_D0_BAUD:
        return o->d0_baud;
    case OMP_OPT_COMM_MODE:
        return o->comm_mode;
    case OMP_OPT_TA:
        return o->ta_ms;
    case OMP_OPT_TR:
        return o->tr_ms;
    case OMP_OPT_TT:
        return o->tt_ms;
    default:
        return o->ti_s;
    }
}

bool omp_optical_setting_valid(enum omp_optical_setting k, uint32_t v)
{
    return (unsigned)k < (unsigned)OMP_OPT_COUNT && v >= k_opt_range[k].lo &&
           v <= k_opt_range[k].hi;
}

omp_err omp_optical_setting_put(struct omp_optical_settings *o, enum omp_optical_setting k,
                                uint32_t v)
{
    if (o == NULL || (unsigned)k >= (unsigned)OMP_OPT_COUNT) {
        return OMP_ERR_ARG;
    }
    if (!omp_optical_setting_valid(k, v)) {
        return OMP_ERR_RANGE;
    }
    switch (k) { /* the ranges above make every narrowing exact */
    case OMP_OPT_USER_DATA:
        o->user_data = (uint8_t)v;
        break;
    case OMP_OPT_D0_INTERVAL:
        o->d0_interval = (uint16_t)v;
        break;
    case OMP_OPT_D0_BAUD:
        o->d0_baud = (uint8_t)v;
        break;
    case OMP_OPT_COMM_MODE:
        o->comm_mode = (uint8_t)v;
        break;
    case OMP_OPT_TA:
        o->ta_ms = (uint16_t)v;
        break;
    case OMP_OPT_TR:
        o->tr_ms = (uint16_t)v;
        break;
    case OMP_OPT_TT:
        o->tt_ms = (uint16_t)v;
        break;
    default:
        o->ti_s = (uint8_t)v;
        break;
    }
    return OMP_OK;
}

bool omp_optical_settings_valid(const struct omp_optical_settings *o)
{
    if (o == NULL) {
        return false;
    }
    for (unsigned k = 0; k < (unsigned)OMP_OPT_COUNT; k++) {
        enum omp_optical_setting s = (enum omp_optical_setting)k;
        if (!omp_optical_setting_valid(s, omp_optical_setting_get(o, s))) {
            return false;
        }
    }
    return true;
}

bool omp_cosem_param_valid(enum omp_cosem_param k, uint32_t v)
{
    switch (k) {
    case OMP_PARAM_POWER_THRESHOLD:
        return true; /* any u32 of W (technical facts 11.3: example 99000) */
    case OMP_PARAM_LP_PERIOD:
    case OMP_PARAM_AN_PERIOD: /* technical facts 1.1: DL p.40's values */
        return v == 300u || v == 900u || v == 1800u || v == 3600u;
    case OMP_PARAM_DST:
        return v <= 1u;
    case OMP_PARAM_VQ_HIGH: /* Un +1 .. +20 % in whole volts (pq_vq.h omp_vq_cfg_valid) */
        return v >= 233u && v <= 276u;
    case OMP_PARAM_VQ_LOW: /* Un -1 .. -20 % */
        return v >= 184u && v <= 227u;
    case OMP_PARAM_VQ_WINDOW:
        return v >= 10u && v <= 1800u && 86400u % v == 0u;
    case OMP_PARAM_VQ_FAULT:
        return v >= 1u && v <= 65535u;
    default:
        return false;
    }
}

uint32_t omp_cosem_param_id(enum omp_cosem_param k, uint8_t *attr)
{
    /* PowerThresholdValue 96.51.1, load profile 99.1.0 and analysis logger 99.1.1 (attribute 4),
     * DaylightSavingConfig 96.52.11, the voltage quality limits 134.0.12..15 */
    static const uint32_t k_id[OMP_PARAM_COUNT] = {0x603301u, 0x630100u, 0x630101u, 0x60340Bu,
                                                   0x86000Cu, 0x86000Du, 0x86000Eu, 0x86000Fu};
    const unsigned i = (unsigned)k < (unsigned)OMP_PARAM_COUNT ? (unsigned)k : 0u;
    *attr = i == OMP_PARAM_LP_PERIOD || i == OMP_PARAM_AN_PERIOD ? 4u : 2u;
    return k_id[i];
}

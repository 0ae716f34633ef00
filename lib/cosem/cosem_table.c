/*
 * The data dictionary: every object the meter has, with its getter bound to the services' state.
 *
 * OBIS codes: technical facts 11.3 (OMNIPOWER direct meters, group B = 1, Kamstrup codes); the
 * 131.0.x optical settings (technical facts 10.2, IEC 62056-21 only) are given 1.1.131.0.x.255 in
 * Kamstrup's manufacturer range. Types as 11.3 lists them; scalers and units (11.3 lists none)
 * chosen so that the display and the optical port show the data sheet's resolutions: energies Wh,
 * powers W/var/VA (kW with 3 decimals), voltage 0.1 V, current 0.01 A, frequency 0.01 Hz, power
 * factor 0.001. An integer value's v.u/v.i holds the whole register; a DLMS encoder of a narrower
 * type sends it modulo the type's range, as the register rolls over.
 *
 * Objects the registers do not keep in this release (A- and R- per tariff, P- and Q- maxima and
 * their accumulated values, tariffs above OMP_CONFIG_TARIFFS) answer null-data.
 */
#include <string.h>

#include "omnipower/cosem.h"

#include "cosem_priv.h"

/* ---- energies ------------------------------------------------------------------------------------ */

enum { EN_TOTAL = 0x00, EN_A_PLUS_T = 0x10, EN_R_PLUS_T = 0x20, EN_NONE = 0xF0 };

static omp_err get_energy(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                          uint8_t attr, struct omp_value *out)
{
    (void)attr;
    const struct omp_metro_energy *t = &s->regs->e.total;
    const uint64_t totals[10] = {t->a_plus_uwh,          t->a_minus_uwh,
                                 t->r_plus_uvarh,        t->r_minus_uvarh,
                                 t->r_quadrant_uvarh[0], t->r_quadrant_uvarh[1],
                                 t->r_quadrant_uvarh[2], t->r_quadrant_uvarh[3],
                                 t->e_plus_uvah,         t->e_minus_uvah};
    const uint8_t group = (uint8_t)(o->arg & 0xF0u), idx = (uint8_t)(o->arg & 0x0Fu);
    const uint8_t c = o->obis[2];
    enum omp_unit unit = c <= 2u ? OMP_UNIT_WH : c <= 8u ? OMP_UNIT_VARH : OMP_UNIT_VAH;
    uint64_t micro = 0;
    if (group == EN_TOTAL && idx < 10u) {
        micro = totals[idx];
    } else if (group == EN_A_PLUS_T && idx < s->tariffs && idx < OMP_CONFIG_TARIFFS) {
        micro = s->regs->e.a_plus_t[idx];
    } else if (group == EN_R_PLUS_T && idx < s->tariffs && idx < OMP_CONFIG_TARIFFS) {
        micro = s->regs->e.r_plus_t[idx];
    } else {
        *out = omp_value_null();
        return OMP_OK;
    }
    *out = omp_value_uint(OMP_VT_U32, micro / 1000000u, 0, unit); /* micro-units -> Wh */
    return OMP_OK;
}

/* ---- maxima (class 4: attr 2 value, 4 status, 5 capture time) and accumulated maxima -------------- */

enum { PK_P_PLUS, PK_P_PLUS_T1, PK_P_PLUS_T2, PK_P_MINUS, PK_Q_PLUS, PK_Q_MINUS, PK_S_PLUS,
       PK_S_MINUS };

static const struct omp_regs_peak *peak_of(const struct omp_registers *r, uint8_t which)
{
    switch (which) {
    case PK_P_PLUS:
        return &r->peaks.p_plus;
    case PK_P_PLUS_T1:
        return &r->peaks.p_plus_t[0];
    case PK_P_PLUS_T2:
        return &r->peaks.p_plus_t[1];
    case PK_Q_PLUS:
        return &r->peaks.q_plus;
    case PK_S_PLUS:
        return &r->peaks.s_plus;
    case PK_S_MINUS:
        return &r->peaks.s_minus;
    default:
        return NULL; /* P- and Q- maxima: not kept */
    }
}

static enum omp_unit power_unit(uint8_t c)
{
    return c <= 2u ? OMP_UNIT_W : c <= 4u ? OMP_UNIT_VAR : OMP_UNIT_VA;
}

/* Local offset in force at @p utc (standard offset + 60 min in DST) and the DST status bit. */
static void local_offset(const struct omp_cosem_src *s, omp_time_s utc, int16_t *off, uint8_t *st)
{
    bool dst = omp_dst_active(s->dst_rule, utc);
    *off = (int16_t)(s->utc_offset_min + (dst ? 60 : 0));
    *st = dst ? OMP_CLOCK_STATUS_DST : 0u;
}

struct omp_value omp_cosem_time(const struct omp_cosem_src *s, omp_time_s utc, bool valid,
                                bool unset_zero)
{
    int16_t off = 0;
    uint8_t st = 0;
    local_offset(s, utc, &off, &st);
    st = (uint8_t)(st | (valid ? 0u : OMP_CLOCK_STATUS_INVALID));
    return omp_value_datetime(utc, off, st, unset_zero && utc == 0);
}

static omp_err get_peak(const struct omp_cosem_src *s, const struct omp_cosem_obj *o, uint8_t attr,
                        struct omp_value *out)
{
    const struct omp_regs_peak *p = peak_of(s->regs, o->arg);
    if (attr == 5u && p == NULL) {
        /* not kept: a capture_time with every field not specified, as for a peak not yet seen
         * (a date-time is what clients expect here; Gurux's C client fails on null-data) */
        *out = omp_value_datetime(0, 0, 0u, true);
    } else if (p == NULL || attr == 4u) {
        *out = omp_value_null(); /* not kept; status (attr 4): not supported (DL p.29) */
    } else if (attr == 5u) {
        int16_t off = 0;
        uint8_t st = 0;
        local_offset(s, p->utc, &off, &st);
        *out = omp_value_datetime(p->utc, off, st, p->utc == 0);
    } else {
        *out = omp_value_uint(OMP_VT_U32, p->value, 0, power_unit(o->obis[2]));
    }
    return OMP_OK;
}

static omp_err get_acc(const struct omp_cosem_src *s, const struct omp_cosem_obj *o, uint8_t attr,
                       struct omp_value *out)
{
    (void)attr;
    const struct omp_regs_acc *a = &s->regs->acc;
    const uint64_t *v = o->arg == PK_P_PLUS      ? &a->p_plus
                        : o->arg == PK_P_PLUS_T1 ? &a->p_plus_t[0]
                        : o->arg == PK_P_PLUS_T2 ? &a->p_plus_t[1]
                        : o->arg == PK_Q_PLUS    ? &a->q_plus
                                                 : NULL;
    *out = v == NULL ? omp_value_null()
                     : omp_value_uint(OMP_VT_U32, *v, 0, power_unit(o->obis[2]));
    return OMP_OK;
}

/* ---- instantaneous values from the newest mains cycle --------------------------------------------- */

enum { IN_U, IN_I, IN_P_PLUS, IN_P_MINUS, IN_Q_PLUS, IN_Q_MINUS, IN_S, IN_PF, IN_F };

/* |x| rounded half up to an integer; not finite or from 1e9 up: 0. */
static uint64_t round_abs(float x)
{
    float a = x < 0.0f ? -x : x;
    return a < 1e9f ? (uint64_t)(a + 0.5f) : 0u;
}

/* The interval means (x.25.0) in the instantaneous values' resolution: a cycle of means. */
static omp_err get_mean(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                        uint8_t attr, struct omp_value *out);

static omp_err get_instant(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                           uint8_t attr, struct omp_value *out)
{
    (void)attr;
    const struct omp_cycle *c = s->cycle;
    switch (o->arg) {
    case IN_U:
        *out = omp_value_uint(OMP_VT_U16, round_abs(c->urms_v * 10.0f), -1, OMP_UNIT_V);
        break;
    case IN_I:
        *out = omp_value_uint(OMP_VT_U32, round_abs(c->irms_a * 100.0f), -2, OMP_UNIT_A);
        break;
    case IN_P_PLUS:
    case IN_P_MINUS: {
        bool plus = o->arg == IN_P_PLUS;
        float p = (plus ? c->p_w > 0.0f : c->p_w < 0.0f) ? c->p_w : 0.0f;
        *out = omp_value_uint(OMP_VT_U32, round_abs(p), 0, OMP_UNIT_W);
        break;
    }
    case IN_Q_PLUS:
    case IN_Q_MINUS: {
        bool plus = o->arg == IN_Q_PLUS;
        float q = (plus ? c->q_var > 0.0f : c->q_var < 0.0f) ? c->q_var : 0.0f;
        *out = omp_value_uint(OMP_VT_U32, round_abs(q), 0, OMP_UNIT_VAR);
        break;
    }
    case IN_S:
        *out = omp_value_uint(OMP_VT_U32, round_abs(c->s_va), 0, OMP_UNIT_VA);
        break;
    case IN_PF:
        *out = omp_value_uint(OMP_VT_U16, round_abs(c->pf * 1000.0f), -3, OMP_UNIT_COUNT);
        break;
    default:
        *out = omp_value_uint(OMP_VT_U16, round_abs(c->f_hz * 100.0f), -2, OMP_UNIT_HZ);
        break;
    }
    return OMP_OK;
}

static omp_err get_mean(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                        uint8_t attr, struct omp_value *out)
{
    const struct omp_means_value *m = s->means;
    if (m == NULL) {
        *out = omp_value_null();
        return OMP_OK;
    }
    float v = o->arg == IN_U         ? m->u_v
              : o->arg == IN_I       ? m->i_a
              : o->arg == IN_P_PLUS  ? m->p_plus_w
              : o->arg == IN_P_MINUS ? -m->p_minus_w
              : o->arg == IN_Q_PLUS  ? m->q_plus_var
              : o->arg == IN_Q_MINUS ? -m->q_minus_var
              : o->arg == IN_S       ? m->s_va
              : o->arg == IN_PF      ? m->pf
                                     : m->f_hz;
    /* the instantaneous values' formatting on a cycle that holds the means */
    struct omp_cycle c;
    memset(&c, 0, sizeof c);
    c.urms_v = v;
    c.irms_a = v;
    c.p_w = v;
    c.q_var = v;
    c.s_va = v;
    c.pf = v;
    c.f_hz = v;
    struct omp_cosem_src t = *s;
    t.cycle = &c;
    return get_instant(&t, o, attr, out);
}

/* ---- counters, identity, status, tariff ----------------------------------------------------------- */

enum { CT_HOURS, CT_BILLING, CT_THRESHOLD, CT_PULSE, CT_STATUS, CT_TARIFF,
       CT_METER_NO };

static omp_err get_count(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                         uint8_t attr, struct omp_value *out)
{
    (void)attr;
    const struct omp_registers *r = s->regs;
    switch (o->arg) {
    case CT_HOURS:
        *out = omp_value_uint(OMP_VT_U32, r->hours, 0, OMP_UNIT_HOUR);
        break;
    case CT_BILLING:
        *out = omp_value_uint(OMP_VT_U8, r->billing_count, 0, OMP_UNIT_NONE);
        break;
    case CT_THRESHOLD:
        *out = omp_value_uint(OMP_VT_U8, r->threshold_count, 0, OMP_UNIT_NONE);
        break;
    case CT_PULSE:
        *out = omp_value_uint(OMP_VT_U32, r->pulse_milli / 1000u, 0, OMP_UNIT_NONE);
        break;
    case CT_STATUS:
        *out = omp_value_uint(OMP_VT_U8, s->status, 0, OMP_UNIT_NONE);
        break;
    case CT_TARIFF:
        *out = omp_value_uint(OMP_VT_U8, s->tariff, 0, OMP_UNIT_NONE);
        break;
    default:
        *out = omp_value_uint(OMP_VT_U32, s->meter_number, 0, OMP_UNIT_NONE);
        break;
    }
    return OMP_OK;
}

static omp_err set_tariff(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                          uint8_t attr, const struct omp_value *v)
{
    (void)o;
    (void)attr;
    uint64_t t = 0;
    bool neg = false;
    if (omp_value_scaled(v, 0, &t, &neg) != OMP_OK) {
        return OMP_ERR_MALFORMED;
    }
    if (neg || t > 255u) {
        return OMP_ERR_RANGE; /* the tariffs that exist are the service's to say (op) */
    }
    return s->ops->set_tariff == NULL ? OMP_ERR_UNSUPPORTED
                                      : s->ops->set_tariff(s->user, (uint8_t)t);
}

/* The utility's data objects (struct omp_cosem_custom), by the row's arg. */
enum { CU_METER_NO_LOW, CU_METER_NO2, CU_METER_NO3, CU_SPECIAL1, CU_SPECIAL2, CU_MODULE_ID,
       CU_BILLING_STOP };

static omp_err get_custom(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                          uint8_t attr, struct omp_value *out)
{
    (void)attr;
    static const struct omp_cosem_custom k_none; /* the factory values: zeros, empty strings */
    const struct omp_cosem_custom *c = s->custom != NULL ? s->custom : &k_none;
    const uint32_t u[4] = {c->meter_no2, c->meter_no3, c->special[0], c->special[1]};
    switch (o->arg) {
    case CU_METER_NO_LOW:
        return omp_value_bytes(OMP_VT_OCTETS, c->meter_no_low, c->meter_no_low_len, out);
    case CU_MODULE_ID:
        return omp_value_bytes(OMP_VT_OCTETS, c->module_id, c->module_id_len, out);
    case CU_BILLING_STOP: /* write-only: the type a write takes (unsigned) */
        *out = omp_value_uint(OMP_VT_U8, 0u, 0, OMP_UNIT_NONE);
        return OMP_OK;
    default:
        *out = omp_value_uint(OMP_VT_U32, u[(o->arg - CU_METER_NO2) & 3u], 0, OMP_UNIT_NONE);
        return OMP_OK;
    }
}

/* Take a string of at most OMP_COSEM_CUSTOM_STR_MAX bytes into @p dst. */
static omp_err take_str(const struct omp_value *v, uint8_t *dst, uint8_t *len)
{
    if (v->type != OMP_VT_OCTETS) {
        return OMP_ERR_MALFORMED;
    }
    if (v->len > OMP_COSEM_CUSTOM_STR_MAX) {
        return OMP_ERR_RANGE;
    }
    memset(dst, 0, OMP_COSEM_CUSTOM_STR_MAX);
    memcpy(dst, v->v.bytes, v->len);
    *len = v->len;
    return OMP_OK;
}

static omp_err set_custom(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                          uint8_t attr, const struct omp_value *v)
{
    (void)attr;
    if (o->arg == CU_BILLING_STOP) { /* ForceBillingStop: 1 stops, nothing else is a command */
        if (v->type != OMP_VT_U8) {
            return OMP_ERR_MALFORMED;
        }
        if (v->v.u != 1u) {
            return OMP_ERR_RANGE;
        }
        return s->ops->billing_stop == NULL ? OMP_ERR_UNSUPPORTED : s->ops->billing_stop(s->user);
    }
    struct omp_cosem_custom c;
    memset(&c, 0, sizeof c);
    if (s->custom != NULL) {
        c = *s->custom; /* the op must not read what it writes: a copy with the one change */
    }
    omp_err err = OMP_OK;
    if (o->arg == CU_METER_NO_LOW) {
        err = take_str(v, c.meter_no_low, &c.meter_no_low_len);
    } else if (o->arg == CU_MODULE_ID) {
        err = take_str(v, c.module_id, &c.module_id_len);
    } else if (v->type != OMP_VT_U32) {
        err = OMP_ERR_MALFORMED;
    } else {
        uint32_t *u[4] = {&c.meter_no2, &c.meter_no3, &c.special[0], &c.special[1]};
        *u[(o->arg - CU_METER_NO2) & 3u] = (uint32_t)v->v.u;
    }
    if (err == OMP_OK) {
        err = s->ops->set_custom == NULL ? OMP_ERR_UNSUPPORTED : s->ops->set_custom(s->user, &c);
    }
    return err;
}

enum { ID_IDENT, ID_TYPE_NO, ID_SOFTWARE, ID_REVISION, ID_ROM_CHECKSUM };

/* Length of @p t up to @p max characters (no NUL needed within them). */
static size_t bounded_len(const char *t, size_t max)
{
    size_t n = 0;
    while (t != NULL && n < max && t[n] != '\0') {
        n++;
    }
    return n;
}

/* SoftwareNumberRevisionAscii `5098736-Q1` and SoftwareRevision `Q1` (technical facts 11.1). */
static omp_err get_software(const struct omp_cosem_src *s, bool revision, struct omp_value *out)
{
    const char *t = s->software_id != NULL ? s->software_id : "";
    size_t n = bounded_len(t, 16u), from = 0;
    if (revision) {
        while (from < n && t[from] != '-') {
            from++;
        }
        from = from < n ? from + 1u : n;
    }
    return omp_value_bytes(OMP_VT_VISIBLE, t + from, n - from, out);
}

static omp_err get_id(const struct omp_cosem_src *s, const struct omp_cosem_obj *o, uint8_t attr,
                      struct omp_value *out)
{
    (void)attr;
    if (o->arg == ID_TYPE_NO) {
        const char *t = s->type_number != NULL ? s->type_number : "";
        return omp_value_bytes(OMP_VT_VISIBLE, t, bounded_len(t, OMP_COSEM_TYPENO_LEN), out);
    }
    if (o->arg == ID_SOFTWARE || o->arg == ID_REVISION) {
        return get_software(s, o->arg == ID_REVISION, out);
    }
    if (o->arg == ID_ROM_CHECKSUM) {
        *out = omp_value_uint(OMP_VT_U32, s->rom_checksum, 0, OMP_UNIT_NONE);
        return OMP_OK;
    }
    /* IdentificationNumber: "1KAS" + the serial number in 10 digits (technical facts 11.1) */
    char id[14] = {'1', 'K', 'A', 'S'};
    uint32_t n = s->meter_number;
    for (unsigned k = 13u; k >= 4u; k--) {
        id[k] = (char)('0' + n % 10u);
        n /= 10u;
    }
    return omp_value_bytes(OMP_VT_VISIBLE, id, sizeof id, out);
}

/* ---- clock (class 8) ------------------------------------------------------------------------------ */

static omp_err get_dst_bound(const struct omp_cosem_src *s, bool end, struct omp_value *out)
{
    omp_time_s a = 0, b = 0;
    struct omp_datetime dt; /* this year: the local standard time's year */
    omp_time_s local = s->clock_utc_s + (omp_time_s)s->utc_offset_min * 60;
    if (s->dst_rule != OMP_DST_EU || !s->clock_known || omp_time_to_datetime(local, &dt) != OMP_OK ||
        omp_eu_dst_bounds(dt.year, &a, &b) != OMP_OK) {
        *out = omp_value_null();
        return OMP_OK;
    }
    int16_t off = 0;
    uint8_t st = 0;
    /* each in the time in force just before it: the begin at 02:00 standard time, the end at
     * 03:00 DST with the DST bit (technical facts 11.6, the K351C example) */
    local_offset(s, (end ? b : a) - 1, &off, &st);
    *out = omp_value_datetime(end ? b : a, off, st, false);
    return OMP_OK;
}

static omp_err get_clock(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                         uint8_t attr, struct omp_value *out)
{
    (void)o;
    int16_t off = 0;
    uint8_t st = 0;
    local_offset(s, s->clock_utc_s, &off, &st);
    st = (uint8_t)(st | (s->clock_valid ? 0u : OMP_CLOCK_STATUS_INVALID));
    bool eu = s->dst_rule == OMP_DST_EU;
    switch (attr) {
    case 2u: /* time: the last valid time, flagged invalid, when the RTC lost it */
        *out = omp_value_datetime(s->clock_utc_s, off, st, !s->clock_known);
        return OMP_OK;
    case 4u:
        *out = omp_value_uint(OMP_VT_U8, st, 0, OMP_UNIT_NONE);
        return OMP_OK;
    case 5u:
    case 6u:
        return get_dst_bound(s, attr == 6u, out);
    case 7u:
        *out = omp_value_int(OMP_VT_I8, eu ? 60 : 0, 0, OMP_UNIT_NONE);
        return OMP_OK;
    case 8u:
        *out = omp_value_uint(OMP_VT_BOOL, eu ? 1u : 0u, 0, OMP_UNIT_NONE);
        return OMP_OK;
    case 9u:
        *out = omp_value_uint(OMP_VT_ENUM, 1u, 0, OMP_UNIT_NONE); /* internal crystal */
        return OMP_OK;
    default:
        *out = omp_value_null(); /* 3 time_zone: not used (technical facts 11.6) */
        return OMP_OK;
    }
}

static omp_err set_param(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                         uint8_t attr, const struct omp_value *v);

static omp_err set_clock(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                         uint8_t attr, const struct omp_value *v)
{
    if (attr == 8u) {
        return set_param(s, o, attr, v); /* daylight_savings_enabled */
    }
    if (v->type != OMP_VT_DATETIME || v->v.dt.unset) {
        return OMP_ERR_MALFORMED;
    }
    return s->ops->set_clock == NULL ? OMP_ERR_UNSUPPORTED
                                     : s->ops->set_clock(s->user, v->v.dt.utc_s);
}

/* ---- settings written over the ports (enum omp_cosem_param) --------------------------------------- */

/* A parameter's attribute: the clock's 8 (boolean) and DaylightSavingConfig are OMP_PARAM_DST,
 * the others name theirs in arg. */
static omp_err set_param(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                         uint8_t attr, const struct omp_value *v)
{
    uint64_t x = 0;
    bool neg = false;
    if (omp_value_scaled(v, 0, &x, &neg) != OMP_OK) {
        return OMP_ERR_MALFORMED;
    }
    const uint8_t k = o->class_id == OMP_CLASS_CLOCK ? (uint8_t)OMP_PARAM_DST : o->arg;
    if (o->class_id == OMP_CLASS_CLOCK && (attr != 8u || v->type != OMP_VT_BOOL)) {
        return OMP_ERR_MALFORMED;
    }
    if (neg || x > UINT32_MAX || !omp_cosem_param_valid((enum omp_cosem_param)k, (uint32_t)x)) {
        return OMP_ERR_RANGE;
    }
    return s->ops->set_param == NULL ? OMP_ERR_UNSUPPORTED
                                     : s->ops->set_param(s->user, k, (uint32_t)x);
}

/* PowerThresholdValue 1.1.96.51.1.255 (class 3, u32 W): the threshold counter's and the
 * register monitor's threshold. */
static omp_err get_threshold(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                             uint8_t attr, struct omp_value *out)
{
    (void)o;
    (void)attr;
    *out = omp_value_uint(OMP_VT_U32, s->regs->cfg.power_threshold_w, 0, OMP_UNIT_W);
    return OMP_OK;
}

/* DaylightSavingConfig 1.1.96.52.11.255 (u8; the documents give no codes: 0 none, 1 EU). */
static omp_err get_dst_cfg(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                           uint8_t attr, struct omp_value *out)
{
    (void)o;
    (void)attr;
    *out = omp_value_uint(OMP_VT_U8, s->dst_rule == OMP_DST_EU ? 1u : 0u, 0, OMP_UNIT_NONE);
    return OMP_OK;
}

/* ---- power quality (technical facts 8) ------------------------------------------------------------ */

enum { PQ_THD_U = 0x10, PQ_THD_U_MEAN, PQ_THD_I, PQ_THD_I_MEAN };

/* The occurrence counters 1.1.133.0.n.255 (class 1, u16; arg n), the newest voltage quality
 * logger entry's objects 1.1.132.0.1..5.255 (phase, event: u8; mean, max, min: class 3, u16 V;
 * arg 1..5) and THD C.7.124 / C.24.124 (class 3, u16 in 0.01 %; arg PQ_THD_*). */
static omp_err get_pq(const struct omp_cosem_src *s, const struct omp_cosem_obj *o, uint8_t attr,
                      struct omp_value *out)
{
    (void)attr;
    const struct omp_cosem_pq *q = &s->pq;
    const bool counter = o->obis[2] == 133u;
    if (counter && q->counts != NULL && o->arg >= 1u && o->arg <= 23u) {
        *out = omp_value_uint(OMP_VT_U16, q->counts[o->arg - 1u], 0, OMP_UNIT_NONE);
    } else if (!counter && o->arg >= PQ_THD_U) {
        const bool mean = o->arg == PQ_THD_U_MEAN || o->arg == PQ_THD_I_MEAN;
        const struct omp_pq_value *v = mean ? q->ten_min : q->interval;
        const float pct = o->arg <= PQ_THD_U_MEAN ? (v != NULL ? v->thd_u_pct : 0.0f)
                                                  : (v != NULL ? v->thd_i_pct : 0.0f);
        *out = v != NULL && v->harm_valid
                   ? omp_value_uint(OMP_VT_U16, (uint64_t)(pct * 100.0f + 0.5f), -2,
                                    OMP_UNIT_PERCENT)
                   : omp_value_null();
    } else if (!counter && q->entry != NULL && o->arg >= 1u && o->arg <= 5u) {
        const struct omp_event *e = q->entry;
        *out = o->arg == 1u   ? omp_value_uint(OMP_VT_U8, e->flags & 3u, 0, OMP_UNIT_NONE)
               : o->arg == 2u ? omp_value_uint(OMP_VT_U8, e->code & 0xFFu, 0, OMP_UNIT_NONE)
                              : omp_value_uint(OMP_VT_U16, OMP_EV_VQ_FIELD(e->arg, o->arg - 3u),
                                               0, OMP_UNIT_V);
    } else {
        *out = omp_value_null();
    }
    return OMP_OK;
}

/* The voltage quality limits 1.1.134.0.12..15.255 (class 3, u16 V or s; arg: the parameter). */
static omp_err get_pq_limit(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                            uint8_t attr, struct omp_value *out)
{
    (void)attr;
    const unsigned k = (unsigned)o->arg - (unsigned)OMP_PARAM_VQ_HIGH;
    *out = s->pq.limits != NULL && k < 4u
               ? omp_value_uint(OMP_VT_U16, s->pq.limits[k], 0,
                                k < 2u ? OMP_UNIT_V : OMP_UNIT_SECOND)
               : omp_value_null();
    return OMP_OK;
}

/* ---- the optical port's settings 131.0.x ---------------------------------------------------------- */

static omp_err get_optical(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                           uint8_t attr, struct omp_value *out)
{
    (void)attr;
    enum omp_optical_setting k = (enum omp_optical_setting)o->arg;
    bool wide = k == OMP_OPT_D0_INTERVAL || k == OMP_OPT_TA || k == OMP_OPT_TR || k == OMP_OPT_TT;
    *out = omp_value_uint(wide ? OMP_VT_U16 : OMP_VT_U8, omp_optical_setting_get(s->optical, k), 0,
                          OMP_UNIT_NONE);
    return OMP_OK;
}

static omp_err set_optical(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                           uint8_t attr, const struct omp_value *v)
{
    (void)attr;
    uint64_t x = 0;
    bool neg = false;
    if (omp_value_scaled(v, 0, &x, &neg) != OMP_OK) {
        return OMP_ERR_MALFORMED;
    }
    enum omp_optical_setting k = (enum omp_optical_setting)o->arg;
    if (neg || x > UINT32_MAX || !omp_optical_setting_valid(k, (uint32_t)x)) {
        return OMP_ERR_RANGE;
    }
    return s->ops->set_optical == NULL ? OMP_ERR_UNSUPPORTED
                                       : s->ops->set_optical(s->user, o->arg, (uint32_t)x);
}

/* ---- calendars (cosem_calendar.c) --------------------------------------------------------------- */

/* Activity calendar: the passive season, week and day profiles (7, 8, 9) and attribute 10, the
 * activation date-time; the calendar names are not kept (read-only, empty). */
#define W_CAL ((1u << 7) | (1u << 8) | (1u << 9) | (1u << 10))
/* Read and written by the LLS and management associations, as the tariff control objects
 * 1.1.96.52.21..25 (technical facts 6.1, 11.3: RW), and the meter itself; not public. */
#define R_CAL OMP_ASSOC_FULL

/* ---- the table ------------------------------------------------------------------------------------ */

#define W2 (1u << 2) /* attribute 2 writable */
/* read rights */
#define R_ALL (OMP_ASSOC_FULL)
#define R_PUSH (OMP_ASSOC_FULL | OMP_ASSOC_PUSH)
#define R_PUB (OMP_ASSOC_FULL | OMP_ASSOC_PUBLIC | OMP_ASSOC_PUSH)
#define R_PUB_ONLY (OMP_ASSOC_FULL | OMP_ASSOC_PUBLIC) /* the public list, not pushed */
#define W_LLS (OMP_ASSOC_LLS | OMP_ASSOC_HLS_MGMT)
#define W_OPT (OMP_ASSOC_LLS_OPTICAL | OMP_ASSOC_HLS_MGMT)
#define LEGAL OMP_COSEM_LEGAL

/* One row: scaler and unit are those of scaler_unit (classes 3 and 4; 0 for the others). */
#define ROW(a, b, c, d, e, f, cls, ver, rd, wr, wa, fl, arg, sc, un, get, set) \
    {{a, b, c, d, e, f}, cls, ver, rd, wr, wa, fl, arg, sc, un, get, set}
/* Legal, read-only objects (energies, maxima, counters, identity). */
#define REG_SU(a, b, c, d, e, f, cls, rd, arg, fn, sc, un) \
    ROW(a, b, c, d, e, f, cls, 0u, rd, 0u, 0u, LEGAL, arg, sc, un, fn, NULL)
#define REG(a, b, c, d, e, f, cls, rd, arg, fn) REG_SU(a, b, c, d, e, f, cls, rd, arg, fn, 0, 0u)
/* Measured, read-only objects that are not legal data (instantaneous values, status). */
#define MEAS_SU(a, b, c, d, e, f, cls, rd, arg, fn, sc, un) \
    ROW(a, b, c, d, e, f, cls, 0u, rd, 0u, 0u, 0u, arg, sc, un, fn, NULL)
#define MEAS(a, b, c, d, e, f, cls, rd, arg, fn) MEAS_SU(a, b, c, d, e, f, cls, rd, arg, fn, 0, 0u)
/* Settings: read by @p rd, attribute 2 written through the associations @p wr. */
#define SETTING(a, b, c, d, e, f, cls, ver, rd, wr, arg, get, set) \
    ROW(a, b, c, d, e, f, cls, ver, rd, wr, W2, 0u, arg, 0, 0u, get, set)

/* Units by quantity C: 1, 2 active; 3..8 reactive; 9, 10 apparent (energy D = 8, power). */
#define EUNIT(c) ((c) <= 2u ? OMP_UNIT_WH : (c) <= 8u ? OMP_UNIT_VARH : OMP_UNIT_VAH)
#define PUNIT(c) ((c) <= 2u ? OMP_UNIT_W : (c) <= 4u ? OMP_UNIT_VAR : OMP_UNIT_VA)
#define ENERGY(c, e, arg, rd) \
    REG_SU(1, 1, c, 8, e, 255, OMP_CLASS_REGISTER, rd, arg, get_energy, 0, EUNIT(c))
#define PEAK(c, e, arg) \
    REG_SU(1, 1, c, 6, e, 255, OMP_CLASS_EXT_REGISTER, R_ALL, arg, get_peak, 0, PUNIT(c))
#define ACC(c, e, arg) \
    REG_SU(1, 1, c, 2, e, 255, OMP_CLASS_REGISTER, R_ALL, arg, get_acc, 0, PUNIT(c))
#define INSTANT(c, arg, sc, un) \
    MEAS_SU(1, 1, c, 7, 0, 255, OMP_CLASS_REGISTER, R_PUSH, arg, get_instant, sc, un)
#define MEAN(c, arg, sc, un) \
    MEAS_SU(1, 1, c, 25, 0, 255, OMP_CLASS_REGISTER, R_ALL, arg, get_mean, sc, un)
/* Demand register 1.0.C.4.0.255 (standard code, group B 0: the OMNIPOWER list has none). */
#define DEMAND(c, arg) ROW(1, 0, c, 4, 0, 255, OMP_CLASS_DEMAND_REGISTER, 0u, R_ALL, 0u, 0u, LEGAL, \
                           arg, 0, PUNIT(c), omp_cosem_priv_get_demand, NULL)
/* The utility's data 1.1.0.D.E.255 (class 1): read by @p rd, written by the LLS and management
 * associations. */
#define CUSTOM(d, e, rd, arg) \
    SETTING(1, 1, 0, d, e, 255, OMP_CLASS_DATA, 0u, rd, W_LLS, arg, get_custom, set_custom)
/* Power quality (technical facts 8): counters, the newest VQ logger entry, THD, limits. */
#define PQ_COUNT(n) MEAS(1, 1, 133, 0, n, 255, OMP_CLASS_DATA, R_ALL, n, get_pq)
#define PQ_ENTRY(e, cls, un) MEAS_SU(1, 1, 132, 0, e, 255, cls, R_ALL, e, get_pq, 0, un)
#define PQ_THD(c, d, arg) \
    MEAS_SU(1, 1, c, d, 124, 255, OMP_CLASS_REGISTER, R_ALL, arg, get_pq, -2, OMP_UNIT_PERCENT)
#define PQ_LIMIT(e, k, un) ROW(1, 1, 134, 0, e, 255, OMP_CLASS_REGISTER, 0u, R_ALL, W_LLS, W2, 0u, \
                               k, 0, un, get_pq_limit, set_param)
#define OPTICAL(e, k) SETTING(1, 1, 131, 0, e, 255, OMP_CLASS_DATA, 0u, R_ALL, W_OPT, k, \
                              get_optical, set_optical)

const struct omp_cosem_obj omp_cosem_priv_table[] = {
    /* identity (public association: technical facts 11.1) */
    REG(1, 1, 0, 0, 1, 255, OMP_CLASS_DATA, R_PUB, CT_METER_NO, get_count),   /* MeterNo1 0.0.1 */
    REG(1, 1, 0, 0, 4, 255, OMP_CLASS_DATA, R_PUB, ID_IDENT, get_id),         /* Identification */
    REG(1, 1, 96, 1, 0, 255, OMP_CLASS_DATA, R_PUB, CT_METER_NO, get_count),  /* SerialNo */
    REG(1, 1, 96, 1, 1, 255, OMP_CLASS_DATA, R_PUB, ID_TYPE_NO, get_id),      /* CompleteMeterTypeNo */
    REG(1, 1, 0, 2, 0, 255, OMP_CLASS_DATA, R_PUB, ID_SOFTWARE, get_id),      /* SW number-rev. */
    REG(1, 1, 0, 2, 2, 128, OMP_CLASS_DATA, R_PUB, ID_REVISION, get_id),      /* SoftwareRevision */
    REG(1, 1, 96, 54, 1, 255, OMP_CLASS_DATA, R_ALL, ID_ROM_CHECKSUM, get_id), /* RomChecksum */
    /* the utility's data (technical facts 11.1, 11.3: RW in the LLS associations, the numbers
     * and special data also in the public list); kept in NVM by the meter */
    CUSTOM(0, 0, R_PUB_ONLY, CU_METER_NO_LOW),  CUSTOM(0, 2, R_PUB_ONLY, CU_METER_NO2),
    CUSTOM(0, 3, R_PUB_ONLY, CU_METER_NO3),     CUSTOM(130, 1, R_PUB_ONLY, CU_SPECIAL1),
    CUSTOM(130, 2, R_PUB_ONLY, CU_SPECIAL2),
    SETTING(1, 1, 96, 1, 2, 255, OMP_CLASS_DATA, 0u, R_ALL, W_LLS, CU_MODULE_ID, get_custom,
            set_custom), /* ModuleId */
    /* ForceBillingStop 1.1.0.1.5.128 (u8, W: 1 = a debiting stop now; technical facts 4.1) */
    ROW(1, 1, 0, 1, 5, 128, OMP_CLASS_DATA, 0u, R_ALL, W_LLS, W2, OMP_COSEM_WRITE_ONLY,
        CU_BILLING_STOP, 0, 0u, get_custom, set_custom),
    MEAS(1, 1, 97, 97, 0, 255, OMP_CLASS_DATA, R_ALL, CT_STATUS, get_count),  /* MeterStatus */
    /* clock: attributes 2 and 8 (DST enabled) written by the LLS and management associations
     * (technical facts 11.3) */
    ROW(0, 1, 1, 0, 0, 255, OMP_CLASS_CLOCK, 0u, R_PUB, W_LLS, W2 | (1u << 8), 0u, 0u, 0, 0u,
        get_clock, set_clock),
    /* energies (class 3, u32, Wh / varh / VAh) */
    ENERGY(1, 0, EN_TOTAL + 0u, R_PUSH),     ENERGY(1, 1, EN_A_PLUS_T + 0u, R_ALL),
    ENERGY(1, 2, EN_A_PLUS_T + 1u, R_ALL),   ENERGY(1, 3, EN_A_PLUS_T + 2u, R_ALL),
    ENERGY(1, 4, EN_A_PLUS_T + 3u, R_ALL),   ENERGY(1, 5, EN_A_PLUS_T + 4u, R_ALL),
    ENERGY(1, 6, EN_A_PLUS_T + 5u, R_ALL),   ENERGY(1, 7, EN_A_PLUS_T + 6u, R_ALL),
    ENERGY(1, 8, EN_A_PLUS_T + 7u, R_ALL),   ENERGY(2, 0, EN_TOTAL + 1u, R_PUSH),
    ENERGY(2, 1, EN_NONE, R_ALL),            ENERGY(2, 2, EN_NONE, R_ALL),
    ENERGY(3, 0, EN_TOTAL + 2u, R_PUSH),     ENERGY(3, 1, EN_R_PLUS_T + 0u, R_ALL),
    ENERGY(3, 2, EN_R_PLUS_T + 1u, R_ALL),   ENERGY(3, 3, EN_R_PLUS_T + 2u, R_ALL),
    ENERGY(3, 4, EN_R_PLUS_T + 3u, R_ALL),   ENERGY(3, 5, EN_R_PLUS_T + 4u, R_ALL),
    ENERGY(3, 6, EN_R_PLUS_T + 5u, R_ALL),   ENERGY(3, 7, EN_R_PLUS_T + 6u, R_ALL),
    ENERGY(3, 8, EN_R_PLUS_T + 7u, R_ALL),   ENERGY(4, 0, EN_TOTAL + 3u, R_PUSH),
    ENERGY(4, 1, EN_NONE, R_ALL),            ENERGY(4, 2, EN_NONE, R_ALL),
    ENERGY(5, 0, EN_TOTAL + 4u, R_ALL),      ENERGY(6, 0, EN_TOTAL + 5u, R_ALL),
    ENERGY(7, 0, EN_TOTAL + 6u, R_ALL),      ENERGY(8, 0, EN_TOTAL + 7u, R_ALL),
    ENERGY(9, 0, EN_TOTAL + 8u, R_ALL),      ENERGY(10, 0, EN_TOTAL + 9u, R_ALL),
    /* maxima of the running debiting period (class 4) and accumulated maxima (class 3) */
    PEAK(1, 0, PK_P_PLUS),  PEAK(1, 1, PK_P_PLUS_T1), PEAK(1, 2, PK_P_PLUS_T2),
    PEAK(2, 0, PK_P_MINUS), PEAK(3, 0, PK_Q_PLUS),    PEAK(4, 0, PK_Q_MINUS),
    PEAK(9, 0, PK_S_PLUS),  PEAK(10, 0, PK_S_MINUS),
    ACC(1, 0, PK_P_PLUS),   ACC(1, 1, PK_P_PLUS_T1),  ACC(1, 2, PK_P_PLUS_T2),
    ACC(2, 0, PK_P_MINUS),  ACC(3, 0, PK_Q_PLUS),     ACC(4, 0, PK_Q_MINUS),
    /* counters */
    REG_SU(0, 1, 96, 8, 0, 255, OMP_CLASS_REGISTER, R_ALL, CT_HOURS, get_count, 0,
           OMP_UNIT_HOUR), /* HourCounter */
    REG(1, 1, 0, 1, 0, 255, OMP_CLASS_DATA, R_ALL, CT_BILLING, get_count),     /* BillingPeriodCnt */
    REG(1, 1, 96, 51, 2, 255, OMP_CLASS_DATA, R_ALL, CT_THRESHOLD, get_count), /* PowerThresholdCnt */
    ROW(1, 1, 96, 51, 1, 255, OMP_CLASS_REGISTER, 0u, R_ALL, W_LLS, W2, 0u,
        OMP_PARAM_POWER_THRESHOLD, 0, OMP_UNIT_W, get_threshold, set_param), /* PowerThresholdValue */
    MEAS(1, 1, 0, 128, 1, 255, OMP_CLASS_DATA, R_ALL, CT_PULSE, get_count),    /* PulseInput1 */
    SETTING(1, 1, 96, 52, 11, 255, OMP_CLASS_DATA, 0u, R_ALL, W_LLS, OMP_PARAM_DST, get_dst_cfg,
            set_param), /* DaylightSavingConfig */
    /* tariff in force: ActualTariff, written when the tariff source is this register */
    SETTING(1, 1, 129, 0, 0, 255, OMP_CLASS_DATA, 0u, R_ALL, W_LLS, CT_TARIFF, get_count,
            set_tariff),
    /* instantaneous values of the newest mains cycle (class 3) */
    INSTANT(32, IN_U, -1, OMP_UNIT_V),      INSTANT(31, IN_I, -2, OMP_UNIT_A),
    INSTANT(1, IN_P_PLUS, 0, OMP_UNIT_W),   INSTANT(2, IN_P_MINUS, 0, OMP_UNIT_W),
    INSTANT(3, IN_Q_PLUS, 0, OMP_UNIT_VAR), INSTANT(4, IN_Q_MINUS, 0, OMP_UNIT_VAR),
    INSTANT(9, IN_S, 0, OMP_UNIT_VA),       INSTANT(13, IN_PF, -3, OMP_UNIT_COUNT),
    INSTANT(14, IN_F, -2, OMP_UNIT_HZ),
    /* means over the last analysis interval (technical facts 2, Table 14; single phase: L1) */
    MEAN(32, IN_U, -1, OMP_UNIT_V),         MEAN(31, IN_I, -2, OMP_UNIT_A),
    MEAN(21, IN_P_PLUS, 0, OMP_UNIT_W),     MEAN(22, IN_P_MINUS, 0, OMP_UNIT_W),
    MEAN(23, IN_Q_PLUS, 0, OMP_UNIT_VAR),   MEAN(24, IN_Q_MINUS, 0, OMP_UNIT_VAR),
    MEAN(29, IN_S, 0, OMP_UNIT_VA),         MEAN(33, IN_PF, -3, OMP_UNIT_COUNT),
    MEAN(13, IN_PF, -3, OMP_UNIT_COUNT),    MEAN(14, IN_F, -2, OMP_UNIT_HZ),
    /* power quality (technical facts 8.1-8.4): THD-U and THD-I of the newest 10-cycle and 10-min
     * values, the 23 occurrence counters, the newest voltage quality logger 1 entry's objects,
     * the limits (written by the LLS and management associations, kept by the meter) */
    PQ_THD(32, 7, PQ_THD_U),  PQ_THD(32, 24, PQ_THD_U_MEAN),
    PQ_THD(31, 7, PQ_THD_I),  PQ_THD(31, 24, PQ_THD_I_MEAN),
    PQ_COUNT(1),  PQ_COUNT(2),  PQ_COUNT(3),  PQ_COUNT(4),  PQ_COUNT(5),  PQ_COUNT(6),
    PQ_COUNT(7),  PQ_COUNT(8),  PQ_COUNT(9),  PQ_COUNT(10), PQ_COUNT(11), PQ_COUNT(12),
    PQ_COUNT(13), PQ_COUNT(14), PQ_COUNT(15), PQ_COUNT(16), PQ_COUNT(17), PQ_COUNT(18),
    PQ_COUNT(19), PQ_COUNT(20), PQ_COUNT(21), PQ_COUNT(22), PQ_COUNT(23),
    PQ_ENTRY(1, OMP_CLASS_DATA, 0u), PQ_ENTRY(2, OMP_CLASS_DATA, 0u),
    PQ_ENTRY(3, OMP_CLASS_REGISTER, OMP_UNIT_V), PQ_ENTRY(4, OMP_CLASS_REGISTER, OMP_UNIT_V),
    PQ_ENTRY(5, OMP_CLASS_REGISTER, OMP_UNIT_V),
    PQ_LIMIT(12, OMP_PARAM_VQ_HIGH, OMP_UNIT_V),       PQ_LIMIT(13, OMP_PARAM_VQ_LOW, OMP_UNIT_V),
    PQ_LIMIT(14, OMP_PARAM_VQ_WINDOW, OMP_UNIT_SECOND),
    PQ_LIMIT(15, OMP_PARAM_VQ_FAULT, OMP_UNIT_SECOND),
    /* the optical port's settings (IEC 62056-21 W1/R1; technical facts 10.2) */
    OPTICAL(3, OMP_OPT_USER_DATA), OPTICAL(6, OMP_OPT_D0_INTERVAL), OPTICAL(9, OMP_OPT_D0_BAUD),
    OPTICAL(12, OMP_OPT_COMM_MODE), OPTICAL(13, OMP_OPT_TA),        OPTICAL(14, OMP_OPT_TR),
    OPTICAL(15, OMP_OPT_TT),        OPTICAL(16, OMP_OPT_TI),
    /* standard objects the OMNIPOWER list lacks (technical facts 6.3): the tariff calendars */
    ROW(0, 0, 13, 0, 0, 255, OMP_CLASS_ACTIVITY_CAL, 0u, R_CAL, W_LLS, W_CAL, 0u, 0u, 0, 0u,
        omp_cosem_priv_cal_get, omp_cosem_priv_cal_set),
    ROW(0, 0, 11, 0, 0, 255, OMP_CLASS_SPECIAL_DAYS, 0u, R_CAL, 0u, 0u, 0u, 0u, 0, 0u,
        omp_cosem_priv_cal_get, NULL),
    /* the block demands the registers keep, as standard demand registers (class 5; legal,
     * read-only, no method granted) and the register monitor on P+ (class 21; cosem_demand.c) */
    DEMAND(1, OMP_COSEM_DM_A_PLUS),  DEMAND(3, OMP_COSEM_DM_R_PLUS),
    DEMAND(9, OMP_COSEM_DM_E_PLUS),  DEMAND(10, OMP_COSEM_DM_E_MINUS),
    ROW(0, 0, 16, 0, 0, 255, OMP_CLASS_REGISTER_MONITOR, 0u, R_ALL, 0u, 0u, 0u, 0u, 0, 0u,
        omp_cosem_priv_get_monitor, NULL),
    /* the end of billing period (debiting stop, Z6/Z7): its script and its schedule */
    ROW(0, 0, 10, 0, 1, 255, OMP_CLASS_SCRIPT_TABLE, 0u, R_CAL, 0u, 0u, 0u, 0u, 0, 0u,
        omp_cosem_priv_cal_get, NULL),
    ROW(0, 0, 15, 0, 0, 255, OMP_CLASS_SINGLE_ACTION, 0u, R_CAL, 0u, 0u, 0u, 0u, 0, 0u,
        omp_cosem_priv_cal_get, NULL),
    /* communication setup: SAP assignment, logical device name, HDLC, local port, push and
     * security setup (cosem_setup.c) */
    OMP_COSEM_SETUP_ROWS
};

const size_t omp_cosem_priv_table_len = OMP_ARRAY_LEN(omp_cosem_priv_table);

/*
 * Software configuration Z1..Z20 (data sheet "Configuration - software 1..4", technical facts §0):
 * validation, the text and compact forms, factory defaults, locked codes, per-service settings.
 */
#include <stddef.h>
#include <string.h>

#include "config_priv.h"

/* Values above this are refused while reading digits (no code allows more than 999). */
#define VALUE_CAP 9999u

static const uint16_t k_z3_set[] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13,
                                    14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 26, 27, 28};
static const uint16_t k_z16_set[] = {0, 318, 319, 328, 339, 348, 349, 359, 379};

/* One Z code: allowed values (lo..hi, or one of set[] if set is not NULL), canonical width. */
struct zspec {
    const char *name;
    const char *allowed;
    uint16_t lo;
    uint16_t hi;
    const uint16_t *set;
    uint8_t nset;
    uint8_t width;
    size_t off;
};

#define ZR(n, txt, lo, hi, w, m)                                                                   \
    {                                                                                              \
        n, txt, lo, hi, NULL, 0, w, offsetof(struct omp_mcfg_zcodes, m)                            \
    }
#define ZS(n, txt, s, w, m)                                                                        \
    {                                                                                              \
        n, txt, 0, 0, s, (uint8_t)OMP_ARRAY_LEN(s), w, offsetof(struct omp_mcfg_zcodes, m)         \
    }

static const struct zspec k_z[OMP_MCFG_Z_COUNT] = {
    ZR("Z1", "1, 2, 3, 4", 1, 4, 1, z1_decimals),
    ZR("Z2", "1, 2", 1, 2, 1, z2_led),
    ZS("Z3", "00..23, 26, 27, 28", k_z3_set, 2, z3_module),
    ZR("Z4", "1, 2, 3, 4", 1, 4, 1, z4_period),
    ZR("Z5", "000..999", 0, 999, 3, z5_display),
    ZR("Z6", "01..28", 1, 28, 2, z6_billing_day),
    ZR("Z7", "00..24", 0, 24, 2, z7_billing_interval),
    ZR("Z8", "1, 2, 3, 4", 1, 4, 1, z8_pulse_alarm),
    ZR("Z9", "000..999", 0, 999, 3, z9_disconnect),
    ZR("Z10", "0", 0, 0, 1, z10_max_power),
    ZR("Z11", "00..23", 0, 23, 2, z11_gmt),
    ZR("Z12", "00, 01, 02, 03", 0, 3, 2, z12_pulse_unit),
    ZR("Z13", "000..999", 0, 999, 3, z13_tariff),
    ZR("Z14", "000, 001", 0, 1, 3, z14_load),
    ZR("Z15", "000, 001", 0, 1, 3, z15_dst),
    ZS("Z16", "000, 318, 319, 328, 339, 348, 349, 359, 379", k_z16_set, 3, z16_frequency),
    ZR("Z17", "000..999", 0, 999, 3, z17_button2),
    ZR("Z18", "000, 001, 002", 0, 2, 3, z18_iec1107),
    ZR("Z19", "0, 1, 2", 0, 2, 1, z19_breaker),
    ZR("Z20", "000..999", 0, 999, 3, z20_calendar),
};

static uint16_t zget(const struct omp_mcfg_zcodes *z, size_t i)
{
    uint16_t v;
    memcpy(&v, (const unsigned char *)z + k_z[i].off, sizeof v);
    return v;
}

static void zput(struct omp_mcfg_zcodes *z, size_t i, uint16_t v)
{
    memcpy((unsigned char *)z + k_z[i].off, &v, sizeof v);
}

static bool zvalid(size_t i, uint16_t v)
{
    const struct zspec *sp = &k_z[i];
    if (sp->set == NULL) {
        return v >= sp->lo && v <= sp->hi;
    }
    for (size_t k = 0; k < sp->nset; k++) {
        if (sp->set[k] == v) {
            return true;
        }
    }
    return false;
}

/* Write @p v as exactly @p width decimal digits (v < 10^width). */
static void put_dec(char *p, uint16_t v, size_t width)
{
    for (size_t k = width; k > 0u; k--) {
        p[k - 1u] = (char)('0' + v % 10u);
        v = (uint16_t)(v / 10u);
    }
}

/* Explain why value @p v of code i is refused: its digits (at least the canonical width). */
static void why_value(struct omp_mcfg_error *why, size_t i, uint16_t v)
{
    char d[5];
    const size_t w = (v > 999u) ? 4u : (v > 99u) ? 3u : (v > 9u) ? 2u : 1u;
    const size_t n = (w > k_z[i].width) ? w : k_z[i].width;
    put_dec(d, v, n);
    omp_mcfg_why(why, k_z[i].name, k_z[i].allowed, d, n, 0);
}

const char *omp_mcfg_z_name(unsigned n)
{
    return (n >= 1u && n <= OMP_MCFG_Z_COUNT) ? k_z[n - 1u].name : NULL;
}

const char *omp_mcfg_z_allowed(unsigned n)
{
    return (n >= 1u && n <= OMP_MCFG_Z_COUNT) ? k_z[n - 1u].allowed : NULL;
}

omp_err omp_mcfg_z_get(const struct omp_mcfg_zcodes *z, unsigned n, uint16_t *v)
{
    if (z == NULL || v == NULL || n < 1u || n > OMP_MCFG_Z_COUNT) {
        return OMP_ERR_ARG;
    }
    *v = zget(z, n - 1u);
    return OMP_OK;
}

omp_err omp_mcfg_z_set(struct omp_mcfg_zcodes *z, unsigned n, uint16_t v,
                       struct omp_mcfg_error *why)
{
    if (z == NULL || n < 1u || n > OMP_MCFG_Z_COUNT) {
        return OMP_ERR_ARG;
    }
    if (!zvalid(n - 1u, v)) {
        why_value(why, n - 1u, v);
        return OMP_ERR_RANGE;
    }
    zput(z, n - 1u, v);
    return OMP_OK;
}

omp_err omp_mcfg_z_validate(const struct omp_mcfg_zcodes *z, struct omp_mcfg_error *why)
{
    if (z == NULL) {
        return OMP_ERR_ARG;
    }
    for (size_t i = 0; i < OMP_MCFG_Z_COUNT; i++) {
        if (!zvalid(i, zget(z, i))) {
            why_value(why, i, zget(z, i));
            return OMP_ERR_RANGE;
        }
    }
    return OMP_OK;
}

bool omp_mcfg_z_equal(const struct omp_mcfg_zcodes *a, const struct omp_mcfg_zcodes *b)
{
    for (size_t i = 0; i < OMP_MCFG_Z_COUNT; i++) {
        if (zget(a, i) != zget(b, i)) {
            return false;
        }
    }
    return true;
}

/* ---- text form ------------------------------------------------------------------------------ */

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static size_t skip_ws(const char *s, size_t len, size_t i)
{
    while (i < len && is_ws(s[i])) {
        i++;
    }
    return i;
}

/* End of the token at @p i: up to a comma, '=', white space or the end. */
static size_t token_end(const char *s, size_t len, size_t i)
{
    while (i < len && s[i] != ',' && s[i] != '=' && !is_ws(s[i])) {
        i++;
    }
    return i;
}

/* Digits s[a..b) as a number, capped above VALUE_CAP; false if empty or not all digits. */
static bool digits_value(const char *s, size_t a, size_t b, unsigned *v)
{
    unsigned x = 0;
    for (size_t k = a; k < b; k++) {
        if (s[k] < '0' || s[k] > '9') {
            return false;
        }
        x = (x > VALUE_CAP) ? x : x * 10u + (unsigned)(s[k] - '0');
    }
    *v = x;
    return b > a;
}

/* One item `Zn = value` at *pos (no leading space); index of the code and its value. */
static omp_err parse_item(const char *s, size_t len, size_t *pos, size_t *code, uint16_t *value,
                          struct omp_mcfg_error *why)
{
    size_t i = *pos;
    const size_t name_end = token_end(s, len, i);
    unsigned n = 0;
    if (i >= len || s[i] != 'Z' || !digits_value(s, i + 1u, name_end, &n)) {
        omp_mcfg_why(why, "code", "Z1..Z20", s + i, name_end - i, i);
        return OMP_ERR_MALFORMED;
    }
    if (n < 1u || n > OMP_MCFG_Z_COUNT) {
        omp_mcfg_why(why, "code", "Z1..Z20", s + i, name_end - i, i);
        return OMP_ERR_NOT_FOUND;
    }
    const struct zspec *sp = &k_z[n - 1u];
    i = skip_ws(s, len, name_end);
    if (i >= len || s[i] != '=') {
        omp_mcfg_why(why, sp->name, "'=' and a value", s + i, (i < len) ? 1u : 0u, i);
        return OMP_ERR_MALFORMED;
    }
    i = skip_ws(s, len, i + 1u);
    const size_t end = token_end(s, len, i);
    unsigned v = 0;
    if (!digits_value(s, i, end, &v)) {
        omp_mcfg_why(why, sp->name, sp->allowed, s + i, end - i, i);
        return OMP_ERR_MALFORMED;
    }
    if (v > VALUE_CAP || !zvalid(n - 1u, (uint16_t)v)) {
        omp_mcfg_why(why, sp->name, sp->allowed, s + i, end - i, i);
        return OMP_ERR_RANGE;
    }
    *pos = end;
    *code = n - 1u;
    *value = (uint16_t)v;
    return OMP_OK;
}

omp_err omp_mcfg_z_parse(const char *s, size_t len, struct omp_mcfg_zcodes *z, uint32_t *seen,
                         struct omp_mcfg_error *why)
{
    if ((s == NULL && len != 0u) || z == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_mcfg_zcodes tmp = *z;
    uint32_t mask = 0;
    size_t i = skip_ws(s, len, 0);
    while (i < len) {
        size_t code = 0;
        uint16_t v = 0;
        omp_err err = parse_item(s, len, &i, &code, &v, why);
        if (err != OMP_OK) {
            return err;
        }
        zput(&tmp, code, v);
        mask |= UINT32_C(1) << code;
        i = skip_ws(s, len, i);
        if (i < len) {
            if (s[i] != ',') {
                omp_mcfg_why(why, "syntax", "',' between codes", s + i, 1, i);
                return OMP_ERR_MALFORMED;
            }
            i = skip_ws(s, len, i + 1u);
            if (i == len) {
                omp_mcfg_why(why, "syntax", "a code after ','", NULL, 0, i);
                return OMP_ERR_MALFORMED;
            }
        }
    }
    omp_err err = omp_mcfg_z_validate(&tmp, why);
    if (err != OMP_OK) {
        return err;
    }
    *z = tmp;
    if (seen != NULL) {
        *seen = mask;
    }
    return OMP_OK;
}

omp_err omp_mcfg_z_format(const struct omp_mcfg_zcodes *z, uint32_t mask, char *out, size_t cap,
                          size_t *len)
{
    if (z == NULL || out == NULL || (mask & ~OMP_MCFG_Z_ALL) != 0u) {
        return OMP_ERR_ARG;
    }
    omp_err err = omp_mcfg_z_validate(z, NULL);
    if (err != OMP_OK) {
        return err;
    }
    size_t need = 0;
    for (size_t i = 0; i < OMP_MCFG_Z_COUNT; i++) {
        if ((mask >> i) & 1u) {
            need += ((need != 0u) ? 1u : 0u) + strlen(k_z[i].name) + 1u + k_z[i].width;
        }
    }
    if (cap < need + 1u) {
        return OMP_ERR_NOSPACE;
    }
    size_t n = 0;
    for (size_t i = 0; i < OMP_MCFG_Z_COUNT; i++) {
        if (((mask >> i) & 1u) == 0u) {
            continue;
        }
        if (n != 0u) {
            out[n++] = ',';
        }
        const size_t nl = strlen(k_z[i].name);
        memcpy(out + n, k_z[i].name, nl);
        n += nl;
        out[n++] = '=';
        put_dec(out + n, zget(z, i), k_z[i].width);
        n += k_z[i].width;
    }
    out[n] = '\0';
    if (len != NULL) {
        *len = n;
    }
    return OMP_OK;
}

/* ---- compact form --------------------------------------------------------------------------- */

omp_err omp_mcfg_z_compact_decode(const char *s, size_t len, struct omp_mcfg_zcodes *out,
                                  struct omp_mcfg_error *why)
{
    if (s == NULL || out == NULL) {
        return OMP_ERR_ARG;
    }
    if (len != OMP_MCFG_Z_COMPACT_LEN) {
        omp_mcfg_why(why, "length", "62 characters", NULL, 0, 0);
        return OMP_ERR_MALFORMED;
    }
    struct omp_mcfg_zcodes tmp;
    memset(&tmp, 0, sizeof tmp);
    size_t p = 0;
    for (size_t i = 0; i < OMP_MCFG_Z_COUNT; i++) {
        if (i != 0u) {
            if (s[p] != '-') {
                omp_mcfg_why(why, "separator", "-", s + p, 1, p);
                return OMP_ERR_MALFORMED;
            }
            p++;
        }
        const size_t w = k_z[i].width;
        unsigned v = 0;
        if (!digits_value(s, p, p + w, &v)) {
            omp_mcfg_why(why, k_z[i].name, k_z[i].allowed, s + p, w, p);
            return OMP_ERR_MALFORMED;
        }
        if (!zvalid(i, (uint16_t)v)) {
            omp_mcfg_why(why, k_z[i].name, k_z[i].allowed, s + p, w, p);
            return OMP_ERR_RANGE;
        }
        zput(&tmp, i, (uint16_t)v);
        p += w;
    }
    *out = tmp;
    return OMP_OK;
}

omp_err omp_mcfg_z_compact_encode(const struct omp_mcfg_zcodes *z, char *out, size_t cap)
{
    if (z == NULL || out == NULL) {
        return OMP_ERR_ARG;
    }
    omp_err err = omp_mcfg_z_validate(z, NULL);
    if (err != OMP_OK) {
        return err;
    }
    if (cap < OMP_MCFG_Z_COMPACT_SIZE) {
        return OMP_ERR_NOSPACE;
    }
    size_t p = 0;
    for (size_t i = 0; i < OMP_MCFG_Z_COUNT; i++) {
        if (i != 0u) {
            out[p++] = '-';
        }
        put_dec(out + p, zget(z, i), k_z[i].width);
        p += k_z[i].width;
    }
    out[p] = '\0';
    return OMP_OK;
}

/* ---- the whole configuration ---------------------------------------------------------------- */

omp_err omp_mcfg_defaults(const struct omp_mcfg_typeno *t, struct omp_mcfg_zcodes *out)
{
    if (t == NULL || out == NULL) {
        return OMP_ERR_ARG;
    }
    omp_err err = omp_mcfg_typeno_validate(t, NULL);
    if (err != OMP_OK) {
        return err;
    }
    const struct omp_mcfg_country *c = omp_mcfg_country(t->country); /* valid: not NULL */
    /* Denmark (010) is the reference; docs/config.md lists which values are assumptions */
    const struct omp_mcfg_zcodes z = {
        .z1_decimals = 3, /* 7.2 */
        .z2_led = 1,      /* off at no consumption */
        .z3_module = 0,   /* no function */
        .z4_period = 2,   /* 15 min */
        .z5_display = 0,
        .z6_billing_day = 1,
        .z7_billing_interval = 1, /* monthly */
        .z8_pulse_alarm = 1,      /* 30 ms, alarm input off */
        .z9_disconnect = 0,
        .z10_max_power = 0,
        .z11_gmt = c->z11_gmt,
        .z12_pulse_unit = 0,
        .z13_tariff = 0,
        .z14_load = 0,
        .z15_dst = c->z15_dst,
        .z16_frequency = t->radio ? c->z16_freq_rf : 0u,
        .z17_button2 = 0,
        .z18_iec1107 = 2, /* modes A and C, UD2 */
        .z19_breaker = omp_mcfg_has_breaker(t) ? 1u : 0u,
        .z20_calendar = 0,
    };
    *out = z;
    return OMP_OK;
}

omp_err omp_mcfg_validate(const struct omp_mcfg *c, struct omp_mcfg_error *why)
{
    if (c == NULL) {
        return OMP_ERR_ARG;
    }
    omp_err err = omp_mcfg_typeno_validate(&c->type, why);
    if (err == OMP_OK) {
        err = omp_mcfg_z_validate(&c->z, why);
    }
    if (err == OMP_OK && !omp_mcfg_has_breaker(&c->type) && c->z.z19_breaker != 0u) {
        why_value(why, 18, c->z.z19_breaker);
        if (why != NULL) {
            why->allowed = "0 (no breaker, X10 = 0)";
        }
        err = OMP_ERR_RANGE;
    }
    return err;
}

omp_err omp_mcfg_check_change(const struct omp_mcfg *from, const struct omp_mcfg *to,
                              struct omp_mcfg_error *why)
{
    if (from == NULL || to == NULL) {
        return OMP_ERR_ARG;
    }
    omp_err err = omp_mcfg_validate(from, why);
    if (err == OMP_OK) {
        err = omp_mcfg_validate(to, why);
    }
    if (err != OMP_OK) {
        return err;
    }
    char a[OMP_MCFG_TYPENO_LEN];
    char b[OMP_MCFG_TYPENO_LEN];
    omp_mcfg_typeno_chars(&from->type, a);
    omp_mcfg_typeno_chars(&to->type, b);
    for (size_t i = 0; i < OMP_MCFG_TYPENO_LEN; i++) {
        if (a[i] != b[i]) {
            const bool country = i >= OMP_MCFG_TYPENO_LEN - 3u;
            const size_t at = country ? OMP_MCFG_TYPENO_LEN - 3u : i;
            omp_mcfg_why(why, omp_mcfg_typeno_field(i), "locked", b + at, country ? 3u : 1u, 0);
            return OMP_ERR_DENIED;
        }
    }
    for (size_t i = 0; i < 2u; i++) { /* Z1, Z2 */
        if (zget(&from->z, i) != zget(&to->z, i)) {
            why_value(why, i, zget(&to->z, i));
            if (why != NULL) {
                why->allowed = "locked";
            }
            return OMP_ERR_DENIED;
        }
    }
    return OMP_OK;
}

/* ---- per-service settings ------------------------------------------------------------------- */

omp_err omp_mcfg_derive(const struct omp_mcfg_typeno *t, const struct omp_mcfg_zcodes *z,
                        struct omp_mcfg_services *out)
{
    if (t == NULL || z == NULL || out == NULL) {
        return OMP_ERR_ARG;
    }
    const struct omp_mcfg c = {.type = *t, .z = *z};
    struct omp_mcfg_services s;
    memset(&s, 0, sizeof s);
    omp_err err = omp_mcfg_validate(&c, NULL);
    if (err == OMP_OK) {
        err = omp_mcfg_typeno_ident(t, s.optical.ident, sizeof s.optical.ident);
    }
    if (err != OMP_OK) {
        return err;
    }
    static const uint8_t digits[4] = {7, 6, 7, 6};     /* Z1 1..4: 7.0, 6.1, 7.2, 6.3 */
    static const uint16_t period[4] = {5, 15, 30, 60}; /* Z4 1..4, minutes */
    s.display.energy_digits = digits[z->z1_decimals - 1u];
    s.display.energy_decimals = (uint8_t)(z->z1_decimals - 1u);
    s.metrology.led_on_no_load = z->z2_led == 2u;
    s.metrology.pulse_width_ms = (z->z8_pulse_alarm <= 2u) ? 30u : 80u;
    s.metrology.alarm_input = z->z8_pulse_alarm == 2u || z->z8_pulse_alarm == 4u;
    s.metrology.a_minus = omp_mcfg_has_a_minus(t);
    s.metrology.reactive = omp_mcfg_has_reactive(t);
    s.registers.demand_period_min = period[z->z4_period - 1u];
    s.registers.billing_day = (uint8_t)z->z6_billing_day;
    s.registers.billing_interval = (uint8_t)z->z7_billing_interval;
    s.registers.pulse_unit = (uint8_t)z->z12_pulse_unit;
    s.registers.utc_offset_min =
        (z->z11_gmt <= 12u) ? (int32_t)z->z11_gmt * 60 : ((int32_t)z->z11_gmt - 24) * 60;
    s.registers.dst_rule = (z->z15_dst == 1u) ? OMP_DST_EU : OMP_DST_NONE;
    s.tariff.z3 = (uint8_t)z->z3_module;
    s.optical.enabled = z->z18_iec1107 != 0u;
    s.optical.user_data = (z->z18_iec1107 == 2u) ? 1u : 0u;
    s.breaker.present = omp_mcfg_has_breaker(t);
    s.breaker.dual = t->breaker == OMP_MCFG_BREAKER_DUAL;
    s.breaker.position = (enum omp_mcfg_breaker_pos)z->z19_breaker;
    *out = s;
    return OMP_OK;
}

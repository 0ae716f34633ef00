/*
 * Type number (hardware configuration X1..X16) of the OMNIPOWER single-phase meter: data sheet
 * "Configuration - hardware" and technical facts §0, §10.3, §11.1. The layout is in mcfg.h.
 */
#include <string.h>

#include "config_priv.h"

/* Offset of X1 in the type number; Xn (n = 1..13) is at X_OFF + n - 1, X14-X16 at COUNTRY_OFF. */
#define X_OFF       2u
#define X_COUNT     13u
#define COUNTRY_OFF 15u

/* One single-character position: name, allowed values as text and as a set of characters. */
struct xpos {
    const char *name;
    const char *allowed;
    const char *set;
};

static const struct xpos k_xpos[X_COUNT] = {
    {"X1", "6", "6"}, /* 4 (three-phase) is recognised and refused as unsupported */
    {"X2", "1", "1"},
    {"X3", "1, 2", "12"},
    {"X4", "1", "1"}, /* 2 and 3 systems are three-phase only */
    {"X5", "1, 4, 6, 7, 8", "14678"},
    {"X6", "A, B, 2, 1", "AB21"},
    {"X7", "N, D", "ND"},
    {"X8", "1, 2", "12"},
    {"X9", "1, 2, 4", "124"},
    {"X10", "0, 2, 3", "023"},
    {"X11", "0, 1", "01"},
    {"X12", "0, 1", "01"},
    {"X13", "0, 1, 2", "012"},
};

static const char k_country_field[] = "X14-X16";
static const char k_country_allowed[] =
    "010, 040, 059, 063, 064, 065, 067, 070, 080, 084, 090, 110, 120";

/* Data sheet country codes. Z11/Z15/Z16 defaults: docs/config.md, "Factory defaults". */
static const struct omp_mcfg_country k_countries[] = {
    {10, "Denmark", 1, 1, 348},
    {40, "Norway", 1, 1, 339},
    {59, "Switzerland (Italian part)", 1, 1, 318},
    {63, "Switzerland (German part)", 1, 1, 318},
    {64, "Poland", 1, 1, 319},
    {65, "Switzerland (French part)", 1, 1, 318},
    {67, "Iceland", 0, 0, 319},
    {70, "Germany", 1, 1, 319},
    {80, "The Netherlands", 1, 1, 319},
    {84, "Finland", 2, 1, 359},
    {90, "Sweden", 1, 1, 328},
    {110, "Saudi Arabia", 3, 0, 319},
    {120, "South Africa", 2, 0, 319},
};

/* X5 current ranges: character, base and maximum current in A. */
static const struct {
    char code;
    uint8_t ibase_a;
    uint8_t imax_a;
} k_ranges[] = {
    {'1', 5, 100}, {'4', 5, 65}, {'6', 10, 60}, {'7', 10, 80}, {'8', 5, 80},
};

void omp_mcfg_why(struct omp_mcfg_error *why, const char *field, const char *allowed,
                  const char *text, size_t n, size_t pos)
{
    if (why == NULL) {
        return;
    }
    struct omp_mcfg_error e = {.field = field, .allowed = allowed, .pos = pos};
    size_t k = 0;
    for (; text != NULL && k < n && k + 1u < sizeof e.value; k++) {
        const unsigned char c = (unsigned char)text[k];
        e.value[k] = (c >= 0x20u && c < 0x7Fu) ? (char)c : '?';
    }
    e.value[k] = '\0';
    *why = e;
}

const char *omp_mcfg_typeno_field(size_t off)
{
    if (off < X_OFF) {
        return "prefix";
    }
    if (off < COUNTRY_OFF) {
        return k_xpos[off - X_OFF].name;
    }
    return k_country_field;
}

const struct omp_mcfg_country *omp_mcfg_country(uint16_t code)
{
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_countries); i++) {
        if (k_countries[i].code == code) {
            return &k_countries[i];
        }
    }
    return NULL;
}

static bool in_set(const char *set, char c)
{
    return c != '\0' && strchr(set, c) != NULL;
}

static char digit(unsigned v)
{
    return (v <= 9u) ? (char)('0' + v) : '?';
}

/* A character of an enum whose values are the characters themselves. */
static char printable(int v)
{
    return (v > 0x20 && v < 0x7F) ? (char)v : '?';
}

void omp_mcfg_typeno_chars(const struct omp_mcfg_typeno *t, char out[OMP_MCFG_TYPENO_LEN])
{
    char range = '?';
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_ranges); i++) {
        if (k_ranges[i].ibase_a == t->ibase_a && k_ranges[i].imax_a == t->imax_a) {
            range = k_ranges[i].code;
        }
    }
    const char x[X_COUNT] = {
        digit(t->meter_type),
        digit(t->version),
        digit((unsigned)t->housing),
        digit(t->systems),
        range,
        printable((int)t->accuracy),
        printable((int)t->generation),
        digit(t->variant),
        digit((unsigned)t->energy),
        digit((unsigned)t->breaker),
        digit(t->radio ? 1u : 0u),
        digit(t->battery ? 1u : 0u),
        digit((unsigned)t->interface),
    };
    out[0] = '6';
    out[1] = '8';
    memcpy(out + X_OFF, x, sizeof x);
    const bool ok = t->country <= 999u;
    out[COUNTRY_OFF] = ok ? digit(t->country / 100u) : '?';
    out[COUNTRY_OFF + 1u] = ok ? digit(t->country / 10u % 10u) : '?';
    out[COUNTRY_OFF + 2u] = ok ? digit(t->country % 10u) : '?';
}

/* The values of 18 characters of 0-9, A-Z or '?'. */
static omp_err check_chars(const char *s, struct omp_mcfg_error *why)
{
    if (s[0] != '6' || s[1] != '8') {
        omp_mcfg_why(why, "prefix", "68", s, 2, 0);
        return OMP_ERR_RANGE;
    }
    if (s[X_OFF] == '4') {
        omp_mcfg_why(why, k_xpos[0].name, k_xpos[0].allowed, s + X_OFF, 1, X_OFF);
        return OMP_ERR_UNSUPPORTED; /* three-phase */
    }
    for (size_t i = 0; i < X_COUNT; i++) {
        if (!in_set(k_xpos[i].set, s[X_OFF + i])) {
            omp_mcfg_why(why, k_xpos[i].name, k_xpos[i].allowed, s + X_OFF + i, 1, X_OFF + i);
            return OMP_ERR_RANGE;
        }
    }
    const char *c = s + COUNTRY_OFF;
    const bool digits =
        c[0] >= '0' && c[0] <= '9' && c[1] >= '0' && c[1] <= '9' && c[2] >= '0' && c[2] <= '9';
    const unsigned code = digits ? (unsigned)(c[0] - '0') * 100u + (unsigned)(c[1] - '0') * 10u +
                                       (unsigned)(c[2] - '0')
                                 : 1000u;
    if (omp_mcfg_country((uint16_t)code) == NULL) {
        omp_mcfg_why(why, k_country_field, k_country_allowed, c, 3, COUNTRY_OFF);
        return OMP_ERR_RANGE;
    }
    return OMP_OK;
}

static uint8_t dval(char c)
{
    return (uint8_t)(c - '0');
}

/* Members from characters that check_chars accepted. */
static void from_chars(const char *s, struct omp_mcfg_typeno *t)
{
    const char *x = s + X_OFF - 1u; /* x[n] is Xn */
    memset(t, 0, sizeof *t);
    t->meter_type = dval(x[1]);
    t->version = dval(x[2]);
    t->housing = (enum omp_mcfg_housing)dval(x[3]);
    t->systems = dval(x[4]);
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_ranges); i++) {
        if (k_ranges[i].code == x[5]) {
            t->ibase_a = k_ranges[i].ibase_a;
            t->imax_a = k_ranges[i].imax_a;
        }
    }
    t->accuracy = (enum omp_mcfg_accuracy)x[6];
    t->generation = (enum omp_mcfg_generation)x[7];
    t->variant = dval(x[8]);
    t->energy = (enum omp_mcfg_energy)dval(x[9]);
    t->breaker = (enum omp_mcfg_breaker_type)dval(x[10]);
    t->radio = x[11] == '1';
    t->battery = x[12] == '1';
    t->interface = (enum omp_mcfg_interface)dval(x[13]);
    t->country = (uint16_t)(dval(x[14]) * 100u + dval(x[15]) * 10u + dval(x[16]));
}

omp_err omp_mcfg_typeno_decode(const char *s, size_t len, struct omp_mcfg_typeno *out,
                               struct omp_mcfg_error *why)
{
    if (s == NULL || out == NULL) {
        return OMP_ERR_ARG;
    }
    if (len != OMP_MCFG_TYPENO_LEN) {
        char n[8];
        size_t k = sizeof n;
        size_t v = len;
        do {
            n[--k] = (char)('0' + v % 10u);
            v /= 10u;
        } while (v != 0u && k > 0u);
        omp_mcfg_why(why, "length", "18 characters", n + k, sizeof n - k, 0);
        return OMP_ERR_MALFORMED;
    }
    for (size_t i = 0; i < len; i++) {
        const char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))) {
            const char *f = omp_mcfg_typeno_field(i);
            const char *allowed = (i < X_OFF)         ? "68"
                                  : (i < COUNTRY_OFF) ? k_xpos[i - X_OFF].allowed
                                                      : k_country_allowed;
            omp_mcfg_why(why, f, allowed, s + i, 1, i);
            return OMP_ERR_MALFORMED;
        }
    }
    omp_err err = check_chars(s, why);
    if (err != OMP_OK) {
        return err;
    }
    struct omp_mcfg_typeno tmp;
    from_chars(s, &tmp);
    *out = tmp;
    return OMP_OK;
}

omp_err omp_mcfg_typeno_validate(const struct omp_mcfg_typeno *t, struct omp_mcfg_error *why)
{
    if (t == NULL) {
        return OMP_ERR_ARG;
    }
    char s[OMP_MCFG_TYPENO_LEN];
    omp_mcfg_typeno_chars(t, s);
    /* the characters are one-to-one with the members, so checking them checks the struct */
    omp_err err = check_chars(s, why);
    if (err != OMP_OK && why != NULL) {
        why->pos = 0;
    }
    return err;
}

omp_err omp_mcfg_typeno_encode(const struct omp_mcfg_typeno *t, char *out, size_t cap)
{
    if (t == NULL || out == NULL) {
        return OMP_ERR_ARG;
    }
    omp_err err = omp_mcfg_typeno_validate(t, NULL);
    if (err != OMP_OK) {
        return err;
    }
    if (cap < OMP_MCFG_TYPENO_SIZE) {
        return OMP_ERR_NOSPACE;
    }
    omp_mcfg_typeno_chars(t, out);
    out[OMP_MCFG_TYPENO_LEN] = '\0';
    return OMP_OK;
}

omp_err omp_mcfg_typeno_ident(const struct omp_mcfg_typeno *t, char *out, size_t cap)
{
    if (t == NULL || out == NULL) {
        return OMP_ERR_ARG;
    }
    omp_err err = omp_mcfg_typeno_validate(t, NULL);
    if (err != OMP_OK) {
        return err;
    }
    if (cap < OMP_MCFG_IDENT_SIZE) {
        return OMP_ERR_NOSPACE;
    }
    char s[OMP_MCFG_TYPENO_LEN];
    omp_mcfg_typeno_chars(t, s);
    out[0] = ' ';
    memcpy(out + 1, s, OMP_MCFG_IDENT_LEN - 1u);
    out[OMP_MCFG_IDENT_LEN] = '\0';
    return OMP_OK;
}

bool omp_mcfg_typeno_equal(const struct omp_mcfg_typeno *a, const struct omp_mcfg_typeno *b)
{
    return a->meter_type == b->meter_type && a->version == b->version && a->housing == b->housing &&
           a->systems == b->systems && a->ibase_a == b->ibase_a && a->imax_a == b->imax_a &&
           a->accuracy == b->accuracy && a->generation == b->generation &&
           a->variant == b->variant && a->energy == b->energy && a->breaker == b->breaker &&
           a->radio == b->radio && a->battery == b->battery && a->interface == b->interface &&
           a->country == b->country;
}

bool omp_mcfg_has_a_minus(const struct omp_mcfg_typeno *t)
{
    return t->energy == OMP_MCFG_ENERGY_A || t->energy == OMP_MCFG_ENERGY_A_R;
}

bool omp_mcfg_has_reactive(const struct omp_mcfg_typeno *t)
{
    return t->energy == OMP_MCFG_ENERGY_A_R;
}

bool omp_mcfg_has_breaker(const struct omp_mcfg_typeno *t)
{
    return t->breaker != OMP_MCFG_BREAKER_NONE;
}

bool omp_mcfg_has_battery(const struct omp_mcfg_typeno *t)
{
    return t->battery;
}

/*
 * How a value looks as text: the LCD's value field and the optical port's data sets share these
 * formats (technical facts 9.2, 10.4; IEC doc p.13: "the same number format as the LCD").
 * Which format an object takes follows from its OBIS code (D = 8 energy, 6 maximum, 2 accumulated
 * maximum, 7 instantaneous) and its value's type; the widths of the counters are the Kamstrup
 * readout's (technical facts 10.4).
 */
#include <string.h>

#include "omnipower/display.h"
#include "omnipower/hal.h"

#define UNSET_IEC "00000101000000" /* a never-set time stamp (IEC doc p.24) */

/* ---- digits ------------------------------------------------------------------------------------- */

static uint64_t pow10_u64(unsigned n)
{
    uint64_t v = 1;
    while (n-- > 0u) {
        v *= 10u;
    }
    return v;
}

/* Exactly @p width digits of @p v (higher digits dropped, leading zeros). */
static char *put_digits(char *out, uint64_t v, unsigned width)
{
    for (unsigned k = width; k > 0u; k--) {
        out[k - 1u] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    }
    return out + width;
}

/* At least @p min_width digits, more when @p v needs them. */
static char *put_uint(char *out, uint64_t v, unsigned min_width)
{
    unsigned width = 1;
    for (uint64_t t = v; t >= 10u; t /= 10u) {
        width++;
    }
    return put_digits(out, v, width > min_width ? width : min_width);
}

/* @p mag in units of 10^-@p dec: the integer part in @p int_digits digits (0: as many as it
 * needs), then '.' and @p dec decimals. */
static void put_fixed(char *out, uint64_t mag, unsigned int_digits, unsigned dec)
{
    uint64_t scale = pow10_u64(dec);
    char *p = int_digits == 0u ? put_uint(out, mag / scale, 1u)
                               : put_digits(out, mag / scale, int_digits);
    if (dec != 0u) {
        *p++ = '.';
        p = put_digits(p, mag % scale, dec);
    }
    *p = '\0';
}

/* ---- units -------------------------------------------------------------------------------------- */

static const char *unit_text(uint8_t unit, bool kilo)
{
    switch (unit) {
    case OMP_UNIT_WH:
        return kilo ? "kWh" : "Wh";
    case OMP_UNIT_VARH:
        return kilo ? "kvarh" : "varh";
    case OMP_UNIT_VAH:
        return kilo ? "kVAh" : "VAh";
    case OMP_UNIT_W:
        return kilo ? "kW" : "W";
    case OMP_UNIT_VAR:
        return kilo ? "kvar" : "var";
    case OMP_UNIT_VA:
        return kilo ? "kVA" : "VA";
    case OMP_UNIT_V:
        return "V";
    case OMP_UNIT_A:
        return "A";
    case OMP_UNIT_HZ:
        return "Hz";
    case OMP_UNIT_PERCENT:
        return "%";
    default:
        return ""; /* counts, hours and ratios show no unit (Kamstrup readout) */
    }
}

/* ---- date-time ---------------------------------------------------------------------------------- */

static bool local_of(const struct omp_value_dt *dt, struct omp_datetime *out)
{
    return !dt->unset &&
           omp_time_to_datetime(dt->utc_s + (omp_time_s)dt->offset_min * 60, out) == OMP_OK;
}

/* IEC `NVYYMMDDhhmmss`: N = 1 in DST, V = 1 when valid. */
static omp_err fmt_dt_iec(const struct omp_value_dt *dt, char *out)
{
    struct omp_datetime l;
    if (!local_of(dt, &l)) {
        memcpy(out, UNSET_IEC, sizeof UNSET_IEC); /* unset, or outside the calendar */
        return OMP_OK;
    }
    char *p = out;
    *p++ = (dt->status & OMP_CLOCK_STATUS_DST) != 0u ? '1' : '0';
    *p++ = (dt->status & OMP_CLOCK_STATUS_INVALID) != 0u ? '0' : '1';
    p = put_digits(p, l.year % 100u, 2u);
    p = put_digits(p, l.month, 2u);
    p = put_digits(p, l.day, 2u);
    p = put_digits(p, l.hour, 2u);
    p = put_digits(p, l.minute, 2u);
    p = put_digits(p, l.second, 2u);
    *p = '\0';
    return OMP_OK;
}

/* LCD `YYYY:MM:DD` or `HH:MM:SS`; dashes while the time is invalid or unset. */
static omp_err fmt_dt_lcd(const struct omp_value_dt *dt, bool time, char *out)
{
    struct omp_datetime l;
    bool ok = (dt->status & OMP_CLOCK_STATUS_INVALID) == 0u && local_of(dt, &l);
    if (!ok) {
        const char *dash = time ? "--:--:--" : "----:--:--";
        memcpy(out, dash, strlen(dash) + 1u); /* invalid, unset, or outside the calendar */
        return OMP_OK;
    }
    char *p = out;
    p = time ? put_digits(p, l.hour, 2u) : put_digits(p, l.year, 4u);
    *p++ = ':';
    p = put_digits(p, time ? l.minute : l.month, 2u);
    *p++ = ':';
    p = put_digits(p, time ? l.second : l.day, 2u);
    *p = '\0';
    return OMP_OK;
}

/* ---- identification -------------------------------------------------------------------------- */

static bool is_cde(const uint8_t o[6], uint8_t c, uint8_t d, uint8_t e)
{
    return o[2] == c && o[3] == d && o[4] == e;
}

/* SoftwareNumberRevisionAscii 1.1.0.2.0.255, `5098736-Q1` (technical facts 11.1). */
static bool is_software_number(const uint8_t o[6])
{
    return is_cde(o, 0u, 2u, 0u);
}

/* Bytes of a string value (its length, bounded by the value's storage). */
static size_t bytes_len(const struct omp_value *v)
{
    return v->len < OMP_VALUE_BYTES_MAX ? v->len : OMP_VALUE_BYTES_MAX;
}

/* Index of the '-' before the revision, or the length when there is none. */
static size_t revision_at(const struct omp_value *v)
{
    size_t k = 0;
    while (k < bytes_len(v) && v->v.bytes[k] != (uint8_t)'-') {
        k++;
    }
    return k;
}

/* ---- numbers ------------------------------------------------------------------------------------ */

/* Minimum digits of a counter's reduced id C.D.E (Kamstrup readout, technical facts 10.4). */
static unsigned count_width(const uint8_t o[6])
{
    static const struct {
        uint8_t c, d, e, width;
    } k_width[] = {
        {0, 0, 1, 8},   {0, 0, 2, 8}, {0, 0, 3, 8},  {96, 1, 0, 8}, /* meter and serial numbers */
        {0, 1, 0, 2},                                              /* debiting periods (xx) */
        {96, 8, 0, 7},  {0, 128, 1, 7},                            /* hour counter, pulse input */
    };
    for (size_t k = 0; k < OMP_ARRAY_LEN(k_width); k++) {
        if (o[2] == k_width[k].c && o[3] == k_width[k].d && o[4] == k_width[k].e) {
            return k_width[k].width;
        }
    }
    return 1u;
}

/* Energies and powers are shown in kilo-units. */
static bool is_kilo_unit(uint8_t unit)
{
    return unit == OMP_UNIT_WH || unit == OMP_UNIT_VARH || unit == OMP_UNIT_VAH ||
           unit == OMP_UNIT_W || unit == OMP_UNIT_VAR || unit == OMP_UNIT_VA;
}

/* A number per the object's kind. @return the unit text. */
static const char *fmt_number(const uint8_t o[6], const struct omp_value *v,
                              enum omp_display_target t, const struct omp_display_z1 *z1,
                              char *out)
{
    uint64_t mag = 0;
    bool neg = false;
    /* interval means (x.25.0), demand registers' averages (x.4.0) and the 10-min THD means
     * (x.24.124, technical facts 8.1): as instantaneous values */
    const uint8_t d = o[3] == 25u || o[3] == 4u || o[3] == 24u ? 7u : o[3];
    if (is_kilo_unit(v->unit) && (d == 8u || d == 6u || d == 2u || d == 7u)) {
        /* kilo-units: energies with the Z1 decimals (truncated), powers with 3 */
        unsigned dec = d == 8u ? z1->energy_decimals : 3u;
        unsigned digits = d == 8u              ? z1->energy_digits
                          : d == 2u            ? 6u
                          : t == OMP_DISPLAY_LCD ? 2u
                          : d == 6u            ? 5u
                                               : 0u; /* IEC instantaneous: unpadded */
        if (omp_value_scaled(v, 3 - (int)dec, &mag, &neg) != OMP_OK) {
            mag = 0;
        }
        put_fixed(out, mag, digits, dec);
        return unit_text(v->unit, true);
    }
    if (d == 7u && v->scaler < 0) { /* U, I, f, PF: as many decimals as the scaler gives */
        unsigned dec = (unsigned)-v->scaler;
        if (omp_value_scaled(v, v->scaler, &mag, &neg) != OMP_OK) {
            mag = 0;
        }
        put_fixed(out, mag, 0u, dec);
        return unit_text(v->unit, false);
    }
    if (omp_value_scaled(v, 0, &mag, &neg) != OMP_OK) {
        mag = 0;
    }
    if (t == OMP_DISPLAY_LCD && is_cde(o, 96u, 54u, 1u)) {
        mag &= 0xFFFFu; /* CSUM: the low 16 bits of RomChecksum (technical facts 9.4) */
    }
    char *p = out;
    if (neg) {
        *p++ = '-';
    }
    *put_uint(p, mag, count_width(o)) = '\0';
    return "";
}

omp_err omp_display_format(const uint8_t obis[6], uint8_t attr, const struct omp_value *v,
                           enum omp_display_target target, enum omp_display_view view,
                           const struct omp_display_z1 *z1, char *text, size_t cap,
                           const char **unit)
{
    (void)attr; /* the value's type says what it is (a capture time is a date-time) */
    if (obis == NULL || v == NULL || z1 == NULL || text == NULL || unit == NULL) {
        return OMP_ERR_ARG;
    }
    if (z1->energy_digits < 1u || z1->energy_digits > 9u || z1->energy_decimals > 3u) {
        return OMP_ERR_ARG; /* the value field has 9 digits */
    }
    if (cap < OMP_DISPLAY_TEXT_MAX) {
        return OMP_ERR_NOSPACE;
    }
    if (v->scaler < -9 || v->scaler > 9) {
        return OMP_ERR_RANGE; /* no display format has more than 9 decimals or digits of shift */
    }
    *unit = "";
    text[0] = '\0';
    switch ((enum omp_vtype)v->type) {
    case OMP_VT_NULL:
        return OMP_OK;
    case OMP_VT_DATETIME:
        return target == OMP_DISPLAY_IEC ? fmt_dt_iec(&v->v.dt, text)
                                         : fmt_dt_lcd(&v->v.dt, view == OMP_DISPLAY_VIEW_TIME, text);
    case OMP_VT_OCTETS:
    case OMP_VT_VISIBLE: {
        size_t len = v->len < OMP_VALUE_BYTES_MAX ? v->len : OMP_VALUE_BYTES_MAX;
        size_t n = len < cap - 1u ? len : cap - 1u;
        if (target == OMP_DISPLAY_LCD && is_software_number(obis)) {
            n = revision_at(v) < n ? revision_at(v) : n; /* the number; the revision is text */
        }
        for (size_t k = 0; k < n; k++) {
            uint8_t ch = v->v.bytes[k];
            text[k] = ch >= 0x20u && ch <= 0x7Eu ? (char)ch : '?';
        }
        text[n] = '\0';
        return OMP_OK;
    }
    default:
        if (!omp_value_is_number(v)) {
            return OMP_OK; /* a structure has no text form */
        }
        *unit = fmt_number(obis, v, target, z1, text);
        return OMP_OK;
    }
}

/* ---- labels (technical facts 9.5) ---------------------------------------------------------------- */

const char *omp_display_label(const uint8_t obis[6], enum omp_display_view view)
{
    static const struct {
        uint8_t c, d, e;
        const char *text;
    } k_labels[] = {
        {1, 8, 0, "A+"},       {2, 8, 0, "A-"},        {3, 8, 0, "R+"},      {4, 8, 0, "R-"},
        {1, 8, 1, "A+/T1"},    {1, 8, 2, "A+/T2"},     {1, 8, 3, "A+/T3"},   {1, 8, 4, "A+/T4"},
        {5, 8, 0, "R1"},       {6, 8, 0, "R2"},        {7, 8, 0, "R3"},      {8, 8, 0, "R4"},
        {9, 8, 0, "E+"},       {10, 8, 0, "E-"},       {16, 8, 0, "NET"},    {1, 6, 0, "P+M"},
        {1, 6, 1, "P+M/T1"},   {1, 6, 2, "P+M/T2"},    {1, 2, 0, "P+M/ACC"}, {1, 2, 1, "P+M1/ACC"},
        {1, 2, 2, "P+M2/ACC"}, {0, 0, 1, "NUM/1"},     {0, 0, 2, "NUM/2"},   {0, 0, 3, "NUM/3"},
        {96, 1, 0, "SER/NUM"}, {0, 130, 1, "SPC/1"},   {32, 7, 0, "U-L1"},   {31, 7, 0, "I-L1"},
        {1, 7, 0, "P+"},       {2, 7, 0, "P-"},        {3, 7, 0, "Q+"},      {4, 7, 0, "Q-"},
        {9, 7, 0, "S+"},       {10, 7, 0, "S-"},       {21, 7, 0, "P+/L1"},  {0, 1, 0, "RST"},
        {96, 51, 1, "PTH"},    {96, 51, 2, "PTH/CNT"}, {96, 8, 0, "HRS"},    {96, 54, 1, "CSUM"},
        {97, 97, 0, "INFO"},   {1, 16, 0, "MAX"},      {1, 13, 0, "MIN"},    {13, 7, 0, "PF"},
        {33, 7, 0, "PF-1"},    {14, 7, 0, "FREQ"},     {130, 0, 0, "PAY"},   {130, 0, 1, "PAY"},
    };
    if (obis == NULL) {
        return "";
    }
    if (obis[2] == 1u && obis[3] == 0u && obis[4] == 0u) {
        return view == OMP_DISPLAY_VIEW_TIME ? "TIME" : "DATE"; /* the clock */
    }
    for (size_t k = 0; k < OMP_ARRAY_LEN(k_labels); k++) {
        if (obis[2] == k_labels[k].c && obis[3] == k_labels[k].d && obis[4] == k_labels[k].e) {
            return k_labels[k].text;
        }
    }
    return "";
}

void omp_display_text_field(const uint8_t obis[6], enum omp_display_view view,
                            const struct omp_value *v, char *out, size_t cap)
{
    if (out == NULL || cap == 0u) {
        return;
    }
    const char *src = omp_display_label(obis, view);
    size_t n = strlen(src), from = 0;
    if (obis != NULL && v != NULL && is_software_number(obis) &&
        (v->type == OMP_VT_VISIBLE || v->type == OMP_VT_OCTETS)) {
        from = revision_at(v) + 1u; /* after the '-' */
        src = (const char *)v->v.bytes;
        n = from < bytes_len(v) ? bytes_len(v) : from;
    }
    size_t k = 0;
    for (; from + k < n && k + 1u < cap; k++) {
        out[k] = src[from + k];
    }
    out[k] = '\0';
}

/* ---- symbols (technical facts 9.3) --------------------------------------------------------------- */

#define SUPPLY_MIN_V 160.0f  /* L1 on at 160 V and above */
#define LOAD_MIN_W 2.3f      /* load and energy registration start above about 2.3 W */
#define ARROWS_MIN_A 0.010f  /* quadrant arrows off below 10 mA rms */

uint32_t omp_display_symbols(const struct omp_display_inputs *in)
{
    if (in == NULL) {
        return 0u;
    }
    uint32_t s = 0;
    if (in->urms_v >= SUPPLY_MIN_V) {
        s |= OMP_SYM_SUPPLY;
    }
    bool arrows = in->irms_a >= ARROWS_MIN_A;
    if (in->p_w > LOAD_MIN_W) {
        s |= OMP_SYM_LOAD | (arrows ? OMP_SYM_IMPORT : 0u);
    } else if (in->p_w < -LOAD_MIN_W) {
        s |= OMP_SYM_LOAD | (arrows ? OMP_SYM_EXPORT : 0u);
    }
    if (arrows && in->q_var > LOAD_MIN_W) {
        s |= OMP_SYM_Q_INDUCTIVE;
    } else if (arrows && in->q_var < -LOAD_MIN_W) {
        s |= OMP_SYM_Q_CAPACITIVE;
    }
    if (in->tamper) {
        s |= OMP_SYM_ALARM; /* technical facts 9.3: magnetic field or cover removed */
    }
    if (in->error) {
        s |= OMP_SYM_ERROR;
    }
    if (in->tariff >= 1u && in->tariff <= 7u) { /* three bits: T1..T7 */
        s |= ((uint32_t)in->tariff << OMP_SYM_TARIFF_SHIFT) & OMP_SYM_TARIFF_MASK;
    }
    return s;
}

/*
 * The optical port's application (optical.h): an IEC 62056-21 server (lib/iec62056_21) on
 * OMP_PORT_OPTICAL with the application an OMNIPOWER shows there (Kamstrup IEC 1107 doc 55121458;
 * technical facts 10; docs/iec62056-21.md "Meter side").
 *
 * - Sign-on: `/KAM5` + cfg.ident; the request address is the meter number in decimal.
 * - Readout (mode A/C, and mode D0): User Data 1 (fixed) or User Data 2 (cfg.ud2, by
 *   default Kamstrup's 27 objects), one object per line `C.D.E(value*unit)`, each read through the
 *   data dictionary (cosem.h) and formatted by the display module (display.h), the LCD's formats.
 * - Programming mode: R1 (any object, the 131.0.x settings), R5/W5 clock, R6 in blocks of the
 *   billing log 98.1.0, the load profile 99.1.0 and the analysis logger 99.1.1 (when the meter
 *   keeps them), W1 of 1.0.0, 129.0.0, the 131.0.x settings. Everything else answers `ERnn text`;
 *   legal data (energies, maxima, counters, calibration) is never written from here.
 *
 * The settings (131.0.x) are RAM copies of the configuration's factory values; a changed
 * setting other than the user-data select restarts the server with it once no reader is signed
 * on.
 */
#include "omnipower/config.h"

#if OMP_CONFIG_IEC21

#include <string.h>

#include "omnipower/cosem.h"
#include "omnipower/display.h"
#include "omnipower/iec62056_21.h"
#include "omnipower/optical.h"

/* Answers to refused commands: `STX ERnn text ETX BCC` (Kamstrup: up to 32 characters, "ER").
 * docs/iec62056-21.md lists them. */
#define ER_UNKNOWN_OBJECT  "ER01 UNKNOWN OBJECT"  /* id not on this port */
#define ER_FORMAT          "ER02 BAD FORMAT"      /* data not `id(value)`, value syntax */
#define ER_RANGE           "ER03 OUT OF RANGE"    /* setting range, invalid date */
#define ER_READ_ONLY       "ER04 READ ONLY"       /* legal or measured object */
#define ER_NOT_SUPPORTED   "ER05 NOT SUPPORTED"   /* known, not available in this meter */
#define ER_UNKNOWN_COMMAND "ER06 UNKNOWN COMMAND" /* R2-R4, W2-W4, E2 */
#define ER_DEVICE          "ER07 DEVICE ERROR"    /* NVM or RTC failure */
#define ER_NO_ROOM         "ER08 NO ROOM"         /* a record does not fit a block */

#define R6_BLOCK_DEFAULT 6u         /* R6: records per block when the command names none */
#define POLL_ROUNDS      64u        /* server rounds per omp_optical_poll (one readout line each) */
#define INITIAL_BAUD     300u       /* the rate of every sign-on */
#define TICK_PERIOD_MS   100u       /* the meter's tick comes at least this often (meter.h) */
#define OP(c, t)         (((unsigned)(c) << 8) | (unsigned)(t)) /* command letter and type */

/* ---- helpers ------------------------------------------------------------------------------------ */

/* Push an event stamped with the meter's clock. */
static void event(struct omp_optical *p, uint16_t code, uint32_t arg, uint16_t flags)
{
    struct omp_event ev = {code, flags, arg, p->env->src->clock_utc_s};
    if (omp_evq_push(p->env->events, &ev) != OMP_OK) {
        return; /* only OMP_EV_NONE is refused */
    }
}

/* Copy NUL-terminated @p src into @p dst (@p cap >= 1), truncated, always terminated. */
static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t k = 0;
    for (; k + 1u < cap && src[k] != '\0'; k++) {
        dst[k] = src[k];
    }
    dst[k] = '\0';
}

/* @p v in decimal, NUL-terminated (@p out holds 21 bytes). */
static void uint_text(char *out, uint64_t v)
{
    char tmp[21];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v != 0u);
    for (size_t k = 0; k < n; k++) {
        out[k] = tmp[n - 1u - k];
    }
    out[n] = '\0';
}

/* ---- object lists ------------------------------------------------------------------------------ */

/* The associations of the optical port: a readout (no password) reads as the meter itself,
 * programming mode (password P1) as the optical port's LLS client. */
#define ASSOC_READOUT OMP_ASSOC_LOCAL
#define ASSOC_PROG OMP_ASSOC_LLS_OPTICAL

#define REF(a, b, c, d, e) {{a, b, c, d, e, 255}, 2u}
#define MNO REF(1, 1, 0, 0, 1)    /* MeterNo1 0.0.1 */
#define HRS REF(0, 1, 96, 8, 0)   /* HourCounter 96.8.0 */
#define CLOCK REF(0, 1, 1, 0, 0)  /* clock 1.0.0 */
#define E(c, e) REF(1, 1, c, 8, e)
#define PK(c, e) REF(1, 1, c, 6, e)
#define ACC(c, e) REF(1, 1, c, 2, e)

/* User Data 1 (fixed; technical facts 10.4). */
static const struct omp_cosem_ref k_ud1[] = {
    MNO, E(1, 0), E(1, 1), E(1, 2), E(1, 3), E(1, 4), HRS, REF(1, 1, 0, 128, 1), PK(1, 0),
};

/* User Data 2 factory list (technical facts 10.4, the 27 objects in order). */
static const struct omp_cosem_ref k_ud2_default[] = {
    MNO,      REF(1, 1, 97, 97, 0), E(1, 0),  E(1, 1),   E(1, 2),   E(2, 0),   E(2, 1),
    E(2, 2),  E(3, 0),              E(3, 1),  E(3, 2),   E(4, 0),   E(4, 1),   E(4, 2),
    PK(1, 0), PK(1, 1),             PK(1, 2), PK(2, 0),  ACC(1, 0), ACC(2, 0), PK(3, 0),
    ACC(3, 0), PK(4, 0),            ACC(4, 0), REF(1, 1, 0, 1, 0), HRS,     CLOCK,
};

/* The object of reduced id @p id, or NULL. */
static const struct omp_cosem_obj *find_obj(const char *id)
{
    uint8_t cde[3];
    if (omp_cosem_parse_cde(id, strlen(id), cde) != OMP_OK) {
        return NULL;
    }
    return omp_cosem_find_cde(cde[0], cde[1], cde[2]);
}

static bool is_clock(const struct omp_cosem_obj *o)
{
    return o != NULL && o->class_id == OMP_CLASS_CLOCK;
}

/* Objects a Kamstrup meter has that this one does not offer (answer ER05, not ER01). */
static const char *const k_not_supported[] = {
    "96.5.1",  /* OperationState */
    "99.1.0",  /* load profile (R6 reads it when the meter keeps one) */
    "99.1.1",  /* analysis logger (R6 reads it when the meter keeps one) */
    "98.2.0",  /* billing logger 2 */
    "131.0.17" /* User Data 2 content: W5 in manufacturer mode (Y = 6) only */
};

static bool str_eq(const char *a, const char *b)
{
    return strcmp(a, b) == 0;
}

static bool not_supported(const char *id)
{
    for (size_t k = 0; k < OMP_ARRAY_LEN(k_not_supported); k++) {
        if (str_eq(k_not_supported[k], id)) {
            return true;
        }
    }
    return id[0] == '9' && id[1] == '9' && id[2] == '.' && id[3] == '9' && id[4] == '8' &&
           id[5] == '.'; /* event logs 99.98.x */
}

/* ---- configuration --------------------------------------------------------------------------- */

void omp_optical_cfg_default(struct omp_optical_cfg *cfg)
{
    /* a space and the default type number's first 15 characters (technical facts 10.3) */
    copy_str(cfg->ident, sizeof cfg->ident, " 6861111BN142101");
    copy_str(cfg->password, sizeof cfg->password, "12345");
    cfg->programming = true;
    cfg->settings.user_data = 1u;   /* UD2 */
    cfg->settings.d0_interval = 0u; /* D0 off */
    cfg->settings.d0_baud = 3u;     /* 2400 Bd */
    cfg->settings.comm_mode = 1u;   /* A+C */
    cfg->settings.ta_ms = 1500u;
    cfg->settings.tr_ms = 1500u;
    cfg->settings.tt_ms = 1700u;
    cfg->settings.ti_s = 90u;
    memset(cfg->ud2, 0, sizeof cfg->ud2);
    memcpy(cfg->ud2, k_ud2_default, sizeof k_ud2_default);
    cfg->ud2_len = (uint8_t)OMP_ARRAY_LEN(k_ud2_default);
}

/* Length of the NUL-terminated @p s within @p cap bytes, or SIZE_MAX without a NUL. */
static size_t bounded_len(const char *s, size_t cap)
{
    for (size_t k = 0; k < cap; k++) {
        if (s[k] == '\0') {
            return k;
        }
    }
    return SIZE_MAX;
}

static bool is_print(char c)
{
    return c >= ' ' && c <= '~';
}

bool omp_optical_cfg_valid(const struct omp_optical_cfg *c)
{
    if (!omp_optical_settings_valid(&c->settings)) {
        return false;
    }
    /* identification: 1..16 printable characters without '/' and '!', not all spaces, not
     * starting with '\' (IEC 62056-21 6.3.2: it would read as the enhanced `\W`) */
    size_t n = bounded_len(c->ident, sizeof c->ident);
    if (n == 0u || n == SIZE_MAX || c->ident[0] == '\\') {
        return false;
    }
    bool non_space = false;
    for (size_t k = 0; k < n; k++) {
        char ch = c->ident[k];
        if (!is_print(ch) || ch == '/' || ch == '!') {
            return false;
        }
        non_space = non_space || ch != ' ';
    }
    /* password: 1..16 characters that a data set's value may hold (0 only with programming
     * off: an empty password would open programming mode to anyone) */
    n = bounded_len(c->password, sizeof c->password);
    if (n == SIZE_MAX || (n == 0u && c->programming)) {
        return false;
    }
    for (size_t k = 0; k < n; k++) {
        char ch = c->password[k];
        if (!is_print(ch) || ch == ' ' || ch == '(' || ch == ')' || ch == '*' || ch == '/' ||
            ch == '!') {
            return false;
        }
    }
    if (c->ud2_len > OMP_OPTICAL_UD2_MAX) {
        return false;
    }
    for (size_t k = 0; k < c->ud2_len; k++) {
        /* an object of the dictionary, readable in a readout, by an attribute it has */
        const struct omp_cosem_obj *o = omp_cosem_find(c->ud2[k].obis);
        if (o == NULL || (o->read & ASSOC_READOUT) == 0u || c->ud2[k].attr < 2u ||
            c->ud2[k].attr > omp_cosem_attr_count(o)) {
            return false;
        }
    }
    return non_space;
}

/* ---- values ------------------------------------------------------------------------------------ */

/* The value @p v of attribute @p attr of @p obis as the readout shows it (display.h, IEC target):
 * its text into @p text and its unit's text into @p unit. */
static omp_err fmt_value(const struct omp_optical *p, const uint8_t obis[6], uint8_t attr,
                         const struct omp_value *v, char text[OMP_DISPLAY_TEXT_MAX],
                         const char **unit)
{
    struct omp_display_z1 z1 = p->env->z1;
    return omp_display_format(obis, attr, v, OMP_DISPLAY_IEC, OMP_DISPLAY_VIEW_VALUE, &z1, text,
                              OMP_DISPLAY_TEXT_MAX, unit);
}

/* `id(value*unit)` of the value @p v of @p obis (an empty unit: `id(value)`), all or nothing. */
static omp_err put_value(struct omp_wr *w, const struct omp_optical *p, const char *id,
                         const uint8_t obis[6], uint8_t attr, const struct omp_value *v)
{
    char text[OMP_DISPLAY_TEXT_MAX];
    const char *unit = "";
    if (fmt_value(p, obis, attr, v, text, &unit) != OMP_OK) {
        text[0] = '\0'; /* a value no format shows: `id()` */
        unit = "";
    }
    return omp_iec21_put_dataset(w, id, text, unit[0] != '\0' ? unit : NULL);
}

/* Object @p ref read through the dictionary as @p assoc: `C.D.E(value*unit)`, and for an
 * extended register with a value its capture time `(NVYYMMDDhhmmss)`; all or nothing. */
static omp_err put_ref(struct omp_wr *w, struct omp_optical *p, const struct omp_cosem_ref *ref,
                       unsigned assoc)
{
    const struct omp_cosem_obj *o = omp_cosem_find(ref->obis);
    const struct omp_cosem_src *src = p->env->src;
    struct omp_value v;
    omp_err err = o == NULL ? OMP_ERR_NOT_FOUND : omp_cosem_get(src, o, ref->attr, assoc, &v);
    if (err == OMP_ERR_NOT_FOUND || o == NULL) {
        return OMP_ERR_NOT_FOUND;
    }
    if (err != OMP_OK) {
        v = omp_value_null(); /* shown as `id()`: one bad line never hides the rest */
    }
    char id[12];
    if (omp_cosem_cde_text(ref->obis, id, sizeof id) != OMP_OK) {
        id[0] = '\0'; /* cannot happen: id holds any C.D.E */
    }
    size_t mark = omp_wr_len(w);
    err = put_value(w, p, id, ref->obis, ref->attr, &v);
    if (err == OMP_OK && ref->attr == 2u && o->class_id == OMP_CLASS_EXT_REGISTER &&
        v.type != OMP_VT_NULL) {
        struct omp_value t;
        err = omp_cosem_get(src, o, 5u, assoc, &t);
        if (err == OMP_OK) {
            err = put_value(w, p, NULL, ref->obis, 5u, &t);
        }
    }
    if (err != OMP_OK) {
        omp_wr_truncate(w, mark);
    }
    return err;
}

/* ---- the server's application ---------------------------------------------------------------- */

static omp_err put_crlf(struct omp_wr *w)
{
    static const uint8_t crlf[2] = {OMP_IEC21_CR, OMP_IEC21_LF};
    return omp_wr_bytes(w, crlf, sizeof crlf);
}

static omp_err app_readout_line(void *user, enum omp_iec21_list list, size_t index,
                                struct omp_wr *w)
{
    struct omp_optical *p = user;
    (void)list; /* mode D0 sends the list a readout sends (131.0.3) */
    const struct omp_cosem_ref *ref = NULL;
    if (p->settings.user_data == 0u) {
        if (index >= OMP_ARRAY_LEN(k_ud1)) {
            return OMP_ERR_NOT_FOUND;
        }
        ref = &k_ud1[index];
    } else {
        if (index >= p->cfg.ud2_len) {
            return OMP_ERR_NOT_FOUND;
        }
        ref = &p->cfg.ud2[index];
    }
    size_t mark = omp_wr_len(w);
    omp_err err = put_ref(w, p, ref, ASSOC_READOUT);
    if (err == OMP_OK) {
        err = put_crlf(w);
    }
    if (err != OMP_OK) {
        omp_wr_truncate(w, mark);
    }
    return err;
}

static omp_err reply_error(struct omp_wr *w, enum omp_iec21_reply *reply, const char *text)
{
    *reply = OMP_IEC21_REPLY_ERROR;
    return omp_wr_bytes(w, text, strlen(text));
}

/* A command's data `id(value)`: id 1..16 characters without '(' ')', value without ')'. */
struct request {
    char id[OMP_IEC21_DS_ADDRESS_MAX + 1u];
    const uint8_t *value;
    size_t value_len;
};

static bool parse_request(const struct omp_iec21_span *d, struct request *r)
{
    size_t k = 0;
    while (k < d->len && d->ptr[k] != (uint8_t)'(') {
        if (k >= OMP_IEC21_DS_ADDRESS_MAX || d->ptr[k] == (uint8_t)')' || d->ptr[k] < 0x20u ||
            d->ptr[k] > 0x7Eu) {
            return false;
        }
        r->id[k] = (char)d->ptr[k];
        k++;
    }
    if (k == 0u || k >= d->len) {
        return false; /* no id, or no '(' */
    }
    r->id[k] = '\0';
    size_t v0 = k + 1u;
    size_t e = v0;
    while (e < d->len && d->ptr[e] != (uint8_t)')') {
        if (d->ptr[e] == (uint8_t)'(') {
            return false;
        }
        e++;
    }
    if (e + 1u != d->len) {
        return false; /* no ')', or something after it: one data set only */
    }
    r->value = d->ptr + v0;
    r->value_len = e - v0;
    return true;
}

static bool all_digits(const uint8_t *s, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        if (s[k] < (uint8_t)'0' || s[k] > (uint8_t)'9') {
            return false;
        }
    }
    return true;
}

static uint32_t digits_value(const uint8_t *s, size_t n)
{
    uint32_t v = 0;
    for (size_t k = 0; k < n; k++) {
        v = v * 10u + (uint32_t)(s[k] - (uint8_t)'0');
    }
    return v;
}

/* A setting's value: 1..9 decimal digits. */
static bool parse_uint(const uint8_t *s, size_t n, uint32_t *v)
{
    if (n == 0u || n > 9u || !all_digits(s, n)) {
        return false;
    }
    *v = digits_value(s, n);
    return true;
}

/* `NYYMMDDhhmmss` (W5, R6 limits): local time, N = 1 summer time, which the meter takes as one
 * hour ahead of normal time whatever the DST rule says (IEC doc p.37: it stores normal time).
 * @return OMP_OK, OMP_ERR_MALFORMED (syntax), OMP_ERR_RANGE (no such date or time). */
static omp_err parse_clock(const struct omp_optical *p, const uint8_t *s, size_t n, omp_time_s *utc)
{
    if (n != 13u || !all_digits(s, n) || s[0] > (uint8_t)'1') {
        return OMP_ERR_MALFORMED;
    }
    struct omp_datetime dt = {0};
    dt.year = (uint16_t)(2000u + digits_value(s + 1, 2u));
    dt.month = (uint8_t)digits_value(s + 3, 2u);
    dt.day = (uint8_t)digits_value(s + 5, 2u);
    dt.hour = (uint8_t)digits_value(s + 7, 2u);
    dt.minute = (uint8_t)digits_value(s + 9, 2u);
    dt.second = (uint8_t)digits_value(s + 11, 2u);
    omp_time_s local = 0;
    if (omp_datetime_to_time(&dt, &local) != OMP_OK) {
        return OMP_ERR_RANGE;
    }
    *utc = local - (omp_time_s)p->env->src->utc_offset_min * 60 -
           (s[0] == (uint8_t)'1' ? (omp_time_s)OMP_SECONDS_PER_HOUR : 0);
    return OMP_OK;
}

omp_err omp_optical_set(struct omp_optical *p, uint8_t k, uint32_t v)
{
    if (p == NULL) {
        return OMP_ERR_ARG;
    }
    omp_err err = omp_optical_setting_put(&p->settings, (enum omp_optical_setting)k, v);
    if (err == OMP_OK && k != (uint8_t)OMP_OPT_USER_DATA) {
        p->restart = true; /* the server takes it when the reader has signed off */
    } /* the user-data select: the next readout uses it */
    return err;
}

/* The value of a W1/W5 data set for object @p o: the clock `NYYMMDDhhmmss`, else 1..9 digits. */
static omp_err parse_value(const struct omp_optical *p, const struct omp_cosem_obj *o,
                           const struct request *r, struct omp_value *v)
{
    if (is_clock(o)) {
        omp_time_s utc = 0;
        omp_err err = parse_clock(p, r->value, r->value_len, &utc);
        if (err == OMP_OK) {
            *v = omp_value_datetime(utc, 0, 0u, false);
        }
        return err;
    }
    uint32_t x = 0;
    if (!parse_uint(r->value, r->value_len, &x)) {
        return OMP_ERR_MALFORMED;
    }
    *v = omp_value_uint(OMP_VT_U32, x, 0, OMP_UNIT_NONE);
    return OMP_OK;
}

/* W1 (and W5 of the clock): written through the dictionary as the optical port's programming
 * association; legal data and measurements are never writable there (ER04). */
static omp_err cmd_write(struct omp_optical *p, const struct request *r, struct omp_wr *w,
                         enum omp_iec21_reply *reply)
{
    const struct omp_cosem_obj *o = find_obj(r->id);
    if (o == NULL) {
        return reply_error(w, reply, not_supported(r->id) ? ER_NOT_SUPPORTED : ER_UNKNOWN_OBJECT);
    }
    /* W1 writes only the clock 1.0.0, ActualTariff 129.0.0, OperationState 96.5.1 and the 131.0.x
     * settings (technical facts 10.5); what else DLMS client 19 may write is not W1's */
    const bool w1 = (o->obis[2] == 1u && o->obis[3] == 0u && o->obis[4] == 0u) ||
                    (o->obis[2] == 129u && o->obis[3] == 0u && o->obis[4] == 0u) ||
                    (o->obis[2] == 96u && o->obis[3] == 5u && o->obis[4] == 1u) ||
                    (o->obis[2] == 131u && o->obis[3] == 0u);
    if (!w1 || !omp_cosem_writable(o, 2u, ASSOC_PROG)) {
        return reply_error(w, reply, ER_READ_ONLY);
    }
    struct omp_value v;
    omp_err err = parse_value(p, o, r, &v);
    if (err == OMP_OK) {
        err = omp_cosem_set(p->env->src, o, 2u, ASSOC_PROG, &v);
    }
    if (err != OMP_OK) {
        return reply_error(w, reply,
                           err == OMP_ERR_MALFORMED     ? ER_FORMAT
                           : err == OMP_ERR_RANGE       ? ER_RANGE
                           : err == OMP_ERR_UNSUPPORTED ? ER_NOT_SUPPORTED
                           : err == OMP_ERR_DENIED      ? ER_READ_ONLY
                                                        : ER_DEVICE);
    }
    *reply = OMP_IEC21_REPLY_ACK;
    return OMP_OK;
}

static omp_err cmd_read(struct omp_optical *p, const struct request *r, struct omp_wr *w,
                        enum omp_iec21_reply *reply)
{
    const struct omp_cosem_obj *o = find_obj(r->id);
    if (o != NULL) {
        struct omp_cosem_ref ref;
        memcpy(ref.obis, o->obis, sizeof ref.obis);
        ref.attr = 2u;
        *reply = OMP_IEC21_REPLY_DATA;
        return put_ref(w, p, &ref, ASSOC_PROG);
    }
    return reply_error(w, reply, not_supported(r->id) ? ER_NOT_SUPPORTED : ER_UNKNOWN_OBJECT);
}

/* ---- R6 98.1.0: the billing log in blocks -----------------------------------------------------
 */

/* Header of every block: column count, then (id)(unit) per column (IEC doc p.19, 39). */
static const char k_r6_header[] =
    "98.1.0(6)(1.0.0)()(0.1.0)()(1.8.0)(kWh)(2.8.0)(kWh)(3.8.0)(kvarh)(4.8.0)(kvarh)\r\n";

/* The next entry of the billing log at or after number p->r6_no whose stop time is in the range
 * (logger.h omp_billing_next_in: entries stay numbered while snapshots are taken between blocks;
 * the ring's dropped ones are skipped, an unreadable one has no time and is left out); p->r6_no
 * is then its number (0: none left).
 * @return OMP_OK, OMP_ERR_NOT_FOUND (none left), or the billing log's error. */
static omp_err r6_seek(struct omp_optical *p, struct omp_billing_entry *e)
{
    const struct omp_nvm_log *l = &p->env->persist->billing;
    struct omp_billing_cursor c;
    omp_err err = p->r6_no == 0u ? OMP_ERR_NOT_FOUND : omp_billing_seek(l, p->r6_no, &c);
    uint32_t no = 0;
    if (err == OMP_OK) {
        err = omp_billing_next_in(l, &c, p->r6_from_utc, p->r6_to_utc, e, &no);
    }
    p->r6_no = err == OMP_OK ? no : 0u;
    return err;
}

static omp_err r6_row(struct omp_wr *w, const struct omp_optical *p,
                      const struct omp_regs_snapshot *s)
{
    /* the columns of k_r6_header, formatted as the objects they name */
    static const uint8_t k_cols[6][6] = {{0, 1, 1, 0, 0, 255}, {1, 1, 0, 1, 0, 255},
                                         {1, 1, 1, 8, 0, 255}, {1, 1, 2, 8, 0, 255},
                                         {1, 1, 3, 8, 0, 255}, {1, 1, 4, 8, 0, 255}};
    const uint64_t e[4] = {s->energy.total.a_plus_uwh, s->energy.total.a_minus_uwh,
                           s->energy.total.r_plus_uvarh, s->energy.total.r_minus_uvarh};
    const enum omp_unit u[4] = {OMP_UNIT_WH, OMP_UNIT_WH, OMP_UNIT_VARH, OMP_UNIT_VARH};
    omp_err err = OMP_OK;
    for (size_t k = 0; k < 6u && err == OMP_OK; k++) {
        struct omp_value v =
            k == 0u ? omp_cosem_time(p->env->src, s->utc, (s->quality & OMP_REGS_Q_CLOCK_BAD) == 0u,
                                          true) /* a stop before the clock was ever set */
            : k == 1u ? omp_value_uint(OMP_VT_U8, s->billing_count, 0, OMP_UNIT_NONE)
                      : omp_value_uint(OMP_VT_U32, e[k - 2u] / 1000000u, 0, u[k - 2u]);
        char text[OMP_DISPLAY_TEXT_MAX];
        const char *unit = "";
        err = fmt_value(p, k_cols[k], 2u, &v, text, &unit);
        if (err == OMP_OK) {
            err = omp_iec21_put_dataset(w, NULL, text, NULL); /* units are in the header */
        }
    }
    if (err == OMP_OK) {
        err = put_crlf(w);
    }
    return err;
}

/* One block: the header, then up to r6_block records (fewer when they do not fit); PARTIAL
 * while a matching record is left, DATA for the last block. */
static omp_err r6_block(struct omp_optical *p, struct omp_wr *w, enum omp_iec21_reply *reply)
{
    const size_t start = omp_wr_len(w);
    if (omp_wr_bytes(w, k_r6_header, sizeof k_r6_header - 1u) != OMP_OK) {
        p->r6_no = 0;
        return reply_error(w, reply, ER_NO_ROOM);
    }
    unsigned rows = 0;
    for (;;) {
        struct omp_billing_entry e;
        omp_err err = r6_seek(p, &e);
        if (err == OMP_ERR_NOT_FOUND) {
            *reply = OMP_IEC21_REPLY_DATA; /* the last block */
            return OMP_OK;
        }
        if (err != OMP_OK) {
            omp_wr_truncate(w, start);
            p->r6_no = 0;
            return reply_error(w, reply, ER_DEVICE);
        }
        if (rows == p->r6_block) {
            break; /* r6_no is the first entry of the next block */
        }
        size_t mark = omp_wr_len(w);
        if (r6_row(w, p, &e.snap) != OMP_OK) {
            omp_wr_truncate(w, mark);
            if (rows == 0u) {
                omp_wr_truncate(w, start);
                p->r6_no = 0;
                return reply_error(w, reply, ER_NO_ROOM);
            }
            break;
        }
        rows++;
        p->r6_no++;
    }
    *reply = OMP_IEC21_REPLY_PARTIAL;
    return OMP_OK;
}

/* ---- R6 99.1.0 and 99.1.1: the profiles in blocks (technical facts 1.2, 2, 10.5) ---------------
 * Header `C.D.E(n)(1.0.0)()(96.56.2)()(96.56.3)()` and `(C.D.E)(unit)` per channel, one row per
 * entry: `(0VYYMMDDhhmmss)(LoggerStatus)(DataQuality)(value)...`, the stamp in normal time, N = 0:
 * logger stamps are never summer time; V = 0 for an entry that could not be read; each channel's
 * value and unit as the readout shows its object. */

/* What R6 reads (p->r6_log), by its reduced id: the billing log, then the profiles (technical
 * facts 3: over IEC 1107 the OMNIPOWER offers 98.1.0, 99.1.0, 99.1.1). */
enum { R6_BILLING = 0, R6_LOAD_PROFILE = 1, R6_ANALYSIS = 2, R6_LOGS = 3 };
static const char *const k_r6_ids[R6_LOGS] = {"98.1.0", "99.1.0", "99.1.1"};

/* The profile R6 log @p log reads now, or NULL (the billing log, or a profile the meter does not
 * keep). */
static const struct omp_profile *r6_profile(const struct omp_optical *p, unsigned log)
{
    return log == R6_LOAD_PROFILE ? p->env->lp : log == R6_ANALYSIS ? p->env->an : NULL;
}

static omp_err put_text(struct omp_wr *w, const char *t)
{
    return omp_wr_bytes(w, t, strlen(t));
}

/* A logged value of channel @p col as the readout shows its object: the raw integer the meter
 * captured (attribute @p col->attr read through the dictionary, meter_lp.c) with the object's
 * scaler and unit (scaler_unit of attribute 2 of classes 3 and 4; none for the rest). */
static omp_err fmt_channel(const struct omp_optical *p, const struct omp_logger_col *col,
                           int64_t raw, char text[OMP_DISPLAY_TEXT_MAX], const char **unit)
{
    const struct omp_cosem_obj *o = omp_cosem_find(col->obis);
    const bool su = o != NULL && col->attr == 2u &&
                    (o->class_id == OMP_CLASS_REGISTER || o->class_id == OMP_CLASS_EXT_REGISTER);
    const int8_t scaler = su ? o->scaler : 0;
    const enum omp_unit u = su ? (enum omp_unit)o->unit : OMP_UNIT_NONE;
    struct omp_value v = raw < 0 ? omp_value_int(OMP_VT_I64, raw, scaler, u)
                                 : omp_value_uint(OMP_VT_U64, (uint64_t)raw, scaler, u);
    return fmt_value(p, col->obis, col->attr, &v, text, unit);
}

static omp_err lp_header(struct omp_wr *w, const struct omp_optical *p,
                         const struct omp_profile *lp)
{
    char num[21];
    uint_text(num, 3u + lp->cfg.columns);
    omp_err err = put_text(w, k_r6_ids[p->r6_log]);
    err = err == OMP_OK ? put_text(w, "(") : err;
    err = err == OMP_OK ? put_text(w, num) : err;
    err = err == OMP_OK ? put_text(w, ")(1.0.0)()(96.56.2)()(96.56.3)()") : err;
    for (unsigned k = 0; err == OMP_OK && k < lp->cfg.columns; k++) {
        char id[OMP_DISPLAY_TEXT_MAX];
        char text[OMP_DISPLAY_TEXT_MAX];
        const char *unit = "";
        err = omp_cosem_cde_text(lp->cfg.col[k].obis, id, sizeof id);
        if (err == OMP_OK && fmt_channel(p, &lp->cfg.col[k], 0, text, &unit) != OMP_OK) {
            unit = ""; /* no format shows it (a scaler out of range): no unit */
        }
        err = err == OMP_OK ? omp_iec21_put_dataset(w, NULL, id, NULL) : err; /* `(C.D.E)` */
        err = err == OMP_OK ? omp_iec21_put_dataset(w, NULL, unit, NULL) : err; /* `(unit)` */
    }
    return err == OMP_OK ? put_crlf(w) : err;
}

/* `0VYYMMDDhhmmss` of @p t in normal time. */
static void lp_stamp(char *out, bool ok, const struct omp_datetime *dt)
{
    const unsigned f[6] = {dt->year % 100u, dt->month, dt->day, dt->hour, dt->minute, dt->second};
    out[0] = '0';
    out[1] = ok ? '1' : '0';
    for (unsigned k = 0; k < 6u; k++) {
        out[2u + 2u * k] = (char)('0' + (char)(f[k] / 10u));
        out[3u + 2u * k] = (char)('0' + (char)(f[k] % 10u));
    }
    out[14] = '\0';
}

static omp_err lp_row(struct omp_wr *w, const struct omp_optical *p, const struct omp_profile *lp,
                      const struct omp_plog_entry *e)
{
    bool ok = (e->status & OMP_PLOG_ST_INVALID) == 0u;
    struct omp_datetime dt = {0};
    if (ok && omp_time_to_datetime(e->t + lp->cfg.offset_s, &dt) != OMP_OK) {
        ok = false;
    }
    char text[OMP_DISPLAY_TEXT_MAX];
    lp_stamp(text, ok, &dt);
    omp_err err = omp_iec21_put_dataset(w, NULL, text, NULL);
    const uint32_t words[2] = {e->status, e->quality};
    for (unsigned k = 0; err == OMP_OK && k < 2u; k++) {
        uint_text(text, words[k]);
        err = omp_iec21_put_dataset(w, NULL, text, NULL);
    }
    for (unsigned k = 0; err == OMP_OK && k < lp->cfg.columns; k++) {
        const char *unit = "";
        err = fmt_channel(p, &lp->cfg.col[k], e->v[k], text, &unit);
        if (err == OMP_OK) {
            err = omp_iec21_put_dataset(w, NULL, text, NULL); /* units are in the header */
        }
    }
    return err == OMP_OK ? put_crlf(w) : err;
}

/* The next entry from r6_no on that is in the range (an unreadable one only without a range);
 * r6_no moves past it. @return OMP_OK, OMP_ERR_NOT_FOUND (no more), or the log's error. */
static omp_err lp_seek(struct omp_optical *p, const struct omp_profile *lp,
                       struct omp_plog_entry *e)
{
    struct omp_plog_cursor c;
    uint32_t no = 0;
    if (p->r6_no == 0u) {
        return OMP_ERR_NOT_FOUND;
    }
    omp_err err = omp_plog_seek(&lp->log, p->r6_no, &c);
    bool all = p->r6_from_utc == INT64_MIN && p->r6_to_utc == INT64_MAX;
    while (err == OMP_OK) {
        err = omp_plog_next(&lp->log, &c, e, &no);
        if (err == OMP_OK) {
            p->r6_no = no + 1u;
            bool invalid = (e->status & OMP_PLOG_ST_INVALID) != 0u;
            if (invalid ? all : (e->t >= p->r6_from_utc && e->t <= p->r6_to_utc)) {
                return OMP_OK;
            }
        }
    }
    p->r6_no = 0;
    return err;
}

/* One block of the profile being read, as r6_block for the billing log. */
static omp_err lp_block(struct omp_optical *p, struct omp_wr *w, enum omp_iec21_reply *reply)
{
    const struct omp_profile *lp = r6_profile(p, p->r6_log);
    const size_t start = omp_wr_len(w);
    if (lp == NULL || lp_header(w, p, lp) != OMP_OK) {
        omp_wr_truncate(w, start);
        p->r6_no = 0;
        return reply_error(w, reply, lp == NULL ? ER_DEVICE : ER_NO_ROOM);
    }
    for (unsigned rows = 0;; rows++) {
        struct omp_plog_entry e;
        uint32_t at = p->r6_no;
        omp_err err = lp_seek(p, lp, &e);
        if (err == OMP_ERR_NOT_FOUND) {
            *reply = OMP_IEC21_REPLY_DATA; /* the last block */
            return OMP_OK;
        }
        size_t mark = omp_wr_len(w);
        if (err != OMP_OK || (rows == p->r6_block) || lp_row(w, p, lp, &e) != OMP_OK) {
            omp_wr_truncate(w, err != OMP_OK || rows == 0u ? start : mark);
            if (err != OMP_OK || rows == 0u) {
                p->r6_no = 0;
                return reply_error(w, reply, err != OMP_OK ? ER_DEVICE : ER_NO_ROOM);
            }
            p->r6_no = at; /* this entry starts the next block */
            break;
        }
    }
    *reply = OMP_IEC21_REPLY_PARTIAL;
    return OMP_OK;
}

/* R6 C.D.E(start;end;blocksize) of the billing log or a profile the meter keeps: start and end
 * `NYYMMDDhhmmss` or empty (end needs start), blocksize 1..99 records or empty (6). */
static omp_err r6_start(struct omp_optical *p, const struct request *r, struct omp_wr *w,
                        enum omp_iec21_reply *reply)
{
    unsigned log = 0;
    while (log < R6_LOGS && !str_eq(r->id, k_r6_ids[log])) {
        log++;
    }
    if (log == R6_LOGS || (log != R6_BILLING && r6_profile(p, log) == NULL)) {
        return reply_error(w, reply, not_supported(r->id) ? ER_NOT_SUPPORTED : ER_UNKNOWN_OBJECT);
    }
    const uint8_t *f[3] = {r->value, NULL, NULL};
    size_t n[3] = {0, 0, 0};
    size_t nf = 1;
    for (size_t k = 0; k < r->value_len; k++) {
        if (r->value[k] != (uint8_t)';') {
            n[nf - 1u]++;
        } else if (nf == 3u) {
            return reply_error(w, reply, ER_FORMAT);
        } else {
            f[nf] = r->value + k + 1u;
            nf++;
        }
    }
    omp_time_s from = INT64_MIN, to = INT64_MAX;
    uint32_t block = R6_BLOCK_DEFAULT;
    omp_err err = OMP_OK;
    if (n[0] != 0u) {
        err = parse_clock(p, f[0], n[0], &from);
    } else if (n[1] != 0u) {
        err = OMP_ERR_MALFORMED; /* an end needs a start */
    }
    if (err == OMP_OK && n[1] != 0u) {
        err = parse_clock(p, f[1], n[1], &to);
    }
    if (err == OMP_OK && n[2] != 0u) {
        err = (n[2] <= 2u && parse_uint(f[2], n[2], &block)) ? OMP_OK : OMP_ERR_MALFORMED;
        if (err == OMP_OK && block == 0u) {
            err = OMP_ERR_RANGE;
        }
    }
    if (err != OMP_OK) {
        return reply_error(w, reply, err == OMP_ERR_RANGE ? ER_RANGE : ER_FORMAT);
    }
    p->r6_from_utc = from;
    p->r6_to_utc = to;
    p->r6_block = (uint8_t)block;
    p->r6_log = (uint8_t)log;
    const struct omp_profile *lp = r6_profile(p, log);
    if (lp != NULL) {
        p->r6_no = omp_plog_count(&lp->log) != 0u ? lp->log.first_no : 0u;
        return lp_block(p, w, reply);
    }
    p->r6_no = omp_billing_no_of_index(&p->env->persist->billing, 1u); /* 0: empty */
    return r6_block(p, w, reply);
}

static omp_err app_command(void *user, const struct omp_iec21_msg *cmd, uint32_t block,
                           struct omp_wr *w, enum omp_iec21_reply *reply)
{
    struct omp_optical *p = user;
    const unsigned op = OP(cmd->cmd, cmd->cmd_type);
    if (block != 0u) {
        if (op == OP('R', '6')) {
            return p->r6_log != R6_BILLING ? lp_block(p, w, reply) : r6_block(p, w, reply);
        }
        return reply_error(w, reply, ER_UNKNOWN_COMMAND);
    }
    if (op != OP('R', '1') && op != OP('R', '5') && op != OP('R', '6') && op != OP('W', '1') &&
        op != OP('W', '5')) {
        return reply_error(w, reply, ER_UNKNOWN_COMMAND);
    }
    struct request r;
    if (!cmd->has_data || !parse_request(&cmd->data, &r)) {
        return reply_error(w, reply, ER_FORMAT);
    }
    if (strchr(r.id, '*') != NULL) {
        return reply_error(w, reply, ER_NOT_SUPPORTED); /* historical values C.D.E*F */
    }
    if (op == OP('R', '1')) {
        return cmd_read(p, &r, w, reply);
    }
    if (op == OP('W', '1')) {
        return cmd_write(p, &r, w, reply);
    }
    if (op == OP('R', '6')) {
        return r6_start(p, &r, w, reply);
    }
    const struct omp_cosem_obj *o = find_obj(r.id);
    if (is_clock(o)) { /* R5 / W5: the clock only */
        if (op == OP('W', '5')) {
            return cmd_write(p, &r, w, reply);
        }
        return cmd_read(p, &r, w, reply);
    }
    if (o != NULL && op == OP('W', '5')) {
        return reply_error(w, reply, ER_READ_ONLY);
    }
    return reply_error(w, reply, not_supported(r.id) ? ER_NOT_SUPPORTED : ER_UNKNOWN_OBJECT);
}

static const struct omp_iec21_app k_app = {
    .readout_line = app_readout_line,
    .command = app_command,
};

/* ---- the server on the port ------------------------------------------------------------------ */

static void server_cfg(const struct omp_optical *p, struct omp_iec21_server_cfg *c)
{
    static const uint32_t d0_baud[6] = {300u, 600u, 1200u, 2400u, 4800u, 9600u};
    omp_iec21_server_cfg_default(c); /* "KAM", '5', lock-out, tr_min */
    copy_str(c->ident, sizeof c->ident, p->cfg.ident);
    uint_text(c->address, p->cfg.meter_number);
    c->mode_c = true;
    c->programming = p->cfg.programming;
    copy_str(c->password, sizeof c->password, p->cfg.password);
    c->ta_ms = p->settings.ta_ms;
    c->tt_ms = p->settings.tt_ms;
    c->ti_ms = (uint32_t)p->settings.ti_s * 1000u;
    c->tr_pw_ms = p->settings.tr_ms;
    /* received bytes carry the time of the last tick, up to one tick period (100 ms) before
     * they arrived: answer no sooner than 200 ms (IEC 62056-21 tr) + that period */
    c->tr_min_ms = 200u + TICK_PERIOD_MS;
    c->d0_interval_ms = p->settings.comm_mode == 2u ? (uint32_t)p->settings.d0_interval * 5000u : 0u;
    c->d0_baud = d0_baud[p->settings.d0_baud];
}

/* (Re)start the server with the settings in force; it keeps its counters. */
static omp_err server_start(struct omp_optical *p)
{
    const struct omp_hal_ops *o = p->env->hal->ops;
    const struct omp_iec21_server *old = &p->server;
    /* what survives a restart: the counters and the lock-out after bad passwords */
    const uint32_t keep[8] = {old->signons,       old->readouts,  old->d0_sent,
                              old->prog_sessions, old->bad_passwords, old->lockouts,
                              old->bcc_errors,    old->timeouts};
    const uint8_t keep_failures = old->failures;
    const uint64_t keep_locked = old->locked_until_ms;
    bool was_on = p->on;
    p->on = false;
    p->restart = false;
    if (o->port_write == NULL || o->port_set_baud == NULL || p->settings.comm_mode == 0u) {
        return OMP_OK; /* no optical port, or IEC 62056-21 switched off (131.0.12 = 0) */
    }
    struct omp_iec21_server_cfg c;
    server_cfg(p, &c);
    omp_err err = omp_iec21_server_init(&p->server, &c, &k_app, p, p->env->mono_ms);
    if (err != OMP_OK) {
        return err;
    }
    if (!was_on) {
        p->bad_seen = 0u; /* a new server counts from zero */
        p->lockouts_seen = 0u;
    } else {
        struct omp_iec21_server *n = &p->server;
        n->signons = keep[0];
        n->readouts = keep[1];
        n->d0_sent = keep[2];
        n->prog_sessions = keep[3];
        n->bad_passwords = keep[4];
        n->lockouts = keep[5];
        n->bcc_errors = keep[6];
        n->timeouts = keep[7];
        n->failures = keep_failures;
        n->locked_until_ms = keep_locked;
    }
    p->on = true;
    return OMP_OK;
}

void omp_optical_link_lost(struct omp_optical *p, const struct omp_optical_env *env)
{
    if (p == NULL || env == NULL || !p->on) {
        return;
    }
    p->env = env;
    p->r6_no = 0u;
    p->baud = 0u; /* the next poll sets the port to 300 Bd 7E1 (6.4.1) */
    omp_err err = server_start(p); /* same settings, server init succeeded before */
    (void)err;
    p->env = NULL;
}

bool omp_optical_dlms_begin(struct omp_optical *p, const struct omp_optical_env *env)
{
    if (p == NULL || env == NULL) {
        return false;
    }
    if (p->on && (omp_iec21_server_busy(&p->server) ||
                  (p->baud != INITIAL_BAUD && p->baud != 0u))) {
        return false; /* a reader is signed on: its session keeps the port */
    }
    p->dlms = true;
    p->r6_no = 0u;
    return true;
}

void omp_optical_dlms_end(struct omp_optical *p, const struct omp_optical_env *env)
{
    if (p == NULL || env == NULL || !p->dlms) {
        return;
    }
    p->dlms = false;
    omp_optical_link_lost(p, env); /* a fresh server at 300 Bd 7E1 (6.4.1), counters kept */
}

omp_err omp_optical_start(struct omp_optical *p, const struct omp_optical_cfg *cfg,
                          const struct omp_optical_env *env)
{
    if (p == NULL || cfg == NULL || env == NULL) {
        return OMP_ERR_ARG;
    }
    memset(p, 0, sizeof *p);
    p->cfg = *cfg;
    p->settings = cfg->settings;
    p->baud = 0u; /* unknown: the next poll sets the port to 300 Bd 7E1 (6.4.1) */
    p->env = env;
    omp_err err = server_start(p);
    p->env = NULL;
    return err;
}

omp_err omp_optical_rx(struct omp_optical *p, const struct omp_optical_env *env,
                       const uint8_t *data, size_t len)
{
    if (p == NULL || env == NULL || !p->on || p->dlms) {
        return p == NULL || env == NULL ? OMP_ERR_ARG : OMP_ERR_UNSUPPORTED;
    }
    if (len != 0u) {
        p->env = env; /* the server calls the application back from here */
        omp_iec21_server_rx(&p->server, env->mono_ms, data, len);
        p->env = NULL;
    }
    return OMP_OK;
}

/* Restart the server with changed settings once no reader is signed on and the port is back
 * at the rate a new server starts with. */
static void restart_when_idle(struct omp_optical *p)
{
    if (p->restart &&
        (!p->on ||
         (!omp_iec21_server_busy(&p->server) &&
          (p->baud == INITIAL_BAUD || p->baud == 0u)))) {
        (void)server_start(p); /* cannot fail: the settings were range-checked */
    }
}

/* Wrong passwords and lock-outs of the server become events for the communication log. */
static void report_access(struct omp_optical *p)
{
    const struct omp_iec21_server *sv = &p->server;
    /* one event per failure (a poll can see more than one); arg: failures in a row, as the
     * server counts them now */
    for (unsigned k = 0; k < 8u && p->bad_seen != sv->bad_passwords; k++) {
        p->bad_seen++;
        event(p, OMP_EV_OPTICAL_PASSWORD_FAIL, sv->failures, 0u);
    }
    p->bad_seen = sv->bad_passwords;
    if (sv->lockouts != p->lockouts_seen) {
        p->lockouts_seen = sv->lockouts;
        event(p, OMP_EV_OPTICAL_LOCKOUT, sv->cfg.lockout_ms / 1000u, 0u);
    }
}

static void poll_server(struct omp_optical *p);

void omp_optical_poll(struct omp_optical *p, const struct omp_optical_env *env)
{
    if (p == NULL || env == NULL) {
        return;
    }
    if (p->dlms) {
        return; /* DLMS has the port: no readout, no rate change, settings wait */
    }
    p->env = env;
    if (p->on) {
        poll_server(p);
        report_access(p);
    }
    restart_when_idle(p);
    p->env = NULL;
}

/* Baud-rate changes and bytes to the port, as much as it takes. */
static void poll_server(struct omp_optical *p)
{
    const struct omp_hal *h = p->env->hal;
    if (p->baud == 0u) { /* a new server: the port starts at 300 Bd, 7E1 */
        if (h->ops->port_set_baud(h->user, OMP_PORT_OPTICAL, INITIAL_BAUD, OMP_FRAMING_7E1) !=
            OMP_OK) {
            return; /* tried again at the next poll */
        }
        p->baud = INITIAL_BAUD;
    }
    for (unsigned k = 0; k < POLL_ROUNDS; k++) {
        struct omp_iec21_out out;
        omp_iec21_server_poll(&p->server, p->env->mono_ms, &out);
        if (out.baud != 0u) {
            if (h->ops->port_set_baud(h->user, OMP_PORT_OPTICAL, out.baud, OMP_FRAMING_7E1) !=
                OMP_OK) {
                return; /* offered again at the next poll */
            }
            p->baud = out.baud;
        }
        size_t n = 0;
        if (out.tx != NULL && out.tx_len != 0u &&
            h->ops->port_write(h->user, OMP_PORT_OPTICAL, out.tx, out.tx_len, &n) != OMP_OK) {
            n = 0;
        }
        if (n > out.tx_len) {
            n = out.tx_len;
        }
        if (out.baud == 0u && n == 0u) {
            break; /* nothing to do, or the port takes nothing now */
        }
        omp_iec21_server_sent(&p->server, n);
        if (n < out.tx_len) {
            break; /* the port is full */
        }
    }
}

#else /* OMP_CONFIG_IEC21 */

/* Without the IEC 62056-21 module the optical port answers nothing; its settings stay at the
 * configuration's values and cannot be written. */
#include <string.h>

#include "omnipower/optical.h"

void omp_optical_cfg_default(struct omp_optical_cfg *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    /* the 131.0.x factory values (technical facts 10.2), so the objects read sensibly */
    const struct omp_optical_settings o = {1u, 0u, 3u, 1u, 1500u, 1500u, 1700u, 90u};
    cfg->settings = o;
}

bool omp_optical_cfg_valid(const struct omp_optical_cfg *cfg)
{
    return cfg != NULL && omp_optical_settings_valid(&cfg->settings);
}

omp_err omp_optical_start(struct omp_optical *p, const struct omp_optical_cfg *cfg,
                          const struct omp_optical_env *env)
{
    (void)env;
    if (p == NULL || cfg == NULL) {
        return OMP_ERR_ARG;
    }
    memset(p, 0, sizeof *p);
    p->cfg = *cfg;
    p->settings = cfg->settings;
    return OMP_OK;
}

bool omp_optical_dlms_begin(struct omp_optical *p, const struct omp_optical_env *env)
{
    return p != NULL && env != NULL; /* no IEC 62056-21 server: the port is DLMS's */
}

void omp_optical_dlms_end(struct omp_optical *p, const struct omp_optical_env *env)
{
    (void)p;
    (void)env;
}

omp_err omp_optical_rx(struct omp_optical *p, const struct omp_optical_env *env,
                       const uint8_t *data, size_t len)
{
    (void)p;
    (void)env;
    (void)data;
    (void)len;
    return OMP_ERR_UNSUPPORTED;
}

void omp_optical_poll(struct omp_optical *p, const struct omp_optical_env *env)
{
    (void)p;
    (void)env;
}

void omp_optical_link_lost(struct omp_optical *p, const struct omp_optical_env *env)
{
    (void)p;
    (void)env;
}

omp_err omp_optical_set(struct omp_optical *p, uint8_t k, uint32_t v)
{
    (void)p;
    (void)k;
    (void)v;
    return OMP_ERR_UNSUPPORTED;
}

#endif /* OMP_CONFIG_IEC21 */

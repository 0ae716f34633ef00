/* omnipower decode: xDLMS/ACSE APDUs, A-XDR data and Kamstrup HAN pushes as JSON.
 * Layout of the JSON: docs/tool-decode.md. */
#include "decode.h"

#include "omnipower/apdu.h"
#include "omnipower/axdr.h"
#include "omnipower/core.h"
#include "omnipower/port_posix.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROG "omnipower"
#define PLAIN_MAX 65536u /* largest deciphered APDU */

void dec_error(struct dec_ctx *c, size_t offset, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)fprintf(stderr, PROG ": %s: offset %zu: ",
                  strcmp(c->file, "-") == 0 ? "<stdin>" : c->file, offset);
    (void)vfprintf(stderr, fmt, ap);
    (void)fputc('\n', stderr);
    va_end(ap);
    c->errors++;
}

/* ---- names ----------------------------------------------------------------------------------- */

static const char *axdr_tag_name(uint8_t tag)
{
    switch (tag) {
    case OMP_AXDR_TAG_NULL_DATA: return "null-data";
    case OMP_AXDR_TAG_ARRAY: return "array";
    case OMP_AXDR_TAG_STRUCTURE: return "structure";
    case OMP_AXDR_TAG_BOOLEAN: return "boolean";
    case OMP_AXDR_TAG_BIT_STRING: return "bit-string";
    case OMP_AXDR_TAG_DOUBLE_LONG: return "double-long";
    case OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED: return "double-long-unsigned";
    case OMP_AXDR_TAG_OCTET_STRING: return "octet-string";
    case OMP_AXDR_TAG_VISIBLE_STRING: return "visible-string";
    case OMP_AXDR_TAG_UTF8_STRING: return "utf8-string";
    case OMP_AXDR_TAG_BCD: return "bcd";
    case OMP_AXDR_TAG_INTEGER: return "integer";
    case OMP_AXDR_TAG_LONG: return "long";
    case OMP_AXDR_TAG_UNSIGNED: return "unsigned";
    case OMP_AXDR_TAG_LONG_UNSIGNED: return "long-unsigned";
    case OMP_AXDR_TAG_COMPACT_ARRAY: return "compact-array";
    case OMP_AXDR_TAG_LONG64: return "long64";
    case OMP_AXDR_TAG_LONG64_UNSIGNED: return "long64-unsigned";
    case OMP_AXDR_TAG_ENUM: return "enum";
    case OMP_AXDR_TAG_FLOAT32: return "float32";
    case OMP_AXDR_TAG_FLOAT64: return "float64";
    case OMP_AXDR_TAG_DATE_TIME: return "date-time";
    case OMP_AXDR_TAG_DATE: return "date";
    case OMP_AXDR_TAG_TIME: return "time";
    case OMP_AXDR_TAG_DONT_CARE: return "dont-care";
    default: return "?";
    }
}

static const char *kind_name(enum omp_apdu_kind k)
{
    switch (k) {
    case OMP_APDU_GET_REQ_NORMAL: return "get-request-normal";
    case OMP_APDU_GET_REQ_NEXT: return "get-request-next";
    case OMP_APDU_GET_REQ_LIST: return "get-request-with-list";
    case OMP_APDU_SET_REQ_NORMAL: return "set-request-normal";
    case OMP_APDU_SET_REQ_FIRST_BLOCK: return "set-request-with-first-datablock";
    case OMP_APDU_SET_REQ_BLOCK: return "set-request-with-datablock";
    case OMP_APDU_SET_REQ_LIST: return "set-request-with-list";
    case OMP_APDU_SET_REQ_LIST_FIRST_BLOCK: return "set-request-with-list-and-first-datablock";
    case OMP_APDU_ACTION_REQ_NORMAL: return "action-request-normal";
    case OMP_APDU_ACTION_REQ_NEXT: return "action-request-next-pblock";
    case OMP_APDU_ACTION_REQ_LIST: return "action-request-with-list";
    case OMP_APDU_ACTION_REQ_FIRST_PBLOCK: return "action-request-with-first-pblock";
    case OMP_APDU_ACTION_REQ_LIST_FIRST_PBLOCK: return "action-request-with-list-and-first-pblock";
    case OMP_APDU_ACTION_REQ_PBLOCK: return "action-request-with-pblock";
    case OMP_APDU_GET_RSP_NORMAL: return "get-response-normal";
    case OMP_APDU_GET_RSP_BLOCK: return "get-response-with-datablock";
    case OMP_APDU_GET_RSP_LIST: return "get-response-with-list";
    case OMP_APDU_SET_RSP_NORMAL: return "set-response-normal";
    case OMP_APDU_SET_RSP_BLOCK: return "set-response-datablock";
    case OMP_APDU_SET_RSP_LAST_BLOCK: return "set-response-last-datablock";
    case OMP_APDU_SET_RSP_LIST: return "set-response-with-list";
    case OMP_APDU_SET_RSP_LAST_BLOCK_LIST: return "set-response-last-datablock-with-list";
    case OMP_APDU_ACTION_RSP_NORMAL: return "action-response-normal";
    case OMP_APDU_ACTION_RSP_PBLOCK: return "action-response-with-pblock";
    case OMP_APDU_ACTION_RSP_LIST: return "action-response-with-list";
    case OMP_APDU_ACTION_RSP_NEXT: return "action-response-next-pblock";
    case OMP_APDU_EXCEPTION: return "exception-response";
    case OMP_APDU_CONFIRMED_SERVICE_ERROR: return "confirmed-service-error";
    case OMP_APDU_DATA_NOTIFICATION: return "data-notification";
    case OMP_APDU_AARQ: return "aarq";
    case OMP_APDU_AARE: return "aare";
    case OMP_APDU_RLRQ: return "rlrq";
    case OMP_APDU_RLRE: return "rlre";
    case OMP_APDU_NONE:
    default: return "?";
    }
}

static const char *dar_name(uint8_t dar)
{
    switch (dar) {
    case OMP_DAR_SUCCESS: return "success";
    case OMP_DAR_HARDWARE_FAULT: return "hardware-fault";
    case OMP_DAR_TEMPORARY_FAILURE: return "temporary-failure";
    case OMP_DAR_READ_WRITE_DENIED: return "read-write-denied";
    case OMP_DAR_OBJECT_UNDEFINED: return "object-undefined";
    case OMP_DAR_OBJECT_CLASS_INCONSISTENT: return "object-class-inconsistent";
    case OMP_DAR_OBJECT_UNAVAILABLE: return "object-unavailable";
    case OMP_DAR_TYPE_UNMATCHED: return "type-unmatched";
    case OMP_DAR_SCOPE_OF_ACCESS_VIOLATED: return "scope-of-access-violated";
    case OMP_DAR_DATA_BLOCK_UNAVAILABLE: return "data-block-unavailable";
    case OMP_DAR_LONG_GET_ABORTED: return "long-get-aborted";
    case OMP_DAR_NO_LONG_GET_IN_PROGRESS: return "no-long-get-in-progress";
    case OMP_DAR_LONG_SET_ABORTED: return "long-set-aborted";
    case OMP_DAR_NO_LONG_SET_IN_PROGRESS: return "no-long-set-in-progress";
    case OMP_DAR_DATA_BLOCK_NUMBER_INVALID: return "data-block-number-invalid";
    case OMP_DAR_OTHER_REASON: return "other-reason";
    default: return "?";
    }
}

static const char *cipher_tag_name(uint8_t tag)
{
    switch (tag) {
    case OMP_APDU_TAG_GLO_INITIATE_REQUEST: return "glo-initiate-request";
    case OMP_APDU_TAG_GLO_INITIATE_RESPONSE: return "glo-initiate-response";
    case OMP_APDU_TAG_GLO_GET_REQUEST: return "glo-get-request";
    case OMP_APDU_TAG_GLO_SET_REQUEST: return "glo-set-request";
    case OMP_APDU_TAG_GLO_ACTION_REQUEST: return "glo-action-request";
    case OMP_APDU_TAG_GLO_GET_RESPONSE: return "glo-get-response";
    case OMP_APDU_TAG_GLO_SET_RESPONSE: return "glo-set-response";
    case OMP_APDU_TAG_GLO_ACTION_RESPONSE: return "glo-action-response";
    case OMP_APDU_TAG_DED_GET_REQUEST: return "ded-get-request";
    case OMP_APDU_TAG_DED_SET_REQUEST: return "ded-set-request";
    case OMP_APDU_TAG_DED_ACTION_REQUEST: return "ded-action-request";
    case OMP_APDU_TAG_DED_GET_RESPONSE: return "ded-get-response";
    case OMP_APDU_TAG_DED_SET_RESPONSE: return "ded-set-response";
    case OMP_APDU_TAG_DED_ACTION_RESPONSE: return "ded-action-response";
    case OMP_APDU_TAG_GENERAL_GLO_CIPHERING: return "general-glo-ciphering";
    case OMP_APDU_TAG_GENERAL_DED_CIPHERING: return "general-ded-ciphering";
    default: return NULL;
    }
}

/* ---- small formatters ------------------------------------------------------------------------ */

static void put_field(char *out, size_t cap, unsigned v, unsigned any, int width)
{
    if (v == any || v > 9999u) {
        (void)snprintf(out, cap, "%s", "*");
    } else {
        (void)snprintf(out, cap, "%0*u", width, v);
    }
}

/* "2022-01-24T18:58:50" (+ ".hh" hundredths, + "+01:00" when the deviation is given); wildcards
 * and special values as "*". false if @p raw is not a valid 12-byte COSEM date-time. */
static bool fmt_datetime(const uint8_t *raw, size_t len, char *out, size_t cap)
{
    struct omp_axdr_datetime dt;
    if (len != 12u || omp_axdr_datetime_decode(raw, len, &dt) != OMP_OK) {
        return false;
    }
    char y[8], mo[8], d[8], h[8], mi[8], se[8];
    put_field(y, sizeof y, dt.date.year, OMP_AXDR_YEAR_ANY, 4);
    put_field(mo, sizeof mo, dt.date.month > 12u ? OMP_AXDR_ANY : dt.date.month, OMP_AXDR_ANY, 2);
    put_field(d, sizeof d, dt.date.day > 31u ? OMP_AXDR_ANY : dt.date.day, OMP_AXDR_ANY, 2);
    put_field(h, sizeof h, dt.time.hour, OMP_AXDR_ANY, 2);
    put_field(mi, sizeof mi, dt.time.minute, OMP_AXDR_ANY, 2);
    put_field(se, sizeof se, dt.time.second, OMP_AXDR_ANY, 2);
    int n = snprintf(out, cap, "%s-%s-%sT%s:%s:%s", y, mo, d, h, mi, se);
    if (n < 0 || (size_t)n >= cap) {
        return false;
    }
    size_t used = (size_t)n;
    if (dt.time.hundredths != OMP_AXDR_ANY && dt.time.hundredths != 0u) {
        n = snprintf(out + used, cap - used, ".%02u", (unsigned)dt.time.hundredths);
        used += n > 0 ? (size_t)n : 0u;
    }
    if (dt.deviation_min != OMP_AXDR_DEVIATION_ANY && used < cap) {
        int off = -(int)dt.deviation_min; /* UTC = local + deviation */
        unsigned a = (unsigned)(off < 0 ? -off : off);
        (void)snprintf(out + used, cap - used, "%c%02u:%02u", off < 0 ? '-' : '+', a / 60u,
                       a % 60u);
    }
    return true;
}

static void put_obis_str(const uint8_t *p, char *out, size_t cap)
{
    struct omp_obis o;
    if (omp_obis_from_bytes(p, 6u, &o) != OMP_OK || omp_obis_format_dotted(&o, out, cap) != OMP_OK) {
        (void)snprintf(out, cap, "?");
    }
}

static void sb_double(struct sb *s, double v)
{
    if (!isfinite(v)) {
        sb_puts(s, "null");
    } else {
        sb_printf(s, "%.15g", v);
    }
}

static bool printable(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x20u || p[i] > 0x7Eu) {
            return false;
        }
    }
    return true;
}

/* ---- A-XDR ----------------------------------------------------------------------------------- */

static void leaf_json(struct sb *s, const struct omp_axdr_elem *e)
{
    sb_printf(s, "{\"type\":\"%s\"", axdr_tag_name(e->tag));
    switch (e->tag) {
    case OMP_AXDR_TAG_NULL_DATA:
    case OMP_AXDR_TAG_DONT_CARE:
        break;
    case OMP_AXDR_TAG_BOOLEAN:
        sb_puts(s, e->v.u != 0u ? ",\"value\":true" : ",\"value\":false");
        break;
    case OMP_AXDR_TAG_DOUBLE_LONG:
    case OMP_AXDR_TAG_INTEGER:
    case OMP_AXDR_TAG_LONG:
    case OMP_AXDR_TAG_LONG64:
        sb_printf(s, ",\"value\":%lld", (long long)e->v.i);
        break;
    case OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED:
    case OMP_AXDR_TAG_UNSIGNED:
    case OMP_AXDR_TAG_LONG_UNSIGNED:
    case OMP_AXDR_TAG_LONG64_UNSIGNED:
    case OMP_AXDR_TAG_ENUM:
    case OMP_AXDR_TAG_BCD:
        sb_printf(s, ",\"value\":%llu", (unsigned long long)e->v.u);
        break;
    case OMP_AXDR_TAG_FLOAT32:
    case OMP_AXDR_TAG_FLOAT64:
        sb_puts(s, ",\"value\":");
        sb_double(s, e->v.f);
        break;
    case OMP_AXDR_TAG_VISIBLE_STRING:
    case OMP_AXDR_TAG_UTF8_STRING:
        sb_puts(s, ",\"value\":");
        sb_json_str(s, (const char *)e->data, e->len);
        break;
    case OMP_AXDR_TAG_BIT_STRING:
        sb_printf(s, ",\"bits\":%zu,\"value\":", e->count);
        sb_json_hex(s, e->data, e->len);
        break;
    case OMP_AXDR_TAG_COMPACT_ARRAY:
        sb_puts(s, ",\"type_description\":");
        sb_json_hex(s, e->type_desc, e->type_desc_len);
        sb_puts(s, ",\"value\":");
        sb_json_hex(s, e->data, e->len);
        break;
    case OMP_AXDR_TAG_OCTET_STRING:
    case OMP_AXDR_TAG_DATE_TIME:
    case OMP_AXDR_TAG_DATE:
    case OMP_AXDR_TAG_TIME:
    default: {
        sb_puts(s, ",\"value\":");
        sb_json_hex(s, e->data, e->len);
        char buf[48];
        if (e->tag == OMP_AXDR_TAG_OCTET_STRING && e->len == 6u) {
            put_obis_str(e->data, buf, sizeof buf);
            sb_printf(s, ",\"obis\":\"%s\"", buf);
        }
        if ((e->tag == OMP_AXDR_TAG_OCTET_STRING || e->tag == OMP_AXDR_TAG_DATE_TIME) &&
            fmt_datetime(e->data, e->len, buf, sizeof buf)) {
            sb_printf(s, ",\"datetime\":\"%s\"", buf);
        }
        break;
    }
    }
    sb_putc(s, '}');
}

/* One Data value at @p rd as JSON; on error @p s is restored and the error returned. */
static omp_err axdr_json(struct sb *s, struct omp_rd *rd)
{
    size_t mark = s->len;
    struct omp_rd start = *rd;
    struct omp_axdr_walker wk;
    omp_axdr_walk_init(&wk);
    for (;;) {
        struct omp_axdr_event ev;
        omp_err err = omp_axdr_walk(&wk, rd, &ev);
        if (err != OMP_OK) {
            s->len = mark;
            s->p[mark] = '\0';
            *rd = start;
            return err;
        }
        if (ev.kind == OMP_AXDR_EV_DONE) {
            return OMP_OK;
        }
        if (ev.kind == OMP_AXDR_EV_END) {
            sb_puts(s, "]}");
            continue;
        }
        if (ev.depth > 0u && ev.index > 0u) {
            sb_putc(s, ',');
        }
        if (ev.elem.tag == OMP_AXDR_TAG_ARRAY || ev.elem.tag == OMP_AXDR_TAG_STRUCTURE) {
            sb_printf(s, "{\"type\":\"%s\",\"items\":[", axdr_tag_name(ev.elem.tag));
        } else {
            leaf_json(s, &ev.elem);
        }
    }
}

/* "key":<Data> for a span that holds one Data value. */
static void span_json(struct sb *s, const char *key, struct omp_apdu_span sp)
{
    sb_key(s, key);
    struct omp_rd rd = omp_rd_init(sp.ptr, sp.len);
    if (axdr_json(s, &rd) != OMP_OK) {
        sb_puts(s, "{\"type\":\"?\",\"hex\":");
        sb_json_hex(s, sp.ptr, sp.len);
        sb_putc(s, '}');
    }
}

/* ---- Kamstrup HAN push values ---------------------------------------------------------------- */

enum q_kind { Q_ENERGY_ACT, Q_ENERGY_REACT, Q_POWER_W, Q_POWER_VAR, Q_CURRENT, Q_VOLTAGE, Q_PF };

struct q_def {
    uint8_t c, d;
    const char *name;
    enum q_kind kind;
};

/* A = 1, any B (Kamstrup: 1), E = 0, F = 255. Scalers/units: HAN spec 5512-2584 as amshan and the
 * Radius reader apply them (see ../shared/vectors/README.md). */
static const struct q_def k_quantities[] = {
    { 1, 8, "A14", Q_ENERGY_ACT },      { 2, 8, "A23", Q_ENERGY_ACT },
    { 3, 8, "R12", Q_ENERGY_REACT },    { 4, 8, "R34", Q_ENERGY_REACT },
    { 21, 8, "A14 L1", Q_ENERGY_ACT },  { 41, 8, "A14 L2", Q_ENERGY_ACT },
    { 61, 8, "A14 L3", Q_ENERGY_ACT },  { 22, 8, "A23 L1", Q_ENERGY_ACT },
    { 42, 8, "A23 L2", Q_ENERGY_ACT },  { 62, 8, "A23 L3", Q_ENERGY_ACT },
    { 1, 7, "P14", Q_POWER_W },         { 2, 7, "P23", Q_POWER_W },
    { 3, 7, "Q12", Q_POWER_VAR },       { 4, 7, "Q34", Q_POWER_VAR },
    { 21, 7, "P14 L1", Q_POWER_W },     { 41, 7, "P14 L2", Q_POWER_W },
    { 61, 7, "P14 L3", Q_POWER_W },     { 22, 7, "P23 L1", Q_POWER_W },
    { 42, 7, "P23 L2", Q_POWER_W },     { 62, 7, "P23 L3", Q_POWER_W },
    { 23, 7, "Q12 L1", Q_POWER_VAR },   { 43, 7, "Q12 L2", Q_POWER_VAR },
    { 63, 7, "Q12 L3", Q_POWER_VAR },   { 24, 7, "Q34 L1", Q_POWER_VAR },
    { 44, 7, "Q34 L2", Q_POWER_VAR },   { 64, 7, "Q34 L3", Q_POWER_VAR },
    { 31, 7, "IL1", Q_CURRENT },        { 51, 7, "IL2", Q_CURRENT },
    { 71, 7, "IL3", Q_CURRENT },        { 32, 7, "UL1", Q_VOLTAGE },
    { 52, 7, "UL2", Q_VOLTAGE },        { 72, 7, "UL3", Q_VOLTAGE },
    { 13, 7, "PF", Q_PF },              { 33, 7, "PF L1", Q_PF },
    { 53, 7, "PF L2", Q_PF },           { 73, 7, "PF L3", Q_PF },
};

static bool obis_is(const uint8_t *o, uint8_t a, uint8_t c, uint8_t d, uint8_t e, uint8_t f)
{
    return o[0] == a && o[2] == c && o[3] == d && o[4] == e && o[5] == f;
}

static const char *special_name(const uint8_t *o)
{
    if (obis_is(o, 0, 1, 0, 0, 255)) {
        return "clock";
    }
    if (obis_is(o, 1, 0, 0, 1, 255)) {
        return "meter number 1";
    }
    if (obis_is(o, 1, 0, 0, 5, 255)) {
        return "GS1 number";
    }
    if (obis_is(o, 1, 96, 1, 1, 255)) {
        return "meter type";
    }
    if (obis_is(o, 1, 96, 1, 0, 255)) {
        return "serial number";
    }
    if (obis_is(o, 1, 0, 2, 129, 255)) {
        return "list version";
    }
    return NULL;
}

static bool elem_is_int(const struct omp_axdr_elem *e, bool *neg, uint64_t *u, int64_t *i)
{
    switch (e->tag) {
    case OMP_AXDR_TAG_DOUBLE_LONG:
    case OMP_AXDR_TAG_INTEGER:
    case OMP_AXDR_TAG_LONG:
    case OMP_AXDR_TAG_LONG64:
        *neg = true;
        *i = e->v.i;
        return true;
    case OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED:
    case OMP_AXDR_TAG_UNSIGNED:
    case OMP_AXDR_TAG_LONG_UNSIGNED:
    case OMP_AXDR_TAG_LONG64_UNSIGNED:
    case OMP_AXDR_TAG_ENUM:
        *neg = false;
        *u = e->v.u;
        return true;
    default:
        return false;
    }
}

/* The raw value of a pushed element: number, string, date-time or hex. */
static void push_raw(struct sb *s, const struct omp_axdr_elem *e)
{
    bool sgn = false;
    uint64_t u = 0;
    int64_t i = 0;
    char buf[48];
    if (elem_is_int(e, &sgn, &u, &i)) {
        if (sgn) {
            sb_printf(s, "%lld", (long long)i);
        } else {
            sb_printf(s, "%llu", (unsigned long long)u);
        }
    } else if (e->tag == OMP_AXDR_TAG_VISIBLE_STRING || e->tag == OMP_AXDR_TAG_UTF8_STRING) {
        sb_json_str(s, (const char *)e->data, e->len);
    } else if ((e->tag == OMP_AXDR_TAG_OCTET_STRING || e->tag == OMP_AXDR_TAG_DATE_TIME) &&
               fmt_datetime(e->data, e->len, buf, sizeof buf)) {
        sb_printf(s, "\"%s\"", buf);
    } else if (e->tag == OMP_AXDR_TAG_NULL_DATA) {
        sb_puts(s, "null");
    } else if (e->tag == OMP_AXDR_TAG_BOOLEAN) {
        sb_puts(s, e->v.u != 0u ? "true" : "false");
    } else if (e->tag == OMP_AXDR_TAG_FLOAT32 || e->tag == OMP_AXDR_TAG_FLOAT64) {
        sb_double(s, e->v.f);
    } else if (e->data != NULL) {
        sb_json_hex(s, e->data, e->len);
    } else {
        sb_printf(s, "\"%s\"", axdr_tag_name(e->tag));
    }
}

struct push_item {
    struct omp_axdr_elem e;
    bool container;
};

/* When @p body is a structure [visible-string list id, (OBIS, value)..., null-data...] append
 * "push":{...} with the list id and the paired values. Walks the structure; no fixed layout. */
static void push_values(struct sb *s, struct omp_apdu_span body)
{
    struct omp_rd rd = omp_rd_init(body.ptr, body.len);
    struct omp_axdr_walker wk;
    omp_axdr_walk_init(&wk);
    struct push_item *items = NULL;
    size_t n = 0, cap = 0;
    bool ok = true;
    for (;;) {
        struct omp_axdr_event ev;
        if (omp_axdr_walk(&wk, &rd, &ev) != OMP_OK) {
            ok = false;
            break;
        }
        if (ev.kind == OMP_AXDR_EV_DONE) {
            break;
        }
        if (ev.kind != OMP_AXDR_EV_ELEM) {
            continue;
        }
        if (ev.depth == 0u) {
            if (ev.elem.tag != OMP_AXDR_TAG_STRUCTURE) {
                ok = false;
                break;
            }
            continue;
        }
        if (ev.depth != 1u) {
            continue;
        }
        if (n == cap) {
            cap = cap == 0u ? 64u : 2u * cap;
            struct push_item *p = realloc(items, cap * sizeof *items);
            if (p == NULL) {
                ok = false;
                break;
            }
            items = p;
        }
        items[n].e = ev.elem;
        items[n].container =
            ev.elem.tag == OMP_AXDR_TAG_ARRAY || ev.elem.tag == OMP_AXDR_TAG_STRUCTURE;
        n++;
    }
    if (!ok || n == 0u || items[0].e.tag != OMP_AXDR_TAG_VISIBLE_STRING) {
        free(items);
        return;
    }
    /* Which Kamstrup list: the Norwegian HAN-NVE lists carry the GS1 number 1.1.0.0.5.255 and
     * their energies in 10 Wh; the Danish list has none and its energies in Wh. CT meters (type
     * 685...) send currents in mA, direct meters in 10 mA. */
    unsigned energy_wh = 1u;
    double current_div = 100.0;
    for (size_t k = 1; k + 1u < n; k++) {
        const struct omp_axdr_elem *o = &items[k].e;
        if (o->tag != OMP_AXDR_TAG_OCTET_STRING || o->len != 6u) {
            continue;
        }
        if (obis_is(o->data, 1, 0, 0, 5, 255)) {
            energy_wh = 10u;
        }
        const struct omp_axdr_elem *v = &items[k + 1u].e;
        if (obis_is(o->data, 1, 96, 1, 1, 255) && v->len >= 3u && v->data != NULL &&
            memcmp(v->data, "685", 3) == 0) {
            current_div = 1000.0;
        }
    }
    sb_key(s, "push");
    sb_puts(s, "{\"list_id\":");
    sb_json_str(s, (const char *)items[0].e.data, items[0].e.len);
    sb_printf(s, ",\"elements\":%zu,\"energy_unit_wh\":%u,\"current_scale\":%g", n, energy_wh,
              1.0 / current_div);
    sb_puts(s, ",\"values\":{");
    size_t pairs = 0, nulls = 0, other = 0;
    bool first = true;
    size_t k = 1;
    while (k < n) {
        const struct omp_axdr_elem *o = &items[k].e;
        if (o->tag == OMP_AXDR_TAG_NULL_DATA) {
            nulls++;
            k++;
            continue;
        }
        if (o->tag != OMP_AXDR_TAG_OCTET_STRING || o->len != 6u || k + 1u >= n ||
            items[k + 1u].container) {
            other++;
            k++;
            continue;
        }
        const struct omp_axdr_elem *v = &items[k + 1u].e;
        char obis[OMP_OBIS_STR_MAX];
        put_obis_str(o->data, obis, sizeof obis);
        if (!first) {
            sb_putc(s, ',');
        }
        first = false;
        sb_printf(s, "\"%s\":{", obis);
        const struct q_def *q = NULL;
        if (o->data[0] == 1u && o->data[4] == 0u && o->data[5] == 255u) {
            for (size_t j = 0; j < sizeof k_quantities / sizeof k_quantities[0]; j++) {
                if (k_quantities[j].c == o->data[2] && k_quantities[j].d == o->data[3]) {
                    q = &k_quantities[j];
                    break;
                }
            }
        }
        const char *name = q != NULL ? q->name : special_name(o->data);
        if (name != NULL) {
            sb_printf(s, "\"name\":\"%s\",", name);
        }
        sb_puts(s, "\"raw\":");
        push_raw(s, v);
        bool sgn = false;
        uint64_t u = 0;
        int64_t i = 0;
        if (q != NULL && elem_is_int(v, &sgn, &u, &i)) {
            double x = sgn ? (double)i : (double)u;
            const char *unit = "";
            switch (q->kind) {
            case Q_ENERGY_ACT:
                x = x * (double)energy_wh / 1000.0;
                unit = "kWh";
                break;
            case Q_ENERGY_REACT:
                x = x * (double)energy_wh / 1000.0;
                unit = "kvarh";
                break;
            case Q_POWER_W:
                unit = "W";
                break;
            case Q_POWER_VAR:
                unit = "var";
                break;
            case Q_CURRENT:
                x = x / current_div;
                unit = "A";
                break;
            case Q_VOLTAGE:
                unit = "V";
                break;
            case Q_PF:
                x = x / 100.0;
                unit = "";
                break;
            default:
                break;
            }
            sb_puts(s, ",\"value\":");
            sb_double(s, x);
            sb_printf(s, ",\"unit\":\"%s\"", unit);
        }
        sb_putc(s, '}');
        pairs++;
        k += 2u;
    }
    sb_printf(s, "},\"pairs\":%zu,\"null_placeholders\":%zu,\"unpaired\":%zu}", pairs, nulls,
              other);
    free(items);
}

/* ---- APDU parts ------------------------------------------------------------------------------ */

static void desc_json(struct sb *s, const char *key, const struct omp_apdu_desc *d,
                      const char *id_name)
{
    char obis[OMP_OBIS_STR_MAX];
    put_obis_str(d->obis, obis, sizeof obis);
    sb_key(s, key);
    sb_printf(s, "{\"class\":%u,\"obis\":\"%s\",\"%s\":%d}", (unsigned)d->class_id, obis, id_name,
              (int)d->id);
}

static void access_json(struct sb *s, const struct omp_apdu_access *a)
{
    if (!a->present) {
        return;
    }
    sb_key(s, "access");
    sb_printf(s, "{\"selector\":%u", (unsigned)a->selector);
    span_json(s, "parameters", a->params);
    sb_putc(s, '}');
}

static void result_json(struct sb *s, const char *key, const struct omp_apdu_result *r)
{
    sb_key(s, key);
    sb_putc(s, '{');
    if (r->is_data) {
        span_json(s, "data", r->data);
    } else {
        sb_printf(s, "\"dar\":%u,\"dar_name\":\"%s\"", (unsigned)r->dar, dar_name(r->dar));
    }
    sb_putc(s, '}');
}

static void block_json(struct sb *s, const struct omp_apdu_block *b)
{
    sb_key(s, "block");
    sb_printf(s, "{\"number\":%lu,\"last\":%s", (unsigned long)b->block_number,
              b->last ? "true" : "false");
    if (!b->is_raw) {
        sb_printf(s, ",\"dar\":%u,\"dar_name\":\"%s\"}", (unsigned)b->dar, dar_name(b->dar));
        return;
    }
    sb_printf(s, ",\"raw_len\":%zu", b->raw.len);
    sb_key(s, "raw");
    sb_json_hex(s, b->raw.ptr, b->raw.len);
    /* A block often holds whole Data values (rows of a profile): show them when it does. */
    struct omp_rd rd = omp_rd_init(b->raw.ptr, b->raw.len);
    size_t mark = s->len;
    sb_key(s, "raw_items");
    sb_putc(s, '[');
    bool ok = b->raw.len > 0u;
    size_t count = 0;
    while (ok && omp_rd_remaining(&rd) > 0u) {
        if (count++ > 0u) {
            sb_putc(s, ',');
        }
        ok = axdr_json(s, &rd) == OMP_OK;
    }
    if (ok) {
        sb_putc(s, ']');
    } else {
        s->len = mark;
        s->p[mark] = '\0';
    }
    sb_putc(s, '}');
}

static void uinfo_json(struct sb *s, const struct omp_apdu_uinfo *u)
{
    if (u->kind == OMP_APDU_UINFO_NONE) {
        return;
    }
    sb_key(s, "user_information");
    sb_putc(s, '{');
    switch (u->kind) {
    case OMP_APDU_UINFO_INITIATE_REQ: {
        const struct omp_apdu_initiate_req *r = &u->u.init_req;
        sb_printf(s, "\"kind\":\"initiate-request\",\"dlms_version\":%u,\"conformance\":\"%06lX\","
                     "\"max_pdu\":%u,\"response_allowed\":%s",
                  (unsigned)r->dlms_version, (unsigned long)r->conformance, (unsigned)r->max_pdu,
                  r->response_allowed ? "true" : "false");
        if (r->has_qos) {
            sb_printf(s, ",\"qos\":%d", (int)r->qos);
        }
        if (r->has_dedicated_key) {
            sb_printf(s, ",\"dedicated_key_len\":%zu", r->dedicated_key.len);
        }
        break;
    }
    case OMP_APDU_UINFO_INITIATE_RSP: {
        const struct omp_apdu_initiate_rsp *r = &u->u.init_rsp;
        sb_printf(s, "\"kind\":\"initiate-response\",\"dlms_version\":%u,\"conformance\":\"%06lX\","
                     "\"max_pdu\":%u,\"vaa_name\":%u",
                  (unsigned)r->dlms_version, (unsigned long)r->conformance, (unsigned)r->max_pdu,
                  (unsigned)r->vaa_name);
        if (r->has_qos) {
            sb_printf(s, ",\"qos\":%d", (int)r->qos);
        }
        break;
    }
    case OMP_APDU_UINFO_CSE:
        sb_printf(s, "\"kind\":\"confirmed-service-error\",\"service\":%u,\"error\":%u,\"value\":%u",
                  (unsigned)u->u.cse.service, (unsigned)u->u.cse.error, (unsigned)u->u.cse.value);
        break;
    case OMP_APDU_UINFO_OTHER:
    case OMP_APDU_UINFO_NONE:
    default:
        sb_puts(s, "\"kind\":\"other\"");
        break;
    }
    sb_key(s, "raw");
    sb_json_hex(s, u->raw.ptr, u->raw.len);
    sb_putc(s, '}');
}

static const char *app_context_name(uint8_t c)
{
    switch (c) {
    case OMP_APP_CONTEXT_LN: return "LN";
    case OMP_APP_CONTEXT_SN: return "SN";
    case OMP_APP_CONTEXT_LN_CIPHER: return "LN-with-ciphering";
    case OMP_APP_CONTEXT_SN_CIPHER: return "SN-with-ciphering";
    default: return "?";
    }
}

static const char *mechanism_name(uint8_t m)
{
    static const char *const k_names[] = { "lowest", "LLS",       "HLS",         "HLS-MD5",
                                           "HLS-SHA1", "HLS-GMAC", "HLS-SHA256", "HLS-ECDSA" };
    return m < sizeof k_names / sizeof k_names[0] ? k_names[m] : "?";
}

static void octets_json(struct sb *s, const char *key, struct omp_apdu_span sp)
{
    sb_key(s, key);
    sb_json_hex(s, sp.ptr, sp.len);
    if (sp.len > 0u && printable(sp.ptr, sp.len)) {
        char k2[64];
        (void)snprintf(k2, sizeof k2, "%s_text", key);
        sb_key(s, k2);
        sb_json_str(s, (const char *)sp.ptr, sp.len);
    }
}

static void assoc_common(struct sb *s, bool has_pv, uint8_t ctx, bool acse_auth, bool has_mech,
                         uint8_t mech, bool has_auth, struct omp_apdu_span auth)
{
    sb_printf(s, ",\"protocol_version\":%s,\"application_context\":\"%s\"",
              has_pv ? "true" : "false", app_context_name(ctx));
    sb_printf(s, ",\"acse_authentication\":%s", acse_auth ? "true" : "false");
    if (has_mech) {
        sb_printf(s, ",\"mechanism\":\"%s\"", mechanism_name(mech));
    }
    if (has_auth) {
        octets_json(s, "authentication_value", auth);
    }
}

static void list_json(struct sb *s, const struct omp_apdu *a)
{
    const struct omp_apdu_list *l = NULL;
    switch (a->kind) {
    case OMP_APDU_GET_REQ_LIST: l = &a->u.get_req.list; break;
    case OMP_APDU_GET_RSP_LIST: l = &a->u.get_rsp.list; break;
    case OMP_APDU_SET_REQ_LIST: l = &a->u.set_req.list; break;
    case OMP_APDU_SET_RSP_LIST: l = &a->u.set_rsp.list; break;
    default: return;
    }
    sb_key(s, "list");
    sb_putc(s, '[');
    struct omp_rd it = omp_rd_init(l->items.ptr, l->items.len);
    struct omp_rd vals = { NULL, 0, 0 };
    if (a->kind == OMP_APDU_SET_REQ_LIST) {
        vals = omp_rd_init(a->u.set_req.values.items.ptr, a->u.set_req.values.items.len);
    }
    for (size_t i = 0; i < l->count; i++) {
        if (i > 0u) {
            sb_putc(s, ',');
        }
        sb_putc(s, '{');
        omp_err err = OMP_OK;
        if (a->kind == OMP_APDU_GET_REQ_LIST || a->kind == OMP_APDU_SET_REQ_LIST) {
            struct omp_apdu_desc d;
            struct omp_apdu_access acc;
            err = omp_apdu_list_next_desc(&it, &d, &acc);
            if (err == OMP_OK) {
                desc_json(s, "attribute", &d, "attribute");
                access_json(s, &acc);
            }
            struct omp_apdu_span v;
            if (err == OMP_OK && a->kind == OMP_APDU_SET_REQ_LIST &&
                omp_apdu_list_next_data(&vals, &v) == OMP_OK) {
                span_json(s, "value", v);
            }
        } else if (a->kind == OMP_APDU_GET_RSP_LIST) {
            struct omp_apdu_result r;
            err = omp_apdu_list_next_result(&it, &r);
            if (err == OMP_OK) {
                sb_puts(s, "\"is_data\":");
                sb_puts(s, r.is_data ? "true" : "false");
                result_json(s, "result", &r);
            }
        } else {
            uint8_t dar = 0;
            err = omp_apdu_list_next_dar(&it, &dar);
            if (err == OMP_OK) {
                sb_printf(s, "\"dar\":%u,\"dar_name\":\"%s\"", (unsigned)dar, dar_name(dar));
            }
        }
        if (err != OMP_OK) {
            sb_printf(s, "\"error\":\"%s\"", omp_strerror(err));
        }
        sb_putc(s, '}');
        if (err != OMP_OK) {
            break;
        }
    }
    sb_putc(s, ']');
}

static void invoke_json(struct sb *s, uint8_t inv)
{
    sb_printf(s, ",\"invoke_id\":%u,\"confirmed\":%s,\"priority_high\":%s",
              (unsigned)(inv & OMP_APDU_INVOKE_ID_MASK),
              (inv & OMP_APDU_INVOKE_CONFIRMED) != 0u ? "true" : "false",
              (inv & OMP_APDU_INVOKE_PRIORITY_HIGH) != 0u ? "true" : "false");
}

static void apdu_body_json(struct sb *s, const struct omp_apdu *a)
{
    sb_printf(s, "\"kind\":\"%s\"", kind_name(a->kind));
    switch (a->kind) {
    case OMP_APDU_GET_REQ_NORMAL:
        invoke_json(s, a->invoke);
        desc_json(s, "attribute", &a->u.get_req.desc, "attribute");
        access_json(s, &a->u.get_req.access);
        break;
    case OMP_APDU_GET_REQ_NEXT:
        invoke_json(s, a->invoke);
        sb_printf(s, ",\"block_number\":%lu", (unsigned long)a->u.get_req.block_number);
        break;
    case OMP_APDU_GET_RSP_NORMAL:
        invoke_json(s, a->invoke);
        result_json(s, "result", &a->u.get_rsp.result);
        break;
    case OMP_APDU_GET_RSP_BLOCK:
        invoke_json(s, a->invoke);
        block_json(s, &a->u.get_rsp.block);
        break;
    case OMP_APDU_SET_REQ_NORMAL:
        invoke_json(s, a->invoke);
        desc_json(s, "attribute", &a->u.set_req.desc, "attribute");
        access_json(s, &a->u.set_req.access);
        span_json(s, "value", a->u.set_req.value);
        break;
    case OMP_APDU_SET_REQ_FIRST_BLOCK:
        invoke_json(s, a->invoke);
        desc_json(s, "attribute", &a->u.set_req.desc, "attribute");
        access_json(s, &a->u.set_req.access);
        block_json(s, &a->u.set_req.block);
        break;
    case OMP_APDU_SET_REQ_BLOCK:
        invoke_json(s, a->invoke);
        block_json(s, &a->u.set_req.block);
        break;
    case OMP_APDU_GET_REQ_LIST:
    case OMP_APDU_GET_RSP_LIST:
    case OMP_APDU_SET_REQ_LIST:
    case OMP_APDU_SET_RSP_LIST:
        invoke_json(s, a->invoke);
        list_json(s, a);
        break;
    case OMP_APDU_SET_RSP_NORMAL:
        invoke_json(s, a->invoke);
        sb_printf(s, ",\"dar\":%u,\"dar_name\":\"%s\"", (unsigned)a->u.set_rsp.dar,
                  dar_name(a->u.set_rsp.dar));
        break;
    case OMP_APDU_SET_RSP_BLOCK:
        invoke_json(s, a->invoke);
        sb_printf(s, ",\"block_number\":%lu", (unsigned long)a->u.set_rsp.block_number);
        break;
    case OMP_APDU_SET_RSP_LAST_BLOCK:
        invoke_json(s, a->invoke);
        sb_printf(s, ",\"dar\":%u,\"dar_name\":\"%s\",\"block_number\":%lu",
                  (unsigned)a->u.set_rsp.dar, dar_name(a->u.set_rsp.dar),
                  (unsigned long)a->u.set_rsp.block_number);
        break;
    case OMP_APDU_ACTION_REQ_NORMAL:
        invoke_json(s, a->invoke);
        desc_json(s, "method", &a->u.action_req.desc, "method");
        if (a->u.action_req.has_params) {
            span_json(s, "parameters", a->u.action_req.params);
        }
        break;
    case OMP_APDU_ACTION_REQ_NEXT:
        invoke_json(s, a->invoke);
        sb_printf(s, ",\"block_number\":%lu", (unsigned long)a->u.action_req.block_number);
        break;
    case OMP_APDU_ACTION_RSP_NORMAL:
        invoke_json(s, a->invoke);
        sb_printf(s, ",\"action_result\":%u", (unsigned)a->u.action_rsp.result);
        if (a->u.action_rsp.has_return) {
            result_json(s, "return", &a->u.action_rsp.ret);
        }
        break;
    case OMP_APDU_EXCEPTION:
        sb_printf(s, ",\"state_error\":%u,\"service_error\":%u",
                  (unsigned)a->u.exception.state_error, (unsigned)a->u.exception.service_error);
        if (a->u.exception.service_error == OMP_SERVICE_ERROR_INVOCATION_COUNTER_ERROR) {
            sb_printf(s, ",\"invocation_counter\":%lu",
                      (unsigned long)a->u.exception.invocation_counter);
        }
        break;
    case OMP_APDU_CONFIRMED_SERVICE_ERROR:
        sb_printf(s, ",\"service\":%u,\"error\":%u,\"value\":%u", (unsigned)a->u.cse.service,
                  (unsigned)a->u.cse.error, (unsigned)a->u.cse.value);
        break;
    case OMP_APDU_DATA_NOTIFICATION: {
        uint32_t li = a->u.notify.long_invoke;
        sb_printf(s, ",\"invoke_id\":%lu,\"long_invoke_id_and_priority\":\"%08lX\"",
                  (unsigned long)(li & 0x00FFFFFFu), (unsigned long)li);
        if (a->u.notify.has_time) {
            char buf[48];
            if (fmt_datetime(a->u.notify.time.ptr, a->u.notify.time.len, buf, sizeof buf)) {
                sb_printf(s, ",\"datetime\":\"%s\"", buf);
            }
            sb_key(s, "datetime_raw");
            sb_json_hex(s, a->u.notify.time.ptr, a->u.notify.time.len);
        }
        span_json(s, "data", a->u.notify.body);
        push_values(s, a->u.notify.body);
        break;
    }
    case OMP_APDU_AARQ: {
        const struct omp_apdu_aarq *q = &a->u.aarq;
        assoc_common(s, q->has_protocol_version, q->app_context, q->acse_auth, q->has_mechanism,
                     q->mechanism, q->has_auth_value, q->auth_value);
        if (q->has_called_ap_title) {
            octets_json(s, "called_ap_title", q->called_ap_title);
        }
        if (q->has_calling_ap_title) {
            octets_json(s, "calling_ap_title", q->calling_ap_title);
        }
        uinfo_json(s, &q->user_info);
        break;
    }
    case OMP_APDU_AARE: {
        const struct omp_apdu_aare *r = &a->u.aare;
        static const char *const k_res[] = { "accepted", "rejected-permanent",
                                             "rejected-transient" };
        sb_printf(s, ",\"result\":\"%s\",\"result_code\":%u,\"diagnostic_source\":\"%s\","
                     "\"diagnostic\":%u",
                  r->result < 3u ? k_res[r->result] : "?", (unsigned)r->result,
                  r->diag_source == OMP_ASSOC_DIAG_SERVICE_PROVIDER ? "acse-service-provider"
                                                                    : "acse-service-user",
                  (unsigned)r->diag);
        assoc_common(s, r->has_protocol_version, r->app_context, r->acse_auth, r->has_mechanism,
                     r->mechanism, r->has_auth_value, r->auth_value);
        if (r->has_responding_ap_title) {
            octets_json(s, "responding_ap_title", r->responding_ap_title);
        }
        uinfo_json(s, &r->user_info);
        break;
    }
    case OMP_APDU_RLRQ:
    case OMP_APDU_RLRE: {
        const struct omp_apdu_release *r = a->kind == OMP_APDU_RLRQ ? &a->u.rlrq : &a->u.rlre;
        if (r->has_reason) {
            sb_printf(s, ",\"reason\":%u", (unsigned)r->reason);
        }
        uinfo_json(s, &r->user_info);
        break;
    }
    case OMP_APDU_NONE:
    default:
        break;
    }
    if (a->noncanonical) {
        sb_puts(s, ",\"noncanonical\":true");
    }
}

/* ---- ciphered APDUs -------------------------------------------------------------------------- */

static bool dec_ciphered(struct dec_ctx *c, struct sb *s, const uint8_t *p, size_t len,
                         size_t offset, size_t *used, unsigned depth);

static bool dec_apdu_depth(struct dec_ctx *c, struct sb *s, const uint8_t *p, size_t len,
                           size_t offset, size_t *used, unsigned depth)
{
    *used = 0;
    if (len == 0u) {
        sb_key(s, "error");
        sb_puts(s, "\"empty APDU\"");
        dec_error(c, offset, "empty APDU");
        return false;
    }
    if (cipher_tag_name(p[0]) != NULL) {
        return dec_ciphered(c, s, p, len, offset, used, depth);
    }
    (void)depth;
    struct omp_rd rd = omp_rd_init(p, len);
    struct omp_apdu a;
    omp_err err = omp_apdu_decode(&rd, &a);
    if (err != OMP_OK) {
        sb_key(s, "apdu");
        sb_printf(s, "{\"tag\":\"%02X\",\"error\":\"%s\",\"hex\":", (unsigned)p[0],
                  omp_strerror(err));
        sb_json_hex(s, p, len);
        sb_putc(s, '}');
        dec_error(c, offset, "APDU (tag 0x%02X): %s (%s)", (unsigned)p[0], omp_strerror(err),
                  omp_err_name(err));
        return false;
    }
    sb_key(s, "apdu");
    sb_putc(s, '{');
    apdu_body_json(s, &a);
    sb_putc(s, '}');
    *used = omp_rd_pos(&rd);
    return true;
}

static bool dec_ciphered(struct dec_ctx *c, struct sb *s, const uint8_t *p, size_t len,
                         size_t offset, size_t *used, unsigned depth)
{
    struct omp_rd rd = omp_rd_init(p, len);
    struct omp_apdu_ciphered env;
    omp_err err = omp_apdu_cipher_decode(&rd, &env);
    if (err != OMP_OK) {
        sb_key(s, "cipher");
        sb_printf(s, "{\"tag\":\"%02X\",\"kind\":\"%s\",\"error\":\"%s\"}", (unsigned)p[0],
                  cipher_tag_name(p[0]), omp_strerror(err));
        dec_error(c, offset, "ciphered APDU (tag 0x%02X): %s (%s)", (unsigned)p[0],
                  omp_strerror(err), omp_err_name(err));
        return false;
    }
    *used = omp_rd_pos(&rd);
    sb_key(s, "cipher");
    sb_printf(s, "{\"tag\":\"%02X\",\"kind\":\"%s\"", (unsigned)env.tag, cipher_tag_name(env.tag));
    if (env.has_system_title) {
        sb_key(s, "system_title");
        sb_json_hex(s, env.system_title, 8u);
        if (printable(env.system_title, 3u)) {
            sb_key(s, "manufacturer");
            sb_json_str(s, (const char *)env.system_title, 3u);
        }
    }
    sb_printf(s, ",\"sc\":\"%02X\",\"suite\":%u,\"authenticated\":%s,\"encrypted\":%s,"
                 "\"broadcast\":%s,\"ic\":%lu,\"payload_len\":%zu",
              (unsigned)env.sc, (unsigned)(env.sc & OMP_SC_SUITE_MASK),
              (env.sc & OMP_SC_AUTH) != 0u ? "true" : "false",
              (env.sc & OMP_SC_ENC) != 0u ? "true" : "false",
              (env.sc & OMP_SC_BROADCAST) != 0u ? "true" : "false", (unsigned long)env.ic,
              env.payload_len);
    if (env.auth_tag != NULL) {
        sb_key(s, "auth_tag");
        sb_json_hex(s, env.auth_tag, OMP_APDU_GCM_TAG_LEN);
    }
    sb_putc(s, '}');

    const uint8_t *st = env.has_system_title ? env.system_title : (c->have_st ? c->st : NULL);
    const char *why = NULL;
    if (c->port == NULL) {
        why = "no --key given";
    } else if (st == NULL) {
        why = "no system title in the APDU: give --system-title";
    } else if ((env.sc & OMP_SC_AUTH) != 0u && !c->have_ak) {
        why = "authenticated APDU: give --auth-key";
    } else if (depth > 1u) {
        why = "ciphered APDU inside a ciphered APDU";
    }
    if (why != NULL) {
        sb_puts(s, ",\"ciphered\":true");
        sb_key(s, "note");
        sb_json_str(s, why, strlen(why));
        if (c->port != NULL) { /* --key asked for the plaintext: say why there is none */
            dec_error(c, offset, "ciphered APDU (tag 0x%02X) not deciphered: %s",
                      (unsigned)env.tag, why);
            return false;
        }
        return true;
    }
    uint8_t *plain = malloc(PLAIN_MAX);
    if (plain == NULL) {
        dec_error(c, offset, "out of memory");
        return false;
    }
    size_t plen = 0;
    err = omp_apdu_cipher_open(&env, st, omp_posix_aead_gcm, c->port, OMP_KEY_GUEK,
                               c->have_ak ? (uint8_t)OMP_KEY_GAK : (uint8_t)OMP_KEY_NONE, plain,
                               PLAIN_MAX, &plen);
    if (err != OMP_OK) {
        sb_puts(s, ",\"ciphered\":true");
        sb_key(s, "error");
        sb_printf(s, "\"deciphering failed: %s\"", omp_strerror(err));
        dec_error(c, offset, "deciphering failed: %s (%s)%s", omp_strerror(err),
                  omp_err_name(err), err == OMP_ERR_AUTH ? ": wrong key or corrupted APDU" : "");
        free(plain);
        return false;
    }
    sb_puts(s, ",\"ciphered\":false");
    size_t pused = 0;
    bool ok = dec_apdu_depth(c, s, plain, plen, offset, &pused, depth + 1u);
    if (ok && pused != plen) {
        dec_error(c, offset, "%zu bytes after the deciphered APDU", plen - pused);
        ok = false;
    }
    free(plain);
    return ok;
}

bool dec_apdu(struct dec_ctx *c, struct sb *s, const uint8_t *p, size_t len, size_t offset,
              size_t *used)
{
    return dec_apdu_depth(c, s, p, len, offset, used, 1u);
}

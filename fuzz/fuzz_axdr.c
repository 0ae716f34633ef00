/*
 * A-XDR data (untrusted bytes from a meter or a head-end): walk the input element by element to
 * its end or an error. Checks:
 * - a failed step returns a documented code and leaves the reader, the walker and the event
 *   untouched; omp_axdr_skip fails with the same code (except OMP_ERR_DEPTH, which skip does not
 *   have) and also leaves the reader untouched;
 * - a completed top-level element: skip ends at the same position;
 * - every element re-encodes with omp_axdr_put_elem to exactly the bytes it was decoded from,
 *   except where the input was not canonical, which is allowed explicitly: a non-minimal length
 *   form (the re-encoding is then shorter and decodes to the same element), a boolean byte other
 *   than 00/01, a float NaN;
 * - date-time/date/time (and 12-byte octet-strings) that decode re-encode to the same bytes, and a
 *   convertible date-time survives to_time -> from_time -> to_time; 6-byte octet-strings as OBIS
 *   codes survive format -> parse in both notations.
 */
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "omnipower/axdr.h"

static bool known_error(omp_err err)
{
    return err == OMP_ERR_TRUNCATED || err == OMP_ERR_MALFORMED || err == OMP_ERR_DEPTH;
}

static bool same_elem(const struct omp_axdr_elem *a, const struct omp_axdr_elem *b)
{
    if (a->tag != b->tag || a->count != b->count || a->len != b->len ||
        a->type_desc_len != b->type_desc_len) {
        return false;
    }
    if (a->len > 0u && memcmp(a->data, b->data, a->len) != 0) {
        return false;
    }
    return a->type_desc_len == 0u || memcmp(a->type_desc, b->type_desc, a->type_desc_len) == 0;
}

static void check_reencode(const struct omp_axdr_elem *e, const uint8_t *src, size_t n)
{
    static uint8_t out[1u << 16];
    if (n + 8u > sizeof out) {
        return;
    }
    struct omp_wr w = omp_wr_init(out, sizeof out);
    OMP_FUZZ_CHECK(omp_axdr_put_elem(&w, e) == OMP_OK);
    const size_t m = omp_wr_len(&w);
    if (m == n && memcmp(out, src, n) == 0) {
        return;
    }
    /* not canonical in the input: only these are allowed */
    if (e->tag == OMP_AXDR_TAG_BOOLEAN) {
        OMP_FUZZ_CHECK(e->v.u > 1u && m == 2u && out[1] == 1u);
        return;
    }
    if (e->tag == OMP_AXDR_TAG_FLOAT32 || e->tag == OMP_AXDR_TAG_FLOAT64) {
        OMP_FUZZ_CHECK(isnan(e->v.f) && m == n);
        return;
    }
    OMP_FUZZ_CHECK(m < n); /* a shorter (minimal) length form */
    struct omp_rd rd = omp_rd_init(out, m);
    struct omp_axdr_elem again;
    if (e->tag == OMP_AXDR_TAG_ARRAY || e->tag == OMP_AXDR_TAG_STRUCTURE) {
        /* the header alone: count plausibility needs the children, so compare the count only */
        size_t count = 0;
        OMP_FUZZ_CHECK(omp_rd_skip(&rd, 1u) == OMP_OK && omp_rd_berlen(&rd, &count) == OMP_OK);
        OMP_FUZZ_CHECK(count == e->count && omp_rd_remaining(&rd) == 0u && out[0] == e->tag);
        return;
    }
    OMP_FUZZ_CHECK(omp_axdr_next(&rd, &again) == OMP_OK && omp_rd_remaining(&rd) == 0u);
    OMP_FUZZ_CHECK(same_elem(e, &again));
}

static void check_datetime(const uint8_t *p, size_t n)
{
    struct omp_axdr_datetime dt;
    if (omp_axdr_datetime_decode(p, n, &dt) != OMP_OK) {
        return;
    }
    uint8_t raw[12];
    OMP_FUZZ_CHECK(omp_axdr_datetime_encode(&dt, raw) == OMP_OK && memcmp(raw, p, 12) == 0);
    omp_time_s t = 0;
    if (omp_axdr_datetime_to_time(&dt, &t) == OMP_OK) {
        struct omp_axdr_datetime back;
        omp_time_s t2 = 0;
        OMP_FUZZ_CHECK(omp_axdr_datetime_from_time(t, dt.deviation_min, dt.status, &back) ==
                       OMP_OK);
        OMP_FUZZ_CHECK(omp_axdr_datetime_to_time(&back, &t2) == OMP_OK && t2 == t);
        OMP_FUZZ_CHECK(back.date.year == dt.date.year && back.date.month == dt.date.month &&
                       back.date.day == dt.date.day && back.time.hour == dt.time.hour &&
                       back.time.minute == dt.time.minute && back.time.second == dt.time.second);
    }
}

static void check_leaf(const struct omp_axdr_elem *e)
{
    if (e->tag == OMP_AXDR_TAG_DATE_TIME ||
        (e->tag == OMP_AXDR_TAG_OCTET_STRING && e->len == 12u)) {
        check_datetime(e->data, e->len);
    } else if (e->tag == OMP_AXDR_TAG_DATE) {
        struct omp_axdr_date d;
        uint8_t raw[5];
        if (omp_axdr_date_decode(e->data, e->len, &d) == OMP_OK) {
            OMP_FUZZ_CHECK(omp_axdr_date_encode(&d, raw) == OMP_OK && memcmp(raw, e->data, 5) == 0);
        }
    } else if (e->tag == OMP_AXDR_TAG_TIME) {
        struct omp_axdr_time t;
        uint8_t raw[4];
        if (omp_axdr_time_decode(e->data, e->len, &t) == OMP_OK) {
            OMP_FUZZ_CHECK(omp_axdr_time_encode(&t, raw) == OMP_OK && memcmp(raw, e->data, 4) == 0);
        }
    } else if (e->tag == OMP_AXDR_TAG_OCTET_STRING && e->len == 6u) {
        struct omp_obis o, p;
        char s[OMP_OBIS_STR_MAX];
        OMP_FUZZ_CHECK(omp_obis_from_bytes(e->data, e->len, &o) == OMP_OK);
        OMP_FUZZ_CHECK(omp_obis_format(&o, s, sizeof s) == OMP_OK);
        OMP_FUZZ_CHECK(omp_obis_parse(s, strlen(s), &p) == OMP_OK && omp_obis_cmp(&o, &p) == 0);
        OMP_FUZZ_CHECK(omp_obis_format_dotted(&o, s, sizeof s) == OMP_OK);
        OMP_FUZZ_CHECK(omp_obis_parse(s, strlen(s), &p) == OMP_OK && omp_obis_cmp(&o, &p) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct omp_rd rd = omp_rd_init(data, size);
    static struct omp_axdr_walker wk;
    while (omp_rd_remaining(&rd) > 0u) {
        const size_t start = omp_rd_pos(&rd);
        struct omp_rd skipped = rd;
        const omp_err skip_err = omp_axdr_skip(&skipped);
        if (skip_err != OMP_OK) {
            OMP_FUZZ_CHECK(known_error(skip_err) && skip_err != OMP_ERR_DEPTH);
            OMP_FUZZ_CHECK(omp_rd_pos(&skipped) == start);
        }
        omp_axdr_walk_init(&wk);
        for (;;) {
            static struct omp_axdr_walker wk0;
            struct omp_axdr_event ev, ev0;
            memset(&ev0, 0x5A, sizeof ev0);
            ev = ev0;
            wk0 = wk;
            const size_t pos = omp_rd_pos(&rd);
            const omp_err err = omp_axdr_walk(&wk, &rd, &ev);
            if (err != OMP_OK) {
                OMP_FUZZ_CHECK(known_error(err));
                OMP_FUZZ_CHECK(omp_rd_pos(&rd) == pos);
                OMP_FUZZ_CHECK(memcmp(&wk, &wk0, sizeof wk) == 0);
                OMP_FUZZ_CHECK(memcmp(&ev, &ev0, sizeof ev) == 0);
                if (err != OMP_ERR_DEPTH) {
                    OMP_FUZZ_CHECK(skip_err == err);
                }
                return 0;
            }
            if (ev.kind == OMP_AXDR_EV_DONE) {
                OMP_FUZZ_CHECK(omp_rd_pos(&rd) == pos);
                break;
            }
            if (ev.kind == OMP_AXDR_EV_ELEM) {
                OMP_FUZZ_CHECK(ev.pos == pos && ev.depth <= OMP_CONFIG_AXDR_DEPTH);
                check_reencode(&ev.elem, data + pos, omp_rd_pos(&rd) - pos);
                check_leaf(&ev.elem);
            } else {
                OMP_FUZZ_CHECK(omp_rd_pos(&rd) == pos); /* END reads nothing */
            }
        }
        OMP_FUZZ_CHECK(skip_err == OMP_OK && omp_rd_pos(&skipped) == omp_rd_pos(&rd));
        OMP_FUZZ_CHECK(omp_rd_pos(&rd) > start);
    }
    return 0;
}

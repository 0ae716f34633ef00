/*
 * IEC 62056-21 messages and data sets: bytes from the optical port. Input: one byte choosing the
 * framer's chunk size and buffer, then the bytes. Checks:
 * - omp_iec21_parse: a rejected input (TRUNCATED, MALFORMED) leaves msg and used untouched; an
 *   accepted one (or a BCC mismatch) has raw == the bytes used, every span inside them; every
 *   accepted message re-encodes with the omp_iec21_put_* writers to exactly its bytes (the
 *   identification without the trailing spaces it does not include) and its last byte cut off
 *   gives TRUNCATED;
 * - the stream framer, fed the bytes in chunks (with ta jumps): always makes progress, consumes
 *   no more than it gets, and each message it delivers is the last raw.len bytes it consumed and
 *   re-parses identically;
 * - the data-set iterator over the bytes: spans inside the data within the clause 6.5 limits, the
 *   groups in order, each '(' at its offset; an error leaves ds untouched; every group written
 *   back with omp_iec21_put_dataset() iterates back to the same address, value and unit.
 */
#include <string.h>

#include "fuzz.h"
#include "omnipower/iec62056_21.h"

static bool span_in(struct omp_iec21_span s, const uint8_t *base, size_t len)
{
    if (s.len == 0) {
        return true;
    }
    return s.ptr != NULL && s.ptr >= base && (size_t)(s.ptr - base) <= len &&
           s.len <= len - (size_t)(s.ptr - base);
}

static bool span_eq(struct omp_iec21_span a, struct omp_iec21_span b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static void check_reencode(const struct omp_iec21_msg *m)
{
    uint8_t out[1024];
    struct omp_wr w = omp_wr_init(out, sizeof out);
    omp_err err = OMP_OK;
    const uint8_t *raw = m->raw.ptr;
    const size_t n = m->raw.len;
    switch (m->kind) {
    case OMP_IEC21_MSG_REQUEST:
        err = omp_iec21_put_request(&w, (const char *)m->address.ptr, m->address.len);
        break;
    case OMP_IEC21_MSG_IDENT:
        if (m->has_enhanced) {
            return; /* the writer has no enhanced identification */
        }
        err =
            omp_iec21_put_ident(&w, m->mfr, m->baud_char, (const char *)m->ident.ptr, m->ident.len);
        OMP_FUZZ_CHECK(err == OMP_OK);
        /* the same bytes up to the identification's end, then CR LF */
        OMP_FUZZ_CHECK(omp_wr_len(&w) == 5u + m->ident.len + 2u && omp_wr_len(&w) <= n);
        OMP_FUZZ_CHECK(memcmp(out, raw, 5u + m->ident.len) == 0);
        OMP_FUZZ_CHECK(out[5u + m->ident.len] == '\r' && out[6u + m->ident.len] == '\n');
        return;
    case OMP_IEC21_MSG_OPTION:
        err = omp_iec21_put_option(&w, m->v, m->z, m->y);
        break;
    case OMP_IEC21_MSG_COMMAND:
        if (n > sizeof out) {
            return;
        }
        err = omp_iec21_put_command(&w, m->cmd, m->cmd_type, m->has_data, m->data.ptr, m->data.len);
        break;
    case OMP_IEC21_MSG_DATA:
    case OMP_IEC21_MSG_PARTIAL:
        if (n > sizeof out) {
            return;
        }
        err = omp_iec21_put_data(&w, m->data.ptr, m->data.len, m->kind == OMP_IEC21_MSG_PARTIAL);
        break;
    case OMP_IEC21_MSG_ACK:
    case OMP_IEC21_MSG_NAK:
        OMP_FUZZ_CHECK(n == 1u);
        return;
    default:
        OMP_FUZZ_CHECK(false);
        return;
    }
    OMP_FUZZ_CHECK(err == OMP_OK);
    OMP_FUZZ_CHECK(omp_wr_len(&w) == n && memcmp(out, raw, n) == 0);
}

static void check_parse(const uint8_t *data, size_t size)
{
    struct omp_iec21_msg m, sentinel;
    memset(&sentinel, 0x5A, sizeof sentinel);
    memcpy(&m, &sentinel, sizeof m);
    size_t used = 777;
    omp_err err = omp_iec21_parse(data, size, &m, &used);
    if (err != OMP_OK && err != OMP_ERR_CRC) {
        OMP_FUZZ_CHECK(err == OMP_ERR_TRUNCATED || err == OMP_ERR_MALFORMED);
        OMP_FUZZ_CHECK(used == 777 && memcmp(&m, &sentinel, sizeof m) == 0);
        return;
    }
    OMP_FUZZ_CHECK(used >= 1u && used <= size);
    OMP_FUZZ_CHECK(m.raw.ptr == data && m.raw.len == used);
    OMP_FUZZ_CHECK(span_in(m.address, data, used) && span_in(m.ident, data, used) &&
                   span_in(m.data, data, used));
    OMP_FUZZ_CHECK(m.address.len <= OMP_IEC21_ADDRESS_MAX);
    OMP_FUZZ_CHECK(m.kind != OMP_IEC21_MSG_IDENT ||
                   (m.ident.len >= 1u && m.ident.len <= OMP_IEC21_IDENT_MAX));
    if (err == OMP_ERR_CRC) {
        OMP_FUZZ_CHECK(m.kind == OMP_IEC21_MSG_COMMAND || m.kind == OMP_IEC21_MSG_DATA ||
                       m.kind == OMP_IEC21_MSG_PARTIAL);
        return;
    }
    check_reencode(&m);
    if (used > 1u) {
        struct omp_iec21_msg t;
        size_t u = 0;
        OMP_FUZZ_CHECK(omp_iec21_parse(data, used - 1u, &t, &u) == OMP_ERR_TRUNCATED);
    }
}

static void check_framer(const uint8_t *data, size_t size, uint8_t sel)
{
    static uint8_t buf[1024];
    const size_t chunk = (size_t)(sel % 29u) + 1u;
    const size_t cap = (sel & 0x80u) ? 8u + (size_t)(sel % 64u) : sizeof buf;
    struct omp_iec21_rx rx;
    omp_iec21_rx_init(&rx, buf, cap, 1500);
    uint64_t now = 0;
    size_t off = 0; /* bytes consumed so far */
    size_t guard = 0;
    while (off < size) {
        size_t n = (size - off < chunk) ? size - off : chunk;
        now += (data[off] & 0x40u) ? 2000u : 10u; /* sometimes more than ta between chunks */
        const size_t end = off + n;
        while (off < end) {
            OMP_FUZZ_CHECK(++guard < 4u * size + 16u);
            size_t used = 9999;
            struct omp_iec21_msg m;
            omp_err err = omp_iec21_rx_feed(&rx, now, data + off, end - off, &used, &m);
            OMP_FUZZ_CHECK(used <= end - off);
            off += used;
            OMP_FUZZ_CHECK(rx.have <= rx.cap);
            if (err == OMP_ERR_TRUNCATED) {
                OMP_FUZZ_CHECK(off == end);
                break;
            }
            if (err != OMP_OK) {
                OMP_FUZZ_CHECK(err == OMP_ERR_CRC || err == OMP_ERR_MALFORMED ||
                               err == OMP_ERR_NOSPACE);
                continue;
            }
            /* the message is the last bytes consumed, and parses the same on its own */
            OMP_FUZZ_CHECK(m.raw.ptr == buf && m.raw.len >= 1u && m.raw.len <= off);
            OMP_FUZZ_CHECK(memcmp(m.raw.ptr, data + off - m.raw.len, m.raw.len) == 0);
            struct omp_iec21_msg again;
            size_t u2 = 0;
            OMP_FUZZ_CHECK(omp_iec21_parse(m.raw.ptr, m.raw.len, &again, &u2) == OMP_OK);
            OMP_FUZZ_CHECK(u2 == m.raw.len && again.kind == m.kind);
            OMP_FUZZ_CHECK(span_eq(again.data, m.data) && span_eq(again.ident, m.ident) &&
                           span_eq(again.address, m.address));
        }
    }
}

/* NUL-terminated copy of a span (fields are at most 128 characters). */
static const char *cstr(char *dst, struct omp_iec21_span s)
{
    memcpy(dst, s.ptr, s.len);
    dst[s.len] = '\0';
    return dst;
}

static void check_ds(const uint8_t *data, size_t size)
{
    struct omp_iec21_ds_iter it;
    omp_iec21_ds_init(&it, data, size);
    size_t last_offset = 0;
    bool first = true;
    for (size_t i = 0; i <= size + 1u; i++) {
        struct omp_iec21_dataset d, sentinel;
        memset(&sentinel, 0x5A, sizeof sentinel);
        memcpy(&d, &sentinel, sizeof d);
        const size_t pos_before = it.pos;
        omp_err err = omp_iec21_ds_next(&it, &d);
        OMP_FUZZ_CHECK(it.pos <= size);
        if (err != OMP_OK) {
            OMP_FUZZ_CHECK(err == OMP_ERR_NOT_FOUND || err == OMP_ERR_MALFORMED ||
                           err == OMP_ERR_RANGE);
            OMP_FUZZ_CHECK(memcmp(&d, &sentinel, sizeof d) == 0);
            return;
        }
        OMP_FUZZ_CHECK(it.pos > pos_before);
        OMP_FUZZ_CHECK(span_in(d.address, data, size) && span_in(d.value, data, size) &&
                       span_in(d.unit, data, size));
        OMP_FUZZ_CHECK(d.address.len <= OMP_IEC21_DS_ADDRESS_MAX &&
                       d.value.len <= OMP_IEC21_DS_VALUE_MAX &&
                       d.unit.len <= OMP_IEC21_DS_UNIT_MAX);
        OMP_FUZZ_CHECK(d.has_unit || d.unit.len == 0);
        OMP_FUZZ_CHECK(d.offset < size && data[d.offset] == '(');
        OMP_FUZZ_CHECK(first || d.offset > last_offset);
        first = false;
        last_offset = d.offset;

        /* write it back and read it again */
        char a[OMP_IEC21_DS_ADDRESS_MAX + 1], v[OMP_IEC21_DS_VALUE_MAX + 1],
            un[OMP_IEC21_DS_UNIT_MAX + 1];
        uint8_t out[200];
        struct omp_wr w = omp_wr_init(out, sizeof out);
        OMP_FUZZ_CHECK(omp_iec21_put_dataset(&w, cstr(a, d.address), cstr(v, d.value),
                                             d.has_unit ? cstr(un, d.unit) : NULL) == OMP_OK);
        struct omp_iec21_ds_iter it2;
        struct omp_iec21_dataset e;
        omp_iec21_ds_init(&it2, out, omp_wr_len(&w));
        OMP_FUZZ_CHECK(omp_iec21_ds_next(&it2, &e) == OMP_OK);
        OMP_FUZZ_CHECK(span_eq(e.address, d.address) && span_eq(e.value, d.value) &&
                       span_eq(e.unit, d.unit) && e.has_unit == d.has_unit);
        OMP_FUZZ_CHECK(it2.pos == omp_wr_len(&w));
    }
    OMP_FUZZ_CHECK(false); /* more groups than bytes */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    const uint8_t sel = data[0];
    data++;
    size--;
    check_parse(data, size);
    check_framer(data, size, sel);
    check_ds(data, size);
    /* the data of a data message, as a reader would iterate it */
    struct omp_iec21_msg m;
    size_t used = 0;
    if (omp_iec21_parse(data, size, &m, &used) == OMP_OK &&
        (m.kind == OMP_IEC21_MSG_DATA || m.kind == OMP_IEC21_MSG_PARTIAL)) {
        check_ds(m.data.ptr, m.data.len);
    }
    return 0;
}

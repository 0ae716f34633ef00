/*
 * Packed log entries: encoding and decoding (plog.h, docs/storage.md "Packed log").
 *
 * Stored entry (all integers LEB128 varints unless said; zz() = zigzag of a two's-complement
 * difference):
 *   0  L: bytes from here to the CRC's end (4..OMP_PLOG_REC_MAX; never the erase value)
 *   1  flags: 0x01 full, 0x02 explicit time, 0x04 status, 0x08 quality (others 0)
 *   full:  number, zz(t), status, quality, then per column: a counter as its value, a signed
 *          column as zz(value)
 *   plain: [zz(t - (base.t + period))] [status] [quality] when flagged, then per column: a
 *          counter's growth since the base, a signed column's zz(value - base's); as varints, or
 *          (flag 0x10 "packed", when shorter) as bit fields of the width its max_step needs
 *          (a signed one: of 2 max_step), least significant bit first, the last byte zero-filled
 *   L-2  CRC-16/X.25 of bytes 0..L-3, little-endian
 * A short entry (the common plain one: packed, no time, status or quality) has no L and flags:
 *   0  0xE0 | the first 4 bits of the packed fields; then the rest of them, the last byte
 *      zero-filled; then the CRC-16 as above. Its length follows from the definition (3 + the
 *      bytes of the remaining bits), which is why L stops at OMP_PLOG_REC_MAX = 0xDF: 0xE0..0xEF
 *      are short entries, 0xF0..0xFF nothing (0xFF is the erase value, as 0x00 is).
 * then erase-value padding to the program unit.
 */
#include <string.h>

#include "plog_priv.h"

static size_t put_uv(uint8_t *p, size_t pos, uint64_t v)
{
    while (v >= 0x80u) {
        p[pos++] = (uint8_t)(v | 0x80u);
        v >>= 7;
    }
    p[pos++] = (uint8_t)v;
    return pos;
}

/* Read a varint at *pos (below end); false if it runs past end or over 10 bytes. */
static bool get_uv(const uint8_t *p, size_t end, size_t *pos, uint64_t *v)
{
    uint64_t x = 0;
    for (unsigned shift = 0; shift < 70u && *pos < end; shift += 7u) {
        uint8_t b = p[(*pos)++];
        x |= (uint64_t)(b & 0x7Fu) << shift;
        if ((b & 0x80u) == 0u) {
            *v = x;
            return true;
        }
    }
    return false;
}

static uint64_t zz(uint64_t d)
{
    return (d << 1) ^ ((d >> 63) != 0u ? UINT64_MAX : 0u);
}

static uint64_t unzz(uint64_t z)
{
    return (z >> 1) ^ ((z & 1u) != 0u ? UINT64_MAX : 0u);
}

static uint64_t i2u(int64_t i)
{
    uint64_t u;
    memcpy(&u, &i, sizeof u);
    return u;
}

static int64_t u2i(uint64_t u)
{
    int64_t i;
    memcpy(&i, &u, sizeof i);
    return i;
}

/* Bits of v (0 for 0). */
static unsigned bit_len(uint64_t v)
{
    unsigned n = 0;
    for (unsigned step = 32u; step != 0u; step >>= 1) { /* a binary search: reads are hot */
        if ((v >> step) != 0u) {
            v >>= step;
            n += step;
        }
    }
    return n + (unsigned)v;
}

/* Width of column k's packed field: what its largest step needs. */
static unsigned width(const struct omp_plog_def *def, unsigned k)
{
    uint64_t m = def->max_step[k];
    if (def->kind[k] != OMP_PLOG_COUNTER) {
        m = m > (UINT64_MAX >> 1) ? UINT64_MAX : m << 1;
    }
    return bit_len(m);
}

/* Bytes of the columns packed (0 when every field is 0 bits wide), or SIZE_MAX when a value
 * does not fit its field. */
static size_t packed_len(const struct omp_plog_def *def, const uint64_t *u)
{
    unsigned bits = 0;
    for (unsigned k = 0; k < def->columns; k++) {
        unsigned w = width(def, k);
        if (w < 64u && (u[k] >> w) != 0u) {
            return SIZE_MAX;
        }
        bits += w;
    }
    return (bits + 7u) / 8u;
}

/* Total bits of the packed fields. */
static unsigned packed_bits(const struct omp_plog_def *def)
{
    unsigned bits = 0;
    for (unsigned k = 0; k < def->columns; k++) {
        bits += width(def, k);
    }
    return bits;
}

/* The packed fields from bit @p bit of @p p on (least significant first); p's bytes from there
 * on must be zero. */
static void put_bits(const struct omp_plog_def *def, const uint64_t *u, uint8_t *p, unsigned bit)
{
    for (unsigned k = 0; k < def->columns; k++) {
        for (unsigned w = width(def, k), j = 0; j < w; j++, bit++) {
            p[bit / 8u] |= (uint8_t)(((u[k] >> j) & 1u) << (bit % 8u));
        }
    }
}

/* Reads bit fields least significant bit first from bytes p[i..end) (0 beyond); `acc` holds
 * the `have` bits read from them and not yet taken. */
struct bit_rd {
    const uint8_t *p;
    size_t i, end;
    uint64_t acc;
    unsigned have;
};

/* @p w <= 56: the accumulator takes whole bytes until it holds the field. */
static uint64_t rd_small(struct bit_rd *r, unsigned w)
{
    while (r->have < w) {
        r->acc |= (uint64_t)(r->i < r->end ? r->p[r->i] : 0u) << r->have;
        r->i++;
        r->have += 8u;
    }
    uint64_t v = w == 0u ? 0u : r->acc & (UINT64_MAX >> (64u - w));
    r->acc = w == 0u ? r->acc : r->acc >> w;
    r->have -= w;
    return v;
}

static uint64_t rd_bits(struct bit_rd *r, unsigned w)
{
    if (w <= 56u) {
        return rd_small(r, w);
    }
    uint64_t lo = rd_small(r, 32u);
    return lo | rd_small(r, w - 32u) << 32;
}

unsigned omp_plog_priv_widths(const struct omp_plog_def *def, uint8_t *w)
{
    unsigned bits = 0;
    for (unsigned k = 0; k < def->columns; k++) {
        w[k] = (uint8_t)width(def, k);
        bits += w[k];
    }
    return bits;
}

static void get_bits(const struct omp_plog_def *def, const uint8_t *w, struct bit_rd *r,
                     uint64_t *u)
{
    for (unsigned k = 0; k < def->columns; k++) {
        u[k] = rd_bits(r, w[k]);
    }
}

static size_t put_packed(const struct omp_plog_def *def, const uint64_t *u, uint8_t *p, size_t pos)
{
    size_t n = packed_len(def, u);
    memset(p + pos, 0, n);
    put_bits(def, u, p + pos, 0u);
    return pos + n;
}

static bool get_packed(const struct omp_plog_def *def, const uint8_t *p, size_t end,
                       size_t *pos, uint64_t *u)
{
    uint8_t w[OMP_PLOG_COLUMNS_MAX];
    size_t n = (omp_plog_priv_widths(def, w) + 7u) / 8u;
    if (*pos + n > end) {
        return false;
    }
    struct bit_rd r = {p + *pos, 0, n, 0, 0};
    get_bits(def, w, &r, u);
    *pos += n;
    return true;
}

/* Bytes of a short entry whose fields take @p bits (the first 4 in the first byte). */
static size_t short_len_of(unsigned bits)
{
    return 3u + (bits > 4u ? (bits - 4u + 7u) / 8u : 0u);
}

/* Bytes of a short entry of @p def. */
static size_t short_len(const struct omp_plog_def *def)
{
    return short_len_of(packed_bits(def));
}

bool omp_plog_priv_short(const uint8_t *p)
{
    return (p[0] & 0xF0u) == OMP_PLOG_SHORT;
}

uint32_t omp_plog_priv_len(const struct omp_plog_def *def, uint8_t b0)
{
    if ((b0 & 0xF0u) == OMP_PLOG_SHORT) {
        return (uint32_t)short_len(def);
    }
    return b0 >= 4u && b0 <= OMP_PLOG_REC_MAX ? b0 : 0u;
}

bool omp_plog_priv_full(const uint8_t *p)
{
    return !omp_plog_priv_short(p) && (p[1] & OMP_PLOG_F_FULL) != 0u;
}

/* Bytes of a varint of v. */
static uint32_t uv_len(uint64_t v)
{
    uint32_t n = 1;
    while (v >= 0x80u) {
        v >>= 7;
        n++;
    }
    return n;
}

/* The columns of a plain entry: varints or packed, whichever is shorter. */
static size_t put_columns(const struct omp_plog_def *def, const uint64_t *u, uint8_t *out,
                          size_t pos, uint8_t *flags)
{
    size_t leb = 0, packed = packed_len(def, u);
    for (unsigned k = 0; k < def->columns; k++) {
        leb += uv_len(u[k]);
    }
    if (packed != SIZE_MAX && packed < leb) {
        *flags |= OMP_PLOG_F_PACKED;
        return put_packed(def, u, out, pos);
    }
    for (unsigned k = 0; k < def->columns; k++) {
        pos = put_uv(out, pos, u[k]);
    }
    return pos;
}

/* A short entry's bytes before its CRC: the packed fields' first 4 bits in the low nibble of the
 * first byte, 0xE in its high one, the rest of them in the bytes after it. */
static void short_pack(const struct omp_plog_def *def, const uint64_t *u, uint8_t *out)
{
    uint8_t t[OMP_PLOG_REC_MAX + 1u];
    size_t n = short_len(def) - 2u;
    memset(t, 0, n + 1u);
    put_bits(def, u, t, 0u);
    out[0] = (uint8_t)(OMP_PLOG_SHORT | (t[0] & 0x0Fu));
    for (size_t j = 1; j < n; j++) {
        out[j] = (uint8_t)((t[j - 1u] >> 4) | (t[j] << 4));
    }
}

/* Its fields back (the inverse of short_pack); false if a bit after them is set. */
static bool short_unpack(const struct omp_plog_def *def, const uint8_t *w, const uint8_t *p,
                         uint64_t *u)
{
    unsigned bits = 0;
    for (unsigned k = 0; k < def->columns; k++) {
        bits += w[k];
    }
    struct bit_rd r = {p, 1u, short_len_of(bits) - 2u, p[0] & 0x0Fu, 4u};
    get_bits(def, w, &r, u);
    bool zero = r.acc == 0u;
    for (size_t j = r.i; j < r.end; j++) {
        zero = zero && p[j] == 0u;
    }
    return zero;
}

static void put_crc(uint8_t *out, size_t pos)
{
    uint16_t crc = omp_crc16_x25(out, pos);
    out[pos] = (uint8_t)crc;
    out[pos + 1u] = (uint8_t)(crc >> 8);
}

/* A plain entry without time, status or quality as a short entry, when that is not longer than
 * the long form (length, flags, the columns as varints or packed, CRC). @return its length, or
 * 0: not short. */
static size_t put_short(const struct omp_plog_def *def, const uint64_t *u, uint8_t *out)
{
    size_t leb = 0, packed = packed_len(def, u), n = short_len(def);
    for (unsigned k = 0; k < def->columns; k++) {
        leb += uv_len(u[k]);
    }
    if (packed == SIZE_MAX || n > 4u + (leb < packed ? leb : packed)) {
        return 0;
    }
    short_pack(def, u, out);
    put_crc(out, n - 2u);
    return n;
}

size_t omp_plog_priv_encode(const struct omp_plog_def *def, const struct omp_plog_entry *e,
                            uint32_t no, const struct omp_plog_entry *base, uint8_t *out)
{
    size_t pos = 2;
    uint8_t flags = 0;
    if (base == NULL) {
        flags = (uint8_t)(OMP_PLOG_F_FULL | (e == NULL ? OMP_PLOG_F_CLEAR : 0u));
        if (e == NULL) { /* a clear marker: its number, no fields */
            pos = put_uv(out, pos, no);
            out[0] = (uint8_t)(pos + 2u);
            out[1] = flags;
            put_crc(out, pos);
            return pos + 2u;
        }
        pos = put_uv(out, pos, no);
        pos = put_uv(out, pos, zz(i2u(e->t)));
        pos = put_uv(out, pos, e->status);
        pos = put_uv(out, pos, e->quality);
    } else {
        uint64_t dt = i2u(e->t) - i2u(base->t) - def->period_s;
        if (dt != 0u) {
            flags |= OMP_PLOG_F_TIME;
            pos = put_uv(out, pos, zz(dt));
        }
        if (e->status != 0u) {
            flags |= OMP_PLOG_F_STATUS;
            pos = put_uv(out, pos, e->status);
        }
        if (e->quality != 0u) {
            flags |= OMP_PLOG_F_QUALITY;
            pos = put_uv(out, pos, e->quality);
        }
    }
    uint64_t u[OMP_PLOG_COLUMNS_MAX] = {0};
    for (unsigned k = 0; k < def->columns; k++) {
        uint64_t v = i2u(e->v[k]) - (base != NULL ? i2u(base->v[k]) : 0u);
        u[k] = def->kind[k] == OMP_PLOG_COUNTER ? v : zz(v);
    }
    size_t n = base != NULL && flags == 0u ? put_short(def, u, out) : 0u;
    if (n != 0u) {
        return n;
    }
    if (base != NULL) {
        pos = put_columns(def, u, out, pos, &flags);
    } else {
        for (unsigned k = 0; k < def->columns; k++) {
            pos = put_uv(out, pos, u[k]);
        }
    }
    out[0] = (uint8_t)(pos + 2u);
    out[1] = flags;
    put_crc(out, pos);
    return pos + 2u;
}

/* The fields in front of the columns; false if they do not parse. */
static bool decode_head(const struct omp_plog_def *def, const uint8_t *p, size_t end, size_t *pos,
                        const struct omp_plog_entry *base, uint32_t base_no,
                        struct omp_plog_entry *e, uint32_t *no)
{
    uint8_t flags = p[1];
    uint64_t a = 0, b = 0, c = 0, d = 0;
    if ((flags & OMP_PLOG_F_FULL) != 0u) {
        bool ok = get_uv(p, end, pos, &a) && get_uv(p, end, pos, &b) &&
                  get_uv(p, end, pos, &c) && get_uv(p, end, pos, &d);
        /* numbers are 1 .. UINT32_MAX - 1 (omp_plog_append stops there: OMP_ERR_NVM_WORN) */
        if (!ok || a == 0u || a >= UINT32_MAX || c > UINT16_MAX || d > UINT32_MAX) {
            return false;
        }
        *no = (uint32_t)a;
        e->t = u2i(unzz(b));
    } else {
        bool ok = ((flags & OMP_PLOG_F_TIME) == 0u || get_uv(p, end, pos, &b)) &&
                  ((flags & OMP_PLOG_F_STATUS) == 0u || get_uv(p, end, pos, &c)) &&
                  ((flags & OMP_PLOG_F_QUALITY) == 0u || get_uv(p, end, pos, &d));
        if (!ok || c > UINT16_MAX || d > UINT32_MAX || base_no >= UINT32_MAX - 1u) {
            return false;
        }
        *no = base_no + 1u;
        e->t = u2i(i2u(base->t) + def->period_s + unzz(b));
    }
    e->status = (uint16_t)c;
    e->quality = (uint32_t)d;
    return true;
}

/* A short entry on @p base: its fields, and the bits after them zero. */
static enum omp_plog_priv_dec decode_short(const struct omp_plog_def *def, const uint8_t *w,
                                           const uint8_t *p, const struct omp_plog_entry *base,
                                           uint32_t base_no, struct omp_plog_entry *e,
                                           uint32_t *no)
{
    if (base == NULL) {
        return OMP_PLOG_DEC_NOBASE;
    }
    uint64_t u[OMP_PLOG_COLUMNS_MAX] = {0};
    if (!short_unpack(def, w, p, u) || base_no >= UINT32_MAX - 1u) {
        return OMP_PLOG_DEC_BAD;
    }
    struct omp_plog_entry t;
    memset(&t, 0, sizeof t);
    t.t = u2i(i2u(base->t) + def->period_s);
    for (unsigned k = 0; k < def->columns; k++) {
        uint64_t v = def->kind[k] == OMP_PLOG_COUNTER ? u[k] : unzz(u[k]);
        t.v[k] = u2i(v + i2u(base->v[k]));
    }
    *no = base_no + 1u;
    *e = t;
    return OMP_PLOG_DEC_OK;
}

enum omp_plog_priv_dec omp_plog_priv_decode(const struct omp_plog_def *def, const uint8_t *w,
                                            const uint8_t *p, const struct omp_plog_entry *base,
                                            uint32_t base_no, struct omp_plog_entry *e,
                                            uint32_t *no)
{
    if (omp_plog_priv_short(p)) {
        uint8_t own[OMP_PLOG_COLUMNS_MAX];
        if (w == NULL) {
            (void)omp_plog_priv_widths(def, own);
        }
        return decode_short(def, w != NULL ? w : own, p, base, base_no, e, no);
    }
    size_t len = p[0], end = len - 2u, pos = 2;
    if ((p[1] & (uint8_t)~OMP_PLOG_F_ALL) != 0u) {
        return OMP_PLOG_DEC_BAD;
    }
    bool full = (p[1] & OMP_PLOG_F_FULL) != 0u;
    if ((p[1] & OMP_PLOG_F_CLEAR) != 0u) { /* a clear marker: exactly a number */
        uint64_t n = 0;
        bool ok = p[1] == (OMP_PLOG_F_FULL | OMP_PLOG_F_CLEAR) && get_uv(p, end, &pos, &n) &&
                  pos == end && n != 0u && n < UINT32_MAX;
        *no = ok ? (uint32_t)n : 0u;
        return ok ? OMP_PLOG_DEC_CLEAR : OMP_PLOG_DEC_BAD;
    }
    if (!full && base == NULL) {
        return OMP_PLOG_DEC_NOBASE;
    }
    struct omp_plog_entry t;
    memset(&t, 0, sizeof t);
    if (!decode_head(def, p, end, &pos, base, base_no, &t, no)) {
        return OMP_PLOG_DEC_BAD;
    }
    uint64_t u[OMP_PLOG_COLUMNS_MAX] = {0};
    bool packed = (p[1] & OMP_PLOG_F_PACKED) != 0u;
    if (packed && (full || !get_packed(def, p, end, &pos, u))) {
        return OMP_PLOG_DEC_BAD;
    }
    for (unsigned k = 0; k < def->columns; k++) {
        if (!packed && !get_uv(p, end, &pos, &u[k])) {
            return OMP_PLOG_DEC_BAD;
        }
        uint64_t v = def->kind[k] == OMP_PLOG_COUNTER ? u[k] : unzz(u[k]);
        t.v[k] = u2i(v + (full ? 0u : i2u(base->v[k])));
    }
    if (pos != end) {
        return OMP_PLOG_DEC_BAD;
    }
    *e = t;
    return OMP_PLOG_DEC_OK;
}

bool omp_plog_priv_crc_ok(const uint8_t *p, size_t len)
{
    uint16_t crc = omp_crc16_x25(p, len - 2u);
    return p[len - 2u] == (uint8_t)crc && p[len - 1u] == (uint8_t)(crc >> 8);
}

uint32_t omp_plog_priv_worst(const struct omp_plog_def *def, bool full)
{
    uint32_t n = 2u + 2u; /* length, flags, CRC */
    if (full) {
        n += 5u + 10u + 3u + 5u;
    }
    uint32_t leb = 0;
    unsigned bits = 0;
    for (unsigned k = 0; k < def->columns; k++) {
        /* a full entry's value can be anything; a signed step doubles in zigzag */
        uint64_t step = def->max_step[k];
        uint64_t z = step > (UINT64_MAX >> 1) ? UINT64_MAX : step << 1;
        leb += full ? 10u : uv_len(def->kind[k] == OMP_PLOG_COUNTER ? step : z);
        bits += width(def, k);
    }
    uint32_t packed = (bits + 7u) / 8u;
    if (!full && def->period_s == 0u) {
        n += 10u; /* without a period every entry has its time: at its widest */
    }
    uint32_t worst = n + (full || leb < packed ? leb : packed);
    if (!full && def->period_s != 0u && short_len(def) < worst) {
        worst = (uint32_t)short_len(def); /* a step within max_step fits its field: short */
    }
    return worst;
}

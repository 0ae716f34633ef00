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
 *          counter's growth since the base, a signed column's zz(value - base's)
 *   L-2  CRC-16/X.25 of bytes 0..L-3, little-endian
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

size_t omp_plog_priv_encode(const struct omp_plog_def *def, const struct omp_plog_entry *e,
                            uint32_t no, const struct omp_plog_entry *base, uint8_t *out)
{
    size_t pos = 2;
    uint8_t flags = 0;
    if (base == NULL) {
        flags = OMP_PLOG_F_FULL;
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
    for (unsigned k = 0; k < def->columns; k++) {
        uint64_t v = i2u(e->v[k]) - (base != NULL ? i2u(base->v[k]) : 0u);
        pos = put_uv(out, pos, def->kind[k] == OMP_PLOG_COUNTER ? v : zz(v));
    }
    out[0] = (uint8_t)(pos + 2u);
    out[1] = flags;
    uint16_t crc = omp_crc16_x25(out, pos);
    out[pos] = (uint8_t)crc;
    out[pos + 1u] = (uint8_t)(crc >> 8);
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
        if (!ok || a == 0u || a > UINT32_MAX || c > UINT16_MAX || d > UINT32_MAX) {
            return false;
        }
        *no = (uint32_t)a;
        e->t = u2i(unzz(b));
    } else {
        bool ok = ((flags & OMP_PLOG_F_TIME) == 0u || get_uv(p, end, pos, &b)) &&
                  ((flags & OMP_PLOG_F_STATUS) == 0u || get_uv(p, end, pos, &c)) &&
                  ((flags & OMP_PLOG_F_QUALITY) == 0u || get_uv(p, end, pos, &d));
        if (!ok || c > UINT16_MAX || d > UINT32_MAX || base_no == UINT32_MAX) {
            return false;
        }
        *no = base_no + 1u;
        e->t = u2i(i2u(base->t) + def->period_s + unzz(b));
    }
    e->status = (uint16_t)c;
    e->quality = (uint32_t)d;
    return true;
}

enum omp_plog_priv_dec omp_plog_priv_decode(const struct omp_plog_def *def, const uint8_t *p,
                                            const struct omp_plog_entry *base, uint32_t base_no,
                                            struct omp_plog_entry *e, uint32_t *no)
{
    size_t len = p[0], end = len - 2u, pos = 2;
    if ((p[1] & (uint8_t)~OMP_PLOG_F_ALL) != 0u) {
        return OMP_PLOG_DEC_BAD;
    }
    bool full = (p[1] & OMP_PLOG_F_FULL) != 0u;
    if (!full && base == NULL) {
        return OMP_PLOG_DEC_NOBASE;
    }
    struct omp_plog_entry t;
    memset(&t, 0, sizeof t);
    if (!decode_head(def, p, end, &pos, base, base_no, &t, no)) {
        return OMP_PLOG_DEC_BAD;
    }
    for (unsigned k = 0; k < def->columns; k++) {
        uint64_t v;
        if (!get_uv(p, end, &pos, &v)) {
            return OMP_PLOG_DEC_BAD;
        }
        v = def->kind[k] == OMP_PLOG_COUNTER ? v : unzz(v);
        t.v[k] = u2i(v + (full ? 0u : i2u(base->v[k])));
    }
    if (pos != end) {
        return OMP_PLOG_DEC_BAD;
    }
    *e = t;
    return OMP_PLOG_DEC_OK;
}

bool omp_plog_priv_crc_ok(const uint8_t *p)
{
    size_t len = p[0];
    uint16_t crc = omp_crc16_x25(p, len - 2u);
    return p[len - 2u] == (uint8_t)crc && p[len - 1u] == (uint8_t)(crc >> 8);
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

uint32_t omp_plog_priv_worst(const struct omp_plog_def *def, bool full)
{
    uint32_t n = 2u + 2u; /* length, flags, CRC */
    if (full) {
        n += 5u + 10u + 3u + 5u;
    }
    for (unsigned k = 0; k < def->columns; k++) {
        /* a full entry's value can be anything; a signed step doubles in zigzag */
        uint64_t step = def->max_step[k];
        uint64_t z = step > (UINT64_MAX >> 1) ? UINT64_MAX : step << 1;
        n += full ? 10u : uv_len(def->kind[k] == OMP_PLOG_COUNTER ? step : z);
    }
    return n;
}

/* Bounds-checked byte reader and writer. A failed read or write changes nothing. */
#include <string.h>

#include "omnipower/core.h"

/* ---- reader --------------------------------------------------------------------------------- */

struct omp_rd omp_rd_init(const uint8_t *buf, size_t len)
{
    struct omp_rd rd = { buf, (buf != NULL) ? len : 0u, 0u };
    return rd;
}

size_t omp_rd_pos(const struct omp_rd *rd)
{
    return rd->pos;
}

size_t omp_rd_remaining(const struct omp_rd *rd)
{
    return rd->len - rd->pos;
}

omp_err omp_rd_need(const struct omp_rd *rd, size_t n)
{
    return (omp_rd_remaining(rd) >= n) ? OMP_OK : OMP_ERR_TRUNCATED;
}

/* Big-endian unsigned of n (1..8) bytes; the caller has checked availability. */
static uint64_t get_be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        v = (v << 8) | p[i];
    }
    return v;
}

static uint64_t get_le(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = n; i > 0u; i--) {
        v = (v << 8) | p[i - 1u];
    }
    return v;
}

static omp_err rd_be(struct omp_rd *rd, size_t n, uint64_t *v)
{
    if (omp_rd_remaining(rd) < n) {
        return OMP_ERR_TRUNCATED;
    }
    *v = get_be(rd->buf + rd->pos, n);
    rd->pos += n;
    return OMP_OK;
}

static omp_err rd_le(struct omp_rd *rd, size_t n, uint64_t *v)
{
    if (omp_rd_remaining(rd) < n) {
        return OMP_ERR_TRUNCATED;
    }
    *v = get_le(rd->buf + rd->pos, n);
    rd->pos += n;
    return OMP_OK;
}

omp_err omp_rd_u8(struct omp_rd *rd, uint8_t *v)
{
    if (omp_rd_remaining(rd) < 1u) {
        return OMP_ERR_TRUNCATED;
    }
    *v = rd->buf[rd->pos++];
    return OMP_OK;
}

omp_err omp_rd_peek_u8(const struct omp_rd *rd, uint8_t *v)
{
    if (omp_rd_remaining(rd) < 1u) {
        return OMP_ERR_TRUNCATED;
    }
    *v = rd->buf[rd->pos];
    return OMP_OK;
}

omp_err omp_rd_u8_expect(struct omp_rd *rd, uint8_t want)
{
    uint8_t v = 0;
    omp_err err = omp_rd_peek_u8(rd, &v);
    if (err != OMP_OK) {
        return err;
    }
    if (v != want) {
        return OMP_ERR_UNEXPECTED;
    }
    rd->pos++;
    return OMP_OK;
}

#define OMP_RD_UNSIGNED(name, type, n, fn)                                                    \
    omp_err name(struct omp_rd *rd, type *v)                                                   \
    {                                                                                          \
        uint64_t x = 0;                                                                        \
        omp_err err = fn(rd, (n), &x);                                                         \
        if (err == OMP_OK) {                                                                   \
            *v = (type)x;                                                                      \
        }                                                                                      \
        return err;                                                                            \
    }

OMP_RD_UNSIGNED(omp_rd_u16be, uint16_t, 2u, rd_be)
OMP_RD_UNSIGNED(omp_rd_u16le, uint16_t, 2u, rd_le)
OMP_RD_UNSIGNED(omp_rd_u24be, uint32_t, 3u, rd_be)
OMP_RD_UNSIGNED(omp_rd_u32be, uint32_t, 4u, rd_be)
OMP_RD_UNSIGNED(omp_rd_u32le, uint32_t, 4u, rd_le)
OMP_RD_UNSIGNED(omp_rd_u64be, uint64_t, 8u, rd_be)
OMP_RD_UNSIGNED(omp_rd_u64le, uint64_t, 8u, rd_le)

/* Two's complement reinterpretation of an n-bit value without implementation-defined casts. */
static int64_t to_signed(uint64_t x, unsigned bits)
{
    uint64_t sign = (uint64_t)1u << (bits - 1u);
    if ((x & sign) == 0u) {
        return (int64_t)x;
    }
    /* x - 2^bits, computed in steps that each fit in int64_t */
    return (int64_t)(x - sign) - (int64_t)(sign - 1u) - 1;
}

#define OMP_RD_SIGNED(name, type, n)                                                          \
    omp_err name(struct omp_rd *rd, type *v)                                                   \
    {                                                                                          \
        uint64_t x = 0;                                                                        \
        omp_err err = rd_be(rd, (n), &x);                                                      \
        if (err == OMP_OK) {                                                                   \
            *v = (type)to_signed(x, 8u * (n));                                                 \
        }                                                                                      \
        return err;                                                                            \
    }

OMP_RD_SIGNED(omp_rd_i8, int8_t, 1u)
OMP_RD_SIGNED(omp_rd_i16be, int16_t, 2u)
OMP_RD_SIGNED(omp_rd_i32be, int32_t, 4u)
OMP_RD_SIGNED(omp_rd_i64be, int64_t, 8u)

omp_err omp_rd_bytes(struct omp_rd *rd, size_t n, const uint8_t **out)
{
    if (omp_rd_remaining(rd) < n) {
        return OMP_ERR_TRUNCATED;
    }
    *out = (n > 0u) ? rd->buf + rd->pos : rd->buf;
    rd->pos += n;
    return OMP_OK;
}

omp_err omp_rd_copy(struct omp_rd *rd, void *dst, size_t n)
{
    if (omp_rd_remaining(rd) < n) {
        return OMP_ERR_TRUNCATED;
    }
    if (n > 0u) {
        memcpy(dst, rd->buf + rd->pos, n);
    }
    rd->pos += n;
    return OMP_OK;
}

omp_err omp_rd_skip(struct omp_rd *rd, size_t n)
{
    if (omp_rd_remaining(rd) < n) {
        return OMP_ERR_TRUNCATED;
    }
    rd->pos += n;
    return OMP_OK;
}

omp_err omp_rd_sub(struct omp_rd *rd, size_t n, struct omp_rd *sub)
{
    if (omp_rd_remaining(rd) < n) {
        return OMP_ERR_TRUNCATED;
    }
    sub->buf = (n > 0u) ? rd->buf + rd->pos : NULL;
    sub->len = n;
    sub->pos = 0u;
    rd->pos += n;
    return OMP_OK;
}

omp_err omp_rd_berlen(struct omp_rd *rd, size_t *len)
{
    uint8_t first = 0;
    omp_err err = omp_rd_peek_u8(rd, &first);
    if (err != OMP_OK) {
        return err;
    }
    if (first < 0x80u) {
        rd->pos++;
        *len = first;
        return OMP_OK;
    }
    size_t n = (size_t)(first & 0x7Fu);
    if (n == 0u || n > 4u) {
        return OMP_ERR_MALFORMED;
    }
    if (omp_rd_remaining(rd) < 1u + n) {
        return OMP_ERR_TRUNCATED;
    }
    uint64_t v = get_be(rd->buf + rd->pos + 1u, n);
#if SIZE_MAX < 0xFFFFFFFFu
    if (v > (uint64_t)SIZE_MAX) { /* only where size_t is narrower than 32 bits */
        return OMP_ERR_RANGE;
    }
#endif
    rd->pos += 1u + n;
    *len = (size_t)v;
    return OMP_OK;
}

/* ---- writer --------------------------------------------------------------------------------- */

struct omp_wr omp_wr_init(uint8_t *buf, size_t cap)
{
    struct omp_wr w = { buf, (buf != NULL) ? cap : 0u, 0u, OMP_OK };
    return w;
}

size_t omp_wr_len(const struct omp_wr *w)
{
    return w->len;
}

size_t omp_wr_room(const struct omp_wr *w)
{
    return w->cap - w->len;
}

omp_err omp_wr_status(const struct omp_wr *w)
{
    return w->err;
}

void omp_wipe(void *p, size_t n)
{
    volatile uint8_t *b = (volatile uint8_t *)p;
    for (size_t k = 0; k < n; k++) {
        b[k] = 0u;
    }
}

void omp_wr_truncate(struct omp_wr *w, size_t mark)
{
    if (mark < w->len) {
        w->len = mark;
    }
    w->err = OMP_OK;
}

/* Reserve n bytes and point *p at them (NULL when n is 0, so that a zero-length put into a NULL
 * buffer works and no pointer arithmetic is done on NULL). NOSPACE (sticky) if they do not fit.
 * Once a put has failed, every later put fails with the same error until omp_wr_truncate(), so
 * the output never has a hole where a failed field should be. */
static omp_err reserve(struct omp_wr *w, size_t n, uint8_t **p)
{
    if (w->err != OMP_OK) {
        return w->err;
    }
    if (omp_wr_room(w) < n) {
        if (w->err == OMP_OK) {
            w->err = OMP_ERR_NOSPACE;
        }
        return OMP_ERR_NOSPACE;
    }
    *p = (n > 0u) ? w->buf + w->len : NULL;
    w->len += n;
    return OMP_OK;
}

static omp_err put_be(struct omp_wr *w, uint64_t v, size_t n)
{
    uint8_t *p = NULL;
    omp_err err = reserve(w, n, &p);
    if (err != OMP_OK) {
        return err;
    }
    for (size_t i = n; i > 0u; i--) {
        p[i - 1u] = (uint8_t)(v & 0xFFu);
        v >>= 8;
    }
    return OMP_OK;
}

static omp_err put_le(struct omp_wr *w, uint64_t v, size_t n)
{
    uint8_t *p = NULL;
    omp_err err = reserve(w, n, &p);
    if (err != OMP_OK) {
        return err;
    }
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)(v & 0xFFu);
        v >>= 8;
    }
    return OMP_OK;
}

omp_err omp_wr_u8(struct omp_wr *w, uint8_t v) { return put_be(w, v, 1u); }
omp_err omp_wr_u16be(struct omp_wr *w, uint16_t v) { return put_be(w, v, 2u); }
omp_err omp_wr_u16le(struct omp_wr *w, uint16_t v) { return put_le(w, v, 2u); }
omp_err omp_wr_u24be(struct omp_wr *w, uint32_t v) { return put_be(w, v, 3u); }
omp_err omp_wr_u32be(struct omp_wr *w, uint32_t v) { return put_be(w, v, 4u); }
omp_err omp_wr_u32le(struct omp_wr *w, uint32_t v) { return put_le(w, v, 4u); }
omp_err omp_wr_u64be(struct omp_wr *w, uint64_t v) { return put_be(w, v, 8u); }
omp_err omp_wr_u64le(struct omp_wr *w, uint64_t v) { return put_le(w, v, 8u); }

omp_err omp_wr_bytes(struct omp_wr *w, const void *src, size_t n)
{
    uint8_t *p = NULL;
    omp_err err = reserve(w, n, &p);
    if (err == OMP_OK && n > 0u) {
        memcpy(p, src, n);
    }
    return err;
}

omp_err omp_wr_fill(struct omp_wr *w, uint8_t v, size_t n)
{
    uint8_t *p = NULL;
    omp_err err = reserve(w, n, &p);
    if (err == OMP_OK && n > 0u) {
        memset(p, v, n);
    }
    return err;
}

omp_err omp_wr_berlen(struct omp_wr *w, size_t len)
{
    if (len < 0x80u) {
        return put_be(w, len, 1u);
    }
    size_t n = 1u;
    while (n < sizeof(size_t) && (len >> (8u * n)) != 0u) {
        n++;
    }
    if (n > 4u) {
        /* not encodable in A-XDR; sticky like any other failed put (nothing written) */
        if (w->err == OMP_OK) {
            w->err = OMP_ERR_RANGE;
        }
        return w->err;
    }
    uint8_t *p = NULL;
    omp_err err = reserve(w, 1u + n, &p);
    if (err != OMP_OK) {
        return err;
    }
    p[0] = (uint8_t)(0x80u | n);
    for (size_t i = n; i > 0u; i--) {
        p[i] = (uint8_t)(len & 0xFFu);
        len >>= 8;
    }
    return OMP_OK;
}

omp_err omp_wr_patch_u16be(struct omp_wr *w, size_t at, uint16_t v)
{
    if (at > w->len || w->len - at < 2u) {
        return OMP_ERR_ARG;
    }
    w->buf[at] = (uint8_t)(v >> 8);
    w->buf[at + 1u] = (uint8_t)(v & 0xFFu);
    return OMP_OK;
}

/* A-XDR decoder: one element, the walker and skip (nested data in document order without
 * recursion). All three share one element decoder, decode_elem(), which reads the input's bytes
 * directly (bounds checked against the reader's length). It is inlined into the walker (a walk is
 * the only pass over a Data value when the APDU codec leaves it unchecked: omp_apdu_decode_lazy(),
 * docs/benchmarks.md) and into decode_one(), which the element reader and skip share. */
#include "omnipower/config.h"

#if OMP_CONFIG_DLMS /* the whole file: module switch, config.h */

#include <string.h>

#include "omnipower/axdr.h"

/* decode_elem() is inlined where it is used: a call per element would cost a good part of it. */
#if defined(__GNUC__)
#define DECODE_INLINE static inline __attribute__((always_inline))
#else
#define DECODE_INLINE static inline
#endif

_Static_assert(sizeof(float) == 4 && sizeof(double) == 8, "IEEE 754 binary32/binary64 expected");

/* Content length per tag 0..27: 0..12 fixed, -1 variable, -2 invalid. */
static const int8_t content_len[28] = {
    0,  -1, -1, 1,  -1, 4, 4,  -2, /* 0..7 */
    -2, -1, -1, -2, -1, 1, -2, 1,  /* 8..15 */
    2,  1,  2,  -1, 8,  8, 1,  4,  /* 16..23 */
    8,  12, 5,  4,                 /* 24..27 */
};

/* The table first: one compare for every tag of the Data CHOICE but don't-care. */
DECODE_INLINE int content_len_of(uint8_t tag)
{
    if (tag < sizeof content_len) {
        return content_len[tag];
    }
    return (tag == OMP_AXDR_TAG_DONT_CARE) ? 0 : OMP_AXDR_LEN_INVALID;
}

int omp_axdr_content_len(uint8_t tag)
{
    return content_len_of(tag);
}

/* Skip a compact-array type description (Blue Book 4.1.5: array = tag, number-of-elements
 * Unsigned16, one description; structure = tag, A-XDR count, that many descriptions; simple
 * types = the tag alone). Iterative: 'pending' counts descriptions still to read. */
static omp_err skip_type_desc(struct omp_rd *rd)
{
    size_t pending = 1u;
    while (pending > 0u) {
        uint8_t tag = 0;
        omp_err err = omp_rd_u8(rd, &tag);
        if (err != OMP_OK) {
            return err;
        }
        pending--;
        int cl = omp_axdr_content_len(tag);
        if (tag == OMP_AXDR_TAG_ARRAY) {
            uint16_t n = 0;
            err = omp_rd_u16be(rd, &n);
            pending++;
        } else if (tag == OMP_AXDR_TAG_STRUCTURE) {
            size_t n = 0;
            err = omp_rd_berlen(rd, &n);
            pending = (n > SIZE_MAX - pending) ? SIZE_MAX : pending + n;
        } else if (cl == OMP_AXDR_LEN_INVALID || tag == OMP_AXDR_TAG_COMPACT_ARRAY) {
            err = OMP_ERR_MALFORMED;
        }
        if (err != OMP_OK) {
            return err;
        }
        if (pending > omp_rd_remaining(rd)) {
            return OMP_ERR_TRUNCATED; /* each description needs one byte at least */
        }
    }
    return OMP_OK;
}

/* Big-endian unsigned of n (0..8) bytes; the common widths without a loop. */
DECODE_INLINE uint64_t be_value(const uint8_t *p, size_t n)
{
    switch (n) {
    case 1:
        return p[0];
    case 2:
        return ((uint64_t)p[0] << 8) | p[1];
    case 4:
        return ((uint64_t)p[0] << 24) | ((uint64_t)p[1] << 16) | ((uint64_t)p[2] << 8) | p[3];
    default: {
        uint64_t v = 0;
        for (size_t i = 0; i < n; i++) {
            v = (v << 8) | p[i];
        }
        return v;
    }
    }
}

/* Two's complement of an n-byte value, without implementation-defined conversions. */
static int64_t be_signed(const uint8_t *p, size_t n)
{
    uint64_t x = be_value(p, n);
    uint64_t sign = (uint64_t)1u << (8u * n - 1u);
    if ((x & sign) == 0u) {
        return (int64_t)x;
    }
    return (int64_t)(x - sign) - (int64_t)(sign - 1u) - 1;
}

/* The value of a fixed-length element (t->data, t->len > 0 bytes) in t->v: integers, floats,
 * booleans, enums; date-time, date and time elements keep their raw bytes in t->data. */
DECODE_INLINE void fixed_value(struct omp_axdr_elem *t)
{
    if (t->tag == OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED) { /* the most common value: counters */
        t->v.u = be_value(t->data, 4u);
        return;
    }
    switch (t->tag) {
    case OMP_AXDR_TAG_INTEGER:
    case OMP_AXDR_TAG_LONG:
    case OMP_AXDR_TAG_DOUBLE_LONG:
    case OMP_AXDR_TAG_LONG64:
        t->v.i = be_signed(t->data, t->len);
        break;
    case OMP_AXDR_TAG_FLOAT32: {
        uint32_t bits = (uint32_t)be_value(t->data, 4u);
        float f;
        memcpy(&f, &bits, sizeof f);
        t->v.f = (double)f;
        break;
    }
    case OMP_AXDR_TAG_FLOAT64: {
        uint64_t bits = be_value(t->data, 8u);
        memcpy(&t->v.f, &bits, sizeof t->v.f);
        break;
    }
    case OMP_AXDR_TAG_DATE_TIME:
    case OMP_AXDR_TAG_DATE:
    case OMP_AXDR_TAG_TIME:
        break;
    default: /* boolean, unsigned types, enum, bcd */
        t->v.u = be_value(t->data, t->len);
        break;
    }
}

/* The rest of a compact-array after its tag: type description, length, contents. */
static omp_err decode_compact(struct omp_rd *r, struct omp_axdr_elem *t)
{
    const size_t at = omp_rd_pos(r);
    omp_err err = skip_type_desc(r);
    if (err != OMP_OK) {
        return err;
    }
    t->type_desc = r->buf + at;
    t->type_desc_len = omp_rd_pos(r) - at;
    if ((err = omp_rd_berlen(r, &t->len)) != OMP_OK ||
        (err = omp_rd_bytes(r, t->len, &t->data)) != OMP_OK) {
        return err;
    }
    t->count = t->len;
    return OMP_OK;
}

/* A compact-array whose tag is at p[pos - 1], into *t; *next = the position after it. */
static omp_err decode_compact_elem(const uint8_t *p, size_t end, size_t pos, size_t *next,
                                   struct omp_axdr_elem *t)
{
    struct omp_rd r = {p, end, pos};
    struct omp_axdr_elem c;
    memset(&c, 0, sizeof c);
    c.tag = OMP_AXDR_TAG_COMPACT_ARRAY;
    omp_err err = decode_compact(&r, &c);
    if (err == OMP_OK) {
        *t = c;
        *next = r.pos;
    }
    return err;
}

/*
 * The element at p[pos], p[end) the end of the input (pos <= end), into *t; *next = the position
 * after it (after the header for arrays/structures). Nothing is written on error, so t may be the
 * caller's output. with_value: fill t->v (skip does not need it). max_depth: an array/structure
 * is OMP_ERR_DEPTH (after the checks of the element itself, as the walker reports it). The checks
 * and their order are those omp_axdr_next() documents; the bytes are read directly, each once.
 */
DECODE_INLINE omp_err decode_elem(const uint8_t *p, size_t end, size_t pos, size_t *next,
                                  struct omp_axdr_elem *t, bool with_value, bool max_depth)
{
    if (pos >= end) {
        return OMP_ERR_TRUNCATED;
    }
    const uint8_t tag = p[pos++];
    const int cl = content_len_of(tag);
    size_t count = 0u, n = 0u;
    const uint8_t *data = NULL;
    if (cl >= 0) {
        n = (size_t)cl;
        if (end - pos < n) {
            return OMP_ERR_TRUNCATED;
        }
        data = (n != 0u) ? p + pos : NULL;
    } else if (cl == OMP_AXDR_LEN_INVALID) {
        return OMP_ERR_MALFORMED;
    } else if (tag == OMP_AXDR_TAG_COMPACT_ARRAY) {
        return decode_compact_elem(p, end, pos, next, t);
    } else {
        if (pos < end && p[pos] < 0x80u) { /* the short form of omp_rd_berlen(), inline */
            count = p[pos++];
        } else {
            struct omp_rd r = {p, end, pos};
            omp_err err = omp_rd_berlen(&r, &count);
            if (err != OMP_OK) {
                return err;
            }
            pos = r.pos;
        }
        if (tag == OMP_AXDR_TAG_ARRAY || tag == OMP_AXDR_TAG_STRUCTURE) {
            if (count > end - pos) {
                return OMP_ERR_TRUNCATED; /* every element needs one byte at least */
            }
            if (max_depth) {
                return OMP_ERR_DEPTH;
            }
        } else {
            n = (tag == OMP_AXDR_TAG_BIT_STRING) ? count / 8u + ((count % 8u) != 0u) : count;
            if (n > end - pos) {
                return OMP_ERR_TRUNCATED;
            }
            data = p + pos; /* as omp_rd_bytes: the position also for an empty string */
        }
    }
    t->tag = tag;
    t->count = count;
    t->data = data;
    t->len = n;
    t->type_desc = NULL;
    t->type_desc_len = 0u;
    t->v.u = 0u;
    if (with_value && cl > 0) {
        fixed_value(t);
    }
    *next = pos + n;
    return OMP_OK;
}

/* decode_elem() for omp_axdr_next() and omp_axdr_skip(): one copy for both (the walker, which
 * the decoders run per element, has its own). */
static omp_err decode_one(const uint8_t *p, size_t end, size_t pos, size_t *next,
                          struct omp_axdr_elem *t, bool with_value)
{
    return decode_elem(p, end, pos, next, t, with_value, false);
}

omp_err omp_axdr_next(struct omp_rd *rd, struct omp_axdr_elem *e)
{
    if (rd == NULL || e == NULL) {
        return OMP_ERR_ARG;
    }
    size_t next = 0;
    omp_err err = decode_one(rd->buf, rd->len, rd->pos, &next, e, true);
    if (err != OMP_OK) {
        return err;
    }
    rd->pos = next;
    return OMP_OK;
}

static bool is_container(uint8_t tag)
{
    return tag == OMP_AXDR_TAG_ARRAY || tag == OMP_AXDR_TAG_STRUCTURE;
}

omp_err omp_axdr_skip(struct omp_rd *rd)
{
    if (rd == NULL) {
        return OMP_ERR_ARG;
    }
    size_t pos = rd->pos;
    /* Elements still to skip. Visited in document order like the walker, so both fail at the
     * same element with the same code; saturating: a huge count just runs into the input's end. */
    size_t pending = 1u;
    while (pending > 0u) {
        struct omp_axdr_elem e;
        omp_err err = decode_one(rd->buf, rd->len, pos, &pos, &e, false);
        if (err != OMP_OK) {
            return err;
        }
        pending--;
        if (is_container(e.tag)) {
            pending = (e.count > SIZE_MAX - pending) ? SIZE_MAX : pending + e.count;
        }
    }
    rd->pos = pos;
    return OMP_OK;
}

void omp_axdr_walk_init(struct omp_axdr_walker *wk)
{
    if (wk != NULL) {
        memset(wk, 0, sizeof *wk);
    }
}

/* An END or DONE event: no element but the closed container's tag and count. */
static void walk_close(struct omp_axdr_event *ev, enum omp_axdr_event_kind kind, uint8_t tag,
                       size_t count, uint8_t depth, size_t pos)
{
    ev->kind = kind;
    ev->elem.tag = tag;
    ev->elem.count = count;
    ev->elem.data = NULL;
    ev->elem.len = 0u;
    ev->elem.type_desc = NULL;
    ev->elem.type_desc_len = 0u;
    ev->elem.v.u = 0u;
    ev->depth = depth;
    ev->index = 0u;
    ev->pos = pos;
}

omp_err omp_axdr_walk(struct omp_axdr_walker *wk, struct omp_rd *rd, struct omp_axdr_event *ev)
{
    if (wk == NULL || rd == NULL || ev == NULL || wk->open > OMP_CONFIG_AXDR_DEPTH) {
        return OMP_ERR_ARG;
    }
    const uint8_t depth = wk->open;
    if (wk->started && depth == 0u) {
        walk_close(ev, OMP_AXDR_EV_DONE, 0u, 0u, 0u, rd->pos);
        return OMP_OK;
    }
    if (depth > 0u) {
        const size_t top = depth - 1u;
        if (wk->stack[top].next >= wk->stack[top].count) {
            walk_close(ev, OMP_AXDR_EV_END, wk->stack[top].tag, wk->stack[top].count, (uint8_t)top,
                       rd->pos);
            wk->open--;
            return OMP_OK;
        }
    }
    size_t next = 0;
    omp_err err = decode_elem(rd->buf, rd->len, rd->pos, &next, &ev->elem, true,
                              depth >= OMP_CONFIG_AXDR_DEPTH);
    if (err != OMP_OK) {
        return err; /* ev untouched */
    }
    const struct omp_axdr_elem *e = &ev->elem;
    const bool container = is_container(e->tag);
    ev->kind = OMP_AXDR_EV_ELEM;
    ev->depth = depth;
    ev->index = (depth > 0u) ? wk->stack[depth - 1u].next++ : 0u;
    ev->pos = rd->pos;
    wk->started = true;
    if (container) {
        wk->stack[depth].tag = e->tag;
        wk->stack[depth].count = e->count;
        wk->stack[depth].next = 0u;
        wk->open++;
    }
    rd->pos = next;
    return OMP_OK;
}

#else
typedef int omp_axdr_walk_unused; /* ISO C forbids an empty translation unit */
#endif /* OMP_CONFIG_DLMS */

/*
 * Bounds-checked reader and writer. Expected values are written by hand from the byte order the
 * function names state (big-/little-endian, two's complement) and from X.690 8.1.3 for BER lengths.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/core.h"

#define GUARD 0xA5u

/* ---- reader: every fixed-width read, value and every truncation ---------------------------- */

/* One reader function adapted to a common shape: returns the error and the value widened to
 * uint64_t; also reports whether the typed output was left untouched (it starts as all 0x5A). */
typedef omp_err (*rd_fn)(struct omp_rd *rd, uint64_t *out, bool *untouched);

#define RD_ADAPTER(fn, type)                                                                       \
    static omp_err ad_##fn(struct omp_rd *rd, uint64_t *out, bool *untouched)                      \
    {                                                                                              \
        type v;                                                                                    \
        type sentinel;                                                                             \
        memset(&v, 0x5A, sizeof v);                                                                \
        memset(&sentinel, 0x5A, sizeof sentinel);                                                  \
        omp_err err = fn(rd, &v);                                                                  \
        *untouched = (memcmp(&v, &sentinel, sizeof v) == 0);                                       \
        *out = (uint64_t)v;                                                                        \
        return err;                                                                                \
    }

RD_ADAPTER(omp_rd_u8, uint8_t)
RD_ADAPTER(omp_rd_u16be, uint16_t)
RD_ADAPTER(omp_rd_u16le, uint16_t)
RD_ADAPTER(omp_rd_u24be, uint32_t)
RD_ADAPTER(omp_rd_u32be, uint32_t)
RD_ADAPTER(omp_rd_u32le, uint32_t)
RD_ADAPTER(omp_rd_u64be, uint64_t)
RD_ADAPTER(omp_rd_u64le, uint64_t)

static omp_err ad_peek(struct omp_rd *rd, uint64_t *out, bool *untouched)
{
    uint8_t v = 0x5A;
    size_t pos = rd->pos;
    omp_err err = omp_rd_peek_u8(rd, &v);
    *untouched = (v == 0x5A);
    *out = v;
    if (err == OMP_OK) {
        assert_int_equal(rd->pos, pos); /* peek consumes nothing: consume it here to match */
        rd->pos++;
    }
    return err;
}

static const struct {
    const char *name;
    rd_fn fn;
    size_t width;
    uint64_t want_01; /* value of 01 02 03 .. */
    uint64_t want_f1; /* value of F1 F2 F3 .. */
} k_readers[] = {
    {"u8", ad_omp_rd_u8, 1, 0x01u, 0xF1u},
    {"peek_u8", ad_peek, 1, 0x01u, 0xF1u},
    {"u16be", ad_omp_rd_u16be, 2, 0x0102u, 0xF1F2u},
    {"u16le", ad_omp_rd_u16le, 2, 0x0201u, 0xF2F1u},
    {"u24be", ad_omp_rd_u24be, 3, 0x010203u, 0xF1F2F3u},
    {"u32be", ad_omp_rd_u32be, 4, 0x01020304u, 0xF1F2F3F4u},
    {"u32le", ad_omp_rd_u32le, 4, 0x04030201u, 0xF4F3F2F1u},
    {"u64be", ad_omp_rd_u64be, 8, 0x0102030405060708u, 0xF1F2F3F4F5F6F7F8u},
    {"u64le", ad_omp_rd_u64le, 8, 0x0807060504030201u, 0xF8F7F6F5F4F3F2F1u},
};

static void test_rd_unsigned_and_truncation(void **state)
{
    (void)state;
    static const uint8_t k_01[] = {0xEE, 1, 2, 3, 4, 5, 6, 7, 8, 0xEE};
    static const uint8_t k_f1[] = {0xEE, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8, 0xEE};
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_readers); i++) {
        size_t w = k_readers[i].width;
        print_message("%s\n", k_readers[i].name);
        for (int pass = 0; pass < 2; pass++) {
            const uint8_t *src = (pass == 0) ? k_01 : k_f1;
            uint64_t want = (pass == 0) ? k_readers[i].want_01 : k_readers[i].want_f1;
            /* exact size and one spare byte, starting after one consumed byte */
            for (size_t extra = 0; extra < 2; extra++) {
                struct omp_rd rd = omp_rd_init(src, 1u + w + extra);
                assert_int_equal(omp_rd_skip(&rd, 1), OMP_OK);
                uint64_t v = 0;
                bool untouched = true;
                assert_int_equal(k_readers[i].fn(&rd, &v, &untouched), OMP_OK);
                assert_false(untouched && w > 0 && want != 0x5A5A5A5A5A5A5A5Au);
                assert_int_equal(v, want);
                assert_int_equal(omp_rd_pos(&rd), 1u + w);
                assert_int_equal(omp_rd_remaining(&rd), extra);
            }
            /* every shorter length: TRUNCATED, output untouched, position unchanged */
            for (size_t len = 0; len < w; len++) {
                struct omp_rd rd = omp_rd_init(src + 1, len);
                uint64_t v = 0;
                bool untouched = false;
                assert_int_equal(k_readers[i].fn(&rd, &v, &untouched), OMP_ERR_TRUNCATED);
                assert_true(untouched);
                assert_int_equal(omp_rd_pos(&rd), 0);
                /* and after consuming a byte */
                rd = omp_rd_init(src, 1u + len);
                assert_int_equal(omp_rd_skip(&rd, 1), OMP_OK);
                assert_int_equal(k_readers[i].fn(&rd, &v, &untouched), OMP_ERR_TRUNCATED);
                assert_true(untouched);
                assert_int_equal(omp_rd_pos(&rd), 1);
            }
        }
    }
}

static void test_rd_signed_extremes(void **state)
{
    (void)state;
    static const struct {
        uint8_t b;
        int8_t want;
    } k_i8[] = {
        {0x00, 0}, {0x01, 1}, {0x7F, 127}, {0x80, -128}, {0x81, -127}, {0xFF, -1},
    };
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_i8); i++) {
        struct omp_rd rd = omp_rd_init(&k_i8[i].b, 1);
        int8_t v = 0;
        assert_int_equal(omp_rd_i8(&rd, &v), OMP_OK);
        assert_int_equal(v, k_i8[i].want);
        assert_int_equal(omp_rd_pos(&rd), 1);
    }
    static const struct {
        uint8_t b[2];
        int16_t want;
    } k_i16[] = {
        {{0x00, 0x00}, 0},   {{0x7F, 0xFF}, INT16_MAX}, {{0x80, 0x00}, INT16_MIN},
        {{0xFF, 0xFF}, -1},  {{0xFF, 0xFE}, -2},        {{0x80, 0x01}, -32767},
        {{0x01, 0x00}, 256},
    };
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_i16); i++) {
        struct omp_rd rd = omp_rd_init(k_i16[i].b, 2);
        int16_t v = 0;
        assert_int_equal(omp_rd_i16be(&rd, &v), OMP_OK);
        assert_int_equal(v, k_i16[i].want);
    }
    static const struct {
        uint8_t b[4];
        int32_t want;
    } k_i32[] = {
        {{0x7F, 0xFF, 0xFF, 0xFF}, INT32_MAX}, {{0x80, 0x00, 0x00, 0x00}, INT32_MIN},
        {{0xFF, 0xFF, 0xFF, 0xFF}, -1},        {{0xFF, 0xFF, 0xFF, 0x9C}, -100},
        {{0x00, 0x00, 0x01, 0x00}, 256},
    };
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_i32); i++) {
        struct omp_rd rd = omp_rd_init(k_i32[i].b, 4);
        int32_t v = 0;
        assert_int_equal(omp_rd_i32be(&rd, &v), OMP_OK);
        assert_int_equal(v, k_i32[i].want);
    }
    static const struct {
        uint8_t b[8];
        int64_t want;
    } k_i64[] = {
        {{0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, INT64_MAX},
        {{0x80, 0, 0, 0, 0, 0, 0, 0}, INT64_MIN},
        {{0x80, 0, 0, 0, 0, 0, 0, 1}, INT64_MIN + 1},
        {{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, -1},
        {{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE}, -2},
        {{0, 0, 0, 0, 0, 0, 0, 0}, 0},
        {{0, 0, 0, 1, 0, 0, 0, 0}, 0x100000000},
    };
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_i64); i++) {
        struct omp_rd rd = omp_rd_init(k_i64[i].b, 8);
        int64_t v = 0;
        assert_int_equal(omp_rd_i64be(&rd, &v), OMP_OK);
        assert_true(v == k_i64[i].want);
    }
    /* truncation of the signed reads */
    static const uint8_t k_ff[8] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    for (size_t len = 0; len < 8; len++) {
        struct omp_rd rd = omp_rd_init(k_ff, len);
        int8_t v8 = 5;
        int16_t v16 = 5;
        int32_t v32 = 5;
        int64_t v64 = 5;
        assert_int_equal(omp_rd_i8(&rd, &v8), len < 1 ? OMP_ERR_TRUNCATED : OMP_OK);
        rd = omp_rd_init(k_ff, len);
        assert_int_equal(omp_rd_i16be(&rd, &v16), len < 2 ? OMP_ERR_TRUNCATED : OMP_OK);
        rd = omp_rd_init(k_ff, len);
        assert_int_equal(omp_rd_i32be(&rd, &v32), len < 4 ? OMP_ERR_TRUNCATED : OMP_OK);
        rd = omp_rd_init(k_ff, len);
        assert_int_equal(omp_rd_i64be(&rd, &v64), OMP_ERR_TRUNCATED);
        assert_int_equal(omp_rd_pos(&rd), 0);
        assert_int_equal(v8, len < 1 ? 5 : -1);
        assert_int_equal(v16, len < 2 ? 5 : -1);
        assert_int_equal(v32, len < 4 ? 5 : -1);
        assert_int_equal(v64, 5);
    }
}

static void test_rd_init_need_expect(void **state)
{
    (void)state;
    static const uint8_t k_b[] = {0x7E, 0xA0};
    struct omp_rd rd = omp_rd_init(NULL, 5); /* NULL buffer: nothing readable */
    assert_int_equal(omp_rd_remaining(&rd), 0);
    assert_int_equal(omp_rd_need(&rd, 0), OMP_OK);
    assert_int_equal(omp_rd_need(&rd, 1), OMP_ERR_TRUNCATED);
    uint8_t v = 9;
    assert_int_equal(omp_rd_u8(&rd, &v), OMP_ERR_TRUNCATED);
    assert_int_equal(v, 9);

    rd = omp_rd_init(k_b, sizeof k_b);
    assert_int_equal(omp_rd_pos(&rd), 0);
    assert_int_equal(omp_rd_remaining(&rd), 2);
    assert_int_equal(omp_rd_need(&rd, 2), OMP_OK);
    assert_int_equal(omp_rd_need(&rd, 3), OMP_ERR_TRUNCATED);
    assert_int_equal(omp_rd_need(&rd, SIZE_MAX), OMP_ERR_TRUNCATED);
    assert_int_equal(omp_rd_u8_expect(&rd, 0x7F), OMP_ERR_UNEXPECTED);
    assert_int_equal(omp_rd_pos(&rd), 0);
    assert_int_equal(omp_rd_u8_expect(&rd, 0x7E), OMP_OK);
    assert_int_equal(omp_rd_pos(&rd), 1);
    assert_int_equal(omp_rd_u8_expect(&rd, 0xA0), OMP_OK);
    assert_int_equal(omp_rd_u8_expect(&rd, 0xA0), OMP_ERR_TRUNCATED);
    assert_int_equal(omp_rd_pos(&rd), 2);
    assert_int_equal(omp_rd_remaining(&rd), 0);
}

static void test_rd_bytes_copy_skip(void **state)
{
    (void)state;
    static const uint8_t k_b[] = {10, 11, 12, 13, 14};
    struct omp_rd rd = omp_rd_init(k_b, sizeof k_b);
    const uint8_t *p = NULL;
    assert_int_equal(omp_rd_bytes(&rd, 0, &p), OMP_OK);
    assert_ptr_equal(p, k_b);
    assert_int_equal(omp_rd_bytes(&rd, 2, &p), OMP_OK);
    assert_ptr_equal(p, &k_b[0]);
    assert_int_equal(omp_rd_pos(&rd), 2);
    const uint8_t *q = (const uint8_t *)&rd; /* sentinel */
    assert_int_equal(omp_rd_bytes(&rd, 4, &q), OMP_ERR_TRUNCATED);
    assert_ptr_equal(q, (const uint8_t *)&rd);
    assert_int_equal(omp_rd_pos(&rd), 2);
    assert_int_equal(omp_rd_bytes(&rd, SIZE_MAX, &q), OMP_ERR_TRUNCATED);

    uint8_t dst[6];
    memset(dst, GUARD, sizeof dst);
    assert_int_equal(omp_rd_copy(&rd, dst, 4), OMP_ERR_TRUNCATED);
    for (size_t i = 0; i < sizeof dst; i++) {
        assert_int_equal(dst[i], GUARD);
    }
    assert_int_equal(omp_rd_copy(&rd, dst, 0), OMP_OK);
    assert_int_equal(omp_rd_copy(&rd, NULL, 0), OMP_OK);
    assert_int_equal(omp_rd_copy(&rd, dst, 2), OMP_OK);
    assert_int_equal(dst[0], 12);
    assert_int_equal(dst[1], 13);
    assert_int_equal(dst[2], GUARD);
    assert_int_equal(omp_rd_pos(&rd), 4);

    assert_int_equal(omp_rd_skip(&rd, 2), OMP_ERR_TRUNCATED);
    assert_int_equal(omp_rd_pos(&rd), 4);
    assert_int_equal(omp_rd_skip(&rd, SIZE_MAX), OMP_ERR_TRUNCATED);
    assert_int_equal(omp_rd_skip(&rd, 0), OMP_OK);
    assert_int_equal(omp_rd_skip(&rd, 1), OMP_OK);
    assert_int_equal(omp_rd_pos(&rd), 5);
    assert_int_equal(omp_rd_bytes(&rd, 0, &p), OMP_OK);
    assert_int_equal(omp_rd_skip(&rd, 1), OMP_ERR_TRUNCATED);
}

static void test_rd_sub(void **state)
{
    (void)state;
    static const uint8_t k_b[] = {3, 0xAA, 0xBB, 0xCC, 0xDD};
    struct omp_rd rd = omp_rd_init(k_b, sizeof k_b);
    uint8_t n = 0;
    assert_int_equal(omp_rd_u8(&rd, &n), OMP_OK);
    struct omp_rd sub;
    memset(&sub, 0x5A, sizeof sub);
    const struct omp_rd before = sub;
    assert_int_equal(omp_rd_sub(&rd, 5, &sub), OMP_ERR_TRUNCATED);
    assert_memory_equal(&sub, &before, sizeof sub);
    assert_int_equal(omp_rd_pos(&rd), 1);
    assert_int_equal(omp_rd_sub(&rd, n, &sub), OMP_OK);
    assert_int_equal(omp_rd_pos(&rd), 4);
    assert_int_equal(omp_rd_remaining(&sub), 3);
    assert_int_equal(omp_rd_pos(&sub), 0);
    /* the sub-reader stops at the field end even though the parent has more bytes */
    uint16_t v16 = 0;
    assert_int_equal(omp_rd_u16be(&sub, &v16), OMP_OK);
    assert_int_equal(v16, 0xAABB);
    uint32_t v32 = 7;
    assert_int_equal(omp_rd_u16be(&sub, &v16), OMP_ERR_TRUNCATED);
    assert_int_equal(omp_rd_u24be(&sub, &v32), OMP_ERR_TRUNCATED);
    assert_int_equal(v32, 7);
    /* nested */
    struct omp_rd sub2;
    assert_int_equal(omp_rd_sub(&sub, 2, &sub2), OMP_ERR_TRUNCATED);
    assert_int_equal(omp_rd_sub(&sub, 1, &sub2), OMP_OK);
    uint8_t v8 = 0;
    assert_int_equal(omp_rd_u8(&sub2, &v8), OMP_OK);
    assert_int_equal(v8, 0xCC);
    assert_int_equal(omp_rd_u8(&sub2, &v8), OMP_ERR_TRUNCATED);
    /* empty sub-reader */
    assert_int_equal(omp_rd_sub(&rd, 0, &sub2), OMP_OK);
    assert_int_equal(omp_rd_remaining(&sub2), 0);
    assert_int_equal(omp_rd_u8(&sub2, &v8), OMP_ERR_TRUNCATED);
    assert_int_equal(omp_rd_u8(&rd, &v8), OMP_OK);
    assert_int_equal(v8, 0xDD);
}

struct berlen_case {
    const char *what;
    uint8_t in[6];
    size_t len;
    omp_err want;
    size_t value;
    size_t used;
};

/* X.690 8.1.3: short form 0..127; long form 0x81..0x84 + big-endian bytes; 0x80 is the
 * indefinite form (not allowed in A-XDR); redundant long forms are accepted (the header says). */
static const struct berlen_case k_berlen[] = {
    {"short 0", {0x00}, 1, OMP_OK, 0, 1},
    {"short 0x7F", {0x7F}, 1, OMP_OK, 0x7F, 1},
    {"long 1 byte 0x80", {0x81, 0x80}, 2, OMP_OK, 0x80, 2},
    {"long 1 byte 0xFF", {0x81, 0xFF}, 2, OMP_OK, 0xFF, 2},
    {"redundant 81 05", {0x81, 0x05}, 2, OMP_OK, 5, 2},
    {"long 2 bytes 0x100", {0x82, 0x01, 0x00}, 3, OMP_OK, 0x100, 3},
    {"redundant 82 00 00", {0x82, 0x00, 0x00}, 3, OMP_OK, 0, 3},
    {"long 3 bytes", {0x83, 0x01, 0x02, 0x03}, 4, OMP_OK, 0x010203, 4},
    {"long 4 bytes max", {0x84, 0xFF, 0xFF, 0xFF, 0xFF}, 5, OMP_OK, 0xFFFFFFFFu, 5},
    {"long 4 bytes 1", {0x84, 0, 0, 0, 1}, 5, OMP_OK, 1, 5},
    {"followed by data", {0x82, 0x01, 0x00, 0xEE}, 4, OMP_OK, 0x100, 3},
    {"indefinite 0x80", {0x80, 0x00}, 2, OMP_ERR_MALFORMED, 0, 0},
    {"0x85 (5 bytes)", {0x85, 0, 0, 0, 0, 1}, 6, OMP_ERR_MALFORMED, 0, 0},
    {"0xFF", {0xFF, 0, 0, 0, 0, 0}, 6, OMP_ERR_MALFORMED, 0, 0},
    {"0x85 alone", {0x85}, 1, OMP_ERR_MALFORMED, 0, 0},
    {"empty", {0}, 0, OMP_ERR_TRUNCATED, 0, 0},
    {"81 alone", {0x81}, 1, OMP_ERR_TRUNCATED, 0, 0},
    {"82 short", {0x82, 0x01}, 2, OMP_ERR_TRUNCATED, 0, 0},
    {"84 short", {0x84, 0xFF, 0xFF, 0xFF}, 4, OMP_ERR_TRUNCATED, 0, 0},
};

static void test_rd_berlen(void **state)
{
    (void)state;
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_berlen); i++) {
        const struct berlen_case *c = &k_berlen[i];
        print_message("%s\n", c->what);
        struct omp_rd rd = omp_rd_init(c->in, c->len);
        size_t v = 12345;
        assert_int_equal(omp_rd_berlen(&rd, &v), c->want);
        if (c->want == OMP_OK) {
            assert_int_equal(v, c->value);
            assert_int_equal(omp_rd_pos(&rd), c->used);
            /* every truncation of a valid encoding */
            for (size_t cut = 0; cut < c->used; cut++) {
                struct omp_rd r2 = omp_rd_init(c->in, cut);
                size_t v2 = 12345;
                assert_int_equal(omp_rd_berlen(&r2, &v2), OMP_ERR_TRUNCATED);
                assert_int_equal(v2, 12345);
                assert_int_equal(omp_rd_pos(&r2), 0);
            }
        } else {
            assert_int_equal(v, 12345);
            assert_int_equal(omp_rd_pos(&rd), 0);
        }
    }
}

/* ---- writer --------------------------------------------------------------------------------- */

/* Output buffer with two guard bytes on each side; the inside also starts as GUARD so that "wrote
 * nothing" can be checked byte for byte. */
struct guarded {
    uint8_t mem[2 + 16 + 2];
    size_t cap;
};

static struct omp_wr guarded_init(struct guarded *g, size_t cap)
{
    assert_true(cap <= 16u);
    memset(g->mem, GUARD, sizeof g->mem);
    g->cap = cap;
    return omp_wr_init(&g->mem[2], cap);
}

static void assert_guards(const struct guarded *g)
{
    assert_int_equal(g->mem[0], GUARD);
    assert_int_equal(g->mem[1], GUARD);
    assert_int_equal(g->mem[2 + g->cap], GUARD);
    assert_int_equal(g->mem[2 + g->cap + 1], GUARD);
}

static void assert_untouched(const struct guarded *g)
{
    for (size_t i = 0; i < sizeof g->mem; i++) {
        assert_int_equal(g->mem[i], GUARD);
    }
}

typedef omp_err (*wr_fn)(struct omp_wr *w, uint64_t v);
static omp_err wa_u8(struct omp_wr *w, uint64_t v)
{
    return omp_wr_u8(w, (uint8_t)v);
}
static omp_err wa_u16be(struct omp_wr *w, uint64_t v)
{
    return omp_wr_u16be(w, (uint16_t)v);
}
static omp_err wa_u16le(struct omp_wr *w, uint64_t v)
{
    return omp_wr_u16le(w, (uint16_t)v);
}
static omp_err wa_u24be(struct omp_wr *w, uint64_t v)
{
    return omp_wr_u24be(w, (uint32_t)v);
}
static omp_err wa_u32be(struct omp_wr *w, uint64_t v)
{
    return omp_wr_u32be(w, (uint32_t)v);
}
static omp_err wa_u32le(struct omp_wr *w, uint64_t v)
{
    return omp_wr_u32le(w, (uint32_t)v);
}
static omp_err wa_u64be(struct omp_wr *w, uint64_t v)
{
    return omp_wr_u64be(w, v);
}
static omp_err wa_u64le(struct omp_wr *w, uint64_t v)
{
    return omp_wr_u64le(w, v);
}

static const struct {
    const char *name;
    wr_fn fn;
    uint64_t v;
    size_t n;
    uint8_t want[8];
} k_writers[] = {
    {"u8", wa_u8, 0xF1u, 1, {0xF1}},
    {"u16be", wa_u16be, 0x0102u, 2, {0x01, 0x02}},
    {"u16le", wa_u16le, 0x0102u, 2, {0x02, 0x01}},
    {"u24be", wa_u24be, 0x010203u, 3, {0x01, 0x02, 0x03}},
    {"u32be", wa_u32be, 0xF1F2F3F4u, 4, {0xF1, 0xF2, 0xF3, 0xF4}},
    {"u32le", wa_u32le, 0xF1F2F3F4u, 4, {0xF4, 0xF3, 0xF2, 0xF1}},
    {"u64be", wa_u64be, 0x0102030405060708u, 8, {1, 2, 3, 4, 5, 6, 7, 8}},
    {"u64le", wa_u64le, 0x0102030405060708u, 8, {8, 7, 6, 5, 4, 3, 2, 1}},
};

static void test_wr_fixed_width(void **state)
{
    (void)state;
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_writers); i++) {
        size_t n = k_writers[i].n;
        print_message("%s\n", k_writers[i].name);
        /* exactly-sized buffer and one larger */
        for (size_t extra = 0; extra < 2; extra++) {
            struct guarded g;
            struct omp_wr w = guarded_init(&g, n + extra);
            assert_int_equal(k_writers[i].fn(&w, k_writers[i].v), OMP_OK);
            assert_memory_equal(&g.mem[2], k_writers[i].want, n);
            assert_int_equal(omp_wr_len(&w), n);
            assert_int_equal(omp_wr_room(&w), extra);
            assert_int_equal(omp_wr_status(&w), OMP_OK);
            assert_guards(&g);
            if (extra == 1) {
                assert_int_equal(g.mem[2 + n], GUARD);
            }
        }
        /* every smaller buffer: NOSPACE, nothing written, sticky */
        for (size_t cap = 0; cap < n; cap++) {
            struct guarded g;
            struct omp_wr w = guarded_init(&g, cap);
            assert_int_equal(k_writers[i].fn(&w, k_writers[i].v), OMP_ERR_NOSPACE);
            assert_untouched(&g);
            assert_int_equal(omp_wr_len(&w), 0);
            assert_int_equal(omp_wr_status(&w), OMP_ERR_NOSPACE);
        }
    }
}

static void test_wr_bytes_fill_sticky(void **state)
{
    (void)state;
    struct guarded g;
    struct omp_wr w = guarded_init(&g, 6);
    static const uint8_t k_src[] = {1, 2, 3, 4};
    assert_int_equal(omp_wr_bytes(&w, k_src, 0), OMP_OK);
    assert_int_equal(omp_wr_bytes(&w, NULL, 0), OMP_OK);
    assert_int_equal(omp_wr_bytes(&w, k_src, 4), OMP_OK);
    assert_int_equal(omp_wr_bytes(&w, k_src, 3), OMP_ERR_NOSPACE);
    assert_int_equal(omp_wr_len(&w), 4);
    assert_int_equal(g.mem[2 + 4], GUARD);
    assert_int_equal(omp_wr_status(&w), OMP_ERR_NOSPACE);
    /* after a failure every later put fails too, even one that would fit: no holes */
    assert_int_equal(omp_wr_fill(&w, 0x00, 3), OMP_ERR_NOSPACE);
    assert_int_equal(omp_wr_fill(&w, 0x00, 2), OMP_ERR_NOSPACE);
    assert_int_equal(omp_wr_fill(&w, 0x11, 0), OMP_ERR_NOSPACE);
    assert_int_equal(omp_wr_status(&w), OMP_ERR_NOSPACE);
    assert_int_equal(omp_wr_len(&w), 4);
    assert_int_equal(omp_wr_room(&w), 2);
    assert_int_equal(g.mem[2 + 4], GUARD);
    assert_int_equal(g.mem[2 + 5], GUARD);
    assert_guards(&g);

    /* truncate: back to a mark, error cleared; a mark past the end does not extend */
    omp_wr_truncate(&w, 2);
    assert_int_equal(omp_wr_len(&w), 2);
    assert_int_equal(omp_wr_status(&w), OMP_OK);
    omp_wr_truncate(&w, 5);
    assert_int_equal(omp_wr_len(&w), 2);
    assert_int_equal(omp_wr_u16be(&w, 0xBEEF), OMP_OK);
    assert_int_equal(g.mem[2 + 2], 0xBE);
    assert_int_equal(g.mem[2 + 3], 0xEF);
    assert_int_equal(omp_wr_fill(&w, 0x77, 3), OMP_ERR_NOSPACE);
    omp_wr_truncate(&w, omp_wr_len(&w)); /* clears the error only */
    assert_int_equal(omp_wr_len(&w), 4);
    assert_int_equal(omp_wr_status(&w), OMP_OK);
    omp_wr_truncate(&w, 0);
    assert_int_equal(omp_wr_len(&w), 0);
    assert_int_equal(omp_wr_room(&w), 6);

    /* NULL buffer: capacity 0 */
    w = omp_wr_init(NULL, 100);
    assert_int_equal(omp_wr_room(&w), 0);
    assert_int_equal(omp_wr_bytes(&w, NULL, 0), OMP_OK);
    assert_int_equal(omp_wr_status(&w), OMP_OK);
    assert_int_equal(omp_wr_u8(&w, 1), OMP_ERR_NOSPACE);
    assert_int_equal(omp_wr_fill(&w, 1, SIZE_MAX), OMP_ERR_NOSPACE);
}

/* X.690 8.1.3.5 minimal definite forms, written by hand. */
static const struct {
    size_t v;
    size_t n;
    uint8_t want[5];
} k_berlen_w[] = {
    {0, 1, {0x00}},
    {0x7F, 1, {0x7F}},
    {0x80, 2, {0x81, 0x80}},
    {0xFF, 2, {0x81, 0xFF}},
    {0x100, 3, {0x82, 0x01, 0x00}},
    {0xFFFF, 3, {0x82, 0xFF, 0xFF}},
    {0x10000, 4, {0x83, 0x01, 0x00, 0x00}},
    {0xFFFFFF, 4, {0x83, 0xFF, 0xFF, 0xFF}},
    {0x1000000, 5, {0x84, 0x01, 0x00, 0x00, 0x00}},
    {0xFFFFFFFF, 5, {0x84, 0xFF, 0xFF, 0xFF, 0xFF}},
};

static void test_wr_berlen(void **state)
{
    (void)state;
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_berlen_w); i++) {
        size_t n = k_berlen_w[i].n;
        struct guarded g;
        struct omp_wr w = guarded_init(&g, n);
        assert_int_equal(omp_wr_berlen(&w, k_berlen_w[i].v), OMP_OK);
        assert_int_equal(omp_wr_len(&w), n);
        assert_memory_equal(&g.mem[2], k_berlen_w[i].want, n);
        assert_guards(&g);
        /* reads back */
        struct omp_rd rd = omp_rd_init(&g.mem[2], n);
        size_t back = 0;
        assert_int_equal(omp_rd_berlen(&rd, &back), OMP_OK);
        assert_int_equal(back, k_berlen_w[i].v);
        assert_int_equal(omp_rd_pos(&rd), n);
        for (size_t cap = 0; cap < n; cap++) {
            w = guarded_init(&g, cap);
            assert_int_equal(omp_wr_berlen(&w, k_berlen_w[i].v), OMP_ERR_NOSPACE);
            assert_untouched(&g);
            assert_int_equal(omp_wr_status(&w), OMP_ERR_NOSPACE);
        }
    }
#if SIZE_MAX > 0xFFFFFFFFu
    /* above 4 length bytes: not encodable; nothing written, error sticky */
    struct guarded g;
    struct omp_wr w = guarded_init(&g, 16);
    assert_int_equal(omp_wr_berlen(&w, (size_t)0x100000000u), OMP_ERR_RANGE);
    assert_int_equal(omp_wr_berlen(&w, SIZE_MAX), OMP_ERR_RANGE);
    assert_untouched(&g);
    assert_int_equal(omp_wr_len(&w), 0);
    assert_int_equal(omp_wr_status(&w), OMP_ERR_RANGE);
    assert_int_equal(omp_wr_u8(&w, 1), OMP_ERR_RANGE); /* first error kept, nothing written */
    assert_int_equal(omp_wr_len(&w), 0);
    assert_untouched(&g);
    /* and a NOSPACE first stays first */
    w = guarded_init(&g, 0);
    assert_int_equal(omp_wr_u8(&w, 1), OMP_ERR_NOSPACE);
    assert_int_equal(omp_wr_berlen(&w, SIZE_MAX), OMP_ERR_NOSPACE);
    assert_int_equal(omp_wr_status(&w), OMP_ERR_NOSPACE);
#endif
}

static void test_wr_patch_u16be(void **state)
{
    (void)state;
    struct guarded g;
    struct omp_wr w = guarded_init(&g, 8);
    assert_int_equal(omp_wr_patch_u16be(&w, 0, 0x1234), OMP_ERR_ARG); /* nothing written yet */
    assert_int_equal(omp_wr_u32be(&w, 0), OMP_OK);
    assert_int_equal(omp_wr_patch_u16be(&w, 0, 0x1234), OMP_OK);
    assert_int_equal(omp_wr_patch_u16be(&w, 2, 0xABCD), OMP_OK);
    static const uint8_t k_want[] = {0x12, 0x34, 0xAB, 0xCD};
    assert_memory_equal(&g.mem[2], k_want, 4);
    assert_int_equal(omp_wr_patch_u16be(&w, 1, 0x5566), OMP_OK);
    static const uint8_t k_want2[] = {0x12, 0x55, 0x66, 0xCD};
    assert_memory_equal(&g.mem[2], k_want2, 4);
    /* at + 2 > len: refused, nothing changed, even though the buffer has room there */
    assert_int_equal(omp_wr_patch_u16be(&w, 3, 0xFFFF), OMP_ERR_ARG);
    assert_int_equal(omp_wr_patch_u16be(&w, 4, 0xFFFF), OMP_ERR_ARG);
    assert_int_equal(omp_wr_patch_u16be(&w, SIZE_MAX, 0xFFFF), OMP_ERR_ARG);
    assert_int_equal(omp_wr_patch_u16be(&w, SIZE_MAX - 1u, 0xFFFF), OMP_ERR_ARG);
    assert_memory_equal(&g.mem[2], k_want2, 4);
    for (size_t i = 4; i < 8; i++) {
        assert_int_equal(g.mem[2 + i], GUARD);
    }
    assert_guards(&g);
    assert_int_equal(omp_wr_len(&w), 4);
    assert_int_equal(omp_wr_status(&w), OMP_OK); /* a refused patch is not a put */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rd_unsigned_and_truncation),
        cmocka_unit_test(test_rd_signed_extremes),
        cmocka_unit_test(test_rd_init_need_expect),
        cmocka_unit_test(test_rd_bytes_copy_skip),
        cmocka_unit_test(test_rd_sub),
        cmocka_unit_test(test_rd_berlen),
        cmocka_unit_test(test_wr_fixed_width),
        cmocka_unit_test(test_wr_bytes_fill_sticky),
        cmocka_unit_test(test_wr_berlen),
        cmocka_unit_test(test_wr_patch_u16be),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

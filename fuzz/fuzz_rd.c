/*
 * The bounds-checked reader driven by the input: the first byte says how many of the following
 * bytes are operations; the rest is the buffer being read (a suffix of the input, so ASan flags any
 * read past it). Each operation byte picks a read (u8 .. u64, signed, peek, expect, bytes, copy,
 * skip, need, berlen, sub-reader push/pop); some take the next operation byte as their argument.
 *
 * Checks after every operation: 0 <= pos <= len; a failed read leaves pos unchanged and its output
 * untouched and fails only with the documented codes; a successful read advances pos by exactly its
 * width and returns the bytes that are there (compared with an independent decoding); BER lengths
 * re-encode with omp_wr_berlen and decode to the same value; sub-readers stay inside their parent.
 */
#include <string.h>

#include "fuzz.h"
#include "omnipower/core.h"

#define MAX_DEPTH 8

static uint64_t be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        v = v * 256u + p[i];
    }
    return v;
}

static uint64_t le(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        v |= (uint64_t)p[i] << (8u * i);
    }
    return v;
}

/* Check the outcome of a fixed-width read of @p n bytes that started at @p pos0. */
static void check_fixed(const struct omp_rd *rd, size_t pos0, size_t n, omp_err err, bool changed)
{
    OMP_FUZZ_CHECK(rd->pos <= rd->len);
    if (rd->len - pos0 >= n) {
        OMP_FUZZ_CHECK(err == OMP_OK);
        OMP_FUZZ_CHECK(rd->pos == pos0 + n);
    } else {
        OMP_FUZZ_CHECK(err == OMP_ERR_TRUNCATED);
        OMP_FUZZ_CHECK(rd->pos == pos0);
        OMP_FUZZ_CHECK(!changed);
    }
}

#define READ_U(fn, type, n, conv)                                                                  \
    do {                                                                                           \
        type v_;                                                                                   \
        memset(&v_, 0x5A, sizeof v_);                                                              \
        type s_ = v_;                                                                              \
        omp_err e_ = fn(rd, &v_);                                                                  \
        check_fixed(rd, pos0, (n), e_, memcmp(&v_, &s_, sizeof v_) != 0);                          \
        if (e_ == OMP_OK) {                                                                        \
            OMP_FUZZ_CHECK((uint64_t)v_ == conv(rd->buf + pos0, (n)));                             \
        }                                                                                          \
    } while (0)

#define READ_S(fn, type, n)                                                                        \
    do {                                                                                           \
        type v_;                                                                                   \
        memset(&v_, 0x5A, sizeof v_);                                                              \
        type s_ = v_;                                                                              \
        omp_err e_ = fn(rd, &v_);                                                                  \
        check_fixed(rd, pos0, (n), e_, memcmp(&v_, &s_, sizeof v_) != 0);                          \
        if (e_ == OMP_OK) {                                                                        \
            /* two's complement: same bits as the big-endian unsigned value */                     \
            uint64_t u_ = be(rd->buf + pos0, (n));                                                 \
            uint64_t mask_ = ((n) == 8u) ? UINT64_MAX : (((uint64_t)1 << (8u * (n))) - 1u);        \
            OMP_FUZZ_CHECK(((uint64_t)(int64_t)v_ & mask_) == u_);                                 \
            OMP_FUZZ_CHECK((v_ < 0) == ((u_ >> (8u * (n)-1u)) != 0u));                             \
        }                                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0u) {
        struct omp_rd empty = omp_rd_init(NULL, 0);
        uint8_t v = 0;
        OMP_FUZZ_CHECK(omp_rd_u8(&empty, &v) == OMP_ERR_TRUNCATED);
        return 0;
    }
    size_t nops = data[0];
    if (nops > size - 1u) {
        nops = size - 1u;
    }
    const uint8_t *ops = data + 1;
    const uint8_t *buf = data + 1 + nops;
    size_t len = size - 1u - nops;

    struct omp_rd stack[MAX_DEPTH];
    size_t depth = 0;
    stack[0] = omp_rd_init(len > 0u ? buf : NULL, len);
    OMP_FUZZ_CHECK(stack[0].len == len && stack[0].pos == 0u);

    for (size_t i = 0; i < nops; i++) {
        struct omp_rd *rd = &stack[depth];
        size_t pos0 = rd->pos;
        uint8_t op = ops[i];
        /* argument: the next op byte (consumed), small so that it often fits */
        size_t arg = 0;
        if ((op & 0x80u) != 0u && i + 1u < nops) {
            arg = ops[++i];
        }
        switch (op % 24u) {
        case 0:
            READ_U(omp_rd_u8, uint8_t, 1u, be);
            break;
        case 1:
            READ_U(omp_rd_u16be, uint16_t, 2u, be);
            break;
        case 2:
            READ_U(omp_rd_u16le, uint16_t, 2u, le);
            break;
        case 3:
            READ_U(omp_rd_u24be, uint32_t, 3u, be);
            break;
        case 4:
            READ_U(omp_rd_u32be, uint32_t, 4u, be);
            break;
        case 5:
            READ_U(omp_rd_u32le, uint32_t, 4u, le);
            break;
        case 6:
            READ_U(omp_rd_u64be, uint64_t, 8u, be);
            break;
        case 7:
            READ_U(omp_rd_u64le, uint64_t, 8u, le);
            break;
        case 8:
            READ_S(omp_rd_i8, int8_t, 1u);
            break;
        case 9:
            READ_S(omp_rd_i16be, int16_t, 2u);
            break;
        case 10:
            READ_S(omp_rd_i32be, int32_t, 4u);
            break;
        case 11:
            READ_S(omp_rd_i64be, int64_t, 8u);
            break;
        case 12: {
            uint8_t v = 0x5A;
            omp_err e = omp_rd_peek_u8(rd, &v);
            OMP_FUZZ_CHECK(rd->pos == pos0);
            if (pos0 < rd->len) {
                OMP_FUZZ_CHECK(e == OMP_OK && v == rd->buf[pos0]);
            } else {
                OMP_FUZZ_CHECK(e == OMP_ERR_TRUNCATED && v == 0x5A);
            }
            break;
        }
        case 13: {
            omp_err e = omp_rd_u8_expect(rd, (uint8_t)arg);
            if (pos0 == rd->len) {
                OMP_FUZZ_CHECK(e == OMP_ERR_TRUNCATED && rd->pos == pos0);
            } else if (rd->buf[pos0] == (uint8_t)arg) {
                OMP_FUZZ_CHECK(e == OMP_OK && rd->pos == pos0 + 1u);
            } else {
                OMP_FUZZ_CHECK(e == OMP_ERR_UNEXPECTED && rd->pos == pos0);
            }
            break;
        }
        case 14: {
            const uint8_t *p = (const uint8_t *)&stack; /* sentinel */
            omp_err e = omp_rd_bytes(rd, arg, &p);
            check_fixed(rd, pos0, arg, e, p != (const uint8_t *)&stack);
            if (e == OMP_OK && arg > 0u) {
                OMP_FUZZ_CHECK(p == rd->buf + pos0);
            }
            break;
        }
        case 15: {
            uint8_t dst[256];
            memset(dst, 0xA5, sizeof dst);
            omp_err e = omp_rd_copy(rd, dst, arg);
            bool changed = false;
            for (size_t k = 0; k < sizeof dst; k++) {
                changed = changed || dst[k] != 0xA5u;
            }
            check_fixed(rd, pos0, arg, e, changed);
            if (e == OMP_OK && arg > 0u) {
                OMP_FUZZ_CHECK(memcmp(dst, rd->buf + pos0, arg) == 0);
            }
            break;
        }
        case 16: {
            omp_err e = omp_rd_skip(rd, arg);
            check_fixed(rd, pos0, arg, e, false);
            break;
        }
        case 17: {
            omp_err e = omp_rd_need(rd, arg);
            OMP_FUZZ_CHECK(rd->pos == pos0);
            OMP_FUZZ_CHECK(e == ((rd->len - pos0 >= arg) ? OMP_OK : OMP_ERR_TRUNCATED));
            OMP_FUZZ_CHECK(omp_rd_remaining(rd) == rd->len - pos0);
            break;
        }
        case 18:
        case 19: {
            size_t v = 0x5A5A;
            omp_err e = omp_rd_berlen(rd, &v);
            OMP_FUZZ_CHECK(rd->pos <= rd->len);
            if (e != OMP_OK) {
                OMP_FUZZ_CHECK(e == OMP_ERR_TRUNCATED || e == OMP_ERR_MALFORMED ||
                               e == OMP_ERR_RANGE);
                OMP_FUZZ_CHECK(rd->pos == pos0 && v == 0x5A5A);
                break;
            }
            uint8_t first = rd->buf[pos0];
            size_t used = (first < 0x80u) ? 1u : 1u + (first & 0x7Fu);
            OMP_FUZZ_CHECK(first < 0x80u || (first != 0x80u && (first & 0x7Fu) <= 4u));
            OMP_FUZZ_CHECK(rd->pos == pos0 + used);
            OMP_FUZZ_CHECK((uint64_t)v ==
                           ((used == 1u) ? first : be(rd->buf + pos0 + 1, used - 1u)));
            /* re-encode minimally and decode again */
            uint8_t enc[5];
            struct omp_wr w = omp_wr_init(enc, sizeof enc);
            OMP_FUZZ_CHECK(omp_wr_berlen(&w, v) == OMP_OK);
            OMP_FUZZ_CHECK(omp_wr_len(&w) <= used);
            struct omp_rd r2 = omp_rd_init(enc, omp_wr_len(&w));
            size_t v2 = 0;
            OMP_FUZZ_CHECK(omp_rd_berlen(&r2, &v2) == OMP_OK && v2 == v);
            OMP_FUZZ_CHECK(omp_rd_remaining(&r2) == 0u);
            break;
        }
        case 20:
        case 21: { /* push a sub-reader */
            if (depth + 1u >= MAX_DEPTH) {
                break;
            }
            struct omp_rd sub;
            memset(&sub, 0x5A, sizeof sub);
            struct omp_rd s0 = sub;
            omp_err e = omp_rd_sub(rd, arg, &sub);
            check_fixed(rd, pos0, arg, e, memcmp(&sub, &s0, sizeof sub) != 0);
            if (e == OMP_OK) {
                OMP_FUZZ_CHECK(sub.len == arg && sub.pos == 0u);
                if (arg > 0u) {
                    OMP_FUZZ_CHECK(sub.buf == rd->buf + pos0);
                }
                stack[++depth] = sub;
            }
            break;
        }
        case 22: /* pop */
            if (depth > 0u) {
                depth--;
            }
            break;
        default: { /* 23: consume everything left, in one read */
            size_t rem = omp_rd_remaining(rd);
            const uint8_t *p = NULL;
            OMP_FUZZ_CHECK(omp_rd_bytes(rd, rem, &p) == OMP_OK);
            OMP_FUZZ_CHECK(omp_rd_remaining(rd) == 0u && rd->pos == rd->len);
            uint8_t v = 0;
            OMP_FUZZ_CHECK(omp_rd_u8(rd, &v) == OMP_ERR_TRUNCATED);
            break;
        }
        }
        /* invariants of every reader on the stack */
        for (size_t k = 0; k <= depth; k++) {
            OMP_FUZZ_CHECK(stack[k].pos <= stack[k].len);
            OMP_FUZZ_CHECK(omp_rd_pos(&stack[k]) + omp_rd_remaining(&stack[k]) == stack[k].len);
            if (k > 0u && stack[k].len > 0u) {
                OMP_FUZZ_CHECK(stack[k].buf >= buf && stack[k].buf + stack[k].len <= buf + len);
            }
        }
    }
    return 0;
}

/*
 * A-XDR data codec (module axdr): tags, one-element decoding, length forms, walker, skip,
 * encoders and the container builder, COSEM date-time/date/time, OBIS codes.
 *
 * Expected byte strings are written by hand from the A-XDR rules (IEC 61334-6, as the DLMS Blue
 * Book 4.1.5 "Data" CHOICE uses them: tag byte, then fixed-size big-endian content, or a BER
 * length/count 0..0x7F / 0x81..0x84 + 1..4 bytes, then the content). IEEE 754 bit patterns
 * (1.0f = 3F800000, -2.5f = C0200000, -2.5 = C004000000000000) are the standard's encodings.
 * Real frames come from ../shared/vectors (sources and expected values in its README.md); offsets
 * into them were worked out by hand from the hex and are stated next to each use. UTC instants
 * for date-time conversions come from the host's timegm() (independent of the code under test).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "omnipower/axdr.h"

/* ---- helpers ------------------------------------------------------------------------------ */

#include "test_hex.h"

static omp_time_s utc(int year, int month, int day, int hour, int minute, int second)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    return (omp_time_s)timegm(&tm);
}

/*
 * Run an encoder call `call` (which uses the writer `w`) into an exactly sized buffer with 0xA5
 * guards and compare with the hand-written bytes; then again one byte short (NOSPACE, nothing
 * written); then decode the bytes and re-encode them canonically with omp_axdr_put_elem.
 */
#define EXPECT_PUT(call, ...)                                                                      \
    do {                                                                                           \
        static const uint8_t want_[] = {__VA_ARGS__};                                              \
        uint8_t buf_[sizeof want_ + 2u];                                                           \
        memset(buf_, 0xA5, sizeof buf_);                                                           \
        struct omp_wr w = omp_wr_init(buf_ + 1, sizeof want_);                                     \
        assert_int_equal((call), OMP_OK);                                                          \
        assert_int_equal(omp_wr_len(&w), sizeof want_);                                            \
        assert_memory_equal(buf_ + 1, want_, sizeof want_);                                        \
        assert_int_equal(buf_[0], 0xA5);                                                           \
        assert_int_equal(buf_[sizeof want_ + 1u], 0xA5);                                           \
        memset(buf_, 0xA5, sizeof buf_);                                                           \
        w = omp_wr_init(buf_ + 1, sizeof want_ - 1u);                                              \
        assert_int_equal((call), OMP_ERR_NOSPACE);                                                 \
        assert_int_equal(omp_wr_len(&w), 0);                                                       \
        for (size_t g_ = 0; g_ < sizeof buf_; g_++) {                                              \
            assert_int_equal(buf_[g_], 0xA5);                                                      \
        }                                                                                          \
        check_roundtrip(want_, sizeof want_);                                                      \
    } while (0)

static void check_roundtrip(const uint8_t *in, size_t len)
{
    /* containers: the header only; null-data children (00) follow so the count is plausible */
    uint8_t tmp[700] = {0};
    assert_true(len <= 300u);
    memcpy(tmp, in, len);
    struct omp_rd rd = omp_rd_init(tmp, (in[0] == 1u || in[0] == 2u) ? len + 400u : len);
    struct omp_axdr_elem e;
    assert_int_equal(omp_axdr_next(&rd, &e), OMP_OK);
    assert_int_equal(omp_rd_pos(&rd), len);
    if (e.data != NULL) {
        assert_true(e.data >= tmp && e.data + e.len <= tmp + len); /* zero-copy, inside */
    }
    uint8_t out[300];
    struct omp_wr w = omp_wr_init(out, sizeof out);
    assert_int_equal(omp_axdr_put_elem(&w, &e), OMP_OK);
    assert_int_equal(omp_wr_len(&w), len);
    assert_memory_equal(out, in, len);
}

static struct omp_axdr_elem decode1(const uint8_t *in, size_t len)
{
    struct omp_rd rd = omp_rd_init(in, len);
    struct omp_axdr_elem e;
    assert_int_equal(omp_axdr_next(&rd, &e), OMP_OK);
    assert_int_equal(omp_rd_pos(&rd), len);
    return e;
}

/* ---- tags --------------------------------------------------------------------------------- */

static void test_content_len(void **state)
{
    (void)state;
    /* Blue Book 4.1.5 Data CHOICE and the A-XDR fixed sizes */
    static const struct { uint8_t tag; int len; } t[] = {
        {0, 0},   {1, OMP_AXDR_LEN_VARIABLE}, {2, OMP_AXDR_LEN_VARIABLE}, {3, 1},
        {4, OMP_AXDR_LEN_VARIABLE}, {5, 4}, {6, 4}, {7, OMP_AXDR_LEN_INVALID},
        {8, OMP_AXDR_LEN_INVALID}, {9, OMP_AXDR_LEN_VARIABLE}, {10, OMP_AXDR_LEN_VARIABLE},
        {11, OMP_AXDR_LEN_INVALID}, {12, OMP_AXDR_LEN_VARIABLE}, {13, 1},
        {14, OMP_AXDR_LEN_INVALID}, {15, 1}, {16, 2}, {17, 1}, {18, 2},
        {19, OMP_AXDR_LEN_VARIABLE}, {20, 8}, {21, 8}, {22, 1}, {23, 4}, {24, 8}, {25, 12},
        {26, 5}, {27, 4}, {28, OMP_AXDR_LEN_INVALID}, {254, OMP_AXDR_LEN_INVALID}, {255, 0},
    };
    for (size_t i = 0; i < OMP_ARRAY_LEN(t); i++) {
        assert_int_equal(omp_axdr_content_len(t[i].tag), t[i].len);
    }
    /* invalid tags are MALFORMED; reader unchanged */
    static const uint8_t bad[] = {7, 8, 11, 14, 28, 0x80, 254};
    for (size_t i = 0; i < sizeof bad; i++) {
        uint8_t in[4] = {bad[i], 0, 0, 0};
        struct omp_rd rd = omp_rd_init(in, sizeof in);
        struct omp_axdr_elem e;
        assert_int_equal(omp_axdr_next(&rd, &e), OMP_ERR_MALFORMED);
        assert_int_equal(omp_rd_pos(&rd), 0);
    }
}

/* ---- every type: encode -> bytes -> decode ---------------------------------------------------- */

static void test_put_every_type(void **state)
{
    (void)state;
    static const uint8_t bits[2] = {0xA5, 0xF0};
    static const uint8_t abc[3] = {'A', 'B', 'C'};
    EXPECT_PUT(omp_axdr_put_null(&w), 0x00);
    EXPECT_PUT(omp_axdr_put_bool(&w, true), 0x03, 0x01);
    EXPECT_PUT(omp_axdr_put_bool(&w, false), 0x03, 0x00);
    EXPECT_PUT(omp_axdr_put_bitstring(&w, bits, 12), 0x04, 0x0C, 0xA5, 0xF0);
    EXPECT_PUT(omp_axdr_put_bitstring(&w, bits, 8), 0x04, 0x08, 0xA5);
    EXPECT_PUT(omp_axdr_put_i32(&w, -2), 0x05, 0xFF, 0xFF, 0xFF, 0xFE);
    EXPECT_PUT(omp_axdr_put_i32(&w, INT32_MIN), 0x05, 0x80, 0x00, 0x00, 0x00);
    /* S1 GET-RESPONSE of the Kamstrup DLMS doc: 06 00BC614F = 12345679 */
    EXPECT_PUT(omp_axdr_put_u32(&w, 12345679u), 0x06, 0x00, 0xBC, 0x61, 0x4F);
    EXPECT_PUT(omp_axdr_put_octets(&w, abc, 3), 0x09, 0x03, 'A', 'B', 'C');
    EXPECT_PUT(omp_axdr_put_octets(&w, NULL, 0), 0x09, 0x00);
    EXPECT_PUT(omp_axdr_put_visible(&w, "Kamstrup_V0001", 14), 0x0A, 0x0E, 'K', 'a', 'm', 's',
               't', 'r', 'u', 'p', '_', 'V', '0', '0', '0', '1');
    EXPECT_PUT(omp_axdr_put_utf8(&w, "\xC3\xA9", 2), 0x0C, 0x02, 0xC3, 0xA9);
    EXPECT_PUT(omp_axdr_put_bcd(&w, 0x12), 0x0D, 0x12);
    EXPECT_PUT(omp_axdr_put_i8(&w, -1), 0x0F, 0xFF);
    EXPECT_PUT(omp_axdr_put_i8(&w, -128), 0x0F, 0x80);
    EXPECT_PUT(omp_axdr_put_i16(&w, -300), 0x10, 0xFE, 0xD4);
    EXPECT_PUT(omp_axdr_put_u8(&w, 200), 0x11, 0xC8);
    EXPECT_PUT(omp_axdr_put_u16(&w, 232), 0x12, 0x00, 0xE8); /* HAN UL1 = 232 V */
    EXPECT_PUT(omp_axdr_put_i64(&w, -1), 0x14, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF);
    EXPECT_PUT(omp_axdr_put_i64(&w, 0x0102030405060708), 0x14, 1, 2, 3, 4, 5, 6, 7, 8);
    EXPECT_PUT(omp_axdr_put_u64(&w, UINT64_MAX), 0x15, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
               0xFF);
    EXPECT_PUT(omp_axdr_put_enum(&w, 3), 0x16, 0x03);
    EXPECT_PUT(omp_axdr_put_f32(&w, 1.0f), 0x17, 0x3F, 0x80, 0x00, 0x00);
    EXPECT_PUT(omp_axdr_put_f32(&w, -2.5f), 0x17, 0xC0, 0x20, 0x00, 0x00);
    EXPECT_PUT(omp_axdr_put_f64(&w, -2.5), 0x18, 0xC0, 0x04, 0, 0, 0, 0, 0, 0);
    EXPECT_PUT(omp_axdr_put_array(&w, 3), 0x01, 0x03);
    EXPECT_PUT(omp_axdr_put_array(&w, 200), 0x01, 0x81, 0xC8);
    EXPECT_PUT(omp_axdr_put_structure(&w, 0x19), 0x02, 0x19);
    EXPECT_PUT(omp_axdr_put_structure(&w, 300), 0x02, 0x82, 0x01, 0x2C);

    /* date-time 2022-01-24 (Monday) 18:58:50, hundredths and deviation unspecified, status 0:
     * the HAN push header of LLC_SE_LIST_3PH_ANONYMISED, 07E6 01 18 01 12 3A 32 FF 8000 00 */
    const struct omp_axdr_datetime dt = {{2022, 1, 24, 1}, {18, 58, 50, 0xFF},
                                         OMP_AXDR_DEVIATION_ANY, 0x00};
    EXPECT_PUT(omp_axdr_put_datetime(&w, &dt), 0x19, 0x07, 0xE6, 0x01, 0x18, 0x01, 0x12, 0x3A,
               0x32, 0xFF, 0x80, 0x00, 0x00);
    /* date 2013-03-31 (Sunday) and time 02:00:00.00: the DST begin of the K351C clock example */
    const struct omp_axdr_date d = {2013, 3, 31, 7};
    EXPECT_PUT(omp_axdr_put_date(&w, &d), 0x1A, 0x07, 0xDD, 0x03, 0x1F, 0x07);
    const struct omp_axdr_time t = {2, 0, 0, 0};
    EXPECT_PUT(omp_axdr_put_time(&w, &t), 0x1B, 0x02, 0x00, 0x00, 0x00);
}

static void test_decode_values(void **state)
{
    (void)state;
    struct omp_axdr_elem e;
    static const uint8_t dl[] = {0x05, 0xFF, 0xFF, 0xFF, 0xFE};
    e = decode1(dl, sizeof dl);
    assert_int_equal(e.tag, OMP_AXDR_TAG_DOUBLE_LONG);
    assert_true(e.v.i == -2);
    static const uint8_t dlu[] = {0x06, 0x00, 0xBC, 0x61, 0x4F};
    e = decode1(dlu, sizeof dlu);
    assert_true(e.v.u == 12345679u);
    static const uint8_t l[] = {0x10, 0xFE, 0xD4};
    e = decode1(l, sizeof l);
    assert_true(e.v.i == -300);
    static const uint8_t i64[] = {0x14, 0x80, 0, 0, 0, 0, 0, 0, 0};
    e = decode1(i64, sizeof i64);
    assert_true(e.v.i == INT64_MIN);
    static const uint8_t u64[] = {0x15, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE};
    e = decode1(u64, sizeof u64);
    assert_true(e.v.u == UINT64_MAX - 1u);
    static const uint8_t f32[] = {0x17, 0xC0, 0x20, 0x00, 0x00};
    e = decode1(f32, sizeof f32);
    assert_true(e.v.f == -2.5);
    static const uint8_t f32b[] = {0x17, 0x3D, 0xCC, 0xCC, 0xCD}; /* 0.1f, exactly */
    e = decode1(f32b, sizeof f32b);
    assert_true(e.v.f == (double)0.1f);
    static const uint8_t f64[] = {0x18, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0};
    e = decode1(f64, sizeof f64);
    assert_true(e.v.f == 1.0);
    /* a boolean TRUE may be any non-zero byte (A-XDR); re-encoded canonically as 01 */
    static const uint8_t b[] = {0x03, 0xFF};
    e = decode1(b, sizeof b);
    assert_true(e.v.u == 0xFFu);
    static const uint8_t bs[] = {0x04, 0x0C, 0xA5, 0xF0};
    e = decode1(bs, sizeof bs);
    assert_int_equal(e.count, 12);
    assert_int_equal(e.len, 2);
    assert_ptr_equal(e.data, bs + 2);
    static const uint8_t os[] = {0x09, 0x03, 'A', 'B', 'C'};
    e = decode1(os, sizeof os);
    assert_int_equal(e.len, 3);
    assert_ptr_equal(e.data, os + 2); /* zero-copy */
    static const uint8_t dtm[] = {0x19, 0x07, 0xE6, 0x01, 0x18, 0x01, 0x12, 0x3A, 0x32, 0xFF,
                                  0x80, 0x00, 0x00};
    e = decode1(dtm, sizeof dtm);
    assert_int_equal(e.len, 12);
    assert_ptr_equal(e.data, dtm + 1);
    static const uint8_t arr[] = {0x01, 0x02, 0x11, 0x01, 0x11, 0x02};
    struct omp_rd rd = omp_rd_init(arr, sizeof arr);
    assert_int_equal(omp_axdr_next(&rd, &e), OMP_OK);
    assert_int_equal(e.count, 2);
    assert_int_equal(omp_rd_pos(&rd), 2); /* children are not consumed */
    static const uint8_t dc[] = {0xFF};
    e = decode1(dc, sizeof dc);
    assert_int_equal(e.tag, OMP_AXDR_TAG_DONT_CARE);
    assert_int_equal(omp_axdr_next(NULL, &e), OMP_ERR_ARG);
    assert_int_equal(omp_axdr_next(&rd, NULL), OMP_ERR_ARG);
}

/* ---- length forms ---------------------------------------------------------------------------- */

static void test_length_forms(void **state)
{
    (void)state;
    static uint8_t in[70000];
    static uint8_t out[70000];
    /* short form 0x00..0x7F, then 0x81 xx, 0x82 xxxx, 0x83 xxxxxx (X.690 8.1.3) */
    static const struct { size_t n; uint8_t hdr[5]; size_t hlen; } forms[] = {
        {0, {0x00}, 1},          {1, {0x01}, 1},
        {127, {0x7F}, 1},        {128, {0x81, 0x80}, 2},
        {255, {0x81, 0xFF}, 2},  {256, {0x82, 0x01, 0x00}, 3},
        {65535, {0x82, 0xFF, 0xFF}, 3}, {65536, {0x83, 0x01, 0x00, 0x00}, 4},
    };
    for (size_t i = 0; i < OMP_ARRAY_LEN(forms); i++) {
        const size_t n = forms[i].n;
        in[0] = OMP_AXDR_TAG_OCTET_STRING;
        memcpy(in + 1, forms[i].hdr, forms[i].hlen);
        memset(in + 1 + forms[i].hlen, 0x5A, n);
        const size_t total = 1u + forms[i].hlen + n;
        struct omp_axdr_elem e = decode1(in, total);
        assert_int_equal(e.len, n);
        struct omp_wr w = omp_wr_init(out, total);
        assert_int_equal(omp_axdr_put_octets(&w, in + 1 + forms[i].hlen, n), OMP_OK);
        assert_int_equal(omp_wr_len(&w), total);
        assert_memory_equal(out, in, total);
        /* one byte missing anywhere: TRUNCATED, reader unchanged */
        struct omp_rd rd = omp_rd_init(in, total - 1u);
        assert_int_equal(omp_axdr_next(&rd, &e), OMP_ERR_TRUNCATED);
        assert_int_equal(omp_rd_pos(&rd), 0);
    }
    /* non-minimal long forms are accepted (A-XDR decoders must): 0x83 00 00 05, 0x84 00 00 00 03 */
    static const uint8_t nm3[] = {0x09, 0x83, 0x00, 0x00, 0x05, 1, 2, 3, 4, 5};
    assert_int_equal(decode1(nm3, sizeof nm3).len, 5);
    static const uint8_t nm4[] = {0x0A, 0x84, 0x00, 0x00, 0x00, 0x03, 'a', 'b', 'c'};
    assert_int_equal(decode1(nm4, sizeof nm4).len, 3);
    static const uint8_t nm1[] = {0x01, 0x81, 0x01, 0x00}; /* array of 1 (null-data) */
    struct omp_rd rn = omp_rd_init(nm1, sizeof nm1);
    struct omp_axdr_elem en;
    assert_int_equal(omp_axdr_next(&rn, &en), OMP_OK);
    assert_int_equal(en.count, 1);
    assert_int_equal(omp_rd_pos(&rn), 3);
    /* 0x84 with a length beyond the input: TRUNCATED */
    static const uint8_t big[] = {0x09, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x00};
    /* rejected forms: 0x80 (indefinite), 0x85 (more than 4 length bytes) */
    static const uint8_t f80[] = {0x09, 0x80, 0x00, 0x00};
    static const uint8_t f85[] = {0x09, 0x85, 0, 0, 0, 0, 1, 0};
    static const uint8_t fff[] = {0x02, 0xFF, 0, 0};
    static const uint8_t cut82[] = {0x09, 0x82, 0x00}; /* length bytes themselves cut */
    static const struct { const uint8_t *in; size_t len; omp_err want; } bad[] = {
        {big, sizeof big, OMP_ERR_TRUNCATED}, {f80, sizeof f80, OMP_ERR_MALFORMED},
        {f85, sizeof f85, OMP_ERR_MALFORMED}, {fff, sizeof fff, OMP_ERR_MALFORMED},
        {cut82, sizeof cut82, OMP_ERR_TRUNCATED},
    };
    for (size_t i = 0; i < OMP_ARRAY_LEN(bad); i++) {
        struct omp_rd rd = omp_rd_init(bad[i].in, bad[i].len);
        struct omp_axdr_elem e;
        memset(&e, 0x5A, sizeof e);
        struct omp_axdr_elem sentinel = e;
        assert_int_equal(omp_axdr_next(&rd, &e), bad[i].want);
        assert_int_equal(omp_rd_pos(&rd), 0);
        assert_memory_equal(&e, &sentinel, sizeof e);
        assert_int_equal(omp_axdr_skip(&rd), bad[i].want);
        assert_int_equal(omp_rd_pos(&rd), 0);
    }
    /* an array count larger than the bytes left cannot be complete: TRUNCATED */
    static const uint8_t arr[] = {0x01, 0x05, 0x00, 0x00};
    struct omp_rd rd = omp_rd_init(arr, sizeof arr);
    struct omp_axdr_elem e;
    assert_int_equal(omp_axdr_next(&rd, &e), OMP_ERR_TRUNCATED);
}

/* ---- real data: walker ------------------------------------------------------------------------- */

#define MAX_LEAVES 80

struct walk_result {
    size_t n;                         /* leaves at depth 1 */
    struct omp_axdr_elem leaf[MAX_LEAVES];
    size_t top_count;
    size_t end_pos;
};

/* Walk one top-level structure and collect its direct children; check the event sequence. */
static void walk_struct(const uint8_t *in, size_t len, struct walk_result *r)
{
    struct omp_axdr_walker wk;
    omp_axdr_walk_init(&wk);
    struct omp_rd rd = omp_rd_init(in, len);
    struct omp_axdr_event ev;
    memset(r, 0, sizeof *r);
    assert_int_equal(omp_axdr_walk(&wk, &rd, &ev), OMP_OK);
    assert_int_equal(ev.kind, OMP_AXDR_EV_ELEM);
    assert_int_equal(ev.depth, 0);
    assert_int_equal(ev.elem.tag, OMP_AXDR_TAG_STRUCTURE);
    r->top_count = ev.elem.count;
    for (;;) {
        const size_t before = omp_rd_pos(&rd);
        assert_int_equal(omp_axdr_walk(&wk, &rd, &ev), OMP_OK);
        if (ev.kind == OMP_AXDR_EV_END) {
            assert_int_equal(ev.depth, 0);
            assert_int_equal(ev.elem.count, r->top_count);
            break;
        }
        assert_int_equal(ev.kind, OMP_AXDR_EV_ELEM);
        assert_int_equal(ev.depth, 1);
        assert_int_equal(ev.index, r->n);
        assert_int_equal(ev.pos, before);
        assert_true(r->n < MAX_LEAVES);
        r->leaf[r->n++] = ev.elem;
    }
    assert_int_equal(omp_axdr_walk(&wk, &rd, &ev), OMP_OK);
    assert_int_equal(ev.kind, OMP_AXDR_EV_DONE);
    assert_int_equal(omp_axdr_walk(&wk, &rd, &ev), OMP_OK); /* DONE again, nothing read */
    assert_int_equal(ev.kind, OMP_AXDR_EV_DONE);
    r->end_pos = omp_rd_pos(&rd);
    /* skip agrees on the length */
    struct omp_rd rd2 = omp_rd_init(in, len);
    assert_int_equal(omp_axdr_skip(&rd2), OMP_OK);
    assert_int_equal(omp_rd_pos(&rd2), r->end_pos);
}

static void assert_string(const struct omp_axdr_elem *e, uint8_t tag, const char *s)
{
    assert_int_equal(e->tag, tag);
    assert_int_equal(e->len, strlen(s));
    assert_memory_equal(e->data, s, e->len);
}

static void assert_obis(const struct omp_axdr_elem *e, const char *dotted)
{
    struct omp_obis got, want;
    assert_int_equal(e->tag, OMP_AXDR_TAG_OCTET_STRING);
    assert_int_equal(omp_obis_from_bytes(e->data, e->len, &got), OMP_OK);
    assert_int_equal(omp_obis_parse(dotted, strlen(dotted), &want), OMP_OK);
    assert_int_equal(omp_obis_cmp(&got, &want), 0);
}

static void assert_u(const struct omp_axdr_elem *e, uint8_t tag, uint64_t v)
{
    assert_int_equal(e->tag, tag);
    assert_true(e->v.u == v);
}

/* kamstrup_no_han_amshan.txt, LLC PDUs: E6 E7 00 (0..2) | 0F (3) | invoke id 00000000 (4..7) |
 * 0C (8, length 12 of the date-time octet-string) | date-time (9..20) | body from offset 21. */
static const char llc_list1_1ph[] =
    "E6E7000F000000000C07E60111010C2C28FF80000002190A0E4B616D73747275705F563030303109060101000005FF"
    "0A103537303537303537303537303537303209060101600101FF0A1236383631313131424E32343231303130343009"
    "060101010700FF060000076809060101020700FF060000000009060101030700FF060000000009060101040700FF06"
    "000001ED090601011F0700FF06000003800000000009060101200700FF1200E100000000";
static const char llc_3ph[] =
    "E6E7000F000000000C07E6011801123A32FF80000002190A0E4B616D73747275705F563030303109060101000005FF"
    "0A103537303537303537303537303537303709060101600101FF0A1236383431313338424E32343531303130393009"
    "060101010700FF060000033A09060101020700FF060000000009060101030700FF060000006809060101040700FF06"
    "000000B0090601011F0700FF06000000ED09060101330700FF060000005909060101470700FF060000004B09060101"
    "200700FF1200E809060101340700FF1200E909060101480700FF1200EC";
static const char llc_list2_1ph[] =
    "E6E7000F000000000C07E50B1803000019FF80000002230A0E4B616D73747275705F563030303109060101000005FF"
    "0A103537303537303537303537303537303209060101600101FF0A1236383631313131424E32343231303130343009"
    "060101010700FF060000274209060101020700FF060000000009060101030700FF060000000009060101040700FF06"
    "00000117090601011F0700FF06000011A00000000009060101200700FF1200DF0000000009060001010000FF090C07"
    "E50B1803000019FF80000009060101010800FF0600762EE209060101020800FF060000000009060101030800FF0600"
    "0035A309060101040800FF0600116B53";
/* kamstrup_dk_han_encrypted.txt PLAINTEXT_APDU: 0F (0) | invoke id (1..4) | 0C (5) | date-time
 * (6..17) | body from offset 18: structure of 0x41 elements. */
static const char dk_plain[] =
    "0F000000000C07E40107020E2F14FF80000002410A0E4B616D73747275705F563030303109060101010800FF06000D39"
    "4C09060101020800FF060000000009060101030800FF060000452C09060101040800FF060000000009060101000001FF"
    "0601A4DC5209060101010700FF060000000009060101020700FF060000000009060101030700FF060000000009060101"
    "040700FF060000000009060001010000FF090C07E40107020E2F14FF80000009060101200700FF1200E0090601013407"
    "00FF1200DF09060101480700FF1200DF090601011F0700FF060000000009060101330700FF0600000000090601014707"
    "00FF060000000009060101150700FF060000000009060101290700FF0600000000090601013D0700FF06000000000906"
    "0101210700FF12006409060101350700FF12006409060101490700FF120064090601010D0700FF120064090601011607"
    "00FF0600000000090601012A0700FF0600000000090601013E0700FF060000000009060101160800FF06000000000906"
    "01012A0800FF0600000000090601013E0800FF060000000009060101150800FF06000468A409060101290800FF060004"
    "678C090601013D0800FF060004691B";
/* kamstrup_dlms_doc_hdlc_sessions.txt */
static const char s1_get_response[] = "7EA0152103525D8AE6E700C40181000600BC614FE4367E";
static const char s2_last_block[] =
    "7EA07425211E88F4E6E700C4028101000000070082005C0208090C07DD0A19050F0000FF8000801200000600000000"
    "0F01060002E30D06000000000600000D2F06000000010208090C07DD0A19050F0F00FF80008012000006000000000F"
    "0106000343F806000000000600000EE906000000014FD97E";

static void test_walk_han_list1_1ph(void **state)
{
    (void)state;
    static uint8_t pdu[512];
    const size_t len = unhex(llc_list1_1ph, pdu, sizeof pdu);
    static struct walk_result r;
    walk_struct(pdu + 21, len - 21, &r);
    assert_int_equal(r.top_count, 25); /* README: structure count 0x19 */
    assert_int_equal(r.n, 25);
    assert_int_equal(r.end_pos, len - 21);
    assert_string(&r.leaf[0], OMP_AXDR_TAG_VISIBLE_STRING, "Kamstrup_V0001");
    assert_obis(&r.leaf[1], "1.1.0.0.5.255");
    assert_string(&r.leaf[2], OMP_AXDR_TAG_VISIBLE_STRING, "5705705705705702");
    assert_obis(&r.leaf[3], "1.1.96.1.1.255");
    assert_string(&r.leaf[4], OMP_AXDR_TAG_VISIBLE_STRING, "6861111BN242101040");
    assert_obis(&r.leaf[5], "1-1:1.7.0*255");
    assert_u(&r.leaf[6], OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED, 1896); /* P14 */
    assert_u(&r.leaf[8], OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED, 0);    /* P23 */
    assert_u(&r.leaf[10], OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED, 0);   /* Q12 */
    assert_u(&r.leaf[12], OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED, 493); /* Q34 */
    assert_obis(&r.leaf[13], "1.1.31.7.0.255");
    assert_u(&r.leaf[14], OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED, 896); /* IL1 */
    for (size_t i = 15; i < 19; i++) {
        assert_int_equal(r.leaf[i].tag, OMP_AXDR_TAG_NULL_DATA); /* absent IL2/IL3 pairs */
    }
    assert_obis(&r.leaf[19], "1.1.32.7.0.255");
    assert_u(&r.leaf[20], OMP_AXDR_TAG_LONG_UNSIGNED, 225); /* UL1 */
    for (size_t i = 21; i < 25; i++) {
        assert_int_equal(r.leaf[i].tag, OMP_AXDR_TAG_NULL_DATA);
    }
    /* header date-time (bytes 9..20): 2022-01-17 (Monday) 12:44:40 */
    struct omp_axdr_datetime dt;
    assert_int_equal(omp_axdr_datetime_decode(pdu + 9, 12, &dt), OMP_OK);
    assert_int_equal(dt.date.year, 2022);
    assert_int_equal(dt.date.month, 1);
    assert_int_equal(dt.date.day, 17);
    assert_int_equal(dt.date.wday, 1);
    assert_int_equal(dt.time.hour, 12);
    assert_int_equal(dt.time.minute, 44);
    assert_int_equal(dt.time.second, 40);
}

static void test_walk_han_3ph(void **state)
{
    (void)state;
    static uint8_t pdu[512];
    const size_t len = unhex(llc_3ph, pdu, sizeof pdu);
    static struct walk_result r;
    walk_struct(pdu + 21, len - 21, &r);
    assert_int_equal(r.n, 25);
    assert_int_equal(r.end_pos, len - 21);
    assert_string(&r.leaf[2], OMP_AXDR_TAG_VISIBLE_STRING, "5705705705705707");
    assert_string(&r.leaf[4], OMP_AXDR_TAG_VISIBLE_STRING, "6841138BN245101090");
    /* README: P14 826, P23 0, Q12 104, Q34 176, IL1..3 237/89/75, UL1..3 232/233/236 */
    static const uint64_t want[10] = {826, 0, 104, 176, 237, 89, 75, 232, 233, 236};
    for (size_t k = 0; k < 10; k++) {
        assert_true(r.leaf[6 + 2 * k].v.u == want[k]);
        assert_int_equal(r.leaf[6 + 2 * k].tag, k < 7 ? OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED
                                                       : OMP_AXDR_TAG_LONG_UNSIGNED);
    }
    assert_obis(&r.leaf[15], "1.1.51.7.0.255");
    assert_obis(&r.leaf[23], "1.1.72.7.0.255");
    /* header date-time: 2022-01-24 18:58:50, hundredths/deviation unspecified, status 0 */
    struct omp_axdr_datetime dt;
    assert_int_equal(omp_axdr_datetime_decode(pdu + 9, 12, &dt), OMP_OK);
    assert_int_equal(dt.date.year, 2022);
    assert_int_equal(dt.date.month, 1);
    assert_int_equal(dt.date.day, 24);
    assert_int_equal(dt.time.hour, 18);
    assert_int_equal(dt.time.minute, 58);
    assert_int_equal(dt.time.second, 50);
    assert_int_equal(dt.time.hundredths, 0xFF);
    assert_int_equal(dt.deviation_min, OMP_AXDR_DEVIATION_ANY);
    assert_int_equal(dt.status, 0);
    omp_time_s t = 12345;
    assert_int_equal(omp_axdr_datetime_to_time(&dt, &t), OMP_ERR_RANGE); /* deviation unknown */
    assert_true(t == 12345);
}

static void test_walk_han_list2_1ph(void **state)
{
    (void)state;
    static uint8_t pdu[512];
    const size_t len = unhex(llc_list2_1ph, pdu, sizeof pdu);
    static struct walk_result r;
    walk_struct(pdu + 21, len - 21, &r);
    assert_int_equal(r.top_count, 35); /* README: 0x23 */
    assert_int_equal(r.n, 35);
    assert_u(&r.leaf[6], OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED, 10050); /* P14 */
    assert_u(&r.leaf[12], OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED, 279);  /* Q34 */
    assert_u(&r.leaf[14], OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED, 4512); /* IL1 */
    assert_u(&r.leaf[20], OMP_AXDR_TAG_LONG_UNSIGNED, 223);         /* UL1 */
    assert_obis(&r.leaf[25], "0.1.1.0.0.255");
    struct omp_axdr_datetime dt;
    assert_int_equal(r.leaf[26].tag, OMP_AXDR_TAG_OCTET_STRING);
    assert_int_equal(omp_axdr_datetime_decode(r.leaf[26].data, r.leaf[26].len, &dt), OMP_OK);
    assert_int_equal(dt.date.year, 2021); /* RTC 2021-11-24 (Wednesday) 00:00:25 */
    assert_int_equal(dt.date.month, 11);
    assert_int_equal(dt.date.day, 24);
    assert_int_equal(dt.date.wday, 3);
    assert_int_equal(dt.time.hour, 0);
    assert_int_equal(dt.time.second, 25);
    assert_obis(&r.leaf[27], "1.1.1.8.0.255");
    assert_u(&r.leaf[28], OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED, 7745250); /* A14 */
    assert_u(&r.leaf[30], OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED, 0);       /* A23 */
    assert_u(&r.leaf[32], OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED, 13731);   /* R12 */
    assert_u(&r.leaf[34], OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED, 1141587); /* R34 */
}

static void test_walk_dk_plaintext(void **state)
{
    (void)state;
    static uint8_t pdu[512];
    const size_t len = unhex(dk_plain, pdu, sizeof pdu);
    static struct walk_result r;
    walk_struct(pdu + 18, len - 18, &r);
    assert_int_equal(r.n, 65); /* README: 0x41 */
    assert_int_equal(r.end_pos, len - 18);
    assert_u(&r.leaf[2], OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED, 866636);   /* A14 */
    assert_u(&r.leaf[6], OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED, 17708);    /* R12 */
    assert_obis(&r.leaf[9], "1.1.0.0.1.255");
    assert_u(&r.leaf[10], OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED, 27581522); /* meter number 1 */
    assert_u(&r.leaf[22], OMP_AXDR_TAG_LONG_UNSIGNED, 224);            /* UL1 */
    assert_u(&r.leaf[24], OMP_AXDR_TAG_LONG_UNSIGNED, 223);
    assert_u(&r.leaf[26], OMP_AXDR_TAG_LONG_UNSIGNED, 223);
    assert_obis(&r.leaf[45], "1.1.13.7.0.255");
    assert_u(&r.leaf[46], OMP_AXDR_TAG_LONG_UNSIGNED, 100); /* PF total */
    assert_u(&r.leaf[60], OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED, 288932);
    assert_u(&r.leaf[62], OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED, 288652);
    assert_u(&r.leaf[64], OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED, 289051);
    /* header date-time (bytes 6..17): 2020-01-07 (Tuesday) 14:47:20, deviation 0x8000, status 0 */
    struct omp_axdr_datetime dt;
    assert_int_equal(omp_axdr_datetime_decode(pdu + 6, 12, &dt), OMP_OK);
    assert_int_equal(dt.date.year, 2020);
    assert_int_equal(dt.date.month, 1);
    assert_int_equal(dt.date.day, 7);
    assert_int_equal(dt.date.wday, 2);
    assert_int_equal(dt.time.hour, 14);
    assert_int_equal(dt.time.minute, 47);
    assert_int_equal(dt.time.second, 20);
    assert_int_equal(dt.deviation_min, OMP_AXDR_DEVIATION_ANY);
    assert_int_equal(dt.status, 0);
    /* RTC value 19/20 equals the header */
    assert_int_equal(r.leaf[20].len, 12);
    assert_memory_equal(r.leaf[20].data, pdu + 6, 12);
}

static void test_dlms_doc_sessions(void **state)
{
    (void)state;
    uint8_t f[256];
    /* S1: 7E | A015 | 21 | 03 | 52 | HCS 5D8A | E6E700 (8..10) | C4 (11) 01 (12) 81 (13) |
     * 00 (14, Get-Data-Result: data) | data from 15: 06 00BC614F | FCS | 7E */
    size_t len = unhex(s1_get_response, f, sizeof f);
    struct omp_rd rd = omp_rd_init(f + 15, len - 15 - 3);
    struct omp_axdr_elem e;
    assert_int_equal(omp_axdr_next(&rd, &e), OMP_OK);
    assert_u(&e, OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED, 12345679);
    assert_int_equal(omp_rd_remaining(&rd), 0);

    /* S2 last block: 7E | A074 | 25 | 21 | 1E | HCS (6,7) | E6E700 (8..10) | C4 02 81 (11..13) |
     * 01 last-block (14) | block 00000007 (15..18) | 00 raw-data (19) | 82 005C (20..22) |
     * 92 bytes (23..114) | FCS (115,116) | 7E (117). The raw data continues the array of rows
     * started in earlier blocks: here 2 structures of 8 elements. */
    len = unhex(s2_last_block, f, sizeof f);
    assert_int_equal(len, 118);
    rd = omp_rd_init(f + 23, 92);
    static const uint64_t energy[2] = {0x0002E30D, 0x000343F8};
    static const uint64_t col6[2] = {0x0D2F, 0x0EE9};
    for (int row = 0; row < 2; row++) {
        static struct walk_result r;
        const size_t at = omp_rd_pos(&rd);
        walk_struct(f + 23 + at, 92 - at, &r);
        assert_int_equal(r.n, 8);
        assert_int_equal(r.end_pos, 46);
        assert_int_equal(omp_axdr_skip(&rd), OMP_OK);
        struct omp_axdr_datetime dt;
        assert_int_equal(r.leaf[0].tag, OMP_AXDR_TAG_OCTET_STRING);
        assert_int_equal(omp_axdr_datetime_decode(r.leaf[0].data, r.leaf[0].len, &dt), OMP_OK);
        /* 07DD 0A 19 05 0F {00,0F} 00 FF 8000 80: 2013-10-25 Friday 15:00/15:15, wildcards */
        assert_int_equal(dt.date.year, 2013);
        assert_int_equal(dt.date.month, 10);
        assert_int_equal(dt.date.day, 25);
        assert_int_equal(dt.date.wday, 5);
        assert_int_equal(dt.time.hour, 15);
        assert_int_equal(dt.time.minute, row == 0 ? 0 : 15);
        assert_int_equal(dt.time.hundredths, OMP_AXDR_ANY);
        assert_int_equal(dt.deviation_min, OMP_AXDR_DEVIATION_ANY);
        assert_int_equal(dt.status, OMP_AXDR_STATUS_DST);
        assert_u(&r.leaf[1], OMP_AXDR_TAG_LONG_UNSIGNED, 0);
        assert_int_equal(r.leaf[3].tag, OMP_AXDR_TAG_INTEGER);
        assert_true(r.leaf[3].v.i == 1);
        assert_u(&r.leaf[4], OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED, energy[row]);
        assert_u(&r.leaf[6], OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED, col6[row]);
        assert_u(&r.leaf[7], OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED, 1);
    }
    assert_int_equal(omp_rd_remaining(&rd), 0);
}

/* ---- truncation at every length ----------------------------------------------------------------- */

/* Every prefix of a complete element fails in skip and in the walk with TRUNCATED, and the failing
 * call leaves the reader, the walker and the event untouched. */
static void check_all_cuts(const uint8_t *in, size_t len)
{
    for (size_t cut = 0; cut < len; cut++) {
        struct omp_rd rd = omp_rd_init(in, cut);
        assert_int_equal(omp_axdr_skip(&rd), OMP_ERR_TRUNCATED);
        assert_int_equal(omp_rd_pos(&rd), 0);

        struct omp_axdr_walker wk;
        omp_axdr_walk_init(&wk);
        struct omp_axdr_event ev;
        omp_err err;
        size_t steps = 0;
        for (;;) {
            struct omp_axdr_walker wk0 = wk;
            struct omp_axdr_event ev0;
            memset(&ev0, 0x5A, sizeof ev0);
            ev = ev0;
            const size_t pos0 = omp_rd_pos(&rd);
            err = omp_axdr_walk(&wk, &rd, &ev);
            if (err != OMP_OK) {
                assert_int_equal(omp_rd_pos(&rd), pos0);
                assert_memory_equal(&wk, &wk0, sizeof wk);
                assert_memory_equal(&ev, &ev0, sizeof ev);
                break;
            }
            assert_int_not_equal(ev.kind, OMP_AXDR_EV_DONE);
            assert_true(++steps < 1000u);
        }
        assert_int_equal(err, OMP_ERR_TRUNCATED);
    }
    struct omp_rd rd = omp_rd_init(in, len);
    assert_int_equal(omp_axdr_skip(&rd), OMP_OK);
    assert_int_equal(omp_rd_pos(&rd), len);
}

static void test_truncation_every_cut(void **state)
{
    (void)state;
    static uint8_t pdu[512];
    size_t len = unhex(llc_list2_1ph, pdu, sizeof pdu);
    check_all_cuts(pdu + 21, len - 21);
    len = unhex(dk_plain, pdu, sizeof pdu);
    check_all_cuts(pdu + 18, len - 18);
    /* nested: array of 2 structures {long-unsigned, octet-string 0x81 form, bit-string} */
    static uint8_t nested[2 + 2 * (2 + 3 + 3 + 128 + 4)];
    size_t n = 0;
    nested[n++] = 0x01;
    nested[n++] = 0x02;
    for (int k = 0; k < 2; k++) {
        nested[n++] = 0x02;
        nested[n++] = 0x03;
        nested[n++] = 0x12;
        nested[n++] = 0x01;
        nested[n++] = (uint8_t)k;
        nested[n++] = 0x09;
        nested[n++] = 0x81;
        nested[n++] = 0x80;
        memset(nested + n, 0x33, 128);
        n += 128;
        nested[n++] = 0x04;
        nested[n++] = 0x0A;
        nested[n++] = 0xFF;
        nested[n++] = 0xC0;
    }
    assert_int_equal(n, sizeof nested);
    check_all_cuts(nested, n);
}

/* ---- depth and skip -------------------------------------------------------------------------------- */

static void test_depth_limit(void **state)
{
    (void)state;
    /* OMP_CONFIG_AXDR_DEPTH nested arrays of one element, innermost holding unsigned 7 */
    uint8_t in[2 * (OMP_CONFIG_AXDR_DEPTH + 1) + 2];
    size_t n = 0;
    for (int k = 0; k < OMP_CONFIG_AXDR_DEPTH; k++) {
        in[n++] = 0x01;
        in[n++] = 0x01;
    }
    in[n++] = 0x11;
    in[n++] = 0x07;
    struct omp_axdr_walker wk;
    omp_axdr_walk_init(&wk);
    struct omp_rd rd = omp_rd_init(in, n);
    struct omp_axdr_event ev;
    int elems = 0, ends = 0;
    for (;;) {
        assert_int_equal(omp_axdr_walk(&wk, &rd, &ev), OMP_OK);
        if (ev.kind == OMP_AXDR_EV_DONE) {
            break;
        }
        if (ev.kind == OMP_AXDR_EV_ELEM) {
            assert_int_equal(ev.depth, elems);
            assert_int_equal(ev.index, 0);
            elems++;
        } else {
            assert_int_equal(ev.depth, OMP_CONFIG_AXDR_DEPTH - 1 - ends);
            ends++;
        }
    }
    assert_int_equal(elems, OMP_CONFIG_AXDR_DEPTH + 1);
    assert_int_equal(ends, OMP_CONFIG_AXDR_DEPTH);
    assert_int_equal(omp_rd_pos(&rd), n);

    /* one more level: the (DEPTH+1)-th container is refused with OMP_ERR_DEPTH */
    n = 0;
    for (int k = 0; k < OMP_CONFIG_AXDR_DEPTH + 1; k++) {
        in[n++] = 0x01;
        in[n++] = 0x01;
    }
    in[n++] = 0x00;
    omp_axdr_walk_init(&wk);
    rd = omp_rd_init(in, n);
    for (int k = 0; k < OMP_CONFIG_AXDR_DEPTH; k++) {
        assert_int_equal(omp_axdr_walk(&wk, &rd, &ev), OMP_OK);
    }
    const size_t pos = omp_rd_pos(&rd);
    assert_int_equal(omp_axdr_walk(&wk, &rd, &ev), OMP_ERR_DEPTH);
    assert_int_equal(omp_rd_pos(&rd), pos);
    assert_int_equal(omp_axdr_walk(&wk, &rd, &ev), OMP_ERR_DEPTH); /* stays refused */
    /* skip has no depth limit (a counter, no stack) */
    rd = omp_rd_init(in, n);
    assert_int_equal(omp_axdr_skip(&rd), OMP_OK);
    assert_int_equal(omp_rd_pos(&rd), n);
}

static void test_skip_nested(void **state)
{
    (void)state;
    /* structure{ array[2]{ structure{u8 1, null}, structure{} }, visible "ab", array[0] },
     * then a trailing unsigned 9 that skip must not touch */
    static const uint8_t in[] = {0x02, 0x03, 0x01, 0x02, 0x02, 0x02, 0x11, 0x01, 0x00, 0x02,
                                 0x00, 0x0A, 0x02, 'a', 'b', 0x01, 0x00, 0x11, 0x09};
    struct omp_rd rd = omp_rd_init(in, sizeof in);
    assert_int_equal(omp_axdr_skip(&rd), OMP_OK);
    assert_int_equal(omp_rd_pos(&rd), sizeof in - 2);
    assert_int_equal(omp_axdr_skip(&rd), OMP_OK);
    assert_int_equal(omp_rd_pos(&rd), sizeof in);
    assert_int_equal(omp_axdr_skip(&rd), OMP_ERR_TRUNCATED);
    assert_int_equal(omp_axdr_skip(NULL), OMP_ERR_ARG);

    /* walk: kinds/depths/indexes in document order, END also for empty containers */
    static const struct { int kind; uint8_t depth; size_t index; uint8_t tag; } want[] = {
        {OMP_AXDR_EV_ELEM, 0, 0, 0x02}, {OMP_AXDR_EV_ELEM, 1, 0, 0x01},
        {OMP_AXDR_EV_ELEM, 2, 0, 0x02}, {OMP_AXDR_EV_ELEM, 3, 0, 0x11},
        {OMP_AXDR_EV_ELEM, 3, 1, 0x00}, {OMP_AXDR_EV_END, 2, 0, 0x02},
        {OMP_AXDR_EV_ELEM, 2, 1, 0x02}, {OMP_AXDR_EV_END, 2, 0, 0x02},
        {OMP_AXDR_EV_END, 1, 0, 0x01},  {OMP_AXDR_EV_ELEM, 1, 1, 0x0A},
        {OMP_AXDR_EV_ELEM, 1, 2, 0x01}, {OMP_AXDR_EV_END, 1, 0, 0x01},
        {OMP_AXDR_EV_END, 0, 0, 0x02},  {OMP_AXDR_EV_DONE, 0, 0, 0x00},
    };
    struct omp_axdr_walker wk;
    omp_axdr_walk_init(&wk);
    rd = omp_rd_init(in, sizeof in);
    for (size_t i = 0; i < OMP_ARRAY_LEN(want); i++) {
        struct omp_axdr_event ev;
        assert_int_equal(omp_axdr_walk(&wk, &rd, &ev), OMP_OK);
        assert_int_equal(ev.kind, want[i].kind);
        assert_int_equal(ev.depth, want[i].depth);
        assert_int_equal(ev.elem.tag, want[i].tag);
        if (ev.kind == OMP_AXDR_EV_ELEM) {
            assert_int_equal(ev.index, want[i].index);
        }
    }
    assert_int_equal(omp_rd_pos(&rd), sizeof in - 2);
}

/* ---- compact-array ------------------------------------------------------------------------------- */

static void test_compact_array(void **state)
{
    (void)state;
    /* Blue Book 4.1.5: compact-array = type description, then array-contents as an octet
     * string. Type: structure of 2 {long-unsigned, unsigned} = 02 02 12 11; contents: 2 rows of
     * 3 bytes: 0001 02, 0003 04 -> length 06. */
    static const uint8_t ca[] = {0x13, 0x02, 0x02, 0x12, 0x11, 0x06, 0x00, 0x01, 0x02, 0x00, 0x03,
                                 0x04};
    struct omp_axdr_elem e = decode1(ca, sizeof ca);
    assert_int_equal(e.tag, OMP_AXDR_TAG_COMPACT_ARRAY);
    assert_ptr_equal(e.type_desc, ca + 1);
    assert_int_equal(e.type_desc_len, 4);
    assert_ptr_equal(e.data, ca + 6);
    assert_int_equal(e.len, 6);
    check_roundtrip(ca, sizeof ca);
    check_all_cuts(ca, sizeof ca);
    /* array type: 01 0003 12 (array of 3 long-unsigned), nested in a structure of 1 */
    static const uint8_t ca2[] = {0x13, 0x02, 0x01, 0x01, 0x00, 0x03, 0x12, 0x00};
    e = decode1(ca2, sizeof ca2);
    assert_int_equal(e.type_desc_len, 6);
    assert_int_equal(e.len, 0);
    check_roundtrip(ca2, sizeof ca2);
    /* a compact-array or an unknown tag inside a type description is MALFORMED */
    static const uint8_t bad1[] = {0x13, 0x13, 0x00, 0x00};
    static const uint8_t bad2[] = {0x13, 0x07, 0x00};
    static const uint8_t bad3[] = {0x13, 0x02, 0x02, 0x12, 0x0B, 0x00};
    struct omp_rd rd = omp_rd_init(bad1, sizeof bad1);
    assert_int_equal(omp_axdr_next(&rd, &e), OMP_ERR_MALFORMED);
    rd = omp_rd_init(bad2, sizeof bad2);
    assert_int_equal(omp_axdr_next(&rd, &e), OMP_ERR_MALFORMED);
    rd = omp_rd_init(bad3, sizeof bad3);
    assert_int_equal(omp_axdr_next(&rd, &e), OMP_ERR_MALFORMED);
    assert_int_equal(omp_rd_pos(&rd), 0);
    /* a structure description announcing more members than bytes left: TRUNCATED */
    static const uint8_t bad4[] = {0x13, 0x02, 0x7F, 0x12, 0x00};
    rd = omp_rd_init(bad4, sizeof bad4);
    assert_int_equal(omp_axdr_next(&rd, &e), OMP_ERR_TRUNCATED);
}

/* ---- container builder ------------------------------------------------------------------------- */

static void test_builder(void **state)
{
    (void)state;
    uint8_t buf[400];
    memset(buf, 0xA5, sizeof buf);
    struct omp_wr w = omp_wr_init(buf, 64);
    size_t outer = 0, inner = 0;
    /* structure{ unsigned 1, array{ long-unsigned 2, long-unsigned 3 } } =
     * 02 02 11 01 01 02 12 0002 12 0003 */
    assert_int_equal(omp_axdr_begin_container(&w, OMP_AXDR_TAG_STRUCTURE, &outer), OMP_OK);
    assert_int_equal(omp_axdr_put_u8(&w, 1), OMP_OK);
    assert_int_equal(omp_axdr_begin_container(&w, OMP_AXDR_TAG_ARRAY, &inner), OMP_OK);
    assert_int_equal(omp_axdr_put_u16(&w, 2), OMP_OK);
    assert_int_equal(omp_axdr_put_u16(&w, 3), OMP_OK);
    assert_int_equal(omp_axdr_end_container(&w, inner, 2), OMP_OK);
    assert_int_equal(omp_axdr_end_container(&w, outer, 2), OMP_OK);
    static const uint8_t want[] = {0x02, 0x02, 0x11, 0x01, 0x01, 0x02, 0x12, 0x00, 0x02, 0x12,
                                   0x00, 0x03};
    assert_int_equal(omp_wr_len(&w), sizeof want);
    assert_memory_equal(buf, want, sizeof want);
    assert_int_equal(buf[sizeof want], 0xA5);

    /* 200 null-data elements: the count grows to 81 C8 and the body moves up one byte */
    memset(buf, 0xA5, sizeof buf);
    w = omp_wr_init(buf, 203);
    assert_int_equal(omp_axdr_begin_container(&w, OMP_AXDR_TAG_ARRAY, &outer), OMP_OK);
    for (int k = 0; k < 200; k++) {
        assert_int_equal(omp_axdr_put_null(&w), OMP_OK);
    }
    assert_int_equal(omp_axdr_end_container(&w, outer, 200), OMP_OK);
    assert_int_equal(omp_wr_len(&w), 203);
    assert_int_equal(buf[0], 0x01);
    assert_int_equal(buf[1], 0x81);
    assert_int_equal(buf[2], 0xC8);
    for (int k = 3; k < 203; k++) {
        assert_int_equal(buf[k], 0x00);
    }
    assert_int_equal(buf[203], 0xA5);

    /* the same with one byte less room: the count cannot grow -> NOSPACE, container removed */
    memset(buf, 0xA5, sizeof buf);
    w = omp_wr_init(buf, 202);
    assert_int_equal(omp_axdr_begin_container(&w, OMP_AXDR_TAG_ARRAY, &outer), OMP_OK);
    for (int k = 0; k < 200; k++) {
        assert_int_equal(omp_axdr_put_null(&w), OMP_OK);
    }
    assert_int_equal(omp_axdr_end_container(&w, outer, 200), OMP_ERR_NOSPACE);
    assert_int_equal(omp_wr_len(&w), 0);
    assert_int_equal(omp_wr_status(&w), OMP_OK);

    /* a put inside fails: end reports it and removes the container */
    w = omp_wr_init(buf, 5);
    assert_int_equal(omp_axdr_put_u8(&w, 9), OMP_OK); /* something before the container */
    assert_int_equal(omp_axdr_begin_container(&w, OMP_AXDR_TAG_STRUCTURE, &outer), OMP_OK);
    assert_int_equal(outer, 2);
    assert_int_equal(omp_axdr_put_u16(&w, 1), OMP_ERR_NOSPACE);
    assert_int_equal(omp_axdr_end_container(&w, outer, 1), OMP_ERR_NOSPACE);
    assert_int_equal(omp_wr_len(&w), 2);
    assert_int_equal(omp_wr_status(&w), OMP_OK);
    /* no room for the header */
    w = omp_wr_init(buf, 1);
    assert_int_equal(omp_axdr_begin_container(&w, OMP_AXDR_TAG_ARRAY, &outer), OMP_ERR_NOSPACE);
    assert_int_equal(omp_wr_len(&w), 0);
    /* misuse */
    w = omp_wr_init(buf, 8);
    assert_int_equal(omp_axdr_begin_container(&w, OMP_AXDR_TAG_OCTET_STRING, &outer), OMP_ERR_ARG);
    assert_int_equal(omp_axdr_put_u8(&w, 1), OMP_OK);
    assert_int_equal(omp_axdr_end_container(&w, 0, 1), OMP_ERR_ARG);
    assert_int_equal(omp_wr_len(&w), 0);
    /* put_elem of an invalid tag */
    struct omp_axdr_elem e;
    memset(&e, 0, sizeof e);
    e.tag = 7;
    assert_int_equal(omp_axdr_put_elem(&w, &e), OMP_ERR_ARG);
}

/* ---- date-time ------------------------------------------------------------------------------------- */

static void test_datetime(void **state)
{
    (void)state;
    /* Danish README: 2020-01-07 (Tuesday) 14:47:20, deviation 0x8000, status 00; hundredths FF
     * as in the PLAINTEXT_APDU */
    static const uint8_t dk[12] = {0x07, 0xE4, 0x01, 0x07, 0x02, 0x0E, 0x2F, 0x14, 0xFF, 0x80,
                                   0x00, 0x00};
    struct omp_axdr_datetime dt;
    assert_int_equal(omp_axdr_datetime_decode(dk, 12, &dt), OMP_OK);
    assert_int_equal(dt.date.year, 2020);
    assert_int_equal(dt.date.wday, 2);
    assert_int_equal(dt.deviation_min, OMP_AXDR_DEVIATION_ANY);
    uint8_t raw[12];
    assert_int_equal(omp_axdr_datetime_encode(&dt, raw), OMP_OK);
    assert_memory_equal(raw, dk, 12);
    assert_int_equal(omp_axdr_datetime_decode(dk, 11, &dt), OMP_ERR_MALFORMED);

    /* CET: deviation -60 (local to UTC): 2022-01-24 18:58:50 local = 17:58:50 UTC.
     * Bytes by hand: FFC4 = -60. */
    static const uint8_t cet[12] = {0x07, 0xE6, 0x01, 0x18, 0x01, 0x12, 0x3A, 0x32, 0x00, 0xFF,
                                    0xC4, 0x00};
    assert_int_equal(omp_axdr_datetime_decode(cet, 12, &dt), OMP_OK);
    assert_int_equal(dt.deviation_min, -60);
    omp_time_s t = 0;
    assert_int_equal(omp_axdr_datetime_to_time(&dt, &t), OMP_OK);
    assert_true(t == utc(2022, 1, 24, 17, 58, 50));
    struct omp_axdr_datetime back;
    assert_int_equal(omp_axdr_datetime_from_time(t, -60, 0x00, &back), OMP_OK);
    assert_int_equal(omp_axdr_datetime_encode(&back, raw), OMP_OK);
    assert_memory_equal(raw, cet, 12); /* wday 1 (Monday) filled, hundredths 0 */
    /* CEST, deviation -120, DST bit: 2021-07-01 00:30 local = 2021-06-30 22:30 UTC */
    assert_int_equal(omp_axdr_datetime_from_time(utc(2021, 6, 30, 22, 30, 0), -120,
                                                 OMP_AXDR_STATUS_DST, &back),
                     OMP_OK);
    assert_int_equal(back.date.month, 7);
    assert_int_equal(back.date.day, 1);
    assert_int_equal(back.date.wday, 4); /* Thursday */
    assert_int_equal(back.time.hour, 0);
    assert_int_equal(back.time.minute, 30);
    assert_int_equal(omp_axdr_datetime_to_time(&back, &t), OMP_OK);
    assert_true(t == utc(2021, 6, 30, 22, 30, 0));
    /* UTC before 1970 after applying the deviation: RANGE */
    const struct omp_axdr_datetime early = {{1970, 1, 1, 4}, {0, 30, 0, 0}, -60, 0};
    assert_int_equal(omp_axdr_datetime_to_time(&early, &t), OMP_ERR_RANGE);
    assert_int_equal(omp_axdr_datetime_from_time(0, 721, 0, &back), OMP_ERR_ARG);
    assert_int_equal(omp_axdr_datetime_from_time(-1, 0, 0, &back), OMP_ERR_RANGE);

    /* S2: 2013-10-25 with hundredths and deviation wildcards: valid, not convertible */
    static const uint8_t s2[12] = {0x07, 0xDD, 0x0A, 0x19, 0x05, 0x0F, 0x00, 0x00, 0xFF, 0x80,
                                   0x00, 0x80};
    assert_int_equal(omp_axdr_datetime_decode(s2, 12, &dt), OMP_OK);
    assert_int_equal(omp_axdr_datetime_to_time(&dt, &t), OMP_ERR_RANGE);
    /* wildcards everywhere and the special month/day values are valid */
    static const uint8_t wild[12] = {0xFF, 0xFF, 0xFE, 0xFD, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x80,
                                     0x00, 0xFF};
    assert_int_equal(omp_axdr_datetime_decode(wild, 12, &dt), OMP_OK);
    assert_int_equal(dt.date.month, OMP_AXDR_MONTH_DST_BEGIN);
    assert_int_equal(dt.date.day, OMP_AXDR_DAY_2ND_LAST);

    /* invalid fields: each rejected with RANGE, output untouched */
    static const struct { size_t at; uint8_t v; } bad[] = {
        {2, 0}, {2, 13}, {2, 0xFC}, {3, 0}, {3, 32}, {4, 0}, {4, 8}, {5, 24}, {6, 60}, {7, 60},
        {8, 100}, {9, 0x80}, /* deviation 0x80C4 = -32572 minutes */
    };
    for (size_t i = 0; i < OMP_ARRAY_LEN(bad); i++) {
        uint8_t b[12];
        memcpy(b, cet, 12);
        b[bad[i].at] = bad[i].v;
        struct omp_axdr_datetime o;
        memset(&o, 0x5A, sizeof o);
        struct omp_axdr_datetime o0 = o;
        assert_int_equal(omp_axdr_datetime_decode(b, 12, &o), OMP_ERR_RANGE);
        assert_memory_equal(&o, &o0, sizeof o);
    }
    uint8_t b[12];
    memcpy(b, cet, 12);
    b[9] = 0x02; /* deviation 0x02D1 = 721 minutes */
    b[10] = 0xD1;
    assert_int_equal(omp_axdr_datetime_decode(b, 12, &dt), OMP_ERR_RANGE);
    b[10] = 0xD0; /* 720 */
    assert_int_equal(omp_axdr_datetime_decode(b, 12, &dt), OMP_OK);
    /* 29 February: only in leap years, or with the year unspecified */
    static const uint8_t feb23[5] = {0x07, 0xE7, 0x02, 0x1D, 0xFF};
    static const uint8_t feb24[5] = {0x07, 0xE8, 0x02, 0x1D, 0xFF};
    static const uint8_t febany[5] = {0xFF, 0xFF, 0x02, 0x1D, 0xFF};
    static const uint8_t apr31[5] = {0x07, 0xE8, 0x04, 0x1F, 0xFF};
    struct omp_axdr_date d;
    assert_int_equal(omp_axdr_date_decode(feb23, 5, &d), OMP_ERR_RANGE);
    assert_int_equal(omp_axdr_date_decode(feb24, 5, &d), OMP_OK);
    assert_int_equal(omp_axdr_date_decode(febany, 5, &d), OMP_OK);
    assert_int_equal(omp_axdr_date_decode(apr31, 5, &d), OMP_ERR_RANGE);
    assert_int_equal(omp_axdr_date_decode(feb24, 4, &d), OMP_ERR_MALFORMED);
    uint8_t r5[5];
    assert_int_equal(omp_axdr_date_encode(&d, r5), OMP_OK);
    assert_memory_equal(r5, febany, 5);
    /* time */
    static const uint8_t tm_ok[4] = {0x17, 0x3B, 0x3B, 0x63}; /* 23:59:59.99 */
    static const uint8_t tm_bad[4] = {0x17, 0x3B, 0x3B, 0x64};
    struct omp_axdr_time tm;
    assert_int_equal(omp_axdr_time_decode(tm_ok, 4, &tm), OMP_OK);
    assert_int_equal(tm.hundredths, 99);
    assert_int_equal(omp_axdr_time_decode(tm_bad, 4, &tm), OMP_ERR_RANGE);
    assert_int_equal(omp_axdr_time_decode(tm_ok, 5, &tm), OMP_ERR_MALFORMED);
    uint8_t r4[4];
    assert_int_equal(omp_axdr_time_encode(&tm, r4), OMP_OK);
    assert_memory_equal(r4, tm_ok, 4);
    /* an invalid date-time is not encoded: nothing written */
    dt.time.hour = 24;
    uint8_t out[16];
    memset(out, 0xA5, sizeof out);
    struct omp_wr w = omp_wr_init(out, sizeof out);
    assert_int_equal(omp_axdr_put_datetime(&w, &dt), OMP_ERR_RANGE);
    assert_int_equal(omp_wr_len(&w), 0);
    assert_int_equal(out[0], 0xA5);
}

/* ---- OBIS ---------------------------------------------------------------------------------------- */

static void test_obis(void **state)
{
    (void)state;
    struct omp_obis o, p;
    /* IEC 62056-6-1 notation: A-B:C.D.E*F; Kamstrup A14 = 1.1.1.8.0.255 */
    assert_int_equal(omp_obis_parse("1-1:1.8.0*255", 13, &o), OMP_OK);
    static const uint8_t a14[6] = {1, 1, 1, 8, 0, 255};
    assert_memory_equal(o.v, a14, 6);
    assert_int_equal(omp_obis_parse("1.1.1.8.0.255", 13, &p), OMP_OK);
    assert_int_equal(omp_obis_cmp(&o, &p), 0);
    char s[OMP_OBIS_STR_MAX];
    assert_int_equal(omp_obis_format(&o, s, sizeof s), OMP_OK);
    assert_string_equal(s, "1-1:1.8.0*255");
    assert_int_equal(omp_obis_format_dotted(&o, s, sizeof s), OMP_OK);
    assert_string_equal(s, "1.1.1.8.0.255");
    /* longest form fits OMP_OBIS_STR_MAX exactly */
    const struct omp_obis m = {{255, 255, 255, 255, 255, 255}};
    assert_int_equal(omp_obis_format(&m, s, sizeof s), OMP_OK);
    assert_string_equal(s, "255-255:255.255.255*255");
    memset(s, 'x', sizeof s);
    assert_int_equal(omp_obis_format(&m, s, sizeof s - 1u), OMP_ERR_NOSPACE);
    assert_int_equal(s[0], 'x');
    const struct omp_obis rtc = {{0, 1, 1, 0, 0, 255}};
    assert_int_equal(omp_obis_format(&rtc, s, 14), OMP_OK); /* 13 chars + NUL */
    assert_string_equal(s, "0-1:1.0.0*255");
    assert_int_equal(omp_obis_format(&rtc, s, 13), OMP_ERR_NOSPACE);
    assert_true(omp_obis_cmp(&rtc, &o) < 0);
    assert_true(omp_obis_cmp(&m, &o) > 0);
    /* parse: exactly len characters; grammar before range */
    assert_int_equal(omp_obis_parse("1-1:1.8.0*255xyz", 13, &p), OMP_OK);
    static const struct { const char *s; omp_err want; } bad[] = {
        {"1-1:1.8.0", OMP_ERR_MALFORMED},       {"1-1:1.8.0*", OMP_ERR_MALFORMED},
        {"1-1:1.8.0*256", OMP_ERR_RANGE},       {"1-1:1.8.0*0255", OMP_ERR_MALFORMED},
        {"1.1.1.8.0*255", OMP_ERR_MALFORMED},   {"1-1.1.8.0.255", OMP_ERR_MALFORMED},
        {"", OMP_ERR_MALFORMED},                {"1-1:1.8.0*255 ", OMP_ERR_MALFORMED},
        {"1.1.1.8.0.999", OMP_ERR_RANGE},       {"+1.1.1.8.0.255", OMP_ERR_MALFORMED},
        {"1..1.8.0.255", OMP_ERR_MALFORMED},    {"1.1.1.8.0.255.1", OMP_ERR_MALFORMED},
    };
    for (size_t i = 0; i < OMP_ARRAY_LEN(bad); i++) {
        struct omp_obis q = {{9, 9, 9, 9, 9, 9}};
        assert_int_equal(omp_obis_parse(bad[i].s, strlen(bad[i].s), &q), bad[i].want);
        assert_int_equal(q.v[0], 9);
    }
    assert_int_equal(omp_obis_from_bytes(a14, 5, &p), OMP_ERR_MALFORMED);
    assert_int_equal(omp_obis_parse(NULL, 0, &p), OMP_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_content_len),
        cmocka_unit_test(test_put_every_type),
        cmocka_unit_test(test_decode_values),
        cmocka_unit_test(test_length_forms),
        cmocka_unit_test(test_walk_han_list1_1ph),
        cmocka_unit_test(test_walk_han_3ph),
        cmocka_unit_test(test_walk_han_list2_1ph),
        cmocka_unit_test(test_walk_dk_plaintext),
        cmocka_unit_test(test_dlms_doc_sessions),
        cmocka_unit_test(test_truncation_every_cut),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_skip_nested),
        cmocka_unit_test(test_compact_array),
        cmocka_unit_test(test_builder),
        cmocka_unit_test(test_datetime),
        cmocka_unit_test(test_obis),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

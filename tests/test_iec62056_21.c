/*
 * IEC 62056-21 message codec: baud characters, BCC, parser, stream framer, writers, data sets.
 *
 * Vectors: the examples printed in Kamstrup "OMNIPOWER, K382M, K351C IEC 1107 Protocol
 * description" 55121458_B1_GB_01.2015, sections 7.3, 7.4, 8.1.1 and 8.1.5 (copied from
 * shared/vectors/kamstrup_iec1107_doc_examples.txt, which CI does not have). The document prints
 * [BCC] without a value; every BCC below was computed independently, as the XOR of the bytes after
 * SOH/STX up to and including ETX/EOT (IEC 62056-21 clause 6.3.15), with a Python one-liner
 *   functools.reduce(operator.xor, body, 0)
 * and the short ones re-checked by hand (B0: 'B' 0x42 ^ '0' 0x30 ^ ETX 0x03 = 0x71;
 * P0: 0x50 ^ 0x30 ^ 0x02 ^ 0x28 ^ 0x29 ^ 0x03 = 0x60). Where the document writes "(password)" the
 * literal text `password` is used. The messages themselves are in iec21_test.h, shared with the
 * server and client tests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/iec62056_21.h"

#include "iec21_test.h"

/* E3 (section 8.1.1) `RX <ACK>` and a NAK */
static const char k_ack[] = "\x06";
static const char k_nak[] = "\x15";
/* E4 block 1 without STX, EOT and BCC */
static const char k_e4_b1_data[] = E4_B1;

/* ------------------------------------------------------------------------------------------ */

static void test_baud_and_bcc(void **state)
{
    (void)state;
    /* clause 6.3.14 table: '0' 300 .. '6' 19200 */
    static const uint32_t rates[7] = {300, 600, 1200, 2400, 4800, 9600, 19200};
    for (unsigned i = 0; i < 7u; i++) {
        assert_int_equal(omp_iec21_baud((uint8_t)('0' + i)), rates[i]);
        assert_int_equal(omp_iec21_baud_char(rates[i]), '0' + i);
    }
    assert_int_equal(omp_iec21_baud('7'), 0);
    assert_int_equal(omp_iec21_baud('A'), 0);
    assert_int_equal(omp_iec21_baud('/'), 0);
    assert_int_equal(omp_iec21_baud_char(0), 0);
    assert_int_equal(omp_iec21_baud_char(115200), 0);
    assert_int_equal(omp_iec21_baud_char(2401), 0);
    /* by hand: 0x41 ^ 0x42 ^ 0x43 = 0x40 */
    assert_int_equal(omp_iec21_bcc(B("ABC")), 0x40);
    assert_int_equal(omp_iec21_bcc(NULL, 0), 0);
    assert_int_equal(omp_iec21_bcc(B("")), 0);
}

/* parse a copy in an exactly sized heap block, so that ASan sees any over-read */
static omp_err parse_exact(const uint8_t *in, size_t len, struct omp_iec21_msg *m, size_t *used)
{
    uint8_t *copy = malloc(len ? len : 1u);
    assert_non_null(copy);
    if (len) {
        memcpy(copy, in, len);
    }
    omp_err err = omp_iec21_parse(copy, len, m, used);
    /* re-point the spans at the caller's bytes before freeing the copy */
    if (err == OMP_OK || err == OMP_ERR_CRC) {
        const struct omp_iec21_span *sp[] = {&m->raw, &m->address, &m->ident, &m->data};
        for (size_t i = 0; i < 4u; i++) {
            struct omp_iec21_span *s = (struct omp_iec21_span *)sp[i];
            if (s->ptr != NULL) {
                assert_true(s->ptr >= copy && s->ptr + s->len <= copy + len);
                s->ptr = in + (s->ptr - copy);
            }
        }
    }
    free(copy);
    return err;
}

static const struct {
    const char *name;
    const char *in;
    size_t len;
    enum omp_iec21_kind kind;
} k_msgs[] = {
    {"E1 request", k_request, sizeof k_request - 1, OMP_IEC21_MSG_REQUEST},
    {"E1 ident", k_e1_ident, sizeof k_e1_ident - 1, OMP_IEC21_MSG_IDENT},
    {"E2 ident", k_e2_ident, sizeof k_e2_ident - 1, OMP_IEC21_MSG_IDENT},
    {"E2 option 050", k_e2_option, sizeof k_e2_option - 1, OMP_IEC21_MSG_OPTION},
    {"E2 readout", k_e2_readout, sizeof k_e2_readout - 1, OMP_IEC21_MSG_DATA},
    {"E3 option 051", k_e3_option, sizeof k_e3_option - 1, OMP_IEC21_MSG_OPTION},
    {"E3 P0", k_p0, sizeof k_p0 - 1, OMP_IEC21_MSG_COMMAND},
    {"E3 P1", k_p1, sizeof k_p1 - 1, OMP_IEC21_MSG_COMMAND},
    {"E3 ACK", k_ack, sizeof k_ack - 1, OMP_IEC21_MSG_ACK},
    {"E3 R5", k_r5, sizeof k_r5 - 1, OMP_IEC21_MSG_COMMAND},
    {"E3 R5 reply", k_r5_reply, sizeof k_r5_reply - 1, OMP_IEC21_MSG_DATA},
    {"E4 R6", k_r6, sizeof k_r6 - 1, OMP_IEC21_MSG_COMMAND},
    {"E4 block 1", k_e4_block1, sizeof k_e4_block1 - 1, OMP_IEC21_MSG_PARTIAL},
    {"E4 block 2", k_e4_block2, sizeof k_e4_block2 - 1, OMP_IEC21_MSG_DATA},
    {"B0", k_break, sizeof k_break - 1, OMP_IEC21_MSG_COMMAND},
    {"NAK", k_nak, sizeof k_nak - 1, OMP_IEC21_MSG_NAK},
};

static void test_parse_kamstrup_examples(void **state)
{
    (void)state;
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_msgs); i++) {
        const uint8_t *in = (const uint8_t *)k_msgs[i].in;
        const size_t len = k_msgs[i].len;
        struct omp_iec21_msg m;
        size_t used = 0;
        print_message("%s\n", k_msgs[i].name);
        assert_int_equal(parse_exact(in, len, &m, &used), OMP_OK);
        assert_int_equal(used, len);
        assert_int_equal(m.kind, k_msgs[i].kind);
        assert_ptr_equal(m.raw.ptr, in);
        assert_int_equal(m.raw.len, len);
        /* with trailing bytes: only the message is used */
        uint8_t more[1024];
        assert_true(len + 3u <= sizeof more);
        memcpy(more, in, len);
        memcpy(more + len, "/?!", 3);
        assert_int_equal(omp_iec21_parse(more, len + 3u, &m, &used), OMP_OK);
        assert_int_equal(used, len);
        /* every prefix is TRUNCATED (an ACK alone is a whole message: see the option select) */
        for (size_t cut = 0; cut < len; cut++) {
            struct omp_iec21_msg t;
            size_t u = 12345;
            omp_err err = parse_exact(in, cut, &t, &u);
            if (k_msgs[i].kind == OMP_IEC21_MSG_OPTION && cut == 1u) {
                assert_int_equal(err, OMP_OK);
                assert_int_equal(t.kind, OMP_IEC21_MSG_ACK);
                assert_int_equal(u, 1);
            } else {
                assert_int_equal(err, OMP_ERR_TRUNCATED);
                assert_int_equal(u, 12345);
            }
        }
    }
}

static void test_parse_fields(void **state)
{
    (void)state;
    struct omp_iec21_msg m;
    size_t used = 0;

    assert_int_equal(omp_iec21_parse(B(k_request), &m, &used), OMP_OK);
    assert_int_equal(m.address.len, 0);

    /* E1: 17 characters after Z, the last a space: the identification is the first 16 */
    assert_int_equal(omp_iec21_parse(B(k_e1_ident), &m, &used), OMP_OK);
    assert_string_equal(m.mfr, "KAM");
    assert_false(m.min_tr_20ms);
    assert_int_equal(m.baud_char, '5');
    assert_false(m.has_enhanced);
    assert_span(m.ident, " 6841138AN141001");
    assert_int_equal(used, 24);
    /* E2: trailing space dropped too */
    assert_int_equal(omp_iec21_parse(B(k_e2_ident), &m, &used), OMP_OK);
    assert_span(m.ident, " 68535CC453010");

    assert_int_equal(omp_iec21_parse(B(k_e3_option), &m, &used), OMP_OK);
    assert_int_equal(m.v, '0');
    assert_int_equal(m.z, '5');
    assert_int_equal(m.y, '1');

    assert_int_equal(omp_iec21_parse(B(k_p1), &m, &used), OMP_OK);
    assert_int_equal(m.cmd, 'P');
    assert_int_equal(m.cmd_type, '1');
    assert_true(m.has_data);
    assert_span(m.data, "(password)");

    assert_int_equal(omp_iec21_parse(B(k_break), &m, &used), OMP_OK);
    assert_int_equal(m.cmd, 'B');
    assert_int_equal(m.cmd_type, '0');
    assert_false(m.has_data);
    assert_int_equal(m.data.len, 0);

    assert_int_equal(omp_iec21_parse(B(k_r5_reply), &m, &used), OMP_OK);
    assert_span(m.data, "1.0.0(01050201075012)");
    assert_false(m.is_error);

    assert_int_equal(omp_iec21_parse(B(k_e2_readout), &m, &used), OMP_OK);
    assert_int_equal(m.data.len, 597);
    assert_memory_equal(m.data.ptr, k_e2_data, 597);

    assert_int_equal(omp_iec21_parse(B(k_e4_block1), &m, &used), OMP_OK);
    assert_int_equal(m.kind, OMP_IEC21_MSG_PARTIAL);
    assert_int_equal(m.data.len, 270);

    /* request with an address (clause 6.3.1: up to 32 of 0-9 A-Z a-z space) */
    assert_int_equal(omp_iec21_parse(B("/?12345678!\r\n"), &m, &used), OMP_OK);
    assert_span(m.address, "12345678");
    assert_int_equal(omp_iec21_parse(B("/?0123456789abcdefghijABCDEFGHIJ x!\r\n"), &m, &used),
                     OMP_OK);
    assert_int_equal(m.address.len, 32);

    /* enhanced identification \2 (binary mode available), third letter lower case */
    assert_int_equal(omp_iec21_parse(B("/LGz5\\2ZMD3104407\r\n"), &m, &used), OMP_OK);
    assert_string_equal(m.mfr, "LGz");
    assert_true(m.min_tr_20ms);
    assert_true(m.has_enhanced);
    assert_int_equal(m.enhanced, '2');
    assert_span(m.ident, "ZMD3104407");

    /* B0 written with an empty data field: accepted, has_data */
    assert_int_equal(omp_iec21_parse(B("\x01"
                                       "B0\x02\x03\x73"),
                                     &m, &used),
                     OMP_OK); /* 42^30^02^03 */
    assert_true(m.has_data);

    /* error replies (Kamstrup: STX ER.. ETX); BCCs by hand */
    assert_int_equal(omp_iec21_parse(B("\x02"
                                       "ER02\x03\x16"),
                                     &m, &used),
                     OMP_OK);
    assert_true(m.is_error);
    /* '(' 28 ^ 'E' 45 ^ 'R' 52 ^ ')' 29 ^ 03 = 0x15 */
    assert_int_equal(omp_iec21_parse(B("\x02(ER)\x03\x15"), &m, &used), OMP_OK);
    assert_true(m.is_error);
    /* "1(ER)" : 0x15 ^ '1' 0x31 = 0x24 */
    assert_int_equal(omp_iec21_parse(B("\x02"
                                       "1(ER)\x03\x24"),
                                     &m, &used),
                     OMP_OK);
    assert_true(m.is_error);
    /* "E" alone: 0x45 ^ 0x03 = 0x46 */
    assert_int_equal(omp_iec21_parse(B("\x02"
                                       "E\x03\x46"),
                                     &m, &used),
                     OMP_OK);
    assert_false(m.is_error);
    /* empty data message: BCC = ETX */
    assert_int_equal(omp_iec21_parse(B("\x02\x03\x03"), &m, &used), OMP_OK);
    assert_int_equal(m.data.len, 0);
}

static void test_parse_errors(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        const char *in;
        size_t len;
        omp_err want;
    } cases[] = {
        {"not a start", "A/?!\r\n", 6, OMP_ERR_MALFORMED},
        {"address 33", "/?0123456789abcdefghijABCDEFGHIJxyz!\r\n", 38, OMP_ERR_MALFORMED},
        {"address char", "/?12#4!\r\n", 9, OMP_ERR_MALFORMED},
        {"request CR no LF", "/?!\rX", 5, OMP_ERR_MALFORMED},
        {"request no CR", "/?!\n", 4, OMP_ERR_MALFORMED},
        {"ident 17", "/KAM5 6841138AN1410011\r\n", 24, OMP_ERR_MALFORMED},
        {"ident empty", "/KAM5\r\n", 7, OMP_ERR_MALFORMED},
        {"ident spaces only", "/KAM5   \r\n", 10, OMP_ERR_MALFORMED},
        {"ident 16 + 17 spaces", "/KAM50123456789abcdef                 \r\n", 40,
         OMP_ERR_MALFORMED},
        {"ident with !", "/KAM5ab!c\r\n", 11, OMP_ERR_MALFORMED},
        {"mfr digit", "/K4M5abc\r\n", 10, OMP_ERR_MALFORMED},
        {"Z is /", "/KAM/abc\r\n", 10, OMP_ERR_MALFORMED},
        {"option Y letter",
         "\x06"
         "05X\r\n",
         6, OMP_ERR_MALFORMED},
        {"option Z space",
         "\x06"
         "0 0\r\n",
         6, OMP_ERR_MALFORMED},
        {"option no LF",
         "\x06"
         "050\r\r",
         6, OMP_ERR_MALFORMED},
        {"command lower case", "\x01r5\x02\x03\x00", 6, OMP_ERR_MALFORMED},
        {"command type letter", "\x01RX\x02\x03\x00", 6, OMP_ERR_MALFORMED},
        {"command no STX/ETX", "\x01R5(\x03\x00", 6, OMP_ERR_MALFORMED},
        {"command with EOT", "\x01R5\x02\x04\x00", 6, OMP_ERR_MALFORMED},
        {"STX in data",
         "\x02"
         "ab\x02\x03\x00",
         6, OMP_ERR_MALFORMED},
        {"SOH in data",
         "\x02"
         "ab\x01\x03\x00",
         6, OMP_ERR_MALFORMED},
        {"8-bit in data",
         "\x02"
         "a\x80\x03\x00",
         5, OMP_ERR_MALFORMED},
        {"8-bit in ident", "/KAM5a\xC1\r\n", 9, OMP_ERR_MALFORMED},
        {"BCC flipped",
         "\x01"
         "B0\x03\x70",
         5, OMP_ERR_CRC},
        {"BCC 8-bit",
         "\x01"
         "B0\x03\xF1",
         5, OMP_ERR_CRC},
        {"readout BCC",
         "\x02"
         "1.8.0(1)\x03\x00",
         11, OMP_ERR_CRC},
    };
    for (size_t i = 0; i < OMP_ARRAY_LEN(cases); i++) {
        struct omp_iec21_msg m, sentinel;
        memset(&sentinel, 0x5A, sizeof sentinel);
        memcpy(&m, &sentinel, sizeof m);
        size_t used = 777;
        print_message("%s\n", cases[i].name);
        omp_err err = parse_exact((const uint8_t *)cases[i].in, cases[i].len, &m, &used);
        assert_int_equal(err, cases[i].want);
        if (err == OMP_ERR_CRC) {
            assert_int_equal(used, cases[i].len); /* so a stream can skip it */
            assert_int_equal(m.raw.len, cases[i].len);
        } else {
            assert_int_equal(used, 777);
            assert_memory_equal(&m, &sentinel, sizeof m);
        }
    }
    struct omp_iec21_msg m;
    size_t used;
    assert_int_equal(omp_iec21_parse(NULL, 3, &m, &used), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_parse(B(k_request), NULL, &used), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_parse(B(k_request), &m, NULL), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_parse(NULL, 0, &m, &used), OMP_ERR_TRUNCATED);
    /* 16 characters plus up to 16 trailing spaces are fine */
    assert_int_equal(omp_iec21_parse(B("/KAM50123456789abcdef                \r\n"), &m, &used),
                     OMP_OK);
    assert_int_equal(m.ident.len, 16);
}

/* ------------------------------------------------------------------------------------------ */
/* Writers                                                                                     */
/* ------------------------------------------------------------------------------------------ */

typedef omp_err (*writer_fn)(struct omp_wr *w, const void *arg);

/* Run @p fn into an exact buffer with guard bytes, then every smaller capacity (NOSPACE, nothing
 * written), then behind a sticky error. */
static void check_writer(writer_fn fn, const void *arg, const uint8_t *want, size_t want_len)
{
    uint8_t buf[128];
    assert_true(want_len + 4u <= sizeof buf);
    memset(buf, 0xA5, sizeof buf);
    struct omp_wr w = omp_wr_init(buf + 2, want_len);
    assert_int_equal(fn(&w, arg), OMP_OK);
    assert_int_equal(omp_wr_len(&w), want_len);
    assert_memory_equal(buf + 2, want, want_len);
    assert_int_equal(buf[0], 0xA5);
    assert_int_equal(buf[1], 0xA5);
    assert_int_equal(buf[want_len + 2], 0xA5);
    assert_int_equal(buf[want_len + 3], 0xA5);
    for (size_t cap = 0; cap < want_len; cap++) {
        memset(buf, 0xA5, sizeof buf);
        w = omp_wr_init(buf, cap);
        assert_int_equal(fn(&w, arg), OMP_ERR_NOSPACE);
        assert_int_equal(omp_wr_len(&w), 0);
        for (size_t i = 0; i < sizeof buf; i++) {
            assert_int_equal(buf[i], 0xA5);
        }
    }
    /* after a failed put the writer is sticky: nothing more */
    w = omp_wr_init(buf, sizeof buf);
    assert_int_equal(omp_wr_bytes(&w, buf, sizeof buf + 1u), OMP_ERR_NOSPACE);
    assert_int_equal(fn(&w, arg), OMP_ERR_NOSPACE);
    assert_int_equal(omp_wr_len(&w), 0);
}

static omp_err w_req_any(struct omp_wr *w, const void *a)
{
    (void)a;
    return omp_iec21_put_request(w, NULL, 0);
}
static omp_err w_req_addr(struct omp_wr *w, const void *a)
{
    (void)a;
    return omp_iec21_put_request(w, "12345678", 8);
}
static omp_err w_ident(struct omp_wr *w, const void *a)
{
    (void)a;
    return omp_iec21_put_ident(w, "KAM", '5', " 6841138BN143002", 16);
}
static omp_err w_opt(struct omp_wr *w, const void *a)
{
    (void)a;
    return omp_iec21_put_option(w, '0', '5', '1');
}
static omp_err w_p0(struct omp_wr *w, const void *a)
{
    (void)a;
    return omp_iec21_put_command(w, 'P', '0', true, (const uint8_t *)"()", 2);
}
static omp_err w_p1(struct omp_wr *w, const void *a)
{
    (void)a;
    return omp_iec21_put_command(w, 'P', '1', true, (const uint8_t *)"(password)", 10);
}
static omp_err w_b0(struct omp_wr *w, const void *a)
{
    (void)a;
    return omp_iec21_put_command(w, 'B', '0', false, NULL, 0);
}
static omp_err w_r6(struct omp_wr *w, const void *a)
{
    (void)a;
    static const char d[] = E4_R6_DATA;
    return omp_iec21_put_command(w, 'R', '6', true, (const uint8_t *)d, sizeof d - 1);
}
static omp_err w_r5_reply(struct omp_wr *w, const void *a)
{
    (void)a;
    static const char d[] = E3_CLOCK;
    return omp_iec21_put_data(w, (const uint8_t *)d, sizeof d - 1, false);
}
static omp_err w_partial(struct omp_wr *w, const void *a)
{
    (void)a;
    /* '1' 0x31 ^ EOT 0x04 = 0x35 (by hand) */
    return omp_iec21_put_data(w, (const uint8_t *)"1", 1, true);
}
static omp_err w_empty_data(struct omp_wr *w, const void *a)
{
    (void)a;
    return omp_iec21_put_data(w, NULL, 0, false);
}

static void test_writers(void **state)
{
    (void)state;
    check_writer(w_req_any, NULL, B(k_request));
    check_writer(w_req_addr, NULL, B("/?12345678!\r\n"));
    check_writer(w_ident, NULL, B("/KAM5 6841138BN143002\r\n"));
    check_writer(w_opt, NULL, B(k_e3_option));
    check_writer(w_p0, NULL, B(k_p0));
    check_writer(w_p1, NULL, B(k_p1));
    check_writer(w_b0, NULL, B(k_break));
    check_writer(w_r6, NULL, B(k_r6));
    check_writer(w_r5_reply, NULL, B(k_r5_reply));
    check_writer(w_partial, NULL,
                 B("\x02"
                   "1\x04\x35"));
    check_writer(w_empty_data, NULL, B("\x02\x03\x03"));

    uint8_t buf[64];
    struct omp_wr w = omp_wr_init(buf, sizeof buf);
    /* bad arguments: nothing written */
    assert_int_equal(omp_iec21_put_request(NULL, NULL, 0), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_put_request(&w, "12#4", 4), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_put_request(&w, NULL, 1), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_put_request(&w, "0123456789abcdefghijABCDEFGHIJxyz", 33),
                     OMP_ERR_ARG);
    assert_int_equal(omp_iec21_put_ident(&w, "KAM", '5', "", 0), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_put_ident(&w, "KAM", '5', "0123456789abcdefg", 17), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_put_ident(&w, "KAM", '5', "a/b", 3), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_put_ident(&w, "KAM", '!', "ab", 2), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_put_ident(&w, "K1M", '5', "ab", 2), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_put_ident(&w, "KAM", '5', "\\2ab", 4), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_put_ident(&w, "KAM", '5', "   ", 3), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_put_option(&w, 'x', '5', '0'), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_put_option(&w, '0', ' ', '0'), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_put_option(&w, '0', '5', 0x06), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_put_command(&w, 'r', '1', true, NULL, 0), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_put_command(&w, 'R', 'x', true, NULL, 0), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_put_command(&w, 'B', '0', false, (const uint8_t *)"x", 1),
                     OMP_ERR_ARG);
    assert_int_equal(omp_iec21_put_command(&w, 'R', '1', true, (const uint8_t *)"a\x03", 2),
                     OMP_ERR_ARG);
    assert_int_equal(omp_iec21_put_data(&w, (const uint8_t *)"a\x04", 2, false), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_put_data(&w, (const uint8_t *)"a\x80", 2, false), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_put_data(&w, NULL, 1, false), OMP_ERR_ARG);
    assert_int_equal(omp_wr_len(&w), 0);

    /* the Kamstrup ident with its 17th trailing space is written as given and reads back as 16 */
    assert_int_equal(omp_iec21_put_ident(&w, "KAM", '5', " 6841138AN14100 ", 16), OMP_OK);
    struct omp_iec21_msg m;
    size_t used;
    assert_int_equal(omp_iec21_parse(buf, omp_wr_len(&w), &m, &used), OMP_OK);
    assert_span(m.ident, " 6841138AN14100");
}

/* ------------------------------------------------------------------------------------------ */
/* Framer                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/* Feed @p len bytes in chunks of @p chunk at @p now; collect kinds into @p kinds. */
static size_t feed_all(struct omp_iec21_rx *rx, uint64_t now, const uint8_t *data, size_t len,
                       size_t chunk, enum omp_iec21_kind *kinds, omp_err *errs, size_t max)
{
    size_t n = 0;
    size_t off = 0;
    while (off < len) {
        size_t c = (len - off < chunk) ? len - off : chunk;
        const uint8_t *p = data + off;
        off += c;
        while (c > 0) {
            size_t used = 99999;
            struct omp_iec21_msg m;
            omp_err err = omp_iec21_rx_feed(rx, now, p, c, &used, &m);
            assert_true(used <= c);
            p += used;
            c -= used;
            if (err == OMP_ERR_TRUNCATED) {
                assert_int_equal(c, 0);
                break;
            }
            assert_true(n < max);
            kinds[n] = (err == OMP_OK) ? m.kind : OMP_IEC21_MSG_NONE;
            errs[n] = err;
            if (err == OMP_OK) {
                /* the delivered message is its own raw bytes and re-parses identically */
                struct omp_iec21_msg again;
                size_t u2 = 0;
                assert_int_equal(omp_iec21_parse(m.raw.ptr, m.raw.len, &again, &u2), OMP_OK);
                assert_int_equal(u2, m.raw.len);
                assert_int_equal(again.kind, m.kind);
            }
            n++;
        }
    }
    return n;
}

static void test_framer_session(void **state)
{
    (void)state;
    /* the whole E3 exchange as one stream, then with every chunk size 1..20 */
    uint8_t stream[512];
    size_t len = 0;
    const char *parts[] = {k_request, k_e1_ident, k_p0, k_p1, k_ack, k_r5, k_r5_reply, k_break};
    const size_t plen[] = {sizeof k_request - 1,  sizeof k_e1_ident - 1, sizeof k_p0 - 1,
                           sizeof k_p1 - 1,       sizeof k_ack - 1,      sizeof k_r5 - 1,
                           sizeof k_r5_reply - 1, sizeof k_break - 1};
    const enum omp_iec21_kind want[] = {
        OMP_IEC21_MSG_REQUEST, OMP_IEC21_MSG_IDENT,   OMP_IEC21_MSG_COMMAND, OMP_IEC21_MSG_COMMAND,
        OMP_IEC21_MSG_ACK,     OMP_IEC21_MSG_COMMAND, OMP_IEC21_MSG_DATA,    OMP_IEC21_MSG_COMMAND};
    for (size_t i = 0; i < OMP_ARRAY_LEN(parts); i++) {
        memcpy(stream + len, parts[i], plen[i]);
        len += plen[i];
    }
    for (size_t chunk = 1; chunk <= 20; chunk++) {
        uint8_t buf[64];
        struct omp_iec21_rx rx;
        omp_iec21_rx_init(&rx, buf, sizeof buf, 1500);
        enum omp_iec21_kind kinds[16];
        omp_err errs[16];
        size_t n = feed_all(&rx, 10, stream, len, chunk, kinds, errs, 16);
        assert_int_equal(n, OMP_ARRAY_LEN(want));
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(errs[i], OMP_OK);
            assert_int_equal(kinds[i], want[i]);
        }
        assert_int_equal(rx.skipped, 0);
        assert_int_equal(rx.bad, 0);
    }
}

static void test_framer_resync(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct omp_iec21_rx rx;
    enum omp_iec21_kind kinds[16];
    omp_err errs[16];

    /* garbage before a request: skipped and counted */
    omp_iec21_rx_init(&rx, buf, sizeof buf, 1500);
    size_t n = feed_all(&rx, 0,
                        B("xyz\x00\x7F"
                          "/?!\r\n"),
                        3, kinds, errs, 16);
    assert_int_equal(n, 1);
    assert_int_equal(kinds[0], OMP_IEC21_MSG_REQUEST);
    assert_int_equal(rx.skipped, 5);

    /* a broken request: the '/' that broke it starts the next one */
    omp_iec21_rx_init(&rx, buf, sizeof buf, 1500);
    n = feed_all(&rx, 0, B("/?12/?!\r\n"), 1, kinds, errs, 16);
    assert_int_equal(n, 2);
    assert_int_equal(errs[0], OMP_ERR_MALFORMED);
    assert_int_equal(kinds[1], OMP_IEC21_MSG_REQUEST);
    assert_int_equal(rx.bad, 1);

    /* bad BCC: CRC reported, the next message is fine */
    omp_iec21_rx_init(&rx, buf, sizeof buf, 1500);
    n = feed_all(&rx, 0,
                 B("\x01"
                   "B0\x03\x70"
                   "\x01"
                   "B0\x03\x71"),
                 64, kinds, errs, 16);
    assert_int_equal(n, 2);
    assert_int_equal(errs[0], OMP_ERR_CRC);
    assert_int_equal(errs[1], OMP_OK);
    assert_int_equal(kinds[1], OMP_IEC21_MSG_COMMAND);

    /* too long for the buffer: NOSPACE, then framing again at the next start */
    uint8_t small[8];
    omp_iec21_rx_init(&rx, small, sizeof small, 0);
    n = feed_all(&rx, 0,
                 B("\x02"
                   "0123456789\x03\x00"
                   "\x06"),
                 64, kinds, errs, 16);
    assert_int_equal(errs[0], OMP_ERR_NOSPACE);
    assert_int_equal(kinds[n - 1], OMP_IEC21_MSG_ACK);
    assert_int_equal(rx.bad, 1);

    /* ACK then digit in one chunk: option select; ACK ending a chunk: single ACK */
    omp_iec21_rx_init(&rx, buf, sizeof buf, 1500);
    n = feed_all(&rx, 0, B(k_e2_option), 64, kinds, errs, 16);
    assert_int_equal(n, 1);
    assert_int_equal(kinds[0], OMP_IEC21_MSG_OPTION);
    n = feed_all(&rx, 0, B("\x06\x15\x06"), 64, kinds, errs, 16);
    assert_int_equal(n, 3);
    assert_int_equal(kinds[0], OMP_IEC21_MSG_ACK);
    assert_int_equal(kinds[1], OMP_IEC21_MSG_NAK);
    assert_int_equal(kinds[2], OMP_IEC21_MSG_ACK);

    /* arguments */
    size_t used = 5;
    struct omp_iec21_msg m;
    assert_int_equal(omp_iec21_rx_feed(NULL, 0, B("x"), &used, &m), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_rx_feed(&rx, 0, NULL, 1, &used, &m), OMP_ERR_ARG);
    assert_int_equal(used, 0);
    assert_int_equal(omp_iec21_rx_feed(&rx, 0, B("x"), &used, NULL), OMP_ERR_ARG);
}

static void test_framer_ta(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct omp_iec21_rx rx;
    struct omp_iec21_msg m;
    size_t used;

    /* characters 1500 ms apart are still one message (ta = 1500: more than ta drops) */
    omp_iec21_rx_init(&rx, buf, sizeof buf, 1500);
    assert_int_equal(omp_iec21_rx_feed(&rx, 1000, B("/?"), &used, &m), OMP_ERR_TRUNCATED);
    assert_int_equal(omp_iec21_rx_feed(&rx, 2500, B("!\r\n"), &used, &m), OMP_OK);
    assert_int_equal(m.kind, OMP_IEC21_MSG_REQUEST);

    /* 1501 ms: the half message is dropped, the rest is garbage */
    omp_iec21_rx_init(&rx, buf, sizeof buf, 1500);
    assert_int_equal(omp_iec21_rx_feed(&rx, 1000, B("/?"), &used, &m), OMP_ERR_TRUNCATED);
    assert_int_equal(omp_iec21_rx_feed(&rx, 2501, B("!\r\n"), &used, &m), OMP_ERR_TRUNCATED);
    assert_int_equal(used, 3);
    assert_int_equal(rx.bad, 1);
    assert_int_equal(rx.skipped, 3);
    assert_int_equal(omp_iec21_rx_feed(&rx, 2502, B(k_request), &used, &m), OMP_OK);

    /* ta 0: no timeout */
    omp_iec21_rx_init(&rx, buf, sizeof buf, 0);
    assert_int_equal(omp_iec21_rx_feed(&rx, 0, B("/?"), &used, &m), OMP_ERR_TRUNCATED);
    assert_int_equal(omp_iec21_rx_feed(&rx, 1000000, B("!\r\n"), &used, &m), OMP_OK);

    /* reset forgets a partial message */
    omp_iec21_rx_init(&rx, buf, sizeof buf, 1500);
    assert_int_equal(omp_iec21_rx_feed(&rx, 0, B("/?"), &used, &m), OMP_ERR_TRUNCATED);
    omp_iec21_rx_reset(&rx);
    assert_int_equal(omp_iec21_rx_feed(&rx, 0, B("!\r\n"), &used, &m), OMP_ERR_TRUNCATED);
    assert_int_equal(rx.skipped, 3);
}

static void test_framer_readout(void **state)
{
    (void)state;
    /* the 600-byte E2 readout and the E4 blocks through a buffer that holds them */
    for (size_t chunk = 1; chunk <= 700; chunk += 37) {
        uint8_t buf[640];
        struct omp_iec21_rx rx;
        omp_iec21_rx_init(&rx, buf, sizeof buf, 1500);
        enum omp_iec21_kind kinds[4];
        omp_err errs[4];
        size_t n = feed_all(&rx, 0, B(k_e2_readout), chunk, kinds, errs, 4);
        assert_int_equal(n, 1);
        assert_int_equal(kinds[0], OMP_IEC21_MSG_DATA);
        n = feed_all(&rx, 0, B(k_e4_block1), chunk, kinds, errs, 4);
        assert_int_equal(kinds[0], OMP_IEC21_MSG_PARTIAL);
        n = feed_all(&rx, 0, B(k_e4_block2), chunk, kinds, errs, 4);
        assert_int_equal(kinds[0], OMP_IEC21_MSG_DATA);
        (void)n;
    }
    /* a 512-byte buffer (OMP_CONFIG_IEC21_RX_MAX) cannot hold it: NOSPACE */
    uint8_t buf[512];
    struct omp_iec21_rx rx;
    omp_iec21_rx_init(&rx, buf, sizeof buf, 1500);
    enum omp_iec21_kind kinds[4];
    omp_err errs[4];
    size_t n = feed_all(&rx, 0, B(k_e2_readout), 64, kinds, errs, 4);
    assert_int_equal(n, 1);
    assert_int_equal(errs[0], OMP_ERR_NOSPACE);
}

/* ------------------------------------------------------------------------------------------ */
/* Data sets                                                                                   */
/* ------------------------------------------------------------------------------------------ */

static void test_ds_readout_e2(void **state)
{
    (void)state;
    struct omp_iec21_ds_iter it;
    struct omp_iec21_dataset d;
    omp_iec21_ds_init(&it, B(k_e2_data));
    size_t count = 0;
    size_t cont = 0;
    omp_err err;
    while ((err = omp_iec21_ds_next(&it, &d)) == OMP_OK) {
        if (count == 0) {
            assert_ds(&d, "0.0.1", "12345678", NULL, 0, 0);
            assert_int_equal(d.offset, 5);
        } else if (count == 2) {
            assert_ds(&d, "1.8.0", "0000010", "kwh", 0, 2);
        } else if (count == 14) {
            assert_ds(&d, "1.6.0", "0.000", "kW", 0, 14);
        } else if (count == 15) {
            assert_ds(&d, "1.6.0", "00000101000000", NULL, 1, 14);
        }
        if (d.group != 0) {
            cont++;
        }
        count++;
    }
    assert_int_equal(err, OMP_ERR_NOT_FOUND);
    /* 27 lines, 6 of them (1.6.0 1.6.1 1.6.2 2.6.0 3.6.0 4.6.0) with a time stamp group */
    assert_int_equal(count, 33);
    assert_int_equal(cont, 6);
    assert_true(it.end);
    assert_int_equal(it.pos, sizeof k_e2_data - 1);
    assert_int_equal(omp_iec21_ds_next(&it, &d), OMP_ERR_NOT_FOUND);
}

static void test_ds_profile_e4(void **state)
{
    (void)state;
    struct omp_iec21_ds_iter it;
    struct omp_iec21_dataset d;
    omp_iec21_ds_init(&it, B(k_e4_b1_data));
    static const char *hdr[9] = {"4", "1.0.0", "", "96.56.2", "", "96.56.3", "", "1.8.0", "kWh"};
    for (uint16_t g = 0; g < 9; g++) {
        assert_int_equal(omp_iec21_ds_next(&it, &d), OMP_OK);
        assert_ds(&d, "99.1.0", hdr[g], NULL, g, 0);
    }
    static const char *row0[4] = {"01050101000000", "0", "0", "0000586.12"};
    for (uint16_t g = 0; g < 4; g++) {
        assert_int_equal(omp_iec21_ds_next(&it, &d), OMP_OK);
        assert_ds(&d, "", row0[g], NULL, g, 1); /* profile rows: no address */
    }
    size_t rest = 0;
    omp_err err;
    while ((err = omp_iec21_ds_next(&it, &d)) == OMP_OK) {
        rest++;
    }
    assert_int_equal(err, OMP_ERR_NOT_FOUND); /* no `!`: ends at the end of the data */
    assert_int_equal(rest, 5u * 4u);
    assert_int_equal(d.line, 6);
}

static void test_ds_errors(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        const char *in;
        omp_err want;
        size_t pos;
    } cases[] = {
        {"address 17", "0123456789abcdefg(1)", OMP_ERR_RANGE, 16},
        {"unit 17", "1(2*0123456789abcdefg)", OMP_ERR_RANGE, 20},
        {"no (", "1.8.0\r\n", OMP_ERR_MALFORMED, 5},
        {"no )", "1.8.0(12", OMP_ERR_MALFORMED, 8},
        {"( in value", "1.8.0(1(2)", OMP_ERR_MALFORMED, 7},
        {"/ in value", "1.8.0(1/2)", OMP_ERR_MALFORMED, 7},
        {"CR without LF", "1.8.0(1)\rX", OMP_ERR_MALFORMED, 8},
        {"CR at the end", "1.8.0(1)\r", OMP_ERR_MALFORMED, 8},
        {"control char", "1.8.0(1\x07)", OMP_ERR_MALFORMED, 7},
    };
    for (size_t i = 0; i < OMP_ARRAY_LEN(cases); i++) {
        print_message("%s\n", cases[i].name);
        struct omp_iec21_ds_iter it;
        struct omp_iec21_dataset d, sentinel;
        memset(&sentinel, 0x5A, sizeof sentinel);
        memcpy(&d, &sentinel, sizeof d);
        const size_t len = strlen(cases[i].in);
        uint8_t *copy = malloc(len);
        assert_non_null(copy);
        memcpy(copy, cases[i].in, len);
        omp_iec21_ds_init(&it, copy, len);
        omp_err err;
        while ((err = omp_iec21_ds_next(&it, &d)) == OMP_OK) {
            memcpy(&d, &sentinel, sizeof d);
        }
        free(copy);
        assert_int_equal(err, cases[i].want);
        assert_int_equal(it.pos, cases[i].pos);
        assert_memory_equal(&d, &sentinel, sizeof d);
    }
    /* value: 128 fine, 129 RANGE at offset 1 + 128 */
    char v[140];
    v[0] = '(';
    memset(v + 1, '7', 128);
    v[129] = ')';
    struct omp_iec21_ds_iter it;
    struct omp_iec21_dataset d;
    omp_iec21_ds_init(&it, (const uint8_t *)v, 130);
    assert_int_equal(omp_iec21_ds_next(&it, &d), OMP_OK);
    assert_int_equal(d.value.len, 128);
    v[129] = '7';
    v[130] = ')';
    omp_iec21_ds_init(&it, (const uint8_t *)v, 131);
    assert_int_equal(omp_iec21_ds_next(&it, &d), OMP_ERR_RANGE);
    assert_int_equal(it.pos, 129);
    /* several data sets on a line; a trailing `!` without CR LF; empty data */
    omp_iec21_ds_init(&it, B("1.8.0(1)2.8.0(2*kWh)(3)\r\n!"));
    assert_int_equal(omp_iec21_ds_next(&it, &d), OMP_OK);
    assert_ds(&d, "1.8.0", "1", NULL, 0, 0);
    assert_int_equal(omp_iec21_ds_next(&it, &d), OMP_OK);
    assert_ds(&d, "2.8.0", "2", "kWh", 0, 0);
    assert_int_equal(omp_iec21_ds_next(&it, &d), OMP_OK);
    assert_ds(&d, "2.8.0", "3", NULL, 1, 0);
    assert_int_equal(omp_iec21_ds_next(&it, &d), OMP_ERR_NOT_FOUND);
    assert_true(it.end);
    omp_iec21_ds_init(&it, NULL, 0);
    assert_int_equal(omp_iec21_ds_next(&it, &d), OMP_ERR_NOT_FOUND);
    /* an empty unit after '*' */
    omp_iec21_ds_init(&it, B("(5*)"));
    assert_int_equal(omp_iec21_ds_next(&it, &d), OMP_OK);
    assert_ds(&d, "", "5", "", 0, 0);
    assert_int_equal(omp_iec21_ds_next(NULL, &d), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_ds_next(&it, NULL), OMP_ERR_ARG);
}

struct ds_arg {
    const char *a, *v, *u;
};
static omp_err w_ds(struct omp_wr *w, const void *arg)
{
    const struct ds_arg *d = arg;
    return omp_iec21_put_dataset(w, d->a, d->v, d->u);
}

static void test_ds_writer(void **state)
{
    (void)state;
    const struct ds_arg a1 = {"1.8.0", "0000010", "kwh"};
    check_writer(w_ds, &a1, B("1.8.0(0000010*kwh)"));
    const struct ds_arg a2 = {"0.0.1", "12345678", NULL};
    check_writer(w_ds, &a2, B("0.0.1(12345678)"));
    const struct ds_arg a3 = {NULL, "00000101000000", NULL};
    check_writer(w_ds, &a3, B("(00000101000000)"));
    const struct ds_arg a4 = {"", "5", ""};
    check_writer(w_ds, &a4, B("(5*)"));
    const struct ds_arg a5 = {"131.0.3", "", NULL};
    check_writer(w_ds, &a5, B("131.0.3()"));

    uint8_t buf[300];
    struct omp_wr w = omp_wr_init(buf, sizeof buf);
    assert_int_equal(omp_iec21_put_dataset(&w, "1.8.0", NULL, NULL), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_put_dataset(NULL, "1.8.0", "1", NULL), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_put_dataset(&w, "1(8", "1", NULL), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_put_dataset(&w, "1.8.0", "1*2", NULL), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_put_dataset(&w, "1.8.0", "1", "k!"), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_put_dataset(&w, "0123456789abcdefg", "1", NULL), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_put_dataset(&w, "1", "1", "0123456789abcdefg"), OMP_ERR_ARG);
    char v[130];
    memset(v, '1', 129);
    v[129] = '\0';
    assert_int_equal(omp_iec21_put_dataset(&w, "1", v, NULL), OMP_ERR_ARG);
    v[128] = '\0';
    assert_int_equal(omp_iec21_put_dataset(&w, "1", v, NULL), OMP_OK);
    assert_int_equal(omp_wr_len(&w), 131);

    /* writer output iterates back */
    w = omp_wr_init(buf, sizeof buf);
    assert_int_equal(omp_iec21_put_dataset(&w, "1.6.0", "0.000", "kW"), OMP_OK);
    assert_int_equal(omp_iec21_put_dataset(&w, NULL, "00000101000000", NULL), OMP_OK);
    assert_int_equal(omp_wr_bytes(&w, "\r\n!\r\n", 5), OMP_OK);
    struct omp_iec21_ds_iter it;
    struct omp_iec21_dataset d;
    omp_iec21_ds_init(&it, buf, omp_wr_len(&w));
    assert_int_equal(omp_iec21_ds_next(&it, &d), OMP_OK);
    assert_ds(&d, "1.6.0", "0.000", "kW", 0, 0);
    assert_int_equal(omp_iec21_ds_next(&it, &d), OMP_OK);
    assert_ds(&d, "1.6.0", "00000101000000", NULL, 1, 0);
    assert_int_equal(omp_iec21_ds_next(&it, &d), OMP_ERR_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_baud_and_bcc),   cmocka_unit_test(test_parse_kamstrup_examples),
        cmocka_unit_test(test_parse_fields),   cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_writers),        cmocka_unit_test(test_framer_session),
        cmocka_unit_test(test_framer_resync),  cmocka_unit_test(test_framer_ta),
        cmocka_unit_test(test_framer_readout), cmocka_unit_test(test_ds_readout_e2),
        cmocka_unit_test(test_ds_profile_e4),  cmocka_unit_test(test_ds_errors),
        cmocka_unit_test(test_ds_writer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

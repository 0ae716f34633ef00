/*
 * Shared by the IEC 62056-21 tests (test_iec62056_21.c, test_iec62056_21_server.c,
 * test_iec62056_21_client.c): the Kamstrup example messages and the span / data-set checks.
 * Include after <cmocka.h> and "omnipower/iec62056_21.h".
 *
 * Vectors: the examples printed in Kamstrup "OMNIPOWER, K382M, K351C IEC 1107 Protocol
 * description" 55121458_B1_GB_01.2015, sections 7.3, 7.4, 8.1.1 and 8.1.5 (copied from
 * ../shared/vectors/kamstrup_iec1107_doc_examples.txt, which CI does not have; documentation
 * examples, not live captures). The document prints [BCC] without a value; every BCC below was
 * computed independently, as the XOR of the bytes after SOH/STX up to and including ETX/EOT
 * (IEC 62056-21 clause 6.3.15), with a Python one-liner
 *   functools.reduce(operator.xor, body, 0)
 * and the short ones re-checked by hand (B0: 'B' 0x42 ^ '0' 0x30 ^ ETX 0x03 = 0x71;
 * P0: 'P' 0x50 ^ '0' 0x30 ^ STX 0x02 ^ '(' 0x28 ^ ')' 0x29 ^ ETX 0x03 = 0x60). Where the document
 * writes "(password)" the literal text `password` is used, so the bytes are exactly the
 * document's.
 */
#ifndef OMP_IEC21_TEST_H
#define OMP_IEC21_TEST_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A string literal as (bytes, length), without its NUL. */
#define B(s) ((const uint8_t *)(s)), (sizeof(s) - 1u)

/* E1..E4 `TX /?!<CR><LF>` (section 7.3) */
static const char k_request[] = "/?!\r\n";
/* E1 `RX /KAM5 6841138AN141001 <CR><LF>`: 16 characters after Z, then a 17th, a trailing space
 * (as printed; not part of the identification) */
static const char k_e1_ident[] = "/KAM5 6841138AN141001 \r\n";
/* E2 (section 7.4 example 2) `RX /KAM5 68535CC453010 <CR><LF>` (a space before CR LF) */
static const char k_e2_ident[] = "/KAM5 68535CC453010 \r\n";
/* E2 `TX <ACK>050<CR><LF>` */
static const char k_e2_option[] = "\x06"
                                  "050\r\n";
/* E2 readout, User data 2: 597 data bytes (27 data lines and `!` CR LF) */
#define E2_DATA                                                                                    \
    "0.0.1(12345678)\r\n97.97.0(210)\r\n1.8.0(0000010*kwh)\r\n1.8.1(0000010*kwh)\r\n"              \
    "1.8.2(0000000*kwh)\r\n2.8.0(0000010*kwh)\r\n2.8.1(0000010*kwh)\r\n2.8.2(0000000*kwh)\r\n"     \
    "3.8.0(0000000*kvarh)\r\n3.8.1(0000000*kwh)\r\n3.8.2(0000000*kwh)\r\n"                         \
    "4.8.0(0000000*kvarh)\r\n4.8.1(0000000*kwh)\r\n4.8.2(0000000*kwh)\r\n"                         \
    "1.6.0(0.000*kW)(00000101000000)\r\n1.6.1(0.000*kW)(00000101000000)\r\n"                       \
    "1.6.2(0.000*kW)(00000101000000)\r\n2.6.0(0.000*kW)(00000101000000)\r\n"                       \
    "1.2.0(0.000*kW)\r\n2.2.0(0.000*kW)\r\n3.6.0(0.000*kvar)(00000101000000)\r\n"                  \
    "3.2.0(0.000*kvar)\r\n4.6.0(0.000*kvar)(00000101000000)\r\n4.2.0(0.000*kvar)\r\n"              \
    "0.1.0(0)\r\n96.8.0(49)\r\n1.0.0(01131212114656)\r\n!\r\n"
static const char k_e2_data[] = E2_DATA;
/* the whole message STX data ETX BCC: BCC 0x26 (Python XOR over the 598 bytes after STX, ETX
 * included) */
static const char k_e2_readout[] = "\x02" E2_DATA "\x03\x26";
/* E3 (section 8.1.1) `RX /KAM5 6841138BN143002 <CR><LF>` (a space before CR LF) */
static const char k_e3_ident[] = "/KAM5 6841138BN143002 \r\n";
/* E3 `TX <ACK>051<CR><LF>` */
static const char k_e3_option[] = "\x06"
                                  "051\r\n";
/* E3 `RX <SOH>P0<STX>()<ETX><BCC>`, BCC 0x60 (by hand, above) */
static const char k_p0[] = "\x01P0\x02()\x03\x60";
/* E3 `TX <SOH>P1<STX>(password)<ETX><BCC>`, BCC 0x7E (Python XOR) */
static const char k_p1[] = "\x01P1\x02(password)\x03\x7E";
/* E3 `TX <SOH>R5<STX>1.0.0()<ETX><BCC>`, BCC 0x56 (Python XOR) */
static const char k_r5[] = "\x01R5\x02"
                           "1.0.0()\x03\x56";
/* E3 `RX <STX>1.0.0(01050201075012)<ETX><BCC>`, BCC 0x35 (Python XOR) */
#define E3_CLOCK "1.0.0(01050201075012)"
static const char k_r5_reply[] = "\x02" E3_CLOCK "\x03\x35";
/* `SOH B0 ETX BCC` (IEC p.19 / clause 6.3.7), BCC 0x71 (by hand, above) */
static const char k_break[] = "\x01"
                              "B0\x03\x71";
/* E4 load profile with partial blocks (section 8.1.5):
 * `TX <SOH>R6<STX>99.1.0(0050101000000;0050101080033;6)<ETX><BCC>`, BCC 0x5B (Python XOR) */
#define E4_R6_DATA "99.1.0(0050101000000;0050101080033;6)"
static const char k_r6[] = "\x01R6\x02" E4_R6_DATA "\x03\x5B";
#define E4_HDR "99.1.0(4)(1.0.0)()(96.56.2)()(96.56.3)()(1.8.0)(kWh)\r\n"
#define E4_B1                                                                                      \
    E4_HDR "(01050101000000)(0)(0)(0000586.12)\r\n(01050101010000)(0)(0)(0000587.23)\r\n"          \
           "(01050101020000)(0)(0)(0000588.34)\r\n(01050101030000)(0)(0)(0000589.11)\r\n"          \
           "(01050101040000)(0)(0)(0000589.11)\r\n(01050101050000)(0)(0)(0000590.25)\r\n"
#define E4_B2                                                                                      \
    E4_HDR "(01050101060000)(0)(0)(0000590.78)\r\n(01050101070000)(0)(0)(0000592.89)\r\n"          \
           "(01050101080000)(0)(0)(0000592.95)\r\n"
/* first block, ends EOT: BCC 0x61 (Python XOR over the bytes after STX, EOT included); the last
 * block, ends ETX: BCC 0x77 (Python XOR) */
static const char k_e4_block1[] = "\x02" E4_B1 "\x04\x61";
static const char k_e4_block2[] = "\x02" E4_B2 "\x03\x77";

/* @p s holds exactly the text @p want. */
static inline void assert_span(struct omp_iec21_span s, const char *want)
{
    assert_int_equal(s.len, strlen(want));
    if (s.len) {
        assert_memory_equal(s.ptr, want, s.len);
    }
}

/* One data set: address, value, unit (NULL: no '*'), group and line. */
static inline void assert_ds(const struct omp_iec21_dataset *d, const char *addr, const char *value,
                             const char *unit, uint16_t group, uint16_t line)
{
    assert_span(d->address, addr);
    assert_span(d->value, value);
    if (unit != NULL) {
        assert_true(d->has_unit);
        assert_span(d->unit, unit);
    } else {
        assert_false(d->has_unit);
        assert_int_equal(d->unit.len, 0);
    }
    assert_int_equal(d->group, group);
    assert_int_equal(d->line, line);
}

#endif /* OMP_IEC21_TEST_H */

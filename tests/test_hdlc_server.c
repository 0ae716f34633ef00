/*
 * omp_hdlc_server (lib/hdlc/hdlc_server.c): DLMS over HDLC on one port, in front of a fake
 * application (the DLMS engine is tested in test_dlms_server.c).
 *
 * Vector sources:
 * - [KDOC] ../shared/vectors/kamstrup_dlms_doc_hdlc_sessions.txt, session S1 (Kamstrup's DLMS
 *   protocol description 55121424 D1 section 4, a K351C): SNRM, AARQ, GET, DISC as a client sent
 *   them and the meter's UA / AARE / GET-RESPONSE / UA. The meter's max info field receive is 128
 *   where an OMNIPOWER's is 1010 (technical facts 11.2), so our UA differs there (see UA_KS1).
 * - [HAND] frames built by hand from IEC 62056-46 / Green Book 8.4 (format A0/A8 + length,
 *   addresses: client 16 = 0x21; server upper 1 lower 32 in 2 bytes = 02 41, in 4 bytes =
 *   00 02 00 41; 1 byte upper 1 = 03, upper 16 = 0x21; client 19 = 0x27; control I = RRR P SSS 0,
 *   RR = RRR P 0001, SNRM 0x93, UA 0x73, DISC 0x53, DM 0x1F; S bit 0x08 of the format's first byte)
 *   with HCS/FCS computed by an independent CRC-16/X.25 (poly 0x8408 reflected, init and xorout
 *   0xFFFF, low byte first) in a Python snippet written for this test, not by the library. Its CRC
 *   reproduces the [KDOC] frames' HCS/FCS (e.g. UA header 21 03 73 -> HCS 73 98).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/hdlc.h"

#include "test_hex.h"

/* ---- [HAND] vectors: server 2-byte (1, 32) = 02 41, client 16 = 21 ----------------------------
 */

/* SNRM proposing max info 128 each way (81 80 14 | 05 02 0080 | 06 02 0080 | 07 04 00000001 |
 * 08 04 00000001), and our UA: min(128, 1010) each way, window 1. */
#define SNRM128 "7EA02102412193BDE58180140502008006020080070400000001080400000001CE6A7E"
#define UA128   "7EA021210241736A248180140502008006020080070400000001080400000001CE6A7E"
/* SNRM without information field to server (1, 32) in 4 bytes: the defaults (128, window 1). */
#define SNRM_NOINFO_4B "7EA00A000200412193EDC17E"
#define UA_DEF_4B      "7EA02321000200417313938180140502008006020080070400000001080400000001CE6A7E"
/* [KDOC] S1's SNRM proposes 512 each way: our UA 512 / 512 (the K351C answered 512 / 128). */
#define UA_KS1 "7EA020210373739881801405020200060202000704000000010804000000016FEF7E"
/* I frame N(S) 0 N(R) 0 P (0x10): LLC E6 E6 00 + a GET request (the fake app does not look). */
#define I0_REQ "7EA01A0241211013C0E6E600C001C100080000010000FF0200601A7E"
/* I frame N(S) 1 N(R) 1 P (0x32), same request; and N(S) 0 N(R) 1 (0x30): out of sequence. */
#define I1_REQ "7EA01A0241213203C2E6E600C001C100080000010000FF0200601A7E"
/* The app's 300-byte response (byte k = k & 0xFF) after E6 E7 00: 303 bytes in segments of 128:
 * I N(S) 0 N(R) 1 F S (0x30, format A8 8A), N(S) 1 (0x32, A8 8A), N(S) 2 (0x34, A0 39, 47 bytes).
 */
#define SEG1                                                                                       \
    "7EA88A2102413085D8E6E700000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F2021" \
    "22232425262728292A2B2C2D2E2F303132333435363738393A3B3C3D3E3F404142434445464748494A4B4C4D4E4F" \
    "505152535455565758595A5B5C5D5E5F606162636465666768696A6B6C6D6E6F707172737475767778797A7B7C84" \
    "4B7E"
#define SEG2                                                                                       \
    "7EA88A2102413297FB7D7E7F808182838485868788898A8B8C8D8E8F909192939495969798999A9B9C9D9E9FA0A1" \
    "A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4B5B6B7B8B9BABBBCBDBEBFC0C1C2C3C4C5C6C7C8C9CACBCCCDCECF" \
    "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDFE0E1E2E3E4E5E6E7E8E9EAEBECEDEEEFF0F1F2F3F4F5F6F7F8F9FAFBFC12" \
    "B97E"
#define SEG3                                                                                       \
    "7EA03921024134B1FCFDFEFF000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F2021" \
    "22232425262728292A2BC3A67E"
/* RR from the client, P, N(R) 1 / 2 / 3 (0x31, 0x51, 0x71); RR from us, F, N(R) 1 / 2. */
#define RR1_C "7EA0080241213150527E"
#define RR2_C "7EA0080241215156317E"
#define RR3_C "7EA0080241217154107E"
#define RR1_S "7EA0082102413189747E"
#define RR2_S "7EA008210241518F177E"
/* A request in two segments: N(S) 0 with S (A8 11, 0x10: E6 E6 00 C0 01 C1 00), N(S) 1 (0x12). */
#define IREQ_A "7EA81102412110A7A6E6E600C001C1002CE37E"
#define IREQ_B "7EA0130241211265B2080000010000FF020076817E"
/* The app's short response C4 01 C1 00 09 as I N(S) 0 N(R) 1 (0x30), N(S) 0 N(R) 2 (0x50),
 * N(S) 1 N(R) 2 (0x52). */
#define RESP_NS0_NR1 "7EA01221024130E89DE6E700C401C10009F1347E"
#define RESP_NS0_NR2 "7EA01221024150EEFEE6E700C401C10009F1347E"
#define RESP_NS1_NR2 "7EA01221024152FCDDE6E700C401C10009F1347E"
#define DISC         "7EA0080241215344127E"
#define UA_DISC      "7EA008210241739F157E"
#define DM           "7EA0082102411FF5BC7E"
/* SNRM to logical device 2 (04 41) and to physical address 33 (02 43): not ours. */
#define SNRM_WRONG_LD   "7EA00804412193D29F7E"
#define SNRM_WRONG_PHYS "7EA00802432193F0617E"
/* SNRM from client 19 (0x27) to logical device 16 in one byte (0x21), no info: UA defaults. */
#define SNRM_LD16_1B "7EA0072127935CE37E"
#define UA_LD16_1B   "7EA020272173295E8180140502008006020080070400000001080400000001CE6A7E"

/* ---- [KDOC] session S1: client 16 (0x21), server 1 in one byte (0x03) --------------------------
 */
#define KS1_SNRM "7EA0200321937DD981801405020200060202000704000000010804000000016FEF7E"
#define KS1_AARQ                                                                                   \
    "7EA02B032110FBAFE6E600601DA109060760857405080101BE10040E01000000065F1F040000181DFFFF5FAF7E"
#define KS1_AARQ_APDU "601DA109060760857405080101BE10040E01000000065F1F040000181DFFFF"
#define KS1_AARE                                                                                   \
    "7EA0372103306C7CE6E7006129A109060760857405080101A203020100A305A103020100BE10040E0800065F1F04" \
    "00001010007D00077DEE7E"
#define KS1_AARE_APDU                                                                              \
    "6129A109060760857405080101A203020100A305A103020100BE10040E0800065F1F0400001010007D0007"
#define KS1_GET          "7EA0190321326FD8E6E600C0018100010101000001FF0200A8E37E"
#define KS1_GET_APDU     "C0018100010101000001FF0200"
#define KS1_GET_RSP      "7EA0152103525D8AE6E700C40181000600BC614FE4367E"
#define KS1_GET_RSP_APDU "C40181000600BC614F"
#define KS1_DISC         "7EA00703215303C77E"
#define KS1_UA           "7EA00721037301407E"

/* ---- the fake application ----------------------------------------------------------------------
 */

struct app {
    uint16_t client, server;
    uint8_t req[256];
    size_t req_len;
    unsigned calls, ends;
    uint8_t rsp[512];
    size_t rsp_len;
};

static omp_err app_apdu(void *user, uint16_t client_sap, uint16_t server_sap, const uint8_t *req,
                        size_t len, struct omp_wr *out)
{
    struct app *a = user;
    a->calls++;
    a->client = client_sap;
    a->server = server_sap;
    assert_true(len <= sizeof a->req);
    memcpy(a->req, req, len);
    a->req_len = len;
    return omp_wr_bytes(out, a->rsp, a->rsp_len);
}

static void app_end(void *user)
{
    ((struct app *)user)->ends++;
}

struct fix {
    struct omp_hdlc_server s;
    struct app a;
    uint8_t rx[1013], tx[1013];
};

static void start(struct fix *f, size_t rx_cap)
{
    memset(f, 0, sizeof *f);
    struct omp_hdlc_server_cfg c;
    omp_hdlc_server_cfg_default(&c);
    assert_int_equal(omp_hdlc_server_init(&f->s, &c, f->rx, rx_cap, f->tx, sizeof f->tx, app_apdu,
                                          app_end, &f->a),
                     OMP_OK);
    f->a.rsp_len = unhex("C401C10009", f->a.rsp, sizeof f->a.rsp);
}

/* Feed @p in_hex at @p now; what is written must be @p want_hex ("" for nothing). */
static void xchg(struct fix *f, const char *in_hex, uint64_t now, const char *want_hex)
{
    static uint8_t in[2048], want[2048], out[4096];
    const size_t n = unhex(in_hex, in, sizeof in);
    const size_t m = unhex(want_hex, want, sizeof want);
    struct omp_wr w = omp_wr_init(out, sizeof out);
    assert_int_equal(omp_hdlc_server_rx(&f->s, in, n, now, &w), OMP_OK);
    assert_int_equal(omp_wr_len(&w), m);
    assert_memory_equal(out, want, m);
}

static void assert_req(const struct fix *f, const char *hex)
{
    uint8_t want[256];
    const size_t n = unhex(hex, want, sizeof want);
    assert_int_equal(f->a.req_len, n);
    assert_memory_equal(f->a.req, want, n);
}

/* ---- tests -------------------------------------------------------------------------------------
 */

static void test_defaults(void **state)
{
    (void)state;
    struct omp_hdlc_server_cfg c;
    omp_hdlc_server_cfg_default(&c);
    /* technical facts 11.2: physical address 32, 1010 each way, window 1, 20 s, 500 ms */
    assert_int_equal(c.phys, 32);
    assert_int_equal(c.n_lds, 2);
    assert_int_equal(c.lds[0], 1);
    assert_int_equal(c.lds[1], 16);
    assert_int_equal(c.limits.max_info_tx, 1010);
    assert_int_equal(c.limits.max_info_rx, 1010);
    assert_int_equal(c.limits.window_tx, 1);
    assert_int_equal(c.inactivity_ms, 20000);
    assert_int_equal(c.inter_octet_ms, 500);
}

static void test_snrm_ua_params(void **state)
{
    (void)state;
    struct fix f;
    start(&f, sizeof f.rx);
    xchg(&f, SNRM128, 0, UA128);
    assert_true(omp_hdlc_server_connected(&f.s));
    assert_int_equal(f.s.link.params.max_info_tx, 128);
    start(&f, sizeof f.rx);
    xchg(&f, SNRM_NOINFO_4B, 0, UA_DEF_4B);
    start(&f, sizeof f.rx);
    xchg(&f, KS1_SNRM, 0, UA_KS1);
    assert_int_equal(f.a.ends, 0);
}

/* The Kamstrup manual's session, byte for byte, with the meter's APDUs as the app's answers. */
static void test_kamstrup_session(void **state)
{
    (void)state;
    struct fix f;
    start(&f, sizeof f.rx);
    xchg(&f, KS1_SNRM, 0, UA_KS1);
    f.a.rsp_len = unhex(KS1_AARE_APDU, f.a.rsp, sizeof f.a.rsp);
    xchg(&f, KS1_AARQ, 10, KS1_AARE);
    assert_int_equal(f.a.client, 16);
    assert_int_equal(f.a.server, 1);
    assert_req(&f, KS1_AARQ_APDU);
    f.a.rsp_len = unhex(KS1_GET_RSP_APDU, f.a.rsp, sizeof f.a.rsp);
    xchg(&f, KS1_GET, 20, KS1_GET_RSP);
    assert_req(&f, KS1_GET_APDU);
    xchg(&f, KS1_DISC, 30, KS1_UA);
    assert_false(omp_hdlc_server_connected(&f.s));
    assert_int_equal(f.a.ends, 1);
    assert_int_equal(f.a.calls, 2);
}

static void test_segmented_response(void **state)
{
    (void)state;
    struct fix f;
    start(&f, sizeof f.rx);
    for (size_t k = 0; k < 300u; k++) {
        f.a.rsp[k] = (uint8_t)k;
    }
    f.a.rsp_len = 300;
    xchg(&f, SNRM128, 0, UA128);
    xchg(&f, I0_REQ, 1, SEG1);
    xchg(&f, RR1_C, 2, SEG2);
    xchg(&f, RR1_C, 3, SEG2); /* N(R) 1 again: the client lost SEG2, it is sent again */
    xchg(&f, RR2_C, 4, SEG3);
    xchg(&f, RR3_C, 5, RR1_S); /* all sent: RR */
    assert_int_equal(f.a.calls, 1);
}

static void test_segmented_request(void **state)
{
    (void)state;
    struct fix f;
    start(&f, sizeof f.rx);
    xchg(&f, SNRM128, 0, UA128);
    xchg(&f, IREQ_A, 1, RR1_S);
    assert_int_equal(f.a.calls, 0);
    xchg(&f, IREQ_B, 2, RESP_NS0_NR2);
    assert_int_equal(f.a.calls, 1);
    assert_req(&f, "C001C100080000010000FF0200");
}

static void test_request_too_long(void **state)
{
    (void)state;
    struct fix f;
    start(&f, 10); /* LLC + 7 bytes: IREQ_A fits, IREQ_B does not */
    xchg(&f, SNRM128, 0, UA128);
    xchg(&f, IREQ_A, 1, RR1_S);
    xchg(&f, IREQ_B, 2, RR2_S);
    assert_int_equal(f.a.calls, 0);
    xchg(&f, I0_REQ, 3, RR2_S); /* N(S) 0 is not V(R) 2: out of sequence */
    assert_int_equal(f.a.calls, 0);
}

static void test_sequence_numbers(void **state)
{
    (void)state;
    struct fix f;
    start(&f, sizeof f.rx);
    xchg(&f, SNRM128, 0, UA128);
    xchg(&f, I0_REQ, 1, RESP_NS0_NR1);
    xchg(&f, I1_REQ, 2, RESP_NS1_NR2);
    xchg(&f, I1_REQ, 3, RR2_S); /* a repeat: N(S) 1 is not V(R) 2 */
    assert_int_equal(f.a.calls, 2);
}

static void test_disc_dm(void **state)
{
    (void)state;
    struct fix f;
    start(&f, sizeof f.rx);
    xchg(&f, DISC, 0, DM);
    xchg(&f, I0_REQ, 1, DM);
    assert_int_equal(f.a.calls, 0);
    xchg(&f, SNRM128, 2, UA128);
    xchg(&f, DISC, 3, UA_DISC);
    assert_int_equal(f.a.ends, 1);
    xchg(&f, DISC, 4, DM);
    xchg(&f, I0_REQ, 5, DM);
    assert_int_equal(f.a.calls, 0);
    assert_int_equal(f.a.ends, 1);
}

static void test_wrong_address_ignored(void **state)
{
    (void)state;
    struct fix f;
    start(&f, sizeof f.rx);
    xchg(&f, SNRM_WRONG_LD, 0, "");
    xchg(&f, SNRM_WRONG_PHYS, 1, "");
    assert_int_equal(f.s.n_ignored, 2);
    assert_false(omp_hdlc_server_connected(&f.s));
    xchg(&f, SNRM_LD16_1B, 2, UA_LD16_1B);
    xchg(&f, SNRM128, 3, ""); /* another logical device while connected: ignored */
    /* I N(S) 0 N(R) 0 from 19 to 16 (1 byte), and the answer N(S) 0 N(R) 1 */
    xchg(&f, "7EA0192127102C38E6E600C001C100080000010000FF0200601A7E", 4,
         "7EA011272130FF7EE6E700C401C10009F1347E");
    assert_int_equal(f.a.client, 19);
    assert_int_equal(f.a.server, 16);
}

static void test_inactivity(void **state)
{
    (void)state;
    struct fix f;
    start(&f, sizeof f.rx);
    xchg(&f, SNRM128, 1000, UA128);
    omp_hdlc_server_tick(&f.s, 1000u + 19999u);
    assert_true(omp_hdlc_server_connected(&f.s));
    xchg(&f, I0_REQ, 20999, RESP_NS0_NR1); /* a frame restarts the timer */
    omp_hdlc_server_tick(&f.s, 20999u + 19999u);
    assert_true(omp_hdlc_server_connected(&f.s));
    assert_int_equal(f.a.ends, 0);
    omp_hdlc_server_tick(&f.s, 20999u + 20000u);
    assert_false(omp_hdlc_server_connected(&f.s));
    assert_int_equal(f.a.ends, 1);
    assert_int_equal(f.s.n_timeouts, 1);
    xchg(&f, I1_REQ, 41000, DM);
    /* the timeout is also seen by a frame arriving late, before it is handled */
    xchg(&f, SNRM128, 50000, UA128);
    xchg(&f, I0_REQ, 70000, DM);
    assert_int_equal(f.a.ends, 2);
}

static void test_garbage_then_good(void **state)
{
    (void)state;
    struct fix f;
    start(&f, sizeof f.rx);
    /* noise, then a frame with its FCS's last byte changed (6A -> 6B), then a good SNRM */
    xchg(&f,
         "00FF7E7E1234"
         "7EA02102412193BDE58180140502008006020080070400000001080400000001CE6B7E" SNRM128,
         0, UA128);
    xchg(&f, DISC, 1, UA_DISC);
    /* a broken header (7E A0 then silence): its length field takes the next frame's bytes in;
     * the inter-octet timeout drops it and the client's repeat is answered */
    xchg(&f, "7EA0", 2, "");
    xchg(&f, SNRM128, 3, "");
    omp_hdlc_server_tick(&f.s, 3u + 500u);
    xchg(&f, SNRM128, 504, UA128);
    assert_true(f.s.stream.n_errors >= 1u);
    xchg(&f, "7EA01A0241211013C0E6E600C001C1000800FFFFFFFFFF0200601A7E", 505, ""); /* bad FCS */
    xchg(&f, I0_REQ, 506, RESP_NS0_NR1);
}

static void test_inter_octet(void **state)
{
    (void)state;
    struct fix f;
    start(&f, sizeof f.rx);
    xchg(&f, "7EA0210241", 0, "");
    xchg(&f, "2193BDE58180140502008006020080070400000001080400000001CE6A7E", 499, UA128);
    start(&f, sizeof f.rx);
    xchg(&f, "7EA0210241", 0, "");
    xchg(&f, "2193BDE58180140502008006020080070400000001080400000001CE6A7E", 500, "");
    assert_int_equal(f.s.n_octet_timeouts, 1);
    xchg(&f, SNRM128, 501, UA128);
}

static void test_args(void **state)
{
    (void)state;
    struct fix f;
    struct omp_hdlc_server_cfg c;
    omp_hdlc_server_cfg_default(&c);
    assert_int_equal(
        omp_hdlc_server_init(&f.s, &c, f.rx, sizeof f.rx, f.tx, 3, app_apdu, NULL, NULL),
        OMP_ERR_ARG);
    c.n_lds = 0;
    assert_int_equal(
        omp_hdlc_server_init(&f.s, &c, f.rx, sizeof f.rx, f.tx, sizeof f.tx, app_apdu, NULL, NULL),
        OMP_ERR_ARG);
    omp_hdlc_server_cfg_default(&c);
    c.limits.window_rx = 2; /* window 1 only */
    assert_int_equal(
        omp_hdlc_server_init(&f.s, &c, f.rx, sizeof f.rx, f.tx, sizeof f.tx, app_apdu, NULL, NULL),
        OMP_ERR_ARG);
    uint8_t out[8];
    struct omp_wr w = omp_wr_init(out, sizeof out);
    assert_int_equal(omp_hdlc_server_rx(NULL, out, 1, 0, &w), OMP_ERR_ARG);
    omp_hdlc_server_tick(NULL, 0);
    omp_hdlc_server_reset(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_snrm_ua_params),
        cmocka_unit_test(test_kamstrup_session),
        cmocka_unit_test(test_segmented_response),
        cmocka_unit_test(test_segmented_request),
        cmocka_unit_test(test_request_too_long),
        cmocka_unit_test(test_sequence_numbers),
        cmocka_unit_test(test_disc_dm),
        cmocka_unit_test(test_wrong_address_ignored),
        cmocka_unit_test(test_inactivity),
        cmocka_unit_test(test_garbage_then_good),
        cmocka_unit_test(test_inter_octet),
        cmocka_unit_test(test_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * DLMS over HDLC on the meter's own ports (omp_meter_on_rx, lib/meter/meter_hdlc.c): the module
 * port, the CCC port with HAN push off, and the optical port shared with IEC 62056-21; each
 * port's LLS client bound to it (technical facts 11.1).
 *
 * Vector sources:
 * - [KDOC] ../shared/vectors/kamstrup_dlms_doc_hdlc_sessions.txt, session S1 (Kamstrup's DLMS
 *   protocol description, a K351C): SNRM, AARQ, GET of MeterNo1 1.1.0.0.1.255 and DISC as a client
 *   sent them; the meter's GET-RESPONSE frame (N(S) 1, N(R) 2, double-long-unsigned 12345679) and
 *   UA to DISC byte for byte. The UA to the SNRM is the K351C's with an OMNIPOWER's max info field
 *   (512 each way granted, as test_hdlc_server.c's UA_KS1 explains).
 * - Requests of other clients are built with the library's HDLC and AARQ encoders: the checks on
 *   them are the association's result and diagnostic from the Green Book (AARE result 0 accepted,
 *   1 rejected-permanent; diagnostic 1 no-reason-given), not bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/apdu.h"
#include "omnipower/hal_fakes.h"
#include "omnipower/hdlc.h"
#include "omnipower/meter.h"

#include "test_hex.h"

#define SECTOR  4096u
#define SECTORS 16u
#define SIZE    (SECTOR * SECTORS)
#define T0      ((omp_time_s)1705320000) /* 2024-01-15T12:00:00Z */

/* [KDOC] S1: client 16 (0x21), server upper 1 in one byte (0x03) */
#define KS1_SNRM "7EA0200321937DD981801405020200060202000704000000010804000000016FEF7E"
#define UA_KS1   "7EA020210373739881801405020200060202000704000000010804000000016FEF7E"
#define KS1_AARQ                                                                                   \
    "7EA02B032110FBAFE6E600601DA109060760857405080101BE10040E01000000065F1F040000181DFFFF5FAF7E"
#define KS1_GET     "7EA0190321326FD8E6E600C0018100010101000001FF0200A8E37E"
#define KS1_GET_RSP "7EA0152103525D8AE6E700C40181000600BC614FE4367E"
#define KS1_DISC    "7EA00703215303C77E"
#define KS1_UA      "7EA00721037301407E"

static const struct omp_nvm_geometry k_geo = {
    .size = SIZE,
    .sector_size = SECTOR,
    .program_unit = 8u,
    .erase_value = 0xFFu,
    .erase_cycles = 100000u,
};

/* What the meter wrote to each port, and the port's rate changes. */
struct cap {
    uint8_t tx[OMP_PORT_COUNT][4096];
    size_t len[OMP_PORT_COUNT];
    size_t accept; /* bytes a write takes at most (0: all) */
    unsigned nbaud;
    uint32_t baud[16];
    enum omp_port_framing framing[16];
};

struct fx {
    uint8_t mem[SIZE];
    struct omp_fake_board b;
    struct omp_hal hal;
    struct omp_meter_cfg cfg;
    struct omp_meter m;
};

static struct fx g_fx;
static struct cap g_cap;
static struct omp_hal_ops g_ops;

static omp_err cap_write(void *user, enum omp_port port, const uint8_t *data, size_t len,
                         size_t *written)
{
    (void)user;
    size_t n = g_cap.accept != 0u && len > g_cap.accept ? g_cap.accept : len;
    assert_true(g_cap.len[port] + n <= sizeof g_cap.tx[port]);
    memcpy(g_cap.tx[port] + g_cap.len[port], data, n);
    g_cap.len[port] += n;
    *written = n;
    return OMP_OK;
}

static omp_err cap_baud(void *user, enum omp_port port, uint32_t baud,
                        enum omp_port_framing framing)
{
    (void)user;
    assert_int_equal(port, OMP_PORT_OPTICAL);
    assert_true(g_cap.nbaud < 16u);
    g_cap.baud[g_cap.nbaud] = baud;
    g_cap.framing[g_cap.nbaud] = framing;
    g_cap.nbaud++;
    return OMP_OK;
}

static struct fx *fx_board(void)
{
    struct fx *f = &g_fx;
    memset(f, 0, sizeof *f);
    memset(&g_cap, 0, sizeof g_cap);
    assert_int_equal(omp_fake_board_init(&f->b, f->mem, &k_geo, NULL, T0), OMP_OK);
    g_ops = omp_fake_board_ops;
    g_ops.port_write = cap_write;
    g_ops.port_set_baud = cap_baud;
    f->hal.ops = &g_ops;
    f->hal.user = &f->b;
    omp_meter_cfg_default(&f->cfg);
    f->cfg.meter_number = 12345679u; /* MeterNo1 of [KDOC] S1 */
    return f;
}

static void fx_start(struct fx *f)
{
    assert_int_equal(omp_meter_init(&f->m, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
}

static struct fx *fx_new(void)
{
    struct fx *f = fx_board();
    fx_start(f);
    return f;
}

/* Let @p ms pass in 100 ms steps, ticking and polling like a port's main loop. */
static void run_ms(struct fx *f, unsigned ms)
{
    for (unsigned t = 0; t < ms; t += 100u) {
        omp_fake_clock_advance_ms(&f->b.clock, 100u);
        omp_meter_tick(&f->m, &f->b.clock.now);
        assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
    }
}

/* Send @p hex on @p port; the bytes the port got in reply must be @p want_hex ("" none). */
static void xchg(struct fx *f, enum omp_port port, const char *hex, const char *want_hex)
{
    uint8_t in[512], want[512];
    size_t n = unhex(hex, in, sizeof in);
    size_t w = unhex(want_hex, want, sizeof want);
    size_t at = g_cap.len[port];
    assert_int_equal(omp_meter_on_rx(&f->m, port, in, n), OMP_OK);
    assert_int_equal(g_cap.len[port] - at, w);
    assert_memory_equal(g_cap.tx[port] + at, want, w);
}

/* ---- frames of other clients, built with the library's encoders ------------------------------ */

/* One frame from @p client to server upper @p server (lower 32, 2-byte address). */
static size_t frame(uint8_t *out, size_t cap, uint16_t client, uint16_t server,
                    enum omp_hdlc_type type, uint8_t ns, uint8_t nr, const uint8_t *info,
                    size_t len)
{
    struct omp_hdlc_frame fr;
    memset(&fr, 0, sizeof fr);
    fr.dst.upper = server;
    fr.dst.lower = OMP_HDLC_SERVER_PHYS_DEFAULT;
    fr.dst.size = 2u;
    fr.src.upper = client;
    fr.src.size = 1u;
    fr.type = type;
    fr.pf = true;
    fr.ns = ns;
    fr.nr = nr;
    fr.info = info;
    fr.info_len = len;
    struct omp_wr w = omp_wr_init(out, cap);
    assert_int_equal(omp_hdlc_encode(&w, &fr, true), OMP_OK);
    return omp_wr_len(&w);
}

/* The information field of the last frame written to @p port since @p at (LLC stripped), copied
 * out of the stream decoder (its frames point into the decoder's buffer). */
static size_t last_apdu(enum omp_port port, size_t at, const uint8_t **apdu)
{
    static uint8_t copy[OMP_METER_HDLC_APDU_MAX];
    struct omp_hdlc_stream s;
    struct omp_hdlc_frame fr;
    omp_hdlc_stream_init(&s);
    size_t used = 0, n = 0;
    const uint8_t *p = g_cap.tx[port] + at;
    size_t len = g_cap.len[port] - at;
    *apdu = NULL;
    while (len > 0u) {
        omp_err err = omp_hdlc_stream_feed(&s, p, len, &used, &fr);
        p += used;
        len -= used;
        if (err == OMP_OK && fr.type == OMP_HDLC_I) {
            bool rsp = false;
            const uint8_t *in = NULL;
            assert_int_equal(omp_hdlc_llc_strip(fr.info, fr.info_len, &rsp, &in, &n), OMP_OK);
            assert_true(rsp && n <= sizeof copy);
            memcpy(copy, in, n);
            *apdu = copy;
        } else if (err != OMP_OK) {
            break;
        }
    }
    return n;
}

/* SNRM, then an LLS AARQ ("12345") of @p client on @p port: the AARE's result (0 accepted) and
 * diagnostic. */
static void lls_associate(struct fx *f, enum omp_port port, uint16_t client, uint8_t *result,
                          uint8_t *diag)
{
    uint8_t b[256], aarq[128];
    omp_meter_link_lost(&f->m, port); /* one client's link at a time: the last one's is gone */
    size_t at = g_cap.len[port];
    assert_int_equal(omp_meter_on_rx(&f->m, port, b,
                                     frame(b, sizeof b, client, 16u, OMP_HDLC_SNRM, 0, 0, NULL, 0)),
                     OMP_OK);
    assert_true(g_cap.len[port] > at); /* UA */
    struct omp_dlms_aarq_opts o;
    memset(&o, 0, sizeof o);
    o.mechanism = OMP_DLMS_MECH_LLS;
    o.secret = (const uint8_t *)"12345";
    o.secret_len = 5u;
    o.conformance = 0x001E1Du;
    o.max_pdu = 0xFFFFu;
    aarq[0] = 0xE6u;
    aarq[1] = 0xE6u;
    aarq[2] = 0x00u;
    struct omp_wr w = omp_wr_init(aarq + 3, sizeof aarq - 3u);
    assert_int_equal(omp_dlms_client_aarq(&w, &o), OMP_OK);
    at = g_cap.len[port];
    size_t n = frame(b, sizeof b, client, 16u, OMP_HDLC_I, 0, 0, aarq, 3u + omp_wr_len(&w));
    assert_int_equal(omp_meter_on_rx(&f->m, port, b, n), OMP_OK);
    const uint8_t *apdu = NULL;
    size_t len = last_apdu(port, at, &apdu);
    struct omp_apdu a;
    struct omp_rd rd = omp_rd_init(apdu, len);
    assert_int_equal(omp_apdu_decode(&rd, &a), OMP_OK);
    assert_int_equal(a.kind, OMP_APDU_AARE);
    *result = a.u.aare.result;
    *diag = a.u.aare.diag;
}

/* ---- tests ----------------------------------------------------------------------------------- */

/* The manual's session on the module port, byte for byte where the meter's bytes are the
 * K351C's: its UA (with an OMNIPOWER's limits), the GET-RESPONSE of MeterNo1 and the UA to DISC. */
static void test_module_kamstrup_session(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    xchg(f, OMP_PORT_MODULE, KS1_SNRM, UA_KS1);
    size_t at = g_cap.len[OMP_PORT_MODULE];
    uint8_t b[128];
    assert_int_equal(omp_meter_on_rx(&f->m, OMP_PORT_MODULE, b, unhex(KS1_AARQ, b, sizeof b)),
                     OMP_OK);
    const uint8_t *apdu = NULL;
    size_t len = last_apdu(OMP_PORT_MODULE, at, &apdu);
    struct omp_apdu a;
    struct omp_rd rd = omp_rd_init(apdu, len);
    assert_int_equal(omp_apdu_decode(&rd, &a), OMP_OK);
    assert_int_equal(a.kind, OMP_APDU_AARE);
    assert_int_equal(a.u.aare.result, 0u); /* public client 16 -> SAP 1 accepted */
    xchg(f, OMP_PORT_MODULE, KS1_GET, KS1_GET_RSP);
    xchg(f, OMP_PORT_MODULE, KS1_DISC, KS1_UA);
    /* the link's end ended the association: a new link's GET gets an exception response */
    xchg(f, OMP_PORT_MODULE, KS1_SNRM, UA_KS1);
    at = g_cap.len[OMP_PORT_MODULE];
    /* KS1_GET with N(S) 0 N(R) 0 (control 0x10): built, not taken from the manual */
    const uint8_t get[] = {0xC0, 0x01, 0x81, 0x00, 0x01, 0x01, 0x01, 0x00,
                           0x00, 0x01, 0xFF, 0x02, 0x00};
    uint8_t info[3 + sizeof get] = {0xE6, 0xE6, 0x00};
    memcpy(info + 3, get, sizeof get);
    struct omp_hdlc_frame fr;
    memset(&fr, 0, sizeof fr);
    fr.dst.upper = 1u;
    fr.dst.size = 1u;
    fr.src.upper = 16u;
    fr.src.size = 1u;
    fr.type = OMP_HDLC_I;
    fr.pf = true;
    fr.info = info;
    fr.info_len = sizeof info;
    struct omp_wr w = omp_wr_init(b, sizeof b);
    assert_int_equal(omp_hdlc_encode(&w, &fr, true), OMP_OK);
    assert_int_equal(omp_meter_on_rx(&f->m, OMP_PORT_MODULE, b, omp_wr_len(&w)), OMP_OK);
    len = last_apdu(OMP_PORT_MODULE, at, &apdu);
    assert_true(len >= 1u);
    assert_int_equal(apdu[0], OMP_APDU_TAG_EXCEPTION_RESPONSE);
}

/* Each LLS client is its port's (technical facts 11.1): 18 on the module port, 19 on the optical
 * port, 20 on the CCC port; another port's refuses it as an unknown client. */
static void test_lls_client_bound_to_port(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    static const struct {
        enum omp_port port;
        uint16_t client;
        bool ok;
    } k[] = {
        {OMP_PORT_MODULE, 18u, true},  {OMP_PORT_MODULE, 19u, false},
        {OMP_PORT_MODULE, 20u, false}, {OMP_PORT_HAN, 20u, true},
        {OMP_PORT_HAN, 18u, false},    {OMP_PORT_HAN, 19u, false},
        {OMP_PORT_OPTICAL, 19u, true}, {OMP_PORT_OPTICAL, 18u, false},
        {OMP_PORT_OPTICAL, 20u, false},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        uint8_t result = 0xFF, diag = 0xFF;
        lls_associate(f, k[i].port, k[i].client, &result, &diag);
        assert_int_equal(result, k[i].ok ? 0u : 1u);
        assert_int_equal(diag, k[i].ok ? 0u : 1u); /* rejected: no-reason-given */
    }
    /* the APDU entry names the port too */
    uint8_t rsp[256];
    const uint8_t rlrq[] = {0x62, 0x00};
    struct omp_wr w = omp_wr_init(rsp, sizeof rsp);
    assert_int_equal(omp_meter_dlms(&f->m, OMP_PORT_OPTICAL, 19u, 16u, rlrq, sizeof rlrq, &w),
                     OMP_OK);
}

/* The optical port: a flag while no reader is signed on hands it to HDLC at 9600 Bd 8N1; the
 * link's end gives it back to IEC 62056-21 at 300 Bd 7E1, which then answers a sign-on. */
static void test_optical_hdlc_and_iec(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    g_cap.nbaud = 0u;
    xchg(f, OMP_PORT_OPTICAL, KS1_SNRM, UA_KS1);
    assert_int_equal(g_cap.nbaud, 1u);
    assert_int_equal(g_cap.baud[0], 9600u);
    assert_int_equal(g_cap.framing[0], OMP_FRAMING_8N1);
    /* a sign-on now is no HDLC frame: no answer, and the port stays HDLC's */
    xchg(f, OMP_PORT_OPTICAL, "2F3F210D0A", "");
    run_ms(f, 2000);
    assert_int_equal(g_cap.nbaud, 1u);
    xchg(f, OMP_PORT_OPTICAL, KS1_DISC, "7EA00721037301407E"); /* UA: link ended (N(S)/N(R) 0) */
    run_ms(f, 200);
    assert_int_equal(g_cap.nbaud, 2u);
    assert_int_equal(g_cap.baud[1], 300u);
    assert_int_equal(g_cap.framing[1], OMP_FRAMING_7E1);
    size_t at = g_cap.len[OMP_PORT_OPTICAL];
    const char *signon = "/?!\r\n";
    assert_int_equal(omp_meter_on_rx(&f->m, OMP_PORT_OPTICAL, (const uint8_t *)signon, 5u), OMP_OK);
    run_ms(f, 1000);
    const char *ident = "/KAM5 6861111BN142101\r\n";
    assert_int_equal(g_cap.len[OMP_PORT_OPTICAL] - at, strlen(ident));
    assert_memory_equal(g_cap.tx[OMP_PORT_OPTICAL] + at, ident, strlen(ident));
    /* while that reader is signed on, a flag is the IEC session's (not a frame's): no UA */
    at = g_cap.len[OMP_PORT_OPTICAL];
    uint8_t b[64];
    assert_int_equal(omp_meter_on_rx(&f->m, OMP_PORT_OPTICAL, b, unhex(KS1_SNRM, b, sizeof b)),
                     OMP_OK);
    run_ms(f, 100);
    assert_true(g_cap.len[OMP_PORT_OPTICAL] - at < 8u); /* at most a NAK-like reply, no UA */
    assert_int_equal(g_cap.nbaud, 2u);
}

/* HDLC setup's inactivity timeout (20 s) ends the optical port's link: IEC 62056-21 again. */
static void test_optical_inactivity(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    g_cap.nbaud = 0u;
    xchg(f, OMP_PORT_OPTICAL, KS1_SNRM, UA_KS1);
    run_ms(f, 19800);
    assert_int_equal(g_cap.nbaud, 1u);
    run_ms(f, 400);
    assert_int_equal(g_cap.nbaud, 2u);
    assert_int_equal(g_cap.baud[1], 300u);
    /* the next client's SNRM takes the port again */
    xchg(f, OMP_PORT_OPTICAL, KS1_SNRM, UA_KS1);
    assert_int_equal(g_cap.nbaud, 3u);
    assert_int_equal(g_cap.baud[2], 9600u);
}

/* 131.0.12 = 0 (no IEC 62056-21 on the port): HDLC only, 9600 Bd 8N1 from the start. */
static void test_optical_hdlc_only(void **state)
{
    (void)state;
    struct fx *f = fx_board();
    f->cfg.optical.comm_mode = 0u;
    fx_start(f);
    assert_int_equal(g_cap.nbaud, 1u);
    assert_int_equal(g_cap.baud[0], 9600u);
    xchg(f, OMP_PORT_OPTICAL, KS1_SNRM, UA_KS1);
    xchg(f, OMP_PORT_OPTICAL, KS1_DISC, KS1_UA);
    run_ms(f, 25000);
    assert_int_equal(g_cap.nbaud, 1u); /* never back to 300 Bd */
    xchg(f, OMP_PORT_OPTICAL, KS1_SNRM, UA_KS1);
}

/* The CCC port answers only with HAN push off (technical facts 12.1). */
static void test_ccc_push_on_answers_nothing(void **state)
{
    (void)state;
    struct fx *f = fx_board();
    f->cfg.han_push.lists = OMP_PUSH_NVE;
    fx_start(f);
    uint8_t b[64];
    size_t n = unhex(KS1_SNRM, b, sizeof b);
    assert_int_equal(omp_meter_on_rx(&f->m, OMP_PORT_HAN, b, n), OMP_ERR_UNSUPPORTED);
    assert_int_equal(g_cap.len[OMP_PORT_HAN], 0u);
    f = fx_new(); /* the factory setting: push off */
    xchg(f, OMP_PORT_HAN, KS1_SNRM, UA_KS1);
}

/* A port that takes a few bytes a write gets the rest from the polls; a lost link ends the
 * association. */
static void test_slow_port_and_link_lost(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    g_cap.accept = 5u;
    uint8_t b[64], want[64];
    size_t n = unhex(KS1_SNRM, b, sizeof b);
    size_t w = unhex(UA_KS1, want, sizeof want);
    assert_int_equal(omp_meter_on_rx(&f->m, OMP_PORT_MODULE, b, n), OMP_OK);
    assert_int_equal(g_cap.len[OMP_PORT_MODULE], 5u);
    for (unsigned k = 0; k < 10u; k++) {
        assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
    }
    assert_int_equal(g_cap.len[OMP_PORT_MODULE], w);
    assert_memory_equal(g_cap.tx[OMP_PORT_MODULE], want, w);
    g_cap.accept = 0u;
    uint8_t result = 0xFF, diag = 0xFF;
    lls_associate(f, OMP_PORT_MODULE, 18u, &result, &diag);
    assert_int_equal(result, 0u);
    omp_meter_link_lost(&f->m, OMP_PORT_MODULE);
    /* an I frame now finds no link: DM (0x1F with P/F: 0x1F), nothing handed to DLMS */
    size_t at = g_cap.len[OMP_PORT_MODULE];
    const uint8_t info[] = {0xE6, 0xE6, 0x00, 0xC0, 0x01, 0xC1, 0x00, 0x01, 0x01,
                            0x01, 0x00, 0x00, 0x01, 0xFF, 0x02, 0x00};
    n = frame(b, sizeof b, 18u, 16u, OMP_HDLC_I, 1, 1, info, sizeof info);
    assert_int_equal(omp_meter_on_rx(&f->m, OMP_PORT_MODULE, b, n), OMP_OK);
    struct omp_hdlc_frame fr;
    size_t used = 0;
    assert_int_equal(omp_hdlc_decode(g_cap.tx[OMP_PORT_MODULE] + at,
                                     g_cap.len[OMP_PORT_MODULE] - at, &fr, &used),
                     OMP_OK);
    assert_int_equal(fr.type, OMP_HDLC_DM);
}

/* One APDU to @p port's server from @p client (SAP 16); the response's length in g_apdu. */
static uint8_t g_apdu[512];
static size_t apdu(struct fx *f, enum omp_port port, uint16_t client, const char *hex)
{
    uint8_t req[256];
    size_t n = unhex(hex, req, sizeof req);
    struct omp_wr w = omp_wr_init(g_apdu, sizeof g_apdu);
    assert_int_equal(omp_meter_dlms(&f->m, port, client, 16u, req, n, &w), OMP_OK);
    return omp_wr_len(&w);
}

#define AARQ_LLS                                                                                   \
    "6033A1090607608574050801018A0207808B0760857405080201AC0780053132333435"                    \
    "BE10040E01000000065F1F040000FE1FFFFF"
#define HDLC_SETUP "00170000160000FF"

/* IEC HDLC setup attribute 9 (device address) written over the CCC port: the ports without a link
 * answer the new address at once, the module port's link keeps the old one until it ends; the
 * setup is kept in NVM across a restart. */
static void test_hdlc_setup_written(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    uint8_t b[64];
    /* the module port's link opens at address 32 (lower 0x41 in 2 bytes) */
    size_t n = frame(b, sizeof b, 16u, 1u, OMP_HDLC_SNRM, 0, 0, NULL, 0);
    size_t at = g_cap.len[OMP_PORT_MODULE];
    assert_int_equal(omp_meter_on_rx(&f->m, OMP_PORT_MODULE, b, n), OMP_OK);
    assert_true(g_cap.len[OMP_PORT_MODULE] > at);
    assert_true(apdu(f, OMP_PORT_HAN, 20u, AARQ_LLS) > 17u && g_apdu[17] == 0u);
    /* SET 0.0.22.0.0.255 attribute 9 := long-unsigned 0x0021 (33): success */
    assert_int_equal(apdu(f, OMP_PORT_HAN, 20u, "C101C1" HDLC_SETUP "0900120021"), 4u);
    assert_int_equal(g_apdu[3], 0u);
    assert_int_equal(apdu(f, OMP_PORT_HAN, 20u, "C001C1" HDLC_SETUP "0900"), 7u);
    assert_memory_equal(g_apdu + 4, "\x12\x00\x21", 3u);
    /* a configuration change naming 22.0.0 attribute 9 (for the event log) */
    struct omp_evq_reader rd;
    struct omp_event ev;
    bool seen = false;
    assert_int_equal(omp_evq_reader_init(omp_meter_events(&f->m), &rd), OMP_OK);
    while (omp_evq_read(omp_meter_events(&f->m), &rd, &ev, NULL) == OMP_OK) {
        seen = seen || (ev.code == OMP_EV_CONFIG_CHANGED && ev.arg == 0x160000u && ev.flags == 9u);
    }
    assert_true(seen);
    run_ms(f, 100);
    /* the optical port: 32 is not its address any more, 33 is */
    at = g_cap.len[OMP_PORT_OPTICAL];
    struct omp_hdlc_frame fr;
    memset(&fr, 0, sizeof fr);
    fr.dst.upper = 1u;
    fr.dst.lower = 32u;
    fr.dst.size = 2u;
    fr.src.upper = 16u;
    fr.src.size = 1u;
    fr.type = OMP_HDLC_SNRM;
    fr.pf = true;
    struct omp_wr w = omp_wr_init(b, sizeof b);
    assert_int_equal(omp_hdlc_encode(&w, &fr, true), OMP_OK);
    assert_int_equal(omp_meter_on_rx(&f->m, OMP_PORT_OPTICAL, b, omp_wr_len(&w)), OMP_OK);
    assert_int_equal(g_cap.len[OMP_PORT_OPTICAL], at);
    fr.dst.lower = 33u;
    w = omp_wr_init(b, sizeof b);
    assert_int_equal(omp_hdlc_encode(&w, &fr, true), OMP_OK);
    assert_int_equal(omp_meter_on_rx(&f->m, OMP_PORT_OPTICAL, b, omp_wr_len(&w)), OMP_OK);
    assert_true(g_cap.len[OMP_PORT_OPTICAL] > at); /* UA */
    /* the module port's link still answers at 32 (a DISC: UA), then only at 33 */
    fr.dst.lower = 32u;
    fr.type = OMP_HDLC_DISC;
    w = omp_wr_init(b, sizeof b);
    assert_int_equal(omp_hdlc_encode(&w, &fr, true), OMP_OK);
    at = g_cap.len[OMP_PORT_MODULE];
    assert_int_equal(omp_meter_on_rx(&f->m, OMP_PORT_MODULE, b, omp_wr_len(&w)), OMP_OK);
    assert_true(g_cap.len[OMP_PORT_MODULE] > at);
    run_ms(f, 100);
    at = g_cap.len[OMP_PORT_MODULE];
    n = frame(b, sizeof b, 16u, 1u, OMP_HDLC_SNRM, 0, 0, NULL, 0);
    assert_int_equal(omp_meter_on_rx(&f->m, OMP_PORT_MODULE, b, n), OMP_OK);
    assert_int_equal(g_cap.len[OMP_PORT_MODULE], at);
    /* kept across a restart */
    fx_start(f);
    assert_true(apdu(f, OMP_PORT_HAN, 20u, AARQ_LLS) > 17u && g_apdu[17] == 0u);
    assert_int_equal(apdu(f, OMP_PORT_HAN, 20u, "C001C1" HDLC_SETUP "0900"), 7u);
    assert_memory_equal(g_apdu + 4, "\x12\x00\x21", 3u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_module_kamstrup_session),
        cmocka_unit_test(test_lls_client_bound_to_port),
        cmocka_unit_test(test_optical_hdlc_and_iec),
        cmocka_unit_test(test_optical_inactivity),
        cmocka_unit_test(test_optical_hdlc_only),
        cmocka_unit_test(test_ccc_push_on_answers_nothing),
        cmocka_unit_test(test_slow_port_and_link_lost),
        cmocka_unit_test(test_hdlc_setup_written),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

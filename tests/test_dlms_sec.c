/*
 * The DLMS server's management association (dlms_sec.c): client 1 -> SAP 16, HLS-GMAC (mechanism
 * 5), security suite 0, ciphered GET, replay refusal, the security setup object (security_activate,
 * key transfer) and requests under the broadcast key (SC key-set bit; GBEK C0..CF in the tests).
 *
 * Vectors: every request and every expected ciphered answer is computed by tools/dlms_sec_vectors.py
 * with the Python `cryptography` package (AES-GCM, AES key wrap), independently of the library,
 * from the Green Book's suite 0 rules (IV = system title || IC, AAD = SC || AK [|| challenge],
 * 12-byte tags) and its published test keys (GUEK 000102..0F, GAK D0D1..DF, KEK 000102..0F).
 * The AARE is laid out by hand from the ACSE ASN.1 (Green Book 9.3.2). The server's crypto is the
 * POSIX port's (mbed TLS), its StoC a fixed "entropy" 10 11 .. 1F, its first IC 0x100.
 * Client system title 4D4D4D0000BC614E, server system title "KAME" + 27581522 (4B414D4501A4DC52),
 * CtoS "ABCDEFGHIJKLMNOP".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/apdu.h"
#include "omnipower/dlms_server.h"
#include "omnipower/evq.h"
#include "omnipower/hal.h"
#include "omnipower/port_posix.h"

#include "dlms_src.h"
#include "test_hex.h"

#define AARQ_IC1 \
    "605DA109060760857405080103A60A04084D4D4D0000BC614E8A0207808B0760857405080205AC1280104142" \
    "434445464748494A4B4C4D4E4F50BE230421211F3000000001D061000A04EC615571842A148D5D0B7DFC10A3" \
    "72202F5B4E65C7"
#define AARQ_OTHER_KEY_IC1 \
    "605DA109060760857405080103A60A04084D4D4D0000BC614E8A0207808B0760857405080205AC1280104142" \
    "434445464748494A4B4C4D4E4F50BE230421211F300000000192519D07041ABE465459613F3A9B7205089012" \
    "770ED78C6B11E3"
#define AARQ_IC5 \
    "605DA109060760857405080103A60A04084D4D4D0000BC614E8A0207808B0760857405080205AC1280104142" \
    "434445464748494A4B4C4D4E4F50BE230421211F3000000005EC5FD7BDEF504C22E10DF307BDE52EF9D9593A" \
    "A5AFE3D47EA344"
#define PASS3_PLAIN_IC2 \
    "C301C1000F0000280000FF010109111000000002B539AFDE210EDD84D482FA9D"
#define PASS3_GLO_IC2 \
    "CB313000000003B8C29BB995746317DC67AD5E57333993E924A1CEAE48F705136F01371B7C0A67269EDCF023" \
    "015628B14A7182"
#define PASS3_BAD_IC2 \
    "C301C1000F0000280000FF0101091110000000029A6B8E373D50958D6FD354A8"
#define PASS4_PLAIN \
    "C701C100010009111000000101E398FB04EB97820ADF61489F"
#define PASS4_GLO_SIC2 \
    "CF2A30000001027A113A33A59F213C43DE6145D16F1798ECF00D10B35DD581B03E08E4886408536451D5690B"
#define GLO_GET_LN_IC3 \
    "C81E3000000003BBC29BB995746317DC67AD5E5615D64766108F21F816467D40"
#define GLO_GET_LN_IC4 \
    "C81E3000000004B6D13F4EE345CC28FAA482EE10226E4B91A369289FF294B90F"
#define GLO_RSP_LN_SIC2 \
    "CC1D300000010279113A33AD99282D7BDE61BB14224A260A5FC0709AA17B29"
#define GLO_RSP_LN_SIC3 \
    "CC1D300000010383130E1B30EBD260E27FFAECEFEA522CB260271215839FEF"
#define GLO_GET_SST_IC3 \
    "C81E3000000003BBC29BB9DA746314DC67AD5A56956CA676F33ED929EDC8F5FF"
#define GLO_RSP_SST_SIC2 \
    "CC1F300000010279113A33AD97636C1E9B60E00CDEF65969CE76156B688551F94F"
/* Association LN attribute 9 security_setup_reference: octet-string 0.0.43.0.0.255 */
#define GLO_GET_SSR_IC3 \
    "C81E3000000003BBC29BB995746317DC67AD5656AED7D55D69DC5696C46BA508"
#define GLO_RSP_SSR_SIC2 \
    "CC1D300000010279113A33AD99282D78DE61BB3F9334953C310EBD818AA272"
#define GLO_KEY_TRANSFER_IC3 \
    "CB5C3000000003B8C29BB9DA746314DC67AD5D573B2A81EB32A1C5030DC028D6B7DA851B50046D992633EE41" \
    "529E538FFDFF90018F66979A3DD2EF43F9CDE894407B6D8C328E447668EDB33E27C6100E3DDA641D24195526" \
    "B16E619F4674"
#define GLO_KT_RSP_SIC2 \
    "CF1630000001027A113A33A4796B640AEF01AE83D9E6B2E4"
#define GLO_KEY_TRANSFER_BAD_IC3 \
    "CB5C3000000003B8C29BB9DA746314DC67AD5D573B2A81EB32A1C5030DC028D6B7DA851B50046D992633EE41" \
    "529E538FFDFF90018F66979A3DD2EE43F9CDE894407B6D8C328E447668EDB33E27C6100E3DDA8408E28088DC" \
    "5B2D103A7C02"
#define GLO_KT_BAD_RSP_SIC2 \
    "CF1630000001027A113AC9A4AA925D285C151FD0816689A2"
#define AARQ_NEWKEYS_IC4 \
    "605DA109060760857405080103A60A04084D4D4D0000BC614E8A0207808B0760857405080205AC1280104142" \
    "434445464748494A4B4C4D4E4F50BE230421211F3000000004AE66FDA83A5AB91F9CC08285992EC16FB9DA72" \
    "3477A7EB1CAE16"
#define PASS3_NEWKEYS_IC5 \
    "C301C1000F0000280000FF010109111000000005D0E66D338C89BA4D69FFEBB8"
#define AARE_SIC0 \
    "6169A109060760857405080103A203020100A305A10302010EA40A04084B414D4501A4DC5288020780890760" \
    "857405080205AA128010101112131415161718191A1B1C1D1E1FBE230421281F3000000100058B7CDF5FA4E4" \
    "99E754C965F7FB79072DA3794BD708431206E4"
#define AARE_NEWKEYS_SIC3 \
    "6169A109060760857405080103A203020100A305A10302010EA40A04084B414D4501A4DC5288020780890760" \
    "857405080205AA128010101112131415161718191A1B1C1D1E1FBE230421281F3000000103D171C03485B701" \
    "A7059FC28CF2C07EA7EDBF4D1563531903CDC6"
/* Association LN attributes 6 and 4 in this association: {2, 16, 756, 5, 8, 2, 5} HLS-GMAC and
 * {2, 16, 756, 5, 8, 1, 3} LN with ciphering (tools/dlms_sec_vectors.py) */
#define GLO_GET_MECH_IC4 \
    "C81E3000000004B6D13F4EE345CC28FAA482E9107E0ED445AEBE201EF54C9830"
#define GLO_RSP_MECH_SIC3 \
    "CC26300000010383130E1B3BEAC362DB6FE811D47875AD1B91EAD29C23A400711B4F7C20E2135687"
#define GLO_GET_CTX_IC5 \
    "C81E30000000052D5E16BDE60F530EE10DF21CB98194A7CE845F7073C0366F44"
#define GLO_RSP_CTX_SIC4 \
    "CC263000000104E58E8297F9B8173DDB1886FF2DB963D52E0EDD50D277C87B8B82B6DF3182A037BE"
/* The broadcast key (SC 0x70, GBEK C0..CF) and security_activate (tools/dlms_sec_vectors.py) */
#define GLO_GET_LN_BC_IC3 \
    "C81E700000000363F3F10C6EB7B924E545D0BDF07A1E3025896763BFB8C529A6"
#define GLO_GET_LN_BC_IC4 \
    "C81E7000000004B9405C8040730F6F2439C442052B1FB164685EB7847013EAF9"
#define GLO_GET_LN_BC_GUEK_IC3 \
    "C81E7000000003BBC29BB995746317DC67AD5E56CD066FCD2B90029A3309CAE3"
#define GLO_KT_GBEK_IC3 \
    "CB3E3000000003B8C29BB9DA746314DC67AD5D573B2981EB32A0C5032C2A706CA65A940F02431E7298179D85" \
    "A130017E20221327DDFB3F5095F9D614675C2366"
#define GLO_GET_LN_NEWBC_IC4 \
    "C81E7000000004D80021AA1A69CBE85827E0714BC83C062006319F83B7AB268D"
#define GLO_GET_LN_BC_IC5 \
    "C81E7000000005A8142477F4652329E6B5FA9D26A628A0EB9D0E60296769044F"
#define GLO_ACTIVATE_3_IC3 \
    "CB203000000003B8C29BB9DA746314DC67AD5E572C2B9E8C5EBDDCB98063DDDA09E5"
#define GLO_ACTIVATE_1_IC3 \
    "CB203000000003B8C29BB9DA746314DC67AD5E572C29629098B29CDD0EBD8907D251"
#define GLO_ACTIVATE_U3_IC3 \
    "CB203000000003B8C29BB9DA746314DC67AD5E572B2BC1A548DD436D8DB4D55B0E3D"
#define GLO_ACTIVATE_RSP_OK_SIC2 \
    "CF1630000001027A113A33A4796B640AEF01AE83D9E6B2E4"
#define GLO_ACTIVATE_RSP_OTHER_SIC2 \
    "CF1630000001027A113AC9A4AA925D285C151FD0816689A2"
#define GLO_ACTIVATE_RSP_TYPE_SIC2 \
    "CF1630000001027A113A3FA4025050664064C351DD30F600"
#define GLO_GET_POLICY_IC4 \
    "C81E3000000004B6D13F4EAC45CC2BFAA482ED10FEB435554D0FD8CF0EC2108F"
#define GLO_RSP_POLICY_SIC3 \
    "CC17300000010383130E1B2FEE64D802358C63FAF50FCC0802"
/* general-glo-ciphering, general-protection proposed (40FE1F; tools/dlms_sec_vectors.py) */
#define AARQ_GP_IC1 \
    "605DA109060760857405080103A60A04084D4D4D0000BC614E8A0207808B0760857405080205AC1280104142" \
    "434445464748494A4B4C4D4E4F50BE230421211F3000000001D061000A04EC615571C42A148D5D22A6368B18" \
    "04B141990837F5"
#define AARE_GP_SIC0 \
    "6169A109060760857405080103A203020100A305A10302010EA40A04084B414D4501A4DC5288020780890760" \
    "857405080205AA128010101112131415161718191A1B1C1D1E1FBE230421281F3000000100058B7CDF5FA4E4" \
    "D9E754C965F7FB8D9C96D5E825154E11204DFB"
#define GEN_GET_LN_IC3 \
    "DB084D4D4D0000BC614E1E3000000003BBC29BB995746317DC67AD5E5615D64766108F21F816467D40"
#define GEN_RSP_LN_SIC2 \
    "DB084B414D4501A4DC521D300000010279113A33AD99282D7BDE61BB14224A260A5FC0709AA17B29"
#define GEN_GET_LN_OTHER_TITLE_IC3 \
    "DB084D4D4D0000BC614F1E3000000003CD4F99A593FF9C522E0E51578F96760B110F7C90FBF2E1CFD6"
#define GEN_ACTIVATE_3_IC4 \
    "DB084D4D4D0000BC614E203000000004B5D13F4EAC45CC2BFAA482EE1105DD2389C44A57BD1E1A47A81CF7"
#define GEN_ACTIVATE_RSP_OK_SIC3 \
    "DB084B414D4501A4DC5216300000010380130E1B39EEB70A75C472902F9DECACB0"
#define GEN_GET_LN_BC_IC5 \
    "DB084D4D4D0000BC614E1E7000000005A8142477F4652329E6B5FA9D26A628A0EB9D0E60296769044F"
#define GEN_RSP_LN_SIC4 \
    "DB084B414D4501A4DC521D3000000104E58E8297F2B9063FE2089402583D21FCC3681E3C37F07B27"
#define PLAIN_GET_METERNO "C0018100010101000001FF0200"
#define EXC_NOT_ALLOWED "D80101" /* service-not-allowed, operation-not-possible */
#define PASS4_DENIED "C701C10300" /* read-write-denied, no return parameters */
#define RLRQ "6203800100"
#define RLRE "6303800100"

static const uint8_t k_server_title[8] = {0x4B, 0x41, 0x4D, 0x45, 0x01, 0xA4, 0xDC, 0x52};

struct fixture {
    struct dlms_src_state st;
    struct omp_cosem_src src;
    struct omp_evq evq;
    struct omp_evq_reader rd;
    struct omp_posix_port *port;
    struct omp_dlms_sec sec;
    struct omp_dlms_server_env env;
    struct omp_dlms_server srv;
    uint8_t rsp[1100];
    size_t n;
};

static omp_err fixed_entropy(void *user, uint8_t *dst, size_t len)
{
    (void)user;
    for (size_t k = 0; k < len; k++) {
        dst[k] = (uint8_t)(0x10u + k);
    }
    return OMP_OK;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    dlms_src_fill(&f->st, &f->src);
    assert_int_equal(omp_evq_init(&f->evq), OMP_OK);
    assert_int_equal(omp_evq_reader_init(&f->evq, &f->rd), OMP_OK);
    f->port = malloc(sizeof *f->port);
    assert_non_null(f->port);
    omp_posix_port_init(f->port);
    assert_int_equal(omp_posix_crypto_load_keys_hex(
                         f->port,
                         "guek=000102030405060708090A0B0C0D0E0F,gak=D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF,"
                         "kek=000102030405060708090A0B0C0D0E0F,"
                         "gbek=C0C1C2C3C4C5C6C7C8C9CACBCCCDCECF",
                         NULL, 0u),
                     OMP_OK);
    f->sec.gcm = omp_posix_aead_gcm;
    f->sec.entropy = fixed_entropy;
    f->sec.key_unwrap = omp_posix_key_unwrap;
    f->sec.user = f->port;
    memcpy(f->sec.system_title, k_server_title, 8u);
    f->sec.ic = 0x100u;
    f->sec.ic_limit = UINT32_MAX;
    f->env.src = &f->src;
    f->env.events = &f->evq;
    f->env.sec = &f->sec;
    struct omp_dlms_server_cfg c;
    omp_dlms_server_cfg_default(&c); /* max PDU 1010 = 03F2, in the glo-initiateResponse */
    assert_int_equal(omp_dlms_server_init(&f->srv, &c), OMP_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    omp_posix_port_close(f->port);
    free(f->port);
    free(f);
    return 0;
}

/* Send @p hex from client @p client to SAP 16; the answer in f->rsp / f->n. */
static void send(struct fixture *f, uint16_t client, const char *hex)
{
    uint8_t req[512];
    size_t len = unhex(hex, req, sizeof req);
    struct omp_wr w = omp_wr_init(f->rsp, sizeof f->rsp);
    assert_int_equal(omp_dlms_server_apdu(&f->srv, &f->env, client, OMP_DLMS_SAP_LD, req, len, &w),
                     OMP_OK);
    f->n = omp_wr_len(&w);
}

static void expect(struct fixture *f, uint16_t client, const char *req, const char *rsp)
{
    send(f, client, req);
    uint8_t want[512];
    size_t n = unhex(rsp, want, sizeof want);
    assert_int_equal(f->n, n);
    assert_memory_equal(f->rsp, want, n);
}

/* The next event in the queue: @p code with @p flags and @p arg. */
static void expect_event(struct fixture *f, uint16_t code, uint16_t flags, uint32_t arg)
{
    struct omp_event e;
    uint32_t lost = 0;
    assert_int_equal(omp_evq_read(&f->evq, &f->rd, &e, &lost), OMP_OK);
    assert_int_equal(e.code, code);
    assert_int_equal(e.flags, flags);
    assert_int_equal(e.arg, arg);
}

static void expect_no_event(struct fixture *f)
{
    struct omp_event e;
    uint32_t lost = 0;
    assert_int_equal(omp_evq_read(&f->evq, &f->rd, &e, &lost), OMP_ERR_NOT_FOUND);
}

/* AARQ (IC 1) and a plain pass 3 (f(StoC) with IC 2): the association is set up. */
static void associate(struct fixture *f)
{
    expect(f, OMP_DLMS_CLIENT_HLS, AARQ_IC1, AARE_SIC0);
    assert_int_equal(omp_dlms_server_assoc(&f->srv), 0u); /* pass 3 pending */
    expect(f, OMP_DLMS_CLIENT_HLS, PASS3_PLAIN_IC2, PASS4_PLAIN);
    assert_int_equal(omp_dlms_server_assoc(&f->srv), OMP_ASSOC_HLS_MGMT);
}

static void test_hls_and_ciphered_get(void **state)
{
    struct fixture *f = *state;
    expect(f, OMP_DLMS_CLIENT_HLS, AARQ_IC1, AARE_SIC0);
    /* only reply_to_HLS_authentication until pass 3 succeeds */
    expect(f, OMP_DLMS_CLIENT_HLS, PLAIN_GET_METERNO, EXC_NOT_ALLOWED);
    expect(f, OMP_DLMS_CLIENT_HLS, PASS3_PLAIN_IC2, PASS4_PLAIN);
    assert_int_equal(omp_dlms_server_assoc(&f->srv), OMP_ASSOC_HLS_MGMT);
    expect(f, OMP_DLMS_CLIENT_HLS, GLO_GET_LN_IC3, GLO_RSP_LN_SIC2);
    /* the ciphered content's A-XDR length is the rest of the APDU */
    assert_int_equal(f->rsp[1], f->n - 2u);
    /* unciphered requests are refused in the ciphered association */
    expect(f, OMP_DLMS_CLIENT_HLS, PLAIN_GET_METERNO, EXC_NOT_ALLOWED);
    expect(f, OMP_DLMS_CLIENT_HLS, GLO_GET_MECH_IC4, GLO_RSP_MECH_SIC3);
    expect(f, OMP_DLMS_CLIENT_HLS, GLO_GET_CTX_IC5, GLO_RSP_CTX_SIC4);
    assert_int_equal(f->sec.ic, 0x105u);
    expect_no_event(f);
}

static void test_ciphered_pass3(void **state)
{
    struct fixture *f = *state;
    expect(f, OMP_DLMS_CLIENT_HLS, AARQ_IC1, AARE_SIC0);
    /* glo-action-request IC 3 around f(StoC) with IC 2: the answer sealed with IC 0x102 */
    expect(f, OMP_DLMS_CLIENT_HLS, PASS3_GLO_IC2, PASS4_GLO_SIC2);
    assert_int_equal(omp_dlms_server_assoc(&f->srv), OMP_ASSOC_HLS_MGMT);
}

static void test_wrong_gmac(void **state)
{
    struct fixture *f = *state;
    expect(f, OMP_DLMS_CLIENT_HLS, AARQ_IC1, AARE_SIC0);
    expect(f, OMP_DLMS_CLIENT_HLS, PASS3_BAD_IC2, PASS4_DENIED);
    assert_int_equal(omp_dlms_server_assoc(&f->srv), 0u);
    expect_event(f, OMP_EV_DLMS_AUTH_FAIL, OMP_DLMS_SAP_LD, OMP_DLMS_CLIENT_HLS);
    /* not associated: a ciphered GET is not served (service unknown without the association) */
    send(f, OMP_DLMS_CLIENT_HLS, GLO_GET_LN_IC3);
    assert_int_equal(f->rsp[0], OMP_APDU_TAG_EXCEPTION_RESPONSE);
    /* the next association works: AARQ with IC 5, the AARE sealed with IC 0x101 */
    send(f, OMP_DLMS_CLIENT_HLS, AARQ_IC5);
    struct omp_rd rd = omp_rd_init(f->rsp, f->n);
    struct omp_apdu a;
    assert_int_equal(omp_apdu_decode(&rd, &a), OMP_OK);
    assert_int_equal(a.kind, OMP_APDU_AARE);
    assert_int_equal(a.u.aare.result, OMP_ASSOC_ACCEPTED);
    assert_int_equal(a.u.aare.diag, OMP_ASSOC_DIAG_AUTHENTICATION_REQUIRED);
    send(f, OMP_DLMS_CLIENT_HLS, PASS3_PLAIN_IC2); /* a fresh StoC-independent f: same bytes */
    assert_int_equal(f->rsp[0], OMP_APDU_TAG_ACTION_RESPONSE);
    assert_int_equal(f->rsp[3], OMP_ACTION_SUCCESS);
    assert_int_equal(omp_dlms_server_assoc(&f->srv), OMP_ASSOC_HLS_MGMT);
}

static void test_replay(void **state)
{
    struct fixture *f = *state;
    associate(f);
    expect(f, OMP_DLMS_CLIENT_HLS, GLO_GET_LN_IC3, GLO_RSP_LN_SIC2);
    /* the same request again: EXCEPTION invocation-counter-error with the lowest IC accepted (4) */
    expect(f, OMP_DLMS_CLIENT_HLS, GLO_GET_LN_IC3, "D8010600000004");
    expect_event(f, OMP_EV_DLMS_REPLAY, OMP_DLMS_CLIENT_HLS, 3u);
    assert_int_equal(f->sec.replays, 1u);
    assert_int_equal(omp_dlms_server_assoc(&f->srv), OMP_ASSOC_HLS_MGMT);
    /* an old IC (the AARQ's 1) in a new association is refused too */
    expect(f, OMP_DLMS_CLIENT_HLS, AARQ_IC1,
           "6117A109060760857405080103A203020101A305A10302010D");
    expect_event(f, OMP_EV_DLMS_REPLAY, OMP_DLMS_CLIENT_HLS, 1u);
    /* the next request with a higher IC works (new association: IC 5, pass 3, then IC 4 is old) */
    send(f, OMP_DLMS_CLIENT_HLS, AARQ_IC5);
    assert_int_equal(f->rsp[0], OMP_APDU_TAG_AARE);
    assert_int_equal(f->n, 107u);
}

static void test_replay_then_higher(void **state)
{
    struct fixture *f = *state;
    associate(f);
    expect(f, OMP_DLMS_CLIENT_HLS, GLO_GET_LN_IC3, GLO_RSP_LN_SIC2);
    expect(f, OMP_DLMS_CLIENT_HLS, GLO_GET_LN_IC3, "D8010600000004");
    expect_event(f, OMP_EV_DLMS_REPLAY, OMP_DLMS_CLIENT_HLS, 3u);
    expect(f, OMP_DLMS_CLIENT_HLS, GLO_GET_LN_IC4, GLO_RSP_LN_SIC3);
}

static void test_wrong_key(void **state)
{
    struct fixture *f = *state;
    /* a client with another GUEK: its glo-initiateRequest does not open */
    expect(f, OMP_DLMS_CLIENT_HLS, AARQ_OTHER_KEY_IC1,
           "6117A109060760857405080103A203020101A305A10302010D");
    expect_event(f, OMP_EV_DLMS_AUTH_FAIL, OMP_DLMS_SAP_LD, OMP_DLMS_CLIENT_HLS);
    assert_int_equal(omp_dlms_server_assoc(&f->srv), 0u);
    assert_int_equal(f->sec.ic, 0x100u); /* nothing sealed */
    associate(f); /* the right key then works, IC 1 included (the refused one was not taken) */
}

static void test_security_setup(void **state)
{
    struct fixture *f = *state;
    associate(f);
    expect(f, OMP_DLMS_CLIENT_HLS, GLO_GET_SST_IC3, GLO_RSP_SST_SIC2);
    assert_memory_equal(f->sec.client_title, "\x4D\x4D\x4D\x00\x00\xBC\x61\x4E", 8u);
}

/* The management association's Association LN references its security setup (attribute 9). */
static void test_security_setup_reference(void **state)
{
    struct fixture *f = *state;
    associate(f);
    expect(f, OMP_DLMS_CLIENT_HLS, GLO_GET_SSR_IC3, GLO_RSP_SSR_SIC2);
}

static void test_key_transfer(void **state)
{
    struct fixture *f = *state;
    associate(f);
    /* new GUEK A0..AF and GAK B0..BF wrapped under the KEK; the answer is sealed under the old
     * keys, the new ones serve from the next request on */
    expect(f, OMP_DLMS_CLIENT_HLS, GLO_KEY_TRANSFER_IC3, GLO_KT_RSP_SIC2);
    expect(f, OMP_DLMS_CLIENT_HLS, RLRQ, RLRE);
    expect(f, OMP_DLMS_CLIENT_HLS, AARQ_NEWKEYS_IC4, AARE_NEWKEYS_SIC3);
    send(f, OMP_DLMS_CLIENT_HLS, PASS3_NEWKEYS_IC5);
    assert_int_equal(f->rsp[3], OMP_ACTION_SUCCESS);
    assert_int_equal(omp_dlms_server_assoc(&f->srv), OMP_ASSOC_HLS_MGMT);
    /* the old keys no longer associate */
    expect(f, OMP_DLMS_CLIENT_HLS, AARQ_IC5,
           "6117A109060760857405080103A203020101A305A10302010D");
}

/* A transfer whose second key (GAK) fails its unwrap's integrity check: other-reason (250), and
 * nothing changes, not even the first key (GUEK): the next ciphered GET under the old keys is
 * answered under them. */
static void test_key_transfer_bad(void **state)
{
    struct fixture *f = *state;
    associate(f);
    expect(f, OMP_DLMS_CLIENT_HLS, GLO_KEY_TRANSFER_BAD_IC3, GLO_KT_BAD_RSP_SIC2);
    expect(f, OMP_DLMS_CLIENT_HLS, GLO_GET_LN_IC4, GLO_RSP_LN_SIC3);
}

static void test_refusals(void **state)
{
    struct fixture *f = *state;
    /* without the security state the management association is refused as before */
    f->env.sec = NULL;
    expect(f, OMP_DLMS_CLIENT_HLS, AARQ_IC1, "6117A109060760857405080101A203020101A305A103020102");
    f->env.sec = &f->sec;
    /* no counters left (the NVM mark could not be written): refused transiently, nothing sealed */
    f->sec.ic_limit = f->sec.ic;
    send(f, OMP_DLMS_CLIENT_HLS, AARQ_IC1);
    struct omp_rd rd = omp_rd_init(f->rsp, f->n);
    struct omp_apdu a;
    assert_int_equal(omp_apdu_decode(&rd, &a), OMP_OK);
    assert_int_equal(a.u.aare.result, OMP_ASSOC_REJECTED_TRANSIENT);
    assert_int_equal(omp_dlms_server_assoc(&f->srv), 0u);
    assert_false(f->srv.hls_pending);
}

/* A glo-get-request with the key-set bit (SC 0x70) is opened with the broadcast key; the answer
 * is sealed with the unicast key (SC 0x30), and the IC is the client's one sequence whatever the
 * key: a broadcast request with an IC already taken under the unicast key is a replay. */
static void test_broadcast_key(void **state)
{
    struct fixture *f = *state;
    associate(f);
    expect(f, OMP_DLMS_CLIENT_HLS, GLO_GET_LN_BC_IC3, GLO_RSP_LN_SIC2);
    expect(f, OMP_DLMS_CLIENT_HLS, GLO_GET_LN_IC3, "D8010600000004"); /* IC 3 again, unicast */
    expect_event(f, OMP_EV_DLMS_REPLAY, OMP_DLMS_CLIENT_HLS, 3u);
    expect(f, OMP_DLMS_CLIENT_HLS, GLO_GET_LN_BC_IC4, GLO_RSP_LN_SIC3);
    expect_no_event(f);
    assert_int_equal(omp_dlms_server_assoc(&f->srv), OMP_ASSOC_HLS_MGMT);
}

static void test_broadcast_replay(void **state)
{
    struct fixture *f = *state;
    associate(f);
    expect(f, OMP_DLMS_CLIENT_HLS, GLO_GET_LN_IC3, GLO_RSP_LN_SIC2);
    expect(f, OMP_DLMS_CLIENT_HLS, GLO_GET_LN_BC_IC3, "D8010600000004");
    expect_event(f, OMP_EV_DLMS_REPLAY, OMP_DLMS_CLIENT_HLS, 3u);
    assert_int_equal(f->sec.replays, 1u);
    expect(f, OMP_DLMS_CLIENT_HLS, GLO_GET_LN_BC_IC4, GLO_RSP_LN_SIC3);
}

/* The key-set bit with a request sealed under the unicast key: deciphering-error (plain),
 * OMP_EV_DLMS_AUTH_FAIL, nothing sealed, the IC not taken; the right one then works. */
static void test_broadcast_wrong_key(void **state)
{
    struct fixture *f = *state;
    associate(f);
    expect(f, OMP_DLMS_CLIENT_HLS, GLO_GET_LN_BC_GUEK_IC3, "D80105");
    expect_event(f, OMP_EV_DLMS_AUTH_FAIL, OMP_DLMS_SAP_LD, OMP_DLMS_CLIENT_HLS);
    assert_int_equal(f->sec.ic, 0x102u);
    assert_int_equal(omp_dlms_server_assoc(&f->srv), OMP_ASSOC_HLS_MGMT);
    expect(f, OMP_DLMS_CLIENT_HLS, GLO_GET_LN_BC_IC3, GLO_RSP_LN_SIC2);
    expect_no_event(f);
}

/* global_key_transfer of the broadcast key (key_id 1): the new GBEK opens the next request, the
 * old one no longer does. */
static void test_broadcast_key_transfer(void **state)
{
    struct fixture *f = *state;
    associate(f);
    expect(f, OMP_DLMS_CLIENT_HLS, GLO_KT_GBEK_IC3, GLO_KT_RSP_SIC2);
    expect(f, OMP_DLMS_CLIENT_HLS, GLO_GET_LN_NEWBC_IC4, GLO_RSP_LN_SIC3);
    expect(f, OMP_DLMS_CLIENT_HLS, GLO_GET_LN_BC_IC5, "D80105");
    expect_event(f, OMP_EV_DLMS_AUTH_FAIL, OMP_DLMS_SAP_LD, OMP_DLMS_CLIENT_HLS);
    /* the unicast key did not change */
    expect(f, OMP_DLMS_CLIENT_HLS, GLO_GET_MECH_IC4, "D8010600000005");
    expect_event(f, OMP_EV_DLMS_REPLAY, OMP_DLMS_CLIENT_HLS, 4u);
    expect(f, OMP_DLMS_CLIENT_HLS, GLO_GET_CTX_IC5, GLO_RSP_CTX_SIC4);
}

/* security_activate (method 1) with policy 3, the one in force and the highest: success, and
 * attribute 2 still reads 3. */
static void test_security_activate(void **state)
{
    struct fixture *f = *state;
    associate(f);
    expect(f, OMP_DLMS_CLIENT_HLS, GLO_ACTIVATE_3_IC3, GLO_ACTIVATE_RSP_OK_SIC2);
    expect(f, OMP_DLMS_CLIENT_HLS, GLO_GET_POLICY_IC4, GLO_RSP_POLICY_SIC3);
}

/* A lower policy (1, authenticated only) is refused with other-reason (250): a policy may only be
 * raised; the policy stays 3 and the association goes on. */
static void test_security_activate_lower(void **state)
{
    struct fixture *f = *state;
    associate(f);
    expect(f, OMP_DLMS_CLIENT_HLS, GLO_ACTIVATE_1_IC3, GLO_ACTIVATE_RSP_OTHER_SIC2);
    expect(f, OMP_DLMS_CLIENT_HLS, GLO_GET_POLICY_IC4, GLO_RSP_POLICY_SIC3);
}

/* An argument that is not an enum (unsigned 3): type-unmatched (12). */
static void test_security_activate_type(void **state)
{
    struct fixture *f = *state;
    associate(f);
    expect(f, OMP_DLMS_CLIENT_HLS, GLO_ACTIVATE_U3_IC3, GLO_ACTIVATE_RSP_TYPE_SIC2);
    expect(f, OMP_DLMS_CLIENT_HLS, GLO_GET_POLICY_IC4, GLO_RSP_POLICY_SIC3);
}

/* general-glo-ciphering (DB) once general-protection is negotiated: GET, ACTION and the broadcast
 * key, each answered in kind (DB, the server's system title, SC 0x30, its next IC). */
static void test_general_glo(void **state)
{
    struct fixture *f = *state;
    expect(f, OMP_DLMS_CLIENT_HLS, AARQ_GP_IC1, AARE_GP_SIC0);
    expect(f, OMP_DLMS_CLIENT_HLS, PASS3_PLAIN_IC2, PASS4_PLAIN);
    assert_int_equal(omp_dlms_server_assoc(&f->srv), OMP_ASSOC_HLS_MGMT);
    expect(f, OMP_DLMS_CLIENT_HLS, GEN_GET_LN_IC3, GEN_RSP_LN_SIC2);
    assert_int_equal(f->rsp[10], f->n - 11u); /* the content's length is the rest of the APDU */
    expect(f, OMP_DLMS_CLIENT_HLS, GEN_ACTIVATE_3_IC4, GEN_ACTIVATE_RSP_OK_SIC3);
    expect(f, OMP_DLMS_CLIENT_HLS, GEN_GET_LN_BC_IC5, GEN_RSP_LN_SIC4);
    /* a replay in general-glo-ciphering is refused as in glo- */
    expect(f, OMP_DLMS_CLIENT_HLS, GEN_GET_LN_IC3, "D8010600000006");
    expect_event(f, OMP_EV_DLMS_REPLAY, OMP_DLMS_CLIENT_HLS, 3u);
    expect_no_event(f);
}

/* Another sender's system title: deciphering-error and OMP_EV_DLMS_AUTH_FAIL, as a tag that
 * fails; the association goes on. */
static void test_general_glo_other_title(void **state)
{
    struct fixture *f = *state;
    expect(f, OMP_DLMS_CLIENT_HLS, AARQ_GP_IC1, AARE_GP_SIC0);
    expect(f, OMP_DLMS_CLIENT_HLS, PASS3_PLAIN_IC2, PASS4_PLAIN);
    expect(f, OMP_DLMS_CLIENT_HLS, GEN_GET_LN_OTHER_TITLE_IC3, "D80105");
    expect_event(f, OMP_EV_DLMS_AUTH_FAIL, OMP_DLMS_SAP_LD, OMP_DLMS_CLIENT_HLS);
    expect(f, OMP_DLMS_CLIENT_HLS, GEN_GET_LN_IC3, GEN_RSP_LN_SIC2);
}

/* Without general-protection negotiated (the client proposed 00FE1F): service-not-supported. */
static void test_general_glo_not_negotiated(void **state)
{
    struct fixture *f = *state;
    associate(f);
    expect(f, OMP_DLMS_CLIENT_HLS, GEN_GET_LN_IC3, "D80102");
    expect(f, OMP_DLMS_CLIENT_HLS, GLO_GET_LN_IC3, GLO_RSP_LN_SIC2);
    expect_no_event(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hls_and_ciphered_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ciphered_pass3, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_gmac, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replay_then_higher, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_security_setup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_security_setup_reference, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_transfer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_transfer_bad, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broadcast_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broadcast_replay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broadcast_wrong_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broadcast_key_transfer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_security_activate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_security_activate_lower, setup, teardown),
        cmocka_unit_test_setup_teardown(test_security_activate_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_general_glo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_general_glo_other_title, setup, teardown),
        cmocka_unit_test_setup_teardown(test_general_glo_not_negotiated, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

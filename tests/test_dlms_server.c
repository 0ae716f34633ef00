/*
 * The DLMS server engine (dlms_server.h) on the data dictionary, with hand-encoded APDUs.
 *
 * Vectors: the AARQs, the public GET and its answer are the APDUs of the Kamstrup DLMS document's
 * captured sessions (shared/vectors/kamstrup_dlms_doc_hdlc_sessions.txt, S1 public and S2 LLS,
 * taken out of their HDLC frames: after E6 E6 00 / E6 E7 00). The server is set up with the
 * K351C's max PDU 0x007D so its AAREs can be compared byte for byte. Where the expected bytes
 * differ from the capture, the comment says why (the LLS conformance of this slice). Every other
 * expected response is encoded by hand from the Green Book (xDLMS ASN.1, A-XDR) and the Blue
 * Book (IC 15 object_list); the object list is reassembled with the library's client helpers and
 * compared element by element with the dictionary's rows for the association.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/apdu.h"
#include "omnipower/axdr.h"
#include "omnipower/cosem.h"
#include "omnipower/dlms_server.h"
#include "omnipower/evq.h"

#include "dlms_src.h"
#include "test_hex.h"

static struct dlms_src_state g_state;
static struct omp_cosem_src g_src;
static struct omp_evq g_evq;
static struct omp_dlms_server g_srv;
static struct omp_dlms_server_env g_env;

/* Captured (S1, S2) */
#define AARQ_PUBLIC "601DA109060760857405080101BE10040E01000000065F1F040000181DFFFF"
#define AARE_PUBLIC "6129A109060760857405080101A203020100A305A103020100BE10040E0800065F1F0400001010007D0007"
#define AARQ_LLS                                                                                   \
    "6033A1090607608574050801018A0207808B0760857405080201AC0780053132333435BE10040E01000000065F1F" \
    "040000FE1FFFFF"
/* S2's AARE carried conformance 00101C (get, set, selective access, block-get); the server offers
 * the LLS clients (Green Book bit n = 1 << (23 - n)) block-transfer-with-get 11 (001000),
 * -with-set 12 (000800), -with-action 13 (000400), multiple-references 14 (000200), get 19
 * (000010), set 20 (000008), selective-access 21 (000004) and action 23 (000001): 001E1D;
 * proposed 00FE1F & 001E1D = 001E1D. */
#define AARE_LLS "6129A109060760857405080101A203020100A305A103020100BE10040E0800065F1F0400001E1D00" \
                 "7D0007"
#define GET_METERNO "C0018100010101000001FF0200"
#define RSP_METERNO "C40181000600BC614E" /* 12345678 */

static int setup(void **state)
{
    (void)state;
    dlms_src_fill(&g_state, &g_src);
    assert_int_equal(omp_evq_init(&g_evq), OMP_OK);
    g_env.src = &g_src;
    g_env.events = &g_evq;
    struct omp_dlms_server_cfg c;
    omp_dlms_server_cfg_default(&c);
    c.max_pdu = 0x7Du; /* the K351C's, as in the captured AAREs */
    assert_int_equal(omp_dlms_server_init(&g_srv, &c), OMP_OK);
    return 0;
}

static uint8_t g_rsp[2048];

/* unhex() of @p hex with its spaces left out (the vectors are spaced by field). */
static size_t unhex_sp(const char *hex, uint8_t *out, size_t cap)
{
    char t[1024];
    size_t n = 0;
    for (const char *p = hex; *p != '\0'; p++) {
        if (*p != ' ') {
            assert_true(n + 1u < sizeof t);
            t[n++] = *p;
        }
    }
    t[n] = '\0';
    return unhex(t, out, cap);
}

/* Send @p hex from (client, server); return the response length (bytes in g_rsp). */
static size_t ask(uint16_t client, uint16_t server, const char *hex)
{
    uint8_t req[512];
    size_t n = unhex_sp(hex, req, sizeof req);
    struct omp_wr w = omp_wr_init(g_rsp, sizeof g_rsp);
    assert_int_equal(omp_dlms_server_apdu(&g_srv, &g_env, client, server, req, n, &w), OMP_OK);
    return omp_wr_len(&w);
}

static void expect(uint16_t client, uint16_t server, const char *req, const char *rsp)
{
    uint8_t want[512];
    size_t n = unhex_sp(rsp, want, sizeof want);
    size_t got = ask(client, server, req);
    assert_int_equal(got, n);
    assert_memory_equal(g_rsp, want, n);
}

static void test_public_capture(void **state)
{
    (void)state;
    expect(16u, 1u, AARQ_PUBLIC, AARE_PUBLIC);
    assert_int_equal(omp_dlms_server_assoc(&g_srv), OMP_ASSOC_PUBLIC);
    expect(16u, 1u, GET_METERNO, RSP_METERNO);
    /* logical name (attr 1) and a register the public association may not read */
    expect(16u, 1u, "C0018100010101000001FF0100", "C401810009060101000001FF");
    expect(16u, 1u, "C0018100030101010800FF0200", "C401810103"); /* read-write-denied */
    expect(16u, 1u, "C00181000101016363 63FF0200", "C401810104");
}

static void test_lls_register(void **state)
{
    (void)state;
    expect(18u, 16u, AARQ_LLS, AARE_LLS);
    assert_int_equal(omp_dlms_server_assoc(&g_srv), OMP_ASSOC_LLS_MODULE);
    /* A+ total: double-long-unsigned 1234567 = 0x0012D687 Wh; scaler_unit {0, Wh = 30} */
    expect(18u, 16u, "C001C1000301010108 00FF0200", "C401C100060012D687");
    expect(18u, 16u, "C001C1000301010108 00FF0300", "C401C10002020F00161E");
    expect(18u, 16u, "C001C1000301010108 00FF0100", "C401C10009060101010800FF");
    /* attribute 4 of a register: no such attribute; class 1 asked of a class 3 object */
    expect(18u, 16u, "C001C1000301010108 00FF0400", "C401C10104");
    expect(18u, 16u, "C001C1000101010108 00FF0200", "C401C10109");
    /* associated_partners_id {integer 18, long-unsigned 16}; association_status associated */
    expect(18u, 16u, "C001C1000F0000280000FF0300", "C401C1000202 0F12 120010");
    expect(18u, 16u, "C001C1000F0000280000FF0800", "C401C1001602");
    expect(18u, 16u, "C001C1000F0000280000FF0100", "C401C10009060000280000FF");
    /* release */
    expect(18u, 16u, "6203800100", "6303800100");
    assert_int_equal(omp_dlms_server_assoc(&g_srv), 0u);
    expect(18u, 16u, GET_METERNO, "D80101"); /* no association: service not allowed */
}

/* A rejected AARE: application context LN, result rejected-permanent (1), acse-service-user
 * diagnostic @p diag, no user-information: 61 17 A1 09 06 07 <LN OID> A2 03 02 01 01 A3 05 A1 03
 * 02 01 <diag>. */
#define AARE_REJECT(diag) "6117A109060760857405080101A203020101A305A1030201" diag

static void test_refusals(void **state)
{
    (void)state;
    /* wrong password: authentication-failure (13), logged; the right one then works */
    const char *wrong = "6033A1090607608574050801018A0207808B0760857405080201AC0780053132333436"
                        "BE10040E01000000065F1F040000FE1FFFFF";
    expect(19u, 16u, wrong, AARE_REJECT("0D"));
    assert_int_equal(omp_dlms_server_assoc(&g_srv), 0u);
    struct omp_evq_reader r;
    assert_int_equal(omp_evq_reader_init(&g_evq, &r), OMP_OK);
    struct omp_event ev;
    assert_int_equal(omp_evq_read(&g_evq, &r, &ev, NULL), OMP_OK);
    assert_int_equal(ev.code, OMP_EV_DLMS_AUTH_FAIL);
    assert_int_equal(ev.arg, 19u);
    assert_int_equal(ev.flags, 16u);
    assert_int_equal(ev.utc_s, 1705320000);
    /* no password at all (LLS mechanism without a value): the same */
    expect(19u, 16u,
           "602AA1090607608574050801018A0207808B0760857405080201BE10040E01000000065F1F040000FE1FFFFF",
           AARE_REJECT("0D"));
    /* LLS clients without a mechanism: authentication-mechanism-name-required (12) */
    expect(20u, 16u, AARQ_PUBLIC, AARE_REJECT("0C"));
    /* public client with LLS: mechanism not recognised (11); HLS client 1: the same for now */
    expect(16u, 1u, AARQ_LLS, AARE_REJECT("0B"));
    expect(1u, 16u, AARQ_LLS, AARE_REJECT("0B"));
    /* SAP pairs that are no association: no-reason-given (1) */
    expect(16u, 16u, AARQ_PUBLIC, AARE_REJECT("01"));
    expect(18u, 1u, AARQ_LLS, AARE_REJECT("01"));
    expect(17u, 16u, AARQ_LLS, AARE_REJECT("01"));
    /* application context LN with ciphering (...08 01 03): not supported (2) */
    expect(16u, 1u, "601DA109060760857405080103BE10040E01000000065F1F040000181DFFFF",
           AARE_REJECT("02"));
    /* max PDU 0x0020 below 64: no-reason-given and initiateError pdu-size-too-short:
     * BE 06 04 04 0E 01 06 03 (ConfirmedServiceError initiateError, ServiceError initiate 3) */
    expect(16u, 1u, "601DA109060760857405080101BE10040E01000000065F1F040000181D0020",
           "611FA109060760857405080101A203020101A305A103020101BE0604040E010603");
    /* DLMS version 5: dlms-version-too-low (1) */
    expect(16u, 1u, "601DA109060760857405080101BE10040E01000000055F1F040000181DFFFF",
           "611FA109060760857405080101A203020101A305A103020101BE0604040E010601");
    /* no GET proposed (only SET, 0x000008): incompatible-conformance (2) */
    expect(16u, 1u, "601DA109060760857405080101BE10040E01000000065F1F0400000008FFFF",
           "611FA109060760857405080101A203020101A305A103020101BE0604040E010602");
    assert_int_equal(omp_dlms_server_assoc(&g_srv), 0u);
    expect(18u, 16u, AARQ_LLS, AARE_LLS); /* and the next association works */
}

static void test_bad_requests(void **state)
{
    (void)state;
    /* without an association: EXCEPTION-response service-not-allowed, operation-not-possible */
    expect(16u, 1u, GET_METERNO, "D80101");
    expect(16u, 1u, AARQ_PUBLIC, AARE_PUBLIC);
    /* a GET from another client than the associated one: the same */
    expect(18u, 16u, GET_METERNO, "D80101");
    /* truncated, trailing byte: service-unknown, other-reason; an unknown or ciphered tag:
     * service-unknown, service-not-supported; each time the next request works */
    expect(16u, 1u, "C00181", "D80203");
    expect(16u, 1u, GET_METERNO, RSP_METERNO);
    expect(16u, 1u, GET_METERNO "00", "D80203");
    expect(16u, 1u, "FF00", "D80202");
    expect(16u, 1u, "C8050011223344", "D80202");
    expect(16u, 1u, "", "D80203");
    expect(16u, 1u, GET_METERNO, RSP_METERNO);
    /* SET and ACTION: the public association did not negotiate them (technical facts 11.1:
     * GET only), so they are refused as a service not negotiated (service-not-allowed,
     * service-not-supported), as GET-with-list below */
    expect(16u, 1u, "C10181000101010000 01FF0200 0600000001", "D80102");
    expect(16u, 1u, "C30181000F0000280000FF0100", "D80102");
    /* GET-with-list: the public client of S1 did not propose multiple references */
    expect(16u, 1u, "C0038102 00010101000001FF0200 00010101000001FF0200", "D80102");
    /* a response sent to the server */
    expect(16u, 1u, RSP_METERNO, "D80202");
    /* GET-next with no transfer running: datablock, last, the block number, dar 16 */
    expect(16u, 1u, "C0028100000001", "C402810100000001 0110");
    /* selective access on an object without it: other-reason (250) */
    expect(16u, 1u, "C0018100010101000001FF0201 01 0600000001", "C4018101FA");
    /* a request longer than the server's max PDU (125): pdu-too-long */
    char big[2 * 130 + 1];
    memset(big, '0', sizeof big - 1u);
    big[sizeof big - 1u] = '\0';
    big[0] = 'C';
    expect(16u, 1u, big, "D80104");
    expect(16u, 1u, GET_METERNO, RSP_METERNO);
    /* API misuse */
    uint8_t small[16];
    struct omp_wr w = omp_wr_init(small, sizeof small);
    uint8_t req[13];
    size_t n = unhex(GET_METERNO, req, sizeof req);
    assert_int_equal(omp_dlms_server_apdu(&g_srv, &g_env, 16u, 1u, req, n, &w), OMP_ERR_NOSPACE);
    assert_int_equal(omp_wr_len(&w), 0u);
    assert_int_equal(omp_dlms_server_apdu(NULL, &g_env, 16u, 1u, req, n, &w), OMP_ERR_ARG);
    assert_int_equal(omp_dlms_server_apdu(&g_srv, &g_env, 16u, 1u, NULL, 1u, &w), OMP_ERR_ARG);
    struct omp_dlms_server_cfg c;
    omp_dlms_server_cfg_default(&c);
    c.lls_secret_len = 0u;
    assert_int_equal(omp_dlms_server_init(&g_srv, &c), OMP_ERR_ARG);
    /* the link lost: no association */
    omp_dlms_server_close(&g_srv);
    expect(16u, 1u, GET_METERNO, "D80101");
}

static void test_with_list(void **state)
{
    (void)state;
    expect(18u, 16u, AARQ_LLS, AARE_LLS);
    /* A+ total attr 2, MeterNo1 attr 2, an object that does not exist: each answered alone */
    expect(18u, 16u,
           "C003C103 00030101010800FF0200 00010101000001FF0200 00010101636363FF0200",
           "C403C103 00060012D687 000600BC614E 0104");
}

/* The Association LN element as this slice lists it (Blue Book IC 15 v1 object_list_element):
 * {long-unsigned 15, unsigned 1, octet-string 0.0.40.0.0.255, {attribute_access of 9 items
 * (version 1 has attributes 1..9, 9 being security_setup_reference) {integer id, enum mode,
 * null-data}: 1, 2, 3, 8 read-only (1), 4..7 and 9 no-access (0); method_access empty}}. */
/* method_access of Association LN v1: reply_to_HLS_authentication, change_HLS_secret,
 * add_object, remove_object, each {integer id, enum 0 no_access}: none callable after the
 * association is set up (dlms_method_sec.c answers them read-write-denied). */
#define K_ASSOC_METHODS "0104 02020F011600 02020F021600 02020F031600 02020F041600"
static const char k_assoc_elem[] =
    "0204 12000F 1101 09060000280000FF 0202 0109"
    "02030F01160100 02030F02160100 02030F03160100 02030F04160100"
    "02030F05160100 02030F06160100 02030F07160000 02030F08160100 02030F09160000 " K_ASSOC_METHODS;
/* The same for an LLS association: 7 (the LLS secret) write-only (access_mode 2). */
static const char k_assoc_elem_lls[] =
    "0204 12000F 1101 09060000280000FF 0202 0109"
    "02030F01160100 02030F02160100 02030F03160100 02030F04160100"
    "02030F05160100 02030F06160100 02030F07160200 02030F08160100 02030F09160000 " K_ASSOC_METHODS;

/* Read the object list of the current association (client @p client) in blocks. */
static size_t read_objlist(uint16_t client, uint16_t server, uint8_t *buf, size_t cap,
                           unsigned *blocks)
{
    struct omp_dlms_blocks b;
    omp_dlms_blocks_init(&b, buf, cap);
    size_t n = ask(client, server, "C001C1000F0000280000FF0200");
    *blocks = 0u;
    for (;;) {
        assert_true(n <= 0x7Du);
        struct omp_rd rd = omp_rd_init(g_rsp, n);
        struct omp_apdu a;
        assert_int_equal(omp_apdu_decode(&rd, &a), OMP_OK);
        assert_int_equal(omp_rd_remaining(&rd), 0u);
        assert_int_equal(omp_dlms_blocks_feed(&b, &a), OMP_OK);
        (*blocks)++;
        if (b.done) {
            return b.len;
        }
        uint8_t req[16];
        struct omp_wr w = omp_wr_init(req, sizeof req);
        assert_int_equal(omp_dlms_client_get_next(&w, 0xC1u, b.ack_block), OMP_OK);
        struct omp_wr o = omp_wr_init(g_rsp, sizeof g_rsp);
        assert_int_equal(omp_dlms_server_apdu(&g_srv, &g_env, client, server, req,
                                              omp_wr_len(&w), &o),
                         OMP_OK);
        n = omp_wr_len(&o);
    }
}

static void next_is(struct omp_rd *rd, uint8_t tag, uint64_t v)
{
    struct omp_axdr_elem e;
    assert_int_equal(omp_axdr_next(rd, &e), OMP_OK);
    assert_int_equal(e.tag, tag);
    if (tag == OMP_AXDR_TAG_ARRAY || tag == OMP_AXDR_TAG_STRUCTURE) {
        assert_int_equal(e.count, v);
    } else if (tag == OMP_AXDR_TAG_INTEGER) {
        assert_int_equal(e.v.i, (int64_t)v);
    } else if (tag != OMP_AXDR_TAG_NULL_DATA) {
        assert_int_equal(e.v.u, v);
    }
}

/* The list: the Association LN element, then every row @p assoc may read, in table order, each
 * with its class's attributes read-only (1), or read-write (3) where the row gives @p assoc the
 * right to write it (not legal data, a setter, the association in its write mask and the
 * attribute in wattrs), and the calendars' methods. */
static void check_objlist(const uint8_t *buf, size_t len, unsigned assoc)
{
    size_t rows = 0;
    for (size_t k = 0; k < omp_cosem_count(); k++) {
        rows += (omp_cosem_at(k)->read & assoc) != 0u ? 1u : 0u;
    }
    struct omp_rd rd = omp_rd_init(buf, len);
    next_is(&rd, OMP_AXDR_TAG_ARRAY, 1u + rows);
    uint8_t elem[128];
    size_t en = unhex_sp(assoc == OMP_ASSOC_PUBLIC ? k_assoc_elem : k_assoc_elem_lls, elem,
                         sizeof elem);
    assert_true(omp_rd_remaining(&rd) >= en);
    assert_memory_equal(buf + omp_rd_pos(&rd), elem, en);
    assert_int_equal(omp_rd_skip(&rd, en), OMP_OK);
    for (size_t k = 0; k < omp_cosem_count(); k++) {
        const struct omp_cosem_obj *o = omp_cosem_at(k);
        if ((o->read & assoc) == 0u) {
            continue;
        }
        next_is(&rd, OMP_AXDR_TAG_STRUCTURE, 4u);
        next_is(&rd, OMP_AXDR_TAG_LONG_UNSIGNED, o->class_id);
        next_is(&rd, OMP_AXDR_TAG_UNSIGNED, o->version);
        struct omp_axdr_elem e;
        assert_int_equal(omp_axdr_next(&rd, &e), OMP_OK);
        assert_int_equal(e.tag, OMP_AXDR_TAG_OCTET_STRING);
        assert_int_equal(e.len, 6u);
        assert_memory_equal(e.data, o->obis, 6u);
        next_is(&rd, OMP_AXDR_TAG_STRUCTURE, 2u);
        uint8_t attrs = omp_cosem_attr_count(o);
        next_is(&rd, OMP_AXDR_TAG_ARRAY, attrs);
        for (uint8_t a = 1u; a <= attrs; a++) {
            next_is(&rd, OMP_AXDR_TAG_STRUCTURE, 3u);
            next_is(&rd, OMP_AXDR_TAG_INTEGER, a);
            bool rw = (o->flags & OMP_COSEM_LEGAL) == 0u && o->set != NULL &&
                      (o->write & assoc) != 0u && (o->wattrs & (1u << a)) != 0u;
            /* IEC local port setup (class 19): the passwords 7..9, no access (0) */
            bool hidden = o->class_id == 19u && a >= 7u;
            /* a command's value (ForceBillingStop): write-only (2), else no access */
            bool wo = (o->flags & OMP_COSEM_WRITE_ONLY) != 0u && a == 2u;
            next_is(&rd, OMP_AXDR_TAG_ENUM, rw ? (wo ? 2u : 3u) : hidden || wo ? 0u : 1u);
            next_is(&rd, OMP_AXDR_TAG_NULL_DATA, 0u);
        }
        /* Blue Book methods: SAP assignment 1 (connect_logical_device), push setup 1 (push), the
         * activity calendar 1 (activate_passive_calendar: granted to those who write the
         * passive calendar, LLS and management), the special days table 2 (insert, delete) and
         * the script table 1 (execute), and the demand registers 2 (reset, next_period), granted
         * to nobody; none elsewhere in this list */
        const uint8_t methods = o->class_id == 17u || o->class_id == 40u ? 1u
                                : o->class_id == 20u                      ? 1u
                                : o->class_id == 11u || o->class_id == 5u ? 2u
                                : o->class_id == 9u                       ? 1u
                                                                          : 0u;
        next_is(&rd, OMP_AXDR_TAG_ARRAY, methods);
        for (uint8_t m = 1u; m <= methods; m++) {
            next_is(&rd, OMP_AXDR_TAG_STRUCTURE, 2u);
            next_is(&rd, OMP_AXDR_TAG_INTEGER, m);
            bool granted = o->class_id == 20u &&
                           (assoc & (OMP_ASSOC_LLS | OMP_ASSOC_HLS_MGMT)) != 0u;
            next_is(&rd, OMP_AXDR_TAG_ENUM, granted ? 1u : 0u);
        }
    }
    assert_int_equal(omp_rd_remaining(&rd), 0u);
}

/* P- max 1.1.2.6.0.255 (class 4), which the registers do not keep yet: value and status null-data,
 * capture_time (5) a date-time with every field not specified (Blue Book 4.1.6.1: year FFFF,
 * month to hundredths FF, deviation 8000, clock status FF), not null-data. */
static void test_peak_not_kept(void **state)
{
    (void)state;
    expect(18u, 16u, AARQ_LLS, AARE_LLS);
    expect(18u, 16u, "C001C100040101020600FF0200", "C401C10000");
    expect(18u, 16u, "C001C100040101020600FF0500",
           "C401C100" "090C" "FFFF" "FF" "FF" "FF" "FF" "FF" "FF" "FF" "8000" "FF");
}

/* Association LN version 1 has 9 attributes (Blue Book IC 15: 9 security_setup_reference, an
 * octet-string); version 2 adds 10 user_list and 11 current_user. A client that reads every
 * attribute of the version (the Gurux client does) asks for 9: it is the class's, so not
 * object-undefined; there is no security setup in the list, so it is no-access like 7:
 * read-write-denied (3). Gurux's C client reads 10 and 11 as if the object were version 2 and
 * stops at any answer but read-write-denied: 10 and 11 are denied too; 12 is no attribute of
 * any version: object-undefined (4). Green Book GET-response-normal: C4 01 <invoke> 01 <dar>. */
static void test_assoc_ln_v1_attrs(void **state)
{
    (void)state;
    expect(16u, 1u, AARQ_PUBLIC, AARE_PUBLIC);
    expect(16u, 1u, "C001C1000F0000280000FF0900", "C401C10103");
    expect(16u, 1u, "C001C1000F0000280000FF0A00", "C401C10103");
    expect(16u, 1u, "C001C1000F0000280000FF0B00", "C401C10103");
    expect(16u, 1u, "C001C1000F0000280000FF0C00", "C401C10104");
    expect(18u, 16u, AARQ_LLS, AARE_LLS);
    expect(18u, 16u, "C001C1000F0000280000FF0900", "C401C10103");
    /* and its element lists the 9 attributes, 9 no-access: the public list's first block
     * (GET-response-with-datablock, block 1 not the last, raw-data) starts with it */
    expect(16u, 1u, AARQ_PUBLIC, AARE_PUBLIC);
    size_t n = ask(16u, 1u, "C001C1000F0000280000FF0200");
    uint8_t elem[128];
    size_t en = unhex_sp(k_assoc_elem, elem, sizeof elem);
    /* C4 02 C1 | 00 | 00000001 | 00 | length 71: 113 bytes (PDU 125 - 12) | 01 0F (array of 15
     * elements) | the element */
    assert_int_equal(n, 10u + 113u);
    assert_int_equal(g_rsp[3], 0x00u);
    assert_int_equal(g_rsp[9], 0x71u);
    assert_int_equal(g_rsp[10], 0x01u);
    assert_int_equal(g_rsp[11], 0x0Fu);
    assert_memory_equal(g_rsp + 12, elem, en);
}

static void test_object_list(void **state)
{
    (void)state;
    static uint8_t buf[8192];
    unsigned blocks = 0;
    expect(16u, 1u, AARQ_PUBLIC, AARE_PUBLIC);
    size_t len = read_objlist(16u, 1u, buf, sizeof buf, &blocks);
    assert_true(blocks >= 3u); /* longer than one PDU of 125 bytes */
    /* the public list, technical facts 11.1's 15: Association LN, the 6 identity objects,
     * MeterNoLow, MeterNo2, MeterNo3, SpecialData 1 and 2, the clock, HDLC setup and SAP
     * assignment */
    assert_int_equal(buf[0], 0x01u);
    assert_int_equal(buf[1], 0x0Fu);
    check_objlist(buf, len, OMP_ASSOC_PUBLIC);

    expect(18u, 16u, AARQ_LLS, AARE_LLS);
    len = read_objlist(18u, 16u, buf, sizeof buf, &blocks);
    assert_true(blocks > 20u);
    check_objlist(buf, len, OMP_ASSOC_LLS_MODULE);

    /* a GET-next that is not for the last block sent aborts the transfer (dar 15); another
     * GET-next then finds none running (dar 16) */
    size_t n = ask(18u, 16u, "C001C1000F0000280000FF0200");
    assert_true(n > 12u && g_rsp[1] == 0x02u && g_rsp[3] == 0x00u); /* block 1, not the last */
    expect(18u, 16u, "C002C100000005", "C402C101 00000005 010F");
    expect(18u, 16u, "C002C100000001", "C402C101 00000001 0110");
    /* a GET-next whose output buffer is smaller than the transfer's blocks (80 < 113 + 12):
     * aborted too, nothing written beyond the answer */
    n = ask(18u, 16u, "C001C1000F0000280000FF0200");
    uint8_t small[80], req[8];
    struct omp_wr w = omp_wr_init(small, sizeof small);
    size_t rn = unhex("C002C100000001", req, sizeof req);
    assert_int_equal(omp_dlms_server_apdu(&g_srv, &g_env, 18u, 16u, req, rn, &w), OMP_OK);
    uint8_t want[12];
    size_t wn = unhex_sp("C402C101 00000001 010F", want, sizeof want);
    assert_int_equal(omp_wr_len(&w), wn);
    assert_memory_equal(small, want, wn);
    /* the link lost in the middle of a transfer: no association, nothing left running */
    n = ask(18u, 16u, "C001C1000F0000280000FF0200");
    omp_dlms_server_close(&g_srv);
    expect(18u, 16u, "C002C100000001", "D80101");
}

/* ---- general block transfer (Green Book 9.3.x GBT; docs/dlms-server.md) ----------------------
 * The LLS AARQ of S2 with general-block-transfer (bit 2: 1 << 21 = 200000) proposed too:
 * 20FE1F. The AARE then offers it: 201E1D (001E1D above, + 200000). A GBT APDU is E0,
 * block-control (80 last-block, 40 streaming, window in bits 5..0), block-number (2 bytes),
 * block-number-ack (2), block-data as octet-string contents (length, bytes). */
#define AARQ_LLS_GBT                                                                               \
    "6033A1090607608574050801018A0207808B0760857405080201AC0780053132333435BE10040E01000000065F1F" \
    "040020FE1FFFFF"
#define AARE_LLS_GBT "6129A109060760857405080101A203020100A305A103020100BE10040E0800065F1F040020" \
                     "1E1D007D0007"

/* The object list in GBT: blocks of 125 - 12 = 113 bytes, the first starting with the head of
 * the GET-response-normal C4 01 C1 00; the client acknowledges block k with its own block k. */
static void test_gbt_object_list(void **state)
{
    (void)state;
    static uint8_t buf[8192], list[8192];
    unsigned blocks = 0;
    expect(18u, 16u, AARQ_LLS, AARE_LLS); /* without GBT: the reference list, in GET blocks */
    size_t want = read_objlist(18u, 16u, list, sizeof list, &blocks);
    expect(18u, 16u, AARQ_LLS_GBT, AARE_LLS_GBT);
    size_t n = ask(18u, 16u, "C001C1000F0000280000FF0200"), len = 0u;
    /* block 1: E0, 01 (window 1, not last), 0001, 0000, 71 (113), C4 01 C1 00, the list */
    uint8_t head[11];
    unhex_sp("E0 01 0001 0000 71 C401C100", head, sizeof head);
    assert_int_equal(n, 7u + 113u);
    assert_memory_equal(g_rsp, head, sizeof head);
    for (uint16_t k = 1u;; k++) {
        struct omp_rd rd = omp_rd_init(g_rsp, n);
        struct omp_apdu_gbt g;
        assert_int_equal(omp_apdu_gbt_decode(&rd, &g), OMP_OK);
        assert_int_equal(omp_rd_remaining(&rd), 0u);
        assert_int_equal(g.block_number, k);
        assert_int_equal(g.block_number_ack, k - 1u);
        assert_true(g.last || g.data.len == 113u);
        memcpy(buf + len, g.data.ptr, g.data.len);
        len += g.data.len;
        if (g.last) {
            break;
        }
        char ack[32];
        snprintf(ack, sizeof ack, "E001%04X%04X00", k, k);
        n = ask(18u, 16u, ack);
    }
    assert_int_equal(len, 4u + want);
    assert_memory_equal(buf + 4, list, want);
    check_objlist(buf + 4, want, OMP_ASSOC_LLS_MODULE);
    /* a short answer stays a GET-response-normal (nothing to split) */
    expect(18u, 16u, "C001C1000301010108 00FF0200", "C401C100060012D687");
    /* an acknowledgement of a block that was not sent ends the transfer: EXCEPTION-response
     * service-not-allowed (1), operation-not-possible (1); so does one with nothing running */
    (void)ask(18u, 16u, "C001C1000F0000280000FF0200");
    expect(18u, 16u, "E001 0001 0002 00", "D80101");
    expect(18u, 16u, "E001 0001 0001 00", "D80101");
    /* a GET-next does not go on with a GBT transfer: no-long-get-in-progress (16) */
    (void)ask(18u, 16u, "C001C1000F0000280000FF0200");
    expect(18u, 16u, "C002C100000001", "C402C101 00000001 0110");
    expect(18u, 16u, GET_METERNO, RSP_METERNO);
}

/* A request in GBT blocks: GET A+ total (C0 01 C1 00 03 01 01 01 08 00 FF 02 00, 13 bytes) in
 * blocks of 7 and 6. Block 1 is acknowledged by E0 81 (last-block: the server sends nothing more
 * for it; window 1) 0001 0001 00; the answer follows in GBT: one last block 0002 acknowledging
 * the client's 0002, carrying C4 01 C1 00 06 0012D687 (9 bytes). */
static void test_gbt_request(void **state)
{
    (void)state;
    expect(18u, 16u, AARQ_LLS_GBT, AARE_LLS_GBT);
    expect(18u, 16u, "E000 0001 0000 07 C001C100030101", "E081 0001 0001 00");
    expect(18u, 16u, "E080 0002 0001 06 010800FF0200", "E081 0002 0002 09 C401C100060012D687");
    /* out of order (block 3 after 1): EXCEPTION-response service-not-allowed,
     * operation-not-possible; the next request works */
    expect(18u, 16u, "E000 0001 0000 07 C001C100030101", "E081 0001 0001 00");
    expect(18u, 16u, "E080 0003 0001 06 010800FF0200", "D80101");
    expect(18u, 16u, "E080 0002 0001 06 010800FF0200", "D80101"); /* nothing being joined */
    /* longer than OMP_DLMS_GBT_RX_MAX (64): 40 + 29 bytes: service-not-allowed, pdu-too-long */
    expect(18u, 16u,
           "E000 0001 0000 28 C003C10A 00030101010800FF0200 00030101010800FF0200"
           " 00030101010800FF0200 000301010108",
           "E081 0001 0001 00");
    expect(18u, 16u,
           "E000 0002 0001 1D 00FF0200 00030101010800FF0200 00030101010800FF0200"
           " 0003010101",
           "D80104");
    /* a GBT APDU that does not decode (block-data longer than the bytes): service-unknown (2),
     * other-reason (3) */
    expect(18u, 16u, "E080 0001 0000 09 C001", "D80203");
    /* an ACSE APDU in GBT (RLRQ 62 03 80 01 00): not an xDLMS request, service-unknown (2),
     * service-not-supported (2), the association kept */
    expect(18u, 16u, "E080 0001 0000 05 6203800100", "D80202");
    expect(18u, 16u, GET_METERNO, RSP_METERNO);
    /* without GBT negotiated: service-not-allowed, service-not-supported (2) */
    expect(18u, 16u, AARQ_LLS, AARE_LLS);
    expect(18u, 16u, "E080 0001 0000 0D C001C1000301010108 00FF0200", "D80102");
    /* nor before any association */
    expect(18u, 16u, "6203800100", "6303800100");
    expect(18u, 16u, "E080 0001 0000 0D C001C1000301010108 00FF0200", "D80102");
}

/* A GET-with-list whose answer exceeds the PDU (Green Book: sent as raw-data of
 * GET-response-with-datablock, the list of Get-Data-Result with its count first; in GBT the
 * GET-response-with-list itself in GBT blocks). The client proposes max PDU 64 (0040), so the
 * blocks hold 64 - 12 = 52 bytes, whole items only. Items: Association LN attribute 5 three
 * times, then A+ total. Attribute 5 (xDLMS_context_info) is 20 bytes as a result: 00, structure
 * of 6 {bit-string(24) conformance, long-unsigned 007D (the server's max PDU), long-unsigned 0040
 * (what it sends), unsigned 6, integer 0, octet-string empty}; A+ is 00 06 0012D687. Whole:
 * 4 + 3 x 20 + 6 = 70 > 64. Block 1: the count 04 and two items (41 bytes; a third would make
 * 61 > 52), block 2: the third and A+ (26 bytes). */
#define LIST4 "C003C104 000F0000280000FF0500 000F0000280000FF0500 000F0000280000FF0500" \
              " 00030101010800FF0200"
#define CTX(conf) "00 0206 0418" conf " 12007D 120040 1106 0F00 0900"
static void test_list_in_blocks(void **state)
{
    (void)state;
    /* AARQ_LLS with client-max-receive-pdu-size 0040; AARE_LLS (the server's max PDU 007D) */
    expect(18u, 16u,
           "6033A1090607608574050801018A0207808B0760857405080201AC0780053132333435BE10040E01000000"
           "065F1F040000FE1F0040",
           AARE_LLS);
    expect(18u, 16u, LIST4,
           "C402C1 00 00000001 00 29 04" CTX("001E1D") CTX("001E1D"));
    expect(18u, 16u, "C002C100000001",
           "C402C1 01 00000002 00 1A" CTX("001E1D") "00 060012D687");
    expect(18u, 16u, "C002C100000002", "C402C101 00000002 0110"); /* no transfer: 16 */
    /* the same in GBT: C4 03 C1 04, two items (44 bytes), then the third and A+ */
    expect(18u, 16u,
           "6033A1090607608574050801018A0207808B0760857405080201AC0780053132333435BE10040E01000000"
           "065F1F040020FE1F0040",
           AARE_LLS_GBT);
    expect(18u, 16u, LIST4, "E001 0001 0000 2C C403C104" CTX("201E1D") CTX("201E1D"));
    expect(18u, 16u, "E001 0001 0001 00",
           "E081 0002 0001 1A" CTX("201E1D") "00 060012D687");
    /* an item list longer than OMP_DLMS_GBT_RX_MAX (64) is not kept: 7 items of 10 bytes,
     * refused as before (EXCEPTION-response service-not-allowed, pdu-too-long) */
    expect(18u, 16u,
           "C003C107 000F0000280000FF0500 000F0000280000FF0500 000F0000280000FF0500"
           " 000F0000280000FF0500 000F0000280000FF0500 000F0000280000FF0500"
           " 00030101010800FF0200",
           "D80104");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_public_capture, setup),
        cmocka_unit_test_setup(test_lls_register, setup),
        cmocka_unit_test_setup(test_refusals, setup),
        cmocka_unit_test_setup(test_bad_requests, setup),
        cmocka_unit_test_setup(test_with_list, setup),
        cmocka_unit_test_setup(test_object_list, setup),
        cmocka_unit_test_setup(test_gbt_object_list, setup),
        cmocka_unit_test_setup(test_gbt_request, setup),
        cmocka_unit_test_setup(test_list_in_blocks, setup),
        cmocka_unit_test_setup(test_peak_not_kept, setup),
        cmocka_unit_test_setup(test_assoc_ln_v1_attrs, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

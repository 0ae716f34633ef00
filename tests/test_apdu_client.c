/*
 * Client helpers of the apdu module (issue #5 item 6): AARQ/GET builders, AARE check, GET
 * block reassembly, push (OBIS, value) iterator.
 *
 * Real vectors, shared with tests/test_apdu.c in dlms_vectors.h (byte literals and hand decoding
 * there): the APDUs of ../shared/vectors/kamstrup_dlms_doc_hdlc_sessions.txt (Kamstrup DLMS doc
 * 55121424 section 4, sessions S1 and S2), cut out of the I-frames after the LLC header. The push
 * body is LLC_NO_LIST1_1PH_2022_01_17 of ../shared/vectors/kamstrup_no_han_amshan.txt (amshan,
 * MIT), with the expected values that ../shared/vectors/README.md quotes from the amshan test
 * assertions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/apdu.h"
#include "omnipower/axdr.h"

#include "dlms_vectors.h"

/* LLC_NO_LIST1_1PH_2022_01_17, the whole LLC PDU as in the vector file: E6 E7 00, then the APDU:
 * 0F | long-invoke 00000000 | 0C + 12-byte date-time 2022-01-17 12:44:40 | body. The body starts
 * at APDU offset 1 + 4 + 1 + 12 = 18 (LLC PDU offset 21) with 02 19 (structure of 25). */
static const char k_no_list1_hex[] =
    "E6E7000F000000000C07E60111010C2C28FF80000002190A0E4B616D73747275705F5630303031090601010000"
    "05FF0A103537303537303537303537303537303209060101600101FF0A1236383631313131424E323432313031"
    "30343009060101010700FF060000076809060101020700FF060000000009060101030700FF0600000000090601"
    "01040700FF06000001ED090601011F0700FF06000003800000000009060101200700FF1200E100000000";
#define NO_LIST1_BODY_OFFSET 18u

static size_t from_hex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex) / 2u;
    assert_true(n <= cap);
    for (size_t i = 0; i < n; i++) {
        char b[3] = {hex[2u * i], hex[2u * i + 1u], 0};
        out[i] = (uint8_t)strtoul(b, NULL, 16);
    }
    return n;
}

#define GUARD 0xA5u

static void assert_guard(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(p[i], GUARD);
    }
}

/* ---- builders: all-or-nothing checker ------------------------------------------------------- */

typedef omp_err (*build_fn)(struct omp_wr *w, const void *arg);

/* Build into buffers of every size up to @p want_len (+ guard): shorter ones give NOSPACE and
 * leave every byte untouched, the exact one gives @p want and no byte beyond it. */
static void check_build(build_fn fn, const void *arg, const uint8_t *want, size_t want_len)
{
    uint8_t buf[128];
    assert_true(want_len + 4u <= sizeof buf);
    for (size_t cap = 0; cap <= want_len; cap++) {
        memset(buf, GUARD, sizeof buf);
        struct omp_wr w = omp_wr_init(buf, cap);
        omp_err err = fn(&w, arg);
        if (cap < want_len) {
            assert_int_equal(err, OMP_ERR_NOSPACE);
            assert_int_equal(omp_wr_len(&w), 0);
            assert_guard(buf, sizeof buf);
        } else {
            assert_int_equal(err, OMP_OK);
            assert_int_equal(omp_wr_len(&w), want_len);
            assert_memory_equal(buf, want, want_len);
            assert_guard(buf + want_len, sizeof buf - want_len);
        }
    }
}

/* ---- AARQ ---------------------------------------------------------------------------------- */

static omp_err build_aarq(struct omp_wr *w, const void *arg)
{
    return omp_dlms_client_aarq(w, arg);
}

static void test_aarq_s1_s2(void **state)
{
    (void)state;
    /* S1: public client, no security, conformance 0x00181D, max PDU 0xFFFF */
    struct omp_dlms_aarq_opts s1 = {.mechanism = OMP_DLMS_MECH_NONE,
                                    .conformance = 0x00181Du,
                                    .max_pdu = 0xFFFFu};
    check_build(build_aarq, &s1, k_s1_aarq, sizeof k_s1_aarq);
    /* S2: LLS with password "12345", conformance 0x00FE1F, max PDU 0xFFFF */
    static const uint8_t pw[] = {'1', '2', '3', '4', '5'};
    struct omp_dlms_aarq_opts s2 = {.mechanism = OMP_DLMS_MECH_LLS,
                                    .secret = pw,
                                    .secret_len = sizeof pw,
                                    .conformance = 0x00FE1Fu,
                                    .max_pdu = 0xFFFFu};
    check_build(build_aarq, &s2, k_s2_aarq, sizeof k_s2_aarq);
}

static void test_aarq_hls_and_args(void **state)
{
    (void)state;
    static const uint8_t ctos[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    static const uint8_t st[8] = {0x4B, 0x41, 0x4D, 0x00, 0x01, 0xA4, 0xDC, 0x52};
    struct omp_dlms_aarq_opts o = {.mechanism = OMP_DLMS_MECH_HLS_GMAC,
                                   .secret = ctos,
                                   .secret_len = sizeof ctos,
                                   .system_title = st,
                                   .conformance = 0x00181Du,
                                   .max_pdu = 0x0400u};
    uint8_t buf[128];
    struct omp_wr w = omp_wr_init(buf, sizeof buf);
    assert_int_equal(omp_dlms_client_aarq(&w, &o), OMP_OK);
    /* decode it back: the fields went where the AARQ codec puts them */
    struct omp_rd rd = omp_rd_init(buf, omp_wr_len(&w));
    struct omp_apdu a;
    assert_int_equal(omp_apdu_decode(&rd, &a), OMP_OK);
    assert_int_equal(omp_rd_remaining(&rd), 0);
    assert_int_equal(a.kind, OMP_APDU_AARQ);
    assert_int_equal(a.u.aarq.app_context, OMP_APP_CONTEXT_LN_CIPHER);
    assert_true(a.u.aarq.acse_auth);
    assert_true(a.u.aarq.has_mechanism);
    assert_int_equal(a.u.aarq.mechanism, OMP_AUTH_HLS_GMAC);
    assert_true(a.u.aarq.has_calling_ap_title);
    assert_int_equal(a.u.aarq.calling_ap_title.len, 8);
    assert_memory_equal(a.u.aarq.calling_ap_title.ptr, st, 8);
    assert_int_equal(a.u.aarq.auth_value.len, 8);
    assert_memory_equal(a.u.aarq.auth_value.ptr, ctos, 8);
    assert_int_equal(a.u.aarq.user_info.kind, OMP_APDU_UINFO_INITIATE_REQ);
    assert_int_equal(a.u.aarq.user_info.u.init_req.max_pdu, 0x0400);

    /* rejected parameters write nothing */
    struct {
        enum omp_dlms_mech mech;
        const uint8_t *secret;
        size_t secret_len;
        const uint8_t *st;
        uint32_t conf;
    } bad[] = {
        {OMP_DLMS_MECH_NONE, ctos, 8, NULL, 0x1Du},        /* secret with NONE */
        {OMP_DLMS_MECH_NONE, NULL, 0, st, 0x1Du},          /* system title with NONE */
        {OMP_DLMS_MECH_NONE, NULL, 0, NULL, 0x01000000u},  /* conformance above 24 bits */
        {OMP_DLMS_MECH_LLS, NULL, 0, NULL, 0x1Du},         /* no password */
        {OMP_DLMS_MECH_LLS, ctos, 0, NULL, 0x1Du},         /* empty password */
        {OMP_DLMS_MECH_LLS, ctos, 200, NULL, 0x1Du},       /* too long */
        {OMP_DLMS_MECH_HLS_GMAC, ctos, 8, NULL, 0x1Du},    /* no system title */
        {OMP_DLMS_MECH_HLS_GMAC, ctos, 7, st, 0x1Du},      /* challenge too short */
        {(enum omp_dlms_mech)2, ctos, 8, NULL, 0x1Du},     /* unsupported mechanism */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct omp_dlms_aarq_opts b = {.mechanism = bad[i].mech,
                                       .secret = bad[i].secret,
                                       .secret_len = bad[i].secret_len,
                                       .system_title = bad[i].st,
                                       .conformance = bad[i].conf,
                                       .max_pdu = 0xFFFFu};
        memset(buf, GUARD, sizeof buf);
        w = omp_wr_init(buf, sizeof buf);
        assert_int_equal(omp_dlms_client_aarq(&w, &b), OMP_ERR_ARG);
        assert_int_equal(omp_wr_len(&w), 0);
        assert_guard(buf, sizeof buf);
    }
    w = omp_wr_init(buf, sizeof buf);
    assert_int_equal(omp_dlms_client_aarq(NULL, &o), OMP_ERR_ARG);
    assert_int_equal(omp_dlms_client_aarq(&w, NULL), OMP_ERR_ARG);
}

/* ---- AARE ---------------------------------------------------------------------------------- */

static void test_aare(void **state)
{
    (void)state;
    struct omp_dlms_assoc r;
    assert_int_equal(omp_dlms_client_check_aare(k_s1_aare, sizeof k_s1_aare, &r), OMP_OK);
    assert_true(r.accepted);
    assert_false(r.auth_pending);
    assert_int_equal(r.result, OMP_ASSOC_ACCEPTED);
    assert_int_equal(r.diag_source, OMP_ASSOC_DIAG_SERVICE_USER);
    assert_int_equal(r.diag, OMP_ASSOC_DIAG_NULL);
    assert_int_equal(r.conformance, 0x001010);
    assert_int_equal(r.max_pdu, 0x007D);
    assert_false(r.has_initiate_error);
    assert_false(r.has_challenge);

    assert_int_equal(omp_dlms_client_check_aare(k_s2_aare, sizeof k_s2_aare, &r), OMP_OK);
    assert_true(r.accepted);
    assert_int_equal(r.conformance, 0x00101C);
    assert_int_equal(r.max_pdu, 0x007D);

    /* rejected-permanent, authentication-failure, ConfirmedServiceError (test_apdu.c hand vector) */
    assert_int_equal(omp_dlms_client_check_aare(k_aare_reject, sizeof k_aare_reject, &r), OMP_OK);
    assert_false(r.accepted);
    assert_int_equal(r.result, OMP_ASSOC_REJECTED_PERMANENT);
    assert_int_equal(r.diag, OMP_ASSOC_DIAG_AUTHENTICATION_FAILURE);
    assert_true(r.has_initiate_error);
    assert_int_equal(r.initiate_error.service, OMP_CSE_INITIATE_ERROR);
    assert_int_equal(r.initiate_error.value, OMP_INITIATE_ERR_DLMS_VERSION_TOO_LOW);
    assert_int_equal(r.conformance, 0);

    /* errors leave the output untouched */
    struct omp_dlms_assoc before;
    memset(&before, 0x5A, sizeof before);
    r = before;
    assert_int_equal(omp_dlms_client_check_aare(k_s1_get, sizeof k_s1_get, &r),
                     OMP_ERR_UNEXPECTED);
    uint8_t longer[sizeof k_s1_aare + 1];
    memcpy(longer, k_s1_aare, sizeof k_s1_aare);
    longer[sizeof k_s1_aare] = 0x00;
    assert_int_equal(omp_dlms_client_check_aare(longer, sizeof longer, &r), OMP_ERR_MALFORMED);
    for (size_t cut = 0; cut < sizeof k_s1_aare; cut++) {
        assert_int_not_equal(omp_dlms_client_check_aare(k_s1_aare, cut, &r), OMP_OK);
    }
    /* accepted without an InitiateResponse: the S1 AARE cut after the diagnostic, lengths fixed */
    uint8_t no_ui[25];
    memcpy(no_ui, k_s1_aare, sizeof no_ui);
    no_ui[1] = (uint8_t)(sizeof no_ui - 2u);
    assert_int_equal(omp_dlms_client_check_aare(no_ui, sizeof no_ui, &r), OMP_ERR_PROTOCOL);
    assert_memory_equal(&r, &before, sizeof r);
    assert_int_equal(omp_dlms_client_check_aare(NULL, 0, &r), OMP_ERR_ARG);
    assert_int_equal(omp_dlms_client_check_aare(k_s1_aare, sizeof k_s1_aare, NULL), OMP_ERR_ARG);
}

/* ---- GET ----------------------------------------------------------------------------------- */

static void test_get_s1_next_s2(void **state)
{
    (void)state;
    uint8_t buf[32];
    const struct omp_obis meter_no = {{1, 1, 0, 0, 1, 255}};
    for (size_t cap = 0; cap <= sizeof k_s1_get; cap++) {
        memset(buf, GUARD, sizeof buf);
        struct omp_wr w = omp_wr_init(buf, cap);
        omp_err err = omp_dlms_client_get(&w, 0x81u, 1u, &meter_no, 2, 0u, NULL, 0u);
        if (cap < sizeof k_s1_get) {
            assert_int_equal(err, OMP_ERR_NOSPACE);
            assert_int_equal(omp_wr_len(&w), 0);
            assert_guard(buf, sizeof buf);
        } else {
            assert_int_equal(err, OMP_OK);
            assert_int_equal(omp_wr_len(&w), sizeof k_s1_get);
            assert_memory_equal(buf, k_s1_get, sizeof k_s1_get);
            assert_guard(buf + sizeof k_s1_get, sizeof buf - sizeof k_s1_get);
        }
    }
    for (size_t cap = 0; cap <= sizeof k_s2_next; cap++) {
        memset(buf, GUARD, sizeof buf);
        struct omp_wr w = omp_wr_init(buf, cap);
        omp_err err = omp_dlms_client_get_next(&w, 0x81u, 6u);
        if (cap < sizeof k_s2_next) {
            assert_int_equal(err, OMP_ERR_NOSPACE);
            assert_guard(buf, sizeof buf);
        } else {
            assert_int_equal(err, OMP_OK);
            assert_memory_equal(buf, k_s2_next, sizeof k_s2_next);
        }
    }
    /* access parameters that are not exactly one Data value */
    static const uint8_t two[] = {0x11, 0x01, 0x11, 0x02};
    struct omp_wr w = omp_wr_init(buf, sizeof buf);
    assert_int_equal(omp_dlms_client_get(&w, 0x81u, 1u, &meter_no, 2, 1u, two, sizeof two),
                     OMP_ERR_ARG);
    assert_int_equal(omp_dlms_client_get(&w, 0x81u, 1u, &meter_no, 2, 1u, two, 1u), OMP_ERR_ARG);
    assert_int_equal(omp_dlms_client_get(&w, 0x81u, 1u, NULL, 2, 0u, NULL, 0u), OMP_ERR_ARG);
    assert_int_equal(omp_dlms_client_get(&w, 0x81u, 1u, &meter_no, 2, 1u, NULL, 3u), OMP_ERR_ARG);
    assert_int_equal(omp_dlms_client_get_next(NULL, 0x81u, 1u), OMP_ERR_ARG);
    assert_int_equal(omp_wr_len(&w), 0);
}

/* S2 range: 2013-10-25 00:00:00.00 .. 2013-10-26, day of week not specified, deviation not
 * specified (0x8000), status 0x80 (DST), exactly the bytes 07DD0A19FF0000000080 0080 of the vector */
static const struct omp_axdr_datetime k_s2_from = {
    {2013u, 10u, 25u, 0xFFu}, {0u, 0u, 0u, 0u}, OMP_AXDR_DEVIATION_ANY, OMP_AXDR_STATUS_DST};
static const struct omp_axdr_datetime k_s2_to = {
    {2013u, 10u, 26u, 0xFFu}, {0u, 0u, 0u, 0u}, OMP_AXDR_DEVIATION_ANY, OMP_AXDR_STATUS_DST};

static void test_range_s2(void **state)
{
    (void)state;
    const struct omp_obis clock = {{0, 1, 1, 0, 0, 255}};
    const struct omp_obis profile = {{1, 1, 99, 1, 0, 255}};
    uint8_t params[64];
    /* the access parameters are bytes 14..63 of the S2 GET (50 bytes) */
    for (size_t cap = 0; cap <= 50u; cap++) {
        memset(params, GUARD, sizeof params);
        struct omp_wr w = omp_wr_init(params, cap);
        omp_err err = omp_dlms_client_range(&w, &clock, &k_s2_from, &k_s2_to);
        if (cap < 50u) {
            assert_int_equal(err, OMP_ERR_NOSPACE);
            assert_int_equal(omp_wr_len(&w), 0);
            assert_guard(params, sizeof params);
        } else {
            assert_int_equal(err, OMP_OK);
            assert_int_equal(omp_wr_len(&w), 50);
            assert_memory_equal(params, k_s2_get + 14, 50);
        }
    }
    uint8_t buf[80];
    memset(buf, GUARD, sizeof buf);
    struct omp_wr w = omp_wr_init(buf, sizeof buf);
    assert_int_equal(omp_dlms_client_get(&w, 0x81u, 7u, &profile, 2, 1u, params, 50u), OMP_OK);
    assert_int_equal(omp_wr_len(&w), sizeof k_s2_get);
    assert_memory_equal(buf, k_s2_get, sizeof k_s2_get);
    assert_guard(buf + sizeof k_s2_get, sizeof buf - sizeof k_s2_get);

    /* invalid date-time: RANGE, nothing written */
    struct omp_axdr_datetime bad = k_s2_to;
    bad.date.month = 13u;
    memset(params, GUARD, sizeof params);
    w = omp_wr_init(params, sizeof params);
    assert_int_equal(omp_dlms_client_range(&w, &clock, &k_s2_from, &bad), OMP_ERR_RANGE);
    assert_int_equal(omp_wr_len(&w), 0);
    assert_guard(params, sizeof params);
    assert_int_equal(omp_dlms_client_range(&w, NULL, &k_s2_from, &k_s2_to), OMP_ERR_ARG);

    /* from a UTC instant: 2013-10-24 22:00:00 UTC shown in CEST (deviation -120) = 25th 00:00 */
    struct omp_axdr_datetime from;
    assert_int_equal(omp_axdr_datetime_from_time((omp_time_s)1382652000, -120,
                                                 OMP_AXDR_STATUS_DST, &from),
                     OMP_OK);
    w = omp_wr_init(params, sizeof params);
    assert_int_equal(omp_dlms_client_range(&w, &clock, &from, &k_s2_to), OMP_OK);
    /* 2013-10-25 was a Friday (5); deviation -120 = 0xFF88 */
    static const uint8_t want_from[] = {0x09, 0x0C, 0x07, 0xDD, 0x0A, 0x19, 0x05, 0x00,
                                        0x00, 0x00, 0x00, 0xFF, 0x88, 0x80};
    assert_memory_equal(params + 20, want_from, sizeof want_from);
}

/* ---- GET-request-with-list ------------------------------------------------------------------ */

struct get_list_case {
    uint8_t invoke;
    const struct omp_dlms_attr_ref *refs;
    size_t n;
};

static omp_err build_get_list(struct omp_wr *w, const void *arg)
{
    const struct get_list_case *c = arg;
    return omp_dlms_client_get_list(w, c->invoke, c->refs, c->n);
}

static void test_get_list(void **state)
{
    (void)state;
    /* 1. The GET-request-with-list hand vector of tests/test_apdu.c: C0 03 (GET-Request
     * CHOICE 3), invoke 81, count 02, then each Cosem-Attribute-Descriptor-With-Selection:
     * class 0003 (register) 1.0.1.8.0.255 attr 02 access absent 00; class 0008 (clock)
     * 0.0.1.0.0.255 attr 02 00. 4 + 10 + 10 = 24 bytes (k_get_list, dlms_vectors.h). */
    const struct omp_dlms_attr_ref two[] = {
        {.class_id = 3u, .obis = {{1, 0, 1, 8, 0, 255}}, .attr = 2},
        {.class_id = 8u, .obis = {{0, 0, 1, 0, 0, 255}}, .attr = 2},
    };
    const struct get_list_case c1 = {0x81u, two, 2u};
    check_build(build_get_list, &c1, k_get_list, sizeof k_get_list);

    /* 2. With selective access on the second item: profile generic class 0007 1.0.99.1.0.255
     * attr 02, access present 01, selector 02 (entry-descriptor), then the 18-byte Data of
     * test_entry() for entries 1..10, all columns: 02 04 | 06 00000001 | 06 0000000A |
     * 12 0001 | 12 0000. 4 + 10 + (9 + 2 + 18) = 43 bytes. */
    static const uint8_t k_entry[] = {0x02, 0x04, 0x06, 0x00, 0x00, 0x00, 0x01, 0x06, 0x00,
                                      0x00, 0x00, 0x0A, 0x12, 0x00, 0x01, 0x12, 0x00, 0x00};
    static const uint8_t k_get_list_sel[] = {
        0xC0, 0x03, 0x81, 0x02, 0x00, 0x03, 0x01, 0x00, 0x01, 0x08, 0x00, 0xFF, 0x02, 0x00, 0x00,
        0x07, 0x01, 0x00, 0x63, 0x01, 0x00, 0xFF, 0x02, 0x01, 0x02, 0x02, 0x04, 0x06, 0x00, 0x00,
        0x00, 0x01, 0x06, 0x00, 0x00, 0x00, 0x0A, 0x12, 0x00, 0x01, 0x12, 0x00, 0x00};
    const struct omp_dlms_attr_ref sel[] = {
        {.class_id = 3u, .obis = {{1, 0, 1, 8, 0, 255}}, .attr = 2},
        {.class_id = 7u,
         .obis = {{1, 0, 99, 1, 0, 255}},
         .attr = 2,
         .selector = 2u,
         .access_params = k_entry,
         .access_len = sizeof k_entry},
    };
    const struct get_list_case c2 = {0x81u, sel, 2u};
    check_build(build_get_list, &c2, k_get_list_sel, sizeof k_get_list_sel);
    /* and it decodes as the list it is */
    struct omp_rd rd = omp_rd_init(k_get_list_sel, sizeof k_get_list_sel);
    struct omp_apdu a;
    assert_int_equal(omp_apdu_decode(&rd, &a), OMP_OK);
    assert_int_equal(a.kind, OMP_APDU_GET_REQ_LIST);
    assert_int_equal(a.u.get_req.list.count, 2);

    /* rejected arguments write nothing */
    static const uint8_t k_two_data[] = {0x11, 0x01, 0x11, 0x02};
    struct omp_dlms_attr_ref bad[2] = {two[0], two[1]};
    uint8_t buf[64];
    memset(buf, GUARD, sizeof buf);
    struct omp_wr w = omp_wr_init(buf, sizeof buf);
    bad[1].access_params = k_two_data; /* two Data values */
    bad[1].access_len = sizeof k_two_data;
    assert_int_equal(omp_dlms_client_get_list(&w, 0x81u, bad, 2u), OMP_ERR_ARG);
    bad[1].access_len = 1u; /* a truncated Data value */
    assert_int_equal(omp_dlms_client_get_list(&w, 0x81u, bad, 2u), OMP_ERR_ARG);
    bad[1].access_params = NULL; /* a length without bytes */
    assert_int_equal(omp_dlms_client_get_list(&w, 0x81u, bad, 2u), OMP_ERR_ARG);
    assert_int_equal(omp_dlms_client_get_list(&w, 0x81u, two, 0u), OMP_ERR_ARG);
    assert_int_equal(omp_dlms_client_get_list(&w, 0x81u, two, 65536u), OMP_ERR_ARG);
    assert_int_equal(omp_dlms_client_get_list(&w, 0x81u, NULL, 1u), OMP_ERR_ARG);
    assert_int_equal(omp_dlms_client_get_list(NULL, 0x81u, two, 2u), OMP_ERR_ARG);
    assert_int_equal(omp_wr_len(&w), 0);
    assert_guard(buf, sizeof buf);
}

/* ---- entry descriptor ----------------------------------------------------------------------- */

struct entry_case {
    uint32_t from_entry, to_entry;
    uint16_t from_col, to_col;
};

static omp_err build_entry(struct omp_wr *w, const void *arg)
{
    const struct entry_case *c = arg;
    return omp_dlms_client_entry(w, c->from_entry, c->to_entry, c->from_col, c->to_col);
}

static void test_entry(void **state)
{
    (void)state;
    /* Blue Book IC 7 entry_descriptor ::= structure { from_entry double-long-unsigned, to_entry
     * double-long-unsigned, from_selected_value long-unsigned, to_selected_value long-unsigned }:
     * structure tag 02, 4 elements 04; double-long-unsigned tag 06 + 4 bytes big-endian;
     * long-unsigned tag 12 + 2 bytes. 2 + 5 + 5 + 3 + 3 = 18 bytes. */
    const struct entry_case c1 = {1u, 10u, 1u, 0u}; /* entries 1..10, all columns */
    static const uint8_t want1[] = {0x02, 0x04, 0x06, 0x00, 0x00, 0x00, 0x01, 0x06, 0x00,
                                    0x00, 0x00, 0x0A, 0x12, 0x00, 0x01, 0x12, 0x00, 0x00};
    check_build(build_entry, &c1, want1, sizeof want1);
    const struct entry_case c2 = {0x01020304u, 0u, 2u, 5u}; /* to the last entry, columns 2..5 */
    static const uint8_t want2[] = {0x02, 0x04, 0x06, 0x01, 0x02, 0x03, 0x04, 0x06, 0x00,
                                    0x00, 0x00, 0x00, 0x12, 0x00, 0x02, 0x12, 0x00, 0x05};
    check_build(build_entry, &c2, want2, sizeof want2);
    assert_int_equal(sizeof want1, OMP_DLMS_ENTRY_PARAMS_LEN);

    const struct entry_case bad[] = {
        {0u, 10u, 1u, 0u}, /* entries count from 1 */
        {1u, 10u, 0u, 0u}, /* columns count from 1 */
        {5u, 4u, 1u, 0u},  /* to below from */
        {1u, 0u, 3u, 2u},  /* to_col below from_col */
    };
    uint8_t buf[32];
    memset(buf, GUARD, sizeof buf);
    struct omp_wr w = omp_wr_init(buf, sizeof buf);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(build_entry(&w, &bad[i]), OMP_ERR_ARG);
    }
    assert_int_equal(omp_dlms_client_entry(NULL, 1u, 0u, 1u, 0u), OMP_ERR_ARG);
    assert_int_equal(omp_wr_len(&w), 0);
    assert_guard(buf, sizeof buf);
}

/* ---- HLS pass 3 / pass 4 -------------------------------------------------------------------- */

/* Green Book HLS-GMAC example (Table 43, k_gb_* in dlms_vectors.h): f(StoC) computed by the
 * client, f(CtoS) by the server. */

/* Pass 3 with invoke-id-and-priority C1 (priority high, confirmed, id 1), written by hand from the
 * ASN.1: C3 ACTION-Request, 01 action-request-normal, C1 invoke | Cosem-Method-Descriptor: class
 * 000F (Association LN, 15), instance 00 00 28 00 00 FF (0.0.40.0.0.255), method 01
 * (reply_to_HLS_authentication) | method-invocation-parameters present 01 | Data octet-string
 * 09, length 11 (17), f(StoC). 3 + 2 + 6 + 1 + 1 + 2 + 17 = 32 bytes. */
static const uint8_t k_hls_pass3[] = {
    0xC3, 0x01, 0xC1, 0x00, 0x0F, 0x00, 0x00, 0x28, 0x00, 0x00, 0xFF, 0x01, 0x01, 0x09, 0x11, 0x10,
    0x00, 0x00, 0x00, 0x01, 0x1A, 0x52, 0xFE, 0x7D, 0xD3, 0xE7, 0x27, 0x48, 0x97, 0x3C, 0x1E, 0x28};
/* Pass 4: C7 ACTION-Response, 01 action-response-normal, C1 invoke | Action-Result success 00 |
 * return-parameters present 01 | Get-Data-Result CHOICE data 00 | octet-string 09 11 f(CtoS).
 * 8 + 17 = 25 bytes; f(CtoS) starts at offset 8. */
static const uint8_t k_hls_pass4[] = {0xC7, 0x01, 0xC1, 0x00, 0x01, 0x00, 0x09, 0x11, 0x10,
                                      0x01, 0x23, 0x45, 0x67, 0xFE, 0x14, 0x66, 0xAF, 0xB3,
                                      0xDB, 0xCD, 0x4F, 0x93, 0x89, 0xE2, 0xB7};

static omp_err build_hls_reply(struct omp_wr *w, const void *arg)
{
    return omp_dlms_client_hls_reply(w, 0xC1u, arg);
}

static void test_hls_pass3_pass4(void **state)
{
    (void)state;
    assert_int_equal(sizeof k_hls_pass3, OMP_DLMS_HLS_REPLY_LEN);
    check_build(build_hls_reply, k_gb_f_stoc, k_hls_pass3, sizeof k_hls_pass3);
    uint8_t buf[40];
    struct omp_wr w = omp_wr_init(buf, sizeof buf);
    assert_int_equal(omp_dlms_client_hls_reply(&w, 0xC1u, NULL), OMP_ERR_ARG);
    assert_int_equal(omp_dlms_client_hls_reply(NULL, 0xC1u, k_gb_f_stoc), OMP_ERR_ARG);

    struct omp_rd rd = omp_rd_init(k_hls_pass4, sizeof k_hls_pass4);
    struct omp_apdu a;
    assert_int_equal(omp_apdu_decode(&rd, &a), OMP_OK);
    struct omp_apdu_span f = {NULL, 0u};
    assert_int_equal(omp_dlms_client_hls_result(&a, &f), OMP_OK);
    assert_ptr_equal(f.ptr, k_hls_pass4 + 8);
    assert_int_equal(f.len, 17);
    assert_memory_equal(f.ptr, k_gb_f_ctos, 17);

    /* hand-edited answers: refused (result 03 read-write-denied, no data), success without
     * return-parameters, a data-access-result 03 instead of data, data that is unsigned 05 */
    static const uint8_t denied[] = {0xC7, 0x01, 0xC1, 0x03, 0x00};
    static const uint8_t no_ret[] = {0xC7, 0x01, 0xC1, 0x00, 0x00};
    static const uint8_t dar[] = {0xC7, 0x01, 0xC1, 0x00, 0x01, 0x01, 0x03};
    static const uint8_t not_os[] = {0xC7, 0x01, 0xC1, 0x00, 0x01, 0x00, 0x11, 0x05};
    static const uint8_t get_rsp[] = {0xC4, 0x01, 0xC1, 0x00, 0x11, 0x05};
    const struct {
        const uint8_t *in;
        size_t len;
        omp_err want;
    } cases[] = {
        {denied, sizeof denied, OMP_ERR_DENIED},
        {no_ret, sizeof no_ret, OMP_ERR_PROTOCOL},
        {dar, sizeof dar, OMP_ERR_PROTOCOL},
        {not_os, sizeof not_os, OMP_ERR_PROTOCOL},
        {get_rsp, sizeof get_rsp, OMP_ERR_UNEXPECTED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rd = omp_rd_init(cases[i].in, cases[i].len);
        assert_int_equal(omp_apdu_decode(&rd, &a), OMP_OK);
        struct omp_apdu_span g = {k_gb_f_ctos, 3u};
        assert_int_equal(omp_dlms_client_hls_result(&a, &g), cases[i].want);
        assert_ptr_equal(g.ptr, k_gb_f_ctos); /* untouched */
        assert_int_equal(g.len, 3u);
    }
    assert_int_equal(omp_dlms_client_hls_result(NULL, &f), OMP_ERR_ARG);
    assert_int_equal(omp_dlms_client_hls_result(&a, NULL), OMP_ERR_ARG);
}

/* ---- ciphered user-information, plain InitiateRequest --------------------------------------- */

struct init_case {
    uint32_t conformance;
    uint16_t max_pdu;
};

static omp_err build_init(struct omp_wr *w, const void *arg)
{
    const struct init_case *c = arg;
    return omp_dlms_client_initiate_req(w, c->conformance, c->max_pdu);
}

static void test_aarq_user_info(void **state)
{
    (void)state;
    /* The plain InitiateRequest is the user-information contents of the S1 AARQ (offsets 17..30:
     * 01 00 00 00 06 5F1F 04 00 00181D FFFF). */
    const struct init_case i1 = {0x00181Du, 0xFFFFu};
    check_build(build_init, &i1, k_s1_aarq + 17, OMP_DLMS_INITIATE_REQ_LEN);
    uint8_t buf[16];
    struct omp_wr w = omp_wr_init(buf, sizeof buf);
    assert_int_equal(omp_dlms_client_initiate_req(&w, 0x01000000u, 0u), OMP_ERR_ARG);
    assert_int_equal(omp_dlms_client_initiate_req(NULL, 0u, 0u), OMP_ERR_ARG);
    assert_int_equal(omp_wr_len(&w), 0);

    /* HLS-GMAC with opaque user-information: the "AARQ HLS-GMAC" hand vector of tests/test_apdu.c
     * (LN with ciphering …0103 | A6 calling-AP-title "KAM" 00 01A4DC52 | 8A 02 07 80 | 8B …0205 |
     * AC 0A 80 08 01..08 | BE 0B 04 09 <21 07 30 00000001 AABB>): 63 bytes, k_aarq_hls of
     * dlms_vectors.h. */
    static const uint8_t ctos[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    static const uint8_t st[8] = {0x4B, 0x41, 0x4D, 0x00, 0x01, 0xA4, 0xDC, 0x52};
    static const uint8_t glo[9] = {0x21, 0x07, 0x30, 0x00, 0x00, 0x00, 0x01, 0xAA, 0xBB};
    struct omp_dlms_aarq_opts o = {.mechanism = OMP_DLMS_MECH_HLS_GMAC,
                                   .secret = ctos,
                                   .secret_len = sizeof ctos,
                                   .system_title = st,
                                   .conformance = 0x00181Du, /* not used with user_info */
                                   .max_pdu = 0x0400u,
                                   .user_info = glo,
                                   .user_info_len = sizeof glo};
    check_build(build_aarq, &o, k_aarq_hls, sizeof k_aarq_hls);

    /* lowest level with a ciphered InitiateRequest: A1 09 06 07 60857405080103 (11) | A6 0A 04 08
     * <title> (12) | BE 0B 04 09 <glo> (13): body 36 = 0x24, 38 bytes */
    static const uint8_t k_aarq_none[] = {
        0x60, 0x24, 0xA1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x03,
        0xA6, 0x0A, 0x04, 0x08, 0x4B, 0x41, 0x4D, 0x00, 0x01, 0xA4, 0xDC, 0x52, 0xBE,
        0x0B, 0x04, 0x09, 0x21, 0x07, 0x30, 0x00, 0x00, 0x00, 0x01, 0xAA, 0xBB};
    struct omp_dlms_aarq_opts n = {.mechanism = OMP_DLMS_MECH_NONE,
                                   .system_title = st,
                                   .user_info = glo,
                                   .user_info_len = sizeof glo};
    check_build(build_aarq, &n, k_aarq_none, sizeof k_aarq_none);

    /* rejected: user_info without system title, empty user_info, a length without bytes */
    uint8_t big[96];
    memset(big, GUARD, sizeof big);
    w = omp_wr_init(big, sizeof big);
    struct omp_dlms_aarq_opts b = n;
    b.system_title = NULL;
    assert_int_equal(omp_dlms_client_aarq(&w, &b), OMP_ERR_ARG);
    b = n;
    b.user_info_len = 0u;
    assert_int_equal(omp_dlms_client_aarq(&w, &b), OMP_ERR_ARG);
    b = n;
    b.user_info = NULL;
    assert_int_equal(omp_dlms_client_aarq(&w, &b), OMP_ERR_ARG);
    assert_int_equal(omp_wr_len(&w), 0);
    assert_guard(big, sizeof big);
}

/* ---- block reassembly ---------------------------------------------------------------------- */

/* Encode a GET-response-with-datablock and decode it again (spans then point into @p buf). */
static void make_block(uint8_t *buf, size_t cap, uint32_t number, bool last, const uint8_t *raw,
                       size_t raw_len, struct omp_apdu *out)
{
    struct omp_apdu a;
    memset(&a, 0, sizeof a);
    a.kind = OMP_APDU_GET_RSP_BLOCK;
    a.invoke = 0x81u;
    a.u.get_rsp.block.last = last;
    a.u.get_rsp.block.block_number = number;
    a.u.get_rsp.block.is_raw = true;
    a.u.get_rsp.block.raw.ptr = raw;
    a.u.get_rsp.block.raw.len = raw_len;
    struct omp_wr w = omp_wr_init(buf, cap);
    assert_int_equal(omp_apdu_encode(&a, &w), OMP_OK);
    struct omp_rd rd = omp_rd_init(buf, omp_wr_len(&w));
    assert_int_equal(omp_apdu_decode(&rd, out), OMP_OK);
    assert_int_equal(out->kind, OMP_APDU_GET_RSP_BLOCK);
}

/* The S2 profile read: the doc keeps only block 7 (2 rows of 8 columns, 92 bytes). Blocks 1..6 are
 * synthetic: the same 2 rows each, block 1 preceded by the array header 01 0E (14 rows), so the
 * joined value is one array of 14 structures. Then the real block 7 APDU bytes are fed. */
static void test_blocks_s2(void **state)
{
    (void)state;
    const uint8_t *rows = k_s2_block + 12;
    const size_t rows_len = 92u;
    uint8_t first[2 + 92];
    first[0] = 0x01;
    first[1] = 0x0E;
    memcpy(first + 2, rows, rows_len);

    uint8_t joined[2 + 7 * 92];
    struct omp_dlms_blocks b;
    omp_dlms_blocks_init(&b, joined, sizeof joined);
    assert_int_equal(b.expected, 1);
    uint8_t enc[128];
    for (uint32_t n = 1; n <= 6; n++) {
        struct omp_apdu a;
        if (n == 1u) {
            make_block(enc, sizeof enc, n, false, first, sizeof first, &a);
        } else {
            make_block(enc, sizeof enc, n, false, rows, rows_len, &a);
        }
        assert_int_equal(omp_dlms_blocks_feed(&b, &a), OMP_OK);
        assert_false(b.done);
        assert_int_equal(b.ack_block, n);
        assert_int_equal(b.expected, n + 1u);
    }
    /* the GET-next after block 6 is the one in the doc */
    uint8_t next[8];
    struct omp_wr w = omp_wr_init(next, sizeof next);
    assert_int_equal(omp_dlms_client_get_next(&w, 0x81u, b.ack_block), OMP_OK);
    assert_memory_equal(next, k_s2_next, sizeof k_s2_next);

    struct omp_rd rd = omp_rd_init(k_s2_block, sizeof k_s2_block);
    struct omp_apdu last;
    assert_int_equal(omp_apdu_decode(&rd, &last), OMP_OK);
    assert_int_equal(omp_dlms_blocks_feed(&b, &last), OMP_OK);
    assert_true(b.done);
    assert_int_equal(b.ack_block, 7);
    assert_int_equal(b.dar, OMP_DAR_SUCCESS);
    assert_int_equal(b.len, sizeof joined);
    assert_memory_equal(joined + sizeof joined - rows_len, rows, rows_len);

    /* the joined bytes are exactly one Data value: an array of 14 structures of 8 */
    struct omp_rd v = omp_rd_init(joined, b.len);
    struct omp_axdr_walker wk;
    omp_axdr_walk_init(&wk);
    struct omp_axdr_event ev;
    size_t rows_seen = 0;
    for (;;) {
        assert_int_equal(omp_axdr_walk(&wk, &v, &ev), OMP_OK);
        if (ev.kind == OMP_AXDR_EV_DONE) {
            break;
        }
        if (ev.kind == OMP_AXDR_EV_ELEM && ev.depth == 0u) {
            assert_int_equal(ev.elem.tag, OMP_AXDR_TAG_ARRAY);
            assert_int_equal(ev.elem.count, 14);
        }
        if (ev.kind == OMP_AXDR_EV_ELEM && ev.depth == 1u) {
            assert_int_equal(ev.elem.tag, OMP_AXDR_TAG_STRUCTURE);
            assert_int_equal(ev.elem.count, 8);
            rows_seen++;
        }
    }
    assert_int_equal(rows_seen, 14);
    assert_int_equal(omp_rd_remaining(&v), 0);

    /* done: any further block is a state error */
    struct omp_dlms_blocks before = b;
    assert_int_equal(omp_dlms_blocks_feed(&b, &last), OMP_ERR_STATE);
    assert_memory_equal(&b, &before, sizeof b);
}

static void test_blocks_real_data(void **state)
{
    (void)state;
    /* a Data value built here: structure { array of 3 double-long-unsigned, visible-string,
     * octet-string(12) date-time, long64 } */
    uint8_t value[96];
    struct omp_wr w = omp_wr_init(value, sizeof value);
    static const uint8_t dt[12] = {0x07, 0xE6, 0x01, 0x11, 0x01, 0x0C,
                                   0x2C, 0x28, 0xFF, 0x80, 0x00, 0x00};
    assert_int_equal(omp_axdr_put_structure(&w, 4u), OMP_OK);
    assert_int_equal(omp_axdr_put_array(&w, 3u), OMP_OK);
    assert_int_equal(omp_axdr_put_u32(&w, 1896u), OMP_OK);
    assert_int_equal(omp_axdr_put_u32(&w, 896u), OMP_OK);
    assert_int_equal(omp_axdr_put_u32(&w, 225u), OMP_OK);
    assert_int_equal(omp_axdr_put_visible(&w, "Kamstrup_V0001", 14u), OMP_OK);
    assert_int_equal(omp_axdr_put_octets(&w, dt, sizeof dt), OMP_OK);
    assert_int_equal(omp_axdr_put_i64(&w, -123456789012LL), OMP_OK);
    const size_t total = omp_wr_len(&w);
    assert_int_equal(total, 2 + 2 + 15 + 16 + 14 + 9);

    /* three blocks, cut inside elements on purpose: [0, 7), [7, 30), [30, total) */
    const size_t cuts[4] = {0, 7, 30, total};
    uint8_t enc[3][80];
    struct omp_apdu blocks[3];
    for (size_t i = 0; i < 3; i++) {
        make_block(enc[i], sizeof enc[i], (uint32_t)(i + 1u), i == 2u, value + cuts[i],
                   cuts[i + 1] - cuts[i], &blocks[i]);
    }

    uint8_t out[sizeof value + 4];
    struct omp_dlms_blocks b;

    /* wrong block number first: PROTOCOL, unchanged */
    omp_dlms_blocks_init(&b, out, sizeof out);
    struct omp_dlms_blocks before = b;
    assert_int_equal(omp_dlms_blocks_feed(&b, &blocks[1]), OMP_ERR_PROTOCOL);
    assert_memory_equal(&b, &before, sizeof b);

    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(omp_dlms_blocks_feed(&b, &blocks[i]), OMP_OK);
        assert_int_equal(b.ack_block, i + 1u);
        assert_int_equal(b.done, i == 2u);
        if (i == 0u) {
            /* a repeated block (the server resent it) is a protocol error */
            before = b;
            assert_int_equal(omp_dlms_blocks_feed(&b, &blocks[0]), OMP_ERR_PROTOCOL);
            assert_memory_equal(&b, &before, sizeof b);
        }
    }
    assert_int_equal(b.len, total);
    assert_memory_equal(out, value, total);
    struct omp_rd rd = omp_rd_init(out, b.len);
    assert_int_equal(omp_axdr_skip(&rd), OMP_OK);
    assert_int_equal(omp_rd_remaining(&rd), 0);

    /* overflow: one byte short, the third block does not fit: NOSPACE, state and bytes unchanged */
    memset(out, GUARD, sizeof out);
    omp_dlms_blocks_init(&b, out, total - 1u);
    assert_int_equal(omp_dlms_blocks_feed(&b, &blocks[0]), OMP_OK);
    assert_int_equal(omp_dlms_blocks_feed(&b, &blocks[1]), OMP_OK);
    before = b;
    assert_int_equal(omp_dlms_blocks_feed(&b, &blocks[2]), OMP_ERR_NOSPACE);
    assert_memory_equal(&b, &before, sizeof b);
    assert_guard(out + cuts[2], sizeof out - cuts[2]);

    /* other APDU kinds */
    omp_dlms_blocks_init(&b, out, sizeof out);
    struct omp_rd r2 = omp_rd_init(k_s1_get, sizeof k_s1_get);
    struct omp_apdu req;
    assert_int_equal(omp_apdu_decode(&r2, &req), OMP_OK);
    before = b;
    assert_int_equal(omp_dlms_blocks_feed(&b, &req), OMP_ERR_PROTOCOL);
    assert_memory_equal(&b, &before, sizeof b);
    assert_int_equal(omp_dlms_blocks_feed(NULL, &req), OMP_ERR_ARG);
    assert_int_equal(omp_dlms_blocks_feed(&b, NULL), OMP_ERR_ARG);
}

static void test_blocks_dar_and_normal(void **state)
{
    (void)state;
    uint8_t out[16];
    struct omp_dlms_blocks b;
    /* block 1 carrying data-access-result long-get-aborted (15) */
    static const uint8_t dar_blk[] = {0xC4, 0x02, 0x81, 0x01, 0x00, 0x00, 0x00, 0x01, 0x01, 0x0F};
    struct omp_rd rd = omp_rd_init(dar_blk, sizeof dar_blk);
    struct omp_apdu a;
    assert_int_equal(omp_apdu_decode(&rd, &a), OMP_OK);
    omp_dlms_blocks_init(&b, out, sizeof out);
    assert_int_equal(omp_dlms_blocks_feed(&b, &a), OMP_ERR_DENIED);
    assert_int_equal(b.dar, OMP_DAR_LONG_GET_ABORTED);
    assert_true(b.done);
    assert_int_equal(b.len, 0);

    /* a normal response (S1 meter number) is the whole answer */
    rd = omp_rd_init(k_s1_rsp, sizeof k_s1_rsp);
    assert_int_equal(omp_apdu_decode(&rd, &a), OMP_OK);
    omp_dlms_blocks_init(&b, out, sizeof out);
    assert_int_equal(omp_dlms_blocks_feed(&b, &a), OMP_OK);
    assert_true(b.done);
    assert_int_equal(b.len, 5);
    assert_memory_equal(out, k_s1_rsp + 4, 5);
}

/* ---- push iterator ------------------------------------------------------------------------- */

static void test_push_no_list1(void **state)
{
    (void)state;
    uint8_t llc[256];
    size_t n = from_hex(k_no_list1_hex, llc, sizeof llc);
    const uint8_t *apdu = llc + 3; /* after E6 E7 00 */
    struct omp_rd rd = omp_rd_init(apdu, n - 3u);
    struct omp_apdu a;
    assert_int_equal(omp_apdu_decode(&rd, &a), OMP_OK);
    assert_int_equal(a.kind, OMP_APDU_DATA_NOTIFICATION);
    assert_ptr_equal(a.u.notify.body.ptr, apdu + NO_LIST1_BODY_OFFSET);
    assert_int_equal(a.u.notify.body.len, n - 3u - NO_LIST1_BODY_OFFSET);

    struct omp_dlms_push_iter it;
    assert_int_equal(omp_dlms_push_init(&it, a.u.notify.body.ptr, a.u.notify.body.len), OMP_OK);
    assert_true(it.has_list_id);
    assert_int_equal(it.list_id.len, 14);
    assert_memory_equal(it.list_id.ptr, "Kamstrup_V0001", 14);

    static const struct {
        uint8_t obis[6];
        uint8_t tag;
        uint64_t u;        /* numeric values */
        const char *str;   /* visible-strings */
    } want[] = {
        {{1, 1, 0, 0, 5, 255}, OMP_AXDR_TAG_VISIBLE_STRING, 0, "5705705705705702"},
        {{1, 1, 96, 1, 1, 255}, OMP_AXDR_TAG_VISIBLE_STRING, 0, "6861111BN242101040"},
        {{1, 1, 1, 7, 0, 255}, OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED, 1896, NULL}, /* P14 */
        {{1, 1, 2, 7, 0, 255}, OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED, 0, NULL},    /* P23 */
        {{1, 1, 3, 7, 0, 255}, OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED, 0, NULL},    /* Q12 */
        {{1, 1, 4, 7, 0, 255}, OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED, 493, NULL},  /* Q34 */
        {{1, 1, 31, 7, 0, 255}, OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED, 896, NULL}, /* IL1 */
        {{1, 1, 32, 7, 0, 255}, OMP_AXDR_TAG_LONG_UNSIGNED, 225, NULL},        /* UL1 */
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        struct omp_obis o;
        struct omp_axdr_elem v;
        assert_int_equal(omp_dlms_push_next(&it, &o, &v), OMP_OK);
        assert_memory_equal(o.v, want[i].obis, 6);
        assert_int_equal(v.tag, want[i].tag);
        if (want[i].str != NULL) {
            assert_int_equal(v.len, strlen(want[i].str));
            assert_memory_equal(v.data, want[i].str, v.len);
        } else {
            assert_int_equal(v.v.u, want[i].u);
        }
        assert_ptr_equal(it.value_raw.ptr + it.value_raw.len, it.rd.buf + it.rd.pos);
    }
    /* the 8 null-data placeholders (4 after IL1, 4 after UL1) were skipped; nothing is left */
    struct omp_obis o;
    struct omp_axdr_elem v;
    assert_int_equal(it.left, 4);
    assert_int_equal(omp_dlms_push_next(&it, &o, &v), OMP_ERR_NOT_FOUND);
    assert_int_equal(it.left, 0);
    assert_int_equal(omp_rd_remaining(&it.rd), 0);
    struct omp_dlms_push_iter before = it;
    assert_int_equal(omp_dlms_push_next(&it, &o, &v), OMP_ERR_NOT_FOUND);
    assert_memory_equal(&it, &before, sizeof it);

    /* every truncation of the body is an error, never a wrong pair */
    for (size_t cut = 0; cut < a.u.notify.body.len; cut++) {
        struct omp_dlms_push_iter t;
        omp_err err = omp_dlms_push_init(&t, a.u.notify.body.ptr, cut);
        while (err == OMP_OK) {
            err = omp_dlms_push_next(&t, &o, &v);
        }
        assert_int_not_equal(err, OMP_ERR_NOT_FOUND);
    }
}

static void test_push_shapes(void **state)
{
    (void)state;
    /* no list id; a structure value; an odd element count (OBIS without value) at the end */
    static const uint8_t body[] = {0x02, 0x05, 0x09, 0x06, 0x00, 0x00, 0x01, 0x00, 0x00, 0xFF,
                                   0x02, 0x02, 0x11, 0x01, 0x11, 0x02, 0x00, 0x00,
                                   0x09, 0x06, 0x01, 0x01, 0x01, 0x07, 0x00, 0xFF};
    struct omp_dlms_push_iter it;
    assert_int_equal(omp_dlms_push_init(&it, body, sizeof body), OMP_OK);
    assert_false(it.has_list_id);
    struct omp_obis o;
    struct omp_axdr_elem v;
    assert_int_equal(omp_dlms_push_next(&it, &o, &v), OMP_OK);
    assert_int_equal(v.tag, OMP_AXDR_TAG_STRUCTURE);
    assert_int_equal(it.value_raw.len, 6);
    assert_ptr_equal(it.value_raw.ptr, body + 10);
    struct omp_dlms_push_iter before = it;
    assert_int_equal(omp_dlms_push_next(&it, &o, &v), OMP_ERR_MALFORMED);
    assert_memory_equal(&it, &before, sizeof it);

    /* OBIS position holds something else; null followed by a non-null value */
    static const uint8_t bad1[] = {0x02, 0x02, 0x11, 0x01, 0x11, 0x02};
    assert_int_equal(omp_dlms_push_init(&it, bad1, sizeof bad1), OMP_OK);
    assert_int_equal(omp_dlms_push_next(&it, &o, &v), OMP_ERR_MALFORMED);
    static const uint8_t bad2[] = {0x02, 0x02, 0x00, 0x11, 0x02};
    assert_int_equal(omp_dlms_push_init(&it, bad2, sizeof bad2), OMP_OK);
    assert_int_equal(omp_dlms_push_next(&it, &o, &v), OMP_ERR_MALFORMED);
    static const uint8_t not_struct[] = {0x11, 0x01};
    assert_int_equal(omp_dlms_push_init(&it, not_struct, sizeof not_struct), OMP_ERR_MALFORMED);
    assert_int_equal(omp_dlms_push_init(NULL, body, sizeof body), OMP_ERR_ARG);
    assert_int_equal(omp_dlms_push_next(&it, NULL, &v), OMP_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aarq_s1_s2),
        cmocka_unit_test(test_aarq_hls_and_args),
        cmocka_unit_test(test_aare),
        cmocka_unit_test(test_get_s1_next_s2),
        cmocka_unit_test(test_range_s2),
        cmocka_unit_test(test_get_list),
        cmocka_unit_test(test_entry),
        cmocka_unit_test(test_hls_pass3_pass4),
        cmocka_unit_test(test_aarq_user_info),
        cmocka_unit_test(test_blocks_s2),
        cmocka_unit_test(test_blocks_real_data),
        cmocka_unit_test(test_blocks_dar_and_normal),
        cmocka_unit_test(test_push_no_list1),
        cmocka_unit_test(test_push_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

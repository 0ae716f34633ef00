/*
 * SET and ACTION of the DLMS server (dlms_server.h, docs/dlms-server.md "SET and ACTION") on the
 * data dictionary, with hand-encoded APDUs. The source is tests/dlms_src.h's (clock 2024-01-15
 * 12:00:00 UTC, CET with EU DST) with write ops that record what they were asked and answer
 * what the test sets, so a test sees where a write went and that a refused one went nowhere.
 *
 * Encodings (Green Book 7th ed. xDLMS ASN.1, A-XDR):
 *   SET-request-normal        C1 01 invoke | class(2) obis(6) attr(1) | access 00 | Data
 *   SET-response-normal       C5 01 invoke dar
 *   SET-request-with-list     C1 04 invoke n {class obis attr 00}*n  n {Data}*n
 *   SET-response-with-list    C5 05 invoke n {dar}*n
 *   SET-request-first-block   C1 02 invoke | descriptor | 00 | last(1) block-number(4) raw
 *   SET-request-with-block    C1 03 invoke | last(1) block-number(4) raw (octet-string: length,
 *                             bytes)
 *   SET-response-datablock    C5 02 invoke block-number(4)
 *   SET-response-last-block   C5 03 invoke dar block-number(4)
 *   ACTION-request-normal     C3 01 invoke | class(2) obis(6) method(1) | params 00 or 01 Data
 *   ACTION-response-normal    C7 01 invoke result | return-parameters 00 (absent)
 *   ACTION-request-with-list  C3 03 invoke n {class obis method}*n  n {Data}*n
 *   ACTION-response-with-list C7 03 invoke n {result 00}*n
 *   ACTION-request-first-pblock C3 04 invoke | method descriptor | last block-number raw
 *   ACTION-request-with-pblock  C3 06 invoke | last block-number raw
 *   ACTION-response-next-pblock C7 04 invoke block-number(4)
 * data-access-result: 0 success, 1 hardware-fault, 3 read-write-denied, 4 object-undefined,
 * 9 object-class-inconsistent, 0B object-unavailable, 0C type-unmatched, 0D scope-of-access-
 * violated, 11 long-set-aborted, 12 no-long-set-in-progress, 13 data-block-number-invalid,
 * FA other-reason; action-result the same codes (0F long-action-aborted, 10 no-long-action).
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
static uint8_t g_rsp[2048];

/* What the ops were asked, and what they answer. */
static struct {
    unsigned clock_calls, tariff_calls, optical_calls, secret_calls, hdlc_calls, custom_calls,
        stop_calls, param_calls;
    struct omp_cosem_custom custom;
    uint8_t hdlc_attr;
    uint16_t hdlc_value;
    omp_time_s utc;
    uint8_t tariff, setting;
    uint32_t value;
    uint8_t secret[OMP_DLMS_LLS_SECRET_MAX];
    size_t secret_len;
    omp_err answer;
} g_ops;

static omp_err op_clock(void *user, omp_time_s utc)
{
    (void)user;
    g_ops.clock_calls++;
    g_ops.utc = utc;
    return g_ops.answer;
}

static omp_err op_tariff(void *user, uint8_t t)
{
    (void)user;
    g_ops.tariff_calls++;
    g_ops.tariff = t;
    return g_ops.answer;
}

static omp_err op_optical(void *user, uint8_t k, uint32_t v)
{
    (void)user;
    g_ops.optical_calls++;
    g_ops.setting = k;
    g_ops.value = v;
    return g_ops.answer;
}

static omp_err op_secret(void *user, const uint8_t *s, size_t n)
{
    (void)user;
    g_ops.secret_calls++;
    memcpy(g_ops.secret, s, n);
    g_ops.secret_len = n;
    return g_ops.answer;
}

static omp_err op_hdlc(void *user, uint8_t attr, uint16_t v)
{
    (void)user;
    g_ops.hdlc_calls++;
    g_ops.hdlc_attr = attr;
    g_ops.hdlc_value = v;
    return g_ops.answer;
}

static omp_err op_custom(void *user, const struct omp_cosem_custom *c)
{
    (void)user;
    g_ops.custom_calls++;
    g_ops.custom = *c;
    return g_ops.answer;
}

static omp_err op_stop(void *user)
{
    (void)user;
    g_ops.stop_calls++;
    return g_ops.answer;
}

static omp_err op_param(void *user, uint8_t k, uint32_t v)
{
    (void)user;
    g_ops.param_calls++;
    g_ops.setting = k;
    g_ops.value = v;
    return g_ops.answer;
}

static const struct omp_cosem_ops k_ops = {op_clock, op_tariff, op_optical, op_secret, NULL,
                                           op_hdlc,  op_custom, op_stop,    op_param};

#define AARQ_PUBLIC "601DA109060760857405080101BE10040E01000000065F1F040000181DFFFF"
/* S2's LLS AARQ (password "12345", proposed conformance 00FE1F, max PDU FFFF) */
#define AARQ_LLS                                                                                   \
    "6033A1090607608574050801018A0207808B0760857405080201AC0780053132333435BE10040E01000000065F1F" \
    "040000FE1FFFFF"
/* the same proposing only get, set, selective access, action and block-transfer-with-get
 * (00101D): no multiple references, no block transfer with SET or ACTION */
#define AARQ_LLS_NARROW                                                                            \
    "6033A1090607608574050801018A0207808B0760857405080201AC0780053132333435BE10040E01000000065F1F" \
    "0400001 01DFFFF"

static int setup(void **state)
{
    (void)state;
    dlms_src_fill(&g_state, &g_src);
    g_src.ops = &k_ops;
    memset(&g_ops, 0, sizeof g_ops);
    g_ops.answer = OMP_OK;
    assert_int_equal(omp_evq_init(&g_evq), OMP_OK);
    g_env.src = &g_src;
    g_env.events = &g_evq;
    struct omp_dlms_server_cfg c;
    omp_dlms_server_cfg_default(&c);
    c.max_pdu = 0x7Du; /* the K351C's, as test_dlms_server */
    assert_int_equal(omp_dlms_server_init(&g_srv, &c), OMP_OK);
    return 0;
}

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

static size_t ask(uint16_t client, uint16_t server, const char *hex)
{
    uint8_t req[512];
    size_t n = unhex_sp(hex, req, sizeof req);
    struct omp_wr w = omp_wr_init(g_rsp, sizeof g_rsp);
    assert_int_equal(omp_dlms_server_apdu(&g_srv, &g_env, client, server, req, n, &w), OMP_OK);
    return omp_wr_len(&w);
}

/* The answer to @p req must be @p rsp; a mismatch names the caller's line. */
static void expect_at(int line, uint16_t client, uint16_t server, const char *req, const char *rsp)
{
    uint8_t want[512];
    size_t n = unhex_sp(rsp, want, sizeof want);
    size_t got = ask(client, server, req);
    if (got != n || memcmp(g_rsp, want, n) != 0) {
        print_message("line %d: answer of %zu bytes:", line, got);
        for (size_t k = 0; k < got; k++) {
            print_message(" %02X", g_rsp[k]);
        }
        print_message("\n");
    }
    assert_int_equal(got, n);
    assert_memory_equal(g_rsp, want, n);
}
#define expect(c, s, q, r) expect_at(__LINE__, c, s, q, r)

/* An AARQ of LLS client @p client: the association's bit afterwards (0: refused). */
static unsigned associate(uint16_t client, const char *aarq)
{
    size_t n = ask(client, 16u, aarq);
    assert_true(n > 17u && g_rsp[0] == 0x61u);
    return omp_dlms_server_assoc(&g_srv);
}

static void lls(uint16_t client)
{
    assert_int_not_equal(associate(client, AARQ_LLS), 0u);
}

/* The clock 0.1.1.0.0.255 (class 8) attribute 2 descriptor, and 2024-01-15 13:30:00 local
 * (Monday: day of week 1), hundredths not specified (FF), as octet-string(12) 09 0C:
 * 07E8 01 0F 01 | 0D 1E 00 FF | deviation | status. CET in January: UTC 12:30:00 =
 * 1705320000 + 1800 = 1705321800. */
#define CLOCK2   "0008 0001010000FF 02"
#define T_1330   "090C 07E8010F01 0D1E00FF"
#define UTC_1230 ((omp_time_s)1705321800)

static void test_clock_set(void **state)
{
    (void)state;
    lls(18u);
    /* deviation not specified (8000), status 00 (not DST): local time of the meter's zone */
    expect(18u, 16u, "C101C1 " CLOCK2 " 00 " T_1330 " 8000 00", "C501C100");
    assert_int_equal(g_ops.clock_calls, 1u);
    assert_int_equal(g_ops.utc, UTC_1230);
    /* deviation -60 (FFC4: UTC = local + deviation), status 00: the same instant */
    expect(18u, 16u, "C101C1 " CLOCK2 " 00 " T_1330 " FFC4 00", "C501C100");
    assert_int_equal(g_ops.utc, UTC_1230);
    /* status not specified (FF) and no deviation: by the DST rule (winter: CET) */
    expect(18u, 16u, "C101C1 " CLOCK2 " 00 " T_1330 " 8000 FF", "C501C100");
    assert_int_equal(g_ops.utc, UTC_1230);
    /* as a date-time (tag 19) rather than an octet-string: taken too */
    expect(18u, 16u, "C101C1 " CLOCK2 " 00 19 07E8010F01 0D1E00FF 8000 00", "C501C100");
    assert_int_equal(g_ops.clock_calls, 4u);
    /* summer: 2024-07-15 (Monday) 14:00:00 with status 80 (DST): UTC = 14:00 - 1 h - 1 h =
     * 12:00:00, 1721044800 */
    expect(18u, 16u, "C101C1 " CLOCK2 " 00 090C 07E8070F01 0E0000FF 8000 80", "C501C100");
    assert_int_equal(g_ops.utc, (omp_time_s)1721044800);
    assert_int_equal(g_ops.clock_calls, 5u);
    /* technical facts 11.6: bit 7 must say whether the time is in DST. DST bit in January, or
     * no DST bit in July: other-reason (FA), the clock is not touched */
    expect(18u, 16u, "C101C1 " CLOCK2 " 00 " T_1330 " 8000 80", "C501C1FA");
    expect(18u, 16u, "C101C1 " CLOCK2 " 00 090C 07E8070F01 0E0000FF 8000 00", "C501C1FA");
    /* an hour not specified (FF): no instant to set, other-reason */
    expect(18u, 16u, "C101C1 " CLOCK2 " 00 090C 07E8010F01 FF1E00FF 8000 00", "C501C1FA");
    /* the wrong type: long-unsigned 5, or an octet-string of 11: type-unmatched (0C) */
    expect(18u, 16u, "C101C1 " CLOCK2 " 00 120005", "C501C10C");
    expect(18u, 16u, "C101C1 " CLOCK2 " 00 090B 07E8010F01 0D1E00FF 8000", "C501C10C");
    assert_int_equal(g_ops.clock_calls, 5u);
    /* the clock's service refuses (an RTC failure): hardware-fault (01) */
    g_ops.answer = OMP_ERR_HAL;
    expect(18u, 16u, "C101C1 " CLOCK2 " 00 " T_1330 " 8000 00", "C501C101");
    /* status (4), DST deviation (7), clock_base (9): read-only: read-write-denied (03);
     * attribute 10: not the class's, object-undefined (04); class 1 asked: inconsistent (09) */
    expect(18u, 16u, "C101C1 0008 0001010000FF 04 00 1100", "C501C103");
    expect(18u, 16u, "C101C1 0008 0001010000FF 07 00 0F3C", "C501C103");
    expect(18u, 16u, "C101C1 0008 0001010000FF 0A 00 1100", "C501C104");
    expect(18u, 16u, "C101C1 0001 0001010000FF 02 00 " T_1330 " 8000 00", "C501C109");
    /* logical name (attribute 1): never written */
    expect(18u, 16u, "C101C1 0008 0001010000FF 01 00 0906 0001010000FF", "C501C103");
    /* a selective access on SET: other-reason */
    expect(18u, 16u, "C101C1 " CLOCK2 " 01 01 0600000001 " T_1330 " 8000 00", "C501C1FA");
    assert_int_equal(g_ops.clock_calls, 6u);
}

/* Legal data (energies, identity, maxima): read-write-denied for every association, nothing
 * reaches an op and the value read back is the one before. */
static void test_legal_refused(void **state)
{
    (void)state;
    for (uint16_t client = 18u; client <= 20u; client++) {
        lls(client);
        /* A+ total 1.1.1.8.0.255 (class 3) attr 2 := 0; scaler_unit (3) := {0, Wh} */
        expect(client, 16u, "C101C1 0003 0101010800FF 02 00 0600000000", "C501C103");
        expect(client, 16u, "C101C1 0003 0101010800FF 03 00 02020F00161E", "C501C103");
        /* MeterNo1 1.1.0.0.1.255 (RW in 11.3, the serial number here: fixed), type number */
        expect(client, 16u, "C101C1 0001 0101000001FF 02 00 0600000001", "C501C103");
        expect(client, 16u, "C101C1 0001 0101600101FF 02 00 0A0141", "C501C103");
        /* and A+ reads what it did: 1234567 Wh */
        expect(client, 16u, "C001C1000301010108 00FF0200", "C401C100060012D687");
    }
    assert_int_equal(g_ops.clock_calls + g_ops.tariff_calls + g_ops.optical_calls, 0u);
    assert_int_equal(g_state.regs.e.total.a_plus_uwh, 1234567891234u);
    /* an object that does not exist: object-undefined */
    expect(20u, 16u, "C101C1 0001 0101636363FF 02 00 1100", "C501C104");
}

/* Who writes what: ActualTariff 1.1.129.0.0.255 (11.3 RW: every LLS association); the optical
 * port's settings 1.1.131.0.x.255 from the optical association only, so from the module port it
 * is a right of another association: scope-of-access-violated (0D). */
static void test_rights_and_ops(void **state)
{
    (void)state;
    lls(18u);
    expect(18u, 16u, "C101C1 0001 010181000 0FF 02 00 1103", "C501C100");
    assert_int_equal(g_ops.tariff_calls, 1u);
    assert_int_equal(g_ops.tariff, 3u);
    /* 9: the clock service says out of range (its tariffs: 1..8): other-reason; long-unsigned
     * 3: type-unmatched, the service not asked */
    g_ops.answer = OMP_ERR_RANGE;
    expect(18u, 16u, "C101C1 0001 0101810000FF 02 00 1109", "C501C1FA");
    expect(18u, 16u, "C101C1 0001 0101810000FF 02 00 120003", "C501C10C");
    assert_int_equal(g_ops.tariff_calls, 2u);
    /* the service says it has no such thing in this configuration: object-unavailable (0B) */
    g_ops.answer = OMP_ERR_UNSUPPORTED;
    expect(18u, 16u, "C101C1 0001 0101810000FF 02 00 1102", "C501C10B");
    g_ops.answer = OMP_OK;
    assert_int_equal(g_ops.tariff_calls, 3u);
    /* 131.0.3 User Data (unsigned): from client 18 scope-of-access-violated, from 19 written */
    expect(18u, 16u, "C101C1 0001 010183000 3FF 02 00 1100", "C501C10D");
    assert_int_equal(g_ops.optical_calls, 0u);
    lls(19u);
    expect(19u, 16u, "C101C1 0001 0101830003FF 02 00 1100", "C501C100");
    assert_int_equal(g_ops.optical_calls, 1u);
    assert_int_equal(g_ops.setting, (uint8_t)OMP_OPT_USER_DATA);
    assert_int_equal(g_ops.value, 0u);
    /* a measured value (MeterStatus, R): read-write-denied */
    expect(19u, 16u, "C101C1 0001 0101616100FF 02 00 1100", "C501C103");
    /* without ops (a source that cannot write): read-write-denied */
    g_src.ops = NULL;
    expect(19u, 16u, "C101C1 0001 0101810000FF 02 00 1102", "C501C103");
}

/* The public association negotiated GET only (technical facts 11.1): SET and ACTION are a
 * service it did not negotiate, refused as one (EXCEPTION-response service-not-allowed (1),
 * service-not-supported (2)), before any object is looked at; nothing changes. */
static void test_public_refused(void **state)
{
    (void)state;
    (void)ask(16u, 1u, AARQ_PUBLIC);
    assert_int_equal(omp_dlms_server_assoc(&g_srv), OMP_ASSOC_PUBLIC);
    expect(16u, 1u, "C101C1 " CLOCK2 " 00 " T_1330 " 8000 00", "D80102");
    expect(16u, 1u, "C101C1 000F 0000280000FF 07 00 0903414243", "D80102");
    expect(16u, 1u, "C301C1 0008 0001010000FF 01 00", "D80102");
    assert_int_equal(g_ops.clock_calls + g_ops.secret_calls, 0u);
    /* the clock still reads what it did */
    expect(16u, 1u, "C001C1 " CLOCK2 " 00", "C401C100 090C 07E8010F01 0D0000FF FFC4 00");
}

/* Association LN attribute 7, the LLS secret (technical facts 11.3: W; octet-string): written
 * through the source's op; the next association takes the new password, the old one fails.
 * It is never readable; 4, 5, 6 are. AARQs: S2's with the calling-authentication-value
 * AC len 80 n <password>, the AARQ's length 0x33 - 5 + n. */
static void aarq_with(const char *pw_hex, char *out, size_t cap)
{
    size_t n = strlen(pw_hex) / 2u;
    char head[16], ac[16];
    snprintf(head, sizeof head, "60%02X", (unsigned)(0x33u - 5u + n));
    snprintf(ac, sizeof ac, "AC%02X80%02X", (unsigned)(n + 2u), (unsigned)n);
    snprintf(out, cap,
             "%sA1090607608574050801018A0207808B0760857405080201%s%s"
             "BE10040E01000000065F1F040000FE1FFFFF",
             head, ac, pw_hex);
}

static void test_lls_secret(void **state)
{
    (void)state;
    char aarq_new[256], aarq_old[256];
    aarq_with("616263646566", aarq_new, sizeof aarq_new); /* "abcdef" */
    aarq_with("3132333435", aarq_old, sizeof aarq_old);   /* "12345" */
    assert_string_equal(aarq_old, AARQ_LLS);
    lls(18u);
    /* read: never (read-write-denied) */
    expect(18u, 16u, "C001C1 000F 0000280000FF 07 00", "C401C10103");
    /* the wrong type (visible-string), empty, 17 bytes: type-unmatched, other-reason */
    expect(18u, 16u, "C101C1 000F 0000280000FF 07 00 0A03414243", "C501C10C");
    expect(18u, 16u, "C101C1 000F 0000280000FF 07 00 0900", "C501C1FA");
    expect(18u, 16u, "C101C1 000F 0000280000FF 07 00 0911 3132333435363738393031323334353637",
           "C501C1FA");
    /* other attributes: 3 read-only (03), 10 (version 2's, denied as for GET: 03), 12 none
     * (04), class 1 asked (09) */
    expect(18u, 16u, "C101C1 000F 0000280000FF 03 00 0202 0F12 120010", "C501C103");
    expect(18u, 16u, "C101C1 000F 0000280000FF 0A 00 0900", "C501C103");
    expect(18u, 16u, "C101C1 000F 0000280000FF 0C 00 0900", "C501C104");
    expect(18u, 16u, "C101C1 0001 0000280000FF 07 00 0906616263646566", "C501C109");
    /* the op failing (NVM): hardware-fault, the password unchanged */
    g_ops.answer = OMP_ERR_NVM_WORN;
    expect(18u, 16u, "C101C1 000F 0000280000FF 07 00 0906616263646566", "C501C101");
    g_ops.answer = OMP_OK;
    assert_int_equal(associate(19u, aarq_new), 0u);
    lls(18u);
    expect(18u, 16u, "C101C1 000F 0000280000FF 07 00 0906616263646566", "C501C100");
    assert_int_equal(g_ops.secret_calls, 2u);
    assert_int_equal(g_ops.secret_len, 6u);
    assert_memory_equal(g_ops.secret, "abcdef", 6u);
    /* the association goes on; the next ones take the new password only */
    expect(18u, 16u, "C001C1000301010108 00FF0200", "C401C100060012D687");
    expect(18u, 16u, "6203800100", "6303800100");
    assert_int_equal(associate(19u, aarq_old), 0u);
    assert_int_equal(associate(20u, aarq_new), OMP_ASSOC_LLS_CCC);
    /* without a place to keep it (no op): read-write-denied */
    g_src.ops = NULL;
    expect(20u, 16u, "C101C1 000F 0000280000FF 07 00 0903414243", "C501C103");
}

/* Association LN 4 application_context_name {2, 16, 756, 5, 8, 1, 1}: structure(7) of unsigned
 * (11) and country-name long-unsigned (12) 02F4; 6 authentication_mechanism_name {..., 2, 1}
 * (LLS), 0 for the public association; 5 xDLMS_context_info {bit-string(24) 04 18 001E1D (the
 * negotiated conformance: test_dlms_server's AARE_LLS), max receive 007D (the server's), max
 * send 007D (min of the client's FFFF and 007D), version 6, QoS integer 0, cyphering_info
 * empty octet-string}. */
static void test_assoc_ln_attrs(void **state)
{
    (void)state;
    lls(18u);
    expect(18u, 16u, "C001C1000F0000280000FF0400",
           "C401C100 0207 1102 1110 1202F4 1105 1108 1101 1101");
    expect(18u, 16u, "C001C1000F0000280000FF0600",
           "C401C100 0207 1102 1110 1202F4 1105 1108 1102 1101");
    expect(18u, 16u, "C001C1000F0000280000FF0500",
           "C401C100 0206 0418001E1D 12007D 12007D 1106 0F00 0900");
    (void)ask(16u, 1u, AARQ_PUBLIC);
    expect(16u, 1u, "C001C1000F0000280000FF0600",
           "C401C100 0207 1102 1110 1202F4 1105 1108 1102 1100");
    expect(16u, 1u, "C001C1000F0000280000FF0700", "C401C10103");
}

/* SET-request-with-list: each pair on its own, one dar each, in order. */
static void test_set_list(void **state)
{
    (void)state;
    lls(18u);
    /* clock := 13:30 (success), A+ := 0 (denied), 1.1.99.99.99.255 (undefined) */
    expect(18u, 16u,
           "C104C1 03 " CLOCK2 " 00  0003 0101010800FF 02 00  0001 0101636363FF 02 00"
           " 03 " T_1330 " 8000 00  0600000000  1100",
           "C505C1 03 00 03 04");
    assert_int_equal(g_ops.clock_calls, 1u);
    /* two descriptors, one value: not a request (service-not-allowed, other-reason) */
    expect(18u, 16u, "C104C1 02 " CLOCK2 " 00 " CLOCK2 " 00 01 " T_1330 " 8000 00", "D80103");
    /* without multiple references negotiated: service-not-supported */
    assert_int_not_equal(associate(18u, AARQ_LLS_NARROW), 0u);
    expect(18u, 16u, "C104C1 01 " CLOCK2 " 00 01 " T_1330 " 8000 00", "D80102");
}

/* SET with block transfer (service-specific, DataBlock-SA): the clock value of 14 bytes in two
 * blocks of 7: 090C07E8010F01 and 0D1E00FF800000. */
#define FIRST_BLK(last, n, raw) "C102C1 " CLOCK2 " 00 " last " " n " " raw
#define NEXT_BLK(last, n, raw)  "C103C1 " last " " n " " raw

static void test_set_blocks(void **state)
{
    (void)state;
    lls(18u);
    expect(18u, 16u, FIRST_BLK("00", "00000001", "07 090C07E8010F01"), "C502C1 00000001");
    assert_int_equal(g_ops.clock_calls, 0u);
    expect(18u, 16u, NEXT_BLK("01", "00000002", "07 0D1E00FF800000"), "C503C1 00 00000002");
    assert_int_equal(g_ops.clock_calls, 1u);
    assert_int_equal(g_ops.utc, UTC_1230);
    /* a block with no transfer running: no-long-set-in-progress (12) */
    expect(18u, 16u, NEXT_BLK("01", "00000003", "07 0D1E00FF800000"), "C503C1 12 00000003");
    /* the wrong block number aborts: long-set-aborted (11); the transfer is gone after */
    expect(18u, 16u, FIRST_BLK("00", "00000001", "07 090C07E8010F01"), "C502C1 00000001");
    expect(18u, 16u, NEXT_BLK("01", "00000003", "07 0D1E00FF800000"), "C503C1 11 00000003");
    expect(18u, 16u, NEXT_BLK("01", "00000002", "07 0D1E00FF800000"), "C503C1 12 00000002");
    /* a first block numbered 2: data-block-number-invalid (13) */
    expect(18u, 16u, FIRST_BLK("00", "00000002", "07 090C07E8010F01"), "C503C1 13 00000002");
    /* a value longer than any writable attribute's (21 bytes > 20): long-set-aborted */
    expect(18u, 16u, FIRST_BLK("00", "00000001", "15 090C07E8010F010D1E00FF80000000000000000000"),
           "C503C1 11 00000001");
    /* one block, the last: answered at once; the refusals of a whole value hold (A+: 03) */
    expect(18u, 16u, "C102C1 0003 0101010800FF 02 00 01 00000001 05 0600000000",
           "C503C1 03 00000001");
    /* a GET in the middle ends the transfer */
    expect(18u, 16u, FIRST_BLK("00", "00000001", "07 090C07E8010F01"), "C502C1 00000001");
    expect(18u, 16u, "C001C1000301010108 00FF0200", "C401C100060012D687");
    expect(18u, 16u, NEXT_BLK("01", "00000002", "07 0D1E00FF800000"), "C503C1 12 00000002");
    assert_int_equal(g_ops.clock_calls, 1u);
    /* list with first datablock: not yet, every item other-reason, block number echoed */
    expect(18u, 16u, "C105C1 02 " CLOCK2 " 00 " CLOCK2 " 00 01 00000001 02 0200",
           "C504C1 02 FA FA 00000001");
    /* without block-transfer-with-set negotiated: service-not-supported */
    assert_int_not_equal(associate(18u, AARQ_LLS_NARROW), 0u);
    expect(18u, 16u, FIRST_BLK("00", "00000001", "07 090C07E8010F01"), "D80102");
}

/* ACTION: the OMNIPOWER object list grants no method (11.3, 11.6), so an existing method is
 * read-write-denied (03), one the class does not have object-undefined (04). */
static void test_action(void **state)
{
    (void)state;
    lls(18u);
    /* clock adjust_to_quarter (1) and shift_time (6, long -30): 03; method 7: 04 */
    expect(18u, 16u, "C301C1 0008 0001010000FF 01 00", "C701C1 03 00");
    expect(18u, 16u, "C301C1 0008 0001010000FF 06 01 10FFE2", "C701C1 03 00");
    expect(18u, 16u, "C301C1 0008 0001010000FF 07 00", "C701C1 04 00");
    /* register reset (class 3 method 1) of A+ (legal): 03; class 1 has no method: 04 */
    expect(18u, 16u, "C301C1 0003 0101010800FF 01 01 0F00", "C701C1 03 00");
    expect(18u, 16u, "C301C1 0001 0101810000FF 01 00", "C701C1 04 00");
    /* no such object: 04; the wrong class: 09 */
    expect(18u, 16u, "C301C1 0001 0101636363FF 01 00", "C701C1 04 00");
    expect(18u, 16u, "C301C1 0003 0001010000FF 01 00", "C701C1 09 00");
    /* Association LN reply_to_HLS_authentication (class 15 method 1) and the security setup's
     * methods (class 64, 0.0.43.0.0.255) from an LLS association: the management association's
     * own (dlms_sec.c), read-write-denied here (03) */
    expect(18u, 16u, "C301C1 000F 0000280000FF 01 01 0904AABBCCDD", "C701C1 03 00");
    expect(18u, 16u, "C301C1 0040 00002B0000FF 01 00", "C701C1 03 00");
    expect(18u, 16u, "C301C1 0040 00002B0000FF 01 01 1603", "C701C1 03 00"); /* security_activate */
    expect(18u, 16u, "C301C1 0001 0000280000FF 01 00", "C701C1 09 00");
    /* with list: one result each */
    expect(18u, 16u, "C303C1 02 0008 0001010000FF 01  0001 0101636363FF 01  02 00 00",
           "C703C1 02 03 00 04 00");
    /* parameters in blocks: the next block is asked for, then the method answered */
    expect(18u, 16u, "C304C1 000F 0000280000FF 01 00 00000001 03 0904AA", "C704C1 00000001");
    expect(18u, 16u, "C306C1 01 00000002 03 BBCCDD", "C701C1 03 00");
    expect(18u, 16u, "C306C1 01 00000003 03 BBCCDD", "C701C1 10 00");
    /* ACTION-request-next-pblock: no answer is sent in blocks, no-long-action-in-progress */
    expect(18u, 16u, "C302C1 00000001", "C701C1 10 00");
    assert_int_equal(g_ops.clock_calls + g_ops.tariff_calls + g_ops.secret_calls, 0u);
    /* without block transfer with ACTION or multiple references negotiated */
    assert_int_not_equal(associate(18u, AARQ_LLS_NARROW), 0u);
    expect(18u, 16u, "C304C1 000F 0000280000FF 01 00 00000001 03 0904AA", "D80102");
    expect(18u, 16u, "C303C1 01 0008 0001010000FF 01 01 00", "D80102");
    expect(18u, 16u, "C301C1 0008 0001010000FF 01 00", "C701C1 03 00");
}

/* IEC HDLC setup 0.0.22.0.0.255 (class 23 v1): attributes 7..9 RW in the LLS and management
 * associations, 3..6 read-only (technical facts 11.2); Blue Book ranges: inter_octet_time_out
 * 20..6000 ms, device_address 0x0010..0x3FFD. Values are long-unsigned (tag 0x12). */
#define HDLC_SETUP "0017 0000160000FF"
static void test_hdlc_setup(void **state)
{
    (void)state;
    lls(19u);
    expect(19u, 16u, "C101C1 " HDLC_SETUP " 07 00 12001E", "C501C100"); /* 30 ms */
    assert_int_equal(g_ops.hdlc_calls, 1u);
    assert_int_equal(g_ops.hdlc_attr, 7u);
    assert_int_equal(g_ops.hdlc_value, 30u);
    expect(19u, 16u, "C101C1 " HDLC_SETUP " 08 00 120000", "C501C100"); /* inactivity off */
    expect(19u, 16u, "C101C1 " HDLC_SETUP " 09 00 123FFD", "C501C100");
    assert_int_equal(g_ops.hdlc_calls, 3u);
    assert_int_equal(g_ops.hdlc_value, 0x3FFDu);
    /* out of range: other-reason (250); the wrong type: type-unmatched (12) */
    expect(19u, 16u, "C101C1 " HDLC_SETUP " 07 00 120013", "C501C1FA"); /* 19 ms */
    expect(19u, 16u, "C101C1 " HDLC_SETUP " 07 00 121771", "C501C1FA"); /* 6001 ms */
    expect(19u, 16u, "C101C1 " HDLC_SETUP " 09 00 12000F", "C501C1FA");
    expect(19u, 16u, "C101C1 " HDLC_SETUP " 09 00 123FFE", "C501C1FA"); /* calling station */
    expect(19u, 16u, "C101C1 " HDLC_SETUP " 07 00 111E", "C501C10C");
    /* 2..6 read-only: read-write-denied (3) */
    expect(19u, 16u, "C101C1 " HDLC_SETUP " 02 00 1605", "C501C103");
    expect(19u, 16u, "C101C1 " HDLC_SETUP " 05 00 120080", "C501C103");
    assert_int_equal(g_ops.hdlc_calls, 3u);
    /* the public association reads it but has no SET (exception service-not-allowed) */
    (void)ask(16u, 1u, AARQ_PUBLIC);
    assert_int_equal(omp_dlms_server_assoc(&g_srv), OMP_ASSOC_PUBLIC);
    expect(16u, 1u, "C101C1 " HDLC_SETUP " 07 00 12001E", "D80102");
    assert_int_equal(g_ops.hdlc_calls, 3u);
}

/* The utility's data (technical facts 11.3: RW in the LLS associations) and ForceBillingStop
 * 1.1.0.1.5.128 (u8, W: 1 = a debiting stop now; technical facts 4.1). */
#define METER_NO2 "0001 0101000002FF 02"
#define METER_NO_LOW "0001 0101000000FF 02"
#define FORCE_STOP "0001 0101000105 80 02"
static void test_custom_and_billing_stop(void **state)
{
    (void)state;
    lls(18u);
    expect(18u, 16u, "C101C1 " METER_NO2 " 00 06 0112A87F", "C501C100"); /* 17 999 999 */
    assert_int_equal(g_ops.custom_calls, 1u);
    assert_int_equal(g_ops.custom.meter_no2, 17999999u);
    /* MeterNoLow: octet-string "69855" (the technical facts' example); 17 bytes: other-reason */
    expect(18u, 16u, "C101C1 " METER_NO_LOW " 00 0905 3639383535", "C501C100");
    assert_int_equal(g_ops.custom.meter_no_low_len, 5u);
    assert_memory_equal(g_ops.custom.meter_no_low, "69855", 5u);
    expect(18u, 16u, "C101C1 " METER_NO_LOW " 00 0911 3030303030303030303030303030303030",
           "C501C1FA");
    expect(18u, 16u, "C101C1 " METER_NO2 " 00 1200 01", "C501C10C"); /* long-unsigned: no */
    assert_int_equal(g_ops.custom_calls, 2u);
    /* ForceBillingStop: 1 stops; 2 other-reason; a read read-write-denied */
    expect(18u, 16u, "C101C1 " FORCE_STOP " 00 1101", "C501C100");
    assert_int_equal(g_ops.stop_calls, 1u);
    expect(18u, 16u, "C101C1 " FORCE_STOP " 00 1102", "C501C1FA");
    expect(18u, 16u, "C001C1 " FORCE_STOP " 00", "C401C10103");
    assert_int_equal(g_ops.stop_calls, 1u);
    /* the public association reads MeterNo2 (technical facts 11.1: 0, nothing kept here) and
     * MeterNoLow (empty), and writes nothing */
    (void)ask(16u, 1u, AARQ_PUBLIC);
    expect(16u, 1u, "C001C1 " METER_NO2 " 00", "C401C100 0600000000");
    expect(16u, 1u, "C001C1 " METER_NO_LOW " 00", "C401C100 0900");
    expect(16u, 1u, "C101C1 " METER_NO2 " 00 0600000001", "D80102");
    assert_int_equal(g_ops.custom_calls, 2u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_clock_set, setup),
        cmocka_unit_test_setup(test_legal_refused, setup),
        cmocka_unit_test_setup(test_rights_and_ops, setup),
        cmocka_unit_test_setup(test_public_refused, setup),
        cmocka_unit_test_setup(test_lls_secret, setup),
        cmocka_unit_test_setup(test_assoc_ln_attrs, setup),
        cmocka_unit_test_setup(test_set_list, setup),
        cmocka_unit_test_setup(test_set_blocks, setup),
        cmocka_unit_test_setup(test_action, setup),
        cmocka_unit_test_setup(test_hdlc_setup, setup),
        cmocka_unit_test_setup(test_custom_and_billing_stop, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

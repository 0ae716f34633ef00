/*
 * Profile generic (class 7) in the DLMS server (dlms_server.h; docs/dlms-server.md "Profiles"):
 * a load profile on a RAM NVM with hand-chosen entries, read by an LLS client (19 -> 16).
 *
 * Expected bytes are encoded by hand from the Blue Book (IC 7 v1 attributes, capture object
 * definition, selective access) and technical facts 1.2 (the row: clock octet-string(12),
 * LoggerStatus long-unsigned, DataQuality double-long-unsigned, reserved integer 1, energies
 * double-long-unsigned), 11.5 (Kamstrup's entry descriptor) and 11.6 (date_time: local time,
 * deviation, status bit 7 DST). The clock is CET with EU DST: 2027-01-01 00:00 UTC is 01:00 CET
 * (a Friday, deviation -60 = FFC4, status 00); 2027-03-28 01:00 UTC is 03:00 CEST (a Sunday,
 * deviation -120 = FF88, status 80).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/apdu.h"
#include "omnipower/axdr.h"
#include "omnipower/cosem.h"
#include "omnipower/dlms_server.h"
#include "omnipower/hal_fakes.h"
#include "omnipower/logger.h"
#include "omnipower/registers.h"
#include "omnipower/storage.h"

#include "dlms_src.h"
#include "dlms_lp_long.h"
#include "test_hex.h"

#define SECTOR 4096u
#define SECTORS 32u
#define T_2027 ((omp_time_s)1798761600) /* 2027-01-01T00:00:00Z */
#define T_DST ((omp_time_s)1806192000)  /* 2027-03-28T00:00:00Z: DST starts at 01:00Z */

static const struct omp_hal_ops k_ops = {
    .nvm_geometry = omp_ram_nvm_geometry, .nvm_read = omp_ram_nvm_read,
    .nvm_program = omp_ram_nvm_program, .nvm_erase = omp_ram_nvm_erase,
};

static uint8_t g_mem[SECTOR * SECTORS];
static struct omp_ram_nvm g_nvm;
static struct omp_profile g_p;
static struct dlms_src_state g_state;
static struct omp_cosem_src g_src;
static struct omp_dlms_server g_srv;
static struct omp_dlms_server_env g_env;
static uint8_t g_rsp[2048];
static uint8_t g_data[160000];
static size_t g_len;
static const char *g_ln = "0101630100FF"; /* the profile read_buffer reads */

/* A load profile of A+ and A- (1.1.1.8.0.255, 1.1.2.8.0.255 attribute 2), 15 min, CET. */
static void open_profile(void)
{
    const struct omp_nvm_geometry geo = {SECTORS * SECTOR, SECTOR, 8u, 0xFFu, 100000u};
    assert_int_equal(omp_ram_nvm_init(&g_nvm, g_mem, &geo, NULL), OMP_OK);
    omp_ram_nvm_format(&g_nvm);
    const struct omp_nvm_region r = {&k_ops, &g_nvm, 0u, SECTORS};
    struct omp_profile_cfg c;
    dlms_lp_cfg(&c);
    assert_int_equal(omp_profile_open(&g_p, &c, &r, false), OMP_OK);
}

static void capture(omp_time_s end, int64_t a_plus, int64_t a_minus)
{
    const int64_t v[2] = {a_plus, a_minus};
    assert_int_equal(omp_profile_capture(&g_p, end, v), OMP_OK);
}

static void start(bool blue_book, uint16_t max_pdu)
{
    dlms_src_fill(&g_state, &g_src);
    memset(&g_env, 0, sizeof g_env);
    g_env.src = &g_src;
    g_env.lp = &g_p;
    struct omp_dlms_server_cfg c;
    omp_dlms_server_cfg_default(&c);
    c.max_pdu = max_pdu;
    c.entry_blue_book = blue_book;
    assert_int_equal(omp_dlms_server_init(&g_srv, &c), OMP_OK);
    struct omp_dlms_aarq_opts o;
    memset(&o, 0, sizeof o);
    o.mechanism = OMP_DLMS_MECH_LLS;
    o.secret = (const uint8_t *)"12345";
    o.secret_len = 5u;
    o.conformance = OMP_CONF_GET | OMP_CONF_BLOCK_TRANSFER_WITH_GET | OMP_CONF_SELECTIVE_ACCESS |
                    OMP_CONF_MULTIPLE_REFERENCES | OMP_CONF_SET | OMP_CONF_ACTION;
    o.max_pdu = max_pdu;
    uint8_t req[128];
    struct omp_wr w = omp_wr_init(req, sizeof req);
    assert_int_equal(omp_dlms_client_aarq(&w, &o), OMP_OK);
    struct omp_wr out = omp_wr_init(g_rsp, sizeof g_rsp);
    assert_int_equal(omp_dlms_server_apdu(&g_srv, &g_env, 19u, 16u, req, omp_wr_len(&w), &out),
                     OMP_OK);
    struct omp_dlms_assoc as;
    assert_int_equal(omp_dlms_client_check_aare(g_rsp, omp_wr_len(&out), &as), OMP_OK);
    assert_true(as.accepted);
}

static int setup(void **state)
{
    (void)state;
    g_ln = "0101630100FF";
    open_profile();
    capture(T_2027, 1000, 0);
    capture(T_2027 + 900, 1250, 5);
    capture(T_2027 + 1800, 1500, 5);
    capture(T_2027 + 2700, 1800, 7);
    start(false, 0x7Du);
    return 0;
}

static size_t unhex_sp(const char *hex, uint8_t *out, size_t cap)
{
    static char t[8192];
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

static size_t ask_raw(const uint8_t *req, size_t n)
{
    struct omp_wr w = omp_wr_init(g_rsp, sizeof g_rsp);
    assert_int_equal(omp_dlms_server_apdu(&g_srv, &g_env, 19u, 16u, req, n, &w), OMP_OK);
    assert_true(omp_wr_len(&w) <= g_srv.pdu);
    return omp_wr_len(&w);
}

static void expect(const char *req, const char *rsp)
{
    uint8_t q[256], want[256];
    size_t nq = unhex_sp(req, q, sizeof q), n = unhex_sp(rsp, want, sizeof want);
    size_t got = ask_raw(q, nq);
    assert_int_equal(got, n);
    assert_memory_equal(g_rsp, want, n);
}

/* GET of the load profile's buffer with access @p access_hex ("" none), GET-next until the last
 * block; the reassembled Data in g_data/g_len. @return blocks received. */
static unsigned read_buffer(const char *access_hex)
{
    uint8_t q[256];
    size_t n = unhex_sp("C0 01 C1 0007", q, sizeof q);
    n += unhex_sp(g_ln, q + n, sizeof q - n);
    q[n++] = 2u;
    if (access_hex[0] == '\0') {
        q[n++] = 0u;
    } else {
        q[n++] = 1u;
        n += unhex_sp(access_hex, q + n, sizeof q - n);
    }
    struct omp_dlms_blocks b;
    omp_dlms_blocks_init(&b, g_data, sizeof g_data);
    unsigned blocks = 0;
    for (;;) {
        size_t got = ask_raw(q, n);
        struct omp_rd rd = omp_rd_init(g_rsp, got);
        struct omp_apdu a;
        assert_int_equal(omp_apdu_decode(&rd, &a), OMP_OK);
        assert_int_equal(omp_dlms_blocks_feed(&b, &a), OMP_OK);
        blocks++;
        if (b.done) {
            break;
        }
        struct omp_wr w = omp_wr_init(q, sizeof q);
        assert_int_equal(omp_dlms_client_get_next(&w, 0xC1u, b.ack_block), OMP_OK);
        n = omp_wr_len(&w);
    }
    g_len = b.len;
    return blocks;
}

static void expect_buffer(const char *access_hex, const char *data_hex)
{
    static uint8_t want[8192];
    size_t n = unhex_sp(data_hex, want, sizeof want);
    (void)read_buffer(access_hex);
    if (g_len != n || memcmp(g_data, want, n) != 0) {
        for (size_t k = 0; k < g_len; k++) {
            print_message("%02X", g_data[k]);
        }
        print_message("\n");
    }
    assert_int_equal(g_len, n);
    assert_memory_equal(g_data, want, n);
}

/* The four rows (technical facts 1.2): clock, LoggerStatus 0, DataQuality 0, reserved 1, A+, A-. */
#define DT(hhmm) "090C 07EB0101 05 " hhmm "00FF FFC4 00"
#define E1 "0206 " DT("0100") " 120000 0600000000 0F01 06000003E8 0600000000 "
#define E2 "0206 " DT("010F") " 120000 0600000000 0F01 06000004E2 0600000005 "
#define E3 "0206 " DT("011E") " 120000 0600000000 0F01 06000005DC 0600000005 "
#define E4 "0206 " DT("012D") " 120000 0600000000 0F01 0600000708 0600000007 "
/* entry_descriptor {from, to, from_selected_value, to_selected_value} */
#define ENTRY(f, t, cl, ch) "02 0204 06" f " 06" t " 12" cl " 12" ch

static void test_attributes(void **state)
{
    (void)state;
    /* 1 logical_name, 4 capture_period 900 s, 5 sort_method fifo, 7 entries_in_use 4 */
    expect("C0 01 C1 0007 0101630100FF 01 00", "C4 01 C1 00 0906 0101630100FF");
    expect("C0 01 C1 0007 0101630100FF 04 00", "C4 01 C1 00 06 00000384");
    expect("C0 01 C1 0007 0101630100FF 05 00", "C4 01 C1 00 16 01");
    expect("C0 01 C1 0007 0101630100FF 07 00", "C4 01 C1 00 06 00000004");
    /* 3 capture_objects: clock 0.1.1.0.0.255 attr 2, LN attrs 255/254 (-1/-2), reserved
     * 1.1.134.0.1.255 attr 2 (class 1), A+ and A- registers (class 3) attr 2 */
    expect("C0 01 C1 0007 0101630100FF 03 00",
           "C4 01 C1 00 0106"
           " 0204 120008 0906 0001010000FF 0F02 120000"
           " 0204 120007 0906 0101630100FF 0FFF 120000"
           " 0204 120007 0906 0101630100FF 0FFE 120000"
           " 0204 120001 0906 0101860001FF 0F02 120000"
           " 0204 120003 0906 0101010800FF 0F02 120000"
           " 0204 120003 0906 0101020800FF 0F02 120000");
    /* 8 profile_entries: the logger engine's guaranteed depth of this region */
    uint8_t want[9] = {0xC4, 0x01, 0xC1, 0x00, 0x06};
    uint32_t cap = omp_profile_capacity(&g_p.cfg, &g_p.log.geo, SECTORS);
    assert_true(cap > 1000u);
    for (unsigned k = 0; k < 4u; k++) {
        want[5u + k] = (uint8_t)(cap >> (24u - 8u * k));
    }
    uint8_t q[16];
    size_t nq = unhex_sp("C0 01 C1 0007 0101630100FF 08 00", q, sizeof q);
    assert_int_equal(ask_raw(q, nq), sizeof want);
    assert_memory_equal(g_rsp, want, sizeof want);
    /* wrong class, a public client, selective access on another attribute */
    expect("C0 01 C1 0003 0101630100FF 02 00", "C4 01 C1 01 09");
    expect("C0 01 C1 0007 0101630100FF 04 01" ENTRY("00000001", "00000000", "0001", "0000"),
           "C4 01 C1 01 FA");
}

/* SET and ACTION on the load profile (Green Book SET-request-normal C1 01, ACTION-request-normal
 * C3 01; responses C5 01 invoke dar, C7 01 invoke result 00): the profiles are read-only here
 * (capture_period, RW in technical facts 11.3, is not written yet) and no method is granted
 * (reset 1, capture 2: read-write-denied 03; method 3: not the class's, object-undefined 04);
 * the log keeps its 4 entries (attribute 7, entries_in_use). */
static void test_set_action_refused(void **state)
{
    (void)state;
    /* capture_period (4) is RW (technical facts 11.3) and goes to the op set_param; this source
     * has no ops: object-unavailable. A period outside 300/900/1800/3600 s is other-reason, a
     * long-unsigned type-unmatched, a selective access other-reason (Green Book 9.3.x). */
    expect("C101C1 0007 0101630100FF 04 00 0600000708", "C501C10B");
    expect("C101C1 0007 0101630100FF 04 00 0600000258", "C501C1FA");
    expect("C101C1 0007 0101630100FF 04 00 120708", "C501C10C");
    expect("C101C1 0007 0101630100FF 04 01 01 0100 0600000708", "C501C1FA");
    expect("C101C1 0007 0101630100FF 02 00 0100", "C501C103");
    expect("C101C1 0007 0101630100FF 09 00 1100", "C501C104");
    expect("C101C1 0001 0101630100FF 04 00 0600000708", "C501C109");
    expect("C301C1 0007 0101630100FF 01 01 0F00", "C701C1 03 00");
    expect("C301C1 0007 0101630100FF 02 01 0F00", "C701C1 03 00");
    expect("C301C1 0007 0101630100FF 03 00", "C701C1 04 00");
    expect("C001C1 0007 0101630100FF 07 00", "C401C100 0600000004");
    expect("C001C1 0007 0101630100FF 04 00", "C401C100 0600000384");
}

static void test_public_denied(void **state)
{
    (void)state;
    struct omp_dlms_server_cfg c;
    omp_dlms_server_cfg_default(&c);
    assert_int_equal(omp_dlms_server_init(&g_srv, &c), OMP_OK);
    const uint8_t aarq[] = {0x60, 0x1D, 0xA1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08,
                            0x01, 0x01, 0xBE, 0x10, 0x04, 0x0E, 0x01, 0x00, 0x00, 0x00, 0x06,
                            0x5F, 0x1F, 0x04, 0x00, 0x00, 0x18, 0x1D, 0xFF, 0xFF};
    struct omp_wr w = omp_wr_init(g_rsp, sizeof g_rsp);
    assert_int_equal(omp_dlms_server_apdu(&g_srv, &g_env, 16u, 1u, aarq, sizeof aarq, &w), OMP_OK);
    assert_int_equal(omp_dlms_server_assoc(&g_srv), OMP_ASSOC_PUBLIC);
    const uint8_t get[] = {0xC0, 0x01, 0xC1, 0x00, 0x07, 1, 1, 99, 1, 0, 255, 0x07, 0x00};
    w = omp_wr_init(g_rsp, sizeof g_rsp);
    assert_int_equal(omp_dlms_server_apdu(&g_srv, &g_env, 16u, 1u, get, sizeof get, &w), OMP_OK);
    const uint8_t denied[] = {0xC4, 0x01, 0xC1, 0x01, 0x03}; /* read-write-denied */
    assert_int_equal(omp_wr_len(&w), sizeof denied);
    assert_memory_equal(g_rsp, denied, sizeof denied);
}

static void test_buffer_whole(void **state)
{
    (void)state;
    /* 2 + 4 x 36 = 146 bytes: two blocks of 125 - 12 = 113 */
    assert_int_equal(read_buffer(""), 2u);
    assert_int_equal(g_len, 146u);
    static uint8_t want[256];
    size_t n = unhex_sp("0104 " E1 E2 E3 E4, want, sizeof want);
    assert_int_equal(g_len, n);
    assert_memory_equal(g_data, want, n);
}

static void test_entry_kamstrup(void **state)
{
    (void)state;
    /* ages: 0 = E4 (the newest), 1 = E3, 2 = E2, 3 = E1; rows from -> to */
    expect_buffer(ENTRY("00000001", "00000003", "0000", "0000"), "0103 " E3 E2 E1);
    expect_buffer(ENTRY("00000003", "00000001", "0000", "0000"), "0103 " E1 E2 E3);
    expect_buffer(ENTRY("00000001", "00000000", "0000", "0000"), "0102 " E3 E4);
    expect_buffer(ENTRY("00000000", "00000000", "0000", "0000"), "0101 " E4);
    /* ages beyond the oldest: the oldest */
    expect_buffer(ENTRY("00000009", "00000002", "0000", "0000"), "0102 " E1 E2);
    /* selected columns: 5..6 (A+, A-) of the newest; 1..2 (clock, LoggerStatus) */
    expect_buffer(ENTRY("00000000", "00000000", "0005", "0006"),
                  "0101 0202 0600000708 0600000007");
    expect_buffer(ENTRY("00000000", "00000001", "0001", "0002"),
                  "0102 0202 " DT("012D") " 120000 0202 " DT("011E") " 120000");
    /* columns 6..0: from A- to the last */
    expect_buffer(ENTRY("00000002", "00000002", "0006", "0000"), "0101 0201 0600000005");
}

static void test_entry_blue_book(void **state)
{
    (void)state;
    start(true, 0x7Du);
    /* 1 = the oldest (E1), to 0 = the newest */
    expect_buffer(ENTRY("00000002", "00000003", "0000", "0000"), "0102 " E2 E3);
    expect_buffer(ENTRY("00000003", "00000000", "0000", "0000"), "0102 " E3 E4);
    expect_buffer(ENTRY("00000001", "00000009", "0005", "0005"),
                  "0104 0201 06000003E8 0201 06000004E2 0201 06000005DC 0201 0600000708");
    /* from beyond the newest, or above to: no rows */
    expect_buffer(ENTRY("00000005", "00000000", "0000", "0000"), "0100");
    expect_buffer(ENTRY("00000003", "00000002", "0000", "0000"), "0100");
    /* columns out of order: refused */
    expect("C0 01 C1 0007 0101630100FF 02 01" ENTRY("00000001", "00000000", "0003", "0002"),
           "C4 01 C1 01 FA");
}

/* range_descriptor on the clock: restricting object {8, 0.1.1.0.0.255, 2, 0}, from, to, {} */
#define RANGE(from, to) "01 0204 0204 120008 0906 0001010000FF 0F02 120000 090C " from " 090C " to " 0100"

static void test_range_dst(void **state)
{
    (void)state;
    open_profile();
    for (unsigned k = 0; k <= 8u; k++) { /* 00:00Z .. 02:00Z of the day DST starts */
        capture(T_DST + (omp_time_s)(900u * k), 2000 + 100 * (int64_t)k, 0);
    }
    start(false, 0x7Du);
    /* local 01:30 (CET: 00:30Z) to 03:15 (CEST: 01:15Z), deviation and status not given: the
     * meter's zone and DST rule; rows 00:30Z, 00:45Z (01:30, 01:45 CET) and 01:00Z, 01:15Z
     * (03:00, 03:15 CEST, status 80) */
    /* values: k = 2..5 -> 2200, 2300, 2400, 2500 */
    expect_buffer(RANGE("07EB031C FF 011E0000 8000 FF", "07EB031C FF 030F0000 8000 FF"),
                  "0104"
                  " 0206 090C 07EB031C 07 011E00FF FFC4 00 120000 0600000000 0F01"
                  " 0600000898 0600000000"
                  " 0206 090C 07EB031C 07 012D00FF FFC4 00 120000 0600000000 0F01"
                  " 06000008FC 0600000000"
                  " 0206 090C 07EB031C 07 030000FF FF88 80 120000 0600000000 0F01"
                  " 0600000960 0600000000"
                  " 0206 090C 07EB031C 07 030F00FF FF88 80 120000 0600000000 0F01"
                  " 06000009C4 0600000000");
    /* the same range given in UTC (deviation 0): 00:30Z .. 01:15Z */
    expect_buffer(RANGE("07EB031C FF 001E0000 0000 00", "07EB031C FF 010F0000 0000 00"),
                  "0104"
                  " 0206 090C 07EB031C 07 011E00FF FFC4 00 120000 0600000000 0F01"
                  " 0600000898 0600000000"
                  " 0206 090C 07EB031C 07 012D00FF FFC4 00 120000 0600000000 0F01"
                  " 06000008FC 0600000000"
                  " 0206 090C 07EB031C 07 030000FF FF88 80 120000 0600000000 0F01"
                  " 0600000960 0600000000"
                  " 0206 090C 07EB031C 07 030F00FF FF88 80 120000 0600000000 0F01"
                  " 06000009C4 0600000000");
    /* nothing in range: an empty array; another restricting object: refused */
    expect_buffer(RANGE("07EC0101 FF 00000000 0000 00", "07EC0102 FF 00000000 0000 00"), "0100");
    expect("C0 01 C1 0007 0101630100FF 02 01 01 0204 0204 120003 0906 0101010800FF 0F02 120000"
           " 090C 07EB031C FF 001E0000 0000 00 090C 07EB031C FF 010F0000 0000 00 0100",
           "C4 01 C1 01 FA");
}

/* Thousands of entries read whole in blocks of a 1010-byte PDU, nothing held but a row. */
static void test_big_log(void **state)
{
    (void)state;
    open_profile();
    const unsigned n = 3000u;
    for (unsigned k = 0; k < n; k++) {
        capture(T_2027 + (omp_time_s)(900u * k), 1000 + 10 * (int64_t)k, (int64_t)k);
    }
    start(false, OMP_DLMS_SERVER_PDU_DEFAULT);
    assert_true(sizeof g_srv < 320u); /* bounded, whatever the log holds (296 on x86-64 with SET, HLS and GBT) */
    unsigned blocks = read_buffer("");
    /* array 82 0BB8 + 3000 x 36 bytes in blocks of 1010 - 12 = 998 */
    assert_int_equal(g_len, 4u + 36u * n);
    assert_int_equal(blocks, (g_len + 997u) / 998u);
    assert_int_equal(g_data[0], 0x01);
    assert_int_equal(g_data[1], 0x82);
    assert_int_equal(g_data[2] << 8 | g_data[3], (int)n);
    for (unsigned k = 0; k < n; k++) {
        const uint8_t *row = g_data + 4u + 36u * k;
        uint32_t a_plus = (uint32_t)row[27] << 24 | (uint32_t)row[28] << 16 |
                          (uint32_t)row[29] << 8 | row[30];
        uint32_t a_minus = (uint32_t)row[32] << 24 | (uint32_t)row[33] << 16 |
                           (uint32_t)row[34] << 8 | row[35];
        assert_int_equal(row[0], 0x02);
        assert_int_equal(a_plus, 1000u + 10u * k);
        assert_int_equal(a_minus, k);
    }
}

/* The billing log: two debiting stops (1.1.98.1.0.255; capture objects: the four leading ones,
 * then technical facts 4.2 Table 12 as the logger engine lists them: hour counter 0.1.96.8.0.255
 * (double-long-unsigned), debiting periods 1.1.0.1.0.255 (unsigned), threshold counter (unsigned),
 * pulse input (double-long-unsigned), A+ (Wh, double-long-unsigned), ...). */
/* after A+: A-, R+, R-, A+ T1..T4, R+ T1..T4, E+, E- (13 energies); 6 maxima with their time
 * (0: never set, a date_time of "not specified" fields); 4 accumulated maxima; all zero */
#define Z " 0600000000"
#define PEAK Z " 090C FFFFFFFFFFFFFFFFFF8000FF"
#define BILL_REST Z Z Z Z Z Z Z Z Z Z Z Z Z PEAK PEAK PEAK PEAK PEAK PEAK Z Z Z Z

static uint8_t g_bmem[4u * SECTOR];
static struct omp_ram_nvm g_bnvm;
static struct omp_nvm_log g_blog;

static void bill_stop(omp_time_s utc, uint32_t hours, uint32_t count, uint64_t a_plus_uwh)
{
    struct omp_regs_snapshot sn = {.utc = utc, .capture_utc = utc, .hours = hours,
                                   .billing_count = count};
    sn.energy.total.a_plus_uwh = a_plus_uwh;
    uint8_t buf[OMP_REGS_SNAPSHOT_LEN];
    struct omp_wr w = omp_wr_init(buf, sizeof buf);
    assert_int_equal(omp_regs_snapshot_encode(&sn, &w), OMP_OK);
    assert_int_equal(omp_nvm_log_append(&g_blog, buf), OMP_OK);
}

static void test_billing(void **state)
{
    (void)state;
    const struct omp_nvm_geometry geo = {4u * SECTOR, SECTOR, 8u, 0xFFu, 100000u};
    assert_int_equal(omp_ram_nvm_init(&g_bnvm, g_bmem, &geo, NULL), OMP_OK);
    omp_ram_nvm_format(&g_bnvm);
    const struct omp_nvm_region r = {&k_ops, &g_bnvm, 0u, 4u};
    assert_int_equal(omp_nvm_log_open_mode(&g_blog, &r, OMP_REGS_BILLING_TAG,
                                           (uint16_t)OMP_REGS_SNAPSHOT_LEN, false),
                     OMP_OK);
    bill_stop(T_2027, 100u, 1u, 1000999999u);               /* A+ 1000 Wh (truncated) */
    bill_stop(T_2027 + 31 * 86400, 844u, 2u, 5000000000u); /* 2027-02-01, a Monday: 5000 Wh */
    g_env.billing = &g_blog;
    g_ln = "0101620100FF";
    expect("C0 01 C1 0007 0101620100FF 01 00", "C4 01 C1 00 0906 0101620100FF");
    expect("C0 01 C1 0007 0101620100FF 04 00", "C4 01 C1 00 06 00000000");
    expect("C0 01 C1 0007 0101620100FF 07 00", "C4 01 C1 00 06 00000002");
    /* the newest (age 0), columns 1..9 */
    expect_buffer(ENTRY("00000000", "00000000", "0001", "0009"),
                  "0101 0209 090C 07EB0201 01 010000FF FFC4 00 120000 0600000000 0F01"
                  " 060000034C 1102 1100 0600000000 0600001388");
    /* age 1 (the oldest) then age 0, column 9 (A+) only */
    expect_buffer(ENTRY("00000001", "00000000", "0009", "0009"),
                  "0102 0201 06000003E8 0201 0600001388");
    /* capture objects 5..: the hour counter (class 3) */
    (void)read_buffer(ENTRY("00000000", "00000000", "0000", "0000"));
    assert_int_equal(g_data[0], 0x01);
    assert_int_equal(g_data[1], 0x01);
    assert_int_equal(g_data[2], 0x02);
    assert_int_equal(g_data[3], 4u + OMP_BILLING_COLUMNS - 1u);
    /* a range of January: the first stop only */
    expect_buffer(RANGE("07EB0101 FF 00000000 8000 FF", "07EB011F FF 173B3B00 8000 FF"),
                  "0101 0226 090C 07EB0101 05 010000FF FFC4 00" " 120000 0600000000 0F01"
                  " 0600000064 1101 1100 0600000000 06000003E8" BILL_REST);
}

/* An event log: the standard log as the status logger 1.1.99.98.2.255; capture objects clock,
 * event code 0.0.96.11.0.255 (long-unsigned), the argument (LN attr 253 = -3, double-long-unsigned)
 * and the flags (LN attr 252 = -4, long-unsigned). */
static uint8_t g_emem[8u * SECTOR];
static struct omp_ram_nvm g_envm;
static struct omp_evlog g_elog;

static void test_event_log(void **state)
{
    (void)state;
    const struct omp_nvm_geometry geo = {8u * SECTOR, SECTOR, 8u, 0xFFu, 100000u};
    assert_int_equal(omp_ram_nvm_init(&g_envm, g_emem, &geo, NULL), OMP_OK);
    omp_ram_nvm_format(&g_envm);
    uint32_t sectors = omp_evlog_sectors(&geo);
    assert_true(sectors > 0u && sectors <= 8u);
    const struct omp_nvm_region r = {&k_ops, &g_envm, 0u, sectors};
    assert_int_equal(omp_evlog_open(&g_elog, OMP_EVLOG_STANDARD, &r, false), OMP_OK);
    const struct omp_event ev[3] = {{0x0001u, 0u, 0u, T_2027},
                                    {0x0002u, 1u, 7u, T_2027 + 60},
                                    {0x0003u, 0u, 0x12345u, T_2027 + 120}};
    for (unsigned k = 0; k < 3u; k++) {
        assert_int_equal(omp_evlog_append(&g_elog, &ev[k]), OMP_OK);
    }
    g_env.evlog[OMP_EVLOG_STANDARD] = &g_elog;
    g_ln = "0101636202FF";
    expect("C0 01 C1 0007 0101636202FF 07 00", "C4 01 C1 00 06 00000003");
    expect("C0 01 C1 0007 0101636202FF 04 00", "C4 01 C1 00 06 00000000");
    expect("C0 01 C1 0007 0101636202FF 03 00",
           "C4 01 C1 00 0104"
           " 0204 120008 0906 0001010000FF 0F02 120000"
           " 0204 120001 0906 0000600B00FF 0F02 120000"
           " 0204 120007 0906 0101636202FF 0FFD 120000"
           " 0204 120007 0906 0101636202FF 0FFC 120000");
    /* Kamstrup: ages 0..1, the newest first */
    expect_buffer(ENTRY("00000000", "00000001", "0000", "0000"),
                  "0102 0204 090C 07EB0101 05 010200FF FFC4 00 120003 0600012345 120000"
                  " 0204 090C 07EB0101 05 010100FF FFC4 00 120002 0600000007 120001");
    /* 01:00:30 .. 01:01:30 local (CET): the second event; columns: code only by entry */
    expect_buffer(RANGE("07EB0101 FF 01001E00 8000 FF", "07EB0101 FF 01011E00 8000 FF"),
                  "0101 0204 090C 07EB0101 05 010100FF FFC4 00 120002 0600000007 120001");
    expect_buffer(ENTRY("00000002", "00000000", "0002", "0002"),
                  "0103 0201 120001 0201 120002 0201 120003");
    /* the cut-off logger is not kept here: undefined */
    expect("C0 01 C1 0007 0101636205FF 07 00", "C4 01 C1 01 04");
}

/* The power-quality log as the OMNIPOWER's voltage quality logger 1 1.1.99.98.16.255
 * (technical facts 8.3): capture objects the clock, VoltageQuality1Phase 1.1.132.0.1.255 and
 * VoltageQuality1Event 1.1.132.0.2.255 (class 1), MeanValue / MaxValue / MinValue
 * 1.1.132.0.3/4/5.255 (class 3); a row: the time, phase and event (unsigned), the three values
 * (long-unsigned V) from the entry's flags, code and OMP_EV_VQ_ARG. Entries: a short-term
 * deviation's start (event 6, min 202 V) at 01:01:01 local, and an EN 50160 dip (event 16,
 * 0.3 s, residual 115 V) stamped 01:01:00. */
static struct omp_evlog g_vqlog;

static void test_vq_logger(void **state)
{
    (void)state;
    const struct omp_nvm_geometry geo = {8u * SECTOR, SECTOR, 8u, 0xFFu, 100000u};
    assert_int_equal(omp_ram_nvm_init(&g_envm, g_emem, &geo, NULL), OMP_OK);
    omp_ram_nvm_format(&g_envm);
    const struct omp_nvm_region r = {&k_ops, &g_envm, 0u, omp_evlog_sectors(&geo)};
    assert_int_equal(omp_evlog_open(&g_vqlog, OMP_EVLOG_PQ, &r, false), OMP_OK);
    const struct omp_event ev[2] = {{OMP_EV_VQ + 6u, 1u, OMP_EV_VQ_ARG(0u, 0u, 202u), T_2027 + 61},
                                    {OMP_EV_PQ_DIP, 1u, OMP_EV_VQ_ARG(3u, 0u, 115u), T_2027 + 60}};
    for (unsigned k = 0; k < 2u; k++) {
        assert_int_equal(omp_evlog_append(&g_vqlog, &ev[k]), OMP_OK);
    }
    g_env.evlog[OMP_EVLOG_PQ] = &g_vqlog;
    g_ln = "0101636210FF";
    expect("C0 01 C1 0007 0101636210FF 07 00", "C4 01 C1 00 06 00000002");
    expect("C0 01 C1 0007 0101636210FF 03 00",
           "C4 01 C1 00 0106"
           " 0204 120008 0906 0001010000FF 0F02 120000"
           " 0204 120001 0906 0101840001FF 0F02 120000"
           " 0204 120001 0906 0101840002FF 0F02 120000"
           " 0204 120003 0906 0101840003FF 0F02 120000"
           " 0204 120003 0906 0101840004FF 0F02 120000"
           " 0204 120003 0906 0101840005FF 0F02 120000");
    /* Kamstrup: ages 0..1, the newest first */
    expect_buffer(ENTRY("00000000", "00000001", "0000", "0000"),
                  "0102 0206 090C 07EB0101 05 010100FF FFC4 00 1101 1110 120003 120000 120073"
                  " 0206 090C 07EB0101 05 010101FF FFC4 00 1101 1106 120000 120000 1200CA");
    /* the old name of the PQ log is gone */
    expect("C0 01 C1 0007 0000636204FF 07 00", "C4 01 C1 01 04");
    g_env.evlog[OMP_EVLOG_PQ] = NULL;
}

/* range_descriptor with selected_values (Blue Book IC 7 attribute 2: capture_object_definitions
 * of the columns wanted; empty: all): 00:00Z..00:30Z given in UTC, the first three entries, the
 * clock and A- only. */
#define RANGE_SEL(from, to, sel) \
    "01 0204 0204 120008 0906 0001010000FF 0F02 120000 090C " from " 090C " to " 01" sel
#define CAP_CLOCK " 0204 120008 0906 0001010000FF 0F02 120000"
#define CAP_AMINUS " 0204 120003 0906 0101020800FF 0F02 120000"
#define FROM_0000Z "07EB0101 FF 00000000 0000 00"
#define TO_0030Z "07EB0101 FF 001E0000 0000 00"

static void test_range_selected(void **state)
{
    (void)state;
    expect_buffer(RANGE_SEL(FROM_0000Z, TO_0030Z, "02" CAP_CLOCK CAP_AMINUS),
                  "0103 0202 " DT("0100") " 0600000000 0202 " DT("010F") " 0600000005"
                  " 0202 " DT("011E") " 0600000005");
    /* one column: A- */
    expect_buffer(RANGE_SEL(FROM_0000Z, TO_0030Z, "01" CAP_AMINUS),
                  "0103 0201 0600000000 0201 0600000005 0201 0600000005");
    /* out of capture order, twice, or not a capture object: other-reason */
    expect("C0 01 C1 0007 0101630100FF 02 01 " RANGE_SEL(FROM_0000Z, TO_0030Z, "02" CAP_AMINUS CAP_CLOCK),
           "C4 01 C1 01 FA");
    expect("C0 01 C1 0007 0101630100FF 02 01 " RANGE_SEL(FROM_0000Z, TO_0030Z, "02" CAP_AMINUS CAP_AMINUS),
           "C4 01 C1 01 FA");
    expect("C0 01 C1 0007 0101630100FF 02 01 "
           RANGE_SEL(FROM_0000Z, TO_0030Z, "01 0204 120003 0906 0101030800FF 0F02 120000"),
           "C4 01 C1 01 FA");
}

/* Issue #14: "an 1100-day profile read by range returns exactly the expected entries", "the
 * response ... comes out whole, in blocks, with bounded RAM". A 15-minute profile on the RAM NVM
 * sized for 1100 days (omp_profile_capacity: the fewest 4 KiB sectors, program unit 8), filled
 * with 1130 days and on until the ring has wrapped, read by a range covering exactly the last 1100
 * days (105 600 rows, about 3 800 blocks of a 1010-byte PDU) and by 3 days from the middle, every
 * row by the formula (tests/dlms_lp_long.h). Under a second in the dev build. */
static void test_lp_1100_days(void **state)
{
    (void)state;
    lp_setup(1100u, 30u);
    assert_true(omp_plog_count(&lp_p.log) < lp_total); /* wrapped: the oldest are gone */
    assert_true(omp_plog_count(&lp_p.log) >= 1100u * 96u);
    lp_read_days(1100u, 3u);
}

/* The 1100 days again with general block transfer negotiated: every row checked, the same
 * RAM (lp_setup), and as many blocks as the rows and the 4-byte response head need in 998. */
static void test_lp_1100_days_gbt(void **state)
{
    (void)state;
    lp_conf_more = OMP_CONF_GENERAL_BLOCK_TRANSFER;
    lp_setup(1100u, 30u);
    lp_conf_more = 0u;
    unsigned blocks = 0u;
    const uint32_t want = 1100u * 96u, k0 = lp_total - want;
    size_t len = lp_read_gbt(LP_T0 + 900 * (omp_time_s)k0,
                             LP_T0 + 900 * (omp_time_s)(lp_total - 1u), &blocks);
    lp_check(len, k0, want);
    assert_int_equal(blocks, (len + 4u + 997u) / 998u);
    /* a short read in GBT: one day fits no PDU either (96 rows of 36 bytes) */
    len = lp_read_gbt(LP_T0 + 900 * (omp_time_s)(lp_total - 96u),
                      LP_T0 + 900 * (omp_time_s)(lp_total - 1u), &blocks);
    lp_check(len, lp_total - 96u, 96u);
    assert_int_equal(blocks, 4u); /* 4 + 2 (01 60: array of 96) + 96 x 36 = 3462 bytes */
}

/* The data-access-result ending a transfer at block @p number: C4 02 C1, last-block, number,
 * 01 dar. */
static void lp_expect_dar(size_t n, uint32_t number, uint8_t dar)
{
    const uint8_t want[] = {0xC4, 0x02, 0xC1, 0x01, (uint8_t)(number >> 24), (uint8_t)(number >> 16),
                            (uint8_t)(number >> 8), (uint8_t)number, 0x01, dar};
    assert_int_equal(n, sizeof want);
    assert_memory_equal(lp_rsp, want, sizeof want);
}

/* The log cleared between two blocks: the rows due are gone, the transfer ends with
 * data-block-unavailable (14, Green Book data-access-result), and the next GET works. */
static void test_lp_cleared_between_blocks(void **state)
{
    (void)state;
    lp_setup(30u, 0u);
    struct omp_dlms_blocks b;
    omp_dlms_blocks_init(&b, lp_data, sizeof lp_data);
    assert_int_equal(lp_feed(&b, lp_get_range(LP_T0, LP_T0 + 900 * (omp_time_s)(lp_total - 1u))),
                     OMP_OK);
    assert_false(b.done);
    assert_int_equal(omp_plog_clear(&lp_p.log), OMP_OK);
    lp_expect_dar(lp_next(&b), 2u, 14u);
    lp_expect_dar(lp_next(&b), 1u, 16u); /* no-long-get-in-progress: the transfer ended */
    /* a new read: nothing held, an empty array */
    size_t n = lp_get_range(LP_T0, LP_T0 + 900 * (omp_time_s)(lp_total - 1u));
    const uint8_t empty[] = {0xC4, 0x01, 0xC1, 0x00, 0x01, 0x00};
    assert_int_equal(n, sizeof empty);
    assert_memory_equal(lp_rsp, empty, sizeof empty);
}

/* The ring turns between two blocks but still holds the rows due: the read goes on (placed by
 * entry number again) and gives exactly the range's rows. */
static void test_lp_rotated_between_blocks(void **state)
{
    (void)state;
    lp_setup(30u, 2u);
    const uint32_t k0 = lp_total - 3u * 96u, last = lp_total - 1u;
    struct omp_dlms_blocks b;
    omp_dlms_blocks_init(&b, lp_data, sizeof lp_data);
    assert_int_equal(
        lp_feed(&b, lp_get_range(LP_T0 + 900 * (omp_time_s)k0, LP_T0 + 900 * (omp_time_s)last)),
        OMP_OK);
    assert_int_equal(lp_feed(&b, lp_next(&b)), OMP_OK);
    const uint32_t seq = lp_p.log.sector_seq;
    while (lp_p.log.sector_seq == seq) {
        lp_append(1u); /* later than the range: not sent */
    }
    while (!b.done) {
        assert_int_equal(lp_feed(&b, lp_next(&b)), OMP_OK);
    }
    lp_check(b.len, k0, last - k0 + 1u);
}

/* The ring drops the rows due between two blocks: data-block-unavailable, not other rows. */
static void test_lp_dropped_between_blocks(void **state)
{
    (void)state;
    lp_setup(30u, 2u);
    const uint32_t k0 = lp_p.log.first_no - 1u; /* entry k is number k + 1 */
    struct omp_dlms_blocks b;
    omp_dlms_blocks_init(&b, lp_data, sizeof lp_data);
    assert_int_equal(lp_feed(&b, lp_get_range(LP_T0 + 900 * (omp_time_s)k0,
                                              LP_T0 + 900 * (omp_time_s)(k0 + 2u * 96u - 1u))),
                     OMP_OK);
    assert_false(b.done);
    while (lp_p.log.first_no <= k0 + 1u + 2u * 96u) {
        lp_append(1u);
    }
    lp_expect_dar(lp_next(&b), 2u, 14u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_attributes, setup),
        cmocka_unit_test_setup(test_public_denied, setup),
        cmocka_unit_test_setup(test_set_action_refused, setup),
        cmocka_unit_test_setup(test_buffer_whole, setup),
        cmocka_unit_test_setup(test_entry_kamstrup, setup),
        cmocka_unit_test_setup(test_entry_blue_book, setup),
        cmocka_unit_test_setup(test_range_dst, setup),
        cmocka_unit_test_setup(test_big_log, setup),
        cmocka_unit_test_setup(test_billing, setup),
        cmocka_unit_test_setup(test_event_log, setup),
        cmocka_unit_test_setup(test_vq_logger, setup),
        cmocka_unit_test_setup(test_range_selected, setup),
        cmocka_unit_test(test_lp_1100_days),
        cmocka_unit_test(test_lp_1100_days_gbt),
        cmocka_unit_test(test_lp_cleared_between_blocks),
        cmocka_unit_test(test_lp_rotated_between_blocks),
        cmocka_unit_test(test_lp_dropped_between_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

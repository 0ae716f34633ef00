/*
 * DLMS SET through the meter (omp_meter_dlms, docs/dlms-server.md "SET and ACTION"): the LLS
 * secret written on one port is every port's, kept in the settings store across a restart; an
 * NVM without it (written before it existed) starts with the factory secret, a foreign record of
 * it is reported; the clock set over DLMS goes the clock service's way (event OMP_EV_CLOCK_SET);
 * legal data is refused and stays.
 *
 * APDUs are hand-encoded (Green Book; see tests/test_dlms_set.c for the layouts); the AARQ is the
 * Kamstrup document's S2 (LLS, password "12345") with the password changed; its AARE's result is
 * byte 17: 61 len A1 09 06 07 <7 bytes of OID> A2 03 02 01 <result> (0 accepted, 1 rejected).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/hal_fakes.h"
#include "omnipower/meter.h"

#include "test_hex.h"

#define SECTOR  4096u
#define SECTORS 16u
#define SIZE    (SECTOR * SECTORS)
#define T0      ((omp_time_s)1705320000) /* 2024-01-15T12:00:00Z: 13:00 CET */

static const struct omp_nvm_geometry k_geo = {
    .size = SIZE,
    .sector_size = SECTOR,
    .program_unit = 8u,
    .erase_value = 0xFFu,
    .erase_cycles = 100000u,
};

struct fx {
    uint8_t mem[SIZE];
    struct omp_fake_board b;
    struct omp_hal hal;
    struct omp_meter_cfg cfg;
    struct omp_meter m;
};

static struct fx g_fx;
static uint8_t g_rsp[512];

static void start(struct fx *f)
{
    assert_int_equal(omp_meter_init(&f->m, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
}

static struct fx *fx_new(void)
{
    struct fx *f = &g_fx;
    memset(f, 0, sizeof *f);
    assert_int_equal(omp_fake_board_init(&f->b, f->mem, &k_geo, NULL, T0), OMP_OK);
    f->hal = omp_fake_board_hal(&f->b);
    omp_meter_cfg_default(&f->cfg);
    f->cfg.meter_number = 12345678u;
    start(f);
    return f;
}

static size_t dlms(struct fx *f, enum omp_port port, uint16_t client, uint16_t server,
                   const char *hex)
{
    uint8_t req[256];
    size_t n = unhex(hex, req, sizeof req);
    struct omp_wr w = omp_wr_init(g_rsp, sizeof g_rsp);
    assert_int_equal(omp_meter_dlms(&f->m, port, client, server, req, n, &w), OMP_OK);
    return omp_wr_len(&w);
}

static void expect(struct fx *f, enum omp_port port, uint16_t client, const char *req,
                   const char *rsp)
{
    uint8_t want[256];
    size_t n = unhex(rsp, want, sizeof want);
    assert_int_equal(dlms(f, port, client, 16u, req), n);
    assert_memory_equal(g_rsp, want, n);
}

/* S2's AARQ with password @p pw_hex: calling-authentication-value AC (n + 2) 80 n <pw>, the
 * AARQ's length 0x33 - 5 + n. */
static bool associate(struct fx *f, enum omp_port port, uint16_t client, const char *pw_hex)
{
    char aarq[256];
    size_t n = strlen(pw_hex) / 2u;
    snprintf(aarq, sizeof aarq,
             "60%02XA1090607608574050801018A0207808B0760857405080201AC%02X80%02X%s"
             "BE10040E01000000065F1F040000FE1FFFFF",
             (unsigned)(0x33u - 5u + n), (unsigned)(n + 2u), (unsigned)n, pw_hex);
    size_t len = dlms(f, port, client, 16u, aarq);
    assert_true(len > 17u && g_rsp[0] == 0x61u);
    return g_rsp[17] == 0u;
}

#define PW_FACTORY "3132333435"           /* "12345" */
#define PW_NEW     "6E65772D736563726574" /* "new-secret" */
/* SET-request-normal Association LN 0.0.40.0.0.255 (class 15) attr 7 := octet-string(10) */
#define SET_SECRET "C101C1000F0000280000FF0700090A" PW_NEW

static bool find_event(const struct omp_meter *m, uint16_t code, struct omp_event *out)
{
    struct omp_evq_reader rd;
    struct omp_event ev;
    assert_int_equal(omp_evq_reader_init(omp_meter_events(m), &rd), OMP_OK);
    bool found = false;
    while (omp_evq_read(omp_meter_events(m), &rd, &ev, NULL) == OMP_OK) {
        if (ev.code == code) {
            *out = ev; /* the newest */
            found = true;
        }
    }
    return found;
}

static void test_secret_kept(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    /* a fresh NVM: the factory secret */
    assert_true(associate(f, OMP_PORT_MODULE, 18u, PW_FACTORY));
    expect(f, OMP_PORT_MODULE, 18u, SET_SECRET, "C501C100");
    struct omp_event ev;
    assert_true(find_event(&f->m, OMP_EV_CONFIG_CHANGED, &ev));
    assert_int_equal(ev.arg, 0x280000u); /* C.D.E 40.0.0 */
    assert_int_equal(ev.flags, 7u);      /* attribute 7 */
    /* every port's next association takes it; the old one fails */
    assert_false(associate(f, OMP_PORT_OPTICAL, 19u, PW_FACTORY));
    assert_true(associate(f, OMP_PORT_OPTICAL, 19u, PW_NEW));
    assert_true(associate(f, OMP_PORT_HAN, 20u, PW_NEW));
    /* a restart on the same NVM: still the new one */
    start(f);
    assert_false(associate(f, OMP_PORT_MODULE, 18u, PW_FACTORY));
    assert_true(associate(f, OMP_PORT_MODULE, 18u, PW_NEW));
    assert_false(find_event(&f->m, OMP_EV_NVM_DAMAGED, &ev));
    /* and back to "12345" */
    expect(f, OMP_PORT_MODULE, 18u, "C101C1000F0000280000FF07000905" PW_FACTORY, "C501C100");
    start(f);
    assert_true(associate(f, OMP_PORT_HAN, 20u, PW_FACTORY));
}

#define PW_PORT "706F72742D7077" /* "port-pw": a port's provisioned password */

/* omp_meter_dlms_lls_secret() gives a port's own factory password; a password written over DLMS
 * (kept in the settings store) wins over it after a restart. A caller's own server (a second link
 * on a port, as the simulator's HDLC port) follows the meter's password at its next call. */
static void test_port_secret_and_own_server(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    static const uint8_t port_pw[] = {'p', 'o', 'r', 't', '-', 'p', 'w'};
    assert_int_equal(omp_meter_dlms_lls_secret(&f->m, port_pw, sizeof port_pw), OMP_OK);
    assert_false(associate(f, OMP_PORT_MODULE, 18u, PW_FACTORY));
    assert_true(associate(f, OMP_PORT_MODULE, 18u, PW_PORT));
    /* a caller's own server started with the factory configuration takes the port's password */
    struct omp_dlms_server own;
    struct omp_dlms_server_cfg c;
    omp_dlms_server_cfg_default(&c);
    assert_int_equal(omp_dlms_server_init(&own, &c), OMP_OK);
    uint8_t req[128], rsp[128];
    char aarq[256];
    snprintf(aarq, sizeof aarq,
             "60%02XA1090607608574050801018A0207808B0760857405080201AC%02X80%02X%s"
             "BE10040E01000000065F1F040000FE1FFFFF",
             (unsigned)(0x33u - 5u + 7u), 9u, 7u, PW_PORT);
    size_t n = unhex(aarq, req, sizeof req);
    struct omp_wr w = omp_wr_init(rsp, sizeof rsp);
    assert_int_equal(omp_meter_dlms_srv(&f->m, &own, 18u, 16u, req, n, &w), OMP_OK);
    assert_true(omp_wr_len(&w) > 17u && rsp[0] == 0x61u && rsp[17] == 0u); /* accepted */
    /* written over DLMS: kept, and it wins over the port's password after a restart */
    expect(f, OMP_PORT_MODULE, 18u, SET_SECRET, "C501C100");
    start(f);
    assert_int_equal(omp_meter_dlms_lls_secret(&f->m, port_pw, sizeof port_pw), OMP_OK);
    assert_false(associate(f, OMP_PORT_MODULE, 18u, PW_PORT));
    assert_true(associate(f, OMP_PORT_MODULE, 18u, PW_NEW));
    w = omp_wr_init(rsp, sizeof rsp);
    assert_int_equal(omp_meter_dlms_srv(&f->m, &own, 18u, 16u, req, n, &w), OMP_OK);
    assert_true(omp_wr_len(&w) > 17u && rsp[0] == 0x61u && rsp[17] != 0u); /* the old one fails */
}

/* A record of the secret that this build does not know (version 2): reported as damage of the
 * settings (OMP_EV_NVM_DAMAGED, flags 4), not replaced; the factory secret meanwhile. */
static void test_foreign_record(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    uint8_t rec[18];
    memset(rec, 0x41, sizeof rec);
    rec[0] = 2u;
    rec[1] = 5u;
    assert_int_equal(omp_store_write(&f->m.settings, 11u /* the LLS secret */, rec, sizeof rec), OMP_OK);
    start(f);
    struct omp_event ev;
    assert_true(find_event(&f->m, OMP_EV_NVM_DAMAGED, &ev));
    assert_int_equal(ev.flags, 4u);
    assert_true(associate(f, OMP_PORT_MODULE, 18u, PW_FACTORY));
    assert_false(associate(f, OMP_PORT_MODULE, 18u, "4141414141"));
    uint8_t back[18];
    size_t len = 0;
    assert_int_equal(omp_store_read(&f->m.settings, 11u, back, sizeof back, &len), OMP_OK);
    assert_int_equal(len, sizeof rec);
    assert_memory_equal(back, rec, sizeof rec);
}

/* The clock set over DLMS: 2024-01-15 13:30:00 CET (no deviation, status 00) = 12:30:00 UTC, 1800 s
 * later than the clock: the clock service's event OMP_EV_CLOCK_SET (arg |new - old| = 1800,
 * forward), and the clock reads 13:30:00 with deviation -60 (FFC4). Legal data stays. */
static void test_clock_and_legal(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    assert_true(associate(f, OMP_PORT_MODULE, 18u, PW_FACTORY));
    expect(f, OMP_PORT_MODULE, 18u,
           "C101C1000800010100"
           "00FF0200090C07E8010F010D1E00FF800000",
           "C501C100");
    struct omp_event ev;
    assert_true(find_event(&f->m, OMP_EV_CLOCK_SET, &ev));
    assert_int_equal(ev.arg, 1800u);
    assert_int_equal(ev.flags, 0u);
    assert_int_equal(ev.utc_s, T0 + 1800);
    expect(f, OMP_PORT_MODULE, 18u,
           "C001C1000800010100"
           "00FF0200",
           "C401C100090C07E8010F010D1E00FFFFC400");
    /* A+ total and MeterNo1: read-write-denied, unchanged */
    expect(f, OMP_PORT_MODULE, 18u, "C101C100030101010800FF02000600001000", "C501C103");
    expect(f, OMP_PORT_MODULE, 18u, "C101C100010101000001FF02000600000001", "C501C103");
    expect(f, OMP_PORT_MODULE, 18u, "C001C100010101000001FF0200", "C401C1000600BC614E");
    expect(f, OMP_PORT_MODULE, 18u, "C001C100030101010800FF0200", "C401C1000600000000");
}

/* The utility's data objects (technical facts 11.3: RW in the LLS associations) are kept in the
 * settings store across a restart; ForceBillingStop 1.1.0.1.5.128 := 1 is a debiting stop
 * (technical facts 4.1): the debiting period counter 1.1.0.1.0.255 goes up by one. */
static void test_custom_kept_and_billing_stop(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    assert_true(associate(f, OMP_PORT_MODULE, 18u, PW_FACTORY));
    /* MeterNo3 := 4711 (0x1267), SpecialData2 := 1, MeterNoLow := "69855" */
    expect(f, OMP_PORT_MODULE, 18u, "C101C100010101000003FF020006" "00001267", "C501C100");
    expect(f, OMP_PORT_MODULE, 18u, "C101C100010101008202FF020006" "00000001", "C501C100");
    expect(f, OMP_PORT_MODULE, 18u, "C101C100010101000000FF020009053639383535", "C501C100");
    struct omp_event ev;
    assert_true(find_event(&f->m, OMP_EV_CONFIG_CHANGED, &ev));
    assert_int_equal(ev.arg, 0x000000u); /* the newest: MeterNoLow 0.0.0 */
    start(f);
    assert_true(associate(f, OMP_PORT_HAN, 20u, PW_FACTORY));
    expect(f, OMP_PORT_HAN, 20u, "C001C100010101000003FF0200", "C401C1000600001267");
    expect(f, OMP_PORT_HAN, 20u, "C001C100010101008202FF0200", "C401C1000600000001");
    expect(f, OMP_PORT_HAN, 20u, "C001C100010101000000FF0200", "C401C10009053639383535");
    expect(f, OMP_PORT_HAN, 20u, "C001C100010101008201FF0200", "C401C1000600000000");
    /* a debiting stop on demand: BillingPeriodCnt 0.1.0 goes from 0 to 1 */
    expect(f, OMP_PORT_HAN, 20u, "C001C100010101000100FF0200", "C401C1001100");
    expect(f, OMP_PORT_HAN, 20u, "C101C100010101000105800200" "1101", "C501C100");
    expect(f, OMP_PORT_HAN, 20u, "C001C100010101000100FF0200", "C401C1001101");
    assert_false(find_event(&f->m, OMP_EV_NVM_DAMAGED, &ev));
}

/* Records of the utility's data (key 13) and of the HDLC setup (key 12) that this build cannot
 * read (another version; a device address out of range) are reported (OMP_EV_NVM_DAMAGED, flags
 * 4: settings) and left as they are; the factory values serve meanwhile. */
static void test_foreign_custom_and_hdlc_records(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    uint8_t custom[51];
    memset(custom, 0x11, sizeof custom);
    custom[0] = 2u; /* version 2: not this build's */
    /* version 1, inter-octet 500 ms, inactivity 20 s, device address 0x3FFF (broadcast) */
    const uint8_t hdlc[7] = {1u, 0x01u, 0xF4u, 0x00u, 0x14u, 0x3Fu, 0xFFu};
    for (int k = 0; k < 2; k++) {
        struct fx *g = k == 0 ? f : fx_new();
        if (k == 0) {
            assert_int_equal(omp_store_write(&g->m.settings, 13u, custom, sizeof custom), OMP_OK);
        } else {
            assert_int_equal(omp_store_write(&g->m.settings, 12u, hdlc, sizeof hdlc), OMP_OK);
        }
        start(g);
        struct omp_event ev;
        assert_true(find_event(&g->m, OMP_EV_NVM_DAMAGED, &ev));
        assert_int_equal(ev.flags, 4u);
        assert_true(associate(g, OMP_PORT_MODULE, 18u, PW_FACTORY));
        if (k == 0) { /* MeterNo2 reads the factory 0 */
            expect(g, OMP_PORT_MODULE, 18u, "C001C100010101000002FF0200", "C401C1000600000000");
        } else { /* device_address reads the factory 32 */
            expect(g, OMP_PORT_MODULE, 18u, "C001C100170000160000FF0900", "C401C100120020");
        }
        uint8_t back[64];
        size_t len = 0;
        assert_int_equal(omp_store_read(&g->m.settings, k == 0 ? 13u : 12u, back, sizeof back,
                                        &len),
                         OMP_OK);
        assert_int_equal(len, k == 0 ? sizeof custom : sizeof hdlc);
        assert_memory_equal(back, k == 0 ? custom : hdlc, len);
    }
}

/* PowerThresholdValue 1.1.96.51.1.255 and DST (clock attribute 8, DaylightSavingConfig
 * 1.1.96.52.11.255) written over DLMS (technical facts 11.3: RW): in force at once (the register
 * monitor's threshold is the same value; without DST the clock's deviation is 0 and it has no
 * DST dates), logged (22.0.0 with the object and attribute), and kept across a restart. */
static void test_params_kept(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    assert_true(associate(f, OMP_PORT_MODULE, 18u, PW_FACTORY));
    /* the factory: threshold 0 (counter off), the EU rule (Z15 = 001) */
    expect(f, OMP_PORT_MODULE, 18u, "C001C100030101603301FF0200", "C401C1000600000000");
    expect(f, OMP_PORT_MODULE, 18u, "C001C10008000101" "0000FF0800", "C401C1000301");
    expect(f, OMP_PORT_MODULE, 18u, "C001C100010101" "60340BFF0200", "C401C1001101");
    /* threshold := 12 000 W (0x2EE0); DST := false */
    expect(f, OMP_PORT_MODULE, 18u, "C101C100030101603301FF0200" "0600002EE0", "C501C100");
    struct omp_event ev;
    assert_true(find_event(&f->m, OMP_EV_CONFIG_CHANGED, &ev));
    assert_int_equal(ev.arg, 0x603301u);
    assert_int_equal(ev.flags, 2u);
    expect(f, OMP_PORT_MODULE, 18u, "C101C10008000101" "0000FF0800" "0300", "C501C100");
    assert_true(find_event(&f->m, OMP_EV_CONFIG_CHANGED, &ev));
    assert_int_equal(ev.arg, 0x60340Bu);
    /* DST 2 is no code; a long-unsigned for the threshold is type-unmatched */
    expect(f, OMP_PORT_MODULE, 18u, "C101C100010101" "60340BFF0200" "1102", "C501C1FA");
    expect(f, OMP_PORT_MODULE, 18u, "C101C100030101603301FF0200" "120001", "C501C10C");
    for (int pass = 0; pass < 2; pass++) { /* now, and after a restart */
        if (pass == 1) {
            start(f);
            assert_true(associate(f, OMP_PORT_HAN, 20u, PW_FACTORY));
        }
        enum omp_port port = pass == 0 ? OMP_PORT_MODULE : OMP_PORT_HAN;
        uint16_t client = pass == 0 ? 18u : 20u;
        expect(f, port, client, "C001C100030101603301FF0200", "C401C1000600002EE0");
        /* register monitor 0.0.16.0.0.255 thresholds: array of one double-long-unsigned */
        expect(f, port, client, "C001C100150000100000FF0200", "C401C10001010600002EE0");
        expect(f, port, client, "C001C10008000101" "0000FF0800", "C401C1000300");
        expect(f, port, client, "C001C100010101" "60340BFF0200", "C401C1001100");
        expect(f, port, client, "C001C10008000101" "0000FF0700", "C401C1000F00"); /* deviation 0 */
        expect(f, port, client, "C001C10008000101" "0000FF0600", "C401C10000");   /* no DST end */
        /* 13:00 local = 12:00 UTC in winter with or without DST: deviation -60 (FFC4), status 0 */
        expect(f, port, client, "C001C10008000101" "0000FF0200",
               "C401C100090C07E8010F010D0000FFFFC400");
    }
    assert_false(find_event(&f->m, OMP_EV_NVM_DAMAGED, &ev));
}

/* A record of written settings (key 14) this build cannot read (version 2) is reported
 * (OMP_EV_NVM_DAMAGED, flags 4) and left in place; the configuration's values serve. A write
 * then replaces it (the written value is the newer evidence) and a restart reports nothing. */
static void test_foreign_params_record(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    uint8_t rec[31];
    memset(rec, 0, sizeof rec);
    rec[0] = 2u;
    rec[1] = 1u;
    assert_int_equal(omp_store_write(&f->m.settings, 14u, rec, sizeof rec), OMP_OK);
    start(f);
    struct omp_event ev;
    assert_true(find_event(&f->m, OMP_EV_NVM_DAMAGED, &ev));
    assert_int_equal(ev.flags, 4u);
    uint8_t back[64];
    size_t len = 0;
    assert_int_equal(omp_store_read(&f->m.settings, 14u, back, sizeof back, &len), OMP_OK);
    assert_int_equal(len, sizeof rec);
    assert_memory_equal(back, rec, sizeof rec);
    assert_true(associate(f, OMP_PORT_MODULE, 18u, PW_FACTORY));
    expect(f, OMP_PORT_MODULE, 18u, "C001C100030101603301FF0200", "C401C1000600000000");
    expect(f, OMP_PORT_MODULE, 18u, "C101C100030101603301FF0200" "0600000064", "C501C100");
    start(f);
    assert_false(find_event(&f->m, OMP_EV_NVM_DAMAGED, &ev));
    assert_true(associate(f, OMP_PORT_MODULE, 18u, PW_FACTORY));
    expect(f, OMP_PORT_MODULE, 18u, "C001C100030101603301FF0200", "C401C1000600000064");
    /* the record's layout (docs/storage.md, key 14), written by hand: version 1, set mask 0x09
     * (the threshold and DST), 5000 W, two periods not set, DST 0, the optical settings not set */
    static const uint8_t mine[31] = {1u, 0x09u, 0u, 0u, 0x13u, 0x88u};
    assert_int_equal(omp_store_write(&f->m.settings, 14u, mine, sizeof mine), OMP_OK);
    start(f);
    assert_false(find_event(&f->m, OMP_EV_NVM_DAMAGED, &ev));
    assert_true(associate(f, OMP_PORT_MODULE, 18u, PW_FACTORY));
    expect(f, OMP_PORT_MODULE, 18u, "C001C100030101603301FF0200", "C401C1000600001388");
    expect(f, OMP_PORT_MODULE, 18u, "C001C10008000101" "0000FF0800", "C401C1000300");
    /* a set value out of its range (load profile period 600 s) makes the record foreign, and
     * so does a set optical setting out of range (Ta 0 ms) */
    for (int k = 0; k < 2; k++) {
        uint8_t bad[31] = {1u, k == 0 ? 0x02u : 0x10u};
        bad[8] = 0x02u; /* the load profile's period (bytes 6..9): 0x258 = 600 */
        bad[9] = 0x58u;
        assert_int_equal(omp_store_write(&f->m.settings, 14u, bad, sizeof bad), OMP_OK);
        start(f);
        assert_true(find_event(&f->m, OMP_EV_NVM_DAMAGED, &ev));
        assert_true(associate(f, OMP_PORT_MODULE, 18u, PW_FACTORY));
        expect(f, OMP_PORT_MODULE, 18u, "C001C100030101603301FF0200", "C401C1000600000000");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secret_kept),
        cmocka_unit_test(test_port_secret_and_own_server),
        cmocka_unit_test(test_foreign_record),
        cmocka_unit_test(test_clock_and_legal),
        cmocka_unit_test(test_custom_kept_and_billing_stop),
        cmocka_unit_test(test_foreign_custom_and_hdlc_records),
        cmocka_unit_test(test_params_kept),
        cmocka_unit_test(test_foreign_params_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

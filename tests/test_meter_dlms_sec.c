/*
 * The meter's side of the DLMS management association (meter_dlms.c, docs/dlms-server.md
 * "Security"): the server system title "KAME" + the meter number as 4 bytes big-endian (technical
 * facts 12.4), and the server's invocation counters reserved in blocks of 1024 in the settings
 * store, so that a restart starts above every counter the meter may have used.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/hal_fakes.h"
#include "omnipower/meter.h"
#include "omnipower/storage.h"
#include "omnipower/port_posix.h"

#include "test_hex.h"

#define SECTOR  4096u
#define SECTORS 16u
#define SIZE    (SECTOR * SECTORS)
#define T0      ((omp_time_s)1705320000) /* 2024-01-15T12:00:00Z */

static const struct omp_nvm_geometry k_geo = {
    .size = SIZE,
    .sector_size = SECTOR,
    .program_unit = 8u,
    .erase_value = 0xFFu,
    .erase_cycles = 100000u,
};

struct fx {
    uint8_t mem[SIZE];
    uint32_t erases[SECTORS];
    struct omp_fake_board b;
    struct omp_hal_ops ops;
    struct omp_hal hal;
    struct omp_meter_cfg cfg;
    struct omp_meter m, m2;
    uint8_t out[256];
};

static struct fx g_fx;
static struct omp_posix_port g_keys; /* the meter's key store for the ciphered tests */

/* Requests of the management client (tools/dlms_sec_vectors.py, Green Book test keys, client
 * title 4D4D4D0000BC614E, StoC 10..1F): AARQs with the glo-initiateRequest under IC 1 and 3,
 * HLS pass 3 (f(StoC) under IC 2), a glo-get-request of Association LN attribute 1 under IC 3. */
#define AARQ_IC1 \
    "605DA109060760857405080103A60A04084D4D4D0000BC614E8A0207808B0760857405080205AC1280104142" \
    "434445464748494A4B4C4D4E4F50BE230421211F3000000001D061000A04EC615571842A148D5D0B7DFC10A3" \
    "72202F5B4E65C7"
#define AARQ_IC3 \
    "605DA109060760857405080103A60A04084D4D4D0000BC614E8A0207808B0760857405080205AC1280104142" \
    "434445464748494A4B4C4D4E4F50BE230421211F30000000037AC35AB99C2B7C3BDC67AC40523A02D8ABDCE6" \
    "03F2BCEDF42470"
#define PASS3_PLAIN_IC2 \
    "C301C1000F0000280000FF010109111000000002B539AFDE210EDD84D482FA9D"
#define GLO_GET_LN_IC3 \
    "C81E3000000003BBC29BB995746317DC67AD5E5615D64766108F21F816467D40"

/* The crypto ops are never called here (no AARQ): present so that the meter keeps counters. */
static omp_err no_gcm(void *user, const struct omp_gcm_op *op)
{
    (void)user;
    (void)op;
    return OMP_ERR_HAL;
}

static omp_err no_entropy(void *user, uint8_t *dst, size_t len)
{
    (void)user;
    (void)dst;
    (void)len;
    return OMP_ERR_HAL;
}

static struct fx *fx_new(void)
{
    struct fx *f = &g_fx;
    memset(f, 0, sizeof *f);
    assert_int_equal(omp_fake_board_init(&f->b, f->mem, &k_geo, f->erases, T0), OMP_OK);
    f->hal = omp_fake_board_hal(&f->b);
    f->ops = *f->hal.ops;
    f->ops.aead_gcm = no_gcm;
    f->ops.entropy = no_entropy;
    f->hal.ops = &f->ops;
    omp_meter_cfg_default(&f->cfg);
    f->cfg.meter_number = 27581522u; /* 01A4DC52: the Danish HAN push's meter */
    assert_int_equal(omp_meter_init(&f->m, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    return f;
}

/* One request on the module port (a release: answered whatever the association). */
static void request(struct fx *f, struct omp_meter *m)
{
    static const uint8_t rlrq[] = {0x62, 0x03, 0x80, 0x01, 0x00};
    struct omp_wr w = omp_wr_init(f->out, sizeof f->out);
    assert_int_equal(omp_meter_dlms(m, OMP_PORT_MODULE, 1u, 16u, rlrq, sizeof rlrq, &w), OMP_OK);
    assert_int_equal(omp_wr_len(&w), 5u); /* RLRE 63 03 80 01 00 */
}

static void test_system_title(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    static const uint8_t want[8] = {0x4B, 0x41, 0x4D, 0x45, 0x01, 0xA4, 0xDC, 0x52};
    assert_memory_equal(f->m.dlms_sec.system_title, want, 8u);
}

static void test_ic_reserved_and_restored(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    /* a new meter (or an NVM image from before the counter was kept): counters from 0, none
     * reserved until the first request */
    assert_int_equal(f->m.dlms_sec.ic, 0u);
    assert_int_equal(f->m.dlms_sec.ic_limit, 0u);
    request(f, &f->m);
    assert_int_equal(f->m.dlms_sec.ic_limit, 1024u);
    /* counters used up to the end of the block: the next request reserves the next one */
    f->m.dlms_sec.ic = 1023u;
    request(f, &f->m);
    assert_int_equal(f->m.dlms_sec.ic_limit, 1023u + 1024u);
    /* a restart (as after a power cut) starts at the mark: above every counter used */
    f->m.dlms_sec.ic = 1500u;
    assert_int_equal(omp_meter_init(&f->m2, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    assert_int_equal(f->m2.dlms_sec.ic, 2047u);
    request(f, &f->m2);
    assert_int_equal(f->m2.dlms_sec.ic_limit, 2047u + 1024u);
}

static void test_no_crypto_no_counters(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    f->ops.aead_gcm = NULL; /* a port without the gcm op: nothing reserved, nothing written */
    assert_int_equal(omp_meter_init(&f->m2, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    request(f, &f->m2);
    assert_int_equal(f->m2.dlms_sec.ic_limit, 0u);
}

/* The port's AES-GCM with the keys of g_keys (mbed TLS, POSIX port), and StoC 10..1F. */
static omp_err keys_gcm(void *user, const struct omp_gcm_op *op)
{
    (void)user;
    return omp_posix_aead_gcm(&g_keys, op);
}

static omp_err fixed_entropy(void *user, uint8_t *dst, size_t len)
{
    (void)user;
    for (size_t k = 0; k < len; k++) {
        dst[k] = (uint8_t)(0x10u + k);
    }
    return OMP_OK;
}

/* Send @p hex from the management client; the answer's first bytes in f->out, its length back. */
static size_t mgmt(struct fx *f, struct omp_meter *m, const char *hex)
{
    uint8_t req[160];
    size_t n = unhex(hex, req, sizeof req);
    struct omp_wr w = omp_wr_init(f->out, sizeof f->out);
    assert_int_equal(omp_meter_dlms(m, OMP_PORT_MODULE, 1u, 16u, req, n, &w), OMP_OK);
    return omp_wr_len(&w);
}

/* An AARE's result (A2 03 02 01 <result> after the 11-byte context name). */
static uint8_t aare_result(const struct fx *f)
{
    assert_int_equal(f->out[0], 0x61u);
    return f->out[17];
}

/* A meter whose port holds the Green Book test keys, StoC 10..1F. */
static struct fx *fx_keys(void)
{
    struct fx *f = fx_new();
    omp_posix_port_init(&g_keys);
    assert_int_equal(omp_posix_crypto_load_keys_hex(
                         &g_keys,
                         "guek=000102030405060708090A0B0C0D0E0F,gak=D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF",
                         NULL, 0u),
                     OMP_OK);
    f->ops.aead_gcm = keys_gcm;
    f->ops.entropy = fixed_entropy;
    assert_int_equal(omp_meter_init(&f->m, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    return f;
}

/* AARQ (IC 1), HLS pass 3 (IC 2), a ciphered GET (IC 3) on @p m: all taken. */
static void session(struct fx *f, struct omp_meter *m)
{
    mgmt(f, m, AARQ_IC1);
    assert_int_equal(aare_result(f), 0u);
    mgmt(f, m, PASS3_PLAIN_IC2);
    assert_int_equal(f->out[0], 0xC7u); /* ACTION-response, success */
    assert_int_equal(f->out[3], 0u);
    mgmt(f, m, GLO_GET_LN_IC3);
    assert_int_equal(f->out[0], 0xCCu); /* glo-get-response */
}

/* The management client's newest IC is kept in NVM: a recorded session replayed after a restart
 * is refused. Kept exactly after the client's AARQ and release (no association set up after the
 * request), else when 64 ahead of the kept one; without it, both AARQs below would be taken
 * after the restarts. */
static void test_client_ic_kept(void **state)
{
    (void)state;
    struct fx *f = fx_keys();
    session(f, &f->m);
    /* a restart without the association's end: IC 1 was kept after the AARQ (IC 3 is not yet:
     * under the step), so the recorded AARQ is refused, authentication-failure */
    assert_int_equal(omp_meter_init(&f->m2, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    mgmt(f, &f->m2, AARQ_IC1);
    assert_int_not_equal(aare_result(f), 0u);
    /* IC 3 is above the kept 1: taken and kept; after a restart it is refused too */
    mgmt(f, &f->m2, AARQ_IC3);
    assert_int_equal(aare_result(f), 0u);
    assert_int_equal(omp_meter_init(&f->m, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    mgmt(f, &f->m, AARQ_IC3);
    assert_int_not_equal(aare_result(f), 0u);
    omp_posix_port_close(&g_keys);
}

/* A power-fail warning keeps the newest IC exactly: after it, even the GET's IC 3 is kept, so
 * AARQ_IC3 is refused after the restart (without the warning only IC 1 would be kept). */
static void test_client_ic_power_fail(void **state)
{
    (void)state;
    struct fx *f = fx_keys();
    session(f, &f->m);
    omp_meter_on_input(&f->m, OMP_INPUT_POWER_FAIL, true);
    assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
    assert_int_equal(omp_meter_init(&f->m2, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    mgmt(f, &f->m2, AARQ_IC3);
    assert_int_not_equal(aare_result(f), 0u);
    omp_posix_port_close(&g_keys);
}

/* A counter record this build cannot read (9 bytes, as another firmware might leave): reported
 * (OMP_EV_NVM_DAMAGED), kept, and no counter at all (the management association is refused):
 * never counters from 0 again, which would seal twice with one IC. */
static void test_foreign_ic_record(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    static const uint8_t rec[9] = {0, 0, 0x10, 0, 0, 0, 0, 5, 0};
    assert_int_equal(omp_store_write(&f->m.settings, 10u, rec, sizeof rec), OMP_OK);
    assert_int_equal(omp_meter_init(&f->m2, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    assert_int_equal(f->m2.dlms_sec.ic, UINT32_MAX);
    struct omp_evq_reader rd;
    struct omp_event ev;
    bool seen = false;
    assert_int_equal(omp_evq_reader_init(omp_meter_events(&f->m2), &rd), OMP_OK);
    while (omp_evq_read(omp_meter_events(&f->m2), &rd, &ev, NULL) == OMP_OK) {
        seen = seen || ev.code == OMP_EV_NVM_DAMAGED;
    }
    assert_true(seen);
    request(f, &f->m2); /* nothing reserved, the record stays as it was */
    uint8_t back[9];
    size_t len = 0;
    assert_int_equal(omp_store_read(&f->m2.settings, 10u, back, sizeof back, &len), OMP_OK);
    assert_int_equal(len, sizeof rec);
    assert_memory_equal(back, rec, sizeof rec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_system_title),
        cmocka_unit_test(test_ic_reserved_and_restored),
        cmocka_unit_test(test_no_crypto_no_counters),
        cmocka_unit_test(test_client_ic_kept),
        cmocka_unit_test(test_client_ic_power_fail),
        cmocka_unit_test(test_foreign_ic_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

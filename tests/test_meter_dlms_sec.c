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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_system_title),
        cmocka_unit_test(test_ic_reserved_and_restored),
        cmocka_unit_test(test_no_crypto_no_counters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

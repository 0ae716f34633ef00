/*
 * The meter's HAN push (lib/meter/meter_han.c, docs/han.md) on the fake board: off by default;
 * with a list on, the poll writes UI frames to OMP_PORT_HAN at hh:mm:s0 and nothing else, and the
 * CCC port takes no request; ciphered, the invocation counters keep increasing across a restart
 * even when the RTC went back an hour (the counters reserved in the settings store).
 * The AES-GCM op is a stand-in (the frames' ciphering is test_push's); only the counters matter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/hal_fakes.h"
#include "omnipower/hdlc.h"
#include "omnipower/meter.h"
#include "omnipower/storage.h"

#define SECTOR    4096u
#define SECTORS   16u
#define SIZE      (SECTOR * SECTORS)
#define T0        ((omp_time_s)1705320000) /* 2024-01-15T12:00:00Z, 13:00:00 CET */
#define EPOCH2020 1577836800

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
};

static struct fx g_fx;
static struct omp_meter g_m1, g_m2;
static uint8_t g_tx[16384];
static size_t g_tx_len;
static unsigned g_other_port_bytes;

static omp_err cap_write(void *user, enum omp_port port, const uint8_t *data, size_t len,
                         size_t *written)
{
    (void)user;
    if (port != OMP_PORT_HAN) {
        g_other_port_bytes += (unsigned)len;
    } else {
        assert_true(g_tx_len + len <= sizeof g_tx);
        memcpy(g_tx + g_tx_len, data, len);
        g_tx_len += len;
    }
    *written = len;
    return OMP_OK;
}

/* Stand-in AES-GCM: out = in, tag zero (the counter handling is under test, not the cipher). */
static omp_err plain_gcm(void *user, const struct omp_gcm_op *op)
{
    (void)user;
    if (op->len != 0u) {
        memmove(op->out, op->in, op->len);
    }
    memset(op->tag, 0, op->tag_len);
    return OMP_OK;
}

static struct fx *fx_new(uint8_t lists, bool encrypt)
{
    struct fx *f = &g_fx;
    memset(f, 0, sizeof *f);
    assert_int_equal(omp_fake_board_init(&f->b, f->mem, &k_geo, f->erases, T0), OMP_OK);
    struct omp_hal h = omp_fake_board_hal(&f->b);
    f->ops = *h.ops;
    f->ops.port_write = cap_write;
    f->ops.aead_gcm = plain_gcm;
    f->hal = (struct omp_hal){&f->ops, h.user};
    omp_meter_cfg_default(&f->cfg);
    f->cfg.meter_number = 27581522u;
    f->cfg.han_push.lists = lists;
    f->cfg.han_push.encrypt = encrypt;
    g_tx_len = 0;
    g_other_port_bytes = 0;
    return f;
}

static void run(struct fx *f, struct omp_meter *m, unsigned ms)
{
    for (unsigned t = 0; t < ms; t += 100u) {
        omp_fake_clock_advance_ms(&f->b.clock, 100u);
        omp_meter_tick(m, &f->b.clock.now);
        assert_int_equal(omp_meter_poll(m), OMP_OK);
    }
}

/* The frames in g_tx: count them, and collect the invocation counters of ciphered ones. */
static size_t frames(uint32_t *ics, size_t *n_ics)
{
    size_t at = 0, n = 0;
    while (at < g_tx_len) {
        struct omp_hdlc_frame fr;
        size_t used = 0;
        assert_int_equal(omp_hdlc_decode(g_tx + at, g_tx_len - at, &fr, &used), OMP_OK);
        assert_int_equal(fr.type, OMP_HDLC_UI);
        assert_true(fr.pf);
        /* E6 E7 00 then 0F (plain) or DB 08 <8> 82 LL LL 30 <IC> */
        assert_int_equal(fr.info[0], 0xE6);
        if (fr.info[3] == 0xDB) {
            assert_int_equal(fr.info[16], 0x30);
            ics[(*n_ics)++] = (uint32_t)fr.info[17] << 24 | (uint32_t)fr.info[18] << 16 |
                              (uint32_t)fr.info[19] << 8 | fr.info[20];
        } else {
            assert_int_equal(fr.info[3], 0x0F);
        }
        at += used;
        n++;
    }
    return n;
}

static void push_off_by_default(void **state)
{
    (void)state;
    struct fx *f = fx_new(0u, false);
    struct omp_meter_cfg def;
    omp_meter_cfg_default(&def);
    assert_int_equal(def.han_push.lists, 0u);
    assert_int_equal(omp_meter_init(&g_m1, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    run(f, &g_m1, 30000u);
    assert_int_equal(g_tx_len, 0u);
}

static void pushes_every_ten_seconds(void **state)
{
    (void)state;
    struct fx *f = fx_new(OMP_PUSH_BIT(OMP_PUSH_NVE1), false);
    assert_int_equal(omp_meter_init(&g_m1, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    /* 13:00:00.1 .. 13:00:35.0 local: the first poll arms, then 13:00:10, :20, :30 */
    run(f, &g_m1, 35000u);
    uint32_t ics[8];
    size_t n_ics = 0;
    assert_int_equal(frames(ics, &n_ics), 3u);
    assert_int_equal(n_ics, 0u);
    assert_int_equal(g_m1.han.pushes, 3u);
    assert_int_equal(g_other_port_bytes, 0u);
    /* push only: a request on the CCC port is not answered */
    static const uint8_t snrm[] = {0x7E, 0xA0, 0x07, 0x03, 0x21, 0x93, 0x0F, 0x01, 0x7E};
    size_t before = g_tx_len;
    assert_int_equal(omp_meter_on_rx(&g_m1, OMP_PORT_HAN, snrm, sizeof snrm), OMP_ERR_UNSUPPORTED);
    run(f, &g_m1, 500u);
    assert_int_equal(g_tx_len, before);
}

static void ic_survives_restart_and_rtc_step_back(void **state)
{
    (void)state;
    struct fx *f = fx_new(OMP_PUSH_BIT(OMP_PUSH_DK), true);
    assert_int_equal(omp_meter_init(&g_m1, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    run(f, &g_m1, 25000u); /* 13:00:10 and 13:00:20 */
    uint32_t ics[8];
    size_t n_ics = 0;
    assert_int_equal(frames(ics, &n_ics), 2u);
    assert_int_equal(n_ics, 2u);
    /* the counters follow the clock: seconds since 2020-01-01 of 12:00:10 and 12:00:20 UTC */
    assert_int_equal(ics[0], (uint32_t)(T0 + 10 - EPOCH2020));
    assert_int_equal(ics[1], (uint32_t)(T0 + 20 - EPOCH2020));
    assert_int_equal(omp_meter_flush(&g_m1), OMP_OK);
    /* restart on the same NVM with the RTC an hour back */
    omp_fake_clock_set_utc(&f->b.clock, T0 - 3600);
    g_tx_len = 0;
    assert_int_equal(omp_meter_init(&g_m2, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    run(f, &g_m2, 25000u);
    assert_int_equal(frames(ics, &n_ics), 2u);
    assert_int_equal(n_ics, 4u);
    for (size_t k = 1; k < n_ics; k++) {
        assert_true(ics[k] > ics[k - 1u]);
    }
}

/* A push counter mark this build cannot read (9 bytes at its key, 0x4849 "HI"): reported
 * (OMP_EV_NVM_DAMAGED), kept, and no ciphered push (an IC from the clock could repeat one the
 * lost mark covered); the poll says so (OMP_ERR_NVM_CORRUPT, as for a damaged NVM). */
static void foreign_ic_mark_no_ciphered_push(void **state)
{
    (void)state;
    struct fx *f = fx_new(OMP_PUSH_BIT(OMP_PUSH_DK), true);
    assert_int_equal(omp_meter_init(&g_m1, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    static const uint8_t rec[9] = {0, 0, 0x10, 0, 0, 0, 0, 5, 0};
    assert_int_equal(omp_store_write(&g_m1.settings, 0x4849u, rec, sizeof rec), OMP_OK);
    g_tx_len = 0;
    assert_int_equal(omp_meter_init(&g_m2, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    omp_err last = OMP_OK;
    for (unsigned t = 0; t < 25000u; t += 100u) {
        omp_fake_clock_advance_ms(&f->b.clock, 100u);
        omp_meter_tick(&g_m2, &f->b.clock.now);
        omp_err e = omp_meter_poll(&g_m2);
        last = e != OMP_OK ? e : last;
    }
    assert_int_equal(last, OMP_ERR_NVM_CORRUPT);
    assert_int_equal(g_tx_len, 0u);
    struct omp_evq_reader rd;
    struct omp_event ev;
    bool seen = false;
    assert_int_equal(omp_evq_reader_init(omp_meter_events(&g_m2), &rd), OMP_OK);
    while (omp_evq_read(omp_meter_events(&g_m2), &rd, &ev, NULL) == OMP_OK) {
        seen = seen || ev.code == OMP_EV_NVM_DAMAGED;
    }
    assert_true(seen);
    uint8_t back[9];
    size_t len = 0;
    assert_int_equal(omp_store_read(&g_m2.settings, 0x4849u, back, sizeof back, &len), OMP_OK);
    assert_int_equal(len, sizeof rec); /* not overwritten */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(push_off_by_default),
        cmocka_unit_test(pushes_every_ten_seconds),
        cmocka_unit_test(ic_survives_restart_and_rtc_step_back),
        cmocka_unit_test(foreign_ic_mark_no_ciphered_push),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

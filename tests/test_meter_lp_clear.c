/*
 * A clear of the load profile (omp_meter_log_clear) cut by a power loss during its erase: the
 * restart finds no damage, the registers go on being saved, the clear is all or nothing.
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
#include "omnipower/logger.h"

#define SECTOR 4096u
#define SECTORS 128u
#define SIZE (SECTOR * SECTORS) /* 512 KiB */
#define FS 4000u
#define SPC (FS / 50u)
#define T0 ((omp_time_s)1798761600) /* 2027-01-01T00:00:00Z, a Friday in winter */
#define PI 3.14159265358979323846

static const struct omp_nvm_geometry k_geo = {
    .size = SIZE, .sector_size = SECTOR, .program_unit = 8u, .erase_value = 0xFFu,
    .erase_cycles = 100000u,
};

struct fx {
    uint8_t mem[SIZE];
    struct omp_fake_board b;
    struct omp_hal hal;
    struct omp_meter_cfg cfg;
    struct omp_meter m;
    int32_t cycle[2u * SPC];
};

static struct fx g_fx;
static struct omp_hal_ops g_ops;
static uint32_t g_tear_at, g_erases;
static omp_err tear_erase(void *user, uint32_t addr)
{
    struct omp_fake_board *b = user;
    if (g_tear_at != 0u && ++g_erases == g_tear_at) {
        memset(b->nvm.mem + addr / SECTOR * SECTOR, 0xFF, SECTOR / 2u); /* torn: half erased */
        b->nvm.powered = false;
        return OMP_ERR_POWER_LOST;
    }
    return omp_ram_nvm_erase(&b->nvm, addr);
}

static double t_sin(double x)
{
    while (x > PI) {
        x -= 2.0 * PI;
    }
    double term = x, sum = x;
    for (int k = 1; k < 20; k++) {
        term *= -x * x / (double)((2 * k) * (2 * k + 1));
        sum += term;
    }
    return sum;
}

/* 230 V and @p amps at @p phi_deg (import with inductive Q for 0 < phi < 90). */
static void load(struct fx *f, double amps, double phi_deg)
{
    double vp = 230.0 * 1.4142135623730951 / (double)f->cfg.cal.v_gain;
    double ip = amps * 1.4142135623730951 / (double)f->cfg.cal.i_gain;
    for (unsigned k = 0; k < SPC; k++) {
        double th = 2.0 * PI * (double)k / (double)SPC;
        f->cycle[2u * k] = (int32_t)(vp * t_sin(th));
        f->cycle[2u * k + 1u] = (int32_t)(ip * t_sin(th - phi_deg * PI / 180.0));
    }
}

static void start(struct fx *f)
{
    assert_int_equal(omp_meter_init(&f->m, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
}

static struct fx *fx_new(void)
{
    struct fx *f = &g_fx;
    memset(f, 0, sizeof *f);
    assert_int_equal(omp_fake_board_init(&f->b, f->mem, &k_geo, NULL, T0), OMP_OK);
    f->hal = omp_fake_board_hal(&f->b);
    g_ops = *f->hal.ops;
    g_ops.nvm_erase = tear_erase;
    f->hal.ops = &g_ops;
    omp_meter_cfg_default(&f->cfg);
    f->cfg.meter_number = 12345678u;
    f->cfg.sample_rate_hz = FS;
    f->cfg.lp_sectors = OMP_METER_LP_DEPTH;
    load(f, 40.0, 30.0);
    start(f);
    return f;
}

static struct omp_meter_nvm_info info_of(const struct omp_meter *m)
{
    struct omp_meter_nvm_info i;
    assert_int_equal(omp_meter_nvm_info(m, &i), OMP_OK);
    return i;
}

/* The newest entry of the load profile. */
static struct omp_plog_entry newest(const struct omp_meter *m)
{
    const struct omp_profile *p = omp_meter_load_profile(m);
    struct omp_plog_cursor c;
    struct omp_plog_entry e;
    assert_non_null(p);
    assert_int_equal(omp_plog_seek(&p->log, omp_profile_no_of_age(p, 0u), &c), OMP_OK);
    assert_int_equal(omp_plog_next(&p->log, &c, &e, NULL), OMP_OK);
    return e;
}

/* A+, A-, R+, R- of the meter now, in Wh (varh): what the dictionary's 1.8.0 .. 4.8.0 give. */
static void regs_wh(const struct omp_meter *m, int64_t v[4])
{
    struct omp_meter_snapshot s;
    assert_int_equal(omp_meter_snapshot(m, &s), OMP_OK);
    v[0] = (int64_t)(s.energy.a_plus_uwh / 1000000u);
    v[1] = (int64_t)(s.energy.a_minus_uwh / 1000000u);
    v[2] = (int64_t)(s.energy.r_plus_uvarh / 1000000u);
    v[3] = (int64_t)(s.energy.r_minus_uvarh / 1000000u);
}

/* @p minutes of compressed time; after each tick that added an entry, the entry holds the
 * registers of that moment and ends the next period. @return entries added. */
static uint32_t run(struct fx *f, unsigned minutes)
{
    const struct omp_profile *p = omp_meter_load_profile(&f->m);
    uint32_t added = 0;
    for (unsigned t = 0; t < minutes; t++) {
        uint32_t before = p->log.next_no;
        for (unsigned c = 0; c < 5u; c++) {
            omp_meter_on_samples(&f->m, f->cycle, SPC);
        }
        omp_fake_clock_advance_ms(&f->b.clock, 60000u);
        omp_meter_tick(&f->m, &f->b.clock.now);
        assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
        if (p->log.next_no != before) {
            assert_int_equal(p->log.next_no, before + 1u);
            struct omp_plog_entry e = newest(&f->m);
            int64_t v[4];
            regs_wh(&f->m, v);
            assert_memory_equal(e.v, v, sizeof v);
            assert_int_equal(e.t % 900, 0); /* a quarter of normal time (UTC + 1 h) */
            added++;
        }
    }
    return added;
}


/* A power cut during omp_meter_log_clear(OMP_METER_LOG_LP): after it the meter reports damage
 * and stops saving the registers. */
static void test_cut_in_lp_clear(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    run(f, 4u * 24u * 60u);
    assert_int_equal(omp_meter_flush(&f->m), OMP_OK);
    printf("lp head %u, entries %u, head_off %u\n", omp_meter_load_profile(&f->m)->log.head,
           omp_plog_count(&omp_meter_load_profile(&f->m)->log),
           omp_meter_load_profile(&f->m)->log.head_off);
    g_erases = 0;
    g_tear_at = 1u; /* the clear's first erase (sector 0 of the profile) is cut */
    assert_int_not_equal(omp_meter_log_clear(&f->m, OMP_METER_LOG_LP), OMP_OK);
    g_tear_at = 0;
    omp_ram_nvm_power_on(&f->b.nvm);
    start(f);
    struct omp_meter_nvm_info i = info_of(&f->m);
    printf("after the cut in the clear: damaged sectors %u\n", i.damaged_sectors);
    uint64_t prog = f->b.nvm.programmed_bytes;
    for (unsigned t = 0; t < 120u; t++) {
        for (unsigned c = 0; c < 5u; c++) {
            omp_meter_on_samples(&f->m, f->cycle, SPC);
        }
        omp_fake_clock_advance_ms(&f->b.clock, 60000u);
        omp_meter_tick(&f->m, &f->b.clock.now);
        (void)omp_meter_poll(&f->m);
    }
    printf("bytes programmed in 2 hours of 40 A after it: %llu\n",
           (unsigned long long)(f->b.nvm.programmed_bytes - prog));
    assert_int_equal(i.damaged_sectors, 0u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cut_in_lp_clear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The registers' persistence on its own (no meter): checkpoint ids that wrap, the mirror's choice
 * across the wrap, and the legal record's arguments and refusals (docs/storage.md "The mirror").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/hal_fakes.h"
#include "omnipower/registers.h"

#define SECTOR 4096u
#define SECTORS 16u
#define SIZE (SECTOR * SECTORS)

static const struct omp_nvm_geometry k_geo = {
    .size = SIZE, .sector_size = SECTOR, .program_unit = 8u, .erase_value = 0xFFu,
    .erase_cycles = 100000u,
};

static const struct omp_hal_ops k_ops = {
    .nvm_geometry = omp_ram_nvm_geometry, .nvm_read = omp_ram_nvm_read,
    .nvm_program = omp_ram_nvm_program, .nvm_erase = omp_ram_nvm_erase,
};

static uint8_t g_mem[SIZE];
static struct omp_ram_nvm g_nvm;
static uint8_t g_buf[OMP_REGS_PERSIST_BUF];
static struct omp_regs_regions g_rg;

/* journal 0..7, mirror 8..9, billing log 10..15 */
static void board(void)
{
    assert_int_equal(omp_ram_nvm_init(&g_nvm, g_mem, &k_geo, NULL), OMP_OK);
    omp_ram_nvm_format(&g_nvm);
    const struct omp_nvm_region j = {&k_ops, &g_nvm, 0u, 8u};
    const struct omp_nvm_region m = {&k_ops, &g_nvm, 8u * SECTOR, 2u};
    const struct omp_nvm_region b = {&k_ops, &g_nvm, 10u * SECTOR, 6u};
    g_rg.journal = j;
    g_rg.mirror = m;
    g_rg.billing = b;
}

static void regs_new(struct omp_registers *r)
{
    struct omp_regs_cfg cfg;
    omp_regs_cfg_default(&cfg);
    assert_int_equal(omp_registers_init(r, &cfg), OMP_OK);
}

static void add_wh(struct omp_registers *r, uint64_t wh)
{
    struct omp_metro_energy d;
    memset(&d, 0, sizeof d);
    d.a_plus_uwh = wh * 1000000u;
    omp_registers_add_energy(r, &d, 1u);
}

/* The newest record of @p key (white box: the store's index). */
static uint32_t newest_addr(const struct omp_regs_persist *p, uint16_t key)
{
    for (size_t k = 0; k < OMP_CONFIG_STORE_KEYS; k++) {
        if (p->store.index[k].key == key) {
            return p->store.index[k].addr;
        }
    }
    fail();
    return 0;
}

/* Ids count up and wrap from 0xFFFFFFFF to 1 (0 is "none"); the restore orders them as serial
 * numbers, so checkpoint 1 after 0xFFFFFFFF is the newer one, in the journal and in the mirror. */
static void test_checkpoint_ids_wrap(void **state)
{
    (void)state;
    static struct omp_regs_persist p, p2;
    static struct omp_registers r, r2;
    board();
    regs_new(&r);
    assert_int_equal(omp_regs_persist_open(&p, &g_rg, g_buf, false), OMP_OK);
    static const uint8_t legal[3] = {1, 2, 3};
    assert_int_equal(omp_regs_persist_legal(&p, legal, sizeof legal), OMP_OK);
    omp_regs_persist_budget(&p, &r);
    assert_true(p.mirror_min_ms > 60000u);
    r.checkpoint_id = UINT32_MAX - 1u;
    r.cold_due = true;
    add_wh(&r, 5u);
    assert_int_equal(omp_regs_persist_save(&p, &r, 0u, false), OMP_OK);
    assert_int_equal(r.checkpoint_id, UINT32_MAX);
    assert_int_equal(p.mirror_saves, 1u);
    add_wh(&r, 7u);
    r.cold_due = true;
    p.mirror_credit_ms = 0u; /* white box: a burst before emptied the mirror's bucket */
    assert_int_equal(omp_regs_persist_save(&p, &r, 1000u, false), OMP_OK);
    assert_int_equal(r.checkpoint_id, 1u); /* wrapped, 0 skipped */
    assert_int_equal(p.mirror_saves, 1u);  /* held back by the budget... */
    assert_int_equal(p.hot_saves, 1u);     /* ...so a hot record names it at once */
    assert_int_equal(omp_regs_persist_save(&p, &r, 2000u, true), OMP_OK);
    assert_int_equal(p.mirror_saves, 2u); /* a forced save takes it to the mirror */

    regs_new(&r2);
    assert_int_equal(omp_regs_persist_open(&p2, &g_rg, g_buf, false), OMP_OK);
    assert_int_equal(omp_regs_persist_restore(&p2, &r2), OMP_OK);
    assert_int_equal(p2.restored_from, OMP_REGS_FROM_JOURNAL);
    assert_int_equal(p2.restored_id, 1u);
    assert_int_equal(p2.newest_id, 1u);
    assert_false(p2.rolled_back);
    assert_int_equal(r2.e.total.a_plus_uwh, 12000000u);

    /* the journal's checkpoint 1 lost: its older version is 0xFFFFFFFF, the mirror's 1 wins */
    g_mem[newest_addr(&p2, OMP_REGS_KEY_COLD) + OMP_STORE_REC_HDR + 20u] ^= 0x08u;
    regs_new(&r2);
    assert_int_equal(omp_regs_persist_open(&p2, &g_rg, g_buf, true), OMP_OK);
    assert_int_equal(omp_regs_persist_restore(&p2, &r2), OMP_OK);
    assert_int_equal(p2.restored_from, OMP_REGS_FROM_MIRROR);
    assert_int_equal(p2.restored_id, 1u);
    assert_false(p2.rolled_back); /* the hot record on it survived */
    assert_int_equal(r2.e.total.a_plus_uwh, 12000000u);
}

/* The legal record: arguments, stored once, compared after, refused when different. */
static void test_legal_record(void **state)
{
    (void)state;
    static struct omp_regs_persist p;
    static uint8_t big[OMP_REGS_LEGAL_MAX + 1u];
    board();
    assert_int_equal(omp_regs_persist_open(&p, &g_rg, g_buf, true), OMP_OK);
    assert_int_equal(omp_regs_persist_legal(NULL, big, 1u), OMP_ERR_ARG);
    assert_int_equal(omp_regs_persist_legal(&p, NULL, 1u), OMP_ERR_ARG);
    assert_int_equal(omp_regs_persist_legal(&p, big, 0u), OMP_ERR_ARG);
    assert_int_equal(omp_regs_persist_legal(&p, big, sizeof big), OMP_ERR_ARG);
    assert_int_equal(g_nvm.program_calls, 0u);
    /* read only and none stored: nothing written, nothing compared */
    assert_int_equal(omp_regs_persist_legal(&p, big, OMP_REGS_LEGAL_MAX), OMP_OK);
    assert_int_equal(g_nvm.program_calls, 0u);
    /* stored at the first writable call, then compared */
    memset(big, 0xA5, sizeof big);
    assert_int_equal(omp_regs_persist_open(&p, &g_rg, g_buf, false), OMP_OK);
    uint64_t formatted = g_nvm.program_calls; /* the sector headers of the erased regions */
    assert_int_equal(omp_regs_persist_legal(&p, big, OMP_REGS_LEGAL_MAX), OMP_OK);
    uint64_t programmed = g_nvm.program_calls;
    assert_true(programmed > formatted);
    assert_int_equal(omp_regs_persist_open(&p, &g_rg, g_buf, false), OMP_OK);
    assert_int_equal(omp_regs_persist_legal(&p, big, OMP_REGS_LEGAL_MAX), OMP_OK);
    big[17] ^= 1u;
    assert_int_equal(omp_regs_persist_legal(&p, big, OMP_REGS_LEGAL_MAX), OMP_ERR_DENIED);
    assert_int_equal(omp_regs_persist_legal(&p, big, 10u), OMP_ERR_DENIED); /* another length */
    assert_int_equal(g_nvm.program_calls, programmed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checkpoint_ids_wrap),
        cmocka_unit_test(test_legal_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

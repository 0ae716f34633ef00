/**
 * @file bench_plog.c
 * @brief omnipower-stm32-bench-plog: instruction counts of the packed log's 1-day read on the
 * Cortex-M4F, run under `qemu-system-arm -M netduinoplus2 -icount shift=0` (target
 * qemu-bench-plog). Prints a few lines over semihosting and exits 0; numbers only.
 *
 * The same log as bench/bench_plog.c's read (both fill it with bench/plog_profile.h): 4 counters
 * at 15 min, program unit 8, as many 4 KiB sectors as 30 days of worst-case entries need
 * (plog_lp_sectors_for), holding 30 days of the household profile; a read is one day
 * (omp_plog_seek to the day's first number, then 96 x omp_plog_next), the 30 days in turn, and
 * the seeks alone are counted too. The NVM is the hal/ RAM NVM in SRAM (omp_ram_nvm: reads are
 * memcpy, as from memory-mapped flash); the port's flash NVM (2 x 16 KiB sectors) is too small
 * for the log.
 *
 * Counter: SysTick under -icount shift=0, calibrated on a loop of known length (bench.c explains).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "omnipower/hal_fakes.h"
#include "omnipower/plog.h"
#include "semihost.h"
#include "stm32f4_regs.h"

#include "../../bench/plog_profile.h"

#define SYST_CSR OMP_REG32(0xE000E010u)
#define SYST_RVR OMP_REG32(0xE000E014u)
#define SYST_CVR OMP_REG32(0xE000E018u)
#define SYST_CSR_ENABLE (1u << 0)
#define SYST_CSR_CLKSOURCE_CPU (1u << 2)
#define SYST_MASK 0x00FFFFFFu

#define CAL_LOOPS 200000u
#define SECTOR 4096u
#define MAX_SECTORS 16u /* room for the log; it takes plog_lp_sectors_for(30 days) */
#define DAY_ENTRIES 96u
#define READ_DAYS 30u

#define TAG "omnipower-stm32-bench-plog: "

static uint8_t nvm_mem[MAX_SECTORS * SECTOR];
static struct omp_ram_nvm nvm;
static struct omp_plog plog;

static const struct omp_hal_ops k_ops = {
    .nvm_geometry = omp_ram_nvm_geometry, .nvm_read = omp_ram_nvm_read,
    .nvm_program = omp_ram_nvm_program, .nvm_erase = omp_ram_nvm_erase,
};

/* ---- output -------------------------------------------------------------------------------- */

static struct omp_sh_line out;

static void out_str(const char *s) { omp_sh_line_str(&out, s); }
static void out_u64(uint64_t v) { omp_sh_line_u64(&out, v); }

/* @p num / @p den with two decimals. */
static void out_ratio(uint64_t num, uint64_t den)
{
    if (den == 0u) {
        out_str("n/a");
        return;
    }
    uint64_t q100 = (num * 100u + den / 2u) / den;
    out_u64(q100 / 100u);
    out_str(".");
    out_u64((q100 / 10u) % 10u);
    out_u64(q100 % 10u);
}

static void emit(void)
{
    omp_sh_line_emit(&out);
}

__attribute__((noreturn)) static void fail(const char *what, omp_err err)
{
    out_str(TAG "FAIL ");
    out_str(what);
    out_str(" ");
    out_str(omp_err_name(err));
    emit();
    omp_semihost_exit(false);
}

void omp_stm32_fault(uint32_t ipsr);
void omp_stm32_fault(uint32_t ipsr)
{
    out_str(TAG "FAIL unexpected exception ");
    out_u64(ipsr);
    emit();
    omp_semihost_exit(false);
}

/* ---- counter (as in bench.c) -------------------------------------------------------------- */

static inline uint32_t ticks_now(void)
{
    return SYST_CVR;
}

/* Ticks from @p start to @p end of the down-counter (at most one wrap in between). */
static inline uint32_t ticks_since(uint32_t start, uint32_t end)
{
    return (start - end) & SYST_MASK;
}

__attribute__((noinline)) static void spin(uint32_t loops)
{
    __asm__ volatile("1: subs %0, %0, #1\n\t"
                     "bne 1b"
                     : "+r"(loops)
                     :
                     : "cc");
}

int main(void)
{
    SYST_RVR = SYST_MASK;
    SYST_CVR = 0u;
    SYST_CSR = SYST_CSR_ENABLE | SYST_CSR_CLKSOURCE_CPU;

    uint32_t t0 = ticks_now();
    spin(CAL_LOOPS);
    uint32_t cal_ticks = ticks_since(t0, ticks_now());
    t0 = ticks_now();
    uint32_t empty_ticks = ticks_since(t0, ticks_now());
    if (cal_ticks == 0u) {
        out_str(TAG "SysTick does not count (no -icount clock?)");
        emit();
        omp_semihost_exit(false);
    }

    struct omp_plog_def def;
    plog_lp_def(&def, 4u, 15u);
    const struct omp_nvm_geometry geo = { sizeof nvm_mem, SECTOR, 8u, 0xFFu, 100000u };
    const uint32_t sectors = plog_lp_sectors_for(&def, &geo, READ_DAYS * DAY_ENTRIES);
    if (sectors == 0u || sectors > MAX_SECTORS) {
        fail("MAX_SECTORS too small for", OMP_ERR_NOSPACE);
    }
    omp_err err = omp_ram_nvm_init(&nvm, nvm_mem, &geo, NULL);
    if (err != OMP_OK) {
        fail("omp_ram_nvm_init", err);
    }
    omp_ram_nvm_format(&nvm);
    const struct omp_nvm_region rgn = { &k_ops, &nvm, 0u, sectors };
    err = omp_plog_open(&plog, &rgn, &def, false);
    if (err != OMP_OK) {
        fail("omp_plog_open", err);
    }
    struct plog_lp_gen gen;
    plog_lp_gen_init(&gen, 4u, 15u);
    err = plog_lp_fill(&plog, &gen, READ_DAYS * DAY_ENTRIES);
    if (err != OMP_OK || omp_plog_count(&plog) != READ_DAYS * DAY_ENTRIES) {
        fail("fill", err);
    }

    uint64_t read_ticks = 0, seek_ticks = 0;
    int64_t sink = 0;
    for (uint32_t d = 0; d < READ_DAYS; d++) {
        uint32_t first = plog.first_no + d * DAY_ENTRIES;
        uint32_t start = ticks_now();
        err = plog_lp_read(&plog, first, DAY_ENTRIES, &sink);
        read_ticks += ticks_since(start, ticks_now()) - empty_ticks;
        if (err != OMP_OK) {
            fail("read", err);
        }
        struct omp_plog_cursor c;
        start = ticks_now();
        err = omp_plog_seek(&plog, first, &c);
        seek_ticks += ticks_since(start, ticks_now()) - empty_ticks;
        if (err != OMP_OK || c.no != first) {
            fail("seek", err);
        }
    }

    /* instructions = ticks * (2 * CAL_LOOPS) / cal_ticks */
    const uint64_t cal_instr = 2u * (uint64_t)CAL_LOOPS;
    out_str(TAG "ticks per 1000 instructions ");
    out_ratio((uint64_t)cal_ticks * 1000u, cal_instr);
    emit();
    out_str(TAG "log: 4 counters, 15 min, pu 8, ");
    out_u64(sectors);
    out_str(" x 4 KiB sectors, ");
    out_u64(omp_plog_count(&plog));
    out_str(" entries in ");
    out_u64((plog.sector_seq - 1u) * SECTOR + plog.head_off);
    out_str(" B");
    emit();
    out_str(TAG "plog_read_1day (seek + 96 next, mean of ");
    out_u64(READ_DAYS);
    out_str(" days): ");
    out_ratio(read_ticks * cal_instr, (uint64_t)cal_ticks * READ_DAYS * DAY_ENTRIES);
    out_str(" instructions per entry");
    emit();
    out_str(TAG "plog_seek: ");
    out_ratio(seek_ticks * cal_instr, (uint64_t)cal_ticks * READ_DAYS);
    out_str(" instructions per seek");
    emit();
    uint64_t next_ticks = read_ticks > seek_ticks ? read_ticks - seek_ticks : 0u;
    out_str(TAG "plog_next: ");
    out_ratio(next_ticks * cal_instr, (uint64_t)cal_ticks * READ_DAYS * DAY_ENTRIES);
    out_str(" instructions per entry (read - seek)");
    emit();
    out_str(TAG "sizeof(struct omp_plog) ");
    out_u64(sizeof(struct omp_plog));
    out_str(", sizeof(struct omp_plog_cursor) ");
    out_u64(sizeof(struct omp_plog_cursor));
    out_str(sink != 0 ? "" : " (nothing read)");
    emit();
    out_str(TAG "done");
    emit();
    omp_semihost_exit(true);
}

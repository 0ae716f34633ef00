/**
 * @file bench_dlms.c
 * @brief omnipower-stm32-bench-dlms: instruction counts of DLMS decoding and of GET requests
 * through the whole server stack on the Cortex-M4F, run under `qemu-system-arm -M netduinoplus2
 * -icount shift=0` (target qemu-bench-dlms). Prints a few lines over semihosting and exits 0;
 * numbers only (issue #14; docs/benchmarks.md).
 *
 * The cases are the host's (bench/bench_dlms.c, bench/bench_dlms_stack.c), from the same headers:
 * bench/dlms_decode_cases.h (a 1-day load-profile GET-response and the Norwegian 3-phase HAN
 * frame, each decoded and walked to every value in one pass) and bench/dlms_stack_cases.h (GET of
 * a register and of a 1-day load-profile range through wrapper + server, the profile on the hal/
 * RAM NVM in SRAM).
 *
 * Counter: SysTick under -icount shift=0, calibrated on a loop of known length (bench.c explains).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "omnipower/hal_fakes.h"
#include "omnipower/omnipower.h"
#include "semihost.h"
#include "stm32f4_regs.h"

#include "../../bench/dlms_decode_cases.h"
#include "../../bench/dlms_stack_cases.h"

#define SYST_CSR               OMP_REG32(0xE000E010u)
#define SYST_RVR               OMP_REG32(0xE000E014u)
#define SYST_CVR               OMP_REG32(0xE000E018u)
#define SYST_CSR_ENABLE        (1u << 0)
#define SYST_CSR_CLKSOURCE_CPU (1u << 2)
#define SYST_MASK              0x00FFFFFFu

#define CAL_LOOPS 200000u
#define REPEAT    8u /* calls per case; each is timed alone (SysTick wraps after 2^24 ticks) */

#define TAG "omnipower-stm32-bench-dlms: "

static struct count_state dec;
static struct stack_state stack;

/* ---- output -------------------------------------------------------------------------------- */

static struct omp_sh_line out;

static void out_str(const char *s)
{
    omp_sh_line_str(&out, s);
}
static void out_u64(uint64_t v)
{
    omp_sh_line_u64(&out, v);
}

static void emit(void)
{
    omp_sh_line_emit(&out);
}

__attribute__((noreturn)) static void fail(const char *what)
{
    out_str(TAG "FAIL ");
    out_str(what);
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

static uint32_t g_cal_ticks, g_empty_ticks;

/* Instructions of one call of @p fn (mean of REPEAT), printed as "name: N instructions ...". */
static void measure_dec(const char *name, size_t (*fn)(struct count_state *), const char *what)
{
    uint64_t ticks = 0;
    for (unsigned k = 0; k < REPEAT; k++) {
        uint32_t t0 = ticks_now();
        size_t v = fn(&dec);
        ticks += ticks_since(t0, ticks_now()) - g_empty_ticks;
        if (v == 0u) {
            fail(name);
        }
    }
    out_str(TAG);
    out_str(name);
    out_str(": ");
    out_u64((ticks * 2u * CAL_LOOPS + (uint64_t)g_cal_ticks * REPEAT / 2u) /
            ((uint64_t)g_cal_ticks * REPEAT));
    out_str(" instructions per ");
    out_str(what);
    emit();
}

static void measure_stack(const char *name, size_t (*fn)(struct stack_state *), const char *what)
{
    uint64_t ticks = 0;
    for (unsigned k = 0; k < REPEAT; k++) {
        uint32_t t0 = ticks_now();
        size_t v = fn(&stack);
        ticks += ticks_since(t0, ticks_now()) - g_empty_ticks;
        if (v == 0u) {
            fail(name);
        }
    }
    out_str(TAG);
    out_str(name);
    out_str(": ");
    out_u64((ticks * 2u * CAL_LOOPS + (uint64_t)g_cal_ticks * REPEAT / 2u) /
            ((uint64_t)g_cal_ticks * REPEAT));
    out_str(" instructions per ");
    out_str(what);
    emit();
}

int main(void)
{
    SYST_RVR = SYST_MASK;
    SYST_CVR = 0u;
    SYST_CSR = SYST_CSR_ENABLE | SYST_CSR_CLKSOURCE_CPU;

    uint32_t t0 = ticks_now();
    spin(CAL_LOOPS);
    g_cal_ticks = ticks_since(t0, ticks_now());
    t0 = ticks_now();
    g_empty_ticks = ticks_since(t0, ticks_now());
    if (g_cal_ticks == 0u) {
        out_str(TAG "SysTick does not count (no -icount clock?)");
        emit();
        omp_semihost_exit(false);
    }
    if (count_setup(&dec) != 0) {
        fail("count_setup");
    }
    if (stack_setup(&stack) != 0) {
        fail("stack_setup");
    }
    measure_dec("lp5_decode", count_lp5,
                "GET-response of 96 x {date-time, 4 x u32}, decoded and walked (one pass)");
    measure_dec("han3ph_decode", count_han, "NO 3-phase HAN frame: HDLC + APDU + walk");
    measure_stack("get_register", case_register, "GET of a register through wrapper + server");
    measure_stack("get_profile_day", case_profile_day,
                  "GET of a 1-day load-profile range, all blocks (PDU 1010)");
    out_str(TAG "rows ");
    out_u64(stack.rows);
    out_str(" in ");
    out_u64(stack.blocks);
    out_str(" blocks; sizeof(struct omp_dlms_server) ");
    out_u64(sizeof(struct omp_dlms_server));
    out_str(dec.sum != 0u ? "" : " (nothing walked)");
    emit();
    out_str(TAG "done");
    emit();
    omp_semihost_exit(true);
}

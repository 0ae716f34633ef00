/**
 * @file bench.c
 * @brief omnipower-stm32-bench: instruction counts of the metrology sample path on the Cortex-M4F,
 * run under `qemu-system-arm -M netduinoplus2 -icount shift=0` (target qemu-bench). Prints a few
 * lines over semihosting and exits 0; numbers only, never a pass/fail on them.
 *
 * Counter: QEMU 7.2 does not emulate the DWT cycle counter (DWT_CYCCNT reads 0), so the image
 * uses SysTick (processor clock, 24 bits, down-counting). With -icount shift=0 every instruction
 * advances the virtual clock by exactly 1 ns, and SysTick counts that clock at the board's
 * sysclk, so ticks are proportional to instructions. The ratio is measured first on a loop of a
 * known instruction count (`subs; bne`, 2 instructions per iteration), so the result does not
 * depend on the emulated clock frequency. On hardware the same code reads cycles (SysTick at the
 * core clock), which is what C1 limits; instruction counts are the proxy the spec accepts.
 *
 * Signal: 230 V / 10 A rms, current lagging 60 deg (PF 0.5L), 50 Hz at 8000 Hz, nominal
 * calibration of the default front end; blocks of BLOCK pairs (a DMA half-buffer). Each block is
 * first run on a scratch copy of the engine to learn whether it closes a cycle (outside the
 * measurement), then on the engine itself, measured: blocks without a cycle end give the
 * per-sample cost, blocks with one give the per-cycle cost by difference.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "omnipower/metrology.h"
#include "omnipower/pq.h"
#include "semihost.h"
#include "stm32f4_regs.h"

#define SYST_CSR OMP_REG32(0xE000E010u)
#define SYST_RVR OMP_REG32(0xE000E014u)
#define SYST_CVR OMP_REG32(0xE000E018u)
#define SYST_CSR_ENABLE (1u << 0)
#define SYST_CSR_CLKSOURCE_CPU (1u << 2)
#define SYST_MASK 0x00FFFFFFu

#define FS_HZ 8000u
#define MAINS_HZ 50u
#define SPC (FS_HZ / MAINS_HZ) /* 160 pairs per cycle */
#define BLOCK 32u              /* pairs per on_samples call; SPC is a multiple */
#define SECONDS 4u             /* measured signal */
#define WARMUP_CYCLES 100u     /* DC trackers and the starting gate settle first */
#define CAL_LOOPS 200000u

static int32_t cycle_vi[2u * SPC];
static int32_t cycle4_vi[SPC]; /* 4000 Hz: SPC / 2 pairs */
static struct omp_metro metro;
static struct omp_metro scratch;
static struct omp_pq pq;
static struct omp_pq_out pq_out;

/* ---- output ----------------------------------------------------------------------------------- */

static struct omp_sh_line out;
static uint32_t empty_ticks_g; /* the cost of reading the counter twice */

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

void omp_stm32_fault(uint32_t ipsr);
void omp_stm32_fault(uint32_t ipsr)
{
    out_str("omnipower-stm32-bench: FAIL unexpected exception ");
    out_u64(ipsr);
    emit();
    omp_semihost_exit(false);
}

/* ---- counter ------------------------------------------------------------------------------------ */

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

/* ---- signal ------------------------------------------------------------------------------------- */

static void make_cycle(const struct omp_metro_cal *cal)
{
    const float step = 6.28318530718f / (float)SPC;
    const float s2 = step * step;
    const float c1 = 1.0f - s2 / 2.0f + s2 * s2 / 24.0f;
    const float s1 = step * (1.0f - s2 / 6.0f + s2 * s2 / 120.0f);
    /* current lags by 60 deg: i ~ sin(wt - 60) = sin(wt) * 0.5 - cos(wt) * 0.866 */
    const float v_pk = 230.0f * 1.41421356f / cal->v_gain;
    const float i_pk = 10.0f * 1.41421356f / cal->i_gain;
    float c = 1.0f;
    float s = 0.0f;
    for (size_t k = 0; k < SPC; k++) {
        /* shifted by a ninth of a sample, so no sample sits exactly on the zero crossing */
        float sv = s * 0.99999f + c * 0.00436f;
        cycle_vi[2u * k] = (int32_t)(v_pk * sv);
        cycle_vi[2u * k + 1u] = (int32_t)(i_pk * (sv * 0.5f - c * 0.8660254f));
        float cn = c * c1 - s * s1;
        s = s * c1 + c * s1;
        c = cn;
    }
}

/* The power-quality engine beside the metrology (issue #15): omp_pq_on_samples per sample pair
 * and omp_pq_process per 10-cycle window (C2: <= 0.5 M), on the same signal; metrology itself
 * runs unmeasured. The mean per sample pair at 8 kHz is per_pair + per_window / 1600. */
static void bench_pq(const struct omp_metro_cfg *cfg, const struct omp_metro_cal *cal,
                     const int32_t *cyc, uint32_t spc, uint32_t cal_ticks, uint64_t cal_instr)
{
    struct omp_pq_cfg pc;
    omp_pq_cfg_from_metro(&pc, cfg, cal, 1795521600);
    if (omp_metro_init(&metro, cfg, cal, NULL) != OMP_OK || omp_pq_init(&pq, &pc) != OMP_OK) {
        out_str("omnipower-stm32-bench: FAIL omp_pq_init");
        emit();
        return;
    }
    uint64_t s_ticks = 0, s_pairs = 0, p_ticks = 0, p_cycles = 0;
    struct omp_metro_events ev;
    struct omp_cycle rec;
    for (uint32_t b = 0; b < (SECONDS + 2u) * cfg->fs_hz / BLOCK; b++) {
        const bool measure = b >= 2u * cfg->fs_hz / BLOCK; /* 2 s of start-up first */
        const int32_t *blk = cyc + 2u * ((b * BLOCK) % spc);
        omp_metro_on_samples(&metro, blk, BLOCK, &ev);
        uint32_t start = ticks_now();
        omp_pq_on_samples(&pq, blk, BLOCK);
        uint32_t t = ticks_since(start, ticks_now()) - empty_ticks_g;
        if (measure) {
            s_ticks += t;
            s_pairs += BLOCK;
        }
        while (omp_metro_cycle_pop(&metro, &rec) == OMP_OK) {
            start = ticks_now();
            omp_err e = omp_pq_process(&pq, &rec, false, &pq_out);
            t = ticks_since(start, ticks_now()) - empty_ticks_g;
            if (measure && e == OMP_OK) {
                p_ticks += t;
                p_cycles++;
            }
        }
    }
    out_str(cfg->fs_hz == 8000u ? "omnipower-stm32-bench: fs 8000, h 2..40:"
                                : "omnipower-stm32-bench: fs 4000, h 2..39:");
    emit();
    out_str("omnipower-stm32-bench: pq_on_samples per sample pair (blocks of 32): ");
    out_ratio(s_ticks * cal_instr, (uint64_t)cal_ticks * s_pairs);
    out_str(" instructions");
    emit();
    out_str("omnipower-stm32-bench: pq_process per 10-cycle window: ");
    out_ratio(p_ticks * cal_instr * 10u, (uint64_t)cal_ticks * (p_cycles != 0u ? p_cycles : 1u));
    out_str(" instructions over ");
    out_u64(p_cycles);
    out_str(" cycles (C2 target <= 500000)");
    emit();
    out_str("omnipower-stm32-bench: sizeof(struct omp_pq) ");
    out_u64(sizeof(struct omp_pq));
    out_str(" bytes (C3 target <= 4096)");
    emit();
}

int main(void)
{
    SYST_RVR = SYST_MASK;
    SYST_CVR = 0u;
    SYST_CSR = SYST_CSR_ENABLE | SYST_CSR_CLKSOURCE_CPU;

    /* ticks per instruction: a loop of 2 * CAL_LOOPS instructions (+ call overhead) */
    uint32_t t0 = ticks_now();
    spin(CAL_LOOPS);
    uint32_t cal_ticks = ticks_since(t0, ticks_now());
    /* the cost of reading the counter twice around nothing */
    t0 = ticks_now();
    uint32_t empty_ticks = ticks_since(t0, ticks_now());
    empty_ticks_g = empty_ticks;
    if (cal_ticks == 0u) {
        out_str("omnipower-stm32-bench: SysTick does not count (no -icount clock?)");
        emit();
        omp_semihost_exit(false);
    }

    struct omp_metro_cfg cfg;
    omp_metro_cfg_default(&cfg);
    cfg.fs_hz = FS_HZ;
    cfg.mains_hz = MAINS_HZ;
    struct omp_metro_cal cal;
    omp_metro_cal_nominal(&cal, 600.0f, 120.0f);
    if (omp_metro_init(&metro, &cfg, &cal, NULL) != OMP_OK) {
        out_str("omnipower-stm32-bench: FAIL omp_metro_init");
        emit();
        omp_semihost_exit(false);
    }
    make_cycle(&cal);

    struct omp_metro_events ev;
    for (uint32_t k = 0; k < WARMUP_CYCLES; k++) {
        omp_metro_on_samples(&metro, cycle_vi, SPC, &ev);
    }

    uint64_t plain_ticks = 0, plain_pairs = 0, plain_blocks = 0;
    uint64_t end_ticks = 0, end_pairs = 0, end_cycles = 0;
    uint64_t all_ticks = 0;
    struct omp_cycle rec;
    for (uint32_t b = 0; b < SECONDS * FS_HZ / BLOCK; b++) {
        const int32_t *blk = cycle_vi + 2u * ((b * BLOCK) % SPC);
        scratch = metro; /* dry run: does this block close a cycle? */
        omp_metro_on_samples(&scratch, blk, BLOCK, &ev);
        bool closes = ev.cycles != 0u;
        uint32_t start = ticks_now();
        omp_metro_on_samples(&metro, blk, BLOCK, &ev);
        uint32_t t = ticks_since(start, ticks_now()) - empty_ticks;
        all_ticks += t;
        if (closes) {
            end_ticks += t;
            end_pairs += BLOCK;
            end_cycles += ev.cycles;
        } else {
            plain_ticks += t;
            plain_pairs += BLOCK;
            plain_blocks++;
        }
        while (omp_metro_cycle_pop(&metro, &rec) == OMP_OK) {
        }
    }
    (void)plain_blocks;

    /* instructions = ticks * (2 * CAL_LOOPS) / cal_ticks; printed with two decimals */
    const uint64_t cal_instr = 2u * (uint64_t)CAL_LOOPS;
    out_str("omnipower-stm32-bench: ticks per 1000 instructions ");
    out_ratio((uint64_t)cal_ticks * 1000u, cal_instr);
    emit();
    out_str("omnipower-stm32-bench: metro_on_samples per sample pair (no cycle end, blocks of ");
    out_u64(BLOCK);
    out_str("): ");
    out_ratio(plain_ticks * cal_instr, (uint64_t)cal_ticks * plain_pairs);
    out_str(" instructions");
    emit();
    /* per cycle: (ticks of closing blocks - their pairs at the plain rate) / cycles */
    uint64_t end_instr_x = end_ticks * cal_instr * plain_pairs;           /* scaled by plain_pairs */
    uint64_t base_instr_x = plain_ticks * cal_instr * end_pairs;          /* same scale */
    uint64_t diff = end_instr_x > base_instr_x ? end_instr_x - base_instr_x : 0u;
    out_str("omnipower-stm32-bench: per cycle end (by difference): ");
    out_ratio(diff, (uint64_t)cal_ticks * plain_pairs * (end_cycles != 0u ? end_cycles : 1u));
    out_str(" instructions over ");
    out_u64(end_cycles);
    out_str(" cycles");
    emit();
    out_str("omnipower-stm32-bench: mean per sample pair incl. cycle ends: ");
    out_ratio(all_ticks * cal_instr, (uint64_t)cal_ticks * (plain_pairs + end_pairs));
    out_str(" instructions (C1 target <= 300 cycles)");
    emit();
    out_str("omnipower-stm32-bench: sizeof(struct omp_metro) ");
    out_u64(sizeof(struct omp_metro));
    out_str(" bytes (C3 target <= 1024)");
    emit();
    bench_pq(&cfg, &cal, cycle_vi, SPC, cal_ticks, cal_instr);
    /* the same signal at 4000 Hz: every other pair */
    for (uint32_t k = 0; k < SPC / 2u; k++) {
        cycle4_vi[2u * k] = cycle_vi[4u * k];
        cycle4_vi[2u * k + 1u] = cycle_vi[4u * k + 1u];
    }
    cfg.fs_hz = FS_HZ / 2u;
    bench_pq(&cfg, &cal, cycle4_vi, SPC / 2u, cal_ticks, cal_instr);
    out_str("omnipower-stm32-bench: done");
    emit();
    omp_semihost_exit(true);
}

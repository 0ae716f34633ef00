/**
 * @file selftest.c
 * @brief omnipower-stm32-selftest: runs libomnipower on the target (or qemu netduinoplus2) and
 * reports one line over ARM semihosting: `omnipower-stm32-selftest: PASS`, or
 * `omnipower-stm32-selftest: FAIL <check> ...`, then exits through SYS_EXIT (status 0 on PASS).
 *
 * Checks: FPU on and used; CRC-16/X.25 and CRC-32 check values; calendar round trips; byte
 * reader/writer; the stm32 HAL ops (critical-section nesting, USART2 port ops); a meter (on the
 * metrology engine) on the stm32 ops with the RAM NVM backend fed three seconds of 230 V / 10 A:
 * A+ and E+ registered, no export, no reactive energy, the last cycle's Urms, Irms, P and f;
 * then restored from NVM with every register.
 * No heap, no printf: the output line is built by hand.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "omnipower/core.h"
#include "omnipower/hal.h"
#include "omnipower/hal_fakes.h"
#include "omnipower/meter.h"
#include "semihost.h"
#include "stm32_hal.h"
#include "stm32f4_regs.h"

/* ---- output: one line, built without printf (semihost.h) --------------------------------- */

static struct omp_sh_line out;

static void out_str(const char *s) { omp_sh_line_str(&out, s); }
static void out_u64(uint64_t v) { omp_sh_line_u64(&out, v); }
static void out_i64(int64_t v) { omp_sh_line_i64(&out, v); }

__attribute__((noreturn)) static void finish(bool pass)
{
    omp_sh_line_emit(&out);
    omp_semihost_exit(pass);
}

/** Report FAIL for @p check with the value seen and the value wanted. */
__attribute__((noreturn)) static void fail(const char *check, int64_t got, int64_t want)
{
    omp_sh_line_reset(&out);
    out_str("omnipower-stm32-selftest: FAIL ");
    out_str(check);
    out_str(" (got ");
    out_i64(got);
    out_str(", want ");
    out_i64(want);
    out_str(")");
    finish(false);
}

static void expect_eq(const char *check, int64_t got, int64_t want)
{
    if (got != want) {
        fail(check, got, want);
    }
}

static void expect_ok(const char *check, omp_err err)
{
    expect_eq(check, (int64_t)err, (int64_t)OMP_OK);
}

/** Faults (HardFault, UsageFault with the FPU off, ...) end the test with FAIL. */
void omp_stm32_fault(uint32_t ipsr)
{
    omp_sh_line_reset(&out);
    out_str("omnipower-stm32-selftest: FAIL unexpected exception ");
    out_u64(ipsr);
    out_str(" (3 = HardFault, 16+n = IRQ n)");
    finish(false);
}

static uint32_t read_primask(void)
{
    uint32_t v;
    __asm__ volatile("mrs %0, primask" : "=r"(v));
    return v;
}

/* ---- FPU ------------------------------------------------------------------------------------ */

static volatile float fpu_in = 2.0f; /* volatile: computed at run time on the FPU */

static float sqrt_newton(float x)
{
    float y = x > 1.0f ? x : 1.0f;
    for (int i = 0; i < 30; i++) {
        y = 0.5f * (y + x / y);
    }
    return y;
}

static void check_fpu(void)
{
    expect_eq("fpu: CPACR CP10/CP11", (int64_t)(OMP_SCB_CPACR & OMP_CPACR_CP10_CP11_FULL),
              (int64_t)OMP_CPACR_CP10_CP11_FULL);
    float x = fpu_in;
    float y = x * x * 1.5f + 0.25f;       /* 6.25 */
    float r = sqrt_newton(y);              /* 2.5 */
    float err = r - 2.5f;
    if (err < -1e-6f || err > 1e-6f) {
        fail("fpu: sqrt(6.25) * 1e6", (int64_t)(r * 1e6f), 2500000);
    }
}

/* ---- core: CRCs, reader/writer, calendar ----------------------------------------------------- */

static void check_crc(void)
{
    static const char check[] = "123456789";
    expect_eq("crc16/x25 check", omp_crc16_x25(check, 9), OMP_CRC16_X25_CHECK);
    expect_eq("crc32 check", omp_crc32(check, 9), OMP_CRC32_CHECK);
    uint16_t st = omp_crc16_x25_update(OMP_CRC16_X25_INIT, check, 4);
    st = omp_crc16_x25_update(st, check + 4, 5);
    expect_eq("crc16/x25 in two parts", (uint16_t)~st, OMP_CRC16_X25_CHECK);
    const uint8_t fcs[2] = { (uint8_t)(OMP_CRC16_X25_CHECK & 0xFFu),
                             (uint8_t)(OMP_CRC16_X25_CHECK >> 8) };
    expect_eq("crc16/x25 good residue", omp_crc16_x25_update(st, fcs, 2), OMP_CRC16_X25_GOOD);
    uint32_t st32 = omp_crc32_update(OMP_CRC32_INIT, check, 3);
    st32 = omp_crc32_update(st32, check + 3, 6);
    expect_eq("crc32 in two parts", (uint32_t)~st32, OMP_CRC32_CHECK);
}

static void check_rw(void)
{
    uint8_t buf[8];
    struct omp_wr w = omp_wr_init(buf, sizeof buf);
    expect_ok("wr u8", omp_wr_u8(&w, 0x12u));
    expect_ok("wr u16be", omp_wr_u16be(&w, 0x3456u));
    expect_ok("wr u32le", omp_wr_u32le(&w, 0x9ABCDEF0u));
    expect_eq("wr u32be past the end", omp_wr_u32be(&w, 1u), OMP_ERR_NOSPACE);
    expect_eq("wr len after NOSPACE", (int64_t)omp_wr_len(&w), 7);
    expect_eq("wr sticky status", omp_wr_status(&w), OMP_ERR_NOSPACE);
    omp_wr_truncate(&w, 7u);
    expect_ok("wr u8 after truncate", omp_wr_u8(&w, 0x81u));
    expect_eq("wr full", (int64_t)omp_wr_room(&w), 0);

    static const uint8_t want[8] = { 0x12, 0x34, 0x56, 0xF0, 0xDE, 0xBC, 0x9A, 0x81 };
    expect_eq("wr bytes", memcmp(buf, want, sizeof want), 0);

    struct omp_rd rd = omp_rd_init(buf, sizeof buf);
    uint8_t u8 = 0;
    uint16_t u16 = 0;
    uint32_t u32 = 0;
    expect_ok("rd u8", omp_rd_u8(&rd, &u8));
    expect_eq("rd u8 value", u8, 0x12);
    expect_ok("rd u16be", omp_rd_u16be(&rd, &u16));
    expect_eq("rd u16be value", u16, 0x3456);
    expect_ok("rd u32le", omp_rd_u32le(&rd, &u32));
    expect_eq("rd u32le value", u32, 0x9ABCDEF0);
    expect_eq("rd u16be truncated", omp_rd_u16be(&rd, &u16), OMP_ERR_TRUNCATED);
    expect_eq("rd cursor kept on error", (int64_t)omp_rd_pos(&rd), 7);
    expect_eq("rd u16 untouched on error", u16, 0x3456);
    expect_eq("rd u8_expect mismatch", omp_rd_u8_expect(&rd, 0x80u), OMP_ERR_UNEXPECTED);
    expect_ok("rd u8_expect", omp_rd_u8_expect(&rd, 0x81u));
    expect_eq("rd all consumed", (int64_t)omp_rd_remaining(&rd), 0);
    static const uint8_t ber[] = { 0x82, 0x01, 0x00 };
    struct omp_rd brd = omp_rd_init(ber, sizeof ber);
    size_t len = 0;
    expect_ok("rd berlen 0x82 0x01 0x00", omp_rd_berlen(&brd, &len));
    expect_eq("rd berlen value", (int64_t)len, 256);
}

struct cal_case {
    uint16_t year;
    uint8_t month, day, hour, minute, second;
    uint8_t wday;
    omp_time_s t; /* from Python: calendar.timegm() */
};

static const struct cal_case cal_cases[] = {
    { 1970, 1, 1, 0, 0, 0, OMP_THURSDAY, 0 },
    { 2000, 3, 1, 0, 0, 0, OMP_WEDNESDAY, 951868800 },
    { 2024, 2, 29, 12, 0, 0, OMP_THURSDAY, 1709208000 },
    { 2038, 1, 19, 3, 14, 8, OMP_TUESDAY, 2147483648 },
    { 2100, 3, 1, 0, 0, 0, OMP_MONDAY, 4107542400 },
    { 2199, 12, 31, 23, 59, 59, OMP_TUESDAY, 7258118399 },
};

static void check_calendar(void)
{
    for (size_t i = 0; i < OMP_ARRAY_LEN(cal_cases); i++) {
        const struct cal_case *c = &cal_cases[i];
        struct omp_datetime dt = { .year = c->year, .month = c->month, .day = c->day,
                                   .hour = c->hour, .minute = c->minute, .second = c->second };
        omp_time_s t = -1;
        expect_ok("cal datetime_to_time", omp_datetime_to_time(&dt, &t));
        expect_eq("cal datetime_to_time value", t, c->t);
        struct omp_datetime back = { 0 };
        expect_ok("cal time_to_datetime", omp_time_to_datetime(c->t, &back));
        int64_t got = ((int64_t)back.year * 10000 + back.month * 100 + back.day) * 1000000 +
                      back.hour * 10000 + back.minute * 100 + back.second;
        int64_t want = ((int64_t)c->year * 10000 + c->month * 100 + c->day) * 1000000 +
                       c->hour * 10000 + c->minute * 100 + c->second;
        expect_eq("cal time_to_datetime YYYYMMDDhhmmss", got, want);
        expect_eq("cal weekday", back.wday, c->wday);
    }
    struct omp_datetime bad = { .year = 2023, .month = 2, .day = 29 };
    omp_time_s t = 0;
    expect_eq("cal 2023-02-29 rejected", omp_datetime_to_time(&bad, &t), OMP_ERR_RANGE);
    char iso[21];
    expect_ok("cal iso8601_format", omp_iso8601_format(1709208000, iso, sizeof iso));
    expect_eq("cal iso8601_format text", memcmp(iso, "2024-02-29T12:00:00Z", 21), 0);
}

/* ---- the stm32 HAL and a meter on it ------------------------------------------------------------ */

/* The RAM NVM stands in for an external SPI NOR (4 KiB sectors): the internal flash region of the
 * port (two 16 KiB sectors) is too small for the meter's journal, mirror, settings and billing
 * log. */
#define NVM_SECTOR_SIZE 4096u
#define NVM_SECTORS 12u
static uint8_t nvm_mem[NVM_SECTOR_SIZE * NVM_SECTORS];
static uint32_t nvm_erase_counts[NVM_SECTORS];
static struct omp_ram_nvm nvm;
static struct omp_stm32_board board;
static struct omp_meter meter;

void USART2_IRQHandler(void);
void USART2_IRQHandler(void)
{
    omp_stm32_usart2_irq(&board);
}

static void check_hal(const struct omp_hal *hal)
{
    expect_ok("hal check", omp_hal_check(hal));
    struct omp_nvm_geometry geo;
    expect_ok("hal nvm geometry", omp_hal_nvm_geometry(hal, &geo));
    expect_eq("hal nvm size", geo.size, NVM_SECTOR_SIZE * NVM_SECTORS);

    /* PRIMASK nesting: the inner exit keeps interrupts masked, the outer one unmasks. */
    uint32_t outer = hal->ops->crit_enter(hal->user);
    uint32_t inner = hal->ops->crit_enter(hal->user);
    expect_eq("crit outer state", outer, 0);
    expect_eq("crit inner state", inner, 1);
    hal->ops->crit_exit(hal->user, inner);
    expect_eq("crit still masked after inner exit", read_primask(), 1);
    hal->ops->crit_exit(hal->user, outer);
    expect_eq("crit unmasked after outer exit", read_primask(), 0);

    static const uint8_t msg[] = "/?!\r\n"; /* IEC 62056-21 request message */
    size_t written = 99;
    expect_ok("optical port_write",
              hal->ops->port_write(hal->user, OMP_PORT_OPTICAL, msg, sizeof msg - 1u, &written));
    if (written > sizeof msg - 1u) {
        fail("optical port_write count", (int64_t)written, (int64_t)(sizeof msg - 1u));
    }
    expect_eq("module port_write unsupported",
              hal->ops->port_write(hal->user, OMP_PORT_MODULE, msg, 1u, &written),
              OMP_ERR_UNSUPPORTED);
    expect_ok("optical set_baud 9600 7E1",
              hal->ops->port_set_baud(hal->user, OMP_PORT_OPTICAL, 9600u, OMP_FRAMING_7E1));
    expect_ok("optical set_baud 300 7E1",
              hal->ops->port_set_baud(hal->user, OMP_PORT_OPTICAL, 300u, OMP_FRAMING_7E1));
}

#define MAINS_HZ 50u
#define MAX_PAIRS_PER_CYCLE 400u
static int32_t cycle_vi[2u * MAX_PAIRS_PER_CYCLE];

/** One mains cycle of 230 V / 10 A rms in phase, as ADC codes of @p cfg's front end. */
static size_t make_cycle(const struct omp_meter_cfg *cfg)
{
    if (cfg->sample_rate_hz % MAINS_HZ != 0u || cfg->sample_rate_hz / MAINS_HZ > MAX_PAIRS_PER_CYCLE ||
        !(cfg->cal.v_gain > 0.0f) || !(cfg->cal.i_gain > 0.0f)) {
        fail("meter cfg: sample rate Hz", (int64_t)cfg->sample_rate_hz, 8000);
    }
    size_t n = cfg->sample_rate_hz / MAINS_HZ;
    /* sin/cos of one step by Taylor series, then a rotation: all on the FPU. */
    const float step = 6.28318530718f / (float)n;
    const float s2 = step * step;
    const float c1 = 1.0f - s2 / 2.0f + s2 * s2 / 24.0f;
    const float s1 = step * (1.0f - s2 / 6.0f + s2 * s2 / 120.0f);
    const float v_pk = 230.0f * 1.41421356f / cfg->cal.v_gain;
    const float i_pk = 10.0f * 1.41421356f / cfg->cal.i_gain;
    float c = 1.0f;
    float s = 0.0f;
    for (size_t k = 0; k < n; k++) {
        cycle_vi[2u * k] = (int32_t)(v_pk * s);
        cycle_vi[2u * k + 1u] = (int32_t)(i_pk * s);
        float cn = c * c1 - s * s1;
        s = s * c1 + c * s1;
        c = cn;
    }
    return n;
}

static void expect_near(const char *check, float got, float want, float rel)
{
    float d = got - want;
    float tol = want * rel;
    if (d < -tol || d > tol) {
        fail(check, (int64_t)(got * 1000.0f), (int64_t)(want * 1000.0f));
    }
}

static void check_meter(const struct omp_hal *hal)
{
    struct omp_meter_cfg cfg;
    omp_meter_cfg_default(&cfg);
    cfg.nvm_base = 0u;
    cfg.nvm_sectors = NVM_SECTORS;
    const omp_time_s t0 = 1709208000;
    struct omp_fake_clock clk;
    omp_fake_clock_init(&clk, t0);

    expect_ok("meter init", omp_meter_init(&meter, hal, &cfg, &clk.now));
    size_t pairs = make_cycle(&cfg);
    const uint32_t seconds = 3u;
    for (uint32_t cyc = 0; cyc < seconds * MAINS_HZ; cyc++) {
        omp_meter_on_samples(&meter, cycle_vi, pairs);
        omp_fake_clock_advance_ms(&clk, 1000u / MAINS_HZ);
        omp_meter_tick(&meter, &clk.now);
        if (cyc % 5u == 4u) {
            expect_ok("meter poll", omp_meter_poll(&meter));
        }
    }
    struct omp_meter_snapshot snap;
    expect_ok("meter snapshot", omp_meter_snapshot(&meter, &snap));
    const uint64_t want_mwh = (uint64_t)230u * 10u * seconds * 1000u / 3600u; /* 1916 mWh */
    if (snap.a_plus_mwh == 0u || snap.a_plus_mwh > 2u * want_mwh) {
        fail("meter A+ mWh after 3 s of 2300 W", (int64_t)snap.a_plus_mwh, (int64_t)want_mwh);
    }
    expect_eq("meter A- mWh", (int64_t)snap.a_minus_mwh, 0);
    if (snap.energy.e_plus_uvah < snap.energy.a_plus_uwh ||
        snap.energy.e_plus_uvah > snap.energy.a_plus_uwh + snap.energy.a_plus_uwh / 50u) {
        fail("meter E+ uVAh ~ A+ at PF 1", (int64_t)snap.energy.e_plus_uvah,
             (int64_t)snap.energy.a_plus_uwh);
    }
    /* PF 1: Q is ~0, below the starting threshold: no reactive energy */
    expect_eq("meter R+ uvarh", (int64_t)snap.energy.r_plus_uvarh, 0);
    expect_eq("meter R- uvarh", (int64_t)snap.energy.r_minus_uvarh, 0);
    expect_near("meter f mHz", snap.f_hz, 50.0f, 0.001f);
    if (snap.cycles == 0u) {
        fail("meter cycles consumed", 0, (int64_t)seconds * MAINS_HZ);
    }
    expect_near("meter Urms mV", snap.urms_v, 230.0f, 0.02f);
    expect_near("meter Irms mA", snap.irms_a, 10.0f, 0.02f);
    expect_near("meter P mW", snap.p_w, 2300.0f, 0.03f);
    expect_eq("meter utc", snap.utc_s, t0 + (omp_time_s)seconds);
    /* power quality on the M4: a 10-cycle value of the same 230 V sine, with its harmonics
     * (the sine has none above the Taylor series' few 1e-5: THD-U well below 0.1 %) */
    struct omp_meter_pq_view pqv;
    expect_ok("meter pq", omp_meter_pq(&meter, &pqv));
    if (pqv.interval == NULL || !pqv.interval->harm_valid) {
        fail("meter pq: a 10-cycle value with harmonics", 0, 1);
    } else {
        expect_near("meter pq Urms mV", pqv.interval->urms_v, 230.0f, 0.001f);
        if (!(pqv.interval->thd_u_pct < 0.1f)) {
            fail("meter pq THD-U (0.001 %)", (int64_t)(pqv.interval->thd_u_pct * 1000.0f), 0);
        }
    }

    /* Orderly shutdown (it also books the unfinished mains cycle), then a restart from the same
     * (RAM) NVM restores the registers as the flush left them. */
    expect_ok("meter flush", omp_meter_flush(&meter));
    expect_ok("meter snapshot after flush", omp_meter_snapshot(&meter, &snap));
    const uint64_t saved = snap.a_plus_mwh;
    expect_ok("meter re-init from NVM", omp_meter_init(&meter, hal, &cfg, &clk.now));
    struct omp_meter_snapshot again;
    expect_ok("meter snapshot after restart", omp_meter_snapshot(&meter, &again));
    expect_eq("meter A+ restored from NVM", (int64_t)again.a_plus_mwh, (int64_t)saved);
    expect_eq("meter registers restored from NVM",
              memcmp(&again.energy, &snap.energy, sizeof snap.energy), 0);
    if (again.power_ups <= snap.power_ups) {
        fail("meter power-ups after restart", again.power_ups, (int64_t)snap.power_ups + 1);
    }
}

int main(void)
{
    check_fpu();
    check_crc();
    check_rw();
    check_calendar();

    const struct omp_nvm_geometry geo = {
        .size = NVM_SECTOR_SIZE * NVM_SECTORS,
        .sector_size = NVM_SECTOR_SIZE,
        .program_unit = OMP_STM32_NVM_PROGRAM_UNIT,
        .erase_value = 0xFFu,
        .erase_cycles = 100000u, /* the SPI NOR it stands in for (the F405's flash: 10k) */
    };
    expect_ok("ram nvm init", omp_ram_nvm_init(&nvm, nvm_mem, &geo, nvm_erase_counts));
    omp_ram_nvm_format(&nvm);
    const struct omp_stm32_board_cfg bcfg = {
        .nvm = OMP_STM32_NVM_RAM, /* qemu does not emulate flash programming */
        .ram_nvm = &nvm,
        .pclk1_hz = 16000000u,    /* HSI after reset */
        .optical_baud = 300u,
        .usart_irq = true,
    };
    expect_ok("stm32 board init", omp_stm32_board_init(&board, &bcfg));
    const struct omp_hal hal = omp_stm32_hal(&board);
    check_hal(&hal);
    check_meter(&hal);

    omp_sh_line_reset(&out);
    out_str("omnipower-stm32-selftest: PASS");
    finish(true);
}

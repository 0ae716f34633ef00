/*
 * The data dictionary (cosem.h) and its one formatter (display.h): for a fixed register state
 * every object of the table is read through its getter and formatted for the LCD and for the
 * optical port, and all three must agree with the expectations written by hand below. A row added
 * to the table without an expectation here fails the test (and so does an expectation whose object
 * the table lost).
 *
 * The register state is set field by field; every expected text is worked out in the comment next
 * to the state (Z1 7.2: kWh with 2 decimals, truncated; powers in W shown as kW with 3 decimals;
 * technical facts 9.2 and 10.4). UTC instants come from timegm() of the host C library.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "omnipower/axdr.h"
#include "omnipower/config.h"
#include "omnipower/cosem.h"
#include "omnipower/display.h"

#include "test_time.h"


static struct omp_registers g_regs;
static struct omp_cycle g_cycle;
static struct omp_means_value g_means;
static struct omp_optical_settings g_opt;

/* what the ops were asked */
static struct {
    int clock_calls, tariff_calls, optical_calls, param_calls;
    omp_time_s clock;
    uint8_t tariff, setting;
    uint32_t value;
    omp_err answer;
} g_ops;

static omp_err op_clock(void *user, omp_time_s utc)
{
    (void)user;
    g_ops.clock_calls++;
    g_ops.clock = utc;
    return g_ops.answer;
}

static omp_err op_tariff(void *user, uint8_t t)
{
    (void)user;
    g_ops.tariff_calls++;
    g_ops.tariff = t;
    return g_ops.answer;
}

static omp_err op_optical(void *user, uint8_t k, uint32_t v)
{
    (void)user;
    g_ops.optical_calls++;
    g_ops.setting = k;
    g_ops.value = v;
    return g_ops.answer;
}

static omp_err op_param(void *user, uint8_t k, uint32_t v)
{
    (void)user;
    g_ops.param_calls++;
    g_ops.setting = k;
    g_ops.value = v;
    return g_ops.answer;
}

static const struct omp_cosem_ops k_ops = {op_clock, op_tariff, op_optical, NULL,    NULL,
                                           NULL,     NULL,      NULL,       op_param};

/* The fixed state. Expected displays (7.2, truncated):
 *   A+   1 234 567.891234 Wh -> 1234567 Wh -> 0001234.56 kWh
 *   A-   2 000 Wh -> 0000002.00;  R+ 3 500 varh -> 0000003.50;  R- 0.999999 varh -> 0000000.00
 *   R1   1 000 varh -> 0000001.00; R2, R3 0; R4 250 000 varh -> 0000250.00
 *   E+   9 990 VAh -> 0000009.99;  E- 10 VAh -> 0000000.01
 *   A+T1 1 000 250 Wh -> 0001000.25; A+T2 234 317.891 Wh -> 0000234.31; T3 0; T4 5 Wh -> 0.00
 *   R+T1 3 000 varh -> 0000003.00; R+T2 500 varh -> 0000000.50; T3, T4 0
 *   P+max 5 123 W at 2024-01-15 11:15:00 UTC (12:15 CET); T1 4 000 W never stamped; T2 0
 *   Q+max 812 var, S+max 5 200 VA (same stamp); S-max 0
 *   accumulated P+ 15 300 W, T1 9 000, T2 6 300, Q+ 2 100 var
 *   hours 1485, debiting periods 5, threshold count 3 (threshold 99 000 W), pulses 7.5 units
 *   cycle: 230.04 V -> 2300 dV (230.0), 10.004 A -> 1000 cA (10.00), P 2300.4 W -> 2300,
 *   Q 500.2 var -> 500, S 2301.3 VA -> 2301, PF 0.998 -> 998, f 50.01 Hz -> 5001 cHz
 *   clock 2024-01-15 12:00:00 UTC valid = 13:00:00 CET (UTC+1, EU rule) */
static struct omp_cosem_custom g_custom;
static uint16_t g_pq_counts[23];
static const uint16_t k_pq_limits[4] = {253u, 207u, 600u, 180u};
static struct omp_pq_value g_pq_iv, g_pq_10m;
static struct omp_event g_pq_entry;

static void fill_state(struct omp_cosem_src *s)
{
    memset(&g_regs, 0, sizeof g_regs);
    struct omp_metro_energy *t = &g_regs.e.total;
    t->a_plus_uwh = 1234567891234u;
    t->a_minus_uwh = 2000000000u;
    t->r_plus_uvarh = 3500000000u;
    t->r_minus_uvarh = 999999u;
    t->r_quadrant_uvarh[0] = 1000000000u;
    t->r_quadrant_uvarh[3] = 250000000000u;
    t->e_plus_uvah = 9990000000u;
    t->e_minus_uvah = 10000000u;
    g_regs.e.a_plus_t[0] = 1000250000000u;
    g_regs.e.a_plus_t[1] = 234317891000u;
    g_regs.e.a_plus_t[3] = 5000000u;
    g_regs.e.r_plus_t[0] = 3000000000u;
    g_regs.e.r_plus_t[1] = 500000000u;
    omp_time_s stamp = utc_of(2024, 1, 15, 11, 15, 0);
    g_regs.peaks.p_plus.value = 5123u;
    g_regs.peaks.p_plus.utc = stamp;
    g_regs.peaks.p_plus_t[0].value = 4000u;
    g_regs.peaks.q_plus.value = 812u;
    g_regs.peaks.q_plus.utc = stamp;
    g_regs.peaks.s_plus.value = 5200u;
    g_regs.peaks.s_plus.utc = stamp;
    g_regs.acc.p_plus = 15300u;
    g_regs.acc.p_plus_t[0] = 9000u;
    g_regs.acc.p_plus_t[1] = 6300u;
    g_regs.acc.q_plus = 2100u;
    g_regs.hours = 1485u;
    g_regs.billing_count = 5u;
    g_regs.threshold_count = 3u;
    g_regs.cfg.power_threshold_w = 99000u;
    g_regs.pulse_milli = 7500u;
    /* the running demand period (15 min = 900 s) began at 11:45 UTC; since then A+ grew by
     * 300 Wh, R+ by 50 varh, E+ by 333.333333 VAh, E- by 0: the current averages are
     * 300 * 3600 / 900 = 1200 W, 50 * 3600 / 900 = 200 var, 333.333333 * 4 = 1333.33 -> 1333 VA
     * (rounded down), 0 VA */
    g_regs.cfg.demand_period_min = 15u;
    g_regs.demand.start_utc = utc_of(2024, 1, 15, 11, 45, 0);
    g_regs.demand.end_utc = utc_of(2024, 1, 15, 12, 0, 0);
    g_regs.demand.start_a_plus = t->a_plus_uwh - 300000000u;
    g_regs.demand.start_r_plus = t->r_plus_uvarh - 50000000u;
    g_regs.demand.start_e_plus = t->e_plus_uvah - 333333333u;
    g_regs.demand.start_e_minus = t->e_minus_uvah;
    g_regs.demand.have_last = true; /* the period 11:30..11:45 UTC, cut short by a power cut */
    g_regs.demand.last.end_utc = utc_of(2024, 1, 15, 11, 45, 0);
    g_regs.demand.last.p_plus_w = 4321u;
    g_regs.demand.last.q_plus_var = 222u;
    g_regs.demand.last.s_plus_va = 4400u;
    g_regs.demand.last.s_minus_va = 7u;
    g_regs.demand.last.flags = 0x05u; /* OMP_REGS_PF_POWER_CUT | OMP_REGS_PF_SHORT */
    memset(&g_cycle, 0, sizeof g_cycle);
    g_cycle.urms_v = 230.04f;
    g_cycle.irms_a = 10.004f;
    g_cycle.p_w = 2300.4f;
    g_cycle.q_var = 500.2f;
    g_cycle.s_va = 2301.3f;
    g_cycle.pf = 0.998f;
    g_cycle.f_hz = 50.01f;
    /* the last analysis interval's means: as the cycle, and 120 W exported on average */
    g_means = (struct omp_means_value){230.04f, 10.004f, 2300.4f, 120.0f, 500.2f, 0.0f,
                                       2301.3f, 0.998f, 50.01f};
    /* technical facts 10.2 factory values */
    g_opt = (struct omp_optical_settings){1u, 0u, 3u, 1u, 1500u, 1500u, 1700u, 90u};
    memset(s, 0, sizeof *s);
    s->regs = &g_regs;
    s->cycle = &g_cycle;
    s->means = &g_means;
    s->optical = &g_opt;
    s->type_number = "6861111BN142101010";
    s->software_id = "5098736-Q1"; /* technical facts 11.1 example */
    s->rom_checksum = 0x72526998u; /* technical facts 9.4: shown as CSUM 27032 (0x6998) */
    s->meter_number = 12345678u;
    s->tariff = 2u;
    s->tariffs = 4u;
    s->status = 2u;
    s->clock_utc_s = utc_of(2024, 1, 15, 12, 0, 0);
    s->clock_valid = true;
    s->clock_known = true;
    s->utc_offset_min = 60;
    s->dst_rule = OMP_DST_EU;
    s->ops = &k_ops;
    memset(&g_ops, 0, sizeof g_ops);
    /* the utility's data: MeterNoLow as the technical facts' example (11.3: 69855), a module
     * name of 11.2 (IP101i) */
    memset(&g_custom, 0, sizeof g_custom);
    g_custom.meter_no2 = 2u;
    g_custom.meter_no3 = 3u;
    g_custom.special[0] = 7u;
    g_custom.special[1] = 8u;
    memcpy(g_custom.meter_no_low, "69855", 5u);
    g_custom.meter_no_low_len = 5u;
    memcpy(g_custom.module_id, "IP101i", 6u);
    g_custom.module_id_len = 6u;
    s->custom = &g_custom;
    for (unsigned n = 1; n <= 23u; n++) {
        g_pq_counts[n - 1u] = (uint16_t)(100u + n);
    }
    memset(&g_pq_iv, 0, sizeof g_pq_iv);
    g_pq_iv.harm_valid = true;
    g_pq_10m = g_pq_iv;
    g_pq_iv.thd_u_pct = 2.03f;
    g_pq_iv.thd_i_pct = 12.5f;
    g_pq_10m.thd_u_pct = 1.5f;
    g_pq_10m.thd_i_pct = 8.04f;
    g_pq_entry = (struct omp_event){OMP_EV_VQ + 2u, 1u, OMP_EV_VQ_ARG(0u, 0u, 199u), 0};
    s->pq.counts = g_pq_counts;
    s->pq.limits = k_pq_limits;
    s->pq.interval = &g_pq_iv;
    s->pq.ten_min = &g_pq_10m;
    s->pq.entry = &g_pq_entry;
}

/* One object: its attribute 2 as the LCD and as the optical port show it. */
struct expect {
    uint8_t obis[6];
    const char *lcd, *lcd_unit; /* the LCD's value field and unit */
    const char *iec, *iec_unit; /* the data set's value and unit (`C.D.E(iec*iec_unit)`) */
};

#define O(a, b, c, d, e) {a, b, c, d, e, 255}
static const struct expect k_expect[] = {
    {O(1, 1, 0, 0, 1), "12345678", "", "12345678", ""}, /* meter number: 8 digits */
    {O(1, 1, 0, 0, 4), "1KAS0012345678", "", "1KAS0012345678", ""}, /* "1KAS" + 10 digits */
    {O(1, 1, 96, 1, 0), "12345678", "", "12345678", ""},
    {O(1, 1, 96, 1, 1), "6861111BN142101010", "", "6861111BN142101010", ""},
    {O(1, 1, 0, 2, 0), "5098736", "", "5098736-Q1", ""}, /* the LCD: number; text field: Q1 */
    {{1, 1, 0, 2, 2, 128}, "Q1", "", "Q1", ""},
    {O(1, 1, 96, 54, 1), "27032", "", "1918003608", ""}, /* CSUM: low 16 bits on the LCD */
    /* the utility's data: meter numbers in 8 digits (docs/display.md), the rest in decimal,
     * octet-strings as their characters */
    {O(1, 1, 0, 0, 0), "69855", "", "69855", ""},
    {O(1, 1, 0, 0, 2), "00000002", "", "00000002", ""},
    {O(1, 1, 0, 0, 3), "00000003", "", "00000003", ""},
    {O(1, 1, 0, 130, 1), "7", "", "7", ""},
    {O(1, 1, 0, 130, 2), "8", "", "8", ""},
    {O(1, 1, 96, 1, 2), "IP101i", "", "IP101i", ""},
    {O(1, 1, 97, 97, 0), "2", "", "2", ""},
    {O(0, 1, 1, 0, 0), "2024:01:15", "", "01240115130000", ""}, /* N 0, V 1, 13:00 local */
    {O(1, 1, 1, 8, 0), "0001234.56", "kWh", "0001234.56", "kWh"},
    {O(1, 1, 1, 8, 1), "0001000.25", "kWh", "0001000.25", "kWh"},
    {O(1, 1, 1, 8, 2), "0000234.31", "kWh", "0000234.31", "kWh"},
    {O(1, 1, 1, 8, 3), "0000000.00", "kWh", "0000000.00", "kWh"},
    {O(1, 1, 1, 8, 4), "0000000.00", "kWh", "0000000.00", "kWh"},
    {O(1, 1, 1, 8, 5), "", "", "", ""}, /* tariffs 5..8: the source keeps 4 (null-data) */
    {O(1, 1, 1, 8, 6), "", "", "", ""},
    {O(1, 1, 1, 8, 7), "", "", "", ""},
    {O(1, 1, 1, 8, 8), "", "", "", ""},
    {O(1, 1, 2, 8, 0), "0000002.00", "kWh", "0000002.00", "kWh"},
    {O(1, 1, 2, 8, 1), "", "", "", ""}, /* not kept: null-data, `2.8.1()` */
    {O(1, 1, 2, 8, 2), "", "", "", ""},
    {O(1, 1, 3, 8, 0), "0000003.50", "kvarh", "0000003.50", "kvarh"},
    {O(1, 1, 3, 8, 1), "0000003.00", "kvarh", "0000003.00", "kvarh"},
    {O(1, 1, 3, 8, 2), "0000000.50", "kvarh", "0000000.50", "kvarh"},
    {O(1, 1, 3, 8, 3), "0000000.00", "kvarh", "0000000.00", "kvarh"},
    {O(1, 1, 3, 8, 4), "0000000.00", "kvarh", "0000000.00", "kvarh"},
    {O(1, 1, 3, 8, 5), "", "", "", ""},
    {O(1, 1, 3, 8, 6), "", "", "", ""},
    {O(1, 1, 3, 8, 7), "", "", "", ""},
    {O(1, 1, 3, 8, 8), "", "", "", ""},
    {O(1, 1, 4, 8, 0), "0000000.00", "kvarh", "0000000.00", "kvarh"},
    {O(1, 1, 4, 8, 1), "", "", "", ""},
    {O(1, 1, 4, 8, 2), "", "", "", ""},
    {O(1, 1, 5, 8, 0), "0000001.00", "kvarh", "0000001.00", "kvarh"},
    {O(1, 1, 6, 8, 0), "0000000.00", "kvarh", "0000000.00", "kvarh"},
    {O(1, 1, 7, 8, 0), "0000000.00", "kvarh", "0000000.00", "kvarh"},
    {O(1, 1, 8, 8, 0), "0000250.00", "kvarh", "0000250.00", "kvarh"},
    {O(1, 1, 9, 8, 0), "0000009.99", "kVAh", "0000009.99", "kVAh"},
    {O(1, 1, 10, 8, 0), "0000000.01", "kVAh", "0000000.01", "kVAh"},
    /* maxima: LCD 2.3, IEC xxxxx.xxx (technical facts 9.2, 10.4) */
    {O(1, 1, 1, 6, 0), "05.123", "kW", "00005.123", "kW"},
    {O(1, 1, 1, 6, 1), "04.000", "kW", "00004.000", "kW"},
    {O(1, 1, 1, 6, 2), "00.000", "kW", "00000.000", "kW"},
    {O(1, 1, 2, 6, 0), "", "", "", ""},
    {O(1, 1, 3, 6, 0), "00.812", "kvar", "00000.812", "kvar"},
    {O(1, 1, 4, 6, 0), "", "", "", ""},
    {O(1, 1, 9, 6, 0), "05.200", "kVA", "00005.200", "kVA"},
    {O(1, 1, 10, 6, 0), "00.000", "kVA", "00000.000", "kVA"},
    /* accumulated maxima: xxxxxx.xxx */
    {O(1, 1, 1, 2, 0), "000015.300", "kW", "000015.300", "kW"},
    {O(1, 1, 1, 2, 1), "000009.000", "kW", "000009.000", "kW"},
    {O(1, 1, 1, 2, 2), "000006.300", "kW", "000006.300", "kW"},
    {O(1, 1, 2, 2, 0), "", "", "", ""},
    {O(1, 1, 3, 2, 0), "000002.100", "kvar", "000002.100", "kvar"},
    {O(1, 1, 4, 2, 0), "", "", "", ""},
    /* counters: the Kamstrup readout's digits, no unit */
    {O(0, 1, 96, 8, 0), "0001485", "", "0001485", ""},
    {O(1, 1, 0, 1, 0), "05", "", "05", ""},
    {O(1, 1, 96, 51, 2), "3", "", "3", ""},
    {O(1, 1, 96, 51, 1), "99000", "", "99000", ""},
    {O(1, 1, 0, 128, 1), "0000007", "", "0000007", ""},
    {O(1, 1, 96, 52, 11), "1", "", "1", ""}, /* DaylightSavingConfig: the EU rule */
    {O(1, 1, 129, 0, 0), "2", "", "2", ""},
    /* instantaneous: LCD powers 2.3; IEC powers unpadded; U, I, f, PF by their scaler */
    {O(1, 1, 32, 7, 0), "230.0", "V", "230.0", "V"},
    {O(1, 1, 31, 7, 0), "10.00", "A", "10.00", "A"},
    {O(1, 1, 1, 7, 0), "02.300", "kW", "2.300", "kW"},
    {O(1, 1, 2, 7, 0), "00.000", "kW", "0.000", "kW"},
    {O(1, 1, 3, 7, 0), "00.500", "kvar", "0.500", "kvar"},
    {O(1, 1, 4, 7, 0), "00.000", "kvar", "0.000", "kvar"},
    {O(1, 1, 9, 7, 0), "02.301", "kVA", "2.301", "kVA"},
    {O(1, 1, 13, 7, 0), "0.998", "", "0.998", ""},
    {O(1, 1, 14, 7, 0), "50.01", "Hz", "50.01", "Hz"},
    /* the analysis interval's means (x.25.0): formatted as the instantaneous values */
    {O(1, 1, 32, 25, 0), "230.0", "V", "230.0", "V"},
    {O(1, 1, 31, 25, 0), "10.00", "A", "10.00", "A"},
    {O(1, 1, 21, 25, 0), "02.300", "kW", "2.300", "kW"},
    {O(1, 1, 22, 25, 0), "00.120", "kW", "0.120", "kW"},
    {O(1, 1, 23, 25, 0), "00.500", "kvar", "0.500", "kvar"},
    {O(1, 1, 24, 25, 0), "00.000", "kvar", "0.000", "kvar"},
    {O(1, 1, 29, 25, 0), "02.301", "kVA", "2.301", "kVA"},
    {O(1, 1, 33, 25, 0), "0.998", "", "0.998", ""},
    {O(1, 1, 13, 25, 0), "0.998", "", "0.998", ""},
    {O(1, 1, 14, 25, 0), "50.01", "Hz", "50.01", "Hz"},
    /* power quality: THD of the newest 10-cycle / 10-min values (fill_state: U 2.03 / 1.50 %,
     * I 12.50 / 8.04 %) in 0.01 %; counters n = 101 + n - 1; the newest VQ logger entry (event 2,
     * the minimum 199 V); the limits' defaults (technical facts 8.4). Whole volts and seconds
     * show no unit, as PowerThresholdValue's watts (the display's rule for unscaled values) */
    {O(1, 1, 32, 7, 124), "2.03", "%", "2.03", "%"},
    {O(1, 1, 32, 24, 124), "1.50", "%", "1.50", "%"},
    {O(1, 1, 31, 7, 124), "12.50", "%", "12.50", "%"},
    {O(1, 1, 31, 24, 124), "8.04", "%", "8.04", "%"},
    {O(1, 1, 133, 0, 1), "101", "", "101", ""},
    {O(1, 1, 133, 0, 2), "102", "", "102", ""},
    {O(1, 1, 133, 0, 3), "103", "", "103", ""},
    {O(1, 1, 133, 0, 4), "104", "", "104", ""},
    {O(1, 1, 133, 0, 5), "105", "", "105", ""},
    {O(1, 1, 133, 0, 6), "106", "", "106", ""},
    {O(1, 1, 133, 0, 7), "107", "", "107", ""},
    {O(1, 1, 133, 0, 8), "108", "", "108", ""},
    {O(1, 1, 133, 0, 9), "109", "", "109", ""},
    {O(1, 1, 133, 0, 10), "110", "", "110", ""},
    {O(1, 1, 133, 0, 11), "111", "", "111", ""},
    {O(1, 1, 133, 0, 12), "112", "", "112", ""},
    {O(1, 1, 133, 0, 13), "113", "", "113", ""},
    {O(1, 1, 133, 0, 14), "114", "", "114", ""},
    {O(1, 1, 133, 0, 15), "115", "", "115", ""},
    {O(1, 1, 133, 0, 16), "116", "", "116", ""},
    {O(1, 1, 133, 0, 17), "117", "", "117", ""},
    {O(1, 1, 133, 0, 18), "118", "", "118", ""},
    {O(1, 1, 133, 0, 19), "119", "", "119", ""},
    {O(1, 1, 133, 0, 20), "120", "", "120", ""},
    {O(1, 1, 133, 0, 21), "121", "", "121", ""},
    {O(1, 1, 133, 0, 22), "122", "", "122", ""},
    {O(1, 1, 133, 0, 23), "123", "", "123", ""},
    {O(1, 1, 132, 0, 1), "1", "", "1", ""},
    {O(1, 1, 132, 0, 2), "2", "", "2", ""},
    {O(1, 1, 132, 0, 3), "0", "", "0", ""},
    {O(1, 1, 132, 0, 4), "0", "", "0", ""},
    {O(1, 1, 132, 0, 5), "199", "", "199", ""},
    {O(1, 1, 134, 0, 12), "253", "", "253", ""},
    {O(1, 1, 134, 0, 13), "207", "", "207", ""},
    {O(1, 1, 134, 0, 14), "600", "", "600", ""},
    {O(1, 1, 134, 0, 15), "180", "", "180", ""},
    /* the optical port's settings: factory values */
    {O(1, 1, 131, 0, 3), "1", "", "1", ""},
    {O(1, 1, 131, 0, 6), "0", "", "0", ""},
    {O(1, 1, 131, 0, 9), "3", "", "3", ""},
    {O(1, 1, 131, 0, 12), "1", "", "1", ""},
    {O(1, 1, 131, 0, 13), "1500", "", "1500", ""},
    {O(1, 1, 131, 0, 14), "1500", "", "1500", ""},
    {O(1, 1, 131, 0, 15), "1700", "", "1700", ""},
    {O(1, 1, 131, 0, 16), "90", "", "90", ""},
    /* the calendars (no calendar in this source): calendar_name_active, an empty octet-string;
     * the special days table's entries, an empty array */
    {O(0, 0, 13, 0, 0), "", "", "", ""},
    {O(0, 0, 11, 0, 0), "", "", "", ""},
    /* the end of billing period's script table (scripts) and single action schedule
     * (executed_script): structures, which the display does not show */
    {O(0, 0, 10, 0, 1), "", "", "", ""},
    {O(0, 0, 15, 0, 0), "", "", "", ""},
    /* demand registers' current averages (1200 W, 200 var, 1333 VA, 0 VA: fill_state), shown
     * as the instantaneous powers: LCD 2.3 kW, IEC unpadded */
    {{1, 0, 1, 4, 0, 255}, "01.200", "kW", "1.200", "kW"},
    {{1, 0, 3, 4, 0, 255}, "00.200", "kvar", "0.200", "kvar"},
    {{1, 0, 9, 4, 0, 255}, "01.333", "kVA", "1.333", "kVA"},
    {{1, 0, 10, 4, 0, 255}, "00.000", "kVA", "0.000", "kVA"},
    /* the register monitor's thresholds: an array, which the display does not show */
    {O(0, 0, 16, 0, 0), "", "", "", ""},
};

static const struct omp_display_z1 k_z1_72 = {7u, 2u};

static const struct expect *expectation(const uint8_t obis[6])
{
    for (size_t k = 0; k < OMP_ARRAY_LEN(k_expect); k++) {
        if (memcmp(k_expect[k].obis, obis, 6u) == 0) {
            return &k_expect[k];
        }
    }
    return NULL;
}

/* The text of @p v as @p target shows it (attribute @p attr of @p obis). */
static void text_of(const uint8_t obis[6], uint8_t attr, const struct omp_value *v,
                    enum omp_display_target target, enum omp_display_view view, char *out,
                    const char **unit)
{
    assert_int_equal(omp_display_format(obis, attr, v, target, view, &k_z1_72, out,
                                        OMP_DISPLAY_TEXT_MAX, unit),
                     OMP_OK);
}

/* The communication setup objects (SAP assignment, logical device name, HDLC, local port, push
 * and security setup): no display or readout text; their values are in test_dlms_setup.c. */
static bool comm_setup(const struct omp_cosem_obj *o)
{
    return o->obis[0] == 0u && o->obis[1] == 0u &&
           (o->obis[2] == 20u || o->obis[2] == 22u || o->obis[2] == 25u ||
            (o->obis[2] >= 41u && o->obis[2] <= 43u));
}

static void test_every_object_agrees(void **state)
{
    (void)state;
    struct omp_cosem_src s;
    fill_state(&s);
    size_t rows = 0;
    for (size_t k = 0; k < omp_cosem_count(); k++) {
        const struct omp_cosem_obj *o = omp_cosem_at(k);
        rows += comm_setup(o) || (o->flags & OMP_COSEM_WRITE_ONLY) != 0u ? 0u : 1u;
    }
    assert_int_equal(rows, OMP_ARRAY_LEN(k_expect));
    for (size_t k = 0; k < omp_cosem_count(); k++) {
        const struct omp_cosem_obj *o = omp_cosem_at(k);
        if (comm_setup(o)) {
            assert_ptr_equal(omp_cosem_find(o->obis), o);
            assert_ptr_equal(omp_cosem_find_cde(o->obis[2], o->obis[3], o->obis[4]), o);
            continue;
        }
        if ((o->flags & OMP_COSEM_WRITE_ONLY) != 0u) { /* ForceBillingStop: nothing to show */
            struct omp_value w;
            assert_int_equal(omp_cosem_get(&s, o, 2u, OMP_ASSOC_LOCAL, &w), OMP_ERR_DENIED);
            continue;
        }
        const struct expect *e = expectation(o->obis);
        char id[12];
        assert_int_equal(omp_cosem_cde_text(o->obis, id, sizeof id), OMP_OK);
        if (e == NULL) {
            fail_msg("object %s has no expectation in this test", id);
        }
        struct omp_value v;
        assert_int_equal(omp_cosem_get(&s, o, 2u, OMP_ASSOC_LOCAL, &v), OMP_OK);
        char lcd[OMP_DISPLAY_TEXT_MAX], iec[OMP_DISPLAY_TEXT_MAX];
        const char *lu = NULL, *iu = NULL;
        text_of(o->obis, 2u, &v, OMP_DISPLAY_LCD, OMP_DISPLAY_VIEW_VALUE, lcd, &lu);
        text_of(o->obis, 2u, &v, OMP_DISPLAY_IEC, OMP_DISPLAY_VIEW_VALUE, iec, &iu);
        printf("%-9s lcd %-20s %-5s iec %-20s %s\n", id, lcd, lu, iec, iu);
        assert_string_equal(lcd, e->lcd);
        assert_string_equal(lu, e->lcd_unit);
        assert_string_equal(iec, e->iec);
        assert_string_equal(iu, e->iec_unit);
        /* the same object by its reduced id, and every reduced id once */
        assert_ptr_equal(omp_cosem_find_cde(o->obis[2], o->obis[3], o->obis[4]), o);
        assert_ptr_equal(omp_cosem_find(o->obis), o);
    }
}

/* The getters' values: types, scalers and units that DLMS will serve (technical facts 11.3). */
static void test_values_typed(void **state)
{
    (void)state;
    struct omp_cosem_src s;
    fill_state(&s);
    static const struct {
        uint8_t obis[6];
        uint8_t type;
        int8_t scaler;
        uint8_t unit;
        uint64_t u;
    } cases[] = {
        {O(1, 1, 1, 8, 0), OMP_VT_U32, 0, OMP_UNIT_WH, 1234567u},
        {O(1, 1, 3, 8, 0), OMP_VT_U32, 0, OMP_UNIT_VARH, 3500u},
        {O(1, 1, 9, 8, 0), OMP_VT_U32, 0, OMP_UNIT_VAH, 9990u},
        {O(1, 1, 1, 6, 0), OMP_VT_U32, 0, OMP_UNIT_W, 5123u},
        {O(1, 1, 32, 7, 0), OMP_VT_U16, -1, OMP_UNIT_V, 2300u},
        {O(1, 1, 31, 7, 0), OMP_VT_U32, -2, OMP_UNIT_A, 1000u},
        {O(1, 1, 14, 7, 0), OMP_VT_U16, -2, OMP_UNIT_HZ, 5001u},
        {O(1, 1, 13, 7, 0), OMP_VT_U16, -3, OMP_UNIT_COUNT, 998u}, /* unitless: 255 */
        {O(0, 1, 96, 8, 0), OMP_VT_U32, 0, OMP_UNIT_HOUR, 1485u},
        {O(1, 1, 0, 1, 0), OMP_VT_U8, 0, OMP_UNIT_NONE, 5u},
        {O(1, 1, 129, 0, 0), OMP_VT_U8, 0, OMP_UNIT_NONE, 2u},
        {O(1, 1, 96, 52, 11), OMP_VT_U8, 0, OMP_UNIT_NONE, 1u},
        {O(1, 1, 96, 51, 1), OMP_VT_U32, 0, OMP_UNIT_W, 99000u},
        {O(1, 1, 131, 0, 13), OMP_VT_U16, 0, OMP_UNIT_NONE, 1500u},
    };
    for (size_t k = 0; k < OMP_ARRAY_LEN(cases); k++) {
        struct omp_value v;
        assert_int_equal(omp_cosem_get(&s, omp_cosem_find(cases[k].obis), 2u, OMP_ASSOC_LLS_MODULE, &v),
                         OMP_OK);
        assert_int_equal(v.type, cases[k].type);
        assert_int_equal(v.scaler, cases[k].scaler);
        assert_int_equal(v.unit, cases[k].unit);
        assert_int_equal(v.v.u, cases[k].u);
    }
    /* attribute 1: the logical name; attribute 3: scaler_unit {integer -1, enum 35 (V)} */
    const struct omp_cosem_obj *u = omp_cosem_find((const uint8_t[6])O(1, 1, 32, 7, 0));
    struct omp_value v;
    assert_int_equal(omp_cosem_get(&s, u, 1u, OMP_ASSOC_LLS_CCC, &v), OMP_OK);
    assert_int_equal(v.type, OMP_VT_OCTETS);
    assert_memory_equal(v.v.bytes, ((const uint8_t[6])O(1, 1, 32, 7, 0)), 6);
    assert_int_equal(omp_cosem_get(&s, u, 3u, OMP_ASSOC_LLS_CCC, &v), OMP_OK);
    static const uint8_t su[6] = {0x02, 0x02, 0x0F, 0xFF, 0x16, 35};
    assert_int_equal(v.type, OMP_VT_ENCODED);
    assert_int_equal(v.len, 6u);
    assert_memory_equal(v.v.bytes, su, 6);
    assert_int_equal(omp_cosem_get(&s, u, 4u, OMP_ASSOC_LLS_CCC, &v), OMP_ERR_NOT_FOUND);
    assert_int_equal(omp_cosem_get(&s, u, 0u, OMP_ASSOC_LLS_CCC, &v), OMP_ERR_NOT_FOUND);
    assert_int_equal(omp_cosem_get(NULL, u, 2u, OMP_ASSOC_LLS, &v), OMP_ERR_ARG);
}

/* Class 4 capture time (attribute 5) and the clock's attributes. */
static void test_times(void **state)
{
    (void)state;
    struct omp_cosem_src s;
    fill_state(&s);
    char t[OMP_DISPLAY_TEXT_MAX];
    const char *unit = NULL;
    struct omp_value v;
    const uint8_t pk[6] = O(1, 1, 1, 6, 0), pk1[6] = O(1, 1, 1, 6, 1), clk[6] = O(0, 1, 1, 0, 0);
    assert_int_equal(omp_cosem_get(&s, omp_cosem_find(pk), 5u, OMP_ASSOC_LOCAL, &v), OMP_OK);
    text_of(pk, 5u, &v, OMP_DISPLAY_IEC, OMP_DISPLAY_VIEW_VALUE, t, &unit);
    assert_string_equal(t, "01240115121500"); /* 11:15 UTC = 12:15 CET, valid */
    text_of(pk, 5u, &v, OMP_DISPLAY_LCD, OMP_DISPLAY_VIEW_TIME, t, &unit);
    assert_string_equal(t, "12:15:00");
    assert_string_equal(omp_display_label(pk, OMP_DISPLAY_VIEW_VALUE), "P+M");
    /* a maximum never stamped: IEC doc p.24 `(00000101000000)`; the LCD shows dashes */
    assert_int_equal(omp_cosem_get(&s, omp_cosem_find(pk1), 5u, OMP_ASSOC_LOCAL, &v), OMP_OK);
    text_of(pk1, 5u, &v, OMP_DISPLAY_IEC, OMP_DISPLAY_VIEW_VALUE, t, &unit);
    assert_string_equal(t, "00000101000000");
    text_of(pk1, 5u, &v, OMP_DISPLAY_LCD, OMP_DISPLAY_VIEW_DATE, t, &unit);
    assert_string_equal(t, "----:--:--");
    /* the clock in summer: 2024-07-01 12:00 UTC = 14:00 CEST, N = 1 */
    s.clock_utc_s = utc_of(2024, 7, 1, 12, 0, 0);
    const struct omp_cosem_obj *c = omp_cosem_find(clk);
    assert_int_equal(omp_cosem_get(&s, c, 2u, OMP_ASSOC_PUBLIC, &v), OMP_OK);
    text_of(clk, 2u, &v, OMP_DISPLAY_IEC, OMP_DISPLAY_VIEW_VALUE, t, &unit);
    assert_string_equal(t, "11240701140000");
    text_of(clk, 2u, &v, OMP_DISPLAY_LCD, OMP_DISPLAY_VIEW_TIME, t, &unit);
    assert_string_equal(t, "14:00:00");
    assert_string_equal(omp_display_label(clk, OMP_DISPLAY_VIEW_TIME), "TIME");
    assert_int_equal(omp_cosem_get(&s, c, 4u, OMP_ASSOC_PUBLIC, &v), OMP_OK);
    assert_int_equal(v.v.u, 0x80u); /* status: DST (technical facts 11.6) */
    /* DST bounds of 2024: 2024-03-31 01:00 UTC = 02:00 standard time; 2024-10-27 01:00 UTC,
     * shown in DST as 03:00 with the DST bit (the K351C example's end carries 0x80) */
    assert_int_equal(omp_cosem_get(&s, c, 5u, OMP_ASSOC_PUBLIC, &v), OMP_OK);
    text_of(clk, 5u, &v, OMP_DISPLAY_IEC, OMP_DISPLAY_VIEW_VALUE, t, &unit);
    assert_string_equal(t, "01240331020000");
    assert_int_equal(omp_cosem_get(&s, c, 6u, OMP_ASSOC_PUBLIC, &v), OMP_OK);
    text_of(clk, 6u, &v, OMP_DISPLAY_IEC, OMP_DISPLAY_VIEW_VALUE, t, &unit);
    assert_string_equal(t, "11241027030000");
    assert_int_equal(omp_cosem_get(&s, c, 7u, OMP_ASSOC_PUBLIC, &v), OMP_OK);
    assert_int_equal(v.v.i, 60);
    assert_int_equal(omp_cosem_get(&s, c, 8u, OMP_ASSOC_PUBLIC, &v), OMP_OK);
    assert_int_equal(v.type, OMP_VT_BOOL);
    assert_int_equal(v.v.u, 1u);
    /* the RTC lost: the last known time, V = 0 and the invalid bit; never known: unset */
    s.clock_valid = false;
    assert_int_equal(omp_cosem_get(&s, c, 2u, OMP_ASSOC_PUBLIC, &v), OMP_OK);
    text_of(clk, 2u, &v, OMP_DISPLAY_IEC, OMP_DISPLAY_VIEW_VALUE, t, &unit);
    assert_string_equal(t, "10240701140000");
    text_of(clk, 2u, &v, OMP_DISPLAY_LCD, OMP_DISPLAY_VIEW_TIME, t, &unit);
    assert_string_equal(t, "--:--:--");
    s.clock_known = false;
    assert_int_equal(omp_cosem_get(&s, c, 2u, OMP_ASSOC_PUBLIC, &v), OMP_OK);
    text_of(clk, 2u, &v, OMP_DISPLAY_IEC, OMP_DISPLAY_VIEW_VALUE, t, &unit);
    assert_string_equal(t, "00000101000000");
    /* the text fields: a label, or the software revision (technical facts 9.4, 9.5) */
    const uint8_t sw[6] = O(1, 1, 0, 2, 0), hrs[6] = O(0, 1, 96, 8, 0);
    assert_int_equal(omp_cosem_get(&s, omp_cosem_find(sw), 2u, OMP_ASSOC_LOCAL, &v), OMP_OK);
    omp_display_text_field(sw, OMP_DISPLAY_VIEW_VALUE, &v, t, sizeof t);
    assert_string_equal(t, "Q1");
    omp_display_text_field(hrs, OMP_DISPLAY_VIEW_VALUE, &v, t, sizeof t);
    assert_string_equal(t, "HRS");
    omp_display_text_field(clk, OMP_DISPLAY_VIEW_DATE, &v, t, 3u);
    assert_string_equal(t, "DA"); /* truncated to the buffer */
}

/* Who may read: the public association reads the identity and the clock only. */
static void test_read_rights(void **state)
{
    (void)state;
    struct omp_cosem_src s;
    fill_state(&s);
    struct omp_value v;
    static const uint8_t pub[][6] = {O(0, 1, 1, 0, 0),  O(1, 1, 0, 0, 1),  O(1, 1, 0, 0, 4),
                                     O(1, 1, 96, 1, 0), O(1, 1, 96, 1, 1), O(1, 1, 0, 2, 0),
                                     {1, 1, 0, 2, 2, 128},
                                     /* MeterNoLow, MeterNo2, MeterNo3, SpecialData 1 and 2 */
                                     O(1, 1, 0, 0, 0), O(1, 1, 0, 0, 2), O(1, 1, 0, 0, 3),
                                     O(1, 1, 0, 130, 1), O(1, 1, 0, 130, 2),
#if OMP_CONFIG_DLMS
                                     /* HDLC setup and SAP assignment (technical facts 11.1) */
                                     O(0, 0, 22, 0, 0), O(0, 0, 41, 0, 0)
#endif
    };
    size_t public_count = 0;
    for (size_t k = 0; k < omp_cosem_count(); k++) {
        const struct omp_cosem_obj *o = omp_cosem_at(k);
        bool is_pub = false;
        for (size_t j = 0; j < OMP_ARRAY_LEN(pub); j++) {
            is_pub = is_pub || memcmp(pub[j], o->obis, 6u) == 0;
        }
        omp_err want = is_pub ? OMP_OK : OMP_ERR_DENIED;
        omp_err got = omp_cosem_get(&s, o, 2u, OMP_ASSOC_PUBLIC, &v);
        /* the SAP list is longer than a value: read, but only through omp_cosem_put */
        assert_int_equal(got == OMP_ERR_NOSPACE ? OMP_OK : got, want);
        public_count += is_pub ? 1u : 0u;
        /* every LLS, the management association and the meter itself read everything */
        static const unsigned full[] = {OMP_ASSOC_LLS_MODULE, OMP_ASSOC_LLS_OPTICAL,
                                        OMP_ASSOC_LLS_CCC, OMP_ASSOC_HLS_MGMT, OMP_ASSOC_LOCAL};
        for (size_t j = 0; j < OMP_ARRAY_LEN(full); j++) {
            /* except the security setup: the management association's (and the meter's) */
            bool sec = o->obis[2] == 43u && (full[j] & OMP_ASSOC_LLS) != 0u;
            assert_int_equal(omp_cosem_get(&s, o, 1u, full[j], &v),
                             sec ? OMP_ERR_DENIED : OMP_OK);
        }
    }
    assert_int_equal(public_count, OMP_ARRAY_LEN(pub));
    /* one association at a time: a mask would grant the union of the rights */
    const struct omp_cosem_obj *clk = omp_cosem_find((const uint8_t[6])O(0, 1, 1, 0, 0));
    assert_int_equal(omp_cosem_get(&s, clk, 2u, OMP_ASSOC_PUBLIC | OMP_ASSOC_LLS_CCC, &v),
                     OMP_ERR_ARG);
    assert_int_equal(omp_cosem_get(&s, clk, 2u, 0u, &v), OMP_ERR_ARG);
    assert_false(omp_cosem_writable(clk, 2u, OMP_ASSOC_LLS));
    v = omp_value_datetime(utc_of(2025, 1, 1, 0, 0, 0), 60, 0u, false);
    assert_int_equal(omp_cosem_set(&s, clk, 2u, OMP_ASSOC_FULL, &v), OMP_ERR_ARG);
}

/* scaler_unit (attribute 3) is the row's, fixed per object; attribute 2's value carries the same
 * scaler and unit whenever it holds a number. */
static void test_scaler_unit_fixed(void **state)
{
    (void)state;
    struct omp_cosem_src s;
    fill_state(&s);
    for (size_t k = 0; k < omp_cosem_count(); k++) {
        const struct omp_cosem_obj *o = omp_cosem_at(k);
        if (o->class_id != OMP_CLASS_REGISTER && o->class_id != OMP_CLASS_EXT_REGISTER) {
            continue;
        }
        struct omp_value su, v;
        assert_int_equal(omp_cosem_get(&s, o, 3u, OMP_ASSOC_LLS_CCC, &su), OMP_OK);
        assert_int_equal(su.len, 6u);
        assert_int_equal(su.v.bytes[3], (uint8_t)o->scaler);
        assert_int_equal(su.v.bytes[5], o->unit);
        assert_int_not_equal(o->unit, OMP_UNIT_NONE); /* not a Blue Book unit */
        assert_int_equal(omp_cosem_get(&s, o, 2u, OMP_ASSOC_LLS_CCC, &v), OMP_OK);
        if (v.type != OMP_VT_NULL) {
            assert_int_equal(v.scaler, o->scaler);
            assert_int_equal(v.unit, o->unit);
        }
    }
}

/* Legal data is written by nobody; the settings only by the associations that own them. */
static void test_write_rights(void **state)
{
    (void)state;
    struct omp_cosem_src s;
    fill_state(&s);
    size_t legal = 0, writable = 0;
    for (size_t k = 0; k < omp_cosem_count(); k++) {
        const struct omp_cosem_obj *o = omp_cosem_at(k);
        for (unsigned bit = 0; bit < 8u; bit++) {
            for (uint8_t attr = 0; attr <= 10u; attr++) {
                bool w = omp_cosem_writable(o, attr, 1u << bit);
                assert_false(w && (o->flags & OMP_COSEM_LEGAL) != 0u);
                assert_false(w && attr == 1u);
                assert_false(w && (1u << bit) == OMP_ASSOC_PUBLIC);
            }
        }
        legal += (o->flags & OMP_COSEM_LEGAL) != 0u ? 1u : 0u;
        writable += omp_cosem_writable(o, 2u, OMP_ASSOC_LLS_OPTICAL) ? 1u : 0u;
        if ((o->flags & OMP_COSEM_LEGAL) != 0u) {
            struct omp_value v = omp_value_uint(OMP_VT_U32, 0u, 0, OMP_UNIT_WH);
            assert_int_equal(omp_cosem_set(&s, o, 2u, OMP_ASSOC_HLS_MGMT, &v), OMP_ERR_DENIED);
        }
    }
    /* legal: 7 identity (meter number, identification, serial, type, software number and
     * revision, ROM checksum) + 30 energies (A+ and 8 tariffs, A- 3, R+ and 8 tariffs, R- 3,
     * R1..R4, E+, E-) + 8 maxima + 6 accumulated + hours, periods, threshold count + 4
     * demand registers (A+, R+, E+, E-) = 58;
     * writable by the optical port's LLS client 19 (attribute 2): clock, ActualTariff, 8
     * settings, the utility's 6 data objects, ForceBillingStop, PowerThresholdValue,
     * DaylightSavingConfig and the 4 voltage quality limits = 23 (IEC 62056-21 W1 writes only
     * the first ten: test_meter_iec21.c) */
    assert_int_equal(legal, 58u);
    assert_int_equal(writable, 23u);
    assert_int_equal(g_ops.clock_calls + g_ops.tariff_calls + g_ops.optical_calls, 0);
}

static void test_setters(void **state)
{
    (void)state;
    struct omp_cosem_src s;
    fill_state(&s);
    const struct omp_cosem_obj *ud = omp_cosem_find((const uint8_t[6])O(1, 1, 131, 0, 3));
    const struct omp_cosem_obj *ti = omp_cosem_find((const uint8_t[6])O(1, 1, 131, 0, 16));
    const struct omp_cosem_obj *tar = omp_cosem_find((const uint8_t[6])O(1, 1, 129, 0, 0));
    const struct omp_cosem_obj *clk = omp_cosem_find((const uint8_t[6])O(0, 1, 1, 0, 0));
    struct omp_value v = omp_value_uint(OMP_VT_U8, 0u, 0, OMP_UNIT_NONE);
    assert_int_equal(omp_cosem_set(&s, ud, 2u, OMP_ASSOC_LLS_OPTICAL, &v), OMP_OK);
    assert_int_equal(g_ops.setting, OMP_OPT_USER_DATA);
    assert_int_equal(g_ops.value, 0u);
    /* the module and CCC ports do not own the optical settings */
    assert_int_equal(omp_cosem_set(&s, ud, 2u, OMP_ASSOC_LLS_CCC, &v), OMP_ERR_DENIED);
    v = omp_value_uint(OMP_VT_U8, 2u, 0, OMP_UNIT_NONE); /* 131.0.3 is 0 or 1 */
    assert_int_equal(omp_cosem_set(&s, ud, 2u, OMP_ASSOC_LLS_OPTICAL, &v), OMP_ERR_RANGE);
    v = omp_value_uint(OMP_VT_U8, 4u, 0, OMP_UNIT_NONE); /* Ti 5..240 s */
    assert_int_equal(omp_cosem_set(&s, ti, 2u, OMP_ASSOC_LLS_OPTICAL, &v), OMP_ERR_RANGE);
    v = omp_value_uint(OMP_VT_U8, 240u, 0, OMP_UNIT_NONE);
    assert_int_equal(omp_cosem_set(&s, ti, 2u, OMP_ASSOC_LLS_OPTICAL, &v), OMP_OK);
    assert_int_equal(g_ops.setting, OMP_OPT_TI);
    assert_int_equal(g_ops.optical_calls, 2);
    v = omp_value_datetime(0, 0, 0u, false); /* a date-time for a number: malformed */
    assert_int_equal(omp_cosem_set(&s, ti, 2u, OMP_ASSOC_LLS_OPTICAL, &v), OMP_ERR_MALFORMED);
    /* tariff: the service says which exist; its refusal comes back unchanged */
    v = omp_value_uint(OMP_VT_U8, 3u, 0, OMP_UNIT_NONE);
    assert_int_equal(omp_cosem_set(&s, tar, 2u, OMP_ASSOC_LLS_MODULE, &v), OMP_OK);
    assert_int_equal(g_ops.tariff, 3u);
    g_ops.answer = OMP_ERR_UNSUPPORTED;
    assert_int_equal(omp_cosem_set(&s, tar, 2u, OMP_ASSOC_LLS_MODULE, &v), OMP_ERR_UNSUPPORTED);
    v = omp_value_uint(OMP_VT_U16, 300u, 0, OMP_UNIT_NONE);
    assert_int_equal(omp_cosem_set(&s, tar, 2u, OMP_ASSOC_LLS_MODULE, &v), OMP_ERR_RANGE);
    g_ops.answer = OMP_OK;
    /* clock: a date-time; a number or an unset time is malformed */
    v = omp_value_datetime(utc_of(2025, 3, 1, 8, 0, 0), 60, 0u, false);
    assert_int_equal(omp_cosem_set(&s, clk, 2u, OMP_ASSOC_LLS_OPTICAL, &v), OMP_OK);
    assert_int_equal(g_ops.clock, utc_of(2025, 3, 1, 8, 0, 0));
    v = omp_value_datetime(0, 0, 0u, true);
    assert_int_equal(omp_cosem_set(&s, clk, 2u, OMP_ASSOC_LLS_OPTICAL, &v), OMP_ERR_MALFORMED);
    assert_int_equal(omp_cosem_set(&s, clk, 2u, OMP_ASSOC_PUBLIC, &v), OMP_ERR_DENIED);
    assert_int_equal(omp_cosem_set(&s, clk, 4u, OMP_ASSOC_LLS_OPTICAL, &v), OMP_ERR_DENIED);
    assert_int_equal(omp_cosem_set(&s, clk, 10u, OMP_ASSOC_LLS_OPTICAL, &v), OMP_ERR_NOT_FOUND);
    assert_int_equal(g_ops.clock_calls, 1);
    /* a source without ops writes nothing */
    s.ops = NULL;
    v = omp_value_uint(OMP_VT_U8, 1u, 0, OMP_UNIT_NONE);
    assert_int_equal(omp_cosem_set(&s, ud, 2u, OMP_ASSOC_LLS_OPTICAL, &v), OMP_ERR_DENIED);
    assert_int_equal(omp_cosem_set(&s, NULL, 2u, OMP_ASSOC_LLS_OPTICAL, &v), OMP_ERR_ARG);
}

/* The settings written over the ports (enum omp_cosem_param): PowerThresholdValue, the clock's
 * DST enabled (8, boolean) and DaylightSavingConfig reach the op with the parameter's number;
 * values outside technical facts 11.3's ranges and wrong types never do. */
static void test_param_setters(void **state)
{
    (void)state;
    struct omp_cosem_src s;
    fill_state(&s);
    g_ops.param_calls = 0;
    g_ops.answer = OMP_OK;
    const struct omp_cosem_obj *thr = omp_cosem_find((const uint8_t[6])O(1, 1, 96, 51, 1));
    const struct omp_cosem_obj *dst = omp_cosem_find((const uint8_t[6])O(1, 1, 96, 52, 11));
    const struct omp_cosem_obj *clk = omp_cosem_find((const uint8_t[6])O(0, 1, 1, 0, 0));
    struct omp_value v = omp_value_uint(OMP_VT_U32, 12000u, 0, OMP_UNIT_W);
    assert_int_equal(omp_cosem_set(&s, thr, 2u, OMP_ASSOC_LLS_MODULE, &v), OMP_OK);
    assert_int_equal(g_ops.setting, 0u); /* OMP_PARAM_POWER_THRESHOLD */
    assert_int_equal(g_ops.value, 12000u);
    assert_int_equal(omp_cosem_set(&s, thr, 2u, OMP_ASSOC_PUBLIC, &v), OMP_ERR_DENIED);
    assert_int_equal(omp_cosem_set(&s, thr, 3u, OMP_ASSOC_LLS_MODULE, &v), OMP_ERR_DENIED);
    v = omp_value_uint(OMP_VT_BOOL, 0u, 0, OMP_UNIT_NONE); /* DST off */
    assert_int_equal(omp_cosem_set(&s, clk, 8u, OMP_ASSOC_LLS_CCC, &v), OMP_OK);
    assert_int_equal(g_ops.setting, 3u); /* OMP_PARAM_DST */
    assert_int_equal(g_ops.value, 0u);
    v = omp_value_uint(OMP_VT_U8, 1u, 0, OMP_UNIT_NONE); /* attribute 8 is a boolean */
    assert_int_equal(omp_cosem_set(&s, clk, 8u, OMP_ASSOC_LLS_CCC, &v), OMP_ERR_MALFORMED);
    assert_int_equal(omp_cosem_set(&s, dst, 2u, OMP_ASSOC_HLS_MGMT, &v), OMP_OK);
    assert_int_equal(g_ops.setting, 3u);
    assert_int_equal(g_ops.value, 1u);
    v = omp_value_uint(OMP_VT_U8, 2u, 0, OMP_UNIT_NONE); /* codes 0 and 1 only */
    assert_int_equal(omp_cosem_set(&s, dst, 2u, OMP_ASSOC_HLS_MGMT, &v), OMP_ERR_RANGE);
    assert_int_equal(g_ops.param_calls, 3);
    /* the op's refusal comes back unchanged */
    g_ops.answer = OMP_ERR_NVM_FULL;
    v = omp_value_uint(OMP_VT_U32, 0u, 0, OMP_UNIT_W);
    assert_int_equal(omp_cosem_set(&s, thr, 2u, OMP_ASSOC_LLS_MODULE, &v), OMP_ERR_NVM_FULL);
    g_ops.answer = OMP_OK;
    /* the ranges (technical facts 1.1: 300, 900, 1800, 3600 s) */
    assert_true(omp_cosem_param_valid(OMP_PARAM_LP_PERIOD, 900u));
    assert_true(omp_cosem_param_valid(OMP_PARAM_AN_PERIOD, 300u));
    assert_false(omp_cosem_param_valid(OMP_PARAM_LP_PERIOD, 600u));
    assert_false(omp_cosem_param_valid(OMP_PARAM_LP_PERIOD, 0u));
    assert_false(omp_cosem_param_valid(OMP_PARAM_DST, 2u));
    assert_true(omp_cosem_param_valid(OMP_PARAM_POWER_THRESHOLD, UINT32_MAX));
    assert_false(omp_cosem_param_valid(OMP_PARAM_COUNT, 0u));
    /* the voltage quality limits (technical facts 8.4, 230 V): +1..+20 % = 233..276 V (232.3 and
     * 276 V: whole volts 233 .. 276), -1..-20 % = 184..227 V, 10 s .. 30 min dividing a day */
    assert_true(omp_cosem_param_valid(OMP_PARAM_VQ_HIGH, 233u));
    assert_true(omp_cosem_param_valid(OMP_PARAM_VQ_HIGH, 276u));
    assert_false(omp_cosem_param_valid(OMP_PARAM_VQ_HIGH, 232u));
    assert_false(omp_cosem_param_valid(OMP_PARAM_VQ_HIGH, 277u));
    assert_true(omp_cosem_param_valid(OMP_PARAM_VQ_LOW, 184u));
    assert_false(omp_cosem_param_valid(OMP_PARAM_VQ_LOW, 228u));
    assert_true(omp_cosem_param_valid(OMP_PARAM_VQ_WINDOW, 10u));
    assert_true(omp_cosem_param_valid(OMP_PARAM_VQ_WINDOW, 1800u));
    assert_false(omp_cosem_param_valid(OMP_PARAM_VQ_WINDOW, 700u)); /* 86400 / 700: no */
    assert_false(omp_cosem_param_valid(OMP_PARAM_VQ_WINDOW, 3600u));
    assert_false(omp_cosem_param_valid(OMP_PARAM_VQ_FAULT, 0u));
    const struct omp_cosem_obj *hi = omp_cosem_find((const uint8_t[6])O(1, 1, 134, 0, 12));
    v = omp_value_uint(OMP_VT_U16, 250u, 0, OMP_UNIT_V);
    assert_int_equal(omp_cosem_set(&s, hi, 2u, OMP_ASSOC_LLS_OPTICAL, &v), OMP_OK);
    assert_int_equal(g_ops.setting, 4u); /* OMP_PARAM_VQ_HIGH */
    assert_int_equal(g_ops.value, 250u);
    v = omp_value_uint(OMP_VT_U16, 300u, 0, OMP_UNIT_V);
    assert_int_equal(omp_cosem_set(&s, hi, 2u, OMP_ASSOC_LLS_OPTICAL, &v), OMP_ERR_RANGE);
    assert_int_equal(omp_cosem_set(&s, hi, 2u, OMP_ASSOC_PUBLIC, &v), OMP_ERR_DENIED);
    uint8_t attr = 0;
    assert_int_equal(omp_cosem_param_id(OMP_PARAM_VQ_FAULT, &attr), 0x86000Fu); /* 134.0.15 */
    assert_int_equal(attr, 2u);
}

static void test_reduced_ids(void **state)
{
    (void)state;
    uint8_t cde[3];
    static const struct {
        const char *id;
        omp_err err;
        uint8_t c, d, e;
    } cases[] = {
        {"1.8.0", OMP_OK, 1, 8, 0},         {"131.0.16", OMP_OK, 131, 0, 16},
        {"255.255.255", OMP_OK, 255, 255, 255}, {"0.0.1", OMP_OK, 0, 0, 1},
        {"1.8", OMP_ERR_MALFORMED, 0, 0, 0},   {"1..0", OMP_ERR_MALFORMED, 0, 0, 0},
        {"256.0.0", OMP_ERR_MALFORMED, 0, 0, 0}, {"1.8.0.", OMP_ERR_MALFORMED, 0, 0, 0},
        {"a.b.c", OMP_ERR_MALFORMED, 0, 0, 0}, {"", OMP_ERR_MALFORMED, 0, 0, 0},
        {"1.8.0 ", OMP_ERR_MALFORMED, 0, 0, 0}, {"0001.8.0", OMP_ERR_MALFORMED, 0, 0, 0},
        {"1.8.0*1", OMP_ERR_MALFORMED, 0, 0, 0},
    };
    for (size_t k = 0; k < OMP_ARRAY_LEN(cases); k++) {
        memset(cde, 0xAA, sizeof cde);
        assert_int_equal(omp_cosem_parse_cde(cases[k].id, strlen(cases[k].id), cde), cases[k].err);
        if (cases[k].err == OMP_OK) {
            assert_int_equal(cde[0], cases[k].c);
            assert_int_equal(cde[1], cases[k].d);
            assert_int_equal(cde[2], cases[k].e);
        } else {
            assert_int_equal(cde[0], 0xAA); /* untouched */
        }
    }
    char t[12];
    assert_int_equal(omp_cosem_cde_text((const uint8_t[6])O(1, 1, 131, 0, 16), t, sizeof t), OMP_OK);
    assert_string_equal(t, "131.0.16");
    assert_int_equal(omp_cosem_cde_text((const uint8_t[6])O(1, 1, 131, 0, 16), t, 11u),
                     OMP_ERR_NOSPACE);
    assert_null(omp_cosem_find_cde(99, 1, 0)); /* the load profile: not in the table yet */
    assert_null(omp_cosem_at(omp_cosem_count()));
}

/* The value type's scaling (value.h): integer arithmetic, truncation toward zero, overflow. */
static void test_value_scaled(void **state)
{
    (void)state;
    uint64_t m = 0;
    bool neg = true;
    struct omp_value v = omp_value_uint(OMP_VT_U32, 1234567u, 0, OMP_UNIT_WH);
    assert_int_equal(omp_value_scaled(&v, 3, &m, &neg), OMP_OK); /* Wh -> kWh, truncated */
    assert_int_equal(m, 1234u);
    assert_false(neg);
    assert_int_equal(omp_value_scaled(&v, -2, &m, &neg), OMP_OK); /* -> 1/100 Wh */
    assert_int_equal(m, 123456700u);
    v = omp_value_int(OMP_VT_I16, -2305, -1, OMP_UNIT_V);
    assert_int_equal(omp_value_scaled(&v, 0, &m, &neg), OMP_OK);
    assert_int_equal(m, 230u);
    assert_true(neg);
    v = omp_value_int(OMP_VT_I64, INT64_MIN, 0, OMP_UNIT_NONE);
    assert_int_equal(omp_value_scaled(&v, 0, &m, &neg), OMP_OK);
    assert_int_equal(m, 9223372036854775808u);
    v = omp_value_uint(OMP_VT_U64, UINT64_MAX / 5u, 0, OMP_UNIT_NONE);
    assert_int_equal(omp_value_scaled(&v, -1, &m, &neg), OMP_ERR_OVERFLOW);
    v = omp_value_null();
    assert_int_equal(omp_value_scaled(&v, 0, &m, &neg), OMP_ERR_ARG);
    uint8_t big[OMP_VALUE_BYTES_MAX + 1u] = {0};
    struct omp_value keep = omp_value_uint(OMP_VT_U8, 7u, 0, OMP_UNIT_NONE), x = keep;
    assert_int_equal(omp_value_bytes(OMP_VT_OCTETS, big, sizeof big, &x), OMP_ERR_NOSPACE);
    assert_true(omp_value_equal(&x, &keep));
    assert_int_equal(omp_value_bytes(OMP_VT_U8, big, 1u, &x), OMP_ERR_ARG);
    assert_int_equal(omp_value_bytes(OMP_VT_VISIBLE, "AB", 2u, &x), OMP_OK);
    struct omp_value y;
    assert_int_equal(omp_value_bytes(OMP_VT_VISIBLE, "AC", 2u, &y), OMP_OK);
    assert_false(omp_value_equal(&x, &y));
}

/* The DLMS view of the values (omp_axdr_put_value): A-XDR bytes written by hand from the Blue
 * Book (tag, big-endian content; date-time as an octet-string of 12: year, month, day, weekday,
 * hour, minute, second, hundredths 0xFF, deviation, status). */
static void test_axdr_values(void **state)
{
    (void)state;
    struct omp_cosem_src s;
    fill_state(&s);
    static const struct {
        uint8_t obis[6];
        uint8_t attr;
        uint8_t len;
        uint8_t bytes[16];
    } cases[] = {
        /* A+ 1 234 567 Wh = 0x0012D687, double-long-unsigned (6) */
        {O(1, 1, 1, 8, 0), 2u, 5u, {0x06, 0x00, 0x12, 0xD6, 0x87}},
        /* U 2300 dV = 0x08FC, long-unsigned (18) */
        {O(1, 1, 32, 7, 0), 2u, 3u, {0x12, 0x08, 0xFC}},
        /* scaler_unit of U: structure {integer -1, enum 35} */
        {O(1, 1, 32, 7, 0), 3u, 6u, {0x02, 0x02, 0x0F, 0xFF, 0x16, 0x23}},
        /* the clock: 2024-01-15 (Monday) 13:00:00 local, deviation -60 (0xFFC4), status 0 */
        {O(0, 1, 1, 0, 0), 2u, 14u,
         {0x09, 0x0C, 0x07, 0xE8, 0x01, 0x0F, 0x01, 0x0D, 0x00, 0x00, 0xFF, 0xFF, 0xC4, 0x00}},
        /* P+max T1 never captured: every field not specified */
        {O(1, 1, 1, 6, 1), 5u, 14u,
         {0x09, 0x0C, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x80, 0x00, 0xFF}},
        /* A- tariff 1, not kept: null-data */
        {O(1, 1, 2, 8, 1), 2u, 1u, {0x00}},
        /* SoftwareRevision "Q1": visible-string (10) */
        {{1, 1, 0, 2, 2, 128}, 2u, 4u, {0x0A, 0x02, 0x51, 0x31}},
        /* ActualTariff 2: unsigned (17) */
        {O(1, 1, 129, 0, 0), 2u, 2u, {0x11, 0x02}},
    };
    for (size_t k = 0; k < OMP_ARRAY_LEN(cases); k++) {
        struct omp_value v;
        assert_int_equal(omp_cosem_get(&s, omp_cosem_find(cases[k].obis), cases[k].attr,
                                       OMP_ASSOC_HLS_MGMT, &v),
                         OMP_OK);
        uint8_t buf[32];
        struct omp_wr w = omp_wr_init(buf, sizeof buf);
        assert_int_equal(omp_axdr_put_value(&w, &v), OMP_OK);
        assert_int_equal(omp_wr_len(&w), cases[k].len);
        assert_memory_equal(buf, cases[k].bytes, cases[k].len);
        w = omp_wr_init(buf, cases[k].len - 1u); /* one byte short: nothing written */
        assert_int_equal(omp_axdr_put_value(&w, &v), OMP_ERR_NOSPACE);
        assert_int_equal(omp_wr_len(&w), 0u);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_object_agrees), cmocka_unit_test(test_values_typed),
        cmocka_unit_test(test_times),               cmocka_unit_test(test_read_rights),
        cmocka_unit_test(test_write_rights),        cmocka_unit_test(test_setters),
        cmocka_unit_test(test_param_setters),
        cmocka_unit_test(test_reduced_ids),         cmocka_unit_test(test_value_scaled),
        cmocka_unit_test(test_scaler_unit_fixed),   cmocka_unit_test(test_axdr_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

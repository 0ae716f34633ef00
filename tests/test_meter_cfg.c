/*
 * The meter's configuration from a type number and Z codes (lib/meter/meter_cfg.c,
 * omp_meter_cfg_from_codes): every derived field against values written by hand from the data
 * sheet's tables ("Configuration - software 1..4") and the technical facts (§0 Z meanings, §10.3
 * optical identification, 131.0.3 / 131.0.12 of §10.2), never taken from lib/config; the factory
 * default configuration against the config module's defaults for the default type number; a
 * refusal leaves the configuration byte for byte unchanged; the result starts a meter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/hal_fakes.h"
#include "omnipower/mcfg.h"
#include "omnipower/meter.h"

#define SECTOR 4096u
#define SECTORS 16u
#define SIZE (SECTOR * SECTORS)

/* the default type number of omp_meter_cfg_default: Denmark, radio, dual breaker, A+/A-/R+/R- */
static const char k_dk[] = "6861111BN142101010";
/* the data sheet's example read from a real meter: Norway, A+/A-/R+/R-, dual breaker */
static const char k_no[] = "6861111BN242101040";
/* a meter without breaker (X10 = 0), A+ only (X9 = 1), no radio, Finland (084) */
static const char k_fi_plain[] = "6861111BN110000084";

static struct omp_mcfg codes_of(const char *typeno)
{
    struct omp_mcfg c;
    memset(&c, 0, sizeof c);
    assert_int_equal(omp_mcfg_typeno_decode(typeno, strlen(typeno), &c.type, NULL), OMP_OK);
    assert_int_equal(omp_mcfg_defaults(&c.type, &c.z), OMP_OK);
    return c;
}

static struct omp_meter_cfg from_codes_ok(const struct omp_mcfg *c)
{
    struct omp_meter_cfg cfg;
    omp_meter_cfg_default(&cfg);
    struct omp_mcfg_error why;
    assert_int_equal(omp_meter_cfg_from_codes(&cfg, c, &why), OMP_OK);
    return cfg;
}

/* The factory default configuration is what the Danish defaults of its type number imply. */
static void test_default_matches_codes(void **state)
{
    (void)state;
    struct omp_meter_cfg def;
    omp_meter_cfg_default(&def);
    assert_string_equal(def.type_number, k_dk);
    const struct omp_mcfg c = codes_of(def.type_number);
    const struct omp_meter_cfg got = from_codes_ok(&c);
    assert_string_equal(got.type_number, def.type_number);
    assert_string_equal(got.optical_ident, def.optical_ident);
    assert_int_equal(got.energy_digits, def.energy_digits);
    assert_int_equal(got.energy_decimals, def.energy_decimals);
    assert_int_equal(got.led_on_no_load, def.led_on_no_load);
    assert_int_equal(got.pulse_width_ms, def.pulse_width_ms);
    assert_int_equal(got.z3, def.z3);
    assert_int_equal(got.demand_period_min, def.demand_period_min);
    assert_int_equal(got.billing_day, def.billing_day);
    assert_int_equal(got.billing_interval, def.billing_interval);
    assert_int_equal(got.pulse_unit, def.pulse_unit);
    assert_int_equal(got.utc_offset_min, def.utc_offset_min);
    assert_int_equal(got.dst_rule, def.dst_rule);
    assert_int_equal(got.optical.comm_mode, def.optical.comm_mode);
    assert_int_equal(got.optical.user_data, def.optical.user_data);
    /* and by hand: data sheet Danish reference 3 (7.2), 1, 00, 2 (15 min), 01, 01, 1 (30 ms),
     * Z11 01 (+1 h), Z12 00, Z15 001 (EU), Z18 002 (A+C, UD2) */
    assert_string_equal(got.optical_ident, " 6861111BN142101");
    assert_int_equal(got.energy_digits, 7);
    assert_int_equal(got.energy_decimals, 2);
    assert_false(got.led_on_no_load);
    assert_int_equal(got.pulse_width_ms, 30);
    assert_int_equal(got.z3, 0);
    assert_int_equal(got.demand_period_min, 15);
    assert_int_equal(got.billing_day, 1);
    assert_int_equal(got.billing_interval, 1);
    assert_int_equal(got.pulse_unit, 0);
    assert_int_equal(got.utc_offset_min, 60);
    assert_int_equal(got.dst_rule, OMP_DST_EU);
    assert_int_equal(got.optical.comm_mode, 1);
    assert_int_equal(got.optical.user_data, 1);
}

/* Every code the meter takes set away from its default at once; the type number of Norway. */
static void test_every_field(void **state)
{
    (void)state;
    struct omp_mcfg c = codes_of(k_no);
    c.z.z1_decimals = 4;      /* 6.3 */
    c.z.z2_led = 2;           /* LED on at no consumption */
    c.z.z3_module = 15;       /* debiting stop pulse on I/O 1 */
    c.z.z4_period = 4;        /* 60 min */
    c.z.z6_billing_day = 15;
    c.z.z7_billing_interval = 0; /* external stops only */
    c.z.z8_pulse_alarm = 4;   /* 80 ms, alarm input active */
    c.z.z11_gmt = 13;         /* UTC-11 h */
    c.z.z12_pulse_unit = 2;   /* m3 */
    c.z.z15_dst = 0;          /* none */
    c.z.z18_iec1107 = 1;      /* modes A+C with User Data 1 */
    const struct omp_meter_cfg got = from_codes_ok(&c);
    assert_string_equal(got.type_number, "6861111BN242101040");
    assert_string_equal(got.optical_ident, " 6861111BN242101");
    assert_int_equal(got.energy_digits, 6);
    assert_int_equal(got.energy_decimals, 3);
    assert_true(got.led_on_no_load);
    assert_int_equal(got.z3, 15);
    assert_int_equal(got.demand_period_min, 60);
    assert_int_equal(got.billing_day, 15);
    assert_int_equal(got.billing_interval, 0);
    assert_int_equal(got.pulse_width_ms, 80);
    assert_int_equal(got.utc_offset_min, -660);
    assert_int_equal(got.pulse_unit, 2);
    assert_int_equal(got.dst_rule, OMP_DST_NONE);
    assert_int_equal(got.optical.comm_mode, 1);
    assert_int_equal(got.optical.user_data, 0);
}

/* Fields the codes do not decide keep what the caller had. */
static void test_other_fields_kept(void **state)
{
    (void)state;
    struct omp_meter_cfg cfg;
    omp_meter_cfg_default(&cfg);
    cfg.meter_number = 87654321u;
    cfg.cal.v_gain = 1e-4f;
    cfg.nvm_base = 4096u;
    cfg.pulse_milli = 500u;
    cfg.default_tariff = 2u;
    cfg.optical.d0_baud = 5u;
    cfg.optical.ta_ms = 2000u;
    memcpy(cfg.optical_password, "secret", 7);
    const uint8_t ud2_len = cfg.optical_ud2_len;
    const struct omp_mcfg c = codes_of(k_no);
    assert_int_equal(omp_meter_cfg_from_codes(&cfg, &c, NULL), OMP_OK);
    assert_int_equal(cfg.meter_number, 87654321u);
    assert_true(cfg.cal.v_gain == 1e-4f);
    assert_int_equal(cfg.nvm_base, 4096u);
    assert_int_equal(cfg.pulse_milli, 500u);
    assert_int_equal(cfg.default_tariff, 2u);
    assert_int_equal(cfg.optical.d0_baud, 5u);
    assert_int_equal(cfg.optical.ta_ms, 2000u);
    assert_string_equal(cfg.optical_password, "secret");
    assert_int_equal(cfg.optical_ud2_len, ud2_len);
    assert_string_equal(cfg.type_number, k_no);
}

/* Z1 (data sheet: 1 = 7.0, 2 = 6.1, 3 = 7.2, 4 = 6.3), Z4 (1 = 5, 2 = 15, 3 = 30, 4 = 60 min),
 * Z8 (1, 2 = 30 ms; 3, 4 = 80 ms), one by one. */
static void test_tables_z1_z4_z8(void **state)
{
    (void)state;
    static const uint8_t digits[4] = {7, 6, 7, 6};
    static const uint8_t decimals[4] = {0, 1, 2, 3};
    static const uint8_t period[4] = {5, 15, 30, 60};
    static const uint8_t width[4] = {30, 30, 80, 80};
    for (uint16_t v = 1; v <= 4u; v++) {
        struct omp_mcfg c = codes_of(k_dk);
        c.z.z1_decimals = v;
        c.z.z4_period = v;
        c.z.z8_pulse_alarm = v;
        const struct omp_meter_cfg got = from_codes_ok(&c);
        assert_int_equal(got.energy_digits, digits[v - 1u]);
        assert_int_equal(got.energy_decimals, decimals[v - 1u]);
        assert_int_equal(got.demand_period_min, period[v - 1u]);
        assert_int_equal(got.pulse_width_ms, width[v - 1u]);
    }
}

/* Z11 (00..12 = UTC+0..+12 h, 13..23 = UTC-11..-1 h) and Z15 (000 none, 001 EU). */
static void test_tables_z11_z15(void **state)
{
    (void)state;
    static const struct {
        uint16_t z11;
        int32_t minutes;
    } k[] = {{0, 0}, {1, 60}, {2, 120}, {12, 720}, {13, -660}, {18, -360}, {23, -60}};
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        struct omp_mcfg c = codes_of(k_dk);
        c.z.z11_gmt = k[i].z11;
        c.z.z15_dst = (uint16_t)(i % 2u);
        const struct omp_meter_cfg got = from_codes_ok(&c);
        assert_int_equal(got.utc_offset_min, k[i].minutes);
        assert_int_equal(got.dst_rule, (i % 2u) ? OMP_DST_EU : OMP_DST_NONE);
    }
}

/* Z18: 000 no IEC 62056-21 (131.0.12 = 0), 001 A+C with UD1 (131.0.3 = 0), 002 with UD2 (1). */
static void test_table_z18(void **state)
{
    (void)state;
    static const uint8_t comm[3] = {0, 1, 1};
    static const uint8_t ud[3] = {0, 0, 1};
    for (uint16_t v = 0; v <= 2u; v++) {
        struct omp_mcfg c = codes_of(k_no);
        c.z.z18_iec1107 = v;
        struct omp_meter_cfg cfg;
        omp_meter_cfg_default(&cfg);
        cfg.optical.comm_mode = 2u; /* A+C+D0 before: Z18 decides */
        assert_int_equal(omp_meter_cfg_from_codes(&cfg, &c, NULL), OMP_OK);
        assert_int_equal(cfg.optical.comm_mode, comm[v]);
        assert_int_equal(cfg.optical.user_data, ud[v]);
    }
}

/* The type number of a plainer meter: its own identification, Finland's +2 h, Z3 and Z12 kept. */
static void test_other_type(void **state)
{
    (void)state;
    struct omp_mcfg c = codes_of(k_fi_plain);
    c.z.z3_module = 28;
    c.z.z12_pulse_unit = 3; /* L */
    c.z.z6_billing_day = 28;
    c.z.z7_billing_interval = 24;
    const struct omp_meter_cfg got = from_codes_ok(&c);
    assert_string_equal(got.type_number, "6861111BN110000084");
    assert_string_equal(got.optical_ident, " 6861111BN110000");
    assert_int_equal(got.utc_offset_min, 120); /* Finland: Z11 02 */
    assert_int_equal(got.dst_rule, OMP_DST_EU);
    assert_int_equal(got.z3, 28);
    assert_int_equal(got.pulse_unit, 3);
    assert_int_equal(got.billing_day, 28);
    assert_int_equal(got.billing_interval, 24);
}

static void assert_refused(const struct omp_mcfg *c, omp_err want, const char *field,
                           const char *value)
{
    struct omp_meter_cfg cfg;
    omp_meter_cfg_default(&cfg);
    cfg.meter_number = 4242u;
    struct omp_meter_cfg before;
    memcpy(&before, &cfg, sizeof before);
    struct omp_mcfg_error why;
    memset(&why, 0, sizeof why);
    assert_int_equal(omp_meter_cfg_from_codes(&cfg, c, &why), want);
    assert_memory_equal(&cfg, &before, sizeof cfg);
    assert_non_null(why.field);
    assert_string_equal(why.field, field);
    assert_string_equal(why.value, value);
    assert_non_null(why.allowed);
}

/* A refusal changes nothing and names the code. */
static void test_refused(void **state)
{
    (void)state;
    struct omp_mcfg c = codes_of(k_no);
    c.z.z4_period = 7;
    assert_refused(&c, OMP_ERR_RANGE, "Z4", "7");

    c = codes_of(k_no);
    c.z.z3_module = 24; /* no 24 in the data sheet's Z3 table */
    assert_refused(&c, OMP_ERR_RANGE, "Z3", "24");

    c = codes_of(k_no);
    c.z.z18_iec1107 = 3;
    assert_refused(&c, OMP_ERR_RANGE, "Z18", "003");

    c = codes_of(k_fi_plain); /* no breaker: Z19 must be 0 */
    c.z.z19_breaker = 1;
    assert_refused(&c, OMP_ERR_RANGE, "Z19", "1");

    c = codes_of(k_no);
    c.type.energy = (enum omp_mcfg_energy)3; /* X9: 1, 2, 4 */
    assert_refused(&c, OMP_ERR_RANGE, "X9", "3");

    c = codes_of(k_no);
    c.type.meter_type = 4; /* three-phase */
    assert_refused(&c, OMP_ERR_UNSUPPORTED, "X1", "4");

    struct omp_meter_cfg cfg;
    omp_meter_cfg_default(&cfg);
    c = codes_of(k_no);
    assert_int_equal(omp_meter_cfg_from_codes(NULL, &c, NULL), OMP_ERR_ARG);
    assert_int_equal(omp_meter_cfg_from_codes(&cfg, NULL, NULL), OMP_ERR_ARG);
    c.z.z1_decimals = 0;
    assert_int_equal(omp_meter_cfg_from_codes(&cfg, &c, NULL), OMP_ERR_RANGE); /* why optional */
}

/* What the codes give starts a meter (the meter's own checks accept it), for every Z18 and Z1. */
static void test_meter_starts(void **state)
{
    (void)state;
    static const struct omp_nvm_geometry geo = {
        .size = SIZE, .sector_size = SECTOR, .program_unit = 8u, .erase_value = 0xFFu,
        .erase_cycles = 100000u,
    };
    static uint8_t mem[SIZE];
    static uint32_t erases[SECTORS];
    static struct omp_fake_board b;
    static struct omp_meter m;
    for (uint16_t v = 0; v < 12u; v++) {
        memset(mem, 0xFF, sizeof mem);
        memset(erases, 0, sizeof erases);
        assert_int_equal(omp_fake_board_init(&b, mem, &geo, erases, (omp_time_s)1767225600),
                         OMP_OK);
        const struct omp_hal hal = omp_fake_board_hal(&b);
        struct omp_mcfg c = codes_of((v % 2u) ? k_no : k_fi_plain);
        c.z.z18_iec1107 = (uint16_t)(v % 3u);
        c.z.z1_decimals = (uint16_t)(1u + v % 4u);
        c.z.z11_gmt = (uint16_t)(v * 2u);
        const struct omp_meter_cfg cfg = from_codes_ok(&c);
        assert_int_equal(omp_meter_init(&m, &hal, &cfg, &b.clock.now), OMP_OK);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_matches_codes),
        cmocka_unit_test(test_every_field),
        cmocka_unit_test(test_other_fields_kept),
        cmocka_unit_test(test_tables_z1_z4_z8),
        cmocka_unit_test(test_tables_z11_z15),
        cmocka_unit_test(test_table_z18),
        cmocka_unit_test(test_other_type),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_meter_starts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

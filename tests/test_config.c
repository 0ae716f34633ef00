/*
 * Meter configuration (module config, omnipower/mcfg.h): type number X1..X16 and Z codes Z1..Z20.
 *
 * Expected values are written by hand from the data sheet ("Configuration - hardware" and
 * "Configuration - software 1..4", /work/shared/spec/omnipower-datasheet.md) and the technical
 * facts (§0 type number layout and X3 = 2, X7 = D, X8 = 2; §10.3 optical identification; §11.1
 * CompleteMeterTypeNo examples), never taken from the tables of lib/config. Factory defaults: the
 * Danish reference values of the task and the per-country choices of docs/config.md.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/mcfg.h"
#include "omnipower/tariff.h"

/* Data sheet example read from a real meter (CompleteMeterTypeNo, protocols doc): Norway. */
static const char k_no[] = "6861111BN242101040";

static struct omp_mcfg_typeno decode_ok(const char *s)
{
    struct omp_mcfg_typeno t;
    struct omp_mcfg_error why;
    assert_int_equal(omp_mcfg_typeno_decode(s, strlen(s), &t, &why), OMP_OK);
    return t;
}

/* ---- type number ---------------------------------------------------------------------------- */

static void test_typeno_example(void **state)
{
    (void)state;
    const struct omp_mcfg_typeno t = decode_ok(k_no);
    /* 68 | 6 1 1 1 1 B N 2 4 2 1 0 1 | 040 */
    assert_int_equal(t.meter_type, 6);
    assert_int_equal(t.version, 1);
    assert_int_equal(t.housing, OMP_MCFG_HOUSING_STANDARD);
    assert_int_equal(t.systems, 1);
    assert_int_equal(t.ibase_a, 5); /* X5 1 = 5-100 A */
    assert_int_equal(t.imax_a, 100);
    assert_int_equal(t.accuracy, OMP_MCFG_CLASS_B);
    assert_int_equal(t.generation, OMP_MCFG_GEN_N);
    assert_int_equal(t.variant, 2);
    assert_int_equal(t.energy, OMP_MCFG_ENERGY_A_R);
    assert_int_equal(t.breaker, OMP_MCFG_BREAKER_DUAL);
    assert_true(t.radio);
    assert_false(t.battery);
    assert_int_equal(t.interface, OMP_MCFG_IF_S0);
    assert_int_equal(t.country, 40);
    assert_true(omp_mcfg_has_a_minus(&t));
    assert_true(omp_mcfg_has_reactive(&t));
    assert_true(omp_mcfg_has_breaker(&t));
    assert_false(omp_mcfg_has_battery(&t));
    assert_string_equal(omp_mcfg_country(t.country)->name, "Norway");
    struct omp_mcfg_typeno v = decode_ok(k_no);
    assert_true(omp_mcfg_typeno_equal(&t, &v));
    v.variant = 1;
    assert_false(omp_mcfg_typeno_equal(&t, &v));

    char out[OMP_MCFG_TYPENO_SIZE + 2];
    memset(out, 0xA5, sizeof out);
    assert_int_equal(omp_mcfg_typeno_encode(&t, out, OMP_MCFG_TYPENO_SIZE), OMP_OK);
    assert_string_equal(out, k_no);
    assert_int_equal((unsigned char)out[OMP_MCFG_TYPENO_SIZE], 0xA5);
    memset(out, 0xA5, sizeof out);
    assert_int_equal(omp_mcfg_typeno_encode(&t, out, OMP_MCFG_TYPENO_SIZE - 1u), OMP_ERR_NOSPACE);
    assert_int_equal((unsigned char)out[0], 0xA5);

    /* §10.3: a space and the first 15 characters */
    char id[OMP_MCFG_IDENT_SIZE];
    assert_int_equal(omp_mcfg_typeno_ident(&t, id, sizeof id), OMP_OK);
    assert_string_equal(id, " 6861111BN242101");
    assert_int_equal(omp_mcfg_typeno_ident(&t, id, sizeof id - 1u), OMP_ERR_NOSPACE);

    /* a meter with no A-, no breaker, battery */
    const struct omp_mcfg_typeno u = decode_ok("6861216AD110010110");
    assert_int_equal(u.housing, OMP_MCFG_HOUSING_ST);
    assert_int_equal(u.ibase_a, 10); /* X5 6 = 10-60 A */
    assert_int_equal(u.imax_a, 60);
    assert_int_equal(u.accuracy, OMP_MCFG_CLASS_A);
    assert_int_equal(u.generation, OMP_MCFG_GEN_D);
    assert_false(omp_mcfg_has_a_minus(&u));
    assert_false(omp_mcfg_has_reactive(&u));
    assert_false(omp_mcfg_has_breaker(&u));
    assert_true(omp_mcfg_has_battery(&u));
    assert_int_equal(u.country, 110);
    assert_string_equal(omp_mcfg_country(u.country)->name, "Saudi Arabia");
}

static void test_typeno_three_phase(void **state)
{
    (void)state;
    /* technical facts §11.1: a three-phase meter's CompleteMeterTypeNo */
    struct omp_mcfg_typeno t;
    memset(&t, 0x5A, sizeof t);
    const struct omp_mcfg_typeno sentinel = t;
    struct omp_mcfg_error why;
    assert_int_equal(omp_mcfg_typeno_decode("6841138BN143002084", 18, &t, &why),
                     OMP_ERR_UNSUPPORTED);
    assert_string_equal(why.field, "X1");
    assert_string_equal(why.allowed, "6");
    assert_string_equal(why.value, "4");
    assert_int_equal(why.pos, 2);
    assert_memory_equal(&t, &sentinel, sizeof t);
    /* technical facts §11.1: a CT meter (X1 5), not on the data sheet */
    assert_int_equal(omp_mcfg_typeno_decode("6851125CD140111040", 18, &t, &why), OMP_ERR_RANGE);
    assert_string_equal(why.field, "X1");
    assert_memory_equal(&t, &sentinel, sizeof t);
}

/* Every position X1..X13: allowed characters per the data sheet (+ technical facts §0). */
static const struct {
    const char *field;
    size_t off;
    const char *valid;
} k_xcases[] = {
    {"X1", 2, "6"},    {"X2", 3, "1"},    {"X3", 4, "12"},    {"X4", 5, "1"},    {"X5", 6, "14678"},
    {"X6", 7, "AB21"}, {"X7", 8, "ND"},   {"X8", 9, "12"},    {"X9", 10, "124"}, {"X10", 11, "023"},
    {"X11", 12, "01"}, {"X12", 13, "01"}, {"X13", 14, "012"},
};

static void test_typeno_every_x(void **state)
{
    (void)state;
    static const char alnum[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    for (size_t i = 0; i < sizeof k_xcases / sizeof k_xcases[0]; i++) {
        for (const char *c = alnum; *c != '\0'; c++) {
            char s[19];
            memcpy(s, k_no, sizeof s);
            s[k_xcases[i].off] = *c;
            struct omp_mcfg_typeno t;
            struct omp_mcfg_error why = {0};
            const omp_err err = omp_mcfg_typeno_decode(s, 18, &t, &why);
            if (strchr(k_xcases[i].valid, *c) != NULL) {
                assert_int_equal(err, OMP_OK);
                char out[OMP_MCFG_TYPENO_SIZE];
                assert_int_equal(omp_mcfg_typeno_validate(&t, &why), OMP_OK);
                assert_int_equal(omp_mcfg_typeno_encode(&t, out, sizeof out), OMP_OK);
                assert_string_equal(out, s);
            } else {
                const bool three_phase = k_xcases[i].off == 2 && *c == '4';
                assert_int_equal(err, three_phase ? OMP_ERR_UNSUPPORTED : OMP_ERR_RANGE);
                assert_string_equal(why.field, k_xcases[i].field);
                assert_int_equal(why.pos, k_xcases[i].off);
                assert_int_equal(why.value[0], *c);
                assert_int_equal(why.value[1], '\0');
            }
            /* lower case letters are never accepted, even where the upper case one is */
            if (*c >= 'A' && *c <= 'Z') {
                s[k_xcases[i].off] = (char)(*c - 'A' + 'a');
                assert_int_equal(omp_mcfg_typeno_decode(s, 18, &t, &why), OMP_ERR_MALFORMED);
                assert_string_equal(why.field, k_xcases[i].field);
            }
        }
    }
    /* the allowed lists a tool prints */
    struct omp_mcfg_typeno t;
    struct omp_mcfg_error why;
    assert_int_equal(omp_mcfg_typeno_decode("6861111BN232101040", 18, &t, &why), OMP_ERR_RANGE);
    assert_string_equal(why.field, "X9");
    assert_string_equal(why.allowed, "1, 2, 4");
    assert_string_equal(why.value, "3");
    assert_int_equal(omp_mcfg_typeno_decode("6861112BN242101040", 18, &t, &why), OMP_ERR_RANGE);
    assert_string_equal(why.field, "X5");
    assert_string_equal(why.allowed, "1, 4, 6, 7, 8");
}

static void test_typeno_current_ranges(void **state)
{
    (void)state;
    /* data sheet X5: 1 = 5-100 A, 4 = 5-65 A, 6 = 10-60 A, 7 = 10-80 A, 8 = 5-80 A */
    static const struct {
        char c;
        uint8_t ib, im;
    } r[] = {
        {'1', 5, 100}, {'4', 5, 65}, {'6', 10, 60}, {'7', 10, 80}, {'8', 5, 80},
    };
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++) {
        char s[19];
        memcpy(s, k_no, sizeof s);
        s[6] = r[i].c;
        const struct omp_mcfg_typeno t = decode_ok(s);
        assert_int_equal(t.ibase_a, r[i].ib);
        assert_int_equal(t.imax_a, r[i].im);
    }
}

static void test_typeno_every_country(void **state)
{
    (void)state;
    /* data sheet X14X15X16 */
    static const struct {
        uint16_t code;
        const char *name;
    } c[] = {
        {10, "Denmark"},
        {40, "Norway"},
        {59, "Switzerland (Italian part)"},
        {63, "Switzerland (German part)"},
        {64, "Poland"},
        {65, "Switzerland (French part)"},
        {67, "Iceland"},
        {70, "Germany"},
        {80, "The Netherlands"},
        {84, "Finland"},
        {90, "Sweden"},
        {110, "Saudi Arabia"},
        {120, "South Africa"},
    };
    for (unsigned code = 0; code <= 999u; code++) {
        char s[19];
        memcpy(s, k_no, sizeof s);
        s[15] = (char)('0' + code / 100u);
        s[16] = (char)('0' + code / 10u % 10u);
        s[17] = (char)('0' + code % 10u);
        const char *name = NULL;
        for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
            if (c[i].code == code) {
                name = c[i].name;
            }
        }
        struct omp_mcfg_typeno t;
        struct omp_mcfg_error why;
        const omp_err err = omp_mcfg_typeno_decode(s, 18, &t, &why);
        if (name != NULL) {
            assert_int_equal(err, OMP_OK);
            assert_int_equal(t.country, code);
            assert_string_equal(omp_mcfg_country(t.country)->name, name);
            char out[OMP_MCFG_TYPENO_SIZE];
            assert_int_equal(omp_mcfg_typeno_encode(&t, out, sizeof out), OMP_OK);
            assert_string_equal(out, s);
        } else {
            assert_int_equal(err, OMP_ERR_RANGE);
            assert_string_equal(why.field, "X14-X16");
            assert_memory_equal(why.value, s + 15, 3);
            assert_int_equal(why.pos, 15);
            assert_null(omp_mcfg_country((uint16_t)code));
        }
    }
}

static void test_typeno_malformed(void **state)
{
    (void)state;
    struct omp_mcfg_typeno t;
    memset(&t, 0x5A, sizeof t);
    const struct omp_mcfg_typeno sentinel = t;
    struct omp_mcfg_error why;
    static const struct {
        const char *s;
        size_t len;
        omp_err want;
        const char *field;
    } cases[] = {
        {"", 0, OMP_ERR_MALFORMED, "length"},
        {"6861111BN24210104", 17, OMP_ERR_MALFORMED, "length"},
        {"6861111BN2421010400", 19, OMP_ERR_MALFORMED, "length"},
        {"6861111bN242101040", 18, OMP_ERR_MALFORMED, "X6"},
        {"6861111Bn242101040", 18, OMP_ERR_MALFORMED, "X7"},
        {"6861111B\xC3\x91"
         "242101040",
         18, OMP_ERR_MALFORMED, "X7"}, /* UTF-8 N tilde */
        {"686-111BN242101040", 18, OMP_ERR_MALFORMED, "X2"},
        {"6861111BN242101 40", 18, OMP_ERR_MALFORMED, "X14-X16"},
        {"6861111BN24210104\0", 18, OMP_ERR_MALFORMED, "X14-X16"},
        {"\0"
         "861111BN242101040",
         18, OMP_ERR_MALFORMED, "prefix"},
        {"6961111BN242101040", 18, OMP_ERR_RANGE, "prefix"},
        {"AB61111BN242101040", 18, OMP_ERR_RANGE, "prefix"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        why.field = NULL;
        assert_int_equal(omp_mcfg_typeno_decode(cases[i].s, cases[i].len, &t, &why), cases[i].want);
        assert_string_equal(why.field, cases[i].field);
        assert_memory_equal(&t, &sentinel, sizeof t);
        assert_int_equal(omp_mcfg_typeno_decode(cases[i].s, cases[i].len, &t, NULL), cases[i].want);
    }
    assert_int_equal(omp_mcfg_typeno_decode("6861111BN24210104", 17, &t, &why), OMP_ERR_MALFORMED);
    assert_string_equal(why.value, "17");
    assert_string_equal(why.allowed, "18 characters");
    assert_int_equal(omp_mcfg_typeno_decode("6861111B\xC3\x91"
                                            "242101040",
                                            18, &t, &why),
                     OMP_ERR_MALFORMED);
    assert_string_equal(why.value, "?"); /* non-printable shown as '?' */
    assert_int_equal(omp_mcfg_typeno_decode(NULL, 18, &t, &why), OMP_ERR_ARG);
    assert_int_equal(omp_mcfg_typeno_decode(k_no, 18, NULL, &why), OMP_ERR_ARG);
    assert_memory_equal(&t, &sentinel, sizeof t);

    /* structs built by code */
    struct omp_mcfg_typeno u = decode_ok(k_no);
    u.imax_a = 90; /* not a data sheet range */
    char out[OMP_MCFG_TYPENO_SIZE] = "untouched";
    assert_int_equal(omp_mcfg_typeno_validate(&u, &why), OMP_ERR_RANGE);
    assert_string_equal(why.field, "X5");
    assert_string_equal(why.value, "?");
    assert_int_equal(omp_mcfg_typeno_encode(&u, out, sizeof out), OMP_ERR_RANGE);
    assert_string_equal(out, "untouched");
    u = decode_ok(k_no);
    u.country = 1000;
    assert_int_equal(omp_mcfg_typeno_validate(&u, &why), OMP_ERR_RANGE);
    assert_string_equal(why.field, "X14-X16");
    u = decode_ok(k_no);
    u.meter_type = 4;
    assert_int_equal(omp_mcfg_typeno_validate(&u, &why), OMP_ERR_UNSUPPORTED);
    u.meter_type = 16;
    assert_int_equal(omp_mcfg_typeno_validate(&u, &why), OMP_ERR_RANGE);
    assert_int_equal(omp_mcfg_typeno_ident(&u, out, sizeof out), OMP_ERR_RANGE);
    assert_int_equal(omp_mcfg_typeno_validate(NULL, &why), OMP_ERR_ARG);
    assert_int_equal(omp_mcfg_typeno_encode(NULL, out, sizeof out), OMP_ERR_ARG);
    assert_int_equal(omp_mcfg_typeno_ident(&u, NULL, 0), OMP_ERR_ARG);
}

/* ---- Z codes -------------------------------------------------------------------------------- */

/* Data sheet tables, by hand: canonical digits and the allowed values of each code. */
static const struct {
    unsigned width;
    const char *allowed;
} k_zcases[21] = {
    [1] = {1, "1 2 3 4"},
    [2] = {1, "1 2"},
    [3] = {2, "00 01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 17 18 19 20 21 22 23 26 27 28"},
    [4] = {1, "1 2 3 4"},
    [5] = {3, "*"}, /* opaque: 000..999 */
    [6] = {2,
           "01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28"},
    [7] = {2, "00 01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24"},
    [8] = {1, "1 2 3 4"},
    [9] = {3, "*"},
    [10] = {1, "0"},
    [11] = {2, "00 01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 17 18 19 20 21 22 23"},
    [12] = {2, "00 01 02 03"},
    [13] = {3, "*"},
    [14] = {3, "000 001"},
    [15] = {3, "000 001"},
    [16] = {3, "000 318 319 328 339 348 349 359 379"},
    [17] = {3, "*"},
    [18] = {3, "000 001 002"},
    [19] = {1, "0 1 2"},
    [20] = {3, "*"},
};

static bool z_expected_valid(unsigned n, unsigned v)
{
    if (strcmp(k_zcases[n].allowed, "*") == 0) {
        return v <= 999u;
    }
    char want[8];
    snprintf(want, sizeof want, "%0*u", (int)k_zcases[n].width, v);
    const char *p = k_zcases[n].allowed;
    const size_t w = strlen(want);
    while ((p = strstr(p, want)) != NULL) {
        if ((p == k_zcases[n].allowed || p[-1] == ' ') && (p[w] == ' ' || p[w] == '\0')) {
            return true;
        }
        p++;
    }
    return false;
}

/* Danish reference defaults (task brief), written out: a meter without radio and breaker. */
static const struct omp_mcfg_zcodes k_dk = {
    .z1_decimals = 3,
    .z2_led = 1,
    .z3_module = 0,
    .z4_period = 2,
    .z5_display = 0,
    .z6_billing_day = 1,
    .z7_billing_interval = 1,
    .z8_pulse_alarm = 1,
    .z9_disconnect = 0,
    .z10_max_power = 0,
    .z11_gmt = 1,
    .z12_pulse_unit = 0,
    .z13_tariff = 0,
    .z14_load = 0,
    .z15_dst = 1,
    .z16_frequency = 0,
    .z17_button2 = 0,
    .z18_iec1107 = 2,
    .z19_breaker = 0,
    .z20_calendar = 0,
};

static void test_z_every_value(void **state)
{
    (void)state;
    for (unsigned n = 1; n <= 20u; n++) {
        char name[4];
        snprintf(name, sizeof name, "Z%u", n);
        assert_string_equal(omp_mcfg_z_name(n), name);
        assert_non_null(omp_mcfg_z_allowed(n));
        for (unsigned v = 0; v <= 1000u; v++) {
            char text[16];
            snprintf(text, sizeof text, "Z%u=%0*u", n, (int)k_zcases[n].width, v);
            struct omp_mcfg_zcodes z = k_dk;
            struct omp_mcfg_error why = {0};
            uint32_t seen = 0;
            const omp_err err = omp_mcfg_z_parse(text, strlen(text), &z, &seen, &why);
            struct omp_mcfg_zcodes y = k_dk;
            const omp_err set = omp_mcfg_z_set(&y, n, (uint16_t)v, &why);
            if (z_expected_valid(n, v)) {
                assert_int_equal(err, OMP_OK);
                assert_int_equal(set, OMP_OK);
                assert_int_equal(seen, OMP_MCFG_ZBIT(n));
                uint16_t got = 0;
                assert_int_equal(omp_mcfg_z_get(&z, n, &got), OMP_OK);
                assert_int_equal(got, v);
                assert_true(omp_mcfg_z_equal(&z, &y));
                assert_int_equal(omp_mcfg_z_validate(&z, &why), OMP_OK);
                char out[OMP_MCFG_Z_TEXT_SIZE];
                size_t len = 0;
                assert_int_equal(omp_mcfg_z_format(&z, seen, out, sizeof out, &len), OMP_OK);
                assert_string_equal(out, text);
                assert_int_equal(len, strlen(text));
            } else {
                assert_int_equal(err, OMP_ERR_RANGE);
                assert_string_equal(why.field, name);
                assert_int_equal(set, OMP_ERR_RANGE);
                assert_true(omp_mcfg_z_equal(&z, &k_dk)); /* untouched */
                assert_true(omp_mcfg_z_equal(&y, &k_dk));
            }
        }
    }
    /* the Z3 list is the one the tariff engine knows */
    for (unsigned v = 0; v < 100u; v++) {
        struct omp_mcfg_zcodes z = k_dk;
        assert_int_equal(omp_mcfg_z_set(&z, 3, (uint16_t)v, NULL) == OMP_OK,
                         omp_z3_valid((uint8_t)v));
    }
    assert_null(omp_mcfg_z_name(0));
    assert_null(omp_mcfg_z_name(21));
    assert_null(omp_mcfg_z_allowed(21));
}

static void test_z_text(void **state)
{
    (void)state;
    struct omp_mcfg_zcodes z = k_dk;
    uint32_t seen = 0;
    struct omp_mcfg_error why;
    static const char t1[] = " Z4 = 3 ,\tZ1=1,\r\nZ16=0319 , Z4=4, Z3=5 ";
    assert_int_equal(omp_mcfg_z_parse(t1, strlen(t1), &z, &seen, &why), OMP_OK);
    assert_int_equal(z.z4_period, 4); /* the later one */
    assert_int_equal(z.z1_decimals, 1);
    assert_int_equal(z.z16_frequency, 319);
    assert_int_equal(z.z3_module, 5);
    assert_int_equal(seen,
                     OMP_MCFG_ZBIT(1) | OMP_MCFG_ZBIT(3) | OMP_MCFG_ZBIT(4) | OMP_MCFG_ZBIT(16));
    char out[OMP_MCFG_Z_TEXT_SIZE];
    assert_int_equal(omp_mcfg_z_format(&z, seen, out, sizeof out, NULL), OMP_OK);
    assert_string_equal(out, "Z1=1,Z3=05,Z4=4,Z16=319");

    /* empty and blank texts change nothing */
    z = k_dk;
    assert_int_equal(omp_mcfg_z_parse("", 0, &z, &seen, &why), OMP_OK);
    assert_int_equal(seen, 0);
    assert_int_equal(omp_mcfg_z_parse(NULL, 0, &z, NULL, &why), OMP_OK);
    assert_int_equal(omp_mcfg_z_parse(" \t ", 3, &z, &seen, &why), OMP_OK);
    assert_true(omp_mcfg_z_equal(&z, &k_dk));

    /* every code, as the data sheet writes them */
    static const char all[] = "Z1=3,Z2=1,Z3=00,Z4=2,Z5=000,Z6=01,Z7=01,Z8=1,Z9=000,Z10=0,Z11=01,"
                              "Z12=00,Z13=000,Z14=000,Z15=001,Z16=000,Z17=000,Z18=002,Z19=0,"
                              "Z20=000";
    assert_int_equal(strlen(all), OMP_MCFG_Z_TEXT_SIZE - 1u);
    assert_int_equal(omp_mcfg_z_format(&k_dk, OMP_MCFG_Z_ALL, out, sizeof out, NULL), OMP_OK);
    assert_string_equal(out, all);
    memset(&z, 0, sizeof z); /* invalid start values, all replaced */
    assert_int_equal(omp_mcfg_z_parse(all, strlen(all), &z, &seen, &why), OMP_OK);
    assert_int_equal(seen, OMP_MCFG_Z_ALL);
    assert_true(omp_mcfg_z_equal(&z, &k_dk));

    /* all or nothing: exactly the size, and one less */
    char buf[160];
    const size_t n = strlen(all);
    memset(buf, 0xA5, sizeof buf);
    assert_int_equal(omp_mcfg_z_format(&k_dk, OMP_MCFG_Z_ALL, buf, n, NULL), OMP_ERR_NOSPACE);
    assert_int_equal((unsigned char)buf[0], 0xA5);
    assert_int_equal(omp_mcfg_z_format(&k_dk, OMP_MCFG_Z_ALL, buf, n + 1u, NULL), OMP_OK);
    assert_int_equal((unsigned char)buf[n + 1u], 0xA5);
    assert_int_equal(omp_mcfg_z_format(&k_dk, 0, buf, 1, NULL), OMP_OK);
    assert_string_equal(buf, "");
    assert_int_equal(omp_mcfg_z_format(&k_dk, UINT32_C(1) << 20, buf, sizeof buf, NULL),
                     OMP_ERR_ARG);
}

static void test_z_text_errors(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        omp_err want;
        const char *field;
        const char *value;
    } cases[] = {
        {"Z21=1", OMP_ERR_NOT_FOUND, "code", "Z21"},
        {"Z0=1", OMP_ERR_NOT_FOUND, "code", "Z0"},
        {"Z4=2,Z99999999=1", OMP_ERR_NOT_FOUND, "code", "Z999999"},
        {"Y1=3", OMP_ERR_MALFORMED, "code", "Y1"},
        {"z1=3", OMP_ERR_MALFORMED, "code", "z1"},
        {"Z=3", OMP_ERR_MALFORMED, "code", "Z"},
        {"=3", OMP_ERR_MALFORMED, "code", ""},
        {"Z 4=2", OMP_ERR_MALFORMED, "code", "Z"},
        {"Z4=x", OMP_ERR_MALFORMED, "Z4", "x"},
        {"Z4=-1", OMP_ERR_MALFORMED, "Z4", "-1"},
        {"Z4=", OMP_ERR_MALFORMED, "Z4", ""},
        {"Z4", OMP_ERR_MALFORMED, "Z4", ""},
        {"Z4 2", OMP_ERR_MALFORMED, "Z4", "2"},
        {"Z4=2;Z1=3", OMP_ERR_MALFORMED, "Z4", "2;Z1"},
        {"Z4=2 Z1=3", OMP_ERR_MALFORMED, "syntax", "Z"},
        {"Z4=2,,Z1=3", OMP_ERR_MALFORMED, "code", ""},
        {"Z4=2,", OMP_ERR_MALFORMED, "syntax", ""},
        {"Z4=2 , ", OMP_ERR_MALFORMED, "syntax", ""},
        {"Z4=5", OMP_ERR_RANGE, "Z4", "5"},
        {"Z3=24", OMP_ERR_RANGE, "Z3", "24"},
        {"Z3=25", OMP_ERR_RANGE, "Z3", "25"},
        {"Z6=00", OMP_ERR_RANGE, "Z6", "00"},
        {"Z16=320", OMP_ERR_RANGE, "Z16", "320"},
        {"Z5=99999999999", OMP_ERR_RANGE, "Z5", "9999999"},
        {"Z1=3,Z2=3", OMP_ERR_RANGE, "Z2", "3"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct omp_mcfg_zcodes z = k_dk;
        uint32_t seen = 0xDEAD;
        struct omp_mcfg_error why = {0};
        assert_int_equal(omp_mcfg_z_parse(cases[i].s, strlen(cases[i].s), &z, &seen, &why),
                         cases[i].want);
        assert_string_equal(why.field, cases[i].field);
        assert_string_equal(why.value, cases[i].value);
        assert_true(omp_mcfg_z_equal(&z, &k_dk));
        assert_int_equal(seen, 0xDEAD);
    }
    struct omp_mcfg_error why;
    struct omp_mcfg_zcodes z = k_dk;
    assert_int_equal(omp_mcfg_z_parse("Z4=9", 4, &z, NULL, &why), OMP_ERR_RANGE);
    assert_string_equal(why.allowed, "1, 2, 3, 4");
    assert_int_equal(why.pos, 3);
    assert_int_equal(omp_mcfg_z_parse("Z3=24", 5, &z, NULL, &why), OMP_ERR_RANGE);
    assert_string_equal(why.allowed, "00..23, 26, 27, 28");
    assert_int_equal(omp_mcfg_z_parse(NULL, 1, &z, NULL, &why), OMP_ERR_ARG);
    assert_int_equal(omp_mcfg_z_parse("Z1=1", 4, NULL, NULL, &why), OMP_ERR_ARG);
    /* a start value that is invalid is reported, even if the text does not name it */
    z.z10_max_power = 1;
    assert_int_equal(omp_mcfg_z_parse("Z1=1", 4, &z, NULL, &why), OMP_ERR_RANGE);
    assert_string_equal(why.field, "Z10");
    assert_int_equal(z.z1_decimals, 3);
    assert_int_equal(omp_mcfg_z_validate(&z, &why), OMP_ERR_RANGE);
    assert_string_equal(why.value, "1");
    z.z10_max_power = 0;
    z.z16_frequency = 1234;
    assert_int_equal(omp_mcfg_z_validate(&z, &why), OMP_ERR_RANGE);
    assert_string_equal(why.value, "1234");
    uint16_t v;
    assert_int_equal(omp_mcfg_z_get(&z, 0, &v), OMP_ERR_ARG);
    assert_int_equal(omp_mcfg_z_get(&z, 21, &v), OMP_ERR_ARG);
    assert_int_equal(omp_mcfg_z_set(&z, 21, 0, NULL), OMP_ERR_ARG);
    assert_int_equal(omp_mcfg_z_validate(NULL, NULL), OMP_ERR_ARG);
    char out[OMP_MCFG_Z_TEXT_SIZE];
    assert_int_equal(omp_mcfg_z_format(&z, OMP_MCFG_Z_ALL, out, sizeof out, NULL), OMP_ERR_RANGE);
}

static void test_z_compact(void **state)
{
    (void)state;
    /* Norway, radio, dual breaker: Z11 01, Z15 001, Z16 339, Z19 1 */
    static const char c[] = "3-1-00-2-000-01-01-1-000-0-01-00-000-000-001-339-000-002-1-000";
    assert_int_equal(strlen(c), OMP_MCFG_Z_COMPACT_LEN);
    struct omp_mcfg_zcodes z;
    struct omp_mcfg_error why;
    assert_int_equal(omp_mcfg_z_compact_decode(c, strlen(c), &z, &why), OMP_OK);
    struct omp_mcfg_zcodes want = k_dk;
    want.z16_frequency = 339;
    want.z19_breaker = 1;
    assert_true(omp_mcfg_z_equal(&z, &want));
    assert_false(omp_mcfg_z_equal(&z, &k_dk)); /* Z16, Z19 differ */
    char out[OMP_MCFG_Z_COMPACT_SIZE + 1];
    memset(out, 0xA5, sizeof out);
    assert_int_equal(omp_mcfg_z_compact_encode(&z, out, OMP_MCFG_Z_COMPACT_SIZE), OMP_OK);
    assert_string_equal(out, c);
    assert_int_equal((unsigned char)out[OMP_MCFG_Z_COMPACT_SIZE], 0xA5);
    memset(out, 0xA5, sizeof out);
    assert_int_equal(omp_mcfg_z_compact_encode(&z, out, OMP_MCFG_Z_COMPACT_LEN), OMP_ERR_NOSPACE);
    assert_int_equal((unsigned char)out[0], 0xA5);
    struct omp_mcfg_zcodes bad = z;
    bad.z4_period = 0;
    assert_int_equal(omp_mcfg_z_compact_encode(&bad, out, sizeof out), OMP_ERR_RANGE);
    assert_int_equal(omp_mcfg_z_compact_encode(NULL, out, sizeof out), OMP_ERR_ARG);

    static const struct {
        const char *s;
        omp_err want;
        const char *field;
    } cases[] = {
        {"3-1-00-2-000-01-01-1-000-0-01-00-000-000-001-339-000-002-1-00", OMP_ERR_MALFORMED,
         "length"},
        {"3-1-00-2-000-01-01-1-000-0-01-00-000-000-001-339-000-002-1-0000", OMP_ERR_MALFORMED,
         "length"},
        {"3-1-00-2-000-01-01-1-000-0-01-00-000-000-001-339-000-002-1 000", OMP_ERR_MALFORMED,
         "separator"},
        {"3-1-0A-2-000-01-01-1-000-0-01-00-000-000-001-339-000-002-1-000", OMP_ERR_MALFORMED, "Z3"},
        {"3-1-00-2-000-01-01-1-000-0-01-00-000-000-001-339-000-002-1--00", OMP_ERR_MALFORMED,
         "Z20"},
        {"3-1-00-2-000-31-01-1-000-0-01-00-000-000-001-339-000-002-1-000", OMP_ERR_RANGE, "Z6"},
        {"3-1-00-2-000-01-01-1-000-0-01-00-000-000-001-340-000-002-1-000", OMP_ERR_RANGE, "Z16"},
        {"3-1-00-2-000-01-01-1-000-0-01-00-000-000-001-339-000-002-3-000", OMP_ERR_RANGE, "Z19"},
        {"31-00-2-000-01-01-1-000-0-01-00-000-000-001-339-000-002-1-0000", OMP_ERR_MALFORMED,
         "separator"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct omp_mcfg_zcodes y = k_dk;
        assert_int_equal(omp_mcfg_z_compact_decode(cases[i].s, strlen(cases[i].s), &y, &why),
                         cases[i].want);
        assert_string_equal(why.field, cases[i].field);
        assert_true(omp_mcfg_z_equal(&y, &k_dk));
    }
    assert_int_equal(omp_mcfg_z_compact_decode(NULL, 62, &z, &why), OMP_ERR_ARG);
}

/* ---- defaults, locked codes, derived settings -------------------------------------------------
 */

static void test_defaults_per_country(void **state)
{
    (void)state;
    /* Z11 from the data sheet's Z11 hints (+1 h DK/NO/SE/DE/FR/ES, +2 h FI) and the brief (CH, PL,
     * NL +1 h; IS UTC; SA +3 h; ZA +2 h); Z15 EU in the EU/EEA countries and Switzerland; Z16
     * (with radio) the data sheet's country frequency codes, EU 319 where it lists none. */
    static const struct {
        const char *country;
        uint16_t z11, z15, z16;
    } c[] = {
        {"010", 1, 1, 348}, {"040", 1, 1, 339}, {"059", 1, 1, 318}, {"063", 1, 1, 318},
        {"064", 1, 1, 319}, {"065", 1, 1, 318}, {"067", 0, 0, 319}, {"070", 1, 1, 319},
        {"080", 1, 1, 319}, {"084", 2, 1, 359}, {"090", 1, 1, 328}, {"110", 3, 0, 319},
        {"120", 2, 0, 319},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        for (int variant = 0; variant < 2; variant++) {
            /* variant 0: no breaker, no radio; 1: standard breaker, radio */
            char s[19];
            memcpy(s, variant ? "6861111BN243101" : "6861111BN240001", 15);
            memcpy(s + 15, c[i].country, 4);
            const struct omp_mcfg_typeno t = decode_ok(s);
            struct omp_mcfg_zcodes want = k_dk;
            want.z11_gmt = c[i].z11;
            want.z15_dst = c[i].z15;
            want.z16_frequency = variant ? c[i].z16 : 0;
            want.z19_breaker = variant ? 1 : 0;
            struct omp_mcfg_zcodes z;
            assert_int_equal(omp_mcfg_defaults(&t, &z), OMP_OK);
            assert_true(omp_mcfg_z_equal(&z, &want));
            const struct omp_mcfg cfg = {t, z};
            assert_int_equal(omp_mcfg_validate(&cfg, NULL), OMP_OK);
        }
    }
    struct omp_mcfg_typeno t = decode_ok(k_no);
    struct omp_mcfg_zcodes z = k_dk;
    t.country = 11;
    assert_int_equal(omp_mcfg_defaults(&t, &z), OMP_ERR_RANGE);
    assert_true(omp_mcfg_z_equal(&z, &k_dk));
    assert_int_equal(omp_mcfg_defaults(NULL, &z), OMP_ERR_ARG);
}

static void test_locked(void **state)
{
    (void)state;
    struct omp_mcfg from = {decode_ok(k_no), k_dk};
    from.z.z19_breaker = 1;
    struct omp_mcfg_error why;
    struct omp_mcfg to = from;
    assert_int_equal(omp_mcfg_check_change(&from, &to, &why), OMP_OK);
    to.z.z4_period = 4; /* free codes may change */
    to.z.z3_module = 1;
    to.z.z19_breaker = 2;
    assert_int_equal(omp_mcfg_check_change(&from, &to, &why), OMP_OK);

    to = from;
    to.z.z1_decimals = 4;
    assert_int_equal(omp_mcfg_check_change(&from, &to, &why), OMP_ERR_DENIED);
    assert_string_equal(why.field, "Z1");
    assert_string_equal(why.allowed, "locked");
    assert_string_equal(why.value, "4");
    to = from;
    to.z.z2_led = 2;
    assert_int_equal(omp_mcfg_check_change(&from, &to, &why), OMP_ERR_DENIED);
    assert_string_equal(why.field, "Z2");

    to.type = decode_ok("6861111BN243101040"); /* X10 2 -> 3 */
    to.z = from.z;
    assert_int_equal(omp_mcfg_check_change(&from, &to, &why), OMP_ERR_DENIED);
    assert_string_equal(why.field, "X10");
    assert_string_equal(why.value, "3");
    to.type = decode_ok("6861111BN242101010");
    assert_int_equal(omp_mcfg_check_change(&from, &to, &why), OMP_ERR_DENIED);
    assert_string_equal(why.field, "X14-X16");
    assert_string_equal(why.value, "010");

    /* invalid targets: Z19 on a meter without breaker, a bad code */
    struct omp_mcfg nb = {decode_ok("6861111BN240101040"), k_dk};
    assert_int_equal(omp_mcfg_validate(&nb, &why), OMP_OK);
    to = nb;
    to.z.z19_breaker = 1;
    assert_int_equal(omp_mcfg_check_change(&nb, &to, &why), OMP_ERR_RANGE);
    assert_string_equal(why.field, "Z19");
    assert_string_equal(why.value, "1");
    assert_int_equal(omp_mcfg_check_change(&to, &nb, &why), OMP_ERR_RANGE); /* from invalid */
    to = nb;
    to.z.z7_billing_interval = 25;
    assert_int_equal(omp_mcfg_check_change(&nb, &to, &why), OMP_ERR_RANGE);
    assert_string_equal(why.field, "Z7");
    assert_int_equal(omp_mcfg_check_change(NULL, &to, &why), OMP_ERR_ARG);
    assert_int_equal(omp_mcfg_validate(NULL, &why), OMP_ERR_ARG);
}

static void test_derive(void **state)
{
    (void)state;
    const struct omp_mcfg_typeno t = decode_ok(k_no);
    struct omp_mcfg_zcodes z = k_dk;
    z.z19_breaker = 1;
    struct omp_mcfg_services s;
    assert_int_equal(omp_mcfg_derive(&t, &z, &s), OMP_OK);
    assert_int_equal(s.display.energy_digits, 7); /* Z1 3 = 7.2 */
    assert_int_equal(s.display.energy_decimals, 2);
    assert_false(s.metrology.led_on_no_load);
    assert_int_equal(s.metrology.pulse_width_ms, 30);
    assert_false(s.metrology.alarm_input);
    assert_true(s.metrology.a_minus);
    assert_true(s.metrology.reactive);
    assert_int_equal(s.registers.demand_period_min, 15);
    assert_int_equal(s.registers.billing_day, 1);
    assert_int_equal(s.registers.billing_interval, 1);
    assert_int_equal(s.registers.pulse_unit, 0);
    assert_int_equal(s.registers.utc_offset_min, 60);
    assert_int_equal(s.registers.dst_rule, OMP_DST_EU);
    assert_int_equal(s.tariff.z3, 0);
    assert_true(s.optical.enabled);
    assert_int_equal(s.optical.user_data, 1); /* UD2 */
    assert_string_equal(s.optical.ident, " 6861111BN242101");
    assert_true(s.breaker.present);
    assert_true(s.breaker.dual);
    assert_int_equal(s.breaker.position, OMP_MCFG_BREAKER_POS_CONNECTED);

    /* Z1: 1 = 7.0, 2 = 6.1, 3 = 7.2, 4 = 6.3; Z4: 5/15/30/60 min; Z8: 30/30/80/80 ms, alarm on 2/4
     */
    static const uint8_t dig[5] = {0, 7, 6, 7, 6}, dec[5] = {0, 0, 1, 2, 3};
    static const uint16_t per[5] = {0, 5, 15, 30, 60}, pw[5] = {0, 30, 30, 80, 80};
    for (uint16_t v = 1; v <= 4u; v++) {
        struct omp_mcfg_zcodes y = z;
        y.z1_decimals = v;
        y.z4_period = v;
        y.z8_pulse_alarm = v;
        y.z2_led = (v % 2u) ? 1 : 2;
        assert_int_equal(omp_mcfg_derive(&t, &y, &s), OMP_OK);
        assert_int_equal(s.display.energy_digits, dig[v]);
        assert_int_equal(s.display.energy_decimals, dec[v]);
        assert_int_equal(s.registers.demand_period_min, per[v]);
        assert_int_equal(s.metrology.pulse_width_ms, pw[v]);
        assert_int_equal(s.metrology.alarm_input, v == 2u || v == 4u);
        assert_int_equal(s.metrology.led_on_no_load, y.z2_led == 2u);
    }
    /* Z11 (data sheet table): 00 London, 01..12 = +1..+12 h, 13 = -11 h ... 23 = -1 h */
    static const int32_t hours[24] = {0,  1,   2,   3,  4,  5,  6,  7,  8,  9,  10, 11,
                                      12, -11, -10, -9, -8, -7, -6, -5, -4, -3, -2, -1};
    for (uint16_t v = 0; v < 24u; v++) {
        struct omp_mcfg_zcodes y = z;
        y.z11_gmt = v;
        y.z15_dst = 0;
        assert_int_equal(omp_mcfg_derive(&t, &y, &s), OMP_OK);
        assert_int_equal(s.registers.utc_offset_min, hours[v] * 60);
        assert_int_equal(s.registers.dst_rule, OMP_DST_NONE);
    }
    /* Z18 0 disabled, 1 UD1; Z19 2; other passthroughs */
    struct omp_mcfg_zcodes y = z;
    y.z18_iec1107 = 0;
    y.z19_breaker = 2;
    y.z3_module = 28;
    y.z6_billing_day = 28;
    y.z7_billing_interval = 24;
    y.z12_pulse_unit = 3;
    assert_int_equal(omp_mcfg_derive(&t, &y, &s), OMP_OK);
    assert_false(s.optical.enabled);
    assert_int_equal(s.optical.user_data, 0);
    assert_int_equal(s.breaker.position, OMP_MCFG_BREAKER_POS_DISCONNECTED);
    assert_int_equal(s.tariff.z3, 28);
    assert_int_equal(s.registers.billing_day, 28);
    assert_int_equal(s.registers.billing_interval, 24);
    assert_int_equal(s.registers.pulse_unit, 3);
    y.z18_iec1107 = 1;
    assert_int_equal(omp_mcfg_derive(&t, &y, &s), OMP_OK);
    assert_true(s.optical.enabled);
    assert_int_equal(s.optical.user_data, 0);

    /* refused: outputs untouched */
    struct omp_mcfg_services before;
    memset(&before, 0x5A, sizeof before);
    s = before;
    const struct omp_mcfg_typeno nb = decode_ok("6861111BN240101040"); /* no breaker */
    assert_int_equal(omp_mcfg_derive(&nb, &z, &s), OMP_ERR_RANGE);     /* Z19 1 */
    assert_memory_equal(&s, &before, sizeof s);
    assert_int_equal(omp_mcfg_derive(&t, NULL, &s), OMP_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_typeno_example),
        cmocka_unit_test(test_typeno_three_phase),
        cmocka_unit_test(test_typeno_every_x),
        cmocka_unit_test(test_typeno_current_ranges),
        cmocka_unit_test(test_typeno_every_country),
        cmocka_unit_test(test_typeno_malformed),
        cmocka_unit_test(test_z_every_value),
        cmocka_unit_test(test_z_text),
        cmocka_unit_test(test_z_text_errors),
        cmocka_unit_test(test_z_compact),
        cmocka_unit_test(test_defaults_per_country),
        cmocka_unit_test(test_locked),
        cmocka_unit_test(test_derive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

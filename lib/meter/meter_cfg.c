/*
 * The meter's configuration: the factory defaults, the one check of every field, what each
 * service takes of it, and the configuration from the type number and the Z codes (module config,
 * mcfg.h): what the codes imply is derived here, in one place, and written into the fields of
 * struct omp_meter_cfg (docs/config.md "How the meter takes the codes").
 */
#include <stddef.h>
#include <string.h>

#include "omnipower/mcfg.h"
#include "omnipower/meter.h"
#include "omnipower/version.h"

#include "meter_priv.h"

/* the meter's text fields hold exactly what the config module derives */
_Static_assert(sizeof(((struct omp_meter_cfg *)NULL)->type_number) == OMP_MCFG_TYPENO_SIZE,
               "type_number holds an encoded type number");
_Static_assert(sizeof(((struct omp_meter_cfg *)NULL)->optical_ident) == OMP_MCFG_IDENT_SIZE,
               "optical_ident holds the identification derived from the type number");


static uint64_t pow10_u64(unsigned n)
{
    uint64_t v = 1;
    while (n-- > 0u) {
        v *= 10u;
    }
    return v;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t k = 0;
    for (; k + 1u < cap && src[k] != '\0'; k++) {
        dst[k] = src[k];
    }
    dst[k] = '\0';
}

void omp_meter_cfg_default(struct omp_meter_cfg *cfg)
{
    if (cfg == NULL) {
        return;
    }
    struct omp_meter_cfg c = { 0 };
    c.meter_number = 1u;           /* placeholder: production writes the real serial number */
    copy_str(c.type_number, sizeof c.type_number, "6861111BN142101010");
    /* software number: the library version as 7 digits (0.1.0 -> 0000100), revision 01 */
    uint32_t sw = OMP_VERSION_MAJOR * 10000u + OMP_VERSION_MINOR * 100u + OMP_VERSION_PATCH;
    for (unsigned k = 7u; k > 0u; k--) {
        c.software_id[k - 1u] = (char)('0' + (int)(sw % 10u));
        sw /= 10u;
    }
    copy_str(c.software_id + 7, sizeof c.software_id - 7u, "-01");
    c.utc_offset_min = 60;         /* Z11 = 01: +1 h (DK/NO/SE/DE/FR/ES) */
    c.dst_rule = OMP_DST_EU;       /* Z15 = 001 */
    c.energy_digits = 7u;          /* Z1 = 3: 7.2 */
    c.energy_decimals = 2u;
    c.led_on_no_load = false;      /* Z2 = 1: LED off at no consumption */
    c.pulse_width_ms = 30u;        /* Z8 = 1: 30 ms */
    c.sample_rate_hz = OMP_CONFIG_SAMPLE_RATE_HZ;
    c.mains_hz = OMP_CONFIG_MAINS_HZ;
    /* the nominal calibration of the default front end, as omp_metro_cal_nominal(cal, 600, 120) */
    c.cal.v_gain = 600.0f / 8388608.0f; /* 24-bit codes, +-600 V full scale (exact in float) */
    c.cal.i_gain = 120.0f / 8388608.0f; /* 24-bit codes, +-120 A full scale */
    c.cal.phase_deg = 0.0f;
    c.cal.v_offset = 0;
    c.cal.i_offset = 0;
    c.nvm_base = 0u;               /* the whole NVM of the port */
    c.nvm_sectors = 0u;
    c.z3 = OMP_Z3_NONE;            /* Z3 = 00: no module function */
    c.demand_period_min = 15u;     /* Z4 = 2: 15 min */
    c.billing_day = 1u;            /* Z6 = 01 */
    c.billing_interval = 1u;       /* Z7 = 01: monthly */
    c.pulse_unit = 0u;             /* Z12 = 00: none */
    c.pulse_milli = 1000u;         /* 1 unit per pulse */
    c.power_threshold_w = 0u;      /* threshold counter off */
    c.count_flagged_periods = false;
    c.tariff_source = OMP_TARIFF_SRC_DEFAULT;
    c.default_tariff = 1u;
    omp_meter_priv_optical_default(&c); /* optical port: Kamstrup factory values */
    omp_push_cfg_default(&c.han_push);  /* HAN push off */
    /* analysis logger (technical facts 2, Table 15: a 4-channel single-phase meter) */
    static const uint8_t k_an[6][6] = {{1, 1, 1, 7, 0, 255},  {1, 1, 2, 7, 0, 255},
                                       {1, 1, 3, 7, 0, 255},  {1, 1, 4, 7, 0, 255},
                                       {1, 1, 32, 25, 0, 255}, {1, 1, 31, 25, 0, 255}};
    c.an_period_min = 15u;
    c.an_channels = 6u;
    for (unsigned k = 0; k < 6u; k++) {
        memcpy(c.an_channel[k].obis, k_an[k], 6u);
        c.an_channel[k].attr = 2u;
    }
    /* the identification is the type number's (technical facts 10.3), not configured twice */
    struct omp_mcfg_typeno tn;
    struct omp_mcfg_error why;
    if (omp_mcfg_typeno_decode(c.type_number, OMP_COSEM_TYPENO_LEN, &tn, &why) != OMP_OK ||
        omp_mcfg_typeno_ident(&tn, c.optical_ident, sizeof c.optical_ident) != OMP_OK) {
        c.optical_ident[0] = '\0'; /* cannot happen with the literal above; cfg_valid refuses */
    }
    *cfg = c;
}

/* The analysis logger's interval and channels (when it is kept): 5, 15, 30 or 60 min; 1..16
 * objects of the dictionary the meter itself may read, each a number. */
static bool an_valid(const struct omp_meter_cfg *c)
{
    if (c->an_sectors == 0u) {
        return true;
    }
    const uint8_t p = c->an_period_min;
    if ((p != 5u && p != 15u && p != 30u && p != 60u) || c->an_channels == 0u ||
        c->an_channels > OMP_PLOG_COLUMNS_MAX) {
        return false;
    }
    for (unsigned k = 0; k < c->an_channels; k++) {
        const struct omp_cosem_obj *o = omp_cosem_find(c->an_channel[k].obis);
        if (o == NULL || c->an_channel[k].attr == 0u ||
            c->an_channel[k].attr > omp_cosem_attr_count(o) ||
            (o->read & OMP_ASSOC_LOCAL) == 0u) {
            return false;
        }
    }
    return true;
}

static bool z1_valid(uint8_t digits, uint8_t decimals)
{
    /* data sheet Z1 codes 1..4: 7.0, 6.1, 7.2, 6.3 */
    return (digits == 7u && decimals == 0u) || (digits == 6u && decimals == 1u) ||
           (digits == 7u && decimals == 2u) || (digits == 6u && decimals == 3u);
}

/* A single-phase type number whose every position the config module accepts, NUL-terminated. */
static bool type_number_valid(const char *t)
{
    struct omp_mcfg_typeno tn;
    struct omp_mcfg_error why;
    size_t n = 0;
    while (n <= OMP_COSEM_TYPENO_LEN && t[n] != '\0') {
        n++;
    }
    return n == OMP_COSEM_TYPENO_LEN && omp_mcfg_typeno_decode(t, n, &tn, &why) == OMP_OK;
}

/* 1..16 printable characters, NUL-terminated. */
static bool text_valid(const char *t, size_t cap)
{
    size_t n = 0;
    while (n < cap && t[n] != '\0') {
        if (t[n] < ' ' || t[n] > '~') {
            return false;
        }
        n++;
    }
    return n > 0u && n < cap;
}

bool omp_meter_priv_cfg_valid(const struct omp_meter_cfg *c)
{
    struct omp_regs_cfg rc;
    struct omp_metro_cfg mc;
    struct omp_clock_cfg cc;
    omp_meter_priv_service_cfg(c, &rc, &mc, &cc);
    /* registers, sample rate, mains and calibration: their init decides (OMP_ERR_ARG) */
    return c->meter_number >= 1u && c->meter_number <= 99999999u &&
           type_number_valid(c->type_number) && text_valid(c->software_id, sizeof c->software_id) &&
           z1_valid(c->energy_digits, c->energy_decimals) &&
           (c->pulse_width_ms == 30u || c->pulse_width_ms == 80u) && omp_clock_cfg_valid(&cc) &&
           omp_meter_priv_optical_valid(c) && an_valid(c) && omp_push_cfg_valid(&c->han_push);
}

void omp_meter_priv_service_cfg(const struct omp_meter_cfg *c, struct omp_regs_cfg *rc,
                                struct omp_metro_cfg *mc, struct omp_clock_cfg *cc)
{
    omp_metro_cfg_default(mc);
    mc->fs_hz = c->sample_rate_hz;
    mc->mains_hz = c->mains_hz;
    mc->pulse_width_ms = c->pulse_width_ms;
    mc->led_on_no_load = c->led_on_no_load;
    omp_regs_cfg_default(rc);
    rc->utc_offset_min = c->utc_offset_min;
    rc->dst_rule = c->dst_rule;
    rc->demand_period_min = c->demand_period_min;
    rc->billing_day = c->billing_day;
    rc->billing_interval = c->billing_interval;
    rc->power_threshold_w = c->power_threshold_w;
    rc->pulse_milli = c->pulse_milli;
    rc->pulse_unit = c->pulse_unit;
    rc->save_step_u = 1000000000u / pow10_u64(c->energy_decimals); /* 1 kWh = 1e9 uWh */
    rc->count_flagged_periods = c->count_flagged_periods;
    cc->utc_offset_min = c->utc_offset_min;
    cc->dst_rule = c->dst_rule;
    cc->tariff_source = c->tariff_source;
    cc->z3 = c->z3;
    cc->default_tariff = c->default_tariff;
}

omp_err omp_meter_cfg_from_codes(struct omp_meter_cfg *cfg, const struct omp_mcfg *codes,
                                 struct omp_mcfg_error *why)
{
    if (cfg == NULL || codes == NULL) {
        return OMP_ERR_ARG;
    }
    /* everything that can fail first: *cfg is written only once nothing can */
    omp_err err = omp_mcfg_validate(codes, why);
    struct omp_mcfg_services s;
    char typeno[OMP_MCFG_TYPENO_SIZE];
    if (err == OMP_OK) {
        err = omp_mcfg_derive(&codes->type, &codes->z, &s);
    }
    if (err == OMP_OK) {
        err = omp_mcfg_typeno_encode(&codes->type, typeno, sizeof typeno);
    }
    if (err != OMP_OK) {
        return err;
    }
    /* the type number, and what it implies: the optical identification (technical facts 10.3) */
    memcpy(cfg->type_number, typeno, sizeof cfg->type_number);
    memcpy(cfg->optical_ident, s.optical.ident, sizeof cfg->optical_ident);
    /* Z1 display, Z2 and Z8 metrology */
    cfg->energy_digits = s.display.energy_digits;
    cfg->energy_decimals = s.display.energy_decimals;
    cfg->led_on_no_load = s.metrology.led_on_no_load;
    cfg->pulse_width_ms = (uint8_t)s.metrology.pulse_width_ms; /* 30 or 80 */
    /* Z3 tariff inputs; Z4, Z6, Z7, Z12 registers; Z11, Z15 clock */
    cfg->z3 = s.tariff.z3;
    cfg->demand_period_min = (uint8_t)s.registers.demand_period_min; /* 5..60 */
    cfg->billing_day = s.registers.billing_day;
    cfg->billing_interval = s.registers.billing_interval;
    cfg->pulse_unit = s.registers.pulse_unit;
    cfg->utc_offset_min = s.registers.utc_offset_min;
    cfg->dst_rule = s.registers.dst_rule;
    /* Z18: 000 no IEC 62056-21; 001/002 modes A and C (131.0.12 = 1) with User Data 1/2 */
    cfg->optical.comm_mode = s.optical.enabled ? 1u : 0u;
    cfg->optical.user_data = s.optical.user_data;
    return OMP_OK;
}

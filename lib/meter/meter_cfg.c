/*
 * The meter's configuration from the type number and the Z codes (module config, mcfg.h): what the
 * codes imply is derived here, in one place, and written into the fields of struct omp_meter_cfg
 * (docs/config.md "How the meter takes the codes").
 */
#include <stddef.h>
#include <string.h>

#include "omnipower/mcfg.h"
#include "omnipower/meter.h"

/* the meter's text fields hold exactly what the config module derives */
_Static_assert(sizeof(((struct omp_meter_cfg *)NULL)->type_number) == OMP_MCFG_TYPENO_SIZE,
               "type_number holds an encoded type number");
_Static_assert(sizeof(((struct omp_meter_cfg *)NULL)->optical_ident) == OMP_MCFG_IDENT_SIZE,
               "optical_ident holds the identification derived from the type number");

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

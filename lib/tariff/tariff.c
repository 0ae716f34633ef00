/*
 * Tariff selection: the Z3 module-input table (technical facts §6.2, data sheet Z3) and the engine
 * that picks the active tariff from the configured source (technical facts §6.1).
 */
#include <string.h>

#include "omnipower/config.h"
#include "omnipower/core.h"
#include "omnipower/tariff.h"
#include "tariff_priv.h"

bool omp_z3_valid(uint8_t z3)
{
    return z3 <= (uint8_t)OMP_Z3_4T_SYNC_LOAD_INV ||
           (z3 >= (uint8_t)OMP_Z3_LOAD1_LOAD2 && z3 <= (uint8_t)OMP_Z3_MAX);
}

uint8_t omp_z3_tariff(uint8_t z3, bool io1, bool io2)
{
    const uint8_t both = (uint8_t)((io1 ? 1u : 0u) + (io2 ? 2u : 0u)); /* 0..3: T1..T4 */
    switch (z3) {
    case OMP_Z3_4T:
    case OMP_Z3_4T_SYNC_LOAD:
        return (uint8_t)(1u + both);
    case OMP_Z3_4T_INV:
    case OMP_Z3_4T_SYNC_LOAD_INV:
        return (uint8_t)(4u - both);
    case OMP_Z3_2T_ALARM:
    case OMP_Z3_2T_ALARM_INV:
    case OMP_Z3_2T_APLUS:
        return io1 ? 2u : 1u;
    case OMP_Z3_2T_INV_ALARM:
    case OMP_Z3_2T_INV_ALARM_INV:
    case OMP_Z3_2T_INV_APLUS:
        return io1 ? 1u : 2u;
    case OMP_Z3_PULSE_2T:
        return io2 ? 2u : 1u;
    case OMP_Z3_PULSE_2T_INV:
        return io2 ? 1u : 2u;
    default:
        return 0u;
    }
}

bool omp_z3_has_tariff_inputs(uint8_t z3)
{
    return omp_z3_tariff(z3, false, false) != 0u;
}

/* The documents name the "load tariff sync" output but do not define it; inference: it marks the
 * high-rate tariffs (T2 and above), the level inverted in the "sync inverted" codes 20 and 21. */
bool omp_z3_sync_output(uint8_t z3, uint8_t tariff)
{
    if (z3 < (uint8_t)OMP_Z3_PULSE_SYNC || z3 > (uint8_t)OMP_Z3_PULSE_INV_SYNC_INV) {
        return false;
    }
    const bool high = tariff >= 2u;
    return (z3 >= (uint8_t)OMP_Z3_PULSE_SYNC_INV) ? !high : high;
}

/* ---- engine ---------------------------------------------------------------------------------- */

static bool tariff_ok(uint8_t tariff)
{
    return tariff >= 1u && tariff <= OMP_CONFIG_TARIFFS;
}

void omp_tariff_init(struct omp_tariff *t)
{
    if (t == NULL) {
        return;
    }
    memset(t, 0, sizeof *t);
    t->source = OMP_TARIFF_SRC_DEFAULT;
    t->z3 = OMP_Z3_NONE;
    t->default_tariff = 1u;
    t->register_tariff = 1u;
}

omp_err omp_tariff_set_passive(struct omp_tariff *t, const struct omp_tou_calendar *cal,
                               omp_time_s at_utc)
{
    if (t == NULL || cal == NULL) {
        return OMP_ERR_ARG;
    }
    omp_err err = omp_tou_check(cal);
    if (err != OMP_OK) {
        return err;
    }
    memcpy(&t->passive, cal, sizeof t->passive);
    t->passive_at_utc = at_utc;
    t->has_passive = true;
    return OMP_OK;
}

uint8_t omp_tariff_now(struct omp_tariff *t, omp_time_s utc, int32_t offset_min,
                       enum omp_dst_rule dst)
{
    if (t == NULL) {
        return 1u;
    }
    if (t->has_passive && utc >= t->passive_at_utc) {
        memcpy(&t->active, &t->passive, sizeof t->active);
        t->has_active = true;
        t->has_passive = false;
    }
    uint8_t v = 0;
    switch (t->source) {
    case OMP_TARIFF_SRC_INPUTS:
        v = omp_z3_tariff(t->z3, t->io1, t->io2);
        break;
    case OMP_TARIFF_SRC_REGISTER:
        v = t->register_tariff;
        break;
    case OMP_TARIFF_SRC_CALENDAR:
        if (!t->has_active ||
            omp_tou_priv_tariff_utc(&t->active, utc, offset_min, dst, &v) != OMP_OK) {
            v = 0u;
        }
        break;
    case OMP_TARIFF_SRC_DEFAULT:
    default:
        break;
    }
    if (tariff_ok(v)) {
        return v;
    }
    return tariff_ok(t->default_tariff) ? t->default_tariff : 1u;
}

omp_time_s omp_tariff_next_change(const struct omp_tariff *t, omp_time_s utc, int32_t offset_min,
                                  enum omp_dst_rule dst)
{
    omp_time_s next = INT64_MAX;
    if (t->source == OMP_TARIFF_SRC_CALENDAR && t->has_active) {
        omp_time_s sw = 0;
        uint8_t tariff = 0;
        if (omp_tou_next_switch(&t->active, utc, offset_min, dst, OMP_TARIFF_HORIZON_S, &sw,
                                &tariff) == OMP_OK) {
            next = sw;
        } else {
            next = utc + (omp_time_s)OMP_TARIFF_HORIZON_S; /* look again then */
        }
    }
    if (t->has_passive && t->passive_at_utc < next) {
        next = t->passive_at_utc > utc ? t->passive_at_utc : utc + 1;
    }
    return next;
}

/*
 * The settings a head-end writes over the ports (enum omp_cosem_param and the optical port's
 * 131.0.x; the record is lib/cosem/dlms_keep.c's): given to the services at every start, and at
 * once when written (docs/cosem.md "Settings written over the ports"). m->cfg stays the caller's,
 * which a format starts from again. A foreign record is reported and left in place; the
 * configuration serves meanwhile, and a write replaces it (the written values are newer).
 */
#include "omnipower/meter.h"

#include "meter_priv.h"

/* Parameter @p k in force: the services take it. */
static omp_err take(struct omp_meter *m, enum omp_cosem_param k, uint32_t v)
{
    const enum omp_dst_rule dst = v != 0u ? OMP_DST_EU : OMP_DST_NONE;
    switch (k) {
    case OMP_PARAM_POWER_THRESHOLD:
        omp_registers_set_power_threshold(&m->regs, v);
        return OMP_OK;
    case OMP_PARAM_DST: {
        omp_err err = omp_registers_set_dst(&m->regs, dst);
        return err != OMP_OK ? err : omp_clock_set_dst(&m->clock, dst);
    }
    default: /* a profile's period: opened again, deleted for its new shape */
        return omp_meter_priv_lp_reopen(m, k == OMP_PARAM_AN_PERIOD);
    }
}

void omp_meter_priv_params_load(struct omp_meter *m)
{
    omp_err err = omp_dlms_keep_params_read(&m->settings, OMP_METER_KEY_PARAMS, &m->params);
    m->params_foreign = err == OMP_ERR_NVM_CORRUPT;
    uint32_t v = 0;
    for (unsigned k = 0; k < 2u; k++) { /* the profiles take theirs at their open */
        const enum omp_cosem_param p = k == 0u ? OMP_PARAM_POWER_THRESHOLD : OMP_PARAM_DST;
        if (omp_dlms_params_get(&m->params, p, &v)) {
            err = take(m, p, v); /* a threshold, a none or EU rule: cannot fail */
        }
    }
    (void)err;
}

omp_err omp_meter_priv_params_keep(struct omp_meter *m, const struct omp_dlms_params *p)
{
    if (m->nvm_damaged != 0u) {
        return OMP_ERR_NVM_CORRUPT; /* the NVM keeps its evidence (docs/storage.md) */
    }
    omp_err err = omp_dlms_keep_params_write(&m->settings, OMP_METER_KEY_PARAMS, p);
    if (err == OMP_OK) {
        m->params = *p;
        m->params_foreign = false;
    }
    return err;
}

omp_err omp_meter_priv_param_set(struct omp_meter *m, uint8_t k, uint32_t v)
{
    const enum omp_cosem_param p = (enum omp_cosem_param)k;
    if (k >= (uint8_t)OMP_PARAM_COUNT || !omp_cosem_param_valid(p, v)) {
        return OMP_ERR_RANGE;
    }
    if ((p == OMP_PARAM_LP_PERIOD && m->cfg.lp_sectors == 0u) ||
        (p == OMP_PARAM_AN_PERIOD && m->cfg.an_sectors == 0u)) {
        return OMP_ERR_UNSUPPORTED; /* no such profile in this meter */
    }
    omp_err err = OMP_OK;
    bool kept = false;
    if (k >= OMP_DLMS_PARAMS_KEPT) { /* a voltage quality limit: power quality keeps it */
        err = omp_meter_priv_pq_limit(m, k - OMP_DLMS_PARAMS_KEPT, (uint16_t)v);
        kept = err == OMP_OK;
    } else {
        struct omp_dlms_params next = m->params;
        omp_dlms_params_put(&next, p, v);
        err = omp_meter_priv_params_keep(m, &next);
        kept = err == OMP_OK;
        err = kept ? take(m, p, v) : err;
    }
    if (kept) {
        uint8_t attr = 0;
        const uint32_t id = omp_cosem_param_id(p, &attr);
        omp_clock_event(&m->clock, OMP_EV_CONFIG_CHANGED, id, attr);
    }
    return err;
}

/*
 * The settings a head-end writes over the ports (enum omp_cosem_param: PowerThresholdValue, the
 * profiles' capture_period, DST; and the optical port's 131.0.x): kept in the settings store
 * (dlms_keep.c's record) and laid over the configuration at every start (the services' copies:
 * m->cfg stays the caller's, which a format starts from again), so that a written value
 * outlives a restart, and taken by the services at once when written (docs/cosem.md "Settings
 * written over the ports"). A foreign record is reported and left in place; the configuration's
 * values serve meanwhile, and a write replaces it (the written values are the newer evidence).
 */
#include <string.h>

#include "omnipower/meter.h"

#include "meter_priv.h"

#define OPTICAL_BIT (1u << OMP_PARAM_COUNT)

/* The reduced id C.D.E and the attribute of each parameter, for OMP_EV_CONFIG_CHANGED. */
static const uint32_t k_id[OMP_PARAM_COUNT] = {0x603301u, 0x630100u, 0x630101u, 0x60340Bu};
static const uint8_t k_attr[OMP_PARAM_COUNT] = {2u, 4u, 4u, 2u};

static enum omp_dst_rule dst_of(uint32_t v)
{
    return v != 0u ? OMP_DST_EU : OMP_DST_NONE;
}

/* Parameter @p k of the configuration, overlaid by what was written. */
static bool written(const struct omp_meter *m, enum omp_cosem_param k, uint32_t *v)
{
    if ((m->params.set & (1u << k)) == 0u) {
        return false;
    }
    *v = m->params.value[k];
    return true;
}

/* Parameter @p k in force: the services take it. */
static omp_err take(struct omp_meter *m, enum omp_cosem_param k, uint32_t v)
{
    switch (k) {
    case OMP_PARAM_POWER_THRESHOLD:
        omp_registers_set_power_threshold(&m->regs, v);
        return OMP_OK;
    case OMP_PARAM_DST: {
        omp_err err = omp_registers_set_dst(&m->regs, dst_of(v));
        return err != OMP_OK ? err : omp_clock_set_dst(&m->clock, dst_of(v));
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
    if (written(m, OMP_PARAM_POWER_THRESHOLD, &v)) {
        err = take(m, OMP_PARAM_POWER_THRESHOLD, v);
    }
    if (written(m, OMP_PARAM_DST, &v)) {
        err = take(m, OMP_PARAM_DST, v); /* a none or EU rule: cannot fail */
    }
    (void)err;
}

const struct omp_optical_settings *omp_meter_priv_params_optical_get(const struct omp_meter *m)
{
    return (m->params.set & OPTICAL_BIT) != 0u ? &m->params.optical : NULL;
}

void omp_meter_priv_params_events(struct omp_meter *m)
{
    if (m->params_foreign) {
        omp_clock_event(&m->clock, OMP_EV_NVM_DAMAGED, 1u, 4u); /* foreign: reported, kept */
    }
}

uint32_t omp_meter_priv_period(const struct omp_meter *m, bool an, uint32_t cfg_period_s)
{
    uint32_t v = 0;
    return written(m, an ? OMP_PARAM_AN_PERIOD : OMP_PARAM_LP_PERIOD, &v) ? v : cfg_period_s;
}

/* Keep @p p as the written settings. */
static omp_err keep(struct omp_meter *m, const struct omp_dlms_params *p)
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
    if (k >= (uint8_t)OMP_PARAM_COUNT || !omp_cosem_param_valid((enum omp_cosem_param)k, v)) {
        return OMP_ERR_RANGE;
    }
    if ((k == OMP_PARAM_LP_PERIOD && m->cfg.lp_sectors == 0u) ||
        (k == OMP_PARAM_AN_PERIOD && m->cfg.an_sectors == 0u)) {
        return OMP_ERR_UNSUPPORTED; /* no such profile in this meter */
    }
    struct omp_dlms_params p = m->params;
    p.set = (uint8_t)(p.set | (1u << k));
    p.value[k] = v;
    omp_err err = keep(m, &p);
    if (err == OMP_OK) {
        err = take(m, (enum omp_cosem_param)k, v);
        omp_clock_event(&m->clock, OMP_EV_CONFIG_CHANGED, k_id[k], k_attr[k]);
    }
    return err;
}

omp_err omp_meter_priv_params_optical(struct omp_meter *m, const struct omp_optical_settings *o)
{
    struct omp_dlms_params p = m->params;
    p.set = (uint8_t)(p.set | OPTICAL_BIT);
    p.optical = *o;
    return keep(m, &p);
}

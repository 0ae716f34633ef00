/*
 * The load profile 1.1.99.1.0.255 in the meter (docs/logger.md): its configuration from the type
 * number (X9 channels) and Z4 (period), its size for the data sheet's depth, and each period's
 * capture, whose values the meter reads through the data dictionary (the profile reads no
 * service).
 */
#include <string.h>

#include "omnipower/mcfg.h"
#include "omnipower/meter.h"

#include "meter_priv.h"

#define LP_TAG 0x504Cu     /* "LP": the load profile's sector headers */
#define IMAX_W 23000u      /* 230 V x 100 A: the most any channel grows per hour, Wh or varh */

/* Data sheet / technical facts 1.1, Table 11: days of depth for 1, 2, 4 channels at 5, 15, 30,
 * 60 min (the 5-min row is the data sheet's; 4 channels at 15 min: 175, not variant 2's 180). */
static const uint16_t k_days[3][4] = {
    {92, 275, 550, 1100},
    {77, 231, 462, 924},
    {58, 175, 350, 700},
};

void omp_meter_priv_lp_cfg(const struct omp_meter_cfg *c, struct omp_profile_cfg *p)
{
    static const uint8_t k_c[4] = {1, 2, 3, 4}; /* A+ 1.8.0, A- 2.8.0, R+ 3.8.0, R- 4.8.0 */
    struct omp_mcfg_typeno tn;
    struct omp_mcfg_error why;
    bool a_minus = false, reactive = false;
    if (omp_mcfg_typeno_decode(c->type_number, OMP_COSEM_TYPENO_LEN, &tn, &why) == OMP_OK) {
        a_minus = omp_mcfg_has_a_minus(&tn);
        reactive = omp_mcfg_has_reactive(&tn);
    }
    memset(p, 0, sizeof *p);
    p->tag = LP_TAG;
    p->period_s = (uint32_t)c->demand_period_min * 60u;
    p->offset_s = c->utc_offset_min * 60;
    p->columns = reactive ? 4u : a_minus ? 2u : 1u; /* X9: A+; A+ A-; A+ A- R+ R- */
    for (unsigned k = 0; k < p->columns; k++) {
        const uint8_t obis[6] = {1, 1, k_c[k], 8, 0, 255};
        memcpy(p->col[k].obis, obis, sizeof obis);
        p->col[k].attr = 2u;
        p->col[k].kind = OMP_PLOG_COUNTER;
        p->col[k].max_step = ((uint64_t)IMAX_W * p->period_s + 3599u) / 3600u;
    }
}

uint32_t omp_meter_lp_sectors(const struct omp_meter_cfg *cfg, const struct omp_nvm_geometry *geo)
{
    if (cfg == NULL || geo == NULL || geo->sector_size == 0u) {
        return 0u;
    }
    struct omp_profile_cfg p;
    omp_meter_priv_lp_cfg(cfg, &p);
    unsigned row = p.columns == 4u ? 2u : p.columns - 1u;
    unsigned col = p.period_s == 300u ? 0u : p.period_s == 900u ? 1u : p.period_s == 1800u ? 2u
                                                                                           : 3u;
    uint32_t want = (uint32_t)k_days[row][col] * (86400u / (p.period_s != 0u ? p.period_s : 1u));
    uint32_t most = geo->size / geo->sector_size;
    for (uint32_t s = 2u; s <= most; s++) {
        if (omp_profile_capacity(&p, geo, s) >= want) {
            return s;
        }
    }
    return 0u;
}

const struct omp_profile *omp_meter_load_profile(const struct omp_meter *m)
{
    return m != NULL && m->cfg.lp_sectors != 0u ? &m->lp : NULL;
}

/* A capture object's value as an integer (a null or other value: 0). */
static int64_t value_of(const struct omp_cosem_src *src, const struct omp_logger_col *col)
{
    const struct omp_cosem_obj *o = omp_cosem_find(col->obis);
    struct omp_value v;
    if (o == NULL || omp_cosem_get(src, o, col->attr, OMP_ASSOC_LOCAL, &v) != OMP_OK ||
        !omp_value_is_number(&v)) {
        return 0;
    }
    return omp_value_is_signed(&v) ? v.v.i : (int64_t)(v.v.u & INT64_MAX);
}

void omp_meter_priv_lp_second(struct omp_meter *m, omp_time_s utc, bool valid)
{
    omp_time_s end;
    if (m->cfg.lp_sectors == 0u || !valid || !omp_profile_due(&m->lp, utc, &end)) {
        return;
    }
    struct omp_cosem_src src;
    omp_meter_priv_src(m, &src);
    int64_t v[OMP_PLOG_COLUMNS_MAX];
    for (unsigned k = 0; k < m->lp.cfg.columns; k++) {
        v[k] = value_of(&src, &m->lp.cfg.col[k]);
    }
    omp_err err = omp_profile_capture(&m->lp, end, v);
    (void)err; /* a damaged NVM refuses it (the meter says so); a HAL error loses this entry */
}

/* The profile's shape as kept in the settings store: version, columns, period (s, u32 LE). */
#define SHAPE_LEN 6u

static void shape_of(const struct omp_profile_cfg *p, uint8_t out[SHAPE_LEN])
{
    out[0] = 1u;
    out[1] = p->columns;
    for (unsigned k = 0; k < 4u; k++) {
        out[2u + k] = (uint8_t)(p->period_s >> (8u * k));
    }
}

/* Erase @p r's sectors. */
static omp_err erase_region(const struct omp_nvm_region *r, uint32_t sector_size)
{
    omp_err err = OMP_OK;
    for (uint32_t i = 0; err == OMP_OK && i < r->sectors; i++) {
        err = r->ops->nvm_erase(r->user, r->base + i * sector_size);
    }
    return err;
}

/* A profile region of another shape, after a configuration change (the stored shape differs):
 * deleted, as the OMNIPOWER does (technical facts 1.4, 3.5), said by an event and on the next
 * entry. Only when writable; read only it is left alone and not counted as damage. */
static omp_err reconfigure(struct omp_meter *m, const struct omp_profile_cfg *pc,
                           const struct omp_nvm_region *r, const uint8_t *was, bool ro)
{
    m->lp.log.stats.damaged = 0; /* a change of configuration, not damage */
    if (ro) {
        return OMP_OK;
    }
    struct omp_nvm_geometry geo;
    omp_err err = omp_hal_nvm_geometry(&m->hal, &geo);
    if (err == OMP_OK) {
        err = erase_region(r, geo.sector_size);
    }
    if (err == OMP_OK) {
        err = omp_profile_open(&m->lp, pc, r, false);
    }
    bool interval = was[1] == pc->columns;
    omp_profile_reconfigured(&m->lp, interval);
    omp_clock_event(&m->clock, OMP_EV_LP_EVENT, interval ? 5u : 2u, 0u);
    return err;
}

omp_err omp_meter_priv_lp_open(struct omp_meter *m, const struct omp_nvm_region *r, bool ro)
{
    if (r->sectors == 0u) {
        return OMP_OK;
    }
    struct omp_profile_cfg pc;
    omp_meter_priv_lp_cfg(&m->cfg, &pc);
    uint8_t want[SHAPE_LEN], have[SHAPE_LEN];
    size_t len = 0;
    shape_of(&pc, want);
    omp_err err = omp_store_read_opt(&m->settings, OMP_METER_KEY_LP_SHAPE, have, sizeof have,
                                     &len);
    if (err != OMP_OK) {
        return err;
    }
    err = omp_profile_open(&m->lp, &pc, r, ro);
    bool changed = len == SHAPE_LEN && memcmp(have, want, SHAPE_LEN) != 0;
    if (err == OMP_ERR_NVM_CORRUPT && changed) {
        err = reconfigure(m, &pc, r, have, ro);
    }
    if (err != OMP_OK || ro || (len == SHAPE_LEN && !changed)) {
        return err;
    }
    return omp_store_write(&m->settings, OMP_METER_KEY_LP_SHAPE, want, SHAPE_LEN);
}

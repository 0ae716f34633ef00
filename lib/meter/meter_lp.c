/*
 * The meter's profiles (docs/logger.md): the load profile 1.1.99.1.0.255 (channels from the type
 * number's X9, period Z4, sized for the data sheet's depth) and the analysis logger
 * 1.1.99.1.1.255 (its channels and interval from the configuration, the interval means closed at
 * each of its period ends); each period's capture, whose values the meter reads through the data
 * dictionary (a profile reads no service); and a change of a profile's shape, which deletes it.
 */
#include <string.h>

#include "omnipower/mcfg.h"
#include "omnipower/meter.h"

#include "meter_priv.h"

#define LP_TAG 0x504Cu     /* "LP": the load profile's sector headers */
#define AN_TAG 0x4E41u     /* "AN": the analysis logger's */
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

const struct omp_profile *omp_meter_analysis_log(const struct omp_meter *m)
{
    return m != NULL && m->cfg.an_sectors != 0u ? &m->an : NULL;
}

/* An analysis channel's largest change in a period, by its object (what sizes the depth): an
 * energy register Imax power over the period, U, I, powers, PF and f their ranges in the
 * dictionary's resolution, anything else 32 bits. */
static uint64_t an_step(const uint8_t *obis, uint32_t period_s)
{
    const uint8_t c = obis[2], d = obis[3];
    if (d == 8u) {
        return ((uint64_t)IMAX_W * period_s + 3599u) / 3600u;
    }
    if (d == 7u || d == 25u) {
        return c == 32u ? 6000u               /* 0.1 V */
               : c == 31u ? 12000u            /* 0.01 A */
               : c == 13u || c == 33u ? 1000u /* 0.001 */
               : c == 14u ? 7000u             /* 0.01 Hz */
                          : 30000u;           /* W, var, VA */
    }
    return UINT32_MAX;
}

void omp_meter_priv_an_cfg(const struct omp_meter_cfg *c, struct omp_profile_cfg *p)
{
    memset(p, 0, sizeof *p);
    p->tag = AN_TAG;
    p->period_s = (uint32_t)c->an_period_min * 60u;
    p->offset_s = c->utc_offset_min * 60;
    p->columns = c->an_channels <= OMP_PLOG_COLUMNS_MAX ? c->an_channels : 0u;
    for (unsigned k = 0; k < p->columns; k++) {
        memcpy(p->col[k].obis, c->an_channel[k].obis, 6u);
        p->col[k].attr = c->an_channel[k].attr;
        p->col[k].kind = c->an_channel[k].obis[3] == 8u ? OMP_PLOG_COUNTER : OMP_PLOG_SIGNED;
        p->col[k].max_step = an_step(c->an_channel[k].obis, p->period_s);
    }
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

/* Capture profile @p p's entry of the period ending at @p end, read through the dictionary. */
static void capture(struct omp_meter *m, struct omp_profile *p, omp_time_s end)
{
    struct omp_cosem_src src;
    omp_meter_priv_src(m, &src);
    int64_t v[OMP_PLOG_COLUMNS_MAX];
    for (unsigned k = 0; k < p->cfg.columns; k++) {
        v[k] = value_of(&src, &p->cfg.col[k]);
    }
    omp_err err = omp_profile_capture(p, end, v);
    (void)err; /* a damaged NVM refuses it (the meter says so); a HAL error loses this entry */
}

void omp_meter_priv_lp_second(struct omp_meter *m, omp_time_s utc, bool valid)
{
    omp_time_s end;
    if (!valid) {
        return;
    }
    if (m->cfg.lp_sectors != 0u && omp_profile_due(&m->lp, utc, &end)) {
        capture(m, &m->lp, end);
    }
    if (m->cfg.an_sectors != 0u && omp_profile_due(&m->an, utc, &end)) {
        omp_means_close(&m->means); /* its channels read the interval's means */
        capture(m, &m->an, end);
    }
}

/* Open profile @p p (configuration @p pc) on @p r, its configuration kept under settings key
 * @p key; a change deletes it. The change is kept in @p change (read-write only) and logged by
 * omp_meter_priv_lp_events() once the clock has its time. */
static omp_err profile_open(struct omp_meter *m, struct omp_profile *p,
                            const struct omp_profile_cfg *pc, const struct omp_nvm_region *r,
                            uint16_t key, bool ro, enum omp_profile_change *change)
{
    if (r->sectors == 0u) {
        return OMP_OK;
    }
    enum omp_profile_change ch = OMP_PROFILE_SAME;
    omp_err err = omp_profile_open_kept(p, pc, r, &m->settings, key, ro, &ch);
    if (!ro) {
        *change = ch;
    }
    return err;
}

void omp_meter_priv_lp_events(struct omp_meter *m)
{
    /* technical facts 3.5: the load profile's event (LoadProfileEventStatus 5: interval
     * changed, 2: channel set changed); the analysis logger's deletion is a clear of it */
    if (m->lp_change == OMP_PROFILE_INTERVAL || m->lp_change == OMP_PROFILE_RECONFIGURED) {
        omp_clock_event(&m->clock, OMP_EV_LP_EVENT,
                        m->lp_change == OMP_PROFILE_INTERVAL ? 5u : 2u, 0u);
    }
    if (m->an_change == OMP_PROFILE_INTERVAL || m->an_change == OMP_PROFILE_RECONFIGURED) {
        omp_clock_event(&m->clock, OMP_EV_LOG_CLEARED, OMP_METER_LOG_AN, 0u);
    }
    m->lp_change = OMP_PROFILE_SAME; /* each logged once */
    m->an_change = OMP_PROFILE_SAME;
}

/* Profile configuration @p pc with the period written over the ports, if any (@p an: the
 * analysis logger's): the columns' largest change follows the period. */
static void written_period(const struct omp_meter *m, bool an, struct omp_profile_cfg *pc)
{
    uint32_t v = 0;
    if (omp_dlms_params_get(&m->params, an ? OMP_PARAM_AN_PERIOD : OMP_PARAM_LP_PERIOD, &v)) {
        pc->period_s = v;
    }
    for (unsigned k = 0; k < pc->columns; k++) {
        pc->col[k].max_step = an_step(pc->col[k].obis, pc->period_s);
    }
}

omp_err omp_meter_priv_lp_reopen(struct omp_meter *m, bool an)
{
    struct omp_profile *p = an ? &m->an : &m->lp;
    const struct omp_nvm_region r = p->log.rgn;
    struct omp_profile_cfg pc;
    if (an) {
        omp_meter_priv_an_cfg(&m->cfg, &pc);
    } else {
        omp_meter_priv_lp_cfg(&m->cfg, &pc);
    }
    written_period(m, an, &pc);
    omp_err err = profile_open(m, p, &pc, &r, an ? OMP_METER_KEY_AN_SHAPE : OMP_METER_KEY_LP_SHAPE,
                               false, an ? &m->an_change : &m->lp_change);
    omp_meter_priv_lp_events(m);
    return err;
}

omp_err omp_meter_priv_lp_open(struct omp_meter *m, const struct omp_nvm_region *lp,
                               const struct omp_nvm_region *an, bool ro)
{
    struct omp_profile_cfg pc;
    omp_meter_priv_lp_cfg(&m->cfg, &pc);
    written_period(m, false, &pc);
    omp_err err = profile_open(m, &m->lp, &pc, lp, OMP_METER_KEY_LP_SHAPE, ro, &m->lp_change);
    if (err != OMP_OK && err != OMP_ERR_NVM_CORRUPT) {
        return err;
    }
    omp_meter_priv_an_cfg(&m->cfg, &pc);
    written_period(m, true, &pc);
    omp_err e2 = profile_open(m, &m->an, &pc, an, OMP_METER_KEY_AN_SHAPE, ro, &m->an_change);
    return e2 != OMP_OK ? e2 : err;
}

/*
 * Profiles on the packed log: periods of normal time, the LoggerStatus and DataQuality words,
 * entry numbering for DLMS and for the OMNIPOWER, time-range reads (logger.h, docs/logger.md).
 */
#include <string.h>

#include "omnipower/logger.h"

#define DAY_S 86400

static omp_time_s floor_div(omp_time_s a, omp_time_s b)
{
    omp_time_s q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

static void def_of(const struct omp_profile_cfg *cfg, struct omp_plog_def *def)
{
    memset(def, 0, sizeof *def);
    def->tag = cfg->tag;
    def->columns = cfg->columns;
    def->period_s = cfg->period_s;
    for (unsigned k = 0; k < cfg->columns && k < OMP_PLOG_COLUMNS_MAX; k++) {
        def->kind[k] = cfg->col[k].kind;
        def->max_step[k] = cfg->col[k].max_step;
    }
}

static bool cfg_ok(const struct omp_profile_cfg *cfg)
{
    if (cfg->period_s < 60u || cfg->period_s > (uint32_t)DAY_S ||
        (uint32_t)DAY_S % cfg->period_s != 0u || cfg->offset_s % 60 != 0 ||
        cfg->offset_s < -DAY_S || cfg->offset_s > DAY_S || cfg->columns == 0u ||
        cfg->columns > OMP_PLOG_COLUMNS_MAX) {
        return false;
    }
    for (unsigned k = 0; k < cfg->columns; k++) {
        if (cfg->col[k].kind > OMP_PLOG_SIGNED) {
            return false;
        }
    }
    return true;
}

uint32_t omp_profile_capacity(const struct omp_profile_cfg *cfg,
                              const struct omp_nvm_geometry *geo, uint32_t sectors)
{
    if (cfg == NULL || geo == NULL || !cfg_ok(cfg)) {
        return 0u;
    }
    struct omp_plog_def def;
    def_of(cfg, &def);
    return omp_plog_capacity(&def, geo, sectors);
}

omp_err omp_profile_open(struct omp_profile *p, const struct omp_profile_cfg *cfg,
                         const struct omp_nvm_region *r, bool read_only)
{
    if (p == NULL || cfg == NULL || r == NULL || !cfg_ok(cfg)) {
        return OMP_ERR_ARG;
    }
    memset(p, 0, sizeof *p);
    p->cfg = *cfg;
    struct omp_plog_def def;
    def_of(cfg, &def);
    return omp_plog_open(&p->log, r, &def, read_only);
}

void omp_profile_power_up(struct omp_profile *p)
{
    if (p != NULL) {
        p->quality |= OMP_LP_DQ_OUTAGE;
        p->next_end = 0;
    }
}

void omp_profile_clock_set(struct omp_profile *p, omp_time_s old_utc, omp_time_s new_utc)
{
    if (p == NULL) {
        return;
    }
    omp_time_s d = new_utc - old_utc, a = d < 0 ? -d : d;
    uint32_t bits = a < 7 ? 0u
                    : a < 15 ? OMP_LP_DQ_CLOCK_7_15
                    : a < 30 ? OMP_LP_DQ_CLOCK_15_30
                    : a < 60 ? OMP_LP_DQ_CLOCK_30_60
                             : OMP_LP_DQ_CLOCK_OVER_60;
    if (bits != 0u) {
        bits |= d > 0 ? OMP_LP_DQ_CLOCK_FORWARD : OMP_LP_DQ_CLOCK_BACKWARD;
    }
    p->quality |= bits;
    p->next_end = -1; /* the periods restart from the new time */
}

void omp_profile_reconfigured(struct omp_profile *p, bool interval_changed)
{
    if (p != NULL) {
        p->status |= (uint16_t)(OMP_LP_ST_RECONFIGURED |
                                (interval_changed ? OMP_LP_ST_INTERVAL_CHANGED : 0u));
    }
}

void omp_profile_mark(struct omp_profile *p, uint32_t dq)
{
    if (p != NULL) {
        p->quality |= dq;
    }
}

bool omp_profile_due(struct omp_profile *p, omp_time_s utc, omp_time_s *end)
{
    if (p == NULL || end == NULL) {
        return false;
    }
    omp_time_s per = (omp_time_s)p->cfg.period_s, off = p->cfg.offset_s;
    omp_time_s b = floor_div(utc + off, per) * per - off; /* the newest period end <= utc */
    if (p->next_end <= 0) {
        /* a period end passed unseen gets no entry (no filling): at a start one at this very
         * second too (the meter was not running in it), after a clock set not (it ran through
         * it); after a clock set back none before the newest entry's either: no time twice */
        omp_time_s seen = p->next_end < 0 ? floor_div(utc - 1 + off, per) * per - off : b;
        omp_time_s after = p->log.have_last ? p->log.last.t + per : seen + per;
        p->next_end = after > seen + per ? after : seen + per;
    }
    if (utc < p->next_end) {
        return false;
    }
    *end = b;
    return true;
}

omp_err omp_profile_capture(struct omp_profile *p, omp_time_s end, const int64_t *v)
{
    if (p == NULL || v == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_plog_entry e;
    memset(&e, 0, sizeof e);
    e.t = end;
    e.quality = p->quality;
    e.status = p->status;
    if (p->log.have_last && end != p->log.last.t + (omp_time_s)p->cfg.period_s) {
        e.status |= OMP_LP_ST_DISCONTINUITY; /* periods missing (or repeated) before it */
    }
    memcpy(e.v, v, p->cfg.columns * sizeof v[0]);
    p->next_end = end + (omp_time_s)p->cfg.period_s;
    omp_err err = omp_plog_append(&p->log, &e);
    if (err == OMP_OK) {
        p->status = 0;
        p->quality = 0;
        p->captures++;
    }
    return err;
}

uint32_t omp_profile_no_of_index(const struct omp_profile *p, uint32_t index)
{
    return p == NULL ? 0u : omp_plog_no_of_index(&p->log, index);
}

uint32_t omp_profile_no_of_age(const struct omp_profile *p, uint32_t age)
{
    return p == NULL ? 0u : omp_plog_no_of_age(&p->log, age);
}

omp_err omp_profile_next_in(const struct omp_profile *p, struct omp_plog_cursor *c,
                            omp_time_s from, omp_time_s to, struct omp_plog_entry *out,
                            uint32_t *no)
{
    return p == NULL ? OMP_ERR_ARG : omp_plog_next_in(&p->log, c, from, to, out, no);
}

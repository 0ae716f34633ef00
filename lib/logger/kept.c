/*
 * A profile whose configuration is kept beside its region (logger.h, omp_profile_open_kept): a
 * change of configuration deletes the profile instead of reading as damage (docs/logger.md).
 */
#include <string.h>

#include "omnipower/logger.h"

/* The configuration as kept: version, columns, period (s, u32 LE), then each column's OBIS code
 * and attribute. */
#define SHAPE_MAX (6u + 7u * OMP_PLOG_COLUMNS_MAX)

static size_t shape_of(const struct omp_profile_cfg *p, uint8_t *out)
{
    out[0] = 1u;
    out[1] = p->columns;
    for (unsigned k = 0; k < 4u; k++) {
        out[2u + k] = (uint8_t)(p->period_s >> (8u * k));
    }
    for (unsigned k = 0; k < p->columns; k++) {
        memcpy(out + 6u + 7u * k, p->col[k].obis, 6u);
        out[12u + 7u * k] = p->col[k].attr;
    }
    return 6u + 7u * (size_t)p->columns;
}

/* Erase the region and open it empty, the next entry marked. */
static omp_err restart(struct omp_profile *p, const struct omp_profile_cfg *cfg,
                       const struct omp_nvm_region *r, bool interval)
{
    struct omp_nvm_geometry geo;
    omp_err err = r->ops->nvm_geometry(r->user, &geo);
    for (uint32_t i = 0; err == OMP_OK && i < r->sectors; i++) {
        err = r->ops->nvm_erase(r->user, r->base + i * geo.sector_size);
    }
    if (err == OMP_OK) {
        err = omp_profile_open(p, cfg, r, false);
    }
    omp_profile_reconfigured(p, interval);
    return err;
}

omp_err omp_profile_open_kept(struct omp_profile *p, const struct omp_profile_cfg *cfg,
                              const struct omp_nvm_region *r, struct omp_store *kept,
                              uint16_t key, bool read_only, enum omp_profile_change *change)
{
    if (p == NULL || cfg == NULL || r == NULL || kept == NULL || change == NULL) {
        return OMP_ERR_ARG;
    }
    uint8_t want[SHAPE_MAX], have[SHAPE_MAX];
    size_t len = 0, n = shape_of(cfg, want);
    *change = OMP_PROFILE_SAME;
    omp_err err = omp_store_read_opt(kept, key, have, sizeof have, &len);
    if (err != OMP_OK) {
        return err;
    }
    err = omp_profile_open(p, cfg, r, read_only);
    if (err != OMP_OK && err != OMP_ERR_NVM_CORRUPT) {
        return err;
    }
    if (len == 0u) {
        *change = OMP_PROFILE_FIRST;
    } else if (len != n || memcmp(have, want, n) != 0) {
        /* the interval alone: the same columns of the same objects */
        bool interval = len == n && have[1] == want[1] && memcmp(have + 6, want + 6, n - 6u) == 0;
        *change = interval ? OMP_PROFILE_INTERVAL : OMP_PROFILE_RECONFIGURED;
        p->log.stats.damaged = 0; /* another configuration's region, not damage */
        err = read_only ? OMP_OK : restart(p, cfg, r, interval);
    }
    if (err != OMP_OK || read_only || *change == OMP_PROFILE_SAME) {
        return err;
    }
    return omp_store_write(kept, key, want, n);
}

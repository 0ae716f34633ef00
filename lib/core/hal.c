/* Checks of the HAL contract shared by every module that takes a struct omp_hal. */
#include "omnipower/hal.h"

omp_err omp_hal_check(const struct omp_hal *hal)
{
    if (hal == NULL || hal->ops == NULL) {
        return OMP_ERR_ARG;
    }
    const struct omp_hal_ops *o = hal->ops;
    if (o->nvm_geometry == NULL || o->nvm_read == NULL || o->nvm_program == NULL ||
        o->nvm_erase == NULL || o->crit_enter == NULL || o->crit_exit == NULL) {
        return OMP_ERR_UNSUPPORTED;
    }
    return OMP_OK;
}

static bool is_pow2(uint32_t v)
{
    return v != 0u && (v & (v - 1u)) == 0u;
}

omp_err omp_hal_nvm_geometry(const struct omp_hal *hal, struct omp_nvm_geometry *geo)
{
    if (hal == NULL || hal->ops == NULL || geo == NULL) {
        return OMP_ERR_ARG;
    }
    if (hal->ops->nvm_geometry == NULL) {
        return OMP_ERR_UNSUPPORTED;
    }
    struct omp_nvm_geometry g = { 0 };
    omp_err err = hal->ops->nvm_geometry(hal->user, &g);
    if (err != OMP_OK) {
        return err;
    }
    uint32_t pu = g.program_unit;
    bool unit_ok = (pu == 1u || pu == 2u || pu == 4u || pu == 8u || pu == 16u);
    if (g.size == 0u || !is_pow2(g.sector_size) || (g.size % g.sector_size) != 0u || !unit_ok ||
        (g.sector_size % pu) != 0u) {
        return OMP_ERR_RANGE;
    }
    *geo = g;
    return OMP_OK;
}

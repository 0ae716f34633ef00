/* omnipower-sim: the logs in the NVM. See sim_logs.h and docs/simulator.md "The NVM file". */
#include "sim_logs.h"

#include <string.h>

#define SECTOR OMP_POSIX_NVM_SECTOR_SIZE

/* ---- the NVM plan --------------------------------------------------------------------------- */

/* Sectors the load profile of @p codes needs for the data sheet's depth, the most any Z4 needs:
 * Z4 may change from run to run, the region may not (0: none possible). */
static uint32_t lp_need(const struct omp_mcfg *codes, const struct omp_nvm_geometry *geo)
{
    static const uint8_t k_periods[4] = { 5u, 15u, 30u, 60u };
    struct omp_meter_cfg cfg;
    omp_meter_cfg_default(&cfg);
    if (omp_meter_cfg_from_codes(&cfg, codes, NULL) != OMP_OK) {
        return 0u;
    }
    uint32_t most = 0u;
    for (unsigned k = 0; k < 4u; k++) {
        cfg.demand_period_min = k_periods[k];
        const uint32_t n = omp_meter_lp_sectors(&cfg, geo);
        if (n == 0u) {
            return 0u;
        }
        most = n > most ? n : most;
    }
    return most;
}

uint32_t sim_nvm_default_size(const struct sim_nvm_plan *p)
{
    const uint32_t logs = p->lp_need + SIM_AN_SECTORS + OMP_EVLOG_COUNT * p->ev_need;
    return SIM_NVM_REGS_SIZE + logs * SECTOR;
}

uint32_t sim_nvm_sectors(const struct sim_nvm_plan *p)
{
    return SIM_NVM_REGS_SIZE / SECTOR + p->lp + p->an + OMP_EVLOG_COUNT * p->ev;
}

uint32_t sim_nvm_plan(struct sim_nvm_plan *p, const struct omp_mcfg *codes, uint32_t nvm_size)
{
    struct omp_nvm_geometry geo;
    omp_posix_nvm_default_geometry(&geo);
    geo.size = SIM_NVM_SIZE_MAX - SIM_NVM_REGS_SIZE; /* room for any log */
    memset(p, 0, sizeof *p);
    p->lp_need = lp_need(codes, &geo);
    p->ev_need = omp_evlog_sectors(&geo);
    if (nvm_size == 0u) {
        nvm_size = sim_nvm_default_size(p);
    }
    const uint32_t beyond = (nvm_size - SIM_NVM_REGS_SIZE) / SECTOR;
    const uint32_t tail = SIM_AN_SECTORS + OMP_EVLOG_COUNT * p->ev_need;
    if (p->lp_need < 2u || p->ev_need < 2u || beyond < p->lp_need) {
        return nvm_size; /* the registers alone (a file from before the load profile) */
    }
    if (beyond >= p->lp_need + tail) { /* every log; the load profile takes what is left */
        p->lp = beyond - tail;
        p->an = SIM_AN_SECTORS;
        p->ev = p->ev_need;
    } else { /* a file from before the analysis logger and the event logs */
        p->lp = beyond;
    }
    return nvm_size;
}

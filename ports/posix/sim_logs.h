/* omnipower-sim: the logs its NVM keeps and where (docs/simulator.md "The NVM file"), and the
 * analysis logger's channels and interval from the command line (--analysis, --analysis-period).
 * Usage errors print one line and a hint on stderr and give exit status 2. Private to the
 * simulator (ports/posix). */
#ifndef OMNIPOWER_SIM_LOGS_H
#define OMNIPOWER_SIM_LOGS_H

#include <stdbool.h>
#include <stdint.h>

#include "omnipower/mcfg.h"
#include "omnipower/meter.h"
#include "omnipower/port_posix.h"

/** The registers' regions: journal, mirror, settings store, billing log (64 KiB, the same at
 *  every size). */
#define SIM_NVM_REGS_SIZE OMP_POSIX_NVM_SIZE
/** The analysis logger's region, whatever its channels and interval: 32 sectors (128 KiB), at
 *  least 6.0 days for 16 channels at 5 min, 597 days for one at 60 min. */
#define SIM_AN_SECTORS 32u
/** --nvm-size at most (4096 sectors). */
#define SIM_NVM_SIZE_MAX (16u * 1024u * 1024u)

/** Where the logs are in an NVM of a given size: the registers' 64 KiB, the load profile, the
 *  analysis logger, the five event logs. Sizes depend on the NVM's size and the type number's
 *  X9 only (legal data), never on Z4 or --analysis, so no run moves another run's regions. */
struct sim_nvm_plan {
    uint32_t lp_need;  /**< sectors the load profile needs for the data sheet's depth at any Z4 */
    uint32_t ev_need;  /**< sectors each event log needs for OMP_EVLOG_DEPTH events */
    uint32_t lp;       /**< this NVM's load profile region (sectors; 0: none) */
    uint32_t an;       /**< the analysis logger's (0 or SIM_AN_SECTORS) */
    uint32_t ev;       /**< each event log's (0 or ev_need) */
};

/** The plan for an NVM of @p nvm_size bytes (0: the default size) and the configuration
 *  @p codes. @return the NVM's size (the default one for 0). */
uint32_t sim_nvm_plan(struct sim_nvm_plan *p, const struct omp_mcfg *codes, uint32_t nvm_size);

/** The default --nvm-size of plan @p p: every log at its size. */
uint32_t sim_nvm_default_size(const struct sim_nvm_plan *p);

/** The sectors of the meter's share (cfg.nvm_sectors) in plan @p p. */
uint32_t sim_nvm_sectors(const struct sim_nvm_plan *p);

/** --analysis and --analysis-period. */
struct sim_analysis {
    const char *list;          /**< --analysis as given; NULL: the meter's default channels */
    uint8_t channels;          /**< 1..16 when list */
    struct omp_cosem_ref channel[OMP_PLOG_COLUMNS_MAX];
    uint8_t period_min;        /**< --analysis-period; 0: the meter's default (15) */
};

/** --analysis @p arg: OBIS codes `C.D.E`, `A-B:C.D.E*F` or `A.B.C.D.E.F`, comma-separated, each
 *  a number the meter itself reads (attribute 2). @return -1 (taken), or 2 after a message. */
int sim_analysis_option(struct sim_analysis *a, const char *arg);

/** --analysis-period @p arg: 5, 15, 30 or 60. @return -1 (taken), or 2 after a message. */
int sim_analysis_period_option(struct sim_analysis *a, const char *arg);

/** Write what @p a gives into @p cfg (its analysis channels and interval). */
void sim_analysis_apply(const struct sim_analysis *a, struct omp_meter_cfg *cfg);

#endif /* OMNIPOWER_SIM_LOGS_H */

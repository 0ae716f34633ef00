/**
 * @file meter_nvm.h
 * @brief The board of fuzz/fuzz_meter_nvm.c, shared with its seed generator fuzz/gen_meter_nvm.c
 * so the seeds are images of exactly the meter the target starts.
 *
 * NVM: 34 sectors of 1 KiB, program unit 8, erase value 0xFF, the meter's share all of it: the
 * smallest meter this geometry allows, so every byte of an input is the meter's. The split, as
 * docs/storage.md "The meter's regions" gives it (worked out here, not asked of the library):
 * - billing log: OMP_CONFIG_BILLING_DEPTH entries + 1 sector; an entry is a record of
 *   OMP_REGS_SNAPSHOT_LEN bytes (default 36 entries of 304 bytes: round_up(12 + 304 + 4, 8) = 320
 *   bytes, (1024 - 16) / 320 = 3 per sector, 36 / 3 + 1 = 13 sectors);
 * - settings store: 6 sectors of 1 KiB (docs/storage.md; worked out below);
 * - mirror: omp_regs_mirror_sectors(): a 472-byte entry record, 2 per 1 KiB sector, a checkpoint
 *   every 5 minutes + 10 % for 20 years at 100 000 cycles: ceil(2 314 176 / 200 000) = 12 sectors;
 * - register journal: the rest (default 34 - 13 - 6 - 12 = 3 sectors), first, then the mirror,
 *   the settings store and the billing log.
 * The target checks this split against omp_meter_nvm_info().
 */
#ifndef OMNIPOWER_FUZZ_METER_NVM_H
#define OMNIPOWER_FUZZ_METER_NVM_H

#include <string.h>

#include "omnipower/hal_fakes.h"
#include "omnipower/meter.h"

#define MN_SECTOR 1024u
#define MN_SECTORS 34u
#define MN_SIZE (MN_SECTOR * MN_SECTORS)
/* billing log: an entry's record is round_up(12 + len + 4, 8) bytes, (1024 - 16) / that per
 * sector, OMP_CONFIG_BILLING_DEPTH of them + the sector a ring keeps free */
#define MN_LOG_REC ((12u + OMP_REGS_SNAPSHOT_LEN + 4u + 7u) / 8u * 8u)
#define MN_LOG_PER ((MN_SECTOR - 16u) / MN_LOG_REC)
#define MN_LOG (((uint32_t)OMP_CONFIG_BILLING_DEPTH + MN_LOG_PER - 1u) / MN_LOG_PER + 1u)
/* settings store: twice its live records (two calendars, the state, the display lists: 1920
 * bytes of records with the default sizes and unit 8) over 1024 - 16 - 64 usable bytes a sector,
 * plus the free sector: ceil(3840 / 944) + 1 = 6 */
#define MN_SETTINGS 6u
#define MN_MIRROR 12u
#define MN_JOURNAL (MN_SECTORS - MN_SETTINGS - MN_MIRROR - MN_LOG) /* first; the default: 3 */
/* 2024-01-15T12:00:00Z, a Monday in winter (local 13:00 CET) */
#define MN_T_START ((omp_time_s)1705320000)

static const struct omp_nvm_geometry mn_geo = {
    .size = MN_SIZE, .sector_size = MN_SECTOR, .program_unit = 8u, .erase_value = 0xFFu,
    .erase_cycles = 100000u,
};

/* The factory configuration at 4000 samples/s; User Data 2 holds only the meter status and A+,
 * so a readout of the data dictionary over the optical port is short. */
static void mn_cfg(struct omp_meter_cfg *cfg)
{
    omp_meter_cfg_default(cfg);
    cfg->meter_number = 12345678u;
    cfg->sample_rate_hz = 4000u;
    static const struct omp_cosem_ref k_ud2[2] = {
        {{1, 1, 97, 97, 0, 255}, 2u}, /* meter status */
        {{1, 1, 1, 8, 0, 255}, 2u},   /* A+ */
    };
    cfg->optical_ud2_len = 2u;
    memcpy(cfg->optical_ud2, k_ud2, sizeof k_ud2);
}

#endif /* OMNIPOWER_FUZZ_METER_NVM_H */

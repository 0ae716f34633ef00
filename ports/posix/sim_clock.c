/* The simulated clock kept in NVM: 16-byte records appended in one sector reserved for the
 * simulator, so a second run with the same NVM continues at the time the first one stopped. */
#include "omnipower/posix_sim.h"

#define CLOCK_MAGIC 0x4B4C4353u /* "SCLK" little-endian */

static bool record_erased(const uint8_t *r, uint8_t erase_value)
{
    for (size_t i = 0; i < OMP_SIM_CLOCK_RECORD_SIZE; i++) {
        if (r[i] != erase_value) {
            return false;
        }
    }
    return true;
}

static bool record_decode(const uint8_t *r, omp_time_s *utc_s)
{
    struct omp_rd rd = omp_rd_init(r, OMP_SIM_CLOCK_RECORD_SIZE);
    uint32_t magic = 0, crc = 0, lo = 0, hi = 0;
    if (omp_rd_u32le(&rd, &magic) != OMP_OK || omp_rd_u32le(&rd, &lo) != OMP_OK ||
        omp_rd_u32le(&rd, &hi) != OMP_OK || omp_rd_u32le(&rd, &crc) != OMP_OK) {
        return false;
    }
    if (magic != CLOCK_MAGIC || crc != omp_crc32(r, 12u)) {
        return false;
    }
    *utc_s = (omp_time_s)(((uint64_t)hi << 32) | lo);
    return true;
}

/* Scan the sector: newest valid record and the index after the last written slot. */
static omp_err scan(const struct omp_hal *hal, uint32_t sector_addr, struct omp_nvm_geometry *geo,
                    bool *found, omp_time_s *utc_s, uint32_t *next_slot)
{
    omp_err err = omp_hal_nvm_geometry(hal, geo);
    if (err != OMP_OK) {
        return err;
    }
    if (sector_addr % geo->sector_size != 0u || sector_addr >= geo->size ||
        geo->sector_size < OMP_SIM_CLOCK_RECORD_SIZE ||
        OMP_SIM_CLOCK_RECORD_SIZE % geo->program_unit != 0u) {
        return OMP_ERR_ARG;
    }
    uint32_t slots = geo->sector_size / OMP_SIM_CLOCK_RECORD_SIZE;
    *found = false;
    *next_slot = 0;
    for (uint32_t i = 0; i < slots; i++) {
        uint8_t r[OMP_SIM_CLOCK_RECORD_SIZE];
        err = hal->ops->nvm_read(hal->user, sector_addr + i * OMP_SIM_CLOCK_RECORD_SIZE, r,
                                 sizeof r);
        if (err != OMP_OK) {
            return err;
        }
        if (record_erased(r, geo->erase_value)) {
            continue;
        }
        *next_slot = i + 1u; /* torn or valid: never program over it again */
        omp_time_s t = 0;
        if (record_decode(r, &t)) {
            *found = true;
            *utc_s = t;
        }
    }
    return OMP_OK;
}

omp_err omp_sim_clock_load(const struct omp_hal *hal, uint32_t sector_addr, omp_time_s *utc_s)
{
    if (hal == NULL || hal->ops == NULL || utc_s == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_nvm_geometry geo;
    bool found = false;
    omp_time_s t = 0;
    uint32_t next = 0;
    omp_err err = scan(hal, sector_addr, &geo, &found, &t, &next);
    if (err != OMP_OK) {
        return err;
    }
    if (!found) {
        return OMP_ERR_NOT_FOUND;
    }
    *utc_s = t;
    return OMP_OK;
}

omp_err omp_sim_clock_store(const struct omp_hal *hal, uint32_t sector_addr, omp_time_s utc_s)
{
    if (hal == NULL || hal->ops == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_nvm_geometry geo;
    bool found = false;
    omp_time_s t = 0;
    uint32_t next = 0;
    omp_err err = scan(hal, sector_addr, &geo, &found, &t, &next);
    if (err != OMP_OK) {
        return err;
    }
    if (next >= geo.sector_size / OMP_SIM_CLOCK_RECORD_SIZE) {
        err = hal->ops->nvm_erase(hal->user, sector_addr);
        if (err != OMP_OK) {
            return err;
        }
        next = 0;
    }
    uint8_t r[OMP_SIM_CLOCK_RECORD_SIZE];
    struct omp_wr w = omp_wr_init(r, sizeof r);
    uint64_t u = (uint64_t)utc_s;
    (void)omp_wr_u32le(&w, CLOCK_MAGIC);
    (void)omp_wr_u32le(&w, (uint32_t)u);
    (void)omp_wr_u32le(&w, (uint32_t)(u >> 32));
    (void)omp_wr_u32le(&w, omp_crc32(r, 12u));
    if (omp_wr_status(&w) != OMP_OK) {
        return OMP_ERR_INTERNAL;
    }
    return hal->ops->nvm_program(hal->user, sector_addr + next * OMP_SIM_CLOCK_RECORD_SIZE, r,
                                 sizeof r);
}

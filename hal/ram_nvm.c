/*
 * RAM-backed NVM with NOR-flash semantics and power-cut injection (see hal_fakes.h).
 *
 * - program: bits can only move away from the erased value: new = old & data for erase value
 *   0xFF (NOR), old | data for 0x00, per bit in general; byte by byte; addr and len must be
 *   multiples of program_unit and inside the device (else OMP_ERR_ARG, nothing programmed).
 * - erase: the whole sector containing addr becomes erase_value; erase_counts[sector]++.
 * - power cut: omp_ram_nvm_cut_after(n) makes the n-th byte programmed from then on the first one
 *   that does not reach the memory. That byte is left torn (its high nibble programmed, its low
 *   nibble not: old & (data | 0x0F) for erase value 0xFF), every byte before it in the same call is programmed, every
 *   byte after it untouched, the call returns OMP_ERR_POWER_LOST and every NVM op (geometry,
 *   read, program, erase) fails with OMP_ERR_POWER_LOST until omp_ram_nvm_power_on().
 *
 * Counters: program_calls/erase_calls/read_calls count calls made while powered (including ones
 * rejected with OMP_ERR_ARG); programmed_bytes counts bytes that reached the memory (not the
 * torn one).
 */
#include <string.h>

#include "omnipower/hal_fakes.h"

static bool is_pow2(uint32_t v)
{
    return v != 0u && (v & (v - 1u)) == 0u;
}

static bool geometry_ok(const struct omp_nvm_geometry *g)
{
    uint32_t pu = g->program_unit;
    bool unit_ok = (pu == 1u || pu == 2u || pu == 4u || pu == 8u || pu == 16u);
    return g->size != 0u && is_pow2(g->sector_size) && (g->size % g->sector_size) == 0u &&
           unit_ok && (g->sector_size % pu) == 0u;
}

/* true if [addr, addr+len) lies inside the device (no overflow). */
static bool in_bounds(const struct omp_ram_nvm *nvm, uint32_t addr, size_t len)
{
    return addr <= nvm->geo.size && len <= (size_t)(nvm->geo.size - addr);
}

omp_err omp_ram_nvm_init(struct omp_ram_nvm *nvm, uint8_t *mem, const struct omp_nvm_geometry *geo,
                         uint32_t *erase_counts)
{
    if (nvm == NULL || mem == NULL || geo == NULL || !geometry_ok(geo)) {
        return OMP_ERR_ARG;
    }
    struct omp_ram_nvm tmp = { 0 };
    tmp.mem = mem;
    tmp.geo = *geo;
    tmp.erase_counts = erase_counts;
    tmp.powered = true;
    if (erase_counts != NULL) {
        memset(erase_counts, 0, (size_t)(geo->size / geo->sector_size) * sizeof erase_counts[0]);
    }
    *nvm = tmp;
    return OMP_OK;
}

void omp_ram_nvm_format(struct omp_ram_nvm *nvm)
{
    if (nvm != NULL && nvm->mem != NULL) {
        memset(nvm->mem, nvm->geo.erase_value, nvm->geo.size);
    }
}

void omp_ram_nvm_cut_after(struct omp_ram_nvm *nvm, uint64_t nth)
{
    if (nvm == NULL) {
        return;
    }
    /* cut_at holds the absolute 1-based number of the byte that tears (0 = disarmed). */
    nvm->cut_at = (nth == 0u) ? 0u : nvm->programmed_bytes + nth;
}

void omp_ram_nvm_power_on(struct omp_ram_nvm *nvm)
{
    if (nvm != NULL) {
        nvm->powered = true;
    }
}

omp_err omp_ram_nvm_geometry(void *user, struct omp_nvm_geometry *geo)
{
    struct omp_ram_nvm *nvm = (struct omp_ram_nvm *)user;
    if (nvm == NULL || geo == NULL) {
        return OMP_ERR_ARG;
    }
    if (!nvm->powered) {
        return OMP_ERR_POWER_LOST;
    }
    *geo = nvm->geo;
    return OMP_OK;
}

omp_err omp_ram_nvm_read(void *user, uint32_t addr, void *dst, size_t len)
{
    struct omp_ram_nvm *nvm = (struct omp_ram_nvm *)user;
    if (nvm == NULL) {
        return OMP_ERR_ARG;
    }
    if (!nvm->powered) {
        return OMP_ERR_POWER_LOST;
    }
    nvm->read_calls++;
    if ((dst == NULL && len != 0u) || !in_bounds(nvm, addr, len)) {
        return OMP_ERR_ARG;
    }
    if (len != 0u) {
        memcpy(dst, nvm->mem + addr, len);
    }
    return OMP_OK;
}

/* Program @p data over @p old: bits set in the erase value @p e can only clear, the others only
 * set (NOR with e = 0xFF: old & data). */
static uint8_t nor_program(uint8_t old, uint8_t data, uint8_t e)
{
    return (uint8_t)((old & data & e) | ((old | data) & (uint8_t)~e));
}

omp_err omp_ram_nvm_program(void *user, uint32_t addr, const void *src, size_t len)
{
    struct omp_ram_nvm *nvm = (struct omp_ram_nvm *)user;
    if (nvm == NULL) {
        return OMP_ERR_ARG;
    }
    if (!nvm->powered) {
        return OMP_ERR_POWER_LOST;
    }
    nvm->program_calls++;
    uint32_t pu = nvm->geo.program_unit;
    if ((src == NULL && len != 0u) || (addr % pu) != 0u || (len % pu) != 0u ||
        !in_bounds(nvm, addr, len)) {
        return OMP_ERR_ARG;
    }
    const uint8_t *s = (const uint8_t *)src;
    for (size_t k = 0; k < len; k++) {
        uint8_t *cell = &nvm->mem[addr + k];
        if (nvm->cut_at != 0u && nvm->programmed_bytes + 1u == nvm->cut_at) {
            /* torn: the high nibble takes the data, the low nibble keeps the old value */
            uint8_t half = (uint8_t)((s[k] & 0xF0u) | (*cell & 0x0Fu));
            *cell = nor_program(*cell, half, nvm->geo.erase_value);
            nvm->cut_at = 0u;
            nvm->powered = false;
            return OMP_ERR_POWER_LOST;
        }
        *cell = nor_program(*cell, s[k], nvm->geo.erase_value);
        nvm->programmed_bytes++;
    }
    return OMP_OK;
}

omp_err omp_ram_nvm_erase(void *user, uint32_t addr)
{
    struct omp_ram_nvm *nvm = (struct omp_ram_nvm *)user;
    if (nvm == NULL) {
        return OMP_ERR_ARG;
    }
    if (!nvm->powered) {
        return OMP_ERR_POWER_LOST;
    }
    nvm->erase_calls++;
    if (addr >= nvm->geo.size) {
        return OMP_ERR_ARG;
    }
    uint32_t sector = addr / nvm->geo.sector_size;
    memset(nvm->mem + (size_t)sector * nvm->geo.sector_size, nvm->geo.erase_value,
           nvm->geo.sector_size);
    if (nvm->erase_counts != NULL) {
        nvm->erase_counts[sector]++;
    }
    return OMP_OK;
}

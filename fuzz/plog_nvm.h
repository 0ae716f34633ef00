/**
 * @file plog_nvm.h
 * @brief The packed log of fuzz/fuzz_plog.c, shared with its seed generator fuzz/gen_plog.c so the
 * seeds are images of exactly the log the target opens.
 *
 * NVM: 6 sectors of 1 KiB, program unit 8, erase value 0xFF, all of it the log's region. The log:
 * a load profile of 4 counters (A+, A-, R+, R-: up to 5750 Wh in 15 min) and a signed column (a
 * power in W, +-23 kW), period 900 s, tag 0x504C ("PL"). A stored entry takes at least 8 bytes (3,
 * padded to the unit), so the region never holds more than 6 * (1024 - 16) / 8 = 756 entries.
 *
 * Byte PL_SIZE of an input (one past the image) is not part of it: bit 0 set asks the target to
 * make the CRC of every entry right (pl_fix_entries), bit 1 the check of every sector header
 * (pl_fix_headers), so that mutations of the fields behind them are read as this log's.
 */
#ifndef OMNIPOWER_FUZZ_PLOG_NVM_H
#define OMNIPOWER_FUZZ_PLOG_NVM_H

#include <string.h>

#include "omnipower/hal_fakes.h"
#include "omnipower/plog.h"

#define PL_SECTOR 1024u
#define PL_SECTORS 6u
#define PL_SIZE (PL_SECTOR * PL_SECTORS)
#define PL_COLUMNS 5u
#define PL_TAG 0x504Cu
#define PL_PERIOD 900u
/* most entries the region can hold: every stored entry takes at least one 8-byte unit */
#define PL_ENTRIES_MAX (PL_SECTORS * (PL_SECTOR - 16u) / 8u)
/* 2027-01-01T00:00:00Z */
#define PL_T0 ((omp_time_s)1798761600)

static const struct omp_nvm_geometry pl_geo = {
    .size = PL_SIZE, .sector_size = PL_SECTOR, .program_unit = 8u, .erase_value = 0xFFu,
    .erase_cycles = 100000u,
};

static const struct omp_hal_ops pl_ops = {
    .nvm_geometry = omp_ram_nvm_geometry, .nvm_read = omp_ram_nvm_read,
    .nvm_program = omp_ram_nvm_program, .nvm_erase = omp_ram_nvm_erase,
};

static inline void pl_def(struct omp_plog_def *def)
{
    memset(def, 0, sizeof *def);
    def->tag = (uint16_t)PL_TAG;
    def->columns = (uint8_t)PL_COLUMNS;
    def->period_s = PL_PERIOD;
    for (unsigned k = 0; k < 4u; k++) {
        def->kind[k] = OMP_PLOG_COUNTER;
        def->max_step[k] = 5750u;
    }
    def->kind[4] = OMP_PLOG_SIGNED;
    def->max_step[4] = 46000u;
}

/* The whole NVM as the log's region. */
static inline struct omp_nvm_region pl_region(struct omp_ram_nvm *nvm)
{
    struct omp_nvm_region r = {&pl_ops, nvm, 0u, PL_SECTORS};
    return r;
}

/* The length of a stored entry of this log that starts with @p b0 (docs/storage.md "Packed
 * log"): b0 itself (4..OMP_PLOG_REC_MAX), or for a short entry (0xE0..0xEF) 3 + the bytes of
 * the packed fields after their first 4 bits: 4 x 13 bits (5750) + 17 (2 x 46000) = 69, so 12;
 * 0 for what no entry starts with. */
static inline uint32_t pl_entry_len(uint8_t b0)
{
    if ((b0 & 0xF0u) == 0xE0u) {
        return 3u + (4u * 13u + 17u - 4u + 7u) / 8u;
    }
    return b0 >= 4u && b0 <= OMP_PLOG_REC_MAX ? b0 : 0u;
}

/* Make the CRC of every stored entry of @p img right (each sector's entries from its header on,
 * by their first bytes, until one is erased or impossible): the fuzzer's way past the CRC-16
 * to the fields behind it, and the generator's to forge entries. */
static inline void pl_fix_entries(uint8_t *img)
{
    for (uint32_t s = 0; s < PL_SECTORS; s++) {
        uint8_t *sec = img + s * PL_SECTOR;
        uint32_t off = 16u;
        while (off + 3u <= PL_SECTOR) {
            uint32_t len = pl_entry_len(sec[off]);
            if (len == 0u || off + len > PL_SECTOR) {
                break;
            }
            uint16_t crc = omp_crc16_x25(sec + off, len - 2u);
            sec[off + len - 2u] = (uint8_t)crc;
            sec[off + len - 1u] = (uint8_t)(crc >> 8);
            off += (len + 7u) / 8u * 8u;
        }
    }
}

/* Make the check of every sector header of @p img that starts with the magic 0xB5 right
 * (docs/storage.md "On-NVM layout": bytes 6-7, the low 16 bits of the CRC-32 of bytes 0-5 and
 * 8-15), whatever its kind, tag, sequence and erase count say. */
static inline void pl_fix_headers(uint8_t *img)
{
    for (uint32_t s = 0; s < PL_SECTORS; s++) {
        uint8_t *h = img + s * PL_SECTOR;
        if (h[0] == 0xB5u) {
            uint32_t st = omp_crc32_update(OMP_CRC32_INIT, h, 6u);
            st = omp_crc32_update(st, h + 8, 8u);
            h[6] = (uint8_t)~st;
            h[7] = (uint8_t)(~st >> 8);
        }
    }
}

#endif /* OMNIPOWER_FUZZ_PLOG_NVM_H */

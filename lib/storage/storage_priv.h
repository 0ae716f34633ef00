/*
 * Shared on-NVM format of the store and the log (docs/storage.md has the diagram).
 *
 * Sector header (OMP_STORE_SECTOR_HDR = 16 bytes, little-endian, at the sector's first byte):
 *   0  0xB5 magic
 *   1  version << 4 | kind (1 store, 2 log)
 *   2  tag (log: its tag; store: the owner's tag, omp_store_open_tagged)
 *   4  length (log: entry_len; store: the number of sectors of its region)
 *   6  check: low 16 bits of CRC-32 over bytes 0..5 and 8..15
 *   8  sector sequence number (the head is the sector with the highest)
 *  12  erase count (wear statistics)
 *
 * Record (at a program_unit-aligned offset; records follow each other without gaps):
 *   0  0xA5 0x5A magic
 *   2  key (store) or tag (log)
 *   4  payload length
 *   6  record sequence number
 *  10  header check: low 16 bits of CRC-32 over bytes 0..9
 *  12  payload
 *  12+len  CRC-32 over header and payload
 *  then erase-value padding up to a multiple of program_unit.
 *
 * A header that is all erase value ends the records of a sector; a header whose check fails ends
 * them too (its length cannot be trusted); a record whose header checks but whose CRC does not is
 * skipped by its length (a payload torn by a power cut, a flipped bit).
 */
#ifndef OMNIPOWER_STORAGE_PRIV_H
#define OMNIPOWER_STORAGE_PRIV_H

#include "omnipower/storage.h"

#define OMP_STG_SECTOR_MAGIC 0xB5u
#define OMP_STG_VERSION 1u
#define OMP_STG_KIND_STORE 1u
#define OMP_STG_KIND_LOG 2u
#define OMP_STG_REC_MAGIC0 0xA5u
#define OMP_STG_REC_MAGIC1 0x5Au
/** Bytes moved per NVM call when streaming (a multiple of every program unit). */
#define OMP_STG_CHUNK 32u

/** Decoded sector header. */
struct omp_stg_sector {
    uint8_t kind;
    uint16_t tag;
    uint16_t len;
    uint32_t seq;
    uint32_t erases;
};

/** Result of loading one record. */
enum omp_stg_rec_state {
    OMP_STG_REC_OK = 0,  /**< header and CRC check */
    OMP_STG_REC_ERASED,  /**< the header is all erase value: no record here */
    OMP_STG_REC_BADHDR,  /**< header check, magic or length impossible: stop scanning the sector */
    OMP_STG_REC_BADCRC   /**< header fine, CRC fails: skip `size` bytes */
};

/** Decoded record header plus where it ends. */
struct omp_stg_rec {
    uint16_t key;
    uint16_t len;
    uint32_t seq;
    uint32_t size; /**< bytes on the NVM, header to padding (valid unless BADHDR/ERASED) */
};

/** NVM access shared by both containers; the count pointers may be NULL. */
struct omp_stg_io {
    const struct omp_nvm_region *rgn; /**< the container's NVM ops */
    const struct omp_nvm_geometry *geo;
    struct omp_storage_stats *stats; /**< bytes_programmed, erases, records_written */
    uint32_t *reads;                 /**< incremented per nvm_read (the open's scan), or NULL */
};

static inline uint16_t omp_stg_get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t omp_stg_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline void omp_stg_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void omp_stg_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* The helpers below live in store.c (the log links them from there). */

/** Bytes of a record with @p payload bytes: header + payload + CRC rounded up to program_unit. */
uint32_t omp_stg_rec_size(const struct omp_nvm_geometry *geo, size_t payload);

omp_err omp_stg_read(const struct omp_stg_io *io, uint32_t addr, void *dst, size_t len);
omp_err omp_stg_program(const struct omp_stg_io *io, uint32_t addr, const void *src, size_t len);
omp_err omp_stg_erase(const struct omp_stg_io *io, uint32_t addr);

/** Program a sector header at @p addr (the sector's first byte). */
omp_err omp_stg_sector_write(const struct omp_stg_io *io, uint32_t addr,
                             const struct omp_stg_sector *h);
/**
 * Read the sector header at @p addr. @p valid is set if it checks and is of @p kind (and, for
 * a log, of @p tag and @p len); @p blank if all 16 bytes are erase value.
 */
omp_err omp_stg_sector_read(const struct omp_stg_io *io, uint32_t addr, uint8_t kind,
                            uint16_t tag, uint16_t len, struct omp_stg_sector *h, bool *valid,
                            bool *blank);

/**
 * Load the record at @p addr, which has @p room bytes up to the end of its sector. If @p dst is
 * not NULL (and the header checks) the payload is copied there (at most @p cap bytes; callers
 * pass cap >= len). @p state tells what was found; the return value is a HAL error or OMP_OK.
 */
omp_err omp_stg_rec_load(const struct omp_stg_io *io, uint32_t addr, uint32_t room,
                         struct omp_stg_rec *rec, enum omp_stg_rec_state *state, void *dst,
                         size_t cap);

/** Program a record (header, payload, CRC, padding) at @p addr. */
omp_err omp_stg_rec_write(const struct omp_stg_io *io, uint32_t addr, uint16_t key, uint32_t seq,
                          const void *data, uint16_t len);

/**
 * The damage survey of a region before an open repairs anything: @p damaged gets the number of
 * sectors that are not erased, hold no valid header of this container (@p kind, @p tag, @p len)
 * and are not the one sector a power cut can leave torn (the one after the head). With no valid
 * header at all the region is new when every sector is erased or only a torn first header is
 * there; otherwise every sector that is not erased counts. Reads only.
 */
omp_err omp_stg_survey(const struct omp_stg_io *io, uint8_t kind, uint16_t tag, uint16_t len,
                       uint32_t *damaged);

/**
 * Offset (from @p addr) just past the last byte that is not erase value in [addr, addr+len), or
 * 0 if the range is blank.
 */
omp_err omp_stg_used_end(const struct omp_stg_io *io, uint32_t addr, uint32_t len, uint32_t *end);

/** Check the geometry and region shared by both opens; fills @p geo. */
omp_err omp_stg_region(const struct omp_nvm_region *r, struct omp_nvm_geometry *geo);

#endif /* OMNIPOWER_STORAGE_PRIV_H */

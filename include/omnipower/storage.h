/**
 * @file storage.h
 * @brief Power-fail-safe records over the HAL NVM: a journaled key/value store and a ring log.
 *
 * Two containers share one on-NVM record format (docs/storage.md has the layout and a diagram):
 *
 * - **Store** (`omp_store`): small keyed records (register state, configuration, calibration)
 *   written as a journal across a ring of sectors. Writing a key appends a new version; the newest
 *   version whose CRC-32 checks is the value. A power cut at any programmed byte leaves either the
 *   old or the new version readable, never a mix. Sectors are used in turn (wear levelling: every
 *   sector of the ring is erased equally often); when the ring wraps, the live records of the oldest
 *   sector are copied forward before it is erased, so one erased sector is always ahead of the head.
 * - **Log** (`omp_nvm_log`): a ring of equal-sized entries (billing snapshots, later load profile
 *   and event logs). Appending never rewrites an entry; when the ring is full the oldest sector's
 *   entries are dropped by erasing it. Entries carry a sequence number and a CRC-32.
 *
 * Both are opened by a recovery scan that reads each sector of the region once (bounded: the time
 * of reading the region plus at most one sector copy and one erase to finish an interrupted
 * compaction), and rejects every record whose CRC fails. Nothing here allocates; the context holds
 * a small RAM index (OMP_CONFIG_STORE_KEYS keys). Only the HAL's NVM ops are used.
 *
 * Contexts are not thread-safe: call them from one thread (the meter's poll).
 */
#ifndef OMNIPOWER_STORAGE_H
#define OMNIPOWER_STORAGE_H

#include "omnipower/config.h"
#include "omnipower/core.h"
#include "omnipower/hal.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Bytes of the header in front of every sector (magic, format, sector sequence, erase count). */
#define OMP_STORE_SECTOR_HDR 16u
/** Bytes of the header in front of every record (magic, key, length, sequence, header check). */
#define OMP_STORE_REC_HDR 12u
/** Bytes of the trailer behind every record payload (CRC-32 over header and payload). */
#define OMP_STORE_REC_TRL 4u

/** Largest key a store accepts; 0 and 0xFFFF are reserved. */
#define OMP_STORE_KEY_MAX 0xFFFEu

/** @brief Counters a store or log keeps since open (for tests, benchmarks and the simulator). */
struct omp_storage_stats {
    uint64_t records_written; /**< records appended (including compaction copies) */
    uint64_t bytes_programmed;/**< bytes passed to nvm_program */
    uint64_t erases;          /**< sectors erased */
    uint64_t copies;          /**< records copied forward by compaction */
    uint32_t scan_reads;      /**< nvm_read calls of the last open (the recovery scan) */
    uint32_t scan_bad;        /**< records or sector headers the last open rejected (bad CRC,
                                   torn header, impossible length) */
    uint32_t max_sector_erases; /**< the largest erase count found in a sector header */
    uint32_t damaged;         /**< sectors the last open found damaged or foreign (docs/storage.md
                                   "Damage"); while not 0 the container writes nothing */
};

/** @brief Index entry of a store: where the newest valid version of a key lives. */
/**
 * @brief A service's share of the NVM: the NVM ops (only nvm_read, nvm_program, nvm_erase and
 * nvm_geometry are used), the first byte (sector aligned) and the number of sectors. The owner of
 * the NVM layout (the meter) hands each container one, never the whole HAL.
 */
struct omp_nvm_region {
    const struct omp_hal_ops *ops;
    void *user;
    uint32_t base;
    uint32_t sectors;
};

/** @brief The region of @p sectors sectors from @p base of the NVM behind @p hal (NULL: all zero). */
struct omp_nvm_region omp_nvm_region_of(const struct omp_hal *hal, uint32_t base,
                                        uint32_t sectors);

struct omp_store_slot {
    uint16_t key;   /**< 0 = unused slot */
    uint16_t len;   /**< payload bytes */
    uint32_t addr;  /**< NVM address of the record header */
    uint32_t seq;   /**< record sequence number */
};

/** @brief A journaled key/value store over sectors [base, base + sectors * sector_size). */
struct omp_store {
    struct omp_nvm_region rgn;       /**< its NVM: ops, first byte, sectors in the ring (>= 2) */
    struct omp_nvm_geometry geo;
    uint32_t head;                   /**< sector index (0..sectors-1) being written */
    uint32_t head_off;               /**< next free byte within the head sector */
    uint32_t sector_seq;             /**< sequence number of the head sector */
    uint32_t rec_seq;                /**< sequence number of the newest record */
    struct omp_store_slot index[OMP_CONFIG_STORE_KEYS];
    struct omp_storage_stats stats;
    bool stale;                      /**< a HAL error left the RAM index unsure (omp_store_refresh) */
    uint16_t tag;                    /**< the owner's tag in the sector headers */
    bool frozen;                     /**< opened read only, or set by the owner: no repair, writes
                                          refused (OMP_ERR_NVM_CORRUPT) */
};

/**
 * @brief Open (and if needed repair) the store in @p sectors sectors from @p base.
 *
 * Scans the region, builds the RAM index of the newest valid version of each key, and repairs
 * what a power cut leaves (finishes or undoes a compaction, erases a torn spare). An erased region
 * (never formatted) becomes an empty store. A region holding anything else, a sector that is
 * neither erased nor the store's, or a header damaged in the middle of a sector is damaged
 * (docs/storage.md "Damage"): nothing is written, stats.damaged counts the sectors, reads return
 * what is readable, writes are refused until omp_store_format(). Records with a bad CRC are never
 * indexed.
 *
 * @return OMP_OK; OMP_ERR_NVM_CORRUPT (damaged or foreign: read only, see above); OMP_ERR_ARG
 *         (NULL, base not sector aligned, fewer than 2 sectors, region beyond the NVM, sector
 *         smaller than 256 bytes); OMP_ERR_NVM_FULL (more distinct keys on the NVM than
 *         OMP_CONFIG_STORE_KEYS); or the HAL's error (OMP_ERR_POWER_LOST, OMP_ERR_HAL_IO).
 */
OMP_MUST_CHECK omp_err omp_store_open(struct omp_store *s, const struct omp_hal *hal,
                                      uint32_t base, uint32_t sectors);
/** @brief omp_store_open() on the region @p r (the same checks and results), tag 0. */
OMP_MUST_CHECK omp_err omp_store_open_region(struct omp_store *s, const struct omp_nvm_region *r);
/**
 * @brief omp_store_open_region() for a store whose sector headers carry @p tag (and the region's
 * sector count): a sector of another owner's store, or of a region of another size, is foreign.
 * With @p read_only nothing is repaired or formatted and writes are refused (`frozen`): how an
 * owner looks at several regions before it lets any of them write.
 */
OMP_MUST_CHECK omp_err omp_store_open_tagged(struct omp_store *s, const struct omp_nvm_region *r,
                                             uint16_t tag, bool read_only);
/**
 * @brief Erase every sector of the store's region and open it empty (the explicit way out of
 * OMP_ERR_NVM_CORRUPT: the damaged evidence is gone). @return as omp_store_open.
 */
OMP_MUST_CHECK omp_err omp_store_format(struct omp_store *s);

/**
 * @brief Write a new version of @p key. When this returns OMP_OK the version is durable; after a
 * power cut inside the call, a later open finds either this version or the previous one.
 *
 * @return OMP_OK; OMP_ERR_ARG (key 0 or 0xFFFF, NULL data with len > 0, len > OMP_CONFIG_STORE_RECORD_MAX,
 *         or a record larger than a sector minus its header and marker: sector_size - 32 bytes
 *         with omp_store_record_size(), i.e. payload <= sector_size - 48 for units up to 16);
 *         OMP_ERR_NVM_FULL (no free index slot, or the live records no longer fit the ring);
 *         OMP_ERR_NVM_CORRUPT (the store is damaged: nothing written);
 *         or the HAL's error (the store is then stale: omp_store_refresh before using it again).
 */
OMP_MUST_CHECK omp_err omp_store_write(struct omp_store *s, uint16_t key, const void *data,
                                       size_t len);

/**
 * @brief After a HAL error of omp_store_write (which marks the store stale), open the store again
 * on its region; otherwise nothing. Owners call it before they use the store again.
 * @return OMP_OK, OMP_ERR_ARG, or what omp_store_open_region gives (the store stays stale).
 */
OMP_MUST_CHECK omp_err omp_store_refresh(struct omp_store *s);

/**
 * @brief Read the newest version of @p key into @p dst (capacity @p cap); @p len gets its size.
 * The record's CRC is checked again on every read. @p len may be NULL; it is also set when the
 * result is OMP_ERR_NOSPACE (so the caller learns the size). @p dst may be NULL if @p cap is 0.
 * @return OMP_OK; OMP_ERR_ARG (NULL s, NULL dst with cap > 0, key 0 or 0xFFFF);
 *         OMP_ERR_NOT_FOUND (never written); OMP_ERR_NOSPACE (cap too small, nothing copied);
 *         OMP_ERR_NVM_CORRUPT (the record changed since open: CRC fails; dst is zeroed); HAL error.
 */
OMP_MUST_CHECK omp_err omp_store_read(const struct omp_store *s, uint16_t key, void *dst,
                                      size_t cap, size_t *len);

/**
 * @brief omp_store_read() for records whose absence a reader can live with: a record never
 * written, one that no longer passes its CRC, or one larger than @p cap (another layout) gives
 * OMP_OK with *len = 0. @return OMP_OK, OMP_ERR_ARG, or the HAL's error.
 */
OMP_MUST_CHECK omp_err omp_store_read_opt(const struct omp_store *s, uint16_t key, void *dst,
                                          size_t cap, size_t *len);

/** @brief Bytes a record of @p payload bytes takes on the NVM of @p geo (header, CRC, padding). */
uint32_t omp_store_record_size(const struct omp_nvm_geometry *geo, size_t payload);

/** @brief A ring log of entries of one fixed payload size in [base, base + sectors * sector_size). */
struct omp_nvm_log {
    struct omp_nvm_region rgn;    /**< its NVM: ops, first byte, sectors (>= 2) */
    struct omp_nvm_geometry geo;
    uint16_t entry_len;           /**< payload bytes per entry */
    uint16_t tag;                 /**< identifies this log's records (a log refuses another's) */
    uint32_t per_sector;          /**< entries that fit one sector */
    uint32_t head;                /**< sector being appended to */
    uint32_t head_off;            /**< next free byte within it */
    uint32_t sector_seq;          /**< sequence number of the head sector */
    uint32_t first_seq;           /**< sequence number of the oldest entry held (if count > 0) */
    uint32_t next_seq;            /**< sequence number the next append gets */
    uint32_t count;               /**< entries held */
    struct omp_storage_stats stats;
    bool stale;                   /**< a HAL error left the RAM view unsure (omp_nvm_log_refresh) */
    bool frozen;                  /**< opened read only, or set by the owner: appends refused */
};

/**
 * @brief Open the log; recovery scan as for the store. Entries with a bad CRC are skipped (they
 * count in stats.scan_bad and are not readable); a torn entry at the head ends the log there. A
 * region with sectors that are neither erased nor this log's (another tag or entry length, a
 * damaged header that is not a torn rotation's) is damaged: OMP_ERR_NVM_CORRUPT, nothing
 * written, readable entries readable, appends refused (stats.damaged).
 * @return OMP_OK, OMP_ERR_NVM_CORRUPT, OMP_ERR_ARG (as omp_store_open, entry_len 0 or an entry
 *         that does not fit a sector), or the HAL's error.
 */
OMP_MUST_CHECK omp_err omp_nvm_log_open(struct omp_nvm_log *l, const struct omp_hal *hal,
                                        uint32_t base, uint32_t sectors, uint16_t tag,
                                        uint16_t entry_len);
/** @brief omp_nvm_log_open() on the region @p r (the same checks and results). */
OMP_MUST_CHECK omp_err omp_nvm_log_open_region(struct omp_nvm_log *l,
                                               const struct omp_nvm_region *r, uint16_t tag,
                                               uint16_t entry_len);
/** @brief omp_nvm_log_open_region(); with @p read_only nothing is formatted and appends are
 *  refused (as omp_store_open_tagged). */
OMP_MUST_CHECK omp_err omp_nvm_log_open_mode(struct omp_nvm_log *l, const struct omp_nvm_region *r,
                                             uint16_t tag, uint16_t entry_len, bool read_only);

/**
 * @brief Append an entry of exactly entry_len bytes; gets sequence number next_seq.
 * @return OMP_OK, OMP_ERR_ARG, OMP_ERR_NVM_CORRUPT (damaged: nothing written), or the HAL's
 *         error (the log is then stale: omp_nvm_log_refresh).
 */
OMP_MUST_CHECK omp_err omp_nvm_log_append(struct omp_nvm_log *l, const void *entry);

/** @brief omp_store_refresh() for the log: reopen it after a HAL error of omp_nvm_log_append. */
OMP_MUST_CHECK omp_err omp_nvm_log_refresh(struct omp_nvm_log *l);

/**
 * @brief Read the entry @p age places back from the newest (0 = newest) into @p dst (entry_len
 * bytes); @p seq (may be NULL) gets its sequence number.
 * @return OMP_OK, OMP_ERR_NOT_FOUND (age >= count, or that entry was rejected by its CRC),
 *         OMP_ERR_ARG, or the HAL's error.
 */
OMP_MUST_CHECK omp_err omp_nvm_log_read(const struct omp_nvm_log *l, uint32_t age, void *dst,
                                        uint32_t *seq);

/** @brief Entries the log can always hold: (sectors - 1) * per_sector. */
uint32_t omp_nvm_log_capacity(const struct omp_nvm_log *l);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_STORAGE_H */

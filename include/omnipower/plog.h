/**
 * @file plog.h
 * @brief Packed log: a power-fail-safe ring of compact, variable-size entries (time, status words
 * and up to 16 integer columns), the storage under the load profile, the analysis logger and the
 * event logs (docs/storage.md "Packed log").
 *
 * An entry is stored as the difference from the one before it (varints; its time implicit when
 * it is the previous one's plus the period), with a full entry at the start of every sector and
 * every OMP_PLOG_FULL_EVERY entries, and a CRC-16 each. Entries are numbered 1, 2, ... in the order
 * they were appended; a number names the same entry until the ring drops it. No heap; the caller
 * owns every struct.
 */
#ifndef OMNIPOWER_PLOG_H
#define OMNIPOWER_PLOG_H

#include <stdbool.h>
#include <stdint.h>

#include "omnipower/core.h"
#include "omnipower/storage.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most columns of an entry. */
#define OMP_PLOG_COLUMNS_MAX 16u
/** A full entry at least every this many entries (bounds what one unreadable entry takes along). */
#define OMP_PLOG_FULL_EVERY 64u
/** Most bytes of one stored entry (length, flags, fields, CRC), before padding: 0xDF, as the
 *  first byte's values 0xE0..0xEF mark a short entry (docs/storage.md "Packed log"). */
#define OMP_PLOG_REC_MAX 223u
/** Status bit the reader sets on an entry it could not read (LoggerStatus bit 3, technical facts
 *  1.3: "entry invalid: its CRC is wrong"); its time and values are then 0. */
#define OMP_PLOG_ST_INVALID 0x0008u

/** How a column's values change, which picks their encoding. */
enum omp_plog_kind {
    OMP_PLOG_COUNTER = 0, /**< never decreases (an energy register): an unsigned difference */
    OMP_PLOG_SIGNED = 1,  /**< any value (a voltage, a power): a signed difference */
};

/** What a log holds; a log opened with another tag, column count or period (in whole minutes)
 *  is foreign. */
struct omp_plog_def {
    uint16_t tag;                               /**< the sector headers' tag */
    uint8_t columns;                            /**< 0..OMP_PLOG_COLUMNS_MAX */
    uint8_t kind[OMP_PLOG_COLUMNS_MAX];         /**< enum omp_plog_kind per column */
    uint32_t period_s;                          /**< time between entries (0: each has its time;
                                                     at most 2047 min) */
    uint64_t max_step[OMP_PLOG_COLUMNS_MAX];    /**< largest change between two entries (a
                                                     counter's growth in one period): sizes the
                                                     guaranteed depth, omp_plog_capacity() */
};

/** One entry. */
struct omp_plog_entry {
    omp_time_s t;                       /**< when (UTC seconds; the owner decides what it means) */
    uint16_t status;                    /**< a 16-bit status word (the load profile's LoggerStatus) */
    uint32_t quality;                   /**< a 32-bit status word (DataQuality) */
    int64_t v[OMP_PLOG_COLUMNS_MAX];    /**< the columns (counters as their value, >= 0) */
};

/** @brief A packed log over [base, base + sectors * sector_size). Members are for static
 *  allocation and statistics; read, do not write. */
struct omp_plog {
    struct omp_nvm_region rgn;
    struct omp_nvm_geometry geo;
    struct omp_plog_def def;
    uint32_t head;                  /**< sector being appended to */
    uint32_t head_off;              /**< next free byte in it */
    uint32_t sector_seq;            /**< the head's sector sequence */
    uint32_t first_no;              /**< number of the oldest entry held (when count > 0) */
    uint32_t next_no;               /**< number the next entry gets (1 for a new log) */
    uint32_t since_full;            /**< entries since the last full one */
    bool head_closed;               /**< a torn entry ends the head: the next append rotates */
    bool have_last;                 /**< `last` holds the newest entry */
    struct omp_plog_entry last;     /**< the newest entry: the next one's base */
    struct omp_storage_stats stats;
    bool stale;                     /**< a HAL error left the RAM view unsure (omp_plog_refresh) */
    bool frozen;                    /**< opened read only: appends refused */
    uint8_t short_len;              /**< bytes of a short entry (docs/storage.md "Packed log") */
    uint8_t width[OMP_PLOG_COLUMNS_MAX]; /**< each column's packed field, in bits (from def) */
};

/** @brief Where a reader is: the next entry to return, with the one before it as the base. */
struct omp_plog_cursor {
    uint32_t seq;                   /**< the log's head sequence when placed: after a rotation
                                         the cursor is placed again by number */
    uint32_t sector;                /**< sector of the next stored entry */
    uint32_t off;                   /**< its offset in the sector */
    uint32_t no;                    /**< number of the next entry to return */
    uint32_t end_no;                /**< stop before this number (next_no at the seek) */
    uint32_t cap;                   /**< the next sector's first number: unreadable entries of
                                         this sector are numbered only below it */
    bool have_base;                 /**< `base` is the entry before `no` */
    uint32_t at_sector;             /**< where reading may start again without a base (a full
                                         entry, or where the cursor was placed), at or before
                                         the last entry returned: omp_plog_mark() */
    uint32_t at_off;
    uint32_t at_no;                 /**< its number (0: none) */
    struct omp_plog_entry base;
};

/** @brief A place to resume reading from later, kept instead of a cursor when RAM is short (a
 *  cursor carries its base entry, about 180 bytes; a mark 16): a full entry at or before the last
 *  entry the cursor returned. Valid while the ring does not turn (same head sequence). */
struct omp_plog_mark {
    uint32_t seq;    /**< the log's head sequence when taken */
    uint32_t sector; /**< sector and offset of the full entry */
    uint32_t off;
    uint32_t no;     /**< its number (0: no mark) */
};

/**
 * @brief Entries the log always holds, however its values move within def->max_step: (sectors -
 * 2) sectors of worst-case entries (one sector is the ring's spare, one what a power cut during
 * an append may cost: it closes that sector early; a full entry every OMP_PLOG_FULL_EVERY, the
 * others plain: no
 * explicit time, unless the log has no period, and no status word). An entry with an explicit
 * time in a log with a period, or with a status word, takes up to 16 bytes more. 0 if a
 * worst-case entry does not fit a sector, or fewer than 3 sectors.
 */
uint32_t omp_plog_capacity(const struct omp_plog_def *def, const struct omp_nvm_geometry *geo,
                           uint32_t sectors);

/** @brief Bytes a worst-case plain entry of @p def takes on @p geo (padding included). */
uint32_t omp_plog_entry_bytes(const struct omp_plog_def *def, const struct omp_nvm_geometry *geo);

/**
 * @brief Open the log on region @p r (>= 2 sectors); scan it. A region with sectors that are
 * neither erased nor this log's is damaged: OMP_ERR_NVM_CORRUPT, nothing written, readable
 * entries readable, appends refused (stats.damaged). With @p read_only nothing is written.
 * @return OMP_OK, OMP_ERR_NVM_CORRUPT, OMP_ERR_ARG (NULL, columns > OMP_PLOG_COLUMNS_MAX, a kind
 *         out of range, a region omp_store_open_region refuses), or the HAL's error.
 */
OMP_MUST_CHECK omp_err omp_plog_open(struct omp_plog *l, const struct omp_nvm_region *r,
                                     const struct omp_plog_def *def, bool read_only);

/**
 * @brief Append @p e; it gets number next_no. A counter that went down is stored as a full entry.
 * A log a HAL error left stale is opened again first.
 * @return OMP_OK, OMP_ERR_ARG (a counter < 0), OMP_ERR_NVM_CORRUPT (damaged or read only: nothing
 *         written), OMP_ERR_NVM_WORN (2^32 - 1 entries), or the HAL's error (then stale).
 */
OMP_MUST_CHECK omp_err omp_plog_append(struct omp_plog *l, const struct omp_plog_entry *e);

/** @brief Open again after a HAL error left the log stale. @return OMP_OK or the open's error. */
OMP_MUST_CHECK omp_err omp_plog_refresh(struct omp_plog *l);

/** @brief Empty the log: a marker at the start of a fresh head drops every entry before it (the
 *  older sectors die by rotation), numbers go on from next_no, also after a restart. All or
 *  nothing at a power cut. @return OMP_OK, OMP_ERR_NVM_CORRUPT (damaged or read only: nothing
 *  written), OMP_ERR_ARG, or the HAL's error. */
OMP_MUST_CHECK omp_err omp_plog_clear(struct omp_plog *l);

/** @brief Erase the whole region and open it empty, numbers from 1: the way out of damage
 *  (what it held is gone). @return OMP_OK, OMP_ERR_ARG, or the HAL's error. */
OMP_MUST_CHECK omp_err omp_plog_format(struct omp_plog *l);

/** @brief Entries held (next_no - first_no, unreadable ones included). */
uint32_t omp_plog_count(const struct omp_plog *l);

/**
 * @brief Position @p c at entry @p no (or at the oldest held when @p no is older); entries appended
 * after the seek are not returned. @return OMP_OK, OMP_ERR_NOT_FOUND (@p no is not held yet),
 * OMP_ERR_ARG, or the HAL's error.
 */
OMP_MUST_CHECK omp_err omp_plog_seek(const struct omp_plog *l, uint32_t no,
                                     struct omp_plog_cursor *c);

/**
 * @brief The entry at @p c, then move on. An entry that cannot be read comes back with
 * OMP_PLOG_ST_INVALID set (and so do those whose base it was, up to the next full entry).
 * @return OMP_OK, OMP_ERR_NOT_FOUND (no more entries), OMP_ERR_ARG, or the HAL's error.
 */
OMP_MUST_CHECK omp_err omp_plog_next(const struct omp_plog *l, struct omp_plog_cursor *c,
                                     struct omp_plog_entry *out, uint32_t *no);

/** @brief The mark of cursor @p c (see struct omp_plog_mark). */
void omp_plog_mark(const struct omp_plog_cursor *c, struct omp_plog_mark *m);

/**
 * @brief omp_plog_seek() to entry @p no, started from mark @p m when it still holds (the ring did
 * not turn since it was taken, m->no <= @p no): then it decodes only the entries from the mark to
 * @p no (fewer than OMP_PLOG_FULL_EVERY when the mark was taken at most one entry before @p no)
 * instead of surveying the sectors. @p m NULL or stale: a seek. @return as omp_plog_seek().
 */
OMP_MUST_CHECK omp_err omp_plog_seek_mark(const struct omp_plog *l, const struct omp_plog_mark *m,
                                          uint32_t no, struct omp_plog_cursor *c);

/** @brief Entry number of DLMS entry index @p index (1 = the oldest held), 0 if not held. */
uint32_t omp_plog_no_of_index(const struct omp_plog *l, uint32_t index);

/** @brief Entry number of OMNIPOWER entry @p age (0 = the newest, technical facts 11.5), 0 if not
 *  held. */
uint32_t omp_plog_no_of_age(const struct omp_plog *l, uint32_t age);

/**
 * @brief The next readable entry at or after cursor @p c whose time is in [@p from, @p to], in
 * append order (after a clock set back, entries come in the order they were logged, not sorted);
 * an unreadable entry has no time and is left out.
 * @return OMP_OK, OMP_ERR_NOT_FOUND (no more), OMP_ERR_ARG, or the HAL's error.
 */
OMP_MUST_CHECK omp_err omp_plog_next_in(const struct omp_plog *l, struct omp_plog_cursor *c,
                                        omp_time_s from, omp_time_s to, struct omp_plog_entry *out,
                                        uint32_t *no);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_PLOG_H */

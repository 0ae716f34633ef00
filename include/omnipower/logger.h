/**
 * @file logger.h
 * @brief Profiles on the packed log (plog.h): the load profile 1.1.99.1.0.255 and the analysis
 * logger 1.1.99.1.1.255 (issue #13; docs/logger.md). A profile ends a period at every whole
 * capture period of normal time (technical facts 1.1: stamps in normal time, never DST), captures
 * its columns, and marks each entry with the LoggerStatus and DataQuality words of technical
 * facts 1.3. It never reads another service: the meter reads the capture objects (OBIS code +
 * attribute) through the data dictionary and hands the values over (omp_profile_capture()).
 * Also here: the event logs (on the packed log too) and the reading of the billing log, which
 * the registers' persistence keeps in an omp_nvm_log of its own (omp_billing_*).
 */
#ifndef OMNIPOWER_LOGGER_H
#define OMNIPOWER_LOGGER_H

#include <stdbool.h>
#include <stdint.h>

#include "omnipower/core.h"
#include "omnipower/evq.h"
#include "omnipower/metrology.h"
#include "omnipower/plog.h"
#include "omnipower/registers.h"
#include "omnipower/value.h"

#ifdef __cplusplus
extern "C" {
#endif

/** LoggerStatus bits (technical facts 1.3). */
#define OMP_LP_ST_INVALID 0x0008u          /**< the entry could not be read (CRC) */
#define OMP_LP_ST_DISCONTINUITY 0x0040u    /**< intervals before it are missing (not filled) */
#define OMP_LP_ST_RECONFIGURED 0x0080u     /**< the logger was reconfigured */
#define OMP_LP_ST_INTERVAL_CHANGED 0x0100u /**< the log interval was changed */

/** DataQuality bits (technical facts 1.3). */
#define OMP_LP_DQ_CLOCK_7_15 0x0001u   /**< clock set by 7..15 s in the period */
#define OMP_LP_DQ_CLOCK_15_30 0x0002u  /**< by 15..30 s */
#define OMP_LP_DQ_CLOCK_30_60 0x0004u  /**< by 30..60 s */
#define OMP_LP_DQ_CLOCK_OVER_60 0x0008u/**< by more than 60 s */
#define OMP_LP_DQ_CLOCK_FORWARD 0x0010u
#define OMP_LP_DQ_CLOCK_BACKWARD 0x0020u
#define OMP_LP_DQ_LEGAL 0x0040u        /**< legal parameter error */
#define OMP_LP_DQ_OVERVOLTAGE 0x0080u
#define OMP_LP_DQ_UNDERVOLTAGE 0x0100u
#define OMP_LP_DQ_NEUTRAL 0x0200u
#define OMP_LP_DQ_OUTAGE 0x0400u       /**< a power outage in the period */

/** One capture object: the dictionary's object and attribute, and how its value moves. */
struct omp_logger_col {
    uint8_t obis[6];
    uint8_t attr;
    uint8_t kind;      /**< enum omp_plog_kind: OMP_PLOG_COUNTER for energy registers */
    uint64_t max_step; /**< its largest change in one period (sizes the guaranteed depth) */
};

/** A profile's configuration. */
struct omp_profile_cfg {
    uint16_t tag;        /**< its region's sector tag */
    uint32_t period_s;   /**< capture period: a divisor of a day, 60..86400 (LP: 300, 900, 1800,
                              3600) */
    int32_t offset_s;    /**< normal time - UTC (Z11), whole minutes: periods end at whole
                              periods of normal time */
    uint8_t columns;     /**< 1..OMP_PLOG_COLUMNS_MAX */
    struct omp_logger_col col[OMP_PLOG_COLUMNS_MAX];
};

/** @brief A profile. Members are public for static allocation; read, do not write. */
struct omp_profile {
    struct omp_plog log;
    struct omp_profile_cfg cfg;
    omp_time_s next_end;   /**< UTC end of the running period (0: not known yet after a start,
                                -1: after a clock set) */
    uint16_t status;       /**< LoggerStatus gathered for the running period */
    uint32_t quality;      /**< DataQuality gathered for the running period */
    uint64_t captures;     /**< entries appended since open */
};

/** @brief The guaranteed depth of @p cfg in a region of @p sectors of @p geo, in entries. */
uint32_t omp_profile_capacity(const struct omp_profile_cfg *cfg,
                              const struct omp_nvm_geometry *geo, uint32_t sectors);

/**
 * @brief Check @p cfg and open the profile on region @p r (the packed log's rules: a damaged or
 * foreign region is OMP_ERR_NVM_CORRUPT and stays read only).
 * @return OMP_OK, OMP_ERR_NVM_CORRUPT, OMP_ERR_ARG (NULL, a period that does not divide a day,
 *         no columns), or the HAL's error.
 */
OMP_MUST_CHECK omp_err omp_profile_open(struct omp_profile *p, const struct omp_profile_cfg *cfg,
                                        const struct omp_nvm_region *r, bool read_only);

/** How a profile's configuration compares with the one kept for its region. */
enum omp_profile_change {
    OMP_PROFILE_SAME = 0,         /**< the kept one: the region goes on */
    OMP_PROFILE_FIRST = 1,        /**< none kept yet: kept now */
    OMP_PROFILE_INTERVAL = 2,     /**< only the period changed: the region was started again */
    OMP_PROFILE_RECONFIGURED = 3, /**< the columns changed: the region was started again */
};

/**
 * @brief omp_profile_open() for a profile whose configuration (columns, period, capture objects)
 * is kept in store @p kept under @p key. A region written with another configuration is erased
 * and started again, as the OMNIPOWER deletes its profile (technical facts 1.4, 3.5), the next
 * entry marked (omp_profile_reconfigured); read only, it is left alone and not reported as damage.
 * @p change says which case it was (the caller logs it).
 * @return as omp_profile_open(), or the store's error.
 */
OMP_MUST_CHECK omp_err omp_profile_open_kept(struct omp_profile *p,
                                             const struct omp_profile_cfg *cfg,
                                             const struct omp_nvm_region *r,
                                             struct omp_store *kept, uint16_t key,
                                             bool read_only, enum omp_profile_change *change);

/** @brief The meter started after an outage: the next entry has DataQuality "power outage" (and
 *  LoggerStatus "time discontinuity" if periods were missed). */
void omp_profile_power_up(struct omp_profile *p);

/** @brief The clock was set from @p old_utc to @p new_utc: DataQuality size and direction bits
 *  (changes under 7 s are not marked, technical facts 1.3) on the next entry; periods restart. */
void omp_profile_clock_set(struct omp_profile *p, omp_time_s old_utc, omp_time_s new_utc);

/** @brief The profile was deleted because its configuration changed: the next entry carries
 *  LoggerStatus "reconfigured", and "interval changed" when @p interval_changed. */
void omp_profile_reconfigured(struct omp_profile *p, bool interval_changed);

/** @brief Mark the running period with DataQuality bits @p dq (over/undervoltage, ...). */
void omp_profile_mark(struct omp_profile *p, uint32_t dq);

/**
 * @brief Whether a period ended at or before @p utc (a valid clock): then @p end gets the newest
 * period end <= @p utc, whose entry the caller captures now. Periods that ended unseen (an outage,
 * a clock set forward) get no entries of their own (technical facts 1.4: no filling); after a
 * clock set back the next entry is the first period end after the newest entry (no time is
 * logged twice).
 */
bool omp_profile_due(struct omp_profile *p, omp_time_s utc, omp_time_s *end);

/**
 * @brief Append the entry of the period ending at @p end with the columns' values @p v (in the
 * order of cfg.col, read through the data dictionary) and the status words gathered; start the
 * next period. @return OMP_OK or the packed log's error.
 */
OMP_MUST_CHECK omp_err omp_profile_capture(struct omp_profile *p, omp_time_s end,
                                           const int64_t *v);

/** @brief Entry number of DLMS entry index @p index (1 = the oldest held), 0 if not held. */
uint32_t omp_profile_no_of_index(const struct omp_profile *p, uint32_t index);
/** @brief Entry number of OMNIPOWER entry @p age (0 = the newest, technical facts 11.5), 0 if not
 *  held. */
uint32_t omp_profile_no_of_age(const struct omp_profile *p, uint32_t age);

/**
 * @brief The next entry at or after cursor @p c whose time is in [@p from, @p to] (UTC; a time
 * range of the DLMS selective access, after the caller converted it from normal time), in
 * append order: entries of a clock set back come in the order they were logged.
 * @return OMP_OK, OMP_ERR_NOT_FOUND (no more), or the packed log's error.
 */
OMP_MUST_CHECK omp_err omp_profile_next_in(const struct omp_profile *p, struct omp_plog_cursor *c,
                                           omp_time_s from, omp_time_s to,
                                           struct omp_plog_entry *out, uint32_t *no);

/* ---- interval means ------------------------------------------------------------------------- */

/** @brief Means of the mains cycles over an interval (technical facts 2: the analysis logger's
 *  U, I, P, Q, S, PF and f are averaged over its interval): P+ is the mean of the import part of
 *  each cycle's P (0 while exporting), P- of the export part, Q likewise; f over cycles with a
 *  voltage. */
struct omp_means_value {
    float u_v, i_a, p_plus_w, p_minus_w, q_plus_var, q_minus_var, s_va, pf, f_hz;
};

/** @brief The running sums and the last closed interval's means. */
struct omp_means {
    double sum[9];               /**< in the order of struct omp_means_value */
    uint32_t cycles;             /**< cycles summed */
    uint32_t f_cycles;           /**< of them with a voltage (f > 0) */
    bool have_last;              /**< `last` holds a closed interval */
    struct omp_means_value last; /**< the means of the last closed interval */
};

/** @brief Add one cycle record. */
void omp_means_add(struct omp_means *m, const struct omp_cycle *c);
/** @brief Close the interval: `last` becomes its means (zeros without cycles), the sums restart. */
void omp_means_close(struct omp_means *m);

/* ---- event logs ----------------------------------------------------------------------------- */

/** The event logs (technical facts 3; issue #13): each bounded, oldest overwritten. */
enum omp_evlog_kind {
    OMP_EVLOG_STANDARD = 0,   /**< power down/up, clock set, configuration, NVM, logs cleared */
    OMP_EVLOG_TAMPER = 1,     /**< meter cover, terminal cover, magnetic field: start and end */
    OMP_EVLOG_PQ = 2,         /**< power quality (codes 0x05xx, issue #15) */
    OMP_EVLOG_DISCONNECT = 3, /**< breaker (codes 0x06xx, issue #16) */
    OMP_EVLOG_COMM = 4,       /**< communication: optical password failures and lock-outs, ... */
    OMP_EVLOG_COUNT = 5,
};

/** Entries each event log always holds (technical facts 3: the status and cut-off loggers hold
 *  200). */
#define OMP_EVLOG_DEPTH 200u

/** @brief An event log: one entry per event (time, code, arg, flags of struct omp_event). */
struct omp_evlog {
    struct omp_plog log;
    uint8_t kind;        /**< enum omp_evlog_kind */
};

/** @brief Which log event @p code goes to; OMP_EVLOG_COUNT for none (button presses). */
enum omp_evlog_kind omp_evlog_of(uint16_t code);

/** @brief Sectors of @p geo an event log needs for OMP_EVLOG_DEPTH entries (0: impossible). */
uint32_t omp_evlog_sectors(const struct omp_nvm_geometry *geo);

/** @brief Entries of an event log on @p sectors of @p geo, guaranteed (a time and the three
 *  fields each, at their widest). */
uint32_t omp_evlog_capacity(const struct omp_nvm_geometry *geo, uint32_t sectors);

/** @brief Open event log @p kind on @p r (the packed log's rules). */
OMP_MUST_CHECK omp_err omp_evlog_open(struct omp_evlog *l, enum omp_evlog_kind kind,
                                      const struct omp_nvm_region *r, bool read_only);

/** @brief Append @p ev. @return OMP_OK or the packed log's error. */
OMP_MUST_CHECK omp_err omp_evlog_append(struct omp_evlog *l, const struct omp_event *ev);

/** @brief Events the log no longer holds: overwritten by newer ones (or cleared). */
uint32_t omp_evlog_overflow(const struct omp_evlog *l);

/** @brief The entry at cursor @p c as an event. @return as omp_plog_next(); an unreadable entry
 *  comes back with code OMP_EV_NONE. */
OMP_MUST_CHECK omp_err omp_evlog_next(const struct omp_evlog *l, struct omp_plog_cursor *c,
                                      struct omp_event *ev, uint32_t *no);

/** @brief The next event at or after cursor @p c whose time is in [@p from, @p to] (UTC), in the
 *  order logged (not sorted after a clock set back); unreadable entries are left out.
 *  @return OMP_OK, OMP_ERR_NOT_FOUND (no more), OMP_ERR_ARG, or the packed log's error. */
OMP_MUST_CHECK omp_err omp_evlog_next_in(const struct omp_evlog *l, struct omp_plog_cursor *c,
                                         omp_time_s from, omp_time_s to, struct omp_event *ev,
                                         uint32_t *no);

/** @brief Entries in use: events the log holds, unreadable ones included. */
uint32_t omp_evlog_count(const struct omp_evlog *l);

/** @brief Entry number of DLMS entry index @p index (1 = the oldest held), 0 if not held (the
 *  number to give omp_plog_seek() on `log`). */
uint32_t omp_evlog_no_of_index(const struct omp_evlog *l, uint32_t index);

/** @brief Entry number of OMNIPOWER entry @p age (0 = the newest), 0 if not held. */
uint32_t omp_evlog_no_of_age(const struct omp_evlog *l, uint32_t age);

/* ---- the billing log ------------------------------------------------------------------------ */

/*
 * The billing log 1.1.98.1.0.255 (technical facts 4.2; docs/logger.md "Billing log"): the
 * debiting snapshots the registers' persistence keeps in its own container, an omp_nvm_log of
 * fixed-size records (storage.h; struct omp_regs_persist, member `billing`). These functions
 * read it as the profiles and the event logs are read: by stable entry number, cursor, DLMS
 * index, OMNIPOWER age and time range. They only read; the log is never written here.
 *
 * Entry numbers are the log's record sequence numbers plus one: 1, 2, ... in the order the
 * snapshots were taken, kept by an entry until the ring drops it (0 names none). A record that
 * fails its CRC keeps its number and reads as an invalid entry; the others keep theirs.
 */

/** @brief One entry of the billing log. */
struct omp_billing_entry {
    uint16_t status;               /**< LoggerStatus: OMP_LP_ST_INVALID when the record could not
                                        be read (CRC, or a snapshot that does not decode); `snap`
                                        is then all zero */
    struct omp_regs_snapshot snap; /**< the debiting snapshot */
};

/** @brief Where a reader of the billing log is: the next entry by number. Caller storage; it
 *  stays valid while snapshots are appended (an entry dropped meanwhile is skipped). */
struct omp_billing_cursor {
    uint32_t no;     /**< number of the next entry to return */
    uint32_t end_no; /**< stop before this number: the log's next number at the seek (entries
                          appended after the seek are not returned, as omp_plog_seek) */
};

/** @brief Entries in use: held by the log, unreadable ones included (0 for NULL or a log that
 *  is not a billing log). */
uint32_t omp_billing_count(const struct omp_nvm_log *l);

/** @brief Entries the log always holds (omp_nvm_log_capacity; OMP_CONFIG_BILLING_DEPTH or more
 *  for the meter's). It may hold up to a sector's worth more until the ring turns. */
uint32_t omp_billing_capacity(const struct omp_nvm_log *l);

/** @brief Entry number of DLMS entry index @p index (1 = the oldest held), 0 if not held. */
uint32_t omp_billing_no_of_index(const struct omp_nvm_log *l, uint32_t index);

/** @brief Entry number of OMNIPOWER entry @p age (0 = the newest, technical facts 11.5), 0 if not
 *  held. */
uint32_t omp_billing_no_of_age(const struct omp_nvm_log *l, uint32_t age);

/**
 * @brief Read entry @p no. An entry held whose record fails its CRC gives OMP_OK with
 * OMP_LP_ST_INVALID.
 * @return OMP_OK, OMP_ERR_NOT_FOUND (@p no is not held: dropped, not yet taken, 0),
 *         OMP_ERR_ARG (NULL, not a billing log), or the HAL's error.
 */
OMP_MUST_CHECK omp_err omp_billing_read(const struct omp_nvm_log *l, uint32_t no,
                                        struct omp_billing_entry *out);

/**
 * @brief Position @p c at entry @p no (or at the oldest held when @p no is older); entries
 * appended after the seek are not returned.
 * @return OMP_OK, OMP_ERR_NOT_FOUND (@p no is not held yet, or the log is empty: a next() on
 *         @p c finds nothing either), OMP_ERR_ARG.
 */
OMP_MUST_CHECK omp_err omp_billing_seek(const struct omp_nvm_log *l, uint32_t no,
                                        struct omp_billing_cursor *c);

/**
 * @brief The entry at @p c, then move on; entries the ring dropped since the seek are skipped.
 * An unreadable entry comes back with OMP_LP_ST_INVALID and its own number.
 * @return OMP_OK, OMP_ERR_NOT_FOUND (no more entries), OMP_ERR_ARG, or the HAL's error.
 */
OMP_MUST_CHECK omp_err omp_billing_next(const struct omp_nvm_log *l, struct omp_billing_cursor *c,
                                        struct omp_billing_entry *out, uint32_t *no);

/**
 * @brief The next entry at or after @p c whose stop time (snap.utc) is in [@p from, @p to] (UTC;
 * a DLMS time range after the caller converted it), in the order the snapshots were taken: after
 * a clock set back, entries come in that order, not sorted by time. Unreadable entries have no
 * time and are left out.
 * @return OMP_OK, OMP_ERR_NOT_FOUND (no more), OMP_ERR_ARG, or the HAL's error.
 */
OMP_MUST_CHECK omp_err omp_billing_next_in(const struct omp_nvm_log *l,
                                           struct omp_billing_cursor *c, omp_time_s from,
                                           omp_time_s to, struct omp_billing_entry *out,
                                           uint32_t *no);

/** Tariffs of the capture objects: Table 12 lists A+ and R+ of tariffs 1..4; a build with fewer
 *  tariffs (OMP_CONFIG_TARIFFS) captures only those. */
#define OMP_BILLING_TARIFFS (OMP_CONFIG_TARIFFS < 4 ? OMP_CONFIG_TARIFFS : 4)
/** Capture objects of the billing log: clock, 4 counters, 6 energies + 2 per tariff, 6 maxima
 *  with their times, 4 accumulated maxima (35 with 4 tariffs). */
#define OMP_BILLING_COLUMNS (27u + 2u * (unsigned)OMP_BILLING_TARIFFS)

/** @brief A capture object of the billing log: the dictionary's object and attribute, and its
 *  value's type, scaler and unit there (a DLMS row encodes the value as that object would). */
struct omp_billing_col {
    uint8_t obis[6];
    uint8_t attr;     /**< 2 (value), 5 (capture_time of a class 4 maximum) */
    uint8_t class_id; /**< OMP_CLASS_* of cosem.h: 1 data, 3 register, 4 extended, 8 clock */
    uint8_t type;     /**< enum omp_vtype: U8, U32, or DATETIME */
    int8_t scaler;    /**< of the object's scaler_unit (0 for every one of them) */
    uint8_t unit;     /**< enum omp_unit */
};

/** @brief Capture object @p k (0..OMP_BILLING_COLUMNS - 1) in the order of technical facts 4.2
 *  (Table 12), restricted to what a snapshot holds; NULL when out of range. */
const struct omp_billing_col *omp_billing_col(unsigned k);

/**
 * @brief Value of capture object @p k in snapshot @p s, in the object's scaler and unit:
 * energies in whole Wh/varh/VAh (truncated, as the registers read), the pulse input in whole
 * units, counters and maxima as held; a DATETIME column gives UTC seconds (0: no demand period
 * set that maximum; the reader adds the offset and clock status).
 * @return OMP_OK, OMP_ERR_ARG (NULL, @p k out of range).
 */
OMP_MUST_CHECK omp_err omp_billing_value(const struct omp_regs_snapshot *s, unsigned k,
                                         int64_t *v);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_LOGGER_H */

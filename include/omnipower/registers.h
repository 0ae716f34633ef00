/**
 * @file registers.h
 * @brief The meter's legal memory: energy and tariff registers, counters, demand, debiting.
 *
 * `struct omp_registers` holds, in RAM, everything a utility bills from:
 * - energy registers A+, A-, R+, R-, R1..R4, E+, E- and A+, R+ per tariff 1..OMP_CONFIG_TARIFFS,
 *   in micro-units (uWh, uvarh, uVAh) so nothing is lost to rounding while the meter runs;
 * - counters: hour counter (hours with supply), debiting stop counter (billing periods), power
 *   threshold counter, pulse input register (milli-units of the Z12 unit);
 * - demand (block demand over the Z4 integration period, aligned to the local standard-time clock):
 *   the running period, the last closed one, P+max (total, T1, T2), Q+max, S+max, S-max with
 *   their UTC time stamps, and the accumulated maxima (P+ total, T1, T2 and Q+);
 * - debiting (billing): the Z6 stop day and Z7 interval schedule, the snapshot of every value the
 *   data sheet lists, and the quality bits of the running period.
 *
 * It is a pure state machine: the meter feeds energy deltas and whole seconds, asks what must be
 * saved, stores the bytes this module encodes (storage.h) and confirms. Records:
 * - **cold** checkpoint: every register exactly (u64), demand and billing state. Due when a demand
 *   period closes, at a debiting stop, a clock set, a power-up, or before a hot delta could overflow.
 * - **hot** record: the energy registers as u32 deltas from the newest cold checkpoint (tied to it
 *   by checkpoint id), the hour counter, pulse input and the clock. Due whenever an energy
 *   register's displayed value (cfg.save_step_u) changes or the hour counter moves; the meter
 *   rate-limits hot saves to its NVM endurance budget.
 * - **snapshot**: one debiting period's values, fixed size, appended to the billing log before the
 *   cold checkpoint that resets the peaks. omp_registers_restore() rolls a snapshot whose cold
 *   checkpoint a power cut prevented forward, so a stop is neither lost nor taken twice.
 *
 * Registers never decrease: restore takes the newest checkpoint and hot record, and a power cut
 * loses only the energy since the last hot save that completed.
 */
#ifndef OMNIPOWER_REGISTERS_H
#define OMNIPOWER_REGISTERS_H

#include "omnipower/config.h"
#include "omnipower/core.h"
#include "omnipower/metrology.h"
#include "omnipower/storage.h"
#include "omnipower/tariff.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Bytes of an encoded debiting snapshot (the billing log's entry size). */
#define OMP_REGS_SNAPSHOT_LEN (120u + 16u * OMP_CONFIG_TARIFFS + 120u)
/** Upper bound of an encoded cold checkpoint. */
#define OMP_REGS_COLD_MAX 512u
/** Bytes of an encoded cold checkpoint in this build: 243 + 8 NE (NE = 10 + 2 tariffs). */
#define OMP_REGS_COLD_LEN (243u + 8u * (10u + 2u * (unsigned)OMP_CONFIG_TARIFFS))
/** Upper bound of an encoded hot record. */
#define OMP_REGS_HOT_MAX 160u

/** Z7 debiting interval codes (data sheet): 0 external only, 1 monthly, 2..24 see omp_regs_cfg. */
#define OMP_REGS_Z7_MAX 24u

/** @brief Configuration (the Z codes and settings that drive the registers). */
struct omp_regs_cfg {
    int32_t utc_offset_min;      /**< Z11: standard-time offset from UTC in minutes */
    enum omp_dst_rule dst_rule;  /**< Z15 */
    uint16_t demand_period_min;  /**< Z4: 5, 15, 30 or 60 */
    uint8_t billing_day;         /**< Z6: 1..28, stop at 00:00 local time of this day */
    uint8_t billing_interval;    /**< Z7: 0 none (external only); 1 monthly; 2/3 every 2nd month
                                      from Jan/Feb; 4..6 every 3rd month from Jan..Mar; 7..12
                                      every 6th month from Jan..Jun; 13..24 yearly in Jan..Dec */
    uint32_t power_threshold_w;  /**< PowerThresholdValue 1.1.96.51.1.255; 0 = counter off */
    uint32_t pulse_milli;        /**< pulse input: milli-units per pulse, 100..1000000 (0.1..1000) */
    uint8_t pulse_unit;          /**< Z12: 0 none, 1 kWh, 2 m3, 3 L */
    uint64_t save_step_u;        /**< displayed resolution of the energy registers in micro-units
                                      (Z1: 7.0 -> 1e9 = 1 kWh, 6.1 -> 1e8, 7.2 -> 1e7 = 10 Wh,
                                      6.3 -> 1e6 = 1 Wh) */
    bool count_flagged_periods;  /**< true: demand periods cut short (power cut, clock set) also
                                      update maxima and the threshold counter; false: they are
                                      flagged and only reported */
};

/** @brief Every energy register, micro-units. */
struct omp_regs_energy {
    struct omp_metro_energy total;                /**< A+, A-, R+, R-, R1..R4, E+, E- */
    uint64_t a_plus_t[OMP_CONFIG_TARIFFS];        /**< A+ tariff 1..n (1.8.t) */
    uint64_t r_plus_t[OMP_CONFIG_TARIFFS];        /**< R+ tariff 1..n (3.8.t) */
};

/** @brief A maximum demand value with its time stamp (end of the period, UTC). */
struct omp_regs_peak {
    uint32_t value;   /**< W, var or VA */
    omp_time_s utc;   /**< 0 when no period has set it since the last reset */
};

/** @brief Maximum demand registers of the running debiting period. */
struct omp_regs_peaks {
    struct omp_regs_peak p_plus;      /**< P+max 1.6.0 */
    struct omp_regs_peak p_plus_t[2]; /**< P+max tariff 1 and 2, 1.6.1 / 1.6.2 */
    struct omp_regs_peak q_plus;      /**< Q+max 3.6.0 */
    struct omp_regs_peak s_plus;      /**< S+max 9.6.0 */
    struct omp_regs_peak s_minus;     /**< S-max 10.6.0 */
};

/** @brief Accumulated maxima: sum of the maxima at every debiting stop. */
struct omp_regs_acc {
    uint64_t p_plus;      /**< 1.2.0, W */
    uint64_t p_plus_t[2]; /**< 1.2.1, 1.2.2 */
    uint64_t q_plus;      /**< 3.2.0, var */
};

/** Demand period flags. */
#define OMP_REGS_PF_POWER_CUT  0x01u /**< the supply failed during the period (or it began at power-up) */
#define OMP_REGS_PF_CLOCK_SET  0x02u /**< the clock was set during the period */
#define OMP_REGS_PF_SHORT      0x04u /**< the period ran shorter than its nominal length */
#define OMP_REGS_PF_CLOCK_BAD  0x08u /**< the RTC was invalid during the period */

/** @brief A closed demand period (for maxima, the threshold counter and the load profile). */
struct omp_regs_period {
    omp_time_s end_utc;   /**< aligned end of the period (or the clock-set instant) */
    uint32_t duration_s;  /**< seconds the meter measured in the period */
    uint32_t p_plus_w;    /**< mean A+ power over the nominal period: dA+ / T */
    uint32_t q_plus_var;  /**< mean R+ power */
    uint32_t s_plus_va;   /**< mean E+ power */
    uint32_t s_minus_va;  /**< mean E- power */
    uint8_t tariff;       /**< tariff in force at the period start */
    uint8_t flags;        /**< OMP_REGS_PF_* */
};

/** Debiting snapshot quality bits ("quality info"). */
#define OMP_REGS_Q_POWER_CUT   0x01u /**< a power cut happened in the period */
#define OMP_REGS_Q_CLOCK_SET   0x02u /**< the clock was set in the period */
#define OMP_REGS_Q_CLOCK_BAD   0x04u /**< the RTC was invalid at some time in the period */
#define OMP_REGS_Q_LATE        0x08u /**< taken after its scheduled time (power off, clock jump) */
#define OMP_REGS_Q_COMMANDED   0x10u /**< external debiting stop (command, input, push button) */
#define OMP_REGS_Q_DST         0x20u /**< local time at the stop included the DST hour */
#define OMP_REGS_Q_SKIPPED     0x40u /**< more than one scheduled stop passed; one snapshot taken */

/** @brief The values stored at the end of a debiting period (data sheet list). */
struct omp_regs_snapshot {
    omp_time_s utc;             /**< the stop: scheduled boundary (UTC) or the command time */
    omp_time_s capture_utc;     /**< when the snapshot was actually taken */
    uint8_t quality;            /**< OMP_REGS_Q_* */
    uint32_t billing_count;     /**< debiting stop counter, this stop included */
    uint32_t hours;             /**< hour counter */
    uint32_t threshold_count;   /**< power threshold counter */
    uint64_t pulse_milli;       /**< pulse input register */
    struct omp_regs_energy energy;
    struct omp_regs_peaks peaks;/**< the maxima of the period that ends (before the reset) */
    struct omp_regs_acc acc;    /**< accumulated maxima, this stop's maxima included */
};

/** @brief The running demand period. */
struct omp_regs_demand {
    omp_time_s start_utc;       /**< aligned start (0 before the first valid clock) */
    omp_time_s end_utc;         /**< aligned end */
    uint64_t start_a_plus, start_r_plus, start_e_plus, start_e_minus; /**< totals at the start */
    uint32_t elapsed_s;         /**< seconds counted in this period */
    uint8_t tariff;             /**< tariff at the start */
    uint8_t flags;              /**< OMP_REGS_PF_* gathered so far */
    bool have_last;             /**< `last` is valid */
    struct omp_regs_period last;/**< the newest closed period */
};

/** @brief The registers context. Members are public for static allocation; read, do not write. */
struct omp_registers {
    struct omp_regs_cfg cfg;
    struct omp_regs_energy e;
    uint32_t hours;               /**< hour counter */
    uint32_t supply_s;            /**< seconds with supply towards the next hour */
    uint32_t billing_count;       /**< debiting stop counter */
    uint32_t threshold_count;     /**< power threshold counter */
    uint64_t pulse_milli;         /**< pulse input register */
    struct omp_regs_peaks peaks;
    struct omp_regs_acc acc;
    struct omp_regs_demand demand;
    omp_time_s last_stop_utc;     /**< the newest debiting stop taken (0 none) */
    omp_time_s next_stop_utc;     /**< the next scheduled stop (0 none / not yet known) */
    uint8_t period_quality;       /**< OMP_REGS_Q_* gathered in the running debiting period */
    omp_time_s utc;               /**< the newest valid UTC second seen (kept across restarts
                                       and seconds without a valid clock) */
    bool utc_valid;               /**< utc holds such a second */
    struct omp_metro_energy fed;  /**< the engine's registers already fed (omp_registers_feed) */
    /* persistence */
    uint32_t checkpoint_id;       /**< id of the newest cold checkpoint (confirmed saved) */
    struct omp_regs_energy cold_e;/**< energy registers in that checkpoint (hot deltas' base) */
    uint64_t saved_steps;         /**< hash of displayed values at the last confirmed save */
    uint32_t saved_hours;
    bool cold_due;
    bool snapshot_pending;        /**< `snapshot` must be appended to the billing log */
    struct omp_regs_snapshot snapshot;
};

/**
 * @brief Defaults: Z11 +1 h, EU DST, 15 min demand, stop on the 1st, monthly, threshold off,
 * 1 unit per pulse, unit none, save step 10 Wh (Z1 7.2), flagged periods not counted.
 */
void omp_regs_cfg_default(struct omp_regs_cfg *cfg);

/**
 * @brief Zero every register and take @p cfg.
 * @return OMP_OK, OMP_ERR_ARG (NULL or a cfg field out of range; nothing changes).
 */
OMP_MUST_CHECK omp_err omp_registers_init(struct omp_registers *r, const struct omp_regs_cfg *cfg);

/**
 * @brief Add one interval's energy (micro-units, from the metrology registers' growth) to the
 * totals and to tariff @p tariff (1..OMP_CONFIG_TARIFFS; out of range counts as tariff 1).
 * Saturates instead of wrapping. O(1), no I/O.
 */
void omp_registers_add_energy(struct omp_registers *r, const struct omp_metro_energy *delta,
                              uint8_t tariff);

/**
 * @brief Feed the engine's registers @p total (counted from the engine's start, which is the
 * registers' init) to the registers: their growth since the previous feed, divided at a tariff
 * switch as @p split says. A share that cannot be computed exactly (a tick over 65 s, or more
 * than 2^40 micro-units in it) goes whole to split->after.
 */
void omp_registers_feed(struct omp_registers *r, const struct omp_metro_energy *total,
                        const struct omp_tariff_split *split);

/** @brief The threshold counter's power threshold := @p w (0: off), from the next demand
 *  period's close (PowerThresholdValue written over DLMS). NULL is ignored. */
void omp_registers_set_power_threshold(struct omp_registers *r, uint32_t w);

/** @brief The daylight-saving rule of the debiting stops' local time := @p rule; the next stop
 *  is computed again. @return OMP_OK, OMP_ERR_ARG (NULL, a rule other than none or EU). */
OMP_MUST_CHECK omp_err omp_registers_set_dst(struct omp_registers *r, enum omp_dst_rule rule);

/** @brief Count @p pulses on the pulse input (adds pulses * cfg.pulse_milli). */
void omp_registers_add_pulses(struct omp_registers *r, uint32_t pulses);

/**
 * @brief One second of time has passed, ending at @p utc. Call once per second of monotonic time
 * with supply, after adding that second's energy. Runs the hour counter (when @p supply), closes
 * the demand period when @p utc reaches its end (maxima, threshold counter, cold checkpoint due),
 * and takes a debiting snapshot when @p utc reaches the next scheduled stop (snapshot_pending).
 * @p tariff is the tariff in force (for the next period's tariff). With @p utc_valid false no
 * period or stop is closed on the clock; the running period and debiting period get CLOCK_BAD.
 * @return OMP_OK or OMP_ERR_ARG.
 */
OMP_MUST_CHECK omp_err omp_registers_second(struct omp_registers *r, omp_time_s utc,
                                            bool utc_valid, bool supply, uint8_t tariff);

/**
 * @brief The clock was set from @p old_utc to @p new_utc. Closes the running demand period
 * (flagged CLOCK_SET, not counted unless cfg says so) and starts a new, aligned one; marks the
 * debiting period CLOCK_SET; recomputes the next stop so that a stop already taken is not taken
 * again when the clock goes back, and a stop the clock jumped over is taken (late) at the next
 * second. Makes a cold checkpoint due.
 */
void omp_registers_clock_set(struct omp_registers *r, omp_time_s old_utc, omp_time_s new_utc);

/**
 * @brief The meter started (after omp_registers_restore or with fresh registers) at @p utc: the
 * running demand period and debiting period are flagged POWER_CUT; a stop scheduled during the
 * outage is taken (late) at the next second. Makes a cold checkpoint due.
 */
void omp_registers_power_up(struct omp_registers *r, omp_time_s utc, bool utc_valid);

/**
 * @brief External debiting stop (Z3 15 input, DLMS ForceBillingStop, push button) at @p utc.
 * @return OMP_OK, OMP_ERR_ARG, OMP_ERR_BUSY if a snapshot is still pending (not yet saved).
 */
OMP_MUST_CHECK omp_err omp_registers_billing_stop(struct omp_registers *r, omp_time_s utc);

/* ---- persistence --------------------------------------------------------------------------- */

/** @brief true if an energy register's displayed value or the hour counter changed since the
 * last confirmed save (hot or cold). */
bool omp_registers_hot_due(const struct omp_registers *r);
/** @brief true if a cold checkpoint is due. */
bool omp_registers_cold_due(const struct omp_registers *r);

/** @brief Encode the hot record (at most OMP_REGS_HOT_MAX bytes). @return OMP_OK or the writer's error. */
OMP_MUST_CHECK omp_err omp_registers_encode_hot(const struct omp_registers *r, struct omp_wr *w);
/** @brief Encode a cold checkpoint with id checkpoint_id + 1 (at most OMP_REGS_COLD_MAX bytes). */
OMP_MUST_CHECK omp_err omp_registers_encode_cold(const struct omp_registers *r, struct omp_wr *w);
/** @brief The hot record encoded last is durable. */
void omp_registers_hot_saved(struct omp_registers *r);
/** @brief The cold checkpoint encoded last is durable: it becomes the base of hot deltas. */
void omp_registers_cold_saved(struct omp_registers *r);

/**
 * @brief The pending snapshot (NULL if none). Append its encoding to the billing log, then call
 * omp_registers_snapshot_saved(), then save the cold checkpoint.
 */
const struct omp_regs_snapshot *omp_registers_pending_snapshot(const struct omp_registers *r);
/** @brief The pending snapshot is in the billing log. */
void omp_registers_snapshot_saved(struct omp_registers *r);

/** @brief Encode @p s in exactly OMP_REGS_SNAPSHOT_LEN bytes. @return OMP_OK or the writer's error. */
OMP_MUST_CHECK omp_err omp_regs_snapshot_encode(const struct omp_regs_snapshot *s, struct omp_wr *w);
/** @brief Decode a snapshot. @return OMP_OK, OMP_ERR_TRUNCATED, OMP_ERR_MALFORMED (version,
 * impossible values); @p s is written only on success. */
OMP_MUST_CHECK omp_err omp_regs_snapshot_decode(struct omp_rd *rd, struct omp_regs_snapshot *s);

/**
 * @brief Rebuild the registers (already initialised with their cfg) from the newest cold
 * checkpoint @p cold, the newest hot record @p hot and the newest billing log entry @p snap (each
 * may be NULL / 0 bytes when absent). A hot record of another checkpoint is ignored; a snapshot
 * newer than the checkpoint (billing_count = checkpoint's + 1) is rolled forward (peaks reset,
 * accumulated maxima and counter taken from it).
 * @return OMP_OK; OMP_ERR_MALFORMED / OMP_ERR_TRUNCATED (a record that does not decode: the
 *         registers are left as initialised); OMP_ERR_ARG.
 */
OMP_MUST_CHECK omp_err omp_registers_restore(struct omp_registers *r, const uint8_t *cold,
                                             size_t cold_len, const uint8_t *hot, size_t hot_len,
                                             const uint8_t *snap, size_t snap_len);

/**
 * @brief The first scheduled debiting stop strictly after @p after_utc for stop day @p day and
 * Z7 interval @p interval, at 00:00 local time (@p offset_min, @p dst).
 * @return OMP_OK, OMP_ERR_NOT_FOUND (interval 0: external only), OMP_ERR_ARG, OMP_ERR_RANGE.
 */
OMP_MUST_CHECK omp_err omp_regs_next_stop(omp_time_s after_utc, uint8_t day, uint8_t interval,
                                          int32_t offset_min, enum omp_dst_rule dst,
                                          omp_time_s *stop);

/* ---- persistence: the save policy and the endurance budget (lib/registers/persist.c) -------- */

/** Journal keys of the register records and of the legal record (written once). */
#define OMP_REGS_KEY_COLD 1u
#define OMP_REGS_KEY_HOT 2u
#define OMP_REGS_KEY_LEGAL 3u
/** Tag of the register journal's sector headers ("1J"). */
#define OMP_REGS_JOURNAL_TAG 0x4A31u
/** Tag of the billing log's records ("1B": billing log 1). */
#define OMP_REGS_BILLING_TAG 0x4231u
/** Tag of the mirror's records ("1M"). */
#define OMP_REGS_MIRROR_TAG 0x4D31u
/** Most bytes of the legal record (opaque here: the owner of the NVM layout encodes it). */
#define OMP_REGS_LEGAL_MAX 64u
/** Bytes of a mirror entry: version, legal length, cold length (u16), the legal record (zero
 *  padded to OMP_REGS_LEGAL_MAX) and the cold checkpoint (docs/storage.md "The mirror"). */
#define OMP_REGS_MIRROR_LEN (4u + OMP_REGS_LEGAL_MAX + OMP_REGS_COLD_LEN)
/** Fewest sectors of the mirror region (omp_regs_mirror_sectors() gives what a geometry needs). */
#define OMP_REGS_MIRROR_SECTORS 2u
/** Scratch bytes the persistence needs: a cold, a hot and a snapshot record side by side. */
#define OMP_REGS_PERSIST_BUF (OMP_REGS_COLD_MAX + OMP_REGS_HOT_MAX + OMP_REGS_SNAPSHOT_LEN)

/** Where a restore found the cold checkpoint it used. */
enum omp_regs_source {
    OMP_REGS_FROM_NONE = 0,    /**< no checkpoint: a new meter (or every copy lost) */
    OMP_REGS_FROM_JOURNAL = 1, /**< the register journal */
    OMP_REGS_FROM_MIRROR = 2,  /**< the mirror (the journal's newest checkpoint was lost) */
};

/** The registers' NVM regions, handed over by the owner of the NVM layout. */
struct omp_regs_regions {
    struct omp_nvm_region journal; /**< store, >= 2 sectors: cold, hot and legal records */
    struct omp_nvm_region mirror;  /**< log, omp_regs_mirror_sectors(): checkpoint + legal copies */
    struct omp_nvm_region billing; /**< log, omp_regs_persist_log_sectors sectors */
};

/**
 * @brief When and in which order the registers go to NVM, and what that costs the NVM.
 *
 * Order: a pending debiting snapshot to the billing log first, then a due cold checkpoint, then
 * the hot record when a displayed value changed, at most once per hot_min_ms (the endurance
 * budget) unless forced (power-fail warning, flush). The persistence owns the registers' three NVM
 * regions (the owner of the NVM layout hands them over): the journal, the mirror (each checkpoint
 * again, with the legal record) and the billing log; after a HAL error it opens them again before
 * the next save or read.
 */
struct omp_regs_persist {
    struct omp_store store;        /**< journal holding OMP_REGS_KEY_COLD / _HOT / _LEGAL */
    struct omp_nvm_log mirror;     /**< the newest checkpoints again, each with the legal record */
    struct omp_nvm_log billing;    /**< billing log: one snapshot per debiting stop */
    uint8_t *buf;                  /**< scratch of OMP_REGS_PERSIST_BUF bytes */
    uint32_t hot_record_bytes;     /**< NVM bytes of one hot record */
    uint64_t hot_min_ms;           /**< the endurance budget's least time between hot saves */
    uint64_t last_hot_ms;          /**< monotonic ms of the last hot save (or checkpoint) */
    uint64_t mirror_min_ms;        /**< the mirror's budget: its entries' mean least spacing */
    uint64_t mirror_credit_ms;     /**< the budget's bucket: an entry costs mirror_min_ms, time
                                        refills it up to one sector's entries */
    uint64_t mirror_refill_ms;     /**< monotonic ms the bucket was last refilled (UINT64_MAX:
                                        not yet) */
    bool hot_saved_once;
    bool mirror_behind;            /**< the journal's newest checkpoint is not in the mirror yet */
    uint8_t legal_len;             /**< bytes of legal (0: none given) */
    uint8_t legal[OMP_REGS_LEGAL_MAX]; /**< the legal record, as stored */
    omp_err restore_err;           /**< omp_registers_restore's result at the restore */
    enum omp_regs_source restored_from; /**< where the restore's checkpoint came from */
    uint32_t restored_id;          /**< its checkpoint id (0: none) */
    uint32_t newest_id;            /**< the newest checkpoint id any record names */
    bool rolled_back;              /**< the restore may be older than the newest save: a newer
                                        checkpoint is named (newest_id) or the journal lost its
                                        checkpoint and no hot record on the mirror's survived */
    uint64_t hot_saves, cold_saves, snapshots, mirror_saves, records; /**< written since init;
                                                                           records: all */
};

/**
 * @brief The endurance budget: the least time between hot saves so that @p journal_sectors of
 * @p geo reach their rated erase cycles (10 000 when the geometry gives none) only after
 * OMP_CONFIG_NVM_LIFE_YEARS of saving @p hot_bytes at that rate. One sector of the ring is always
 * spare; three quarters of the rest's bytes go to hot records, one quarter to checkpoints, other
 * records and compaction's copies. @return milliseconds.
 */
uint64_t omp_regs_hot_interval_ms(const struct omp_nvm_geometry *geo, uint32_t journal_sectors,
                                  uint32_t hot_bytes);

/** @brief Sectors the billing log needs on @p geo for OMP_CONFIG_BILLING_DEPTH snapshots (plus
 *  the one a ring keeps free); 0 when a snapshot does not fit a sector. */
uint32_t omp_regs_persist_log_sectors(const struct omp_nvm_geometry *geo);

/**
 * @brief The mirror's budget: the mean least time between its entries so that its @p sectors of
 * @p geo reach their rated erase cycles (10 000 when the geometry gives none) only after
 * OMP_CONFIG_NVM_LIFE_YEARS. @return milliseconds.
 */
uint64_t omp_regs_mirror_interval_ms(const struct omp_nvm_geometry *geo, uint32_t sectors);

/**
 * @brief Sectors the mirror needs on @p geo so that a checkpoint every 5 minutes (the shortest
 * demand period, Z4) plus a tenth more (restarts, clock sets, debiting stops) stays within its
 * budget for OMP_CONFIG_NVM_LIFE_YEARS; at least OMP_REGS_MIRROR_SECTORS. 0 when an entry does
 * not fit a sector.
 */
uint32_t omp_regs_mirror_sectors(const struct omp_nvm_geometry *geo);

/**
 * @brief Take the registers' regions @p rg and a scratch buffer of OMP_REGS_PERSIST_BUF bytes;
 * open the three (with @p read_only: nothing repaired, formatted or saved); counters zero.
 * @return OMP_OK; OMP_ERR_NVM_CORRUPT (one is damaged or foreign: all are readable as far as they
 * go, the damaged one refuses writes); or a HAL error (the region is kept and opened again by the
 * next save or read).
 */
OMP_MUST_CHECK omp_err omp_regs_persist_open(struct omp_regs_persist *p,
                                             const struct omp_regs_regions *rg, uint8_t *buf,
                                             bool read_only);

/** @brief Open a region again if a HAL error left it stale. @return OMP_OK or the open's error. */
OMP_MUST_CHECK omp_err omp_regs_persist_refresh(struct omp_regs_persist *p);

/** @brief Sectors of the journal, the mirror and the log the last opens found damaged or foreign. */
uint32_t omp_regs_persist_damaged(const struct omp_regs_persist *p);

/** @brief true while a HAL error left a region to be opened again. */
bool omp_regs_persist_stale(const struct omp_regs_persist *p);

/**
 * @brief The legal record (calibration, legal configuration; @p len 1..OMP_REGS_LEGAL_MAX bytes
 * that the caller encodes): written once, kept in the journal and in every mirror entry.
 * Compares @p legal with the stored one (the journal's, else the newest mirror entry's); stores
 * it when there is none and the regions are writable.
 * @return OMP_OK (equal, or stored now, or none stored and read only); OMP_ERR_DENIED (another
 * one is stored: nothing written); OMP_ERR_NVM_CORRUPT (registers are stored but no legal record
 * is: it was lost; counted as one damaged journal sector, and all three regions refuse writes);
 * OMP_ERR_ARG; or the HAL's error.
 */
OMP_MUST_CHECK omp_err omp_regs_persist_legal(struct omp_regs_persist *p, const uint8_t *legal,
                                              size_t len);

/**
 * @brief Rebuild @p r from the newest cold checkpoint (the journal's or the mirror's, whichever
 * has the higher id), the hot record and the newest billing snapshot; a record that does not
 * decode leaves them as initialised (p->restore_err says so). Sets restored_from, restored_id,
 * newest_id and rolled_back; when a newer checkpoint id is named than the one restored, the next
 * checkpoint takes an id above it (a hot record of the lost one never applies to it).
 * @return OMP_OK or the HAL's error.
 */
OMP_MUST_CHECK omp_err omp_regs_persist_restore(struct omp_regs_persist *p,
                                                struct omp_registers *r);

/** @brief Size the hot record of @p r and take the budget for the journal's sectors. */
void omp_regs_persist_budget(struct omp_regs_persist *p, const struct omp_registers *r);

/**
 * @brief Write what @p r has due at monotonic time @p mono_ms (see the struct), the exact
 * registers when @p force. A checkpoint also goes to the mirror while its budget's bucket has
 * credit (one held back goes there at the next save allowed, or forced; meanwhile a hot record
 * names it). @return OMP_OK or the NVM error (the due flags stay: retried later).
 */
OMP_MUST_CHECK omp_err omp_regs_persist_save(struct omp_regs_persist *p, struct omp_registers *r,
                                             uint64_t mono_ms, bool force);

/**
 * @brief The debiting snapshot @p age periods back (0 = newest).
 * @return OMP_OK, OMP_ERR_NOT_FOUND, OMP_ERR_NVM_CORRUPT, or the HAL's error.
 */
OMP_MUST_CHECK omp_err omp_regs_persist_billing(struct omp_regs_persist *p, uint32_t age,
                                                struct omp_regs_snapshot *out);

/**
 * @brief Most energy, mWh, a power cut without warning can lose at Imax (230 V, 100 A): Imax
 * power over hot_min_ms + 1 s, plus one display step (@p r's save step).
 */
uint32_t omp_regs_persist_loss_bound_mwh(const struct omp_regs_persist *p,
                                         const struct omp_registers *r);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_REGISTERS_H */

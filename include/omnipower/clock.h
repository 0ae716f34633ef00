/**
 * @file clock.h
 * @brief The clock and tariff service: the meter's time base, the tariff in force and its
 * calendars, and the power-up count, with their records in the settings store.
 *
 * Time is an input (struct omp_now, every tick). The service decides what the RTC's movements
 * mean: a jump of more than 2 s against the monotonic clock is a clock change (an event, and the
 * registers are told by the meter); without a valid RTC the last valid time is kept and
 * monotonic seconds go on. It hands out the seconds the registers must see, one at a time, and
 * splits a tick's energy at a tariff switch so that the switch lands on its second
 * (docs/registers.md "Tariff switches").
 *
 * Records (settings store, keys OMP_CLOCK_KEY_*): the state (power-ups, the tariff forced through
 * ActualTariff), the active calendar and the passive calendar with its activation time. A write
 * that fails changes nothing: the service keeps what the NVM holds.
 */
#ifndef OMNIPOWER_CLOCK_H
#define OMNIPOWER_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omnipower/core.h"
#include "omnipower/evq.h"
#include "omnipower/hal.h"
#include "omnipower/storage.h"
#include "omnipower/tariff.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Keys of the service's records in the settings store. */
#define OMP_CLOCK_KEY_STATE 3u
#define OMP_CLOCK_KEY_CAL_ACTIVE 4u
#define OMP_CLOCK_KEY_CAL_PASSIVE 5u
/** Scratch bytes the service needs: the largest record (a passive calendar). */
#define OMP_CLOCK_IO_LEN (OMP_TOU_ENCODED_MAX + 9u)
/** A move of the RTC against the monotonic clock by more than this is a clock change. */
#define OMP_CLOCK_JUMP_S 2
/** Bound on the seconds one tick hands to the registers (a longer gap is caught up later). */
#define OMP_CLOCK_SECONDS_PER_TICK 86400u

/** Input bits of omp_clock_tick's @p tariff_inputs. */
#define OMP_CLOCK_IN_TARIFF1 1u
#define OMP_CLOCK_IN_TARIFF2 2u

struct omp_clock_cfg {
    int32_t utc_offset_min;                /**< Z11 standard-time offset */
    enum omp_dst_rule dst_rule;            /**< Z15 */
    enum omp_tariff_source tariff_source;  /**< where the tariff in force comes from */
    uint8_t z3;                            /**< Z3 module configuration (tariff inputs) */
    uint8_t default_tariff;                /**< 1..OMP_CONFIG_TARIFFS */
};

/** What one tick (or a set) found: a clock change, and how the tick's energy divides. */
struct omp_clock_step {
    bool set;                        /**< the clock changed from old_utc to new_utc */
    omp_time_s old_utc, new_utc;
    struct omp_tariff_split split;   /**< the tick's energy at a tariff switch */
};

/** One second for the registers. */
struct omp_clock_sec {
    omp_time_s utc;  /**< the second's end (the last valid time when !valid) */
    bool valid;      /**< utc is on a valid clock */
    uint8_t tariff;  /**< tariff in force */
};

struct omp_clock {
    struct omp_clock_cfg cfg;
    struct omp_tariff tariff;      /**< the engine: source, inputs, calendars */
    uint8_t tariff_now;            /**< tariff in force */
    bool dirty;                    /**< evaluate the tariff again at the next tick */
    omp_time_s next_utc;           /**< next UTC second the tariff may change */
    uint32_t inputs_applied;       /**< tariff inputs the tariff was evaluated with */
    struct omp_now now;            /**< the newest time input */
    omp_time_s sec_utc;            /**< UTC second the registers last saw */
    uint64_t sec_mono_ms;          /**< mono_ms matching sec_utc */
    uint32_t sec_budget;           /**< seconds this tick may still hand out */
    uint64_t prev_ms_utc;          /**< UTC in ms at the previous tick (tariff split) */
    omp_time_s keep_s;             /**< the last valid time seen (restored, or from a tick) */
    bool keep_valid;
    omp_time_s restored_s;         /**< the time the NVM held at start (registers' records) */
    bool restored_valid;
    uint32_t power_ups;
    uint64_t saves;                /**< records written */
    struct omp_store *store;       /**< the settings store (shared; this service's keys only) */
    uint8_t *io;                   /**< scratch of OMP_CLOCK_IO_LEN bytes */
    struct omp_evq *events;        /**< clock set, power up, ActualTariff changed */
};

/** @brief true if @p c is a valid configuration. */
bool omp_clock_cfg_valid(const struct omp_clock_cfg *c);

/**
 * @brief Take @p cfg, the settings store (opened), a scratch buffer of OMP_CLOCK_IO_LEN bytes and
 * the event queue. @return OMP_OK or OMP_ERR_ARG (nothing else is checked or read).
 */
OMP_MUST_CHECK omp_err omp_clock_init(struct omp_clock *c, const struct omp_clock_cfg *cfg,
                                      struct omp_store *store, uint8_t *io,
                                      struct omp_evq *events);

/**
 * @brief Read the records and start the time base at @p now; @p saved_utc (valid or not) is the
 * newest time the NVM holds (the registers' records). @return OMP_OK or the HAL's error.
 */
OMP_MUST_CHECK omp_err omp_clock_restore(struct omp_clock *c, omp_time_s saved_utc,
                                         bool saved_valid, const struct omp_now *now);

/**
 * @brief Count the power-up (stored before the meter runs: an NVM that cannot take it fails; a
 * damaged store, which refuses writes, does not), evaluate the tariff and push OMP_EV_POWER_UP
 * with the seconds the meter was off (0 unknown). @return OMP_OK or the NVM's error.
 */
OMP_MUST_CHECK omp_err omp_clock_power_up(struct omp_clock *c, const struct omp_now *now);

/**
 * @brief A new time input: detect a clock change (OMP_EV_CLOCK_SET), evaluate the tariff when due
 * and say how the energy since the previous tick divides (@p tariff_inputs: OMP_CLOCK_IN_*).
 * Then omp_clock_second() hands out this tick's seconds.
 */
void omp_clock_tick(struct omp_clock *c, const struct omp_now *now, uint32_t tariff_inputs,
                    struct omp_clock_step *out);

/** @brief The next second the registers must see in this tick; false when there is none. */
bool omp_clock_second(struct omp_clock *c, struct omp_clock_sec *s);

/**
 * @brief The clock was set to @p utc (the port's RTC holds it already): OMP_EV_CLOCK_SET, and
 * @p out says from when to when. @return OMP_OK or OMP_ERR_RANGE (outside 1970..2199).
 */
OMP_MUST_CHECK omp_err omp_clock_set(struct omp_clock *c, omp_time_s utc,
                                     struct omp_clock_step *out);

/**
 * @brief Store @p cal as the passive calendar, activated at @p at_utc (0: at once).
 * @return OMP_OK, OMP_ERR_RANGE (omp_tou_check), or the NVM's error (nothing changed).
 */
OMP_MUST_CHECK omp_err omp_clock_set_calendar(struct omp_clock *c,
                                              const struct omp_tou_calendar *cal,
                                              omp_time_s at_utc);

/**
 * @brief Force the tariff (ActualTariff 129.0.0) when the source is OMP_TARIFF_SRC_REGISTER;
 * stored in the state record; OMP_EV_CONFIG_CHANGED. @return OMP_OK, OMP_ERR_UNSUPPORTED
 * (another source), OMP_ERR_RANGE (not 1..OMP_CONFIG_TARIFFS), or the NVM's error (nothing
 * changed).
 */
OMP_MUST_CHECK omp_err omp_clock_set_tariff(struct omp_clock *c, uint8_t tariff);

/** @brief The daylight-saving rule of local time := @p rule (clock attribute 8 written): the
 *  tariff is evaluated again at the next tick. @return OMP_OK, OMP_ERR_ARG (NULL, a rule other
 *  than none or EU). */
OMP_MUST_CHECK omp_err omp_clock_set_dst(struct omp_clock *c, enum omp_dst_rule rule);

/** @brief Push an event stamped with the service's time (the last valid time seen). */
void omp_clock_event(struct omp_clock *c, uint16_t code, uint32_t arg, uint16_t flags);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_CLOCK_H */

/**
 * @file tariff.h
 * @brief Which tariff is active now: module inputs (Z3) and time-of-use calendars.
 *
 * A pure engine (core only; no HAL, no storage). Two sources:
 * - **Module inputs**: the Z3 primary module configuration decides whether I/O 1 and I/O 2 are
 *   tariff inputs, and how their levels map to tariffs 1-4 (data sheet Z3 table; technical facts
 *   §6.2, Table 10 of the technical description).
 * - **Time-of-use calendar**, modelled on the DLMS activity calendar (IC 20) and special days table
 *   (IC 11): season profiles (start date, week profile), week profiles (a day profile per weekday),
 *   day profiles (switch times with 1-minute resolution and the tariff from each), and special days
 *   (a fixed date every year, or a one-off date) that replace the weekday's day profile. A passive
 *   calendar becomes the active one at a given UTC time.
 *
 * The calendar runs on local wall-clock time (standard time plus DST), as the meter's display shows.
 * The tariff in force before a day's first switch time is the one of the last switch of the
 * previous day (DLMS Blue Book rule). Switches land exactly on their minute: omp_tou_next_switch()
 * gives the UTC second of the next change so that a caller can split energy there.
 */
#ifndef OMNIPOWER_TARIFF_H
#define OMNIPOWER_TARIFF_H

#include "omnipower/config.h"
#include "omnipower/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- module inputs (Z3) ----------------------------------------------------------------------- */

/** Z3 codes that make the module inputs select tariffs (the others give no tariff). */
enum omp_z3 {
    OMP_Z3_NONE = 0,
    OMP_Z3_4T = 1,                  /**< 4-tariff: I/O1 and I/O2 are tariff inputs */
    OMP_Z3_4T_INV = 2,              /**< 4-tariff inverted */
    OMP_Z3_PULSE_ALARM = 3,
    OMP_Z3_PULSE_ALARM_INV = 4,
    OMP_Z3_PULSE_APLUS = 5,
    OMP_Z3_RPLUS_APLUS = 6,
    OMP_Z3_2T_ALARM = 7,            /**< I/O1 2-tariff input, I/O2 alarm input */
    OMP_Z3_2T_INV_ALARM = 8,
    OMP_Z3_2T_ALARM_INV = 9,
    OMP_Z3_2T_INV_ALARM_INV = 10,
    OMP_Z3_2T_APLUS = 11,           /**< I/O1 2-tariff input, I/O2 A+ pulse output */
    OMP_Z3_2T_INV_APLUS = 12,
    OMP_Z3_PULSE_2T = 13,           /**< I/O1 pulse input, I/O2 2-tariff input */
    OMP_Z3_PULSE_2T_INV = 14,
    OMP_Z3_DEBIT_STOP = 15,         /**< I/O1 debiting stop pulse input */
    OMP_Z3_AMINUS_APLUS = 16,
    OMP_Z3_LOAD_STATUS = 17,
    OMP_Z3_PULSE_SYNC = 18,         /**< I/O1 pulse input, I/O2 load tariff sync output */
    OMP_Z3_PULSE_INV_SYNC = 19,
    OMP_Z3_PULSE_SYNC_INV = 20,
    OMP_Z3_PULSE_INV_SYNC_INV = 21,
    OMP_Z3_4T_SYNC_LOAD = 22,       /**< 4-tariff inputs, load control synchronised to the tariff */
    OMP_Z3_4T_SYNC_LOAD_INV = 23,
    OMP_Z3_LOAD1_LOAD2 = 26,
    OMP_Z3_PULSE_LOAD = 27,
    OMP_Z3_PULSE_TOGGLE = 28,
    OMP_Z3_MAX = 28
};

/** @brief true if @p z3 is a valid Z3 code (0..23, 26..28). */
bool omp_z3_valid(uint8_t z3);

/** @brief true if Z3 mode @p z3 takes the tariff from the module inputs. */
bool omp_z3_has_tariff_inputs(uint8_t z3);

/**
 * @brief The tariff (1..4) that the input levels select in Z3 mode @p z3 (level true = 230 V
 * applied); 0 when the mode has no tariff inputs. 4-tariff: (0,0) T1, (1,0) T2, (0,1) T3, (1,1) T4;
 * inverted T4, T3, T2, T1. 2-tariff: 0 V T1, 230 V T2; inverted the other way round.
 */
uint8_t omp_z3_tariff(uint8_t z3, bool io1, bool io2);

/**
 * @brief Level of the "load tariff sync" output (Z3 18..21: I/O2) for active tariff @p tariff:
 * on in tariff 2 and above (the high-rate tariffs), inverted in 20 and 21. false in other modes.
 */
bool omp_z3_sync_output(uint8_t z3, uint8_t tariff);

/* ---- time-of-use calendar --------------------------------------------------------------------- */

/** Wildcard for a special day's year: the date repeats every year. */
#define OMP_TOU_EVERY_YEAR 0xFFFFu

/** @brief One switch point of a day profile: from hh:mm local wall time, tariff @p tariff. */
struct omp_tou_switch {
    uint8_t hour;   /**< 0..23 */
    uint8_t minute; /**< 0..59 */
    uint8_t tariff; /**< 1..OMP_CONFIG_TARIFFS */
};

/** @brief A day profile: switch points in strictly increasing time order. */
struct omp_tou_day {
    uint8_t n_switches; /**< 1..OMP_CONFIG_TOU_SWITCHES */
    struct omp_tou_switch sw[OMP_CONFIG_TOU_SWITCHES];
};

/** @brief A week profile: day profile index for Monday (0) .. Sunday (6). */
struct omp_tou_week {
    uint8_t day[7];
};

/** @brief A season: from @p month/@p day (every year, 00:00 local) the week profile @p week. */
struct omp_tou_season {
    uint8_t month; /**< 1..12 */
    uint8_t day;   /**< 1..31 (valid for the month; 29 February starts on 1 March in other years) */
    uint8_t week;  /**< week profile index */
};

/** @brief A special day: on this date, day profile @p day_profile replaces the week's. */
struct omp_tou_special {
    uint16_t year;  /**< 2000..2199 (one-off) or OMP_TOU_EVERY_YEAR (fixed date every year) */
    uint8_t month;  /**< 1..12 */
    uint8_t day;    /**< 1..31 */
    uint8_t day_profile;
};

/** @brief A time-of-use calendar (the active or the passive one). */
struct omp_tou_calendar {
    uint8_t n_seasons;  /**< 1..OMP_CONFIG_TOU_SEASONS, sorted by (month, day), distinct */
    uint8_t n_weeks;    /**< 1..OMP_CONFIG_TOU_WEEKS */
    uint8_t n_days;     /**< 1..OMP_CONFIG_TOU_DAYS */
    uint16_t n_special; /**< 0..OMP_CONFIG_TOU_SPECIAL_DAYS */
    struct omp_tou_season season[OMP_CONFIG_TOU_SEASONS];
    struct omp_tou_week week[OMP_CONFIG_TOU_WEEKS];
    struct omp_tou_day day[OMP_CONFIG_TOU_DAYS];
    struct omp_tou_special special[OMP_CONFIG_TOU_SPECIAL_DAYS];
};

/**
 * @brief Check @p cal: counts within the configured sizes, seasons sorted and distinct with valid
 * dates, every index in range, switch times increasing and valid, tariffs 1..OMP_CONFIG_TARIFFS,
 * special-day dates valid. @return OMP_OK, OMP_ERR_ARG (NULL) or OMP_ERR_RANGE.
 */
OMP_MUST_CHECK omp_err omp_tou_check(const struct omp_tou_calendar *cal);

/**
 * @brief The tariff @p cal selects at local wall time @p local (seconds are ignored below the
 * minute, a switch at hh:mm applies from hh:mm:00). @p cal must pass omp_tou_check.
 * @return OMP_OK, OMP_ERR_ARG (NULL, invalid date).
 */
OMP_MUST_CHECK omp_err omp_tou_tariff(const struct omp_tou_calendar *cal,
                                      const struct omp_datetime *local, uint8_t *tariff);

/**
 * @brief The first UTC second after @p utc at which the calendar's tariff changes (a switch whose
 * tariff differs from the one in force), looking ahead at most @p horizon_s seconds; local time
 * from @p offset_min and @p dst. Across a DST change the local switch time is mapped with
 * omp_local_to_utc (a switch in the skipped hour lands at its end; in the repeated hour, on its
 * first occurrence). @return OMP_OK, OMP_ERR_NOT_FOUND (no change within the horizon), OMP_ERR_ARG.
 */
OMP_MUST_CHECK omp_err omp_tou_next_switch(const struct omp_tou_calendar *cal, omp_time_s utc,
                                           int32_t offset_min, enum omp_dst_rule dst,
                                           uint32_t horizon_s, omp_time_s *next, uint8_t *tariff);

/** Bytes of the largest encoded calendar. */
#define OMP_TOU_ENCODED_MAX                                                                        \
    (8u + 3u * OMP_CONFIG_TOU_SEASONS + 7u * OMP_CONFIG_TOU_WEEKS +                                \
     OMP_CONFIG_TOU_DAYS * (1u + 3u * OMP_CONFIG_TOU_SWITCHES) + 5u * OMP_CONFIG_TOU_SPECIAL_DAYS)

/**
 * @brief Encode @p cal (which must pass omp_tou_check) into a compact, versioned byte form for NVM
 * and configuration files. @return OMP_OK, OMP_ERR_ARG, OMP_ERR_RANGE, OMP_ERR_NOSPACE (nothing
 * written beyond what the writer allows).
 */
OMP_MUST_CHECK omp_err omp_tou_encode(const struct omp_tou_calendar *cal, struct omp_wr *w);

/**
 * @brief Decode a calendar from outside bytes. Rejects anything omp_tou_check would; @p cal is
 * written only on success. @return OMP_OK, OMP_ERR_MALFORMED, OMP_ERR_TRUNCATED, OMP_ERR_RANGE.
 */
OMP_MUST_CHECK omp_err omp_tou_decode(struct omp_rd *rd, struct omp_tou_calendar *cal);

/* ---- the tariff engine ------------------------------------------------------------------------ */

/** Where the active tariff comes from (DLMS ModeSelector_TariffCtrl 1.1.96.52.21.255). */
enum omp_tariff_source {
    OMP_TARIFF_SRC_DEFAULT = 0,  /**< disabled: always the default tariff */
    OMP_TARIFF_SRC_INPUTS = 1,   /**< module inputs per Z3 */
    OMP_TARIFF_SRC_REGISTER = 2, /**< forced by writing ActualTariff (1.1.129.0.0.255) */
    OMP_TARIFF_SRC_CALENDAR = 3  /**< internal time-of-use calendar */
};

/** @brief The tariff engine: configuration, both calendars and the inputs' last levels. */
struct omp_tariff {
    enum omp_tariff_source source;
    uint8_t z3;                 /**< module configuration */
    uint8_t default_tariff;     /**< 1..OMP_CONFIG_TARIFFS (DefaultTariff 1.1.96.52.22.255) */
    uint8_t register_tariff;    /**< 1..OMP_CONFIG_TARIFFS (ActualTariff written) */
    bool io1, io2;              /**< input levels */
    bool has_active;            /**< an active calendar is loaded */
    bool has_passive;           /**< a passive calendar waits for activation */
    omp_time_s passive_at_utc;  /**< when the passive calendar becomes active */
    struct omp_tou_calendar active;
    struct omp_tou_calendar passive;
};

/** @brief Defaults: source DEFAULT, tariff 1, Z3 0, no calendars. */
void omp_tariff_init(struct omp_tariff *t);

/**
 * @brief Load @p cal as the passive calendar, to become active at @p at_utc (at or before the
 * current time: at the next omp_tariff_now call). @return OMP_OK, OMP_ERR_ARG, OMP_ERR_RANGE
 * (omp_tou_check); nothing changes on error.
 */
OMP_MUST_CHECK omp_err omp_tariff_set_passive(struct omp_tariff *t,
                                              const struct omp_tou_calendar *cal,
                                              omp_time_s at_utc);

/**
 * @brief The active tariff at @p utc (local time from @p offset_min / @p dst). Activates a due
 * passive calendar first. In the hour repeated when DST ends, the calendar source keeps, during
 * the second pass, the tariff reached at the end of the first pass (switches happen on their
 * first occurrence, as omp_tou_next_switch gives them; wall time alone would go back). Falls back to the default tariff when the source cannot answer (no
 * calendar, a Z3 mode without tariff inputs). @return 1..OMP_CONFIG_TARIFFS.
 */
uint8_t omp_tariff_now(struct omp_tariff *t, omp_time_s utc, int32_t offset_min,
                       enum omp_dst_rule dst);

/** How one interval's energy divides at a tariff switch: the share num/den (num <= den, den > 0)
 *  to tariff @c before, the rest to @c after; num 0 gives everything to @c after. */
struct omp_tariff_split {
    uint8_t before;
    uint8_t after;
    uint64_t num;
    uint64_t den;
};

/** Look-ahead of omp_tariff_next_change for the calendar's next switch: 400 days. */
#define OMP_TARIFF_HORIZON_S (400u * 86400u)

/**
 * @brief The first UTC second after @p utc at which omp_tariff_now may give another tariff: the
 * active calendar's next switch (or @p utc + OMP_TARIFF_HORIZON_S when it has none that soon;
 * never for other sources), or the passive calendar's activation if sooner (@p utc + 1 when it is
 * due already). INT64_MAX when nothing can change on time (inputs change it at once).
 */
omp_time_s omp_tariff_next_change(const struct omp_tariff *t, omp_time_s utc, int32_t offset_min,
                                  enum omp_dst_rule dst);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_TARIFF_H */

/**
 * @file display.h
 * @brief The display: how a value looks as text (the LCD and the optical port share it), the text
 * labels and symbols, and the display lists with their stepping rules (technical facts 9).
 *
 * Formatting takes a value of the data dictionary (value.h) and the object's OBIS code; it never
 * reads meter state. IEC 62056-21 readouts use the same number formats as the LCD (IEC doc p.13),
 * except where the Kamstrup IEC document prints its own (instantaneous powers unpadded, maximum
 * demand 5.3 digits): the @p target argument says which.
 *
 * The list engine holds the four lists as OBIS code + attribute + view items and steps through them
 * on time and button presses; the meter reads the current item's value through the dictionary and
 * formats it here. Part of the `display` module: below storage and the services, it includes core
 * only.
 *
 * Module switch: OMP_CONFIG_DISPLAY (config.h, default 1) covers the list engine only (the
 * "lists" part below, lib/display/display_list.c); formatting and symbols are always built.
 */
#ifndef OMNIPOWER_DISPLAY_H
#define OMNIPOWER_DISPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omnipower/core.h"
#include "omnipower/value.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- formatting ------------------------------------------------------------------------------- */

/** Characters (with the NUL) enough for every value text omp_display_format writes. */
#define OMP_DISPLAY_TEXT_MAX 24u

/** @brief Z1: integer digits and decimals of the energy display (7.0, 6.1, 7.2, 6.3). */
struct omp_display_z1 {
    uint8_t energy_digits;   /**< 6 or 7 */
    uint8_t energy_decimals; /**< 0..3 */
};

/** @brief Who shows the text. */
enum omp_display_target {
    OMP_DISPLAY_LCD, /**< the 9-digit value field (technical facts 9.2) */
    OMP_DISPLAY_IEC, /**< an IEC 62056-21 data set's value (technical facts 10.4) */
};

/** @brief Which part of a date-time an LCD item shows. */
enum omp_display_view {
    OMP_DISPLAY_VIEW_VALUE = 0, /**< the value (a date-time: its date on the LCD) */
    OMP_DISPLAY_VIEW_DATE = 1,  /**< `YYYY:MM:DD` */
    OMP_DISPLAY_VIEW_TIME = 2,  /**< `HH:MM:SS` */
};

/**
 * @brief Format attribute @p attr of the object @p obis, whose value is @p v, as @p target shows it.
 *
 * Energies (D = 8): Z1 digits and decimals in kWh/kvarh/kVAh, truncated (`0001234.56`); maxima
 * (D = 6): kW 2.3 on the LCD, 5.3 on IEC; accumulated maxima (D = 2): kW 6.3; instantaneous powers
 * (D = 7, C = 1..4, 9, 10): kW 2.3 on the LCD, unpadded with 3 decimals on IEC; other instantaneous
 * values: unpadded with -scaler decimals (`230.0` V); date-times: LCD `YYYY:MM:DD` or `HH:MM:SS`
 * (dashes while invalid or unset), IEC `NVYYMMDDhhmmss` (`00000101000000` unset); meter numbers 8
 * digits, counters at least the digits the Kamstrup readout shows; strings as they are; null-data
 * empty.
 *
 * @param[out] text  NUL-terminated text, at most OMP_DISPLAY_TEXT_MAX - 1 characters.
 * @param[out] unit  The unit text (`kWh`, `kW`, `V`, ...) or "" for none; a static string.
 * A date-time the calendar cannot show (outside 1970..2199) reads as unset.
 * @return OMP_OK, OMP_ERR_ARG (NULL, or a Z1 of more than 9 digits or 3 decimals),
 *         OMP_ERR_NOSPACE (@p cap < OMP_DISPLAY_TEXT_MAX), OMP_ERR_RANGE (a scaler outside
 *         -9..9: no format shows it).
 */
OMP_MUST_CHECK omp_err omp_display_format(const uint8_t obis[6], uint8_t attr,
                                          const struct omp_value *v, enum omp_display_target target,
                                          enum omp_display_view view,
                                          const struct omp_display_z1 *z1, char *text, size_t cap,
                                          const char **unit);

/** @brief The text label of an item (technical facts 9.5: `A+`, `P+M/T1`, `HRS`, ...), or "". */
const char *omp_display_label(const uint8_t obis[6], enum omp_display_view view);

/**
 * @brief The text field of an item whose value is @p v: its label, except for the software number
 * 0.2.0, whose revision (after the '-' of `5098736-A1`) goes to the text field while the value
 * field shows the number (technical facts 9.4). NUL-terminated, truncated to @p cap.
 */
void omp_display_text_field(const uint8_t obis[6], enum omp_display_view view,
                            const struct omp_value *v, char *out, size_t cap);

/* ---- symbols ---------------------------------------------------------------------------------- */

/** @brief What the symbols are computed from (instantaneous values and states). */
struct omp_display_inputs {
    float urms_v;         /**< L1 on at 160 V and above */
    float irms_a;         /**< quadrant arrows off below 10 mA */
    float p_w;            /**< load symbol above 2.3 W; import/export by sign */
    float q_var;          /**< inductive/capacitive by sign, above 2.3 var */
    uint8_t tariff;       /**< T1..T8, 0 none (the symbol bits hold T1..T7) */
    bool tamper;          /**< a tamper input is active (cover, terminal cover, magnet): ALARM */
    bool error;           /**< a fatal error (meter status bit 1): the error symbol */
};

/** @brief The symbol bits (hal.h OMP_SYM_*) for @p in. */
uint32_t omp_display_symbols(const struct omp_display_inputs *in);

/* ---- lists (lib/display/display_list.c) -------------------------------------------------------- */
/* Built only with OMP_CONFIG_DISPLAY 1 (config.h). */

/**
 * @brief One display item: attribute @c attr of the object @c obis, shown as @c view.
 *
 * E.g. A+ = {1,1,1,8,0,255} attr 2; the time of P+ max = {1,1,1,6,0,255} attr 5 view TIME; the
 * clock = {0,1,1,0,0,255} attr 2 view DATE or TIME. Items that are not data objects use the pseudo
 * codes below. Valid items have attr >= 1 and view <= OMP_DISPLAY_VIEW_TIME.
 */
struct omp_display_item {
    uint8_t obis[6]; /**< A..F */
    uint8_t attr;    /**< COSEM attribute, 1..255 (2: the value) */
    uint8_t view;    /**< enum omp_display_view */
};

/* Pseudo codes, Kamstrup manufacturer range (C = 128): items the meter draws itself. */
/** Display test (all segments on); allowed in the battery list. */
#define OMP_DISPLAY_OBIS_TEST {1, 1, 128, 128, 1, 255}
/** "CALL" (technical facts 9.5); not allowed in the automatic list. */
#define OMP_DISPLAY_OBIS_CALL {1, 1, 128, 128, 2, 255}
/** Manual disconnect: CouplingState 1.1.128.0.0.255 (a real object, technical facts 7.2); not
 *  allowed in the automatic or battery list. Holding the left button on it toggles the breaker. */
#define OMP_DISPLAY_OBIS_DISCONNECT {1, 1, 128, 0, 0, 255}
/** Power-up item 1: RomChecksum 1.1.96.54.1.255 (id 96.54.1, "CSUM"). */
#define OMP_DISPLAY_OBIS_ROM_CHECKSUM {1, 1, 96, 54, 1, 255}
/** Power-up items 2 and 3: SoftwareNumberRevisionAscii 1.1.0.2.0.255 (id 0.2.0). */
#define OMP_DISPLAY_OBIS_SOFTWARE {1, 1, 0, 2, 0, 255}

/** @brief The four lists (technical facts 9.1). Values are stable: they index the NVM encoding. */
enum omp_display_list {
    OMP_DISPLAY_LIST_AUTO = 0,    /**< steps every OMP_CONFIG_DISPLAY_SCROLL_S (10 s) */
    OMP_DISPLAY_LIST_MANUAL = 1,  /**< consumer list, left button */
    OMP_DISPLAY_LIST_UTILITY = 2, /**< utility list, sealable right button PB2 */
    OMP_DISPLAY_LIST_BATTERY = 3, /**< supply backup list, left button, only without mains */
    OMP_DISPLAY_LIST_COUNT
};

/** @brief What the display is doing. */
enum omp_display_mode {
    OMP_DISPLAY_MODE_POWER_UP = 0, /**< the 15 s power-up sequence (technical facts 9.4) */
    OMP_DISPLAY_MODE_AUTO = 1,     /**< automatic list */
    OMP_DISPLAY_MODE_MANUAL = 2,   /**< manual list; automatic again 2 min after the last press */
    OMP_DISPLAY_MODE_UTILITY = 3,  /**< utility list; automatic again 2 min after the last press */
    OMP_DISPLAY_MODE_BATTERY = 4,  /**< battery list (mains off) */
};

/** @brief The push buttons (technical facts 9.6). */
enum omp_display_button {
    OMP_DISPLAY_BUTTON_LEFT = 0, /**< the consumer's button */
    OMP_DISPLAY_BUTTON_PB2 = 1,  /**< the sealable right button */
};

/**
 * @brief What a long press asks for. The display does not act on it: the meter turns it into an
 * event for the service that owns the function (disconnect, registers, radio).
 */
enum omp_display_req {
    OMP_DISPLAY_REQ_NONE = 0,
    OMP_DISPLAY_REQ_BREAKER_TOGGLE = 1, /**< >= 6 s on the manual-disconnect item (TD p.20) */
    OMP_DISPLAY_REQ_BREAKER_CLOSE = 2,  /**< >= 6 s on the manual list's first item: close a
                                             released breaker (TD p.41) */
    OMP_DISPLAY_REQ_TRIP_RESET = 3,     /**< >= 6 s on a trip counter C.128.0 (TD p.25) */
    OMP_DISPLAY_REQ_RADIO_DELAY = 4,    /**< >= 5 s, begun during the power-up sequence: delay
                                             the radio's start by 5 min (TD p.19) */
};

/** Power-up sequence (technical facts 9.4): CSUM, software number, software number again. */
#define OMP_DISPLAY_POWER_UP_STEP_MS 5000u
/** Manual and utility lists return to the automatic list this long after the last press. */
#define OMP_DISPLAY_MANUAL_TIMEOUT_MS 120000u
/** A press held at least this long is a long press: it does not step (radio delay threshold). */
#define OMP_DISPLAY_LONG_PRESS_MS 5000u
/** A long press held at least this long asks for the breaker or the trip counter reset. */
#define OMP_DISPLAY_ACTION_PRESS_MS 6000u

/** Bit of omp_display_cfg.legal for the total energy C.8.0 (1.1.C.8.0.255), C = 1..16. */
#define OMP_DISPLAY_LEGAL(c) ((uint16_t)(1u << ((c) - 1u)))

/** @brief What the meter decides about its display. */
struct omp_display_cfg {
    /** Legal readings: the total energies (OMP_DISPLAY_LEGAL(C) for C.8.0, attr 2) that the
     *  manual list must always hold ("legal readings cannot be deselected"). A+ 1.8.0 is always
     *  legal, set or not. */
    uint16_t legal;
    /** The PB2 function "view the utility list" was enabled at order. */
    bool pb2_utility;
};

/**
 * @brief The list engine: four lists and where the display is in them. All state is here; the
 * caller owns the storage. Read it through the functions below.
 */
struct omp_display {
    struct omp_display_item auto_items[OMP_CONFIG_DISPLAY_AUTO_MAX];
    struct omp_display_item manual_items[OMP_CONFIG_DISPLAY_MANUAL_MAX];
    struct omp_display_item utility_items[OMP_CONFIG_DISPLAY_UTILITY_MAX];
    struct omp_display_item battery_items[OMP_CONFIG_DISPLAY_BATTERY_MAX];
    uint8_t n[OMP_DISPLAY_LIST_COUNT]; /**< items in each list */
    struct omp_display_cfg cfg;
    uint64_t start_ms; /**< when omp_display_init started the power-up sequence */
    uint64_t mark_ms;  /**< auto: when the next step is due; manual/utility: the last press */
    uint8_t mode;      /**< enum omp_display_mode */
    uint8_t index;     /**< position in the list of the mode (power-up: step 0..2) */
    bool mains;        /**< the last mains state omp_display_tick saw */
    bool changed;      /**< the shown item or mode changed since omp_display_changed */
};

/** @brief What the display shows now. */
struct omp_display_shown {
    struct omp_display_item item; /**< the item; all zero when @c blank */
    uint8_t mode;                 /**< enum omp_display_mode */
    uint8_t index;                /**< position in the mode's list (power-up: step 0..2) */
    bool blank;                   /**< the mode's list is empty: nothing to show */
};

/**
 * @brief Start the power-up sequence at @p mono_ms; the automatic list follows it.
 *
 * The automatic and manual lists start as the legal readings in C order (1.8.0 first), the utility
 * and battery lists empty; the meter then sets its lists (omp_display_set_list) or restores them
 * (omp_display_lists_decode). Mains is taken as on.
 * @return OMP_OK, OMP_ERR_ARG (NULL), OMP_ERR_RANGE (more legal readings than the manual list
 *         holds).
 */
OMP_MUST_CHECK omp_err omp_display_init(struct omp_display *d, const struct omp_display_cfg *cfg,
                                        uint64_t mono_ms);

/** @brief Most items list @p which holds (OMP_CONFIG_DISPLAY_*_MAX), 0 for an unknown list. */
size_t omp_display_list_max(enum omp_display_list which);

/**
 * @brief Replace list @p which with @p n items (copied), after checking the rules of technical
 * facts 9.1: the size; automatic: no historical data C.D.E = 98.1.0, no load profile 99.1.0, no
 * CALL, no manual disconnect; battery: only 1.1.C.8.0.255 for C = 1..10 and 16, the display test,
 * meter numbers 1.1.0.0.1-3.255, serial number 1.1.96.1.0.255 and special data 1.1.0.130.1.255,
 * each attr 2; manual: every legal reading (attr 2) present. Showing that list restarts it at its
 * first item.
 *
 * @param[out] bad  On OMP_ERR_RANGE or OMP_ERR_DENIED: the offending item's index (the first one
 *                  past the limit for too many items; @p n for a missing legal reading). May be
 *                  NULL.
 * @return OMP_OK, OMP_ERR_ARG (NULL, unknown list), OMP_ERR_RANGE (too many items, attr 0, unknown
 *         view), OMP_ERR_DENIED (item not allowed in this list, or a legal reading missing). On
 *         error nothing changes.
 */
OMP_MUST_CHECK omp_err omp_display_set_list(struct omp_display *d, enum omp_display_list which,
                                            const struct omp_display_item *items, size_t n,
                                            size_t *bad);

/**
 * @brief The items of list @p which (valid while @p d is and until it changes).
 * @return OMP_OK or OMP_ERR_ARG (NULL, unknown list).
 */
OMP_MUST_CHECK omp_err omp_display_get_list(const struct omp_display *d,
                                            enum omp_display_list which,
                                            const struct omp_display_item **items, size_t *n);

/**
 * @brief Advance the display to @p mono_ms with the mains state @p mains: the power-up steps, the
 * automatic list's step every OMP_CONFIG_DISPLAY_SCROLL_S, the return from the manual or utility
 * list 2 min after the last press, the battery list while the mains is off and the automatic list
 * (first item) when it comes back. Late calls catch up. NULL is ignored.
 */
void omp_display_tick(struct omp_display *d, uint64_t mono_ms, bool mains);

/**
 * @brief A button was released at @p mono_ms after being held @p held_ms.
 *
 * Shorter than OMP_DISPLAY_LONG_PRESS_MS it steps: left enters the manual list at its first item
 * (from the automatic or utility list) or steps it, or steps the battery list without mains; PB2
 * (if cfg.pb2_utility and the utility list is not empty) enters or steps the utility list. Presses
 * during the power-up sequence do not step. Longer presses do not step; a left one returns what it
 * asks for (enum omp_display_req), judged on the item shown. Without mains nothing is requested.
 * Every press in the manual or utility list restarts the 2 min timeout.
 * @return The request, OMP_DISPLAY_REQ_NONE for a step, an ignored press or NULL.
 */
enum omp_display_req omp_display_press(struct omp_display *d, enum omp_display_button b,
                                       uint32_t held_ms, uint64_t mono_ms);

/**
 * @brief The item to show now and the mode. @return OMP_OK or OMP_ERR_ARG (NULL).
 */
OMP_MUST_CHECK omp_err omp_display_current(const struct omp_display *d,
                                           struct omp_display_shown *out);

/** @brief True once after each change of the shown item or mode (then false until the next). */
bool omp_display_changed(struct omp_display *d);

/** Format byte and version of the lists' NVM encoding. */
#define OMP_DISPLAY_LISTS_FORMAT  0x44u /* 'D' */
#define OMP_DISPLAY_LISTS_VERSION 1u

/** Bytes of the largest encoding: format, version, then per list a count and 8 bytes per item. */
#define OMP_DISPLAY_LISTS_ENCODED_MAX                                                              \
    (2u + 4u +                                                                                     \
     8u * (OMP_CONFIG_DISPLAY_AUTO_MAX + OMP_CONFIG_DISPLAY_MANUAL_MAX +                           \
           OMP_CONFIG_DISPLAY_UTILITY_MAX + OMP_CONFIG_DISPLAY_BATTERY_MAX))

/**
 * @brief Encode the four lists for NVM: format 0x44, version 1, then for the automatic, manual,
 * utility and battery lists in turn a count byte and per item obis[6], attr, view.
 * @return OMP_OK, OMP_ERR_ARG, OMP_ERR_NOSPACE (nothing written) or the writer's earlier error.
 */
OMP_MUST_CHECK omp_err omp_display_lists_encode(const struct omp_display *d, struct omp_wr *w);

/**
 * @brief Decode four lists (outside bytes) and, if every list passes the rules of
 * omp_display_set_list against @p d's configuration, replace @p d's lists; the list shown restarts
 * at its first item. On error @p d and @p rd are unchanged.
 * @return OMP_OK, OMP_ERR_ARG, OMP_ERR_TRUNCATED, OMP_ERR_MALFORMED (format or version),
 *         OMP_ERR_RANGE (a count above the list's size, attr 0, unknown view), OMP_ERR_DENIED.
 */
OMP_MUST_CHECK omp_err omp_display_lists_decode(struct omp_rd *rd, struct omp_display *d);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_DISPLAY_H */

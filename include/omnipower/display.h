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
 * @return OMP_OK, OMP_ERR_ARG (NULL), OMP_ERR_NOSPACE (@p cap < OMP_DISPLAY_TEXT_MAX),
 *         OMP_ERR_RANGE (a date outside the calendar's range: the text is the unset one).
 */
OMP_MUST_CHECK omp_err omp_display_format(const uint8_t obis[6], uint8_t attr,
                                          const struct omp_value *v, enum omp_display_target target,
                                          enum omp_display_view view,
                                          const struct omp_display_z1 *z1, char *text, size_t cap,
                                          const char **unit);

/** @brief The text label of an item (technical facts 9.5: `A+`, `P+M/T1`, `HRS`, ...), or "". */
const char *omp_display_label(const uint8_t obis[6], enum omp_display_view view);

/* ---- symbols ---------------------------------------------------------------------------------- */

/** @brief What the symbols are computed from (instantaneous values and states). */
struct omp_display_inputs {
    float urms_v;         /**< L1 on at 160 V and above */
    float irms_a;         /**< quadrant arrows off below 10 mA */
    float p_w;            /**< load symbol above 2.3 W; import/export by sign */
    float q_var;          /**< inductive/capacitive by sign, above 2.3 var */
    uint8_t tariff;       /**< T1..T8, 0 none */
};

/** @brief The symbol bits (hal.h OMP_SYM_*) for @p in. */
uint32_t omp_display_symbols(const struct omp_display_inputs *in);

/* ---- lists (lib/display/display_list.c) -------------------------------------------------------- */

/* (the list engine's declarations go here) */

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_DISPLAY_H */

/**
 * @file value.h
 * @brief One typed value with scaler and unit: what every reader of the data dictionary gets.
 *
 * The object model (cosem.h) answers every read with a `struct omp_value`; the display formats it
 * as text, the optical port as `C.D.E(value*unit)`, DLMS as A-XDR (omp_axdr_put_value). The type
 * codes equal the A-XDR tags of the Blue Book, so a DLMS encoder maps them one to one, and the
 * unit codes are the Blue Book's unit enumeration (the scaler_unit of class 3/4 attribute 3).
 *
 * Part of the `core` module: pure, no state, no allocation. The value holds its bytes itself (no
 * pointers), so it can be returned by value and kept after the object it came from changed.
 */
#ifndef OMNIPOWER_VALUE_H
#define OMNIPOWER_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omnipower/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Bytes an octet-string, visible-string or pre-encoded value can hold (an 18-character type
 * number, a 14-character identification number, a small A-XDR structure). */
#define OMP_VALUE_BYTES_MAX 32u

/** @brief Value types: the numbers are the A-XDR tags (Blue Book 4.1.5, Green Book 9.5). */
enum omp_vtype {
    OMP_VT_NULL = 0,      /**< null-data: the object exists, the meter keeps no value for it */
    OMP_VT_BOOL = 3,      /**< boolean (v.u 0/1) */
    OMP_VT_I32 = 5,       /**< double-long (v.i) */
    OMP_VT_U32 = 6,       /**< double-long-unsigned (v.u) */
    OMP_VT_OCTETS = 9,    /**< octet-string (v.bytes, len) */
    OMP_VT_VISIBLE = 10,  /**< visible-string (v.bytes, len; printable ASCII) */
    OMP_VT_I8 = 15,       /**< integer (v.i) */
    OMP_VT_I16 = 16,      /**< long (v.i) */
    OMP_VT_U8 = 17,       /**< unsigned (v.u) */
    OMP_VT_U16 = 18,      /**< long-unsigned (v.u) */
    OMP_VT_I64 = 20,      /**< long64 (v.i) */
    OMP_VT_U64 = 21,      /**< long64-unsigned (v.u) */
    OMP_VT_ENUM = 22,     /**< enum (v.u) */
    OMP_VT_DATETIME = 25, /**< date-time (v.dt) */
    OMP_VT_ENCODED = 254, /**< structure or array, already A-XDR encoded in v.bytes (len bytes) */
};

/** @brief Units (Blue Book 4.3.2 scaler_unit, enumeration of physical units); a few used here. */
enum omp_unit {
    OMP_UNIT_NONE = 0,     /**< no unit (not a Blue Book code: values without scaler_unit) */
    OMP_UNIT_HOUR = 5,     /**< h */
    OMP_UNIT_SECOND = 7,   /**< s */
    OMP_UNIT_W = 27,       /**< active power */
    OMP_UNIT_VA = 28,      /**< apparent power */
    OMP_UNIT_VAR = 29,     /**< reactive power */
    OMP_UNIT_WH = 30,      /**< active energy */
    OMP_UNIT_VAH = 31,     /**< apparent energy */
    OMP_UNIT_VARH = 32,    /**< reactive energy */
    OMP_UNIT_A = 33,       /**< current */
    OMP_UNIT_V = 35,       /**< voltage */
    OMP_UNIT_HZ = 44,      /**< frequency */
    OMP_UNIT_PERCENT = 56, /**< percentage */
    OMP_UNIT_COUNT = 255,  /**< count (no unit, but a scaler_unit) */
};

/** Clock status bits (Blue Book 4.1.6.1) that a date-time value carries. */
#define OMP_CLOCK_STATUS_INVALID 0x01u /**< the time could not be recovered after a power cut */
#define OMP_CLOCK_STATUS_DST 0x80u     /**< daylight saving time is active */

/**
 * @brief A point in time as the meter shows it: UTC plus the local offset in force then.
 * `unset` is a time that never happened (a maximum never captured): DLMS sends every field as
 * "not specified", the optical port `00000101000000`, the display dashes.
 */
struct omp_value_dt {
    omp_time_s utc_s;   /**< UTC */
    int16_t offset_min; /**< local time = UTC + offset (standard offset + 60 in DST) */
    uint8_t status;     /**< OMP_CLOCK_STATUS_* */
    bool unset;         /**< no time: utc_s and offset_min are 0 */
};

/** @brief One value, with the scaler and unit of its object (value x 10^scaler unit). */
struct omp_value {
    uint8_t type;  /**< enum omp_vtype */
    int8_t scaler; /**< power of ten of integer values (0 for the rest) */
    uint8_t unit;  /**< enum omp_unit (OMP_UNIT_NONE: the object has no scaler_unit) */
    uint8_t len;   /**< bytes used in v.bytes (octets, visible, encoded) */
    union {
        int64_t i;                            /**< signed integer types */
        uint64_t u;                           /**< unsigned integer types, bool, enum */
        struct omp_value_dt dt;               /**< date-time */
        uint8_t bytes[OMP_VALUE_BYTES_MAX];   /**< strings and pre-encoded values */
    } v;
};

/** @brief An unsigned integer value of @p type (U8/U16/U32/U64/ENUM/BOOL) with scaler and unit. */
struct omp_value omp_value_uint(enum omp_vtype type, uint64_t v, int8_t scaler, enum omp_unit unit);
/** @brief A signed integer value of @p type (I8/I16/I32/I64) with scaler and unit. */
struct omp_value omp_value_int(enum omp_vtype type, int64_t v, int8_t scaler, enum omp_unit unit);
/** @brief A null-data value (the object keeps nothing now). */
struct omp_value omp_value_null(void);
/** @brief A date-time; @p unset for a time that never happened. */
struct omp_value omp_value_datetime(omp_time_s utc_s, int16_t offset_min, uint8_t status, bool unset);
/**
 * @brief A string value of @p type (OCTETS, VISIBLE or ENCODED) holding @p len bytes of @p s.
 * @return OMP_OK, OMP_ERR_ARG (NULL, other type), OMP_ERR_NOSPACE (len > OMP_VALUE_BYTES_MAX;
 *         @p out untouched).
 */
OMP_MUST_CHECK omp_err omp_value_bytes(enum omp_vtype type, const void *s, size_t len,
                                       struct omp_value *out);

/** @brief true for the integer types, bool and enum (v.i or v.u holds the value). */
bool omp_value_is_number(const struct omp_value *v);
/** @brief true for the signed integer types (v.i). */
bool omp_value_is_signed(const struct omp_value *v);

/**
 * @brief The magnitude of a number in units of 10^@p exp of its unit, truncated toward zero:
 * (1234567 Wh, scaler 0) at exp 3 gives 1234 (kWh). Works out the scaler difference in integers.
 * @param[out] neg true if the value is below zero (the magnitude is returned).
 * @return OMP_OK, OMP_ERR_ARG (not a number, NULL), OMP_ERR_OVERFLOW (the result does not fit
 *         64 bits).
 */
OMP_MUST_CHECK omp_err omp_value_scaled(const struct omp_value *v, int exp, uint64_t *mag, bool *neg);

/** @brief Two values are the same: type, scaler, unit and content. */
bool omp_value_equal(const struct omp_value *a, const struct omp_value *b);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_VALUE_H */

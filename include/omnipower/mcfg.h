/**
 * @file mcfg.h
 * @brief Meter configuration (module `config`): the type number (hardware, X1..X16) and the
 * software configuration codes Z1..Z20 of the OMNIPOWER single-phase data sheet: decode, validate,
 * encode, factory defaults per country, locked codes, and the per-service settings derived from
 * them.
 *
 * Named `mcfg.h` because `config.h` is the compile-time configuration. A pure module (core only):
 * every function is reentrant, allocates nothing and writes its outputs only on success. On failure
 * the functions that take a `struct omp_mcfg_error *why` fill it (when not NULL) with the failing
 * field and its allowed values, so a tool can print "X9: 3 is not one of 1, 2, 4".
 *
 * Type number (18 characters, data sheet order form `68 X1-X2 X3 X4 X5-X6 X7 X8 X9-X10 X11 X12-X13
 * X14 X15 X16`, technical facts §0 `686-1X-1XX-NxX-XXXX-XXX`), character offsets:
 *
 *     offset  0 1 | 2  | 3  | 4  | 5  | 6  | 7  | 8  | 9  | 10 | 11  | 12  | 13  | 14  | 15 16 17
 *     field   6 8 | X1 | X2 | X3 | X4 | X5 | X6 | X7 | X8 | X9 | X10 | X11 | X12 | X13 | X14-X16
 *     example 6 8 | 6  | 1  | 1  | 1  | 1  | B  | N  | 2  | 4  | 2   | 1   | 0   | 1   | 0 4 0
 *
 * See docs/config.md for every field's values, the Z text syntax and the defaults.
 */
#ifndef OMNIPOWER_MCFG_H
#define OMNIPOWER_MCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omnipower/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Characters of a type number (CompleteMeterTypeNo 1.1.96.1.1.255). */
#define OMP_MCFG_TYPENO_LEN 18u
/** Bytes to hold an encoded type number and its NUL. */
#define OMP_MCFG_TYPENO_SIZE (OMP_MCFG_TYPENO_LEN + 1u)
/** Characters of the IEC 62056-21 identification after `/KAM5`: a space and 15 type characters. */
#define OMP_MCFG_IDENT_LEN 16u
/** Bytes to hold the identification and its NUL. */
#define OMP_MCFG_IDENT_SIZE (OMP_MCFG_IDENT_LEN + 1u)

/** Number of Z codes (Z1..Z20). */
#define OMP_MCFG_Z_COUNT 20u
/** Bit of Zn (n = 1..20) in a code mask. */
#define OMP_MCFG_ZBIT(n) (UINT32_C(1) << ((n)-1u))
/** Mask of every Z code. */
#define OMP_MCFG_Z_ALL UINT32_C(0xFFFFF)
/** Bytes for the text form of all 20 codes (`Z1=3,Z2=1,...,Z20=000`, 133 characters) and a NUL. */
#define OMP_MCFG_Z_TEXT_SIZE 134u
/** Characters of the compact form (`3-1-00-2-000-...`, 20 fixed-width fields, 19 dashes). */
#define OMP_MCFG_Z_COMPACT_LEN 62u
/** Bytes for the compact form and its NUL. */
#define OMP_MCFG_Z_COMPACT_SIZE (OMP_MCFG_Z_COMPACT_LEN + 1u)

/* ---- errors --------------------------------------------------------------------------------- */

/** @brief Why an input or a configuration was refused; filled only on failure. */
struct omp_mcfg_error {
    const char *field;   /**< static: "X9", "Z4", "X14-X16", "prefix", "length", "code", ... */
    const char *allowed; /**< static: the allowed values, e.g. "1, 2, 4", or "locked" */
    char value[8];       /**< the refused text (printable ASCII, '?' for others), cut to 7 chars */
    size_t pos;          /**< offset of the refused text in the input (0 for structs) */
};

/* ---- type number (hardware configuration) ---------------------------------------------------- */

/** X3 housing. */
enum omp_mcfg_housing {
    OMP_MCFG_HOUSING_STANDARD = 1, /**< data sheet: standard */
    OMP_MCFG_HOUSING_ST = 2,       /**< technical facts §0: ST (BS 7856) */
};

/** X6 accuracy class; the value is the type-number character. */
enum omp_mcfg_accuracy {
    OMP_MCFG_CLASS_A = 'A', /**< EN 50470-3 class A */
    OMP_MCFG_CLASS_B = 'B', /**< EN 50470-3 class B */
    OMP_MCFG_CLASS_2 = '2', /**< IEC 62053-21 class 2 */
    OMP_MCFG_CLASS_1 = '1', /**< IEC 62053-21 class 1 */
};

/** X7 generation; the value is the type-number character. */
enum omp_mcfg_generation {
    OMP_MCFG_GEN_D = 'D', /**< technical facts §0 */
    OMP_MCFG_GEN_N = 'N', /**< data sheet */
};

/** X9 energy types measured. */
enum omp_mcfg_energy {
    OMP_MCFG_ENERGY_A_PLUS = 1, /**< A+ */
    OMP_MCFG_ENERGY_A = 2,      /**< A+/A- */
    OMP_MCFG_ENERGY_A_R = 4,    /**< A+/A-/R+/R- */
};

/** X10 breaker. */
enum omp_mcfg_breaker_type {
    OMP_MCFG_BREAKER_NONE = 0,
    OMP_MCFG_BREAKER_DUAL = 2, /**< dual breaker (single-phase) */
    OMP_MCFG_BREAKER_STANDARD = 3,
};

/** X13 interface. */
enum omp_mcfg_interface {
    OMP_MCFG_IF_NONE = 0,
    OMP_MCFG_IF_S0 = 1,  /**< S0 output */
    OMP_MCFG_IF_APS = 2, /**< APS */
};

/**
 * @brief A decoded single-phase type number: one member per position, none derived. Compare two
 * with omp_mcfg_typeno_equal() (padding bytes are unspecified).
 */
struct omp_mcfg_typeno {
    uint8_t meter_type;                  /**< X1: 6 single-phase (4 three-phase is refused) */
    uint8_t version;                     /**< X2: 1 OMNIPOWER */
    enum omp_mcfg_housing housing;       /**< X3 */
    uint8_t systems;                     /**< X4: measuring systems, 1 on single-phase */
    uint8_t ibase_a;                     /**< X5: base current in A (5 or 10) */
    uint8_t imax_a;                      /**< X5: maximum current in A; 1 = 5(100), 4 = 5(65),
                                              6 = 10(60), 7 = 10(80), 8 = 5(80) */
    enum omp_mcfg_accuracy accuracy;     /**< X6 */
    enum omp_mcfg_generation generation; /**< X7 */
    uint8_t variant;                     /**< X8: 1 standard, 2 (technical facts §0) */
    enum omp_mcfg_energy energy;         /**< X9 */
    enum omp_mcfg_breaker_type breaker;  /**< X10 */
    bool radio;                          /**< X11: 0 no radio, 1 RF 2.0 */
    bool battery;                        /**< X12: 0 supercap, 1 supercap + battery */
    enum omp_mcfg_interface interface;   /**< X13 */
    uint16_t country;                    /**< X14-X16: country code, e.g. 10 for "010" Denmark */
};

/**
 * @brief Decode and validate an 18-character type number such as "6861111BN242101040".
 *
 * @param[in]  s    The characters; exactly @p len are read, no NUL needed.
 * @param[in]  len  Must be 18.
 * @param[out] out  Filled on success only.
 * @param[out] why  On failure (if not NULL): the failing field ("length", "prefix", "X1".."X13",
 *                  "X14-X16") and its allowed values.
 * @return OMP_OK; OMP_ERR_ARG (NULL @p s or @p out); OMP_ERR_MALFORMED (length not 18, or a
 *         character other than 0-9 and A-Z); OMP_ERR_UNSUPPORTED (X1 = 4, a three-phase meter: this
 *         library is single-phase); OMP_ERR_RANGE (prefix not "68", or a value the field does not
 *         allow).
 * @par Context: any; reentrant.
 */
OMP_MUST_CHECK omp_err omp_mcfg_typeno_decode(const char *s, size_t len,
                                              struct omp_mcfg_typeno *out,
                                              struct omp_mcfg_error *why);

/**
 * @brief Check every member of @p t against the values its position allows (the same rules as
 * omp_mcfg_typeno_decode()). @return OMP_OK, OMP_ERR_ARG (NULL), OMP_ERR_UNSUPPORTED (X1 = 4),
 * OMP_ERR_RANGE (why->value is "?" when the member has no type-number character).
 */
OMP_MUST_CHECK omp_err omp_mcfg_typeno_validate(const struct omp_mcfg_typeno *t,
                                                struct omp_mcfg_error *why);

/**
 * @brief Encode @p t as its 18-character type number (CompleteMeterTypeNo) plus a NUL.
 * @return OMP_OK, OMP_ERR_ARG (NULL), OMP_ERR_NOSPACE (@p cap < OMP_MCFG_TYPENO_SIZE; nothing
 *         written), or the error of omp_mcfg_typeno_validate() (nothing written).
 */
OMP_MUST_CHECK omp_err omp_mcfg_typeno_encode(const struct omp_mcfg_typeno *t, char *out,
                                              size_t cap);

/**
 * @brief The identification the optical port sends after `/KAM5` (technical facts §10.3): a space
 * and the first 15 characters of the type number, e.g. " 6841138BN143002", plus a NUL.
 * @return As omp_mcfg_typeno_encode(), with OMP_ERR_NOSPACE if @p cap < OMP_MCFG_IDENT_SIZE.
 */
OMP_MUST_CHECK omp_err omp_mcfg_typeno_ident(const struct omp_mcfg_typeno *t, char *out,
                                             size_t cap);

/** @brief true if @p a and @p b hold the same values (member by member). */
bool omp_mcfg_typeno_equal(const struct omp_mcfg_typeno *a, const struct omp_mcfg_typeno *b);

/** @brief true if the meter measures A- (X9 = 2 or 4). */
bool omp_mcfg_has_a_minus(const struct omp_mcfg_typeno *t);
/** @brief true if the meter measures R+ and R- (X9 = 4). */
bool omp_mcfg_has_reactive(const struct omp_mcfg_typeno *t);
/** @brief true if the meter has a breaker (X10 = 2 or 3). */
bool omp_mcfg_has_breaker(const struct omp_mcfg_typeno *t);
/** @brief true if the supply backup has a battery besides the supercap (X12 = 1). */
bool omp_mcfg_has_battery(const struct omp_mcfg_typeno *t);

/** @brief A country code of the data sheet (X14-X16) and the defaults this library gives it. */
struct omp_mcfg_country {
    uint16_t code;        /**< e.g. 10 for "010" */
    const char *name;     /**< data sheet name, e.g. "Denmark" */
    uint8_t z11_gmt;      /**< default Z11 (standard-time offset code) */
    uint16_t z15_dst;     /**< default Z15: 0 none, 1 EU */
    uint16_t z16_freq_rf; /**< default Z16 for meters with radio (X11 = 1); 0 without radio */
};

/** @brief The row of country code @p code, or NULL if the data sheet does not list it. */
const struct omp_mcfg_country *omp_mcfg_country(uint16_t code);

/* ---- Z codes (software configuration) -------------------------------------------------------- */

/**
 * @brief Every Z code of the data sheet as its order-form number. Opaque codes (Z5, Z9, Z13, Z17,
 * Z20) point to separate order forms and are kept as numbers 0..999.
 */
struct omp_mcfg_zcodes {
    uint16_t z1_decimals; /**< 1 = 7.0, 2 = 6.1, 3 = 7.2, 4 = 6.3 (locked) */
    uint16_t z2_led;      /**< 1 LED off at no consumption, 2 on (locked) */
    uint16_t z3_module;   /**< primary module I/O: 0..23, 26..28 (enum omp_z3 of tariff.h) */
    uint16_t z4_period;   /**< integration/load profile period: 1 = 5, 2 = 15, 3 = 30, 4 = 60 min */
    uint16_t z5_display;  /**< display configuration (order form), 0..999 */
    uint16_t z6_billing_day;      /**< debiting stop date 1..28 */
    uint16_t z7_billing_interval; /**< debiting interval 0..24 (0 external, 1 monthly, ...) */
    uint16_t z8_pulse_alarm;      /**< 1/2 = 30 ms, 3/4 = 80 ms pulses; 2/4 alarm input active */
    uint16_t z9_disconnect;       /**< disconnect setup (order form), 0..999 */
    uint16_t z10_max_power;       /**< maximum power: 0 standard */
    uint16_t z11_gmt;             /**< 0..12 = UTC+0..+12 h, 13..23 = UTC-11..-1 h */
    uint16_t z12_pulse_unit;      /**< pulse input unit: 0 none, 1 kWh, 2 m3, 3 L */
    uint16_t z13_tariff;          /**< tariff control tables (order form), 0..999 */
    uint16_t z14_load;      /**< load control tables: 0 no tariff plan, 1 module port control */
    uint16_t z15_dst;       /**< daylight saving table: 0 none, 1 EU */
    uint16_t z16_frequency; /**< RF frequency code: 0, 318, 319, 328, 339, 348, 349, 359, 379 */
    uint16_t z17_button2;   /**< push button 2 setup (order form), 0..999 */
    uint16_t z18_iec1107;   /**< IEC 62056-21: 0 disabled, 1 modes A+C with UD1, 2 with UD2 */
    uint16_t z19_breaker;  /**< breaker position at delivery: 0 none, 1 connected, 2 disconnected */
    uint16_t z20_calendar; /**< calendar setup (order form), 0..999 */
};

/** @brief "Z1".."Z20" for @p n = 1..20, NULL otherwise. */
const char *omp_mcfg_z_name(unsigned n);
/** @brief The allowed values of Zn as text (e.g. "1, 2, 3, 4"), NULL if @p n is not 1..20. */
const char *omp_mcfg_z_allowed(unsigned n);
/** @brief Value of Zn. @return OMP_OK, OMP_ERR_ARG (NULL, or @p n not 1..20). */
OMP_MUST_CHECK omp_err omp_mcfg_z_get(const struct omp_mcfg_zcodes *z, unsigned n, uint16_t *v);
/**
 * @brief Set Zn to @p v if the data sheet allows it.
 * @return OMP_OK, OMP_ERR_ARG (NULL, @p n not 1..20), OMP_ERR_RANGE (nothing changed).
 */
OMP_MUST_CHECK omp_err omp_mcfg_z_set(struct omp_mcfg_zcodes *z, unsigned n, uint16_t v,
                                      struct omp_mcfg_error *why);

/** @brief Check every code of @p z. @return OMP_OK, OMP_ERR_ARG, OMP_ERR_RANGE (why names it). */
OMP_MUST_CHECK omp_err omp_mcfg_z_validate(const struct omp_mcfg_zcodes *z,
                                           struct omp_mcfg_error *why);

/**
 * @brief Apply the text form `Z1=3,Z4=2,...` to @p z.
 *
 * Syntax: items `Zn=digits` separated by commas; spaces, tabs, CR and LF are allowed around names,
 * `=`, values and commas; any subset in any order; a code given twice takes its last value. Values
 * may have fewer or more digits than the canonical width (`Z3=5` is `Z3=05`). An empty or blank
 * text changes nothing. The result is validated as a whole.
 *
 * @param[in]     s     Text; exactly @p len bytes are read. May be NULL only when @p len is 0.
 * @param[in,out] z     Start values; replaced by the result on success only.
 * @param[out]    seen  Mask (OMP_MCFG_ZBIT) of the codes the text named; may be NULL.
 * @return OMP_OK; OMP_ERR_ARG (NULL); OMP_ERR_MALFORMED (grammar; why->field is the code, or
 *         "syntax" between items); OMP_ERR_NOT_FOUND (a name other than Z1..Z20; field "code");
 *         OMP_ERR_RANGE (a value the code does not allow, or a start value that was invalid).
 */
OMP_MUST_CHECK omp_err omp_mcfg_z_parse(const char *s, size_t len, struct omp_mcfg_zcodes *z,
                                        uint32_t *seen, struct omp_mcfg_error *why);

/**
 * @brief Write the codes of @p mask, in order Z1..Z20, as `Z1=3,Z2=1,Z3=00` with each value at its
 * canonical width (the data sheet's digits), plus a NUL.
 * @param[out] len Characters written, without the NUL; may be NULL.
 * @return OMP_OK, OMP_ERR_ARG (NULL, mask bits above Z20), OMP_ERR_RANGE (invalid @p z),
 *         OMP_ERR_NOSPACE (nothing written; OMP_MCFG_Z_TEXT_SIZE is always enough).
 */
OMP_MUST_CHECK omp_err omp_mcfg_z_format(const struct omp_mcfg_zcodes *z, uint32_t mask, char *out,
                                         size_t cap, size_t *len);

/**
 * @brief Decode the compact form: all 20 codes in order Z1..Z20 at their canonical widths
 * (1,1,2,1,3,2,2,1,3,1,2,2,3,3,3,3,3,3,1,3 digits), separated by '-', no spaces, e.g.
 * `3-1-00-2-000-01-01-1-000-0-01-00-000-000-001-348-000-002-1-000` (62 characters).
 * @return OMP_OK; OMP_ERR_ARG; OMP_ERR_MALFORMED (length, separator, or a field not all digits);
 *         OMP_ERR_RANGE (a value the code does not allow). @p out is written on success only.
 */
OMP_MUST_CHECK omp_err omp_mcfg_z_compact_decode(const char *s, size_t len,
                                                 struct omp_mcfg_zcodes *out,
                                                 struct omp_mcfg_error *why);

/**
 * @brief Encode @p z in the compact form plus a NUL.
 * @return OMP_OK, OMP_ERR_ARG, OMP_ERR_RANGE (invalid @p z), OMP_ERR_NOSPACE (@p cap <
 *         OMP_MCFG_Z_COMPACT_SIZE). Nothing is written on error.
 */
OMP_MUST_CHECK omp_err omp_mcfg_z_compact_encode(const struct omp_mcfg_zcodes *z, char *out,
                                                 size_t cap);

/** @brief true if @p a and @p b hold the same codes. */
bool omp_mcfg_z_equal(const struct omp_mcfg_zcodes *a, const struct omp_mcfg_zcodes *b);

/* ---- the whole configuration ----------------------------------------------------------------- */

/** @brief A meter's configuration: the type number and the Z codes. */
struct omp_mcfg {
    struct omp_mcfg_typeno type;
    struct omp_mcfg_zcodes z;
};

/**
 * @brief Factory Z codes for type @p t: Denmark's reference values, with Z11, Z15 and Z16 from the
 * country (omp_mcfg_country) and Z19 = 1 (connected) if the meter has a breaker, else 0.
 * See docs/config.md for the values and which of them are assumptions.
 * @return OMP_OK, OMP_ERR_ARG, or the error of omp_mcfg_typeno_validate(). @p out written on
 *         success only.
 */
OMP_MUST_CHECK omp_err omp_mcfg_defaults(const struct omp_mcfg_typeno *t,
                                         struct omp_mcfg_zcodes *out);

/**
 * @brief Check a whole configuration: the type number, every Z code, and the rules that join them
 * (Z19 must be 0 on a meter without breaker).
 * @return OMP_OK, OMP_ERR_ARG, OMP_ERR_UNSUPPORTED, OMP_ERR_RANGE (why names the field).
 */
OMP_MUST_CHECK omp_err omp_mcfg_validate(const struct omp_mcfg *c, struct omp_mcfg_error *why);

/**
 * @brief May a meter configured as @p from be reconfigured as @p to? The type number and Z1, Z2
 * are locked (data sheet; fixed for legal reasons, technical facts §0); the other codes may change.
 * @return OMP_OK; OMP_ERR_ARG; the error of omp_mcfg_validate() for @p from or @p to;
 *         OMP_ERR_DENIED (a locked field differs: why->field is the first differing type-number
 *         position "X1".."X14-X16", or "Z1"/"Z2", why->allowed "locked", why->value the new value).
 */
OMP_MUST_CHECK omp_err omp_mcfg_check_change(const struct omp_mcfg *from, const struct omp_mcfg *to,
                                             struct omp_mcfg_error *why);

/* ---- per-service settings, derived in one place ---------------------------------------------- */

/** @brief Display: energy value format (Z1). */
struct omp_mcfg_svc_display {
    uint8_t energy_digits;   /**< digits before the decimal point: 7 or 6 */
    uint8_t energy_decimals; /**< digits after it: 0..3 */
};

/** @brief Metrology and its outputs (Z2, Z8, X9). */
struct omp_mcfg_svc_metrology {
    bool led_on_no_load;     /**< Z2 = 2 */
    uint16_t pulse_width_ms; /**< Z8: 30 or 80 */
    bool alarm_input;        /**< Z8 = 2 or 4 */
    bool a_minus;            /**< X9: A- measured */
    bool reactive;           /**< X9: R+ and R- measured */
};

/** @brief Registers (Z4, Z6, Z7, Z12, Z11, Z15): the fields omp_regs_cfg takes. */
struct omp_mcfg_svc_registers {
    uint16_t demand_period_min; /**< Z4: 5, 15, 30 or 60 */
    uint8_t billing_day;        /**< Z6: 1..28 */
    uint8_t billing_interval;   /**< Z7: 0..24 */
    uint8_t pulse_unit;         /**< Z12: 0 none, 1 kWh, 2 m3, 3 L */
    int32_t utc_offset_min;     /**< Z11: standard-time offset, -660..+720 */
    enum omp_dst_rule dst_rule; /**< Z15 */
};

/** @brief Tariff engine (Z3). */
struct omp_mcfg_svc_tariff {
    uint8_t z3; /**< module configuration, enum omp_z3 of tariff.h */
};

/** @brief Optical port, IEC 62056-21 (Z18 and the type number). */
struct omp_mcfg_svc_optical {
    bool enabled;                    /**< Z18 != 0 */
    uint8_t user_data;               /**< readout list: 0 UD1, 1 UD2 (0 when disabled) */
    char ident[OMP_MCFG_IDENT_SIZE]; /**< identification after "/KAM5", NUL-terminated */
};

/** Breaker position at delivery (Z19). */
enum omp_mcfg_breaker_pos {
    OMP_MCFG_BREAKER_POS_NONE = 0,
    OMP_MCFG_BREAKER_POS_CONNECTED = 1,
    OMP_MCFG_BREAKER_POS_DISCONNECTED = 2,
};

/** @brief Breaker (X10, Z19). */
struct omp_mcfg_svc_breaker {
    bool present;                       /**< X10 != 0 */
    bool dual;                          /**< X10 = 2 */
    enum omp_mcfg_breaker_pos position; /**< Z19: at delivery */
};

/** @brief Everything the services take, derived from one configuration. */
struct omp_mcfg_services {
    struct omp_mcfg_svc_display display;
    struct omp_mcfg_svc_metrology metrology;
    struct omp_mcfg_svc_registers registers;
    struct omp_mcfg_svc_tariff tariff;
    struct omp_mcfg_svc_optical optical;
    struct omp_mcfg_svc_breaker breaker;
};

/**
 * @brief Derive the per-service settings from a type number and Z codes.
 * @return OMP_OK, OMP_ERR_ARG, or the error of omp_mcfg_validate() (@p out untouched).
 */
OMP_MUST_CHECK omp_err omp_mcfg_derive(const struct omp_mcfg_typeno *t,
                                       const struct omp_mcfg_zcodes *z,
                                       struct omp_mcfg_services *out);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_MCFG_H */

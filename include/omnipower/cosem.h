/**
 * @file cosem.h
 * @brief The object model: the meter's single data dictionary of OBIS-addressed COSEM objects.
 *
 * One `static const` table (lib/cosem/cosem_table.c) lists every object the meter has: OBIS code,
 * interface class and version, who may read it, who may write which attribute, whether it is legal
 * data, and a typed getter (and optional setter) bound to the services' state. Every reader of
 * meter values goes through it: the display, the optical port's readout and programming mode,
 * DLMS GET and SET (dlms_server.h), and later HAN push and the loggers' capture objects. Lists that name values
 * store OBIS code + attribute (struct omp_cosem_ref), never an index of a private enum.
 *
 * The table reads the services through a `struct omp_cosem_src` that the composition root (meter)
 * fills with pointers to their state; writes that need more than one service (setting the clock,
 * forcing the tariff, an optical-port setting) go back through the source's ops, which the meter
 * implements. The table is fixed at compile time; later issues add rows, not mechanisms.
 *
 * Objects and their OBIS codes follow the OMNIPOWER object list (technical facts 11.3: group B = 1,
 * Kamstrup codes) and the standard codes where it gives none; docs/cosem-objects.md lists them.
 */
#ifndef OMNIPOWER_COSEM_H
#define OMNIPOWER_COSEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omnipower/core.h"
#include "omnipower/evq.h"
#include "omnipower/metrology.h"
#include "omnipower/logger.h"
#include "omnipower/pq.h"
#include "omnipower/registers.h"
#include "omnipower/value.h"

#ifdef __cplusplus
extern "C" {
#endif

struct omp_hdlc_server_cfg;

/** @brief Associations (bit masks of an object's access rights; technical facts 11.1). */
enum omp_cosem_assoc {
    OMP_ASSOC_PUBLIC = 1u << 0,      /**< public client 16 -> SAP 1, no security */
    OMP_ASSOC_LLS_MODULE = 1u << 1,  /**< LLS client 18, primary module port ("R(W)" writes) */
    OMP_ASSOC_LLS_OPTICAL = 1u << 2, /**< LLS client 19, optical port; also the optical port's
                                          IEC 62056-21 programming mode (password P1) */
    OMP_ASSOC_LLS_CCC = 1u << 3,     /**< LLS client 20, CCC/HAN port */
    OMP_ASSOC_HLS_MGMT = 1u << 4,    /**< management client 1, HLS-GMAC, security suite 0 */
    OMP_ASSOC_PUSH = 1u << 5,        /**< may be sent in a push (HAN) list */
    OMP_ASSOC_LOCAL = 1u << 6,       /**< the meter itself: display, optical readout, loggers */
};

/** Every LLS association. */
#define OMP_ASSOC_LLS (OMP_ASSOC_LLS_MODULE | OMP_ASSOC_LLS_OPTICAL | OMP_ASSOC_LLS_CCC)
/** Every association that reads the full object list. */
#define OMP_ASSOC_FULL (OMP_ASSOC_LLS | OMP_ASSOC_HLS_MGMT | OMP_ASSOC_LOCAL)

/** Object flags. */
#define OMP_COSEM_LEGAL 0x01u /**< legal (metrological) data: no attribute is ever written */
#define OMP_COSEM_WRITE_ONLY 0x02u /**< attribute 2 is written, never read (a command, e.g.
                                        ForceBillingStop 1.1.0.1.5.128) */

/** Longest octet-string of the utility's data objects (MeterNoLow, ModuleId). */
#define OMP_COSEM_CUSTOM_STR_MAX 16u

/** @brief Data the utility writes into the meter (technical facts 11.3, RW in the LLS
 *  associations; not legal data): the meter keeps it in NVM. */
struct omp_cosem_custom {
    uint32_t meter_no2;        /**< MeterNo2 1.1.0.0.2.255 (u32, factory 0) */
    uint32_t meter_no3;        /**< MeterNo3 1.1.0.0.3.255 */
    uint32_t special[2];       /**< SpecialData 1.1.0.130.1.255, SpecialData2 .2.255 (u32) */
    uint8_t meter_no_low[OMP_COSEM_CUSTOM_STR_MAX]; /**< MeterNoLow 1.1.0.0.0.255 (octet-string) */
    uint8_t meter_no_low_len;
    uint8_t module_id[OMP_COSEM_CUSTOM_STR_MAX];    /**< ModuleId 1.1.96.1.2.255 (octet-string) */
    uint8_t module_id_len;
};

/**
 * @brief Settings of the meter a head-end writes (technical facts 11.3, RW in the LLS and
 * management associations; not legal data). The meter keeps what was written in NVM and lays
 * it over its configuration at every start (docs/cosem.md "Settings written over DLMS").
 */
enum omp_cosem_param {
    OMP_PARAM_POWER_THRESHOLD = 0, /**< PowerThresholdValue 1.1.96.51.1.255, W (0: counter off) */
    OMP_PARAM_LP_PERIOD = 1,       /**< load profile capture_period (attribute 4), s: 300, 900,
                                        1800, 3600 (technical facts 1.1); a change deletes it */
    OMP_PARAM_AN_PERIOD = 2,       /**< analysis logger capture_period, s: as the load profile */
    OMP_PARAM_DST = 3,             /**< clock attribute 8 and DaylightSavingConfig
                                        1.1.96.52.11.255: 0 no DST, 1 the EU rule (as Z15) */
    /* the voltage quality limits (technical facts 8.4; 230 V nominal), kept by the meter's power
     * quality (not in the DLMS settings' record) */
    OMP_PARAM_VQ_HIGH = 4,         /**< VoltageLimitHighThreshold 1.1.134.0.12.255, V: 233..276 */
    OMP_PARAM_VQ_LOW = 5,          /**< VoltageLimitLowThreshold 1.1.134.0.13.255, V: 184..227 */
    OMP_PARAM_VQ_WINDOW = 6,       /**< VoltageLimitTimeThreshold 1.1.134.0.14.255, s: 10..1800,
                                        a divisor of a day */
    OMP_PARAM_VQ_FAULT = 7,        /**< Threshold_PowerFaultTime 1.1.134.0.15.255, s: 1..65535 */
    OMP_PARAM_COUNT
};

/** @brief true if @p v is a value parameter @p k takes. */
bool omp_cosem_param_valid(enum omp_cosem_param k, uint32_t v);
/** @brief The reduced id C.D.E (as 0xCCDDEE) of parameter @p k's object and, in *@p attr, its
 *  attribute: what OMP_EV_CONFIG_CHANGED carries for a write. */
uint32_t omp_cosem_param_id(enum omp_cosem_param k, uint8_t *attr);

/** Interface classes used so far (Blue Book). */
#define OMP_CLASS_DATA 1u
#define OMP_CLASS_REGISTER 3u
#define OMP_CLASS_EXT_REGISTER 4u
#define OMP_CLASS_DEMAND_REGISTER 5u /**< demand register v0 (cosem_demand.c) */
#define OMP_CLASS_CLOCK 8u
#define OMP_CLASS_SCRIPT_TABLE 9u  /**< script table (cosem_calendar.c) */
#define OMP_CLASS_SPECIAL_DAYS 11u /**< special days table (cosem_calendar.c) */
#define OMP_CLASS_SINGLE_ACTION 22u /**< single action schedule (cosem_calendar.c) */
#define OMP_CLASS_ACTIVITY_CAL 20u /**< activity calendar (cosem_calendar.c) */
#define OMP_CLASS_REGISTER_MONITOR 21u /**< register monitor v0 (cosem_demand.c) */
/* Communication setup (lib/cosem/cosem_setup.c; docs/dlms-server.md "Communication setup"). */
#define OMP_CLASS_SAP_ASSIGNMENT 17u /**< SAP assignment 0.0.41.0.0.255 */
#define OMP_CLASS_IEC_LOCAL_PORT 19u /**< IEC local port setup 0.0.20.0.0.255 */
#define OMP_CLASS_IEC_HDLC 23u       /**< IEC HDLC setup 0.0.22.0.0.255 */
#define OMP_CLASS_PUSH_SETUP 40u     /**< Push setup 0.0.25.9.0.255 */
#define OMP_CLASS_SECURITY_SETUP 64u /**< Security setup 0.0.43.0.0.255 */

/** @brief What a list names: an object's OBIS code and one of its attributes. */
struct omp_cosem_ref {
    uint8_t obis[6];
    uint8_t attr;
};

struct omp_cosem_src;
struct omp_cosem_obj;
struct omp_push_cfg;
struct omp_tariff;       /* tariff.h */
struct omp_tou_calendar; /* tariff.h */

/** @brief Read attribute @p attr (2.., not 1 or 3: the table answers those) into @p out. */
typedef omp_err (*omp_cosem_get_fn)(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                                    uint8_t attr, struct omp_value *out);
/** @brief Write attribute @p attr from @p v (access already checked). */
typedef omp_err (*omp_cosem_set_fn)(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                                    uint8_t attr, const struct omp_value *v);

/** @brief One row of the table. */
struct omp_cosem_obj {
    uint8_t obis[6];
    uint8_t class_id;      /**< interface class (all of ours are below 256) */
    uint8_t version;       /**< class version */
    uint8_t read;          /**< associations (OMP_ASSOC_*) that may read every attribute */
    uint8_t write;         /**< associations that may write the attributes of wattrs */
    uint16_t wattrs;       /**< bit n: attribute n is writable (0 for legal objects) */
    uint8_t flags;         /**< OMP_COSEM_LEGAL */
    uint8_t arg;           /**< the getter's argument (which register, tariff, setting) */
    int8_t scaler;         /**< classes 3 and 4: scaler_unit's scaler (attribute 3) */
    uint8_t unit;          /**< classes 3 and 4: scaler_unit's unit (enum omp_unit; 255 none) */
    omp_cosem_get_fn get;
    omp_cosem_set_fn set;  /**< NULL: read-only */
};

/**
 * @brief Writes that the composition root carries out (they touch more than one service or the
 * NVM). Each returns OMP_OK, OMP_ERR_RANGE (value refused), OMP_ERR_UNSUPPORTED (not in this
 * configuration) or a device error (NVM, RTC); nothing changes on an error.
 */
struct omp_cosem_ops {
    omp_err (*set_clock)(void *user, omp_time_s utc_s);
    omp_err (*set_tariff)(void *user, uint8_t tariff);
    omp_err (*set_optical)(void *user, uint8_t setting, uint32_t value); /**< setting: enum
                                                                            omp_optical_setting */
    /** The LLS secret (DLMS Association LN attribute 7, @p len 1..16 bytes): kept in NVM and
     *  taken by every port's server for its next associations. */
    omp_err (*set_lls_secret)(void *user, const uint8_t *secret, size_t len);
    /** The passive time-of-use calendar (activity calendar 0.0.13.0.0.255): checked, stored and
     *  made active at @p at_utc (0: at once; INT64_MAX: only by activate_passive_calendar).
     *  OMP_ERR_RANGE when the tariff module refuses the calendar. */
    omp_err (*set_calendar)(void *user, const struct omp_tou_calendar *cal, omp_time_s at_utc);
    /** IEC HDLC setup 0.0.22.0.0.255 attribute @p attr (7 inter_octet_time_out ms, 8
     *  inactivity_time_out s, 9 device_address), range-checked by the object: kept in NVM and
     *  taken by each of the meter's HDLC ports at its next link. */
    omp_err (*set_hdlc)(void *user, uint8_t attr, uint16_t value);
    /** The utility's data objects (struct omp_cosem_custom) become @p c: kept in NVM. */
    omp_err (*set_custom)(void *user, const struct omp_cosem_custom *c);
    /** A debiting (billing) stop now: ForceBillingStop 1.1.0.1.5.128 := 1 (technical facts
     *  4.1), as the billing logger's capture. */
    omp_err (*billing_stop)(void *user);
    /** Parameter @p k (enum omp_cosem_param) := @p value, checked with omp_cosem_param_valid():
     *  kept in NVM and in force at once. */
    omp_err (*set_param)(void *user, uint8_t k, uint32_t value);
};

/** @brief The optical port's settings, Kamstrup objects 131.0.x of the IR port (technical facts
 * 10.2); the optical port service owns them. */
struct omp_optical_settings {
    uint8_t user_data;      /**< 131.0.3: 0 User Data 1, 1 User Data 2 (factory) */
    uint16_t d0_interval;   /**< 131.0.6: 0 mode D0 off (factory), n: every n x 5 s (1..17280) */
    uint8_t d0_baud;        /**< 131.0.9: 0 300, 1 600, 2 1200, 3 2400 (factory), 4 4800, 5 9600 */
    uint8_t comm_mode;      /**< 131.0.12: 0 no IEC 62056-21, 1 A+C (factory), 2 A+C+D0 */
    uint16_t ta_ms;         /**< 131.0.13: inter-character timeout, 1000..65000, 1500 */
    uint16_t tr_ms;         /**< 131.0.14: reply time P0 -> P1, 1000..65000, 1500 */
    uint16_t tt_ms;         /**< 131.0.15: ident not acknowledged -> readout, 1000..65000, 1700 */
    uint8_t ti_s;           /**< 131.0.16: programming-mode inactivity, 5..240 s, 90 */
};

/** The 131.0.x settings in the order of their OBIS E (3, 6, 9, 12, 13, 14, 15, 16). */
enum omp_optical_setting {
    OMP_OPT_USER_DATA,
    OMP_OPT_D0_INTERVAL,
    OMP_OPT_D0_BAUD,
    OMP_OPT_COMM_MODE,
    OMP_OPT_TA,
    OMP_OPT_TR,
    OMP_OPT_TT,
    OMP_OPT_TI,
    OMP_OPT_COUNT
};

/** @brief The value of setting @p k of @p o. */
uint32_t omp_optical_setting_get(const struct omp_optical_settings *o, enum omp_optical_setting k);
/** @brief true if @p v is in the range of setting @p k (technical facts 10.2). */
bool omp_optical_setting_valid(enum omp_optical_setting k, uint32_t v);
/** @brief Store @p v (checked with omp_optical_setting_valid) as setting @p k.
 * @return OMP_OK, OMP_ERR_RANGE (nothing changed), OMP_ERR_ARG. */
OMP_MUST_CHECK omp_err omp_optical_setting_put(struct omp_optical_settings *o,
                                               enum omp_optical_setting k, uint32_t v);
/** @brief true if every setting of @p o is in range. */
bool omp_optical_settings_valid(const struct omp_optical_settings *o);

/** Longest type number (technical facts 0: 18 characters) kept for CompleteMeterTypeNo. */
#define OMP_COSEM_TYPENO_LEN 18u

/**
 * @brief What the table reads: the services' state, as the meter holds it. Pointers must stay
 * valid while the source is used; the meter builds one per request.
 */
/** @brief Power quality as the dictionary shows it (technical facts 8; the meter's power quality
 *  fills it): pointers, NULL when there is none yet (the objects answer null-data). */
struct omp_cosem_pq {
    const uint16_t *counts;              /**< occurrence counters 1.1.133.0.n.255 at [n - 1],
                                              n = 1..23 */
    const uint16_t *limits;              /**< 1.1.134.0.12..15.255: high, low (V), window,
                                              power-fault time (s) */
    const struct omp_pq_value *interval; /**< the newest 10/12-cycle value: THD C.7.124 */
    const struct omp_pq_value *ten_min;  /**< the newest 10-min value: THD C.24.124 */
    const struct omp_event *entry;       /**< the newest voltage quality logger 1 entry (evq.h
                                              OMP_EV_VQ + e, OMP_EV_PQ_*): 1.1.132.0.1..5.255 */
};

struct omp_cosem_src {
    const struct omp_registers *regs;        /**< energy, maxima, counters */
    const struct omp_cycle *cycle;           /**< the newest mains cycle (instantaneous values) */
    const struct omp_means_value *means;     /**< the last analysis interval's means (x.25.0;
                                                  NULL: none yet, the objects answer null-data) */
    const struct omp_optical_settings *optical; /**< 131.0.x in force */
    const char *type_number;                 /**< CompleteMeterTypeNo, NUL-terminated (<= 18) */
    const char *software_id;                 /**< SoftwareNumberRevisionAscii `number-revision`,
                                                  NUL-terminated (<= 16) */
    uint32_t rom_checksum;                   /**< RomChecksum of the firmware image */
    uint32_t meter_number;                   /**< serial number 1..99999999 */
    uint8_t tariff;                          /**< tariff in force 1..8 */
    uint8_t tariffs;                         /**< tariff registers kept (OMP_CONFIG_TARIFFS) */
    uint8_t status;                          /**< meter status 1.1.97.97.0.255 */
    omp_time_s clock_utc_s;                  /**< the meter's clock (the last valid time when
                                                  clock_valid is false) */
    bool clock_valid;                        /**< the RTC holds a valid time */
    bool clock_known;                        /**< clock_utc_s is a time the meter once had */
    int32_t utc_offset_min;                  /**< Z11 standard-time offset */
    enum omp_dst_rule dst_rule;              /**< Z15 */
    const struct omp_tariff *calendars;      /**< calendars (activity calendar, special days
                                                  table); NULL: none, empty tables */
    const struct omp_cosem_ops *ops;         /**< writes; NULL: every setter answers DENIED */
    void *user;                              /**< first argument of the ops */
    const struct omp_push_cfg *push;         /**< the HAN push in force (push.h; NULL: none):
                                                  the push setup object 0.0.25.9.0.255 */
    const struct omp_cosem_custom *custom;   /**< the utility's data objects (NULL: zeros) */
    struct omp_cosem_pq pq;                  /**< power quality (zeros: none) */
    const struct omp_hdlc_server_cfg *hdlc;  /**< the HDLC setup of the meter's ports (hdlc.h;
                                                  NULL: omp_hdlc_server_cfg_default): the IEC
                                                  HDLC setup object 0.0.22.0.0.255 */
};

/** @brief A date-time value of @p utc as @p s shows time (its offset and DST then); @p valid false
 *  marks it invalid; @p utc 0 with @p unset_zero is a time never set. */
struct omp_value omp_cosem_time(const struct omp_cosem_src *s, omp_time_s utc, bool valid,
                                bool unset_zero);

/** @brief Number of objects in the table. */
size_t omp_cosem_count(void);
/** @brief The object at @p index (0..count-1, table order), or NULL. */
const struct omp_cosem_obj *omp_cosem_at(size_t index);
/** @brief The object with OBIS code @p obis, or NULL. */
const struct omp_cosem_obj *omp_cosem_find(const uint8_t obis[6]);
/**
 * @brief The object whose reduced id `C.D.E` (the display's and IEC 62056-21's) is @p c.@p d.@p e,
 * or NULL. Reduced ids are unique in the table (a test checks it).
 */
const struct omp_cosem_obj *omp_cosem_find_cde(uint8_t c, uint8_t d, uint8_t e);
/**
 * @brief Parse a reduced id `C.D.E` (decimal 0..255 each, no leading '+' or spaces) of @p len
 * characters. @return OMP_OK, OMP_ERR_MALFORMED, OMP_ERR_ARG.
 */
OMP_MUST_CHECK omp_err omp_cosem_parse_cde(const char *id, size_t len, uint8_t cde[3]);
/** @brief Write the reduced id `C.D.E` of @p obis, NUL-terminated (12 bytes always suffice).
 * @return OMP_OK, OMP_ERR_NOSPACE (nothing useful written), OMP_ERR_ARG. */
OMP_MUST_CHECK omp_err omp_cosem_cde_text(const uint8_t obis[6], char *out, size_t cap);

/** @brief Highest attribute of the object's class (2 for Data and SAP assignment, 3 Register,
 * 4 Register monitor v0, 5 Extended register and Security setup v0, 7 Push setup v0, 9 Clock,
 * Demand register v0, IEC HDLC setup v1 and IEC local port setup v1). */
uint8_t omp_cosem_attr_count(const struct omp_cosem_obj *o);
/** @brief true if @p assoc (exactly one OMP_ASSOC_* bit; a mask of several is refused) may write
 * attribute @p attr: never for legal objects, attribute 1 (logical name) or an attribute outside
 * the class. This is the one place that decides writability; callers go through omp_cosem_set,
 * never a row's setter directly. */
bool omp_cosem_writable(const struct omp_cosem_obj *o, uint8_t attr, unsigned assoc);

/**
 * @brief Read attribute @p attr of @p o as association @p assoc (exactly one OMP_ASSOC_* bit).
 * Attribute 1 is the logical name (octet-string of 6); attribute 3 of Register and Extended
 * register is scaler_unit (a structure {integer scaler, enum unit}, A-XDR encoded), from the row:
 * it is fixed per object, whatever attribute 2 holds now.
 * @return OMP_OK, OMP_ERR_DENIED (@p assoc may not read it), OMP_ERR_NOT_FOUND (no such
 *         attribute), OMP_ERR_ARG (NULL, or not exactly one association).
 */
OMP_MUST_CHECK omp_err omp_cosem_get(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                                     uint8_t attr, unsigned assoc, struct omp_value *out);

/** @brief true if @p assoc (exactly one OMP_ASSOC_* bit) may read attribute @p attr (1..) of
 *  @p o: the row's read rights, except attributes no one reads (the IEC local port setup's
 *  passwords 7..9). The object list's attribute access and omp_cosem_get() both ask it. */
bool omp_cosem_readable(const struct omp_cosem_obj *o, uint8_t attr, unsigned assoc);

/**
 * @brief Attribute @p attr of @p o as association @p assoc, A-XDR encoded into @p w: what a
 * DLMS GET answers. Structures and arrays too long for a struct omp_value (the SAP list, a push
 * object list) are written here directly; omp_cosem_get() answers them OMP_ERR_NOSPACE.
 * @return as omp_cosem_get(), or OMP_ERR_NOSPACE (nothing written).
 */
OMP_MUST_CHECK omp_err omp_cosem_put(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                                     uint8_t attr, unsigned assoc, struct omp_wr *w);

/** @brief Number of methods of interface class @p class_id that the object list shows (the
 *  versions of the table: Association LN 4, security setup 2, special days 2, demand register 2
 *  (reset, next_period), SAP assignment, push setup, activity calendar, script table 1; 0 the
 *  others). */
uint8_t omp_cosem_method_count(uint16_t class_id);
/** @brief true if @p assoc (one OMP_ASSOC_* bit) may invoke method @p method of object @p o of
 *  class @p class_id (@p o NULL for the objects outside the table: Association LN): the object
 *  list's method_access. Granted: the management association's reply_to_HLS_authentication and
 *  global_key_transfer (dlms_sec.c), and the activity calendar's activate_passive_calendar to
 *  whoever writes the passive calendar; the DLMS server answers every other one
 *  read-write-denied. */
bool omp_cosem_method_allowed(const struct omp_cosem_obj *o, uint16_t class_id, uint8_t method,
                              unsigned assoc);

/**
 * @brief Write attribute @p attr of @p o as association @p assoc.
 * @return OMP_OK, OMP_ERR_DENIED (legal data, or @p assoc may not write it), OMP_ERR_NOT_FOUND
 *         (no such attribute), OMP_ERR_MALFORMED (wrong value type), OMP_ERR_RANGE, or what the
 *         source's op returned (OMP_ERR_UNSUPPORTED, a device error); nothing changes on error.
 */
OMP_MUST_CHECK omp_err omp_cosem_set(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                                     uint8_t attr, unsigned assoc, const struct omp_value *v);

/**
 * @brief Invoke method @p method (without parameters) of @p o as association @p assoc: the
 * activity calendar's activate_passive_calendar (1) hands the passive calendar to the source's
 * set_calendar op to become active at once.
 * @return OMP_OK, OMP_ERR_NOT_FOUND (no such method), OMP_ERR_DENIED (not granted),
 *         OMP_ERR_UNSUPPORTED (no passive calendar), what the op returned, OMP_ERR_ARG.
 */
OMP_MUST_CHECK omp_err omp_cosem_action(const struct omp_cosem_src *s,
                                        const struct omp_cosem_obj *o, uint8_t method,
                                        unsigned assoc);

/* ---- register monitor 0.0.16.0.0.255 (class 21; Blue Book OBIS group 0.b.16.0.e.255;
 * docs/cosem.md "Demand and monitor") ---- */

/** @brief The register monitor's memory: on which side of its threshold the monitored value was
 *  at the last evaluation. The meter keeps one; zeroed, it starts "at most the threshold" (a meter
 *  without supply measures no power). */
struct omp_cosem_monitor {
    bool above; /**< the value was above the threshold */
};

/**
 * @brief Evaluate the register monitor 0.0.16.0.0.255 on @p s: read its monitored value
 * (attribute 2 of active power import 1.1.1.7.0.255) and its threshold (attribute 2 of
 * PowerThresholdValue 1.1.96.51.1.255; 0: off, nothing is evaluated and @p st goes back to "at
 * most"), both through the table, and report each crossing once: upwards when the value goes
 * from at most the threshold to above it, downwards when it goes back to at most the threshold.
 * @param[out] ev on a crossing: code OMP_EV_MONITOR_UP or OMP_EV_MONITOR_DOWN, arg the value (W,
 *                saturated), flags the threshold's index (0), utc_s the source's clock.
 * @return OMP_OK (a crossing, @p ev filled), OMP_ERR_NOT_FOUND (none), OMP_ERR_ARG.
 */
OMP_MUST_CHECK omp_err omp_cosem_monitor_eval(const struct omp_cosem_src *s,
                                              struct omp_cosem_monitor *st,
                                              struct omp_event *ev);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_COSEM_H */

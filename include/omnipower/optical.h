/**
 * @file optical.h
 * @brief The optical port's application: an IEC 62056-21 server (iec62056_21.h) that shows the
 * data dictionary as an OMNIPOWER does (Kamstrup IEC 1107 doc; technical facts 10).
 *
 * A protocol server on the object model, like the DLMS server that will sit beside it (module
 * `cosem`): it reads every value through the dictionary (cosem.h), formats it with the display
 * module's formatter, writes only what omp_cosem_writable() allows the optical LLS client, reads
 * the billing log through the registers' persistence part for R6 98.1.0 and the meter's profiles
 * (the load profile, R6 99.1.0; the analysis logger, R6 99.1.1). It owns its state
 * (the server, the 131.0.x settings in force, the R6 paging); what it needs of the meter comes in
 * an omp_optical_env on each call. Needs OMP_CONFIG_IEC21 (without it the calls answer
 * OMP_ERR_UNSUPPORTED or do nothing). docs/iec62056-21.md "Meter side".
 */
#ifndef OMNIPOWER_OPTICAL_H
#define OMNIPOWER_OPTICAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omnipower/core.h"
#include "omnipower/cosem.h"
#include "omnipower/display.h"
#include "omnipower/evq.h"
#include "omnipower/hal.h"
#include "omnipower/iec62056_21.h"
#include "omnipower/logger.h"
#include "omnipower/registers.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most objects in the User Data 2 list (Kamstrup: 40). */
#define OMP_OPTICAL_UD2_MAX 40u

/** @brief The port's configuration (the meter's cfg.optical_* fields). */
struct omp_optical_cfg {
    char ident[OMP_IEC21_IDENT_MAX + 1];       /**< after `/KAM5`, 1..16 characters */
    char password[OMP_IEC21_PASSWORD_MAX + 1]; /**< P1 password */
    bool programming;                          /**< programming mode (Y = 1) allowed */
    uint32_t meter_number;                     /**< the request address, in decimal */
    struct omp_optical_settings settings;      /**< 131.0.x factory values */
    uint8_t ud2_len;                           /**< objects in ud2 */
    struct omp_cosem_ref ud2[OMP_OPTICAL_UD2_MAX]; /**< User Data 2: OBIS + attribute 2 */
};

/** @brief What the port needs of the meter during one call. */
struct omp_optical_env {
    const struct omp_cosem_src *src;  /**< the dictionary's view (and its write ops) */
    struct omp_display_z1 z1;         /**< the energy display format */
    struct omp_regs_persist *persist; /**< the billing log for R6 98.1.0 */
    const struct omp_profile *lp;     /**< the load profile for R6 99.1.0 (NULL: none) */
    const struct omp_profile *an;     /**< the analysis logger for R6 99.1.1 (NULL: none) */
    struct omp_evq *events;           /**< password failures, lock-outs, setting changes */
    const struct omp_hal *hal;        /**< port_write and port_set_baud */
    uint64_t mono_ms;                 /**< monotonic time of the call */
};

/** @brief The port's state. Members are private; allocate it inside the meter. */
struct omp_optical {
    struct omp_optical_cfg cfg;
    struct omp_optical_settings settings; /**< 131.0.x in force (RAM) */
#if OMP_CONFIG_IEC21
    struct omp_iec21_server server;       /**< IEC 62056-21 server on OMP_PORT_OPTICAL */
#endif
    bool on;                              /**< the server runs (port ops present, comm mode) */
    bool restart;                         /**< settings changed: restart the server when idle */
    uint32_t baud;                        /**< rate the port was last set to (0: unknown) */
    uint32_t bad_seen, lockouts_seen;     /**< server counters already reported as events */
    /* R6 98.1.0, 99.1.0 or 99.1.1 being answered in blocks */
    omp_time_s r6_from_utc, r6_to_utc;    /**< records whose stop time is in [from, to] */
    uint8_t r6_block;                     /**< records per block */
    uint8_t r6_log;                       /**< what is read: 0 the billing log 98.1.0, 1 the load
                                               profile 99.1.0, 2 the analysis logger 99.1.1 */
    uint32_t r6_no;                       /**< the next entry number to look at, in the log
                                               being read (0: done) */
    const struct omp_optical_env *env;    /**< the current call's environment (NULL between) */
    bool dlms;                            /**< the port is DLMS's (omp_optical_dlms_begin) */
};

/** @brief Factory values: ident " 6861111BN142101", password "12345", programming on, the 131.0.x
 *  factory settings (technical facts 10.2) and Kamstrup's 27-object User Data 2 list. */
void omp_optical_cfg_default(struct omp_optical_cfg *cfg);

/** @brief true if @p cfg is usable: ident, password, settings in range, every UD2 entry an object
 *  of the dictionary that a readout may read, by an attribute it has. */
bool omp_optical_cfg_valid(const struct omp_optical_cfg *cfg);

/** @brief Take @p cfg and start the server when the port can run it (port ops present, 131.0.12
 *  not 0). @return OMP_OK or the server's init error. */
OMP_MUST_CHECK omp_err omp_optical_start(struct omp_optical *p, const struct omp_optical_cfg *cfg,
                                         const struct omp_optical_env *env);

/** @brief Bytes received on the optical port. @return OMP_OK, OMP_ERR_UNSUPPORTED (no server). */
omp_err omp_optical_rx(struct omp_optical *p, const struct omp_optical_env *env,
                       const uint8_t *data, size_t len);

/** @brief Run the server: baud changes and bytes to the port, events for the access log. */
void omp_optical_poll(struct omp_optical *p, const struct omp_optical_env *env);

/** @brief The link to the reader is gone (a TCP client left, a head taken off where the port
 *  can tell): the session ends now, as after ti, and the server waits for a sign-on at the
 *  initial rate; its counters and a lock-out after bad passwords stay. No-op when no server runs. */
void omp_optical_link_lost(struct omp_optical *p, const struct omp_optical_env *env);

/**
 * @brief Hand the port to DLMS (direct HDLC, technical facts 11.2) if no IEC 62056-21 reader is
 * signed on (the server waits for a sign-on at its initial rate): until omp_optical_dlms_end() the
 * server neither reads nor writes (no mode D readout either) and its settings changes wait.
 * @return true if the port is DLMS's now (also when no IEC 62056-21 server runs), false while a
 *         reader is signed on (or NULL).
 */
bool omp_optical_dlms_begin(struct omp_optical *p, const struct omp_optical_env *env);

/** @brief The DLMS link ended: the IEC 62056-21 server takes the port back and the next poll sets
 *  it to 300 Bd 7E1. No-op unless omp_optical_dlms_begin() handed it over. */
void omp_optical_dlms_end(struct omp_optical *p, const struct omp_optical_env *env);

/** @brief Setting @p k (enum omp_optical_setting) becomes @p v (range-checked); the server takes
 *  it once no reader is signed on. @return OMP_OK, OMP_ERR_RANGE, OMP_ERR_ARG,
 *  OMP_ERR_UNSUPPORTED (no IEC 62056-21 module). */
OMP_MUST_CHECK omp_err omp_optical_set(struct omp_optical *p, uint8_t k, uint32_t v);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_OPTICAL_H */

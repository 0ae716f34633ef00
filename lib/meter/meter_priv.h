/*
 * Private interface between the meter's files: meter.c (composition root: NVM layout, life
 * cycle, tick and poll), meter_cfg.c (the configuration and what each service takes of it),
 * meter_view.c (the data dictionary's view of the meter and the readers) and meter_optical.c
 * (the optical port's configuration and environment).
 */
#ifndef OMNIPOWER_METER_PRIV_H
#define OMNIPOWER_METER_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omnipower/meter.h"

/* ---- configuration (meter_cfg.c) ------------------------------------------------------------- */

/** true if @p c is a configuration every service takes. */
bool omp_meter_priv_cfg_valid(const struct omp_meter_cfg *c);
/** What the registers, the engine and the clock take of @p c. */
void omp_meter_priv_service_cfg(const struct omp_meter_cfg *c, struct omp_regs_cfg *rc,
                                struct omp_metro_cfg *mc, struct omp_clock_cfg *cc);

/* ---- the view (meter_view.c) ------------------------------------------------------------------ */

/** Fill @p s with pointers into @p m (valid while @p m is) and the meter's write ops. */
void omp_meter_priv_src(struct omp_meter *m, struct omp_cosem_src *s);
/** The Z1 format of the energy display. */
struct omp_display_z1 omp_meter_priv_z1(const struct omp_meter *m);
/** Compose the display's frame. @return true if anything changed. */
bool omp_meter_priv_display_compose(struct omp_meter *m);

/* ---- environments (meter.c) -------------------------------------------------------------------- */

/** The display service's environment; @p src is filled here and must live as long as @p e. */
void omp_meter_priv_lcd_env(struct omp_meter *m, struct omp_cosem_src *src,
                            struct omp_lcd_env *e);

/* ---- load profile (meter_lp.c) ------------------------------------------------------------- */

/** The load profile's configuration: channels by X9, period Z4, normal time Z11. */
void omp_meter_priv_lp_cfg(const struct omp_meter_cfg *c, struct omp_profile_cfg *p);
/** Settings store key of the load profile's shape (columns, period): a change deletes it. */
#define OMP_METER_KEY_LP_SHAPE 8u
/** Settings store key of the analysis logger's shape (columns, period, channels). */
#define OMP_METER_KEY_AN_SHAPE 9u
/** Settings store key of the DLMS invocation counters (meter_dlms.c): 8 bytes, two big-endian
 *  u32: the server's mark, above every IC it may have used, and the management client's newest
 *  IC kept (a 4-byte record: the mark alone). */
#define OMP_METER_KEY_DLMS_IC 10u
/** The analysis logger's configuration: cfg.an_*, normal time Z11. */
void omp_meter_priv_an_cfg(const struct omp_meter_cfg *c, struct omp_profile_cfg *p);
/** Open the load profile on @p lp and the analysis logger on @p an (0 sectors: none), deleting
 *  one after a change of its shape; read-write (not @p ro), the change is kept in m->lp_change,
 *  m->an_change for omp_meter_priv_lp_events(). */
omp_err omp_meter_priv_lp_open(struct omp_meter *m, const struct omp_nvm_region *lp,
                               const struct omp_nvm_region *an, bool ro);
/** The events of the deletions omp_meter_priv_lp_open() made (OMP_EV_LP_EVENT, OMP_EV_LOG_CLEARED
 *  with OMP_METER_LOG_AN), stamped with the clock's time: called once the clock is restored;
 *  each is pushed once. */
void omp_meter_priv_lp_events(struct omp_meter *m);
/** One second of the clock: capture a profile's entry when its period ended. */
void omp_meter_priv_lp_second(struct omp_meter *m, omp_time_s utc, bool valid);

/* ---- event logs (meter_events.c) ------------------------------------------------------------- */

/** Open the event logs on @p r[OMP_EVLOG_COUNT] (0 sectors: none). */
omp_err omp_meter_priv_ev_open(struct omp_meter *m, const struct omp_nvm_region *r, bool ro);
/** Damaged or foreign sectors the event logs' opens found. */
uint32_t omp_meter_priv_ev_damaged(const struct omp_meter *m);
/** Append the queue's new events to their logs. */
void omp_meter_priv_ev_drain(struct omp_meter *m);

/* ---- DLMS server (meter_dlms.c) ------------------------------------------------------------ */

/** Keep the management client's newest accepted IC in the settings store: @p exact, or when it is
 *  a step ahead of the kept one (meter_dlms.c). */
void omp_meter_priv_dlms_keep_client_ic(struct omp_meter *m, bool exact);
/** Settings store key of the utility's data objects (meter_dlms.c): {version 1, MeterNo2,
 *  MeterNo3, SpecialData, SpecialData2 (big-endian u32), MeterNoLow and ModuleId (length +
 *  16 bytes each)}. */
#define OMP_METER_KEY_CUSTOM 13u
/** Keep @p c as the utility's data objects (settings store) and take it.
 *  @return OMP_OK, the store's error (nothing changed). */
omp_err omp_meter_priv_custom_set(struct omp_meter *m, const struct omp_cosem_custom *c);
/** Settings store key of the LLS secret (its record: lib/cosem/dlms_keep.c). */
#define OMP_METER_KEY_LLS_SECRET 11u
/** Start the DLMS server of every port (factory configuration with the LLS secret the settings
 *  store keeps, no association). */
omp_err omp_meter_priv_dlms_start(struct omp_meter *m);
/** Keep @p secret as the LLS secret (settings store) and give it to every port's server.
 *  @return OMP_OK, OMP_ERR_ARG, the store's error (nothing changed). */
omp_err omp_meter_priv_lls_secret(struct omp_meter *m, const uint8_t *secret, size_t len);

/* ---- settings written over the ports (meter_params.c) ---------------------------------------- */

/** Settings store key of the settings written over the ports (lib/cosem/dlms_keep.c's record:
 *  enum omp_cosem_param and the optical port's 131.0.x). */
#define OMP_METER_KEY_PARAMS 14u
/** Read the written settings and give them to the services (registers, clock; the profiles
 *  and the optical port take them at their open and start); m->cfg is left as it is. */
void omp_meter_priv_params_load(struct omp_meter *m);
/** Parameter @p k := @p v: kept, in force, OMP_EV_CONFIG_CHANGED. @return OMP_OK, OMP_ERR_RANGE,
 *  OMP_ERR_UNSUPPORTED (no such profile), the store's or the profile's error. */
omp_err omp_meter_priv_param_set(struct omp_meter *m, uint8_t k, uint32_t v);
/** Keep @p p as the written settings (settings store). @return OMP_OK, the store's error
 *  (nothing changed). */
omp_err omp_meter_priv_params_keep(struct omp_meter *m, const struct omp_dlms_params *p);
/** Open the load profile (or, @p an, the analysis logger) again with its period now: a new
 *  period deletes it (OMP_EV_LP_EVENT 5 / OMP_EV_LOG_CLEARED, meter_lp.c). */
omp_err omp_meter_priv_lp_reopen(struct omp_meter *m, bool an);

/* ---- power quality (meter_pq.c) ------------------------------------------------------------ */

/** Settings store key of the PQ record: {version 1, the limits 1.1.134.0.12..15, the counters
 *  1.1.133.0.1..23}, big-endian u16s. */
#define OMP_METER_KEY_PQ 15u
/** Start the PQ engine (its sample 0 is the metrology engine's: call before any sample) with
 *  sample 0 at @p utc, and the reporting with the kept limits and counters (after the settings
 *  store's open; a foreign record: m->pq.foreign, reported by the caller). */
omp_err omp_meter_priv_pq_start(struct omp_meter *m, omp_time_s utc);
/** The meter was off from @p down to @p up (UTC): an outage for the OMNIPOWER's reporting. */
void omp_meter_priv_pq_power_up(struct omp_meter *m, omp_time_s down, omp_time_s up);
/** One cycle record, in order (from cycles_take). */
void omp_meter_priv_pq_cycle(struct omp_meter *m, const struct omp_cycle *c);
/** A tick: the engine's time follows the clock (a set, or drift over 2 s). */
void omp_meter_priv_pq_time(struct omp_meter *m, const struct omp_now *now);
/** The power-fail save: the counters, when they changed. */
void omp_meter_priv_pq_save(struct omp_meter *m);
/** Limit @p k (0 high, 1 low, 2 window, 3 power-fault time) := @p v: checked, kept, in force.
 *  @return OMP_OK, OMP_ERR_RANGE, the store's error (nothing changed). */
omp_err omp_meter_priv_pq_limit(struct omp_meter *m, unsigned k, uint16_t v);

/* ---- DLMS over HDLC on the ports (meter_hdlc.c) ---------------------------------------------- */

/** The associations @p port's DLMS server opens: public, management and the port's LLS client. */
uint8_t omp_meter_priv_port_assocs(enum omp_port port);
/** Start every port's HDLC server (after the optical port's and the DLMS servers' start). */
omp_err omp_meter_priv_hdlc_start(struct omp_meter *m);
/** Bytes received on @p port: HDLC, or the optical port's IEC 62056-21 (omp_meter_on_rx). */
omp_err omp_meter_priv_hdlc_rx(struct omp_meter *m, enum omp_port port, const uint8_t *data,
                               size_t len);
/** Settings store key of the ports' HDLC setup (meter_hdlc.c): {version 1, inter-octet ms,
 *  inactivity s, device address}, big-endian u16s. */
#define OMP_METER_KEY_HDLC_SETUP 12u
/** HDLC setup attribute @p attr (7, 8, 9; range-checked by the object) := @p value: kept in the
 *  settings store, taken by each port at its next link. */
omp_err omp_meter_priv_hdlc_set(struct omp_meter *m, uint8_t attr, uint16_t value);
/** The HDLC timeouts, and the reply frames to the ports. */
void omp_meter_priv_hdlc_poll(struct omp_meter *m);
/** @p port's link is gone: its HDLC link and association end. */
void omp_meter_priv_hdlc_lost(struct omp_meter *m, enum omp_port port);

/* ---- optical port (meter_optical.c) -------------------------------------------------------- */

/** Hand the optical port to DLMS (@p begin: true if handed over) or give it back. */
bool omp_meter_priv_optical_dlms(struct omp_meter *m, bool begin);

/** The optical port's factory values into the meter's cfg fields. */
void omp_meter_priv_optical_default(struct omp_meter_cfg *c);
/** true if the meter's optical cfg fields are valid (omp_optical_cfg_valid). */
bool omp_meter_priv_optical_valid(const struct omp_meter_cfg *c);
/** Start the port's application with the meter's configuration. */
omp_err omp_meter_priv_optical_start(struct omp_meter *m);
/** Bytes received on the optical port. */
omp_err omp_meter_priv_optical_rx(struct omp_meter *m, const uint8_t *data, size_t len);
/** Run the optical port. */
void omp_meter_priv_optical_poll(struct omp_meter *m);
/* HAN push (meter_han.c): start it from cfg.han_push; send the due frames */
omp_err omp_meter_priv_han_start(struct omp_meter *m);
omp_err omp_meter_priv_han_poll(struct omp_meter *m);
/** The optical link is gone: end the IEC 62056-21 session (omp_optical_link_lost). */
void omp_meter_priv_optical_lost(struct omp_meter *m);

#endif /* OMNIPOWER_METER_PRIV_H */

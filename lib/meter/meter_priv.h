/*
 * Private interface between the meter's files: meter.c (composition root), meter_display.c (the
 * display's lists, buttons and events) and meter_cfg.c (type number and Z codes); the optical
 * port's application is a service of its own (optical.h). The readers read values through the
 * data dictionary (cosem.h) with the source omp_meter_priv_src() builds, and format them with the
 * display module's formatter (display.h).
 */
#ifndef OMNIPOWER_METER_PRIV_H
#define OMNIPOWER_METER_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omnipower/meter.h"

/* ---- helpers (meter.c) ---------------------------------------------------------------------- */

/** Copy NUL-terminated @p src into @p dst (@p cap >= 1), truncated, always terminated. */
void omp_meter_priv_copy_str(char *dst, size_t cap, const char *src);

/* ---- the data dictionary's view of the meter (meter.c) -------------------------------------- */

/** Fill @p s with pointers into @p m (valid while @p m is) and the meter's write ops. */
void omp_meter_priv_src(struct omp_meter *m, struct omp_cosem_src *s);
/** The Z1 format of the energy display. */
struct omp_display_z1 omp_meter_priv_z1(const struct omp_meter *m);
/** A date-time value of @p utc as the meter shows it (its offset and DST then); @p valid false
 *  marks it invalid, @p utc 0 with @p unset_zero is a time never set. */
struct omp_value omp_meter_priv_time(const struct omp_meter *m, omp_time_s utc, bool valid,
                                     bool unset_zero);

/* ---- NVM and events (meter.c, meter_display.c) ------------------------------------------- */

/** Read register-journal record @p key into m->io at @p at (capacity @p cap); absent or corrupt
 *  records give length 0. */
omp_err omp_meter_priv_read_key(struct omp_meter *m, uint16_t key, size_t at, size_t cap,
                                size_t *len);
/** Write m->io[0..len) as record @p key of the register journal. */
omp_err omp_meter_priv_write_key(struct omp_meter *m, uint16_t key, size_t len);
/** Push an event (evq.h) stamped with the meter's clock. */
void omp_meter_priv_event(struct omp_meter *m, uint16_t code, uint32_t arg, uint16_t flags);

/* ---- display (meter_display.c) -------------------------------------------------------------- */

/** Start the display engine (power-up sequence), the factory lists, the lists stored in NVM. */
omp_err omp_meter_priv_display_init(struct omp_meter *m, uint64_t mono_ms);
/** Buttons and time for the display engine. */
void omp_meter_priv_display_tick(struct omp_meter *m, const struct omp_now *now);
/** Compose the shown item into the meter's display buffers. @return true if anything changed. */
bool omp_meter_priv_display_compose(struct omp_meter *m);

/* ---- optical port (meter_optical.c) -------------------------------------------------------- */

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

#endif /* OMNIPOWER_METER_PRIV_H */

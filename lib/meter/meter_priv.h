/*
 * Private interface between the meter's files: meter.c (composition root, display) and
 * meter_iec21.c (the optical port's IEC 62056-21 application). Value formatting lives once, in
 * meter.c, and both the display and the optical port's readout use it.
 */
#ifndef OMNIPOWER_METER_PRIV_H
#define OMNIPOWER_METER_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omnipower/meter.h"

/* ---- formatting (meter.c) ------------------------------------------------------------------- */

/** Characters (with NUL) enough for any value omp_meter_priv_format_* writes. */
#define OMP_METER_PRIV_VALUE_MAX 24u

/** Write @p v as exactly @p width decimal digits (leading zeros, higher digits dropped). */
char *omp_meter_priv_put_digits(char *out, uint64_t v, unsigned width);
/** Copy NUL-terminated @p src into @p dst (@p cap >= 1), truncated, always terminated. */
void omp_meter_priv_copy_str(char *dst, size_t cap, const char *src);
/** Write @p v in decimal with at least @p min_width digits (leading zeros), more if needed. */
char *omp_meter_priv_put_uint(char *out, uint64_t v, unsigned min_width);
/** Energy @p milli (mWh, mvarh, mVAh) in kilo-units with the Z1 digits and decimals, truncated
 *  like the register display: "0000012.34". NUL-terminated, at most 11 characters. */
void omp_meter_priv_format_energy(const struct omp_meter *m, uint64_t milli, char *out);
/** |@p scaled| (a value in units of 10^-@p decimals) rounded half up, unpadded, with @p decimals
 *  (0..6) decimals: (2300.4f, 3) -> "2.300". Not finite or above 1e9: 0. NUL-terminated. */
void omp_meter_priv_format_scaled(float scaled, unsigned decimals, char *out);
/** Local time at @p utc per the meter's Z11/Z15. @return false if out of range. */
bool omp_meter_priv_local(const struct omp_meter *m, omp_time_s utc, struct omp_datetime *dt,
                          bool *dst);

/* ---- services for the optical port (meter.c) ----------------------------------------------- */

/** Force the tariff (ActualTariff 129.0.0) when the tariff source is OMP_TARIFF_SRC_REGISTER;
 *  stored in the state record. @return OMP_OK, OMP_ERR_UNSUPPORTED (another source),
 *  OMP_ERR_RANGE (not 1..OMP_CONFIG_TARIFFS), or the NVM error (nothing changed). */
omp_err omp_meter_priv_force_tariff(struct omp_meter *m, uint8_t tariff);

/* ---- optical port (meter_iec21.c) ---------------------------------------------------------- */

/** Factory values of the optical port's configuration fields. */
void omp_meter_priv_iec21_cfg_default(struct omp_meter_cfg *cfg);
/** true if the optical port's configuration fields are valid. */
bool omp_meter_priv_iec21_cfg_valid(const struct omp_meter_cfg *cfg);
/** Take the settings from m->cfg and start the server when the port can run it. */
omp_err omp_meter_priv_iec21_start(struct omp_meter *m);
/** Bytes received on the optical port. */
omp_err omp_meter_priv_iec21_rx(struct omp_meter *m, const uint8_t *data, size_t len);
/** Run the server: baud changes and bytes to the port. */
void omp_meter_priv_iec21_poll(struct omp_meter *m);

#endif /* OMNIPOWER_METER_PRIV_H */

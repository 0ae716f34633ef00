/**
 * @file posix_sim.h
 * @brief Building block of omnipower-sim (library `omnipower_posix`): the synthetic household load.
 * See docs/simulator.md for the model. (The simulated clock lives in the meter's own state
 * record: omp_meter_snapshot().saved_utc_s.)
 */
#ifndef OMNIPOWER_POSIX_SIM_H
#define OMNIPOWER_POSIX_SIM_H

#include "omnipower/hal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- synthetic household load ---------------------------------------------------------------- */

/** Nominal supply of the model: 230 V rms sine. */
#define OMP_SIM_V_RMS 230.0

/** Appliances of the model (bits of omp_sim_load.on). */
enum omp_sim_appliance {
    OMP_SIM_BASE = 0,      /**< standby electronics, router, circulation pump: always on */
    OMP_SIM_FRIDGE,        /**< fridge-freezer compressor, thermostat cycling */
    OMP_SIM_LIGHTS,        /**< LED lighting, from dusk (season-dependent) to bedtime */
    OMP_SIM_KETTLE,        /**< 2 kW, a few minutes, morning, afternoon, evening */
    OMP_SIM_COFFEE,        /**< coffee machine, morning */
    OMP_SIM_TOASTER,       /**< weekday mornings */
    OMP_SIM_HOB,           /**< induction hob, evening, power steps */
    OMP_SIM_OVEN,          /**< oven on some evenings, preheat then thermostat cycling */
    OMP_SIM_TV,            /**< TV and entertainment, evening (and weekend late morning) */
    OMP_SIM_WASHER,        /**< washing machine every few days: heating, drum motor, spin */
    OMP_SIM_DISHWASHER,    /**< dishwasher, late evening: heat, wash pump, heat */
    OMP_SIM_MICROWAVE,     /**< lunch on weekends, a short run at dinner */
    OMP_SIM_VACUUM,        /**< Saturday late morning */
    OMP_SIM_APPLIANCE_COUNT
};

/**
 * The load: one second of unit waveforms (the sample rate is a whole number of mains cycles per
 * second, so the waveform index is the sample index modulo the rate) and the current's phasors for
 * the present appliance set. Allocated on the heap by omp_sim_load_init().
 */
struct omp_sim_load {
    uint32_t sample_rate_hz;
    uint32_t mains_hz;
    double amps_per_code;
    int32_t *v_codes;   /**< voltage codes of one second (230 V rms) */
    double *wave;       /**< per sample k: sin(wt), cos(wt), sin(3wt), cos(3wt) at [4k..4k+3] */
    double i1_sin, i1_cos, i3_sin, i3_cos; /**< current in codes: coefficients of the waves */
    /* the present load, for reports and tests */
    uint32_t on;        /**< bit (1 << enum omp_sim_appliance) per appliance drawing power */
    double p_w;         /**< active power of the model, W */
    double q_var;       /**< reactive power (fundamental), var, inductive > 0 */
    double i_rms_a;     /**< rms current including the 3rd harmonic, A */
};

/**
 * @brief Allocate the tables. @p sample_rate_hz must be a multiple of @p mains_hz.
 * @return OMP_OK, OMP_ERR_ARG (zero/NaN scales, rate not a multiple), OMP_ERR_NOSPACE (no memory).
 */
OMP_MUST_CHECK omp_err omp_sim_load_init(struct omp_sim_load *l, uint32_t sample_rate_hz,
                                         uint32_t mains_hz, double volts_per_code,
                                         double amps_per_code);
/** @brief Free the tables (safe twice). */
void omp_sim_load_free(struct omp_sim_load *l);
/**
 * @brief Set the appliances for local civil time @p local_s (seconds since 1970-01-01T00:00 local
 * time, i.e. UTC plus the zone offset and DST). Deterministic: the same time gives the same load.
 */
void omp_sim_load_set_time(struct omp_sim_load *l, int64_t local_s);
/**
 * @brief Write @p n_pairs interleaved (v, i) codes starting at absolute sample index @p first.
 */
void omp_sim_load_fill(const struct omp_sim_load *l, uint64_t first, int32_t *vi, size_t n_pairs);
/** @brief Name of appliance @p a ("fridge"...), "?" if out of range. */
const char *omp_sim_appliance_name(enum omp_sim_appliance a);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_POSIX_SIM_H */

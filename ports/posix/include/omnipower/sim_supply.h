/**
 * @file sim_supply.h
 * @brief Building block of omnipower-sim (library `omnipower_posix`): a scripted supply voltage
 * for power-quality runs (`omnipower-sim --scenario FILE`; format in docs/simulator.md
 * "Scenarios"). The script sets, from given times on, the steady voltage level, the frequency and
 * voltage harmonics, and adds dips, swells and interruptions of given depth and duration; the
 * household load's current follows the voltage (its fundamental phase and the level).
 */
#ifndef OMNIPOWER_SIM_SUPPLY_H
#define OMNIPOWER_SIM_SUPPLY_H

#include <stddef.h>
#include <stdint.h>

#include "omnipower/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Lines of a scenario (commands; comments and blank lines do not count). */
#define OMP_SIM_SUPPLY_STEPS 1024u
/** Highest voltage harmonic order a scenario sets. */
#define OMP_SIM_SUPPLY_HMAX 50u
/** The declared voltage: percentages in a scenario are of it. */
#define OMP_SIM_SUPPLY_UDIN 230.0

/** What a line does. */
enum omp_sim_supply_cmd {
    OMP_SUPPLY_VOLTAGE = 0,     /**< a: steady rms level, V */
    OMP_SUPPLY_FREQUENCY,       /**< a: Hz (from then on; the phase stays continuous) */
    OMP_SUPPLY_HARMONIC,        /**< order: h; a: rms in % of the fundamental (0: off) */
    OMP_SUPPLY_DIP,             /**< a: residual rms, V; b: duration, s */
    OMP_SUPPLY_SWELL,           /**< a: rms, V; b: duration, s */
    OMP_SUPPLY_INTERRUPTION,    /**< a: 0 V; b: duration, s */
};

/** One line: at t_s (seconds after the run's start) do cmd. */
struct omp_sim_supply_step {
    double t_s;
    double a, b;
    uint8_t cmd;   /**< enum omp_sim_supply_cmd */
    uint8_t order; /**< harmonic order (OMP_SUPPLY_HARMONIC) */
};

/** A scenario and the supply it makes (caller storage; about 40 KiB). */
struct omp_sim_supply {
    struct omp_sim_supply_step step[OMP_SIM_SUPPLY_STEPS];
    uint32_t n;                 /**< lines parsed */
    /* running state (omp_sim_supply_start, omp_sim_supply_fill) */
    uint32_t fs_hz;
    uint32_t next;              /**< the next line to apply */
    double level_v;             /**< steady rms level */
    double f_hz;
    double harm[OMP_SIM_SUPPLY_HMAX + 1u]; /**< by order, fraction of the fundamental */
    uint32_t hmax;              /**< highest order set (for the sums) */
    double event_v;             /**< the dip's, swell's or interruption's level */
    double event_end_s;         /**< its end (exclusive); 0: none running */
    double cycles;              /**< the fundamental's phase, cycles in [0, 1) */
};

/**
 * @brief Parse a scenario of @p len bytes (docs/simulator.md "Scenarios"). Lines are in
 * non-decreasing time order; events (dip, swell, interruption) must not overlap.
 * @param[out] line the failing line's number (1-based; 0 when the text as a whole fails).
 * @return OMP_OK, OMP_ERR_MALFORMED (syntax, order, an overlap; *line says where),
 *         OMP_ERR_RANGE (a value out of its range), OMP_ERR_NOSPACE (more than
 *         OMP_SIM_SUPPLY_STEPS lines), OMP_ERR_ARG (NULL). On an error @p s holds no scenario.
 */
OMP_MUST_CHECK omp_err omp_sim_supply_parse(struct omp_sim_supply *s, const char *text,
                                            size_t len, uint32_t *line);

/** @brief Start the parsed scenario at sample 0 with @p fs_hz: 230 V, 50 Hz, no harmonics until
 *  its lines say otherwise. */
void omp_sim_supply_start(struct omp_sim_supply *s, uint32_t fs_hz);

/**
 * @brief The next @p n_pairs samples, starting at sample @p first (consecutive calls continue
 * where the last ended): voltage codes of the scripted supply (@p volts_per_code), and the
 * current a load of fundamental coefficients (@p i1_sin, @p i1_cos) and third-harmonic ones
 * (@p i3_sin, @p i3_cos), in current codes at 230 V against sin/cos of the supply's phase, draws
 * at the present level (a constant-impedance load: the current scales with the voltage).
 */
void omp_sim_supply_fill(struct omp_sim_supply *s, uint64_t first, double volts_per_code,
                         const double i_coef[4], int32_t *vi, size_t n_pairs);

/** @brief The rms level now (the steady one, or the running event's). */
double omp_sim_supply_level(const struct omp_sim_supply *s, double t_s);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_SIM_SUPPLY_H */

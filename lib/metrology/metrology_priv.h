/**
 * @file metrology_priv.h
 * @brief Helpers shared by metrology.c and calibration.c (private to lib/metrology).
 */
#ifndef OMNIPOWER_METROLOGY_PRIV_H
#define OMNIPOWER_METROLOGY_PRIV_H

#include "omnipower/metrology.h"

/** Largest absolute DC offset a calibration may carry, codes (24-bit ADC). */
#define OMP_METRO_OFFSET_MAX 8388607

/** Voltage delay that compensates a current lag of @p phase_deg at the nominal frequency, samples. */
double omp_metro_priv_lag_samples(double phase_deg, uint32_t fs_hz, uint32_t mains_hz);

/** true if @p cal is one omp_metro_init accepts at @p fs_hz / @p mains_hz. */
bool omp_metro_priv_cal_ok(const struct omp_metro_cal *cal, uint32_t fs_hz, uint32_t mains_hz);

#endif /* OMNIPOWER_METROLOGY_PRIV_H */

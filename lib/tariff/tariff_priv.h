/**
 * @file tariff_priv.h
 * @brief Private helpers shared by the files of lib/tariff (not installed).
 */
#ifndef OMNIPOWER_TARIFF_PRIV_H
#define OMNIPOWER_TARIFF_PRIV_H

#include "omnipower/tariff.h"

/**
 * @brief The tariff @p cal selects at UTC instant @p utc (local wall time from @p offset_min and
 * @p dst). In the second pass of the hour repeated when DST ends, the state reached at the end of
 * its first pass holds (a switch in the repeated hour acts once, on its first occurrence), so the
 * result changes exactly at the instants omp_tou_next_switch() reports. Safe on a calendar that
 * fails omp_tou_check (never reads out of bounds; the tariff may then be out of range).
 * @return OMP_OK, OMP_ERR_ARG (bad offset/rule, an index out of range), OMP_ERR_RANGE (@p utc
 *         outside 1970..2199).
 */
omp_err omp_tou_priv_tariff_utc(const struct omp_tou_calendar *cal, omp_time_s utc,
                                int32_t offset_min, enum omp_dst_rule dst, uint8_t *tariff);

#endif /* OMNIPOWER_TARIFF_PRIV_H */

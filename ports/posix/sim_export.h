/* omnipower-sim: --export NAME=FILE, the meter's logs written as CSV at exit (RFC 4180, LF line
 * ends, a header row, one row per entry, oldest first). Private to the simulator (ports/posix);
 * see docs/simulator.md "Exporting the logs (--export)". */
#ifndef OMNIPOWER_SIM_EXPORT_H
#define OMNIPOWER_SIM_EXPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "omnipower/meter.h"

/** The logs --export names (the names stay: issue #13). */
enum sim_log {
    SIM_LOG_LOAD_PROFILE = 0,
    SIM_LOG_ANALYSIS,
    SIM_LOG_EVENTS,
    SIM_LOG_BILLING,
    SIM_LOG_COUNT
};

/** What --export asked for: a file per log, NULL when not asked. */
struct sim_exports {
    const char *file[SIM_LOG_COUNT];
};

/** The name of @p log as --export takes it. */
const char *sim_export_name(enum sim_log log);

/** --export @p arg (NAME=FILE). @return -1 (taken), or 2 after a one-line usage message (an
 *  unknown NAME, a NAME given twice, no `=FILE`). */
int sim_export_option(struct sim_exports *x, const char *arg);

/** The load profile of @p m as CSV on @p f; the normal time of its stamps is UTC +
 *  @p utc_offset_min (Z11). @return 0, or 1 when the profile cannot be read. */
int sim_export_load_profile(FILE *f, const struct omp_meter *m, int32_t utc_offset_min);

/** The analysis logger of @p m as CSV on @p f: its channels named by reduced OBIS id and unit
 *  (32.25.0_V), values in the object's unit with its scaler applied (230.0). @return 0, or 1
 *  when it cannot be read. */
int sim_export_analysis(FILE *f, const struct omp_meter *m, int32_t utc_offset_min);

/** The five event logs of @p m as one CSV on @p f, log by log, the oldest first in each.
 *  @return 0, or 1 when one cannot be read. */
int sim_export_events(FILE *f, const struct omp_meter *m);

/** The name of event log @p kind in the CSV and the JSON: standard, tamper, pq, disconnect,
 *  comm. */
const char *sim_evlog_name(enum omp_evlog_kind kind);

/** The billing log (debiting snapshots) of @p m as CSV on @p f, read through its reading API
 *  (logger.h omp_billing_*); an unreadable snapshot is a row with its entry and empty fields.
 *  @return 0, or 1 when the log cannot be read. */
int sim_export_billing(FILE *f, const struct omp_meter *m);

/** Write every file @p x asks for (after the meter's final flush). @return 0, or 1 after a
 *  one-line message per file that could not be written. */
int sim_export_write(const struct sim_exports *x, struct omp_meter *m, int32_t utc_offset_min);

#endif /* OMNIPOWER_SIM_EXPORT_H */

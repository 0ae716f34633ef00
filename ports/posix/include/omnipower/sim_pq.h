/**
 * @file sim_pq.h
 * @brief Building block of omnipower-sim (library `omnipower_posix`): power quality as the
 * simulator shows it (docs/simulator.md "Power quality"). It collects every complete EN 50160
 * event of a run from the meter (which keeps only the last OMP_METER_PQ_EVENTS in RAM), prints
 * each on the display output, writes the `pq` member of `--json` and the EN 50160 weekly report of
 * `--report FILE`. The port may use the heap: the event list grows as needed.
 */
#ifndef OMNIPOWER_SIM_PQ_H
#define OMNIPOWER_SIM_PQ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "omnipower/meter.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief A complete EN 50160 event as the simulator keeps it. */
struct sim_pq_event {
    double start_utc;  /**< UTC seconds with the fraction */
    float duration_s;
    float level_v;     /**< dip, interruption: residual; swell: maximum; RVC: delta Umax */
    uint8_t kind;      /**< enum omp_pq_ev_kind */
    uint8_t cell;      /**< enum omp_pq_cell */
};

/** @brief The events of a run (heap). Zero-initialised storage is a valid empty list. */
struct sim_pq {
    struct sim_pq_event *ev;
    size_t n, cap;
    uint32_t taken;    /**< the meter's event count (omp_meter_pq_view.events) taken so far */
    uint32_t lost;     /**< events that left the meter's RAM before they were taken */
    bool oom;          /**< an event was dropped: out of memory */
};

/** @brief `"dip"`, `"swell"`, `"interruption"`, `"rvc"`, or NULL for another kind. */
const char *sim_pq_kind_name(unsigned kind);

/**
 * @brief UTC seconds @p utc as ISO 8601 with milliseconds, `2026-01-05T00:10:00.012Z` (rounded to
 * the nearest millisecond). @return 0, or -1 (a time omp_iso8601_format refuses, or @p cap < 25).
 */
int sim_pq_iso_ms(double utc, char *out, size_t cap);

/**
 * @brief The display line of an event, e.g. `PQ dip 2026-01-05T00:10:00.012Z 0.300 s residual
 * 92.0 V cell A2` (swell: `max`, RVC: `delta max`; cell `-` outside the tables).
 * @return 0, or -1 (unknown kind, bad time, too small a buffer).
 */
int sim_pq_line(const struct sim_pq_event *e, char *out, size_t cap);

/**
 * @brief Take the events the meter completed since the last call (call after every step: the
 * meter keeps the last OMP_METER_PQ_EVENTS) and print each as a line on @p display (NULL: none),
 * prefixed with @p now_iso and two spaces when @p now_iso is not NULL.
 * @return events taken.
 */
size_t sim_pq_collect(struct sim_pq *p, const struct omp_meter *m, FILE *display,
                      const char *now_iso);

/**
 * @brief `"pq":{...}` (no leading comma): the newest 10/12-cycle and 10-min values and every event
 * of the run. @p fs_hz is the meter's sample rate (the interval's frequency).
 */
void sim_pq_json(FILE *f, const struct sim_pq *p, const struct omp_meter *m, uint32_t fs_hz);

/**
 * @brief The EN 50160 weekly report as one JSON object (docs/simulator.md "The weekly report"):
 * the last complete week, if any, and the running one. @p run_start_utc, @p run_end_utc: what
 * this run simulated (a week is `complete` when the run covered all of it).
 */
void sim_pq_report(FILE *f, const struct omp_meter *m, int64_t run_start_utc,
                   int64_t run_end_utc);

/** @brief Free the event list. */
void sim_pq_free(struct sim_pq *p);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_SIM_PQ_H */

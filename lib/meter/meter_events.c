/*
 * The event logs in the meter (docs/logger.md "Event logs"): their regions, and the events of the
 * meter's queue appended to them at each poll; clearing a log (itself logged).
 */
#include <string.h>

#include "omnipower/meter.h"

#include "meter_priv.h"

omp_err omp_meter_priv_ev_open(struct omp_meter *m, const struct omp_nvm_region *r, bool ro)
{
    omp_err worst = OMP_OK;
    for (unsigned k = 0; k < OMP_EVLOG_COUNT && r[k].sectors != 0u; k++) {
        omp_err err = omp_evlog_open(&m->evlog[k], (enum omp_evlog_kind)k, &r[k], ro);
        if (err != OMP_OK && err != OMP_ERR_NVM_CORRUPT) {
            return err;
        }
        worst = err != OMP_OK ? err : worst;
    }
    return worst;
}

uint32_t omp_meter_priv_ev_damaged(const struct omp_meter *m)
{
    uint32_t n = 0;
    for (unsigned k = 0; k < OMP_EVLOG_COUNT; k++) {
        n += m->evlog[k].log.stats.damaged;
    }
    return n;
}

/* Append @p ev to its log (a damaged NVM refuses it: the meter says so already). */
static void log_one(struct omp_meter *m, const struct omp_event *ev)
{
    enum omp_evlog_kind k = omp_evlog_of(ev->code);
    if (k != OMP_EVLOG_COUNT) {
        omp_err err = omp_evlog_append(&m->evlog[k], ev);
        (void)err; /* a HAL error loses this event; the log opens again at its next append */
    }
}

void omp_meter_priv_ev_drain(struct omp_meter *m)
{
    if (m->cfg.ev_sectors == 0u || m->nvm_damaged != 0u) {
        return;
    }
    struct omp_event ev;
    uint32_t missed = 0;
    while (omp_evq_read(&m->events, &m->ev_reader, &ev, &missed) == OMP_OK) {
        if (missed != 0u) { /* the queue overran this reader: say how many were lost */
            const struct omp_event lost = {OMP_EV_EVENTS_LOST, 0u, missed, ev.utc_s};
            log_one(m, &lost);
        }
        log_one(m, &ev);
    }
}

const struct omp_evlog *omp_meter_event_log(const struct omp_meter *m, enum omp_evlog_kind kind)
{
    if (m == NULL || m->cfg.ev_sectors == 0u || (unsigned)kind >= (unsigned)OMP_EVLOG_COUNT) {
        return NULL;
    }
    return &m->evlog[kind];
}

omp_err omp_meter_log_clear(struct omp_meter *m, unsigned which)
{
    if (m == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_plog *l = NULL;
    if (which == OMP_METER_LOG_LP && m->cfg.lp_sectors != 0u) {
        l = &m->lp.log;
    } else if (which == OMP_METER_LOG_AN && m->cfg.an_sectors != 0u) {
        l = &m->an.log;
    } else if (which < OMP_EVLOG_COUNT && m->cfg.ev_sectors != 0u) {
        l = &m->evlog[which].log;
    }
    if (l == NULL) {
        return OMP_ERR_ARG;
    }
    if (m->nvm_damaged != 0u) {
        return OMP_ERR_NVM_CORRUPT; /* the evidence stays */
    }
    omp_err err = omp_plog_clear(l);
    if (err == OMP_OK) {
        omp_clock_event(&m->clock, OMP_EV_LOG_CLEARED, which, 0u);
    }
    return err;
}

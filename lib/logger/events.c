/*
 * Event logs on the packed log (logger.h, docs/logger.md "Event logs"): one entry per event of
 * the meter's queue, in the log its code's range names.
 */
#include <string.h>

#include "omnipower/logger.h"

#define TAG_BASE 0x4530u /* "0E".."4E": the sector headers' tag of log kind 0..4 */

static void def_of(enum omp_evlog_kind kind, struct omp_plog_def *def)
{
    memset(def, 0, sizeof *def);
    def->tag = (uint16_t)(TAG_BASE + (unsigned)kind);
    def->columns = 3u; /* code, arg, flags */
    def->period_s = 0u;
    def->kind[0] = OMP_PLOG_SIGNED;
    def->kind[1] = OMP_PLOG_SIGNED;
    def->kind[2] = OMP_PLOG_SIGNED;
    def->max_step[0] = UINT16_MAX;
    def->max_step[1] = UINT32_MAX;
    def->max_step[2] = UINT16_MAX;
}

enum omp_evlog_kind omp_evlog_of(uint16_t code)
{
    switch (code >> 8) {
    case 0x00u:
    case 0x03u:
    case 0x0Fu:
        return OMP_EVLOG_STANDARD;
    case 0x01u:
        return OMP_EVLOG_TAMPER;
    case 0x04u:
        return OMP_EVLOG_COMM;
    case 0x05u:
        return OMP_EVLOG_PQ;
    case 0x06u:
        return OMP_EVLOG_DISCONNECT;
    default:
        return OMP_EVLOG_COUNT; /* buttons: the display's, not logged */
    }
}

uint32_t omp_evlog_capacity(const struct omp_nvm_geometry *geo, uint32_t sectors)
{
    struct omp_plog_def def;
    def_of(OMP_EVLOG_STANDARD, &def);
    return geo == NULL ? 0u : omp_plog_capacity(&def, geo, sectors);
}

uint32_t omp_evlog_sectors(const struct omp_nvm_geometry *geo)
{
    if (geo == NULL || geo->sector_size == 0u) {
        return 0u;
    }
    for (uint32_t s = 2u; s <= geo->size / geo->sector_size; s++) {
        if (omp_evlog_capacity(geo, s) >= OMP_EVLOG_DEPTH) {
            return s;
        }
    }
    return 0u;
}

omp_err omp_evlog_open(struct omp_evlog *l, enum omp_evlog_kind kind,
                       const struct omp_nvm_region *r, bool read_only)
{
    if (l == NULL || (unsigned)kind >= (unsigned)OMP_EVLOG_COUNT) {
        return OMP_ERR_ARG;
    }
    struct omp_plog_def def;
    def_of(kind, &def);
    memset(l, 0, sizeof *l);
    l->kind = (uint8_t)kind;
    return omp_plog_open(&l->log, r, &def, read_only);
}

omp_err omp_evlog_append(struct omp_evlog *l, const struct omp_event *ev)
{
    if (l == NULL || ev == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_plog_entry e;
    memset(&e, 0, sizeof e);
    e.t = ev->utc_s;
    e.v[0] = ev->code;
    e.v[1] = ev->arg;
    e.v[2] = ev->flags;
    return omp_plog_append(&l->log, &e);
}

uint32_t omp_evlog_overflow(const struct omp_evlog *l)
{
    return l == NULL || l->log.first_no == 0u ? 0u : l->log.first_no - 1u;
}

/* Entry @p e as an event: all zero (code OMP_EV_NONE) when it could not be read or its fields
 * are out of an event's ranges. */
static void to_event(const struct omp_plog_entry *e, struct omp_event *ev)
{
    bool ok = (e->status & OMP_PLOG_ST_INVALID) == 0u && e->v[0] > 0 && e->v[0] <= UINT16_MAX &&
              e->v[1] >= 0 && e->v[1] <= (int64_t)UINT32_MAX && e->v[2] >= 0 &&
              e->v[2] <= UINT16_MAX;
    memset(ev, 0, sizeof *ev);
    if (ok) {
        ev->utc_s = e->t;
        ev->code = (uint16_t)e->v[0];
        ev->arg = (uint32_t)e->v[1];
        ev->flags = (uint16_t)e->v[2];
    }
}

omp_err omp_evlog_next(const struct omp_evlog *l, struct omp_plog_cursor *c,
                       struct omp_event *ev, uint32_t *no)
{
    if (l == NULL || ev == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_plog_entry e;
    omp_err err = omp_plog_next(&l->log, c, &e, no);
    if (err == OMP_OK) {
        to_event(&e, ev);
    }
    return err;
}

omp_err omp_evlog_next_in(const struct omp_evlog *l, struct omp_plog_cursor *c, omp_time_s from,
                          omp_time_s to, struct omp_event *ev, uint32_t *no)
{
    if (l == NULL || ev == NULL) {
        return OMP_ERR_ARG;
    }
    for (;;) {
        struct omp_plog_entry e;
        omp_err err = omp_plog_next_in(&l->log, c, from, to, &e, no);
        if (err != OMP_OK) {
            return err;
        }
        to_event(&e, ev);
        if (ev->code != OMP_EV_NONE) {
            return OMP_OK; /* fields out of range: unreadable, no time, left out */
        }
    }
}

uint32_t omp_evlog_count(const struct omp_evlog *l)
{
    return l == NULL ? 0u : omp_plog_count(&l->log);
}

uint32_t omp_evlog_no_of_index(const struct omp_evlog *l, uint32_t index)
{
    return l == NULL ? 0u : omp_plog_no_of_index(&l->log, index);
}

uint32_t omp_evlog_no_of_age(const struct omp_evlog *l, uint32_t age)
{
    return l == NULL ? 0u : omp_plog_no_of_age(&l->log, age);
}

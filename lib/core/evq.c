/*
 * Event queue (evq.h): a ring of OMP_CONFIG_EVQ_DEPTH events addressed by 32-bit sequence
 * numbers. The event with sequence s sits in ev[s % depth] (depth is a power of two, so the
 * mapping survives the wrap of s); the ring holds the sequences head - held .. head - 1. A
 * reader is a sequence number; unsigned differences make every comparison wrap-safe.
 */
#include "omnipower/evq.h"

#include <string.h>

#define EVQ_DEPTH ((uint32_t)OMP_CONFIG_EVQ_DEPTH)
#define EVQ_MASK (EVQ_DEPTH - 1u)
/* a reader more than this behind the head is taken to be ahead of it (queue initialised again) */
#define EVQ_MAX_LAG 0x80000000u

omp_err omp_evq_init(struct omp_evq *q)
{
    if (q == NULL) {
        return OMP_ERR_ARG;
    }
    memset(q, 0, sizeof *q);
    return OMP_OK;
}

omp_err omp_evq_push(struct omp_evq *q, const struct omp_event *ev)
{
    if (q == NULL || ev == NULL || ev->code == (uint16_t)OMP_EV_NONE) {
        return OMP_ERR_ARG;
    }
    q->ev[q->head & EVQ_MASK] = *ev;
    q->head++;
    if (q->held < EVQ_DEPTH) {
        q->held++;
    }
    return OMP_OK;
}

omp_err omp_evq_reader_init(const struct omp_evq *q, struct omp_evq_reader *r)
{
    if (q == NULL || r == NULL) {
        return OMP_ERR_ARG;
    }
    r->next = q->head - q->held; /* the oldest event held */
    r->missed = 0u;
    return OMP_OK;
}

omp_err omp_evq_read(const struct omp_evq *q, struct omp_evq_reader *r, struct omp_event *ev,
                     uint32_t *missed)
{
    if (q == NULL || r == NULL || ev == NULL) {
        return OMP_ERR_ARG;
    }
    uint32_t unread = q->head - r->next; /* wraps correctly */
    if (unread > EVQ_MAX_LAG) {
        return OMP_ERR_STATE;
    }
    if (unread == 0u) {
        return OMP_ERR_NOT_FOUND;
    }
    uint32_t lost = unread > q->held ? unread - q->held : 0u; /* overwritten before r read them */
    uint32_t seq = r->next + lost;
    *ev = q->ev[seq & EVQ_MASK];
    if (missed != NULL) {
        *missed = lost;
    }
    r->next = seq + 1u;
    r->missed = (r->missed > UINT32_MAX - lost) ? UINT32_MAX : r->missed + lost;
    return OMP_OK;
}

uint32_t omp_evq_pending(const struct omp_evq *q, const struct omp_evq_reader *r)
{
    if (q == NULL || r == NULL) {
        return 0u;
    }
    uint32_t unread = q->head - r->next;
    if (unread > EVQ_MAX_LAG) {
        return 0u;
    }
    return unread > q->held ? q->held : unread;
}

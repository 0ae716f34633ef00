/* Private interface between the files of lib/pq. */
#ifndef OMNIPOWER_PQ_PRIV_H
#define OMNIPOWER_PQ_PRIV_H

#include "omnipower/pq.h"

/* n_in counts pairs modulo PQ_WRAP, a multiple of OMP_PQ_RING: slot of sample s = s % ring */
#define PQ_WRAP (OMP_PQ_RING * 4194304u)

/* One cycle inside the ring: sample a = first sample at or after the opening crossing xs, b = last
 * before the closing crossing xe; la = a - xs, lb = xe - b, p = xe - xs (samples). */
struct pq_span {
    uint64_t a;
    uint32_t m; /* b - a + 1 */
    float la, lb, p;
};

/* Harmonic phasors of the cycle @p sp; with @p add, added to the window's bins as its c-th cycle
 * (0-based). @p off: where the voltage fundamental's rising zero crossing lies relative to the
 * span's start, samples (the phase detector of the window's synchronisation). False (nothing
 * done) when the samples are not (or no longer) in the ring or there is no voltage. */
bool omp_pq_window_add(struct omp_pq *pq, const struct pq_span *sp, uint32_t c, bool add,
                       float *off);
/* Harmonic values of the window into @p v (harm_*, u1_v, i1_a, thd_*, h_max), and clear it. */
void omp_pq_window_result(struct omp_pq *pq, struct omp_pq_value *v);

#endif /* OMNIPOWER_PQ_PRIV_H */

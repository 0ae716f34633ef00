/*
 * Interval means of the mains cycles (logger.h; technical facts 2: the analysis logger averages
 * U, I, P, Q, S, PF and f over its interval). Sums in double: a 60-minute interval has 180 000
 * cycles, beyond a float's 24 bits.
 */
#include <string.h>

#include "omnipower/logger.h"

void omp_means_add(struct omp_means *m, const struct omp_cycle *c)
{
    if (m == NULL || c == NULL) {
        return;
    }
    const float v[9] = {c->urms_v,
                        c->irms_a,
                        c->p_w > 0.0f ? c->p_w : 0.0f,
                        c->p_w < 0.0f ? -c->p_w : 0.0f,
                        c->q_var > 0.0f ? c->q_var : 0.0f,
                        c->q_var < 0.0f ? -c->q_var : 0.0f,
                        c->s_va,
                        c->pf,
                        c->f_hz};
    for (unsigned k = 0; k < 8u; k++) {
        m->sum[k] += (double)v[k];
    }
    if (c->f_hz > 0.0f) {
        m->sum[8] += (double)c->f_hz;
        m->f_cycles++;
    }
    m->cycles++;
}

void omp_means_close(struct omp_means *m)
{
    if (m == NULL) {
        return;
    }
    float r[9];
    for (unsigned k = 0; k < 9u; k++) {
        uint32_t n = k == 8u ? m->f_cycles : m->cycles;
        r[k] = n != 0u ? (float)(m->sum[k] / (double)n) : 0.0f;
    }
    struct omp_means_value *l = &m->last;
    l->u_v = r[0];
    l->i_a = r[1];
    l->p_plus_w = r[2];
    l->p_minus_w = r[3];
    l->q_plus_var = r[4];
    l->q_minus_var = r[5];
    l->s_va = r[6];
    l->pf = r[7];
    l->f_hz = r[8];
    m->have_last = true;
    memset(m->sum, 0, sizeof m->sum);
    m->cycles = 0;
    m->f_cycles = 0;
}

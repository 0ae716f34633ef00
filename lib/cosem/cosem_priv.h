/* Private interface of the object model: the table (cosem_table.c) for the lookups (cosem.c). */
#ifndef OMNIPOWER_COSEM_PRIV_H
#define OMNIPOWER_COSEM_PRIV_H

#include <stddef.h>

#include "omnipower/cosem.h"

extern const struct omp_cosem_obj omp_cosem_priv_table[];
extern const size_t omp_cosem_priv_table_len;

/* ---- calendar objects (cosem_calendar.c): classes 11 and 20 ---- */
struct omp_wr;
/* Whether attribute @p attr of @p o is a structure or array encoded by cosem_calendar.c. */
bool omp_cosem_priv_cal_axdr(const struct omp_cosem_obj *o, uint8_t attr);
/* Write such an attribute's A-XDR Data to @p w. */
omp_err omp_cosem_priv_cal_put(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                               uint8_t attr, struct omp_wr *w);
/* Read attribute @p attr as association @p assoc and write its A-XDR Data to @p w (any size):
 * what omp_cosem_get + omp_axdr_put_value give, and the calendars' tables too. */
omp_err omp_cosem_priv_get_axdr(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                                uint8_t attr, unsigned assoc, struct omp_wr *w);
/* Write a structured attribute (7, 8, 9 of the activity calendar) from its Data at @p p
 * (rights already checked): OMP_OK, OMP_ERR_MALFORMED, OMP_ERR_RANGE, or the op's error. */
omp_err omp_cosem_priv_cal_write(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                                 uint8_t attr, const uint8_t *p, size_t n);
/* The rows' getter and setter (attribute 10). */
omp_err omp_cosem_priv_cal_get(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                               uint8_t attr, struct omp_value *out);
omp_err omp_cosem_priv_cal_set(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                               uint8_t attr, const struct omp_value *v);

#endif /* OMNIPOWER_COSEM_PRIV_H */

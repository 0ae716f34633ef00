/* Private interface of the object model: the table (cosem_table.c) for the lookups (cosem.c). */
#ifndef OMNIPOWER_COSEM_PRIV_H
#define OMNIPOWER_COSEM_PRIV_H

#include <stddef.h>

#include "omnipower/cosem.h"

extern const struct omp_cosem_obj omp_cosem_priv_table[];
extern const size_t omp_cosem_priv_table_len;

#endif /* OMNIPOWER_COSEM_PRIV_H */

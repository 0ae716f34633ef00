/* Private helpers of the config module (lib/config). */
#ifndef OMNIPOWER_CONFIG_PRIV_H
#define OMNIPOWER_CONFIG_PRIV_H

#include "omnipower/mcfg.h"

/* Fill @p why (if not NULL): field, allowed values, and up to 7 characters of @p text (n bytes;
 * non-printable ones become '?') found at offset @p pos of the input. */
void omp_mcfg_why(struct omp_mcfg_error *why, const char *field, const char *allowed,
                  const char *text, size_t n, size_t pos);

/* The 18 type-number characters of @p t; a member without a character gives '?'. */
void omp_mcfg_typeno_chars(const struct omp_mcfg_typeno *t, char out[OMP_MCFG_TYPENO_LEN]);

/* Name of the type-number field at character offset @p off ("prefix", "X1".."X13", "X14-X16"). */
const char *omp_mcfg_typeno_field(size_t off);

#endif /* OMNIPOWER_CONFIG_PRIV_H */

/* Private helpers shared by lib/hdlc/hdlc.c and lib/hdlc/hdlc_link.c. */
#ifndef OMNIPOWER_HDLC_PRIV_H
#define OMNIPOWER_HDLC_PRIV_H

#include <stdbool.h>

#include "omnipower/hdlc.h"

/** true if every parameter is in range: info lengths > 0, windows 1..7. */
bool omp_hdlc_priv_params_valid(const struct omp_hdlc_params *p);
/** true if @p a is an encodable address (size 1, 2 or 4 and values that fit). */
bool omp_hdlc_priv_addr_valid(const struct omp_hdlc_addr *a);

#endif /* OMNIPOWER_HDLC_PRIV_H */

/*
 * Private parts of the DLMS server (dlms_server.c: associations and dispatch; dlms_get.c: GET and
 * the Association LN object).
 */
#ifndef OMP_COSEM_DLMS_PRIV_H
#define OMP_COSEM_DLMS_PRIV_H

#include "omnipower/apdu.h"
#include "omnipower/dlms_server.h"

/* Answer a decoded GET-request (any of its three forms) of an associated client. */
omp_err omp_dlms_priv_get(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                          const struct omp_apdu *req, struct omp_wr *out, size_t limit);

/* Write an EXCEPTION-response {state_error, service_error}. */
omp_err omp_dlms_priv_exception(struct omp_wr *out, uint8_t state_error, uint8_t service_error);

#endif /* OMP_COSEM_DLMS_PRIV_H */

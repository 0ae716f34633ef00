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

/* Answer a decoded SET- or ACTION-request (any form) of an associated client (dlms_set.c). */
omp_err omp_dlms_priv_set_action(struct omp_dlms_server *srv,
                                 const struct omp_dlms_server_env *env, const struct omp_apdu *req,
                                 struct omp_wr *out, size_t limit);

/* Methods of the security objects (Association LN 0.0.40.0.0.255 class 15, security setup class
 * 64), answered by the association code (dlms_method_sec.c; dlms_set.c routes every such method
 * here): an action-result; return parameters, one Data, written to @p ret with *has_ret set
 * (sent with ACTION-request-normal only). Until HLS is in: read-write-denied. */
uint8_t omp_dlms_priv_security_method(struct omp_dlms_server *srv,
                                      const struct omp_dlms_server_env *env,
                                      const struct omp_apdu_desc *m, const uint8_t *params,
                                      size_t len, struct omp_wr *ret, bool *has_ret);

/* Write an EXCEPTION-response {state_error, service_error}. */
omp_err omp_dlms_priv_exception(struct omp_wr *out, uint8_t state_error, uint8_t service_error);

/* Bytes [off, off + cap) of a stream are copied to dst; pos counts the whole stream. */
struct omp_dlms_win {
    uint8_t *dst;
    size_t off, cap, pos;
};

/* Put @p n bytes of the stream through window @p w. */
void omp_dlms_priv_win_put(struct omp_dlms_win *w, const uint8_t *p, size_t n);

/* ---- profile generic (dlms_profile.c) ---- */

/* Profiles the server answers in @p env (bit 0 load profile, 1 analysis logger, 2 billing,
 * 3.. the event logs). */
unsigned omp_dlms_priv_pg_present(const struct omp_dlms_server_env *env);
/* OBIS code of profile @p k (0..OMP_DLMS_PROFILES - 1). */
#define OMP_DLMS_PROFILES (3u + (unsigned)OMP_EVLOG_COUNT)
const uint8_t *omp_dlms_priv_pg_obis(unsigned k);
/* Whether the profile named @p obis is answered in @p env; its index in @p k. */
bool omp_dlms_priv_pg_find(const struct omp_dlms_server_env *env,
                                                const uint8_t obis[6], uint8_t *k);
/* Start a read of attribute @p attr of profile @p k with access @p acc: the short attributes
 * are written whole to @p w (OMP_DAR_SUCCESS, *stream false); 2 and 3 set the pg_* state
 * (*stream true) for omp_dlms_priv_pg_gen. @return a dar. */
uint8_t omp_dlms_priv_pg_start(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                               uint8_t k, int8_t attr, const struct omp_apdu_access *acc,
                               struct omp_wr *w, bool *stream);
/* The next at most @p cap bytes of the attribute being read into @p dst: *n written, *done
 * when the stream ended with them. @return OMP_OK or the log's error. */
omp_err omp_dlms_priv_pg_gen(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                             uint8_t *dst, size_t cap, size_t *n, bool *done);

#endif /* OMP_COSEM_DLMS_PRIV_H */

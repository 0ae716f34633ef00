/*
 * Private parts of the DLMS server (dlms_server.c: associations and dispatch; dlms_get.c: GET and
 * the Association LN object).
 */
#ifndef OMP_COSEM_DLMS_PRIV_H
#define OMP_COSEM_DLMS_PRIV_H

#include "omnipower/apdu.h"
#include "omnipower/axdr.h"
#include "omnipower/dlms_server.h"

/* Answer a decoded GET-request (any of its three forms) of an associated client. */
omp_err omp_dlms_priv_get(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                          const struct omp_apdu *req, struct omp_wr *out, size_t limit);

/* ---- dispatch (dlms_server.c) and the management association (dlms_sec.c) ---- */

/* Conformance the management association may negotiate: the LLS associations' (dlms_server.c),
 * ACTION also carrying HLS pass 3 and the key transfer, and general-protection (requests in
 * general-glo-ciphering, dlms_sec.c). */
#define OMP_DLMS_CONF_HLS                                                                          \
    (OMP_CONF_GENERAL_PROTECTION | OMP_CONF_GET | OMP_CONF_BLOCK_TRANSFER_WITH_GET |               \
     OMP_CONF_MULTIPLE_REFERENCES | OMP_CONF_SELECTIVE_ACCESS | OMP_CONF_SET | OMP_CONF_ACTION |   \
     OMP_CONF_BLOCK_TRANSFER_WITH_SET | OMP_CONF_BLOCK_TRANSFER_WITH_ACTION)

/* Answer a decoded request APDU (the plaintext of a ciphered one, too) within @p limit bytes. */
omp_err omp_dlms_priv_dispatch(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                               uint16_t client, uint16_t server, const struct omp_apdu *a,
                               struct omp_wr *out, size_t limit);
/* Decode and answer one plain request APDU (dlms_server.c). */
omp_err omp_dlms_priv_request(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                              uint16_t client_sap, uint16_t server_sap, const uint8_t *req,
                              size_t len, struct omp_wr *out, size_t limit);
/* A general-block-transfer APDU from the client (dlms_gbt.c). */
omp_err omp_dlms_priv_gbt(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                          uint16_t client_sap, uint16_t server_sap, const uint8_t *req, size_t len,
                          struct omp_wr *out, size_t limit);
/* The next block of the GET transfer running in GBT (dlms_get.c; the caller checked that one
 * runs). */
omp_err omp_dlms_priv_get_more(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                               struct omp_wr *out, size_t limit);
/* GBT header of @p n bytes of block-data (at most 9 bytes) into @p h; counts the block sent. */
void omp_dlms_priv_gbt_hdr(struct omp_dlms_server *srv, struct omp_wr *h, bool last, size_t n);
/* The InitiateRequest @p r (NULL: none): -1 if acceptable (@p conf, @p pdu set), else the
 * initiate error. */
int omp_dlms_priv_check_initiate(const struct omp_apdu_initiate_req *r, uint32_t supported,
                                 uint16_t max_pdu, uint32_t *conf, uint16_t *pdu);
/* The management association's AARQ (client 1 -> SAP 16): its AARE into @p out. */
omp_err omp_dlms_priv_sec_aarq(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                               uint16_t client, uint16_t server, const struct omp_apdu_aarq *q,
                               struct omp_wr *out);
/* Whether request @p req goes to omp_dlms_priv_sec_apdu: a ciphered APDU or an xDLMS request
 * while the management association is set up or waits for HLS pass 3. */
bool omp_dlms_priv_sec_takes(const struct omp_dlms_server *srv, const uint8_t *req, size_t len);
/* Answer such a request (opened, checked for replay, answered, sealed) within @p limit bytes. */
omp_err omp_dlms_priv_sec_apdu(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                               uint16_t client, uint16_t server, const uint8_t *req, size_t len,
                               struct omp_wr *out, size_t limit);
/* Whether @p obis names the security setup object 0.0.43.0.0.255. */
bool omp_dlms_priv_is_sec_setup(const uint8_t obis[6]);
/* GET of a security setup attribute: the Data into @p w and OMP_DAR_SUCCESS, or a dar. */
uint8_t omp_dlms_priv_sec_get(const struct omp_dlms_server *srv,
                              const struct omp_dlms_server_env *env, const struct omp_apdu_desc *d,
                              struct omp_wr *w);

/* ---- SET and ACTION (dlms_set.c) ---- */

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
/* The same with invocation-counter-error's expected counter @p ic (the lowest accepted). */
omp_err omp_dlms_priv_exception_ic(struct omp_wr *out, uint8_t state_error, uint8_t service_error,
                                   uint32_t ic);

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

/* An error as a data-access-result (dlms_set.c): denied read-write-denied, not found
 * object-undefined, a HAL, power or NVM failure hardware-fault; a write's (@p write) malformed
 * value type-unmatched, its unsupported one object-unavailable, a full NVM hardware-fault too;
 * the rest other-reason. */
uint8_t omp_dlms_priv_dar_of(omp_err e, bool write);

/* An event into env->events when there is a queue (dlms_server.c; a full queue drops its oldest). */
void omp_dlms_priv_event(const struct omp_dlms_server_env *env, uint16_t code, uint16_t flags,
                         uint32_t arg);

/* A refused association: counted and the event OMP_EV_DLMS_AUTH_FAIL (flags the server SAP,
 * argument the client's). */
void omp_dlms_priv_auth_failed(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                               uint16_t client, uint16_t server);

/* AARE @p a rejected-permanent with @p diag (null: no-reason-given) and, @p ierr >= 0, the
 * InitiateError as a ConfirmedServiceError; encoded into @p out. */
omp_err omp_dlms_priv_refuse(struct omp_apdu *a, uint8_t diag, int ierr, struct omp_wr *out);

/* The AARE @p r (the components this server sets; user-information raw) as omp_apdu_encode()
 * writes it; nothing written and OMP_ERR_NOSPACE when it does not fit (dlms_server.c). */
omp_err omp_dlms_priv_put_aare(const struct omp_apdu_aare *r, struct omp_wr *w);

/* The InitiateResponse the server sends (A-XDR, unciphered): 08, no quality-of-service, DLMS
 * version 6, conformance @p conf, @p max_pdu, VAA name 0007 (dlms_server.c). */
#define OMP_DLMS_INIT_RSP_LEN 14u
void omp_dlms_priv_init_rsp(uint8_t p[OMP_DLMS_INIT_RSP_LEN], uint32_t conf, uint16_t max_pdu);

/* A date-time Data (date-time, or octet-string of 12) as UTC by the meter's zone and DST rule
 * (dlms_profile.c): OMP_ERR_MALFORMED not a date-time, OMP_ERR_RANGE not a time; *status its
 * clock status (0xFF: not specified). */
omp_err omp_dlms_priv_utc_of(const struct omp_cosem_src *s, const struct omp_axdr_elem *e,
                             omp_time_s *utc, uint8_t *status);

#endif /* OMP_COSEM_DLMS_PRIV_H */

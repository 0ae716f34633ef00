/*
 * The DLMS server engine (dlms_server.h): associations (technical facts 11.1) and the dispatch of
 * one request APDU. GET and the Association LN object are in dlms_get.c. docs/dlms-server.md.
 *
 * Refusals (Green Book): an AARQ is answered by an AARE rejected-permanent with the ACSE
 * diagnostic (or, for a bad InitiateRequest, no-reason-given and an initiateError); an xDLMS
 * request without an association, a service the association did not negotiate (SET and ACTION
 * on the public one), a ciphered or unknown APDU and bytes that do not decode get an
 * EXCEPTION-response; SET and ACTION are answered in dlms_set.c; the server's state is left as it was, so
 * the next request works.
 */
#include "omnipower/config.h"

#include <string.h>

#include "omnipower/apdu.h"
#include "omnipower/cosem.h"
#include "omnipower/dlms_server.h"
#include "omnipower/evq.h"

#include "dlms_priv.h"

/* What each association may negotiate (technical facts 11.1: public GET only; LLS also SET,
 * ACTION, selective access). */
/* General block transfer (dlms_gbt.c) in the public and LLS associations, not in the ciphered
 * management one (docs/dlms-server.md "General block transfer"). */
#define CONF_PUBLIC                                                                               \
    (OMP_CONF_GET | OMP_CONF_BLOCK_TRANSFER_WITH_GET | OMP_CONF_MULTIPLE_REFERENCES |              \
     OMP_CONF_GENERAL_BLOCK_TRANSFER)
#define CONF_LLS                                                                                  \
    (CONF_PUBLIC | OMP_CONF_SELECTIVE_ACCESS | OMP_CONF_SET | OMP_CONF_ACTION |                   \
     OMP_CONF_BLOCK_TRANSFER_WITH_SET | OMP_CONF_BLOCK_TRANSFER_WITH_ACTION)
#define DLMS_VERSION 6u
#define VAA_NAME_LN 0x0007u /* the VAA name of LN referencing in the InitiateResponse */

void omp_dlms_server_cfg_default(struct omp_dlms_server_cfg *cfg)
{
    if (cfg == NULL) {
        return;
    }
    memset(cfg, 0, sizeof *cfg);
    memcpy(cfg->lls_secret, "12345", 5u); /* the published factory password (DL p.57) */
    cfg->lls_secret_len = 5u;
    cfg->max_pdu = OMP_DLMS_SERVER_PDU_DEFAULT;
    cfg->entry_blue_book = false; /* Kamstrup's entry descriptor, as an OMNIPOWER */
    cfg->assocs = (uint8_t)(OMP_ASSOC_PUBLIC | OMP_ASSOC_LLS | OMP_ASSOC_HLS_MGMT);
}

omp_err omp_dlms_server_init(struct omp_dlms_server *srv, const struct omp_dlms_server_cfg *cfg)
{
    if (srv == NULL || cfg == NULL || cfg->lls_secret_len == 0u ||
        cfg->lls_secret_len > OMP_DLMS_LLS_SECRET_MAX || cfg->max_pdu < OMP_DLMS_SERVER_PDU_MIN) {
        return OMP_ERR_ARG;
    }
    memset(srv, 0, sizeof *srv);
    srv->cfg = *cfg;
    return OMP_OK;
}

omp_err omp_dlms_server_set_secret(struct omp_dlms_server *srv, const uint8_t *secret, size_t len)
{
    if (srv == NULL || secret == NULL || len == 0u || len > OMP_DLMS_LLS_SECRET_MAX) {
        return OMP_ERR_ARG;
    }
    memset(srv->cfg.lls_secret, 0, sizeof srv->cfg.lls_secret);
    memcpy(srv->cfg.lls_secret, secret, len);
    srv->cfg.lls_secret_len = (uint8_t)len;
    return OMP_OK;
}

void omp_dlms_server_close(struct omp_dlms_server *srv)
{
    if (srv == NULL) {
        return;
    }
    srv->assoc = 0u;
    srv->client_sap = 0u;
    srv->server_sap = 0u;
    srv->conformance = 0u;
    srv->pdu = 0u;
    srv->blk_active = false;
    srv->blk_profile = false;
    srv->blk_number = 0u;
    srv->hls_pending = false; /* security (dlms_sec.c): no challenge outlives its association */
    memset(srv->f_ctos, 0, sizeof srv->f_ctos);
    memset(srv->stoc, 0, sizeof srv->stoc);
    srv->set_active = false;
    srv->blk_gbt = false;
    srv->gbt_rx = false;
    srv->gbt_reply = false;
}

unsigned omp_dlms_server_assoc(const struct omp_dlms_server *srv)
{
    return srv == NULL ? 0u : srv->assoc;
}

#if OMP_CONFIG_DLMS

omp_err omp_dlms_priv_exception_ic(struct omp_wr *out, uint8_t state_error, uint8_t service_error,
                                   uint32_t ic)
{
    /* EXCEPTION-response: tag, state-error, service-error, the invocation counter with
     * invocation-counter-error only (as omp_apdu_encode() writes it) */
    const uint8_t b[7] = {OMP_APDU_TAG_EXCEPTION_RESPONSE, state_error, service_error,
                          (uint8_t)(ic >> 24), (uint8_t)(ic >> 16), (uint8_t)(ic >> 8),
                          (uint8_t)ic};
    return omp_wr_bytes(out,
                        b, service_error == OMP_SERVICE_ERROR_INVOCATION_COUNTER_ERROR ? 7u : 3u);
}

omp_err omp_dlms_priv_exception(struct omp_wr *out, uint8_t state_error, uint8_t service_error)
{
    return omp_dlms_priv_exception_ic(out, state_error, service_error, 0u);
}

/* The association a (client, server) SAP pair asks for; 0 if none (HLS client 1 included). */
static unsigned assoc_of(uint16_t client, uint16_t server)
{
    if (client == OMP_DLMS_CLIENT_PUBLIC && server == OMP_DLMS_SAP_MGMT_LD) {
        return OMP_ASSOC_PUBLIC;
    }
    if (server != OMP_DLMS_SAP_LD) {
        return 0u;
    }
    switch (client) {
    case OMP_DLMS_CLIENT_LLS_MODULE:
        return OMP_ASSOC_LLS_MODULE;
    case OMP_DLMS_CLIENT_LLS_OPTICAL:
        return OMP_ASSOC_LLS_OPTICAL;
    case OMP_DLMS_CLIENT_LLS_CCC:
        return OMP_ASSOC_LLS_CCC;
    default:
        return 0u;
    }
}

/* The password compared in time independent of where it differs (no timing oracle). */
static bool secret_ok(const struct omp_dlms_server_cfg *cfg, const struct omp_apdu_span *v)
{
    if (v->len != cfg->lls_secret_len) {
        return false;
    }
    uint8_t diff = 0;
    for (size_t k = 0; k < v->len; k++) {
        diff = (uint8_t)(diff | (v->ptr[k] ^ cfg->lls_secret[k]));
    }
    return diff == 0u;
}

/* The ACSE part of an AARQ: OMP_ASSOC_DIAG_NULL and the association, or the diagnostic. */
static OMP_NOINLINE uint8_t check_acse(const struct omp_dlms_server_cfg *cfg, uint16_t client,
                                       uint16_t server, const struct omp_apdu_aarq *q,
                                       unsigned *assoc)
{
    if (q->app_context != OMP_APP_CONTEXT_LN) {
        return OMP_ASSOC_DIAG_APP_CONTEXT_NOT_SUPPORTED; /* ciphering and SN: not in this slice */
    }
    if (client == OMP_DLMS_CLIENT_HLS && server == OMP_DLMS_SAP_LD) {
        /* here when the management association is not opened: not on this port, or no
         * security env (no GCM or entropy op) to run HLS-GMAC with */
        return (cfg->assocs & OMP_ASSOC_HLS_MGMT) == 0u ? OMP_ASSOC_DIAG_NO_REASON_GIVEN
                                                        : OMP_ASSOC_DIAG_MECHANISM_NAME_NOT_RECOGNISED;
    }
    unsigned a = assoc_of(client, server);
    if ((a & cfg->assocs) == 0u) {
        return OMP_ASSOC_DIAG_NO_REASON_GIVEN;
    }
    if (a == OMP_ASSOC_PUBLIC) {
        if (q->has_mechanism && q->mechanism != OMP_AUTH_LOWEST) {
            return OMP_ASSOC_DIAG_MECHANISM_NAME_NOT_RECOGNISED;
        }
    } else if (!q->has_mechanism) {
        return OMP_ASSOC_DIAG_MECHANISM_NAME_REQUIRED;
    } else if (q->mechanism != OMP_AUTH_LLS) {
        return OMP_ASSOC_DIAG_MECHANISM_NAME_NOT_RECOGNISED;
    } else if (!q->has_auth_value || !secret_ok(cfg, &q->auth_value)) {
        return OMP_ASSOC_DIAG_AUTHENTICATION_FAILURE;
    }
    *assoc = a;
    return OMP_ASSOC_DIAG_NULL;
}

/* The InitiateRequest: -1 if acceptable (@p conf, @p pdu set), else the initiate error. */
int omp_dlms_priv_check_initiate(const struct omp_apdu_initiate_req *r, uint32_t supported,
                                 uint16_t max_pdu, uint32_t *conf, uint16_t *pdu)
{
    if (r == NULL) {
        return OMP_INITIATE_ERR_OTHER; /* missing, or ciphered without a ciphered context */
    }
    if (r->dlms_version < DLMS_VERSION) {
        return OMP_INITIATE_ERR_DLMS_VERSION_TOO_LOW;
    }
    uint32_t c = r->conformance & supported;
    if ((c & OMP_CONF_GET) == 0u) {
        return OMP_INITIATE_ERR_INCOMPATIBLE_CONFORMANCE;
    }
    if (r->max_pdu < OMP_DLMS_SERVER_PDU_MIN) {
        return OMP_INITIATE_ERR_PDU_SIZE_TOO_SHORT;
    }
    *conf = c;
    *pdu = r->max_pdu < max_pdu ? r->max_pdu : max_pdu;
    return -1;
}

void omp_dlms_priv_event(const struct omp_dlms_server_env *env, uint16_t code, uint16_t flags,
                         uint32_t arg)
{
    if (env->events != NULL) {
        const struct omp_event e = {code, flags, arg, env->src != NULL ? env->src->clock_utc_s : 0};
        omp_err err = omp_evq_push(env->events, &e); /* a full queue drops its oldest */
        (void)err;
    }
}

void omp_dlms_priv_auth_failed(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                               uint16_t client, uint16_t server)
{
    srv->auth_failures++;
    omp_dlms_priv_event(env, OMP_EV_DLMS_AUTH_FAIL, server, client);
}

/* The length byte at @p at + 1 of the TLV whose tag is at @p at: what was written after it (below
 * 128 in every AARE of this server: the short form). */
static void tlv_end(struct omp_wr *w, size_t at)
{
    if (omp_wr_status(w) == OMP_OK) {
        w->buf[at + 1u] = (uint8_t)(omp_wr_len(w) - at - 2u);
    }
}

/* A TLV of @p tag around octets @p p (@p n bytes), itself wrapped in @p outer unless 0. */
static void put_tlv(struct omp_wr *w, uint8_t outer, uint8_t tag, const uint8_t *p, size_t n)
{
    if (outer != 0u) {
        (void)omp_wr_u8(w, outer);
        (void)omp_wr_u8(w, (uint8_t)(n + 2u));
    }
    (void)omp_wr_u8(w, tag);
    (void)omp_wr_u8(w, (uint8_t)n);
    (void)omp_wr_bytes(w, p, n);
}

/* The AARE as omp_apdu_encode() writes it (the same bytes), for the components this server sets:
 * no protocol-version, a service-user diagnostic, an optional responding-AP-title, the
 * authentication components of HLS (acse-requirements, mechanism-name GMAC, StoC), and
 * user-information as raw bytes (OMP_APDU_UINFO_OTHER: an InitiateResponse, a
 * ConfirmedServiceError or the glo-initiateResponse). Longest (HLS): 107 bytes of contents, so
 * every length has the short form. Nothing is written when it does not fit. */
omp_err omp_dlms_priv_put_aare(const struct omp_apdu_aare *r, struct omp_wr *w)
{
    if (omp_wr_status(w) != OMP_OK) {
        return OMP_ERR_NOSPACE;
    }
    const size_t at = omp_wr_len(w);
    const uint8_t head[] = {OMP_APDU_TAG_AARE, 0u, 0xA1u, 0x09u, 0x06u, 0x07u, 0x60u, 0x85u, 0x74u,
                            0x05u, 0x08u, 0x01u, r->app_context, 0xA2u, 0x03u, 0x02u, 0x01u,
                            r->result, 0xA3u, 0x05u, (uint8_t)(0xA0u | r->diag_source), 0x03u,
                            0x02u, 0x01u, r->diag};
    static const uint8_t k_hls[] = {0x88u, 0x02u, 0x07u, 0x80u, 0x89u, 0x07u, 0x60u, 0x85u, 0x74u,
                                    0x05u, 0x08u, 0x02u, OMP_AUTH_HLS_GMAC};
    (void)omp_wr_bytes(w, head, sizeof head);
    if (r->has_responding_ap_title) {
        put_tlv(w, 0xA4u, 0x04u, r->responding_ap_title.ptr, r->responding_ap_title.len);
    }
    if (r->has_auth_value) {
        (void)omp_wr_bytes(w, k_hls, sizeof k_hls);
        put_tlv(w, 0xAAu, 0x80u, r->auth_value.ptr, r->auth_value.len);
    }
    if (r->user_info.kind != OMP_APDU_UINFO_NONE) {
        put_tlv(w, 0xBEu, 0x04u, r->user_info.raw.ptr, r->user_info.raw.len);
    }
    tlv_end(w, at);
    if (omp_wr_status(w) != OMP_OK) {
        omp_wr_truncate(w, at);
        return OMP_ERR_NOSPACE;
    }
    return OMP_OK;
}

void omp_dlms_priv_init_rsp(uint8_t p[OMP_DLMS_INIT_RSP_LEN], uint32_t conf, uint16_t max_pdu)
{
    const uint8_t rsp[OMP_DLMS_INIT_RSP_LEN] = {OMP_APDU_TAG_INITIATE_RESPONSE,
                                                0x00u, /* no quality-of-service */
                                                DLMS_VERSION,
                                                0x5Fu,
                                                0x1Fu,
                                                0x04u,
                                                0x00u,
                                                (uint8_t)(conf >> 16),
                                                (uint8_t)(conf >> 8),
                                                (uint8_t)conf,
                                                (uint8_t)(max_pdu >> 8),
                                                (uint8_t)max_pdu,
                                                (uint8_t)(VAA_NAME_LN >> 8),
                                                (uint8_t)VAA_NAME_LN};
    memcpy(p, rsp, sizeof rsp);
}

omp_err omp_dlms_priv_refuse(struct omp_apdu *a, uint8_t diag, int ierr, struct omp_wr *out)
{
    struct omp_apdu_aare *r = &a->u.aare;
    r->result = OMP_ASSOC_REJECTED_PERMANENT;
    r->diag = diag != OMP_ASSOC_DIAG_NULL ? diag : (uint8_t)OMP_ASSOC_DIAG_NO_REASON_GIVEN;
    /* ConfirmedServiceError initiateError, ServiceError initiate: the InitiateError */
    const uint8_t cse[4] = {OMP_APDU_TAG_CONFIRMED_SERVICE_ERROR, OMP_CSE_INITIATE_ERROR,
                            OMP_CSE_ERR_INITIATE, (uint8_t)ierr};
    if (ierr >= 0) {
        r->user_info.kind = OMP_APDU_UINFO_OTHER;
        r->user_info.raw.ptr = cse;
        r->user_info.raw.len = sizeof cse;
    }
    return omp_dlms_priv_put_aare(&a->u.aare, out);
}

/* AARQ -> AARE. A new AARQ replaces the association the port had. */
static omp_err aarq(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                    uint16_t client, uint16_t server, const struct omp_apdu_aarq *q,
                    struct omp_wr *out)
{
    omp_dlms_server_close(srv);
    /* -- security (dlms_sec.c): the management association, HLS-GMAC -- */
    if (client == OMP_DLMS_CLIENT_HLS && server == OMP_DLMS_SAP_LD && env->sec != NULL &&
        (srv->cfg.assocs & OMP_ASSOC_HLS_MGMT) != 0u &&
        env->sec->gcm != NULL && env->sec->entropy != NULL) {
        return omp_dlms_priv_sec_aarq(srv, env, client, server, q, out);
    }
    /* -- end security -- */
    struct omp_apdu a;
    memset(&a, 0, sizeof a);
    a.kind = OMP_APDU_AARE;
    struct omp_apdu_aare *r = &a.u.aare;
    r->app_context = OMP_APP_CONTEXT_LN;
    r->diag_source = OMP_ASSOC_DIAG_SERVICE_USER;
    unsigned assoc = 0u;
    uint32_t conf = 0u;
    uint16_t pdu = 0u;
    uint8_t diag = check_acse(&srv->cfg, client, server, q, &assoc);
    int ierr = -1;
    if (diag == OMP_ASSOC_DIAG_NULL) {
        ierr = omp_dlms_priv_check_initiate(q->user_info.kind == OMP_APDU_UINFO_INITIATE_REQ
                                                ? &q->user_info.u.init_req
                                                : NULL,
                                            assoc == OMP_ASSOC_PUBLIC ? CONF_PUBLIC : CONF_LLS,
                                            srv->cfg.max_pdu, &conf, &pdu);
    } else if (diag == OMP_ASSOC_DIAG_AUTHENTICATION_FAILURE) {
        omp_dlms_priv_auth_failed(srv, env, client, server);
    }
    if (diag != OMP_ASSOC_DIAG_NULL || ierr >= 0) {
        return omp_dlms_priv_refuse(&a, diag, ierr, out);
    }
    r->result = OMP_ASSOC_ACCEPTED;
    r->diag = OMP_ASSOC_DIAG_NULL;
    uint8_t init[OMP_DLMS_INIT_RSP_LEN];
    omp_dlms_priv_init_rsp(init, conf, srv->cfg.max_pdu);
    r->user_info.kind = OMP_APDU_UINFO_OTHER;
    r->user_info.raw.ptr = init;
    r->user_info.raw.len = sizeof init;
    omp_err err = omp_dlms_priv_put_aare(&a.u.aare, out);
    if (err == OMP_OK) {
        srv->assoc = assoc;
        srv->client_sap = (uint8_t)client;
        srv->server_sap = server;
        srv->conformance = conf;
        srv->pdu = pdu;
    }
    return err;
}

/* RLRQ -> RLRE reason normal; the association ends (also when there was none). */
static omp_err rlrq(struct omp_dlms_server *srv, struct omp_wr *out)
{
    omp_dlms_server_close(srv);
    static const uint8_t k_rlre[] = {OMP_APDU_TAG_RLRE, 0x03u, 0x80u, 0x01u, 0x00u}; /* normal */
    return omp_wr_bytes(out, k_rlre, sizeof k_rlre);
}

/* An xDLMS request other than GET: SET and ACTION (dlms_set.c). */
omp_err omp_dlms_priv_dispatch(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                               uint16_t client, uint16_t server, const struct omp_apdu *a,
                               struct omp_wr *out, size_t limit)
{
    if (a->kind == OMP_APDU_AARQ) {
        return aarq(srv, env, client, server, &a->u.aarq, out);
    }
    if (a->kind == OMP_APDU_RLRQ) {
        return rlrq(srv, out);
    }
    const unsigned tag = (unsigned)a->kind >> 8;
    if (tag != OMP_APDU_TAG_GET_REQUEST && tag != OMP_APDU_TAG_SET_REQUEST &&
        tag != OMP_APDU_TAG_ACTION_REQUEST) {
        /* responses, notifications, RLRE/AARE: not something a client sends a server */
        return omp_dlms_priv_exception(out, OMP_STATE_ERROR_SERVICE_UNKNOWN,
                                       OMP_SERVICE_ERROR_SERVICE_NOT_SUPPORTED);
    }
    if (srv->assoc == 0u || client != srv->client_sap || server != srv->server_sap) {
        return omp_dlms_priv_exception(out, OMP_STATE_ERROR_SERVICE_NOT_ALLOWED,
                                       OMP_SERVICE_ERROR_OPERATION_NOT_POSSIBLE);
    }
    if (tag != OMP_APDU_TAG_GET_REQUEST) {
        return omp_dlms_priv_set_action(srv, env, a, out, limit);
    }
    srv->set_active = false; /* a GET ends a SET in blocks the client left */
    if (a->kind == OMP_APDU_GET_REQ_LIST &&
        (srv->conformance & OMP_CONF_MULTIPLE_REFERENCES) == 0u) {
        return omp_dlms_priv_exception(out, OMP_STATE_ERROR_SERVICE_NOT_ALLOWED,
                                       OMP_SERVICE_ERROR_SERVICE_NOT_SUPPORTED);
    }
    return omp_dlms_priv_get(srv, env, a, out, limit);
}

omp_err omp_dlms_server_apdu(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                             uint16_t client_sap, uint16_t server_sap, const uint8_t *req,
                             size_t len, struct omp_wr *out)
{
    if (srv == NULL || env == NULL || env->src == NULL || out == NULL ||
        (req == NULL && len != 0u)) {
        return OMP_ERR_ARG;
    }
    size_t room = omp_wr_room(out);
    if (room < OMP_DLMS_SERVER_PDU_MIN || omp_wr_status(out) != OMP_OK) {
        return OMP_ERR_NOSPACE;
    }
    size_t limit = room < srv->cfg.max_pdu ? room : srv->cfg.max_pdu;
    if (srv->pdu != 0u && srv->pdu < limit) {
        limit = srv->pdu;
    }
    if (len > srv->cfg.max_pdu) {
        return omp_dlms_priv_exception(out, OMP_STATE_ERROR_SERVICE_NOT_ALLOWED,
                                       OMP_SERVICE_ERROR_PDU_TOO_LONG);
    }
    /* -- security (dlms_sec.c): ciphered APDUs and the management association -- */
    if (omp_dlms_priv_sec_takes(srv, req, len)) {
        return omp_dlms_priv_sec_apdu(srv, env, client_sap, server_sap, req, len, out, limit);
    }
    /* -- end security -- */
    if (len != 0u && req[0] == OMP_APDU_TAG_GENERAL_BLOCK_TRANSFER) {
        return omp_dlms_priv_gbt(srv, env, client_sap, server_sap, req, len, out, limit);
    }
    srv->gbt_rx = false; /* a request not in GBT starts a new exchange */
    srv->gbt_reply = false;
    srv->gbt_bn = 0u;
    srv->gbt_rx_bn = 0u;
    return omp_dlms_priv_request(srv, env, client_sap, server_sap, req, len, out, limit);
}

omp_err omp_dlms_priv_request(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                              uint16_t client_sap, uint16_t server_sap, const uint8_t *req,
                              size_t len, struct omp_wr *out, size_t limit)
{
    struct omp_rd rd = omp_rd_init(req, len);
    struct omp_apdu a;
    omp_err err = omp_apdu_decode_request(&rd, &a);
    if (err == OMP_OK && omp_rd_remaining(&rd) != 0u) {
        err = OMP_ERR_MALFORMED; /* one APDU per frame: trailing bytes are not ours to guess */
    }
    if (err != OMP_OK) {
        return omp_dlms_priv_exception(out, OMP_STATE_ERROR_SERVICE_UNKNOWN,
                                       err == OMP_ERR_UNSUPPORTED
                                           ? (uint8_t)OMP_SERVICE_ERROR_SERVICE_NOT_SUPPORTED
                                           : (uint8_t)OMP_SERVICE_ERROR_OTHER_REASON);
    }
    return omp_dlms_priv_dispatch(srv, env, client_sap, server_sap, &a, out, limit);
}

#else /* !OMP_CONFIG_DLMS */

omp_err omp_dlms_server_apdu(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                             uint16_t client_sap, uint16_t server_sap, const uint8_t *req,
                             size_t len, struct omp_wr *out)
{
    (void)srv;
    (void)env;
    (void)client_sap;
    (void)server_sap;
    (void)req;
    (void)len;
    (void)out;
    return OMP_ERR_UNSUPPORTED;
}

#endif /* OMP_CONFIG_DLMS */

/*
 * The management association of the DLMS server (dlms_server.h, docs/dlms-server.md "Security"):
 * client 1 -> SAP 16, application context LN with ciphering, HLS mechanism 5 (HLS-GMAC), security
 * suite 0 (AES-128-GCM through the port's op; the keys stay in the port's slots).
 *
 * Green Book (DLMS UA 1000-2) 9.2.7.4 HLS pass 1..4 and 9.2.7.2 ciphered xDLMS APDUs:
 *  1. AARQ: calling-AP-title (client system title, 8 bytes), CtoS (8..64 bytes), user-information
 *     a glo-initiateRequest (0x21, SC 0x30, GUEK + GAK).
 *  2. AARE: accepted with diagnostic authentication-required, responding-AP-title (the server's
 *     system title), StoC (16 bytes from the port's entropy), a glo-initiateResponse (0x28).
 *  3. The client's ACTION Association LN method 1 reply_to_HLS_authentication with
 *     f(StoC) = SC || IC || GMAC(SC || AK || StoC); nothing else is allowed until it succeeds.
 *  4. The server's ACTION-response with f(CtoS); or, for a wrong f(StoC), action-result
 *     read-write-denied, OMP_EV_DLMS_AUTH_FAIL and no association.
 * Then only glo-get/set/action-requests (C8, C9, CB) with SC 0x30 are served: opened with GUEK and
 * GAK (SC 0x70, the key-set bit: with GBEK and GAK), their IC strictly above the newest accepted
 * one whatever the key (else EXCEPTION invocation-counter-error and OMP_EV_DLMS_REPLAY), answered
 * with glo-get/set/action-responses (CC, CD, CF, SC 0x30: GUEK) under the server's own IC.
 *
 * RAM: no buffers of the APDU's size on the stack: a request's plaintext is opened into the far
 * end of the caller's output buffer, the response is written in front of it and sealed in place.
 */
#include "omnipower/config.h"

#if OMP_CONFIG_DLMS

#include <string.h>

#include "omnipower/apdu.h"
#include "omnipower/axdr.h"
#include "omnipower/cosem.h"
#include "omnipower/dlms_server.h"
#include "omnipower/evq.h"
#include "omnipower/hal.h"

#include "dlms_priv.h"

#define SC_AUTH_ENC         (OMP_SC_AUTH | OMP_SC_ENC) /* the only SC the association takes (suite 0) */
#define CLASS_ASSOC_LN      15u
#define CLASS_SEC_SETUP     64u
#define METHOD_REPLY_TO_HLS 1
#define METHOD_SECURITY_ACTIVATE 1
#define METHOD_KEY_TRANSFER 2
#define INIT_RSP_LEN        OMP_DLMS_INIT_RSP_LEN /* 08 00 06 5F1F 04 00 xxxxxx mmmm 0007 */
#define INIT_REQ_MAX        48u /* an InitiateRequest with a dedicated key */
#define HDR_MAX             9u  /* tag, length (at most 3), SC, IC */
#define GEN_ST              9u  /* general-glo-ciphering: 08 || the system title, after the tag */
#define WRAPPED_KEY_LEN     24u /* RFC 3394 of a 16-byte key */
#define KEY_TRANSFER_MAX    4u

static const uint8_t k_assoc_ln[6] = {0u, 0u, 40u, 0u, 0u, 255u};
static const uint8_t k_sec_setup[6] = {0u, 0u, 43u, 0u, 0u, 255u};

bool omp_dlms_priv_is_sec_setup(const uint8_t obis[6])
{
    return memcmp(obis, k_sec_setup, 6u) == 0;
}

static bool is_ciphered_tag(uint8_t t)
{
    return (t >= 0xC8u && t <= 0xCFu) || (t >= 0xD0u && t <= 0xD7u) ||
           t == OMP_APDU_TAG_GENERAL_GLO_CIPHERING || t == OMP_APDU_TAG_GENERAL_DED_CIPHERING;
}

bool omp_dlms_priv_sec_takes(const struct omp_dlms_server *srv, const uint8_t *req, size_t len)
{
    if (len == 0u || (srv->assoc != OMP_ASSOC_HLS_MGMT && !srv->hls_pending)) {
        return false; /* other associations: a ciphered APDU is unknown to them, as before */
    }
    uint8_t t = req[0];
    return is_ciphered_tag(t) || t == OMP_APDU_TAG_GET_REQUEST || t == OMP_APDU_TAG_SET_REQUEST ||
           t == OMP_APDU_TAG_ACTION_REQUEST;
}

/* The server's next invocation counter, or OMP_ERR_STATE once the block kept in NVM is used up. */
static omp_err next_ic(struct omp_dlms_sec *sec, uint32_t *ic)
{
    if (sec->ic >= sec->ic_limit || sec->ic == UINT32_MAX) {
        return OMP_ERR_STATE;
    }
    *ic = sec->ic++;
    return OMP_OK;
}

static void replayed(struct omp_dlms_sec *sec, const struct omp_dlms_server_env *env,
                     uint16_t client, uint32_t ic)
{
    sec->replays++;
    omp_dlms_priv_event(env, OMP_EV_DLMS_REPLAY, client, ic);
}

/* ---- pass 1 and 2: AARQ -> AARE ---------------------------------------------------------------
 */

/* Open the glo-initiateRequest of @p q into @p req: an ACSE diagnostic (NULL when it opened, its
 * IC was new and it decoded), *ierr an initiate error (-1 none). */
static uint8_t open_initiate(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                             const struct omp_apdu_aarq *q, struct omp_apdu_initiate_req *req,
                             uint16_t client, int *ierr)
{
    struct omp_dlms_sec *sec = env->sec;
    const struct omp_apdu_span *u = &q->user_info.raw;
    struct omp_rd rd = omp_rd_init(u->ptr, u->len);
    struct omp_apdu_ciphered c;
    uint8_t plain[INIT_REQ_MAX];
    size_t n = 0;
    if (q->user_info.kind != OMP_APDU_UINFO_OTHER || u->len == 0u ||
        u->ptr[0] != OMP_APDU_TAG_GLO_INITIATE_REQUEST ||
        omp_apdu_cipher_decode(&rd, &c) != OMP_OK || omp_rd_remaining(&rd) != 0u ||
        c.sc != SC_AUTH_ENC || c.payload_len > sizeof plain) {
        *ierr = OMP_INITIATE_ERR_OTHER; /* a plain InitiateRequest is refused: policy 3 */
        return OMP_ASSOC_DIAG_NO_REASON_GIVEN;
    }
    omp_err err = omp_apdu_cipher_open(&c, srv->peer_title, sec->gcm, sec->user, OMP_KEY_GUEK,
                                       OMP_KEY_GAK, plain, sizeof plain, &n);
    if (err != OMP_OK) {
        omp_dlms_priv_auth_failed(srv, env, client, OMP_DLMS_SAP_LD);
        return OMP_ASSOC_DIAG_AUTHENTICATION_FAILURE;
    }
    if (omp_apdu_replay_check(&sec->client_ic, c.ic) != OMP_OK) {
        omp_wipe(plain, sizeof plain);
        replayed(sec, env, client, c.ic);
        return OMP_ASSOC_DIAG_AUTHENTICATION_FAILURE;
    }
    err = omp_apdu_initiate_req_decode(plain, n, req);
    omp_wipe(plain, sizeof plain);
    if (err != OMP_OK) {
        *ierr = OMP_INITIATE_ERR_OTHER;
        return OMP_ASSOC_DIAG_NO_REASON_GIVEN;
    }
    return OMP_ASSOC_DIAG_NULL;
}

/* The ACSE checks of the management association's AARQ: a diagnostic, NULL if acceptable. */
static uint8_t check_acse(const struct omp_apdu_aarq *q)
{
    if (q->app_context != OMP_APP_CONTEXT_LN_CIPHER) {
        return OMP_ASSOC_DIAG_APP_CONTEXT_NOT_SUPPORTED;
    }
    if (!q->has_mechanism) {
        return OMP_ASSOC_DIAG_MECHANISM_NAME_REQUIRED;
    }
    if (q->mechanism != OMP_AUTH_HLS_GMAC) {
        return OMP_ASSOC_DIAG_MECHANISM_NAME_NOT_RECOGNISED;
    }
    if (!q->has_calling_ap_title || q->calling_ap_title.len != 8u) {
        return OMP_ASSOC_DIAG_CALLING_AP_TITLE_NOT_RECOGNIZED;
    }
    if (!q->has_auth_value || q->auth_value.len < 8u || q->auth_value.len > OMP_DLMS_CTOS_MAX) {
        return OMP_ASSOC_DIAG_AUTHENTICATION_FAILURE; /* no usable CtoS */
    }
    return OMP_ASSOC_DIAG_NULL;
}

static omp_err seal_in_place(struct omp_dlms_sec *sec, uint8_t tag, size_t n, struct omp_wr *out);

/* The glo-initiateResponse (0x28) into @p w: InitiateResponse sealed with the server's IC, as a
 * ciphered response is (seal_in_place: the plaintext first goes where it expects it). */
static omp_err seal_initiate_rsp(struct omp_dlms_sec *sec, uint32_t conf, uint16_t max_pdu,
                                 struct omp_wr *w)
{
    if (omp_wr_status(w) != OMP_OK ||
        omp_wr_room(w) < HDR_MAX + INIT_RSP_LEN + OMP_APDU_GCM_TAG_LEN) {
        return OMP_ERR_NOSPACE;
    }
    omp_dlms_priv_init_rsp(w->buf + omp_wr_len(w) + HDR_MAX, conf, max_pdu);
    return seal_in_place(sec, OMP_APDU_TAG_GLO_INITIATE_RESPONSE, INIT_RSP_LEN, w);
}

/* Accept: StoC, the glo-initiateResponse, f(CtoS) for pass 4 (so that CtoS need not be kept),
 * the AARE; the server waits for pass 3. */
static omp_err accept(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                      const struct omp_apdu_span *ctos, struct omp_apdu *a, uint32_t conf,
                      struct omp_wr *out)
{
    struct omp_dlms_sec *sec = env->sec;
    uint8_t uinfo[INIT_RSP_LEN + HDR_MAX + OMP_APDU_GCM_TAG_LEN];
    struct omp_wr uw = omp_wr_init(uinfo, sizeof uinfo);
    uint32_t ic = 0;
    omp_err err = sec->entropy(sec->user, srv->stoc, sizeof srv->stoc);
    if (err == OMP_OK) {
        err = seal_initiate_rsp(sec, conf, srv->cfg.max_pdu, &uw);
    }
    if (err == OMP_OK) {
        err = next_ic(sec, &ic);
    }
    if (err == OMP_OK) {
        err = omp_apdu_hls_gmac(sec->system_title, ic, ctos->ptr, ctos->len, sec->gcm, sec->user,
                                OMP_KEY_GUEK, OMP_KEY_GAK, srv->f_ctos);
    }
    if (err != OMP_OK) {
        a->u.aare.result = OMP_ASSOC_REJECTED_TRANSIENT;
        a->u.aare.diag = OMP_ASSOC_DIAG_NO_REASON_GIVEN;
        return omp_dlms_priv_put_aare(&a->u.aare, out);
    }
    struct omp_apdu_aare *r = &a->u.aare;
    r->result = OMP_ASSOC_ACCEPTED;
    r->diag = OMP_ASSOC_DIAG_AUTHENTICATION_REQUIRED;
    r->has_responding_ap_title = true;
    r->responding_ap_title.ptr = sec->system_title;
    r->responding_ap_title.len = 8u;
    r->acse_auth = true;
    r->has_mechanism = true;
    r->mechanism = OMP_AUTH_HLS_GMAC;
    r->has_auth_value = true;
    r->auth_value.ptr = srv->stoc;
    r->auth_value.len = sizeof srv->stoc;
    r->user_info.kind = OMP_APDU_UINFO_OTHER;
    r->user_info.raw.ptr = uinfo;
    r->user_info.raw.len = omp_wr_len(&uw);
    return omp_dlms_priv_put_aare(&a->u.aare, out);
}

omp_err omp_dlms_priv_sec_aarq(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                               uint16_t client, uint16_t server, const struct omp_apdu_aarq *q,
                               struct omp_wr *out)
{
    struct omp_apdu a;
    memset(&a, 0, sizeof a);
    a.kind = OMP_APDU_AARE;
    a.u.aare.app_context = OMP_APP_CONTEXT_LN_CIPHER;
    a.u.aare.diag_source = OMP_ASSOC_DIAG_SERVICE_USER;
    int ierr = -1;
    uint8_t diag = check_acse(q);
    struct omp_apdu_initiate_req req;
    uint32_t conf = 0;
    uint16_t pdu = 0;
    if (diag == OMP_ASSOC_DIAG_NULL) {
        memcpy(srv->peer_title, q->calling_ap_title.ptr, 8u);
        diag = open_initiate(srv, env, q, &req, client, &ierr);
    }
    if (diag == OMP_ASSOC_DIAG_NULL) {
        ierr = omp_dlms_priv_check_initiate(&req, OMP_DLMS_CONF_HLS, srv->cfg.max_pdu, &conf, &pdu);
    }
    if (diag != OMP_ASSOC_DIAG_NULL || ierr >= 0) {
        a.u.aare.app_context = q->app_context == OMP_APP_CONTEXT_LN ? (uint8_t)OMP_APP_CONTEXT_LN
                                                                    : OMP_APP_CONTEXT_LN_CIPHER;
        return omp_dlms_priv_refuse(&a, diag, ierr, out);
    }
    omp_err err = accept(srv, env, &q->auth_value, &a, conf, out);
    if (err == OMP_OK && a.u.aare.result == OMP_ASSOC_ACCEPTED) {
        srv->hls_pending = true;
        srv->client_sap = (uint8_t)client;
        srv->server_sap = server;
        srv->conformance = conf;
        srv->pdu = pdu;
        memcpy(env->sec->client_title, srv->peer_title, 8u);
        env->sec->has_client_title = true;
    }
    return err;
}

/* ---- pass 3 and 4: reply_to_HLS_authentication ----------------------------------------------- */

/* ACTION-response-normal without return parameters (C7 01 invoke result 00): a few bytes the
 * server writes itself, as it does its other responses (dlms_set.c). */
static omp_err action_rsp(uint8_t invoke, uint8_t result, struct omp_wr *w)
{
    const uint8_t b[5] = {OMP_APDU_TAG_ACTION_RESPONSE, 1u, invoke, result, 0u};
    return omp_wr_bytes(w, b, sizeof b);
}

static bool is_hls_reply(const struct omp_apdu *a)
{
    const struct omp_apdu_desc *d = &a->u.action_req.desc;
    return a->kind == OMP_APDU_ACTION_REQ_NORMAL && d->class_id == CLASS_ASSOC_LN &&
           memcmp(d->obis, k_assoc_ln, 6u) == 0 && d->id == METHOD_REPLY_TO_HLS;
}

/* Pass 3 -> 4. A wrong f(StoC) ends the association (after the answer). */
static omp_err hls_reply(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                         const struct omp_apdu *a, struct omp_wr *w)
{
    struct omp_dlms_sec *sec = env->sec;
    const struct omp_apdu_span *p = &a->u.action_req.params;
    uint32_t cic = 0;
    omp_err err = OMP_ERR_MALFORMED;
    if (a->u.action_req.has_params && p->len == 2u + OMP_APDU_HLS_GMAC_LEN &&
        p->ptr[0] == OMP_AXDR_TAG_OCTET_STRING && p->ptr[1] == OMP_APDU_HLS_GMAC_LEN) {
        err = omp_apdu_hls_gmac_check(srv->peer_title, srv->stoc, sizeof srv->stoc, p->ptr + 2,
                                      OMP_APDU_HLS_GMAC_LEN, sec->gcm, sec->user, OMP_KEY_GUEK,
                                      OMP_KEY_GAK, &cic);
    }
    (void)cic; /* no replay check: f(StoC) answers this association's fresh StoC; when pass 3 is
                  ciphered its envelope's IC (checked) comes after the one in f */
    if (err != OMP_OK) {
        omp_dlms_priv_auth_failed(srv, env, srv->client_sap, srv->server_sap);
        err = action_rsp(a->invoke, OMP_ACTION_READ_WRITE_DENIED, w);
        omp_dlms_server_close(srv); /* not associated: the client starts again with an AARQ */
        return err;
    }
    /* ACTION-response-normal, success, return data: octet-string f(CtoS) */
    uint8_t f[8u + OMP_APDU_HLS_GMAC_LEN] = {OMP_APDU_TAG_ACTION_RESPONSE, 1u, a->invoke,
                                             OMP_ACTION_SUCCESS, 1u, 0u,
                                             OMP_AXDR_TAG_OCTET_STRING, OMP_APDU_HLS_GMAC_LEN};
    memcpy(f + 8, srv->f_ctos, OMP_APDU_HLS_GMAC_LEN);
    err = omp_wr_bytes(w, f, sizeof f);
    if (err == OMP_OK) {
        srv->hls_pending = false;
        srv->assoc = OMP_ASSOC_HLS_MGMT;
        memset(srv->stoc, 0, sizeof srv->stoc);
        memset(srv->f_ctos, 0, sizeof srv->f_ctos);
    }
    return err;
}

/* ---- the security setup object 0.0.43.0.0.255 (class 64 version 0) ------------------------- */

uint8_t omp_dlms_priv_sec_get(const struct omp_dlms_server *srv,
                              const struct omp_dlms_server_env *env, const struct omp_apdu_desc *d,
                              struct omp_wr *w)
{
    const struct omp_dlms_sec *sec = env->sec;
    if (d->class_id != CLASS_SEC_SETUP) {
        return OMP_DAR_OBJECT_CLASS_INCONSISTENT;
    }
    if (srv->assoc != OMP_ASSOC_HLS_MGMT || sec == NULL) {
        return OMP_DAR_READ_WRITE_DENIED;
    }
    omp_err err;
    switch (d->id) {
    case 1:
        err = omp_axdr_put_octets(w, k_sec_setup, 6u);
        break;
    case 2:
        err = omp_axdr_put_enum(w, 3u); /* all messages authenticated and encrypted */
        break;
    case 3:
        err = omp_axdr_put_enum(w, 0u); /* suite 0: AES-GCM-128 */
        break;
    case 4:
        err = omp_axdr_put_octets(w, sec->client_title, 8u);
        break;
    case 5:
        err = omp_axdr_put_octets(w, sec->system_title, 8u);
        break;
    default:
        return OMP_DAR_OBJECT_UNDEFINED;
    }
    return err == OMP_OK ? (uint8_t)OMP_DAR_SUCCESS : (uint8_t)OMP_DAR_OTHER_REASON;
}

/* key_data ::= structure { key_id enum (0 GUEK, 1 GBEK, 2 GAK, 3 master), key_wrapped octet-string
 * } at @p rd: the slot and the wrapped key. */
static bool key_data(struct omp_rd *rd, uint8_t *slot, const uint8_t **wrapped)
{
    static const uint8_t k_slot[4] = {OMP_KEY_GUEK, OMP_KEY_GBEK, OMP_KEY_GAK, OMP_KEY_KEK};
    uint8_t h[6] = {0};
    for (size_t k = 0; k < sizeof h; k++) {
        if (omp_rd_u8(rd, &h[k]) != OMP_OK) {
            return false;
        }
    }
    if (h[0] != OMP_AXDR_TAG_STRUCTURE || h[1] != 2u || h[2] != OMP_AXDR_TAG_ENUM || h[3] > 3u ||
        h[4] != OMP_AXDR_TAG_OCTET_STRING || h[5] != WRAPPED_KEY_LEN) {
        return false;
    }
    *slot = k_slot[h[3]];
    return omp_rd_bytes(rd, WRAPPED_KEY_LEN, wrapped) == OMP_OK;
}

/* global_key_transfer (method 2): array of key_data. @p commit false: every item's form and its
 * unwrap's integrity are checked (the port keeps nothing), so that a transfer applies whole or
 * not at all; true (after the answer is sealed under the old keys): the port unwraps each with
 * the master key (RFC 3394) and keeps it. A key named twice is refused. */
static uint8_t key_transfer(const struct omp_dlms_sec *sec, const struct omp_apdu *a, bool commit)
{
    const struct omp_apdu_span *p = &a->u.action_req.params;
    if (sec->key_unwrap == NULL) {
        return OMP_ACTION_OBJECT_UNAVAILABLE;
    }
    if (!a->u.action_req.has_params || p->len < 2u || p->ptr[0] != OMP_AXDR_TAG_ARRAY ||
        p->ptr[1] == 0u || p->ptr[1] > KEY_TRANSFER_MAX) {
        return OMP_ACTION_TYPE_UNMATCHED;
    }
    uint8_t slot[KEY_TRANSFER_MAX];
    const uint8_t *wrapped[KEY_TRANSFER_MAX];
    unsigned named = 0u; /* slots named so far, bit (1 << slot) */
    struct omp_rd rd = omp_rd_init(p->ptr + 2, p->len - 2u);
    for (unsigned k = 0; k < p->ptr[1]; k++) {
        if (!key_data(&rd, &slot[k], &wrapped[k]) || (named & (1u << slot[k])) != 0u) {
            return OMP_ACTION_TYPE_UNMATCHED;
        }
        named |= 1u << slot[k];
    }
    if (omp_rd_remaining(&rd) != 0u) {
        return OMP_ACTION_TYPE_UNMATCHED;
    }
    for (unsigned k = 0; k < p->ptr[1]; k++) {
        if (sec->key_unwrap(sec->user, commit ? slot[k] : (uint8_t)OMP_KEY_NONE, wrapped[k],
                            WRAPPED_KEY_LEN) != OMP_OK) {
            return OMP_ACTION_OTHER_REASON; /* integrity check of the wrapping failed */
        }
    }
    return OMP_ACTION_SUCCESS;
}

/* ACTION on the security setup object (a ciphered request of the management association);
 * *commit set when the keys it checked are to be stored once the answer is sealed. */
static omp_err sec_setup_action(const struct omp_dlms_server_env *env, const struct omp_apdu *a,
                                struct omp_wr *w, bool *commit)
{
    const struct omp_apdu_desc *d = &a->u.action_req.desc;
    uint8_t result = OMP_ACTION_OBJECT_UNDEFINED;
    const struct omp_apdu_span *p = &a->u.action_req.params;
    if (d->class_id != CLASS_SEC_SETUP) {
        result = OMP_ACTION_OBJECT_CLASS_INCONSISTENT;
    } else if (d->id == METHOD_SECURITY_ACTIVATE) {
        /* security_policy enum: suite 0 here is always policy 3 (authenticated and encrypted), the
         * highest, and a policy may only be raised: 3 is kept (success), any other is refused */
        if (!a->u.action_req.has_params || p->len != 2u || p->ptr[0] != OMP_AXDR_TAG_ENUM) {
            result = OMP_ACTION_TYPE_UNMATCHED;
        } else {
            result =
                p->ptr[1] == 3u ? (uint8_t)OMP_ACTION_SUCCESS : (uint8_t)OMP_ACTION_OTHER_REASON;
        }
    } else if (d->id == METHOD_KEY_TRANSFER) {
        result = key_transfer(env->sec, a, false);
        *commit = result == OMP_ACTION_SUCCESS;
    }
    return action_rsp(a->invoke, result, w);
}

/* ---- ciphered requests ------------------------------------------------------------------------
 */

/* Seal the plaintext response at out->buf + out->len + HDR_MAX (+ GEN_ST for general-glo-
 * ciphering; @p n bytes) in place, as a glo- response of tag @p tag (or general-glo-ciphering with
 * the server's system title), and append it to @p out. */
static omp_err seal_in_place(struct omp_dlms_sec *sec, uint8_t tag, size_t n, struct omp_wr *out)
{
    uint32_t ic = 0;
    omp_err err = next_ic(sec, &ic);
    if (err != OMP_OK) {
        return err;
    }
    const size_t st = tag == OMP_APDU_TAG_GENERAL_GLO_CIPHERING ? GEN_ST : 0u;
    size_t content = 5u + n + OMP_APDU_GCM_TAG_LEN;
    size_t lb = content < 0x80u ? 1u : content < 0x100u ? 2u : 3u;
    const size_t hdr = 1u + st + lb + 5u;
    uint8_t *base = out->buf + out->len;
    uint8_t *ct = base + hdr;
    memmove(ct, base + HDR_MAX + st, n);
    struct omp_wr h = omp_wr_init(base, hdr);
    (void)omp_wr_u8(&h, tag);
    if (st != 0u) {
        (void)omp_wr_u8(&h, 8u);
        (void)omp_wr_bytes(&h, sec->system_title, 8u);
    }
    (void)omp_wr_berlen(&h, content);
    (void)omp_wr_u8(&h, SC_AUTH_ENC);
    (void)omp_wr_u32be(&h, ic);
    uint8_t iv[12];
    memcpy(iv, sec->system_title, 8u);
    for (unsigned k = 0; k < 4u; k++) {
        iv[8u + k] = (uint8_t)(ic >> (24u - 8u * k));
    }
    const uint8_t sc = SC_AUTH_ENC;
    struct omp_gcm_op op = {true, OMP_KEY_GUEK, OMP_KEY_GAK, iv, sizeof iv, &sc,
                            1u,   ct,           ct,          n,  ct + n,    OMP_APDU_GCM_TAG_LEN};
    err = sec->gcm(sec->user, &op);
    if (err != OMP_OK || omp_wr_status(&h) != OMP_OK) {
        memset(base, 0, hdr + n + OMP_APDU_GCM_TAG_LEN);
        return err != OMP_OK ? err : OMP_ERR_INTERNAL;
    }
    out->len += hdr + n + OMP_APDU_GCM_TAG_LEN;
    return OMP_OK;
}

/* Open a ciphered request into @p plain (cap bytes): OMP_OK, or the EXCEPTION already written. */
static omp_err open_request(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                            const uint8_t *req, size_t len, uint8_t *plain, size_t cap, size_t *n,
                            struct omp_wr *out, bool *answered)
{
    struct omp_dlms_sec *sec = env->sec;
    struct omp_rd rd = omp_rd_init(req, len);
    struct omp_apdu_ciphered c;
    *answered = true;
    omp_err err = omp_apdu_cipher_decode(&rd, &c);
    if (err != OMP_OK || omp_rd_remaining(&rd) != 0u) {
        return omp_dlms_priv_exception(out, OMP_STATE_ERROR_SERVICE_UNKNOWN,
                                       OMP_SERVICE_ERROR_OTHER_REASON);
    }
    const bool general = c.tag == OMP_APDU_TAG_GENERAL_GLO_CIPHERING &&
                         (srv->conformance & OMP_CONF_GENERAL_PROTECTION) != 0u;
    if (c.tag != OMP_APDU_TAG_GLO_GET_REQUEST && c.tag != OMP_APDU_TAG_GLO_SET_REQUEST &&
        c.tag != OMP_APDU_TAG_GLO_ACTION_REQUEST && !general) {
        return omp_dlms_priv_exception(out, OMP_STATE_ERROR_SERVICE_NOT_ALLOWED,
                                       OMP_SERVICE_ERROR_SERVICE_NOT_SUPPORTED);
    }
    /* the key-set bit: the global broadcast key instead of the unicast one, same AK and IC */
    const bool bcast = (c.sc & OMP_SC_BROADCAST) != 0u;
    const bool sc_ok = (c.sc & (uint8_t)~OMP_SC_BROADCAST) == SC_AUTH_ENC;
    if (!sc_ok || c.payload_len > cap) {
        return omp_dlms_priv_exception(out, OMP_STATE_ERROR_SERVICE_NOT_ALLOWED,
                                       !sc_ok ? (uint8_t)OMP_SERVICE_ERROR_DECIPHERING_ERROR
                                              : (uint8_t)OMP_SERVICE_ERROR_PDU_TOO_LONG);
    }
    if (general && memcmp(c.system_title, srv->peer_title, 8u) != 0) {
        err = OMP_ERR_AUTH; /* another sender than the associated client: as a tag that fails */
    } else {
        err = omp_apdu_cipher_open(&c, srv->peer_title, sec->gcm, sec->user,
                                   bcast ? (uint8_t)OMP_KEY_GBEK : (uint8_t)OMP_KEY_GUEK,
                                   OMP_KEY_GAK, plain, cap, n);
    }
    if (err != OMP_OK) {
        omp_dlms_priv_auth_failed(srv, env, srv->client_sap, srv->server_sap);
        return omp_dlms_priv_exception(out, OMP_STATE_ERROR_SERVICE_NOT_ALLOWED,
                                       OMP_SERVICE_ERROR_DECIPHERING_ERROR);
    }
    if (omp_apdu_replay_check(&sec->client_ic, c.ic) != OMP_OK) {
        replayed(sec, env, srv->client_sap, c.ic);
        return omp_dlms_priv_exception_ic(out, OMP_STATE_ERROR_SERVICE_NOT_ALLOWED,
                                          OMP_SERVICE_ERROR_INVOCATION_COUNTER_ERROR,
                                          sec->client_ic.last_ic + 1u); /* the lowest accepted */
    }
    *answered = false;
    return OMP_OK;
}

/* Whether the plaintext request of kind @p kind is what ciphered tag @p tag carries: the service
 * the glo- tag names (C8 get, C9 set, CB action), or any of the three in general-glo-ciphering. */
static bool service_matches(uint8_t tag, unsigned kind)
{
    const unsigned t = kind >> 8; /* the plain request's tag */
    if (tag == OMP_APDU_TAG_GENERAL_GLO_CIPHERING) {
        return t == OMP_APDU_TAG_GET_REQUEST || t == OMP_APDU_TAG_SET_REQUEST ||
               t == OMP_APDU_TAG_ACTION_REQUEST;
    }
    return t == (unsigned)tag - 8u;
}

/* The decoded plaintext request: its answer into @p w (at most @p cap bytes). */
static omp_err serve(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                     uint16_t client, uint16_t server, const struct omp_apdu *a, struct omp_wr *w,
                     size_t cap, bool *commit)
{
    if (srv->hls_pending) {
        return is_hls_reply(a) ? hls_reply(srv, env, a, w)
                               : omp_dlms_priv_exception(w, OMP_STATE_ERROR_SERVICE_NOT_ALLOWED,
                                                         OMP_SERVICE_ERROR_OPERATION_NOT_POSSIBLE);
    }
    if (a->kind == OMP_APDU_ACTION_REQ_NORMAL &&
        omp_dlms_priv_is_sec_setup(a->u.action_req.desc.obis)) {
        return sec_setup_action(env, a, w, commit);
    }
    return omp_dlms_priv_dispatch(srv, env, client, server, a, w, cap);
}

/* A plain xDLMS request in the management association: pass 3 (it carries its own GMAC) is
 * taken; anything else is refused (the security policy wants every APDU ciphered). */
static omp_err plain_request(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                             const uint8_t *req, size_t len, struct omp_wr *out)
{
    struct omp_rd rd = omp_rd_init(req, len);
    struct omp_apdu a;
    if (srv->hls_pending && omp_apdu_decode_request(&rd, &a) == OMP_OK &&
        omp_rd_remaining(&rd) == 0u && is_hls_reply(&a)) {
        return hls_reply(srv, env, &a, out);
    }
    return omp_dlms_priv_exception(out, OMP_STATE_ERROR_SERVICE_NOT_ALLOWED,
                                   OMP_SERVICE_ERROR_OPERATION_NOT_POSSIBLE);
}

omp_err omp_dlms_priv_sec_apdu(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                               uint16_t client, uint16_t server, const uint8_t *req, size_t len,
                               struct omp_wr *out, size_t limit)
{
    if (env->sec == NULL || client != srv->client_sap || server != srv->server_sap) {
        return omp_dlms_priv_exception(out, OMP_STATE_ERROR_SERVICE_NOT_ALLOWED,
                                       OMP_SERVICE_ERROR_OPERATION_NOT_POSSIBLE);
    }
    if (!is_ciphered_tag(req[0])) {
        return plain_request(srv, env, req, len, out);
    }
    const size_t st = req[0] == OMP_APDU_TAG_GENERAL_GLO_CIPHERING ? GEN_ST : 0u;
    size_t room = omp_wr_room(out);
    size_t take = len < room ? len : room; /* the plaintext is never longer than the request */
    size_t cap = (limit < room - take ? limit : room - take);
    if (cap < OMP_DLMS_SERVER_PDU_MIN + OMP_DLMS_SEC_OVERHEAD + st) {
        return omp_dlms_priv_exception(out, OMP_STATE_ERROR_SERVICE_NOT_ALLOWED,
                                       OMP_SERVICE_ERROR_PDU_TOO_LONG);
    }
    cap -= OMP_DLMS_SEC_OVERHEAD + st;
    uint8_t *plain = out->buf + out->len + (room - take);
    size_t n = 0;
    bool answered = false;
    omp_err err = open_request(srv, env, req, len, plain, take, &n, out, &answered);
    if (err == OMP_OK && !answered) {
        struct omp_rd rd = omp_rd_init(plain, n);
        struct omp_apdu a;
        struct omp_wr w = omp_wr_init(out->buf + out->len + HDR_MAX + st, cap);
        /* C8 -> CC, C9 -> CD, CB -> CF; general-glo-ciphering is answered in kind */
        uint8_t rtag = st != 0u ? req[0] : (uint8_t)(req[0] + 4u);
        bool commit = false;
        err = omp_apdu_decode_request(&rd, &a);
        if (err != OMP_OK || omp_rd_remaining(&rd) != 0u || !service_matches(req[0], a.kind)) {
            err = omp_dlms_priv_exception(&w, OMP_STATE_ERROR_SERVICE_UNKNOWN,
                                          OMP_SERVICE_ERROR_OTHER_REASON);
        } else {
            err = serve(srv, env, client, server, &a, &w, cap, &commit);
        }
        if (err == OMP_OK && seal_in_place(env->sec, rtag, omp_wr_len(&w), out) != OMP_OK) {
            err = omp_dlms_priv_exception(out, OMP_STATE_ERROR_SERVICE_NOT_ALLOWED,
                                          OMP_SERVICE_ERROR_OTHER_REASON); /* IC used up */
            commit = false;
        }
        if (commit) { /* the new keys from the next request on; checked above, so all go in */
            (void)key_transfer(env->sec, &a, true);
        }
    }
    memset(plain, 0, take); /* no plaintext left behind in the caller's buffer */
    return err;
}

#endif /* OMP_CONFIG_DLMS */

/*
 * Client helpers (module apdu): AARQ/GET/ACTION builders, access parameters, AARE and HLS pass 4
 * checks, GET block reassembly and the HAN push (OBIS, value) iterator. Everything goes through
 * omp_apdu_encode/decode, the module's two-pass emitter and the axdr module; see
 * docs/dlms-apdu.md "Client helpers".
 */
#include "omnipower/config.h"

#if OMP_CONFIG_DLMS_CLIENT /* the whole file: module switch, config.h */

#include <string.h>

#include "apdu_priv.h"
#include "omnipower/apdu.h"
#include "omnipower/axdr.h"
#include "omnipower/core.h"

/* Longest LLS password / HLS challenge accepted (a short BER length keeps the AARQ small). */
#define CLIENT_SECRET_MAX 127u
#define HLS_CHALLENGE_MIN 8u
#define HLS_CHALLENGE_MAX 64u
#define SYSTEM_TITLE_LEN 8u
#define DLMS_VERSION 6u
#define CLOCK_CLASS_ID 8u
#define CLOCK_TIME_ATTR 2
#define GET_LIST_MAX 65535u /* items of omp_dlms_client_get_list() */
/* Current association's logical name (Blue Book IC 15, Association LN: 0.0.40.0.0.255). */
static const uint8_t k_assoc_ln[6] = {0, 0, 40, 0, 0, 255};

/* ---- AARQ -------------------------------------------------------------------------------- */

static omp_err check_aarq_opts(const struct omp_dlms_aarq_opts *o)
{
    const bool ciphered_ui = (o->user_info != NULL);
    if (o->conformance > 0xFFFFFFu || (ciphered_ui && o->user_info_len == 0u) ||
        (!ciphered_ui && o->user_info_len != 0u)) {
        return OMP_ERR_ARG;
    }
    /* a system title goes with a ciphered context: HLS-GMAC, or a ciphered InitiateRequest */
    const bool need_title = (o->mechanism == OMP_DLMS_MECH_HLS_GMAC) || ciphered_ui;
    if ((o->system_title != NULL) != need_title) {
        return OMP_ERR_ARG;
    }
    switch (o->mechanism) {
    case OMP_DLMS_MECH_NONE:
        return (o->secret == NULL && o->secret_len == 0u) ? OMP_OK : OMP_ERR_ARG;
    case OMP_DLMS_MECH_LLS:
        return (o->secret != NULL && o->secret_len >= 1u && o->secret_len <= CLIENT_SECRET_MAX)
                   ? OMP_OK
                   : OMP_ERR_ARG;
    case OMP_DLMS_MECH_HLS_GMAC:
        return (o->secret != NULL && o->secret_len >= HLS_CHALLENGE_MIN &&
                o->secret_len <= HLS_CHALLENGE_MAX)
                   ? OMP_OK
                   : OMP_ERR_ARG;
    default:
        return OMP_ERR_ARG;
    }
}

omp_err omp_dlms_client_aarq(struct omp_wr *w, const struct omp_dlms_aarq_opts *o)
{
    if (w == NULL || o == NULL) {
        return OMP_ERR_ARG;
    }
    omp_err err = check_aarq_opts(o);
    if (err != OMP_OK) {
        return err;
    }
    struct omp_apdu a;
    memset(&a, 0, sizeof a);
    a.kind = OMP_APDU_AARQ;
    struct omp_apdu_aarq *q = &a.u.aarq;
    q->app_context = OMP_APP_CONTEXT_LN;
    if (o->mechanism != OMP_DLMS_MECH_NONE) {
        q->acse_auth = true;
        q->has_mechanism = true;
        q->mechanism = (uint8_t)o->mechanism;
        q->has_auth_value = true;
        q->auth_value.ptr = o->secret;
        q->auth_value.len = o->secret_len;
    }
    if (o->system_title != NULL) { /* HLS-GMAC or ciphered user-information (checked above) */
        q->app_context = OMP_APP_CONTEXT_LN_CIPHER;
        q->has_calling_ap_title = true;
        q->calling_ap_title.ptr = o->system_title;
        q->calling_ap_title.len = SYSTEM_TITLE_LEN;
    }
    if (o->user_info != NULL) {
        q->user_info.kind = OMP_APDU_UINFO_OTHER; /* written verbatim */
        q->user_info.raw.ptr = o->user_info;
        q->user_info.raw.len = o->user_info_len;
        return omp_apdu_encode(&a, w);
    }
    q->user_info.kind = OMP_APDU_UINFO_INITIATE_REQ;
    struct omp_apdu_initiate_req *ir = &q->user_info.u.init_req;
    ir->response_allowed = true;
    ir->dlms_version = DLMS_VERSION;
    ir->conformance = o->conformance;
    ir->max_pdu = o->max_pdu;
    return omp_apdu_encode(&a, w);
}

omp_err omp_dlms_client_initiate_req(struct omp_wr *w, uint32_t conformance, uint16_t max_pdu)
{
    if (w == NULL || conformance > 0xFFFFFFu) {
        return OMP_ERR_ARG;
    }
    /* InitiateRequest (Green Book xDLMS ASN.1, A-XDR): tag 01, dedicated-key absent 00,
     * response-allowed DEFAULT TRUE 00, proposed-quality-of-service absent 00, version 06,
     * conformance [APPLICATION 31] BIT STRING 5F 1F 04 00 + 3 bytes, client-max-receive-pdu-size.
     */
    static const uint8_t k_head[9] = {0x01u, 0x00u, 0x00u, 0x00u, 0x06u,
                                      0x5Fu, 0x1Fu, 0x04u, 0x00u};
    if (omp_wr_status(w) != OMP_OK || omp_wr_room(w) < OMP_DLMS_INITIATE_REQ_LEN) {
        return OMP_ERR_NOSPACE; /* nothing written */
    }
    (void)omp_wr_bytes(w, k_head, sizeof k_head); /* room checked: these cannot fail */
    (void)omp_wr_u24be(w, conformance);
    return omp_wr_u16be(w, max_pdu);
}

/* ---- AARE -------------------------------------------------------------------------------- */

omp_err omp_dlms_client_check_aare(const uint8_t *apdu, size_t len, struct omp_dlms_assoc *out)
{
    if (apdu == NULL || out == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_rd rd = omp_rd_init(apdu, len);
    struct omp_apdu a;
    omp_err err = omp_apdu_decode(&rd, &a);
    if (err != OMP_OK) {
        return err;
    }
    if (a.kind != OMP_APDU_AARE) {
        return OMP_ERR_UNEXPECTED;
    }
    if (omp_rd_remaining(&rd) != 0u) {
        return OMP_ERR_MALFORMED;
    }
    const struct omp_apdu_aare *p = &a.u.aare;
    struct omp_dlms_assoc r;
    memset(&r, 0, sizeof r);
    r.result = p->result;
    r.diag_source = p->diag_source;
    r.diag = p->diag;
    if (p->user_info.kind == OMP_APDU_UINFO_CSE) {
        r.has_initiate_error = true;
        r.initiate_error = p->user_info.u.cse;
    }
    if (p->has_auth_value) {
        r.has_challenge = true;
        r.challenge = p->auth_value;
    }
    if (p->result == OMP_ASSOC_ACCEPTED) {
        if (p->user_info.kind != OMP_APDU_UINFO_INITIATE_RSP) {
            return OMP_ERR_PROTOCOL;
        }
        r.accepted = true;
        r.conformance = p->user_info.u.init_rsp.conformance;
        r.max_pdu = p->user_info.u.init_rsp.max_pdu;
        r.auth_pending = (p->diag_source == OMP_ASSOC_DIAG_SERVICE_USER &&
                          p->diag == OMP_ASSOC_DIAG_AUTHENTICATION_REQUIRED);
    }
    *out = r;
    return OMP_OK;
}

/* ---- GET --------------------------------------------------------------------------------- */

omp_err omp_dlms_client_get(struct omp_wr *w, uint8_t invoke, uint16_t class_id,
                            const struct omp_obis *obis, int8_t attr, uint8_t selector,
                            const uint8_t *access_params, size_t access_len)
{
    if (w == NULL || obis == NULL || (access_params == NULL && access_len != 0u)) {
        return OMP_ERR_ARG;
    }
    struct omp_apdu a;
    memset(&a, 0, sizeof a);
    a.kind = OMP_APDU_GET_REQ_NORMAL;
    a.invoke = invoke;
    a.u.get_req.desc.class_id = class_id;
    memcpy(a.u.get_req.desc.obis, obis->v, sizeof a.u.get_req.desc.obis);
    a.u.get_req.desc.id = attr;
    if (access_params != NULL) {
        a.u.get_req.access.present = true;
        a.u.get_req.access.selector = selector;
        a.u.get_req.access.params.ptr = access_params;
        a.u.get_req.access.params.len = access_len;
    }
    return omp_apdu_encode(&a, w); /* checks that the params are one Data value */
}

omp_err omp_dlms_client_get_next(struct omp_wr *w, uint8_t invoke, uint32_t block_number)
{
    if (w == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_apdu a;
    memset(&a, 0, sizeof a);
    a.kind = OMP_APDU_GET_REQ_NEXT;
    a.invoke = invoke;
    a.u.get_req.block_number = block_number;
    return omp_apdu_encode(&a, w);
}

/* GET-request-with-list: C0 03 invoke, count, count x cosem-attribute-descriptor-with-selection */
struct get_list_arg {
    uint8_t invoke;
    const struct omp_dlms_attr_ref *refs;
    size_t n;
};

static omp_err emit_get_list(const void *arg, struct omp_apdu_out *o)
{
    const struct get_list_arg *g = arg;
    (void)omp_apdu_o_u8(o, OMP_APDU_TAG_GET_REQUEST);
    (void)omp_apdu_o_u8(o, (uint8_t)(OMP_APDU_GET_REQ_LIST & 0xFF));
    (void)omp_apdu_o_u8(o, g->invoke);
    (void)omp_apdu_o_berlen(o, g->n);
    for (size_t i = 0; i < g->n; i++) {
        const struct omp_dlms_attr_ref *r = &g->refs[i];
        (void)omp_apdu_o_u16be(o, r->class_id);
        (void)omp_apdu_o_bytes(o, r->obis.v, sizeof r->obis.v);
        (void)omp_apdu_o_u8(o, (uint8_t)r->attr);
        if (r->access_params == NULL) {
            (void)omp_apdu_o_u8(o, 0u); /* no selective access */
            continue;
        }
        (void)omp_apdu_o_u8(o, 1u);
        (void)omp_apdu_o_u8(o, r->selector);
        (void)omp_apdu_o_bytes(o, r->access_params, r->access_len);
    }
    return omp_apdu_o_status(o);
}

omp_err omp_dlms_client_get_list(struct omp_wr *w, uint8_t invoke,
                                 const struct omp_dlms_attr_ref *refs, size_t n)
{
    if (w == NULL || refs == NULL || n == 0u || n > GET_LIST_MAX) {
        return OMP_ERR_ARG;
    }
    for (size_t i = 0; i < n; i++) { /* validate everything before measuring */
        const struct omp_apdu_span p = {refs[i].access_params, refs[i].access_len};
        if (p.ptr == NULL ? p.len != 0u : !omp_apdu_priv_is_data(&p)) {
            return OMP_ERR_ARG;
        }
    }
    const struct get_list_arg g = {invoke, refs, n};
    return omp_apdu_priv_emit(w, emit_get_list, &g);
}

omp_err omp_dlms_client_range(struct omp_wr *w, const struct omp_obis *clock_ln,
                              const struct omp_axdr_datetime *from,
                              const struct omp_axdr_datetime *to)
{
    if (w == NULL || clock_ln == NULL || from == NULL || to == NULL) {
        return OMP_ERR_ARG;
    }
    uint8_t raw_from[12];
    uint8_t raw_to[12];
    omp_err err = omp_axdr_datetime_encode(from, raw_from);
    if (err == OMP_OK) {
        err = omp_axdr_datetime_encode(to, raw_to);
    }
    if (err != OMP_OK) {
        return err;
    }
    /* 2 + (2 + 3 + 8 + 2 + 3) + 14 + 14 + 2 = 50 bytes; check up front: all or nothing, and the
     * writer's sticky error is never set by a partial write. */
    if (omp_wr_status(w) != OMP_OK) {
        return omp_wr_status(w);
    }
    if (omp_wr_room(w) < 50u) {
        return OMP_ERR_NOSPACE;
    }
    size_t mark = omp_wr_len(w);
    err = omp_axdr_put_structure(w, 4u);
    if (err == OMP_OK) {
        err = omp_axdr_put_structure(w, 4u);
    }
    if (err == OMP_OK) {
        err = omp_axdr_put_u16(w, CLOCK_CLASS_ID);
    }
    if (err == OMP_OK) {
        err = omp_axdr_put_octets(w, clock_ln->v, sizeof clock_ln->v);
    }
    if (err == OMP_OK) {
        err = omp_axdr_put_i8(w, CLOCK_TIME_ATTR);
    }
    if (err == OMP_OK) {
        err = omp_axdr_put_u16(w, 0u); /* data-index 0: the whole attribute */
    }
    if (err == OMP_OK) {
        err = omp_axdr_put_octets(w, raw_from, sizeof raw_from);
    }
    if (err == OMP_OK) {
        err = omp_axdr_put_octets(w, raw_to, sizeof raw_to);
    }
    if (err == OMP_OK) {
        err = omp_axdr_put_array(w, 0u); /* selected-values: all columns */
    }
    if (err != OMP_OK) {
        omp_wr_truncate(w, mark);
    }
    return err;
}

omp_err omp_dlms_client_entry(struct omp_wr *w, uint32_t from_entry, uint32_t to_entry,
                              uint16_t from_col, uint16_t to_col)
{
    if (w == NULL || from_entry == 0u || from_col == 0u ||
        (to_entry != 0u && to_entry < from_entry) || (to_col != 0u && to_col < from_col)) {
        return OMP_ERR_ARG;
    }
    if (omp_wr_status(w) != OMP_OK || omp_wr_room(w) < OMP_DLMS_ENTRY_PARAMS_LEN) {
        return OMP_ERR_NOSPACE; /* nothing written */
    }
    /* structure(4) { double-long-unsigned, double-long-unsigned, long-unsigned, long-unsigned };
     * the room is checked, so none of these fails */
    omp_err err = omp_axdr_put_structure(w, 4u);
    if (err == OMP_OK) {
        err = omp_axdr_put_u32(w, from_entry);
    }
    if (err == OMP_OK) {
        err = omp_axdr_put_u32(w, to_entry);
    }
    if (err == OMP_OK) {
        err = omp_axdr_put_u16(w, from_col);
    }
    return (err == OMP_OK) ? omp_axdr_put_u16(w, to_col) : err;
}

/* ---- HLS pass 3 / pass 4 -------------------------------------------------------------------- */

omp_err omp_dlms_client_hls_reply(struct omp_wr *w, uint8_t invoke,
                                  const uint8_t f[OMP_APDU_HLS_GMAC_LEN])
{
    if (w == NULL || f == NULL) {
        return OMP_ERR_ARG;
    }
    uint8_t param[2u + OMP_APDU_HLS_GMAC_LEN]; /* octet-string 09 11 <f> */
    param[0] = OMP_AXDR_TAG_OCTET_STRING;
    param[1] = (uint8_t)OMP_APDU_HLS_GMAC_LEN;
    memcpy(param + 2, f, OMP_APDU_HLS_GMAC_LEN);
    struct omp_apdu a;
    memset(&a, 0, sizeof a);
    a.kind = OMP_APDU_ACTION_REQ_NORMAL;
    a.invoke = invoke;
    a.u.action_req.desc.class_id = OMP_DLMS_ASSOC_LN_CLASS;
    memcpy(a.u.action_req.desc.obis, k_assoc_ln, sizeof k_assoc_ln);
    a.u.action_req.desc.id = OMP_DLMS_HLS_REPLY_METHOD;
    a.u.action_req.has_params = true;
    a.u.action_req.params.ptr = param;
    a.u.action_req.params.len = sizeof param;
    return omp_apdu_encode(&a, w);
}

omp_err omp_dlms_client_hls_result(const struct omp_apdu *rsp, struct omp_apdu_span *f_ctos)
{
    if (rsp == NULL || f_ctos == NULL) {
        return OMP_ERR_ARG;
    }
    if (rsp->kind != OMP_APDU_ACTION_RSP_NORMAL) {
        return OMP_ERR_UNEXPECTED;
    }
    if (rsp->u.action_rsp.result != OMP_ACTION_SUCCESS) {
        return OMP_ERR_DENIED;
    }
    const struct omp_apdu_result *ret = &rsp->u.action_rsp.ret;
    if (!rsp->u.action_rsp.has_return || !ret->is_data || ret->data.ptr == NULL) {
        return OMP_ERR_PROTOCOL;
    }
    struct omp_rd rd = omp_rd_init(ret->data.ptr, ret->data.len);
    struct omp_axdr_elem e;
    if (omp_axdr_next(&rd, &e) != OMP_OK || e.tag != OMP_AXDR_TAG_OCTET_STRING ||
        omp_rd_remaining(&rd) != 0u) {
        return OMP_ERR_PROTOCOL;
    }
    f_ctos->ptr = e.data;
    f_ctos->len = e.len;
    return OMP_OK;
}

/* ---- GET-response-with-datablock reassembly ----------------------------------------------- */

void omp_dlms_blocks_init(struct omp_dlms_blocks *b, uint8_t *buf, size_t cap)
{
    if (b == NULL) {
        return;
    }
    memset(b, 0, sizeof *b);
    b->buf = buf;
    b->cap = (buf != NULL) ? cap : 0u;
    b->expected = 1u;
    b->dar = OMP_DAR_SUCCESS;
}

static omp_err blocks_append(struct omp_dlms_blocks *b, const struct omp_apdu_span *s)
{
    if (s->ptr == NULL && s->len != 0u) {
        return OMP_ERR_ARG;
    }
    if (s->len > b->cap - b->len) {
        return OMP_ERR_NOSPACE;
    }
    if (s->len != 0u) {
        memcpy(b->buf + b->len, s->ptr, s->len);
    }
    b->len += s->len;
    return OMP_OK;
}

omp_err omp_dlms_blocks_feed(struct omp_dlms_blocks *b, const struct omp_apdu *rsp)
{
    if (b == NULL || rsp == NULL || b->len > b->cap) {
        return OMP_ERR_ARG;
    }
    if (b->done) {
        return OMP_ERR_STATE;
    }
    if (rsp->kind == OMP_APDU_GET_RSP_NORMAL) {
        if (b->expected != 1u) {
            return OMP_ERR_PROTOCOL;
        }
        const struct omp_apdu_result *r = &rsp->u.get_rsp.result;
        if (!r->is_data) {
            b->dar = r->dar;
            b->done = true;
            return OMP_ERR_DENIED;
        }
        omp_err err = blocks_append(b, &r->data);
        if (err == OMP_OK) {
            b->done = true;
        }
        return err;
    }
    if (rsp->kind != OMP_APDU_GET_RSP_BLOCK) {
        return OMP_ERR_PROTOCOL;
    }
    const struct omp_apdu_block *blk = &rsp->u.get_rsp.block;
    if (blk->block_number != b->expected || b->expected == UINT32_MAX) {
        return OMP_ERR_PROTOCOL;
    }
    if (!blk->is_raw) {
        b->dar = blk->dar;
        b->done = true;
        return OMP_ERR_DENIED;
    }
    omp_err err = blocks_append(b, &blk->raw);
    if (err != OMP_OK) {
        return err;
    }
    b->ack_block = blk->block_number;
    b->expected = blk->block_number + 1u;
    b->done = blk->last;
    return OMP_OK;
}

/* ---- push (data-notification body) iterator ----------------------------------------------- */

omp_err omp_dlms_push_init(struct omp_dlms_push_iter *it, const uint8_t *body, size_t len)
{
    if (it == NULL || body == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_dlms_push_iter t;
    memset(&t, 0, sizeof t);
    t.rd = omp_rd_init(body, len);
    struct omp_axdr_elem e;
    omp_err err = omp_axdr_next(&t.rd, &e);
    if (err != OMP_OK) {
        return err;
    }
    if (e.tag != OMP_AXDR_TAG_STRUCTURE && e.tag != OMP_AXDR_TAG_ARRAY) {
        return OMP_ERR_MALFORMED;
    }
    t.left = e.count;
    uint8_t tag = 0;
    if (t.left != 0u && omp_rd_peek_u8(&t.rd, &tag) == OMP_OK &&
        tag == OMP_AXDR_TAG_VISIBLE_STRING) {
        err = omp_axdr_next(&t.rd, &e);
        if (err != OMP_OK) {
            return err;
        }
        t.has_list_id = true;
        t.list_id.ptr = e.data;
        t.list_id.len = e.len;
        t.left--;
    }
    *it = t;
    return OMP_OK;
}

omp_err omp_dlms_push_next(struct omp_dlms_push_iter *it, struct omp_obis *obis,
                           struct omp_axdr_elem *value)
{
    if (it == NULL || obis == NULL || value == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_rd rd = it->rd;
    size_t left = it->left;
    for (;;) {
        if (left == 0u) {
            it->rd = rd; /* trailing placeholders are consumed: the end is final */
            it->left = 0u;
            return OMP_ERR_NOT_FOUND;
        }
        if (left < 2u) {
            return OMP_ERR_MALFORMED; /* an OBIS (or placeholder) without its value */
        }
        struct omp_axdr_elem name;
        omp_err err = omp_axdr_next(&rd, &name);
        if (err != OMP_OK) {
            return err;
        }
        if (name.tag == OMP_AXDR_TAG_NULL_DATA) {
            struct omp_axdr_elem v;
            err = omp_axdr_next(&rd, &v);
            if (err != OMP_OK) {
                return err;
            }
            if (v.tag != OMP_AXDR_TAG_NULL_DATA) {
                return OMP_ERR_MALFORMED;
            }
            left -= 2u;
            continue;
        }
        if (name.tag != OMP_AXDR_TAG_OCTET_STRING || name.len != sizeof obis->v) {
            return OMP_ERR_MALFORMED;
        }
        size_t start = omp_rd_pos(&rd);
        struct omp_rd vr = rd;
        struct omp_axdr_elem v;
        err = omp_axdr_next(&vr, &v);
        if (err == OMP_OK) {
            err = omp_axdr_skip(&rd); /* the whole value, containers included */
        }
        if (err != OMP_OK) {
            return err;
        }
        memcpy(obis->v, name.data, sizeof obis->v);
        *value = v;
        it->value_raw.ptr = rd.buf + start;
        it->value_raw.len = omp_rd_pos(&rd) - start;
        it->rd = rd;
        it->left = left - 2u;
        return OMP_OK;
    }
}

#else
typedef int omp_apdu_client_unused; /* ISO C forbids an empty translation unit */
#endif /* OMP_CONFIG_DLMS_CLIENT */

/*
 * Client helpers (module apdu): AARQ/GET builders, AARE check, GET block reassembly and the HAN
 * push (OBIS, value) iterator. Everything goes through omp_apdu_encode/decode and the axdr
 * module; see docs/dlms-apdu.md "Client helpers".
 */
#include <string.h>

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

/* ---- AARQ -------------------------------------------------------------------------------- */

static omp_err check_aarq_opts(const struct omp_dlms_aarq_opts *o)
{
    if (o->conformance > 0xFFFFFFu) {
        return OMP_ERR_ARG;
    }
    switch (o->mechanism) {
    case OMP_DLMS_MECH_NONE:
        return (o->secret == NULL && o->secret_len == 0u && o->system_title == NULL)
                   ? OMP_OK
                   : OMP_ERR_ARG;
    case OMP_DLMS_MECH_LLS:
        return (o->secret != NULL && o->secret_len >= 1u && o->secret_len <= CLIENT_SECRET_MAX &&
                o->system_title == NULL)
                   ? OMP_OK
                   : OMP_ERR_ARG;
    case OMP_DLMS_MECH_HLS_GMAC:
        return (o->secret != NULL && o->secret_len >= HLS_CHALLENGE_MIN &&
                o->secret_len <= HLS_CHALLENGE_MAX && o->system_title != NULL)
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
    if (o->mechanism == OMP_DLMS_MECH_HLS_GMAC) {
        q->app_context = OMP_APP_CONTEXT_LN_CIPHER;
        q->has_calling_ap_title = true;
        q->calling_ap_title.ptr = o->system_title;
        q->calling_ap_title.len = SYSTEM_TITLE_LEN;
    }
    q->user_info.kind = OMP_APDU_UINFO_INITIATE_REQ;
    struct omp_apdu_initiate_req *ir = &q->user_info.u.init_req;
    ir->response_allowed = true;
    ir->dlms_version = DLMS_VERSION;
    ir->conformance = o->conformance;
    ir->max_pdu = o->max_pdu;
    return omp_apdu_encode(&a, w);
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

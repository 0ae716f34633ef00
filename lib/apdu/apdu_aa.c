/*
 * ACSE APDUs for DLMS/COSEM association establishment and release (Green Book §9.4 / IEC
 * 62056-5-3 "COSEM application layer", ACSE ASN.1 of ISO/IEC 8650-1, BER encoded): AARQ
 * [APPLICATION 0], AARE [APPLICATION 1], RLRQ [APPLICATION 2], RLRE [APPLICATION 3], with the
 * xDLMS InitiateRequest/InitiateResponse/ConfirmedServiceError (A-XDR) carried unciphered in
 * user-information [30] EXPLICIT OCTET STRING.
 *
 * Components used (context tag numbers):
 *   AARQ: protocol-version [0] 80, application-context-name [1] A1, called-AP-title [2] A2,
 *         calling-AP-title [6] A6, sender-acse-requirements [10] 8A, mechanism-name [11] 8B,
 *         calling-authentication-value [12] AC, user-information [30] BE.
 *   AARE: protocol-version [0] 80, application-context-name [1] A1, result [2] A2,
 *         result-source-diagnostic [3] A3, responding-AP-title [4] A4,
 *         responder-acse-requirements [8] 88, mechanism-name [9] 89,
 *         responding-authentication-value [10] AA, user-information [30] BE.
 *   RLRQ/RLRE: reason [0] 80, user-information [30] BE.
 * Other components (AE qualifiers, invocation identifiers, implementation-information, …) are
 * skipped on decode (noncanonical is set) and never encoded.
 */
#include "omnipower/config.h"

#if OMP_CONFIG_DLMS /* the whole file: module switch, config.h */

#include <string.h>

#include "apdu_priv.h"
#include "omnipower/apdu.h"
#include "omnipower/core.h"

/* 2.16.756.5.8.1 (application context names) and 2.16.756.5.8.2 (mechanism names), X.690 */
static const uint8_t k_oid_context[6] = {0x60, 0x85, 0x74, 0x05, 0x08, 0x01};
static const uint8_t k_oid_mechanism[6] = {0x60, 0x85, 0x74, 0x05, 0x08, 0x02};

#define BER_OID          0x06u
#define BER_OCTET_STRING 0x04u
#define BER_INTEGER      0x02u
#define CONFORMANCE_TAG  0x5F1Fu /* [APPLICATION 31] IMPLICIT BIT STRING (SIZE(24)) */

/* ---- decoding -------------------------------------------------------------------------------- */

/* One single-byte-tag TLV; @p val is the contents. */
static omp_err rd_tlv(struct omp_rd *r, uint8_t *tag, struct omp_rd *val, bool *nc)
{
    size_t n = 0;
    omp_err err = omp_rd_u8(r, tag);
    if (err == OMP_OK && (*tag & 0x1Fu) == 0x1Fu) {
        err = OMP_ERR_MALFORMED; /* high tag numbers are not used by these APDUs */
    }
    if (err == OMP_OK) {
        err = omp_apdu_priv_read_len(r, &n, nc);
    }
    if (err == OMP_OK) {
        err = omp_rd_sub(r, n, val);
    }
    return err;
}

/* A TLV with tag @p want that fills all of @p outer. */
static omp_err rd_only_tlv(struct omp_rd *outer, uint8_t want, struct omp_rd *val, bool *nc)
{
    uint8_t tag = 0;
    omp_err err = rd_tlv(outer, &tag, val, nc);
    if (err == OMP_OK && (tag != want || omp_rd_remaining(outer) != 0u)) {
        err = OMP_ERR_MALFORMED;
    }
    return err;
}

static struct omp_apdu_span rest_span(struct omp_rd *v)
{
    struct omp_apdu_span s;
    s.len = omp_rd_remaining(v);
    s.ptr = (s.len != 0u) ? v->buf + v->pos : NULL;
    v->pos = v->len;
    return s;
}

/* OID value 2.16.756.5.8.<group>.x: the last arc x (0..127). */
static omp_err rd_dlms_oid(struct omp_rd *v, const uint8_t *prefix, uint8_t *id)
{
    if (omp_rd_remaining(v) != 7u || memcmp(v->buf + v->pos, prefix, 6u) != 0 ||
        v->buf[v->pos + 6u] >= 0x80u) {
        return OMP_ERR_UNSUPPORTED;
    }
    *id = v->buf[v->pos + 6u];
    v->pos = v->len;
    return OMP_OK;
}

/* INTEGER 0..127 in one content byte. */
static omp_err rd_small_int(struct omp_rd *v, uint8_t *out)
{
    uint8_t b = 0;
    if (omp_rd_remaining(v) != 1u) {
        return OMP_ERR_MALFORMED;
    }
    omp_err err = omp_rd_u8(v, &b);
    if (err == OMP_OK && b >= 0x80u) {
        err = OMP_ERR_MALFORMED;
    }
    if (err == OMP_OK) {
        *out = b;
    }
    return err;
}

/* [n] EXPLICIT INTEGER: contents of the outer tag is 02 01 xx. */
static omp_err rd_explicit_int(struct omp_rd *v, uint8_t *out, bool *nc)
{
    struct omp_rd in;
    omp_err err = rd_only_tlv(v, BER_INTEGER, &in, nc);
    return (err == OMP_OK) ? rd_small_int(&in, out) : err;
}

/* ACSE-requirements BIT STRING: only bit 0 (authentication) is defined. */
static omp_err rd_acse_req(struct omp_rd *v, bool *auth, bool *nc)
{
    uint8_t unused = 0, bits = 0;
    omp_err err = omp_rd_u8(v, &unused);
    if (err != OMP_OK || unused > 7u) {
        return OMP_ERR_MALFORMED;
    }
    if (omp_rd_remaining(v) == 0u) {
        *auth = false;
        *nc = true;
        return OMP_OK;
    }
    err = omp_rd_u8(v, &bits);
    if (err != OMP_OK) {
        return err;
    }
    *auth = (bits & 0x80u) != 0u;
    if (unused != 7u || bits != 0x80u || omp_rd_remaining(v) != 0u) {
        *nc = true;
    }
    v->pos = v->len;
    return OMP_OK;
}

static omp_err rd_conformance(struct omp_rd *r, uint32_t *conf)
{
    uint16_t tag = 0;
    omp_err err = omp_rd_u16be(r, &tag);
    if (err == OMP_OK && tag != CONFORMANCE_TAG) {
        err = OMP_ERR_MALFORMED;
    }
    if (err == OMP_OK) {
        err = omp_rd_u8_expect(r, 0x04u); /* length: unused-bits byte + 3 bytes */
    }
    if (err == OMP_OK) {
        err = omp_rd_u8_expect(r, 0x00u); /* no unused bits */
    }
    if (err == OMP_ERR_UNEXPECTED) {
        err = OMP_ERR_MALFORMED;
    }
    return (err == OMP_OK) ? omp_rd_u24be(r, conf) : err;
}

/* A-XDR OPTIONAL flag: 0 or 1. */
static omp_err rd_opt(struct omp_rd *r, bool *present)
{
    uint8_t b = 0;
    omp_err err = omp_rd_u8(r, &b);
    if (err == OMP_OK && b > 1u) {
        err = OMP_ERR_MALFORMED;
    }
    if (err == OMP_OK) {
        *present = (b == 1u);
    }
    return err;
}

static omp_err rd_qos(struct omp_rd *r, bool *has, int8_t *qos)
{
    omp_err err = rd_opt(r, has);
    return (err == OMP_OK && *has) ? omp_rd_i8(r, qos) : err;
}

static omp_err rd_initiate_req(struct omp_rd *r, struct omp_apdu_initiate_req *q, bool *nc)
{
    bool explicit_ra = false;
    size_t n = 0;
    omp_err err = rd_opt(r, &q->has_dedicated_key);
    if (err == OMP_OK && q->has_dedicated_key) {
        err = omp_apdu_priv_read_len(r, &n, nc);
        if (err == OMP_OK) {
            q->dedicated_key.len = n;
            err = omp_rd_bytes(r, n, &q->dedicated_key.ptr);
            if (n == 0u) {
                q->dedicated_key.ptr = NULL;
            }
        }
    }
    if (err == OMP_OK) {
        err = rd_opt(r, &explicit_ra); /* DEFAULT TRUE: 00 = default */
    }
    q->response_allowed = true;
    if (err == OMP_OK && explicit_ra) {
        uint8_t b = 0;
        err = omp_rd_u8(r, &b);
        q->response_allowed = (b != 0u);
        if (b != 0u) {
            *nc = true; /* explicit default: re-encoded as 00 */
        }
    }
    if (err == OMP_OK) {
        err = rd_qos(r, &q->has_qos, &q->qos);
    }
    if (err == OMP_OK) {
        err = omp_rd_u8(r, &q->dlms_version);
    }
    if (err == OMP_OK) {
        err = rd_conformance(r, &q->conformance);
    }
    return (err == OMP_OK) ? omp_rd_u16be(r, &q->max_pdu) : err;
}

omp_err omp_apdu_initiate_req_decode(const uint8_t *p, size_t len, struct omp_apdu_initiate_req *q)
{
    if (p == NULL || q == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_rd r = omp_rd_init(p, len);
    uint8_t tag = 0;
    bool nc = false;
    if (omp_rd_u8(&r, &tag) != OMP_OK || tag != OMP_APDU_TAG_INITIATE_REQUEST) {
        return OMP_ERR_UNEXPECTED;
    }
    memset(q, 0, sizeof *q);
    omp_err err = rd_initiate_req(&r, q, &nc);
    if (err != OMP_OK || omp_rd_remaining(&r) != 0u) {
        return OMP_ERR_MALFORMED;
    }
    return OMP_OK;
}

static omp_err rd_initiate_rsp(struct omp_rd *r, struct omp_apdu_initiate_rsp *p)
{
    omp_err err = rd_qos(r, &p->has_qos, &p->qos);
    if (err == OMP_OK) {
        err = omp_rd_u8(r, &p->dlms_version);
    }
    if (err == OMP_OK) {
        err = rd_conformance(r, &p->conformance);
    }
    if (err == OMP_OK) {
        err = omp_rd_u16be(r, &p->max_pdu);
    }
    return (err == OMP_OK) ? omp_rd_u16be(r, &p->vaa_name) : err;
}

/* user-information contents: 04 len <xDLMS APDU>. */
static omp_err rd_uinfo(struct omp_rd *v, struct omp_apdu_uinfo *u, bool *nc)
{
    struct omp_rd os;
    omp_err err = rd_only_tlv(v, BER_OCTET_STRING, &os, nc);
    if (err != OMP_OK) {
        return err;
    }
    struct omp_rd x = os;
    u->raw = rest_span(&os);
    uint8_t tag = 0;
    u->kind = OMP_APDU_UINFO_OTHER;
    if (omp_rd_u8(&x, &tag) != OMP_OK) {
        return OMP_OK; /* empty: kept as OTHER */
    }
    if (tag == OMP_APDU_TAG_INITIATE_REQUEST) {
        u->kind = OMP_APDU_UINFO_INITIATE_REQ;
        err = rd_initiate_req(&x, &u->u.init_req, nc);
    } else if (tag == OMP_APDU_TAG_INITIATE_RESPONSE) {
        u->kind = OMP_APDU_UINFO_INITIATE_RSP;
        err = rd_initiate_rsp(&x, &u->u.init_rsp);
    } else if (tag == OMP_APDU_TAG_CONFIRMED_SERVICE_ERROR) {
        u->kind = OMP_APDU_UINFO_CSE;
        err = omp_rd_u8(&x, &u->u.cse.service);
        if (err == OMP_OK) {
            err = omp_rd_u8(&x, &u->u.cse.error);
        }
        if (err == OMP_OK) {
            err = omp_rd_u8(&x, &u->u.cse.value);
        }
    } else {
        return OMP_OK; /* e.g. glo-InitiateRequest: opaque */
    }
    if (err == OMP_ERR_TRUNCATED || (err == OMP_OK && omp_rd_remaining(&x) != 0u)) {
        err = OMP_ERR_MALFORMED; /* the octet string's length is authoritative */
    }
    return err;
}

static omp_err rd_ap_title(struct omp_rd *v, struct omp_apdu_span *s, bool *nc)
{
    struct omp_rd os;
    omp_err err = rd_only_tlv(v, BER_OCTET_STRING, &os, nc);
    if (err == OMP_OK) {
        *s = rest_span(&os);
    }
    return err;
}

static omp_err rd_auth_value(struct omp_rd *v, struct omp_apdu_span *s, bool *nc)
{
    struct omp_rd cs;
    uint8_t tag = 0;
    omp_err err = rd_tlv(v, &tag, &cs, nc);
    if (err == OMP_OK && omp_rd_remaining(v) != 0u) {
        err = OMP_ERR_MALFORMED;
    }
    if (err == OMP_OK && tag != 0x80u) { /* only charstring [0]; bitstring [1] is not used */
        err = OMP_ERR_UNSUPPORTED;
    }
    if (err == OMP_OK) {
        *s = rest_span(&cs);
    }
    return err;
}

static omp_err dec_aarq_field(uint8_t tag, struct omp_rd *v, struct omp_apdu_aarq *q, bool *nc)
{
    switch (tag) {
    case 0x80:
        if (omp_rd_remaining(v) != 2u || v->buf[v->pos] != 0x07u || v->buf[v->pos + 1u] != 0x80u) {
            return OMP_ERR_MALFORMED;
        }
        q->has_protocol_version = true;
        v->pos = v->len;
        return OMP_OK;
    case 0xA1: {
        struct omp_rd oid;
        omp_err err = rd_only_tlv(v, BER_OID, &oid, nc);
        return (err == OMP_OK) ? rd_dlms_oid(&oid, k_oid_context, &q->app_context) : err;
    }
    case 0xA2:
        q->has_called_ap_title = true;
        return rd_ap_title(v, &q->called_ap_title, nc);
    case 0xA6:
        q->has_calling_ap_title = true;
        return rd_ap_title(v, &q->calling_ap_title, nc);
    case 0x8A:
        return rd_acse_req(v, &q->acse_auth, nc);
    case 0x8B:
        q->has_mechanism = true;
        return rd_dlms_oid(v, k_oid_mechanism, &q->mechanism);
    case 0xAC:
        q->has_auth_value = true;
        return rd_auth_value(v, &q->auth_value, nc);
    case 0xBE:
        return rd_uinfo(v, &q->user_info, nc);
    default:
        *nc = true; /* skipped */
        v->pos = v->len;
        return OMP_OK;
    }
}

static omp_err dec_aare_field(uint8_t tag, struct omp_rd *v, struct omp_apdu_aare *p, bool *nc)
{
    switch (tag) {
    case 0x80:
        if (omp_rd_remaining(v) != 2u || v->buf[v->pos] != 0x07u || v->buf[v->pos + 1u] != 0x80u) {
            return OMP_ERR_MALFORMED;
        }
        p->has_protocol_version = true;
        v->pos = v->len;
        return OMP_OK;
    case 0xA1: {
        struct omp_rd oid;
        omp_err err = rd_only_tlv(v, BER_OID, &oid, nc);
        return (err == OMP_OK) ? rd_dlms_oid(&oid, k_oid_context, &p->app_context) : err;
    }
    case 0xA2:
        return rd_explicit_int(v, &p->result, nc);
    case 0xA3: {
        struct omp_rd in;
        uint8_t src = 0;
        omp_err err = rd_tlv(v, &src, &in, nc);
        if (err == OMP_OK && (omp_rd_remaining(v) != 0u || (src != 0xA1u && src != 0xA2u))) {
            err = OMP_ERR_MALFORMED;
        }
        p->diag_source = (uint8_t)(src & 0x1Fu);
        return (err == OMP_OK) ? rd_explicit_int(&in, &p->diag, nc) : err;
    }
    case 0xA4:
        p->has_responding_ap_title = true;
        return rd_ap_title(v, &p->responding_ap_title, nc);
    case 0x88:
        return rd_acse_req(v, &p->acse_auth, nc);
    case 0x89:
        p->has_mechanism = true;
        return rd_dlms_oid(v, k_oid_mechanism, &p->mechanism);
    case 0xAA:
        p->has_auth_value = true;
        return rd_auth_value(v, &p->auth_value, nc);
    case 0xBE:
        return rd_uinfo(v, &p->user_info, nc);
    default:
        *nc = true;
        v->pos = v->len;
        return OMP_OK;
    }
}

static omp_err dec_release_field(uint8_t tag, struct omp_rd *v, struct omp_apdu_release *x,
                                 bool *nc)
{
    switch (tag) {
    case 0x80:
        x->has_reason = true;
        return rd_small_int(v, &x->reason);
    case 0xBE:
        return rd_uinfo(v, &x->user_info, nc);
    default:
        *nc = true;
        v->pos = v->len;
        return OMP_OK;
    }
}

/* The components of an AARQ or RLRQ (what a server decodes). */
static omp_err dec_req_field(uint8_t tag, uint8_t t, struct omp_rd *v, struct omp_apdu *a)
{
    if (tag == OMP_APDU_TAG_AARQ) {
        return dec_aarq_field(t, v, &a->u.aarq, &a->noncanonical);
    }
    return dec_release_field(t, v, &a->u.rlrq, &a->noncanonical);
}

/* The components of an AARE or RLRE (what a client decodes). */
static omp_err dec_rsp_field(uint8_t tag, uint8_t t, struct omp_rd *v, struct omp_apdu *a)
{
    if (tag == OMP_APDU_TAG_AARE) {
        return dec_aare_field(t, v, &a->u.aare, &a->noncanonical);
    }
    return dec_release_field(t, v, &a->u.rlre, &a->noncanonical);
}

/* The BER frame of every ACSE APDU; @p field decodes one component (by function pointer, so that
 * a program that takes only one direction links only that direction's components). */
static omp_err decode_aa(struct omp_rd *rd, uint8_t tag, struct omp_apdu *a,
                         omp_err (*field)(uint8_t tag, uint8_t t, struct omp_rd *v,
                                          struct omp_apdu *a))
{
    struct omp_rd body;
    size_t n = 0;
    omp_err err = omp_apdu_priv_read_len(rd, &n, &a->noncanonical);
    if (err == OMP_OK) {
        err = omp_rd_sub(rd, n, &body);
    }
    if (err != OMP_OK) {
        return err;
    }
    a->kind = (enum omp_apdu_kind)((unsigned)tag << 8);
    uint32_t seen = 0u;
    unsigned got = 0u; /* mandatory components decoded: A1, A2, A3 */
    int last = -1;
    while (omp_rd_remaining(&body) != 0u) {
        uint8_t t = 0;
        struct omp_rd v;
        err = rd_tlv(&body, &t, &v, &a->noncanonical);
        if (err == OMP_ERR_TRUNCATED) {
            err = OMP_ERR_MALFORMED; /* a component overruns the APDU's own length */
        }
        if (err != OMP_OK) {
            return err;
        }
        const int num = (int)(t & 0x1Fu);
        if ((seen & (1UL << num)) != 0u) {
            return OMP_ERR_MALFORMED; /* duplicate component */
        }
        seen |= (uint32_t)(1UL << num);
        if (num < last) {
            a->noncanonical = true; /* out of order: re-encoded in order */
        }
        last = num;
        if (t >= 0xA1u && t <= 0xA3u) {
            got |= 1u << (t - 0xA1u);
        }
        err = field(tag, t, &v, a);
        if (err == OMP_ERR_TRUNCATED || (err == OMP_OK && omp_rd_remaining(&v) != 0u)) {
            err = OMP_ERR_MALFORMED; /* contents shorter or longer than the component's length */
        }
        if (err != OMP_OK) {
            return err;
        }
    }
    /* mandatory components */
    if (tag == OMP_APDU_TAG_AARQ && (got & 1u) == 0u) {
        return OMP_ERR_MALFORMED;
    }
    if (tag == OMP_APDU_TAG_AARE && got != 7u) {
        return OMP_ERR_MALFORMED;
    }
    return OMP_OK;
}

omp_err omp_apdu_priv_decode_aa_req(struct omp_rd *rd, uint8_t tag, struct omp_apdu *a)
{
    return decode_aa(rd, tag, a, dec_req_field);
}

omp_err omp_apdu_priv_decode_aa_rsp(struct omp_rd *rd, uint8_t tag, struct omp_apdu *a)
{
    return decode_aa(rd, tag, a, dec_rsp_field);
}

/* ---- encoding -------------------------------------------------------------------------------- */

/* Start a TLV: writes the tag and a one-byte length placeholder; returns the placeholder's
 * offset. */
static size_t tlv_open(struct omp_apdu_out *w, uint8_t tag)
{
    (void)omp_apdu_o_u8(w, tag);
    const size_t at = omp_apdu_o_len(w);
    (void)omp_apdu_o_u8(w, 0u);
    return at;
}

/* Finish the TLV opened at @p at: fills in its minimal length, moving the contents if the
 * length needs more than one byte. Does nothing once the writer has failed. */
static void tlv_close(struct omp_apdu_out *w, size_t at)
{
    if (omp_apdu_o_status(w) != OMP_OK) {
        return;
    }
    const size_t body = omp_apdu_o_len(w) - at - 1u;
    const size_t ls = omp_apdu_priv_len_size(body);
    if (w->w == NULL) {
        w->n += ls - 1u; /* measuring */
        return;
    }
    uint8_t *p = w->w->buf + w->base + at; /* the placeholder, in the caller's buffer */
    if (ls > 1u) {
        static const uint8_t k_zero[4] = {0};
        if (omp_apdu_o_bytes(w, k_zero, ls - 1u) != OMP_OK) {
            return;
        }
        memmove(p + ls, p + 1u, body);
        p[0] = (uint8_t)(0x80u | (ls - 1u));
        for (size_t i = 1u; i < ls; i++) {
            p[i] = (uint8_t)(body >> (8u * (ls - 1u - i)));
        }
    } else {
        p[0] = (uint8_t)body;
    }
}

static bool span_ok(const struct omp_apdu_span *s)
{
    return s->ptr != NULL || s->len == 0u;
}

static void put_raw(struct omp_apdu_out *w, const struct omp_apdu_span *s)
{
    if (s->len != 0u) {
        (void)omp_apdu_o_bytes(w, s->ptr, s->len);
    }
}

static void put_oid(struct omp_apdu_out *w, uint8_t tag, const uint8_t *prefix, uint8_t id)
{
    (void)omp_apdu_o_u8(w, tag);
    (void)omp_apdu_o_u8(w, 7u);
    (void)omp_apdu_o_bytes(w, prefix, 6u);
    (void)omp_apdu_o_u8(w, id);
}

/* [tag] EXPLICIT wrapping of a primitive TLV (inner_tag, bytes). */
static void put_wrapped(struct omp_apdu_out *w, uint8_t tag, uint8_t inner_tag,
                        const struct omp_apdu_span *s)
{
    const size_t outer = tlv_open(w, tag);
    const size_t inner = tlv_open(w, inner_tag);
    put_raw(w, s);
    tlv_close(w, inner);
    tlv_close(w, outer);
}

static void put_explicit_int(struct omp_apdu_out *w, uint8_t tag, uint8_t v)
{
    (void)omp_apdu_o_u8(w, tag);
    (void)omp_apdu_o_u8(w, 3u);
    (void)omp_apdu_o_u8(w, BER_INTEGER);
    (void)omp_apdu_o_u8(w, 1u);
    (void)omp_apdu_o_u8(w, v);
}

static void put_acse_req(struct omp_apdu_out *w, uint8_t tag)
{
    static const uint8_t k_auth[] = {0x02, 0x07, 0x80}; /* BIT STRING, 7 unused, bit 0 set */
    (void)omp_apdu_o_u8(w, tag);
    (void)omp_apdu_o_bytes(w, k_auth, sizeof k_auth);
}

static void put_protocol_version(struct omp_apdu_out *w)
{
    static const uint8_t k_v1[] = {0x80, 0x02, 0x07, 0x80};
    (void)omp_apdu_o_bytes(w, k_v1, sizeof k_v1);
}

static void put_conformance(struct omp_apdu_out *w, uint32_t conf)
{
    (void)omp_apdu_o_u16be(w, CONFORMANCE_TAG);
    (void)omp_apdu_o_u8(w, 0x04u);
    (void)omp_apdu_o_u8(w, 0x00u);
    (void)omp_apdu_o_u24be(w, conf);
}

static omp_err check_uinfo(const struct omp_apdu_uinfo *u)
{
    switch (u->kind) {
    case OMP_APDU_UINFO_NONE:
    case OMP_APDU_UINFO_CSE:
        return OMP_OK;
    case OMP_APDU_UINFO_INITIATE_REQ:
        if (u->u.init_req.conformance > 0xFFFFFFu ||
            (u->u.init_req.has_dedicated_key && !span_ok(&u->u.init_req.dedicated_key))) {
            return OMP_ERR_ARG;
        }
        return OMP_OK;
    case OMP_APDU_UINFO_INITIATE_RSP:
        return (u->u.init_rsp.conformance > 0xFFFFFFu) ? OMP_ERR_ARG : OMP_OK;
    case OMP_APDU_UINFO_OTHER:
        return span_ok(&u->raw) ? OMP_OK : OMP_ERR_ARG;
    default:
        return OMP_ERR_ARG;
    }
}

static void put_uinfo(struct omp_apdu_out *w, const struct omp_apdu_uinfo *u)
{
    if (u->kind == OMP_APDU_UINFO_NONE) {
        return;
    }
    const size_t outer = tlv_open(w, 0xBEu);
    const size_t os = tlv_open(w, BER_OCTET_STRING);
    if (u->kind == OMP_APDU_UINFO_INITIATE_REQ) {
        const struct omp_apdu_initiate_req *q = &u->u.init_req;
        (void)omp_apdu_o_u8(w, OMP_APDU_TAG_INITIATE_REQUEST);
        if (q->has_dedicated_key) {
            (void)omp_apdu_o_u8(w, 1u);
            (void)omp_apdu_o_berlen(w, q->dedicated_key.len);
            put_raw(w, &q->dedicated_key);
        } else {
            (void)omp_apdu_o_u8(w, 0u);
        }
        if (q->response_allowed) {
            (void)omp_apdu_o_u8(w, 0u); /* DEFAULT TRUE */
        } else {
            (void)omp_apdu_o_u8(w, 1u);
            (void)omp_apdu_o_u8(w, 0u);
        }
        (void)omp_apdu_o_u8(w, (uint8_t)(q->has_qos ? 1u : 0u));
        if (q->has_qos) {
            (void)omp_apdu_o_u8(w, (uint8_t)q->qos);
        }
        (void)omp_apdu_o_u8(w, q->dlms_version);
        put_conformance(w, q->conformance);
        (void)omp_apdu_o_u16be(w, q->max_pdu);
    } else if (u->kind == OMP_APDU_UINFO_INITIATE_RSP) {
        const struct omp_apdu_initiate_rsp *p = &u->u.init_rsp;
        (void)omp_apdu_o_u8(w, OMP_APDU_TAG_INITIATE_RESPONSE);
        (void)omp_apdu_o_u8(w, (uint8_t)(p->has_qos ? 1u : 0u));
        if (p->has_qos) {
            (void)omp_apdu_o_u8(w, (uint8_t)p->qos);
        }
        (void)omp_apdu_o_u8(w, p->dlms_version);
        put_conformance(w, p->conformance);
        (void)omp_apdu_o_u16be(w, p->max_pdu);
        (void)omp_apdu_o_u16be(w, p->vaa_name);
    } else if (u->kind == OMP_APDU_UINFO_CSE) {
        (void)omp_apdu_o_u8(w, OMP_APDU_TAG_CONFIRMED_SERVICE_ERROR);
        (void)omp_apdu_o_u8(w, u->u.cse.service);
        (void)omp_apdu_o_u8(w, u->u.cse.error);
        (void)omp_apdu_o_u8(w, u->u.cse.value);
    } else {
        put_raw(w, &u->raw);
    }
    tlv_close(w, os);
    tlv_close(w, outer);
}

static omp_err enc_aarq(const struct omp_apdu_aarq *q, struct omp_apdu_out *w)
{
    if (q->app_context >= 0x80u || (q->has_mechanism && q->mechanism >= 0x80u) ||
        (q->has_called_ap_title && !span_ok(&q->called_ap_title)) ||
        (q->has_calling_ap_title && !span_ok(&q->calling_ap_title)) ||
        (q->has_auth_value && !span_ok(&q->auth_value)) || check_uinfo(&q->user_info) != OMP_OK) {
        return OMP_ERR_ARG;
    }
    const size_t at = tlv_open(w, OMP_APDU_TAG_AARQ);
    if (q->has_protocol_version) {
        put_protocol_version(w);
    }
    const size_t ctx = tlv_open(w, 0xA1u);
    put_oid(w, BER_OID, k_oid_context, q->app_context);
    tlv_close(w, ctx);
    if (q->has_called_ap_title) {
        put_wrapped(w, 0xA2u, BER_OCTET_STRING, &q->called_ap_title);
    }
    if (q->has_calling_ap_title) {
        put_wrapped(w, 0xA6u, BER_OCTET_STRING, &q->calling_ap_title);
    }
    if (q->acse_auth) {
        put_acse_req(w, 0x8Au);
    }
    if (q->has_mechanism) {
        put_oid(w, 0x8Bu, k_oid_mechanism, q->mechanism);
    }
    if (q->has_auth_value) {
        put_wrapped(w, 0xACu, 0x80u, &q->auth_value);
    }
    put_uinfo(w, &q->user_info);
    tlv_close(w, at);
    return omp_apdu_o_status(w);
}

static omp_err enc_aare(const struct omp_apdu_aare *p, struct omp_apdu_out *w)
{
    if (p->app_context >= 0x80u || p->result >= 0x80u || p->diag >= 0x80u ||
        (p->diag_source != OMP_ASSOC_DIAG_SERVICE_USER &&
         p->diag_source != OMP_ASSOC_DIAG_SERVICE_PROVIDER) ||
        (p->has_mechanism && p->mechanism >= 0x80u) ||
        (p->has_responding_ap_title && !span_ok(&p->responding_ap_title)) ||
        (p->has_auth_value && !span_ok(&p->auth_value)) || check_uinfo(&p->user_info) != OMP_OK) {
        return OMP_ERR_ARG;
    }
    const size_t at = tlv_open(w, OMP_APDU_TAG_AARE);
    if (p->has_protocol_version) {
        put_protocol_version(w);
    }
    const size_t ctx = tlv_open(w, 0xA1u);
    put_oid(w, BER_OID, k_oid_context, p->app_context);
    tlv_close(w, ctx);
    put_explicit_int(w, 0xA2u, p->result);
    const size_t diag = tlv_open(w, 0xA3u);
    put_explicit_int(w, (uint8_t)(0xA0u | p->diag_source), p->diag);
    tlv_close(w, diag);
    if (p->has_responding_ap_title) {
        put_wrapped(w, 0xA4u, BER_OCTET_STRING, &p->responding_ap_title);
    }
    if (p->acse_auth) {
        put_acse_req(w, 0x88u);
    }
    if (p->has_mechanism) {
        put_oid(w, 0x89u, k_oid_mechanism, p->mechanism);
    }
    if (p->has_auth_value) {
        put_wrapped(w, 0xAAu, 0x80u, &p->auth_value);
    }
    put_uinfo(w, &p->user_info);
    tlv_close(w, at);
    return omp_apdu_o_status(w);
}

static omp_err enc_release(uint8_t tag, const struct omp_apdu_release *x, struct omp_apdu_out *w)
{
    if ((x->has_reason && x->reason >= 0x80u) || check_uinfo(&x->user_info) != OMP_OK) {
        return OMP_ERR_ARG;
    }
    const size_t at = tlv_open(w, tag);
    if (x->has_reason) {
        (void)omp_apdu_o_u8(w, 0x80u);
        (void)omp_apdu_o_u8(w, 1u);
        (void)omp_apdu_o_u8(w, x->reason);
    }
    put_uinfo(w, &x->user_info);
    tlv_close(w, at);
    return omp_apdu_o_status(w);
}

omp_err omp_apdu_priv_encode_aa_req(const struct omp_apdu *a, struct omp_apdu_out *w)
{
    switch (a->kind) {
    case OMP_APDU_AARQ:
        return enc_aarq(&a->u.aarq, w);
    case OMP_APDU_RLRQ:
        return enc_release(OMP_APDU_TAG_RLRQ, &a->u.rlrq, w);
    default:
        return OMP_ERR_ARG;
    }
}

omp_err omp_apdu_priv_encode_aa_rsp(const struct omp_apdu *a, struct omp_apdu_out *w)
{
    switch (a->kind) {
    case OMP_APDU_AARE:
        return enc_aare(&a->u.aare, w);
    case OMP_APDU_RLRE:
        return enc_release(OMP_APDU_TAG_RLRE, &a->u.rlre, w);
    default:
        return OMP_ERR_ARG;
    }
}

#else
typedef int omp_apdu_aa_unused; /* ISO C forbids an empty translation unit */
#endif /* OMP_CONFIG_DLMS */

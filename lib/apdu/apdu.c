/*
 * xDLMS APDUs, logical-name referencing, no ciphering (DLMS UA Green Book, IEC 62056-5-3 §8,
 * xDLMS APDU ASN.1 encoded with A-XDR, IEC 61334-6). The ACSE APDUs live in apdu_aa.c.
 *
 * A-XDR rules used here: INTEGER/Unsigned fields are fixed-size big-endian; OPTIONAL components
 * are preceded by 0x00 (absent) or 0x01 (present); CHOICE is one byte with the index; SEQUENCE OF
 * is a BER-style length count followed by the items; OCTET STRING is a length + bytes; BOOLEAN is
 * one byte (0x00 FALSE, anything else TRUE).
 */
#include "omnipower/config.h"

#if OMP_CONFIG_DLMS /* the whole file: module switch, config.h */

#include <stdint.h>
#include <string.h>

#include "apdu_priv.h"
#include "omnipower/apdu.h"
#include "omnipower/axdr.h"
#include "omnipower/core.h"

/* ---- A-XDR Data values -------------------------------------------------------------------------- */

/* One A-XDR Data value: the axdr module's iterative skip (bounded by the input, no recursion). */
omp_err omp_apdu_priv_skip_data(struct omp_rd *rd)
{
    return omp_axdr_skip(rd);
}

bool omp_apdu_priv_is_data(const struct omp_apdu_span *s)
{
    if (s->ptr == NULL || s->len == 0u) {
        return false;
    }
    struct omp_rd r = omp_rd_init(s->ptr, s->len);
    return omp_apdu_priv_skip_data(&r) == OMP_OK && omp_rd_remaining(&r) == 0u;
}

size_t omp_apdu_priv_len_size(size_t n)
{
    if (n < 0x80u) {
        return 1u;
    }
    if (n <= 0xFFu) {
        return 2u;
    }
    if (n <= 0xFFFFu) {
        return 3u;
    }
    if (n <= 0xFFFFFFu) {
        return 4u;
    }
    return 5u;
}

omp_err omp_apdu_priv_read_len(struct omp_rd *rd, size_t *len, bool *nc)
{
    const size_t start = omp_rd_pos(rd);
    size_t n = 0;
    omp_err err = omp_rd_berlen(rd, &n);
    if (err != OMP_OK) {
        return err;
    }
    if (omp_rd_pos(rd) - start != omp_apdu_priv_len_size(n)) {
        *nc = true;
    }
    *len = n;
    return OMP_OK;
}

/* ---- decoding helpers (each leaves the reader where it failed; the caller drops it) ---------- */

static omp_err rd_data(struct omp_rd *r, struct omp_apdu_span *s)
{
    const size_t start = omp_rd_pos(r);
    omp_err err = omp_apdu_priv_skip_data(r);
    if (err == OMP_OK) {
        s->ptr = r->buf + start;
        s->len = omp_rd_pos(r) - start;
    }
    return err;
}

/* How omp_apdu_decode_lazy() treats a Data value that ends the APDU (NULL: checked, as
 * omp_apdu_decode()). */
struct lazy {
    bool on;    /* leave that value unchecked */
    bool taken; /* a value was left unchecked: it spans the rest of the input */
};

/* A Data value that ends the APDU: checked, or with lz->on the rest of the input unchecked (at
 * least its first byte must be there, as the check would find). */
static omp_err rd_data_end(struct omp_rd *r, struct omp_apdu_span *s, struct lazy *lz)
{
    if (lz == NULL || !lz->on) {
        return rd_data(r, s);
    }
    if (omp_rd_remaining(r) == 0u) {
        return OMP_ERR_TRUNCATED;
    }
    s->ptr = r->buf + r->pos;
    s->len = omp_rd_remaining(r);
    r->pos = r->len;
    lz->taken = true;
    return OMP_OK;
}

static omp_err rd_bool(struct omp_rd *r, bool *v, bool *nc)
{
    uint8_t b = 0;
    omp_err err = omp_rd_u8(r, &b);
    if (err == OMP_OK) {
        if (b > 1u) {
            *nc = true;
        }
        *v = (b != 0u);
    }
    return err;
}

/* OPTIONAL / CHOICE flag that must be 0 or 1. */
static omp_err rd_flag(struct omp_rd *r, bool *v)
{
    uint8_t b = 0;
    omp_err err = omp_rd_u8(r, &b);
    if (err == OMP_OK) {
        if (b > 1u) {
            return OMP_ERR_MALFORMED;
        }
        *v = (b != 0u);
    }
    return err;
}

static omp_err rd_desc(struct omp_rd *r, struct omp_apdu_desc *d)
{
    omp_err err = omp_rd_u16be(r, &d->class_id);
    if (err == OMP_OK) {
        err = omp_rd_copy(r, d->obis, sizeof d->obis);
    }
    if (err == OMP_OK) {
        err = omp_rd_i8(r, &d->id);
    }
    return err;
}

/* Selective access; @p lz: its parameters end the APDU (GET-request normal). */
static omp_err rd_access(struct omp_rd *r, struct omp_apdu_access *a, struct lazy *lz)
{
    omp_err err = rd_flag(r, &a->present);
    if (err == OMP_OK && a->present) {
        err = omp_rd_u8(r, &a->selector);
        if (err == OMP_OK) {
            err = rd_data_end(r, &a->params, lz);
        }
    }
    return err;
}

/* Get-Data-Result; @p lz: its data ends the APDU. */
static omp_err rd_result(struct omp_rd *r, struct omp_apdu_result *res, struct lazy *lz)
{
    bool is_dar = false;
    omp_err err = rd_flag(r, &is_dar);
    if (err != OMP_OK) {
        return err;
    }
    res->is_data = !is_dar;
    return is_dar ? omp_rd_u8(r, &res->dar) : rd_data_end(r, &res->data, lz);
}

static omp_err rd_octets(struct omp_rd *r, struct omp_apdu_span *s, bool *nc)
{
    size_t n = 0;
    const uint8_t *p = NULL;
    omp_err err = omp_apdu_priv_read_len(r, &n, nc);
    if (err == OMP_OK) {
        err = omp_rd_bytes(r, n, &p);
    }
    if (err == OMP_OK) {
        s->ptr = (n != 0u) ? p : NULL;
        s->len = n;
    }
    return err;
}

/* DataBlock-G (with_choice) or DataBlock-SA. */
static omp_err rd_block(struct omp_rd *r, struct omp_apdu_block *b, bool with_choice, bool *nc)
{
    omp_err err = rd_bool(r, &b->last, nc);
    if (err == OMP_OK) {
        err = omp_rd_u32be(r, &b->block_number);
    }
    b->is_raw = true;
    if (err == OMP_OK && with_choice) {
        bool is_dar = false;
        err = rd_flag(r, &is_dar);
        b->is_raw = !is_dar;
    }
    if (err != OMP_OK) {
        return err;
    }
    return b->is_raw ? rd_octets(r, &b->raw, nc) : omp_rd_u8(r, &b->dar);
}

/* Action-Response-With-Optional-Data: result, return-parameters Get-Data-Result OPTIONAL. */
static omp_err rd_action_result(struct omp_rd *r, struct omp_apdu_action_result *ar,
                                struct lazy *lz)
{
    omp_err err = omp_rd_u8(r, &ar->result);
    if (err == OMP_OK) {
        err = rd_flag(r, &ar->has_return);
    }
    if (err == OMP_OK && ar->has_return) {
        err = rd_result(r, &ar->ret, lz);
    }
    return err;
}

/* List items, one reader each (by pointer, so that a server, which decodes only the requests'
 * lists, links none of the responses' item readers): descriptor-with-selection, Get-Data-Result,
 * Data, Data-Access-Result, Cosem-Method-Descriptor, Action-Response-With-Optional-Data. */
typedef omp_err (*item_fn)(struct omp_rd *r);

static omp_err item_desc(struct omp_rd *r)
{
    struct omp_apdu_desc d;
    struct omp_apdu_access a;
    omp_err err = rd_desc(r, &d);
    return (err == OMP_OK) ? rd_access(r, &a, NULL) : err;
}

static omp_err item_result(struct omp_rd *r)
{
    struct omp_apdu_result res;
    return rd_result(r, &res, NULL);
}

static omp_err item_data(struct omp_rd *r)
{
    struct omp_apdu_span s;
    return rd_data(r, &s);
}

static omp_err item_dar(struct omp_rd *r)
{
    uint8_t dar = 0;
    return omp_rd_u8(r, &dar);
}

static omp_err item_method(struct omp_rd *r)
{
    struct omp_apdu_desc d;
    return rd_desc(r, &d);
}

static omp_err item_action(struct omp_rd *r)
{
    struct omp_apdu_action_result ar;
    return rd_action_result(r, &ar, NULL);
}

/* @p count items read by @p item from @p r; the items' span (without the count) into @p items. */
static omp_err rd_items(struct omp_rd *r, size_t count, item_fn item,
                        struct omp_apdu_span *items)
{
    const size_t start = omp_rd_pos(r);
    for (size_t i = 0; i < count; i++) {
        omp_err err = item(r);
        if (err != OMP_OK) {
            return err;
        }
    }
    items->len = omp_rd_pos(r) - start;
    items->ptr = (items->len != 0u) ? r->buf + start : NULL;
    return OMP_OK;
}

static omp_err rd_list(struct omp_rd *r, struct omp_apdu_list *l, item_fn item, bool *nc)
{
    omp_err err = omp_apdu_priv_read_len(r, &l->count, nc);
    if (err != OMP_OK) {
        return err;
    }
    if (l->count > omp_rd_remaining(r)) { /* every item is at least one byte */
        return OMP_ERR_TRUNCATED;
    }
    return rd_items(r, l->count, item, &l->items);
}

/* ---- service decoders: r is after the tag byte ----------------------------------------------- */

static omp_err dec_get_req(struct omp_rd *r, uint8_t choice, struct omp_apdu *a, struct lazy *lz)
{
    switch (choice) {
    case 1: {
        omp_err err = rd_desc(r, &a->u.get_req.desc);
        return (err == OMP_OK) ? rd_access(r, &a->u.get_req.access, lz) : err;
    }
    case 2:
        return omp_rd_u32be(r, &a->u.get_req.block_number);
    case 3:
        return rd_list(r, &a->u.get_req.list, item_desc, &a->noncanonical);
    default:
        return OMP_ERR_MALFORMED;
    }
}

static omp_err dec_get_rsp(struct omp_rd *r, uint8_t choice, struct omp_apdu *a, struct lazy *lz)
{
    switch (choice) {
    case 1:
        return rd_result(r, &a->u.get_rsp.result, lz);
    case 2:
        return rd_block(r, &a->u.get_rsp.block, true, &a->noncanonical);
    case 3:
        return rd_list(r, &a->u.get_rsp.list, item_result, &a->noncanonical);
    default:
        return OMP_ERR_MALFORMED;
    }
}

static omp_err dec_set_req(struct omp_rd *r, uint8_t choice, struct omp_apdu *a, struct lazy *lz)
{
    omp_err err = OMP_OK;
    switch (choice) {
    case 1:
    case 2:
        err = rd_desc(r, &a->u.set_req.desc);
        if (err == OMP_OK) {
            err = rd_access(r, &a->u.set_req.access, NULL);
        }
        if (err != OMP_OK) {
            return err;
        }
        return (choice == 1u) ? rd_data_end(r, &a->u.set_req.value, lz)
                              : rd_block(r, &a->u.set_req.block, false, &a->noncanonical);
    case 3:
        return rd_block(r, &a->u.set_req.block, false, &a->noncanonical);
    case 4:
        err = rd_list(r, &a->u.set_req.list, item_desc, &a->noncanonical);
        return (err == OMP_OK) ? rd_list(r, &a->u.set_req.values, item_data, &a->noncanonical)
                               : err;
    case 5: /* with-list-and-first-datablock: descriptor list, DataBlock-SA */
        err = rd_list(r, &a->u.set_req.list, item_desc, &a->noncanonical);
        return (err == OMP_OK) ? rd_block(r, &a->u.set_req.block, false, &a->noncanonical) : err;
    default:
        return OMP_ERR_MALFORMED;
    }
}

static omp_err dec_set_rsp(struct omp_rd *r, uint8_t choice, struct omp_apdu *a)
{
    omp_err err = OMP_OK;
    switch (choice) {
    case 1:
        return omp_rd_u8(r, &a->u.set_rsp.dar);
    case 2:
        return omp_rd_u32be(r, &a->u.set_rsp.block_number);
    case 3:
        err = omp_rd_u8(r, &a->u.set_rsp.dar);
        return (err == OMP_OK) ? omp_rd_u32be(r, &a->u.set_rsp.block_number) : err;
    case 4: /* last-datablock-with-list: SEQUENCE OF Data-Access-Result, block-number */
        err = rd_list(r, &a->u.set_rsp.list, item_dar, &a->noncanonical);
        return (err == OMP_OK) ? omp_rd_u32be(r, &a->u.set_rsp.block_number) : err;
    case 5:
        return rd_list(r, &a->u.set_rsp.list, item_dar, &a->noncanonical);
    default:
        return OMP_ERR_MALFORMED;
    }
}

static omp_err dec_action_req(struct omp_rd *r, uint8_t choice, struct omp_apdu *a, struct lazy *lz)
{
    omp_err err = OMP_OK;
    switch (choice) {
    case 1:
        err = rd_desc(r, &a->u.action_req.desc);
        if (err == OMP_OK) {
            err = rd_flag(r, &a->u.action_req.has_params);
        }
        if (err == OMP_OK && a->u.action_req.has_params) {
            err = rd_data_end(r, &a->u.action_req.params, lz);
        }
        return err;
    case 2:
        return omp_rd_u32be(r, &a->u.action_req.block_number);
    case 3: /* with-list: method descriptors, then SEQUENCE OF Data (invocation parameters) */
        err = rd_list(r, &a->u.action_req.list, item_method, &a->noncanonical);
        return (err == OMP_OK)
                   ? rd_list(r, &a->u.action_req.params_list, item_data, &a->noncanonical)
                   : err;
    case 4: /* with-first-pblock: method descriptor, DataBlock-SA */
        err = rd_desc(r, &a->u.action_req.desc);
        return (err == OMP_OK) ? rd_block(r, &a->u.action_req.pblock, false, &a->noncanonical)
                               : err;
    case 5: /* with-list-and-first-pblock: method descriptors, DataBlock-SA */
        err = rd_list(r, &a->u.action_req.list, item_method, &a->noncanonical);
        return (err == OMP_OK) ? rd_block(r, &a->u.action_req.pblock, false, &a->noncanonical)
                               : err;
    case 6: /* with-pblock */
        return rd_block(r, &a->u.action_req.pblock, false, &a->noncanonical);
    default:
        return OMP_ERR_MALFORMED;
    }
}

static omp_err dec_action_rsp(struct omp_rd *r, uint8_t choice, struct omp_apdu *a, struct lazy *lz)
{
    switch (choice) {
    case 1: { /* normal: Action-Response-With-Optional-Data */
        struct omp_apdu_action_result ar;
        memset(&ar, 0, sizeof ar);
        omp_err err = rd_action_result(r, &ar, lz);
        if (err == OMP_OK) {
            a->u.action_rsp.result = ar.result;
            a->u.action_rsp.has_return = ar.has_return;
            a->u.action_rsp.ret = ar.ret;
        }
        return err;
    }
    case 2: /* with-pblock: DataBlock-SA */
        return rd_block(r, &a->u.action_rsp.pblock, false, &a->noncanonical);
    case 3: /* with-list: SEQUENCE OF Action-Response-With-Optional-Data */
        return rd_list(r, &a->u.action_rsp.list, item_action, &a->noncanonical);
    case 4: /* next-pblock */
        return omp_rd_u32be(r, &a->u.action_rsp.block_number);
    default:
        return OMP_ERR_MALFORMED;
    }
}

static omp_err dec_exception(struct omp_rd *r, struct omp_apdu *a)
{
    omp_err err = omp_rd_u8(r, &a->u.exception.state_error);
    if (err == OMP_OK) {
        err = omp_rd_u8(r, &a->u.exception.service_error);
    }
    if (err != OMP_OK) {
        return err;
    }
    const uint8_t se = a->u.exception.service_error;
    if (se < OMP_SERVICE_ERROR_OPERATION_NOT_POSSIBLE ||
        se > OMP_SERVICE_ERROR_INVOCATION_COUNTER_ERROR) {
        return OMP_ERR_MALFORMED;
    }
    if (se == OMP_SERVICE_ERROR_INVOCATION_COUNTER_ERROR) {
        return omp_rd_u32be(r, &a->u.exception.invocation_counter);
    }
    return OMP_OK;
}

static omp_err dec_notification(struct omp_rd *r, struct omp_apdu *a, struct lazy *lz)
{
    size_t n = 0;
    omp_err err = omp_rd_u32be(r, &a->u.notify.long_invoke);
    if (err == OMP_OK) {
        err = omp_apdu_priv_read_len(r, &n, &a->noncanonical);
    }
    if (err == OMP_OK && n != 0u && n != 12u) {
        err = OMP_ERR_MALFORMED;
    }
    if (err == OMP_OK && n == 12u) {
        a->u.notify.has_time = true;
        a->u.notify.time.len = 12u;
        err = omp_rd_bytes(r, 12u, &a->u.notify.time.ptr);
    }
    if (err == OMP_OK) {
        err = rd_data_end(r, &a->u.notify.body, lz);
    }
    return err;
}

/* The head of a confirmed service (GET/SET/ACTION request or response): choice and invoke-id. */
static omp_err dec_head(struct omp_rd *r, uint8_t tag, struct omp_apdu *a, uint8_t *choice)
{
    omp_err err = omp_rd_u8(r, choice);
    if (err == OMP_OK) {
        err = omp_rd_u8(r, &a->invoke);
    }
    if (err == OMP_OK) {
        a->kind = (enum omp_apdu_kind)(((unsigned)tag << 8) | *choice);
    }
    return err;
}

static bool is_request_tag(unsigned tag)
{
    return tag == OMP_APDU_TAG_AARQ || tag == OMP_APDU_TAG_RLRQ ||
           tag == OMP_APDU_TAG_GET_REQUEST || tag == OMP_APDU_TAG_SET_REQUEST ||
           tag == OMP_APDU_TAG_ACTION_REQUEST;
}

/* What a client sends a server, after the tag: AARQ, RLRQ, GET/SET/ACTION requests;
 * OMP_ERR_UNSUPPORTED for any other tag. */
static omp_err dec_request(struct omp_rd *r, uint8_t tag, struct omp_apdu *a, struct lazy *lz)
{
    uint8_t choice = 0;
    if (!is_request_tag(tag)) {
        return OMP_ERR_UNSUPPORTED;
    }
    if (tag == OMP_APDU_TAG_AARQ || tag == OMP_APDU_TAG_RLRQ) {
        return omp_apdu_priv_decode_aa_req(r, tag, a);
    }
    omp_err err = dec_head(r, tag, a, &choice);
    if (err != OMP_OK) {
        return err;
    }
    if (tag == OMP_APDU_TAG_GET_REQUEST) {
        return dec_get_req(r, choice, a, lz);
    }
    if (tag == OMP_APDU_TAG_SET_REQUEST) {
        return dec_set_req(r, choice, a, lz);
    }
    return dec_action_req(r, choice, a, lz);
}

/* Everything else omp_apdu_decode() takes, after the tag: AARE, RLRE, the GET/SET/ACTION
 * responses, exception-response, confirmed-service-error, data-notification. */
static omp_err dec_other(struct omp_rd *r, uint8_t tag, struct omp_apdu *a, struct lazy *lz)
{
    uint8_t choice = 0;
    omp_err err = OMP_OK;
    switch (tag) {
    case OMP_APDU_TAG_AARE:
    case OMP_APDU_TAG_RLRE:
        return omp_apdu_priv_decode_aa_rsp(r, tag, a);
    case OMP_APDU_TAG_EXCEPTION_RESPONSE:
        a->kind = OMP_APDU_EXCEPTION;
        return dec_exception(r, a);
    case OMP_APDU_TAG_CONFIRMED_SERVICE_ERROR:
        a->kind = OMP_APDU_CONFIRMED_SERVICE_ERROR;
        err = omp_rd_u8(r, &a->u.cse.service);
        if (err == OMP_OK) {
            err = omp_rd_u8(r, &a->u.cse.error);
        }
        return (err == OMP_OK) ? omp_rd_u8(r, &a->u.cse.value) : err;
    case OMP_APDU_TAG_DATA_NOTIFICATION:
        a->kind = OMP_APDU_DATA_NOTIFICATION;
        return dec_notification(r, a, lz);
    case OMP_APDU_TAG_GET_RESPONSE:
    case OMP_APDU_TAG_SET_RESPONSE:
    case OMP_APDU_TAG_ACTION_RESPONSE:
        err = dec_head(r, tag, a, &choice);
        break;
    default: /* ciphered APDUs, SN services, event-notification, access, general-block-transfer
              * (omp_apdu_gbt_decode) */
        return OMP_ERR_UNSUPPORTED;
    }
    if (err != OMP_OK) {
        return err;
    }
    if (tag == OMP_APDU_TAG_GET_RESPONSE) {
        return dec_get_rsp(r, choice, a, lz);
    }
    if (tag == OMP_APDU_TAG_SET_RESPONSE) {
        return dec_set_rsp(r, choice, a);
    }
    return dec_action_rsp(r, choice, a, lz);
}

static omp_err dec_any(struct omp_rd *r, uint8_t tag, struct omp_apdu *a, struct lazy *lz)
{
    return is_request_tag(tag) ? dec_request(r, tag, a, lz) : dec_other(r, tag, a, lz);
}

/* @p body decodes what follows the tag (dec_any, or dec_request: by function pointer, so that a
 * server links no response decoder). */
static omp_err apdu_decode(struct omp_rd *rd, struct omp_apdu *apdu, struct lazy *lz,
                           omp_err (*body)(struct omp_rd *r, uint8_t tag, struct omp_apdu *a,
                                           struct lazy *lz))
{
    if (rd == NULL || apdu == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_rd r = *rd;
    struct omp_apdu a;
    memset(&a, 0, sizeof a);
    uint8_t tag = 0;
    omp_err err = omp_rd_u8(&r, &tag);
    if (err == OMP_OK) {
        err = body(&r, tag, &a, lz);
    }
    if (err != OMP_OK) {
        return err;
    }
    a.data_unchecked = lz->taken;
    *apdu = a;
    *rd = r;
    return OMP_OK;
}

omp_err omp_apdu_decode(struct omp_rd *rd, struct omp_apdu *apdu)
{
    struct lazy lz = {false, false};
    return apdu_decode(rd, apdu, &lz, dec_any);
}

omp_err omp_apdu_decode_lazy(struct omp_rd *rd, struct omp_apdu *apdu)
{
    struct lazy lz = {true, false};
    return apdu_decode(rd, apdu, &lz, dec_any);
}

omp_err omp_apdu_decode_request(struct omp_rd *rd, struct omp_apdu *apdu)
{
    struct lazy lz = {false, false};
    return apdu_decode(rd, apdu, &lz, dec_request);
}

omp_err omp_apdu_list_next_desc(struct omp_rd *it, struct omp_apdu_desc *desc,
                                struct omp_apdu_access *access)
{
    if (it == NULL || desc == NULL || access == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_rd r = *it;
    struct omp_apdu_desc d;
    struct omp_apdu_access a;
    memset(&a, 0, sizeof a);
    omp_err err = rd_desc(&r, &d);
    if (err == OMP_OK) {
        err = rd_access(&r, &a, NULL);
    }
    if (err == OMP_OK) {
        *desc = d;
        *access = a;
        *it = r;
    }
    return err;
}

omp_err omp_apdu_list_next_result(struct omp_rd *it, struct omp_apdu_result *res)
{
    if (it == NULL || res == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_rd r = *it;
    struct omp_apdu_result x;
    memset(&x, 0, sizeof x);
    omp_err err = rd_result(&r, &x, NULL);
    if (err == OMP_OK) {
        *res = x;
        *it = r;
    }
    return err;
}

omp_err omp_apdu_list_next_data(struct omp_rd *it, struct omp_apdu_span *data)
{
    if (it == NULL || data == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_rd r = *it;
    struct omp_apdu_span s = {NULL, 0u};
    omp_err err = rd_data(&r, &s);
    if (err == OMP_OK) {
        *data = s;
        *it = r;
    }
    return err;
}

omp_err omp_apdu_list_next_dar(struct omp_rd *it, uint8_t *dar)
{
    if (it == NULL || dar == NULL) {
        return OMP_ERR_ARG;
    }
    return omp_rd_u8(it, dar);
}

omp_err omp_apdu_list_next_method(struct omp_rd *it, struct omp_apdu_desc *desc)
{
    if (it == NULL || desc == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_rd r = *it;
    struct omp_apdu_desc d;
    omp_err err = rd_desc(&r, &d);
    if (err == OMP_OK) {
        *desc = d;
        *it = r;
    }
    return err;
}

omp_err omp_apdu_list_next_action(struct omp_rd *it, struct omp_apdu_action_result *res)
{
    if (it == NULL || res == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_rd r = *it;
    struct omp_apdu_action_result x;
    memset(&x, 0, sizeof x);
    omp_err err = rd_action_result(&r, &x, NULL);
    if (err == OMP_OK) {
        *res = x;
        *it = r;
    }
    return err;
}

/* ---- encoding -------------------------------------------------------------------------------- */

static void put_desc(struct omp_apdu_out *w, const struct omp_apdu_desc *d)
{
    (void)omp_apdu_o_u16be(w, d->class_id); /* sticky errors: checked once by the caller */
    (void)omp_apdu_o_bytes(w, d->obis, sizeof d->obis);
    (void)omp_apdu_o_u8(w, (uint8_t)d->id);
}

static omp_err put_access(struct omp_apdu_out *w, const struct omp_apdu_access *a)
{
    if (!a->present) {
        return omp_apdu_o_u8(w, 0u);
    }
    if (!omp_apdu_priv_is_data(&a->params)) {
        return OMP_ERR_ARG;
    }
    (void)omp_apdu_o_u8(w, 1u);
    (void)omp_apdu_o_u8(w, a->selector);
    return omp_apdu_o_bytes(w, a->params.ptr, a->params.len);
}

static omp_err put_data(struct omp_apdu_out *w, const struct omp_apdu_span *s)
{
    if (!omp_apdu_priv_is_data(s)) {
        return OMP_ERR_ARG;
    }
    return omp_apdu_o_bytes(w, s->ptr, s->len);
}

static omp_err put_result(struct omp_apdu_out *w, const struct omp_apdu_result *r)
{
    if (!r->is_data) {
        (void)omp_apdu_o_u8(w, 1u);
        return omp_apdu_o_u8(w, r->dar);
    }
    if (!omp_apdu_priv_is_data(&r->data)) {
        return OMP_ERR_ARG;
    }
    (void)omp_apdu_o_u8(w, 0u);
    return omp_apdu_o_bytes(w, r->data.ptr, r->data.len);
}

static omp_err put_action_result(struct omp_apdu_out *w, uint8_t result, bool has_return,
                                 const struct omp_apdu_result *ret)
{
    (void)omp_apdu_o_u8(w, result);
    omp_err err = omp_apdu_o_u8(w, (uint8_t)(has_return ? 1u : 0u));
    return has_return ? put_result(w, ret) : err;
}

static omp_err put_octets(struct omp_apdu_out *w, const struct omp_apdu_span *s)
{
    if (s->ptr == NULL && s->len != 0u) {
        return OMP_ERR_ARG;
    }
    (void)omp_apdu_o_berlen(w, s->len);
    return (s->len != 0u) ? omp_apdu_o_bytes(w, s->ptr, s->len) : omp_apdu_o_status(w);
}

static omp_err put_block(struct omp_apdu_out *w, const struct omp_apdu_block *b, bool with_choice)
{
    (void)omp_apdu_o_u8(w, (uint8_t)(b->last ? 1u : 0u));
    (void)omp_apdu_o_u32be(w, b->block_number);
    if (with_choice) {
        (void)omp_apdu_o_u8(w, (uint8_t)(b->is_raw ? 0u : 1u));
        if (!b->is_raw) {
            return omp_apdu_o_u8(w, b->dar);
        }
    } else if (!b->is_raw) {
        return OMP_ERR_ARG;
    }
    return put_octets(w, &b->raw);
}

static omp_err put_list(struct omp_apdu_out *w, const struct omp_apdu_list *l, item_fn item)
{
    if (l->items.ptr == NULL && l->items.len != 0u) {
        return OMP_ERR_ARG;
    }
    struct omp_rd r = omp_rd_init(l->items.ptr, l->items.len);
    struct omp_apdu_span items;
    if (l->count > l->items.len || rd_items(&r, l->count, item, &items) != OMP_OK ||
        omp_rd_remaining(&r) != 0u) {
        return OMP_ERR_ARG;
    }
    (void)omp_apdu_o_berlen(w, l->count);
    return (l->items.len != 0u) ? omp_apdu_o_bytes(w, l->items.ptr, l->items.len)
                                : omp_apdu_o_status(w);
}

/* The body of a GET request (after tag, choice and invoke-id). */
static omp_err enc_get_req(const struct omp_apdu *a, struct omp_apdu_out *w)
{
    switch (a->kind) {
    case OMP_APDU_GET_REQ_NORMAL:
        put_desc(w, &a->u.get_req.desc);
        return put_access(w, &a->u.get_req.access);
    case OMP_APDU_GET_REQ_NEXT:
        return omp_apdu_o_u32be(w, a->u.get_req.block_number);
    case OMP_APDU_GET_REQ_LIST:
        return put_list(w, &a->u.get_req.list, item_desc);
    default:
        return OMP_ERR_ARG;
    }
}

/* The body of a GET response. */
static omp_err enc_get_rsp(const struct omp_apdu *a, struct omp_apdu_out *w)
{
    switch (a->kind) {
    case OMP_APDU_GET_RSP_NORMAL:
        return put_result(w, &a->u.get_rsp.result);
    case OMP_APDU_GET_RSP_BLOCK:
        return put_block(w, &a->u.get_rsp.block, true);
    case OMP_APDU_GET_RSP_LIST:
        return put_list(w, &a->u.get_rsp.list, item_result);
    default:
        return OMP_ERR_ARG;
    }
}

/* The body of a SET request. */
static omp_err enc_set_req(const struct omp_apdu *a, struct omp_apdu_out *w)
{
    omp_err err = OMP_OK;
    switch (a->kind) {
    case OMP_APDU_SET_REQ_NORMAL:
    case OMP_APDU_SET_REQ_FIRST_BLOCK:
        put_desc(w, &a->u.set_req.desc);
        err = put_access(w, &a->u.set_req.access);
        if (err == OMP_OK) {
            err = (a->kind == OMP_APDU_SET_REQ_NORMAL) ? put_data(w, &a->u.set_req.value)
                                                       : put_block(w, &a->u.set_req.block, false);
        }
        break;
    case OMP_APDU_SET_REQ_BLOCK:
        err = put_block(w, &a->u.set_req.block, false);
        break;
    case OMP_APDU_SET_REQ_LIST:
        err = put_list(w, &a->u.set_req.list, item_desc);
        if (err == OMP_OK) {
            err = put_list(w, &a->u.set_req.values, item_data);
        }
        break;
    case OMP_APDU_SET_REQ_LIST_FIRST_BLOCK:
        err = put_list(w, &a->u.set_req.list, item_desc);
        if (err == OMP_OK) {
            err = put_block(w, &a->u.set_req.block, false);
        }
        break;
    default:
        err = OMP_ERR_ARG;
        break;
    }
    return err;
}

/* The body of a SET response. */
static omp_err enc_set_rsp(const struct omp_apdu *a, struct omp_apdu_out *w)
{
    omp_err err = OMP_OK;
    switch (a->kind) {
    case OMP_APDU_SET_RSP_NORMAL:
        err = omp_apdu_o_u8(w, a->u.set_rsp.dar);
        break;
    case OMP_APDU_SET_RSP_BLOCK:
        err = omp_apdu_o_u32be(w, a->u.set_rsp.block_number);
        break;
    case OMP_APDU_SET_RSP_LAST_BLOCK:
        (void)omp_apdu_o_u8(w, a->u.set_rsp.dar);
        err = omp_apdu_o_u32be(w, a->u.set_rsp.block_number);
        break;
    case OMP_APDU_SET_RSP_LIST:
        err = put_list(w, &a->u.set_rsp.list, item_dar);
        break;
    case OMP_APDU_SET_RSP_LAST_BLOCK_LIST:
        err = put_list(w, &a->u.set_rsp.list, item_dar);
        if (err == OMP_OK) {
            err = omp_apdu_o_u32be(w, a->u.set_rsp.block_number);
        }
        break;
    default:
        err = OMP_ERR_ARG;
        break;
    }
    return err;
}

/* The body of an ACTION request. */
static omp_err enc_action_req(const struct omp_apdu *a, struct omp_apdu_out *w)
{
    omp_err err = OMP_OK;
    switch (a->kind) {
    case OMP_APDU_ACTION_REQ_NORMAL:
        put_desc(w, &a->u.action_req.desc);
        err = omp_apdu_o_u8(w, (uint8_t)(a->u.action_req.has_params ? 1u : 0u));
        if (err == OMP_OK && a->u.action_req.has_params) {
            err = put_data(w, &a->u.action_req.params);
        }
        break;
    case OMP_APDU_ACTION_REQ_NEXT:
        err = omp_apdu_o_u32be(w, a->u.action_req.block_number);
        break;
    case OMP_APDU_ACTION_REQ_LIST:
        err = put_list(w, &a->u.action_req.list, item_method);
        if (err == OMP_OK) {
            err = put_list(w, &a->u.action_req.params_list, item_data);
        }
        break;
    case OMP_APDU_ACTION_REQ_FIRST_PBLOCK:
        put_desc(w, &a->u.action_req.desc);
        err = put_block(w, &a->u.action_req.pblock, false);
        break;
    case OMP_APDU_ACTION_REQ_LIST_FIRST_PBLOCK:
        err = put_list(w, &a->u.action_req.list, item_method);
        if (err == OMP_OK) {
            err = put_block(w, &a->u.action_req.pblock, false);
        }
        break;
    case OMP_APDU_ACTION_REQ_PBLOCK:
        err = put_block(w, &a->u.action_req.pblock, false);
        break;
    default:
        err = OMP_ERR_ARG;
        break;
    }
    return err;
}

/* The body of an ACTION response. */
static omp_err enc_action_rsp(const struct omp_apdu *a, struct omp_apdu_out *w)
{
    switch (a->kind) {
    case OMP_APDU_ACTION_RSP_NORMAL:
        return put_action_result(w, a->u.action_rsp.result, a->u.action_rsp.has_return,
                                 &a->u.action_rsp.ret);
    case OMP_APDU_ACTION_RSP_PBLOCK:
        return put_block(w, &a->u.action_rsp.pblock, false);
    case OMP_APDU_ACTION_RSP_LIST:
        return put_list(w, &a->u.action_rsp.list, item_action);
    case OMP_APDU_ACTION_RSP_NEXT:
        return omp_apdu_o_u32be(w, a->u.action_rsp.block_number);
    default:
        return OMP_ERR_ARG;
    }
}

/* The body of an exception-response or confirmed-service-error (after the tag). */
static omp_err enc_error(const struct omp_apdu *a, struct omp_apdu_out *w)
{
    if (a->kind == OMP_APDU_CONFIRMED_SERVICE_ERROR) {
        (void)omp_apdu_o_u8(w, a->u.cse.service);
        (void)omp_apdu_o_u8(w, a->u.cse.error);
        return omp_apdu_o_u8(w, a->u.cse.value);
    }
    const uint8_t se = a->u.exception.service_error;
    if (se < OMP_SERVICE_ERROR_OPERATION_NOT_POSSIBLE ||
        se > OMP_SERVICE_ERROR_INVOCATION_COUNTER_ERROR) {
        return OMP_ERR_ARG;
    }
    (void)omp_apdu_o_u8(w, a->u.exception.state_error);
    omp_err err = omp_apdu_o_u8(w, se);
    if (se == OMP_SERVICE_ERROR_INVOCATION_COUNTER_ERROR) {
        err = omp_apdu_o_u32be(w, a->u.exception.invocation_counter);
    }
    return err;
}

/* The body of a data-notification (after the tag). */
static omp_err enc_notification(const struct omp_apdu *a, struct omp_apdu_out *w)
{
    (void)omp_apdu_o_u32be(w, a->u.notify.long_invoke);
    if (a->u.notify.has_time) {
        if (a->u.notify.time.ptr == NULL || a->u.notify.time.len != 12u) {
            return OMP_ERR_ARG;
        }
        (void)omp_apdu_o_u8(w, 12u);
        (void)omp_apdu_o_bytes(w, a->u.notify.time.ptr, 12u);
    } else {
        (void)omp_apdu_o_u8(w, 0u);
    }
    return put_data(w, &a->u.notify.body);
}

/* Tag, choice and invoke-id of a GET/SET/ACTION request or response. */
static void enc_head(const struct omp_apdu *a, struct omp_apdu_out *w)
{
    (void)omp_apdu_o_u8(w, (uint8_t)((unsigned)a->kind >> 8));
    (void)omp_apdu_o_u8(w, (uint8_t)((unsigned)a->kind & 0xFFu));
    (void)omp_apdu_o_u8(w, a->invoke);
}

/* What a client sends a server: AARQ, RLRQ, GET/SET/ACTION requests; OMP_ERR_ARG otherwise. */
static omp_err enc_request(const struct omp_apdu *a, struct omp_apdu_out *w)
{
    if (a->kind == OMP_APDU_AARQ || a->kind == OMP_APDU_RLRQ) {
        return omp_apdu_priv_encode_aa_req(a, w);
    }
    omp_err (*body)(const struct omp_apdu *a, struct omp_apdu_out *w) = NULL;
    switch ((unsigned)a->kind >> 8) {
    case OMP_APDU_TAG_GET_REQUEST:
        body = enc_get_req;
        break;
    case OMP_APDU_TAG_SET_REQUEST:
        body = enc_set_req;
        break;
    case OMP_APDU_TAG_ACTION_REQUEST:
        body = enc_action_req;
        break;
    default:
        return OMP_ERR_ARG;
    }
    enc_head(a, w);
    return body(a, w);
}

/* What a server sends: AARE, RLRE, GET/SET/ACTION responses, exception-response,
 * confirmed-service-error; OMP_ERR_ARG otherwise. */
static omp_err enc_response(const struct omp_apdu *a, struct omp_apdu_out *w)
{
    if (a->kind == OMP_APDU_AARE || a->kind == OMP_APDU_RLRE) {
        return omp_apdu_priv_encode_aa_rsp(a, w);
    }
    if (a->kind == OMP_APDU_EXCEPTION || a->kind == OMP_APDU_CONFIRMED_SERVICE_ERROR) {
        (void)omp_apdu_o_u8(w, (uint8_t)((unsigned)a->kind >> 8));
        return enc_error(a, w);
    }
    omp_err (*body)(const struct omp_apdu *a, struct omp_apdu_out *w) = NULL;
    switch ((unsigned)a->kind >> 8) {
    case OMP_APDU_TAG_GET_RESPONSE:
        body = enc_get_rsp;
        break;
    case OMP_APDU_TAG_SET_RESPONSE:
        body = enc_set_rsp;
        break;
    case OMP_APDU_TAG_ACTION_RESPONSE:
        body = enc_action_rsp;
        break;
    default:
        return OMP_ERR_ARG;
    }
    enc_head(a, w);
    return body(a, w);
}

/* ---- output primitives (apdu_priv.h) ---------------------------------------------------------- */

omp_err omp_apdu_o_bytes(struct omp_apdu_out *o, const void *p, size_t n)
{
    o->n += n;
    return (o->w != NULL && n != 0u) ? omp_wr_bytes(o->w, p, n) : OMP_OK;
}

/* The low @p n bytes of @p v, most significant first. */
static omp_err o_be(struct omp_apdu_out *o, uint32_t v, size_t n)
{
    uint8_t b[4];
    for (size_t k = 0; k < n; k++) {
        b[k] = (uint8_t)(v >> (8u * (n - 1u - k)));
    }
    return omp_apdu_o_bytes(o, b, n);
}

omp_err omp_apdu_o_u8(struct omp_apdu_out *o, uint8_t v)
{
    return omp_apdu_o_bytes(o, &v, 1u);
}

omp_err omp_apdu_o_u16be(struct omp_apdu_out *o, uint16_t v)
{
    return o_be(o, v, 2u);
}

omp_err omp_apdu_o_u24be(struct omp_apdu_out *o, uint32_t v)
{
    return o_be(o, v, 3u);
}

omp_err omp_apdu_o_u32be(struct omp_apdu_out *o, uint32_t v)
{
    return o_be(o, v, 4u);
}

omp_err omp_apdu_o_berlen(struct omp_apdu_out *o, size_t len)
{
    if (o->w == NULL) {
        o->n += omp_apdu_priv_len_size(len);
        return OMP_OK;
    }
    const size_t before = omp_wr_len(o->w);
    omp_err err = omp_wr_berlen(o->w, len);
    o->n += omp_wr_len(o->w) - before;
    return err;
}

omp_err omp_apdu_o_status(const struct omp_apdu_out *o)
{
    return (o->w != NULL) ? omp_wr_status(o->w) : OMP_OK;
}

omp_err omp_apdu_priv_emit(struct omp_wr *w, omp_err (*fn)(const void *arg, struct omp_apdu_out *o),
                           const void *arg)
{
    if (omp_wr_status(w) != OMP_OK) {
        return OMP_ERR_NOSPACE;
    }
    struct omp_apdu_out m = {NULL, 0u, 0u};
    omp_err err = fn(arg, &m);
    if (err != OMP_OK) {
        return err;
    }
    if (omp_wr_room(w) < m.n) {
        return OMP_ERR_NOSPACE; /* nothing written */
    }
    const size_t mark = omp_wr_len(w);
    struct omp_apdu_out o = {w, 0u, mark};
    err = fn(arg, &o);
    if (err == OMP_OK) {
        err = omp_wr_status(w);
    }
    if (err == OMP_OK && o.n != m.n) {
        err = OMP_ERR_INTERNAL;
    }
    if (err != OMP_OK) {
        omp_wr_truncate(w, mark);
    }
    return err;
}

static omp_err emit_apdu(const void *arg, struct omp_apdu_out *o)
{
    const struct omp_apdu *apdu = arg;
    omp_err err = OMP_OK;
    if (apdu->kind == OMP_APDU_DATA_NOTIFICATION) {
        (void)omp_apdu_o_u8(o, OMP_APDU_TAG_DATA_NOTIFICATION);
        err = enc_notification(apdu, o);
    } else if (is_request_tag((unsigned)apdu->kind >> 8)) {
        err = enc_request(apdu, o);
    } else {
        err = enc_response(apdu, o);
    }
    return (err == OMP_OK) ? omp_apdu_o_status(o) : err;
}

static omp_err emit_response(const void *arg, struct omp_apdu_out *o)
{
    omp_err err = enc_response(arg, o);
    return (err == OMP_OK) ? omp_apdu_o_status(o) : err;
}

omp_err omp_apdu_encode(const struct omp_apdu *apdu, struct omp_wr *w)
{
    if (apdu == NULL || w == NULL) {
        return OMP_ERR_ARG;
    }
    return omp_apdu_priv_emit(w, emit_apdu, apdu);
}

omp_err omp_apdu_encode_response(const struct omp_apdu *apdu, struct omp_wr *w)
{
    if (apdu == NULL || w == NULL) {
        return OMP_ERR_ARG;
    }
    return omp_apdu_priv_emit(w, emit_response, apdu);
}

/* ---- list item builders ---------------------------------------------------------------------- */

struct desc_arg {
    const struct omp_apdu_desc *desc;
    const struct omp_apdu_access *access;
};

static omp_err emit_desc(const void *arg, struct omp_apdu_out *o)
{
    const struct desc_arg *d = arg;
    put_desc(o, d->desc);
    omp_err err = put_access(o, d->access);
    return (err == OMP_OK) ? omp_apdu_o_status(o) : err;
}

omp_err omp_apdu_put_desc(struct omp_wr *w, const struct omp_apdu_desc *desc,
                          const struct omp_apdu_access *access)
{
    if (w == NULL || desc == NULL || access == NULL) {
        return OMP_ERR_ARG;
    }
    const struct desc_arg d = {desc, access};
    return omp_apdu_priv_emit(w, emit_desc, &d);
}

static omp_err emit_result(const void *arg, struct omp_apdu_out *o)
{
    omp_err err = put_result(o, arg);
    return (err == OMP_OK) ? omp_apdu_o_status(o) : err;
}

omp_err omp_apdu_put_result(struct omp_wr *w, const struct omp_apdu_result *r)
{
    if (w == NULL || r == NULL) {
        return OMP_ERR_ARG;
    }
    return omp_apdu_priv_emit(w, emit_result, r);
}

struct method_arg {
    const struct omp_apdu_desc *desc;
};

static omp_err emit_method(const void *arg, struct omp_apdu_out *o)
{
    const struct method_arg *m = arg;
    put_desc(o, m->desc);
    return omp_apdu_o_status(o);
}

omp_err omp_apdu_put_method(struct omp_wr *w, const struct omp_apdu_desc *desc)
{
    if (w == NULL || desc == NULL) {
        return OMP_ERR_ARG;
    }
    const struct method_arg m = {desc};
    return omp_apdu_priv_emit(w, emit_method, &m);
}

static omp_err emit_action_result(const void *arg, struct omp_apdu_out *o)
{
    const struct omp_apdu_action_result *r = arg;
    omp_err err = put_action_result(o, r->result, r->has_return, &r->ret);
    return (err == OMP_OK) ? omp_apdu_o_status(o) : err;
}

omp_err omp_apdu_put_action_result(struct omp_wr *w, const struct omp_apdu_action_result *r)
{
    if (w == NULL || r == NULL) {
        return OMP_ERR_ARG;
    }
    return omp_apdu_priv_emit(w, emit_action_result, r);
}

/* ---- general-block-transfer ------------------------------------------------------------------ */

omp_err omp_apdu_gbt_decode(struct omp_rd *rd, struct omp_apdu_gbt *g)
{
    if (rd == NULL || g == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_rd r = *rd;
    struct omp_apdu_gbt x;
    memset(&x, 0, sizeof x);
    uint8_t tag = 0, bc = 0;
    omp_err err = omp_rd_u8(&r, &tag);
    if (err == OMP_OK && tag != OMP_APDU_TAG_GENERAL_BLOCK_TRANSFER) {
        err = OMP_ERR_UNEXPECTED;
    }
    if (err == OMP_OK) {
        err = omp_rd_u8(&r, &bc);
    }
    if (err == OMP_OK) {
        err = omp_rd_u16be(&r, &x.block_number);
    }
    if (err == OMP_OK) {
        err = omp_rd_u16be(&r, &x.block_number_ack);
    }
    if (err == OMP_OK) {
        err = rd_octets(&r, &x.data, &x.noncanonical);
    }
    if (err != OMP_OK) {
        return err;
    }
    x.last = (bc & OMP_APDU_GBT_LAST) != 0u;
    x.streaming = (bc & OMP_APDU_GBT_STREAMING) != 0u;
    x.window = (uint8_t)(bc & OMP_APDU_GBT_WINDOW_MASK);
    *g = x;
    *rd = r;
    return OMP_OK;
}

static omp_err emit_gbt(const void *arg, struct omp_apdu_out *o)
{
    const struct omp_apdu_gbt *g = arg;
    const uint8_t bc = (uint8_t)((g->last ? OMP_APDU_GBT_LAST : 0u) |
                                 (g->streaming ? OMP_APDU_GBT_STREAMING : 0u) | g->window);
    (void)omp_apdu_o_u8(o, OMP_APDU_TAG_GENERAL_BLOCK_TRANSFER);
    (void)omp_apdu_o_u8(o, bc);
    (void)omp_apdu_o_u16be(o, g->block_number);
    (void)omp_apdu_o_u16be(o, g->block_number_ack);
    omp_err err = put_octets(o, &g->data);
    return (err == OMP_OK) ? omp_apdu_o_status(o) : err;
}

omp_err omp_apdu_gbt_encode(const struct omp_apdu_gbt *g, struct omp_wr *w)
{
    if (g == NULL || w == NULL || g->window > OMP_APDU_GBT_WINDOW_MASK ||
        (g->data.ptr == NULL && g->data.len != 0u)) {
        return OMP_ERR_ARG;
    }
#if SIZE_MAX > 0xFFFFFFFFu
    if (g->data.len > 0xFFFFFFFFu) { /* A-XDR lengths have at most 4 bytes */
        return OMP_ERR_ARG;
    }
#endif
    return omp_apdu_priv_emit(w, emit_gbt, g);
}

#else
typedef int omp_apdu_unused; /* ISO C forbids an empty translation unit */
#endif /* OMP_CONFIG_DLMS */

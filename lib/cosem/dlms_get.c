/*
 * GET for the DLMS server (dlms_server.h): normal, with list, and the object list in blocks
 * (GET-response-with-datablock, service-specific block transfer); the Association LN object
 * 0.0.40.0.0.255 (class 15 version 1) that the server answers itself. Every other object is read
 * through the dictionary (omp_cosem_get) with the association's bit.
 *
 * The object list is never held whole: each block is generated again from the table (the count,
 * then one element at a time into a small scratch buffer) and only the bytes inside the block's
 * window are kept. The table is const and the list depends only on the association, so every pass
 * gives the same bytes; a block costs one pass over the table.
 */
#include "omnipower/config.h"

#if OMP_CONFIG_DLMS

#include <string.h>

#include "omnipower/apdu.h"
#include "omnipower/axdr.h"
#include "omnipower/cosem.h"
#include "omnipower/dlms_server.h"

#include "cosem_priv.h"
#include "dlms_priv.h"

#define CLASS_ASSOC_LN 15u
#define ASSOC_LN_VERSION 1u
#define ASSOC_LN_ATTRS 9u /* version 1: 1..9, 9 security_setup_reference */
/* Version 2 adds user_list (10) and current_user (11). A client that assumes version 2 (Gurux's
 * C client does, whatever the object list says) reads them and stops at any answer other than
 * read-write-denied; they get that, as 9 does (docs/dlms-server.md "What is answered"). */
#define ASSOC_LN_ATTRS_V2 11u
/* GET-response-with-datablock header: C4 02 invoke, last, block number (4), raw-data choice,
 * length (at most 3 bytes for a block below 65536). */
#define BLOCK_HDR_MAX 12u
/* In GBT, the GET-response-normal head the first block carries: C4 01 invoke 00. */
#define GBT_PRE 4u
/* One object_list element: structure {class, version, name, {attribute_access, method_access}}
 * with at most 10 attributes of 7 bytes each (the activity calendar) and 4 methods of 6
 * (Association LN): 106 bytes. */
#define ELEM_MAX 128u

static const uint8_t k_assoc_ln[6] = {0u, 0u, 40u, 0u, 0u, 255u};
/* Association LN attributes (technical facts 11.3, 11.8): 1..6 and 8 read-only; 7, the LLS
 * secret, write-only (2) for the associations that write it (dlms_set.c), no access for the
 * public one; 9 security_setup_reference: read-only in the management association (its
 * security setup 0.0.43.0.0.255), no access in the others (no security setup protects them). */
static const uint8_t k_assoc_modes[ASSOC_LN_ATTRS] = {1u, 1u, 1u, 1u, 1u, 1u, 0u, 1u, 0u};
static const uint8_t k_assoc_modes_lls[ASSOC_LN_ATTRS] = {1u, 1u, 1u, 1u, 1u, 1u, 2u, 1u, 0u};
static const uint8_t k_assoc_modes_hls[ASSOC_LN_ATTRS] = {1u, 1u, 1u, 1u, 1u, 1u, 2u, 1u, 1u};
static const uint8_t k_sec_setup_ln[6] = {0u, 0u, 43u, 0u, 0u, 255u};
/* The LLS secret's writers (dlms_set.c). */
#define SECRET_WRITE (OMP_ASSOC_LLS | OMP_ASSOC_HLS_MGMT)

/* The writers' errors are sticky: a sequence of puts is checked once, with omp_wr_status(). */
static void sticky(omp_err e)
{
    (void)e;
}

/* ---- the object list, through a window ---------------------------------------------------------- */

#define CLASS_PROFILE 7u
#define PROFILE_VERSION 1u
#define PROFILE_ATTRS 8u

void omp_dlms_priv_win_put(struct omp_dlms_win *w, const uint8_t *p, size_t n)
{
    size_t lo = w->pos > w->off ? w->pos : w->off;
    size_t end = w->pos + n, wend = w->off + w->cap;
    size_t hi = end < wend ? end : wend;
    if (lo < hi) {
        memcpy(w->dst + (lo - w->off), p + (lo - w->pos), hi - lo);
    }
    w->pos = end;
}

/* object_list_element (Blue Book IC 15 v1); @p modes NULL: from row @p o (NULL: every attribute
 * read-only): read-only (1), read-write (3) where writable by @p assoc, no access (0) where not
 * readable. method_access: every method of the class, access (1) where @p assoc may invoke it. */
static omp_err put_element(struct omp_wr *w, uint16_t cls, uint8_t ver, const uint8_t obis[6],
                           uint8_t attrs, const uint8_t *modes, const struct omp_cosem_obj *o,
                           unsigned assoc)
{
    sticky(omp_axdr_put_structure(w, 4u));
    sticky(omp_axdr_put_u16(w, cls));
    sticky(omp_axdr_put_u8(w, ver));
    sticky(omp_axdr_put_octets(w, obis, 6u));
    sticky(omp_axdr_put_structure(w, 2u)); /* access_rights */
    sticky(omp_axdr_put_array(w, attrs));
    for (uint8_t k = 1u; k <= attrs; k++) {
        sticky(omp_axdr_put_structure(w, 3u));
        sticky(omp_axdr_put_i8(w, (int8_t)k));
        const bool rd = o == NULL || omp_cosem_readable(o, k, assoc);
        sticky(omp_axdr_put_enum(w, modes != NULL                       ? modes[k - 1u]
                                    : omp_cosem_writable(o, k, assoc) ? (rd ? 3u : 2u)
                                    : rd                              ? 1u
                                                                      : 0u));
        if (cls == CLASS_PROFILE && k == 2u) { /* buffer: range and entry descriptors */
            sticky(omp_axdr_put_array(w, 2u));
            sticky(omp_axdr_put_i8(w, 1));
            sticky(omp_axdr_put_i8(w, 2));
        } else {
            sticky(omp_axdr_put_null(w)); /* access_selectors: none */
        }
    }
    /* method_access: the class's methods, each granted or not (cosem.c) */
    const uint8_t methods = omp_cosem_method_count(cls);
    sticky(omp_axdr_put_array(w, methods));
    for (uint8_t m = 1u; m <= methods; m++) {
        sticky(omp_axdr_put_structure(w, 2u));
        sticky(omp_axdr_put_i8(w, (int8_t)m));
        sticky(omp_axdr_put_enum(w, omp_cosem_method_allowed(o, cls, m, assoc) ? 1u : 0u));
    }
    return omp_wr_status(w);
}

/* Associations that read the profiles (technical facts 11.3: LLS; public does not). */
#define PG_READ (OMP_ASSOC_LLS | OMP_ASSOC_HLS_MGMT)

/* What the object list holds: the association's bit, and bits 8.. the profiles it reads. */
static unsigned list_of(const struct omp_dlms_server *srv, const struct omp_dlms_server_env *env)
{
    return srv->assoc | ((srv->assoc & PG_READ) != 0u ? omp_dlms_priv_pg_present(env) << 8 : 0u);
}

/* The whole object_list @p list (list_of) through @p out; out->pos is its length afterwards.
 * Element i: 0 the Association LN object itself, 1..the table's count its readable objects, then
 * the profiles the list holds. */
static omp_err objlist(unsigned list, struct omp_dlms_win *out)
{
    uint8_t tmp[ELEM_MAX];
    struct omp_wr w = omp_wr_init(tmp, sizeof tmp);
    const unsigned assoc = list & 0xFFu, pg = list >> 8;
    const size_t nt = omp_cosem_count();
    size_t n = 1u;
    for (unsigned k = 0; k < OMP_DLMS_PROFILES; k++) {
        n += (pg >> k) & 1u;
    }
    for (size_t k = 0; k < nt; k++) {
        n += (omp_cosem_at(k)->read & assoc) != 0u ? 1u : 0u;
    }
    sticky(omp_axdr_put_array(&w, n));
    for (size_t i = 0; i <= nt + OMP_DLMS_PROFILES && omp_wr_status(&w) == OMP_OK; i++) {
        const struct omp_cosem_obj *o = i > 0u && i <= nt ? omp_cosem_at(i - 1u) : NULL;
        const unsigned k = i > nt ? (unsigned)(i - nt - 1u) : 0u; /* the profile */
        if (o != NULL ? (o->read & assoc) == 0u : i > nt && (pg & (1u << k)) == 0u) {
            continue;
        }
        omp_dlms_priv_win_put(out, tmp, omp_wr_len(&w));
        omp_wr_truncate(&w, 0u);
        (void)put_element(&w,
                          i == 0u     ? (uint16_t)CLASS_ASSOC_LN
                          : o != NULL ? o->class_id
                                      : CLASS_PROFILE,
                          i == 0u     ? (uint8_t)ASSOC_LN_VERSION
                          : o != NULL ? o->version
                                      : PROFILE_VERSION,
                          i == 0u     ? k_assoc_ln
                          : o != NULL ? o->obis
                                      : omp_dlms_priv_pg_obis(k),
                          i == 0u     ? (uint8_t)ASSOC_LN_ATTRS
                          : o != NULL ? omp_cosem_attr_count(o)
                                      : PROFILE_ATTRS,
                          i != 0u                        ? NULL
                          : assoc == OMP_ASSOC_HLS_MGMT  ? k_assoc_modes_hls
                          : (assoc & SECRET_WRITE) != 0u ? k_assoc_modes_lls
                                                         : k_assoc_modes,
                          o, assoc);
    }
    omp_err err = omp_wr_status(&w);
    if (err == OMP_OK) {
        omp_dlms_priv_win_put(out, tmp, omp_wr_len(&w));
    }
    return err;
}

static size_t objlist_len(unsigned assoc)
{
    struct omp_dlms_win c = {NULL, 0u, 0u, 0u};
    return objlist(assoc, &c) == OMP_OK ? c.pos : 0u;
}

/* ---- one attribute --------------------------------------------------------------------------------- */

/* A reader's error as a data-access-result. */
static uint8_t dar_of(omp_err e)
{
    return omp_dlms_priv_dar_of(e, false);
}

/* The whole object_list as the Data of a Get-Data-Result; NOSPACE if it does not fit @p w. */
static omp_err objlist_into(unsigned assoc, struct omp_wr *w)
{
    size_t n = objlist_len(assoc), mark = omp_wr_len(w);
    if (n == 0u || omp_wr_fill(w, 0u, n) != OMP_OK) {
        omp_wr_truncate(w, mark);
        return OMP_ERR_NOSPACE;
    }
    struct omp_dlms_win d = {w->buf + mark, 0u, n, 0u};
    return objlist(assoc, &d);
}

/* An application context or mechanism name as Blue Book IC 15 shows it: a structure of the
 * OID's arcs {joint-iso-ctt 2, country 16, country-name 756, identified-organization 5,
 * DLMS-UA 8, @p kind (1 context, 2 mechanism), @p id}. */
static void put_oid(struct omp_wr *w, uint8_t kind, uint8_t id)
{
    sticky(omp_axdr_put_structure(w, 7u));
    sticky(omp_axdr_put_u8(w, 2u));
    sticky(omp_axdr_put_u8(w, 16u));
    sticky(omp_axdr_put_u16(w, 756u));
    sticky(omp_axdr_put_u8(w, 5u));
    sticky(omp_axdr_put_u8(w, 8u));
    sticky(omp_axdr_put_u8(w, kind));
    sticky(omp_axdr_put_u8(w, id));
}

/* xDLMS_context_info {conformance bit-string(24) as negotiated, max_receive_pdu_size (the
 * server's), max_send_pdu_size (what it sends: the client's, at most its own), dlms_version 6,
 * quality_of_service 0, cyphering_info empty}. */
static void put_context_info(const struct omp_dlms_server *srv, struct omp_wr *w)
{
    const uint8_t conf[3] = {(uint8_t)(srv->conformance >> 16), (uint8_t)(srv->conformance >> 8),
                             (uint8_t)srv->conformance};
    sticky(omp_axdr_put_structure(w, 6u));
    sticky(omp_axdr_put_bitstring(w, conf, 24u));
    sticky(omp_axdr_put_u16(w, srv->cfg.max_pdu));
    sticky(omp_axdr_put_u16(w, srv->pdu));
    sticky(omp_axdr_put_u8(w, 6u));
    sticky(omp_axdr_put_i8(w, 0));
    const uint8_t none[1] = {0u};
    sticky(omp_axdr_put_octets(w, none, 0u));
}

/* Association LN attributes: the Data written to @p w, or a dar. */
static uint8_t assoc_ln(const struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                        int8_t attr, struct omp_wr *w)
{
    if (attr < 1 || attr > (int8_t)ASSOC_LN_ATTRS_V2) {
        return OMP_DAR_OBJECT_UNDEFINED;
    }
    const bool hls = (srv->assoc & OMP_ASSOC_HLS_MGMT) != 0u;
    switch (attr) {
    case 1:
        sticky(omp_axdr_put_octets(w, k_assoc_ln, 6u));
        break;
    case 2:
        return objlist_into(list_of(srv, env), w) == OMP_OK ? OMP_DAR_SUCCESS : OMP_DAR_OTHER_REASON;
    case 3: /* associated_partners_id {client_SAP integer, server_SAP long-unsigned} */
        sticky(omp_axdr_put_structure(w, 2u));
        sticky(omp_axdr_put_i8(w, (int8_t)srv->client_sap));
        sticky(omp_axdr_put_u16(w, srv->server_sap));
        break;
    case 4: /* application_context_name {2, 16, 756, 5, 8, 1, 1 or 3}: LN, with ciphering (HLS) */
        put_oid(w, 1u, hls ? 3u : 1u);
        break;
    case 6: /* authentication_mechanism_name {2, 16, 756, 5, 8, 2, m}: 0 none, 1 LLS, 5 GMAC */
        put_oid(w, 2u, hls ? 5u : (srv->assoc & OMP_ASSOC_LLS) != 0u ? 1u : 0u);
        break;
    case 5:
        put_context_info(srv, w);
        break;
    case 8:
        sticky(omp_axdr_put_enum(w, 2u)); /* associated: the only state a client can read */
        break;
    case 9: /* security_setup_reference: the management association's security setup */
        if (!hls) {
            return OMP_DAR_READ_WRITE_DENIED;
        }
        sticky(omp_axdr_put_octets(w, k_sec_setup_ln, 6u));
        break;
    default:
        return OMP_DAR_READ_WRITE_DENIED; /* 7 the secret (never read), 10, 11: no access */
    }
    return omp_wr_status(w) == OMP_OK ? OMP_DAR_SUCCESS : OMP_DAR_OTHER_REASON;
}

/* Start reading a profile's attribute: a dar; *stream when it is a stream (pg_gen). */
static uint8_t profile_start(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                             uint8_t k, const struct omp_apdu_desc *d,
                             const struct omp_apdu_access *acc, struct omp_wr *w, bool *stream)
{
    *stream = false;
    if ((srv->assoc & PG_READ) == 0u) {
        return OMP_DAR_READ_WRITE_DENIED;
    }
    if (d->class_id != CLASS_PROFILE) {
        return OMP_DAR_OBJECT_CLASS_INCONSISTENT;
    }
    return omp_dlms_priv_pg_start(srv, env, k, d->id, acc, w, stream);
}

/* A profile's attribute whole into @p w (an item of a list, or an answer without blocks). */
static uint8_t profile_attr(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                            uint8_t k, const struct omp_apdu_desc *d,
                            const struct omp_apdu_access *acc, struct omp_wr *w)
{
    bool stream = false;
    uint8_t dar = profile_start(srv, env, k, d, acc, w, &stream);
    if (dar != OMP_DAR_SUCCESS || !stream) {
        return dar;
    }
    size_t mark = omp_wr_len(w), room = omp_wr_room(w), n = 0u;
    bool done = false;
    (void)omp_wr_fill(w, 0u, room);
    omp_err err = omp_dlms_priv_pg_gen(srv, env, w->buf + mark, room, &n, &done);
    omp_wr_truncate(w, mark + n);
    return err != OMP_OK ? dar_of(err) : done ? (uint8_t)OMP_DAR_SUCCESS
                                              : (uint8_t)OMP_DAR_OTHER_REASON;
}

/* Read one attribute: the Data written to @p w and OMP_DAR_SUCCESS, or a dar (nothing written). */
static uint8_t read_attr(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                         const struct omp_apdu_desc *d, const struct omp_apdu_access *acc,
                         struct omp_wr *w)
{
    size_t mark = omp_wr_len(w);
    uint8_t dar;
    uint8_t k = 0;
    if (omp_dlms_priv_pg_find(env, d->obis, &k)) {
        dar = profile_attr(srv, env, k, d, acc, w);
    } else if (acc->present) {
        dar = OMP_DAR_OTHER_REASON; /* no object of this slice has selective access */
    } else if (memcmp(d->obis, k_assoc_ln, 6u) == 0) {
        dar = d->class_id != CLASS_ASSOC_LN ? (uint8_t)OMP_DAR_OBJECT_CLASS_INCONSISTENT
                                            : assoc_ln(srv, env, d->id, w);
    } else if (omp_dlms_priv_is_sec_setup(d->obis)) {
        dar = omp_dlms_priv_sec_get(srv, env, d, w); /* security setup (dlms_sec.c) */
    } else {
        const struct omp_cosem_obj *o = omp_cosem_find(d->obis);
        if (o == NULL) {
            dar = OMP_DAR_OBJECT_UNDEFINED;
        } else if (d->class_id != o->class_id) {
            dar = OMP_DAR_OBJECT_CLASS_INCONSISTENT;
        } else if (d->id < 1) {
            dar = OMP_DAR_OBJECT_UNDEFINED; /* attribute 0 (all): not negotiated */
        } else {
            /* the value, or a structure or table of any length (cosem_setup.c, _calendar.c) */
            omp_err err = omp_cosem_put(env->src, o, (uint8_t)d->id, srv->assoc, w);
            dar = err == OMP_OK ? (uint8_t)OMP_DAR_SUCCESS : dar_of(err);
        }
    }
    if (dar != OMP_DAR_SUCCESS) {
        omp_wr_truncate(w, mark);
    }
    return dar;
}

/* One Get-Data-Result: 00 Data or 01 dar. */
static omp_err put_result(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                          const struct omp_apdu_desc *d, const struct omp_apdu_access *acc,
                          struct omp_wr *w)
{
    size_t mark = omp_wr_len(w);
    (void)omp_wr_u8(w, 0u);
    uint8_t dar = read_attr(srv, env, d, acc, w);
    if (dar != OMP_DAR_SUCCESS) {
        omp_wr_truncate(w, mark);
        (void)omp_wr_u8(w, 1u);
        (void)omp_wr_u8(w, dar);
    }
    return omp_wr_status(w);
}

/* ---- the three GET forms ------------------------------------------------------------------------- */

static void put_rsp_head(struct omp_wr *w, uint8_t choice, uint8_t invoke)
{
    (void)omp_wr_u8(w, OMP_APDU_TAG_GET_RESPONSE);
    (void)omp_wr_u8(w, choice);
    (void)omp_wr_u8(w, invoke);
}

/* GET-response-with-datablock carrying a dar (no transfer running, or it was aborted). */
static omp_err block_dar(struct omp_wr *w, uint8_t invoke, uint32_t number, uint8_t dar)
{
    put_rsp_head(w, 2u, invoke);
    (void)omp_wr_u8(w, 1u); /* last-block */
    (void)omp_wr_u32be(w, number);
    (void)omp_wr_u8(w, 1u);
    return omp_wr_u8(w, dar);
}

/* GET-response-normal carrying a dar. */
static omp_err normal_dar(struct omp_wr *w, uint8_t invoke, uint8_t dar)
{
    put_rsp_head(w, 1u, invoke);
    (void)omp_wr_u8(w, 1u);
    return omp_wr_u8(w, dar);
}

/* Whether an answer may go in blocks (service-specific or GBT). */
static bool can_block(const struct omp_dlms_server *srv)
{
    return (srv->conformance &
            (OMP_CONF_BLOCK_TRANSFER_WITH_GET | OMP_CONF_GENERAL_BLOCK_TRANSFER)) != 0u;
}

/* Room for a block at @p mark: BLOCK_HDR_MAX for its head, then blk_size. */
static omp_err block_room(const struct omp_dlms_server *srv, struct omp_wr *w, size_t mark)
{
    if (omp_wr_fill(w, 0u, BLOCK_HDR_MAX + (size_t)srv->blk_size) != OMP_OK) {
        omp_wr_truncate(w, mark);
        return OMP_ERR_NOSPACE;
    }
    return OMP_OK;
}

/* The block's @p n bytes at mark + BLOCK_HDR_MAX move behind its head @p h; block @p number sent. */
static void block_done(struct omp_dlms_server *srv, struct omp_wr *w, size_t mark,
                       const struct omp_wr *h, size_t n, bool last, uint32_t number)
{
    size_t hl = omp_wr_len(h);
    memmove(w->buf + mark + hl, w->buf + mark + BLOCK_HDR_MAX, n);
    memcpy(w->buf + mark, h->buf, hl);
    omp_wr_truncate(w, mark + hl + n);
    srv->blk_active = !last;
    srv->blk_number = number;
}

/* The head of block @p number (last-block @p last, @p n bytes of data) into @p h: GBT (dlms_gbt.c)
 * or GET-response-with-datablock raw-data. */
static void put_blk_hdr(struct omp_dlms_server *srv, struct omp_wr *h, uint8_t invoke,
                        uint32_t number, bool last, size_t n)
{
    if (srv->blk_gbt) {
        omp_dlms_priv_gbt_hdr(srv, h, last, n);
        return;
    }
    put_rsp_head(h, 2u, invoke);
    (void)omp_wr_u8(h, last ? 1u : 0u);
    (void)omp_wr_u32be(h, number);
    (void)omp_wr_u8(h, 0u); /* raw-data */
    (void)omp_wr_berlen(h, n);
}

/* Block @p number (1..) of the running object_list transfer. In GBT the blocks carry the whole
 * GET-response-normal: its head C4 01 invoke 00 (GBT_PRE bytes) first, then the list. */
static omp_err send_block(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                          uint8_t invoke, uint32_t number, struct omp_wr *w)
{
    const unsigned list = list_of(srv, env);
    const size_t pre = srv->blk_gbt ? GBT_PRE : 0u;
    size_t total = objlist_len(list) + pre, off = (size_t)(number - 1u) * srv->blk_size;
    size_t n = total > off ? total - off : 0u;
    n = n < srv->blk_size ? n : srv->blk_size;
    bool last = off + n >= total;
    size_t mark = omp_wr_len(w);
    put_blk_hdr(srv, w, invoke, number, last, n);
    (void)omp_wr_fill(w, 0u, n);
    omp_err err = omp_wr_status(w);
    if (err == OMP_OK) {
        uint8_t *p = w->buf + omp_wr_len(w) - n;
        const uint8_t head[GBT_PRE] = {OMP_APDU_TAG_GET_RESPONSE, 1u, invoke, 0u};
        struct omp_dlms_win d = {p, off, n, 0u};
        omp_dlms_priv_win_put(&d, head, pre); /* in block 1 only */
        d.pos = pre;
        err = objlist(list, &d);
    }
    if (err != OMP_OK) {
        omp_wr_truncate(w, mark);
        return err;
    }
    srv->blk_active = !last;
    srv->blk_profile = false;
    srv->blk_list = false;
    srv->blk_number = number;
    return OMP_OK;
}

/* Block @p number of a profile attribute: its next bytes, generated at mark + BLOCK_HDR_MAX,
 * then moved behind the header. @p first: a whole answer goes as GET-response-normal; in GBT
 * the first block starts with that response's head (C4 01 invoke 00). */
static omp_err pg_block(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                        uint8_t invoke, uint32_t number, struct omp_wr *w, bool first)
{
    size_t mark = omp_wr_len(w), n = 0u;
    const bool pre = first && srv->blk_gbt; /* block 1 in GBT: C4 01 invoke 00, then rows */
    bool done = false;
    if (block_room(srv, w, mark) != OMP_OK) {
        return OMP_ERR_NOSPACE;
    }
    omp_err err = omp_dlms_priv_pg_gen(srv, env, w->buf + mark + BLOCK_HDR_MAX,
                                       srv->blk_size - (pre ? GBT_PRE : 0u), &n, &done);
    uint8_t hdr[BLOCK_HDR_MAX + GBT_PRE];
    struct omp_wr h = omp_wr_init(hdr, sizeof hdr);
    if (err != OMP_OK || (!done && !can_block(srv))) {
        omp_wr_truncate(w, mark);
        srv->blk_active = false;
        uint8_t dar = err == OMP_ERR_STATE ? (uint8_t)OMP_DAR_DATA_BLOCK_UNAVAILABLE /* the log
                                                         changed: rows due are gone */
                      : err != OMP_OK ? dar_of(err)
                                      : (uint8_t)OMP_DAR_OTHER_REASON;
        if (first) {
            return normal_dar(w, invoke, dar);
        }
        if (srv->blk_gbt) { /* a GBT stream cannot carry a dar: the exchange ends */
            return omp_dlms_priv_exception(w, OMP_STATE_ERROR_SERVICE_NOT_ALLOWED,
                                           OMP_SERVICE_ERROR_OTHER_REASON);
        }
        return block_dar(w, invoke, number, dar);
    }
    if (!(first && done)) {
        put_blk_hdr(srv, &h, invoke, number, done, n + (pre ? GBT_PRE : 0u));
    }
    if (first && (done || pre)) {
        put_rsp_head(&h, 1u, invoke);
        (void)omp_wr_u8(&h, 0u);
    }
    block_done(srv, w, mark, &h, n, done, number);
    srv->blk_profile = true;
    srv->blk_list = false;
    return OMP_OK;
}

/* GET-request-normal of a profile's attribute: short ones whole, 2 and 3 through pg_block. */
static omp_err pg_normal(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                         const struct omp_apdu *q, uint8_t k, struct omp_wr *w, size_t limit)
{
    size_t mark = omp_wr_len(w);
    bool stream = false;
    put_rsp_head(w, 1u, q->invoke);
    (void)omp_wr_u8(w, 0u);
    uint8_t dar = profile_start(srv, env, k, &q->u.get_req.desc, &q->u.get_req.access, w,
                                &stream);
    if (dar == OMP_DAR_SUCCESS && stream && limit > BLOCK_HDR_MAX) {
        omp_wr_truncate(w, mark);
        srv->blk_size = (uint16_t)(limit - BLOCK_HDR_MAX);
        srv->blk_invoke = q->invoke;
        return pg_block(srv, env, q->invoke, 1u, w, true);
    }
    if (dar != OMP_DAR_SUCCESS || stream || omp_wr_len(w) - mark > limit) {
        omp_wr_truncate(w, mark);
        return normal_dar(w, q->invoke,
                          dar != OMP_DAR_SUCCESS ? dar : (uint8_t)OMP_DAR_OTHER_REASON);
    }
    return omp_wr_status(w);
}

static omp_err get_normal(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                          const struct omp_apdu *q, struct omp_wr *w, size_t limit)
{
    const struct omp_apdu_desc *d = &q->u.get_req.desc;
    srv->blk_active = false; /* a new GET ends a transfer the client left */
    /* long answers go in GBT blocks when it was negotiated (docs/dlms-server.md) */
    srv->blk_gbt = (srv->conformance & OMP_CONF_GENERAL_BLOCK_TRANSFER) != 0u;
    uint8_t k = 0;
    if (omp_dlms_priv_pg_find(env, d->obis, &k)) {
        return pg_normal(srv, env, q, k, w, limit);
    }
    if (d->class_id == CLASS_ASSOC_LN && d->id == 2 && memcmp(d->obis, k_assoc_ln, 6u) == 0 &&
        !q->u.get_req.access.present && objlist_len(list_of(srv, env)) + 4u > limit) {
        if (!can_block(srv)) {
            return normal_dar(w, q->invoke, OMP_DAR_OTHER_REASON); /* too long for one PDU */
        }
        srv->blk_size = (uint16_t)(limit - BLOCK_HDR_MAX);
        srv->blk_invoke = q->invoke;
        return send_block(srv, env, q->invoke, 1u, w);
    }
    size_t mark = omp_wr_len(w);
    put_rsp_head(w, 1u, q->invoke);
    omp_err err = put_result(srv, env, d, &q->u.get_req.access, w);
    if (err != OMP_OK || omp_wr_len(w) - mark > limit) {
        omp_wr_truncate(w, mark);
        err = normal_dar(w, q->invoke, OMP_DAR_OTHER_REASON);
    }
    return err;
}

static omp_err list_block(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                          uint8_t invoke, uint32_t number, struct omp_wr *w);

/* The block after the last sent, of whichever transfer runs. */
static omp_err next_block(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                          uint8_t invoke, struct omp_wr *w)
{
    const uint32_t n = srv->blk_number + 1u;
    return srv->blk_list      ? list_block(srv, env, invoke, n, w)
           : srv->blk_profile ? pg_block(srv, env, invoke, n, w, false)
                              : send_block(srv, env, invoke, n, w);
}

static omp_err get_next(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                        const struct omp_apdu *q, struct omp_wr *w, size_t limit)
{
    uint32_t n = q->u.get_req.block_number;
    if (!srv->blk_active || srv->blk_gbt) { /* a GBT transfer goes on with GBT acks only */
        srv->blk_active = false;
        return block_dar(w, q->invoke, n, OMP_DAR_NO_LONG_GET_IN_PROGRESS);
    }
    if (n != srv->blk_number || limit < (size_t)srv->blk_size + BLOCK_HDR_MAX) {
        /* the client lost its place (or the caller's buffer shrank): start again from GET */
        srv->blk_active = false;
        return block_dar(w, q->invoke, n, OMP_DAR_LONG_GET_ABORTED);
    }
    return next_block(srv, env, q->invoke, w);
}

/* Block @p number of a GET-with-list's answer (Green Book: the list of Get-Data-Result, count
 * first, as raw-data; in GBT the GET-response-with-list whole: C4 03 invoke, count, results).
 * A block holds whole items; an item is read when its block is made. An item that would not fit
 * the block's rest goes into the next block; alone in a block and still too long, it is answered
 * other-reason (what put_result writes when the room runs out). */
static omp_err list_block(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                          uint8_t invoke, uint32_t number, struct omp_wr *w)
{
    size_t mark = omp_wr_len(w);
    if (block_room(srv, w, mark) != OMP_OK) {
        return OMP_ERR_NOSPACE;
    }
    struct omp_wr b = omp_wr_init(w->buf + mark + BLOCK_HDR_MAX, srv->blk_size);
    if (number == 1u) {
        if (srv->blk_gbt) {
            put_rsp_head(&b, 3u, invoke);
        }
        (void)omp_wr_berlen(&b, srv->lst_count);
    }
    const size_t first = omp_wr_len(&b);
    struct omp_rd it = omp_rd_init(srv->gbt_buf, srv->lst_len);
    for (uint8_t k = 0u; k < srv->lst_count; k++) {
        struct omp_apdu_desc d;
        struct omp_apdu_access acc;
        size_t m = omp_wr_len(&b);
        if (omp_apdu_list_next_desc(&it, &d, &acc) != OMP_OK) {
            break; /* (decoded once already: not reached) */
        }
        if (k < srv->lst_next) {
            continue;
        }
        (void)put_result(srv, env, &d, &acc, &b);
        if (m > first && (omp_wr_status(&b) != OMP_OK ||
                          (b.buf[m] == 1u && b.buf[m + 1u] == OMP_DAR_OTHER_REASON))) {
            omp_wr_truncate(&b, m); /* perhaps the room: the next block tries it first */
            break;
        }
        srv->lst_next = (uint8_t)(k + 1u);
    }
    const size_t n = omp_wr_len(&b);
    const bool last = srv->lst_next >= srv->lst_count;
    uint8_t hdr[BLOCK_HDR_MAX];
    struct omp_wr h = omp_wr_init(hdr, sizeof hdr);
    put_blk_hdr(srv, &h, invoke, number, last, n);
    block_done(srv, w, mark, &h, n, last, number);
    return OMP_OK;
}

/* Each item answered on its own. An answer longer than one PDU goes in blocks when its item
 * list fits gbt_buf and block transfer (service-specific or GBT) was negotiated; otherwise it is
 * refused as a whole (EXCEPTION-response pdu-too-long). */
static omp_err get_list(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                        const struct omp_apdu *q, struct omp_wr *w, size_t limit)
{
    srv->blk_active = false;
    size_t mark = omp_wr_len(w);
    put_rsp_head(w, 3u, q->invoke);
    (void)omp_wr_berlen(w, q->u.get_req.list.count);
    struct omp_rd it = omp_rd_init(q->u.get_req.list.items.ptr, q->u.get_req.list.items.len);
    omp_err err = omp_wr_status(w);
    for (size_t k = 0; k < q->u.get_req.list.count && err == OMP_OK; k++) {
        struct omp_apdu_desc d;
        struct omp_apdu_access acc;
        err = omp_apdu_list_next_desc(&it, &d, &acc);
        if (err == OMP_OK) {
            err = put_result(srv, env, &d, &acc, w);
        }
    }
    if (err == OMP_OK && omp_wr_len(w) - mark <= limit) {
        return OMP_OK;
    }
    omp_wr_truncate(w, mark);
    const size_t items = q->u.get_req.list.items.len;
    if ((err == OMP_OK || err == OMP_ERR_NOSPACE) && items <= sizeof srv->gbt_buf &&
        can_block(srv)) {
        memmove(srv->gbt_buf, q->u.get_req.list.items.ptr, items); /* (it may be gbt_buf's) */
        srv->lst_len = (uint8_t)items;
        srv->lst_count = (uint8_t)q->u.get_req.list.count;
        srv->lst_next = 0u;
        srv->blk_gbt = (srv->conformance & OMP_CONF_GENERAL_BLOCK_TRANSFER) != 0u;
        srv->blk_list = true;
        srv->blk_profile = false;
        srv->blk_size = (uint16_t)(limit - BLOCK_HDR_MAX);
        srv->blk_invoke = q->invoke;
        return list_block(srv, env, q->invoke, 1u, w);
    }
    return omp_dlms_priv_exception(w, OMP_STATE_ERROR_SERVICE_NOT_ALLOWED,
                                   OMP_SERVICE_ERROR_PDU_TOO_LONG);
}

omp_err omp_dlms_priv_get_more(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                               struct omp_wr *out, size_t limit)
{
    if (limit < (size_t)srv->blk_size + BLOCK_HDR_MAX) { /* (the caller's buffer shrank) */
        srv->blk_active = false;
        return omp_dlms_priv_exception(out, OMP_STATE_ERROR_SERVICE_NOT_ALLOWED,
                                       OMP_SERVICE_ERROR_OPERATION_NOT_POSSIBLE);
    }
    return next_block(srv, env, srv->blk_invoke, out);
}

omp_err omp_dlms_priv_get(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                          const struct omp_apdu *req, struct omp_wr *out, size_t limit)
{
    switch (req->kind) {
    case OMP_APDU_GET_REQ_NORMAL:
        return get_normal(srv, env, req, out, limit);
    case OMP_APDU_GET_REQ_NEXT:
        return get_next(srv, env, req, out, limit);
    default:
        return get_list(srv, env, req, out, limit);
    }
}

#else
typedef int omp_dlms_get_unused; /* ISO C forbids an empty translation unit */
#endif /* OMP_CONFIG_DLMS */

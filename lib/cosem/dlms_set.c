/*
 * SET and ACTION for the DLMS server (dlms_server.h, docs/dlms-server.md "SET and ACTION").
 *
 * SET: normal, with list, with block transfer (SET-request-with-first-datablock and
 * -with-datablock, service-specific: DataBlock-SA raw-data, the value's bytes kept in the server
 * until the last block). A dictionary object is written through omp_cosem_set with the
 * association's bit, so the table's write rights decide and the write goes where an optical
 * write goes (the setter, then the meter's ops into the owning service). The Data is first
 * checked against the attribute's type as a GET shows it. Association LN attribute 7 (the LLS
 * secret) goes to the source's set_lls_secret op. Each item gets a data-access-result:
 *   object-undefined (4)       no such object, or attribute outside its class;
 *   object-class-inconsistent  the class_id is not the object's;
 *   read-write-denied (3)      no write right here (legal data, read-only attribute, an object
 *                              the association does not see, the LLS secret from public);
 *   scope-of-access-violated   the attribute is writable, but from another association only
 *                              (R(W): the primary module port's, technical facts 11.1);
 *   type-unmatched (12)        the Data's type is not the attribute's;
 *   object-unavailable (11)    the meter keeps no value for it, or not in this configuration;
 *   hardware-fault (1)         the NVM or the RTC failed;
 *   other-reason (250)         a value out of range, a selective access, a clock DST bit that
 *                              contradicts the rule.
 *
 * ACTION: normal, with list, with parameter blocks. No method of the OMNIPOWER object list is
 * granted to a client (technical facts 11.3, 11.6: no method access), so an existing method is
 * refused with read-write-denied; Association LN's and the security setup's methods go to
 * omp_dlms_priv_security_method (dlms_method_sec.c).
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

#define CLASS_PROFILE        7u
#define CLASS_ASSOC_LN       15u
#define CLASS_SECURITY_SETUP 64u
#define ASSOC_LN_ATTRS       9u
#define ASSOC_LN_LLS_SECRET  7
#define PROFILE_ATTRS        8
/* Associations that see the profiles and write the LLS secret (technical facts 11.3). */
#define PG_READ      (OMP_ASSOC_LLS | OMP_ASSOC_HLS_MGMT)
#define SECRET_WRITE (OMP_ASSOC_LLS | OMP_ASSOC_HLS_MGMT)

static const uint8_t k_assoc_ln[6] = {0u, 0u, 40u, 0u, 0u, 255u};

/* An error as a data-access-result (dlms_priv.h). */
uint8_t omp_dlms_priv_dar_of(omp_err e, bool write)
{
    switch (e) {
    case OMP_OK:
        return OMP_DAR_SUCCESS;
    case OMP_ERR_DENIED:
        return OMP_DAR_READ_WRITE_DENIED;
    case OMP_ERR_NOT_FOUND:
        return OMP_DAR_OBJECT_UNDEFINED;
    case OMP_ERR_MALFORMED:
        return write ? (uint8_t)OMP_DAR_TYPE_UNMATCHED : (uint8_t)OMP_DAR_OTHER_REASON;
    case OMP_ERR_UNSUPPORTED:
        return write ? (uint8_t)OMP_DAR_OBJECT_UNAVAILABLE : (uint8_t)OMP_DAR_OTHER_REASON;
    case OMP_ERR_NVM_FULL:
        return write ? (uint8_t)OMP_DAR_HARDWARE_FAULT : (uint8_t)OMP_DAR_OTHER_REASON;
    case OMP_ERR_HAL:
    case OMP_ERR_HAL_IO:
    case OMP_ERR_POWER_LOST:
    case OMP_ERR_NVM_CORRUPT:
    case OMP_ERR_NVM_WORN:
        return OMP_DAR_HARDWARE_FAULT;
    default:
        return OMP_DAR_OTHER_REASON; /* OMP_ERR_RANGE and the rest */
    }
}

/* A setter's or op's error as a data-access-result. */
static uint8_t dar_of(omp_err e)
{
    return omp_dlms_priv_dar_of(e, true);
}

/* ---- the value ------------------------------------------------------------------------------- */

/* The clock's new value (technical facts 11.6): a date-time, or an octet-string of 12, fully
 * given but hundredths and day of week, as omp_dlms_priv_utc_of() reads it. A given status must
 * have bit 7 set inside DST and clear outside, as the meter's rule has it. */
static omp_err clock_value(const struct omp_cosem_src *s, const struct omp_axdr_elem *e,
                           struct omp_value *v)
{
    omp_time_s utc = 0;
    uint8_t st = 0;
    omp_err err = omp_dlms_priv_utc_of(s, e, &utc, &st);
    if (err != OMP_OK) {
        return err;
    }
    if (st != 0xFFu && ((st & OMP_AXDR_STATUS_DST) != 0u) != omp_dst_active(s->dst_rule, utc)) {
        return OMP_ERR_RANGE;
    }
    *v = omp_value_datetime(utc, 0, 0u, false);
    return OMP_OK;
}

/* The Data at @p p as a value of the type the attribute has now (@p cur). */
static OMP_NOINLINE omp_err value_of(const struct omp_cosem_src *s, const struct omp_value *cur,
                                     const uint8_t *p, size_t n, struct omp_value *v)
{
    struct omp_rd rd = omp_rd_init(p, n);
    struct omp_axdr_elem e;
    if (omp_axdr_next(&rd, &e) != OMP_OK || omp_rd_remaining(&rd) != 0u) {
        return OMP_ERR_MALFORMED; /* not one simple Data */
    }
    switch (cur->type) {
    case OMP_VT_NULL:
        return OMP_ERR_UNSUPPORTED; /* the meter keeps no value for it */
    case OMP_VT_DATETIME:
        return clock_value(s, &e, v);
    case OMP_VT_OCTETS:
    case OMP_VT_VISIBLE:
        return e.tag != cur->type ? OMP_ERR_MALFORMED
                                  : omp_value_bytes((enum omp_vtype)cur->type, e.data, e.len, v);
    default:
        break;
    }
    if (!omp_value_is_number(cur) || e.tag != cur->type) {
        return OMP_ERR_MALFORMED;
    }
    *v = omp_value_is_signed(cur) ? omp_value_int((enum omp_vtype)cur->type, e.v.i, cur->scaler,
                                                  (enum omp_unit)cur->unit)
                                  : omp_value_uint((enum omp_vtype)cur->type, e.v.u, cur->scaler,
                                                   (enum omp_unit)cur->unit);
    return OMP_OK;
}

/* ---- one attribute -----------------------------------------------------------------------------
 */

/* Not writable here: is it writable from another association (a right out of this one's scope)? */
static uint8_t refused(const struct omp_cosem_obj *o, uint8_t attr)
{
    for (unsigned b = 1u; b <= (unsigned)OMP_ASSOC_LOCAL; b <<= 1) {
        if (omp_cosem_writable(o, attr, b)) {
            return OMP_DAR_SCOPE_OF_ACCESS_VIOLATED;
        }
    }
    return OMP_DAR_READ_WRITE_DENIED;
}

static uint8_t write_dict(const struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                          const struct omp_apdu_desc *d, bool selective, const uint8_t *p, size_t n)
{
    const struct omp_cosem_obj *o = omp_cosem_find(d->obis);
    if (o == NULL) {
        return OMP_DAR_OBJECT_UNDEFINED;
    }
    if (d->class_id != o->class_id) {
        return OMP_DAR_OBJECT_CLASS_INCONSISTENT;
    }
    if (d->id < 1 || d->id > (int8_t)omp_cosem_attr_count(o)) {
        return OMP_DAR_OBJECT_UNDEFINED;
    }
    const uint8_t attr = (uint8_t)d->id;
    if ((o->read & srv->assoc) == 0u) {
        return OMP_DAR_READ_WRITE_DENIED; /* an object this association does not see */
    }
    if (!omp_cosem_writable(o, attr, srv->assoc)) {
        return refused(o, attr);
    }
    if (selective) {
        return OMP_DAR_OTHER_REASON; /* no attribute is written with a selective access */
    }
    if (omp_cosem_priv_cal_axdr(o, attr)) { /* a calendar's table (cosem_calendar.c) */
        return dar_of(omp_cosem_priv_cal_write(env->src, o, attr, p, n));
    }
    struct omp_value cur, v;
    /* the attribute's type, from its getter: a write-only one (a command) is not readable */
    omp_err err = o->get(env->src, o, attr, &cur);
    if (err == OMP_OK) {
        err = value_of(env->src, &cur, p, n, &v);
    }
    if (err == OMP_OK) {
        err = omp_cosem_set(env->src, o, attr, srv->assoc, &v);
    }
    return dar_of(err);
}

/* Association LN: attribute 7, the LLS secret (octet-string 1..16), written by the LLS
 * associations; the rest is read-only or not served. */
static uint8_t write_assoc_ln(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                              const struct omp_apdu_desc *d, const uint8_t *p, size_t n)
{
    if (d->class_id != CLASS_ASSOC_LN) {
        return OMP_DAR_OBJECT_CLASS_INCONSISTENT;
    }
    if (d->id < 1 || d->id > (int8_t)ASSOC_LN_ATTRS + 2) { /* 10, 11: version 2's, as GET */
        return OMP_DAR_OBJECT_UNDEFINED;
    }
    if (d->id != ASSOC_LN_LLS_SECRET || (srv->assoc & SECRET_WRITE) == 0u) {
        return OMP_DAR_READ_WRITE_DENIED;
    }
    struct omp_rd rd = omp_rd_init(p, n);
    struct omp_axdr_elem e;
    if (omp_axdr_next(&rd, &e) != OMP_OK || omp_rd_remaining(&rd) != 0u ||
        e.tag != OMP_AXDR_TAG_OCTET_STRING) {
        return OMP_DAR_TYPE_UNMATCHED;
    }
    if (e.len == 0u || e.len > OMP_DLMS_LLS_SECRET_MAX) {
        return OMP_DAR_OTHER_REASON;
    }
    const struct omp_cosem_ops *ops = env->src->ops;
    if (ops == NULL || ops->set_lls_secret == NULL) {
        return OMP_DAR_READ_WRITE_DENIED; /* nowhere to keep it */
    }
    omp_err err = ops->set_lls_secret(env->src->user, e.data, e.len);
    if (err == OMP_OK) {
        err = omp_dlms_server_set_secret(srv, e.data, e.len); /* also when the op did not */
    }
    return dar_of(err);
}

/* A profile's attribute: only capture_period (4) of the load profile (k 0) and the analysis
 * logger (k 1) is written (technical facts 11.3: RW), by the associations that see them. */
static uint8_t write_period(const struct omp_dlms_server *srv,
                            const struct omp_dlms_server_env *env, uint8_t k,
                            const struct omp_apdu_desc *d, const struct omp_apdu_access *acc,
                            const uint8_t *p, size_t n)
{
    if (d->id != 4 || k > 1u || (srv->assoc & PG_READ) == 0u) {
        return OMP_DAR_READ_WRITE_DENIED;
    }
    if (acc->present) {
        return OMP_DAR_OTHER_REASON;
    }
    struct omp_rd rd = omp_rd_init(p, n);
    struct omp_axdr_elem e;
    if (omp_axdr_next(&rd, &e) != OMP_OK || omp_rd_remaining(&rd) != 0u ||
        e.tag != OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED) {
        return OMP_DAR_TYPE_UNMATCHED;
    }
    const uint8_t param = k == 0u ? (uint8_t)OMP_PARAM_LP_PERIOD : (uint8_t)OMP_PARAM_AN_PERIOD;
    const struct omp_cosem_ops *ops = env->src->ops;
    if (!omp_cosem_param_valid((enum omp_cosem_param)param, (uint32_t)e.v.u)) {
        return OMP_DAR_OTHER_REASON;
    }
    return dar_of(ops == NULL || ops->set_param == NULL
                      ? OMP_ERR_UNSUPPORTED
                      : ops->set_param(env->src->user, param, (uint32_t)e.v.u));
}

/* Write one attribute from the Data at @p p (@p n bytes): a data-access-result. */
static uint8_t write_attr(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                          const struct omp_apdu_desc *d, const struct omp_apdu_access *acc,
                          const uint8_t *p, size_t n)
{
    uint8_t k = 0;
    if (omp_dlms_priv_pg_find(env, d->obis, &k)) {
        if (d->class_id != CLASS_PROFILE) {
            return OMP_DAR_OBJECT_CLASS_INCONSISTENT;
        }
        return d->id < 1 || d->id > PROFILE_ATTRS ? (uint8_t)OMP_DAR_OBJECT_UNDEFINED
                                                  : write_period(srv, env, k, d, acc, p, n);
    }
    if (memcmp(d->obis, k_assoc_ln, 6u) == 0) {
        return acc->present ? (uint8_t)OMP_DAR_OTHER_REASON : write_assoc_ln(srv, env, d, p, n);
    }
    return write_dict(srv, env, d, acc->present, p, n);
}

/* ---- SET ------------------------------------------------------------------------------------- */

static void put_head(struct omp_wr *w, uint8_t tag, uint8_t choice, uint8_t invoke)
{
    (void)omp_wr_u8(w, tag);
    (void)omp_wr_u8(w, choice);
    (void)omp_wr_u8(w, invoke);
}

static omp_err set_normal(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                          const struct omp_apdu *q, struct omp_wr *w)
{
    const struct omp_apdu_span *v = &q->u.set_req.value;
    uint8_t dar = write_attr(srv, env, &q->u.set_req.desc, &q->u.set_req.access, v->ptr, v->len);
    put_head(w, OMP_APDU_TAG_SET_RESPONSE, 1u, q->invoke);
    return omp_wr_u8(w, dar);
}

/* The value's next block into the server; false (transfer over) when it does not fit. */
static bool take_block(struct omp_dlms_server *srv, const struct omp_apdu_block *b)
{
    if (b->raw.len > (size_t)OMP_DLMS_SET_BLOCK_MAX - srv->set_len) {
        srv->set_active = false;
        return false;
    }
    if (b->raw.len != 0u) {
        memcpy(srv->set_buf + srv->set_len, b->raw.ptr, b->raw.len);
    }
    srv->set_len = (uint16_t)(srv->set_len + b->raw.len);
    srv->set_block = b->block_number;
    return true;
}

/* The transfer's value (or parameters) is whole: write it (call the method); the dar. */
static uint8_t transfer_done(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env);

/* Acknowledge block @p b of a transfer (SET-response-datablock, ACTION-response-next-pblock) or,
 * after the last or on an error, answer it (SET-response-last-datablock, ACTION-response-normal).
 */
static omp_err block_answer(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                            uint8_t invoke, const struct omp_apdu_block *b, uint8_t err_dar,
                            struct omp_wr *w)
{
    bool method = srv->set_method;
    uint8_t dar = err_dar;
    if (dar == OMP_DAR_SUCCESS && !b->last) {
        put_head(w, method ? OMP_APDU_TAG_ACTION_RESPONSE : OMP_APDU_TAG_SET_RESPONSE,
                 method ? 4u : 2u, invoke);
        return omp_wr_u32be(w, b->block_number);
    }
    if (dar == OMP_DAR_SUCCESS) {
        dar = transfer_done(srv, env);
    }
    srv->set_active = false;
    if (method) {
        put_head(w, OMP_APDU_TAG_ACTION_RESPONSE, 1u, invoke);
        (void)omp_wr_u8(w, dar); /* action-result and data-access-result share these codes */
        return omp_wr_u8(w, 0u); /* no return parameters */
    }
    put_head(w, OMP_APDU_TAG_SET_RESPONSE, 3u, invoke);
    (void)omp_wr_u8(w, dar);
    return omp_wr_u32be(w, b->block_number);
}

/* A block of a transfer: @p first, SET-request-with-first-datablock or ACTION-request-with-
 * first-pblock (a transfer starts); else SET-request-with-datablock or ACTION-request-with-pblock
 * (the running transfer's next block). */
static omp_err part(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                    const struct omp_apdu *q, bool method, bool first, struct omp_wr *w)
{
    const struct omp_apdu_desc *d = method ? &q->u.action_req.desc : &q->u.set_req.desc;
    const struct omp_apdu_block *b = method ? &q->u.action_req.pblock : &q->u.set_req.block;
    const uint8_t aborted =
        method ? (uint8_t)OMP_ACTION_LONG_ACTION_ABORTED : (uint8_t)OMP_DAR_LONG_SET_ABORTED;
    uint8_t dar = OMP_DAR_SUCCESS;
    if (first) {
        srv->set_active = true;
        srv->set_method = method;
        srv->set_invoke = q->invoke;
        memcpy(srv->set_obis, d->obis, 6u);
        srv->set_class = d->class_id;
        srv->set_attr = d->id;
        srv->set_len = 0u;
        srv->set_block = 0u;
        if (!method && q->u.set_req.access.present) {
            dar = OMP_DAR_OTHER_REASON; /* no attribute is written with a selective access */
        } else if (b->block_number != 1u) {
            dar = method ? (uint8_t)OMP_ACTION_LONG_ACTION_ABORTED
                         : (uint8_t)OMP_DAR_DATA_BLOCK_NUMBER_INVALID;
        } else if (!take_block(srv, b)) {
            dar = aborted;
        }
    } else if (!srv->set_active || srv->set_method != method) {
        srv->set_active = false;
        srv->set_method = method;
        dar = method ? (uint8_t)OMP_ACTION_NO_LONG_ACTION_IN_PROGRESS
                     : (uint8_t)OMP_DAR_NO_LONG_SET_IN_PROGRESS;
    } else if (b->block_number != srv->set_block + 1u || !take_block(srv, b)) {
        dar = aborted; /* the client lost its place, or the value is too long for any attribute */
    }
    return block_answer(srv, env, q->invoke, b, dar, w);
}

/* ---- ACTION ------------------------------------------------------------------------------------
 */

/* Whether class @p cls has method @p id (Blue Book: 3 and 4 reset; 7 reset, capture; 8
 * adjust_to_quarter .. shift_time). */
static bool has_method(uint16_t cls, int8_t id)
{
    switch (cls) {
    case OMP_CLASS_REGISTER:
    case OMP_CLASS_EXT_REGISTER:
        return id == 1;
    case CLASS_PROFILE:
        return id == 1 || id == 2;
    case OMP_CLASS_CLOCK:
        return id >= 1 && id <= 6;
    default: /* the dictionary's classes with methods (cosem.c) */
        return id >= 1 && id <= (int8_t)omp_cosem_method_count(cls);
    }
}

/* Invoke method @p m with the Data at @p p (@p n bytes; none: 0): an action-result; return
 * parameters (one Data) written to @p ret and *has_ret set. */
static uint8_t invoke_method(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                             const struct omp_apdu_desc *m, const uint8_t *p, size_t n,
                             struct omp_wr *ret, bool *has_ret)
{
    *has_ret = false;
    uint8_t k = 0;
    uint16_t cls = 0u;
    if (m->class_id == CLASS_SECURITY_SETUP || memcmp(m->obis, k_assoc_ln, 6u) == 0) {
        if (m->class_id != CLASS_SECURITY_SETUP && m->class_id != CLASS_ASSOC_LN) {
            return OMP_ACTION_OBJECT_CLASS_INCONSISTENT;
        }
        return omp_dlms_priv_security_method(srv, env, m, p, n, ret, has_ret);
    }
    if (omp_dlms_priv_pg_find(env, m->obis, &k)) {
        cls = CLASS_PROFILE;
    } else {
        const struct omp_cosem_obj *o = omp_cosem_find(m->obis);
        if (o == NULL) {
            return OMP_ACTION_OBJECT_UNDEFINED;
        }
        cls = o->class_id;
        if (m->class_id == cls && m->id >= 1 && m->id <= (int8_t)omp_cosem_method_count(o->class_id)) {
            (void)p; /* the dictionary's methods take no parameters (integer 0 or none) */
            (void)n;
            if ((o->read & srv->assoc) == 0u) {
                return OMP_ACTION_READ_WRITE_DENIED;
            }
            return dar_of(omp_cosem_action(env->src, o, (uint8_t)m->id, srv->assoc));
        }
    }
    if (m->class_id != cls) {
        return OMP_ACTION_OBJECT_CLASS_INCONSISTENT;
    }
    /* the object list grants no method (legal logs and registers, the clock: 11.3, 11.6) */
    return has_method(cls, m->id) ? (uint8_t)OMP_ACTION_READ_WRITE_DENIED
                                  : (uint8_t)OMP_ACTION_OBJECT_UNDEFINED;
}

static uint8_t transfer_done(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env)
{
    struct omp_apdu_desc d;
    d.class_id = srv->set_class;
    memcpy(d.obis, srv->set_obis, 6u);
    d.id = srv->set_attr;
    if (srv->set_method) {
        uint8_t tmp[OMP_DLMS_SET_BLOCK_MAX];
        struct omp_wr ret = omp_wr_init(tmp, sizeof tmp);
        bool has_ret = false; /* return parameters after parameter blocks: not sent (none yet) */
        return invoke_method(srv, env, &d, srv->set_buf, srv->set_len, &ret, &has_ret);
    }
    const struct omp_apdu_access none = {false, 0u, {NULL, 0u}};
    return write_attr(srv, env, &d, &none, srv->set_buf, srv->set_len);
}

/* ACTION-response-normal; return parameters longer than the PDU: other-reason, none sent. */
static omp_err action_normal(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                             const struct omp_apdu *q, struct omp_wr *w, size_t limit)
{
    const struct omp_apdu_span *pr = &q->u.action_req.params;
    size_t mark = omp_wr_len(w);
    put_head(w, OMP_APDU_TAG_ACTION_RESPONSE, 1u, q->invoke);
    (void)omp_wr_u8(w, 0u); /* the result, patched below */
    (void)omp_wr_u8(w, 1u); /* return-parameters present, */
    (void)omp_wr_u8(w, 0u); /* as data: then the method writes its Data */
    bool has_ret = false;
    uint8_t r =
        invoke_method(srv, env, &q->u.action_req.desc, q->u.action_req.has_params ? pr->ptr : NULL,
                      q->u.action_req.has_params ? pr->len : 0u, w, &has_ret);
    if (has_ret && (omp_wr_status(w) != OMP_OK || omp_wr_len(w) - mark > limit)) {
        has_ret = false;
        r = OMP_ACTION_OTHER_REASON;
    }
    if (!has_ret) {
        omp_wr_truncate(w, mark + 4u);
        (void)omp_wr_u8(w, 0u); /* no return parameters */
    }
    w->buf[mark + 3u] = r;
    return omp_wr_status(w);
}

/* SET- and ACTION-request-with-list: each item on its own, in order. SET: pairs (descriptor,
 * Data), one dar each; ACTION: pairs (method descriptor, Data: null-data for a method without
 * parameters), one Action-Response-With-Optional-Data each. */
static omp_err with_list(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                         const struct omp_apdu *q, bool method, struct omp_wr *w, size_t limit)
{
    const struct omp_apdu_list *dl = method ? &q->u.action_req.list : &q->u.set_req.list;
    const struct omp_apdu_list *vl = method ? &q->u.action_req.params_list : &q->u.set_req.values;
    if (dl->count != vl->count || (method ? 2u : 1u) * dl->count + 8u > limit) {
        return omp_dlms_priv_exception(w, OMP_STATE_ERROR_SERVICE_NOT_ALLOWED,
                                       dl->count != vl->count
                                           ? (uint8_t)OMP_SERVICE_ERROR_OTHER_REASON
                                           : (uint8_t)OMP_SERVICE_ERROR_PDU_TOO_LONG);
    }
    size_t mark = omp_wr_len(w);
    put_head(w, method ? OMP_APDU_TAG_ACTION_RESPONSE : OMP_APDU_TAG_SET_RESPONSE,
             method ? 3u : 5u, q->invoke);
    (void)omp_wr_berlen(w, dl->count);
    struct omp_rd di = omp_rd_init(dl->items.ptr, dl->items.len);
    struct omp_rd vi = omp_rd_init(vl->items.ptr, vl->items.len);
    omp_err err = omp_wr_status(w);
    for (size_t k = 0; k < dl->count && err == OMP_OK; k++) {
        struct omp_apdu_desc d;
        struct omp_apdu_access acc;
        struct omp_apdu_span v;
        err = method ? omp_apdu_list_next_method(&di, &d) : omp_apdu_list_next_desc(&di, &d, &acc);
        if (err == OMP_OK) {
            err = omp_apdu_list_next_data(&vi, &v);
        }
        if (err != OMP_OK) {
            break;
        }
        if (!method) {
            err = omp_wr_u8(w, write_attr(srv, env, &d, &acc, v.ptr, v.len));
            continue;
        }
        uint8_t tmp[OMP_DLMS_SET_BLOCK_MAX];
        struct omp_wr ret = omp_wr_init(tmp, sizeof tmp);
        bool has_ret = false; /* return parameters in a list: not sent (none yet) */
        (void)omp_wr_u8(w, invoke_method(srv, env, &d, v.ptr, v.len, &ret, &has_ret));
        err = omp_wr_u8(w, 0u);
    }
    if (err != OMP_OK) {
        omp_wr_truncate(w, mark);
        return omp_dlms_priv_exception(w, OMP_STATE_ERROR_SERVICE_UNKNOWN,
                                       OMP_SERVICE_ERROR_OTHER_REASON);
    }
    return OMP_OK;
}

/* ---- dispatch ----------------------------------------------------------------------------------
 */

/* The conformance bits a request form needs: SET or ACTION, and by its choice (1..6) bit 0
 * multiple-references, bit 1 block-transfer-with-set or -with-action. SET: normal, first-datablock,
 * datablock, list, list-and-first-datablock; ACTION: normal, next-pblock, list, first-pblock,
 * list-and-first-pblock, pblock. */
static OMP_NOINLINE uint32_t needs(enum omp_apdu_kind k, bool method)
{
    static const uint8_t k_set[5] = {0u, 2u, 2u, 1u, 3u};
    static const uint8_t k_action[6] = {0u, 2u, 1u, 2u, 3u, 2u};
    const unsigned c = ((unsigned)k & 0xFFu) - 1u;
    const unsigned f = method ? (c < 6u ? k_action[c] : 0u) : (c < 5u ? k_set[c] : 0u);
    return (method ? OMP_CONF_ACTION : OMP_CONF_SET) |
           ((f & 1u) != 0u ? OMP_CONF_MULTIPLE_REFERENCES : 0u) |
           ((f & 2u) == 0u            ? 0u
            : method                  ? OMP_CONF_BLOCK_TRANSFER_WITH_ACTION
                                      : OMP_CONF_BLOCK_TRANSFER_WITH_SET);
}

/* A list whose values come in blocks: refused item by item (not yet), ending at once. */
static omp_err list_blocks(struct omp_dlms_server *srv, const struct omp_apdu *q, bool method,
                           struct omp_wr *w, size_t limit)
{
    srv->set_active = false;
    size_t n = method ? q->u.action_req.list.count : q->u.set_req.list.count;
    if ((method ? 2u : 1u) * n + 12u > limit) {
        return omp_dlms_priv_exception(w, OMP_STATE_ERROR_SERVICE_NOT_ALLOWED,
                                       OMP_SERVICE_ERROR_PDU_TOO_LONG);
    }
    put_head(w, method ? OMP_APDU_TAG_ACTION_RESPONSE : OMP_APDU_TAG_SET_RESPONSE, method ? 3u : 4u,
             q->invoke);
    (void)omp_wr_berlen(w, n);
    for (size_t k = 0; k < n; k++) {
        (void)omp_wr_u8(w, OMP_DAR_OTHER_REASON);
        if (method) {
            (void)omp_wr_u8(w, 0u);
        }
    }
    return method ? omp_wr_status(w) : omp_wr_u32be(w, q->u.set_req.block.block_number);
}

omp_err omp_dlms_priv_set_action(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                                 const struct omp_apdu *req, struct omp_wr *out, size_t limit)
{
    const bool method = ((unsigned)req->kind >> 8) == OMP_APDU_TAG_ACTION_REQUEST;
    const uint32_t need = needs(req->kind, method);
    if ((srv->conformance & need) != need) {
        return omp_dlms_priv_exception(out, OMP_STATE_ERROR_SERVICE_NOT_ALLOWED,
                                       OMP_SERVICE_ERROR_SERVICE_NOT_SUPPORTED);
    }
    srv->blk_active = false; /* a SET or ACTION ends a GET in blocks the client left */
    if (req->kind != OMP_APDU_SET_REQ_BLOCK && req->kind != OMP_APDU_ACTION_REQ_PBLOCK) {
        srv->set_active = false; /* and any other request a transfer of values */
    }
    switch (req->kind) {
    case OMP_APDU_SET_REQ_NORMAL:
        return set_normal(srv, env, req, out);
    case OMP_APDU_SET_REQ_LIST:
    case OMP_APDU_ACTION_REQ_LIST:
        return with_list(srv, env, req, method, out, limit);
    case OMP_APDU_SET_REQ_FIRST_BLOCK:
    case OMP_APDU_ACTION_REQ_FIRST_PBLOCK:
    case OMP_APDU_SET_REQ_BLOCK:
    case OMP_APDU_ACTION_REQ_PBLOCK:
        return part(srv, env, req, method,
                    req->kind == OMP_APDU_SET_REQ_FIRST_BLOCK ||
                        req->kind == OMP_APDU_ACTION_REQ_FIRST_PBLOCK,
                    out);
    case OMP_APDU_SET_REQ_LIST_FIRST_BLOCK:
    case OMP_APDU_ACTION_REQ_LIST_FIRST_PBLOCK:
        return list_blocks(srv, req, method, out, limit);
    case OMP_APDU_ACTION_REQ_NORMAL:
        return action_normal(srv, env, req, out, limit);
    default: /* ACTION-request-next-pblock: no answer is ever sent in blocks */
        put_head(out, OMP_APDU_TAG_ACTION_RESPONSE, 1u, req->invoke);
        (void)omp_wr_u8(out, OMP_ACTION_NO_LONG_ACTION_IN_PROGRESS);
        return omp_wr_u8(out, 0u);
    }
}

#else
typedef int omp_dlms_set_unused; /* ISO C forbids an empty translation unit */
#endif /* OMP_CONFIG_DLMS */

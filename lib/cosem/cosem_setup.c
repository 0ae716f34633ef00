/*
 * Communication setup objects of the data dictionary (docs/dlms-server.md "Communication setup"):
 * SAP assignment (class 17), the COSEM logical device name (class 1), IEC HDLC setup (class 23
 * version 1), IEC local port setup (class 19 version 1), push setup (class 40) and the security
 * setup's row (class 64; the DLMS server answers its GETs from the association, dlms_sec.c).
 * Their rows are OMP_COSEM_SETUP_ROWS (cosem_priv.h), at the end of the table.
 *
 * Values are taken from where the ports get them, never repeated here: the HDLC server's
 * defaults (omp_hdlc_server_cfg_default), the IEC 62056-21 server's (omp_iec21_server_cfg_default)
 * and the optical settings 131.0.x, the push configuration in force (omp_cosem_src.push).
 *
 * Attribute types: Blue Book (DLMS UA 1000-1) IC 17, 19, 23, 40 and 64. Structures and arrays
 * are written A-XDR by put_struct(); omp_cosem_get() gives them as OMP_VT_ENCODED when they fit
 * a struct omp_value and OMP_ERR_NOSPACE when not, omp_cosem_put() always.
 */
#include "omnipower/config.h"

#if OMP_CONFIG_DLMS

#include <string.h>

#include "omnipower/axdr.h"
#include "omnipower/cosem.h"
#include "omnipower/hdlc.h"
#include "omnipower/push.h"
#if OMP_CONFIG_IEC21
#include "omnipower/iec62056_21.h"
#endif

#include "cosem_priv.h"

/* comm_speed of IEC HDLC setup (enum: 0 300 Bd .. 5 9600 Bd .. 9 115200 Bd): an OMNIPOWER opens
 * direct HDLC at 9600 Bd 8N1 (technical facts 11.2). */
#define HDLC_COMM_SPEED_9600 5u
/* The list version identifier that a push list sends without its OBIS (technical facts 12.2). */
static const uint8_t k_list_id[6] = {1u, 1u, 0u, 2u, 129u, 255u};

/* The writers' errors are sticky: a sequence of puts is checked once, with omp_wr_status(). */
static void sticky(omp_err e)
{
    (void)e;
}

/* The COSEM logical device name (technical facts 11.8): `KAME` and the serial number as a
 * 6-byte big-endian number (the K351C's 0,0,1,21,23,57). */
static void ld_name(const struct omp_cosem_src *s, uint8_t name[10])
{
    memcpy(name, "KAME", 4u);
    for (unsigned k = 0; k < 6u; k++) {
        name[9u - k] = (uint8_t)(k < 4u ? s->meter_number >> (8u * k) : 0u);
    }
}

/* SAP_assignment_list: array of {SAP long-unsigned, logical_device_name octet-string}, one per
 * logical device the HDLC server answers (1 management, 16 the meter's). */
static void put_sap_list(const struct omp_cosem_src *s, struct omp_wr *w)
{
    struct omp_hdlc_server_cfg c;
    omp_hdlc_server_cfg_default(&c);
    uint8_t name[10];
    ld_name(s, name);
    sticky(omp_axdr_put_array(w, c.n_lds));
    for (unsigned k = 0; k < c.n_lds; k++) {
        sticky(omp_axdr_put_structure(w, 2u));
        sticky(omp_axdr_put_u16(w, c.lds[k]));
        sticky(omp_axdr_put_octets(w, name, sizeof name));
    }
}

/* The list the push setup describes: the lowest one switched on; -1: push off. */
static int push_list(const struct omp_cosem_src *s)
{
    for (int l = 0; s->push != NULL && l < (int)OMP_PUSH_LIST_COUNT; l++) {
        if ((s->push->lists & OMP_PUSH_BIT(l)) != 0u) {
            return l;
        }
    }
    return -1;
}

/* push_object_list: array of capture_object_definition {class_id long-unsigned, logical_name
 * octet-string, attribute_index integer, data_index long-unsigned}: the items of the list in
 * force, attribute 2 each. The list id (sent without OBIS) is 1.1.0.2.129.255; objects the
 * dictionary lacks are Data when sent as a string (GS1 number), else Register (the L2/L3
 * placeholders), as technical facts 12.2 classes them. */
static void put_push_objects(const struct omp_cosem_src *s, struct omp_wr *w)
{
    int l = push_list(s);
    size_t n = 0;
    const struct omp_push_item *it = l < 0 ? NULL : omp_push_items((enum omp_push_list)l, &n);
    sticky(omp_axdr_put_array(w, it == NULL ? 0u : n));
    for (size_t k = 0; it != NULL && k < n; k++) {
        static const uint8_t zero[6] = {0u, 0u, 0u, 0u, 0u, 0u};
        const uint8_t *obis = memcmp(it[k].obis, zero, 6u) == 0 ? k_list_id : it[k].obis;
        const struct omp_cosem_obj *o = omp_cosem_find(obis);
        uint16_t cls = o != NULL                        ? o->class_id
                       : it[k].vtype == OMP_VT_VISIBLE ? OMP_CLASS_DATA
                                                        : OMP_CLASS_REGISTER;
        sticky(omp_axdr_put_structure(w, 4u));
        sticky(omp_axdr_put_u16(w, cls));
        sticky(omp_axdr_put_octets(w, obis, 6u));
        sticky(omp_axdr_put_i8(w, 2));
        sticky(omp_axdr_put_u16(w, 0u));
    }
}

/* send_destination_and_method {transport_service enum (5 HDLC), destination octet-string (the
 * frames' HDLC destination address, one byte; none when push is off), message enum (0 A-XDR
 * encoded xDLMS APDU)}. */
static void put_push_dest(const struct omp_cosem_src *s, struct omp_wr *w)
{
    int l = push_list(s);
    const uint8_t dest[1] = {l < 0 ? 0u : omp_push_dest((enum omp_push_list)l)};
    sticky(omp_axdr_put_structure(w, 3u));
    sticky(omp_axdr_put_enum(w, 5u));
    sticky(omp_axdr_put_octets(w, dest, l < 0 ? 0u : 1u));
    sticky(omp_axdr_put_enum(w, 0u));
}

/* Whether attribute @p attr of @p o is a structure or an array (put_struct writes it). */
static bool structured(const struct omp_cosem_obj *o, uint8_t attr)
{
    return (o->class_id == OMP_CLASS_SAP_ASSIGNMENT && attr == 2u) ||
           (o->class_id == OMP_CLASS_PUSH_SETUP && attr >= 2u && attr <= 4u);
}

static omp_err put_struct(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                          uint8_t attr, struct omp_wr *w)
{
    size_t mark = omp_wr_len(w);
    if (o->class_id == OMP_CLASS_SAP_ASSIGNMENT) {
        put_sap_list(s, w);
    } else if (attr == 2u) {
        put_push_objects(s, w);
    } else if (attr == 3u) {
        put_push_dest(s, w);
    } else {
        sticky(omp_axdr_put_array(w, 0u)); /* communication_window: empty, always allowed */
    }
    omp_err err = omp_wr_status(w);
    if (err != OMP_OK) {
        omp_wr_truncate(w, mark);
    }
    return err;
}

/* ---- getters of the rows (cosem_priv.h) ---------------------------------------------------- */

/* A structured attribute as a value: OMP_VT_ENCODED if it fits one, else OMP_ERR_NOSPACE. */
static omp_err get_struct(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                          uint8_t attr, struct omp_value *out)
{
    uint8_t buf[OMP_VALUE_BYTES_MAX];
    struct omp_wr w = omp_wr_init(buf, sizeof buf);
    omp_err err = put_struct(s, o, attr, &w);
    return err == OMP_OK ? omp_value_bytes(OMP_VT_ENCODED, buf, omp_wr_len(&w), out) : err;
}

omp_err omp_cosem_priv_get_sap(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                               uint8_t attr, struct omp_value *out)
{
    return get_struct(s, o, attr, out);
}

omp_err omp_cosem_priv_get_ldn(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                               uint8_t attr, struct omp_value *out)
{
    (void)o;
    (void)attr;
    uint8_t name[10];
    ld_name(s, name);
    return omp_value_bytes(OMP_VT_OCTETS, name, sizeof name, out);
}

omp_err omp_cosem_priv_get_hdlc(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                                uint8_t attr, struct omp_value *out)
{
    (void)o;
    struct omp_hdlc_server_cfg c;
    omp_hdlc_server_cfg_default(&c);
    if (s->hdlc != NULL) {
        c = *s->hdlc; /* the meter's ports' setup */
    }
    const uint32_t v[8] = {HDLC_COMM_SPEED_9600,   c.limits.window_tx,   c.limits.window_rx,
                           c.limits.max_info_tx,   c.limits.max_info_rx, c.inter_octet_ms,
                           c.inactivity_ms / 1000u, c.phys};
    /* 2 comm_speed enum, 3-4 window sizes unsigned, 5-9 long-unsigned (7 ms, 8 s) */
    enum omp_vtype t = attr == 2u ? OMP_VT_ENUM : attr <= 4u ? OMP_VT_U8 : OMP_VT_U16;
    *out = omp_value_uint(t, v[(attr - 2u) & 7u], 0, OMP_UNIT_NONE);
    return OMP_OK;
}

/* Blue Book class 23: inter_octet_time_out 20..6000 ms; inactivity_time_out 0..65535 s (0: none);
 * device_address 0x0010..0x3FFD (the usable two-byte physical addresses; 0x3FFE calling and
 * 0x3FFF broadcast are not a device's). */
omp_err omp_cosem_priv_set_hdlc(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                                uint8_t attr, const struct omp_value *v)
{
    (void)o;
    static const uint16_t lo[3] = {20u, 0u, 0x0010u}, hi[3] = {6000u, 65535u, 0x3FFDu};
    if (v->type != OMP_VT_U16) {
        return OMP_ERR_MALFORMED; /* the GET's type: long-unsigned */
    }
    if (attr < 7u || attr > 9u || v->v.u < lo[attr - 7u] || v->v.u > hi[attr - 7u]) {
        return OMP_ERR_RANGE;
    }
    if (s->ops->set_hdlc == NULL) {
        return OMP_ERR_UNSUPPORTED;
    }
    return s->ops->set_hdlc(s->user, attr, (uint16_t)v->v.u);
}

#if OMP_CONFIG_IEC21
omp_err omp_cosem_priv_get_local_port(const struct omp_cosem_src *s,
                                      const struct omp_cosem_obj *o, uint8_t attr,
                                      struct omp_value *out)
{
    (void)o;
    struct omp_iec21_server_cfg c;
    omp_iec21_server_cfg_default(&c);
    switch (attr) {
    case 2u: /* default_mode: 0 IEC 62056-21 (modes A..E); 2 not specified (131.0.12 = 0: off) */
        *out = omp_value_uint(OMP_VT_ENUM, s->optical != NULL && s->optical->comm_mode == 0u ? 2u : 0u, 0,
                              OMP_UNIT_NONE);
        return OMP_OK;
    case 3u: /* default_baud: 0 = 300 Bd, the rate of every sign-on */
        *out = omp_value_uint(OMP_VT_ENUM, 0u, 0, OMP_UNIT_NONE);
        return OMP_OK;
    case 4u: /* prop_baud: the baud rate character of the identification ('5': 9600 Bd) */
        *out = omp_value_uint(OMP_VT_ENUM, (uint64_t)(c.baud_char - '0'), 0, OMP_UNIT_NONE);
        return OMP_OK;
    case 5u: /* response_time: 0 = 20 ms, 1 = 200 ms (the server's minimum tr) */
        *out = omp_value_uint(OMP_VT_ENUM, c.tr_min_ms >= 200u ? 1u : 0u, 0, OMP_UNIT_NONE);
        return OMP_OK;
    default: { /* 6 device_addr: the meter number in decimal, the address of /?n!; 7..9 never */
        char t[10];
        size_t n = 0;
        uint32_t v = s->meter_number;
        do {
            t[sizeof t - 1u - n++] = (char)('0' + v % 10u);
            v /= 10u;
        } while (v != 0u && n < sizeof t);
        return omp_value_bytes(OMP_VT_OCTETS, t + sizeof t - n, n, out);
    }
    }
}
#endif

omp_err omp_cosem_priv_get_push(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                                uint8_t attr, struct omp_value *out)
{
    if (structured(o, attr)) {
        return get_struct(s, o, attr, out);
    }
    /* 5 randomisation_start_interval long-unsigned (s), 6 number_of_retries unsigned, 7
     * repetition_delay long-unsigned (s): the push sends at its slot, once (docs/han.md) */
    *out = omp_value_uint(attr == 6u ? OMP_VT_U8 : OMP_VT_U16, 0u, 0, OMP_UNIT_NONE);
    return OMP_OK;
}

omp_err omp_cosem_priv_get_security(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                                    uint8_t attr, struct omp_value *out)
{
    (void)o;
    switch (attr) {
    case 2u: /* security_policy: 3 all messages authenticated and encrypted */
        *out = omp_value_uint(OMP_VT_ENUM, 3u, 0, OMP_UNIT_NONE);
        return OMP_OK;
    case 3u: /* security_suite 0: AES-GCM-128 */
        *out = omp_value_uint(OMP_VT_ENUM, 0u, 0, OMP_UNIT_NONE);
        return OMP_OK;
    case 5u: { /* server_system_title: `KAME` + meter number 1 (4 bytes big-endian) */
        const uint8_t t[8] = {'K', 'A', 'M', 'E', (uint8_t)(s->meter_number >> 24),
                              (uint8_t)(s->meter_number >> 16), (uint8_t)(s->meter_number >> 8),
                              (uint8_t)s->meter_number};
        return omp_value_bytes(OMP_VT_OCTETS, t, sizeof t, out);
    }
    default: /* 4 client_system_title: the association's (the DLMS server answers it) */
        *out = omp_value_null();
        return OMP_OK;
    }
}

/* ---- generic: encoding, methods -------------------------------------------------------------- */

omp_err omp_cosem_put(const struct omp_cosem_src *s, const struct omp_cosem_obj *o, uint8_t attr,
                      unsigned assoc, struct omp_wr *w)
{
    if (s == NULL || o == NULL || w == NULL) {
        return OMP_ERR_ARG;
    }
    if (omp_cosem_priv_cal_axdr(o, attr)) { /* a calendar's tables (cosem_calendar.c) */
        return (o->read & assoc) == 0u ? OMP_ERR_DENIED : omp_cosem_priv_cal_put(s, o, attr, w);
    }
    struct omp_value v;
    omp_err err = omp_cosem_get(s, o, attr, assoc, &v);
    if (err == OMP_ERR_NOSPACE && structured(o, attr)) {
        return put_struct(s, o, attr, w); /* access was checked by omp_cosem_get */
    }
    if (err != OMP_OK) {
        return err;
    }
    size_t mark = omp_wr_len(w);
    err = omp_axdr_put_value(w, &v);
    if (err != OMP_OK) {
        omp_wr_truncate(w, mark);
    }
    return err;
}

#else
typedef int omp_cosem_setup_unused; /* ISO C forbids an empty translation unit */
#endif /* OMP_CONFIG_DLMS */

/*
 * The records the DLMS side keeps in a settings store (dlms_server.h "Kept records"): the
 * utility's data objects (struct omp_cosem_custom) and the HDLC setup of a meter's ports. The
 * composition root names the store and the keys; this file owns the records' layout, their
 * checks and the event argument of a change. A record this build cannot read is "foreign": the
 * caller reports it and leaves it in place (never taken for "none").
 */
#include "omnipower/config.h"

#include <string.h>

#include "omnipower/dlms_server.h"
#include "omnipower/hdlc.h"
#include "omnipower/storage.h"

#define CUSTOM_VERSION 1u
#define CUSTOM_LEN     (1u + 16u + 2u * (1u + OMP_COSEM_CUSTOM_STR_MAX))
#define SETUP_VERSION  1u
#define SETUP_LEN      7u

static uint32_t be32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static void put32(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}

/* Record @p key of @p len bytes into @p b: OMP_OK (found, *len its length), OMP_ERR_NOT_FOUND,
 * OMP_ERR_NVM_CORRUPT (foreign: too long, unreadable), or a device error. */
static omp_err read_rec(const struct omp_store *st, uint16_t key, uint8_t *b, size_t cap,
                        size_t *len)
{
    omp_err err = omp_store_read(st, key, b, cap, len);
    return err == OMP_ERR_NOSPACE ? OMP_ERR_NVM_CORRUPT : err;
}

omp_err omp_dlms_keep_custom_read(const struct omp_store *st, uint16_t key,
                                  struct omp_cosem_custom *c)
{
    memset(c, 0, sizeof *c);
    uint8_t b[CUSTOM_LEN];
    size_t len = 0u;
    omp_err err = read_rec(st, key, b, sizeof b, &len);
    if (err != OMP_OK) {
        return err;
    }
    const uint8_t *lo = b + 17, *mod = lo + 1 + OMP_COSEM_CUSTOM_STR_MAX;
    if (len != CUSTOM_LEN || b[0] != CUSTOM_VERSION || lo[0] > OMP_COSEM_CUSTOM_STR_MAX ||
        mod[0] > OMP_COSEM_CUSTOM_STR_MAX) {
        return OMP_ERR_NVM_CORRUPT;
    }
    c->meter_no2 = be32(b + 1);
    c->meter_no3 = be32(b + 5);
    c->special[0] = be32(b + 9);
    c->special[1] = be32(b + 13);
    c->meter_no_low_len = lo[0];
    memcpy(c->meter_no_low, lo + 1, OMP_COSEM_CUSTOM_STR_MAX);
    c->module_id_len = mod[0];
    memcpy(c->module_id, mod + 1, OMP_COSEM_CUSTOM_STR_MAX);
    return OMP_OK;
}

omp_err omp_dlms_keep_custom_write(struct omp_store *st, uint16_t key,
                                   const struct omp_cosem_custom *c)
{
    if (c->meter_no_low_len > OMP_COSEM_CUSTOM_STR_MAX ||
        c->module_id_len > OMP_COSEM_CUSTOM_STR_MAX) {
        return OMP_ERR_RANGE;
    }
    uint8_t b[CUSTOM_LEN];
    b[0] = CUSTOM_VERSION;
    put32(b + 1, c->meter_no2);
    put32(b + 5, c->meter_no3);
    put32(b + 9, c->special[0]);
    put32(b + 13, c->special[1]);
    b[17] = c->meter_no_low_len;
    memcpy(b + 18, c->meter_no_low, OMP_COSEM_CUSTOM_STR_MAX);
    b[18 + OMP_COSEM_CUSTOM_STR_MAX] = c->module_id_len;
    memcpy(b + 19 + OMP_COSEM_CUSTOM_STR_MAX, c->module_id, OMP_COSEM_CUSTOM_STR_MAX);
    return omp_store_write(st, key, b, sizeof b);
}

uint32_t omp_dlms_keep_custom_changed(const struct omp_cosem_custom *a,
                                      const struct omp_cosem_custom *b)
{
    if (a->meter_no_low_len != b->meter_no_low_len ||
        memcmp(a->meter_no_low, b->meter_no_low, OMP_COSEM_CUSTOM_STR_MAX) != 0) {
        return 0x000000u; /* MeterNoLow 0.0.0 */
    }
    if (a->meter_no2 != b->meter_no2 || a->meter_no3 != b->meter_no3) {
        return a->meter_no2 != b->meter_no2 ? 0x000002u : 0x000003u;
    }
    if (a->special[0] != b->special[0] || a->special[1] != b->special[1]) {
        return a->special[0] != b->special[0] ? 0x008201u : 0x008202u; /* 0.130.1, 0.130.2 */
    }
    return 0x600102u; /* ModuleId 96.1.2 */
}

omp_err omp_dlms_keep_hdlc_read(const struct omp_store *st, uint16_t key,
                                struct omp_hdlc_server_cfg *c)
{
    uint8_t b[SETUP_LEN];
    size_t len = 0u;
    omp_err err = read_rec(st, key, b, sizeof b, &len);
    if (err != OMP_OK) {
        return err;
    }
    const uint16_t octet = (uint16_t)(b[1] << 8 | b[2]), phys = (uint16_t)(b[5] << 8 | b[6]);
    /* the ranges HDLC setup's writes take (cosem_setup.c) */
    if (len != SETUP_LEN || b[0] != SETUP_VERSION || octet < 20u || octet > 6000u ||
        phys < 0x10u || phys > 0x3FFDu) {
        return OMP_ERR_NVM_CORRUPT;
    }
    c->inter_octet_ms = octet;
    c->inactivity_ms = (uint32_t)(b[3] << 8 | b[4]) * 1000u;
    c->phys = phys;
    return OMP_OK;
}

omp_err omp_dlms_keep_hdlc_write(struct omp_store *st, uint16_t key,
                                 const struct omp_hdlc_server_cfg *c)
{
    const uint16_t inact = (uint16_t)(c->inactivity_ms / 1000u);
    const uint8_t b[SETUP_LEN] = {SETUP_VERSION,
                                  (uint8_t)(c->inter_octet_ms >> 8), (uint8_t)c->inter_octet_ms,
                                  (uint8_t)(inact >> 8),             (uint8_t)inact,
                                  (uint8_t)(c->phys >> 8),           (uint8_t)c->phys};
    return omp_store_write(st, key, b, sizeof b);
}

/* The settings written over the ports: {version 1, set mask, 4 x u32 (enum omp_cosem_param),
 * the optical settings in 131.0.E order (u8 u16 u8 u8 u16 u16 u16 u8)}, big-endian. */
#define PARAMS_VERSION 1u
#define PARAMS_LEN     (2u + 4u * OMP_DLMS_PARAMS_KEPT + 13u)
#define PARAMS_ALL     ((1u << (OMP_DLMS_PARAMS_KEPT + 1u)) - 1u)

/* The 131.0.x settings kept as u16 (the others as u8). */
static bool wide(unsigned k)
{
    return k == OMP_OPT_D0_INTERVAL || (k >= OMP_OPT_TA && k <= OMP_OPT_TT);
}

static bool params_valid(const struct omp_dlms_params *p)
{
    if ((p->set & ~PARAMS_ALL) != 0u) {
        return false;
    }
    for (unsigned k = 0; k < OMP_DLMS_PARAMS_KEPT; k++) {
        if ((p->set & (1u << k)) != 0u && !omp_cosem_param_valid((enum omp_cosem_param)k, p->value[k])) {
            return false;
        }
    }
    return (p->set & (1u << OMP_DLMS_PARAMS_KEPT)) == 0u ||
           omp_optical_settings_valid(&p->optical);
}

omp_err omp_dlms_keep_params_read(const struct omp_store *st, uint16_t key,
                                  struct omp_dlms_params *p)
{
    memset(p, 0, sizeof *p);
    uint8_t b[PARAMS_LEN];
    size_t len = 0u;
    omp_err err = read_rec(st, key, b, sizeof b, &len);
    if (err != OMP_OK) {
        return err;
    }
    if (len != PARAMS_LEN || b[0] != PARAMS_VERSION) {
        return OMP_ERR_NVM_CORRUPT;
    }
    struct omp_dlms_params r;
    memset(&r, 0, sizeof r);
    r.set = b[1];
    for (unsigned k = 0; k < OMP_DLMS_PARAMS_KEPT; k++) {
        r.value[k] = be32(b + 2 + 4u * k);
    }
    const uint8_t *o = b + 2 + 4u * OMP_DLMS_PARAMS_KEPT;
    for (unsigned k = 0; k < OMP_OPT_COUNT; k++) {
        uint32_t v = wide(k) ? (uint32_t)(o[0] << 8 | o[1]) : o[0];
        o += wide(k) ? 2 : 1;
        /* a setting out of range: the record is foreign (params_valid) */
        if (omp_optical_setting_put(&r.optical, (enum omp_optical_setting)k, v) != OMP_OK &&
            (r.set & (1u << OMP_DLMS_PARAMS_KEPT)) != 0u) {
            return OMP_ERR_NVM_CORRUPT;
        }
    }
    if (!params_valid(&r)) {
        return OMP_ERR_NVM_CORRUPT;
    }
    *p = r;
    return OMP_OK;
}

omp_err omp_dlms_keep_params_write(struct omp_store *st, uint16_t key,
                                   const struct omp_dlms_params *p)
{
    if (!params_valid(p)) {
        return OMP_ERR_RANGE;
    }
    uint8_t b[PARAMS_LEN];
    b[0] = PARAMS_VERSION;
    b[1] = p->set;
    for (unsigned k = 0; k < OMP_DLMS_PARAMS_KEPT; k++) {
        put32(b + 2 + 4u * k, p->value[k]);
    }
    uint8_t *o = b + 2 + 4u * OMP_DLMS_PARAMS_KEPT;
    for (unsigned k = 0; k < OMP_OPT_COUNT; k++) {
        uint32_t v = omp_optical_setting_get(&p->optical, (enum omp_optical_setting)k);
        if (wide(k)) {
            *o++ = (uint8_t)(v >> 8);
        }
        *o++ = (uint8_t)v;
    }
    return omp_store_write(st, key, b, sizeof b);
}

bool omp_dlms_params_get(const struct omp_dlms_params *p, enum omp_cosem_param k, uint32_t *v)
{
    if ((unsigned)k >= (unsigned)OMP_DLMS_PARAMS_KEPT || (p->set & (1u << k)) == 0u) {
        return false;
    }
    *v = p->value[k];
    return true;
}

void omp_dlms_params_put(struct omp_dlms_params *p, enum omp_cosem_param k, uint32_t v)
{
    if ((unsigned)k < (unsigned)OMP_DLMS_PARAMS_KEPT) {
        p->set = (uint8_t)(p->set | (1u << k));
        p->value[k] = v;
    }
}

const struct omp_optical_settings *omp_dlms_params_optical(const struct omp_dlms_params *p)
{
    return (p->set & (1u << OMP_DLMS_PARAMS_KEPT)) != 0u ? &p->optical : NULL;
}

void omp_dlms_params_put_optical(struct omp_dlms_params *p, const struct omp_optical_settings *o)
{
    p->set = (uint8_t)(p->set | (1u << OMP_DLMS_PARAMS_KEPT));
    p->optical = *o;
}

#define LLS_VERSION 1u
#define LLS_LEN     (2u + OMP_DLMS_LLS_SECRET_MAX)

omp_err omp_dlms_keep_lls_read(const struct omp_store *st, uint16_t key, uint8_t *secret,
                               uint8_t *len)
{
    uint8_t b[LLS_LEN];
    size_t n = 0u;
    omp_err err = read_rec(st, key, b, sizeof b, &n);
    if (err == OMP_OK && (n != LLS_LEN || b[0] != LLS_VERSION || b[1] == 0u ||
                          b[1] > OMP_DLMS_LLS_SECRET_MAX)) {
        err = OMP_ERR_NVM_CORRUPT;
    }
    if (err == OMP_OK) {
        memcpy(secret, b + 2, b[1]);
        *len = b[1];
    }
    omp_wipe(b, sizeof b);
    return err;
}

omp_err omp_dlms_keep_lls_write(struct omp_store *st, uint16_t key, const uint8_t *secret,
                                size_t len)
{
    if (secret == NULL || len == 0u || len > OMP_DLMS_LLS_SECRET_MAX) {
        return OMP_ERR_ARG;
    }
    uint8_t b[LLS_LEN];
    memset(b, 0, sizeof b);
    b[0] = LLS_VERSION;
    b[1] = (uint8_t)len;
    memcpy(b + 2, secret, len);
    omp_err err = omp_store_write(st, key, b, sizeof b);
    omp_wipe(b, sizeof b);
    return err;
}

omp_err omp_dlms_keep_ic_read(const struct omp_store *st, uint16_t key, uint32_t *mark,
                              uint32_t *client, bool *has_client)
{
    uint8_t b[8];
    size_t n = 0u;
    omp_err err = read_rec(st, key, b, sizeof b, &n);
    if (err != OMP_OK) {
        return err;
    }
    if (n != 8u && n != 4u) {
        return OMP_ERR_NVM_CORRUPT;
    }
    *mark = be32(b);
    *has_client = n == 8u;
    *client = n == 8u ? be32(b + 4) : 0u;
    return OMP_OK;
}

omp_err omp_dlms_keep_ic_write(struct omp_store *st, uint16_t key, uint32_t mark, uint32_t client)
{
    uint8_t b[8];
    put32(b, mark);
    put32(b + 4, client);
    return omp_store_write(st, key, b, sizeof b);
}

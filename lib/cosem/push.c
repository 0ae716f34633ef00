/*
 * HAN push (push.h): the push setup of the CCC port. Three fixed lists (technical facts 12.2),
 * their schedule on the local wall clock, the data-notification built from the dictionary, suite-0
 * general-glo-ciphering with the HAN keys (12.4) and the HDLC UI frames (12.3). docs/han.md.
 */
#include "omnipower/config.h"

#include <string.h>

#include "omnipower/apdu.h"
#include "omnipower/axdr.h"
#include "omnipower/hdlc.h"
#include "omnipower/push.h"

/* ---- configuration ------------------------------------------------------------------------- */

void omp_push_cfg_default(struct omp_push_cfg *cfg)
{
    if (cfg == NULL) {
        return;
    }
    memset(cfg, 0, sizeof *cfg);
    cfg->ek_slot = (uint8_t)OMP_KEY_HAN_EK;
    cfg->ak_slot = (uint8_t)OMP_KEY_HAN_AK;
    cfg->max_info = OMP_PUSH_MAX_INFO_DEFAULT;
}

bool omp_push_cfg_valid(const struct omp_push_cfg *cfg)
{
    if (cfg == NULL || (cfg->lists & ~((1u << OMP_PUSH_LIST_COUNT) - 1u)) != 0u ||
        cfg->max_info < 32u || cfg->max_info > 2030u || cfg->ek_slot >= OMP_KEY_SLOT_COUNT ||
        cfg->ak_slot >= OMP_KEY_SLOT_COUNT) {
        return false;
    }
    for (size_t k = 0; k < sizeof cfg->gs1 && cfg->gs1[k] != '\0'; k++) {
        if (cfg->gs1[k] < '0' || cfg->gs1[k] > '9' || k == OMP_PUSH_GS1_LEN) {
            return false;
        }
    }
    return true;
}

omp_err omp_push_init(struct omp_push *p, const struct omp_push_cfg *cfg)
{
    if (p == NULL || !omp_push_cfg_valid(cfg)) {
        return OMP_ERR_ARG;
    }
    memset(p, 0, sizeof *p);
    p->cfg = *cfg;
    return OMP_OK;
}

/* What an item's value is. */
enum { K_LIST_ID, K_GS1, K_CLOCK, K_DICT };

/* clang-format off */
#define ABSENT 0xFFu   /* src_c: not measured by this single-phase meter: placeholder 00 00 */
#define LATE_S 10      /* a slot is still sent up to 9 s after its time */
#define APDU_MAX 512u  /* the longest plain APDU (DK list: 447 bytes on a three-phase meter) */
#define SEALED_MAX (APDU_MAX + 48u) /* LLC + general-glo-ciphering overhead */

#define ID {{1, 1, 0, 2, 129, 255}, K_LIST_ID, OMP_VT_VISIBLE, 0, 0u}
#define GS1 {{1, 1, 0, 0, 5, 255}, K_GS1, OMP_VT_VISIBLE, 0, 0u}
#define TYPENO {{1, 1, 96, 1, 1, 255}, K_DICT, OMP_VT_VISIBLE, 0, 96u}
#define METERNO {{1, 1, 0, 0, 1, 255}, K_DICT, OMP_VT_U32, 0, 0u}
#define CLOCK {{0, 1, 1, 0, 0, 255}, K_CLOCK, OMP_VT_OCTETS, 0, 0u}
/* 1.1.C.D.0.255 read from 1.1.SRC.D.0.255 (or a placeholder when SRC is ABSENT) */
#define V32(c, d, e, src) {{1, 1, c, d, 0, 255}, K_DICT, OMP_VT_U32, e, src}
#define V16(c, d, e, src) {{1, 1, c, d, 0, 255}, K_DICT, OMP_VT_U16, e, src}

/* NVE list 1 (HAN p.11-12), then the items list 2 adds (HAN p.13) */
static const struct omp_push_item k_nve[] = {
    ID, GS1, TYPENO,
    V32(1, 7, 0, 1), V32(2, 7, 0, 2), V32(3, 7, 0, 3), V32(4, 7, 0, 4),       /* P14 P23 Q12 Q34 */
    V32(31, 7, -2, 31), V32(51, 7, -2, ABSENT), V32(71, 7, -2, ABSENT),       /* IL1 IL2 IL3 */
    V16(32, 7, 0, 32), V16(52, 7, 0, ABSENT), V16(72, 7, 0, ABSENT),          /* UL1 UL2 UL3 */
    CLOCK, V32(1, 8, 0, 1), V32(2, 8, 0, 2), V32(3, 8, 0, 3), V32(4, 8, 0, 4), /* A14 .. R34 */
};
#define NVE1_LEN 13u

/* Danish DLMS push 1 (HAN p.14; the order of the captured frame, vectors/README.md) */
static const struct omp_push_item k_dk[] = {
    ID,
    V32(1, 8, 0, 1), V32(2, 8, 0, 2), V32(3, 8, 0, 3), V32(4, 8, 0, 4), METERNO,
    V32(1, 7, 0, 1), V32(2, 7, 0, 2), V32(3, 7, 0, 3), V32(4, 7, 0, 4), CLOCK,
    V16(32, 7, 0, 32), V16(52, 7, 0, ABSENT), V16(72, 7, 0, ABSENT),
    V32(31, 7, -2, 31), V32(51, 7, -2, ABSENT), V32(71, 7, -2, ABSENT),
    V32(21, 7, 0, 1), V32(41, 7, 0, ABSENT), V32(61, 7, 0, ABSENT),     /* P14 per phase */
    V16(33, 7, -2, 13), V16(53, 7, -2, ABSENT), V16(73, 7, -2, ABSENT), /* PF per phase */
    V16(13, 7, -2, 13),                                                 /* PF total */
    V32(22, 7, 0, 2), V32(42, 7, 0, ABSENT), V32(62, 7, 0, ABSENT),     /* P23 per phase */
    V32(22, 8, 0, 2), V32(42, 8, 0, ABSENT), V32(62, 8, 0, ABSENT),     /* A23 per phase */
    V32(21, 8, 0, 1), V32(41, 8, 0, ABSENT), V32(61, 8, 0, ABSENT),     /* A14 per phase */
};

/* clang-format on */

const struct omp_push_item *omp_push_items(enum omp_push_list list, size_t *n)
{
    size_t len = 0;
    const struct omp_push_item *items = NULL;
    switch (list) {
    case OMP_PUSH_NVE1:
        items = k_nve;
        len = NVE1_LEN;
        break;
    case OMP_PUSH_NVE2:
        items = k_nve;
        len = OMP_ARRAY_LEN(k_nve);
        break;
    case OMP_PUSH_DK:
        items = k_dk;
        len = OMP_ARRAY_LEN(k_dk);
        break;
    default:
        break;
    }
    if (n != NULL) {
        *n = len;
    }
    return items;
}

/* ---- schedule ------------------------------------------------------------------------------ */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* 1 if list @p l's slot is taken at @p t (the rules are in push.h). */
static unsigned due_one(struct omp_push *p, unsigned l, int64_t t)
{
    const int64_t per = l == (unsigned)OMP_PUSH_NVE2 ? 3600 : 10;
    const int64_t ph = l == (unsigned)OMP_PUSH_NVE2 ? 5 : 0;
    const int64_t before = floor_div(t - ph, per) * per + ph; /* the slot at or before t */
    const int64_t after = before == t ? t : before + per;     /* the slot at or after t */
    if (!p->started[l]) { /* the first call only arms: a restart never repeats a slot */
        p->started[l] = true;
        p->next_due[l] = before + per;
        return 0u;
    }
    int64_t next = p->next_due[l];
    if (t < next - 2 * per) { /* the clock went back past the slot before the last one sent */
        next = after;
    }
    if (t >= next && t - next >= LATE_S) { /* stepped over: those slots are gone */
        int64_t n = (before - next) / per + 1;
        uint64_t s = (uint64_t)p->skipped + (uint64_t)(n > 0 ? n : 1);
        p->skipped = s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
        next = before + per;
    }
    if (t < next) {
        p->next_due[l] = next;
        return 0u;
    }
    p->next_due[l] = before + per;
    return 1u;
}

unsigned omp_push_due(struct omp_push *p, int64_t local_s)
{
    unsigned mask = 0;
    if (p == NULL) {
        return 0u;
    }
    for (unsigned l = 0; l < (unsigned)OMP_PUSH_LIST_COUNT; l++) {
        if ((p->cfg.lists & OMP_PUSH_BIT(l)) != 0u && due_one(p, l, local_s) != 0u) {
            mask |= OMP_PUSH_BIT(l);
        }
    }
    return mask;
}

/* ---- invocation counter -------------------------------------------------------------------- */

uint32_t omp_push_ic_peek(const struct omp_push *p, omp_time_s utc_s)
{
    if (p == NULL) {
        return 0u;
    }
    int64_t since = (int64_t)utc_s - OMP_PUSH_IC_EPOCH;
    uint32_t c = since <= 0 ? 0u : since >= (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)since;
    if (p->ic_used) {
        c = p->ic == UINT32_MAX ? UINT32_MAX : c > p->ic ? c : p->ic + 1u;
    }
    return c;
}

omp_err omp_push_next_ic(struct omp_push *p, omp_time_s utc_s, uint32_t *ic)
{
    if (p == NULL || ic == NULL) {
        return OMP_ERR_ARG;
    }
    if (p->ic_used && p->ic == UINT32_MAX) {
        return OMP_ERR_RANGE;
    }
    uint32_t c = omp_push_ic_peek(p, utc_s);
    p->ic = c;
    p->ic_used = true;
    *ic = c;
    return OMP_OK;
}

void omp_push_ic_floor(struct omp_push *p, uint32_t floor)
{
    if (p != NULL && (!p->ic_used || p->ic < floor)) {
        p->ic = floor;
        p->ic_used = true;
    }
}

#if OMP_CONFIG_DLMS

static const char k_list_id[] = "Kamstrup_V0001";

/* ---- the APDU ------------------------------------------------------------------------------ */

/* The clock as Kamstrup pushes it: local time, hundredths and deviation not specified, the
 * clock status (technical facts 12.3). */
static omp_err kamstrup_time(const struct omp_cosem_src *src, uint8_t raw[12])
{
    struct omp_value v = omp_cosem_time(src, src->clock_utc_s, src->clock_valid, false);
    struct omp_axdr_datetime dt;
    omp_err err =
        omp_axdr_datetime_from_time(v.v.dt.utc_s, (int16_t)-v.v.dt.offset_min, v.v.dt.status, &dt);
    if (err != OMP_OK) {
        return err;
    }
    dt.time.hundredths = OMP_AXDR_ANY;
    dt.deviation_min = OMP_AXDR_DEVIATION_ANY;
    return omp_axdr_datetime_encode(&dt, raw);
}

/* The GS1 number: the configured digits, else the meter number in 16 digits. */
static omp_err put_gs1(const struct omp_push_cfg *cfg, const struct omp_cosem_src *src,
                       struct omp_wr *w)
{
    size_t n = strlen(cfg->gs1);
    if (n != 0u) {
        return omp_axdr_put_visible(w, cfg->gs1, n);
    }
    char d[OMP_PUSH_GS1_LEN];
    uint32_t x = src->meter_number;
    for (size_t k = OMP_PUSH_GS1_LEN; k-- > 0u;) {
        d[k] = (char)('0' + x % 10u);
        x /= 10u;
    }
    return omp_axdr_put_visible(w, d, sizeof d);
}

/* A dictionary value converted to the item's type and power of ten. */
static omp_err put_dict(const struct omp_push_item *it, const struct omp_cosem_src *src,
                        struct omp_wr *w)
{
    const uint8_t obis[6] = {it->obis[0], it->obis[1], it->src_c,
                             it->obis[3], it->obis[4], it->obis[5]};
    const struct omp_cosem_obj *o = omp_cosem_find(obis);
    struct omp_value v;
    omp_err err = o == NULL ? OMP_ERR_NOT_FOUND : omp_cosem_get(src, o, 2u, OMP_ASSOC_PUSH, &v);
    if (err != OMP_OK) {
        return err;
    }
    if (!omp_value_is_number(&v)) {
        return omp_axdr_put_value(w, &v); /* strings as they are; null-data when none kept */
    }
    uint64_t mag = 0;
    bool neg = false;
    if (omp_value_scaled(&v, it->exp, &mag, &neg) != OMP_OK) {
        mag = UINT64_MAX;
    }
    if (it->vtype == OMP_VT_U16) {
        return omp_axdr_put_u16(w, mag > 0xFFFFu ? 0xFFFFu : (uint16_t)mag);
    }
    return omp_axdr_put_u32(w, (uint32_t)(mag & 0xFFFFFFFFu)); /* rolls over as registers do */
}

static omp_err put_item(const struct omp_push_cfg *cfg, const struct omp_push_item *it,
                        const struct omp_cosem_src *src, struct omp_wr *w)
{
    if (it->kind == K_LIST_ID) {
        return omp_axdr_put_visible(w, k_list_id, sizeof k_list_id - 1u);
    }
    if (it->kind == K_DICT && it->src_c == ABSENT) {
        omp_err err = omp_axdr_put_null(w); /* placeholder pair: null-data OBIS and value */
        return err != OMP_OK ? err : omp_axdr_put_null(w);
    }
    omp_err err = omp_axdr_put_octets(w, it->obis, 6u);
    if (err != OMP_OK) {
        return err;
    }
    if (it->kind == K_GS1) {
        return put_gs1(cfg, src, w);
    }
    if (it->kind == K_CLOCK) {
        uint8_t raw[12];
        err = kamstrup_time(src, raw);
        return err != OMP_OK ? err : omp_axdr_put_octets(w, raw, sizeof raw);
    }
    return put_dict(it, src, w);
}

omp_err omp_push_apdu(const struct omp_push_cfg *cfg, enum omp_push_list list,
                      const struct omp_cosem_src *src, struct omp_wr *w)
{
    size_t n = 0;
    const struct omp_push_item *items = omp_push_items(list, &n);
    if (cfg == NULL || src == NULL || w == NULL || items == NULL) {
        return OMP_ERR_ARG;
    }
    const size_t mark = omp_wr_len(w);
    uint8_t raw[12];
    omp_err err = kamstrup_time(src, raw);
    if (err == OMP_OK) {
        (void)omp_wr_u8(w, OMP_APDU_TAG_DATA_NOTIFICATION);
        (void)omp_wr_u32be(w, 0u); /* long-invoke-id-and-priority as Kamstrup sends it */
        (void)omp_wr_u8(w, 12u);   /* date-time: octet-string of 12, present */
        (void)omp_wr_bytes(w, raw, sizeof raw);
        err = omp_axdr_put_structure(w, 1u + 2u * (n - 1u));
    }
    for (size_t k = 0; k < n && err == OMP_OK; k++) {
        err = put_item(cfg, &items[k], src, w);
    }
    if (err == OMP_OK) {
        err = omp_wr_status(w);
    }
    if (err != OMP_OK) {
        omp_wr_truncate(w, mark);
    }
    return err;
}

/* ---- the frames ---------------------------------------------------------------------------- */

/* LLC E6 E7 00 + the APDU of @p list, sealed when cfg->encrypt, into @p w. */
static omp_err llc_pdu(const struct omp_push_cfg *cfg, enum omp_push_list list,
                       const struct omp_cosem_src *src, uint32_t ic, omp_apdu_gcm_fn gcm,
                       void *user, struct omp_wr *w)
{
    omp_err err = omp_hdlc_llc_put(w, true);
    if (err != OMP_OK || !cfg->encrypt) {
        return err != OMP_OK ? err : omp_push_apdu(cfg, list, src, w);
    }
    if (gcm == NULL) {
        return OMP_ERR_UNSUPPORTED;
    }
    uint8_t plain[APDU_MAX];
    struct omp_wr pw = omp_wr_init(plain, sizeof plain);
    err = omp_push_apdu(cfg, list, src, &pw);
    /* system title: "KAME" + meter number 1 (4 bytes, big-endian; technical facts 12.4) */
    const uint32_t n = src->meter_number;
    const uint8_t st[8] = {
        'K', 'A', 'M', 'E', (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
    if (err == OMP_OK) {
        err = omp_apdu_cipher_seal(w, OMP_APDU_TAG_GENERAL_GLO_CIPHERING, st,
                                   (uint8_t)(OMP_SC_AUTH | OMP_SC_ENC), ic, plain, omp_wr_len(&pw),
                                   gcm, user, cfg->ek_slot, cfg->ak_slot);
    }
    memset(plain, 0, sizeof plain);
    return err;
}

uint8_t omp_push_dest(enum omp_push_list list)
{
    return list == OMP_PUSH_DK ? 32u : 21u; /* the captured frames' (0x41 and 0x2B on the wire) */
}

omp_err omp_push_frames(const struct omp_push_cfg *cfg, enum omp_push_list list,
                        const struct omp_cosem_src *src, uint32_t ic,
                        omp_err (*gcm)(void *user, const struct omp_gcm_op *op), void *user,
                        struct omp_wr *w)
{
    if (cfg == NULL || src == NULL || w == NULL || !omp_push_cfg_valid(cfg)) {
        return OMP_ERR_ARG;
    }
    uint8_t pdu[SEALED_MAX];
    struct omp_wr pw = omp_wr_init(pdu, sizeof pdu);
    omp_err err = llc_pdu(cfg, list, src, ic, gcm, user, &pw);
    const bool dk = list == OMP_PUSH_DK; /* addresses of the captured frames */
    struct omp_hdlc_frame f = {{omp_push_dest(list), 0u, 1u},
                               {dk ? 1u : 16u, 0u, 1u},
                               OMP_HDLC_UI,
                               true,
                               false,
                               0u,
                               0u,
                               NULL,
                               0u};
    const size_t mark = omp_wr_len(w), len = omp_wr_len(&pw);
    for (size_t at = 0; err == OMP_OK && at < len; at += f.info_len) {
        f.info = pdu + at;
        f.info_len = len - at > cfg->max_info ? cfg->max_info : len - at;
        f.segmented = at + f.info_len < len;
        err = omp_hdlc_encode(w, &f, true);
    }
    memset(pdu, 0, sizeof pdu);
    if (err != OMP_OK) {
        omp_wr_truncate(w, mark);
    }
    return err;
}

/* ---- poll ---------------------------------------------------------------------------------- */

/* Queue the frames of @p list after what tx holds. */
static omp_err queue(struct omp_push *p, enum omp_push_list list, const struct omp_cosem_src *src,
                     const struct omp_hal *hal)
{
    uint32_t ic = 0;
    omp_err err = OMP_OK;
    if (p->cfg.encrypt) {
        err = omp_push_next_ic(p, src->clock_utc_s, &ic);
    }
    struct omp_wr w = omp_wr_init(p->tx, sizeof p->tx);
    w.len = p->tx_len;
    if (err == OMP_OK) {
        err = omp_push_frames(&p->cfg, list, src, ic, hal->ops->aead_gcm, hal->user, &w);
    }
    if (err != OMP_OK) {
        p->errors++;
        return err;
    }
    p->tx_len = omp_wr_len(&w);
    p->pushes++;
    return OMP_OK;
}

omp_err omp_push_poll(struct omp_push *p, const struct omp_cosem_src *src,
                      const struct omp_hal *hal)
{
    if (p == NULL || src == NULL || hal == NULL || hal->ops == NULL) {
        return OMP_ERR_ARG;
    }
    if (p->cfg.lists == 0u) {
        return OMP_OK;
    }
    const struct omp_value t = omp_cosem_time(src, src->clock_utc_s, src->clock_valid, false);
    const unsigned due = omp_push_due(p, (int64_t)src->clock_utc_s + 60 * t.v.dt.offset_min);
    const bool busy = p->tx_off < p->tx_len;
    omp_err err = OMP_OK;
    if (!busy) {
        p->tx_len = p->tx_off = 0u;
    }
    for (unsigned l = 0; l < (unsigned)OMP_PUSH_LIST_COUNT; l++) {
        if ((due & OMP_PUSH_BIT(l)) == 0u) {
            continue;
        }
        omp_err e = busy ? OMP_OK : queue(p, (enum omp_push_list)l, src, hal);
        p->skipped += busy ? 1u : 0u;
        err = err != OMP_OK ? err : e;
    }
    if (p->tx_off < p->tx_len) {
        size_t written = 0;
        omp_err e = hal->ops->port_write == NULL
                        ? OMP_ERR_UNSUPPORTED
                        : hal->ops->port_write(hal->user, OMP_PORT_HAN, p->tx + p->tx_off,
                                               p->tx_len - p->tx_off, &written);
        if (e != OMP_OK) {
            p->tx_off = p->tx_len; /* the port refused them: dropped, not retried forever */
        } else {
            p->tx_off += written <= p->tx_len - p->tx_off ? written : p->tx_len - p->tx_off;
        }
        err = err != OMP_OK ? err : e;
    }
    return err;
}

#else /* !OMP_CONFIG_DLMS: the lists and the schedule stay, nothing is built or sent */

omp_err omp_push_apdu(const struct omp_push_cfg *cfg, enum omp_push_list list,
                      const struct omp_cosem_src *src, struct omp_wr *w)
{
    (void)cfg;
    (void)list;
    (void)src;
    (void)w;
    return OMP_ERR_UNSUPPORTED;
}

omp_err omp_push_frames(const struct omp_push_cfg *cfg, enum omp_push_list list,
                        const struct omp_cosem_src *src, uint32_t ic,
                        omp_err (*gcm)(void *user, const struct omp_gcm_op *op), void *user,
                        struct omp_wr *w)
{
    (void)cfg;
    (void)list;
    (void)src;
    (void)ic;
    (void)gcm;
    (void)user;
    (void)w;
    return OMP_ERR_UNSUPPORTED;
}

omp_err omp_push_poll(struct omp_push *p, const struct omp_cosem_src *src,
                      const struct omp_hal *hal)
{
    (void)p;
    (void)src;
    (void)hal;
    return OMP_ERR_UNSUPPORTED;
}

#endif /* OMP_CONFIG_DLMS */

/*
 * Ciphered xDLMS APDUs, security suite 0 (AES-GCM-128): DLMS UA Green Book (DLMS UA 1000-2)
 * 9.2.7 "Cryptographic protection", IEC 62056-5-3 xDLMS APDU ASN.1, NIST SP 800-38D.
 *
 * Envelopes (A-XDR, lengths in BER definite form):
 *   general-glo-ciphering DB / general-ded-ciphering DC:
 *       tag, system-title (len 08 + 8 bytes), ciphered-content (len + SC || IC || payload || T)
 *   glo-xxx (C8..CF) / ded-xxx (D0..D7) service forms:
 *       tag, len + SC || IC || payload || T                       (no system title)
 * SC = security control byte, IC = 4-byte big-endian invocation counter, T = 12-byte GCM tag when
 * SC has the A bit. IV = system title (8) || IC (4). AAD: SC || AK (A and E), SC || AK || payload
 * (A only), none (E only). The AK is never seen here: the HAL op inserts the key of aad_key_slot
 * after the first AAD byte (hal.h struct omp_gcm_op).
 *
 * No heap, no key material, no plaintext on the stack except the 12-byte tag and the IV.
 */
#include "omnipower/config.h"

#if OMP_CONFIG_DLMS /* the whole file: module switch, config.h */

#include <string.h>

#include "apdu_priv.h"
#include "omnipower/apdu.h"
#include "omnipower/core.h"
#include "omnipower/hal.h"

#define ST_LEN 8u  /* system title */
#define IC_LEN 4u  /* invocation counter */
#define IV_LEN 12u /* ST || IC */
#define SC_IC_LEN (1u + IC_LEN)

/* ---- shared checks --------------------------------------------------------------------------- */

/* glo-initiate (0x21, 0x28); glo- (0xC8..0xCF) and ded- (0xD0..0xD7) get, set and action
 * requests and responses (0xCA, 0xCE, 0xD2, 0xD6 are not those); general-glo/ded-ciphering. */
static bool is_cipher_tag(uint8_t tag)
{
    if (tag >= 0xC8u && tag <= 0xD7u) {
        const unsigned low = tag & 7u; /* get, set, action: 0, 1, 3 (req) and 4, 5, 7 (rsp) */
        return low != 2u && low != 6u;
    }
    return tag == OMP_APDU_TAG_GLO_INITIATE_REQUEST || tag == OMP_APDU_TAG_GLO_INITIATE_RESPONSE ||
           tag == OMP_APDU_TAG_GENERAL_GLO_CIPHERING || tag == OMP_APDU_TAG_GENERAL_DED_CIPHERING;
}

static bool is_general(uint8_t tag)
{
    return tag == OMP_APDU_TAG_GENERAL_GLO_CIPHERING || tag == OMP_APDU_TAG_GENERAL_DED_CIPHERING;
}

/* Suite 0, no compression, at least one of A and E. */
static omp_err check_sc(uint8_t sc)
{
    if ((sc & OMP_SC_SUITE_MASK) != 0u || (sc & OMP_SC_COMPRESS) != 0u ||
        (sc & (OMP_SC_AUTH | OMP_SC_ENC)) == 0u) {
        return OMP_ERR_UNSUPPORTED;
    }
    return OMP_OK;
}

static size_t tag_len_of(uint8_t sc)
{
    return (sc & OMP_SC_AUTH) != 0u ? OMP_APDU_GCM_TAG_LEN : 0u;
}

static void make_iv(uint8_t iv[IV_LEN], const uint8_t st[ST_LEN], uint32_t ic)
{
    memcpy(iv, st, ST_LEN);
    iv[8] = (uint8_t)(ic >> 24);
    iv[9] = (uint8_t)(ic >> 16);
    iv[10] = (uint8_t)(ic >> 8);
    iv[11] = (uint8_t)ic;
}

/* ---- decode ---------------------------------------------------------------------------------- */

omp_err omp_apdu_cipher_decode(struct omp_rd *rd, struct omp_apdu_ciphered *c)
{
    if (rd == NULL || c == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_rd r = *rd; /* published only on success */
    struct omp_apdu_ciphered t;
    memset(&t, 0, sizeof t);

    omp_err err = omp_rd_u8(&r, &t.tag);
    if (err != OMP_OK) {
        return err;
    }
    if (!is_cipher_tag(t.tag)) {
        return OMP_ERR_UNEXPECTED; /* not ciphered: the caller may try omp_apdu_decode() */
    }
    size_t n = 0;
    if (is_general(t.tag)) {
        err = omp_rd_berlen(&r, &n);
        if (err != OMP_OK) {
            return err;
        }
        if (n != ST_LEN) {
            return OMP_ERR_MALFORMED; /* suite 0 system titles are 8 bytes */
        }
        err = omp_rd_copy(&r, t.system_title, ST_LEN);
        if (err != OMP_OK) {
            return err;
        }
        t.has_system_title = true;
    }
    struct omp_rd content;
    err = omp_rd_berlen(&r, &n);
    if (err == OMP_OK) {
        err = omp_rd_sub(&r, n, &content);
    }
    if (err != OMP_OK) {
        return err;
    }
    if (n < SC_IC_LEN) {
        return OMP_ERR_MALFORMED; /* complete, but no room for SC and IC */
    }
    err = omp_rd_u8(&content, &t.sc);
    if (err == OMP_OK) {
        err = check_sc(t.sc);
    }
    if (err == OMP_OK) {
        err = omp_rd_u32be(&content, &t.ic);
    }
    if (err != OMP_OK) {
        return err;
    }
    const size_t tag_len = tag_len_of(t.sc);
    if (omp_rd_remaining(&content) < tag_len) {
        return OMP_ERR_MALFORMED; /* complete, but shorter than the tag the SC announces */
    }
    t.payload_len = omp_rd_remaining(&content) - tag_len;
    t.payload = content.buf + omp_rd_pos(&content); /* also for an empty payload: inside */
    err = omp_rd_skip(&content, t.payload_len);
    if (err == OMP_OK && tag_len > 0u) {
        err = omp_rd_bytes(&content, tag_len, &t.auth_tag);
    }
    if (err != OMP_OK) {
        return OMP_ERR_INTERNAL; /* lengths were checked above */
    }
    *c = t;
    *rd = r;
    return OMP_OK;
}

/* ---- open ------------------------------------------------------------------------------------ */

/* The GCM op of omp_apdu_cipher_open: deciphers and/or checks c's payload into @p out (checked
 * by the caller to hold payload_len bytes, one more for A only). */
static omp_err open_gcm(const struct omp_apdu_ciphered *c, const uint8_t *st, omp_apdu_gcm_fn gcm,
                        void *user, uint8_t key_slot, uint8_t ak_slot, uint8_t *out)
{
    const bool auth = (c->sc & OMP_SC_AUTH) != 0u;
    const bool enc = (c->sc & OMP_SC_ENC) != 0u;
    const size_t n = c->payload_len;
    uint8_t iv[IV_LEN];
    uint8_t tag[OMP_APDU_GCM_TAG_LEN] = {0};
    make_iv(iv, st, c->ic);
    if (auth) {
        memcpy(tag, c->auth_tag, sizeof tag);
    }
    const uint8_t sc = c->sc;
    struct omp_gcm_op op = {
        .encrypt = false,
        .key_slot = key_slot,
        .aad_key_slot = ak_slot,
        .iv = iv,
        .iv_len = IV_LEN,
        .aad = &sc,
        .aad_len = 1u,
        .in = c->payload,
        .out = out,
        .len = n,
        .tag = tag,
        .tag_len = OMP_APDU_GCM_TAG_LEN,
    };
    if (auth && !enc) {
        /* Authenticated only: GCM over an empty plaintext with AAD = SC || AK || payload. */
        if (n > 0u) {
            memmove(out + 1, c->payload, n);
        }
        out[0] = sc;
        op.aad = out;
        op.aad_len = n + 1u;
        op.in = NULL;
        op.out = NULL;
        op.len = 0u;
    } else if (!auth) {
        /* Encrypted only: no AAD, no tag. GCM's encryption is CTR from inc32(J0), its own
         * inverse, so the encrypt op deciphers; its tag is computed and dropped. */
        op.encrypt = true;
        op.aad_key_slot = OMP_KEY_NONE;
        op.aad = NULL;
        op.aad_len = 0u;
    }
    omp_err err = gcm(user, &op);
    if (err == OMP_OK && auth && !enc) {
        if (n > 0u) {
            memmove(out, out + 1, n);
        }
    }
    return err;
}

omp_err omp_apdu_cipher_open(const struct omp_apdu_ciphered *c, const uint8_t system_title[8],
                             omp_apdu_gcm_fn gcm, void *user, uint8_t key_slot, uint8_t ak_slot,
                             uint8_t *out, size_t cap, size_t *len)
{
    if (c == NULL || gcm == NULL || len == NULL || (c->payload == NULL && c->payload_len > 0u)) {
        return OMP_ERR_ARG;
    }
    const uint8_t *st = c->has_system_title ? c->system_title : system_title;
    if (st == NULL) {
        return OMP_ERR_ARG;
    }
    omp_err err = check_sc(c->sc);
    if (err != OMP_OK) {
        return err;
    }
    const bool auth = (c->sc & OMP_SC_AUTH) != 0u;
    const bool enc = (c->sc & OMP_SC_ENC) != 0u;
    if (auth && c->auth_tag == NULL) {
        return OMP_ERR_ARG;
    }
    const size_t n = c->payload_len;
    /* A only: out doubles as the AAD buffer SC || payload, so it needs one byte more. */
    const size_t need = (auth && !enc) ? n + 1u : n;
    if (need < n) {
        return OMP_ERR_ARG;
    }
    if (cap < need) {
        return OMP_ERR_NOSPACE;
    }
    if (out == NULL && need > 0u) {
        return OMP_ERR_ARG;
    }

    err = open_gcm(c, st, gcm, user, key_slot, ak_slot, out);
    if (err != OMP_OK) {
        if (need > 0u) {
            memset(out, 0, need); /* no partial plaintext, whatever the port did */
        }
        return err;
    }
    *len = n;
    return OMP_OK;
}

/* ---- seal ------------------------------------------------------------------------------------ */

/* Seal, A only, after SC was written at @p sc_at: AAD = SC || AK || payload. The payload is put
 * right after SC for the op, then moved behind the IC; the caller checked the room for IC and
 * tag, so the shift stays inside the buffer. */
static omp_err seal_auth_only(struct omp_wr *w, struct omp_gcm_op *op, size_t sc_at, uint32_t ic,
                              const uint8_t *apdu, size_t apdu_len, omp_apdu_gcm_fn gcm,
                              void *user)
{
    (void)omp_wr_bytes(w, apdu, apdu_len);
    op->aad = w->buf + sc_at;
    op->aad_len = 1u + apdu_len;
    omp_err err = omp_wr_status(w);
    if (err == OMP_OK) {
        err = gcm(user, op);
    }
    if (err == OMP_OK) {
        (void)omp_wr_fill(w, 0u, IC_LEN);
        uint8_t *p = w->buf + sc_at + 1u;
        if (apdu_len > 0u) {
            memmove(p + IC_LEN, p, apdu_len);
        }
        p[0] = (uint8_t)(ic >> 24);
        p[1] = (uint8_t)(ic >> 16);
        p[2] = (uint8_t)(ic >> 8);
        p[3] = (uint8_t)ic;
    }
    return err;
}

/* Seal, E or AE, after SC: write IC and the plaintext where the ciphertext goes, then encrypt in
 * place (in == out). */
static omp_err seal_encrypt(struct omp_wr *w, struct omp_gcm_op *op, bool auth, uint32_t ic,
                            const uint8_t *apdu, size_t apdu_len, omp_apdu_gcm_fn gcm, void *user)
{
    (void)omp_wr_u32be(w, ic);
    const size_t at = omp_wr_len(w);
    (void)omp_wr_bytes(w, apdu, apdu_len);
    omp_err err = omp_wr_status(w);
    if (err == OMP_OK) {
        op->in = apdu_len > 0u ? w->buf + at : NULL;
        op->out = apdu_len > 0u ? w->buf + at : NULL;
        op->len = apdu_len;
        if (!auth) { /* E only: no AAD, the tag is dropped */
            op->aad_key_slot = OMP_KEY_NONE;
            op->aad = NULL;
            op->aad_len = 0u;
        }
        err = gcm(user, op);
    }
    return err;
}

omp_err omp_apdu_cipher_seal(struct omp_wr *w, uint8_t tag, const uint8_t system_title[8],
                             uint8_t sc, uint32_t ic, const uint8_t *apdu, size_t apdu_len,
                             omp_apdu_gcm_fn gcm, void *user, uint8_t key_slot, uint8_t ak_slot)
{
    if (w == NULL || system_title == NULL || gcm == NULL || (apdu == NULL && apdu_len > 0u) ||
        !is_cipher_tag(tag)) {
        return OMP_ERR_ARG;
    }
    omp_err err = check_sc(sc);
    if (err != OMP_OK) {
        return err;
    }
    if (omp_wr_status(w) != OMP_OK) {
        return omp_wr_status(w);
    }
    const bool auth = (sc & OMP_SC_AUTH) != 0u;
    const bool enc = (sc & OMP_SC_ENC) != 0u;
    const size_t tag_len = tag_len_of(sc);
    const size_t limit = (size_t)0xFFFFFFFFu < SIZE_MAX ? (size_t)0xFFFFFFFFu : SIZE_MAX;
    if (apdu_len > limit - 64u) {
        return OMP_ERR_ARG; /* content length would not fit a BER length or size_t */
    }
    const size_t content = SC_IC_LEN + apdu_len + tag_len;
    const size_t head = 1u + (is_general(tag) ? 1u + ST_LEN : 0u) + omp_apdu_priv_len_size(content);
    if (omp_wr_room(w) < head + content) {
        return OMP_ERR_NOSPACE; /* nothing written */
    }

    uint8_t iv[IV_LEN];
    uint8_t t[OMP_APDU_GCM_TAG_LEN];
    make_iv(iv, system_title, ic);
    const size_t mark = omp_wr_len(w);
    (void)omp_wr_u8(w, tag);
    if (is_general(tag)) {
        (void)omp_wr_u8(w, (uint8_t)ST_LEN);
        (void)omp_wr_bytes(w, system_title, ST_LEN);
    }
    (void)omp_wr_berlen(w, content);
    const size_t sc_at = omp_wr_len(w);
    (void)omp_wr_u8(w, sc);

    const uint8_t sc_copy = sc;
    struct omp_gcm_op op = {
        .encrypt = true,
        .key_slot = key_slot,
        .aad_key_slot = ak_slot,
        .iv = iv,
        .iv_len = IV_LEN,
        .aad = &sc_copy,
        .aad_len = 1u,
        .in = NULL,
        .out = NULL,
        .len = 0u,
        .tag = t,
        .tag_len = OMP_APDU_GCM_TAG_LEN,
    };
    if (auth && !enc) {
        err = seal_auth_only(w, &op, sc_at, ic, apdu, apdu_len, gcm, user);
    } else {
        err = seal_encrypt(w, &op, auth, ic, apdu, apdu_len, gcm, user);
    }
    if (err == OMP_OK && tag_len > 0u) {
        (void)omp_wr_bytes(w, t, tag_len);
    }
    if (err == OMP_OK) {
        err = omp_wr_status(w);
    }
    if (err == OMP_OK && omp_wr_len(w) - mark != head + content) {
        err = OMP_ERR_INTERNAL;
    }
    if (err != OMP_OK) {
        /* The op failed after the plaintext was copied: wipe what was written, then forget it. */
        const size_t end = omp_wr_len(w);
        if (end > mark) {
            memset(w->buf + mark, 0, end - mark);
        }
        omp_wr_truncate(w, mark);
        memset(t, 0, sizeof t);
        return err;
    }
    return OMP_OK;
}

/* ---- replay guard ---------------------------------------------------------------------------- */

omp_err omp_apdu_replay_check(struct omp_apdu_replay *r, uint32_t ic)
{
    if (r == NULL) {
        return OMP_ERR_ARG;
    }
    if (r->seen && ic <= r->last_ic) {
        return OMP_ERR_REPLAY;
    }
    r->seen = true;
    r->last_ic = ic;
    return OMP_OK;
}

/* ---- HLS mechanism 5 (GMAC) -------------------------------------------------------------------- */

#define HLS_SC 0x10u /* authentication only, suite 0 */
#define HLS_CHALLENGE_MIN 8u
#define HLS_CHALLENGE_MAX 64u

/* One GMAC over SC || AK || challenge (the op inserts AK after aad[0]) with IV = st || ic;
 * encrypt: tag written to @p tag; verify: @p tag checked (OMP_ERR_AUTH). */
static omp_err hls_gmac_op(const uint8_t system_title[8], uint32_t ic, const uint8_t *challenge,
                           size_t challenge_len, omp_apdu_gcm_fn gcm, void *user,
                           uint8_t key_slot, uint8_t ak_slot, bool encrypt, uint8_t *tag)
{
    uint8_t iv[IV_LEN];
    uint8_t aad[1u + HLS_CHALLENGE_MAX];
    make_iv(iv, system_title, ic);
    aad[0] = HLS_SC;
    memcpy(aad + 1, challenge, challenge_len);
    struct omp_gcm_op op = {
        .encrypt = encrypt,
        .key_slot = key_slot,
        .aad_key_slot = ak_slot,
        .iv = iv,
        .iv_len = IV_LEN,
        .aad = aad,
        .aad_len = 1u + challenge_len,
        .in = NULL,
        .out = NULL,
        .len = 0u,
        .tag = tag,
        .tag_len = OMP_APDU_GCM_TAG_LEN,
    };
    return gcm(user, &op);
}

static bool hls_args_ok(const uint8_t *system_title, const uint8_t *challenge,
                        size_t challenge_len, omp_apdu_gcm_fn gcm, uint8_t ak_slot)
{
    return system_title != NULL && challenge != NULL && gcm != NULL && ak_slot != OMP_KEY_NONE &&
           challenge_len >= HLS_CHALLENGE_MIN && challenge_len <= HLS_CHALLENGE_MAX;
}

omp_err omp_apdu_hls_gmac(const uint8_t system_title[8], uint32_t ic, const uint8_t *challenge,
                          size_t challenge_len, omp_apdu_gcm_fn gcm, void *user, uint8_t key_slot,
                          uint8_t ak_slot, uint8_t out[OMP_APDU_HLS_GMAC_LEN])
{
    if (out == NULL || !hls_args_ok(system_title, challenge, challenge_len, gcm, ak_slot)) {
        return OMP_ERR_ARG;
    }
    uint8_t tag[OMP_APDU_GCM_TAG_LEN];
    omp_err err = hls_gmac_op(system_title, ic, challenge, challenge_len, gcm, user, key_slot,
                              ak_slot, true, tag);
    if (err != OMP_OK) {
        memset(tag, 0, sizeof tag);
        return err;
    }
    uint8_t iv[IV_LEN]; /* its last four bytes: the IC, big-endian */
    make_iv(iv, system_title, ic);
    out[0] = HLS_SC;
    memcpy(out + 1, iv + ST_LEN, IC_LEN);
    memcpy(out + 5, tag, sizeof tag);
    return OMP_OK;
}

omp_err omp_apdu_hls_gmac_check(const uint8_t system_title[8], const uint8_t *challenge,
                                size_t challenge_len, const uint8_t *f, size_t f_len,
                                omp_apdu_gcm_fn gcm, void *user, uint8_t key_slot,
                                uint8_t ak_slot, uint32_t *ic)
{
    if (f == NULL || !hls_args_ok(system_title, challenge, challenge_len, gcm, ak_slot)) {
        return OMP_ERR_ARG;
    }
    if (f_len != OMP_APDU_HLS_GMAC_LEN || f[0] != HLS_SC) {
        return OMP_ERR_MALFORMED;
    }
    uint32_t peer_ic = ((uint32_t)f[1] << 24) | ((uint32_t)f[2] << 16) | ((uint32_t)f[3] << 8) |
                       (uint32_t)f[4];
    uint8_t tag[OMP_APDU_GCM_TAG_LEN];
    memcpy(tag, f + 5, sizeof tag);
    omp_err err = hls_gmac_op(system_title, peer_ic, challenge, challenge_len, gcm, user, key_slot,
                              ak_slot, false, tag);
    if (err == OMP_OK && ic != NULL) {
        *ic = peer_ic;
    }
    return err;
}

#else
typedef int omp_apdu_cipher_unused; /* ISO C forbids an empty translation unit */
#endif /* OMP_CONFIG_DLMS */

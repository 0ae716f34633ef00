/*
 * Ciphered-APDU envelopes, security suite 0 (omp_apdu_cipher_decode/open/seal; bytes from the
 * network: untrusted). The fuzz build has no crypto library, so the gcm op is a fake that checks
 * every field the codec passes (IV = system title || IC, AAD = SC [|| payload], key slots, tag
 * length, in/out/len) and then acts as an "identity cipher" (out = in, tag = the input's tag).
 * Checks:
 * - a rejected input fails only with TRUNCATED/MALFORMED/UNSUPPORTED/UNEXPECTED and leaves the
 *   output and the reader untouched;
 * - an accepted one: the payload and tag spans lie inside the consumed bytes, in order, the tag
 *   is present exactly when SC has AUTH and ends the envelope;
 * - open through the fake passes the right fields and gives the payload; an op that fails with
 *   AUTH leaves zeros in out and len untouched; one byte less of capacity is NOSPACE, out
 *   untouched;
 * - re-sealing with the same fields through the identity op gives the input bytes (or, for
 *   non-minimal BER lengths in the input, a shorter envelope that decodes to the same fields);
 *   one byte less of room is NOSPACE and writes nothing.
 */
#include <string.h>

#include "fuzz.h"
#include "omnipower/apdu.h"

#define K_SLOT 3u  /* OMP_KEY_DEDICATED: any value, checked to arrive unchanged */
#define AK_SLOT 2u /* OMP_KEY_GAK */

struct fake {
    const struct omp_apdu_ciphered *c;
    const uint8_t *st; /* expected system title */
    bool fail_auth;    /* return OMP_ERR_AUTH (after scribbling on out, as a bad port might) */
    int calls;
};

static const uint8_t k_peer_st[8] = {'F', 'U', 'Z', 0x00, 0x12, 0x34, 0x56, 0x78};

static omp_err fake_gcm(void *user, const struct omp_gcm_op *op)
{
    struct fake *f = user;
    const struct omp_apdu_ciphered *c = f->c;
    const bool auth = (c->sc & OMP_SC_AUTH) != 0u;
    const bool enc = (c->sc & OMP_SC_ENC) != 0u;
    f->calls++;
    OMP_FUZZ_CHECK(op->iv != NULL && op->iv_len == 12u);
    OMP_FUZZ_CHECK(memcmp(op->iv, f->st, 8u) == 0);
    const uint32_t ic = (uint32_t)op->iv[8] << 24 | (uint32_t)op->iv[9] << 16 |
                        (uint32_t)op->iv[10] << 8 | op->iv[11];
    OMP_FUZZ_CHECK(ic == c->ic);
    OMP_FUZZ_CHECK(op->key_slot == K_SLOT);
    OMP_FUZZ_CHECK(op->tag != NULL && op->tag_len == OMP_APDU_GCM_TAG_LEN);
    if (auth) {
        OMP_FUZZ_CHECK(op->aad_key_slot == AK_SLOT);
        OMP_FUZZ_CHECK(op->aad != NULL && op->aad[0] == c->sc);
    } else {
        OMP_FUZZ_CHECK(op->aad_key_slot == OMP_KEY_NONE && op->aad_len == 0u);
        OMP_FUZZ_CHECK(op->encrypt); /* E only: keystream through the encrypt op */
    }
    if (auth && !enc) {
        OMP_FUZZ_CHECK(op->len == 0u);
        OMP_FUZZ_CHECK(op->aad_len == 1u + c->payload_len);
        OMP_FUZZ_CHECK(c->payload_len == 0u ||
                       memcmp(op->aad + 1, c->payload, c->payload_len) == 0);
    } else {
        OMP_FUZZ_CHECK(op->len == c->payload_len);
        OMP_FUZZ_CHECK(!auth || op->aad_len == 1u);
        if (op->len > 0u) {
            OMP_FUZZ_CHECK(op->in != NULL && op->out != NULL);
        }
    }
    if (!op->encrypt && auth) {
        OMP_FUZZ_CHECK(memcmp(op->tag, c->auth_tag, OMP_APDU_GCM_TAG_LEN) == 0);
    }
    if (f->fail_auth) {
        if (op->len > 0u) {
            memset(op->out, 0xEE, op->len);
        }
        return OMP_ERR_AUTH;
    }
    if (op->len > 0u) {
        memmove(op->out, op->in, op->len);
    }
    if (op->encrypt) {
        if (auth) {
            memcpy(op->tag, c->auth_tag, OMP_APDU_GCM_TAG_LEN);
        } else {
            memset(op->tag, 0x77, op->tag_len);
        }
    }
    return OMP_OK;
}

static bool same_fields(const struct omp_apdu_ciphered *a, const struct omp_apdu_ciphered *b)
{
    if (a->tag != b->tag || a->has_system_title != b->has_system_title || a->sc != b->sc ||
        a->ic != b->ic || a->payload_len != b->payload_len ||
        memcmp(a->system_title, b->system_title, 8u) != 0) {
        return false;
    }
    if (a->payload_len > 0u && memcmp(a->payload, b->payload, a->payload_len) != 0) {
        return false;
    }
    if ((a->auth_tag == NULL) != (b->auth_tag == NULL)) {
        return false;
    }
    return a->auth_tag == NULL || memcmp(a->auth_tag, b->auth_tag, OMP_APDU_GCM_TAG_LEN) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct omp_apdu_ciphered c, sentinel;
    memset(&sentinel, 0x5A, sizeof sentinel);
    memcpy(&c, &sentinel, sizeof c);
    struct omp_rd rd = omp_rd_init(data, size);
    omp_err err = omp_apdu_cipher_decode(&rd, &c);
    if (err != OMP_OK) {
        OMP_FUZZ_CHECK(err == OMP_ERR_TRUNCATED || err == OMP_ERR_MALFORMED ||
                       err == OMP_ERR_UNSUPPORTED || err == OMP_ERR_UNEXPECTED);
        OMP_FUZZ_CHECK(memcmp(&c, &sentinel, sizeof c) == 0);
        OMP_FUZZ_CHECK(omp_rd_pos(&rd) == 0u);
        return 0;
    }

    /* spans inside the consumed bytes, in order */
    const size_t used = omp_rd_pos(&rd);
    const bool auth = (c.sc & OMP_SC_AUTH) != 0u;
    const bool enc = (c.sc & OMP_SC_ENC) != 0u;
    OMP_FUZZ_CHECK(used >= 7u && used <= size);
    OMP_FUZZ_CHECK((c.sc & (OMP_SC_SUITE_MASK | OMP_SC_COMPRESS)) == 0u && (auth || enc));
    OMP_FUZZ_CHECK(c.payload != NULL && c.payload >= data + 7u);
    OMP_FUZZ_CHECK(c.payload_len <= used && c.payload <= data + used - c.payload_len);
    if (auth) {
        OMP_FUZZ_CHECK(c.auth_tag == c.payload + c.payload_len);
        OMP_FUZZ_CHECK(c.auth_tag + OMP_APDU_GCM_TAG_LEN == data + used);
    } else {
        OMP_FUZZ_CHECK(c.auth_tag == NULL && c.payload + c.payload_len == data + used);
    }
    OMP_FUZZ_CHECK(c.tag == data[0] && c.has_system_title == (data[0] == 0xDB || data[0] == 0xDC));
    /* minimal title length 08: the title is bytes 2..9 (a long form 81 08 shifts it) */
    OMP_FUZZ_CHECK(!c.has_system_title || data[1] != 0x08u ||
                   memcmp(c.system_title, data + 2, 8u) == 0);
    const uint8_t *st = c.has_system_title ? c.system_title : k_peer_st;

    /* open: fields reach the op; result is the payload (identity op) */
    static uint8_t out[1u << 16];
    const size_t need = c.payload_len + ((auth && !enc) ? 1u : 0u);
    if (need >= sizeof out) {
        return 0;
    }
    struct fake f = {&c, st, false, 0};
    size_t len = 12345u;
    err = omp_apdu_cipher_open(&c, k_peer_st, fake_gcm, &f, K_SLOT, AK_SLOT, out, need, &len);
    OMP_FUZZ_CHECK(err == OMP_OK && f.calls == 1 && len == c.payload_len);
    OMP_FUZZ_CHECK(len == 0u || memcmp(out, c.payload, len) == 0);

    /* a failing op: zeros in out, len untouched */
    memset(out, 0xA5, need + 1u);
    f.fail_auth = true;
    len = 12345u;
    err = omp_apdu_cipher_open(&c, k_peer_st, fake_gcm, &f, K_SLOT, AK_SLOT, out, need, &len);
    OMP_FUZZ_CHECK(err == OMP_ERR_AUTH && len == 12345u);
    for (size_t i = 0; i < need; i++) {
        OMP_FUZZ_CHECK(out[i] == 0u);
    }
    OMP_FUZZ_CHECK(out[need] == 0xA5u);
    f.fail_auth = false;

    /* one byte short: NOSPACE, no call, out untouched */
    if (need > 0u) {
        memset(out, 0xA5, need);
        f.calls = 0;
        err = omp_apdu_cipher_open(&c, k_peer_st, fake_gcm, &f, K_SLOT, AK_SLOT, out, need - 1u,
                                   &len);
        OMP_FUZZ_CHECK(err == OMP_ERR_NOSPACE && f.calls == 0);
        for (size_t i = 0; i < need; i++) {
            OMP_FUZZ_CHECK(out[i] == 0xA5u);
        }
    }

    /* re-seal with the same fields: the same bytes (minimal lengths) or a shorter equivalent */
    static uint8_t sealed[1u << 16];
    if (used > sizeof sealed) {
        return 0;
    }
    struct omp_wr w = omp_wr_init(sealed, used);
    err = omp_apdu_cipher_seal(&w, c.tag, st, c.sc, c.ic, c.payload, c.payload_len, fake_gcm, &f,
                               K_SLOT, AK_SLOT);
    OMP_FUZZ_CHECK(err == OMP_OK);
    const size_t n = omp_wr_len(&w);
    OMP_FUZZ_CHECK(n >= 7u && n <= used);
    if (n == used) {
        OMP_FUZZ_CHECK(memcmp(sealed, data, used) == 0);
    }
    struct omp_apdu_ciphered d;
    struct omp_rd rd2 = omp_rd_init(sealed, n);
    OMP_FUZZ_CHECK(omp_apdu_cipher_decode(&rd2, &d) == OMP_OK && omp_rd_pos(&rd2) == n);
    OMP_FUZZ_CHECK(same_fields(&c, &d));

    /* one byte less of room: NOSPACE, nothing written */
    memset(sealed, 0xA5, n);
    w = omp_wr_init(sealed, n - 1u);
    err = omp_apdu_cipher_seal(&w, c.tag, st, c.sc, c.ic, c.payload, c.payload_len, fake_gcm, &f,
                               K_SLOT, AK_SLOT);
    OMP_FUZZ_CHECK(err == OMP_ERR_NOSPACE && omp_wr_len(&w) == 0u);
    for (size_t i = 0; i < n; i++) {
        OMP_FUZZ_CHECK(sealed[i] == 0xA5u);
    }
    return 0;
}

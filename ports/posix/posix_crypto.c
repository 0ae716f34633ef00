/*
 * The POSIX port's crypto: key store (RAM), AES-128-GCM for DLMS security suite 0, SHA-256 and
 * ECDSA P-256 verification, all with mbed TLS (2.28; the calls used also exist in 3.x).
 *
 * Key hygiene: keys are read from the store in place (never copied to the stack); the only copy
 * is the AAD buffer of a suite-0 operation (SC || AK || ...), which lives on the heap and is
 * zeroised before it is freed. mbedtls_gcm_free() zeroises the GCM context (round keys, H table).
 */
#include "omnipower/port_posix.h"

#include <ctype.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/aes.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/gcm.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <mbedtls/version.h>

_Static_assert(sizeof(mbedtls_sha256_context) <= OMP_POSIX_SHA256_CTX_SIZE,
               "OMP_POSIX_SHA256_CTX_SIZE is too small for this mbed TLS");
_Static_assert(alignof(mbedtls_sha256_context) <= alignof(union omp_posix_sha256_storage),
               "omp_posix_sha256_storage is not aligned enough for this mbed TLS");

#define AES128_KEY_LEN 16u
#define GCM_IV_LEN 12u
#define P256_PUBKEY_LEN 65u /* SEC1 uncompressed: 04 || X || Y */
#define P256_SIG_LEN 64u    /* r || s */
#define HLS_KEY_MAX 32u

static mbedtls_sha256_context *sha_ctx(struct omp_posix_port *p)
{
    return (mbedtls_sha256_context *)(void *)p->crypto.sha256.bytes;
}

/* ---- key store ------------------------------------------------------------------------------ */

/** A P-256 public key in SEC1 uncompressed form that lies on the curve. */
static bool p256_pubkey_valid(const uint8_t *key, size_t len)
{
    if (len != P256_PUBKEY_LEN || key[0] != 0x04u) {
        return false;
    }
    mbedtls_ecp_group grp;
    mbedtls_ecp_point q;
    mbedtls_ecp_group_init(&grp);
    mbedtls_ecp_point_init(&q);
    int rc = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1);
    if (rc == 0) {
        rc = mbedtls_ecp_point_read_binary(&grp, &q, key, len);
    }
    if (rc == 0) {
        rc = mbedtls_ecp_check_pubkey(&grp, &q);
    }
    mbedtls_ecp_point_free(&q);
    mbedtls_ecp_group_free(&grp);
    return rc == 0;
}

omp_err omp_posix_key_store(void *user, uint8_t key_slot, const uint8_t *key, size_t len)
{
    struct omp_posix_port *p = user;
    if (p == NULL || key == NULL || key_slot >= OMP_KEY_SLOT_COUNT) {
        return OMP_ERR_ARG;
    }
    switch (key_slot) {
    case OMP_KEY_GUEK:
    case OMP_KEY_GBEK:
    case OMP_KEY_GAK:
    case OMP_KEY_DEDICATED:
    case OMP_KEY_KEK:
    case OMP_KEY_HAN_EK:
    case OMP_KEY_HAN_AK:
        if (len != AES128_KEY_LEN) {
            return OMP_ERR_ARG;
        }
        break;
    case OMP_KEY_HLS:
        if (len == 0u || len > HLS_KEY_MAX) {
            return OMP_ERR_ARG;
        }
        break;
    case OMP_KEY_FW_PUBLIC:
        if (!p256_pubkey_valid(key, len)) {
            return OMP_ERR_ARG;
        }
        break;
    default:
        return OMP_ERR_ARG;
    }
    uint8_t *slot = p->crypto.key[key_slot];
    mbedtls_platform_zeroize(slot, OMP_POSIX_KEY_MAX);
    memcpy(slot, key, len);
    p->crypto.key_len[key_slot] = (uint8_t)len;
    p->crypto.key_stores++;
    return OMP_OK;
}

void omp_posix_crypto_wipe(struct omp_posix_port *p)
{
    if (p == NULL) {
        return;
    }
    if (p->crypto.sha256_active) {
        mbedtls_sha256_free(sha_ctx(p));
    }
    mbedtls_platform_zeroize(&p->crypto, sizeof p->crypto);
}

static int hex_nibble(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* Decode exactly @p n hex chars into dst (n even, n/2 <= cap). */
static bool hex_decode(const char *hex, size_t n, uint8_t *dst, size_t cap, size_t *out_len)
{
    if (n == 0u || (n % 2u) != 0u || n / 2u > cap) {
        return false;
    }
    for (size_t i = 0; i < n / 2u; i++) {
        int hi = hex_nibble(hex[2u * i]);
        int lo = hex_nibble(hex[2u * i + 1u]);
        if (hi < 0 || lo < 0) {
            return false;
        }
        dst[i] = (uint8_t)((unsigned)hi << 4 | (unsigned)lo);
    }
    *out_len = n / 2u;
    return true;
}

omp_err omp_posix_crypto_load_key_hex(struct omp_posix_port *p, enum omp_key_slot slot,
                                      const char *hex)
{
    if (p == NULL || hex == NULL) {
        return OMP_ERR_ARG;
    }
    uint8_t key[OMP_POSIX_KEY_MAX];
    size_t len = 0;
    omp_err err = OMP_ERR_ARG;
    if (hex_decode(hex, strlen(hex), key, sizeof key, &len)) {
        err = omp_posix_key_store(p, (uint8_t)slot, key, len);
    }
    mbedtls_platform_zeroize(key, sizeof key);
    return err;
}

static const struct {
    const char *name;
    enum omp_key_slot slot;
} k_slot_names[] = {
    { "guek", OMP_KEY_GUEK },         { "gbek", OMP_KEY_GBEK },
    { "gak", OMP_KEY_GAK },           { "dedicated", OMP_KEY_DEDICATED },
    { "hls", OMP_KEY_HLS },           { "fw_public", OMP_KEY_FW_PUBLIC },
    { "kek", OMP_KEY_KEK },           { "han_ek", OMP_KEY_HAN_EK },
    { "han_ak", OMP_KEY_HAN_AK },
};

static bool slot_by_name(const char *name, size_t n, enum omp_key_slot *slot)
{
    for (size_t i = 0; i < sizeof k_slot_names / sizeof k_slot_names[0]; i++) {
        const char *s = k_slot_names[i].name;
        if (strlen(s) != n) {
            continue;
        }
        size_t j = 0;
        while (j < n && tolower((unsigned char)name[j]) == s[j]) {
            j++;
        }
        if (j == n) {
            *slot = k_slot_names[i].slot;
            return true;
        }
    }
    return false;
}

/* Messages name the item and the slot, never the key digits. */
static void set_err(char *errbuf, size_t errcap, size_t item, const char *msg, const char *name,
                    size_t name_len)
{
    if (errbuf != NULL && errcap > 0u) {
        (void)snprintf(errbuf, errcap, "key item %zu '%.*s': %s", item,
                       (int)(name_len > 16u ? 16u : name_len), name, msg);
    }
}

omp_err omp_posix_crypto_load_keys_hex(struct omp_posix_port *p, const char *spec, char *errbuf,
                                       size_t errcap)
{
    if (errbuf != NULL && errcap > 0u) {
        errbuf[0] = '\0';
    }
    if (p == NULL || spec == NULL) {
        return OMP_ERR_ARG;
    }
    /* Parse and check every item into a scratch store first: all or nothing. */
    struct omp_posix_port scratch;
    memset(&scratch, 0, sizeof scratch);
    bool set[OMP_KEY_SLOT_COUNT] = { false };
    omp_err err = OMP_OK;
    const char *s = spec;
    size_t item = 1;
    while (*s != '\0' && err == OMP_OK) {
        const char *end = strchr(s, ',');
        size_t n = end != NULL ? (size_t)(end - s) : strlen(s);
        const char *eq = memchr(s, '=', n);
        size_t name_len = eq != NULL ? (size_t)(eq - s) : 0u;
        enum omp_key_slot slot = OMP_KEY_GUEK;
        uint8_t key[OMP_POSIX_KEY_MAX];
        size_t len = 0;
        if (eq == NULL || !slot_by_name(s, name_len, &slot)) {
            set_err(errbuf, errcap, item, "expected guek|gbek|gak|dedicated|hls|fw_public=HEX", s,
                    name_len);
            err = OMP_ERR_ARG;
        } else if (!hex_decode(eq + 1, n - name_len - 1u, key, sizeof key, &len)) {
            set_err(errbuf, errcap, item, "bad hex (an even number of digits, at most 65 bytes)",
                    s, name_len);
            err = OMP_ERR_ARG;
        } else if (omp_posix_key_store(&scratch, (uint8_t)slot, key, len) != OMP_OK) {
            set_err(errbuf, errcap, item, "wrong length for the slot (or not a P-256 point)", s,
                    name_len);
            err = OMP_ERR_ARG;
        } else {
            set[slot] = true;
        }
        mbedtls_platform_zeroize(key, sizeof key);
        s = end != NULL ? end + 1 : s + n;
        item++;
        if (err == OMP_OK && end != NULL && *s == '\0') {
            set_err(errbuf, errcap, item, "empty item after ','", "", 0u);
            err = OMP_ERR_ARG;
        }
    }
    for (size_t i = 0; i < OMP_KEY_SLOT_COUNT && err == OMP_OK; i++) {
        if (set[i]) {
            err = omp_posix_key_store(p, (uint8_t)i, scratch.crypto.key[i],
                                      scratch.crypto.key_len[i]);
        }
    }
    mbedtls_platform_zeroize(&scratch.crypto, sizeof scratch.crypto);
    return err;
}

/* ---- AES-GCM ------------------------------------------------------------------------------- */

/* The slot's AES-128 key, or an error: OMP_ERR_ARG for a slot that cannot hold one,
 * OMP_ERR_UNSUPPORTED for an empty slot. */
static omp_err aes_key(const struct omp_posix_port *p, uint8_t slot, const uint8_t **key)
{
    if (slot >= OMP_KEY_SLOT_COUNT || slot == OMP_KEY_FW_PUBLIC) {
        return OMP_ERR_ARG;
    }
    if (p->crypto.key_len[slot] == 0u) {
        return OMP_ERR_UNSUPPORTED;
    }
    if (p->crypto.key_len[slot] != AES128_KEY_LEN) {
        return OMP_ERR_ARG; /* an HLS secret that is not 16 bytes */
    }
    *key = p->crypto.key[slot];
    return OMP_OK;
}

omp_err omp_posix_aead_gcm(void *user, const struct omp_gcm_op *op)
{
    struct omp_posix_port *p = user;
    if (p == NULL || op == NULL || op->iv == NULL || op->iv_len != GCM_IV_LEN ||
        op->tag == NULL || (op->tag_len != 12u && op->tag_len != 16u) ||
        (op->aad == NULL && op->aad_len > 0u) ||
        (op->len > 0u && (op->in == NULL || op->out == NULL))) {
        return OMP_ERR_ARG;
    }
    /* in == out is fine; a partial overlap is not (mbed TLS would read what it wrote). */
    if (op->len > 0u && op->in != op->out) {
        uintptr_t a = (uintptr_t)op->in, b = (uintptr_t)op->out;
        if ((a < b && b - a < op->len) || (b < a && a - b < op->len)) {
            return OMP_ERR_ARG;
        }
    }
    const uint8_t *key = NULL;
    omp_err err = aes_key(p, op->key_slot, &key);
    if (err != OMP_OK) {
        return err;
    }
    const uint8_t *akey = NULL;
    size_t akey_len = 0;
    if (op->aad_key_slot != OMP_KEY_NONE) {
        if (op->aad_key_slot >= OMP_KEY_SLOT_COUNT || op->aad_key_slot == OMP_KEY_FW_PUBLIC) {
            return OMP_ERR_ARG;
        }
        akey_len = p->crypto.key_len[op->aad_key_slot];
        if (akey_len == 0u) {
            return OMP_ERR_UNSUPPORTED;
        }
        if (op->aad_len < 1u) {
            return OMP_ERR_ARG; /* no security control byte to put the key after */
        }
        akey = p->crypto.key[op->aad_key_slot];
    }

    /* DLMS suite 0 (DLMS UA 1000-2 / IEC 62056-5-3 security): AAD = SC || AK || rest, where the
     * caller's aad is SC || rest. So the key goes after the first aad byte, which is how hal.h's
     * "SC || AK || ..." is met while the caller never sees AK. mbed TLS 2.28 takes the AAD in one
     * piece, so it is assembled on the heap (zeroised afterwards: it holds AK). */
    uint8_t *aad_buf = NULL;
    const uint8_t *aad = op->aad;
    size_t aad_len = op->aad_len;
    if (akey_len > 0u) {
        if (op->aad_len > SIZE_MAX - akey_len) {
            return OMP_ERR_ARG;
        }
        aad_len = akey_len + op->aad_len;
        aad_buf = malloc(aad_len);
        if (aad_buf == NULL) {
            return OMP_ERR_HAL;
        }
        aad_buf[0] = op->aad[0];
        memcpy(aad_buf + 1, akey, akey_len);
        memcpy(aad_buf + 1 + akey_len, op->aad + 1, op->aad_len - 1u);
        aad = aad_buf;
    }

    mbedtls_gcm_context gcm;
    mbedtls_gcm_init(&gcm);
    int rc = mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, key, 8u * AES128_KEY_LEN);
    if (op->encrypt) {
        if (rc == 0) {
            rc = mbedtls_gcm_crypt_and_tag(&gcm, MBEDTLS_GCM_ENCRYPT, op->len, op->iv, op->iv_len,
                                           aad, aad_len, op->in, op->out, op->tag_len, op->tag);
        }
        if (rc != 0) {
            if (op->len > 0u) {
                mbedtls_platform_zeroize(op->out, op->len);
            }
            mbedtls_platform_zeroize(op->tag, op->tag_len);
            err = OMP_ERR_HAL;
        }
    } else {
        /* auth_decrypt compares the (truncated) tag in constant time and zeroes out on mismatch;
         * the output is zeroed here again for any failure. */
        if (rc == 0) {
            rc = mbedtls_gcm_auth_decrypt(&gcm, op->len, op->iv, op->iv_len, aad, aad_len,
                                          op->tag, op->tag_len, op->in, op->out);
        }
        if (rc != 0) {
            if (op->len > 0u) {
                mbedtls_platform_zeroize(op->out, op->len);
            }
            err = (rc == MBEDTLS_ERR_GCM_AUTH_FAILED) ? OMP_ERR_AUTH : OMP_ERR_HAL;
            if (err == OMP_ERR_AUTH) {
                p->crypto.auth_failures++;
            }
        }
    }
    mbedtls_gcm_free(&gcm);
    if (aad_buf != NULL) {
        mbedtls_platform_zeroize(aad_buf, aad_len);
        free(aad_buf);
    }
    p->crypto.gcm_calls++;
    return err;
}

/* ---- SHA-256 ------------------------------------------------------------------------------- */

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define SHA256_STARTS(c) mbedtls_sha256_starts((c), 0)
#define SHA256_UPDATE(c, d, n) mbedtls_sha256_update((c), (d), (n))
#define SHA256_FINISH(c, o) mbedtls_sha256_finish((c), (o))
#else
#define SHA256_STARTS(c) mbedtls_sha256_starts_ret((c), 0)
#define SHA256_UPDATE(c, d, n) mbedtls_sha256_update_ret((c), (d), (n))
#define SHA256_FINISH(c, o) mbedtls_sha256_finish_ret((c), (o))
#endif

static void sha_end(struct omp_posix_port *p)
{
    mbedtls_sha256_free(sha_ctx(p)); /* zeroises the context */
    p->crypto.sha256_active = false;
}

omp_err omp_posix_sha256_start(void *user)
{
    struct omp_posix_port *p = user;
    if (p == NULL) {
        return OMP_ERR_ARG;
    }
    if (p->crypto.sha256_active) {
        sha_end(p); /* a new hash abandons the running one */
    }
    mbedtls_sha256_init(sha_ctx(p));
    if (SHA256_STARTS(sha_ctx(p)) != 0) {
        sha_end(p);
        return OMP_ERR_HAL;
    }
    p->crypto.sha256_active = true;
    return OMP_OK;
}

omp_err omp_posix_sha256_update(void *user, const uint8_t *data, size_t len)
{
    struct omp_posix_port *p = user;
    if (p == NULL || (data == NULL && len > 0u)) {
        return OMP_ERR_ARG;
    }
    if (!p->crypto.sha256_active) {
        return OMP_ERR_STATE;
    }
    if (len > 0u && SHA256_UPDATE(sha_ctx(p), data, len) != 0) {
        sha_end(p);
        return OMP_ERR_HAL;
    }
    return OMP_OK;
}

omp_err omp_posix_sha256_finish(void *user, uint8_t digest[32])
{
    struct omp_posix_port *p = user;
    if (p == NULL || digest == NULL) {
        return OMP_ERR_ARG;
    }
    if (!p->crypto.sha256_active) {
        return OMP_ERR_STATE;
    }
    int rc = SHA256_FINISH(sha_ctx(p), digest);
    sha_end(p);
    return rc == 0 ? OMP_OK : OMP_ERR_HAL;
}

/* ---- ECDSA P-256 --------------------------------------------------------------------------- */

omp_err omp_posix_sig_verify(void *user, uint8_t key_slot, const uint8_t digest[32],
                             const uint8_t *sig, size_t sig_len)
{
    struct omp_posix_port *p = user;
    if (p == NULL || digest == NULL || sig == NULL || sig_len != P256_SIG_LEN ||
        key_slot != OMP_KEY_FW_PUBLIC) {
        return OMP_ERR_ARG;
    }
    if (p->crypto.key_len[key_slot] != P256_PUBKEY_LEN) {
        return OMP_ERR_UNSUPPORTED; /* no public key provisioned */
    }
    mbedtls_ecp_group grp;
    mbedtls_ecp_point q;
    mbedtls_mpi r, s;
    mbedtls_ecp_group_init(&grp);
    mbedtls_ecp_point_init(&q);
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    int rc = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1);
    if (rc == 0) {
        rc = mbedtls_ecp_point_read_binary(&grp, &q, p->crypto.key[key_slot], P256_PUBKEY_LEN);
    }
    if (rc == 0) {
        rc = mbedtls_mpi_read_binary(&r, sig, 32u);
    }
    if (rc == 0) {
        rc = mbedtls_mpi_read_binary(&s, sig + 32u, 32u);
    }
    if (rc == 0) {
        rc = mbedtls_ecdsa_verify(&grp, digest, 32u, &q, &r, &s);
    }
    mbedtls_mpi_free(&s);
    mbedtls_mpi_free(&r);
    mbedtls_ecp_point_free(&q);
    mbedtls_ecp_group_free(&grp);
    if (rc == MBEDTLS_ERR_MPI_ALLOC_FAILED || rc == MBEDTLS_ERR_ECP_ALLOC_FAILED) {
        return OMP_ERR_HAL;
    }
    /* Anything else that is not a valid signature (r or s out of range, bad point) fails. */
    return rc == 0 ? OMP_OK : OMP_ERR_AUTH;
}

/* ---- AES key wrap (RFC 3394): the DLMS global_key_transfer ------------------------------------ */

#define KW_WRAPPED_LEN (AES128_KEY_LEN + 8u)

/* RFC 3394 2.2.2 unwrap of a 16-byte key under @p kek (index-based form). @return true when the
 * integrity check value A6A6A6A6A6A6A6A6 comes out; @p key holds the key then. */
static bool kw_unwrap(const uint8_t *kek, const uint8_t *in, uint8_t key[AES128_KEY_LEN])
{
    mbedtls_aes_context aes;
    mbedtls_aes_init(&aes);
    uint8_t a[8], b[16];
    uint8_t r[2][8];
    memcpy(a, in, 8u);
    memcpy(r[0], in + 8, 8u);
    memcpy(r[1], in + 16, 8u);
    int rc = mbedtls_aes_setkey_dec(&aes, kek, 128u);
    for (unsigned j = 6u; j-- > 0u && rc == 0;) {
        for (unsigned i = 2u; i > 0u && rc == 0; i--) {
            uint64_t t = 2u * j + i;
            memcpy(b, a, 8u);
            for (unsigned k = 0; k < 8u; k++) {
                b[7u - k] ^= (uint8_t)(t >> (8u * k));
            }
            memcpy(b + 8, r[i - 1u], 8u);
            rc = mbedtls_aes_crypt_ecb(&aes, MBEDTLS_AES_DECRYPT, b, b);
            memcpy(a, b, 8u);
            memcpy(r[i - 1u], b + 8, 8u);
        }
    }
    mbedtls_aes_free(&aes);
    uint8_t diff = 0;
    for (unsigned k = 0; k < 8u; k++) {
        diff = (uint8_t)(diff | (a[k] ^ 0xA6u));
    }
    memcpy(key, r[0], 8u);
    memcpy(key + 8, r[1], 8u);
    mbedtls_platform_zeroize(b, sizeof b);
    mbedtls_platform_zeroize(r, sizeof r);
    return rc == 0 && diff == 0u;
}

omp_err omp_posix_key_unwrap(void *user, uint8_t key_slot, const uint8_t *wrapped, size_t len)
{
    struct omp_posix_port *p = user;
    if (p == NULL || wrapped == NULL || len != KW_WRAPPED_LEN ||
        (key_slot != OMP_KEY_GUEK && key_slot != OMP_KEY_GBEK && key_slot != OMP_KEY_GAK &&
         key_slot != OMP_KEY_KEK && key_slot != OMP_KEY_NONE)) {
        return OMP_ERR_ARG;
    }
    const uint8_t *kek = NULL;
    omp_err err = aes_key(p, OMP_KEY_KEK, &kek);
    if (err != OMP_OK) {
        return err;
    }
    uint8_t key[AES128_KEY_LEN];
    err = !kw_unwrap(kek, wrapped, key) ? OMP_ERR_AUTH
          : key_slot == OMP_KEY_NONE        ? OMP_OK /* a check only: nothing kept */
                                            : omp_posix_key_store(p, key_slot, key, sizeof key);
    mbedtls_platform_zeroize(key, sizeof key);
    return err;
}

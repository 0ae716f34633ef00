/*
 * Tests of the POSIX port's crypto (posix_crypto.c, mbed TLS): key store argument checks and
 * hex provisioning, AES-128-GCM known answers (GCM spec test cases 1-4) with 16- and 12-byte
 * tags and tampering, DLMS security suite 0 on a real Kamstrup OMNIPOWER HAN frame, SHA-256
 * (FIPS 180-2 examples) and ECDSA P-256 verification (RFC 6979 A.2.5).
 * Every op is called through the port's ops table (omp_posix_port_hal()).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "han_vectors.h"
#include "test_hex.h"

#include "omnipower/port_posix.h"

/* ---- helpers ---------------------------------------------------------------------------------- */

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != 0u) {
            return false;
        }
    }
    return true;
}

static bool all_byte(const uint8_t *p, size_t n, uint8_t v)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != v) {
            return false;
        }
    }
    return true;
}

static struct omp_posix_port *new_port(void)
{
    struct omp_posix_port *p = malloc(sizeof *p);
    assert_non_null(p);
    omp_posix_port_init(p);
    return p;
}

static void free_port(struct omp_posix_port *p)
{
    omp_posix_port_close(p);
    /* close wipes the key store */
    assert_true(all_zero(p->crypto.key[0], sizeof p->crypto.key));
    assert_true(all_zero(p->crypto.key_len, sizeof p->crypto.key_len));
    free(p);
}

#define GUARD 8u
#define MAXLEN 512u

/* ---- AES-128-GCM known answers --------------------------------------------------------------- */

/*
 * D. McGrew, J. Viega, "The Galois/Counter Mode of Operation (GCM)", revised 2005 (submitted to
 * NIST for SP 800-38D), Appendix B, Test Cases 1-4 (AES-128, 96-bit IV). Hex as printed there.
 */
static const struct gcm_vector {
    const char *name, *k, *p, *iv, *a, *c, *t;
} k_gcm[] = {
    { "GCM spec test case 1", "00000000000000000000000000000000", "", "000000000000000000000000",
      "", "", "58e2fccefa7e3061367f1d57a4e7455a" },
    { "GCM spec test case 2", "00000000000000000000000000000000",
      "00000000000000000000000000000000", "000000000000000000000000", "",
      "0388dace60b6a392f328c2b971b2fe78", "ab6e47d42cec13bdf53a67b21257bddf" },
    { "GCM spec test case 3", "feffe9928665731c6d6a8f9467308308",
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
      "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
      "cafebabefacedbaddecaf888", "",
      "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
      "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
      "4d5c2af327cd64a62cf35abd2ba6fab4" },
    { "GCM spec test case 4", "feffe9928665731c6d6a8f9467308308",
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
      "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
      "cafebabefacedbaddecaf888", "feedfacedeadbeeffeedfacedeadbeefabaddad2",
      "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
      "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
      "5bc94fbc3221a5db94fae95ae7121a47" },
};

struct gcm_bufs {
    uint8_t k[16], p[MAXLEN], iv[12], a[64], c[MAXLEN], t[16];
    size_t klen, plen, ivlen, alen, clen, tlen;
};

static void load_vector(const struct gcm_vector *v, struct gcm_bufs *b)
{
    b->klen = unhex(v->k, b->k, sizeof b->k);
    b->plen = unhex(v->p, b->p, sizeof b->p);
    b->ivlen = unhex(v->iv, b->iv, sizeof b->iv);
    b->alen = unhex(v->a, b->a, sizeof b->a);
    b->clen = unhex(v->c, b->c, sizeof b->c);
    b->tlen = unhex(v->t, b->t, sizeof b->t);
    assert_int_equal(b->clen, b->plen);
    assert_int_equal(b->tlen, 16u);
}

/* Run one op with out surrounded by 0xA5 guard bytes; check the guards afterwards. */
static omp_err run_gcm(const struct omp_hal *hal, struct omp_gcm_op op, uint8_t *out_area)
{
    memset(out_area, 0xA5, MAXLEN + 2u * GUARD);
    op.out = out_area + GUARD;
    omp_err err = hal->ops->aead_gcm(hal->user, &op);
    assert_true(all_byte(out_area, GUARD, 0xA5u));
    assert_true(all_byte(out_area + GUARD + op.len, GUARD, 0xA5u));
    return err;
}

static void test_gcm_spec_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof k_gcm / sizeof k_gcm[0]; i++) {
        struct gcm_bufs b;
        load_vector(&k_gcm[i], &b);
        struct omp_posix_port *p = new_port();
        struct omp_hal hal = omp_posix_port_hal(p);
        assert_int_equal(hal.ops->key_store(hal.user, OMP_KEY_GUEK, b.k, b.klen), OMP_OK);
        uint8_t area[MAXLEN + 2u * GUARD];
        uint8_t *out = area + GUARD;

        for (size_t tl = 12u; tl <= 16u; tl += 4u) { /* DLMS truncation and the full tag */
            /* encrypt */
            uint8_t tag[16];
            memset(tag, 0xA5, sizeof tag);
            struct omp_gcm_op op = { .encrypt = true, .key_slot = OMP_KEY_GUEK,
                                     .aad_key_slot = OMP_KEY_NONE, .iv = b.iv, .iv_len = b.ivlen,
                                     .aad = b.alen ? b.a : NULL, .aad_len = b.alen, .in = b.p,
                                     .len = b.plen, .tag = tag, .tag_len = tl };
            assert_int_equal(run_gcm(&hal, op, area), OMP_OK);
            assert_memory_equal(out, b.c, b.clen);
            assert_memory_equal(tag, b.t, tl);
            if (tl == 12u) {
                assert_true(all_byte(tag + 12, 4u, 0xA5u)); /* nothing past tag_len */
            }

            /* decrypt */
            op.encrypt = false;
            op.in = b.c;
            op.tag = b.t; /* the first tl bytes of the published tag */
            assert_int_equal(run_gcm(&hal, op, area), OMP_OK);
            assert_memory_equal(out, b.p, b.plen);

            /* tampering: each flip must give OMP_ERR_AUTH and a zeroed output */
            uint8_t c2[MAXLEN], t2[16], a2[64];
            for (size_t bit = 0; bit < 8u * (b.clen + tl + b.alen); bit += 7u) {
                memcpy(c2, b.c, b.clen);
                memcpy(t2, b.t, sizeof t2);
                memcpy(a2, b.a, b.alen);
                size_t byte = bit / 8u;
                uint8_t mask = (uint8_t)(1u << (bit % 8u));
                if (byte < b.clen) {
                    c2[byte] ^= mask;
                } else if (byte < b.clen + tl) {
                    t2[byte - b.clen] ^= mask;
                } else {
                    a2[byte - b.clen - tl] ^= mask;
                }
                struct omp_gcm_op bad = op;
                bad.in = c2;
                bad.tag = t2;
                bad.aad = b.alen ? a2 : NULL;
                assert_int_equal(run_gcm(&hal, bad, area), OMP_ERR_AUTH);
                assert_true(all_zero(out, b.clen));
            }
            /* AAD where the sender had none (or one byte more) */
            uint8_t a3[65];
            memcpy(a3, b.a, b.alen);
            a3[b.alen] = 0;
            struct omp_gcm_op bad = op;
            bad.aad = a3;
            bad.aad_len = b.alen + 1u;
            assert_int_equal(run_gcm(&hal, bad, area), OMP_ERR_AUTH);
            assert_true(all_zero(out, b.clen));

            /* in place: encrypt then decrypt in one buffer */
            uint8_t buf[MAXLEN];
            memcpy(buf, b.p, b.plen);
            op.encrypt = true;
            op.in = buf;
            op.out = buf;
            op.tag = tag;
            assert_int_equal(hal.ops->aead_gcm(hal.user, &op), OMP_OK);
            assert_memory_equal(buf, b.c, b.clen);
            assert_memory_equal(tag, b.t, tl);
            op.encrypt = false;
            assert_int_equal(hal.ops->aead_gcm(hal.user, &op), OMP_OK);
            assert_memory_equal(buf, b.p, b.plen);
            /* in place with a bad tag: the buffer is zeroed */
            tag[0] ^= 1u;
            memcpy(buf, b.c, b.clen);
            assert_int_equal(hal.ops->aead_gcm(hal.user, &op), OMP_ERR_AUTH);
            assert_true(all_zero(buf, b.clen));
        }
        assert_true(p->crypto.auth_failures > 0u);
        free_port(p);
    }
}

/* The key inside the AAD: test case 4 again with its 20-byte AAD split as SC || key || rest, the
 * way DLMS suite 0 builds SC || AK || ...: byte 0 (fe) and the last 3 bytes (addad2) stay in
 * op.aad, bytes 1..16 (edfacedeadbeeffeedfacedeadbeefab) go into the GAK slot. */
static void test_gcm_aad_key_prefix(void **state)
{
    (void)state;
    struct gcm_bufs b;
    load_vector(&k_gcm[3], &b);
    assert_int_equal(b.alen, 20u);
    uint8_t sc_rest[4] = { b.a[0], b.a[17], b.a[18], b.a[19] };
    struct omp_posix_port *p = new_port();
    struct omp_hal hal = omp_posix_port_hal(p);
    assert_int_equal(hal.ops->key_store(hal.user, OMP_KEY_GUEK, b.k, 16u), OMP_OK);
    assert_int_equal(hal.ops->key_store(hal.user, OMP_KEY_GAK, b.a + 1, 16u), OMP_OK);
    uint8_t area[MAXLEN + 2u * GUARD];
    uint8_t tag[16];
    struct omp_gcm_op op = { .encrypt = true, .key_slot = OMP_KEY_GUEK,
                             .aad_key_slot = OMP_KEY_GAK, .iv = b.iv, .iv_len = 12u,
                             .aad = sc_rest, .aad_len = sizeof sc_rest, .in = b.p, .len = b.plen,
                             .tag = tag, .tag_len = 16u };
    assert_int_equal(run_gcm(&hal, op, area), OMP_OK);
    assert_memory_equal(area + GUARD, b.c, b.clen);
    assert_memory_equal(tag, b.t, 16u);
    /* SC only (aad_len 1): a 17-byte AAD, a different tag */
    op.aad_len = 1u;
    assert_int_equal(run_gcm(&hal, op, area), OMP_OK);
    assert_memory_not_equal(tag, b.t, 16u);
    /* a key slot but no SC byte to put it after */
    op.aad_len = 0u;
    assert_int_equal(run_gcm(&hal, op, area), OMP_ERR_ARG);
    op.aad = NULL;
    assert_int_equal(run_gcm(&hal, op, area), OMP_ERR_ARG);
    /* decrypt with the prefix */
    op.encrypt = false;
    op.aad = sc_rest;
    op.aad_len = sizeof sc_rest;
    op.in = b.c;
    op.tag = b.t;
    assert_int_equal(run_gcm(&hal, op, area), OMP_OK);
    assert_memory_equal(area + GUARD, b.p, b.plen);
    /* a different AK in the slot: bad tag */
    uint8_t other[16];
    memcpy(other, b.a, 16u);
    other[15] ^= 0x80u;
    assert_int_equal(hal.ops->key_store(hal.user, OMP_KEY_GAK, other, 16u), OMP_OK);
    assert_int_equal(run_gcm(&hal, op, area), OMP_ERR_AUTH);
    assert_true(all_zero(area + GUARD, b.plen));
    free_port(p);
}

/* ---- DLMS security suite 0: Kamstrup OMNIPOWER Danish HAN push ---------------------------------- */

/*
 * shared/vectors/kamstrup_dk_han_encrypted.txt (see shared/vectors/README.md): keys from
 * Asbjoern/Kamstrup-Radius-Interface "Kamstrup reader.py", frame and plaintext from a public
 * Radius-derived decryption example. Copied verbatim (FULL_HDLC_FRAME, PLAINTEXT_APDU, the keys).
 */

/*
 * Byte offsets in FULL_HDLC_FRAME (491 bytes):
 *   0 7E | 1-2 A1E9 format | 3 41 dest | 4 03 src | 5 13 UI | 6-7 HCS | 8-10 E6E700 LLC |
 *   11 DB general-glo-ciphering | 12 08 system-title length | 13-20 system title "KAME" 01A4DC52 |
 *   21-23 82 01D0 length 464 (SC..tag) | 24 SC 0x30 | 25-28 invocation counter 000788E1 |
 *   29-475 ciphertext (464 - 1 - 4 - 12 = 447 bytes) | 476-487 tag (12) | 488-489 FCS | 490 7E.
 * IV = system title || invocation counter; AAD = SC || AK: op.aad is the SC byte alone and the
 * port puts AK (aad_key_slot GAK) after it.
 */
#define KAM_FRAME_LEN 491u
#define KAM_OFF_ST 13u
#define KAM_OFF_LEN 22u
#define KAM_OFF_SC 24u
#define KAM_OFF_IC 25u
#define KAM_OFF_CT 29u
#define KAM_CT_LEN 447u
#define KAM_OFF_TAG (KAM_OFF_CT + KAM_CT_LEN)

static void test_dlms_suite0_kamstrup(void **state)
{
    (void)state;
    uint8_t frame[KAM_FRAME_LEN], plain[KAM_CT_LEN];
    assert_int_equal(unhex(k_dk_frame_hex, frame, sizeof frame), KAM_FRAME_LEN);
    assert_int_equal(unhex(k_dk_plain_hex, plain, sizeof plain), KAM_CT_LEN);
    /* the offsets above, checked against the frame's own fields */
    assert_int_equal(frame[11], 0xDB);
    assert_int_equal(frame[12], 8);
    assert_int_equal(frame[21], 0x82);
    assert_int_equal((size_t)frame[KAM_OFF_LEN] << 8 | frame[KAM_OFF_LEN + 1u],
                     1u + 4u + KAM_CT_LEN + 12u);
    assert_int_equal(frame[KAM_OFF_SC], 0x30);
    assert_int_equal(KAM_OFF_TAG + 12u + 3u, KAM_FRAME_LEN); /* FCS + closing flag follow */
    assert_int_equal(frame[KAM_FRAME_LEN - 1u], 0x7E);

    uint8_t iv[12];
    memcpy(iv, frame + KAM_OFF_ST, 8u);
    memcpy(iv + 8, frame + KAM_OFF_IC, 4u);
    static const uint8_t iv_want[12] = { 0x4B, 0x41, 0x4D, 0x45, 0x01, 0xA4,
                                         0xDC, 0x52, 0x00, 0x07, 0x88, 0xE1 };
    assert_memory_equal(iv, iv_want, sizeof iv); /* SYSTEM_TITLE || INVOCATION_COUNTER */

    struct omp_posix_port *p = new_port();
    struct omp_hal hal = omp_posix_port_hal(p);
    uint8_t ek[16], ak[16];
    assert_int_equal(unhex(k_dk_ek_hex, ek, sizeof ek), 16u);
    assert_int_equal(unhex(k_dk_ak_hex, ak, sizeof ak), 16u);
    assert_int_equal(hal.ops->key_store(hal.user, OMP_KEY_GUEK, ek, sizeof ek), OMP_OK);
    assert_int_equal(hal.ops->key_store(hal.user, OMP_KEY_GAK, ak, sizeof ak), OMP_OK);

    uint8_t area[MAXLEN + 2u * GUARD];
    uint8_t *out = area + GUARD;
    struct omp_gcm_op op = { .encrypt = false, .key_slot = OMP_KEY_GUEK,
                             .aad_key_slot = OMP_KEY_GAK, .iv = iv, .iv_len = 12u,
                             .aad = frame + KAM_OFF_SC, .aad_len = 1u,
                             .in = frame + KAM_OFF_CT, .len = KAM_CT_LEN,
                             .tag = frame + KAM_OFF_TAG, .tag_len = 12u };
    assert_int_equal(run_gcm(&hal, op, area), OMP_OK);
    assert_memory_equal(out, plain, KAM_CT_LEN);
    assert_int_equal(out[0], 0x0F); /* data-notification */

    /* re-encrypt: same ciphertext and tag */
    uint8_t tag[12];
    op.encrypt = true;
    op.in = plain;
    op.tag = tag;
    assert_int_equal(run_gcm(&hal, op, area), OMP_OK);
    assert_memory_equal(out, frame + KAM_OFF_CT, KAM_CT_LEN);
    assert_memory_equal(tag, frame + KAM_OFF_TAG, 12u);

    /* without the AK prefix (AAD = SC only) the tag does not verify */
    op.encrypt = false;
    op.in = frame + KAM_OFF_CT;
    op.tag = frame + KAM_OFF_TAG;
    op.aad_key_slot = OMP_KEY_NONE;
    assert_int_equal(run_gcm(&hal, op, area), OMP_ERR_AUTH);
    assert_true(all_zero(out, KAM_CT_LEN));
    /* a replayed frame with a changed invocation counter fails too */
    op.aad_key_slot = OMP_KEY_GAK;
    iv[11] ^= 1u;
    assert_int_equal(run_gcm(&hal, op, area), OMP_ERR_AUTH);
    assert_true(all_zero(out, KAM_CT_LEN));
    free_port(p);

    /* the same through the hex provisioning used by the simulator */
    p = new_port();
    hal = omp_posix_port_hal(p);
    char spec[128];
    (void)snprintf(spec, sizeof spec, "guek=%s,GAK=%s", k_dk_ek_hex, k_dk_ak_hex);
    assert_int_equal(omp_posix_crypto_load_keys_hex(p, spec, NULL, 0), OMP_OK);
    iv[11] ^= 1u;
    assert_int_equal(run_gcm(&hal, op, area), OMP_OK);
    assert_memory_equal(out, plain, KAM_CT_LEN);
    free_port(p);
}

/* ---- aead_gcm argument checks ---------------------------------------------------------------- */

static void test_gcm_args(void **state)
{
    (void)state;
    struct omp_posix_port *p = new_port();
    struct omp_hal hal = omp_posix_port_hal(p);
    uint8_t key[16] = { 1 }, iv[12] = { 2 }, in[32] = { 3 }, out[32], tag[16];
    const struct omp_gcm_op good = { .encrypt = true, .key_slot = OMP_KEY_GUEK,
                                     .aad_key_slot = OMP_KEY_NONE, .iv = iv, .iv_len = 12u,
                                     .in = in, .out = out, .len = sizeof in, .tag = tag,
                                     .tag_len = 12u };
    struct omp_gcm_op op = good;

    /* empty key slot: OMP_ERR_UNSUPPORTED (no key provisioned), for the key and the AAD prefix */
    assert_int_equal(hal.ops->aead_gcm(hal.user, &op), OMP_ERR_UNSUPPORTED);
    assert_int_equal(hal.ops->key_store(hal.user, OMP_KEY_GUEK, key, 16u), OMP_OK);
    assert_int_equal(hal.ops->aead_gcm(hal.user, &op), OMP_OK);
    op.aad_key_slot = OMP_KEY_GAK;
    static const uint8_t sc = 0x30;
    op.aad = &sc;
    op.aad_len = 1u;
    assert_int_equal(hal.ops->aead_gcm(hal.user, &op), OMP_ERR_UNSUPPORTED);
    op = good;
    op.key_slot = OMP_KEY_DEDICATED;
    assert_int_equal(hal.ops->aead_gcm(hal.user, &op), OMP_ERR_UNSUPPORTED);

    /* OMP_ERR_ARG: NULLs, lengths, slots */
    assert_int_equal(hal.ops->aead_gcm(hal.user, NULL), OMP_ERR_ARG);
    assert_int_equal(hal.ops->aead_gcm(NULL, &good), OMP_ERR_ARG);
    static const size_t bad_tags[] = { 0, 4, 8, 11, 13, 15, 17 };
    for (size_t i = 0; i < sizeof bad_tags / sizeof bad_tags[0]; i++) {
        op = good;
        op.tag_len = bad_tags[i];
        assert_int_equal(hal.ops->aead_gcm(hal.user, &op), OMP_ERR_ARG);
    }
    static const size_t bad_ivs[] = { 0, 8, 11, 13, 16 };
    for (size_t i = 0; i < sizeof bad_ivs / sizeof bad_ivs[0]; i++) {
        op = good;
        op.iv_len = bad_ivs[i];
        assert_int_equal(hal.ops->aead_gcm(hal.user, &op), OMP_ERR_ARG);
    }
    op = good;
    op.iv = NULL;
    assert_int_equal(hal.ops->aead_gcm(hal.user, &op), OMP_ERR_ARG);
    op = good;
    op.tag = NULL;
    assert_int_equal(hal.ops->aead_gcm(hal.user, &op), OMP_ERR_ARG);
    op = good;
    op.in = NULL;
    assert_int_equal(hal.ops->aead_gcm(hal.user, &op), OMP_ERR_ARG);
    op = good;
    op.out = NULL;
    assert_int_equal(hal.ops->aead_gcm(hal.user, &op), OMP_ERR_ARG);
    op = good;
    op.aad_len = 4u; /* aad NULL */
    assert_int_equal(hal.ops->aead_gcm(hal.user, &op), OMP_ERR_ARG);
    op = good;
    op.key_slot = OMP_KEY_FW_PUBLIC;
    assert_int_equal(hal.ops->aead_gcm(hal.user, &op), OMP_ERR_ARG);
    op.key_slot = OMP_KEY_SLOT_COUNT;
    assert_int_equal(hal.ops->aead_gcm(hal.user, &op), OMP_ERR_ARG);
    op.key_slot = OMP_KEY_NONE;
    assert_int_equal(hal.ops->aead_gcm(hal.user, &op), OMP_ERR_ARG);
    op = good;
    op.aad = &sc;
    op.aad_len = 1u;
    op.aad_key_slot = OMP_KEY_FW_PUBLIC;
    assert_int_equal(hal.ops->aead_gcm(hal.user, &op), OMP_ERR_ARG);
    op.aad_key_slot = OMP_KEY_SLOT_COUNT;
    assert_int_equal(hal.ops->aead_gcm(hal.user, &op), OMP_ERR_ARG);
    /* partial overlap of in and out */
    uint8_t buf[48] = { 0 };
    op = good;
    op.in = buf;
    op.out = buf + 1;
    assert_int_equal(hal.ops->aead_gcm(hal.user, &op), OMP_ERR_ARG);
    op.in = buf + 1;
    op.out = buf;
    assert_int_equal(hal.ops->aead_gcm(hal.user, &op), OMP_ERR_ARG);
    op.in = buf;
    op.out = buf + 32;
    op.len = 16u; /* adjacent is fine */
    assert_int_equal(hal.ops->aead_gcm(hal.user, &op), OMP_OK);
    /* zero-length message with NULL in/out: a GMAC */
    op = good;
    op.in = NULL;
    op.out = NULL;
    op.len = 0;
    assert_int_equal(hal.ops->aead_gcm(hal.user, &op), OMP_OK);

    /* HLS as AES key only when it is 16 bytes */
    uint8_t hls[8] = { 9 };
    op = good;
    op.key_slot = OMP_KEY_HLS;
    assert_int_equal(hal.ops->key_store(hal.user, OMP_KEY_HLS, hls, sizeof hls), OMP_OK);
    assert_int_equal(hal.ops->aead_gcm(hal.user, &op), OMP_ERR_ARG);
    assert_int_equal(hal.ops->key_store(hal.user, OMP_KEY_HLS, key, 16u), OMP_OK);
    assert_int_equal(hal.ops->aead_gcm(hal.user, &op), OMP_OK);
    free_port(p);
}

/* ---- key store ------------------------------------------------------------------------------ */

/* RFC 6979 A.2.5 (ECDSA, 256 bits, prime field: NIST P-256), public key U = xG. */
static const char k_p256_ux[] = "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6";
static const char k_p256_uy[] = "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299";

static size_t p256_pub(uint8_t out[65])
{
    out[0] = 0x04u; /* SEC1 uncompressed */
    assert_int_equal(unhex(k_p256_ux, out + 1, 32u), 32u);
    assert_int_equal(unhex(k_p256_uy, out + 33, 32u), 32u);
    return 65u;
}

static void test_key_store_args(void **state)
{
    (void)state;
    struct omp_posix_port *p = new_port();
    struct omp_hal hal = omp_posix_port_hal(p);
    uint8_t k[80];
    for (size_t i = 0; i < sizeof k; i++) {
        k[i] = (uint8_t)(0x40u + i);
    }
    static const uint8_t aes_slots[] = { OMP_KEY_GUEK, OMP_KEY_GBEK, OMP_KEY_GAK,
                                         OMP_KEY_DEDICATED };
    for (size_t i = 0; i < sizeof aes_slots; i++) {
        for (size_t len = 0; len <= 33u; len++) {
            omp_err want = len == 16u ? OMP_OK : OMP_ERR_ARG;
            assert_int_equal(hal.ops->key_store(hal.user, aes_slots[i], k, len), want);
        }
        assert_int_equal(p->crypto.key_len[aes_slots[i]], 16u); /* white box */
        assert_memory_equal(p->crypto.key[aes_slots[i]], k, 16u);
    }
    for (size_t len = 0; len <= 40u; len++) {
        omp_err want = (len >= 1u && len <= 32u) ? OMP_OK : OMP_ERR_ARG;
        assert_int_equal(hal.ops->key_store(hal.user, OMP_KEY_HLS, k, len), want);
    }
    assert_int_equal(p->crypto.key_len[OMP_KEY_HLS], 32u);
    /* a shorter key replaces a longer one completely */
    assert_int_equal(hal.ops->key_store(hal.user, OMP_KEY_HLS, k + 40, 4u), OMP_OK);
    assert_int_equal(p->crypto.key_len[OMP_KEY_HLS], 4u);
    assert_memory_equal(p->crypto.key[OMP_KEY_HLS], k + 40, 4u);
    assert_true(all_zero(p->crypto.key[OMP_KEY_HLS] + 4, OMP_POSIX_KEY_MAX - 4u));

    /* FW_PUBLIC: 65-byte SEC1 uncompressed point on P-256 */
    uint8_t pub[65];
    p256_pub(pub);
    for (size_t len = 0; len <= 66u; len++) {
        if (len != 65u) {
            assert_int_equal(hal.ops->key_store(hal.user, OMP_KEY_FW_PUBLIC, pub, len),
                             OMP_ERR_ARG);
        }
    }
    assert_int_equal(p->crypto.key_len[OMP_KEY_FW_PUBLIC], 0u);
    pub[64] ^= 1u; /* not on the curve */
    assert_int_equal(hal.ops->key_store(hal.user, OMP_KEY_FW_PUBLIC, pub, 65u), OMP_ERR_ARG);
    pub[64] ^= 1u;
    pub[0] = 0x02u; /* compressed marker: not accepted */
    assert_int_equal(hal.ops->key_store(hal.user, OMP_KEY_FW_PUBLIC, pub, 65u), OMP_ERR_ARG);
    pub[0] = 0x04u;
    assert_int_equal(hal.ops->key_store(hal.user, OMP_KEY_FW_PUBLIC, pub, 65u), OMP_OK);
    assert_int_equal(p->crypto.key_len[OMP_KEY_FW_PUBLIC], 65u);
    assert_memory_equal(p->crypto.key[OMP_KEY_FW_PUBLIC], pub, 65u);

    /* bad slots and NULLs */
    assert_int_equal(hal.ops->key_store(hal.user, OMP_KEY_SLOT_COUNT, k, 16u), OMP_ERR_ARG);
    assert_int_equal(hal.ops->key_store(hal.user, OMP_KEY_NONE, k, 16u), OMP_ERR_ARG);
    assert_int_equal(hal.ops->key_store(hal.user, OMP_KEY_GUEK, NULL, 16u), OMP_ERR_ARG);
    assert_int_equal(hal.ops->key_store(NULL, OMP_KEY_GUEK, k, 16u), OMP_ERR_ARG);
    free_port(p);
}

static void test_load_keys_hex(void **state)
{
    (void)state;
    struct omp_posix_port *p = new_port();
    char err[160];
    static const char ek[] = "5AD84121D9D20B364B7A11F3C1B5827F";
    uint8_t ekb[16];
    unhex(ek, ekb, sizeof ekb);

    assert_int_equal(omp_posix_crypto_load_keys_hex(p, "", err, sizeof err), OMP_OK);
    assert_string_equal(err, "");
    assert_int_equal(omp_posix_crypto_load_keys_hex(p,
                         "guek=5ad84121d9d20b364b7a11f3c1b5827f,Hls=31323334", err, sizeof err),
                     OMP_OK);
    assert_memory_equal(p->crypto.key[OMP_KEY_GUEK], ekb, 16u);
    assert_int_equal(p->crypto.key_len[OMP_KEY_HLS], 4u);
    assert_memory_equal(p->crypto.key[OMP_KEY_HLS], "1234", 4u);

    /* all or nothing: a valid gbek before a bad item is not stored */
    static const char *const bad[] = {
        "gbek=5AD84121D9D20B364B7A11F3C1B5827F,nokey=00",     /* unknown name */
        "gbek=5AD84121D9D20B364B7A11F3C1B5827F,gak=5AD8412",  /* odd digit count */
        "gbek=5AD84121D9D20B364B7A11F3C1B5827F,gak=5AD8",     /* wrong length */
        "gbek=5AD84121D9D20B364B7A11F3C1B5827F,gak=5AD84121D9D20B364B7A11F3C1B5827G",
        "gbek=5AD84121D9D20B364B7A11F3C1B5827F,",             /* trailing comma */
        "gbek=5AD84121D9D20B364B7A11F3C1B5827F,,gak=5AD84121D9D20B364B7A11F3C1B5827F",
        "gbek=5AD84121D9D20B364B7A11F3C1B5827F,gak",          /* no '=' */
        "gbek=5AD84121D9D20B364B7A11F3C1B5827F,gak=",         /* no digits */
        "gbek=5AD84121D9D20B364B7A11F3C1B5827F,fw_public=04AA",
        "gbek=5AD84121D9D20B364B7A11F3C1B5827F, gak=5AD84121D9D20B364B7A11F3C1B5827F",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 'x';
        assert_int_equal(omp_posix_crypto_load_keys_hex(p, bad[i], err, sizeof err), OMP_ERR_ARG);
        assert_true(strlen(err) > 0u);
        assert_null(strstr(err, "5AD8")); /* messages never echo key digits */
        assert_int_equal(p->crypto.key_len[OMP_KEY_GBEK], 0u);
    }
    assert_int_equal(omp_posix_crypto_load_keys_hex(p, NULL, err, sizeof err), OMP_ERR_ARG);
    assert_int_equal(omp_posix_crypto_load_keys_hex(NULL, "", NULL, 0), OMP_ERR_ARG);

    /* fw_public from Ux/Uy */
    char spec[160];
    (void)snprintf(spec, sizeof spec, "FW_PUBLIC=04%s%s", k_p256_ux, k_p256_uy);
    assert_int_equal(omp_posix_crypto_load_keys_hex(p, spec, err, sizeof err), OMP_OK);
    assert_int_equal(p->crypto.key_len[OMP_KEY_FW_PUBLIC], 65u);

    /* single key */
    assert_int_equal(omp_posix_crypto_load_key_hex(p, OMP_KEY_DEDICATED, ek), OMP_OK);
    assert_memory_equal(p->crypto.key[OMP_KEY_DEDICATED], ekb, 16u);
    assert_int_equal(omp_posix_crypto_load_key_hex(p, OMP_KEY_GAK, "5AD8"), OMP_ERR_ARG);
    assert_int_equal(omp_posix_crypto_load_key_hex(p, OMP_KEY_GAK, ""), OMP_ERR_ARG);
    assert_int_equal(omp_posix_crypto_load_key_hex(p, OMP_KEY_GAK, NULL), OMP_ERR_ARG);
    assert_int_equal(p->crypto.key_len[OMP_KEY_GAK], 0u);

    omp_posix_crypto_wipe(p);
    assert_true(all_zero(p->crypto.key[0], sizeof p->crypto.key));
    free_port(p);
}

/* ---- SHA-256 ----------------------------------------------------------------------------------- */

static void sha256_of(const struct omp_hal *hal, const void *data, size_t len, uint8_t d[32])
{
    assert_int_equal(hal->ops->sha256_start(hal->user), OMP_OK);
    assert_int_equal(hal->ops->sha256_update(hal->user, data, len), OMP_OK);
    assert_int_equal(hal->ops->sha256_finish(hal->user, d), OMP_OK);
}

static void test_sha256(void **state)
{
    (void)state;
    struct omp_posix_port *p = new_port();
    struct omp_hal hal = omp_posix_port_hal(p);
    uint8_t d[32], want[32];

    /* FIPS 180-2, Appendix B.1: "abc" */
    unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", want, 32u);
    sha256_of(&hal, "abc", 3u, d);
    assert_memory_equal(d, want, 32u);
    /* the same in pieces, with an empty update */
    assert_int_equal(hal.ops->sha256_start(hal.user), OMP_OK);
    assert_int_equal(hal.ops->sha256_update(hal.user, (const uint8_t *)"a", 1u), OMP_OK);
    assert_int_equal(hal.ops->sha256_update(hal.user, NULL, 0u), OMP_OK);
    assert_int_equal(hal.ops->sha256_update(hal.user, (const uint8_t *)"bc", 2u), OMP_OK);
    assert_int_equal(hal.ops->sha256_finish(hal.user, d), OMP_OK);
    assert_memory_equal(d, want, 32u);

    /* FIPS 180-2, Appendix B.2: the 448-bit two-block message */
    static const char m2[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    unhex("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", want, 32u);
    sha256_of(&hal, m2, strlen(m2), d);
    assert_memory_equal(d, want, 32u);

    /* the empty message (FIPS 180-2 SHA-256 of "", as listed in NIST's example values) */
    unhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", want, 32u);
    assert_int_equal(hal.ops->sha256_start(hal.user), OMP_OK);
    assert_int_equal(hal.ops->sha256_finish(hal.user, d), OMP_OK);
    assert_memory_equal(d, want, 32u);

    /* a start during a hash restarts it */
    assert_int_equal(hal.ops->sha256_start(hal.user), OMP_OK);
    assert_int_equal(hal.ops->sha256_update(hal.user, (const uint8_t *)"xyz", 3u), OMP_OK);
    sha256_of(&hal, "", 0u, d);
    assert_memory_equal(d, want, 32u);

    /* state and argument checks */
    assert_false(p->crypto.sha256_active);
    assert_int_equal(hal.ops->sha256_update(hal.user, (const uint8_t *)"a", 1u), OMP_ERR_STATE);
    assert_int_equal(hal.ops->sha256_finish(hal.user, d), OMP_ERR_STATE);
    assert_int_equal(hal.ops->sha256_start(hal.user), OMP_OK);
    assert_int_equal(hal.ops->sha256_update(hal.user, NULL, 1u), OMP_ERR_ARG);
    assert_int_equal(hal.ops->sha256_finish(hal.user, NULL), OMP_ERR_ARG);
    assert_true(p->crypto.sha256_active); /* still running after the rejected calls */
    assert_int_equal(hal.ops->sha256_start(NULL), OMP_ERR_ARG);
    free_port(p); /* close with a running hash */
}

/* ---- ECDSA P-256 ------------------------------------------------------------------------------ */

/* RFC 6979 A.2.5, ECDSA P-256 with SHA-256: signatures of "sample" and "test" (r || s). */
static const char k_sig_sample[] =
    "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716"
    "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8";
static const char k_sig_test[] =
    "F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367"
    "019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083";

static void test_ecdsa_p256_verify(void **state)
{
    (void)state;
    struct omp_posix_port *p = new_port();
    struct omp_hal hal = omp_posix_port_hal(p);
    uint8_t pub[65], sig[64], sig2[64], d_sample[32], d_test[32];
    p256_pub(pub);
    assert_int_equal(unhex(k_sig_sample, sig, sizeof sig), 64u);
    assert_int_equal(unhex(k_sig_test, sig2, sizeof sig2), 64u);
    sha256_of(&hal, "sample", 6u, d_sample);
    sha256_of(&hal, "test", 4u, d_test);

    /* no key yet */
    assert_int_equal(hal.ops->sig_verify(hal.user, OMP_KEY_FW_PUBLIC, d_sample, sig, 64u),
                     OMP_ERR_UNSUPPORTED);
    assert_int_equal(hal.ops->key_store(hal.user, OMP_KEY_FW_PUBLIC, pub, sizeof pub), OMP_OK);

    assert_int_equal(hal.ops->sig_verify(hal.user, OMP_KEY_FW_PUBLIC, d_sample, sig, 64u), OMP_OK);
    assert_int_equal(hal.ops->sig_verify(hal.user, OMP_KEY_FW_PUBLIC, d_test, sig2, 64u), OMP_OK);
    /* swapped messages */
    assert_int_equal(hal.ops->sig_verify(hal.user, OMP_KEY_FW_PUBLIC, d_test, sig, 64u),
                     OMP_ERR_AUTH);
    /* every bit of the signature and of the digest matters (every 5th bit checked) */
    for (size_t bit = 0; bit < 8u * (64u + 32u); bit += 5u) {
        uint8_t s2[64], d2[32];
        memcpy(s2, sig, sizeof s2);
        memcpy(d2, d_sample, sizeof d2);
        if (bit < 512u) {
            s2[bit / 8u] ^= (uint8_t)(1u << (bit % 8u));
        } else {
            d2[(bit - 512u) / 8u] ^= (uint8_t)(1u << (bit % 8u));
        }
        assert_int_equal(hal.ops->sig_verify(hal.user, OMP_KEY_FW_PUBLIC, d2, s2, 64u),
                         OMP_ERR_AUTH);
    }
    /* r = 0 and s = n-range garbage */
    uint8_t z[64];
    memset(z, 0, sizeof z);
    assert_int_equal(hal.ops->sig_verify(hal.user, OMP_KEY_FW_PUBLIC, d_sample, z, 64u),
                     OMP_ERR_AUTH);
    memset(z, 0xFF, sizeof z);
    assert_int_equal(hal.ops->sig_verify(hal.user, OMP_KEY_FW_PUBLIC, d_sample, z, 64u),
                     OMP_ERR_AUTH);

    /* arguments */
    assert_int_equal(hal.ops->sig_verify(hal.user, OMP_KEY_FW_PUBLIC, d_sample, sig, 63u),
                     OMP_ERR_ARG);
    assert_int_equal(hal.ops->sig_verify(hal.user, OMP_KEY_FW_PUBLIC, d_sample, sig, 65u),
                     OMP_ERR_ARG);
    assert_int_equal(hal.ops->sig_verify(hal.user, OMP_KEY_GUEK, d_sample, sig, 64u), OMP_ERR_ARG);
    assert_int_equal(hal.ops->sig_verify(hal.user, OMP_KEY_SLOT_COUNT, d_sample, sig, 64u),
                     OMP_ERR_ARG);
    assert_int_equal(hal.ops->sig_verify(hal.user, OMP_KEY_FW_PUBLIC, NULL, sig, 64u),
                     OMP_ERR_ARG);
    assert_int_equal(hal.ops->sig_verify(hal.user, OMP_KEY_FW_PUBLIC, d_sample, NULL, 64u),
                     OMP_ERR_ARG);
    assert_int_equal(hal.ops->sig_verify(NULL, OMP_KEY_FW_PUBLIC, d_sample, sig, 64u),
                     OMP_ERR_ARG);
    free_port(p);
}

/* ---- ops table ------------------------------------------------------------------------------ */

static void test_ops_present(void **state)
{
    (void)state;
    struct omp_posix_port *p = new_port();
    struct omp_hal hal = omp_posix_port_hal(p);
    assert_non_null(hal.ops->aead_gcm);
    assert_non_null(hal.ops->sha256_start);
    assert_non_null(hal.ops->sha256_update);
    assert_non_null(hal.ops->sha256_finish);
    assert_non_null(hal.ops->sig_verify);
    assert_non_null(hal.ops->key_store);
    assert_non_null(hal.ops->entropy);
    /* entropy: two 32-byte draws differ (probability of a false failure 2^-256) */
    uint8_t a[32], b[32];
    assert_int_equal(hal.ops->entropy(hal.user, a, sizeof a), OMP_OK);
    assert_int_equal(hal.ops->entropy(hal.user, b, sizeof b), OMP_OK);
    assert_memory_not_equal(a, b, sizeof a);
    free_port(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ops_present),
        cmocka_unit_test(test_key_store_args),
        cmocka_unit_test(test_load_keys_hex),
        cmocka_unit_test(test_gcm_spec_vectors),
        cmocka_unit_test(test_gcm_aad_key_prefix),
        cmocka_unit_test(test_gcm_args),
        cmocka_unit_test(test_dlms_suite0_kamstrup),
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_ecdsa_p256_verify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Ciphered APDUs, security suite 0 (module apdu, apdu_cipher.c), with the POSIX port's mbed TLS
 * AES-GCM (omp_posix_aead_gcm) as the gcm op.
 *
 * Real vector: ../shared/vectors/kamstrup_dk_han_encrypted.txt (see ../shared/vectors/README.md):
 * a Danish Kamstrup OMNIPOWER HAN push in general-glo-ciphering; keys from
 * Asbjoern/Kamstrup-Radius-Interface "Kamstrup reader.py", frame and plaintext from a public
 * Radius-derived decryption example. Copied verbatim (FULL_HDLC_FRAME, PLAINTEXT_APDU, the keys).
 *
 * Synthetic vectors ("hand"): a GET-request-normal written byte by byte from the Green Book xDLMS
 * ASN.1, wrapped as glo-get-request (C8) and general-ded-ciphering (DC). Their expected ciphertext
 * and tags come from an independent computation: the same port op called directly, with the full
 * AAD (SC || AK || ...) built by the test and aad_key_slot = OMP_KEY_NONE, so the codec's layout
 * (IV, AAD, key insertion, tag position) is checked against the Green Book's definition.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dlms_vectors.h"
#include "han_vectors.h"
#include "test_hex.h"

#include "omnipower/apdu.h"
#include "omnipower/port_posix.h"

/* ---- helpers --------------------------------------------------------------------------------- */

static bool all_byte(const uint8_t *p, size_t n, uint8_t v)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != v) {
            return false;
        }
    }
    return true;
}

#define GUARD 8u
#define MAXLEN 600u

/* ---- the Danish HAN frame -------------------------------------------------------------------- */

/*
 * Byte offsets in FULL_HDLC_FRAME (491 bytes), as the README and tests/test_posix_crypto.c give:
 *   0 7E | 1-2 A1E9 format | 3 41 dest | 4 03 src | 5 13 UI | 6-7 HCS | 8-10 E6E700 LLC |
 *   11 .. 487 the APDU (477 bytes) | 488-489 FCS | 490 7E.
 * Inside the APDU (offsets relative to its start, byte 11 of the frame):
 *   0 DB general-glo-ciphering | 1 08 | 2-9 system title 4B414D45 01A4DC52 ("KAM" + 'E', then
 *   0x01A4DC52 = 27581522, the meter number) | 10-12 82 01D0 = 464 | 13 SC 30 | 14-17 IC 000788E1 |
 *   18-464 ciphertext (464 - 1 - 4 - 12 = 447) | 465-476 tag.
 */
#define KAM_FRAME_LEN 491u
#define KAM_APDU_OFF 11u
#define KAM_APDU_LEN 477u
#define KAM_PT_LEN 447u
#define KAM_CT_OFF 18u
#define KAM_TAG_OFF (KAM_CT_OFF + KAM_PT_LEN)

struct kam {
    uint8_t frame[KAM_FRAME_LEN];
    uint8_t apdu[KAM_APDU_LEN];
    uint8_t plain[KAM_PT_LEN];
};

static void kam_load(struct kam *k)
{
    assert_int_equal(unhex(k_dk_frame_hex, k->frame, sizeof k->frame), KAM_FRAME_LEN);
    assert_int_equal(unhex(k_dk_plain_hex, k->plain, sizeof k->plain), KAM_PT_LEN);
    assert_int_equal(k->frame[KAM_APDU_OFF - 3u], 0xE6); /* LLC E6 E7 00 right before */
    assert_int_equal(k->frame[KAM_APDU_OFF - 2u], 0xE7);
    assert_int_equal(k->frame[KAM_APDU_OFF - 1u], 0x00);
    assert_int_equal(k->frame[KAM_APDU_OFF + KAM_APDU_LEN + 2u], 0x7E); /* FCS, then flag */
    memcpy(k->apdu, k->frame + KAM_APDU_OFF, KAM_APDU_LEN);
}

static struct omp_posix_port *new_port(const char *ek_hex, const char *ak_hex)
{
    struct omp_posix_port *p = malloc(sizeof *p);
    assert_non_null(p);
    omp_posix_port_init(p);
    if (ek_hex != NULL) {
        assert_int_equal(omp_posix_crypto_load_key_hex(p, OMP_KEY_GUEK, ek_hex), OMP_OK);
        assert_int_equal(omp_posix_crypto_load_key_hex(p, OMP_KEY_DEDICATED, ek_hex), OMP_OK);
    }
    if (ak_hex != NULL) {
        assert_int_equal(omp_posix_crypto_load_key_hex(p, OMP_KEY_GAK, ak_hex), OMP_OK);
    }
    return p;
}

static void free_port(struct omp_posix_port *p)
{
    omp_posix_port_close(p);
    free(p);
}

static const uint8_t k_kam_st[8] = {0x4B, 0x41, 0x4D, 0x45, 0x01, 0xA4, 0xDC, 0x52};

static void test_kamstrup_decode(void **state)
{
    (void)state;
    static struct kam k;
    kam_load(&k);
    struct omp_rd rd = omp_rd_init(k.apdu, KAM_APDU_LEN);
    struct omp_apdu_ciphered c;
    assert_int_equal(omp_apdu_cipher_decode(&rd, &c), OMP_OK);
    assert_int_equal(omp_rd_pos(&rd), KAM_APDU_LEN);
    assert_int_equal(c.tag, OMP_APDU_TAG_GENERAL_GLO_CIPHERING);
    assert_true(c.has_system_title);
    assert_memory_equal(c.system_title, "KAM", 3u); /* Kamstrup's FLAG id */
    assert_memory_equal(c.system_title, k_kam_st, 8u);
    assert_int_equal(c.sc, 0x30); /* AUTH | ENC, suite 0 */
    assert_int_equal(c.ic, 0x000788E1u);
    assert_int_equal(c.payload_len, 0x01D0u - 5u - 12u);
    assert_ptr_equal(c.payload, k.apdu + KAM_CT_OFF);
    assert_ptr_equal(c.auth_tag, k.apdu + KAM_TAG_OFF);

    /* trailing bytes stay in the reader: decode from the frame up to the closing flag */
    rd = omp_rd_init(k.frame + KAM_APDU_OFF, KAM_FRAME_LEN - KAM_APDU_OFF);
    assert_int_equal(omp_apdu_cipher_decode(&rd, &c), OMP_OK);
    assert_int_equal(omp_rd_pos(&rd), KAM_APDU_LEN);

    /* truncation at every length: TRUNCATED, output and reader untouched */
    struct omp_apdu_ciphered s;
    memset(&s, 0x5A, sizeof s);
    for (size_t cut = 0; cut < KAM_APDU_LEN; cut++) {
        uint8_t *copy = malloc(cut > 0u ? cut : 1u); /* exact size: ASan sees any overread */
        assert_non_null(copy);
        memcpy(copy, k.apdu, cut);
        struct omp_rd r = omp_rd_init(copy, cut);
        memcpy(&c, &s, sizeof c);
        assert_int_equal(omp_apdu_cipher_decode(&r, &c), OMP_ERR_TRUNCATED);
        assert_memory_equal(&c, &s, sizeof c);
        assert_int_equal(omp_rd_pos(&r), 0u);
        free(copy);
    }
}

static void test_kamstrup_open_seal(void **state)
{
    (void)state;
    static struct kam k;
    kam_load(&k);
    struct omp_posix_port *p = new_port(k_dk_ek_hex, k_dk_ak_hex);
    struct omp_rd rd = omp_rd_init(k.apdu, KAM_APDU_LEN);
    struct omp_apdu_ciphered c;
    assert_int_equal(omp_apdu_cipher_decode(&rd, &c), OMP_OK);

    uint8_t area[MAXLEN + 2u * GUARD];
    uint8_t *out = area + GUARD;
    memset(area, 0xA5, sizeof area);
    size_t len = 0;
    assert_int_equal(omp_apdu_cipher_open(&c, NULL, omp_posix_aead_gcm, p, OMP_KEY_GUEK,
                                          OMP_KEY_GAK, out, KAM_PT_LEN, &len),
                     OMP_OK);
    assert_int_equal(len, KAM_PT_LEN);
    assert_memory_equal(out, k.plain, KAM_PT_LEN); /* exactly PLAINTEXT_APDU */
    assert_true(all_byte(area, GUARD, 0xA5));
    assert_true(all_byte(out + KAM_PT_LEN, sizeof area - GUARD - KAM_PT_LEN, 0xA5));

    /* the system-title argument is ignored when the envelope has one */
    static const uint8_t other_st[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    assert_int_equal(omp_apdu_cipher_open(&c, other_st, omp_posix_aead_gcm, p, OMP_KEY_GUEK,
                                          OMP_KEY_GAK, out, KAM_PT_LEN, &len),
                     OMP_OK);
    assert_memory_equal(out, k.plain, KAM_PT_LEN);

    /* in place: out == payload */
    static struct kam k2;
    kam_load(&k2);
    rd = omp_rd_init(k2.apdu, KAM_APDU_LEN);
    assert_int_equal(omp_apdu_cipher_decode(&rd, &c), OMP_OK);
    assert_int_equal(omp_apdu_cipher_open(&c, NULL, omp_posix_aead_gcm, p, OMP_KEY_GUEK,
                                          OMP_KEY_GAK, k2.apdu + KAM_CT_OFF, KAM_PT_LEN, &len),
                     OMP_OK);
    assert_memory_equal(k2.apdu + KAM_CT_OFF, k.plain, KAM_PT_LEN);

    /* NOSPACE: one byte short, out untouched, len untouched */
    rd = omp_rd_init(k.apdu, KAM_APDU_LEN);
    assert_int_equal(omp_apdu_cipher_decode(&rd, &c), OMP_OK);
    memset(area, 0xA5, sizeof area);
    len = 777u;
    assert_int_equal(omp_apdu_cipher_open(&c, NULL, omp_posix_aead_gcm, p, OMP_KEY_GUEK,
                                          OMP_KEY_GAK, out, KAM_PT_LEN - 1u, &len),
                     OMP_ERR_NOSPACE);
    assert_true(all_byte(area, sizeof area, 0xA5));
    assert_int_equal(len, 777u);

    /* seal the plaintext again with the same SC / IC / system title: the same bytes */
    for (size_t cap = 0; cap <= KAM_APDU_LEN; cap++) {
        memset(area, 0xA5, sizeof area);
        struct omp_wr w = omp_wr_init(out, cap);
        omp_err err = omp_apdu_cipher_seal(&w, OMP_APDU_TAG_GENERAL_GLO_CIPHERING, k_kam_st,
                                           0x30, 0x000788E1u, k.plain, KAM_PT_LEN,
                                           omp_posix_aead_gcm, p, OMP_KEY_GUEK, OMP_KEY_GAK);
        if (cap < KAM_APDU_LEN) {
            assert_int_equal(err, OMP_ERR_NOSPACE);
            assert_int_equal(omp_wr_len(&w), 0u);
            assert_int_equal(omp_wr_status(&w), OMP_OK);
            assert_true(all_byte(area, sizeof area, 0xA5)); /* nothing written */
        } else {
            assert_int_equal(err, OMP_OK);
            assert_int_equal(omp_wr_len(&w), KAM_APDU_LEN);
            assert_memory_equal(out, k.apdu, KAM_APDU_LEN);
            assert_true(all_byte(area, GUARD, 0xA5));
            assert_true(all_byte(out + KAM_APDU_LEN, sizeof area - GUARD - KAM_APDU_LEN, 0xA5));
        }
    }
    /* appending after existing bytes; a writer already in error writes nothing */
    memset(area, 0xA5, sizeof area);
    struct omp_wr w = omp_wr_init(out, MAXLEN);
    assert_int_equal(omp_wr_u8(&w, 0x7E), OMP_OK);
    assert_int_equal(omp_apdu_cipher_seal(&w, OMP_APDU_TAG_GENERAL_GLO_CIPHERING, k_kam_st, 0x30,
                                          0x000788E1u, k.plain, KAM_PT_LEN, omp_posix_aead_gcm, p,
                                          OMP_KEY_GUEK, OMP_KEY_GAK),
                     OMP_OK);
    assert_int_equal(omp_wr_len(&w), 1u + KAM_APDU_LEN);
    assert_memory_equal(out + 1, k.apdu, KAM_APDU_LEN);
    w = omp_wr_init(out, 1u);
    assert_int_equal(omp_wr_u16be(&w, 0x1234), OMP_ERR_NOSPACE);
    assert_int_equal(omp_apdu_cipher_seal(&w, OMP_APDU_TAG_GLO_GET_REQUEST, k_kam_st, 0x30, 1u,
                                          k.plain, 1u, omp_posix_aead_gcm, p, OMP_KEY_GUEK,
                                          OMP_KEY_GAK),
                     OMP_ERR_NOSPACE);
    assert_int_equal(omp_wr_len(&w), 0u);
    free_port(p);
}

static void test_kamstrup_tamper(void **state)
{
    (void)state;
    static struct kam k;
    kam_load(&k);
    uint8_t area[MAXLEN + 2u * GUARD];
    uint8_t *out = area + GUARD;
    size_t len = 777u;
    struct omp_apdu_ciphered c;

    /* wrong encryption key, wrong authentication key: AUTH, nothing in out */
    static const char *const keys[][2] = {
        {"5AD84121D9D20B364B7A11F3C1B5827E", k_dk_ak_hex},
        {k_dk_ek_hex, "AFB3F93E3E7204EDB3C27F96DBD51AE1"},
    };
    for (size_t i = 0; i < OMP_ARRAY_LEN(keys); i++) {
        struct omp_posix_port *p = new_port(keys[i][0], keys[i][1]);
        struct omp_rd rd = omp_rd_init(k.apdu, KAM_APDU_LEN);
        assert_int_equal(omp_apdu_cipher_decode(&rd, &c), OMP_OK);
        memset(area, 0xA5, sizeof area);
        assert_int_equal(omp_apdu_cipher_open(&c, NULL, omp_posix_aead_gcm, p, OMP_KEY_GUEK,
                                              OMP_KEY_GAK, out, KAM_PT_LEN, &len),
                         OMP_ERR_AUTH);
        assert_true(all_byte(out, KAM_PT_LEN, 0x00));
        assert_true(all_byte(area, GUARD, 0xA5));
        assert_true(all_byte(out + KAM_PT_LEN, GUARD, 0xA5));
        assert_int_equal(len, 777u);
        free_port(p);
    }

    /* one flipped bit in every byte of the APDU: never OK. Bytes of the envelope's structure fail
     * decode (or are refused as another suite); everything else fails the tag. */
    struct omp_posix_port *p = new_port(k_dk_ek_hex, k_dk_ak_hex);
    for (size_t i = 0; i < KAM_APDU_LEN; i++) {
        for (unsigned bit = 0; bit < 8u; bit += 7u) { /* lowest and highest bit */
            uint8_t copy[KAM_APDU_LEN];
            memcpy(copy, k.apdu, sizeof copy);
            copy[i] ^= (uint8_t)(1u << bit);
            struct omp_rd rd = omp_rd_init(copy, sizeof copy);
            omp_err err = omp_apdu_cipher_decode(&rd, &c);
            if (err != OMP_OK) {
                assert_true(i <= 13u); /* tag, title length, content length, SC */
                continue;
            }
            memset(area, 0xA5, sizeof area);
            err = omp_apdu_cipher_open(&c, NULL, omp_posix_aead_gcm, p, OMP_KEY_GUEK, OMP_KEY_GAK,
                                       out, MAXLEN, &len);
            if (i == 13u) {
                /* SC 30 -> 31 (suite 1) is refused; 30 -> B0 (compression) too */
                assert_int_equal(err, OMP_ERR_UNSUPPORTED);
                continue;
            }
            assert_int_equal(err, OMP_ERR_AUTH);
            assert_true(all_byte(out, c.payload_len, 0x00));
            assert_int_equal(len, 777u);
        }
    }
    free_port(p);
}

/* ---- synthetic: glo-get-request, general-ded-ciphering --------------------------------------- */

/* GET-request-normal (hand): C0 01, invoke-id-and-priority C1 (id 1, confirmed, high), class 0003,
 * OBIS 1.1.1.8.0.255, attribute 02, no selective access 00. 13 bytes. */
static const uint8_t k_get_req[] = {0xC0, 0x01, 0xC1, 0x00, 0x03, 0x01, 0x01,
                                    0x01, 0x08, 0x00, 0xFF, 0x02, 0x00};
static const uint8_t k_client_st[8] = {'O', 'M', 'P', 0x00, 0x00, 0x00, 0x00, 0x2A};

/* Independent computation: GCM with the full AAD built here (SC || AK [|| payload]). */
static void reference(struct omp_posix_port *p, uint8_t key_slot, uint8_t sc, uint32_t ic,
                      uint8_t *ct, uint8_t tag[12])
{
    uint8_t ak[16], aad[1 + 16 + sizeof k_get_req], iv[12];
    assert_int_equal(unhex(k_dk_ak_hex, ak, sizeof ak), 16u);
    memcpy(iv, k_client_st, 8u);
    iv[8] = (uint8_t)(ic >> 24);
    iv[9] = (uint8_t)(ic >> 16);
    iv[10] = (uint8_t)(ic >> 8);
    iv[11] = (uint8_t)ic;
    aad[0] = sc;
    memcpy(aad + 1, ak, 16u);
    memcpy(aad + 17, k_get_req, sizeof k_get_req);
    const bool enc = (sc & OMP_SC_ENC) != 0u;
    const bool auth = (sc & OMP_SC_AUTH) != 0u;
    struct omp_gcm_op op = {.encrypt = true, .key_slot = key_slot, .aad_key_slot = OMP_KEY_NONE,
                            .iv = iv, .iv_len = 12u, .aad = aad,
                            .aad_len = !auth ? 0u : (enc ? 17u : sizeof aad),
                            .in = enc ? k_get_req : NULL, .out = enc ? ct : NULL,
                            .len = enc ? sizeof k_get_req : 0u, .tag = tag, .tag_len = 12u};
    assert_int_equal(omp_posix_aead_gcm(p, &op), OMP_OK);
}

static void test_glo_get_request_round_trips(void **state)
{
    (void)state;
    struct omp_posix_port *p = new_port(k_dk_ek_hex, k_dk_ak_hex);
    static const uint8_t scs[] = {0x30, 0x10, 0x20, 0x30 | OMP_SC_BROADCAST};
    uint8_t ct_ae[sizeof k_get_req]; /* ciphertext of SC 30, for the E-only comparison */
    for (size_t i = 0; i < sizeof scs; i++) {
        const uint8_t sc = scs[i];
        const bool auth = (sc & OMP_SC_AUTH) != 0u;
        const bool enc = (sc & OMP_SC_ENC) != 0u;
        const uint32_t ic = 0x01020304u;
        uint8_t area[64 + 2u * GUARD];
        uint8_t *out = area + GUARD;
        memset(area, 0xA5, sizeof area);
        struct omp_wr w = omp_wr_init(out, 64u);
        assert_int_equal(omp_apdu_cipher_seal(&w, OMP_APDU_TAG_GLO_GET_REQUEST, k_client_st, sc,
                                              ic, k_get_req, sizeof k_get_req, omp_posix_aead_gcm,
                                              p, OMP_KEY_GUEK, OMP_KEY_GAK),
                         OMP_OK);
        /* by hand: C8, length 5 + 13 (+ 12), SC, IC 01020304, payload, tag */
        const size_t content = 5u + sizeof k_get_req + (auth ? 12u : 0u);
        assert_int_equal(omp_wr_len(&w), 2u + content);
        assert_true(all_byte(out + 2u + content, 64u - 2u - content + GUARD, 0xA5));
        assert_int_equal(out[0], 0xC8);
        assert_int_equal(out[1], content);
        assert_int_equal(out[2], sc);
        static const uint8_t ic_be[4] = {0x01, 0x02, 0x03, 0x04};
        assert_memory_equal(out + 3, ic_be, 4u);
        uint8_t ct[sizeof k_get_req], tag[12];
        reference(p, OMP_KEY_GUEK, sc, ic, ct, tag);
        if (enc) {
            assert_memory_equal(out + 7, ct, sizeof ct);
            assert_memory_not_equal(out + 7, k_get_req, sizeof k_get_req);
        } else {
            assert_memory_equal(out + 7, k_get_req, sizeof k_get_req); /* A only: in clear */
        }
        if (auth) {
            assert_memory_equal(out + 7 + sizeof k_get_req, tag, 12u);
        }
        if (sc == 0x30) {
            memcpy(ct_ae, ct, sizeof ct);
        }
        if (sc == 0x20) {
            /* E only is the same CTR keystream as A+E with the same IV */
            assert_memory_equal(out + 7, ct_ae, sizeof ct_ae);
        }

        /* decode and open (service form: the caller supplies the sender's system title) */
        struct omp_rd rd = omp_rd_init(out, omp_wr_len(&w));
        struct omp_apdu_ciphered c;
        assert_int_equal(omp_apdu_cipher_decode(&rd, &c), OMP_OK);
        assert_int_equal(c.tag, 0xC8);
        assert_false(c.has_system_title);
        assert_true(all_byte(c.system_title, 8u, 0u));
        assert_int_equal(c.sc, sc);
        assert_int_equal(c.ic, ic);
        assert_int_equal(c.payload_len, sizeof k_get_req);
        assert_ptr_equal(c.payload, out + 7);
        if (auth) {
            assert_ptr_equal(c.auth_tag, out + 7 + sizeof k_get_req);
        } else {
            assert_null(c.auth_tag);
        }
        uint8_t plain[32];
        size_t len = 0;
        assert_int_equal(omp_apdu_cipher_open(&c, NULL, omp_posix_aead_gcm, p, OMP_KEY_GUEK,
                                              OMP_KEY_GAK, plain, sizeof plain, &len),
                         OMP_ERR_ARG); /* no system title anywhere */
        assert_int_equal(omp_apdu_cipher_open(&c, k_client_st, omp_posix_aead_gcm, p,
                                              OMP_KEY_GUEK, OMP_KEY_GAK, plain, sizeof plain,
                                              &len),
                         OMP_OK);
        assert_int_equal(len, sizeof k_get_req);
        assert_memory_equal(plain, k_get_req, sizeof k_get_req);
        /* the decoded plaintext is an ordinary APDU */
        struct omp_rd prd = omp_rd_init(plain, len);
        struct omp_apdu a;
        assert_int_equal(omp_apdu_decode(&prd, &a), OMP_OK);
        assert_int_equal(a.kind, OMP_APDU_GET_REQ_NORMAL);
        assert_int_equal(a.u.get_req.desc.class_id, 3u);

        /* the wrong system title: AUTH (A), or garbage for E only (no integrity) */
        static const uint8_t bad_st[8] = {'O', 'M', 'P', 0, 0, 0, 0, 0x2B};
        omp_err err = omp_apdu_cipher_open(&c, bad_st, omp_posix_aead_gcm, p, OMP_KEY_GUEK,
                                           OMP_KEY_GAK, plain, sizeof plain, &len);
        if (auth) {
            assert_int_equal(err, OMP_ERR_AUTH);
            assert_true(all_byte(plain, sizeof k_get_req + (enc ? 0u : 1u), 0u));
        } else {
            assert_int_equal(err, OMP_OK);
            assert_memory_not_equal(plain, k_get_req, sizeof k_get_req);
        }
        /* capacity: payload_len (+1 for A only) */
        const size_t need = sizeof k_get_req + ((auth && !enc) ? 1u : 0u);
        memset(plain, 0xA5, sizeof plain);
        len = 777u;
        assert_int_equal(omp_apdu_cipher_open(&c, k_client_st, omp_posix_aead_gcm, p,
                                              OMP_KEY_GUEK, OMP_KEY_GAK, plain, need - 1u, &len),
                         OMP_ERR_NOSPACE);
        assert_true(all_byte(plain, sizeof plain, 0xA5));
        assert_int_equal(len, 777u);
        assert_int_equal(omp_apdu_cipher_open(&c, k_client_st, omp_posix_aead_gcm, p,
                                              OMP_KEY_GUEK, OMP_KEY_GAK, plain, need, &len),
                         OMP_OK);
        assert_memory_equal(plain, k_get_req, sizeof k_get_req);

        /* seal: every smaller capacity is NOSPACE and writes nothing */
        for (size_t cap = 0; cap < 2u + content; cap++) {
            memset(area, 0xA5, sizeof area);
            w = omp_wr_init(out, cap);
            assert_int_equal(omp_apdu_cipher_seal(&w, OMP_APDU_TAG_GLO_GET_REQUEST, k_client_st,
                                                  sc, ic, k_get_req, sizeof k_get_req,
                                                  omp_posix_aead_gcm, p, OMP_KEY_GUEK,
                                                  OMP_KEY_GAK),
                             OMP_ERR_NOSPACE);
            assert_int_equal(omp_wr_len(&w), 0u);
            assert_true(all_byte(area, sizeof area, 0xA5));
        }
    }
    free_port(p);
}

static void test_general_ded_round_trip(void **state)
{
    (void)state;
    struct omp_posix_port *p = new_port(k_dk_ek_hex, k_dk_ak_hex);
    uint8_t buf[64];
    struct omp_wr w = omp_wr_init(buf, sizeof buf);
    assert_int_equal(omp_apdu_cipher_seal(&w, OMP_APDU_TAG_GENERAL_DED_CIPHERING, k_client_st,
                                          0x30, 7u, k_get_req, sizeof k_get_req,
                                          omp_posix_aead_gcm, p, OMP_KEY_DEDICATED, OMP_KEY_GAK),
                     OMP_OK);
    /* by hand: DC 08 <title> 1E (5 + 13 + 12 = 30) 30 00000007 ... */
    assert_int_equal(omp_wr_len(&w), 1u + 1u + 8u + 1u + 30u);
    assert_int_equal(buf[0], 0xDC);
    assert_int_equal(buf[1], 0x08);
    assert_memory_equal(buf + 2, k_client_st, 8u);
    assert_int_equal(buf[10], 30);
    assert_int_equal(buf[11], 0x30);
    assert_int_equal(buf[15], 0x07);
    uint8_t ct[sizeof k_get_req], tag[12];
    reference(p, OMP_KEY_DEDICATED, 0x30, 7u, ct, tag);
    assert_memory_equal(buf + 16, ct, sizeof ct);
    assert_memory_equal(buf + 16 + sizeof ct, tag, 12u);

    struct omp_rd rd = omp_rd_init(buf, omp_wr_len(&w));
    struct omp_apdu_ciphered c;
    assert_int_equal(omp_apdu_cipher_decode(&rd, &c), OMP_OK);
    assert_true(c.has_system_title);
    uint8_t plain[16];
    size_t len = 0;
    assert_int_equal(omp_apdu_cipher_open(&c, NULL, omp_posix_aead_gcm, p, OMP_KEY_DEDICATED,
                                          OMP_KEY_GAK, plain, sizeof plain, &len),
                     OMP_OK);
    assert_memory_equal(plain, k_get_req, sizeof k_get_req);
    /* the same bytes under the global key do not verify */
    assert_int_equal(omp_apdu_cipher_open(&c, NULL, omp_posix_aead_gcm, p, OMP_KEY_GUEK,
                                          OMP_KEY_GBEK, plain, sizeof plain, &len),
                     OMP_ERR_UNSUPPORTED); /* GBEK slot empty: the port's error passes through */
    /* empty payload round trip (A+E and A only) */
    for (unsigned sc = 0x10; sc <= 0x30; sc += 0x20) {
        w = omp_wr_init(buf, sizeof buf);
        assert_int_equal(omp_apdu_cipher_seal(&w, OMP_APDU_TAG_DED_GET_RESPONSE, k_client_st,
                                              (uint8_t)sc, 8u, NULL, 0u, omp_posix_aead_gcm, p,
                                              OMP_KEY_DEDICATED, OMP_KEY_GAK),
                         OMP_OK);
        assert_int_equal(omp_wr_len(&w), 2u + 5u + 12u);
        rd = omp_rd_init(buf, omp_wr_len(&w));
        assert_int_equal(omp_apdu_cipher_decode(&rd, &c), OMP_OK);
        assert_int_equal(c.payload_len, 0u);
        assert_ptr_equal(c.payload, buf + 7);
        len = 777u;
        assert_int_equal(omp_apdu_cipher_open(&c, k_client_st, omp_posix_aead_gcm, p,
                                              OMP_KEY_DEDICATED, OMP_KEY_GAK, plain,
                                              sc == 0x10 ? 1u : 0u, &len),
                         OMP_OK);
        assert_int_equal(len, 0u);
    }
    free_port(p);
}

/* ---- envelope errors (hand) ------------------------------------------------------------------ */

static const uint8_t k_bad_title_len[] = {0xDB, 0x07, 1, 2, 3, 4, 5, 6, 7, 0x05, 0x30, 0, 0, 0, 1};
static const uint8_t k_short_content[] = {0xC8, 0x04, 0x30, 0x00, 0x00, 0x00};
static const uint8_t k_short_for_tag[] = {0xC8, 0x10, 0x30, 0, 0, 0, 1, 1,
                                         2,    3,    4,    5, 6, 7, 8, 9, 10, 11};
static const uint8_t k_suite1[] = {0xC8, 0x05, 0x21, 0, 0, 0, 1};
static const uint8_t k_compressed[] = {0xC8, 0x05, 0xA0, 0, 0, 0, 1};
static const uint8_t k_no_protection[] = {0xC8, 0x05, 0x00, 0, 0, 0, 1};
static const uint8_t k_indefinite[] = {0xC8, 0x80, 0x20, 0, 0, 0, 1};
static const uint8_t k_not_ciphered[] = {0xC0, 0x01, 0xC1, 0x00, 0x03};
static const uint8_t k_enc_only_nonmin[] = {0xCC, 0x81, 0x06, 0x20, 0, 0, 0, 9, 0xAB};

static const struct {
    const char *name;
    const uint8_t *in;
    size_t len;
    omp_err want;
} k_env_cases[] = {
    {"system-title length 7 (hand)", k_bad_title_len, sizeof k_bad_title_len, OMP_ERR_MALFORMED},
    {"content shorter than SC+IC (hand)", k_short_content, sizeof k_short_content,
     OMP_ERR_MALFORMED},
    {"A set, 11 bytes after IC (hand)", k_short_for_tag, sizeof k_short_for_tag, OMP_ERR_MALFORMED},
    {"suite 1 (hand)", k_suite1, sizeof k_suite1, OMP_ERR_UNSUPPORTED},
    {"compression bit (hand)", k_compressed, sizeof k_compressed, OMP_ERR_UNSUPPORTED},
    {"SC 00, no protection (hand)", k_no_protection, sizeof k_no_protection, OMP_ERR_UNSUPPORTED},
    {"indefinite length (hand)", k_indefinite, sizeof k_indefinite, OMP_ERR_MALFORMED},
    {"GET-request, not ciphered", k_not_ciphered, sizeof k_not_ciphered, OMP_ERR_UNEXPECTED},
    {"E only, length 81 06 (hand)", k_enc_only_nonmin, sizeof k_enc_only_nonmin, OMP_OK},
};

static void test_envelope_errors(void **state)
{
    (void)state;
    struct omp_apdu_ciphered c, s;
    memset(&s, 0x5A, sizeof s);
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_env_cases); i++) {
        struct omp_rd rd = omp_rd_init(k_env_cases[i].in, k_env_cases[i].len);
        memcpy(&c, &s, sizeof c);
        omp_err err = omp_apdu_cipher_decode(&rd, &c);
        if (err != k_env_cases[i].want) {
            fail_msg("%s: got %s", k_env_cases[i].name, omp_err_name(err));
        }
        if (err != OMP_OK) {
            assert_memory_equal(&c, &s, sizeof c);
            assert_int_equal(omp_rd_pos(&rd), 0u);
        } else {
            assert_int_equal(omp_rd_pos(&rd), k_env_cases[i].len);
        }
    }
    struct omp_rd rd = omp_rd_init(k_enc_only_nonmin, sizeof k_enc_only_nonmin);
    assert_int_equal(omp_apdu_cipher_decode(&rd, &c), OMP_OK);
    assert_int_equal(c.sc, 0x20);
    assert_int_equal(c.ic, 9u);
    assert_int_equal(c.payload_len, 1u);
    assert_null(c.auth_tag);
    assert_int_equal(omp_apdu_cipher_decode(NULL, &c), OMP_ERR_ARG);
    assert_int_equal(omp_apdu_cipher_decode(&rd, NULL), OMP_ERR_ARG);
}

/* ---- argument checks and op failures (fake ops) ---------------------------------------------- */

static omp_err fake_fail(void *user, const struct omp_gcm_op *op)
{
    (void)user;
    if (op->out != NULL && op->len > 0u) {
        memset(op->out, 0xEE, op->len); /* a port that leaves garbage behind */
    }
    return OMP_ERR_HAL;
}

static void test_args_and_op_errors(void **state)
{
    (void)state;
    uint8_t buf[64];
    uint8_t area[64 + 2u * GUARD];
    uint8_t *out = area + GUARD;
    struct omp_wr w = omp_wr_init(buf, sizeof buf);
    /* seal argument checks: nothing written */
    assert_int_equal(omp_apdu_cipher_seal(NULL, 0xC8, k_client_st, 0x30, 1u, k_get_req, 13u,
                                          fake_fail, NULL, 0u, 2u),
                     OMP_ERR_ARG);
    assert_int_equal(omp_apdu_cipher_seal(&w, 0xC0, k_client_st, 0x30, 1u, k_get_req, 13u,
                                          fake_fail, NULL, 0u, 2u),
                     OMP_ERR_ARG);
    assert_int_equal(omp_apdu_cipher_seal(&w, 0xC8, NULL, 0x30, 1u, k_get_req, 13u, fake_fail,
                                          NULL, 0u, 2u),
                     OMP_ERR_ARG);
    assert_int_equal(omp_apdu_cipher_seal(&w, 0xC8, k_client_st, 0x30, 1u, NULL, 13u, fake_fail,
                                          NULL, 0u, 2u),
                     OMP_ERR_ARG);
    assert_int_equal(omp_apdu_cipher_seal(&w, 0xC8, k_client_st, 0x30, 1u, k_get_req, 13u, NULL,
                                          NULL, 0u, 2u),
                     OMP_ERR_ARG);
    static const uint8_t bad_sc[] = {0x00, 0x40, 0x31, 0xB0};
    for (size_t i = 0; i < sizeof bad_sc; i++) {
        assert_int_equal(omp_apdu_cipher_seal(&w, 0xC8, k_client_st, bad_sc[i], 1u, k_get_req,
                                              13u, fake_fail, NULL, 0u, 2u),
                         OMP_ERR_UNSUPPORTED);
    }
    assert_int_equal(omp_wr_len(&w), 0u);

    /* op failure in seal: error passed through, length unchanged, no plaintext left behind */
    static const uint8_t scs[] = {0x30, 0x10, 0x20};
    for (size_t i = 0; i < sizeof scs; i++) {
        memset(area, 0xA5, sizeof area);
        w = omp_wr_init(out, 64u);
        assert_int_equal(omp_wr_u8(&w, 0x42), OMP_OK);
        assert_int_equal(omp_apdu_cipher_seal(&w, 0xDB, k_client_st, scs[i], 1u, k_get_req, 13u,
                                              fake_fail, NULL, 0u, 2u),
                         OMP_ERR_HAL);
        assert_int_equal(omp_wr_len(&w), 1u);
        assert_int_equal(out[0], 0x42);
        for (size_t j = 0; j + sizeof k_get_req <= 64u; j++) {
            assert_memory_not_equal(out + j, k_get_req, sizeof k_get_req);
        }
        assert_true(all_byte(area, GUARD, 0xA5));
        assert_true(all_byte(out + 64, GUARD, 0xA5));
    }

    /* open argument checks and op failure */
    struct omp_apdu_ciphered c = {.tag = 0xC8, .sc = 0x30, .ic = 1u, .payload = k_get_req,
                                  .payload_len = 13u, .auth_tag = k_get_req};
    size_t len = 777u;
    assert_int_equal(omp_apdu_cipher_open(NULL, k_client_st, fake_fail, NULL, 0u, 2u, out, 64u,
                                          &len),
                     OMP_ERR_ARG);
    assert_int_equal(omp_apdu_cipher_open(&c, k_client_st, NULL, NULL, 0u, 2u, out, 64u, &len),
                     OMP_ERR_ARG);
    assert_int_equal(omp_apdu_cipher_open(&c, k_client_st, fake_fail, NULL, 0u, 2u, out, 64u,
                                          NULL),
                     OMP_ERR_ARG);
    assert_int_equal(omp_apdu_cipher_open(&c, k_client_st, fake_fail, NULL, 0u, 2u, NULL, 64u,
                                          &len),
                     OMP_ERR_ARG);
    c.auth_tag = NULL;
    assert_int_equal(omp_apdu_cipher_open(&c, k_client_st, fake_fail, NULL, 0u, 2u, out, 64u,
                                          &len),
                     OMP_ERR_ARG);
    c.auth_tag = k_get_req;
    c.sc = 0x31;
    assert_int_equal(omp_apdu_cipher_open(&c, k_client_st, fake_fail, NULL, 0u, 2u, out, 64u,
                                          &len),
                     OMP_ERR_UNSUPPORTED);
    for (size_t i = 0; i < sizeof scs; i++) {
        c.sc = scs[i];
        memset(area, 0xA5, sizeof area);
        assert_int_equal(omp_apdu_cipher_open(&c, k_client_st, fake_fail, NULL, 0u, 2u, out, 64u,
                                              &len),
                         OMP_ERR_HAL);
        assert_true(all_byte(out, 13u, 0x00)); /* zeroed even though the op left 0xEE */
        assert_int_equal(len, 777u);
        assert_true(all_byte(out + 14, 64u - 14u + GUARD, 0xA5));
    }
}

/* ---- replay guard ---------------------------------------------------------------------------- */

/* HLS mechanism 5 (GMAC): the DLMS UA Green Book example (Ed. 8, Table 43), k_gb_* in
 * dlms_vectors.h with its values and sources. */

/* A port with the example's keys: EK 000102..0F (GUEK), AK D0..DF (GAK). */
static struct omp_posix_port *gb_port(void)
{
    return new_port("000102030405060708090A0B0C0D0E0F", "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF");
}

/* omp_apdu_hls_gmac() by @p st with @p ic over @p challenge, the port's GUEK and GAK. */
static omp_err gb_gmac(struct omp_posix_port *p, const uint8_t *st, uint32_t ic,
                       const uint8_t *challenge, size_t n, uint8_t *f)
{
    return omp_apdu_hls_gmac(st, ic, challenge, n, omp_posix_aead_gcm, p, OMP_KEY_GUEK, OMP_KEY_GAK,
                             f);
}

/* omp_apdu_hls_gmac_check() of @p f against @p challenge by @p st, the port's GUEK and GAK. */
static omp_err gb_check(struct omp_posix_port *p, const uint8_t *st, const uint8_t *challenge,
                        size_t n, const uint8_t *f, size_t f_len, uint32_t *ic)
{
    return omp_apdu_hls_gmac_check(st, challenge, n, f, f_len, omp_posix_aead_gcm, p, OMP_KEY_GUEK,
                                   OMP_KEY_GAK, ic);
}

static void test_hls_gmac_green_book(void **state)
{
    (void)state;
    struct omp_posix_port *p = gb_port();
    uint8_t f[OMP_APDU_HLS_GMAC_LEN];
    /* pass 3: the client answers the server's challenge */
    assert_int_equal(gb_gmac(p, k_gb_client_st, 1u, k_gb_stoc, sizeof k_gb_stoc, f), OMP_OK);
    assert_memory_equal(f, k_gb_f_stoc, sizeof f);
    /* pass 4: the server answers the client's challenge */
    assert_int_equal(gb_gmac(p, k_gb_server_st, 0x01234567u, k_gb_ctos, sizeof k_gb_ctos, f),
                     OMP_OK);
    assert_memory_equal(f, k_gb_f_ctos, sizeof f);
    /* each side checks the other's answer to its own challenge */
    uint32_t ic = 0;
    assert_int_equal(gb_check(p, k_gb_client_st, k_gb_stoc, sizeof k_gb_stoc, k_gb_f_stoc,
                              sizeof k_gb_f_stoc, &ic),
                     OMP_OK);
    assert_int_equal(ic, 1u);
    assert_int_equal(gb_check(p, k_gb_server_st, k_gb_ctos, sizeof k_gb_ctos, k_gb_f_ctos,
                              sizeof k_gb_f_ctos, &ic),
                     OMP_OK);
    assert_int_equal(ic, 0x01234567u);
    /* a wrong tag, a wrong challenge, the wrong system title: refused, ic untouched */
    uint8_t bad[17];
    memcpy(bad, k_gb_f_stoc, sizeof bad);
    bad[16] ^= 0x01u;
    ic = 77u;
    assert_int_equal(gb_check(p, k_gb_client_st, k_gb_stoc, sizeof k_gb_stoc, bad, sizeof bad, &ic),
                     OMP_ERR_AUTH);
    assert_int_equal(gb_check(p, k_gb_client_st, k_gb_ctos, sizeof k_gb_ctos, k_gb_f_stoc,
                              sizeof k_gb_f_stoc, &ic),
                     OMP_ERR_AUTH);
    assert_int_equal(gb_check(p, k_gb_server_st, k_gb_stoc, sizeof k_gb_stoc, k_gb_f_stoc,
                              sizeof k_gb_f_stoc, &ic),
                     OMP_ERR_AUTH);
    assert_int_equal(ic, 77u);
    /* malformed answers and arguments */
    bad[0] = 0x30u;
    assert_int_equal(
        gb_check(p, k_gb_client_st, k_gb_stoc, sizeof k_gb_stoc, bad, sizeof bad, NULL),
        OMP_ERR_MALFORMED);
    assert_int_equal(
        gb_check(p, k_gb_client_st, k_gb_stoc, sizeof k_gb_stoc, k_gb_f_stoc, 16u, NULL),
        OMP_ERR_MALFORMED);
    assert_int_equal(gb_gmac(p, k_gb_client_st, 1u, k_gb_stoc, 7u, f),
                     OMP_ERR_ARG); /* challenges are 8..64 bytes */
    assert_int_equal(gb_gmac(p, NULL, 1u, k_gb_stoc, 8u, f), OMP_ERR_ARG);
    assert_int_equal(omp_apdu_hls_gmac(k_gb_client_st, 1u, k_gb_stoc, 8u, NULL, p, OMP_KEY_GUEK,
                                       OMP_KEY_GAK, f),
                     OMP_ERR_ARG);
    assert_int_equal(omp_apdu_hls_gmac(k_gb_client_st, 1u, k_gb_stoc, 8u, omp_posix_aead_gcm, p,
                                       OMP_KEY_GUEK, OMP_KEY_NONE, f),
                     OMP_ERR_ARG);
    free_port(p);
}

/* The association of that example: AARQ with mechanism 5 and CtoS, AARE accepted with
 * "authentication required" and StoC (Green Book example, as jDLMS and dlms-cosem test it). */
static void test_hls_gmac_association(void **state)
{
    (void)state;
    static const uint8_t k_aarq[] = {
        0x60, 0x36, 0xA1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x01, 0x8A, 0x02,
        0x07, 0x80, 0x8B, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x02, 0x05, 0xAC, 0x0A, 0x80, 0x08,
        0x4B, 0x35, 0x36, 0x69, 0x56, 0x61, 0x67, 0x59, 0xBE, 0x10, 0x04, 0x0E, 0x01, 0x00, 0x00,
        0x00, 0x06, 0x5F, 0x1F, 0x04, 0x00, 0x00, 0x7E, 0x1F, 0x04, 0xB0};
    static const uint8_t k_aare[] = {
        0x61, 0x42, 0xA1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x01, 0xA2, 0x03,
        0x02, 0x01, 0x00, 0xA3, 0x05, 0xA1, 0x03, 0x02, 0x01, 0x0E, 0x88, 0x02, 0x07, 0x80, 0x89,
        0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x02, 0x05, 0xAA, 0x0A, 0x80, 0x08, 0x50, 0x36, 0x77,
        0x52, 0x4A, 0x32, 0x31, 0x46, 0xBE, 0x10, 0x04, 0x0E, 0x08, 0x00, 0x06, 0x5F, 0x1F, 0x04,
        0x00, 0x00, 0x50, 0x1F, 0x01, 0xF4, 0x00, 0x07};
    struct omp_rd rd = omp_rd_init(k_aarq, sizeof k_aarq);
    struct omp_apdu a;
    assert_int_equal(omp_apdu_decode(&rd, &a), OMP_OK);
    assert_int_equal(a.kind, OMP_APDU_AARQ);
    assert_true(a.u.aarq.acse_auth);
    assert_true(a.u.aarq.has_mechanism);
    assert_int_equal(a.u.aarq.mechanism, OMP_AUTH_HLS_GMAC);
    assert_int_equal(a.u.aarq.auth_value.len, 8u);
    assert_memory_equal(a.u.aarq.auth_value.ptr, k_gb_ctos, 8u);
    assert_int_equal(a.u.aarq.user_info.u.init_req.conformance, 0x007E1Fu);
    assert_int_equal(a.u.aarq.user_info.u.init_req.max_pdu, 0x04B0u);
    uint8_t out[128];
    struct omp_wr w = omp_wr_init(out, sizeof out);
    assert_int_equal(omp_apdu_encode(&a, &w), OMP_OK);
    assert_int_equal(omp_wr_len(&w), sizeof k_aarq);
    assert_memory_equal(out, k_aarq, sizeof k_aarq);

    rd = omp_rd_init(k_aare, sizeof k_aare);
    assert_int_equal(omp_apdu_decode(&rd, &a), OMP_OK);
    assert_int_equal(a.kind, OMP_APDU_AARE);
    assert_int_equal(a.u.aare.result, 0u); /* accepted */
    assert_int_equal(a.u.aare.diag, OMP_ASSOC_DIAG_AUTHENTICATION_REQUIRED);
    assert_int_equal(a.u.aare.mechanism, OMP_AUTH_HLS_GMAC);
    assert_int_equal(a.u.aare.auth_value.len, 8u);
    assert_memory_equal(a.u.aare.auth_value.ptr, k_gb_stoc, 8u);
    assert_int_equal(a.u.aare.user_info.u.init_rsp.conformance, 0x00501Fu);
    assert_int_equal(a.u.aare.user_info.u.init_rsp.max_pdu, 0x01F4u);
    w = omp_wr_init(out, sizeof out);
    assert_int_equal(omp_apdu_encode(&a, &w), OMP_OK);
    assert_int_equal(omp_wr_len(&w), sizeof k_aare);
    assert_memory_equal(out, k_aare, sizeof k_aare);
}

/* HLS pass 3/4 with the client helpers, on the Green Book example: the client's f(StoC) goes into
 * the reply_to_HLS_authentication ACTION (bytes by hand, as in tests/test_apdu_client.c); the
 * server's pass 4 ACTION-response carries f(CtoS), which checks against CtoS. */
static void test_hls_client_pass3_pass4(void **state)
{
    (void)state;
    struct omp_posix_port *p = gb_port();
    uint8_t f[OMP_APDU_HLS_GMAC_LEN];
    assert_int_equal(gb_gmac(p, k_gb_client_st, 1u, k_gb_stoc, sizeof k_gb_stoc, f), OMP_OK);
    /* C3 01 C1 | class 000F | 0.0.40.0.0.255 | method 01 | params present 01 | 09 11 f(StoC) */
    uint8_t want[32] = {0xC3, 0x01, 0xC1, 0x00, 0x0F, 0x00, 0x00, 0x28,
                        0x00, 0x00, 0xFF, 0x01, 0x01, 0x09, 0x11};
    memcpy(want + 15, k_gb_f_stoc, sizeof k_gb_f_stoc);
    uint8_t out[40];
    struct omp_wr w = omp_wr_init(out, sizeof out);
    assert_int_equal(omp_dlms_client_hls_reply(&w, 0xC1u, f), OMP_OK);
    assert_int_equal(omp_wr_len(&w), sizeof want);
    assert_memory_equal(out, want, sizeof want);

    /* pass 4: C7 01 C1 | success 00 | present 01 | data 00 | 09 11 f(CtoS) */
    uint8_t pass4[25] = {0xC7, 0x01, 0xC1, 0x00, 0x01, 0x00, 0x09, 0x11};
    memcpy(pass4 + 8, k_gb_f_ctos, sizeof k_gb_f_ctos);
    struct omp_rd rd = omp_rd_init(pass4, sizeof pass4);
    struct omp_apdu a;
    assert_int_equal(omp_apdu_decode(&rd, &a), OMP_OK);
    struct omp_apdu_span fc;
    assert_int_equal(omp_dlms_client_hls_result(&a, &fc), OMP_OK);
    uint32_t ic = 0;
    assert_int_equal(gb_check(p, k_gb_server_st, k_gb_ctos, sizeof k_gb_ctos, fc.ptr, fc.len, &ic),
                     OMP_OK);
    assert_int_equal(ic, 0x01234567u);
    pass4[24] ^= 0x01u; /* a flipped tag bit is caught by the check, not by the extraction */
    rd = omp_rd_init(pass4, sizeof pass4);
    assert_int_equal(omp_apdu_decode(&rd, &a), OMP_OK);
    assert_int_equal(omp_dlms_client_hls_result(&a, &fc), OMP_OK);
    assert_int_equal(gb_check(p, k_gb_server_st, k_gb_ctos, sizeof k_gb_ctos, fc.ptr, fc.len, &ic),
                     OMP_ERR_AUTH);
    free_port(p);
}

/* An AARQ whose user-information is a glo-initiateRequest (tag 0x21): the plain InitiateRequest
 * from omp_dlms_client_initiate_req() sealed with SC 30, then put in the AARQ as opaque bytes.
 * Ciphertext and tag are checked against the port op called directly with the full AAD
 * (SC || AK) and IV = client system title || IC, as reference() does for the GET-request. */
static void test_glo_initiate_aarq(void **state)
{
    (void)state;
    struct omp_posix_port *p = new_port(k_dk_ek_hex, k_dk_ak_hex);
    /* InitiateRequest: 01 | 00 no dedicated key | 00 response-allowed default | 00 no QoS | 06 |
     * 5F1F 04 00 007E1F | 04B0 (the Green Book HLS example's conformance and max PDU) */
    static const uint8_t k_init[14] = {0x01, 0x00, 0x00, 0x00, 0x06, 0x5F, 0x1F,
                                       0x04, 0x00, 0x00, 0x7E, 0x1F, 0x04, 0xB0};
    uint8_t init[14];
    struct omp_wr w = omp_wr_init(init, sizeof init);
    assert_int_equal(omp_dlms_client_initiate_req(&w, 0x007E1Fu, 0x04B0u), OMP_OK);
    assert_memory_equal(init, k_init, sizeof k_init);

    const uint32_t ic = 0x00000001u;
    uint8_t glo[2 + 5 + 14 + 12];
    w = omp_wr_init(glo, sizeof glo);
    assert_int_equal(omp_apdu_cipher_seal(&w, 0x21u, k_client_st, 0x30u, ic, init, sizeof init,
                                          omp_posix_aead_gcm, p, OMP_KEY_GUEK, OMP_KEY_GAK),
                     OMP_OK);
    /* 21 | length 1F (SC + IC + 14 + tag 12 = 31) | 30 | 00000001 | ciphertext | tag */
    assert_int_equal(omp_wr_len(&w), sizeof glo);
    static const uint8_t head[7] = {0x21, 0x1F, 0x30, 0x00, 0x00, 0x00, 0x01};
    assert_memory_equal(glo, head, sizeof head);
    uint8_t ak[16], aad[17], iv[12], ct[14], tag[12];
    assert_int_equal(unhex(k_dk_ak_hex, ak, sizeof ak), 16u);
    memcpy(iv, k_client_st, 8u);
    memset(iv + 8, 0, 3u);
    iv[11] = 0x01u;
    aad[0] = 0x30u;
    memcpy(aad + 1, ak, 16u);
    struct omp_gcm_op op = {.encrypt = true, .key_slot = OMP_KEY_GUEK,
                            .aad_key_slot = OMP_KEY_NONE, .iv = iv, .iv_len = 12u, .aad = aad,
                            .aad_len = 17u, .in = k_init, .out = ct, .len = sizeof ct,
                            .tag = tag, .tag_len = 12u};
    assert_int_equal(omp_posix_aead_gcm(p, &op), OMP_OK);
    assert_memory_equal(glo + 7, ct, sizeof ct);
    assert_memory_equal(glo + 7 + sizeof ct, tag, sizeof tag);

    /* the AARQ: A1 LN-with-ciphering | A6 0A 04 08 <client title> | BE 23 04 21 <glo, 33 bytes> */
    const struct omp_dlms_aarq_opts o = {.mechanism = OMP_DLMS_MECH_NONE,
                                         .system_title = k_client_st,
                                         .user_info = glo,
                                         .user_info_len = sizeof glo};
    uint8_t aarq[80];
    w = omp_wr_init(aarq, sizeof aarq);
    assert_int_equal(omp_dlms_client_aarq(&w, &o), OMP_OK);
    /* 11 + 12 + (4 + 33) = 60 = 0x3C body, 62 bytes */
    assert_int_equal(omp_wr_len(&w), 62u);
    static const uint8_t k_aarq_head[] = {0x60, 0x3C, 0xA1, 0x09, 0x06, 0x07, 0x60, 0x85,
                                          0x74, 0x05, 0x08, 0x01, 0x03, 0xA6, 0x0A, 0x04,
                                          0x08, 'O',  'M',  'P',  0x00, 0x00, 0x00, 0x00,
                                          0x2A, 0xBE, 0x23, 0x04, 0x21};
    assert_memory_equal(aarq, k_aarq_head, sizeof k_aarq_head);
    assert_memory_equal(aarq + sizeof k_aarq_head, glo, sizeof glo);

    /* the server's side: decode the AARQ, open the user-information, decode the InitiateRequest */
    struct omp_rd rd = omp_rd_init(aarq, omp_wr_len(&w));
    struct omp_apdu a;
    assert_int_equal(omp_apdu_decode(&rd, &a), OMP_OK);
    assert_int_equal(a.u.aarq.app_context, OMP_APP_CONTEXT_LN_CIPHER);
    assert_int_equal(a.u.aarq.user_info.kind, OMP_APDU_UINFO_OTHER);
    struct omp_rd ui = omp_rd_init(a.u.aarq.user_info.raw.ptr, a.u.aarq.user_info.raw.len);
    struct omp_apdu_ciphered c;
    assert_int_equal(omp_apdu_cipher_decode(&ui, &c), OMP_OK);
    assert_int_equal(c.tag, 0x21);
    uint8_t plain[32];
    size_t len = 0;
    assert_int_equal(omp_apdu_cipher_open(&c, a.u.aarq.calling_ap_title.ptr, omp_posix_aead_gcm, p,
                                          OMP_KEY_GUEK, OMP_KEY_GAK, plain, sizeof plain, &len),
                     OMP_OK);
    assert_int_equal(len, sizeof k_init);
    assert_memory_equal(plain, k_init, sizeof k_init);
    free_port(p);
}

static void test_replay(void **state)
{
    (void)state;
    struct omp_apdu_replay r = {0};
    assert_int_equal(omp_apdu_replay_check(&r, 0u), OMP_OK); /* first one accepted, even 0 */
    assert_int_equal(omp_apdu_replay_check(&r, 0u), OMP_ERR_REPLAY);
    assert_int_equal(omp_apdu_replay_check(&r, 5u), OMP_OK);
    assert_int_equal(omp_apdu_replay_check(&r, 5u), OMP_ERR_REPLAY); /* equal */
    assert_int_equal(omp_apdu_replay_check(&r, 4u), OMP_ERR_REPLAY); /* lower */
    assert_true(r.seen);
    assert_int_equal(r.last_ic, 5u);                                  /* unchanged */
    assert_int_equal(omp_apdu_replay_check(&r, 0x000788E1u), OMP_OK); /* gaps are fine */
    assert_int_equal(omp_apdu_replay_check(&r, 0xFFFFFFFFu), OMP_OK);
    assert_int_equal(omp_apdu_replay_check(&r, 0xFFFFFFFFu), OMP_ERR_REPLAY);
    assert_int_equal(omp_apdu_replay_check(&r, 0u), OMP_ERR_REPLAY); /* no wrap-around */
    struct omp_apdu_replay r2 = {0};
    assert_int_equal(omp_apdu_replay_check(&r2, 0x000788E1u), OMP_OK); /* first: any value */
    assert_int_equal(omp_apdu_replay_check(NULL, 1u), OMP_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kamstrup_decode),
        cmocka_unit_test(test_kamstrup_open_seal),
        cmocka_unit_test(test_kamstrup_tamper),
        cmocka_unit_test(test_glo_get_request_round_trips),
        cmocka_unit_test(test_general_ded_round_trip),
        cmocka_unit_test(test_envelope_errors),
        cmocka_unit_test(test_args_and_op_errors),
        cmocka_unit_test(test_replay),
        cmocka_unit_test(test_hls_gmac_green_book),
        cmocka_unit_test(test_hls_gmac_association),
        cmocka_unit_test(test_hls_client_pass3_pass4),
        cmocka_unit_test(test_glo_initiate_aarq),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * HDLC frame format type 3 (IEC 62056-46): frame codec, LLC, SNRM/UA parameters, stream decoder,
 * segmentation.
 *
 * Vector sources:
 * - [KDOC] ../shared/vectors/kamstrup_dlms_doc_hdlc_sessions.txt: two HDLC sessions printed in
 *   Kamstrup's DLMS protocol description 55121424 D1, section 4 (FCS verified by the vector file).
 *   Every field below (addresses, control, N(S)/N(R), information length) is decoded by hand from
 *   those bytes, see the comment at each frame.
 * - [DK] ../shared/vectors/kamstrup_dk_han_encrypted.txt FULL_HDLC_FRAME (README: 491 bytes,
 *   `7E A1E9 41 03 13`, UI, FCS 3624, LLC E6 E7 00 then DB 08 ...).
 * - [NO] ../shared/vectors/kamstrup_no_han_amshan.txt FULL_HDLC_3PH_2022_01_24 (README: header
 *   `A0E2 2B 21 13`, UI; LLC PDU equals LLC_SE_LIST_3PH_ANONYMISED except the GS1 number
 *   5706567326590407).
 * - [HAND] frames made by hand in this file from the layout of IEC 62056-46 / Green Book 8.4
 *   (address bytes, control bytes worked out in the comments). Their HCS/FCS are computed with
 *   core's omp_crc16_x25, which test_core_crc checks against the published CRC-16/X.25 check
 *   value; it is not the code under test here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/hdlc.h"

/* ---- helpers -----------------------------------------------------------------------------------
 */

#include "han_vectors.h"
#include "test_hex.h"

/* [KDOC] frames with their hand decoding. ctrl: I = RRR P SSS 0; U frames 0x93 SNRM+P, 0x73 UA+F,
 * 0x53 DISC+P. Info length = frame length - 9 (format 2, addresses 1+1, control 1, HCS 2, FCS 2).
 */
struct kframe {
    const char *name;
    const char *hex;
    uint8_t dst, src; /* 1-byte addresses: byte >> 1 */
    enum omp_hdlc_type type;
    bool pf;
    uint8_t ns, nr;
    size_t info_len;
    bool response; /* LLC E6 E7 00 for I frames */
};

static const struct kframe k_session[] = {
    /* S1: 0x03 = server upper 1, 0x21 = client 16. A020: type A, S 0, length 0x20 = 32 */
    {"S1 SNRM", "7EA0200321937DD981801405020200060202000704000000010804000000016FEF7E", 1, 16,
     OMP_HDLC_SNRM, true, 0, 0, 23, false},
    {"S1 UA", "7EA0202103737398818014050202000602008007040000000108040000000119D47E", 16, 1,
     OMP_HDLC_UA, true, 0, 0, 23, false},
    /* 0x10 = 000 1 000 0: N(R) 0, P, N(S) 0; length 0x2B = 43 -> info 34 */
    {"S1 AARQ",
     "7EA02B032110FBAFE6E600601DA109060760857405080101BE10040E01000000065F1F040000181DFFFF5FAF7E",
     1, 16, OMP_HDLC_I, true, 0, 0, 34, false},
    /* 0x30 = 001 1 000 0: N(R) 1, F, N(S) 0; 0x37 = 55 -> 46 */
    {"S1 AARE",
     "7EA0372103306C7CE6E7006129A109060760857405080101A203020100A305A103020100BE10040E0800065F1F04"
     "00001010007D00077DEE7E",
     16, 1, OMP_HDLC_I, true, 0, 1, 46, true},
    /* 0x32 = 001 1 001 0: N(R) 1, P, N(S) 1; 0x19 = 25 -> 16 */
    {"S1 GET", "7EA0190321326FD8E6E600C0018100010101000001FF0200A8E37E", 1, 16, OMP_HDLC_I, true, 1,
     1, 16, false},
    /* 0x52 = 010 1 001 0: N(R) 2, F, N(S) 1; 0x15 = 21 -> 12 */
    {"S1 GET-RESPONSE", "7EA0152103525D8AE6E700C40181000600BC614FE4367E", 16, 1, OMP_HDLC_I, true,
     1, 2, 12, true},
    /* length 7: no information, no HCS */
    {"S1 DISC", "7EA00703215303C77E", 1, 16, OMP_HDLC_DISC, true, 0, 0, 0, false},
    {"S1 UA2", "7EA00721037301407E", 16, 1, OMP_HDLC_UA, true, 0, 0, 0, false},
    /* S2: 0x21 = server 16, 0x25 = client 18 */
    {"S2 SNRM", "7EA0202125939E0881801405020200060202000704000000010804000000016FEF7E", 16, 18,
     OMP_HDLC_SNRM, true, 0, 0, 23, false},
    {"S2 UA", "7EA02025217391EB818014050202000602008007040000000108040000000119D47E", 18, 16,
     OMP_HDLC_UA, true, 0, 0, 23, false},
    /* 0x41 = 65 -> 56 */
    {"S2 AARQ",
     "7EA041212510523BE6E6006033A1090607608574050801018A0207808B0760857405080201AC0780053132333435"
     "BE10040E01000000065F1F040000FE1FFFFF0CFF7E",
     16, 18, OMP_HDLC_I, true, 0, 0, 56, false},
    {"S2 AARE",
     "7EA0372521308E0FE6E7006129A109060760857405080101A203020100A305A103020100BE10040E0800065F1F04"
     "0000101C007D00074D997E",
     18, 16, OMP_HDLC_I, true, 0, 1, 46, true},
    /* 0x4C = 76 -> 67 */
    {"S2 GET",
     "7EA04C212532CDB2E6E600C0018100070101630100FF0201010204020412000809060001010000FF0F0212000009"
     "0C07DD0A19FF00000000800080090C07DD0A1AFF0000000080008001002F847E",
     16, 18, OMP_HDLC_I, true, 1, 1, 67, false},
    /* 0xFE = 111 1 111 0: N(R) 7, P, N(S) 7; 0x13 = 19 -> 10 */
    {"S2 GET-NEXT", "7EA0132125FE42D9E6E600C0028100000006CC0B7E", 16, 18, OMP_HDLC_I, true, 7, 7,
     10, false},
    /* 0x1E = 000 1 111 0: N(R) 0, F, N(S) 7; 0x74 = 116 -> 107 */
    {"S2 GET-RESPONSE",
     "7EA07425211E88F4E6E700C4028101000000070082005C0208090C07DD0A19050F0000FF80008012000006000000"
     "000F01060002E30D06000000000600000D2F06000000010208090C07DD0A19050F0F00FF80008012000006000000"
     "000F0106000343F806000000000600000EE906000000014FD97E",
     18, 16, OMP_HDLC_I, true, 7, 0, 107, true},
    {"S2 DISC", "7EA007212553E0167E", 16, 18, OMP_HDLC_DISC, true, 0, 0, 0, false},
    {"S2 UA2", "7EA007252173E3337E", 18, 16, OMP_HDLC_UA, true, 0, 0, 0, false},
};

#define N_SESSION OMP_ARRAY_LEN(k_session)

/* Build a [HAND] frame (with flags) from header bytes and info, computing HCS/FCS with core. */
static size_t build(uint8_t *out, const uint8_t *hdr, size_t hlen, const uint8_t *info, size_t ilen)
{
    size_t n = 0;
    out[n++] = 0x7E;
    memcpy(out + n, hdr, hlen);
    n += hlen;
    if (ilen > 0u) {
        uint16_t hcs = omp_crc16_x25(out + 1, hlen);
        out[n++] = (uint8_t)hcs;
        out[n++] = (uint8_t)(hcs >> 8);
        memcpy(out + n, info, ilen);
        n += ilen;
    }
    uint16_t fcs = omp_crc16_x25(out + 1, n - 1u);
    out[n++] = (uint8_t)fcs;
    out[n++] = (uint8_t)(fcs >> 8);
    out[n++] = 0x7E;
    return n;
}

/* ---- decode the real frames --------------------------------------------------------------------
 */

static void test_decode_sessions(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_SESSION; i++) {
        const struct kframe *k = &k_session[i];
        uint8_t b[256];
        size_t n = unhex(k->hex, b, sizeof b);
        struct omp_hdlc_frame f;
        size_t used = 0;
        print_message("%s\n", k->name);
        assert_int_equal(omp_hdlc_decode(b, n, &f, &used), OMP_OK);
        assert_int_equal(used, n);
        assert_int_equal(f.dst.size, 1);
        assert_int_equal(f.src.size, 1);
        assert_int_equal(f.dst.upper, k->dst);
        assert_int_equal(f.src.upper, k->src);
        assert_int_equal(f.dst.lower, 0);
        assert_int_equal(f.type, k->type);
        assert_int_equal(f.pf, k->pf);
        assert_int_equal(f.ns, k->ns);
        assert_int_equal(f.nr, k->nr);
        assert_false(f.segmented);
        assert_int_equal(f.info_len, k->info_len);
        if (k->info_len > 0u) {
            assert_ptr_equal(f.info, b + 8); /* zero copy: 7E, A0 LL, dst, src, ctrl, HCS 2 */
        } else {
            assert_null(f.info);
        }
        if (k->type == OMP_HDLC_I) {
            bool rsp = false;
            const uint8_t *apdu = NULL;
            size_t alen = 0;
            assert_int_equal(omp_hdlc_llc_strip(f.info, f.info_len, &rsp, &apdu, &alen), OMP_OK);
            assert_int_equal(rsp, k->response);
            assert_ptr_equal(apdu, f.info + 3);
            assert_int_equal(alen, k->info_len - 3u);
        }
        /* without flags: the same frame from the format field, FCS included */
        struct omp_hdlc_frame g;
        assert_int_equal(omp_hdlc_decode(b + 1, n - 2u, &g, &used), OMP_OK);
        assert_int_equal(used, n - 2u);
        assert_int_equal(g.info_len, f.info_len);
        /* every truncation fails (ASan checks that nothing past the cut is read) */
        for (size_t cut = 0; cut < n; cut++) {
            uint8_t *c = test_malloc(cut == 0u ? 1u : cut);
            memcpy(c, b, cut);
            struct omp_hdlc_frame h;
            size_t u = 99;
            memset(&h, 0x5A, sizeof h);
            omp_err err = omp_hdlc_decode(c, cut, &h, &u);
            assert_int_equal(err, OMP_ERR_TRUNCATED);
            assert_int_equal(u, 99);
            test_free(c);
        }
    }
}

static void test_decode_dk_han(void **state)
{
    (void)state;
    static uint8_t b[600];
    size_t n = unhex(k_dk_frame_hex, b, sizeof b);
    assert_int_equal(n, 491); /* [DK] README: 491 bytes with flags */
    struct omp_hdlc_frame f;
    size_t used = 0;
    assert_int_equal(omp_hdlc_decode(b, n, &f, &used), OMP_OK);
    assert_int_equal(used, 491);
    /* 0x41 = 0100000 1 -> 1-byte address 0x20 = 32; 0x03 -> 1; 0x13 = UI with F */
    assert_int_equal(f.dst.size, 1);
    assert_int_equal(f.dst.upper, 32);
    assert_int_equal(f.src.upper, 1);
    assert_int_equal(f.type, OMP_HDLC_UI);
    assert_true(f.pf);
    assert_false(f.segmented);
    assert_int_equal(f.info_len, 0x1E9 - 9); /* 480 */
    static const uint8_t head[] = {0xE6, 0xE7, 0x00, 0xDB, 0x08};
    assert_memory_equal(f.info, head, sizeof head);
    assert_int_equal(b[n - 3], 0x36); /* FCS 3624 per README, LSB first */
    assert_int_equal(b[n - 2], 0x24);
    /* re-encode gives the same bytes */
    static uint8_t out[600];
    struct omp_wr w = omp_wr_init(out, sizeof out);
    assert_int_equal(omp_hdlc_encode(&w, &f, true), OMP_OK);
    assert_int_equal(omp_wr_len(&w), n);
    assert_memory_equal(out, b, n);
}

static void test_decode_no_han(void **state)
{
    (void)state;
    static uint8_t b[300], llc[300];
    size_t n = unhex(k_no_3ph_frame_hex, b, sizeof b);
    size_t ln = unhex(k_no_3ph_llc_hex, llc, sizeof llc);
    /* [NO] README: the frame's GS1 number is 5706567326590407 instead of 5705705705705707 */
    static const char anon[] = "5705705705705707", real[] = "5706567326590407";
    uint8_t *p = NULL;
    for (size_t i = 0; i + 16u <= ln; i++) {
        if (memcmp(llc + i, anon, 16) == 0) {
            p = llc + i;
        }
    }
    assert_non_null(p);
    memcpy(p, real, 16);
    struct omp_hdlc_frame f;
    size_t used = 0;
    assert_int_equal(omp_hdlc_decode(b, n, &f, &used), OMP_OK);
    assert_int_equal(used, n);
    assert_int_equal(n, 0xE2 + 2); /* A0E2: length 226 plus two flags */
    /* 0x2B -> 21, 0x21 -> 16, 0x13 = UI with F */
    assert_int_equal(f.dst.upper, 21);
    assert_int_equal(f.src.upper, 16);
    assert_int_equal(f.type, OMP_HDLC_UI);
    assert_true(f.pf);
    assert_int_equal(f.info_len, ln);
    assert_memory_equal(f.info, llc, ln);
}

/* ---- encode ------------------------------------------------------------------------------------
 */

static void test_encode_sessions(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_SESSION; i++) {
        uint8_t b[256], out[260];
        size_t n = unhex(k_session[i].hex, b, sizeof b);
        struct omp_hdlc_frame f;
        size_t used = 0;
        assert_int_equal(omp_hdlc_decode(b, n, &f, &used), OMP_OK);
        assert_int_equal(omp_hdlc_encoded_len(&f, true), n);
        assert_int_equal(omp_hdlc_encoded_len(&f, false), n - 2u);
        /* exact size with guards, then every smaller capacity: nothing written */
        for (size_t cap = 0; cap <= n; cap++) {
            memset(out, 0xA5, sizeof out);
            struct omp_wr w = omp_wr_init(out + 1, cap);
            omp_err err = omp_hdlc_encode(&w, &f, true);
            if (cap < n) {
                assert_int_equal(err, OMP_ERR_NOSPACE);
                assert_int_equal(omp_wr_len(&w), 0);
                for (size_t k = 0; k < sizeof out; k++) {
                    assert_int_equal(out[k], 0xA5);
                }
            } else {
                assert_int_equal(err, OMP_OK);
                assert_memory_equal(out + 1, b, n);
                assert_int_equal(out[0], 0xA5);
                assert_int_equal(out[n + 1], 0xA5);
            }
        }
        struct omp_wr w = omp_wr_init(out, sizeof out);
        assert_int_equal(omp_hdlc_encode(&w, &f, false), OMP_OK);
        assert_int_equal(omp_wr_len(&w), n - 2u);
        assert_memory_equal(out, b + 1, n - 2u);
    }
}

static void test_encode_roundtrip_all(void **state)
{
    (void)state;
    static const enum omp_hdlc_type types[] = {OMP_HDLC_I,    OMP_HDLC_RR,   OMP_HDLC_RNR,
                                               OMP_HDLC_SNRM, OMP_HDLC_DISC, OMP_HDLC_UA,
                                               OMP_HDLC_DM,   OMP_HDLC_FRMR, OMP_HDLC_UI};
    static const struct omp_hdlc_addr addrs[] = {
        {.upper = 0x7F, .lower = 0, .size = 1},      {.upper = 1, .lower = 17, .size = 2},
        {.upper = 0x7F, .lower = 0x7F, .size = 2},   {.upper = 1, .lower = 0x3FFF, .size = 4},
        {.upper = 0x2AAA, .lower = 0x80, .size = 4},
    };
    static const uint8_t info[] = {0xE6, 0xE6, 0x00, 0x7E, 0x7E, 0x01};
    for (size_t t = 0; t < OMP_ARRAY_LEN(types); t++) {
        for (size_t a = 0; a < OMP_ARRAY_LEN(addrs); a++) {
            for (unsigned v = 0; v < 16u; v++) {
                struct omp_hdlc_frame f;
                memset(&f, 0, sizeof f);
                f.type = types[t];
                f.dst = addrs[a];
                f.src = addrs[(a + 1u) % OMP_ARRAY_LEN(addrs)];
                f.pf = (v & 1u) != 0u;
                if (types[t] == OMP_HDLC_I) {
                    f.ns = (uint8_t)(v & 7u);
                }
                if (types[t] <= OMP_HDLC_RNR) {
                    f.nr = (uint8_t)((v * 3u) & 7u);
                }
                if (types[t] != OMP_HDLC_RR && types[t] != OMP_HDLC_RNR &&
                    types[t] != OMP_HDLC_DISC && (v & 2u) != 0u) {
                    f.info = info;
                    f.info_len = sizeof info;
                }
                f.segmented = (types[t] == OMP_HDLC_I || types[t] == OMP_HDLC_UI) && (v & 4u);
                for (int fl = 0; fl < 2; fl++) {
                    uint8_t out[64];
                    struct omp_wr w = omp_wr_init(out, sizeof out);
                    assert_int_equal(omp_hdlc_encode(&w, &f, fl != 0), OMP_OK);
                    struct omp_hdlc_frame g;
                    size_t used = 0;
                    assert_int_equal(omp_hdlc_decode(out, omp_wr_len(&w), &g, &used), OMP_OK);
                    assert_int_equal(used, omp_wr_len(&w));
                    assert_int_equal(g.type, f.type);
                    assert_int_equal(g.pf, f.pf);
                    assert_int_equal(g.ns, f.ns);
                    assert_int_equal(g.nr, f.nr);
                    assert_int_equal(g.segmented, f.segmented);
                    assert_int_equal(g.dst.size, f.dst.size);
                    assert_int_equal(g.dst.upper, f.dst.upper);
                    assert_int_equal(g.dst.lower, f.dst.lower);
                    assert_int_equal(g.src.size, f.src.size);
                    assert_int_equal(g.src.upper, f.src.upper);
                    assert_int_equal(g.src.lower, f.src.lower);
                    assert_int_equal(g.info_len, f.info_len);
                    if (f.info_len > 0u) {
                        assert_memory_equal(g.info, f.info, f.info_len);
                    }
                }
            }
        }
    }
}

static void test_addresses_hand(void **state)
{
    (void)state;
    /* [HAND] SNRM from client 16 (0x21) to server logical 1, physical 17:
     * 2 bytes: 1<<1 = 0x02, 17<<1|1 = 0x23. 4 bytes: 0x00 0x02 0x00 0x23.
     * Physical 0x3FFF in 4 bytes: (0x7F<<1) 0xFE, (0x7F<<1)|1 0xFF. Control 0x93 = SNRM + P.
     * Length: format 2 + dst 2 (or 4) + src 1 + control 1 + FCS 2 = 8 (or 10). */
    static const uint8_t h2[] = {0xA0, 0x08, 0x02, 0x23, 0x21, 0x93};
    static const uint8_t h4[] = {0xA0, 0x0A, 0x00, 0x02, 0x00, 0x23, 0x21, 0x93};
    static const uint8_t h4b[] = {0xA0, 0x0A, 0x00, 0x02, 0xFE, 0xFF, 0x21, 0x93};
    const struct {
        const uint8_t *h;
        size_t n;
        uint16_t upper, lower;
        uint8_t size;
    } cases[] = {
        {h2, sizeof h2, 1, 17, 2}, {h4, sizeof h4, 1, 17, 4}, {h4b, sizeof h4b, 1, 0x3FFF, 4}};
    for (size_t i = 0; i < OMP_ARRAY_LEN(cases); i++) {
        uint8_t b[32], out[32];
        size_t n = build(b, cases[i].h, cases[i].n, NULL, 0);
        struct omp_hdlc_frame f;
        size_t used = 0;
        assert_int_equal(omp_hdlc_decode(b, n, &f, &used), OMP_OK);
        assert_int_equal(f.dst.size, cases[i].size);
        assert_int_equal(f.dst.upper, cases[i].upper);
        assert_int_equal(f.dst.lower, cases[i].lower);
        assert_int_equal(f.src.upper, 16);
        assert_int_equal(f.type, OMP_HDLC_SNRM);
        struct omp_wr w = omp_wr_init(out, sizeof out);
        assert_int_equal(omp_hdlc_encode(&w, &f, true), OMP_OK);
        assert_int_equal(omp_wr_len(&w), n);
        assert_memory_equal(out, b, n);
    }
}

static void test_encode_errors(void **state)
{
    (void)state;
    uint8_t out[64];
    struct omp_wr w = omp_wr_init(out, sizeof out);
    struct omp_hdlc_frame f;
    memset(&f, 0, sizeof f);
    f.type = OMP_HDLC_RR;
    f.dst = (struct omp_hdlc_addr){.upper = 1, .lower = 0, .size = 1};
    f.src = (struct omp_hdlc_addr){.upper = 16, .lower = 0, .size = 1};
    struct omp_hdlc_frame bad = f;
    bad.dst.upper = 0x80; /* 7 bits in a 1-byte address */
    assert_int_equal(omp_hdlc_encode(&w, &bad, true), OMP_ERR_RANGE);
    bad = f;
    bad.dst.size = 3;
    assert_int_equal(omp_hdlc_encode(&w, &bad, true), OMP_ERR_RANGE);
    bad = f;
    bad.dst = (struct omp_hdlc_addr){.upper = 0x4000, .lower = 0, .size = 4};
    assert_int_equal(omp_hdlc_encode(&w, &bad, true), OMP_ERR_RANGE);
    bad = f;
    bad.nr = 8;
    assert_int_equal(omp_hdlc_encode(&w, &bad, true), OMP_ERR_RANGE);
    bad = f;
    bad.segmented = true; /* S only on I/UI */
    assert_int_equal(omp_hdlc_encode(&w, &bad, true), OMP_ERR_RANGE);
    bad = f;
    bad.type = (enum omp_hdlc_type)99;
    assert_int_equal(omp_hdlc_encode(&w, &bad, true), OMP_ERR_RANGE);
    bad = f;
    bad.info_len = 1; /* NULL info */
    assert_int_equal(omp_hdlc_encode(&w, &bad, true), OMP_ERR_ARG);
    static uint8_t big[2100];
    bad = f;
    bad.type = OMP_HDLC_UI;
    bad.info = big;
    bad.info_len = 2047 - 9 + 1; /* one byte over the 11-bit length */
    assert_int_equal(omp_hdlc_encoded_len(&bad, false), 0);
    assert_int_equal(omp_hdlc_encode(&w, &bad, true), OMP_ERR_RANGE);
    bad.info_len = 2047 - 9; /* exactly 2047 */
    assert_int_equal(omp_hdlc_encoded_len(&bad, false), 2047);
    assert_int_equal(omp_wr_len(&w), 0);
    assert_int_equal(omp_hdlc_encode(NULL, &f, true), OMP_ERR_ARG);
    assert_int_equal(omp_hdlc_encode(&w, NULL, true), OMP_ERR_ARG);
}

/* ---- decode errors -----------------------------------------------------------------------------
 */

static void test_decode_errors(void **state)
{
    (void)state;
    uint8_t b[64];
    struct omp_hdlc_frame f, sentinel;
    memset(&sentinel, 0x5A, sizeof sentinel);
    size_t used = 77;
    /* [HAND] headers, valid HCS/FCS added by build() so only the named defect is wrong */
    static const uint8_t fmt_b[] = {0xB0, 0x07, 0x03, 0x21, 0x53};             /* type 0xB */
    static const uint8_t short6[] = {0xA0, 0x06, 0x03, 0x21, 0x53};            /* length 6 < 7 */
    static const uint8_t addr3[] = {0xA0, 0x09, 0x00, 0x02, 0x03, 0x21, 0x53}; /* 3-byte address */
    static const uint8_t addr5[] = {0xA0, 0x0B, 0x00, 0x02, 0x00, 0x02, 0x02, 0x21, 0x53};
    static const uint8_t rej[] = {0xA0, 0x07, 0x03, 0x21, 0x19};      /* REJ: not used by DLMS */
    static const uint8_t s_disc[] = {0xA8, 0x07, 0x03, 0x21, 0x53};   /* S bit on DISC */
    static const uint8_t hcs_only[] = {0xA0, 0x09, 0x03, 0x21, 0x53}; /* HCS, no info */
    static const uint8_t noctrl[] = {0xA0, 0x07, 0x03, 0x21, 0x21};   /* dst, src, src: no room */
    const struct {
        const char *name;
        const uint8_t *h;
        size_t n;
        size_t ilen;
        omp_err want;
    } cases[] = {
        {"format type B", fmt_b, sizeof fmt_b, 0, OMP_ERR_MALFORMED},
        {"length 6", short6, sizeof short6, 0, OMP_ERR_MALFORMED},
        {"3-byte address", addr3, sizeof addr3, 0, OMP_ERR_MALFORMED},
        {"no address end in 4 bytes", addr5, sizeof addr5, 0, OMP_ERR_MALFORMED},
        {"REJ control 0x19", rej, sizeof rej, 0, OMP_ERR_MALFORMED},
        {"S bit on DISC", s_disc, sizeof s_disc, 0, OMP_ERR_MALFORMED},
        {"HCS without info", hcs_only, sizeof hcs_only, 0, OMP_ERR_MALFORMED},
    };
    for (size_t i = 0; i < OMP_ARRAY_LEN(cases); i++) {
        size_t n = build(b, cases[i].h, cases[i].n, NULL, 0);
        if (cases[i].h == hcs_only) { /* build() adds no HCS without info: add 2 bytes by hand */
            n = build(b, hcs_only, sizeof hcs_only, NULL, 0);
            uint8_t t[16];
            uint16_t hcs = omp_crc16_x25(hcs_only, sizeof hcs_only);
            memcpy(t, hcs_only, sizeof hcs_only);
            t[5] = (uint8_t)hcs;
            t[6] = (uint8_t)(hcs >> 8);
            n = build(b, t, 7, NULL, 0);
        }
        print_message("%s\n", cases[i].name);
        memcpy(&f, &sentinel, sizeof f);
        assert_int_equal(omp_hdlc_decode(b, n, &f, &used), cases[i].want);
        assert_memory_equal(&f, &sentinel, sizeof f);
        assert_int_equal(used, 77);
    }
    /* control byte missing: length 7 but dst 1 + src 2 bytes leave no room before the FCS */
    size_t n = build(b, noctrl, sizeof noctrl, NULL, 0);
    b[4] = 0x20; /* src 0x20 0x21: 2 bytes, the control byte would be in the FCS */
    uint16_t fcs = omp_crc16_x25(b + 1, 5);
    b[6] = (uint8_t)fcs;
    b[7] = (uint8_t)(fcs >> 8);
    assert_int_equal(omp_hdlc_decode(b, n, &f, &used), OMP_ERR_MALFORMED);

    /* [KDOC] S1 GET with single bits flipped: in the HCS -> CRC; in the info -> CRC (FCS) */
    uint8_t g[64];
    size_t gn = unhex(k_session[4].hex, g, sizeof g);
    g[7] ^= 0x01; /* HCS byte 2 */
    assert_int_equal(omp_hdlc_decode(g, gn, &f, &used), OMP_ERR_CRC);
    g[7] ^= 0x01;
    g[12] ^= 0x40; /* info */
    assert_int_equal(omp_hdlc_decode(g, gn, &f, &used), OMP_ERR_CRC);
    g[12] ^= 0x40;
    g[gn - 2] ^= 0x80; /* FCS */
    assert_int_equal(omp_hdlc_decode(g, gn, &f, &used), OMP_ERR_CRC);
    g[gn - 2] ^= 0x80;
    g[gn - 1] = 0x00; /* closing flag */
    assert_int_equal(omp_hdlc_decode(g, gn, &f, &used), OMP_ERR_MALFORMED);
    g[gn - 1] = 0x7E;
    assert_int_equal(omp_hdlc_decode(g, gn, &f, &used), OMP_OK);
    assert_int_equal(omp_hdlc_decode(NULL, 0, &f, &used), OMP_ERR_ARG);
    assert_int_equal(omp_hdlc_decode(g, gn, NULL, &used), OMP_ERR_ARG);
    assert_int_equal(omp_hdlc_decode(g, gn, &f, NULL), OMP_ERR_ARG);
}

/* ---- LLC ---------------------------------------------------------------------------------------
 */

static void test_llc(void **state)
{
    (void)state;
    uint8_t out[8];
    memset(out, 0xA5, sizeof out);
    struct omp_wr w = omp_wr_init(out, 3);
    assert_int_equal(omp_hdlc_llc_put(&w, false), OMP_OK); /* Green Book: E6 E6 00 command */
    static const uint8_t cmd[] = {0xE6, 0xE6, 0x00}, rsp[] = {0xE6, 0xE7, 0x00};
    assert_memory_equal(out, cmd, 3);
    assert_int_equal(omp_hdlc_llc_put(&w, true), OMP_ERR_NOSPACE);
    assert_int_equal(out[3], 0xA5);
    w = omp_wr_init(out, sizeof out);
    assert_int_equal(omp_hdlc_llc_put(&w, true), OMP_OK);
    assert_memory_equal(out, rsp, 3);

    const uint8_t *apdu = NULL;
    size_t alen = 0;
    bool r = true;
    assert_int_equal(omp_hdlc_llc_strip(cmd, 3, &r, &apdu, &alen), OMP_OK);
    assert_false(r);
    assert_int_equal(alen, 0);
    assert_int_equal(omp_hdlc_llc_strip(cmd, 2, &r, &apdu, &alen), OMP_ERR_TRUNCATED);
    static const uint8_t bad1[] = {0xE6, 0xE8, 0x00}, bad2[] = {0xE7, 0xE6, 0x00},
                         bad3[] = {0xE6, 0xE6, 0x01};
    assert_int_equal(omp_hdlc_llc_strip(bad1, 3, &r, &apdu, &alen), OMP_ERR_UNEXPECTED);
    assert_int_equal(omp_hdlc_llc_strip(bad2, 3, &r, &apdu, &alen), OMP_ERR_UNEXPECTED);
    assert_int_equal(omp_hdlc_llc_strip(bad3, 3, &r, &apdu, &alen), OMP_ERR_UNEXPECTED);
    assert_false(r);
}

/* ---- parameters --------------------------------------------------------------------------------
 */

static void test_params(void **state)
{
    (void)state;
    uint8_t snrm[256], ua[256];
    size_t sn = unhex(k_session[0].hex, snrm, sizeof snrm);
    size_t un = unhex(k_session[1].hex, ua, sizeof ua);
    struct omp_hdlc_frame fs, fu;
    size_t used = 0;
    assert_int_equal(omp_hdlc_decode(snrm, sn, &fs, &used), OMP_OK);
    assert_int_equal(omp_hdlc_decode(ua, un, &fu, &used), OMP_OK);
    struct omp_hdlc_params ps, pu;
    assert_int_equal(omp_hdlc_params_decode(fs.info, fs.info_len, &ps), OMP_OK);
    /* [KDOC] README: SNRM proposes TX/RX 0x0200/0x0200, window 1 */
    assert_int_equal(ps.max_info_tx, 0x200);
    assert_int_equal(ps.max_info_rx, 0x200);
    assert_int_equal(ps.window_tx, 1);
    assert_int_equal(ps.window_rx, 1);
    assert_int_equal(omp_hdlc_params_decode(fu.info, fu.info_len, &pu), OMP_OK);
    /* [KDOC] README: UA answers TX 0x0200, RX 0x0080, window 1 */
    assert_int_equal(pu.max_info_tx, 0x200);
    assert_int_equal(pu.max_info_rx, 0x80);
    assert_int_equal(pu.window_tx, 1);
    assert_int_equal(pu.window_rx, 1);
    /* encoding the UA parameters gives the meter's bytes exactly, and fails whole when short */
    uint8_t out[40];
    for (size_t cap = 0; cap <= fu.info_len; cap++) {
        memset(out, 0xA5, sizeof out);
        struct omp_wr w = omp_wr_init(out, cap);
        omp_err err = omp_hdlc_params_encode(&w, &pu);
        assert_int_equal(err, cap < fu.info_len ? OMP_ERR_NOSPACE : OMP_OK);
        if (err == OMP_OK) {
            assert_memory_equal(out, fu.info, fu.info_len);
        } else {
            assert_int_equal(out[0], 0xA5);
        }
        assert_int_equal(out[cap], 0xA5);
    }
    /* negotiation: the K351C's own limits are info 512 TX / 128 RX, window 1/1 (technical facts
     * §11.2, HDLC setup example); min with the SNRM proposal gives the UA of the vector */
    struct omp_hdlc_params lim = {
        .max_info_tx = 512, .max_info_rx = 128, .window_tx = 1, .window_rx = 1};
    struct omp_hdlc_params neg;
    assert_int_equal(omp_hdlc_negotiate(&ps, &lim, &neg), OMP_OK);
    assert_memory_equal(&neg, &pu, sizeof neg);
    /* a small proposal wins over large limits, crosswise (the peer's RX is our TX) */
    struct omp_hdlc_params prop = {
        .max_info_tx = 60, .max_info_rx = 40, .window_tx = 3, .window_rx = 2};
    struct omp_hdlc_params big = {
        .max_info_tx = 1010, .max_info_rx = 1010, .window_tx = 7, .window_rx = 7};
    assert_int_equal(omp_hdlc_negotiate(&prop, &big, &neg), OMP_OK);
    assert_int_equal(neg.max_info_tx, 40);
    assert_int_equal(neg.max_info_rx, 60);
    assert_int_equal(neg.window_tx, 2);
    assert_int_equal(neg.window_rx, 3);
    struct omp_hdlc_params zero = prop;
    zero.window_rx = 0;
    assert_int_equal(omp_hdlc_negotiate(&zero, &big, &neg), OMP_ERR_ARG);

    /* defaults: no information field; [HAND] 1-byte values and missing parameters */
    struct omp_hdlc_params p;
    assert_int_equal(omp_hdlc_params_decode(NULL, 0, &p), OMP_OK);
    assert_int_equal(p.max_info_tx, 128);
    assert_int_equal(p.max_info_rx, 128);
    assert_int_equal(p.window_tx, 1);
    assert_int_equal(p.window_rx, 1);
    static const uint8_t one[] = {0x81, 0x80, 0x09, 0x05, 0x01, 0x80,
                                  0x07, 0x01, 0x03, 0x99, 0x01, 0x00}; /* 0x99: unknown, skipped */
    assert_int_equal(omp_hdlc_params_decode(one, sizeof one, &p), OMP_OK);
    assert_int_equal(p.max_info_tx, 128);
    assert_int_equal(p.max_info_rx, 128);
    assert_int_equal(p.window_tx, 3);
    assert_int_equal(p.window_rx, 1);
    static const uint8_t four[] = {0x81, 0x80, 0x06, 0x06, 0x04, 0x00, 0x00, 0x03, 0xF2};
    assert_int_equal(omp_hdlc_params_decode(four, sizeof four, &p), OMP_OK);
    assert_int_equal(p.max_info_rx, 1010); /* 0x3F2 */
    struct omp_hdlc_params keep;
    memset(&keep, 0x5A, sizeof keep);
    p = keep;
    static const uint8_t len3[] = {0x81, 0x80, 0x05, 0x05, 0x03, 0x00, 0x00, 0x80};
    static const uint8_t win8[] = {0x81, 0x80, 0x03, 0x07, 0x01, 0x08};
    static const uint8_t info0[] = {0x81, 0x80, 0x03, 0x05, 0x01, 0x00};
    static const uint8_t big4[] = {0x81, 0x80, 0x06, 0x05, 0x04, 0x00, 0x01, 0x00, 0x00};
    static const uint8_t glen[] = {0x81, 0x80, 0x04, 0x07, 0x01, 0x01};
    static const uint8_t fmt[] = {0x82, 0x80, 0x03, 0x07, 0x01, 0x01};
    static const uint8_t cut[] = {0x81, 0x80, 0x02, 0x07, 0x01};
    assert_int_equal(omp_hdlc_params_decode(len3, sizeof len3, &p), OMP_ERR_MALFORMED);
    assert_int_equal(omp_hdlc_params_decode(win8, sizeof win8, &p), OMP_ERR_RANGE);
    assert_int_equal(omp_hdlc_params_decode(info0, sizeof info0, &p), OMP_ERR_RANGE);
    assert_int_equal(omp_hdlc_params_decode(big4, sizeof big4, &p), OMP_ERR_RANGE);
    assert_int_equal(omp_hdlc_params_decode(glen, sizeof glen, &p), OMP_ERR_MALFORMED);
    assert_int_equal(omp_hdlc_params_decode(fmt, sizeof fmt, &p), OMP_ERR_MALFORMED);
    assert_int_equal(omp_hdlc_params_decode(cut, sizeof cut, &p), OMP_ERR_MALFORMED);
    assert_memory_equal(&p, &keep, sizeof p);
    struct omp_wr w = omp_wr_init(out, sizeof out);
    struct omp_hdlc_params badp = pu;
    badp.window_tx = 8;
    assert_int_equal(omp_hdlc_params_encode(&w, &badp), OMP_ERR_RANGE);
    assert_int_equal(omp_wr_len(&w), 0);
}

/* ---- stream ------------------------------------------------------------------------------------
 */

/* Feed @p in in chunks of the sizes in @p cuts (0-terminated list of positions), collecting the
 * frames re-encoded with flags into @p out; returns the number of frames. */
static size_t run_stream(struct omp_hdlc_stream *s, const uint8_t *in, size_t len,
                         const size_t *cuts, size_t ncuts, uint8_t *out, size_t *out_len)
{
    size_t frames = 0;
    size_t pos = 0;
    struct omp_wr w = omp_wr_init(out, *out_len);
    for (size_t c = 0; c <= ncuts; c++) {
        size_t end = (c < ncuts) ? cuts[c] : len;
        while (true) {
            size_t used = 0;
            struct omp_hdlc_frame f;
            omp_err err = omp_hdlc_stream_feed(s, in + pos, end - pos, &used, &f);
            assert_true(used <= end - pos);
            pos += used;
            if (err == OMP_ERR_TRUNCATED) {
                assert_int_equal(pos, end);
                break;
            }
            assert_int_equal(err, OMP_OK);
            assert_int_equal(omp_hdlc_encode(&w, &f, true), OMP_OK);
            frames++;
        }
    }
    assert_int_equal(s->bytes_in, len);
    assert_int_equal(s->bytes_in, s->bytes_frames + s->bytes_dropped + omp_hdlc_stream_held(s));
    *out_len = omp_wr_len(&w);
    return frames;
}

static void test_stream_sessions(void **state)
{
    (void)state;
    static uint8_t in[2048], want[2048], got[2048];
    static const uint8_t garbage[] = {0x00, 0xA0, 0x11, 0xFF, 0x55};
    size_t n = 0, wn = 0;
    for (size_t i = 0; i < N_SESSION; i++) {
        size_t k = unhex(k_session[i].hex, in + n, sizeof in - n);
        memcpy(want + wn, in + n, k);
        wn += k;
        n += k;
        if (i % 3u == 1u) { /* garbage (no 0x7E) between some frames */
            memcpy(in + n, garbage, sizeof garbage);
            n += sizeof garbage;
        }
    }
    struct omp_hdlc_stream *s = test_malloc(sizeof *s);
    /* one chunk */
    omp_hdlc_stream_init(s);
    size_t gl = sizeof got;
    assert_int_equal(run_stream(s, in, n, NULL, 0, got, &gl), N_SESSION);
    assert_int_equal(gl, wn);
    assert_memory_equal(got, want, wn);
    assert_int_equal(s->n_frames, N_SESSION);
    /* garbage right after a closing flag is a broken frame; after garbage, 0x7E is the opening */
    assert_int_equal(s->n_crc_errors, 0);
    /* split into two chunks at every byte boundary */
    for (size_t cut = 0; cut <= n; cut++) {
        omp_hdlc_stream_init(s);
        gl = sizeof got;
        assert_int_equal(run_stream(s, in, n, &cut, 1, got, &gl), N_SESSION);
        assert_int_equal(gl, wn);
        assert_memory_equal(got, want, wn);
    }
    /* byte by byte */
    static size_t cuts[2048];
    for (size_t i = 0; i < n; i++) {
        cuts[i] = i + 1u;
    }
    omp_hdlc_stream_init(s);
    gl = sizeof got;
    assert_int_equal(run_stream(s, in, n, cuts, n, got, &gl), N_SESSION);
    assert_memory_equal(got, want, wn);
    test_free(s);
}

static void test_stream_shared_flags(void **state)
{
    (void)state;
    /* [KDOC] S1 DISC and UA sharing one flag: 7E <DISC> 7E <UA> 7E, with idle flags before */
    uint8_t a[16], b[16], in[64];
    size_t an = unhex(k_session[6].hex, a, sizeof a);
    size_t bn = unhex(k_session[7].hex, b, sizeof b);
    size_t n = 0;
    in[n++] = 0x7E;
    in[n++] = 0x7E;
    memcpy(in + n, a, an);
    n += an;
    memcpy(in + n, b + 1, bn - 1u); /* UA without its own opening flag */
    n += bn - 1u;
    struct omp_hdlc_stream *s = test_malloc(sizeof *s);
    omp_hdlc_stream_init(s);
    uint8_t got[64];
    size_t gl = sizeof got;
    assert_int_equal(run_stream(s, in, n, NULL, 0, got, &gl), 2);
    assert_int_equal(gl, an + bn);
    assert_memory_equal(got, a, an);
    assert_memory_equal(got + an, b, bn);
    assert_int_equal(s->n_errors, 0);
    assert_int_equal(omp_hdlc_stream_held(s), 1); /* the last flag may open the next frame */
    test_free(s);
}

static void test_stream_errors(void **state)
{
    (void)state;
    static uint8_t in[1024], got[1024];
    uint8_t get[64], rsp[64], snrm[64], ua[64];
    size_t gn = unhex(k_session[4].hex, get, sizeof get);
    size_t rn = unhex(k_session[5].hex, rsp, sizeof rsp);
    size_t sn = unhex(k_session[0].hex, snrm, sizeof snrm);
    size_t un = unhex(k_session[1].hex, ua, sizeof ua);
    struct omp_hdlc_stream *s = test_malloc(sizeof *s);

    /* good GET, GET with a flipped bit in the middle, good GET-RESPONSE */
    size_t n = 0;
    memcpy(in + n, get, gn);
    n += gn;
    memcpy(in + n, get, gn);
    in[n + gn / 2u] ^= 0x08;
    n += gn;
    memcpy(in + n, rsp, rn);
    n += rn;
    omp_hdlc_stream_init(s);
    size_t gl = sizeof got;
    assert_int_equal(run_stream(s, in, n, NULL, 0, got, &gl), 2);
    assert_memory_equal(got, get, gn);
    assert_memory_equal(got + gn, rsp, rn);
    assert_int_equal(s->n_errors, 1);
    assert_int_equal(s->n_crc_errors, 1);

    /* a truncated SNRM (its length claims bytes of the next frame) followed by a good UA, fed
     * whole and split at every boundary */
    for (size_t cut = 4; cut < sn - 1u; cut += 5u) {
        n = 0;
        memcpy(in, snrm, cut);
        n = cut;
        memcpy(in + n, ua, un);
        n += un;
        for (size_t split = 0; split <= n; split++) {
            omp_hdlc_stream_init(s);
            gl = sizeof got;
            assert_int_equal(run_stream(s, in, n, &split, 1, got, &gl), 1);
            assert_int_equal(gl, un);
            assert_memory_equal(got, ua, un);
            assert_int_equal(s->n_errors, 1);
        }
    }

    /* a frame of the right length without its closing flag, then a good one */
    n = 0;
    memcpy(in, rsp, rn - 1u);
    n = rn - 1u;
    in[n++] = 0x00;
    memcpy(in + n, get, gn);
    n += gn;
    omp_hdlc_stream_init(s);
    gl = sizeof got;
    assert_int_equal(run_stream(s, in, n, NULL, 0, got, &gl), 1);
    assert_memory_equal(got, get, gn);
    assert_int_equal(s->n_errors, 1);
    assert_int_equal(s->n_crc_errors, 0);

    /* garbage only, and a frame whose length is below 7 */
    static const uint8_t junk[] = {0x01, 0x02, 0x7E, 0xA0, 0x03, 0x7E, 0x7E, 0xC0, 0x00};
    omp_hdlc_stream_init(s);
    gl = sizeof got;
    assert_int_equal(run_stream(s, junk, sizeof junk, NULL, 0, got, &gl), 0);
    assert_int_equal(s->n_errors, 2);

    size_t used = 0;
    struct omp_hdlc_frame f;
    assert_int_equal(omp_hdlc_stream_feed(NULL, in, 1, &used, &f), OMP_ERR_ARG);
    assert_int_equal(omp_hdlc_stream_feed(s, NULL, 1, &used, &f), OMP_ERR_ARG);
    assert_int_equal(omp_hdlc_stream_feed(s, NULL, 0, &used, &f), OMP_ERR_TRUNCATED);
    test_free(s);
}

/* ---- segmentation ------------------------------------------------------------------------------
 */

static void test_segmentation(void **state)
{
    (void)state;
    uint8_t data[300];
    for (size_t i = 0; i < sizeof data; i++) {
        data[i] = (uint8_t)(i * 7u + 0x7Eu);
    }
    struct omp_hdlc_frame hdr;
    memset(&hdr, 0, sizeof hdr);
    hdr.type = OMP_HDLC_I;
    hdr.dst = (struct omp_hdlc_addr){.upper = 16, .lower = 0, .size = 1};
    hdr.src = (struct omp_hdlc_addr){.upper = 1, .lower = 17, .size = 2};
    hdr.pf = true;
    static uint8_t wire[1024];
    struct omp_wr w = omp_wr_init(wire, sizeof wire);
    size_t off = 0;
    size_t ends[4];
    size_t nf = 0;
    while (off < sizeof data) {
        assert_true(nf < 4u);
        hdr.ns = (uint8_t)nf;
        assert_int_equal(omp_hdlc_encode_segment(&w, &hdr, data, sizeof data, &off, 128, true),
                         OMP_OK);
        ends[nf++] = omp_wr_len(&w);
    }
    assert_int_equal(nf, 3); /* 128 + 128 + 44 */
    /* frame lengths: 2 + 1 + 2 + 1 + 2 + info + 2 = info + 10, plus 2 flags */
    assert_int_equal(ends[0], 140);
    assert_int_equal(ends[1], 280);
    assert_int_equal(ends[2], 280 + 56);
    assert_int_equal(wire[1], 0xA8); /* type A, S bit set, length 0x08A = 138 */
    assert_int_equal(wire[2], 0x8A);
    assert_int_equal(wire[281], 0xA0); /* last frame: S clear, length 54 = 0x36 */
    assert_int_equal(wire[282], 0x36);

    uint8_t rbuf[400];
    struct omp_hdlc_reasm r;
    omp_hdlc_reasm_init(&r, rbuf, sizeof rbuf);
    size_t pos = 0;
    for (size_t i = 0; i < nf; i++) {
        struct omp_hdlc_frame f;
        size_t used = 0;
        assert_int_equal(omp_hdlc_decode(wire + pos, ends[i] - pos, &f, &used), OMP_OK);
        assert_int_equal(f.ns, i);
        assert_int_equal(f.segmented, i + 1u < nf);
        pos += used;
        bool done = true;
        const uint8_t *msg = NULL;
        size_t ml = 0;
        assert_int_equal(omp_hdlc_reasm_add(&r, &f, &done, &msg, &ml), OMP_OK);
        assert_int_equal(done, i + 1u == nf);
        if (done) {
            assert_int_equal(ml, sizeof data);
            assert_memory_equal(msg, data, sizeof data);
        }
    }

    /* overflow: 200-byte buffer, the second segment does not fit; nothing changes */
    omp_hdlc_reasm_init(&r, rbuf, 200);
    pos = 0;
    struct omp_hdlc_frame f;
    size_t used = 0;
    bool done = false;
    const uint8_t *msg = NULL;
    size_t ml = 0;
    assert_int_equal(omp_hdlc_decode(wire, ends[0], &f, &used), OMP_OK);
    assert_int_equal(omp_hdlc_reasm_add(&r, &f, &done, &msg, &ml), OMP_OK);
    assert_false(done);
    assert_int_equal(omp_hdlc_decode(wire + ends[0], ends[1] - ends[0], &f, &used), OMP_OK);
    assert_int_equal(omp_hdlc_reasm_add(&r, &f, &done, &msg, &ml), OMP_ERR_NOSPACE);
    assert_int_equal(r.len, 128);
    assert_true(r.active);
    omp_hdlc_reasm_reset(&r);
    assert_false(r.active);

    /* an unsegmented frame passes through without a copy */
    uint8_t g[64];
    size_t gn = unhex(k_session[4].hex, g, sizeof g);
    assert_int_equal(omp_hdlc_decode(g, gn, &f, &used), OMP_OK);
    assert_int_equal(omp_hdlc_reasm_add(&r, &f, &done, &msg, &ml), OMP_OK);
    assert_true(done);
    assert_ptr_equal(msg, f.info);
    assert_int_equal(ml, 16);
    /* not I/UI */
    assert_int_equal(omp_hdlc_decode(g, 0, &f, &used), OMP_ERR_TRUNCATED);
    f.type = OMP_HDLC_RR;
    assert_int_equal(omp_hdlc_reasm_add(&r, &f, &done, &msg, &ml), OMP_ERR_ARG);

    /* encode_segment: no room writes nothing and keeps the offset */
    uint8_t small[20];
    w = omp_wr_init(small, sizeof small);
    off = 0;
    hdr.type = OMP_HDLC_UI;
    assert_int_equal(omp_hdlc_encode_segment(&w, &hdr, data, sizeof data, &off, 128, true),
                     OMP_ERR_NOSPACE);
    assert_int_equal(off, 0);
    assert_int_equal(omp_wr_len(&w), 0);
    assert_int_equal(omp_hdlc_encode_segment(&w, &hdr, data, sizeof data, &off, 0, true),
                     OMP_ERR_ARG);
    hdr.type = OMP_HDLC_SNRM;
    assert_int_equal(omp_hdlc_encode_segment(&w, &hdr, data, sizeof data, &off, 8, true),
                     OMP_ERR_ARG);
}

/* ---- server link layer -------------------------------------------------------------------------
 */

/* Feed [KDOC] frame @p i to the link, expect event @p want_ev and the reply bytes of frame
 * @p want_reply (or no reply if SIZE_MAX). */
static void link_step(struct omp_hdlc_link *l, size_t i, enum omp_hdlc_link_event want_ev,
                      size_t want_reply)
{
    uint8_t b[256], out[256], want[256];
    size_t n = unhex(k_session[i].hex, b, sizeof b);
    struct omp_hdlc_frame f;
    size_t used = 0;
    assert_int_equal(omp_hdlc_decode(b, n, &f, &used), OMP_OK);
    struct omp_wr w = omp_wr_init(out, sizeof out);
    enum omp_hdlc_link_event ev = OMP_HDLC_EV_RR;
    const uint8_t *info = NULL;
    size_t il = 0;
    print_message("link: %s\n", k_session[i].name);
    assert_int_equal(omp_hdlc_link_on_frame(l, &f, true, &w, &ev, &info, &il), OMP_OK);
    assert_int_equal(ev, want_ev);
    if (want_ev == OMP_HDLC_EV_DATA) {
        assert_ptr_equal(info, f.info);
        assert_int_equal(il, f.info_len);
    }
    if (want_reply == SIZE_MAX) {
        assert_int_equal(omp_wr_len(&w), 0);
    } else {
        size_t wn = unhex(k_session[want_reply].hex, want, sizeof want);
        assert_int_equal(omp_wr_len(&w), wn);
        assert_memory_equal(out, want, wn);
    }
}

/* The meter's answer: the I frame the link writes for the [KDOC] response frame's information. */
static void link_answer(struct omp_hdlc_link *l, size_t i)
{
    uint8_t b[256], out[256];
    size_t n = unhex(k_session[i].hex, b, sizeof b);
    struct omp_hdlc_frame f;
    size_t used = 0;
    assert_int_equal(omp_hdlc_decode(b, n, &f, &used), OMP_OK);
    struct omp_wr w = omp_wr_init(out, sizeof out);
    assert_int_equal(omp_hdlc_link_put_i(l, &w, f.info, f.info_len, false, true, true), OMP_OK);
    assert_int_equal(omp_wr_len(&w), n);
    assert_memory_equal(out, b, n);
}

static void test_link_session(void **state)
{
    (void)state;
    /* [KDOC] S1 replayed against a server at 1-byte address 1 with the K351C limits info 512 TX /
     * 128 RX, window 1/1 (technical facts §11.2): every reply equals the meter's bytes. */
    struct omp_hdlc_addr srv = {.upper = 1, .lower = 0, .size = 1};
    struct omp_hdlc_params lim = {
        .max_info_tx = 512, .max_info_rx = 128, .window_tx = 1, .window_rx = 1};
    struct omp_hdlc_link l;
    assert_int_equal(omp_hdlc_link_init(&l, &srv, &lim), OMP_OK);
    assert_int_equal(l.state, OMP_HDLC_LINK_NDM);
    link_step(&l, 0, OMP_HDLC_EV_CONNECTED, 1); /* SNRM -> UA with TX 0x200 RX 0x80 */
    assert_int_equal(l.state, OMP_HDLC_LINK_NRM);
    assert_int_equal(l.params.max_info_tx, 512);
    assert_int_equal(l.params.max_info_rx, 128);
    link_step(&l, 2, OMP_HDLC_EV_DATA, SIZE_MAX);  /* AARQ N(S) 0 */
    link_answer(&l, 3);                            /* AARE N(S) 0 N(R) 1 */
    link_step(&l, 4, OMP_HDLC_EV_DATA, SIZE_MAX);  /* GET N(S) 1 N(R) 1 */
    link_answer(&l, 5);                            /* response N(S) 1 N(R) 2 */
    link_step(&l, 6, OMP_HDLC_EV_DISCONNECTED, 7); /* DISC -> UA */
    assert_int_equal(l.state, OMP_HDLC_LINK_NDM);
    /* [KDOC] S2 connection to server 16 from client 18; a server at address 1 ignores it */
    link_step(&l, 8, OMP_HDLC_EV_NONE, SIZE_MAX);
    struct omp_hdlc_addr srv16 = {.upper = 16, .lower = 0, .size = 1};
    assert_int_equal(omp_hdlc_link_init(&l, &srv16, &lim), OMP_OK);
    link_step(&l, 8, OMP_HDLC_EV_CONNECTED, 9);
    link_step(&l, 10, OMP_HDLC_EV_DATA, SIZE_MAX);
    link_answer(&l, 11);
    link_step(&l, 15, OMP_HDLC_EV_DISCONNECTED, 16);
}

static void test_link_rules(void **state)
{
    (void)state;
    struct omp_hdlc_addr srv = {.upper = 1, .lower = 0, .size = 1};
    struct omp_hdlc_link l;
    assert_int_equal(omp_hdlc_link_init(&l, &srv, NULL), OMP_OK);
    uint8_t out[64];
    struct omp_wr w = omp_wr_init(out, sizeof out);
    enum omp_hdlc_link_event ev;
    const uint8_t *info = NULL;
    size_t il = 0;
    /* DISC in NDM -> DM: [HAND] 7E A0 07 21 03 1F FCS 7E (client 16, server 1, DM + F = 0x1F) */
    uint8_t b[64];
    size_t n = unhex(k_session[6].hex, b, sizeof b);
    struct omp_hdlc_frame disc;
    size_t used = 0;
    assert_int_equal(omp_hdlc_decode(b, n, &disc, &used), OMP_OK);
    assert_int_equal(omp_hdlc_link_on_frame(&l, &disc, true, &w, &ev, &info, &il), OMP_OK);
    static const uint8_t dm_hdr[] = {0xA0, 0x07, 0x21, 0x03, 0x1F};
    uint8_t dm[16];
    size_t dn = build(dm, dm_hdr, sizeof dm_hdr, NULL, 0);
    assert_int_equal(omp_wr_len(&w), dn);
    assert_memory_equal(out, dm, dn);
    assert_int_equal(omp_hdlc_link_put_rr(&l, &w, true), OMP_ERR_STATE);

    /* SNRM without information: defaults 128 / window 1; UA echoes them */
    struct omp_hdlc_frame snrm;
    memset(&snrm, 0, sizeof snrm);
    snrm.dst = srv;
    snrm.src = (struct omp_hdlc_addr){.upper = 16, .lower = 0, .size = 1};
    snrm.type = OMP_HDLC_SNRM;
    snrm.pf = true;
    /* no room for the UA: error, nothing written, still NDM */
    struct omp_wr tiny = omp_wr_init(out, 10);
    assert_int_equal(omp_hdlc_link_on_frame(&l, &snrm, true, &tiny, &ev, &info, &il),
                     OMP_ERR_NOSPACE);
    assert_int_equal(omp_wr_len(&tiny), 0);
    assert_int_equal(l.state, OMP_HDLC_LINK_NDM);
    w = omp_wr_init(out, sizeof out);
    assert_int_equal(omp_hdlc_link_on_frame(&l, &snrm, false, &w, &ev, &info, &il), OMP_OK);
    assert_int_equal(ev, OMP_HDLC_EV_CONNECTED);
    assert_int_equal(l.params.max_info_tx, 128);
    assert_int_equal(l.params.window_rx, 1);

    /* segmented I frame: RR with the next N(R); a repeat of it: RR with the same N(R) */
    static const uint8_t seg_info[] = {0xE6, 0xE6, 0x00, 0xC0};
    struct omp_hdlc_frame i0 = snrm;
    i0.type = OMP_HDLC_I;
    i0.segmented = true;
    i0.info = seg_info;
    i0.info_len = sizeof seg_info;
    for (int rep = 0; rep < 2; rep++) {
        w = omp_wr_init(out, sizeof out);
        assert_int_equal(omp_hdlc_link_on_frame(&l, &i0, false, &w, &ev, &info, &il), OMP_OK);
        assert_int_equal(ev, OMP_HDLC_EV_NONE);
        assert_int_equal(il, rep == 0 ? sizeof seg_info : 0u);
        struct omp_hdlc_frame r;
        assert_int_equal(omp_hdlc_decode(out, omp_wr_len(&w), &r, &used), OMP_OK);
        assert_int_equal(r.type, OMP_HDLC_RR);
        assert_int_equal(r.nr, 1); /* 0x31: 001 1 0001 */
        assert_int_equal(out[4], 0x31);
    }
    assert_int_equal(l.vr, 1);
    /* another client while connected: ignored */
    struct omp_hdlc_frame other = snrm;
    other.src.upper = 17;
    w = omp_wr_init(out, sizeof out);
    assert_int_equal(omp_hdlc_link_on_frame(&l, &other, false, &w, &ev, &info, &il), OMP_OK);
    assert_int_equal(omp_wr_len(&w), 0);
    assert_int_equal(l.client.upper, 16);
    /* RR from the client: EV_RR; put_i checks the negotiated size */
    struct omp_hdlc_frame rr = snrm;
    rr.type = OMP_HDLC_RR;
    assert_int_equal(omp_hdlc_link_on_frame(&l, &rr, false, &w, &ev, &info, &il), OMP_OK);
    assert_int_equal(ev, OMP_HDLC_EV_RR);
    static uint8_t big[129];
    assert_int_equal(omp_hdlc_link_put_i(&l, &w, big, sizeof big, false, true, false),
                     OMP_ERR_RANGE);
    static uint8_t wide[200];
    w = omp_wr_init(wide, sizeof wide);
    assert_int_equal(omp_hdlc_link_put_i(&l, &w, big, 128, true, false, false), OMP_OK);
    assert_int_equal(omp_wr_len(&w), 128 + 9); /* I frame, 1-byte addresses: info + 9 */
    assert_int_equal(wide[0], 0xA8);           /* S bit, length 137 = 0x089 */
    assert_int_equal(wide[1], 0x89);
    assert_int_equal(wide[3], 0x03); /* from server 1 */
    assert_int_equal(wide[4], 0x20); /* N(R) 1, no final bit, N(S) 0: 001 0 000 0 */
    assert_int_equal(l.vs, 1);
    /* bad SNRM parameters: error, state kept */
    static const uint8_t badp[] = {0x81, 0x80, 0x03, 0x07, 0x01, 0x09};
    struct omp_hdlc_frame s2 = snrm;
    s2.info = badp;
    s2.info_len = sizeof badp;
    assert_int_equal(omp_hdlc_link_on_frame(&l, &s2, false, &w, &ev, &info, &il), OMP_ERR_RANGE);
    assert_int_equal(l.vs, 1);
    struct omp_hdlc_addr badaddr = {.upper = 200, .lower = 0, .size = 1};
    assert_int_equal(omp_hdlc_link_init(&l, &badaddr, NULL), OMP_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_sessions),
        cmocka_unit_test(test_decode_dk_han),
        cmocka_unit_test(test_decode_no_han),
        cmocka_unit_test(test_encode_sessions),
        cmocka_unit_test(test_encode_roundtrip_all),
        cmocka_unit_test(test_addresses_hand),
        cmocka_unit_test(test_encode_errors),
        cmocka_unit_test(test_decode_errors),
        cmocka_unit_test(test_llc),
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_stream_sessions),
        cmocka_unit_test(test_stream_shared_flags),
        cmocka_unit_test(test_stream_errors),
        cmocka_unit_test(test_segmentation),
        cmocka_unit_test(test_link_session),
        cmocka_unit_test(test_link_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

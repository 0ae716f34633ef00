/*
 * CRC-16/X.25 and CRC-32 against published check values, zlib's crc32 (values computed with
 * Python's zlib.crc32 and pasted here), a bit-at-a-time reference written from the catalogue
 * parameters, and real HDLC frames (IEC 62056-46) captured from Kamstrup meters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/core.h"

static const char k_check[] = "123456789";

/* Reference CRC-16/X.25, bit by bit: reflected poly 0x8408, init 0xFFFF, xorout 0xFFFF. */
static uint16_t ref_crc16_x25(const uint8_t *p, size_t n)
{
    uint16_t crc = 0xFFFFu;
    for (size_t i = 0; i < n; i++) {
        crc = (uint16_t)(crc ^ p[i]);
        for (int b = 0; b < 8; b++) {
            crc = (uint16_t)((crc & 1u) ? ((crc >> 1) ^ 0x8408u) : (crc >> 1));
        }
    }
    return (uint16_t)~crc;
}

/* Reference CRC-32, bit by bit: reflected poly 0xEDB88320, init and xorout 0xFFFFFFFF. */
static uint32_t ref_crc32(const uint8_t *p, size_t n)
{
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++) {
            crc = (crc & 1u) ? ((crc >> 1) ^ 0xEDB88320u) : (crc >> 1);
        }
    }
    return ~crc;
}

/* Deterministic pseudo-random bytes (xorshift32). */
static void fill_random(uint8_t *p, size_t n, uint32_t seed)
{
    uint32_t x = seed ? seed : 1u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (uint8_t)(x >> 24);
    }
}

static void test_crc16_check_value(void **state)
{
    (void)state;
    assert_int_equal(omp_crc16_x25(k_check, 9), 0x906E);
    assert_int_equal(OMP_CRC16_X25_CHECK, 0x906E);
    assert_int_equal(omp_crc16_x25(k_check, 9), OMP_CRC16_X25_CHECK);
    assert_int_equal(omp_crc16_x25_update(OMP_CRC16_X25_INIT, k_check, 9), (uint16_t)~0x906Eu);
    /* empty input: init xor xorout */
    assert_int_equal(omp_crc16_x25("", 0), 0x0000);
    assert_int_equal(omp_crc16_x25(NULL, 0), 0x0000);
    assert_int_equal(omp_crc16_x25_update(0x1234u, NULL, 0), 0x1234);
}

static void test_crc32_check_value(void **state)
{
    (void)state;
    assert_int_equal(omp_crc32(k_check, 9), 0xCBF43926u);
    assert_int_equal(omp_crc32(k_check, 9), OMP_CRC32_CHECK);
    assert_int_equal(omp_crc32_update(OMP_CRC32_INIT, k_check, 9), ~0xCBF43926u);
    assert_int_equal(omp_crc32(NULL, 0), 0u);
    assert_int_equal(omp_crc32_update(0x12345678u, NULL, 0), 0x12345678u);
}

/* Expected values: python3 -c 'import zlib; print(hex(zlib.crc32(b"...")))' */
static void test_crc32_zlib_values(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        uint32_t want;
    } k_str[] = {
        {"", 0x00000000u},
        {"a", 0xE8B7BE43u},
        {"abc", 0x352441C2u},
        {"123456789", 0xCBF43926u},
        {"The quick brown fox jumps over the lazy dog", 0x414FA339u},
    };
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_str); i++) {
        assert_int_equal(omp_crc32(k_str[i].s, strlen(k_str[i].s)), k_str[i].want);
    }
    uint8_t b[256];
    for (size_t i = 0; i < sizeof b; i++) {
        b[i] = (uint8_t)i;
    }
    assert_int_equal(omp_crc32(b, 256), 0x29058C73u); /* zlib.crc32(bytes(range(256))) */
    memset(b, 0x00, 32);
    assert_int_equal(omp_crc32(b, 32), 0x190A55ADu); /* zlib.crc32(b'\x00' * 32) */
    memset(b, 0xFF, 32);
    assert_int_equal(omp_crc32(b, 32), 0xFF6CAB0Bu); /* zlib.crc32(b'\xff' * 32) */
}

static void test_against_bitwise_reference(void **state)
{
    (void)state;
    uint8_t b[300] = { 0 };
    for (size_t n = 0; n <= sizeof b; n++) {
        fill_random(b, n, (uint32_t)n * 2654435761u);
        assert_int_equal(omp_crc16_x25(b, n), ref_crc16_x25(b, n));
        assert_int_equal(omp_crc32(b, n), ref_crc32(b, n));
    }
    /* every single byte value */
    for (unsigned v = 0; v < 256; v++) {
        uint8_t c = (uint8_t)v;
        assert_int_equal(omp_crc16_x25(&c, 1), ref_crc16_x25(&c, 1));
        assert_int_equal(omp_crc32(&c, 1), ref_crc32(&c, 1));
    }
}

static void test_residue_after_fcs(void **state)
{
    (void)state;
    uint8_t b[64 + 2];
    for (size_t n = 0; n <= 64; n++) {
        fill_random(b, n, (uint32_t)n + 7u);
        uint16_t fcs = omp_crc16_x25(b, n);
        b[n] = (uint8_t)(fcs & 0xFFu); /* least significant byte first */
        b[n + 1] = (uint8_t)(fcs >> 8);
        assert_int_equal(omp_crc16_x25_update(OMP_CRC16_X25_INIT, b, n + 2), OMP_CRC16_X25_GOOD);
        assert_int_equal(OMP_CRC16_X25_GOOD, 0xF0B8);
        b[n] ^= 0x01u; /* a single flipped bit breaks it */
        assert_int_not_equal(omp_crc16_x25_update(OMP_CRC16_X25_INIT, b, n + 2),
                             OMP_CRC16_X25_GOOD);
    }
}

static void test_incremental_every_split(void **state)
{
    (void)state;
    uint8_t b[97];
    fill_random(b, sizeof b, 99u);
    uint16_t one16 = omp_crc16_x25(b, sizeof b);
    uint32_t one32 = omp_crc32(b, sizeof b);
    for (size_t i = 0; i <= sizeof b; i++) {
        uint16_t s16 = omp_crc16_x25_update(OMP_CRC16_X25_INIT, b, i);
        s16 = omp_crc16_x25_update(s16, b + i, sizeof b - i);
        assert_int_equal((uint16_t)~s16, one16);
        uint32_t s32 = omp_crc32_update(OMP_CRC32_INIT, b, i);
        s32 = omp_crc32_update(s32, b + i, sizeof b - i);
        assert_int_equal(~s32, one32);
        for (size_t j = i; j <= sizeof b; j += 11) { /* three pieces */
            uint32_t t = omp_crc32_update(OMP_CRC32_INIT, b, i);
            t = omp_crc32_update(t, b + i, j - i);
            t = omp_crc32_update(t, b + j, sizeof b - j);
            assert_int_equal(~t, one32);
        }
    }
    /* byte at a time */
    uint16_t s16 = OMP_CRC16_X25_INIT;
    uint32_t s32 = OMP_CRC32_INIT;
    for (size_t i = 0; i < sizeof b; i++) {
        s16 = omp_crc16_x25_update(s16, &b[i], 1);
        s32 = omp_crc32_update(s32, &b[i], 1);
    }
    assert_int_equal((uint16_t)~s16, one16);
    assert_int_equal(~s32, one32);
}

/* Real HDLC frames (frame format type 3), copied verbatim from /work/shared/vectors: Kamstrup DLMS
 * protocol description 55121424 section 4 sessions, the amshan Norwegian HAN push and the Danish
 * encrypted HAN push. Each has a correct HCS (if it has an information field) and FCS. */
static const struct {
    const char *what;
    const char *hex;
} k_frames[] = {
    {"kamstrup_dlms_doc_hdlc_sessions: S1_PUBLIC_READ_METERNO C>M SNRM",
     "7EA0200321937DD981801405020200060202000704000000010804000000016FEF7E"},
    {"kamstrup_dlms_doc_hdlc_sessions: S1_PUBLIC_READ_METERNO M>C UA",
     "7EA0202103737398818014050202000602008007040000000108040000000119D47E"},
    {"kamstrup_dlms_doc_hdlc_sessions: S1_PUBLIC_READ_METERNO C>M AARQ",
     "7EA02B032110FBAFE6E600601DA109060760857405080101BE10040E01000000065F1F040000181DFFFF5FAF7E"},
    {"kamstrup_dlms_doc_hdlc_sessions: S1_PUBLIC_READ_METERNO M>C AARE",
     "7EA0372103306C7CE6E7006129A109060760857405080101A203020100A305A103020100BE10040E0800065F1F040"
     "000"
     "1010007D00077DEE7E"},
    {"kamstrup_dlms_doc_hdlc_sessions: S1_PUBLIC_READ_METERNO C>M GET 1.1.0.0.1.255:2",
     "7EA0190321326FD8E6E600C0018100010101000001FF0200A8E37E"},
    {"kamstrup_dlms_doc_hdlc_sessions: S1_PUBLIC_READ_METERNO M>C GET-RESPONSE",
     "7EA0152103525D8AE6E700C40181000600BC614FE4367E"},
    {"kamstrup_dlms_doc_hdlc_sessions: S1_PUBLIC_READ_METERNO C>M DISC", "7EA00703215303C77E"},
    {"kamstrup_dlms_doc_hdlc_sessions: S1_PUBLIC_READ_METERNO M>C UA", "7EA00721037301407E"},
    {"kamstrup_dlms_doc_hdlc_sessions: S2_LLS_LOADPROFILE C>M SNRM",
     "7EA0202125939E0881801405020200060202000704000000010804000000016FEF7E"},
    {"kamstrup_dlms_doc_hdlc_sessions: S2_LLS_LOADPROFILE M>C UA",
     "7EA02025217391EB818014050202000602008007040000000108040000000119D47E"},
    {"kamstrup_dlms_doc_hdlc_sessions: S2_LLS_LOADPROFILE C>M AARQ LLS '12345'",
     "7EA041212510523BE6E6006033A1090607608574050801018A0207808B0760857405080201AC0780053132333435B"
     "E10"
     "040E01000000065F1F040000FE1FFFFF0CFF7E"},
    {"kamstrup_dlms_doc_hdlc_sessions: S2_LLS_LOADPROFILE M>C AARE",
     "7EA0372521308E0FE6E7006129A109060760857405080101A203020100A305A103020100BE10040E0800065F1F040"
     "000"
     "101C007D00074D997E"},
    {"kamstrup_dlms_doc_hdlc_sessions: S2_LLS_LOADPROFILE C>M GET 1.1.99.1.0.255:2 range "
     "2013-10-25..26",
     "7EA04C212532CDB2E6E600C0018100070101630100FF0201010204020412000809060001010000FF0F02120000090"
     "C07"
     "DD0A19FF00000000800080090C07DD0A1AFF0000000080008001002F847E"},
    {"kamstrup_dlms_doc_hdlc_sessions: S2_LLS_LOADPROFILE C>M GET-NEXT block 6",
     "7EA0132125FE42D9E6E600C0028100000006CC0B7E"},
    {"kamstrup_dlms_doc_hdlc_sessions: S2_LLS_LOADPROFILE M>C GET-RESPONSE last block 7",
     "7EA07425211E88F4E6E700C4028101000000070082005C0208090C07DD0A19050F0000FF800080120000060000000"
     "00F"
     "01060002E30D06000000000600000D2F06000000010208090C07DD0A19050F0F00FF80008012000006000000000F0"
     "106"
     "000343F806000000000600000EE906000000014FD97E"},
    {"kamstrup_dlms_doc_hdlc_sessions: S2_LLS_LOADPROFILE C>M DISC", "7EA007212553E0167E"},
    {"kamstrup_dlms_doc_hdlc_sessions: S2_LLS_LOADPROFILE M>C UA", "7EA007252173E3337E"},
    {"kamstrup_no_han_amshan: FULL_HDLC_3PH_2022_01_24",
     "7EA0E22B2113239AE6E7000F000000000C07E6011801123A32FF80000002190A0E4B616D73747275705F563030303"
     "109"
     "060101000005FF0A103537303635363733323635393034303709060101600101FF0A1236383431313338424E32343"
     "531"
     "303130393009060101010700FF060000033A09060101020700FF060000000009060101030700FF060000006809060"
     "101"
     "040700FF06000000B0090601011F0700FF06000000ED09060101330700FF060000005909060101470700FF0600000"
     "04B"
     "09060101200700FF1200E809060101340700FF1200E909060101480700FF1200EC84467E"},
    {"kamstrup_dk_han_encrypted: FULL_HDLC_FRAME",
     "7EA1E9410313C637E6E700DB084B414D4501A4DC528201D030000788E1A039B2D14C712DD4D8C8440D5368E433BD7"
     "0B7"
     "3681E9A9EFFE38F175A37DE9CDE64E8F780D8F18B43FC059D87902F3D747B814BCD06A4700687801BD5D066120545"
     "07D"
     "44E76698CC3E35CC9DE62C284C0DEEA635B9BFC56CE1FE5A3A1E5E270B0C181ACF02151FCC592134D04F0292B5A35"
     "338"
     "D7B781BB1F2A7E4071815CEED5D4BAC6EFAAAFF979EF969D0DB46F51E5E0FC00F5AD105FBEF95FC5F885460B56325"
     "54A"
     "C05D9EB4F65FF223972A47CFD434B5F5E2D853EA4C14727586F0E21C6EE125268CB4DC7EC5B10F8483C010C8E688D"
     "F86"
     "584D7C29D81731A4E0969141B6ADD942E40A96E3E2DC2F9020BF9D5802A18DC985BB5422F470C0629D22DB6F16B66"
     "47D"
     "B3C9F727C170C2DB4C9A230F828346E86F56D347B62BFE28A507AE2A219ACC63AD5EE06ECB949DC4FDC2D2F808027"
     "A4A"
     "4C677C93C4C8909D7336D8B8B3791836C5555E74E25482A44A5F6D358DCE8450478F8B2C5D5666C2CF8BD190D4874"
     "E70"
     "7F5D4BCDE94E91355A8139C3E41CD5F08899B65EE9B59FC60372E4F92BC99826B8C147F2095FB38A891409AA81E22"
     "707"
     "6C21CB7CAF73B3E8A4E256C70D9547A914F39C169376BF922B08064EC4FB31D44ECD721D1A151E4E684F0B2685C4B"
     "69D"
     "96F5FB52D0B8127936247E"},
};

static size_t hex_to_bytes(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex) / 2u;
    assert_true(n <= cap);
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        for (size_t k = 0; k < 2; k++) {
            char c = hex[2 * i + k];
            v = v * 16u + (unsigned)((c <= '9') ? c - '0' : c - 'A' + 10);
        }
        out[i] = (uint8_t)v;
    }
    return n;
}

static void test_hdlc_frames(void **state)
{
    (void)state;
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_frames); i++) {
        uint8_t f[600];
        size_t n = hex_to_bytes(k_frames[i].hex, f, sizeof f);
        print_message("%s\n", k_frames[i].what);
        assert_true(n >= 9u);
        assert_int_equal(f[0], 0x7E);
        assert_int_equal(f[n - 1], 0x7E);
        assert_int_equal(f[1] & 0xF0u, 0xA0u); /* format type 3 */
        size_t flen = ((size_t)(f[1] & 0x07u) << 8) | f[2];
        assert_int_equal(flen, n - 2u);

        /* FCS: over everything between the flags, the FCS included, leaves the GOOD residue */
        assert_int_equal(omp_crc16_x25_update(OMP_CRC16_X25_INIT, &f[1], n - 2u),
                         OMP_CRC16_X25_GOOD);
        uint16_t fcs = (uint16_t)(f[n - 3] | (f[n - 2] << 8));
        assert_int_equal(omp_crc16_x25(&f[1], n - 4u), fcs);

        /* HCS: format + destination and source address (each ends with a byte whose LSB is 1) +
         * control, present when an information field follows */
        size_t p = 3;
        while ((f[p] & 1u) == 0u) {
            p++;
        }
        p++;
        while ((f[p] & 1u) == 0u) {
            p++;
        }
        p += 2; /* last source address byte and the control byte */
        if (p + 2u < n - 3u) {
            assert_int_equal(omp_crc16_x25_update(OMP_CRC16_X25_INIT, &f[1], p + 2u - 1u),
                             OMP_CRC16_X25_GOOD);
            assert_int_equal(omp_crc16_x25(&f[1], p - 1u), (uint16_t)(f[p] | (f[p + 1] << 8)));
        }
    }
    /* CRC-32 of the whole Norwegian HAN frame, flags included:
     * zlib.crc32(bytes.fromhex(FULL_HDLC_3PH_2022_01_24)) */
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_frames); i++) {
        if (strstr(k_frames[i].what, "FULL_HDLC_3PH_2022_01_24") != NULL) {
            uint8_t f[600];
            size_t n = hex_to_bytes(k_frames[i].hex, f, sizeof f);
            assert_int_equal(n, 228);
            assert_int_equal(omp_crc32(f, n), 0x5DDC0B9Cu);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc16_check_value), cmocka_unit_test(test_crc32_check_value),
        cmocka_unit_test(test_crc32_zlib_values), cmocka_unit_test(test_against_bitwise_reference),
        cmocka_unit_test(test_residue_after_fcs), cmocka_unit_test(test_incremental_every_split),
        cmocka_unit_test(test_hdlc_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

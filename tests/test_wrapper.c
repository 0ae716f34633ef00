/*
 * DLMS/COSEM TCP wrapper (IEC 62056-47): header codec and stream splitter.
 *
 * Vectors: the 8-byte header layout of IEC 62056-47 §5 / Green Book "wrapper" (version 0x0001,
 * source wPort, destination wPort, APDU length, all u16 big-endian), filled in by hand around the
 * S1 GET-request APDU of ../shared/vectors/kamstrup_dlms_doc_hdlc_sessions.txt (13 bytes, cut by
 * hand after the LLC header E6 E6 00). wPorts: public client 0x0010, management device 0x0001.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/wrapper.h"

/* S1 GET-request 1.1.0.0.1.255 attr 2, invoke 0x81 (Kamstrup DLMS doc, section 4) */
static const uint8_t k_get_apdu[] = {0xC0, 0x01, 0x81, 0x00, 0x01, 0x01, 0x01,
                                     0x00, 0x00, 0x01, 0xFF, 0x02, 0x00};
/* by hand: 0001 | 0010 | 0001 | 000D (13) | APDU */
static const uint8_t k_get_pdu[] = {0x00, 0x01, 0x00, 0x10, 0x00, 0x01, 0x00,
                                    0x0D, 0xC0, 0x01, 0x81, 0x00, 0x01, 0x01,
                                    0x01, 0x00, 0x00, 0x01, 0xFF, 0x02, 0x00};
/* S1 GET-response C4 01 81 00 06 00BC614F from server wPort 1 to client wPort 0x10, by hand */
static const uint8_t k_rsp_pdu[] = {0x00, 0x01, 0x00, 0x01, 0x00, 0x10, 0x00, 0x09, 0xC4,
                                    0x01, 0x81, 0x00, 0x06, 0x00, 0xBC, 0x61, 0x4F};

static void test_encode(void **state)
{
    (void)state;
    uint8_t buf[sizeof k_get_pdu + 4];
    memset(buf, 0xA5, sizeof buf);
    struct omp_wr w = omp_wr_init(buf + 2, sizeof k_get_pdu);
    assert_int_equal(omp_wrapper_encode(0x0010, 0x0001, k_get_apdu, sizeof k_get_apdu, &w), OMP_OK);
    assert_int_equal(omp_wr_len(&w), sizeof k_get_pdu);
    assert_memory_equal(buf + 2, k_get_pdu, sizeof k_get_pdu);
    assert_int_equal(buf[0], 0xA5);
    assert_int_equal(buf[1], 0xA5);
    assert_int_equal(buf[sizeof buf - 2], 0xA5);
    assert_int_equal(buf[sizeof buf - 1], 0xA5);

    /* one byte short: nothing written */
    for (size_t cap = 0; cap < sizeof k_get_pdu; cap++) {
        memset(buf, 0xA5, sizeof buf);
        w = omp_wr_init(buf, cap);
        assert_int_equal(omp_wrapper_encode(0x0010, 0x0001, k_get_apdu, sizeof k_get_apdu, &w),
                         OMP_ERR_NOSPACE);
        assert_int_equal(omp_wr_len(&w), 0);
        for (size_t i = 0; i < sizeof buf; i++) {
            assert_int_equal(buf[i], 0xA5);
        }
    }
    /* empty APDU: header only, length 0 (hand: 0001 0010 0001 0000) */
    static const uint8_t k_empty[] = {0x00, 0x01, 0x00, 0x10, 0x00, 0x01, 0x00, 0x00};
    w = omp_wr_init(buf, sizeof buf);
    assert_int_equal(omp_wrapper_encode(0x0010, 0x0001, NULL, 0, &w), OMP_OK);
    assert_int_equal(omp_wr_len(&w), 8);
    assert_memory_equal(buf, k_empty, 8);
    /* bad arguments */
    w = omp_wr_init(buf, sizeof buf);
    assert_int_equal(omp_wrapper_encode(1, 1, NULL, 3, &w), OMP_ERR_ARG);
    assert_int_equal(omp_wrapper_encode(1, 1, k_get_apdu, 65536u, &w), OMP_ERR_ARG);
    assert_int_equal(omp_wrapper_encode(1, 1, k_get_apdu, 1, NULL), OMP_ERR_ARG);
    assert_int_equal(omp_wr_len(&w), 0);
}

static void test_decode(void **state)
{
    (void)state;
    struct omp_rd rd = omp_rd_init(k_rsp_pdu, sizeof k_rsp_pdu);
    struct omp_wrapper_pdu pdu;
    assert_int_equal(omp_wrapper_decode(&rd, &pdu), OMP_OK);
    assert_int_equal(pdu.src_wport, 0x0001);
    assert_int_equal(pdu.dst_wport, 0x0010);
    assert_int_equal(pdu.apdu_len, 9);
    assert_ptr_equal(pdu.apdu, k_rsp_pdu + 8); /* zero-copy */
    assert_int_equal(omp_rd_pos(&rd), sizeof k_rsp_pdu);

    /* every truncation: TRUNCATED, reader and output untouched */
    for (size_t cut = 0; cut < sizeof k_rsp_pdu; cut++) {
        struct omp_wrapper_pdu out, sentinel;
        memset(&out, 0x5A, sizeof out);
        memcpy(&sentinel, &out, sizeof out);
        rd = omp_rd_init(k_rsp_pdu, cut);
        assert_int_equal(omp_wrapper_decode(&rd, &out), OMP_ERR_TRUNCATED);
        assert_int_equal(omp_rd_pos(&rd), 0);
        assert_memory_equal(&out, &sentinel, sizeof out);
    }
    /* wrong version 0x0002 (hand-edited) */
    uint8_t bad[sizeof k_rsp_pdu];
    memcpy(bad, k_rsp_pdu, sizeof bad);
    bad[1] = 0x02;
    rd = omp_rd_init(bad, sizeof bad);
    assert_int_equal(omp_wrapper_decode(&rd, &pdu), OMP_ERR_UNEXPECTED);
    assert_int_equal(omp_rd_pos(&rd), 0);
    /* two PDUs back to back: the reader stops after the first */
    uint8_t two[sizeof k_get_pdu + sizeof k_rsp_pdu];
    memcpy(two, k_get_pdu, sizeof k_get_pdu);
    memcpy(two + sizeof k_get_pdu, k_rsp_pdu, sizeof k_rsp_pdu);
    rd = omp_rd_init(two, sizeof two);
    assert_int_equal(omp_wrapper_decode(&rd, &pdu), OMP_OK);
    assert_int_equal(pdu.apdu_len, sizeof k_get_apdu);
    assert_memory_equal(pdu.apdu, k_get_apdu, sizeof k_get_apdu);
    assert_int_equal(omp_wrapper_decode(&rd, &pdu), OMP_OK);
    assert_int_equal(pdu.apdu_len, 9);
    assert_int_equal(omp_rd_remaining(&rd), 0);
    assert_int_equal(omp_wrapper_decode(NULL, &pdu), OMP_ERR_ARG);
}

/* Feeds @p stream in chunks of @p chunk bytes; collects the APDUs, concatenated. */
static size_t split(const uint8_t *stream, size_t len, size_t chunk, uint8_t *apdus, size_t *n_pdus)
{
    static struct omp_wrapper_rx rx;
    omp_wrapper_rx_init(&rx);
    size_t out = 0;
    *n_pdus = 0;
    for (size_t off = 0; off < len; off += chunk) {
        const uint8_t *p = stream + off;
        size_t n = (len - off < chunk) ? len - off : chunk;
        while (n > 0) {
            struct omp_wrapper_pdu pdu;
            size_t used = 0;
            omp_err err = omp_wrapper_rx_feed(&rx, p, n, &used, &pdu);
            assert_true(used <= n);
            p += used;
            n -= used;
            if (err == OMP_OK) {
                memcpy(apdus + out, pdu.apdu, pdu.apdu_len);
                out += pdu.apdu_len;
                (*n_pdus)++;
            } else {
                assert_int_equal(err, OMP_ERR_TRUNCATED);
                assert_int_equal(n, 0);
            }
        }
    }
    return out;
}

static void test_stream(void **state)
{
    (void)state;
    uint8_t stream[2 * sizeof k_get_pdu + sizeof k_rsp_pdu];
    memcpy(stream, k_get_pdu, sizeof k_get_pdu);
    memcpy(stream + sizeof k_get_pdu, k_rsp_pdu, sizeof k_rsp_pdu);
    memcpy(stream + sizeof k_get_pdu + sizeof k_rsp_pdu, k_get_pdu, sizeof k_get_pdu);
    uint8_t want[64];
    size_t wl = 0;
    memcpy(want, k_get_apdu, sizeof k_get_apdu);
    wl += sizeof k_get_apdu;
    memcpy(want + wl, k_rsp_pdu + 8, 9);
    wl += 9;
    memcpy(want + wl, k_get_apdu, sizeof k_get_apdu);
    wl += sizeof k_get_apdu;
    for (size_t chunk = 1; chunk <= sizeof stream; chunk++) {
        uint8_t got[64];
        size_t n = 0;
        assert_int_equal(split(stream, sizeof stream, chunk, got, &n), wl);
        assert_int_equal(n, 3);
        assert_memory_equal(got, want, wl);
    }
}

static void test_stream_errors(void **state)
{
    (void)state;
    static struct omp_wrapper_rx rx;
    struct omp_wrapper_pdu pdu, sentinel;
    memset(&pdu, 0x5A, sizeof pdu);
    memcpy(&sentinel, &pdu, sizeof pdu);
    size_t used = 99;

    /* a good PDU followed by a header with version 0x0000: the PDU, then the sticky error */
    uint8_t s[sizeof k_rsp_pdu + 10];
    memcpy(s, k_rsp_pdu, sizeof k_rsp_pdu);
    static const uint8_t k_badhdr[] = {0x00, 0x00, 0x00, 0x01, 0x00, 0x10, 0x00, 0x01, 0xAA, 0xBB};
    memcpy(s + sizeof k_rsp_pdu, k_badhdr, sizeof k_badhdr);
    omp_wrapper_rx_init(&rx);
    assert_int_equal(omp_wrapper_rx_feed(&rx, s, sizeof s, &used, &pdu), OMP_OK);
    assert_int_equal(used, sizeof k_rsp_pdu);
    assert_int_equal(pdu.apdu_len, 9);
    memcpy(&sentinel, &pdu, sizeof pdu);
    assert_int_equal(omp_wrapper_rx_feed(&rx, s + used, sizeof s - used, &used, &pdu),
                     OMP_ERR_UNEXPECTED);
    assert_int_equal(used, 8); /* up to the end of the bad header */
    assert_memory_equal(&pdu, &sentinel, sizeof pdu);
    assert_int_equal(omp_wrapper_rx_feed(&rx, k_get_pdu, sizeof k_get_pdu, &used, &pdu),
                     OMP_ERR_UNEXPECTED); /* sticky */
    assert_int_equal(used, 0);
    omp_wrapper_rx_init(&rx); /* reset: usable again */
    assert_int_equal(omp_wrapper_rx_feed(&rx, k_get_pdu, sizeof k_get_pdu, &used, &pdu), OMP_OK);
    assert_int_equal(pdu.src_wport, 0x0010);
    assert_int_equal(pdu.dst_wport, 0x0001);

    /* length above OMP_CONFIG_WRAPPER_MAX (2048 by default): 0x0801 */
#if OMP_CONFIG_WRAPPER_MAX < 65535
    const uint16_t big = (uint16_t)(OMP_CONFIG_WRAPPER_MAX + 1);
    const uint8_t k_big[] = {0x00, 0x01, 0x00, 0x10, 0x00, 0x01, (uint8_t)(big >> 8), (uint8_t)big};
    omp_wrapper_rx_init(&rx);
    assert_int_equal(omp_wrapper_rx_feed(&rx, k_big, 7, &used, &pdu), OMP_ERR_TRUNCATED);
    assert_int_equal(used, 7);
    assert_int_equal(omp_wrapper_rx_feed(&rx, k_big + 7, 1, &used, &pdu), OMP_ERR_RANGE);
    assert_int_equal(used, 1);
#endif
    /* empty feed */
    omp_wrapper_rx_init(&rx);
    assert_int_equal(omp_wrapper_rx_feed(&rx, NULL, 0, &used, &pdu), OMP_ERR_TRUNCATED);
    assert_int_equal(used, 0);
    assert_int_equal(omp_wrapper_rx_feed(NULL, NULL, 0, &used, &pdu), OMP_ERR_ARG);
    assert_int_equal(omp_wrapper_rx_feed(&rx, NULL, 1, &used, &pdu), OMP_ERR_ARG);
    /* zero-length APDU is a complete PDU of its own */
    static const uint8_t k_empty[] = {0x00, 0x01, 0x00, 0x10, 0x00, 0x01, 0x00, 0x00};
    assert_int_equal(omp_wrapper_rx_feed(&rx, k_empty, sizeof k_empty, &used, &pdu), OMP_OK);
    assert_int_equal(pdu.apdu_len, 0);
    assert_null(pdu.apdu);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode),
        cmocka_unit_test(test_decode),
        cmocka_unit_test(test_stream),
        cmocka_unit_test(test_stream_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The TCP wrapper (IEC 62056-47): bytes from the network. Checks:
 * - omp_wrapper_decode: a rejected input fails only with TRUNCATED/UNEXPECTED and leaves the PDU
 *   and the reader untouched; an accepted one points into the input and re-encodes to exactly the
 *   bytes consumed;
 * - the stream splitter, fed the same bytes in chunks whose sizes come from the first byte, yields
 *   the same PDUs as repeated omp_wrapper_decode over the whole input, and stops with the same
 *   error (a bad version -> UNEXPECTED, a length above OMP_CONFIG_WRAPPER_MAX -> RANGE).
 */
#include <string.h>

#include "fuzz.h"
#include "omnipower/wrapper.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    const size_t chunk = (size_t)data[0] % 37u + 1u;
    data++;
    size--;

    /* 1. single decode + re-encode */
    struct omp_wrapper_pdu pdu, sentinel;
    memset(&sentinel, 0x5A, sizeof sentinel);
    memcpy(&pdu, &sentinel, sizeof pdu);
    struct omp_rd rd = omp_rd_init(data, size);
    omp_err err = omp_wrapper_decode(&rd, &pdu);
    if (err != OMP_OK) {
        OMP_FUZZ_CHECK(err == OMP_ERR_TRUNCATED || err == OMP_ERR_UNEXPECTED);
        OMP_FUZZ_CHECK(memcmp(&pdu, &sentinel, sizeof pdu) == 0 && omp_rd_pos(&rd) == 0);
    } else {
        const size_t used = omp_rd_pos(&rd);
        OMP_FUZZ_CHECK(used == OMP_WRAPPER_HEADER_LEN + pdu.apdu_len && used <= size);
        OMP_FUZZ_CHECK(pdu.apdu_len == 0 || pdu.apdu == data + OMP_WRAPPER_HEADER_LEN);
        static uint8_t out[OMP_WRAPPER_HEADER_LEN + 65535u];
        struct omp_wr w = omp_wr_init(out, used);
        OMP_FUZZ_CHECK(
            omp_wrapper_encode(pdu.src_wport, pdu.dst_wport, pdu.apdu, pdu.apdu_len, &w) == OMP_OK);
        OMP_FUZZ_CHECK(omp_wr_len(&w) == used && memcmp(out, data, used) == 0);
    }

    /* 2. splitter vs. decode loop */
    static struct omp_wrapper_rx rx;
    omp_wrapper_rx_init(&rx);
    struct omp_rd ref = omp_rd_init(data, size);
    omp_err ref_err = OMP_OK;
    size_t off = 0;
    while (off < size) {
        size_t n = (size - off < chunk) ? size - off : chunk;
        const uint8_t *p = data + off;
        off += n;
        while (n > 0) {
            size_t used = 0;
            struct omp_wrapper_pdu got;
            err = omp_wrapper_rx_feed(&rx, p, n, &used, &got);
            OMP_FUZZ_CHECK(used <= n);
            p += used;
            n -= used;
            if (err == OMP_OK) {
                struct omp_wrapper_pdu want;
                OMP_FUZZ_CHECK(omp_wrapper_decode(&ref, &want) == OMP_OK);
                OMP_FUZZ_CHECK(want.apdu_len <= OMP_CONFIG_WRAPPER_MAX);
                OMP_FUZZ_CHECK(got.src_wport == want.src_wport && got.dst_wport == want.dst_wport);
                OMP_FUZZ_CHECK(got.apdu_len == want.apdu_len);
                OMP_FUZZ_CHECK(got.apdu_len == 0 || memcmp(got.apdu, want.apdu, got.apdu_len) == 0);
                continue;
            }
            if (err == OMP_ERR_TRUNCATED) {
                OMP_FUZZ_CHECK(n == 0);
                continue;
            }
            OMP_FUZZ_CHECK(err == OMP_ERR_UNEXPECTED || err == OMP_ERR_RANGE);
            ref_err = err;
            off = size; /* connection closed */
            break;
        }
    }
    /* what is left for the reference decoder matches the splitter's verdict */
    struct omp_wrapper_pdu rest;
    err = omp_wrapper_decode(&ref, &rest);
    if (ref_err == OMP_ERR_UNEXPECTED) {
        OMP_FUZZ_CHECK(err == OMP_ERR_UNEXPECTED);
    } else if (ref_err == OMP_ERR_RANGE) {
        OMP_FUZZ_CHECK(err == OMP_ERR_TRUNCATED ||
                       (err == OMP_OK && rest.apdu_len > OMP_CONFIG_WRAPPER_MAX));
    } else {
        OMP_FUZZ_CHECK(err == OMP_ERR_TRUNCATED); /* stream ended inside a PDU, or exactly */
    }
    return 0;
}

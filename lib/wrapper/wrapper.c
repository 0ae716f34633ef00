/*
 * DLMS/COSEM TCP-UDP wrapper (IEC 62056-47, Green Book): 8-byte header codec and stream splitter.
 */
#include "omnipower/config.h"

#if OMP_CONFIG_DLMS /* the whole file: module switch, config.h */

#include <string.h>

#include "omnipower/core.h"
#include "omnipower/wrapper.h"

#define WRAPPER_LEN_MAX 0xFFFFu

omp_err omp_wrapper_encode(uint16_t src_wport, uint16_t dst_wport, const uint8_t *apdu,
                           size_t apdu_len, struct omp_wr *w)
{
    if (w == NULL || (apdu == NULL && apdu_len != 0u) || apdu_len > WRAPPER_LEN_MAX) {
        return OMP_ERR_ARG;
    }
    if (omp_wr_status(w) != OMP_OK || omp_wr_room(w) < OMP_WRAPPER_HEADER_LEN + apdu_len) {
        return OMP_ERR_NOSPACE; /* nothing written */
    }
    omp_err err = omp_wr_u16be(w, OMP_WRAPPER_VERSION);
    if (err == OMP_OK) {
        err = omp_wr_u16be(w, src_wport);
    }
    if (err == OMP_OK) {
        err = omp_wr_u16be(w, dst_wport);
    }
    if (err == OMP_OK) {
        err = omp_wr_u16be(w, (uint16_t)apdu_len);
    }
    if (err == OMP_OK && apdu_len != 0u) {
        err = omp_wr_bytes(w, apdu, apdu_len);
    }
    return err; /* room was checked: cannot fail */
}

/* Header fields of buf[0..7]; the version is not checked here. */
static void get_header(const uint8_t *b, uint16_t *version, uint16_t *src, uint16_t *dst,
                       uint16_t *len)
{
    *version = (uint16_t)(((unsigned)b[0] << 8) | b[1]);
    *src = (uint16_t)(((unsigned)b[2] << 8) | b[3]);
    *dst = (uint16_t)(((unsigned)b[4] << 8) | b[5]);
    *len = (uint16_t)(((unsigned)b[6] << 8) | b[7]);
}

omp_err omp_wrapper_decode(struct omp_rd *rd, struct omp_wrapper_pdu *pdu)
{
    if (rd == NULL || pdu == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_rd tmp = *rd;
    const uint8_t *hdr = NULL;
    omp_err err = omp_rd_bytes(&tmp, OMP_WRAPPER_HEADER_LEN, &hdr);
    if (err != OMP_OK) {
        return err;
    }
    uint16_t version = 0, src = 0, dst = 0, len = 0;
    get_header(hdr, &version, &src, &dst, &len);
    if (version != OMP_WRAPPER_VERSION) {
        return OMP_ERR_UNEXPECTED;
    }
    const uint8_t *apdu = NULL;
    err = omp_rd_bytes(&tmp, len, &apdu);
    if (err != OMP_OK) {
        return err;
    }
    pdu->src_wport = src;
    pdu->dst_wport = dst;
    pdu->apdu = (len != 0u) ? apdu : NULL;
    pdu->apdu_len = len;
    *rd = tmp;
    return OMP_OK;
}

void omp_wrapper_rx_init(struct omp_wrapper_rx *rx)
{
    if (rx != NULL) {
        rx->have = 0u;
        rx->failed = OMP_OK;
        rx->delivered = false;
    }
}

omp_err omp_wrapper_rx_feed(struct omp_wrapper_rx *rx, const uint8_t *data, size_t len,
                            size_t *used, struct omp_wrapper_pdu *pdu)
{
    if (rx == NULL || used == NULL || pdu == NULL || (data == NULL && len != 0u)) {
        return OMP_ERR_ARG;
    }
    if (rx->failed != OMP_OK) {
        *used = 0u;
        return rx->failed;
    }
    if (rx->delivered) {
        rx->have = 0u;
        rx->delivered = false;
    }
    size_t pos = 0u;
    /* 1. the header */
    if (rx->have < OMP_WRAPPER_HEADER_LEN) {
        size_t n = OMP_WRAPPER_HEADER_LEN - rx->have;
        if (n > len) {
            n = len;
        }
        if (n != 0u) {
            memcpy(rx->buf + rx->have, data, n);
        }
        rx->have += n;
        pos = n;
        if (rx->have < OMP_WRAPPER_HEADER_LEN) {
            *used = pos;
            return OMP_ERR_TRUNCATED;
        }
    }
    uint16_t version = 0, src = 0, dst = 0, apdu_len = 0;
    get_header(rx->buf, &version, &src, &dst, &apdu_len);
    if (version != OMP_WRAPPER_VERSION) {
        rx->failed = OMP_ERR_UNEXPECTED;
    }
#if OMP_CONFIG_WRAPPER_MAX < 65535
    else if (apdu_len > (uint16_t)OMP_CONFIG_WRAPPER_MAX) {
        rx->failed = OMP_ERR_RANGE;
    }
#endif
    if (rx->failed != OMP_OK) {
        *used = pos;
        return rx->failed;
    }
    /* 2. the APDU */
    const size_t total = OMP_WRAPPER_HEADER_LEN + (size_t)apdu_len;
    size_t n = total - rx->have;
    if (n > len - pos) {
        n = len - pos;
    }
    if (n != 0u) {
        memcpy(rx->buf + rx->have, data + pos, n);
    }
    rx->have += n;
    pos += n;
    *used = pos;
    if (rx->have < total) {
        return OMP_ERR_TRUNCATED;
    }
    rx->delivered = true;
    pdu->src_wport = src;
    pdu->dst_wport = dst;
    pdu->apdu = (apdu_len != 0u) ? rx->buf + OMP_WRAPPER_HEADER_LEN : NULL;
    pdu->apdu_len = apdu_len;
    return OMP_OK;
}

#else
typedef int omp_wrapper_unused; /* ISO C forbids an empty translation unit */
#endif /* OMP_CONFIG_DLMS */

/*
 * General block transfer (GBT, Green Book 9.3.x; tag 0xE0) for the DLMS server (dlms_server.h;
 * docs/dlms-server.md "General block transfer"), in the associations that negotiated it (public
 * and LLS; not the ciphered management association).
 *
 * Window 1, no streaming from the server: it sends one block per GBT APDU of the client and
 * numbers its blocks 1, 2, ... in each exchange (acknowledgements included); block-number-ack is
 * the client's last block received. A client's request in blocks is joined in gbt_buf (at most
 * OMP_DLMS_GBT_RX_MAX bytes), each block but the last acknowledged by an empty GBT APDU with
 * last-block set and window 1; then the request (GET, SET or ACTION) is answered in GBT too. A long GET answer (the
 * object list, a profile) goes out in GBT blocks built in dlms_get.c; an empty GBT APDU whose
 * block-number-ack is the server's last block asks for the next one. Anything else (a block out of
 * order, a request too long, an acknowledgement of another block) ends the exchange with an
 * EXCEPTION-response; the next request works.
 */
#include "omnipower/config.h"

#if OMP_CONFIG_DLMS

#include <string.h>

#include "omnipower/apdu.h"
#include "omnipower/dlms_server.h"

#include "dlms_priv.h"

/* E0, block-control, block-number (2), block-number-ack (2), length (at most 3 below 65536). */
#define GBT_HDR_MAX 9u

void omp_dlms_priv_gbt_hdr(struct omp_dlms_server *srv, struct omp_wr *h, bool last, size_t n)
{
    (void)omp_wr_u8(h, OMP_APDU_TAG_GENERAL_BLOCK_TRANSFER);
    (void)omp_wr_u8(h, (uint8_t)((last ? OMP_APDU_GBT_LAST : 0u) | 1u)); /* window 1 */
    (void)omp_wr_u16be(h, ++srv->gbt_bn);
    (void)omp_wr_u16be(h, srv->gbt_rx_bn);
    (void)omp_wr_berlen(h, n);
}

/* The joined request answered; an answer that is not GBT already goes in one last block. */
static omp_err answer(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                      uint16_t client_sap, uint16_t server_sap, struct omp_wr *out, size_t limit)
{
    srv->gbt_rx = false;
    srv->gbt_reply = true;
    const uint8_t tag = srv->gbt_buf[0];
    if (tag != OMP_APDU_TAG_GET_REQUEST && tag != OMP_APDU_TAG_SET_REQUEST &&
        tag != OMP_APDU_TAG_ACTION_REQUEST) { /* GBT carries xDLMS requests, not AARQ or RLRQ */
        return omp_dlms_priv_exception(out, OMP_STATE_ERROR_SERVICE_UNKNOWN,
                                       OMP_SERVICE_ERROR_SERVICE_NOT_SUPPORTED);
    }
    size_t mark = omp_wr_len(out);
    omp_err err = omp_dlms_priv_request(srv, env, client_sap, server_sap, srv->gbt_buf,
                                        srv->gbt_rx_len, out, limit - GBT_HDR_MAX);
    size_t n = omp_wr_len(out) - mark;
    if (err != OMP_OK || n == 0u || out->buf[mark] == OMP_APDU_TAG_GENERAL_BLOCK_TRANSFER) {
        return err;
    }
    uint8_t hdr[GBT_HDR_MAX];
    struct omp_wr h = omp_wr_init(hdr, sizeof hdr);
    omp_dlms_priv_gbt_hdr(srv, &h, true, n);
    size_t hl = omp_wr_len(&h);
    err = omp_wr_fill(out, 0u, hl);
    if (err == OMP_OK) {
        memmove(out->buf + mark + hl, out->buf + mark, n);
        memcpy(out->buf + mark, hdr, hl);
    }
    return err;
}

omp_err omp_dlms_priv_gbt(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                          uint16_t client_sap, uint16_t server_sap, const uint8_t *req, size_t len,
                          struct omp_wr *out, size_t limit)
{
    uint8_t state = OMP_STATE_ERROR_SERVICE_NOT_ALLOWED, service;
    struct omp_rd rd = omp_rd_init(req, len);
    struct omp_apdu_gbt g;
    if (srv->assoc == 0u || client_sap != srv->client_sap || server_sap != srv->server_sap ||
        (srv->conformance & OMP_CONF_GENERAL_BLOCK_TRANSFER) == 0u) {
        service = OMP_SERVICE_ERROR_SERVICE_NOT_SUPPORTED;
    } else if (omp_apdu_gbt_decode(&rd, &g) != OMP_OK || omp_rd_remaining(&rd) != 0u) {
        state = OMP_STATE_ERROR_SERVICE_UNKNOWN;
        service = OMP_SERVICE_ERROR_OTHER_REASON;
    } else if (g.data.len == 0u) { /* an acknowledgement: the next block of the answer */
        service = OMP_SERVICE_ERROR_OPERATION_NOT_POSSIBLE;
        if (srv->blk_active && srv->blk_gbt && g.block_number_ack == srv->gbt_bn &&
            srv->gbt_bn != UINT16_MAX) { /* (block numbers are 16 bits: 65 MB at most) */
            srv->gbt_rx_bn = g.block_number;
            return omp_dlms_priv_get_more(srv, env, out, limit);
        }
    } else if (g.block_number != 1u &&
               (!srv->gbt_rx || g.block_number != (uint16_t)(srv->gbt_rx_bn + 1u))) {
        service = OMP_SERVICE_ERROR_OPERATION_NOT_POSSIBLE; /* out of order, or lost */
    } else {
        srv->blk_active = false; /* a new request ends the answer the client left */
        if (g.block_number == 1u) {
            srv->gbt_rx = true;
            srv->gbt_rx_len = 0u;
            srv->gbt_bn = 0u;
        }
        service = OMP_SERVICE_ERROR_PDU_TOO_LONG;
        if (g.data.len <= sizeof srv->gbt_buf - srv->gbt_rx_len) {
            memcpy(srv->gbt_buf + srv->gbt_rx_len, g.data.ptr, g.data.len);
            srv->gbt_rx_len = (uint16_t)(srv->gbt_rx_len + g.data.len);
            srv->gbt_rx_bn = g.block_number;
            if (g.last) {
                return answer(srv, env, client_sap, server_sap, out, limit);
            }
            omp_dlms_priv_gbt_hdr(srv, out, true, 0u); /* the acknowledgement, window 1 */
            return omp_wr_status(out);
        }
    }
    srv->gbt_rx = false;
    srv->blk_active = false;
    return omp_dlms_priv_exception(out, state, service);
}

#else
typedef int omp_dlms_gbt_unused; /* ISO C forbids an empty translation unit */
#endif /* OMP_CONFIG_DLMS */

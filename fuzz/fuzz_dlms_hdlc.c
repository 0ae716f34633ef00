/*
 * The meter's DLMS server over HDLC from raw bytes: omp_hdlc_server (stream -> link -> LLC ->
 * reassembly -> segmentation) in front of the real server engine (dlms_server.h) on the dictionary
 * view of test_dlms_server (tests/dlms_src.h; no logs). The input is a sequence of records:
 * time step (1 byte, in units of 8 ms, so the 500 ms inter-octet and 20 s inactivity timeouts are
 * reached), length (1 byte), that many bytes from the port (fewer when the input ends). Checks:
 * - omp_hdlc_server_rx always returns OMP_OK (the reply buffer has room for every frame's reply);
 * - every reply byte belongs to a frame that omp_hdlc_decode() reads back, from one of our server
 *   addresses (upper 1 or 16, lower 32 when given) to a 1-byte client address; an I frame's
 *   information field is at most the negotiated max info field (<= 1010);
 * - the stream decoder's byte counters add up;
 * - the port never wedges: 20 s of silence later an SNRM from client 16 to (1, 32) gets a UA.
 */
#include <string.h>

#include "fuzz.h"
#include "omnipower/dlms_server.h"
#include "omnipower/evq.h"
#include "omnipower/hdlc.h"

#include "../tests/dlms_src.h"

struct ctx {
    struct omp_dlms_server srv;
    struct omp_dlms_server_env env;
};

static omp_err app_apdu(void *user, uint16_t client_sap, uint16_t server_sap, const uint8_t *req,
                        size_t len, struct omp_wr *out)
{
    struct ctx *c = user;
    return omp_dlms_server_apdu(&c->srv, &c->env, client_sap, server_sap, req, len, out);
}

static void app_end(void *user)
{
    omp_dlms_server_close(&((struct ctx *)user)->srv);
}

/* Every byte of @p out is a frame of ours; @return the number of frames, the last one's type. */
static unsigned check_replies(const struct omp_hdlc_server *s, const uint8_t *out, size_t n,
                              enum omp_hdlc_type *last)
{
    unsigned frames = 0;
    for (size_t pos = 0; pos < n; frames++) {
        struct omp_hdlc_frame f;
        size_t used = 0;
        OMP_FUZZ_CHECK(omp_hdlc_decode(out + pos, n - pos, &f, &used) == OMP_OK);
        OMP_FUZZ_CHECK(used > 0u && out[pos] == OMP_HDLC_FLAG);
        OMP_FUZZ_CHECK(f.src.upper == 1u || f.src.upper == 16u);
        OMP_FUZZ_CHECK(f.src.size == 1u || f.src.lower == 32u);
        OMP_FUZZ_CHECK(f.dst.size == 1u);
        if (f.type == OMP_HDLC_I) {
            OMP_FUZZ_CHECK(f.info_len > 0u && f.info_len <= s->link.params.max_info_tx &&
                           f.info_len <= OMP_HDLC_SERVER_INFO_DEFAULT);
        }
        *last = f.type;
        pos += used;
    }
    return frames;
}

static void feed(struct omp_hdlc_server *s, const uint8_t *in, size_t len, uint64_t now,
                 unsigned *frames, enum omp_hdlc_type *last)
{
    static uint8_t out[48u * OMP_HDLC_SERVER_TX_ROOM(OMP_HDLC_SERVER_INFO_DEFAULT)];
    struct omp_wr w = omp_wr_init(out, sizeof out);
    OMP_FUZZ_CHECK(omp_hdlc_server_rx(s, in, len, now, &w) == OMP_OK);
    *frames = check_replies(s, out, omp_wr_len(&w), last);
    const struct omp_hdlc_stream *st = &s->stream;
    OMP_FUZZ_CHECK(st->bytes_in ==
                   st->bytes_frames + st->bytes_dropped + (uint32_t)omp_hdlc_stream_held(st));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct dlms_src_state st;
    static struct omp_evq evq;
    static struct ctx c;
    static struct omp_cosem_src src;
    static struct omp_hdlc_server s;
    static uint8_t rx[OMP_HDLC_LLC_LEN + OMP_DLMS_SERVER_PDU_DEFAULT];
    static uint8_t tx[OMP_HDLC_LLC_LEN + OMP_DLMS_SERVER_PDU_DEFAULT];
    dlms_src_fill(&st, &src);
    OMP_FUZZ_CHECK(omp_evq_init(&evq) == OMP_OK);
    memset(&c, 0, sizeof c);
    c.env.src = &src;
    c.env.events = &evq;
    struct omp_dlms_server_cfg dc;
    omp_dlms_server_cfg_default(&dc);
    OMP_FUZZ_CHECK(omp_dlms_server_init(&c.srv, &dc) == OMP_OK);
    struct omp_hdlc_server_cfg hc;
    omp_hdlc_server_cfg_default(&hc);
    OMP_FUZZ_CHECK(omp_hdlc_server_init(&s, &hc, rx, sizeof rx, tx, sizeof tx, app_apdu, app_end,
                                        &c) == OMP_OK);
    uint64_t now = 1000u;
    unsigned frames = 0;
    enum omp_hdlc_type last = OMP_HDLC_I;
    size_t pos = 0;
    while (size - pos >= 2u) {
        now += 8u * (uint64_t)data[pos];
        size_t len = data[pos + 1u];
        pos += 2u;
        len = len < size - pos ? len : size - pos;
        feed(&s, data + pos, len, now, &frames, &last);
        pos += len;
    }
    /* never wedged: after 20 s of silence (the link and any partial frame gone) SNRM -> UA */
    now += OMP_HDLC_SERVER_INACTIVITY_MS_DEFAULT;
    omp_hdlc_server_tick(&s, now);
    OMP_FUZZ_CHECK(!omp_hdlc_server_connected(&s) && omp_dlms_server_assoc(&c.srv) == 0u);
    static const uint8_t snrm[] = {0x7E, 0xA0, 0x08, 0x02, 0x41, 0x21, 0x93, 0x48, 0xD4, 0x7E};
    feed(&s, snrm, sizeof snrm, now, &frames, &last);
    OMP_FUZZ_CHECK(frames == 1u && last == OMP_HDLC_UA && omp_hdlc_server_connected(&s));
    return 0;
}

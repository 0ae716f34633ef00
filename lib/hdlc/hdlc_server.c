/*
 * DLMS over HDLC on one port (IEC 62056-46, Green Book 8.4), window 1: the stream decoder finds
 * frames, the link (hdlc_link.c) answers SNRM/DISC/RR and keeps the sequence numbers, this file
 * adds the server addressing (logical devices and the physical address), the LLC header,
 * reassembly of segmented requests, segmentation of the response (the client pulls each next
 * segment with RR) and the two timeouts, with the time passed in by the caller.
 */
#include "omnipower/config.h"

#if OMP_CONFIG_DLMS /* the whole file: module switch, config.h */

#include <string.h>

#include "omnipower/core.h"
#include "omnipower/hdlc.h"
#include "hdlc_priv.h"

void omp_hdlc_server_cfg_default(struct omp_hdlc_server_cfg *cfg)
{
    if (cfg == NULL) {
        return;
    }
    memset(cfg, 0, sizeof *cfg);
    cfg->phys = OMP_HDLC_SERVER_PHYS_DEFAULT;
    cfg->lds[0] = 1u;  /* management logical device (public client) */
    cfg->lds[1] = 16u; /* the logical device of the LLS associations */
    cfg->n_lds = 2u;
    cfg->limits.max_info_tx = OMP_HDLC_SERVER_INFO_DEFAULT;
    cfg->limits.max_info_rx = OMP_HDLC_SERVER_INFO_DEFAULT;
    cfg->limits.window_tx = 1u;
    cfg->limits.window_rx = 1u;
    cfg->inactivity_ms = OMP_HDLC_SERVER_INACTIVITY_MS_DEFAULT;
    cfg->inter_octet_ms = OMP_HDLC_SERVER_INTER_OCTET_MS_DEFAULT;
}

static bool cfg_valid(const struct omp_hdlc_server_cfg *c)
{
    if (c->n_lds == 0u || c->n_lds > OMP_HDLC_SERVER_LD_MAX || c->phys > 0x3FFFu ||
        !omp_hdlc_priv_params_valid(&c->limits) || c->limits.window_tx != 1u ||
        c->limits.window_rx != 1u) {
        return false;
    }
    for (unsigned k = 0; k < c->n_lds; k++) {
        if (c->lds[k] > 0x3FFFu) {
            return false;
        }
    }
    return true;
}

/* The server address the link starts with: the first logical device, 1 byte. */
static omp_err link_restart(struct omp_hdlc_server *s, const struct omp_hdlc_addr *server)
{
    return omp_hdlc_link_init(&s->link, server, &s->cfg.limits);
}

omp_err omp_hdlc_server_init(struct omp_hdlc_server *s, const struct omp_hdlc_server_cfg *cfg,
                             uint8_t *rx_buf, size_t rx_cap, uint8_t *tx_buf, size_t tx_cap,
                             omp_hdlc_apdu_fn apdu, omp_hdlc_end_fn end, void *user)
{
    if (s == NULL || cfg == NULL || rx_buf == NULL || rx_cap == 0u || tx_buf == NULL ||
        tx_cap <= OMP_HDLC_LLC_LEN || apdu == NULL || !cfg_valid(cfg)) {
        return OMP_ERR_ARG;
    }
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    s->apdu = apdu;
    s->end = end;
    s->user = user;
    omp_hdlc_stream_init(&s->stream);
    omp_hdlc_reasm_init(&s->reasm, rx_buf, rx_cap);
    s->tx = tx_buf;
    s->tx_cap = tx_cap;
    const struct omp_hdlc_addr first = {cfg->lds[0], 0u, (uint8_t)(cfg->lds[0] > 0x7Fu ? 4u : 1u)};
    return link_restart(s, &first);
}

bool omp_hdlc_server_connected(const struct omp_hdlc_server *s)
{
    return s != NULL && s->link.state == OMP_HDLC_LINK_NRM;
}

/* Back to NDM with nothing in progress; the application's association ends. */
static void end_link(struct omp_hdlc_server *s)
{
    const struct omp_hdlc_addr server = s->link.server;
    (void)link_restart(s, &server); /* valid: it was accepted before */
    omp_hdlc_reasm_reset(&s->reasm);
    s->rx_overflow = false;
    s->tx_len = 0;
    if (s->end != NULL) {
        s->end(s->user);
    }
}

/* Drop the bytes of a partial frame; the counters stay (bytes_in == frames + dropped + held). The
 * stream hunts again, as omp_hdlc_stream_init() leaves it: nothing held (its frame buffer's old
 * bytes are never read again), no frame pending. */
static OMP_NOINLINE void drop_partial(struct omp_hdlc_server *s)
{
    struct omp_hdlc_stream *st = &s->stream;
    st->bytes_dropped += (uint32_t)omp_hdlc_stream_held(st);
    st->len = 0u;
    st->pending = 0u;
}

void omp_hdlc_server_reset(struct omp_hdlc_server *s)
{
    if (s != NULL) {
        drop_partial(s);
        end_link(s);
    }
}

void omp_hdlc_server_tick(struct omp_hdlc_server *s, uint64_t now_ms)
{
    if (s == NULL) {
        return;
    }
    if (s->cfg.inter_octet_ms != 0u && omp_hdlc_stream_held(&s->stream) > 0u &&
        now_ms - s->last_octet_ms >= s->cfg.inter_octet_ms) {
        drop_partial(s);
        s->n_octet_timeouts++;
    }
    if (s->cfg.inactivity_ms != 0u && s->link.state == OMP_HDLC_LINK_NRM &&
        now_ms - s->last_frame_ms >= s->cfg.inactivity_ms) {
        s->n_timeouts++;
        end_link(s);
    }
}

static OMP_NOINLINE bool addr_eq(const struct omp_hdlc_addr *a, const struct omp_hdlc_addr *b)
{
    return a->size == b->size && a->upper == b->upper && a->lower == b->lower;
}

/* A server address of ours: a logical device we answer, and our physical address if given. */
static bool addressed(const struct omp_hdlc_server *s, const struct omp_hdlc_addr *a)
{
    if (a->size != 1u && a->lower != s->cfg.phys) {
        return false;
    }
    for (unsigned k = 0; k < s->cfg.n_lds; k++) {
        if (s->cfg.lds[k] == a->upper) {
            return true;
        }
    }
    return false;
}

/* Send the response's next segment (from tx_next), F bit set: the client polls for the rest. */
static omp_err send_segment(struct omp_hdlc_server *s, struct omp_wr *out)
{
    const size_t left = s->tx_len - s->tx_next;
    const size_t max = s->link.params.max_info_tx;
    const size_t n = left > max ? max : left;
    const omp_err err =
        omp_hdlc_link_put_i(&s->link, out, s->tx + s->tx_next, n, n < left, true, true);
    if (err == OMP_OK) {
        s->tx_seg = s->tx_next;
        s->tx_next += n;
        if (s->tx_next == s->tx_len) {
            s->tx_len = 0; /* all sent; a lost last segment is asked for again by the request */
        }
    }
    return err;
}

/* A whole request (LLC header first): the application's response goes out segment by segment. */
static omp_err dispatch(struct omp_hdlc_server *s, const uint8_t *msg, size_t len,
                        struct omp_wr *out)
{
    const uint8_t *apdu = NULL;
    size_t apdu_len = 0;
    bool response = true;
    s->tx_len = 0;
    if (omp_hdlc_llc_strip(msg, len, &response, &apdu, &apdu_len) != OMP_OK || response) {
        return omp_hdlc_link_put_rr(&s->link, out, true); /* not a DLMS request: nothing to say */
    }
    struct omp_wr hdr = omp_wr_init(s->tx, OMP_HDLC_LLC_LEN);
    struct omp_wr w = omp_wr_init(s->tx + OMP_HDLC_LLC_LEN, s->tx_cap - OMP_HDLC_LLC_LEN);
    s->n_apdus++;
    omp_err err = omp_hdlc_llc_put(&hdr, true);
    if (err == OMP_OK) {
        err = s->apdu(s->user, s->link.client.upper, s->link.server.upper, apdu, apdu_len, &w);
    }
    if (err != OMP_OK || omp_wr_len(&w) == 0u) {
        return omp_hdlc_link_put_rr(&s->link, out, true);
    }
    s->tx_len = OMP_HDLC_LLC_LEN + omp_wr_len(&w);
    s->tx_next = 0;
    return send_segment(s, out);
}

/* An I frame's information field the link accepted: a segment, or the end of a request. */
static omp_err on_info(struct omp_hdlc_server *s, const struct omp_hdlc_frame *rx, bool last,
                       struct omp_wr *out)
{
    s->tx_len = 0; /* a new request: a response still being sent is abandoned */
    bool done = false;
    const uint8_t *msg = NULL;
    size_t len = 0;
    if (!s->rx_overflow && omp_hdlc_reasm_add(&s->reasm, rx, &done, &msg, &len) != OMP_OK) {
        omp_hdlc_reasm_reset(&s->reasm);
        s->rx_overflow = true;
    }
    if (!last) {
        return OMP_OK; /* the link wrote RR for the next segment */
    }
    if (s->rx_overflow) {
        s->rx_overflow = false;
        return omp_hdlc_link_put_rr(&s->link, out, true);
    }
    return done ? dispatch(s, msg, len, out) : omp_hdlc_link_put_rr(&s->link, out, true);
}

/* RR from the client: N(R) == V(S) acknowledges our last segment (send the next one);
 * V(S) - 1 asks for it again. Nothing to send: RR. */
static omp_err on_rr(struct omp_hdlc_server *s, const struct omp_hdlc_frame *rx, struct omp_wr *out)
{
    if (s->tx_len != 0u) {
        if (rx->nr == s->link.vs) {
            return send_segment(s, out);
        }
        if (rx->nr == (uint8_t)((s->link.vs + 7u) & 7u)) {
            const struct omp_hdlc_link keep = s->link;
            const size_t next = s->tx_next;
            s->link.vs = rx->nr; /* the only place outside hdlc_link.c: a repeat of our frame */
            s->tx_next = s->tx_seg;
            const omp_err err = send_segment(s, out);
            if (err != OMP_OK) {
                s->link = keep;
                s->tx_next = next;
            }
            return err;
        }
    }
    return omp_hdlc_link_put_rr(&s->link, out, true);
}

static omp_err on_frame(struct omp_hdlc_server *s, const struct omp_hdlc_frame *rx, uint64_t now_ms,
                        struct omp_wr *out)
{
    if (!addressed(s, &rx->dst) || rx->src.size != 1u) {
        s->n_ignored++;
        return OMP_OK;
    }
    if (s->link.state == OMP_HDLC_LINK_NDM) {
        (void)link_restart(s, &rx->dst); /* valid: it was decoded */
    }
    const bool was_nrm = s->link.state == OMP_HDLC_LINK_NRM;
    enum omp_hdlc_link_event ev = OMP_HDLC_EV_NONE;
    const uint8_t *info = NULL;
    size_t info_len = 0;
    omp_err err = omp_hdlc_link_on_frame(&s->link, rx, true, out, &ev, &info, &info_len);
    if (err != OMP_OK) {
        return err;
    }
    if (s->link.state == OMP_HDLC_LINK_NRM && addr_eq(&rx->src, &s->link.client) &&
        addr_eq(&rx->dst, &s->link.server)) {
        s->last_frame_ms = now_ms; /* the connected client's frame: not idle */
    }
    if (ev == OMP_HDLC_EV_CONNECTED || ev == OMP_HDLC_EV_DISCONNECTED) {
        omp_hdlc_reasm_reset(&s->reasm);
        s->rx_overflow = false;
        s->tx_len = 0;
        if (was_nrm && s->end != NULL) {
            s->end(s->user); /* a new SNRM or DISC: the association goes with the old link */
        }
    } else if (rx->type == OMP_HDLC_I && (ev == OMP_HDLC_EV_DATA || info != NULL)) {
        err = on_info(s, rx, ev == OMP_HDLC_EV_DATA, out);
    } else if (ev == OMP_HDLC_EV_RR) {
        err = on_rr(s, rx, out);
    }
    return err;
}

omp_err omp_hdlc_server_rx(struct omp_hdlc_server *s, const uint8_t *in, size_t len,
                           uint64_t now_ms, struct omp_wr *out)
{
    if (s == NULL || out == NULL || (in == NULL && len > 0u)) {
        return OMP_ERR_ARG;
    }
    omp_hdlc_server_tick(s, now_ms);
    if (len > 0u) {
        s->last_octet_ms = now_ms;
    }
    omp_err result = OMP_OK;
    for (;;) {
        size_t used = 0;
        struct omp_hdlc_frame f;
        const omp_err err = omp_hdlc_stream_feed(&s->stream, in, len, &used, &f);
        in += used;
        len -= used;
        if (err != OMP_OK) {
            break; /* OMP_ERR_TRUNCATED: all taken, no more frames */
        }
        if (on_frame(s, &f, now_ms, out) == OMP_ERR_NOSPACE) {
            result = OMP_ERR_NOSPACE; /* other errors (a bad SNRM field): not answered */
        }
    }
    return result;
}

#else
typedef int omp_hdlc_server_unused; /* ISO C forbids an empty translation unit */
#endif /* OMP_CONFIG_DLMS */

/*
 * DLMS over HDLC on the meter's own ports (hdlc.h, dlms_server.h): one HDLC server per port in
 * front of the port's DLMS server (meter_dlms.c). Bytes come in through omp_meter_on_rx; the reply
 * frame waits in the port's out buffer and goes out through the HAL's port_write at once and from
 * each poll, as much as the port takes. The HDLC timeouts run on the tick's monotonic time.
 *
 * The optical port is shared with IEC 62056-21 (meter_optical.c): a chunk that starts with an
 * HDLC flag while no reader is signed on hands it to HDLC at 9600 Bd 8N1 (technical facts 11.2:
 * direct HDLC, no mode E) until the link ends; with IEC 62056-21 off (131.0.12 = 0) the port is
 * HDLC's from the start. The CCC port answers only while HAN push is off (technical facts 12.1).
 */
#include "omnipower/config.h"

#include <string.h>

#include "omnipower/hdlc.h"
#include "omnipower/meter.h"
#include "omnipower/dlms_server.h"

#include "meter_priv.h"

#if OMP_CONFIG_DLMS

#define HDLC_FLAG 0x7Eu
#define HDLC_BAUD 9600u /* direct HDLC, 8N1 (technical facts 11.2) */

uint8_t omp_meter_priv_port_assocs(enum omp_port port)
{
    /* each port's own LLS client (technical facts 11.1); the public and management ones on all */
    static const uint8_t lls[OMP_PORT_COUNT] = {OMP_ASSOC_LLS_OPTICAL, OMP_ASSOC_LLS_MODULE,
                                                OMP_ASSOC_LLS_CCC};
    return (uint8_t)(OMP_ASSOC_PUBLIC | OMP_ASSOC_HLS_MGMT | lls[port]);
}

static omp_err on_apdu(void *user, uint16_t client, uint16_t server, const uint8_t *req,
                       size_t len, struct omp_wr *out)
{
    struct omp_meter_hdlc *h = user;
    return omp_meter_dlms(h->meter, (enum omp_port)h->port, client, server, req, len, out);
}

/* The link ended (DISC, a new SNRM, inactivity, a lost link): so does the association, and the
 * optical port goes back to IEC 62056-21 when that runs, once the reply (a UA) is out at 8N1
 * (hand_back). */
static void on_end(void *user)
{
    struct omp_meter_hdlc *h = user;
    omp_meter_dlms_close(h->meter, (enum omp_port)h->port);
    if (h->port == (uint8_t)OMP_PORT_OPTICAL && h->on && h->meter->optical_port.on) {
        h->release = true;
    }
}

/* The optical port's hand-back, when due and nothing is left to send (a new link cancels it). */
static void hand_back(struct omp_meter *m, struct omp_meter_hdlc *h)
{
    if (!h->release) {
        return;
    }
    if (omp_hdlc_server_connected(&h->hdlc)) {
        h->release = false; /* the next client's SNRM came first: the port stays HDLC's */
    } else if (h->out_len == 0u) {
        h->release = false;
        h->on = false;
        omp_meter_priv_optical_dlms(m, false);
    }
}

static omp_err set_framing(struct omp_meter *m)
{
    omp_err (*set)(void *, enum omp_port, uint32_t, enum omp_port_framing) =
        m->hal.ops->port_set_baud;
    return set == NULL ? OMP_OK : set(m->hal.user, OMP_PORT_OPTICAL, HDLC_BAUD, OMP_FRAMING_8N1);
}

/* The setup the settings store keeps (none: the factory one). A record this build cannot read
 * is reported and left in place; the factory setup serves meanwhile. */
static omp_err setup_restore(struct omp_meter *m)
{
    omp_hdlc_server_cfg_default(&m->hdlc_setup);
    omp_err err = omp_dlms_keep_hdlc_read(&m->settings, OMP_METER_KEY_HDLC_SETUP, &m->hdlc_setup);
    if (err == OMP_ERR_NVM_CORRUPT) {
        omp_hdlc_server_cfg_default(&m->hdlc_setup);
        omp_clock_event(&m->clock, OMP_EV_NVM_DAMAGED, 1u, 4u); /* foreign: reported, kept */
    }
    return err == OMP_ERR_NOT_FOUND || err == OMP_ERR_NVM_CORRUPT ? OMP_OK : err;
}

omp_err omp_meter_priv_hdlc_set(struct omp_meter *m, uint8_t attr, uint16_t value)
{
    struct omp_hdlc_server_cfg c = m->hdlc_setup;
    if (attr == 7u) {
        c.inter_octet_ms = value;
    } else if (attr == 8u) {
        c.inactivity_ms = (uint32_t)value * 1000u;
    } else if (attr == 9u) {
        c.phys = value;
    } else {
        return OMP_ERR_RANGE;
    }
    omp_err err = m->nvm_damaged != 0u
                      ? OMP_ERR_NVM_CORRUPT
                      : omp_dlms_keep_hdlc_write(&m->settings, OMP_METER_KEY_HDLC_SETUP, &c);
    if (err == OMP_OK) {
        m->hdlc_setup = c; /* the ports take it at their next link (apply_setup) */
        omp_clock_event(&m->clock, OMP_EV_CONFIG_CHANGED, 0x160000u, attr); /* 22.0.0 */
    }
    return err;
}

/* A port without a link (and no frame half received: the decoder holds at most the last closing
 * flag, which may open the next frame) takes the setup in force; its counters stay. */
static void apply_setup(struct omp_meter *m, struct omp_meter_hdlc *h)
{
    struct omp_hdlc_server *s = &h->hdlc;
    const struct omp_hdlc_server_cfg *c = &m->hdlc_setup;
    if ((s->cfg.phys == c->phys && s->cfg.inactivity_ms == c->inactivity_ms &&
         s->cfg.inter_octet_ms == c->inter_octet_ms) ||
        omp_hdlc_server_connected(s) || omp_hdlc_stream_held(&s->stream) > 1u) {
        return;
    }
    const uint32_t kept[4] = {s->n_ignored, s->n_apdus, s->n_timeouts, s->n_octet_timeouts};
    if (omp_hdlc_server_init(s, c, h->rx, sizeof h->rx, h->tx, sizeof h->tx, on_apdu, on_end,
                             h) == OMP_OK) {
        s->n_ignored = kept[0];
        s->n_apdus = kept[1];
        s->n_timeouts = kept[2];
        s->n_octet_timeouts = kept[3];
    }
}

omp_err omp_meter_priv_hdlc_start(struct omp_meter *m)
{
    omp_err err = setup_restore(m);
    const struct omp_hdlc_server_cfg c = m->hdlc_setup;
    for (unsigned k = 0; k < (unsigned)OMP_PORT_COUNT && err == OMP_OK; k++) {
        struct omp_meter_hdlc *h = &m->hdlc[k];
        h->meter = m;
        h->port = (uint8_t)k;
        h->on = false;
        h->release = false;
        h->out_len = 0u;
        h->out_off = 0u;
        err = omp_hdlc_server_init(&h->hdlc, &c, h->rx, sizeof h->rx, h->tx, sizeof h->tx,
                                   on_apdu, on_end, h);
    }
    if (err == OMP_OK && !m->optical_port.on && m->hal.ops->port_write != NULL) {
        m->hdlc[OMP_PORT_OPTICAL].on = true; /* no IEC 62056-21 on the port: HDLC only */
        err = set_framing(m);
    }
    return err;
}

/* Hand the port what it takes of the reply frame(s) waiting. */
static void flush(struct omp_meter *m, struct omp_meter_hdlc *h)
{
    size_t n = 0;
    size_t left = (size_t)h->out_len - h->out_off;
    if (left != 0u && m->hal.ops->port_write(m->hal.user, (enum omp_port)h->port,
                                             h->out + h->out_off, left, &n) == OMP_OK) {
        h->out_off = (uint16_t)(h->out_off + (n < left ? n : left));
    }
    if (h->out_off == h->out_len) {
        h->out_off = 0u;
        h->out_len = 0u;
    }
}

/* The optical port: true if HDLC has it or takes it now (a flag first while no reader is signed
 * on; anything once IEC 62056-21 was switched off, 131.0.12 = 0). */
static bool optical_is_hdlc(struct omp_meter *m, const uint8_t *data, size_t len)
{
    struct omp_meter_hdlc *h = &m->hdlc[OMP_PORT_OPTICAL];
    if (h->on) {
        return true;
    }
    const bool iec = m->optical_port.on;
    if ((iec && (len == 0u || data[0] != HDLC_FLAG)) || m->hal.ops->port_write == NULL ||
        !omp_meter_priv_optical_dlms(m, true)) {
        return false;
    }
    if (set_framing(m) != OMP_OK) {
        omp_meter_priv_optical_dlms(m, false); /* the port cannot change: IEC keeps it */
        return false;
    }
    h->on = true;
    return true;
}

omp_err omp_meter_priv_hdlc_rx(struct omp_meter *m, enum omp_port port, const uint8_t *data,
                               size_t len)
{
    if (port == OMP_PORT_OPTICAL && !optical_is_hdlc(m, data, len)) {
        return omp_meter_priv_optical_rx(m, data, len);
    }
    if (m->hal.ops->port_write == NULL || (port == OMP_PORT_HAN && m->cfg.han_push.lists != 0u)) {
        return OMP_ERR_UNSUPPORTED; /* nowhere to answer; with push on the CCC port only sends */
    }
    struct omp_meter_hdlc *h = &m->hdlc[port];
    h->meter = m;
    if (h->out_off != 0u) { /* the port took part of a reply: keep the rest at the start */
        memmove(h->out, h->out + h->out_off, (size_t)h->out_len - h->out_off);
        h->out_len = (uint16_t)(h->out_len - h->out_off);
        h->out_off = 0u;
    }
    struct omp_wr w = omp_wr_init(h->out + h->out_len, sizeof h->out - h->out_len);
    omp_err err = omp_hdlc_server_rx(&h->hdlc, data, len, m->clock.now.mono_ms, &w);
    h->out_len = (uint16_t)(h->out_len + omp_wr_len(&w));
    flush(m, h);
    return err;
}

void omp_meter_priv_hdlc_poll(struct omp_meter *m)
{
    if (m->hal.ops->port_write == NULL) {
        return;
    }
    for (unsigned k = 0; k < (unsigned)OMP_PORT_COUNT; k++) {
        struct omp_meter_hdlc *h = &m->hdlc[k];
        h->meter = m;
        omp_hdlc_server_tick(&h->hdlc, m->clock.now.mono_ms);
        apply_setup(m, h);
        flush(m, h);
        hand_back(m, h);
    }
}

void omp_meter_priv_hdlc_lost(struct omp_meter *m, enum omp_port port)
{
    struct omp_meter_hdlc *h = &m->hdlc[port];
    h->meter = m;
    h->out_len = 0u; /* nobody left to read them */
    h->out_off = 0u;
    omp_hdlc_server_reset(&h->hdlc); /* ends the link: on_end */
    hand_back(m, h);
}

#else /* !OMP_CONFIG_DLMS: no DLMS on any port; the optical port keeps IEC 62056-21 */

uint8_t omp_meter_priv_port_assocs(enum omp_port port)
{
    (void)port;
    return 0u;
}

omp_err omp_meter_priv_hdlc_start(struct omp_meter *m)
{
    (void)m;
    return OMP_OK;
}

omp_err omp_meter_priv_hdlc_set(struct omp_meter *m, uint8_t attr, uint16_t value)
{
    (void)m;
    (void)attr;
    (void)value;
    return OMP_ERR_UNSUPPORTED;
}

omp_err omp_meter_priv_hdlc_rx(struct omp_meter *m, enum omp_port port, const uint8_t *data,
                               size_t len)
{
    return port == OMP_PORT_OPTICAL ? omp_meter_priv_optical_rx(m, data, len)
                                    : OMP_ERR_UNSUPPORTED;
}

void omp_meter_priv_hdlc_poll(struct omp_meter *m)
{
    (void)m;
}

void omp_meter_priv_hdlc_lost(struct omp_meter *m, enum omp_port port)
{
    (void)m;
    (void)port;
}

#endif /* OMP_CONFIG_DLMS */

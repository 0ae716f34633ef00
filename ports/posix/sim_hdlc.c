/*
 * omnipower-sim --hdlc pty|tcp:PORT: the meter's DLMS server (omp_meter_dlms_srv, dlms_server.h)
 * behind omp_hdlc_server (hdlc.h): HDLC frames of IEC 62056-46 as an OMNIPOWER answers them on its
 * module port (physical address 32, logical devices 1 and 16, max info field 1010, window 1,
 * inactivity 20 s and inter-octet 500 ms on the meter's simulated time). One client at a time.
 */
#include "omnipower/config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "omnipower/meter.h"
#include "omnipower/port_posix.h"

#include "sim_hdlc.h"

#define PROG "omnipower-sim"

#if OMP_CONFIG_DLMS
static omp_err hdlc_apdu(void *user, uint16_t client_sap, uint16_t server_sap, const uint8_t *req,
                         size_t len, struct omp_wr *out)
{
    struct sim_hdlc *h = user;
    return omp_meter_dlms_srv(h->meter, &h->dlms, client_sap, server_sap, req, len, out);
}

static void hdlc_end(void *user)
{
    struct sim_hdlc *h = user;
    omp_dlms_server_close(&h->dlms);
}

static int start_server(struct sim_hdlc *h)
{
    struct omp_dlms_server_cfg dc;
    omp_dlms_server_cfg_default(&dc);
    /* the module port's link: its LLS client 18, the public and management clients (technical
     * facts 11.1), as the meter's own module-port server has them */
    dc.assocs = (uint8_t)(OMP_ASSOC_PUBLIC | OMP_ASSOC_LLS_MODULE | OMP_ASSOC_HLS_MGMT);
    struct omp_hdlc_server_cfg hc;
    omp_hdlc_server_cfg_default(&hc);
    if (omp_dlms_server_init(&h->dlms, &dc) != OMP_OK ||
        omp_hdlc_server_init(&h->hdlc, &hc, h->rx_buf, sizeof h->rx_buf, h->tx_buf,
                             sizeof h->tx_buf, hdlc_apdu, hdlc_end, h) != OMP_OK) {
        (void)fprintf(stderr, PROG ": --hdlc: cannot start the HDLC server\n");
        return 1;
    }
    return 0;
}
#endif

int sim_hdlc_open(struct sim_hdlc *h, struct omp_meter *m, bool pty, uint16_t tcp_port)
{
    memset(h, 0, sizeof *h);
    omp_posix_port_init(&h->port);
    h->meter = m;
#if !OMP_CONFIG_DLMS
    (void)pty;
    (void)tcp_port;
    (void)fprintf(stderr, PROG ": --hdlc: this build has no DLMS (OMP_CONFIG_DLMS 0)\n");
    return 1;
#else
    if (start_server(h) != 0) {
        return 1;
    }
    omp_err err;
    if (pty) {
        char path[64] = "";
        err = omp_posix_port_open_pty(&h->port, OMP_PORT_MODULE, path, sizeof path);
    } else {
        uint16_t bound = 0;
        err = omp_posix_port_listen_tcp(&h->port, OMP_PORT_MODULE, tcp_port, &bound);
    }
    if (err != OMP_OK) {
        if (pty) {
            (void)fprintf(stderr, PROG ": --hdlc pty: cannot open a pseudo-terminal: %s\n",
                          err == OMP_ERR_HAL_IO ? strerror(errno) : omp_strerror(err));
        } else {
            (void)fprintf(stderr, PROG ": --hdlc tcp:%u: cannot listen on 127.0.0.1: %s\n",
                          (unsigned)tcp_port,
                          err == OMP_ERR_HAL_IO ? strerror(errno) : omp_strerror(err));
        }
        return 1;
    }
    h->open = true;
    return 0;
#endif
}

void sim_hdlc_announce(const struct sim_hdlc *h)
{
    if (!h->open) {
        return;
    }
    const struct omp_posix_byteport *bp = &h->port.ports[OMP_PORT_MODULE];
    if (bp->kind == OMP_POSIX_PORT_PTY) {
        (void)fprintf(stderr, "hdlc: pty %s\n", bp->pty_path);
    } else {
        (void)fprintf(stderr, "hdlc: tcp 127.0.0.1:%u\n", (unsigned)bp->tcp_port);
    }
    (void)fflush(stderr);
}

#if OMP_CONFIG_DLMS
/* Write all of @p n bytes; a slow peer gets up to a second, a closed one loses them. */
static void send_all(struct sim_hdlc *h, const uint8_t *b, size_t n)
{
    for (unsigned tries = 0; n > 0u && tries < 1000u; tries++) {
        size_t w = 0;
        const struct omp_hal hal = omp_posix_port_hal(&h->port);
        if (hal.ops->port_write(hal.user, OMP_PORT_MODULE, b, n, &w) != OMP_OK) {
            return;
        }
        b += w;
        n -= w;
        if (w == 0u) {
            const struct timespec ms = {0, 1000000L};
            (void)nanosleep(&ms, NULL);
        }
    }
}

struct rx_ctx {
    struct sim_hdlc *h;
    uint64_t now_ms;
};

static void hdlc_rx(void *user, enum omp_port port, const uint8_t *data, size_t len)
{
    static uint8_t out[4u * OMP_HDLC_SERVER_TX_ROOM(OMP_HDLC_SERVER_INFO_DEFAULT)];
    const struct rx_ctx *c = user;
    if (port != OMP_PORT_MODULE) {
        return;
    }
    struct omp_wr w = omp_wr_init(out, sizeof out);
    if (omp_hdlc_server_rx(&c->h->hdlc, data, len, c->now_ms, &w) != OMP_OK) {
        (void)fprintf(stderr, PROG ": warning: HDLC: a reply did not fit, not sent\n");
    }
    send_all(c->h, out, omp_wr_len(&w));
}

/* A TCP client gone (or gone and another came): the link and its association end. */
static void check_link(struct sim_hdlc *h)
{
    const struct omp_posix_byteport *bp = &h->port.ports[OMP_PORT_MODULE];
    if (bp->kind != OMP_POSIX_PORT_TCP) {
        return;
    }
    bool now = omp_posix_port_connected(&h->port, OMP_PORT_MODULE);
    if (now != h->connected || bp->accepted != h->accepted) {
        omp_hdlc_server_reset(&h->hdlc);
        h->connected = now;
        h->accepted = bp->accepted;
    }
}
#endif

void sim_hdlc_pump(struct sim_hdlc *h, uint64_t now_ms)
{
    if (!h->open) {
        return;
    }
#if OMP_CONFIG_DLMS
    struct rx_ctx c = {h, now_ms};
    for (unsigned k = 0; k < 16u; k++) {
        size_t got = 0;
        const omp_err err = omp_posix_port_pump(&h->port, 0, hdlc_rx, &c, &got);
        check_link(h);
        if (err != OMP_OK || got == 0u) {
            break;
        }
    }
    omp_hdlc_server_tick(&h->hdlc, now_ms);
#else
    (void)now_ms;
#endif
}

void sim_hdlc_close(struct sim_hdlc *h)
{
    if (h->open) {
        omp_posix_port_close(&h->port);
        h->open = false;
    }
}

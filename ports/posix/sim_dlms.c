/*
 * omnipower-sim --dlms tcp:PORT: the meter's DLMS server (omp_meter_dlms_srv, dlms_server.h)
 * behind the TCP wrapper of IEC 62056-47, as a module on the module port carries it. A request
 * frame carries the client SAP as its source wPort and the server SAP as its destination wPort;
 * the answer goes back with the two swapped. One client at a time (the posix port accepts one);
 * when it goes, the association ends.
 */
#include "omnipower/config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "omnipower/meter.h"
#include "omnipower/port_posix.h"
#include "omnipower/wrapper.h"

#include "sim_dlms.h"

#define PROG "omnipower-sim"

int sim_dlms_open(struct sim_dlms *d, uint16_t tcp_port)
{
    memset(d, 0, sizeof *d);
    omp_posix_port_init(&d->port);
#if !OMP_CONFIG_DLMS
    (void)fprintf(stderr, PROG ": --dlms tcp:%u: this build has no DLMS (OMP_CONFIG_DLMS 0)\n",
                  (unsigned)tcp_port);
    return 1;
#else
    struct omp_dlms_server_cfg c;
    omp_dlms_server_cfg_default(&c);
    /* the module port's associations (technical facts 11.1): public, LLS client 18, management */
    c.assocs = (uint8_t)(OMP_ASSOC_PUBLIC | OMP_ASSOC_LLS_MODULE | OMP_ASSOC_HLS_MGMT);
    omp_wrapper_rx_init(&d->rx);
    uint16_t bound = 0;
    omp_err err = omp_dlms_server_init(&d->dlms, &c);
    if (err == OMP_OK) {
        err = omp_posix_port_listen_tcp(&d->port, OMP_PORT_MODULE, tcp_port, &bound);
    }
    if (err != OMP_OK) {
        (void)fprintf(stderr, PROG ": --dlms tcp:%u: cannot listen on 127.0.0.1: %s\n",
                      (unsigned)tcp_port,
                      err == OMP_ERR_HAL_IO ? strerror(errno) : omp_strerror(err));
        return 1;
    }
    d->open = true;
    return 0;
#endif
}

void sim_dlms_announce(const struct sim_dlms *d)
{
    if (d->open) {
        (void)fprintf(stderr, "dlms: tcp 127.0.0.1:%u\n",
                      (unsigned)d->port.ports[OMP_PORT_MODULE].tcp_port);
        (void)fflush(stderr);
    }
}

#if OMP_CONFIG_DLMS
/* Write all of @p n bytes; a slow peer gets up to a second, a closed one loses them. */
static void send_all(struct sim_dlms *d, const uint8_t *b, size_t n)
{
    const struct omp_hal hal = omp_posix_port_hal(&d->port);
    for (unsigned tries = 0; n > 0u && tries < 1000u; tries++) {
        size_t w = 0;
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

static void answer(struct sim_dlms *d, struct omp_meter *m, const struct omp_wrapper_pdu *pdu)
{
    static uint8_t rsp[OMP_CONFIG_WRAPPER_MAX];
    static uint8_t frame[OMP_WRAPPER_HEADER_LEN + OMP_CONFIG_WRAPPER_MAX];
    struct omp_wr w = omp_wr_init(rsp, sizeof rsp);
    d->apdus++;
    omp_err err = omp_meter_dlms_srv(m, &d->dlms, pdu->src_wport, pdu->dst_wport, pdu->apdu,
                                     pdu->apdu_len, &w);
    if (err != OMP_OK || omp_wr_len(&w) == 0u) {
        if (err != OMP_OK) {
            (void)fprintf(stderr, PROG ": warning: DLMS request not answered: %s\n",
                          omp_err_name(err));
        }
        return;
    }
    struct omp_wr f = omp_wr_init(frame, sizeof frame);
    if (omp_wrapper_encode(pdu->dst_wport, pdu->src_wport, rsp, omp_wr_len(&w), &f) == OMP_OK) {
        send_all(d, frame, omp_wr_len(&f));
        d->answers++;
    }
}

/* A client gone (or gone and another came): its association ends. */
static void check_link(struct sim_dlms *d)
{
    bool now = omp_posix_port_connected(&d->port, OMP_PORT_MODULE);
    uint64_t accepted = d->port.ports[OMP_PORT_MODULE].accepted;
    if (now != d->connected || accepted != d->accepted) {
        omp_wrapper_rx_init(&d->rx);
        omp_dlms_server_close(&d->dlms);
        d->connected = now;
        d->accepted = accepted;
    }
}
struct rx_ctx {
    struct sim_dlms *d;
    struct omp_meter *m;
};

static void wrapper_rx(void *user, enum omp_port port, const uint8_t *data, size_t len)
{
    const struct rx_ctx *c = user;
    struct sim_dlms *d = c->d;
    if (port != OMP_PORT_MODULE) {
        return;
    }
    check_link(d); /* a client that replaced another starts without its association */
    while (len > 0u) {
        size_t used = 0;
        struct omp_wrapper_pdu pdu;
        omp_err err = omp_wrapper_rx_feed(&d->rx, data, len, &used, &pdu);
        data += used;
        len -= used;
        if (err == OMP_OK) {
            answer(d, c->m, &pdu);
        } else if (err == OMP_ERR_TRUNCATED) {
            return;
        } else {
            /* the stream cannot be resynchronised: start afresh, without the association */
            (void)fprintf(stderr, PROG ": warning: DLMS: bad wrapper frame (%s), dropped\n",
                          omp_err_name(err));
            omp_wrapper_rx_init(&d->rx);
            omp_dlms_server_close(&d->dlms);
            return;
        }
    }
}

#endif

void sim_dlms_pump(struct sim_dlms *d, struct omp_meter *m)
{
    if (!d->open) {
        return;
    }
#if OMP_CONFIG_DLMS
    struct rx_ctx c = {d, m};
    for (unsigned k = 0; k < 16u; k++) {
        size_t got = 0;
        const omp_err err = omp_posix_port_pump(&d->port, 0, wrapper_rx, &c, &got);
        check_link(d);
        if (err != OMP_OK || got == 0u) {
            break;
        }
    }
#else
    (void)m;
#endif
}

void sim_dlms_close(struct sim_dlms *d)
{
    if (d->open) {
        omp_posix_port_close(&d->port);
        d->open = false;
    }
}

/*
 * omnipower-sim --hdlc pty|tcp:PORT: the meter's module port as an OMNIPOWER answers it over
 * HDLC (IEC 62056-46): the meter's own HDLC server (omp_meter_on_rx on OMP_PORT_MODULE, replies
 * through the HAL's port_write; lib/meter/meter_hdlc.c): physical address 32 (or what HDLC setup
 * attribute 9 was set to), logical devices 1 and 16, max info field 1010, window 1, inactivity and
 * inter-octet timeouts on the meter's simulated time. One client at a time.
 */
#include "omnipower/config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "omnipower/meter.h"
#include "omnipower/port_posix.h"

#include "sim_hdlc.h"

#define PROG "omnipower-sim"

int sim_hdlc_open(struct sim_hdlc *h, struct omp_posix_port *p, bool pty, uint16_t tcp_port)
{
    memset(h, 0, sizeof *h);
#if !OMP_CONFIG_DLMS
    (void)p;
    (void)pty;
    (void)tcp_port;
    (void)fprintf(stderr, PROG ": --hdlc: this build has no DLMS (OMP_CONFIG_DLMS 0)\n");
    return 1;
#else
    omp_err err;
    if (pty) {
        char path[64] = "";
        err = omp_posix_port_open_pty(p, OMP_PORT_MODULE, path, sizeof path);
    } else {
        uint16_t bound = 0;
        err = omp_posix_port_listen_tcp(p, OMP_PORT_MODULE, tcp_port, &bound);
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

void sim_hdlc_announce(const struct sim_hdlc *h, const struct omp_posix_port *p)
{
    if (!h->open) {
        return;
    }
    const struct omp_posix_byteport *bp = &p->ports[OMP_PORT_MODULE];
    if (bp->kind == OMP_POSIX_PORT_PTY) {
        (void)fprintf(stderr, "hdlc: pty %s\n", bp->pty_path);
    } else {
        (void)fprintf(stderr, "hdlc: tcp 127.0.0.1:%u\n", (unsigned)bp->tcp_port);
    }
    (void)fflush(stderr);
}

void sim_hdlc_link(struct sim_hdlc *h, const struct omp_posix_port *p, struct omp_meter *m)
{
    const struct omp_posix_byteport *bp = &p->ports[OMP_PORT_MODULE];
    if (!h->open || bp->kind != OMP_POSIX_PORT_TCP) {
        return;
    }
    bool now = omp_posix_port_connected(p, OMP_PORT_MODULE);
    if (now != h->connected || bp->accepted != h->accepted) {
        omp_meter_link_lost(m, OMP_PORT_MODULE); /* the link and its association end */
        h->connected = now;
        h->accepted = bp->accepted;
    }
}

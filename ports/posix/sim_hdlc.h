/* omnipower-sim --hdlc pty|tcp:PORT: the meter's module port (OMP_PORT_MODULE of the simulator's
 * byte port) on a pseudo-terminal or a TCP socket of raw HDLC frames: the meter's own HDLC
 * server answers there (omp_meter_on_rx, lib/meter/meter_hdlc.c; docs/simulator.md "DLMS over
 * HDLC"). Private to the simulator (ports/posix). */
#ifndef OMNIPOWER_SIM_HDLC_H
#define OMNIPOWER_SIM_HDLC_H

#include <stdbool.h>
#include <stdint.h>

#include "omnipower/meter.h"
#include "omnipower/port_posix.h"

/** The module port's socket or pty in the simulator's byte port. */
struct sim_hdlc {
    bool open;         /**< --hdlc given and opened */
    bool connected;    /**< a TCP client was connected at the last look */
    uint64_t accepted; /**< TCP clients accepted then */
};

/** @brief Open --hdlc in @p p's module slot: @p pty, or a TCP server on 127.0.0.1:@p tcp_port
 *  (0: any free port). @return 0, or 1 after a message on stderr. */
int sim_hdlc_open(struct sim_hdlc *h, struct omp_posix_port *p, bool pty, uint16_t tcp_port);

/** @brief Print `hdlc: tcp 127.0.0.1:PORT` or `hdlc: pty /dev/pts/N` on stderr. */
void sim_hdlc_announce(const struct sim_hdlc *h, const struct omp_posix_port *p);

/** @brief After each pump: a TCP client gone (or gone and another came) ends the module port's
 *  link and association (omp_meter_link_lost). */
void sim_hdlc_link(struct sim_hdlc *h, const struct omp_posix_port *p, struct omp_meter *m);

#endif /* OMNIPOWER_SIM_HDLC_H */

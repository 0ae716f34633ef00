/* omnipower-sim: the meter's DLMS server on a TCP socket, IEC 62056-47 wrapper frames
 * (--dlms tcp:PORT; docs/simulator.md "DLMS"). Private to the simulator (ports/posix). */
#ifndef OMNIPOWER_SIM_DLMS_H
#define OMNIPOWER_SIM_DLMS_H

#include <stdbool.h>
#include <stdint.h>

#include "omnipower/meter.h"
#include "omnipower/port_posix.h"
#include "omnipower/wrapper.h"

/** The DLMS server's socket: the module port (OMP_PORT_MODULE) of the posix port. */
struct sim_dlms {
    bool open;                 /**< --dlms given and listening */
    bool connected;            /**< a client was connected at the last look */
    uint64_t accepted;         /**< clients the port had accepted then */
    struct omp_wrapper_rx rx;  /**< wrapper frames of the connected client */
    uint64_t apdus, answers;   /**< requests taken, responses sent */
};

/** @brief Listen on 127.0.0.1:@p tcp_port (0: any free port) for the module port.
 *  @return 0, or 1 after a message on stderr. */
int sim_dlms_open(struct sim_dlms *d, struct omp_posix_port *p, uint16_t tcp_port);

/** @brief Print `dlms: tcp 127.0.0.1:PORT` on stderr (what a client waits for). */
void sim_dlms_announce(const struct sim_dlms *d, const struct omp_posix_port *p);

/** @brief Bytes from the client: each complete wrapper frame's APDU goes to the meter's server,
 *  its answer back in a frame with the wPorts swapped. A frame the splitter refuses (another
 *  version, too long) drops the association and the bytes buffered. */
void sim_dlms_rx(struct sim_dlms *d, struct omp_meter *m, const struct omp_hal *hal,
                 const uint8_t *data, size_t len);

/** @brief After each pump: a client gone (or a new one) drops the association. */
void sim_dlms_link(struct sim_dlms *d, const struct omp_posix_port *p, struct omp_meter *m);

#endif /* OMNIPOWER_SIM_DLMS_H */

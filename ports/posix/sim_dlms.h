/* omnipower-sim: the meter's DLMS server on a TCP socket, IEC 62056-47 wrapper frames
 * (--dlms tcp:PORT; docs/simulator.md "DLMS"). Private to the simulator (ports/posix). */
#ifndef OMNIPOWER_SIM_DLMS_H
#define OMNIPOWER_SIM_DLMS_H

#include <stdbool.h>
#include <stdint.h>

#include "omnipower/dlms_server.h"
#include "omnipower/meter.h"
#include "omnipower/port_posix.h"
#include "omnipower/wrapper.h"

/**
 * The wrapper link: a module on the meter's module port (an IP or GSM module, technical facts
 * 11.2) that carries APDUs in TCP wrapper frames. Its own byte port (a second struct
 * omp_posix_port, only the module slot opened) and its own DLMS server (omp_meter_dlms_srv) with
 * the module port's associations, so it runs beside --hdlc, which is the meter's module port
 * itself.
 */
struct sim_dlms {
    bool open;                   /**< --dlms given and listening */
    bool connected;              /**< a client was connected at the last look */
    uint64_t accepted;           /**< clients the port had accepted then */
    struct omp_posix_port port;  /**< the wrapper's byte port (module slot only) */
    struct omp_dlms_server dlms; /**< the wrapper link's association */
    struct omp_wrapper_rx rx;    /**< wrapper frames of the connected client */
    uint64_t apdus, answers;     /**< requests taken, responses sent */
};

/** @brief Listen on 127.0.0.1:@p tcp_port (0: any free port). @return 0, or 1 after a message
 *  on stderr. */
int sim_dlms_open(struct sim_dlms *d, uint16_t tcp_port);

/** @brief Print `dlms: tcp 127.0.0.1:PORT` on stderr (what a client waits for). */
void sim_dlms_announce(const struct sim_dlms *d);

/** @brief Take the bytes waiting on the wrapper's port (no waiting): each complete wrapper
 *  frame's APDU goes to the meter, its answer back in a frame with the wPorts swapped. A frame the
 *  splitter refuses (another version, too long) drops the association and the bytes buffered; a
 *  client gone (or a new one) drops the association. */
void sim_dlms_pump(struct sim_dlms *d, struct omp_meter *m);

/** @brief Close the port (nothing if not open). */
void sim_dlms_close(struct sim_dlms *d);

#endif /* OMNIPOWER_SIM_DLMS_H */

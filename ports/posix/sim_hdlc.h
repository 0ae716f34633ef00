/* omnipower-sim --hdlc pty|tcp:PORT: the meter's DLMS server over HDLC (IEC 62056-46) as the
 * module port's HDLC, on a pseudo-terminal or a TCP socket of raw HDLC frames (docs/simulator.md
 * "DLMS over HDLC"). Private to the simulator (ports/posix). */
#ifndef OMNIPOWER_SIM_HDLC_H
#define OMNIPOWER_SIM_HDLC_H

#include <stdbool.h>
#include <stdint.h>

#include "omnipower/dlms_server.h"
#include "omnipower/hdlc.h"
#include "omnipower/meter.h"
#include "omnipower/port_posix.h"

/**
 * The HDLC link's own byte port and its own DLMS server: a second struct omp_posix_port of which
 * only the module slot (OMP_PORT_MODULE) is opened, so --hdlc runs beside --dlms (the wrapper
 * socket keeps the meter's module-port server, omp_meter_dlms) with an association of its own.
 */
struct sim_hdlc {
    bool open;                  /**< --hdlc given and opened */
    bool connected;             /**< a TCP client was connected at the last look */
    uint64_t accepted;          /**< TCP clients accepted then */
    struct omp_posix_port port; /**< the HDLC byte port (module slot only) */
    struct omp_meter *meter;
    struct omp_dlms_server dlms; /**< the HDLC link's association */
    struct omp_hdlc_server hdlc; /**< frames, link, segmentation, timeouts */
    uint8_t rx_buf[OMP_HDLC_LLC_LEN + OMP_DLMS_SERVER_PDU_DEFAULT];
    uint8_t tx_buf[OMP_HDLC_LLC_LEN + OMP_DLMS_SERVER_PDU_DEFAULT];
};

/** @brief Open --hdlc: @p pty, or a TCP server on 127.0.0.1:@p tcp_port (0: any free port).
 *  @return 0, or 1 after a message on stderr. */
int sim_hdlc_open(struct sim_hdlc *h, struct omp_meter *m, bool pty, uint16_t tcp_port);

/** @brief Print `hdlc: tcp 127.0.0.1:PORT` or `hdlc: pty /dev/pts/N` on stderr. */
void sim_hdlc_announce(const struct sim_hdlc *h);

/** @brief Take the bytes waiting on the HDLC port (no waiting) and answer them; run the HDLC
 *  timeouts at the meter's monotonic time @p now_ms; a TCP client gone ends the link. */
void sim_hdlc_pump(struct sim_hdlc *h, uint64_t now_ms);

/** @brief Close the port (nothing if not open). */
void sim_hdlc_close(struct sim_hdlc *h);

#endif /* OMNIPOWER_SIM_HDLC_H */

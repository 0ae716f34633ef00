/*
 * The meter's side of the DLMS server (dlms_server.h): one server per port, started with the
 * factory configuration, and the environment each call gets (the dictionary's view, the event
 * queue). The frames (HDLC, TCP wrapper) are the port's or the caller's; the meter takes APDUs.
 * The end of a port's link (omp_meter_link_lost) ends its association and, on the optical port,
 * the IEC 62056-21 session too.
 */
#include <string.h>

#include "omnipower/dlms_server.h"
#include "omnipower/meter.h"

#include "meter_priv.h"

omp_err omp_meter_priv_dlms_start(struct omp_meter *m)
{
    struct omp_dlms_server_cfg c;
    omp_dlms_server_cfg_default(&c); /* the LLS secret is kept in NVM with the next slice */
    omp_err err = OMP_OK;
    for (unsigned k = 0; k < (unsigned)OMP_PORT_COUNT && err == OMP_OK; k++) {
        err = omp_dlms_server_init(&m->dlms[k], &c);
    }
    return err;
}

omp_err omp_meter_dlms(struct omp_meter *m, enum omp_port port, uint16_t client_sap,
                       uint16_t server_sap, const uint8_t *req, size_t len, struct omp_wr *out)
{
    if (m == NULL || (unsigned)port >= (unsigned)OMP_PORT_COUNT) {
        return OMP_ERR_ARG;
    }
    return omp_meter_dlms_srv(m, &m->dlms[port], client_sap, server_sap, req, len, out);
}

omp_err omp_meter_dlms_srv(struct omp_meter *m, struct omp_dlms_server *srv, uint16_t client_sap,
                           uint16_t server_sap, const uint8_t *req, size_t len, struct omp_wr *out)
{
    if (m == NULL || srv == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_cosem_src src;
    omp_meter_priv_src(m, &src);
    struct omp_dlms_server_env e = {&src, &m->events, omp_meter_load_profile(m),
                                    omp_meter_analysis_log(m), omp_meter_billing_log(m), {NULL}};
    for (unsigned k = 0; k < (unsigned)OMP_EVLOG_COUNT; k++) {
        e.evlog[k] = omp_meter_event_log(m, (enum omp_evlog_kind)k);
    }
    return omp_dlms_server_apdu(srv, &e, client_sap, server_sap, req, len, out);
}

void omp_meter_dlms_close(struct omp_meter *m, enum omp_port port)
{
    if (m != NULL && (unsigned)port < (unsigned)OMP_PORT_COUNT) {
        omp_dlms_server_close(&m->dlms[port]);
    }
}

void omp_meter_link_lost(struct omp_meter *m, enum omp_port port)
{
    if (m == NULL || (unsigned)port >= (unsigned)OMP_PORT_COUNT) {
        return;
    }
    if (port == OMP_PORT_OPTICAL) {
        omp_meter_priv_optical_lost(m);
    }
    omp_dlms_server_close(&m->dlms[port]);
}

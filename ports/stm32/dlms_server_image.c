/**
 * @file dlms_server_image.c
 * @brief omnipower-stm32-dlms-server(-wrapper): the DLMS server stack linked as a meter's firmware
 * links it, for bench/size-report.sh --server-stack (issue #14: flash and RAM of the server). Only
 * linked, never run: its main() is a firmware's main loop over two byte "ports" (volatile buffers
 * an interrupt would fill), nothing more.
 *
 * What it links (Cortex-M4F, -Os, --gc-sections): omp_dlms_server_apdu behind the TCP wrapper
 * (omp_wrapper_rx_feed / omp_wrapper_encode) and, unless OMP_IMAGE_WRAPPER_ONLY, behind
 * omp_hdlc_server on a second port; every server feature is reachable through the call's env:
 * GET/SET/ACTION (normal, with list, blocks), the profiles (load profile, analysis logger, billing
 * log, event logs) and the management association (HLS-GMAC, suite 0) with the security env. The
 * AES-GCM, entropy and key unwrap are the HAL's (here stubs: the port's crypto is not the
 * library's). The dictionary is the fake one of the host tests (tests/dlms_src.h). No client
 * helper (omp_dlms_client_*, omp_dlms_blocks_*) is called.
 *
 * RAM: the static objects below are named so that size-report reads their sizes from the ELF's
 * symbols (per association: ram_dlms_*; per port: ram_hdlc, ram_hdlc_rx, ram_hdlc_tx, ram_hdlc_out,
 * ram_wrap_rx, ram_wrap_apdu, ram_wrap_out; shared: ram_sec).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "omnipower/omnipower.h"

#include "../../tests/dlms_src.h"

/* ---- the HAL's crypto (stubs: AES is the HAL's, not counted) -------------------------------- */

static omp_err hal_gcm(void *user, const struct omp_gcm_op *op)
{
    (void)user;
    (void)op;
    return OMP_ERR_UNSUPPORTED;
}

static omp_err hal_entropy(void *user, uint8_t *dst, size_t len)
{
    (void)user;
    memset(dst, 0x5A, len);
    return OMP_OK;
}

static omp_err hal_key_unwrap(void *user, uint8_t key_slot, const uint8_t *wrapped, size_t len)
{
    (void)user;
    (void)key_slot;
    (void)wrapped;
    (void)len;
    return OMP_ERR_UNSUPPORTED;
}

/* ---- the meter's state the server reads ------------------------------------------------------ */

static struct dlms_src_state src_state;
static struct omp_cosem_src src;
static struct omp_evq events;
static struct omp_profile lp, an;
static struct omp_nvm_log billing;
static struct omp_evlog evlogs[OMP_EVLOG_COUNT];
struct omp_dlms_server_env ram_env; /* the call's env (a firmware builds it on the stack) */

/* RAM: shared by every port's server */
struct omp_dlms_sec ram_sec;

/* RAM per port: the wrapper port (TCP) */
struct omp_dlms_server ram_dlms_wrap;               /* its association */
struct omp_wrapper_rx ram_wrap_rx;                  /* the request being received */
uint8_t ram_wrap_apdu[OMP_DLMS_SERVER_PDU_DEFAULT]; /* the response APDU */
uint8_t ram_wrap_out[OMP_WRAPPER_HEADER_LEN + OMP_DLMS_SERVER_PDU_DEFAULT]; /* framed */

#ifndef OMP_IMAGE_WRAPPER_ONLY
/* RAM per port: an HDLC port (optical, module or CCC) */
struct omp_dlms_server ram_dlms_hdlc;
struct omp_hdlc_server ram_hdlc;
uint8_t ram_hdlc_rx[OMP_HDLC_LLC_LEN + OMP_DLMS_SERVER_PDU_DEFAULT];
uint8_t ram_hdlc_tx[OMP_HDLC_LLC_LEN + OMP_DLMS_SERVER_PDU_DEFAULT];
uint8_t ram_hdlc_out[OMP_HDLC_SERVER_TX_ROOM(OMP_HDLC_SERVER_INFO_DEFAULT)];
#endif

/* The ports: bytes an interrupt handler would put here, and the monotonic milliseconds. */
volatile uint8_t port_in[2][64];
volatile size_t port_len[2];
volatile uint32_t port_ms;
volatile size_t port_sent;

static void port_send(const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        port_sent += data[i];
    }
}

static size_t port_take(unsigned port, uint8_t *dst)
{
    size_t n = port_len[port];
    if (n > sizeof port_in[port]) {
        n = sizeof port_in[port];
    }
    for (size_t i = 0; i < n; i++) {
        dst[i] = port_in[port][i];
    }
    port_len[port] = 0;
    return n;
}

static void serve_wrapper(const uint8_t *in, size_t len)
{
    while (len > 0u) {
        size_t used = 0;
        struct omp_wrapper_pdu pdu;
        omp_err err = omp_wrapper_rx_feed(&ram_wrap_rx, in, len, &used, &pdu);
        in += used;
        len -= used;
        if (err == OMP_ERR_TRUNCATED) {
            break;
        }
        if (err != OMP_OK) {
            omp_dlms_server_close(&ram_dlms_wrap);
            omp_wrapper_rx_init(&ram_wrap_rx);
            break;
        }
        struct omp_wr a = omp_wr_init(ram_wrap_apdu, sizeof ram_wrap_apdu);
        if (omp_dlms_server_apdu(&ram_dlms_wrap, &ram_env, pdu.src_wport, pdu.dst_wport, pdu.apdu,
                                 pdu.apdu_len, &a) != OMP_OK ||
            omp_wr_len(&a) == 0u) {
            continue;
        }
        struct omp_wr o = omp_wr_init(ram_wrap_out, sizeof ram_wrap_out);
        if (omp_wrapper_encode(pdu.dst_wport, pdu.src_wport, ram_wrap_apdu, omp_wr_len(&a), &o) ==
            OMP_OK) {
            port_send(ram_wrap_out, omp_wr_len(&o));
        }
    }
}

#ifndef OMP_IMAGE_WRAPPER_ONLY
static omp_err hdlc_apdu(void *user, uint16_t client_sap, uint16_t server_sap, const uint8_t *req,
                         size_t len, struct omp_wr *out)
{
    (void)user;
    return omp_dlms_server_apdu(&ram_dlms_hdlc, &ram_env, client_sap, server_sap, req, len, out);
}

static void hdlc_end(void *user)
{
    (void)user;
    omp_dlms_server_close(&ram_dlms_hdlc);
}

static void serve_hdlc(const uint8_t *in, size_t len, uint64_t now_ms)
{
    struct omp_wr w = omp_wr_init(ram_hdlc_out, sizeof ram_hdlc_out);
    if (omp_hdlc_server_rx(&ram_hdlc, in, len, now_ms, &w) != OMP_OK) {
        port_sent = 0u; /* a reply did not fit: that frame is not answered */
    }
    port_send(ram_hdlc_out, omp_wr_len(&w));
    omp_hdlc_server_tick(&ram_hdlc, now_ms);
}
#endif

static int setup(void)
{
    dlms_src_fill(&src_state, &src);
    ram_env.src = &src;
    ram_env.events = &events;
    ram_env.lp = &lp;
    ram_env.an = &an;
    ram_env.billing = &billing;
    for (unsigned k = 0; k < OMP_EVLOG_COUNT; k++) {
        ram_env.evlog[k] = &evlogs[k];
    }
    ram_sec.gcm = hal_gcm;
    ram_sec.entropy = hal_entropy;
    ram_sec.key_unwrap = hal_key_unwrap;
    memcpy(ram_sec.system_title, "KAME", 4);
    ram_sec.ic_limit = 64u;
    ram_env.sec = &ram_sec;

    struct omp_dlms_server_cfg dc;
    omp_dlms_server_cfg_default(&dc);
    if (omp_dlms_server_init(&ram_dlms_wrap, &dc) != OMP_OK) {
        return -1;
    }
    omp_wrapper_rx_init(&ram_wrap_rx);
#ifndef OMP_IMAGE_WRAPPER_ONLY
    struct omp_hdlc_server_cfg hc;
    omp_hdlc_server_cfg_default(&hc);
    if (omp_dlms_server_init(&ram_dlms_hdlc, &dc) != OMP_OK ||
        omp_hdlc_server_init(&ram_hdlc, &hc, ram_hdlc_rx, sizeof ram_hdlc_rx, ram_hdlc_tx,
                             sizeof ram_hdlc_tx, hdlc_apdu, hdlc_end, NULL) != OMP_OK) {
        return -1;
    }
#endif
    return 0;
}

void omp_stm32_fault(uint32_t ipsr);
void omp_stm32_fault(uint32_t ipsr)
{
    (void)ipsr;
    for (;;) {
    }
}

int main(void)
{
    if (setup() != 0) {
        return 1;
    }
    uint8_t in[64];
    for (;;) {
        size_t n = port_take(0, in);
        serve_wrapper(in, n);
#ifndef OMP_IMAGE_WRAPPER_ONLY
        n = port_take(1, in);
        serve_hdlc(in, n, port_ms);
#endif
    }
}

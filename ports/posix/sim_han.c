/*
 * omnipower-sim --han pty|tcp:PORT: the CCC port (OMP_PORT_HAN) of the posix port carries the
 * meter's HAN push frames (push.h), written by the meter's poll. The port is push-only: bytes a
 * reader sends are dropped unanswered (HAN p.17).
 */
#include "omnipower/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "omnipower/push.h"

#include "sim_han.h"

#define PROG "omnipower-sim"

void sim_han_usage(FILE *f)
{
    (void)fputs(
        "  --han pty|tcp:PORT  HAN push on the CCC port, on a pseudo-terminal or a TCP server on\n"
        "                  127.0.0.1:PORT (0: any free port); prints 'han: pty /dev/pts/N' or\n"
        "                  'han: tcp 127.0.0.1:PORT' on stderr. The meter pushes HDLC UI frames\n"
        "                  (data-notification, Kamstrup lists) and answers nothing on the port.\n"
        "  --han-list nve|nve1|nve2|dk  the list(s): nve = NVE list 1 every 10 s and list 2\n"
        "                  hourly at hh:00:05 (what push on without a list choice sends), nve1 or\n"
        "                  nve2 alone, dk = the Danish list every 10 s, none = push off: the\n"
        "                  port answers DLMS over HDLC (client 20, 16, 1). Default: nve.\n"
        "  --han-encrypt   cipher the pushes (suite 0, general-glo-ciphering, SC 0x30) with the\n"
        "                  HAN keys (default: the test keys of docs/han.md).\n",
        f);
}

bool sim_han_option(struct sim_han_opts *h, int which, const char *arg, char *why, size_t cap)
{
    uint32_t v = 0;
    char *end = NULL;
    switch (which) {
    case 0:
        if (strcmp(arg, "pty") == 0) {
            h->kind = SIM_HAN_PTY;
            return true;
        }
        if (strncmp(arg, "tcp:", 4u) == 0 && arg[4] >= '0' && arg[4] <= '9') {
            errno = 0;
            unsigned long u = strtoul(arg + 4, &end, 10);
            v = (uint32_t)u;
            if (errno == 0 && *end == '\0' && u <= 65535u) {
                h->kind = SIM_HAN_TCP;
                h->tcp_port = (uint16_t)v;
                return true;
            }
        }
        (void)snprintf(why, cap, "invalid --han '%s' (pty, or tcp:PORT with PORT 0..65535)", arg);
        return false;
    case 1: {
        static const struct {
            const char *name;
            uint8_t lists;
        } k[] = {{"nve", OMP_PUSH_NVE},
                 {"nve1", OMP_PUSH_BIT(OMP_PUSH_NVE1)},
                 {"nve2", OMP_PUSH_BIT(OMP_PUSH_NVE2)},
                 {"dk", OMP_PUSH_BIT(OMP_PUSH_DK)}};
        for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
            if (strcmp(arg, k[i].name) == 0) {
                h->lists = k[i].lists;
                h->off = false;
                return true;
            }
        }
        if (strcmp(arg, "none") == 0) {
            h->lists = 0u;
            h->off = true;
            return true;
        }
        (void)snprintf(why, cap, "invalid --han-list '%s' (nve, nve1, nve2, dk or none)", arg);
        return false;
    }
    default:
        h->encrypt = true;
        return true;
    }
}

bool sim_han_check(const struct sim_han_opts *h, char *why, size_t cap)
{
    if (h->kind == SIM_HAN_NONE && (h->lists != 0u || h->off || h->encrypt)) {
        (void)snprintf(why, cap, "--han-list and --han-encrypt need --han");
        return false;
    }
    if (h->off && h->encrypt) {
        (void)snprintf(why, cap, "--han-encrypt needs push on (not --han-list none)");
        return false;
    }
#if !OMP_CONFIG_DLMS
    if (h->kind != SIM_HAN_NONE) {
        (void)snprintf(why, cap, "--han: this build has no DLMS (OMP_CONFIG_DLMS 0)");
        return false;
    }
#endif
    return true;
}

void sim_han_cfg(const struct sim_han_opts *h, struct omp_meter_cfg *cfg)
{
    if (h->kind == SIM_HAN_NONE) {
        return;
    }
    cfg->han_push.lists = h->off ? 0u : h->lists != 0u ? h->lists : (uint8_t)OMP_PUSH_NVE;
    cfg->han_push.encrypt = h->encrypt;
}

/* The HAN keys into the port's key store. */
int sim_han_open(const struct sim_han_opts *h, struct omp_posix_port *p)
{
    omp_err err = OMP_OK;
    if (h->kind == SIM_HAN_PTY) {
        char path[64] = "";
        err = omp_posix_port_open_pty(p, OMP_PORT_HAN, path, sizeof path);
    } else if (h->kind == SIM_HAN_TCP) {
        uint16_t bound = 0;
        err = omp_posix_port_listen_tcp(p, OMP_PORT_HAN, h->tcp_port, &bound);
    } else {
        return 0;
    }
    if (err != OMP_OK) {
        (void)fprintf(stderr, PROG ": --han: cannot open the port: %s\n",
                      err == OMP_ERR_HAL_IO ? strerror(errno) : omp_strerror(err));
        return 1;
    }
    return 0; /* the HAN keys come with the others (sim_secrets_apply, --secrets) */
}

void sim_han_announce(const struct sim_han_opts *h, const struct omp_posix_port *p)
{
    const struct omp_posix_byteport *bp = &p->ports[OMP_PORT_HAN];
    if (h->kind == SIM_HAN_NONE) {
        return;
    }
    if (bp->kind == OMP_POSIX_PORT_PTY) {
        (void)fprintf(stderr, "han: pty %s\n", bp->pty_path);
    } else if (bp->kind == OMP_POSIX_PORT_TCP) {
        (void)fprintf(stderr, "han: tcp 127.0.0.1:%u\n", (unsigned)bp->tcp_port);
    }
    (void)fflush(stderr);
}

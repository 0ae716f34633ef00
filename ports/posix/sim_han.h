/* omnipower-sim: the meter's HAN push on the CCC port (--han pty|tcp:PORT, --han-list,
 * --han-encrypt; docs/simulator.md "HAN push", docs/han.md). Private to the simulator. */
#ifndef OMNIPOWER_SIM_HAN_H
#define OMNIPOWER_SIM_HAN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "omnipower/meter.h"
#include "omnipower/port_posix.h"

enum sim_han_kind { SIM_HAN_NONE = 0, SIM_HAN_PTY, SIM_HAN_TCP };

/** The options. */
struct sim_han_opts {
    enum sim_han_kind kind;
    uint16_t tcp_port; /**< 0: ephemeral */
    uint8_t lists;     /**< OMP_PUSH_BIT()s; 0 until --han-list: then both NVE lists */
    bool encrypt;      /**< --han-encrypt */
    bool off;          /**< --han-list none: push off, the port answers DLMS over HDLC */
};

/** @brief The lines of --help. */
void sim_han_usage(FILE *f);

/** @brief Take --han (@p which 0), --han-list (1) or --han-encrypt (2) with @p arg.
 *  @return true, or false after writing the reason to @p why. */
bool sim_han_option(struct sim_han_opts *h, int which, const char *arg, char *why, size_t cap);

/** @brief Check the options together. @return true, or false with the reason in @p why. */
bool sim_han_check(const struct sim_han_opts *h, char *why, size_t cap);

/** @brief Push on in the meter's configuration when --han was given. */
void sim_han_cfg(const struct sim_han_opts *h, struct omp_meter_cfg *cfg);

/** @brief Open the CCC port as --han says and, with --han-encrypt, store the HAN keys.
 *  @return 0, or 1 after a message on stderr. */
int sim_han_open(const struct sim_han_opts *h, struct omp_posix_port *p);

/** @brief Print `han: tcp 127.0.0.1:PORT` or `han: pty /dev/pts/N` on stderr. */
void sim_han_announce(const struct sim_han_opts *h, const struct omp_posix_port *p);

#endif /* OMNIPOWER_SIM_HAN_H */

/* omnipower-sim: the meter's secrets (--secrets FILE; docs/simulator.md "Secrets"): the LLS
 * password and the DLMS and HAN keys, with the published test values as defaults. Private to the
 * simulator (ports/posix). */
#ifndef OMNIPOWER_SIM_SECRETS_H
#define OMNIPOWER_SIM_SECRETS_H

#include <stddef.h>
#include <stdint.h>

#include "omnipower/dlms_server.h"
#include "omnipower/port_posix.h"

#define SIM_KEY_LEN 16u

/** @brief The secrets a simulated meter starts with. */
struct sim_secrets {
    uint8_t lls_password[OMP_DLMS_LLS_SECRET_MAX]; /**< LLS (Association LN attribute 7) */
    uint8_t lls_len;                               /**< 1..OMP_DLMS_LLS_SECRET_MAX */
    uint8_t guek[SIM_KEY_LEN];                     /**< DLMS global unicast encryption key */
    uint8_t gbek[SIM_KEY_LEN];                     /**< DLMS global broadcast encryption key */
    uint8_t gak[SIM_KEY_LEN];                      /**< DLMS authentication key */
    uint8_t kek[SIM_KEY_LEN];    /**< DLMS master key (unwraps transferred keys) */
    uint8_t han_ek[SIM_KEY_LEN]; /**< HAN push encryption key */
    uint8_t han_ak[SIM_KEY_LEN]; /**< HAN push authentication key */
};

/** @brief The defaults: LLS "12345"; GUEK, GBEK, KEK and HAN EK 000102..0F; GAK and HAN AK
 *  D0D1..DF (the Green Book's test keys). */
void sim_secrets_default(struct sim_secrets *s);

/**
 * @brief Read @p path over the defaults already in @p s: lines `name = value`, '#' comments and
 * blank lines; names lls_password (text, 1..16 bytes, no spaces), guek, gbek, gak, kek, han_ek,
 * han_ak (32 hex digits). Each name at most once.
 * @return 0, or 1 after writing "FILE:LINE: what" to @p err (never key digits); @p s is then
 *         unspecified.
 */
int sim_secrets_load(struct sim_secrets *s, const char *path, char *err, size_t errcap);

/** @brief Store the DLMS keys in the port's key slots (GUEK, GBEK, GAK, KEK).
 *  @return OMP_OK or the first error of key_store. */
omp_err sim_secrets_apply(const struct sim_secrets *s, struct omp_posix_port *p);

#endif /* OMNIPOWER_SIM_SECRETS_H */

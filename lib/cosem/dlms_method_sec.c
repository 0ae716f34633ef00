/*
 * Methods of the security objects that reach the ACTION dispatch (dlms_set.c routes every such
 * method here): Association LN 0.0.40.0.0.255 (class 15) and the security setup (class 64).
 * The management association's reply_to_HLS_authentication, security_activate and
 * global_key_transfer are taken before the dispatch, as ciphered ACTION-request-normal
 * (dlms_sec.c); what comes here (an LLS or public association, or another ACTION form: with list,
 * in parameter blocks) is refused with read-write-denied, as the object list's method_access
 * shows.
 */
#include "omnipower/config.h"

#if OMP_CONFIG_DLMS

#include "dlms_priv.h"

uint8_t omp_dlms_priv_security_method(struct omp_dlms_server *srv,
                                      const struct omp_dlms_server_env *env,
                                      const struct omp_apdu_desc *m, const uint8_t *params,
                                      size_t len, struct omp_wr *ret, bool *has_ret)
{
    (void)srv;
    (void)env;
    (void)params;
    (void)len;
    (void)ret;
    *has_ret = false;
    (void)m;
    return OMP_ACTION_READ_WRITE_DENIED;
}

#else
typedef int omp_dlms_method_sec_unused; /* ISO C forbids an empty translation unit */
#endif /* OMP_CONFIG_DLMS */

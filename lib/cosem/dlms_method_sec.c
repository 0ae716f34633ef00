/*
 * Methods of the security objects for the DLMS server (dlms_priv.h): Association LN
 * 0.0.40.0.0.255 (class 15) methods and the security setup objects (class 64). This slice has
 * LLS only (technical facts 11.4): reply_to_HLS_authentication and the other class 15 methods
 * are refused with read-write-denied, and there is no security setup object (object-undefined).
 * HLS-GMAC plugs its handlers in here; dlms_set.c routes every such method to this one function.
 */
#include "omnipower/config.h"

#if OMP_CONFIG_DLMS

#include "dlms_priv.h"

#define CLASS_SECURITY_SETUP 64u

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
    return m->class_id == CLASS_SECURITY_SETUP ? (uint8_t)OMP_ACTION_OBJECT_UNDEFINED
                                               : (uint8_t)OMP_ACTION_READ_WRITE_DENIED;
}

#else
typedef int omp_dlms_method_sec_unused; /* ISO C forbids an empty translation unit */
#endif /* OMP_CONFIG_DLMS */

/* Private interface of the object model: the table (cosem_table.c) for the lookups (cosem.c). */
#ifndef OMNIPOWER_COSEM_PRIV_H
#define OMNIPOWER_COSEM_PRIV_H

#include <stddef.h>

#include "omnipower/cosem.h"

extern const struct omp_cosem_obj omp_cosem_priv_table[];
extern const size_t omp_cosem_priv_table_len;

/* ---- communication setup objects (cosem_setup.c) ---------------------------------------------- */

#include "omnipower/config.h"

omp_err omp_cosem_priv_get_sap(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                               uint8_t attr, struct omp_value *out);
omp_err omp_cosem_priv_get_ldn(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                               uint8_t attr, struct omp_value *out);
omp_err omp_cosem_priv_get_hdlc(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                                uint8_t attr, struct omp_value *out);
omp_err omp_cosem_priv_set_hdlc(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                                uint8_t attr, const struct omp_value *v);
omp_err omp_cosem_priv_get_local_port(const struct omp_cosem_src *s,
                                      const struct omp_cosem_obj *o, uint8_t attr,
                                      struct omp_value *out);
omp_err omp_cosem_priv_get_push(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                                uint8_t attr, struct omp_value *out);
omp_err omp_cosem_priv_get_security(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                                    uint8_t attr, struct omp_value *out);

/* Read rights (technical facts 11.1: the public association reads HDLC setup and SAP
 * assignment; the full list the rest; the security setup only the management association). */
#define OMP_COSEM_SETUP_R_PUB (OMP_ASSOC_FULL | OMP_ASSOC_PUBLIC)
#define OMP_COSEM_SETUP_ROW(c, d, e, cls, ver, rd, get) \
    {{0u, 0u, c, d, e, 255u}, cls, ver, rd, 0u, 0u, 0u, 0u, 0, 0u, get, NULL}
#if OMP_CONFIG_DLMS && OMP_CONFIG_IEC21
#define OMP_COSEM_SETUP_ROW_LOCAL_PORT                                                           \
    OMP_COSEM_SETUP_ROW(20u, 0u, 0u, OMP_CLASS_IEC_LOCAL_PORT, 1u, OMP_ASSOC_FULL,              \
                        omp_cosem_priv_get_local_port),
#else
#define OMP_COSEM_SETUP_ROW_LOCAL_PORT
#endif
/* IEC HDLC setup: attributes 7..9 (inter-octet and inactivity timeouts, device address) RW in
 * the LLS and management associations; 3..6 read-only (technical facts 11.2: "from OMNIPOWER M1,
 * attrs 3-6 are read-only"). */
#define OMP_COSEM_SETUP_ROW_HDLC                                                                 \
    {{0u, 0u, 22u, 0u, 0u, 255u}, OMP_CLASS_IEC_HDLC, 1u, OMP_COSEM_SETUP_R_PUB,                \
     OMP_ASSOC_LLS | OMP_ASSOC_HLS_MGMT, (1u << 7) | (1u << 8) | (1u << 9), 0u, 0u, 0, 0u,       \
     omp_cosem_priv_get_hdlc, omp_cosem_priv_set_hdlc},
/* The rows, read-only but HDLC setup's. At the end of the table (cosem_table.c). */
#if OMP_CONFIG_DLMS
#define OMP_COSEM_SETUP_ROWS                                                                     \
    OMP_COSEM_SETUP_ROW(41u, 0u, 0u, OMP_CLASS_SAP_ASSIGNMENT, 0u, OMP_COSEM_SETUP_R_PUB,       \
                        omp_cosem_priv_get_sap),                                                 \
    OMP_COSEM_SETUP_ROW(42u, 0u, 0u, OMP_CLASS_DATA, 0u, OMP_ASSOC_FULL,                        \
                        omp_cosem_priv_get_ldn),                                                 \
    OMP_COSEM_SETUP_ROW_HDLC                                                                     \
    OMP_COSEM_SETUP_ROW_LOCAL_PORT                                                               \
    OMP_COSEM_SETUP_ROW(25u, 9u, 0u, OMP_CLASS_PUSH_SETUP, 0u, OMP_ASSOC_FULL,                  \
                        omp_cosem_priv_get_push),                                                \
    OMP_COSEM_SETUP_ROW(43u, 0u, 0u, OMP_CLASS_SECURITY_SETUP, 0u,                               \
                        OMP_ASSOC_HLS_MGMT | OMP_ASSOC_LOCAL, omp_cosem_priv_get_security),
#else
#define OMP_COSEM_SETUP_ROWS
#endif

/* ---- calendar objects (cosem_calendar.c): classes 11 and 20 ---- */
struct omp_wr;
/* Whether attribute @p attr of @p o is a structure or array encoded by cosem_calendar.c. */
bool omp_cosem_priv_cal_axdr(const struct omp_cosem_obj *o, uint8_t attr);
/* Write such an attribute's A-XDR Data to @p w. */
omp_err omp_cosem_priv_cal_put(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                               uint8_t attr, struct omp_wr *w);
/* Write a structured attribute (7, 8, 9 of the activity calendar) from its Data at @p p
 * (rights already checked): OMP_OK, OMP_ERR_MALFORMED, OMP_ERR_RANGE, or the op's error. */
omp_err omp_cosem_priv_cal_write(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                                 uint8_t attr, const uint8_t *p, size_t n);
/* The rows' getter and setter (attribute 10). */
omp_err omp_cosem_priv_cal_get(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                               uint8_t attr, struct omp_value *out);
omp_err omp_cosem_priv_cal_set(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                               uint8_t attr, const struct omp_value *v);

/* ---- demand registers and register monitor (cosem_demand.c): classes 5 and 21 ---- */

/* Which block demand a demand register shows (its row's arg). */
enum { OMP_COSEM_DM_A_PLUS, OMP_COSEM_DM_R_PLUS, OMP_COSEM_DM_E_PLUS, OMP_COSEM_DM_E_MINUS };
omp_err omp_cosem_priv_get_demand(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                                  uint8_t attr, struct omp_value *out);
omp_err omp_cosem_priv_get_monitor(const struct omp_cosem_src *s, const struct omp_cosem_obj *o,
                                   uint8_t attr, struct omp_value *out);

#endif /* OMNIPOWER_COSEM_PRIV_H */

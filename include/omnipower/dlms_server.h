/**
 * @file dlms_server.h
 * @brief The meter's DLMS/COSEM server engine (module `cosem`): associations and GET on the data
 * dictionary, over the xDLMS codecs (apdu.h, axdr.h). One struct omp_dlms_server per port.
 *
 * The engine takes one request APDU (already out of its HDLC or TCP-wrapper frame, with the
 * client and server SAPs the frame carried) and writes the response APDU. It keeps the port's
 * association and its GET block transfer; what it needs of the meter (the dictionary's view, the
 * event queue) comes in an omp_dlms_server_env on each call, as for the optical port (optical.h).
 *
 * What it answers (issue #14, docs/dlms-server.md): the public client 16 -> server SAP 1 (no
 * authentication) and LLS clients 18/19/20 -> server SAP 16, RLRQ, GET normal, with list and with
 * block transfer (object_list, profile buffers, long GET-with-list answers; service-specific, or
 * general block transfer where negotiated: docs/dlms-server.md "General block transfer"), Association LN 0.0.40.0.0.255, the dictionary's
 * objects, and the profiles (class 7: load profile, analysis logger, billing log, event logs;
 * selective access by entry and by time; docs/dlms-server.md "Profiles").
 * The LLS associations also get SET (normal, with list, with block transfer) and ACTION (normal,
 * with list) on the dictionary's access rights, and write the LLS secret (Association LN attribute
 * 7) through the source's ops (docs/dlms-server.md "SET and ACTION").
 * The management association (client 1 -> SAP 16: HLS-GMAC, security suite 0, ciphered GET and
 * ACTION, the security setup object; docs/dlms-server.md "Security") when the call's env has a
 * struct omp_dlms_sec.
 *
 * RAM: sizeof(struct omp_dlms_server) per port (296 bytes on x86-64 and Cortex-M4) plus under
 * 1.5 KB of stack during a call; the object list is generated block by block from the table, a
 * profile's buffer row by row from its log with one cursor per block, resumed from a 16-byte mark
 * (omp_plog_mark), never held whole.
 * Needs OMP_CONFIG_DLMS (without it omp_dlms_server_apdu answers OMP_ERR_UNSUPPORTED).
 */
#ifndef OMNIPOWER_DLMS_SERVER_H
#define OMNIPOWER_DLMS_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omnipower/core.h"
#include "omnipower/cosem.h"
#include "omnipower/apdu.h"
#include "omnipower/evq.h"
#include "omnipower/logger.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest LLS secret (Association LN attribute 7) kept. */
#define OMP_DLMS_LLS_SECRET_MAX 16u
/** Smallest client-max-receive-pdu-size accepted: every answer but the object list fits in it. */
#define OMP_DLMS_SERVER_PDU_MIN 64u
/** Longest attribute value a SET in blocks may carry: the server keeps the value's bytes until the
 *  last block: the longest writable value, the LLS secret, is 18 bytes encoded. */
#define OMP_DLMS_SET_BLOCK_MAX 20u
/** Longest request APDU the server reassembles from general-block-transfer blocks (GBT, Green
 *  Book 9.3.x; docs/dlms-server.md "General block transfer"): a longer one is refused with an
 *  EXCEPTION-response pdu-too-long. Also the longest item list of a GET-with-list whose answer
 *  goes in blocks (the items are kept until the last block). At most 255. */
#ifndef OMP_DLMS_GBT_RX_MAX
#define OMP_DLMS_GBT_RX_MAX 64u
#endif
/** Default server-max-receive-pdu-size (HDLC max info field of an OMNIPOWER, technical facts
 *  11.2). */
#define OMP_DLMS_SERVER_PDU_DEFAULT 1010u

/** SAPs of the associations (technical facts 11.1). */
#define OMP_DLMS_SAP_MGMT_LD 1u        /**< server: management logical device (public) */
#define OMP_DLMS_SAP_LD 16u            /**< server: the logical device of the LLS associations */
#define OMP_DLMS_CLIENT_HLS 1u         /**< management client (HLS-GMAC, suite 0: dlms_sec.c) */
#define OMP_DLMS_CLIENT_PUBLIC 16u
#define OMP_DLMS_CLIENT_LLS_MODULE 18u
#define OMP_DLMS_CLIENT_LLS_OPTICAL 19u
#define OMP_DLMS_CLIENT_LLS_CCC 20u

/** Bytes of the server-to-client challenge StoC the server sends in its AARE (HLS pass 2). */
#define OMP_DLMS_STOC_LEN 16u
/** Longest client-to-server challenge CtoS accepted (Green Book: 8..64 bytes). */
#define OMP_DLMS_CTOS_MAX 64u
/** Room the server keeps for a glo- envelope around a response: tag, length (3), SC, IC, tag. */
#define OMP_DLMS_SEC_OVERHEAD 21u

/**
 * @brief The meter's security state for the management association (client 1 -> SAP 16,
 * HLS-GMAC, security suite 0; docs/dlms-server.md "Security"), shared by every port's server.
 * The keys stay in the port: the server names key slots (hal.h) and calls the port's ops.
 */
struct omp_dlms_sec {
    omp_apdu_gcm_fn gcm;     /**< the port's aead_gcm (NULL: the management association is
                                  refused) */
    omp_err (*entropy)(void *user, uint8_t *dst, size_t len); /**< StoC challenges (required) */
    omp_err (*key_unwrap)(void *user, uint8_t key_slot, const uint8_t *wrapped, size_t len);
                             /**< hal.h key_unwrap (NULL: key_transfer refused) */
    void *user;              /**< the port's pointer for the three ops */
    uint8_t system_title[8]; /**< the server's: "KAME" + meter number, 4 bytes big-endian */
    uint32_t ic;             /**< the server's next invocation counter */
    uint32_t ic_limit;       /**< the server seals only while ic < ic_limit: the meter keeps a
                                  higher mark in NVM first (never an IC twice across resets) */
    struct omp_apdu_replay client_ic; /**< the management client's newest accepted IC (the
                                            meter keeps it in NVM, meter_dlms.c) */
    bool has_client_title;   /**< a client system title was seen (security setup attribute 4) */
    uint8_t client_title[8]; /**< the last management client's system title */
    uint32_t replays;        /**< ciphered requests refused for their IC (for inspection) */
};

/** @brief Configuration of one port's server. */
struct omp_dlms_server_cfg {
    uint8_t lls_secret[OMP_DLMS_LLS_SECRET_MAX]; /**< LLS password */
    uint8_t lls_secret_len;                      /**< 1..OMP_DLMS_LLS_SECRET_MAX */
    uint16_t max_pdu; /**< server-max-receive-pdu-size sent in the AARE, and the longest APDU the
                           server sends or takes (OMP_DLMS_SERVER_PDU_MIN..65535) */
    uint8_t assocs; /**< the associations this server opens (enum omp_cosem_assoc bits of the
                         public, LLS and management ones); factory: all of them. A meter binds
                         each LLS client to its own port (technical facts 11.1): 18 the module
                         port, 19 the optical port, 20 the CCC port. Another AARQ is rejected
                         with no-reason-given, as an unknown client is */
    bool entry_blue_book; /**< profile entry_descriptor: false (factory, what an OMNIPOWER does):
                               Kamstrup's entries by age, 0 = the newest, either direction
                               (technical facts 11.5); true: the Blue Book's, 1 = the oldest
                               (docs/dlms-server.md "Profiles") */
};

/** @brief What the server needs of the meter during one call. */
struct omp_dlms_server_env {
    const struct omp_cosem_src *src; /**< the dictionary's view */
    struct omp_evq *events;          /**< failed authentications (NULL: not reported) */
    const struct omp_profile *lp;    /**< load profile 1.1.99.1.0.255 (NULL: not kept) */
    const struct omp_profile *an;    /**< analysis logger 1.1.99.1.1.255 (NULL: not kept) */
    const struct omp_nvm_log *billing; /**< billing log 1.1.98.1.0.255 (NULL: not kept) */
    const struct omp_evlog *evlog[OMP_EVLOG_COUNT]; /**< event logs by kind (NULL: not kept;
                                                         OBIS codes in docs/dlms-server.md) */
    struct omp_dlms_sec *sec; /**< the management association's state (NULL: client 1 refused
                                   as authentication-mechanism-name-not-recognised) */
};

/** @brief One port's server. Members are private. */
struct omp_dlms_server {
    struct omp_dlms_server_cfg cfg;
    unsigned assoc;          /**< the association's OMP_ASSOC_* bit; 0: none */
    uint8_t client_sap;      /**< of the association */
    uint16_t server_sap;
    uint32_t conformance;    /**< negotiated */
    uint16_t pdu;            /**< longest APDU sent: min(client's max receive PDU, cfg.max_pdu) */
    bool blk_active;         /**< an object_list or a profile attribute is sent in blocks */
    bool blk_profile;        /**< that transfer is a profile's (pg_*), not the object_list */
    uint8_t blk_invoke;      /**< invoke-id-and-priority of that GET */
    uint32_t blk_number;     /**< the last block sent */
    uint16_t blk_size;       /**< raw-data bytes per block of that transfer */
    uint32_t auth_failures;  /**< failed LLS authentications (for inspection) */
    /* The profile attribute being sent in blocks (dlms_profile.c): which one, where the next
     * block starts (the row's entry number, a mark in its log to resume reading from, and the
     * bytes of the row already sent), what is left. */
    uint8_t pg_obj;          /**< 0 load profile, 1 analysis logger, 2 billing log, 3.. the
                                  event logs */
    uint8_t pg_attr;         /**< 2 buffer, 3 capture_objects */
    uint8_t pg_mode;         /**< rows by ascending or descending entry number, or a time range */
    bool pg_hdr;             /**< the array header was sent */
    uint16_t pg_skip;        /**< bytes of the next row (or header) already sent */
    uint32_t pg_no;          /**< entry number of the next row */
    uint32_t pg_end;         /**< range: stop before this entry number */
    uint32_t pg_left;        /**< rows still to send (the count announced) */
    uint32_t pg_count;       /**< rows announced in the array header */
    uint32_t pg_off;         /**< capture_objects: bytes sent */
    omp_time_s pg_from;      /**< range: UTC bounds */
    omp_time_s pg_to;
    uint64_t pg_cols;        /**< the capture objects sent: bit c for capture object c (0..) */
    struct omp_plog_mark pg_mark; /**< where reading the log resumes (a packed log's) */
    /* The management association (dlms_sec.c): HLS pass 3 pending, and the challenges. */
    bool hls_pending;        /**< AARE sent; only reply_to_HLS_authentication is allowed */
    uint8_t f_ctos[OMP_APDU_HLS_GMAC_LEN]; /**< the server's f(CtoS), computed with the AARE (the
                                                 CtoS itself is not kept) */
    uint8_t stoc[OMP_DLMS_STOC_LEN]; /**< the server's challenge StoC */
    uint8_t peer_title[8];   /**< the client's system title (calling-AP-title) */
    /* A SET in blocks (dlms_set.c): the attribute and the value's bytes received so far. */
    bool set_active;         /**< a SET's value (or ACTION's parameters) is being received */
    bool set_method;         /**< that transfer is an ACTION's (set_attr: the method) */
    uint8_t set_invoke;      /**< invoke-id-and-priority of its first block */
    uint8_t set_obis[6];     /**< the attribute being written */
    uint16_t set_class;
    int8_t set_attr;
    uint16_t set_len;        /**< bytes in set_buf */
    uint32_t set_block;      /**< the last block received */
    uint8_t set_buf[OMP_DLMS_SET_BLOCK_MAX];
    /* General block transfer (dlms_gbt.c): the server's blocks sent and the client's received in
     * this exchange, a request being reassembled, and whether the answers go as GBT. */
    bool blk_gbt;            /**< the GET transfer running goes in GBT blocks */
    bool gbt_rx;             /**< a request is being received in GBT blocks */
    bool gbt_reply;          /**< the request came in GBT: so does its answer */
    bool blk_list;           /**< the GET transfer running is a GET-with-list's answer (its
                                  items' descriptors kept in gbt_buf) */
    uint8_t lst_len;         /**< bytes of those descriptors */
    uint8_t lst_count;       /**< items */
    uint8_t lst_next;        /**< the first item of the next block */
    uint16_t gbt_bn;         /**< the server's last GBT block number sent */
    uint16_t gbt_rx_bn;      /**< the client's last GBT block number received */
    uint16_t gbt_rx_len;     /**< bytes in gbt_buf */
    uint8_t gbt_buf[OMP_DLMS_GBT_RX_MAX];
};

/** @brief Factory configuration: LLS secret "12345", max PDU OMP_DLMS_SERVER_PDU_DEFAULT. */
void omp_dlms_server_cfg_default(struct omp_dlms_server_cfg *cfg);

/** @brief Start @p srv with @p cfg, no association.
 *  @return OMP_OK, OMP_ERR_ARG (NULL, secret length or max PDU out of range). */
OMP_MUST_CHECK omp_err omp_dlms_server_init(struct omp_dlms_server *srv,
                                            const struct omp_dlms_server_cfg *cfg);

/**
 * @brief Answer one request APDU.
 * @param client_sap  The calling client's SAP (wrapper source wPort, HDLC client address).
 * @param server_sap  The called server SAP (wrapper destination wPort, HDLC upper address).
 * @param req,len     The request APDU.
 * @param out         The response APDU is appended here; nothing is appended when there is
 *                    nothing to send. Needs at least OMP_DLMS_SERVER_PDU_MIN bytes of room;
 *                    responses never exceed the room, the client's or cfg.max_pdu.
 * @return OMP_OK (also when the request was refused: the refusal is the response),
 *         OMP_ERR_ARG (NULL, req NULL with len), OMP_ERR_NOSPACE (@p out has less than
 *         OMP_DLMS_SERVER_PDU_MIN bytes of room; nothing changed), OMP_ERR_UNSUPPORTED (no DLMS
 *         module).
 * @par Context: main loop; one caller per @p srv.
 */
OMP_MUST_CHECK omp_err omp_dlms_server_apdu(struct omp_dlms_server *srv,
                                            const struct omp_dlms_server_env *env,
                                            uint16_t client_sap, uint16_t server_sap,
                                            const uint8_t *req, size_t len, struct omp_wr *out);

/** @brief Take @p secret (@p len 1..OMP_DLMS_LLS_SECRET_MAX bytes) as the LLS password of the
 *  next associations; the current one stays. @return OMP_OK, OMP_ERR_ARG (nothing changed). */
OMP_MUST_CHECK omp_err omp_dlms_server_set_secret(struct omp_dlms_server *srv,
                                                  const uint8_t *secret, size_t len);

/** @brief The link carrying the association was lost or closed: drop the association and any
 *  block transfer. NULL is ignored. */
void omp_dlms_server_close(struct omp_dlms_server *srv);

/** @brief The current association (OMP_ASSOC_* bit), 0 if none. */
unsigned omp_dlms_server_assoc(const struct omp_dlms_server *srv);

/* ---- Kept records (dlms_keep.c) ---------------------------------------------------------------
 * The DLMS side's records in a settings store (the composition root names the store and the
 * keys; docs/storage.md). A read returns OMP_OK, OMP_ERR_NOT_FOUND (never written: the factory
 * values), OMP_ERR_NVM_CORRUPT (a record this build cannot read: report it, leave it in place;
 * the output then holds the factory values) or a device error. */
struct omp_store;
struct omp_hdlc_server_cfg;

/** @brief The utility's data objects kept under @p key into @p c (zeros unless OMP_OK). */
OMP_MUST_CHECK omp_err omp_dlms_keep_custom_read(const struct omp_store *st, uint16_t key,
                                                 struct omp_cosem_custom *c);
/** @brief Keep @p c under @p key. @return OMP_OK, OMP_ERR_RANGE (a string too long), the store's. */
OMP_MUST_CHECK omp_err omp_dlms_keep_custom_write(struct omp_store *st, uint16_t key,
                                                  const struct omp_cosem_custom *c);
/** @brief The reduced id C.D.E (as 0xCCDDEE, for OMP_EV_CONFIG_CHANGED) of the first of the
 *  utility's objects that differs between @p a and @p b (ModuleId when none does). */
uint32_t omp_dlms_keep_custom_changed(const struct omp_cosem_custom *a,
                                      const struct omp_cosem_custom *b);
/** @brief The HDLC setup (IEC HDLC setup attributes 7..9) kept under @p key into @p c's
 *  inter_octet_ms, inactivity_ms and phys (left as they are unless OMP_OK). */
OMP_MUST_CHECK omp_err omp_dlms_keep_hdlc_read(const struct omp_store *st, uint16_t key,
                                               struct omp_hdlc_server_cfg *c);
/** @brief Keep @p c's inter_octet_ms, inactivity_ms (whole seconds) and phys under @p key. */
OMP_MUST_CHECK omp_err omp_dlms_keep_hdlc_write(struct omp_store *st, uint16_t key,
                                                const struct omp_hdlc_server_cfg *c);

/** @brief The LLS secret kept under @p key into @p secret (OMP_DLMS_LLS_SECRET_MAX bytes) and
 *  *@p len (1..16; left as they are unless OMP_OK). */
OMP_MUST_CHECK omp_err omp_dlms_keep_lls_read(const struct omp_store *st, uint16_t key,
                                              uint8_t *secret, uint8_t *len);
/** @brief Keep @p secret (@p len 1..16 bytes) under @p key: {version 1, length, 16 bytes}.
 *  @return OMP_OK, OMP_ERR_ARG, the store's error. */
OMP_MUST_CHECK omp_err omp_dlms_keep_lls_write(struct omp_store *st, uint16_t key,
                                               const uint8_t *secret, size_t len);
/** @brief The invocation counters kept under @p key: the server's mark and, when *@p has_client,
 *  the management client's newest IC (a 4-byte record is the mark alone). */
OMP_MUST_CHECK omp_err omp_dlms_keep_ic_read(const struct omp_store *st, uint16_t key,
                                             uint32_t *mark, uint32_t *client, bool *has_client);
/** @brief Keep the server's @p mark and the client's @p client IC under @p key (two big-endian
 *  u32). */
OMP_MUST_CHECK omp_err omp_dlms_keep_ic_write(struct omp_store *st, uint16_t key, uint32_t mark,
                                              uint32_t client);
/** @brief The settings written over the ports: the parameters of enum omp_cosem_param and the
 *  optical port's 131.0.x settings, each in force only when written (its bit in @p set). */
/** Parameters (enum omp_cosem_param 0..3) the settings record keeps; the voltage quality limits
 *  are kept with the meter's power quality. */
#define OMP_DLMS_PARAMS_KEPT 4u
struct omp_dlms_params {
    uint8_t set;                            /**< bit k: parameter k written; bit
                                                 OMP_DLMS_PARAMS_KEPT: the optical settings */
    uint32_t value[OMP_DLMS_PARAMS_KEPT];   /**< enum omp_cosem_param 0..3 */
    struct omp_optical_settings optical;
};
/** @brief The settings kept under @p key into @p p (nothing set unless OMP_OK); a value out of
 *  its range makes the record foreign (OMP_ERR_NVM_CORRUPT). */
OMP_MUST_CHECK omp_err omp_dlms_keep_params_read(const struct omp_store *st, uint16_t key,
                                                 struct omp_dlms_params *p);
/** @brief Keep @p p under @p key. @return OMP_OK, OMP_ERR_RANGE (a set value out of range),
 *  the store's error. */
OMP_MUST_CHECK omp_err omp_dlms_keep_params_write(struct omp_store *st, uint16_t key,
                                                  const struct omp_dlms_params *p);
/** @brief Parameter @p k as written into *@p v. @return false when it was not written (the
 *  configuration's value is in force). */
bool omp_dlms_params_get(const struct omp_dlms_params *p, enum omp_cosem_param k, uint32_t *v);
/** @brief Mark parameter @p k written with @p v (checked at the record's write). */
void omp_dlms_params_put(struct omp_dlms_params *p, enum omp_cosem_param k, uint32_t v);
/** @brief The optical port's written settings, NULL when none were written. */
const struct omp_optical_settings *omp_dlms_params_optical(const struct omp_dlms_params *p);
/** @brief Mark the optical port's settings written as @p o. */
void omp_dlms_params_put_optical(struct omp_dlms_params *p, const struct omp_optical_settings *o);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_DLMS_SERVER_H */

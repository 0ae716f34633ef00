/**
 * @file apdu.h
 * @brief xDLMS APDUs with logical-name referencing (DLMS UA Green Book, IEC 62056-5-3), and the
 * ACSE APDUs AARQ/AARE/RLRQ/RLRE (ISO/IEC 8650, BER) that carry the xDLMS InitiateRequest/Response.
 *
 * Decoding is bounded, zero-copy and allocation-free: COSEM Data values (A-XDR) are not decoded
 * here but returned as spans (`struct omp_apdu_span`) that point into the caller's buffer, each
 * holding exactly one complete A-XDR Data value. Lists (…-with-list services) are returned as a
 * count plus a span of the encoded items; walk them with the omp_apdu_list_* functions.
 *
 * Ciphered APDUs (glo-/ded-/general-ciphering, security suite 0) are not decoded by
 * omp_apdu_decode (OMP_ERR_UNSUPPORTED): open them with omp_apdu_cipher_decode and
 * omp_apdu_cipher_open (end of this header) and decode the plaintext; a ciphered xDLMS
 * InitiateRequest inside an AARQ is kept as an opaque span. general-block-transfer (0xE0) has its
 * own codec, omp_apdu_gbt_decode/omp_apdu_gbt_encode: its block-data is a slice of another APDU.
 *
 * Canonical form: the encoder writes minimal A-XDR/BER lengths, fields in the standard's order,
 * booleans as 0x00/0x01, and omits DEFAULT values. The decoder also accepts non-minimal lengths,
 * other non-zero booleans, an explicit response-allowed TRUE, ACSE fields out of order and ACSE
 * fields it does not use (skipped); it then sets omp_apdu::noncanonical, and re-encoding gives the
 * canonical bytes instead of the input bytes. Otherwise decode -> encode reproduces the input.
 *
 * Configuration (config.h): OMP_CONFIG_AXDR_DEPTH, the deepest nesting of arrays/structures
 * (and compact-array type descriptions) accepted inside one Data value (default 16, 1..255).
 *
 * Module switch: OMP_CONFIG_DLMS (config.h, default 1). With 0 the DLMS codecs (lib/axdr,
 * lib/apdu, lib/hdlc, lib/wrapper) are not compiled; the declarations stay, calls fail to link.
 * The client helpers at the end (lib/apdu/apdu_client.c) also need OMP_CONFIG_DLMS_CLIENT.
 */
#ifndef OMNIPOWER_APDU_H
#define OMNIPOWER_APDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omnipower/config.h"
#include "omnipower/axdr.h"
#include "omnipower/core.h"
#include "omnipower/hal.h"

#ifdef __cplusplus
extern "C" {
#endif


/* ------------------------------------------------------------------------------------------ */
/* Tags, kinds                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/** APDU tags (first byte), Green Book xDLMS APDU ASN.1 and ISO/IEC 8650 ACSE. */
enum omp_apdu_tag {
    OMP_APDU_TAG_AARQ = 0x60,
    OMP_APDU_TAG_AARE = 0x61,
    OMP_APDU_TAG_RLRQ = 0x62,
    OMP_APDU_TAG_RLRE = 0x63,
    OMP_APDU_TAG_INITIATE_REQUEST = 0x01,  /**< inside AARQ user-information */
    OMP_APDU_TAG_INITIATE_RESPONSE = 0x08, /**< inside AARE user-information */
    OMP_APDU_TAG_CONFIRMED_SERVICE_ERROR = 0x0E,
    OMP_APDU_TAG_DATA_NOTIFICATION = 0x0F,
    OMP_APDU_TAG_GET_REQUEST = 0xC0,
    OMP_APDU_TAG_SET_REQUEST = 0xC1,
    OMP_APDU_TAG_ACTION_REQUEST = 0xC3,
    OMP_APDU_TAG_GET_RESPONSE = 0xC4,
    OMP_APDU_TAG_SET_RESPONSE = 0xC5,
    OMP_APDU_TAG_ACTION_RESPONSE = 0xC7,
    OMP_APDU_TAG_EXCEPTION_RESPONSE = 0xD8,
    OMP_APDU_TAG_GENERAL_BLOCK_TRANSFER = 0xE0, /**< omp_apdu_gbt_decode(), not omp_apdu_decode() */
};

/** What a decoded APDU is: (tag << 8) | CHOICE index of the service (0 if it has none). */
enum omp_apdu_kind {
    OMP_APDU_NONE = 0,
    OMP_APDU_GET_REQ_NORMAL = 0xC001,
    OMP_APDU_GET_REQ_NEXT = 0xC002,
    OMP_APDU_GET_REQ_LIST = 0xC003,
    OMP_APDU_SET_REQ_NORMAL = 0xC101,
    OMP_APDU_SET_REQ_FIRST_BLOCK = 0xC102,
    OMP_APDU_SET_REQ_BLOCK = 0xC103,
    OMP_APDU_SET_REQ_LIST = 0xC104,
    OMP_APDU_SET_REQ_LIST_FIRST_BLOCK = 0xC105, /**< with-list-and-first-datablock */
    OMP_APDU_ACTION_REQ_NORMAL = 0xC301,
    OMP_APDU_ACTION_REQ_NEXT = 0xC302, /**< next-pblock */
    OMP_APDU_ACTION_REQ_LIST = 0xC303,
    OMP_APDU_ACTION_REQ_FIRST_PBLOCK = 0xC304,
    OMP_APDU_ACTION_REQ_LIST_FIRST_PBLOCK = 0xC305,
    OMP_APDU_ACTION_REQ_PBLOCK = 0xC306,
    OMP_APDU_GET_RSP_NORMAL = 0xC401,
    OMP_APDU_GET_RSP_BLOCK = 0xC402,
    OMP_APDU_GET_RSP_LIST = 0xC403,
    OMP_APDU_SET_RSP_NORMAL = 0xC501,
    OMP_APDU_SET_RSP_BLOCK = 0xC502,
    OMP_APDU_SET_RSP_LAST_BLOCK = 0xC503,
    OMP_APDU_SET_RSP_LAST_BLOCK_LIST = 0xC504, /**< last-datablock-with-list */
    OMP_APDU_SET_RSP_LIST = 0xC505,
    OMP_APDU_ACTION_RSP_NORMAL = 0xC701,
    OMP_APDU_ACTION_RSP_PBLOCK = 0xC702, /**< with-pblock */
    OMP_APDU_ACTION_RSP_LIST = 0xC703,
    OMP_APDU_ACTION_RSP_NEXT = 0xC704, /**< next-pblock */
    OMP_APDU_EXCEPTION = 0xD800,
    OMP_APDU_CONFIRMED_SERVICE_ERROR = 0x0E00,
    OMP_APDU_DATA_NOTIFICATION = 0x0F00,
    OMP_APDU_AARQ = 0x6000,
    OMP_APDU_AARE = 0x6100,
    OMP_APDU_RLRQ = 0x6200,
    OMP_APDU_RLRE = 0x6300,
};

/* ------------------------------------------------------------------------------------------ */
/* Protocol result codes (their own enums, Green Book)                                         */
/* ------------------------------------------------------------------------------------------ */

/** Data-Access-Result. */
enum omp_dlms_dar {
    OMP_DAR_SUCCESS = 0,
    OMP_DAR_HARDWARE_FAULT = 1,
    OMP_DAR_TEMPORARY_FAILURE = 2,
    OMP_DAR_READ_WRITE_DENIED = 3,
    OMP_DAR_OBJECT_UNDEFINED = 4,
    OMP_DAR_OBJECT_CLASS_INCONSISTENT = 9,
    OMP_DAR_OBJECT_UNAVAILABLE = 11,
    OMP_DAR_TYPE_UNMATCHED = 12,
    OMP_DAR_SCOPE_OF_ACCESS_VIOLATED = 13,
    OMP_DAR_DATA_BLOCK_UNAVAILABLE = 14,
    OMP_DAR_LONG_GET_ABORTED = 15,
    OMP_DAR_NO_LONG_GET_IN_PROGRESS = 16,
    OMP_DAR_LONG_SET_ABORTED = 17,
    OMP_DAR_NO_LONG_SET_IN_PROGRESS = 18,
    OMP_DAR_DATA_BLOCK_NUMBER_INVALID = 19,
    OMP_DAR_OTHER_REASON = 250,
};

/** Action-Result. */
enum omp_dlms_action_result {
    OMP_ACTION_SUCCESS = 0,
    OMP_ACTION_HARDWARE_FAULT = 1,
    OMP_ACTION_TEMPORARY_FAILURE = 2,
    OMP_ACTION_READ_WRITE_DENIED = 3,
    OMP_ACTION_OBJECT_UNDEFINED = 4,
    OMP_ACTION_OBJECT_CLASS_INCONSISTENT = 9,
    OMP_ACTION_OBJECT_UNAVAILABLE = 11,
    OMP_ACTION_TYPE_UNMATCHED = 12,
    OMP_ACTION_SCOPE_OF_ACCESS_VIOLATED = 13,
    OMP_ACTION_DATA_BLOCK_UNAVAILABLE = 14,
    OMP_ACTION_LONG_ACTION_ABORTED = 15,
    OMP_ACTION_NO_LONG_ACTION_IN_PROGRESS = 16,
    OMP_ACTION_OTHER_REASON = 250,
};

/** EXCEPTION-Response state-error. */
enum omp_dlms_state_error {
    OMP_STATE_ERROR_SERVICE_NOT_ALLOWED = 1,
    OMP_STATE_ERROR_SERVICE_UNKNOWN = 2,
};

/** EXCEPTION-Response service-error (CHOICE index; 6 carries an invocation counter). */
enum omp_dlms_service_error {
    OMP_SERVICE_ERROR_OPERATION_NOT_POSSIBLE = 1,
    OMP_SERVICE_ERROR_SERVICE_NOT_SUPPORTED = 2,
    OMP_SERVICE_ERROR_OTHER_REASON = 3,
    OMP_SERVICE_ERROR_PDU_TOO_LONG = 4,
    OMP_SERVICE_ERROR_DECIPHERING_ERROR = 5,
    OMP_SERVICE_ERROR_INVOCATION_COUNTER_ERROR = 6,
};

/** ConfirmedServiceError: which service failed (CHOICE index; the ones LN servers use). */
enum omp_dlms_cse_service {
    OMP_CSE_INITIATE_ERROR = 1,
    OMP_CSE_GET_STATUS = 2,
    OMP_CSE_GET_NAME_LIST = 3,
    OMP_CSE_GET_VARIABLE_ATTRIBUTE = 4,
    OMP_CSE_READ = 5,
    OMP_CSE_WRITE = 6,
};

/** ServiceError CHOICE index (kind of error) of a ConfirmedServiceError. */
enum omp_dlms_cse_error {
    OMP_CSE_ERR_APPLICATION_REFERENCE = 0,
    OMP_CSE_ERR_HARDWARE_RESOURCE = 1,
    OMP_CSE_ERR_VDE_STATE_ERROR = 2,
    OMP_CSE_ERR_SERVICE = 3,
    OMP_CSE_ERR_DEFINITION = 4,
    OMP_CSE_ERR_ACCESS = 5,
    OMP_CSE_ERR_INITIATE = 6,
    OMP_CSE_ERR_LOAD_DATA_SET = 7,
    OMP_CSE_ERR_CHANGE_SCOPE = 8,
    OMP_CSE_ERR_TASK = 9,
    OMP_CSE_ERR_OTHER = 10,
};

/** ServiceError initiate values (OMP_CSE_ERR_INITIATE). */
enum omp_dlms_initiate_error {
    OMP_INITIATE_ERR_OTHER = 0,
    OMP_INITIATE_ERR_DLMS_VERSION_TOO_LOW = 1,
    OMP_INITIATE_ERR_INCOMPATIBLE_CONFORMANCE = 2,
    OMP_INITIATE_ERR_PDU_SIZE_TOO_SHORT = 3,
    OMP_INITIATE_ERR_REFUSED_BY_VDE_HANDLER = 4,
};

/** AARE result (Association-result). */
enum omp_assoc_result {
    OMP_ASSOC_ACCEPTED = 0,
    OMP_ASSOC_REJECTED_PERMANENT = 1,
    OMP_ASSOC_REJECTED_TRANSIENT = 2,
};

/** Which ACSE entity gave the result-source-diagnostic (its CHOICE tag). */
enum omp_assoc_diag_source {
    OMP_ASSOC_DIAG_SERVICE_USER = 1,     /**< acse-service-user [1] */
    OMP_ASSOC_DIAG_SERVICE_PROVIDER = 2, /**< acse-service-provider [2] */
};

/** acse-service-user diagnostic values. */
enum omp_assoc_user_diag {
    OMP_ASSOC_DIAG_NULL = 0,
    OMP_ASSOC_DIAG_NO_REASON_GIVEN = 1,
    OMP_ASSOC_DIAG_APP_CONTEXT_NOT_SUPPORTED = 2,
    OMP_ASSOC_DIAG_CALLING_AP_TITLE_NOT_RECOGNIZED = 3,
    OMP_ASSOC_DIAG_CALLING_AP_INVOCATION_ID_NOT_RECOGNIZED = 4,
    OMP_ASSOC_DIAG_CALLING_AE_QUALIFIER_NOT_RECOGNIZED = 5,
    OMP_ASSOC_DIAG_CALLING_AE_INVOCATION_ID_NOT_RECOGNIZED = 6,
    OMP_ASSOC_DIAG_CALLED_AP_TITLE_NOT_RECOGNIZED = 7,
    OMP_ASSOC_DIAG_CALLED_AP_INVOCATION_ID_NOT_RECOGNIZED = 8,
    OMP_ASSOC_DIAG_CALLED_AE_QUALIFIER_NOT_RECOGNIZED = 9,
    OMP_ASSOC_DIAG_CALLED_AE_INVOCATION_ID_NOT_RECOGNIZED = 10,
    OMP_ASSOC_DIAG_MECHANISM_NAME_NOT_RECOGNISED = 11,
    OMP_ASSOC_DIAG_MECHANISM_NAME_REQUIRED = 12,
    OMP_ASSOC_DIAG_AUTHENTICATION_FAILURE = 13,
    OMP_ASSOC_DIAG_AUTHENTICATION_REQUIRED = 14,
};

/** acse-service-provider diagnostic values. */
enum omp_assoc_provider_diag {
    OMP_ASSOC_PDIAG_NULL = 0,
    OMP_ASSOC_PDIAG_NO_REASON_GIVEN = 1,
    OMP_ASSOC_PDIAG_NO_COMMON_ACSE_VERSION = 2,
};

/** Application context names: last arc of 2.16.756.5.8.1.x (DLMS UA). */
enum omp_app_context {
    OMP_APP_CONTEXT_LN = 1,        /**< Logical_Name_Referencing_No_Ciphering */
    OMP_APP_CONTEXT_SN = 2,        /**< Short_Name_Referencing_No_Ciphering */
    OMP_APP_CONTEXT_LN_CIPHER = 3, /**< Logical_Name_Referencing_With_Ciphering */
    OMP_APP_CONTEXT_SN_CIPHER = 4, /**< Short_Name_Referencing_With_Ciphering */
};

/** Authentication mechanism names: last arc of 2.16.756.5.8.2.x (DLMS UA). */
enum omp_auth_mechanism {
    OMP_AUTH_LOWEST = 0, /**< no authentication */
    OMP_AUTH_LLS = 1,    /**< low level security (password) */
    OMP_AUTH_HLS = 2,    /**< HLS, manufacturer specific */
    OMP_AUTH_HLS_MD5 = 3,
    OMP_AUTH_HLS_SHA1 = 4,
    OMP_AUTH_HLS_GMAC = 5,
    OMP_AUTH_HLS_SHA256 = 6,
    OMP_AUTH_HLS_ECDSA = 7,
};

/**
 * Conformance block bits (Green Book): bit n of the 24-bit BER BIT STRING, bit 0 = most significant
 * bit of the first byte. As a uint32_t value 0x00XXXXXX: OMP_CONF_BIT(n) = 1 << (23 - n).
 */
#define OMP_CONF_BIT(n)                     ((uint32_t)1u << (23u - (unsigned)(n)))
#define OMP_CONF_GENERAL_PROTECTION         OMP_CONF_BIT(1)
#define OMP_CONF_GENERAL_BLOCK_TRANSFER     OMP_CONF_BIT(2)
#define OMP_CONF_READ                       OMP_CONF_BIT(3)
#define OMP_CONF_WRITE                      OMP_CONF_BIT(4)
#define OMP_CONF_UNCONFIRMED_WRITE          OMP_CONF_BIT(5)
#define OMP_CONF_ATTRIBUTE0_WITH_SET        OMP_CONF_BIT(8)
#define OMP_CONF_PRIORITY_MGMT              OMP_CONF_BIT(9)
#define OMP_CONF_ATTRIBUTE0_WITH_GET        OMP_CONF_BIT(10)
#define OMP_CONF_BLOCK_TRANSFER_WITH_GET    OMP_CONF_BIT(11)
#define OMP_CONF_BLOCK_TRANSFER_WITH_SET    OMP_CONF_BIT(12)
#define OMP_CONF_BLOCK_TRANSFER_WITH_ACTION OMP_CONF_BIT(13)
#define OMP_CONF_MULTIPLE_REFERENCES        OMP_CONF_BIT(14)
#define OMP_CONF_INFORMATION_REPORT         OMP_CONF_BIT(15)
#define OMP_CONF_DATA_NOTIFICATION          OMP_CONF_BIT(16)
#define OMP_CONF_ACCESS                     OMP_CONF_BIT(17)
#define OMP_CONF_PARAMETERIZED_ACCESS       OMP_CONF_BIT(18)
#define OMP_CONF_GET                        OMP_CONF_BIT(19)
#define OMP_CONF_SET                        OMP_CONF_BIT(20)
#define OMP_CONF_SELECTIVE_ACCESS           OMP_CONF_BIT(21)
#define OMP_CONF_EVENT_NOTIFICATION         OMP_CONF_BIT(22)
#define OMP_CONF_ACTION                     OMP_CONF_BIT(23)

/** invoke-id-and-priority bits: invoke id 0..15, service class (1 = confirmed), priority (1 =
 * high). */
#define OMP_APDU_INVOKE_ID_MASK       0x0Fu
#define OMP_APDU_INVOKE_CONFIRMED     0x40u
#define OMP_APDU_INVOKE_PRIORITY_HIGH 0x80u

/* ------------------------------------------------------------------------------------------ */
/* Decoded APDU                                                                                */
/* ------------------------------------------------------------------------------------------ */

/** Bytes inside the caller's buffer (zero-copy); ptr may be NULL only when len is 0. */
struct omp_apdu_span {
    const uint8_t *ptr;
    size_t len;
};

/** cosem-attribute-descriptor / cosem-method-descriptor. */
struct omp_apdu_desc {
    uint16_t class_id;
    uint8_t obis[6]; /**< instance-id: A.B.C.D.E.F */
    int8_t id;       /**< attribute-id or method-id */
};

/** Selective-Access-Descriptor (OPTIONAL). */
struct omp_apdu_access {
    bool present;
    uint8_t selector;            /**< access-selector */
    struct omp_apdu_span params; /**< access-parameters: one A-XDR Data value */
};

/** Get-Data-Result: CHOICE { data [0] Data, data-access-result [1] }. */
struct omp_apdu_result {
    bool is_data;              /**< true: data; false: dar */
    uint8_t dar;               /**< enum omp_dlms_dar when !is_data */
    struct omp_apdu_span data; /**< one A-XDR Data value when is_data */
};

/**
 * DataBlock-G (GET-response-with-datablock) and DataBlock-SA (SET-request with datablock, the
 * pblock of ACTION-request/-response). DataBlock-SA has no CHOICE: for it is_raw is always true.
 */
struct omp_apdu_block {
    bool last; /**< last-block */
    uint32_t block_number;
    bool is_raw;              /**< true: raw-data; false: data-access-result (DataBlock-G only) */
    uint8_t dar;              /**< when !is_raw */
    struct omp_apdu_span raw; /**< raw-data octet-string contents (a slice of the encoded Data) */
};

/** SEQUENCE OF …: the number of items and their encodings (without the count). */
struct omp_apdu_list {
    size_t count;
    struct omp_apdu_span items;
};

/** Action-Response-With-Optional-Data: one item of ACTION-response-with-list. */
struct omp_apdu_action_result {
    uint8_t result; /**< enum omp_dlms_action_result */
    bool has_return;
    struct omp_apdu_result ret; /**< return-parameters (Get-Data-Result) when has_return */
};

/** xDLMS InitiateRequest (tag 0x01), unciphered. */
struct omp_apdu_initiate_req {
    bool has_dedicated_key;
    struct omp_apdu_span dedicated_key;
    bool response_allowed; /**< DEFAULT TRUE */
    bool has_qos;
    int8_t qos;           /**< proposed-quality-of-service */
    uint8_t dlms_version; /**< proposed-dlms-version-number, 6 */
    uint32_t conformance; /**< 24 bits, OMP_CONF_* */
    uint16_t max_pdu;     /**< client-max-receive-pdu-size */
};

/** xDLMS InitiateResponse (tag 0x08). */
struct omp_apdu_initiate_rsp {
    bool has_qos;
    int8_t qos;           /**< negotiated-quality-of-service */
    uint8_t dlms_version; /**< negotiated-dlms-version-number, 6 */
    uint32_t conformance; /**< 24 bits */
    uint16_t max_pdu;     /**< server-max-receive-pdu-size */
    uint16_t vaa_name;    /**< 0x0007 for LN referencing */
};

/** ConfirmedServiceError (tag 0x0E): three bytes. */
struct omp_apdu_cse {
    uint8_t service; /**< enum omp_dlms_cse_service */
    uint8_t error;   /**< enum omp_dlms_cse_error */
    uint8_t value;   /**< e.g. enum omp_dlms_initiate_error */
};

/** What the ACSE user-information ([30] EXPLICIT OCTET STRING) holds. */
enum omp_apdu_uinfo_kind {
    OMP_APDU_UINFO_NONE = 0,         /**< user-information absent */
    OMP_APDU_UINFO_INITIATE_REQ = 1, /**< u.init_req */
    OMP_APDU_UINFO_INITIATE_RSP = 2, /**< u.init_rsp */
    OMP_APDU_UINFO_CSE = 3,          /**< u.cse: ConfirmedServiceError (AARE rejection) */
    OMP_APDU_UINFO_OTHER = 4,        /**< raw: any other xDLMS APDU (e.g. glo-InitiateRequest) */
};

struct omp_apdu_uinfo {
    enum omp_apdu_uinfo_kind kind;
    union {
        struct omp_apdu_initiate_req init_req;
        struct omp_apdu_initiate_rsp init_rsp;
        struct omp_apdu_cse cse;
    } u;
    struct omp_apdu_span raw; /**< the OCTET STRING contents (set by decode for every kind but NONE;
                                   read by encode only for OTHER) */
};

/** AARQ (ACSE [APPLICATION 0]). */
struct omp_apdu_aarq {
    bool has_protocol_version; /**< protocol-version 80 02 07 80 (version1) present */
    uint8_t app_context;       /**< enum omp_app_context */
    bool has_called_ap_title;
    struct omp_apdu_span called_ap_title; /**< octets of [2] (system title) */
    bool has_calling_ap_title;
    struct omp_apdu_span calling_ap_title; /**< octets of [6] (client system title) */
    bool acse_auth; /**< sender-acse-requirements present with authentication bit */
    bool has_mechanism;
    uint8_t mechanism; /**< enum omp_auth_mechanism */
    bool has_auth_value;
    struct omp_apdu_span auth_value; /**< calling-authentication-value charstring [0] */
    struct omp_apdu_uinfo user_info;
};

/** AARE (ACSE [APPLICATION 1]). */
struct omp_apdu_aare {
    bool has_protocol_version;
    uint8_t app_context; /**< enum omp_app_context */
    uint8_t result;      /**< enum omp_assoc_result */
    uint8_t diag_source; /**< enum omp_assoc_diag_source */
    uint8_t diag;        /**< enum omp_assoc_user_diag or omp_assoc_provider_diag */
    bool has_responding_ap_title;
    struct omp_apdu_span responding_ap_title; /**< server system title */
    bool acse_auth; /**< responder-acse-requirements with authentication bit */
    bool has_mechanism;
    uint8_t mechanism;
    bool has_auth_value;
    struct omp_apdu_span auth_value; /**< responding-authentication-value charstring (challenge) */
    struct omp_apdu_uinfo user_info;
};

/** RLRQ / RLRE (ACSE [APPLICATION 2] / [APPLICATION 3]). */
struct omp_apdu_release {
    bool has_reason;
    uint8_t
        reason; /**< RLRQ: 0 normal, 1 urgent, 30 user-defined; RLRE: 0 normal, 1 not-finished */
    struct omp_apdu_uinfo user_info;
};

/** One decoded APDU. Which member of @c u is valid depends on @c kind (see each member). */
struct omp_apdu {
    enum omp_apdu_kind kind;
    /** invoke-id-and-priority of the confirmed xDLMS services (GET/SET/ACTION). */
    uint8_t invoke;
    /** Set by decode: the input was not in canonical form (see file comment). Ignored by encode. */
    bool noncanonical;
    /**
     * Set by omp_apdu_decode_lazy() only: the Data value that ends this APDU (get_rsp.result.data,
     * notify.body, set_req.value, action_req.params, action_rsp.ret.data, get_req.access.params)
     * was not checked; its span is the rest of the input. Ignored by encode.
     */
    bool data_unchecked;
    union {
        /** GET-request: NORMAL desc+access, NEXT block_number, LIST list (desc-with-selection). */
        struct {
            struct omp_apdu_desc desc;
            struct omp_apdu_access access;
            uint32_t block_number;
            struct omp_apdu_list list;
        } get_req;
        /** GET-response: NORMAL result, BLOCK block, LIST list (Get-Data-Result items). */
        struct {
            struct omp_apdu_result result;
            struct omp_apdu_block block;
            struct omp_apdu_list list;
        } get_rsp;
        /**
         * SET-request: NORMAL desc+access+value, FIRST_BLOCK desc+access+block, BLOCK block,
         * LIST list (desc-with-selection) + values (Data items; the codec does not compare the
         * two counts), LIST_FIRST_BLOCK list (desc-with-selection) + block (DataBlock-SA).
         */
        struct {
            struct omp_apdu_desc desc;
            struct omp_apdu_access access;
            struct omp_apdu_span value;
            struct omp_apdu_block block;
            struct omp_apdu_list list;
            struct omp_apdu_list values;
        } set_req;
        /** SET-response: NORMAL dar, BLOCK block_number, LAST_BLOCK dar+block_number, LIST list
         *  (Data-Access-Result bytes), LAST_BLOCK_LIST list (Data-Access-Result bytes) +
         *  block_number. */
        struct {
            uint8_t dar;
            uint32_t block_number;
            struct omp_apdu_list list;
        } set_rsp;
        /**
         * ACTION-request: NORMAL desc (method) + optional params, NEXT block_number, LIST list
         * (Cosem-Method-Descriptor items) + params_list (Data items, method-invocation-parameters;
         * the codec does not compare the two counts), FIRST_PBLOCK desc + pblock,
         * LIST_FIRST_PBLOCK list + pblock, PBLOCK pblock. pblock is a DataBlock-SA.
         */
        struct {
            struct omp_apdu_desc desc;
            bool has_params;
            struct omp_apdu_span params; /**< one Data */
            uint32_t block_number;
            struct omp_apdu_block pblock;
            struct omp_apdu_list list;
            struct omp_apdu_list params_list;
        } action_req;
        /**
         * ACTION-response: NORMAL result + optional return-parameters (Get-Data-Result), PBLOCK
         * pblock (DataBlock-SA), LIST list (Action-Response-With-Optional-Data items, walk with
         * omp_apdu_list_next_action), NEXT block_number.
         */
        struct {
            uint8_t result; /**< enum omp_dlms_action_result */
            bool has_return;
            struct omp_apdu_result ret;
            struct omp_apdu_block pblock;
            struct omp_apdu_list list;
            uint32_t block_number;
        } action_rsp;
        /** EXCEPTION-response. */
        struct {
            uint8_t state_error;   /**< enum omp_dlms_state_error */
            uint8_t service_error; /**< enum omp_dlms_service_error */
            uint32_t
                invocation_counter; /**< only with OMP_SERVICE_ERROR_INVOCATION_COUNTER_ERROR */
        } exception;
        struct omp_apdu_cse cse;
        /** DATA-NOTIFICATION. */
        struct {
            uint32_t long_invoke; /**< long-invoke-id-and-priority */
            bool has_time;
            struct omp_apdu_span time; /**< the 12 octets of date-time when has_time */
            struct omp_apdu_span body; /**< notification-body: one Data */
        } notify;
        struct omp_apdu_aarq aarq;
        struct omp_apdu_aare aare;
        struct omp_apdu_release rlrq;
        struct omp_apdu_release rlre;
    } u;
};

/* ------------------------------------------------------------------------------------------ */
/* Codec                                                                                       */
/* ------------------------------------------------------------------------------------------ */

/**
 * @brief Decode one APDU at the reader's position and consume it. Trailing bytes are left in the
 * reader (the caller decides whether they are an error).
 * @param[out] apdu  Filled on success; its spans point into the reader's buffer.
 * @return OMP_OK, OMP_ERR_ARG (NULL), OMP_ERR_TRUNCATED (input ends inside the APDU or a BER length
 *         exceeds its container), OMP_ERR_MALFORMED (grammar: unknown CHOICE, bad Data tag, bad
 *         BER structure, missing mandatory ACSE field, date-time length not 0/12),
 *         OMP_ERR_UNSUPPORTED (ciphered APDUs, general-block-transfer, a bare
 *         InitiateRequest/Response, SN services, other unknown first bytes, non-DLMS OIDs),
 *         OMP_ERR_DEPTH (Data nested deeper than OMP_CONFIG_AXDR_DEPTH).
 *         A count larger than the bytes that follow could hold is OMP_ERR_TRUNCATED.
 *         On error @p apdu and the reader are untouched.
 * @par Context: any; reentrant; stack use bounded by OMP_CONFIG_AXDR_DEPTH.
 */
OMP_MUST_CHECK omp_err omp_apdu_decode(struct omp_rd *rd, struct omp_apdu *apdu);

/**
 * @brief Decode one APDU like omp_apdu_decode(), but leave the Data value that ends it unchecked,
 * for a caller that walks that value anyway: the input is then read once (docs/benchmarks.md).
 *
 * The APDUs whose last component is one Data value are GET-response normal (data result),
 * DATA-NOTIFICATION (body), SET-request normal (value), ACTION-request normal (parameters),
 * ACTION-response normal (return data) and GET-request normal (selective-access parameters).
 * For these the span of that value is the rest of the reader's input (at least one byte, else
 * OMP_ERR_TRUNCATED), the reader is consumed to its end, and @c apdu->data_unchecked is set.
 * Everything before the value is checked as omp_apdu_decode() checks it; lists keep their checked
 * items; other APDUs decode exactly as with omp_apdu_decode() (@c data_unchecked false).
 *
 * The caller must walk the value with omp_axdr_walk(), which returns the errors omp_apdu_decode()
 * would have (OMP_ERR_TRUNCATED, OMP_ERR_MALFORMED; and OMP_ERR_DEPTH for nesting deeper than
 * OMP_CONFIG_AXDR_DEPTH, as any walk does), and then check that the DONE event's @c pos equals the
 * span's length: bytes after the value are trailing bytes of the APDU (omp_apdu_decode() would
 * have left them in the reader). Until then the span must not be passed on as a Data value
 * (omp_apdu_encode() checks it and rejects trailing bytes).
 * @return as omp_apdu_decode().
 * @par Context: any; reentrant; never reads past the reader's input.
 */
OMP_MUST_CHECK omp_err omp_apdu_decode_lazy(struct omp_rd *rd, struct omp_apdu *apdu);

/**
 * @brief Decode one APDU like omp_apdu_decode(), but only what a client sends a server: AARQ,
 * RLRQ and the GET/SET/ACTION requests. A server that decodes with it (and encodes with
 * omp_apdu_encode_response()) links none of the response decoders and request encoders
 * (docs/benchmarks.md "Flash").
 * @return as omp_apdu_decode(), with identical results for those APDUs; OMP_ERR_UNSUPPORTED for
 *         any other APDU (a response, an exception, a data-notification, ...), @p rd and @p apdu
 *         untouched.
 * @par Context: any; reentrant; stack use bounded by OMP_CONFIG_AXDR_DEPTH.
 */
OMP_MUST_CHECK omp_err omp_apdu_decode_request(struct omp_rd *rd, struct omp_apdu *apdu);

/**
 * @brief Encode @p apdu in canonical form. Spans that must hold Data values are checked.
 * @return OMP_OK, OMP_ERR_ARG (NULL, unknown kind, a span that is not exactly one Data value, a
 *         list whose items do not match its count, date-time not 12 bytes, a value out of its
 *         field's range), OMP_ERR_NOSPACE. On any error nothing is written: the size is
 *         measured first, so not even the buffer's spare room is touched.
 * @par Context: any; reentrant.
 */
OMP_MUST_CHECK omp_err omp_apdu_encode(const struct omp_apdu *apdu, struct omp_wr *w);

/**
 * @brief Encode @p apdu like omp_apdu_encode(), but only what a server sends: AARE, RLRE, the
 * GET/SET/ACTION responses, exception-response and confirmed-service-error (the server's link
 * stays free of the request encoders; omp_apdu_decode_request()).
 * @return as omp_apdu_encode(), with identical bytes for those kinds; OMP_ERR_ARG for any other
 *         kind (nothing written).
 * @par Context: any; reentrant.
 */
OMP_MUST_CHECK omp_err omp_apdu_encode_response(const struct omp_apdu *apdu, struct omp_wr *w);

/* ---- walking lists (decoded spans are already validated; these still check) ---------------- */

/** @brief Next cosem-attribute-descriptor-with-selection of a GET/SET-request list. */
OMP_MUST_CHECK omp_err omp_apdu_list_next_desc(struct omp_rd *it, struct omp_apdu_desc *desc,
                                               struct omp_apdu_access *access);
/** @brief Next Get-Data-Result of a GET-response list. */
OMP_MUST_CHECK omp_err omp_apdu_list_next_result(struct omp_rd *it, struct omp_apdu_result *r);
/** @brief Next Data of a SET-request list of values. */
OMP_MUST_CHECK omp_err omp_apdu_list_next_data(struct omp_rd *it, struct omp_apdu_span *data);
/** @brief Next Data-Access-Result of a SET-response list. */
OMP_MUST_CHECK omp_err omp_apdu_list_next_dar(struct omp_rd *it, uint8_t *dar);
/** @brief Next Cosem-Method-Descriptor of an ACTION-request list. @p it and @p desc untouched on
 *  error. @return OK, ARG (NULL), TRUNCATED. */
OMP_MUST_CHECK omp_err omp_apdu_list_next_method(struct omp_rd *it, struct omp_apdu_desc *desc);
/** @brief Next Action-Response-With-Optional-Data of an ACTION-response list. @p it and @p r
 *  untouched on error. @return OK, ARG (NULL), TRUNCATED, MALFORMED (flag not 0/1, bad Data). */
OMP_MUST_CHECK omp_err omp_apdu_list_next_action(struct omp_rd *it,
                                                 struct omp_apdu_action_result *r);

/* ---- building list items (for the encoder's list spans) ------------------------------------ */

/** @brief Write one cosem-attribute-descriptor-with-selection. @return OK, ARG, NOSPACE. */
OMP_MUST_CHECK omp_err omp_apdu_put_desc(struct omp_wr *w, const struct omp_apdu_desc *desc,
                                         const struct omp_apdu_access *access);
/** @brief Write one Get-Data-Result. @return OK, ARG (data not one Data value), NOSPACE. */
OMP_MUST_CHECK omp_err omp_apdu_put_result(struct omp_wr *w, const struct omp_apdu_result *r);
/** @brief Write one Cosem-Method-Descriptor (class, instance, method id: 9 bytes).
 *  @return OK, ARG (NULL), NOSPACE (nothing written). */
OMP_MUST_CHECK omp_err omp_apdu_put_method(struct omp_wr *w, const struct omp_apdu_desc *desc);
/** @brief Write one Action-Response-With-Optional-Data.
 *  @return OK, ARG (NULL, return data not one Data value), NOSPACE (nothing written). */
OMP_MUST_CHECK omp_err omp_apdu_put_action_result(struct omp_wr *w,
                                                  const struct omp_apdu_action_result *r);

/* ---- general-block-transfer (Green Book 9.3.x, GBT; tag 0xE0) ------------------------------- */

/*
 * General-Block-Transfer ::= SEQUENCE { block-control Unsigned8, block-number Unsigned16,
 * block-number-ack Unsigned16, block-data OCTET STRING }, A-XDR: E0 BC BN(2) BNA(2) len data.
 * block-control: bit 7 last-block, bit 6 streaming, bits 5..0 window (0..63). The block-data of
 * the blocks joined in order is the long APDU (decode it with omp_apdu_decode or the cipher codec).
 */
#define OMP_APDU_GBT_LAST        0x80u /**< block-control: last-block */
#define OMP_APDU_GBT_STREAMING   0x40u /**< block-control: streaming */
#define OMP_APDU_GBT_WINDOW_MASK 0x3Fu /**< block-control: window */

/** One general-block-transfer APDU. */
struct omp_apdu_gbt {
    bool last;      /**< block-control bit 7 */
    bool streaming; /**< block-control bit 6 */
    uint8_t window; /**< block-control bits 5..0: 0..63 */
    uint16_t block_number;
    uint16_t block_number_ack;
    struct omp_apdu_span data; /**< block-data contents, zero-copy (ptr NULL when len is 0) */
    bool noncanonical;         /**< set by decode: block-data length not minimal; encode ignores */
};

/**
 * @brief Decode one general-block-transfer APDU at the reader's position and consume it. Trailing
 * bytes stay in the reader. A non-minimal block-data length is accepted and flags noncanonical.
 * @param[out] g  Filled on success; g->data points into the reader's buffer.
 * @return OMP_OK, OMP_ERR_ARG (NULL), OMP_ERR_UNEXPECTED (first byte is not 0xE0),
 *         OMP_ERR_TRUNCATED (input ends inside the APDU), OMP_ERR_MALFORMED (indefinite or
 *         over-long length form). On error @p g and @p rd are untouched.
 * @par Context: any; reentrant.
 */
OMP_MUST_CHECK omp_err omp_apdu_gbt_decode(struct omp_rd *rd, struct omp_apdu_gbt *g);

/**
 * @brief Encode @p g (minimal block-data length).
 * @return OMP_OK, OMP_ERR_ARG (NULL, window above 63, data.ptr NULL with data.len != 0, data.len
 *         above 2^32 - 1), OMP_ERR_NOSPACE (nothing written, not even the spare room).
 * @par Context: any; reentrant.
 */
OMP_MUST_CHECK omp_err omp_apdu_gbt_encode(const struct omp_apdu_gbt *g, struct omp_wr *w);

/* ---- security suite 0: ciphered APDUs (Green Book 9.2.7, AES-128-GCM through the HAL) ------- */

/*
 * Wire format (lib/apdu/apdu_cipher.c; docs/dlms-apdu.md "Ciphered APDUs (security suite 0)"):
 *   general-glo-ciphering DB / general-ded-ciphering DC:
 *       tag, 08 <system title, 8 bytes>, <BER length> SC || IC || payload || T
 *   glo-/ded- service forms (C8..CF, D0..D7):
 *       tag, <BER length> SC || IC || payload || T            (no system title)
 * SC security control byte, IC invocation counter (4 bytes big-endian), T the 12-byte GCM tag
 * when SC has OMP_SC_AUTH. IV = system title || IC. AAD = SC || AK (AUTH+ENC), SC || AK || payload
 * (AUTH only), none (ENC only). The AK stays in the port: the codec passes aad = SC [|| payload]
 * with aad_key_slot = the AK's slot, and the op puts the key after the first byte (hal.h).
 * omp_apdu_decode() still rejects these tags with OMP_ERR_UNSUPPORTED; decode the envelope here,
 * open it, and pass the plaintext to omp_apdu_decode().
 */

/** Tags of ciphered APDUs: general forms carry the system title; glo-/ded- service forms do not. */
enum omp_apdu_cipher_tag {
    OMP_APDU_TAG_GLO_INITIATE_REQUEST = 0x21,  /**< [33]: AARQ user-information, ciphered */
    OMP_APDU_TAG_GLO_INITIATE_RESPONSE = 0x28, /**< [40]: AARE user-information, ciphered */
    OMP_APDU_TAG_GLO_GET_REQUEST = 0xC8,
    OMP_APDU_TAG_GLO_SET_REQUEST = 0xC9,
    OMP_APDU_TAG_GLO_ACTION_REQUEST = 0xCB,
    OMP_APDU_TAG_GLO_GET_RESPONSE = 0xCC,
    OMP_APDU_TAG_GLO_SET_RESPONSE = 0xCD,
    OMP_APDU_TAG_GLO_ACTION_RESPONSE = 0xCF,
    OMP_APDU_TAG_DED_GET_REQUEST = 0xD0,
    OMP_APDU_TAG_DED_SET_REQUEST = 0xD1,
    OMP_APDU_TAG_DED_ACTION_REQUEST = 0xD3,
    OMP_APDU_TAG_DED_GET_RESPONSE = 0xD4,
    OMP_APDU_TAG_DED_SET_RESPONSE = 0xD5,
    OMP_APDU_TAG_DED_ACTION_RESPONSE = 0xD7,
    OMP_APDU_TAG_GENERAL_GLO_CIPHERING = 0xDB,
    OMP_APDU_TAG_GENERAL_DED_CIPHERING = 0xDC,
};

/** Security control byte (SC) fields. */
#define OMP_SC_SUITE_MASK 0x0Fu /**< security suite id (0 = AES-GCM-128; others unsupported) */
#define OMP_SC_AUTH 0x10u       /**< authenticated: a 12-byte tag follows the payload */
#define OMP_SC_ENC 0x20u        /**< encrypted */
#define OMP_SC_BROADCAST 0x40u  /**< key set: broadcast key (the caller picks the key slot) */
#define OMP_SC_COMPRESS 0x80u   /**< compressed (not supported: OMP_ERR_UNSUPPORTED) */
/** Authentication tag length of suite 0 (bytes). */
#define OMP_APDU_GCM_TAG_LEN 12u

/** @brief A ciphered APDU's envelope, zero-copy into the input. */
struct omp_apdu_ciphered {
    uint8_t tag;                 /**< enum omp_apdu_cipher_tag */
    bool has_system_title;       /**< general-glo/ded-ciphering carry one */
    uint8_t system_title[8];     /**< sender's system title when has_system_title, else zeros */
    uint8_t sc;                  /**< security control byte */
    uint32_t ic;                 /**< invocation counter */
    const uint8_t *payload;      /**< ciphertext (ENC) or plaintext (AUTH only); points into the
                                      input even when payload_len is 0 */
    size_t payload_len;
    const uint8_t *auth_tag;     /**< OMP_APDU_GCM_TAG_LEN bytes when SC has AUTH, else NULL */
};

/**
 * @brief Decode the envelope of a ciphered APDU (any tag of enum omp_apdu_cipher_tag) at the
 * reader's position and consume it: lengths, SC, invocation counter, payload and tag spans.
 * Nothing is decrypted or verified. Trailing bytes after the envelope stay in the reader.
 * Non-minimal BER lengths are accepted (re-sealing then writes the minimal form).
 * @param[out] c  Filled on success; spans point into the reader's buffer.
 * @return OMP_OK, OMP_ERR_ARG (NULL), OMP_ERR_UNEXPECTED (first byte is not a ciphered-APDU tag),
 *         OMP_ERR_TRUNCATED (input ends inside the envelope), OMP_ERR_MALFORMED (system-title
 *         length not 8, indefinite/over-long BER length, content shorter than SC + IC [+ tag]),
 *         OMP_ERR_UNSUPPORTED (suite id not 0, compression, or neither AUTH nor ENC).
 *         On error @p c and @p rd are untouched.
 * @par Context: any; reentrant.
 */
OMP_MUST_CHECK omp_err omp_apdu_cipher_decode(struct omp_rd *rd, struct omp_apdu_ciphered *c);

/** The HAL's AES-GCM op (hal.h aead_gcm): codecs take it as a function, never the whole HAL. */
typedef omp_err (*omp_apdu_gcm_fn)(void *user, const struct omp_gcm_op *op);

/**
 * @brief Verify and decrypt @p c through @p gcm (one call): IV = system title || IC; AUTH+ENC:
 * GCM decrypt with AAD = SC || AK; AUTH only: tag over AAD = SC || AK || payload, out = payload
 * after verification; ENC only: GCM keystream (an encrypt op; its tag is ignored) - no integrity.
 *
 * @param c             From omp_apdu_cipher_decode() (or filled by hand).
 * @param system_title  The sender's system title; used only when @p c has none (glo-/ded- service
 *                      forms), may be NULL otherwise.
 * @param key_slot      Slot of the encryption key (GUEK, GBEK or DEDICATED); used for AUTH only
 *                      too, as GCM needs it for the tag.
 * @param ak_slot       Slot of the authentication key (GAK); ignored for ENC only.
 * @param[out] out      The plaintext APDU. May be exactly c->payload (in place); no other overlap.
 * @param cap           Capacity of @p out: at least payload_len, payload_len + 1 for AUTH only
 *                      (out holds SC || payload as the AAD while the tag is checked).
 * @param[out] len      Plaintext length (= payload_len); untouched on error.
 * @return OMP_OK, OMP_ERR_AUTH (tag mismatch), OMP_ERR_NOSPACE (cap too small; out untouched),
 *         OMP_ERR_ARG (NULL, no system title, AUTH without auth_tag), OMP_ERR_UNSUPPORTED (SC
 *         not suite 0 / compressed / neither AUTH nor ENC), or the op's error. After the op ran
 *         and failed, the first payload_len (+1 for AUTH only) bytes of @p out are zeroed: never
 *         any unverified plaintext. Check the invocation counter afterwards
 *         (omp_apdu_replay_check()).
 * @par Context: any; reentrant if @p gcm is.
 */
OMP_MUST_CHECK omp_err omp_apdu_cipher_open(const struct omp_apdu_ciphered *c,
                                            const uint8_t system_title[8], omp_apdu_gcm_fn gcm,
                                            void *user, uint8_t key_slot, uint8_t ak_slot,
                                            uint8_t *out, size_t cap, size_t *len);

/**
 * @brief Build a ciphered APDU of tag @p tag around the plaintext APDU @p apdu with SC @p sc and
 * invocation counter @p ic, through @p gcm (one call), with minimal BER lengths.
 *
 * @param system_title  Own system title: the IV's first 8 bytes for every tag, and written into
 *                      the envelope for the general forms (DB, DC).
 * @param apdu          Plaintext; must not overlap the writer's buffer.
 * @param key_slot      Encryption key slot; @p ak_slot the authentication key (ignored for ENC
 *                      only).
 * @return OMP_OK, OMP_ERR_ARG (NULL, tag not in enum omp_apdu_cipher_tag, apdu_len beyond
 *         2^32 - 64), OMP_ERR_UNSUPPORTED (SC as for open), OMP_ERR_NOSPACE (nothing written), the
 *         writer's sticky error, or the op's error. On any error the writer's length is unchanged;
 *         after an op error the bytes the encoder had used beyond it are zeroed.
 * @par Context: any; reentrant if @p gcm is. The caller increments its IC for every seal.
 */
OMP_MUST_CHECK omp_err omp_apdu_cipher_seal(struct omp_wr *w, uint8_t tag,
                                            const uint8_t system_title[8], uint8_t sc, uint32_t ic,
                                            const uint8_t *apdu, size_t apdu_len,
                                            omp_apdu_gcm_fn gcm, void *user, uint8_t key_slot,
                                            uint8_t ak_slot);

/**
 * @brief Decode a plain xDLMS InitiateRequest (first byte 0x01) filling all of @p p, e.g. the
 * plaintext of a glo-initiateRequest (0x21) in an AARQ's user-information.
 * @return OMP_OK, OMP_ERR_ARG (NULL), OMP_ERR_UNEXPECTED (another first byte), OMP_ERR_MALFORMED
 *         (short, bad conformance, bytes left over). @p q is unspecified on error.
 * @par Context: any; reentrant.
 */
OMP_MUST_CHECK omp_err omp_apdu_initiate_req_decode(const uint8_t *p, size_t len,
                                                    struct omp_apdu_initiate_req *q);

/** Bytes of an HLS mechanism 5 (GMAC) response f(challenge) = SC || IC || tag. */
#define OMP_APDU_HLS_GMAC_LEN 17u

/**
 * @brief HLS authentication mechanism 5 (HLS-GMAC, Green Book 9.2.7.4): f(challenge) = SC || IC ||
 * GMAC(SC || AK || challenge) with IV = @p system_title (the sender's: whoever computes f) || @p ic,
 * the key in @p key_slot, AK in @p ak_slot and SC = 0x10 (authentication only, suite 0), written
 * to @p out (OMP_APDU_HLS_GMAC_LEN bytes). @p challenge is 8..64 bytes (the peer's).
 * @return OMP_OK, OMP_ERR_ARG, or the op's error.
 */
OMP_MUST_CHECK omp_err omp_apdu_hls_gmac(const uint8_t system_title[8], uint32_t ic,
                                         const uint8_t *challenge, size_t challenge_len,
                                         omp_apdu_gcm_fn gcm, void *user, uint8_t key_slot,
                                         uint8_t ak_slot, uint8_t out[OMP_APDU_HLS_GMAC_LEN]);

/**
 * @brief Check the peer's f(challenge) @p f (OMP_APDU_HLS_GMAC_LEN bytes: SC 0x10, its IC, tag)
 * against our @p challenge, with the peer's @p system_title. @p ic (may be NULL) gets the peer's
 * invocation counter (feed it to the replay guard).
 * @return OMP_OK, OMP_ERR_AUTH (wrong tag), OMP_ERR_MALFORMED (length, SC), OMP_ERR_ARG, or the
 *         op's error.
 */
OMP_MUST_CHECK omp_err omp_apdu_hls_gmac_check(const uint8_t system_title[8],
                                               const uint8_t *challenge, size_t challenge_len,
                                               const uint8_t *f, size_t f_len,
                                               omp_apdu_gcm_fn gcm, void *user, uint8_t key_slot,
                                               uint8_t ak_slot, uint32_t *ic);

/** @brief Replay guard of one sender and key: the newest accepted invocation counter.
 *  Zero-initialise it (seen = false): the first counter is then accepted, whatever its value. */
struct omp_apdu_replay {
    bool seen;
    uint32_t last_ic;
};

/**
 * @brief Accept @p ic only if it is newer (strictly greater) than every counter accepted before
 * (call after a successful omp_apdu_cipher_open()). Persisting the state across resets is the
 * caller's job.
 * @return OMP_OK (remembered), OMP_ERR_REPLAY (equal or lower; @p r unchanged), OMP_ERR_ARG (NULL).
 */
OMP_MUST_CHECK omp_err omp_apdu_replay_check(struct omp_apdu_replay *r, uint32_t ic);

/* ------------------------------------------------------------------------------------------ */
/* Client helpers (host tools, issue #5 item 6; lib/apdu/apdu_client.c, docs/dlms-apdu.md)      */
/* Built only with OMP_CONFIG_DLMS_CLIENT 1 (config.h); a meter needs none of them.              */
/* ------------------------------------------------------------------------------------------ */

/*
 * Thin client-side helpers on top of omp_apdu_encode/decode: building the AARQ (and the plain
 * InitiateRequest to seal for a ciphered one), GET-request-normal, -next and -with-list, range and
 * entry selective access, the HLS pass 3 ACTION and reading the pass 4 answer, checking the AARE,
 * reassembling GET-response-with-datablock and iterating the (OBIS, value) pairs of a HAN push
 * body. Every builder writes all of its bytes or none (OMP_ERR_NOSPACE leaves the writer's length
 * unchanged and the buffer untouched).
 */

/** Authentication of the AARQ built by omp_dlms_client_aarq() (values = enum omp_auth_mechanism). */
enum omp_dlms_mech {
    OMP_DLMS_MECH_NONE = 0,     /**< lowest level: no mechanism, no authentication value */
    OMP_DLMS_MECH_LLS = 1,      /**< low level security: the secret is the password */
    OMP_DLMS_MECH_HLS_GMAC = 5, /**< HLS-GMAC: the secret is the client challenge CtoS */
};

/** Parameters of omp_dlms_client_aarq(). Zero-initialise, then set what is used. */
struct omp_dlms_aarq_opts {
    enum omp_dlms_mech mechanism;
    const uint8_t *secret; /**< LLS password / HLS-GMAC CtoS (8..64 bytes); NULL for NONE */
    size_t secret_len;     /**< 1..127 bytes for LLS */
    const uint8_t *system_title; /**< client system title (8 bytes, calling-AP-title): required
                                      for HLS-GMAC and with @c user_info, NULL otherwise */
    uint32_t conformance;  /**< proposed conformance, 24 bits (OMP_CONF_*) */
    uint16_t max_pdu;      /**< client-max-receive-pdu-size */
    /**
     * NULL: the user-information is a plain InitiateRequest built from @c conformance and
     * @c max_pdu. Otherwise these @c user_info_len (>= 1) bytes are put in the user-information
     * verbatim (OMP_APDU_UINFO_OTHER): an already ciphered InitiateRequest, e.g.
     * omp_dlms_client_initiate_req() sealed by omp_apdu_cipher_seal() with tag 0x21
     * (glo-initiateRequest). @c conformance and @c max_pdu are then not used.
     */
    const uint8_t *user_info;
    size_t user_info_len;
};

/**
 * @brief Build an AARQ: application context LN (NONE, LLS) or LN-with-ciphering (HLS-GMAC, or any
 * mechanism with @c user_info; with the calling-AP-title), sender-acse-requirements +
 * mechanism-name + calling-authentication-value when authenticated, and as user-information a
 * plain xDLMS InitiateRequest (no dedicated key, response-allowed default, no QoS, DLMS version 6)
 * with @p o's conformance and max PDU, or @p o's opaque @c user_info bytes.
 * @return OMP_OK, OMP_ERR_ARG (NULL, unknown mechanism, secret missing/too long/present for NONE,
 *         system title missing for HLS-GMAC or with user_info, or given otherwise, conformance
 *         above 24 bits, user_info empty or a user_info_len without user_info),
 *         OMP_ERR_NOSPACE (nothing written).
 * @par Context: any; reentrant.
 */
OMP_MUST_CHECK omp_err omp_dlms_client_aarq(struct omp_wr *w, const struct omp_dlms_aarq_opts *o);

/** Bytes of the InitiateRequest written by omp_dlms_client_initiate_req(). */
#define OMP_DLMS_INITIATE_REQ_LEN 14u

/**
 * @brief Write a plain xDLMS InitiateRequest (the APDU only, no ACSE wrapping):
 * 01 00 00 00 06 5F 1F 04 00 <conformance, 3 bytes> <max PDU, 2 bytes> = tag, no dedicated key,
 * response-allowed default, no QoS, DLMS version 6. This is the plaintext to seal with
 * omp_apdu_cipher_seal(tag 0x21) for omp_dlms_aarq_opts::user_info.
 * @return OMP_OK, OMP_ERR_ARG (NULL, conformance above 24 bits), OMP_ERR_NOSPACE (nothing
 *         written).
 * @par Context: any; reentrant.
 */
OMP_MUST_CHECK omp_err omp_dlms_client_initiate_req(struct omp_wr *w, uint32_t conformance,
                                                    uint16_t max_pdu);

/** What the server answered in its AARE (omp_dlms_client_check_aare()). */
struct omp_dlms_assoc {
    bool accepted;        /**< result accepted and an InitiateResponse present */
    bool auth_pending;    /**< accepted with diagnostic authentication-required (HLS pass 3/4) */
    uint8_t result;       /**< enum omp_assoc_result */
    uint8_t diag_source;  /**< enum omp_assoc_diag_source */
    uint8_t diag;         /**< enum omp_assoc_user_diag / omp_assoc_provider_diag */
    uint32_t conformance; /**< negotiated conformance (0 unless accepted) */
    uint16_t max_pdu;     /**< server-max-receive-pdu-size (0 unless accepted) */
    bool has_initiate_error;  /**< user-information is a ConfirmedServiceError */
    struct omp_apdu_cse initiate_error;
    bool has_challenge;       /**< responding-authentication-value (HLS StoC) present */
    struct omp_apdu_span challenge; /**< points into the caller's AARE bytes */
};

/**
 * @brief Decode the AARE in @p apdu (exactly @p len bytes) and summarise it. A rejection is
 * reported in @p out (accepted = false) with OMP_OK.
 * @return OMP_OK, OMP_ERR_ARG (NULL), OMP_ERR_UNEXPECTED (a valid APDU that is not an AARE),
 *         OMP_ERR_MALFORMED (trailing bytes), OMP_ERR_PROTOCOL (result accepted without an
 *         InitiateResponse), or omp_apdu_decode()'s errors. @p out untouched on error.
 * @par Context: any; reentrant.
 */
OMP_MUST_CHECK omp_err omp_dlms_client_check_aare(const uint8_t *apdu, size_t len,
                                                  struct omp_dlms_assoc *out);

/**
 * @brief Build a GET-request-normal for attribute @p attr of object (@p class_id, @p obis).
 * @param invoke         invoke-id-and-priority byte, written as given (the Kamstrup sessions
 *                       use 0x81).
 * @param access_params  NULL: no selective access. Otherwise exactly one A-XDR Data value
 *                       (@p access_len bytes), sent with access-selector @p selector.
 * @return OMP_OK, OMP_ERR_ARG (NULL, params not exactly one Data), OMP_ERR_NOSPACE (nothing
 *         written).
 * @par Context: any; reentrant.
 */
OMP_MUST_CHECK omp_err omp_dlms_client_get(struct omp_wr *w, uint8_t invoke, uint16_t class_id,
                                           const struct omp_obis *obis, int8_t attr,
                                           uint8_t selector, const uint8_t *access_params,
                                           size_t access_len);

/** @brief Build a GET-request-next acknowledging block @p block_number (the last one received).
 *  @return OMP_OK, OMP_ERR_ARG (NULL), OMP_ERR_NOSPACE (nothing written). */
OMP_MUST_CHECK omp_err omp_dlms_client_get_next(struct omp_wr *w, uint8_t invoke,
                                                uint32_t block_number);

/** One attribute of omp_dlms_client_get_list(). */
struct omp_dlms_attr_ref {
    uint16_t class_id;
    struct omp_obis obis;
    int8_t attr;
    uint8_t selector;             /**< access-selector, used when access_params is not NULL */
    const uint8_t *access_params; /**< NULL: no selective access; else exactly one Data value */
    size_t access_len;
};

/**
 * @brief Build a GET-request-with-list of the @p n attributes @p refs (in order; the server answers
 * with a GET-response-with-list of n Get-Data-Results in the same order).
 * @param invoke  invoke-id-and-priority byte, written as given.
 * @param n       1 .. 65535 (the list count is written in minimal A-XDR length form).
 * @return OMP_OK, OMP_ERR_ARG (NULL, n out of range, access_len without access_params, access
 *         params not exactly one Data value), OMP_ERR_NOSPACE (nothing written).
 * @par Context: any; reentrant.
 */
OMP_MUST_CHECK omp_err omp_dlms_client_get_list(struct omp_wr *w, uint8_t invoke,
                                                const struct omp_dlms_attr_ref *refs, size_t n);

/**
 * @brief Write the access-parameters of a profile-generic range-descriptor (access-selector 1)
 * as one Data value: structure { restricting-object structure { long-unsigned 8 (clock),
 * octet-string @p clock_ln, integer 2, long-unsigned 0 }, octet-string(12) @p from,
 * octet-string(12) @p to, selected-values array 0 (all columns) }. Date-times are validated
 * (omp_axdr_datetime_check()); to start from a UTC instant use omp_axdr_datetime_from_time().
 * @return OMP_OK, OMP_ERR_ARG (NULL), OMP_ERR_RANGE (invalid date-time), OMP_ERR_NOSPACE
 *         (nothing written).
 * @par Context: any; reentrant.
 */
OMP_MUST_CHECK omp_err omp_dlms_client_range(struct omp_wr *w, const struct omp_obis *clock_ln,
                                             const struct omp_axdr_datetime *from,
                                             const struct omp_axdr_datetime *to);

/** Bytes written by omp_dlms_client_entry(). */
#define OMP_DLMS_ENTRY_PARAMS_LEN 18u

/**
 * @brief Write the access-parameters of a profile-generic entry-descriptor (access-selector 2,
 * Blue Book IC 7) as one Data value (OMP_DLMS_ENTRY_PARAMS_LEN bytes): structure {
 * double-long-unsigned @p from_entry, double-long-unsigned @p to_entry, long-unsigned
 * @p from_col (from_selected_value), long-unsigned @p to_col (to_selected_value) }. Entries and
 * columns count from 1; 0 for @p to_entry / @p to_col means "the last one".
 * @return OMP_OK, OMP_ERR_ARG (NULL, from_entry or from_col 0, a non-zero upper bound below its
 *         lower bound), OMP_ERR_NOSPACE (nothing written).
 * @par Context: any; reentrant.
 */
OMP_MUST_CHECK omp_err omp_dlms_client_entry(struct omp_wr *w, uint32_t from_entry,
                                             uint32_t to_entry, uint16_t from_col, uint16_t to_col);

/** Association LN (class 15) method reply_to_HLS_authentication, and its logical name. */
#define OMP_DLMS_ASSOC_LN_CLASS   15u
#define OMP_DLMS_HLS_REPLY_METHOD 1
/** Bytes written by omp_dlms_client_hls_reply(). */
#define OMP_DLMS_HLS_REPLY_LEN 32u

/**
 * @brief Build HLS pass 3: ACTION-request-normal of method 1 (reply_to_HLS_authentication) of the
 * current Association LN object (class 15, OBIS 0.0.40.0.0.255) with parameter octet-string @p f,
 * the client's f(StoC) from omp_apdu_hls_gmac() (OMP_APDU_HLS_GMAC_LEN bytes).
 * Bytes: C3 01 @p invoke 000F 0000280000FF 01 01 09 11 <f> (OMP_DLMS_HLS_REPLY_LEN).
 * @return OMP_OK, OMP_ERR_ARG (NULL), OMP_ERR_NOSPACE (nothing written).
 * @par Context: any; reentrant.
 */
OMP_MUST_CHECK omp_err omp_dlms_client_hls_reply(struct omp_wr *w, uint8_t invoke,
                                                 const uint8_t f[OMP_APDU_HLS_GMAC_LEN]);

/**
 * @brief Read HLS pass 4: the server's f(CtoS) from the decoded ACTION-response-normal @p rsp to
 * omp_dlms_client_hls_reply() (result success, return-parameters data = octet-string). Pass
 * f_ctos->ptr/len to omp_apdu_hls_gmac_check() with the client's challenge and the server's system
 * title; its length is checked there.
 * @param[out] f_ctos  The octet-string contents; points into the bytes @p rsp was decoded from.
 * @return OMP_OK, OMP_ERR_ARG (NULL), OMP_ERR_UNEXPECTED (not an ACTION-response-normal),
 *         OMP_ERR_DENIED (action result not success: the server refused our f(StoC)),
 *         OMP_ERR_PROTOCOL (success without return-parameters, a data-access-result instead of
 *         data, or data that is not an octet-string). @p f_ctos untouched on error.
 * @par Context: any; reentrant.
 */
OMP_MUST_CHECK omp_err omp_dlms_client_hls_result(const struct omp_apdu *rsp,
                                                  struct omp_apdu_span *f_ctos);

/**
 * Reassembly of a GET-response-with-datablock into a caller buffer. Initialise with
 * omp_dlms_blocks_init(); feed every decoded GET-response; after each block send GET-next with
 * @c ack_block until @c done. The joined bytes buf[0..len) are then one A-XDR Data value.
 */
struct omp_dlms_blocks {
    uint8_t *buf;        /**< caller buffer */
    size_t cap;          /**< its capacity */
    size_t len;          /**< bytes joined so far */
    uint32_t ack_block;  /**< block number to put in the next GET-next (last one received) */
    uint32_t expected;   /**< block number the next response must carry (1 at start) */
    bool done;           /**< the last block (or a normal response / a dar) arrived */
    uint8_t dar;         /**< OMP_DAR_SUCCESS, or the server's data-access-result */
};

/** @brief Start an empty reassembly into @p buf (@p cap bytes). NULL @p b is ignored. */
void omp_dlms_blocks_init(struct omp_dlms_blocks *b, uint8_t *buf, size_t cap);

/**
 * @brief Take one decoded GET-response. With-datablock: its block number must be @c expected;
 * raw-data is appended, @c ack_block/@c expected advance, @c done is set on the last block.
 * A GET-response-normal before any block is accepted as the whole answer (data copied, done).
 * @return OMP_OK, OMP_ERR_DENIED (the server sent a data-access-result: stored in @c dar, done),
 *         OMP_ERR_PROTOCOL (wrong block number, other APDU kind, normal response after blocks),
 *         OMP_ERR_STATE (already done), OMP_ERR_NOSPACE (does not fit), OMP_ERR_ARG (NULL).
 *         On PROTOCOL, STATE, NOSPACE and ARG @p b is unchanged.
 * @par Context: any; reentrant per @p b.
 */
OMP_MUST_CHECK omp_err omp_dlms_blocks_feed(struct omp_dlms_blocks *b, const struct omp_apdu *rsp);

/** Iterator over the (OBIS, value) pairs of a data-notification body (omp_dlms_push_init()). */
struct omp_dlms_push_iter {
    struct omp_rd rd;                /**< inside the body, after what was consumed */
    size_t left;                     /**< elements of the body structure not consumed yet */
    bool has_list_id;                /**< the structure starts with a visible-string */
    struct omp_apdu_span list_id;    /**< e.g. "Kamstrup_V0001" */
    struct omp_apdu_span value_raw;  /**< the whole encoding of the last value returned */
};

/**
 * @brief Start iterating @p body (one Data value: a structure or array [visible-string list id,
 * OBIS octet-string(6), value, ...], e.g. omp_apdu::u.notify.body). A leading visible-string is
 * taken as the list id.
 * @return OMP_OK, OMP_ERR_ARG (NULL), OMP_ERR_MALFORMED (not a structure/array), or
 *         omp_axdr_next()'s errors. @p it untouched on error.
 */
OMP_MUST_CHECK omp_err omp_dlms_push_init(struct omp_dlms_push_iter *it, const uint8_t *body,
                                          size_t len);

/**
 * @brief Next (OBIS, value) pair; null-data placeholders (null-data in the OBIS position followed
 * by a null-data value) are skipped. @p value is the value's element (containers: the header;
 * their whole encoding is in it->value_raw for omp_axdr_walk()).
 * @return OMP_OK, OMP_ERR_NOT_FOUND (no more pairs), OMP_ERR_ARG (NULL), OMP_ERR_MALFORMED (the
 *         OBIS position is not an octet-string of 6 bytes or a placeholder, an OBIS without a
 *         value), or omp_axdr_next()/omp_axdr_skip() errors. @p it and outputs untouched on error;
 *         on NOT_FOUND trailing placeholders are consumed (it->left becomes 0).
 */
OMP_MUST_CHECK omp_err omp_dlms_push_next(struct omp_dlms_push_iter *it, struct omp_obis *obis,
                                          struct omp_axdr_elem *value);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_APDU_H */

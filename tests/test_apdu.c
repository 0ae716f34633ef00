/*
 * xDLMS and ACSE APDUs (module apdu).
 *
 * Real vectors: the APDUs of ../shared/vectors/kamstrup_dlms_doc_hdlc_sessions.txt (Kamstrup DLMS
 * doc 55121424 section 4), cut by hand out of each I-frame's information field after the LLC header
 * E6 E6 00 (client) / E6 E7 00 (meter) and before the FCS; and the Norwegian HAN push
 * LLC_SE_LIST_3PH_ANONYMISED of ../shared/vectors/kamstrup_no_han_amshan.txt after E6 E7 00.
 * Expected field values are decoded by hand from those bytes with the Green Book xDLMS ASN.1
 * (A-XDR) and the ACSE ASN.1 (BER); the reasoning is next to each vector.
 *
 * Synthetic vectors ("hand") are written byte by byte from the same ASN.1 for the APDU kinds the
 * sessions do not contain; their lengths are counted by hand in the comments.
 *
 * The session APDUs (S1, S2) and the hand vectors the client tests use too (GET-request-with-list,
 * the rejecting AARE, the HLS-GMAC AARQ) are in dlms_vectors.h, with their comments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/apdu.h"
#include "omnipower/axdr.h"

#include "dlms_vectors.h"

/* ---- real vectors ------------------------------------------------------------------------ */

/* HAN data-notification LLC_SE_LIST_3PH_ANONYMISED (214 bytes): 0F, long-invoke-id 00000000,
 * date-time 0C + 07E6 01 18 01 12 3A 32 FF 8000 00 = 2022-01-24 (Monday) 18:58:50, hundredths not
 * specified, deviation 0x8000 (not specified), status 00; body from offset 18: structure 02 19
 * (25 elements) up to the end (196 bytes). */
static const uint8_t k_han[] = {
    0x0F, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x07, 0xE6, 0x01, 0x18, 0x01, 0x12, 0x3A, 0x32, 0xFF, 0x80,
    0x00, 0x00, 0x02, 0x19, 0x0A, 0x0E, 0x4B, 0x61, 0x6D, 0x73, 0x74, 0x72, 0x75, 0x70, 0x5F, 0x56,
    0x30, 0x30, 0x30, 0x31, 0x09, 0x06, 0x01, 0x01, 0x00, 0x00, 0x05, 0xFF, 0x0A, 0x10, 0x35, 0x37,
    0x30, 0x35, 0x37, 0x30, 0x35, 0x37, 0x30, 0x35, 0x37, 0x30, 0x35, 0x37, 0x30, 0x37, 0x09, 0x06,
    0x01, 0x01, 0x60, 0x01, 0x01, 0xFF, 0x0A, 0x12, 0x36, 0x38, 0x34, 0x31, 0x31, 0x33, 0x38, 0x42,
    0x4E, 0x32, 0x34, 0x35, 0x31, 0x30, 0x31, 0x30, 0x39, 0x30, 0x09, 0x06, 0x01, 0x01, 0x01, 0x07,
    0x00, 0xFF, 0x06, 0x00, 0x00, 0x03, 0x3A, 0x09, 0x06, 0x01, 0x01, 0x02, 0x07, 0x00, 0xFF, 0x06,
    0x00, 0x00, 0x00, 0x00, 0x09, 0x06, 0x01, 0x01, 0x03, 0x07, 0x00, 0xFF, 0x06, 0x00, 0x00, 0x00,
    0x68, 0x09, 0x06, 0x01, 0x01, 0x04, 0x07, 0x00, 0xFF, 0x06, 0x00, 0x00, 0x00, 0xB0, 0x09, 0x06,
    0x01, 0x01, 0x1F, 0x07, 0x00, 0xFF, 0x06, 0x00, 0x00, 0x00, 0xED, 0x09, 0x06, 0x01, 0x01, 0x33,
    0x07, 0x00, 0xFF, 0x06, 0x00, 0x00, 0x00, 0x59, 0x09, 0x06, 0x01, 0x01, 0x47, 0x07, 0x00, 0xFF,
    0x06, 0x00, 0x00, 0x00, 0x4B, 0x09, 0x06, 0x01, 0x01, 0x20, 0x07, 0x00, 0xFF, 0x12, 0x00, 0xE8,
    0x09, 0x06, 0x01, 0x01, 0x34, 0x07, 0x00, 0xFF, 0x12, 0x00, 0xE9, 0x09, 0x06, 0x01, 0x01, 0x48,
    0x07, 0x00, 0xFF, 0x12, 0x00, 0xEC};

/* ---- hand vectors (Green Book xDLMS ASN.1 / ACSE, A-XDR and BER written out by hand) ------ */

/* GET-response-with-list: 2 results: data 06 00000001, dar 04 (object-undefined) */
static const uint8_t k_get_rsp_list[] = {0xC4, 0x03, 0x81, 0x02, 0x00, 0x06,
                                         0x00, 0x00, 0x00, 0x01, 0x01, 0x04};
/* GET-response-with-datablock carrying a dar: last 01, block 2, choice 01, dar 0F (15) */
static const uint8_t k_get_rsp_block_dar[] = {0xC4, 0x02, 0x81, 0x01, 0x00,
                                              0x00, 0x00, 0x02, 0x01, 0x0F};
/* SET-request-normal (invoke 41): clock 0008 0.0.1.0.0.255 attr 2, no access, value 09 0C
 * <2022-01-24 18:58:50 as in the HAN push> */
static const uint8_t k_set_normal[] = {0xC1, 0x01, 0x41, 0x00, 0x08, 0x00, 0x00, 0x01, 0x00,
                                       0x00, 0xFF, 0x02, 0x00, 0x09, 0x0C, 0x07, 0xE6, 0x01,
                                       0x18, 0x01, 0x12, 0x3A, 0x32, 0xFF, 0x80, 0x00, 0x00};
/* SET-request-with-first-datablock: 0001 0.0.96.1.0.255 attr 2, no access, DataBlock-SA
 * {last 00, block 00000001, raw 03 AABBCC} */
static const uint8_t k_set_first[] = {0xC1, 0x02, 0x41, 0x00, 0x01, 0x00, 0x00, 0x60,
                                      0x01, 0x00, 0xFF, 0x02, 0x00, 0x00, 0x00, 0x00,
                                      0x00, 0x01, 0x03, 0xAA, 0xBB, 0xCC};
/* SET-request-with-datablock: {last 01, block 00000002, raw 02 DDEE} */
static const uint8_t k_set_block[] = {0xC1, 0x03, 0x41, 0x01, 0x00, 0x00,
                                      0x00, 0x02, 0x02, 0xDD, 0xEE};
/* SET-request-with-list: 2 descriptors (0001 0.0.96.1.0.255 / 0.0.96.1.1.255 attr 2), 2 values
 * 11 05 (unsigned 5), 12 0102 (long-unsigned 258) */
static const uint8_t k_set_list[] = {0xC1, 0x04, 0x41, 0x02, 0x00, 0x01, 0x00, 0x00, 0x60, 0x01,
                                     0x00, 0xFF, 0x02, 0x00, 0x00, 0x01, 0x00, 0x00, 0x60, 0x01,
                                     0x01, 0xFF, 0x02, 0x00, 0x02, 0x11, 0x05, 0x12, 0x01, 0x02};
static const uint8_t k_set_rsp_normal[] = {0xC5, 0x01, 0x41, 0x00}; /* success */
static const uint8_t k_set_rsp_block[] = {0xC5, 0x02, 0x41, 0x00, 0x00, 0x00, 0x01};
static const uint8_t k_set_rsp_last[] = {0xC5, 0x03, 0x41, 0x00, 0x00, 0x00, 0x00, 0x02};
static const uint8_t k_set_rsp_list[] = {0xC5, 0x05, 0x41, 0x02, 0x00, 0x03}; /* success, denied */
/* ACTION-request-normal: disconnect control 0046 0.0.96.3.10.255 method 01, params 01 + 0F 00 */
static const uint8_t k_act_params[] = {0xC3, 0x01, 0x41, 0x00, 0x46, 0x00, 0x00, 0x60,
                                       0x03, 0x0A, 0xFF, 0x01, 0x01, 0x0F, 0x00};
/* same, method 02, no parameters (00) */
static const uint8_t k_act_noparams[] = {0xC3, 0x01, 0x41, 0x00, 0x46, 0x00, 0x00,
                                         0x60, 0x03, 0x0A, 0xFF, 0x02, 0x00};
static const uint8_t k_act_next[] = {0xC3, 0x02, 0x41, 0x00, 0x00, 0x00, 0x03};
static const uint8_t k_act_rsp[] = {0xC7, 0x01, 0x41, 0x00, 0x00}; /* success, no data */
/* success, return-parameters present 01, data 00, octet-string 09 02 1234 */
static const uint8_t k_act_rsp_data[] = {0xC7, 0x01, 0x41, 0x00, 0x01,
                                         0x00, 0x09, 0x02, 0x12, 0x34};
/* read-write-denied 03, return present 01, dar choice 01, dar 03 */
static const uint8_t k_act_rsp_dar[] = {0xC7, 0x01, 0x41, 0x03, 0x01, 0x01, 0x03};
/* ACTION-request-with-list (Action-Request-With-List: invoke, SEQUENCE OF
 * Cosem-Method-Descriptor, SEQUENCE OF Data): C3 03 41 | count 02 | {0046 0.0.96.3.10.255 method
 * 01} | {0046 0.0.96.3.10.255 method 02} | count 02 | integer 0F 00 | null-data 00.
 * 4 + 9 + 9 + 1 + 3 = 26 bytes */
static const uint8_t k_act_list[] = {0xC3, 0x03, 0x41, 0x02, 0x00, 0x46, 0x00, 0x00, 0x60,
                                     0x03, 0x0A, 0xFF, 0x01, 0x00, 0x46, 0x00, 0x00, 0x60,
                                     0x03, 0x0A, 0xFF, 0x02, 0x02, 0x0F, 0x00, 0x00};
/* ACTION-request-with-first-pblock (method descriptor, DataBlock-SA {last-block BOOLEAN,
 * block-number Unsigned32, raw-data OCTET STRING}): C3 04 41 | image transfer 0012 0.0.44.0.0.255
 * method 01 | last 00 | block 00000001 | raw 04 02 02 09 10 (the start of a structure{octet-string
 * ...} cut after 4 bytes). 3 + 9 + 1 + 4 + 1 + 4 = 22 bytes */
static const uint8_t k_act_first_pblock[] = {0xC3, 0x04, 0x41, 0x00, 0x12, 0x00, 0x00, 0x2C,
                                             0x00, 0x00, 0xFF, 0x01, 0x00, 0x00, 0x00, 0x00,
                                             0x01, 0x04, 0x02, 0x02, 0x09, 0x10};
/* ACTION-request-with-list-and-first-pblock: C3 05 41 | count 01 | {0046 0.0.96.3.10.255 01} |
 * last 01 | block 00000001 | raw 02 0F 00. 4 + 9 + 1 + 4 + 1 + 2 = 21 bytes */
static const uint8_t k_act_list_first_pblock[] = {0xC3, 0x05, 0x41, 0x01, 0x00, 0x46, 0x00,
                                                  0x00, 0x60, 0x03, 0x0A, 0xFF, 0x01, 0x01,
                                                  0x00, 0x00, 0x00, 0x01, 0x02, 0x0F, 0x00};
/* ACTION-request-with-pblock: C3 06 41 | last 01 | block 00000002 | raw 02 AABB (11 bytes) */
static const uint8_t k_act_pblock[] = {0xC3, 0x06, 0x41, 0x01, 0x00, 0x00,
                                       0x00, 0x02, 0x02, 0xAA, 0xBB};
/* ACTION-response-with-pblock: C7 02 41 | last 00 | block 00000001 | raw 03 010203 (12 bytes) */
static const uint8_t k_act_rsp_pblock[] = {0xC7, 0x02, 0x41, 0x00, 0x00, 0x00,
                                           0x00, 0x01, 0x03, 0x01, 0x02, 0x03};
/* ACTION-response-with-list (SEQUENCE OF Action-Response-With-Optional-Data {result,
 * return-parameters Get-Data-Result OPTIONAL}): C7 03 41 | count 03 | {00 success, 00 absent} |
 * {00, 01 present, 00 data, unsigned 11 07} | {03 read-write-denied, 01, 01 dar, 03}. 15 bytes */
static const uint8_t k_act_rsp_list[] = {0xC7, 0x03, 0x41, 0x03, 0x00, 0x00, 0x00, 0x01,
                                         0x00, 0x11, 0x07, 0x03, 0x01, 0x01, 0x03};
/* ACTION-response-next-pblock: C7 04 41 | block-number 00000001 */
static const uint8_t k_act_rsp_next[] = {0xC7, 0x04, 0x41, 0x00, 0x00, 0x00, 0x01};
/* SET-request-with-list-and-first-datablock (SEQUENCE OF
 * Cosem-Attribute-Descriptor-With-Selection, DataBlock-SA): C1 05 41 | count 02 |
 * {0001 0.0.96.1.0.255 attr 02, no access 00} | {0001 0.0.96.1.1.255 02 00} | last 00 | block
 * 00000001 | raw 03 11 05 12 (the values 11 05, 12 0102 of k_set_list cut after 3 bytes).
 * 4 + 10 + 10 + 1 + 4 + 1 + 3 = 33 bytes */
static const uint8_t k_set_list_first[] = {0xC1, 0x05, 0x41, 0x02, 0x00, 0x01, 0x00, 0x00, 0x60,
                                           0x01, 0x00, 0xFF, 0x02, 0x00, 0x00, 0x01, 0x00, 0x00,
                                           0x60, 0x01, 0x01, 0xFF, 0x02, 0x00, 0x00, 0x00, 0x00,
                                           0x00, 0x01, 0x03, 0x11, 0x05, 0x12};
/* SET-response-last-datablock-with-list (SEQUENCE OF Data-Access-Result, block-number):
 * C5 04 41 | count 02 | success 00, read-write-denied 03 | block 00000002 (10 bytes) */
static const uint8_t k_set_rsp_last_list[] = {0xC5, 0x04, 0x41, 0x02, 0x00,
                                              0x03, 0x00, 0x00, 0x00, 0x02};
static const uint8_t k_exception[] = {0xD8, 0x01, 0x02}; /* service-not-allowed, not-supported */
/* service-unknown, invocation-counter-error with counter 5 */
static const uint8_t k_exception_ic[] = {0xD8, 0x02, 0x06, 0x00, 0x00, 0x00, 0x05};
static const uint8_t k_cse[] = {0x0E, 0x01, 0x06, 0x01}; /* initiateError, initiate, version low */
/* data-notification, long invoke 00000001, no date-time (00), body unsigned 11 05 */
static const uint8_t k_notify_notime[] = {0x0F, 0x00, 0x00, 0x00, 0x01, 0x00, 0x11, 0x05};
static const uint8_t k_rlrq[] = {0x62, 0x03, 0x80, 0x01, 0x00}; /* reason normal */
static const uint8_t k_rlre[] = {0x63, 0x03, 0x80, 0x01, 0x00};
static const uint8_t k_rlrq_empty[] = {0x62, 0x00};
/* RLRQ with reason and the S1 InitiateRequest: 3 + (2 + 16) = 21 = 0x15 */
static const uint8_t k_rlrq_ui[] = {0x62, 0x15, 0x80, 0x01, 0x00, 0xBE, 0x10, 0x04,
                                    0x0E, 0x01, 0x00, 0x00, 0x00, 0x06, 0x5F, 0x1F,
                                    0x04, 0x00, 0x00, 0x18, 0x1D, 0xFF, 0xFF};
/* AARE for HLS: accepted, diag 0E (authentication-required), responding-AP-title (12), 88 02 07 80
 * (4), 89 07 …0205 (9), AA 0A 80 08 challenge (12), BE 10 InitiateResponse qos absent, 06,
 * conformance 00101D, max 0400, vaa 0007 (18): 11 + 5 + 7 + 12 + 4 + 9 + 12 + 18 = 78 = 0x4E.
 * Also has protocol-version 80 02 07 80 first: + 4 = 82 = 0x52 */
static const uint8_t k_aare_hls[] = {
    0x61, 0x52, 0x80, 0x02, 0x07, 0x80, 0xA1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05,
    0x08, 0x01, 0x03, 0xA2, 0x03, 0x02, 0x01, 0x00, 0xA3, 0x05, 0xA1, 0x03, 0x02, 0x01,
    0x0E, 0xA4, 0x0A, 0x04, 0x08, 0x4B, 0x41, 0x4D, 0x00, 0x00, 0x00, 0x00, 0x01, 0x88,
    0x02, 0x07, 0x80, 0x89, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x02, 0x05, 0xAA, 0x0A,
    0x80, 0x08, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0xBE, 0x10, 0x04, 0x0E,
    0x08, 0x00, 0x06, 0x5F, 0x1F, 0x04, 0x00, 0x00, 0x10, 0x1D, 0x04, 0x00, 0x00, 0x07};
/* AARE with acse-service-provider diagnostic (A3 05 A2 03 02 01 01 no-reason-given),
 * rejected-transient 02, no user-information: 11 + 5 + 7 = 23 = 0x17 */
static const uint8_t k_aare_provider[] = {0x61, 0x17, 0xA1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74,
                                          0x05, 0x08, 0x01, 0x01, 0xA2, 0x03, 0x02, 0x01, 0x02,
                                          0xA3, 0x05, 0xA2, 0x03, 0x02, 0x01, 0x01};
/* AARQ with InitiateRequest carrying dedicated-key (01 10 + 16 bytes), response-allowed FALSE
 * (01 00) and qos present (01 05): 01 | 01 10 k*16 | 01 00 | 01 05 | 06 | 5F1F0400 00181D | 0400
 * = 1 + 18 + 2 + 2 + 1 + 7 + 2 = 33 = 0x21; BE 23 04 21 …; AARQ body 11 + 37 = 48 = 0x30 */
static const uint8_t k_aarq_key[] = {0x60, 0x30, 0xA1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05,
                                     0x08, 0x01, 0x03, 0xBE, 0x23, 0x04, 0x21, 0x01, 0x01, 0x10,
                                     0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
                                     0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x01, 0x00, 0x01, 0x05,
                                     0x06, 0x5F, 0x1F, 0x04, 0x00, 0x00, 0x18, 0x1D, 0x04, 0x00};
/* Data skipper: GET-response-normal with a compact-array 13 | structure{long-unsigned,
 * unsigned} 02 02 12 11 | contents 06 000A01 000B02 */
static const uint8_t k_rsp_compact[] = {0xC4, 0x01, 0x81, 0x00, 0x13, 0x02, 0x02, 0x12,
                                        0x11, 0x06, 0x00, 0x0A, 0x01, 0x00, 0x0B, 0x02};
/* compact-array of array-type (01, 2 elements 0002, long-unsigned 12), contents 04 00010002 */
static const uint8_t k_rsp_compact2[] = {0xC4, 0x01, 0x81, 0x00, 0x13, 0x01, 0x00,
                                         0x02, 0x12, 0x04, 0x00, 0x01, 0x00, 0x02};
/* bit-string of 12 bits (04 0C) = 2 bytes AB C0 */
static const uint8_t k_rsp_bits[] = {0xC4, 0x01, 0x81, 0x00, 0x04, 0x0C, 0xAB, 0xC0};
/* array of 2 (01 02): null-data 00, don't-care FF... no: structure {date 1A 5 bytes, time 1B 4
 * bytes}, float64 18 8 bytes */
static const uint8_t k_rsp_mixed[] = {0xC4, 0x01, 0x81, 0x00, 0x01, 0x02, 0x02, 0x02, 0x1A, 0x07,
                                      0xE6, 0x01, 0x18, 0x01, 0x1B, 0x12, 0x3A, 0x32, 0xFF, 0x18,
                                      0x3F, 0xF0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

struct vec {
    const char *name;
    const uint8_t *in;
    size_t len;
    enum omp_apdu_kind kind;
};

#define V(name, arr, kind)                                                                         \
    {                                                                                              \
        name, arr, sizeof arr, kind                                                                \
    }

/* Canonical inputs: decode -> encode reproduces the bytes exactly. */
static const struct vec k_vecs[] = {
    V("S1 AARQ (Kamstrup doc)", k_s1_aarq, OMP_APDU_AARQ),
    V("S1 AARE (Kamstrup doc)", k_s1_aare, OMP_APDU_AARE),
    V("S1 GET (Kamstrup doc)", k_s1_get, OMP_APDU_GET_REQ_NORMAL),
    V("S1 GET-response (Kamstrup doc)", k_s1_rsp, OMP_APDU_GET_RSP_NORMAL),
    V("S2 AARQ LLS (Kamstrup doc)", k_s2_aarq, OMP_APDU_AARQ),
    V("S2 AARE (Kamstrup doc)", k_s2_aare, OMP_APDU_AARE),
    V("S2 GET selective access (Kamstrup doc)", k_s2_get, OMP_APDU_GET_REQ_NORMAL),
    V("S2 GET-next (Kamstrup doc)", k_s2_next, OMP_APDU_GET_REQ_NEXT),
    V("HAN data-notification (amshan)", k_han, OMP_APDU_DATA_NOTIFICATION),
    V("GET-request-with-list (hand)", k_get_list, OMP_APDU_GET_REQ_LIST),
    V("GET-response-with-list (hand)", k_get_rsp_list, OMP_APDU_GET_RSP_LIST),
    V("GET-response-with-datablock dar (hand)", k_get_rsp_block_dar, OMP_APDU_GET_RSP_BLOCK),
    V("SET-request-normal (hand)", k_set_normal, OMP_APDU_SET_REQ_NORMAL),
    V("SET-request-first-datablock (hand)", k_set_first, OMP_APDU_SET_REQ_FIRST_BLOCK),
    V("SET-request-datablock (hand)", k_set_block, OMP_APDU_SET_REQ_BLOCK),
    V("SET-request-with-list (hand)", k_set_list, OMP_APDU_SET_REQ_LIST),
    V("SET-response-normal (hand)", k_set_rsp_normal, OMP_APDU_SET_RSP_NORMAL),
    V("SET-response-datablock (hand)", k_set_rsp_block, OMP_APDU_SET_RSP_BLOCK),
    V("SET-response-last-datablock (hand)", k_set_rsp_last, OMP_APDU_SET_RSP_LAST_BLOCK),
    V("SET-response-with-list (hand)", k_set_rsp_list, OMP_APDU_SET_RSP_LIST),
    V("ACTION-request params (hand)", k_act_params, OMP_APDU_ACTION_REQ_NORMAL),
    V("ACTION-request no params (hand)", k_act_noparams, OMP_APDU_ACTION_REQ_NORMAL),
    V("ACTION-request-next-pblock (hand)", k_act_next, OMP_APDU_ACTION_REQ_NEXT),
    V("ACTION-response (hand)", k_act_rsp, OMP_APDU_ACTION_RSP_NORMAL),
    V("ACTION-response data (hand)", k_act_rsp_data, OMP_APDU_ACTION_RSP_NORMAL),
    V("ACTION-response dar (hand)", k_act_rsp_dar, OMP_APDU_ACTION_RSP_NORMAL),
    V("ACTION-request-with-list (hand)", k_act_list, OMP_APDU_ACTION_REQ_LIST),
    V("ACTION-request-with-first-pblock (hand)", k_act_first_pblock,
      OMP_APDU_ACTION_REQ_FIRST_PBLOCK),
    V("ACTION-request-with-list-and-first-pblock (hand)", k_act_list_first_pblock,
      OMP_APDU_ACTION_REQ_LIST_FIRST_PBLOCK),
    V("ACTION-request-with-pblock (hand)", k_act_pblock, OMP_APDU_ACTION_REQ_PBLOCK),
    V("ACTION-response-with-pblock (hand)", k_act_rsp_pblock, OMP_APDU_ACTION_RSP_PBLOCK),
    V("ACTION-response-with-list (hand)", k_act_rsp_list, OMP_APDU_ACTION_RSP_LIST),
    V("ACTION-response-next-pblock (hand)", k_act_rsp_next, OMP_APDU_ACTION_RSP_NEXT),
    V("SET-request-with-list-and-first-datablock (hand)", k_set_list_first,
      OMP_APDU_SET_REQ_LIST_FIRST_BLOCK),
    V("SET-response-last-datablock-with-list (hand)", k_set_rsp_last_list,
      OMP_APDU_SET_RSP_LAST_BLOCK_LIST),
    V("exception-response (hand)", k_exception, OMP_APDU_EXCEPTION),
    V("exception-response IC (hand)", k_exception_ic, OMP_APDU_EXCEPTION),
    V("confirmed-service-error (hand)", k_cse, OMP_APDU_CONFIRMED_SERVICE_ERROR),
    V("data-notification no time (hand)", k_notify_notime, OMP_APDU_DATA_NOTIFICATION),
    V("RLRQ (hand)", k_rlrq, OMP_APDU_RLRQ),
    V("RLRE (hand)", k_rlre, OMP_APDU_RLRE),
    V("RLRQ empty (hand)", k_rlrq_empty, OMP_APDU_RLRQ),
    V("RLRQ user-info (hand)", k_rlrq_ui, OMP_APDU_RLRQ),
    V("AARE reject + CSE (hand)", k_aare_reject, OMP_APDU_AARE),
    V("AARQ HLS-GMAC (hand)", k_aarq_hls, OMP_APDU_AARQ),
    V("AARE HLS (hand)", k_aare_hls, OMP_APDU_AARE),
    V("AARE provider diag (hand)", k_aare_provider, OMP_APDU_AARE),
    V("AARQ dedicated key (hand)", k_aarq_key, OMP_APDU_AARQ),
    V("compact-array struct (hand)", k_rsp_compact, OMP_APDU_GET_RSP_NORMAL),
    V("compact-array array (hand)", k_rsp_compact2, OMP_APDU_GET_RSP_NORMAL),
    V("bit-string (hand)", k_rsp_bits, OMP_APDU_GET_RSP_NORMAL),
    V("date/time/float64 (hand)", k_rsp_mixed, OMP_APDU_GET_RSP_NORMAL),
};

/* ---- helpers ----------------------------------------------------------------------------- */

static void decode_ok(const uint8_t *in, size_t len, struct omp_apdu *a)
{
    struct omp_rd rd = omp_rd_init(in, len);
    assert_int_equal(omp_apdu_decode(&rd, a), OMP_OK);
    assert_int_equal(omp_rd_pos(&rd), len);
}

/* Encode with guard bytes around an exactly-sized buffer; also every shorter buffer. */
static void encode_expect(const struct omp_apdu *a, const uint8_t *want, size_t want_len)
{
    uint8_t buf[512 + 4];
    assert_true(want_len <= 512);
    memset(buf, 0xA5, sizeof buf);
    struct omp_wr w = omp_wr_init(buf + 2, want_len);
    assert_int_equal(omp_apdu_encode(a, &w), OMP_OK);
    assert_int_equal(omp_wr_len(&w), want_len);
    assert_memory_equal(buf + 2, want, want_len);
    assert_int_equal(buf[0], 0xA5);
    assert_int_equal(buf[1], 0xA5);
    assert_int_equal(buf[want_len + 2], 0xA5);
    assert_int_equal(buf[want_len + 3], 0xA5);
    for (size_t cap = 0; cap < want_len; cap++) {
        memset(buf, 0xA5, sizeof buf);
        w = omp_wr_init(buf + 2, cap);
        assert_int_equal(omp_apdu_encode(a, &w), OMP_ERR_NOSPACE);
        assert_int_equal(omp_wr_len(&w), 0);
        assert_int_equal(omp_wr_status(&w), OMP_OK);
        for (size_t i = 0; i < cap + 4; i++) {
            assert_int_equal(buf[i], 0xA5);
        }
    }
}

static bool obis_is(const uint8_t *o, uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t e,
                    uint8_t f)
{
    const uint8_t want[6] = {a, b, c, d, e, f};
    return memcmp(o, want, 6) == 0;
}

/* ---- tests ------------------------------------------------------------------------------- */

/* The result list of SET-response @p a, as in both hand vectors: success, then
 * read-write-denied; @p it is left after them. */
static void expect_set_rsp_dars(const struct omp_apdu *a, struct omp_rd *it)
{
    *it = omp_rd_init(a->u.set_rsp.list.items.ptr, a->u.set_rsp.list.items.len);
    uint8_t dar = 0xFF;
    assert_int_equal(omp_apdu_list_next_dar(it, &dar), OMP_OK);
    assert_int_equal(dar, OMP_DAR_SUCCESS);
    assert_int_equal(omp_apdu_list_next_dar(it, &dar), OMP_OK);
    assert_int_equal(dar, OMP_DAR_READ_WRITE_DENIED);
}

static void test_table_round_trip(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof k_vecs / sizeof k_vecs[0]; i++) {
        const struct vec *v = &k_vecs[i];
        struct omp_apdu a;
        print_message("%s\n", v->name);
        decode_ok(v->in, v->len, &a);
        assert_int_equal(a.kind, v->kind);
        assert_false(a.noncanonical);
        encode_expect(&a, v->in, v->len);
        /* every truncation fails and changes nothing */
        for (size_t cut = 0; cut < v->len; cut++) {
            struct omp_apdu out, sentinel;
            memset(&sentinel, 0x5A, sizeof sentinel);
            memcpy(&out, &sentinel, sizeof out);
            struct omp_rd rd = omp_rd_init(v->in, cut);
            assert_int_not_equal(omp_apdu_decode(&rd, &out), OMP_OK);
            assert_int_equal(omp_rd_pos(&rd), 0);
            assert_memory_equal(&out, &sentinel, sizeof out);
        }
    }
}

/* omp_apdu_decode_request() takes exactly the requests of the vectors (AARQ, RLRQ, GET/SET/ACTION
 * requests: what a client sends a server, Green Book 9.3) and decodes them as omp_apdu_decode()
 * does; omp_apdu_encode_response() encodes exactly the responses (AARE, RLRE, GET/SET/ACTION
 * responses, exception-response, confirmed-service-error) to the vectors' bytes; anything else is
 * refused with nothing touched. */
static void test_directions(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof k_vecs / sizeof k_vecs[0]; i++) {
        const struct vec *v = &k_vecs[i];
        const unsigned tag = v->in[0];
        const bool request =
            tag == 0x60u || tag == 0x62u || tag == 0xC0u || tag == 0xC1u || tag == 0xC3u;
        const bool response = tag == 0x61u || tag == 0x63u || tag == 0xC4u || tag == 0xC5u ||
                              tag == 0xC7u || tag == 0xD8u || tag == 0x0Eu;
        print_message("%s\n", v->name);
        struct omp_apdu a, r, sentinel;
        decode_ok(v->in, v->len, &a);
        memset(&sentinel, 0x5A, sizeof sentinel);
        memcpy(&r, &sentinel, sizeof r);
        struct omp_rd rd = omp_rd_init(v->in, v->len);
        if (request) {
            assert_int_equal(omp_apdu_decode_request(&rd, &r), OMP_OK);
            assert_int_equal(omp_rd_pos(&rd), v->len);
            assert_int_equal(r.kind, v->kind);
            encode_expect(&r, v->in, v->len);
        } else {
            assert_int_equal(omp_apdu_decode_request(&rd, &r), OMP_ERR_UNSUPPORTED);
            assert_int_equal(omp_rd_pos(&rd), 0);
            assert_memory_equal(&r, &sentinel, sizeof r);
        }
        uint8_t buf[512];
        memset(buf, 0xA5, sizeof buf);
        struct omp_wr w = omp_wr_init(buf, sizeof buf);
        if (response) {
            assert_int_equal(omp_apdu_encode_response(&a, &w), OMP_OK);
            assert_int_equal(omp_wr_len(&w), v->len);
            assert_memory_equal(buf, v->in, v->len);
        } else {
            assert_int_equal(omp_apdu_encode_response(&a, &w), OMP_ERR_ARG);
            assert_int_equal(omp_wr_len(&w), 0);
            assert_int_equal(buf[0], 0xA5);
        }
    }
}

static void test_s1(void **state)
{
    (void)state;
    struct omp_apdu a;
    decode_ok(k_s1_aarq, sizeof k_s1_aarq, &a);
    assert_int_equal(a.u.aarq.app_context, OMP_APP_CONTEXT_LN);
    assert_false(a.u.aarq.has_protocol_version);
    assert_false(a.u.aarq.acse_auth);
    assert_false(a.u.aarq.has_mechanism);
    assert_false(a.u.aarq.has_auth_value);
    assert_false(a.u.aarq.has_calling_ap_title);
    assert_int_equal(a.u.aarq.user_info.kind, OMP_APDU_UINFO_INITIATE_REQ);
    const struct omp_apdu_initiate_req *q = &a.u.aarq.user_info.u.init_req;
    assert_false(q->has_dedicated_key);
    assert_true(q->response_allowed);
    assert_false(q->has_qos);
    assert_int_equal(q->dlms_version, 6);
    /* 0x00181D = bits 11, 12, 19, 20, 21, 23 (bit 0 = MSB of the 24 bits) */
    assert_int_equal(q->conformance, 0x00181D);
    assert_int_equal(q->conformance,
                     OMP_CONF_BLOCK_TRANSFER_WITH_GET | OMP_CONF_BLOCK_TRANSFER_WITH_SET |
                         OMP_CONF_GET | OMP_CONF_SET | OMP_CONF_SELECTIVE_ACCESS | OMP_CONF_ACTION);
    assert_int_equal(q->max_pdu, 0xFFFF);

    decode_ok(k_s1_aare, sizeof k_s1_aare, &a);
    assert_int_equal(a.u.aare.app_context, OMP_APP_CONTEXT_LN);
    assert_int_equal(a.u.aare.result, OMP_ASSOC_ACCEPTED);
    assert_int_equal(a.u.aare.diag_source, OMP_ASSOC_DIAG_SERVICE_USER);
    assert_int_equal(a.u.aare.diag, OMP_ASSOC_DIAG_NULL);
    assert_false(a.u.aare.has_responding_ap_title);
    assert_int_equal(a.u.aare.user_info.kind, OMP_APDU_UINFO_INITIATE_RSP);
    const struct omp_apdu_initiate_rsp *p = &a.u.aare.user_info.u.init_rsp;
    assert_false(p->has_qos);
    assert_int_equal(p->dlms_version, 6);
    assert_int_equal(p->conformance, 0x001010); /* block-transfer-with-get (11) + get (19) */
    assert_int_equal(p->conformance, OMP_CONF_BLOCK_TRANSFER_WITH_GET | OMP_CONF_GET);
    assert_int_equal(p->max_pdu, 0x007D); /* 125 bytes */
    assert_int_equal(p->vaa_name, 0x0007);

    decode_ok(k_s1_get, sizeof k_s1_get, &a);
    assert_int_equal(a.invoke, 0x81); /* priority high, invoke id 1 */
    assert_int_equal(a.invoke & OMP_APDU_INVOKE_ID_MASK, 1);
    assert_int_equal(a.u.get_req.desc.class_id, 1);
    assert_true(obis_is(a.u.get_req.desc.obis, 1, 1, 0, 0, 1, 255));
    assert_int_equal(a.u.get_req.desc.id, 2);
    assert_false(a.u.get_req.access.present);

    decode_ok(k_s1_rsp, sizeof k_s1_rsp, &a);
    assert_int_equal(a.invoke, 0x81);
    assert_true(a.u.get_rsp.result.is_data);
    assert_ptr_equal(a.u.get_rsp.result.data.ptr, k_s1_rsp + 4); /* zero-copy */
    assert_int_equal(a.u.get_rsp.result.data.len, 5);
    const uint8_t *d = a.u.get_rsp.result.data.ptr;
    assert_int_equal(d[0], 0x06); /* double-long-unsigned */
    const uint32_t v =
        ((uint32_t)d[1] << 24) | ((uint32_t)d[2] << 16) | ((uint32_t)d[3] << 8) | d[4];
    assert_int_equal(v, 12345679u); /* "meter number 12345679" (Kamstrup doc) */
}

static void test_s2(void **state)
{
    (void)state;
    struct omp_apdu a;
    decode_ok(k_s2_aarq, sizeof k_s2_aarq, &a);
    assert_true(a.u.aarq.acse_auth);
    assert_true(a.u.aarq.has_mechanism);
    assert_int_equal(a.u.aarq.mechanism, OMP_AUTH_LLS);
    assert_true(a.u.aarq.has_auth_value);
    assert_int_equal(a.u.aarq.auth_value.len, 5);
    assert_memory_equal(a.u.aarq.auth_value.ptr, "12345", 5);
    assert_int_equal(a.u.aarq.user_info.u.init_req.conformance, 0x00FE1F); /* bits 8..14, 19..23 */
    assert_int_equal(a.u.aarq.user_info.u.init_req.max_pdu, 0xFFFF);

    decode_ok(k_s2_aare, sizeof k_s2_aare, &a);
    /* 0x00101C: block-transfer-with-get, get, set, selective-access */
    assert_int_equal(a.u.aare.user_info.u.init_rsp.conformance, OMP_CONF_BLOCK_TRANSFER_WITH_GET |
                                                                    OMP_CONF_GET | OMP_CONF_SET |
                                                                    OMP_CONF_SELECTIVE_ACCESS);
    assert_int_equal(a.u.aare.user_info.u.init_rsp.max_pdu, 125);

    decode_ok(k_s2_get, sizeof k_s2_get, &a);
    assert_int_equal(a.u.get_req.desc.class_id, 7);
    assert_true(obis_is(a.u.get_req.desc.obis, 1, 1, 99, 1, 0, 255));
    assert_int_equal(a.u.get_req.desc.id, 2);
    assert_true(a.u.get_req.access.present);
    assert_int_equal(a.u.get_req.access.selector, 1);
    assert_ptr_equal(a.u.get_req.access.params.ptr, k_s2_get + 14);
    assert_int_equal(a.u.get_req.access.params.len, 50);
    assert_int_equal(a.u.get_req.access.params.ptr[0], 0x02);
    assert_int_equal(a.u.get_req.access.params.ptr[1], 0x04);

    decode_ok(k_s2_next, sizeof k_s2_next, &a);
    assert_int_equal(a.invoke, 0x81);
    assert_int_equal(a.u.get_req.block_number, 6);

    /* last block: non-minimal length 82 005C, so noncanonical; re-encoding writes the minimal
     * form 5C (92 < 128: short form, X.690 8.1.3.4) */
    decode_ok(k_s2_block, sizeof k_s2_block, &a);
    assert_int_equal(a.kind, OMP_APDU_GET_RSP_BLOCK);
    assert_true(a.noncanonical);
    assert_true(a.u.get_rsp.block.last);
    assert_int_equal(a.u.get_rsp.block.block_number, 7);
    assert_true(a.u.get_rsp.block.is_raw);
    assert_int_equal(a.u.get_rsp.block.raw.len, 92);
    assert_ptr_equal(a.u.get_rsp.block.raw.ptr, k_s2_block + 12);
    uint8_t canon[sizeof k_s2_block - 2];
    memcpy(canon, k_s2_block, 9);
    canon[9] = 0x5C;
    memcpy(canon + 10, k_s2_block + 12, 92);
    encode_expect(&a, canon, sizeof canon);
    struct omp_apdu b;
    decode_ok(canon, sizeof canon, &b);
    assert_false(b.noncanonical);
    assert_int_equal(b.u.get_rsp.block.raw.len, 92);
    assert_memory_equal(b.u.get_rsp.block.raw.ptr, a.u.get_rsp.block.raw.ptr, 92);
    for (size_t cut = 0; cut < sizeof k_s2_block; cut++) {
        struct omp_rd rd = omp_rd_init(k_s2_block, cut);
        assert_int_not_equal(omp_apdu_decode(&rd, &b), OMP_OK);
    }
}

static void test_han_notification(void **state)
{
    (void)state;
    struct omp_apdu a;
    decode_ok(k_han, sizeof k_han, &a);
    assert_int_equal(a.u.notify.long_invoke, 0);
    assert_true(a.u.notify.has_time);
    assert_int_equal(a.u.notify.time.len, 12);
    const uint8_t *t = a.u.notify.time.ptr;
    assert_ptr_equal(t, k_han + 6);
    assert_int_equal(((unsigned)t[0] << 8) | t[1], 2022);
    assert_int_equal(t[2], 1);  /* January */
    assert_int_equal(t[3], 24); /* day */
    assert_int_equal(t[4], 1);  /* Monday */
    assert_int_equal(t[5], 18);
    assert_int_equal(t[6], 58);
    assert_int_equal(t[7], 50);
    assert_ptr_equal(a.u.notify.body.ptr, k_han + 18);
    assert_int_equal(a.u.notify.body.ptr[0], 0x02); /* structure */
    assert_int_equal(a.u.notify.body.ptr[1], 0x19); /* 25 elements */
    assert_int_equal(a.u.notify.body.len, sizeof k_han - 18);
}

static void test_lists(void **state)
{
    (void)state;
    struct omp_apdu a;
    decode_ok(k_get_list, sizeof k_get_list, &a);
    assert_int_equal(a.u.get_req.list.count, 2);
    assert_ptr_equal(a.u.get_req.list.items.ptr, k_get_list + 4);
    struct omp_rd it = omp_rd_init(a.u.get_req.list.items.ptr, a.u.get_req.list.items.len);
    struct omp_apdu_desc d;
    struct omp_apdu_access acc;
    assert_int_equal(omp_apdu_list_next_desc(&it, &d, &acc), OMP_OK);
    assert_int_equal(d.class_id, 3);
    assert_true(obis_is(d.obis, 1, 0, 1, 8, 0, 255));
    assert_int_equal(omp_apdu_list_next_desc(&it, &d, &acc), OMP_OK);
    assert_int_equal(d.class_id, 8);
    assert_false(acc.present);
    assert_int_equal(omp_rd_remaining(&it), 0);
    assert_int_equal(omp_apdu_list_next_desc(&it, &d, &acc), OMP_ERR_TRUNCATED);

    decode_ok(k_get_rsp_list, sizeof k_get_rsp_list, &a);
    it = omp_rd_init(a.u.get_rsp.list.items.ptr, a.u.get_rsp.list.items.len);
    struct omp_apdu_result r;
    assert_int_equal(omp_apdu_list_next_result(&it, &r), OMP_OK);
    assert_true(r.is_data);
    assert_int_equal(r.data.len, 5);
    assert_int_equal(omp_apdu_list_next_result(&it, &r), OMP_OK);
    assert_false(r.is_data);
    assert_int_equal(r.dar, OMP_DAR_OBJECT_UNDEFINED);

    decode_ok(k_set_list, sizeof k_set_list, &a);
    assert_int_equal(a.u.set_req.list.count, 2);
    assert_int_equal(a.u.set_req.values.count, 2);
    it = omp_rd_init(a.u.set_req.values.items.ptr, a.u.set_req.values.items.len);
    struct omp_apdu_span s;
    assert_int_equal(omp_apdu_list_next_data(&it, &s), OMP_OK);
    assert_int_equal(s.len, 2);
    assert_int_equal(omp_apdu_list_next_data(&it, &s), OMP_OK);
    assert_int_equal(s.len, 3);

    decode_ok(k_set_rsp_list, sizeof k_set_rsp_list, &a);
    expect_set_rsp_dars(&a, &it);

    /* building a list with the item writers gives the hand vector's items */
    uint8_t items[32];
    struct omp_wr w = omp_wr_init(items, sizeof items);
    const struct omp_apdu_desc d1 = {.class_id = 3, .obis = {1, 0, 1, 8, 0, 255}, .id = 2};
    const struct omp_apdu_desc d2 = {.class_id = 8, .obis = {0, 0, 1, 0, 0, 255}, .id = 2};
    const struct omp_apdu_access none = {.present = false};
    assert_int_equal(omp_apdu_put_desc(&w, &d1, &none), OMP_OK);
    assert_int_equal(omp_apdu_put_desc(&w, &d2, &none), OMP_OK);
    struct omp_apdu b;
    memset(&b, 0, sizeof b);
    b.kind = OMP_APDU_GET_REQ_LIST;
    b.invoke = 0x81;
    b.u.get_req.list.count = 2;
    b.u.get_req.list.items.ptr = items;
    b.u.get_req.list.items.len = omp_wr_len(&w);
    encode_expect(&b, k_get_list, sizeof k_get_list);
    b.u.get_req.list.count = 3; /* count does not match the items */
    uint8_t out[64];
    w = omp_wr_init(out, sizeof out);
    assert_int_equal(omp_apdu_encode(&b, &w), OMP_ERR_ARG);
    assert_int_equal(omp_wr_len(&w), 0);

    w = omp_wr_init(items, sizeof items);
    const uint8_t k_data[] = {0x06, 0x00, 0x00, 0x00, 0x01};
    const struct omp_apdu_result r1 = {.is_data = true, .data = {k_data, sizeof k_data}};
    const struct omp_apdu_result r2 = {.is_data = false, .dar = OMP_DAR_OBJECT_UNDEFINED};
    assert_int_equal(omp_apdu_put_result(&w, &r1), OMP_OK);
    assert_int_equal(omp_apdu_put_result(&w, &r2), OMP_OK);
    assert_int_equal(omp_wr_len(&w), sizeof k_get_rsp_list - 4);
    assert_memory_equal(items, k_get_rsp_list + 4, sizeof k_get_rsp_list - 4);
}

static void test_acse_fields(void **state)
{
    (void)state;
    struct omp_apdu a;
    decode_ok(k_aarq_hls, sizeof k_aarq_hls, &a);
    assert_int_equal(a.u.aarq.app_context, OMP_APP_CONTEXT_LN_CIPHER);
    assert_true(a.u.aarq.has_calling_ap_title);
    assert_int_equal(a.u.aarq.calling_ap_title.len, 8);
    assert_memory_equal(a.u.aarq.calling_ap_title.ptr, "KAM", 3);
    assert_int_equal(a.u.aarq.mechanism, OMP_AUTH_HLS_GMAC);
    assert_int_equal(a.u.aarq.auth_value.len, 8);
    assert_int_equal(a.u.aarq.user_info.kind, OMP_APDU_UINFO_OTHER);
    assert_int_equal(a.u.aarq.user_info.raw.len, 9);
    assert_int_equal(a.u.aarq.user_info.raw.ptr[0], 0x21);

    decode_ok(k_aare_hls, sizeof k_aare_hls, &a);
    assert_true(a.u.aare.has_protocol_version);
    assert_int_equal(a.u.aare.diag, OMP_ASSOC_DIAG_AUTHENTICATION_REQUIRED);
    assert_true(a.u.aare.acse_auth);
    assert_int_equal(a.u.aare.mechanism, OMP_AUTH_HLS_GMAC);
    assert_int_equal(a.u.aare.auth_value.len, 8);
    assert_int_equal(a.u.aare.auth_value.ptr[0], 0x11);
    assert_int_equal(a.u.aare.user_info.u.init_rsp.max_pdu, 0x0400);

    decode_ok(k_aare_reject, sizeof k_aare_reject, &a);
    assert_int_equal(a.u.aare.result, OMP_ASSOC_REJECTED_PERMANENT);
    assert_int_equal(a.u.aare.diag, OMP_ASSOC_DIAG_AUTHENTICATION_FAILURE);
    assert_int_equal(a.u.aare.user_info.kind, OMP_APDU_UINFO_CSE);
    assert_int_equal(a.u.aare.user_info.u.cse.service, OMP_CSE_INITIATE_ERROR);
    assert_int_equal(a.u.aare.user_info.u.cse.error, OMP_CSE_ERR_INITIATE);
    assert_int_equal(a.u.aare.user_info.u.cse.value, OMP_INITIATE_ERR_DLMS_VERSION_TOO_LOW);

    decode_ok(k_aare_provider, sizeof k_aare_provider, &a);
    assert_int_equal(a.u.aare.result, OMP_ASSOC_REJECTED_TRANSIENT);
    assert_int_equal(a.u.aare.diag_source, OMP_ASSOC_DIAG_SERVICE_PROVIDER);
    assert_int_equal(a.u.aare.diag, OMP_ASSOC_PDIAG_NO_REASON_GIVEN);
    assert_int_equal(a.u.aare.user_info.kind, OMP_APDU_UINFO_NONE);

    decode_ok(k_aarq_key, sizeof k_aarq_key, &a);
    const struct omp_apdu_initiate_req *q = &a.u.aarq.user_info.u.init_req;
    assert_true(q->has_dedicated_key);
    assert_int_equal(q->dedicated_key.len, 16);
    assert_false(q->response_allowed);
    assert_true(q->has_qos);
    assert_int_equal(q->qos, 5);
    assert_int_equal(q->max_pdu, 0x0400);

    decode_ok(k_exception_ic, sizeof k_exception_ic, &a);
    assert_int_equal(a.u.exception.state_error, OMP_STATE_ERROR_SERVICE_UNKNOWN);
    assert_int_equal(a.u.exception.service_error, OMP_SERVICE_ERROR_INVOCATION_COUNTER_ERROR);
    assert_int_equal(a.u.exception.invocation_counter, 5);
}

/* The ACTION list/pblock services and the SET list+block services: fields as the hand vectors
 * were written, list walking and list building. */
static void test_action_set_blocks(void **state)
{
    (void)state;
    struct omp_apdu a;
    decode_ok(k_act_list, sizeof k_act_list, &a);
    assert_int_equal(a.invoke, 0x41);
    assert_int_equal(a.u.action_req.list.count, 2);
    assert_ptr_equal(a.u.action_req.list.items.ptr, k_act_list + 4);
    assert_int_equal(a.u.action_req.list.items.len, 18);
    assert_int_equal(a.u.action_req.params_list.count, 2);
    assert_ptr_equal(a.u.action_req.params_list.items.ptr, k_act_list + 23);
    assert_int_equal(a.u.action_req.params_list.items.len, 3);
    struct omp_rd it = omp_rd_init(a.u.action_req.list.items.ptr, a.u.action_req.list.items.len);
    struct omp_apdu_desc d;
    assert_int_equal(omp_apdu_list_next_method(&it, &d), OMP_OK);
    assert_int_equal(d.class_id, 0x46); /* disconnect control */
    assert_true(obis_is(d.obis, 0, 0, 96, 3, 10, 255));
    assert_int_equal(d.id, 1);
    assert_int_equal(omp_apdu_list_next_method(&it, &d), OMP_OK);
    assert_int_equal(d.id, 2);
    assert_int_equal(omp_rd_remaining(&it), 0);
    struct omp_apdu_desc before = d;
    assert_int_equal(omp_apdu_list_next_method(&it, &d), OMP_ERR_TRUNCATED);
    assert_memory_equal(&d, &before, sizeof d);
    it = omp_rd_init(a.u.action_req.params_list.items.ptr, a.u.action_req.params_list.items.len);
    struct omp_apdu_span sp;
    assert_int_equal(omp_apdu_list_next_data(&it, &sp), OMP_OK);
    assert_int_equal(sp.len, 2); /* 0F 00 */
    assert_int_equal(omp_apdu_list_next_data(&it, &sp), OMP_OK);
    assert_int_equal(sp.len, 1); /* 00 */

    decode_ok(k_act_first_pblock, sizeof k_act_first_pblock, &a);
    assert_int_equal(a.u.action_req.desc.class_id, 18);
    assert_true(obis_is(a.u.action_req.desc.obis, 0, 0, 44, 0, 0, 255));
    assert_int_equal(a.u.action_req.desc.id, 1);
    assert_false(a.u.action_req.pblock.last);
    assert_int_equal(a.u.action_req.pblock.block_number, 1);
    assert_true(a.u.action_req.pblock.is_raw);
    assert_ptr_equal(a.u.action_req.pblock.raw.ptr, k_act_first_pblock + 18);
    assert_int_equal(a.u.action_req.pblock.raw.len, 4);

    decode_ok(k_act_list_first_pblock, sizeof k_act_list_first_pblock, &a);
    assert_int_equal(a.u.action_req.list.count, 1);
    assert_int_equal(a.u.action_req.list.items.len, 9);
    assert_true(a.u.action_req.pblock.last);
    assert_int_equal(a.u.action_req.pblock.raw.len, 2);

    decode_ok(k_act_pblock, sizeof k_act_pblock, &a);
    assert_true(a.u.action_req.pblock.last);
    assert_int_equal(a.u.action_req.pblock.block_number, 2);
    assert_int_equal(a.u.action_req.pblock.raw.ptr[0], 0xAA);

    decode_ok(k_act_rsp_pblock, sizeof k_act_rsp_pblock, &a);
    assert_false(a.u.action_rsp.pblock.last);
    assert_int_equal(a.u.action_rsp.pblock.block_number, 1);
    assert_int_equal(a.u.action_rsp.pblock.raw.len, 3);

    decode_ok(k_act_rsp_next, sizeof k_act_rsp_next, &a);
    assert_int_equal(a.u.action_rsp.block_number, 1);

    decode_ok(k_act_rsp_list, sizeof k_act_rsp_list, &a);
    assert_int_equal(a.u.action_rsp.list.count, 3);
    it = omp_rd_init(a.u.action_rsp.list.items.ptr, a.u.action_rsp.list.items.len);
    struct omp_apdu_action_result ar;
    assert_int_equal(omp_apdu_list_next_action(&it, &ar), OMP_OK);
    assert_int_equal(ar.result, OMP_ACTION_SUCCESS);
    assert_false(ar.has_return);
    assert_int_equal(omp_apdu_list_next_action(&it, &ar), OMP_OK);
    assert_true(ar.has_return);
    assert_true(ar.ret.is_data);
    assert_ptr_equal(ar.ret.data.ptr, k_act_rsp_list + 9);
    assert_int_equal(ar.ret.data.len, 2);
    assert_int_equal(omp_apdu_list_next_action(&it, &ar), OMP_OK);
    assert_int_equal(ar.result, OMP_ACTION_READ_WRITE_DENIED);
    assert_false(ar.ret.is_data);
    assert_int_equal(ar.ret.dar, OMP_DAR_READ_WRITE_DENIED);
    assert_int_equal(omp_rd_remaining(&it), 0);
    assert_int_equal(omp_apdu_list_next_action(&it, &ar), OMP_ERR_TRUNCATED);

    decode_ok(k_set_list_first, sizeof k_set_list_first, &a);
    assert_int_equal(a.u.set_req.list.count, 2);
    assert_int_equal(a.u.set_req.list.items.len, 20);
    assert_false(a.u.set_req.block.last);
    assert_int_equal(a.u.set_req.block.block_number, 1);
    assert_ptr_equal(a.u.set_req.block.raw.ptr, k_set_list_first + 30);
    assert_int_equal(a.u.set_req.block.raw.len, 3);

    decode_ok(k_set_rsp_last_list, sizeof k_set_rsp_last_list, &a);
    assert_int_equal(a.u.set_rsp.list.count, 2);
    assert_int_equal(a.u.set_rsp.block_number, 2);
    expect_set_rsp_dars(&a, &it);

    /* building the lists with the item writers gives the hand vectors */
    uint8_t items[32];
    struct omp_wr w = omp_wr_init(items, sizeof items);
    const struct omp_apdu_desc m1 = {.class_id = 0x46, .obis = {0, 0, 96, 3, 10, 255}, .id = 1};
    const struct omp_apdu_desc m2 = {.class_id = 0x46, .obis = {0, 0, 96, 3, 10, 255}, .id = 2};
    assert_int_equal(omp_apdu_put_method(&w, &m1), OMP_OK);
    assert_int_equal(omp_apdu_put_method(&w, &m2), OMP_OK);
    static const uint8_t k_params[] = {0x0F, 0x00, 0x00};
    struct omp_apdu b;
    memset(&b, 0, sizeof b);
    b.kind = OMP_APDU_ACTION_REQ_LIST;
    b.invoke = 0x41;
    b.u.action_req.list.count = 2;
    b.u.action_req.list.items.ptr = items;
    b.u.action_req.list.items.len = omp_wr_len(&w);
    b.u.action_req.params_list.count = 2;
    b.u.action_req.params_list.items.ptr = k_params;
    b.u.action_req.params_list.items.len = sizeof k_params;
    encode_expect(&b, k_act_list, sizeof k_act_list);

    uint8_t ritems[32];
    w = omp_wr_init(ritems, sizeof ritems);
    static const uint8_t k_u7[] = {0x11, 0x07};
    const struct omp_apdu_action_result r1 = {.result = 0, .has_return = false};
    const struct omp_apdu_action_result r2 = {
        .result = 0, .has_return = true, .ret = {.is_data = true, .data = {k_u7, sizeof k_u7}}};
    const struct omp_apdu_action_result r3 = {
        .result = 3, .has_return = true, .ret = {.is_data = false, .dar = 3}};
    assert_int_equal(omp_apdu_put_action_result(&w, &r1), OMP_OK);
    assert_int_equal(omp_apdu_put_action_result(&w, &r2), OMP_OK);
    assert_int_equal(omp_apdu_put_action_result(&w, &r3), OMP_OK);
    assert_int_equal(omp_wr_len(&w), sizeof k_act_rsp_list - 4);
    assert_memory_equal(ritems, k_act_rsp_list + 4, sizeof k_act_rsp_list - 4);
    /* item writers: all or nothing, arguments */
    uint8_t small[8];
    memset(small, 0xA5, sizeof small);
    w = omp_wr_init(small, 8);
    assert_int_equal(omp_apdu_put_method(&w, &m1), OMP_ERR_NOSPACE);
    assert_int_equal(omp_wr_len(&w), 0);
    w = omp_wr_init(small, 3);
    assert_int_equal(omp_apdu_put_action_result(&w, &r2), OMP_ERR_NOSPACE);
    for (size_t i = 0; i < sizeof small; i++) {
        assert_int_equal(small[i], 0xA5);
    }
    static const uint8_t k_two[] = {0x11, 0x05, 0x11, 0x06};
    const struct omp_apdu_action_result bad = {
        .result = 0, .has_return = true, .ret = {.is_data = true, .data = {k_two, sizeof k_two}}};
    w = omp_wr_init(ritems, sizeof ritems);
    assert_int_equal(omp_apdu_put_action_result(&w, &bad), OMP_ERR_ARG);
    assert_int_equal(omp_apdu_put_action_result(NULL, &r1), OMP_ERR_ARG);
    assert_int_equal(omp_apdu_put_action_result(&w, NULL), OMP_ERR_ARG);
    assert_int_equal(omp_apdu_put_method(NULL, &m1), OMP_ERR_ARG);
    assert_int_equal(omp_apdu_put_method(&w, NULL), OMP_ERR_ARG);
    assert_int_equal(omp_apdu_list_next_method(NULL, &d), OMP_ERR_ARG);
    assert_int_equal(omp_apdu_list_next_action(&it, NULL), OMP_ERR_ARG);
    assert_int_equal(omp_wr_len(&w), 0);

    /* encoder checks: DataBlock-SA has no data-access-result; list count must match its items */
    uint8_t out[64];
    w = omp_wr_init(out, sizeof out);
    decode_ok(k_act_pblock, sizeof k_act_pblock, &b);
    b.u.action_req.pblock.is_raw = false;
    assert_int_equal(omp_apdu_encode(&b, &w), OMP_ERR_ARG);
    decode_ok(k_act_rsp_list, sizeof k_act_rsp_list, &b);
    b.u.action_rsp.list.count = 2;
    assert_int_equal(omp_apdu_encode(&b, &w), OMP_ERR_ARG);
    decode_ok(k_act_list, sizeof k_act_list, &b);
    b.u.action_req.params_list.count = 3;
    assert_int_equal(omp_apdu_encode(&b, &w), OMP_ERR_ARG);
    decode_ok(k_set_rsp_last_list, sizeof k_set_rsp_last_list, &b);
    b.u.set_rsp.list.items.ptr = NULL;
    assert_int_equal(omp_apdu_encode(&b, &w), OMP_ERR_ARG);
    assert_int_equal(omp_wr_len(&w), 0);
}

/* general-block-transfer (Green Book GBT, tag E0): block-control, block-number u16,
 * block-number-ack u16, block-data octet-string. Hand vectors:
 * G1: E0 | 81 = last-block (bit 7) + window 1 | 0001 | 0000 | 0D + the 13 bytes of k_s1_get
 *     (the whole GET-request in one last block): 7 + 13 = 20 bytes.
 * G2: E0 | 7F = streaming (bit 6) + window 63 | 0102 | 00FF | 00 (empty block-data): 7 bytes. */
static void test_gbt(void **state)
{
    (void)state;
    uint8_t g1[20] = {0xE0, 0x81, 0x00, 0x01, 0x00, 0x00, 0x0D};
    memcpy(g1 + 7, k_s1_get, sizeof k_s1_get);
    static const uint8_t g2[] = {0xE0, 0x7F, 0x01, 0x02, 0x00, 0xFF, 0x00};
    struct omp_apdu_gbt g;
    struct omp_rd rd = omp_rd_init(g1, sizeof g1);
    assert_int_equal(omp_apdu_gbt_decode(&rd, &g), OMP_OK);
    assert_int_equal(omp_rd_pos(&rd), sizeof g1);
    assert_true(g.last);
    assert_false(g.streaming);
    assert_int_equal(g.window, 1);
    assert_int_equal(g.block_number, 1);
    assert_int_equal(g.block_number_ack, 0);
    assert_ptr_equal(g.data.ptr, g1 + 7);
    assert_int_equal(g.data.len, 13);
    assert_false(g.noncanonical);
    /* the block-data is the APDU it carries */
    struct omp_apdu a;
    decode_ok(g.data.ptr, g.data.len, &a);
    assert_int_equal(a.kind, OMP_APDU_GET_REQ_NORMAL);

    const struct {
        const uint8_t *in;
        size_t len;
    } ok[] = {{g1, sizeof g1}, {g2, sizeof g2}};
    for (size_t i = 0; i < 2; i++) {
        rd = omp_rd_init(ok[i].in, ok[i].len);
        assert_int_equal(omp_apdu_gbt_decode(&rd, &g), OMP_OK);
        uint8_t buf[32 + 4];
        for (size_t cap = 0; cap <= ok[i].len; cap++) {
            memset(buf, 0xA5, sizeof buf);
            struct omp_wr w = omp_wr_init(buf + 2, cap);
            if (cap < ok[i].len) {
                assert_int_equal(omp_apdu_gbt_encode(&g, &w), OMP_ERR_NOSPACE);
                assert_int_equal(omp_wr_len(&w), 0);
                for (size_t k = 0; k < sizeof buf; k++) {
                    assert_int_equal(buf[k], 0xA5);
                }
            } else {
                assert_int_equal(omp_apdu_gbt_encode(&g, &w), OMP_OK);
                assert_int_equal(omp_wr_len(&w), ok[i].len);
                assert_memory_equal(buf + 2, ok[i].in, ok[i].len);
                assert_int_equal(buf[1], 0xA5);
                assert_int_equal(buf[ok[i].len + 2], 0xA5);
            }
        }
        /* every truncation: TRUNCATED, reader and output untouched */
        for (size_t cut = 0; cut < ok[i].len; cut++) {
            struct omp_apdu_gbt o, sentinel;
            memset(&sentinel, 0x5A, sizeof sentinel);
            memcpy(&o, &sentinel, sizeof o);
            rd = omp_rd_init(ok[i].in, cut);
            assert_int_equal(omp_apdu_gbt_decode(&rd, &o), OMP_ERR_TRUNCATED);
            assert_int_equal(omp_rd_pos(&rd), 0);
            assert_memory_equal(&o, &sentinel, sizeof o);
        }
    }
    rd = omp_rd_init(g2, sizeof g2);
    assert_int_equal(omp_apdu_gbt_decode(&rd, &g), OMP_OK);
    assert_false(g.last);
    assert_true(g.streaming);
    assert_int_equal(g.window, 63);
    assert_int_equal(g.block_number, 0x0102);
    assert_int_equal(g.block_number_ack, 0x00FF);
    assert_int_equal(g.data.len, 0);

    /* 200 bytes of block-data: length 81 C8 (X.690 long form, one length byte) */
    static uint8_t g3[6 + 2 + 200] = {0xE0, 0x00, 0x00, 0x05, 0x00, 0x04, 0x81, 0xC8};
    for (size_t i = 0; i < 200; i++) {
        g3[8 + i] = (uint8_t)i;
    }
    rd = omp_rd_init(g3, sizeof g3);
    assert_int_equal(omp_apdu_gbt_decode(&rd, &g), OMP_OK);
    assert_int_equal(g.data.len, 200);
    assert_false(g.noncanonical);
    static uint8_t out3[sizeof g3];
    struct omp_wr w = omp_wr_init(out3, sizeof out3);
    assert_int_equal(omp_apdu_gbt_encode(&g, &w), OMP_OK);
    assert_memory_equal(out3, g3, sizeof g3);

    /* non-minimal length 81 02: accepted, flagged, re-encoded as 02 */
    static const uint8_t nc[] = {0xE0, 0x80, 0x00, 0x01, 0x00, 0x00, 0x81, 0x02, 0xAA, 0xBB};
    static const uint8_t nc_c[] = {0xE0, 0x80, 0x00, 0x01, 0x00, 0x00, 0x02, 0xAA, 0xBB};
    rd = omp_rd_init(nc, sizeof nc);
    assert_int_equal(omp_apdu_gbt_decode(&rd, &g), OMP_OK);
    assert_true(g.noncanonical);
    uint8_t out[16];
    w = omp_wr_init(out, sizeof out);
    assert_int_equal(omp_apdu_gbt_encode(&g, &w), OMP_OK);
    assert_int_equal(omp_wr_len(&w), sizeof nc_c);
    assert_memory_equal(out, nc_c, sizeof nc_c);

    /* rejects: trailing bytes stay in the reader; wrong tag; bad length forms */
    static const uint8_t trailing[] = {0xE0, 0x80, 0x00, 0x01, 0x00, 0x00, 0x00, 0x99};
    rd = omp_rd_init(trailing, sizeof trailing);
    assert_int_equal(omp_apdu_gbt_decode(&rd, &g), OMP_OK);
    assert_int_equal(omp_rd_remaining(&rd), 1);
    static const uint8_t notgbt[] = {0xC0, 0x80, 0x00, 0x01, 0x00, 0x00, 0x00};
    static const uint8_t indef[] = {0xE0, 0x80, 0x00, 0x01, 0x00, 0x00, 0x80, 0x00};
    static const uint8_t toolong[] = {0xE0, 0x80, 0x00, 0x01, 0x00, 0x00, 0x85, 0, 0, 0, 0, 1};
    const struct {
        const uint8_t *in;
        size_t len;
        omp_err want;
    } bad[] = {{notgbt, sizeof notgbt, OMP_ERR_UNEXPECTED},
               {indef, sizeof indef, OMP_ERR_MALFORMED},
               {toolong, sizeof toolong, OMP_ERR_MALFORMED}};
    for (size_t i = 0; i < 3; i++) {
        struct omp_apdu_gbt o, sentinel;
        memset(&sentinel, 0x5A, sizeof sentinel);
        memcpy(&o, &sentinel, sizeof o);
        rd = omp_rd_init(bad[i].in, bad[i].len);
        assert_int_equal(omp_apdu_gbt_decode(&rd, &o), bad[i].want);
        assert_int_equal(omp_rd_pos(&rd), 0);
        assert_memory_equal(&o, &sentinel, sizeof o);
    }
    assert_int_equal(omp_apdu_gbt_decode(NULL, &g), OMP_ERR_ARG);
    assert_int_equal(omp_apdu_gbt_decode(&rd, NULL), OMP_ERR_ARG);

    /* encoder arguments: window above 63, data length without pointer */
    w = omp_wr_init(out, sizeof out);
    struct omp_apdu_gbt e = {.window = 64};
    assert_int_equal(omp_apdu_gbt_encode(&e, &w), OMP_ERR_ARG);
    e.window = 0;
    e.data.len = 1;
    assert_int_equal(omp_apdu_gbt_encode(&e, &w), OMP_ERR_ARG);
    assert_int_equal(omp_apdu_gbt_encode(NULL, &w), OMP_ERR_ARG);
    assert_int_equal(omp_apdu_gbt_encode(&g, NULL), OMP_ERR_ARG);
    assert_int_equal(omp_wr_len(&w), 0);
    /* a zero struct is a valid, empty, non-last block: E0 00 0000 0000 00 */
    e.data.len = 0;
    assert_int_equal(omp_apdu_gbt_encode(&e, &w), OMP_OK);
    static const uint8_t k_zero[] = {0xE0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    assert_int_equal(omp_wr_len(&w), sizeof k_zero);
    assert_memory_equal(out, k_zero, sizeof k_zero);
}

/* A 200-byte password makes the AARQ need long-form lengths: AC 81 CB 80 81 C8 <200>, body
 * 11 + 206 = 217 -> 60 81 D9 (hand). */
static void test_long_lengths(void **state)
{
    (void)state;
    static uint8_t pw[200];
    for (size_t i = 0; i < sizeof pw; i++) {
        pw[i] = (uint8_t)('a' + i % 26u);
    }
    struct omp_apdu a;
    memset(&a, 0, sizeof a);
    a.kind = OMP_APDU_AARQ;
    a.u.aarq.app_context = OMP_APP_CONTEXT_LN;
    a.u.aarq.has_auth_value = true;
    a.u.aarq.auth_value.ptr = pw;
    a.u.aarq.auth_value.len = sizeof pw;
    static uint8_t want[220];
    static const uint8_t k_head[] = {0x60, 0x81, 0xD9, 0xA1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74,
                                     0x05, 0x08, 0x01, 0x01, 0xAC, 0x81, 0xCB, 0x80, 0x81, 0xC8};
    memcpy(want, k_head, sizeof k_head);
    memcpy(want + sizeof k_head, pw, sizeof pw);
    encode_expect(&a, want, sizeof want);
    struct omp_apdu b;
    decode_ok(want, sizeof want, &b);
    assert_false(b.noncanonical);
    assert_int_equal(b.u.aarq.auth_value.len, 200);
    assert_memory_equal(b.u.aarq.auth_value.ptr, pw, 200);
}

static void test_noncanonical(void **state)
{
    (void)state;
    /* hand: each accepted, flagged noncanonical, re-encoded to the canonical bytes */
    static const uint8_t k_bool2[] = {0xC1, 0x03, 0x41, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00};
    static const uint8_t k_bool2_c[] = {0xC1, 0x03, 0x41, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00};
    /* list count in long form 81 02 */
    static const uint8_t k_cnt[] = {0xC5, 0x05, 0x41, 0x81, 0x02, 0x00, 0x03};
    /* RLRQ with an unknown component [5] 85 01 00 (skipped) */
    static const uint8_t k_skip[] = {0x62, 0x06, 0x80, 0x01, 0x00, 0x85, 0x01, 0x00};
    /* explicit response-allowed TRUE (01 01) in an InitiateRequest: 15 bytes, BE 11 04 0F */
    static const uint8_t k_ra[] = {0x62, 0x13, 0xBE, 0x11, 0x04, 0x0F, 0x01, 0x00, 0x01, 0x01, 0x00,
                                   0x06, 0x5F, 0x1F, 0x04, 0x00, 0x00, 0x18, 0x1D, 0xFF, 0xFF};
    static const uint8_t k_ra_c[] = {0x62, 0x12, 0xBE, 0x10, 0x04, 0x0E, 0x01, 0x00, 0x00, 0x00,
                                     0x06, 0x5F, 0x1F, 0x04, 0x00, 0x00, 0x18, 0x1D, 0xFF, 0xFF};
    /* components out of order: BE before 80 in RLRE */
    static const uint8_t k_order[] = {0x63, 0x09, 0xBE, 0x04, 0x04, 0x02,
                                      0x21, 0x00, 0x80, 0x01, 0x01};
    static const uint8_t k_order_c[] = {0x63, 0x09, 0x80, 0x01, 0x01, 0xBE,
                                        0x04, 0x04, 0x02, 0x21, 0x00};
    static const uint8_t k_cnt_c[] = {0xC5, 0x05, 0x41, 0x02, 0x00, 0x03};
    static const uint8_t k_skip_c[] = {0x62, 0x03, 0x80, 0x01, 0x00};
    /* k_act_pblock with last-block 02 (TRUE, not 01) and raw-data length 81 02 (not minimal) */
    static const uint8_t k_pblock_nc[] = {0xC3, 0x06, 0x41, 0x02, 0x00, 0x00,
                                          0x00, 0x02, 0x81, 0x02, 0xAA, 0xBB};
    /* k_act_rsp_list with the count as 81 03 */
    static const uint8_t k_act_rsp_list_nc[] = {0xC7, 0x03, 0x41, 0x81, 0x03, 0x00, 0x00, 0x00,
                                                0x01, 0x00, 0x11, 0x07, 0x03, 0x01, 0x01, 0x03};
    /* k_set_rsp_last_list with the count as 82 0002 */
    static const uint8_t k_set_rsp_ll_nc[] = {0xC5, 0x04, 0x41, 0x82, 0x00, 0x02,
                                              0x00, 0x03, 0x00, 0x00, 0x00, 0x02};
    const struct {
        const uint8_t *in;
        size_t len;
        const uint8_t *canon;
        size_t clen;
    } cases[] = {
        {k_bool2, sizeof k_bool2, k_bool2_c, sizeof k_bool2_c},
        {k_cnt, sizeof k_cnt, k_cnt_c, sizeof k_cnt_c},
        {k_skip, sizeof k_skip, k_skip_c, sizeof k_skip_c},
        {k_ra, sizeof k_ra, k_ra_c, sizeof k_ra_c},
        {k_order, sizeof k_order, k_order_c, sizeof k_order_c},
        {k_pblock_nc, sizeof k_pblock_nc, k_act_pblock, sizeof k_act_pblock},
        {k_act_rsp_list_nc, sizeof k_act_rsp_list_nc, k_act_rsp_list, sizeof k_act_rsp_list},
        {k_set_rsp_ll_nc, sizeof k_set_rsp_ll_nc, k_set_rsp_last_list, sizeof k_set_rsp_last_list},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct omp_apdu a;
        decode_ok(cases[i].in, cases[i].len, &a);
        assert_true(a.noncanonical);
        encode_expect(&a, cases[i].canon, cases[i].clen);
    }
}

static void test_rejects(void **state)
{
    (void)state;
    /* hand-edited inputs and the error each must give */
    static const uint8_t k_ciphered[] = {0xDB, 0x08, 0x4B, 0x41, 0x4D}; /* general-glo-ciphering */
    static const uint8_t k_bad_choice[] = {0xC0, 0x04, 0x81, 0x00};     /* GET choice 4 */
    static const uint8_t k_bad_tag[] = {0xC4, 0x01, 0x81, 0x00, 0x07, 0x00}; /* Data tag 7 */
    static const uint8_t k_bad_time[] = {0x0F, 0x00, 0x00, 0x00, 0x00, 0x05, 1, 2, 3, 4, 5, 0x00};
    static const uint8_t k_bad_flag[] = {0xC0, 0x01, 0x81, 0x00, 0x01, 0x01, 0x01,
                                         0x00, 0x00, 0x01, 0xFF, 0x02, 0x02};
    static const uint8_t k_no_ctx[] = {0x60, 0x03, 0x80, 0x02, 0x07}; /* length/contents mismatch */
    static const uint8_t k_aarq_noctx[] = {0x60, 0x04, 0x8A, 0x02, 0x07, 0x80}; /* no A1 */
    static const uint8_t k_other_oid[] = {
        0x60, 0x0B, 0xA1, 0x09, 0x06, 0x07, 0x60,
        0x85, 0x74, 0x05, 0x08, 0x03, 0x01}; /* 2.16.756.5.8.3.1 */
    static const uint8_t k_dup[] = {0x62, 0x06, 0x80, 0x01, 0x00, 0x80, 0x01, 0x00};
    static const uint8_t k_huge_count[] = {0xC4, 0x01, 0x81, 0x00, 0x01, 0x84,
                                           0xFF, 0xFF, 0xFF, 0xFF, 0x00};
    static const uint8_t k_act_choice7[] = {0xC3, 0x07, 0x41, 0x00};     /* ACTION-request 7 */
    static const uint8_t k_act_rsp_choice5[] = {0xC7, 0x05, 0x41, 0x00}; /* ACTION-response 5 */
    static const uint8_t k_set_rsp_choice6[] = {0xC5, 0x06, 0x41, 0x00}; /* SET-response 6 */
    /* ACTION-response-with-list, one item whose return-parameters flag is 02 */
    static const uint8_t k_act_rsp_flag2[] = {0xC7, 0x03, 0x41, 0x01, 0x00, 0x02, 0x00, 0x11, 0x07};
    /* ACTION-request-with-list: 2 method descriptors announced, one present */
    static const uint8_t k_act_list_short[] = {0xC3, 0x03, 0x41, 0x02, 0x00, 0x46, 0x00,
                                               0x00, 0x60, 0x03, 0x0A, 0xFF, 0x01, 0x00};
    /* SET-request-with-list-and-first-datablock: raw-data length 05, 3 bytes follow */
    static const uint8_t k_set_lf_raw_short[] = {0xC1, 0x05, 0x41, 0x00, 0x00, 0x00, 0x00,
                                                 0x00, 0x01, 0x05, 0x11, 0x05, 0x12};
    /* general-block-transfer is not for omp_apdu_decode (omp_apdu_gbt_decode) */
    static const uint8_t k_gbt[] = {0xE0, 0x80, 0x00, 0x01, 0x00, 0x00, 0x00};
    const struct {
        const char *name;
        const uint8_t *in;
        size_t len;
        omp_err want;
    } cases[] = {
        {"ciphered", k_ciphered, sizeof k_ciphered, OMP_ERR_UNSUPPORTED},
        {"GET choice 4", k_bad_choice, sizeof k_bad_choice, OMP_ERR_MALFORMED},
        {"Data tag 7", k_bad_tag, sizeof k_bad_tag, OMP_ERR_MALFORMED},
        {"date-time length 5", k_bad_time, sizeof k_bad_time, OMP_ERR_MALFORMED},
        {"OPTIONAL flag 2", k_bad_flag, sizeof k_bad_flag, OMP_ERR_MALFORMED},
        {"protocol-version overruns", k_no_ctx, sizeof k_no_ctx, OMP_ERR_MALFORMED},
        {"AARQ without context", k_aarq_noctx, sizeof k_aarq_noctx, OMP_ERR_MALFORMED},
        {"non-DLMS context OID", k_other_oid, sizeof k_other_oid, OMP_ERR_UNSUPPORTED},
        {"duplicate component", k_dup, sizeof k_dup, OMP_ERR_MALFORMED},
        {"array count 2^32-1", k_huge_count, sizeof k_huge_count, OMP_ERR_TRUNCATED},
        {"ACTION-request choice 7", k_act_choice7, sizeof k_act_choice7, OMP_ERR_MALFORMED},
        {"ACTION-response choice 5", k_act_rsp_choice5, sizeof k_act_rsp_choice5,
         OMP_ERR_MALFORMED},
        {"SET-response choice 6", k_set_rsp_choice6, sizeof k_set_rsp_choice6, OMP_ERR_MALFORMED},
        {"ACTION-response list flag 2", k_act_rsp_flag2, sizeof k_act_rsp_flag2, OMP_ERR_MALFORMED},
        {"ACTION-request list short", k_act_list_short, sizeof k_act_list_short, OMP_ERR_TRUNCATED},
        {"SET list+first block raw short", k_set_lf_raw_short, sizeof k_set_lf_raw_short,
         OMP_ERR_TRUNCATED},
        {"general-block-transfer", k_gbt, sizeof k_gbt, OMP_ERR_UNSUPPORTED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct omp_apdu out, sentinel;
        memset(&sentinel, 0x5A, sizeof sentinel);
        memcpy(&out, &sentinel, sizeof out);
        struct omp_rd rd = omp_rd_init(cases[i].in, cases[i].len);
        print_message("%s\n", cases[i].name);
        assert_int_equal(omp_apdu_decode(&rd, &out), cases[i].want);
        assert_int_equal(omp_rd_pos(&rd), 0);
        assert_memory_equal(&out, &sentinel, sizeof out);
    }
    struct omp_rd rd = omp_rd_init(k_s1_get, sizeof k_s1_get);
    struct omp_apdu a;
    assert_int_equal(omp_apdu_decode(NULL, &a), OMP_ERR_ARG);
    assert_int_equal(omp_apdu_decode(&rd, NULL), OMP_ERR_ARG);
}

/* Nesting: Data values are skipped by omp_axdr_skip, which counts instead of keeping a stack, so
 * nesting deeper than the walker's OMP_CONFIG_AXDR_DEPTH is still accepted (with constant stack);
 * a consumer that walks the value with omp_axdr_walk gets OMP_ERR_DEPTH there. */
static void test_depth(void **state)
{
    (void)state;
    uint8_t buf[4 + 2 * (OMP_CONFIG_AXDR_DEPTH + 1) + 1];
    for (int depth = OMP_CONFIG_AXDR_DEPTH; depth <= OMP_CONFIG_AXDR_DEPTH + 1; depth++) {
        size_t n = 0;
        buf[n++] = 0xC4;
        buf[n++] = 0x01;
        buf[n++] = 0x81;
        buf[n++] = 0x00;
        for (int i = 0; i < depth; i++) {
            buf[n++] = 0x02; /* structure of one element */
            buf[n++] = 0x01;
        }
        buf[n++] = 0x00; /* null-data */
        struct omp_rd rd = omp_rd_init(buf, n);
        struct omp_apdu a;
        assert_int_equal(omp_apdu_decode(&rd, &a), OMP_OK);
        assert_int_equal(a.u.get_rsp.result.data.len, (size_t)(2 * depth + 1));
    }
}

/* Walk one Data value over @p len bytes at @p p: the first error, or OMP_OK with the DONE event's
 * position in *end and the first leaf's unsigned value in *first. */
static omp_err walk_span(const uint8_t *p, size_t len, size_t *end, uint64_t *first)
{
    struct omp_rd rd = omp_rd_init(p, len);
    struct omp_axdr_walker wk;
    omp_axdr_walk_init(&wk);
    bool seen = false;
    for (;;) {
        struct omp_axdr_event ev;
        omp_err err = omp_axdr_walk(&wk, &rd, &ev);
        if (err != OMP_OK) {
            return err;
        }
        if (ev.kind == OMP_AXDR_EV_DONE) {
            *end = ev.pos;
            return OMP_OK;
        }
        if (ev.kind == OMP_AXDR_EV_ELEM && !seen && ev.elem.tag != OMP_AXDR_TAG_ARRAY &&
            ev.elem.tag != OMP_AXDR_TAG_STRUCTURE) {
            *first = ev.elem.v.u;
            seen = true;
        }
    }
}

/* omp_apdu_decode_lazy: the Data value that ends the APDU is left to the walk (one pass). */
static void test_decode_lazy(void **state)
{
    (void)state;
    struct omp_apdu a;
    size_t end = 0;
    uint64_t v = 0;
    /* S1 GET-response: the data is 06 00BC614F at offset 4, 5 bytes: 12345679 */
    struct omp_rd rd = omp_rd_init(k_s1_rsp, sizeof k_s1_rsp);
    assert_int_equal(omp_apdu_decode_lazy(&rd, &a), OMP_OK);
    assert_int_equal(omp_rd_remaining(&rd), 0);
    assert_int_equal(a.kind, OMP_APDU_GET_RSP_NORMAL);
    assert_int_equal(a.invoke, 0x81);
    assert_true(a.data_unchecked);
    assert_true(a.u.get_rsp.result.is_data);
    assert_ptr_equal(a.u.get_rsp.result.data.ptr, k_s1_rsp + 4);
    assert_int_equal(a.u.get_rsp.result.data.len, 5);
    assert_int_equal(walk_span(a.u.get_rsp.result.data.ptr, 5, &end, &v), OMP_OK);
    assert_int_equal(end, 5);
    assert_int_equal(v, 12345679u);
    decode_ok(k_s1_rsp, sizeof k_s1_rsp, &a); /* the checking decode does not set the flag */
    assert_false(a.data_unchecked);

    /* the same with one trailing byte (hand): the span takes it, the walk ends one before */
    uint8_t trail[sizeof k_s1_rsp + 1];
    memcpy(trail, k_s1_rsp, sizeof k_s1_rsp);
    trail[sizeof k_s1_rsp] = 0xAA;
    rd = omp_rd_init(trail, sizeof trail);
    assert_int_equal(omp_apdu_decode_lazy(&rd, &a), OMP_OK);
    assert_int_equal(a.u.get_rsp.result.data.len, 6);
    assert_int_equal(walk_span(a.u.get_rsp.result.data.ptr, 6, &end, &v), OMP_OK);
    assert_int_equal(end, 5); /* != 6: a trailing byte */

    /* malformed and truncated values (hand): the checking decode rejects them, the lazy one
     * leaves them to the walk, which reports the same error */
    static const uint8_t bad_tag[] = {0xC4, 0x01, 0x81, 0x00, 0x07};       /* tag 7: no type */
    static const uint8_t short_u32[] = {0xC4, 0x01, 0x81, 0x00, 0x06, 0x00, 0xBC}; /* 2 of 4 */
    static const uint8_t big_count[] = {0xC4, 0x01, 0x81, 0x00, 0x01, 0x05, 0x00}; /* 5 in 1 */
    const struct {
        const uint8_t *p;
        size_t n;
        omp_err err;
    } bad[] = {
        {bad_tag, sizeof bad_tag, OMP_ERR_MALFORMED},
        {short_u32, sizeof short_u32, OMP_ERR_TRUNCATED},
        {big_count, sizeof big_count, OMP_ERR_TRUNCATED},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rd = omp_rd_init(bad[i].p, bad[i].n);
        assert_int_equal(omp_apdu_decode(&rd, &a), bad[i].err);
        assert_int_equal(omp_apdu_decode_lazy(&rd, &a), OMP_OK);
        assert_true(a.data_unchecked);
        assert_ptr_equal(a.u.get_rsp.result.data.ptr, bad[i].p + 4);
        assert_int_equal(a.u.get_rsp.result.data.len, bad[i].n - 4u);
        assert_int_equal(walk_span(a.u.get_rsp.result.data.ptr, bad[i].n - 4u, &end, &v),
                         bad[i].err);
    }

    /* no byte left for the value: TRUNCATED from both, nothing changed */
    static const uint8_t no_data[] = {0xC4, 0x01, 0x81, 0x00};
    struct omp_apdu before;
    memset(&a, 0x5A, sizeof a);
    memcpy(&before, &a, sizeof a);
    rd = omp_rd_init(no_data, sizeof no_data);
    assert_int_equal(omp_apdu_decode_lazy(&rd, &a), OMP_ERR_TRUNCATED);
    assert_int_equal(omp_rd_pos(&rd), 0);
    assert_memory_equal(&a, &before, sizeof a);

    /* data-notification without date-time: body 11 05 (unsigned 5) at offset 6 */
    rd = omp_rd_init(k_notify_notime, sizeof k_notify_notime);
    assert_int_equal(omp_apdu_decode_lazy(&rd, &a), OMP_OK);
    assert_true(a.data_unchecked);
    assert_int_equal(a.u.notify.long_invoke, 1);
    assert_ptr_equal(a.u.notify.body.ptr, k_notify_notime + 6);
    assert_int_equal(a.u.notify.body.len, 2);
    assert_int_equal(walk_span(a.u.notify.body.ptr, 2, &end, &v), OMP_OK);
    assert_int_equal(v, 5);

    /* no Data value at the end: a dar result (C4 01 81 01 03, read-write-denied), a list, a
     * GET-request without access: decoded as omp_apdu_decode() does, the flag clear */
    static const uint8_t dar[] = {0xC4, 0x01, 0x81, 0x01, 0x03};
    rd = omp_rd_init(dar, sizeof dar);
    assert_int_equal(omp_apdu_decode_lazy(&rd, &a), OMP_OK);
    assert_false(a.data_unchecked);
    assert_false(a.u.get_rsp.result.is_data);
    assert_int_equal(a.u.get_rsp.result.dar, 3);
    rd = omp_rd_init(k_get_rsp_list, sizeof k_get_rsp_list);
    assert_int_equal(omp_apdu_decode_lazy(&rd, &a), OMP_OK);
    assert_false(a.data_unchecked);
    assert_int_equal(a.u.get_rsp.list.count, 2);
    assert_int_equal(a.u.get_rsp.list.items.len, sizeof k_get_rsp_list - 4u);
    rd = omp_rd_init(k_s1_get, sizeof k_s1_get);
    assert_int_equal(omp_apdu_decode_lazy(&rd, &a), OMP_OK);
    assert_false(a.data_unchecked);
    assert_int_equal(omp_rd_remaining(&rd), 0);
}

static void test_encode_args(void **state)
{
    (void)state;
    uint8_t out[64];
    struct omp_wr w = omp_wr_init(out, sizeof out);
    struct omp_apdu a;
    memset(&a, 0, sizeof a);
    static const uint8_t k_two[] = {0x11, 0x05, 0x11, 0x06}; /* two Data values, not one */
    static const uint8_t k_time11[11] = {0};

    a.kind = OMP_APDU_GET_RSP_NORMAL;
    a.u.get_rsp.result.is_data = true;
    a.u.get_rsp.result.data.ptr = k_two;
    a.u.get_rsp.result.data.len = sizeof k_two;
    assert_int_equal(omp_apdu_encode(&a, &w), OMP_ERR_ARG);
    a.u.get_rsp.result.data.len = 0;
    assert_int_equal(omp_apdu_encode(&a, &w), OMP_ERR_ARG);

    memset(&a, 0, sizeof a);
    a.kind = OMP_APDU_DATA_NOTIFICATION;
    a.u.notify.has_time = true;
    a.u.notify.time.ptr = k_time11;
    a.u.notify.time.len = sizeof k_time11;
    a.u.notify.body.ptr = k_two;
    a.u.notify.body.len = 2;
    assert_int_equal(omp_apdu_encode(&a, &w), OMP_ERR_ARG);

    memset(&a, 0, sizeof a);
    a.kind = (enum omp_apdu_kind)0xC009;
    assert_int_equal(omp_apdu_encode(&a, &w), OMP_ERR_ARG);
    a.kind = OMP_APDU_NONE;
    assert_int_equal(omp_apdu_encode(&a, &w), OMP_ERR_ARG);

    memset(&a, 0, sizeof a);
    a.kind = OMP_APDU_AARE;
    a.u.aare.app_context = 1;
    a.u.aare.diag_source = 3; /* not user (1) or provider (2) */
    assert_int_equal(omp_apdu_encode(&a, &w), OMP_ERR_ARG);

    memset(&a, 0, sizeof a);
    a.kind = OMP_APDU_AARQ;
    a.u.aarq.app_context = 1;
    a.u.aarq.user_info.kind = OMP_APDU_UINFO_INITIATE_REQ;
    a.u.aarq.user_info.u.init_req.conformance = 0x01000000; /* more than 24 bits */
    assert_int_equal(omp_apdu_encode(&a, &w), OMP_ERR_ARG);

    assert_int_equal(omp_wr_len(&w), 0);
    assert_int_equal(omp_apdu_encode(NULL, &w), OMP_ERR_ARG);
    assert_int_equal(omp_apdu_encode(&a, NULL), OMP_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_round_trip),
        cmocka_unit_test(test_directions),
        cmocka_unit_test(test_s1),
        cmocka_unit_test(test_s2),
        cmocka_unit_test(test_han_notification),
        cmocka_unit_test(test_lists),
        cmocka_unit_test(test_acse_fields),
        cmocka_unit_test(test_action_set_blocks),
        cmocka_unit_test(test_gbt),
        cmocka_unit_test(test_long_lengths),
        cmocka_unit_test(test_noncanonical),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_decode_lazy),
        cmocka_unit_test(test_encode_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

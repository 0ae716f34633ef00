/**
 * @file wrapper.h
 * @brief DLMS/COSEM TCP-UDP wrapper (IEC 62056-47 / DLMS UA Green Book "wrapper" sub-layer).
 *
 * Every APDU sent over TCP (or UDP) is preceded by an 8-byte header, all fields big-endian:
 *
 *     version u16 (0x0001) | source wPort u16 | destination wPort u16 | length u16 (APDU bytes)
 *
 * This module encodes and decodes one wrapper PDU over caller buffers (zero-copy) and splits a TCP
 * byte stream into complete PDUs with a caller-owned, fixed-size reassembly buffer. No heap, no
 * global state; everything is reentrant.
 *
 * Configuration (config.h): OMP_CONFIG_WRAPPER_MAX, the largest APDU the stream splitter accepts
 * (default 2048, 1..65535).
 *
 * Module switch: OMP_CONFIG_DLMS (config.h, default 1). With 0 the DLMS codecs (lib/axdr,
 * lib/apdu, lib/hdlc, lib/wrapper) are not compiled; the declarations stay, calls fail to link.
 */
#ifndef OMNIPOWER_WRAPPER_H
#define OMNIPOWER_WRAPPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omnipower/config.h"
#include "omnipower/core.h"

#ifdef __cplusplus
extern "C" {
#endif


/** The only wrapper version defined by IEC 62056-47. */
#define OMP_WRAPPER_VERSION 0x0001u
/** Header size in bytes. */
#define OMP_WRAPPER_HEADER_LEN 8u
/** Well-known wPorts (Green Book): the management logical device / public client. */
#define OMP_WRAPPER_WPORT_MANAGEMENT    0x0001u
#define OMP_WRAPPER_WPORT_PUBLIC_CLIENT 0x0010u

/** One decoded wrapper PDU. */
struct omp_wrapper_pdu {
    uint16_t src_wport;  /**< source wPort */
    uint16_t dst_wport;  /**< destination wPort */
    const uint8_t *apdu; /**< APDU bytes; points into the decoded buffer (NULL if apdu_len is 0) */
    size_t apdu_len;     /**< APDU length, 0..65535 */
};

/**
 * @brief Write header + APDU into @p w.
 * @param apdu      APDU bytes (may be NULL only if @p apdu_len is 0).
 * @param apdu_len  0..65535.
 * @return OMP_OK, OMP_ERR_ARG (NULL, apdu_len > 65535), OMP_ERR_NOSPACE (nothing written).
 * @par Context: any; reentrant.
 */
OMP_MUST_CHECK omp_err omp_wrapper_encode(uint16_t src_wport, uint16_t dst_wport,
                                          const uint8_t *apdu, size_t apdu_len, struct omp_wr *w);

/**
 * @brief Decode one wrapper PDU at the reader's position and consume it (header + APDU).
 *
 * Trailing bytes after the APDU are left in the reader (the next PDU of a stream).
 * @param[out] pdu  Filled on success; pdu->apdu points into the reader's buffer.
 * @return OMP_OK, OMP_ERR_ARG (NULL), OMP_ERR_TRUNCATED (fewer than 8 + length bytes available),
 *         OMP_ERR_UNEXPECTED (version is not 0x0001). On error @p pdu and the reader are untouched.
 * @par Context: any; reentrant.
 */
OMP_MUST_CHECK omp_err omp_wrapper_decode(struct omp_rd *rd, struct omp_wrapper_pdu *pdu);

/**
 * @brief Stream splitter state: reassembles wrapper PDUs from TCP chunks. Caller-owned; about
 * OMP_CONFIG_WRAPPER_MAX + 24 bytes. Fields are private.
 */
struct omp_wrapper_rx {
    uint8_t buf[OMP_WRAPPER_HEADER_LEN + OMP_CONFIG_WRAPPER_MAX]; /**< header + APDU being built */
    size_t have;                                                  /**< bytes in buf */
    omp_err failed; /**< OMP_OK, or the sticky error of a bad header */
    bool delivered; /**< buf holds a PDU returned by the last feed; dropped on the next feed */
};

/** @brief Start (or restart after an error) with an empty buffer. */
void omp_wrapper_rx_init(struct omp_wrapper_rx *rx);

/**
 * @brief Feed received bytes; stops as soon as one PDU is complete.
 *
 * Typical loop: `while (n > 0) { err = feed(rx, p, n, &used, &pdu); p += used; n -= used;
 * if (err == OMP_OK) handle(&pdu); else if (err == OMP_ERR_TRUNCATED) break; else close(); }`
 *
 * @param data,len  Received bytes (data may be NULL only when len is 0).
 * @param[out] used Bytes of @p data consumed (also on error: the bytes up to the bad header).
 * @param[out] pdu  On OMP_OK: the complete PDU; pdu->apdu points into @p rx and stays valid until
 *                  the next call with this @p rx. Untouched otherwise.
 * @return OMP_OK (a PDU is ready; more of @p data may remain), OMP_ERR_TRUNCATED (all of @p data
 *         buffered, PDU not complete yet), OMP_ERR_UNEXPECTED (header version is not 0x0001),
 *         OMP_ERR_RANGE (length field above OMP_CONFIG_WRAPPER_MAX), OMP_ERR_ARG (NULL).
 *         UNEXPECTED and RANGE are sticky: the stream cannot be resynchronised, the caller closes
 *         the connection and calls omp_wrapper_rx_init() before reusing @p rx.
 * @par Context: one caller per @p rx; no shared state.
 */
OMP_MUST_CHECK omp_err omp_wrapper_rx_feed(struct omp_wrapper_rx *rx, const uint8_t *data,
                                           size_t len, size_t *used, struct omp_wrapper_pdu *pdu);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_WRAPPER_H */

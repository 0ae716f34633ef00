/**
 * @file hdlc.h
 * @brief HDLC framing for DLMS/COSEM: IEC 62056-46 frame format type 3 (DLMS UA Green Book 8.4).
 *
 * A bounded, zero-copy, allocation-free codec (core only):
 * - one frame: decode / encode with HCS and FCS (CRC-16/X.25), 1-, 2- and 4-byte addresses, the
 *   control fields I, RR, RNR, SNRM, DISC, UA, DM, FRMR, UI;
 * - the LLC header E6 E6 00 / E6 E7 00 that precedes DLMS APDUs in I and UI information fields;
 * - the SNRM/UA parameter negotiation field (0x81 0x80 group: max info field and window sizes);
 * - a stream decoder that finds frames in a byte stream and resynchronises after errors;
 * - segmentation (S bit) and reassembly of long information fields.
 *
 * IEC 62056-46 uses no byte stuffing: a frame is delimited by the 11-bit length in its format
 * field, and 0x7E may occur inside a frame. Byte layouts and limits are in docs/dlms-hdlc.md.
 *
 * Module switch: OMP_CONFIG_DLMS (config.h, default 1). With 0 the DLMS codecs (lib/axdr,
 * lib/apdu, lib/hdlc, lib/wrapper) are not compiled; the declarations stay, calls fail to link.
 */
#ifndef OMNIPOWER_HDLC_H
#define OMNIPOWER_HDLC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omnipower/config.h"
#include "omnipower/core.h"


#ifdef __cplusplus
extern "C" {
#endif

#define OMP_HDLC_FLAG           0x7Eu /**< opening/closing flag */
#define OMP_HDLC_FORMAT_TYPE3   0xAu  /**< frame format type 3 (upper nibble of the format field) */
#define OMP_HDLC_LEN_MAX        2047u /**< largest 11-bit frame length */
#define OMP_HDLC_MIN_LEN        7u    /**< format 2 + addresses 1 + 1 + control 1 + FCS 2 */
#define OMP_HDLC_OVERHEAD_MAX   15u   /**< format 2 + addresses 4 + 4 + control 1 + HCS 2 + FCS 2 */
#define OMP_HDLC_INFO_DEFAULT   128u  /**< max information field when not negotiated */
#define OMP_HDLC_WINDOW_DEFAULT 1u    /**< window size when not negotiated */
#define OMP_HDLC_LLC_LEN        3u    /**< E6 E6 00 / E6 E7 00 */

/** Frame type, from the control field (IEC 62056-46 6.4.3, Green Book 8.4.3.3). */
enum omp_hdlc_type {
    OMP_HDLC_I = 0,    /**< information: RRR P SSS 0 */
    OMP_HDLC_RR = 1,   /**< receive ready: RRR P/F 0001 */
    OMP_HDLC_RNR = 2,  /**< receive not ready: RRR P/F 0101 */
    OMP_HDLC_SNRM = 3, /**< set normal response mode: 100 P 0011 (0x83 / 0x93) */
    OMP_HDLC_DISC = 4, /**< disconnect: 010 P 0011 (0x43 / 0x53) */
    OMP_HDLC_UA = 5,   /**< unnumbered acknowledge: 011 F 0011 (0x63 / 0x73) */
    OMP_HDLC_DM = 6,   /**< disconnected mode: 000 F 1111 (0x0F / 0x1F) */
    OMP_HDLC_FRMR = 7, /**< frame reject: 100 F 0111 (0x87 / 0x97) */
    OMP_HDLC_UI = 8,   /**< unnumbered information: 000 P/F 0011 (0x03 / 0x13) */
};

/**
 * An HDLC address (Green Book 8.4.2.2). Each byte carries 7 bits; the LSB 1 ends the address.
 * - size 1: @c upper only (0..0x7F), @c lower is 0. Client addresses are always 1 byte.
 * - size 2: @c upper = logical device (0..0x7F), @c lower = physical device (0..0x7F).
 * - size 4: @c upper (0..0x3FFF) in the first two bytes, @c lower (0..0x3FFF) in the last two.
 * Example: server logical 1 in one byte is 0x03; client 16 is 0x21.
 */
struct omp_hdlc_addr {
    uint16_t upper; /**< upper HDLC address (logical device), or the whole 1-byte address */
    uint16_t lower; /**< lower HDLC address (physical device); 0 when @c size is 1 */
    uint8_t size;   /**< bytes on the wire: 1, 2 or 4 */
};

/** One decoded frame, or the description of one to encode. */
struct omp_hdlc_frame {
    struct omp_hdlc_addr dst; /**< destination address */
    struct omp_hdlc_addr src; /**< source address */
    enum omp_hdlc_type type;  /**< frame type */
    bool pf;                  /**< poll/final bit (0x10 of the control field) */
    bool segmented;           /**< segmentation bit S of the format field (I and UI only) */
    uint8_t ns;               /**< N(S), 0..7: I frames only, else 0 */
    uint8_t nr;               /**< N(R), 0..7: I, RR, RNR only, else 0 */
    const uint8_t *info;      /**< information field (zero-copy into the decoded bytes), or NULL */
    size_t info_len;          /**< bytes of @c info; 0 means no information field and no HCS */
};

/* ---- one frame ---------------------------------------------------------------------------------
 */

/**
 * @brief Decode one complete HDLC frame of format type 3 (IEC 62056-46 6.4).
 *
 * @param[in]  in     If it starts with 0x7E, the frame is taken between an opening and a closing
 *                    flag; otherwise it starts at the format field and has no flags. Read only up
 *                    to @p len.
 * @param[in]  len    Readable bytes in @p in.
 * @param[out] frame  Filled on success; frame->info points into @p in (valid while @p in is).
 * @param[out] used   Bytes consumed: the frame length field value, plus 2 with flags.
 *                    Bytes after the frame are not read.
 * @return OMP_OK; OMP_ERR_TRUNCATED (fewer bytes than the length field says, or no closing flag
 *         yet); OMP_ERR_MALFORMED (format type not 0xA, length below 7, addresses that do not end
 *         in 1, 2 or 4 bytes or do not fit, unknown control field, S bit on a frame that is not I
 *         or UI, a 2-byte field between header and FCS (an HCS without information), closing byte
 *         not 0x7E); OMP_ERR_CRC (HCS or FCS mismatch); OMP_ERR_ARG (NULL pointer).
 *         On error @p frame and @p used are untouched.
 * @par Context: any; no shared state (reentrant).
 */
OMP_MUST_CHECK omp_err omp_hdlc_decode(const uint8_t *in, size_t len, struct omp_hdlc_frame *frame,
                                       size_t *used);

/**
 * @brief Encode @p frame with its HCS (when there is an information field) and FCS.
 *
 * @param[in,out] w      Writer; receives the whole frame or nothing.
 * @param[in]     frame  Fields to send; @c ns / @c nr are ignored where the type has none.
 * @param[in]     flags  true: add the opening and closing 0x7E.
 * @return OMP_OK; OMP_ERR_NOSPACE (nothing written); OMP_ERR_RANGE (address value or size,
 *         N(S)/N(R) > 7, unknown type, S bit on a frame that is not I/UI, frame length > 2047);
 *         OMP_ERR_ARG (NULL @p w / @p frame, or NULL info with info_len > 0); a sticky error of
 *         @p w is returned as is.
 * @par Context: any; reentrant.
 */
OMP_MUST_CHECK omp_err omp_hdlc_encode(struct omp_wr *w, const struct omp_hdlc_frame *frame,
                                       bool flags);

/** @brief Bytes omp_hdlc_encode() writes for @p frame (0 if the frame cannot be encoded). */
size_t omp_hdlc_encoded_len(const struct omp_hdlc_frame *frame, bool flags);

/* ---- LLC ---------------------------------------------------------------------------------------
 */

/**
 * @brief Write the LLC header: E6 E6 00 (command, client to server) or E6 E7 00 (response).
 * @return OMP_OK, OMP_ERR_NOSPACE (nothing written), OMP_ERR_ARG.
 */
OMP_MUST_CHECK omp_err omp_hdlc_llc_put(struct omp_wr *w, bool response);

/**
 * @brief Check and strip the LLC header at the start of an I/UI information field.
 * @param[out] response  true for E6 E7 00, false for E6 E6 00. May be NULL.
 * @param[out] apdu      Points into @p info after the 3 header bytes.
 * @param[out] apdu_len  @p len - 3.
 * @return OMP_OK, OMP_ERR_TRUNCATED (fewer than 3 bytes), OMP_ERR_UNEXPECTED (not E6 E6/E7 00),
 *         OMP_ERR_ARG. Outputs untouched on error.
 */
OMP_MUST_CHECK omp_err omp_hdlc_llc_strip(const uint8_t *info, size_t len, bool *response,
                                          const uint8_t **apdu, size_t *apdu_len);

/* ---- SNRM / UA parameter negotiation -----------------------------------------------------------
 */

/**
 * HDLC parameters of an SNRM or UA information field (IEC 62056-46 6.4.4.4.3.2, Green Book
 * 8.4.5.3.2), from the sender's point of view: @c max_info_tx is what the sender will transmit.
 */
struct omp_hdlc_params {
    uint16_t max_info_tx; /**< parameter 0x05: maximum information field length, transmit */
    uint16_t max_info_rx; /**< parameter 0x06: maximum information field length, receive */
    uint8_t window_tx;    /**< parameter 0x07: window size, transmit (1..7) */
    uint8_t window_rx;    /**< parameter 0x08: window size, receive (1..7) */
};

/** @brief The defaults that apply when a parameter is absent: 128 bytes, window 1. */
struct omp_hdlc_params omp_hdlc_params_default(void);

/**
 * @brief Write the parameter field 81 80 <group length> 05 02 tx 06 02 rx 07 04 wtx 08 04 wrx
 *        (info lengths as 2 bytes, windows as 4 bytes, the form Kamstrup meters send).
 * @return OMP_OK, OMP_ERR_NOSPACE (nothing written), OMP_ERR_RANGE (an info length of 0 or a
 *         window outside 1..7), OMP_ERR_ARG.
 */
OMP_MUST_CHECK omp_err omp_hdlc_params_encode(struct omp_wr *w, const struct omp_hdlc_params *p);

/**
 * @brief Decode an SNRM/UA information field. An empty field (@p len 0) gives the defaults, and so
 * does each absent parameter. Values may be 1, 2 or 4 bytes. Unknown parameter ids are skipped.
 * @return OMP_OK; OMP_ERR_MALFORMED (not 81 80, group length not matching the field, a value of
 *         another size); OMP_ERR_RANGE (info length 0 or above 0xFFFF, window outside 1..7);
 *         OMP_ERR_ARG. @p p untouched on error.
 */
OMP_MUST_CHECK omp_err omp_hdlc_params_decode(const uint8_t *info, size_t len,
                                              struct omp_hdlc_params *p);

/**
 * @brief The parameters a responding station puts into its UA: each is the smaller of the
 * peer's proposal (from the SNRM, the peer's point of view) and our own limits.
 *   out.max_info_tx = min(proposed.max_info_rx, limits.max_info_tx), likewise for window_tx;
 *   out.max_info_rx = min(proposed.max_info_tx, limits.max_info_rx), likewise for window_rx.
 * @return OMP_OK, OMP_ERR_ARG (NULL, or a zero value in either input).
 */
OMP_MUST_CHECK omp_err omp_hdlc_negotiate(const struct omp_hdlc_params *proposed,
                                          const struct omp_hdlc_params *limits,
                                          struct omp_hdlc_params *out);

/* ---- stream decoder ----------------------------------------------------------------------------
 */

/**
 * Finds frames in a byte stream (caller-owned; no pointers into caller memory are kept).
 * Fields other than the counters are private. Counters only grow (they wrap at 2^32):
 * bytes_in == bytes_frames + bytes_dropped + omp_hdlc_stream_held().
 */
struct omp_hdlc_stream {
    uint8_t buf[OMP_CONFIG_HDLC_MAX_FRAME + 2]; /**< private: opening flag, frame, closing flag */
    size_t len;                                 /**< private: bytes in buf */
    size_t pending;                             /**< private: bytes of the last yielded frame */
    uint32_t n_frames;                          /**< good frames yielded */
    uint32_t n_errors;      /**< broken frames dropped (format, length, HCS/FCS, closing flag) */
    uint32_t n_crc_errors;  /**< of n_errors: HCS or FCS mismatches */
    uint32_t bytes_in;      /**< bytes consumed from the caller */
    uint32_t bytes_frames;  /**< bytes of yielded frames (opening flag + length field value) */
    uint32_t bytes_dropped; /**< garbage, idle flags and bytes of broken frames */
};

/** @brief Reset @p s to the hunting state with zeroed counters. */
void omp_hdlc_stream_init(struct omp_hdlc_stream *s);

/**
 * @brief Feed bytes; stop after the first good frame.
 *
 * Consumes bytes of @p in until a complete frame with a valid HCS/FCS and its closing flag has
 * been seen. A closing flag is kept as the possible opening flag of the next frame (7E..7E..7E).
 * Broken frames are counted and dropped; the bytes after their opening flag are searched again for
 * the next 0x7E, so a good frame that starts inside a broken one is still found.
 * Call again (with the rest of the input, or with @p len 0) until it returns OMP_ERR_TRUNCATED:
 * a frame can be yielded with *used == 0 when it was already buffered.
 *
 * @param[out] used   Bytes of @p in consumed (all of them on OMP_ERR_TRUNCATED).
 * @param[out] frame  The frame; info points into @p s and stays valid until the next call.
 * @return OMP_OK (a frame), OMP_ERR_TRUNCATED (input used up, no frame yet), OMP_ERR_ARG.
 * @par Context: one stream per byte source; not reentrant on the same @p s.
 */
OMP_MUST_CHECK omp_err omp_hdlc_stream_feed(struct omp_hdlc_stream *s, const uint8_t *in,
                                            size_t len, size_t *used, struct omp_hdlc_frame *frame);

/** @brief Bytes the stream holds that are not yet counted as frame or dropped bytes. */
size_t omp_hdlc_stream_held(const struct omp_hdlc_stream *s);

/* ---- segmentation ------------------------------------------------------------------------------
 */

/** Reassembly of segmented I/UI information fields into a caller buffer. */
struct omp_hdlc_reasm {
    uint8_t *buf; /**< caller buffer */
    size_t cap;   /**< its capacity */
    size_t len;   /**< bytes joined so far */
    bool active;  /**< a segmented message is in progress */
};

/** @brief Use @p buf (@p cap bytes) for reassembly; no message in progress. */
void omp_hdlc_reasm_init(struct omp_hdlc_reasm *r, uint8_t *buf, size_t cap);
/** @brief Drop a message in progress. */
void omp_hdlc_reasm_reset(struct omp_hdlc_reasm *r);

/**
 * @brief Add the information field of an I or UI frame.
 *
 * A frame with the S bit starts or continues a message; the first frame without it ends it. A
 * single unsegmented frame is passed through without a copy (*msg points at frame->info).
 * @param[out] done     true when a whole message is available in @p msg / @p msg_len.
 * @param[out] msg      The message: valid until the next add/reset (or while frame->info is).
 * @return OMP_OK; OMP_ERR_NOSPACE (the message does not fit the buffer: nothing changed; call
 *         omp_hdlc_reasm_reset() to drop it); OMP_ERR_ARG (NULL, or not an I/UI frame).
 */
OMP_MUST_CHECK omp_err omp_hdlc_reasm_add(struct omp_hdlc_reasm *r,
                                          const struct omp_hdlc_frame *frame, bool *done,
                                          const uint8_t **msg, size_t *msg_len);

/**
 * @brief Encode the next segment of @p data: a frame like @p hdr (I or UI) carrying
 * data[*offset ..] up to @p max_info bytes, with the S bit set if more data follows; then advance
 * *offset. Call until *offset == @p len (between I frames, set hdr->ns / nr as the link requires).
 * @return OMP_OK; OMP_ERR_NOSPACE (nothing written, *offset unchanged); OMP_ERR_ARG (NULL, @p len
 * 0, *offset >= @p len, @p max_info 0, not an I/UI frame); errors of omp_hdlc_encode().
 */
OMP_MUST_CHECK omp_err omp_hdlc_encode_segment(struct omp_wr *w, const struct omp_hdlc_frame *hdr,
                                               const uint8_t *data, size_t len, size_t *offset,
                                               size_t max_info, bool flags);

/* ---- server link layer (hdlc_link.c) -----------------------------------------------------------
 */

/** Link state of the responding station (IEC 62056-46 6.4.4: NDM / NRM). */
enum omp_hdlc_link_state {
    OMP_HDLC_LINK_NDM = 0, /**< normal disconnected mode */
    OMP_HDLC_LINK_NRM = 1, /**< normal response mode: connected to @c client */
};

/** What omp_hdlc_link_on_frame() found in a received frame. */
enum omp_hdlc_link_event {
    OMP_HDLC_EV_NONE = 0,         /**< nothing for the application (maybe a reply was written) */
    OMP_HDLC_EV_CONNECTED = 1,    /**< SNRM accepted; UA written */
    OMP_HDLC_EV_DISCONNECTED = 2, /**< DISC accepted; UA written */
    OMP_HDLC_EV_DATA = 3,         /**< a whole I/UI information field for the application; answer
                                       an I frame with omp_hdlc_link_put_i() (or RR) */
    OMP_HDLC_EV_RR = 4,           /**< the client polls (RR): send the next segment, or RR */
};

/**
 * A server's HDLC link, window 1 (caller-owned, no pointers kept). Fields are readable; change
 * them only through the functions below.
 */
struct omp_hdlc_link {
    struct omp_hdlc_addr server;   /**< our address: frames to other destinations are ignored */
    struct omp_hdlc_addr client;   /**< the connected client (NRM) */
    struct omp_hdlc_params limits; /**< our own limits (our point of view) */
    struct omp_hdlc_params params; /**< negotiated at SNRM (our point of view) */
    enum omp_hdlc_link_state state;
    uint8_t vs; /**< send state variable V(S): N(S) of our next I frame */
    uint8_t vr; /**< receive state variable V(R): N(S) we expect next */
};

/**
 * @brief Start in NDM with our address @p server and limits @p limits (NULL: the defaults).
 * @return OMP_OK, OMP_ERR_ARG (NULL @p l / @p server, invalid address or limits).
 */
OMP_MUST_CHECK omp_err omp_hdlc_link_init(struct omp_hdlc_link *l,
                                          const struct omp_hdlc_addr *server,
                                          const struct omp_hdlc_params *limits);

/**
 * @brief Handle a received frame and write the link-level reply, if any, to @p reply (with the
 * 0x7E flags if @p flags).
 *
 * - Frames for another destination, or in NRM from another client: ignored (EV_NONE, no reply).
 * - SNRM (in NDM, or from the connected client): parameters negotiated (omp_hdlc_negotiate), V(S) =
 * V(R) = 0, NRM, UA with the negotiated parameters. DISC: UA and NDM when connected, DM when not.
 * - Any other frame in NDM: DM if its P bit is set.
 * - I frame in NRM with N(S) == V(R): V(R) advances; with the S bit, RR is written (asking for
 *   the next segment) and nothing is delivered (use omp_hdlc_reasm for the segments: *info is
 *   still set to this segment, with EV_NONE); without it, EV_DATA. Out of sequence: RR with V(R),
 *   nothing delivered. UI frames are delivered as EV_DATA without sequence checks. RR: EV_RR.
 *   RNR, UA, DM, FRMR from the client: EV_NONE, no reply.
 * @param[out] info, info_len  The information field for EV_DATA (and a segment, see above);
 *                             NULL / 0 otherwise. Points into rx->info.
 * @return OMP_OK; OMP_ERR_NOSPACE (reply did not fit: nothing written, state unchanged);
 *         errors of omp_hdlc_params_decode() for a bad SNRM (no reply, state unchanged);
 *         OMP_ERR_ARG.
 */
OMP_MUST_CHECK omp_err omp_hdlc_link_on_frame(struct omp_hdlc_link *l,
                                              const struct omp_hdlc_frame *rx, bool flags,
                                              struct omp_wr *reply, enum omp_hdlc_link_event *ev,
                                              const uint8_t **info, size_t *info_len);

/**
 * @brief Write an I frame to the client: N(S) = V(S), N(R) = V(R), final bit @p final, S bit
 * @p segmented; V(S) advances on success.
 * @return OMP_OK; OMP_ERR_STATE (not in NRM); OMP_ERR_RANGE (@p len above the negotiated
 *         max_info_tx, or 0); OMP_ERR_NOSPACE (nothing written); OMP_ERR_ARG.
 */
OMP_MUST_CHECK omp_err omp_hdlc_link_put_i(struct omp_hdlc_link *l, struct omp_wr *w,
                                           const uint8_t *info, size_t len, bool segmented,
                                           bool final, bool flags);

/** @brief Write RR with N(R) = V(R) and the final bit. @return as omp_hdlc_link_put_i(). */
OMP_MUST_CHECK omp_err omp_hdlc_link_put_rr(struct omp_hdlc_link *l, struct omp_wr *w, bool flags);

/* ---- DLMS server over HDLC (hdlc_server.c) -----------------------------------------------------
 */

#define OMP_HDLC_SERVER_PHYS_DEFAULT 32u  /**< lower (physical) address of an OMNIPOWER */
#define OMP_HDLC_SERVER_INFO_DEFAULT 1010u /**< max info field each way of an OMNIPOWER */
#define OMP_HDLC_SERVER_INACTIVITY_MS_DEFAULT 20000u /**< OMNIPOWER inactivity timeout */
#define OMP_HDLC_SERVER_INTER_OCTET_MS_DEFAULT 500u  /**< OMNIPOWER inter-octet timeout */
#define OMP_HDLC_SERVER_LD_MAX 4u /**< logical devices (upper addresses) a server answers */
/** Room a reply writer needs for any frame the server sends when its max info field (transmit)
 *  is @p max_info: the frame with 4-byte addresses and both flags. */
#define OMP_HDLC_SERVER_TX_ROOM(max_info) ((size_t)(max_info) + OMP_HDLC_OVERHEAD_MAX + 2u)

/**
 * The application behind the link: answer one request APDU (LLC header stripped) of
 * @p client_sap (the client address) to @p server_sap (the upper server address) by appending
 * the response APDU to @p out (nothing: no response). An error is answered with RR.
 */
typedef omp_err (*omp_hdlc_apdu_fn)(void *user, uint16_t client_sap, uint16_t server_sap,
                                    const uint8_t *req, size_t len, struct omp_wr *out);
/** The link ended (DISC, a new SNRM, the inactivity timeout, omp_hdlc_server_reset()): end the
 *  application's association. */
typedef void (*omp_hdlc_end_fn)(void *user);

/** Configuration of an HDLC server (omp_hdlc_server_cfg_default() gives an OMNIPOWER's). */
struct omp_hdlc_server_cfg {
    uint16_t phys;                         /**< lower address in 2- and 4-byte server addresses */
    uint16_t lds[OMP_HDLC_SERVER_LD_MAX];  /**< upper addresses (logical devices) answered */
    uint8_t n_lds;                         /**< entries of @c lds used (1..OMP_HDLC_SERVER_LD_MAX) */
    struct omp_hdlc_params limits;         /**< our limits, negotiated down at SNRM */
    uint32_t inactivity_ms;  /**< no frame from the client for this long ends the link (0: off) */
    uint32_t inter_octet_ms; /**< a gap this long inside a frame drops the partial frame (0: off) */
};

/**
 * DLMS over HDLC on one byte stream (one port), window 1: frames, the link (hdlc_link.c), the
 * LLC header, reassembly of segmented requests, segmentation of responses pulled by RR, and the
 * two timeouts. Caller-owned, no heap; it keeps pointers to the two caller buffers. Fields are
 * readable (counters), change them only through the functions below.
 */
struct omp_hdlc_server {
    struct omp_hdlc_server_cfg cfg;
    omp_hdlc_apdu_fn apdu;
    omp_hdlc_end_fn end;
    void *user;
    struct omp_hdlc_stream stream;
    struct omp_hdlc_link link;
    struct omp_hdlc_reasm reasm; /**< segmented requests, in the caller's rx buffer */
    bool rx_overflow;            /**< the request being received did not fit: its rest is dropped */
    uint8_t *tx;                 /**< the caller's tx buffer: LLC header + response APDU */
    size_t tx_cap;
    size_t tx_len;               /**< bytes of the response being sent; 0: none */
    size_t tx_next;              /**< offset of its next segment */
    size_t tx_seg;               /**< offset of the segment sent last */
    uint64_t last_frame_ms;      /**< the client's last frame (inactivity) */
    uint64_t last_octet_ms;      /**< the last byte received (inter-octet) */
    uint32_t n_ignored;          /**< frames for another address, or not from a 1-byte client */
    uint32_t n_apdus;            /**< requests handed to the application */
    uint32_t n_timeouts;         /**< links ended by the inactivity timeout */
    uint32_t n_octet_timeouts;   /**< partial frames dropped by the inter-octet timeout */
};

/** @brief An OMNIPOWER's setup (technical facts 11.2): physical address 32, logical devices 1
 *  and 16, max info field 1010 each way, window 1, inactivity 20 s, inter-octet 500 ms. */
void omp_hdlc_server_cfg_default(struct omp_hdlc_server_cfg *cfg);

/**
 * @brief Start @p s in NDM.
 * @param rx_buf,rx_cap  Reassembly of segmented requests (LLC header included).
 * @param tx_buf,tx_cap  The response being sent: 3 bytes of LLC header + the largest APDU the
 *                       application writes (it gets a writer of @p tx_cap - 3 bytes).
 * @param apdu, end, user  The application (@p end may be NULL).
 * @return OMP_OK, OMP_ERR_ARG (NULL, @p tx_cap <= 3, @p rx_cap 0, a bad @p cfg).
 */
OMP_MUST_CHECK omp_err omp_hdlc_server_init(struct omp_hdlc_server *s,
                                            const struct omp_hdlc_server_cfg *cfg, uint8_t *rx_buf,
                                            size_t rx_cap, uint8_t *tx_buf, size_t tx_cap,
                                            omp_hdlc_apdu_fn apdu, omp_hdlc_end_fn end,
                                            void *user);

/**
 * @brief Bytes from the port at monotonic time @p now_ms: every complete frame is handled and its
 * reply (UA, DM, RR or an I frame with the next response segment) appended to @p out.
 *
 * Frames to another server address (upper not in cfg.lds, lower not cfg.phys) or from a client
 * address that is not 1 byte are ignored without a reply. Broken frames and garbage are dropped by
 * the stream decoder; the next good frame is answered. The timeouts are checked first (as in
 * omp_hdlc_server_tick()).
 * @param out  Needs OMP_HDLC_SERVER_TX_ROOM(cfg.limits.max_info_tx) bytes of room per reply.
 * @return OMP_OK; OMP_ERR_NOSPACE (a reply did not fit @p out: that frame is not answered, the
 *         link unchanged, the rest is still handled); OMP_ERR_ARG.
 * @par Context: main loop; one caller per @p s.
 */
OMP_MUST_CHECK omp_err omp_hdlc_server_rx(struct omp_hdlc_server *s, const uint8_t *in, size_t len,
                                          uint64_t now_ms, struct omp_wr *out);

/** @brief Run the timeouts at @p now_ms: the inactivity timeout ends the link (and calls @c end),
 *  the inter-octet timeout drops a partial frame. NULL is ignored. */
void omp_hdlc_server_tick(struct omp_hdlc_server *s, uint64_t now_ms);

/** @brief The port's link was lost (a TCP client gone): back to NDM, buffers dropped, @c end
 *  called. NULL is ignored. */
void omp_hdlc_server_reset(struct omp_hdlc_server *s);

/** @brief true while a client is connected (NRM). */
bool omp_hdlc_server_connected(const struct omp_hdlc_server *s);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_HDLC_H */

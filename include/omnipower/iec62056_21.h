/**
 * @file iec62056_21.h
 * @brief IEC 62056-21 (formerly IEC 1107) direct local data exchange: the optical port's
 * messages (modes A, C and D), the meter-side (server) and reader-side (client) state machines.
 *
 * Three layers, all bytes-in / bytes-out over caller buffers, no HAL, no heap, no clock:
 *
 * 1. Messages (IEC 62056-21:2002 clause 6.3): request `/?addr!CRLF`, identification
 *    `/XXXZ\W..ident..CRLF`, acknowledgement/option select `ACK V Z Y CRLF`, programming
 *    command `SOH C D STX data ETX BCC` (or `SOH B0 ETX BCC`), data message `STX data ETX BCC`,
 *    partial block `STX data EOT BCC`, single ACK / NAK. omp_iec21_parse() decodes one,
 *    struct omp_iec21_rx frames a byte stream (resynchronising after garbage), the omp_iec21_put_*
 *    functions write them. BCC = XOR of every byte after the first SOH/STX up to and including
 *    ETX/EOT (clause 6.3.15).
 * 2. Data sets (clause 6.5): `address(value*unit)`, several per line, values without address
 *    continuing the previous one (`1.6.0(1.234*kW)(01050201075012)`), empty unit; iterate with
 *    omp_iec21_ds_next(), write with omp_iec21_put_dataset().
 * 3. State machines. The server is the meter's side of modes A, C (readout, programming mode
 *    with password P1, R1..R6, W1..W5, E2, B0) and D (unsolicited readout at an interval). The
 *    client is the reader's side of modes A and C, and the listener of mode D (it never sends).
 *    Each takes received bytes with a time stamp (`now_ms`, a monotonic millisecond count from
 *    the caller) and hands out what to do next with struct omp_iec21_out: switch the port's baud
 *    rate, send bytes, and call again by a deadline.
 *    Timeouts are deadlines reported to the caller, never slept.
 *
 * Character framing 7E1 (7 data bits, even parity, 1 stop bit) is the port's job (hal.h,
 * port_set_baud): this module sees and produces 7-bit characters. A received byte with bit 7 set
 * is not a valid character here (the port strips parity).
 *
 * Baud rate characters (mode C, clause 6.3.14): '0' 300, '1' 600, '2' 1200, '3' 2400, '4' 4800,
 * '5' 9600, '6' 19200. Kamstrup (IEC 1107 doc 55121458 p.22-25): the identification's Z is the
 * highest rate the meter offers, the reader chooses any rate up to it in the option select, and
 * any other character in the option select means 300 Bd.
 *
 * Timing (clause 6.3.13 and Kamstrup 131.0.13..16, defaults in omp_iec21_server_cfg_default()):
 * - tr: the meter answers no sooner than tr_min (200 ms; 20 ms once the reader has asked for it is
 *   not supported) and no later than 1500 ms after the last character it received;
 * - ta: a message whose characters are more than ta (1500 ms) apart is dropped;
 * - tt: in a mode A+C meter (Kamstrup), an identification not followed by an option select within
 *   tt (1700 ms) is followed by the readout at the initial 300 Bd: that is mode A as the reader sees
 *   it (sign-on, then wait);
 * - tt and the Tr of the password run from the end of the message's transmission: the server
 *   adds the airtime of what it handed out (10 bits a character at the current rate);
 * - Tr (Kamstrup, 1500 ms): the P1/P2 answer to P0 must come within it, else the session ends;
 * - ti: programming mode ends, without a message, after ti (90 s) without a received message.
 *
 * See docs/iec62056-21.md for the supported subset with byte sequences.
 *
 * Module switch: OMP_CONFIG_IEC21 (config.h, default 1). With 0 lib/iec62056_21 is not compiled;
 * the declarations stay, calls fail to link.
 */
#ifndef OMNIPOWER_IEC62056_21_H
#define OMNIPOWER_IEC62056_21_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omnipower/config.h"
#include "omnipower/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Characters and limits                                                                       */
/* ------------------------------------------------------------------------------------------ */

#define OMP_IEC21_SOH 0x01u
#define OMP_IEC21_STX 0x02u
#define OMP_IEC21_ETX 0x03u
#define OMP_IEC21_EOT 0x04u
#define OMP_IEC21_ACK 0x06u
#define OMP_IEC21_NAK 0x15u
#define OMP_IEC21_CR  0x0Du
#define OMP_IEC21_LF  0x0Au

/** Longest device address in a request message (clause 6.3.1: 32 characters). */
#define OMP_IEC21_ADDRESS_MAX 32u
/** Longest identification after the baud-rate character (clause 6.3.2: 16 characters). */
#define OMP_IEC21_IDENT_MAX 16u
/** Longest data-set address (clause 6.5: 16 characters). */
#define OMP_IEC21_DS_ADDRESS_MAX 16u
/** Longest data-set value (clause 6.5: 128 characters). */
#define OMP_IEC21_DS_VALUE_MAX 128u
/** Longest data-set unit (clause 6.5: 16 characters). */
#define OMP_IEC21_DS_UNIT_MAX 16u
/** Longest password the server keeps (P1/P2 data between the parentheses). */
#define OMP_IEC21_PASSWORD_MAX 16u
/** Kamstrup: error texts in `STX ER... ETX` are up to 32 characters and start with "ER". */
#define OMP_IEC21_ERROR_MAX 32u

/** Bytes inside a caller's buffer (zero-copy); ptr may be NULL only when len is 0. */
struct omp_iec21_span {
    const uint8_t *ptr;
    size_t len;
};

/**
 * @brief Baud rate of a mode C baud-rate character ('0'..'6' -> 300..19200).
 * @return the rate, or 0 for any other character (the caller decides: Kamstrup falls back to 300).
 */
uint32_t omp_iec21_baud(uint8_t z);
/** @brief Mode C baud-rate character of @p baud (300..19200), or 0 if it has none. */
uint8_t omp_iec21_baud_char(uint32_t baud);

/** @brief XOR of @p len bytes (the BCC of those bytes). */
uint8_t omp_iec21_bcc(const uint8_t *data, size_t len);

/* ------------------------------------------------------------------------------------------ */
/* Messages                                                                                    */
/* ------------------------------------------------------------------------------------------ */

enum omp_iec21_kind {
    OMP_IEC21_MSG_NONE = 0,
    OMP_IEC21_MSG_REQUEST = 1,  /**< `/ ? address ! CR LF` */
    OMP_IEC21_MSG_IDENT = 2,    /**< `/ X X X Z [\W] ident CR LF` */
    OMP_IEC21_MSG_OPTION = 3,   /**< `ACK V Z Y CR LF` (acknowledgement / option select) */
    OMP_IEC21_MSG_ACK = 4,      /**< single ACK */
    OMP_IEC21_MSG_NAK = 5,      /**< single NAK */
    OMP_IEC21_MSG_COMMAND = 6,  /**< `SOH C D STX data ETX BCC`, or `SOH B 0 ETX BCC` (no data) */
    OMP_IEC21_MSG_DATA = 7,     /**< `STX data ETX BCC` (readout, answer, or `ER..` error) */
    OMP_IEC21_MSG_PARTIAL = 8,  /**< `STX data EOT BCC` (partial block; more follow) */
};

/** One decoded message. Spans point into the parsed buffer. Fields not of the kind are zero. */
struct omp_iec21_msg {
    enum omp_iec21_kind kind;
    struct omp_iec21_span raw;     /**< the whole message as received */
    /* REQUEST */
    struct omp_iec21_span address; /**< 0..32 characters; empty: any meter */
    /* IDENT */
    char mfr[4];                   /**< three manufacturer characters, NUL-terminated */
    bool min_tr_20ms;              /**< third manufacturer letter lower case (tr may be 20 ms) */
    uint8_t baud_char;             /**< Z as received (mode C: '0'..'6') */
    bool has_enhanced;             /**< `\W` enhanced identification present */
    uint8_t enhanced;              /**< W when has_enhanced */
    struct omp_iec21_span ident;   /**< identification, 1..16 characters */
    /* OPTION */
    uint8_t v;                     /**< protocol control character ('0' normal, '1' secondary,
                                        '2' HDLC) */
    uint8_t z;                     /**< baud-rate character as received */
    uint8_t y;                     /**< mode control ('0' readout, '1' programming, '2' binary
                                        (HDLC), '3'..'5' reserved, '6'..'9' manufacturer) */
    /* COMMAND */
    uint8_t cmd;                   /**< 'P', 'W', 'R', 'E', 'B' */
    uint8_t cmd_type;              /**< '0'..'9' */
    bool has_data;                 /**< STX..ETX present (false only for B0 without data) */
    /* COMMAND (has_data), DATA, PARTIAL */
    struct omp_iec21_span data;    /**< between STX and ETX/EOT */
    bool is_error;                 /**< DATA whose data begins with "ER" or a data set "(ER" */
};

/**
 * @brief Decode the message at the start of @p in.
 *
 * @param[in]  in    Bytes starting at the message's first character ('/', ACK, NAK, SOH, STX).
 * @param[out] msg   Filled on success (and on OMP_ERR_CRC: the framing is valid, msg->raw set).
 * @param[out] used  Bytes of the message (also on OMP_ERR_CRC, so a stream can skip it).
 * @return OMP_OK, OMP_ERR_TRUNCATED (a prefix of a message: need more bytes), OMP_ERR_CRC (BCC
 *         mismatch), OMP_ERR_MALFORMED (not a message: bad character, 8-bit byte, a length limit
 *         exceeded, CR without LF), OMP_ERR_ARG (NULL). @p msg and @p used untouched on other errors.
 * @par Context: any; reentrant.
 */
OMP_MUST_CHECK omp_err omp_iec21_parse(const uint8_t *in, size_t len, struct omp_iec21_msg *msg,
                                       size_t *used);

/**
 * Stream framer: collects received characters into a caller buffer until one message is
 * complete. Garbage before a message start character is skipped and counted; a message that
 * exceeds the buffer, breaks the grammar or misses its BCC is reported and dropped, and framing
 * starts again at the next start character. Fields are private except the counters.
 */
struct omp_iec21_rx {
    uint8_t *buf;           /**< caller buffer */
    size_t cap;             /**< its capacity */
    size_t have;            /**< bytes of the message being collected */
    bool delivered;         /**< buf holds the message returned last; dropped by the next feed */
    uint64_t last_ms;       /**< time of the last character (for ta) */
    uint32_t ta_ms;         /**< inter-character timeout; 0: none */
    uint32_t skipped;       /**< garbage bytes dropped (counter) */
    uint32_t bad;           /**< messages dropped (BCC, grammar, too long) */
};

/** @brief Start an empty framer over @p buf (@p cap >= 8 bytes) with inter-character timeout
 *  @p ta_ms (0: none). */
void omp_iec21_rx_init(struct omp_iec21_rx *rx, uint8_t *buf, size_t cap, uint32_t ta_ms);

/** @brief Forget any partial message. */
void omp_iec21_rx_reset(struct omp_iec21_rx *rx);

/**
 * @brief Feed received bytes until one message is complete.
 *
 * @param now_ms     Time of arrival of these bytes. If more than ta_ms passed since the last
 *                   character, a partial message is dropped (counted in @c bad) first.
 * @param[out] used  Bytes of @p data consumed (always set). Feed the rest again after handling
 *                   the result.
 * @param[out] msg   On OMP_OK the message; its spans point into the framer's buffer and stay
 *                   valid until the next feed.
 * @return OMP_OK (one message), OMP_ERR_TRUNCATED (all of @p data consumed, no message yet),
 *         OMP_ERR_CRC (a framed message with a wrong BCC was dropped: a server answers NAK),
 *         OMP_ERR_MALFORMED / OMP_ERR_NOSPACE (a message broke the grammar / did not fit and was
 *         dropped), OMP_ERR_ARG.
 * @par Context: any; reentrant per @p rx.
 */
OMP_MUST_CHECK omp_err omp_iec21_rx_feed(struct omp_iec21_rx *rx, uint64_t now_ms,
                                         const uint8_t *data, size_t len, size_t *used,
                                         struct omp_iec21_msg *msg);

/* Writers: each writes all of its bytes or none (OMP_ERR_NOSPACE, writer length unchanged);
 * OMP_ERR_ARG for NULL, a character outside the grammar, or a field above its limit. */

/** `/?` @p address `!` CRLF; @p address 0..32 characters of [0-9A-Za-z ] (may be NULL if 0). */
OMP_MUST_CHECK omp_err omp_iec21_put_request(struct omp_wr *w, const char *address, size_t len);
/** `/` mfr[0..2] @p baud_char @p ident CRLF; @p ident 1..16 printable characters, no '/' '!'. */
OMP_MUST_CHECK omp_err omp_iec21_put_ident(struct omp_wr *w, const char mfr[3], uint8_t baud_char,
                                           const char *ident, size_t len);
/** ACK @p v @p z @p y CRLF. */
OMP_MUST_CHECK omp_err omp_iec21_put_option(struct omp_wr *w, uint8_t v, uint8_t z, uint8_t y);
/** SOH @p cmd @p type STX data ETX BCC; with @p data NULL and @p len 0 and has_data false: SOH
 *  @p cmd @p type ETX BCC (B0). */
OMP_MUST_CHECK omp_err omp_iec21_put_command(struct omp_wr *w, uint8_t cmd, uint8_t type,
                                             bool has_data, const uint8_t *data, size_t len);
/** STX data (ETX or, if @p partial, EOT) BCC. @p data must not contain STX/ETX/EOT/SOH. */
OMP_MUST_CHECK omp_err omp_iec21_put_data(struct omp_wr *w, const uint8_t *data, size_t len,
                                          bool partial);

/* ------------------------------------------------------------------------------------------ */
/* Data sets                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/** One `(value*unit)` group of a data line, with the address it belongs to. */
struct omp_iec21_dataset {
    struct omp_iec21_span address; /**< 0..16 characters; for a continuation group, the address
                                        of the data set it continues (may be empty: profile rows) */
    struct omp_iec21_span value;   /**< 0..128 characters */
    struct omp_iec21_span unit;    /**< 0..16 characters; empty when no '*' */
    bool has_unit;                 /**< a '*' separated value and unit (the unit may be empty) */
    uint16_t group;                /**< 0: first group after an address; 1..: continuation */
    uint16_t line;                 /**< 0-based data line number */
    size_t offset;                 /**< offset of the group's '(' in the data */
};

/** Iterator over the data sets of a data message's data (between STX and ETX/EOT). */
struct omp_iec21_ds_iter {
    struct omp_iec21_span data;
    size_t pos;                    /**< next character; on error: the offending character */
    uint16_t line;
    uint16_t group;
    struct omp_iec21_span address; /**< the current address */
    bool end;                      /**< '!' end line seen */
};

/** @brief Start iterating @p data (@p len bytes). */
void omp_iec21_ds_init(struct omp_iec21_ds_iter *it, const uint8_t *data, size_t len);

/**
 * @brief Next data-set group. CR LF between lines are consumed; a line `!` CR LF (or a trailing
 * `!`) ends the data.
 * @return OMP_OK, OMP_ERR_NOT_FOUND (end: `!` or the end of the data), OMP_ERR_MALFORMED (grammar:
 *         it->pos is the offset of the bad character), OMP_ERR_RANGE (address, value or unit above
 *         its limit), OMP_ERR_ARG. @p ds untouched on error.
 * @par Context: any; reentrant per @p it.
 */
OMP_MUST_CHECK omp_err omp_iec21_ds_next(struct omp_iec21_ds_iter *it,
                                         struct omp_iec21_dataset *ds);

/** @brief Write `address(value*unit)` (`address(value)` when @p unit is NULL; `(value..)` when
 *  @p address is NULL or empty). Characters are checked against the grammar. */
OMP_MUST_CHECK omp_err omp_iec21_put_dataset(struct omp_wr *w, const char *address,
                                             const char *value, const char *unit);

/* ------------------------------------------------------------------------------------------ */
/* State machine output                                                                        */
/* ------------------------------------------------------------------------------------------ */

/** What a state machine wants done now (omp_iec21_server_poll(), omp_iec21_client_poll()). */
struct omp_iec21_out {
    uint32_t baud;       /**< non-zero: set the port to this rate (7E1) before sending tx, after
                              any bytes already queued have gone; repeated by every poll until
                              ..._sent() (call it with 0 when there is no tx). A rate change that
                              must follow bytes (mode C option select) comes in a later poll */
    const uint8_t *tx;   /**< bytes to send (inside the machine's buffer), or NULL */
    size_t tx_len;       /**< their number; report what the port took with ..._sent() */
    uint64_t wake_ms;    /**< call poll again at this time at the latest (UINT64_MAX: only when
                              bytes arrive) */
};

/* ------------------------------------------------------------------------------------------ */
/* Server (meter side)                                                                         */
/* ------------------------------------------------------------------------------------------ */

/** What the application answers to a programming command. */
enum omp_iec21_reply {
    OMP_IEC21_REPLY_ACK = 0,     /**< single ACK (a write done) */
    OMP_IEC21_REPLY_NAK = 1,     /**< single NAK */
    OMP_IEC21_REPLY_DATA = 2,    /**< STX w ETX BCC */
    OMP_IEC21_REPLY_PARTIAL = 3, /**< STX w EOT BCC; after the reader's ACK the command callback
                                      is called again with block + 1 (NAK: the block is resent) */
    OMP_IEC21_REPLY_ERROR = 4,   /**< STX w ETX BCC where w is an error text starting "ER" */
};

/** Which list the readout callback is asked for. */
enum omp_iec21_list {
    OMP_IEC21_LIST_READOUT = 0, /**< mode A/C data readout (option Y = '0', or tt elapsed) */
    OMP_IEC21_LIST_D0 = 1,      /**< mode D unsolicited readout */
};

/** The application behind the server (the meter: lib/meter). */
struct omp_iec21_app {
    /**
     * Write data line @p index (0-based) of @p list into @p w: one or more data sets and CR LF,
     * at most OMP_CONFIG_IEC21_TX_MAX - 8 bytes. Return OMP_OK, OMP_ERR_NOT_FOUND after the last
     * line (the server then writes `!` CR LF ETX BCC), or another error (the readout is ended
     * as if that was the last line). Required.
     */
    omp_err (*readout_line)(void *user, enum omp_iec21_list list, size_t index, struct omp_wr *w);
    /**
     * Execute programming command @p cmd (kind COMMAND: R1..R6, W1..W5, E2; never P or B, the
     * server handles those) and write the reply's data into @p w (room: OMP_CONFIG_IEC21_TX_MAX
     * - 8). @p block is 0 for a new command and n for the n-th block after a PARTIAL reply.
     * Set *reply. An error return, or a reply that breaks this contract, makes the server
     * answer `STX ER07 ETX BCC` (device error); a command the server does not know (only R1..R6,
     * W1..W5, E2 reach the application) is answered `STX ER06 ETX BCC` (unknown command).
     * Required for programming mode (NULL: option Y = '1' is refused like an unknown option).
     */
    omp_err (*command)(void *user, const struct omp_iec21_msg *cmd, uint32_t block,
                       struct omp_wr *w, enum omp_iec21_reply *reply);
};

/** Server configuration (omp_iec21_server_cfg_default() gives Kamstrup's factory values). */
struct omp_iec21_server_cfg {
    char mfr[4];                              /**< "KAM" */
    uint8_t baud_char;                        /**< highest rate offered in the ident, '5' */
    char ident[OMP_IEC21_IDENT_MAX + 1];      /**< NUL-terminated, 1..16 chars, e.g.
                                                   " 6841138BN143002" */
    char address[OMP_IEC21_ADDRESS_MAX + 1];  /**< answers a request with this address or none */
    bool mode_c;                              /**< answer option selects (A+C); false: A only */
    bool programming;                         /**< option Y = '1' allowed */
    char password[OMP_IEC21_PASSWORD_MAX + 1];/**< P1 password (NUL-terminated) */
    uint8_t max_failures;                     /**< bad passwords in a row before a lock-out;
                                                   0: never lock */
    uint32_t lockout_ms;                      /**< how long programming mode stays refused */
    uint32_t tr_min_ms;                       /**< earliest reply after a received message (200) */
    uint32_t ta_ms;                           /**< inter-character timeout (1500) */
    uint32_t tt_ms;                           /**< ident not acknowledged -> readout (1700) */
    uint32_t ti_ms;                           /**< programming-mode inactivity (90000) */
    uint32_t tr_pw_ms;                        /**< P0 sent -> P1/P2 must arrive (Kamstrup Tr,
                                                   131.0.14: 1500) */
    uint32_t d0_interval_ms;                  /**< mode D period; 0: off */
    uint32_t d0_baud;                         /**< mode D rate (2400) */
};

/** Server state. Fields are private except the counters. */
struct omp_iec21_server {
    struct omp_iec21_server_cfg cfg;
    const struct omp_iec21_app *app;
    void *user;
    struct omp_iec21_rx rx;
    uint8_t rxbuf[OMP_CONFIG_IEC21_RX_MAX];
    uint8_t txbuf[OMP_CONFIG_IEC21_TX_MAX];
    size_t tx_len, tx_sent;
    uint8_t state;                /**< private */
    uint8_t bcc;                  /**< running BCC of a streamed readout */
    uint8_t last_cmd_kind;        /**< private: what to resend on NAK */
    uint32_t baud, want_baud;     /**< current rate; pending change (0 none) */
    size_t line;                  /**< readout line being produced */
    uint32_t block;               /**< partial block number */
    struct omp_iec21_msg cmd;     /**< command being answered in blocks (spans into cmd_buf) */
    uint8_t cmd_buf[OMP_CONFIG_IEC21_RX_MAX];
    uint64_t due_ms;              /**< earliest time to send the prepared reply (tr) */
    uint64_t deadline_ms;         /**< tt / ti / ta deadline of the current state */
    uint64_t d0_next_ms;          /**< next mode D readout */
    uint64_t locked_until_ms;
    uint8_t failures;             /**< bad passwords in a row */
    uint8_t nak_count;            /**< NAKs for the current reply */
    bool close_after_tx;          /**< a timeout came while a reply was partly on the line:
                                       finish it, then idle */
    /* counters */
    uint32_t signons, readouts, d0_sent, prog_sessions, bad_passwords, lockouts, bcc_errors,
        timeouts;
};

/** @brief Kamstrup factory values: "KAM", '5', ident " OMNIPOWER", mode C, programming on,
 *  password "12345" (the DLMS LLS default; the IEC doc names none), 3 failures -> 5 min lock-out,
 *  tr_min 200 ms, ta 1500 ms, tt 1700 ms, ti 90 s, Tr 1500 ms, D0 off at 2400 Bd. */
void omp_iec21_server_cfg_default(struct omp_iec21_server_cfg *cfg);

/**
 * @brief Start a server at 300 Bd waiting for a request (the caller sets its port to 300 Bd first;
 * out.baud reports changes only).
 * @return OMP_OK, OMP_ERR_ARG (NULL, no readout_line, cfg fields out of range: empty or too long
 *         ident, bad baud_char, password longer than 16 or empty with programming on (an
 *         empty password would open programming mode to anyone), timeouts of 0 except tr_min
 *         and d0).
 * @par Context: any; @p app and @p user must outlive the server.
 */
OMP_MUST_CHECK omp_err omp_iec21_server_init(struct omp_iec21_server *s,
                                             const struct omp_iec21_server_cfg *cfg,
                                             const struct omp_iec21_app *app, void *user,
                                             uint64_t now_ms);

/** @brief Take received bytes (7-bit characters) that arrived at @p now_ms. Never fails: bad
 *  input is counted and answered as the protocol says (NAK, break, silence). */
void omp_iec21_server_rx(struct omp_iec21_server *s, uint64_t now_ms, const uint8_t *data,
                         size_t len);

/** @brief Advance timers and fill @p out with what to do now (see struct omp_iec21_out). */
void omp_iec21_server_poll(struct omp_iec21_server *s, uint64_t now_ms, struct omp_iec21_out *out);

/** @brief The port took @p n bytes of out->tx (and applied out->baud). */
void omp_iec21_server_sent(struct omp_iec21_server *s, size_t n);

/** @brief true while a reader is signed on (ident sent .. readout end, break or timeout). */
bool omp_iec21_server_busy(const struct omp_iec21_server *s);

/* ------------------------------------------------------------------------------------------ */
/* Client (reader side)                                                                        */
/* ------------------------------------------------------------------------------------------ */

enum omp_iec21_client_state {
    OMP_IEC21_CLIENT_IDLE = 0,     /**< not started */
    OMP_IEC21_CLIENT_BUSY = 1,     /**< exchange running: keep polling */
    OMP_IEC21_CLIENT_READOUT = 2,  /**< readout complete: omp_iec21_client_readout() */
    OMP_IEC21_CLIENT_READY = 3,    /**< programming mode: password accepted, send a command */
    OMP_IEC21_CLIENT_REPLY = 4,    /**< a command's reply is there: omp_iec21_client_reply() */
    OMP_IEC21_CLIENT_CLOSED = 5,   /**< break sent (programming mode ended) */
    OMP_IEC21_CLIENT_FAILED = 6,   /**< see client.err */
};

/** Client configuration. */
struct omp_iec21_client_cfg {
    char mode;                             /**< 'A' (wait for the readout), 'C', or 'D' (listen
                                                for the meter's unsolicited mode D readout; the
                                                client sends nothing) */
    char address[OMP_IEC21_ADDRESS_MAX + 1]; /**< "" for any meter (not used in mode D) */
    uint8_t option;                        /**< mode C: '0' readout, '1' programming */
    uint32_t max_baud;                     /**< mode C: highest rate wanted; mode D: the rate
                                                the meter sends at (Kamstrup D0: 2400 unless
                                                131.0.9 says otherwise); 300..19200 */
    char password[OMP_IEC21_PASSWORD_MAX + 1]; /**< P1 password (programming) */
    uint32_t reply_ms;                     /**< wait for a reply's first character (2000) */
    uint32_t ta_ms;                        /**< inter-character timeout (1500) */
    uint32_t readout_ms;                   /**< mode A: wait for the readout after the ident
                                                (tt + reply, 5000); mode D: wait for the
                                                message from start (0: no limit) */
    uint8_t retries;                       /**< NAKs sent for a bad BCC before failing (3) */
};

struct omp_iec21_client {
    struct omp_iec21_client_cfg cfg;
    enum omp_iec21_client_state st;
    uint8_t phase;                 /**< private */
    omp_err err;                   /**< why FAILED: OMP_ERR_TIMEOUT, _CRC, _PROTOCOL, _DENIED
                                        (password refused: break received), _NOSPACE */
    struct omp_iec21_rx rx;        /**< frames into the caller's buffer */
    uint8_t txbuf[OMP_CONFIG_IEC21_RX_MAX];
    size_t tx_len, tx_sent;
    uint32_t baud, want_baud;
    uint64_t deadline_ms;
    uint8_t naks;
    char mfr[4];
    uint8_t baud_char;             /**< the meter's Z */
    char ident[OMP_IEC21_IDENT_MAX + 1]; /**< mode D: empty when no identification came
                                              right before the data message */
    struct omp_iec21_msg reply;    /**< last data message / reply (spans into the rx buffer) */
    uint32_t bcc_errors;           /**< mode D: data messages dropped for a bad BCC */
};

/** @brief Defaults: mode C, any meter, readout, 9600 Bd, no password, timeouts as documented. */
void omp_iec21_client_cfg_default(struct omp_iec21_client_cfg *cfg);

/**
 * @brief Start an exchange: queue the request at 300 Bd (modes A, C), or start listening (D).
 * @p buf (>= 64 bytes) receives the messages; it must hold the largest one (a whole readout).
 *
 * Mode C: after the identification, and tr (200 ms, clause 6.3.14) after it, the client sends
 * `ACK 0 Z Y CRLF` with Z the lower of the meter's Z and max_baud, then changes rate (in a later
 * poll). Mode A: no option select; the readout is awaited at 300 Bd for readout_ms.
 * Mode D (listen only; Kamstrup D0 sends `/KAM3 ident CRLF STX data ETX BCC` at an interval):
 * nothing is ever sent. The first poll asks for out.baud = max_baud (once); the client waits up
 * to readout_ms from @p now_ms (0: no limit, wake_ms UINT64_MAX) for a data message, skipping
 * garbage, -> READOUT. An identification right before it fills mfr, baud_char and ident (Z is
 * the rate the meter sends at); a data message without one (the listener joined after the
 * identification) is accepted with an empty ident. A data message with a bad BCC is counted in
 * bcc_errors and the client keeps listening for the next one (a listener cannot ask for a
 * repeat; the meter sends again at its next interval); other messages are ignored. Failures:
 * OMP_ERR_TIMEOUT, OMP_ERR_NOSPACE (the message does not fit @p buf). address, option,
 * password, reply_ms and retries are not used.
 * @return OMP_OK, OMP_ERR_ARG (NULL, @p cap < 64, mode not 'A'/'C'/'D', mode C option not
 *         '0'/'1', mode C or D max_baud without a baud-rate character, modes A, C reply_ms 0,
 *         mode A readout_ms 0, address or password not NUL-terminated within its limit or with
 *         characters the messages forbid). @p c untouched on error.
 * @par Context: any; @p buf must outlive the exchange.
 */
OMP_MUST_CHECK omp_err omp_iec21_client_start(struct omp_iec21_client *c,
                                              const struct omp_iec21_client_cfg *cfg,
                                              uint8_t *buf, size_t cap, uint64_t now_ms);

/** @brief Take received bytes (7-bit characters) that arrived at @p now_ms. Never fails: garbage
 *  is skipped, bad messages answered as the protocol says (NAK in programming mode). Ignored
 *  unless BUSY, so a readout or reply stays valid while the caller reads it. */
void omp_iec21_client_rx(struct omp_iec21_client *c, uint64_t now_ms, const uint8_t *data,
                         size_t len);
/** @brief Advance timers (a passed deadline: FAILED, OMP_ERR_TIMEOUT) and fill @p out (see
 *  struct omp_iec21_out). A wait for an answer starts at the first poll or rx after the port
 *  took the last byte of the client's message. */
void omp_iec21_client_poll(struct omp_iec21_client *c, uint64_t now_ms,
                           struct omp_iec21_out *out);
/** @brief The port took @p n bytes of out->tx (and applied out->baud). */
void omp_iec21_client_sent(struct omp_iec21_client *c, size_t n);

/** @brief In state READOUT: the data between STX and ETX (data sets, `!`, CR LF), inside the
 *  receive buffer. @return OMP_OK, OMP_ERR_STATE, OMP_ERR_ARG (NULL). */
OMP_MUST_CHECK omp_err omp_iec21_client_readout(const struct omp_iec21_client *c,
                                                struct omp_iec21_span *data);

/**
 * @brief In state READY (or REPLY after a reply other than PARTIAL): send programming command
 * @p cmd @p type with @p data (e.g. 'R', '1', "1.8.0()"), no sooner than tr after the last
 * received message. The reply (REPLY state) is read with omp_iec21_client_reply(); a reply with
 * a bad BCC is answered NAK up to cfg.retries times, then FAILED (OMP_ERR_CRC).
 * @return OMP_OK, OMP_ERR_STATE, OMP_ERR_ARG (NULL data with a length, @p cmd 'B' (use
 *         omp_iec21_client_break()), characters the message forbids), OMP_ERR_NOSPACE (longer
 *         than the client's buffer). Nothing changes on error.
 */
OMP_MUST_CHECK omp_err omp_iec21_client_command(struct omp_iec21_client *c, uint64_t now_ms,
                                                uint8_t cmd, uint8_t type, const uint8_t *data,
                                                size_t len);

/**
 * @brief In state REPLY: the reply. kind ACK, NAK, DATA (msg->is_error for `ER..`) or PARTIAL.
 * After a PARTIAL reply call omp_iec21_client_next_block() for the next block; after any other
 * the client is READY again. The spans point into the receive buffer and stay valid until the
 * next command, next_block or start.
 * @return OMP_OK, OMP_ERR_STATE, OMP_ERR_ARG (NULL).
 */
OMP_MUST_CHECK omp_err omp_iec21_client_reply(struct omp_iec21_client *c,
                                              struct omp_iec21_msg *msg);

/** @brief After a PARTIAL reply: acknowledge it (ACK) and wait for the next block.
 *  @return OMP_OK, OMP_ERR_STATE, OMP_ERR_ARG (NULL). */
OMP_MUST_CHECK omp_err omp_iec21_client_next_block(struct omp_iec21_client *c, uint64_t now_ms);

/** @brief End programming mode (B0) or abandon the exchange: `SOH B0 ETX BCC` is sent (in
 *  READY/REPLY no sooner than tr), then CLOSED. Allowed when BUSY, READY, REPLY or FAILED (the
 *  error stays in c->err). Mode D sends nothing: the client stops listening, CLOSED at once.
 *  @return OMP_OK, OMP_ERR_STATE (IDLE, READOUT, CLOSED), OMP_ERR_ARG. */
OMP_MUST_CHECK omp_err omp_iec21_client_break(struct omp_iec21_client *c, uint64_t now_ms);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_IEC62056_21_H */

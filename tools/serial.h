/* The byte link of `omnipower read`: a serial device (termios, 7E1, no flow control) or a TCP
 * connection, both non-blocking, driven with poll(2). Host code: uses the OS and stdio. */
#ifndef OMNIPOWER_TOOLS_SERIAL_H
#define OMNIPOWER_TOOLS_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** An open link. */
struct link {
    int fd;          /**< -1 when closed */
    bool tcp;        /**< TCP: baud changes are no-ops */
    uint32_t baud;   /**< current rate (serial), or the rate the exchange says (TCP) */
    uint64_t rx_bytes, tx_bytes;
};

/** Longest message link_*() put into @c err. */
#define LINK_ERR_MAX 256u

/**
 * @brief Open @p spec: "tcp:HOST:PORT" (HOST may be a name, an IPv4 address or an IPv6 address
 * in brackets) or the path of a serial device, set to raw 7E1 at @p baud with no flow control.
 * @param connect_ms  TCP: give up connecting after this many ms.
 * @param[out] err    On failure a one-line message ("connection refused", "not a terminal"...).
 * @return true on success.
 */
bool link_open(struct link *l, const char *spec, uint32_t baud, uint32_t connect_ms, char *err,
               size_t cap);

/** @brief Check the syntax of @p spec without opening anything: a device path, or tcp:HOST:PORT
 *  with HOST not empty and PORT 1..65535. @return true, or false with @p err set. */
bool link_spec_ok(const char *spec, char *err, size_t cap);

/** @brief Wait until the bytes written have gone out (tcdrain), then switch to @p baud (7E1).
 *  TCP: records @p baud, nothing else. @return true, or false with @p err set. */
bool link_set_baud(struct link *l, uint32_t baud, char *err, size_t cap);

/** @brief Write what the link takes now (non-blocking). @return bytes written (0: try again
 *  later), or -1 with @p err set. */
long link_write(struct link *l, const uint8_t *data, size_t len, char *err, size_t cap);

/**
 * @brief Wait up to @p timeout_ms (-1: forever) for bytes (and, with @p want_write, for room to
 * write), then read what is there into @p buf. Bit 7 of every byte is cleared (a pty or an 8N1
 * device may deliver the parity bit).
 * @return bytes read (0 on timeout or when only room to write came), or -1 with @p err set
 *         (connection closed, I/O error).
 */
long link_wait_read(struct link *l, int timeout_ms, bool want_write, uint8_t *buf, size_t cap,
                    char *err, size_t errcap);

/** @brief Close (safe twice). */
void link_close(struct link *l);

/** @brief true if @p baud is a rate the serial link can set (300..19200 of IEC 62056-21). */
bool link_baud_ok(uint32_t baud);

#endif /* OMNIPOWER_TOOLS_SERIAL_H */

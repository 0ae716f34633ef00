/*
 * IEC 62056-21 (IEC 1107) messages: baud-rate characters, BCC, message parser, stream framer,
 * message writers, data-set iterator and writer. See include/omnipower/iec62056_21.h and
 * docs/iec62056-21.md for the grammar accepted here.
 */
#include "omnipower/config.h"

#if OMP_CONFIG_IEC21 /* the whole file: module switch, config.h */

#include <string.h>

#include "omnipower/core.h"
#include "omnipower/iec62056_21.h"
#include "iec62056_21_priv.h"

/* Limits of the identification field: 16 characters (clause 6.3.2), plus trailing spaces that
 * are not part of it (Kamstrup prints `/KAM5 6841138AN141001 ` with a 17th, trailing space). */
#define IDENT_RAW_MAX 32u

/* ------------------------------------------------------------------------------------------ */
/* Characters                                                                                  */
/* ------------------------------------------------------------------------------------------ */

static bool is_print(uint8_t c)
{
    return c >= 0x20u && c <= 0x7Eu;
}
static bool is_digit(uint8_t c)
{
    return c >= (uint8_t)'0' && c <= (uint8_t)'9';
}
static bool is_upper(uint8_t c)
{
    return c >= (uint8_t)'A' && c <= (uint8_t)'Z';
}
static bool is_lower(uint8_t c)
{
    return c >= (uint8_t)'a' && c <= (uint8_t)'z';
}
static bool is_alpha(uint8_t c)
{
    return is_upper(c) || is_lower(c);
}

/* Request address: 0..9, A..Z, a..z, space (clause 6.3.1; Kamstrup IEC doc p.22). */
static bool is_addr_char(uint8_t c)
{
    return is_digit(c) || is_alpha(c) || c == (uint8_t)' ';
}

/* Identification, Z and W: printable except '/' and '!' (clause 6.3.2). */
static bool is_ident_char(uint8_t c)
{
    return is_print(c) && c != (uint8_t)'/' && c != (uint8_t)'!';
}

/* Data of a command or data message: any 7-bit character but the framing ones. */
static bool is_data_char(uint8_t c)
{
    return c < 0x80u && c != OMP_IEC21_SOH && c != OMP_IEC21_STX && c != OMP_IEC21_ETX &&
           c != OMP_IEC21_EOT;
}

/* Data-set fields (clause 6.5): printable except ( ) / ! and, in a value, '*'. */
static bool is_ds_addr_char(uint8_t c)
{
    return is_print(c) && c != (uint8_t)'(' && c != (uint8_t)')' && c != (uint8_t)'/' &&
           c != (uint8_t)'!';
}
static bool is_ds_value_char(uint8_t c)
{
    return is_ds_addr_char(c) && c != (uint8_t)'*';
}
static bool is_ds_unit_char(uint8_t c)
{
    return is_ds_addr_char(c);
}

static bool is_start(uint8_t c)
{
    return c == (uint8_t)'/' || c == OMP_IEC21_ACK || c == OMP_IEC21_NAK || c == OMP_IEC21_SOH ||
           c == OMP_IEC21_STX;
}

/* ------------------------------------------------------------------------------------------ */
/* Baud rate and BCC                                                                           */
/* ------------------------------------------------------------------------------------------ */

uint32_t omp_iec21_baud(uint8_t z)
{
    if (z < (uint8_t)'0' || z > (uint8_t)'6') {
        return 0u;
    }
    return 300u << (unsigned)(z - (uint8_t)'0');
}

uint8_t omp_iec21_baud_char(uint32_t baud)
{
    for (uint8_t i = 0u; i <= 6u; i++) {
        if ((300u << i) == baud) {
            return (uint8_t)('0' + i);
        }
    }
    return 0u;
}

uint8_t omp_iec21_bcc(const uint8_t *data, size_t len)
{
    uint8_t x = 0u;
    if (data == NULL) {
        return 0u;
    }
    for (size_t i = 0; i < len; i++) {
        x ^= data[i];
    }
    return x;
}

/* ------------------------------------------------------------------------------------------ */
/* Parser                                                                                      */
/* ------------------------------------------------------------------------------------------ */

static struct omp_iec21_span span(const uint8_t *p, size_t len)
{
    struct omp_iec21_span s = {p, len};
    return s;
}

/* CR LF at in[pos]; TRUNCATED / MALFORMED otherwise. */
static omp_err expect_crlf(const uint8_t *in, size_t len, size_t pos)
{
    if (pos >= len) {
        return OMP_ERR_TRUNCATED;
    }
    if (in[pos] != OMP_IEC21_CR) {
        return OMP_ERR_MALFORMED;
    }
    if (pos + 1u >= len) {
        return OMP_ERR_TRUNCATED;
    }
    return (in[pos + 1u] == OMP_IEC21_LF) ? OMP_OK : OMP_ERR_MALFORMED;
}

/* `/ ? address ! CR LF` */
static omp_err parse_request(const uint8_t *in, size_t len, struct omp_iec21_msg *m, size_t *used)
{
    size_t pos = 2u;
    while (pos < len && in[pos] != (uint8_t)'!') {
        if (!is_addr_char(in[pos]) || pos - 2u >= OMP_IEC21_ADDRESS_MAX) {
            return OMP_ERR_MALFORMED;
        }
        pos++;
    }
    if (pos >= len) {
        return OMP_ERR_TRUNCATED;
    }
    omp_err err = expect_crlf(in, len, pos + 1u);
    if (err != OMP_OK) {
        return err;
    }
    m->kind = OMP_IEC21_MSG_REQUEST;
    m->address = span(in + 2, pos - 2u);
    *used = pos + 3u;
    return OMP_OK;
}

/* `/ X X X Z [\ W] ident CR LF`; trailing spaces after the identification are not part of it. */
static omp_err parse_ident(const uint8_t *in, size_t len, struct omp_iec21_msg *m, size_t *used)
{
    size_t pos = 1u;
    for (; pos < 4u; pos++) {
        if (pos >= len) {
            return OMP_ERR_TRUNCATED;
        }
        if (!is_alpha(in[pos])) {
            return OMP_ERR_MALFORMED;
        }
    }
    if (pos >= len) {
        return OMP_ERR_TRUNCATED;
    }
    if (!is_ident_char(in[pos])) {
        return OMP_ERR_MALFORMED;
    }
    m->baud_char = in[pos];
    pos++;
    if (pos >= len) {
        return OMP_ERR_TRUNCATED;
    }
    if (in[pos] == (uint8_t)'\\') {
        if (pos + 1u >= len) {
            return OMP_ERR_TRUNCATED;
        }
        if (!is_ident_char(in[pos + 1u])) {
            return OMP_ERR_MALFORMED;
        }
        m->has_enhanced = true;
        m->enhanced = in[pos + 1u];
        pos += 2u;
    }
    const size_t start = pos;
    size_t end = start; /* one past the last non-space character */
    while (pos < len && in[pos] != OMP_IEC21_CR) {
        if (!is_ident_char(in[pos])) {
            return OMP_ERR_MALFORMED;
        }
        if (in[pos] != (uint8_t)' ') {
            end = pos + 1u;
        }
        if (end - start > OMP_IEC21_IDENT_MAX || pos + 1u - start > IDENT_RAW_MAX) {
            return OMP_ERR_MALFORMED;
        }
        pos++;
    }
    omp_err err = expect_crlf(in, len, pos);
    if (err != OMP_OK) {
        return err;
    }
    if (end == start) {
        return OMP_ERR_MALFORMED; /* empty identification */
    }
    m->kind = OMP_IEC21_MSG_IDENT;
    m->mfr[0] = (char)in[1];
    m->mfr[1] = (char)in[2];
    m->mfr[2] = (char)in[3];
    m->mfr[3] = '\0';
    m->min_tr_20ms = is_lower(in[3]);
    m->ident = span(in + start, end - start);
    *used = pos + 2u;
    return OMP_OK;
}

/* ACK alone, or `ACK V Z Y CR LF`. */
static omp_err parse_ack(const uint8_t *in, size_t len, struct omp_iec21_msg *m, size_t *used,
                         bool ack_option)
{
    if (len < 2u) {
        if (ack_option) {
            return OMP_ERR_TRUNCATED;
        }
        m->kind = OMP_IEC21_MSG_ACK;
        *used = 1u;
        return OMP_OK;
    }
    if (!is_digit(in[1])) {
        if (ack_option) {
            return OMP_ERR_MALFORMED;
        }
        m->kind = OMP_IEC21_MSG_ACK;
        *used = 1u;
        return OMP_OK;
    }
    if (len < 3u) {
        return OMP_ERR_TRUNCATED;
    }
    if (!is_print(in[2]) || in[2] == (uint8_t)' ') {
        return OMP_ERR_MALFORMED;
    }
    if (len < 4u) {
        return OMP_ERR_TRUNCATED;
    }
    if (!is_digit(in[3])) {
        return OMP_ERR_MALFORMED;
    }
    omp_err err = expect_crlf(in, len, 4u);
    if (err != OMP_OK) {
        return err;
    }
    m->kind = OMP_IEC21_MSG_OPTION;
    m->v = in[1];
    m->z = in[2];
    m->y = in[3];
    *used = 6u;
    return OMP_OK;
}

/* true if a data message's data is an error: "ER..." or a first data set "(ER..." (possibly
 * after an address, e.g. "1.8.0(ER10)"). */
static bool data_is_error(const uint8_t *d, size_t n)
{
    if (n >= 2u && d[0] == (uint8_t)'E' && d[1] == (uint8_t)'R') {
        return true;
    }
    for (size_t i = 0; i < n && d[i] != OMP_IEC21_CR; i++) {
        if (d[i] == (uint8_t)'(') {
            return i + 2u < n && d[i + 1u] == (uint8_t)'E' && d[i + 2u] == (uint8_t)'R';
        }
    }
    return false;
}

/* `SOH C D [STX data] ETX BCC` (is_cmd) or `STX data ETX|EOT BCC`. */
static omp_err parse_block(const uint8_t *in, size_t len, struct omp_iec21_msg *m, size_t *used,
                           bool is_cmd)
{
    size_t pos = 1u;
    bool has_data = true;
    if (is_cmd) {
        if (len < 2u) {
            return OMP_ERR_TRUNCATED;
        }
        if (!is_upper(in[1])) {
            return OMP_ERR_MALFORMED;
        }
        if (len < 3u) {
            return OMP_ERR_TRUNCATED;
        }
        if (!is_digit(in[2])) {
            return OMP_ERR_MALFORMED;
        }
        if (len < 4u) {
            return OMP_ERR_TRUNCATED;
        }
        if (in[3] == OMP_IEC21_ETX) {
            has_data = false;
            pos = 3u;
        } else if (in[3] == OMP_IEC21_STX) {
            pos = 4u;
        } else {
            return OMP_ERR_MALFORMED;
        }
    }
    const size_t dstart = pos;
    while (pos < len && in[pos] != OMP_IEC21_ETX && in[pos] != OMP_IEC21_EOT) {
        if (!is_data_char(in[pos])) {
            return OMP_ERR_MALFORMED;
        }
        pos++;
    }
    if (pos >= len) {
        return OMP_ERR_TRUNCATED;
    }
    const uint8_t end = in[pos];
    if (is_cmd && end != OMP_IEC21_ETX) {
        return OMP_ERR_MALFORMED; /* partial-block commands are not supported */
    }
    if (pos + 1u >= len) {
        return OMP_ERR_TRUNCATED;
    }
    const size_t dlen = pos - dstart;
    const uint8_t bcc = omp_iec21_bcc(in + 1, pos); /* after SOH/STX, up to and with ETX/EOT */
    if (is_cmd) {
        m->kind = OMP_IEC21_MSG_COMMAND;
        m->cmd = in[1];
        m->cmd_type = in[2];
        m->has_data = has_data;
        m->data = span(in + dstart, dlen);
    } else {
        m->kind = (end == OMP_IEC21_EOT) ? OMP_IEC21_MSG_PARTIAL : OMP_IEC21_MSG_DATA;
        m->data = span(in + dstart, dlen);
        m->is_error = data_is_error(in + dstart, dlen);
    }
    *used = pos + 2u;
    return (in[pos + 1u] == bcc) ? OMP_OK : OMP_ERR_CRC;
}

static omp_err parse_impl(const uint8_t *in, size_t len, struct omp_iec21_msg *msg, size_t *used,
                          bool ack_option)
{
    if (msg == NULL || used == NULL || (in == NULL && len != 0u)) {
        return OMP_ERR_ARG;
    }
    if (len == 0u) {
        return OMP_ERR_TRUNCATED;
    }
    struct omp_iec21_msg m;
    memset(&m, 0, sizeof m);
    size_t n = 0u;
    omp_err err;
    switch (in[0]) {
    case (uint8_t)'/':
        if (len < 2u) {
            err = OMP_ERR_TRUNCATED;
        } else if (in[1] == (uint8_t)'?') {
            err = parse_request(in, len, &m, &n);
        } else {
            err = parse_ident(in, len, &m, &n);
        }
        break;
    case OMP_IEC21_ACK:
        err = parse_ack(in, len, &m, &n, ack_option);
        break;
    case OMP_IEC21_NAK:
        m.kind = OMP_IEC21_MSG_NAK;
        n = 1u;
        err = OMP_OK;
        break;
    case OMP_IEC21_SOH:
        err = parse_block(in, len, &m, &n, true);
        break;
    case OMP_IEC21_STX:
        err = parse_block(in, len, &m, &n, false);
        break;
    default:
        err = OMP_ERR_MALFORMED;
        break;
    }
    if (err == OMP_OK || err == OMP_ERR_CRC) {
        m.raw = span(in, n);
        *msg = m;
        *used = n;
    }
    return err;
}

omp_err omp_iec21_parse(const uint8_t *in, size_t len, struct omp_iec21_msg *msg, size_t *used)
{
    return parse_impl(in, len, msg, used, false);
}

/* ------------------------------------------------------------------------------------------ */
/* Stream framer                                                                               */
/* ------------------------------------------------------------------------------------------ */

void omp_iec21_rx_init(struct omp_iec21_rx *rx, uint8_t *buf, size_t cap, uint32_t ta_ms)
{
    if (rx == NULL) {
        return;
    }
    memset(rx, 0, sizeof *rx);
    rx->buf = buf;
    rx->cap = (buf != NULL) ? cap : 0u;
    rx->ta_ms = ta_ms;
}

void omp_iec21_rx_reset(struct omp_iec21_rx *rx)
{
    if (rx != NULL) {
        rx->have = 0u;
        rx->delivered = false;
    }
}

/* Whether the bytes collected so far must be run through the parser: always for the short
 * messages ('/', ACK, NAK); for SOH/STX messages only at the head, at the BCC after ETX/EOT and at
 * a character that breaks the data (the parser then says so), so a long readout costs O(n). */
static bool need_parse(const struct omp_iec21_rx *rx, bool more, bool ack_option)
{
    const uint8_t first = rx->buf[0];
    const uint8_t c = rx->buf[rx->have - 1u];
    if (first == OMP_IEC21_ACK && rx->have == 1u && !ack_option && more) {
        return false; /* look at the next character first: digit -> option select */
    }
    if (first != OMP_IEC21_SOH && first != OMP_IEC21_STX) {
        return true;
    }
    if (rx->have <= 4u || !is_data_char(c)) {
        return true;
    }
    const uint8_t prev = rx->buf[rx->have - 2u];
    return prev == OMP_IEC21_ETX || prev == OMP_IEC21_EOT;
}

omp_err omp_iec21_rx_feed_ex(struct omp_iec21_rx *rx, uint64_t now_ms, const uint8_t *data,
                             size_t len, size_t *used, struct omp_iec21_msg *msg, bool ack_option)
{
    if (used != NULL) {
        *used = 0u;
    }
    if (rx == NULL || used == NULL || msg == NULL || (data == NULL && len != 0u) ||
        rx->buf == NULL || rx->cap == 0u) {
        return OMP_ERR_ARG;
    }
    if (rx->delivered) {
        rx->have = 0u;
        rx->delivered = false;
    }
    if (rx->have > 0u && rx->ta_ms != 0u && now_ms > rx->last_ms &&
        now_ms - rx->last_ms > rx->ta_ms) {
        rx->have = 0u; /* characters too far apart: drop the partial message */
        rx->bad++;
    }
    size_t pos = 0u;
    while (pos < len) {
        const uint8_t c = data[pos];
        if (rx->have == 0u && !is_start(c)) {
            rx->skipped++;
            pos++;
            continue;
        }
        if (rx->have >= rx->cap) {
            rx->have = 0u; /* too long: drop it, look at c again as a possible start */
            rx->bad++;
            *used = pos;
            return OMP_ERR_NOSPACE;
        }
        rx->buf[rx->have++] = c;
        rx->last_ms = now_ms;
        pos++;
        if (!need_parse(rx, pos < len, ack_option)) {
            continue;
        }
        struct omp_iec21_msg m;
        size_t n = 0u;
        omp_err err = parse_impl(rx->buf, rx->have, &m, &n, ack_option);
        if (err == OMP_ERR_TRUNCATED) {
            continue;
        }
        if (err == OMP_OK) {
            pos -= rx->have - n; /* a single ACK followed by another character: keep that one */
            rx->have = n;
            rx->delivered = true;
            *msg = m;
            *used = pos;
            return OMP_OK;
        }
        rx->bad++;
        if (err != OMP_ERR_CRC && rx->have > 1u && is_start(c)) {
            pos--; /* the character that broke this message may start the next one */
        }
        rx->have = 0u;
        *used = pos;
        return (err == OMP_ERR_CRC) ? OMP_ERR_CRC : OMP_ERR_MALFORMED;
    }
    *used = pos;
    return OMP_ERR_TRUNCATED;
}

omp_err omp_iec21_rx_feed(struct omp_iec21_rx *rx, uint64_t now_ms, const uint8_t *data, size_t len,
                          size_t *used, struct omp_iec21_msg *msg)
{
    return omp_iec21_rx_feed_ex(rx, now_ms, data, len, used, msg, false);
}

/* ------------------------------------------------------------------------------------------ */
/* Writers                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* Room for n bytes, or NOSPACE (sticky error of the writer counts as no room). */
static omp_err room_for(const struct omp_wr *w, size_t n)
{
    return (omp_wr_status(w) == OMP_OK && omp_wr_room(w) >= n) ? OMP_OK : OMP_ERR_NOSPACE;
}

/* Append bytes known to fit (room checked first). */
static void put(struct omp_wr *w, const void *p, size_t n)
{
    (void)omp_wr_bytes(w, p, n);
}
static void put1(struct omp_wr *w, uint8_t c)
{
    (void)omp_wr_u8(w, c);
}

static const uint8_t k_crlf[2] = {OMP_IEC21_CR, OMP_IEC21_LF};

omp_err omp_iec21_put_request(struct omp_wr *w, const char *address, size_t len)
{
    if (w == NULL || (address == NULL && len != 0u) || len > OMP_IEC21_ADDRESS_MAX) {
        return OMP_ERR_ARG;
    }
    for (size_t i = 0; i < len; i++) {
        if (!is_addr_char((uint8_t)address[i])) {
            return OMP_ERR_ARG;
        }
    }
    omp_err err = room_for(w, len + 5u);
    if (err != OMP_OK) {
        return err;
    }
    put(w, "/?", 2u);
    if (len != 0u) {
        put(w, address, len);
    }
    put1(w, (uint8_t)'!');
    put(w, k_crlf, 2u);
    return OMP_OK;
}

omp_err omp_iec21_put_ident(struct omp_wr *w, const char mfr[3], uint8_t baud_char,
                            const char *ident, size_t len)
{
    if (w == NULL || mfr == NULL || ident == NULL || len == 0u || len > OMP_IEC21_IDENT_MAX ||
        !is_ident_char(baud_char)) {
        return OMP_ERR_ARG;
    }
    bool non_space = false;
    for (size_t i = 0; i < 3u; i++) {
        if (!is_alpha((uint8_t)mfr[i])) {
            return OMP_ERR_ARG;
        }
    }
    for (size_t i = 0; i < len; i++) {
        const uint8_t c = (uint8_t)ident[i];
        if (!is_ident_char(c)) {
            return OMP_ERR_ARG;
        }
        non_space = non_space || c != (uint8_t)' ';
    }
    if (!non_space || ident[0] == '\\') {
        return OMP_ERR_ARG; /* would not read back: empty, or taken as `\W` */
    }
    omp_err err = room_for(w, len + 7u);
    if (err != OMP_OK) {
        return err;
    }
    put1(w, (uint8_t)'/');
    put(w, mfr, 3u);
    put1(w, baud_char);
    put(w, ident, len);
    put(w, k_crlf, 2u);
    return OMP_OK;
}

omp_err omp_iec21_put_option(struct omp_wr *w, uint8_t v, uint8_t z, uint8_t y)
{
    if (w == NULL || !is_digit(v) || !is_print(z) || z == (uint8_t)' ' || !is_digit(y)) {
        return OMP_ERR_ARG;
    }
    omp_err err = room_for(w, 6u);
    if (err != OMP_OK) {
        return err;
    }
    const uint8_t b[6] = {OMP_IEC21_ACK, v, z, y, OMP_IEC21_CR, OMP_IEC21_LF};
    put(w, b, sizeof b);
    return OMP_OK;
}

static bool data_ok(const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (!is_data_char(data[i])) {
            return false;
        }
    }
    return true;
}

omp_err omp_iec21_put_command(struct omp_wr *w, uint8_t cmd, uint8_t type, bool has_data,
                              const uint8_t *data, size_t len)
{
    if (w == NULL || !is_upper(cmd) || !is_digit(type) || (data == NULL && len != 0u) ||
        (!has_data && len != 0u) || !data_ok(data, len)) {
        return OMP_ERR_ARG;
    }
    omp_err err = room_for(w, len + (has_data ? 6u : 5u));
    if (err != OMP_OK) {
        return err;
    }
    uint8_t bcc = (uint8_t)(cmd ^ type ^ OMP_IEC21_ETX);
    put1(w, OMP_IEC21_SOH);
    put1(w, cmd);
    put1(w, type);
    if (has_data) {
        put1(w, OMP_IEC21_STX);
        bcc ^= OMP_IEC21_STX;
        if (len != 0u) {
            put(w, data, len);
            bcc ^= omp_iec21_bcc(data, len);
        }
    }
    put1(w, OMP_IEC21_ETX);
    put1(w, bcc);
    return OMP_OK;
}

omp_err omp_iec21_put_data(struct omp_wr *w, const uint8_t *data, size_t len, bool partial)
{
    if (w == NULL || (data == NULL && len != 0u) || !data_ok(data, len)) {
        return OMP_ERR_ARG;
    }
    omp_err err = room_for(w, len + 3u);
    if (err != OMP_OK) {
        return err;
    }
    const uint8_t end = partial ? OMP_IEC21_EOT : OMP_IEC21_ETX;
    put1(w, OMP_IEC21_STX);
    if (len != 0u) {
        put(w, data, len);
    }
    put1(w, end);
    put1(w, (uint8_t)(omp_iec21_bcc(data, len) ^ end));
    return OMP_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Data sets                                                                                   */
/* ------------------------------------------------------------------------------------------ */

void omp_iec21_ds_init(struct omp_iec21_ds_iter *it, const uint8_t *data, size_t len)
{
    if (it == NULL) {
        return;
    }
    memset(it, 0, sizeof *it);
    it->data = span(data, (data != NULL) ? len : 0u);
    it->address = span(data, 0u);
}

/* Scan field characters at it->pos while ok(c); RANGE when more than max. */
static omp_err ds_field(struct omp_iec21_ds_iter *it, bool (*ok)(uint8_t), size_t max,
                        struct omp_iec21_span *out)
{
    const uint8_t *d = it->data.ptr;
    const size_t start = it->pos;
    size_t pos = start;
    while (pos < it->data.len && ok(d[pos])) {
        if (pos - start >= max) {
            it->pos = pos;
            return OMP_ERR_RANGE;
        }
        pos++;
    }
    *out = span(d + start, pos - start);
    it->pos = pos;
    return OMP_OK;
}

/* Steps @p it over line ends (CR LF, each starting a new line) up to the next data set.
 * @return OMP_OK (a data set starts at it->pos), OMP_ERR_NOT_FOUND (the end: `!` or the end of
 * the data; it->end is set), OMP_ERR_MALFORMED (CR without LF; it->pos is the CR). */
static omp_err ds_skip_line_ends(struct omp_iec21_ds_iter *it)
{
    const uint8_t *d = it->data.ptr;
    const size_t n = it->data.len;
    if (it->end) {
        return OMP_ERR_NOT_FOUND;
    }
    while (it->pos < n && d[it->pos] == OMP_IEC21_CR) {
        if (it->pos + 1u >= n || d[it->pos + 1u] != OMP_IEC21_LF) {
            return OMP_ERR_MALFORMED; /* CR without LF: it->pos is the CR */
        }
        it->pos += 2u;
        it->line++;
        it->group = 0u;
        it->address = span(d + it->pos, 0u);
    }
    if (it->pos >= n) {
        it->end = true; /* lenient: data without `!` ends at its end */
        return OMP_ERR_NOT_FOUND;
    }
    if (d[it->pos] == (uint8_t)'!') {
        it->pos++;
        if (it->pos + 1u < n && d[it->pos] == OMP_IEC21_CR && d[it->pos + 1u] == OMP_IEC21_LF) {
            it->pos += 2u;
        }
        it->end = true;
        return OMP_ERR_NOT_FOUND;
    }
    return OMP_OK;
}

omp_err omp_iec21_ds_next(struct omp_iec21_ds_iter *it, struct omp_iec21_dataset *ds)
{
    if (it == NULL || ds == NULL || (it->data.ptr == NULL && it->data.len != 0u) ||
        it->pos > it->data.len) {
        return OMP_ERR_ARG;
    }
    const uint8_t *d = it->data.ptr;
    const size_t n = it->data.len;
    omp_err err = ds_skip_line_ends(it);
    if (err != OMP_OK) {
        return err;
    }
    struct omp_iec21_ds_iter t = *it;
    struct omp_iec21_span addr, value, unit;
    err = ds_field(&t, is_ds_addr_char, OMP_IEC21_DS_ADDRESS_MAX, &addr);
    if (err != OMP_OK) {
        it->pos = t.pos;
        return err;
    }
    if (t.pos >= n || d[t.pos] != (uint8_t)'(') {
        it->pos = (t.pos < n) ? t.pos : n;
        return OMP_ERR_MALFORMED;
    }
    const size_t open = t.pos;
    t.pos++;
    err = ds_field(&t, is_ds_value_char, OMP_IEC21_DS_VALUE_MAX, &value);
    if (err != OMP_OK) {
        it->pos = t.pos;
        return err;
    }
    bool has_unit = false;
    unit = span(d + t.pos, 0u);
    if (t.pos < n && d[t.pos] == (uint8_t)'*') {
        has_unit = true;
        t.pos++;
        err = ds_field(&t, is_ds_unit_char, OMP_IEC21_DS_UNIT_MAX, &unit);
        if (err != OMP_OK) {
            it->pos = t.pos;
            return err;
        }
    }
    if (t.pos >= n || d[t.pos] != (uint8_t)')') {
        it->pos = (t.pos < n) ? t.pos : n;
        return OMP_ERR_MALFORMED;
    }
    t.pos++;
    if (addr.len != 0u) {
        t.address = addr;
        t.group = 0u;
    }
    ds->address = t.address;
    ds->value = value;
    ds->unit = unit;
    ds->has_unit = has_unit;
    ds->group = t.group;
    ds->line = t.line;
    ds->offset = open;
    if (t.group < UINT16_MAX) {
        t.group++;
    }
    *it = t;
    return OMP_OK;
}

/* Length of @p s if every character passes @p ok and there are at most @p max; else SIZE_MAX. */
static size_t checked_len(const char *s, bool (*ok)(uint8_t), size_t max)
{
    size_t n = 0u;
    while (s[n] != '\0') {
        if (n >= max || !ok((uint8_t)s[n])) {
            return SIZE_MAX;
        }
        n++;
    }
    return n;
}

omp_err omp_iec21_put_dataset(struct omp_wr *w, const char *address, const char *value,
                              const char *unit)
{
    if (w == NULL || value == NULL) {
        return OMP_ERR_ARG;
    }
    const size_t alen =
        (address != NULL) ? checked_len(address, is_ds_addr_char, OMP_IEC21_DS_ADDRESS_MAX) : 0u;
    const size_t vlen = checked_len(value, is_ds_value_char, OMP_IEC21_DS_VALUE_MAX);
    const size_t ulen =
        (unit != NULL) ? checked_len(unit, is_ds_unit_char, OMP_IEC21_DS_UNIT_MAX) : 0u;
    if (alen == SIZE_MAX || vlen == SIZE_MAX || ulen == SIZE_MAX) {
        return OMP_ERR_ARG;
    }
    omp_err err = room_for(w, alen + vlen + ulen + ((unit != NULL) ? 3u : 2u));
    if (err != OMP_OK) {
        return err;
    }
    if (alen != 0u) {
        put(w, address, alen);
    }
    put1(w, (uint8_t)'(');
    if (vlen != 0u) {
        put(w, value, vlen);
    }
    if (unit != NULL) {
        put1(w, (uint8_t)'*');
        if (ulen != 0u) {
            put(w, unit, ulen);
        }
    }
    put1(w, (uint8_t)')');
    return OMP_OK;
}

#else
typedef int omp_iec62056_21_unused; /* ISO C forbids an empty translation unit */
#endif /* OMP_CONFIG_IEC21 */

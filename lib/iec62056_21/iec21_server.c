/*
 * IEC 62056-21 server: the meter's side of modes A, C (readout and programming mode) and D0.
 * Behaviour, and where it follows Kamstrup rather than the standard, is in docs/iec62056-21.md.
 */
#include "omnipower/config.h"

#if OMP_CONFIG_IEC21 /* the whole file: module switch, config.h */

#include <string.h>

#include "omnipower/core.h"
#include "omnipower/iec62056_21.h"
#include "iec62056_21_priv.h"

/* s->state */
enum {
    ST_IDLE = 0,        /* 300 Bd, waiting for a request */
    ST_IDENT = 1,       /* identification in txbuf; then ST_WAIT_OPTION */
    ST_WAIT_OPTION = 2, /* deadline_ms: tt (mode C) or tr_min (mode A only), then the readout */
    ST_READOUT = 3,     /* streaming list READOUT, one line per chunk */
    ST_D0_IDENT = 4,    /* mode D: identification in txbuf; then ST_D0 */
    ST_D0 = 5,          /* streaming list D0 */
    ST_P0 = 6,          /* password prompt in txbuf; then ST_WAIT_PW */
    ST_WAIT_PW = 7,     /* waiting for P1/P2; deadline_ms: ti */
    ST_PROG = 8,        /* programming mode; deadline_ms: ti */
    ST_BREAK = 9,       /* break message in txbuf; then idle at 300 Bd */
};

/* s->last_cmd_kind: the reply in txbuf (what a NAK makes us resend) */
enum {
    LAST_NONE = 0,
    LAST_REPLY = 1,   /* ACK, NAK, P0, data or error message */
    LAST_PARTIAL = 2, /* a partial block: the reader's ACK asks for the next one */
};

#define LINE_END        SIZE_MAX /* s->line once the readout's end (`!` CR LF ETX BCC) is in txbuf */
#define NAK_RESENDS_MAX 3u
#define INITIAL_BAUD    300u

/* ------------------------------------------------------------------------------------------ */
/* Configuration                                                                               */
/* ------------------------------------------------------------------------------------------ */

void omp_iec21_server_cfg_default(struct omp_iec21_server_cfg *cfg)
{
    if (cfg == NULL) {
        return;
    }
    memset(cfg, 0, sizeof *cfg);
    memcpy(cfg->mfr, "KAM", 4u);
    cfg->baud_char = (uint8_t)'5';
    memcpy(cfg->ident, " OMNIPOWER", sizeof " OMNIPOWER");
    cfg->mode_c = true;
    cfg->programming = true;
    memcpy(cfg->password, "12345", sizeof "12345");
    cfg->max_failures = 3u;
    cfg->lockout_ms = 300000u;
    cfg->tr_min_ms = 200u;
    cfg->ta_ms = 1500u;
    cfg->tt_ms = 1700u;
    cfg->ti_ms = 90000u;
    cfg->tr_pw_ms = 1500u;
    cfg->d0_interval_ms = 0u;
    cfg->d0_baud = 2400u;
}

/* Length of a NUL-terminated string in a char[cap], or SIZE_MAX if there is no NUL. */
static size_t str_len(const char *s, size_t cap)
{
    for (size_t i = 0; i < cap; i++) {
        if (s[i] == '\0') {
            return i;
        }
    }
    return SIZE_MAX;
}

static bool cfg_valid(const struct omp_iec21_server_cfg *c)
{
    /* identification: what omp_iec21_put_ident() accepts */
    uint8_t probe[OMP_IEC21_IDENT_MAX + 8u];
    struct omp_wr w = omp_wr_init(probe, sizeof probe);
    const size_t ilen = str_len(c->ident, sizeof c->ident);
    if (ilen == SIZE_MAX ||
        omp_iec21_put_ident(&w, c->mfr, c->baud_char, c->ident, ilen) != OMP_OK) {
        return false;
    }
    if (omp_iec21_baud(c->baud_char) == 0u) {
        return false;
    }
    /* address: what omp_iec21_put_request() accepts */
    uint8_t probe2[OMP_IEC21_ADDRESS_MAX + 8u];
    w = omp_wr_init(probe2, sizeof probe2);
    const size_t alen = str_len(c->address, sizeof c->address);
    if (alen == SIZE_MAX || omp_iec21_put_request(&w, c->address, alen) != OMP_OK) {
        return false;
    }
    const size_t plen = str_len(c->password, sizeof c->password);
    if (plen == SIZE_MAX || (c->programming && plen == 0u)) {
        return false; /* an empty password would let anyone in */
    }
    if (c->ta_ms == 0u || c->tt_ms == 0u || c->ti_ms == 0u || c->tr_pw_ms == 0u ||
        (c->max_failures != 0u && c->lockout_ms == 0u)) {
        return false;
    }
    if (c->d0_interval_ms != 0u && omp_iec21_baud_char(c->d0_baud) == 0u) {
        return false;
    }
    return true;
}

omp_err omp_iec21_server_init(struct omp_iec21_server *s, const struct omp_iec21_server_cfg *cfg,
                              const struct omp_iec21_app *app, void *user, uint64_t now_ms)
{
    if (s == NULL || cfg == NULL || app == NULL || app->readout_line == NULL || !cfg_valid(cfg)) {
        return OMP_ERR_ARG;
    }
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    s->app = app;
    s->user = user;
    omp_iec21_rx_init(&s->rx, s->rxbuf, sizeof s->rxbuf, cfg->ta_ms);
    s->state = ST_IDLE;
    s->baud = INITIAL_BAUD;
    s->deadline_ms = UINT64_MAX;
    s->d0_next_ms = (cfg->d0_interval_ms != 0u && now_ms <= UINT64_MAX - cfg->d0_interval_ms)
                        ? now_ms + cfg->d0_interval_ms
                        : UINT64_MAX;
    return OMP_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                     */
/* ------------------------------------------------------------------------------------------ */

static uint64_t add_ms(uint64_t t, uint32_t ms)
{
    return (t > UINT64_MAX - ms) ? UINT64_MAX : t + ms;
}

/* Queue bytes already in txbuf[0..n) for sending no sooner than @p due. */
static void queue_tx(struct omp_iec21_server *s, size_t n, uint64_t due)
{
    s->tx_len = n;
    s->tx_sent = 0u;
    s->due_ms = due;
}

static void drop_tx(struct omp_iec21_server *s)
{
    s->tx_len = 0u;
    s->tx_sent = 0u;
}

/* Rate change needed to get to @p baud (0: none). */
static uint32_t change_to(const struct omp_iec21_server *s, uint32_t baud)
{
    return (baud == s->baud) ? 0u : baud;
}

/* Milliseconds @p n characters take on the line at @p baud (7E1: 10 bits a character). */
static uint32_t airtime_ms(size_t n, uint32_t baud)
{
    if (baud == 0u) {
        return 0u;
    }
    const uint64_t bits_ms = (uint64_t)n * 10u * 1000u;
    const uint64_t t = (bits_ms + baud - 1u) / baud;
    return (t > UINT32_MAX) ? UINT32_MAX : (uint32_t)t;
}

/* Both all digits: the same number whatever leading zeros (`/?00123456!` for meter 123456). */
static bool digits(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] < (uint8_t)'0' || p[i] > (uint8_t)'9') {
            return false;
        }
    }
    return n != 0u;
}

static bool address_match(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    if (digits(a, an) && digits(b, bn)) {
        while (an > 0u && a[0] == (uint8_t)'0') {
            a++;
            an--;
        }
        while (bn > 0u && b[0] == (uint8_t)'0') {
            b++;
            bn--;
        }
    }
    return an == bn && (an == 0u || memcmp(a, b, an) == 0);
}

/* Back to idle at the initial rate (after the pending tx, if any, has gone). */
static void go_idle(struct omp_iec21_server *s)
{
    s->state = ST_IDLE;
    s->want_baud = change_to(s, INITIAL_BAUD);
    s->deadline_ms = UINT64_MAX;
    s->last_cmd_kind = LAST_NONE;
    s->block = 0u;
    s->nak_count = 0u;
}

static bool locked(const struct omp_iec21_server *s, uint64_t now)
{
    return s->locked_until_ms != 0u && now < s->locked_until_ms;
}

/* A partial message is being received (and is not stale). */
static bool rx_active(const struct omp_iec21_server *s, uint64_t now)
{
    return s->rx.have > 0u && !s->rx.delivered &&
           (now <= s->rx.last_ms || now - s->rx.last_ms <= s->rx.ta_ms);
}

/* The identification message into txbuf with rate character @p z. */
static size_t put_ident(struct omp_iec21_server *s, uint8_t z)
{
    struct omp_wr w = omp_wr_init(s->txbuf, sizeof s->txbuf);
    const size_t ilen = str_len(s->cfg.ident, sizeof s->cfg.ident);
    if (omp_iec21_put_ident(&w, s->cfg.mfr, z, s->cfg.ident, ilen) != OMP_OK) {
        return 0u; /* cannot happen: checked at init */
    }
    return omp_wr_len(&w);
}

static void put_break(struct omp_iec21_server *s, uint64_t due)
{
    struct omp_wr w = omp_wr_init(s->txbuf, sizeof s->txbuf);
    if (omp_iec21_put_command(&w, (uint8_t)'B', (uint8_t)'0', false, NULL, 0u) == OMP_OK) {
        queue_tx(s, omp_wr_len(&w), due);
    }
    s->state = ST_BREAK;
    s->last_cmd_kind = LAST_NONE;
}

static void put_single(struct omp_iec21_server *s, uint8_t c, uint64_t due)
{
    s->txbuf[0] = c;
    queue_tx(s, 1u, due);
    s->last_cmd_kind = LAST_REPLY;
    s->nak_count = 0u;
}

/* The server's own error replies (the meter's table in docs/iec62056-21.md uses the same). */
#define ER_UNKNOWN_COMMAND 6 /* a command letter/type the server does not pass on */
#define ER_DEVICE          7 /* the application failed or broke its contract */

/* `STX ER<nn> ETX BCC`, nn = @p code (two digits). */
static void put_error(struct omp_iec21_server *s, int code, uint64_t due)
{
    const uint8_t text[4] = {(uint8_t)'E', (uint8_t)'R', (uint8_t)('0' + code / 10),
                             (uint8_t)('0' + code % 10)};
    struct omp_wr w = omp_wr_init(s->txbuf, sizeof s->txbuf);
    if (omp_iec21_put_data(&w, text, sizeof text, false) == OMP_OK) {
        queue_tx(s, omp_wr_len(&w), due);
    }
    s->last_cmd_kind = LAST_REPLY;
    s->nak_count = 0u;
}

static bool data_clean(const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (d[i] >= 0x80u || d[i] == OMP_IEC21_SOH || d[i] == OMP_IEC21_STX ||
            d[i] == OMP_IEC21_ETX || d[i] == OMP_IEC21_EOT) {
            return false;
        }
    }
    return true;
}

/* ------------------------------------------------------------------------------------------ */
/* Programming mode                                                                            */
/* ------------------------------------------------------------------------------------------ */

/* P1/P2 data `(password)` against cfg.password; the time taken does not depend on where the
 * characters differ (every position up to the maximum is compared, lengths included). */
static bool password_ok(const struct omp_iec21_server *s, const struct omp_iec21_msg *m)
{
    const uint8_t *d = m->data.ptr;
    const size_t n = m->data.len;
    if (!m->has_data || n < 2u || d[0] != (uint8_t)'(' || d[n - 1u] != (uint8_t)')') {
        return false;
    }
    const uint8_t *got = d + 1;
    const size_t glen = n - 2u;
    const size_t plen = str_len(s->cfg.password, sizeof s->cfg.password);
    unsigned diff = (glen != plen) ? 1u : 0u;
    for (size_t i = 0; i < OMP_IEC21_PASSWORD_MAX; i++) {
        const unsigned a = (i < glen) ? got[i] : 0u;
        const unsigned b = (i < plen) ? (uint8_t)s->cfg.password[i] : 0u;
        diff |= a ^ b;
    }
    return diff == 0u;
}

static void handle_password(struct omp_iec21_server *s, uint64_t now, const struct omp_iec21_msg *m)
{
    const uint64_t due = add_ms(now, s->cfg.tr_min_ms);
    if (password_ok(s, m)) {
        if (s->state != ST_PROG) {
            s->prog_sessions++;
        }
        s->failures = 0u;
        s->state = ST_PROG;
        s->deadline_ms = add_ms(now, s->cfg.ti_ms);
        put_single(s, OMP_IEC21_ACK, due);
        return;
    }
    s->bad_passwords++;
    if (s->failures < UINT8_MAX) {
        s->failures++;
    }
    if (s->cfg.max_failures != 0u && s->failures >= s->cfg.max_failures) {
        s->locked_until_ms = add_ms(now, s->cfg.lockout_ms);
        if (s->locked_until_ms == 0u) {
            s->locked_until_ms = 1u;
        }
        s->lockouts++;
        s->failures = 0u;
    }
    put_break(s, due); /* Kamstrup: a wrong password -> break, wait for a new sign-on */
}

/* Ask the application for the reply to s->cmd, block s->block, and queue it. */
static void run_command(struct omp_iec21_server *s, uint64_t now)
{
    const uint64_t due = add_ms(now, s->cfg.tr_min_ms);
    struct omp_wr w = omp_wr_init(s->txbuf + 1, sizeof s->txbuf - 8u);
    enum omp_iec21_reply reply = OMP_IEC21_REPLY_NAK;
    omp_err err = s->app->command(s->user, &s->cmd, s->block, &w, &reply);
    if (err != OMP_OK) {
        put_error(s, ER_DEVICE, due);
        return;
    }
    const size_t n = omp_wr_len(&w);
    switch (reply) {
    case OMP_IEC21_REPLY_ACK:
        put_single(s, OMP_IEC21_ACK, due);
        return;
    case OMP_IEC21_REPLY_NAK:
        put_single(s, OMP_IEC21_NAK, due);
        return;
    case OMP_IEC21_REPLY_DATA:
    case OMP_IEC21_REPLY_PARTIAL:
    case OMP_IEC21_REPLY_ERROR:
        break;
    default:
        put_error(s, ER_DEVICE, due);
        return;
    }
    if (omp_wr_status(&w) != OMP_OK || !data_clean(s->txbuf + 1, n)) {
        put_error(s, ER_DEVICE, due); /* the application broke its contract */
        return;
    }
    const bool partial = reply == OMP_IEC21_REPLY_PARTIAL;
    const uint8_t end = partial ? OMP_IEC21_EOT : OMP_IEC21_ETX;
    s->txbuf[0] = OMP_IEC21_STX;
    s->txbuf[1u + n] = end;
    s->txbuf[2u + n] = (uint8_t)(omp_iec21_bcc(s->txbuf + 1, n) ^ end);
    queue_tx(s, n + 3u, due);
    s->last_cmd_kind = partial ? LAST_PARTIAL : LAST_REPLY;
    s->nak_count = 0u;
}

static bool command_supported(uint8_t cmd, uint8_t type)
{
    switch (cmd) {
    case (uint8_t)'R':
        return type >= (uint8_t)'1' && type <= (uint8_t)'6';
    case (uint8_t)'W':
        return type >= (uint8_t)'1' && type <= (uint8_t)'5';
    case (uint8_t)'E':
        return type == (uint8_t)'2';
    default:
        return false;
    }
}

/* Resend the reply in txbuf after the reader's NAK; too many NAKs end the session. */
static void resend(struct omp_iec21_server *s, uint64_t now)
{
    if (s->last_cmd_kind == LAST_NONE || s->tx_len == 0u) {
        return;
    }
    s->nak_count++;
    if (s->nak_count > NAK_RESENDS_MAX) {
        drop_tx(s);
        go_idle(s);
        return;
    }
    queue_tx(s, s->tx_len, add_ms(now, s->cfg.tr_min_ms));
}

/* A message in ST_P0, ST_WAIT_PW or ST_PROG. */
static void handle_session(struct omp_iec21_server *s, uint64_t now, const struct omp_iec21_msg *m)
{
    const uint64_t due = add_ms(now, s->cfg.tr_min_ms);
    if (s->state == ST_PROG) {
        s->deadline_ms = add_ms(now, s->cfg.ti_ms); /* ti: any message keeps the session */
    }
    if (m->kind == OMP_IEC21_MSG_NAK) {
        resend(s, now);
        if (s->state != ST_PROG && s->tx_sent < s->tx_len) {
            s->deadline_ms = UINT64_MAX; /* P0 again: Tr runs from its end (poll arms it) */
        }
        return;
    }
    if (m->kind == OMP_IEC21_MSG_ACK) {
        if (s->state == ST_PROG && s->last_cmd_kind == LAST_PARTIAL) {
            s->block++;
            run_command(s, now);
        }
        return;
    }
    if (m->kind != OMP_IEC21_MSG_COMMAND) {
        s->rx.bad++; /* not expected here: ignored */
        return;
    }
    if (m->cmd == (uint8_t)'B' && m->cmd_type == (uint8_t)'0') {
        drop_tx(s);
        go_idle(s); /* B0: sign-off, no reply */
        return;
    }
    if (m->cmd == (uint8_t)'P' && (m->cmd_type == (uint8_t)'1' || m->cmd_type == (uint8_t)'2')) {
        handle_password(s, now, m);
        return;
    }
    if (s->state != ST_PROG) {
        put_single(s, OMP_IEC21_NAK, due); /* no command before the password */
        return;
    }
    if (!command_supported(m->cmd, m->cmd_type)) {
        put_error(s, ER_UNKNOWN_COMMAND, due);
        return;
    }
    /* keep the command (its spans point into the framer's buffer) for the later blocks */
    memcpy(s->cmd_buf, m->raw.ptr, m->raw.len);
    size_t used = 0u;
    if (omp_iec21_parse(s->cmd_buf, m->raw.len, &s->cmd, &used) != OMP_OK) {
        put_error(s, ER_DEVICE, due);
        return;
    }
    s->block = 0u;
    run_command(s, now);
}

/* ------------------------------------------------------------------------------------------ */
/* Sign-on                                                                                     */
/* ------------------------------------------------------------------------------------------ */

static void handle_request(struct omp_iec21_server *s, uint64_t now, const struct omp_iec21_msg *m)
{
    const size_t alen = str_len(s->cfg.address, sizeof s->cfg.address);
    if (m->address.len != 0u && !address_match(m->address.ptr, m->address.len,
                                               (const uint8_t *)s->cfg.address, alen)) {
        return; /* another meter's address: silence */
    }
    s->signons++;
    s->state = ST_IDENT;
    s->deadline_ms = UINT64_MAX; /* set when the identification is handed out */
    s->last_cmd_kind = LAST_NONE;
    queue_tx(s, put_ident(s, s->cfg.baud_char), add_ms(now, s->cfg.tr_min_ms));
}

static void start_readout(struct omp_iec21_server *s, uint8_t state, uint32_t baud, uint64_t due)
{
    s->state = state;
    s->line = 0u;
    s->bcc = 0u;
    s->want_baud = change_to(s, baud);
    s->due_ms = due;
    drop_tx(s);
}

static void handle_option(struct omp_iec21_server *s, uint64_t now, const struct omp_iec21_msg *m)
{
    if (!s->cfg.mode_c) {
        s->rx.bad++; /* mode A only: the readout follows anyway */
        return;
    }
    uint32_t baud = omp_iec21_baud(m->z);
    if (baud == 0u || m->z > s->cfg.baud_char) {
        baud = INITIAL_BAUD; /* Kamstrup: any other character means 300 Bd */
    }
    const uint64_t due = add_ms(now, s->cfg.tr_min_ms);
    if (m->v == (uint8_t)'0' && m->y == (uint8_t)'0') {
        s->readouts++;
        start_readout(s, ST_READOUT, baud, due);
        return;
    }
    if (m->v == (uint8_t)'0' && m->y == (uint8_t)'1' && s->cfg.programming &&
        s->app->command != NULL) {
        s->want_baud = change_to(s, baud);
        s->deadline_ms = UINT64_MAX; /* Tr runs from the end of P0 (armed by poll) */
        if (locked(s, now)) {
            put_break(s, due); /* programming mode locked out after bad passwords */
            return;
        }
        static const uint8_t k_prompt[2] = {(uint8_t)'(', (uint8_t)')'};
        struct omp_wr w = omp_wr_init(s->txbuf, sizeof s->txbuf);
        if (omp_iec21_put_command(&w, (uint8_t)'P', (uint8_t)'0', true, k_prompt, 2u) == OMP_OK) {
            queue_tx(s, omp_wr_len(&w), due);
        }
        s->state = ST_P0;
        s->last_cmd_kind = LAST_REPLY;
        s->nak_count = 0u;
        return;
    }
    /* another protocol (V), mode (Y) or programming refused: back to idle, no answer */
    drop_tx(s);
    go_idle(s);
}

static void handle_msg(struct omp_iec21_server *s, uint64_t now, const struct omp_iec21_msg *m)
{
    switch (s->state) {
    case ST_IDLE:
        if (m->kind == OMP_IEC21_MSG_REQUEST) {
            handle_request(s, now, m);
        } else {
            s->rx.bad++;
        }
        break;
    case ST_IDENT:
    case ST_WAIT_OPTION:
        if (m->kind == OMP_IEC21_MSG_OPTION && s->deadline_ms == UINT64_MAX) {
            s->rx.bad++; /* an answer to an identification not sent yet */
        } else if (m->kind == OMP_IEC21_MSG_OPTION) {
            handle_option(s, now, m);
        } else if (m->kind == OMP_IEC21_MSG_REQUEST && s->state == ST_WAIT_OPTION) {
            handle_request(s, now, m); /* the reader started again */
        } else {
            s->rx.bad++;
        }
        break;
    case ST_P0:
    case ST_WAIT_PW:
    case ST_PROG:
        handle_session(s, now, m);
        break;
    default: /* sending a readout or a break: the line is ours */
        s->rx.bad++;
        break;
    }
}

void omp_iec21_server_rx(struct omp_iec21_server *s, uint64_t now_ms, const uint8_t *data,
                         size_t len)
{
    if (s == NULL || s->app == NULL || (data == NULL && len != 0u)) {
        return;
    }
    while (len > 0u) {
        size_t used = 0u;
        struct omp_iec21_msg m;
        const bool ack_option = s->state == ST_IDENT || s->state == ST_WAIT_OPTION;
        omp_err err = omp_iec21_rx_feed_ex(&s->rx, now_ms, data, len, &used, &m, ack_option);
        if (used > len) {
            return; /* cannot happen */
        }
        data += used;
        len -= used;
        /* part of our message is on the line and the port has not taken the rest: what the
         * reader sends now answers nothing we sent, and a reply would cut our message short
         * (a port that takes a few bytes per write, IEC 62056-21 is half duplex): dropped */
        const bool on_line = s->tx_sent > 0u && s->tx_sent < s->tx_len;
        if (err == OMP_OK && on_line) {
            s->rx.bad++;
        } else if (err == OMP_OK) {
            handle_msg(s, now_ms, &m);
        } else if (err == OMP_ERR_CRC) {
            s->bcc_errors++;
            if (!on_line && (s->state == ST_P0 || s->state == ST_WAIT_PW || s->state == ST_PROG)) {
                /* ti in programming mode; before the password the reader gets one more Tr */
                s->deadline_ms = add_ms(now_ms, (s->state == ST_PROG)
                                                    ? s->cfg.ti_ms
                                                    : s->cfg.tr_min_ms + s->cfg.tr_pw_ms);
                put_single(s, OMP_IEC21_NAK, add_ms(now_ms, s->cfg.tr_min_ms));
            }
        } else if (err == OMP_ERR_TRUNCATED || err == OMP_ERR_ARG) {
            return;
        }
        /* MALFORMED / NOSPACE: dropped and counted by the framer; go on with the rest */
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Timers and output                                                                           */
/* ------------------------------------------------------------------------------------------ */

/* Next chunk of a readout into txbuf: STX and line 0, a line, or `!` CR LF ETX BCC. */
static void next_readout_chunk(struct omp_iec21_server *s)
{
    const enum omp_iec21_list list =
        (s->state == ST_D0) ? OMP_IEC21_LIST_D0 : OMP_IEC21_LIST_READOUT;
    size_t head = 0u;
    if (s->line == 0u) {
        s->txbuf[0] = OMP_IEC21_STX;
        head = 1u;
    }
    struct omp_wr w = omp_wr_init(s->txbuf + head, sizeof s->txbuf - 8u);
    omp_err err = s->app->readout_line(s->user, list, s->line, &w);
    const size_t n = omp_wr_len(&w);
    if (err == OMP_OK && omp_wr_status(&w) == OMP_OK && data_clean(s->txbuf + head, n) &&
        s->line < LINE_END - 1u) {
        s->bcc ^= omp_iec21_bcc(s->txbuf + head, n);
        s->line++;
        queue_tx(s, head + n, 0u);
        return;
    }
    /* NOT_FOUND after the last line, or an error: end the readout here */
    static const uint8_t k_end[4] = {(uint8_t)'!', OMP_IEC21_CR, OMP_IEC21_LF, OMP_IEC21_ETX};
    memcpy(s->txbuf + head, k_end, sizeof k_end);
    s->bcc ^= omp_iec21_bcc(k_end, sizeof k_end);
    s->txbuf[head + 4u] = s->bcc;
    s->line = LINE_END;
    queue_tx(s, head + 5u, 0u);
}

static void tx_done(struct omp_iec21_server *s)
{
    if (s->close_after_tx) { /* the session timed out while this went out */
        s->close_after_tx = false;
        drop_tx(s);
        go_idle(s);
        return;
    }
    switch (s->state) {
    case ST_IDENT:
        s->state = ST_WAIT_OPTION;
        drop_tx(s);
        break;
    case ST_D0_IDENT:
        s->state = ST_D0;
        s->line = 0u;
        s->bcc = 0u;
        drop_tx(s);
        break;
    case ST_P0:
        s->state = ST_WAIT_PW;
        break;
    case ST_BREAK:
        drop_tx(s);
        go_idle(s);
        break;
    case ST_READOUT:
    case ST_D0:
        if (s->line == LINE_END) {
            go_idle(s);
        }
        drop_tx(s);
        break;
    default:
        break;
    }
}

static void start_d0(struct omp_iec21_server *s, uint64_t now)
{
    const uint32_t iv = s->cfg.d0_interval_ms;
    if (iv == 0u || now < s->d0_next_ms) {
        return;
    }
    /* the next slot after now (one readout per slot; missed slots are skipped) */
    const uint64_t late = now - s->d0_next_ms;
    const uint64_t steps = late / iv + 1u;
    s->d0_next_ms =
        (steps > (UINT64_MAX - s->d0_next_ms) / iv) ? UINT64_MAX : s->d0_next_ms + steps * iv;
    if (s->state != ST_IDLE || s->tx_sent < s->tx_len || rx_active(s, now)) {
        return; /* Kamstrup: D0 only when the channel is idle; this one is skipped */
    }
    s->d0_sent++;
    s->state = ST_D0_IDENT;
    s->want_baud = change_to(s, s->cfg.d0_baud);
    s->last_cmd_kind = LAST_NONE;
    queue_tx(s, put_ident(s, omp_iec21_baud_char(s->cfg.d0_baud)), now);
}

static void timers(struct omp_iec21_server *s, uint64_t now)
{
    if (s->locked_until_ms != 0u && now >= s->locked_until_ms) {
        s->locked_until_ms = 0u; /* lock-out over */
        s->failures = 0u;
    }
    if (s->rx.have > 0u && !s->rx.delivered && !rx_active(s, now)) {
        omp_iec21_rx_reset(&s->rx); /* ta: a half message is dropped */
        s->rx.bad++;
    }
    switch (s->state) {
    case ST_WAIT_OPTION:
        if (now >= s->deadline_ms && !rx_active(s, now)) {
            /* tt: no option select -> readout at the current rate (mode A) */
            s->readouts++;
            start_readout(s, ST_READOUT, s->baud, now);
        }
        break;
    case ST_P0:
    case ST_WAIT_PW:
    case ST_PROG:
        if (now >= s->deadline_ms) {
            s->timeouts++; /* ti, or Tr for the password */
            s->deadline_ms = UINT64_MAX;
            if (s->tx_sent > 0u && s->tx_sent < s->tx_len) {
                s->close_after_tx = true; /* half a frame would garble the line: finish it */
            } else {
                drop_tx(s);
                go_idle(s);
            }
        }
        break;
    default:
        break;
    }
    start_d0(s, now);
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return (a < b) ? a : b;
}

void omp_iec21_server_poll(struct omp_iec21_server *s, uint64_t now_ms, struct omp_iec21_out *out)
{
    if (out == NULL) {
        return;
    }
    memset(out, 0, sizeof *out);
    out->wake_ms = UINT64_MAX;
    if (s == NULL || s->app == NULL) {
        return;
    }
    timers(s, now_ms);
    if ((s->state == ST_READOUT || s->state == ST_D0) && s->tx_sent >= s->tx_len &&
        s->line != LINE_END && now_ms >= s->due_ms) {
        next_readout_chunk(s);
    }
    uint64_t wake = UINT64_MAX;
    out->baud = s->want_baud;
    if (s->tx_sent < s->tx_len) {
        if (now_ms >= s->due_ms) {
            out->tx = s->txbuf + s->tx_sent;
            out->tx_len = s->tx_len - s->tx_sent;
            wake = now_ms; /* once the port has taken them, there is more to do */
            /* tt (after the identification) and Tr (after P0) run from the end of the
             * message on the line: now + its airtime at the rate it goes out with */
            const uint32_t air =
                airtime_ms(s->tx_len, (s->want_baud != 0u) ? s->want_baud : s->baud);
            if (s->state == ST_IDENT && s->deadline_ms == UINT64_MAX) {
                s->deadline_ms = add_ms(add_ms(now_ms, air),
                                        s->cfg.mode_c ? s->cfg.tt_ms : s->cfg.tr_min_ms);
            } else if ((s->state == ST_P0 || s->state == ST_WAIT_PW) &&
                       s->deadline_ms == UINT64_MAX) {
                s->deadline_ms = add_ms(add_ms(now_ms, air), s->cfg.tr_pw_ms);
            }
        } else {
            wake = s->due_ms;
        }
    } else if ((s->state == ST_READOUT || s->state == ST_D0) && s->line != LINE_END) {
        wake = s->due_ms; /* first chunk waits for tr */
    }
    switch (s->state) {
    case ST_WAIT_OPTION:
        wake = min_u64(wake, (s->deadline_ms > now_ms || !rx_active(s, now_ms))
                                 ? s->deadline_ms
                                 : add_ms(add_ms(s->rx.last_ms, s->rx.ta_ms), 1u));
        break;
    case ST_P0:
    case ST_WAIT_PW:
    case ST_PROG:
        wake = min_u64(wake, s->deadline_ms);
        break;
    default:
        break;
    }
    if (s->cfg.d0_interval_ms != 0u) {
        wake = min_u64(wake, s->d0_next_ms);
    }
    if (s->locked_until_ms != 0u) {
        wake = min_u64(wake, s->locked_until_ms);
    }
    out->wake_ms = wake;
}

void omp_iec21_server_sent(struct omp_iec21_server *s, size_t n)
{
    if (s == NULL) {
        return;
    }
    if (s->want_baud != 0u) {
        s->baud = s->want_baud;
        s->want_baud = 0u;
    }
    const size_t rem = s->tx_len - s->tx_sent;
    if (n > rem) {
        n = rem;
    }
    if (n == 0u) {
        return;
    }
    s->tx_sent += n;
    if (s->tx_sent == s->tx_len) {
        tx_done(s);
    }
}

bool omp_iec21_server_busy(const struct omp_iec21_server *s)
{
    return s != NULL && (s->state != ST_IDLE || s->tx_sent < s->tx_len);
}

#else
typedef int omp_iec21_server_unused; /* ISO C forbids an empty translation unit */
#endif /* OMP_CONFIG_IEC21 */

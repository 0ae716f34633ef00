/*
 * IEC 62056-21 reader side (client): modes A and C, data readout and programming mode, and the
 * listener of mode D (IEC 62056-21:2002 clauses 6.3, 6.4.4 and 6.4.5; Kamstrup IEC 1107 doc
 * 55121458 sections 7 and 8, D0).
 *
 * The exchange, as the client drives it (all times are the caller's now_ms):
 *
 *   start      queue `/? addr ! CRLF` with out.baud = 300
 *   IDENT      mode A: wait readout_ms for `STX data ETX BCC` at 300 Bd, no option select
 *              mode C: after tr_min (200 ms, see below) send `ACK 0 Z Y CRLF` at 300 Bd,
 *              Z = min(meter's Z, baud char of max_baud); once the port has taken those bytes
 *              (omp_iec21_client_sent), the next poll asks for the new rate (out.baud)
 *   Y = '0'    wait reply_ms for the readout -> READOUT (bad BCC -> FAILED OMP_ERR_CRC: the
 *              standard has no NAK/repeat in the readout mode and the meter is back at 300 Bd)
 *   Y = '1'    wait for `SOH P0 STX (..) ETX BCC` (bad BCC -> NAK, up to retries), send
 *              `SOH P1 STX (password) ETX BCC`; ACK -> READY, break `SOH B0 ETX BCC` -> FAILED
 *              OMP_ERR_DENIED, NAK (the meter got a bad P1) -> P1 again, up to retries
 *   READY      omp_iec21_client_command() -> reply ACK, NAK, DATA (incl. `ER..`) or PARTIAL ->
 *              REPLY; a reply with bad BCC -> NAK (up to retries, then FAILED OMP_ERR_CRC);
 *              after PARTIAL, omp_iec21_client_next_block() sends ACK for the next block
 *   break      `SOH B0 ETX BCC` -> CLOSED once the port has taken it
 *
 * Mode D (listen only, the consumer side of Kamstrup's D0): nothing is ever sent. start asks
 * once for out.baud = max_baud (the rate the meter sends at), then the client waits readout_ms
 * from start (0: no limit) for `/XXXZ ident CRLF` followed by `STX data ETX BCC` -> READOUT, the
 * ident filled from the identification right before the data message. A data message without
 * one (a listener that joined during the identification) is a readout too, with an empty ident;
 * anything else between the two (another message, a dropped one) forgets the identification.
 * A data message with a bad BCC is counted (bcc_errors) and the client listens for the next
 * one: the meter sends again at its next interval, and a listener cannot ask for a repeat.
 * Other messages (requests, option selects, partial blocks of other readers) are ignored.
 *
 * Timing: IEC 62056-21 clause 6.3.14 states the reaction time tr (200 ms .. 1500 ms) as the time
 * between the reception of a message and the transmission of the answer, for either station; the
 * client therefore answers no sooner than CLIENT_TR_MIN_MS after the last message it received
 * (the 20 ms variant is not used). A wait for an answer starts when the port has taken the last
 * byte of the client's message (first poll or rx after omp_iec21_client_sent()); once a message
 * has started to arrive, characters may be ta_ms apart.
 *
 * Not handled: echoing lines (the client's own bytes read back), mode B, mode E (HDLC, Y = '2'),
 * manufacturer modes (Y = '6'..'9').
 */
#include "omnipower/config.h"

#if OMP_CONFIG_IEC21 /* the whole file: module switch, config.h */

#include <string.h>

#include "omnipower/core.h"
#include "omnipower/iec62056_21.h"

/* Earliest answer after a received message (IEC 62056-21 clause 6.3.14, tr >= 200 ms). */
#define CLIENT_TR_MIN_MS 200u
/* Smallest receive buffer accepted by omp_iec21_client_start (header contract). */
#define CLIENT_BUF_MIN 64u
/* Initial rate of every sign-on (clause 6.3.14 / 6.4.5: 300 Bd, 7E1). */
#define CLIENT_BAUD_INITIAL 300u

/* Private phases (c->phase): what the client waits for. A message of the client may be pending
 * (c->tx_sent < c->tx_len) in any of them; c->deadline_ms is then its earliest send time. */
enum {
    PH_NONE = 0,     /* not busy: READY, REPLY, or a final state */
    PH_WAIT_IDENT,   /* request queued or sent */
    PH_OPTION,       /* option select queued (mode C) */
    PH_WAIT_READOUT, /* data message of the readout */
    PH_WAIT_P0,      /* password prompt */
    PH_WAIT_PACK,    /* ACK (or break) after P1 */
    PH_WAIT_REPLY,   /* reply to a command or to the ACK of a partial block */
    PH_BREAK,        /* B0 queued: CLOSED once taken */
    PH_LISTEN,       /* mode D: identification and data message; nothing is sent */
};

static uint64_t after_ms(uint64_t t, uint32_t ms)
{
    return (t > UINT64_MAX - ms) ? UINT64_MAX : t + ms;
}

static bool tx_pending(const struct omp_iec21_client *c)
{
    return c->tx_sent < c->tx_len;
}

/* Length of a NUL-terminated string in a fixed array, or cap + 1 if it has no NUL. */
static size_t field_len(const char *s, size_t cap)
{
    const char *nul = memchr(s, '\0', cap);
    return (nul == NULL) ? cap + 1u : (size_t)(nul - s);
}

static void fail(struct omp_iec21_client *c, omp_err err)
{
    c->st = OMP_IEC21_CLIENT_FAILED;
    c->err = err;
    c->phase = PH_NONE;
    c->tx_len = 0;
    c->tx_sent = 0;
    c->want_baud = 0;
    c->deadline_ms = UINT64_MAX;
}

/* Queue a message built by the caller in c->txbuf (@p w), to be sent at @p due_ms. */
static void queue(struct omp_iec21_client *c, const struct omp_wr *w, uint64_t due_ms)
{
    c->tx_len = omp_wr_len(w);
    c->tx_sent = 0;
    c->deadline_ms = due_ms;
}

/* Single-character message (ACK or NAK). The buffer always has room for it. */
static void queue_char(struct omp_iec21_client *c, uint8_t ch, uint64_t due_ms)
{
    c->txbuf[0] = ch;
    c->tx_len = 1u;
    c->tx_sent = 0;
    c->deadline_ms = due_ms;
}

/* The P1 password: at most 16 characters that may stand in a data-set value (clause 6.5:
 * printable, not ( ) * / !). */
static bool password_ok(const struct omp_iec21_client_cfg *cfg)
{
    const size_t n = field_len(cfg->password, sizeof cfg->password);
    if (n > OMP_IEC21_PASSWORD_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        const char ch = cfg->password[i];
        if (ch < 0x20 || ch > 0x7E || ch == '(' || ch == ')' || ch == '*' || ch == '/' ||
            ch == '!') {
            return false;
        }
    }
    return true;
}

/* `SOH P1 STX ( password ) ETX BCC` into txbuf. */
static omp_err build_p1(struct omp_iec21_client *c, struct omp_wr *w)
{
    uint8_t data[OMP_IEC21_PASSWORD_MAX + 2u];
    const size_t n = field_len(c->cfg.password, sizeof c->cfg.password);
    if (n > OMP_IEC21_PASSWORD_MAX) {
        return OMP_ERR_ARG;
    }
    data[0] = '(';
    memcpy(&data[1], c->cfg.password, n);
    data[n + 1u] = ')';
    *w = omp_wr_init(c->txbuf, sizeof c->txbuf);
    return omp_iec21_put_command(w, 'P', '1', true, data, n + 2u);
}

/* Baud-rate character the client selects: the lower of the meter's offer and max_baud
 * (Kamstrup: the reader chooses any rate up to the identification's Z). A Z outside '0'..'6'
 * (not a mode C meter) gives '0', 300 Bd. */
static uint8_t chosen_char(const struct omp_iec21_client *c)
{
    const uint8_t want = omp_iec21_baud_char(c->cfg.max_baud);
    if (c->baud_char < '0' || c->baud_char > '6' || want == 0u) {
        return '0';
    }
    return (c->baud_char < want) ? c->baud_char : want;
}

/* How long to wait for the answer to the message just sent in the current phase. */
static uint32_t wait_ms(const struct omp_iec21_client *c)
{
    return (c->phase == PH_WAIT_READOUT && c->cfg.mode == 'A') ? c->cfg.readout_ms
                                                               : c->cfg.reply_ms;
}

/* A message with a bad BCC in a phase where the meter repeats on NAK. */
static void nak_or_fail(struct omp_iec21_client *c, uint64_t now_ms)
{
    if (c->naks < c->cfg.retries) {
        c->naks++;
        queue_char(c, OMP_IEC21_NAK, after_ms(now_ms, CLIENT_TR_MIN_MS));
    } else {
        fail(c, OMP_ERR_CRC);
    }
}

static bool is_break(const struct omp_iec21_msg *m)
{
    return m->kind == OMP_IEC21_MSG_COMMAND && m->cmd == 'B';
}

/* Keep the identification's manufacturer, Z and ident. */
static void take_ident(struct omp_iec21_client *c, const struct omp_iec21_msg *m)
{
    memcpy(c->mfr, m->mfr, sizeof c->mfr);
    c->mfr[3] = '\0';
    c->baud_char = m->baud_char;
    size_t n = m->ident.len;
    if (n > OMP_IEC21_IDENT_MAX) {
        n = OMP_IEC21_IDENT_MAX; /* the codec enforces the limit; keep the copy bounded anyway */
    }
    if (n != 0u && m->ident.ptr != NULL) {
        memcpy(c->ident, m->ident.ptr, n);
    }
    c->ident[n] = '\0';
}

/* Mode D: the identification kept does not belong to the next data message. */
static void forget_ident(struct omp_iec21_client *c)
{
    memset(c->mfr, 0, sizeof c->mfr);
    c->baud_char = 0;
    memset(c->ident, 0, sizeof c->ident);
}

static void on_ident(struct omp_iec21_client *c, uint64_t now_ms, const struct omp_iec21_msg *m)
{
    take_ident(c, m);
    if (c->cfg.mode == 'A') {
        c->phase = PH_WAIT_READOUT;
        c->deadline_ms = after_ms(now_ms, c->cfg.readout_ms);
        return;
    }
    struct omp_wr w = omp_wr_init(c->txbuf, sizeof c->txbuf);
    if (omp_iec21_put_option(&w, '0', chosen_char(c), c->cfg.option) != OMP_OK) {
        fail(c, OMP_ERR_INTERNAL); /* fixed characters in a 64+ byte buffer: cannot happen */
        return;
    }
    c->phase = PH_OPTION;
    queue(c, &w, after_ms(now_ms, CLIENT_TR_MIN_MS));
}

/* Entering READY or REPLY: deadline_ms becomes the earliest time of the next message. */
static void settle(struct omp_iec21_client *c, enum omp_iec21_client_state st, uint64_t now_ms)
{
    c->st = st;
    c->phase = PH_NONE;
    c->deadline_ms = after_ms(now_ms, CLIENT_TR_MIN_MS);
}

/* Mode D: one framer result. An identification is kept for the data message right after it;
 * a data message ends the wait (bad BCC: counted, wait for the next one). */
static void on_listen(struct omp_iec21_client *c, omp_err e, const struct omp_iec21_msg *m)
{
    if (e == OMP_OK && m->kind == OMP_IEC21_MSG_IDENT) {
        take_ident(c, m);
        return;
    }
    if (e == OMP_OK && m->kind == OMP_IEC21_MSG_DATA) {
        c->reply = *m;
        c->st = OMP_IEC21_CLIENT_READOUT;
        c->phase = PH_NONE;
        c->deadline_ms = UINT64_MAX;
        return;
    }
    if (e == OMP_ERR_NOSPACE) {
        fail(c, OMP_ERR_NOSPACE); /* the meter's message does not fit the caller's buffer */
        return;
    }
    if (e == OMP_ERR_CRC && c->bcc_errors < UINT32_MAX) {
        c->bcc_errors++;
    }
    forget_ident(c); /* a dropped message or another one came between ident and data */
}

/* A message while waiting for the meter's P0 (password request): answer it with P1. */
static void on_p0(struct omp_iec21_client *c, uint64_t now_ms, const struct omp_iec21_msg *m)
{
    if (m->kind == OMP_IEC21_MSG_COMMAND && m->cmd == 'P' && m->cmd_type == '0') {
        struct omp_wr w;
        if (build_p1(c, &w) != OMP_OK) {
            fail(c, OMP_ERR_INTERNAL); /* checked by omp_iec21_client_start */
            return;
        }
        c->phase = PH_WAIT_PACK;
        c->naks = 0;
        queue(c, &w, after_ms(now_ms, CLIENT_TR_MIN_MS));
    } else if (is_break(m)) {
        fail(c, OMP_ERR_DENIED);
    } else if (m->kind == OMP_IEC21_MSG_DATA || m->kind == OMP_IEC21_MSG_PARTIAL ||
               m->kind == OMP_IEC21_MSG_ACK || m->kind == OMP_IEC21_MSG_NAK) {
        fail(c, OMP_ERR_PROTOCOL);
    }
}

/* A message while waiting for the meter's answer to P1 (the password). */
static void on_p1_answer(struct omp_iec21_client *c, uint64_t now_ms,
                         const struct omp_iec21_msg *m)
{
    if (m->kind == OMP_IEC21_MSG_ACK) {
        c->naks = 0;
        settle(c, OMP_IEC21_CLIENT_READY, now_ms);
    } else if (m->kind == OMP_IEC21_MSG_NAK) {
        if (c->naks < c->cfg.retries) { /* the meter got a bad P1: send it again */
            c->naks++;
            c->tx_sent = 0;
            c->deadline_ms = after_ms(now_ms, CLIENT_TR_MIN_MS);
        } else {
            fail(c, OMP_ERR_CRC);
        }
    } else if (is_break(m)) {
        fail(c, OMP_ERR_DENIED);
    } else if (m->kind == OMP_IEC21_MSG_DATA || m->kind == OMP_IEC21_MSG_PARTIAL) {
        fail(c, OMP_ERR_PROTOCOL);
    }
}

/* One framer result while waiting (no message of the client pending). */
static void on_result(struct omp_iec21_client *c, uint64_t now_ms, omp_err e,
                      const struct omp_iec21_msg *m)
{
    if (c->phase == PH_LISTEN) {
        on_listen(c, e, m);
        return;
    }
    if (e == OMP_ERR_CRC) {
        if (c->phase == PH_WAIT_READOUT) {
            fail(c, OMP_ERR_CRC);
        } else if (c->phase == PH_WAIT_P0 || c->phase == PH_WAIT_REPLY) {
            nak_or_fail(c, now_ms);
        }
        return; /* WAIT_IDENT, WAIT_PACK: no BCC message expected there; skip it */
    }
    if (e == OMP_ERR_NOSPACE) {
        if (c->phase != PH_WAIT_IDENT) {
            fail(c, OMP_ERR_NOSPACE); /* the expected message does not fit the caller's buffer */
        }
        return;
    }
    if (e != OMP_OK) {
        return; /* MALFORMED: garbage or a broken message, dropped and counted by the framer */
    }
    switch (c->phase) {
    case PH_WAIT_IDENT:
        if (m->kind == OMP_IEC21_MSG_IDENT) {
            on_ident(c, now_ms, m);
        }
        break;
    case PH_WAIT_READOUT:
        if (m->kind == OMP_IEC21_MSG_DATA) {
            c->reply = *m;
            c->st = OMP_IEC21_CLIENT_READOUT;
            c->phase = PH_NONE;
            c->deadline_ms = UINT64_MAX;
        } else if (m->kind == OMP_IEC21_MSG_PARTIAL || is_break(m)) {
            fail(c, OMP_ERR_PROTOCOL);
        }
        break;
    case PH_WAIT_P0:
        on_p0(c, now_ms, m);
        break;
    case PH_WAIT_PACK:
        on_p1_answer(c, now_ms, m);
        break;
    case PH_WAIT_REPLY:
        if (m->kind == OMP_IEC21_MSG_ACK || m->kind == OMP_IEC21_MSG_NAK ||
            m->kind == OMP_IEC21_MSG_DATA || m->kind == OMP_IEC21_MSG_PARTIAL) {
            c->reply = *m;
            settle(c, OMP_IEC21_CLIENT_REPLY, now_ms);
        } else if (is_break(m)) {
            fail(c, OMP_ERR_PROTOCOL);
        }
        break;
    default:
        break;
    }
}

/* If the answer's wait was not started yet (the port took our message since the last call),
 * start it now. */
static void arm(struct omp_iec21_client *c, uint64_t now_ms)
{
    if (!tx_pending(c) && c->deadline_ms == 0u) {
        c->deadline_ms = after_ms(now_ms, wait_ms(c));
    }
}

void omp_iec21_client_cfg_default(struct omp_iec21_client_cfg *cfg)
{
    if (cfg == NULL) {
        return;
    }
    memset(cfg, 0, sizeof *cfg);
    cfg->mode = 'C';
    cfg->option = '0';
    cfg->max_baud = 9600u;
    cfg->reply_ms = 2000u;
    cfg->ta_ms = 1500u;
    cfg->readout_ms = 5000u;
    cfg->retries = 3u;
}

/* Mode D: nothing to send; ask for the rate once, listen from now on. */
static omp_err start_listen(struct omp_iec21_client *c, const struct omp_iec21_client_cfg *cfg,
                            uint8_t *buf, size_t cap, uint64_t now_ms)
{
    if (omp_iec21_baud_char(cfg->max_baud) == 0u) {
        return OMP_ERR_ARG;
    }
    memset(c, 0, sizeof *c);
    c->cfg = *cfg;
    c->st = OMP_IEC21_CLIENT_BUSY;
    c->err = OMP_OK;
    c->phase = PH_LISTEN;
    c->want_baud = cfg->max_baud;
    omp_iec21_rx_init(&c->rx, buf, cap, cfg->ta_ms);
    c->deadline_ms = (cfg->readout_ms == 0u) ? UINT64_MAX : after_ms(now_ms, cfg->readout_ms);
    return OMP_OK;
}

omp_err omp_iec21_client_start(struct omp_iec21_client *c, const struct omp_iec21_client_cfg *cfg,
                               uint8_t *buf, size_t cap, uint64_t now_ms)
{
    if (c == NULL || cfg == NULL || buf == NULL || cap < CLIENT_BUF_MIN) {
        return OMP_ERR_ARG;
    }
    if (cfg->mode == 'D') {
        return start_listen(c, cfg, buf, cap, now_ms);
    }
    if (cfg->mode != 'A' && cfg->mode != 'C') {
        return OMP_ERR_ARG;
    }
    if (cfg->mode == 'C' &&
        ((cfg->option != '0' && cfg->option != '1') || omp_iec21_baud_char(cfg->max_baud) == 0u)) {
        return OMP_ERR_ARG;
    }
    if (cfg->reply_ms == 0u || (cfg->mode == 'A' && cfg->readout_ms == 0u)) {
        return OMP_ERR_ARG;
    }
    const size_t alen = field_len(cfg->address, sizeof cfg->address);
    if (alen > OMP_IEC21_ADDRESS_MAX) {
        return OMP_ERR_ARG;
    }
    if (cfg->mode == 'C' && cfg->option == '1' && !password_ok(cfg)) {
        return OMP_ERR_ARG;
    }
    uint8_t request[OMP_IEC21_ADDRESS_MAX + 5u]; /* `/?` address `!` CR LF */
    struct omp_wr w = omp_wr_init(request, sizeof request);
    if (omp_iec21_put_request(&w, cfg->address, alen) != OMP_OK) {
        return OMP_ERR_ARG; /* address characters outside [0-9A-Za-z ] */
    }
    memset(c, 0, sizeof *c);
    c->cfg = *cfg;
    c->st = OMP_IEC21_CLIENT_BUSY;
    c->err = OMP_OK;
    c->phase = PH_WAIT_IDENT;
    c->baud = 0;
    c->want_baud = CLIENT_BAUD_INITIAL;
    memcpy(c->txbuf, request, omp_wr_len(&w));
    omp_iec21_rx_init(&c->rx, buf, cap, cfg->ta_ms);
    c->tx_len = omp_wr_len(&w);
    c->tx_sent = 0;
    c->deadline_ms = now_ms;
    return OMP_OK;
}

void omp_iec21_client_rx(struct omp_iec21_client *c, uint64_t now_ms, const uint8_t *data,
                         size_t len)
{
    if (c == NULL || data == NULL || c->st != OMP_IEC21_CLIENT_BUSY || c->phase == PH_BREAK) {
        return; /* READY, REPLY and final states keep the last message intact */
    }
    arm(c, now_ms);
    unsigned stalls = 0; /* feeds in a row that consumed nothing (a dropped message's last
                            character is looked at again as a possible start) */
    while (len > 0u && c->st == OMP_IEC21_CLIENT_BUSY && stalls < 2u) {
        size_t used = 0;
        struct omp_iec21_msg m;
        memset(&m, 0, sizeof m);
        const omp_err e = omp_iec21_rx_feed(&c->rx, now_ms, data, len, &used, &m);
        if (used > len) {
            used = len;
        }
        data += used;
        len -= used;
        if (e == OMP_ERR_TRUNCATED || e == OMP_ERR_ARG) {
            break;
        }
        if (!tx_pending(c)) {
            on_result(c, now_ms, e, &m); /* a message while ours is still queued is stale */
        }
        stalls = (used == 0u) ? stalls + 1u : 0u;
    }
    /* a message has started to arrive: its characters may be ta apart */
    if (c->st == OMP_IEC21_CLIENT_BUSY && !tx_pending(c) && c->phase != PH_OPTION &&
        !c->rx.delivered && c->rx.have > 0u && c->cfg.ta_ms > 0u) {
        const uint64_t ta_end = after_ms(now_ms, c->cfg.ta_ms);
        if (c->deadline_ms < ta_end) {
            c->deadline_ms = ta_end;
        }
    }
}

void omp_iec21_client_poll(struct omp_iec21_client *c, uint64_t now_ms, struct omp_iec21_out *out)
{
    if (out == NULL) {
        return;
    }
    out->baud = 0;
    out->tx = NULL;
    out->tx_len = 0;
    out->wake_ms = UINT64_MAX;
    if (c == NULL || c->st != OMP_IEC21_CLIENT_BUSY) {
        return;
    }
    out->baud = c->want_baud;
    if (tx_pending(c)) {
        if (now_ms >= c->deadline_ms) {
            out->tx = &c->txbuf[c->tx_sent];
            out->tx_len = c->tx_len - c->tx_sent;
            out->wake_ms = after_ms(now_ms, c->cfg.reply_ms);
        } else {
            out->wake_ms = c->deadline_ms;
        }
        return;
    }
    arm(c, now_ms);
    if (now_ms >= c->deadline_ms) {
        fail(c, OMP_ERR_TIMEOUT);
        out->baud = 0;
        return;
    }
    out->wake_ms = c->deadline_ms;
}

void omp_iec21_client_sent(struct omp_iec21_client *c, size_t n)
{
    if (c == NULL) {
        return;
    }
    if (c->want_baud != 0u) {
        c->baud = c->want_baud; /* reported by the last poll and applied by the port */
        c->want_baud = 0;
    }
    if (c->st != OMP_IEC21_CLIENT_BUSY || !tx_pending(c)) {
        return;
    }
    const size_t rest = c->tx_len - c->tx_sent;
    c->tx_sent += (n < rest) ? n : rest;
    if (tx_pending(c)) {
        return;
    }
    /* the last byte of the message is with the port */
    c->deadline_ms = 0; /* the wait for the answer starts at the next poll or rx */
    if (c->phase == PH_OPTION) {
        c->phase = (c->cfg.option == '1') ? PH_WAIT_P0 : PH_WAIT_READOUT;
        c->naks = 0;
        const uint32_t rate = omp_iec21_baud(chosen_char(c));
        if (rate != 0u && rate != c->baud) {
            c->want_baud = rate; /* after the option select has gone at the old rate */
        }
    } else if (c->phase == PH_BREAK) {
        c->st = OMP_IEC21_CLIENT_CLOSED;
        c->phase = PH_NONE;
        c->deadline_ms = UINT64_MAX;
    }
}

omp_err omp_iec21_client_readout(const struct omp_iec21_client *c, struct omp_iec21_span *data)
{
    if (c == NULL || data == NULL) {
        return OMP_ERR_ARG;
    }
    if (c->st != OMP_IEC21_CLIENT_READOUT) {
        return OMP_ERR_STATE;
    }
    *data = c->reply.data;
    return OMP_OK;
}

omp_err omp_iec21_client_command(struct omp_iec21_client *c, uint64_t now_ms, uint8_t cmd,
                                 uint8_t type, const uint8_t *data, size_t len)
{
    if (c == NULL || (data == NULL && len != 0u) || cmd == 'B') {
        return OMP_ERR_ARG; /* B0 goes through omp_iec21_client_break */
    }
    if (c->st != OMP_IEC21_CLIENT_READY &&
        !(c->st == OMP_IEC21_CLIENT_REPLY && c->reply.kind != OMP_IEC21_MSG_PARTIAL)) {
        return OMP_ERR_STATE;
    }
    struct omp_wr w = omp_wr_init(c->txbuf, sizeof c->txbuf);
    const omp_err err = omp_iec21_put_command(&w, cmd, type, true, data, len);
    if (err != OMP_OK) {
        return (err == OMP_ERR_NOSPACE) ? OMP_ERR_NOSPACE : OMP_ERR_ARG;
    }
    const uint64_t due = (now_ms > c->deadline_ms) ? now_ms : c->deadline_ms;
    omp_iec21_rx_reset(&c->rx);
    c->st = OMP_IEC21_CLIENT_BUSY;
    c->phase = PH_WAIT_REPLY;
    c->naks = 0;
    queue(c, &w, due);
    return OMP_OK;
}

omp_err omp_iec21_client_reply(struct omp_iec21_client *c, struct omp_iec21_msg *msg)
{
    if (c == NULL || msg == NULL) {
        return OMP_ERR_ARG;
    }
    if (c->st != OMP_IEC21_CLIENT_REPLY) {
        return OMP_ERR_STATE;
    }
    *msg = c->reply;
    if (c->reply.kind != OMP_IEC21_MSG_PARTIAL) {
        c->st = OMP_IEC21_CLIENT_READY;
    }
    return OMP_OK;
}

omp_err omp_iec21_client_next_block(struct omp_iec21_client *c, uint64_t now_ms)
{
    if (c == NULL) {
        return OMP_ERR_ARG;
    }
    if (c->st != OMP_IEC21_CLIENT_REPLY || c->reply.kind != OMP_IEC21_MSG_PARTIAL) {
        return OMP_ERR_STATE;
    }
    const uint64_t due = (now_ms > c->deadline_ms) ? now_ms : c->deadline_ms;
    omp_iec21_rx_reset(&c->rx);
    c->st = OMP_IEC21_CLIENT_BUSY;
    c->phase = PH_WAIT_REPLY;
    c->naks = 0;
    queue_char(c, OMP_IEC21_ACK, due);
    return OMP_OK;
}

omp_err omp_iec21_client_break(struct omp_iec21_client *c, uint64_t now_ms)
{
    if (c == NULL) {
        return OMP_ERR_ARG;
    }
    uint64_t due = now_ms;
    switch (c->st) {
    case OMP_IEC21_CLIENT_READY:
    case OMP_IEC21_CLIENT_REPLY:
        if (c->deadline_ms > due) {
            due = c->deadline_ms; /* tr after the last received message */
        }
        break;
    case OMP_IEC21_CLIENT_BUSY:
    case OMP_IEC21_CLIENT_FAILED:
        break;
    default:
        return OMP_ERR_STATE; /* IDLE, READOUT (exchange over), CLOSED */
    }
    if (c->phase == PH_BREAK) {
        return OMP_OK; /* already on its way */
    }
    if (c->cfg.mode == 'D') { /* a listener never sends: it just stops listening */
        c->st = OMP_IEC21_CLIENT_CLOSED;
        c->phase = PH_NONE;
        c->tx_len = 0;
        c->tx_sent = 0;
        c->want_baud = 0;
        c->deadline_ms = UINT64_MAX;
        return OMP_OK;
    }
    struct omp_wr w = omp_wr_init(c->txbuf, sizeof c->txbuf);
    if (omp_iec21_put_command(&w, 'B', '0', false, NULL, 0) != OMP_OK) {
        return OMP_ERR_INTERNAL; /* fixed 5 bytes in a 64+ byte buffer: cannot happen */
    }
    c->st = OMP_IEC21_CLIENT_BUSY;
    c->phase = PH_BREAK;
    queue(c, &w, due);
    return OMP_OK;
}

#else
typedef int omp_iec21_client_unused; /* ISO C forbids an empty translation unit */
#endif /* OMP_CONFIG_IEC21 */

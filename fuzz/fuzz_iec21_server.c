/*
 * IEC 62056-21 server (meter side) driven by a script from the fuzzer: a configuration byte, a
 * line-count byte, then operations (raw bytes or whole protocol messages received, one character
 * at a time or at once; time steps; a jump to the wake-up time), each followed by a poll loop
 * that sends everything due, sometimes in two pieces, as a port would. Checks:
 * - every output stays inside the server's buffer, asks only for 0 or a mode C rate no higher
 *   than the configured maximum or the D0 rate, and has wake_ms >= now (== now while sending);
 *   polling before wake_ms without input sends nothing;
 * - everything sent, concatenated, parses as a sequence of well-formed messages the meter may
 *   send (identification, ACK, NAK, P0, B0, data, partial block) with correct BCCs;
 * - programming mode needs the password: the command callback runs, and a data message or
 *   partial block is sent after the P0 prompt, only if the correct P1/P2 message was received
 *   since the last identification or break was sent; so does the ACK that accepts it;
 * - an error reply is the server's own `ER06` (unknown command) or `ER07` (device error: the
 *   application failed or broke its contract), or the application's `ER10` (its R2 reply).
 */
#include <string.h>

#include "fuzz.h"
#include "omnipower/iec62056_21.h"

#define SECRET "secret"
static const uint8_t k_good_p1[] = "\x01P1\x02(" SECRET ")\x03";
static const uint8_t k_good_p2[] = "\x01P2\x02(" SECRET ")\x03";

/* tokens a reader would send (BCCs are filled in at start-up) */
static const char *const k_tokens[] = {
    "/?!\r\n",
    "/?12345678!\r\n",
    "/?87654321!\r\n",
    "\x06"
    "050\r\n",
    "\x06"
    "051\r\n",
    "\x06"
    "031\r\n",
    "\x06"
    "056\r\n",
    "\x06"
    "0X0\r\n",
    "\x06"
    "060\r\n",
    "\x06",
    "\x15",
    "\x01P1\x02(" SECRET ")\x03?",
    "\x01P2\x02(" SECRET ")\x03?",
    "\x01P1\x02(secreT)\x03?",
    "\x01P1\x02()\x03?",
    "\x01"
    "B0\x03?",
    "\x01R1\x02"
    "1.8.0()\x03?",
    "\x01R2\x02"
    "1.8.0()\x03?",
    "\x01R3\x02"
    "1.8.0()\x03?",
    "\x01R4\x02"
    "1.8.0()\x03?",
    "\x01R5\x02"
    "1.0.0()\x03?",
    "\x01R6\x02"
    "99.1.0()\x03?",
    "\x01W1\x02"
    "131.0.3(0)\x03?",
    "\x01"
    "E2\x02"
    "1.8.0()\x03?",
    "\x01R7\x02"
    "1()\x03?",
    "\x01R1\x02"
    "1.8.0()\x03!", /* wrong BCC (kept as '!') */
    "\x02"
    "1(2)\x03?",
    "garbage\r\n",
    /* appended (the seeds' indices above stay): leading zeros of an all-digit address do not
     * count; R0 is not passed on (ER06) */
    "/?0012345678!\r\n",
    "\x01R0\x02\x03?",
};
#define NTOK (sizeof k_tokens / sizeof k_tokens[0])

struct harness {
    struct omp_iec21_server s;
    struct omp_iec21_server_cfg cfg;
    uint32_t max_baud;
    unsigned lines;
    /* what was received since the last identification or break was sent */
    uint8_t rxlog[4096];
    size_t rxlog_len;
    bool rxlog_overflow;
    /* what was sent, not yet parsed */
    uint8_t txlog[16384];
    size_t txlog_len;
    bool prompted; /* P0 sent in this session */
    bool authed;   /* the password's ACK sent in this session */
};

static struct harness g_h;

static bool contains(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
    for (size_t i = 0; i + m <= n; i++) {
        if (memcmp(hay + i, needle, m) == 0) {
            return true;
        }
    }
    return false;
}

static bool password_seen(const struct harness *h)
{
    if (h->rxlog_overflow) {
        return true; /* unknown: do not judge */
    }
    return contains(h->rxlog, h->rxlog_len, k_good_p1, sizeof k_good_p1 - 1u) ||
           contains(h->rxlog, h->rxlog_len, k_good_p2, sizeof k_good_p2 - 1u);
}

static omp_err app_line(void *user, enum omp_iec21_list list, size_t index, struct omp_wr *w)
{
    struct harness *h = user;
    const size_t n = (list == OMP_IEC21_LIST_D0) ? 1u : h->lines;
    if (index >= n) {
        return OMP_ERR_NOT_FOUND;
    }
    if (index == 3u) {
        return OMP_ERR_HAL; /* an application error ends the readout early */
    }
    omp_err err = omp_iec21_put_dataset(w, "1.8.0", "0000010", "kWh");
    if (err == OMP_OK && index == 1u) {
        err = omp_iec21_put_dataset(w, NULL, "00000101000000", NULL);
    }
    if (err == OMP_OK) {
        err = omp_wr_bytes(w, "\r\n", 2);
    }
    return err;
}

static omp_err app_command(void *user, const struct omp_iec21_msg *cmd, uint32_t block,
                           struct omp_wr *w, enum omp_iec21_reply *reply)
{
    struct harness *h = user;
    OMP_FUZZ_CHECK(password_seen(h));
    OMP_FUZZ_CHECK(cmd->kind == OMP_IEC21_MSG_COMMAND && cmd->cmd != 'P' && cmd->cmd != 'B');
    switch (cmd->cmd_type) {
    case '1':
        *reply = OMP_IEC21_REPLY_DATA;
        return omp_iec21_put_dataset(w, "1.8.0", "0000010", "kWh");
    case '2':
        *reply = OMP_IEC21_REPLY_ERROR;
        return omp_wr_bytes(w, "ER10", 4);
    case '3':
        *reply = OMP_IEC21_REPLY_NAK;
        return OMP_OK;
    case '4':
        return OMP_ERR_NOT_FOUND;
    case '5': {
        /* fill the room exactly: the largest reply */
        const size_t room = omp_wr_room(w);
        *reply = OMP_IEC21_REPLY_DATA;
        return omp_wr_fill(w, '7', room);
    }
    case '6':
        *reply = (block < 2u) ? OMP_IEC21_REPLY_PARTIAL : OMP_IEC21_REPLY_DATA;
        return omp_iec21_put_dataset(w, NULL, "01050101000000", NULL);
    default:
        *reply = OMP_IEC21_REPLY_ACK;
        return OMP_OK;
    }
}

static const struct omp_iec21_app k_app = {app_line, app_command};
static const struct omp_iec21_app k_app_readonly = {app_line, NULL};

static void rxlog_reset(struct harness *h)
{
    h->rxlog_len = 0;
    h->rxlog_overflow = false;
}

/* One message the server sent. */
static void on_sent_msg(struct harness *h, const struct omp_iec21_msg *m)
{
    switch (m->kind) {
    case OMP_IEC21_MSG_IDENT:
        h->prompted = false;
        h->authed = false;
        rxlog_reset(h);
        break;
    case OMP_IEC21_MSG_COMMAND:
        OMP_FUZZ_CHECK((m->cmd == 'P' && m->cmd_type == '0') ||
                       (m->cmd == 'B' && m->cmd_type == '0'));
        if (m->cmd == 'P') {
            OMP_FUZZ_CHECK(m->has_data && m->data.len == 2u && memcmp(m->data.ptr, "()", 2) == 0);
            h->prompted = true;
            h->authed = false;
        } else {
            OMP_FUZZ_CHECK(!m->has_data);
            h->prompted = false;
            h->authed = false;
            rxlog_reset(h);
        }
        break;
    case OMP_IEC21_MSG_ACK:
        if (h->prompted && !h->authed) {
            OMP_FUZZ_CHECK(password_seen(h));
            h->authed = true;
        }
        break;
    case OMP_IEC21_MSG_NAK:
        break;
    case OMP_IEC21_MSG_DATA:
    case OMP_IEC21_MSG_PARTIAL:
        OMP_FUZZ_CHECK(!h->prompted || password_seen(h));
        if (m->data.len >= 2u && memcmp(m->data.ptr, "ER", 2) == 0) {
            OMP_FUZZ_CHECK(m->kind == OMP_IEC21_MSG_DATA && m->data.len == 4u &&
                           (memcmp(m->data.ptr, "ER06", 4) == 0 ||
                            memcmp(m->data.ptr, "ER07", 4) == 0 ||
                            memcmp(m->data.ptr, "ER10", 4) == 0));
        }
        break;
    default:
        OMP_FUZZ_CHECK(false); /* a meter never sends a request or an option select */
        break;
    }
}

static void parse_txlog(struct harness *h)
{
    size_t off = 0;
    while (off < h->txlog_len) {
        struct omp_iec21_msg m;
        size_t used = 0;
        omp_err err = omp_iec21_parse(h->txlog + off, h->txlog_len - off, &m, &used);
        if (err == OMP_ERR_TRUNCATED) {
            break;
        }
        OMP_FUZZ_CHECK(err == OMP_OK);
        on_sent_msg(h, &m);
        off += used;
    }
    memmove(h->txlog, h->txlog + off, h->txlog_len - off);
    h->txlog_len -= off;
}

static bool baud_ok(const struct harness *h, uint32_t baud)
{
    if (baud == 0u || baud == 300u) {
        return true;
    }
    if (omp_iec21_baud_char(baud) == 0u) {
        return false;
    }
    return baud <= h->max_baud || (h->cfg.d0_interval_ms != 0u && baud == h->cfg.d0_baud);
}

/* Poll and send everything due at @p now; @p split: take the bytes in two pieces. */
static uint64_t drain(struct harness *h, uint64_t now, bool split)
{
    struct omp_iec21_server *s = &h->s;
    for (int guard = 0; guard < 100000; guard++) {
        struct omp_iec21_out out;
        omp_iec21_server_poll(s, now, &out);
        OMP_FUZZ_CHECK(baud_ok(h, out.baud));
        OMP_FUZZ_CHECK(out.wake_ms >= now);
        if (out.tx_len == 0) {
            OMP_FUZZ_CHECK(out.tx == NULL);
            omp_iec21_server_sent(s, 0);
            return out.wake_ms;
        }
        OMP_FUZZ_CHECK(out.wake_ms == now);
        OMP_FUZZ_CHECK(out.tx >= s->txbuf && out.tx + out.tx_len <= s->txbuf + sizeof s->txbuf);
        size_t take = (split && out.tx_len > 1u) ? out.tx_len / 2u : out.tx_len;
        OMP_FUZZ_CHECK(h->txlog_len + take <= sizeof h->txlog);
        memcpy(h->txlog + h->txlog_len, out.tx, take);
        h->txlog_len += take;
        omp_iec21_server_sent(s, take);
        parse_txlog(h);
    }
    OMP_FUZZ_CHECK(false); /* never stops sending */
    return now;
}

static void receive(struct harness *h, uint64_t now, const uint8_t *d, size_t n, bool bytewise)
{
    if (h->rxlog_len + n <= sizeof h->rxlog) {
        memcpy(h->rxlog + h->rxlog_len, d, n);
        h->rxlog_len += n;
    } else {
        h->rxlog_overflow = true;
    }
    if (bytewise) {
        for (size_t i = 0; i < n; i++) {
            omp_iec21_server_rx(&h->s, now, d + i, 1);
        }
    } else {
        omp_iec21_server_rx(&h->s, now, d, n);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) {
        return 0;
    }
    struct harness *h = &g_h;
    memset(h, 0, sizeof *h);
    const uint8_t c0 = data[0];
    const uint8_t c1 = data[1];
    data += 2;
    size -= 2;

    omp_iec21_server_cfg_default(&h->cfg);
    memcpy(h->cfg.password, SECRET, sizeof SECRET);
    h->cfg.mode_c = (c0 & 0x01u) == 0u;
    h->cfg.programming = (c0 & 0x02u) == 0u;
    if (c0 & 0x04u) {
        memcpy(h->cfg.address, "12345678", 9);
    }
    if (c0 & 0x08u) {
        h->cfg.d0_interval_ms = 5000u + 1000u * (uint32_t)(c1 >> 4);
    }
    h->cfg.max_failures = (c0 & 0x10u) ? 0u : 2u;
    static const uint32_t d0_rates[4] = {300, 2400, 9600, 19200};
    h->cfg.d0_baud = d0_rates[(c0 >> 5) & 3u];
    h->cfg.baud_char = (uint8_t)('0' + (c1 & 7u) % 7u);
    h->cfg.tr_min_ms = (c1 & 8u) ? 0u : 200u;
    h->max_baud = omp_iec21_baud(h->cfg.baud_char);
    h->lines = (unsigned)(c1 >> 4) % 6u;
    const struct omp_iec21_app *app = (c0 & 0x80u) ? &k_app_readonly : &k_app;
    OMP_FUZZ_CHECK(omp_iec21_server_init(&h->s, &h->cfg, app, h, 0) == OMP_OK);

    uint64_t now = 0;
    uint64_t wake = drain(h, now, false);
    size_t pos = 0;
    while (pos < size) {
        const uint8_t op = data[pos++];
        const uint8_t arg = (pos < size) ? data[pos] : 0u;
        const bool bytewise = (op & 0x08u) != 0u;
        const bool split = (op & 0x10u) != 0u;
        switch (op & 7u) {
        case 0:
        case 1: { /* raw bytes */
            pos++;
            size_t n = (size_t)(arg % 24u) + 1u;
            if (n > size - (pos < size ? pos : size)) {
                n = size - (pos < size ? pos : size);
            }
            receive(h, now, data + pos, n, bytewise);
            pos += n;
            break;
        }
        case 2:
        case 3: { /* a message */
            pos++;
            uint8_t tok[64];
            const char *t = k_tokens[arg % NTOK];
            size_t n = strlen(t);
            memcpy(tok, t, n);
            if (n >= 2u && tok[n - 1u] == '?' && (tok[0] == 0x01u || tok[0] == 0x02u)) {
                tok[n - 1u] = omp_iec21_bcc(tok + 1, n - 2u); /* fill in the BCC */
            }
            receive(h, now, tok, n, bytewise);
            break;
        }
        case 4: /* a short step */
            pos++;
            now += (uint64_t)arg * 10u;
            break;
        case 5: /* a long step */
            pos++;
            now += (uint64_t)arg * 1000u;
            break;
        default: /* to the wake-up time */
            if (wake != UINT64_MAX && wake > now && wake - now < 10000000u) {
                now = wake;
            }
            break;
        }
        /* nothing happens before the wake-up time unless bytes arrive */
        if ((op & 7u) >= 4u && now < wake) {
            struct omp_iec21_out out;
            omp_iec21_server_poll(&h->s, now, &out);
            OMP_FUZZ_CHECK(out.tx_len == 0u);
            omp_iec21_server_sent(&h->s, 0);
        }
        wake = drain(h, now, split);
    }
    return 0;
}

/*
 * The IEC 62056-21 reader (client) state machine fed by a hostile meter. Input format:
 *
 *   byte 0   configuration: bit 0 mode C (else A), bit 1 programming option '1' (else '0'), or,
 *            with bit 0 clear, mode D (listen only) instead of A; bits 2..4 max_baud 300 << n
 *            (n 0..6, 7 -> 9600; mode D: the rate listened at), bit 5 a 64-byte receive buffer
 *            (else 1024), bit 6 the port takes one byte per poll (else all), bit 7 retries 1
 *            (else 3; mode D: readout_ms 0, no time limit, else 5000)
 *   records  h = 0xFF: omp_iec21_client_break() now
 *            otherwise: time advances by {0, 20, 300, 1800} ms [h >> 5 & 3], the port runs, then
 *            the next (h & 0x1F) bytes (0..31) are received and the port runs again
 *
 * In READY the client sends the E3 clock read (R5) up to three times, then breaks; in REPLY the
 * reply is read and a partial block acknowledged. Checks, at every poll: what is handed out lies
 * inside the client's buffer and parses as exactly one well-formed IEC 62056-21 message, a rate
 * is one of 300..19200, wake_ms lies in the future, nothing is sent unless BUSY, internal counts
 * stay within their buffers; failures carry one of the documented errors; a readout or reply lies
 * inside the receive buffer. Mode D: nothing is ever sent, the only rate asked for is max_baud,
 * a readout's identification (if any) is a KAM-style one, and break closes without sending.
 * At the end, with every timer run out, the client is not BUSY (mode D without a time limit:
 * until a break).
 */
#include <string.h>

#include "fuzz.h"
#include "omnipower/iec62056_21.h"

struct fz {
    struct omp_iec21_client c;
    uint8_t buf[1024];
    size_t cap;
    uint64_t now;
    bool one_byte;
    unsigned commands;
};

static bool legal_baud(uint32_t b)
{
    return b == 0u || omp_iec21_baud_char(b) != 0u;
}

static bool in_rx(const struct fz *f, struct omp_iec21_span s)
{
    if (s.len == 0u) {
        return true;
    }
    return s.ptr >= f->buf && s.ptr + s.len <= f->buf + f->cap;
}

static void check_state(struct fz *f)
{
    const struct omp_iec21_client *c = &f->c;
    OMP_FUZZ_CHECK(c->st >= OMP_IEC21_CLIENT_BUSY && c->st <= OMP_IEC21_CLIENT_FAILED);
    OMP_FUZZ_CHECK(c->tx_sent <= c->tx_len && c->tx_len <= sizeof c->txbuf);
    OMP_FUZZ_CHECK(c->rx.have <= c->rx.cap && c->rx.cap == f->cap);
    OMP_FUZZ_CHECK(c->naks <= c->cfg.retries);
    OMP_FUZZ_CHECK(memchr(c->ident, '\0', sizeof c->ident) != NULL);
    OMP_FUZZ_CHECK(legal_baud(c->baud) && legal_baud(c->want_baud));
    /* a failure's reason stays after a break; FAILED always has one */
    OMP_FUZZ_CHECK(c->err == OMP_ERR_TIMEOUT || c->err == OMP_ERR_CRC ||
                   c->err == OMP_ERR_PROTOCOL || c->err == OMP_ERR_DENIED ||
                   c->err == OMP_ERR_NOSPACE ||
                   (c->err == OMP_OK && c->st != OMP_IEC21_CLIENT_FAILED));
    if (c->cfg.mode == 'D') {
        OMP_FUZZ_CHECK(c->tx_len == 0u && c->naks == 0u);
        OMP_FUZZ_CHECK(c->err == OMP_OK || c->err == OMP_ERR_TIMEOUT ||
                       c->err == OMP_ERR_NOSPACE);
        OMP_FUZZ_CHECK(c->baud == 0u || c->baud == c->cfg.max_baud);
        /* a forgotten identification is forgotten whole */
        OMP_FUZZ_CHECK(c->mfr[0] != '\0' || (c->ident[0] == '\0' && c->baud_char == 0u));
    }
    if (c->st == OMP_IEC21_CLIENT_READOUT) {
        struct omp_iec21_span d;
        OMP_FUZZ_CHECK(omp_iec21_client_readout(c, &d) == OMP_OK);
        OMP_FUZZ_CHECK(in_rx(f, d) && c->reply.kind == OMP_IEC21_MSG_DATA);
        /* walk the data sets: bounded, never past the data */
        struct omp_iec21_ds_iter it;
        struct omp_iec21_dataset ds;
        omp_iec21_ds_init(&it, d.ptr, d.len);
        for (int i = 0; i < 2000 && omp_iec21_ds_next(&it, &ds) == OMP_OK; i++) {
            OMP_FUZZ_CHECK(ds.offset < d.len && in_rx(f, ds.value) && in_rx(f, ds.unit));
        }
    }
}

/* The port: poll, apply the rate, take bytes, report them; repeat while there is work now. */
static void run_port(struct fz *f)
{
    for (int i = 0; i < 64; i++) {
        struct omp_iec21_out o;
        memset(&o, 0xA5, sizeof o);
        omp_iec21_client_poll(&f->c, f->now, &o);
        check_state(f);
        OMP_FUZZ_CHECK(legal_baud(o.baud));
        OMP_FUZZ_CHECK(o.wake_ms > f->now);
        if (f->c.cfg.mode == 'D') { /* a listener never sends; one rate, the one asked for */
            OMP_FUZZ_CHECK(o.tx == NULL && (o.baud == 0u || o.baud == f->c.cfg.max_baud));
        }
        if (o.tx == NULL) {
            OMP_FUZZ_CHECK(o.tx_len == 0u);
            if (o.baud == 0u) {
                return;
            }
            omp_iec21_client_sent(&f->c, 0);
            continue;
        }
        OMP_FUZZ_CHECK(f->c.st == OMP_IEC21_CLIENT_BUSY);
        OMP_FUZZ_CHECK(o.tx_len > 0u && o.tx >= f->c.txbuf &&
                       o.tx + o.tx_len == f->c.txbuf + f->c.tx_len);
        if (o.tx == f->c.txbuf) { /* a whole message: exactly one, well formed */
            struct omp_iec21_msg m;
            size_t used = 0;
            OMP_FUZZ_CHECK(omp_iec21_parse(o.tx, o.tx_len, &m, &used) == OMP_OK);
            OMP_FUZZ_CHECK(used == o.tx_len);
            OMP_FUZZ_CHECK(m.kind == OMP_IEC21_MSG_REQUEST || m.kind == OMP_IEC21_MSG_OPTION ||
                           m.kind == OMP_IEC21_MSG_COMMAND || m.kind == OMP_IEC21_MSG_ACK ||
                           m.kind == OMP_IEC21_MSG_NAK);
        }
        omp_iec21_client_sent(&f->c, f->one_byte ? 1u : o.tx_len);
    }
    const bool client_keeps_asking_for_work_at_the_same_time = false;
    OMP_FUZZ_CHECK(client_keeps_asking_for_work_at_the_same_time);
}

/* What an application does in READY and REPLY. */
static void act(struct fz *f)
{
    static const uint8_t r5[] = "1.0.0()";
    if (f->c.st == OMP_IEC21_CLIENT_REPLY) {
        struct omp_iec21_msg m;
        OMP_FUZZ_CHECK(omp_iec21_client_reply(&f->c, &m) == OMP_OK);
        OMP_FUZZ_CHECK(m.kind == OMP_IEC21_MSG_ACK || m.kind == OMP_IEC21_MSG_NAK ||
                       m.kind == OMP_IEC21_MSG_DATA || m.kind == OMP_IEC21_MSG_PARTIAL);
        OMP_FUZZ_CHECK(in_rx(f, m.data) && in_rx(f, m.raw));
        if (m.kind == OMP_IEC21_MSG_PARTIAL) {
            OMP_FUZZ_CHECK(omp_iec21_client_next_block(&f->c, f->now) == OMP_OK);
            return;
        }
        OMP_FUZZ_CHECK(f->c.st == OMP_IEC21_CLIENT_READY);
    }
    if (f->c.st == OMP_IEC21_CLIENT_READY) {
        if (f->commands < 3u) {
            f->commands++;
            OMP_FUZZ_CHECK(omp_iec21_client_command(&f->c, f->now, 'R', '5', r5, sizeof r5 - 1u) ==
                           OMP_OK);
        } else {
            OMP_FUZZ_CHECK(omp_iec21_client_break(&f->c, f->now) == OMP_OK);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint32_t k_steps[4] = {0u, 20u, 300u, 1800u};
    static struct fz f;
    if (size == 0u) {
        return 0;
    }
    memset(&f, 0, sizeof f);
    const uint8_t b0 = data[0];
    struct omp_iec21_client_cfg cfg;
    omp_iec21_client_cfg_default(&cfg);
    cfg.mode = (b0 & 1u) ? 'C' : ((b0 & 2u) ? 'D' : 'A');
    cfg.option = (b0 & 2u) ? '1' : '0';
    const unsigned n = (b0 >> 2) & 7u;
    cfg.max_baud = (n == 7u) ? 9600u : (300u << n);
    strcpy(cfg.password, "password");
    cfg.retries = (b0 & 0x80u) ? 1u : 3u;
    if (cfg.mode == 'D' && (b0 & 0x80u)) {
        cfg.readout_ms = 0u; /* no time limit */
    }
    f.cap = (b0 & 0x20u) ? 64u : sizeof f.buf;
    f.one_byte = (b0 & 0x40u) != 0u;
    f.now = 0;
    OMP_FUZZ_CHECK(omp_iec21_client_start(&f.c, &cfg, f.buf, f.cap, f.now) == OMP_OK);
    run_port(&f);

    size_t pos = 1u;
    while (pos < size) {
        const uint8_t h = data[pos++];
        if (h == 0xFFu) {
            const enum omp_iec21_client_state st = f.c.st;
            const omp_err err = omp_iec21_client_break(&f.c, f.now);
            if (st == OMP_IEC21_CLIENT_READOUT || st == OMP_IEC21_CLIENT_CLOSED) {
                OMP_FUZZ_CHECK(err == OMP_ERR_STATE && f.c.st == st);
            } else if (cfg.mode == 'D') {
                OMP_FUZZ_CHECK(err == OMP_OK && f.c.st == OMP_IEC21_CLIENT_CLOSED);
            } else {
                OMP_FUZZ_CHECK(err == OMP_OK && f.c.st == OMP_IEC21_CLIENT_BUSY);
            }
            run_port(&f);
            continue;
        }
        f.now += k_steps[(h >> 5) & 3u];
        run_port(&f);
        size_t len = h & 0x1Fu;
        if (len > size - pos) {
            len = size - pos;
        }
        omp_iec21_client_rx(&f.c, f.now, data + pos, len);
        pos += len;
        check_state(&f);
        act(&f);
        run_port(&f);
        act(&f);
        run_port(&f);
    }
    /* let every timer run out */
    for (int i = 0; i < 16 && f.c.st == OMP_IEC21_CLIENT_BUSY; i++) {
        f.now += 1000000u;
        run_port(&f);
        act(&f);
    }
    if (cfg.mode == 'D' && cfg.readout_ms == 0u && f.c.st == OMP_IEC21_CLIENT_BUSY) {
        OMP_FUZZ_CHECK(omp_iec21_client_break(&f.c, f.now) == OMP_OK); /* listens for ever */
        run_port(&f);
    }
    OMP_FUZZ_CHECK(f.c.st != OMP_IEC21_CLIENT_BUSY);
    return 0;
}

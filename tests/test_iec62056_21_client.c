/*
 * IEC 62056-21 reader side (lib/iec62056_21/iec21_client.c): modes A and C, readout and
 * programming mode, driven like a port would (poll -> set baud / send -> sent).
 *
 * Transcripts E1..E4 are copied from ../shared/vectors/kamstrup_iec1107_doc_examples.txt, which
 * reproduces the examples of Kamstrup 'OMNIPOWER, K382M, K351C IEC 1107 Protocol description'
 * 55121458_B1_GB_01.2015 sections 7.3, 7.4, 8.1.1 and 8.1.5 (documentation examples, not live
 * captures). The source prints [BCC] without a value; every BCC below was computed by hand with
 * a separate Python one-liner, XOR of the bytes after SOH/STX up to and including ETX/EOT
 * (IEC 62056-21 clause 6.3.15), e.g. P0: 'P'^'0'^STX^'('^')'^ETX = 50^30^02^28^29^03 = 0x60.
 * The `(password)` of E3 is the doc's placeholder; the test uses the literal password "password"
 * so the bytes are exactly the doc's. The doc's messages are in iec21_test.h (shared with the
 * codec and server tests).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/iec62056_21.h"

#include "iec21_test.h"

/* ---- vectors (the Kamstrup doc's messages: iec21_test.h) ------------------------------------- */

/* the E3 R5 reply with its BCC changed to 0x34 (hand-edited) */
static const char k_r5_reply_bad[] = "\x02" E3_CLOCK "\x03\x34";
/* E4 sign-on ident (file header: "ident /KAM5 6841138BN113002") */
static const char k_e4_ident[] = "/KAM5 6841138BN113002 \r\n";

/* Made-up messages (not from the doc), BCCs by Python XOR: */
/* a short readout: 0.0.1(12345678) CRLF ! CRLF ETX, BCC 0x1A */
static const char k_short_readout[] = "\x02"
                                      "0.0.1(12345678)\r\n!\r\n\x03"
                                      "\x1A";
/* the same with BCC 0x1B (hand-edited) */
static const char k_short_readout_bad[] = "\x02"
                                          "0.0.1(12345678)\r\n!\r\n\x03"
                                          "\x1B";
/* a meter error text: STX ER03 ETX, BCC 0x17 */
static const char k_error_reply[] = "\x02"
                                    "ER03\x03"
                                    "\x17";
/* a partial block STX 0.0.1(1) EOT, BCC 0x05 */
static const char k_partial_short[] = "\x02"
                                      "0.0.1(1)\x04"
                                      "\x05";
/* an identification offering 2400 Bd (Z = '3') */
static const char k_ident_2400[] = "/KAM3OMNIPOWER\r\n";
/* an identification offering 300 Bd only (Z = '0') */
static const char k_ident_300[] = "/KAM0OMNIPOWER\r\n";

/* Mode D, as the server sends it (docs/iec62056-21.md, Kamstrup D0): the identification with
 * Z = '3', the rate it goes out at (2400 Bd), the meter's ident, then a made-up three-line D0
 * list. BCC 0x4A computed with Python, functools.reduce(operator.xor, body, 0) over the 81 bytes
 * after STX, ETX included; not by the code under test. */
#define D0_DATA                                                                                    \
    "0.0.1(12345678)\r\n1.8.0(0000123.45*kWh)\r\n1.6.0(00002.081*kW)(01260115181500)\r\n!\r\n"
static const char k_d0_ident[] = "/KAM3 6841138BN143002\r\n";
static const char k_d0_data[] = "\x02" D0_DATA "\x03\x4A";
/* the same with BCC 0x4B (hand-edited) */
static const char k_d0_data_bad[] = "\x02" D0_DATA "\x03\x4B";
/* one whole D0 transmission: identification and data message back to back */
static const char k_d0_message[] = "/KAM3 6841138BN143002\r\n"
                                   "\x02" D0_DATA "\x03\x4A";

/* ---- a port ---------------------------------------------------------------------------------- */

struct port {
    struct omp_iec21_client c;
    uint8_t buf[1024];
    uint64_t now;
    uint8_t sent[1024]; /* everything the client sent since the last check */
    size_t sent_len;
    uint32_t bauds[8]; /* every rate change applied, in order */
    size_t nbauds;
    uint32_t baud;
    uint64_t wake;
};

/* One port iteration loop: poll, apply the rate, take all bytes, report them; repeat while the
 * client has something to do now. */
static void run(struct port *p)
{
    for (int i = 0; i < 8; i++) {
        struct omp_iec21_out o;
        memset(&o, 0xA5, sizeof o);
        omp_iec21_client_poll(&p->c, p->now, &o);
        p->wake = o.wake_ms;
        if (o.baud != 0u) {
            assert_true(p->nbauds < 8u);
            p->bauds[p->nbauds++] = o.baud;
            p->baud = o.baud;
        }
        if (o.tx != NULL) {
            assert_true(o.tx_len > 0u && p->sent_len + o.tx_len <= sizeof p->sent);
            memcpy(&p->sent[p->sent_len], o.tx, o.tx_len);
            p->sent_len += o.tx_len;
            omp_iec21_client_sent(&p->c, o.tx_len);
        } else {
            assert_int_equal(o.tx_len, 0);
            if (o.baud == 0u) {
                return;
            }
            omp_iec21_client_sent(&p->c, 0);
        }
    }
    fail_msg("client keeps asking for work at the same time");
}

static void expect_sent(struct port *p, const uint8_t *want, size_t n)
{
    assert_int_equal(p->sent_len, n);
    assert_memory_equal(p->sent, want, n);
    p->sent_len = 0;
}

static void expect_nothing_sent(struct port *p)
{
    assert_int_equal(p->sent_len, 0);
}

static void deliver(struct port *p, const uint8_t *data, size_t n)
{
    omp_iec21_client_rx(&p->c, p->now, data, n);
    run(p);
}

/* @p ms later: one port iteration. */
static void wait_run(struct port *p, uint64_t ms)
{
    p->now += ms;
    run(p);
}

/* @p ms later the meter sends @p data. */
static void rx_after(struct port *p, uint64_t ms, const uint8_t *data, size_t n)
{
    p->now += ms;
    deliver(p, data, n);
}

/* @p ms later the client has sent exactly @p want. */
static void tx_after(struct port *p, uint64_t ms, const uint8_t *want, size_t n)
{
    wait_run(p, ms);
    expect_sent(p, want, n);
}

/* The client stopped with @p err. */
static void expect_failed(const struct port *p, omp_err err)
{
    assert_int_equal(p->c.st, OMP_IEC21_CLIENT_FAILED);
    assert_int_equal(p->c.err, err);
}

/* The client holds a reply of @p kind: into @p m. */
static void expect_reply(struct port *p, enum omp_iec21_kind kind, struct omp_iec21_msg *m)
{
    assert_int_equal(omp_iec21_client_reply(&p->c, m), OMP_OK);
    assert_int_equal(m->kind, kind);
}

static void start(struct port *p, const struct omp_iec21_client_cfg *cfg)
{
    memset(p, 0, sizeof *p);
    p->now = 1000;
    assert_int_equal(omp_iec21_client_start(&p->c, cfg, p->buf, sizeof p->buf, p->now), OMP_OK);
    assert_int_equal(p->c.st, OMP_IEC21_CLIENT_BUSY);
    run(p);
    /* the request goes first, at 300 Bd */
    assert_int_equal(p->nbauds, 1);
    assert_int_equal(p->bauds[0], 300);
    expect_sent(p, B(k_request));
}

static struct omp_iec21_client_cfg cfg_default(void)
{
    struct omp_iec21_client_cfg cfg;
    omp_iec21_client_cfg_default(&cfg);
    return cfg;
}

static struct omp_iec21_client_cfg cfg_c(uint8_t option, const char *password)
{
    struct omp_iec21_client_cfg cfg = cfg_default();
    cfg.option = option;
    strcpy(cfg.password, password);
    return cfg;
}

/* start() with the default configuration: mode C readout, 9600 Bd at most */
static void start_default(struct port *p)
{
    struct omp_iec21_client_cfg cfg = cfg_default();
    start(p, &cfg);
}

/* Start with @p cfg; the meter's identification @p ident comes @p ms after the request. */
static void sign_on(struct port *p, const struct omp_iec21_client_cfg *cfg, uint64_t ms,
                    const uint8_t *ident, size_t ident_len)
{
    start(p, cfg);
    rx_after(p, ms, ident, ident_len);
}

/* Mode C readout with the default configuration: the E2 identification @p ms after the request,
 * the option select ACK 050 tr = 200 ms after it. */
static void readout_sign_on(struct port *p, uint64_t ms)
{
    struct omp_iec21_client_cfg cfg = cfg_default();
    sign_on(p, &cfg, ms, B(k_e2_ident));
    tx_after(p, 200, B(k_e2_option));
}

/* Programming mode with @p cfg (option '1'): the identification @p ident 250 ms after the request,
 * the option select ACK 051 tr = 200 ms after it, at 9600 Bd from then on. */
static void prog_sign_on(struct port *p, const struct omp_iec21_client_cfg *cfg,
                         const uint8_t *ident, size_t ident_len)
{
    sign_on(p, cfg, 250, ident, ident_len);
    tx_after(p, 200, B(k_e3_option));
    assert_int_equal(p->baud, 9600);
}

/* ... and P0 @p ms later; the client answers with P1 (left in p->sent) tr = 200 ms after it. */
static void prog_p0(struct port *p, const struct omp_iec21_client_cfg *cfg, const uint8_t *ident,
                    size_t ident_len, uint64_t ms)
{
    prog_sign_on(p, cfg, ident, ident_len);
    rx_after(p, ms, B(k_p0));
    expect_nothing_sent(p); /* tr: not before 200 ms */
    wait_run(p, 200);
}

/* Sign on in mode C programming mode up to READY (E3 steps 1..6). */
static void sign_on_programming(struct port *p, const uint8_t *ident, size_t ident_len)
{
    struct omp_iec21_client_cfg cfg = cfg_c('1', "password");
    prog_p0(p, &cfg, ident, ident_len, 300);
    expect_sent(p, B(k_p1));
    const uint8_t ack = OMP_IEC21_ACK;
    rx_after(p, 250, &ack, 1);
    assert_int_equal(p->c.st, OMP_IEC21_CLIENT_READY);
}

/* In READY: the command @p cmd @p type (@p data) is accepted and goes out tr = 200 ms later as
 * exactly @p want (NULL: bytes not checked, only taken). */
static void command(struct port *p, uint8_t cmd, uint8_t type, const uint8_t *data, size_t n,
                    const uint8_t *want, size_t want_len)
{
    assert_int_equal(omp_iec21_client_command(&p->c, p->now, cmd, type, data, n), OMP_OK);
    wait_run(p, 200);
    if (want != NULL) {
        expect_sent(p, want, want_len);
    } else {
        p->sent_len = 0;
    }
}

/* ---- defaults and arguments ------------------------------------------------------------------ */

static void test_cfg_default(void **state)
{
    (void)state;
    struct omp_iec21_client_cfg cfg;
    memset(&cfg, 0x5A, sizeof cfg);
    omp_iec21_client_cfg_default(&cfg);
    assert_int_equal(cfg.mode, 'C');
    assert_int_equal(cfg.address[0], '\0');
    assert_int_equal(cfg.option, '0');
    assert_int_equal(cfg.max_baud, 9600);
    assert_int_equal(cfg.password[0], '\0');
    assert_int_equal(cfg.reply_ms, 2000);
    assert_int_equal(cfg.ta_ms, 1500);
    assert_int_equal(cfg.readout_ms, 5000);
    assert_int_equal(cfg.retries, 3);
    omp_iec21_client_cfg_default(NULL); /* no crash */
}

static void test_start_args(void **state)
{
    (void)state;
    static struct omp_iec21_client c;
    uint8_t buf[64];
    struct omp_iec21_client_cfg ok;
    omp_iec21_client_cfg_default(&ok);
    assert_int_equal(omp_iec21_client_start(NULL, &ok, buf, sizeof buf, 0), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_client_start(&c, NULL, buf, sizeof buf, 0), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_client_start(&c, &ok, NULL, sizeof buf, 0), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_client_start(&c, &ok, buf, 63, 0), OMP_ERR_ARG);

    struct omp_iec21_client_cfg bad = ok;
    bad.mode = 'B';
    assert_int_equal(omp_iec21_client_start(&c, &bad, buf, sizeof buf, 0), OMP_ERR_ARG);
    bad = ok;
    bad.option = '2'; /* HDLC: not this state machine */
    assert_int_equal(omp_iec21_client_start(&c, &bad, buf, sizeof buf, 0), OMP_ERR_ARG);
    bad = ok;
    bad.max_baud = 115200; /* no baud-rate character */
    assert_int_equal(omp_iec21_client_start(&c, &bad, buf, sizeof buf, 0), OMP_ERR_ARG);
    bad = ok;
    bad.reply_ms = 0;
    assert_int_equal(omp_iec21_client_start(&c, &bad, buf, sizeof buf, 0), OMP_ERR_ARG);
    bad = ok;
    bad.mode = 'A';
    bad.readout_ms = 0;
    assert_int_equal(omp_iec21_client_start(&c, &bad, buf, sizeof buf, 0), OMP_ERR_ARG);
    bad = ok;
    memset(bad.address, 'A', sizeof bad.address); /* no NUL */
    assert_int_equal(omp_iec21_client_start(&c, &bad, buf, sizeof buf, 0), OMP_ERR_ARG);
    bad = ok;
    strcpy(bad.address, "12-34"); /* '-' is not in [0-9A-Za-z ] (clause 6.3.1) */
    assert_int_equal(omp_iec21_client_start(&c, &bad, buf, sizeof buf, 0), OMP_ERR_ARG);
    bad = ok;
    bad.option = '1';
    memset(bad.password, 'x', sizeof bad.password); /* 17 characters, no NUL */
    assert_int_equal(omp_iec21_client_start(&c, &bad, buf, sizeof buf, 0), OMP_ERR_ARG);
    strcpy(bad.password, "ab)c"); /* would end the data set `(password)` early */
    assert_int_equal(omp_iec21_client_start(&c, &bad, buf, sizeof buf, 0), OMP_ERR_ARG);
    strcpy(bad.password, "ab\x03"); /* ETX */
    assert_int_equal(omp_iec21_client_start(&c, &bad, buf, sizeof buf, 0), OMP_ERR_ARG);
    bad.option = '0'; /* no password needed for a readout: not checked */
    assert_int_equal(omp_iec21_client_start(&c, &bad, buf, sizeof buf, 0), OMP_OK);

    /* a refused start leaves the client untouched */
    memset(&c, 0x5A, sizeof c);
    bad = ok;
    bad.mode = 'x';
    assert_int_equal(omp_iec21_client_start(&c, &bad, buf, sizeof buf, 0), OMP_ERR_ARG);
    assert_int_equal(c.phase, 0x5A);

    /* address of 32 characters, exactly the limit: accepted; the request carries it */
    struct port p;
    memset(&p, 0, sizeof p);
    p.now = 5;
    struct omp_iec21_client_cfg cfg = ok;
    memcpy(cfg.address, "0123456789ABCDEFGHIJ abcdefghijk", 32);
    cfg.address[32] = '\0';
    assert_int_equal(omp_iec21_client_start(&p.c, &cfg, p.buf, 64, 5), OMP_OK);
    run(&p);
    expect_sent(&p, B("/?0123456789ABCDEFGHIJ abcdefghijk!\r\n"));
}

static void test_api_states(void **state)
{
    (void)state;
    struct omp_iec21_client c;
    memset(&c, 0, sizeof c); /* IDLE */
    struct omp_iec21_span s;
    struct omp_iec21_msg m;
    assert_int_equal(omp_iec21_client_readout(&c, &s), OMP_ERR_STATE);
    assert_int_equal(omp_iec21_client_readout(NULL, &s), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_client_readout(&c, NULL), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_client_reply(&c, &m), OMP_ERR_STATE);
    assert_int_equal(omp_iec21_client_reply(NULL, &m), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_client_command(&c, 0, 'R', '1', B("1.8.0()")), OMP_ERR_STATE);
    assert_int_equal(omp_iec21_client_command(NULL, 0, 'R', '1', NULL, 0), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_client_next_block(&c, 0), OMP_ERR_STATE);
    assert_int_equal(omp_iec21_client_next_block(NULL, 0), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_client_break(&c, 0), OMP_ERR_STATE);
    assert_int_equal(omp_iec21_client_break(NULL, 0), OMP_ERR_ARG);
    struct omp_iec21_out o;
    omp_iec21_client_poll(&c, 0, &o);
    assert_null(o.tx);
    assert_int_equal(o.baud, 0);
    assert_true(o.wake_ms == UINT64_MAX);
    omp_iec21_client_poll(NULL, 0, &o);
    omp_iec21_client_poll(&c, 0, NULL);
    omp_iec21_client_rx(NULL, 0, (const uint8_t *)"x", 1);
    omp_iec21_client_sent(NULL, 1);

    /* BUSY: readout, command, reply and next_block are refused */
    struct port p;
    start_default(&p);
    assert_int_equal(omp_iec21_client_readout(&p.c, &s), OMP_ERR_STATE);
    assert_int_equal(omp_iec21_client_command(&p.c, p.now, 'R', '1', B("1.8.0()")), OMP_ERR_STATE);
    assert_int_equal(omp_iec21_client_reply(&p.c, &m), OMP_ERR_STATE);
    assert_int_equal(omp_iec21_client_next_block(&p.c, p.now), OMP_ERR_STATE);
}

/* ---- E1: sign-on ----------------------------------------------------------------------------- */

static void test_e1_sign_on(void **state)
{
    (void)state;
    struct port p;
    start_default(&p);
    assert_int_equal(p.wake, 1000 + 2000); /* reply_ms from the request */
    rx_after(&p, 300, B(k_e1_ident));
    assert_int_equal(p.c.st, OMP_IEC21_CLIENT_BUSY);
    assert_string_equal(p.c.mfr, "KAM");
    assert_int_equal(p.c.baud_char, '5');
    assert_string_equal(p.c.ident, " 6841138AN141001"); /* trailing space trimmed */
    expect_nothing_sent(&p);
    assert_int_equal(p.wake, 1300 + 200); /* option select after tr = 200 ms */
}

/* ---- E2: mode C data readout ----------------------------------------------------------------- */

struct ds_want {
    uint16_t line;
    uint16_t group;
    const char *address;
    const char *value;
    const char *unit; /* NULL: no '*' */
};

/* Every group of the E2 readout, read off the transcript (27 data sets; 1.6.0, 1.6.1, 1.6.2,
 * 2.6.0, 3.6.0 and 4.6.0 carry a second group, the time of the maximum). */
static const struct ds_want k_e2_sets[] = {
    {0, 0, "0.0.1", "12345678", NULL},
    {1, 0, "97.97.0", "210", NULL},
    {2, 0, "1.8.0", "0000010", "kwh"},
    {3, 0, "1.8.1", "0000010", "kwh"},
    {4, 0, "1.8.2", "0000000", "kwh"},
    {5, 0, "2.8.0", "0000010", "kwh"},
    {6, 0, "2.8.1", "0000010", "kwh"},
    {7, 0, "2.8.2", "0000000", "kwh"},
    {8, 0, "3.8.0", "0000000", "kvarh"},
    {9, 0, "3.8.1", "0000000", "kwh"},
    {10, 0, "3.8.2", "0000000", "kwh"},
    {11, 0, "4.8.0", "0000000", "kvarh"},
    {12, 0, "4.8.1", "0000000", "kwh"},
    {13, 0, "4.8.2", "0000000", "kwh"},
    {14, 0, "1.6.0", "0.000", "kW"},
    {14, 1, "1.6.0", "00000101000000", NULL},
    {15, 0, "1.6.1", "0.000", "kW"},
    {15, 1, "1.6.1", "00000101000000", NULL},
    {16, 0, "1.6.2", "0.000", "kW"},
    {16, 1, "1.6.2", "00000101000000", NULL},
    {17, 0, "2.6.0", "0.000", "kW"},
    {17, 1, "2.6.0", "00000101000000", NULL},
    {18, 0, "1.2.0", "0.000", "kW"},
    {19, 0, "2.2.0", "0.000", "kW"},
    {20, 0, "3.6.0", "0.000", "kvar"},
    {20, 1, "3.6.0", "00000101000000", NULL},
    {21, 0, "3.2.0", "0.000", "kvar"},
    {22, 0, "4.6.0", "0.000", "kvar"},
    {22, 1, "4.6.0", "00000101000000", NULL},
    {23, 0, "4.2.0", "0.000", "kvar"},
    {24, 0, "0.1.0", "0", NULL},
    {25, 0, "96.8.0", "49", NULL},
    {26, 0, "1.0.0", "01131212114656", NULL},
};

static void check_e2_readout(const struct omp_iec21_client *c)
{
    assert_int_equal(c->st, OMP_IEC21_CLIENT_READOUT);
    struct omp_iec21_span data;
    assert_int_equal(omp_iec21_client_readout(c, &data), OMP_OK);
    /* between STX and ETX: 600 bytes less STX, ETX and BCC */
    assert_int_equal(data.len, sizeof k_e2_readout - 1u - 3u);
    assert_memory_equal(data.ptr, k_e2_readout + 1, data.len);

    struct omp_iec21_ds_iter it;
    omp_iec21_ds_init(&it, data.ptr, data.len);
    size_t n = 0, first_groups = 0;
    struct omp_iec21_dataset ds;
    omp_err err;
    while ((err = omp_iec21_ds_next(&it, &ds)) == OMP_OK) {
        assert_true(n < sizeof k_e2_sets / sizeof k_e2_sets[0]);
        const struct ds_want *w = &k_e2_sets[n];
        assert_ds(&ds, w->address, w->value, w->unit, w->group, w->line);
        assert_int_equal(data.ptr[ds.offset], '(');
        first_groups += (ds.group == 0u);
        n++;
    }
    assert_int_equal(err, OMP_ERR_NOT_FOUND);
    assert_true(it.end); /* the `!` line */
    assert_int_equal(n, sizeof k_e2_sets / sizeof k_e2_sets[0]);
    assert_int_equal(first_groups, 27);
}

static void test_e2_mode_c_readout(void **state)
{
    (void)state;
    struct port p;
    start_default(&p);
    rx_after(&p, 400, B(k_e2_ident));
    assert_string_equal(p.c.ident, " 68535CC453010");
    expect_nothing_sent(&p);
    assert_int_equal(p.wake, 1400 + 200);
    wait_run(&p, 199);
    expect_nothing_sent(&p); /* 199 ms after the ident: still waiting (tr >= 200 ms) */
    /* ACK 0 5 0 CR LF, at the old rate; the switch to 9600 comes after those bytes */
    tx_after(&p, 1, B(k_e2_option));
    assert_int_equal(p.nbauds, 2);
    assert_int_equal(p.bauds[0], 300);
    assert_int_equal(p.bauds[1], 9600);
    assert_int_equal(p.c.baud, 9600);
    assert_int_equal(p.wake, 1600 + 2000); /* reply_ms for the readout */
    rx_after(&p, 300, B(k_e2_readout));
    check_e2_readout(&p.c);
    expect_nothing_sent(&p); /* no acknowledgement of a readout */
    assert_true(p.wake == UINT64_MAX);
    /* bytes after the end do not disturb the readout */
    deliver(&p, B(k_short_readout));
    check_e2_readout(&p.c);
    assert_int_equal(omp_iec21_client_break(&p.c, p.now), OMP_ERR_STATE);
}

/* Order of the outputs: the option select is handed out with no rate; the new rate comes in a
 * later poll only after the port has reported the bytes taken (omp_iec21_client_sent). */
static void test_baud_switch_order(void **state)
{
    (void)state;
    struct port p;
    start_default(&p);
    p.now += 100;
    omp_iec21_client_rx(&p.c, p.now, B(k_e2_ident));
    p.now += 200;
    struct omp_iec21_out o;
    omp_iec21_client_poll(&p.c, p.now, &o);
    assert_int_equal(o.baud, 0);
    assert_int_equal(o.tx_len, sizeof k_e2_option - 1u);
    assert_memory_equal(o.tx, k_e2_option, o.tx_len);
    /* the port took 2 bytes only: the rest comes next, still at 300 Bd */
    omp_iec21_client_sent(&p.c, 2);
    omp_iec21_client_poll(&p.c, p.now, &o);
    assert_int_equal(o.baud, 0);
    assert_int_equal(o.tx_len, 4);
    assert_memory_equal(o.tx, k_e2_option + 2, 4);
    omp_iec21_client_sent(&p.c, 99); /* more than offered: clamped */
    omp_iec21_client_poll(&p.c, p.now, &o);
    assert_int_equal(o.baud, 9600);
    assert_null(o.tx);
    /* reported until the port confirms with sent(0) */
    omp_iec21_client_poll(&p.c, p.now, &o);
    assert_int_equal(o.baud, 9600);
    omp_iec21_client_sent(&p.c, 0);
    omp_iec21_client_poll(&p.c, p.now, &o);
    assert_int_equal(o.baud, 0);
    assert_int_equal(p.c.baud, 9600);
}

/* ---- baud choice ----------------------------------------------------------------------------- */

static void test_baud_choice(void **state)
{
    (void)state;
    static const struct {
        const char *ident;
        uint32_t max_baud;
        const char *option;
        uint32_t want;
    } cases[] = {
        /* meter offers 2400 (Z '3'), reader allows 9600: 2400 */
        {k_ident_2400, 9600,
         "\x06"
         "030\r\n",
         2400},
        /* meter offers 9600, reader allows 4800: 4800 (Kamstrup: the reader chooses) */
        {k_e2_ident, 4800,
         "\x06"
         "040\r\n",
         4800},
        /* meter offers 9600, reader allows 19200: 9600 */
        {k_e2_ident, 19200,
         "\x06"
         "050\r\n",
         9600},
        /* meter offers 300 only: no change */
        {k_ident_300, 9600,
         "\x06"
         "000\r\n",
         0},
        /* reader allows 300 only: no change */
        {k_e2_ident, 300,
         "\x06"
         "000\r\n",
         0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct port p;
        struct omp_iec21_client_cfg cfg = cfg_default();
        cfg.max_baud = cases[i].max_baud;
        sign_on(&p, &cfg, 500, (const uint8_t *)cases[i].ident, strlen(cases[i].ident));
        tx_after(&p, 200, (const uint8_t *)cases[i].option, strlen(cases[i].option));
        if (cases[i].want == 0u) {
            assert_int_equal(p.nbauds, 1); /* 300 from the start only */
        } else {
            assert_int_equal(p.nbauds, 2);
            assert_int_equal(p.bauds[1], cases[i].want);
        }
        rx_after(&p, 300, B(k_short_readout));
        assert_int_equal(p.c.st, OMP_IEC21_CLIENT_READOUT);
    }
}

/* ---- mode A ---------------------------------------------------------------------------------- */

static void test_mode_a_readout(void **state)
{
    (void)state;
    struct port p;
    struct omp_iec21_client_cfg cfg = cfg_default();
    cfg.mode = 'A';
    sign_on(&p, &cfg, 300, B(k_e2_ident));
    assert_int_equal(p.wake, 1300 + 5000); /* readout_ms */
    /* the meter sends the readout after tt (1700 ms): nothing is sent meanwhile */
    for (int i = 0; i < 17; i++) {
        wait_run(&p, 100);
        expect_nothing_sent(&p);
    }
    deliver(&p, B(k_e2_readout));
    check_e2_readout(&p.c);
    assert_int_equal(p.nbauds, 1); /* 300 Bd throughout */
    assert_int_equal(p.c.baud, 300);
    expect_nothing_sent(&p);
}

static void test_mode_a_timeout(void **state)
{
    (void)state;
    struct port p;
    struct omp_iec21_client_cfg cfg = cfg_default();
    cfg.mode = 'A';
    cfg.readout_ms = 3000;
    sign_on(&p, &cfg, 300, B(k_e2_ident));
    wait_run(&p, 2999);
    assert_int_equal(p.c.st, OMP_IEC21_CLIENT_BUSY);
    wait_run(&p, 1);
    expect_failed(&p, OMP_ERR_TIMEOUT);
    assert_true(p.wake == UINT64_MAX);
    expect_nothing_sent(&p);
}

/* ---- timeouts -------------------------------------------------------------------------------- */

static void test_timeout_no_ident(void **state)
{
    (void)state;
    struct port p;
    start_default(&p); /* request taken at t = 1000 */
    p.now = 2999;
    run(&p);
    assert_int_equal(p.c.st, OMP_IEC21_CLIENT_BUSY);
    p.now = 3000;
    run(&p);
    expect_failed(&p, OMP_ERR_TIMEOUT);
    /* nothing more happens */
    deliver(&p, B(k_e2_ident));
    assert_int_equal(p.c.st, OMP_IEC21_CLIENT_FAILED);
    expect_nothing_sent(&p);
}

static void test_timeout_no_readout(void **state)
{
    (void)state;
    struct port p;
    readout_sign_on(&p, 300); /* option select at t = 1500 */
    p.now = 1500 + 1999;
    run(&p);
    assert_int_equal(p.c.st, OMP_IEC21_CLIENT_BUSY);
    p.now = 1500 + 2000;
    run(&p);
    expect_failed(&p, OMP_ERR_TIMEOUT);
}

/* A readout that starts in time may take longer than reply_ms (300 Bd: 30 characters a second);
 * its characters must come within ta, and a stall longer than ta fails. */
static void test_slow_readout_and_stall(void **state)
{
    (void)state;
    struct port p;
    struct omp_iec21_client_cfg cfg = cfg_default();
    cfg.mode = 'A';
    cfg.readout_ms = 2000;
    sign_on(&p, &cfg, 300, B(k_e2_ident));
    p.now += 1700;
    const size_t n = sizeof k_e2_readout - 1u;
    for (size_t i = 0; i < n; i++) { /* one character each 33 ms: about 20 s */
        rx_after(&p, 33, (const uint8_t *)&k_e2_readout[i], 1);
        if (i + 1u < n) {
            assert_int_equal(p.c.st, OMP_IEC21_CLIENT_BUSY);
        }
    }
    check_e2_readout(&p.c);

    sign_on(&p, &cfg, 300, B(k_e2_ident));
    rx_after(&p, 1000, (const uint8_t *)k_e2_readout, 100);
    wait_run(&p, 1499);
    assert_int_equal(p.c.st, OMP_IEC21_CLIENT_BUSY); /* readout_ms passed, but ta not yet */
    wait_run(&p, 1);
    expect_failed(&p, OMP_ERR_TIMEOUT);
}

/* ---- garbage, split delivery, bad BCC -------------------------------------------------------- */

static void test_garbage_before_ident(void **state)
{
    (void)state;
    struct port p;
    start_default(&p);
    /* line noise (no start character) and then the identification, in one chunk */
    static const char noise_ident[] = "\x00\x7F\x20xyz\r\n"
                                      "/KAM5 68535CC453010 \r\n";
    rx_after(&p, 100, B(noise_ident));
    assert_true(p.c.rx.skipped >= 7u);
    assert_string_equal(p.c.ident, " 68535CC453010");
    tx_after(&p, 200, B(k_e2_option));
    /* noise before the readout as well */
    rx_after(&p, 300, B("\x7E\x11noise"));
    deliver(&p, B(k_e2_readout));
    check_e2_readout(&p.c);
}

static void test_split_byte_by_byte(void **state)
{
    (void)state;
    struct port p;
    start_default(&p);
    p.now += 250;
    for (size_t i = 0; i + 1u < sizeof k_e2_ident; i++) {
        rx_after(&p, 1, (const uint8_t *)&k_e2_ident[i], 1);
    }
    tx_after(&p, 200, B(k_e2_option));
    p.now += 250;
    for (size_t i = 0; i + 1u < sizeof k_e2_readout; i++) {
        deliver(&p, (const uint8_t *)&k_e2_readout[i], 1);
        p.now += 1;
    }
    check_e2_readout(&p.c);
}

static void test_readout_bad_bcc(void **state)
{
    (void)state;
    struct port p;
    readout_sign_on(&p, 250);
    rx_after(&p, 250, B(k_short_readout_bad));
    /* no NAK in the readout mode: the meter is back at 300 Bd, the reader signs on again */
    expect_failed(&p, OMP_ERR_CRC);
    expect_nothing_sent(&p);
}

static void test_readout_partial_is_protocol_error(void **state)
{
    (void)state;
    struct port p;
    readout_sign_on(&p, 250);
    rx_after(&p, 250, B(k_partial_short));
    expect_failed(&p, OMP_ERR_PROTOCOL);
}

static void test_readout_too_big(void **state)
{
    (void)state;
    struct port p;
    memset(&p, 0, sizeof p);
    struct omp_iec21_client_cfg cfg = cfg_default();
    assert_int_equal(omp_iec21_client_start(&p.c, &cfg, p.buf, 64, 0), OMP_OK);
    run(&p);
    expect_sent(&p, B(k_request));
    p.now = 300;
    deliver(&p, B(k_e2_ident));
    p.now = 500;
    run(&p);
    expect_sent(&p, B(k_e2_option));
    p.now = 700;
    deliver(&p, B(k_e2_readout)); /* 600 bytes into a 64-byte buffer */
    expect_failed(&p, OMP_ERR_NOSPACE);
}

/* ---- E3: programming mode, read the clock ---------------------------------------------------- */

static void test_e3_read_clock(void **state)
{
    (void)state;
    struct port p;
    sign_on_programming(&p, B(k_e3_ident));
    assert_string_equal(p.c.ident, " 6841138BN143002");
    assert_true(p.wake == UINT64_MAX); /* READY: nothing to do */

    assert_int_equal(omp_iec21_client_command(&p.c, p.now, 'R', '5', B("1.0.0()")), OMP_OK);
    assert_int_equal(p.c.st, OMP_IEC21_CLIENT_BUSY);
    run(&p);
    expect_nothing_sent(&p); /* 0 ms after the ACK: tr */
    tx_after(&p, 200, B(k_r5));
    rx_after(&p, 300, B(k_r5_reply));
    assert_int_equal(p.c.st, OMP_IEC21_CLIENT_REPLY);
    struct omp_iec21_msg m;
    expect_reply(&p, OMP_IEC21_MSG_DATA, &m);
    assert_false(m.is_error);
    assert_span(m.data, "1.0.0(01050201075012)");
    assert_int_equal(p.c.st, OMP_IEC21_CLIENT_READY);

    struct omp_iec21_ds_iter it;
    struct omp_iec21_dataset ds;
    omp_iec21_ds_init(&it, m.data.ptr, m.data.len);
    assert_int_equal(omp_iec21_ds_next(&it, &ds), OMP_OK);
    assert_span(ds.address, "1.0.0");
    assert_span(ds.value, "01050201075012"); /* normal time, valid, 2005-02-01 07:50:12 */

    /* sign off: SOH B0 ETX BCC, then CLOSED */
    assert_int_equal(omp_iec21_client_break(&p.c, p.now), OMP_OK);
    run(&p);
    tx_after(&p, 200, B(k_break));
    assert_int_equal(p.c.st, OMP_IEC21_CLIENT_CLOSED);
    assert_int_equal(omp_iec21_client_break(&p.c, p.now), OMP_ERR_STATE);
}

static void test_reply_kinds(void **state)
{
    (void)state;
    /* W1 131.0.3(0): SOH W1 STX 131.0.3(0) ETX BCC, BCC 0x66 (Python XOR) */
    static const char w1[] = "\x01"
                             "W1\x02"
                             "131.0.3(0)\x03"
                             "\x66";
    struct port p;
    sign_on_programming(&p, B(k_e3_ident));
    struct omp_iec21_msg m;

    /* W1 answered by ACK */
    command(&p, 'W', '1', B("131.0.3(0)"), B(w1));
    const uint8_t ack = OMP_IEC21_ACK, nak = OMP_IEC21_NAK;
    rx_after(&p, 200, &ack, 1);
    expect_reply(&p, OMP_IEC21_MSG_ACK, &m);

    /* answered by NAK: reported, the caller may repeat */
    command(&p, 'W', '1', B("131.0.3(0)"), B(w1));
    deliver(&p, &nak, 1);
    expect_reply(&p, OMP_IEC21_MSG_NAK, &m);

    /* answered by an error text; a command without calling reply first is allowed */
    command(&p, 'R', '1', B("9.9.9()"), NULL, 0);
    deliver(&p, B(k_error_reply));
    assert_int_equal(p.c.st, OMP_IEC21_CLIENT_REPLY);
    assert_int_equal(omp_iec21_client_command(&p.c, p.now, 'R', '5', B("1.0.0()")), OMP_OK);
    assert_int_equal(p.c.st, OMP_IEC21_CLIENT_BUSY);
    tx_after(&p, 200, B(k_r5));
    deliver(&p, B(k_error_reply));
    expect_reply(&p, OMP_IEC21_MSG_DATA, &m);
    assert_true(m.is_error);
    assert_span(m.data, "ER03");

    /* B goes through break only; bad characters are refused by the codec */
    assert_int_equal(omp_iec21_client_command(&p.c, p.now, 'B', '0', NULL, 0), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_client_command(&p.c, p.now, 'R', '1', NULL, 3), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_client_command(&p.c, p.now, 'R', '1', B("a\x03")), OMP_ERR_ARG);
    assert_int_equal(p.c.st, OMP_IEC21_CLIENT_READY);
    static uint8_t big[OMP_CONFIG_IEC21_RX_MAX];
    memset(big, '1', sizeof big);
    assert_int_not_equal(omp_iec21_client_command(&p.c, p.now, 'W', '1', big, sizeof big), OMP_OK);
    assert_int_equal(p.c.st, OMP_IEC21_CLIENT_READY);

    /* reply timeout */
    p.now += 200;
    assert_int_equal(omp_iec21_client_command(&p.c, p.now, 'R', '5', B("1.0.0()")), OMP_OK);
    tx_after(&p, 0, B(k_r5));
    wait_run(&p, 2000);
    expect_failed(&p, OMP_ERR_TIMEOUT);
    /* a break after a failure still tells the meter to leave programming mode */
    assert_int_equal(omp_iec21_client_break(&p.c, p.now), OMP_OK);
    tx_after(&p, 0, B(k_break));
    assert_int_equal(p.c.st, OMP_IEC21_CLIENT_CLOSED);
    assert_int_equal(p.c.err, OMP_ERR_TIMEOUT);
}

/* A reply with a wrong BCC is answered NAK (clause 6.3.15 / Kamstrup p.21); the meter repeats. */
static void test_reply_bad_bcc_nak_then_ok(void **state)
{
    (void)state;
    struct port p;
    sign_on_programming(&p, B(k_e3_ident));
    command(&p, 'R', '5', B("1.0.0()"), B(k_r5));
    for (int i = 0; i < 2; i++) {
        rx_after(&p, 300, B(k_r5_reply_bad));
        assert_int_equal(p.c.st, OMP_IEC21_CLIENT_BUSY);
        expect_nothing_sent(&p);
        tx_after(&p, 200, B("\x15"));
    }
    rx_after(&p, 300, B(k_r5_reply));
    struct omp_iec21_msg m;
    assert_int_equal(omp_iec21_client_reply(&p.c, &m), OMP_OK);
    assert_span(m.data, "1.0.0(01050201075012)");
    assert_true(p.c.rx.bad >= 2u);
}

static void test_reply_bad_bcc_retries_exhausted(void **state)
{
    (void)state;
    struct port p;
    sign_on_programming(&p, B(k_e3_ident));
    p.c.cfg.retries = 2;
    command(&p, 'R', '5', B("1.0.0()"), B(k_r5));
    for (int i = 0; i < 2; i++) {
        rx_after(&p, 300, B(k_r5_reply_bad));
        tx_after(&p, 200, B("\x15"));
    }
    rx_after(&p, 300, B(k_r5_reply_bad));
    expect_failed(&p, OMP_ERR_CRC);
    expect_nothing_sent(&p);
}

static void test_p0_bad_bcc_and_p1_nak(void **state)
{
    (void)state;
    struct port p;
    struct omp_iec21_client_cfg cfg = cfg_c('1', "12345");
    prog_sign_on(&p, &cfg, B(k_e3_ident));
    rx_after(&p, 250,
             B("\x01"
               "P0\x02()\x03"
               "\x61")); /* BCC off by one (hand-edited) */
    tx_after(&p, 200, B("\x15"));
    rx_after(&p, 250, B(k_p0));
    wait_run(&p, 200);
    /* SOH P1 STX (12345) ETX BCC; BCC 0x50 by Python XOR */
    static const char p1[] = "\x01"
                             "P1\x02(12345)\x03"
                             "\x50";
    expect_sent(&p, B(p1));
    /* the meter did not read it: P1 again */
    const uint8_t nak = OMP_IEC21_NAK, ack = OMP_IEC21_ACK;
    rx_after(&p, 250, &nak, 1);
    expect_nothing_sent(&p);
    tx_after(&p, 200, B(p1));
    rx_after(&p, 250, &ack, 1);
    assert_int_equal(p.c.st, OMP_IEC21_CLIENT_READY);
}

static void test_password_refused(void **state)
{
    (void)state;
    struct port p;
    struct omp_iec21_client_cfg cfg = cfg_c('1', "wrong");
    prog_p0(&p, &cfg, B(k_e3_ident), 250);
    p.sent_len = 0;
    rx_after(&p, 250, B(k_break)); /* Kamstrup IEC p.25: a wrong password gives a break */
    expect_failed(&p, OMP_ERR_DENIED);
    expect_nothing_sent(&p);

    /* a meter that refuses programming mode at once (break instead of P0) */
    prog_sign_on(&p, &cfg, B(k_e3_ident));
    rx_after(&p, 250, B(k_break));
    assert_int_equal(p.c.err, OMP_ERR_DENIED);
}

/* Messages out of turn in programming mode. */
static void test_programming_protocol_errors(void **state)
{
    (void)state;
    const uint8_t nak = OMP_IEC21_NAK;
    struct port p;
    struct omp_iec21_client_cfg cfg = cfg_c('1', "password");

    /* a data message where P0 belongs */
    prog_sign_on(&p, &cfg, B(k_e3_ident));
    rx_after(&p, 250, B(k_r5_reply));
    expect_failed(&p, OMP_ERR_PROTOCOL);

    /* P1 answered by NAK more often than retries allow */
    cfg.retries = 1;
    prog_p0(&p, &cfg, B(k_e3_ident), 250);
    expect_sent(&p, B(k_p1));
    deliver(&p, &nak, 1);
    tx_after(&p, 200, B(k_p1));
    deliver(&p, &nak, 1);
    expect_failed(&p, OMP_ERR_CRC);

    /* a data message where the ACK of the password belongs */
    prog_p0(&p, &cfg, B(k_e3_ident), 250);
    deliver(&p, B(k_r5_reply));
    assert_int_equal(p.c.err, OMP_ERR_PROTOCOL);

    /* the meter breaks off while a command waits for its reply */
    sign_on_programming(&p, B(k_e3_ident));
    command(&p, 'R', '5', B("1.0.0()"), B(k_r5));
    deliver(&p, B(k_request)); /* out of turn (e.g. an echo): ignored */
    assert_int_equal(p.c.st, OMP_IEC21_CLIENT_BUSY);
    deliver(&p, B(k_break));
    expect_failed(&p, OMP_ERR_PROTOCOL);
}

/* A meter whose identification has no mode C baud-rate character (here 'E', a mode B rate):
 * the option select names '0' and the rate stays at 300 Bd. */
static void test_ident_not_mode_c(void **state)
{
    (void)state;
    struct port p;
    struct omp_iec21_client_cfg cfg = cfg_default();
    sign_on(&p, &cfg, 250, B("/ABCEMETER\r\n"));
    assert_int_equal(p.c.baud_char, 'E');
    tx_after(&p, 200,
             B("\x06"
               "000\r\n"));
    assert_int_equal(p.nbauds, 1);
    assert_int_equal(p.c.baud, 300);
}

/* ---- E4: load profile in partial blocks ------------------------------------------------------ */

static void test_e4_load_profile_blocks(void **state)
{
    (void)state;
    struct port p;
    sign_on_programming(&p, B(k_e4_ident));
    command(&p, 'R', '6', B(E4_R6_DATA), B(k_r6));
    rx_after(&p, 400, B(k_e4_block1));
    assert_int_equal(p.c.st, OMP_IEC21_CLIENT_REPLY);
    struct omp_iec21_msg m;
    expect_reply(&p, OMP_IEC21_MSG_PARTIAL, &m);
    assert_int_equal(m.data.len, sizeof k_e4_block1 - 1u - 3u);
    assert_memory_equal(m.data.ptr, k_e4_block1 + 1, m.data.len);
    assert_int_equal(p.c.st, OMP_IEC21_CLIENT_REPLY); /* stays until next_block */
    assert_int_equal(omp_iec21_client_command(&p.c, p.now, 'R', '5', B("1.0.0()")), OMP_ERR_STATE);

    /* the header line: 99.1.0 (4 columns) then id/unit pairs */
    struct omp_iec21_ds_iter it;
    struct omp_iec21_dataset ds;
    omp_iec21_ds_init(&it, m.data.ptr, m.data.len);
    static const char *const head[] = {"4",       "1.0.0", "",      "96.56.2", "",
                                       "96.56.3", "",      "1.8.0", "kWh"};
    for (uint16_t i = 0; i < sizeof head / sizeof head[0]; i++) {
        assert_int_equal(omp_iec21_ds_next(&it, &ds), OMP_OK);
        assert_ds(&ds, "99.1.0", head[i], NULL, i, 0);
    }
    /* six records of four values */
    static const char *const rec1[] = {"01050101000000", "0", "0", "0000586.12"};
    size_t groups = 0;
    omp_err err;
    while ((err = omp_iec21_ds_next(&it, &ds)) == OMP_OK) {
        assert_int_equal(ds.line, 1u + groups / 4u);
        if (groups < 4u) {
            assert_span(ds.value, rec1[groups]);
        }
        groups++;
    }
    assert_int_equal(err, OMP_ERR_NOT_FOUND);
    assert_int_equal(groups, 24);
    assert_span(ds.value, "0000590.25");

    assert_int_equal(omp_iec21_client_next_block(&p.c, p.now), OMP_OK);
    assert_int_equal(omp_iec21_client_next_block(&p.c, p.now), OMP_ERR_STATE);
    run(&p);
    expect_nothing_sent(&p);
    tx_after(&p, 200, B("\x06"));
    rx_after(&p, 300, B(k_e4_block2));
    expect_reply(&p, OMP_IEC21_MSG_DATA, &m);
    assert_int_equal(p.c.st, OMP_IEC21_CLIENT_READY);
    assert_int_equal(omp_iec21_client_next_block(&p.c, p.now), OMP_ERR_STATE);
    omp_iec21_ds_init(&it, m.data.ptr, m.data.len);
    groups = 0;
    while ((err = omp_iec21_ds_next(&it, &ds)) == OMP_OK) {
        groups++;
    }
    assert_int_equal(err, OMP_ERR_NOT_FOUND);
    assert_int_equal(groups, 9u + 3u * 4u);
    assert_span(ds.value, "0000592.95");
}

/* ---- abandon --------------------------------------------------------------------------------- */

static void test_break_while_busy(void **state)
{
    (void)state;
    struct port p;
    start_default(&p);
    p.now += 100;
    assert_int_equal(omp_iec21_client_break(&p.c, p.now), OMP_OK);
    assert_int_equal(omp_iec21_client_break(&p.c, p.now), OMP_OK); /* idempotent */
    deliver(&p, B(k_e2_ident));                                    /* ignored: leaving */
    expect_sent(&p, B(k_break));
    assert_int_equal(p.c.st, OMP_IEC21_CLIENT_CLOSED);
    run(&p);
    expect_nothing_sent(&p);
    assert_true(p.wake == UINT64_MAX);
}

/* ---- mode D: listen only ---------------------------------------------------------------------- */

static struct omp_iec21_client_cfg cfg_d(uint32_t baud, uint32_t readout_ms)
{
    struct omp_iec21_client_cfg cfg = cfg_default();
    cfg.mode = 'D';
    cfg.max_baud = baud;
    cfg.readout_ms = readout_ms;
    return cfg;
}

/* Start listening at @p baud for @p readout_ms with a receive buffer of @p cap bytes: one rate
 * change, nothing sent. */
static void start_d(struct port *p, uint32_t baud, uint32_t readout_ms, size_t cap)
{
    memset(p, 0, sizeof *p);
    p->now = 1000;
    struct omp_iec21_client_cfg cfg = cfg_d(baud, readout_ms);
    assert_int_equal(omp_iec21_client_start(&p->c, &cfg, p->buf, cap, p->now), OMP_OK);
    assert_int_equal(p->c.st, OMP_IEC21_CLIENT_BUSY);
    run(p);
    assert_int_equal(p->nbauds, 1);
    assert_int_equal(p->bauds[0], baud);
    assert_int_equal(p->c.baud, baud);
    expect_nothing_sent(p);
    run(p);
    assert_int_equal(p->nbauds, 1); /* asked for once */
}

/* READOUT holding D0_DATA; the identification as in k_d0_ident, or none when @p ident is false. */
static void check_d0_readout(const struct port *p, bool ident)
{
    assert_int_equal(p->c.st, OMP_IEC21_CLIENT_READOUT);
    struct omp_iec21_span d;
    assert_int_equal(omp_iec21_client_readout(&p->c, &d), OMP_OK);
    assert_span(d, D0_DATA);
    assert_true(p->wake == UINT64_MAX);
    assert_int_equal(p->sent_len, 0); /* a listener never sends */
    if (ident) {
        assert_string_equal(p->c.mfr, "KAM");
        assert_int_equal(p->c.baud_char, '3');
        assert_string_equal(p->c.ident, " 6841138BN143002");
    } else {
        assert_string_equal(p->c.mfr, "");
        assert_int_equal(p->c.baud_char, 0);
        assert_string_equal(p->c.ident, "");
    }
    struct omp_iec21_ds_iter it;
    struct omp_iec21_dataset ds;
    omp_iec21_ds_init(&it, d.ptr, d.len);
    assert_int_equal(omp_iec21_ds_next(&it, &ds), OMP_OK);
    assert_ds(&ds, "0.0.1", "12345678", NULL, 0, 0);
    assert_int_equal(omp_iec21_ds_next(&it, &ds), OMP_OK);
    assert_ds(&ds, "1.8.0", "0000123.45", "kWh", 0, 1);
    assert_int_equal(omp_iec21_ds_next(&it, &ds), OMP_OK);
    assert_ds(&ds, "1.6.0", "00002.081", "kW", 0, 2);
    assert_int_equal(omp_iec21_ds_next(&it, &ds), OMP_OK);
    assert_ds(&ds, "1.6.0", "01260115181500", NULL, 1, 2);
    assert_int_equal(omp_iec21_ds_next(&it, &ds), OMP_ERR_NOT_FOUND);
}

static void test_d0_start_args(void **state)
{
    (void)state;
    static struct omp_iec21_client c;
    uint8_t buf[64];
    struct omp_iec21_client_cfg cfg = cfg_d(2400, 60000);
    cfg.max_baud = 115200; /* no baud-rate character */
    assert_int_equal(omp_iec21_client_start(&c, &cfg, buf, sizeof buf, 0), OMP_ERR_ARG);
    cfg.max_baud = 0;
    assert_int_equal(omp_iec21_client_start(&c, &cfg, buf, sizeof buf, 0), OMP_ERR_ARG);
    cfg = cfg_d(2400, 60000);
    assert_int_equal(omp_iec21_client_start(&c, &cfg, buf, 63, 0), OMP_ERR_ARG);
    /* not used in mode D, so not checked: address, option, password, reply_ms */
    memset(cfg.address, '!', sizeof cfg.address);
    cfg.option = '7';
    memset(cfg.password, ')', sizeof cfg.password);
    cfg.reply_ms = 0;
    assert_int_equal(omp_iec21_client_start(&c, &cfg, buf, sizeof buf, 0), OMP_OK);
    /* every rate of the D0 setting 131.0.9 (0..5) and 19200 */
    static const uint32_t rates[] = {300, 600, 1200, 2400, 4800, 9600, 19200};
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
        struct port p;
        start_d(&p, rates[i], 60000, sizeof p.buf);
    }
}

/* Listen: identification and data message as one D0 transmission; nothing is ever sent. */
static void test_d0_listen(void **state)
{
    (void)state;
    struct port p;
    start_d(&p, 2400, 60000, sizeof p.buf);
    assert_int_equal(p.wake, 1000 + 60000); /* readout_ms from start */
    for (int i = 0; i < 50; i++) {
        wait_run(&p, 1000);
        expect_nothing_sent(&p);
        assert_int_equal(p.c.st, OMP_IEC21_CLIENT_BUSY);
    }
    rx_after(&p, 100, B(k_d0_ident));
    assert_int_equal(p.c.st, OMP_IEC21_CLIENT_BUSY);
    assert_string_equal(p.c.ident, " 6841138BN143002");
    rx_after(&p, 10, B(k_d0_data));
    check_d0_readout(&p, true);
    assert_int_equal(p.c.bcc_errors, 0);
    assert_int_equal(p.nbauds, 1);
    /* in READOUT: later bytes are ignored and the readout stays; break is refused */
    deliver(&p, B(k_short_readout));
    check_d0_readout(&p, true);
    assert_int_equal(omp_iec21_client_break(&p.c, p.now), OMP_ERR_STATE);

    /* both in one chunk */
    start_d(&p, 2400, 60000, sizeof p.buf);
    rx_after(&p, 5000, B(k_d0_message));
    check_d0_readout(&p, true);
}

/* Garbage is skipped; a data message without an identification right before it (the listener
 * joined during the identification, or another message came in between) is a readout with an
 * empty ident. */
static void test_d0_garbage_and_bare_data(void **state)
{
    (void)state;
    struct port p;
    start_d(&p, 2400, 60000, sizeof p.buf);
    static const char noise_d0[] = "\x00\x7F\x20xyz\r\n"
                                   "/KAM3 6841138BN143002\r\n"
                                   "\x11\x7E noise "
                                   "\x02" D0_DATA "\x03\x4A";
    rx_after(&p, 700, B(noise_d0));
    check_d0_readout(&p, true);
    assert_true(p.c.rx.skipped >= 7u + 8u);

    /* the second half of an identification, then the data message */
    start_d(&p, 2400, 60000, sizeof p.buf);
    rx_after(&p, 700, B("41138BN143002\r\n"));
    rx_after(&p, 10, B(k_d0_data));
    check_d0_readout(&p, false);

    /* another reader's request between identification and data: the ident is forgotten */
    start_d(&p, 2400, 60000, sizeof p.buf);
    rx_after(&p, 700, B(k_d0_ident));
    rx_after(&p, 10, B(k_request));
    assert_int_equal(p.c.st, OMP_IEC21_CLIENT_BUSY);
    rx_after(&p, 10, B(k_d0_data));
    check_d0_readout(&p, false);

    /* other messages alone (a partial block, an ACK) do not end the wait */
    start_d(&p, 2400, 60000, sizeof p.buf);
    rx_after(&p, 700, B(k_partial_short));
    rx_after(&p, 10, B("\x06"));
    assert_int_equal(p.c.st, OMP_IEC21_CLIENT_BUSY);
    rx_after(&p, 5000, B(k_d0_message));
    check_d0_readout(&p, true);
}

/* A bad BCC is counted and the next transmission is taken: no NAK, no failure. */
static void test_d0_bad_bcc_then_good(void **state)
{
    (void)state;
    struct port p;
    start_d(&p, 2400, 60000, sizeof p.buf);
    rx_after(&p, 500, B(k_d0_ident));
    rx_after(&p, 10, B(k_d0_data_bad));
    assert_int_equal(p.c.st, OMP_IEC21_CLIENT_BUSY);
    assert_int_equal(p.c.bcc_errors, 1);
    assert_string_equal(p.c.ident, ""); /* it belonged to the dropped message */
    expect_nothing_sent(&p);
    assert_int_equal(p.wake, 1000 + 60000); /* the wait is not restarted */
    /* twice more, the second time without its identification */
    rx_after(&p, 5000, B(k_d0_ident));
    rx_after(&p, 10, B(k_d0_data_bad));
    rx_after(&p, 5000, B(k_d0_data_bad));
    assert_int_equal(p.c.bcc_errors, 3);
    assert_int_equal(p.c.st, OMP_IEC21_CLIENT_BUSY);
    /* the next interval's transmission is good */
    rx_after(&p, 5000, B(k_d0_message));
    check_d0_readout(&p, true);
    assert_int_equal(p.c.bcc_errors, 3);
}

static void test_d0_timeout(void **state)
{
    (void)state;
    struct port p;
    start_d(&p, 2400, 30000, sizeof p.buf); /* from t = 1000 */
    p.now = 1000 + 29999;
    run(&p);
    assert_int_equal(p.c.st, OMP_IEC21_CLIENT_BUSY);
    p.now = 1000 + 30000;
    run(&p);
    expect_failed(&p, OMP_ERR_TIMEOUT);
    assert_true(p.wake == UINT64_MAX);
    deliver(&p, B(k_d0_message)); /* too late: ignored */
    assert_int_equal(p.c.st, OMP_IEC21_CLIENT_FAILED);
    expect_nothing_sent(&p);
    /* break after a failure: nothing sent either, the error stays */
    assert_int_equal(omp_iec21_client_break(&p.c, p.now), OMP_OK);
    assert_int_equal(p.c.st, OMP_IEC21_CLIENT_CLOSED);
    assert_int_equal(p.c.err, OMP_ERR_TIMEOUT);
    run(&p);
    expect_nothing_sent(&p);

    /* a message that starts before the deadline may finish within ta of its last character */
    start_d(&p, 2400, 30000, sizeof p.buf);
    rx_after(&p, 29000, (const uint8_t *)k_d0_message, 40);
    wait_run(&p, 1499); /* ta (1500 ms) after the last character, past readout_ms */
    assert_int_equal(p.c.st, OMP_IEC21_CLIENT_BUSY);
    deliver(&p, (const uint8_t *)&k_d0_message[40], sizeof k_d0_message - 1u - 40u);
    check_d0_readout(&p, true);

    /* readout_ms 0: no limit; break stops listening without sending anything */
    start_d(&p, 9600, 0, sizeof p.buf);
    assert_true(p.wake == UINT64_MAX);
    wait_run(&p, 86400000u);
    assert_int_equal(p.c.st, OMP_IEC21_CLIENT_BUSY);
    assert_true(p.wake == UINT64_MAX);
    assert_int_equal(omp_iec21_client_break(&p.c, p.now), OMP_OK);
    assert_int_equal(p.c.st, OMP_IEC21_CLIENT_CLOSED);
    assert_int_equal(p.c.err, OMP_OK);
    run(&p);
    expect_nothing_sent(&p);
    assert_int_equal(omp_iec21_client_break(&p.c, p.now), OMP_ERR_STATE);
}

/* Split delivery: byte by byte, and in two chunks cut at every position. */
static void test_d0_split(void **state)
{
    (void)state;
    struct port p;
    start_d(&p, 2400, 60000, sizeof p.buf);
    p.now += 3000;
    for (size_t i = 0; i + 1u < sizeof k_d0_message; i++) {
        assert_int_equal(p.c.st, OMP_IEC21_CLIENT_BUSY);
        rx_after(&p, 4, (const uint8_t *)&k_d0_message[i], 1); /* 2400 Bd: 4 ms a character */
    }
    check_d0_readout(&p, true);

    const size_t n = sizeof k_d0_message - 1u;
    for (size_t cut = 1; cut < n; cut++) {
        start_d(&p, 2400, 60000, sizeof p.buf);
        rx_after(&p, 100, (const uint8_t *)k_d0_message, cut);
        assert_int_equal(p.c.st, OMP_IEC21_CLIENT_BUSY);
        rx_after(&p, 100, (const uint8_t *)&k_d0_message[cut], n - cut);
        check_d0_readout(&p, true);
    }
}

static void test_d0_too_big(void **state)
{
    (void)state;
    struct port p;
    start_d(&p, 2400, 60000, 64); /* the 83-byte data message does not fit */
    rx_after(&p, 100, B(k_d0_message));
    expect_failed(&p, OMP_ERR_NOSPACE);
    expect_nothing_sent(&p);
}

/* ---- against the library's own server (lib/iec62056_21/iec21_server.c) ----------------------- */

/* The meter's application: a three-line readout, R5 answered with the E3 clock, R6 in three
 * blocks "(0)", "(1)" (partial) and "(2)" (last). */
static omp_err lb_readout_line(void *user, enum omp_iec21_list list, size_t index, struct omp_wr *w)
{
    (void)user;
    (void)list;
    static const char *const lines[] = {"0.0.1(12345678)\r\n", "1.8.0(0000010*kwh)\r\n",
                                        "1.6.0(0.000*kW)(00000101000000)\r\n"};
    if (index >= sizeof lines / sizeof lines[0]) {
        return OMP_ERR_NOT_FOUND;
    }
    return omp_wr_bytes(w, lines[index], strlen(lines[index]));
}

static omp_err lb_command(void *user, const struct omp_iec21_msg *cmd, uint32_t block,
                          struct omp_wr *w, enum omp_iec21_reply *reply)
{
    (void)user;
    if (cmd->cmd == 'R' && cmd->cmd_type == '5') {
        *reply = OMP_IEC21_REPLY_DATA;
        return omp_wr_bytes(w, "1.0.0(01050201075012)", 21);
    }
    if (cmd->cmd == 'R' && cmd->cmd_type == '6' && block <= 2u) {
        const uint8_t b[5] = {'(', (uint8_t)('0' + block), ')', '\r', '\n'};
        *reply = (block < 2u) ? OMP_IEC21_REPLY_PARTIAL : OMP_IEC21_REPLY_DATA;
        return omp_wr_bytes(w, b, sizeof b);
    }
    return OMP_ERR_NOT_FOUND;
}

struct loop {
    struct omp_iec21_server s;
    struct omp_iec21_client c;
    uint8_t buf[1024];
    uint32_t cbaud, sbaud;
    uint64_t now;
    unsigned dropped; /* bytes sent while the two rates differed */
};

/* One output @p o of a side whose rate is @p baud: its bytes reach the other side (the server when
 * @p to_server) only at the same rate. False when the side had nothing to do. */
static bool loop_out(struct loop *l, const struct omp_iec21_out *o, uint32_t *baud, bool to_server)
{
    *baud = (o->baud != 0u) ? o->baud : *baud;
    if (o->tx == NULL && o->baud == 0u) {
        return false;
    }
    if (o->tx != NULL && l->cbaud == l->sbaud) {
        if (to_server) {
            omp_iec21_server_rx(&l->s, l->now, o->tx, o->tx_len);
        } else {
            omp_iec21_client_rx(&l->c, l->now, o->tx, o->tx_len);
        }
    } else if (o->tx != NULL) {
        l->dropped += (unsigned)o->tx_len;
    }
    return true;
}

/* One 10 ms step: each side's port sends what its machine hands out; the other side receives it
 * only at the same rate. */
static void loop_step(struct loop *l)
{
    struct omp_iec21_out o;
    for (int i = 0; i < 16; i++) {
        omp_iec21_client_poll(&l->c, l->now, &o);
        if (!loop_out(l, &o, &l->cbaud, true)) {
            break;
        }
        omp_iec21_client_sent(&l->c, o.tx_len);
    }
    for (int i = 0; i < 64; i++) {
        omp_iec21_server_poll(&l->s, l->now, &o);
        if (!loop_out(l, &o, &l->sbaud, false)) {
            break;
        }
        omp_iec21_server_sent(&l->s, o.tx_len);
    }
    l->now += 10u;
}

static void loop_start(struct loop *l, char mode, uint8_t option, const char *password)
{
    static const struct omp_iec21_app app = {lb_readout_line, lb_command};
    memset(l, 0, sizeof *l);
    l->now = 10000;
    struct omp_iec21_server_cfg scfg;
    omp_iec21_server_cfg_default(&scfg); /* KAM, '5', password "12345" */
    assert_int_equal(omp_iec21_server_init(&l->s, &scfg, &app, NULL, l->now), OMP_OK);
    l->sbaud = 300;
    struct omp_iec21_client_cfg cfg = cfg_c(option, password);
    cfg.mode = mode;
    assert_int_equal(omp_iec21_client_start(&l->c, &cfg, l->buf, sizeof l->buf, l->now), OMP_OK);
}

/* Run until the client leaves BUSY (at most @p ms). */
static void loop_until_settled(struct loop *l, unsigned ms)
{
    for (unsigned t = 0; t < ms && l->c.st == OMP_IEC21_CLIENT_BUSY; t += 10u) {
        loop_step(l);
    }
}

static void test_loopback_library_server(void **state)
{
    (void)state;
    static const char want_readout[] = "0.0.1(12345678)\r\n1.8.0(0000010*kwh)\r\n"
                                       "1.6.0(0.000*kW)(00000101000000)\r\n!\r\n";
    static struct loop l;
    struct omp_iec21_span d;
    struct omp_iec21_msg m;

    /* mode C readout at 9600 Bd, mode A readout at 300 Bd after the meter's tt */
    const char modes[2] = {'C', 'A'};
    for (size_t i = 0; i < 2u; i++) {
        loop_start(&l, modes[i], '0', "");
        loop_until_settled(&l, 10000);
        assert_int_equal(l.c.st, OMP_IEC21_CLIENT_READOUT);
        assert_int_equal(omp_iec21_client_readout(&l.c, &d), OMP_OK);
        assert_span(d, want_readout);
        assert_int_equal(l.c.baud, (modes[i] == 'C') ? 9600 : 300);
        assert_int_equal(l.dropped, 0);
        assert_string_equal(l.c.ident, " OMNIPOWER"); /* the server's default ident */
    }

    /* programming mode: R5, R6 in blocks, break */
    loop_start(&l, 'C', '1', "12345");
    loop_until_settled(&l, 5000);
    assert_int_equal(l.c.st, OMP_IEC21_CLIENT_READY);
    assert_int_equal(omp_iec21_client_command(&l.c, l.now, 'R', '5', B("1.0.0()")), OMP_OK);
    loop_until_settled(&l, 5000);
    assert_int_equal(omp_iec21_client_reply(&l.c, &m), OMP_OK);
    assert_int_equal(m.kind, OMP_IEC21_MSG_DATA);
    assert_span(m.data, "1.0.0(01050201075012)");
    assert_int_equal(omp_iec21_client_command(&l.c, l.now, 'R', '6', B("99.1.0()")), OMP_OK);
    for (unsigned block = 0; block < 3u; block++) {
        loop_until_settled(&l, 5000);
        assert_int_equal(omp_iec21_client_reply(&l.c, &m), OMP_OK);
        const char want[] = {'(', (char)('0' + block), ')', '\r', '\n', '\0'};
        assert_span(m.data, want);
        assert_int_equal(m.kind, (block < 2u) ? OMP_IEC21_MSG_PARTIAL : OMP_IEC21_MSG_DATA);
        if (block < 2u) {
            assert_int_equal(omp_iec21_client_next_block(&l.c, l.now), OMP_OK);
        }
    }
    assert_int_equal(omp_iec21_client_break(&l.c, l.now), OMP_OK);
    loop_until_settled(&l, 5000);
    assert_int_equal(l.c.st, OMP_IEC21_CLIENT_CLOSED);
    for (int i = 0; i < 50; i++) {
        loop_step(&l);
    }
    assert_false(omp_iec21_server_busy(&l.s)); /* the meter left programming mode */
    assert_int_equal(l.s.prog_sessions, 1);

    /* a wrong password: the meter breaks, the client reports DENIED */
    loop_start(&l, 'C', '1', "54321");
    loop_until_settled(&l, 5000);
    assert_int_equal(l.c.st, OMP_IEC21_CLIENT_FAILED);
    assert_int_equal(l.c.err, OMP_ERR_DENIED);
    assert_int_equal(l.s.bad_passwords, 1);
}

/* Mode D against the server's D0 (every 5 s at 2400 Bd): a listener at 2400 Bd gets the readout
 * list with the identification /KAM3; one at 9600 Bd hears nothing it can read and times out. */
static void test_loopback_d0(void **state)
{
    (void)state;
    static const char want_readout[] = "0.0.1(12345678)\r\n1.8.0(0000010*kwh)\r\n"
                                       "1.6.0(0.000*kW)(00000101000000)\r\n!\r\n";
    static const struct omp_iec21_app app = {lb_readout_line, NULL};
    static const uint32_t rates[2] = {2400, 9600};
    static struct loop l;
    for (size_t i = 0; i < 2u; i++) {
        memset(&l, 0, sizeof l);
        l.now = 10000;
        struct omp_iec21_server_cfg scfg;
        omp_iec21_server_cfg_default(&scfg);
        scfg.programming = false;
        scfg.d0_interval_ms = 5000;
        scfg.d0_baud = 2400;
        assert_int_equal(omp_iec21_server_init(&l.s, &scfg, &app, NULL, l.now), OMP_OK);
        l.sbaud = 300;
        struct omp_iec21_client_cfg cfg = cfg_d(rates[i], 8000);
        assert_int_equal(omp_iec21_client_start(&l.c, &cfg, l.buf, sizeof l.buf, l.now), OMP_OK);
        loop_until_settled(&l, 10000);
        assert_int_equal(l.s.d0_sent, 1);
        assert_int_equal(l.s.signons, 0); /* the listener sent nothing */
        if (rates[i] == 2400) {
            struct omp_iec21_span d;
            assert_int_equal(l.c.st, OMP_IEC21_CLIENT_READOUT);
            assert_int_equal(omp_iec21_client_readout(&l.c, &d), OMP_OK);
            assert_span(d, want_readout);
            assert_string_equal(l.c.mfr, "KAM");
            assert_int_equal(l.c.baud_char, '3');
            assert_string_equal(l.c.ident, " OMNIPOWER");
            assert_int_equal(l.dropped, 0);
        } else {
            assert_int_equal(l.c.st, OMP_IEC21_CLIENT_FAILED);
            assert_int_equal(l.c.err, OMP_ERR_TIMEOUT);
            assert_true(l.dropped > 0u);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cfg_default),
        cmocka_unit_test(test_start_args),
        cmocka_unit_test(test_api_states),
        cmocka_unit_test(test_e1_sign_on),
        cmocka_unit_test(test_e2_mode_c_readout),
        cmocka_unit_test(test_baud_switch_order),
        cmocka_unit_test(test_baud_choice),
        cmocka_unit_test(test_mode_a_readout),
        cmocka_unit_test(test_mode_a_timeout),
        cmocka_unit_test(test_timeout_no_ident),
        cmocka_unit_test(test_timeout_no_readout),
        cmocka_unit_test(test_slow_readout_and_stall),
        cmocka_unit_test(test_garbage_before_ident),
        cmocka_unit_test(test_split_byte_by_byte),
        cmocka_unit_test(test_readout_bad_bcc),
        cmocka_unit_test(test_readout_partial_is_protocol_error),
        cmocka_unit_test(test_readout_too_big),
        cmocka_unit_test(test_e3_read_clock),
        cmocka_unit_test(test_reply_kinds),
        cmocka_unit_test(test_reply_bad_bcc_nak_then_ok),
        cmocka_unit_test(test_reply_bad_bcc_retries_exhausted),
        cmocka_unit_test(test_p0_bad_bcc_and_p1_nak),
        cmocka_unit_test(test_password_refused),
        cmocka_unit_test(test_programming_protocol_errors),
        cmocka_unit_test(test_ident_not_mode_c),
        cmocka_unit_test(test_e4_load_profile_blocks),
        cmocka_unit_test(test_break_while_busy),
        cmocka_unit_test(test_d0_start_args),
        cmocka_unit_test(test_d0_listen),
        cmocka_unit_test(test_d0_garbage_and_bare_data),
        cmocka_unit_test(test_d0_bad_bcc_then_good),
        cmocka_unit_test(test_d0_timeout),
        cmocka_unit_test(test_d0_split),
        cmocka_unit_test(test_d0_too_big),
        cmocka_unit_test(test_loopback_library_server),
        cmocka_unit_test(test_loopback_d0),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

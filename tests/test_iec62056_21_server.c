/*
 * IEC 62056-21 server (meter side): sign-on, modes A/C/D0, programming mode, timers.
 *
 * Exchanges follow the examples of Kamstrup "OMNIPOWER, K382M, K351C IEC 1107 Protocol
 * description" 55121458_B1_GB_01.2015 (sections 7.3, 7.4, 8.1.1, 8.1.5; copied from
 * shared/vectors/kamstrup_iec1107_doc_examples.txt, which CI does not have), with the password
 * "(password)" taken literally. BCCs: XOR of the bytes after SOH/STX up to and including ETX/EOT
 * (IEC 62056-21 clause 6.3.15), computed independently with a Python one-liner
 * (functools.reduce(operator.xor, body, 0)); the short ones re-checked by hand:
 *   B0  'B' 42 ^ '0' 30 ^ ETX 03 = 0x71          P0  50 ^ 30 ^ 02 ^ '(' 28 ^ ')' 29 ^ 03 = 0x60
 *   `!` CR LF ETX: 21 ^ 0D ^ 0A ^ 03 = 0x25
 *   ER06: 'E' 45 ^ 'R' 52 = 17, ^ '0' 30 = 27, ^ '6' 36 = 11, ^ ETX 03 = 0x12
 *   ER07: 'E' 45 ^ 'R' 52 = 17, ^ '0' 30 = 27, ^ '7' 37 = 10, ^ ETX 03 = 0x13
 * Times are in ms; the defaults are Kamstrup's: tr_min 200, ta 1500, tt 1700, ti 90 s, Tr (the
 * P0 -> P1 wait, tr_pw_ms) 1500. tt and Tr run from the end of the identification / P0 on the
 * line: the server adds the airtime of what it hands out, ceil(characters * 10 bits * 1000 / baud)
 * ms (7E1: 10 bits a character):
 *   identification `/KAM5 6841138BN143002` CR LF, 23 characters at 300 Bd:
 *     ceil(230000 / 300) = ceil(766.67) = 767 ms
 *   P0 `SOH P0 STX ( ) ETX BCC`, 8 characters: at 9600 Bd ceil(80000 / 9600) = ceil(8.33) = 9 ms;
 *     at 300 Bd ceil(80000 / 300) = ceil(266.67) = 267 ms
 * The Kamstrup messages shared with the codec and client tests are in iec21_test.h.
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

/* E3 identification as this server sends it (no trailing space) */
static const char k_ident[] = "/KAM5 6841138BN143002\r\n";
static const char k_p1_wrong[] = "\x01P1\x02(12345)\x03\x50";
static const char k_r1[] = "\x01R1\x02"
                           "131.0.3()\x03\x53";
static const char k_r1_reply[] = "\x02"
                                 "131.0.3(1)\x03\x03";
/* the server's own error replies (BCCs by hand above) */
static const char k_er06[] = "\x02"
                             "ER06\x03\x12"; /* unknown command */
static const char k_er07[] = "\x02"
                             "ER07\x03\x13"; /* device error (application) */

/* airtimes (ms) of the identification and of P0, worked out above */
#define AIR_IDENT_300 767u
#define AIR_P0_9600   9u
#define AIR_P0_300    267u

/* E2 readout, User data 2 (section 7.4), line by line; the whole message is k_e2_readout */
static const char *const k_e2_lines[] = {
    "0.0.1(12345678)\r\n",
    "97.97.0(210)\r\n",
    "1.8.0(0000010*kwh)\r\n",
    "1.8.1(0000010*kwh)\r\n",
    "1.8.2(0000000*kwh)\r\n",
    "2.8.0(0000010*kwh)\r\n",
    "2.8.1(0000010*kwh)\r\n",
    "2.8.2(0000000*kwh)\r\n",
    "3.8.0(0000000*kvarh)\r\n",
    "3.8.1(0000000*kwh)\r\n",
    "3.8.2(0000000*kwh)\r\n",
    "4.8.0(0000000*kvarh)\r\n",
    "4.8.1(0000000*kwh)\r\n",
    "4.8.2(0000000*kwh)\r\n",
    "1.6.0(0.000*kW)(00000101000000)\r\n",
    "1.6.1(0.000*kW)(00000101000000)\r\n",
    "1.6.2(0.000*kW)(00000101000000)\r\n",
    "2.6.0(0.000*kW)(00000101000000)\r\n",
    "1.2.0(0.000*kW)\r\n",
    "2.2.0(0.000*kW)\r\n",
    "3.6.0(0.000*kvar)(00000101000000)\r\n",
    "3.2.0(0.000*kvar)\r\n",
    "4.6.0(0.000*kvar)(00000101000000)\r\n",
    "4.2.0(0.000*kvar)\r\n",
    "0.1.0(0)\r\n",
    "96.8.0(49)\r\n",
    "1.0.0(01131212114656)\r\n",
};

/* a short list of two lines; BCC over the data and ETX = 0x4A (Python) */
static const char *const k_small_lines[] = {"0.0.1(12345678)\r\n", "1.8.0(0000010*kwh)\r\n"};
static const char k_small_readout[] = "\x02"
                                      "0.0.1(12345678)\r\n1.8.0(0000010*kwh)\r\n!\r\n\x03\x4A";
/* the D0 list: one line; BCC 0x75 (Python) */
static const char *const k_d0_lines[] = {"1.8.0(0000010*kwh)\r\n"};
static const char k_d0_ident[] = "/KAM3 6841138BN143002\r\n"; /* '3': sent at 2400 Bd */
static const char k_d0_readout[] = "\x02"
                                   "1.8.0(0000010*kwh)\r\n!\r\n\x03\x75";

/* ------------------------------------------------------------------------------------------ */
/* Fake application                                                                            */
/* ------------------------------------------------------------------------------------------ */

struct fake {
    const char *const *lines;
    size_t nlines;
    const char *const *d0;
    size_t nd0;
    unsigned readout_calls;
    unsigned command_calls;
    char last_cmd[3];
    uint32_t last_block;
    char last_data[64];
    omp_err cmd_err; /* returned by command() when not OK */
};

static omp_err fake_line(void *user, enum omp_iec21_list list, size_t index, struct omp_wr *w)
{
    struct fake *f = user;
    f->readout_calls++;
    const char *const *l = (list == OMP_IEC21_LIST_D0) ? f->d0 : f->lines;
    const size_t n = (list == OMP_IEC21_LIST_D0) ? f->nd0 : f->nlines;
    if (index >= n) {
        return OMP_ERR_NOT_FOUND;
    }
    return omp_wr_bytes(w, l[index], strlen(l[index]));
}

static omp_err fake_command(void *user, const struct omp_iec21_msg *cmd, uint32_t block,
                            struct omp_wr *w, enum omp_iec21_reply *reply)
{
    struct fake *f = user;
    f->command_calls++;
    f->last_cmd[0] = (char)cmd->cmd;
    f->last_cmd[1] = (char)cmd->cmd_type;
    f->last_cmd[2] = '\0';
    f->last_block = block;
    size_t n = cmd->data.len < sizeof f->last_data - 1 ? cmd->data.len : sizeof f->last_data - 1;
    memcpy(f->last_data, cmd->data.ptr, n);
    f->last_data[n] = '\0';
    if (f->cmd_err != OMP_OK) {
        return f->cmd_err;
    }
    if (cmd->cmd == 'R' && cmd->cmd_type == '5') {
        *reply = OMP_IEC21_REPLY_DATA;
        return omp_wr_bytes(w, "1.0.0(01050201075012)", 21);
    }
    if (cmd->cmd == 'R' && cmd->cmd_type == '1') {
        *reply = OMP_IEC21_REPLY_DATA;
        return omp_wr_bytes(w, "131.0.3(1)", 10);
    }
    if (cmd->cmd == 'W' && cmd->cmd_type == '2') {
        *reply = (enum omp_iec21_reply)7; /* not a reply kind */
        return OMP_OK;
    }
    if (cmd->cmd == 'R' && cmd->cmd_type == '2') {
        *reply = OMP_IEC21_REPLY_DATA;
        return omp_wr_bytes(w, "1\x03", 2); /* a framing character in the data */
    }
    if (cmd->cmd == 'W') {
        *reply = OMP_IEC21_REPLY_ACK;
        return OMP_OK;
    }
    if (cmd->cmd == 'R' && cmd->cmd_type == '6') {
        static const char b1[] = E4_B1;
        static const char b2[] = E4_B2;
        if (block == 0) {
            *reply = OMP_IEC21_REPLY_PARTIAL;
            return omp_wr_bytes(w, b1, sizeof b1 - 1);
        }
        *reply = OMP_IEC21_REPLY_DATA;
        return omp_wr_bytes(w, b2, sizeof b2 - 1);
    }
    *reply = OMP_IEC21_REPLY_NAK;
    return OMP_OK;
}

static const struct omp_iec21_app k_app = {fake_line, fake_command};
static const struct omp_iec21_app k_app_readonly = {fake_line, NULL};

static struct omp_iec21_server g_s; /* large: keep it off the stack */
static struct fake g_f;

static void setup_cfg(struct omp_iec21_server_cfg *cfg)
{
    omp_iec21_server_cfg_default(cfg);
    memcpy(cfg->ident, " 6841138BN143002", 17);
    memcpy(cfg->password, "password", 9);
}

static struct omp_iec21_server *start_app(const struct omp_iec21_server_cfg *cfg,
                                          const struct omp_iec21_app *app, uint64_t now)
{
    memset(&g_f, 0, sizeof g_f);
    g_f.lines = k_small_lines;
    g_f.nlines = 2;
    g_f.d0 = k_d0_lines;
    g_f.nd0 = 1;
    assert_int_equal(omp_iec21_server_init(&g_s, cfg, app, &g_f, now), OMP_OK);
    return &g_s;
}

static struct omp_iec21_server *start(const struct omp_iec21_server_cfg *cfg, uint64_t now)
{
    return start_app(cfg, &k_app, now);
}

static struct omp_iec21_server *start_default(uint64_t now)
{
    struct omp_iec21_server_cfg cfg;
    setup_cfg(&cfg);
    return start(&cfg, now);
}

static void rx(struct omp_iec21_server *s, uint64_t now, const uint8_t *d, size_t n)
{
    omp_iec21_server_rx(s, now, d, n);
}

/* Send bytes one per 33 ms (300 Bd, 10 bits a character) starting at @p t; returns the time of
 * the last one. */
static uint64_t rx_slow(struct omp_iec21_server *s, uint64_t t, const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        omp_iec21_server_rx(s, t, d + i, 1);
        if (i + 1 < n) {
            t += 33;
        }
    }
    return t;
}

/* Nothing to send at @p now; returns wake_ms. */
static uint64_t expect_quiet(struct omp_iec21_server *s, uint64_t now)
{
    struct omp_iec21_out out;
    omp_iec21_server_poll(s, now, &out);
    assert_int_equal(out.tx_len, 0);
    assert_null(out.tx);
    return out.wake_ms;
}

/* Poll at @p now and collect everything sent until there is nothing more at @p now; the first
 * output must ask for @p baud. Returns the byte count in @p got. */
static size_t collect(struct omp_iec21_server *s, uint64_t now, uint32_t baud, uint8_t *got,
                      size_t cap)
{
    size_t n = 0;
    bool first = true;
    for (int guard = 0; guard < 1000; guard++) {
        struct omp_iec21_out out;
        omp_iec21_server_poll(s, now, &out);
        if (first) {
            assert_int_equal(out.baud, baud);
            first = false;
        }
        if (out.tx_len == 0) {
            return n;
        }
        assert_true(n + out.tx_len <= cap);
        assert_int_equal(out.wake_ms, now); /* more to do once the bytes are taken */
        memcpy(got + n, out.tx, out.tx_len);
        n += out.tx_len;
        omp_iec21_server_sent(s, out.tx_len);
    }
    fail_msg("server never stopped sending");
    return n;
}

static void expect_tx(struct omp_iec21_server *s, uint64_t now, uint32_t baud, const uint8_t *want,
                      size_t len)
{
    uint8_t got[1024];
    size_t n = collect(s, now, baud, got, sizeof got);
    assert_int_equal(n, len);
    assert_memory_equal(got, want, len);
}

/* After a readout or a session end: the next poll asks for 300 Bd and sends nothing. */
static void expect_back_to_300(struct omp_iec21_server *s, uint64_t now)
{
    struct omp_iec21_out out;
    omp_iec21_server_poll(s, now, &out);
    assert_int_equal(out.baud, 300);
    assert_int_equal(out.tx_len, 0);
    omp_iec21_server_sent(s, 0);
    omp_iec21_server_poll(s, now, &out);
    assert_int_equal(out.baud, 0);
    assert_false(omp_iec21_server_busy(s));
}

/* Sign on at @p t (request one character per 33 ms); the identification goes out tr_min after
 * the last character. Returns the time it was handed out. */
static uint64_t sign_on(struct omp_iec21_server *s, uint64_t t)
{
    uint64_t last = rx_slow(s, t, B("/?!\r\n"));
    assert_int_equal(expect_quiet(s, last + 199), last + 200);
    expect_tx(s, last + 200, 0, B(k_ident));
    return last + 200;
}

/* Bytes @p in at @p t, the answer @p want tr_min (200 ms) later at the rate in use. */
static void exchange(struct omp_iec21_server *s, uint64_t t, const uint8_t *in, size_t n,
                     const uint8_t *want, size_t want_len)
{
    rx(s, t, in, n);
    expect_tx(s, t + 200, 0, want, want_len);
}

/* Sign on at @p t, then the option select @p opt 300 ms after the identification. Returns the
 * time the identification was handed out. */
static uint64_t sign_on_option(struct omp_iec21_server *s, uint64_t t, const char *opt)
{
    t = sign_on(s, t);
    rx(s, t + 300, (const uint8_t *)opt, strlen(opt));
    return t;
}

/* Sign on and select programming mode: P0 at 9600 Bd tr_min after the option select. Returns the
 * time the identification was handed out. */
static uint64_t prog_p0(struct omp_iec21_server *s, uint64_t t)
{
    t = sign_on_option(s, t, k_e3_option);
    expect_tx(s, t + 500, 9600, B(k_p0));
    return t;
}

/* Up to P0, then a wrong password: Kamstrup answers with a break, and a new sign-on is needed
 * (back to 300 Bd). Returns the time the identification was handed out. */
static uint64_t wrong_password(struct omp_iec21_server *s, uint64_t t)
{
    t = prog_p0(s, t);
    exchange(s, t + 800, B(k_p1_wrong), B(k_break));
    expect_back_to_300(s, t + 1000);
    return t;
}

/* Sign on, select programming mode at 9600 Bd, give the password: in programming mode. */
static uint64_t enter_prog(struct omp_iec21_server *s, uint64_t t)
{
    t = sign_on(s, t);
    t = rx_slow(s, t + 400, B(k_e3_option));
    expect_tx(s, t + 200, 9600, B(k_p0));
    t += 500;
    exchange(s, t, B(k_p1), B("\x06"));
    return t + 200;
}

/* ------------------------------------------------------------------------------------------ */

static void test_init_args(void **state)
{
    (void)state;
    struct omp_iec21_server_cfg cfg;
    setup_cfg(&cfg);
    static struct omp_iec21_server s;
    struct fake f;
    memset(&f, 0, sizeof f);
    assert_int_equal(omp_iec21_server_init(NULL, &cfg, &k_app, &f, 0), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_server_init(&s, NULL, &k_app, &f, 0), OMP_ERR_ARG);
    assert_int_equal(omp_iec21_server_init(&s, &cfg, NULL, &f, 0), OMP_ERR_ARG);
    const struct omp_iec21_app no_lines = {NULL, fake_command};
    assert_int_equal(omp_iec21_server_init(&s, &cfg, &no_lines, &f, 0), OMP_ERR_ARG);

    struct omp_iec21_server_cfg bad = cfg;
    bad.ident[0] = '\0';
    assert_int_equal(omp_iec21_server_init(&s, &bad, &k_app, &f, 0), OMP_ERR_ARG);
    bad = cfg;
    memset(bad.ident, 'x', sizeof bad.ident); /* 17 characters, no NUL */
    assert_int_equal(omp_iec21_server_init(&s, &bad, &k_app, &f, 0), OMP_ERR_ARG);
    bad = cfg;
    bad.baud_char = '7';
    assert_int_equal(omp_iec21_server_init(&s, &bad, &k_app, &f, 0), OMP_ERR_ARG);
    bad = cfg;
    memset(bad.password, 'p', sizeof bad.password); /* 17 characters */
    assert_int_equal(omp_iec21_server_init(&s, &bad, &k_app, &f, 0), OMP_ERR_ARG);
    bad = cfg;
    memcpy(bad.address, "12#4", 5);
    assert_int_equal(omp_iec21_server_init(&s, &bad, &k_app, &f, 0), OMP_ERR_ARG);
    bad = cfg;
    bad.ta_ms = 0;
    assert_int_equal(omp_iec21_server_init(&s, &bad, &k_app, &f, 0), OMP_ERR_ARG);
    bad = cfg;
    bad.tt_ms = 0;
    assert_int_equal(omp_iec21_server_init(&s, &bad, &k_app, &f, 0), OMP_ERR_ARG);
    bad = cfg;
    bad.ti_ms = 0;
    assert_int_equal(omp_iec21_server_init(&s, &bad, &k_app, &f, 0), OMP_ERR_ARG);
    bad = cfg;
    bad.tr_pw_ms = 0; /* Tr: the P0 -> P1 wait */
    assert_int_equal(omp_iec21_server_init(&s, &bad, &k_app, &f, 0), OMP_ERR_ARG);
    bad = cfg;
    bad.password[0] = '\0'; /* an empty password with programming on: anyone could enter */
    assert_true(bad.programming);
    assert_int_equal(omp_iec21_server_init(&s, &bad, &k_app, &f, 0), OMP_ERR_ARG);
    bad.programming = false; /* without programming mode the password is never asked for */
    assert_int_equal(omp_iec21_server_init(&s, &bad, &k_app, &f, 0), OMP_OK);
    bad = cfg;
    bad.lockout_ms = 0;
    assert_int_equal(omp_iec21_server_init(&s, &bad, &k_app, &f, 0), OMP_ERR_ARG);
    bad.max_failures = 0; /* no lock-out: its duration does not matter */
    assert_int_equal(omp_iec21_server_init(&s, &bad, &k_app, &f, 0), OMP_OK);
    bad = cfg;
    bad.d0_interval_ms = 5000;
    bad.d0_baud = 2401;
    assert_int_equal(omp_iec21_server_init(&s, &bad, &k_app, &f, 0), OMP_ERR_ARG);
    bad = cfg;
    bad.tr_min_ms = 0; /* allowed */
    assert_int_equal(omp_iec21_server_init(&s, &bad, &k_app, &f, 0), OMP_OK);

    /* factory values */
    omp_iec21_server_cfg_default(&cfg);
    assert_string_equal(cfg.mfr, "KAM");
    assert_int_equal(cfg.baud_char, '5');
    assert_string_equal(cfg.ident, " OMNIPOWER");
    assert_string_equal(cfg.password, "12345");
    assert_int_equal(cfg.tr_min_ms, 200);
    assert_int_equal(cfg.ta_ms, 1500);
    assert_int_equal(cfg.tt_ms, 1700);
    assert_int_equal(cfg.ti_ms, 90000);
    assert_int_equal(cfg.tr_pw_ms, 1500);
    assert_int_equal(cfg.d0_baud, 2400);
    assert_int_equal(cfg.d0_interval_ms, 0);
    assert_int_equal(omp_iec21_server_init(&s, &cfg, &k_app, &f, 0), OMP_OK);
    assert_false(omp_iec21_server_busy(&s));
    assert_int_equal(expect_quiet(&s, 0), UINT64_MAX);
}

static void test_sign_on(void **state)
{
    (void)state;
    struct omp_iec21_server *s = start_default(0);
    assert_int_equal(expect_quiet(s, 1000), UINT64_MAX);
    /* E1: `/?!` CR LF -> `/KAM5` ident CR LF, tr_min after the last character */
    rx(s, 1000, B("/?!\r\n"));
    assert_true(omp_iec21_server_busy(s));
    assert_int_equal(expect_quiet(s, 1000), 1200);
    assert_int_equal(expect_quiet(s, 1199), 1200);
    /* polling twice at the same time gives the same bytes, not twice */
    struct omp_iec21_out a, b;
    omp_iec21_server_poll(s, 1200, &a);
    omp_iec21_server_poll(s, 1200, &b);
    assert_int_equal(a.tx_len, sizeof k_ident - 1);
    assert_ptr_equal(a.tx, b.tx);
    assert_int_equal(a.tx_len, b.tx_len);
    assert_int_equal(a.baud, 0);
    assert_memory_equal(a.tx, k_ident, a.tx_len);
    /* the port takes 5 bytes, then the rest */
    omp_iec21_server_sent(s, 5);
    omp_iec21_server_poll(s, 1210, &b);
    assert_int_equal(b.tx_len, sizeof k_ident - 1 - 5);
    assert_memory_equal(b.tx, k_ident + 5, b.tx_len);
    omp_iec21_server_sent(s, b.tx_len + 100); /* more than offered: clamped */
    /* waiting for the option select: tt from the end of the identification on the line, the
     * first hand-out at 1200 + 767 ms of airtime (23 characters at 300 Bd) = 1967, + tt 1700 =
     * 3667 (the port taking it in two pieces does not move it) */
    assert_int_equal(expect_quiet(s, 1300), 3667);
    assert_int_equal(expect_quiet(s, 3666), 3667);
    assert_int_equal(s->signons, 1);
}

static void test_sign_on_address(void **state)
{
    (void)state;
    struct omp_iec21_server_cfg cfg;
    setup_cfg(&cfg);
    memcpy(cfg.address, "12345678", 9);
    struct omp_iec21_server *s = start(&cfg, 0);
    /* another meter's address: silence */
    rx(s, 100, B("/?87654321!\r\n"));
    assert_int_equal(expect_quiet(s, 300), UINT64_MAX);
    assert_int_equal(expect_quiet(s, 5000), UINT64_MAX);
    assert_false(omp_iec21_server_busy(s));
    rx(s, 6000, B("/?1234567!\r\n")); /* a prefix is not a match */
    assert_int_equal(expect_quiet(s, 6200), UINT64_MAX);
    /* ours */
    exchange(s, 7000, B("/?12345678!\r\n"), B(k_ident));
    assert_int_equal(s->signons, 1);
    /* and the empty address reaches any meter (after this session's mode A readout, at
     * 7200 + 767 (airtime) + 1700 (tt) = 9667) */
    uint8_t got[256];
    assert_int_equal(expect_quiet(s, 9666), 9667);
    (void)collect(s, 9667, 0, got, sizeof got);
    assert_int_equal(expect_quiet(s, 9700), UINT64_MAX);
    exchange(s, 10000, B("/?!\r\n"), B(k_ident));
}

static void test_sign_on_address_leading_zeros(void **state)
{
    (void)state;
    /* both all digits: leading zeros are dropped on both sides, then the rest must be equal;
     * otherwise the addresses are compared exactly */
    static const struct {
        const char *cfg;
        const char *request;
        bool answered;
    } cases[] = {
        {"123456", "/?00123456!\r\n", true},   /* 123456 == 123456 */
        {"123456", "/?0123456!\r\n", true},    /* 123456 == 123456 */
        {"123456", "/?123456!\r\n", true},     /* exact */
        {"00123456", "/?123456!\r\n", true},   /* the configured zeros do not count either */
        {"00123456", "/?0123456!\r\n", true},  /* 123456 == 123456 */
        {"123456", "/?1234560!\r\n", false},   /* 1234560: trailing zeros do count */
        {"123456", "/?0012345!\r\n", false},   /* 12345 */
        {"123456", "/?00123457!\r\n", false},  /* 123457 */
        {"00", "/?0!\r\n", true},              /* both strip to nothing: equal */
        {"00", "/?000!\r\n", true},            /* both strip to nothing: equal */
        {"0", "/?1!\r\n", false},              /* nothing != 1 */
        {"AB12", "/?AB12!\r\n", true},         /* not digits: exact */
        {"AB12", "/?0AB12!\r\n", false},       /* not digits: the zero counts */
        {"0AB12", "/?AB12!\r\n", false},       /* not digits: the zero counts */
        {"123456", "/?00123456A!\r\n", false}, /* the request is not all digits: exact */
        {"12 34", "/?012 34!\r\n", false},     /* a space is not a digit: exact */
    };
    for (size_t i = 0; i < OMP_ARRAY_LEN(cases); i++) {
        struct omp_iec21_server_cfg cfg;
        setup_cfg(&cfg);
        memset(cfg.address, 0, sizeof cfg.address);
        memcpy(cfg.address, cases[i].cfg, strlen(cases[i].cfg));
        struct omp_iec21_server *s = start(&cfg, 0);
        rx(s, 100, (const uint8_t *)cases[i].request, strlen(cases[i].request));
        assert_int_equal(s->rx.bad, 0); /* a well-formed request: only the address decides */
        if (cases[i].answered) {
            expect_tx(s, 300, 0, B(k_ident));
            assert_int_equal(s->signons, 1);
        } else {
            assert_int_equal(expect_quiet(s, 300), UINT64_MAX);
            assert_false(omp_iec21_server_busy(s));
            assert_int_equal(s->signons, 0);
        }
    }
}

static void test_garbage_before_request(void **state)
{
    (void)state;
    struct omp_iec21_server *s = start_default(0);
    /* noise, an 8-bit byte, a stray CR LF, an unexpected ACK and NAK, then the request */
    rx(s, 100, B("\x00zz\xFF\r\n\x15"));
    rx(s, 110, B("\x06"));
    exchange(s, 120, B("/?!\r\n"), B(k_ident));
    assert_true(s->rx.skipped >= 5);
    assert_true(s->rx.bad >= 2); /* NAK and ACK in idle: ignored, counted */
}

static void test_mode_c_readout(void **state)
{
    (void)state;
    struct omp_iec21_server *s = start_default(0);
    g_f.lines = k_e2_lines;
    g_f.nlines = OMP_ARRAY_LEN(k_e2_lines);
    uint64_t t = sign_on(s, 1000);
    /* E2: ACK 0 5 0 CR LF, one character at a time (the ACK alone must not be taken as a single
     * ACK while the meter waits for the option select) */
    t = rx_slow(s, t + 300, B(k_e2_option));
    assert_int_equal(expect_quiet(s, t + 199), t + 200);
    /* the readout at 9600 Bd, the E2 bytes exactly, BCC 0x26 */
    expect_tx(s, t + 200, 9600, B(k_e2_readout));
    expect_back_to_300(s, t + 300);
    assert_int_equal(s->readouts, 1);
    assert_int_equal(s->baud, 300);
}

static void test_mode_c_baud_choices(void **state)
{
    (void)state;
    /* Z above the offered '5', and an invalid Z: 300 Bd (Kamstrup: any other value -> 300) */
    static const char *const opts[] = {"\x06"
                                       "060\r\n",
                                       "\x06"
                                       "0X0\r\n",
                                       "\x06"
                                       "000\r\n",
                                       "\x06"
                                       "030\r\n"};
    static const uint32_t baud[] = {0, 0, 0, 2400};
    for (size_t i = 0; i < 4; i++) {
        struct omp_iec21_server *s = start_default(0);
        uint64_t t = sign_on_option(s, 1000, opts[i]);
        expect_tx(s, t + 500, baud[i], B(k_small_readout));
        if (baud[i] != 0) {
            expect_back_to_300(s, t + 600);
        } else {
            assert_int_equal(expect_quiet(s, t + 600), UINT64_MAX);
        }
    }
    /* Y = '6' (manufacturer mode) or V = '1': not supported -> silence, back to idle */
    static const char *const other[] = {"\x06"
                                        "056\r\n",
                                        "\x06"
                                        "150\r\n"};
    for (size_t i = 0; i < 2; i++) {
        struct omp_iec21_server *s = start_default(0);
        uint64_t t = sign_on_option(s, 1000, other[i]);
        assert_false(omp_iec21_server_busy(s));
        assert_int_equal(expect_quiet(s, t + 5000), UINT64_MAX);
    }
}

static void test_mode_a_tt(void **state)
{
    (void)state;
    struct omp_iec21_server *s = start_default(0);
    uint64_t t = sign_on(s, 1000); /* ident handed out at t */
    /* tt runs from the end of the identification on the line: t + 767 (23 characters at
     * 300 Bd) + 1700 = t + 2467; 1700 ms after the hand-out it is still on */
    assert_int_equal(expect_quiet(s, t + 1700), t + 2467);
    assert_int_equal(expect_quiet(s, t + 2466), t + AIR_IDENT_300 + 1700);
    /* tt elapsed without an option select: the readout at 300 Bd (no rate change) */
    expect_tx(s, t + 2467, 0, B(k_small_readout));
    assert_int_equal(expect_quiet(s, t + 2567), UINT64_MAX);
    assert_false(omp_iec21_server_busy(s));
    assert_int_equal(s->readouts, 1);
}

static void test_mode_a_tt_from_end_of_ident(void **state)
{
    (void)state;
    /* an option select 2000 ms after the hand-out (the identification's last character left
     * at t + 767, so 1233 ms after it: within tt) is still a mode C readout */
    struct omp_iec21_server *s = start_default(0);
    uint64_t t = sign_on(s, 1000);
    assert_int_equal(expect_quiet(s, t + 2000), t + 2467);
    rx(s, t + 2000, B(k_e2_option));
    assert_int_equal(s->readouts, 1);
    assert_int_equal(expect_quiet(s, t + 2199), t + 2200); /* tr_min after the option */
    expect_tx(s, t + 2200, 9600, B(k_small_readout));
    expect_back_to_300(s, t + 2200);
    /* a longer tt (3000): t + 767 + 3000 = t + 3767 */
    struct omp_iec21_server_cfg cfg;
    setup_cfg(&cfg);
    cfg.tt_ms = 3000;
    s = start(&cfg, 0);
    t = sign_on(s, 1000);
    assert_int_equal(expect_quiet(s, t + 3766), t + 3767);
    expect_tx(s, t + 3767, 0, B(k_small_readout));
}

static void test_mode_a_tt_waits_for_partial_option(void **state)
{
    (void)state;
    /* an option select still arriving when tt expires is not cut off */
    struct omp_iec21_server *s = start_default(0);
    uint64_t t = sign_on(s, 1000);
    /* tt ends at t + 767 (airtime) + 1700 = t + 2467; the option's first characters come 50 ms
     * before: the readout waits until the rest comes or ta (1500) passes (t + 2417 + 1501) */
    rx(s, t + 2417,
       B("\x06"
         "05"));
    assert_int_equal(expect_quiet(s, t + 2467), t + 2417 + 1501);
    rx(s, t + 2487, B("0\r\n"));
    expect_tx(s, t + 2687, 9600, B(k_small_readout));
}

static void test_mode_a_only(void **state)
{
    (void)state;
    struct omp_iec21_server_cfg cfg;
    setup_cfg(&cfg);
    cfg.mode_c = false;
    struct omp_iec21_server *s = start(&cfg, 0);
    uint64_t t = sign_on(s, 1000);
    /* the readout follows tr_min after the end of the identification on the line, option or
     * not: t + 767 (airtime) + 200 = t + 967 */
    rx(s, t + 50, B(k_e2_option));
    assert_int_equal(expect_quiet(s, t + 200), t + 967);
    assert_int_equal(expect_quiet(s, t + 966), t + AIR_IDENT_300 + 200);
    expect_tx(s, t + 967, 0, B(k_small_readout));
    assert_false(omp_iec21_server_busy(s));
}

static void test_readout_empty_and_error(void **state)
{
    (void)state;
    struct omp_iec21_server *s = start_default(0);
    g_f.nlines = 0;
    uint64_t t = sign_on_option(s, 1000,
                                "\x06"
                                "000\r\n");
    /* no lines: STX ! CR LF ETX BCC (0x25 by hand) */
    expect_tx(s, t + 500, 0, B("\x02!\r\n\x03\x25"));
}

static void test_prog_password_ok_r5_r1_b0(void **state)
{
    (void)state;
    struct omp_iec21_server *s = start_default(0);
    uint64_t t = sign_on(s, 1000);
    /* E3: ACK 0 5 1 -> SOH P0 STX () ETX BCC at 9600 Bd */
    t = rx_slow(s, t + 300, B(k_e3_option));
    assert_int_equal(expect_quiet(s, t + 100), t + 200);
    expect_tx(s, t + 200, 9600, B(k_p0));
    /* P1 (password) -> ACK */
    t += 600;
    exchange(s, t, B(k_p1), B("\x06"));
    assert_int_equal(s->prog_sessions, 1);
    assert_int_equal(s->bad_passwords, 0);
    /* R5 1.0.0() -> STX 1.0.0(01050201075012) ETX BCC */
    t += 1000;
    exchange(s, t, B(k_r5), B(k_r5_reply));
    assert_string_equal(g_f.last_cmd, "R5");
    assert_string_equal(g_f.last_data, "1.0.0()");
    assert_int_equal(g_f.last_block, 0);
    /* R1 131.0.3() -> STX 131.0.3(1) ETX BCC */
    t += 1000;
    exchange(s, t, B(k_r1), B(k_r1_reply));
    /* W1 -> ACK ('W' 57 '1' 31 STX 02 "131.0.3(0)" ETX: BCC 0x66, Python) */
    t += 1000;
    exchange(s, t,
             B("\x01W1\x02"
               "131.0.3(0)\x03\x66"),
             B("\x06"));
    assert_int_equal(g_f.command_calls, 3);
    /* B0: end, no reply, back to 300 Bd */
    t += 1000;
    rx(s, t, B(k_break));
    expect_back_to_300(s, t + 200);
    assert_int_equal(expect_quiet(s, t + 100000), UINT64_MAX);
}

static void test_prog_bad_password_and_lockout(void **state)
{
    (void)state;
    struct omp_iec21_server *s = start_default(0);
    uint64_t t = 1000;
    for (int i = 0; i < 3; i++) {
        t = wrong_password(s, t); /* Kamstrup: a break, then a new sign-on is needed */
        assert_int_equal(s->bad_passwords, (uint32_t)i + 1);
        assert_int_equal(g_f.command_calls, 0);
        t += 2000;
    }
    /* three in a row: locked for 5 minutes from the third (at t - 2000 + 800) */
    const uint64_t lock_end = t - 2000 + 800 + 300000;
    assert_int_equal(s->lockouts, 1);
    assert_int_equal(expect_quiet(s, t), lock_end);
    /* programming refused with a break (even with the right password coming) ... */
    t = sign_on_option(s, t, k_e3_option);
    expect_tx(s, t + 500, 9600, B(k_break));
    expect_back_to_300(s, t + 500);
    rx(s, t + 600, B(k_p1));
    assert_int_equal(expect_quiet(s, t + 800), lock_end);
    /* ... the readout still works */
    t = sign_on_option(s, t + 2000, k_e2_option);
    expect_tx(s, t + 500, 9600, B(k_small_readout));
    expect_back_to_300(s, t + 500);
    /* the lock-out ends: programming mode again */
    assert_int_equal(expect_quiet(s, lock_end - 1), lock_end);
    assert_int_equal(expect_quiet(s, lock_end), UINT64_MAX);
    t = enter_prog(s, lock_end + 10);
    assert_int_equal(s->prog_sessions, 1);
}

static void test_prog_failures_reset_by_good_password(void **state)
{
    (void)state;
    struct omp_iec21_server *s = start_default(0);
    uint64_t t = 1000;
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 2; i++) { /* two bad ones */
            t = wrong_password(s, t);
            t += 2000;
        }
        t = enter_prog(s, t); /* a good one clears the count */
        rx(s, t + 100, B(k_break));
        expect_back_to_300(s, t + 300);
        t += 1000;
    }
    assert_int_equal(s->bad_passwords, 4);
    assert_int_equal(s->lockouts, 0);
}

static void test_prog_partial_blocks(void **state)
{
    (void)state;
    struct omp_iec21_server *s = start_default(0);
    uint64_t t = enter_prog(s, 1000);
    /* E4: R6 -> block 1 ending EOT */
    exchange(s, t + 500, B(k_r6), B(k_e4_block1));
    assert_int_equal(g_f.last_block, 0);
    /* the reader's NAK: the same block again */
    exchange(s, t + 1000, B("\x15"), B(k_e4_block1));
    assert_int_equal(g_f.command_calls, 1);
    /* ACK: the next block (the last, ETX) */
    exchange(s, t + 1500, B("\x06"), B(k_e4_block2));
    assert_int_equal(g_f.last_block, 1);
    assert_string_equal(g_f.last_data, "99.1.0(0050101000000;0050101080033;6)");
    /* an ACK after the last block asks for nothing */
    rx(s, t + 2000, B("\x06"));
    assert_int_equal(expect_quiet(s, t + 2200), t + 2000 + 90000);
    /* three NAKs are answered by resending, the fourth ends the session */
    t += 3000;
    for (int i = 0; i < 3; i++) {
        exchange(s, t, B("\x15"), B(k_e4_block2));
        t += 500;
    }
    rx(s, t, B("\x15"));
    expect_back_to_300(s, t + 200);
    assert_int_equal(g_f.command_calls, 2);
}

static void test_prog_bad_bcc_nak(void **state)
{
    (void)state;
    struct omp_iec21_server *s = start_default(0);
    uint64_t t = enter_prog(s, 1000);
    /* R5 with its BCC flipped: NAK, the app is not asked */
    exchange(s, t + 500,
             B("\x01R5\x02"
               "1.0.0()\x03\x57"),
             B("\x15"));
    assert_int_equal(s->bcc_errors, 1);
    assert_int_equal(g_f.command_calls, 0);
    /* the reader resends it correctly */
    exchange(s, t + 1000, B(k_r5), B(k_r5_reply));
    /* a bad BCC on the password: NAK too */
    struct omp_iec21_server *s2 = start_default(0);
    t = prog_p0(s2, 1000);
    exchange(s2, t + 800, B("\x01P1\x02(password)\x03\x7F"), B("\x15"));
    assert_int_equal(s2->bad_passwords, 0);
    /* a bad BCC in idle: ignored (no session) */
    struct omp_iec21_server *s3 = start_default(0);
    rx(s3, 100,
       B("\x01"
         "B0\x03\x70"));
    assert_int_equal(expect_quiet(s3, 300), UINT64_MAX);
    assert_int_equal(s3->bcc_errors, 1);
}

static void test_prog_unknown_and_early_commands(void **state)
{
    (void)state;
    struct omp_iec21_server *s = start_default(0);
    uint64_t t = prog_p0(s, 1000);
    /* a command before the password: NAK, nothing reaches the application */
    exchange(s, t + 800, B(k_r5), B("\x15"));
    assert_int_equal(g_f.command_calls, 0);
    /* the password still works afterwards */
    exchange(s, t + 1200, B(k_p1), B("\x06"));
    /* R7 and X1 are not commands the server passes on: STX ER06 ETX BCC (0x12), unknown
     * command */
    t += 2000;
    /* R7: 'R' 52 ^ '7' 37 ^ STX 02 ^ "1()" 31 28 29 ^ ETX 03 = 0x54 (Python) */
    exchange(s, t,
             B("\x01R7\x02"
               "1()\x03\x54"),
             B(k_er06));
    /* X1: 58 ^ 31 ^ 02 ^ 03 = 0x68 (by hand) */
    exchange(s, t + 500, B("\x01X1\x02\x03\x68"), B(k_er06));
    assert_int_equal(g_f.command_calls, 0);
    /* the application fails: STX ER07 ETX BCC (0x13), device error, whatever its code */
    g_f.cmd_err = OMP_ERR_NOT_FOUND;
    exchange(s, t + 1000, B(k_r5), B(k_er07));
}

static void test_prog_error_codes(void **state)
{
    (void)state;
    struct omp_iec21_server *s = start_default(0);
    uint64_t t = enter_prog(s, 1000);
    /* every command the server does not pass on: ER06. `SOH c t STX ETX BCC`, BCC = c ^ t ^
     * STX 02 ^ ETX 03 = c ^ t ^ 01 (by hand):
     *   R0 52 ^ 30 = 62 -> 63    R7 52 ^ 37 = 65 -> 64    R9 52 ^ 39 = 6B -> 6A
     *   W0 57 ^ 30 = 67 -> 66    W6 57 ^ 36 = 61 -> 60    E1 45 ^ 31 = 74 -> 75
     *   E3 45 ^ 33 = 76 -> 77    X1 58 ^ 31 = 69 -> 68 */
    static const char *const unknown[] = {
        "\x01R0\x02\x03\x63",
        "\x01R7\x02\x03\x64",
        "\x01R9\x02\x03\x6A",
        "\x01W0\x02\x03\x66",
        "\x01W6\x02\x03\x60",
        "\x01"
        "E1\x02\x03\x75",
        "\x01"
        "E3\x02\x03\x77",
        "\x01X1\x02\x03\x68",
    };
    for (size_t i = 0; i < OMP_ARRAY_LEN(unknown); i++) {
        t += 500;
        exchange(s, t, (const uint8_t *)unknown[i], 6, B(k_er06));
    }
    assert_int_equal(g_f.command_calls, 0);
    /* an error return of the application: ER07 whatever the code (formerly ER + -err) */
    static const omp_err errs[] = {OMP_ERR_NOT_FOUND, OMP_ERR_DENIED, OMP_ERR_RANGE,
                                   OMP_ERR_MALFORMED, OMP_ERR_HAL,    OMP_ERR_INTERNAL};
    for (size_t i = 0; i < OMP_ARRAY_LEN(errs); i++) {
        g_f.cmd_err = errs[i];
        t += 500;
        exchange(s, t, B(k_r5), B(k_er07));
    }
    assert_int_equal(g_f.command_calls, OMP_ARRAY_LEN(errs));
    /* a NAK from the reader: the error reply again */
    exchange(s, t + 500, B("\x15"), B(k_er07));
    /* the session goes on: the application answers again */
    g_f.cmd_err = OMP_OK;
    exchange(s, t + 1000, B(k_r5), B(k_r5_reply));
}

static void test_prog_refused_without_command(void **state)
{
    (void)state;
    struct omp_iec21_server_cfg cfg;
    setup_cfg(&cfg);
    /* no command callback: Y = '1' is ignored like an unknown option */
    struct omp_iec21_server *s = start_app(&cfg, &k_app_readonly, 0);
    uint64_t t = sign_on_option(s, 1000, k_e3_option);
    assert_false(omp_iec21_server_busy(s));
    assert_int_equal(expect_quiet(s, t + 3000), UINT64_MAX);
    /* programming switched off */
    cfg.programming = false;
    s = start(&cfg, 0);
    t = sign_on_option(s, 1000, k_e3_option);
    assert_int_equal(expect_quiet(s, t + 3000), UINT64_MAX);
}

static void test_prog_ti_timeout(void **state)
{
    (void)state;
    struct omp_iec21_server *s = start_default(0);
    uint64_t t = enter_prog(s, 1000);
    const uint64_t last_rx = t - 200; /* the password arrived 200 ms before its ACK went out */
    assert_int_equal(expect_quiet(s, t + 1000), last_rx + 90000);
    assert_int_equal(expect_quiet(s, last_rx + 89999), last_rx + 90000);
    /* ti: the session ends without a message, back to 300 Bd */
    expect_back_to_300(s, last_rx + 90000);
    assert_int_equal(s->timeouts, 1);
    /* a command now is not answered */
    rx(s, last_rx + 91000, B(k_r5));
    assert_int_equal(expect_quiet(s, last_rx + 92000), UINT64_MAX);
    /* every message in programming mode gives ti again, an ACK or a NAK too */
    s = start_default(0);
    t = enter_prog(s, 1000);
    exchange(s, t + 50000, B(k_r5), B(k_r5_reply));
    assert_int_equal(expect_quiet(s, t + 50200), t + 50000 + 90000);
    rx(s, t + 100000, B("\x06"));
    assert_int_equal(expect_quiet(s, t + 100100), t + 100000 + 90000);
    exchange(s, t + 150000, B("\x15"), B(k_r5_reply));
    assert_int_equal(expect_quiet(s, t + 150200), t + 150000 + 90000);
    expect_back_to_300(s, t + 240000);
    assert_int_equal(s->timeouts, 1);
}

/* P0 is handed out at @p p0 (9600 Bd): Tr runs from its end, p0 + 9 (airtime) + 1500. */
static void test_prog_tr_password_wait(void **state)
{
    (void)state;
    struct omp_iec21_server *s = start_default(0);
    const uint64_t p0 = prog_p0(s, 1000) + 500; /* prog_p0 hands P0 out 500 ms after ident */
    assert_int_equal(expect_quiet(s, p0 + 1), p0 + AIR_P0_9600 + 1500);
    /* a command before the password gets its NAK but does not extend Tr; nor does an ACK */
    exchange(s, p0 + 300, B(k_r5), B("\x15"));
    rx(s, p0 + 800, B("\x06"));
    assert_int_equal(expect_quiet(s, p0 + 900), p0 + 1509);
    assert_int_equal(expect_quiet(s, p0 + 1508), p0 + 1509);
    /* Tr over: the session ends without a message, back to 300 Bd */
    expect_back_to_300(s, p0 + 1509);
    assert_int_equal(s->timeouts, 1);
    /* the password now is too late: no answer, no session */
    rx(s, p0 + 1600, B(k_p1));
    assert_int_equal(expect_quiet(s, p0 + 2000), UINT64_MAX);
    assert_int_equal(s->prog_sessions, 0);
    assert_int_equal(g_f.command_calls, 0);

    /* the password just within Tr (received at p0 + 1508): ACK, then ti from it */
    s = start_default(0);
    const uint64_t q0 = prog_p0(s, 1000) + 500;
    exchange(s, q0 + 1508, B(k_p1), B("\x06"));
    assert_int_equal(s->prog_sessions, 1);
    assert_int_equal(expect_quiet(s, q0 + 1708), q0 + 1508 + 90000);
    assert_int_equal(s->timeouts, 0);
}

static void test_prog_tr_nak_and_bad_bcc(void **state)
{
    (void)state;
    /* the reader's NAK in the wait: P0 again (tr_min after the NAK), Tr from the resend's end */
    struct omp_iec21_server *s = start_default(0);
    const uint64_t p0 = prog_p0(s, 1000) + 500; /* deadline p0 + 9 + 1500 = p0 + 1509 */
    rx(s, p0 + 1000, B("\x15"));
    assert_int_equal(expect_quiet(s, p0 + 1100), p0 + 1200); /* the resend is due */
    expect_tx(s, p0 + 1200, 0, B(k_p0));                     /* still 9600 Bd: no change */
    /* the first Tr (p0 + 1509) is gone: p0 + 1200 + 9 + 1500 = p0 + 2709 */
    assert_int_equal(expect_quiet(s, p0 + 1509), p0 + 2709);
    assert_int_equal(s->timeouts, 0);
    exchange(s, p0 + 2708, B(k_p1), B("\x06"));
    assert_int_equal(s->prog_sessions, 1);
    /* and without the password after the resend: the session ends at p0 + 2709 */
    s = start_default(0);
    prog_p0(s, 1000);
    rx(s, p0 + 1000, B("\x15"));
    expect_tx(s, p0 + 1200, 0, B(k_p0));
    assert_int_equal(expect_quiet(s, p0 + 2708), p0 + 1200 + AIR_P0_9600 + 1500);
    expect_back_to_300(s, p0 + 2709);
    assert_int_equal(s->timeouts, 1);

    /* a bad BCC in the wait: NAK tr_min later, the reader has now + 200 + 1500 */
    s = start_default(0);
    prog_p0(s, 1000);
    exchange(s, p0 + 1000, B("\x01P1\x02(password)\x03\x7F"), B("\x15"));
    assert_int_equal(s->bcc_errors, 1);
    assert_int_equal(s->bad_passwords, 0);
    /* p0 + 1000 + 200 + 1500 = p0 + 2700 (not p0 + 1509) */
    assert_int_equal(expect_quiet(s, p0 + 1509), p0 + 2700);
    exchange(s, p0 + 2699, B(k_p1), B("\x06"));
    assert_int_equal(s->prog_sessions, 1);
    s = start_default(0);
    prog_p0(s, 1000);
    exchange(s, p0 + 1000, B("\x01P1\x02(password)\x03\x7F"), B("\x15"));
    assert_int_equal(expect_quiet(s, p0 + 2699), p0 + 2700);
    expect_back_to_300(s, p0 + 2700);
    assert_int_equal(s->timeouts, 1);
}

static void test_prog_tr_rate_and_cfg(void **state)
{
    (void)state;
    /* P0 at 300 Bd (option Z = '0'): its 8 characters take 267 ms; Tr ends at p0 + 267 + 1500 */
    struct omp_iec21_server *s = start_default(0);
    const uint64_t t = sign_on_option(s, 1000,
                                      "\x06"
                                      "001\r\n");
    const uint64_t p0 = t + 500; /* the option at t + 300, P0 tr_min later */
    expect_tx(s, p0, 0, B(k_p0));
    assert_int_equal(expect_quiet(s, p0 + 1), p0 + 1767);
    assert_int_equal(expect_quiet(s, p0 + 1766), p0 + AIR_P0_300 + 1500);
    assert_int_equal(expect_quiet(s, p0 + 1767), UINT64_MAX); /* ended, already at 300 Bd */
    assert_false(omp_iec21_server_busy(s));
    assert_int_equal(s->timeouts, 1);
    /* Tr from the configuration: 3000 -> p0 + 9 + 3000 = p0 + 3009 at 9600 Bd */
    struct omp_iec21_server_cfg cfg;
    setup_cfg(&cfg);
    cfg.tr_pw_ms = 3000;
    s = start(&cfg, 0);
    const uint64_t q0 = prog_p0(s, 1000) + 500;
    assert_int_equal(expect_quiet(s, q0 + 1), q0 + 3009);
    exchange(s, q0 + 3008, B(k_p1), B("\x06"));
    assert_int_equal(s->prog_sessions, 1);
    /* in programming mode ti, not Tr: the P1 + 90 s */
    assert_int_equal(expect_quiet(s, q0 + 3208), q0 + 3008 + 90000);
}

static void test_ta_half_message(void **state)
{
    (void)state;
    struct omp_iec21_server *s = start_default(0);
    uint64_t t = enter_prog(s, 1000);
    /* half an R5, then the rest 1501 ms later: dropped, no answer */
    rx(s, t + 100,
       B("\x01R5\x02"
         "1.0"));
    uint32_t bad = s->rx.bad;
    rx(s, t + 1601, B(".0()\x03\x56"));
    assert_int_equal(expect_quiet(s, t + 2000), t - 200 + 90000); /* ti still from the P1 */
    assert_int_equal(g_f.command_calls, 0);
    assert_int_equal(s->rx.bad, bad + 1);
    /* in idle, a request cut in two by more than ta gets no identification */
    struct omp_iec21_server *s2 = start_default(0);
    rx(s2, 100, B("/?"));
    rx(s2, 1601, B("!\r\n"));
    assert_int_equal(expect_quiet(s2, 2000), UINT64_MAX);
    assert_int_equal(s2->signons, 0);
    /* exactly ta apart is still one message */
    rx(s2, 3000, B("/?"));
    exchange(s2, 4500, B("!\r\n"), B(k_ident));
}

static void test_d0(void **state)
{
    (void)state;
    struct omp_iec21_server_cfg cfg;
    setup_cfg(&cfg);
    cfg.d0_interval_ms = 10000;
    struct omp_iec21_server *s = start(&cfg, 0);
    assert_int_equal(expect_quiet(s, 5000), 10000);
    /* at the interval: identification and the D0 list at 2400 Bd, then back to 300 */
    uint8_t got[256];
    size_t n = collect(s, 10000, 2400, got, sizeof got);
    assert_int_equal(n, sizeof k_d0_ident - 1 + sizeof k_d0_readout - 1);
    assert_memory_equal(got, k_d0_ident, sizeof k_d0_ident - 1);
    assert_memory_equal(got + sizeof k_d0_ident - 1, k_d0_readout, sizeof k_d0_readout - 1);
    expect_back_to_300(s, 10000);
    assert_int_equal(s->d0_sent, 1);
    assert_int_equal(expect_quiet(s, 10001), 20000);
    /* a reader signed on at 20000: that D0 is skipped */
    uint64_t t = sign_on(s, 19500);
    /* waiting for the option select until tt: t + 767 (airtime) + 1700 */
    assert_int_equal(expect_quiet(s, 20000), t + 2467);
    assert_int_equal(s->d0_sent, 1);
    rx(s, 20100, B(k_e2_option));
    expect_tx(s, 20300, 9600, B(k_small_readout));
    expect_back_to_300(s, 20300);
    /* the next one at 30000 is sent; late polling does not send two */
    n = collect(s, 30500, 2400, got, sizeof got);
    assert_int_equal(n, sizeof k_d0_ident - 1 + sizeof k_d0_readout - 1);
    expect_back_to_300(s, 30500);
    assert_int_equal(s->d0_sent, 2);
    assert_int_equal(expect_quiet(s, 30600), 40000);
    /* a partial message being received also keeps D0 off the line */
    rx(s, 39900, B("/?"));
    assert_int_equal(expect_quiet(s, 40000), 50000);
    assert_int_equal(s->d0_sent, 2);
    /* a poll long after skips the missed slots: one readout, next slot in the future */
    n = collect(s, 75000, 2400, got, sizeof got);
    assert_true(n > 0);
    expect_back_to_300(s, 75000);
    assert_int_equal(s->d0_sent, 3);
    assert_int_equal(expect_quiet(s, 75001), 80000);
}

static void test_option_before_ident(void **state)
{
    (void)state;
    /* an option select before the identification went out answers nothing: ignored */
    struct omp_iec21_server *s = start_default(0);
    rx(s, 1000, B("/?!\r\n"));
    rx(s, 1100, B(k_e2_option));
    expect_tx(s, 1200, 0, B(k_ident));
    assert_int_equal(expect_quiet(s, 1300), 1200 + 767 + 1700); /* airtime + tt */
    assert_int_equal(s->readouts, 0);
}

/* A port that takes a few bytes per write: what the reader sends while the rest of a message is
 * still to go out is dropped (no answer cuts the message short), and the message goes out whole.
 * Found by fuzz/fuzz_meter_optical.c: the option select replaced a half-sent identification. */
static void test_rx_while_message_half_sent(void **state)
{
    (void)state;
    struct omp_iec21_server *s = start_default(0);
    rx(s, 1000, B("/?!\r\n"));
    struct omp_iec21_out out;
    omp_iec21_server_poll(s, 1200, &out);
    assert_int_equal(out.tx_len, sizeof k_ident - 1u);
    omp_iec21_server_sent(s, 3); /* "/KA" on the line */
    rx(s, 1300, B(k_e2_option)); /* too early: no answer to a half identification */
    expect_tx(s, 1500, 0, (const uint8_t *)k_ident + 3, sizeof k_ident - 4u);
    assert_int_equal(s->readouts, 0);
    /* in programming mode: a command and a NAK while half the reply is out are dropped */
    s = start_default(0);
    uint64_t t = enter_prog(s, 0);
    rx(s, t, B(k_r5));
    omp_iec21_server_poll(s, t + 200, &out);
    assert_int_equal(out.tx_len, sizeof k_r5_reply - 1u);
    omp_iec21_server_sent(s, 5);
    rx(s, t + 250, B(k_r5));
    rx(s, t + 260, B("\x15"));
    rx(s, t + 270, B("\x01R5\x02" "1.0.0()\x03\x00")); /* bad BCC: no NAK either */
    expect_tx(s, t + 500, 0, (const uint8_t *)k_r5_reply + 5, sizeof k_r5_reply - 6u);
    assert_int_equal(expect_quiet(s, t + 1000), t + 90000); /* ti from the command */
}

/* ti runs out while a reply is only partly on the line (a slow port): the rest still goes out
 * (half a frame would garble the line), then the session ends; a new sign-on is answered. */
static void test_timeout_while_half_sent(void **state)
{
    (void)state;
    struct omp_iec21_server *s = start_default(0);
    uint64_t t = enter_prog(s, 0);
    rx(s, t, B(k_r5));
    struct omp_iec21_out out;
    omp_iec21_server_poll(s, t + 200, &out);
    assert_int_equal(out.tx_len, sizeof k_r5_reply - 1u);
    omp_iec21_server_sent(s, 5);
    /* 90 s of ti from the command have passed: the remaining bytes, then idle at 300 Bd */
    expect_tx(s, t + 91000, 0, (const uint8_t *)k_r5_reply + 5, sizeof k_r5_reply - 6u);
    assert_int_equal(s->timeouts, 1);
    omp_iec21_server_poll(s, t + 91100, &out);
    assert_int_equal(out.baud, 300u); /* back to the sign-on rate */
    omp_iec21_server_sent(s, 0);
    assert_false(omp_iec21_server_busy(s));
    assert_int_equal(s->timeouts, 1);
}

static void test_prog_app_contract_broken(void **state)
{
    (void)state;
    struct omp_iec21_server *s = start_default(0);
    uint64_t t = enter_prog(s, 1000);
    /* an invalid reply kind, or data with a framing character: STX ER07 ETX BCC (device
     * error, BCC 0x13 by hand at the top) */
    /* W2: 57 ^ 32 ^ 02 ^ 03 = 0x64 (by hand) */
    exchange(s, t + 500, B("\x01W2\x02\x03\x64"), B(k_er07));
    /* R2 1.8.0(): 52 ^ 32 ^ 02 ^ "1.8.0()" ^ 03, BCC 0x59 (Python) */
    exchange(s, t + 1000,
             B("\x01R2\x02"
               "1.8.0()\x03\x59"),
             B(k_er07));
    assert_int_equal(g_f.command_calls, 2);
}

static void test_readout_ignores_input(void **state)
{
    (void)state;
    /* while the readout streams, input (even a new request) is ignored */
    struct omp_iec21_server *s = start_default(0);
    uint64_t t = sign_on_option(s, 1000, k_e2_option);
    struct omp_iec21_out out;
    omp_iec21_server_poll(s, t + 500, &out);
    assert_int_equal(out.baud, 9600);
    assert_true(out.tx_len > 0);
    omp_iec21_server_sent(s, out.tx_len);
    rx(s, t + 510, B("/?!\r\n"));
    uint8_t got[256];
    size_t n = collect(s, t + 520, 0, got, sizeof got);
    assert_true(n > 0);
    assert_int_equal(got[n - 2], 0x03); /* ETX, BCC */
    expect_back_to_300(s, t + 520);
    assert_int_equal(s->signons, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_args),
        cmocka_unit_test(test_sign_on),
        cmocka_unit_test(test_sign_on_address),
        cmocka_unit_test(test_sign_on_address_leading_zeros),
        cmocka_unit_test(test_garbage_before_request),
        cmocka_unit_test(test_mode_c_readout),
        cmocka_unit_test(test_mode_c_baud_choices),
        cmocka_unit_test(test_mode_a_tt),
        cmocka_unit_test(test_mode_a_tt_from_end_of_ident),
        cmocka_unit_test(test_mode_a_tt_waits_for_partial_option),
        cmocka_unit_test(test_mode_a_only),
        cmocka_unit_test(test_readout_empty_and_error),
        cmocka_unit_test(test_prog_password_ok_r5_r1_b0),
        cmocka_unit_test(test_prog_bad_password_and_lockout),
        cmocka_unit_test(test_prog_failures_reset_by_good_password),
        cmocka_unit_test(test_prog_partial_blocks),
        cmocka_unit_test(test_prog_bad_bcc_nak),
        cmocka_unit_test(test_prog_unknown_and_early_commands),
        cmocka_unit_test(test_prog_error_codes),
        cmocka_unit_test(test_prog_refused_without_command),
        cmocka_unit_test(test_prog_ti_timeout),
        cmocka_unit_test(test_prog_tr_password_wait),
        cmocka_unit_test(test_prog_tr_nak_and_bad_bcc),
        cmocka_unit_test(test_prog_tr_rate_and_cfg),
        cmocka_unit_test(test_ta_half_message),
        cmocka_unit_test(test_d0),
        cmocka_unit_test(test_rx_while_message_half_sent),
        cmocka_unit_test(test_timeout_while_half_sent),
        cmocka_unit_test(test_option_before_ident),
        cmocka_unit_test(test_prog_app_contract_broken),
        cmocka_unit_test(test_readout_ignores_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The meter's optical port (lib/cosem/optical.c on the IEC 62056-21 server), through the
 * public meter API on the fake board, with a port that records every byte written and every baud
 * rate set: sign-on and identification, mode C readout at 9600 Bd and mode A readout at 300 Bd
 * after tt, the User Data 1 / 2 lists, value formats (Z1 7.2 / 7.0 / 6.3, maxima with capture
 * time, counters, clock with the N and V flags, instantaneous values), programming mode (password,
 * R1, R5, W5, R6 98.1.0 in blocks, R6 99.1.0 the load profile and 99.1.1 the analysis logger,
 * W1 settings and ActualTariff), refusal of every write to legal data with the registers
 * unchanged, bad passwords, lock-out, mode D0, and the port's partial writes and baud-rate
 * failures.
 *
 * Expected bytes are written out by hand from the registers the test sets (the value and how it
 * is truncated is in a comment next to each), from the supply the analysis logger's tests feed
 * (230 V, 10 A at PF 1: what each channel reads is worked out in a comment), from the Kamstrup IEC
 * 1107 doc's examples (sign-on,
 * P0, the W5 summer-time rule) and from IEC 62056-21 clause 6.3.15 for the block check character:
 * BCC = XOR of every byte after SOH/STX up to and including ETX/EOT, computed here by the test's
 * own xor8() (checked against hand-computed values in test_bcc_helper), never by the library.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/hal_fakes.h"
#include "omnipower/hal_wavegen.h"
#include "omnipower/meter.h"

#define SECTOR 4096u
#define SECTORS 16u
#define SIZE (SECTOR * SECTORS)
/* 2024-01-15T12:00:00Z, a Monday in winter: Z11 +1 h -> local 2024-01-15 13:00:00, no DST */
#define T_WINTER ((omp_time_s)1705320000)
/* 2024-07-01T12:00:00Z, summer: EU DST -> local 2024-07-01 14:00:00 (CEST) */
#define T_SUMMER ((omp_time_s)1719835200)

#define SOH "\x01"
#define STX "\x02"
#define ETX "\x03"
#define EOT "\x04"
#define ACK "\x06"
#define NAK "\x15"
#define CRLF "\r\n"

/* Objects of the data dictionary by OBIS code (technical facts 11.3), attribute 2. */
#define REF(a, b, c, d, e) {{a, b, c, d, e, 255}, 2u}
#define OBJ_METER_NUMBER REF(1, 1, 0, 0, 1)
#define OBJ_STATUS REF(1, 1, 97, 97, 0)
#define OBJ_A_PLUS REF(1, 1, 1, 8, 0)
#define OBJ_A_PLUS_T1 REF(1, 1, 1, 8, 1)
#define OBJ_A_PLUS_T2 REF(1, 1, 1, 8, 2)
#define OBJ_A_PLUS_T3 REF(1, 1, 1, 8, 3)
#define OBJ_A_PLUS_T4 REF(1, 1, 1, 8, 4)
#define OBJ_A_MINUS REF(1, 1, 2, 8, 0)
#define OBJ_A_MINUS_T1 REF(1, 1, 2, 8, 1)
#define OBJ_A_MINUS_T2 REF(1, 1, 2, 8, 2)
#define OBJ_R_PLUS REF(1, 1, 3, 8, 0)
#define OBJ_R_PLUS_T1 REF(1, 1, 3, 8, 1)
#define OBJ_R_PLUS_T2 REF(1, 1, 3, 8, 2)
#define OBJ_R_PLUS_T3 REF(1, 1, 3, 8, 3)
#define OBJ_R_PLUS_T4 REF(1, 1, 3, 8, 4)
#define OBJ_R_MINUS REF(1, 1, 4, 8, 0)
#define OBJ_R_MINUS_T1 REF(1, 1, 4, 8, 1)
#define OBJ_R_MINUS_T2 REF(1, 1, 4, 8, 2)
#define OBJ_E_PLUS REF(1, 1, 9, 8, 0)
#define OBJ_E_MINUS REF(1, 1, 10, 8, 0)
#define OBJ_P_PLUS_MAX REF(1, 1, 1, 6, 0)
#define OBJ_P_PLUS_MAX_T1 REF(1, 1, 1, 6, 1)
#define OBJ_P_PLUS_MAX_T2 REF(1, 1, 1, 6, 2)
#define OBJ_P_MINUS_MAX REF(1, 1, 2, 6, 0)
#define OBJ_Q_PLUS_MAX REF(1, 1, 3, 6, 0)
#define OBJ_Q_MINUS_MAX REF(1, 1, 4, 6, 0)
#define OBJ_S_PLUS_MAX REF(1, 1, 9, 6, 0)
#define OBJ_S_MINUS_MAX REF(1, 1, 10, 6, 0)
#define OBJ_P_PLUS_ACC REF(1, 1, 1, 2, 0)
#define OBJ_P_PLUS_ACC_T1 REF(1, 1, 1, 2, 1)
#define OBJ_P_PLUS_ACC_T2 REF(1, 1, 1, 2, 2)
#define OBJ_P_MINUS_ACC REF(1, 1, 2, 2, 0)
#define OBJ_Q_PLUS_ACC REF(1, 1, 3, 2, 0)
#define OBJ_Q_MINUS_ACC REF(1, 1, 4, 2, 0)
#define OBJ_BILLING_COUNT REF(1, 1, 0, 1, 0)
#define OBJ_HOURS REF(0, 1, 96, 8, 0)
#define OBJ_CLOCK REF(0, 1, 1, 0, 0)
#define OBJ_PULSE REF(1, 1, 0, 128, 1)
#define OBJ_TARIFF REF(1, 1, 129, 0, 0)
#define OBJ_U REF(1, 1, 32, 7, 0)
#define OBJ_I REF(1, 1, 31, 7, 0)
#define OBJ_P_PLUS REF(1, 1, 1, 7, 0)
#define OBJ_P_MINUS REF(1, 1, 2, 7, 0)
#define OBJ_Q_PLUS REF(1, 1, 3, 7, 0)
#define OBJ_Q_MINUS REF(1, 1, 4, 7, 0)
#define OBJ_FREQ REF(1, 1, 14, 7, 0)
#define OBJ_PF REF(1, 1, 13, 7, 0)

/* The sign-on answer with the default cfg: "/KAM5" + " 6861111BN142101" (technical facts 10.3,
 * a space and the default type number's first 15 characters) + CR LF. */
#define IDENT "/KAM5 6861111BN142101\r\n"
/* P0 password prompt: SOH P 0 STX ( ) ETX BCC; BCC by hand: 'P' 0x50 ^ '0' 0x30 = 0x60, ^ STX
 * 0x02 = 0x62, ^ '(' 0x28 = 0x4A, ^ ')' 0x29 = 0x63, ^ ETX 0x03 = 0x60. */
#define P0_MSG SOH "P0" STX "()" ETX "\x60"
/* Break: SOH B 0 ETX BCC; BCC by hand: 0x42 ^ 0x30 = 0x72, ^ 0x03 = 0x71. */
#define BREAK_MSG SOH "B0" ETX "\x71"

static const struct omp_nvm_geometry k_geo = {
    .size = SIZE, .sector_size = SECTOR, .program_unit = 8u, .erase_value = 0xFFu,
    .erase_cycles = 100000u,
};

/* What the optical port saw. */
struct cap {
    uint8_t tx[32768];
    size_t len;
    struct {
        size_t at; /* bytes written before the change */
        uint32_t baud;
        enum omp_port_framing framing;
    } baud[64];
    size_t nbaud;
    size_t accept;     /* most bytes a write takes (0: all) */
    unsigned fail_baud; /* the next n port_set_baud calls fail */
    unsigned fail_write; /* the next n port_write calls fail */
    unsigned writes;
};

struct fx {
    uint8_t mem[SIZE];
    uint32_t erases[SECTORS];
    struct omp_fake_board b;
    struct omp_hal hal;
    struct omp_meter_cfg cfg;
    struct omp_meter m;
};

static struct fx g_fx;       /* tests' storage (the library keeps none) */
static struct cap g_cap;
static struct omp_hal_ops g_ops; /* the fake board's ops with the optical port captured */

static omp_err cap_write(void *user, enum omp_port port, const uint8_t *data, size_t len,
                         size_t *written)
{
    (void)user;
    assert_int_equal(port, OMP_PORT_OPTICAL);
    if (g_cap.fail_write > 0u) {
        g_cap.fail_write--;
        *written = 0;
        return OMP_ERR_HAL_IO;
    }
    size_t n = len;
    if (g_cap.accept != 0u && n > g_cap.accept) {
        n = g_cap.accept;
    }
    assert_true(g_cap.len + n <= sizeof g_cap.tx);
    memcpy(g_cap.tx + g_cap.len, data, n);
    g_cap.len += n;
    g_cap.writes++;
    *written = n;
    return OMP_OK;
}

static omp_err cap_baud(void *user, enum omp_port port, uint32_t baud,
                        enum omp_port_framing framing)
{
    (void)user;
    assert_int_equal(port, OMP_PORT_OPTICAL);
    if (g_cap.fail_baud > 0u) {
        g_cap.fail_baud--;
        return OMP_ERR_HAL_IO;
    }
    assert_true(g_cap.nbaud < OMP_ARRAY_LEN(g_cap.baud));
    g_cap.baud[g_cap.nbaud].at = g_cap.len;
    g_cap.baud[g_cap.nbaud].baud = baud;
    g_cap.baud[g_cap.nbaud].framing = framing;
    g_cap.nbaud++;
    return OMP_OK;
}

static void fx_board(struct fx *f, omp_time_s utc)
{
    memset(f, 0, sizeof *f);
    memset(&g_cap, 0, sizeof g_cap);
    assert_int_equal(omp_fake_board_init(&f->b, f->mem, &k_geo, f->erases, utc), OMP_OK);
    g_ops = omp_fake_board_ops;
    g_ops.port_write = cap_write;
    g_ops.port_set_baud = cap_baud;
    f->hal.ops = &g_ops;
    f->hal.user = &f->b;
    omp_meter_cfg_default(&f->cfg);
    f->cfg.meter_number = 12345678u;
}

/* Start the meter and run its first poll: with the optical port on, that poll sets the port to
 * the initial 300 Bd 7E1 (IEC 62056-21 6.4.1) before anything is sent; the capture then starts
 * empty again. */
static void fx_start(struct fx *f)
{
    assert_int_equal(omp_meter_init(&f->m, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    size_t len = g_cap.len;
    g_cap.nbaud = 0u;
    assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
    if (f->m.optical_port.on) {
        assert_int_equal(g_cap.nbaud, 1u);
        assert_int_equal(g_cap.baud[0].baud, 300u);
        assert_int_equal(g_cap.baud[0].framing, OMP_FRAMING_7E1);
        assert_int_equal(g_cap.baud[0].at, len);
        assert_int_equal(g_cap.len, len);
    } else {
        assert_int_equal(g_cap.nbaud, 0u);
    }
    g_cap.nbaud = 0u;
}

/* fx_board() with the User Data 2 list @p list (@p n objects); fx_start() is the caller's. */
static void fx_board_list(struct fx *f, omp_time_s utc, const struct omp_cosem_ref *list, size_t n)
{
    fx_board(f, utc);
    assert_true(n <= OMP_METER_UD2_MAX);
    f->cfg.optical_ud2_len = (uint8_t)n;
    memcpy(f->cfg.optical_ud2, list, n * sizeof *list);
}

/* A started meter with the User Data 2 list @p list (@p n objects). */
static struct fx *fx_new_list(omp_time_s utc, const struct omp_cosem_ref *list, size_t n)
{
    fx_board_list(&g_fx, utc, list, n);
    fx_start(&g_fx);
    return &g_fx;
}

static struct fx *fx_new_at(omp_time_s utc)
{
    fx_board(&g_fx, utc);
    fx_start(&g_fx);
    return &g_fx;
}

static struct fx *fx_new(void) { return fx_new_at(T_WINTER); }

/* Let @p ms pass in 100 ms steps, ticking and polling like a port's main loop. */
static void run_ms(struct fx *f, unsigned ms)
{
    for (unsigned t = 0; t < ms; t += 100u) {
        omp_fake_clock_advance_ms(&f->b.clock, 100u);
        omp_meter_tick(&f->m, &f->b.clock.now);
        assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
    }
}

static void send(struct fx *f, const void *data, size_t len)
{
    assert_int_equal(omp_meter_on_rx(&f->m, OMP_PORT_OPTICAL, data, len), OMP_OK);
}

static void send_str(struct fx *f, const char *s) { send(f, s, strlen(s)); }

static void send_port(struct fx *f, enum omp_port port, const char *s)
{
    assert_int_equal(omp_meter_on_rx(&f->m, port, (const uint8_t *)s, strlen(s)), OMP_OK);
}

/* IEC 62056-21 clause 6.3.15: XOR of the bytes (the test's own BCC). */
static uint8_t xor8(const uint8_t *p, size_t n)
{
    uint8_t x = 0;
    for (size_t k = 0; k < n; k++) {
        x ^= p[k];
    }
    return x;
}

/* `SOH cmd type STX data ETX BCC`. */
static void send_cmd(struct fx *f, char cmd, char type, const char *data)
{
    uint8_t b[600];
    size_t n = strlen(data);
    assert_true(n + 6u <= sizeof b);
    b[0] = 0x01u;
    b[1] = (uint8_t)cmd;
    b[2] = (uint8_t)type;
    b[3] = 0x02u;
    memcpy(b + 4, data, n);
    b[4 + n] = 0x03u;
    b[5 + n] = xor8(b + 1, n + 4u);
    send(f, b, n + 6u);
}

/* `STX body end BCC` into @p out. */
static size_t data_msg(uint8_t *out, size_t cap, const char *body, char end)
{
    size_t n = strlen(body);
    assert_true(n + 3u <= cap);
    out[0] = 0x02u;
    memcpy(out + 1, body, n);
    out[1 + n] = (uint8_t)end;
    out[2 + n] = xor8(out + 1, n + 1u);
    return n + 3u;
}

/* The port got exactly @p want (@p n bytes) since offset @p at. */
static void expect_tx(size_t at, const void *want, size_t n)
{
    if (g_cap.len - at != n || memcmp(g_cap.tx + at, want, n) != 0) {
        printf("got %zu bytes: ", g_cap.len - at);
        for (size_t k = at; k < g_cap.len; k++) {
            unsigned c = g_cap.tx[k];
            printf(c >= 0x20u && c < 0x7Fu ? "%c" : "<%02X>", c);
        }
        printf("\n");
    }
    assert_int_equal(g_cap.len - at, n);
    assert_memory_equal(g_cap.tx + at, want, n);
}

static void expect_tx_str(size_t at, const char *want) { expect_tx(at, want, strlen(want)); }

static void expect_data(size_t at, const char *body, char end)
{
    uint8_t want[4096];
    expect_tx(at, want, data_msg(want, sizeof want, body, end));
}

/* Sign on (`/?!` CR LF, IEC 62056-21 6.3.1) and check the identification. */
static void sign_on(struct fx *f)
{
    size_t at = g_cap.len;
    send_str(f, "/?!\r\n");
    run_ms(f, 300); /* tr_min 300 ms (200 + one tick period) */
    expect_tx_str(at, IDENT);
}

/* ACK 0 Z Y CR LF (option select). */
static void option(struct fx *f, char z, char y)
{
    const char m[6] = { 0x06, '0', z, y, '\r', '\n' };
    send(f, m, sizeof m);
}

/* The option select ACK 0 @p z @p y CR LF, then @p ms of polling; returns where the answer
 * starts. */
static size_t select_option(struct fx *f, char z, char y, unsigned ms)
{
    size_t at = g_cap.len;
    option(f, z, y);
    run_ms(f, ms);
    return at;
}

/* Send a command and check that the reply is exactly @p want. */
static void expect_cmd_tx(struct fx *f, char c, char t, const char *data, const char *want)
{
    size_t at = g_cap.len;
    send_cmd(f, c, t, data);
    run_ms(f, 300);
    expect_tx_str(at, want);
}

/* Sign on and select programming mode: P0 at 9600 Bd (the rate set before P0). */
static void prog_p0(struct fx *f)
{
    sign_on(f);
    size_t at = select_option(f, '5', '1', 300);
    expect_tx_str(at, P0_MSG);
    assert_int_equal(g_cap.baud[g_cap.nbaud - 1u].baud, 9600u);
    assert_int_equal(g_cap.baud[g_cap.nbaud - 1u].at, at); /* switched before P0 */
}

/* Programming mode at 9600 Bd with the password @p p1 (the default is "12345"). */
static void login_with(struct fx *f, const char *p1)
{
    prog_p0(f);
    expect_cmd_tx(f, 'P', '1', p1, ACK);
}

static void login(struct fx *f) { login_with(f, "(12345)"); }

static void sign_off(struct fx *f)
{
    expect_cmd_tx(f, 'B', '0', "", ""); /* B0: no reply */
}

/* Send a command and check its reply `STX body end BCC`. */
static void expect_cmd_data(struct fx *f, char c, char t, const char *data, const char *body,
                            char end)
{
    size_t at = g_cap.len;
    send_cmd(f, c, t, data);
    run_ms(f, 300);
    expect_data(at, body, end);
}

static void expect_cmd_ack(struct fx *f, char c, char t, const char *data)
{
    expect_cmd_tx(f, c, t, data, ACK);
}

/* The reader's ACK or NAK (@p ctl), answered by `STX body end BCC`. */
static void expect_ctl_data(struct fx *f, const char *ctl, const char *body, char end)
{
    size_t at = g_cap.len;
    send(f, ctl, 1u);
    run_ms(f, 300);
    expect_data(at, body, end);
}

static void expect_cmd_error(struct fx *f, char c, char t, const char *data, const char *er)
{
    expect_cmd_data(f, c, t, data, er, 0x03);
}

/* ---- helpers' own checks ---------------------------------------------------------------------- */

static void test_bcc_helper(void **state)
{
    (void)state;
    /* hand-computed in the #defines above and here: R1 1.8.0(): 'R' 0x52 ^ '1' 0x31 = 0x63,
     * ^ STX = 0x61, ^ '1' = 0x50, ^ '.' 0x2E = 0x7E, ^ '8' 0x38 = 0x46, ^ '.' = 0x68, ^ '0'
     * 0x30 = 0x58, ^ '(' 0x28 = 0x70, ^ ')' 0x29 = 0x59, ^ ETX = 0x5A */
    assert_int_equal(xor8((const uint8_t *)"P0" STX "()" ETX, 6u), 0x60u);
    assert_int_equal(xor8((const uint8_t *)"B0" ETX, 3u), 0x71u);
    assert_int_equal(xor8((const uint8_t *)"R1" STX "1.8.0()" ETX, 11u), 0x5Au);
    /* P1 (12345): 0x50 ^ 0x31 ^ 0x02 ^ 0x28 ^ 0x31 ^ 0x32 ^ 0x33 ^ 0x34 ^ 0x35 ^ 0x29 ^ 0x03 */
    assert_int_equal(xor8((const uint8_t *)"P1" STX "(12345)" ETX, 11u), 0x50u);
}

/* ---- configuration ------------------------------------------------------------------------------ */

static void test_cfg_default_optical(void **state)
{
    (void)state;
    struct omp_meter_cfg c;
    omp_meter_cfg_default(&c);
    assert_string_equal(c.optical_ident, " 6861111BN142101");
    assert_string_equal(c.optical_password, "12345");
    assert_true(c.optical_programming);
    /* technical facts 10.2: UD2, D0 off, 2400 Bd, A+C, Ta 1500, Tr 1500, Tt 1700, Ti 90 s */
    assert_int_equal(c.optical.user_data, 1u);
    assert_int_equal(c.optical.d0_interval, 0u);
    assert_int_equal(c.optical.d0_baud, 3u);
    assert_int_equal(c.optical.comm_mode, 1u);
    assert_int_equal(c.optical.ta_ms, 1500u);
    assert_int_equal(c.optical.tr_ms, 1500u);
    assert_int_equal(c.optical.tt_ms, 1700u);
    assert_int_equal(c.optical.ti_s, 90u);
    /* technical facts 10.4: the 27 objects of the default User Data 2 list, in order */
    static const struct omp_cosem_ref ud2[27] = {
        OBJ_METER_NUMBER, OBJ_STATUS,       OBJ_A_PLUS,        OBJ_A_PLUS_T1,
        OBJ_A_PLUS_T2,    OBJ_A_MINUS,      OBJ_A_MINUS_T1,    OBJ_A_MINUS_T2,
        OBJ_R_PLUS,       OBJ_R_PLUS_T1,    OBJ_R_PLUS_T2,     OBJ_R_MINUS,
        OBJ_R_MINUS_T1,   OBJ_R_MINUS_T2,   OBJ_P_PLUS_MAX,    OBJ_P_PLUS_MAX_T1,
        OBJ_P_PLUS_MAX_T2, OBJ_P_MINUS_MAX, OBJ_P_PLUS_ACC,    OBJ_P_MINUS_ACC,
        OBJ_Q_PLUS_MAX,   OBJ_Q_PLUS_ACC,   OBJ_Q_MINUS_MAX,   OBJ_Q_MINUS_ACC,
        OBJ_BILLING_COUNT, OBJ_HOURS,       OBJ_CLOCK,
    };
    assert_int_equal(c.optical_ud2_len, 27u);
    assert_memory_equal(c.optical_ud2, ud2, sizeof ud2);
    printf("sizeof(struct omp_meter) = %zu bytes (optical server %zu)\n", sizeof(struct omp_meter),
           sizeof(struct omp_iec21_server));
}

static void test_cfg_invalid_optical(void **state)
{
    (void)state;
    struct fx *f = &g_fx;
    for (int k = 0; k < 25; k++) {
        fx_board(f, T_WINTER);
        struct omp_meter_cfg *c = &f->cfg;
        switch (k) {
        case 0: c->optical_ident[0] = '\0'; break;                  /* empty */
        case 1: c->optical_ident[3] = '/'; break;                   /* '/' */
        case 2: c->optical_ident[3] = '!'; break;                   /* '!' */
        case 3: memset(c->optical_ident, 'A', sizeof c->optical_ident); break; /* no NUL */
        case 4: memcpy(c->optical_ident, "    ", 5); break;         /* only spaces */
        case 5: memcpy(c->optical_ident, "\\2X", 4); break;         /* reads as `\W` */
        case 6: c->optical_ident[2] = '\t'; break;                  /* control character */
        case 7: memcpy(c->optical_password, "ab(c", 5); break;      /* '(' */
        case 8: memset(c->optical_password, '1', sizeof c->optical_password); break; /* 17 */
        case 9: c->optical_ud2_len = OMP_METER_UD2_MAX + 1u; break;
        case 10: c->optical_ud2[3].obis[2] = 250u; break;           /* no such object */
        case 11: c->optical_ud2[0].attr = 6u; break;                /* no such attribute */
        case 12: c->optical.user_data = 2u; break;
        case 13: c->optical.d0_interval = 17281u; break;
        case 14: c->optical.d0_baud = 6u; break;
        case 15: c->optical.comm_mode = 3u; break;
        case 16: c->optical.ta_ms = 999u; break;
        case 17: c->optical.tr_ms = 65001u; break;
        case 18: c->optical.tt_ms = 0u; break;
        case 19: c->optical.ti_s = 4u; break;
        case 20: c->optical.ti_s = 241u; break;
        case 21: c->optical_password[1] = ' '; break;
        case 22: c->optical_password[1] = (char)0x7F; break;
        case 23: c->optical_password[0] = '\0'; break;             /* empty, programming on */
        default: c->optical.ta_ms = 65001u; break;
        }
        assert_int_equal(omp_meter_init(&f->m, &f->hal, c, &f->b.clock.now), OMP_ERR_ARG);
    }
    /* the limits themselves are valid; an empty User Data 2 list too, and an empty password
     * with programming mode off (nobody is asked for it) */
    fx_board(f, T_WINTER);
    f->cfg.optical_programming = false;
    f->cfg.optical.d0_interval = 17280u;
    f->cfg.optical.ta_ms = 65000u;
    f->cfg.optical.tt_ms = 1000u;
    f->cfg.optical.ti_s = 240u;
    f->cfg.optical_ud2_len = 0u;
    f->cfg.optical_password[0] = '\0';
    memcpy(f->cfg.optical_ident, "X", 2);
    fx_start(f);
}

/* ---- sign-on and readouts ------------------------------------------------------------------------ */

/* The meter answers 300 ms after a message, not the 200 ms of IEC 62056-21 (tr): received bytes
 * carry the time of the last tick, which may be up to one tick period (100 ms) earlier than
 * their arrival, so 200 + 100 keeps the real gap at 200 ms or more. */
static void test_answer_delay(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    /* what the server was given: tr_min 300, Tr = 131.0.14 (1500); white-box, read only */
    assert_int_equal(f->m.optical_port.server.cfg.tr_min_ms, 300u);
    assert_int_equal(f->m.optical_port.server.cfg.tr_pw_ms, 1500u);
    size_t at = g_cap.len;
    send_str(f, "/?!\r\n"); /* stamped 0 ms */
    run_ms(f, 200);          /* 200 ms: not yet */
    expect_tx_str(at, "");
    run_ms(f, 100); /* 300 ms */
    expect_tx_str(at, IDENT);
    at = g_cap.len;
    option(f, '5', '0'); /* stamped 300 ms: the readout at 600 ms */
    run_ms(f, 200);       /* 500 ms */
    expect_tx_str(at, "");
    run_ms(f, 100); /* 600 ms */
    assert_true(g_cap.len > at);
    assert_int_equal(g_cap.tx[at], 0x02u);
}

static void test_signon_and_address(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    sign_on(f); /* `/?!`: any meter */
    run_ms(f, 3000); /* mode A readout follows; let it end */
    size_t at = g_cap.len;
    send_str(f, "/?87654321!\r\n"); /* another meter's number: silence */
    run_ms(f, 3000);
    expect_tx_str(at, "");
    send_str(f, "/?12345678!\r\n"); /* ours (meter number in decimal) */
    run_ms(f, 300);
    expect_tx_str(at, IDENT);
    assert_int_equal(f->m.optical_port.server.signons, 2u);
    /* leading zeros do not count in an all-digit address: 0012345678 is meter 12345678 */
    run_ms(f, 3000); /* the mode A readout; let it end */
    at = g_cap.len;
    send_str(f, "/?0012345678!\r\n");
    run_ms(f, 300);
    expect_tx_str(at, IDENT);
    assert_int_equal(f->m.optical_port.server.signons, 3u);
    run_ms(f, 3000);
    at = g_cap.len;
    send_str(f, "/?123456780!\r\n"); /* a trailing zero does: another meter */
    run_ms(f, 3000);
    expect_tx_str(at, "");
    /* the module and CCC ports run HDLC, not IEC 62056-21: a sign-on there is no frame and gets
     * no answer (cap_write fails a test on a write to them); the optical port takes an empty call */
    at = g_cap.len;
    send_port(f, OMP_PORT_MODULE, "/?!\r\n");
    send_port(f, OMP_PORT_HAN, "/?!\r\n");
    run_ms(f, 3000);
    expect_tx_str(at, "");
    assert_int_equal(omp_meter_on_rx(&f->m, OMP_PORT_OPTICAL, NULL, 0u), OMP_OK);
    assert_int_equal(omp_meter_on_rx(&f->m, OMP_PORT_OPTICAL, NULL, 1u), OMP_ERR_ARG);
}

/* Registers with values whose readout strings are worked out by hand (Z1 7.2: 7 integer digits,
 * 2 decimals, truncated like the display). */
static void set_registers(struct fx *f)
{
    struct omp_registers *r = &f->m.regs;
    r->e.total.a_plus_uwh = 1234567891234ull;  /* 1234.567891234 kWh -> 0001234.56 */
    r->e.a_plus_t[0] = 1000009999999ull;       /* 1000.009999999 kWh -> 0001000.00 (not .01) */
    r->e.a_plus_t[1] = 234557891235ull;        /* 234.557891235 kWh -> 0000234.55 */
    r->e.total.a_minus_uwh = 9999999ull;       /* 0.009999999 kWh -> 0000000.00 */
    r->e.total.r_plus_uvarh = 98765432109876ull; /* 98765.432109876 kvarh -> 0098765.43 */
    r->e.r_plus_t[0] = 5000000000ull;          /* 5 kvarh -> 0000005.00 */
    r->e.r_plus_t[1] = 12345678ull;            /* 0.012345678 kvarh -> 0000000.01 */
    r->e.total.r_minus_uvarh = 42000000000000ull; /* 42000 kvarh -> 0042000.00 */
    /* 12345 W -> 00012.345 kW at 2024-01-15T07:00:00Z (1705302000) = 08:00:00 CET: N 0, V 1 */
    r->peaks.p_plus.value = 12345u;
    r->peaks.p_plus.utc = 1705302000;
    r->peaks.p_plus_t[0].value = 6789u; /* 00006.789, time never set -> 00000101000000 */
    r->peaks.p_plus_t[0].utc = 0;
    /* 500 var -> 00000.500 kvar at 2023-07-01T10:15:00Z (1688206500) = 12:15:00 CEST: N 1 */
    r->peaks.q_plus.value = 500u;
    r->peaks.q_plus.utc = 1688206500;
    r->acc.p_plus = 1234567u; /* 1234567 W -> 001234.567 kW (6 integer digits) */
    r->billing_count = 3u;    /* (xx) -> 03 */
    r->hours = 49u;           /* 7 digits -> 0000049 */
}

/* The UD2 readout of set_registers at 2024-01-15 13:00:00 CET (clock N 0, V 1). Objects the
 * registers do not keep (A-/R- per tariff, P-/Q- maxima) have an empty value. */
#define UD2_LINES                                                                                  \
    "0.0.1(12345678)" CRLF "97.97.0(0)" CRLF "1.8.0(0001234.56*kWh)" CRLF                           \
    "1.8.1(0001000.00*kWh)" CRLF "1.8.2(0000234.55*kWh)" CRLF "2.8.0(0000000.00*kWh)" CRLF          \
    "2.8.1()" CRLF "2.8.2()" CRLF "3.8.0(0098765.43*kvarh)" CRLF "3.8.1(0000005.00*kvarh)" CRLF    \
    "3.8.2(0000000.01*kvarh)" CRLF "4.8.0(0042000.00*kvarh)" CRLF "4.8.1()" CRLF "4.8.2()" CRLF    \
    "1.6.0(00012.345*kW)(01240115080000)" CRLF "1.6.1(00006.789*kW)(00000101000000)" CRLF         \
    "1.6.2(00000.000*kW)(00000101000000)" CRLF "2.6.0()" CRLF "1.2.0(001234.567*kW)" CRLF         \
    "2.2.0()" CRLF "3.6.0(00000.500*kvar)(11230701121500)" CRLF "3.2.0(000000.000*kvar)" CRLF      \
    "4.6.0()" CRLF "4.2.0()" CRLF "0.1.0(03)" CRLF "96.8.0(0000049)" CRLF
#define UD2_BODY UD2_LINES "1.0.0(01240115130000)" CRLF "!" CRLF

static void test_readout_mode_c_ud2(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    set_registers(f);
    sign_on(f);
    assert_int_equal(g_cap.nbaud, 0u); /* the sign-on runs at the initial 300 Bd */
    size_t at = select_option(f, '5', '0', 500); /* ACK 0 5 0: readout at 9600 Bd */
    assert_true(f->b.clock.now.mono_ms < 1000u); /* the clock line's second: 13:00:00 */
    expect_data(at, UD2_BODY, 0x03);
    /* 9600 Bd 7E1 before the readout's STX, back to 300 Bd after its BCC */
    assert_int_equal(g_cap.nbaud, 2u);
    assert_int_equal(g_cap.baud[0].baud, 9600u);
    assert_int_equal(g_cap.baud[0].framing, OMP_FRAMING_7E1);
    assert_int_equal(g_cap.baud[0].at, at);
    assert_int_equal(g_cap.baud[1].baud, 300u);
    assert_int_equal(g_cap.baud[1].at, g_cap.len);
    assert_int_equal(f->m.optical_port.server.readouts, 1u);
    assert_false(omp_iec21_server_busy(&f->m.optical_port.server));
}

/* The readout (without the clock line, which would show when it is produced) while the port
 * takes 7 bytes per write, as a full UART queue does, and the first baud change fails: the rest is
 * offered at the next polls and nothing is lost or repeated. */
static void test_readout_slow_port(void **state)
{
    (void)state;
    struct fx *f = &g_fx;
    fx_board(f, T_WINTER);
    f->cfg.optical_ud2_len = 26u; /* the default list without 1.0.0 */
    fx_start(f);
    set_registers(f);
    sign_on(f);
    g_cap.accept = 7u;
    size_t at = g_cap.len;
    g_cap.fail_baud = 1u;
    option(f, '5', '0'); /* at 300 ms: the readout is due at 300 + tr_min 300 = 600 ms */
    run_ms(f, 100); /* 400 ms: the baud change (asked for at once) fails; nothing is due yet */
    assert_int_equal(g_cap.len, at);
    assert_int_equal(g_cap.nbaud, 0u);
    run_ms(f, 100); /* 500 ms: the baud change again, now taken; still nothing due */
    assert_int_equal(g_cap.len, at);
    assert_int_equal(g_cap.nbaud, 1u);
    unsigned writes = g_cap.writes;
    run_ms(f, 100); /* 600 ms (tr): one write of 7 bytes: the port is full */
    assert_int_equal(g_cap.len, at + 7u);
    assert_int_equal(g_cap.writes, writes + 1u);
    g_cap.fail_write = 1u;
    run_ms(f, 100); /* the port fails: nothing taken, offered again */
    assert_int_equal(g_cap.len, at + 7u);
    run_ms(f, 15000);
    expect_data(at, UD2_LINES "!" CRLF, 0x03);
    assert_int_equal(g_cap.baud[0].baud, 9600u);
    assert_int_equal(g_cap.baud[0].at, at);
}

static void test_readout_mode_a_after_tt(void **state)
{
    (void)state;
    static const struct omp_cosem_ref list[] = {OBJ_METER_NUMBER, OBJ_CLOCK};
    struct fx *f = fx_new_list(T_WINTER, list, OMP_ARRAY_LEN(list));
    /* identification handed out at 300 ms (request at 0 + tr_min 300); it is on the line until
     * 300 + 767 ms (23 characters at 300 Bd: ceil(230000 / 300) = 767); tt 1700 ms from then:
     * 300 + 767 + 1700 = 2767 ms -> the readout at the 2800 ms tick */
    sign_on(f);
    size_t at = g_cap.len;
    run_ms(f, 2400); /* 2700 ms: still waiting for an option select */
    expect_tx_str(at, "");
    run_ms(f, 100); /* 2800 ms: the readout at 300 Bd, clock 13:00:02 (UTC 12:00:02.8) */
    expect_data(at, "0.0.1(12345678)" CRLF "1.0.0(01240115130002)" CRLF "!" CRLF, 0x03);
    assert_int_equal(g_cap.nbaud, 0u); /* never left 300 Bd */
    assert_int_equal(f->m.optical_port.server.readouts, 1u);
}

static void test_readout_summer_clock(void **state)
{
    (void)state;
    static const struct omp_cosem_ref list[] = {OBJ_CLOCK};
    struct fx *f = fx_new_list(T_SUMMER, list, OMP_ARRAY_LEN(list));
    sign_on(f);
    size_t at = select_option(f, '5', '0', 500);
    /* 2024-07-01T12:00:00Z = 14:00:00 CEST: N 1 (summer time), V 1 */
    expect_data(at, "1.0.0(11240701140000)" CRLF "!" CRLF, 0x03);
}

/* Without a valid RTC the clock shows the last time the meter knew, with V 0. */
static void test_readout_clock_invalid(void **state)
{
    (void)state;
    static const struct omp_cosem_ref list[] = {OBJ_CLOCK};
    struct fx *f = fx_new_list(T_WINTER, list, OMP_ARRAY_LEN(list));
    f->b.clock.now.rtc_valid = false;
    sign_on(f);
    expect_data(select_option(f, '5', '0', 500), "1.0.0(00240115130000)" CRLF "!" CRLF, 0x03);
}

/* Z1 7.0 (the IEC doc's example prints `0000010*kwh`) and 6.3, and the values not in UD2. */
static void test_readout_formats(void **state)
{
    (void)state;
    static const struct omp_cosem_ref list[] = {
        OBJ_A_PLUS, OBJ_E_PLUS, OBJ_E_MINUS, OBJ_S_PLUS_MAX, OBJ_S_MINUS_MAX,
        OBJ_A_PLUS_T3, OBJ_A_PLUS_T4, OBJ_R_PLUS_T3, OBJ_R_PLUS_T4,
        OBJ_P_PLUS_ACC_T1, OBJ_P_PLUS_ACC_T2, OBJ_TARIFF, OBJ_PULSE,
        OBJ_U, OBJ_I, OBJ_P_PLUS, OBJ_P_MINUS, OBJ_Q_PLUS, OBJ_Q_MINUS,
        OBJ_FREQ, OBJ_PF,
    };
    static const struct {
        uint8_t digits, decimals;
        const char *body;
    } cases[] = {
        /* 7.0: 1234.567891234 kWh -> 0001234; 6.3: -> 001234.567; E+ 0.999999 kVAh -> 0000000 /
         * 000000.999; E- 1 kVAh; tariffs 3 and 4 (A+ 3.5 kWh, R+ 0); accumulated P+ T1 1500 W ->
         * 000001.500, T2 0; tariff 1; pulse 2500 milli-units -> 0000002; last cycle: 230.04 V ->
         * 230.0 (1 decimal, rounded), 5.126 A -> 5.13, P 1179.1 W -> 1.179 kW (P- 0.000),
         * Q -250.6 var -> Q+ 0.000, Q- 0.251 kvar, 49.987 Hz -> 49.99, PF 0.9876 -> 0.988 */
        { 7u, 0u,
          "1.8.0(0001234*kWh)" CRLF "9.8.0(0000000*kVAh)" CRLF "10.8.0(0000001*kVAh)" CRLF
          "9.6.0(00001.234*kVA)(01240115080000)" CRLF "10.6.0(00000.000*kVA)(00000101000000)" CRLF
          "1.8.3(0000003*kWh)" CRLF "1.8.4(0000000*kWh)" CRLF "3.8.3(0000000*kvarh)" CRLF
          "3.8.4(0000000*kvarh)" CRLF "1.2.1(000001.500*kW)" CRLF "1.2.2(000000.000*kW)" CRLF
          "129.0.0(1)" CRLF "0.128.1(0000002)" CRLF "32.7.0(230.0*V)" CRLF "31.7.0(5.13*A)" CRLF
          "1.7.0(1.179*kW)" CRLF "2.7.0(0.000*kW)" CRLF "3.7.0(0.000*kvar)" CRLF
          "4.7.0(0.251*kvar)" CRLF "14.7.0(49.99*Hz)" CRLF "13.7.0(0.988)" CRLF "!" CRLF },
        { 6u, 3u,
          "1.8.0(001234.567*kWh)" CRLF "9.8.0(000000.999*kVAh)" CRLF "10.8.0(000001.000*kVAh)" CRLF
          "9.6.0(00001.234*kVA)(01240115080000)" CRLF "10.6.0(00000.000*kVA)(00000101000000)" CRLF
          "1.8.3(000003.500*kWh)" CRLF "1.8.4(000000.000*kWh)" CRLF "3.8.3(000000.000*kvarh)" CRLF
          "3.8.4(000000.000*kvarh)" CRLF "1.2.1(000001.500*kW)" CRLF "1.2.2(000000.000*kW)" CRLF
          "129.0.0(1)" CRLF "0.128.1(0000002)" CRLF "32.7.0(230.0*V)" CRLF "31.7.0(5.13*A)" CRLF
          "1.7.0(1.179*kW)" CRLF "2.7.0(0.000*kW)" CRLF "3.7.0(0.000*kvar)" CRLF
          "4.7.0(0.251*kvar)" CRLF "14.7.0(49.99*Hz)" CRLF "13.7.0(0.988)" CRLF "!" CRLF },
    };
    for (size_t k = 0; k < OMP_ARRAY_LEN(cases); k++) {
        struct fx *f = &g_fx;
        fx_board_list(f, T_WINTER, list, OMP_ARRAY_LEN(list));
        f->cfg.energy_digits = cases[k].digits;
        f->cfg.energy_decimals = cases[k].decimals;
        fx_start(f);
        struct omp_registers *r = &f->m.regs;
        r->e.total.a_plus_uwh = 1234567891234ull;
        r->e.total.e_plus_uvah = 999999999ull;
        r->e.total.e_minus_uvah = 1000000000ull;
        r->peaks.s_plus.value = 1234u;
        r->peaks.s_plus.utc = 1705302000; /* 08:00:00 CET */
        r->e.a_plus_t[2] = 3500000000ull;
        r->acc.p_plus_t[0] = 1500u;
        r->pulse_milli = 2500u;
        f->m.last.urms_v = 230.04f;
        f->m.last.irms_a = 5.126f;
        f->m.last.p_w = 1179.1f;
        f->m.last.q_var = -250.6f;
        f->m.last.f_hz = 49.987f;
        f->m.last.pf = 0.9876f;
        sign_on(f);
        expect_data(select_option(f, '5', '0', 500), cases[k].body, 0x03);
    }
}

/* ---- programming mode ----------------------------------------------------------------------------- */

static void test_programming_read_and_ud_select(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    set_registers(f);
    login(f);
    assert_int_equal(f->m.optical_port.server.prog_sessions, 1u);
    /* R1 reads any object in the readout's format, one data set, no CR LF */
    expect_cmd_data(f, 'R', '1', "1.8.0()", "1.8.0(0001234.56*kWh)", 0x03);
    expect_cmd_data(f, 'R', '1', "1.6.0()", "1.6.0(00012.345*kW)(01240115080000)", 0x03);
    expect_cmd_data(f, 'R', '1', "2.8.1()", "2.8.1()", 0x03);
    expect_cmd_data(f, 'R', '1', "0.1.0()", "0.1.0(03)", 0x03);
    /* the settings with their factory values (technical facts 10.2) */
    expect_cmd_data(f, 'R', '1', "131.0.3()", "131.0.3(1)", 0x03);
    expect_cmd_data(f, 'R', '1', "131.0.6()", "131.0.6(0)", 0x03);
    expect_cmd_data(f, 'R', '1', "131.0.9()", "131.0.9(3)", 0x03);
    expect_cmd_data(f, 'R', '1', "131.0.12()", "131.0.12(1)", 0x03);
    expect_cmd_data(f, 'R', '1', "131.0.13()", "131.0.13(1500)", 0x03);
    expect_cmd_data(f, 'R', '1', "131.0.14()", "131.0.14(1500)", 0x03);
    expect_cmd_data(f, 'R', '1', "131.0.15()", "131.0.15(1700)", 0x03);
    expect_cmd_data(f, 'R', '1', "131.0.16()", "131.0.16(90)", 0x03);
    /* power quality (technical facts 8): the limits' defaults (8.4: 253 V, 207 V, 600 s, 180 s),
     * a counter of a meter that has seen no samples, THD with no 10-min value yet: empty */
    expect_cmd_data(f, 'R', '1', "134.0.12()", "134.0.12(253)", 0x03);
    expect_cmd_data(f, 'R', '1', "134.0.13()", "134.0.13(207)", 0x03);
    expect_cmd_data(f, 'R', '1', "134.0.14()", "134.0.14(600)", 0x03);
    expect_cmd_data(f, 'R', '1', "134.0.15()", "134.0.15(180)", 0x03);
    expect_cmd_data(f, 'R', '1', "133.0.19()", "133.0.19(0)", 0x03);
    expect_cmd_data(f, 'R', '1', "32.24.124()", "32.24.124()", 0x03);
    /* W1 131.0.3(0): User Data 1 (the IEC doc's own example of W1) */
    expect_cmd_ack(f, 'W', '1', "131.0.3(0)");
    expect_cmd_data(f, 'R', '1', "131.0.3()", "131.0.3(0)", 0x03);
    sign_off(f);
    run_ms(f, 1000);
    sign_on(f);
    size_t at = select_option(f, '5', '0', 500);
    /* User Data 1 (technical facts 10.4): 0.0.1, 1.8.0, 1.8.1-1.8.4, 96.8.0, 0.128.1, 1.6.0 */
    expect_data(at,
                "0.0.1(12345678)" CRLF "1.8.0(0001234.56*kWh)" CRLF "1.8.1(0001000.00*kWh)" CRLF
                "1.8.2(0000234.55*kWh)" CRLF "1.8.3(0000000.00*kWh)" CRLF
                "1.8.4(0000000.00*kWh)" CRLF "96.8.0(0000049)" CRLF "0.128.1(0000000)" CRLF
                "1.6.0(00012.345*kW)(01240115080000)" CRLF "!" CRLF,
                0x03);
}

static void test_programming_errors(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    login(f);
    expect_cmd_error(f, 'R', '1', "1.2.3()", "ER01 UNKNOWN OBJECT");
    expect_cmd_error(f, 'R', '1', "131.0.1()", "ER01 UNKNOWN OBJECT"); /* another port's */
    expect_cmd_error(f, 'R', '1', "96.5.1()", "ER05 NOT SUPPORTED");
    expect_cmd_error(f, 'R', '1', "99.98.2()", "ER05 NOT SUPPORTED");
    expect_cmd_error(f, 'R', '1', "1.8.0*1()", "ER05 NOT SUPPORTED");
    expect_cmd_error(f, 'R', '1', "1.8.0", "ER02 BAD FORMAT");
    expect_cmd_error(f, 'R', '1', "1.8.0()x", "ER02 BAD FORMAT");
    expect_cmd_error(f, 'R', '1', "1.8.0(()", "ER02 BAD FORMAT");
    expect_cmd_error(f, 'R', '1', "()", "ER02 BAD FORMAT");
    expect_cmd_error(f, 'R', '1', "12345678901234567()", "ER02 BAD FORMAT");
    expect_cmd_error(f, 'R', '2', "1.8.0()", "ER06 UNKNOWN COMMAND");
    expect_cmd_error(f, 'E', '2', "1.8.0()", "ER06 UNKNOWN COMMAND");
    /* commands the server itself does not pass on: its own ER06, without a text */
    expect_cmd_error(f, 'R', '7', "1.8.0()", "ER06");
    expect_cmd_error(f, 'W', '6', "1.8.0(1)", "ER06");
    expect_cmd_error(f, 'E', '1', "", "ER06");
    expect_cmd_error(f, 'R', '5', "1.8.0()", "ER01 UNKNOWN OBJECT");
    expect_cmd_error(f, 'W', '1', "131.0.3", "ER02 BAD FORMAT");
    expect_cmd_error(f, 'W', '1', "131.0.3()", "ER02 BAD FORMAT");
    expect_cmd_error(f, 'W', '1', "131.0.3(a)", "ER02 BAD FORMAT");
    expect_cmd_error(f, 'W', '1', "131.0.3(1234567890)", "ER02 BAD FORMAT");
    /* ranges of technical facts 10.2 */
    expect_cmd_error(f, 'W', '1', "131.0.3(2)", "ER03 OUT OF RANGE");
    expect_cmd_error(f, 'W', '1', "131.0.6(17281)", "ER03 OUT OF RANGE");
    expect_cmd_error(f, 'W', '1', "131.0.9(6)", "ER03 OUT OF RANGE");
    expect_cmd_error(f, 'W', '1', "131.0.12(3)", "ER03 OUT OF RANGE");
    expect_cmd_error(f, 'W', '1', "131.0.13(999)", "ER03 OUT OF RANGE");
    expect_cmd_error(f, 'W', '1', "131.0.14(65001)", "ER03 OUT OF RANGE");
    expect_cmd_error(f, 'W', '1', "131.0.15(0)", "ER03 OUT OF RANGE");
    expect_cmd_error(f, 'W', '1', "131.0.16(4)", "ER03 OUT OF RANGE");
    expect_cmd_error(f, 'W', '1', "131.0.16(241)", "ER03 OUT OF RANGE");
    expect_cmd_error(f, 'W', '1', "96.5.1(1)", "ER05 NOT SUPPORTED");
    /* the voltage quality limits are DLMS's to write (technical facts 10.5: not W1's) */
    expect_cmd_error(f, 'W', '1', "134.0.12(250)", "ER04 READ ONLY");
    expect_cmd_error(f, 'W', '5', "131.0.17(1)(0.0.1)", "ER02 BAD FORMAT");
    expect_cmd_error(f, 'W', '5', "131.0.17(1)", "ER05 NOT SUPPORTED");
    /* ActualTariff: the default tariff source is not the register */
    expect_cmd_error(f, 'W', '1', "129.0.0(2)", "ER05 NOT SUPPORTED");
    expect_cmd_data(f, 'R', '1', "129.0.0()", "129.0.0(1)", 0x03);
    /* R6: this meter keeps no load profile (cfg.lp_sectors 0) and no analysis logger
     * (cfg.an_sectors 0): 99.1.0 and 99.1.1 are not supported */
    expect_cmd_error(f, 'R', '6', "99.1.0(0050101000000;0050101080033;6)", "ER05 NOT SUPPORTED");
    expect_cmd_error(f, 'R', '6', "99.1.1(0050101000000;0050101080033;6)", "ER05 NOT SUPPORTED");
    expect_cmd_error(f, 'R', '6', "99.1.1()", "ER05 NOT SUPPORTED");
    expect_cmd_error(f, 'R', '6', "99.1.2()", "ER01 UNKNOWN OBJECT");
    expect_cmd_error(f, 'R', '6', "1.8.0()", "ER01 UNKNOWN OBJECT");
    expect_cmd_error(f, 'R', '6', "98.1.0(;0240115130010)", "ER02 BAD FORMAT");
    expect_cmd_error(f, 'R', '6', "98.1.0(;;0)", "ER03 OUT OF RANGE");
    expect_cmd_error(f, 'R', '6', "98.1.0(;;100)", "ER02 BAD FORMAT");
    expect_cmd_error(f, 'R', '6', "98.1.0(a;;)", "ER02 BAD FORMAT");
    expect_cmd_error(f, 'R', '6', "98.1.0(;;6;1)", "ER02 BAD FORMAT");
    expect_cmd_error(f, 'R', '6', "98.1.0(0241301000000)", "ER03 OUT OF RANGE");
    /* an empty billing log: the header alone, as the last block */
    expect_cmd_data(f, 'R', '6', "98.1.0()",
                    "98.1.0(6)(1.0.0)()(0.1.0)()(1.8.0)(kWh)(2.8.0)(kWh)(3.8.0)(kvarh)"
                    "(4.8.0)(kvarh)" CRLF,
                    0x03);
    /* a command before the password is refused with NAK (new session) */
    sign_off(f);
    sign_on(f);
    size_t at = g_cap.len;
    option(f, '5', '1');
    run_ms(f, 300);
    expect_tx_str(at, P0_MSG);
    at = g_cap.len;
    send_cmd(f, 'R', '1', "1.8.0()");
    run_ms(f, 300);
    expect_tx_str(at, NAK);
}

/* Every write command on every legal id is refused and no register changes. */
static void test_writes_to_legal_data_refused(void **state)
{
    (void)state;
    static const char *const ids[] = {
        "0.0.1", "97.97.0", "1.8.0", "1.8.1", "1.8.2", "1.8.3", "1.8.4", "2.8.0", "2.8.1",
        "2.8.2", "3.8.0", "3.8.1", "3.8.2", "3.8.3", "3.8.4", "4.8.0", "4.8.1", "4.8.2", "9.8.0",
        "10.8.0", "1.6.0", "1.6.1", "1.6.2", "2.6.0", "3.6.0", "4.6.0", "9.6.0", "10.6.0", "1.2.0",
        "1.2.1", "1.2.2", "2.2.0", "3.2.0", "4.2.0", "0.1.0", "96.8.0", "0.128.1", "32.7.0",
        "31.7.0", "1.7.0", "2.7.0", "3.7.0", "4.7.0", "14.7.0", "13.7.0",
        /* not on the port: serial, firmware, ROM checksum, threshold, calibration-like ids */
        "96.1.0", "0.2.0", "96.54.1", "96.51.1", "96.51.2", "0.0.0", "1.8.0*1", "128.0.0",
    };
    struct fx *f = fx_new();
    set_registers(f);
    struct omp_registers before = f->m.regs;
    struct omp_meter_cfg cfg_before = f->m.cfg;
    login(f);
    size_t refused = 0;
    for (size_t k = 0; k < OMP_ARRAY_LEN(ids); k++) {
        for (char t = '1'; t <= '5'; t++) {
            char data[40];
            snprintf(data, sizeof data, "%s(0000000.00)", ids[k]);
            size_t at = g_cap.len;
            send_cmd(f, 'W', t, data);
            run_ms(f, 300);
            /* STX "ER" ... ETX BCC */
            assert_true(g_cap.len - at > 5u);
            assert_int_equal(g_cap.tx[at], 0x02u);
            assert_memory_equal(g_cap.tx + at + 1, "ER", 2u);
            assert_int_equal(g_cap.tx[g_cap.len - 2u], 0x03u);
            assert_int_equal(g_cap.tx[g_cap.len - 1u], xor8(g_cap.tx + at + 1, g_cap.len - at - 2u));
            if (t == '1' && k < 45u) { /* objects of the table: read only */
                g_cap.tx[g_cap.len - 2u] = 0;
                assert_string_equal((const char *)g_cap.tx + at + 1, "ER04 READ ONLY");
            }
            refused++;
        }
    }
    assert_int_equal(refused, OMP_ARRAY_LEN(ids) * 5u);
    const struct omp_registers *r = &f->m.regs;
    assert_memory_equal(&r->e, &before.e, sizeof r->e);
    assert_memory_equal(&r->peaks, &before.peaks, sizeof r->peaks);
    assert_memory_equal(&r->acc, &before.acc, sizeof r->acc);
    assert_int_equal(r->hours, before.hours);
    assert_int_equal(r->billing_count, before.billing_count);
    assert_int_equal(r->threshold_count, before.threshold_count);
    assert_int_equal(r->pulse_milli, before.pulse_milli);
    assert_memory_equal(&f->m.cfg, &cfg_before, sizeof cfg_before); /* calibration, Z codes */
    assert_int_equal(f->b.rtc_set_calls, 0u);
    assert_int_equal(f->m.persist.billing.count, 0u);
}

static void test_clock_w5_r5(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    login(f);
    /* R5 1.0.0(): 2024-01-15 13:00:00 CET plus the 0.9 s of the session: N 0, V 1 */
    expect_cmd_data(f, 'R', '5', "1.0.0()", "1.0.0(01240115130000)", 0x03);
    /* W5 1.0.0(0240115143000): normal time 2024-01-15 14:30:00 = 13:30:00Z = 1705325400 */
    expect_cmd_ack(f, 'W', '5', "1.0.0(0240115143000)");
    assert_int_equal(f->b.rtc_set_value, (omp_time_s)1705325400);
    /* read back within the same second (the ACK came 0.2 s and the command 0.3 s later) */
    expect_cmd_data(f, 'R', '5', "1.0.0()", "1.0.0(01240115143000)", 0x03);
    /* IEC doc p.37: W5 1.0.0(1050321003800), N = 1, stores 2005-03-20 23:38:00 normal time,
     * though 21 March is outside EU summer time: 22:38:00Z = 1111358280 */
    expect_cmd_ack(f, 'W', '5', "1.0.0(1050321003800)");
    assert_int_equal(f->b.rtc_set_value, (omp_time_s)1111358280);
    expect_cmd_data(f, 'R', '5', "1.0.0()", "1.0.0(01050320233800)", 0x03);
    /* W1 1.0.0 sets the clock as W5 does (Kamstrup: W1 allowed for 1.0.0) */
    expect_cmd_ack(f, 'W', '1', "1.0.0(0240701120000)");
    /* normal time 2024-07-01 12:00:00 = 11:00:00Z = T_SUMMER - 3600 = 1719831600 */
    assert_int_equal(f->b.rtc_set_value, (omp_time_s)1719831600);
    /* and the readout's clock object is that clock: 2024-07-01 13:00:00 CEST, N 1 */
    expect_cmd_data(f, 'R', '1', "1.0.0()", "1.0.0(11240701130000)", 0x03);
    /* bad clocks change nothing */
    expect_cmd_error(f, 'W', '5', "1.0.0(0241315143000)", "ER03 OUT OF RANGE"); /* month 13 */
    expect_cmd_error(f, 'W', '5', "1.0.0(0240230000000)", "ER03 OUT OF RANGE"); /* 30 Feb */
    expect_cmd_error(f, 'W', '5', "1.0.0(2240115143000)", "ER02 BAD FORMAT");   /* N = 2 */
    expect_cmd_error(f, 'W', '5', "1.0.0(01240115143000)", "ER02 BAD FORMAT");  /* with V */
    expect_cmd_error(f, 'W', '5', "1.0.0(024011514300A)", "ER02 BAD FORMAT");
    expect_cmd_error(f, 'W', '5', "1.8.0(0000000.00)", "ER04 READ ONLY");
    expect_cmd_error(f, 'W', '5', "1.2.3(0)", "ER01 UNKNOWN OBJECT");
    assert_int_equal(f->b.rtc_set_calls, 3u);
    /* W1 writes only 1.0.0, 129.0.0, 96.5.1 and 131.0.x (technical facts 10.5): the utility's
     * data and ForceBillingStop, which DLMS client 19 writes, are read-only here */
    const uint32_t periods = f->m.regs.billing_count; /* the clock writes crossed a stop */
    expect_cmd_error(f, 'W', '1', "0.0.2(12)", "ER04 READ ONLY");
    expect_cmd_error(f, 'W', '1', "0.130.1(1)", "ER04 READ ONLY");
    expect_cmd_error(f, 'W', '1', "0.1.5(1)", "ER04 READ ONLY");
    assert_int_equal(f->m.custom.meter_no2, 0u);
    assert_int_equal(f->m.regs.billing_count, periods);
}

/* Three debiting stops, then R6 98.1.0 in blocks of 2: block 0 PARTIAL (EOT) with the header and
 * the two oldest records, the reader's ACK, block 1 (ETX) with the header and the third. */
#define R6_HEADER "98.1.0(6)(1.0.0)()(0.1.0)()(1.8.0)(kWh)(2.8.0)(kWh)(3.8.0)(kvarh)(4.8.0)(kvarh)\r\n"
/* stop times 12:00:01Z, 12:00:11Z, 12:00:21Z = 13:00:01, 13:00:11, 13:00:21 CET (N 0, V 1);
 * counts 01..03; A+ 100.005 / 200.5 / 300 kWh, A- 1.5 kWh, R+ 0.019 kvarh, R- 7 kvarh (7.2) */
#define R6_ROW1 "(01240115130001)(01)(0000100.00)(0000001.50)(0000000.01)(0000007.00)\r\n"
#define R6_ROW2 "(01240115130011)(02)(0000200.50)(0000001.50)(0000000.01)(0000007.00)\r\n"
#define R6_ROW3 "(01240115130021)(03)(0000300.00)(0000001.50)(0000000.01)(0000007.00)\r\n"

static void debiting_stops(struct fx *f)
{
    static const uint64_t a_plus[3] = { 100005000000ull, 200500000000ull, 300000000000ull };
    run_ms(f, 1000);
    for (size_t k = 0; k < 3u; k++) {
        f->m.regs.e.total.a_plus_uwh = a_plus[k];
        f->m.regs.e.total.a_minus_uwh = 1500000000ull;
        f->m.regs.e.total.r_plus_uvarh = 19000000ull;
        f->m.regs.e.total.r_minus_uvarh = 7000000000ull;
        assert_int_equal(omp_meter_billing_stop(&f->m), OMP_OK);
        run_ms(f, 10000);
    }
    assert_int_equal(f->m.persist.billing.count, 3u);
}

/* A debiting stop taken before the clock was ever valid (a stop pulse at installation) has no
 * time: its row shows the never-set stamp (IEC doc p.24) and the log stays readable, also with a
 * negative time zone (Z11 = 19: -5 h). */
static void test_r6_stop_before_clock(void **state)
{
    (void)state;
    struct fx *f = &g_fx;
    fx_board(f, T_WINTER);
    f->cfg.utc_offset_min = -300;
    f->b.clock.now.rtc_valid = false;
    fx_start(f);
    run_ms(f, 1000);
    assert_int_equal(omp_meter_billing_stop(&f->m), OMP_OK);
    run_ms(f, 1000);
    assert_int_equal(f->m.persist.billing.count, 1u);
    login(f);
    expect_cmd_data(f, 'R', '6', "98.1.0()",
                    R6_HEADER "(00000101000000)(01)(0000000.00)(0000000.00)(0000000.00)(0000000.00)"
                              "\r\n",
                    0x03);
}

static void test_r6_billing_blocks(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    debiting_stops(f);
    login(f);
    expect_cmd_data(f, 'R', '6', "98.1.0(;;2)", R6_HEADER R6_ROW1 R6_ROW2, 0x04);
    /* a NAK: the same block again */
    expect_ctl_data(f, NAK, R6_HEADER R6_ROW1 R6_ROW2, 0x04);
    expect_ctl_data(f, ACK, R6_HEADER R6_ROW3, 0x03);
    /* default block size 6: one block */
    expect_cmd_data(f, 'R', '6', "98.1.0()", R6_HEADER R6_ROW1 R6_ROW2 R6_ROW3, 0x03);
    /* start and end (NYYMMDDhhmmss, local normal time): the middle record only */
    expect_cmd_data(f, 'R', '6', "98.1.0(0240115130005;0240115130015;6)", R6_HEADER R6_ROW2,
                    0x03);
    /* start only: from the second on, one record per block */
    expect_cmd_data(f, 'R', '6', "98.1.0(0240115130011;;1)", R6_HEADER R6_ROW2, 0x04);
    /* a debiting stop between two blocks: the records keep their order */
    f->m.regs.e.total.a_plus_uwh = 400000000000ull;
    assert_int_equal(omp_meter_billing_stop(&f->m), OMP_OK);
    run_ms(f, 100); /* saved at the next poll: 12:00:33Z -> 13:00:33, count 04 */
    expect_ctl_data(f, ACK, R6_HEADER R6_ROW3, 0x04);
    expect_ctl_data(f, ACK,
                    R6_HEADER
                    "(01240115130033)(04)(0000400.00)(0000001.50)(0000000.01)(0000007.00)\r\n",
                    0x03);
    /* an ACK after the last block asks for nothing */
    size_t at = g_cap.len;
    send(f, ACK, 1u);
    run_ms(f, 300);
    expect_tx_str(at, "");
}

/* Flip a bit in the billing record that holds A+ = @p uwh (its 8 little-endian bytes, looked
 * for in the billing log's region only: the register journal holds the same value). */
static void flip_billing_record(struct fx *f, uint64_t uwh)
{
    const struct omp_nvm_log *l = &f->m.persist.billing;
    uint8_t le[8];
    for (size_t k = 0; k < 8u; k++) {
        le[k] = (uint8_t)(uwh >> (8u * k));
    }
    const uint32_t end = l->rgn.base + l->rgn.sectors * l->geo.sector_size;
    uint32_t found = 0;
    for (uint32_t at = l->rgn.base; at + 8u <= end; at++) {
        if (memcmp(&f->mem[at], le, 8u) == 0) {
            f->mem[at + 1u] ^= 0x10u;
            found++;
        }
    }
    assert_int_equal(found, 1u);
}

/* A billing record that fails its CRC (the second stop's) has no time: R6 98.1.0 leaves it out
 * and reads the others (logger.h omp_billing_next_in), with or without a range; a range that
 * holds only it is empty (the header alone). */
static void test_r6_billing_unreadable(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    debiting_stops(f);
    flip_billing_record(f, 200500000000ull);
    login(f);
    expect_cmd_data(f, 'R', '6', "98.1.0()", R6_HEADER R6_ROW1 R6_ROW3, 0x03);
    expect_cmd_data(f, 'R', '6', "98.1.0(;;1)", R6_HEADER R6_ROW1, 0x04);
    expect_ctl_data(f, ACK, R6_HEADER R6_ROW3, 0x03);
    expect_cmd_data(f, 'R', '6', "98.1.0(0240115130005;0240115130015;6)", R6_HEADER, 0x03);
}

/* R6 99.1.0, the load profile (technical facts 1.2, 10.5), on a meter given 3 sectors for it:
 * the header names 7 columns (1.0.0, LoggerStatus 96.56.2, DataQuality 96.56.3, A+ A- R+ R-: X9 =
 * 4 of the default type number); the meter starts 12:00:00Z (13:00 CET), so its entries end
 * 12:15, 12:30, 12:45 UTC = 13:15, 13:30, 13:45 normal time (N 0, V 1); the first carries the
 * power-up (DataQuality 1024); the registers as set (7.2: 100.00 kWh, ...). */
#define LP_HEADER "99.1.0(7)(1.0.0)()(96.56.2)()(96.56.3)()(1.8.0)(kWh)(2.8.0)(kWh)(3.8.0)(kvarh)" \
                  "(4.8.0)(kvarh)\r\n"
#define LP_VALUES "(0000100.00)(0000001.50)(0000000.01)(0000007.00)\r\n"
#define LP_ROW1 "(01240115131500)(0)(1024)" LP_VALUES
#define LP_ROW2 "(01240115133000)(0)(0)" LP_VALUES
#define LP_ROW3 "(01240115134500)(0)(0)" LP_VALUES

/* @p minutes of compressed time, a tick and a poll per minute of the clocks; with @p w, five mains
 * cycles of its signal before each tick (the meter's newest cycle and its interval means). */
static void run_minutes(struct fx *f, struct omp_wave *w, unsigned minutes)
{
    static int32_t vi[2u * 5u * (OMP_CONFIG_SAMPLE_RATE_HZ / 50u)];
    for (unsigned t = 0; t < minutes; t++) {
        if (w != NULL) {
            omp_wave_fill(w, vi, OMP_ARRAY_LEN(vi) / 2u);
            omp_meter_on_samples(&f->m, vi, OMP_ARRAY_LEN(vi) / 2u);
        }
        omp_fake_clock_advance_ms(&f->b.clock, 60000u);
        omp_meter_tick(&f->m, &f->b.clock.now);
        assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
    }
}

static void test_r6_load_profile(void **state)
{
    (void)state;
    struct fx *f = &g_fx;
    fx_board(f, T_WINTER);
    f->cfg.lp_sectors = 3u;
    fx_start(f);
    f->m.regs.e.total.a_plus_uwh = 100005000000ull;
    f->m.regs.e.total.a_minus_uwh = 1500000000ull;
    f->m.regs.e.total.r_plus_uvarh = 19000000ull;
    f->m.regs.e.total.r_minus_uvarh = 7000000000ull;
    run_minutes(f, NULL, 46u);
    assert_int_equal(omp_plog_count(&omp_meter_load_profile(&f->m)->log), 3u);
    login(f);
    expect_cmd_data(f, 'R', '6', "99.1.0()", LP_HEADER LP_ROW1 LP_ROW2 LP_ROW3, 0x03);
    /* blocks of 2: PARTIAL, then the rest after the reader's ACK */
    expect_cmd_data(f, 'R', '6', "99.1.0(;;2)", LP_HEADER LP_ROW1 LP_ROW2, 0x04);
    expect_ctl_data(f, ACK, LP_HEADER LP_ROW3, 0x03);
    /* a range of normal time: 13:25 .. 13:40 holds the 13:30 entry only */
    expect_cmd_data(f, 'R', '6', "99.1.0(0240115132500;0240115134000;6)", LP_HEADER LP_ROW2, 0x03);
    /* a range with nothing in it: the header alone */
    expect_cmd_data(f, 'R', '6', "99.1.0(0240116000000;;6)", LP_HEADER, 0x03);
}

/* R6 99.1.1, the analysis logger 1.1.99.1.1.255 (technical facts 2, 3, 10.5; docs/logger.md), on
 * a meter given 3 sectors for it (and no load profile), its interval 15 min, fed 230 V and 10 A in
 * phase (PF 1, 50 Hz, ideal codes on the default calibration's full scales, 600 V and 120 A peak)
 * from its start at 12:00:00Z (13:00 CET): entries at 12:15, 12:30, 12:45 UTC stamped 13:15, 13:30,
 * 13:45 normal time (N 0, V 1), the first with DataQuality 1024 (power-up), LoggerStatus 0. The
 * default channels and what they read: P+ 1.7.0 = U I cos 0 = 2300 W, P- 2.7.0 = 0 (no export),
 * Q+ 3.7.0 = Q- 4.7.0 = U I sin 0 = 0 var, the U-L1 mean 32.25.0 = 230 V (2300 in the dictionary's
 * 0.1 V), the I-L1 mean 31.25.0 = 10 A (1000 in 0.01 A). Shown as the readout shows those objects
 * (display.h; cf. test_readout_formats): instantaneous powers in kW or kvar with 3 decimals,
 * unpadded (2.300, 0.000); means as instantaneous values, unpadded with the scaler's decimals
 * (230.0 V, 10.00 A). The header: 3 + 6 = 9 columns, each channel `(C.D.E)(unit)`. */
#define AN_HEADER "99.1.1(9)(1.0.0)()(96.56.2)()(96.56.3)()(1.7.0)(kW)(2.7.0)(kW)(3.7.0)(kvar)" \
                  "(4.7.0)(kvar)(32.25.0)(V)(31.25.0)(A)\r\n"
#define AN_VALUES "(2.300)(0.000)(0.000)(0.000)(230.0)(10.00)\r\n"
#define AN_ROW1 "(01240115131500)(0)(1024)" AN_VALUES
#define AN_ROW2 "(01240115133000)(0)(0)" AN_VALUES
#define AN_ROW3 "(01240115134500)(0)(0)" AN_VALUES

/* A meter at T_WINTER with the analysis logger on 3 sectors, its channels @p ch (@p n of them;
 * NULL: the default six), and @p w set to 230 V, 10 A at PF 1 for it. */
static struct fx *fx_new_an(const struct omp_cosem_ref *ch, size_t n, struct omp_wave *w)
{
    struct fx *f = &g_fx;
    fx_board(f, T_WINTER);
    f->cfg.an_sectors = 3u;
    if (ch != NULL) {
        assert_true(n >= 1u && n <= OMP_ARRAY_LEN(f->cfg.an_channel));
        f->cfg.an_channels = (uint8_t)n;
        memcpy(f->cfg.an_channel, ch, n * sizeof *ch);
    }
    fx_start(f);
    omp_wave_init_sine(w, (double)f->cfg.sample_rate_hz, 50.0, 230.0f, 10.0f, 0.0f, NULL);
    w->adc.v_full_scale_v = 600.0f; /* omp_meter_cfg_default's cal: 600 V, 120 A at 2^23 */
    w->adc.i_full_scale_a = 120.0f;
    return f;
}

static void test_r6_analysis_logger(void **state)
{
    (void)state;
    static struct omp_wave w;
    struct fx *f = fx_new_an(NULL, 0u, &w);
    run_minutes(f, &w, 46u);
    assert_int_equal(omp_plog_count(&omp_meter_analysis_log(&f->m)->log), 3u);
    login(f);
    expect_cmd_data(f, 'R', '6', "99.1.1()", AN_HEADER AN_ROW1 AN_ROW2 AN_ROW3, 0x03);
    /* blocks of 2: PARTIAL, a NAK resends it, the reader's ACK gets the rest */
    expect_cmd_data(f, 'R', '6', "99.1.1(;;2)", AN_HEADER AN_ROW1 AN_ROW2, 0x04);
    expect_ctl_data(f, NAK, AN_HEADER AN_ROW1 AN_ROW2, 0x04);
    expect_ctl_data(f, ACK, AN_HEADER AN_ROW3, 0x03);
    /* a range of normal time: 13:25 .. 13:40 holds the 13:30 entry only */
    expect_cmd_data(f, 'R', '6', "99.1.1(0240115132500;0240115134000;6)", AN_HEADER AN_ROW2,
                    0x03);
    /* from 13:30 on, one entry per block */
    expect_cmd_data(f, 'R', '6', "99.1.1(0240115133000;;1)", AN_HEADER AN_ROW2, 0x04);
    expect_ctl_data(f, ACK, AN_HEADER AN_ROW3, 0x03);
    /* a range with nothing in it: the header alone */
    expect_cmd_data(f, 'R', '6', "99.1.1(0240116000000;;6)", AN_HEADER, 0x03);
    /* this meter keeps no load profile: 99.1.0 is not supported, whatever 99.1.1 is */
    expect_cmd_error(f, 'R', '6', "99.1.0()", "ER05 NOT SUPPORTED");
    expect_cmd_error(f, 'R', '6', "99.1.1(;0240115133000)", "ER02 BAD FORMAT");
}

/* Six entries (13:15 .. 14:30 normal time) in blocks of the default 6 rows: the header takes 114
 * bytes, the first row 69 (`(1024)`), the others 66; a reply holds OMP_CONFIG_IEC21_TX_MAX - 8 =
 * 504 bytes of data: 114 + 69 + 4 x 66 = 447 fit, a sixth row (513) does not, so the first block
 * has five rows and the last one the sixth. */
static void test_r6_analysis_rows_that_fit(void **state)
{
    (void)state;
    static struct omp_wave w;
    struct fx *f = fx_new_an(NULL, 0u, &w);
    run_minutes(f, &w, 91u);
    assert_int_equal(OMP_CONFIG_IEC21_TX_MAX, 512);
    assert_int_equal(strlen(AN_HEADER), 114u);
    assert_int_equal(strlen(AN_ROW1), 69u);
    assert_int_equal(strlen(AN_ROW2), 66u);
    login(f);
    expect_cmd_data(f, 'R', '6', "99.1.1()",
                    AN_HEADER AN_ROW1 AN_ROW2 AN_ROW3 "(01240115140000)(0)(0)" AN_VALUES
                    "(01240115141500)(0)(0)" AN_VALUES,
                    0x04);
    expect_ctl_data(f, ACK, AN_HEADER "(01240115143000)(0)(0)" AN_VALUES, 0x03);
}

/* Channels of cfg.an_channel, any objects of the dictionary, each with its unit and format: A+
 * 1.8.0 (Z1 7.2, kWh: 100.005 kWh set after the start, plus at most the 80 cycles of 2300 W x
 * 20 ms fed, 80 x 12.8 mWh = 1.02 Wh: 0000100.00 truncated), the f mean 14.25.0 (50.00 Hz in
 * 0.01 Hz), the PF mean 13.25.0 (1.000 in 0.001, no unit), the hour counter 96.8.0 (49 set, 7
 * digits, no unit shown) and S+ 9.7.0 (U I = 2300 VA: 2.300 kVA). */
static void test_r6_analysis_channels(void **state)
{
    (void)state;
    static const struct omp_cosem_ref ch[] = {
        OBJ_A_PLUS, REF(1, 1, 14, 25, 0), REF(1, 1, 13, 25, 0), OBJ_HOURS, REF(1, 1, 9, 7, 0),
    };
    static struct omp_wave w;
    struct fx *f = fx_new_an(ch, OMP_ARRAY_LEN(ch), &w);
    f->m.regs.e.total.a_plus_uwh = 100005000000ull;
    f->m.regs.hours = 49u;
    run_minutes(f, &w, 16u);
    login(f);
    expect_cmd_data(f, 'R', '6', "99.1.1()",
                    "99.1.1(8)(1.0.0)()(96.56.2)()(96.56.3)()(1.8.0)(kWh)(14.25.0)(Hz)(13.25.0)()"
                    "(96.8.0)()(9.7.0)(kVA)\r\n"
                    "(01240115131500)(0)(1024)(0000100.00)(50.00)(1.000)(0000049)(2.300)\r\n",
                    0x03);
}

/* Not even one row fits a block: 16 channels of the pulse input 0.128.1 at 9 x 10^15 units (16
 * digits each, `(9000000000000000)` 18 bytes): the header is 10 + 31 + 16 x 11 + 2 = 219 bytes,
 * the row 16 + 3 + 6 + 16 x 18 + 2 = 315, together 534 > 504: ER08, not a header alone. */
static void test_r6_analysis_no_room(void **state)
{
    (void)state;
    struct omp_cosem_ref ch[16];
    for (size_t k = 0; k < OMP_ARRAY_LEN(ch); k++) {
        const struct omp_cosem_ref pulse = OBJ_PULSE;
        ch[k] = pulse;
    }
    static struct omp_wave w;
    struct fx *f = fx_new_an(ch, OMP_ARRAY_LEN(ch), &w);
    f->m.regs.pulse_milli = 9000000000000000000ull;
    run_minutes(f, NULL, 16u);
    assert_int_equal(omp_plog_count(&omp_meter_analysis_log(&f->m)->log), 1u);
    login(f);
    expect_cmd_error(f, 'R', '6', "99.1.1()", "ER08 NO ROOM");
    /* the reading is over: an ACK asks for nothing */
    size_t at = g_cap.len;
    send(f, ACK, 1u);
    run_ms(f, 300);
    expect_tx_str(at, "");
}

/* ---- passwords ------------------------------------------------------------------------------------- */

static void bad_password(struct fx *f)
{
    prog_p0(f);
    expect_cmd_tx(f, 'P', '1', "(54321)", BREAK_MSG); /* Kamstrup: a wrong password -> break */
    assert_int_equal(g_cap.baud[g_cap.nbaud - 1u].baud, 300u); /* back to 300 Bd for a sign-on */
}

static void test_bad_password_and_lockout(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    bad_password(f);
    bad_password(f);
    bad_password(f); /* the third in a row locks programming mode for 5 minutes */
    assert_int_equal(f->m.optical_port.server.bad_passwords, 3u);
    assert_int_equal(f->m.optical_port.server.lockouts, 1u);
    sign_on(f);
    expect_tx_str(select_option(f, '5', '1', 300), BREAK_MSG); /* locked: break instead of P0 */
    /* a readout is still served */
    sign_on(f);
    size_t at = select_option(f, '5', '0', 1000);
    assert_true(g_cap.len - at > 100u);
    assert_int_equal(g_cap.tx[at], 0x02u);
    /* after 5 minutes the right password works */
    run_ms(f, 300000);
    login(f);
    sign_off(f);
}

/* The reader's link is gone in programming mode, without B0 (omp_meter_link_lost): the session
 * ends at once, not after ti (90 s), the port is back at 300 Bd, and the next sign-on is answered
 * with the identification; the count of bad passwords in a row stays (two before, one after make
 * the lock-out), and so does a lock-out. */
static void test_link_lost(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    login(f);
    size_t nb = g_cap.nbaud;
    omp_meter_link_lost(&f->m, OMP_PORT_OPTICAL);
    run_ms(f, 100);
    assert_int_equal(g_cap.nbaud, nb + 1u);
    assert_int_equal(g_cap.baud[nb].baud, 300u);
    login(f); /* signs on at once; no ti to wait out */
    assert_int_equal(f->m.optical_port.server.prog_sessions, 2u);
    sign_off(f);
    bad_password(f);
    bad_password(f);
    omp_meter_link_lost(&f->m, OMP_PORT_OPTICAL);
    bad_password(f); /* the third in a row, across the lost link */
    assert_int_equal(f->m.optical_port.server.lockouts, 1u);
    omp_meter_link_lost(&f->m, OMP_PORT_OPTICAL);
    sign_on(f);
    expect_tx_str(select_option(f, '5', '1', 300), BREAK_MSG); /* still locked */
    omp_meter_link_lost(NULL, OMP_PORT_OPTICAL); /* ignored */
    omp_meter_link_lost(&f->m, OMP_PORT_COUNT);
}

/* The password must follow P0 within Tr (131.0.14) of P0's end on the line. prog_p0() from 0 ms:
 * identification at 300, option select at 300, P0 at 600 ms at 9600 Bd; its 8 characters take
 * ceil(8 * 10 * 1000 / 9600) = ceil(8.33) = 9 ms: with Tr 1500 the wait ends at 600 + 9 + 1500 =
 * 2109 ms, so a P1 stamped at the 2100 ms tick is in time and the 2200 ms tick ends the session. */
static void test_password_tr(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    prog_p0(f);
    assert_int_equal(f->b.clock.now.mono_ms, 600u);
    run_ms(f, 1500); /* 2100 ms */
    expect_cmd_tx(f, 'P', '1', "(12345)", ACK);
    assert_int_equal(f->m.optical_port.server.prog_sessions, 1u);
    assert_int_equal(f->m.optical_port.server.timeouts, 0u);
    sign_off(f);

    f = fx_new();
    prog_p0(f);
    size_t nb = g_cap.nbaud;
    run_ms(f, 1600); /* 2200 ms: Tr over (2109): silently back to 300 Bd */
    assert_int_equal(f->m.optical_port.server.timeouts, 1u);
    assert_int_equal(g_cap.nbaud, nb + 1u);
    assert_int_equal(g_cap.baud[nb].baud, 300u);
    expect_cmd_tx(f, 'P', '1', "(12345)", ""); /* too late: no answer */
    assert_int_equal(f->m.optical_port.server.prog_sessions, 0u);

    /* Tr 3000 (W1 131.0.14, taken by the server when the reader has signed off): P0 at x, the
     * wait ends at x + 9 + 3000 = x + 3009: the x + 3000 tick is in time, x + 3100 is not */
    login(f);
    expect_cmd_ack(f, 'W', '1', "131.0.14(3000)");
    sign_off(f);
    assert_int_equal(f->m.optical_port.server.cfg.tr_pw_ms, 3000u); /* restarted (white-box, read only) */
    prog_p0(f);
    run_ms(f, 3000);
    expect_cmd_tx(f, 'P', '1', "(12345)", ACK);
    assert_int_equal(f->m.optical_port.server.prog_sessions, 2u);
    sign_off(f);
    prog_p0(f);
    run_ms(f, 3100);
    assert_int_equal(f->m.optical_port.server.timeouts, 2u);
    expect_cmd_tx(f, 'P', '1', "(12345)", "");
    assert_int_equal(f->m.optical_port.server.prog_sessions, 2u);
}

/* A server restart after a W1 of a 131.0.x setting keeps the count of bad passwords in a row and
 * the lock-out (and the counters). */
static void test_restart_keeps_failures_and_lockout(void **state)
{
    (void)state;
    /* 1. the count: login, W1 (restart pending), a wrong password in programming mode: break,
     * one failure; the server restarts once idle at 300 Bd; two more wrong passwords make three
     * in a row: the lock-out (a count started again by the restart would need three) */
    struct fx *f = fx_new();
    login(f);
    expect_cmd_ack(f, 'W', '1', "131.0.15(1000)"); /* tt 1000 */
    expect_cmd_tx(f, 'P', '1', "(54321)", BREAK_MSG);
    assert_false(f->m.optical_port.restart); /* restarted: the new tt is the server's */
    assert_int_equal(f->m.optical_port.server.cfg.tt_ms, 1000u);
    assert_int_equal(f->m.optical_port.server.bad_passwords, 1u);
    assert_int_equal(f->m.optical_port.server.lockouts, 0u);
    bad_password(f);
    assert_int_equal(f->m.optical_port.server.lockouts, 0u);
    bad_password(f);
    assert_int_equal(f->m.optical_port.server.bad_passwords, 3u);
    assert_int_equal(f->m.optical_port.server.lockouts, 1u);
    sign_on(f);
    expect_tx_str(select_option(f, '5', '1', 300), BREAK_MSG); /* locked */
    assert_int_equal(f->m.optical_port.server.prog_sessions, 1u);

    /* 2. the lock-out: the restart is held back while the reader stays signed on. After each
     * wrong password the port's change back to 300 Bd fails once (so the server cannot restart
     * at that poll) and the reader signs on again at once (busy: no restart either); the third
     * wrong password locks programming mode and the server restarts after its break */
    f = fx_new();
    login(f);
    expect_cmd_ack(f, 'W', '1', "131.0.15(1000)");
    for (int k = 0; k < 3; k++) {
        if (k > 0) {
            expect_tx_str(select_option(f, '5', '1', 300), P0_MSG);
        }
        g_cap.fail_baud = (k < 2) ? 1u : 0u;
        expect_cmd_tx(f, 'P', '1', "(54321)", BREAK_MSG);
        if (k < 2) {
            assert_true(f->m.optical_port.restart); /* still the old server */
            sign_on(f);
            assert_true(f->m.optical_port.restart);
        }
    }
    assert_int_equal(f->m.optical_port.server.lockouts, 1u);
    assert_false(f->m.optical_port.restart); /* restarted after the lock-out */
    assert_int_equal(f->m.optical_port.server.cfg.tt_ms, 1000u);
    /* the restarted server keeps the lock-out: a break instead of P0 */
    sign_on(f);
    expect_tx_str(select_option(f, '5', '1', 300), BREAK_MSG);
    assert_int_equal(f->m.optical_port.server.bad_passwords, 3u);
    assert_int_equal(f->m.optical_port.server.prog_sessions, 1u);
    /* 5 minutes after the third wrong password: the right one works */
    run_ms(f, 300000);
    login(f);
    assert_int_equal(f->m.optical_port.server.prog_sessions, 2u);
    sign_off(f);
}

/* ---- settings applied to the running port ----------------------------------------------------------- */

static void test_settings_d0_and_tt(void **state)
{
    (void)state;
    static const struct omp_cosem_ref list[] = {OBJ_METER_NUMBER};
    struct fx *f = fx_new_list(T_WINTER, list, OMP_ARRAY_LEN(list));
    login(f);
    expect_cmd_ack(f, 'W', '1', "131.0.6(12)");  /* D0 every 12 x 5 s = 60 s */
    expect_cmd_ack(f, 'W', '1', "131.0.9(5)");   /* at 9600 Bd */
    expect_cmd_ack(f, 'W', '1', "131.0.12(2)");  /* A+C+D0 */
    expect_cmd_ack(f, 'W', '1', "131.0.15(1000)"); /* tt 1000 ms */
    expect_cmd_ack(f, 'W', '1', "131.0.13(2000)");
    expect_cmd_ack(f, 'W', '1', "131.0.14(3000)");
    expect_cmd_ack(f, 'W', '1', "131.0.16(240)");
    expect_cmd_data(f, 'R', '1', "131.0.6()", "131.0.6(12)", 0x03);
    expect_cmd_data(f, 'R', '1', "131.0.9()", "131.0.9(5)", 0x03);
    expect_cmd_data(f, 'R', '1', "131.0.14()", "131.0.14(3000)", 0x03);
    expect_cmd_data(f, 'R', '1', "131.0.16()", "131.0.16(240)", 0x03);
    sign_off(f);
    assert_int_equal(f->m.optical_port.server.prog_sessions, 1u); /* kept over the restart */
    /* tt 1000 ms: the identification goes out 300 ms after the request, its 23 characters take
     * 767 ms at 300 Bd; the mode A readout 300 + 767 + 1000 = 2067 ms after the request, at the
     * 2100 ms tick */
    sign_on(f);
    size_t at = g_cap.len;
    run_ms(f, 1700); /* 2000 ms */
    expect_tx_str(at, "");
    run_ms(f, 100); /* 2100 ms */
    expect_data(at, "0.0.1(12345678)" CRLF "!" CRLF, 0x03);
    /* mode D0 60 s after the restart: identification with Z = '5' at 9600 Bd, then the list */
    at = g_cap.len;
    size_t nb = g_cap.nbaud;
    run_ms(f, 60000);
    char want[128];
    uint8_t msg[64];
    size_t n = data_msg(msg, sizeof msg, "0.0.1(12345678)" CRLF "!" CRLF, 0x03);
    int w = snprintf(want, sizeof want, "/KAM5 6861111BN142101\r\n");
    memcpy(want + w, msg, n);
    expect_tx(at, want, (size_t)w + n);
    assert_int_equal(g_cap.baud[nb].baud, 9600u);
    assert_int_equal(g_cap.baud[nb].at, at);
    assert_int_equal(f->m.optical_port.server.d0_sent, 1u);
    /* comm mode 0: IEC 62056-21 off on this port once the reader has signed off */
    login(f);
    expect_cmd_ack(f, 'W', '1', "131.0.12(0)");
    sign_off(f);
    /* the port is DLMS's then (direct HDLC at 9600 Bd 8N1, meter_hdlc.c): a sign-on is no frame
     * and gets no answer */
    const uint8_t b[5] = { '/', '?', '!', '\r', '\n' };
    at = g_cap.len;
    nb = g_cap.nbaud;
    assert_int_equal(omp_meter_on_rx(&f->m, OMP_PORT_OPTICAL, b, sizeof b), OMP_OK);
    run_ms(f, 3000);
    assert_int_equal(g_cap.len, at);
    assert_int_equal(g_cap.nbaud, nb + 1u);
    assert_int_equal(g_cap.baud[nb].baud, 9600u);
    assert_int_equal(g_cap.baud[nb].framing, OMP_FRAMING_8N1);
    /* the written settings are kept in NVM (meter_params.c): a restart keeps them, and the
     * port stays HDLC's (a sign-on gets no answer) */
    fx_start(f);
    assert_int_equal(f->m.optical_port.settings.comm_mode, 0u);
    assert_int_equal(f->m.optical_port.settings.tt_ms, 1000u); /* written above */
    at = g_cap.len;
    assert_int_equal(omp_meter_on_rx(&f->m, OMP_PORT_OPTICAL, b, sizeof b), OMP_OK);
    run_ms(f, 3000);
    assert_int_equal(g_cap.len, at);
}

static void test_actual_tariff_write(void **state)
{
    (void)state;
    struct fx *f = &g_fx;
    fx_board(f, T_WINTER);
    f->cfg.tariff_source = OMP_TARIFF_SRC_REGISTER;
    fx_start(f);
    login(f);
    expect_cmd_ack(f, 'W', '1', "129.0.0(2)");
    run_ms(f, 100);
    expect_cmd_data(f, 'R', '1', "129.0.0()", "129.0.0(2)", 0x03);
    expect_cmd_error(f, 'W', '1', "129.0.0(0)", "ER03 OUT OF RANGE");
    expect_cmd_error(f, 'W', '1', "129.0.0(5)", "ER03 OUT OF RANGE"); /* 4 tariffs */
    expect_cmd_error(f, 'W', '1', "129.0.0(256)", "ER03 OUT OF RANGE");
    expect_cmd_error(f, 'W', '1', "129.0.0()", "ER02 BAD FORMAT");
    sign_off(f);
    /* kept in the state record across a restart */
    fx_start(f);
    run_ms(f, 100);
    struct omp_meter_snapshot s;
    assert_int_equal(omp_meter_snapshot(&f->m, &s), OMP_OK);
    assert_int_equal(s.tariff, 2u);
}

/* A port without port_write or port_set_baud has no optical protocol. */
static void test_no_optical_port(void **state)
{
    (void)state;
    struct fx *f = &g_fx;
    for (int k = 0; k < 2; k++) {
        fx_board(f, T_WINTER);
        if (k == 0) {
            g_ops.port_write = NULL;
        } else {
            g_ops.port_set_baud = NULL;
        }
        fx_start(f);
        const uint8_t b[5] = { '/', '?', '!', '\r', '\n' };
        /* no port_write: nothing at all; no port_set_baud: no IEC 62056-21, the port is HDLC's
         * (meter_hdlc.c) and a sign-on is no frame there */
        assert_int_equal(omp_meter_on_rx(&f->m, OMP_PORT_OPTICAL, b, sizeof b),
                         k == 0 ? OMP_ERR_UNSUPPORTED : OMP_OK);
        run_ms(f, 500);
        assert_int_equal(g_cap.len, 0u);
    }
    /* comm mode 0 in the configuration */
    fx_board(f, T_WINTER);
    f->cfg.optical.comm_mode = 0u;
    fx_start(f);
    /* IEC 62056-21 off: the port is HDLC's (test_meter_dlms_ports.c), never set to 300 Bd 7E1 */
    const uint8_t b[1] = { '/' };
    assert_int_equal(omp_meter_on_rx(&f->m, OMP_PORT_OPTICAL, b, 1u), OMP_OK);
    run_ms(f, 500);
    assert_int_equal(g_cap.len, 0u);
    assert_int_equal(g_cap.nbaud, 0u);
}

/* Programming mode can be switched off in the configuration: option Y = 1 gets no answer. */
static void test_programming_off(void **state)
{
    (void)state;
    struct fx *f = &g_fx;
    fx_board(f, T_WINTER);
    f->cfg.optical_programming = false;
    fx_start(f);
    sign_on(f);
    expect_tx_str(select_option(f, '5', '1', 3000), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bcc_helper),
        cmocka_unit_test(test_cfg_default_optical),
        cmocka_unit_test(test_cfg_invalid_optical),
        cmocka_unit_test(test_signon_and_address),
        cmocka_unit_test(test_answer_delay),
        cmocka_unit_test(test_readout_mode_c_ud2),
        cmocka_unit_test(test_readout_slow_port),
        cmocka_unit_test(test_readout_mode_a_after_tt),
        cmocka_unit_test(test_readout_summer_clock),
        cmocka_unit_test(test_readout_clock_invalid),
        cmocka_unit_test(test_readout_formats),
        cmocka_unit_test(test_programming_read_and_ud_select),
        cmocka_unit_test(test_programming_errors),
        cmocka_unit_test(test_writes_to_legal_data_refused),
        cmocka_unit_test(test_clock_w5_r5),
        cmocka_unit_test(test_r6_billing_blocks),
        cmocka_unit_test(test_r6_billing_unreadable),
        cmocka_unit_test(test_r6_load_profile),
        cmocka_unit_test(test_r6_analysis_logger),
        cmocka_unit_test(test_r6_analysis_rows_that_fit),
        cmocka_unit_test(test_r6_analysis_channels),
        cmocka_unit_test(test_r6_analysis_no_room),
        cmocka_unit_test(test_r6_stop_before_clock),
        cmocka_unit_test(test_bad_password_and_lockout),
        cmocka_unit_test(test_link_lost),
        cmocka_unit_test(test_password_tr),
        cmocka_unit_test(test_restart_keeps_failures_and_lockout),
        cmocka_unit_test(test_settings_d0_and_tt),
        cmocka_unit_test(test_actual_tariff_write),
        cmocka_unit_test(test_no_optical_port),
        cmocka_unit_test(test_programming_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

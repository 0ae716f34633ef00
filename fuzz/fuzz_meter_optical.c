/*
 * A whole meter's optical port (IEC 62056-21, meter side: lib/cosem/optical.c on the server)
 * driven with attacker bytes through the public meter API on the fake board, as
 * tests/test_meter_iec21.c sets it up: RAM NVM, fake clock, a port that records what the meter
 * writes, omp_meter_cfg_default() (meter number 12345678, password "12345"), omp_meter_init().
 * The meter starts from a template built once (registers with values, three debiting stops in
 * the billing log, an analysis logger with a 5-minute interval and its first two entries: the
 * meter started ten minutes before the stops, unfed) and copied back before every input, so every
 * run starts from the same state.
 *
 * Input: byte 0 chooses how the port behaves (bits 0-1: most bytes one write takes, all/1/7/64;
 * bit 2: every 5th write fails; bit 3: every 7th baud-rate change fails). Then a script of at
 * most MAX_OPS operations (op & 7):
 *   0, 1  raw bytes: n = next % 64 + 1 bytes follow, to omp_meter_on_rx (op & 8: one at a time)
 *   2, 3  a whole message from k_tokens (next % NTOK, BCC filled in), same
 *   4     short step: next x 10 ms       } one step: fake clock + omp_meter_tick +
 *   7     the reply time: 300 ms         } omp_meter_poll
 *   5     long step: (next + 1) x 1 s, in steps of 1 s
 *   6     omp_meter_poll only
 * A step is longer than the 100 ms tick period meter.h asks for: that period is for the metrology
 * engine's cycle queue, and no samples are fed here (received bytes carry the time of the last
 * tick, so replies may come sooner after the bytes than on a real port: no property here depends
 * on it). One tick per step keeps a run short (the tick and poll dominate the run time).
 * Simulated time stops at MAX_SIM_MS (later steps do nothing).
 *
 * Checks, after every operation and at the end:
 * 1. legal data never changes through the optical port: the energy registers (total and tariff),
 *    the engine's copy, the hour counter, the pulse and threshold counters and the configuration
 *    (calibration, Z codes) always; the maxima, accumulated maxima and debiting count too unless
 *    the clock was set (a clock write may legitimately close a demand period or take a
 *    debiting stop). No samples are fed, so nothing else may change them.
 * 2. what the meter writes is what an IEC 62056-21 meter may send: 7-bit characters only,
 *    concatenated a sequence of well-formed messages (identification, ACK, NAK, P0, B0, data,
 *    partial block) with correct BCCs, error replies `ER01`..`ER08`, a message never longer
 *    than MAX_MSG; baud rates 300..9600 at 7E1; or, once an HDLC flag while no reader was signed
 *    on handed the port to DLMS (lib/meter/meter_hdlc.c), at 9600 Bd 8N1 only whole HDLC
 *    frames (no broken one) from the meter's address, of a type a server sends, until the port is
 *    set back to 7E1 (the IEC messages' parse starts afresh then).
 * 3. omp_meter_poll returns OMP_OK or an NVM error; omp_meter_on_rx OMP_OK, or
 *    OMP_ERR_UNSUPPORTED once the port was switched off (131.0.12 = 0).
 * 4. the 131.0.x settings (m.optical_port.settings) stay in range (omp_optical_settings_valid).
 * 5. the settings and the clock change only if the correct password (P1 or P2 `(12345)`, or the
 *    DLMS LLS one: calling-authentication-value `80 05 31 32 33 34 35` of an AARQ) was
 *    received.
 */
#include <string.h>

#include "fuzz.h"
#include "omnipower/hal_fakes.h"
#include "omnipower/hdlc.h"
#include "omnipower/iec62056_21.h"
#include "omnipower/meter.h"

#define SECTOR 4096u
#define SECTORS 16u
#define NVM_SIZE (SECTOR * SECTORS)
/* 2024-01-15T12:00:00Z, a Monday in winter (local 13:00:00 CET), as the unit test */
#define T_START ((omp_time_s)1705320000)
/* the meter starts this long before T_START: its analysis logger (R6 99.1.1) holds the entries of
 * 11:55 and 12:00 (12:55 and 13:00 normal time) */
#define AN_LEAD_S 600u
#define LONG_TICK_MS 1000u
#define MAX_OPS 200u
#define MAX_SIM_MS (10u * 60u * 1000u)
#define MAX_MSG 8192u /* longest message the meter may send (a whole readout) */

static const struct omp_nvm_geometry k_geo = {
    .size = NVM_SIZE, .sector_size = SECTOR, .program_unit = 8u, .erase_value = 0xFFu,
    .erase_cycles = 100000u,
};

/* Messages a reader would send ('?' at the end of SOH/STX messages: the BCC, filled in). */
static const char *const k_tokens[] = {
    "/?!\r\n",
    "/?12345678!\r\n",
    "/?87654321!\r\n",
    "\x06"
    "051\r\n",
    "\x06"
    "050\r\n",
    "\x06"
    "001\r\n",
    "\x06"
    "056\r\n",
    "\x06",
    "\x15",
    "\x01P1\x02(12345)\x03?",
    "\x01P1\x02(1234)\x03?",
    "\x01P2\x02(12345)\x03?",
    "\x01"
    "B0\x03?",
    "\x01R1\x02"
    "1.8.0()\x03?",
    "\x01R1\x02"
    "131.0.3()\x03?",
    "\x01W1\x02"
    "131.0.3(0)\x03?",
    "\x01W1\x02"
    "131.0.12(2)\x03?",
    "\x01W1\x02"
    "131.0.6(1)\x03?",
    "\x01W1\x02"
    "131.0.9(5)\x03?",
    "\x01W1\x02"
    "131.0.13(1000)\x03?",
    "\x01W1\x02"
    "131.0.16(5)\x03?",
    "\x01W1\x02"
    "1.8.0(1)\x03?",
    "\x01W1\x02"
    "129.0.0(2)\x03?",
    "\x01R5\x02"
    "1.0.0()\x03?",
    "\x01W5\x02"
    "1.0.0(0240115130000)\x03?",
    "\x01W5\x02"
    "1.0.0(1240201000000)\x03?",
    "\x01R6\x02"
    "98.1.0(;;2)\x03?",
    "\x01R6\x02"
    "98.1.0()\x03?",
    "\x01R6\x02"
    "98.1.0(0240115130005;0240115130015;1)\x03?",
    "\x01W1\x02"
    "131.0.14(65000)\x03?",
    "\x01W1\x02"
    "131.0.15(1000)\x03?",
    "\x01W1\x02"
    "131.0.12(0)\x03?",
    "\x01W2\x02"
    "1.8.0(0)\x03?",
    "\x01W1\x02"
    "1.0.0(0240115130000)\x03?",
    "\x01W1\x02"
    "96.8.0(0)\x03?",
    "\x01W1\x02"
    "0.1.0(0)\x03?",
    "\x01W1\x02"
    "131.0.6(17280)\x03?",
    "\x01W1\x02"
    "131.0.6(17281)\x03?",
    "\x01R6\x02"
    "98.1.0(;;99)\x03?",
    "\x01W1\x02"
    "131.0.3(2)\x03?",
    "\x01R1\x02"
    "1.0.0()\x03?",
    "\x01"
    "E2\x02"
    "1.8.0()\x03?",
};
#define NTOK (sizeof k_tokens / sizeof k_tokens[0])

static const uint8_t k_pw1[] = "\x01P1\x02(12345)\x03";
static const uint8_t k_pw2[] = "\x01P2\x02(12345)\x03";
#define PW_LEN (sizeof k_pw1 - 1u)
static const uint8_t k_pw3[] = "\x80\x05"
                               "12345"; /* DLMS LLS, in an AARQ */
#define PW3_LEN (sizeof k_pw3 - 1u)

struct fx {
    uint8_t mem[NVM_SIZE];
    uint32_t erases[SECTORS];
    struct omp_fake_board b;
    struct omp_hal hal;
    struct omp_meter_cfg cfg;
    struct omp_meter m;
};

/* What the optical port saw in this run, and how it behaves. */
struct port {
    size_t accept;       /* most bytes one write takes (0: all) */
    bool fail_writes;    /* every 5th write fails */
    bool fail_bauds;     /* every 7th baud-rate change fails */
    unsigned writes, bauds;
    uint8_t pending[MAX_MSG]; /* sent, not yet a whole message */
    size_t pending_len;
    uint64_t sent;
    bool hdlc;                 /* the port was set to 8N1: DLMS over HDLC has it */
    struct omp_hdlc_stream hs; /* what was sent at 8N1 */
};

/* The fixture lives at one place: the template is a byte copy of it taken there, so its pointers
 * (NVM memory, board, ops, the server's application context) stay right when copied back. */
static struct fx g_fx;
static struct fx g_tmpl;
static bool g_ready;
static struct omp_meter_snapshot g_base;
static struct port g_port;
static struct omp_hal_ops g_ops;

/* HDLC frames the meter sent: whole, from its address (upper 1 or 16; lower 32 when two or four
 * bytes), to a one-byte client, a server's type. */
static void check_frames(struct port *p, const uint8_t *data, size_t n)
{
    size_t off = 0;
    while (off < n) {
        struct omp_hdlc_frame fr;
        size_t used = 0;
        omp_err err = omp_hdlc_stream_feed(&p->hs, data + off, n - off, &used, &fr);
        OMP_FUZZ_CHECK(used <= n - off);
        off += used;
        if (err != OMP_OK) {
            OMP_FUZZ_CHECK(used > 0u || off == n);
            continue;
        }
        OMP_FUZZ_CHECK(fr.src.upper == 1u || fr.src.upper == 16u);
        OMP_FUZZ_CHECK(fr.src.size == 1u || fr.src.lower == OMP_HDLC_SERVER_PHYS_DEFAULT);
        OMP_FUZZ_CHECK(fr.dst.size == 1u);
        OMP_FUZZ_CHECK(fr.type == OMP_HDLC_UA || fr.type == OMP_HDLC_DM || fr.type == OMP_HDLC_I ||
                       fr.type == OMP_HDLC_RR);
        OMP_FUZZ_CHECK(fr.info_len <= OMP_HDLC_SERVER_INFO_DEFAULT);
    }
    OMP_FUZZ_CHECK(p->hs.n_errors == 0u); /* no broken frame */
}

static omp_err port_write(void *user, enum omp_port port, const uint8_t *data, size_t len,
                          size_t *written)
{
    (void)user;
    OMP_FUZZ_CHECK(port == OMP_PORT_OPTICAL);
    OMP_FUZZ_CHECK(data != NULL && len > 0u && written != NULL);
    struct port *p = &g_port;
    p->writes++;
    if (p->fail_writes && p->writes % 5u == 0u) {
        *written = 0;
        return OMP_ERR_HAL_IO;
    }
    size_t n = (p->accept != 0u && len > p->accept) ? p->accept : len;
    if (p->hdlc) {
        check_frames(p, data, n);
        p->sent += n;
        *written = n;
        return OMP_OK;
    }
    for (size_t k = 0; k < n; k++) {
        OMP_FUZZ_CHECK(data[k] < 0x80u); /* 7E1: 7-bit characters only */
    }
    OMP_FUZZ_CHECK(p->pending_len + n <= sizeof p->pending); /* no message longer than MAX_MSG */
    memcpy(p->pending + p->pending_len, data, n);
    p->pending_len += n;
    p->sent += n;
    *written = n;
    return OMP_OK;
}

static omp_err port_baud(void *user, enum omp_port port, uint32_t baud,
                         enum omp_port_framing framing)
{
    (void)user;
    OMP_FUZZ_CHECK(port == OMP_PORT_OPTICAL);
    OMP_FUZZ_CHECK(framing == OMP_FRAMING_7E1 || (framing == OMP_FRAMING_8N1 && baud == 9600u));
    OMP_FUZZ_CHECK(baud == 300u || baud == 600u || baud == 1200u || baud == 2400u ||
                   baud == 4800u || baud == 9600u);
    struct port *p = &g_port;
    p->bauds++;
    if (p->fail_bauds && p->bauds % 7u == 0u) {
        return OMP_ERR_HAL_IO;
    }
    const bool hdlc = framing == OMP_FRAMING_8N1;
    if (hdlc != p->hdlc) { /* a hand-over happens only between whole messages and frames */
        OMP_FUZZ_CHECK(p->pending_len == 0u && omp_hdlc_stream_held(&p->hs) <= 1u);
        omp_hdlc_stream_init(&p->hs);
        p->hdlc = hdlc;
    }
    return OMP_OK;
}

/* One message the meter sent. */
static void on_sent(const struct omp_iec21_msg *msg)
{
    switch (msg->kind) {
    case OMP_IEC21_MSG_IDENT:
    case OMP_IEC21_MSG_ACK:
    case OMP_IEC21_MSG_NAK:
        break;
    case OMP_IEC21_MSG_COMMAND: /* P0 `()` or B0 */
        OMP_FUZZ_CHECK(msg->cmd_type == '0' && (msg->cmd == 'P' || msg->cmd == 'B'));
        if (msg->cmd == 'P') {
            OMP_FUZZ_CHECK(msg->has_data && msg->data.len == 2u &&
                           memcmp(msg->data.ptr, "()", 2) == 0);
        } else {
            OMP_FUZZ_CHECK(!msg->has_data);
        }
        break;
    case OMP_IEC21_MSG_DATA:
    case OMP_IEC21_MSG_PARTIAL:
        if (msg->data.len >= 2u && memcmp(msg->data.ptr, "ER", 2) == 0) {
            /* the meter's own error replies: `ERnn text`, nn 01..08, at most 32 characters */
            OMP_FUZZ_CHECK(msg->kind == OMP_IEC21_MSG_DATA);
            OMP_FUZZ_CHECK(msg->data.len >= 4u && msg->data.len <= OMP_IEC21_ERROR_MAX);
            OMP_FUZZ_CHECK(msg->data.ptr[2] == '0' && msg->data.ptr[3] >= '1' &&
                           msg->data.ptr[3] <= '8');
        }
        break;
    default:
        OMP_FUZZ_CHECK(false); /* a meter never sends a request or an option select */
        break;
    }
}

/* Parse every whole message of what was sent; keep the unfinished tail. */
static void parse_sent(void)
{
    struct port *p = &g_port;
    size_t off = 0;
    while (off < p->pending_len) {
        struct omp_iec21_msg msg;
        size_t used = 0;
        omp_err err = omp_iec21_parse(p->pending + off, p->pending_len - off, &msg, &used);
        if (err == OMP_ERR_TRUNCATED) {
            break;
        }
        OMP_FUZZ_CHECK(err == OMP_OK);
        OMP_FUZZ_CHECK(used > 0u && used <= p->pending_len - off);
        on_sent(&msg);
        off += used;
    }
    memmove(p->pending, p->pending + off, p->pending_len - off);
    p->pending_len -= off;
}

static bool poll_ok(omp_err err)
{
    return err == OMP_OK || err == OMP_ERR_NVM_CORRUPT || err == OMP_ERR_NVM_FULL ||
           err == OMP_ERR_NVM_WORN || err == OMP_ERR_HAL_IO || err == OMP_ERR_POWER_LOST;
}

static void poll(struct fx *f)
{
    OMP_FUZZ_CHECK(poll_ok(omp_meter_poll(&f->m)));
    parse_sent();
}

/* A main loop over @p ms: tick and poll every @p tick ms (the last step shorter; @p tick > 0
 * unless @p ms is 0). */
static uint64_t run_ms_every(struct fx *f, uint64_t sim_ms, uint64_t ms, uint64_t tick)
{
    if (sim_ms + ms > MAX_SIM_MS) {
        ms = MAX_SIM_MS - sim_ms;
    }
    while (ms > 0u) {
        uint64_t d = ms < tick ? ms : tick;
        omp_fake_clock_advance_ms(&f->b.clock, d);
        omp_meter_tick(&f->m, &f->b.clock.now);
        poll(f);
        ms -= d;
        sim_ms += d;
    }
    return sim_ms;
}

static uint64_t run_ms(struct fx *f, uint64_t sim_ms, uint64_t ms)
{
    return run_ms_every(f, sim_ms, ms, ms);
}

static void build_template(void)
{
    struct fx *f = &g_fx;
    memset(f, 0, sizeof *f);
    OMP_FUZZ_CHECK(omp_fake_board_init(&f->b, f->mem, &k_geo, f->erases,
                                       T_START - (omp_time_s)AN_LEAD_S) == OMP_OK);
    g_ops = omp_fake_board_ops;
    g_ops.port_write = port_write;
    g_ops.port_set_baud = port_baud;
    f->hal.ops = &g_ops;
    f->hal.user = &f->b;
    omp_meter_cfg_default(&f->cfg);
    f->cfg.meter_number = 12345678u;
    f->cfg.an_sectors = 2u;
    f->cfg.an_period_min = 5u;
    OMP_FUZZ_CHECK(omp_meter_init(&f->m, &f->hal, &f->cfg, &f->b.clock.now) == OMP_OK);
    memset(&g_port, 0, sizeof g_port);
    poll(f);
    (void)run_ms_every(f, 0, AN_LEAD_S * 1000u, LONG_TICK_MS);
    OMP_FUZZ_CHECK(f->b.clock.now.utc_s == T_START);
    OMP_FUZZ_CHECK(omp_plog_count(&omp_meter_analysis_log(&f->m)->log) == 2u);
    /* registers with values (as the unit test's set_registers), then three debiting stops */
    static const uint64_t a_plus[3] = {100005000000ull, 200500000000ull, 300000000000ull};
    struct omp_registers *r = &f->m.regs;
    (void)run_ms_every(f, 0, 1000u, 100u);
    for (size_t k = 0; k < 3u; k++) {
        r->e.total.a_plus_uwh = a_plus[k];
        r->e.total.a_minus_uwh = 1500000000ull;
        r->e.total.r_plus_uvarh = 19000000ull;
        r->e.total.r_minus_uvarh = 7000000000ull;
        OMP_FUZZ_CHECK(omp_meter_billing_stop(&f->m) == OMP_OK);
        (void)run_ms_every(f, 0, 10000u, 100u);
    }
    OMP_FUZZ_CHECK(f->m.persist.billing.count == 3u);
    r->e.total.a_plus_uwh = 1234567891234ull;
    r->e.a_plus_t[0] = 1000009999999ull;
    r->e.a_plus_t[1] = 234557891235ull;
    r->e.total.a_minus_uwh = 9999999ull;
    r->e.total.r_plus_uvarh = 98765432109876ull;
    r->e.r_plus_t[0] = 5000000000ull;
    r->e.r_plus_t[1] = 12345678ull;
    r->e.total.r_minus_uvarh = 42000000000000ull;
    r->peaks.p_plus.value = 12345u;
    r->peaks.p_plus.utc = 1705302000;
    r->peaks.q_plus.value = 500u;
    r->peaks.q_plus.utc = 1688206500;
    r->acc.p_plus = 1234567u;
    r->hours = 49u;
    (void)run_ms_every(f, 0, 2000u, 100u);
    OMP_FUZZ_CHECK(omp_meter_snapshot(&f->m, &g_base) == OMP_OK);
    /* no scheduled debiting stop and no demand period end within a run without a clock write */
    OMP_FUZZ_CHECK(g_base.next_stop_utc == 0 || g_base.next_stop_utc > g_base.utc_s + 3600);
    OMP_FUZZ_CHECK(g_base.utc_s + (omp_time_s)(MAX_SIM_MS / 1000u) < T_START + 15 * 60);
    OMP_FUZZ_CHECK(f->m.optical_port.on &&
                   omp_optical_settings_valid(&f->m.optical_port.settings));
    OMP_FUZZ_CHECK(g_port.pending_len == 0u && f->b.rtc_set_calls == 0u);
    memcpy(&g_tmpl, f, sizeof *f);
}

struct run {
    size_t pw_match[3]; /* bytes of k_pw1 / k_pw2 / k_pw3 matched at the end of what was received */
    bool pw_seen;       /* the correct password was received */
};

static void watch_rx(struct run *st, const uint8_t *d, size_t n)
{
    const uint8_t *pw[3] = {k_pw1, k_pw2, k_pw3};
    const size_t len[3] = {PW_LEN, PW_LEN, PW3_LEN};
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < 3u; k++) {
            /* the password messages have no repeated prefix: restart on a mismatch */
            size_t *mt = &st->pw_match[k];
            if (d[i] == pw[k][*mt]) {
                (*mt)++;
            } else {
                *mt = (d[i] == pw[k][0]) ? 1u : 0u;
            }
            if (*mt == len[k]) {
                st->pw_seen = true;
                *mt = 0;
            }
        }
    }
}

static void receive(struct fx *f, struct run *st, const uint8_t *d, size_t n, bool bytewise)
{
    const size_t step = bytewise ? 1u : n;
    for (size_t i = 0; i < n; i += step) {
        size_t k = (n - i < step) ? n - i : step;
        omp_err err = omp_meter_on_rx(&f->m, OMP_PORT_OPTICAL, d + i, k);
        /* NOSPACE: an HDLC reply did not fit beside one the port has not taken (meter.h) */
        OMP_FUZZ_CHECK(err == OMP_OK || err == OMP_ERR_NOSPACE ||
                       (err == OMP_ERR_UNSUPPORTED && f->m.optical_port.settings.comm_mode == 0u));
        watch_rx(st, d + i, k);
    }
}

static void check(const struct fx *f, const struct run *st)
{
    struct omp_meter_snapshot s;
    OMP_FUZZ_CHECK(omp_meter_snapshot(&f->m, &s) == OMP_OK);
    const struct omp_meter_snapshot *b = &g_base;
    /* 1: legal data */
    OMP_FUZZ_CHECK(memcmp(&s.registers, &b->registers, sizeof s.registers) == 0);
    OMP_FUZZ_CHECK(memcmp(&s.energy, &b->energy, sizeof s.energy) == 0);
    OMP_FUZZ_CHECK(s.a_plus_mwh == b->a_plus_mwh && s.a_minus_mwh == b->a_minus_mwh);
    OMP_FUZZ_CHECK(s.hours_with_supply == b->hours_with_supply);
    OMP_FUZZ_CHECK(s.pulse_milli == b->pulse_milli && s.threshold_count == b->threshold_count);
    OMP_FUZZ_CHECK(memcmp(&f->m.cfg, &g_tmpl.m.cfg, sizeof f->m.cfg) == 0);
    const bool clock_set = f->b.rtc_set_calls != 0u;
    if (!clock_set) {
        OMP_FUZZ_CHECK(memcmp(&s.acc, &b->acc, sizeof s.acc) == 0);
        OMP_FUZZ_CHECK(memcmp(&s.peaks, &b->peaks, sizeof s.peaks) == 0);
        OMP_FUZZ_CHECK(s.billing_count == b->billing_count);
        OMP_FUZZ_CHECK(s.billing_entries == b->billing_entries);
    }
    /* 4: settings in range */
    OMP_FUZZ_CHECK(omp_optical_settings_valid(&f->m.optical_port.settings));
    /* 5: nothing is set without the password */
    if (!st->pw_seen) {
        OMP_FUZZ_CHECK(!clock_set);
        OMP_FUZZ_CHECK(memcmp(&f->m.optical_port.settings, &g_tmpl.m.optical_port.settings,
                              sizeof f->m.optical_port.settings) == 0);
        OMP_FUZZ_CHECK(s.tariff == b->tariff);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_ready) {
        build_template();
        g_ready = true;
    }
    if (size < 1u) {
        return 0;
    }
    struct fx *f = &g_fx;
    memcpy(f, &g_tmpl, sizeof *f);
    memset(&g_port, 0, sizeof g_port);
    static const size_t k_accept[4] = {0u, 1u, 7u, 64u};
    g_port.accept = k_accept[data[0] & 3u];
    g_port.fail_writes = (data[0] & 4u) != 0u;
    g_port.fail_bauds = (data[0] & 8u) != 0u;
    data++;
    size--;

    struct run st;
    memset(&st, 0, sizeof st);
    uint64_t sim_ms = 0;
    size_t pos = 0;
    for (unsigned ops = 0; ops < MAX_OPS && pos < size; ops++) {
        const uint8_t op = data[pos++];
        const uint8_t arg = (pos < size) ? data[pos] : 0u;
        const bool bytewise = (op & 8u) != 0u;
        switch (op & 7u) {
        case 0:
        case 1: { /* raw bytes */
            pos++;
            size_t n = (size_t)(arg % 64u) + 1u;
            if (pos >= size) {
                n = 0;
            } else if (n > size - pos) {
                n = size - pos;
            }
            receive(f, &st, data + pos, n, bytewise);
            pos += n;
            break;
        }
        case 2:
        case 3: { /* a whole message */
            pos++;
            uint8_t tok[64];
            const char *t = k_tokens[arg % NTOK];
            size_t n = strlen(t);
            OMP_FUZZ_CHECK(n <= sizeof tok);
            memcpy(tok, t, n);
            if (n >= 2u && tok[n - 1u] == '?' && (tok[0] == 0x01u || tok[0] == 0x02u)) {
                tok[n - 1u] = omp_iec21_bcc(tok + 1, n - 2u);
            }
            receive(f, &st, tok, n, bytewise);
            break;
        }
        case 4:
            pos++;
            sim_ms = run_ms(f, sim_ms, (uint64_t)arg * 10u);
            break;
        case 5:
            pos++;
            sim_ms = run_ms_every(f, sim_ms, ((uint64_t)arg + 1u) * 1000u, LONG_TICK_MS);
            break;
        case 6:
            poll(f);
            break;
        default:
            sim_ms = run_ms(f, sim_ms, 300u);
            break;
        }
        check(f, &st);
    }
    /* the end: what is due goes out, then a last check */
    (void)run_ms(f, sim_ms, 300u);
    check(f, &st);
    return 0;
}

/*
 * Tests of the HAN push (push.h, docs/han.md):
 * - the NVE list 1 and list 2 APDUs of a single-phase meter whose registers hold the values of
 *   two real Kamstrup OMNIPOWER single-phase pushes (../shared/vectors/kamstrup_no_han_amshan.txt)
 *   compared byte for byte with the captured APDUs;
 * - the Danish list: its OBIS order against the real Danish push (kamstrup_dk_han_encrypted.txt),
 *   and a whole APDU against bytes written by hand from technical facts 12.2/12.3 (the Danish
 *   capture's values, L2/L3 as null-data placeholders on this single-phase meter);
 * - the frames: HDLC UI 0x13, addresses of the captured frames, LLC E6 E7 00, segmentation;
 * - ciphering: the frame deciphered test-side (the port's AES-GCM op with the keys in other slots
 *   and the AAD SC || AK written by the test) gives the plain APDU; system title KAME + number;
 * - the schedule: hh:mm:s0 and hh:00:05, across minute/hour boundaries and clock steps;
 * - the invocation counter: increases, and never repeats across a restart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/apdu.h"
#include "omnipower/axdr.h"
#include "omnipower/hdlc.h"
#include "omnipower/port_posix.h"
#include "omnipower/push.h"

#include "dlms_src.h"
#include "han_vectors.h"
#include "test_hex.h"

/* The meter of the single-phase NVE list 1 capture: 2022-01-17 12:44:40 CET, P+ 1896 W,
 * Q- 493 var, 8.96 A, 225 V, type 6861111BN242101040, GS1 5705705705705702. */
static void src_nve_list1(struct dlms_src_state *st, struct omp_cosem_src *s,
                          struct omp_push_cfg *c)
{
    dlms_src_fill(st, s);
    st->regs.e.total.a_plus_uwh = 0u;
    st->cycle.p_w = 1896.0f;
    st->cycle.q_var = -493.0f;
    st->cycle.irms_a = 8.96f;
    st->cycle.urms_v = 225.0f;
    s->type_number = "6861111BN242101040";
    s->clock_utc_s = 1642419880; /* 2022-01-17 11:44:40 UTC */
    omp_push_cfg_default(c);
    memcpy(c->gs1, "5705705705705702", 17u);
}

static size_t apdu_of(const struct omp_push_cfg *c, enum omp_push_list l,
                      const struct omp_cosem_src *s, uint8_t *buf, size_t cap)
{
    struct omp_wr w = omp_wr_init(buf, cap);
    assert_int_equal(omp_push_apdu(c, l, s, &w), OMP_OK);
    return omp_wr_len(&w);
}

static void nve_list1_matches_capture(void **state)
{
    (void)state;
    struct dlms_src_state st;
    struct omp_cosem_src s;
    struct omp_push_cfg c;
    src_nve_list1(&st, &s, &c);
    uint8_t want[512], got[512];
    size_t n = unhex(k_no_1ph_list1_llc_hex, want, sizeof want);
    size_t m = apdu_of(&c, OMP_PUSH_NVE1, &s, got, sizeof got);
    assert_int_equal(m, n - 3u);
    assert_memory_equal(got, want + 3, m);
}

static void nve_list2_matches_capture(void **state)
{
    (void)state;
    struct dlms_src_state st;
    struct omp_cosem_src s;
    struct omp_push_cfg c;
    src_nve_list1(&st, &s, &c);
    /* list 2 capture: 2021-11-24 00:00:25 CET, 10050 W, Q- 279 var, 45.12 A, 223 V, A+ 7745250
     * Wh, A- 0, R+ 13731 varh, R- 1141587 varh */
    st.cycle.p_w = 10050.0f;
    st.cycle.q_var = -279.0f;
    st.cycle.irms_a = 45.12f;
    st.cycle.urms_v = 223.0f;
    st.regs.e.total.a_plus_uwh = 7745250ull * 1000000u;
    st.regs.e.total.r_plus_uvarh = 13731ull * 1000000u;
    st.regs.e.total.r_minus_uvarh = 1141587ull * 1000000u;
    s.clock_utc_s = 1637708425; /* 2021-11-23 23:00:25 UTC */
    uint8_t want[512], got[512];
    size_t n = unhex(k_no_1ph_list2_llc_hex, want, sizeof want);
    size_t m = apdu_of(&c, OMP_PUSH_NVE2, &s, got, sizeof got);
    assert_int_equal(m, n - 3u);
    assert_memory_equal(got, want + 3, m);
}

/* The Danish capture's values on this single-phase meter: 2020-01-07 14:47:20 CET, A+ 866636 Wh,
 * R+ 17708 varh, meter number 27581522, 224 V, PF 1.00, no current, no power. */
static void src_dk(struct dlms_src_state *st, struct omp_cosem_src *s, struct omp_push_cfg *c)
{
    dlms_src_fill(st, s);
    st->regs.e.total.a_plus_uwh = 866636ull * 1000000u;
    st->regs.e.total.r_plus_uvarh = 17708ull * 1000000u;
    st->cycle.urms_v = 224.0f;
    st->cycle.pf = 1.0f;
    s->meter_number = 27581522u;
    s->clock_utc_s = 1578404840; /* 2020-01-07 13:47:20 UTC */
    omp_push_cfg_default(c);
}

/* Written by hand from technical facts 12.2 (the DK list order) and 12.3 (types): pairs of
 * 09 06 <OBIS> and the value, 00 00 for each L2/L3 item. */
/* clang-format off */
static const char k_dk_1ph_hex[] =
    "0F" "00000000" "0C" "07E40107020E2F14FF800000" "0241" "0A0E4B616D73747275705F5630303031"
    "09060101010800FF" "06000D394C" "09060101020800FF" "0600000000"
    "09060101030800FF" "060000452C" "09060101040800FF" "0600000000"
    "09060101000001FF" "0601A4DC52"
    "09060101010700FF" "0600000000" "09060101020700FF" "0600000000"
    "09060101030700FF" "0600000000" "09060101040700FF" "0600000000"
    "09060001010000FF" "090C07E40107020E2F14FF800000"
    "09060101200700FF" "1200E0" "0000" "0000"
    "090601011F0700FF" "0600000000" "0000" "0000"
    "09060101150700FF" "0600000000" "0000" "0000"
    "09060101210700FF" "120064" "0000" "0000"
    "090601010D0700FF" "120064"
    "09060101160700FF" "0600000000" "0000" "0000"
    "09060101160800FF" "0600000000" "0000" "0000"
    "09060101150800FF" "06000D394C" "0000" "0000";
/* clang-format on */

static void dk_list_by_hand(void **state)
{
    (void)state;
    struct dlms_src_state st;
    struct omp_cosem_src s;
    struct omp_push_cfg c;
    src_dk(&st, &s, &c);
    uint8_t want[512], got[512];
    size_t n = unhex(k_dk_1ph_hex, want, sizeof want);
    size_t m = apdu_of(&c, OMP_PUSH_DK, &s, got, sizeof got);
    assert_int_equal(m, n);
    assert_memory_equal(got, want, n);
}

/* The DK list's items are the 32 OBIS codes of the real Danish push, in its order. */
static void dk_list_order_is_the_captures(void **state)
{
    (void)state;
    uint8_t plain[512];
    size_t n = unhex(k_dk_plain_hex, plain, sizeof plain);
    struct omp_rd rd = omp_rd_init(plain, n);
    struct omp_apdu a;
    assert_int_equal(omp_apdu_decode(&rd, &a), OMP_OK);
    struct omp_dlms_push_iter it;
    assert_int_equal(omp_dlms_push_init(&it, a.u.notify.body.ptr, a.u.notify.body.len), OMP_OK);
    size_t count = 0;
    const struct omp_push_item *items = omp_push_items(OMP_PUSH_DK, &count);
    assert_non_null(items);
    assert_int_equal(count, 33u);
    struct omp_obis o;
    struct omp_axdr_elem v;
    for (size_t k = 1; k < count; k++) {
        assert_int_equal(omp_dlms_push_next(&it, &o, &v), OMP_OK);
        assert_memory_equal(items[k].obis, o.v, 6u);
        assert_int_equal(items[k].vtype, v.tag);
    }
    assert_int_equal(omp_dlms_push_next(&it, &o, &v), OMP_ERR_NOT_FOUND);
}

/* ---- frames ------------------------------------------------------------------------------------
 */

static void frame_is_ui_with_llc(void **state)
{
    (void)state;
    struct dlms_src_state st;
    struct omp_cosem_src s;
    struct omp_push_cfg c;
    src_nve_list1(&st, &s, &c);
    uint8_t buf[1024], want[512];
    size_t n = unhex(k_no_1ph_list1_llc_hex, want, sizeof want);
    struct omp_wr w = omp_wr_init(buf, sizeof buf);
    assert_int_equal(omp_push_frames(&c, OMP_PUSH_NVE1, &s, 0u, NULL, NULL, &w), OMP_OK);
    /* technical facts 12.3: 7E, format A0xx (length n + 9 without the flags), 2B 21 13 */
    assert_int_equal(omp_wr_len(&w), n + 11u);
    assert_int_equal(buf[0], 0x7E);
    assert_int_equal(buf[1], 0xA0);
    assert_int_equal(buf[2], n + 9u);
    assert_int_equal(buf[3], 0x2B);
    assert_int_equal(buf[4], 0x21);
    assert_int_equal(buf[5], 0x13);
    assert_memory_equal(buf + 8, want, n); /* after the HCS: E6 E7 00 and the APDU */
    struct omp_hdlc_frame f;
    size_t used = 0;
    assert_int_equal(omp_hdlc_decode(buf, omp_wr_len(&w), &f, &used), OMP_OK);
    assert_int_equal(used, omp_wr_len(&w));
    /* the DK list goes as the Danish capture: 41 03 13 */
    src_dk(&st, &s, &c);
    w = omp_wr_init(buf, sizeof buf);
    assert_int_equal(omp_push_frames(&c, OMP_PUSH_DK, &s, 0u, NULL, NULL, &w), OMP_OK);
    assert_int_equal(buf[3], 0x41);
    assert_int_equal(buf[4], 0x03);
    assert_int_equal(buf[5], 0x13);
}

static void frame_segmented(void **state)
{
    (void)state;
    struct dlms_src_state st;
    struct omp_cosem_src s;
    struct omp_push_cfg c;
    src_nve_list1(&st, &s, &c);
    c.max_info = 64u;
    uint8_t buf[1024], want[512], joined[512];
    size_t n = unhex(k_no_1ph_list1_llc_hex, want, sizeof want);
    struct omp_wr w = omp_wr_init(buf, sizeof buf);
    assert_int_equal(omp_push_frames(&c, OMP_PUSH_NVE1, &s, 0u, NULL, NULL, &w), OMP_OK);
    size_t at = 0, got = 0, frames = 0;
    while (at < omp_wr_len(&w)) {
        struct omp_hdlc_frame f;
        size_t used = 0;
        assert_int_equal(omp_hdlc_decode(buf + at, omp_wr_len(&w) - at, &f, &used), OMP_OK);
        assert_int_equal(f.type, OMP_HDLC_UI);
        assert_true(f.info_len <= 64u);
        frames++;
        /* segmentation bit on every frame but the last */
        assert_int_equal(f.segmented, got + f.info_len < n);
        memcpy(joined + got, f.info, f.info_len);
        got += f.info_len;
        at += used;
    }
    assert_int_equal(frames, (n + 63u) / 64u);
    assert_int_equal(got, n);
    assert_memory_equal(joined, want, n);
}

/* ---- ciphering ---------------------------------------------------------------------------------
 */

static void ciphered_frame_deciphers(void **state)
{
    (void)state;
    struct omp_posix_port port;
    omp_posix_port_init(&port);
    struct omp_hal hal = omp_posix_port_hal(&port);
    char spec[128];
    (void)snprintf(spec, sizeof spec, "han_ek=%s,HAN_AK=%s", k_dk_ek_hex, k_dk_ak_hex);
    assert_int_equal(omp_posix_crypto_load_keys_hex(&port, spec, NULL, 0u), OMP_OK);
    /* the test's own copy of the keys, in other slots, for an independent decryption */
    assert_int_equal(omp_posix_crypto_load_key_hex(&port, OMP_KEY_GUEK, k_dk_ek_hex), OMP_OK);
    struct dlms_src_state st;
    struct omp_cosem_src s;
    struct omp_push_cfg c;
    src_dk(&st, &s, &c);
    c.encrypt = true;
    uint8_t buf[1024], plain[512], out[512], ak[16], aad[17];
    size_t pn = unhex(k_dk_1ph_hex, plain, sizeof plain);
    (void)unhex(k_dk_ak_hex, ak, sizeof ak);
    struct omp_wr w = omp_wr_init(buf, sizeof buf);
    assert_int_equal(
        omp_push_frames(&c, OMP_PUSH_DK, &s, 0x000788E1u, hal.ops->aead_gcm, hal.user, &w), OMP_OK);
    /* technical facts 12.4: E6 E7 00 DB 08 KAME 01A4DC52 82 LL LL 30 000788E1 ct tag */
    const uint8_t *p = buf + 8;
    static const uint8_t head[] = {0xE6, 0xE7, 0x00, 0xDB, 0x08, 'K',  'A',
                                   'M',  'E',  0x01, 0xA4, 0xDC, 0x52, 0x82};
    assert_memory_equal(p, head, sizeof head);
    size_t clen = (size_t)p[14] << 8 | p[15];
    assert_int_equal(clen, 1u + 4u + pn + 12u);
    assert_int_equal(p[16], 0x30);
    static const uint8_t ic[4] = {0x00, 0x07, 0x88, 0xE1};
    assert_memory_equal(p + 17, ic, 4u);
    uint8_t iv[12] = {'K', 'A', 'M', 'E', 0x01, 0xA4, 0xDC, 0x52, 0x00, 0x07, 0x88, 0xE1};
    aad[0] = 0x30;
    memcpy(aad + 1, ak, 16u);
    uint8_t tag[12];
    memcpy(tag, p + 21 + pn, 12u);
    struct omp_gcm_op op = {false, OMP_KEY_GUEK, OMP_KEY_NONE, iv, 12u, aad,
                            17u,   p + 21,       out,          pn, tag, 12u};
    assert_int_equal(hal.ops->aead_gcm(hal.user, &op), OMP_OK);
    assert_memory_equal(out, plain, pn);
    /* a wrong AK fails the tag */
    aad[5] ^= 1u;
    assert_int_equal(hal.ops->aead_gcm(hal.user, &op), OMP_ERR_AUTH);
    omp_posix_port_close(&port);
}

/* ---- schedule ----------------------------------------------------------------------------------
 */

#define T0 1765101600 /* 2025-12-07 10:00:00 (a local wall time as seconds) */

static struct omp_push sched(unsigned lists)
{
    struct omp_push_cfg c;
    omp_push_cfg_default(&c);
    c.lists = (uint8_t)lists;
    struct omp_push p;
    assert_int_equal(omp_push_init(&p, &c), OMP_OK);
    return p;
}

static void schedule_ten_seconds(void **state)
{
    (void)state;
    struct omp_push p = sched(OMP_PUSH_BIT(OMP_PUSH_NVE1));
    unsigned n = 0;
    /* 09:58:57 .. 10:01:03, every second: a minute and an hour boundary */
    for (int64_t t = T0 - 123; t <= T0 + 63; t++) {
        unsigned m = omp_push_due(&p, t);
        int64_t sec = t % 60;
        assert_int_equal(m, sec % 10 == 0 ? OMP_PUSH_BIT(OMP_PUSH_NVE1) : 0u);
        n += m != 0u;
    }
    assert_int_equal(n, 19u); /* 09:58:00, 09:58:10 .. 10:01:00 */
    assert_int_equal(p.skipped, 0u);
}

static void schedule_hourly(void **state)
{
    (void)state;
    struct omp_push p = sched(OMP_PUSH_NVE);
    unsigned n1 = 0, n2 = 0;
    for (int64_t t = T0 - 3 * 3600 - 31; t <= T0 + 30; t++) { /* from 06:59:29 */
        unsigned m = omp_push_due(&p, t);
        int64_t in_hour = t % 3600;
        assert_int_equal((m & OMP_PUSH_BIT(OMP_PUSH_NVE2)) != 0u, in_hour == 5);
        assert_int_equal((m & OMP_PUSH_BIT(OMP_PUSH_NVE1)) != 0u, t % 10 == 0);
        n1 += (m & OMP_PUSH_BIT(OMP_PUSH_NVE1)) != 0u;
        n2 += (m & OMP_PUSH_BIT(OMP_PUSH_NVE2)) != 0u;
    }
    assert_int_equal(n2, 4u);    /* 07:00:05 .. 10:00:05 */
    assert_int_equal(n1, 1087u); /* 06:59:30 .. 10:00:30 */
}

static void schedule_clock_steps(void **state)
{
    (void)state;
    struct omp_push p = sched(OMP_PUSH_BIT(OMP_PUSH_NVE1));
    assert_int_equal(omp_push_due(&p, T0), 0u); /* the first call arms only */
    assert_int_equal(omp_push_due(&p, T0 + 5), 0u);
    assert_int_equal(omp_push_due(&p, T0 + 13), 1u); /* a late poll still sends 10:00:10 */
    assert_int_equal(omp_push_due(&p, T0 + 14), 0u); /* once */
    assert_int_equal(omp_push_due(&p, T0 + 20), 1u);
    /* a step back by 5 s: 10:00:20 is not sent again */
    for (int64_t t = T0 + 15; t < T0 + 30; t++) {
        assert_int_equal(omp_push_due(&p, t), 0u);
    }
    assert_int_equal(omp_push_due(&p, T0 + 30), 1u);
    /* a step forward by 35 s from 10:00:32: 40, 50 and 10:01:00 are skipped, 10:01:10 sent */
    assert_int_equal(omp_push_due(&p, T0 + 32), 0u);
    assert_int_equal(omp_push_due(&p, T0 + 67), 0u);
    assert_int_equal(p.skipped, 3u);
    assert_int_equal(omp_push_due(&p, T0 + 69), 0u);
    assert_int_equal(omp_push_due(&p, T0 + 70), 1u);
    /* a step back by a minute: the slots of the new time come again, each once */
    assert_int_equal(omp_push_due(&p, T0 + 11), 0u);
    assert_int_equal(omp_push_due(&p, T0 + 20), 1u);
    assert_int_equal(omp_push_due(&p, T0 + 20), 0u);
}

/* ---- invocation counter ------------------------------------------------------------------------
 */

static void ic_never_repeats(void **state)
{
    (void)state;
    struct omp_push p = sched(OMP_PUSH_BIT(OMP_PUSH_DK));
    uint32_t a = 0, b = 0;
    /* seconds since 2020-01-01: 2020-01-07 13:47:20 is 6 d 13:47:20 = 568040 */
    assert_int_equal(omp_push_next_ic(&p, 1578404840, &a), OMP_OK);
    assert_int_equal(a, 568040u);
    assert_int_equal(omp_push_next_ic(&p, 1578404840, &b), OMP_OK); /* same second */
    assert_int_equal(b, 568041u);
    assert_int_equal(omp_push_next_ic(&p, 1578404800, &b), OMP_OK); /* clock went back */
    assert_int_equal(b, 568042u);
    omp_push_ic_floor(&p, 0xFFFFFFFEu);
    assert_int_equal(omp_push_next_ic(&p, 1578404850, &b), OMP_OK);
    assert_int_equal(b, 0xFFFFFFFFu);
    assert_int_equal(omp_push_next_ic(&p, 1578404850, &b), OMP_ERR_RANGE);
}

/* Pushes through the HAL (the meter's path): the counters in two runs of one meter, the second
 * started in the second of the first's last push, all differ and increase. */
static uint8_t g_cap[8192];
static size_t g_cap_len;

static omp_err cap_write(void *user, enum omp_port port, const uint8_t *data, size_t len,
                         size_t *written)
{
    struct omp_posix_port *pp = user;
    assert_int_equal(port, OMP_PORT_HAN);
    assert_true(g_cap_len + len <= sizeof g_cap);
    memcpy(g_cap + g_cap_len, data, len);
    g_cap_len += len;
    *written = len;
    return pp != NULL ? OMP_OK : OMP_ERR_ARG;
}

static uint32_t run_pushes(struct omp_cosem_src *s, const struct omp_hal *hal, omp_time_s from,
                           omp_time_s to, uint32_t *ics, size_t *n)
{
    struct omp_push_cfg c;
    omp_push_cfg_default(&c);
    c.lists = OMP_PUSH_BIT(OMP_PUSH_DK);
    c.encrypt = true;
    struct omp_push p;
    assert_int_equal(omp_push_init(&p, &c), OMP_OK);
    for (omp_time_s t = from; t <= to; t++) {
        s->clock_utc_s = t;
        g_cap_len = 0;
        assert_int_equal(omp_push_poll(&p, s, hal), OMP_OK);
        if (g_cap_len != 0u) {
            /* 7E A1 LL 41 03 13 HCS E6 E7 00 DB 08 <8> 82 LL LL 30 <IC> */
            assert_int_equal(g_cap[24], 0x30);
            ics[(*n)++] = (uint32_t)g_cap[25] << 24 | (uint32_t)g_cap[26] << 16 |
                          (uint32_t)g_cap[27] << 8 | g_cap[28];
        }
    }
    return p.pushes;
}

static void ic_across_restart(void **state)
{
    (void)state;
    struct omp_posix_port port;
    omp_posix_port_init(&port);
    struct omp_hal_ops ops = *omp_posix_port_hal(&port).ops;
    ops.port_write = cap_write;
    struct omp_hal hal = {&ops, &port};
    assert_int_equal(omp_posix_crypto_load_key_hex(&port, OMP_KEY_HAN_EK, k_dk_ek_hex), OMP_OK);
    assert_int_equal(omp_posix_crypto_load_key_hex(&port, OMP_KEY_HAN_AK, k_dk_ak_hex), OMP_OK);
    struct dlms_src_state st;
    struct omp_cosem_src s;
    struct omp_push_cfg c;
    src_dk(&st, &s, &c);
    uint32_t ics[16];
    size_t n = 0;
    const omp_time_s t = 1578404840; /* 13:47:20 UTC = 14:47:20 local, a slot */
    assert_int_equal(run_pushes(&s, &hal, t - 5, t + 10, ics, &n), 2u); /* :20 and :30 */
    /* restart in the second of the last push */
    assert_int_equal(run_pushes(&s, &hal, t + 10, t + 30, ics, &n), 2u); /* :40 and :50 */
    assert_int_equal(n, 4u);
    for (size_t k = 1; k < n; k++) {
        assert_true(ics[k] > ics[k - 1u]);
    }
    omp_posix_port_close(&port);
}

static void cfg_checks(void **state)
{
    (void)state;
    struct omp_push_cfg c;
    omp_push_cfg_default(&c);
    assert_int_equal(c.lists, 0u); /* push off as shipped */
    assert_true(omp_push_cfg_valid(&c));
    c.max_info = 31u;
    assert_false(omp_push_cfg_valid(&c));
    omp_push_cfg_default(&c);
    memcpy(c.gs1, "57A", 4u);
    assert_false(omp_push_cfg_valid(&c));
    omp_push_cfg_default(&c);
    c.lists = 8u;
    assert_false(omp_push_cfg_valid(&c));
    struct omp_push p;
    assert_int_equal(omp_push_init(&p, &c), OMP_ERR_ARG);
    assert_null(omp_push_items(OMP_PUSH_LIST_COUNT, NULL));
    /* ciphering without the AES-GCM op */
    struct dlms_src_state st;
    struct omp_cosem_src s;
    src_dk(&st, &s, &c);
    c.encrypt = true;
    uint8_t buf[64];
    struct omp_wr w = omp_wr_init(buf, sizeof buf);
    assert_int_equal(omp_push_frames(&c, OMP_PUSH_DK, &s, 1u, NULL, NULL, &w), OMP_ERR_UNSUPPORTED);
    c.encrypt = false; /* too small a buffer: nothing written */
    assert_int_equal(omp_push_frames(&c, OMP_PUSH_DK, &s, 1u, NULL, NULL, &w), OMP_ERR_NOSPACE);
    assert_int_equal(omp_wr_len(&w), 0u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nve_list1_matches_capture),
        cmocka_unit_test(nve_list2_matches_capture),
        cmocka_unit_test(dk_list_by_hand),
        cmocka_unit_test(dk_list_order_is_the_captures),
        cmocka_unit_test(frame_is_ui_with_llc),
        cmocka_unit_test(frame_segmented),
        cmocka_unit_test(ciphered_frame_deciphers),
        cmocka_unit_test(schedule_ten_seconds),
        cmocka_unit_test(schedule_hourly),
        cmocka_unit_test(schedule_clock_steps),
        cmocka_unit_test(ic_never_repeats),
        cmocka_unit_test(ic_across_restart),
        cmocka_unit_test(cfg_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

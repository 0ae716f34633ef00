/*
 * Long load-profile reads through the DLMS server (issue #14: "the response to an 1100-day
 * load-profile read comes out whole, in blocks, with bounded RAM") for
 * tests/test_dlms_profile.c: 1100 days, and the log changing between blocks.
 *
 * A load profile of A+ and A- (tests/dlms_src.h: 15 min) on the RAM NVM, sized with
 * omp_profile_capacity() for the days wanted, filled past them (the ring wraps) with values
 * computed by formula: entry k (0, 1, ...) at LP_T0 + 900 k, A+ = 1000 + 100 k + 3 (k mod 13),
 * A- = 7 k + (k mod 5) (both never decrease; a step is at most 136 < the columns' max_step 5750).
 * An LLS client (19 -> 16, max PDU 1010) reads the buffer by a range given in UTC (deviation 0)
 * and GET-next until the last block; the blocks are joined by the library's client helper
 * (omp_dlms_blocks_*). Every row is checked against the formula: its clock (local time and
 * deviation, turned back to UTC here with the C library's timegm), LoggerStatus 0, DataQuality
 * 0, reserved 1, A+ and A-. Which rows a range holds comes from the time arithmetic alone.
 * Include after cmocka and the library's headers.
 */
#ifndef OMP_TEST_DLMS_LP_LONG_H
#define OMP_TEST_DLMS_LP_LONG_H

#include <time.h>

#include "dlms_src.h"

#define LP_SECTOR 4096u
#define LP_SECTORS_MAX 320u
#define LP_T0 ((omp_time_s)1735689600) /* 2025-01-01T00:00:00Z */
#define LP_PDU 1010u
#define LP_ROW 36u /* 02 06, 09 0C + 12, 12 + 2, 06 + 4, 0F 01, 06 + 4, 06 + 4 */

static const struct omp_hal_ops lp_ops = {
    .nvm_geometry = omp_ram_nvm_geometry, .nvm_read = omp_ram_nvm_read,
    .nvm_program = omp_ram_nvm_program, .nvm_erase = omp_ram_nvm_erase,
};

static uint8_t lp_mem[LP_SECTOR * LP_SECTORS_MAX];
static struct omp_ram_nvm lp_nvm;
static struct omp_profile lp_p;
static struct dlms_src_state lp_state;
static struct omp_cosem_src lp_src;
static struct omp_dlms_server lp_srv;
static struct omp_dlms_server_env lp_env;
static uint8_t lp_rsp[LP_PDU]; /* the caller's PDU: all the server writes into */
static uint8_t lp_data[4200000];
static uint32_t lp_total; /* entries appended: k = 0 .. lp_total - 1 */
static uint32_t lp_conf_more; /* conformance proposed besides GET, block GET, selective access */

static uint32_t lp_a_plus(uint32_t k)
{
    return 1000u + 100u * k + 3u * (k % 13u);
}

static uint32_t lp_a_minus(uint32_t k)
{
    return 7u * k + k % 5u;
}

static void lp_append(uint32_t n)
{
    for (uint32_t i = 0; i < n; i++, lp_total++) {
        const int64_t v[2] = {lp_a_plus(lp_total), lp_a_minus(lp_total)};
        assert_int_equal(omp_profile_capture(&lp_p, LP_T0 + 900 * (omp_time_s)lp_total, v),
                         OMP_OK);
    }
}

/* A profile guaranteed to hold @p days days (the fewest sectors), filled with @p days + @p extra
 * days (@p extra > 0: and whole days more until the ring has wrapped); an LLS association of
 * client 19 with max PDU LP_PDU. */
static void lp_setup(uint32_t days, uint32_t extra)
{
    struct omp_profile_cfg c;
    dlms_lp_cfg(&c);
    struct omp_nvm_geometry geo = {0u, LP_SECTOR, 8u, 0xFFu, 100000u};
    uint32_t sectors = 3u;
    while (omp_profile_capacity(&c, &geo, sectors) < days * 96u) {
        sectors++;
    }
    assert_true(sectors <= LP_SECTORS_MAX);
    geo.size = sectors * LP_SECTOR;
    assert_int_equal(omp_ram_nvm_init(&lp_nvm, lp_mem, &geo, NULL), OMP_OK);
    omp_ram_nvm_format(&lp_nvm);
    const struct omp_nvm_region r = {&lp_ops, &lp_nvm, 0u, sectors};
    assert_int_equal(omp_profile_open(&lp_p, &c, &r, false), OMP_OK);
    lp_total = 0u;
    lp_append((days + extra) * 96u);
    while (extra > 0u && omp_plog_count(&lp_p.log) == lp_total) {
        lp_append(96u); /* on until the ring has dropped the oldest */
    }
    assert_true(omp_plog_count(&lp_p.log) >= days * 96u);

    dlms_src_fill(&lp_state, &lp_src);
    memset(&lp_env, 0, sizeof lp_env);
    lp_env.src = &lp_src;
    lp_env.lp = &lp_p;
    struct omp_dlms_server_cfg sc;
    omp_dlms_server_cfg_default(&sc);
    assert_int_equal(sc.max_pdu, LP_PDU);
    assert_int_equal(omp_dlms_server_init(&lp_srv, &sc), OMP_OK);
    struct omp_dlms_aarq_opts o;
    memset(&o, 0, sizeof o);
    o.mechanism = OMP_DLMS_MECH_LLS;
    o.secret = (const uint8_t *)"12345";
    o.secret_len = 5u;
    o.conformance =
        OMP_CONF_GET | OMP_CONF_BLOCK_TRANSFER_WITH_GET | OMP_CONF_SELECTIVE_ACCESS | lp_conf_more;
    o.max_pdu = LP_PDU;
    uint8_t req[128];
    struct omp_wr w = omp_wr_init(req, sizeof req);
    assert_int_equal(omp_dlms_client_aarq(&w, &o), OMP_OK);
    struct omp_wr out = omp_wr_init(lp_rsp, sizeof lp_rsp);
    assert_int_equal(omp_dlms_server_apdu(&lp_srv, &lp_env, 19u, 16u, req, omp_wr_len(&w), &out),
                     OMP_OK);
    struct omp_dlms_assoc as;
    assert_int_equal(omp_dlms_client_check_aare(lp_rsp, omp_wr_len(&out), &as), OMP_OK);
    assert_true(as.accepted);
    assert_int_equal(as.conformance & OMP_CONF_GENERAL_BLOCK_TRANSFER,
                     lp_conf_more & OMP_CONF_GENERAL_BLOCK_TRANSFER); /* offered when proposed */
    assert_true(sizeof lp_srv < 320u); /* the server's RAM, whatever the log holds (296: GBT) */
}

/* date_time of UTC @p t with deviation 0 (gmtime_r: the C library's calendar, not ours). */
static size_t lp_put_time(uint8_t *p, omp_time_s t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    assert_non_null(gmtime_r(&tt, &tm));
    const unsigned y = (unsigned)tm.tm_year + 1900u;
    const uint8_t b[14] = {0x09u, 0x0Cu, (uint8_t)(y >> 8), (uint8_t)y, (uint8_t)(tm.tm_mon + 1),
                           (uint8_t)tm.tm_mday, 0xFFu, (uint8_t)tm.tm_hour, (uint8_t)tm.tm_min,
                           (uint8_t)tm.tm_sec, 0x00u, 0x00u, 0x00u, 0x00u};
    memcpy(p, b, sizeof b);
    return sizeof b;
}

/* GET of the buffer by range [@p from, @p to] (UTC); returns after the first response. */
static size_t lp_get_range(omp_time_s from, omp_time_s to)
{
    static const uint8_t head[] = {0xC0, 0x01, 0xC1, 0x00, 0x07, 0x01, 0x01, 0x63, 0x01, 0x00,
                                   0xFF, 0x02, 0x01, 0x01, 0x02, 0x04, 0x02, 0x04, 0x12, 0x00,
                                   0x08, 0x09, 0x06, 0x00, 0x01, 0x01, 0x00, 0x00, 0xFF, 0x0F,
                                   0x02, 0x12, 0x00, 0x00};
    uint8_t q[96];
    size_t n = sizeof head;
    memcpy(q, head, n);
    n += lp_put_time(q + n, from);
    n += lp_put_time(q + n, to);
    q[n++] = 0x01u; /* selected_values: empty, all columns */
    q[n++] = 0x00u;
    struct omp_wr w = omp_wr_init(lp_rsp, sizeof lp_rsp);
    assert_int_equal(omp_dlms_server_apdu(&lp_srv, &lp_env, 19u, 16u, q, n, &w), OMP_OK);
    return omp_wr_len(&w);
}

/* Feed the response of @p n bytes to @p b. @return omp_dlms_blocks_feed's. */
static omp_err lp_feed(struct omp_dlms_blocks *b, size_t n)
{
    assert_true(n > 0u && n <= LP_PDU);
    struct omp_rd rd = omp_rd_init(lp_rsp, n);
    struct omp_apdu a;
    assert_int_equal(omp_apdu_decode(&rd, &a), OMP_OK);
    return omp_dlms_blocks_feed(b, &a);
}

/* GET-next for the block after b->ack_block. @return the response's length. */
static size_t lp_next(const struct omp_dlms_blocks *b)
{
    uint8_t q[16];
    struct omp_wr w = omp_wr_init(q, sizeof q);
    assert_int_equal(omp_dlms_client_get_next(&w, 0xC1u, b->ack_block), OMP_OK);
    struct omp_wr out = omp_wr_init(lp_rsp, sizeof lp_rsp);
    assert_int_equal(
        omp_dlms_server_apdu(&lp_srv, &lp_env, 19u, 16u, q, omp_wr_len(&w), &out), OMP_OK);
    return omp_wr_len(&out);
}

/* The whole read of [@p from, @p to]: the joined Data in lp_data. @return its length. */
static size_t lp_read(omp_time_s from, omp_time_s to, unsigned *blocks)
{
    struct omp_dlms_blocks b;
    omp_dlms_blocks_init(&b, lp_data, sizeof lp_data);
    size_t n = lp_get_range(from, to);
    *blocks = 0u;
    for (;;) {
        assert_int_equal(lp_feed(&b, n), OMP_OK);
        ++*blocks;
        if (b.done) {
            break;
        }
        n = lp_next(&b);
    }
    return b.len;
}

static uint32_t lp_be(const uint8_t *p, unsigned n)
{
    uint32_t v = 0u;
    for (unsigned i = 0; i < n; i++) {
        v = v << 8 | p[i];
    }
    return v;
}

/* Row @p r of lp_data is entry @p k: time, status words, reserved, A+, A-. */
static void lp_check_row(const uint8_t *row, uint32_t k)
{
    static const uint8_t lead[] = {0x02, 0x06, 0x09, 0x0C};
    assert_memory_equal(row, lead, sizeof lead);
    const uint8_t *d = row + 4;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = (int)lp_be(d, 2) - 1900;
    tm.tm_mon = d[2] - 1;
    tm.tm_mday = d[3];
    tm.tm_hour = d[5];
    tm.tm_min = d[6];
    tm.tm_sec = d[7];
    const int16_t dev = (int16_t)lp_be(d + 9, 2);
    assert_true(dev == -60 || dev == -120); /* CET or CEST */
    assert_int_equal((d[11] & 0x80u) != 0u, dev == -120); /* DST bit in the status */
    /* UTC = local + deviation (minutes) */
    assert_int_equal((omp_time_s)timegm(&tm) + 60 * (omp_time_s)dev,
                     LP_T0 + 900 * (omp_time_s)k);
    const uint8_t rest[] = {0x12, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x0F, 0x01, 0x06};
    assert_memory_equal(row + 16, rest, sizeof rest);
    assert_int_equal(lp_be(row + 27, 4), lp_a_plus(k));
    assert_int_equal(row[31], 0x06);
    assert_int_equal(lp_be(row + 32, 4), lp_a_minus(k));
}

/* The array of @p len bytes in lp_data holds entries @p k0 .. @p k0 + @p count - 1, in order. */
static void lp_check(size_t len, uint32_t k0, uint32_t count)
{
    assert_true(len >= 2u);
    assert_int_equal(lp_data[0], 0x01);
    size_t h = 2u;
    uint32_t n = lp_data[1];
    if (lp_data[1] >= 0x80u) { /* BER length: 0x8k then k bytes */
        h = 2u + (lp_data[1] & 0x7Fu);
        n = lp_be(lp_data + 2, lp_data[1] & 0x7Fu);
    }
    assert_int_equal(n, count);
    assert_int_equal(len, h + (size_t)LP_ROW * count);
    for (uint32_t r = 0; r < count; r++) {
        lp_check_row(lp_data + h + (size_t)LP_ROW * r, k0 + r);
    }
}

/* The last @p days days by a range covering exactly them, then @p mid days from the middle one:
 * every row as the formula says, in blocks of PDU - 12 = 998 bytes. */
static void lp_read_days(uint32_t days, uint32_t mid)
{
    unsigned blocks = 0u;
    const uint32_t want = days * 96u, k0 = lp_total - want;
    size_t len = lp_read(LP_T0 + 900 * (omp_time_s)k0, LP_T0 + 900 * (omp_time_s)(lp_total - 1u),
                         &blocks);
    lp_check(len, k0, want);
    assert_int_equal(blocks, (len + 997u) / 998u);
    /* @p mid days from 00:00Z of the middle day: entries whose time is in the range */
    const omp_time_s from = LP_T0 + 86400 * (omp_time_s)(k0 / 96u + days / 2u);
    const omp_time_s to = from + 86400 * (omp_time_s)mid - 1;
    const uint32_t m0 = (uint32_t)((from - LP_T0 + 899) / 900);
    const uint32_t m1 = (uint32_t)((to - LP_T0) / 900);
    len = lp_read(from, to, &blocks);
    lp_check(len, m0, m1 - m0 + 1u);
    assert_int_equal(m1 - m0 + 1u, 96u * mid);
    assert_int_equal(blocks, (len + 997u) / 998u);
}

/* The same read with general block transfer negotiated (Green Book GBT; lp_conf_more has
 * OMP_CONF_GENERAL_BLOCK_TRANSFER): each response is E0, block-control (last-block 0x80 |
 * window 1), block-number 1, 2, ... (16 bits), block-number-ack = the client's last block,
 * block-data; after each block but the last the client sends an empty GBT of its own next block
 * number acknowledging it. The joined block-data is one GET-response-normal C4 01 C1 00 Data.
 * Blocks carry PDU - 12 = 998 bytes but the last. @return the Data's length, moved to lp_data. */
static size_t lp_read_gbt(omp_time_s from, omp_time_s to, unsigned *blocks)
{
    size_t n = lp_get_range(from, to), len = 0u;
    uint16_t bn = 0u;
    for (;;) {
        assert_true(n > 0u && n <= LP_PDU);
        struct omp_rd rd = omp_rd_init(lp_rsp, n);
        struct omp_apdu_gbt g;
        assert_int_equal(omp_apdu_gbt_decode(&rd, &g), OMP_OK);
        assert_int_equal(omp_rd_remaining(&rd), 0u);
        assert_int_equal(g.block_number, bn + 1u);
        assert_int_equal(g.block_number_ack, bn); /* the client's acks: 0 before the first */
        assert_int_equal(g.window, 1u);
        assert_false(g.streaming);
        assert_true(g.last || g.data.len == 998u);
        assert_true(len + g.data.len <= sizeof lp_data);
        memcpy(lp_data + len, g.data.ptr, g.data.len);
        len += g.data.len;
        bn = g.block_number;
        if (g.last) {
            break;
        }
        const uint8_t ack[] = {0xE0, 0x01, (uint8_t)(bn >> 8), (uint8_t)bn, (uint8_t)(bn >> 8),
                               (uint8_t)bn, 0x00};
        struct omp_wr out = omp_wr_init(lp_rsp, sizeof lp_rsp);
        assert_int_equal(
            omp_dlms_server_apdu(&lp_srv, &lp_env, 19u, 16u, ack, sizeof ack, &out), OMP_OK);
        n = omp_wr_len(&out);
    }
    *blocks = bn;
    static const uint8_t head[] = {0xC4, 0x01, 0xC1, 0x00}; /* GET-response-normal, data */
    assert_true(len > sizeof head);
    assert_memory_equal(lp_data, head, sizeof head);
    memmove(lp_data, lp_data + sizeof head, len - sizeof head);
    return len - sizeof head;
}

#endif /* OMP_TEST_DLMS_LP_LONG_H */

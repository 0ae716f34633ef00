/*
 * The registers records (cold checkpoint, hot record, billing log snapshot: bytes from NVM,
 * untrusted) and omp_registers_restore().
 *
 * Input: bytes 0..1 = cold length (u16 little-endian), byte 2 = hot length, then the cold bytes,
 * the hot bytes and the rest as the snapshot (each cut to what is there). Checks:
 * - restore succeeds, or fails with TRUNCATED / MALFORMED and leaves the registers exactly as
 *   initialised;
 * - a restored state satisfies the ranges the decoders enforce (supply_s < 3600, known flag and
 *   quality bits, times 0 or in 1970..2199, a running demand period at most an hour long);
 * - a cold record restored alone re-encodes to the same bytes (with the next checkpoint id);
 * - a snapshot that decodes re-encodes to the same OMP_REGS_SNAPSHOT_LEN bytes;
 * - the state machine runs on any restored state, and what it then encodes restores again to the
 *   same energy registers.
 */
#include <string.h>

#include "fuzz.h"
#include "omnipower/registers.h"

#define T_END ((omp_time_s)7258118400) /* 2200-01-01 */

static int time_ok(omp_time_s t)
{
    return t >= 0 && t < T_END;
}

static void check_invariants(const struct omp_registers *r)
{
    OMP_FUZZ_CHECK(r->supply_s < 3600u);
    OMP_FUZZ_CHECK((r->demand.flags & ~0x0Fu) == 0u);
    OMP_FUZZ_CHECK((r->demand.last.flags & ~0x0Fu) == 0u);
    OMP_FUZZ_CHECK((r->period_quality & ~0x7Fu) == 0u);
    OMP_FUZZ_CHECK(r->demand.tariff <= OMP_CONFIG_TARIFFS);
    OMP_FUZZ_CHECK(time_ok(r->utc) && time_ok(r->last_stop_utc) && time_ok(r->next_stop_utc));
    OMP_FUZZ_CHECK(time_ok(r->demand.start_utc) && time_ok(r->demand.end_utc));
    OMP_FUZZ_CHECK(r->demand.start_utc == 0 ||
                   (r->demand.end_utc > r->demand.start_utc &&
                    r->demand.end_utc - r->demand.start_utc <= 3600));
    OMP_FUZZ_CHECK(time_ok(r->peaks.p_plus.utc) && time_ok(r->peaks.s_minus.utc));
    OMP_FUZZ_CHECK(!r->snapshot_pending);
}

static uint32_t rd_u32le(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3u) {
        return 0;
    }
    size_t cold_len = (size_t)data[0] | ((size_t)data[1] << 8), hot_len = data[2];
    const uint8_t *p = data + 3;
    size_t left = size - 3u;
    cold_len = (cold_len < left) ? cold_len : left;
    const uint8_t *cold = p;
    p += cold_len;
    left -= cold_len;
    hot_len = (hot_len < left) ? hot_len : left;
    const uint8_t *hot = p;
    p += hot_len;
    left -= hot_len;
    const uint8_t *snap = p;
    size_t snap_len = left;

    struct omp_regs_cfg cfg;
    omp_regs_cfg_default(&cfg);
    static struct omp_registers fresh, r, again;
    OMP_FUZZ_CHECK(omp_registers_init(&fresh, &cfg) == OMP_OK);

    /* the snapshot decoder alone */
    if (snap_len > 0u) {
        struct omp_rd rd = omp_rd_init(snap, snap_len);
        struct omp_regs_snapshot s, sentinel;
        memset(&sentinel, 0x5A, sizeof sentinel);
        s = sentinel;
        omp_err err = omp_regs_snapshot_decode(&rd, &s);
        if (err == OMP_OK) {
            OMP_FUZZ_CHECK(omp_rd_pos(&rd) == OMP_REGS_SNAPSHOT_LEN);
            uint8_t out[OMP_REGS_SNAPSHOT_LEN];
            struct omp_wr w = omp_wr_init(out, sizeof out);
            OMP_FUZZ_CHECK(omp_regs_snapshot_encode(&s, &w) == OMP_OK);
            OMP_FUZZ_CHECK(memcmp(out, snap, sizeof out) == 0);
        } else {
            OMP_FUZZ_CHECK(err == OMP_ERR_TRUNCATED || err == OMP_ERR_MALFORMED);
            OMP_FUZZ_CHECK(omp_rd_pos(&rd) == 0u);
            OMP_FUZZ_CHECK(memcmp(&s, &sentinel, sizeof s) == 0);
        }
    }

    r = fresh;
    omp_err err = omp_registers_restore(&r, cold, cold_len, hot, hot_len, snap, snap_len);
    if (err != OMP_OK) {
        OMP_FUZZ_CHECK(err == OMP_ERR_TRUNCATED || err == OMP_ERR_MALFORMED);
        OMP_FUZZ_CHECK(memcmp(&r, &fresh, sizeof r) == 0);
        return 0;
    }
    check_invariants(&r);

    if (cold_len > 0u && hot_len == 0u && snap_len == 0u) {
        uint8_t out[OMP_REGS_COLD_MAX];
        struct omp_wr w = omp_wr_init(out, sizeof out);
        OMP_FUZZ_CHECK(omp_registers_encode_cold(&r, &w) == OMP_OK);
        OMP_FUZZ_CHECK(omp_wr_len(&w) == cold_len);
        uint32_t id = rd_u32le(cold + 2);
        OMP_FUZZ_CHECK(rd_u32le(out + 2) == ((id == UINT32_MAX) ? 1u : id + 1u));
        OMP_FUZZ_CHECK(memcmp(out, cold, 2) == 0);
        OMP_FUZZ_CHECK(memcmp(out + 6, cold + 6, cold_len - 6u) == 0);
    }

    /* run the state machine on the restored state */
    omp_time_s t = (r.utc_valid && r.utc > 0 && r.utc < T_END - 100000) ? r.utc
                                                                         : (omp_time_s)1800000000;
    omp_registers_power_up(&r, t, true);
    for (int i = 1; i <= 3; i++) {
        struct omp_metro_energy d;
        memset(&d, 0, sizeof d);
        d.a_plus_uwh = 555556u;
        omp_registers_add_energy(&r, &d, 2);
        OMP_FUZZ_CHECK(omp_registers_second(&r, t + i, true, true, 2) == OMP_OK);
    }
    const struct omp_regs_snapshot *ps = omp_registers_pending_snapshot(&r);
    if (ps != NULL) {
        uint8_t out[OMP_REGS_SNAPSHOT_LEN];
        struct omp_wr w = omp_wr_init(out, sizeof out);
        OMP_FUZZ_CHECK(omp_regs_snapshot_encode(ps, &w) == OMP_OK);
        omp_registers_snapshot_saved(&r);
    }
    omp_registers_clock_set(&r, t + 3, t + 3 + 7200);
    uint8_t c2[OMP_REGS_COLD_MAX], h2[OMP_REGS_HOT_MAX];
    struct omp_wr wc = omp_wr_init(c2, sizeof c2);
    OMP_FUZZ_CHECK(omp_registers_encode_cold(&r, &wc) == OMP_OK);
    omp_registers_cold_saved(&r);
    struct omp_metro_energy d;
    memset(&d, 0, sizeof d);
    d.e_plus_uvah = 1000u;
    omp_registers_add_energy(&r, &d, 1);
    struct omp_wr wh = omp_wr_init(h2, sizeof h2);
    OMP_FUZZ_CHECK(omp_registers_encode_hot(&r, &wh) == OMP_OK);
    again = fresh;
    OMP_FUZZ_CHECK(omp_registers_restore(&again, c2, omp_wr_len(&wc), h2, omp_wr_len(&wh), NULL,
                                         0) == OMP_OK);
    OMP_FUZZ_CHECK(memcmp(&again.e, &r.e, sizeof r.e) == 0);
    OMP_FUZZ_CHECK(again.billing_count == r.billing_count);
    check_invariants(&again);
    return 0;
}

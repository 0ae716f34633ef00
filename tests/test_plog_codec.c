/*
 * The packed log's entry codec on its own (white box: lib/storage/plog_priv.h): random round trips
 * of full and plain entries of every kind, extreme values and values beyond max_step, never longer
 * than the worst case the depth counts; adversarial bytes decoded without reading past the length.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../lib/storage/plog_priv.h"

static uint64_t g_x = 88172645463325252ull;
static uint64_t rnd64(void)
{
    g_x ^= g_x << 13;
    g_x ^= g_x >> 7;
    g_x ^= g_x << 17;
    return g_x;
}

static uint64_t pick(void)
{
    switch (rnd64() % 8u) {
    case 0: return 0;
    case 1: return UINT64_MAX;
    case 2: return (uint64_t)INT64_MAX;
    case 3: return (uint64_t)INT64_MIN;
    case 4: return rnd64() >> (rnd64() % 64u);
    default: return rnd64();
    }
}

static void rand_def(struct omp_plog_def *def)
{
    memset(def, 0, sizeof *def);
    def->columns = (uint8_t)(rnd64() % (OMP_PLOG_COLUMNS_MAX + 1u));
    def->period_s = rnd64() % 3u == 0u ? 0u : (uint32_t)(rnd64() % (2047u * 60u));
    for (unsigned k = 0; k < def->columns; k++) {
        def->kind[k] = (uint8_t)(rnd64() % 2u);
        def->max_step[k] = rnd64() % 4u == 0u ? pick() : rnd64() >> (rnd64() % 64u);
    }
}

static void rand_entry(const struct omp_plog_def *def, struct omp_plog_entry *e,
                       const struct omp_plog_entry *base)
{
    memset(e, 0, sizeof *e);
    e->t = (int64_t)pick();
    if (base != NULL && rnd64() % 2u) {
        e->t = (int64_t)((uint64_t)base->t + def->period_s);
    }
    e->status = (uint16_t)pick();
    e->quality = (uint32_t)pick();
    for (unsigned k = 0; k < def->columns; k++) {
        uint64_t v = pick();
        if (base != NULL && rnd64() % 2u) { /* within max_step */
            uint64_t d = def->max_step[k] == 0u ? 0u : rnd64() % (def->max_step[k] == UINT64_MAX ? UINT64_MAX : def->max_step[k] + 1u);
            v = (uint64_t)base->v[k] + ((def->kind[k] == OMP_PLOG_SIGNED && rnd64() % 2u) ? -d : d);
        }
        if (def->kind[k] == OMP_PLOG_COUNTER) {
            v &= (uint64_t)INT64_MAX;
            if (base != NULL && (int64_t)v < base->v[k]) {
                v = (uint64_t)base->v[k];
            }
        }
        memcpy(&e->v[k], &v, sizeof v);
    }
}

static void test_round_trip(void **state)
{
    (void)state;
    uint8_t buf[OMP_PLOG_REC_MAX + 16u];
    for (unsigned it = 0; it < 2000000u; it++) {
        struct omp_plog_def def;
        rand_def(&def);
        struct omp_plog_entry base, e, d;
        rand_entry(&def, &base, NULL);
        for (unsigned k = 0; k < def.columns; k++) {
            if (def.kind[k] == OMP_PLOG_COUNTER && base.v[k] < 0) {
                base.v[k] &= INT64_MAX;
            }
        }
        bool full = rnd64() % 4u == 0u;
        rand_entry(&def, &e, full ? NULL : &base);
        uint32_t no = (uint32_t)(rnd64() % UINT32_MAX) + 1u;
        if (no == UINT32_MAX) no--;
        size_t len = omp_plog_priv_encode(&def, &e, full ? no : no + 1u, full ? NULL : &base, buf);
        assert_true(len >= 3u && len <= OMP_PLOG_REC_MAX);
        assert_int_equal(omp_plog_priv_len(&def, buf[0]), len);
        assert_true(omp_plog_priv_short(buf) || buf[0] == len);
        assert_true(omp_plog_priv_crc_ok(buf, len));
        uint32_t got = 0;
        assert_int_equal(omp_plog_priv_decode(&def, NULL, buf, full ? NULL : &base, no, &d, &got),
                         OMP_PLOG_DEC_OK);
        assert_int_equal(got, full ? no : no + 1u);
        assert_memory_equal(&d, &e, sizeof e);
        bool within = true, allzero = true;
        for (unsigned k = 0; k < def.columns; k++) {
            allzero = allzero && def.max_step[k] == 0u;
        }
        within = !allzero;
        for (unsigned k = 0; !full && k < def.columns; k++) {
            uint64_t dd = (uint64_t)e.v[k] - (uint64_t)base.v[k];
            uint64_t a = def.kind[k] == OMP_PLOG_COUNTER ? dd : ((int64_t)dd < 0 ? -dd : dd);
            within = within && a <= def.max_step[k];
        }
        bool flagless = e.t == (int64_t)((uint64_t)base.t + def.period_s) && e.status == 0u &&
                        e.quality == 0u;
        if (!full && flagless && within) { /* plain, within steps: short unless longer */
            assert_true(len <= omp_plog_priv_len(&def, OMP_PLOG_SHORT));
        }
        if (!full && within && (omp_plog_priv_short(buf) ||
                                (buf[1] & ~OMP_PLOG_F_PACKED) == 0u)) { /* plain, within steps */
            if (len > omp_plog_priv_worst(&def, false)) {
                printf("len %zu worst %u cols %u period %u\n", len, omp_plog_priv_worst(&def, false), def.columns, def.period_s);
                for (unsigned k = 0; k < def.columns; k++) printf(" k%u kind %u step %llu d %lld\n", k, def.kind[k], (unsigned long long)def.max_step[k], (long long)((uint64_t)e.v[k] - (uint64_t)base.v[k]));
            }
            assert_true(len <= omp_plog_priv_worst(&def, false));
        }
        if (full) {
            assert_true(len <= omp_plog_priv_worst(&def, true));
        }
    }
}

/* Random bytes with a good CRC: decode must not read beyond L nor crash. */
static void test_adversarial(void **state)
{
    (void)state;
    for (unsigned it = 0; it < 2000000u; it++) {
        struct omp_plog_def def;
        rand_def(&def);
        uint8_t len = (uint8_t)(4u + rnd64() % (OMP_PLOG_REC_MAX - 3u));
        uint8_t *p = test_malloc(len); /* cmocka checks writes past; ASan checks reads */
        p[0] = len;
        for (unsigned k = 1; k + 2u < len; k++) {
            p[k] = (uint8_t)rnd64();
            if (k > 1u && rnd64() % 3u == 0u) p[k] |= 0x80u;
        }
        p[1] &= (uint8_t)(rnd64() % 2u ? 0x1Fu : 0xFFu);
        if (rnd64() % 4u == 0u) { /* a short entry: its length is the definition's */
            test_free(p);
            uint8_t b0 = (uint8_t)(OMP_PLOG_SHORT | (rnd64() & 0x0Fu));
            len = (uint8_t)omp_plog_priv_len(&def, b0);
            p = test_malloc(len);
            p[0] = b0;
            for (unsigned k = 1; k + 2u < len; k++) {
                p[k] = rnd64() % 2u ? (uint8_t)rnd64() : 0u;
            }
        }
        uint16_t crc = omp_crc16_x25(p, len - 2u);
        p[len - 2u] = (uint8_t)crc;
        p[len - 1u] = (uint8_t)(crc >> 8);
        assert_true(omp_plog_priv_crc_ok(p, len));
        struct omp_plog_entry base, e;
        rand_entry(&def, &base, NULL);
        uint32_t no;
        (void)omp_plog_priv_decode(&def, NULL, p, rnd64() % 2u ? &base : NULL, (uint32_t)rnd64(), &e,
                                   &no);
        test_free(p);
    }
}

/* A short entry, bytes computed by hand (docs/storage.md "Packed log"): 4 counters of at most
 * 1917 (11 bits each, 44 in all), growth 1, 2, 3, 1917 on the period. The fields LSB first are
 * bits 0, 12, 22, 23, 33, 35-39, 41-43; the first 4 go to the first byte's low nibble (0xE1 with
 * the marker), bit i >= 4 to bit i + 4 of the entry: E1 00 01 0C A0 EF, then the CRC-16/X.25 of
 * those 6 bytes, 0x78A9 (Python: the reflected 0x8408 loop, init and xorout 0xFFFF, whose check
 * value for "123456789" is 0x906E), little-endian. 8 bytes: one unit of 8 where the long form
 * (length, flags, 6 bytes packed, CRC) took 10, two units. */
static void test_short_bytes(void **state)
{
    (void)state;
    struct omp_plog_def def;
    memset(&def, 0, sizeof def);
    def.columns = 4;
    def.period_s = 300;
    for (unsigned k = 0; k < 4u; k++) {
        def.max_step[k] = 1917u;
    }
    struct omp_plog_entry base = {1798761600, 0, 0, {100, 200, 300, 400}}, e = base, d;
    e.t += 300;
    e.v[0] += 1;
    e.v[1] += 2;
    e.v[2] += 3;
    e.v[3] += 1917;
    static const uint8_t want[8] = {0xE1, 0x00, 0x01, 0x0C, 0xA0, 0xEF, 0xA9, 0x78};
    uint8_t buf[OMP_PLOG_REC_MAX + 16u];
    assert_int_equal(omp_plog_priv_encode(&def, &e, 8u, &base, buf), sizeof want);
    assert_memory_equal(buf, want, sizeof want);
    assert_int_equal(omp_plog_priv_len(&def, 0xE1u), 8u);
    assert_int_equal(omp_plog_priv_worst(&def, false), 8u);
    uint32_t no = 0;
    assert_int_equal(omp_plog_priv_decode(&def, NULL, want, &base, 7u, &d, &no), OMP_PLOG_DEC_OK);
    assert_int_equal(no, 8u);
    assert_memory_equal(&d, &e, sizeof e);
    assert_int_equal(omp_plog_priv_decode(&def, NULL, want, NULL, 7u, &d, &no), OMP_PLOG_DEC_NOBASE);
    uint8_t bad[8];
    memcpy(bad, want, sizeof bad);
    bad[5] = 0x6Fu; /* logical bit 43 cleared: 1917 - 1024 */
    assert_int_equal(omp_plog_priv_decode(&def, NULL, bad, &base, 7u, &d, &no), OMP_PLOG_DEC_OK);
    assert_int_equal(d.v[3], 400 + 1917 - 1024);
    def.max_step[3] = 1023u; /* 10 bits: 43 in all, the entry's last bit must be zero */
    assert_int_equal(omp_plog_priv_len(&def, 0xE1u), 8u);
    assert_int_equal(omp_plog_priv_decode(&def, NULL, want, &base, 7u, &d, &no), OMP_PLOG_DEC_BAD);
    /* a growth beyond max_step does not fit: the long form, L first */
    assert_true(omp_plog_priv_encode(&def, &e, 8u, &base, buf) > 8u);
    assert_false(omp_plog_priv_short(buf));
    assert_int_equal(buf[0], omp_plog_priv_len(&def, buf[0]));
    /* what no entry starts with */
    assert_int_equal(omp_plog_priv_len(&def, 0xF0u), 0u);
    assert_int_equal(omp_plog_priv_len(&def, 0xFFu), 0u);
    assert_int_equal(omp_plog_priv_len(&def, 0xE0u - 1u), OMP_PLOG_REC_MAX);
    assert_int_equal(omp_plog_priv_len(&def, 3u), 0u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_short_bytes),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_adversarial),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Tests of lib/storage: the journaled key/value store and the ring log over the RAM NVM fake.
 *
 * Geometries: A = 4 x 256 B, program unit 1, erase 0xFF; B = 8 x 4096 B, unit 8, erase 0xFF;
 * C = 3 x 512 B, unit 16, erase 0x00 (the RAM fake then programs by setting bits). A thin wrapper
 * over the fake tears erases by hand (an erase interrupted by a power cut leaves part of the
 * sector erased and part as it was).
 *
 * Expected sizes, worked out from docs/storage.md: a record is 12 header + payload + 4 CRC bytes
 * rounded up to the program unit; a sector gives 16 bytes to its header and keeps one empty
 * record (the compaction marker: 16 bytes for units 1..16) free, so on geometry A a record may
 * take 256 - 16 - 16 = 224 bytes, i.e. 208 payload bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/hal_fakes.h"
#include "omnipower/storage.h"

#define MEM_MAX (8u * 4096u)
#define NSEC_MAX 8u

/* ---- NVM rig ------------------------------------------------------------------------------------ */

struct rig {
    struct omp_nvm_geometry geo; /* what the library sees */
    struct omp_ram_nvm nvm;
    uint32_t erase_cut;     /* tear the erase with this number (1-based since armed); 0 = off */
    uint32_t erase_pattern; /* which part of the sector a torn erase reaches */
    uint32_t erases_seen;
    struct omp_hal hal;
    uint32_t ec[NSEC_MAX];
    uint8_t mem[MEM_MAX];
};

static struct rig *rig_of(void *u)
{
    return (struct rig *)u;
}

static omp_err r_geometry(void *u, struct omp_nvm_geometry *g)
{
    return omp_ram_nvm_geometry(&rig_of(u)->nvm, g);
}

static omp_err r_read(void *u, uint32_t addr, void *dst, size_t len)
{
    return omp_ram_nvm_read(&rig_of(u)->nvm, addr, dst, len);
}

static omp_err r_program(void *u, uint32_t addr, const void *src, size_t len)
{
    return omp_ram_nvm_program(&rig_of(u)->nvm, addr, src, len);
}

static omp_err r_erase(void *u, uint32_t addr)
{
    struct rig *r = rig_of(u);
    if (r->nvm.powered && r->erase_cut != 0u && ++r->erases_seen == r->erase_cut) {
        uint32_t ss = r->geo.sector_size;
        uint8_t *p = r->mem + addr / ss * ss;
        for (uint32_t i = 0; i < ss; i++) {
            bool hit = false;
            switch (r->erase_pattern % 5u) {
            case 0: hit = i < ss / 2u; break;         /* first half */
            case 1: hit = i >= ss / 2u; break;        /* second half */
            case 2: hit = i < 16u; break;             /* only the sector header */
            case 3: hit = i >= 16u; break;            /* all but the header */
            default: hit = (i / 8u) % 2u == 0u; break; /* stripes */
            }
            if (hit) {
                p[i] = r->geo.erase_value;
            }
        }
        r->erase_cut = 0;
        r->nvm.powered = false;
        return OMP_ERR_POWER_LOST;
    }
    return omp_ram_nvm_erase(&r->nvm, addr);
}

static const struct omp_hal_ops k_rig_ops = {
    .nvm_geometry = r_geometry, .nvm_read = r_read, .nvm_program = r_program,
    .nvm_erase = r_erase,
};

static void rig_init(struct rig *r, uint32_t nsec, uint32_t ss, uint32_t pu, uint8_t ev)
{
    memset(r, 0, sizeof *r);
    struct omp_nvm_geometry g = { nsec * ss, ss, pu, ev, 100000u };
    assert_true(g.size <= MEM_MAX);
    assert_int_equal(omp_ram_nvm_init(&r->nvm, r->mem, &g, r->ec), OMP_OK);
    omp_ram_nvm_format(&r->nvm);
    r->geo = g;
    r->hal.ops = &k_rig_ops;
    r->hal.user = r;
}

/* Replace the NVM content with @p img (counters restart, no cut armed). */
static void rig_load(struct rig *r, const uint8_t *img)
{
    memcpy(r->mem, img, r->nvm.geo.size);
    struct omp_nvm_geometry g = r->nvm.geo;
    assert_int_equal(omp_ram_nvm_init(&r->nvm, r->mem, &g, r->ec), OMP_OK);
    r->erase_cut = 0;
    r->erases_seen = 0;
}

static struct rig g_rig, g_rig2;
static uint8_t g_img[MEM_MAX];

/* ---- store model --------------------------------------------------------------------------------- */

#define KEYS 5u
#define VAL_MAX 1024u

struct model {
    bool has[KEYS + 1u];
    size_t len[KEYS + 1u];
    uint8_t val[KEYS + 1u][VAL_MAX];
};

static void make_value(uint8_t *dst, size_t len, uint16_t key, uint32_t step)
{
    for (size_t i = 0; i < len; i++) {
        dst[i] = (uint8_t)(key * 31u + step * 7u + i * 13u);
    }
}

static void expect_key(const struct omp_store *s, const struct model *m, uint16_t key)
{
    static uint8_t buf[VAL_MAX];
    size_t len = 0;
    omp_err err = omp_store_read(s, key, buf, sizeof buf, &len);
    if (!m->has[key]) {
        assert_int_equal(err, OMP_ERR_NOT_FOUND);
        return;
    }
    assert_int_equal(err, OMP_OK);
    assert_int_equal(len, m->len[key]);
    assert_memory_equal(buf, m->val[key], len);
}

static void expect_all(const struct omp_store *s, const struct model *m)
{
    for (uint16_t k = 1; k <= KEYS; k++) {
        expect_key(s, m, k);
    }
}

static void model_set(struct model *m, uint16_t key, const uint8_t *v, size_t len)
{
    m->has[key] = true;
    m->len[key] = len;
    memcpy(m->val[key], v, len);
}

/* ---- store: basics ------------------------------------------------------------------------------- */

static void test_store_sizes(void **state)
{
    (void)state;
    struct omp_nvm_geometry a = { 1024u, 256u, 1u, 0xFFu, 100000u };
    struct omp_nvm_geometry b = { 32768u, 4096u, 8u, 0xFFu, 100000u };
    struct omp_nvm_geometry c = { 1536u, 512u, 16u, 0x00u, 100000u };
    assert_int_equal(omp_store_record_size(&a, 0), 16u);
    assert_int_equal(omp_store_record_size(&a, 5), 21u);
    assert_int_equal(omp_store_record_size(&b, 5), 24u);
    assert_int_equal(omp_store_record_size(&c, 5), 32u);
    assert_int_equal(omp_store_record_size(&c, 16), 32u);
    assert_int_equal(omp_store_record_size(&c, 17), 48u);
}

static void test_store_args(void **state)
{
    (void)state;
    struct rig *r = &g_rig;
    rig_init(r, 4, 256, 1, 0xFF);
    struct omp_store s;
    uint8_t buf[8] = { 0 };
    size_t len;
    assert_int_equal(omp_store_open(NULL, &r->hal, 0, 4), OMP_ERR_ARG);
    assert_int_equal(omp_store_open(&s, NULL, 0, 4), OMP_ERR_ARG);
    assert_int_equal(omp_store_open(&s, &r->hal, 0, 1), OMP_ERR_ARG);
    assert_int_equal(omp_store_open(&s, &r->hal, 128, 2), OMP_ERR_ARG);
    assert_int_equal(omp_store_open(&s, &r->hal, 256, 4), OMP_ERR_ARG);
    assert_int_equal(omp_store_open(&s, &r->hal, 0, 5), OMP_ERR_ARG);
    assert_int_equal(omp_store_open(&s, &r->hal, 256, 3), OMP_OK);
    /* the same through a region (the meter hands each container its share) */
    struct omp_nvm_region rg = omp_nvm_region_of(&r->hal, 256, 3);
    assert_ptr_equal(rg.ops, r->hal.ops);
    assert_int_equal(rg.base, 256u);
    assert_int_equal(rg.sectors, 3u);
    assert_int_equal(omp_store_open_region(&s, &rg), OMP_OK);
    assert_int_equal(s.rgn.base, 256u);
    rg = omp_nvm_region_of(NULL, 0, 4); /* no ops */
    assert_int_equal(omp_store_open_region(&s, &rg), OMP_ERR_ARG);
    assert_int_equal(omp_store_open_region(&s, NULL), OMP_ERR_ARG);
    struct omp_nvm_log lg;
    assert_int_equal(omp_nvm_log_open_region(&lg, &rg, 0x4231u, 16u), OMP_ERR_ARG);
    rg = omp_nvm_region_of(&r->hal, 256, 3);
    assert_int_equal(omp_store_open_region(&s, &rg), OMP_OK);

    assert_int_equal(omp_store_write(NULL, 1, buf, 1), OMP_ERR_ARG);
    assert_int_equal(omp_store_write(&s, 0, buf, 1), OMP_ERR_ARG);
    assert_int_equal(omp_store_write(&s, 0xFFFF, buf, 1), OMP_ERR_ARG);
    assert_int_equal(omp_store_write(&s, 1, NULL, 1), OMP_ERR_ARG);
    assert_int_equal(omp_store_write(&s, 1, NULL, 0), OMP_OK);
    assert_int_equal(omp_store_write(&s, 1, buf, OMP_CONFIG_STORE_RECORD_MAX + 1u), OMP_ERR_ARG);
    static uint8_t big[209];
    assert_int_equal(omp_store_write(&s, 1, big, 209), OMP_ERR_ARG); /* 225 > 224 */
    assert_int_equal(omp_store_write(&s, 1, big, 208), OMP_OK);
    assert_int_equal(omp_store_read(NULL, 1, buf, sizeof buf, &len), OMP_ERR_ARG);
    assert_int_equal(omp_store_read(&s, 1, NULL, 8, &len), OMP_ERR_ARG);
    assert_int_equal(omp_store_read(&s, 0, buf, sizeof buf, &len), OMP_ERR_ARG);

    /* sectors under 256 bytes are refused */
    rig_init(r, 8, 128, 1, 0xFF);
    assert_int_equal(omp_store_open(&s, &r->hal, 0, 8), OMP_ERR_ARG);
}

static void test_store_round_trip(void **state)
{
    (void)state;
    const uint32_t geos[3][4] = { { 4, 256, 1, 0xFF }, { 8, 4096, 8, 0xFF }, { 3, 512, 16, 0 } };
    for (size_t g = 0; g < 3; g++) {
        struct rig *r = &g_rig;
        rig_init(r, geos[g][0], geos[g][1], geos[g][2], (uint8_t)geos[g][3]);
        struct omp_store s;
        assert_int_equal(omp_store_open(&s, &r->hal, 0, geos[g][0]), OMP_OK);
        assert_int_equal(s.stats.scan_bad, 0u);
        /* largest payload: sector - 16 header - 16 marker - 16 record overhead, rounded down */
        size_t max = g == 1 ? OMP_CONFIG_STORE_RECORD_MAX : (g == 0 ? 208u : 480u - 16u);
        static struct model m;
        memset(&m, 0, sizeof m);
        const size_t lens[KEYS + 1u] = { 0, 0, 1, 17, 64, 0 };
        uint8_t v[VAL_MAX];
        for (uint16_t k = 1; k <= KEYS; k++) {
            size_t len = k == KEYS ? max : lens[k];
            make_value(v, len, k, 0);
            assert_int_equal(omp_store_write(&s, k, v, len), OMP_OK);
            model_set(&m, k, v, len);
        }
        expect_all(&s, &m);
        /* overwrite, then read back, also after a reopen */
        make_value(v, 9, 3, 1);
        assert_int_equal(omp_store_write(&s, 3, v, 9), OMP_OK);
        model_set(&m, 3, v, 9);
        expect_all(&s, &m);
        assert_int_equal(omp_store_open(&s, &r->hal, 0, geos[g][0]), OMP_OK);
        assert_int_equal(s.stats.scan_bad, 0u);
        expect_all(&s, &m);

        uint8_t buf[VAL_MAX];
        size_t len = 12345;
        assert_int_equal(omp_store_read(&s, 77, buf, sizeof buf, &len), OMP_ERR_NOT_FOUND);
        /* cap too small: nothing copied */
        memset(buf, 0xEE, sizeof buf);
        assert_int_equal(omp_store_read(&s, 4, buf, 63, &len), OMP_ERR_NOSPACE);
        for (size_t i = 0; i < sizeof buf; i++) {
            assert_int_equal(buf[i], 0xEE);
        }
        assert_int_equal(omp_store_read(&s, 1, NULL, 0, &len), OMP_OK);
        assert_int_equal(len, 0u);
    }
}

static void test_store_full(void **state)
{
    (void)state;
    struct rig *r = &g_rig;
    rig_init(r, 4, 256, 1, 0xFF);
    struct omp_store s;
    assert_int_equal(omp_store_open(&s, &r->hal, 0, 4), OMP_OK);
    static struct model m;
    memset(&m, 0, sizeof m);
    uint8_t v[208];
    /* two 224-byte records and their updates fit 3 usable sectors of 224 bytes each */
    for (uint32_t i = 0; i < 60; i++) {
        uint16_t k = (uint16_t)(1u + i % 2u);
        make_value(v, sizeof v, k, i);
        assert_int_equal(omp_store_write(&s, k, v, sizeof v), OMP_OK);
        model_set(&m, k, v, sizeof v);
        expect_all(&s, &m);
    }
    /* a third one too (live 672 = 3 x 224) ... */
    make_value(v, sizeof v, 3, 0);
    assert_int_equal(omp_store_write(&s, 3, v, sizeof v), OMP_OK);
    model_set(&m, 3, v, sizeof v);
    /* ... but no update of it (old and new version together need 896) and no fourth key */
    make_value(v, sizeof v, 3, 1);
    assert_int_equal(omp_store_write(&s, 3, v, sizeof v), OMP_ERR_NVM_FULL);
    assert_int_equal(omp_store_write(&s, 4, v, 1), OMP_ERR_NVM_FULL);
    expect_all(&s, &m);
    assert_int_equal(omp_store_open(&s, &r->hal, 0, 4), OMP_OK);
    expect_all(&s, &m);

    /* the index holds OMP_CONFIG_STORE_KEYS keys */
    rig_init(r, 4, 256, 1, 0xFF);
    assert_int_equal(omp_store_open(&s, &r->hal, 0, 4), OMP_OK);
    for (uint16_t k = 1; k <= OMP_CONFIG_STORE_KEYS; k++) {
        assert_int_equal(omp_store_write(&s, k, &k, sizeof k), OMP_OK);
    }
    uint16_t k = 100;
    assert_int_equal(omp_store_write(&s, k, &k, sizeof k), OMP_ERR_NVM_FULL);
    assert_int_equal(omp_store_write(&s, 1, &k, sizeof k), OMP_OK);
}

/* Hot and cold keys over many laps of the ring: values stay newest, wear stays even. */
static void wear_run(uint32_t nsec, uint32_t ss, uint32_t pu, uint8_t ev, uint32_t writes)
{
    struct rig *r = &g_rig;
    rig_init(r, nsec, ss, pu, ev);
    struct omp_store s;
    assert_int_equal(omp_store_open(&s, &r->hal, 0, nsec), OMP_OK);
    static struct model m;
    memset(&m, 0, sizeof m);
    uint8_t v[VAL_MAX];
    for (uint16_t k = 1; k <= 3; k++) { /* cold */
        make_value(v, 20u * k, k, 0);
        assert_int_equal(omp_store_write(&s, k, v, 20u * k), OMP_OK);
        model_set(&m, k, v, 20u * k);
    }
    for (uint32_t i = 1; i <= writes; i++) { /* hot */
        uint16_t k = (uint16_t)(4u + i % 2u);
        size_t len = (i * 7u) % 90u;
        make_value(v, len, k, i);
        assert_int_equal(omp_store_write(&s, k, v, len), OMP_OK);
        model_set(&m, k, v, len);
        if (i % 97u == 0u) {
            expect_all(&s, &m);
        }
    }
    expect_all(&s, &m);
    uint32_t lo = UINT32_MAX, hi = 0;
    for (uint32_t i = 0; i < nsec; i++) {
        lo = r->ec[i] < lo ? r->ec[i] : lo;
        hi = r->ec[i] > hi ? r->ec[i] : hi;
    }
    assert_true(lo >= 3u); /* several laps */
    assert_true(hi - lo <= 2u);
    assert_int_equal(omp_store_open(&s, &r->hal, 0, nsec), OMP_OK);
    assert_int_equal(s.stats.scan_bad, 0u);
    assert_true(s.stats.max_sector_erases >= lo / 2u);
    expect_all(&s, &m);
    /* the scan reads the region about once: ~ one read per 32 bytes plus three per record */
    assert_true(s.stats.scan_reads <= 2u * nsec + nsec * ss / 32u + 3u * nsec * ss / 16u);
}

static void test_store_wear(void **state)
{
    (void)state;
    wear_run(4, 256, 1, 0xFF, 3000);
    wear_run(8, 4096, 8, 0xFF, 3000);
    wear_run(3, 512, 16, 0x00, 2000);
}

/* ---- store: power-cut torture --------------------------------------------------------------------- */

struct script {
    uint32_t nsec, ss, pu;
    uint8_t ev;
    uint32_t steps;
    size_t lens[KEYS + 1u];
};

static uint16_t step_key(uint32_t i)
{
    return (uint16_t)((i % 5u == 4u) ? 1u + (i / 5u) % 3u : 4u + i % 2u);
}

static size_t step_len(const struct script *sc, uint32_t i)
{
    size_t len = sc->lens[step_key(i)];
    return len > i % 3u ? len - i % 3u : len;
}

static omp_err run_steps(struct omp_store *s, const struct script *sc, struct model *m,
                         uint32_t from, uint32_t *stopped)
{
    uint8_t v[VAL_MAX];
    for (uint32_t i = from; i < sc->steps; i++) {
        uint16_t k = step_key(i);
        size_t len = step_len(sc, i);
        make_value(v, len, k, i + 1u);
        omp_err err = omp_store_write(s, k, v, len);
        if (err != OMP_OK) {
            *stopped = i;
            return err;
        }
        model_set(m, k, v, len);
    }
    *stopped = sc->steps;
    return OMP_OK;
}

/* After a cut in step @p i: every key holds its old value, except the key of step i (old or new). */
static void check_after_cut(const struct omp_store *s, const struct script *sc, struct model *m,
                            uint32_t i)
{
    uint16_t ki = step_key(i);
    for (uint16_t k = 1; k <= KEYS; k++) {
        if (k != ki) {
            expect_key(s, m, k);
            continue;
        }
        static uint8_t buf[VAL_MAX];
        uint8_t nv[VAL_MAX];
        size_t len = 0, nlen = step_len(sc, i);
        make_value(nv, nlen, k, i + 1u);
        assert_int_equal(omp_store_read(s, k, buf, sizeof buf, &len), OMP_OK);
        bool is_old = len == m->len[k] && memcmp(buf, m->val[k], len) == 0;
        bool is_new = len == nlen && memcmp(buf, nv, len) == 0;
        assert_true(is_old || is_new);
        if (is_new) {
            model_set(m, k, nv, nlen);
        }
    }
}

static void reopen_after_cut(struct rig *r, struct omp_store *s, uint32_t nsec, uint32_t pattern)
{
    omp_ram_nvm_power_on(&r->nvm);
    /* tear the first erase the repair makes, too */
    r->erase_cut = 1;
    r->erases_seen = 0;
    r->erase_pattern = pattern;
    omp_err err = omp_store_open(s, &r->hal, 0, nsec);
    if (err == OMP_ERR_POWER_LOST) {
        omp_ram_nvm_power_on(&r->nvm);
        err = omp_store_open(s, &r->hal, 0, nsec);
    }
    r->erase_cut = 0;
    assert_int_equal(err, OMP_OK);
}

static uint64_t store_torture(const struct script *sc, uint32_t stride)
{
    struct rig *r = &g_rig;
    struct omp_store s;
    static struct model m0, m;
    memset(&m0, 0, sizeof m0);
    rig_init(r, sc->nsec, sc->ss, sc->pu, sc->ev);
    assert_int_equal(omp_store_open(&s, &r->hal, 0, sc->nsec), OMP_OK);
    uint8_t v[VAL_MAX];
    for (uint16_t k = 1; k <= KEYS; k++) {
        make_value(v, sc->lens[k], k, 0);
        assert_int_equal(omp_store_write(&s, k, v, sc->lens[k]), OMP_OK);
        model_set(&m0, k, v, sc->lens[k]);
    }
    memcpy(g_img, r->mem, r->nvm.geo.size);

    /* dry run: bytes programmed and erases of the whole script, and its final values */
    static struct model final;
    final = m0;
    rig_load(r, g_img);
    assert_int_equal(omp_store_open(&s, &r->hal, 0, sc->nsec), OMP_OK);
    uint32_t stop;
    assert_int_equal(run_steps(&s, sc, &final, 0, &stop), OMP_OK);
    uint64_t total = r->nvm.programmed_bytes;
    uint64_t erases = r->nvm.erase_calls;
    assert_true(erases >= 3u); /* several compactions */

    /* every stride-th programmed byte, then every erase torn in each of 5 ways */
    uint64_t nbyte = (total + stride - 1u) / stride;
    uint64_t points = 0;
    for (uint64_t p = 0; p < nbyte + erases * 5u; p++) {
        rig_load(r, g_img);
        assert_int_equal(omp_store_open(&s, &r->hal, 0, sc->nsec), OMP_OK);
        m = m0;
        if (p < nbyte) {
            omp_ram_nvm_cut_after(&r->nvm, 1u + p * stride);
        } else {
            r->erase_cut = (uint32_t)((p - nbyte) / 5u) + 1u;
            r->erase_pattern = (uint32_t)((p - nbyte) % 5u);
        }
        assert_int_equal(run_steps(&s, sc, &m, 0, &stop), OMP_ERR_POWER_LOST);
        reopen_after_cut(r, &s, sc->nsec, (uint32_t)p);
        check_after_cut(&s, sc, &m, stop);
        /* carry on from the interrupted step: the end state is the dry run's */
        assert_int_equal(run_steps(&s, sc, &m, stop, &stop), OMP_OK);
        expect_all(&s, &final);
        assert_int_equal(omp_store_open(&s, &r->hal, 0, sc->nsec), OMP_OK);
        expect_all(&s, &final);
        points++;
    }
    print_message("store %ux%u unit %u: %llu byte cuts, %llu erases torn 5 ways\n", sc->nsec,
                  sc->ss, sc->pu, (unsigned long long)nbyte, (unsigned long long)erases);
    return points;
}

static uint64_t g_points_store, g_points_log;

static void test_store_power_cut(void **state)
{
    (void)state;
    const struct script a = { 4, 256, 1, 0xFF, 40, { 0, 0, 13, 60, 30, 95 } };
    const struct script c = { 3, 512, 16, 0x00, 40, { 0, 1, 13, 60, 30, 95 } };
    const struct script b = { 8, 4096, 8, 0xFF, 150, { 0, 3, 13, 300, 30, 1000 } };
    g_points_store += store_torture(&a, 1);
    g_points_store += store_torture(&c, 1);
    g_points_store += store_torture(&b, 61);
    print_message("store: %llu cut points\n", (unsigned long long)g_points_store);
}

/* ---- store: flipped bits -------------------------------------------------------------------------- */

static void test_store_bit_flips(void **state)
{
    (void)state;
    struct rig *r = &g_rig;
    rig_init(r, 4, 256, 1, 0xFF);
    struct omp_store s;
    assert_int_equal(omp_store_open(&s, &r->hal, 0, 4), OMP_OK);
    uint8_t v1[10], v2[10], w[20];
    make_value(v1, sizeof v1, 1, 1);
    make_value(v2, sizeof v2, 1, 2);
    make_value(w, sizeof w, 2, 1);
    assert_int_equal(omp_store_write(&s, 1, v1, sizeof v1), OMP_OK); /* at 32 (behind header and marker), 26 bytes */
    assert_int_equal(omp_store_write(&s, 1, v2, sizeof v2), OMP_OK); /* at 58 */
    assert_int_equal(omp_store_write(&s, 2, w, sizeof w), OMP_OK);   /* at 84, 36 bytes */
    memcpy(g_img, r->mem, 1024);
    uint32_t base = s.head * 256u;
    static struct model m;
    memset(&m, 0, sizeof m);

    /* payload bit of the newest key-1 record: the older version is returned */
    r->mem[base + 58u + 12u + 3u] ^= 0x10u;
    assert_int_equal(omp_store_open(&s, &r->hal, 0, 4), OMP_OK);
    assert_int_equal(s.stats.scan_bad, 1u);
    model_set(&m, 1, v1, sizeof v1);
    model_set(&m, 2, w, sizeof w);
    expect_all(&s, &m);
    /* writing goes on behind the bad record */
    assert_int_equal(omp_store_write(&s, 1, v2, sizeof v2), OMP_OK);
    model_set(&m, 1, v2, sizeof v2);
    assert_int_equal(omp_store_open(&s, &r->hal, 0, 4), OMP_OK);
    expect_all(&s, &m);

    /* CRC bit of key 2's only record: key 2 is gone, key 1 is fine */
    rig_load(r, g_img);
    r->mem[base + 84u + 12u + 20u + 1u] ^= 0x01u;
    assert_int_equal(omp_store_open(&s, &r->hal, 0, 4), OMP_OK);
    assert_int_equal(s.stats.scan_bad, 1u);
    m.has[2] = false;
    expect_all(&s, &m);

    /* header bit of the newest key-1 record: the scan of that sector stops there, so key 2
       behind it is lost to it; data behind a bad header is no power cut's doing: damaged, read
       only, nothing written until the store is formatted */
    rig_load(r, g_img);
    r->mem[base + 58u + 4u] ^= 0x02u;
    static uint8_t damaged_img[1024];
    memcpy(damaged_img, r->mem, sizeof damaged_img);
    assert_int_equal(omp_store_open(&s, &r->hal, 0, 4), OMP_ERR_NVM_CORRUPT);
    assert_int_equal(s.stats.scan_bad, 1u);
    assert_int_equal(s.stats.damaged, 1u);
    model_set(&m, 1, v1, sizeof v1);
    expect_all(&s, &m);
    assert_int_equal(omp_store_write(&s, 2, v2, sizeof v2), OMP_ERR_NVM_CORRUPT);
    assert_false(s.stale);
    assert_memory_equal(r->mem, damaged_img, sizeof damaged_img);
    assert_int_equal(r->nvm.erase_calls, 0u);
    /* formatting is the explicit way out: empty, writable */
    assert_int_equal(omp_store_format(&s), OMP_OK);
    assert_int_equal(s.stats.damaged, 0u);
    memset(&m, 0, sizeof m);
    expect_all(&s, &m);
    assert_int_equal(omp_store_write(&s, 2, v2, sizeof v2), OMP_OK);
    model_set(&m, 2, v2, sizeof v2);
    assert_int_equal(omp_store_open(&s, &r->hal, 0, 4), OMP_OK);
    expect_all(&s, &m);
    model_set(&m, 1, v1, sizeof v1);
    model_set(&m, 2, w, sizeof w);

    /* a bit flipped after open: the read notices */
    rig_load(r, g_img);
    assert_int_equal(omp_store_open(&s, &r->hal, 0, 4), OMP_OK);
    r->mem[base + 84u + 12u] ^= 0x80u;
    uint8_t buf[32];
    size_t len;
    assert_int_equal(omp_store_read(&s, 2, buf, sizeof buf, &len), OMP_ERR_NVM_CORRUPT);

    /* a bad sector header of the only sector in use: its records are not used, and it is not
       erased (damaged, not blank) */
    rig_load(r, g_img);
    r->mem[base + 9u] ^= 0x01u;
    memcpy(damaged_img, r->mem, sizeof damaged_img);
    assert_int_equal(omp_store_open(&s, &r->hal, 0, 4), OMP_ERR_NVM_CORRUPT);
    assert_int_equal(s.stats.damaged, 1u);
    assert_int_equal(omp_store_read(&s, 2, buf, sizeof buf, &len), OMP_ERR_NOT_FOUND);
    assert_memory_equal(r->mem, damaged_img, sizeof damaged_img);
}

/* Regions this store did not write: random bytes, all zero, another store's or a log's sectors,
 * a store of another size. Each is damaged (nothing written, nothing read) until formatted. */
static void test_store_foreign_region(void **state)
{
    (void)state;
    struct rig *r = &g_rig;
    rig_init(r, 4, 256, 1, 0xFF);
    for (uint32_t i = 0; i < 1024u; i++) {
        r->mem[i] = (uint8_t)(i * 37u + 5u);
    }
    static uint8_t img[1024];
    memcpy(img, r->mem, sizeof img);
    struct omp_store s;
    assert_int_equal(omp_store_open(&s, &r->hal, 0, 4), OMP_ERR_NVM_CORRUPT);
    assert_int_equal(s.stats.scan_bad, 4u); /* four foreign sector headers */
    assert_int_equal(s.stats.damaged, 4u);
    static struct model m;
    memset(&m, 0, sizeof m);
    expect_all(&s, &m);
    uint8_t v[50];
    make_value(v, sizeof v, 1u, 0u);
    assert_int_equal(omp_store_write(&s, 1u, v, sizeof v), OMP_ERR_NVM_CORRUPT);
    assert_memory_equal(r->mem, img, sizeof img);
    /* all zero: not erased (erase value 0xFF), so not new either */
    memset(r->mem, 0, 1024u);
    assert_int_equal(omp_store_open(&s, &r->hal, 0, 4), OMP_ERR_NVM_CORRUPT);
    assert_int_equal(s.stats.damaged, 4u);
    assert_int_equal(omp_store_format(&s), OMP_OK);
    for (uint32_t i = 0; i < 40; i++) {
        uint16_t k = (uint16_t)(1u + i % 3u);
        make_value(v, sizeof v, k, i);
        assert_int_equal(omp_store_write(&s, k, v, sizeof v), OMP_OK);
        model_set(&m, k, v, sizeof v);
    }
    assert_int_equal(omp_store_open(&s, &r->hal, 0, 4), OMP_OK);
    assert_int_equal(s.stats.scan_bad, 0u);
    expect_all(&s, &m);
    memcpy(img, r->mem, sizeof img);
    /* another owner's store, a store of three sectors, a log: each finds foreign sectors */
    struct omp_nvm_region rg = omp_nvm_region_of(&r->hal, 0, 4);
    assert_int_equal(omp_store_open_tagged(&s, &rg, 0x5354u, false), OMP_ERR_NVM_CORRUPT);
    assert_true(s.stats.damaged >= 3u);
    assert_int_equal(omp_store_open(&s, &r->hal, 0, 3), OMP_ERR_NVM_CORRUPT);
    struct omp_nvm_log l;
    assert_int_equal(omp_nvm_log_open(&l, &r->hal, 0, 4, 7, 8), OMP_ERR_NVM_CORRUPT);
    assert_int_equal(l.count, 0u);
    assert_memory_equal(r->mem, img, sizeof img);
    assert_int_equal(omp_store_open(&s, &r->hal, 0, 4), OMP_OK);
    expect_all(&s, &m);
}

/* ---- log ------------------------------------------------------------------------------------------ */

static void make_entry(uint8_t *dst, size_t len, uint32_t seq)
{
    for (size_t i = 0; i < len; i++) {
        dst[i] = (uint8_t)(seq * 11u + i * 3u + 1u);
    }
}

/* Every entry the log counts reads back with its sequence number and content. */
static void expect_log(const struct omp_nvm_log *l)
{
    uint8_t buf[256], want[256];
    assert_true(l->count <= l->next_seq);
    assert_int_equal(l->first_seq, l->next_seq - l->count);
    for (uint32_t age = 0; age < l->count; age++) {
        uint32_t seq = 0;
        assert_int_equal(omp_nvm_log_read(l, age, buf, &seq), OMP_OK);
        assert_int_equal(seq, l->next_seq - 1u - age);
        make_entry(want, l->entry_len, seq);
        assert_memory_equal(buf, want, l->entry_len);
    }
    assert_int_equal(omp_nvm_log_read(l, l->count, buf, NULL), OMP_ERR_NOT_FOUND);
}

static void test_log_basics(void **state)
{
    (void)state;
    struct rig *r = &g_rig;
    rig_init(r, 4, 256, 1, 0xFF);
    struct omp_nvm_log l;
    uint8_t e[20], buf[20];
    assert_int_equal(omp_nvm_log_open(NULL, &r->hal, 0, 4, 1, 20), OMP_ERR_ARG);
    assert_int_equal(omp_nvm_log_open(&l, &r->hal, 0, 4, 1, 0), OMP_ERR_ARG);
    assert_int_equal(omp_nvm_log_open(&l, &r->hal, 0, 4, 1, 225), OMP_ERR_ARG); /* 241 > 240 */
    assert_int_equal(omp_nvm_log_open(&l, &r->hal, 0, 1, 1, 20), OMP_ERR_ARG);
    assert_int_equal(omp_nvm_log_open(&l, &r->hal, 0, 4, 1, 224), OMP_OK);
    assert_int_equal(l.per_sector, 1u);
    assert_int_equal(omp_nvm_log_open(&l, &r->hal, 0, 4, 1, 20), OMP_OK);
    /* 20-byte entries take 36 bytes: 6 per sector behind the 16-byte header */
    assert_int_equal(l.per_sector, 6u);
    assert_int_equal(omp_nvm_log_capacity(&l), 18u);
    assert_int_equal(l.count, 0u);
    assert_int_equal(omp_nvm_log_read(&l, 0, buf, NULL), OMP_ERR_NOT_FOUND);
    assert_int_equal(omp_nvm_log_append(&l, NULL), OMP_ERR_ARG);
    assert_int_equal(omp_nvm_log_read(&l, 0, NULL, NULL), OMP_ERR_ARG);
    for (uint32_t i = 0; i < 100; i++) {
        make_entry(e, sizeof e, i);
        assert_int_equal(omp_nvm_log_append(&l, e), OMP_OK);
        expect_log(&l);
    }
    /* 100 = 16 full sectors of 6 + 4: the head holds 4, the three before it 18 */
    assert_int_equal(l.count, 22u);
    assert_int_equal(l.first_seq, 78u);
    assert_int_equal(l.next_seq, 100u);
    assert_int_equal(omp_nvm_log_open(&l, &r->hal, 0, 4, 1, 20), OMP_OK);
    assert_int_equal(l.count, 22u);
    assert_int_equal(l.first_seq, 78u);
    assert_int_equal(l.next_seq, 100u);
    assert_int_equal(l.stats.scan_bad, 0u);
    expect_log(&l);
    /* 16 rotations erased sectors 1,2,3,0 four times each; sector 0 was erased once more when
       open found the 224-byte log's header there */
    assert_int_equal(r->ec[0], 5u);
    assert_int_equal(r->ec[1], 4u);
    assert_int_equal(r->ec[2], 4u);
    assert_int_equal(r->ec[3], 4u);
    /* another tag, or another entry size, finds foreign sectors here, and writes nothing */
    uint64_t programmed = r->nvm.programmed_bytes;
    assert_int_equal(omp_nvm_log_open(&l, &r->hal, 0, 4, 2, 20), OMP_ERR_NVM_CORRUPT);
    assert_int_equal(l.count, 0u);
    assert_int_equal(l.stats.damaged, 4u);
    assert_int_equal(omp_nvm_log_append(&l, e), OMP_ERR_NVM_CORRUPT);
    assert_false(l.stale);
    assert_int_equal(omp_nvm_log_open(&l, &r->hal, 0, 4, 2, 21), OMP_ERR_NVM_CORRUPT);
    assert_int_equal(l.count, 0u);
    assert_int_equal(r->nvm.programmed_bytes, programmed);
    assert_int_equal(r->ec[0], 5u);
}

static void test_log_bit_flips(void **state)
{
    (void)state;
    struct rig *r = &g_rig;
    rig_init(r, 4, 256, 1, 0xFF);
    struct omp_nvm_log l;
    uint8_t e[20], buf[20];
    assert_int_equal(omp_nvm_log_open(&l, &r->hal, 0, 4, 1, 20), OMP_OK);
    for (uint32_t i = 0; i < 5; i++) {
        make_entry(e, sizeof e, i);
        assert_int_equal(omp_nvm_log_append(&l, e), OMP_OK);
    }
    r->mem[16u + 2u * 36u + 20u] ^= 0x04u; /* payload of entry 2 */
    r->mem[16u + 3u * 36u + 7u] ^= 0x04u;  /* header of entry 3 */
    assert_int_equal(omp_nvm_log_open(&l, &r->hal, 0, 4, 1, 20), OMP_OK);
    assert_int_equal(l.stats.scan_bad, 2u);
    assert_int_equal(l.count, 5u);
    uint32_t seq;
    assert_int_equal(omp_nvm_log_read(&l, 0, buf, &seq), OMP_OK);
    assert_int_equal(seq, 4u);
    assert_int_equal(omp_nvm_log_read(&l, 1, buf, &seq), OMP_ERR_NOT_FOUND);
    assert_int_equal(omp_nvm_log_read(&l, 2, buf, &seq), OMP_ERR_NOT_FOUND);
    assert_int_equal(omp_nvm_log_read(&l, 3, buf, &seq), OMP_OK);
    assert_int_equal(seq, 1u);
    make_entry(e, sizeof e, 1);
    assert_memory_equal(buf, e, sizeof e);
    make_entry(e, sizeof e, 5);
    assert_int_equal(omp_nvm_log_append(&l, e), OMP_OK);
    assert_int_equal(omp_nvm_log_read(&l, 0, buf, &seq), OMP_OK);
    assert_int_equal(seq, 5u);
    assert_memory_equal(buf, e, sizeof e);
}

struct log_script {
    uint32_t nsec, ss, pu;
    uint8_t ev;
    uint16_t entry_len;
    uint32_t pre, total; /* entries before the image is taken, entries at the end */
};

static void log_append_to(struct omp_nvm_log *l, uint32_t total, omp_err *err)
{
    uint8_t e[256];
    *err = OMP_OK;
    while (l->next_seq < total && *err == OMP_OK) {
        make_entry(e, l->entry_len, l->next_seq);
        *err = omp_nvm_log_append(l, e);
    }
}

static uint64_t log_torture(const struct log_script *sc, uint32_t stride)
{
    struct rig *r = &g_rig;
    struct omp_nvm_log l;
    omp_err err;
    rig_init(r, sc->nsec, sc->ss, sc->pu, sc->ev);
    assert_int_equal(omp_nvm_log_open(&l, &r->hal, 0, sc->nsec, 0x4C, sc->entry_len), OMP_OK);
    log_append_to(&l, sc->pre, &err);
    assert_int_equal(err, OMP_OK);
    memcpy(g_img, r->mem, r->nvm.geo.size);
    uint32_t cap = omp_nvm_log_capacity(&l);
    rig_load(r, g_img);
    assert_int_equal(omp_nvm_log_open(&l, &r->hal, 0, sc->nsec, 0x4C, sc->entry_len), OMP_OK);
    log_append_to(&l, sc->total, &err);
    assert_int_equal(err, OMP_OK);
    uint64_t total = r->nvm.programmed_bytes;
    uint64_t erases = r->nvm.erase_calls;
    assert_true(erases >= 3u);

    uint64_t nbyte = (total + stride - 1u) / stride;
    uint64_t points = 0;
    for (uint64_t p = 0; p < nbyte + erases * 5u; p++) {
        rig_load(r, g_img);
        assert_int_equal(omp_nvm_log_open(&l, &r->hal, 0, sc->nsec, 0x4C, sc->entry_len), OMP_OK);
        if (p < nbyte) {
            omp_ram_nvm_cut_after(&r->nvm, 1u + p * stride);
        } else {
            r->erase_cut = (uint32_t)((p - nbyte) / 5u) + 1u;
            r->erase_pattern = (uint32_t)((p - nbyte) % 5u);
        }
        log_append_to(&l, sc->total, &err);
        assert_int_equal(err, OMP_ERR_POWER_LOST);
        uint32_t done = l.next_seq; /* appends that returned OMP_OK */
        omp_ram_nvm_power_on(&r->nvm);
        assert_int_equal(omp_nvm_log_open(&l, &r->hal, 0, sc->nsec, 0x4C, sc->entry_len), OMP_OK);
        /* nothing acknowledged is lost; the torn entry is either whole or not there */
        assert_true(l.next_seq == done || l.next_seq == done + 1u);
        assert_true(l.count + 1u >= (l.next_seq < cap ? l.next_seq : cap));
        expect_log(&l);
        log_append_to(&l, sc->total, &err);
        assert_int_equal(err, OMP_OK);
        assert_int_equal(l.next_seq, sc->total);
        assert_true(l.count + 1u >= cap);
        expect_log(&l);
        assert_int_equal(omp_nvm_log_open(&l, &r->hal, 0, sc->nsec, 0x4C, sc->entry_len), OMP_OK);
        assert_int_equal(l.next_seq, sc->total);
        expect_log(&l);
        points++;
    }
    print_message("log %ux%u unit %u: %llu byte cuts, %llu erases torn 5 ways\n", sc->nsec,
                  sc->ss, sc->pu, (unsigned long long)nbyte, (unsigned long long)erases);
    return points;
}

static void test_log_power_cut(void **state)
{
    (void)state;
    const struct log_script a = { 4, 256, 1, 0xFF, 20, 5, 45 };
    const struct log_script c = { 3, 512, 16, 0x00, 40, 3, 50 };
    const struct log_script b = { 8, 4096, 8, 0xFF, 100, 10, 400 };
    g_points_log += log_torture(&a, 1);
    g_points_log += log_torture(&c, 1);
    g_points_log += log_torture(&b, 53);
    print_message("log: %llu cut points\n", (unsigned long long)g_points_log);
}

/* A HAL error in a write leaves the container stale; refresh opens it again and it holds the
 * newest durable version; without an error refresh does nothing (no NVM read). */
static void test_stale_refresh(void **state)
{
    (void)state;
    struct rig *r = &g_rig;
    rig_init(r, 4, 256, 1, 0xFF);
    struct omp_store s;
    uint8_t v1[40], v2[40], buf[40];
    make_value(v1, sizeof v1, 1u, 1u);
    make_value(v2, sizeof v2, 1u, 2u);
    assert_int_equal(omp_store_open(&s, &r->hal, 0, 4), OMP_OK);
    assert_int_equal(omp_store_write(&s, 1u, v1, sizeof v1), OMP_OK);
    assert_false(s.stale);
    uint64_t reads = r->nvm.read_calls;
    assert_int_equal(omp_store_refresh(&s), OMP_OK);
    assert_int_equal(r->nvm.read_calls, reads);
    /* refused arguments and a full store are not HAL errors */
    assert_int_equal(omp_store_write(&s, 0u, v1, sizeof v1), OMP_ERR_ARG);
    assert_false(s.stale);
    omp_ram_nvm_cut_after(&r->nvm, 20u); /* tears the new version's payload */
    assert_int_equal(omp_store_write(&s, 1u, v2, sizeof v2), OMP_ERR_POWER_LOST);
    assert_true(s.stale);
    assert_int_equal(omp_store_refresh(&s), OMP_ERR_POWER_LOST); /* still off: stays stale */
    assert_true(s.stale);
    omp_ram_nvm_power_on(&r->nvm);
    assert_int_equal(omp_store_refresh(&s), OMP_OK);
    assert_false(s.stale);
    size_t len = 0;
    assert_int_equal(omp_store_read(&s, 1u, buf, sizeof buf, &len), OMP_OK);
    assert_int_equal(len, sizeof v1);
    assert_memory_equal(buf, v1, sizeof v1); /* the torn version is not taken */
    assert_int_equal(omp_store_write(&s, 1u, v2, sizeof v2), OMP_OK);
    assert_int_equal(omp_store_refresh(NULL), OMP_ERR_ARG);

    struct omp_nvm_log l;
    uint8_t e[20];
    rig_init(r, 4, 256, 1, 0xFF); /* the store's sectors would be foreign to a log */
    assert_int_equal(omp_nvm_log_open(&l, &r->hal, 0, 4, 1, 20), OMP_OK);
    make_entry(e, sizeof e, 0u);
    assert_int_equal(omp_nvm_log_append(&l, e), OMP_OK);
    omp_ram_nvm_cut_after(&r->nvm, 5u);
    make_entry(e, sizeof e, 1u);
    assert_int_equal(omp_nvm_log_append(&l, e), OMP_ERR_POWER_LOST);
    assert_true(l.stale);
    omp_ram_nvm_power_on(&r->nvm);
    assert_int_equal(omp_nvm_log_refresh(&l), OMP_OK);
    assert_false(l.stale);
    assert_int_equal(l.count, 1u); /* the torn entry is not counted */
    assert_int_equal(omp_nvm_log_append(&l, e), OMP_OK);
    assert_int_equal(l.count, 2u);
    assert_int_equal(omp_nvm_log_refresh(NULL), OMP_ERR_ARG);
}

/* One flipped bit in a sector header, wherever it is, is reported and changes nothing: the head
 * (whose sector would otherwise look like a torn spare and be erased with the newest records),
 * an older sector, and the same for a log. */
static void test_damaged_sector_header(void **state)
{
    (void)state;
    struct rig *r = &g_rig;
    rig_init(r, 4, 256, 1, 0xFF);
    struct omp_store s;
    assert_int_equal(omp_store_open(&s, &r->hal, 0, 4), OMP_OK);
    static struct model m;
    memset(&m, 0, sizeof m);
    uint8_t v[60];
    for (uint32_t i = 0; i < 9u; i++) { /* 76-byte records: three sectors in use */
        uint16_t k = (uint16_t)(1u + i % 4u);
        make_value(v, sizeof v, k, i);
        assert_int_equal(omp_store_write(&s, k, v, sizeof v), OMP_OK);
        model_set(&m, k, v, sizeof v);
    }
    uint32_t head = s.head;
    uint32_t older = (head + 3u) % 4u;
    memcpy(g_img, r->mem, 1024u);
    static uint8_t img[1024];
    for (uint32_t which = 0; which < 2u; which++) {
        uint32_t sec = which == 0u ? head : older;
        rig_load(r, g_img);
        r->mem[sec * 256u + 10u] ^= 0x04u; /* sector sequence bit: the check fails */
        memcpy(img, r->mem, sizeof img);
        assert_int_equal(omp_store_open(&s, &r->hal, 0, 4), OMP_ERR_NVM_CORRUPT);
        assert_int_equal(s.stats.damaged, 1u);
        assert_memory_equal(r->mem, img, sizeof img);
        assert_int_equal(r->nvm.erase_calls + r->nvm.program_calls, 0u);
    }

    struct omp_nvm_log l;
    uint8_t e[20];
    rig_init(r, 4, 256, 1, 0xFF);
    assert_int_equal(omp_nvm_log_open(&l, &r->hal, 0, 4, 1, 20), OMP_OK);
    for (uint32_t i = 0; i < 9u; i++) { /* 6 per sector: the head is sector 1 */
        make_entry(e, sizeof e, i);
        assert_int_equal(omp_nvm_log_append(&l, e), OMP_OK);
    }
    assert_int_equal(l.head, 1u);
    r->mem[256u + 10u] ^= 0x04u;
    memcpy(img, r->mem, sizeof img);
    assert_int_equal(omp_nvm_log_open(&l, &r->hal, 0, 4, 1, 20), OMP_ERR_NVM_CORRUPT);
    assert_int_equal(l.stats.damaged, 1u);
    assert_int_equal(l.count, 6u); /* the first sector's entries are still readable */
    assert_int_equal(omp_nvm_log_append(&l, e), OMP_ERR_NVM_CORRUPT);
    assert_memory_equal(r->mem, img, sizeof img);

    /* the head holds only an entry torn in its payload (its record header checks, with the
       next sequence): a damaged head header, not a torn rotation (found by bench_power_cuts) */
    rig_init(r, 4, 256, 1, 0xFF);
    assert_int_equal(omp_nvm_log_open(&l, &r->hal, 0, 4, 1, 20), OMP_OK);
    for (uint32_t i = 0; i < 6u; i++) {
        make_entry(e, sizeof e, i);
        assert_int_equal(omp_nvm_log_append(&l, e), OMP_OK);
    }
    omp_ram_nvm_cut_after(&r->nvm, 16u + 14u); /* the new head's header, 13 bytes of the entry */
    make_entry(e, sizeof e, 6u);
    assert_int_equal(omp_nvm_log_append(&l, e), OMP_ERR_POWER_LOST);
    omp_ram_nvm_power_on(&r->nvm);
    assert_int_equal(omp_nvm_log_open(&l, &r->hal, 0, 4, 1, 20), OMP_OK); /* a power cut */
    assert_int_equal(l.head, 1u);
    r->mem[256u + 3u] ^= 0x20u; /* its tag */
    assert_int_equal(omp_nvm_log_open(&l, &r->hal, 0, 4, 1, 20), OMP_ERR_NVM_CORRUPT);
    assert_int_equal(l.stats.damaged, 1u);
}

int main(void)
{
    (void)g_rig2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_sizes),        cmocka_unit_test(test_store_args),
        cmocka_unit_test(test_store_round_trip),   cmocka_unit_test(test_store_full),
        cmocka_unit_test(test_store_wear),         cmocka_unit_test(test_store_power_cut),
        cmocka_unit_test(test_store_bit_flips),    cmocka_unit_test(test_store_foreign_region),
        cmocka_unit_test(test_log_basics),         cmocka_unit_test(test_log_bit_flips),
        cmocka_unit_test(test_log_power_cut),      cmocka_unit_test(test_stale_refresh),
        cmocka_unit_test(test_damaged_sector_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Tests of the POSIX port's file NVM (ports/posix/posix_nvm.c): a new file is created erased,
 * NOR semantics (program ANDs, erase per sector), alignment and range checks, persistence across
 * close/open, a file of the wrong size or one in use is rejected, and a meter keeps its registers
 * in the file across restarts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "omnipower/port_posix.h"

struct fx {
    char dir[64];
    char path[96];
    struct omp_nvm_geometry geo;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (f == NULL) {
        return -1;
    }
    (void)snprintf(f->dir, sizeof f->dir, "/tmp/omp_test_nvm_XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    (void)snprintf(f->path, sizeof f->path, "%s/meter.nvm", f->dir);
    omp_posix_nvm_default_geometry(&f->geo);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    (void)unlink(f->path);
    (void)rmdir(f->dir);
    free(f);
    return 0;
}

static void open_ok(struct fx *f, struct omp_posix_nvm *nvm)
{
    char err[256] = "";
    omp_err e = omp_posix_nvm_open(nvm, f->path, &f->geo, err, sizeof err);
    if (e != OMP_OK) {
        print_error("open: %s\n", err);
    }
    assert_int_equal(e, OMP_OK);
}

static void test_default_geometry(void **state)
{
    struct fx *f = *state;
    assert_int_equal(f->geo.size, 65536u);
    assert_int_equal(f->geo.sector_size, 4096u);
    assert_int_equal(f->geo.program_unit, 4u);
    assert_int_equal(f->geo.erase_value, 0xFFu);
}

static void test_created_erased(void **state)
{
    struct fx *f = *state;
    struct omp_posix_nvm nvm;
    open_ok(f, &nvm);
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_size, 65536);
    static uint8_t buf[65536];
    assert_int_equal(omp_posix_nvm_read(&nvm, 0, buf, sizeof buf), OMP_OK);
    for (size_t i = 0; i < sizeof buf; i++) {
        assert_int_equal(buf[i], 0xFF);
    }
    struct omp_nvm_geometry g;
    assert_int_equal(omp_posix_nvm_geometry(&nvm, &g), OMP_OK);
    /* member by member: the padding after erase_value is not copied by a struct assignment */
    assert_int_equal(g.size, f->geo.size);
    assert_int_equal(g.sector_size, f->geo.sector_size);
    assert_int_equal(g.program_unit, f->geo.program_unit);
    assert_int_equal(g.erase_value, f->geo.erase_value);
    assert_int_equal(g.erase_cycles, f->geo.erase_cycles);
    assert_int_equal(omp_posix_nvm_flush(&nvm), OMP_OK);
    omp_posix_nvm_close(&nvm);
    omp_posix_nvm_close(&nvm); /* twice is harmless */
    assert_int_equal(nvm.fd, -1);
}

static void test_nor_semantics(void **state)
{
    struct fx *f = *state;
    struct omp_posix_nvm nvm;
    open_ok(f, &nvm);
    const uint8_t a[8] = { 0x0F, 0xF0, 0x55, 0xAA, 0x00, 0xFF, 0x81, 0x7E };
    const uint8_t b[8] = { 0xF0, 0xF0, 0xFF, 0x0F, 0xFF, 0x00, 0x01, 0xFF };
    uint8_t got[8];
    assert_int_equal(omp_posix_nvm_program(&nvm, 4096u + 8u, a, sizeof a), OMP_OK);
    assert_int_equal(omp_posix_nvm_read(&nvm, 4096u + 8u, got, sizeof got), OMP_OK);
    assert_memory_equal(got, a, sizeof a);
    /* programming again can only clear bits: the result is old AND new */
    assert_int_equal(omp_posix_nvm_program(&nvm, 4096u + 8u, b, sizeof b), OMP_OK);
    assert_int_equal(omp_posix_nvm_read(&nvm, 4096u + 8u, got, sizeof got), OMP_OK);
    for (size_t i = 0; i < sizeof got; i++) {
        assert_int_equal(got[i], a[i] & b[i]);
    }
    /* neighbours untouched */
    uint8_t edge[2];
    assert_int_equal(omp_posix_nvm_read(&nvm, 4096u + 7u, edge, 1), OMP_OK);
    assert_int_equal(omp_posix_nvm_read(&nvm, 4096u + 16u, edge + 1, 1), OMP_OK);
    assert_int_equal(edge[0], 0xFF);
    assert_int_equal(edge[1], 0xFF);

    /* a program in the last sector, then erase of sector 1 only */
    assert_int_equal(omp_posix_nvm_program(&nvm, 65536u - 4u, a, 4), OMP_OK);
    assert_int_equal(omp_posix_nvm_erase(&nvm, 4096u + 100u), OMP_OK); /* any address inside */
    assert_int_equal(omp_posix_nvm_read(&nvm, 4096u + 8u, got, sizeof got), OMP_OK);
    for (size_t i = 0; i < sizeof got; i++) {
        assert_int_equal(got[i], 0xFF);
    }
    assert_int_equal(omp_posix_nvm_read(&nvm, 65536u - 4u, got, 4), OMP_OK);
    assert_memory_equal(got, a, 4);
    assert_int_equal(nvm.erase_calls, 1u);
    assert_int_equal(nvm.program_calls, 3u);
    omp_posix_nvm_close(&nvm);
}

static void test_arguments_checked(void **state)
{
    struct fx *f = *state;
    struct omp_posix_nvm nvm;
    open_ok(f, &nvm);
    uint8_t d[8] = { 0 };
    /* alignment to the program unit (4) */
    assert_int_equal(omp_posix_nvm_program(&nvm, 2u, d, 4), OMP_ERR_ARG);
    assert_int_equal(omp_posix_nvm_program(&nvm, 0u, d, 3), OMP_ERR_ARG);
    /* range */
    assert_int_equal(omp_posix_nvm_program(&nvm, 65536u - 4u, d, 8), OMP_ERR_ARG);
    assert_int_equal(omp_posix_nvm_program(&nvm, 65536u, d, 4), OMP_ERR_ARG);
    assert_int_equal(omp_posix_nvm_read(&nvm, 65535u, d, 2), OMP_ERR_ARG);
    assert_int_equal(omp_posix_nvm_read(&nvm, 0xFFFFFFFFu, d, 1), OMP_ERR_ARG);
    assert_int_equal(omp_posix_nvm_read(&nvm, 65535u, d, 1), OMP_OK);
    assert_int_equal(omp_posix_nvm_read(&nvm, 65536u, d, 0), OMP_OK);
    assert_int_equal(omp_posix_nvm_erase(&nvm, 65536u), OMP_ERR_ARG);
    assert_int_equal(omp_posix_nvm_read(&nvm, 0, NULL, 1), OMP_ERR_ARG);
    /* nothing above changed the content */
    assert_int_equal(omp_posix_nvm_read(&nvm, 0, d, 8), OMP_OK);
    for (size_t i = 0; i < 8; i++) {
        assert_int_equal(d[i], 0xFF);
    }
    omp_posix_nvm_close(&nvm);
    /* a closed NVM refuses */
    assert_int_equal(omp_posix_nvm_read(&nvm, 0, d, 1), OMP_ERR_ARG);
    assert_int_equal(omp_posix_nvm_flush(&nvm), OMP_ERR_STATE);
    /* bad geometry */
    struct omp_nvm_geometry bad = f->geo;
    bad.sector_size = 3000u;
    assert_int_equal(omp_posix_nvm_open(&nvm, f->path, &bad, NULL, 0), OMP_ERR_ARG);
}

static void test_persists_across_reopen(void **state)
{
    struct fx *f = *state;
    struct omp_posix_nvm nvm;
    open_ok(f, &nvm);
    uint8_t pattern[64];
    for (size_t i = 0; i < sizeof pattern; i++) {
        pattern[i] = (uint8_t)(i * 37u + 1u);
    }
    assert_int_equal(omp_posix_nvm_program(&nvm, 12288u, pattern, sizeof pattern), OMP_OK);
    assert_int_equal(omp_posix_nvm_flush(&nvm), OMP_OK);
    omp_posix_nvm_close(&nvm);

    open_ok(f, &nvm);
    uint8_t got[64];
    assert_int_equal(omp_posix_nvm_read(&nvm, 12288u, got, sizeof got), OMP_OK);
    assert_memory_equal(got, pattern, sizeof got);
    omp_posix_nvm_close(&nvm);
}

static void test_wrong_size_rejected(void **state)
{
    struct fx *f = *state;
    FILE *fp = fopen(f->path, "wb");
    assert_non_null(fp);
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(fputc(0x42, fp), 0x42);
    }
    assert_int_equal(fclose(fp), 0);

    struct omp_posix_nvm nvm = { .fd = -1 };
    char err[256] = "";
    assert_int_equal(omp_posix_nvm_open(&nvm, f->path, &f->geo, err, sizeof err), OMP_ERR_RANGE);
    assert_int_equal(nvm.fd, -1);
    assert_non_null(strstr(err, f->path));
    assert_non_null(strstr(err, "1000 bytes"));
    assert_non_null(strstr(err, "expected 65536"));
    /* the file was not touched */
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_size, 1000);
    /* also through the port */
    struct omp_posix_port p;
    omp_posix_port_init(&p);
    assert_int_equal(omp_posix_port_use_file_nvm(&p, f->path, &f->geo, err, sizeof err),
                     OMP_ERR_RANGE);
    omp_posix_port_close(&p);
}

/* An empty file is no image: refused, untouched; --nvm-format's function makes any file an
 * erased device of the geometry. */
static void test_empty_refused_format_file(void **state)
{
    struct fx *f = *state;
    FILE *fp = fopen(f->path, "wb");
    assert_non_null(fp);
    assert_int_equal(fclose(fp), 0);
    struct omp_posix_nvm nvm = { .fd = -1 };
    char err[256] = "";
    assert_int_equal(omp_posix_nvm_open(&nvm, f->path, &f->geo, err, sizeof err), OMP_ERR_RANGE);
    assert_non_null(strstr(err, "empty"));
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_size, 0);
    assert_int_equal(omp_posix_nvm_format_file(f->path, &f->geo, err, sizeof err), OMP_OK);
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_size, 65536);
    assert_int_equal(omp_posix_nvm_open(&nvm, f->path, &f->geo, err, sizeof err), OMP_OK);
    uint8_t b[256];
    for (uint32_t a = 0; a < 65536u; a += sizeof b) {
        assert_int_equal(omp_posix_nvm_read(&nvm, a, b, sizeof b), OMP_OK);
        for (size_t k = 0; k < sizeof b; k++) {
            assert_int_equal(b[k], 0xFF);
        }
    }
    /* a format waits for nobody: a file in use is busy */
    assert_int_equal(omp_posix_nvm_format_file(f->path, &f->geo, err, sizeof err), OMP_ERR_BUSY);
    omp_posix_nvm_close(&nvm);
    assert_int_equal(omp_posix_nvm_format_file(NULL, &f->geo, err, sizeof err), OMP_ERR_ARG);
}

static void test_not_a_directory_or_missing_dir(void **state)
{
    struct fx *f = *state;
    struct omp_posix_nvm nvm = { .fd = -1 };
    char err[256] = "";
    assert_int_equal(omp_posix_nvm_open(&nvm, f->dir, &f->geo, err, sizeof err), OMP_ERR_HAL_IO);
    assert_non_null(strstr(err, f->dir));
    char missing[160];
    (void)snprintf(missing, sizeof missing, "%s/no/such/dir.nvm", f->dir);
    assert_int_equal(omp_posix_nvm_open(&nvm, missing, &f->geo, err, sizeof err), OMP_ERR_HAL_IO);
    assert_non_null(strstr(err, "cannot open"));
}

static void test_second_open_is_busy(void **state)
{
    struct fx *f = *state;
    struct omp_posix_nvm a, b = { .fd = -1 };
    open_ok(f, &a);
    char err[256] = "";
    assert_int_equal(omp_posix_nvm_open(&b, f->path, &f->geo, err, sizeof err), OMP_ERR_BUSY);
    assert_non_null(strstr(err, "in use"));
    omp_posix_nvm_close(&a);
    open_ok(f, &b); /* free again once closed */
    omp_posix_nvm_close(&b);
}

static void test_port_hal_on_file_and_ram(void **state)
{
    struct fx *f = *state;
    for (int file = 0; file < 2; file++) {
        struct omp_posix_port p;
        omp_posix_port_init(&p);
        struct omp_hal hal = omp_posix_port_hal(&p);
        assert_int_equal(omp_hal_check(&hal), OMP_OK);
        if (file != 0) {
            assert_int_equal(omp_posix_port_use_file_nvm(&p, f->path, &f->geo, NULL, 0), OMP_OK);
        } else {
            assert_int_equal(omp_posix_port_use_ram_nvm(&p, &f->geo), OMP_OK);
        }
        struct omp_nvm_geometry g;
        assert_int_equal(omp_hal_nvm_geometry(&hal, &g), OMP_OK);
        assert_int_equal(g.size, 65536u);
        const uint8_t x[4] = { 0x12, 0x34, 0x56, 0x78 };
        const uint8_t y[4] = { 0xF0, 0xF0, 0xF0, 0xF0 };
        uint8_t got[4];
        assert_int_equal(hal.ops->nvm_program(hal.user, 8u, x, 4), OMP_OK);
        assert_int_equal(hal.ops->nvm_program(hal.user, 8u, y, 4), OMP_OK);
        assert_int_equal(hal.ops->nvm_read(hal.user, 8u, got, 4), OMP_OK);
        for (size_t i = 0; i < 4; i++) {
            assert_int_equal(got[i], x[i] & y[i]);
        }
        assert_int_equal(hal.ops->nvm_erase(hal.user, 0u), OMP_OK);
        assert_int_equal(hal.ops->nvm_read(hal.user, 8u, got, 4), OMP_OK);
        assert_int_equal(got[0], 0xFF);
        assert_int_equal(omp_posix_port_flush(&p), OMP_OK);
        omp_posix_port_close(&p);
    }
}

/* One second of a 230 V / 10 A resistive load, as the default front end codes it. */
static void feed_second(struct omp_meter *m, const struct omp_meter_cfg *cfg, struct omp_now *now)
{
    static int32_t vi[2u * 800u];
    for (int block = 0; block < 10; block++) {
        size_t n = cfg->sample_rate_hz / 10u;
        assert_true(n <= 800u);
        for (size_t k = 0; k < n; k++) {
            /* 50 Hz at 8000 Hz: a square-ish 3-level wave is enough to integrate energy */
            size_t ph = k % 160u;
            int sign = ph < 80u ? 1 : -1;
            vi[2u * k] = (int32_t)(sign * (int32_t)(230.0f / cfg->cal.v_gain));
            vi[2u * k + 1u] = (int32_t)(sign * (int32_t)(10.0f / cfg->cal.i_gain));
        }
        omp_meter_on_samples(m, vi, n);
        now->mono_ms += 100u;
        if (now->mono_ms % 1000u == 0u) {
            now->utc_s++;
        }
        omp_meter_tick(m, now);
        (void)omp_meter_poll(m);
    }
}

static void test_meter_state_survives_restart(void **state)
{
    struct fx *f = *state;
    uint64_t a_plus_first = 0;
    for (int run = 0; run < 2; run++) {
        struct omp_posix_port p;
        omp_posix_port_init(&p);
        assert_int_equal(omp_posix_port_use_file_nvm(&p, f->path, &f->geo, NULL, 0), OMP_OK);
        struct omp_hal hal = omp_posix_port_hal(&p);
        struct omp_meter_cfg cfg;
        omp_meter_cfg_default(&cfg);
        struct omp_now now = { .mono_ms = 0, .utc_s = 1767225600, .utc_ms = 0, .rtc_valid = true };
        struct omp_meter *m = calloc(1, sizeof *m);
        assert_non_null(m);
        assert_int_equal(omp_meter_init(m, &hal, &cfg, &now), OMP_OK);
        for (int s = 0; s < 20; s++) {
            feed_second(m, &cfg, &now);
        }
        omp_meter_on_input(m, OMP_INPUT_POWER_FAIL, true);
        (void)omp_meter_poll(m);
        assert_int_equal(omp_meter_flush(m), OMP_OK);
        struct omp_meter_snapshot snap;
        assert_int_equal(omp_meter_snapshot(m, &snap), OMP_OK);
        assert_int_equal(snap.power_ups, (uint32_t)(run + 1));
        /* 2300 W for 20 s = 12.78 Wh; allow for the first-second block alignment */
        if (run == 0) {
            assert_true(snap.a_plus_mwh > 10000u && snap.a_plus_mwh < 14000u);
            a_plus_first = snap.a_plus_mwh;
        } else {
            assert_true(snap.a_plus_mwh > a_plus_first + 10000u);
        }
        assert_int_equal(omp_posix_port_flush(&p), OMP_OK);
        omp_posix_port_close(&p);
        free(m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_default_geometry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_created_erased, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nor_semantics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arguments_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_persists_across_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_size_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_refused_format_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_directory_or_missing_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_open_is_busy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_port_hal_on_file_and_ram, setup, teardown),
        cmocka_unit_test_setup_teardown(test_meter_state_survives_restart, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

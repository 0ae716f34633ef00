/*
 * Throughput of the DLMS codecs on the host (wall clock; numbers only, never pass/fail):
 *
 *   bench_dlms [SECONDS]     run each case for about SECONDS (default 0.5) and print MB/s and
 *                            APDUs (frames) per second
 *   bench_dlms list          names of the instruction-count cases (name, units per call, unit)
 *   bench_dlms CASE N        run an instruction-count case N times inside bench_measured_dlms()
 *                            (what bench/run.sh counts with callgrind; setup is not counted)
 *
 * Instruction-count cases (issue #14 targets, docs/benchmarks.md):
 *  - lp5_decode: a GET-response (normal) of 96 rows x {date-time as the 12-byte octet-string,
 *    4 x double-long-unsigned}, omp_apdu_decode_lazy + omp_axdr_walk to every value, one pass
 *    (target 80 k; the cases are in dlms_decode_cases.h);
 *  - han3ph_decode: the Norwegian three-phase HAN frame, as push_decode below (target 8 k);
 *  - lp5_decode_checked: lp5 with omp_apdu_decode (two passes), for comparison.
 *
 * Cases:
 *  - lp_decode / lp_encode: a GET-response (normal) carrying one day of a 15-minute load profile
 *    (96 rows of 8 columns as OMNIPOWER sends them: date-time octet-string, status, 4 energies,
 *    2 more registers), decoded with omp_apdu_decode + a full omp_axdr_walk of the data, and built
 *    with the axdr builder + omp_apdu_encode;
 *  - push_decode: the Norwegian three-phase HAN push (../shared/vectors FULL_HDLC_3PH_2022_01_24):
 *    HDLC decode, LLC strip, APDU decode, walk of the body;
 *  - wrapper_decode: the S1 GET-response APDU of the Kamstrup DLMS document in a TCP wrapper.
 *  - cipher_push_decode: the Danish ciphered HAN push (general-glo-ciphering, suite 0): HDLC
 *    decode, LLC strip, envelope decode, AES-GCM open through the POSIX port (mbed TLS), APDU
 *    decode and walk of the body.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <omnipower/omnipower.h>
#include <omnipower/port_posix.h>

#include "dlms_decode_cases.h" /* the instruction-count cases; the HAN frames of the tests */

#define LP_ROWS 96u
#define LP_COLS 8u

static double now_s(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static volatile size_t g_sink;

/* Walk every element of one Data value; returns the element count (0 on error). */
static size_t walk_all(const uint8_t *p, size_t n)
{
    struct omp_rd rd = omp_rd_init(p, n);
    struct omp_axdr_walker wk;
    omp_axdr_walk_init(&wk);
    size_t elems = 0;
    for (;;) {
        struct omp_axdr_event ev;
        if (omp_axdr_walk(&wk, &rd, &ev) != OMP_OK) {
            return 0;
        }
        if (ev.kind == OMP_AXDR_EV_DONE) {
            return elems;
        }
        if (ev.kind == OMP_AXDR_EV_ELEM) {
            elems++;
        }
    }
}

/* One day of 15-minute rows into @p w (Data only). */
static omp_err build_profile(struct omp_wr *w)
{
    omp_err err = omp_axdr_put_array(w, LP_ROWS);
    for (uint32_t r = 0; r < LP_ROWS && err == OMP_OK; r++) {
        uint8_t dt[12] = { 0x07, 0xEA, 11, 24, 2, (uint8_t)(r / 4u), (uint8_t)(r % 4u * 15u), 0,
                           0xFF, 0xFF, 0xC4, 0x00 }; /* 2026-11-24, deviation -60 */
        err = omp_axdr_put_structure(w, LP_COLS);
        if (err == OMP_OK) { err = omp_axdr_put_octets(w, dt, sizeof dt); }
        if (err == OMP_OK) { err = omp_axdr_put_u8(w, 0); }
        for (uint32_t c = 0; c < 4u && err == OMP_OK; c++) {
            err = omp_axdr_put_u32(w, 190000u + r * 7u + c);
        }
        if (err == OMP_OK) { err = omp_axdr_put_u32(w, 0); }
        if (err == OMP_OK) { err = omp_axdr_put_u32(w, 1); }
    }
    return err;
}

static omp_err build_lp_apdu(uint8_t *data_buf, size_t data_cap, uint8_t *out, size_t cap,
                             size_t *len)
{
    struct omp_wr dw = omp_wr_init(data_buf, data_cap);
    omp_err err = build_profile(&dw);
    if (err != OMP_OK) {
        return err;
    }
    struct omp_apdu a;
    memset(&a, 0, sizeof a);
    a.kind = OMP_APDU_GET_RSP_NORMAL;
    a.invoke = 0x81;
    a.u.get_rsp.result.is_data = true;
    a.u.get_rsp.result.data.ptr = data_buf;
    a.u.get_rsp.result.data.len = omp_wr_len(&dw);
    struct omp_wr w = omp_wr_init(out, cap);
    err = omp_apdu_encode(&a, &w);
    *len = omp_wr_len(&w);
    return err;
}

static size_t hex_to_bin(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; hex[i] != '\0' && hex[i + 1] != '\0' && n < cap; i += 2) {
        char b[3] = { hex[i], hex[i + 1], 0 };
        out[n++] = (uint8_t)strtoul(b, NULL, 16);
    }
    return n;
}

typedef size_t (*case_fn)(void *ctx); /* one unit of work; returns bytes processed */

static void run(const char *name, const char *unit, case_fn fn, void *ctx, double seconds)
{
    size_t bytes = fn(ctx); /* warm up, and check that it works */
    if (bytes == 0u) {
        printf("%-16s failed\n", name);
        return;
    }
    uint64_t n = 0;
    double t0 = now_s();
    double t = t0;
    do {
        for (int k = 0; k < 64; k++) {
            g_sink += fn(ctx);
        }
        n += 64u;
        t = now_s();
    } while (t - t0 < seconds);
    double per_s = (double)n / (t - t0);
    printf("%-16s %10.1f MB/s %12.0f %s/s  (%zu bytes each)\n", name,
           per_s * (double)bytes / 1e6, per_s, unit, bytes);
}

struct lp_ctx {
    uint8_t data[8192];
    uint8_t apdu[8192];
    size_t apdu_len;
};

static size_t lp_decode(void *p)
{
    struct lp_ctx *c = p;
    struct omp_rd rd = omp_rd_init(c->apdu, c->apdu_len);
    struct omp_apdu a;
    if (omp_apdu_decode(&rd, &a) != OMP_OK ||
        walk_all(a.u.get_rsp.result.data.ptr, a.u.get_rsp.result.data.len) == 0u) {
        return 0;
    }
    return c->apdu_len;
}

static size_t lp_encode(void *p)
{
    struct lp_ctx *c = p;
    size_t len = 0;
    return build_lp_apdu(c->data, sizeof c->data, c->apdu, sizeof c->apdu, &len) == OMP_OK ? len
                                                                                           : 0u;
}

struct frame_ctx {
    uint8_t frame[2048];
    size_t len;
};

static size_t push_decode(void *p)
{
    struct frame_ctx *c = p;
    struct omp_hdlc_frame f;
    size_t used = 0;
    bool response = false;
    const uint8_t *apdu = NULL;
    size_t apdu_len = 0;
    if (omp_hdlc_decode(c->frame, c->len, &f, &used) != OMP_OK ||
        omp_hdlc_llc_strip(f.info, f.info_len, &response, &apdu, &apdu_len) != OMP_OK) {
        return 0;
    }
    struct omp_rd rd = omp_rd_init(apdu, apdu_len);
    struct omp_apdu a;
    if (omp_apdu_decode(&rd, &a) != OMP_OK ||
        walk_all(a.u.notify.body.ptr, a.u.notify.body.len) == 0u) {
        return 0;
    }
    return c->len;
}

static size_t wrapper_decode(void *p)
{
    struct frame_ctx *c = p;
    struct omp_rd rd = omp_rd_init(c->frame, c->len);
    struct omp_wrapper_pdu pdu;
    if (omp_wrapper_decode(&rd, &pdu) != OMP_OK) {
        return 0;
    }
    struct omp_rd ard = omp_rd_init(pdu.apdu, pdu.apdu_len);
    struct omp_apdu a;
    return omp_apdu_decode(&ard, &a) == OMP_OK ? c->len : 0u;
}

struct cipher_ctx {
    struct frame_ctx f;
    struct omp_posix_port port;
    uint8_t plain[2048];
};

static size_t cipher_push_decode(void *p)
{
    struct cipher_ctx *c = p;
    struct omp_hdlc_frame f;
    size_t used = 0, plen = 0;
    bool response = false;
    const uint8_t *apdu = NULL;
    size_t apdu_len = 0;
    if (omp_hdlc_decode(c->f.frame, c->f.len, &f, &used) != OMP_OK ||
        omp_hdlc_llc_strip(f.info, f.info_len, &response, &apdu, &apdu_len) != OMP_OK) {
        return 0;
    }
    struct omp_rd rd = omp_rd_init(apdu, apdu_len);
    struct omp_apdu_ciphered env;
    if (omp_apdu_cipher_decode(&rd, &env) != OMP_OK ||
        omp_apdu_cipher_open(&env, NULL, omp_posix_aead_gcm, &c->port, OMP_KEY_GUEK, OMP_KEY_GAK,
                             c->plain, sizeof c->plain, &plen) != OMP_OK) {
        return 0;
    }
    struct omp_rd prd = omp_rd_init(c->plain, plen);
    struct omp_apdu a;
    if (omp_apdu_decode(&prd, &a) != OMP_OK ||
        walk_all(a.u.notify.body.ptr, a.u.notify.body.len) == 0u) {
        return 0;
    }
    return c->f.len;
}

/* ---- instruction-count cases (callgrind; bench/run.sh) ------------------------------------- */

/* lp5 with the checking decoder: omp_apdu_decode() skips the value once, the walk reads it again
 * (the two passes the lazy decode saves; for comparison). */
static size_t count_lp5_checked(struct count_state *s)
{
    struct omp_rd rd = omp_rd_init(s->lp5, s->lp5_len);
    struct omp_apdu a;
    if (omp_apdu_decode(&rd, &a) != OMP_OK || a.kind != OMP_APDU_GET_RSP_NORMAL) {
        return 0;
    }
    return walk_values(s, a.u.get_rsp.result.data.ptr, a.u.get_rsp.result.data.len);
}

struct count_case {
    const char *name;
    size_t (*fn)(struct count_state *s);
    const char *unit;
};

static const struct count_case k_count_cases[] = {
    {"lp5_decode", count_lp5,
     "GET-response, 96 x {date-time, 4 x u32}: decode + walk (target 80 k)"},
    {"han3ph_decode", count_han, "NO 3-phase HAN frame: HDLC + APDU + walk (target 8 k)"},
    {"lp5_decode_checked", count_lp5_checked,
     "the same GET-response, omp_apdu_decode (checks the value) + walk: two passes"},
};

__attribute__((noinline)) void bench_measured_dlms(const struct count_case *c,
                                                   struct count_state *s, unsigned long n);
__attribute__((noinline)) void bench_measured_dlms(const struct count_case *c,
                                                   struct count_state *s, unsigned long n)
{
    for (unsigned long i = 0; i < n; i++) {
        s->values = c->fn(s);
    }
}

static int count_main(const char *name, unsigned long n)
{
    static struct count_state s;
    if (count_setup(&s) != 0) {
        return 1;
    }
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_count_cases); i++) {
        if (strcmp(name, k_count_cases[i].name) == 0) {
            if (k_count_cases[i].fn(&s) == 0u) { /* works, outside the count */
                fprintf(stderr, "bench_dlms: case %s failed\n", name);
                return 1;
            }
            bench_measured_dlms(&k_count_cases[i], &s, n);
            g_sink += (size_t)s.sum;
            printf("values %zu\nbytes %zu\n", s.values, i == 1u ? s.han_len : s.lp5_len);
            return s.values != 0u ? 0 : 1;
        }
    }
    fprintf(stderr, "bench_dlms: unknown case %s\n", name);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "list") == 0) {
        for (size_t i = 0; i < OMP_ARRAY_LEN(k_count_cases); i++) {
            printf("%s 1 %s\n", k_count_cases[i].name, k_count_cases[i].unit);
        }
        return 0;
    }
    if (argc == 3) {
        return count_main(argv[1], strtoul(argv[2], NULL, 10));
    }
    double seconds = argc > 1 ? atof(argv[1]) : 0.5;
    if (!(seconds > 0.0 && seconds < 60.0)) {
        fprintf(stderr, "usage: bench_dlms [SECONDS]\n");
        return 2;
    }
    static struct lp_ctx lp;
    if (build_lp_apdu(lp.data, sizeof lp.data, lp.apdu, sizeof lp.apdu, &lp.apdu_len) != OMP_OK) {
        fprintf(stderr, "bench_dlms: building the load profile failed\n");
        return 1;
    }
    static struct frame_ctx push, wrap;
    push.len = hex_to_bin(k_no_3ph_frame_hex, push.frame, sizeof push.frame);
    static const uint8_t k_s1_get_rsp[] = { 0xC4, 0x01, 0x81, 0x00, 0x06, 0x00, 0xBC, 0x61, 0x4F };
    struct omp_wr w = omp_wr_init(wrap.frame, sizeof wrap.frame);
    if (omp_wrapper_encode(1, 16, k_s1_get_rsp, sizeof k_s1_get_rsp, &w) != OMP_OK) {
        return 1;
    }
    wrap.len = omp_wr_len(&w);
    printf("DLMS codecs on the host, wall clock, %.2f s per case:\n", seconds);
    run("lp_decode", "APDUs", lp_decode, &lp, seconds);
    run("lp_encode", "APDUs", lp_encode, &lp, seconds);
    run("push_decode", "frames", push_decode, &push, seconds);
    run("wrapper_decode", "PDUs", wrapper_decode, &wrap, seconds);
    static struct cipher_ctx cip;
    omp_posix_port_init(&cip.port);
    cip.f.len = hex_to_bin(k_dk_frame_hex, cip.f.frame, sizeof cip.f.frame);
    if (omp_posix_crypto_load_key_hex(&cip.port, OMP_KEY_GUEK, k_dk_ek_hex) != OMP_OK ||
        omp_posix_crypto_load_key_hex(&cip.port, OMP_KEY_GAK, k_dk_ak_hex) != OMP_OK) {
        return 1;
    }
    run("cipher_push", "frames", cipher_push_decode, &cip, seconds);
    omp_posix_port_close(&cip.port);
    return 0;
}

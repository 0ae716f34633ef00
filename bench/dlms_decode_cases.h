/*
 * The decoding cases of issue #14 (bench/bench_dlms.c on the host, ports/stm32/bench_dlms.c on
 * the Cortex-M4 under qemu), each one pass over the bytes: omp_apdu_decode_lazy() and a walk of
 * the Data value to every leaf, which the walk sums (so nothing is optimised away):
 *  - lp5: a GET-response (normal) of one day of 15-minute rows, 96 x {date-time as the 12-byte
 *    octet-string, 4 x double-long-unsigned};
 *  - han: the Norwegian three-phase HAN frame (tests/han_vectors.h k_no_3ph_frame_hex): HDLC
 *    decode, LLC strip, APDU decode, walk of the notification body.
 * Include after the library's headers. Everything is static: one translation unit per program.
 */
#ifndef OMP_BENCH_DLMS_DECODE_CASES_H
#define OMP_BENCH_DLMS_DECODE_CASES_H

#include <string.h>

#include "../tests/han_vectors.h" /* the real HAN frames the tests use */

#define LP5_ROWS 96u
#define LP5_COLS 5u

/* One day of 15-minute rows, each {date-time octet-string, 4 x double-long-unsigned}. */
static omp_err build_profile5(struct omp_wr *w)
{
    omp_err err = omp_axdr_put_array(w, LP5_ROWS);
    for (uint32_t r = 0; r < LP5_ROWS && err == OMP_OK; r++) {
        uint8_t dt[12] = {0x07, 0xEA, 11,   24,   2,   (uint8_t)(r / 4u), (uint8_t)(r % 4u * 15u),
                          0,    0xFF, 0xFF, 0xC4, 0x00};
        err = omp_axdr_put_structure(w, LP5_COLS);
        if (err == OMP_OK) {
            err = omp_axdr_put_octets(w, dt, sizeof dt);
        }
        for (uint32_t c = 0; c < 4u && err == OMP_OK; c++) {
            err = omp_axdr_put_u32(w, 190000u + r * 7u + c);
        }
    }
    return err;
}

struct count_state {
    uint8_t data[4096];
    uint8_t lp5[4096]; /* the GET-response APDU */
    size_t lp5_len;
    uint8_t han[512]; /* the HDLC frame */
    size_t han_len;
    uint64_t sum;  /* of the leaves walked */
    size_t values; /* leaves walked by the last call (checked once, outside the count) */
};

static size_t hex_nibbles(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; hex[i] != '\0' && hex[i + 1] != '\0' && n < cap; i += 2) {
        uint8_t b = 0;
        for (size_t k = 0; k < 2u; k++) {
            char c = hex[i + k];
            uint8_t v = (uint8_t)((c >= '0' && c <= '9')   ? c - '0'
                                  : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                                           : c - 'a' + 10);
            b = (uint8_t)(((unsigned)b << 4) | (v & 0x0Fu));
        }
        out[n++] = b;
    }
    return n;
}

/* Build both inputs. @return 0 on success. */
static int count_setup(struct count_state *s)
{
    struct omp_wr dw = omp_wr_init(s->data, sizeof s->data);
    if (build_profile5(&dw) != OMP_OK) {
        return 1;
    }
    struct omp_apdu a;
    memset(&a, 0, sizeof a);
    a.kind = OMP_APDU_GET_RSP_NORMAL;
    a.invoke = 0xC1;
    a.u.get_rsp.result.is_data = true;
    a.u.get_rsp.result.data.ptr = s->data;
    a.u.get_rsp.result.data.len = omp_wr_len(&dw);
    struct omp_wr w = omp_wr_init(s->lp5, sizeof s->lp5);
    if (omp_apdu_encode(&a, &w) != OMP_OK) {
        return 1;
    }
    s->lp5_len = omp_wr_len(&w);
    s->han_len = hex_nibbles(k_no_3ph_frame_hex, s->han, sizeof s->han);
    return 0;
}

/* Every leaf value of a walk, summed into s->sum; @return the leaves (0 on any error, or when
 * the value does not fill its span exactly). */
static size_t walk_values(struct count_state *s, const uint8_t *p, size_t n)
{
    struct omp_rd rd = omp_rd_init(p, n);
    struct omp_axdr_walker wk;
    omp_axdr_walk_init(&wk);
    size_t leaves = 0;
    uint64_t sum = 0;
    for (;;) {
        struct omp_axdr_event ev;
        if (omp_axdr_walk(&wk, &rd, &ev) != OMP_OK) {
            return 0;
        }
        if (ev.kind == OMP_AXDR_EV_DONE) {
            s->sum += sum;
            return ev.pos == n ? leaves : 0u; /* the value must fill its span */
        }
        if (ev.kind == OMP_AXDR_EV_ELEM && ev.elem.tag != OMP_AXDR_TAG_ARRAY &&
            ev.elem.tag != OMP_AXDR_TAG_STRUCTURE) {
            sum += ev.elem.v.u + ev.elem.len;
            leaves++;
        }
    }
}

static size_t count_lp5(struct count_state *s)
{
    struct omp_rd rd = omp_rd_init(s->lp5, s->lp5_len);
    struct omp_apdu a;
    if (omp_apdu_decode_lazy(&rd, &a) != OMP_OK || a.kind != OMP_APDU_GET_RSP_NORMAL) {
        return 0;
    }
    return walk_values(s, a.u.get_rsp.result.data.ptr, a.u.get_rsp.result.data.len);
}

static size_t count_han(struct count_state *s)
{
    struct omp_hdlc_frame f;
    size_t used = 0;
    bool response = false;
    const uint8_t *apdu = NULL;
    size_t apdu_len = 0;
    if (omp_hdlc_decode(s->han, s->han_len, &f, &used) != OMP_OK ||
        omp_hdlc_llc_strip(f.info, f.info_len, &response, &apdu, &apdu_len) != OMP_OK) {
        return 0;
    }
    struct omp_rd rd = omp_rd_init(apdu, apdu_len);
    struct omp_apdu a;
    if (omp_apdu_decode_lazy(&rd, &a) != OMP_OK || a.kind != OMP_APDU_DATA_NOTIFICATION) {
        return 0;
    }
    return walk_values(s, a.u.notify.body.ptr, a.u.notify.body.len);
}

#endif /* OMP_BENCH_DLMS_DECODE_CASES_H */

/*
 * The DLMS server stack of the benchmarks (bench/bench_dlms_stack.c on the host,
 * ports/stm32/bench_dlms.c on the Cortex-M4 under qemu): the server of tests/test_dlms_profile.c
 * (the dictionary of tests/dlms_src.h, an LLS association of client 19 with server 16, max PDU
 * 1010, the factory value), the load profile of A+ and A- (15 min) on a RAM NVM holding two days
 * of entries, and the requests, each through the whole stack: a TCP wrapper PDU in,
 * omp_wrapper_decode, omp_dlms_server_apdu (association check, object, attribute, response),
 * omp_wrapper_encode of the answer. Include after the library's headers (omnipower.h,
 * hal_fakes.h). Everything is static: one translation unit per program.
 */
#ifndef OMP_BENCH_DLMS_STACK_CASES_H
#define OMP_BENCH_DLMS_STACK_CASES_H

#include <string.h>

#include "../tests/dlms_src.h"

#define SECTOR  4096u
#define SECTORS 8u                       /* 32 KiB: fits the Cortex-M4's SRAM too */
#define T_2027  ((omp_time_s)1798761600) /* 2027-01-01T00:00:00Z = 01:00 CET */
#define CLIENT  19u
#define SERVER  16u

static const struct omp_hal_ops k_ops = {
    .nvm_geometry = omp_ram_nvm_geometry,
    .nvm_read = omp_ram_nvm_read,
    .nvm_program = omp_ram_nvm_program,
    .nvm_erase = omp_ram_nvm_erase,
};

struct stack_state {
    uint8_t mem[SECTOR * SECTORS];
    struct omp_ram_nvm nvm;
    struct omp_profile lp;
    struct dlms_src_state src_state;
    struct omp_cosem_src src;
    struct omp_dlms_server srv;
    struct omp_dlms_server_env env;
    uint8_t in[2048];  /* the request as it arrives: wrapper header + APDU */
    uint8_t out[2048]; /* the answer as it leaves */
    uint8_t apdu[2048];
    size_t rows;   /* profile rows of the last read (checked outside the count) */
    size_t blocks; /* its blocks */
    volatile size_t sink;
};

/* One request through the stack: wrapper in, server, wrapper out. @return the answer's APDU
 * length, 0 on any error. */
static size_t through_stack(struct stack_state *s, const uint8_t *apdu, size_t len)
{
    struct omp_wr w = omp_wr_init(s->in, sizeof s->in);
    if (omp_wrapper_encode(CLIENT, SERVER, apdu, len, &w) != OMP_OK) { /* the client's side */
        return 0;
    }
    const size_t n = omp_wr_len(&w);
    struct omp_rd rd = omp_rd_init(s->in, n);
    struct omp_wrapper_pdu pdu;
    if (omp_wrapper_decode(&rd, &pdu) != OMP_OK) {
        return 0;
    }
    struct omp_wr a = omp_wr_init(s->apdu, sizeof s->apdu);
    if (omp_dlms_server_apdu(&s->srv, &s->env, pdu.src_wport, pdu.dst_wport, pdu.apdu, pdu.apdu_len,
                             &a) != OMP_OK) {
        return 0;
    }
    struct omp_wr o = omp_wr_init(s->out, sizeof s->out);
    if (omp_wrapper_encode(pdu.dst_wport, pdu.src_wport, s->apdu, omp_wr_len(&a), &o) != OMP_OK) {
        return 0;
    }
    return omp_wr_len(&a);
}

static size_t case_register(struct stack_state *s)
{
    static const uint8_t req[] = {0xC0, 0x01, 0xC1, 0x00, 0x03, 0x01, 0x01,
                                  0x01, 0x08, 0x00, 0xFF, 0x02, 0x00};
    size_t n = through_stack(s, req, sizeof req);
    /* GET-response normal with data: C4 01 C1 00 ... */
    return (n > 4u && s->apdu[0] == 0xC4u && s->apdu[3] == 0x00u) ? 1u : 0u;
}

/* Selector 1 (range) on the clock column (0.1.1.0.0.255 as the server names it), 2027-01-01 00:00
 * to 23:59:59 local time (CET, deviation and status not specified): the 96 rows of that day. */
static const uint8_t k_range_req[] = {
    0xC0, 0x01, 0xC1, 0x00, 0x07, 0x01, 0x01, 0x63, 0x01, 0x00, 0xFF, 0x02, 0x01, /* buffer */
    0x01, 0x02, 0x04, 0x02, 0x04, 0x12, 0x00, 0x08, 0x09, 0x06, 0x00, 0x01, 0x01, 0x00,
    0x00, 0xFF, 0x0F, 0x02, 0x12, 0x00, 0x00, /* clock column */
    0x09, 0x0C, 0x07, 0xEB, 0x01, 0x01, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0xFF, /* from */
    0x09, 0x0C, 0x07, 0xEB, 0x01, 0x01, 0xFF, 0x17, 0x3B, 0x3B, 0x00, 0x80, 0x00, 0xFF, /* to */
    0x01, 0x00, /* selected_values: all */
};

/* A GET whose answer comes in blocks: @p req through the stack, then GET-next until the last
 * block, reassembled in @p b; s->blocks counted. @return false on any failure. */
static bool get_in_blocks(struct stack_state *s, const uint8_t *req, size_t len,
                          struct omp_dlms_blocks *b)
{
    uint8_t next[16];
    s->blocks = 0;
    for (;;) {
        size_t n = through_stack(s, req, len);
        struct omp_rd rd = omp_rd_init(s->apdu, n);
        struct omp_apdu a;
        if (n == 0u || omp_apdu_decode(&rd, &a) != OMP_OK ||
            omp_dlms_blocks_feed(b, &a) != OMP_OK) {
            return false;
        }
        s->blocks++;
        if (b->done) {
            return true;
        }
        struct omp_wr w = omp_wr_init(next, sizeof next);
        if (omp_dlms_client_get_next(&w, 0xC1u, b->ack_block) != OMP_OK) {
            return false;
        }
        req = next;
        len = omp_wr_len(&w);
    }
}

static size_t case_profile_day(struct stack_state *s)
{
    static uint8_t data[8192];
    struct omp_dlms_blocks b;
    omp_dlms_blocks_init(&b, data, sizeof data);
    if (!get_in_blocks(s, k_range_req, sizeof k_range_req, &b)) {
        return 0;
    }
    /* the array's count: 01 <count> (one byte or 0x81 nn) */
    s->rows = (b.len > 2u && data[1] < 0x80u) ? data[1] : (b.len > 3u ? data[2] : 0u);
    return s->rows;
}

static int stack_setup(struct stack_state *s)
{
    const struct omp_nvm_geometry geo = {SECTORS * SECTOR, SECTOR, 8u, 0xFFu, 100000u};
    if (omp_ram_nvm_init(&s->nvm, s->mem, &geo, NULL) != OMP_OK) {
        return 1;
    }
    omp_ram_nvm_format(&s->nvm);
    const struct omp_nvm_region r = {&k_ops, &s->nvm, 0u, SECTORS};
    struct omp_profile_cfg c;
    dlms_lp_cfg(&c);
    if (omp_profile_open(&s->lp, &c, &r, false) != OMP_OK) {
        return 1;
    }
    for (unsigned k = 0; k < 2u * 96u; k++) { /* two days from 2026-12-31 23:45 CET */
        const int64_t v[2] = {1000 + 250 * (int64_t)k, 5 * (int64_t)k};
        if (omp_profile_capture(&s->lp, T_2027 - 4500 + (omp_time_s)k * 900, v) != OMP_OK) {
            return 1;
        }
    }
    dlms_src_fill(&s->src_state, &s->src);
    memset(&s->env, 0, sizeof s->env);
    s->env.src = &s->src;
    s->env.lp = &s->lp;
    struct omp_dlms_server_cfg sc;
    omp_dlms_server_cfg_default(&sc);
    if (omp_dlms_server_init(&s->srv, &sc) != OMP_OK) {
        return 1;
    }
    struct omp_dlms_aarq_opts o;
    memset(&o, 0, sizeof o);
    o.mechanism = OMP_DLMS_MECH_LLS;
    o.secret = (const uint8_t *)"12345";
    o.secret_len = 5u;
    o.conformance = OMP_CONF_GET | OMP_CONF_BLOCK_TRANSFER_WITH_GET | OMP_CONF_SELECTIVE_ACCESS;
    o.max_pdu = sc.max_pdu;
    uint8_t req[128];
    struct omp_wr w = omp_wr_init(req, sizeof req);
    struct omp_dlms_assoc as;
    if (omp_dlms_client_aarq(&w, &o) != OMP_OK) {
        return 1;
    }
    size_t n = through_stack(s, req, omp_wr_len(&w));
    if (n == 0u || omp_dlms_client_check_aare(s->apdu, n, &as) != OMP_OK || !as.accepted) {
        return 1;
    }
    return 0;
}

#endif /* OMP_BENCH_DLMS_STACK_CASES_H */

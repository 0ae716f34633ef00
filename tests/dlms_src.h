/*
 * The dictionary's view that test_dlms_server and fuzz_dlms_server give the DLMS server: a meter
 * with meter number 12345678 (the captured session's answer), A+ total 1 234 567 Wh, the clock at
 * 2024-01-15 12:00:00 UTC (valid, CET with EU DST), the 131.0.x factory settings, and zero
 * elsewhere. Include after the library's headers.
 */
#ifndef OMP_TEST_DLMS_SRC_H
#define OMP_TEST_DLMS_SRC_H

#include <string.h>

#include "omnipower/cosem.h"

struct dlms_src_state {
    struct omp_registers regs;
    struct omp_cycle cycle;
    struct omp_optical_settings opt;
};

static void dlms_src_fill(struct dlms_src_state *st, struct omp_cosem_src *s)
{
    memset(st, 0, sizeof *st);
    st->regs.e.total.a_plus_uwh = 1234567891234u; /* 1 234 567 Wh */
    st->opt = (struct omp_optical_settings){1u, 0u, 3u, 1u, 1500u, 1500u, 1700u, 90u};
    memset(s, 0, sizeof *s);
    s->regs = &st->regs;
    s->cycle = &st->cycle;
    s->optical = &st->opt;
    s->type_number = "6861111BN142101010";
    s->software_id = "5098736-Q1";
    s->meter_number = 12345678u;
    s->tariff = 1u;
    s->tariffs = 4u;
    s->clock_utc_s = 1705320000; /* 2024-01-15 12:00:00 UTC */
    s->clock_valid = true;
    s->clock_known = true;
    s->utc_offset_min = 60;
    s->dst_rule = OMP_DST_EU;
}

/* The load profile of test_dlms_profile and fuzz_dlms_server: A+ and A- (1.1.1.8.0.255,
 * 1.1.2.8.0.255 attribute 2), 15 min, normal time CET. */
static inline void dlms_lp_cfg(struct omp_profile_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->tag = 0x504Cu;
    c->period_s = 900u;
    c->offset_s = 3600;
    c->columns = 2u;
    for (unsigned k = 0; k < 2u; k++) {
        const uint8_t obis[6] = {1, 1, (uint8_t)(1u + k), 8, 0, 255};
        memcpy(c->col[k].obis, obis, 6);
        c->col[k].attr = 2u;
        c->col[k].kind = OMP_PLOG_COUNTER;
        c->col[k].max_step = 5750u;
    }
}

#endif /* OMP_TEST_DLMS_SRC_H */

/*
 * The demand registers (class 5 v0) and the register monitor (class 21 v0) of the data dictionary
 * (docs/cosem.md "Demand and monitor") through the DLMS server, with hand-encoded APDUs: GET of
 * every attribute, ACTION and SET refused, and the monitor's crossings (omp_cosem_monitor_eval)
 * on a source whose power the test drives.
 *
 * The source is tests/dlms_src.h's (clock 2024-01-15 12:00:00 UTC, CET: deviation -60 = FFC4,
 * status 00) with a running demand period and a closed one set below; every expected value is
 * worked out by hand in the comment next to it (Blue Book IC 5, IC 21; Green Book A-XDR):
 *   GET-request-normal    C0 01 C1 | class(2) obis(6) attr(1) | 00
 *   GET-response-normal   C4 01 C1 | 00 Data, or 01 data-access-result
 *   ACTION-request-normal C3 01 C1 | class(2) obis(6) method(1) | 01 Data
 *   ACTION-response       C7 01 C1 | action-result | 00
 *   SET-request-normal    C1 01 C1 | class(2) obis(6) attr(1) | 00 | Data
 *   SET-response-normal   C5 01 C1 | data-access-result
 * Tags: 01 array, 02 structure, 06 double-long-unsigned, 09 octet-string, 0F integer,
 * 11 unsigned, 12 long-unsigned, 16 enum. Units (Blue Book): 27 W (1B), 28 VA (1C), 29 var (1D).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/apdu.h"
#include "omnipower/cosem.h"
#include "omnipower/dlms_server.h"
#include "omnipower/evq.h"

#include "dlms_src.h"
#include "test_hex.h"

static struct dlms_src_state g_state;
static struct omp_cosem_src g_src;
static struct omp_evq g_evq;
static struct omp_dlms_server g_srv;
static struct omp_dlms_server_env g_env;
static uint8_t g_rsp[2048];

#define AARQ_LLS                                                                                   \
    "6033A1090607608574050801018A0207808B0760857405080201AC0780053132333435BE10040E01000000065F1F" \
    "040000FE1FFFFF"

/* 2024-01-15 11:45:00 UTC = 1705320000 - 900 */
#define T_1145 ((omp_time_s)1705319100)
/* ... as the meter shows it: 12:45:00 CET, Monday, hundredths FF, deviation -60, status 00 */
#define DT_1245 "090C 07E8010F01 0C2D00FF FFC4 00"
/* a date-time with every field not specified */
#define DT_UNSET "090C FFFF FF FF FF FF FF FF FF 8000 FF"

/* The demand state: period Z4 15 min (900 s) running since 11:45 UTC, A+ grown by 600 Wh since
 * then: current average 600 Wh * 3600 / 900 s = 2400 W (0x960); the last period (11:30..11:45
 * UTC) closed with a mean of 4321 W (0x10E1), flags power cut | short (0x05); R+, E+ and E- kept
 * nothing (0). PowerThresholdValue 99000 W (0x000182B8). */
static void demand_state(void)
{
    struct omp_registers *r = &g_state.regs;
    r->cfg.demand_period_min = 15u;
    r->cfg.power_threshold_w = 99000u;
    r->demand.start_utc = T_1145;
    r->demand.end_utc = T_1145 + 900;
    r->demand.start_a_plus = r->e.total.a_plus_uwh - 600000000u;
    r->demand.have_last = true;
    r->demand.last.end_utc = T_1145;
    r->demand.last.p_plus_w = 4321u;
    r->demand.last.flags = 0x05u;
}

static int setup(void **state)
{
    (void)state;
    dlms_src_fill(&g_state, &g_src);
    demand_state();
    assert_int_equal(omp_evq_init(&g_evq), OMP_OK);
    g_env.src = &g_src;
    g_env.events = &g_evq;
    struct omp_dlms_server_cfg c;
    omp_dlms_server_cfg_default(&c);
    assert_int_equal(omp_dlms_server_init(&g_srv, &c), OMP_OK);
    return 0;
}

static size_t unhex_sp(const char *hex, uint8_t *out, size_t cap)
{
    char t[1024];
    size_t n = 0;
    for (const char *p = hex; *p != '\0'; p++) {
        if (*p != ' ') {
            assert_true(n + 1u < sizeof t);
            t[n++] = *p;
        }
    }
    t[n] = '\0';
    return unhex(t, out, cap);
}

static size_t ask(uint16_t client, const char *hex)
{
    uint8_t req[512];
    size_t n = unhex_sp(hex, req, sizeof req);
    struct omp_wr w = omp_wr_init(g_rsp, sizeof g_rsp);
    assert_int_equal(omp_dlms_server_apdu(&g_srv, &g_env, client, 16u, req, n, &w), OMP_OK);
    return omp_wr_len(&w);
}

/* The answer to @p req must be @p rsp; a mismatch names the caller's line. */
static void expect_at(int line, uint16_t client, const char *req, const char *rsp)
{
    uint8_t want[512];
    size_t n = unhex_sp(rsp, want, sizeof want);
    size_t got = ask(client, req);
    if (got != n || memcmp(g_rsp, want, n) != 0) {
        print_message("line %d: answer of %zu bytes:", line, got);
        for (size_t k = 0; k < got; k++) {
            print_message(" %02X", g_rsp[k]);
        }
        print_message("\n");
    }
    assert_int_equal(got, n);
    assert_memory_equal(g_rsp, want, n);
}
#define expect(c, q, r) expect_at(__LINE__, c, q, r)

static void lls(uint16_t client)
{
    size_t n = ask(client, AARQ_LLS);
    assert_true(n > 17u && g_rsp[0] == 0x61u);
    assert_int_not_equal(omp_dlms_server_assoc(&g_srv), 0u);
}

/* class 5, A+ demand 1.0.1.4.0.255; R+ 1.0.3.4.0.255; the register monitor 0.0.16.0.0.255 */
#define DM_A "0005 0100010400FF"
#define DM_R "0005 0100030400FF"
#define MON "0015 0000100000FF"

static void test_demand_get(void **state)
{
    (void)state;
    lls(18u);
    expect(18u, "C001C1" DM_A "0100", "C401C100 0906 0100010400FF");
    expect(18u, "C001C1" DM_A "0200", "C401C100 06 00000960");      /* 2400 W */
    expect(18u, "C001C1" DM_A "0300", "C401C100 06 000010E1");      /* 4321 W */
    expect(18u, "C001C1" DM_A "0400", "C401C100 0202 0F00 161B");   /* {0, W} */
    expect(18u, "C001C1" DM_A "0500", "C401C100 11 05");            /* last period's flags */
    expect(18u, "C001C1" DM_A "0600", "C401C100 " DT_1245);         /* capture_time */
    expect(18u, "C001C1" DM_A "0700", "C401C100 " DT_1245);         /* start_time_current */
    expect(18u, "C001C1" DM_A "0800", "C401C100 06 00000384");      /* period 900 s */
    expect(18u, "C001C1" DM_A "0900", "C401C100 12 0001");          /* number_of_periods */
    expect(18u, "C001C1" DM_A "0A00", "C401C101 04");               /* no attribute 10 */
    /* R+: nothing kept in either period: 0 var; scaler_unit {0, var} */
    expect(18u, "C001C1" DM_R "0200", "C401C100 06 00000000");
    expect(18u, "C001C1" DM_R "0300", "C401C100 06 00000000");
    expect(18u, "C001C1" DM_R "0400", "C401C100 0202 0F00 161D");
    /* E+ and E-: {0, VA} */
    expect(18u, "C001C1 0005 0100090400FF 0400", "C401C100 0202 0F00 161C");
    expect(18u, "C001C1 0005 01000A0400FF 0400", "C401C100 0202 0F00 161C");
    /* class 3 asked for a demand register: object-class-inconsistent (09) */
    expect(18u, "C001C1 0003 0100010400FF 0200", "C401C101 09");
}

/* Before the first period (no valid clock yet): averages 0, times not specified, status 0. */
static void test_demand_before_first_period(void **state)
{
    (void)state;
    memset(&g_state.regs.demand, 0, sizeof g_state.regs.demand);
    lls(19u);
    expect(19u, "C001C1" DM_A "0200", "C401C100 06 00000000");
    expect(19u, "C001C1" DM_A "0300", "C401C100 06 00000000");
    expect(19u, "C001C1" DM_A "0500", "C401C100 11 00");
    expect(19u, "C001C1" DM_A "0600", "C401C100 " DT_UNSET);
    expect(19u, "C001C1" DM_A "0700", "C401C100 " DT_UNSET);
}

/* reset (1) and next_period (2) of legal data: read-write-denied (03) for every association;
 * method 3: not the class's, object-undefined (04). The registers are untouched. */
static void test_demand_methods_refused(void **state)
{
    (void)state;
    for (uint16_t client = 18u; client <= 20u; client++) {
        lls(client);
        expect(client, "C301C1" DM_A "01 01 0F00", "C701C1 03 00");
        expect(client, "C301C1" DM_A "02 01 0F00", "C701C1 03 00");
        expect(client, "C301C1" DM_R "01 00", "C701C1 03 00");
        expect(client, "C301C1" DM_A "03 01 0F00", "C701C1 04 00");
    }
    assert_int_equal(g_state.regs.demand.start_utc, T_1145);
    assert_int_equal(g_state.regs.demand.last.p_plus_w, 4321u);
    /* and through the API: listed (2 methods), granted to nobody, not even the meter itself */
    const struct omp_cosem_obj *o = omp_cosem_find((const uint8_t[6]){1, 0, 1, 4, 0, 255});
    assert_non_null(o);
    assert_int_equal(omp_cosem_method_count(5u), 2u);
    for (unsigned bit = 1u; bit <= (unsigned)OMP_ASSOC_LOCAL; bit <<= 1) {
        assert_false(omp_cosem_method_allowed(o, 5u, 1u, bit));
        assert_false(omp_cosem_method_allowed(o, 5u, 2u, bit));
    }
    assert_int_equal(omp_cosem_action(&g_src, o, 1u, OMP_ASSOC_HLS_MGMT), OMP_ERR_DENIED);
    assert_int_equal(omp_cosem_action(&g_src, o, 2u, OMP_ASSOC_LOCAL), OMP_ERR_DENIED);
    assert_int_equal(omp_cosem_action(&g_src, o, 3u, OMP_ASSOC_LOCAL), OMP_ERR_NOT_FOUND);
}

/* Every attribute read-only: read-write-denied (03); attribute 10: object-undefined (04). */
static void test_demand_set_refused(void **state)
{
    (void)state;
    lls(18u);
    expect(18u, "C101C1" DM_A "02 00 06 00000000", "C501C1 03");
    expect(18u, "C101C1" DM_A "03 00 06 00000000", "C501C1 03");
    expect(18u, "C101C1" DM_A "08 00 06 00000384", "C501C1 03");
    expect(18u, "C101C1" DM_A "09 00 12 0002", "C501C1 03");
    expect(18u, "C101C1" DM_A "0A 00 1100", "C501C1 04");
    expect(18u, "C001C1" DM_A "0200", "C401C100 06 00000960"); /* unchanged */
}

/* The register monitor: thresholds {99000 W}; monitored_value {class 3, 1.1.1.7.0.255, attr 2};
 * actions {{0.0.10.0.103.255, 1}, {0.0.10.0.103.255, 2}} (action_up, action_down); no method. */
static void test_monitor_get(void **state)
{
    (void)state;
    lls(20u);
    expect(20u, "C001C1" MON "0100", "C401C100 0906 0000100000FF");
    expect(20u, "C001C1" MON "0200", "C401C100 0101 06 000182B8");
    expect(20u, "C001C1" MON "0300", "C401C100 0203 120003 0906 0101010700FF 0F02");
    expect(20u, "C001C1" MON "0400",
           "C401C100 0101 0202 0202 0906 00000A0067FF 120001 0202 0906 00000A0067FF 120002");
    expect(20u, "C001C1" MON "0500", "C401C101 04");
    /* read-only in this release (PowerThresholdValue is not writable): read-write-denied */
    expect(20u, "C101C1" MON "02 00 0101 06 00000064", "C501C1 03");
    expect(20u, "C101C1" MON "03 00 0203 120003 0906 0101010700FF 0F02", "C501C1 03");
    /* class 21 has no method: object-undefined */
    expect(20u, "C301C1" MON "01 01 0F00", "C701C1 04 00");
    assert_int_equal(omp_cosem_method_count(21u), 0u);
    expect(20u, "C001C1" MON "0200", "C401C100 0101 06 000182B8"); /* unchanged */
}

/* One evaluation at @p w watts of the cycle: OMP_OK with @p ev on a crossing. */
static omp_err eval_at(float w, struct omp_cosem_monitor *st, struct omp_event *ev)
{
    g_state.cycle.p_w = w;
    return omp_cosem_monitor_eval(&g_src, st, ev);
}

/* Crossings with threshold 99000 W: each once, up when above it, down when back to at most it
 * (99000 itself is "at most"); arg the value in W; off (threshold 0): nothing. */
static void test_monitor_crossings(void **state)
{
    (void)state;
    struct omp_cosem_monitor st;
    memset(&st, 0, sizeof st);
    struct omp_event ev;
    assert_int_equal(eval_at(500.0f, &st, &ev), OMP_ERR_NOT_FOUND);
    assert_int_equal(eval_at(99000.0f, &st, &ev), OMP_ERR_NOT_FOUND); /* equal: not above */
    assert_int_equal(eval_at(99001.0f, &st, &ev), OMP_OK);
    assert_int_equal(ev.code, OMP_EV_MONITOR_UP);
    assert_int_equal(ev.arg, 99001u);
    assert_int_equal(ev.flags, 0u);
    assert_int_equal(ev.utc_s, 1705320000);
    assert_int_equal(eval_at(120000.0f, &st, &ev), OMP_ERR_NOT_FOUND); /* still above: once */
    assert_int_equal(eval_at(99000.0f, &st, &ev), OMP_OK);
    assert_int_equal(ev.code, OMP_EV_MONITOR_DOWN);
    assert_int_equal(ev.arg, 99000u);
    assert_int_equal(eval_at(10.0f, &st, &ev), OMP_ERR_NOT_FOUND);
    /* exporting (P < 0): active power import is 0, below */
    assert_int_equal(eval_at(-150000.0f, &st, &ev), OMP_ERR_NOT_FOUND);
    assert_int_equal(eval_at(150000.0f, &st, &ev), OMP_OK);
    assert_int_equal(ev.code, OMP_EV_MONITOR_UP);
    /* threshold off (0): nothing, and the memory goes back to "at most": when it is on again, a
     * value above is a crossing up */
    g_state.regs.cfg.power_threshold_w = 0u;
    assert_int_equal(eval_at(150000.0f, &st, &ev), OMP_ERR_NOT_FOUND);
    assert_int_equal(eval_at(0.0f, &st, &ev), OMP_ERR_NOT_FOUND);
    assert_int_equal(eval_at(150000.0f, &st, &ev), OMP_ERR_NOT_FOUND);
    g_state.regs.cfg.power_threshold_w = 99000u;
    assert_int_equal(eval_at(150000.0f, &st, &ev), OMP_OK);
    assert_int_equal(ev.code, OMP_EV_MONITOR_UP);
    assert_int_equal(omp_cosem_monitor_eval(NULL, &st, &ev), OMP_ERR_ARG);
    assert_int_equal(omp_cosem_monitor_eval(&g_src, NULL, &ev), OMP_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_demand_get, setup),
        cmocka_unit_test_setup(test_demand_before_first_period, setup),
        cmocka_unit_test_setup(test_demand_methods_refused, setup),
        cmocka_unit_test_setup(test_demand_set_refused, setup),
        cmocka_unit_test_setup(test_monitor_get, setup),
        cmocka_unit_test_setup(test_monitor_crossings, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

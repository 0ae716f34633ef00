/*
 * The communication setup objects (lib/cosem/cosem_setup.c) read through the DLMS server: SAP
 * assignment, the COSEM logical device name, IEC HDLC setup, IEC local port setup, push setup,
 * and the refusals (attributes no one reads, the security setup outside the management
 * association, writes, methods).
 *
 * Expected bytes are encoded by hand: the APDUs from the Green Book (GET-request-normal C0 01
 * <invoke> <class(2)> <OBIS(6)> <attr> 00; GET-response-normal C4 01 <invoke> 00 <Data> or 01
 * <dar>), the Data from the Blue Book's attribute types (IC 17, 19, 23 v1, 40 v0) in A-XDR
 * (01 array, 02 structure, 09 octet-string, 11 unsigned, 12 long-unsigned, 16 enum, 0F integer),
 * the values from technical facts 11.2 (HDLC defaults), 11.8 (`KAME` + the serial number as a
 * 6-byte number), 10.2 / IEC 62056-21 (local port) and 12.2 / 12.3 (push lists, addresses).
 * The meter number of dlms_src.h is 12345678 = 0x00BC614E.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/apdu.h"
#include "omnipower/axdr.h"
#include "omnipower/cosem.h"
#include "omnipower/dlms_server.h"
#include "omnipower/evq.h"
#include "omnipower/push.h"

#include "dlms_src.h"
#include "test_hex.h"

static struct dlms_src_state g_state;
static struct omp_cosem_src g_src;
static struct omp_evq g_evq;
static struct omp_dlms_server g_srv;
static struct omp_dlms_server_env g_env;
static struct omp_push_cfg g_push;
static uint8_t g_rsp[2048];

/* The AARQs of test_dlms_server (Kamstrup's captured sessions S1 public and S2 LLS, password
 * 12345), each proposing max receive PDU 0xFFFF. */
#define AARQ_PUBLIC "601DA109060760857405080101BE10040E01000000065F1F040000181DFFFF"
#define AARQ_LLS                                                                                   \
    "6033A1090607608574050801018A0207808B0760857405080201AC0780053132333435BE10040E01000000065F1F" \
    "040000FE1FFFFF"
/* `KAME` 4B 41 4D 45 and 12345678 as 6 bytes: 00 00 00 BC 61 4E (technical facts 11.8) */
#define LDN "090A 4B414D45 000000BC614E"

static int setup(void **state)
{
    (void)state;
    dlms_src_fill(&g_state, &g_src);
    omp_push_cfg_default(&g_push);
    g_src.push = &g_push; /* push off: the factory state */
    assert_int_equal(omp_evq_init(&g_evq), OMP_OK);
    memset(&g_env, 0, sizeof g_env);
    g_env.src = &g_src;
    g_env.events = &g_evq;
    struct omp_dlms_server_cfg c;
    omp_dlms_server_cfg_default(&c);
    assert_int_equal(omp_dlms_server_init(&g_srv, &c), OMP_OK);
    return 0;
}

/* Send @p hex (spaces ignored) from (client, server) and compare the answer with @p rsp. */
static void expect(uint16_t client, uint16_t server, const char *hex, const char *rsp)
{
    char t[2048];
    size_t n = 0;
    for (const char *p = hex; *p != '\0'; p++) {
        if (*p != ' ') {
            t[n++] = *p;
        }
    }
    t[n] = '\0';
    uint8_t req[512];
    size_t rn = unhex(t, req, sizeof req);
    n = 0;
    for (const char *p = rsp; *p != '\0'; p++) {
        if (*p != ' ') {
            t[n++] = *p;
        }
    }
    t[n] = '\0';
    static uint8_t want[1024];
    size_t wn = unhex(t, want, sizeof want);
    struct omp_wr w = omp_wr_init(g_rsp, sizeof g_rsp);
    assert_int_equal(omp_dlms_server_apdu(&g_srv, &g_env, client, server, req, rn, &w), OMP_OK);
    assert_int_equal(omp_wr_len(&w), wn);
    assert_memory_equal(g_rsp, want, wn);
}

static void associate(uint16_t client)
{
    struct omp_wr w = omp_wr_init(g_rsp, sizeof g_rsp);
    uint8_t req[128];
    size_t n = unhex(client == 16u ? AARQ_PUBLIC : AARQ_LLS, req, sizeof req);
    assert_int_equal(omp_dlms_server_apdu(&g_srv, &g_env, client, client == 16u ? 1u : 16u, req,
                                          n, &w),
                     OMP_OK);
    assert_int_equal(omp_dlms_server_assoc(&g_srv) != 0u, true);
}

/* SAP assignment 0.0.41.0.0.255 (class 17 = 0011): SAP_assignment_list, an array of
 * {SAP long-unsigned, logical_device_name octet-string}: 1 the management logical device, 16
 * the meter's (the HDLC server's logical devices), each named `KAME` + serial. Public reads it
 * (technical facts 11.1); logical name 1. */
static void test_sap_assignment(void **state)
{
    (void)state;
    associate(16u);
    expect(16u, 1u, "C001C1 0011 0000290000FF 02 00",
           "C401C100 0102 0202 120001 " LDN " 0202 120010 " LDN);
    expect(16u, 1u, "C001C1 0011 0000290000FF 01 00", "C401C100 0906 0000290000FF");
    /* attribute 3: none in class 17 (object-undefined 4); class 1 asked: class-inconsistent 9 */
    expect(16u, 1u, "C001C1 0011 0000290000FF 03 00", "C401C10104");
    expect(16u, 1u, "C001C1 0001 0000290000FF 02 00", "C401C10109");
    /* the COSEM logical device name 0.0.42.0.0.255 (class 1): not in the public list (11.1) */
    expect(16u, 1u, "C001C1 0001 00002A0000FF 02 00", "C401C10103");
    associate(18u);
    expect(18u, 16u, "C001C1 0001 00002A0000FF 02 00", "C401C100 " LDN);
}

/* IEC HDLC setup 0.0.22.0.0.255 (class 23 = 0017, version 1), technical facts 11.2:
 * 2 comm_speed enum 5 (9600 Bd), 3/4 window sizes unsigned 1, 5/6 max info field long-unsigned
 * 1010 = 03F2, 7 inter_octet_time_out 500 ms = 01F4, 8 inactivity_time_out 20 s = 0014,
 * 9 device_address 32 = 0020. Public reads it (11.1). */
static void test_hdlc_setup(void **state)
{
    (void)state;
    static const char *const want[] = {"1605",   "1101",   "1101",   "1203F2",
                                       "1203F2", "1201F4", "120014", "120020"};
    for (unsigned client = 16u; client <= 18u; client += 2u) {
        associate((uint16_t)client);
        uint16_t server = client == 16u ? 1u : 16u;
        for (unsigned a = 2u; a <= 9u; a++) {
            char req[64], rsp[32];
            (void)snprintf(req, sizeof req, "C001C1 0017 0000160000FF %02X 00", a);
            (void)snprintf(rsp, sizeof rsp, "C401C100 %s", want[a - 2u]);
            expect((uint16_t)client, server, req, rsp);
        }
        expect((uint16_t)client, server, "C001C1 0017 0000160000FF 0A 00", "C401C10104");
    }
    /* read-only for now: SET of inactivity_time_out (8) to 30 s: read-write-denied (3) */
    expect(18u, 16u, "C101C1 0017 0000160000FF 08 00 12001E", "C501C103");
}

/* IEC local port setup 0.0.20.0.0.255 (class 19 = 0013, version 1): 2 default_mode enum 0
 * (IEC 62056-21: 131.0.12 = 1, modes A and C), 3 default_baud enum 0 (300 Bd sign-on), 4
 * prop_baud enum 5 (9600 Bd, the identification's '5'), 5 response_time enum 1 (200 ms),
 * 6 device_addr octet-string "12345678"; 7..9 the passwords: no one reads them (3). Not in the
 * public list. */
static void test_local_port_setup(void **state)
{
    (void)state;
    associate(16u);
    expect(16u, 1u, "C001C1 0013 0000140000FF 02 00", "C401C10103");
    associate(18u);
    expect(18u, 16u, "C001C1 0013 0000140000FF 02 00", "C401C100 1600");
    expect(18u, 16u, "C001C1 0013 0000140000FF 03 00", "C401C100 1600");
    expect(18u, 16u, "C001C1 0013 0000140000FF 04 00", "C401C100 1605");
    expect(18u, 16u, "C001C1 0013 0000140000FF 05 00", "C401C100 1601");
    expect(18u, 16u, "C001C1 0013 0000140000FF 06 00", "C401C100 0908 3132333435363738");
    expect(18u, 16u, "C001C1 0013 0000140000FF 07 00", "C401C10103");
    expect(18u, 16u, "C001C1 0013 0000140000FF 08 00", "C401C10103");
    expect(18u, 16u, "C001C1 0013 0000140000FF 09 00", "C401C10103");
    /* 131.0.12 = 0 (no IEC 62056-21): default_mode 2, not specified */
    g_state.opt.comm_mode = 0u;
    expect(18u, 16u, "C001C1 0013 0000140000FF 02 00", "C401C100 1602");
}

/* Push setup 0.0.25.9.0.255 (class 40 = 0028, version 0), push off: 2 push_object_list an
 * empty array, 3 send_destination_and_method {transport_service enum 5 HDLC, destination empty,
 * message enum 0 A-XDR}, 4 communication_window empty, 5 randomisation_start_interval 0, 6
 * number_of_retries 0, 7 repetition_delay 0. */
static void test_push_setup_off(void **state)
{
    (void)state;
    associate(16u);
    expect(16u, 1u, "C001C1 0028 0000190900FF 02 00", "C401C10103"); /* not public */
    associate(20u);
    expect(20u, 16u, "C001C1 0028 0000190900FF 02 00", "C401C100 0100");
    expect(20u, 16u, "C001C1 0028 0000190900FF 03 00", "C401C100 0203 1605 0900 1600");
    expect(20u, 16u, "C001C1 0028 0000190900FF 04 00", "C401C100 0100");
    expect(20u, 16u, "C001C1 0028 0000190900FF 05 00", "C401C100 120000");
    expect(20u, 16u, "C001C1 0028 0000190900FF 06 00", "C401C100 1100");
    expect(20u, 16u, "C001C1 0028 0000190900FF 07 00", "C401C100 120000");
    expect(20u, 16u, "C001C1 0028 0000190900FF 08 00", "C401C10104");
    /* method 1 push: the object list grants it to no one: read-write-denied (3), no return
     * parameters (ACTION-response-normal C7 01 invoke result 00); method 2: none (4) */
    expect(20u, 16u, "C301C1 0028 0000190900FF 01 01 0F00", "C701C10300");
    expect(20u, 16u, "C301C1 0028 0000190900FF 02 01 0F00", "C701C10400");
}

/* NVE list 1 on (technical facts 12.2: list version id, GS1 number, meter type, P14, P23, Q12,
 * Q34, IL1..3, UL1..3): push_object_list, each {class long-unsigned, OBIS, attribute 2 integer,
 * data_index 0}; destination the frames' HDLC address 21 = 0x15 (12.3, vectors/README.md). */
static void test_push_setup_nve1(void **state)
{
    (void)state;
    static const struct {
        uint8_t cls, c, d, e;
    } k_items[] = {{1, 0, 2, 129}, {1, 0, 0, 5},  {1, 96, 1, 1}, {3, 1, 7, 0}, {3, 2, 7, 0},
                   {3, 3, 7, 0},   {3, 4, 7, 0},  {3, 31, 7, 0}, {3, 51, 7, 0}, {3, 71, 7, 0},
                   {3, 32, 7, 0},  {3, 52, 7, 0}, {3, 72, 7, 0}};
    static char rsp[1024];
    size_t n = (size_t)snprintf(rsp, sizeof rsp, "C401C100 010D");
    for (size_t k = 0; k < sizeof k_items / sizeof k_items[0]; k++) {
        n += (size_t)snprintf(rsp + n, sizeof rsp - n,
                              " 0204 1200%02X 0906 0101%02X%02X%02XFF 0F02 120000",
                              k_items[k].cls, k_items[k].c, k_items[k].d, k_items[k].e);
    }
    g_push.lists = OMP_PUSH_BIT(OMP_PUSH_NVE1);
    associate(18u);
    expect(18u, 16u, "C001C1 0028 0000190900FF 02 00", rsp);
    expect(18u, 16u, "C001C1 0028 0000190900FF 03 00", "C401C100 0203 1605 090115 1600");
    /* the Danish list: destination 32 = 0x20 */
    g_push.lists = OMP_PUSH_BIT(OMP_PUSH_DK);
    expect(18u, 16u, "C001C1 0028 0000190900FF 03 00", "C401C100 0203 1605 090120 1600");
}

/* Security setup 0.0.43.0.0.255 (class 64 = 0040) and Association LN attribute 9: the
 * management association's; an LLS association reads neither (read-write-denied 3). */
static void test_security_refused(void **state)
{
    (void)state;
    associate(19u);
    expect(19u, 16u, "C001C1 0040 00002B0000FF 02 00", "C401C10103");
    expect(19u, 16u, "C001C1 000F 0000280000FF 09 00", "C401C10103");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_sap_assignment, setup),
        cmocka_unit_test_setup(test_hdlc_setup, setup),
        cmocka_unit_test_setup(test_local_port_setup, setup),
        cmocka_unit_test_setup(test_push_setup_off, setup),
        cmocka_unit_test_setup(test_push_setup_nve1, setup),
        cmocka_unit_test_setup(test_security_refused, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

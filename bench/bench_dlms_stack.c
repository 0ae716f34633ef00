/*
 * GET requests through the whole DLMS server stack on the host (numbers only, never pass/fail):
 * a TCP wrapper PDU in, omp_wrapper_decode, omp_dlms_server_apdu (association check, object,
 * attribute, response), omp_wrapper_encode of the answer.
 *
 *   bench_dlms_stack list          names of the cases (name, requests per call, unit)
 *   bench_dlms_stack CASE N        run CASE N times inside bench_measured_stack() (callgrind)
 *   bench_dlms_stack rate [SECS]   each case for about SECS (default 0.5) s: requests/s (wall
 *                                  clock, only indicative)
 *   bench_dlms_stack sizes         RAM of the server per association and per port, in bytes
 *   bench_dlms_stack get_profile_1100d N   the 1100-day read N times (not in `list`: about
 *                                  0.2 G instructions a read; bench/run.sh counts one)
 *
 * The server and the cases are in dlms_stack_cases.h (shared with the Cortex-M4 bench,
 * ports/stm32/bench_dlms.c):
 *  - get_register: GET 1.1.1.8.0.255 (class 3) attribute 2, A+ total: one request, one answer;
 *  - get_profile_day: GET of the load profile's buffer by range (selector 1, one local day:
 *    96 rows), then GET-next until the last block: one "request" is the whole read;
 *  - get_profile_1100d (host only: its log takes about 1 MB): the same read of a load profile
 *    holding 1100 days at 15 minutes (105 600 entries, on the fewest 4 KiB sectors whose
 *    guaranteed depth is that), by a range covering all of them, joined with omp_dlms_blocks_*.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <omnipower/hal_fakes.h>
#include <omnipower/omnipower.h>

#include "dlms_stack_cases.h"

struct stack_case {
    const char *name;
    size_t (*fn)(struct stack_state *s);
    const char *unit;
};

static const struct stack_case k_cases[] = {
    {"get_register", case_register, "GET A+ total (class 3, attr 2) through wrapper + server"},
    {"get_profile_day", case_profile_day,
     "GET load profile by range, 1 day = 96 rows x 6 columns, all blocks (PDU 1010)"},
};

/* ---- the 1100-day read --------------------------------------------------------------------- */

#define LONG_DAYS 1100u
#define LONG_SECTORS_MAX 320u
#define T_2024 ((omp_time_s)1704067200) /* 2024-01-01T00:00:00Z; + 1100 days: 2027-01-05 */

static uint8_t g_long_mem[SECTOR * LONG_SECTORS_MAX];
static uint8_t g_long_data[4u << 20];
static struct omp_ram_nvm g_long_nvm;
static struct omp_profile g_long_lp;

/* The server of stack_setup, its load profile replaced by one of 1100 days. */
static int long_setup(struct stack_state *s)
{
    struct omp_profile_cfg c;
    dlms_lp_cfg(&c);
    struct omp_nvm_geometry geo = {0u, SECTOR, 8u, 0xFFu, 100000u};
    uint32_t sectors = 3u;
    while (omp_profile_capacity(&c, &geo, sectors) < LONG_DAYS * 96u) {
        sectors++;
    }
    geo.size = sectors * SECTOR;
    if (sectors > LONG_SECTORS_MAX || stack_setup(s) != 0 ||
        omp_ram_nvm_init(&g_long_nvm, g_long_mem, &geo, NULL) != OMP_OK) {
        return 1;
    }
    omp_ram_nvm_format(&g_long_nvm);
    const struct omp_nvm_region r = {&k_ops, &g_long_nvm, 0u, sectors};
    if (omp_profile_open(&g_long_lp, &c, &r, false) != OMP_OK) {
        return 1;
    }
    for (uint32_t k = 0; k < LONG_DAYS * 96u; k++) {
        const int64_t v[2] = {1000 + 250 * (int64_t)k, 5 * (int64_t)k};
        if (omp_profile_capture(&g_long_lp, T_2024 + (omp_time_s)k * 900, v) != OMP_OK) {
            return 1;
        }
    }
    s->env.lp = &g_long_lp;
    return 0;
}

/* Range 2024-01-01 00:00:00Z .. 2027-01-04 23:59:59Z (deviation 0): all 105 600 entries. */
static const uint8_t k_long_req[] = {
    0xC0, 0x01, 0xC1, 0x00, 0x07, 0x01, 0x01, 0x63, 0x01, 0x00, 0xFF, 0x02, 0x01, 0x01, 0x02,
    0x04, 0x02, 0x04, 0x12, 0x00, 0x08, 0x09, 0x06, 0x00, 0x01, 0x01, 0x00, 0x00, 0xFF, 0x0F,
    0x02, 0x12, 0x00, 0x00, 0x09, 0x0C, 0x07, 0xE8, 0x01, 0x01, 0xFF, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x09, 0x0C, 0x07, 0xEB, 0x01, 0x04, 0xFF, 0x17, 0x3B, 0x3B, 0x00, 0x00,
    0x00, 0x00, 0x01, 0x00,
};

static size_t case_profile_1100d(struct stack_state *s)
{
    struct omp_dlms_blocks b;
    omp_dlms_blocks_init(&b, g_long_data, sizeof g_long_data);
    if (!get_in_blocks(s, k_long_req, sizeof k_long_req, &b)) {
        return 0;
    }
    /* the array's count: 01 83 nn nn nn */
    s->rows = b.len > 5u && g_long_data[1] == 0x83u
                  ? (size_t)g_long_data[2] << 16 | (size_t)g_long_data[3] << 8 | g_long_data[4]
                  : 0u;
    return s->rows;
}

static const struct stack_case k_long = {
    "get_profile_1100d", case_profile_1100d,
    "GET load profile by range, 1100 days = 105 600 rows x 6 columns, all blocks (PDU 1010)"};

__attribute__((noinline)) void bench_measured_stack(const struct stack_case *c,
                                                    struct stack_state *s, unsigned long n);
__attribute__((noinline)) void bench_measured_stack(const struct stack_case *c,
                                                    struct stack_state *s, unsigned long n)
{
    for (unsigned long i = 0; i < n; i++) {
        s->sink += c->fn(s);
    }
}

static double now_s(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void rate(struct stack_state *s, double seconds)
{
    printf("DLMS server stack on the host, wall clock, %.2f s per case:\n", seconds);
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_cases); i++) {
        unsigned long n = 0;
        double t0 = now_s(), t = t0;
        do {
            bench_measured_stack(&k_cases[i], s, 16u);
            n += 16u;
            t = now_s();
        } while (t - t0 < seconds);
        printf("%-16s %12.0f requests/s\n", k_cases[i].name, (double)n / (t - t0));
    }
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "list") == 0) {
        for (size_t i = 0; i < OMP_ARRAY_LEN(k_cases); i++) {
            printf("%s 1 %s\n", k_cases[i].name, k_cases[i].unit);
        }
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "sizes") == 0) {
        /* per association: the server; per port: its link and frame buffers, and the APDU
         * buffers the port keeps (request and response, max PDU each) */
        printf("association: sizeof(struct omp_dlms_server) %zu\n", sizeof(struct omp_dlms_server));
        printf("per-call: sizeof(struct omp_dlms_server_env) %zu\n",
               sizeof(struct omp_dlms_server_env));
        printf("HDLC port: sizeof(struct omp_hdlc_link) %zu\n", sizeof(struct omp_hdlc_link));
        printf("HDLC port: sizeof(struct omp_hdlc_stream) %zu\n", sizeof(struct omp_hdlc_stream));
        printf("TCP port: sizeof(struct omp_wrapper_rx) %zu\n", sizeof(struct omp_wrapper_rx));
        printf("any port: APDU buffers (2 x max PDU %u) %u\n",
               (unsigned)OMP_DLMS_SERVER_PDU_DEFAULT, 2u * (unsigned)OMP_DLMS_SERVER_PDU_DEFAULT);
        return 0;
    }
    static struct stack_state state;
    if (stack_setup(&state) != 0) {
        fprintf(stderr, "bench_dlms_stack: setup failed\n");
        return 1;
    }
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_cases); i++) {
        if (k_cases[i].fn(&state) == 0u) { /* works, outside the count */
            fprintf(stderr, "bench_dlms_stack: case %s failed\n", k_cases[i].name);
            return 1;
        }
    }
    if (argc >= 2 && strcmp(argv[1], "rate") == 0) {
        double secs = argc > 2 ? atof(argv[2]) : 0.5;
        rate(&state, secs > 0.0 && secs < 60.0 ? secs : 0.5);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], k_long.name) == 0) {
        static struct stack_state long_state;
        if (long_setup(&long_state) != 0 || case_profile_1100d(&long_state) == 0u) {
            fprintf(stderr, "bench_dlms_stack: %s failed\n", k_long.name);
            return 1;
        }
        bench_measured_stack(&k_long, &long_state, strtoul(argv[2], NULL, 10));
        printf("rows %zu\nblocks %zu\n", long_state.rows, long_state.blocks);
        return 0;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: bench_dlms_stack list | sizes | rate [SECS] | CASE N"
                        " | get_profile_1100d N\n");
        return 2;
    }
    unsigned long n = strtoul(argv[2], NULL, 10);
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_cases); i++) {
        if (strcmp(argv[1], k_cases[i].name) == 0) {
            bench_measured_stack(&k_cases[i], &state, n);
            if (k_cases[i].fn == case_profile_day) {
                printf("rows %zu\nblocks %zu\n", state.rows, state.blocks);
            }
            return 0;
        }
    }
    fprintf(stderr, "bench_dlms_stack: unknown case %s\n", argv[1]);
    return 2;
}

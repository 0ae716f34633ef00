/* omnipower-sim: one meter (the factory default configuration, or the type number and Z codes of
 * --type-number, --config and --config-file) on a synthetic household load,
 * or on recorded samples (--samples), optionally with its optical port (IEC 62056-21) on a
 * pseudo-terminal or a TCP socket (--optical). See docs/simulator.md (and --help) for the command
 * line and the JSON it prints. */
#include "omnipower/mcfg.h"
#include "omnipower/meter.h"
#include "omnipower/port_posix.h"
#include "omnipower/posix_sim.h"
#include "omnipower/sim_pq.h"
#include "omnipower/sim_supply.h"
#include "omnipower/version.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "sim_config.h"
#include "sim_export.h"
#include "sim_dlms.h"
#include "sim_hdlc.h"
#include "sim_secrets.h"
#include "sim_han.h"
#include "sim_logs.h"

#define PROG "omnipower-sim"
#define EXIT_USAGE 2
#define TICK_MS 100u /* one block of samples, one omp_meter_tick, one omp_meter_poll */
#define SPEED_MIN 1e-3 /* slower: a 100 ms step would take more than a day of wall time */
#define SPEED_MAX 1e9
#define DURATION_MAX_S 1e10 /* 317 years: the clock must stay within the library's 1970..2199 */
#define DRAIN_POLLS 256u /* polls in a row while the meter keeps sending on a byte port */
#define NVM_REGS_SIZE SIM_NVM_REGS_SIZE
#define NVM_SIZE_MAX SIM_NVM_SIZE_MAX

enum sim_optical { SIM_OPTICAL_NONE = 0, SIM_OPTICAL_PTY, SIM_OPTICAL_TCP };

/* The only mutable global: set by the SIGINT/SIGTERM handler, read by the main loop. */
static volatile sig_atomic_t g_stop_signal = 0;

static void on_signal(int sig)
{
    g_stop_signal = sig;
}

struct sim_opts {
    const char *nvm_path; /* NULL: RAM NVM */
    bool nvm_format;      /* erase the NVM file before the start */
    bool has_nvm_size;    /* --nvm-size given */
    uint32_t nvm_size;    /* the NVM's bytes in force (--nvm-size, else the default) */
    struct sim_nvm_plan plan;   /* the logs' regions in it */
    struct sim_exports exports; /* --export NAME=FILE */
    struct sim_analysis analysis; /* --analysis, --analysis-period */
    const char *samples_path; /* NULL: synthetic load */
    const char *scenario_path; /* --scenario: the supply's script (NULL: 230 V, 50 Hz) */
    const char *report_path;   /* --report: the EN 50160 weekly report at exit (NULL: none) */
    double speed;         /* simulated s per wall s; 0 = as fast as possible */
    bool has_speed;
    bool has_fs;
    uint32_t fs_hz;
    bool has_vpc, has_apc;
    double volts_per_code, amps_per_code;
    bool has_duration;
    uint64_t duration_ms;
    bool has_start;
    omp_time_s start;
    bool json;
    bool quiet;
    bool stats;
    enum sim_optical optical;
    uint16_t optical_tcp_port; /* 0: ephemeral */
    uint32_t optical_d0_s;     /* mode D0 interval in s (multiple of 5); 0: D0 off */
    bool has_optical_d0_baud;
    uint8_t optical_d0_baud;   /* 131.0.9 code 0..5 (300..9600 Bd) */
    bool dlms;                 /* --dlms tcp:PORT */
    uint16_t dlms_tcp_port;    /* 0: ephemeral */
    enum sim_optical hdlc;     /* --hdlc pty|tcp:PORT (the same kinds as --optical) */
    uint16_t hdlc_tcp_port;    /* 0: ephemeral */
    bool has_meter_number;
    uint32_t meter_number;
    const char *secrets_path;  /* --secrets FILE, or NULL: the defaults (sim_secrets.h) */
    struct sim_config config; /* type number and Z codes (--type-number, --config, --config-file) */
    struct sim_han_opts han;  /* --han, --han-list, --han-encrypt (sim_han.c) */
};

static void usage(FILE *f)
{
    (void)fprintf(
        f,
        "Usage: " PROG " [OPTION]...\n"
        "Run one OMNIPOWER meter (factory default configuration, or the type number and Z codes\n"
        "given) on a synthetic household load, or on recorded samples (--samples).\n"
        "\n"
        "  --nvm FILE      keep the meter's NVM in FILE (--nvm-size bytes; created if missing).\n"
        "                  A second run with the same FILE continues where the first stopped:\n"
        "                  registers, counters, logs and the simulated clock. Default: RAM, lost\n"
        "                  at exit. A file of another size, or one the meter cannot read (empty,\n"
        "                  damaged, foreign), is refused, unchanged\n"
        "  --nvm-format    erase the --nvm FILE first (a new meter; what it held is gone)\n"
        "  --nvm-size BYTES  the NVM's size, a multiple of 4096 from 65536 to 16777216: 64 KiB\n"
        "                  for the registers, then the load profile (the data sheet's depth, or\n"
        "                  more), the analysis logger (128 KiB) and the event logs (5 x 16 KiB).\n"
        "                  Default: every log at its size, 507904 for the default type number.\n"
        "  --export NAME=FILE  at exit write log NAME as CSV to FILE (repeatable): load_profile,\n"
        "                  analysis, events, billing.\n"
        "  --analysis CH1,CH2,...  the analysis logger's channels: 1..16 objects of the meter\n"
        "                  by OBIS code, C.D.E, A-B:C.D.E*F or A.B.C.D.E.F, e.g. 32.25.0,31.25.0.\n"
        "                  Default: 1.7.0,2.7.0,3.7.0,4.7.0,32.25.0,31.25.0.\n"
        "  --analysis-period MIN  its interval: 5, 15, 30 or 60 minutes. Default: 15.\n"
        "                  Another list or interval than the NVM file's restarts the logger.\n");
    (void)fprintf(
        f,
        "  --speed X       simulated time runs X times real time (0.001..1e9, e.g. 1, 60, 0.5);\n"
        "                  'max': as fast as possible. Default: 1 (with --samples and no\n"
        "                  --optical: max). The meter's protocol timeouts run on simulated\n"
        "                  time: a reader on --optical keeps up only at --speed 1 or less.\n"
        "  --duration S    stop after S simulated seconds (0..1e10, fractions allowed).\n"
        "                  Default: run until SIGINT/SIGTERM.\n"
        "  --start UTC     start the simulated clock at UTC, ISO 8601, e.g. 2026-01-01T00:00:00Z\n"
        "                  or 2026-06-01T08:00+02:00 (years 1970..2199). Default: the time in the --nvm\n"
        "                  FILE from the previous run, else the current wall-clock time.\n"
        "  --samples FILE  replay recorded samples instead of the synthetic load: raw\n"
        "                  little-endian int32 pairs (voltage code, current code) at --fs Hz;\n"
        "                  the run ends when the samples end (or at --duration).\n"
        "  --scenario FILE  script the synthetic supply: from given times on, the voltage\n"
        "                  level, frequency and harmonics, and dips, swells and interruptions\n"
        "                  of given depth and duration (docs/simulator.md \"Scenarios\"). The\n"
        "                  household load's current follows the voltage. Not with --samples.\n"
        "  --report FILE   at exit write the EN 50160 weekly report as JSON to FILE: per week\n"
        "                  (the last complete one, the running one) each quantity's share of\n"
        "                  values within its limits and verdict, the harmonics 2..25, the\n"
        "                  events by EN 50160 cell (docs/simulator.md \"Power quality\").\n"
        "  --fs HZ         sample rate per channel, 2000..32000 (the synthetic load: a multiple\n"
        "                  of 50). Default: 8000.\n"
        "  --volts-per-code X  voltage gain of the calibration, V per code (X > 0).\n"
        "                  Default: 600/2^23 (24-bit codes, +-600 V full scale).\n"
        "  --amps-per-code X   current gain, A per code (X > 0). Default: 120/2^23.\n"
        "  --optical pty   open the optical port (IEC 62056-21) on a pseudo-terminal; prints\n"
        "                  'optical: /dev/pts/N' on stderr: the device a reader opens.\n"
        "  --optical tcp:PORT  the optical port as a TCP server on 127.0.0.1:PORT (0: any free\n"
        "                  port); prints 'optical: tcp 127.0.0.1:PORT' on stderr. One client\n"
        "                  at a time; baud rate changes are acknowledged and ignored.\n"
        "  --dlms tcp:PORT the meter's DLMS server (public client 16 -> SAP 1, LLS clients\n"
        "                  18/19/20 -> SAP 16, password 12345) on 127.0.0.1:PORT (0: any\n"
        "                  free port), TCP wrapper frames; prints 'dlms: tcp 127.0.0.1:PORT' on\n"
        "                  stderr. One client at a time; its leaving ends the association.\n");
    (void)fputs(
        "  --hdlc pty|tcp:PORT  the meter's DLMS server over HDLC (IEC 62056-46) as on the\n"
        "                  module port: physical address 32, logical devices 1 and 16, max\n"
        "                  info field 1010, window 1, inactivity 20 s (simulated time). On a\n"
        "                  pseudo-terminal ('hdlc: pty /dev/pts/N' on stderr) or a TCP server of\n"
        "                  raw frames on 127.0.0.1:PORT (0: any free port; 'hdlc: tcp\n"
        "                  127.0.0.1:PORT'). Its own association, beside --dlms's.\n"
        "  --optical-d0 S  with --optical: mode D0 on (131.0.12 = 2): the meter sends its\n"
        "                  readout unasked every S simulated seconds, 5..86400, a multiple of 5\n"
        "                  (131.0.6 = S/5), e.g. for omnipower read --mode D. Default: off.\n"
        "  --optical-d0-baud BAUD  the D0 rate (131.0.9): 300, 600, 1200, 2400, 4800 or 9600.\n"
        "                  Default: 2400.\n",
        f);
    sim_han_usage(f);
    (void)fputs(
        "  --meter-number N  the meter number (0.0.1 in a readout), 1..99999999. Default: 1.\n"
        "  --secrets FILE  the meter's LLS password and keys: lines 'name = value' with names\n"
        "                  lls_password (text), guek, gbek, gak, kek, han_ek, han_ak (32 hex\n"
        "                  digits); '#' comments. Names left out keep the defaults: password\n"
        "                  12345, the Green Book test keys (docs/simulator.md \"Secrets\").\n"
        "                  A password written over DLMS and kept in the NVM wins over it.\n"
        "  --type-number T the meter's 18-character type number, e.g. 6861111BN242101040;\n"
        "                  the Z codes start from its country's factory defaults.\n"
        "                  Default: 6861111BN142101010 (Denmark).\n"
        "  --config Z      Z codes, e.g. Z1=4,Z4=4,Z18=001 (docs/config.md); repeatable, later\n"
        "                  ones win. Applied after the --config-file codes.\n"
        "  --config-file FILE  the type number and Z codes from FILE: lines 'type-number = T'\n"
        "                  and 'Z4 = 2' (or 'Z1=4, Z4=4'), '#' starts a comment; --type-number\n"
        "                  and --config win over it. --meter-number, --fs, --optical-d0 and the\n"
        "                  gains are applied after the codes.\n"
        "  --json          at exit print the meter's state as one JSON object (last stdout line).\n"
        "  --quiet         do not print the display (one line per screen change) nor the\n"
        "                  power-quality events (one 'PQ ...' line each).\n"
        "  --stats         at exit print simulated and wall time on stderr.\n"
        "  -h, --help      print this help and exit.\n"
        "  -V, --version   print the version and exit.\n"
        "\n"
        "On SIGINT/SIGTERM (or at the end of --duration) the meter gets its power-fail warning,\n"
        "saves its state, the NVM file is synced, and the program exits 0.\n"
        "Exit status: 0 success, 1 runtime error (NVM file, meter), 2 usage error.\n"
        "Documentation: docs/simulator.md\n",
        f);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)fprintf(stderr, PROG ": ");
    (void)vfprintf(stderr, fmt, ap);
    (void)fprintf(stderr, "\nTry '" PROG " --help' for more information.\n");
    va_end(ap);
    return EXIT_USAGE;
}

/* A finite number filling all of @p s. */
static bool parse_double(const char *s, double *out)
{
    if (s == NULL || *s == '\0') {
        return false;
    }
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !isfinite(v)) {
        return false;
    }
    *out = v;
    return true;
}

/* A whole number 0..@p max written with digits only. */
static bool parse_uint(const char *s, uint32_t max, uint32_t *out)
{
    if (s == NULL || *s == '\0' || strlen(s) > 10u) {
        return false;
    }
    uint64_t v = 0;
    for (const char *p = s; *p != '\0'; p++) {
        if (*p < '0' || *p > '9') {
            return false;
        }
        v = v * 10u + (uint64_t)(*p - '0');
    }
    if (v > max) {
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

/* A log this run asked for (--export, --analysis) that the NVM's size keeps none of.
 * @return -1, or 2 after a usage message naming the size it needs. */
static int check_kept(const struct sim_opts *o)
{
    const struct sim_nvm_plan *p = &o->plan;
    const char *what = NULL;
    const char *log = NULL;
    uint32_t need = sim_nvm_default_size(p);
    if (o->exports.file[SIM_LOG_LOAD_PROFILE] != NULL && p->lp == 0u) {
        what = "--export load_profile";
        log = "load profile";
        need = NVM_REGS_SIZE + p->lp_need * OMP_POSIX_NVM_SECTOR_SIZE;
    } else if (p->an == 0u && (o->exports.file[SIM_LOG_ANALYSIS] != NULL ||
                               o->analysis.list != NULL || o->analysis.period_min != 0u)) {
        what = o->exports.file[SIM_LOG_ANALYSIS] != NULL ? "--export analysis"
               : o->analysis.list != NULL                ? "--analysis"
                                                         : "--analysis-period";
        log = "analysis logger";
    } else if (o->exports.file[SIM_LOG_EVENTS] != NULL && p->ev == 0u) {
        what = "--export events";
        log = "event logs";
    }
    if (what == NULL) {
        return -1;
    }
    return usage_error("%s: --nvm-size %lu keeps no %s (the %s of this configuration need%s "
                       "--nvm-size %lu or more)", what, (unsigned long)o->nvm_size, log, log,
                       log[strlen(log) - 1u] == 's' ? "" : "s", /* "event logs need" */
                       (unsigned long)need);
}

/* The NVM's size and the logs' regions (docs/simulator.md "The NVM file"): the registers'
 * 64 KiB first, always the same layout, then the load profile, the analysis logger and the
 * event logs when the size holds them all; a size that holds only the load profile (a file
 * from before the others) keeps it alone, a smaller one none. @return -1, or 2 after a usage
 * message. */
static int plan_nvm(struct sim_opts *o)
{
    o->nvm_size = sim_nvm_plan(&o->plan, &o->config.codes, o->has_nvm_size ? o->nvm_size : 0u);
    return check_kept(o);
}

/* The long options' getopt_long values. */
enum sim_option {
    OPT_NVM = 256, OPT_SPEED, OPT_DURATION, OPT_START, OPT_JSON, OPT_QUIET, OPT_STATS,
    OPT_SAMPLES, OPT_SCENARIO, OPT_REPORT, OPT_FS, OPT_VPC, OPT_APC, OPT_OPTICAL, OPT_OPTICAL_D0, OPT_OPTICAL_D0_BAUD,
    OPT_METER_NUMBER, OPT_TYPE_NUMBER, OPT_CONFIG, OPT_CONFIG_FILE, OPT_NVM_FORMAT,
    OPT_NVM_SIZE, OPT_EXPORT, OPT_ANALYSIS, OPT_ANALYSIS_PERIOD, OPT_DLMS, OPT_HDLC,
    OPT_SECRETS, OPT_HAN, OPT_HAN_LIST, OPT_HAN_ENCRYPT
};

/* The options of the NVM and its logs (@p c an enum sim_option, @p arg its argument), or one
 * getopt_long found wrong. @return -1 (taken), or 2 after a usage message. */
static int parse_nvm_option(int c, const char *arg, struct sim_opts *o)
{
    switch (c) {
    case OPT_NVM:
        if (arg[0] == '\0') {
            return usage_error("--nvm needs a file name");
        }
        o->nvm_path = arg;
        return -1;
    case OPT_NVM_FORMAT:
        o->nvm_format = true;
        return -1;
    case OPT_NVM_SIZE:
        if (!parse_uint(arg, NVM_SIZE_MAX, &o->nvm_size) || o->nvm_size < NVM_REGS_SIZE ||
            o->nvm_size % OMP_POSIX_NVM_SECTOR_SIZE != 0u) {
            return usage_error("invalid --nvm-size '%s' (bytes, a multiple of %u from %u to %u)",
                               arg, OMP_POSIX_NVM_SECTOR_SIZE, NVM_REGS_SIZE, NVM_SIZE_MAX);
        }
        o->has_nvm_size = true;
        return -1;
    case OPT_EXPORT:
        return sim_export_option(&o->exports, arg);
    case OPT_ANALYSIS:
        return sim_analysis_option(&o->analysis, arg);
    case OPT_ANALYSIS_PERIOD:
        return sim_analysis_period_option(&o->analysis, arg);
    default: /* getopt_long has printed what was wrong */
        (void)fprintf(stderr, "Try '" PROG " --help' for more information.\n");
        return EXIT_USAGE;
    }
}

/* Returns -1 to go on, else the exit status (0 after --help/--version). */
static int parse_args(int argc, char **argv, struct sim_opts *o)
{
    static const struct option k_long[] = {
        { "nvm", required_argument, NULL, OPT_NVM },
        { "nvm-format", no_argument, NULL, OPT_NVM_FORMAT },
        { "nvm-size", required_argument, NULL, OPT_NVM_SIZE },
        { "export", required_argument, NULL, OPT_EXPORT },
        { "analysis", required_argument, NULL, OPT_ANALYSIS },
        { "analysis-period", required_argument, NULL, OPT_ANALYSIS_PERIOD },
        { "speed", required_argument, NULL, OPT_SPEED },
        { "duration", required_argument, NULL, OPT_DURATION },
        { "start", required_argument, NULL, OPT_START },
        { "json", no_argument, NULL, OPT_JSON },
        { "quiet", no_argument, NULL, OPT_QUIET },
        { "stats", no_argument, NULL, OPT_STATS },
        { "samples", required_argument, NULL, OPT_SAMPLES },
        { "scenario", required_argument, NULL, OPT_SCENARIO },
        { "report", required_argument, NULL, OPT_REPORT },
        { "fs", required_argument, NULL, OPT_FS },
        { "volts-per-code", required_argument, NULL, OPT_VPC },
        { "amps-per-code", required_argument, NULL, OPT_APC },
        { "optical", required_argument, NULL, OPT_OPTICAL },
        { "dlms", required_argument, NULL, OPT_DLMS },
        { "hdlc", required_argument, NULL, OPT_HDLC },
        { "secrets", required_argument, NULL, OPT_SECRETS },
        { "han", required_argument, NULL, OPT_HAN },
        { "han-list", required_argument, NULL, OPT_HAN_LIST },
        { "han-encrypt", no_argument, NULL, OPT_HAN_ENCRYPT },
        { "optical-d0", required_argument, NULL, OPT_OPTICAL_D0 },
        { "optical-d0-baud", required_argument, NULL, OPT_OPTICAL_D0_BAUD },
        { "meter-number", required_argument, NULL, OPT_METER_NUMBER },
        { "type-number", required_argument, NULL, OPT_TYPE_NUMBER },
        { "config", required_argument, NULL, OPT_CONFIG },
        { "config-file", required_argument, NULL, OPT_CONFIG_FILE },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    memset(o, 0, sizeof *o);
    o->speed = 1.0;
    struct omp_meter_cfg def;
    omp_meter_cfg_default(&def);
    int st = sim_config_init(&o->config, def.type_number);
    if (st >= 0) {
        return st;
    }
    int c;
    while ((c = getopt_long(argc, argv, "hV", k_long, NULL)) != -1) {
        double v = 0.0;
        switch (c) {
        case OPT_SPEED:
            if (strcmp(optarg, "max") == 0) {
                o->speed = 0.0;
            } else if (parse_double(optarg, &v) && v >= SPEED_MIN && v <= SPEED_MAX) {
                o->speed = v;
            } else {
                return usage_error("invalid --speed '%s' (a number from 0.001 to 1e9, or 'max')",
                                   optarg);
            }
            o->has_speed = true;
            break;
        case OPT_SAMPLES:
            if (optarg[0] == '\0') {
                return usage_error("--samples needs a file name");
            }
            o->samples_path = optarg;
            break;
        case OPT_SCENARIO:
            if (optarg[0] == '\0') {
                return usage_error("--scenario needs a file name");
            }
            o->scenario_path = optarg;
            break;
        case OPT_REPORT:
            if (optarg[0] == '\0') {
                return usage_error("--report needs a file name");
            }
            o->report_path = optarg;
            break;
        case OPT_FS:
            if (!parse_double(optarg, &v) || v < 2000.0 || v > 32000.0 || v != floor(v)) {
                return usage_error("invalid --fs '%s' (a whole number of Hz, 2000..32000)", optarg);
            }
            o->has_fs = true;
            o->fs_hz = (uint32_t)v;
            break;
        case OPT_VPC:
        case OPT_APC:
            if (!parse_double(optarg, &v) || !(v > 0.0) || v > 1e6 || !isfinite((float)v) ||
                (float)v <= 0.0f) {
                return usage_error("invalid --%s '%s' (a number > 0)",
                                   c == OPT_VPC ? "volts-per-code" : "amps-per-code", optarg);
            }
            if (c == OPT_VPC) {
                o->has_vpc = true;
                o->volts_per_code = v;
            } else {
                o->has_apc = true;
                o->amps_per_code = v;
            }
            break;
        case OPT_DURATION:
            if (!parse_double(optarg, &v) || v < 0.0 || v > DURATION_MAX_S) {
                return usage_error("invalid --duration '%s' (seconds, 0 to 1e10)", optarg);
            }
            o->has_duration = true;
            o->duration_ms = (uint64_t)llround(v * 1000.0);
            break;
        case OPT_START: {
            omp_time_s t = 0;
            omp_err e = omp_iso8601_parse(optarg, strlen(optarg), &t);
            if (e == OMP_ERR_RANGE) {
                return usage_error("invalid --start '%s' (a real date and time, from "
                                   "1970-01-01T00:00:00Z to 2199-12-31T23:59:59Z)", optarg);
            }
            if (e != OMP_OK) {
                return usage_error("invalid --start '%s' (ISO 8601, e.g. 2026-01-01T00:00:00Z)",
                                   optarg);
            }
            o->has_start = true;
            o->start = t;
            break;
        }
        case OPT_SECRETS:
            if (optarg[0] == '\0') {
                return usage_error("--secrets needs a file name");
            }
            o->secrets_path = optarg;
            break;
        case OPT_HAN:
        case OPT_HAN_LIST:
        case OPT_HAN_ENCRYPT: {
            char why[128];
            if (!sim_han_option(&o->han, c - OPT_HAN, optarg, why, sizeof why)) {
                return usage_error("%s", why);
            }
            break;
        }
        case OPT_DLMS: {
            uint32_t tcp_port = 0;
            if (strncmp(optarg, "tcp:", 4u) != 0 || !parse_uint(optarg + 4, 65535u, &tcp_port)) {
                return usage_error("invalid --dlms '%s' (tcp:PORT with PORT 0..65535)", optarg);
            }
            o->dlms = true;
            o->dlms_tcp_port = (uint16_t)tcp_port;
            break;
        }
        case OPT_HDLC: {
            uint32_t tcp_port = 0;
            if (strcmp(optarg, "pty") == 0) {
                o->hdlc = SIM_OPTICAL_PTY;
            } else if (strncmp(optarg, "tcp:", 4u) == 0 &&
                       parse_uint(optarg + 4, 65535u, &tcp_port)) {
                o->hdlc = SIM_OPTICAL_TCP;
                o->hdlc_tcp_port = (uint16_t)tcp_port;
            } else {
                return usage_error("invalid --hdlc '%s' (pty, or tcp:PORT with PORT 0..65535)",
                                   optarg);
            }
            break;
        }
        case OPT_OPTICAL: {
            uint32_t tcp_port = 0;
            if (strcmp(optarg, "pty") == 0) {
                o->optical = SIM_OPTICAL_PTY;
            } else if (strncmp(optarg, "tcp:", 4u) == 0 &&
                       parse_uint(optarg + 4, 65535u, &tcp_port)) {
                o->optical = SIM_OPTICAL_TCP;
                o->optical_tcp_port = (uint16_t)tcp_port;
            } else {
                return usage_error("invalid --optical '%s' (pty, or tcp:PORT with PORT 0..65535)",
                                   optarg);
            }
            break;
        }
        case OPT_OPTICAL_D0:
            if (!parse_uint(optarg, 86400u, &o->optical_d0_s) || o->optical_d0_s < 5u ||
                o->optical_d0_s % 5u != 0u) {
                return usage_error("invalid --optical-d0 '%s' (seconds, 5..86400, a multiple of 5)",
                                   optarg);
            }
            break;
        case OPT_OPTICAL_D0_BAUD: {
            static const uint32_t k_d0_rates[6] = { 300u, 600u, 1200u, 2400u, 4800u, 9600u };
            uint32_t baud = 0;
            uint8_t code = 0;
            const bool num = parse_uint(optarg, 9600u, &baud);
            while (num && code < 6u && k_d0_rates[code] != baud) {
                code++;
            }
            if (!num || code == 6u) {
                return usage_error("invalid --optical-d0-baud '%s' (300, 600, 1200, 2400, 4800 or "
                                   "9600)", optarg);
            }
            o->optical_d0_baud = code;
            o->has_optical_d0_baud = true;
            break;
        }
        case OPT_METER_NUMBER:
            if (!parse_uint(optarg, 99999999u, &o->meter_number) || o->meter_number == 0u) {
                return usage_error("invalid --meter-number '%s' (1..99999999)", optarg);
            }
            o->has_meter_number = true;
            break;
        case OPT_TYPE_NUMBER:
        case OPT_CONFIG:
        case OPT_CONFIG_FILE:
            st = c == OPT_TYPE_NUMBER ? sim_config_type_number(&o->config, optarg)
                 : c == OPT_CONFIG    ? sim_config_text(&o->config, optarg)
                                      : sim_config_file(&o->config, optarg);
            if (st >= 0) {
                return st;
            }
            break;
        case OPT_JSON:
            o->json = true;
            break;
        case OPT_QUIET:
            o->quiet = true;
            break;
        case OPT_STATS:
            o->stats = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            (void)printf(PROG " (libomnipower) " OMP_VERSION_STRING "\n");
            return 0;
        default: /* the NVM and the logs, or what getopt_long has found wrong */
            st = parse_nvm_option(c, optarg, o);
            if (st >= 0) {
                return st;
            }
            break;
        }
    }
    if (optind < argc) {
        return usage_error("unexpected argument '%s'", argv[optind]);
    }
    if (o->optical_d0_s != 0u && o->optical == SIM_OPTICAL_NONE) {
        return usage_error("--optical-d0 needs --optical");
    }
    char han_why[128];
    if (!sim_han_check(&o->han, han_why, sizeof han_why)) {
        return usage_error("%s", han_why);
    }
    if (o->nvm_format && o->nvm_path == NULL) {
        return usage_error("--nvm-format needs --nvm");
    }
    if (o->has_optical_d0_baud && o->optical_d0_s == 0u) {
        return usage_error("--optical-d0-baud needs --optical-d0");
    }
    st = sim_config_finish(&o->config);
    if (st >= 0) {
        return st;
    }
    if (o->optical_d0_s != 0u && o->config.codes.z.z18_iec1107 == 0u) {
        return usage_error("--optical-d0 needs IEC 62056-21 on the optical port (Z18 is 000: "
                           "disabled)");
    }
    if (o->has_fs && o->samples_path == NULL && o->fs_hz % def.mains_hz != 0u) {
        /* the load model's one-second tables hold a whole number of mains cycles */
        return usage_error("invalid --fs '%lu' (the load model needs a multiple of %lu Hz; any "
                           "rate 2000..32000 with --samples)", (unsigned long)o->fs_hz,
                           (unsigned long)def.mains_hz);
    }
    if (o->samples_path != NULL && o->scenario_path != NULL) {
        return usage_error("--scenario scripts the synthetic supply: not with --samples");
    }
    if (o->samples_path != NULL && !o->has_speed && o->optical == SIM_OPTICAL_NONE) {
        o->speed = 0.0; /* replay: as fast as possible unless asked otherwise or read by a peer */
    }
    return plan_nvm(o);
}

/* ---- JSON ----------------------------------------------------------------------------------- */

static void json_string(FILE *f, const char *s)
{
    (void)fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s != NULL ? s : ""); *p != '\0'; p++) {
        if (*p == '"' || *p == '\\') {
            (void)fprintf(f, "\\%c", *p);
        } else if (*p < 0x20u) {
            (void)fprintf(f, "\\u%04x", (unsigned)*p);
        } else {
            (void)fputc(*p, f);
        }
    }
    (void)fputc('"', f);
}

static void json_number(FILE *f, double v, int decimals)
{
    if (isfinite(v)) {
        (void)fprintf(f, "%.*f", decimals, v);
    } else {
        (void)fputs("null", f);
    }
}

static void json_mwh_as_wh(FILE *f, uint64_t mwh)
{
    (void)fprintf(f, "%llu.%03llu", (unsigned long long)(mwh / 1000u),
                  (unsigned long long)(mwh % 1000u));
}

/* Micro-units (uWh, uvarh, uVAh) as the unit with six decimals: exact. */
static void json_micro(FILE *f, uint64_t micro)
{
    (void)fprintf(f, "%llu.%06llu", (unsigned long long)(micro / 1000000u),
                  (unsigned long long)(micro % 1000000u));
}

struct sim_report {
    struct omp_meter_snapshot snap;
    struct omp_meter_nvm_info nvm;
    struct omp_display_frame disp;
    int32_t local_offset_min; /* of snap.local from UTC */
    omp_time_s start_utc;
    uint64_t run_ms;
    double load_w;            /* NAN when replaying samples */
    uint64_t led_pulses;
    uint64_t led_reactive_pulses;
    const char *source;       /* "load" or "samples" */
    uint64_t samples;         /* sample pairs fed */
    uint32_t fs_hz;
    uint64_t clipped;         /* replayed codes clipped to 24 bits */
    uint32_t meter_number;
    const struct omp_posix_byteport *optical; /* NULL: not opened */
    const struct sim_config *config;          /* the type number and Z codes */
    const struct omp_meter_cfg *cfg;          /* the configuration the meter was started with */
    const struct omp_meter *meter;            /* power quality (sim_pq_json) */
    const struct sim_pq *pq;                  /* the run's EN 50160 events */
};

static void json_time(FILE *f, omp_time_s t)
{
    char text[24] = "";
    if (t == 0 || omp_iso8601_format(t, text, sizeof text) != OMP_OK) {
        (void)fputs("null", f);
        return;
    }
    json_string(f, text);
}

static void json_peak(FILE *f, const char *name, const struct omp_regs_peak *p)
{
    (void)fprintf(f, "\"%s\":{\"value\":%lu,\"utc\":", name, (unsigned long)p->value);
    json_time(f, p->utc);
    (void)fputc('}', f);
}

/* enum omp_regs_source in the JSON and the messages */
static const char *source_name(enum omp_regs_source from)
{
    switch (from) {
    case OMP_REGS_FROM_JOURNAL:
        return "journal";
    case OMP_REGS_FROM_MIRROR:
        return "mirror";
    default:
        return "none";
    }
}

/* The registers: tariffs, counters, demand, debiting. */
static void print_registers(FILE *f, const struct omp_meter_snapshot *s)
{
    (void)fprintf(f, ",\"registers\":{\"tariff\":%u,\"a_plus_t_wh\":[", (unsigned)s->tariff);
    for (unsigned k = 0; k < OMP_CONFIG_TARIFFS; k++) {
        (void)fputs(k > 0u ? "," : "", f);
        json_micro(f, s->registers.a_plus_t[k]);
    }
    (void)fputs("],\"r_plus_t_varh\":[", f);
    for (unsigned k = 0; k < OMP_CONFIG_TARIFFS; k++) {
        (void)fputs(k > 0u ? "," : "", f);
        json_micro(f, s->registers.r_plus_t[k]);
    }
    (void)fprintf(f, "],\"hours\":%lu,\"billing_count\":%lu,\"billing_entries\":%lu,"
                  "\"threshold_count\":%lu,\"pulse_input\":%llu.%03llu,\"next_stop_utc\":",
                  (unsigned long)s->hours_with_supply, (unsigned long)s->billing_count,
                  (unsigned long)s->billing_entries, (unsigned long)s->threshold_count,
                  (unsigned long long)(s->pulse_milli / 1000u),
                  (unsigned long long)(s->pulse_milli % 1000u));
    json_time(f, s->next_stop_utc);
    (void)fputs(",\"peaks\":{", f);
    json_peak(f, "p_plus_w", &s->peaks.p_plus);
    (void)fputc(',', f);
    json_peak(f, "p_plus_t1_w", &s->peaks.p_plus_t[0]);
    (void)fputc(',', f);
    json_peak(f, "p_plus_t2_w", &s->peaks.p_plus_t[1]);
    (void)fputc(',', f);
    json_peak(f, "q_plus_var", &s->peaks.q_plus);
    (void)fputc(',', f);
    json_peak(f, "s_plus_va", &s->peaks.s_plus);
    (void)fputc(',', f);
    json_peak(f, "s_minus_va", &s->peaks.s_minus);
    (void)fprintf(f, "},\"acc\":{\"p_plus_w\":%llu,\"p_plus_t1_w\":%llu,\"p_plus_t2_w\":%llu,"
                  "\"q_plus_var\":%llu}",
                  (unsigned long long)s->acc.p_plus, (unsigned long long)s->acc.p_plus_t[0],
                  (unsigned long long)s->acc.p_plus_t[1], (unsigned long long)s->acc.q_plus);
    if (s->have_period) {
        (void)fprintf(f, ",\"last_period\":{\"end_utc\":");
        json_time(f, s->last_period.end_utc);
        (void)fprintf(f, ",\"p_plus_w\":%lu,\"s_plus_va\":%lu,\"tariff\":%u,\"flags\":%u}",
                      (unsigned long)s->last_period.p_plus_w,
                      (unsigned long)s->last_period.s_plus_va, (unsigned)s->last_period.tariff,
                      (unsigned)s->last_period.flags);
    }
    (void)fputc('}', f);
}

/* How the meter uses its NVM: the registers' regions, the counters, the logs. */
static void print_nvm(FILE *f, const struct omp_meter_nvm_info *n)
{
    (void)fprintf(f, ",\"nvm\":{\"journal_sectors\":%lu,\"mirror_sectors\":%lu,"
                  "\"settings_sectors\":%lu,\"log_sectors\":%lu,\"billing_capacity\":%lu,"
                  "\"hot_min_interval_s\":%lu,\"mirror_min_interval_s\":%lu,"
                  "\"loss_bound_wh\":%lu.%03lu,",
                  (unsigned long)n->journal_sectors, (unsigned long)n->mirror_sectors,
                  (unsigned long)n->settings_sectors, (unsigned long)n->log_sectors,
                  (unsigned long)n->billing_capacity, (unsigned long)n->hot_min_interval_s,
                  (unsigned long)n->mirror_min_interval_s,
                  (unsigned long)(n->loss_bound_mwh / 1000u),
                  (unsigned long)(n->loss_bound_mwh % 1000u));
    (void)fprintf(f, "\"hot_saves\":%llu,\"cold_saves\":%llu,\"mirror_saves\":%llu,"
                  "\"snapshots\":%llu,\"journal_erases\":%llu,\"max_sector_erases\":%lu,",
                  (unsigned long long)n->hot_saves, (unsigned long long)n->cold_saves,
                  (unsigned long long)n->mirror_saves, (unsigned long long)n->snapshots,
                  (unsigned long long)n->store.erases, (unsigned long)n->store.max_sector_erases);
    (void)fprintf(f, "\"damaged_sectors\":%lu,\"rolled_back\":%s,\"restored_from\":\"%s\","
                  "\"restored_checkpoint\":%lu,\"newest_checkpoint\":%lu,",
                  (unsigned long)n->damaged_sectors, n->rolled_back ? "true" : "false",
                  source_name(n->restored_from), (unsigned long)n->restored_checkpoint,
                  (unsigned long)n->newest_checkpoint);
    (void)fprintf(f, "\"lp_sectors\":%lu,\"lp_capacity\":%lu,\"lp_entries\":%lu,",
                  (unsigned long)n->lp_sectors, (unsigned long)n->lp_capacity,
                  (unsigned long)n->lp_entries);
    (void)fprintf(f, "\"an_sectors\":%lu,\"an_capacity\":%lu,\"an_depth_min\":%lu,"
                  "\"an_entries\":%lu,\"ev_sectors\":%lu,\"ev_capacity\":%lu,",
                  (unsigned long)n->an_sectors, (unsigned long)n->an_capacity,
                  (unsigned long)n->an_depth_min, (unsigned long)n->an_entries,
                  (unsigned long)n->ev_sectors, (unsigned long)n->ev_capacity);
    for (unsigned w = 0; w < 2u; w++) { /* each log's events held, then those overwritten */
        (void)fputs(w == 0u ? "\"ev_entries\":{" : ",\"ev_overflow\":{", f);
        for (unsigned k = 0; k < OMP_EVLOG_COUNT; k++) {
            (void)fprintf(f, "%s\"%s\":%lu", k > 0u ? "," : "",
                          sim_evlog_name((enum omp_evlog_kind)k),
                          (unsigned long)(w == 0u ? n->ev_entries[k] : n->ev_overflow[k]));
        }
        (void)fputc('}', f);
    }
    (void)fputc('}', f);
}

/* The configuration: type number, Z codes (compact form, and the text of those given) and what
 * the meter took from them. */
static void print_config(FILE *f, const struct sim_config *c, const struct omp_meter_cfg *m)
{
    char compact[OMP_MCFG_Z_COMPACT_SIZE] = "";
    char given[OMP_MCFG_Z_TEXT_SIZE] = "";
    if (omp_mcfg_z_compact_encode(&c->codes.z, compact, sizeof compact) != OMP_OK) {
        compact[0] = '\0';
    }
    if (omp_mcfg_z_format(&c->codes.z, c->given, given, sizeof given, NULL) != OMP_OK) {
        given[0] = '\0';
    }
    (void)fputs(",\"config\":{\"type_number\":", f);
    json_string(f, m->type_number);
    (void)fputs(",\"z\":", f);
    json_string(f, compact);
    (void)fputs(",\"z_given\":", f);
    json_string(f, given);
    (void)fputs(",\"optical_ident\":", f);
    json_string(f, m->optical_ident);
    (void)fprintf(f, ",\"energy_format\":\"%u.%u\",\"led_on_no_load\":%s,\"z3\":%u,"
                  "\"demand_period_min\":%u,\"billing_day\":%u,\"billing_interval\":%u,"
                  "\"pulse_width_ms\":%u,\"utc_offset_min\":%ld,\"pulse_unit\":%u,\"dst\":\"%s\","
                  "\"optical_comm_mode\":%u,\"optical_user_data\":%u",
                  (unsigned)m->energy_digits, (unsigned)m->energy_decimals,
                  m->led_on_no_load ? "true" : "false", (unsigned)m->z3,
                  (unsigned)m->demand_period_min, (unsigned)m->billing_day,
                  (unsigned)m->billing_interval, (unsigned)m->pulse_width_ms,
                  (long)m->utc_offset_min, (unsigned)m->pulse_unit,
                  m->dst_rule == OMP_DST_EU ? "EU" : "none", (unsigned)m->optical.comm_mode,
                  (unsigned)m->optical.user_data);
    /* the analysis logger's interval and channels (--analysis-period, --analysis) */
    (void)fprintf(f, ",\"analysis_period_min\":%u,\"analysis_channels\":[",
                  (unsigned)m->an_period_min);
    for (unsigned k = 0; k < m->an_channels && k < OMP_PLOG_COLUMNS_MAX; k++) {
        char cde[12] = "";
        if (omp_cosem_cde_text(m->an_channel[k].obis, cde, sizeof cde) != OMP_OK) {
            cde[0] = '\0';
        }
        (void)fputs(k > 0u ? "," : "", f);
        json_string(f, cde);
    }
    (void)fputs("]}", f);
}

static void print_json(FILE *f, const struct sim_report *r)
{
    char utc[24] = "";
    char start[24] = "";
    if (omp_iso8601_format(r->snap.utc_s, utc, sizeof utc) != OMP_OK) {
        utc[0] = '\0';
    }
    if (omp_iso8601_format(r->start_utc, start, sizeof start) != OMP_OK) {
        start[0] = '\0';
    }
    const struct omp_datetime *lt = &r->snap.local;
    int32_t off = r->local_offset_min;
    char local[40];
    (void)snprintf(local, sizeof local, "%04u-%02u-%02uT%02u:%02u:%02u%c%02d:%02d",
                   (unsigned)lt->year, (unsigned)lt->month, (unsigned)lt->day,
                   (unsigned)lt->hour, (unsigned)lt->minute, (unsigned)lt->second,
                   off < 0 ? '-' : '+', (int)(abs(off) / 60), (int)(abs(off) % 60));
    char text[128] = "";
    if (omp_posix_display_format(&r->disp, text, sizeof text) != OMP_OK) {
        text[0] = '\0';
    }

    (void)fputs("{\"utc\":", f);
    json_string(f, utc);
    (void)fprintf(f, ",\"utc_s\":%lld,\"local\":", (long long)r->snap.utc_s);
    json_string(f, local);
    (void)fprintf(f, ",\"dst_active\":%s,\"a_plus_wh\":", r->snap.dst_active ? "true" : "false");
    json_mwh_as_wh(f, r->snap.a_plus_mwh);
    (void)fputs(",\"a_minus_wh\":", f);
    json_mwh_as_wh(f, r->snap.a_minus_mwh);
    (void)fprintf(f, ",\"hours_with_supply\":%lu,\"power_ups\":%lu,\"urms_v\":",
                  (unsigned long)r->snap.hours_with_supply, (unsigned long)r->snap.power_ups);
    json_number(f, (double)r->snap.urms_v, 2);
    (void)fputs(",\"irms_a\":", f);
    json_number(f, (double)r->snap.irms_a, 3);
    (void)fputs(",\"p_w\":", f);
    json_number(f, (double)r->snap.p_w, 1);
    (void)fprintf(f, ",\"nvm_saves\":%llu,\"meter_number\":%lu",
                  (unsigned long long)r->snap.nvm_saves, (unsigned long)r->meter_number);
    print_config(f, r->config, r->cfg);

    const struct omp_metro_energy *e = &r->snap.energy;
    static const char *const k_quadrant_names[4] = { "r1_varh", "r2_varh", "r3_varh", "r4_varh" };
    (void)fputs(",\"energy\":{\"a_plus_wh\":", f);
    json_micro(f, e->a_plus_uwh);
    (void)fputs(",\"a_minus_wh\":", f);
    json_micro(f, e->a_minus_uwh);
    (void)fputs(",\"r_plus_varh\":", f);
    json_micro(f, e->r_plus_uvarh);
    (void)fputs(",\"r_minus_varh\":", f);
    json_micro(f, e->r_minus_uvarh);
    (void)fputs(",\"e_plus_vah\":", f);
    json_micro(f, e->e_plus_uvah);
    (void)fputs(",\"e_minus_vah\":", f);
    json_micro(f, e->e_minus_uvah);
    for (unsigned k = 0; k < 4u; k++) {
        (void)fprintf(f, ",\"%s\":", k_quadrant_names[k]);
        json_micro(f, e->r_quadrant_uvarh[k]);
    }
    (void)fprintf(f, "},\"pulses\":{\"active\":%llu,\"reactive\":%llu}",
                  (unsigned long long)r->led_pulses, (unsigned long long)r->led_reactive_pulses);
    (void)fputs(",\"instant\":{\"urms_v\":", f);
    json_number(f, (double)r->snap.urms_v, 3);
    (void)fputs(",\"irms_a\":", f);
    json_number(f, (double)r->snap.irms_a, 4);
    (void)fputs(",\"p_w\":", f);
    json_number(f, (double)r->snap.p_w, 3);
    (void)fputs(",\"q_var\":", f);
    json_number(f, (double)r->snap.q_var, 3);
    (void)fputs(",\"s_va\":", f);
    json_number(f, (double)r->snap.s_va, 3);
    (void)fputs(",\"pf\":", f);
    json_number(f, (double)r->snap.pf, 5);
    (void)fputs(",\"f_hz\":", f);
    json_number(f, (double)r->snap.f_hz, 4);
    (void)fprintf(f, ",\"quadrant\":%u,\"cycles\":%lu}", (unsigned)r->snap.quadrant,
                  (unsigned long)r->snap.cycles);

    print_registers(f, &r->snap);
    print_nvm(f, &r->nvm);
    (void)fputs(",\"display\":{\"id\":", f);
    json_string(f, r->disp.id);
    (void)fputs(",\"value\":", f);
    json_string(f, r->disp.value);
    (void)fputs(",\"unit\":", f);
    json_string(f, r->disp.unit);
    (void)fputs(",\"label\":", f);
    json_string(f, r->disp.text != NULL ? r->disp.text : "");
    (void)fprintf(f, ",\"symbols\":%lu,\"text\":", (unsigned long)r->disp.symbols);
    json_string(f, text);
    (void)fputs("},\"sim\":{\"start_utc\":", f);
    json_string(f, start);
    (void)fprintf(f, ",\"run_s\":%llu.%03llu,\"load_w\":", (unsigned long long)(r->run_ms / 1000u),
                  (unsigned long long)(r->run_ms % 1000u));
    json_number(f, r->load_w, 1);
    (void)fprintf(f, ",\"led_active_pulses\":%llu,\"source\":", (unsigned long long)r->led_pulses);
    json_string(f, r->source);
    (void)fprintf(f, ",\"samples\":%llu,\"fs_hz\":%lu,\"clipped_codes\":%llu",
                  (unsigned long long)r->samples, (unsigned long)r->fs_hz,
                  (unsigned long long)r->clipped);
    if (r->optical != NULL) {
        const struct omp_posix_byteport *bp = r->optical;
        if (bp->kind == OMP_POSIX_PORT_TCP) {
            (void)fprintf(f, ",\"optical\":{\"kind\":\"tcp\",\"tcp_port\":%u",
                          (unsigned)bp->tcp_port);
        } else {
            (void)fputs(",\"optical\":{\"kind\":\"pty\",\"path\":", f);
            json_string(f, bp->pty_path);
        }
        (void)fprintf(f, ",\"baud\":%lu,\"rx_bytes\":%llu,\"tx_bytes\":%llu,\"tx_dropped\":%llu}",
                      (unsigned long)bp->baud, (unsigned long long)bp->rx_bytes,
                      (unsigned long long)bp->tx_bytes, (unsigned long long)bp->tx_dropped);
    }
    (void)fputs("},", f);
    sim_pq_json(f, r->pq, r->meter, r->fs_hz);
    (void)fputs("}\n", f);
}

/* ---- the run -------------------------------------------------------------------------------- */

/* The meter's local time offset (its DST rule: Z15, or as written over DLMS). */
static int32_t local_offset_min(const struct omp_meter *m, omp_time_s utc)
{
    return m->cfg.utc_offset_min + (omp_dst_active(m->clock.cfg.dst_rule, utc) ? 60 : 0);
}

/* Sleep until CLOCK_MONOTONIC reaches @p target_ns, or a signal arrives. */
static void sleep_until(uint64_t target_ns)
{
    uint64_t now = omp_posix_mono_ns();
    if (target_ns <= now) {
        return;
    }
    uint64_t d = target_ns - now;
    struct timespec ts = { .tv_sec = (time_t)(d / 1000000000u), .tv_nsec = (long)(d % 1000000000u) };
    (void)nanosleep(&ts, NULL); /* EINTR: the main loop looks at the stop flag */
}

/* When simulated @p run_ms is due on the monotonic clock at @p speed (> 0); saturates instead
 * of overflowing (a slow speed times a long run), so a late step never becomes "at once". */
static uint64_t wall_target(uint64_t wall0_ns, uint64_t run_ms, double speed)
{
    const uint64_t cap = UINT64_MAX / 2u; /* callers add rounding to it */
    const double ns = (double)run_ms * 1e6 / speed;
    return wall0_ns >= cap || ns >= (double)(cap - wall0_ns) ? cap : wall0_ns + (uint64_t)ns;
}

static int install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    (void)sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: a signal ends the pacing sleep at once */
    if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0) {
        return -1;
    }
    return 0;
}

struct sim {
    struct sim_opts opt;
    struct sim_secrets secrets; /* --secrets FILE over the defaults; han_ek/han_ak for HAN push */
    struct omp_posix_port port;
    struct omp_hal hal;
    struct omp_meter_cfg cfg;
    struct omp_meter *meter;
    struct omp_sim_load load;
    struct omp_sim_supply *supply; /* --scenario, or NULL */
    struct sim_pq pq;              /* the run's EN 50160 events (sim_pq.c) */
    FILE *samples;        /* --samples file, or NULL */
    uint8_t *raw;         /* read buffer for --samples */
    uint64_t clipped;     /* replayed codes outside 24 bits, clipped */
    int32_t *vi;
    size_t vi_pairs;
    omp_err last_poll_err;
    uint64_t poll_errors;
    bool optical_open;
    bool han_open;              /* --han: the CCC port carries the meter's pushes */
    bool linked[OMP_PORT_COUNT];     /* a TCP port's client was connected at the last look */
    uint64_t accepted[OMP_PORT_COUNT]; /* its TCP clients accepted at the last look */
    struct sim_dlms dlms; /* --dlms: the wrapper's own byte port and DLMS server */
    struct sim_hdlc hdlc; /* --hdlc: the meter's module port */
    omp_err last_rx_err;
    char shown[96]; /* the screen last printed: id, label, unit and symbols (not its value) */
};

/* --scenario FILE: read and parse the supply's script (sim_supply.h; docs/simulator.md
 * "Scenarios"); an error names the line. */
static int load_scenario(struct sim *s)
{
    const char *path = s->opt.scenario_path;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        (void)fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
        return 1;
    }
    enum { SCENARIO_MAX = 256 * 1024 };
    char *text = malloc(SCENARIO_MAX);
    size_t len = text != NULL ? fread(text, 1, SCENARIO_MAX, f) : 0u;
    bool too_long = text != NULL && len == SCENARIO_MAX && fgetc(f) != EOF;
    bool failed = text == NULL || ferror(f) != 0;
    (void)fclose(f);
    s->supply = malloc(sizeof *s->supply);
    uint32_t line = 0;
    omp_err err = failed || s->supply == NULL ? OMP_ERR_NOSPACE
                  : too_long                 ? OMP_ERR_RANGE
                                             : omp_sim_supply_parse(s->supply, text, len, &line);
    free(text);
    if (err != OMP_OK) {
        (void)fprintf(stderr, PROG ": %s:%lu: %s\n", path, (unsigned long)line,
                      too_long ? "longer than 256 KiB" : omp_strerror(err));
        return 1;
    }
    return 0;
}

/* Print the meter's screen when another screen is shown or its symbols change; a value that
 * changes on the same screen (the clock's seconds, a register counting) is not printed again,
 * so the output is one line per screen, not one per second. */
static void show_display(struct sim *s)
{
    struct omp_display_frame f;
    if (s->opt.quiet || omp_meter_display(s->meter, &f) != OMP_OK) {
        return;
    }
    char key[sizeof s->shown];
    (void)snprintf(key, sizeof key, "%s|%s|%s|%lx", f.id != NULL ? f.id : "",
                   f.text != NULL ? f.text : "", f.unit != NULL ? f.unit : "",
                   (unsigned long)f.symbols);
    if (strcmp(key, s->shown) == 0) {
        return;
    }
    char line[128];
    struct omp_now now;
    char utc[24];
    if (omp_posix_display_format(&f, line, sizeof line) != OMP_OK ||
        omp_posix_clock_now(&s->port.clock, &now) != OMP_OK ||
        omp_iso8601_format(now.utc_s, utc, sizeof utc) != OMP_OK) {
        return;
    }
    (void)memcpy(s->shown, key, sizeof key);
    (void)printf("%s  %s\n", utc, line);
}

/* The EN 50160 events completed since the last step into the run's list (the meter keeps only
 * its last few), each printed as a line on the display output unless --quiet. */
static void take_pq_events(struct sim *s, const struct omp_now *now)
{
    char utc[24];
    if (omp_iso8601_format(now->utc_s, utc, sizeof utc) != OMP_OK) {
        utc[0] = '\0';
    }
    (void)sim_pq_collect(&s->pq, s->meter, s->opt.quiet ? NULL : stdout, utc);
}

/* --report FILE: the EN 50160 weekly report (sim_pq.c). @return 0, or 1 after a message. */
static int write_report(const struct sim *s, omp_time_s start, uint64_t run_ms)
{
    const char *path = s->opt.report_path;
    FILE *f = path != NULL ? fopen(path, "w") : NULL;
    if (path == NULL) {
        return 0;
    }
    if (f != NULL) {
        sim_pq_report(f, s->meter, start, start + (omp_time_s)(run_ms / 1000u));
    }
    if (f == NULL || ferror(f) != 0 || fclose(f) != 0) {
        (void)fprintf(stderr, PROG ": --report %s: %s\n", path, strerror(errno));
        return 1;
    }
    return 0;
}

static void poll_meter(struct sim *s)
{
    omp_err err = omp_meter_poll(s->meter);
    if (err != OMP_OK) {
        s->poll_errors++;
        if (err != s->last_poll_err) {
            (void)fprintf(stderr, PROG ": warning: meter poll failed: %s (%s)\n",
                          omp_strerror(err), omp_err_name(err));
        }
    }
    s->last_poll_err = err;
}

/* A TCP port's reader that left (or left and another came) ends the meter's session on it at
 * once, so the next one is answered instead of waiting out a timeout (omp_meter_link_lost). */
static void port_link(struct sim *s, enum omp_port port)
{
    if (s->port.ports[port].kind != OMP_POSIX_PORT_TCP) {
        return;
    }
    bool now = omp_posix_port_connected(&s->port, port);
    uint64_t accepted = s->port.ports[port].accepted;
    uint64_t came = accepted - s->accepted[port];
    /* the reader left, or one left and another came; one new reader after none is a fresh start */
    if ((s->linked[port] && (!now || came != 0u)) || came > 1u || (came == 1u && !now)) {
        omp_meter_link_lost(s->meter, port);
    }
    s->linked[port] = now;
    s->accepted[port] = accepted;
}

/* The optical port, and the CCC port with push off (--han-list none). */
static void optical_link(struct sim *s)
{
    if (s->opt.optical == SIM_OPTICAL_TCP) {
        port_link(s, OMP_PORT_OPTICAL);
    }
    if (s->han_open && s->cfg.han_push.lists == 0u) {
        port_link(s, OMP_PORT_HAN);
    }
}

/* Bytes from a byte port into the meter. */
static void sim_rx(void *user, enum omp_port port, const uint8_t *data, size_t len)
{
    struct sim *s = user;
    if (port == OMP_PORT_HAN && s->han_open && s->cfg.han_push.lists != 0u) {
        return; /* push on: the CCC port answers nothing (docs/han.md) */
    }
    if (port == OMP_PORT_MODULE) {
        sim_hdlc_link(&s->hdlc, &s->port, s->meter); /* a client that replaced another */
    }
    if (port == OMP_PORT_OPTICAL || port == OMP_PORT_HAN) {
        optical_link(s); /* a reader that replaced another starts afresh */
    }
    omp_err err = omp_meter_on_rx(s->meter, port, data, len);
    if (err != OMP_OK && err != s->last_rx_err) {
        (void)fprintf(stderr, PROG ": warning: the meter did not take %zu received bytes: %s (%s)\n",
                      len, omp_strerror(err), omp_err_name(err));
    }
    s->last_rx_err = err;
}

/* Poll the meter again while it keeps handing bytes to the optical port, so a reply (a readout
 * line after line) goes out at once rather than one piece per 100 ms step. */
static void poll_and_drain(struct sim *s)
{
    const struct omp_posix_byteport *bp = &s->port.ports[OMP_PORT_OPTICAL];
    for (unsigned i = 0; i < DRAIN_POLLS; i++) {
        uint64_t before = bp->tx_bytes + bp->tx_dropped;
        poll_meter(s);
        if (!s->optical_open || bp->tx_bytes + bp->tx_dropped == before) {
            break;
        }
    }
}

#define DLMS_POLL_MS 2 /* --dlms: longest wait of the main port before its port is looked at */

/* Serve the byte ports until CLOCK_MONOTONIC reaches @p target_ns (@p wait false: just look once),
 * or a signal arrives: the port's poll(2) is the pacing sleep, received bytes go to the meter at
 * once and its replies out. */
static void serve_ports(struct sim *s, uint64_t target_ns, bool wait)
{
    for (;;) {
        int timeout_ms = 0;
        if (wait) {
            uint64_t now = omp_posix_mono_ns();
            if (now < target_ns) {
                uint64_t d = (target_ns - now + 999999u) / 1000000u;
                timeout_ms = d < 1000u ? (int)d : 1000;
            }
        }
        if (s->dlms.open && timeout_ms > DLMS_POLL_MS) {
            timeout_ms = DLMS_POLL_MS; /* its port is looked at between the main port's waits */
        }
        size_t got = 0;
        omp_err err = omp_posix_port_pump(&s->port, timeout_ms, sim_rx, s, &got);
        sim_dlms_pump(&s->dlms, s->meter);
        sim_hdlc_link(&s->hdlc, &s->port, s->meter); /* a client gone ends its link */
        optical_link(s);                              /* and its optical session */
        if (err != OMP_OK && err != s->last_rx_err) {
            (void)fprintf(stderr, PROG ": warning: optical port: %s (%s)\n", strerror(errno),
                          omp_err_name(err));
            s->last_rx_err = err;
        }
        if (got > 0u) {
            poll_and_drain(s);
        }
        if (!wait || g_stop_signal != 0 || omp_posix_mono_ns() >= target_ns) {
            return;
        }
    }
}

/* Open the optical port as --optical says. @return 0, or 1 after a message. */
static int open_optical(struct sim *s)
{
    const struct sim_opts *o = &s->opt;
    if (o->optical == SIM_OPTICAL_PTY) {
        char path[64] = "";
        omp_err err = omp_posix_port_open_pty(&s->port, OMP_PORT_OPTICAL, path, sizeof path);
        if (err != OMP_OK) {
            (void)fprintf(stderr, PROG ": --optical pty: cannot open a pseudo-terminal: %s\n",
                          err == OMP_ERR_HAL_IO ? strerror(errno) : omp_strerror(err));
            return 1;
        }
    } else if (o->optical == SIM_OPTICAL_TCP) {
        uint16_t bound = 0;
        omp_err err = omp_posix_port_listen_tcp(&s->port, OMP_PORT_OPTICAL, o->optical_tcp_port,
                                                &bound);
        if (err != OMP_OK) {
            (void)fprintf(stderr, PROG ": --optical tcp:%u: cannot listen on 127.0.0.1: %s\n",
                          (unsigned)o->optical_tcp_port,
                          err == OMP_ERR_HAL_IO ? strerror(errno) : omp_strerror(err));
            return 1;
        }
    }
    s->optical_open = o->optical != SIM_OPTICAL_NONE;
    return 0;
}

/* The line a reader waits for: where to find the optical port. */
static void announce_optical(const struct sim *s)
{
    const struct omp_posix_byteport *bp = &s->port.ports[OMP_PORT_OPTICAL];
    if (bp->kind == OMP_POSIX_PORT_PTY) {
        (void)fprintf(stderr, "optical: %s\n", bp->pty_path);
    } else if (bp->kind == OMP_POSIX_PORT_TCP) {
        (void)fprintf(stderr, "optical: tcp 127.0.0.1:%u\n", (unsigned)bp->tcp_port);
    }
    (void)fflush(stderr);
}

#define CODE_MAX 8388607 /* codes must fit 24 bits signed (omp_metro_on_samples) */

/* Read up to @p n pairs from the --samples file into s->vi. @return pairs read; -1 on an error. */
static long read_samples(struct sim *s, size_t n)
{
    size_t got = fread(s->raw, 8u, n, s->samples);
    if (got < n && ferror(s->samples)) {
        return -1;
    }
    for (size_t k = 0; k < 2u * got; k++) {
        const uint8_t *p = s->raw + 4u * k;
        uint32_t u = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
                     ((uint32_t)p[3] << 24);
        int64_t v = u >= 0x80000000u ? (int64_t)u - 0x100000000 : (int64_t)u;
        if (v > CODE_MAX || v < -CODE_MAX) {
            v = v > 0 ? CODE_MAX : -CODE_MAX;
            s->clipped++;
        }
        s->vi[k] = (int32_t)v;
    }
    return (long)got;
}

/* An existing --nvm FILE of another size than this run's NVM is refused before it is opened
 * (an empty one is left to omp_posix_nvm_open's message). @return 0, or 1 after a message. */
static int check_file_size(const struct sim_opts *o)
{
    struct stat st;
    if (o->nvm_path == NULL || o->nvm_format || stat(o->nvm_path, &st) != 0 ||
        !S_ISREG(st.st_mode) || st.st_size == 0 || (uint64_t)st.st_size == o->nvm_size) {
        return 0;
    }
    const unsigned long long have = (unsigned long long)st.st_size;
    const struct sim_nvm_plan *p = &o->plan;
    char why[192];
    if (o->has_nvm_size) {
        (void)snprintf(why, sizeof why, "--nvm-size");
    } else {
        (void)snprintf(why, sizeof why, "the default: %u for the registers + %lu for the load "
                       "profile + %lu for the analysis logger + %lu for the event logs",
                       NVM_REGS_SIZE, (unsigned long)(p->lp * OMP_POSIX_NVM_SECTOR_SIZE),
                       (unsigned long)(p->an * OMP_POSIX_NVM_SECTOR_SIZE),
                       (unsigned long)(OMP_EVLOG_COUNT * p->ev * OMP_POSIX_NVM_SECTOR_SIZE));
    }
    char use[128] = "";
    if (have >= NVM_REGS_SIZE && have <= NVM_SIZE_MAX && have % OMP_POSIX_NVM_SECTOR_SIZE == 0u) {
        struct sim_nvm_plan fp; /* what that size keeps */
        (void)sim_nvm_plan(&fp, &o->config.codes, (uint32_t)have);
        (void)snprintf(use, sizeof use, "run with --nvm-size %llu to use it%s, or ", have,
                       fp.lp == 0u   ? " (without a load profile, analysis logger or event logs)"
                       : fp.an == 0u ? " (without the analysis logger and the event logs)"
                                     : "");
    }
    (void)fprintf(stderr, PROG ": %s: NVM file has %llu bytes, this run's NVM has %lu (%s); %s"
                          "--nvm-format to erase it (what it holds is lost)\n",
                  o->nvm_path, have, (unsigned long)o->nvm_size, why, use);
    return 1;
}

/* The meter's configuration: the type number and Z codes, then the options that set a field
 * themselves, the NVM's logs (plan_nvm) and the optical readout. @return 0, or 1 after a
 * message. */
static int meter_cfg(struct sim *s)
{
    const struct sim_opts *o = &s->opt;
    omp_meter_cfg_default(&s->cfg);
    struct omp_mcfg_error why;
    memset(&why, 0, sizeof why);
    omp_err err = omp_meter_cfg_from_codes(&s->cfg, &o->config.codes, &why);
    if (err != OMP_OK) { /* sim_config_finish checked them: not expected */
        (void)fprintf(stderr, PROG ": the meter refused its configuration: %s: %s\n",
                      why.field != NULL ? why.field : "?", omp_strerror(err));
        return 1;
    }
    /* what the codes do not decide: the options that set a field come after them */
    if (o->has_fs) {
        s->cfg.sample_rate_hz = o->fs_hz;
    }
    if (o->has_vpc) {
        s->cfg.cal.v_gain = (float)o->volts_per_code;
    }
    if (o->has_apc) {
        s->cfg.cal.i_gain = (float)o->amps_per_code;
    }
    if (o->has_meter_number) {
        s->cfg.meter_number = o->meter_number;
    }
    /* the logs after the registers' 64 KiB, which keep their layout at every size */
    s->cfg.nvm_sectors = sim_nvm_sectors(&o->plan);
    s->cfg.lp_sectors = o->plan.lp;
    s->cfg.an_sectors = o->plan.an;
    s->cfg.ev_sectors = o->plan.ev;
    sim_analysis_apply(&o->analysis, &s->cfg);
    /* the optical readout: Kamstrup's 27 User Data 2 objects, then the instantaneous values */
    /* U 32.7.0, I 31.7.0, P+ 1.7.0, P- 2.7.0, Q+ 3.7.0, Q- 4.7.0, f 14.7.0, PF 13.7.0 */
    static const uint8_t k_instant_c[] = {32, 31, 1, 2, 3, 4, 14, 13};
    if ((size_t)s->cfg.optical_ud2_len + sizeof k_instant_c <= OMP_METER_UD2_MAX) {
        for (size_t k = 0; k < sizeof k_instant_c; k++) {
            struct omp_cosem_ref r = {{1, 1, k_instant_c[k], 7, 0, 255}, 2u};
            s->cfg.optical_ud2[s->cfg.optical_ud2_len++] = r;
        }
    }
    sim_han_cfg(&o->han, &s->cfg); /* HAN push on with --han */
    if (o->optical_d0_s != 0u) { /* 131.0.12 = 2 (A+C+D0), 131.0.6 = S/5, 131.0.9 */
        s->cfg.optical.comm_mode = 2u;
        s->cfg.optical.d0_interval = (uint16_t)(o->optical_d0_s / 5u);
        s->cfg.optical.d0_baud = o->has_optical_d0_baud ? o->optical_d0_baud : 3u; /* 2400 Bd */
    }
    return 0;
}

/* The block in 10-ms parts, the meter's per-cycle work after each: a cycle's harmonics are
 * computed from the PQ engine's ring of the last samples (omp_meter_process). */
static void feed_samples(struct sim *s, size_t n)
{
    const size_t part = s->cfg.sample_rate_hz / 100u;
    for (size_t k = 0; k < n; k += part) {
        omp_meter_on_samples(s->meter, s->vi + 2u * k, n - k < part ? n - k : part);
        omp_meter_process(s->meter);
    }
}

static int run(struct sim *s)
{
    struct omp_posix_port *port = &s->port;
    const struct sim_opts *o = &s->opt;
    char errbuf[256] = "";
    sim_secrets_default(&s->secrets);
    if (o->secrets_path != NULL &&
        sim_secrets_load(&s->secrets, o->secrets_path, errbuf, sizeof errbuf) != 0) {
        (void)fprintf(stderr, PROG ": --secrets %s\n", errbuf);
        return 1;
    }
    struct omp_nvm_geometry geo;
    omp_posix_nvm_default_geometry(&geo);
    geo.size = o->nvm_size;
    if (check_file_size(o) != 0) {
        return 1;
    }
    if (o->scenario_path != NULL && load_scenario(s) != 0) {
        return 1;
    }
    if (o->samples_path != NULL) {
        s->samples = fopen(o->samples_path, "rb");
        if (s->samples == NULL) {
            (void)fprintf(stderr, PROG ": %s: %s\n", o->samples_path, strerror(errno));
            return 1;
        }
    }
    omp_err err = OMP_OK;
    if (o->nvm_format) { /* asked for: whatever the file held is gone */
        err = omp_posix_nvm_format_file(o->nvm_path, &geo, errbuf, sizeof errbuf);
    }
    if (err == OMP_OK) {
        err = o->nvm_path != NULL
                  ? omp_posix_port_use_file_nvm(port, o->nvm_path, &geo, errbuf, sizeof errbuf)
                  : omp_posix_port_use_ram_nvm(port, &geo);
    }
    if (err != OMP_OK) {
        (void)fprintf(stderr, PROG ": %s\n", errbuf[0] != '\0' ? errbuf : omp_strerror(err));
        return 1;
    }
    s->hal = omp_posix_port_hal(port);

    if (meter_cfg(s) != 0) {
        return 1;
    }
    if (o->samples_path != NULL) { /* recorded codes: gains as given, no offset, no phase */
        s->cfg.cal.v_offset = 0;
        s->cfg.cal.i_offset = 0;
        s->cfg.cal.phase_deg = 0.0f;
    } else {
        err = omp_sim_load_init(&s->load, s->cfg.sample_rate_hz, s->cfg.mains_hz,
                                (double)s->cfg.cal.v_gain, (double)s->cfg.cal.i_gain);
        if (err != OMP_OK) {
            (void)fprintf(stderr, PROG ": load model: %s (sample rate %lu Hz, scales %g V, %g A)\n",
                          omp_strerror(err), (unsigned long)s->cfg.sample_rate_hz,
                          (double)s->cfg.cal.v_gain, (double)s->cfg.cal.i_gain);
            return 1;
        }
        if (s->supply != NULL) {
            omp_sim_supply_start(s->supply, s->cfg.sample_rate_hz);
        }
    }
    s->vi_pairs = (size_t)s->cfg.sample_rate_hz * TICK_MS / 1000u + 1u;
    s->vi = calloc(2u * s->vi_pairs, sizeof *s->vi);
    s->raw = calloc(s->vi_pairs, 8u);
    s->meter = calloc(1, sizeof *s->meter);
    if (s->vi == NULL || s->raw == NULL || s->meter == NULL) {
        (void)fprintf(stderr, PROG ": out of memory\n");
        return 1;
    }

    /* The start time: --start, else (with --nvm) the UTC of the meter's newest state record,
     * which the meter reports after init, else the wall clock. The meter starts with the clock
     * marked invalid when it is not known yet, so its power-up record keeps the restored UTC. */
    omp_time_s start = 0;
    bool start_known = true;
    if (o->has_start) {
        start = o->start;
    } else if (o->nvm_path != NULL) {
        start_known = false;
    } else if (omp_posix_wall_utc(&start, NULL) != OMP_OK) {
        (void)fprintf(stderr, PROG ": cannot read the wall clock\n");
        return 1;
    }
    /* the port first, so the meter's first poll sets it to 300 Bd 7E1 (IEC 62056-21) */
    if (open_optical(s) != 0 ||
        (o->dlms && sim_dlms_open(&s->dlms, o->dlms_tcp_port) != 0) ||
        (o->hdlc != SIM_OPTICAL_NONE &&
         sim_hdlc_open(&s->hdlc, &s->port, o->hdlc == SIM_OPTICAL_PTY, o->hdlc_tcp_port) != 0) ||
        sim_han_open(&o->han, &s->port) != 0) {
        return 1;
    }
    if (sim_secrets_apply(&s->secrets, &s->port) != OMP_OK) {
        (void)fprintf(stderr, PROG ": the port refused a key of the secrets\n");
        return 1;
    }
    s->han_open = o->han.kind != SIM_HAN_NONE;
    struct omp_now now = { .mono_ms = 0, .utc_s = start, .utc_ms = 0, .rtc_valid = start_known };
    err = omp_meter_init(s->meter, &s->hal, &s->cfg, &now);
    if (err == OMP_OK) {
        err = omp_meter_dlms_lls_secret(s->meter, s->secrets.lls_password, s->secrets.lls_len);
    }
    if (err == OMP_ERR_DENIED) {
        (void)fprintf(stderr, PROG ": %s: the meter's legal data (calibration, type number, "
                              "display resolution) is stored there and differs from this run's "
                              "(--volts-per-code, --amps-per-code, --samples, --type-number, "
                              "Z1); run with the same, or --nvm-format\n",
                      o->nvm_path != NULL ? o->nvm_path : "RAM");
        return 1;
    }
    if (err != OMP_OK) {
        (void)fprintf(stderr, PROG ": meter init failed: %s (%s)%s\n", omp_strerror(err),
                      omp_err_name(err),
                      err == OMP_ERR_ARG ? ": sample rate or calibration rejected" : "");
        return 1;
    }
    struct omp_meter_nvm_info nvm_info;
    if (omp_meter_nvm_info(s->meter, &nvm_info) == OMP_OK && nvm_info.damaged_sectors != 0u) {
        /* the meter wrote nothing: the file is left as it was, the evidence kept */
        (void)fprintf(stderr,
                      PROG ": %s: the NVM holds data this meter cannot read (%lu damaged or "
                           "foreign sector%s); left unchanged (--nvm-format erases it)\n",
                      o->nvm_path != NULL ? o->nvm_path : "RAM",
                      (unsigned long)nvm_info.damaged_sectors,
                      nvm_info.damaged_sectors == 1u ? "" : "s");
        return 1;
    }
    if (nvm_info.rolled_back) {
        (void)fprintf(stderr,
                      PROG ": %s: the registers were restored from checkpoint %lu (%s), older than "
                           "the newest one saved (%lu): energy since then may be lost\n",
                      o->nvm_path != NULL ? o->nvm_path : "RAM",
                      (unsigned long)nvm_info.restored_checkpoint,
                      source_name(nvm_info.restored_from),
                      (unsigned long)nvm_info.newest_checkpoint);
    }
    if (!start_known) {
        struct omp_meter_snapshot snap;
        if (omp_meter_snapshot(s->meter, &snap) == OMP_OK && snap.saved_utc_valid) {
            start = snap.saved_utc_s;
        } else if (omp_posix_wall_utc(&start, NULL) != OMP_OK) {
            (void)fprintf(stderr, PROG ": cannot read the wall clock\n");
            return 1;
        }
    }
    omp_posix_clock_init_sim(&port->clock, start);
    port->display_out = NULL; /* show_display prints, after each step */
    if (omp_posix_clock_now(&port->clock, &now) != OMP_OK) {
        return 1;
    }
    omp_meter_tick(s->meter, &now);
    if (install_signals() != 0) {
        (void)fprintf(stderr, PROG ": cannot install signal handlers\n");
        return 1;
    }

    const uint64_t wall0 = omp_posix_mono_ns();
    const uint64_t rate = s->cfg.sample_rate_hz;
    uint64_t run_ms = 0;
    uint64_t samples = 0;
    bool samples_end = false;
    int status = 0;
    poll_meter(s); /* first screen: printed after the first step, with the supply's symbols */
    announce_optical(s);
    sim_dlms_announce(&s->dlms);
    sim_hdlc_announce(&s->hdlc, &s->port);
    sim_han_announce(&o->han, &s->port);

    while (g_stop_signal == 0 && !samples_end && !(o->has_duration && run_ms >= o->duration_ms)) {
        uint64_t step_ms = TICK_MS;
        if (o->has_duration && o->duration_ms - run_ms < step_ms) {
            step_ms = o->duration_ms - run_ms;
        }
        uint64_t end = (run_ms + step_ms) * rate / 1000u;
        size_t n = (size_t)(end - samples);
        if (s->samples != NULL) {
            long got = read_samples(s, n);
            if (got < 0) {
                (void)fprintf(stderr, PROG ": %s: read error: %s\n", o->samples_path,
                              strerror(errno));
                status = 1;
                break;
            }
            if ((size_t)got < n) { /* the recording ends inside this block */
                samples_end = true;
                n = (size_t)got;
                end = samples + n;
                step_ms = end * 1000u / rate - run_ms;
            }
        } else {
            /* the load at the start of the block, from local civil time */
            omp_sim_load_set_time(&s->load,
                                  now.utc_s + 60 * (int64_t)local_offset_min(s->meter, now.utc_s));
            if (s->supply != NULL) {
                const double coef[4] = {s->load.i1_sin, s->load.i1_cos, s->load.i3_sin,
                                        s->load.i3_cos};
                omp_sim_supply_fill(s->supply, samples, (double)s->cfg.cal.v_gain, coef, s->vi, n);
            } else {
                omp_sim_load_fill(&s->load, samples, s->vi, n);
            }
        }
        feed_samples(s, n);
        samples = end;
        run_ms += step_ms;
        omp_posix_clock_advance_ms(&port->clock, step_ms);
        if (omp_posix_clock_now(&port->clock, &now) != OMP_OK) {
            return 1;
        }
        omp_meter_tick(s->meter, &now);
        if (s->optical_open || s->dlms.open || s->hdlc.open || s->han_open) {
            poll_and_drain(s);
            show_display(s);
            serve_ports(s, o->speed > 0.0 ? wall_target(wall0, run_ms, o->speed) : 0u,
                        o->speed > 0.0);
        } else {
            poll_meter(s);
            show_display(s);
            if (o->speed > 0.0) {
                sleep_until(wall_target(wall0, run_ms, o->speed));
            }
        }
        take_pq_events(s, &now);
    }
    const uint64_t wall_ns = omp_posix_mono_ns() - wall0;
    if (s->samples != NULL) {
        long pos = ftell(s->samples);
        if (samples_end && pos >= 0 && fgetc(s->samples) == EOF && pos % 8 != 0) {
            (void)fprintf(stderr, PROG ": warning: %s: %ld trailing bytes (not a whole pair) ignored\n",
                          o->samples_path, pos % 8);
        }
        if (s->clipped != 0u) {
            (void)fprintf(stderr, PROG ": warning: %s: %llu codes outside 24 bits were clipped\n",
                          o->samples_path, (unsigned long long)s->clipped);
        }
    }

    /* orderly power-down: warning, save (the record carries the clock), fsync */
    omp_meter_on_input(s->meter, OMP_INPUT_POWER_FAIL, true);
    poll_meter(s);
    err = omp_meter_flush(s->meter);
    if (err != OMP_OK) {
        (void)fprintf(stderr, PROG ": saving the meter state failed: %s\n", omp_strerror(err));
        status = 1;
    }
    if (o->nvm_path != NULL && omp_posix_port_flush(port) != OMP_OK) {
        (void)fprintf(stderr, PROG ": %s: fsync failed: %s\n", o->nvm_path, strerror(errno));
        status = 1;
    }
    if (sim_export_write(&o->exports, s->meter, s->cfg.utc_offset_min) != 0) {
        status = 1;
    }
    if (write_report(s, start, run_ms) != 0) {
        status = 1;
    }

    if (o->json) {
        struct sim_report r;
        memset(&r, 0, sizeof r);
        if (omp_meter_snapshot(s->meter, &r.snap) != OMP_OK ||
            omp_meter_nvm_info(s->meter, &r.nvm) != OMP_OK ||
            omp_meter_display(s->meter, &r.disp) != OMP_OK) {
            (void)fprintf(stderr, PROG ": cannot read the meter state\n");
            return 1;
        }
        r.local_offset_min = local_offset_min(s->meter, r.snap.utc_s);
        r.start_utc = start;
        r.run_ms = run_ms;
        r.load_w = s->samples != NULL ? NAN : s->load.p_w;
        r.led_pulses = port->pulses[OMP_PULSE_LED_ACTIVE];
        r.led_reactive_pulses = port->pulses[OMP_PULSE_LED_REACTIVE];
        r.source = s->samples != NULL ? "samples" : "load";
        r.samples = samples;
        r.fs_hz = s->cfg.sample_rate_hz;
        r.clipped = s->clipped;
        r.meter_number = s->cfg.meter_number;
        r.config = &o->config;
        r.cfg = &s->cfg;
        r.optical = s->optical_open ? &port->ports[OMP_PORT_OPTICAL] : NULL;
        r.meter = s->meter;
        r.pq = &s->pq;
        print_json(stdout, &r);
    }
    if (o->stats) {
        double wall_s = (double)wall_ns / 1e9;
        (void)fprintf(stderr,
                      PROG ": simulated %.1f s in %.3f s wall (%.0f x real time), "
                      "%llu samples, %llu poll errors%s\n",
                      (double)run_ms / 1000.0, wall_s,
                      wall_s > 0.0 ? (double)run_ms / 1000.0 / wall_s : 0.0,
                      (unsigned long long)samples, (unsigned long long)s->poll_errors,
                      g_stop_signal != 0 ? ", stopped by signal" : "");
    }
    if (fflush(stdout) != 0) {
        status = 1;
    }
    return status;
}

int main(int argc, char **argv)
{
    struct sim *s = calloc(1, sizeof *s);
    if (s == NULL) {
        (void)fprintf(stderr, PROG ": out of memory\n");
        return 1;
    }
    static char k_prog[] = PROG; /* getopt's messages name argv[0]: not the whole path */
    if (argc > 0) {
        argv[0] = k_prog;
    }
    int status = parse_args(argc, argv, &s->opt);
    if (status < 0) {
        (void)setvbuf(stdout, NULL, _IOLBF, 0); /* display lines appear as they happen */
        omp_posix_port_init(&s->port);
        status = run(s);
        omp_posix_port_close(&s->port);
        sim_dlms_close(&s->dlms);
        omp_sim_load_free(&s->load);
    }
    if (s->samples != NULL) {
        (void)fclose(s->samples);
    }
    free(s->supply);
    sim_pq_free(&s->pq);
    free(s->raw);
    free(s->vi);
    free(s->meter);
    free(s);
    return status;
}

/* omnipower read: read a meter over its IEC 62056-21 optical port (modes A and C, readout and
 * programming-mode commands; mode D: listen for the meter's unsolicited D0 readout) through a
 * serial device or TCP, with the library's reader state machine (omp_iec21_client), and print
 * the data sets as JSON or CSV.
 * See docs/tool-read.md (and `omnipower read --help`). */
#include "cli.h"
#include "read.h"

#include "json.h"
#include "serial.h"

#include "omnipower/core.h"
#include "omnipower/iec62056_21.h"
#include "omnipower/port_posix.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PROG "omnipower"
#define EXIT_USAGE CLI_EXIT_USAGE
#define DEFAULT_PORT "/dev/ttyUSB0"
#define READ_BUF_MAX 65536u  /* the client's receive buffer: holds a whole readout */
#define GUARD_MS 600000u     /* give up after 10 minutes whatever the protocol says */
#define PROG_MAX 64u         /* --prog commands per run */
#define PROG_DATA_MAX 256u   /* characters of a command's data */
#define TA_MIN_MS 1500u      /* IEC 62056-21 ta: silence inside a message */
#define TIMEOUT_MAX_MS 600000u      /* --timeout, modes A and C */
#define TIMEOUT_D_MAX_MS 90000000u  /* --timeout, mode D: 25 h (the longest D0 interval is 24 h) */
#define TIMEOUT_D_DEFAULT_MS 60000u /* mode D: wait a minute for a D0 message */
#define BAUD_D_DEFAULT 2400u        /* mode D: the OMNIPOWER's factory D0 rate (131.0.9 = 3) */
#define GUARD_D_EXTRA_MS 60000u     /* mode D: a message still arriving at the deadline */

enum out_format { FMT_JSON = 0, FMT_CSV, FMT_RAW };

struct prog_cmd {
    const char *text; /* as given: "R1:1.8.0()" */
    uint8_t cmd;      /* 'R', 'W', 'E' */
    uint8_t type;     /* '0'..'9' */
    const char *data; /* after the ':' */
    size_t len;
};

struct read_opts {
    const char *port;
    char mode;
    const char *address;
    bool has_address;
    uint32_t max_baud;
    bool has_baud;
    const char *password;
    struct prog_cmd prog[PROG_MAX];
    size_t n_prog;
    enum out_format format;
    bool pretty;
    uint32_t timeout_ms;
    bool has_timeout;
    bool trace;
};

void read_usage(FILE *f)
{
    (void)fprintf(
        f,
        "Usage: " PROG " read [OPTION]...\n"
        "Read a meter over its IEC 62056-21 (IEC 1107) optical port: sign on, take the data\n"
        "readout (mode A or C) or run programming-mode commands (mode C), or listen for the\n"
        "meter's unsolicited D0 readout (mode D); print the data sets.\n"
        "\n"
        "  --port DEV|tcp:HOST:PORT  serial device of the optical head (7E1, sign-on at 300 Bd),\n"
        "                      or a TCP connection (e.g. to omnipower-sim --optical tcp:PORT).\n"
        "                      Default: " DEFAULT_PORT "\n"
        "  --mode A|C|D        A: sign on and wait for the readout at 300 Bd; C: acknowledge the\n"
        "                      identification and read at the agreed rate; D: send nothing,\n"
        "                      wait for one D0 message (meter setting 131.0.12 = 2). Default: C\n"
        "  --address ADDR      device address of the request (0..32 of [0-9A-Za-z ]; the serial\n"
        "                      number; not in mode D). Default: empty (any meter)\n"
        "  --baud MAX          mode C: highest rate to use, 300..19200; the meter's\n"
        "                      identification may offer less. Default: 9600\n"
        "                      mode D: the rate the meter sends D0 at. Default: 2400\n"
        "  --password PW       programming mode: the P1 password (up to 16 characters)\n"
        "  --prog CMD          programming mode (mode C, needs --password): send CMD, e.g.\n"
        "                      R1:1.8.0() or R5:1.0.0() (command letter and digit, ':', data);\n"
        "                      may be repeated; the replies are printed, then B0 signs off\n"
        "  --format json|csv|raw  output: one JSON object (default), CSV with a header line,\n"
        "                      or the readout's data as received\n"
        "  --pretty            indented JSON\n"
        "  --timeout MS        each answer of the meter must be complete within MS after the\n"
        "                      request plus the line time of its characters (silence inside\n"
        "                      a message: at least 1500), 1..600000. Default: 2000\n"
        "                      mode D: wait up to MS for the D0 message, 1..90000000 (at\n"
        "                      least the meter's D0 interval). Default: 60000\n"
        "  --trace             print every message sent and received on standard error\n"
        "  -h, --help          print this help and exit\n"
        "\n"
        "Exit status: 0 success, 1 I/O or protocol error (no connection, timeout, BCC errors,\n"
        "password refused or locked out, an ER or NAK reply, no D0 message), 2 usage error.\n"
        "Documentation: docs/tool-read.md\n");
}


static uint64_t now_ms(void)
{
    return omp_posix_mono_ns() / 1000000u;
}

/* ---- command line ---------------------------------------------------------------------------- */

static bool parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
    if (s == NULL || s[0] < '0' || s[0] > '9') {
        return false;
    }
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi) {
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

static bool address_ok(const char *a)
{
    size_t n = strlen(a);
    if (n > OMP_IEC21_ADDRESS_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = a[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
              ch == ' ')) {
            return false;
        }
    }
    return true;
}

/* Printable ASCII without the characters that frame a message or a data set's value. */
static bool text_ok(const char *s, size_t n, bool parens_ok)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20u || ch > 0x7Eu || (!parens_ok && (ch == '(' || ch == ')'))) {
            return false;
        }
    }
    return true;
}

static bool parse_prog(const char *s, struct prog_cmd *p)
{
    size_t n = strlen(s);
    if (n < 3u || (s[0] != 'R' && s[0] != 'W' && s[0] != 'E') || s[1] < '0' || s[1] > '9' ||
        s[2] != ':') {
        return false;
    }
    if (n - 3u > PROG_DATA_MAX || !text_ok(s + 3, n - 3u, true)) {
        return false;
    }
    p->text = s;
    p->cmd = (uint8_t)s[0];
    p->type = (uint8_t)s[1];
    p->data = s + 3;
    p->len = n - 3u;
    return true;
}

/* Returns -1 to go on, else the exit status. */
static int parse_read_args(int argc, char **argv, struct read_opts *o)
{
    enum {
        OPT_PORT = 256, OPT_MODE, OPT_ADDRESS, OPT_BAUD, OPT_PASSWORD, OPT_PROG, OPT_FORMAT,
        OPT_PRETTY, OPT_TIMEOUT, OPT_TRACE
    };
    static const struct option k_long[] = {
        { "port", required_argument, NULL, OPT_PORT },
        { "mode", required_argument, NULL, OPT_MODE },
        { "address", required_argument, NULL, OPT_ADDRESS },
        { "baud", required_argument, NULL, OPT_BAUD },
        { "password", required_argument, NULL, OPT_PASSWORD },
        { "prog", required_argument, NULL, OPT_PROG },
        { "format", required_argument, NULL, OPT_FORMAT },
        { "pretty", no_argument, NULL, OPT_PRETTY },
        { "timeout", required_argument, NULL, OPT_TIMEOUT },
        { "trace", no_argument, NULL, OPT_TRACE },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    memset(o, 0, sizeof *o);
    o->port = DEFAULT_PORT;
    o->mode = 'C';
    o->address = "";
    o->max_baud = 9600u;
    o->timeout_ms = 2000u;
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", k_long, NULL)) != -1) {
        switch (ch) {
        case OPT_PORT: {
            char why[LINK_ERR_MAX];
            if (!link_spec_ok(optarg, why, sizeof why)) {
                return cli_usage_error("read", "%s", why);
            }
            o->port = optarg;
            break;
        }
        case OPT_MODE:
            if (strcmp(optarg, "A") == 0 || strcmp(optarg, "a") == 0) {
                o->mode = 'A';
            } else if (strcmp(optarg, "C") == 0 || strcmp(optarg, "c") == 0) {
                o->mode = 'C';
            } else if (strcmp(optarg, "D") == 0 || strcmp(optarg, "d") == 0) {
                o->mode = 'D';
            } else {
                return cli_usage_error("read", "invalid --mode '%s' (A, C or D)", optarg);
            }
            break;
        case OPT_ADDRESS:
            if (!address_ok(optarg)) {
                return cli_usage_error("read", "invalid --address '%s' (0..32 of 0-9, A-Z, a-z, space)",
                                   optarg);
            }
            o->address = optarg;
            o->has_address = true;
            break;
        case OPT_BAUD:
            if (!parse_u32(optarg, 300u, 19200u, &o->max_baud) || !link_baud_ok(o->max_baud)) {
                return cli_usage_error("read", "invalid --baud '%s' (300, 600, 1200, 2400, 4800, 9600 or "
                                   "19200)", optarg);
            }
            o->has_baud = true;
            break;
        case OPT_PASSWORD:
            if (strlen(optarg) > OMP_IEC21_PASSWORD_MAX ||
                !text_ok(optarg, strlen(optarg), false)) {
                return cli_usage_error("read", "invalid --password (up to %u printable characters, no "
                                   "parentheses)", (unsigned)OMP_IEC21_PASSWORD_MAX);
            }
            o->password = optarg;
            break;
        case OPT_PROG:
            if (o->n_prog == PROG_MAX) {
                return cli_usage_error("read", "too many --prog commands (%u at most)", (unsigned)PROG_MAX);
            }
            if (!parse_prog(optarg, &o->prog[o->n_prog])) {
                return cli_usage_error("read", "invalid --prog '%s' (R, W or E, a digit, ':', data; e.g. "
                                   "R1:1.8.0())", optarg);
            }
            o->n_prog++;
            break;
        case OPT_FORMAT:
            if (strcmp(optarg, "json") == 0) {
                o->format = FMT_JSON;
            } else if (strcmp(optarg, "csv") == 0) {
                o->format = FMT_CSV;
            } else if (strcmp(optarg, "raw") == 0) {
                o->format = FMT_RAW;
            } else {
                return cli_usage_error("read", "invalid --format '%s' (json, csv or raw)", optarg);
            }
            break;
        case OPT_PRETTY:
            o->pretty = true;
            break;
        case OPT_TIMEOUT:
            if (!parse_u32(optarg, 1u, TIMEOUT_D_MAX_MS, &o->timeout_ms)) {
                return cli_usage_error("read", "invalid --timeout '%s' (milliseconds, 1..600000; "
                                   "mode D: 1..90000000)", optarg);
            }
            o->has_timeout = true;
            break;
        case OPT_TRACE:
            o->trace = true;
            break;
        case 'h':
            read_usage(stdout);
            return 0;
        default:
            return cli_usage_error("read", "invalid option or missing argument: '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) {
        return cli_usage_error("read", "unexpected argument '%s'", argv[optind]);
    }
    if (o->n_prog > 0u && o->mode != 'C') {
        return cli_usage_error("read", "--prog needs mode C (programming mode is entered by option select)");
    }
    if (o->n_prog > 0u && o->password == NULL) {
        return cli_usage_error("read", "--prog needs --password");
    }
    if (o->password != NULL && o->n_prog == 0u) {
        return cli_usage_error("read", "--password is for programming mode: give --prog commands");
    }
    if (o->n_prog > 0u && o->format == FMT_RAW) {
        return cli_usage_error("read", "--format raw is for a readout, not for --prog");
    }
    if (o->mode != 'D' && o->timeout_ms > TIMEOUT_MAX_MS) {
        return cli_usage_error("read", "invalid --timeout '%lu' (milliseconds, 1..600000; mode D: "
                           "1..90000000)", (unsigned long)o->timeout_ms);
    }
    if (o->mode == 'D') {
        if (o->has_address) {
            return cli_usage_error("read", "--address is not used in mode D (nothing is sent)");
        }
        if (!o->has_baud) {
            o->max_baud = BAUD_D_DEFAULT;
        }
        if (!o->has_timeout) {
            o->timeout_ms = TIMEOUT_D_DEFAULT_MS;
        }
    }
    return -1;
}

/* ---- tracing ---------------------------------------------------------------------------------- */

static void trace_bytes(const char *dir, uint32_t baud, const uint8_t *p, size_t n)
{
    static const char *const k_names[0x20] = {
        [0x01] = "SOH", [0x02] = "STX", [0x03] = "ETX", [0x04] = "EOT", [0x06] = "ACK",
        [0x0A] = "LF",  [0x0D] = "CR",  [0x15] = "NAK",
    };
    (void)fprintf(stderr, PROG ": %s %5lu Bd: ", dir, (unsigned long)baud);
    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x20u && k_names[p[i]] != NULL) {
            (void)fprintf(stderr, "<%s>", k_names[p[i]]);
        } else if (p[i] < 0x20u || p[i] > 0x7Eu) {
            (void)fprintf(stderr, "<%02X>", (unsigned)p[i]);
        } else {
            (void)fputc(p[i], stderr);
        }
        if (p[i] == 0x0Au && i + 1u < n) {
            (void)fprintf(stderr, "\n" PROG ": %s          ", dir);
        }
    }
    (void)fputc('\n', stderr);
}

/* ---- data sets -------------------------------------------------------------------------------- */

struct group {
    struct omp_iec21_span value, unit;
    bool has_unit;
};

struct dset {
    struct omp_iec21_span id;
    size_t first, n; /* its groups */
};

struct dslist {
    struct group *g;
    size_t ng, capg;
    struct dset *d;
    size_t nd, capd;
};

static void *grow(void *p, size_t *cap, size_t elem)
{
    size_t c = *cap == 0u ? 32u : 2u * *cap;
    void *q = realloc(p, c * elem);
    if (q == NULL) {
        (void)fputs(PROG ": out of memory\n", stderr);
        exit(1);
    }
    *cap = c;
    return q;
}

static void dslist_free(struct dslist *l)
{
    free(l->g);
    free(l->d);
    memset(l, 0, sizeof *l);
}

/* Collect the data sets of @p data into @p l. @return OMP_OK, or the iterator's error with
 * *bad_off the offset of the offending character. */
static omp_err dslist_collect(struct dslist *l, const uint8_t *data, size_t len, size_t *bad_off)
{
    struct omp_iec21_ds_iter it;
    omp_iec21_ds_init(&it, data, len);
    for (;;) {
        struct omp_iec21_dataset ds;
        omp_err err = omp_iec21_ds_next(&it, &ds);
        if (err == OMP_ERR_NOT_FOUND) {
            return OMP_OK;
        }
        if (err != OMP_OK) {
            *bad_off = it.pos;
            return err;
        }
        if (l->ng == l->capg) {
            l->g = grow(l->g, &l->capg, sizeof *l->g);
        }
        l->g[l->ng] = (struct group){ .value = ds.value, .unit = ds.unit, .has_unit = ds.has_unit };
        if (ds.group == 0u || l->nd == 0u) {
            if (l->nd == l->capd) {
                l->d = grow(l->d, &l->capd, sizeof *l->d);
            }
            l->d[l->nd++] = (struct dset){ .id = ds.address, .first = l->ng, .n = 0 };
        }
        l->d[l->nd - 1u].n++;
        l->ng++;
    }
}

static void json_span(struct sb *s, struct omp_iec21_span sp)
{
    sb_json_str(s, (const char *)sp.ptr, sp.len);
}

static void json_unit(struct sb *s, const struct group *g)
{
    if (g->has_unit) {
        json_span(s, g->unit);
    } else {
        sb_puts(s, "null");
    }
}

/* `[{"id":..,"value":..,"unit":..[,"values":[..],"units":[..]]},...]` */
static void dslist_json(struct sb *s, const struct dslist *l)
{
    sb_putc(s, '[');
    for (size_t i = 0; i < l->nd; i++) {
        const struct dset *d = &l->d[i];
        const struct group *g = &l->g[d->first];
        sb_puts(s, i > 0u ? ",{" : "{");
        sb_key(s, "id");
        json_span(s, d->id);
        sb_key(s, "value");
        json_span(s, g->value);
        sb_key(s, "unit");
        json_unit(s, g);
        if (d->n > 1u) {
            sb_key(s, "values");
            sb_putc(s, '[');
            for (size_t k = 0; k < d->n; k++) {
                sb_puts(s, k > 0u ? "," : "");
                json_span(s, g[k].value);
            }
            sb_puts(s, "]");
            sb_key(s, "units");
            sb_putc(s, '[');
            for (size_t k = 0; k < d->n; k++) {
                sb_puts(s, k > 0u ? "," : "");
                json_unit(s, &g[k]);
            }
            sb_putc(s, ']');
        }
        sb_putc(s, '}');
    }
    sb_putc(s, ']');
}

/* One CSV field (RFC 4180: quoted when it holds a comma, a quote, CR or LF): @p p then @p p2. */
static void csv_field(struct sb *s, const uint8_t *p, size_t n, const uint8_t *p2, size_t n2)
{
    bool quote = false;
    for (size_t i = 0; i < n + n2; i++) {
        uint8_t c = i < n ? p[i] : p2[i - n];
        if (c == ',' || c == '"' || c == '\r' || c == '\n') {
            quote = true;
        }
    }
    if (quote) {
        sb_putc(s, '"');
    }
    for (size_t i = 0; i < n + n2; i++) {
        uint8_t c = i < n ? p[i] : p2[i - n];
        if (c == '"') {
            sb_putc(s, '"');
        }
        sb_putc(s, (char)c);
    }
    if (quote) {
        sb_putc(s, '"');
    }
}

/* `id,value,unit` then one field per continuation group: its value, or value*unit. */
static void dslist_csv(struct sb *s, const struct dslist *l)
{
    sb_puts(s, "id,value,unit\n");
    for (size_t i = 0; i < l->nd; i++) {
        const struct dset *d = &l->d[i];
        const struct group *g = &l->g[d->first];
        csv_field(s, d->id.ptr, d->id.len, NULL, 0);
        sb_putc(s, ',');
        csv_field(s, g->value.ptr, g->value.len, NULL, 0);
        sb_putc(s, ',');
        csv_field(s, g->unit.ptr, g->unit.len, NULL, 0);
        for (size_t k = 1; k < d->n; k++) {
            sb_putc(s, ',');
            if (g[k].has_unit) {
                uint8_t star_unit[1u + OMP_IEC21_DS_UNIT_MAX];
                size_t un = g[k].unit.len < OMP_IEC21_DS_UNIT_MAX ? g[k].unit.len
                                                                    : OMP_IEC21_DS_UNIT_MAX;
                star_unit[0] = '*';
                if (un > 0u) {
                    memcpy(star_unit + 1, g[k].unit.ptr, un);
                }
                csv_field(s, g[k].value.ptr, g[k].value.len, star_unit, 1u + un);
            } else {
                csv_field(s, g[k].value.ptr, g[k].value.len, NULL, 0);
            }
        }
        sb_putc(s, '\n');
    }
}

/* ---- the exchange ----------------------------------------------------------------------------- */

/* The overall deadline of one answer (modes A, C): --timeout from the end of the reader's message,
 * plus the line time of the characters received that could belong to a message. The library
 * client alone extends its wait by ta for every character of a message in progress, so a peer
 * streaming garbage that keeps starting messages would hold the reader until it closed; here
 * skipped bytes earn no time, and after more dropped messages than BCC retries none do. */
struct reply_wait {
    uint64_t t0_ms;       /* the reader's message went out (or the start) */
    uint64_t credit_ms;   /* line time of the message characters received since */
    uint64_t rx_bytes;    /* bytes received since t0 */
    uint32_t skipped0, bad0;
    uint64_t garbage;     /* bytes skipped since t0 */
};

#define BITS_PER_CHAR 10u /* 7E1: start, 7 data, parity, stop */

static void wait_start(struct reply_wait *w, const struct omp_iec21_client *c, uint64_t now)
{
    memset(w, 0, sizeof *w);
    w->t0_ms = now;
    w->skipped0 = c->rx.skipped;
    w->bad0 = c->rx.bad;
}

/* @p n bytes were handed to the client; credit their line time unless they were garbage. */
static void wait_rx(struct reply_wait *w, const struct omp_iec21_client *c, uint32_t skipped_before,
                    size_t n, uint32_t baud)
{
    const uint32_t skipped = c->rx.skipped - skipped_before;
    const size_t useful = n > skipped ? n - skipped : 0u;
    w->rx_bytes += n;
    w->garbage += skipped;
    if (c->rx.bad - w->bad0 <= c->cfg.retries && baud > 0u) {
        w->credit_ms += ((uint64_t)useful * BITS_PER_CHAR * 1000u + baud - 1u) / baud;
    }
}

static uint64_t wait_deadline(const struct reply_wait *w, const struct read_opts *o)
{
    const uint64_t first_ms = o->timeout_ms + (o->mode == 'A' ? 3000u : 0u); /* tt */
    return w->t0_ms + first_ms + w->credit_ms;
}

struct session {
    const struct read_opts *o;
    struct link link;
    struct omp_iec21_client c;
    uint8_t *buf;
    enum omp_iec21_client_state last_st; /* before FAILED */
    bool ready_seen;                     /* programming mode was entered */
    bool break_sent;
    size_t next_prog;                    /* next --prog to send */
    size_t cur_prog;                     /* the one being answered */
    /* programming replies */
    struct sb replies;                   /* JSON array members */
    struct sb csv;                       /* CSV lines of the replies */
    struct sb text;                      /* data of the reply being collected (partial blocks) */
    struct dslist reply_ds;
    uint32_t blocks;
    unsigned bad_replies;
    bool password_sent;                  /* a P1/P2 went out: a break after it is a refusal */
    unsigned naks_sent;                  /* NAKs the reader sent (bad BCC) */
    struct reply_wait wait;              /* the overall deadline of the answer awaited */
};

static const char *state_name(enum omp_iec21_client_state st)
{
    switch (st) {
    case OMP_IEC21_CLIENT_IDLE: return "idle";
    case OMP_IEC21_CLIENT_BUSY: return "busy";
    case OMP_IEC21_CLIENT_READOUT: return "readout";
    case OMP_IEC21_CLIENT_READY: return "ready";
    case OMP_IEC21_CLIENT_REPLY: return "reply";
    case OMP_IEC21_CLIENT_CLOSED: return "closed";
    case OMP_IEC21_CLIENT_FAILED: return "failed";
    default: return "?";
    }
}

/* What the exchange was doing when it failed, from what the tool saw. */
static const char *fail_stage(const struct session *s)
{
    if (s->o->mode == 'D') {
        if (s->link.rx_bytes == 0u) {
            return "no D0 message (nothing received)";
        }
        return s->c.bcc_errors > 0u ? "no D0 message with a valid BCC" : "no valid D0 message";
    }
    if (s->link.rx_bytes == 0u) {
        return "no answer to the sign-on request";
    }
    if (s->c.mfr[0] == '\0') {
        return "no valid identification";
    }
    if (s->o->n_prog == 0u) {
        return s->o->mode == 'A' ? "no readout after the identification (mode A)"
                                 : "no readout after the option select (mode C)";
    }
    if (!s->ready_seen) {
        return "programming mode not entered";
    }
    return "programming command failed";
}

static int fail_exchange(const struct session *s)
{
    omp_err err = s->c.err;
    const char *why = omp_strerror(err);
    char text[160];
    if (err == OMP_ERR_DENIED) {
        why = s->password_sent ? "the meter refused the password (break received)"
                               : "locked out: the meter sent a break instead of the password "
                                 "prompt (too many wrong passwords; try again later)";
    } else if (err == OMP_ERR_TIMEOUT) {
        why = "timeout";
    } else if (err == OMP_ERR_CRC && s->o->n_prog == 0u) {
        why = "bad BCC in the readout (IEC 62056-21 has no repeat in the data readout mode: read "
              "again)";
    } else if (err == OMP_ERR_CRC && s->naks_sent > 0u) {
        (void)snprintf(text, sizeof text, "bad BCC still after %u NAKs (the meter repeated its "
                       "message each time)", s->naks_sent);
        why = text;
    } else if (err == OMP_ERR_CRC) {
        why = "the meter answered NAK to every repeat of the reader's message";
    }
    (void)fprintf(stderr,
                  PROG ": read: %s: %s: %s (client error %s, state %s -> failed, %llu bytes "
                       "received)\n",
                  s->o->port, fail_stage(s), why, omp_err_name(err), state_name(s->last_st),
                  (unsigned long long)s->link.rx_bytes);
    return 1;
}

static void header_json(struct sb *s, const struct session *ss)
{
    sb_putc(s, '{');
    if (ss->c.mfr[0] == '\0') { /* mode D: the data message came without its identification */
        sb_key(s, "manufacturer");
        sb_puts(s, "null");
        sb_key(s, "ident");
        sb_puts(s, "null");
        sb_key(s, "max_baud");
        sb_puts(s, "null");
    } else {
        sb_key(s, "manufacturer");
        sb_json_str(s, ss->c.mfr, strlen(ss->c.mfr));
        sb_key(s, "ident");
        sb_json_str(s, ss->c.ident, strlen(ss->c.ident));
        sb_key(s, "max_baud");
        sb_printf(s, "%lu", (unsigned long)omp_iec21_baud(ss->c.baud_char));
    }
    sb_key(s, "mode");
    sb_printf(s, "\"%c\"", ss->o->mode);
    sb_key(s, "baud");
    sb_printf(s, "%lu", (unsigned long)ss->link.baud);
    if (ss->o->address[0] != '\0') {
        sb_key(s, "address");
        sb_json_str(s, ss->o->address, strlen(ss->o->address));
    }
}

static void emit_json(const struct session *ss, const struct sb *s)
{
    if (ss->o->pretty) {
        json_pretty(stdout, s->p, s->len);
    } else {
        (void)fwrite(s->p, 1, s->len, stdout);
        (void)fputc('\n', stdout);
    }
}

static int finish_readout(struct session *s)
{
    struct omp_iec21_span data = { NULL, 0 };
    if (omp_iec21_client_readout(&s->c, &data) != OMP_OK) {
        (void)fprintf(stderr, PROG ": read: %s: the client reported a readout but has none\n",
                      s->o->port);
        return 1;
    }
    if (s->o->format == FMT_RAW) {
        if (data.len > 0u) {
            (void)fwrite(data.ptr, 1, data.len, stdout);
        }
        return fflush(stdout) == 0 ? 0 : 1;
    }
    struct dslist l;
    memset(&l, 0, sizeof l);
    size_t bad = 0;
    omp_err err = dslist_collect(&l, data.ptr, data.len, &bad);
    if (err != OMP_OK) {
        (void)fprintf(stderr,
                      PROG ": read: %s: the readout is not valid data sets: %s (%s) at offset %zu "
                           "of %zu\n",
                      s->o->port, omp_strerror(err), omp_err_name(err), bad, data.len);
        dslist_free(&l);
        return 1;
    }
    if (s->o->format == FMT_CSV) {
        struct sb out;
        sb_init(&out);
        dslist_csv(&out, &l);
        (void)fwrite(out.p, 1, out.len, stdout);
        sb_free(&out);
    } else {
        struct sb out;
        sb_init(&out);
        header_json(&out, s);
        sb_key(&out, "data");
        dslist_json(&out, &l);
        sb_putc(&out, '}');
        emit_json(s, &out);
        sb_free(&out);
    }
    dslist_free(&l);
    return fflush(stdout) == 0 ? 0 : 1;
}

/* One programming reply (all blocks of it) as a member of the "replies" array. */
static void reply_done(struct session *s, const char *kind)
{
    const struct prog_cmd *p = &s->o->prog[s->cur_prog];
    struct sb *r = &s->replies;
    sb_puts(r, r->len > 0u ? ",{" : "{");
    sb_key(r, "command");
    sb_printf(r, "\"%c%c\"", (char)p->cmd, (char)p->type);
    sb_key(r, "data");
    sb_json_str(r, p->data, p->len);
    sb_key(r, "reply");
    sb_printf(r, "\"%s\"", kind);
    if (strcmp(kind, "data") == 0 || strcmp(kind, "error") == 0) {
        sb_key(r, "text");
        sb_json_str(r, s->text.p, s->text.len);
        if (s->blocks > 1u) {
            sb_key(r, "blocks");
            sb_printf(r, "%lu", (unsigned long)s->blocks);
        }
        if (strcmp(kind, "data") == 0 && s->reply_ds.nd > 0u) {
            sb_key(r, "data_sets");
            dslist_json(r, &s->reply_ds);
        }
    }
    sb_putc(r, '}');
    char cmd[3] = { (char)p->cmd, (char)p->type, '\0' };
    csv_field(&s->csv, (const uint8_t *)cmd, 2u, NULL, 0);
    sb_putc(&s->csv, ',');
    csv_field(&s->csv, (const uint8_t *)p->data, p->len, NULL, 0);
    sb_printf(&s->csv, ",%s,", kind);
    csv_field(&s->csv, (const uint8_t *)s->text.p, s->text.len, NULL, 0);
    sb_putc(&s->csv, '\n');
    if (strcmp(kind, "ack") != 0 && strcmp(kind, "data") != 0) {
        s->bad_replies++;
        (void)fprintf(stderr, PROG ": read: %s: %s: the meter answered %s%s%.*s\n", s->o->port,
                      p->text, strcmp(kind, "nak") == 0 ? "NAK" : "an error",
                      s->text.len > 0u ? ": " : "", (int)s->text.len, s->text.p);
    }
    sb_clear(&s->text);
    dslist_free(&s->reply_ds);
    s->blocks = 0;
}

/* In state REPLY. @return false after reporting a tool-side error. */
static bool handle_reply(struct session *s, uint64_t now)
{
    struct omp_iec21_msg msg;
    memset(&msg, 0, sizeof msg);
    if (omp_iec21_client_reply(&s->c, &msg) != OMP_OK) {
        (void)fprintf(stderr, PROG ": read: %s: the client reported a reply but has none\n",
                      s->o->port);
        return false;
    }
    switch (msg.kind) {
    case OMP_IEC21_MSG_ACK:
        reply_done(s, "ack");
        return true;
    case OMP_IEC21_MSG_NAK:
        reply_done(s, "nak");
        return true;
    case OMP_IEC21_MSG_DATA:
    case OMP_IEC21_MSG_PARTIAL: {
        s->blocks++;
        for (size_t i = 0; i < msg.data.len; i++) {
            sb_putc(&s->text, (char)msg.data.ptr[i]);
        }
        if (msg.kind == OMP_IEC21_MSG_PARTIAL) {
            if (omp_iec21_client_next_block(&s->c, now) != OMP_OK) {
                (void)fprintf(stderr, PROG ": read: %s: cannot acknowledge a partial block\n",
                              s->o->port);
                return false;
            }
            return true;
        }
        if (msg.is_error) {
            reply_done(s, "error");
            return true;
        }
        size_t bad = 0;
        if (dslist_collect(&s->reply_ds, (const uint8_t *)s->text.p, s->text.len, &bad) !=
            OMP_OK) {
            dslist_free(&s->reply_ds); /* not data sets (e.g. a logger's rows): text only */
        }
        reply_done(s, "data");
        return true;
    }
    default:
        (void)fprintf(stderr, PROG ": read: %s: unexpected reply message (kind %d)\n", s->o->port,
                      (int)msg.kind);
        return false;
    }
}

static int finish_prog(struct session *s)
{
    struct sb out;
    sb_init(&out);
    header_json(&out, s);
    sb_key(&out, "programming");
    sb_puts(&out, "true");
    sb_key(&out, "replies");
    sb_putc(&out, '[');
    sb_puts(&out, s->replies.p);
    sb_putc(&out, ']');
    sb_putc(&out, '}');
    if (s->o->format == FMT_CSV) { /* command,data,reply,text: one line per command */
        (void)fputs("command,data,reply,text\n", stdout);
        (void)fwrite(s->csv.p, 1, s->csv.len, stdout);
    } else {
        emit_json(s, &out);
    }
    sb_free(&out);
    int rc = fflush(stdout) == 0 ? 0 : 1;
    return s->bad_replies > 0u ? 1 : rc;
}

/* What the reader sent, for the messages: a password, a NAK for a bad BCC. */
static void note_sent(struct session *s, const uint8_t *tx, size_t n)
{
    if (n >= 3u && tx[0] == OMP_IEC21_SOH && tx[1] == (uint8_t)'P' &&
        (tx[2] == (uint8_t)'1' || tx[2] == (uint8_t)'2')) {
        s->password_sent = true;
    } else if (n == 1u && tx[0] == OMP_IEC21_NAK) {
        s->naks_sent++;
    }
}

/* Modes A and C, while the client waits for the meter (nothing of its own queued). */
static bool awaiting_answer(const struct session *s)
{
    return s->o->mode != 'D' && s->c.st == OMP_IEC21_CLIENT_BUSY &&
           s->c.tx_sent >= s->c.tx_len;
}

static int fail_deadline(const struct session *s)
{
    (void)fprintf(stderr,
                  PROG ": read: %s: %s: no complete answer within --timeout (%lu ms after the "
                       "request, plus the line time of the message characters): %llu bytes "
                       "received, %llu skipped as garbage, %lu broken messages dropped (state "
                       "%s)\n",
                  s->o->port, fail_stage(s), (unsigned long)s->o->timeout_ms,
                  (unsigned long long)s->wait.rx_bytes, (unsigned long long)s->wait.garbage,
                  (unsigned long)(s->c.rx.bad - s->wait.bad0), state_name(s->c.st));
    return 1;
}

static int exchange(struct session *s)
{
    const struct read_opts *o = s->o;
    char err[LINK_ERR_MAX] = "";
    struct omp_iec21_client_cfg cfg;
    omp_iec21_client_cfg_default(&cfg);
    cfg.mode = o->mode;
    (void)snprintf(cfg.address, sizeof cfg.address, "%s", o->address);
    cfg.option = o->n_prog > 0u ? (uint8_t)'1' : (uint8_t)'0';
    cfg.max_baud = o->max_baud;
    if (o->password != NULL) {
        (void)snprintf(cfg.password, sizeof cfg.password, "%s", o->password);
    }
    cfg.reply_ms = o->timeout_ms;
    cfg.ta_ms = o->timeout_ms > TA_MIN_MS ? o->timeout_ms : TA_MIN_MS;
    cfg.readout_ms = o->timeout_ms + 3000u; /* mode A: tt (1700 ms) and the reply */
    uint64_t guard_ms = GUARD_MS;
    if (o->mode == 'D') {
        cfg.readout_ms = o->timeout_ms; /* from now: the whole wait for the D0 message */
        cfg.ta_ms = TA_MIN_MS;          /* the meter sends a D0 message in one go */
        guard_ms = (uint64_t)o->timeout_ms + GUARD_D_EXTRA_MS;
    }

    const uint64_t t0 = now_ms();
    omp_err e = omp_iec21_client_start(&s->c, &cfg, s->buf, READ_BUF_MAX, t0);
    if (e != OMP_OK) {
        (void)fprintf(stderr, PROG ": read: cannot start the exchange: %s (%s)\n",
                      omp_strerror(e), omp_err_name(e));
        return 1;
    }
    s->last_st = s->c.st;
    wait_start(&s->wait, &s->c, t0);
    for (;;) {
        uint64_t now = now_ms();
        if (now - t0 > guard_ms) {
            (void)fprintf(stderr, PROG ": read: %s: gave up after %lu s (state %s)\n", o->port,
                          (unsigned long)(guard_ms / 1000u), state_name(s->c.st));
            return 1;
        }
        struct omp_iec21_out out;
        omp_iec21_client_poll(&s->c, now, &out);
        bool want_write = false;
        if (out.baud != 0u || (out.tx != NULL && out.tx_len > 0u)) {
            if (out.baud != 0u && !link_set_baud(&s->link, out.baud, err, sizeof err)) {
                (void)fprintf(stderr, PROG ": read: %s: %s\n", o->port, err);
                return 1;
            }
            long n = 0;
            if (out.tx != NULL && out.tx_len > 0u) {
                n = link_write(&s->link, out.tx, out.tx_len, err, sizeof err);
                if (n < 0) {
                    (void)fprintf(stderr, PROG ": read: %s: %s\n", o->port, err);
                    return 1;
                }
                if (o->trace && n > 0) {
                    trace_bytes("tx", s->link.baud, out.tx, (size_t)n);
                }
                note_sent(s, out.tx, (size_t)n);
            }
            omp_iec21_client_sent(&s->c, (size_t)n);
            if ((size_t)n == out.tx_len) {
                wait_start(&s->wait, &s->c, now_ms()); /* the answer is awaited from now */
                continue; /* whatever comes next may follow at once */
            }
            want_write = true;
        }
        if (s->c.st == OMP_IEC21_CLIENT_FAILED) {
            return fail_exchange(s);
        }
        if (!want_write) {
            switch (s->c.st) {
            case OMP_IEC21_CLIENT_READOUT:
                return finish_readout(s);
            case OMP_IEC21_CLIENT_READY:
                s->ready_seen = true;
                s->last_st = s->c.st;
                if (s->next_prog < o->n_prog) {
                    const struct prog_cmd *p = &o->prog[s->next_prog];
                    e = omp_iec21_client_command(&s->c, now, p->cmd, p->type,
                                                 (const uint8_t *)p->data, p->len);
                    if (e != OMP_OK) {
                        (void)fprintf(stderr, PROG ": read: %s: cannot send %s: %s (%s)\n",
                                      o->port, p->text, omp_strerror(e), omp_err_name(e));
                        return 1;
                    }
                    s->cur_prog = s->next_prog++;
                    continue;
                }
                if (!s->break_sent) {
                    e = omp_iec21_client_break(&s->c, now);
                    if (e != OMP_OK) {
                        (void)fprintf(stderr, PROG ": read: %s: cannot sign off: %s (%s)\n",
                                      o->port, omp_strerror(e), omp_err_name(e));
                        return 1;
                    }
                    s->break_sent = true;
                    continue;
                }
                break;
            case OMP_IEC21_CLIENT_REPLY:
                s->last_st = s->c.st;
                if (!handle_reply(s, now)) {
                    return 1;
                }
                continue;
            case OMP_IEC21_CLIENT_CLOSED:
                return finish_prog(s);
            default:
                break;
            }
        }
        if (s->c.st != OMP_IEC21_CLIENT_FAILED) {
            s->last_st = s->c.st;
        }
        uint64_t wake = out.wake_ms;
        if (awaiting_answer(s)) {
            const uint64_t dl = wait_deadline(&s->wait, o);
            if (now >= dl) {
                return fail_deadline(s);
            }
            wake = dl < wake ? dl : wake;
        }
        int timeout = 1000; /* at least once a second: the guard */
        if (wake != UINT64_MAX) {
            uint64_t w = wake > now ? wake - now : 0u;
            timeout = w < 1000u ? (int)w : 1000;
        }
        uint8_t rx[4096];
        long n = link_wait_read(&s->link, timeout, want_write, rx, sizeof rx, err, sizeof err);
        if (n < 0) {
            (void)fprintf(stderr, PROG ": read: %s: %s (%s, state %s, %llu bytes received)\n",
                          o->port, err, fail_stage(s), state_name(s->c.st),
                          (unsigned long long)s->link.rx_bytes);
            return 1;
        }
        if (n > 0) {
            if (o->trace) {
                trace_bytes("rx", s->link.baud, rx, (size_t)n);
            }
            const uint32_t skipped = s->c.rx.skipped;
            omp_iec21_client_rx(&s->c, now_ms(), rx, (size_t)n);
            wait_rx(&s->wait, &s->c, skipped, (size_t)n, s->link.baud);
        }
    }
}

int cmd_read(int argc, char **argv)
{
    struct read_opts *o = calloc(1, sizeof *o);
    struct session *s = calloc(1, sizeof *s);
    uint8_t *buf = malloc(READ_BUF_MAX);
    if (o == NULL || s == NULL || buf == NULL) {
        (void)fputs(PROG ": out of memory\n", stderr);
        free(o);
        free(s);
        free(buf);
        return 1;
    }
    int rc = parse_read_args(argc, argv, o);
    if (rc < 0) {
        char err[LINK_ERR_MAX] = "";
        s->o = o;
        s->buf = buf;
        sb_init(&s->replies);
        sb_init(&s->csv);
        sb_init(&s->text);
        uint32_t connect_ms = o->timeout_ms > 5000u ? o->timeout_ms : 5000u;
        connect_ms = connect_ms < TIMEOUT_MAX_MS ? connect_ms : TIMEOUT_MAX_MS;
        if (!link_open(&s->link, o->port, 300u, connect_ms, err, sizeof err)) {
            (void)fprintf(stderr, PROG ": read: %s\n", err);
            rc = 1;
        } else {
            rc = exchange(s);
        }
        link_close(&s->link);
        dslist_free(&s->reply_ds);
        sb_free(&s->replies);
        sb_free(&s->csv);
        sb_free(&s->text);
    }
    free(buf);
    free(s);
    free(o);
    return rc;
}

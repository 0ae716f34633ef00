/* omnipower: host tool. `omnipower decode` finds HDLC frames, TCP-wrapper PDUs and bare DLMS
 * APDUs in hex text or binary input and prints each as one JSON object per line.
 * See docs/tool-decode.md (and --help) for the command line and the JSON.
 * `omnipower read` (read.c, docs/tool-read.md) reads a meter over IEC 62056-21.
 * `omnipower objects` (objects.c) prints the object list, docs/cosem-objects.md. */
#include "cli.h"
#include "decode.h"
#include "json.h"
#include "objects.h"
#include "read.h"

#include "omnipower/apdu.h"
#include "omnipower/core.h"
#include "omnipower/hdlc.h"
#include "omnipower/port_posix.h"
#include "omnipower/version.h"
#include "omnipower/wrapper.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROG "omnipower"
#define EXIT_USAGE CLI_EXIT_USAGE
#define REASM_MAX 65536u /* largest reassembled HDLC message */

static void usage(FILE *f)
{
    (void)fprintf(
        f,
        "Usage: " PROG " decode [OPTION]... [FILE|-]\n"
        "       " PROG " read [OPTION]...   (IEC 62056-21 reader: '" PROG " read --help')\n"
        "       " PROG " objects            (the meter's object list as a Markdown table)\n"
        "       " PROG " --help | --version\n"
        "\n"
        "Decode DLMS/COSEM traffic of a Kamstrup OMNIPOWER meter: HDLC frames (7E ... 7E), TCP\n"
        "wrapper PDUs (00 01 ...) and bare xDLMS/ACSE APDUs (optionally after the LLC header\n"
        "E6 E6 00 / E6 E7 00). Prints one JSON object per frame, one per line.\n"
        "\n"
        "Input (FILE, or standard input for '-' or no FILE) is hex text or binary:\n"
        "  hex text  whitespace, line breaks and 0x prefixes are ignored, '#' starts a comment;\n"
        "            a line NAME<TAB>HEX (the test-vector format: the hex after the last TAB) is a\n"
        "            unit of its own; otherwise a blank line ends a unit.\n"
        "  binary    anything that is not printable text; one unit.\n"
        "Each unit is a stream of HDLC frames, of wrapper PDUs, or of APDUs.\n"
        "\n"
        "  --key HEX           global unicast encryption key (GUEK, 32 hex digits) to decipher\n"
        "                      ciphered APDUs (security suite 0, AES-128-GCM)\n"
        "  --auth-key HEX      authentication key (GAK, 32 hex digits)\n"
        "  --system-title HEX  the sender's system title (16 hex digits) for glo-/ded- APDUs that\n"
        "                      do not carry one\n"
        "  --json              one JSON object per line (default)\n"
        "  --pretty            indented JSON\n"
        "  -h, --help          print this help and exit\n"
        "  -V, --version       print the version and exit\n"
        "\n"
        "Errors (garbage, CRC errors, undecodable APDUs) go to standard error as\n"
        "'" PROG ": FILE: offset N: reason' (N: byte offset in the decoded input).\n"
        "Exit status: 0 success, 1 some input could not be decoded, 2 usage error.\n"
        "Documentation: docs/tool-decode.md\n");
}


/* ---- input ----------------------------------------------------------------------------------- */

struct unit {
    size_t start; /* offset in the decoded bytes */
    size_t len;
    unsigned line; /* first line (text input), 0 for binary */
};

struct input {
    uint8_t *bytes; /* decoded bytes of all units */
    size_t len;
    struct unit *units;
    size_t n_units, cap_units;
    bool text;
};

static bool read_all(const char *path, uint8_t **out, size_t *out_len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL) {
        return false;
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    bool ok = buf != NULL;
    while (ok) {
        if (len == cap) {
            cap *= 2u;
            uint8_t *p = realloc(buf, cap);
            if (p == NULL) {
                ok = false;
                break;
            }
            buf = p;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0u) {
            ok = ferror(f) == 0;
            break;
        }
    }
    if (f != stdin) {
        (void)fclose(f);
    }
    if (!ok) {
        free(buf);
        return false;
    }
    *out = buf;
    *out_len = len;
    return true;
}

static void unit_add(struct input *in, size_t start, size_t len, unsigned line)
{
    if (in->n_units == in->cap_units) {
        in->cap_units = in->cap_units == 0u ? 16u : 2u * in->cap_units;
        struct unit *u = realloc(in->units, in->cap_units * sizeof *u);
        if (u == NULL) {
            (void)fputs(PROG ": out of memory\n", stderr);
            exit(1);
        }
        in->units = u;
    }
    in->units[in->n_units].start = start;
    in->units[in->n_units].len = len;
    in->units[in->n_units].line = line;
    in->n_units++;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static bool is_text(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!((p[i] >= 0x20u && p[i] < 0x7Fu) || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) {
            return false;
        }
    }
    return true;
}

/* Hex text to bytes and units. Returns false after reporting an error. */
static bool parse_text(struct dec_ctx *c, const uint8_t *t, size_t n, struct input *in)
{
    in->bytes = malloc(n / 2u + 1u);
    if (in->bytes == NULL) {
        return false;
    }
    in->len = 0;
    bool open = false;  /* a unit of plain hex lines is being collected */
    size_t open_start = 0;
    unsigned open_line = 0;
    unsigned line = 0;
    size_t pos = 0;
    while (pos < n) {
        line++;
        size_t eol = pos;
        while (eol < n && t[eol] != '\n') {
            eol++;
        }
        size_t b = pos, e = eol;
        size_t next = eol < n ? eol + 1u : eol;
        /* a comment: '#' to the end of the line */
        for (size_t i = b; i < e; i++) {
            if (t[i] == '#') {
                e = i;
                break;
            }
        }
        size_t last_tab = SIZE_MAX;
        for (size_t i = b; i < e; i++) {
            if (t[i] == '\t') {
                last_tab = i;
            }
        }
        bool blank = true;
        for (size_t i = b; i < e; i++) {
            if (!isspace(t[i])) {
                blank = false;
                break;
            }
        }
        bool comment_only = blank && e < eol;
        if (last_tab != SIZE_MAX && !blank) {
            b = last_tab + 1u;
        }
        if ((blank && !comment_only) || last_tab != SIZE_MAX) {
            if (open) {
                unit_add(in, open_start, in->len - open_start, open_line);
                open = false;
            }
        }
        if (blank) {
            pos = next;
            continue;
        }
        size_t unit_start = in->len;
        int hi = -1;
        for (size_t i = b; i < e; i++) {
            int ch = t[i];
            if (isspace(ch)) {
                continue;
            }
            if (hi < 0 && ch == '0' && i + 1u < e && (t[i + 1u] == 'x' || t[i + 1u] == 'X')) {
                i++;
                continue;
            }
            int v = hexval(ch);
            if (v < 0) {
                dec_error(c, i, "line %u: '%c' is not a hex digit", line, ch);
                return false;
            }
            if (hi < 0) {
                hi = v;
            } else {
                in->bytes[in->len++] = (uint8_t)((unsigned)hi << 4 | (unsigned)v);
                hi = -1;
            }
        }
        if (hi >= 0) {
            dec_error(c, e, "line %u: odd number of hex digits", line);
            return false;
        }
        if (last_tab != SIZE_MAX) {
            unit_add(in, unit_start, in->len - unit_start, line);
        } else if (!open) {
            open = true;
            open_start = unit_start;
            open_line = line;
        }
        pos = next;
    }
    if (open) {
        unit_add(in, open_start, in->len - open_start, open_line);
    }
    return true;
}

/* ---- output ---------------------------------------------------------------------------------- */

struct out {
    bool pretty;
    struct sb line;
};

static void emit(struct out *o)
{
    if (o->pretty) {
        json_pretty(stdout, o->line.p, o->line.len);
    } else {
        (void)fwrite(o->line.p, 1, o->line.len, stdout);
        (void)fputc('\n', stdout);
    }
    sb_clear(&o->line);
}

static void begin_frame(struct out *o, size_t offset, const char *frame, unsigned line)
{
    sb_clear(&o->line);
    sb_printf(&o->line, "{\"offset\":%zu", offset);
    if (line > 0u) {
        sb_printf(&o->line, ",\"line\":%u", line);
    }
    sb_printf(&o->line, ",\"frame\":\"%s\"", frame);
}

/* ---- HDLC ------------------------------------------------------------------------------------ */

static const char *hdlc_type_name(enum omp_hdlc_type t)
{
    switch (t) {
    case OMP_HDLC_I: return "I";
    case OMP_HDLC_RR: return "RR";
    case OMP_HDLC_RNR: return "RNR";
    case OMP_HDLC_SNRM: return "SNRM";
    case OMP_HDLC_DISC: return "DISC";
    case OMP_HDLC_UA: return "UA";
    case OMP_HDLC_DM: return "DM";
    case OMP_HDLC_FRMR: return "FRMR";
    case OMP_HDLC_UI: return "UI";
    default: return "?";
    }
}

static void addr_json(struct sb *s, const char *key, const struct omp_hdlc_addr *a)
{
    sb_key(s, key);
    sb_printf(s, "{\"upper\":%u", (unsigned)a->upper);
    if (a->size > 1u) {
        sb_printf(s, ",\"lower\":%u", (unsigned)a->lower);
    }
    sb_printf(s, ",\"size\":%u}", (unsigned)a->size);
}

/* An LLC PDU or APDU stream in @p p (one HDLC message, one wrapper PDU or one unit). */
static void apdu_stream(struct dec_ctx *c, struct out *o, const uint8_t *p, size_t len,
                        size_t offset, bool llc_expected)
{
    bool response = false;
    const uint8_t *apdu = p;
    size_t apdu_len = len;
    if (omp_hdlc_llc_strip(p, len, &response, &apdu, &apdu_len) == OMP_OK) {
        sb_printf(&o->line, ",\"llc\":\"%s\"", response ? "response" : "command");
        offset += OMP_HDLC_LLC_LEN;
    } else if (llc_expected) {
        sb_puts(&o->line, ",\"llc\":null");
    }
    size_t used = 0;
    if (dec_apdu(c, &o->line, apdu, apdu_len, offset, &used) && used < apdu_len) {
        sb_printf(&o->line, ",\"trailing_bytes\":%zu", apdu_len - used);
        dec_error(c, offset + used, "%zu bytes after the APDU", apdu_len - used);
    }
}

static void hdlc_frame_json(struct dec_ctx *c, struct out *o, const struct omp_hdlc_frame *f,
                            size_t offset, unsigned line, struct omp_hdlc_reasm *ra)
{
    struct sb *s = &o->line;
    begin_frame(o, offset, "hdlc", line);
    sb_printf(s, ",\"hdlc\":{\"type\":\"%s\"", hdlc_type_name(f->type));
    addr_json(s, "dst", &f->dst);
    addr_json(s, "src", &f->src);
    sb_printf(s, ",\"pf\":%s,\"segmented\":%s", f->pf ? "true" : "false",
              f->segmented ? "true" : "false");
    if (f->type == OMP_HDLC_I) {
        sb_printf(s, ",\"ns\":%u", (unsigned)f->ns);
    }
    if (f->type == OMP_HDLC_I || f->type == OMP_HDLC_RR || f->type == OMP_HDLC_RNR) {
        sb_printf(s, ",\"nr\":%u", (unsigned)f->nr);
    }
    sb_printf(s, ",\"info_len\":%zu", f->info_len);
    if ((f->type == OMP_HDLC_SNRM || f->type == OMP_HDLC_UA) && f->info_len > 0u) {
        struct omp_hdlc_params pr;
        if (omp_hdlc_params_decode(f->info, f->info_len, &pr) == OMP_OK) {
            sb_printf(s, ",\"params\":{\"max_info_tx\":%u,\"max_info_rx\":%u,\"window_tx\":%u,"
                         "\"window_rx\":%u}",
                      (unsigned)pr.max_info_tx, (unsigned)pr.max_info_rx, (unsigned)pr.window_tx,
                      (unsigned)pr.window_rx);
        } else {
            sb_key(s, "info");
            sb_json_hex(s, f->info, f->info_len);
        }
    } else if (f->type != OMP_HDLC_I && f->type != OMP_HDLC_UI && f->info_len > 0u) {
        sb_key(s, "info");
        sb_json_hex(s, f->info, f->info_len);
    }
    sb_putc(s, '}');
    if ((f->type == OMP_HDLC_I || f->type == OMP_HDLC_UI) && f->info_len > 0u) {
        bool done = false;
        const uint8_t *msg = NULL;
        size_t msg_len = 0;
        omp_err err = omp_hdlc_reasm_add(ra, f, &done, &msg, &msg_len);
        if (err != OMP_OK) {
            omp_hdlc_reasm_reset(ra);
            dec_error(c, offset, "HDLC reassembly: %s", omp_strerror(err));
        } else if (!done) {
            sb_printf(s, ",\"reassembly\":{\"pending\":true,\"bytes\":%zu}", ra->len);
        } else {
            if (msg != f->info) {
                sb_printf(s, ",\"reassembly\":{\"pending\":false,\"bytes\":%zu}", msg_len);
            }
            /* offsets in messages: the info field's offset when it is this frame's own */
            size_t info_off = offset + 6u + f->dst.size + f->src.size;
            apdu_stream(c, o, msg, msg_len, msg == f->info ? info_off : offset, true);
        }
    }
    sb_putc(s, '}');
    emit(o);
}

/* Dropped bytes between @p from and @p to: silent if they are only flags and no frame broke.
 * Flags around the dropped bytes are not counted (they may belong to the good frames). */
static void report_dropped(struct dec_ctx *c, const uint8_t *p, size_t base, size_t from,
                           size_t to, uint32_t broken, uint32_t crc)
{
    size_t a = from, b = to;
    while (a < b && p[a] == OMP_HDLC_FLAG) {
        a++;
    }
    while (b > a && p[b - 1u] == OMP_HDLC_FLAG) {
        b--;
    }
    if (a == b && broken == 0u) {
        return;
    }
    if (a == b) {
        a = from;
        b = to;
    }
    if (crc > 0u) {
        a = a > from ? a - 1u : a; /* a frame with a bad HCS/FCS: report its opening flag */
        dec_error(c, base + a, "%zu bytes dropped: %lu broken HDLC frame(s), HCS/FCS mismatch",
                  b - a, (unsigned long)broken);
    } else {
        dec_error(c, base + a, "%zu bytes dropped: not a valid HDLC frame", b - a);
    }
}

static void hdlc_unit(struct dec_ctx *c, struct out *o, const uint8_t *p, size_t len, size_t base,
                      unsigned line)
{
    static struct omp_hdlc_stream st; /* about 2 KiB: not on the stack */
    omp_hdlc_stream_init(&st);
    uint8_t *rbuf = malloc(REASM_MAX);
    if (rbuf == NULL) {
        dec_error(c, base, "out of memory");
        return;
    }
    struct omp_hdlc_reasm ra;
    omp_hdlc_reasm_init(&ra, rbuf, REASM_MAX);
    size_t pos = 0;       /* bytes fed */
    size_t accounted = 0; /* frames + dropped bytes reported so far */
    uint32_t errs = 0, crcs = 0;
    for (;;) {
        size_t used = 0;
        struct omp_hdlc_frame f;
        uint32_t frames_before = st.bytes_frames;
        omp_err err = omp_hdlc_stream_feed(&st, p + pos, len - pos, &used, &f);
        pos += used;
        if (err != OMP_OK) {
            break;
        }
        /* frames and dropped bytes come in stream order: this frame starts after both */
        size_t start = (size_t)frames_before + (size_t)st.bytes_dropped;
        report_dropped(c, p, base, accounted, start, st.n_errors - errs, st.n_crc_errors - crcs);
        errs = st.n_errors;
        crcs = st.n_crc_errors;
        accounted = (size_t)st.bytes_frames + (size_t)st.bytes_dropped;
        hdlc_frame_json(c, o, &f, base + start, line, &ra);
    }
    size_t held = omp_hdlc_stream_held(&st);
    size_t end = (size_t)st.bytes_frames + (size_t)st.bytes_dropped;
    report_dropped(c, p, base, accounted, end, st.n_errors - errs, st.n_crc_errors - crcs);
    bool only_flag = held == 1u && len > 0u && p[len - 1u] == OMP_HDLC_FLAG;
    if (held > 0u && !only_flag) {
        dec_error(c, base + end, "incomplete HDLC frame at the end of the input (%zu bytes)",
                  held);
    }
    if (ra.active) {
        dec_error(c, base + len, "segmented HDLC message not finished (%zu bytes)", ra.len);
    }
    free(rbuf);
}

/* ---- wrapper --------------------------------------------------------------------------------- */

static bool wrapper_plausible(const uint8_t *p, size_t len)
{
    if (len < OMP_WRAPPER_HEADER_LEN || p[0] != 0x00u || p[1] != 0x01u) {
        return false;
    }
    size_t alen = (size_t)p[6] << 8 | p[7];
    return alen > 0u && OMP_WRAPPER_HEADER_LEN + alen <= len;
}

static void wrapper_unit(struct dec_ctx *c, struct out *o, const uint8_t *p, size_t len,
                         size_t base, unsigned line)
{
    struct omp_rd rd = omp_rd_init(p, len);
    while (omp_rd_remaining(&rd) > 0u) {
        size_t at = omp_rd_pos(&rd);
        struct omp_wrapper_pdu w;
        omp_err err = omp_wrapper_decode(&rd, &w);
        if (err != OMP_OK) {
            dec_error(c, base + at, "wrapper PDU: %s (%s)", omp_strerror(err), omp_err_name(err));
            return;
        }
        begin_frame(o, base + at, "wrapper", line);
        sb_printf(&o->line, ",\"wrapper\":{\"src_wport\":%u,\"dst_wport\":%u,\"length\":%zu}",
                  (unsigned)w.src_wport, (unsigned)w.dst_wport, w.apdu_len);
        apdu_stream(c, o, w.apdu, w.apdu_len, base + at + OMP_WRAPPER_HEADER_LEN, false);
        sb_putc(&o->line, '}');
        emit(o);
    }
}

/* ---- bare APDUs ------------------------------------------------------------------------------ */

/* A tag of the XDLMS-APDU and ACSE-APDU choices (IEC 62056-5-3 / Green Book: the short-name and
 * initiate services 1..24, their glo- 33..56 and ded- 65..88 forms, AARQ..RLRE 0x60..0x63, the
 * long-name services, ciphering, signing and block transfer 0xC0..0xE0), or the LLC header 0xE6:
 * bytes that can start a DLMS APDU, supported by the decoder or not. */
static bool dlms_tag(uint8_t b)
{
    switch (b) {
    case 0x01u: case 0x05u: case 0x06u: case 0x08u: case 0x0Cu: case 0x0Du: case 0x0Eu:
    case 0x0Fu: case 0x16u: case 0x18u: case 0xE6u:
        return true;
    default:
        return (b >= 0x21u && b <= 0x38u) || (b >= 0x41u && b <= 0x58u) ||
               (b >= 0x60u && b <= 0x63u) || (b >= 0xC0u && b <= 0xE0u);
    }
}

/* Bytes that start no frame of any kind the tool reads: one object with frame "none". */
static void not_a_frame(struct dec_ctx *c, struct out *o, const uint8_t *p, size_t len,
                        size_t offset, unsigned line)
{
    begin_frame(o, offset, "none", line);
    sb_printf(&o->line, ",\"error\":\"not a frame\",\"hex\":");
    sb_json_hex(&o->line, p, len);
    sb_putc(&o->line, '}');
    emit(o);
    dec_error(c, offset, "not a frame: %zu byte%s from 0x%02X, which starts no HDLC frame (7E), "
              "wrapper PDU (00 01) or DLMS APDU", len, len == 1u ? "" : "s", (unsigned)p[0]);
}

static void apdu_unit(struct dec_ctx *c, struct out *o, const uint8_t *p, size_t len, size_t base,
                      unsigned line)
{
    size_t pos = 0;
    while (pos < len) {
        if (!dlms_tag(p[pos])) {
            not_a_frame(c, o, p + pos, len - pos, base + pos, line);
            return;
        }
        begin_frame(o, base + pos, "apdu", line);
        bool response = false;
        const uint8_t *apdu = p + pos;
        size_t apdu_len = len - pos;
        size_t hdr = 0;
        if (omp_hdlc_llc_strip(p + pos, len - pos, &response, &apdu, &apdu_len) == OMP_OK) {
            sb_printf(&o->line, ",\"llc\":\"%s\"", response ? "response" : "command");
            hdr = OMP_HDLC_LLC_LEN;
        }
        size_t used = 0;
        bool ok = dec_apdu(c, &o->line, apdu, apdu_len, base + pos + hdr, &used);
        sb_putc(&o->line, '}');
        emit(o);
        if (!ok || used == 0u) {
            return; /* cannot find the next APDU after an undecodable one */
        }
        pos += hdr + used;
    }
}

/* A first byte a bare APDU (or its LLC header) can start with. */
static bool apdu_start(uint8_t b)
{
    switch (b) {
    case 0xE6u: /* LLC */
    case OMP_APDU_TAG_AARQ:
    case OMP_APDU_TAG_AARE:
    case OMP_APDU_TAG_RLRQ:
    case OMP_APDU_TAG_RLRE:
    case OMP_APDU_TAG_CONFIRMED_SERVICE_ERROR:
    case OMP_APDU_TAG_DATA_NOTIFICATION:
    case OMP_APDU_TAG_GET_REQUEST:
    case OMP_APDU_TAG_SET_REQUEST:
    case OMP_APDU_TAG_ACTION_REQUEST:
    case OMP_APDU_TAG_GET_RESPONSE:
    case OMP_APDU_TAG_SET_RESPONSE:
    case OMP_APDU_TAG_ACTION_RESPONSE:
    case OMP_APDU_TAG_EXCEPTION_RESPONSE:
        return true;
    default:
        return (b >= 0xC8u && b <= 0xD7u) || b == OMP_APDU_TAG_GENERAL_GLO_CIPHERING ||
               b == OMP_APDU_TAG_GENERAL_DED_CIPHERING;
    }
}

static void decode_unit(struct dec_ctx *c, struct out *o, const uint8_t *p, size_t len,
                        size_t base, unsigned line)
{
    if (len == 0u) {
        return;
    }
    if (p[0] == OMP_HDLC_FLAG || (!apdu_start(p[0]) && memchr(p, OMP_HDLC_FLAG, len) != NULL)) {
        hdlc_unit(c, o, p, len, base, line);
    } else if (wrapper_plausible(p, len)) {
        wrapper_unit(c, o, p, len, base, line);
    } else {
        apdu_unit(c, o, p, len, base, line);
    }
}

/* ---- main ------------------------------------------------------------------------------------ */

struct opts {
    const char *key;
    const char *auth_key;
    const char *system_title;
    bool pretty;
    const char *file;
};

static bool parse_hex_exact(const char *s, uint8_t *out, size_t n)
{
    if (strlen(s) != 2u * n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(s[2u * i]), lo = hexval(s[2u * i + 1u]);
        if (hi < 0 || lo < 0) {
            return false;
        }
        out[i] = (uint8_t)((unsigned)hi << 4 | (unsigned)lo);
    }
    return true;
}

/* Returns -1 to go on, else the exit status. */
static int parse_decode_args(int argc, char **argv, struct opts *o)
{
    enum { OPT_KEY = 256, OPT_AK, OPT_ST, OPT_JSON, OPT_PRETTY };
    static const struct option k_long[] = {
        { "key", required_argument, NULL, OPT_KEY },
        { "auth-key", required_argument, NULL, OPT_AK },
        { "system-title", required_argument, NULL, OPT_ST },
        { "json", no_argument, NULL, OPT_JSON },
        { "pretty", no_argument, NULL, OPT_PRETTY },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    memset(o, 0, sizeof *o);
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "hV", k_long, NULL)) != -1) {
        uint8_t tmp[16];
        switch (ch) {
        case OPT_KEY:
        case OPT_AK:
            if (!parse_hex_exact(optarg, tmp, 16u)) {
                return cli_usage_error(NULL, "invalid --%s (32 hex digits, AES-128)",
                                   ch == OPT_KEY ? "key" : "auth-key");
            }
            if (ch == OPT_KEY) {
                o->key = optarg;
            } else {
                o->auth_key = optarg;
            }
            break;
        case OPT_ST:
            if (!parse_hex_exact(optarg, tmp, 8u)) {
                return cli_usage_error(NULL, "invalid --system-title '%s' (16 hex digits)", optarg);
            }
            o->system_title = optarg;
            break;
        case OPT_JSON:
            o->pretty = false;
            break;
        case OPT_PRETTY:
            o->pretty = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            (void)printf(PROG " " OMP_VERSION_STRING "\n");
            return 0;
        default:
            return cli_usage_error(NULL, "invalid option or missing argument: '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind > 1) {
        return cli_usage_error(NULL, "too many arguments (one FILE at most)");
    }
    o->file = optind < argc ? argv[optind] : "-";
    if (o->auth_key != NULL && o->key == NULL) {
        return cli_usage_error(NULL, "--auth-key needs --key");
    }
    return -1;
}

static int cmd_decode(int argc, char **argv)
{
    struct opts op;
    int rc = parse_decode_args(argc, argv, &op);
    if (rc >= 0) {
        return rc;
    }
    struct dec_ctx c;
    memset(&c, 0, sizeof c);
    c.file = op.file;
    struct omp_posix_port *port = NULL;
    if (op.key != NULL) {
        port = malloc(sizeof *port);
        if (port == NULL) {
            (void)fputs(PROG ": out of memory\n", stderr);
            return 1;
        }
        omp_posix_port_init(port);
        if (omp_posix_crypto_load_key_hex(port, OMP_KEY_GUEK, op.key) != OMP_OK ||
            (op.auth_key != NULL &&
             omp_posix_crypto_load_key_hex(port, OMP_KEY_GAK, op.auth_key) != OMP_OK)) {
            omp_posix_port_close(port);
            free(port);
            return cli_usage_error(NULL, "cannot load the keys");
        }
        c.port = port;
        c.have_ak = op.auth_key != NULL;
    }
    if (op.system_title != NULL) {
        c.have_st = parse_hex_exact(op.system_title, c.st, 8u);
    }

    uint8_t *raw = NULL;
    size_t raw_len = 0;
    if (!read_all(op.file, &raw, &raw_len)) {
        (void)fprintf(stderr, PROG ": %s: cannot read: %s\n", op.file, strerror(errno));
        if (port != NULL) {
            omp_posix_port_close(port);
            free(port);
        }
        return 1;
    }
    struct input in;
    memset(&in, 0, sizeof in);
    bool ok = true;
    if (raw_len == 0u) {
        dec_error(&c, 0, "empty input");
        ok = false;
    } else if (is_text(raw, raw_len)) {
        in.text = true;
        ok = parse_text(&c, raw, raw_len, &in);
        free(raw);
        raw = NULL;
        if (ok && in.n_units == 0u) {
            dec_error(&c, 0, "no hex data in the input");
            ok = false;
        }
    } else {
        in.bytes = raw;
        in.len = raw_len;
        raw = NULL;
        unit_add(&in, 0, raw_len, 0);
    }
    struct out o;
    o.pretty = op.pretty;
    sb_init(&o.line);
    for (size_t i = 0; ok && i < in.n_units; i++) {
        const struct unit *u = &in.units[i];
        decode_unit(&c, &o, in.bytes + u->start, u->len, u->start, u->line);
    }
    (void)fflush(stdout);
    sb_free(&o.line);
    free(raw);
    free(in.bytes);
    free(in.units);
    if (port != NULL) {
        omp_posix_port_close(port);
        free(port);
    }
    return c.errors > 0u ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        return cli_usage_error(NULL, "missing command (decode or read)");
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        (void)printf(PROG " " OMP_VERSION_STRING "\n");
        return 0;
    }
    if (strcmp(argv[1], "decode") == 0) {
        return cmd_decode(argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "read") == 0) {
        return cmd_read(argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "objects") == 0) {
        return cmd_objects(argc - 1, argv + 1);
    }
    return cli_usage_error(NULL, "unknown command '%s' (decode, read or objects)", argv[1]);
}

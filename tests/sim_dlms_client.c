/*
 * End to end: the library's own DLMS client helpers (apdu.h omp_dlms_client_*) against
 * `omnipower-sim --dlms tcp:PORT` over the TCP wrapper. For the public association (client 16 ->
 * SAP 1) and an LLS one (client 18 -> SAP 16, "12345"): associate, read the object list in blocks,
 * read every attribute the list gives read access to (each must answer data), release. Also: a
 * wrong password is refused and the next association works; a GET-with-list; a GET on a new
 * connection without an AARQ is refused (closing the connection ended the association). Last,
 * SET: the clock set over an LLS association reads back as set, and a write of legal data (A+)
 * is refused with read-write-denied.
 * With --hdlc the same over HDLC frames (IEC 62056-46) on `omnipower-sim --hdlc tcp:PORT`: each
 * association on its own link (SNRM proposing a max info field of 128 each way, which the UA must
 * grant; DISC before the next), server address upper = SAP, lower = 32 (2 bytes for SAP 1, 4 for
 * SAP 16), requests and responses segmented at 128 bytes with RR pulling the segments.
 * Usage: sim_dlms_client [--hdlc] PORT [CSV]. Exit status 0 when every check passed. Run by
 * tests/sim_dlms.sh and tests/sim_hdlc.sh.
 * Clients 19 and 20 are refused there: they are the optical and CCC ports' own (technical facts
 * 11.1). With --hdlc --lls CLIENT PORT: that client's session on its own port's HDLC (the optical
 * port: `omnipower-sim --optical tcp:PORT`), the SNRM repeated while the port changes framing.
 * With [--hdlc] --hls PORT GUEK GAK METER_NUMBER: the management association (client 1 -> SAP 16,
 * HLS-GMAC, suite 0, the client's crypto from the POSIX port): pass 1-4, a ciphered GET, a
 * replayed request and a plain one refused, and an AARQ under another GUEK refused.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "omnipower/apdu.h"
#include "omnipower/axdr.h"
#include "omnipower/hdlc.h"
#include "omnipower/hal.h"
#include "omnipower/port_posix.h"
#include "omnipower/wrapper.h"

#define CLIENT_PDU 512u /* small enough that the object list comes in several blocks */

static int g_fd = -1;
static int g_failed;

#define CHECK(c, ...)                                                                              \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            (void)printf("FAIL: ");                                                                \
            (void)printf(__VA_ARGS__);                                                             \
            (void)printf("\n");                                                                    \
            g_failed = 1;                                                                          \
        }                                                                                          \
    } while (0)

static int connect_to(unsigned port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("connect");
        exit(1);
    }
    return fd;
}

static void read_all(uint8_t *p, size_t n)
{
    while (n > 0u) {
        ssize_t r = read(g_fd, p, n);
        if (r <= 0) {
            (void)printf("FAIL: connection closed while reading\n");
            exit(1);
        }
        p += r;
        n -= (size_t)r;
    }
}

/* Send @p apdu from @p client to @p server; the answer's APDU into @p rsp, its length returned. */
static size_t wrapper_xfer(uint16_t client, uint16_t server, const uint8_t *apdu, size_t len,
                   uint8_t *rsp, size_t cap)
{
    uint8_t frame[OMP_WRAPPER_HEADER_LEN + 2048];
    struct omp_wr w = omp_wr_init(frame, sizeof frame);
    if (omp_wrapper_encode(client, server, apdu, len, &w) != OMP_OK ||
        write(g_fd, frame, omp_wr_len(&w)) != (ssize_t)omp_wr_len(&w)) {
        (void)printf("FAIL: send\n");
        exit(1);
    }
    uint8_t hdr[OMP_WRAPPER_HEADER_LEN];
    read_all(hdr, sizeof hdr);
    size_t n = (size_t)hdr[6] << 8 | hdr[7];
    uint16_t src = (uint16_t)(hdr[2] << 8 | hdr[3]), dst = (uint16_t)(hdr[4] << 8 | hdr[5]);
    CHECK(hdr[0] == 0 && hdr[1] == 1 && src == server && dst == client,
          "wrapper header: version 1, wPorts swapped");
    if (n > cap) {
        (void)printf("FAIL: answer of %zu bytes\n", n);
        exit(1);
    }
    read_all(rsp, n);
    return n;
}

/* ---- HDLC mode (--hdlc) ------------------------------------------------------------------------ */

#define HDLC_INFO 128u  /* max info field proposed in the SNRM, each way */
#define HDLC_PHYS 32u   /* the meter's physical address (technical facts 11.2) */

static bool g_hdlc;
static struct omp_hdlc_stream g_rx;
static uint8_t g_in[4096];
static size_t g_in_len, g_in_off;
static bool g_linked;
static uint16_t g_link_client, g_link_server;
static uint8_t g_vs, g_vr;
static unsigned g_max_segments; /* most I frames of one response */

static struct omp_hdlc_addr server_addr(uint16_t sap)
{
    struct omp_hdlc_addr a = {sap, HDLC_PHYS, (uint8_t)(sap == 1u ? 2u : 4u)};
    return a;
}

static void hdlc_send(const struct omp_hdlc_frame *f)
{
    uint8_t buf[OMP_HDLC_SERVER_TX_ROOM(HDLC_INFO)];
    struct omp_wr w = omp_wr_init(buf, sizeof buf);
    if (omp_hdlc_encode(&w, f, true) != OMP_OK ||
        write(g_fd, buf, omp_wr_len(&w)) != (ssize_t)omp_wr_len(&w)) {
        (void)printf("FAIL: HDLC send\n");
        exit(1);
    }
}

/* The next frame from the meter; its information field copied to @p info (@p cap bytes). */
static void hdlc_recv(struct omp_hdlc_frame *f, uint8_t *info, size_t cap)
{
    for (;;) {
        size_t used = 0;
        omp_err err = omp_hdlc_stream_feed(&g_rx, g_in + g_in_off, g_in_len - g_in_off, &used, f);
        g_in_off += used;
        if (err == OMP_OK) {
            if (f->info_len > cap) {
                (void)printf("FAIL: information field of %zu bytes\n", f->info_len);
                exit(1);
            }
            if (f->info_len > 0u) {
                memcpy(info, f->info, f->info_len);
            }
            f->info = info;
            return;
        }
        ssize_t r = read(g_fd, g_in, sizeof g_in);
        if (r <= 0) {
            (void)printf("FAIL: connection closed while reading\n");
            exit(1);
        }
        g_in_len = (size_t)r;
        g_in_off = 0;
    }
}

static void hdlc_frame(struct omp_hdlc_frame *f, uint16_t client, uint16_t server,
                       enum omp_hdlc_type type)
{
    memset(f, 0, sizeof *f);
    f->dst = server_addr(server);
    f->src.upper = client;
    f->src.size = 1u;
    f->type = type;
    f->pf = true;
}

static void hdlc_expect(const struct omp_hdlc_frame *f, uint16_t client, uint16_t server,
                        enum omp_hdlc_type type)
{
    const struct omp_hdlc_addr s = server_addr(server);
    CHECK(f->type == type && f->pf && f->dst.size == 1u && f->dst.upper == client &&
              f->src.size == s.size && f->src.upper == s.upper && f->src.lower == s.lower,
          "HDLC frame type %d from %u/%u to %u (got type %d)", (int)type, server, HDLC_PHYS,
          client, (int)f->type);
}

/* Connect the link of @p client to @p server (DISC of another first): SNRM -> UA. */
static void hdlc_link(uint16_t client, uint16_t server)
{
    struct omp_hdlc_frame f;
    uint8_t info[64];
    if (g_linked && g_link_client == client && g_link_server == server) {
        return;
    }
    if (g_linked) {
        hdlc_frame(&f, g_link_client, g_link_server, OMP_HDLC_DISC);
        hdlc_send(&f);
        hdlc_recv(&f, info, sizeof info);
        hdlc_expect(&f, g_link_client, g_link_server, OMP_HDLC_UA);
    }
    const struct omp_hdlc_params prop = {HDLC_INFO, HDLC_INFO, 1u, 1u};
    uint8_t par[32];
    struct omp_wr w = omp_wr_init(par, sizeof par);
    CHECK(omp_hdlc_params_encode(&w, &prop) == OMP_OK, "SNRM parameters");
    /* the optical port answers the SNRM that reaches it at 9600 Bd 8N1: the first may come in at
     * the IEC 62056-21 framing and be lost there, so it is repeated after the response timeout */
    for (int tries = 0; tries < 3; tries++) {
        hdlc_frame(&f, client, server, OMP_HDLC_SNRM);
        f.info = par;
        f.info_len = omp_wr_len(&w);
        hdlc_send(&f);
        struct pollfd pfd = {g_fd, POLLIN, 0};
        if (g_in_off < g_in_len || poll(&pfd, 1, 2000) > 0) {
            break;
        }
    }
    hdlc_recv(&f, info, sizeof info);
    hdlc_expect(&f, client, server, OMP_HDLC_UA);
    struct omp_hdlc_params got;
    CHECK(omp_hdlc_params_decode(f.info, f.info_len, &got) == OMP_OK &&
              got.max_info_tx == HDLC_INFO && got.max_info_rx == HDLC_INFO &&
              got.window_tx == 1u && got.window_rx == 1u,
          "UA grants max info 128 each way, window 1");
    g_linked = true;
    g_link_client = client;
    g_link_server = server;
    g_vs = 0;
    g_vr = 0;
}

static size_t hdlc_xfer(uint16_t client, uint16_t server, const uint8_t *apdu, size_t len,
                        uint8_t *rsp, size_t cap)
{
    hdlc_link(client, server);
    static uint8_t msg[OMP_HDLC_LLC_LEN + 2048];
    static uint8_t all[OMP_HDLC_LLC_LEN + 4096];
    uint8_t info[HDLC_INFO];
    memcpy(msg, "\xE6\xE6\x00", 3u);
    memcpy(msg + 3, apdu, len);
    struct omp_hdlc_frame f;
    for (size_t off = 0, n = len + 3u; off < n;) { /* the request, segment by segment */
        const size_t k = n - off > HDLC_INFO ? HDLC_INFO : n - off;
        hdlc_frame(&f, client, server, OMP_HDLC_I);
        f.ns = g_vs;
        f.nr = g_vr;
        f.segmented = off + k < n;
        f.info = msg + off;
        f.info_len = k;
        hdlc_send(&f);
        g_vs = (uint8_t)((g_vs + 1u) & 7u);
        off += k;
        if (off < n) {
            hdlc_recv(&f, info, sizeof info);
            hdlc_expect(&f, client, server, OMP_HDLC_RR);
            CHECK(f.nr == g_vs, "RR N(R) %u for the next segment (%u)", f.nr, g_vs);
        }
    }
    size_t got = 0;
    unsigned segments = 0;
    for (;;) { /* the response, RR pulling each next segment */
        hdlc_recv(&f, info, sizeof info);
        hdlc_expect(&f, client, server, OMP_HDLC_I);
        CHECK(f.ns == g_vr && f.nr == g_vs, "I frame N(S) %u N(R) %u (want %u, %u)", f.ns, f.nr,
              g_vr, g_vs);
        g_vr = (uint8_t)((g_vr + 1u) & 7u);
        CHECK(got + f.info_len <= sizeof all, "response size");
        if (g_failed != 0) {
            exit(1);
        }
        memcpy(all + got, f.info, f.info_len);
        got += f.info_len;
        segments++;
        if (!f.segmented) {
            break;
        }
        hdlc_frame(&f, client, server, OMP_HDLC_RR);
        f.nr = g_vr;
        hdlc_send(&f);
    }
    if (segments > g_max_segments) {
        g_max_segments = segments;
    }
    CHECK(got >= 3u && memcmp(all, "\xE6\xE7\x00", 3u) == 0, "LLC E6 E7 00");
    if (got - 3u > cap || g_failed != 0) {
        (void)printf("FAIL: answer of %zu bytes\n", got);
        exit(1);
    }
    memcpy(rsp, all + 3, got - 3u);
    return got - 3u;
}

static void hdlc_reset(void)
{
    omp_hdlc_stream_init(&g_rx);
    g_in_len = g_in_off = 0;
    g_linked = false;
}

static size_t raw_xfer(uint16_t client, uint16_t server, const uint8_t *apdu, size_t len,
                       uint8_t *rsp, size_t cap)
{
    return g_hdlc ? hdlc_xfer(client, server, apdu, len, rsp, cap)
                  : wrapper_xfer(client, server, apdu, len, rsp, cap);
}

/* The management association once set up: its requests sealed, its answers opened (below). */
static const uint8_t *g_cipher_title; /* the server's system title; NULL: plain APDUs */
static size_t seal(uint8_t tag, const uint8_t *apdu, size_t len, uint8_t *out, size_t cap);
static size_t open_rsp(const uint8_t *p, size_t n, const uint8_t st[8], uint8_t *out, size_t cap);

/* One request, its answer into @p rsp. In the ciphered association a GET/SET/ACTION-request
 * (C0, C1, C3) goes as glo-get/set/action-request (C8, C9, CB) and a ciphered answer comes back
 * opened; an EXCEPTION-response or an ACSE APDU passes as it is. */
static size_t xfer(uint16_t client, uint16_t server, const uint8_t *apdu, size_t len,
                   uint8_t *rsp, size_t cap)
{
    if (g_cipher_title == NULL || len == 0u ||
        (apdu[0] != 0xC0u && apdu[0] != 0xC1u && apdu[0] != 0xC3u)) {
        return raw_xfer(client, server, apdu, len, rsp, cap);
    }
    static uint8_t glo[1100], raw[1100];
    size_t gl = seal((uint8_t)(apdu[0] + 8u), apdu, len, glo, sizeof glo);
    size_t n = raw_xfer(client, server, glo, gl, raw, sizeof raw);
    if (n > 0u && (raw[0] == 0xCCu || raw[0] == 0xCDu || raw[0] == 0xCFu)) {
        return open_rsp(raw, n, g_cipher_title, rsp, cap);
    }
    CHECK(n <= cap, "an answer that fits");
    memcpy(rsp, raw, n);
    return n;
}

static void decode(const uint8_t *p, size_t n, struct omp_apdu *a)
{
    struct omp_rd rd = omp_rd_init(p, n);
    if (omp_apdu_decode(&rd, a) != OMP_OK || omp_rd_remaining(&rd) != 0u) {
        (void)printf("FAIL: an answer that does not decode\n");
        exit(1);
    }
}

static uint32_t g_conf_more; /* conformance proposed besides the usual (GBT: check_load_profile) */

static struct omp_dlms_assoc associate(uint16_t client, uint16_t server, const char *password)
{
    struct omp_dlms_aarq_opts o;
    memset(&o, 0, sizeof o);
    o.mechanism = password != NULL ? OMP_DLMS_MECH_LLS : OMP_DLMS_MECH_NONE;
    o.secret = (const uint8_t *)password;
    o.secret_len = password != NULL ? strlen(password) : 0u;
    o.conformance = OMP_CONF_GET | OMP_CONF_BLOCK_TRANSFER_WITH_GET |
                    OMP_CONF_MULTIPLE_REFERENCES | OMP_CONF_SELECTIVE_ACCESS | OMP_CONF_SET |
                    g_conf_more;
    o.max_pdu = CLIENT_PDU;
    uint8_t req[128], rsp[256];
    struct omp_wr w = omp_wr_init(req, sizeof req);
    struct omp_dlms_assoc as;
    memset(&as, 0, sizeof as);
    if (omp_dlms_client_aarq(&w, &o) != OMP_OK) {
        (void)printf("FAIL: AARQ\n");
        exit(1);
    }
    size_t n = xfer(client, server, req, omp_wr_len(&w), rsp, sizeof rsp);
    CHECK(omp_dlms_client_check_aare(rsp, n, &as) == OMP_OK, "AARE decodes");
    return as;
}

/* GET (with GET-next while blocks come) into @p buf, with selective access @p sel (0: none) and
 * its parameters; its data-access-result returned. */
static uint8_t get_sel(uint16_t client, uint16_t server, uint16_t cls, const uint8_t obis[6],
                       int8_t attr, uint8_t sel, const uint8_t *params, size_t plen, uint8_t *buf,
                       size_t cap, size_t *len, unsigned *blocks)
{
    struct omp_obis ln;
    memcpy(ln.v, obis, 6u);
    uint8_t req[64], rsp[2048];
    struct omp_wr w = omp_wr_init(req, sizeof req);
    CHECK(omp_dlms_client_get(&w, 0xC1u, cls, &ln, attr, sel, params, plen) == OMP_OK,
          "request built");
    struct omp_dlms_blocks b;
    omp_dlms_blocks_init(&b, buf, cap);
    *blocks = 0;
    for (;;) {
        size_t n = xfer(client, server, req, omp_wr_len(&w), rsp, sizeof rsp);
        CHECK(n <= CLIENT_PDU, "answer within the client's max PDU (%zu)", n);
        struct omp_apdu a;
        decode(rsp, n, &a);
        omp_err err = omp_dlms_blocks_feed(&b, &a);
        (*blocks)++;
        if (err != OMP_OK || b.done) {
            *len = b.len;
            return err == OMP_OK ? 0u : (err == OMP_ERR_DENIED ? b.dar : 255u);
        }
        w = omp_wr_init(req, sizeof req);
        CHECK(omp_dlms_client_get_next(&w, 0xC1u, b.ack_block) == OMP_OK, "request built");
    }
}

static uint8_t get(uint16_t client, uint16_t server, uint16_t cls, const uint8_t obis[6],
                   int8_t attr, uint8_t *buf, size_t cap, size_t *len, unsigned *blocks)
{
    return get_sel(client, server, cls, obis, attr, 0u, NULL, 0u, buf, cap, len, blocks);
}

static void release(uint16_t client, uint16_t server);

/* One row of the CSV of --export load_profile: its UTC time, status words and values. */
struct lp_row {
    omp_time_s t;
    unsigned long status, quality;
    unsigned long long v[4];
    unsigned nv;
};

static size_t read_csv(const char *path, struct lp_row *rows, size_t cap)
{
    FILE *f = fopen(path, "r");
    CHECK(f != NULL, "CSV %s", path);
    if (f == NULL) {
        return 0;
    }
    char line[512];
    size_t n = 0;
    CHECK(fgets(line, sizeof line, f) != NULL, "CSV header");
    while (n < cap && fgets(line, sizeof line, f) != NULL) {
        char *field[16];
        unsigned nf = 0;
        for (char *p = line, *tok; nf < 16u && (tok = strsep(&p, ",\n")) != NULL;) {
            field[nf++] = tok;
        }
        struct lp_row *r = &rows[n];
        CHECK(nf >= 8u && omp_iso8601_parse(field[1], strlen(field[1]), &r->t) == OMP_OK,
              "CSV row %zu", n + 1u);
        r->status = strtoul(field[3], NULL, 16);
        r->quality = strtoul(field[5], NULL, 16);
        r->nv = 0;
        for (unsigned k = 7; k < nf && field[k][0] != '\0' && r->nv < 4u; k++) {
            r->v[r->nv++] = strtoull(field[k], NULL, 10);
        }
        n++;
    }
    (void)fclose(f);
    return n;
}

static uint64_t next_uint(struct omp_rd *rd)
{
    struct omp_axdr_elem e;
    CHECK(omp_axdr_next(rd, &e) == OMP_OK, "an element");
    return e.v.u;
}

/* GET @p req with general block transfer negotiated (Green Book GBT, docs/dlms-server.md): each
 * answer is a GBT block (E0, block-control, block-number 1, 2, ..., block-number-ack, data);
 * every block but the last is acknowledged by an empty GBT block of the client's own number
 * whose block-number-ack is the block received. The block-data joined into @p buf is the whole
 * answer APDU. @return its length. */
static size_t get_gbt(uint16_t client, uint16_t server, const uint8_t *req, size_t rlen,
                      uint8_t *buf, size_t cap, unsigned *blocks)
{
    static uint8_t rsp[2048];
    uint8_t ack[16];
    size_t n = xfer(client, server, req, rlen, rsp, sizeof rsp), len = 0;
    *blocks = 0;
    while (g_failed == 0) {
        CHECK(n <= CLIENT_PDU, "answer within the client's max PDU (%zu)", n);
        struct omp_rd rd = omp_rd_init(rsp, n);
        struct omp_apdu_gbt g;
        CHECK(omp_apdu_gbt_decode(&rd, &g) == OMP_OK && omp_rd_remaining(&rd) == 0u &&
                  g.block_number == *blocks + 1u && g.data.len <= cap - len,
              "GBT block %u", *blocks + 1u);
        if (g_failed != 0) {
            break;
        }
        memcpy(buf + len, g.data.ptr, g.data.len);
        len += g.data.len;
        (*blocks)++;
        if (g.last) {
            break;
        }
        struct omp_apdu_gbt a;
        memset(&a, 0, sizeof a);
        a.window = 1u;
        a.block_number = (uint16_t)*blocks;
        a.block_number_ack = g.block_number;
        struct omp_wr w = omp_wr_init(ack, sizeof ack);
        CHECK(omp_apdu_gbt_encode(&a, &w) == OMP_OK, "GBT acknowledgement built");
        n = xfer(client, server, ack, omp_wr_len(&w), rsp, sizeof rsp);
    }
    return len;
}

/* The load profile read with Kamstrup's entry descriptor (technical facts 11.5: ages, 0 = the
 * newest), compared with the CSV the simulator exported of the same NVM file. */
static void check_load_profile(const char *csv)
{
    static struct lp_row rows[64];
    size_t n = read_csv(csv, rows, 64u);
    CHECK(n >= 4u, "the CSV has entries (%zu)", n);
    struct omp_dlms_assoc as = associate(18u, 16u, "12345");
    CHECK(as.accepted, "client 18 accepted");
    static const uint8_t lp[6] = {1, 1, 99, 1, 0, 255};
    static uint8_t buf[16384];
    size_t len = 0;
    unsigned blocks = 0;
    CHECK(get(18u, 16u, 7u, lp, 7, buf, sizeof buf, &len, &blocks) == 0u, "entries_in_use");
    struct omp_rd rd = omp_rd_init(buf, len);
    uint32_t held = (uint32_t)next_uint(&rd);
    CHECK(held >= n, "entries_in_use %u, CSV %zu", held, n);
    /* ages held-1 .. held-n: the CSV's rows, oldest first (later entries the DLMS run added are
     * younger) */
    uint8_t par[OMP_DLMS_ENTRY_PARAMS_LEN];
    const uint8_t p[] = {0x02, 0x04, 0x06, 0, 0, 0, 0, 0x06, 0, 0, 0, 0, 0x12, 0, 0, 0x12, 0, 0};
    memcpy(par, p, sizeof par);
    uint32_t from = held - 1u, to = held - (uint32_t)n;
    for (unsigned k = 0; k < 4u; k++) {
        par[3u + k] = (uint8_t)(from >> (24u - 8u * k));
        par[8u + k] = (uint8_t)(to >> (24u - 8u * k));
    }
    CHECK(get_sel(18u, 16u, 7u, lp, 2, 2u, par, sizeof par, buf, sizeof buf, &len, &blocks) == 0u,
          "buffer with an entry descriptor");
    CHECK(blocks > 1u, "the buffer in blocks (%u)", blocks);
    rd = omp_rd_init(buf, len);
    struct omp_axdr_elem e;
    CHECK(omp_axdr_next(&rd, &e) == OMP_OK && e.tag == OMP_AXDR_TAG_ARRAY && e.count == n,
          "%zu rows", n);
    for (size_t k = 0; k < n && g_failed == 0; k++) {
        struct omp_axdr_elem st, dt;
        struct omp_axdr_datetime d;
        omp_time_s t = 0;
        CHECK(omp_axdr_next(&rd, &st) == OMP_OK && st.count == 4u + rows[k].nv &&
                  omp_axdr_next(&rd, &dt) == OMP_OK &&
                  omp_axdr_datetime_decode(dt.data, dt.len, &d) == OMP_OK &&
                  omp_axdr_datetime_to_time(&d, &t) == OMP_OK && t == rows[k].t,
              "row %zu: time", k + 1u);
        CHECK(next_uint(&rd) == rows[k].status && next_uint(&rd) == rows[k].quality,
              "row %zu: status words", k + 1u);
        (void)next_uint(&rd); /* reserved */
        for (unsigned c = 0; c < rows[k].nv; c++) {
            CHECK(next_uint(&rd) == rows[k].v[c], "row %zu: value %u", k + 1u, c + 1u);
        }
    }
    release(18u, 16u);
    (void)printf("load profile: %zu rows as the CSV, in %u blocks\n", n, blocks);
    /* the same read with general block transfer: the joined blocks are the GET-response-normal
     * C4 01 C1 00 and the same Data */
    g_conf_more = OMP_CONF_GENERAL_BLOCK_TRANSFER;
    as = associate(18u, 16u, "12345");
    g_conf_more = 0u;
    CHECK(as.accepted && (as.conformance & OMP_CONF_GENERAL_BLOCK_TRANSFER) != 0u,
          "client 18 accepted with GBT");
    uint8_t req[64];
    struct omp_wr w = omp_wr_init(req, sizeof req);
    struct omp_obis ln;
    memcpy(ln.v, lp, 6u);
    CHECK(omp_dlms_client_get(&w, 0xC1u, 7u, &ln, 2, 2u, par, sizeof par) == OMP_OK,
          "request built");
    static uint8_t gbt[16384];
    unsigned gblocks = 0;
    size_t glen = get_gbt(18u, 16u, req, omp_wr_len(&w), gbt, sizeof gbt, &gblocks);
    static const uint8_t head[4] = {0xC4, 0x01, 0xC1, 0x00};
    CHECK(gblocks > 1u && glen == len + 4u && memcmp(gbt, head, 4u) == 0 &&
              memcmp(gbt + 4, buf, len) == 0,
          "the buffer in GBT blocks as in GET blocks (%u blocks, %zu bytes)", gblocks, glen);
    release(18u, 16u);
    (void)printf("load profile in GBT: %u blocks, the same %zu rows\n", gblocks, n);
}

/* Read every attribute the object list @p list gives read access to. @return objects listed. */
static size_t read_everything(uint16_t client, uint16_t server, const uint8_t *list, size_t len,
                              size_t *reads)
{
    struct omp_rd rd = omp_rd_init(list, len);
    struct omp_axdr_elem e;
    CHECK(omp_axdr_next(&rd, &e) == OMP_OK && e.tag == OMP_AXDR_TAG_ARRAY, "list is an array");
    size_t objects = e.count;
    for (size_t k = 0; k < objects && g_failed == 0; k++) {
        struct omp_axdr_elem st, cls, ver, name, ar, aa;
        CHECK(omp_axdr_next(&rd, &st) == OMP_OK && omp_axdr_next(&rd, &cls) == OMP_OK &&
                  omp_axdr_next(&rd, &ver) == OMP_OK && omp_axdr_next(&rd, &name) == OMP_OK &&
                  name.len == 6u && omp_axdr_next(&rd, &ar) == OMP_OK &&
                  omp_axdr_next(&rd, &aa) == OMP_OK && aa.tag == OMP_AXDR_TAG_ARRAY,
              "object_list element %zu", k);
        uint8_t obis[6];
        memcpy(obis, name.data, 6u);
        for (size_t i = 0; i < aa.count; i++) {
            struct omp_axdr_elem s3, id, mode, sel;
            CHECK(omp_axdr_next(&rd, &s3) == OMP_OK && omp_axdr_next(&rd, &id) == OMP_OK &&
                      omp_axdr_next(&rd, &mode) == OMP_OK && omp_axdr_next(&rd, &sel) == OMP_OK,
                  "attribute_access item");
            for (size_t j = 0; sel.tag == OMP_AXDR_TAG_ARRAY && j < sel.count; j++) {
                CHECK(omp_axdr_skip(&rd) == OMP_OK, "access_selectors"); /* profile buffer */
            }
            if (mode.v.u != 1u && mode.v.u != 3u && mode.v.u != 4u && mode.v.u != 6u) {
                continue; /* no-access, (authenticated-)write-only: the LLS secret */
            }
            static uint8_t val[8192];
            size_t vlen = 0;
            unsigned blocks = 0;
            uint8_t dar = get(client, server, (uint16_t)cls.v.u, obis, (int8_t)id.v.i, val,
                              sizeof val, &vlen, &blocks);
            CHECK(dar == 0u && vlen > 0u, "%u.%u.%u.%u.%u.%u attr %d: dar %u", obis[0], obis[1],
                  obis[2], obis[3], obis[4], obis[5], (int)id.v.i, dar);
            (*reads)++;
        }
        struct omp_axdr_elem ma;
        CHECK(omp_axdr_next(&rd, &ma) == OMP_OK && ma.tag == OMP_AXDR_TAG_ARRAY, "method_access");
        for (size_t i = 0; i < ma.count && g_failed == 0; i++) {
            /* method_access_item {method_id integer 1.., access_mode enum 0/1/2} (IC 15 v1) */
            struct omp_axdr_elem s2, id, mode;
            CHECK(omp_axdr_next(&rd, &s2) == OMP_OK && s2.count == 2u &&
                      omp_axdr_next(&rd, &id) == OMP_OK && id.v.i == (int64_t)(i + 1u) &&
                      omp_axdr_next(&rd, &mode) == OMP_OK && mode.tag == OMP_AXDR_TAG_ENUM &&
                      mode.v.u <= 2u,
                  "method_access item");
        }
    }
    CHECK(omp_rd_remaining(&rd) == 0u, "nothing after the list");
    return objects;
}

static void release(uint16_t client, uint16_t server)
{
    const uint8_t rlrq[] = {0x62u, 0x03u, 0x80u, 0x01u, 0x00u};
    uint8_t rsp[64];
    size_t n = xfer(client, server, rlrq, sizeof rlrq, rsp, sizeof rsp);
    CHECK(n >= 2u && rsp[0] == OMP_APDU_TAG_RLRE, "RLRE");
}

static size_t session(uint16_t client, uint16_t server, const char *password, size_t *reads)
{
    struct omp_dlms_assoc as = associate(client, server, password);
    CHECK(as.accepted, "client %u accepted", client);
    CHECK((as.conformance & OMP_CONF_BLOCK_TRANSFER_WITH_GET) != 0u, "block GET negotiated");
    static uint8_t list[16384];
    static const uint8_t k_assoc_ln[6] = {0, 0, 40, 0, 0, 255};
    size_t len = 0;
    unsigned blocks = 0;
    CHECK(get(client, server, 15u, k_assoc_ln, 2, list, sizeof list, &len, &blocks) == 0u,
          "object list");
    CHECK(password == NULL || blocks > 1u, "the LLS object list in blocks (%u)", blocks);
    size_t objects = read_everything(client, server, list, len, reads);
    release(client, server);
    return objects;
}

/* ---- the management association (--hls): client 1 -> SAP 16, HLS-GMAC, suite 0 ---------------- */

static struct omp_posix_port g_keys;           /* the client's own key store (mbed TLS) */
static uint32_t g_ic;                          /* the client's invocation counter */
static const uint8_t k_client_title[8] = {'M', 'M', 'M', 0, 0, 0xBC, 0x61, 0x4E};
static const uint8_t k_ctos[16] = {'0', '1', '2', '3', '4', '5', '6', '7',
                                   '8', '9', 'A', 'B', 'C', 'D', 'E', 'F'};

/* Seal @p apdu as @p tag with the client's next IC into @p out. */
static size_t seal(uint8_t tag, const uint8_t *apdu, size_t len, uint8_t *out, size_t cap)
{
    struct omp_wr w = omp_wr_init(out, cap);
    if (omp_apdu_cipher_seal(&w, tag, k_client_title, 0x30u, ++g_ic, apdu, len,
                             omp_posix_aead_gcm, &g_keys, OMP_KEY_GUEK, OMP_KEY_GAK) != OMP_OK) {
        (void)printf("FAIL: seal\n");
        exit(1);
    }
    return omp_wr_len(&w);
}

/* Open the ciphered answer @p p (@p n bytes) of the server titled @p st into @p out. */
static size_t open_rsp(const uint8_t *p, size_t n, const uint8_t st[8], uint8_t *out, size_t cap)
{
    struct omp_rd rd = omp_rd_init(p, n);
    struct omp_apdu_ciphered c;
    size_t len = 0;
    if (omp_apdu_cipher_decode(&rd, &c) != OMP_OK || omp_rd_remaining(&rd) != 0u ||
        omp_apdu_cipher_open(&c, st, omp_posix_aead_gcm, &g_keys, OMP_KEY_GUEK, OMP_KEY_GAK, out,
                             cap, &len) != OMP_OK) {
        (void)printf("FAIL: a ciphered answer that does not open\n");
        exit(1);
    }
    return len;
}

/* AARQ with a glo-initiateRequest; the AARE decoded into @p a (spans into @p rsp). */
static void hls_aarq(struct omp_apdu *a, uint8_t *rsp, size_t cap)
{
    uint8_t init[OMP_DLMS_INITIATE_REQ_LEN], glo[64], req[160];
    struct omp_wr w = omp_wr_init(init, sizeof init);
    CHECK(omp_dlms_client_initiate_req(&w,
                                       OMP_CONF_GET | OMP_CONF_ACTION |
                                           OMP_CONF_BLOCK_TRANSFER_WITH_GET |
                                           OMP_CONF_MULTIPLE_REFERENCES | OMP_CONF_SELECTIVE_ACCESS,
                                       CLIENT_PDU) == OMP_OK,
          "InitiateRequest");
    struct omp_dlms_aarq_opts o;
    memset(&o, 0, sizeof o);
    o.mechanism = OMP_DLMS_MECH_HLS_GMAC;
    o.secret = k_ctos;
    o.secret_len = sizeof k_ctos;
    o.system_title = k_client_title;
    o.user_info = glo;
    o.user_info_len = seal(OMP_APDU_TAG_GLO_INITIATE_REQUEST, init, sizeof init, glo, sizeof glo);
    w = omp_wr_init(req, sizeof req);
    CHECK(omp_dlms_client_aarq(&w, &o) == OMP_OK, "HLS AARQ");
    decode(rsp, xfer(1u, 16u, req, omp_wr_len(&w), rsp, cap), a);
    CHECK(a->kind == OMP_APDU_AARE, "an AARE");
}

/* Pass 3 with f(StoC) and pass 4: the server's f(CtoS) checked. */
static void hls_pass3(const uint8_t st[8], const uint8_t *stoc, size_t stoc_len)
{
    uint8_t f[OMP_APDU_HLS_GMAC_LEN], req[64], rsp[64];
    CHECK(omp_apdu_hls_gmac(k_client_title, ++g_ic, stoc, stoc_len, omp_posix_aead_gcm, &g_keys,
                            OMP_KEY_GUEK, OMP_KEY_GAK, f) == OMP_OK, "f(StoC)");
    struct omp_wr w = omp_wr_init(req, sizeof req);
    CHECK(omp_dlms_client_hls_reply(&w, 0xC1u, f) == OMP_OK, "pass 3 built");
    struct omp_apdu a;
    decode(rsp, xfer(1u, 16u, req, omp_wr_len(&w), rsp, sizeof rsp), &a);
    struct omp_apdu_span fc;
    uint32_t sic = 0;
    CHECK(omp_dlms_client_hls_result(&a, &fc) == OMP_OK &&
              omp_apdu_hls_gmac_check(st, k_ctos, sizeof k_ctos, fc.ptr, fc.len,
                                      omp_posix_aead_gcm, &g_keys, OMP_KEY_GUEK, OMP_KEY_GAK,
                                      &sic) == OMP_OK,
          "pass 4: the server's f(CtoS) checks");
}

/* The whole management association: pass 1-4, a ciphered GET of MeterNo1, a replay refused. */
static void hls_session(uint32_t meter_number)
{
    const uint8_t st[8] = {'K', 'A', 'M', 'E', (uint8_t)(meter_number >> 24),
                           (uint8_t)(meter_number >> 16), (uint8_t)(meter_number >> 8),
                           (uint8_t)meter_number};
    uint8_t rsp[600], plain[600], req[160], glo[200], stoc[64];
    struct omp_apdu a;
    hls_aarq(&a, rsp, sizeof rsp);
    const struct omp_apdu_aare *r = &a.u.aare;
    CHECK(r->result == OMP_ASSOC_ACCEPTED && r->diag == OMP_ASSOC_DIAG_AUTHENTICATION_REQUIRED &&
              r->has_auth_value && r->has_responding_ap_title && r->responding_ap_title.len == 8u &&
              memcmp(r->responding_ap_title.ptr, st, 8u) == 0,
          "HLS AARE: accepted, authentication required, system title KAME + meter number");
    if (g_failed) {
        return;
    }
    size_t stoc_len = r->auth_value.len < sizeof stoc ? r->auth_value.len : sizeof stoc;
    memcpy(stoc, r->auth_value.ptr, stoc_len);
    (void)open_rsp(r->user_info.raw.ptr, r->user_info.raw.len, st, plain, sizeof plain);
    CHECK(plain[0] == OMP_APDU_TAG_INITIATE_RESPONSE, "glo-initiateResponse");
    hls_pass3(st, stoc, stoc_len);
    const uint8_t meterno[6] = {1, 1, 0, 0, 1, 255};
    struct omp_obis ln;
    memcpy(ln.v, meterno, 6u);
    struct omp_wr w = omp_wr_init(req, sizeof req);
    CHECK(omp_dlms_client_get(&w, 0xC1u, 1u, &ln, 2, 0u, NULL, 0u) == OMP_OK, "GET built");
    size_t gl = seal(OMP_APDU_TAG_GLO_GET_REQUEST, req, omp_wr_len(&w), glo, sizeof glo);
    size_t n = xfer(1u, 16u, glo, gl, rsp, sizeof rsp);
    CHECK(n > 0u && rsp[0] == OMP_APDU_TAG_GLO_GET_RESPONSE, "glo-get-response");
    decode(plain, open_rsp(rsp, n, st, plain, sizeof plain), &a);
    CHECK(a.kind == OMP_APDU_GET_RSP_NORMAL && a.u.get_rsp.result.is_data, "MeterNo1 read");
    n = xfer(1u, 16u, glo, gl, rsp, sizeof rsp); /* the same request again */
    CHECK(n == 7u && rsp[0] == OMP_APDU_TAG_EXCEPTION_RESPONSE && rsp[2] == 6u,
          "a replayed request: EXCEPTION invocation-counter-error");
    n = xfer(1u, 16u, req, omp_wr_len(&w), rsp, sizeof rsp);
    CHECK(n == 3u && rsp[0] == OMP_APDU_TAG_EXCEPTION_RESPONSE, "a plain GET refused");
    /* the whole object list and every readable attribute, ciphered */
    static uint8_t title[8], list[16384];
    memcpy(title, st, sizeof title);
    g_cipher_title = title;
    static const uint8_t k_assoc_ln[6] = {0, 0, 40, 0, 0, 255};
    size_t len = 0, reads = 0;
    unsigned blocks = 0;
    CHECK(get(1u, 16u, 15u, k_assoc_ln, 2, list, sizeof list, &len, &blocks) == 0u && blocks > 1u,
          "the management object list, ciphered, in blocks (%u)", blocks);
    size_t objects = read_everything(1u, 16u, list, len, &reads);
    g_cipher_title = NULL;
    (void)printf("management association: %zu objects, %zu attributes read, ciphered\n", objects,
                 reads);
}

/* --hls PORT GUEK GAK METER_NUMBER: the management association with these keys; then an AARQ
 * under another GUEK is refused. */
static int hls_main(unsigned port, const char *guek, const char *gak, uint32_t meter_number)
{
    omp_posix_port_init(&g_keys);
    if (omp_posix_crypto_load_key_hex(&g_keys, OMP_KEY_GUEK, guek) != OMP_OK ||
        omp_posix_crypto_load_key_hex(&g_keys, OMP_KEY_GAK, gak) != OMP_OK) {
        (void)fprintf(stderr, "bad keys\n");
        return 2;
    }
    g_fd = connect_to(port);
    hls_session(meter_number);
    uint8_t other[16];
    memset(other, 0x5A, sizeof other);
    CHECK(omp_posix_key_store(&g_keys, OMP_KEY_GUEK, other, sizeof other) == OMP_OK, "key");
    uint8_t rsp[300];
    struct omp_apdu a;
    hls_aarq(&a, rsp, sizeof rsp);
    CHECK(a.u.aare.result == OMP_ASSOC_REJECTED_PERMANENT &&
              a.u.aare.diag == OMP_ASSOC_DIAG_AUTHENTICATION_FAILURE,
          "another GUEK: refused, authentication-failure");
    (void)close(g_fd);
    omp_posix_port_close(&g_keys);
    (void)printf("management association: HLS-GMAC, ciphered GET, replay and plain GET refused, "
                 "another key refused\n");
    return g_failed;
}

/* SET-request-normal (Green Book: C1 01 invoke, class, instance, attribute, no access
 * selection, Data) of the clock 0.1.1.0.0.255 attribute 2 := 2026-03-01 (Sunday, 7) 13:05:00
 * local, deviation and hundredths not specified, status 00 (not DST): SET-response-normal
 * C5 01 C1 00. The clock then reads 13:05 (a few seconds later) with deviation -60 (FF C4).
 * A+ 1.1.1.8.0.255 attribute 2 := 0: legal data, read-write-denied (C5 01 C1 03). */
static void check_set(void)
{
    struct omp_dlms_assoc as = associate(18u, 16u, "12345");
    CHECK(as.accepted && (as.conformance & OMP_CONF_SET) != 0u, "LLS with SET");
    static const uint8_t set_clock[] = {0xC1, 0x01, 0xC1, 0x00, 0x08, 0x00, 0x01, 0x01, 0x00,
                                        0x00, 0xFF, 0x02, 0x00, 0x09, 0x0C, 0x07, 0xEA, 0x03,
                                        0x01, 0x07, 0x0D, 0x05, 0x00, 0xFF, 0x80, 0x00, 0x00};
    static const uint8_t set_energy[] = {0xC1, 0x01, 0xC1, 0x00, 0x03, 0x01, 0x01, 0x01, 0x08,
                                         0x00, 0xFF, 0x02, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00};
    uint8_t rsp[64];
    size_t n = xfer(18u, 16u, set_clock, sizeof set_clock, rsp, sizeof rsp);
    CHECK(n == 4u && rsp[0] == 0xC5u && rsp[1] == 0x01u && rsp[3] == 0x00u, "clock set");
    static const uint8_t k_clock[6] = {0, 1, 1, 0, 0, 255};
    uint8_t val[32];
    size_t vlen = 0;
    unsigned blocks = 0;
    CHECK(get(18u, 16u, 8u, k_clock, 2, val, sizeof val, &vlen, &blocks) == 0u && vlen == 14u,
          "clock read");
    CHECK(val[2] == 0x07u && val[3] == 0xEAu && val[4] == 3u && val[5] == 1u && val[7] == 13u &&
              val[8] == 5u && val[11] == 0xFFu && val[12] == 0xC4u,
          "the clock reads 2026-03-01 13:05 CET (%02u:%02u)", val[7], val[8]);
    n = xfer(18u, 16u, set_energy, sizeof set_energy, rsp, sizeof rsp);
    CHECK(n == 4u && rsp[0] == 0xC5u && rsp[3] == 0x03u, "A+ write refused (dar %u)", rsp[3]);
    release(18u, 16u);
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--hdlc") == 0) {
        g_hdlc = true;
        hdlc_reset();
        argc--;
        argv++;
    }
    if (argc == 4 && strcmp(argv[1], "--lls") == 0) {
        /* one port's own LLS client (19 optical, 20 CCC): its whole object list and every
         * readable attribute, then the link's end (DISC -> UA) */
        uint16_t client = (uint16_t)atoi(argv[2]);
        g_fd = connect_to((unsigned)atoi(argv[3]));
        size_t reads = 0;
        size_t objects = session(client, 16u, "12345", &reads);
        CHECK(objects > 10u, "client %u: the full object list (%zu)", client, objects);
        if (g_hdlc) {
            struct omp_hdlc_frame f;
            uint8_t info[64];
            hdlc_frame(&f, g_link_client, g_link_server, OMP_HDLC_DISC);
            hdlc_send(&f);
            hdlc_recv(&f, info, sizeof info);
            hdlc_expect(&f, g_link_client, g_link_server, OMP_HDLC_UA);
        }
        (void)printf("client %u: %zu objects, %zu attributes read\n", client, objects, reads);
        return g_failed;
    }
    if (argc == 6 && strcmp(argv[1], "--hls") == 0) {
        return hls_main((unsigned)atoi(argv[2]), argv[3], argv[4], (uint32_t)atol(argv[5]));
    }
    if (argc != 2 && argc != 3) {
        (void)fprintf(stderr, "usage: sim_dlms_client [--hdlc] PORT [LOAD_PROFILE_CSV]\n"
                              "       sim_dlms_client [--hdlc] --hls PORT GUEK GAK METER_NUMBER\n"
                              "       sim_dlms_client [--hdlc] --lls CLIENT PORT\n");
        return 2;
    }
    unsigned port = (unsigned)atoi(argv[1]);
    g_fd = connect_to(port);
    size_t pub_reads = 0, lls_reads = 0;
    size_t pub = session(16u, 1u, NULL, &pub_reads);
    struct omp_dlms_assoc bad = associate(18u, 16u, "54321");
    CHECK(!bad.accepted && bad.diag == OMP_ASSOC_DIAG_AUTHENTICATION_FAILURE,
          "wrong password refused (diag %u)", bad.diag);
    /* the optical and CCC ports' LLS clients are not the module port's (technical facts 11.1) */
    for (uint16_t c = 19u; c <= 20u; c++) {
        struct omp_dlms_assoc other = associate(c, 16u, "12345");
        CHECK(!other.accepted && other.diag == OMP_ASSOC_DIAG_NO_REASON_GIVEN,
              "client %u refused on the module port (diag %u)", c, other.diag);
    }
    size_t lls = session(18u, 16u, "12345", &lls_reads);
    CHECK(pub == 15u,
          "public list (facts 11.1): Association LN, 11 identity and data objects, clock, HDLC "
          "setup, SAP (%zu)",
          pub);
    CHECK(lls > pub, "the LLS list is longer (%zu)", lls);
    /* GET-with-list: MeterNo1 (1.1.0.0.1.255) and SerialNo (1.1.96.1.0.255), attribute 2 */
    struct omp_dlms_assoc as = associate(18u, 16u, "12345");
    CHECK(as.accepted, "client 18 accepted");
    struct omp_dlms_attr_ref refs[2];
    memset(refs, 0, sizeof refs);
    const uint8_t a[6] = {1, 1, 0, 0, 1, 255}, b[6] = {1, 1, 96, 1, 0, 255};
    refs[0].class_id = refs[1].class_id = 1u;
    memcpy(refs[0].obis.v, a, 6u);
    memcpy(refs[1].obis.v, b, 6u);
    refs[0].attr = refs[1].attr = 2;
    uint8_t req[64], rsp[256];
    struct omp_wr w = omp_wr_init(req, sizeof req);
    CHECK(omp_dlms_client_get_list(&w, 0xC1u, refs, 2u) == OMP_OK, "request built");
    size_t n = xfer(18u, 16u, req, omp_wr_len(&w), rsp, sizeof rsp);
    struct omp_apdu r;
    decode(rsp, n, &r);
    CHECK(r.kind == OMP_APDU_GET_RSP_LIST && r.u.get_rsp.list.count == 2u, "GET-with-list");
    /* closing the connection ends the association: a GET on the next one is refused */
    (void)close(g_fd);
    g_fd = connect_to(port);
    hdlc_reset();
    w = omp_wr_init(req, sizeof req);
    struct omp_obis ln;
    memcpy(ln.v, a, 6u);
    CHECK(omp_dlms_client_get(&w, 0xC1u, 1u, &ln, 2, 0u, NULL, 0u) == OMP_OK, "request built");
    n = xfer(18u, 16u, req, omp_wr_len(&w), rsp, sizeof rsp);
    CHECK(n == 3u && rsp[0] == OMP_APDU_TAG_EXCEPTION_RESPONSE, "no association after a reconnect");
    if (argc == 3) {
        check_load_profile(argv[2]);
    }
    check_set();
    if (g_hdlc) {
        CHECK(g_max_segments > 1u, "a response in several HDLC segments (%u)", g_max_segments);
        struct omp_hdlc_frame f;
        uint8_t info[64];
        hdlc_frame(&f, g_link_client, g_link_server, OMP_HDLC_DISC);
        hdlc_send(&f);
        hdlc_recv(&f, info, sizeof info);
        hdlc_expect(&f, g_link_client, g_link_server, OMP_HDLC_UA);
        hdlc_frame(&f, g_link_client, g_link_server, OMP_HDLC_DISC); /* again: DM */
        hdlc_send(&f);
        hdlc_recv(&f, info, sizeof info);
        hdlc_expect(&f, g_link_client, g_link_server, OMP_HDLC_DM);
        (void)printf("hdlc: up to %u segments in one response\n", g_max_segments);
    }
    (void)close(g_fd);
    (void)printf("public: %zu objects, %zu attributes read; LLS: %zu objects, %zu attributes read\n",
                 pub, pub_reads, lls, lls_reads);
    return g_failed;
}

/*
 * HDLC frame format type 3 for DLMS (IEC 62056-46, DLMS UA Green Book 8.4): frame codec, LLC,
 * SNRM/UA parameters, stream decoder, segmentation. Layouts in docs/dlms-hdlc.md.
 *
 * Frame (no byte stuffing; the length field delimits it):
 *   7E | format (2) | dst (1/2/4) | src (1/2/4) | control | [HCS (2) | info] | FCS (2) | 7E
 *   format = 1010 S LLL LLLL LLLL: type 3, segmentation bit, 11-bit length from format to FCS.
 *   HCS covers format..control, FCS covers format..info; both CRC-16/X.25, LSB first.
 */
#include "omnipower/config.h"

#if OMP_CONFIG_DLMS /* the whole file: module switch, config.h */

#include <string.h>

#include "omnipower/core.h"
#include "omnipower/hdlc.h"
#include "hdlc_priv.h"

#define FORMAT_S_BIT  0x0800u
#define CTRL_PF       0x10u
#define PARAM_FORMAT  0x81u
#define PARAM_GROUP   0x80u
#define PARAM_INFO_TX 0x05u
#define PARAM_INFO_RX 0x06u
#define PARAM_WIN_TX  0x07u
#define PARAM_WIN_RX  0x08u
#define WINDOW_MAX    7u
#define LLC_DST       0xE6u
#define LLC_SRC_CMD   0xE6u
#define LLC_SRC_RSP   0xE7u

/* Control byte of the unnumbered frames with P/F clear, indexed by enum omp_hdlc_type. */
static const uint8_t u_ctrl[] = {
    [OMP_HDLC_SNRM] = 0x83u, [OMP_HDLC_DISC] = 0x43u, [OMP_HDLC_UA] = 0x63u,
    [OMP_HDLC_DM] = 0x0Fu,   [OMP_HDLC_FRMR] = 0x87u, [OMP_HDLC_UI] = 0x03u,
};

static bool type_has_info_seg(enum omp_hdlc_type t)
{
    return t == OMP_HDLC_I || t == OMP_HDLC_UI;
}

/* ---- addresses and control ------------------------------------------------------------------- */

/* Reads an address of 1, 2 or 4 bytes: each byte's LSB 1 ends it. */
static omp_err addr_read(struct omp_rd *rd, struct omp_hdlc_addr *a)
{
    uint8_t b[4];
    size_t n = 0;
    for (;;) {
        if (n == sizeof b) {
            return OMP_ERR_MALFORMED; /* no end bit within 4 bytes */
        }
        omp_err err = omp_rd_u8(rd, &b[n]);
        if (err != OMP_OK) {
            return OMP_ERR_MALFORMED; /* the header must lie inside the frame length */
        }
        n++;
        if ((b[n - 1u] & 1u) != 0u) {
            break;
        }
    }
    struct omp_hdlc_addr t = {.upper = 0, .lower = 0, .size = (uint8_t)n};
    if (n == 1u) {
        t.upper = (uint16_t)(b[0] >> 1);
    } else if (n == 2u) {
        t.upper = (uint16_t)(b[0] >> 1);
        t.lower = (uint16_t)(b[1] >> 1);
    } else if (n == 4u) {
        t.upper = (uint16_t)(((unsigned)(b[0] >> 1) << 7) | (unsigned)(b[1] >> 1));
        t.lower = (uint16_t)(((unsigned)(b[2] >> 1) << 7) | (unsigned)(b[3] >> 1));
    } else {
        return OMP_ERR_MALFORMED; /* 3 bytes */
    }
    *a = t;
    return OMP_OK;
}

bool omp_hdlc_priv_addr_valid(const struct omp_hdlc_addr *a)
{
    switch (a->size) {
    case 1u:
        return a->upper <= 0x7Fu && a->lower == 0u;
    case 2u:
        return a->upper <= 0x7Fu && a->lower <= 0x7Fu;
    case 4u:
        return a->upper <= 0x3FFFu && a->lower <= 0x3FFFu;
    default:
        return false;
    }
}

static void addr_write(struct omp_wr *w, const struct omp_hdlc_addr *a)
{
    const unsigned up = a->upper, lo = a->lower;
    if (a->size == 1u) {
        (void)omp_wr_u8(w, (uint8_t)((up << 1) | 1u));
    } else if (a->size == 2u) {
        (void)omp_wr_u8(w, (uint8_t)(up << 1));
        (void)omp_wr_u8(w, (uint8_t)((lo << 1) | 1u));
    } else {
        (void)omp_wr_u8(w, (uint8_t)((up >> 7) << 1));
        (void)omp_wr_u8(w, (uint8_t)((up & 0x7Fu) << 1));
        (void)omp_wr_u8(w, (uint8_t)((lo >> 7) << 1));
        (void)omp_wr_u8(w, (uint8_t)(((lo & 0x7Fu) << 1) | 1u));
    }
}

/* Fills type, pf, ns, nr of @p f from control byte @p c. */
static omp_err ctrl_decode(uint8_t c, struct omp_hdlc_frame *f)
{
    f->pf = (c & CTRL_PF) != 0u;
    f->ns = 0;
    f->nr = 0;
    if ((c & 0x01u) == 0u) {
        f->type = OMP_HDLC_I;
        f->ns = (uint8_t)((c >> 1) & 7u);
        f->nr = (uint8_t)(c >> 5);
        return OMP_OK;
    }
    if ((c & 0x0Fu) == 0x01u || (c & 0x0Fu) == 0x05u) {
        f->type = ((c & 0x0Fu) == 0x01u) ? OMP_HDLC_RR : OMP_HDLC_RNR;
        f->nr = (uint8_t)(c >> 5);
        return OMP_OK;
    }
    const uint8_t u = (uint8_t)(c & (uint8_t)~CTRL_PF);
    for (size_t t = OMP_HDLC_SNRM; t < OMP_ARRAY_LEN(u_ctrl); t++) {
        if (u_ctrl[t] == u) {
            f->type = (enum omp_hdlc_type)t;
            return OMP_OK;
        }
    }
    return OMP_ERR_MALFORMED; /* REJ, SABM and the other HDLC commands are not used by DLMS */
}

static bool ctrl_encode(const struct omp_hdlc_frame *f, uint8_t *c)
{
    const uint8_t pf = f->pf ? (uint8_t)CTRL_PF : 0u;
    switch (f->type) {
    case OMP_HDLC_I:
        if (f->ns > 7u || f->nr > 7u) {
            return false;
        }
        *c = (uint8_t)(((unsigned)f->nr << 5) | pf | ((unsigned)f->ns << 1));
        return true;
    case OMP_HDLC_RR:
    case OMP_HDLC_RNR:
        if (f->nr > 7u) {
            return false;
        }
        *c = (uint8_t)(((unsigned)f->nr << 5) | pf | ((f->type == OMP_HDLC_RR) ? 0x01u : 0x05u));
        return true;
    case OMP_HDLC_SNRM:
    case OMP_HDLC_DISC:
    case OMP_HDLC_UA:
    case OMP_HDLC_DM:
    case OMP_HDLC_FRMR:
    case OMP_HDLC_UI:
        *c = (uint8_t)(u_ctrl[f->type] | pf);
        return true;
    default:
        return false;
    }
}

/* ---- one frame ------------------------------------------------------------------------------- */

omp_err omp_hdlc_decode(const uint8_t *in, size_t len, struct omp_hdlc_frame *frame, size_t *used)
{
    if (in == NULL || frame == NULL || used == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_rd rd = omp_rd_init(in, len);
    const bool flags = len > 0u && in[0] == OMP_HDLC_FLAG;
    const size_t start = flags ? 1u : 0u;
    uint16_t format = 0;
    omp_err err = omp_rd_skip(&rd, start);
    if (err == OMP_OK) {
        err = omp_rd_u16be(&rd, &format);
    }
    if (err != OMP_OK) {
        return err;
    }
    const size_t flen = format & OMP_HDLC_LEN_MAX;
    if ((format >> 12) != OMP_HDLC_FORMAT_TYPE3 || flen < OMP_HDLC_MIN_LEN) {
        return OMP_ERR_MALFORMED;
    }
    if (len - start < flen + (flags ? 1u : 0u)) {
        return OMP_ERR_TRUNCATED;
    }
    const uint8_t *body = in + start; /* format .. FCS, flen bytes */
    if (flags && in[start + flen] != OMP_HDLC_FLAG) {
        return OMP_ERR_MALFORMED;
    }

    struct omp_hdlc_frame t;
    memset(&t, 0, sizeof t);
    struct omp_rd hdr = omp_rd_init(body, flen - 2u); /* the header cannot reach the FCS */
    uint8_t ctrl = 0;
    err = omp_rd_skip(&hdr, 2u);
    if (err == OMP_OK) {
        err = addr_read(&hdr, &t.dst);
    }
    if (err == OMP_OK) {
        err = addr_read(&hdr, &t.src);
    }
    if (err == OMP_OK) {
        err = omp_rd_u8(&hdr, &ctrl) == OMP_OK ? OMP_OK : OMP_ERR_MALFORMED;
    }
    if (err == OMP_OK) {
        err = ctrl_decode(ctrl, &t);
    }
    if (err != OMP_OK) {
        return err;
    }
    const size_t hlen = omp_rd_pos(&hdr);
    const size_t rest = flen - 2u - hlen; /* HCS + info, or nothing */
    if (rest == 1u || rest == 2u) {
        return OMP_ERR_MALFORMED; /* an HCS needs at least one information byte after it */
    }
    t.segmented = (format & FORMAT_S_BIT) != 0u;
    if (t.segmented && !type_has_info_seg(t.type)) {
        return OMP_ERR_MALFORMED;
    }
    if (omp_crc16_x25_update(OMP_CRC16_X25_INIT, body, flen) != OMP_CRC16_X25_GOOD) {
        return OMP_ERR_CRC;
    }
    if (rest > 0u) {
        if (omp_crc16_x25_update(OMP_CRC16_X25_INIT, body, hlen + 2u) != OMP_CRC16_X25_GOOD) {
            return OMP_ERR_CRC;
        }
        t.info = body + hlen + 2u;
        t.info_len = rest - 2u;
    }
    *frame = t;
    *used = start + flen + (flags ? 1u : 0u);
    return OMP_OK;
}

/* Frame length field value of @p f (format..FCS), or 0 if it cannot be encoded. */
static size_t frame_len(const struct omp_hdlc_frame *f)
{
    uint8_t c = 0;
    if (!omp_hdlc_priv_addr_valid(&f->dst) || !omp_hdlc_priv_addr_valid(&f->src) ||
        !ctrl_encode(f, &c) || (f->segmented && !type_has_info_seg(f->type)) ||
        (f->info_len > 0u && f->info == NULL)) {
        return 0;
    }
    size_t n = 2u + f->dst.size + f->src.size + 1u + 2u;
    if (f->info_len > 0u) {
        if (f->info_len > OMP_HDLC_LEN_MAX) {
            return 0;
        }
        n += 2u + f->info_len;
    }
    return n <= OMP_HDLC_LEN_MAX ? n : 0u;
}

size_t omp_hdlc_encoded_len(const struct omp_hdlc_frame *frame, bool flags)
{
    if (frame == NULL) {
        return 0;
    }
    const size_t n = frame_len(frame);
    return (n == 0u) ? 0u : n + (flags ? 2u : 0u);
}

omp_err omp_hdlc_encode(struct omp_wr *w, const struct omp_hdlc_frame *frame, bool flags)
{
    if (w == NULL || frame == NULL) {
        return OMP_ERR_ARG;
    }
    if (omp_wr_status(w) != OMP_OK) {
        return omp_wr_status(w);
    }
    if (frame->info_len > 0u && frame->info == NULL) {
        return OMP_ERR_ARG;
    }
    const size_t flen = frame_len(frame);
    if (flen == 0u) {
        return OMP_ERR_RANGE;
    }
    if (omp_wr_room(w) < flen + (flags ? 2u : 0u)) {
        return OMP_ERR_NOSPACE;
    }
    uint8_t c = 0;
    (void)ctrl_encode(frame, &c);
    if (flags) {
        (void)omp_wr_u8(w, OMP_HDLC_FLAG);
    }
    const size_t at = omp_wr_len(w);
    uint16_t format = (uint16_t)((OMP_HDLC_FORMAT_TYPE3 << 12) | flen);
    if (frame->segmented) {
        format = (uint16_t)(format | FORMAT_S_BIT);
    }
    (void)omp_wr_u16be(w, format);
    addr_write(w, &frame->dst);
    addr_write(w, &frame->src);
    (void)omp_wr_u8(w, c);
    if (frame->info_len > 0u) {
        (void)omp_wr_u16le(w, omp_crc16_x25(w->buf + at, omp_wr_len(w) - at));
        (void)omp_wr_bytes(w, frame->info, frame->info_len);
    }
    (void)omp_wr_u16le(w, omp_crc16_x25(w->buf + at, omp_wr_len(w) - at));
    if (flags) {
        (void)omp_wr_u8(w, OMP_HDLC_FLAG);
    }
    return omp_wr_status(w); /* OMP_OK: the room was checked above */
}

/* ---- LLC ---------------------------------------------------------------------------------------
 */

omp_err omp_hdlc_llc_put(struct omp_wr *w, bool response)
{
    if (w == NULL) {
        return OMP_ERR_ARG;
    }
    if (omp_wr_status(w) != OMP_OK) {
        return omp_wr_status(w);
    }
    if (omp_wr_room(w) < OMP_HDLC_LLC_LEN) {
        return OMP_ERR_NOSPACE;
    }
    const uint8_t llc[OMP_HDLC_LLC_LEN] = {LLC_DST, response ? LLC_SRC_RSP : LLC_SRC_CMD, 0x00u};
    return omp_wr_bytes(w, llc, sizeof llc);
}

omp_err omp_hdlc_llc_strip(const uint8_t *info, size_t len, bool *response, const uint8_t **apdu,
                           size_t *apdu_len)
{
    if ((info == NULL && len > 0u) || apdu == NULL || apdu_len == NULL) {
        return OMP_ERR_ARG;
    }
    if (len < OMP_HDLC_LLC_LEN) {
        return OMP_ERR_TRUNCATED;
    }
    if (info[0] != LLC_DST || (info[1] != LLC_SRC_CMD && info[1] != LLC_SRC_RSP) ||
        info[2] != 0x00u) {
        return OMP_ERR_UNEXPECTED;
    }
    if (response != NULL) {
        *response = info[1] == LLC_SRC_RSP;
    }
    *apdu = info + OMP_HDLC_LLC_LEN;
    *apdu_len = len - OMP_HDLC_LLC_LEN;
    return OMP_OK;
}

/* ---- SNRM / UA parameters ----------------------------------------------------------------------
 */

struct omp_hdlc_params omp_hdlc_params_default(void)
{
    struct omp_hdlc_params p = {.max_info_tx = OMP_HDLC_INFO_DEFAULT,
                                .max_info_rx = OMP_HDLC_INFO_DEFAULT,
                                .window_tx = OMP_HDLC_WINDOW_DEFAULT,
                                .window_rx = OMP_HDLC_WINDOW_DEFAULT};
    return p;
}

bool omp_hdlc_priv_params_valid(const struct omp_hdlc_params *p)
{
    return p->max_info_tx > 0u && p->max_info_rx > 0u && p->window_tx >= 1u &&
           p->window_tx <= WINDOW_MAX && p->window_rx >= 1u && p->window_rx <= WINDOW_MAX;
}

omp_err omp_hdlc_params_encode(struct omp_wr *w, const struct omp_hdlc_params *p)
{
    if (w == NULL || p == NULL) {
        return OMP_ERR_ARG;
    }
    if (!omp_hdlc_priv_params_valid(p)) {
        return OMP_ERR_RANGE;
    }
    if (omp_wr_status(w) != OMP_OK) {
        return omp_wr_status(w);
    }
    const size_t group = 4u + 4u + 6u + 6u;
    if (omp_wr_room(w) < 3u + group) {
        return OMP_ERR_NOSPACE;
    }
    (void)omp_wr_u8(w, PARAM_FORMAT);
    (void)omp_wr_u8(w, PARAM_GROUP);
    (void)omp_wr_u8(w, (uint8_t)group);
    /* PARAM_INFO_TX .. PARAM_WIN_RX in turn: the lengths in 2 bytes, the windows in 4 */
    const uint32_t v[4] = {p->max_info_tx, p->max_info_rx, p->window_tx, p->window_rx};
    for (unsigned k = 0; k < 4u; k++) {
        const unsigned n = k < 2u ? 2u : 4u;
        (void)omp_wr_u8(w, (uint8_t)(PARAM_INFO_TX + k));
        (void)omp_wr_u8(w, (uint8_t)n);
        for (unsigned b = n; b-- > 0u;) {
            (void)omp_wr_u8(w, (uint8_t)(v[k] >> (8u * b)));
        }
    }
    return omp_wr_status(w);
}

omp_err omp_hdlc_params_decode(const uint8_t *info, size_t len, struct omp_hdlc_params *p)
{
    if ((info == NULL && len > 0u) || p == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_hdlc_params t = omp_hdlc_params_default();
    if (len == 0u) {
        *p = t;
        return OMP_OK;
    }
    if (len < 3u || info[0] != PARAM_FORMAT || info[1] != PARAM_GROUP ||
        (size_t)info[2] != len - 3u) {
        return OMP_ERR_MALFORMED;
    }
    struct omp_rd rd = omp_rd_init(info + 3, len - 3u);
    while (omp_rd_remaining(&rd) > 0u) {
        uint8_t id = 0;
        uint8_t n = 0;
        const uint8_t *v = NULL;
        if (omp_rd_u8(&rd, &id) != OMP_OK || omp_rd_u8(&rd, &n) != OMP_OK ||
            omp_rd_bytes(&rd, n, &v) != OMP_OK) {
            return OMP_ERR_MALFORMED;
        }
        if (id < PARAM_INFO_TX || id > PARAM_WIN_RX) {
            continue; /* a parameter this version does not know */
        }
        if (n != 1u && n != 2u && n != 4u) {
            return OMP_ERR_MALFORMED;
        }
        uint32_t val = 0;
        for (size_t i = 0; i < n; i++) {
            val = (val << 8) | v[i];
        }
        if (id <= PARAM_INFO_RX) {
            if (val == 0u || val > 0xFFFFu) {
                return OMP_ERR_RANGE;
            }
            if (id == PARAM_INFO_TX) {
                t.max_info_tx = (uint16_t)val;
            } else {
                t.max_info_rx = (uint16_t)val;
            }
        } else {
            if (val < 1u || val > WINDOW_MAX) {
                return OMP_ERR_RANGE;
            }
            if (id == PARAM_WIN_TX) {
                t.window_tx = (uint8_t)val;
            } else {
                t.window_rx = (uint8_t)val;
            }
        }
    }
    *p = t;
    return OMP_OK;
}

static uint16_t min_u16(uint16_t a, uint16_t b)
{
    return a < b ? a : b;
}

static uint8_t min_u8(uint8_t a, uint8_t b)
{
    return a < b ? a : b;
}

omp_err omp_hdlc_negotiate(const struct omp_hdlc_params *proposed,
                           const struct omp_hdlc_params *limits, struct omp_hdlc_params *out)
{
    if (proposed == NULL || limits == NULL || out == NULL) {
        return OMP_ERR_ARG;
    }
    if (proposed->max_info_tx == 0u || proposed->max_info_rx == 0u || proposed->window_tx == 0u ||
        proposed->window_rx == 0u || limits->max_info_tx == 0u || limits->max_info_rx == 0u ||
        limits->window_tx == 0u || limits->window_rx == 0u) {
        return OMP_ERR_ARG;
    }
    struct omp_hdlc_params t;
    t.max_info_tx = min_u16(proposed->max_info_rx, limits->max_info_tx);
    t.max_info_rx = min_u16(proposed->max_info_tx, limits->max_info_rx);
    t.window_tx = min_u8(proposed->window_rx, limits->window_tx);
    t.window_rx = min_u8(proposed->window_tx, limits->window_rx);
    *out = t;
    return OMP_OK;
}

/* ---- stream decoder ----------------------------------------------------------------------------
 */

void omp_hdlc_stream_init(struct omp_hdlc_stream *s)
{
    if (s != NULL) {
        memset(s, 0, sizeof *s);
    }
}

size_t omp_hdlc_stream_held(const struct omp_hdlc_stream *s)
{
    return (s == NULL) ? 0u : s->len - s->pending;
}

/* Drops the first @p n buffered bytes (counted as dropped unless @p frame). */
static void stream_shift(struct omp_hdlc_stream *s, size_t n)
{
    memmove(s->buf, s->buf + n, s->len - n);
    s->len -= n;
}

/* After a broken frame at buf[0]: drop bytes up to the next flag in the buffer (or all of them). */
static void stream_resync(struct omp_hdlc_stream *s, bool crc)
{
    s->n_errors++;
    if (crc) {
        s->n_crc_errors++;
    }
    size_t k = 1;
    while (k < s->len && s->buf[k] != OMP_HDLC_FLAG) {
        k++;
    }
    s->bytes_dropped += (uint32_t)k;
    stream_shift(s, k);
}

/*
 * Look at the buffer (which, when not empty, starts with a flag): OMP_OK with a frame, or
 * OMP_ERR_TRUNCATED when more bytes are needed. Broken frames are dropped here.
 */
static omp_err stream_scan(struct omp_hdlc_stream *s, struct omp_hdlc_frame *frame)
{
    for (;;) {
        if (s->len < 2u) {
            return OMP_ERR_TRUNCATED;
        }
        if (s->buf[1] == OMP_HDLC_FLAG) { /* idle flags: the second may open a frame */
            s->bytes_dropped++;
            stream_shift(s, 1u);
            continue;
        }
        if ((s->buf[1] >> 4) != OMP_HDLC_FORMAT_TYPE3) {
            stream_resync(s, false);
            continue;
        }
        if (s->len < 3u) {
            return OMP_ERR_TRUNCATED;
        }
        const size_t flen = (((size_t)s->buf[1] << 8) | s->buf[2]) & OMP_HDLC_LEN_MAX;
        if (flen < OMP_HDLC_MIN_LEN || flen > OMP_CONFIG_HDLC_MAX_FRAME) {
            stream_resync(s, false);
            continue;
        }
        if (s->len < flen + 2u) {
            return OMP_ERR_TRUNCATED;
        }
        size_t used = 0;
        struct omp_hdlc_frame f;
        const omp_err err = omp_hdlc_decode(s->buf, flen + 2u, &f, &used);
        if (err != OMP_OK) {
            stream_resync(s, err == OMP_ERR_CRC);
            continue;
        }
        s->pending = flen + 1u; /* keep the closing flag: it may open the next frame */
        s->n_frames++;
        s->bytes_frames += (uint32_t)s->pending;
        *frame = f;
        return OMP_OK;
    }
}

omp_err omp_hdlc_stream_feed(struct omp_hdlc_stream *s, const uint8_t *in, size_t len, size_t *used,
                             struct omp_hdlc_frame *frame)
{
    if (s == NULL || used == NULL || frame == NULL || (in == NULL && len > 0u)) {
        return OMP_ERR_ARG;
    }
    if (s->pending > 0u) {
        stream_shift(s, s->pending);
        s->pending = 0;
    }
    struct omp_hdlc_frame f;
    size_t i = 0;
    omp_err err = stream_scan(s, &f);
    while (err != OMP_OK && i < len) {
        const uint8_t b = in[i++];
        s->bytes_in++;
        if (s->len == 0u && b != OMP_HDLC_FLAG) {
            s->bytes_dropped++; /* hunting for a flag */
            continue;
        }
        s->buf[s->len++] = b; /* room: scan leaves len <= max frame + 2 */
        err = stream_scan(s, &f);
    }
    *used = i;
    if (err == OMP_OK) {
        *frame = f;
    }
    return err;
}

/* ---- segmentation ------------------------------------------------------------------------------
 */

void omp_hdlc_reasm_init(struct omp_hdlc_reasm *r, uint8_t *buf, size_t cap)
{
    if (r != NULL) {
        r->buf = buf;
        r->cap = (buf == NULL) ? 0u : cap;
        r->len = 0;
        r->active = false;
    }
}

void omp_hdlc_reasm_reset(struct omp_hdlc_reasm *r)
{
    if (r != NULL) {
        r->len = 0;
        r->active = false;
    }
}

omp_err omp_hdlc_reasm_add(struct omp_hdlc_reasm *r, const struct omp_hdlc_frame *frame, bool *done,
                           const uint8_t **msg, size_t *msg_len)
{
    if (r == NULL || frame == NULL || done == NULL || msg == NULL || msg_len == NULL ||
        !type_has_info_seg(frame->type) || (frame->info == NULL && frame->info_len > 0u)) {
        return OMP_ERR_ARG;
    }
    if (!r->active && !frame->segmented) { /* a whole message in one frame: no copy */
        *done = true;
        *msg = frame->info;
        *msg_len = frame->info_len;
        return OMP_OK;
    }
    if (frame->info_len > r->cap - r->len) {
        return OMP_ERR_NOSPACE;
    }
    if (frame->info_len > 0u) {
        memcpy(r->buf + r->len, frame->info, frame->info_len);
    }
    r->len += frame->info_len;
    if (frame->segmented) {
        r->active = true;
        *done = false;
        return OMP_OK;
    }
    *done = true;
    *msg = r->buf;
    *msg_len = r->len;
    r->active = false;
    r->len = 0; /* the bytes stay in buf until the next add */
    return OMP_OK;
}

omp_err omp_hdlc_encode_segment(struct omp_wr *w, const struct omp_hdlc_frame *hdr,
                                const uint8_t *data, size_t len, size_t *offset, size_t max_info,
                                bool flags)
{
    if (w == NULL || hdr == NULL || data == NULL || offset == NULL || len == 0u || *offset >= len ||
        max_info == 0u || !type_has_info_seg(hdr->type)) {
        return OMP_ERR_ARG;
    }
    struct omp_hdlc_frame f = *hdr;
    const size_t left = len - *offset;
    f.info = data + *offset;
    f.info_len = (left > max_info) ? max_info : left;
    f.segmented = left > max_info;
    const omp_err err = omp_hdlc_encode(w, &f, flags);
    if (err == OMP_OK) {
        *offset += f.info_len;
    }
    return err;
}

#else
typedef int omp_hdlc_unused; /* ISO C forbids an empty translation unit */
#endif /* OMP_CONFIG_DLMS */

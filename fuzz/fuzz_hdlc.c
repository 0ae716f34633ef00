/*
 * The HDLC stream decoder and frame decoder (bytes from a serial port or HAN line: untrusted).
 * Input: byte 0 low 3 bits = k, bytes 1..k = chunk sizes (cycled; 0 feeds an empty chunk), the
 * rest is the byte stream. Checks:
 * - every yielded frame re-encodes (with flags) to exactly the bytes the stream buffered for it,
 *   its FCS checks (CRC register GOOD over format..FCS), and omp_hdlc_decode() accepts those bytes;
 * - @c used never exceeds the chunk, all bytes are consumed, and the byte counters add up:
 *   bytes_in == bytes_frames + bytes_dropped + held;
 * - the frames found do not depend on the chunking: the same stream fed in one piece gives the
 *   same sequence (compared by length and CRC-32 of the re-encoded bytes);
 * - each frame also goes to a server link (hdlc_link.c): replies decode and go back to the sender,
 *   sequence variables stay 0..7, a rejected SNRM changes nothing;
 * - the stream itself given to omp_hdlc_decode(): a rejected frame leaves the outputs untouched,
 *   an accepted one re-encodes to the bytes consumed; omp_hdlc_params_decode() on it round trips.
 */
#include <string.h>

#include "fuzz.h"
#include "omnipower/hdlc.h"

#define MAX_SEEN 256u

struct seen {
    size_t n;
    uint32_t crc[MAX_SEEN];
    size_t len[MAX_SEEN];
};

/* A server link at 1-byte address 1 (as in the Kamstrup sessions): any reply it writes is a valid
 * frame from us to the sender; its state and sequence variables stay in range. */
static struct omp_hdlc_link g_link;

static void link_check(const struct omp_hdlc_frame *rx)
{
    static uint8_t out[OMP_HDLC_LEN_MAX + 2];
    struct omp_wr w = omp_wr_init(out, sizeof out);
    enum omp_hdlc_link_event ev = OMP_HDLC_EV_NONE;
    const uint8_t *info = NULL;
    size_t il = 0;
    const struct omp_hdlc_link before = g_link;
    const omp_err err = omp_hdlc_link_on_frame(&g_link, rx, true, &w, &ev, &info, &il);
    if (err != OMP_OK) {
        OMP_FUZZ_CHECK(err == OMP_ERR_MALFORMED || err == OMP_ERR_RANGE);
        OMP_FUZZ_CHECK(omp_wr_len(&w) == 0u && memcmp(&before, &g_link, sizeof g_link) == 0);
        return;
    }
    OMP_FUZZ_CHECK(g_link.vs <= 7u && g_link.vr <= 7u);
    OMP_FUZZ_CHECK(g_link.state == OMP_HDLC_LINK_NDM || g_link.state == OMP_HDLC_LINK_NRM);
    if (il > 0u) {
        OMP_FUZZ_CHECK(info >= rx->info && info + il <= rx->info + rx->info_len);
    }
    if (omp_wr_len(&w) > 0u) {
        struct omp_hdlc_frame r;
        size_t used = 0;
        OMP_FUZZ_CHECK(omp_hdlc_decode(out, omp_wr_len(&w), &r, &used) == OMP_OK);
        OMP_FUZZ_CHECK(used == omp_wr_len(&w));
        OMP_FUZZ_CHECK(r.dst.size == rx->src.size && r.dst.upper == rx->src.upper &&
                       r.dst.lower == rx->src.lower);
    }
}

static void feed_all(struct omp_hdlc_stream *s, const uint8_t *in, size_t len, const uint8_t *sizes,
                     size_t nsizes, struct seen *out)
{
    static uint8_t enc[OMP_CONFIG_HDLC_MAX_FRAME + 2];
    omp_hdlc_stream_init(s);
    out->n = 0;
    size_t pos = 0, c = 0;
    while (pos < len) {
        size_t chunk = (nsizes == 0u) ? len - pos : sizes[c++ % nsizes];
        if (chunk > len - pos) {
            chunk = len - pos;
        }
        const size_t end = pos + chunk;
        for (;;) {
            size_t used = 0;
            struct omp_hdlc_frame f;
            const omp_err err = omp_hdlc_stream_feed(s, in + pos, end - pos, &used, &f);
            OMP_FUZZ_CHECK(used <= end - pos);
            pos += used;
            if (err != OMP_OK) {
                OMP_FUZZ_CHECK(err == OMP_ERR_TRUNCATED && pos == end);
                break;
            }
            struct omp_wr w = omp_wr_init(enc, sizeof enc);
            OMP_FUZZ_CHECK(omp_hdlc_encode(&w, &f, true) == OMP_OK);
            const size_t n = omp_wr_len(&w);
            OMP_FUZZ_CHECK(n >= OMP_HDLC_MIN_LEN + 2u && n <= s->len);
            OMP_FUZZ_CHECK(memcmp(enc, s->buf, n) == 0);
            OMP_FUZZ_CHECK(omp_crc16_x25_update(OMP_CRC16_X25_INIT, enc + 1, n - 2u) ==
                           OMP_CRC16_X25_GOOD);
            struct omp_hdlc_frame g;
            size_t used2 = 0;
            OMP_FUZZ_CHECK(omp_hdlc_decode(enc, n, &g, &used2) == OMP_OK && used2 == n);
            link_check(&g);
            if (out->n < MAX_SEEN) {
                out->crc[out->n] = omp_crc32(enc, n);
                out->len[out->n] = n;
            }
            out->n++;
        }
        OMP_FUZZ_CHECK(s->bytes_in == pos);
        OMP_FUZZ_CHECK(s->bytes_in == s->bytes_frames + s->bytes_dropped + omp_hdlc_stream_held(s));
        OMP_FUZZ_CHECK(s->n_crc_errors <= s->n_errors && s->n_frames == out->n);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct omp_hdlc_stream s;
    static struct seen a, b;
    if (size == 0u) {
        return 0;
    }
    size_t k = data[0] & 7u;
    if (k > size - 1u) {
        k = size - 1u;
    }
    const uint8_t *sizes = data + 1;
    const uint8_t *in = data + 1 + k;
    const size_t len = size - 1u - k;
    /* an all-zero size list would never move: treat 0 as "1 byte" unless another size is > 0 */
    bool any = false;
    for (size_t i = 0; i < k; i++) {
        any = any || sizes[i] != 0u;
    }
    const struct omp_hdlc_addr srv = {.upper = 1, .lower = 0, .size = 1};
    OMP_FUZZ_CHECK(omp_hdlc_link_init(&g_link, &srv, NULL) == OMP_OK);
    feed_all(&s, in, len, sizes, any ? k : 0u, &a);
    feed_all(&s, in, len, NULL, 0, &b);
    OMP_FUZZ_CHECK(a.n == b.n);
    for (size_t i = 0; i < a.n && i < MAX_SEEN; i++) {
        OMP_FUZZ_CHECK(a.crc[i] == b.crc[i] && a.len[i] == b.len[i]);
    }

    /* the single-frame decoder on the same bytes */
    struct omp_hdlc_frame f, sentinel;
    memset(&sentinel, 0x5A, sizeof sentinel);
    memcpy(&f, &sentinel, sizeof f);
    size_t used = 12345;
    const omp_err err = omp_hdlc_decode(in, len, &f, &used);
    if (err != OMP_OK) {
        OMP_FUZZ_CHECK(err == OMP_ERR_TRUNCATED || err == OMP_ERR_MALFORMED || err == OMP_ERR_CRC ||
                       (err == OMP_ERR_ARG && in == NULL));
        OMP_FUZZ_CHECK(used == 12345u && memcmp(&f, &sentinel, sizeof f) == 0);
    } else {
        static uint8_t enc[OMP_HDLC_LEN_MAX + 2];
        OMP_FUZZ_CHECK(used <= len);
        const bool flags = in[0] == OMP_HDLC_FLAG;
        struct omp_wr w = omp_wr_init(enc, sizeof enc);
        OMP_FUZZ_CHECK(omp_hdlc_encode(&w, &f, flags) == OMP_OK);
        OMP_FUZZ_CHECK(omp_wr_len(&w) == used && memcmp(enc, in, used) == 0);
        struct omp_hdlc_params p, q;
        if (omp_hdlc_params_decode(f.info, f.info_len, &p) == OMP_OK) {
            uint8_t pb[32];
            struct omp_wr pw = omp_wr_init(pb, sizeof pb);
            OMP_FUZZ_CHECK(omp_hdlc_params_encode(&pw, &p) == OMP_OK);
            OMP_FUZZ_CHECK(omp_hdlc_params_decode(pb, omp_wr_len(&pw), &q) == OMP_OK);
            OMP_FUZZ_CHECK(memcmp(&p, &q, sizeof p) == 0);
        }
    }
    return 0;
}

/*
 * xDLMS / ACSE APDU decoder (bytes from the network: untrusted). Checks:
 * - a rejected input fails only with TRUNCATED/MALFORMED/UNSUPPORTED/DEPTH and leaves the output
 *   and the reader untouched;
 * - an accepted one re-encodes (canonical form) into a buffer of exactly the bytes consumed or
 *   fewer; if the decoder did not flag the input noncanonical, the re-encoding is byte-identical to
 *   the input (the documented exceptions - non-minimal lengths, non-0/1 booleans, explicit
 *   response-allowed TRUE, ACSE components out of order or unused - set noncanonical);
 * - the re-encoding decodes again, canonically, to an APDU that encodes to the same bytes;
 * - one byte less of room gives OMP_ERR_NOSPACE and leaves the buffer untouched;
 * - the lists of the with-list services walk with omp_apdu_list_next_* to exactly their end;
 * - omp_apdu_decode_lazy() followed by a walk of the Data value it left unchecked gives the same
 *   result as omp_apdu_decode() followed by a walk of that value: the same error (a walk may
 *   report OMP_ERR_DEPTH where the checking decode's skip, which has no depth limit, accepts or
 *   fails later), or the same APDU whose value ends where the checked span ends.
 * - the server's one-direction entry points agree with the generic ones: omp_apdu_decode_request()
 *   gives omp_apdu_decode()'s result (error, bytes consumed, the APDU's canonical encoding) for a
 *   request (AARQ, RLRQ, GET/SET/ACTION-request tag) and OMP_ERR_UNSUPPORTED, nothing touched, for
 *   anything else; omp_apdu_encode_response() gives omp_apdu_encode()'s bytes for a response kind
 *   and OMP_ERR_ARG, nothing written, for any other.
 * The same input also goes to the general-block-transfer codec (omp_apdu_gbt_decode/encode), with
 * the same properties (errors: UNEXPECTED for a first byte other than E0, TRUNCATED, MALFORMED).
 */
#include <string.h>

#include "fuzz.h"
#include "omnipower/apdu.h"
#include "omnipower/axdr.h"

enum { W_DESC, W_RESULT, W_DATA, W_DAR, W_METHOD, W_ACTION };

static void walk(const struct omp_apdu_list *l, int kind)
{
    struct omp_rd it = omp_rd_init(l->items.ptr, l->items.len);
    for (size_t i = 0; i < l->count; i++) {
        struct omp_apdu_desc d;
        struct omp_apdu_access a;
        struct omp_apdu_result r;
        struct omp_apdu_action_result ar;
        struct omp_apdu_span s;
        uint8_t dar = 0;
        omp_err err = OMP_OK;
        switch (kind) {
        case W_DESC:
            err = omp_apdu_list_next_desc(&it, &d, &a);
            break;
        case W_RESULT:
            err = omp_apdu_list_next_result(&it, &r);
            break;
        case W_DATA:
            err = omp_apdu_list_next_data(&it, &s);
            break;
        case W_METHOD:
            err = omp_apdu_list_next_method(&it, &d);
            break;
        case W_ACTION:
            err = omp_apdu_list_next_action(&it, &ar);
            break;
        default:
            err = omp_apdu_list_next_dar(&it, &dar);
            break;
        }
        OMP_FUZZ_CHECK(err == OMP_OK);
    }
    OMP_FUZZ_CHECK(omp_rd_remaining(&it) == 0u);
}

/* The Data value that ends @p a, if its kind has one (omp_apdu_decode_lazy()). */
static bool final_data(const struct omp_apdu *a, struct omp_apdu_span *s)
{
    switch (a->kind) {
    case OMP_APDU_GET_REQ_NORMAL:
        *s = a->u.get_req.access.params;
        return a->u.get_req.access.present;
    case OMP_APDU_GET_RSP_NORMAL:
        *s = a->u.get_rsp.result.data;
        return a->u.get_rsp.result.is_data;
    case OMP_APDU_SET_REQ_NORMAL:
        *s = a->u.set_req.value;
        return true;
    case OMP_APDU_ACTION_REQ_NORMAL:
        *s = a->u.action_req.params;
        return a->u.action_req.has_params;
    case OMP_APDU_ACTION_RSP_NORMAL:
        *s = a->u.action_rsp.ret.data;
        return a->u.action_rsp.has_return && a->u.action_rsp.ret.is_data;
    case OMP_APDU_DATA_NOTIFICATION:
        *s = a->u.notify.body;
        return true;
    default:
        return false;
    }
}

/* Walk one Data value from the start of @p s; *end = the position after it. */
static omp_err walk_value(const struct omp_apdu_span *s, size_t *end)
{
    struct omp_rd rd = omp_rd_init(s->ptr, s->len);
    struct omp_axdr_walker wk;
    omp_axdr_walk_init(&wk);
    for (;;) {
        struct omp_axdr_event ev;
        omp_err err = omp_axdr_walk(&wk, &rd, &ev);
        if (err != OMP_OK) {
            return err;
        }
        if (ev.kind == OMP_AXDR_EV_DONE) {
            *end = ev.pos;
            return OMP_OK;
        }
    }
}

/* omp_apdu_decode_lazy() + walk against omp_apdu_decode() + walk (file comment). */
static void lazy(const uint8_t *data, size_t size)
{
    static struct omp_apdu e, l, sentinel;
    memset(&sentinel, 0x5A, sizeof sentinel);
    memcpy(&l, &sentinel, sizeof l);
    struct omp_rd re = omp_rd_init(data, size), rl = omp_rd_init(data, size);
    const omp_err ee = omp_apdu_decode(&re, &e);
    const omp_err el = omp_apdu_decode_lazy(&rl, &l);
    if (el != OMP_OK) {
        OMP_FUZZ_CHECK(el == ee && memcmp(&l, &sentinel, sizeof l) == 0 && omp_rd_pos(&rl) == 0u);
        return;
    }
    struct omp_apdu_span sl, se;
    if (!l.data_unchecked) {
        OMP_FUZZ_CHECK(ee == OMP_OK && l.kind == e.kind && !e.data_unchecked);
        OMP_FUZZ_CHECK(omp_rd_pos(&rl) == omp_rd_pos(&re));
        return;
    }
    OMP_FUZZ_CHECK(final_data(&l, &sl) && omp_rd_remaining(&rl) == 0u);
    OMP_FUZZ_CHECK(sl.len >= 1u && sl.ptr + sl.len == data + size);
    size_t end_l = 0, end_e = 0;
    const omp_err wl = walk_value(&sl, &end_l);
    if (ee != OMP_OK) { /* the checking decode failed in the value */
        OMP_FUZZ_CHECK(wl == ee || wl == OMP_ERR_DEPTH);
        return;
    }
    OMP_FUZZ_CHECK(e.kind == l.kind && final_data(&e, &se) && se.ptr == sl.ptr);
    const omp_err we = walk_value(&se, &end_e);
    OMP_FUZZ_CHECK(we == wl);
    if (wl == OMP_OK) {
        OMP_FUZZ_CHECK(end_l == se.len && end_e == se.len);
        OMP_FUZZ_CHECK(omp_rd_pos(&re) == (size_t)(se.ptr - data) + se.len);
    }
}

/* general-block-transfer: decode, re-encode, decode again, NOSPACE one byte short. */
static void gbt(const uint8_t *data, size_t size)
{
    struct omp_apdu_gbt g, sentinel, h;
    memset(&sentinel, 0x5A, sizeof sentinel);
    memcpy(&g, &sentinel, sizeof g);
    struct omp_rd rd = omp_rd_init(data, size);
    omp_err err = omp_apdu_gbt_decode(&rd, &g);
    if (err != OMP_OK) {
        OMP_FUZZ_CHECK(err == OMP_ERR_UNEXPECTED || err == OMP_ERR_TRUNCATED ||
                       err == OMP_ERR_MALFORMED);
        OMP_FUZZ_CHECK(memcmp(&g, &sentinel, sizeof g) == 0);
        OMP_FUZZ_CHECK(omp_rd_pos(&rd) == 0u);
        return;
    }
    const size_t used = omp_rd_pos(&rd);
    OMP_FUZZ_CHECK(used >= 7u && used <= size && g.window <= OMP_APDU_GBT_WINDOW_MASK);
    static uint8_t out[1u << 16], out2[1u << 16];
    if (used > sizeof out) {
        return;
    }
    struct omp_wr w = omp_wr_init(out, used);
    OMP_FUZZ_CHECK(omp_apdu_gbt_encode(&g, &w) == OMP_OK);
    const size_t n = omp_wr_len(&w);
    OMP_FUZZ_CHECK(n <= used);
    if (!g.noncanonical) {
        OMP_FUZZ_CHECK(n == used && memcmp(out, data, used) == 0);
    }
    struct omp_rd rd2 = omp_rd_init(out, n);
    OMP_FUZZ_CHECK(omp_apdu_gbt_decode(&rd2, &h) == OMP_OK && omp_rd_pos(&rd2) == n);
    OMP_FUZZ_CHECK(!h.noncanonical && h.last == g.last && h.streaming == g.streaming &&
                   h.window == g.window && h.block_number == g.block_number &&
                   h.block_number_ack == g.block_number_ack && h.data.len == g.data.len);
    OMP_FUZZ_CHECK(g.data.len == 0u || memcmp(h.data.ptr, g.data.ptr, g.data.len) == 0);
    memset(out2, 0xA5, n);
    w = omp_wr_init(out2, n - 1u);
    OMP_FUZZ_CHECK(omp_apdu_gbt_encode(&g, &w) == OMP_ERR_NOSPACE && omp_wr_len(&w) == 0u);
    for (size_t i = 0; i < n; i++) {
        OMP_FUZZ_CHECK(out2[i] == 0xA5u);
    }
}

static bool is_request_tag(uint8_t t)
{
    return t == OMP_APDU_TAG_AARQ || t == OMP_APDU_TAG_RLRQ || t == OMP_APDU_TAG_GET_REQUEST ||
           t == OMP_APDU_TAG_SET_REQUEST || t == OMP_APDU_TAG_ACTION_REQUEST;
}

static bool is_response_kind(enum omp_apdu_kind k)
{
    const unsigned t = (unsigned)k >> 8;
    return k == OMP_APDU_AARE || k == OMP_APDU_RLRE || k == OMP_APDU_EXCEPTION ||
           k == OMP_APDU_CONFIRMED_SERVICE_ERROR || t == OMP_APDU_TAG_GET_RESPONSE ||
           t == OMP_APDU_TAG_SET_RESPONSE || t == OMP_APDU_TAG_ACTION_RESPONSE;
}

/* omp_apdu_decode_request() and omp_apdu_encode_response() against the generic codec. */
static void directions(const uint8_t *data, size_t size)
{
    static struct omp_apdu g, r, sentinel;
    static uint8_t eg[4096], er[4096];
    memset(&sentinel, 0x5A, sizeof sentinel);
    memcpy(&r, &sentinel, sizeof r);
    struct omp_rd rg = omp_rd_init(data, size);
    struct omp_rd rr = omp_rd_init(data, size);
    const omp_err err_g = omp_apdu_decode(&rg, &g);
    const omp_err err_r = omp_apdu_decode_request(&rr, &r);
    if (size == 0u || !is_request_tag(data[0])) {
        OMP_FUZZ_CHECK(err_r == (size == 0u ? err_g : OMP_ERR_UNSUPPORTED));
        OMP_FUZZ_CHECK(omp_rd_pos(&rr) == 0u);
        OMP_FUZZ_CHECK(memcmp(&r, &sentinel, sizeof r) == 0);
    } else {
        OMP_FUZZ_CHECK(err_r == err_g && omp_rd_pos(&rr) == omp_rd_pos(&rg));
        if (err_g == OMP_OK) {
            struct omp_wr wg = omp_wr_init(eg, sizeof eg);
            struct omp_wr wr = omp_wr_init(er, sizeof er);
            const omp_err e1 = omp_apdu_encode(&g, &wg);
            OMP_FUZZ_CHECK(omp_apdu_encode(&r, &wr) == e1);
            OMP_FUZZ_CHECK(r.kind == g.kind && r.noncanonical == g.noncanonical &&
                           omp_wr_len(&wr) == omp_wr_len(&wg) &&
                           memcmp(er, eg, omp_wr_len(&wg)) == 0);
        }
    }
    if (err_g != OMP_OK) {
        return;
    }
    struct omp_wr wg = omp_wr_init(eg, sizeof eg);
    memset(er, 0xA5, 16);
    struct omp_wr wr = omp_wr_init(er, sizeof er);
    const omp_err e1 = omp_apdu_encode(&g, &wg);
    const omp_err e2 = omp_apdu_encode_response(&g, &wr);
    if (is_response_kind(g.kind)) {
        OMP_FUZZ_CHECK(e2 == e1 && omp_wr_len(&wr) == omp_wr_len(&wg) &&
                       memcmp(er, eg, omp_wr_len(&wg)) == 0);
    } else {
        OMP_FUZZ_CHECK(e2 == OMP_ERR_ARG && omp_wr_len(&wr) == 0u && er[0] == 0xA5u);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gbt(data, size);
    lazy(data, size);
    directions(data, size);
    static struct omp_apdu a, sentinel, b;
    memset(&sentinel, 0x5A, sizeof sentinel);
    memcpy(&a, &sentinel, sizeof a);
    struct omp_rd rd = omp_rd_init(data, size);
    omp_err err = omp_apdu_decode(&rd, &a);
    if (err != OMP_OK) {
        OMP_FUZZ_CHECK(err == OMP_ERR_TRUNCATED || err == OMP_ERR_MALFORMED ||
                       err == OMP_ERR_UNSUPPORTED || err == OMP_ERR_DEPTH);
        OMP_FUZZ_CHECK(memcmp(&a, &sentinel, sizeof a) == 0);
        OMP_FUZZ_CHECK(omp_rd_pos(&rd) == 0u);
        return 0;
    }
    const size_t used = omp_rd_pos(&rd);
    OMP_FUZZ_CHECK(used >= 1u && used <= size);

    switch (a.kind) {
    case OMP_APDU_GET_REQ_LIST:
        walk(&a.u.get_req.list, W_DESC);
        break;
    case OMP_APDU_GET_RSP_LIST:
        walk(&a.u.get_rsp.list, W_RESULT);
        break;
    case OMP_APDU_SET_REQ_LIST:
        walk(&a.u.set_req.list, W_DESC);
        walk(&a.u.set_req.values, W_DATA);
        break;
    case OMP_APDU_SET_REQ_LIST_FIRST_BLOCK:
        walk(&a.u.set_req.list, W_DESC);
        break;
    case OMP_APDU_SET_RSP_LIST:
    case OMP_APDU_SET_RSP_LAST_BLOCK_LIST:
        walk(&a.u.set_rsp.list, W_DAR);
        break;
    case OMP_APDU_ACTION_REQ_LIST:
        walk(&a.u.action_req.list, W_METHOD);
        walk(&a.u.action_req.params_list, W_DATA);
        break;
    case OMP_APDU_ACTION_REQ_LIST_FIRST_PBLOCK:
        walk(&a.u.action_req.list, W_METHOD);
        break;
    case OMP_APDU_ACTION_RSP_LIST:
        walk(&a.u.action_rsp.list, W_ACTION);
        break;
    default:
        break;
    }

    static uint8_t out[1u << 16], out2[1u << 16];
    if (used > sizeof out) {
        return 0;
    }
    struct omp_wr w = omp_wr_init(out, used);
    OMP_FUZZ_CHECK(omp_apdu_encode(&a, &w) == OMP_OK);
    const size_t n = omp_wr_len(&w);
    OMP_FUZZ_CHECK(n >= 1u && n <= used);
    if (!a.noncanonical) {
        OMP_FUZZ_CHECK(n == used && memcmp(out, data, used) == 0);
    }

    struct omp_rd rd2 = omp_rd_init(out, n);
    OMP_FUZZ_CHECK(omp_apdu_decode(&rd2, &b) == OMP_OK);
    OMP_FUZZ_CHECK(omp_rd_pos(&rd2) == n && !b.noncanonical && b.kind == a.kind);
    OMP_FUZZ_CHECK(b.invoke == a.invoke);
    struct omp_wr w2 = omp_wr_init(out2, n);
    OMP_FUZZ_CHECK(omp_apdu_encode(&b, &w2) == OMP_OK);
    OMP_FUZZ_CHECK(omp_wr_len(&w2) == n && memcmp(out2, out, n) == 0);

    /* one byte short: NOSPACE, nothing written */
    memset(out2, 0xA5, n);
    w2 = omp_wr_init(out2, n - 1u);
    OMP_FUZZ_CHECK(omp_apdu_encode(&a, &w2) == OMP_ERR_NOSPACE && omp_wr_len(&w2) == 0u);
    for (size_t i = 0; i < n; i++) {
        OMP_FUZZ_CHECK(out2[i] == 0xA5u);
    }
    return 0;
}

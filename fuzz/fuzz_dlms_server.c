/*
 * The DLMS server engine (dlms_server.h) driven by a session of arbitrary requests. The input is
 * a sequence of records: client SAP (1 byte), server SAP (1 byte), length (2 bytes, big-endian),
 * the request APDU (what is left when the input is shorter). One server sees them all in order,
 * so associations, block transfers and refusals follow each other as on a port. Checks:
 * - every call returns OMP_OK and appends at most the server's max PDU (and the client's, once
 *   associated);
 * - every answer is one complete APDU that omp_apdu_decode() reads back (AARE, RLRE, GET, SET
 *   or ACTION response, EXCEPTION-response) and it is the answer the request's kind calls for;
 * - the association is always none or exactly one of the five the server grants;
 * - a general-block-transfer answer (GBT) decodes, window 1, only where GBT was negotiated and
 *   only to a GET or a GBT request.
 * The management association (client 1 -> SAP 16, HLS-GMAC) runs on a deterministic stand-in for
 * the port's AES-GCM op: the identity with a tag of twelve zero bytes (a wrong tag is refused), and
 * a fixed StoC, so that seeds can carry whole ciphered sessions; ciphered answers (glo-initiate-
 * and glo-get/set/action-responses, general-glo-ciphering answers) are opened the same way and
 * their plaintext checked.
 * The meter keeps a load profile (A+, A-; 15 min) of 600 entries, a billing log of 3 stops and
 * a standard event log (1.1.99.98.2.255) of 250 events (it holds the last 200 or more) on RAM NVMs, so that GETs of class 7 with selective access (range and entry descriptors) and
 * their blocks are reached.
 */
#include <string.h>

#include "fuzz.h"
#include "omnipower/apdu.h"
#include "omnipower/cosem.h"
#include "omnipower/dlms_server.h"
#include "omnipower/evq.h"
#include "omnipower/hal.h"
#include "omnipower/hal_fakes.h"
#include "omnipower/logger.h"
#include "omnipower/registers.h"
#include "omnipower/storage.h"
#include "omnipower/tariff.h"

#include "../tests/dlms_src.h" /* the same meter as test_dlms_server */

static bool answer_kind_ok(uint8_t req_tag, enum omp_apdu_kind k)
{
    if (k == OMP_APDU_EXCEPTION) {
        return true; /* any request may be refused that way */
    }
    switch (req_tag) {
    case OMP_APDU_TAG_GLO_GET_REQUEST:
        return k == OMP_APDU_GET_RSP_NORMAL || k == OMP_APDU_GET_RSP_BLOCK ||
               k == OMP_APDU_GET_RSP_LIST;
    case OMP_APDU_TAG_GLO_SET_REQUEST:
        return ((unsigned)k >> 8) == OMP_APDU_TAG_SET_RESPONSE;
    case OMP_APDU_TAG_AARQ:
        return k == OMP_APDU_AARE;
    case OMP_APDU_TAG_RLRQ:
        return k == OMP_APDU_RLRE;
    case OMP_APDU_TAG_GET_REQUEST:
        return k == OMP_APDU_GET_RSP_NORMAL || k == OMP_APDU_GET_RSP_BLOCK ||
               k == OMP_APDU_GET_RSP_LIST;
    case OMP_APDU_TAG_SET_REQUEST:
        return ((unsigned)k >> 8) == OMP_APDU_TAG_SET_RESPONSE;
    case OMP_APDU_TAG_ACTION_REQUEST:
    case OMP_APDU_TAG_GLO_ACTION_REQUEST: /* HLS pass 3, security setup methods, any method */
        return ((unsigned)k >> 8) == OMP_APDU_TAG_ACTION_RESPONSE;
    case OMP_APDU_TAG_GENERAL_GLO_CIPHERING: /* any of the three, answered in kind */
        return ((unsigned)k >> 8) == OMP_APDU_TAG_GET_RESPONSE ||
               ((unsigned)k >> 8) == OMP_APDU_TAG_SET_RESPONSE ||
               ((unsigned)k >> 8) == OMP_APDU_TAG_ACTION_RESPONSE;
    default:
        return false;
    }
}

#define LP_SECTOR 1024u
#define LP_SECTORS 8u

static const struct omp_hal_ops k_lp_ops = {
    .nvm_geometry = omp_ram_nvm_geometry, .nvm_read = omp_ram_nvm_read,
    .nvm_program = omp_ram_nvm_program, .nvm_erase = omp_ram_nvm_erase,
};

static struct omp_nvm_region ram(struct omp_ram_nvm *nvm, uint8_t *mem, uint32_t size,
                                 uint32_t sector, uint32_t sectors)
{
    const struct omp_nvm_geometry geo = {size, sector, 8u, 0xFFu, 100000u};
    OMP_FUZZ_CHECK(omp_ram_nvm_init(nvm, mem, &geo, NULL) == OMP_OK);
    omp_ram_nvm_format(nvm);
    const struct omp_nvm_region r = {&k_lp_ops, nvm, 0u, sectors};
    return r;
}

/* The load profile: 600 entries from 2027-01-01T00:00:00Z on. */
static void fill_profile(struct omp_profile *p, const struct omp_nvm_region *r)
{
    struct omp_profile_cfg c;
    dlms_lp_cfg(&c);
    OMP_FUZZ_CHECK(omp_profile_open(p, &c, r, false) == OMP_OK);
    for (int64_t k = 0; k < 600; k++) {
        const int64_t v[2] = {1000 + 7 * k, k / 3};
        OMP_FUZZ_CHECK(omp_profile_capture(p, 1798761600 + 900 * k, v) == OMP_OK);
    }
}

/* The billing log: stops on 2027-01-01, -02-01, -03-01 (00:00Z). */
static void fill_billing(struct omp_nvm_log *l, const struct omp_nvm_region *r)
{
    OMP_FUZZ_CHECK(omp_nvm_log_open_mode(l, r, OMP_REGS_BILLING_TAG,
                                         (uint16_t)OMP_REGS_SNAPSHOT_LEN, false) == OMP_OK);
    static const omp_time_s k_stops[3] = {1798761600, 1801440000, 1803859200};
    for (unsigned k = 0; k < 3u; k++) {
        struct omp_regs_snapshot sn = {.utc = k_stops[k], .capture_utc = k_stops[k],
                                       .billing_count = k + 1u, .hours = 744u * k};
        sn.peaks.p_plus.value = 1000u + k;
        sn.peaks.p_plus.utc = k_stops[k] - 3600;
        uint8_t buf[OMP_REGS_SNAPSHOT_LEN];
        struct omp_wr w = omp_wr_init(buf, sizeof buf);
        OMP_FUZZ_CHECK(omp_regs_snapshot_encode(&sn, &w) == OMP_OK);
        OMP_FUZZ_CHECK(omp_nvm_log_append(l, buf) == OMP_OK);
    }
}

/* The standard event log: an event a minute from 2027-01-01T00:00:00Z. */
static void fill_events(struct omp_evlog *l, const struct omp_nvm_region *r)
{
    OMP_FUZZ_CHECK(omp_evlog_open(l, OMP_EVLOG_STANDARD, r, false) == OMP_OK);
    for (uint32_t k = 0; k < 250u; k++) {
        const struct omp_event ev = {(uint16_t)(1u + k % 5u), (uint16_t)(k & 1u), k,
                                     1798761600 + 60 * (omp_time_s)k};
        OMP_FUZZ_CHECK(omp_evlog_append(l, &ev) == OMP_OK);
    }
}

/* The meter's logs, made once, into @p env. */
static void logs(struct omp_dlms_server_env *env)
{
    static uint8_t lp_mem[LP_SECTOR * LP_SECTORS], bill_mem[4u * 4096u], ev_mem[8u * 1024u];
    static struct omp_ram_nvm lp_nvm, bill_nvm, ev_nvm;
    static struct omp_profile lp;
    static struct omp_nvm_log bill;
    static struct omp_evlog ev;
    static bool done;
    if (!done) {
        struct omp_nvm_region r = ram(&lp_nvm, lp_mem, sizeof lp_mem, LP_SECTOR, LP_SECTORS);
        fill_profile(&lp, &r);
        r = ram(&bill_nvm, bill_mem, sizeof bill_mem, 4096u, 4u);
        fill_billing(&bill, &r);
        const struct omp_nvm_geometry g = {sizeof ev_mem, 1024u, 8u, 0xFFu, 100000u};
        uint32_t n = omp_evlog_sectors(&g);
        OMP_FUZZ_CHECK(n > 0u && n <= 8u);
        r = ram(&ev_nvm, ev_mem, sizeof ev_mem, 1024u, n);
        fill_events(&ev, &r);
        done = true;
    }
    env->lp = &lp;
    env->billing = &bill;
    env->evlog[OMP_EVLOG_STANDARD] = &ev;
}

static const uint8_t k_title[8] = {'K', 'A', 'M', 'E', 0, 0, 0, 1}; /* the server's */

/* The stand-in AES-GCM op: out = in, tag = 12 zero bytes; decrypt checks the tag. */
static omp_err fake_gcm(void *user, const struct omp_gcm_op *op)
{
    (void)user;
    OMP_FUZZ_CHECK(op->iv_len == 12u && op->tag_len == OMP_APDU_GCM_TAG_LEN);
    if (!op->encrypt) {
        for (size_t k = 0; k < op->tag_len; k++) {
            if (op->tag[k] != 0u) {
                if (op->len != 0u) {
                    memset(op->out, 0, op->len);
                }
                return OMP_ERR_AUTH;
            }
        }
    } else {
        memset(op->tag, 0, op->tag_len);
    }
    if (op->len != 0u) {
        memmove(op->out, op->in, op->len);
    }
    return OMP_OK;
}

static omp_err fake_entropy(void *user, uint8_t *dst, size_t len)
{
    (void)user;
    memset(dst, 0x5A, len);
    return OMP_OK;
}

static omp_err fake_unwrap(void *user, uint8_t slot, const uint8_t *wrapped, size_t len)
{
    (void)user;
    (void)slot;
    return (wrapped != NULL && len == 24u && wrapped[0] == 0xA6u) ? OMP_OK : OMP_ERR_AUTH;
}

/* A ciphered answer (glo- response or the AARE's glo-initiateResponse) opened into @p plain. */
static size_t open_answer(const uint8_t *p, size_t n, uint8_t *plain, size_t cap)
{
    struct omp_rd rd = omp_rd_init(p, n);
    struct omp_apdu_ciphered c;
    size_t len = 0;
    OMP_FUZZ_CHECK(omp_apdu_cipher_decode(&rd, &c) == OMP_OK && omp_rd_remaining(&rd) == 0u);
    OMP_FUZZ_CHECK(c.sc == 0x30u && omp_apdu_cipher_open(&c, k_title, fake_gcm, NULL, OMP_KEY_GUEK,
                                                         OMP_KEY_GAK, plain, cap, &len) == OMP_OK);
    return len;
}

/* Writes that succeed and change nothing, so that SET reaches every step of a write. */
static omp_err op_clock(void *user, omp_time_s utc)
{
    (void)user;
    (void)utc;
    return OMP_OK;
}

static omp_err op_tariff(void *user, uint8_t t)
{
    (void)user;
    return t >= 1u && t <= 8u ? OMP_OK : OMP_ERR_RANGE;
}

static omp_err op_optical(void *user, uint8_t k, uint32_t v)
{
    (void)user;
    (void)k;
    (void)v;
    return OMP_OK;
}

static omp_err op_secret(void *user, const uint8_t *s, size_t n)
{
    (void)user;
    (void)s;
    (void)n;
    return OMP_OK;
}

/* The tariff calendars (activity calendar, special days table): one engine, reset per input. */
static struct omp_tariff g_tariff;

static omp_err op_calendar(void *user, const struct omp_tou_calendar *cal, omp_time_s at_utc)
{
    (void)user;
    return omp_tariff_set_passive(&g_tariff, cal, at_utc);
}

static omp_err op_hdlc(void *user, uint8_t attr, uint16_t value)
{
    (void)user;
    (void)attr;
    (void)value;
    return OMP_OK;
}

static omp_err op_custom(void *user, const struct omp_cosem_custom *c)
{
    (void)user;
    (void)c;
    return OMP_OK;
}

static omp_err op_billing_stop(void *user)
{
    (void)user;
    return OMP_OK;
}

static omp_err op_param(void *user, uint8_t k, uint32_t v)
{
    (void)user;
    (void)k;
    (void)v;
    return OMP_OK;
}

static const struct omp_cosem_ops k_ops = {op_clock,    op_tariff, op_optical, op_secret,
                                           op_calendar, op_hdlc,   op_custom,  op_billing_stop,
                                           op_param};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct dlms_src_state st;
    static struct omp_evq evq;
    struct omp_cosem_src src;
    dlms_src_fill(&st, &src);
    src.ops = &k_ops;
    omp_tariff_init(&g_tariff);
    src.calendars = &g_tariff;
    OMP_FUZZ_CHECK(omp_evq_init(&evq) == OMP_OK);
    struct omp_dlms_sec sec;
    memset(&sec, 0, sizeof sec);
    sec.gcm = fake_gcm;
    sec.entropy = fake_entropy;
    sec.key_unwrap = fake_unwrap;
    memcpy(sec.system_title, k_title, 8u);
    sec.ic_limit = 1000u; /* also reached: then the server refuses to seal */
    struct omp_dlms_server_env env = {&src, &evq, NULL, NULL, NULL, {NULL}, &sec};
    logs(&env);
    struct omp_dlms_server_cfg cfg;
    omp_dlms_server_cfg_default(&cfg);
    cfg.max_pdu = 200u; /* small: the object list needs many blocks */
    struct omp_dlms_server srv;
    OMP_FUZZ_CHECK(omp_dlms_server_init(&srv, &cfg) == OMP_OK);

    size_t pos = 0;
    while (size - pos >= 4u) {
        uint16_t client = data[pos], server = data[pos + 1u];
        size_t len = (size_t)data[pos + 2u] << 8 | data[pos + 3u];
        pos += 4u;
        len = len < size - pos ? len : size - pos;
        const uint8_t *req = data + pos;
        pos += len;
        static uint8_t out[1024];
        struct omp_wr w = omp_wr_init(out, sizeof out);
        OMP_FUZZ_CHECK(omp_dlms_server_apdu(&srv, &env, client, server, req, len, &w) == OMP_OK);
        size_t n = omp_wr_len(&w);
        OMP_FUZZ_CHECK(n > 0u && n <= cfg.max_pdu);
        OMP_FUZZ_CHECK(srv.pdu == 0u || n <= srv.pdu || out[0] == OMP_APDU_TAG_AARE);
        if (out[0] == OMP_APDU_TAG_GENERAL_BLOCK_TRANSFER) {
            /* a GBT block (dlms_gbt.c): only where negotiated, window 1, no streaming, whole */
            struct omp_rd gr = omp_rd_init(out, n);
            struct omp_apdu_gbt g;
            OMP_FUZZ_CHECK(omp_apdu_gbt_decode(&gr, &g) == OMP_OK && omp_rd_remaining(&gr) == 0u);
            OMP_FUZZ_CHECK(g.window == 1u && !g.streaming && g.block_number != 0u);
            OMP_FUZZ_CHECK((srv.conformance & OMP_CONF_GENERAL_BLOCK_TRANSFER) != 0u);
            OMP_FUZZ_CHECK(len > 0u && (req[0] == OMP_APDU_TAG_GET_REQUEST ||
                                        req[0] == OMP_APDU_TAG_GENERAL_BLOCK_TRANSFER));
            continue;
        }
        static uint8_t plain[1024];
        const uint8_t *ans = out;
        if (out[0] >= OMP_APDU_TAG_GLO_GET_RESPONSE && out[0] <= OMP_APDU_TAG_GLO_ACTION_RESPONSE) {
            OMP_FUZZ_CHECK(len > 0u && (req[0] == out[0] - 4u));
            n = open_answer(out, n, plain, sizeof plain);
            ans = plain;
        } else if (out[0] == OMP_APDU_TAG_GENERAL_GLO_CIPHERING) {
            OMP_FUZZ_CHECK(len > 0u && req[0] == out[0] &&
                           (srv.conformance & OMP_CONF_GENERAL_PROTECTION) != 0u);
            n = open_answer(out, n, plain, sizeof plain);
            ans = plain;
        }
        struct omp_rd rd = omp_rd_init(ans, n);
        struct omp_apdu a;
        OMP_FUZZ_CHECK(omp_apdu_decode(&rd, &a) == OMP_OK && omp_rd_remaining(&rd) == 0u);
        OMP_FUZZ_CHECK(answer_kind_ok(len > 0u ? req[0] : 0u, a.kind));
        if (a.kind == OMP_APDU_AARE && a.u.aare.user_info.kind == OMP_APDU_UINFO_OTHER) {
            const struct omp_apdu_span *u = &a.u.aare.user_info.raw;
            size_t m = open_answer(u->ptr, u->len, plain, sizeof plain);
            OMP_FUZZ_CHECK(m == 14u && plain[0] == OMP_APDU_TAG_INITIATE_RESPONSE);
        }
        unsigned as = omp_dlms_server_assoc(&srv);
        OMP_FUZZ_CHECK(as == 0u || as == OMP_ASSOC_PUBLIC || as == OMP_ASSOC_LLS_MODULE ||
                       as == OMP_ASSOC_LLS_OPTICAL || as == OMP_ASSOC_LLS_CCC ||
                       as == OMP_ASSOC_HLS_MGMT);
        OMP_FUZZ_CHECK(sec.ic <= sec.ic_limit);
    }
    return 0;
}

/*
 * Profile generic (IC 7 version 1) in the DLMS server (dlms_server.h; docs/dlms-server.md
 * "Profiles"): the load profile 1.1.99.1.0.255, the analysis logger 1.1.99.1.1.255 and the
 * billing log 1.1.98.1.0.255, read through the logger engine (logger.h: omp_plog_*, omp_profile_*,
 * omp_billing_*), never copied.
 *
 * capture_objects and buffer are streams sent in GET blocks. capture_objects is short and is
 * generated again for each block through a window. The buffer is generated from the log with one
 * cursor per block: the server keeps the entry number of the next row, a mark in the packed log
 * (omp_plog_mark: a full entry at or before that row, 16 bytes instead of the cursor's 180) and
 * the bytes of the row already sent; a block places its cursor from the mark (a few entries
 * decoded, no survey of the sectors) and reads on, one entry per row, until the block is full.
 * The array count is announced first: for a time range it is counted in a first pass over the
 * log (one read of the log per GET, which also finds the first and the last row); for an entry
 * selection it follows from the entry numbers. An unreadable entry is sent as an invalid row so
 * the count holds; rows still due that the log no longer holds when a block starts (the ring
 * dropped them, or the log was cleared or formatted, between two blocks) end the transfer with
 * data-block-unavailable (OMP_ERR_STATE), never with other entries in their place.
 */
#include "omnipower/config.h"

#if OMP_CONFIG_DLMS

#include <string.h>

#include "omnipower/apdu.h"
#include "omnipower/axdr.h"
#include "omnipower/cosem.h"
#include "omnipower/dlms_server.h"
#include "omnipower/logger.h"

#include "dlms_priv.h"

#define CLASS_PROFILE 7u
#define LEAD_COLS 4u /* clock, LoggerStatus, DataQuality, reserved (technical facts 1.2) */
#define ROW_MAX 320u /* the billing log's: clock 14, 3 + 5 + 2, 34 columns of at most 14 */

enum { MODE_UP = 0, MODE_DOWN = 1, MODE_RANGE = 2 };
enum { PG_LP = 0, PG_AN = 1, PG_BILLING = 2, PG_EV = 3, PG_VQ = PG_EV + OMP_EVLOG_PQ };
#define EV_COLS 4u /* clock, event code, argument, flags */
#define VQ_COLS 6u /* clock, VoltageQuality1Phase, ...Event, MeanValue, MaxValue, MinValue */

/* The profiles, then the event logs by kind: standard -> the status logger, power quality ->
 * voltage quality logger 1 with its capture objects (technical facts 8.3), disconnect -> the
 * cut-off logger (technical facts 3); tamper, communication: our choices (docs/dlms-server.md
 * "Profiles"). */
static const uint8_t k_obis[OMP_DLMS_PROFILES][6] = {
    {1u, 1u, 99u, 1u, 0u, 255u},   {1u, 1u, 99u, 1u, 1u, 255u}, {1u, 1u, 98u, 1u, 0u, 255u},
    {1u, 1u, 99u, 98u, 2u, 255u},  {0u, 0u, 99u, 98u, 1u, 255u}, {1u, 1u, 99u, 98u, 16u, 255u},
    {1u, 1u, 99u, 98u, 5u, 255u},  {0u, 0u, 99u, 98u, 6u, 255u}};
static const uint8_t k_clock[6] = {0u, 1u, 1u, 0u, 0u, 255u};
static const uint8_t k_reserved[6] = {1u, 1u, 134u, 0u, 1u, 255u};

static void sticky(omp_err e)
{
    (void)e;
}

static OMP_NOINLINE const struct omp_profile *profile_of(const struct omp_dlms_server_env *env,
                                                         unsigned k)
{
    return k == PG_LP ? env->lp : k == PG_AN ? env->an : NULL;
}

static OMP_NOINLINE const struct omp_evlog *evlog_of(const struct omp_dlms_server_env *env,
                                                     unsigned k)
{
    return k >= PG_EV && k < OMP_DLMS_PROFILES ? env->evlog[k - PG_EV] : NULL;
}

static bool present(const struct omp_dlms_server_env *env, unsigned k)
{
    return k == PG_BILLING ? env->billing != NULL
           : k >= PG_EV    ? evlog_of(env, k) != NULL
                           : profile_of(env, k) != NULL;
}

unsigned omp_dlms_priv_pg_present(const struct omp_dlms_server_env *env)
{
    unsigned m = 0u;
    for (unsigned k = 0; k < OMP_DLMS_PROFILES; k++) {
        m |= present(env, k) ? 1u << k : 0u;
    }
    return m;
}

const uint8_t *omp_dlms_priv_pg_obis(unsigned k)
{
    return k_obis[k < OMP_DLMS_PROFILES ? k : 0u];
}

bool omp_dlms_priv_pg_find(const struct omp_dlms_server_env *env, const uint8_t obis[6],
                           uint8_t *k)
{
    for (uint8_t i = 0; i < OMP_DLMS_PROFILES; i++) {
        if (memcmp(obis, k_obis[i], 6u) == 0 && present(env, i)) {
            *k = i;
            return true;
        }
    }
    return false;
}

/* Capture objects of profile @p k: the four leading ones, then its columns (the billing log's
 * after its clock, which is the first leading one). */
static unsigned cols_of(const struct omp_dlms_server_env *env, unsigned k)
{
    return k == PG_VQ  ? VQ_COLS
           : k >= PG_EV ? EV_COLS
                      : LEAD_COLS + (k == PG_BILLING ? OMP_BILLING_COLUMNS - 1u
                                                     : profile_of(env, k)->cfg.columns);
}

/* The entries held: the oldest's number and how many. */
static void held_of(const struct omp_dlms_server_env *env, unsigned k, uint32_t *first,
                    uint32_t *held)
{
    if (k == PG_BILLING) {
        *held = omp_billing_count(env->billing);
        *first = omp_billing_no_of_index(env->billing, 1u);
    } else if (k >= PG_EV) {
        *held = omp_evlog_count(evlog_of(env, k));
        *first = omp_evlog_no_of_index(evlog_of(env, k), 1u);
    } else {
        *held = omp_plog_count(&profile_of(env, k)->log);
        *first = profile_of(env, k)->log.first_no;
    }
}

/* ---- capture_objects --------------------------------------------------------------------------- */

static void put_capdef(struct omp_wr *w, uint16_t cls, const uint8_t obis[6], uint8_t attr)
{
    sticky(omp_axdr_put_structure(w, 4u));
    sticky(omp_axdr_put_u16(w, cls));
    sticky(omp_axdr_put_octets(w, obis, 6u));
    sticky(omp_axdr_put_i8(w, (int8_t)attr)); /* 255, 254: -1, -2 (Kamstrup's private) */
    sticky(omp_axdr_put_u16(w, 0u));
}

/* Capture object @p c (0-based, the four leading ones first) of profile @p k. */
static void capdef(struct omp_wr *w, const struct omp_dlms_server_env *env, unsigned k, unsigned c)
{
    if (k == PG_VQ && c > 0u) { /* 1.1.132.0.c.255: phase, event (class 1), values (class 3) */
        const uint8_t vq[6] = {1u, 1u, 132u, 0u, (uint8_t)c, 255u};
        put_capdef(w, c <= 2u ? OMP_CLASS_DATA : OMP_CLASS_REGISTER, vq, 2u);
    } else if (k >= PG_EV && c > 0u) { /* event code 0.0.96.11.e.255 (e: the kind), LN 253, 252 */
        const uint8_t code[6] = {0u, 0u, 96u, 11u, (uint8_t)(k - PG_EV), 255u};
        if (c == 1u) {
            put_capdef(w, OMP_CLASS_DATA, code, 2u);
        } else {
            put_capdef(w, CLASS_PROFILE, k_obis[k], c == 2u ? 253u : 252u);
        }
    } else if (c == 0u) {
        put_capdef(w, OMP_CLASS_CLOCK, k_clock, 2u);
    } else if (c < 3u) {
        put_capdef(w, CLASS_PROFILE, k_obis[k], c == 1u ? 255u : 254u);
    } else if (c == 3u) {
        put_capdef(w, OMP_CLASS_DATA, k_reserved, 2u);
    } else if (k == PG_BILLING) {
        const struct omp_billing_col *b = omp_billing_col(c - LEAD_COLS + 1u);
        put_capdef(w, b->class_id, b->obis, b->attr);
    } else {
        const struct omp_logger_col *col = &profile_of(env, k)->cfg.col[c - LEAD_COLS];
        const struct omp_cosem_obj *o = omp_cosem_find(col->obis);
        put_capdef(w, o != NULL ? o->class_id : OMP_CLASS_REGISTER, col->obis, col->attr);
    }
}

static omp_err caps(const struct omp_dlms_server_env *env, unsigned k, struct omp_dlms_win *out)
{
    uint8_t tmp[24];
    unsigned n = cols_of(env, k);
    struct omp_wr w = omp_wr_init(tmp, sizeof tmp);
    sticky(omp_axdr_put_array(&w, n));
    for (unsigned c = 0; c < n && omp_wr_status(&w) == OMP_OK; c++) {
        omp_dlms_priv_win_put(out, tmp, omp_wr_len(&w));
        omp_wr_truncate(&w, 0u);
        capdef(&w, env, k, c);
    }
    omp_err err = omp_wr_status(&w);
    if (err == OMP_OK) {
        omp_dlms_priv_win_put(out, tmp, omp_wr_len(&w));
    }
    return err;
}

/* ---- rows -------------------------------------------------------------------------------------- */

/* A logged value: double-long-unsigned as the energy registers are (technical facts 1.2);
 * double-long when negative, long64(-unsigned) beyond 32 bits. */
static void put_logged(struct omp_wr *w, int64_t v)
{
    if (v >= 0 && v <= (int64_t)UINT32_MAX) {
        sticky(omp_axdr_put_u32(w, (uint32_t)v));
    } else if (v < 0 && v >= (int64_t)INT32_MIN) {
        sticky(omp_axdr_put_i32(w, (int32_t)v));
    } else if (v < 0) {
        sticky(omp_axdr_put_i64(w, v));
    } else {
        sticky(omp_axdr_put_u64(w, (uint64_t)v));
    }
}

/* The clock column: the stamp (UTC) as the dictionary's clock shows it: local time, deviation,
 * DST bit, technical facts 11.6; an invalid entry: every field not specified, status invalid. */
static void put_stamp(struct omp_wr *w, const struct omp_cosem_src *s, omp_time_s t, bool ok,
                      bool clock_ok)
{
    if (ok) {
        struct omp_value v = omp_cosem_time(s, t, clock_ok, true);
        if (omp_axdr_put_value(w, &v) == OMP_OK) {
            return;
        }
    }
    static const uint8_t k_invalid[12] = {0xFFu, 0xFFu, 0xFFu, 0xFFu, 0xFFu, 0xFFu,
                                          0xFFu, 0xFFu, 0xFFu, 0x80u, 0x00u, 0x01u};
    sticky(omp_axdr_put_octets(w, k_invalid, sizeof k_invalid));
}

/* Capture objects sent in a row (bits of pg_cols). */
static size_t ncols(uint64_t m)
{
    size_t n = 0u;
    for (; m != 0u; m &= m - 1u) {
        n++;
    }
    return n;
}

/* Billing log column @p j (1.. of omp_billing_col) of @p snap as its object encodes it. */
static void put_bill_value(struct omp_wr *w, const struct omp_cosem_src *s,
                           const struct omp_regs_snapshot *snap, unsigned j)
{
    const struct omp_billing_col *col = omp_billing_col(j);
    int64_t v = 0;
    if (col == NULL || omp_billing_value(snap, j, &v) != OMP_OK) {
        sticky(omp_axdr_put_null(w));
        return;
    }
    struct omp_value x =
        col->type == (uint8_t)OMP_VT_DATETIME
            ? omp_cosem_time(s, (omp_time_s)v, true, true) /* 0: no demand period set it */
            : omp_value_uint((enum omp_vtype)col->type, (uint64_t)v, col->scaler,
                             (enum omp_unit)col->unit);
    sticky(omp_axdr_put_value(w, &x));
}

/* What a row of any of the logs holds besides its logged values. */
struct row {
    omp_time_s t;
    bool ok;       /* false: an invalid row */
    bool clock_ok; /* the stamp's clock status */
    bool ev;       /* an event log's row: time, code, argument, flags */
    bool vq;       /* the VQ logger's: time, phase, event, mean, max, min (evq.h OMP_EV_VQ_ARG) */
    uint16_t status;  /* LoggerStatus, or the event's code */
    uint16_t flags;   /* the event's flags */
    uint32_t quality; /* DataQuality, or the event's argument */
    const struct omp_plog_entry *e;        /* a profile's values */
    const struct omp_regs_snapshot *snap; /* or the billing log's */
};

/* One row: the capture objects of pg_cols. A profile's or the billing log's: the leading four
 * (an invalid row: status invalid, quality 0), then the logged values (null-data when invalid);
 * an event log's: time, code, argument, flags (null-data when invalid). */
static void put_row(struct omp_wr *w, const struct omp_dlms_server *srv,
                    const struct omp_dlms_server_env *env, const struct row *r)
{
    sticky(omp_axdr_put_structure(w, ncols(srv->pg_cols)));
    uint64_t m = srv->pg_cols; /* bit 0: capture object c */
    for (unsigned c = 0; m != 0u; c++, m >>= 1) {
        if ((m & 1u) == 0u) {
            continue;
        }
        if (c == 0u) {
            put_stamp(w, env->src, r->t, r->ok, r->clock_ok);
        } else if (!r->ok && (r->ev || c >= LEAD_COLS)) {
            sticky(omp_axdr_put_null(w));
        } else if (r->vq) {
            sticky(c <= 2u ? omp_axdr_put_u8(w, (uint8_t)(c == 1u ? r->flags & 3u : r->status))
                           : omp_axdr_put_u16(w, OMP_EV_VQ_FIELD(r->quality, c - 3u)));
        } else if (c == 1u) {
            sticky(omp_axdr_put_u16(w, r->ok ? r->status : (uint16_t)OMP_LP_ST_INVALID));
        } else if (c == 2u) {
            sticky(omp_axdr_put_u32(w, r->ok ? r->quality : 0u));
        } else if (r->ev) {
            sticky(omp_axdr_put_u16(w, r->flags));
        } else if (c == 3u) {
            sticky(omp_axdr_put_i8(w, 1)); /* reserved: integer 1 as the OMNIPOWER sends */
        } else if (r->snap != NULL) {
            put_bill_value(w, env->src, r->snap, c - LEAD_COLS + 1u);
        } else {
            put_logged(w, r->e->v[c - LEAD_COLS]);
        }
    }
}

/* A packed log's cursor during one block. */
struct rowcur {
    struct omp_plog_cursor c;
    bool placed;
};

/* Put @p rc at entry pg_no of @p log unless it is there: from the kept mark (the row before's
 * cursor: next in a descending selection, the block before's at a block's start). */
static omp_err place(struct omp_dlms_server *srv, const struct omp_plog *log, struct rowcur *rc)
{
    if (srv->pg_mode == MODE_RANGE && srv->pg_no >= srv->pg_end) {
        return OMP_ERR_NOT_FOUND;
    }
    if (rc->placed && rc->c.no == srv->pg_no) {
        return OMP_OK;
    }
    if (rc->placed) {
        omp_plog_mark(&rc->c, &srv->pg_mark);
    }
    rc->placed = true;
    return omp_plog_seek_mark(log, &srv->pg_mark, srv->pg_no, &rc->c);
}

/* After a row read at @p got (@p found): the number of the next row. */
static OMP_NOINLINE uint32_t next_of(const struct omp_dlms_server *srv, bool found, uint32_t got)
{
    if (srv->pg_mode != MODE_RANGE) {
        return srv->pg_mode == MODE_UP ? srv->pg_no + 1u : srv->pg_no - 1u;
    }
    return found && got < srv->pg_end ? got + 1u : srv->pg_end;
}

/* The entry read for a row: a profile's, an event log's or the billing log's. */
union rowent {
    struct omp_plog_entry p;
    struct omp_event e;
    struct omp_billing_entry b;
};

/* Read the next row's entry of the selection into @p u; *got the number read (a range, a
 * packed log), *ok whether it is a valid row of the selection. */
static omp_err read_row(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                        struct rowcur *rc, union rowent *u, uint32_t *got, bool *ok)
{
    const unsigned k = srv->pg_obj;
    const bool range = srv->pg_mode == MODE_RANGE;
    const omp_time_s from = srv->pg_from, to = srv->pg_to;
    omp_err err;
    if (k == PG_BILLING) {
        struct omp_billing_cursor c;
        err = !range                    ? omp_billing_read(env->billing, srv->pg_no, &u->b)
              : srv->pg_no < srv->pg_end ? omp_billing_seek(env->billing, srv->pg_no, &c)
                                         : OMP_ERR_NOT_FOUND;
        if (range && err == OMP_OK) {
            err = omp_billing_next_in(env->billing, &c, from, to, &u->b, got);
        }
        *ok = err == OMP_OK && (!range || *got < srv->pg_end) &&
              (u->b.status & OMP_LP_ST_INVALID) == 0u;
        return err;
    }
    const struct omp_evlog *l = evlog_of(env, k);
    const struct omp_profile *p = profile_of(env, k);
    err = place(srv, l != NULL ? &l->log : &p->log, rc);
    if (err == OMP_OK) {
        err = l != NULL ? (range ? omp_evlog_next_in(l, &rc->c, from, to, &u->e, got)
                                 : omp_evlog_next(l, &rc->c, &u->e, got))
                        : (range ? omp_profile_next_in(p, &rc->c, from, to, &u->p, got)
                                 : omp_plog_next(&p->log, &rc->c, &u->p, got));
    }
    *ok = err == OMP_OK && (range ? *got < srv->pg_end : *got == srv->pg_no) &&
          (l != NULL ? range || u->e.code != 0u : (u->p.status & OMP_PLOG_ST_INVALID) == 0u);
    return err;
}

/* The next row of the selection, encoded into @p w; *got the number read and *read whether a
 * read succeeded (for next_of()). A row not held (only when the log changed, which still_held()
 * refuses first) or unreadable is an invalid row. */
static omp_err next_row(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                        struct rowcur *rc, struct omp_wr *w, uint32_t *got, bool *read)
{
    union rowent u;
    bool ok = false;
    memset(&u, 0, sizeof u); /* an invalid row reads its (unused) time */
    omp_err err = read_row(srv, env, rc, &u, got, &ok);
    *read = err == OMP_OK;
    if (err != OMP_OK && err != OMP_ERR_NOT_FOUND) {
        return err;
    }
    const bool bill = srv->pg_obj == PG_BILLING, ev = srv->pg_obj >= PG_EV;
    struct row r = {u.p.t, ok, true, ev, srv->pg_obj == PG_VQ, u.p.status, 0u, u.p.quality, &u.p,
                    NULL};
    if (bill) { /* the billing log keeps no DataQuality */
        r.t = u.b.snap.utc;
        r.clock_ok = (u.b.snap.quality & OMP_REGS_Q_CLOCK_BAD) == 0u;
        r.status = u.b.status;
        r.quality = 0u;
        r.snap = &u.b.snap;
    } else if (ev) {
        r.t = u.e.utc_s;
        r.status = u.e.code;
        r.flags = u.e.flags;
        r.quality = u.e.arg;
    }
    put_row(w, srv, env, &r);
    return OMP_OK;
}

/* The rows still due are all held: between two blocks the ring may have dropped entries, or the
 * log may have been cleared (its oldest number jumps past them) or formatted (its numbers start
 * again at 1). */
static bool still_held(const struct omp_dlms_server *srv, const struct omp_dlms_server_env *env)
{
    uint32_t first = 0, held = 0, lo, hi;
    held_of(env, srv->pg_obj, &first, &held);
    if (srv->pg_mode == MODE_RANGE) {
        lo = srv->pg_no;
        hi = srv->pg_end;
    } else if (srv->pg_mode == MODE_UP) {
        lo = srv->pg_no;
        hi = srv->pg_no + srv->pg_left;
    } else {
        lo = srv->pg_no + 1u - srv->pg_left;
        hi = srv->pg_no + 1u;
    }
    return srv->pg_left == 0u || (held > 0u && lo >= first && hi <= first + held);
}

/* Copy item @p tmp[0..n) from pg_skip into @p dst; true when it went in whole. */
static bool emit(struct omp_dlms_server *srv, const uint8_t *tmp, size_t n, uint8_t *dst,
                 size_t cap, size_t *pos)
{
    size_t from = srv->pg_skip < n ? srv->pg_skip : n;
    size_t k = n - from < cap - *pos ? n - from : cap - *pos;
    memcpy(dst + *pos, tmp + from, k);
    *pos += k;
    if (from + k < n) {
        srv->pg_skip = (uint16_t)(from + k);
        return false;
    }
    srv->pg_skip = 0u;
    return true;
}

static omp_err gen_buffer(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                          uint8_t *dst, size_t cap, size_t *n)
{
    uint8_t tmp[ROW_MAX];
    struct omp_wr w = omp_wr_init(tmp, sizeof tmp);
    struct rowcur rc;
    rc.placed = false;
    *n = 0u;
    if (!still_held(srv, env)) {
        return OMP_ERR_STATE; /* data-block-unavailable: the rows due are gone */
    }
    if (!srv->pg_hdr) {
        sticky(omp_axdr_put_array(&w, srv->pg_count));
        if (!emit(srv, tmp, omp_wr_len(&w), dst, cap, n)) {
            return OMP_OK;
        }
        srv->pg_hdr = true;
    }
    while (srv->pg_left > 0u && *n < cap) {
        uint32_t got = 0;
        bool read = false;
        omp_wr_truncate(&w, 0u);
        omp_err err = next_row(srv, env, &rc, &w, &got, &read);
        if (err != OMP_OK) {
            return err;
        }
        if (omp_wr_status(&w) != OMP_OK) {
            return OMP_ERR_NOSPACE;
        }
        if (!emit(srv, tmp, omp_wr_len(&w), dst, cap, n)) {
            break;
        }
        srv->pg_no = next_of(srv, read, got);
        srv->pg_left--;
    }
    if (rc.placed) {
        omp_plog_mark(&rc.c, &srv->pg_mark); /* at or before pg_no: the next block resumes */
    }
    return OMP_OK;
}

omp_err omp_dlms_priv_pg_gen(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                             uint8_t *dst, size_t cap, size_t *n, bool *done)
{
    *n = 0u;
    *done = false;
    if (!present(env, srv->pg_obj)) {
        return OMP_ERR_NOT_FOUND;
    }
    if (srv->pg_attr == 3u) {
        struct omp_dlms_win wn = {dst, srv->pg_off, cap, 0u};
        omp_err err = caps(env, srv->pg_obj, &wn);
        *n = wn.pos > srv->pg_off ? wn.pos - srv->pg_off : 0u;
        *n = *n < cap ? *n : cap;
        srv->pg_off += (uint32_t)*n;
        *done = srv->pg_off >= wn.pos;
        return err;
    }
    omp_err err = gen_buffer(srv, env, dst, cap, n);
    *done = err == OMP_OK && srv->pg_hdr && srv->pg_left == 0u;
    return err;
}

/* ---- selective access ---------------------------------------------------------------------------- */

/* The next element, of type @p tag (long-unsigned or double-long-unsigned: it fits 32 bits). */
static bool next_uint(struct omp_rd *rd, uint8_t tag, uint32_t *v)
{
    struct omp_axdr_elem e;
    if (omp_axdr_next(rd, &e) != OMP_OK || e.tag != tag) {
        return false;
    }
    *v = (uint32_t)e.v.u;
    return true;
}

/* Columns from_selected_value..to_selected_value (1-based, 0 = the last) into pg_cols. */
static OMP_NOINLINE bool set_cols(struct omp_dlms_server *srv, unsigned n, uint32_t lo, uint32_t hi)
{
    lo = lo == 0u ? 1u : lo;
    hi = hi == 0u || hi > n ? n : hi;
    if (lo > hi || hi > 64u) {
        return false;
    }
    srv->pg_cols = (hi == 64u ? ~(uint64_t)0 : ((uint64_t)1 << hi) - 1u) &
                   ~(((uint64_t)1 << (lo - 1u)) - 1u);
    return true;
}

/* Entries numbered @p a..@p b (either order) of those held. */
static OMP_NOINLINE void set_entries(struct omp_dlms_server *srv, uint32_t a, uint32_t b)
{
    srv->pg_mode = a <= b ? MODE_UP : MODE_DOWN;
    srv->pg_no = a;
    srv->pg_count = (a <= b ? b - a : a - b) + 1u;
}

/* entry_descriptor {from_entry, to_entry, from_selected_value, to_selected_value}. */
static bool entry_desc(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                       struct omp_rd *rd)
{
    struct omp_axdr_elem s;
    uint32_t f = 0, t = 0, cl = 0, ch = 0;
    if (omp_axdr_next(rd, &s) != OMP_OK || s.tag != OMP_AXDR_TAG_STRUCTURE || s.count != 4u ||
        !next_uint(rd, OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED, &f) ||
        !next_uint(rd, OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED, &t) ||
        !next_uint(rd, OMP_AXDR_TAG_LONG_UNSIGNED, &cl) ||
        !next_uint(rd, OMP_AXDR_TAG_LONG_UNSIGNED, &ch) ||
        !set_cols(srv, cols_of(env, srv->pg_obj), cl, ch)) {
        return false;
    }
    uint32_t held = 0, first = 0;
    held_of(env, srv->pg_obj, &first, &held);
    srv->pg_count = 0u;
    if (held == 0u) {
        return true;
    }
    if (srv->cfg.entry_blue_book) { /* 1 = the oldest, to 0 = the newest; from > to: none */
        t = t == 0u || t > held ? held : t;
        if (f >= 1u && f <= t) {
            set_entries(srv, first + f - 1u, first + t - 1u);
        }
    } else { /* ages, 0 = the newest, either direction; ages beyond the oldest: the oldest */
        f = f >= held ? held - 1u : f;
        t = t >= held ? held - 1u : t;
        set_entries(srv, first + held - 1u - f, first + held - 1u - t);
    }
    return true;
}

/* A date-time Data (date-time or octet-string of 12) as UTC: with a deviation, UTC = local +
 * deviation; without, local time of the meter's zone (its DST bit when the status is given, its
 * DST rule when not). The range's from/to and the clock's SET (dlms_set.c) share it. */
omp_err omp_dlms_priv_utc_of(const struct omp_cosem_src *s, const struct omp_axdr_elem *e,
                             omp_time_s *utc, uint8_t *status)
{
    struct omp_axdr_datetime dt;
    if ((e->tag != OMP_AXDR_TAG_OCTET_STRING && e->tag != OMP_AXDR_TAG_DATE_TIME) ||
        omp_axdr_datetime_decode(e->data, e->len, &dt) != OMP_OK) {
        return OMP_ERR_MALFORMED;
    }
    *status = dt.status;
    if (dt.deviation_min != OMP_AXDR_DEVIATION_ANY) {
        return omp_axdr_datetime_to_time(&dt, utc) == OMP_OK ? OMP_OK : OMP_ERR_RANGE;
    }
    struct omp_datetime l = {dt.date.year, dt.date.month, dt.date.day,
                             dt.time.hour, dt.time.minute, dt.time.second, 0u};
    if (dt.status == 0xFFu) {
        return omp_local_to_utc(&l, s->utc_offset_min, s->dst_rule, utc) == OMP_OK ? OMP_OK
                                                                                    : OMP_ERR_RANGE;
    }
    omp_time_s local = 0;
    if (omp_datetime_to_time(&l, &local) != OMP_OK) {
        return OMP_ERR_RANGE;
    }
    *utc = local - (omp_time_s)s->utc_offset_min * 60 -
           ((dt.status & OMP_AXDR_STATUS_DST) != 0u ? (omp_time_s)OMP_SECONDS_PER_HOUR : 0);
    return OMP_OK;
}

/* Entries of the range: a first pass over the log with one cursor. */
static uint32_t count_range(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env)
{
    union {
        struct omp_plog_cursor p;
        struct omp_billing_cursor b;
    } c;
    union {
        struct omp_plog_entry p;
        struct omp_event e;
        struct omp_billing_entry b;
    } e;
    const unsigned k = srv->pg_obj;
    const omp_time_s from = srv->pg_from, to = srv->pg_to;
    uint32_t no = 0, n = 0, first = 0, last = 0;
    omp_err err = k == PG_BILLING ? omp_billing_seek(env->billing, srv->pg_no, &c.b)
                  : k >= PG_EV    ? omp_plog_seek(&evlog_of(env, k)->log, srv->pg_no, &c.p)
                                  : omp_plog_seek(&profile_of(env, k)->log, srv->pg_no, &c.p);
    while (err == OMP_OK) {
        err = k == PG_BILLING ? omp_billing_next_in(env->billing, &c.b, from, to, &e.b, &no)
              : k >= PG_EV    ? omp_evlog_next_in(evlog_of(env, k), &c.p, from, to, &e.e, &no)
                              : omp_profile_next_in(profile_of(env, k), &c.p, from, to, &e.p, &no);
        if (err != OMP_OK || no >= srv->pg_end) {
            break;
        }
        if (n++ == 0u) {
            first = no;
            if (k != PG_BILLING) {
                omp_plog_mark(&c.p, &srv->pg_mark); /* the sending starts at the first row */
            }
        }
        last = no;
    }
    if (n > 0u) { /* the rows are first..last: the sending reads only those entries */
        srv->pg_no = first;
        srv->pg_end = last + 1u;
    }
    return n;
}

/* selected_values of a range: @p count capture_object_definitions at @p rd, each one of the
 * profile's capture objects (byte for byte as attribute 3 lists it), in the order of attribute 3,
 * none twice, into pg_cols; none: all. */
static bool sel_cols(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                     struct omp_rd *rd, size_t count)
{
    const unsigned n = cols_of(env, srv->pg_obj);
    unsigned c = 0u;
    if (count == 0u) {
        return true; /* all: pg_cols as omp_dlms_priv_pg_start() set it before the descriptor */
    }
    srv->pg_cols = 0u;
    for (size_t i = 0; i < count; i++) {
        const size_t p0 = omp_rd_pos(rd);
        if (omp_axdr_skip(rd) != OMP_OK) {
            return false;
        }
        const size_t len = omp_rd_pos(rd) - p0;
        bool found = false;
        for (; c < n && c < 64u && !found; c++) { /* the next capture objects in turn */
            uint8_t tmp[24];
            struct omp_wr w = omp_wr_init(tmp, sizeof tmp);
            capdef(&w, env, srv->pg_obj, c);
            found = omp_wr_len(&w) == len && memcmp(tmp, rd->buf + p0, len) == 0;
            srv->pg_cols |= found ? (uint64_t)1 << c : 0u;
        }
        if (!found) {
            return false; /* not a capture object, out of order, or twice */
        }
    }
    return true;
}

/* range_descriptor {restricting_object (the clock), from_value, to_value, selected_values};
 * selected_values empty: all columns. The matching rows are counted here. */
static bool range_desc(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                       struct omp_rd *rd)
{
    struct omp_axdr_elem s, r, ln, a, f, t, sel;
    uint32_t cls = 0, di = 0;
    uint8_t st = 0;
    if (omp_axdr_next(rd, &s) != OMP_OK || s.tag != OMP_AXDR_TAG_STRUCTURE || s.count != 4u ||
        omp_axdr_next(rd, &r) != OMP_OK || r.tag != OMP_AXDR_TAG_STRUCTURE || r.count != 4u ||
        !next_uint(rd, OMP_AXDR_TAG_LONG_UNSIGNED, &cls) || omp_axdr_next(rd, &ln) != OMP_OK ||
        omp_axdr_next(rd, &a) != OMP_OK || !next_uint(rd, OMP_AXDR_TAG_LONG_UNSIGNED, &di) ||
        omp_axdr_next(rd, &f) != OMP_OK || omp_axdr_next(rd, &t) != OMP_OK ||
        omp_axdr_next(rd, &sel) != OMP_OK) {
        return false;
    }
    if (cls != OMP_CLASS_CLOCK || ln.tag != OMP_AXDR_TAG_OCTET_STRING || ln.len != 6u ||
        memcmp(ln.data, k_clock, 6u) != 0 || a.tag != OMP_AXDR_TAG_INTEGER || a.v.i != 2 ||
        sel.tag != OMP_AXDR_TAG_ARRAY || !sel_cols(srv, env, rd, sel.count) ||
        omp_dlms_priv_utc_of(env->src, &f, &srv->pg_from, &st) != OMP_OK ||
        omp_dlms_priv_utc_of(env->src, &t, &srv->pg_to, &st) != OMP_OK) {
        return false;
    }
    uint32_t held = 0;
    srv->pg_mode = MODE_RANGE;
    held_of(env, srv->pg_obj, &srv->pg_no, &held);
    srv->pg_end = srv->pg_no + held;
    srv->pg_count = count_range(srv, env);
    return true;
}

/* ---- the attributes ---------------------------------------------------------------------------- */

static uint8_t short_attr(const struct omp_dlms_server_env *env, uint8_t k, int8_t attr,
                          struct omp_wr *w)
{
    const struct omp_profile *p = profile_of(env, k);
    const struct omp_evlog *ev = evlog_of(env, k);
    uint32_t first = 0, held = 0;
    held_of(env, k, &first, &held);
    switch (attr) {
    case 1:
        sticky(omp_axdr_put_octets(w, k_obis[k], 6u));
        break;
    case 4:
        sticky(omp_axdr_put_u32(w, p != NULL ? p->cfg.period_s : 0u)); /* logs: on events */
        break;
    case 5:
        sticky(omp_axdr_put_enum(w, 1u)); /* fifo */
        break;
    case 6: /* sort_object: none (fifo), a capture_object_definition {0, 0.0.0.0.0.0, 0, 0} */
        put_capdef(w, 0u, (const uint8_t[6]){0u, 0u, 0u, 0u, 0u, 0u}, 0u);
        break;
    case 7:
        sticky(omp_axdr_put_u32(w, held));
        break;
    case 8:
        sticky(omp_axdr_put_u32(
            w, p != NULL    ? omp_profile_capacity(&p->cfg, &p->log.geo, p->log.rgn.sectors)
               : ev != NULL ? omp_evlog_capacity(&ev->log.geo, ev->log.rgn.sectors)
                            : omp_billing_capacity(env->billing)));
        break;
    default:
        return OMP_DAR_OBJECT_UNDEFINED;
    }
    return omp_wr_status(w) == OMP_OK ? OMP_DAR_SUCCESS : OMP_DAR_OTHER_REASON;
}

uint8_t omp_dlms_priv_pg_start(struct omp_dlms_server *srv, const struct omp_dlms_server_env *env,
                               uint8_t k, int8_t attr, const struct omp_apdu_access *acc,
                               struct omp_wr *w, bool *stream)
{
    *stream = false;
    if (!present(env, k)) {
        return OMP_DAR_OBJECT_UNDEFINED;
    }
    if (acc->present && attr != 2) {
        return OMP_DAR_OTHER_REASON;
    }
    if (attr != 2 && attr != 3) {
        return short_attr(env, k, attr, w);
    }
    srv->pg_obj = k;
    srv->pg_attr = (uint8_t)attr;
    srv->pg_off = 0u;
    srv->pg_skip = 0u;
    srv->pg_hdr = false;
    srv->pg_mode = MODE_UP;
    memset(&srv->pg_mark, 0, sizeof srv->pg_mark); /* none: the first block seeks */
    held_of(env, k, &srv->pg_no, &srv->pg_count);
    (void)set_cols(srv, cols_of(env, k), 1u, 0u);
    struct omp_rd rd = omp_rd_init(acc->params.ptr, acc->params.len);
    bool ok = !acc->present || (acc->selector == 1u && range_desc(srv, env, &rd)) ||
              (acc->selector == 2u && entry_desc(srv, env, &rd));
    srv->pg_left = srv->pg_count;
    *stream = ok;
    return ok ? OMP_DAR_SUCCESS : OMP_DAR_OTHER_REASON;
}

#else
typedef int omp_dlms_profile_unused; /* ISO C forbids an empty translation unit */
#endif /* OMP_CONFIG_DLMS */

/*
 * The billing log's reading (logger.h "the billing log", docs/logger.md "Billing log"): a
 * read-only view over the omp_nvm_log in which the registers' persistence keeps the debiting
 * snapshots. Entry number = record sequence + 1, so numbers start at 1 as the packed log's do and
 * 0 names no entry. The log holds sequences [first_seq, next_seq) (storage.h: `count` includes the
 * records rejected by their CRC), so entry `no` is held when first_seq < no <= next_seq and is
 * next_seq - no places back from the newest, the age omp_nvm_log_read() takes.
 */
#include <stddef.h>
#include <string.h>

#include "omnipower/logger.h"

/* The interface classes of the capture objects (Blue Book; cosem.h's OMP_CLASS_*, a module above
 * this one: tests/test_billing_view.c checks each row against the data dictionary). */
#define CLASS_DATA 1u
#define CLASS_REGISTER 3u
#define CLASS_EXT_REGISTER 4u
#define CLASS_CLOCK 8u

/* ---- numbering ------------------------------------------------------------------------------ */

static bool is_billing(const struct omp_nvm_log *l)
{
    return l != NULL && l->tag == OMP_REGS_BILLING_TAG &&
           l->entry_len == (uint16_t)OMP_REGS_SNAPSHOT_LEN;
}

/* The first and the next entry number; first == next when none is held. A log whose newest
 * sequence is 2^32 - 2 (4e9 stops: only a forged image) has no next number; its newest entry is
 * then left out rather than the numbers wrapping. */
static void numbers(const struct omp_nvm_log *l, uint32_t *first, uint32_t *next)
{
    *next = l->next_seq == UINT32_MAX ? UINT32_MAX : l->next_seq + 1u;
    *first = l->count == 0u ? *next : l->first_seq + 1u;
}

uint32_t omp_billing_count(const struct omp_nvm_log *l)
{
    return is_billing(l) ? l->count : 0u;
}

uint32_t omp_billing_capacity(const struct omp_nvm_log *l)
{
    return is_billing(l) ? omp_nvm_log_capacity(l) : 0u;
}

uint32_t omp_billing_no_of_index(const struct omp_nvm_log *l, uint32_t index)
{
    if (!is_billing(l) || index == 0u || index > l->count) {
        return 0u;
    }
    return l->first_seq + index; /* index 1: first_seq + 1 */
}

uint32_t omp_billing_no_of_age(const struct omp_nvm_log *l, uint32_t age)
{
    if (!is_billing(l) || age >= l->count) {
        return 0u;
    }
    return l->next_seq - age; /* age 0: next_seq, the newest's number */
}

/* ---- reading -------------------------------------------------------------------------------- */

omp_err omp_billing_read(const struct omp_nvm_log *l, uint32_t no, struct omp_billing_entry *out)
{
    if (!is_billing(l) || out == NULL) {
        return OMP_ERR_ARG;
    }
    uint32_t first, next;
    numbers(l, &first, &next);
    if (no < first || no >= next) {
        return OMP_ERR_NOT_FOUND;
    }
    uint8_t buf[OMP_REGS_SNAPSHOT_LEN];
    uint32_t seq = 0;
    omp_err err = omp_nvm_log_read(l, l->next_seq - no, buf, &seq);
    if (err != OMP_OK && err != OMP_ERR_NOT_FOUND) {
        return err; /* the HAL's: nothing said about the entry */
    }
    memset(out, 0, sizeof *out);
    bool ok = err == OMP_OK && seq == no - 1u;
    if (ok) {
        struct omp_rd rd = omp_rd_init(buf, sizeof buf);
        ok = omp_regs_snapshot_decode(&rd, &out->snap) == OMP_OK;
    }
    if (!ok) {
        /* held but unreadable (its CRC failed, or it does not decode): its number stays its own */
        memset(&out->snap, 0, sizeof out->snap);
        out->status = OMP_LP_ST_INVALID;
    }
    return OMP_OK;
}

omp_err omp_billing_seek(const struct omp_nvm_log *l, uint32_t no, struct omp_billing_cursor *c)
{
    if (!is_billing(l) || c == NULL) {
        return OMP_ERR_ARG;
    }
    memset(c, 0, sizeof *c);
    uint32_t first, next;
    numbers(l, &first, &next);
    if (no >= next || first == next) {
        return OMP_ERR_NOT_FOUND; /* end_no 0: a next() on it finds nothing either */
    }
    c->no = no < first ? first : no;
    c->end_no = next;
    return OMP_OK;
}

omp_err omp_billing_next(const struct omp_nvm_log *l, struct omp_billing_cursor *c,
                         struct omp_billing_entry *out, uint32_t *no)
{
    if (!is_billing(l) || c == NULL || out == NULL) {
        return OMP_ERR_ARG;
    }
    uint32_t first, next;
    numbers(l, &first, &next);
    if (c->no < first) {
        c->no = first; /* the ring dropped them since the seek */
    }
    if (c->no >= c->end_no || c->no >= next) {
        return OMP_ERR_NOT_FOUND;
    }
    omp_err err = omp_billing_read(l, c->no, out);
    if (err != OMP_OK) {
        return err;
    }
    if (no != NULL) {
        *no = c->no;
    }
    c->no++;
    return OMP_OK;
}

omp_err omp_billing_next_in(const struct omp_nvm_log *l, struct omp_billing_cursor *c,
                            omp_time_s from, omp_time_s to, struct omp_billing_entry *out,
                            uint32_t *no)
{
    for (;;) {
        omp_err err = omp_billing_next(l, c, out, no);
        if (err != OMP_OK) {
            return err;
        }
        if ((out->status & OMP_LP_ST_INVALID) == 0u && out->snap.utc >= from &&
            out->snap.utc <= to) {
            return OMP_OK;
        }
    }
}

/* ---- capture objects ------------------------------------------------------------------------ */

/*
 * Technical facts 4.2 (TD p.32, Table 12) in its order, restricted to what struct
 * omp_regs_snapshot holds:
 *  - "clock with quality info" 0.1.1.0.0.255: the clock is the snapshot's stop (`utc`, the
 *    scheduled boundary or the command's time); the quality info is read as the leading columns
 *    every OMNIPOWER logger has (technical facts 1.2: LoggerStatus, DataQuality), not as a value
 *    of the snapshot, so the clock is captured once;
 *  - Table 12 lists Q+max of tariffs 1 and 2 (1.1.3.6.1/2.255): the registers keep no such
 *    maxima, so they are not captured;
 *  - the snapshot holds more than Table 12 captures: R1..R4 (1.1.5..8.8.0.255), the time it was
 *    actually taken (`capture_utc`, later than `utc` for a late stop) and its quality bits
 *    (OMP_REGS_Q_*, not the DataQuality bits of technical facts 1.3); they stay readable in the
 *    snapshot but are no capture objects.
 * Each value is read at its offset in the snapshot and converted to the object's resolution in
 * the data dictionary (cosem_table.c), so a row reads as the objects would.
 */
enum conv {
    CV_TIME,  /* omp_time_s, UTC seconds */
    CV_U32,   /* uint32_t as held */
    CV_U64,   /* uint64_t as held */
    CV_MILLI, /* uint64_t milli-units -> whole units (the pulse input) */
    CV_MICRO, /* uint64_t micro-units -> Wh, varh, VAh (truncated, as the registers read) */
};

struct row {
    struct omp_billing_col col;
    uint16_t off;   /* offset of the value in struct omp_regs_snapshot */
    uint8_t conv;   /* enum conv */
};

#define AT(m) ((uint16_t)offsetof(struct omp_regs_snapshot, m))
#define OB(a, b, c, d, e, f) {a, b, c, d, e, f}
#define DT OMP_VT_DATETIME
#define ROW(obis, attr, cls, type, unit, m, conv) {{obis, attr, cls, type, 0, unit}, AT(m), conv}
#define EN(c, e, unit, m) \
    ROW(OB(1, 1, c, 8, e, 255), 2u, CLASS_REGISTER, OMP_VT_U32, unit, m, CV_MICRO)
#define PK(c, e, unit, m)                                                                     \
    ROW(OB(1, 1, c, 6, e, 255), 2u, CLASS_EXT_REGISTER, OMP_VT_U32, unit, m.value, CV_U32),   \
    ROW(OB(1, 1, c, 6, e, 255), 5u, CLASS_EXT_REGISTER, DT, OMP_UNIT_NONE, m.utc, CV_TIME)
#define ACC(c, e, unit, m) \
    ROW(OB(1, 1, c, 2, e, 255), 2u, CLASS_REGISTER, OMP_VT_U32, unit, m, CV_U64)

static const struct row k_rows[] = {
    /* general */
    ROW(OB(0, 1, 1, 0, 0, 255), 2u, CLASS_CLOCK, DT, OMP_UNIT_NONE, utc, CV_TIME),
    ROW(OB(0, 1, 96, 8, 0, 255), 2u, CLASS_REGISTER, OMP_VT_U32, OMP_UNIT_HOUR, hours, CV_U32),
    ROW(OB(1, 1, 0, 1, 0, 255), 2u, CLASS_DATA, OMP_VT_U8, OMP_UNIT_NONE, billing_count, CV_U32),
    ROW(OB(1, 1, 96, 51, 2, 255), 2u, CLASS_DATA, OMP_VT_U8, OMP_UNIT_NONE, threshold_count,
        CV_U32),
    ROW(OB(1, 1, 0, 128, 1, 255), 2u, CLASS_DATA, OMP_VT_U32, OMP_UNIT_NONE, pulse_milli,
        CV_MILLI),
    /* energy: A+, A-, R+, R-; A+ tariffs 1-4; R+ tariffs 1-4; E+, E- */
    EN(1, 0, OMP_UNIT_WH, energy.total.a_plus_uwh),
    EN(2, 0, OMP_UNIT_WH, energy.total.a_minus_uwh),
    EN(3, 0, OMP_UNIT_VARH, energy.total.r_plus_uvarh),
    EN(4, 0, OMP_UNIT_VARH, energy.total.r_minus_uvarh),
    EN(1, 1, OMP_UNIT_WH, energy.a_plus_t[0]),
#if OMP_CONFIG_TARIFFS >= 2
    EN(1, 2, OMP_UNIT_WH, energy.a_plus_t[1]),
#endif
#if OMP_CONFIG_TARIFFS >= 3
    EN(1, 3, OMP_UNIT_WH, energy.a_plus_t[2]),
#endif
#if OMP_CONFIG_TARIFFS >= 4
    EN(1, 4, OMP_UNIT_WH, energy.a_plus_t[3]),
#endif
    EN(3, 1, OMP_UNIT_VARH, energy.r_plus_t[0]),
#if OMP_CONFIG_TARIFFS >= 2
    EN(3, 2, OMP_UNIT_VARH, energy.r_plus_t[1]),
#endif
#if OMP_CONFIG_TARIFFS >= 3
    EN(3, 3, OMP_UNIT_VARH, energy.r_plus_t[2]),
#endif
#if OMP_CONFIG_TARIFFS >= 4
    EN(3, 4, OMP_UNIT_VARH, energy.r_plus_t[3]),
#endif
    EN(9, 0, OMP_UNIT_VAH, energy.total.e_plus_uvah),
    EN(10, 0, OMP_UNIT_VAH, energy.total.e_minus_uvah),
    /* maxima, each with its time, class 4 capture_time; no Q+max T1/T2 (see above) */
    PK(1, 0, OMP_UNIT_W, peaks.p_plus),
    PK(1, 1, OMP_UNIT_W, peaks.p_plus_t[0]),
    PK(1, 2, OMP_UNIT_W, peaks.p_plus_t[1]),
    PK(3, 0, OMP_UNIT_VAR, peaks.q_plus),
    PK(9, 0, OMP_UNIT_VA, peaks.s_plus),
    PK(10, 0, OMP_UNIT_VA, peaks.s_minus),
    /* accumulated maxima */
    ACC(1, 0, OMP_UNIT_W, acc.p_plus),
    ACC(1, 1, OMP_UNIT_W, acc.p_plus_t[0]),
    ACC(1, 2, OMP_UNIT_W, acc.p_plus_t[1]),
    ACC(3, 0, OMP_UNIT_VAR, acc.q_plus),
};

_Static_assert(sizeof k_rows / sizeof k_rows[0] == OMP_BILLING_COLUMNS,
               "OMP_BILLING_COLUMNS counts the rows of k_rows");

const struct omp_billing_col *omp_billing_col(unsigned k)
{
    return k < OMP_BILLING_COLUMNS ? &k_rows[k].col : NULL;
}

omp_err omp_billing_value(const struct omp_regs_snapshot *s, unsigned k, int64_t *v)
{
    if (s == NULL || v == NULL || k >= OMP_BILLING_COLUMNS) {
        return OMP_ERR_ARG;
    }
    const struct row *r = &k_rows[k];
    const unsigned char *at = (const unsigned char *)s + r->off;
    uint64_t u = 0;
    uint32_t u32 = 0;
    switch ((enum conv)r->conv) {
    case CV_TIME:
        memcpy(v, at, sizeof *v); /* omp_time_s is int64_t */
        return OMP_OK;
    case CV_U32:
        memcpy(&u32, at, sizeof u32);
        u = u32;
        break;
    case CV_MILLI:
        memcpy(&u, at, sizeof u);
        u /= 1000u;
        break;
    case CV_MICRO:
        memcpy(&u, at, sizeof u);
        u /= 1000000u;
        break;
    default:
        memcpy(&u, at, sizeof u);
        break;
    }
    *v = u > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)u;
    return OMP_OK;
}

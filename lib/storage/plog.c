/*
 * Packed log: a ring of sectors of variable-size entries (plog.h; entry format plog_codec.c;
 * docs/storage.md "Packed log"). Invariants:
 *  - the head is the sector with the highest sector sequence; entries are appended behind its
 *    last programmed byte, each program unit written once;
 *  - the first entry of every sector is full (it carries its number, time and values), and so is
 *    every OMP_PLOG_FULL_EVERY-th; the others are differences from the entry before them;
 *  - entry numbers are consecutive in append order; a torn entry's number is not used up (the
 *    next entry gets it), and after a torn entry the head takes no more (the next append rotates),
 *    so inside a sector an unreadable entry is followed only by erased bytes or by entries;
 *  - so the sectors' first numbers grow in ring order, up to the head's entries;
 *  - when the head is full the sector after it is erased (its entries, the oldest, are dropped).
 */
#include <string.h>

#include "plog_priv.h"

enum rec_state { REC_OK, REC_ERASED, REC_BADLEN, REC_BADCRC };

struct walk {
    uint32_t end_off;           /* offset after the last stored entry */
    uint32_t no;                /* number of the last entry counted (0: none) */
    uint32_t since_full;
    bool have;                  /* `last` decoded (a base for the next) */
    bool closed;                /* a torn entry ends the sector */
    uint32_t cleared;           /* the number a clear marker in it gave (0: none) */
    struct omp_plog_entry last;
};

static struct omp_stg_io plog_io(struct omp_plog *l, uint32_t *reads)
{
    struct omp_stg_io io = {&l->rgn, &l->geo, &l->stats, reads};
    return io;
}

/* Reads need no statistics: an io whose counters go to @p scratch. */
static struct omp_stg_io read_io(const struct omp_plog *l, struct omp_storage_stats *scratch)
{
    struct omp_stg_io io = {&l->rgn, &l->geo, scratch, NULL};
    return io;
}

static uint32_t round_unit(const struct omp_plog *l, uint32_t n)
{
    uint32_t pu = l->geo.program_unit;
    return (n + pu - 1u) / pu * pu;
}

static uint32_t sector_addr(const struct omp_plog *l, uint32_t sector)
{
    return l->rgn.base + sector * l->geo.sector_size;
}

/* The header's length field: the column count and the period in minutes, so that a log of
 * another shape is foreign. */
static uint16_t shape(const struct omp_plog_def *def)
{
    return (uint16_t)(def->columns | ((def->period_s / 60u) << 5));
}

static omp_err read_header(const struct omp_plog *l, const struct omp_stg_io *io, uint32_t sector,
                           struct omp_stg_sector *h, bool *valid, bool *blank)
{
    return omp_stg_sector_read(io, sector_addr(l, sector), OMP_STG_KIND_PLOG, l->def.tag,
                               shape(&l->def), h, valid, blank);
}

/* Load the stored entry at @p off of @p sector into @p buf (OMP_PLOG_REC_MAX bytes); @p size
 * gets its bytes on the NVM. */
static omp_err load(const struct omp_plog *l, const struct omp_stg_io *io, uint32_t sector,
                    uint32_t off, uint8_t *buf, enum rec_state *st, uint32_t *size)
{
    *st = REC_ERASED;
    *size = 0;
    if (off + 3u > l->geo.sector_size) { /* the shortest entry does not fit */
        return OMP_OK;
    }
    omp_err err = omp_stg_read(io, sector_addr(l, sector) + off, buf, 1u);
    if (err != OMP_OK || buf[0] == l->geo.erase_value) {
        return err;
    }
    uint32_t len = omp_plog_priv_short(buf) ? l->short_len : omp_plog_priv_len(&l->def, buf[0]);
    *st = REC_BADLEN;
    if (len == 0u || off + len > l->geo.sector_size) {
        return OMP_OK;
    }
    err = omp_stg_read(io, sector_addr(l, sector) + off, buf, len);
    *size = round_unit(l, len);
    *st = omp_plog_priv_crc_ok(buf, len) ? REC_OK : REC_BADCRC;
    return err;
}

/* The number of the full entry (or clear marker, then *@p marker) that starts @p sector (0:
 * none readable). */
static omp_err sector_first(const struct omp_plog *l, const struct omp_stg_io *io, uint32_t sector,
                            uint32_t *no, bool *marker)
{
    uint8_t buf[OMP_PLOG_REC_MAX];
    struct omp_stg_sector h;
    bool valid, blank;
    enum rec_state st = REC_ERASED;
    uint32_t size;
    struct omp_plog_entry e;
    *no = 0;
    omp_err err = read_header(l, io, sector, &h, &valid, &blank);
    if (err == OMP_OK && valid) {
        err = load(l, io, sector, OMP_STORE_SECTOR_HDR, buf, &st, &size);
    }
    bool full = err == OMP_OK && st == REC_OK && omp_plog_priv_full(buf);
    enum omp_plog_priv_dec d = full ? omp_plog_priv_decode(&l->def, l->width, buf, NULL, 0, &e, no)
                                    : OMP_PLOG_DEC_BAD;
    *marker = d == OMP_PLOG_DEC_CLEAR;
    if (d != OMP_PLOG_DEC_OK && d != OMP_PLOG_DEC_CLEAR) {
        *no = 0;
    }
    return err;
}

/* One stored entry of a walk: decoded onto the previous one, or counted as unreadable.
 * @return true if it was readable. */
static bool walk_entry(const struct omp_plog *l, const uint8_t *buf, enum rec_state st,
                       struct walk *w)
{
    struct omp_plog_entry e;
    uint32_t no = 0;
    enum omp_plog_priv_dec d = OMP_PLOG_DEC_BAD;
    if (st == REC_OK) {
        d = omp_plog_priv_decode(&l->def, l->width, buf, w->have ? &w->last : NULL, w->no, &e, &no);
    }
    if (d == OMP_PLOG_DEC_CLEAR) { /* a clear: the entries after it start at its number */
        w->no = no - 1u;
        w->have = false;
        w->since_full = 0;
        w->cleared = no;
        return true;
    }
    if (d == OMP_PLOG_DEC_OK && w->no != 0u && no != w->no + 1u) {
        d = OMP_PLOG_DEC_BAD; /* a full entry out of sequence: a flipped bit that kept the CRC */
    }
    if (d == OMP_PLOG_DEC_OK) {
        w->last = e;
        w->no = no;
        w->have = true;
        w->since_full = omp_plog_priv_full(buf) ? 0u : w->since_full + 1u;
        return true;
    }
    w->no = w->no != 0u ? w->no + 1u : 0u; /* an entry, unreadable: the base is lost */
    w->have = false;
    return false;
}

/* Every stored entry of @p sector, from its start: the last one, its number, where the next
 * goes. Damage counts in stats.damaged: an unreadable entry with more behind it (a torn one is
 * the last), bytes that are not erased behind the end. */
static omp_err walk(struct omp_plog *l, const struct omp_stg_io *io, uint32_t sector,
                    struct walk *w)
{
    uint8_t buf[OMP_PLOG_REC_MAX];
    memset(w, 0, sizeof *w);
    uint32_t off = OMP_STORE_SECTOR_HDR, size = 0, damaged = 0;
    enum rec_state st = REC_OK;
    bool bad = false;
    struct walk before = *w; /* the state before the newest entry: kept if that one was torn */
    omp_err err = OMP_OK;
    while (err == OMP_OK) {
        err = load(l, io, sector, off, buf, &st, &size);
        if (err != OMP_OK || st == REC_ERASED || st == REC_BADLEN) {
            break;
        }
        damaged += bad ? 1u : 0u;
        before = *w;
        bad = !walk_entry(l, buf, st, w);
        off += size;
    }
    if (bad) { /* the last one was torn: its number was never used, its base still holds */
        *w = before;
    }
    /* a torn unit may leave the length byte erased and later bytes of the unit programmed */
    uint32_t unit = l->geo.program_unit, used = 0, torn = 0;
    if (err == OMP_OK && st == REC_ERASED && off + unit <= l->geo.sector_size) {
        err = omp_stg_used_end(io, sector_addr(l, sector) + off, unit, &torn);
    }
    w->closed = bad || st == REC_BADLEN || torn != 0u;
    uint32_t from = off + (st == REC_BADLEN || torn != 0u ? unit : 0u);
    if (err == OMP_OK && from < l->geo.sector_size) {
        err = omp_stg_used_end(io, sector_addr(l, sector) + from, l->geo.sector_size - from, &used);
    }
    l->stats.damaged += (damaged != 0u || used != 0u) ? 1u : 0u;
    w->end_off = off;
    return err;
}

/* No header of this log: sector 0 becomes an empty head when the region is new. */
static omp_err start_new(struct omp_plog *l, const struct omp_stg_io *io)
{
    l->head = 0;
    l->head_off = OMP_STORE_SECTOR_HDR;
    l->first_no = 1u;
    l->next_no = 1u;
    if (l->stats.damaged != 0u || l->frozen) {
        return OMP_OK;
    }
    uint32_t used;
    omp_err err = omp_stg_used_end(io, l->rgn.base, l->geo.sector_size, &used);
    if (err == OMP_OK && used != 0u) {
        err = omp_stg_erase(io, l->rgn.base); /* a torn format's header */
    }
    struct omp_stg_sector fmt = {OMP_STG_KIND_PLOG, l->def.tag, shape(&l->def), 1u,
                                 l->stats.max_sector_erases};
    l->sector_seq = 1u;
    return err != OMP_OK ? err : omp_stg_sector_write(io, l->rgn.base, &fmt);
}

/* The oldest sector's first entry number (the oldest held), 0 if no sector has one. The sectors'
 * first numbers grow in ring order up to next_no, and no further back than the region can hold
 * entries (each takes a program unit at least); a sector whose first number does not fit is not
 * this log's: passed over and counted in *@p odd. */
static omp_err oldest_first(const struct omp_plog *l, const struct omp_stg_io *io, uint32_t *no,
                            uint32_t *odd)
{
    const uint64_t most = (uint64_t)l->rgn.sectors *
                          ((l->geo.sector_size - OMP_STORE_SECTOR_HDR) / round_unit(l, 3u));
    uint32_t before = 0, first = 0;
    *no = 0;
    omp_err err = OMP_OK;
    for (uint32_t k = 1; err == OMP_OK && k <= l->rgn.sectors; k++) {
        bool marker = false;
        err = sector_first(l, io, (l->head + k) % l->rgn.sectors, &first, &marker);
        if (first == 0u) {
            continue;
        }
        if (first < before || (first == before && !marker) || first > l->next_no ||
            l->next_no - first > most) {
            (*odd)++;
            continue;
        }
        before = first;
        *no = (*no == 0u || marker) ? first : *no; /* a clear drops what is before it */
    }
    return err;
}

/* The sector after the head is the one a rotation erases. An erase that a power cut interrupted
 * may have left its header and its first entries, the rest erased: then its entries do not run up
 * to the next sector's first, and it is the spare of that rotation, its entries dropped (without
 * this the erased ones read as unreadable). A sector that ends early otherwise (a torn entry, an
 * entry that did not fit) leaves no gap: a torn entry's number goes to the next entry. */
static omp_err torn_oldest(struct omp_plog *l, const struct omp_stg_io *io)
{
    uint32_t nx = (l->head + 1u) % l->rgn.sectors, first = 0, next = 0;
    bool marker = false;
    omp_err err = sector_first(l, io, nx, &first, &marker);
    if (err != OMP_OK || first == 0u || first != l->first_no || nx == l->head) {
        return err;
    }
    err = sector_first(l, io, (nx + 1u) % l->rgn.sectors, &next, &marker);
    if (err != OMP_OK || next <= first || next > l->next_no) {
        return err;
    }
    struct walk w;
    uint32_t damaged = l->stats.damaged; /* what a torn erase left is not damage */
    err = walk(l, io, nx, &w);
    l->stats.damaged = damaged;
    if (err == OMP_OK && w.no + 1u < next) {
        l->first_no = next;
    }
    return err;
}

/* The sector after the head without a valid header is a torn rotation's, unless it starts with
 * an entry newer than the ring's: then its header was damaged. */
static omp_err check_spare(struct omp_plog *l, const struct omp_stg_io *io)
{
    uint32_t nx = (l->head + 1u) % l->rgn.sectors;
    struct omp_stg_sector h;
    bool valid, blank;
    uint8_t buf[OMP_PLOG_REC_MAX];
    enum rec_state st = REC_ERASED;
    uint32_t size, no = 0;
    struct omp_plog_entry e;
    omp_err err = read_header(l, io, nx, &h, &valid, &blank);
    if (err == OMP_OK && !valid && !blank) {
        err = load(l, io, nx, OMP_STORE_SECTOR_HDR, buf, &st, &size);
    }
    if (err == OMP_OK && st == REC_OK &&
        omp_plog_priv_decode(&l->def, l->width, buf, NULL, 0, &e, &no) == OMP_PLOG_DEC_OK &&
        no >= l->next_no) {
        l->stats.damaged++;
    }
    return err;
}

/* Headers: the head (highest sequence), the wear; *any if one is this log's. */
static omp_err find_head(struct omp_plog *l, const struct omp_stg_io *io, bool *any)
{
    *any = false;
    for (uint32_t i = 0; i < l->rgn.sectors; i++) {
        struct omp_stg_sector h;
        bool valid, blank;
        omp_err err = read_header(l, io, i, &h, &valid, &blank);
        if (err != OMP_OK) {
            return err;
        }
        l->stats.scan_bad += (!valid && !blank) ? 1u : 0u;
        if (valid) {
            l->stats.max_sector_erases =
                h.erases > l->stats.max_sector_erases ? h.erases : l->stats.max_sector_erases;
            if (!*any || h.seq > l->sector_seq) {
                l->sector_seq = h.seq;
                l->head = i;
            }
            *any = true;
        }
    }
    return OMP_OK;
}

static omp_err scan(struct omp_plog *l)
{
    struct omp_stg_io io = plog_io(l, &l->stats.scan_reads);
    bool any;
    omp_err err = omp_stg_survey(&io, OMP_STG_KIND_PLOG, l->def.tag, shape(&l->def),
                                 &l->stats.damaged);
    if (err == OMP_OK) {
        err = find_head(l, &io, &any);
    }
    if (err != OMP_OK || !any) {
        return err != OMP_OK ? err : start_new(l, &io);
    }
    struct walk w, prev;
    err = walk(l, &io, l->head, &w);
    prev = w;
    /* no entry in the head (or only torn ones): the newest sector before it that has one */
    for (uint32_t k = 1; err == OMP_OK && prev.no == 0u && k < l->rgn.sectors; k++) {
        uint32_t i = (l->head + l->rgn.sectors - k) % l->rgn.sectors;
        struct omp_stg_sector h;
        bool valid, blank;
        err = read_header(l, &io, i, &h, &valid, &blank);
        if (err == OMP_OK && valid) {
            uint32_t dmg = l->stats.damaged; /* an older sector's end is not the head's */
            err = walk(l, &io, i, &prev);
            l->stats.damaged = dmg;
        }
    }
    l->head_off = w.end_off;
    l->head_closed = w.closed;
    l->have_last = prev.have;
    l->last = prev.last;
    l->since_full = prev.since_full;
    l->next_no = prev.no + 1u;
    uint32_t first = 0, odd = 0;
    if (err == OMP_OK) {
        err = oldest_first(l, &io, &first, &odd);
    }
    l->first_no = first != 0u ? first : l->next_no;
    l->stats.damaged += odd != 0u ? 1u : 0u;
    if (err == OMP_OK) {
        err = torn_oldest(l, &io);
    }
    return err == OMP_OK ? check_spare(l, &io) : err;
}

/* Worst-case entries one sector holds (0: a full entry does not fit). */
static uint32_t per_sector(const struct omp_plog_def *def, const struct omp_nvm_geometry *geo)
{
    uint32_t pu = geo->program_unit != 0u ? geo->program_unit : 1u;
    uint32_t full = (omp_plog_priv_worst(def, true) + pu - 1u) / pu * pu;
    uint32_t plain = omp_plog_entry_bytes(def, geo);
    uint32_t room = geo->sector_size > OMP_STORE_SECTOR_HDR ? geo->sector_size -
                                                                   OMP_STORE_SECTOR_HDR
                                                             : 0u;
    if (full > room) {
        return 0u;
    }
    uint32_t n = 1, used = full; /* entry n of a sector is full when n % FULL_EVERY == 0 */
    for (;;) {
        uint32_t sz = (n % OMP_PLOG_FULL_EVERY) == 0u ? full : plain;
        if (used + sz > room) {
            break;
        }
        used += sz;
        n++;
    }
    return n;
}

omp_err omp_plog_open(struct omp_plog *l, const struct omp_nvm_region *r,
                      const struct omp_plog_def *def, bool read_only)
{
    struct omp_nvm_geometry geo;
    if (l == NULL || def == NULL || def->columns > OMP_PLOG_COLUMNS_MAX ||
        def->period_s / 60u > 2047u) {
        return OMP_ERR_ARG;
    }
    for (unsigned k = 0; k < def->columns; k++) {
        if (def->kind[k] > OMP_PLOG_SIGNED) {
            return OMP_ERR_ARG;
        }
    }
    omp_err err = omp_stg_region(r, &geo);
    if (err != OMP_OK) {
        return err;
    }
    if (per_sector(def, &geo) == 0u) {
        return OMP_ERR_ARG;
    }
    memset(l, 0, sizeof *l);
    l->rgn = *r;
    l->geo = geo;
    l->def = *def;
    l->frozen = read_only;
    (void)omp_plog_priv_widths(def, l->width);
    l->short_len = (uint8_t)omp_plog_priv_len(def, OMP_PLOG_SHORT);
    err = scan(l);
    return err == OMP_OK && l->stats.damaged != 0u ? OMP_ERR_NVM_CORRUPT : err;
}

uint32_t omp_plog_count(const struct omp_plog *l)
{
    return l == NULL ? 0u : l->next_no - l->first_no;
}

uint32_t omp_plog_no_of_index(const struct omp_plog *l, uint32_t index)
{
    if (index == 0u || index > omp_plog_count(l)) {
        return 0u;
    }
    return l->first_no + index - 1u;
}

uint32_t omp_plog_no_of_age(const struct omp_plog *l, uint32_t age)
{
    if (age >= omp_plog_count(l)) {
        return 0u;
    }
    return l->next_no - 1u - age;
}

omp_err omp_plog_next_in(const struct omp_plog *l, struct omp_plog_cursor *c, omp_time_s from,
                         omp_time_s to, struct omp_plog_entry *out, uint32_t *no)
{
    if (l == NULL || out == NULL) {
        return OMP_ERR_ARG;
    }
    for (;;) {
        omp_err err = omp_plog_next(l, c, out, no);
        if (err != OMP_OK) {
            return err;
        }
        if ((out->status & OMP_PLOG_ST_INVALID) == 0u && out->t >= from && out->t <= to) {
            return OMP_OK;
        }
    }
}

uint32_t omp_plog_entry_bytes(const struct omp_plog_def *def, const struct omp_nvm_geometry *geo)
{
    uint32_t pu = geo->program_unit != 0u ? geo->program_unit : 1u;
    return (omp_plog_priv_worst(def, false) + pu - 1u) / pu * pu;
}

/* One sector is the ring's spare, and one more is what a power cut during an append costs (it
 * closes the head early) until that sector is dropped. */
uint32_t omp_plog_capacity(const struct omp_plog_def *def, const struct omp_nvm_geometry *geo,
                           uint32_t sectors)
{
    return sectors < 3u ? 0u : per_sector(def, geo) * (sectors - 2u);
}

/* Erase the sector after the head (dropping its entries) and make it the head. A head that holds
 * nothing readable (its first entry, a full one, was torn) is erased and started again instead:
 * rotating out of it would drop the oldest entries for nothing, and the entries before it are the
 * ones that tell the numbers (with two sectors, the only ones: a cut in that erase lost them). A
 * cut in the head's own erase leaves it the spare after the sector before it, as a rotation's. */
static omp_err rotate(struct omp_plog *l)
{
    if (l->sector_seq == UINT32_MAX) {
        return OMP_ERR_NVM_WORN;
    }
    struct omp_stg_io io = plog_io(l, NULL);
    uint32_t head_first = 0;
    bool marker = false, valid = false, blank = false;
    omp_err err = sector_first(l, &io, l->head, &head_first, &marker);
    bool again = err == OMP_OK && head_first == 0u && l->head_off != OMP_STORE_SECTOR_HDR;
    uint32_t nx = again ? l->head : (l->head + 1u) % l->rgn.sectors;
    struct omp_stg_sector h;
    if (err == OMP_OK) {
        err = read_header(l, &io, nx, &h, &valid, &blank);
    }
    uint32_t erases = valid ? h.erases + 1u : l->stats.max_sector_erases;
    l->stats.max_sector_erases =
        erases > l->stats.max_sector_erases ? erases : l->stats.max_sector_erases;
    if (err == OMP_OK) {
        err = omp_stg_erase(&io, sector_addr(l, nx));
    }
    if (err == OMP_OK) {
        struct omp_stg_sector nh = {OMP_STG_KIND_PLOG, l->def.tag, shape(&l->def),
                                    l->sector_seq + 1u, erases};
        err = omp_stg_sector_write(&io, sector_addr(l, nx), &nh);
    }
    if (err != OMP_OK) {
        return err;
    }
    l->head = nx;
    l->head_off = OMP_STORE_SECTOR_HDR;
    l->head_closed = false;
    l->sector_seq++;
    if (again) {
        return OMP_OK; /* nothing dropped */
    }
    uint32_t first = 0, odd = 0;
    err = oldest_first(l, &io, &first, &odd); /* the new oldest sector's first entry */
    l->first_no = first != 0u ? first : l->next_no;
    return err;
}

/* Encode @p e for the head; *len its stored length. Full at a sector's start, every
 * OMP_PLOG_FULL_EVERY entries, without a base, or when a counter went down. */
static uint32_t encode(const struct omp_plog *l, const struct omp_plog_entry *e, uint8_t *buf)
{
    bool full = !l->have_last || l->head_off == OMP_STORE_SECTOR_HDR ||
                l->since_full + 1u >= OMP_PLOG_FULL_EVERY;
    for (unsigned k = 0; !full && k < l->def.columns; k++) {
        full = l->def.kind[k] == OMP_PLOG_COUNTER && e->v[k] < l->last.v[k];
    }
    size_t len = omp_plog_priv_encode(&l->def, e, l->next_no, full ? NULL : &l->last, buf);
    uint32_t size = round_unit(l, (uint32_t)len);
    memset(buf + len, l->geo.erase_value, size - len);
    return size;
}

static omp_err append(struct omp_plog *l, const struct omp_plog_entry *e)
{
    for (unsigned k = 0; k < l->def.columns; k++) {
        if (l->def.kind[k] == OMP_PLOG_COUNTER && e->v[k] < 0) {
            return OMP_ERR_ARG;
        }
    }
    if (l->stats.damaged != 0u || l->frozen) {
        return OMP_ERR_NVM_CORRUPT; /* keep the evidence */
    }
    if (l->next_no == UINT32_MAX) {
        return OMP_ERR_NVM_WORN;
    }
    uint8_t buf[OMP_PLOG_REC_MAX + 16u];
    uint32_t size = encode(l, e, buf);
    omp_err err = OMP_OK;
    if (l->head_closed || l->head_off + size > l->geo.sector_size) {
        err = rotate(l);
        size = err == OMP_OK ? encode(l, e, buf) : 0u; /* full now */
    }
    if (err != OMP_OK) {
        return err;
    }
    struct omp_stg_io io = plog_io(l, NULL);
    bool full = omp_plog_priv_full(buf);
    err = omp_stg_program(&io, sector_addr(l, l->head) + l->head_off, buf, size);
    l->head_off += size;
    if (err != OMP_OK) {
        return err;
    }
    l->last = *e;
    l->have_last = true;
    l->since_full = full ? 0u : l->since_full + 1u;
    l->next_no++;
    return OMP_OK;
}

omp_err omp_plog_append(struct omp_plog *l, const struct omp_plog_entry *e)
{
    if (l == NULL || e == NULL || l->rgn.ops == NULL) {
        return OMP_ERR_ARG;
    }
    omp_err err = omp_plog_refresh(l); /* after a HAL error: what the NVM holds now */
    if (err != OMP_OK) {
        return err;
    }
    err = append(l, e);
    if (err != OMP_OK && err != OMP_ERR_ARG && err != OMP_ERR_NVM_WORN &&
        err != OMP_ERR_NVM_CORRUPT) {
        l->stale = true; /* the HAL failed part-way: only a scan knows what the NVM holds now */
    }
    return err;
}

omp_err omp_plog_refresh(struct omp_plog *l)
{
    if (l == NULL) {
        return OMP_ERR_ARG;
    }
    if (!l->stale) {
        return OMP_OK;
    }
    const struct omp_nvm_region r = l->rgn;
    const struct omp_plog_def def = l->def;
    omp_err err = omp_plog_open(l, &r, &def, l->frozen);
    l->stale = err != OMP_OK && err != OMP_ERR_NVM_CORRUPT;
    if (l->rgn.ops == NULL) {
        l->rgn = r;
        l->def = def;
    }
    return err;
}

omp_err omp_plog_format(struct omp_plog *l)
{
    if (l == NULL || l->rgn.ops == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_stg_io io = plog_io(l, NULL);
    omp_err err = OMP_OK;
    for (uint32_t i = 0; err == OMP_OK && i < l->rgn.sectors; i++) {
        err = omp_stg_erase(&io, sector_addr(l, i));
    }
    const struct omp_nvm_region r = l->rgn;
    const struct omp_plog_def def = l->def;
    if (err == OMP_OK) {
        err = omp_plog_open(l, &r, &def, false);
    }
    l->stale = err != OMP_OK;
    return err;
}

omp_err omp_plog_clear(struct omp_plog *l)
{
    if (l == NULL || l->rgn.ops == NULL) {
        return OMP_ERR_ARG;
    }
    omp_err err = omp_plog_refresh(l);
    if (err != OMP_OK) {
        return err;
    }
    if (l->frozen || l->stats.damaged != 0u) {
        return OMP_ERR_NVM_CORRUPT; /* keep the evidence */
    }
    /* a marker at the start of a fresh head: entries before its number are gone from then on
     * (the older sectors die by rotation). A cut before the marker is whole leaves the log as it
     * was: a clear is all or nothing, and its numbers survive a restart. */
    err = rotate(l);
    uint8_t buf[OMP_PLOG_REC_MAX + 16u];
    uint32_t size = 0;
    if (err == OMP_OK) {
        size_t len = omp_plog_priv_encode(&l->def, NULL, l->next_no, NULL, buf);
        size = round_unit(l, (uint32_t)len);
        memset(buf + len, l->geo.erase_value, size - len);
        struct omp_stg_io io = plog_io(l, NULL);
        err = omp_stg_program(&io, sector_addr(l, l->head) + l->head_off, buf, size);
        l->head_off += size;
    }
    if (err != OMP_OK) {
        l->stale = true;
        return err;
    }
    l->first_no = l->next_no;
    l->have_last = false;
    l->since_full = 0;
    return OMP_OK;
}

/* ---- reading ------------------------------------------------------------------------------- */

/* Entry @p no as unreadable. */
static void invalid(struct omp_plog_entry *out, uint32_t no, uint32_t *pno)
{
    memset(out, 0, sizeof *out);
    out->status = OMP_PLOG_ST_INVALID;
    if (pno != NULL) {
        *pno = no;
    }
}

/* The first number of the sector after @p sector that has one (UINT32_MAX from the head): what
 * the unreadable entries of @p sector may number up to, so that a sector holding more than its
 * numbers allow (damage the survey cannot see) does not shift the sectors after it. */
static omp_err cap_of(const struct omp_plog *l, const struct omp_stg_io *io, uint32_t sector,
                      uint32_t *cap)
{
    *cap = UINT32_MAX;
    omp_err err = OMP_OK;
    for (uint32_t i = sector; err == OMP_OK && i != l->head && *cap == UINT32_MAX;) {
        i = (i + 1u) % l->rgn.sectors;
        uint32_t first = 0;
        bool marker;
        err = sector_first(l, io, i, &first, &marker);
        *cap = first != 0u ? first : UINT32_MAX;
    }
    return err;
}

/* Move @p c to the next sector in ring order that has a header of this log; false at the head. */
static omp_err next_sector(const struct omp_plog *l, const struct omp_stg_io *io,
                           struct omp_plog_cursor *c, bool *more)
{
    *more = false;
    while (c->sector != l->head) {
        c->sector = (c->sector + 1u) % l->rgn.sectors;
        c->off = OMP_STORE_SECTOR_HDR;
        c->have_base = false;
        struct omp_stg_sector h;
        bool valid, blank;
        omp_err err = read_header(l, io, c->sector, &h, &valid, &blank);
        if (err == OMP_OK && valid) {
            err = cap_of(l, io, c->sector, &c->cap);
        }
        if (err != OMP_OK || valid) {
            *more = err == OMP_OK;
            return err;
        }
    }
    return OMP_OK;
}

/* One stored entry at the cursor: 1 returned in @p out, 0 skipped (older than the cursor). */
static int take(const struct omp_plog *l, struct omp_plog_cursor *c, const uint8_t *buf,
                enum rec_state st, uint32_t size, struct omp_plog_entry *out, uint32_t *no)
{
    struct omp_plog_entry e;
    uint32_t rno = 0;
    enum omp_plog_priv_dec d = OMP_PLOG_DEC_BAD;
    if (st == REC_OK) {
        d = omp_plog_priv_decode(&l->def, l->width, buf, c->have_base ? &c->base : NULL, c->no - 1u, &e,
                                 &rno);
    }
    if (d == OMP_PLOG_DEC_CLEAR) { /* a clear marker: no entry; what follows starts at rno */
        c->off += size;
        c->have_base = false;
        return 0;
    }
    if (d == OMP_PLOG_DEC_OK && c->have_base && rno != c->no) {
        d = OMP_PLOG_DEC_BAD; /* out of sequence after a readable entry (walk_entry) */
    }
    if (st == REC_BADCRC || d == OMP_PLOG_DEC_BAD) {
        /* torn (a torn one's number is the next entry's: no number is used), or a flipped bit:
           the entries after it are unreadable up to a full one, which fills the numbers in */
        c->off += size;
        c->have_base = false;
        return 0;
    }
    if (d == OMP_PLOG_DEC_OK && rno > c->no) { /* entries missing before it: unreadable */
        invalid(out, c->no++, no);
        return 1;
    }
    c->off += size;
    if (d != OMP_PLOG_DEC_OK) {
        c->have_base = false;
        if (c->no >= c->cap) {
            return 0; /* more entries than the sector's numbers: not numbered */
        }
        invalid(out, c->no++, no);
        return 1;
    }
    if (omp_plog_priv_full(buf)) { /* a full entry: reading may start again here */
        c->at_sector = c->sector;
        c->at_off = c->off - size;
        c->at_no = rno;
    }
    c->base = e;
    c->have_base = true;
    if (rno < c->no) {
        return 0;
    }
    *out = e;
    if (no != NULL) {
        *no = c->no;
    }
    c->no++;
    return 1;
}

omp_err omp_plog_next(const struct omp_plog *l, struct omp_plog_cursor *c,
                      struct omp_plog_entry *out, uint32_t *no)
{
    if (l == NULL || c == NULL || out == NULL || l->rgn.ops == NULL) {
        return OMP_ERR_ARG;
    }
    if (c->seq != l->sector_seq && c->no < c->end_no) {
        /* the ring turned since the cursor was placed: its sector may hold other entries now */
        uint32_t end = c->end_no, no_at = c->no;
        omp_err err = omp_plog_seek(l, no_at, c);
        c->end_no = end;
        if (err != OMP_OK) {
            return err;
        }
    }
    struct omp_storage_stats scratch;
    struct omp_stg_io io = read_io(l, &scratch);
    uint8_t buf[OMP_PLOG_REC_MAX];
    while (c->no < c->end_no) {
        enum rec_state st;
        uint32_t size;
        omp_err err = load(l, &io, c->sector, c->off, buf, &st, &size);
        if (err != OMP_OK) {
            return err;
        }
        if (st == REC_ERASED || st == REC_BADLEN) {
            bool more;
            err = next_sector(l, &io, c, &more);
            if (err != OMP_OK) {
                return err;
            }
            if (!more) { /* the ring ends before end_no: what is left was unreadable */
                invalid(out, c->no++, no);
                return OMP_OK;
            }
            continue;
        }
        if (take(l, c, buf, st, size, out, no) == 1) {
            return OMP_OK;
        }
    }
    return OMP_ERR_NOT_FOUND;
}

omp_err omp_plog_seek(const struct omp_plog *l, uint32_t no, struct omp_plog_cursor *c)
{
    if (l == NULL || c == NULL || l->rgn.ops == NULL) {
        return OMP_ERR_ARG;
    }
    memset(c, 0, sizeof *c);
    c->seq = l->sector_seq;
    if (no >= l->next_no) {
        return OMP_ERR_NOT_FOUND; /* end_no 0: a next() on it finds nothing either */
    }
    c->end_no = l->next_no;
    no = no < l->first_no ? l->first_no : no;
    struct omp_storage_stats scratch;
    struct omp_stg_io io = read_io(l, &scratch);
    /* the newest sector, oldest first, whose first entry is not after no */
    c->sector = l->head;
    c->no = l->first_no;
    for (uint32_t k = 1; k <= l->rgn.sectors; k++) {
        uint32_t i = (l->head + k) % l->rgn.sectors, first;
        bool marker;
        omp_err err = sector_first(l, &io, i, &first, &marker);
        if (err != OMP_OK) {
            return err;
        }
        if (first != 0u && first <= no && first >= c->no) {
            c->sector = i;
            c->no = first;
        }
    }
    c->off = OMP_STORE_SECTOR_HDR;
    c->at_sector = c->sector;
    c->at_off = c->off;
    c->at_no = c->no;
    omp_err e0 = cap_of(l, &io, c->sector, &c->cap);
    if (e0 != OMP_OK) {
        return e0;
    }
    struct omp_plog_entry skip;
    while (c->no < no) {
        omp_err err = omp_plog_next(l, c, &skip, NULL);
        if (err != OMP_OK) {
            return err;
        }
    }
    return OMP_OK;
}

void omp_plog_mark(const struct omp_plog_cursor *c, struct omp_plog_mark *m)
{
    if (c == NULL || m == NULL) {
        return;
    }
    m->seq = c->seq;
    m->sector = c->at_sector;
    m->off = c->at_off;
    m->no = c->at_no;
}

omp_err omp_plog_seek_mark(const struct omp_plog *l, const struct omp_plog_mark *m, uint32_t no,
                           struct omp_plog_cursor *c)
{
    if (l == NULL || c == NULL || l->rgn.ops == NULL) {
        return OMP_ERR_ARG;
    }
    if (m == NULL || m->no == 0u || m->seq != l->sector_seq || m->no > no || m->no < l->first_no ||
        no >= l->next_no || m->sector >= l->rgn.sectors || m->off >= l->geo.sector_size) {
        return omp_plog_seek(l, no, c);
    }
    /* the ring did not turn since the mark: its sector holds what it held, and more */
    memset(c, 0, sizeof *c);
    c->seq = l->sector_seq;
    c->end_no = l->next_no;
    c->sector = m->sector;
    c->off = m->off;
    c->no = m->no;
    c->at_sector = m->sector;
    c->at_off = m->off;
    c->at_no = m->no;
    struct omp_storage_stats scratch;
    struct omp_stg_io io = read_io(l, &scratch);
    omp_err err = cap_of(l, &io, c->sector, &c->cap);
    struct omp_plog_entry skip;
    while (err == OMP_OK && c->no < no) {
        err = omp_plog_next(l, c, &skip, NULL);
    }
    return err;
}

/*
 * Journaled key/value store over a ring of NVM sectors (format: storage_priv.h, docs/storage.md).
 *
 * Invariants between calls (after a successful open, write or a failed write that did not touch
 * the NVM):
 *  - the head is the sector with the highest sector sequence; records are appended to it;
 *  - the sector after the head is erased (the spare);
 *  - the index holds, per key, the last valid record in ring order (oldest sector = the one after
 *    the spare ... head last; within a sector, by address): later in that order is newer;
 *  - every head holds a compaction marker (key 0xFFFF, no payload) in front of the records
 *    written to it by the user: format and rotation write one; open closes a head without one
 *    (head_off = sector size). So the records of any sector take at most sector - header - marker
 *    bytes, and the live ones plus a new marker always fit an empty sector.
 *
 * Rotation (head full): write the spare's header (sequence + 1) so it becomes the head; copy the
 * records of the sector after it that the index still points to, verbatim, into the new head;
 * program a marker record (key 0xFFFF); erase that sector: it is the new spare. A power cut leaves
 * one of these states, which open repairs:
 *  - spare not blank and without a valid header (torn header, torn erase): erase it;
 *  - spare with a valid header and a marker in the head: copies done, erase interrupted: finish
 *    the compaction (copy whatever the index still points to there, erase it);
 *  - spare with a valid header and no marker in the head: copies incomplete; the head holds only
 *    copies whose originals are intact, so erase the head and scan again (state before rotation).
 */
#include <string.h>

#include "storage_priv.h"

#define MARKER_KEY 0xFFFFu

/* ---- shared helpers (declared in storage_priv.h, used by log.c too) --------------------------- */

uint32_t omp_stg_rec_size(const struct omp_nvm_geometry *geo, size_t payload)
{
    uint32_t pu = geo->program_unit;
    uint32_t raw = OMP_STORE_REC_HDR + (uint32_t)payload + OMP_STORE_REC_TRL;
    return (raw + pu - 1u) / pu * pu;
}

omp_err omp_stg_read(const struct omp_stg_io *io, uint32_t addr, void *dst, size_t len)
{
    if (io->reads != NULL) {
        (*io->reads)++;
    }
    return io->rgn->ops->nvm_read(io->rgn->user, addr, dst, len);
}

omp_err omp_stg_program(const struct omp_stg_io *io, uint32_t addr, const void *src, size_t len)
{
    io->stats->bytes_programmed += len;
    return io->rgn->ops->nvm_program(io->rgn->user, addr, src, len);
}

omp_err omp_stg_erase(const struct omp_stg_io *io, uint32_t addr)
{
    io->stats->erases++;
    return io->rgn->ops->nvm_erase(io->rgn->user, addr);
}

static uint16_t sector_check(const uint8_t b[OMP_STORE_SECTOR_HDR])
{
    uint32_t st = omp_crc32_update(OMP_CRC32_INIT, b, 6u);
    st = omp_crc32_update(st, b + 8, 8u);
    return (uint16_t)~st;
}

omp_err omp_stg_sector_write(const struct omp_stg_io *io, uint32_t addr,
                             const struct omp_stg_sector *h)
{
    uint8_t b[OMP_STORE_SECTOR_HDR];
    b[0] = OMP_STG_SECTOR_MAGIC;
    b[1] = (uint8_t)((OMP_STG_VERSION << 4) | h->kind);
    omp_stg_put16(b + 2, h->tag);
    omp_stg_put16(b + 4, h->len);
    omp_stg_put32(b + 8, h->seq);
    omp_stg_put32(b + 12, h->erases);
    omp_stg_put16(b + 6, sector_check(b));
    return omp_stg_program(io, addr, b, sizeof b);
}

omp_err omp_stg_sector_read(const struct omp_stg_io *io, uint32_t addr, uint8_t kind,
                            uint16_t tag, uint16_t len, struct omp_stg_sector *h, bool *valid,
                            bool *blank)
{
    uint8_t b[OMP_STORE_SECTOR_HDR];
    omp_err err = omp_stg_read(io, addr, b, sizeof b);
    if (err != OMP_OK) {
        return err;
    }
    *blank = true;
    for (size_t i = 0; i < sizeof b; i++) {
        *blank = *blank && b[i] == io->geo->erase_value;
    }
    h->kind = (uint8_t)(b[1] & 0x0Fu);
    h->tag = omp_stg_get16(b + 2);
    h->len = omp_stg_get16(b + 4);
    h->seq = omp_stg_get32(b + 8);
    h->erases = omp_stg_get32(b + 12);
    *valid = b[0] == OMP_STG_SECTOR_MAGIC && (b[1] >> 4) == OMP_STG_VERSION && h->kind == kind &&
             h->tag == tag && h->len == len && omp_stg_get16(b + 6) == sector_check(b);
    return OMP_OK;
}

static uint16_t rec_check(const uint8_t b[OMP_STORE_REC_HDR])
{
    return (uint16_t)omp_crc32(b, 10u);
}

omp_err omp_stg_rec_load(const struct omp_stg_io *io, uint32_t addr, uint32_t room,
                         struct omp_stg_rec *rec, enum omp_stg_rec_state *state, void *dst,
                         size_t cap)
{
    uint8_t b[OMP_STG_CHUNK];
    *state = OMP_STG_REC_BADHDR;
    if (room < OMP_STORE_REC_HDR) {
        return OMP_OK;
    }
    omp_err err = omp_stg_read(io, addr, b, OMP_STORE_REC_HDR);
    if (err != OMP_OK) {
        return err;
    }
    bool blank = true;
    for (size_t i = 0; i < OMP_STORE_REC_HDR; i++) {
        blank = blank && b[i] == io->geo->erase_value;
    }
    if (blank) {
        *state = OMP_STG_REC_ERASED;
        return OMP_OK;
    }
    rec->key = omp_stg_get16(b + 2);
    rec->len = omp_stg_get16(b + 4);
    rec->seq = omp_stg_get32(b + 6);
    rec->size = omp_stg_rec_size(io->geo, rec->len);
    if (b[0] != OMP_STG_REC_MAGIC0 || b[1] != OMP_STG_REC_MAGIC1 ||
        omp_stg_get16(b + 10) != rec_check(b) || rec->size > room) {
        return OMP_OK; /* BADHDR: nothing after it in this sector can be trusted */
    }
    uint32_t st = omp_crc32_update(OMP_CRC32_INIT, b, OMP_STORE_REC_HDR);
    uint8_t *out = (uint8_t *)dst;
    for (uint32_t done = 0; done < rec->len;) {
        uint32_t n = rec->len - done;
        n = n < OMP_STG_CHUNK ? n : OMP_STG_CHUNK;
        err = omp_stg_read(io, addr + OMP_STORE_REC_HDR + done, b, n);
        if (err != OMP_OK) {
            return err;
        }
        st = omp_crc32_update(st, b, n);
        if (out != NULL && done + n <= cap) {
            memcpy(out + done, b, n);
        }
        done += n;
    }
    err = omp_stg_read(io, addr + OMP_STORE_REC_HDR + rec->len, b, OMP_STORE_REC_TRL);
    if (err != OMP_OK) {
        return err;
    }
    *state = (omp_stg_get32(b) == ~st) ? OMP_STG_REC_OK : OMP_STG_REC_BADCRC;
    return OMP_OK;
}

/* Streams bytes into program calls of OMP_STG_CHUNK (the last one padded to program_unit). */
struct rec_out {
    const struct omp_stg_io *io;
    uint32_t addr;
    size_t fill;
    omp_err err;
    uint8_t buf[OMP_STG_CHUNK];
};

static void out_put(struct rec_out *o, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n && o->err == OMP_OK; i++) {
        o->buf[o->fill++] = p[i];
        if (o->fill == sizeof o->buf) {
            o->err = omp_stg_program(o->io, o->addr, o->buf, o->fill);
            o->addr += (uint32_t)o->fill;
            o->fill = 0;
        }
    }
}

omp_err omp_stg_rec_write(const struct omp_stg_io *io, uint32_t addr, uint16_t key, uint32_t seq,
                          const void *data, uint16_t len)
{
    uint8_t h[OMP_STORE_REC_HDR];
    h[0] = OMP_STG_REC_MAGIC0;
    h[1] = OMP_STG_REC_MAGIC1;
    omp_stg_put16(h + 2, key);
    omp_stg_put16(h + 4, len);
    omp_stg_put32(h + 6, seq);
    omp_stg_put16(h + 10, rec_check(h));
    uint32_t st = omp_crc32_update(OMP_CRC32_INIT, h, sizeof h);
    st = omp_crc32_update(st, data, len);
    uint8_t crc[OMP_STORE_REC_TRL];
    omp_stg_put32(crc, ~st);

    struct rec_out o = { .io = io, .addr = addr, .fill = 0, .err = OMP_OK };
    out_put(&o, h, sizeof h);
    out_put(&o, (const uint8_t *)data, len);
    out_put(&o, crc, sizeof crc);
    size_t pu = io->geo->program_unit;
    while (o.err == OMP_OK && o.fill % pu != 0u) {
        o.buf[o.fill++] = io->geo->erase_value;
    }
    if (o.err == OMP_OK && o.fill != 0u) {
        o.err = omp_stg_program(io, o.addr, o.buf, o.fill);
    }
    if (o.err == OMP_OK) {
        io->stats->records_written++;
    }
    return o.err;
}

omp_err omp_stg_used_end(const struct omp_stg_io *io, uint32_t addr, uint32_t len, uint32_t *end)
{
    uint8_t b[OMP_STG_CHUNK];
    *end = 0;
    for (uint32_t off = 0; off < len;) {
        uint32_t n = len - off < OMP_STG_CHUNK ? len - off : OMP_STG_CHUNK;
        omp_err err = omp_stg_read(io, addr + off, b, n);
        if (err != OMP_OK) {
            return err;
        }
        for (uint32_t i = 0; i < n; i++) {
            if (b[i] != io->geo->erase_value) {
                *end = off + i + 1u;
            }
        }
        off += n;
    }
    return OMP_OK;
}

/* The head: the valid sector with the highest sequence (the lowest index on a tie). */
static omp_err survey_head(const struct omp_stg_io *io, uint8_t kind, uint16_t tag, uint16_t len,
                           uint32_t *head, bool *any)
{
    uint32_t seq = 0;
    *any = false;
    *head = 0;
    for (uint32_t i = 0; i < io->rgn->sectors; i++) {
        struct omp_stg_sector h;
        bool valid, blank;
        omp_err err = omp_stg_sector_read(io, io->rgn->base + i * io->geo->sector_size, kind, tag,
                                          len, &h, &valid, &blank);
        if (err != OMP_OK) {
            return err;
        }
        if (valid && (!*any || h.seq > seq)) {
            seq = h.seq;
            *head = i;
            *any = true;
        }
    }
    return OMP_OK;
}

omp_err omp_stg_survey(const struct omp_stg_io *io, uint8_t kind, uint16_t tag, uint16_t len,
                       uint32_t *damaged)
{
    uint32_t head, ss = io->geo->sector_size, n = io->rgn->sectors;
    bool any;
    *damaged = 0;
    omp_err err = survey_head(io, kind, tag, len, &head, &any);
    uint32_t used0 = 0, non_blank = 0;
    for (uint32_t i = 0; i < n && err == OMP_OK; i++) {
        struct omp_stg_sector h;
        bool valid, blank;
        uint32_t addr = io->rgn->base + i * ss, used = 0;
        err = omp_stg_sector_read(io, addr, kind, tag, len, &h, &valid, &blank);
        if (err == OMP_OK && !valid) {
            err = omp_stg_used_end(io, addr, ss, &used);
        }
        if (used != 0u) {
            non_blank++;
            used0 = i == 0u ? used : used0;
            *damaged += any && i != (head + 1u) % n ? 1u : 0u;
        }
    }
    /* no header of ours: new when blank, or when a format was cut in the first header */
    if (err == OMP_OK && !any && !(non_blank == 1u && used0 != 0u && used0 <= OMP_STORE_SECTOR_HDR)) {
        *damaged = non_blank;
    }
    return err;
}

struct omp_nvm_region omp_nvm_region_of(const struct omp_hal *hal, uint32_t base,
                                        uint32_t sectors)
{
    struct omp_nvm_region r = {NULL, NULL, base, sectors};
    if (hal != NULL) {
        r.ops = hal->ops;
        r.user = hal->user;
    }
    return r;
}

omp_err omp_stg_region(const struct omp_nvm_region *r, struct omp_nvm_geometry *geo)
{
    if (r == NULL || r->ops == NULL || r->ops->nvm_read == NULL || r->ops->nvm_program == NULL ||
        r->ops->nvm_erase == NULL || r->ops->nvm_geometry == NULL || r->sectors < 2u) {
        return OMP_ERR_ARG;
    }
    const struct omp_hal hal = {r->ops, r->user};
    const uint32_t base = r->base, sectors = r->sectors;
    omp_err err = omp_hal_nvm_geometry(&hal, geo);
    if (err == OMP_ERR_RANGE) {
        return OMP_ERR_ARG;
    }
    if (err != OMP_OK) {
        return err;
    }
    uint32_t ss = geo->sector_size;
    if (ss < 256u || base % ss != 0u || base > geo->size ||
        sectors > (geo->size - base) / ss) {
        return OMP_ERR_ARG;
    }
    return OMP_OK;
}

/* ---- store -------------------------------------------------------------------------------------- */

static struct omp_stg_io store_io(struct omp_store *s, uint32_t *reads)
{
    struct omp_stg_io io = { &s->rgn, &s->geo, &s->stats, reads };
    return io;
}

/* The header length field of a store: the sectors of its region (another layout is foreign). */
static uint16_t store_len(const struct omp_store *s)
{
    return (uint16_t)s->rgn.sectors;
}

static uint32_t sector_addr(const struct omp_store *s, uint32_t i)
{
    return s->rgn.base + i * s->geo.sector_size;
}

/* Bytes of a compaction marker (an empty record). */
static uint32_t marker_size(const struct omp_store *s)
{
    return omp_stg_rec_size(&s->geo, 0u);
}

static struct omp_store_slot *find_slot(struct omp_store *s, uint16_t key, bool allocate)
{
    struct omp_store_slot *free_slot = NULL;
    for (size_t i = 0; i < OMP_CONFIG_STORE_KEYS; i++) {
        if (s->index[i].key == key) {
            return &s->index[i];
        }
        if (s->index[i].key == 0u && free_slot == NULL) {
            free_slot = &s->index[i];
        }
    }
    return allocate ? free_slot : NULL;
}

/*
 * Empty sector @p o into the head: copy verbatim every record the index points to there, then
 * (if @p marker) program a marker, then erase @p o unless it is blank already.
 */
static omp_err compact(struct omp_store *s, uint32_t o, bool marker)
{
    struct omp_stg_io io = store_io(s, NULL);
    uint32_t ss = s->geo.sector_size;
    uint32_t lo = sector_addr(s, o);
    uint8_t b[OMP_STG_CHUNK];
    omp_err err = OMP_OK;
    for (size_t i = 0; i < OMP_CONFIG_STORE_KEYS && err == OMP_OK; i++) {
        struct omp_store_slot *sl = &s->index[i];
        if (sl->key == 0u || sl->addr < lo || sl->addr >= lo + ss) {
            continue;
        }
        uint32_t size = omp_stg_rec_size(&s->geo, sl->len);
        if (s->head_off + size > ss) {
            return OMP_ERR_NVM_FULL; /* only for images this code did not write */
        }
        uint32_t dst = sector_addr(s, s->head) + s->head_off;
        for (uint32_t off = 0; off < size && err == OMP_OK; off += OMP_STG_CHUNK) {
            uint32_t n = size - off < OMP_STG_CHUNK ? size - off : OMP_STG_CHUNK;
            err = omp_stg_read(&io, sl->addr + off, b, n);
            if (err == OMP_OK) {
                err = omp_stg_program(&io, dst + off, b, n);
            }
        }
        sl->addr = dst;
        s->head_off += size;
        s->stats.copies++;
        s->stats.records_written++;
    }
    if (err == OMP_OK && marker) {
        if (s->head_off + marker_size(s) > ss) {
            return OMP_ERR_NVM_FULL;
        }
        err = omp_stg_rec_write(&io, sector_addr(s, s->head) + s->head_off, MARKER_KEY,
                                s->rec_seq, NULL, 0u);
        s->head_off += marker_size(s);
    }
    struct omp_stg_sector h;
    bool valid = false, blank = false;
    if (err == OMP_OK) {
        err = omp_stg_sector_read(&io, lo, OMP_STG_KIND_STORE, s->tag, store_len(s), &h, &valid,
                                  &blank);
    }
    uint32_t used = 1u;
    if (err == OMP_OK && !valid) {
        err = omp_stg_used_end(&io, lo, ss, &used);
    }
    if (err == OMP_OK && used != 0u) {
        err = omp_stg_erase(&io, lo);
        uint32_t erases = valid ? h.erases + 1u : s->stats.max_sector_erases;
        s->stats.max_sector_erases =
            erases > s->stats.max_sector_erases ? erases : s->stats.max_sector_erases;
    }
    return err;
}

/* Make the spare the head (header with the next sequence) and compact the sector after it. */
static omp_err rotate(struct omp_store *s)
{
    if (s->sector_seq == UINT32_MAX) {
        return OMP_ERR_NVM_WORN; /* 4e9 rotations: beyond any flash */
    }
    struct omp_stg_io io = store_io(s, NULL);
    uint32_t nx = (s->head + 1u) % s->rgn.sectors;
    struct omp_stg_sector h = { OMP_STG_KIND_STORE, s->tag, store_len(s), s->sector_seq + 1u,
                                s->stats.max_sector_erases };
    omp_err err = omp_stg_sector_write(&io, sector_addr(s, nx), &h);
    if (err != OMP_OK) {
        return err;
    }
    s->head = nx;
    s->head_off = OMP_STORE_SECTOR_HDR;
    s->sector_seq++;
    return compact(s, (nx + 1u) % s->rgn.sectors, true);
}

/* Index the records of sector @p i; @p end gets the offset after the last one parsed. */
static omp_err scan_sector(struct omp_store *s, uint32_t i, uint32_t *end, bool *marker)
{
    struct omp_stg_io io = store_io(s, &s->stats.scan_reads);
    uint32_t ss = s->geo.sector_size;
    uint32_t pos = OMP_STORE_SECTOR_HDR;
    *marker = false;
    while (pos + OMP_STORE_REC_HDR <= ss) {
        struct omp_stg_rec r;
        enum omp_stg_rec_state st;
        omp_err err = omp_stg_rec_load(&io, sector_addr(s, i) + pos, ss - pos, &r, &st, NULL, 0u);
        if (err != OMP_OK) {
            return err;
        }
        if (st == OMP_STG_REC_ERASED) {
            break;
        }
        if (st == OMP_STG_REC_BADHDR) {
            /* a header torn by a power cut has nothing programmed behind it; data there means
               a damaged header, and the records behind it are lost to the scan */
            uint32_t used = 0;
            uint32_t tail = pos + OMP_STORE_REC_HDR;
            err = omp_stg_used_end(&io, sector_addr(s, i) + tail, ss - tail, &used);
            s->stats.scan_bad++;
            s->stats.damaged += used != 0u ? 1u : 0u;
            *end = pos;
            return err;
        }
        if (st == OMP_STG_REC_BADCRC) {
            s->stats.scan_bad++;
        } else if (r.key == MARKER_KEY) {
            *marker = true;
        } else if (r.key != 0u) {
            struct omp_store_slot *sl = find_slot(s, r.key, true);
            if (sl == NULL) {
                return OMP_ERR_NVM_FULL;
            }
            /* ring order from the oldest sector: a later record is newer */
            *sl = (struct omp_store_slot){ r.key, r.len, sector_addr(s, i) + pos, r.seq };
            s->rec_seq = r.seq > s->rec_seq ? r.seq : s->rec_seq;
        }
        pos += r.size;
    }
    *end = pos;
    return OMP_OK;
}

enum scan_result { SCAN_DONE, SCAN_AGAIN };

/* Scan pass 1, sector headers: *any says whether one is valid; the head is the one with the
 * highest sequence (lowest index on a tie). */
static omp_err scan_headers(struct omp_store *s, const struct omp_stg_io *io, bool *any)
{
    struct omp_stg_sector h;
    for (uint32_t i = 0; i < s->rgn.sectors; i++) {
        bool valid, blank;
        omp_err err = omp_stg_sector_read(io, sector_addr(s, i), OMP_STG_KIND_STORE, s->tag,
                                          store_len(s), &h, &valid, &blank);
        if (err != OMP_OK) {
            return err;
        }
        if (!valid && !blank) {
            s->stats.scan_bad++;
        }
        if (valid) {
            s->stats.max_sector_erases =
                h.erases > s->stats.max_sector_erases ? h.erases : s->stats.max_sector_erases;
            if (!*any || h.seq > s->sector_seq) {
                s->sector_seq = h.seq;
                s->head = i;
            }
            *any = true;
        }
    }
    return OMP_OK;
}

/* No valid sector header (blank or foreign data): sector 0 becomes the head, sector 1 the
 * spare. */
static omp_err format_blank(struct omp_store *s, const struct omp_stg_io *io)
{
    uint32_t ss = s->geo.sector_size;
    for (uint32_t i = 0; i < 2u; i++) {
        uint32_t used;
        omp_err err = omp_stg_used_end(io, sector_addr(s, i), ss, &used);
        if (err == OMP_OK && used != 0u) {
            err = omp_stg_erase(io, sector_addr(s, i));
        }
        if (err != OMP_OK) {
            return err;
        }
    }
    struct omp_stg_sector fmt = { OMP_STG_KIND_STORE, s->tag, store_len(s), 1u,
                                  s->stats.max_sector_erases };
    s->head = 0;
    s->head_off = OMP_STORE_SECTOR_HDR + marker_size(s);
    s->sector_seq = 1u;
    omp_err err = omp_stg_sector_write(io, sector_addr(s, 0), &fmt);
    if (err == OMP_OK) { /* every head has a marker: see the file comment */
        err = omp_stg_rec_write(io, sector_addr(s, 0) + OMP_STORE_SECTOR_HDR, MARKER_KEY, 0u,
                                NULL, 0u);
    }
    return err;
}

/* Whether invalid sector @p i holds a record newer than the index's version of its key: then it
 * is not what a torn rotation leaves (its records are dead or copied into the head) but a sector
 * whose header was damaged, and erasing it would lose data. */
static omp_err holds_unique(struct omp_store *s, uint32_t i, bool *unique)
{
    struct omp_stg_io io = store_io(s, &s->stats.scan_reads);
    uint32_t ss = s->geo.sector_size;
    *unique = false;
    for (uint32_t pos = OMP_STORE_SECTOR_HDR; pos + OMP_STORE_REC_HDR <= ss && !*unique;) {
        struct omp_stg_rec r;
        enum omp_stg_rec_state st;
        omp_err err = omp_stg_rec_load(&io, sector_addr(s, i) + pos, ss - pos, &r, &st, NULL, 0u);
        if (err != OMP_OK) {
            return err;
        }
        if (st == OMP_STG_REC_ERASED || st == OMP_STG_REC_BADHDR) {
            break;
        }
        if (st == OMP_STG_REC_OK && r.key != MARKER_KEY && r.key != 0u) {
            const struct omp_store_slot *sl = find_slot(s, r.key, false);
            *unique = sl == NULL || sl->seq < r.seq;
        }
        pos += r.size;
    }
    return OMP_OK;
}

/* Index every valid sector in ring order, oldest first, the head last; the head's free part is
 * what lies behind its last programmed byte. */
static omp_err scan_ring(struct omp_store *s, bool *nx_valid, bool *marker)
{
    struct omp_stg_io io = store_io(s, &s->stats.scan_reads);
    uint32_t ss = s->geo.sector_size, nx = (s->head + 1u) % s->rgn.sectors;
    for (uint32_t k = 1; k <= s->rgn.sectors; k++) {
        uint32_t i = (s->head + k) % s->rgn.sectors;
        struct omp_stg_sector h;
        bool valid, blank;
        omp_err err = omp_stg_sector_read(&io, sector_addr(s, i), OMP_STG_KIND_STORE, s->tag,
                                          store_len(s), &h, &valid, &blank);
        uint32_t end = OMP_STORE_SECTOR_HDR, used = 0;
        if (err == OMP_OK && valid) {
            err = scan_sector(s, i, &end, marker);
        }
        if (i == nx) {
            *nx_valid = valid;
        }
        if (err == OMP_OK && i == s->head) {
            /* garbage behind the last record (a torn header): the scan could not find records
               written behind it, so close the head; the next write moves to the spare */
            err = omp_stg_used_end(&io, sector_addr(s, i) + end, ss - end, &used);
            s->head_off = (used == 0u && *marker) ? end : ss;
        }
        if (err != OMP_OK) {
            return err;
        }
    }
    return OMP_OK;
}

/* One open pass: index, then repair what a power cut left (format a new region, erase a torn
 * spare, finish or undo a compaction) unless the region is damaged: then nothing is written. */
static omp_err scan(struct omp_store *s, enum scan_result *res)
{
    struct omp_stg_io io = store_io(s, &s->stats.scan_reads);
    memset(s->index, 0, sizeof s->index);
    s->rec_seq = 0;
    *res = SCAN_DONE;
    omp_err err = omp_stg_survey(&io, OMP_STG_KIND_STORE, s->tag, store_len(s),
                                 &s->stats.damaged);
    bool any = false, nx_valid = false, marker = false;
    if (err == OMP_OK) {
        err = scan_headers(s, &io, &any);
    }
    if (err != OMP_OK || !any) {
        bool keep = err != OMP_OK || s->stats.damaged != 0u || s->frozen;
        return keep ? err : format_blank(s, &io);
    }
    err = scan_ring(s, &nx_valid, &marker);
    uint32_t nx = (s->head + 1u) % s->rgn.sectors, used = 0;
    if (err == OMP_OK && !nx_valid) {
        err = omp_stg_used_end(&io, sector_addr(s, nx), s->geo.sector_size, &used);
    }
    bool unique = false;
    if (err == OMP_OK && used != 0u) {
        err = holds_unique(s, nx, &unique);
        s->stats.damaged += unique ? 1u : 0u;
    }
    if (err != OMP_OK || s->stats.damaged != 0u || s->frozen) {
        return err; /* read only: the damaged sectors stay as they are */
    }
    if (used != 0u) {
        return omp_stg_erase(&io, sector_addr(s, nx)); /* torn header or erase */
    }
    if (nx_valid && marker) {
        return compact(s, nx, false); /* copies done, the erase was interrupted */
    }
    if (nx_valid) {
        *res = SCAN_AGAIN; /* copies incomplete: drop them, back to the state before rotation */
        return omp_stg_erase(&io, sector_addr(s, s->head));
    }
    return OMP_OK;
}

omp_err omp_store_open(struct omp_store *s, const struct omp_hal *hal, uint32_t base,
                       uint32_t sectors)
{
    if (hal == NULL) {
        return OMP_ERR_ARG;
    }
    const struct omp_nvm_region r = omp_nvm_region_of(hal, base, sectors);
    return omp_store_open_region(s, &r);
}

omp_err omp_store_open_region(struct omp_store *s, const struct omp_nvm_region *r)
{
    return omp_store_open_tagged(s, r, 0u, false);
}

omp_err omp_store_open_tagged(struct omp_store *s, const struct omp_nvm_region *r, uint16_t tag,
                              bool read_only)
{
    struct omp_nvm_geometry geo;
    if (s == NULL) {
        return OMP_ERR_ARG;
    }
    omp_err err = omp_stg_region(r, &geo);
    if (err != OMP_OK) {
        return err;
    }
    memset(s, 0, sizeof *s);
    s->rgn = *r;
    s->geo = geo;
    s->tag = tag;
    s->frozen = read_only;
    /* a power cut needs at most one rescan; images from elsewhere at most one per sector */
    for (uint32_t round = 0; round <= r->sectors; round++) {
        enum scan_result res;
        err = scan(s, &res);
        if (err == OMP_OK && s->stats.damaged != 0u) {
            return OMP_ERR_NVM_CORRUPT; /* readable as far as it goes; writes refused */
        }
        if (err != OMP_OK || res == SCAN_DONE) {
            return err;
        }
    }
    s->stats.damaged = s->rgn.sectors; /* no state this code leaves: treat it all as damaged */
    return OMP_ERR_NVM_CORRUPT;
}

omp_err omp_store_format(struct omp_store *s)
{
    if (s == NULL || s->rgn.ops == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_stg_io io = store_io(s, NULL);
    for (uint32_t i = 0; i < s->rgn.sectors; i++) {
        uint32_t used = 0;
        omp_err err = omp_stg_used_end(&io, sector_addr(s, i), s->geo.sector_size, &used);
        if (err == OMP_OK && used != 0u) {
            err = omp_stg_erase(&io, sector_addr(s, i));
        }
        if (err != OMP_OK) {
            return err;
        }
    }
    const struct omp_nvm_region r = s->rgn;
    return omp_store_open_tagged(s, &r, s->tag, false);
}

/* omp_store_write without the bookkeeping of HAL errors. */
static omp_err write_rec(struct omp_store *s, uint16_t key, const void *data, size_t len)
{
    if (s == NULL || key == 0u || key == MARKER_KEY || (data == NULL && len > 0u) ||
        len > OMP_CONFIG_STORE_RECORD_MAX || len > UINT16_MAX) {
        return OMP_ERR_ARG;
    }
    if (s->stats.damaged != 0u || s->frozen) {
        return OMP_ERR_NVM_CORRUPT; /* keep the evidence: omp_store_format() first */
    }
    uint32_t ss = s->geo.sector_size;
    uint32_t room = ss - OMP_STORE_SECTOR_HDR - marker_size(s); /* record bytes per sector */
    uint32_t size = omp_stg_rec_size(&s->geo, len);
    if (size > room) {
        return OMP_ERR_ARG;
    }
    struct omp_store_slot *sl = find_slot(s, key, true);
    if (sl == NULL) {
        return OMP_ERR_NVM_FULL;
    }
    /* every live record plus the new one (the old version lives until the new one is written)
       must fit the ring without the spare */
    uint64_t live = size;
    for (size_t i = 0; i < OMP_CONFIG_STORE_KEYS; i++) {
        if (s->index[i].key != 0u) {
            live += omp_stg_rec_size(&s->geo, s->index[i].len);
        }
    }
    if (live > (uint64_t)(s->rgn.sectors - 1u) * room) {
        return OMP_ERR_NVM_FULL;
    }
    /* each rotation drops the dead records of one sector; a whole lap drops all of them */
    for (uint32_t turns = 0; s->head_off + size > ss; turns++) {
        if (turns == s->rgn.sectors) {
            return OMP_ERR_NVM_FULL; /* fragmentation: values unchanged */
        }
        omp_err err = rotate(s);
        if (err != OMP_OK) {
            return err;
        }
    }
    struct omp_stg_io io = store_io(s, NULL);
    uint32_t addr = sector_addr(s, s->head) + s->head_off;
    omp_err err = omp_stg_rec_write(&io, addr, key, s->rec_seq + 1u, data, (uint16_t)len);
    s->head_off += size;
    if (err != OMP_OK) {
        return err;
    }
    s->rec_seq++;
    *sl = (struct omp_store_slot){ key, (uint16_t)len, addr, s->rec_seq };
    return OMP_OK;
}

omp_err omp_store_write(struct omp_store *s, uint16_t key, const void *data, size_t len)
{
    omp_err err = write_rec(s, key, data, len);
    if (err != OMP_OK && err != OMP_ERR_ARG && err != OMP_ERR_NVM_FULL &&
        err != OMP_ERR_NVM_CORRUPT) {
        s->stale = true; /* the HAL failed part-way: only a scan knows what the NVM holds now */
    }
    return err;
}

omp_err omp_store_refresh(struct omp_store *s)
{
    if (s == NULL) {
        return OMP_ERR_ARG;
    }
    if (!s->stale) {
        return OMP_OK;
    }
    const struct omp_nvm_region r = s->rgn;
    bool frozen = s->frozen;
    omp_err err = omp_store_open_tagged(s, &r, s->tag, frozen);
    s->stale = err != OMP_OK && err != OMP_ERR_NVM_CORRUPT;
    return err;
}

omp_err omp_store_read(const struct omp_store *s, uint16_t key, void *dst, size_t cap,
                       size_t *len)
{
    if (s == NULL || (dst == NULL && cap > 0u) || key == 0u || key == MARKER_KEY) {
        return OMP_ERR_ARG;
    }
    const struct omp_store_slot *sl = NULL;
    for (size_t i = 0; i < OMP_CONFIG_STORE_KEYS; i++) {
        if (s->index[i].key == key) {
            sl = &s->index[i];
        }
    }
    if (sl == NULL) {
        return OMP_ERR_NOT_FOUND;
    }
    if (len != NULL) {
        *len = sl->len;
    }
    if (sl->len > cap) {
        return OMP_ERR_NOSPACE;
    }
    /* the io only reads: the const context is never written through it */
    struct omp_storage_stats unused;
    struct omp_stg_io io = { &s->rgn, &s->geo, &unused, NULL };
    uint32_t room = s->rgn.base + s->rgn.sectors * s->geo.sector_size - sl->addr;
    struct omp_stg_rec r;
    enum omp_stg_rec_state st;
    omp_err err = omp_stg_rec_load(&io, sl->addr, room, &r, &st, dst, cap);
    if (err != OMP_OK) {
        return err;
    }
    if (st != OMP_STG_REC_OK || r.key != key || r.len != sl->len) {
        if (cap > 0u) {
            memset(dst, 0, cap < sl->len ? cap : sl->len);
        }
        return OMP_ERR_NVM_CORRUPT;
    }
    return OMP_OK;
}

uint32_t omp_store_record_size(const struct omp_nvm_geometry *geo, size_t payload)
{
    return geo == NULL ? 0u : omp_stg_rec_size(geo, payload);
}

omp_err omp_store_read_opt(const struct omp_store *s, uint16_t key, void *dst, size_t cap,
                           size_t *len)
{
    if (len == NULL) {
        return OMP_ERR_ARG;
    }
    size_t n = 0;
    omp_err err = omp_store_read(s, key, dst, cap, &n);
    if (err == OMP_ERR_NOT_FOUND || err == OMP_ERR_NVM_CORRUPT || err == OMP_ERR_NOSPACE) {
        n = 0; /* a record of another layout or one gone bad is as good as none */
        err = OMP_OK;
    }
    if (err == OMP_OK) {
        *len = n;
    }
    return err;
}

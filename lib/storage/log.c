/*
 * Ring log of fixed-size entries (format: storage_priv.h, docs/storage.md).
 *
 * Each sector holds per_sector slots of omp_stg_rec_size(entry_len) bytes behind its header; a
 * slot holds one record whose key is the log's tag and whose sequence is the entry's. Invariants:
 *  - the head is the sector with the highest sector sequence; appends fill its slots in order;
 *  - in ring order (the sector after the head is the oldest) the valid entries have increasing
 *    sequence numbers; between two neighbours only rejected slots lie (a torn entry, a flipped
 *    bit), so next_seq - first_seq counts every entry held, rejected ones included;
 *  - a torn entry's sequence is not used up: the next append reuses it in the next slot.
 * When the head is full the next sector is erased (its entries, the oldest, are dropped) and gets
 * a header with the next sector sequence. Nothing else is ever rewritten, so a power cut can only
 * tear the entry or sector header being programmed, or leave the sector being erased half erased
 * (its entries were being dropped anyway). Open needs no repair step.
 */
#include <string.h>

#include "storage_priv.h"

static struct omp_stg_io log_io(struct omp_nvm_log *l, uint32_t *reads)
{
    struct omp_stg_io io = { &l->rgn, &l->geo, &l->stats, reads };
    return io;
}

static uint32_t slot_addr(const struct omp_nvm_log *l, uint32_t sector, uint32_t slot)
{
    return l->rgn.base + sector * l->geo.sector_size + OMP_STORE_SECTOR_HDR +
           slot * omp_stg_rec_size(&l->geo, l->entry_len);
}

static omp_err read_header(struct omp_nvm_log *l, const struct omp_stg_io *io, uint32_t sector,
                           struct omp_stg_sector *h, bool *valid, bool *blank)
{
    return omp_stg_sector_read(io, l->rgn.base + sector * l->geo.sector_size, OMP_STG_KIND_LOG,
                               l->tag, l->entry_len, h, valid, blank);
}

/* Load slot @p slot of @p sector; @p ok if it is a valid entry of this log. */
static omp_err load_entry(const struct omp_nvm_log *l, const struct omp_stg_io *io,
                          uint32_t sector, uint32_t slot, struct omp_stg_rec *r,
                          enum omp_stg_rec_state *st, bool *ok, void *dst)
{
    omp_err err = omp_stg_rec_load(io, slot_addr(l, sector, slot),
                                   omp_stg_rec_size(&l->geo, l->entry_len), r, st, dst,
                                   l->entry_len);
    /* UINT32_MAX is never written (next_seq would wrap): only a foreign image has it */
    *ok = err == OMP_OK && *st == OMP_STG_REC_OK && r->key == l->tag && r->len == l->entry_len &&
          r->seq != UINT32_MAX;
    return err;
}

/* The sector after the head without a valid header is what a torn rotation leaves, unless it
 * holds an entry newer than the chain, even a torn one: then its header was damaged (it was the
 * head; docs/storage.md "Damage"). */
static omp_err check_spare(struct omp_nvm_log *l, const struct omp_stg_io *io)
{
    uint32_t nx = (l->head + 1u) % l->rgn.sectors;
    struct omp_stg_sector h;
    bool valid, blank;
    omp_err err = read_header(l, io, nx, &h, &valid, &blank);
    for (uint32_t j = 0; err == OMP_OK && !valid && j < l->per_sector; j++) {
        struct omp_stg_rec r;
        enum omp_stg_rec_state st;
        bool ok;
        err = load_entry(l, io, nx, j, &r, &st, &ok, NULL);
        /* a record header of this log checks (its payload may be torn): its sequence tells */
        bool ours = st == OMP_STG_REC_OK || st == OMP_STG_REC_BADCRC;
        ours = ours && r.key == l->tag && r.len == l->entry_len;
        if (err == OMP_OK && ours && (l->count == 0u || r.seq >= l->next_seq)) {
            l->stats.damaged++;
            break;
        }
    }
    return err;
}

/* No header of this log: sector 0 becomes an empty head (the others are erased when used) when
 * the region is new; a foreign one, or one opened read only, is left as it is. */
static omp_err start_new(struct omp_nvm_log *l, const struct omp_stg_io *io)
{
    l->head = 0;
    l->head_off = OMP_STORE_SECTOR_HDR;
    if (l->stats.damaged != 0u || l->frozen) {
        return OMP_OK;
    }
    uint32_t used;
    omp_err err = omp_stg_used_end(io, l->rgn.base, l->geo.sector_size, &used);
    if (err == OMP_OK && used != 0u) {
        err = omp_stg_erase(io, l->rgn.base); /* a torn format's header */
    }
    struct omp_stg_sector fmt = { OMP_STG_KIND_LOG, l->tag, l->entry_len, 1u,
                                  l->stats.max_sector_erases };
    l->sector_seq = 1u;
    return err != OMP_OK ? err : omp_stg_sector_write(io, l->rgn.base, &fmt);
}

static omp_err scan(struct omp_nvm_log *l)
{
    struct omp_stg_io io = log_io(l, &l->stats.scan_reads);
    struct omp_stg_sector h;
    bool any = false;
    omp_err err0 = omp_stg_survey(&io, OMP_STG_KIND_LOG, l->tag, l->entry_len, &l->stats.damaged);
    if (err0 != OMP_OK) {
        return err0;
    }
    for (uint32_t i = 0; i < l->rgn.sectors; i++) {
        bool valid, blank;
        omp_err err = read_header(l, &io, i, &h, &valid, &blank);
        if (err != OMP_OK) {
            return err;
        }
        if (!valid && !blank) {
            l->stats.scan_bad++;
        }
        if (valid) {
            l->stats.max_sector_erases =
                h.erases > l->stats.max_sector_erases ? h.erases : l->stats.max_sector_erases;
            if (!any || h.seq > l->sector_seq) {
                l->sector_seq = h.seq;
                l->head = i;
            }
            any = true;
        }
    }
    if (!any) {
        return start_new(l, &io);
    }

    /* entries in ring order, oldest sector first; follow the chain of increasing sequences */
    bool have = false;
    uint32_t first = 0, last = 0, bad = 0;
    for (uint32_t k = 1; k <= l->rgn.sectors; k++) {
        uint32_t i = (l->head + k) % l->rgn.sectors;
        bool valid, blank;
        omp_err err = read_header(l, &io, i, &h, &valid, &blank);
        for (uint32_t j = 0; valid && err == OMP_OK && j < l->per_sector; j++) {
            struct omp_stg_rec r;
            enum omp_stg_rec_state st;
            bool ok;
            err = load_entry(l, &io, i, j, &r, &st, &ok, NULL);
            if (err != OMP_OK || st == OMP_STG_REC_ERASED) {
                continue;
            }
            if (!ok) {
                l->stats.scan_bad++;
                bad++;
                continue;
            }
            if (!have || r.seq <= last || r.seq - last > bad + 1u) {
                first = r.seq; /* start (or, in an image not written by us, restart) the chain */
            }
            have = true;
            last = r.seq;
            bad = 0;
        }
        if (err != OMP_OK) {
            return err;
        }
    }
    /* appends go behind the last programmed byte of the head, at a slot boundary */
    uint32_t used;
    uint32_t rs = omp_stg_rec_size(&l->geo, l->entry_len);
    omp_err err = omp_stg_used_end(&io, slot_addr(l, l->head, 0), l->per_sector * rs, &used);
    l->head_off = OMP_STORE_SECTOR_HDR + (used + rs - 1u) / rs * rs;
    l->first_seq = have ? first : 0u;
    l->next_seq = have ? last + 1u : 0u;
    l->count = l->next_seq - l->first_seq;
    return err == OMP_OK ? check_spare(l, &io) : err;
}

omp_err omp_nvm_log_open(struct omp_nvm_log *l, const struct omp_hal *hal, uint32_t base,
                         uint32_t sectors, uint16_t tag, uint16_t entry_len)
{
    if (hal == NULL) {
        return OMP_ERR_ARG;
    }
    const struct omp_nvm_region r = omp_nvm_region_of(hal, base, sectors);
    return omp_nvm_log_open_region(l, &r, tag, entry_len);
}

omp_err omp_nvm_log_open_region(struct omp_nvm_log *l, const struct omp_nvm_region *r,
                                uint16_t tag, uint16_t entry_len)
{
    return omp_nvm_log_open_mode(l, r, tag, entry_len, false);
}

omp_err omp_nvm_log_open_mode(struct omp_nvm_log *l, const struct omp_nvm_region *r, uint16_t tag,
                              uint16_t entry_len, bool read_only)
{
    struct omp_nvm_geometry geo;
    if (l == NULL || entry_len == 0u) {
        return OMP_ERR_ARG;
    }
    omp_err err = omp_stg_region(r, &geo);
    if (err != OMP_OK) {
        return err;
    }
    uint32_t rs = omp_stg_rec_size(&geo, entry_len);
    if (rs > geo.sector_size - OMP_STORE_SECTOR_HDR) {
        return OMP_ERR_ARG;
    }
    memset(l, 0, sizeof *l);
    l->rgn = *r;
    l->geo = geo;
    l->tag = tag;
    l->entry_len = entry_len;
    l->frozen = read_only;
    l->per_sector = (geo.sector_size - OMP_STORE_SECTOR_HDR) / rs;
    err = scan(l);
    return err == OMP_OK && l->stats.damaged != 0u ? OMP_ERR_NVM_CORRUPT : err;
}

/* Erase the sector after the head (dropping its entries) and make it the head. */
static omp_err rotate(struct omp_nvm_log *l)
{
    if (l->sector_seq == UINT32_MAX) {
        return OMP_ERR_NVM_WORN;
    }
    struct omp_stg_io io = log_io(l, NULL);
    uint32_t nx = (l->head + 1u) % l->rgn.sectors;
    struct omp_stg_sector h;
    bool valid, blank;
    omp_err err = read_header(l, &io, nx, &h, &valid, &blank);
    /* the newest held entry in nx: everything up to it is dropped */
    for (uint32_t j = l->per_sector; valid && err == OMP_OK && j-- > 0u;) {
        struct omp_stg_rec r;
        enum omp_stg_rec_state st;
        bool ok;
        err = load_entry(l, &io, nx, j, &r, &st, &ok, NULL);
        if (ok && r.seq >= l->first_seq && r.seq < l->next_seq) {
            l->first_seq = r.seq + 1u;
            break;
        }
    }
    uint32_t erases = valid ? h.erases + 1u : l->stats.max_sector_erases;
    l->stats.max_sector_erases =
        erases > l->stats.max_sector_erases ? erases : l->stats.max_sector_erases;
    if (err == OMP_OK) {
        err = omp_stg_erase(&io, l->rgn.base + nx * l->geo.sector_size);
    }
    if (err == OMP_OK) {
        struct omp_stg_sector nh = { OMP_STG_KIND_LOG, l->tag, l->entry_len, l->sector_seq + 1u,
                                     erases };
        err = omp_stg_sector_write(&io, l->rgn.base + nx * l->geo.sector_size, &nh);
    }
    l->count = l->next_seq - l->first_seq;
    if (err == OMP_OK) {
        l->head = nx;
        l->head_off = OMP_STORE_SECTOR_HDR;
        l->sector_seq++;
    }
    return err;
}

/* omp_nvm_log_append without the bookkeeping of HAL errors. */
static omp_err append(struct omp_nvm_log *l, const void *entry)
{
    if (l == NULL || entry == NULL || l->per_sector == 0u) {
        return OMP_ERR_ARG;
    }
    if (l->stats.damaged != 0u || l->frozen) {
        return OMP_ERR_NVM_CORRUPT; /* keep the evidence */
    }
    if (l->next_seq == UINT32_MAX) {
        return OMP_ERR_NVM_WORN; /* 4e9 entries: beyond any flash */
    }
    uint32_t rs = omp_stg_rec_size(&l->geo, l->entry_len);
    if (l->head_off + rs > l->geo.sector_size) {
        omp_err err = rotate(l);
        if (err != OMP_OK) {
            return err;
        }
    }
    struct omp_stg_io io = log_io(l, NULL);
    uint32_t addr = l->rgn.base + l->head * l->geo.sector_size + l->head_off;
    omp_err err = omp_stg_rec_write(&io, addr, l->tag, l->next_seq, entry, l->entry_len);
    l->head_off += rs;
    if (err != OMP_OK) {
        return err;
    }
    l->next_seq++;
    l->count = l->next_seq - l->first_seq;
    return OMP_OK;
}

omp_err omp_nvm_log_append(struct omp_nvm_log *l, const void *entry)
{
    omp_err err = append(l, entry);
    if (err != OMP_OK && err != OMP_ERR_ARG && err != OMP_ERR_NVM_WORN &&
        err != OMP_ERR_NVM_CORRUPT) {
        l->stale = true; /* the HAL failed part-way: only a scan knows what the NVM holds now */
    }
    return err;
}

omp_err omp_nvm_log_refresh(struct omp_nvm_log *l)
{
    if (l == NULL) {
        return OMP_ERR_ARG;
    }
    if (!l->stale) {
        return OMP_OK;
    }
    const struct omp_nvm_region r = l->rgn;
    omp_err err = omp_nvm_log_open_mode(l, &r, l->tag, l->entry_len, l->frozen);
    l->stale = err != OMP_OK && err != OMP_ERR_NVM_CORRUPT;
    return err;
}

omp_err omp_nvm_log_read(const struct omp_nvm_log *l, uint32_t age, void *dst, uint32_t *seq)
{
    if (l == NULL || dst == NULL || l->per_sector == 0u) {
        return OMP_ERR_ARG;
    }
    if (age >= l->count) {
        return OMP_ERR_NOT_FOUND;
    }
    uint32_t target = l->next_seq - 1u - age;
    /* the io only reads: the const context is never written through it */
    struct omp_storage_stats unused;
    struct omp_stg_io io = { &l->rgn, &l->geo, &unused, NULL };
    uint32_t rs = omp_stg_rec_size(&l->geo, l->entry_len);
    uint32_t skip = age; /* at least `age` slots lie between the target and the newest */
    for (uint32_t k = 0; k < l->rgn.sectors; k++) {
        uint32_t sec = (l->head + l->rgn.sectors - k) % l->rgn.sectors;
        uint32_t top = (k == 0u) ? (l->head_off - OMP_STORE_SECTOR_HDR) / rs : l->per_sector;
        if (skip >= top) {
            skip -= top;
            continue;
        }
        struct omp_stg_sector h;
        bool valid, blank;
        omp_err err = omp_stg_sector_read(&io, l->rgn.base + sec * l->geo.sector_size,
                                          OMP_STG_KIND_LOG, l->tag, l->entry_len, &h, &valid,
                                          &blank);
        if (err != OMP_OK) {
            return err;
        }
        for (uint32_t j = top - skip; valid && j-- > 0u;) {
            struct omp_stg_rec r;
            enum omp_stg_rec_state st;
            bool ok;
            err = load_entry(l, &io, sec, j, &r, &st, &ok, NULL);
            if (err != OMP_OK) {
                return err;
            }
            if (ok && r.seq < target) {
                return OMP_ERR_NOT_FOUND; /* the target was rejected */
            }
            if (ok && r.seq == target) {
                err = load_entry(l, &io, sec, j, &r, &st, &ok, dst);
                if (err != OMP_OK) {
                    return err;
                }
                if (!ok || r.seq != target) {
                    return OMP_ERR_NOT_FOUND;
                }
                if (seq != NULL) {
                    *seq = target;
                }
                return OMP_OK;
            }
        }
        skip = 0;
    }
    return OMP_ERR_NOT_FOUND;
}

uint32_t omp_nvm_log_capacity(const struct omp_nvm_log *l)
{
    return l == NULL ? 0u : (l->rgn.sectors - 1u) * l->per_sector;
}

/*
 * The registers' persistence: the save order (billing snapshot, cold checkpoint, hot record), the
 * endurance budget that spaces the hot records, the restore, and the loss bound they imply
 * (docs/registers.md, docs/storage.md). It owns the registers' three NVM regions, which the owner
 * of the NVM layout (the meter) hands it: the journal (cold, hot and legal records), the mirror
 * (each checkpoint again with the legal record, in a log of its own: restore.c reads it) and the
 * billing log.
 */
#include <string.h>

#include "omnipower/registers.h"
#include "registers_priv.h"

#define SECONDS_PER_YEAR 31556952u /* mean Gregorian year */
#define IMAX_MW 23000000u          /* 230 V * 100 A, in mW */

uint64_t omp_regs_hot_interval_ms(const struct omp_nvm_geometry *geo, uint32_t journal_sectors,
                                  uint32_t hot_bytes)
{
    uint64_t cycles = geo->erase_cycles != 0u ? geo->erase_cycles : 10000u;
    uint64_t spare = journal_sectors > 0u ? journal_sectors - 1u : 0u;
    uint64_t budget = spare * (geo->sector_size - OMP_STORE_SECTOR_HDR) * cycles / 4u *
                      3u; /* bytes of hot records over the life */
    uint64_t life_ms = (uint64_t)OMP_CONFIG_NVM_LIFE_YEARS * SECONDS_PER_YEAR * 1000u;
    if (budget == 0u) {
        return life_ms;
    }
    /* hot_bytes * life_ms < 2^8 * 2^41: no overflow */
    return ((uint64_t)hot_bytes * life_ms + budget - 1u) / budget;
}

uint32_t omp_regs_persist_log_sectors(const struct omp_nvm_geometry *geo)
{
    uint32_t entry = omp_store_record_size(geo, OMP_REGS_SNAPSHOT_LEN);
    if (geo->sector_size <= OMP_STORE_SECTOR_HDR || entry == 0u ||
        entry > geo->sector_size - OMP_STORE_SECTOR_HDR) {
        return 0u;
    }
    uint32_t per = (geo->sector_size - OMP_STORE_SECTOR_HDR) / entry;
    return (OMP_CONFIG_BILLING_DEPTH + per - 1u) / per + 1u; /* + the sector a ring keeps free */
}

uint64_t omp_regs_mirror_interval_ms(const struct omp_nvm_geometry *geo, uint32_t sectors)
{
    uint64_t cycles = geo->erase_cycles != 0u ? geo->erase_cycles : 10000u;
    uint32_t entry = omp_store_record_size(geo, OMP_REGS_MIRROR_LEN);
    uint64_t per = (entry != 0u && geo->sector_size > OMP_STORE_SECTOR_HDR)
                       ? (geo->sector_size - OMP_STORE_SECTOR_HDR) / entry
                       : 0u;
    uint64_t life_ms = (uint64_t)OMP_CONFIG_NVM_LIFE_YEARS * SECONDS_PER_YEAR * 1000u;
    uint64_t entries = per * sectors * cycles; /* one erase per `per` entries, over `sectors` */
    return entries == 0u ? life_ms : (life_ms + entries - 1u) / entries;
}

/* Open one log of the persistence; remember its region even when the open failed. */
static omp_err open_log(struct omp_nvm_log *l, const struct omp_nvm_region *r, uint16_t tag,
                        uint16_t len, bool read_only)
{
    omp_err err = omp_nvm_log_open_mode(l, r, tag, len, read_only);
    if (l->rgn.ops == NULL) {
        l->rgn = *r;
        l->tag = tag;
        l->entry_len = len;
    }
    l->frozen = read_only;
    l->stale = err != OMP_OK && err != OMP_ERR_NVM_CORRUPT;
    return err;
}

uint32_t omp_regs_mirror_sectors(const struct omp_nvm_geometry *geo)
{
    uint32_t entry = omp_store_record_size(geo, OMP_REGS_MIRROR_LEN);
    if (entry == 0u || geo->sector_size <= OMP_STORE_SECTOR_HDR ||
        entry > geo->sector_size - OMP_STORE_SECTOR_HDR) {
        return 0u;
    }
    uint64_t per = (geo->sector_size - OMP_STORE_SECTOR_HDR) / entry;
    uint64_t cycles = geo->erase_cycles != 0u ? geo->erase_cycles : 10000u;
    uint64_t life_s = (uint64_t)OMP_CONFIG_NVM_LIFE_YEARS * SECONDS_PER_YEAR;
    uint64_t n = life_s / 300u * 11u / 10u; /* every 5 min, + 10 % */
    uint64_t s = (n + per * cycles - 1u) / (per * cycles);
    return s < OMP_REGS_MIRROR_SECTORS ? OMP_REGS_MIRROR_SECTORS : (uint32_t)s;
}

/* A failed open keeps its region (the next save or read opens it again), a HAL error marks it
 * stale; a damaged one stays readable and refuses writes. A HAL error is the result before a
 * damaged region: it fails the caller, damage is only reported. */
static omp_err open_all(struct omp_regs_persist *p, const struct omp_regs_regions *rg,
                        bool read_only)
{
    omp_err e[3];
    e[0] = omp_store_open_tagged(&p->store, &rg->journal, OMP_REGS_JOURNAL_TAG, read_only);
    if (p->store.rgn.ops == NULL) {
        p->store.rgn = rg->journal;
        p->store.tag = OMP_REGS_JOURNAL_TAG;
    }
    p->store.frozen = read_only;
    p->store.stale = e[0] != OMP_OK && e[0] != OMP_ERR_NVM_CORRUPT;
    e[1] = open_log(&p->mirror, &rg->mirror, OMP_REGS_MIRROR_TAG, (uint16_t)OMP_REGS_MIRROR_LEN,
                    read_only);
    e[2] = open_log(&p->billing, &rg->billing, OMP_REGS_BILLING_TAG,
                    (uint16_t)OMP_REGS_SNAPSHOT_LEN, read_only);
    omp_err worst = OMP_OK;
    for (unsigned i = 0; i < 3u; i++) {
        if (e[i] != OMP_OK && e[i] != OMP_ERR_NVM_CORRUPT) {
            return e[i];
        }
        worst = e[i] != OMP_OK ? e[i] : worst;
    }
    return worst;
}

omp_err omp_regs_persist_open(struct omp_regs_persist *p, const struct omp_regs_regions *rg,
                              uint8_t *buf, bool read_only)
{
    memset(p, 0, sizeof *p);
    p->buf = buf;
    return open_all(p, rg, read_only);
}

omp_err omp_regs_persist_refresh(struct omp_regs_persist *p)
{
    omp_err err = omp_store_refresh(&p->store);
    if (err == OMP_OK) {
        err = omp_nvm_log_refresh(&p->mirror);
    }
    return err == OMP_OK ? omp_nvm_log_refresh(&p->billing) : err;
}

uint32_t omp_regs_persist_damaged(const struct omp_regs_persist *p)
{
    return p->store.stats.damaged + p->mirror.stats.damaged + p->billing.stats.damaged;
}

bool omp_regs_persist_stale(const struct omp_regs_persist *p)
{
    return p->store.stale || p->mirror.stale || p->billing.stale;
}

void omp_regs_persist_budget(struct omp_regs_persist *p, const struct omp_registers *r)
{
    const struct omp_nvm_geometry *geo = &p->store.geo;
    struct omp_wr w = omp_wr_init(p->buf, OMP_REGS_HOT_MAX);
    uint32_t hot_len = omp_registers_encode_hot(r, &w) == OMP_OK ? (uint32_t)omp_wr_len(&w)
                                                                 : OMP_REGS_HOT_MAX;
    p->hot_record_bytes = omp_store_record_size(geo, hot_len);
    p->hot_min_ms = omp_regs_hot_interval_ms(geo, p->store.rgn.sectors, p->hot_record_bytes);
    p->mirror_min_ms = omp_regs_mirror_interval_ms(geo, p->mirror.rgn.sectors);
    p->mirror_credit_ms = (uint64_t)p->mirror.per_sector * p->mirror_min_ms; /* a full bucket */
    p->mirror_refill_ms = UINT64_MAX;
}

/* The mirror's bucket: refilled by the time since the last refill, up to one sector's entries;
 * true (and charged) when it holds an entry's worth or @p force. */
static bool mirror_allowed(struct omp_regs_persist *p, uint64_t mono_ms, bool force)
{
    uint64_t cap = (uint64_t)p->mirror.per_sector * p->mirror_min_ms;
    if (p->mirror_refill_ms != UINT64_MAX && mono_ms > p->mirror_refill_ms) {
        uint64_t add = mono_ms - p->mirror_refill_ms;
        p->mirror_credit_ms = cap - p->mirror_credit_ms < add ? cap : p->mirror_credit_ms + add;
    }
    p->mirror_refill_ms = mono_ms;
    bool ok = force || p->mirror_min_ms == 0u || p->mirror_credit_ms >= p->mirror_min_ms;
    if (ok) {
        p->mirror_credit_ms = p->mirror_credit_ms >= p->mirror_min_ms
                                  ? p->mirror_credit_ms - p->mirror_min_ms
                                  : 0u;
    }
    return ok;
}

/* Write journal record @p key (a HAL error leaves the store stale). */
static omp_err put(struct omp_regs_persist *p, uint16_t key, const uint8_t *data, size_t len)
{
    omp_err err = omp_store_write(&p->store, key, data, len);
    if (err == OMP_OK) {
        p->records++;
    }
    return err;
}

omp_err omp_regs_persist_priv_put_legal(struct omp_regs_persist *p)
{
    return put(p, OMP_REGS_KEY_LEGAL, p->legal, p->legal_len);
}

/* The journal's newest checkpoint into the mirror, when one is behind and the mirror's budget
 * (or @p force) allows. The cold record is at OMP_REGS_PRIV_MIRROR_COLD in the scratch buffer
 * when @p in_buf, else it is read back from the journal (CRC-checked there). */
static omp_err mirror_save(struct omp_regs_persist *p, uint64_t mono_ms, bool force, bool in_buf)
{
    if (!p->mirror_behind || !mirror_allowed(p, mono_ms, force)) {
        return OMP_OK;
    }
    uint8_t *e = p->buf;
    size_t len = OMP_REGS_COLD_LEN;
    omp_err err = OMP_OK;
    if (!in_buf) {
        err = omp_store_read_opt(&p->store, OMP_REGS_KEY_COLD, e + OMP_REGS_PRIV_MIRROR_COLD,
                                 OMP_REGS_COLD_LEN, &len);
    }
    if (err != OMP_OK || len != OMP_REGS_COLD_LEN) {
        p->mirror_behind = err != OMP_OK; /* gone from the journal since: nothing to copy */
        return err;
    }
    memset(e, 0, OMP_REGS_PRIV_MIRROR_COLD);
    e[0] = OMP_REGS_PRIV_MIRROR_VERSION;
    e[1] = p->legal_len;
    e[2] = (uint8_t)(len & 0xFFu);
    e[3] = (uint8_t)(len >> 8);
    memcpy(e + 4, p->legal, p->legal_len);
    err = omp_nvm_log_append(&p->mirror, e);
    if (err == OMP_OK) {
        p->records++;
        p->mirror_saves++;
        p->mirror_behind = false;
    }
    return err;
}

static omp_err save_hot(struct omp_regs_persist *p, struct omp_registers *r, uint64_t mono_ms,
                        bool force);

static omp_err save_cold(struct omp_regs_persist *p, struct omp_registers *r, uint64_t mono_ms,
                         bool force)
{
    uint8_t *cold = p->buf + OMP_REGS_PRIV_MIRROR_COLD;
    struct omp_wr w = omp_wr_init(cold, OMP_REGS_COLD_MAX);
    omp_err err = omp_registers_encode_cold(r, &w);
    if (err == OMP_OK) {
        err = put(p, OMP_REGS_KEY_COLD, cold, omp_wr_len(&w));
    }
    if (err != OMP_OK) {
        return err;
    }
    omp_registers_cold_saved(r);
    p->cold_saves++;
    p->last_hot_ms = mono_ms; /* a checkpoint holds the hot values too */
    p->mirror_behind = true;
    err = mirror_save(p, mono_ms, force, true);
    if (err == OMP_OK && p->mirror_behind) {
        /* held back from the mirror: a hot record naming this checkpoint at once, so that a
         * restore that cannot read it knows it existed (rolled back, not silent) */
        err = save_hot(p, r, mono_ms, true);
    }
    return err;
}

static omp_err save_snapshot(struct omp_regs_persist *p, struct omp_registers *r)
{
    const struct omp_regs_snapshot *snap = omp_registers_pending_snapshot(r);
    if (snap == NULL) {
        return OMP_OK;
    }
    struct omp_wr w = omp_wr_init(p->buf, OMP_REGS_SNAPSHOT_LEN);
    omp_err err = omp_regs_snapshot_encode(snap, &w);
    if (err == OMP_OK) {
        err = omp_nvm_log_append(&p->billing, p->buf);
    }
    if (err == OMP_OK) {
        p->records++;
        p->snapshots++;
        omp_registers_snapshot_saved(r);
    }
    return err;
}

static omp_err save_hot(struct omp_regs_persist *p, struct omp_registers *r, uint64_t mono_ms,
                        bool force)
{
    bool allowed = force || !p->hot_saved_once || mono_ms >= p->last_hot_ms + p->hot_min_ms;
    /* forced (power-fail warning, flush): the exact registers, even below a display step */
    if (!((omp_registers_hot_due(r) || force) && allowed)) {
        return OMP_OK;
    }
    struct omp_wr w = omp_wr_init(p->buf, OMP_REGS_HOT_MAX);
    omp_err err = omp_registers_encode_hot(r, &w);
    if (err == OMP_ERR_OVERFLOW) {
        return save_cold(p, r, mono_ms, force); /* a delta outgrew the hot record: a checkpoint */
    }
    if (err == OMP_OK) {
        err = put(p, OMP_REGS_KEY_HOT, p->buf, omp_wr_len(&w));
    }
    if (err == OMP_OK) {
        omp_registers_hot_saved(r);
        p->hot_saves++;
        p->hot_saved_once = true;
        p->last_hot_ms = mono_ms;
    }
    return err;
}

omp_err omp_regs_persist_save(struct omp_regs_persist *p, struct omp_registers *r,
                              uint64_t mono_ms, bool force)
{
    omp_err err = omp_regs_persist_refresh(p);
    if (err == OMP_OK) {
        err = save_snapshot(p, r);
    }
    if (err == OMP_OK && omp_registers_cold_due(r)) {
        err = save_cold(p, r, mono_ms, force);
    }
    if (err == OMP_OK) {
        err = save_hot(p, r, mono_ms, force);
    }
    /* a checkpoint the mirror's budget held back goes there when allowed */
    return err == OMP_OK ? mirror_save(p, mono_ms, force, false) : err;
}

omp_err omp_regs_persist_billing(struct omp_regs_persist *p, uint32_t age,
                                 struct omp_regs_snapshot *out)
{
    omp_err err = omp_regs_persist_refresh(p);
    if (err == OMP_OK) {
        err = omp_nvm_log_read(&p->billing, age, p->buf, NULL);
    }
    if (err != OMP_OK) {
        return err;
    }
    struct omp_rd rd = omp_rd_init(p->buf, OMP_REGS_SNAPSHOT_LEN);
    return omp_regs_snapshot_decode(&rd, out) == OMP_OK ? OMP_OK : OMP_ERR_NVM_CORRUPT;
}

uint32_t omp_regs_persist_loss_bound_mwh(const struct omp_regs_persist *p,
                                         const struct omp_registers *r)
{
    /* Imax power (W) over the interval plus the second before a save can start (ms): W * ms =
     * mJ, / 3600 = mWh; plus one display step */
    uint64_t lost = (uint64_t)(IMAX_MW / 1000u) * (p->hot_min_ms + 1000u) / 3600u +
                    r->cfg.save_step_u / 1000u;
    return lost > UINT32_MAX ? UINT32_MAX : (uint32_t)lost;
}

/*
 * The registers' persistence: the save order (billing snapshot, cold checkpoint, hot record), the
 * endurance budget that spaces the hot records, the restore, and the loss bound they imply
 * (docs/registers.md, docs/storage.md). It owns the registers' two NVM regions, which the owner of
 * the NVM layout (the meter) hands it: the journal (cold and hot records) and the billing log.
 */
#include <string.h>

#include "omnipower/registers.h"

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

/* A failed open keeps its region (the next save or read opens it again), a HAL error marks it
 * stale; a damaged one stays readable and refuses writes. */
static omp_err open_both(struct omp_regs_persist *p, const struct omp_nvm_region *journal,
                         const struct omp_nvm_region *billing, bool read_only)
{
    omp_err e1 = omp_store_open_tagged(&p->store, journal, OMP_REGS_JOURNAL_TAG, read_only);
    omp_err e2 = omp_nvm_log_open_mode(&p->billing, billing, OMP_REGS_BILLING_TAG,
                                       (uint16_t)OMP_REGS_SNAPSHOT_LEN, read_only);
    if (p->store.rgn.ops == NULL) {
        p->store.rgn = *journal;
        p->store.tag = OMP_REGS_JOURNAL_TAG;
    }
    if (p->billing.rgn.ops == NULL) {
        p->billing.rgn = *billing;
        p->billing.tag = OMP_REGS_BILLING_TAG;
        p->billing.entry_len = (uint16_t)OMP_REGS_SNAPSHOT_LEN;
    }
    p->store.frozen = read_only;
    p->billing.frozen = read_only;
    p->store.stale = e1 != OMP_OK && e1 != OMP_ERR_NVM_CORRUPT;
    p->billing.stale = e2 != OMP_OK && e2 != OMP_ERR_NVM_CORRUPT;
    /* a HAL error first: it fails the caller; a damaged region is only reported */
    if (e1 != OMP_OK && e1 != OMP_ERR_NVM_CORRUPT) {
        return e1;
    }
    return e2 != OMP_OK && e2 != OMP_ERR_NVM_CORRUPT ? e2 : (e1 != OMP_OK ? e1 : e2);
}

omp_err omp_regs_persist_open(struct omp_regs_persist *p, const struct omp_nvm_region *journal,
                              const struct omp_nvm_region *billing, uint8_t *buf, bool read_only)
{
    memset(p, 0, sizeof *p);
    p->buf = buf;
    return open_both(p, journal, billing, read_only);
}

omp_err omp_regs_persist_refresh(struct omp_regs_persist *p)
{
    omp_err err = omp_store_refresh(&p->store);
    return err == OMP_OK ? omp_nvm_log_refresh(&p->billing) : err;
}

uint32_t omp_regs_persist_damaged(const struct omp_regs_persist *p)
{
    return p->store.stats.damaged + p->billing.stats.damaged;
}

bool omp_regs_persist_stale(const struct omp_regs_persist *p)
{
    return p->store.stale || p->billing.stale;
}

omp_err omp_regs_persist_restore(struct omp_regs_persist *p, struct omp_registers *r)
{
    size_t cold_len = 0, hot_len = 0;
    uint8_t *cold = p->buf, *hot = p->buf + OMP_REGS_COLD_MAX;
    uint8_t *snap = hot + OMP_REGS_HOT_MAX;
    omp_err err = omp_store_read_opt(&p->store, OMP_REGS_KEY_COLD, cold, OMP_REGS_COLD_MAX,
                                     &cold_len);
    if (err == OMP_OK) {
        err = omp_store_read_opt(&p->store, OMP_REGS_KEY_HOT, hot, OMP_REGS_HOT_MAX, &hot_len);
    }
    if (err != OMP_OK) {
        return err;
    }
    size_t snap_len = OMP_REGS_SNAPSHOT_LEN;
    err = omp_nvm_log_read(&p->billing, 0, snap, NULL);
    if (err == OMP_ERR_NOT_FOUND) {
        snap_len = 0;
    } else if (err != OMP_OK) {
        return err;
    }
    /* a record that does not decode leaves the registers as initialised (counted in stats) */
    p->restore_err = omp_registers_restore(r, cold_len > 0u ? cold : NULL, cold_len,
                                           hot_len > 0u ? hot : NULL, hot_len,
                                           snap_len > 0u ? snap : NULL, snap_len);
    return OMP_OK;
}

void omp_regs_persist_budget(struct omp_regs_persist *p, const struct omp_registers *r)
{
    const struct omp_nvm_geometry *geo = &p->store.geo;
    struct omp_wr w = omp_wr_init(p->buf, OMP_REGS_HOT_MAX);
    uint32_t hot_len = omp_registers_encode_hot(r, &w) == OMP_OK ? (uint32_t)omp_wr_len(&w)
                                                                 : OMP_REGS_HOT_MAX;
    p->hot_record_bytes = omp_store_record_size(geo, hot_len);
    p->hot_min_ms = omp_regs_hot_interval_ms(geo, p->store.rgn.sectors, p->hot_record_bytes);
}

/* Write journal record @p key from the scratch buffer (a HAL error leaves the store stale). */
static omp_err put(struct omp_regs_persist *p, uint16_t key, size_t len)
{
    omp_err err = omp_store_write(&p->store, key, p->buf, len);
    if (err == OMP_OK) {
        p->records++;
    }
    return err;
}

static omp_err save_cold(struct omp_regs_persist *p, struct omp_registers *r, uint64_t mono_ms)
{
    struct omp_wr w = omp_wr_init(p->buf, OMP_REGS_COLD_MAX);
    omp_err err = omp_registers_encode_cold(r, &w);
    if (err == OMP_OK) {
        err = put(p, OMP_REGS_KEY_COLD, omp_wr_len(&w));
    }
    if (err == OMP_OK) {
        omp_registers_cold_saved(r);
        p->cold_saves++;
        p->last_hot_ms = mono_ms; /* a checkpoint holds the hot values too */
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

omp_err omp_regs_persist_save(struct omp_regs_persist *p, struct omp_registers *r,
                              uint64_t mono_ms, bool force)
{
    omp_err err = omp_regs_persist_refresh(p);
    if (err == OMP_OK) {
        err = save_snapshot(p, r);
    }
    if (err == OMP_OK && omp_registers_cold_due(r)) {
        err = save_cold(p, r, mono_ms);
    }
    if (err != OMP_OK) {
        return err;
    }
    bool allowed = force || !p->hot_saved_once || mono_ms >= p->last_hot_ms + p->hot_min_ms;
    /* forced (power-fail warning, flush): the exact registers, even below a display step */
    if (!((omp_registers_hot_due(r) || force) && allowed)) {
        return OMP_OK;
    }
    struct omp_wr w = omp_wr_init(p->buf, OMP_REGS_HOT_MAX);
    err = omp_registers_encode_hot(r, &w);
    if (err == OMP_ERR_OVERFLOW) {
        return save_cold(p, r, mono_ms); /* a delta outgrew the hot record: a checkpoint */
    }
    if (err == OMP_OK) {
        err = put(p, OMP_REGS_KEY_HOT, omp_wr_len(&w));
    }
    if (err == OMP_OK) {
        omp_registers_hot_saved(r);
        p->hot_saves++;
        p->hot_saved_once = true;
        p->last_hot_ms = mono_ms;
    }
    return err;
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

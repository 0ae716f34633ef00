/*
 * The registers' restore: the newest cold checkpoint of the journal or of the mirror, the hot
 * record and the newest billing snapshot; the legal record kept beside them; and what a restore
 * tells about saves it could not find (docs/storage.md "The mirror").
 */
#include <string.h>

#include "omnipower/registers.h"
#include "registers_priv.h"

#define KIND_COLD ((uint8_t)'C')
#define KIND_HOT ((uint8_t)'H')

_Static_assert(OMP_REGS_MIRROR_LEN <= OMP_REGS_HOT_MAX + OMP_REGS_SNAPSHOT_LEN,
               "a mirror entry is read behind the cold record in the scratch buffer");

/* Checkpoint ids count up and wrap from 0xFFFFFFFF to 1: serial-number order, 0 = none. */
static bool id_newer(uint32_t a, uint32_t b)
{
    return a != 0u && (b == 0u || (a - b != 0u && a - b < 0x80000000u));
}

/* The checkpoint id of mirror entry @p e if its frame and its cold record's head are sound,
 * else 0 (the log checked its CRC; the registers' decoder checks the rest). */
static uint32_t entry_id(const uint8_t *e)
{
    size_t cold_len = (size_t)e[2] | (size_t)e[3] << 8;
    if (e[0] != OMP_REGS_PRIV_MIRROR_VERSION || e[1] > OMP_REGS_LEGAL_MAX ||
        cold_len != OMP_REGS_COLD_LEN) {
        return 0u;
    }
    return omp_regs_priv_record_id(e + OMP_REGS_PRIV_MIRROR_COLD, cold_len, KIND_COLD);
}

/* The newest mirror entry that passes its checks, into @p e; *id its checkpoint id (0: none). */
static omp_err mirror_newest(const struct omp_regs_persist *p, uint8_t *e, uint32_t *id)
{
    *id = 0u;
    for (uint32_t age = 0; age < p->mirror.count; age++) {
        omp_err err = omp_nvm_log_read(&p->mirror, age, e, NULL);
        if (err == OMP_OK) {
            *id = entry_id(e);
            if (*id != 0u) {
                return OMP_OK;
            }
        } else if (err != OMP_ERR_NOT_FOUND) {
            return err;
        }
    }
    return OMP_OK;
}

/* true if the regions hold any register record (a record too big for no room is one). */
static bool registers_stored(const struct omp_regs_persist *p)
{
    return omp_store_read(&p->store, OMP_REGS_KEY_COLD, NULL, 0u, NULL) == OMP_ERR_NOSPACE ||
           omp_store_read(&p->store, OMP_REGS_KEY_HOT, NULL, 0u, NULL) == OMP_ERR_NOSPACE ||
           p->mirror.count != 0u || p->billing.count != 0u;
}

omp_err omp_regs_persist_legal(struct omp_regs_persist *p, const uint8_t *legal, size_t len)
{
    if (p == NULL || legal == NULL || len == 0u || len > OMP_REGS_LEGAL_MAX) {
        return OMP_ERR_ARG;
    }
    uint8_t *have = p->buf;
    size_t have_len = 0;
    uint32_t id = 0;
    omp_err err = omp_store_read_opt(&p->store, OMP_REGS_KEY_LEGAL, have, OMP_REGS_LEGAL_MAX,
                                     &have_len);
    bool in_journal = have_len != 0u;
    if (err == OMP_OK && !in_journal) {
        err = mirror_newest(p, have, &id); /* the journal lost it: the mirror's copy */
        have_len = id != 0u ? have[1] : 0u;
        memmove(have, have + 4, have_len);
    }
    if (err != OMP_OK) {
        return err;
    }
    bool damaged = omp_regs_persist_damaged(p) != 0u;
    if (have_len != 0u && (have_len != len || memcmp(have, legal, len) != 0)) {
        return OMP_ERR_DENIED;
    }
    if (have_len == 0u && registers_stored(p) && !damaged) {
        /* registers without their legal record: it was lost. Damage of the journal (one
         * sector's worth): nothing is written, the evidence stays */
        p->store.stats.damaged++;
        p->store.frozen = true;
        p->mirror.frozen = true;
        p->billing.frozen = true;
        return OMP_ERR_NVM_CORRUPT;
    }
    memcpy(p->legal, legal, len);
    p->legal_len = (uint8_t)len;
    if (in_journal || damaged || p->store.frozen) {
        return OMP_OK;
    }
    return omp_regs_persist_priv_put_legal(p);
}

/* Which checkpoint to restore: the journal's (in @p cold) or the mirror's newest (in @p entry,
 * then copied to @p cold); sets restored_from and restored_id. */
static void choose(struct omp_regs_persist *p, uint8_t *cold, size_t *cold_len,
                   const uint8_t *entry, uint32_t j_id, uint32_t m_id)
{
    if (id_newer(m_id, j_id)) {
        memcpy(cold, entry + OMP_REGS_PRIV_MIRROR_COLD, OMP_REGS_COLD_LEN);
        *cold_len = OMP_REGS_COLD_LEN;
        p->restored_from = OMP_REGS_FROM_MIRROR;
        p->restored_id = m_id;
    } else {
        p->restored_from = j_id != 0u ? OMP_REGS_FROM_JOURNAL : OMP_REGS_FROM_NONE;
        p->restored_id = j_id;
    }
}

/* What the records say about lost saves: the newest id any of them names, and whether the
 * restore may be older than the newest save. */
static void judge(struct omp_regs_persist *p, uint32_t j_id, uint32_t m_id, uint32_t h_id,
                  bool other_records)
{
    uint32_t newest = id_newer(m_id, j_id) ? m_id : j_id;
    newest = id_newer(h_id, newest) ? h_id : newest;
    p->newest_id = newest;
    switch (p->restored_from) {
    case OMP_REGS_FROM_MIRROR: /* the journal lost its newest: hot records on it too? */
        p->rolled_back = id_newer(newest, p->restored_id) || h_id != p->restored_id;
        break;
    case OMP_REGS_FROM_JOURNAL:
        p->rolled_back = id_newer(newest, p->restored_id);
        break;
    default: /* no checkpoint anywhere, yet other register records */
        p->rolled_back = other_records;
        break;
    }
}

omp_err omp_regs_persist_restore(struct omp_regs_persist *p, struct omp_registers *r)
{
    size_t cold_len = 0, hot_len = 0, snap_len = OMP_REGS_SNAPSHOT_LEN;
    uint8_t *cold = p->buf, *hot = p->buf + OMP_REGS_COLD_MAX;
    uint8_t *snap = hot + OMP_REGS_HOT_MAX;
    uint32_t m_id = 0;
    omp_err err = omp_store_read_opt(&p->store, OMP_REGS_KEY_COLD, cold, OMP_REGS_COLD_MAX,
                                     &cold_len);
    uint32_t j_id = omp_regs_priv_record_id(cold, cold_len, KIND_COLD);
    if (err == OMP_OK) {
        err = mirror_newest(p, hot, &m_id); /* read behind the cold record, before the hot */
    }
    if (err == OMP_OK) {
        choose(p, cold, &cold_len, hot, j_id, m_id);
        err = omp_store_read_opt(&p->store, OMP_REGS_KEY_HOT, hot, OMP_REGS_HOT_MAX, &hot_len);
    }
    if (err == OMP_OK) {
        err = omp_nvm_log_read(&p->billing, 0, snap, NULL);
        snap_len = err == OMP_OK ? snap_len : 0u;
        err = err == OMP_ERR_NOT_FOUND ? OMP_OK : err;
    }
    if (err != OMP_OK) {
        return err;
    }
    judge(p, j_id, m_id, omp_regs_priv_record_id(hot, hot_len, KIND_HOT),
          hot_len != 0u || p->billing.count != 0u);
    /* a record that does not decode leaves the registers as initialised (counted in stats) */
    p->restore_err = omp_registers_restore(r, cold_len > 0u ? cold : NULL, cold_len,
                                           hot_len > 0u ? hot : NULL, hot_len,
                                           snap_len > 0u ? snap : NULL, snap_len);
    if (p->restore_err == OMP_OK && id_newer(p->newest_id, r->checkpoint_id)) {
        /* the next checkpoint gets an id no surviving hot record names */
        r->checkpoint_id = p->newest_id;
        r->cold_due = true;
    }
    return OMP_OK;
}

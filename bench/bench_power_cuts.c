/*
 * Power cuts over the whole meter, counted (issue #12: a measuring run outside CI).
 *
 *   bench_power_cuts [CUTS [SEED]]     default 100000 cuts, seed 1
 *
 * A meter (factory configuration, Z1 6.3 so a save is due every 1 Wh) runs on the fake board's
 * RAM NVM of the smallest 4 KiB meter, 12 sectors of 4 KiB, program unit 8: register journal 3
 * (sectors 0..2), its mirror 3 (3..5: each checkpoint again with the legal data), settings store
 * 2 (6..7), billing log 4 (8..11) (docs/storage.md "The meter's regions"); a small journal, mirror
 * and log rotate often, so every write phase comes up. Load: 230 V, 100 A at a phase that changes
 * with the hour (import, export, inductive, capacitive); time is compressed (each tick feeds 5
 * mains cycles of samples and moves the clocks TICK_S seconds), a debiting stop is forced now and
 * then, so the billing log fills and wraps.
 *
 * Each cut, in turn:
 *  - at a byte that sweeps the stream programmed after a power-on (1 + (k * 541) mod 1500), or
 *  - at a random byte (1..3000), or
 *  - during an erase: the 1st..3rd erase after the power-on is torn in one of five patterns
 *    (first half, second half, header only, all but the header, stripes: what an interrupted
 *    erase may leave) and the power goes, or
 *  - in the next write of one kind (journal sector header or record, mirror sector header or
 *    entry, billing log sector header or entry, settings).
 * Init itself is cut as well (the cut is armed before the start). After a cut the supply stays
 * off for a while (none, minutes, hours, a day), then the meter starts again from NVM and:
 *  - damaged_sectors is 0 (a power cut is never damage), the registers decoded (restore_err 0),
 *    rolled_back is false (a power cut is never a rollback);
 *  - every energy and tariff register, the hour counter, the pulse input, the debiting and
 *    threshold counters are >= their values at the last save the meter reported complete
 *    (nothing goes backwards) and <= their values at the cut (nothing invented);
 *  - a restore from the mirror is counted (the journal keeps every checkpoint a cut leaves: none
 *    is expected).
 *
 * Two damage injections, each on a copy of the NVM with a second meter started on it (the running
 * meter is not touched by them):
 *  - every 20th restart, one bit flipped in a random sector header: damage must be reported
 *    (damaged_sectors > 0, OMP_EV_NVM_DAMAGED) and the copy stay byte for byte unchanged through
 *    init, a tick, a poll and a flush (which returns OMP_ERR_NVM_CORRUPT). A flip in the sector
 *    right after a container's head cannot be told from an interrupted rotation (docs/storage.md
 *    "Damage"): counted apart, not a violation.
 *  - every 10th restart (the 5th of each ten), damage to one sector that the redundancy must
 *    cover, on a copy of the image the cut left (the journal opened once on it, to repair what the
 *    cut left as the meter would), in turn: one bit flipped in the payload or in the CRC of the
 *    journal's newest cold checkpoint, in the payload of its newest hot record (what damage
 *    detection cannot tell from a torn write), the journal's head sector zeroed or erased, one
 *    mirror sector zeroed or erased. Then: every register and counter >= its value at the last
 *    cold checkpoint the meter reported complete (persist.cold_saves, also in a poll the cut
 *    failed: one damaged sector loses nothing older) and <= its value at the cut. Where the cut
 *    itself tore what makes that checkpoint redundant, its copy in the mirror or (the mirror's
 *    budget holding it back) the hot record naming it (a second fault: until the next start the
 *    checkpoint is in the journal only, named by nothing else), the bound is the mirror's newest
 *    checkpoint and a restore below the last one is counted apart ("torn"); a checkpoint the
 *    mirror's budget held back has no such excuse. A restore from the mirror counts as a
 *    redundant copy; rolled_back set means OMP_EV_NVM_ROLLED_BACK in the event queue, clear means
 *    no such event; meter status bit 1 in a mode C readout (97.97.0) is set exactly when the
 *    restore rolled back, a record did not decode or damage was reported.
 *
 * Prints the cuts by mode and by what was being written, restarts, the endurance budgets, restores
 * from a redundant copy, both injections by outcome (the second by kind: restored from the
 * mirror, rolled back and of those the ones that lost no save, damage reported, torn, torn and not
 * rolled back, out of bounds), invariant violations and the wall time. Each violation and each
 * missed damage is printed with the arguments that reproduce it (the run is deterministic for a
 * seed), a missed one also saves the damaged image as power_cuts_<cut>.nvm, a violation of the
 * second injection its image as power_cuts_<cut>_loss.nvm. Exit status 1 when there is one. Not
 * run by ctest: docs/storage.md "Testing" has the figures.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <omnipower/hal_fakes.h>
#include <omnipower/omnipower.h>

#define SECTOR 4096u
#define SECTORS 12u
#define NVM_SIZE (SECTOR * SECTORS)
#define JOURNAL 3u  /* sectors 0..2 */
#define MIRROR 3u   /* sectors 3..5 */
#define SETTINGS 2u /* sectors 6..7 */
#define LOG 4u      /* sectors 8..11 */
#define REGIONS 4u
#define FS 4000u
#define SPC (FS / 50u)
#define TICK_S 120u
#define LOADS 4
#define SWEEP 1500u
#define TX_MAX 1024u
#define T_START ((omp_time_s)1798761600) /* 2027-01-01T00:00:00Z */
#define PI 3.14159265358979323846

static const struct omp_nvm_geometry k_geo = { NVM_SIZE, SECTOR, 8u, 0xFFu, 100000u };
/* the regions in NVM order: journal, mirror, settings store, billing log */
static const uint32_t k_first[REGIONS] = {0u, JOURNAL, JOURNAL + MIRROR,
                                          JOURNAL + MIRROR + SETTINGS};
static const uint32_t k_count[REGIONS] = {JOURNAL, MIRROR, SETTINGS, LOG};

/* What a cut interrupted: region * 3 + (sector header, record or entry, erase). */
enum phase {
    PH_J_HDR, PH_J_REC, PH_J_ERASE, /* journal: sector header, record, erase */
    PH_M_HDR, PH_M_REC, PH_M_ERASE, /* mirror */
    PH_S_HDR, PH_S_REC, PH_S_ERASE, /* settings store */
    PH_L_HDR, PH_L_REC, PH_L_ERASE, /* billing log */
    PH_COUNT
};
static const char *const k_phase[PH_COUNT] = {
    "journal sector header", "journal record", "journal erase",
    "mirror sector header", "mirror entry", "mirror erase",
    "settings sector header", "settings record", "settings erase",
    "billing log sector header", "billing log entry", "billing log erase",
};

/* The damage to one sector that the redundancy must cover (the second injection). */
enum loss {
    LS_COLD_PAYLOAD, LS_COLD_CRC, LS_HOT_PAYLOAD, LS_HEAD_ZERO, LS_HEAD_ERASE, LS_MIRROR_ZERO,
    LS_MIRROR_ERASE, LS_COUNT
};
static const char *const k_loss[LS_COUNT] = {
    "newest cold checkpoint, payload bit", "newest cold checkpoint, CRC bit",
    "newest hot record, payload bit", "journal head sector zeroed", "journal head sector erased",
    "a mirror sector zeroed", "a mirror sector erased",
};
/* its outcomes, counted per kind: restored from the mirror; rolled back, and of those the ones
 * that lost no save; damage reported; below the last checkpoint because the cut tore its mirror
 * copy or the hot record naming it (a second fault: the checkpoint was in the journal only), and
 * of those the ones not rolled back; out of bounds (a violation) */
enum outcome {
    OC_INJECTED, OC_FROM_MIRROR, OC_ROLLED_BACK, OC_NOTHING_LOST, OC_DAMAGE, OC_TORN,
    OC_TORN_SILENT, OC_OUT, OC_COUNT
};

struct regs {
    uint64_t e[10 + 2 * OMP_CONFIG_TARIFFS];
    uint64_t pulse;
    uint32_t hours, billing, threshold;
};

struct bench {
    uint8_t mem[NVM_SIZE];
    uint32_t erases[SECTORS];
    struct omp_fake_board b;
    struct omp_hal_ops ops; /* the board's, with erase tearing */
    struct omp_hal hal;
    struct omp_meter_cfg cfg, cfg2; /* cfg2: the second meters' (User Data 2: the status only) */
    struct omp_meter m;
    int32_t load[LOADS][2u * SPC];
    /* the cut being armed */
    int target_region;      /* cut in the next program into this region (-1: off) ... */
    bool target_header;     /* ... that is a sector header (else any program there) */
    uint64_t target_ticks;  /* ticks waited for it */
    unsigned tear_erase;    /* tear the n-th erase from now (0: off) */
    unsigned tear_pattern;
    bool dead;              /* a torn erase cut the power: every NVM op fails until power-on */
    int cut_phase;          /* what the cut hit, -1 before it happens */
    int at_cut_phase;       /* what the last cut in a poll hit */
    bool cut_after_cold;    /* ... after that poll had completed a cold checkpoint */
    bool in_init;
    /* the injections' second board */
    uint8_t mem2[NVM_SIZE], before2[NVM_SIZE];
    uint32_t erases2[SECTORS];
    struct omp_fake_board b2;
    struct omp_hal_ops ops2; /* the board's, with the optical port's output kept in tx */
    struct omp_meter m2;
    struct omp_store journal2; /* the copy's journal, opened to find its newest records */
    uint8_t tx[TX_MAX];
    size_t tx_len;
    /* the running meter's registers at its saves */
    struct regs durable, at_cut;
    struct regs cold_at;    /* at the last cold checkpoint it reported complete */
    struct regs mirror_at;  /* at the newest checkpoint the mirror took */
    uint64_t seen_cold, seen_mirror; /* its persist.cold_saves, mirror_saves when last looked */
    uint64_t cold_seq, mirror_seq;   /* checkpoints seen complete; the newest the mirror took */
    uint32_t rng;
    uint64_t sweep_k;
    /* counters */
    uint64_t cuts, cuts_mode[4], cuts_init, phase[PH_COUNT], restarts, outages, ticks;
    uint64_t cut_from_mirror;
    uint64_t inj, inj_detected, inj_missed_ambiguous, inj_missed, violations;
    uint64_t loss[LS_COUNT][OC_COUNT], loss_skipped, loss_budget, loss_out_silent;
    uint64_t behind_budget, behind_torn; /* injections with the last checkpoint not in the mirror */
    unsigned loss_next;     /* the next kind of the second injection */
};

static struct bench g_b;
static uint32_t g_seed;

static uint32_t rnd(struct bench *b)
{
    b->rng ^= b->rng << 13;
    b->rng ^= b->rng >> 17;
    b->rng ^= b->rng << 5;
    return b->rng;
}

static int region_of(uint32_t addr)
{
    uint32_t s = addr / SECTOR;
    int r = (int)REGIONS - 1;
    while (r > 0 && s < k_first[r]) {
        r--;
    }
    return r;
}

/* ---- the NVM: the board's, with the phase of a program cut noted and erases torn ------------ */

static omp_err nvm_program(void *user, uint32_t addr, const void *src, size_t len)
{
    struct omp_fake_board *fb = user;
    struct bench *b = &g_b;
    if (b->dead) {
        return OMP_ERR_POWER_LOST;
    }
    const struct omp_ram_nvm *n = &fb->nvm;
    if (b->target_region == region_of(addr) &&
        (!b->target_header || addr % SECTOR < OMP_STORE_SECTOR_HDR)) {
        b->target_region = -1;
        omp_ram_nvm_cut_after(&fb->nvm, 1u + rnd(b) % (uint32_t)len);
    }
    if (n->cut_at != 0u && n->programmed_bytes + len >= n->cut_at) {
        /* the cut falls in this call: a sector header is the first 16 bytes of a sector */
        uint32_t at = addr + (uint32_t)(n->cut_at - n->programmed_bytes - 1u);
        b->cut_phase = region_of(at) * 3 + ((at % SECTOR) < OMP_STORE_SECTOR_HDR ? 0 : 1);
    }
    return omp_fake_board_ops.nvm_program(user, addr, src, len);
}

static omp_err nvm_erase(void *user, uint32_t addr)
{
    struct omp_fake_board *fb = user;
    struct bench *b = &g_b;
    if (b->dead) {
        return OMP_ERR_POWER_LOST;
    }
    if (b->tear_erase == 0u || --b->tear_erase != 0u) {
        return omp_fake_board_ops.nvm_erase(user, addr);
    }
    /* an interrupted erase: some bytes erased, the others as they were */
    uint8_t *s = fb->nvm.mem + addr;
    switch (b->tear_pattern) {
    case 0: memset(s, 0xFF, SECTOR / 2u); break;
    case 1: memset(s + SECTOR / 2u, 0xFF, SECTOR / 2u); break;
    case 2: memset(s, 0xFF, OMP_STORE_SECTOR_HDR); break;
    case 3: memset(s + OMP_STORE_SECTOR_HDR, 0xFF, SECTOR - OMP_STORE_SECTOR_HDR); break;
    default:
        for (uint32_t k = 0; k < SECTOR; k += 128u) {
            memset(s + k, 0xFF, 64u);
        }
        break;
    }
    b->cut_phase = region_of(addr) * 3 + 2;
    b->dead = true;
    return OMP_ERR_POWER_LOST;
}

static omp_err nvm_read(void *user, uint32_t addr, void *dst, size_t len)
{
    return g_b.dead ? OMP_ERR_POWER_LOST : omp_fake_board_ops.nvm_read(user, addr, dst, len);
}

/* The second board's optical port: what the meter sends, kept for the readout. */
static omp_err port_write(void *user, enum omp_port port, const uint8_t *data, size_t len,
                          size_t *written)
{
    struct bench *b = &g_b;
    (void)user;
    if (port == OMP_PORT_OPTICAL) {
        size_t n = len < TX_MAX - b->tx_len ? len : TX_MAX - b->tx_len;
        memcpy(b->tx + b->tx_len, data, n);
        b->tx_len += n;
    }
    *written = len;
    return OMP_OK;
}

static void power_on(struct bench *b)
{
    omp_ram_nvm_cut_after(&b->b.nvm, 0);
    omp_ram_nvm_power_on(&b->b.nvm);
    b->dead = false;
    b->tear_erase = 0;
    b->target_region = -1;
}

/* Arm the next cut: one of the four modes in turn. */
static void arm(struct bench *b)
{
    unsigned mode = (unsigned)(b->cuts % 4u);
    b->cut_phase = -1;
    if (mode == 0u) {
        omp_ram_nvm_cut_after(&b->b.nvm, 1u + (b->sweep_k++ * 541u) % SWEEP);
    } else if (mode == 1u) {
        omp_ram_nvm_cut_after(&b->b.nvm, 1u + rnd(b) % 3000u);
    } else if (mode == 2u) {
        b->tear_erase = 1u + rnd(b) % 3u;
        b->tear_pattern = rnd(b) % 5u;
    } else {
        /* in turn: journal header, journal record, mirror header, mirror entry, log header,
           log entry, settings */
        static const int k_region[7] = {0, 0, 1, 1, 3, 3, 2};
        static const bool k_header[7] = {true, false, true, false, true, false, false};
        unsigned t = (unsigned)(b->cuts / 4u % 7u);
        b->target_region = k_region[t];
        b->target_header = k_header[t];
        b->target_ticks = 0;
    }
}

/* ---- checks --------------------------------------------------------------------------------- */

static void regs_of(const struct omp_meter *m, struct regs *r)
{
    const struct omp_registers *g = &m->regs;
    const struct omp_metro_energy *e = &g->e.total;
    unsigned k = 0;
    r->e[k++] = e->a_plus_uwh;
    r->e[k++] = e->a_minus_uwh;
    r->e[k++] = e->r_plus_uvarh;
    r->e[k++] = e->r_minus_uvarh;
    for (unsigned q = 0; q < 4u; q++) {
        r->e[k++] = e->r_quadrant_uvarh[q];
    }
    r->e[k++] = e->e_plus_uvah;
    r->e[k++] = e->e_minus_uvah;
    for (unsigned q = 0; q < OMP_CONFIG_TARIFFS; q++) {
        r->e[k++] = g->e.a_plus_t[q];
        r->e[k++] = g->e.r_plus_t[q];
    }
    r->pulse = g->pulse_milli;
    r->hours = g->hours;
    r->billing = g->billing_count;
    r->threshold = g->threshold_count;
}

static void violation(struct bench *b, const char *what)
{
    b->violations++;
    if (b->violations <= 20u) {
        printf("VIOLATION at cut %llu (seed %u; reproduce: bench_power_cuts %llu %u): %s\n",
               (unsigned long long)b->cuts, (unsigned)g_seed, (unsigned long long)b->cuts + 1u,
               (unsigned)g_seed, what);
    }
}

/* The first register or counter of @p now outside [@p lo, @p hi], described in @p msg; false if
 * every one is inside. */
static bool out_of_bounds(const struct regs *now, const struct regs *lo, const struct regs *hi,
                          char *msg, size_t cap)
{
    for (size_t k = 0; k < sizeof now->e / sizeof now->e[0]; k++) {
        if (now->e[k] < lo->e[k] || now->e[k] > hi->e[k]) {
            snprintf(msg, cap, "energy register %zu: lower bound %llu, at the cut %llu, "
                     "restored %llu", k, (unsigned long long)lo->e[k], (unsigned long long)hi->e[k],
                     (unsigned long long)now->e[k]);
            return true;
        }
    }
    if (now->pulse < lo->pulse || now->pulse > hi->pulse || now->hours < lo->hours ||
        now->hours > hi->hours || now->billing < lo->billing || now->billing > hi->billing ||
        now->threshold < lo->threshold || now->threshold > hi->threshold) {
        snprintf(msg, cap, "a counter went back or was invented (lower bound / at the cut / "
                 "restored): pulse %llu/%llu/%llu, hours %u/%u/%u, debiting %u/%u/%u, threshold "
                 "%u/%u/%u", (unsigned long long)lo->pulse, (unsigned long long)hi->pulse,
                 (unsigned long long)now->pulse, (unsigned)lo->hours, (unsigned)hi->hours,
                 (unsigned)now->hours, (unsigned)lo->billing, (unsigned)hi->billing,
                 (unsigned)now->billing, (unsigned)lo->threshold, (unsigned)hi->threshold,
                 (unsigned)now->threshold);
        return true;
    }
    return false;
}

static const char *source_name(enum omp_regs_source s)
{
    return s == OMP_REGS_FROM_MIRROR ? "the mirror" : s == OMP_REGS_FROM_JOURNAL ? "the journal"
                                                                                 : "nowhere";
}

/* After a poll, a flush or a start: the registers at the last cold checkpoint the running meter
 * reported complete (a poll that failed may have completed one before the cut), and whether the
 * mirror took it too (it takes one at most once per its budget, always after the journal). */
static void track_saves(struct bench *b)
{
    const struct omp_regs_persist *p = &b->m.persist;
    if (p->cold_saves != b->seen_cold) {
        regs_of(&b->m, &b->cold_at);
        b->cold_seq++;
    }
    if (p->mirror_saves != b->seen_mirror) {
        b->mirror_seq = b->cold_seq; /* the journal's newest checkpoint */
        b->mirror_at = b->cold_at;
    }
    b->seen_cold = p->cold_saves;
    b->seen_mirror = p->mirror_saves;
}

static void check_restart(struct bench *b)
{
    struct regs now;
    regs_of(&b->m, &now);
    struct omp_meter_nvm_info info;
    if (omp_meter_nvm_info(&b->m, &info) != OMP_OK || info.damaged_sectors != 0u) {
        violation(b, "a power cut was taken for damage");
    }
    if (b->m.persist.restore_err != OMP_OK) {
        violation(b, "a register record did not decode");
    }
    char msg[320];
    if (info.rolled_back) {
        snprintf(msg, sizeof msg, "a power cut was taken for a rollback: checkpoint %u restored "
                 "from %s, %u named", (unsigned)info.restored_checkpoint,
                 source_name(info.restored_from), (unsigned)info.newest_checkpoint);
        violation(b, msg);
    }
    if (info.restored_from == OMP_REGS_FROM_MIRROR && ++b->cut_from_mirror <= 10u) {
        printf("note: cut %llu (seed %u): a plain cut restored checkpoint %u from the mirror\n",
               (unsigned long long)b->cuts, (unsigned)g_seed, (unsigned)info.restored_checkpoint);
    }
    if (out_of_bounds(&now, &b->durable, &b->at_cut, msg, sizeof msg)) {
        violation(b, msg);
    }
}

/* ---- damage injections on a copy ------------------------------------------------------------ */

/* A reproducer: the damaged image as power_cuts_<cut><suffix>.nvm in the working directory. */
static const char *save_image(const struct bench *b, const uint8_t *img, const char *suffix)
{
    static char name[64];
    snprintf(name, sizeof name, "power_cuts_%llu%s.nvm", (unsigned long long)b->cuts, suffix);
    FILE *f = fopen(name, "wb");
    if (f == NULL) {
        return "(not saved)";
    }
    size_t n = fwrite(img, 1, NVM_SIZE, f);
    return fclose(f) == 0 && n == NVM_SIZE ? name : "(not saved)";
}

/* The second board, holding a copy of @p img; its clock is the running meter's. */
static bool board2(struct bench *b, const uint8_t *img)
{
    if (omp_fake_board_init(&b->b2, b->mem2, &k_geo, b->erases2, b->b.clock.now.utc_s) != OMP_OK) {
        violation(b, "second board");
        return false;
    }
    memcpy(b->mem2, img, NVM_SIZE);
    return true;
}

static struct omp_hal hal2(struct bench *b)
{
    struct omp_hal h = {.ops = &b->ops2, .user = &b->b2};
    return h;
}

static bool start2(struct bench *b)
{
    struct omp_hal h = hal2(b);
    if (omp_meter_init(&b->m2, &h, &b->cfg2, &b->b2.clock.now) != OMP_OK) {
        violation(b, "init on a damaged copy failed");
        return false;
    }
    return true;
}

#define EV_DAMAGED 1u
#define EV_ROLLED_BACK 2u

/* Which of OMP_EV_NVM_DAMAGED and OMP_EV_NVM_ROLLED_BACK the meter's event queue holds. */
static unsigned nvm_events(const struct omp_meter *m)
{
    struct omp_evq_reader rd;
    struct omp_event ev;
    unsigned seen = 0;
    if (omp_evq_reader_init(omp_meter_events(m), &rd) == OMP_OK) {
        while (omp_evq_read(omp_meter_events(m), &rd, &ev, NULL) == OMP_OK) {
            seen |= ev.code == OMP_EV_NVM_DAMAGED ? EV_DAMAGED : 0u;
            seen |= ev.code == OMP_EV_NVM_ROLLED_BACK ? EV_ROLLED_BACK : 0u;
        }
    }
    return seen;
}

static void step2(struct bench *b, unsigned ms)
{
    for (unsigned t = 0; t < ms; t += 100u) {
        omp_fake_clock_advance_ms(&b->b2.clock, 100u);
        omp_meter_tick(&b->m2, &b->b2.clock.now);
        omp_err err = omp_meter_poll(&b->m2);
        (void)err; /* the status tells */
    }
}

/* Meter status 1.1.97.97.0.255 from a mode C readout of User Data 2 over the optical port of the
 * second meter (cfg2 lists the status only); -1 when the readout did not give it. */
static int read_status(struct bench *b)
{
    static const char k_key[] = "97.97.0(";
    const size_t kl = sizeof k_key - 1u;
    b->tx_len = 0;
    if (omp_meter_on_rx(&b->m2, OMP_PORT_OPTICAL, (const uint8_t *)"/?!\r\n", 5u) != OMP_OK) {
        return -1;
    }
    step2(b, 400u);
    if (omp_meter_on_rx(&b->m2, OMP_PORT_OPTICAL, (const uint8_t *)"\x06" "050\r\n", 6u) !=
        OMP_OK) {
        return -1;
    }
    step2(b, 600u);
    for (size_t i = 0; i + kl < b->tx_len; i++) {
        if (memcmp(b->tx + i, k_key, kl) == 0) {
            unsigned v = 0;
            size_t j = i + kl;
            for (; j < b->tx_len && b->tx[j] >= '0' && b->tx[j] <= '9'; j++) {
                v = v * 10u + (unsigned)(b->tx[j] - '0');
            }
            return j > i + kl && j < b->tx_len && b->tx[j] == ')' ? (int)v : -1;
        }
    }
    return -1;
}

/* -- one flipped sector header bit: damage that must be reported -- */

/* A flipped header bit that the documented rules cannot tell from a power cut: in the sector
 * after a container's head (a torn rotation), or in the first sector of a region that is
 * otherwise erased (a torn format; the billing log stays erased until its first entry). */
static bool reads_as_power_cut(const struct omp_meter *m, const uint8_t *img, uint32_t sector)
{
    for (unsigned k = 0; k < REGIONS; k++) {
        if (sector != k_first[k]) {
            continue;
        }
        bool erased = true;
        for (uint32_t a = (k_first[k] + 1u) * SECTOR;
             erased && a < (k_first[k] + k_count[k]) * SECTOR; a++) {
            erased = img[a] == 0xFFu;
        }
        if (erased) {
            return true;
        }
    }
    const uint32_t head[REGIONS] = {m->persist.store.head, m->persist.mirror.head, m->settings.head,
                                    m->persist.billing.head};
    for (unsigned k = 0; k < REGIONS; k++) {
        if (sector == k_first[k] + (head[k] + 1u) % k_count[k]) {
            return true;
        }
    }
    return false;
}

static void missed_damage(struct bench *b, uint32_t sector, uint32_t bit)
{
    if (reads_as_power_cut(&b->m, b->mem, sector)) {
        b->inj_missed_ambiguous++;
        return;
    }
    b->inj_missed++;
    if (b->inj_missed <= 20u) {
        printf("MISSED DAMAGE at cut %llu (seed %u; reproduce: bench_power_cuts %llu %u): a "
               "flipped bit (sector %u, header byte %u, bit %u) was not reported; heads: "
               "journal %u, mirror %u, settings %u, log %u; image: %s\n",
               (unsigned long long)b->cuts, (unsigned)g_seed, (unsigned long long)b->cuts + 1u,
               (unsigned)g_seed, (unsigned)sector, (unsigned)(bit / 8u), (unsigned)(bit % 8u),
               (unsigned)b->m.persist.store.head, (unsigned)b->m.persist.mirror.head,
               (unsigned)b->m.settings.head, (unsigned)b->m.persist.billing.head,
               save_image(b, b->before2, ""));
    }
}

static void inject_damage(struct bench *b)
{
    b->inj++;
    memcpy(b->before2, b->mem, NVM_SIZE);
    uint32_t sector = rnd(b) % SECTORS;
    uint32_t bit = rnd(b) % (OMP_STORE_SECTOR_HDR * 8u);
    b->before2[sector * SECTOR + bit / 8u] ^= (uint8_t)(1u << (bit % 8u));
    if (!board2(b, b->before2) || !start2(b)) {
        return;
    }
    struct omp_meter_nvm_info info;
    if (omp_meter_nvm_info(&b->m2, &info) != OMP_OK || info.damaged_sectors == 0u) {
        missed_damage(b, sector, bit);
        return;
    }
    b->inj_detected++;
    bool event = (nvm_events(&b->m2) & EV_DAMAGED) != 0u;
    omp_meter_on_samples(&b->m2, b->load[0], SPC);
    omp_fake_clock_advance_ms(&b->b2.clock, 1000u);
    omp_meter_tick(&b->m2, &b->b2.clock.now);
    omp_err poll = omp_meter_poll(&b->m2);
    omp_err flush = omp_meter_flush(&b->m2);
    if (!event || poll != OMP_OK || flush != OMP_ERR_NVM_CORRUPT ||
        memcmp(b->mem2, b->before2, NVM_SIZE) != 0) {
        violation(b, "a damaged NVM was written to, or not reported");
    }
}

/* -- damage to one sector that the redundancy must cover -- */

/* The NVM address of the newest record of @p key in @p s (its payload bytes in *len), or
 * UINT32_MAX when there is none. */
static uint32_t newest_addr(const struct omp_store *s, uint16_t key, uint32_t *len)
{
    for (size_t k = 0; k < OMP_CONFIG_STORE_KEYS; k++) {
        if (s->index[k].key == key) {
            *len = s->index[k].len;
            return s->index[k].addr;
        }
    }
    return UINT32_MAX;
}

/* Damage the second board's copy as @p kind says, after opening its journal once (which repairs
 * what the cut left, as the meter's own open would) to find the newest records and the head.
 * false: the copy holds no such record (nothing done). */
static bool damage(struct bench *b, enum loss kind)
{
    struct omp_hal h = hal2(b);
    struct omp_nvm_region r = omp_nvm_region_of(&h, 0u, JOURNAL);
    if (omp_store_open_tagged(&b->journal2, &r, OMP_REGS_JOURNAL_TAG, false) != OMP_OK) {
        violation(b, "the journal a power cut left did not open");
        return false;
    }
    uint32_t len = 0, addr = 0;
    switch (kind) {
    case LS_COLD_PAYLOAD:
    case LS_COLD_CRC:
    case LS_HOT_PAYLOAD:
        addr = newest_addr(&b->journal2,
                           kind == LS_HOT_PAYLOAD ? OMP_REGS_KEY_HOT : OMP_REGS_KEY_COLD, &len);
        if (addr == UINT32_MAX || len == 0u) {
            return false;
        }
        addr += OMP_STORE_REC_HDR + (kind == LS_COLD_CRC ? len + rnd(b) % 4u : rnd(b) % len);
        b->mem2[addr] ^= (uint8_t)(1u << (rnd(b) % 8u));
        return true;
    case LS_HEAD_ZERO:
    case LS_HEAD_ERASE:
        memset(b->mem2 + b->journal2.head * SECTOR, kind == LS_HEAD_ZERO ? 0x00 : 0xFF, SECTOR);
        return true;
    default:
        memset(b->mem2 + (JOURNAL + rnd(b) % MIRROR) * SECTOR,
               kind == LS_MIRROR_ZERO ? 0x00 : 0xFF, SECTOR);
        return true;
    }
}

/* The cut tore the write that makes the journal's newest checkpoint redundant: its copy in the
 * mirror (a mirror write while the mirror was behind), or, when the mirror's budget held it back,
 * the hot record naming it that the same poll writes at once after it (a journal write after the
 * checkpoint). Until the next start that checkpoint is in the journal only and nothing else names
 * it: a second fault, on top of the damage. */
static bool redundancy_torn(const struct bench *b)
{
    int ph = b->at_cut_phase;
    return b->mirror_seq != b->cold_seq &&
           ((ph >= PH_M_HDR && ph <= PH_M_ERASE) ||
            (b->cut_after_cold && ph >= PH_J_HDR && ph <= PH_J_ERASE));
}

static void loss_violation(struct bench *b, enum loss kind, const struct omp_meter_nvm_info *info,
                           const char *what)
{
    const char *mirror = b->mirror_seq == b->cold_seq ? "held the last checkpoint"
                         : redundancy_torn(b) ? "did not have the last checkpoint (the cut tore "
                                                "its copy, or the hot record naming it)"
                                              : "did not have the last checkpoint yet (its budget)";
    char msg[640];
    snprintf(msg, sizeof msg, "after damage (%s) to the image the cut left: %s; restored "
             "checkpoint %u from %s, newest named %u, rolled back %s, damaged sectors %u; the "
             "mirror %s; image: %s", k_loss[kind], what, (unsigned)info->restored_checkpoint,
             source_name(info->restored_from), (unsigned)info->newest_checkpoint,
             info->rolled_back ? "yes" : "no", (unsigned)info->damaged_sectors, mirror,
             b->violations < 20u ? save_image(b, b->before2, "_loss") : "(not saved)");
    violation(b, msg);
}

/* Every register and counter >= its value at the last cold checkpoint the meter completed (at the
 * mirror's newest when the cut tore what makes that one redundant) and <= its value at the cut. */
static void check_bounds(struct bench *b, enum loss kind, const struct omp_meter_nvm_info *info)
{
    uint64_t *oc = b->loss[kind];
    struct regs now;
    regs_of(&b->m2, &now);
    char msg[320];
    bool out = out_of_bounds(&now, &b->cold_at, &b->at_cut, msg, sizeof msg);
    if (info->rolled_back && !out && !out_of_bounds(&now, &b->durable, &b->at_cut, NULL, 0u)) {
        oc[OC_NOTHING_LOST]++; /* nothing saved before the cut was lost */
    }
    if (out && redundancy_torn(b)) {
        oc[OC_TORN]++;
        oc[OC_TORN_SILENT] += info->rolled_back ? 0u : 1u;
        out = out_of_bounds(&now, &b->mirror_at, &b->at_cut, msg, sizeof msg);
    }
    if (out) {
        oc[OC_OUT]++;
        b->loss_budget += b->mirror_seq != b->cold_seq && !redundancy_torn(b) ? 1u : 0u;
        b->loss_out_silent += info->rolled_back ? 0u : 1u;
        loss_violation(b, kind, info, msg);
    }
}

/* The second meter on the damaged copy: the bounds, the rollback's event and meter status. */
static void check_loss(struct bench *b, enum loss kind)
{
    uint64_t *oc = b->loss[kind];
    struct omp_meter_nvm_info info;
    if (omp_meter_nvm_info(&b->m2, &info) != OMP_OK) {
        violation(b, "nvm_info");
        return;
    }
    unsigned ev = nvm_events(&b->m2);
    oc[OC_FROM_MIRROR] += info.restored_from == OMP_REGS_FROM_MIRROR ? 1u : 0u;
    oc[OC_ROLLED_BACK] += info.rolled_back ? 1u : 0u;
    oc[OC_DAMAGE] += info.damaged_sectors != 0u ? 1u : 0u;
    check_bounds(b, kind, &info);
    if (b->m2.persist.restore_err != OMP_OK) {
        loss_violation(b, kind, &info, "a register record did not decode");
    }
    if (info.rolled_back != ((ev & EV_ROLLED_BACK) != 0u)) {
        loss_violation(b, kind, &info, "rolled_back without OMP_EV_NVM_ROLLED_BACK, or the "
                       "event without rolled_back");
    }
    bool bit1 = info.rolled_back || info.damaged_sectors != 0u ||
                b->m2.persist.restore_err != OMP_OK;
    int status = read_status(b);
    if (status < 0 || ((status & 0x02) != 0) != bit1) {
        char msg[96];
        snprintf(msg, sizeof msg, "meter status %d in the readout (bit 1 expected %s)", status,
                 bit1 ? "set" : "clear");
        loss_violation(b, kind, &info, msg);
    }
}

/* On a copy of the image the cut left (the running meter starts on the original afterwards). */
static void inject_loss(struct bench *b)
{
    enum loss kind = (enum loss)(b->loss_next++ % (unsigned)LS_COUNT);
    if (!board2(b, b->mem)) {
        return;
    }
    if (!damage(b, kind)) {
        b->loss_skipped++;
        return;
    }
    b->loss[kind][OC_INJECTED]++;
    if (b->mirror_seq != b->cold_seq) {
        *(redundancy_torn(b) ? &b->behind_torn : &b->behind_budget) += 1u;
    }
    memcpy(b->before2, b->mem2, NVM_SIZE);
    if (start2(b)) {
        check_loss(b, kind);
    }
}

/* ---- the run -------------------------------------------------------------------------------- */

static void make_loads(struct bench *b)
{
    static const double k_phi[LOADS] = {0.0, 30.0, 180.0, -40.0}; /* degrees, current lagging */
    double vp = 230.0 * sqrt(2.0) / (double)b->cfg.cal.v_gain;
    double ip = 100.0 * sqrt(2.0) / (double)b->cfg.cal.i_gain;
    for (int l = 0; l < LOADS; l++) {
        for (unsigned k = 0; k < SPC; k++) {
            double th = 2.0 * PI * k / SPC;
            b->load[l][2u * k] = (int32_t)lround(vp * sin(th));
            b->load[l][2u * k + 1u] = (int32_t)lround(ip * sin(th - k_phi[l] * PI / 180.0));
        }
    }
}

/* Start from NVM; a cut inside init starts again (with a new cut armed). */
static void start(struct bench *b)
{
    for (;;) {
        b->in_init = true;
        omp_err err = omp_meter_init(&b->m, &b->hal, &b->cfg, &b->b.clock.now);
        b->in_init = false;
        if (err == OMP_OK) {
            break;
        }
        if (err != OMP_ERR_POWER_LOST) {
            violation(b, "init failed with another error than a power cut");
            power_on(b);
            continue;
        }
        b->cuts_mode[b->cuts % 4u]++;
        b->cuts++;
        b->cuts_init++;
        if (b->cut_phase >= 0) {
            b->phase[b->cut_phase]++;
        }
        power_on(b);
        arm(b);
    }
    b->restarts++;
    b->seen_cold = 0; /* init's counters start from zero; it saved a checkpoint */
    b->seen_mirror = 0;
    track_saves(b);
}

/* The board, the configurations and a meter on the blank NVM, its layout checked. */
static int setup(struct bench *b)
{
    if (omp_fake_board_init(&b->b, b->mem, &k_geo, b->erases, T_START) != OMP_OK) {
        return 2;
    }
    b->ops = omp_fake_board_ops;
    b->ops.nvm_program = nvm_program;
    b->ops.nvm_erase = nvm_erase;
    b->ops.nvm_read = nvm_read;
    b->ops2 = omp_fake_board_ops;
    b->ops2.port_write = port_write;
    b->hal.ops = &b->ops;
    b->hal.user = &b->b;
    omp_meter_cfg_default(&b->cfg);
    b->cfg.sample_rate_hz = FS;
    b->cfg.energy_digits = 6u; /* Z1 6.3: a display step of 1 Wh, so saves come often */
    b->cfg.energy_decimals = 3u;
    b->cfg.pulse_unit = 2u;
    b->cfg.pulse_milli = 10000u;
    b->cfg.power_threshold_w = 40u;
    b->cfg2 = b->cfg;
    static const struct omp_cosem_ref k_status = {{1, 1, 97, 97, 0, 255}, 2u};
    b->cfg2.optical_ud2_len = 1u;
    b->cfg2.optical_ud2[0] = k_status;
    make_loads(b);
    if (omp_meter_init(&b->m, &b->hal, &b->cfg, &b->b.clock.now) != OMP_OK) {
        fprintf(stderr, "bench_power_cuts: init on a blank NVM failed\n");
        return 2;
    }
    struct omp_meter_nvm_info info;
    const uint8_t *mh = b->mem + k_first[1] * SECTOR; /* the mirror's first sector header */
    if (omp_meter_nvm_info(&b->m, &info) != OMP_OK || info.sector_size != SECTOR ||
        info.journal_sectors != JOURNAL || info.mirror_sectors != MIRROR ||
        info.settings_sectors != SETTINGS || info.log_sectors != LOG ||
        (unsigned)(mh[2] | mh[3] << 8) != OMP_REGS_MIRROR_TAG) {
        fprintf(stderr, "bench_power_cuts: the NVM layout is not the one assumed here\n");
        return 2;
    }
    regs_of(&b->m, &b->durable);
    track_saves(b);
    arm(b);
    return 0;
}

/* A power cut came (in a poll): count it, the outage, the restart and its checks. */
static void after_cut(struct bench *b, const struct regs *at)
{
    b->cuts_mode[b->cuts % 4u]++;
    b->cuts++;
    if (b->cut_phase >= 0) {
        b->phase[b->cut_phase]++;
    }
    b->at_cut_phase = b->cut_phase;
    b->at_cut = *at;
    power_on(b);
    uint32_t kind = rnd(b) % 16u;
    uint64_t off_s = kind < 10u ? 0u : kind < 13u ? 60u * (1u + rnd(b) % 60u)
                     : kind < 15u ? 3600u * (1u + rnd(b) % 12u) : 86400u;
    if (off_s > 0u) {
        b->outages++;
        omp_fake_clock_advance_ms(&b->b.clock, off_s * 1000u);
    }
    arm(b);
    if ((b->restarts + 1u) % 10u == 5u) {
        inject_loss(b); /* on the image this restart finds */
    }
    start(b);
    check_restart(b);
    regs_of(&b->m, &b->durable); /* init saved a checkpoint of what it restored */
    if (b->restarts % 20u == 0u) {
        inject_damage(b);
    }
}

/* One tick of load, inputs and time, and a poll; a failed poll is a cut. */
static void run_tick(struct bench *b)
{
    int load = (int)((b->b.clock.now.utc_s / 3600) % LOADS);
    for (int c = 0; c < 5; c++) {
        omp_meter_on_samples(&b->m, b->load[load], SPC);
    }
    if (b->ticks % 7u == 0u) {
        omp_meter_on_input(&b->m, OMP_INPUT_PULSE, true);
        omp_meter_on_input(&b->m, OMP_INPUT_PULSE, false);
    }
    if (b->ticks % 211u == 0u) {
        omp_err stop = omp_meter_billing_stop(&b->m);
        (void)stop; /* OMP_ERR_BUSY: the previous snapshot is not stored yet */
    }
    omp_fake_clock_advance_ms(&b->b.clock, TICK_S * 1000u);
    omp_meter_tick(&b->m, &b->b.clock.now);
    b->ticks++;
    if (b->target_region >= 0 && ++b->target_ticks > 300u) {
        /* the target did not come up (settings are written at start-up only): a cut at the
           next byte, which a restart then brings */
        b->target_region = -1;
        omp_ram_nvm_cut_after(&b->b.nvm, 1u);
    }
    struct regs at;
    regs_of(&b->m, &at);
    uint64_t saves = b->m.persist.hot_saves + b->m.persist.cold_saves;
    uint64_t colds = b->m.persist.cold_saves;
    omp_err err = omp_meter_poll(&b->m);
    b->cut_after_cold = b->m.persist.cold_saves != colds; /* read when the poll failed */
    track_saves(b);
    if (err == OMP_OK) {
        if (b->m.persist.hot_saves + b->m.persist.cold_saves != saves) {
            regs_of(&b->m, &b->durable);
        }
        return;
    }
    if (err != OMP_ERR_POWER_LOST) {
        violation(b, "poll failed with another error than a power cut");
    }
    after_cut(b, &at);
}

/* ---- the summary ---------------------------------------------------------------------------- */

static void print_losses(const struct bench *b)
{
    static const char *const k_col[OC_COUNT] = {"injected", "mirror", "rolled", "no loss",
                                                "damage", "torn", "silent", "out"};
    uint64_t n[OC_COUNT] = {0};
    for (unsigned k = 0; k < LS_COUNT; k++) {
        for (unsigned o = 0; o < OC_COUNT; o++) {
            n[o] += b->loss[k][o];
        }
    }
    printf("damage the redundancy covers    %llu (on a copy of the image a cut left; + %llu "
           "with no such record yet): restored from the mirror %llu, rolled back %llu (%llu of "
           "them lost no save), reported as damage %llu; below the last checkpoint because the "
           "cut tore its mirror copy or the hot record naming it %llu (%llu not rolled back); out "
           "of bounds %llu (%llu not rolled back; %llu with the last checkpoint held back by the "
           "mirror's budget)\n",
           (unsigned long long)n[OC_INJECTED], (unsigned long long)b->loss_skipped,
           (unsigned long long)n[OC_FROM_MIRROR], (unsigned long long)n[OC_ROLLED_BACK],
           (unsigned long long)n[OC_NOTHING_LOST], (unsigned long long)n[OC_DAMAGE],
           (unsigned long long)n[OC_TORN], (unsigned long long)n[OC_TORN_SILENT],
           (unsigned long long)n[OC_OUT], (unsigned long long)b->loss_out_silent,
           (unsigned long long)b->loss_budget);
    printf("  the last checkpoint was in the journal only at %llu of them (the mirror's budget had "
           "held it back: %llu; the cut tore its mirror copy or the hot record naming it: %llu)\n",
           (unsigned long long)(b->behind_budget + b->behind_torn),
           (unsigned long long)b->behind_budget, (unsigned long long)b->behind_torn);
    printf("  %-36s", "kind");
    for (unsigned o = 0; o < OC_COUNT; o++) {
        printf(" %8s", k_col[o]);
    }
    printf("\n");
    for (unsigned k = 0; k < LS_COUNT; k++) {
        printf("  %-36s", k_loss[k]);
        for (unsigned o = 0; o < OC_COUNT; o++) {
            printf(" %8llu", (unsigned long long)b->loss[k][o]);
        }
        printf("\n");
    }
}

static void print_summary(const struct bench *b, double wall)
{
    printf("bench_power_cuts: seed %u, NVM %u x %u bytes (journal %u, mirror %u, settings %u, "
           "billing log %u)\n", (unsigned)g_seed, SECTORS, SECTOR, JOURNAL, MIRROR, SETTINGS, LOG);
    printf("cuts tried                      %llu (byte sweep %llu, random byte %llu, torn erase %llu, "
           "in the next write of a kind %llu; in init %llu)\n",
           (unsigned long long)b->cuts, (unsigned long long)b->cuts_mode[0],
           (unsigned long long)b->cuts_mode[1], (unsigned long long)b->cuts_mode[2],
           (unsigned long long)b->cuts_mode[3], (unsigned long long)b->cuts_init);
    for (int p = 0; p < PH_COUNT; p++) {
        printf("  cut in %-26s %llu\n", k_phase[p], (unsigned long long)b->phase[p]);
    }
    printf("restarts                        %llu (%llu after an outage)\n",
           (unsigned long long)b->restarts, (unsigned long long)b->outages);
    struct omp_meter_nvm_info info;
    if (omp_meter_nvm_info(&b->m, &info) == OMP_OK) {
        printf("endurance budgets               a hot record >= %u s after the last save, a mirror "
               "entry >= %u s after the last one\n", (unsigned)info.hot_min_interval_s,
               (unsigned)info.mirror_min_interval_s);
    }
    uint64_t from_mirror = b->cut_from_mirror;
    for (unsigned k = 0; k < LS_COUNT; k++) {
        from_mirror += b->loss[k][OC_FROM_MIRROR];
    }
    printf("restores from a redundant copy  %llu (after a plain cut %llu, the rest after damage)\n",
           (unsigned long long)from_mirror, (unsigned long long)b->cut_from_mirror);
    printf("damage injections               %llu: detected %llu, missed %llu (+ %llu where a flip "
           "reads as a power cut: the sector after a head, a region's only header)\n",
           (unsigned long long)b->inj, (unsigned long long)b->inj_detected,
           (unsigned long long)b->inj_missed, (unsigned long long)b->inj_missed_ambiguous);
    print_losses(b);
    printf("invariant violations            %llu\n", (unsigned long long)b->violations);
    printf("simulated: %llu ticks, %.1f days of clock, A+ %.3f kWh, %u debiting stops, %llu NVM "
           "erases\n",
           (unsigned long long)b->ticks,
           (double)(b->b.clock.now.utc_s - T_START) / 86400.0,
           (double)b->m.regs.e.total.a_plus_uwh / 1e9, (unsigned)b->m.regs.billing_count,
           (unsigned long long)b->b.nvm.erase_calls);
    printf("wall time                       %.1f s\n", wall);
}

int main(int argc, char **argv)
{
    uint64_t want = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000u;
    g_seed = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 1u;
    struct bench *b = &g_b;
    memset(b, 0, sizeof *b);
    b->rng = g_seed != 0u ? g_seed : 1u;
    b->target_region = -1;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int err = setup(b);
    if (err != 0) {
        return err;
    }
    while (b->cuts < want) {
        run_tick(b);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    print_summary(b, wall);
    return b->violations == 0u && b->inj_missed == 0u ? 0 : 1;
}

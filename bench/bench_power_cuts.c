/*
 * Power cuts over the whole meter, counted (issue #12: a measuring run outside CI; issue #13: its
 * logs).
 *
 *   bench_power_cuts [CUTS [SEED]]     default 100000 cuts, seed 1
 *
 * A meter (factory configuration, Z1 6.3 so a save is due every 1 Wh) runs on the fake board's
 * RAM NVM, 33 sectors of 4 KiB, program unit 8: the smallest 4 KiB meter's register journal 3
 * (sectors 0..2), its mirror 3 (3..5: each checkpoint again with the legal data), settings store
 * 2 (6..7), billing log 4 (8..11) (docs/storage.md "The meter's regions"), then its packed logs
 * (docs/logger.md): a load profile of 3 sectors (12..14; the factory type number's four channels
 * A+, A-, R+, R-, Z4 = 5 min), the analysis logger on 3 (15..17; its six default channels every 5
 * min) and the five event logs on 3 each (18..32, the fewest that keep entries through a cut:
 * standard, tamper, power quality, disconnect, communication), the layout checked against omp_meter_nvm_info and each log's region. Small
 * regions rotate often, so every write phase comes up. Load: 230 V, 100 A at a phase that changes
 * with the hour (import, export, inductive, capacitive); time is compressed (each tick feeds 5
 * mains cycles of samples and moves the clocks TICK_S seconds), a debiting stop is forced now and
 * then, so the billing log fills and wraps; the meter cover opens or closes every COVER_TICKS
 * ticks (a tamper event); each restart logs its POWER_UP. The profiles append in the tick, the
 * event logs in the poll: a cut in either is a cut.
 *
 * Each cut, in turn:
 *  - at a byte that sweeps the stream programmed after a power-on (1 + (k * 541) mod 1500), or
 *  - at a random byte (1..3000), or
 *  - during an erase: the 1st..3rd erase after the power-on is torn in one of five patterns
 *    (first half, second half, header only, all but the header, stripes: what an interrupted
 *    erase may leave) and the power goes, or
 *  - in the next write of one kind (journal sector header or record, mirror sector header or
 *    entry, billing log sector header or entry, settings, load profile sector header or entry,
 *    analysis logger sector header or entry, standard or tamper event log entry).
 * Init itself is cut as well (the cut is armed before the start). After a cut the supply stays
 * off for a while (none, minutes, hours, a day), then the meter starts again from NVM and:
 *  - damaged_sectors is 0 (a power cut is never damage), the registers decoded (restore_err 0),
 *    rolled_back is false (a power cut is never a rollback);
 *  - every energy and tariff register, the hour counter, the pulse input, the debiting and
 *    threshold counters are >= their values at the last save the meter reported complete
 *    (nothing goes backwards) and <= their values at the cut (nothing invented);
 *  - a restore from the mirror is counted (the journal keeps every checkpoint a cut leaves: none
 *    is expected);
 *  - each packed log opened without damage, and holds every entry the meter reported appended
 *    (after each tick and poll the bench follows next_no and first_no, and keeps the newest 64
 *    entries of each log as they were appended: the log's newest entry in RAM, or read back when
 *    more came at once), plus at most the entry being written, and only when the cut landed in
 *    that log's writes; a log the cut did not hit is unchanged. Its oldest entry moves only when
 *    the cut hit it, and never past the second-oldest sector's first entry (a cut in a rotation
 *    drops what that rotation would). Every entry reads back: numbers consecutive from first_no,
 *    none unreadable (OMP_PLOG_ST_INVALID), times increasing (the clock is never set), each of the
 *    64 remembered equal to the entry appended, the newest the base of the next append;
 *  - the first load-profile and analysis entry appended after the restart has DataQuality
 *    OMP_LP_DQ_OUTAGE, and after its first poll the standard event log holds the restart's
 *    OMP_EV_POWER_UP (with the time of the restart).
 *
 * Two damage injections, each on a copy of the NVM with a second meter started on it (the running
 * meter is not touched by them):
 *  - every 20th restart, one bit flipped in a random sector header (any region, the logs' too):
 *    damage must be reported
 *    (damaged_sectors > 0, OMP_EV_NVM_DAMAGED) and the copy stay byte for byte unchanged through
 *    init, a tick, a poll and a flush (which returns OMP_ERR_NVM_CORRUPT). A flip in the sector
 *    right after a container's head cannot be told from an interrupted rotation (docs/storage.md
 *    "Damage"), nor one in the first sector of a container that is otherwise erased (a torn
 *    format; the unused event logs): counted apart, not a violation.
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
 * Prints the cuts by mode and by what was being written (those in a tick apart), restarts, the
 * endurance budgets, restores from a redundant copy, both injections by outcome (the second by
 * kind: restored from the mirror, rolled back and of those the ones that lost no save, damage
 * reported, torn, torn and not rolled back, out of bounds), per packed log the entries appended,
 * held at the end and the fewest held after a restart once it had wrapped, read back and
 * compared at restarts, the cuts that landed in its writes and how often the entry being written
 * was kept, the entries cuts dropped early, the first entries checked for the outage bit; then
 * invariant violations and the wall time. Each violation and each missed damage is printed with
 * the arguments that reproduce it (the run is deterministic for a seed), a missed one also saves
 * the damaged image as power_cuts_<cut>.nvm, a violation of the second injection its image as
 * power_cuts_<cut>_loss.nvm, one in a log the image the restart found as power_cuts_<cut>_log.nvm.
 * A restart that takes the NVM for damaged stops the run (the meter writes nothing more, so no
 * cut would come). Exit status 1 on a violation or a missed damage. Not run by ctest: docs/storage.md
 * "Testing" has the figures.
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
#define JOURNAL 3u  /* sectors 0..2 */
#define MIRROR 3u   /* sectors 3..5 */
#define SETTINGS 2u /* sectors 6..7 */
#define LOG 4u      /* sectors 8..11 */
#define LP_SECTORS 3u /* the load profile: sectors 12..14 */
#define AN_SECTORS 3u /* the analysis logger: sectors 15..17 */
#define EV_SECTORS 3u /* each event log: standard 18..20, tamper 21..23, PQ, disconnect, comm */
#define SECTORS (JOURNAL + MIRROR + SETTINGS + LOG + LP_SECTORS + AN_SECTORS + \
                 OMP_EVLOG_COUNT * EV_SECTORS)
#define NVM_SIZE (SECTOR * SECTORS)
#define REGIONS 9u  /* for the cut statistics: the three unused event logs are one */
#define FS 4000u
#define SPC (FS / 50u)
#define TICK_S 120u
#define LOADS 4
#define SWEEP 1500u
#define TX_MAX 1024u
#define T_START ((omp_time_s)1798761600) /* 2027-01-01T00:00:00Z */
#define PI 3.14159265358979323846
#define PERIOD_MIN 5u   /* Z4 and the analysis logger's interval */
#define COVER_TICKS 97u /* the meter cover opens or closes every so many ticks */

static const struct omp_nvm_geometry k_geo = { NVM_SIZE, SECTOR, 8u, 0xFFu, 100000u };
/* the regions in NVM order: journal, mirror, settings store, billing log, load profile, analysis
 * logger, standard event log, tamper event log, the other three event logs (never written after
 * their format: power quality and disconnect have reserved codes, the bench talks to no port) */
static const uint32_t k_first[REGIONS] = {
    0u, JOURNAL, JOURNAL + MIRROR, JOURNAL + MIRROR + SETTINGS, JOURNAL + MIRROR + SETTINGS + LOG,
    JOURNAL + MIRROR + SETTINGS + LOG + LP_SECTORS,
    JOURNAL + MIRROR + SETTINGS + LOG + LP_SECTORS + AN_SECTORS,
    JOURNAL + MIRROR + SETTINGS + LOG + LP_SECTORS + AN_SECTORS + EV_SECTORS,
    JOURNAL + MIRROR + SETTINGS + LOG + LP_SECTORS + AN_SECTORS + 2u * EV_SECTORS};
static const uint32_t k_count[REGIONS] = {JOURNAL, MIRROR, SETTINGS, LOG, LP_SECTORS, AN_SECTORS,
                                          EV_SECTORS, EV_SECTORS, 3u * EV_SECTORS};
#define R_LP 4
#define R_AN 5
#define R_EV 6 /* the first event log's region; log k's is R_EV + k, the last three share one */

/* The packed logs the bench follows: the load profile, the analysis logger, the five event logs
 * (log k's region: R_LP + k, the last three in region 8). */
#define LOGS (2u + OMP_EVLOG_COUNT)
#define L_LP 0u
#define L_AN 1u
#define L_EV 2u /* + enum omp_evlog_kind */
static const char *const k_log[LOGS] = {"load profile", "analysis logger", "standard events",
                                        "tamper events", "PQ events", "disconnect events",
                                        "comm events"};
/* the sector headers' tags (lib/meter/meter_lp.c, lib/logger/events.c) */
static const uint16_t k_log_tag[LOGS] = {0x504Cu, 0x4E41u, 0x4530u, 0x4531u, 0x4532u, 0x4533u,
                                         0x4534u};
#define RING 64u /* entries remembered per log, as they were appended */

/* What a cut interrupted: region * 3 + (sector header, record or entry, erase). */
enum phase {
    PH_J_HDR, PH_J_REC, PH_J_ERASE, /* journal: sector header, record, erase */
    PH_M_HDR, PH_M_REC, PH_M_ERASE, /* mirror */
    PH_S_HDR, PH_S_REC, PH_S_ERASE, /* settings store */
    PH_L_HDR, PH_L_REC, PH_L_ERASE, /* billing log */
    PH_P_HDR, PH_P_REC, PH_P_ERASE, /* load profile */
    PH_A_HDR, PH_A_REC, PH_A_ERASE, /* analysis logger */
    PH_E_HDR, PH_E_REC, PH_E_ERASE, /* standard event log */
    PH_T_HDR, PH_T_REC, PH_T_ERASE, /* tamper event log */
    PH_O_HDR, PH_O_REC, PH_O_ERASE, /* the other event logs */
    PH_COUNT
};
static const char *const k_phase[PH_COUNT] = {
    "journal sector header", "journal record", "journal erase",
    "mirror sector header", "mirror entry", "mirror erase",
    "settings sector header", "settings record", "settings erase",
    "billing log sector header", "billing log entry", "billing log erase",
    "load profile sector header", "load profile entry", "load profile erase",
    "analysis sector header", "analysis entry", "analysis erase",
    "standard events sector header", "standard events entry", "standard events erase",
    "tamper events sector header", "tamper events entry", "tamper events erase",
    "other event logs sector header", "other event logs entry", "other event logs erase",
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

/* One packed log as the running meter reported it after its last tick or poll without a cut. */
struct logtrack {
    uint32_t first_no, next_no;       /* the oldest entry held, the number the next one gets */
    uint32_t keep_from;               /* the first entry of the second-oldest sector: a cut may
                                         drop the oldest sector (a rotation), never more */
    struct omp_plog_entry ring[RING]; /* entry `no` at ring[no % RING], as it was appended */
    uint32_t ring_no[RING];           /* which number each slot holds (0: none) */
    bool expect_outage;               /* a profile: its next entry must carry DQ "outage" */
};

/* What the checks of the logs counted, per log. */
struct logstat {
    uint64_t appended;   /* entries the running meter appended (without a cut) */
    uint64_t read;       /* entries read back after restarts */
    uint64_t compared;   /* of them, compared equal with the entry as it was appended */
    uint64_t cut_in;     /* cuts in a tick or poll that landed in this log's writes */
    uint64_t kept;       /* of them, the entry being written was there after the restart */
    uint64_t dropped;    /* entries a cut in a rotation dropped early (its erase) */
    uint64_t marked;     /* first entries after a restart checked for the outage bit */
    uint32_t least;      /* fewest entries held after a restart once the ring had wrapped */
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
    /* the packed logs */
    struct logtrack lt[LOGS];
    struct logstat ls[LOGS];
    unsigned cut_logs;      /* bit per log: a cut since the last restart's check landed in it */
    unsigned at_cut_logs;   /* ... the cut in a tick or poll */
    bool expect_power_up;   /* the next poll logs the restart's OMP_EV_POWER_UP ... */
    bool power_up_seen;
    uint32_t power_up_from; /* ... at or after this number of the standard event log ... */
    omp_time_s power_up_utc;/* ... with this time */
    uint64_t power_ups_logged, cut_in_tick;
    bool stuck;             /* a restart took the NVM for damaged: the meter writes nothing more */
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

/* The packed log holding @p addr (L_LP, L_AN, L_EV + kind), -1 for the other regions. */
static int log_of(uint32_t addr)
{
    int r = region_of(addr);
    if (r < R_LP) {
        return -1;
    }
    if (r <= R_EV + 1) {
        return r - R_LP;
    }
    return (int)(L_EV + 2u + (addr / SECTOR - k_first[R_EV + 2]) / EV_SECTORS);
}

/* The running meter's packed log @p k. */
static const struct omp_plog *plog_of(const struct omp_meter *m, unsigned k)
{
    return k == L_LP ? &m->lp.log : k == L_AN ? &m->an.log : &m->evlog[k - L_EV].log;
}

/* A cut landed at @p addr: the phase, and the log it hit. */
static void cut_at(struct bench *b, uint32_t addr, int kind)
{
    b->cut_phase = region_of(addr) * 3 + kind;
    int lg = log_of(addr);
    if (lg >= 0) {
        b->cut_logs |= 1u << lg;
    }
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
        cut_at(b, at, (at % SECTOR) < OMP_STORE_SECTOR_HDR ? 0 : 1);
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
    cut_at(b, addr, 2);
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
           log entry, settings, load profile header and entry, analysis logger header and entry,
           standard event log entry, tamper event log entry */
        static const int k_region[13] = {0, 0, 1, 1, 3, 3, 2, R_LP, R_LP, R_AN, R_AN, R_EV,
                                         R_EV + 1};
        static const bool k_header[13] = {true, false, true, false, true, false, false,
                                          true, false, true, false, false, false};
        unsigned t = (unsigned)(b->cuts / 4u % 13u);
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

/* ---- the packed logs ------------------------------------------------------------------------ */

static const char *save_image(const struct bench *b, const uint8_t *img, const char *suffix);

/* A violation in log @p k, with the image the restart found (after it) as
 * power_cuts_<cut>_log.nvm. */
static void log_violation(struct bench *b, unsigned k, const char *what)
{
    char msg[480];
    const struct omp_plog *l = plog_of(&b->m, k);
    snprintf(msg, sizeof msg, "%s: %s (held %u..%u, head sector %u; before the cut %u..%u; "
             "the cut %s it; image: %s)", k_log[k], what, (unsigned)l->first_no,
             (unsigned)l->next_no - 1u, (unsigned)l->head, (unsigned)b->lt[k].first_no,
             (unsigned)b->lt[k].next_no - 1u,
             (b->cut_logs & (1u << k)) != 0u ? "landed in" : "did not land in",
             b->violations < 20u ? save_image(b, b->mem, "_log") : "(not saved)");
    violation(b, msg);
}

static bool entry_eq(const struct omp_plog_entry *x, const struct omp_plog_entry *y, unsigned cols)
{
    if (x->t != y->t || x->status != y->status || x->quality != y->quality) {
        return false;
    }
    for (unsigned c = 0; c < cols; c++) {
        if (x->v[c] != y->v[c]) {
            return false;
        }
    }
    return true;
}

/* The number of the full entry that starts sector @p s of log @p l in image @p img, 0 if none is
 * readable (docs/storage.md "Packed log": L, flags, the number as a varint, ..., CRC-16/X.25). */
static uint32_t first_no_in(const uint8_t *img, const struct omp_plog *l, uint32_t s)
{
    const uint8_t *p = img + l->rgn.base + s * SECTOR + OMP_STORE_SECTOR_HDR;
    unsigned len = p[0];
    if (len < 4u || len > OMP_PLOG_REC_MAX || (p[1] & 0x01u) == 0u) {
        return 0;
    }
    uint16_t crc = omp_crc16_x25(p, len - 2u);
    if (p[len - 2u] != (uint8_t)crc || p[len - 1u] != (uint8_t)(crc >> 8)) {
        return 0;
    }
    uint64_t v = 0;
    for (unsigned i = 2u, sh = 0; i < len - 2u && sh < 35u; i++, sh += 7u) {
        v |= (uint64_t)(p[i] & 0x7Fu) << sh;
        if ((p[i] & 0x80u) == 0u) {
            return (uint32_t)v;
        }
    }
    return 0;
}

/* Log @p k's keep_from: the lowest sector start above its oldest entry (its first_no when one
 * sector holds them all: a rotation then drops none of them). */
static void set_keep_from(struct bench *b, unsigned k)
{
    const struct omp_plog *l = plog_of(&b->m, k);
    struct logtrack *t = &b->lt[k];
    t->keep_from = l->first_no;
    uint32_t best = UINT32_MAX;
    for (uint32_t s = 0; s < l->rgn.sectors; s++) {
        uint32_t no = first_no_in(b->mem, l, s);
        if (no > l->first_no && no < l->next_no && no < best) {
            best = no;
        }
    }
    t->keep_from = best != UINT32_MAX ? best : l->first_no;
}

/* Entry @p no of log @p k as the running meter appended it; the first of a profile after a
 * restart must carry DQ "outage", the restart's POWER_UP is looked for in the standard log. */
static void remember(struct bench *b, unsigned k, uint32_t no, const struct omp_plog_entry *e)
{
    struct logtrack *t = &b->lt[k];
    t->ring[no % RING] = *e;
    t->ring_no[no % RING] = no;
    b->ls[k].appended++;
    if (t->expect_outage) {
        t->expect_outage = false;
        b->ls[k].marked++;
        if ((e->quality & OMP_LP_DQ_OUTAGE) == 0u) {
            char msg[96];
            snprintf(msg, sizeof msg, "entry %u, the first after a restart, lacks DataQuality "
                     "\"outage\" (0x%04x)", (unsigned)no, (unsigned)e->quality);
            log_violation(b, k, msg);
        }
    }
    if (k == L_EV + OMP_EVLOG_STANDARD && b->expect_power_up && no >= b->power_up_from &&
        e->v[0] == OMP_EV_POWER_UP && e->t == b->power_up_utc) {
        b->power_up_seen = true;
    }
}

/* After a tick or a poll: what each log appended, remembered as it was appended (the log's
 * newest entry in RAM, or read back when more than one came). After a cut (@p cut) the logs it did
 * not hit may have appended before it in the same tick or poll: they count as appended; nothing
 * is read back then (the NVM is off), and the log the cut hit reports nothing new. */
static void observe(struct bench *b, bool polled, bool cut)
{
    for (unsigned k = 0; k < LOGS; k++) {
        const struct omp_plog *l = plog_of(&b->m, k);
        struct logtrack *t = &b->lt[k];
        if ((l->stale && !cut) || l->next_no < t->next_no || l->first_no < t->first_no) {
            log_violation(b, k, "stale, or numbers went back, without a cut");
        } else if (l->next_no == t->next_no + 1u && l->have_last) {
            remember(b, k, t->next_no, &l->last);
        } else if (l->next_no > t->next_no && cut) {
            b->ls[k].appended += l->next_no - t->next_no - 1u;
            remember(b, k, l->next_no - 1u, &l->last);
        } else if (l->next_no > t->next_no) {
            struct omp_plog_cursor c;
            struct omp_plog_entry e;
            uint32_t no, want = t->next_no < l->first_no ? l->first_no : t->next_no;
            omp_err err = omp_plog_seek(l, want, &c);
            while (err == OMP_OK && (err = omp_plog_next(l, &c, &e, &no)) == OMP_OK &&
                   no == want && (e.status & OMP_PLOG_ST_INVALID) == 0u) {
                remember(b, k, no, &e);
                want++;
            }
            if (err != OMP_ERR_NOT_FOUND || want != l->next_no) {
                log_violation(b, k, "the entries just appended did not read back");
            }
        }
        if (!cut && (t->first_no != l->first_no || t->next_no != l->next_no)) {
            t->first_no = l->first_no;
            t->next_no = l->next_no;
            set_keep_from(b, k);
        }
        t->first_no = l->first_no;
        t->next_no = l->next_no;
    }
    if (polled && !cut && b->expect_power_up) {
        b->expect_power_up = false;
        if (!b->power_up_seen) {
            log_violation(b, L_EV + OMP_EVLOG_STANDARD, "no OMP_EV_POWER_UP of the restart after "
                          "its first poll");
        } else {
            b->power_ups_logged++;
        }
    }
}

/* Every entry of log @p k, read after a restart: numbers consecutive from first_no, none
 * unreadable, times in order (the clock is never set back), each one remembered equal to it as it
 * was appended; the meter's base for its next entry is the newest. */
static void read_log(struct bench *b, unsigned k)
{
    const struct omp_plog *l = plog_of(&b->m, k);
    struct logtrack *t = &b->lt[k];
    struct omp_plog_cursor c;
    struct omp_plog_entry e, newest;
    uint32_t no, want = l->first_no;
    char msg[160];
    memset(&newest, 0, sizeof newest);
    if (l->next_no == l->first_no) {
        return;
    }
    omp_err err = omp_plog_seek(l, want, &c);
    while (err == OMP_OK && (err = omp_plog_next(l, &c, &e, &no)) == OMP_OK) {
        msg[0] = '\0';
        if (no != want) {
            snprintf(msg, sizeof msg, "entry %u read where %u was due", (unsigned)no,
                     (unsigned)want);
        } else if ((e.status & OMP_PLOG_ST_INVALID) != 0u) {
            snprintf(msg, sizeof msg, "entry %u is unreadable", (unsigned)no);
        } else if (no != l->first_no &&
                   (k < L_EV ? e.t <= newest.t : e.t < newest.t)) {
            snprintf(msg, sizeof msg, "entry %u is older than the one before it", (unsigned)no);
        } else if (t->ring_no[no % RING] == no && !entry_eq(&e, &t->ring[no % RING],
                                                            l->def.columns)) {
            snprintf(msg, sizeof msg, "entry %u differs from the entry appended", (unsigned)no);
        }
        if (msg[0] != '\0') {
            log_violation(b, k, msg);
            return;
        }
        b->ls[k].read++;
        b->ls[k].compared += t->ring_no[no % RING] == no ? 1u : 0u;
        if (no >= t->next_no) { /* the entry being written at the cut, whole */
            t->ring[no % RING] = e;
            t->ring_no[no % RING] = no;
        }
        newest = e;
        want++;
    }
    if (err != OMP_ERR_NOT_FOUND || want != l->next_no) {
        snprintf(msg, sizeof msg, "reading stopped at %u (%s)", (unsigned)want, omp_err_name(err));
        log_violation(b, k, msg);
    } else if (l->have_last && !entry_eq(&l->last, &newest, l->def.columns)) {
        /* (none after a torn entry: the next one is full) */
        log_violation(b, k, "the base of the next entry is not the newest entry");
    }
}

/* After a restart from a plain cut: each log opened without damage, holds every entry the meter
 * reported appended (a cut in its writes may drop the oldest early: a rotation's erase), at most
 * the entry being written besides, every entry readable and as appended. Then the expectations
 * of the first entries after the restart. */
static void check_logs(struct bench *b)
{
    for (unsigned k = 0; k < LOGS; k++) {
        const struct omp_plog *l = plog_of(&b->m, k);
        struct logtrack *t = &b->lt[k];
        bool touched = (b->cut_logs & (1u << k)) != 0u;
        if (l->stats.damaged != 0u || l->stale || l->frozen) {
            log_violation(b, k, "opened as damaged, stale or read only");
        }
        if (l->next_no < t->next_no) {
            log_violation(b, k, "entries the meter had appended are missing");
        } else if (l->next_no > t->next_no + (touched ? 1u : 0u)) {
            log_violation(b, k, "holds entries the meter never appended");
        } else if (l->first_no < t->first_no || (!touched && l->first_no != t->first_no)) {
            log_violation(b, k, "the oldest entry held moved without a rotation");
        } else if (l->first_no > t->keep_from) {
            log_violation(b, k, "more than the oldest sector was dropped");
        }
        read_log(b, k);
        if ((b->at_cut_logs & (1u << k)) != 0u) {
            b->ls[k].cut_in++;
            b->ls[k].kept += l->next_no > t->next_no ? 1u : 0u;
        }
        b->ls[k].dropped += l->first_no > t->first_no ? l->first_no - t->first_no : 0u;
        if (l->first_no > 1u && omp_plog_count(l) < b->ls[k].least) {
            b->ls[k].least = omp_plog_count(l);
        }
        t->first_no = l->first_no;
        t->next_no = l->next_no;
        set_keep_from(b, k);
        t->expect_outage = k < L_EV;
    }
    b->cut_logs = 0;
    b->at_cut_logs = 0;
    b->expect_power_up = true;
    b->power_up_seen = false;
    b->power_up_from = plog_of(&b->m, L_EV + OMP_EVLOG_STANDARD)->next_no;
    b->power_up_utc = b->b.clock.now.utc_s;
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
 * after a container's head (a torn rotation), in the first sector of a container that is
 * otherwise erased (a torn format; the billing log stays erased until its first entry, an event
 * log that nothing is logged to keeps its first header only), or in the head of a packed log that
 * holds no readable entry (its first one torn): the sector before it becomes the head, and it
 * reads as that one's spare, an erase a cut interrupted (which may leave any old bytes behind an
 * invalid header; nothing in it is newer than the ring). The containers: the journal, the mirror,
 * the settings store, the billing log, then the packed logs. */
#define CONTAINERS (4u + LOGS)
static bool reads_as_power_cut(const struct omp_meter *m, const uint8_t *img, uint32_t sector)
{
    uint32_t first[CONTAINERS], count[CONTAINERS];
    uint32_t head[CONTAINERS] = {m->persist.store.head, m->persist.mirror.head, m->settings.head,
                                 m->persist.billing.head};
    for (unsigned k = 0; k < CONTAINERS; k++) {
        if (k < 4u) {
            first[k] = k_first[k];
            count[k] = k_count[k];
        } else {
            const struct omp_plog *l = plog_of(m, k - 4u);
            first[k] = l->rgn.base / SECTOR;
            count[k] = l->rgn.sectors;
            head[k] = l->head;
        }
    }
    for (unsigned k = 0; k < CONTAINERS; k++) {
        if (sector != first[k]) {
            continue;
        }
        bool erased = true;
        for (uint32_t a = (first[k] + 1u) * SECTOR; erased && a < (first[k] + count[k]) * SECTOR;
             a++) {
            erased = img[a] == 0xFFu;
        }
        if (erased) {
            return true;
        }
    }
    for (unsigned k = 0; k < CONTAINERS; k++) {
        if (sector == first[k] + (head[k] + 1u) % count[k]) {
            return true;
        }
        if (k >= 4u && sector == first[k] + head[k] && first_no_in(img, plog_of(m, k - 4u),
                                                                   head[k]) == 0u) {
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
               "journal %u, mirror %u, settings %u, log %u, load profile %u, analysis %u, "
               "standard events %u, tamper events %u; image: %s\n",
               (unsigned long long)b->cuts, (unsigned)g_seed, (unsigned long long)b->cuts + 1u,
               (unsigned)g_seed, (unsigned)sector, (unsigned)(bit / 8u), (unsigned)(bit % 8u),
               (unsigned)b->m.persist.store.head, (unsigned)b->m.persist.mirror.head,
               (unsigned)b->m.settings.head, (unsigned)b->m.persist.billing.head,
               (unsigned)b->m.lp.log.head, (unsigned)b->m.an.log.head,
               (unsigned)b->m.evlog[OMP_EVLOG_STANDARD].log.head,
               (unsigned)b->m.evlog[OMP_EVLOG_TAMPER].log.head, save_image(b, b->before2, ""));
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
    b->cfg.demand_period_min = PERIOD_MIN; /* Z4: the load profile's period */
    b->cfg.lp_sectors = LP_SECTORS;        /* the default type number: A+, A-, R+, R- */
    b->cfg.an_sectors = AN_SECTORS;        /* its default channels */
    b->cfg.an_period_min = PERIOD_MIN;
    b->cfg.ev_sectors = EV_SECTORS;
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
        (unsigned)(mh[2] | mh[3] << 8) != OMP_REGS_MIRROR_TAG || info.lp_sectors != LP_SECTORS ||
        info.an_sectors != AN_SECTORS || info.ev_sectors != EV_SECTORS) {
        fprintf(stderr, "bench_power_cuts: the NVM layout is not the one assumed here\n");
        return 2;
    }
    for (unsigned k = 0; k < LOGS; k++) { /* each log where log_of() says, its header there */
        const struct omp_plog *l = plog_of(&b->m, k);
        const uint8_t *h = b->mem + l->rgn.base;
        if (l->rgn.base % SECTOR != 0u || log_of(l->rgn.base) != (int)k ||
            log_of(l->rgn.base + l->rgn.sectors * SECTOR - 1u) != (int)k ||
            (l->rgn.base + l->rgn.sectors * SECTOR) % NVM_SIZE !=
                (k + 1u < LOGS ? plog_of(&b->m, k + 1u)->rgn.base : 0u) ||
            (unsigned)(h[2] | h[3] << 8) != k_log_tag[k]) {
            fprintf(stderr, "bench_power_cuts: the %s is not where assumed here\n", k_log[k]);
            return 2;
        }
        b->lt[k].first_no = l->first_no;
        b->lt[k].next_no = l->next_no;
        set_keep_from(b, k);
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
    b->at_cut_logs = b->cut_logs;
    b->at_cut = *at;
    observe(b, false, true); /* what the tick or poll appended before the cut */
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
    check_logs(b);
    if (b->m.nvm_damaged != 0u) { /* (a violation already) no more writes, so no more cuts */
        b->stuck = true;
        printf("STOPPED at cut %llu: the meter took the NVM for damaged and writes nothing more\n",
               (unsigned long long)b->cuts);
        return;
    }
    regs_of(&b->m, &b->durable); /* init saved a checkpoint of what it restored */
    if (b->restarts % 20u == 0u) {
        inject_damage(b);
    }
}

/* The NVM lost its supply (a cut in a program or a torn erase). */
static bool cut_now(const struct bench *b)
{
    return b->dead || !b->b.nvm.powered;
}

/* One tick of load, inputs and time, and a poll; the NVM losing its supply in either is a cut
 * (the tick appends the profiles' entries, the poll saves and logs the events). */
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
    if (b->ticks % COVER_TICKS == 0u) { /* the meter cover opened or closed: a tamper event */
        omp_meter_on_input(&b->m, OMP_INPUT_COVER, (b->ticks / COVER_TICKS) % 2u == 0u);
    }
    if (b->ticks % 211u == 0u) {
        omp_err stop = omp_meter_billing_stop(&b->m);
        (void)stop; /* OMP_ERR_BUSY: the previous snapshot is not stored yet */
    }
    omp_fake_clock_advance_ms(&b->b.clock, TICK_S * 1000u);
    omp_meter_tick(&b->m, &b->b.clock.now);
    b->ticks++;
    struct regs at;
    regs_of(&b->m, &at);
    if (cut_now(b)) { /* in a profile's entry */
        b->cut_in_tick++;
        b->cut_after_cold = false;
        after_cut(b, &at);
        return;
    }
    observe(b, false, false);
    if (b->target_region >= 0 && ++b->target_ticks > 300u) {
        /* the target did not come up (settings are written at start-up only): a cut at the
           next byte, which a restart then brings */
        b->target_region = -1;
        omp_ram_nvm_cut_after(&b->b.nvm, 1u);
    }
    uint64_t saves = b->m.persist.hot_saves + b->m.persist.cold_saves;
    uint64_t colds = b->m.persist.cold_saves;
    omp_err err = omp_meter_poll(&b->m);
    b->cut_after_cold = b->m.persist.cold_saves != colds; /* read when the poll failed */
    track_saves(b);
    if (err == OMP_OK && !cut_now(b)) {
        if (b->m.persist.hot_saves + b->m.persist.cold_saves != saves) {
            regs_of(&b->m, &b->durable);
        }
        observe(b, true, false);
        return;
    }
    if (err != OMP_OK && err != OMP_ERR_POWER_LOST) {
        violation(b, "poll failed with another error than a power cut");
    }
    if (err == OMP_OK && b->m.persist.hot_saves + b->m.persist.cold_saves != saves) {
        regs_of(&b->m, &b->durable); /* saved; the cut came in the event logs after it */
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

static void print_logs(const struct bench *b)
{
    struct omp_meter_nvm_info info;
    if (omp_meter_nvm_info(&b->m, &info) != OMP_OK) {
        return;
    }
    printf("packed logs                     load profile %u channels every %u min, %u entries "
           "guaranteed; analysis logger %u channels every %u min, %u guaranteed (%u min); event "
           "logs %u guaranteed each\n", (unsigned)b->m.lp.cfg.columns, PERIOD_MIN,
           (unsigned)info.lp_capacity, (unsigned)b->m.an.cfg.columns, PERIOD_MIN,
           (unsigned)info.an_capacity, (unsigned)info.an_depth_min, (unsigned)info.ev_capacity);
    printf("  after each restart from a plain cut every entry read back (numbers consecutive, none "
           "unreadable), the newest %u of each compared with the entry as appended; the first "
           "profile entries after a restart checked for DQ \"outage\", the restart's POWER_UP "
           "found in the standard event log after its first poll: %llu times\n", RING,
           (unsigned long long)b->power_ups_logged);
    printf("  %-18s %9s %6s %6s %9s %11s %10s %7s %6s %8s %7s\n", "log", "appended", "held",
           "least", "dropped", "read back", "compared", "cut in", "kept", "early", "outage");
    for (unsigned k = 0; k < LOGS; k++) {
        const struct logstat *s = &b->ls[k];
        const struct omp_plog *l = plog_of(&b->m, k);
        char least[16] = "-";
        if (s->least != UINT32_MAX) {
            snprintf(least, sizeof least, "%u", (unsigned)s->least);
        }
        printf("  %-18s %9llu %6u %6s %9u %11llu %10llu %7llu %6llu %8llu %7llu\n", k_log[k],
               (unsigned long long)s->appended, (unsigned)omp_plog_count(l), least,
               (unsigned)(l->first_no - 1u), (unsigned long long)s->read,
               (unsigned long long)s->compared, (unsigned long long)s->cut_in,
               (unsigned long long)s->kept, (unsigned long long)s->dropped,
               (unsigned long long)s->marked);
    }
    printf("  (held: entries at the end; least: the fewest held after a restart once the ring had "
           "wrapped; dropped: by the ring since the start; read back: at restarts; compared: of "
           "them, equal to the entry as appended; cut in: cuts in a tick or poll that landed in "
           "the log's writes, kept: of them, the entry being written was whole after the restart; "
           "early: entries a cut in a rotation dropped; outage: first entries after a restart, "
           "each with the bit)\n");
}

static void print_summary(const struct bench *b, double wall)
{
    printf("bench_power_cuts: seed %u, NVM %u x %u bytes (journal %u, mirror %u, settings %u, "
           "billing log %u, load profile %u, analysis logger %u, event logs %u x %u)\n",
           (unsigned)g_seed, SECTORS, SECTOR, JOURNAL, MIRROR, SETTINGS, LOG, LP_SECTORS,
           AN_SECTORS, (unsigned)OMP_EVLOG_COUNT, EV_SECTORS);
    printf("cuts tried                      %llu (byte sweep %llu, random byte %llu, torn erase %llu, "
           "in the next write of a kind %llu; in init %llu)\n",
           (unsigned long long)b->cuts, (unsigned long long)b->cuts_mode[0],
           (unsigned long long)b->cuts_mode[1], (unsigned long long)b->cuts_mode[2],
           (unsigned long long)b->cuts_mode[3], (unsigned long long)b->cuts_init);
    printf("  in a tick (a profile's entry)   %llu\n", (unsigned long long)b->cut_in_tick);
    for (int p = 0; p < PH_COUNT; p++) {
        printf("  cut in %-30s %llu\n", k_phase[p], (unsigned long long)b->phase[p]);
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
           "reads as a power cut: the sector after a head, a region's only header, the head of a "
           "log that holds no readable entry)\n",
           (unsigned long long)b->inj, (unsigned long long)b->inj_detected,
           (unsigned long long)b->inj_missed, (unsigned long long)b->inj_missed_ambiguous);
    print_losses(b);
    print_logs(b);
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
    for (unsigned k = 0; k < LOGS; k++) {
        b->ls[k].least = UINT32_MAX;
    }
    b->target_region = -1;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int err = setup(b);
    if (err != 0) {
        return err;
    }
    while (b->cuts < want && !b->stuck) {
        run_tick(b);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    print_summary(b, wall);
    return b->violations == 0u && b->inj_missed == 0u ? 0 : 1;
}

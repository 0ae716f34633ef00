/*
 * A whole meter started on an arbitrary NVM image (issue #12: no crash, no silent zero). The input
 * is the image of the board of fuzz/meter_nvm.h (34 sectors of 1 KiB: journal, mirror, settings
 * store, billing log); a shorter input is padded with erased bytes (0xFF), a longer one cut. Seeds:
 * fuzz/gen_meter_nvm.c. The meter is omp_meter_init()ed on it, ticked, polled, flushed, read
 * over the optical port (a mode C readout of User Data 2: meter status 97.97.0 and A+), and
 * started a second time on what the first run left.
 *
 * Checks:
 * 1. init returns OMP_OK (the configuration and the geometry are valid, the RAM NVM never fails:
 *    every documented error is excluded), and the layout is the one meter_nvm.h works out.
 * 2. the oracle: the journal, the mirror and the billing log opened READ ONLY with the storage
 *    API (its own RAM NVM over a copy of the input); the cold checkpoint with the higher id of
 *    the journal's and the mirror's newest sound entry (docs/storage.md "The mirror"), the hot
 *    record, the billing log's newest entry, restored with omp_registers_restore() into fresh
 *    registers; whether that restore counts as rolled back, by the documented rule. The meter's restored registers equal it (every
 *    energy and tariff register, hour, debiting, threshold and pulse counters): the meter neither
 *    starts from zero while readable register data is there nor invents any.
 * 3. damaged_sectors > 0: the image is byte for byte the input after init, ticks, polls, the
 *    readout and a flush, which returns OMP_ERR_NVM_CORRUPT; meter status bit 1 is set in the
 *    readout (97.97.0) and the display's error symbol is on; OMP_EV_NVM_DAMAGED was pushed with
 *    the count; a second init finds the same damage and restores the same registers.
 * 4. damaged_sectors == 0: no OMP_EV_NVM_DAMAGED; the flush succeeds; meter status bit 1 is set
 *    exactly when the oracle's restore refused a record or rolled back (then with
 *    OMP_EV_NVM_ROLLED_BACK); a second init on the resulting image
 *    finds no damage (the meter never takes its own writes for damage) and restores the registers
 *    the first meter flushed (idempotence).
 * The fuzz build adds ASan and UBSan: an overread of the image or of a record is a crash.
 */
#include <string.h>

#include "fuzz.h"
#include "meter_nvm.h"
#include "omnipower/iec62056_21.h"

#define TICK_MS 100u
#define TX_MAX 4096u

struct fx {
    uint8_t mem[MN_SIZE];
    uint32_t erases[MN_SECTORS];
    struct omp_fake_board b;
    struct omp_hal hal;
    struct omp_meter_cfg cfg;
    struct omp_meter m;
};

static struct fx g_fx;
static struct omp_meter g_m2;
static uint8_t g_input[MN_SIZE];  /* the input as an image: what a damaged NVM must keep */
static uint8_t g_oracle[MN_SIZE]; /* the oracle's copy */
static struct omp_hal_ops g_ops;
static uint8_t g_tx[TX_MAX];      /* what the optical port sent */
static size_t g_tx_len;

static omp_err port_write(void *user, enum omp_port port, const uint8_t *data, size_t len,
                          size_t *written)
{
    (void)user;
    OMP_FUZZ_CHECK(port == OMP_PORT_OPTICAL && data != NULL && written != NULL);
    size_t n = len < TX_MAX - g_tx_len ? len : TX_MAX - g_tx_len;
    memcpy(g_tx + g_tx_len, data, n);
    g_tx_len += n;
    *written = len; /* the rest of a very long answer is not needed */
    return OMP_OK;
}

static omp_err port_baud(void *user, enum omp_port port, uint32_t baud,
                         enum omp_port_framing framing)
{
    (void)user;
    (void)port;
    (void)baud;
    (void)framing;
    return OMP_OK;
}

/* ---- the oracle --------------------------------------------------------------------------- */

static const struct omp_hal_ops k_nvm_ops = {
    .nvm_geometry = omp_ram_nvm_geometry, .nvm_read = omp_ram_nvm_read,
    .nvm_program = omp_ram_nvm_program, .nvm_erase = omp_ram_nvm_erase,
};

struct expect {
    struct omp_registers r; /* what the restore gives */
    omp_err restore_err;    /* omp_registers_restore's result */
    bool any;               /* a cold or hot record or a billing entry was readable */
    bool rolled_back;       /* the documented rule */
};

static struct omp_nvm_region region(struct omp_hal *hal, uint32_t first, uint32_t n)
{
    struct omp_nvm_region r = {hal->ops, hal->user, first * MN_SECTOR, n};
    return r;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Checkpoint id a cold ('C') or hot ('H') record names (docs/registers.md), 0 if none. */
static uint32_t rec_id(const uint8_t *r, size_t len, uint8_t kind)
{
    return len >= 6u && r[0] == 1u && r[1] == kind ? le32(r + 2) : 0u;
}

/* a names a later checkpoint than b (ids wrap from 0xFFFFFFFF to 1; 0 is none) */
static bool later(uint32_t a, uint32_t b)
{
    return a != 0u && (b == 0u || (a - b != 0u && a - b < 0x80000000u));
}

#define MIRROR_COLD (4u + OMP_REGS_LEGAL_MAX)

/* The mirror's newest entry with a sound frame (docs/storage.md "The mirror"): its id, its cold
 * checkpoint copied to @p cold. */
static uint32_t mirror_newest(struct omp_hal *hal, uint8_t *cold)
{
    static struct omp_nvm_log l;
    static uint8_t e[OMP_REGS_MIRROR_LEN];
    struct omp_nvm_region r = region(hal, MN_JOURNAL, MN_MIRROR);
    omp_err err = omp_nvm_log_open_mode(&l, &r, OMP_REGS_MIRROR_TAG,
                                        (uint16_t)OMP_REGS_MIRROR_LEN, true);
    OMP_FUZZ_CHECK(err == OMP_OK || err == OMP_ERR_NVM_CORRUPT);
    for (uint32_t age = 0; age < l.count; age++) {
        if (omp_nvm_log_read(&l, age, e, NULL) != OMP_OK || e[0] != 1u ||
            e[1] > OMP_REGS_LEGAL_MAX || (e[2] | e[3] << 8) != (int)OMP_REGS_COLD_LEN) {
            continue;
        }
        uint32_t id = rec_id(e + MIRROR_COLD, OMP_REGS_COLD_LEN, 'C');
        if (id != 0u) {
            memcpy(cold, e + MIRROR_COLD, OMP_REGS_COLD_LEN);
            return id;
        }
    }
    return 0u;
}


/* What the image holds for the registers, read without the meter: read-only opens on a copy. */
static void oracle(const struct omp_regs_cfg *rc, struct expect *x)
{
    static struct omp_ram_nvm nvm;
    static struct omp_store s;
    static struct omp_nvm_log l;
    static uint8_t cold[OMP_REGS_COLD_MAX], hot[OMP_REGS_HOT_MAX], snap[OMP_REGS_SNAPSHOT_LEN];
    memcpy(g_oracle, g_input, MN_SIZE);
    OMP_FUZZ_CHECK(omp_ram_nvm_init(&nvm, g_oracle, &mn_geo, NULL) == OMP_OK);
    struct omp_hal hal = {&k_nvm_ops, &nvm};
    struct omp_nvm_region journal = region(&hal, 0u, MN_JOURNAL);
    struct omp_nvm_region log = region(&hal, MN_JOURNAL + MN_MIRROR + MN_SETTINGS, MN_LOG);
    omp_err err = omp_store_open_tagged(&s, &journal, OMP_REGS_JOURNAL_TAG, true);
    OMP_FUZZ_CHECK(err == OMP_OK || err == OMP_ERR_NVM_CORRUPT);
    size_t cold_len = 0, hot_len = 0, snap_len = 0;
    OMP_FUZZ_CHECK(omp_store_read_opt(&s, OMP_REGS_KEY_COLD, cold, sizeof cold, &cold_len) ==
                   OMP_OK);
    OMP_FUZZ_CHECK(omp_store_read_opt(&s, OMP_REGS_KEY_HOT, hot, sizeof hot, &hot_len) == OMP_OK);
    static uint8_t mcold[OMP_REGS_COLD_LEN];
    const uint32_t j_id = rec_id(cold, cold_len, 'C'), h_id = rec_id(hot, hot_len, 'H');
    const uint32_t m_id = mirror_newest(&hal, mcold);
    const bool from_mirror = later(m_id, j_id);
    if (from_mirror) {
        memcpy(cold, mcold, sizeof mcold);
        cold_len = sizeof mcold;
    }
    const uint32_t used = from_mirror ? m_id : j_id;
    const uint32_t newest = later(h_id, later(m_id, j_id) ? m_id : j_id) ? h_id
                            : later(m_id, j_id)                        ? m_id
                                                                       : j_id;
    err = omp_nvm_log_open_mode(&l, &log, OMP_REGS_BILLING_TAG, (uint16_t)OMP_REGS_SNAPSHOT_LEN,
                                true);
    OMP_FUZZ_CHECK(err == OMP_OK || err == OMP_ERR_NVM_CORRUPT);
    err = omp_nvm_log_read(&l, 0u, snap, NULL);
    OMP_FUZZ_CHECK(err == OMP_OK || err == OMP_ERR_NOT_FOUND);
    snap_len = err == OMP_OK ? sizeof snap : 0u;
    OMP_FUZZ_CHECK(omp_registers_init(&x->r, rc) == OMP_OK);
    x->restore_err = omp_registers_restore(&x->r, cold_len > 0u ? cold : NULL, cold_len,
                                           hot_len > 0u ? hot : NULL, hot_len,
                                           snap_len > 0u ? snap : NULL, snap_len);
    x->any = cold_len > 0u || hot_len > 0u || snap_len > 0u;
    x->rolled_back = used == 0u ? (hot_len > 0u || l.count > 0u)
                                : (later(newest, used) || (from_mirror && h_id != m_id));
    /* the oracle only reads */
    OMP_FUZZ_CHECK(nvm.program_calls == 0u && nvm.erase_calls == 0u);
}

/* The registers a restore decides (power-up may close a demand period: maxima are left out). */
static void same_registers(const struct omp_registers *a, const struct omp_registers *b)
{
    OMP_FUZZ_CHECK(memcmp(&a->e, &b->e, sizeof a->e) == 0);
    OMP_FUZZ_CHECK(a->hours == b->hours && a->billing_count == b->billing_count);
    OMP_FUZZ_CHECK(a->threshold_count == b->threshold_count && a->pulse_milli == b->pulse_milli);
}

/* ---- the meter ------------------------------------------------------------------------------ */

static void step(struct fx *f, unsigned ms)
{
    for (unsigned t = 0; t < ms; t += TICK_MS) {
        omp_fake_clock_advance_ms(&f->b.clock, TICK_MS);
        omp_meter_tick(&f->m, &f->b.clock.now);
        omp_err err = omp_meter_poll(&f->m);
        OMP_FUZZ_CHECK(err == OMP_OK || (f->m.nvm_damaged != 0u && err == OMP_ERR_NVM_CORRUPT));
    }
}

static void send(struct fx *f, const char *s)
{
    OMP_FUZZ_CHECK(omp_meter_on_rx(&f->m, OMP_PORT_OPTICAL, (const uint8_t *)s, strlen(s)) ==
                   OMP_OK);
}

/* A mode C readout of User Data 2 (sign-on, ACK 0 5 0); the meter status from its 97.97.0 line.
 * Without the optical port (OMP_CONFIG_IEC21 0) only the display's error symbol is checked. */
static int read_status(struct fx *f)
{
#if OMP_CONFIG_IEC21
    g_tx_len = 0;
    send(f, "/?12345678!\r\n");
    step(f, 400u);
    send(f, "\x06"
            "050\r\n");
    step(f, 600u);
    static const char k_key[] = "97.97.0(";
    const size_t kl = sizeof k_key - 1u;
    for (size_t i = 0; i + kl < g_tx_len; i++) {
        if (memcmp(g_tx + i, k_key, kl) == 0) {
            unsigned v = 0;
            size_t j = i + kl;
            for (; j < g_tx_len && g_tx[j] >= '0' && g_tx[j] <= '9'; j++) {
                v = v * 10u + (unsigned)(g_tx[j] - '0');
            }
            OMP_FUZZ_CHECK(j > i + kl && j < g_tx_len && g_tx[j] == ')');
            return (int)v;
        }
    }
    OMP_FUZZ_CHECK(false); /* no readout */
#else
    step(f, TICK_MS);
#endif
    return -1;
}

/* OMP_EV_NVM_DAMAGED in the queue: its argument, or 0 when there is none. */
static uint32_t damaged_event(const struct omp_meter *m)
{
    struct omp_evq_reader rd;
    struct omp_event ev;
    uint32_t arg = 0;
    OMP_FUZZ_CHECK(omp_evq_reader_init(omp_meter_events(m), &rd) == OMP_OK);
    while (omp_evq_read(omp_meter_events(m), &rd, &ev, NULL) == OMP_OK) {
        if (ev.code == OMP_EV_NVM_DAMAGED) {
            OMP_FUZZ_CHECK(arg == 0u && ev.arg != 0u);
            arg = ev.arg;
        }
    }
    return arg;
}

/* OMP_EV_NVM_ROLLED_BACK in the queue. */
static bool rolled_event(const struct omp_meter *m)
{
    struct omp_evq_reader rd;
    struct omp_event ev;
    bool seen = false;
    OMP_FUZZ_CHECK(omp_evq_reader_init(omp_meter_events(m), &rd) == OMP_OK);
    while (omp_evq_read(omp_meter_events(m), &rd, &ev, NULL) == OMP_OK) {
        seen = seen || ev.code == OMP_EV_NVM_ROLLED_BACK;
    }
    return seen;
}

/* Meter status bit 1 (from the readout, -1 without one) and the display's error symbol. */
static void check_status(const struct fx *f, int status, bool bit1)
{
    if (status >= 0) {
        OMP_FUZZ_CHECK(((status & 0x02) != 0) == bit1);
    }
#if OMP_CONFIG_DISPLAY
    struct omp_display_frame fr;
    OMP_FUZZ_CHECK(omp_meter_display(&f->m, &fr) == OMP_OK);
    OMP_FUZZ_CHECK(((fr.symbols & OMP_SYM_ERROR) != 0u) == bit1);
#else
    (void)f;
#endif
}

static struct omp_meter_nvm_info info_of(const struct omp_meter *m)
{
    struct omp_meter_nvm_info i;
    OMP_FUZZ_CHECK(omp_meter_nvm_info(m, &i) == OMP_OK);
    return i;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fx *f = &g_fx;
    static struct expect x;
    memset(g_input, 0xFF, sizeof g_input);
    memcpy(g_input, data, size < MN_SIZE ? size : MN_SIZE);
    OMP_FUZZ_CHECK(omp_fake_board_init(&f->b, f->mem, &mn_geo, f->erases, MN_T_START) == OMP_OK);
    memcpy(f->mem, g_input, MN_SIZE);
    g_ops = omp_fake_board_ops;
    g_ops.port_write = port_write;
    g_ops.port_set_baud = port_baud;
    f->hal.ops = &g_ops;
    f->hal.user = &f->b;
    mn_cfg(&f->cfg);

    /* 1 */
    OMP_FUZZ_CHECK(omp_meter_init(&f->m, &f->hal, &f->cfg, &f->b.clock.now) == OMP_OK);
    const struct omp_meter_nvm_info info = info_of(&f->m);
    OMP_FUZZ_CHECK(info.journal_sectors == MN_JOURNAL && info.settings_sectors == MN_SETTINGS &&
                   info.log_sectors == MN_LOG);
    const uint32_t damaged = info.damaged_sectors;
    OMP_FUZZ_CHECK(damaged <= MN_SECTORS);
    /* 2 */
    oracle(&f->m.regs.cfg, &x);
    same_registers(&f->m.regs, &x.r);
    if (!x.any) {
        OMP_FUZZ_CHECK(x.r.e.total.a_plus_uwh == 0u); /* nothing to restore: from zero */
    }
    OMP_FUZZ_CHECK(damaged_event(&f->m) == damaged);
    static struct omp_registers restored;
    restored = f->m.regs;

    /* run: a tick and poll, a readout of the status over the optical port, a flush */
    step(f, TICK_MS);
    const int status = read_status(f);
    const omp_err flushed = omp_meter_flush(&f->m);

    if (damaged > 0u) {
        /* 3 */
        OMP_FUZZ_CHECK(flushed == OMP_ERR_NVM_CORRUPT);
        check_status(f, status, true);
        OMP_FUZZ_CHECK(memcmp(f->mem, g_input, MN_SIZE) == 0);
        OMP_FUZZ_CHECK(omp_meter_init(&g_m2, &f->hal, &f->cfg, &f->b.clock.now) == OMP_OK);
        OMP_FUZZ_CHECK(info_of(&g_m2).damaged_sectors == damaged);
        same_registers(&g_m2.regs, &restored);
        OMP_FUZZ_CHECK(memcmp(f->mem, g_input, MN_SIZE) == 0);
        return 0;
    }
    /* 4 */
    OMP_FUZZ_CHECK(flushed == OMP_OK);
    OMP_FUZZ_CHECK(info.rolled_back == x.rolled_back && rolled_event(&f->m) == x.rolled_back);
    check_status(f, status, x.restore_err != OMP_OK || x.rolled_back);
    OMP_FUZZ_CHECK(omp_meter_init(&g_m2, &f->hal, &f->cfg, &f->b.clock.now) == OMP_OK);
    OMP_FUZZ_CHECK(info_of(&g_m2).damaged_sectors == 0u);
    OMP_FUZZ_CHECK(g_m2.persist.restore_err == OMP_OK); /* the meter reads what it wrote */
    same_registers(&g_m2.regs, &f->m.regs);
    return 0;
}

/*
 * The composition root: the metrology engine (lib/metrology) behind the sample path, the
 * registers (lib/registers) and the tariff engine (lib/tariff) behind tick, their records in the
 * power-fail-safe storage (lib/storage), pulse outputs and the automatic display list.
 *
 * NVM (cfg.nvm_base, cfg.nvm_sectors; docs/storage.md): the last log_sectors sectors hold the
 * billing log (omp_nvm_log, one entry per debiting snapshot, enough sectors for
 * OMP_CONFIG_BILLING_DEPTH); the sectors before them hold the register journal (omp_store) with
 * the keys below. The meter's own state record (KEY_STATE) counts power-ups.
 *
 * Energy: omp_meter_on_samples() runs omp_metro_on_samples() (sample ISR) and starts the pulses
 * the engine requests. The engine counts its registers from zero at every start; tick copies them
 * under the critical section and feeds their growth since the previous tick to the registers, in
 * the tariff in force. When a tariff switch falls between two ticks, the interval's energy is
 * split in proportion to the time on each side of the switch, so a switch lands on its second.
 *
 * Seconds: while the RTC is valid the registers see every UTC second once (demand periods and
 * debiting stops are on the clock); a jump of the RTC by more than 2 s against the monotonic time
 * is a clock change (omp_registers_clock_set). Without a valid RTC, monotonic seconds drive the
 * hour counter and the periods are flagged.
 *
 * Saving (poll): the registers' persistence part (lib/registers/persist.c) writes a pending
 * debiting snapshot to the billing log first, then a due cold checkpoint, then the hot record when
 * a displayed register value changed, at most once per the endurance budget's interval
 * (OMP_CONFIG_NVM_LIFE_YEARS at Imax), except after the power-fail warning, which saves at once.
 * The meter lays out the NVM and reopens the journal and the log after a HAL error.
 *
 * Values: every reader (the display in meter_display.c, the optical port in optical.c) reads
 * them through the data dictionary (cosem.h) with the source omp_meter_priv_src() builds, and
 * formats them with the display module (display.h): one table, one formatter.
 *
 * Display (meter_display.c): the power-up sequence, then the automatic, manual, utility and
 * battery lists of the display module, stepped by time and the push buttons; symbols per technical
 * facts 9.3. Notifications (power up/down, clock set, buttons, tamper, configuration changes,
 * optical password failures) go into the event queue (omp_meter_events).
 *
 * Optical port: its service (optical.h, meter_optical.c) runs the IEC 62056-21 server; on_rx
 * feeds it, poll sends what it answers.
 */
#include <string.h>

#include "omnipower/cosem.h"
#include "omnipower/display.h"
#include "omnipower/mcfg.h"
#include "omnipower/meter.h"
#include "omnipower/version.h"

#include "meter_priv.h"

/* Keys of the register journal: 1 and 2 are the registers' (OMP_REGS_KEY_COLD/_HOT), 6 the
 * display lists' (meter_display.c). */
#define KEY_STATE 3u
#define KEY_CAL_ACTIVE 4u
#define KEY_CAL_PASSIVE 5u
#define STATE_VERSION 1u
#define STATE_LEN 8u

#define CLOCK_JUMP_S 2                /* RTC vs monotonic difference taken as a clock change */
#define MAX_SECONDS_PER_TICK 86400u   /* bound on the catch-up work of one tick */

#define INPUT_BIT(i) (1u << (unsigned)(i))
#define TARIFF_INPUTS (INPUT_BIT(OMP_INPUT_TARIFF1) | INPUT_BIT(OMP_INPUT_TARIFF2))

/* ---- small helpers --------------------------------------------------------------------------- */

static uint64_t pow10_u64(unsigned n)
{
    uint64_t v = 1;
    while (n-- > 0u) {
        v *= 10u;
    }
    return v;
}

void omp_meter_priv_copy_str(char *dst, size_t cap, const char *src)
{
    size_t k = 0;
    for (; k + 1u < cap && src[k] != '\0'; k++) {
        dst[k] = src[k];
    }
    dst[k] = '\0';
}

/* ---- configuration --------------------------------------------------------------------------- */

void omp_meter_cfg_default(struct omp_meter_cfg *cfg)
{
    if (cfg == NULL) {
        return;
    }
    struct omp_meter_cfg c = { 0 };
    c.meter_number = 1u;           /* placeholder: production writes the real serial number */
    omp_meter_priv_copy_str(c.type_number, sizeof c.type_number, "6861111BN142101010");
    /* software number: the library version as 7 digits (0.1.0 -> 0000100), revision 01 */
    uint32_t sw = OMP_VERSION_MAJOR * 10000u + OMP_VERSION_MINOR * 100u + OMP_VERSION_PATCH;
    for (unsigned k = 7u; k > 0u; k--) {
        c.software_id[k - 1u] = (char)('0' + (int)(sw % 10u));
        sw /= 10u;
    }
    omp_meter_priv_copy_str(c.software_id + 7, sizeof c.software_id - 7u, "-01");
    c.utc_offset_min = 60;         /* Z11 = 01: +1 h (DK/NO/SE/DE/FR/ES) */
    c.dst_rule = OMP_DST_EU;       /* Z15 = 001 */
    c.energy_digits = 7u;          /* Z1 = 3: 7.2 */
    c.energy_decimals = 2u;
    c.led_on_no_load = false;      /* Z2 = 1: LED off at no consumption */
    c.pulse_width_ms = 30u;        /* Z8 = 1: 30 ms */
    c.sample_rate_hz = OMP_CONFIG_SAMPLE_RATE_HZ;
    c.mains_hz = OMP_CONFIG_MAINS_HZ;
    /* the nominal calibration of the default front end, as omp_metro_cal_nominal(cal, 600, 120) */
    c.cal.v_gain = 600.0f / 8388608.0f; /* 24-bit codes, +-600 V full scale (exact in float) */
    c.cal.i_gain = 120.0f / 8388608.0f; /* 24-bit codes, +-120 A full scale */
    c.cal.phase_deg = 0.0f;
    c.cal.v_offset = 0;
    c.cal.i_offset = 0;
    c.nvm_base = 0u;               /* the whole NVM of the port */
    c.nvm_sectors = 0u;
    c.z3 = OMP_Z3_NONE;            /* Z3 = 00: no module function */
    c.demand_period_min = 15u;     /* Z4 = 2: 15 min */
    c.billing_day = 1u;            /* Z6 = 01 */
    c.billing_interval = 1u;       /* Z7 = 01: monthly */
    c.pulse_unit = 0u;             /* Z12 = 00: none */
    c.pulse_milli = 1000u;         /* 1 unit per pulse */
    c.power_threshold_w = 0u;      /* threshold counter off */
    c.count_flagged_periods = false;
    c.tariff_source = OMP_TARIFF_SRC_DEFAULT;
    c.default_tariff = 1u;
    omp_meter_priv_optical_default(&c); /* optical port: Kamstrup factory values */
    /* the identification is the type number's (technical facts 10.3), not configured twice */
    struct omp_mcfg_typeno tn;
    struct omp_mcfg_error why;
    if (omp_mcfg_typeno_decode(c.type_number, OMP_COSEM_TYPENO_LEN, &tn, &why) != OMP_OK ||
        omp_mcfg_typeno_ident(&tn, c.optical_ident, sizeof c.optical_ident) != OMP_OK) {
        c.optical_ident[0] = '\0'; /* cannot happen with the literal above; cfg_valid refuses */
    }
    *cfg = c;
}

static bool z1_valid(uint8_t digits, uint8_t decimals)
{
    /* data sheet Z1 codes 1..4: 7.0, 6.1, 7.2, 6.3 */
    return (digits == 7u && decimals == 0u) || (digits == 6u && decimals == 1u) ||
           (digits == 7u && decimals == 2u) || (digits == 6u && decimals == 3u);
}

/* A single-phase type number whose every position the config module accepts, NUL-terminated. */
static bool type_number_valid(const char *t)
{
    struct omp_mcfg_typeno tn;
    struct omp_mcfg_error why;
    size_t n = 0;
    while (n <= OMP_COSEM_TYPENO_LEN && t[n] != '\0') {
        n++;
    }
    return n == OMP_COSEM_TYPENO_LEN && omp_mcfg_typeno_decode(t, n, &tn, &why) == OMP_OK;
}

/* 1..16 printable characters, NUL-terminated. */
static bool text_valid(const char *t, size_t cap)
{
    size_t n = 0;
    while (n < cap && t[n] != '\0') {
        if (t[n] < ' ' || t[n] > '~') {
            return false;
        }
        n++;
    }
    return n > 0u && n < cap;
}

static bool cfg_valid(const struct omp_meter_cfg *c)
{
    return c->meter_number >= 1u && c->meter_number <= 99999999u &&
           type_number_valid(c->type_number) && text_valid(c->software_id, sizeof c->software_id) &&
           omp_utc_offset_valid(c->utc_offset_min) &&
           (c->dst_rule == OMP_DST_NONE || c->dst_rule == OMP_DST_EU) &&
           z1_valid(c->energy_digits, c->energy_decimals) &&
           (c->pulse_width_ms == 30u || c->pulse_width_ms == 80u) && omp_z3_valid(c->z3) &&
           (c->tariff_source == OMP_TARIFF_SRC_DEFAULT || c->tariff_source == OMP_TARIFF_SRC_INPUTS ||
            c->tariff_source == OMP_TARIFF_SRC_REGISTER ||
            c->tariff_source == OMP_TARIFF_SRC_CALENDAR) &&
           c->default_tariff >= 1u && c->default_tariff <= OMP_CONFIG_TARIFFS &&
           omp_meter_priv_optical_valid(c);
    /* sample rate, mains and calibration: omp_metro_init decides (see metro_setup) */
}

/* The engine's configuration from the meter's. */
static void metro_cfg(const struct omp_meter_cfg *c, struct omp_metro_cfg *mc)
{
    omp_metro_cfg_default(mc);
    mc->fs_hz = c->sample_rate_hz;
    mc->mains_hz = c->mains_hz;
    mc->pulse_width_ms = c->pulse_width_ms;
    mc->led_on_no_load = c->led_on_no_load;
}

/* The registers' configuration from the meter's (the rest is checked by omp_registers_init). */
static void regs_cfg(const struct omp_meter_cfg *c, struct omp_regs_cfg *rc)
{
    omp_regs_cfg_default(rc);
    rc->utc_offset_min = c->utc_offset_min;
    rc->dst_rule = c->dst_rule;
    rc->demand_period_min = c->demand_period_min;
    rc->billing_day = c->billing_day;
    rc->billing_interval = c->billing_interval;
    rc->power_threshold_w = c->power_threshold_w;
    rc->pulse_milli = c->pulse_milli;
    rc->pulse_unit = c->pulse_unit;
    rc->save_step_u = 1000000000u / pow10_u64(c->energy_decimals); /* 1 kWh = 1e9 uWh */
    rc->count_flagged_periods = c->count_flagged_periods;
}

/* ---- the data dictionary's view of the meter ---------------------------------------------------- */

static omp_err force_tariff(struct omp_meter *m, uint8_t tariff);

static omp_err op_set_clock(void *user, omp_time_s utc_s)
{
    return omp_meter_set_clock(user, utc_s);
}

static omp_err op_set_tariff(void *user, uint8_t tariff)
{
    return force_tariff(user, tariff);
}

static omp_err op_set_optical(void *user, uint8_t setting, uint32_t value)
{
    static const uint8_t k_e[OMP_OPT_COUNT] = {3u, 6u, 9u, 12u, 13u, 14u, 15u, 16u}; /* 131.0.E */
    struct omp_meter *m = user;
    omp_err err = omp_optical_set(&m->optical_port, setting, value);
    if (err == OMP_OK && setting < (uint8_t)OMP_OPT_COUNT) {
        omp_meter_priv_event(m, OMP_EV_CONFIG_CHANGED, 0x830000u | k_e[setting], 0u); /* C.D.E */
    }
    return err;
}

static const struct omp_cosem_ops k_ops = {
    .set_clock = op_set_clock,
    .set_tariff = op_set_tariff,
    .set_optical = op_set_optical,
};

/* Meter status 1.1.97.97.0.255 (technical facts 3.1): bit 1 "EEPROM or data backup/restore
 * error" when the registers did not restore cleanly or the NVM needs reopening; the other bits
 * have no source in this meter yet (0). */
static uint8_t meter_status(const struct omp_meter *m)
{
    bool bad = m->persist.restore_err != OMP_OK || m->nvm_reopen || m->persist.reopen;
    return bad ? 0x02u : 0x00u;
}

void omp_meter_priv_src(struct omp_meter *m, struct omp_cosem_src *s)
{
    memset(s, 0, sizeof *s);
    s->regs = &m->regs;
    s->cycle = &m->last;
    s->optical = &m->optical_port.settings;
    s->type_number = m->cfg.type_number;
    s->software_id = m->cfg.software_id;
    s->rom_checksum = m->cfg.rom_checksum;
    s->meter_number = m->cfg.meter_number;
    s->tariff = m->tariff_now;
    s->tariffs = (uint8_t)OMP_CONFIG_TARIFFS;
    s->status = meter_status(m);
    /* the RTC; without it the last valid time the meter saw, flagged invalid */
    s->clock_valid = m->now.rtc_valid;
    s->clock_known = m->now.rtc_valid || m->utc_keep_valid;
    s->clock_utc_s = m->now.rtc_valid ? m->now.utc_s : m->utc_keep_valid ? m->utc_keep_s : 0;
    s->utc_offset_min = m->cfg.utc_offset_min;
    s->dst_rule = m->cfg.dst_rule;
    s->ops = &k_ops;
    s->user = m;
}

struct omp_display_z1 omp_meter_priv_z1(const struct omp_meter *m)
{
    struct omp_display_z1 z = {m->cfg.energy_digits, m->cfg.energy_decimals};
    return z;
}

struct omp_value omp_meter_priv_time(const struct omp_meter *m, omp_time_s utc, bool valid,
                                     bool unset_zero)
{
    bool dst = omp_dst_active(m->cfg.dst_rule, utc);
    uint8_t status = (uint8_t)((dst ? OMP_CLOCK_STATUS_DST : 0u) |
                               (valid ? 0u : OMP_CLOCK_STATUS_INVALID));
    return omp_value_datetime(utc, (int16_t)(m->cfg.utc_offset_min + (dst ? 60 : 0)), status,
                              unset_zero && utc == 0);
}

/* ---- display ----------------------------------------------------------------------------------- */

static bool local_now(const struct omp_meter *m, struct omp_datetime *dt, bool *dst)
{
    return m->now.rtc_valid &&
           omp_local_time(m->now.utc_s, m->cfg.utc_offset_min, m->cfg.dst_rule, dt, dst) == OMP_OK;
}

static bool supply_present(const struct omp_meter *m)
{
    return m->last.urms_v > m->metro.cfg.supply_min_v;
}

/* ---- NVM layout and records ---------------------------------------------------------------------- */

/* Split the region: the billing log gets what OMP_CONFIG_BILLING_DEPTH needs (plus the sector a
 * ring log keeps free), the journal the rest, at least 3 sectors. */
static omp_err layout(const struct omp_meter_cfg *cfg, const struct omp_nvm_geometry *geo,
                      uint32_t *journal, uint32_t *log)
{
    if (geo->sector_size < 1024u || (cfg->nvm_base % geo->sector_size) != 0u ||
        cfg->nvm_base >= geo->size) {
        return OMP_ERR_RANGE;
    }
    uint32_t avail = (geo->size - cfg->nvm_base) / geo->sector_size;
    uint32_t want = cfg->nvm_sectors != 0u ? cfg->nvm_sectors : avail;
    uint32_t entry = omp_store_record_size(geo, OMP_REGS_SNAPSHOT_LEN);
    uint32_t per = entry == 0u ? 0u : (geo->sector_size - OMP_STORE_SECTOR_HDR) / entry;
    if (want > avail || per == 0u) {
        return OMP_ERR_RANGE;
    }
    uint32_t l = (OMP_CONFIG_BILLING_DEPTH + per - 1u) / per + 1u;
    if (want < l + 3u) {
        return OMP_ERR_RANGE;
    }
    *journal = want - l;
    *log = l;
    return OMP_OK;
}

static omp_err nvm_open(struct omp_meter *m)
{
    uint32_t sector = m->geo.sector_size;
    /* the meter's share of the NVM in two regions: the journal, then the billing log */
    const struct omp_nvm_region journal =
        omp_nvm_region_of(&m->hal, m->cfg.nvm_base, m->journal_sectors);
    const struct omp_nvm_region billing = omp_nvm_region_of(
        &m->hal, m->cfg.nvm_base + m->journal_sectors * sector, m->log_sectors);
    omp_err err = omp_store_open_region(&m->store, &journal);
    if (err == OMP_OK) {
        err = omp_nvm_log_open_region(&m->billing, &billing, OMP_REGS_BILLING_TAG,
                                      (uint16_t)OMP_REGS_SNAPSHOT_LEN);
    }
    m->nvm_reopen = err != OMP_OK;
    m->persist.reopen = false;
    return err;
}

/* Read @p key into m->io at @p at (capacity @p cap); absent or corrupt records give length 0. */
omp_err omp_meter_priv_read_key(struct omp_meter *m, uint16_t key, size_t at, size_t cap,
                                size_t *len)
{
    *len = 0;
    return omp_store_read_opt(&m->store, key, m->io + at, cap, len);
}

omp_err omp_meter_priv_write_key(struct omp_meter *m, uint16_t key, size_t len)
{
    omp_err err = omp_store_write(&m->store, key, m->io, len);
    if (err == OMP_OK) {
        m->nvm_saves++;
    } else if (err != OMP_ERR_ARG && err != OMP_ERR_NVM_FULL) {
        m->nvm_reopen = true; /* a HAL error: the store must scan again */
    }
    return err;
}

static omp_err save_state(struct omp_meter *m)
{
    struct omp_wr w = omp_wr_init(m->io, STATE_LEN);
    (void)omp_wr_u8(&w, STATE_VERSION);
    (void)omp_wr_u32le(&w, m->power_ups);
    (void)omp_wr_u8(&w, m->tariff.register_tariff);
    (void)omp_wr_u16le(&w, 0u);
    return omp_meter_priv_write_key(m, KEY_STATE, omp_wr_len(&w));
}

static void load_state(struct omp_meter *m, size_t len)
{
    struct omp_rd rd = omp_rd_init(m->io, len);
    uint8_t version = 0, tariff = 0;
    uint32_t ups = 0;
    if (len == STATE_LEN && omp_rd_u8(&rd, &version) == OMP_OK && version == STATE_VERSION &&
        omp_rd_u32le(&rd, &ups) == OMP_OK && omp_rd_u8(&rd, &tariff) == OMP_OK) {
        m->power_ups = ups;
        if (tariff >= 1u && tariff <= OMP_CONFIG_TARIFFS) {
            m->tariff.register_tariff = tariff;
        }
    }
}

/* Passive calendar record: u8 present, i64 activation UTC, the encoded calendar. */
static omp_err save_calendar(struct omp_meter *m, bool passive)
{
    struct omp_wr w = omp_wr_init(m->io, sizeof m->io);
    omp_err err = OMP_OK;
    if (passive) {
        (void)omp_wr_u8(&w, m->tariff.has_passive ? 1u : 0u);
        (void)omp_wr_u64le(&w, (uint64_t)m->tariff.passive_at_utc);
        if (m->tariff.has_passive) {
            err = omp_tou_encode(&m->tariff.passive, &w);
        }
    } else {
        err = omp_tou_encode(&m->tariff.active, &w);
    }
    if (err == OMP_OK) {
        err = omp_wr_status(&w);
    }
    if (err != OMP_OK) {
        return err;
    }
    return omp_meter_priv_write_key(m, passive ? KEY_CAL_PASSIVE : KEY_CAL_ACTIVE, omp_wr_len(&w));
}

static omp_err load_calendars(struct omp_meter *m)
{
    size_t len = 0;
    omp_err err = omp_meter_priv_read_key(m, KEY_CAL_ACTIVE, 0, sizeof m->io, &len);
    if (err != OMP_OK) {
        return err;
    }
    if (len > 0u) {
        struct omp_rd rd = omp_rd_init(m->io, len);
        if (omp_tou_decode(&rd, &m->tariff.active) == OMP_OK) {
            m->tariff.has_active = true;
        }
    }
    err = omp_meter_priv_read_key(m, KEY_CAL_PASSIVE, 0, sizeof m->io, &len);
    if (err != OMP_OK) {
        return err;
    }
    struct omp_rd rd = omp_rd_init(m->io, len);
    uint8_t present = 0;
    uint64_t at = 0;
    if (len > 9u && omp_rd_u8(&rd, &present) == OMP_OK && present == 1u &&
        omp_rd_u64le(&rd, &at) == OMP_OK && omp_tou_decode(&rd, &m->tariff.passive) == OMP_OK) {
        m->tariff.has_passive = true;
        m->tariff.passive_at_utc = (omp_time_s)at;
    }
    return OMP_OK;
}

/* The registers' records through their persistence part, after reopening the NVM if a HAL
 * error left it to be scanned again. */
static omp_err save_registers(struct omp_meter *m, bool force)
{
    if (m->nvm_reopen || m->persist.reopen) {
        omp_err err = nvm_open(m);
        if (err != OMP_OK) {
            return err;
        }
    }
    return omp_regs_persist_save(&m->persist, &m->regs, m->now.mono_ms, force);
}

/* ---- tariff -------------------------------------------------------------------------------------- */

/* Evaluate the tariff at @p utc and when it may change next. A passive calendar that became
 * active is stored (active first, then the passive record cleared: a cut in between activates
 * the same calendar again at the next start). */
static void tariff_update(struct omp_meter *m, omp_time_s utc)
{
    uint32_t in = m->inputs;
    m->tariff.io1 = (in & INPUT_BIT(OMP_INPUT_TARIFF1)) != 0u;
    m->tariff.io2 = (in & INPUT_BIT(OMP_INPUT_TARIFF2)) != 0u;
    bool had_passive = m->tariff.has_passive;
    m->tariff_now = omp_tariff_now(&m->tariff, utc, m->cfg.utc_offset_min, m->cfg.dst_rule);
    if (had_passive && !m->tariff.has_passive) {
        if (save_calendar(m, false) == OMP_OK) {
            (void)save_calendar(m, true); /* a failure re-activates the same calendar later */
        }
    }
    m->tariff_next_utc =
        omp_tariff_next_change(&m->tariff, utc, m->cfg.utc_offset_min, m->cfg.dst_rule);
    m->inputs_applied = in & TARIFF_INPUTS;
    m->tariff_dirty = false;
}

static void energy_sub(const struct omp_metro_energy *a, const struct omp_metro_energy *b,
                       struct omp_metro_energy *d)
{
    d->a_plus_uwh = a->a_plus_uwh - b->a_plus_uwh;
    d->a_minus_uwh = a->a_minus_uwh - b->a_minus_uwh;
    d->r_plus_uvarh = a->r_plus_uvarh - b->r_plus_uvarh;
    d->r_minus_uvarh = a->r_minus_uvarh - b->r_minus_uvarh;
    for (unsigned k = 0; k < 4u; k++) {
        d->r_quadrant_uvarh[k] = a->r_quadrant_uvarh[k] - b->r_quadrant_uvarh[k];
    }
    d->e_plus_uvah = a->e_plus_uvah - b->e_plus_uvah;
    d->e_minus_uvah = a->e_minus_uvah - b->e_minus_uvah;
}

/* part = d * num / den (num <= den), each register; d is one tick's energy (small). */
static void energy_part(const struct omp_metro_energy *d, uint64_t num, uint64_t den,
                        struct omp_metro_energy *part)
{
    part->a_plus_uwh = d->a_plus_uwh * num / den;
    part->a_minus_uwh = d->a_minus_uwh * num / den;
    part->r_plus_uvarh = d->r_plus_uvarh * num / den;
    part->r_minus_uvarh = d->r_minus_uvarh * num / den;
    for (unsigned k = 0; k < 4u; k++) {
        part->r_quadrant_uvarh[k] = d->r_quadrant_uvarh[k] * num / den;
    }
    part->e_plus_uvah = d->e_plus_uvah * num / den;
    part->e_minus_uvah = d->e_minus_uvah * num / den;
}

/* Feed the engine's growth since the last tick to the registers, split at a tariff switch. */
static void feed_energy(struct omp_meter *m, const struct omp_now *now)
{
    struct omp_metro_energy d;
    energy_sub(&m->energy, &m->fed, &d);
    m->fed = m->energy;
    uint64_t t1 = (uint64_t)now->utc_s * 1000u + now->utc_ms;
    uint64_t t0 = m->prev_tick_ms_utc;
    if ((m->inputs & TARIFF_INPUTS) != m->inputs_applied) {
        m->tariff_dirty = true;
    }
    if (now->rtc_valid && !m->tariff_dirty && now->utc_s >= m->tariff_next_utc) {
        uint64_t b = (uint64_t)m->tariff_next_utc * 1000u;
        /* the ms before the switch go to the old tariff; ticks are <= 100 ms apart, so the
         * products stay far below 2^64 (a tick's energy is < 2^32 micro-units) */
        if (t0 < b && b <= t1 && t1 - t0 <= 60000u && d.e_plus_uvah < (1ull << 40) &&
            d.e_minus_uvah < (1ull << 40)) {
            struct omp_metro_energy before;
            energy_part(&d, b - t0, t1 - t0, &before);
            omp_registers_add_energy(&m->regs, &before, m->tariff_now);
            struct omp_metro_energy after;
            energy_sub(&d, &before, &after);
            d = after;
        }
        m->tariff_dirty = true;
    }
    if (m->tariff_dirty) {
        tariff_update(m, now->rtc_valid ? now->utc_s : m->sec_utc);
    }
    omp_registers_add_energy(&m->regs, &d, m->tariff_now);
    m->prev_tick_ms_utc = t1;
}

/* ---- life cycle -------------------------------------------------------------------------------- */

/* The engines and services from the configuration; nothing is written yet, so a configuration
 * they reject is OMP_ERR_ARG. */
static omp_err init_engines(struct omp_meter *m, const struct omp_meter_cfg *cfg)
{
    struct omp_regs_cfg rc;
    regs_cfg(cfg, &rc);
    struct omp_metro_cfg mc;
    metro_cfg(cfg, &mc);
    if (omp_registers_init(&m->regs, &rc) != OMP_OK ||
        omp_metro_init(&m->metro, &mc, &cfg->cal, NULL) != OMP_OK ||
        omp_evq_init(&m->events) != OMP_OK) {
        return OMP_ERR_ARG;
    }
    omp_tariff_init(&m->tariff);
    m->tariff.source = cfg->tariff_source;
    m->tariff.z3 = cfg->z3;
    m->tariff.default_tariff = cfg->default_tariff;
    m->tariff.register_tariff = cfg->default_tariff;
    return OMP_OK;
}

/* Everything the NVM holds: registers, the state record, calendars, display lists; the clock
 * the meter resumes from. */
static omp_err init_restore(struct omp_meter *m, const struct omp_now *now)
{
    omp_err err = nvm_open(m);
    omp_regs_persist_init(&m->persist, &m->store, &m->billing, m->io);
    if (err == OMP_OK) {
        err = omp_regs_persist_restore(&m->persist, &m->regs);
    }
    size_t len = 0;
    if (err == OMP_OK) {
        err = omp_meter_priv_read_key(m, KEY_STATE, 0, sizeof m->io, &len);
    }
    if (err == OMP_OK) {
        load_state(m, len);
        err = load_calendars(m);
    }
    if (err != OMP_OK) {
        return err;
    }
    m->restored_utc_s = m->regs.utc;
    m->restored_utc_valid = m->regs.utc_valid;
    m->utc_keep_s = m->regs.utc;
    m->utc_keep_valid = m->regs.utc_valid;
    if (now->rtc_valid) {
        m->utc_keep_s = now->utc_s;
        m->utc_keep_valid = true;
    }
    m->sec_utc = m->utc_keep_s;
    m->sec_mono_ms = now->mono_ms;
    m->prev_tick_ms_utc = (uint64_t)now->utc_s * 1000u + now->utc_ms;
    /* the display lists last: an event about them carries the clock just restored */
    return omp_meter_priv_display_init(m, now->mono_ms);
}

/* The power-up is recorded before the meter runs: an NVM that cannot take it fails init. */
static omp_err init_power_up(struct omp_meter *m, const struct omp_now *now)
{
    omp_registers_power_up(&m->regs, m->utc_keep_s, now->rtc_valid);
    m->power_ups++;
    omp_err err = save_state(m);
    if (err == OMP_OK) {
        err = save_registers(m, false);
    }
    if (err != OMP_OK) {
        return err;
    }
    omp_regs_persist_budget(&m->persist, &m->regs, &m->geo, m->journal_sectors);
    tariff_update(m, m->sec_utc);
    /* arg: seconds off, when both the time saved and the clock now are known */
    bool known = m->restored_utc_valid && now->rtc_valid && now->utc_s >= m->restored_utc_s;
    omp_time_s off = known ? now->utc_s - m->restored_utc_s : 0;
    omp_meter_priv_event(m, OMP_EV_POWER_UP, off > UINT32_MAX ? UINT32_MAX : (uint32_t)off, 0u);
    (void)omp_meter_priv_display_compose(m);
    m->display_due = true;
    return OMP_OK;
}

omp_err omp_meter_init(struct omp_meter *m, const struct omp_hal *hal,
                       const struct omp_meter_cfg *cfg, const struct omp_now *now)
{
    if (m == NULL || hal == NULL || cfg == NULL || now == NULL) {
        return OMP_ERR_ARG;
    }
    omp_err err = omp_hal_check(hal);
    if (err != OMP_OK) {
        return err;
    }
    if (!cfg_valid(cfg)) {
        return OMP_ERR_ARG;
    }
    struct omp_nvm_geometry geo;
    err = omp_hal_nvm_geometry(hal, &geo);
    if (err != OMP_OK) {
        return err;
    }
    uint32_t journal = 0, log = 0;
    err = layout(cfg, &geo, &journal, &log);
    if (err != OMP_OK) {
        return err;
    }
    memset(m, 0, sizeof *m);
    m->hal = *hal;
    m->cfg = *cfg;
    m->geo = geo;
    m->now = *now;
    m->journal_sectors = journal;
    m->log_sectors = log;
    err = init_engines(m, cfg);
    if (err == OMP_OK) {
        err = init_restore(m, now);
    }
    if (err == OMP_OK) {
        err = init_power_up(m, now);
    }
    return err == OMP_OK ? omp_meter_priv_optical_start(m) : err;
}

/* ---- inward calls ------------------------------------------------------------------------------ */

void omp_meter_on_samples(struct omp_meter *m, const int32_t *vi, size_t n_pairs)
{
    if (m == NULL || vi == NULL) {
        return;
    }
    struct omp_metro_events ev;
    omp_metro_on_samples(&m->metro, vi, n_pairs, &ev);
    m->led_steady_on = ev.led_steady_on;
    void (*pulse)(void *, enum omp_pulse_channel, uint32_t) = m->hal.ops->pulse_start;
    if (pulse == NULL) {
        return;
    }
    for (uint8_t k = 0; k < ev.pulses[OMP_METRO_PULSE_ACTIVE]; k++) {
        pulse(m->hal.user, OMP_PULSE_LED_ACTIVE, m->cfg.pulse_width_ms);
    }
    for (uint8_t k = 0; k < ev.pulses[OMP_METRO_PULSE_REACTIVE]; k++) {
        pulse(m->hal.user, OMP_PULSE_LED_REACTIVE, m->cfg.pulse_width_ms);
    }
}

omp_err omp_meter_on_rx(struct omp_meter *m, enum omp_port port, const uint8_t *data, size_t len)
{
    if (m == NULL || (unsigned)port >= (unsigned)OMP_PORT_COUNT || (data == NULL && len != 0u)) {
        return OMP_ERR_ARG;
    }
    if (port == OMP_PORT_OPTICAL) {
        return omp_meter_priv_optical_rx(m, data, len);
    }
    return OMP_ERR_UNSUPPORTED; /* no protocol bound to the module and HAN ports yet */
}

void omp_meter_on_input(struct omp_meter *m, enum omp_input input, bool level)
{
    if (m == NULL || (unsigned)input >= (unsigned)OMP_INPUT_COUNT) {
        return;
    }
    uint32_t bit = INPUT_BIT(input);
    bool was = (m->inputs & bit) != 0u;
    bool rising = level && !was;
    m->inputs = level ? (m->inputs | bit) : (m->inputs & ~bit);
    if (input == OMP_INPUT_POWER_FAIL && rising) {
        m->pf_save = true; /* save everything on the next poll, whatever the budget says */
        m->pf_events++;
    } else if (input == OMP_INPUT_BUTTON || input == OMP_INPUT_BUTTON2) {
        unsigned b = input == OMP_INPUT_BUTTON ? 0u : 1u; /* edges for the tick (meter_display.c) */
        if (level != was) {
            m->buttons |= (level ? 1u : 2u) << (2u * b);
        }
    } else if (input == OMP_INPUT_COVER || input == OMP_INPUT_TERMINAL ||
               input == OMP_INPUT_MAGNET) {
        unsigned t = (unsigned)input - (unsigned)OMP_INPUT_COVER; /* 0 cover, 1 terminal, 2 magnet */
        if (level != was) {
            m->tamper_edges |= (level ? 1u : 2u) << (2u * t);
        }
    } else if (input == OMP_INPUT_PULSE && rising) {
        m->pulse_edges++;
    } else if (input == OMP_INPUT_TARIFF1 && rising && m->cfg.z3 == OMP_Z3_DEBIT_STOP) {
        m->debit_edges++;
    }
    m->power_fail = (m->inputs & INPUT_BIT(OMP_INPUT_POWER_FAIL)) != 0u;
}

/* Take every queued cycle record (each under the critical section); keep the newest. */
static void cycles_take(struct omp_meter *m)
{
    const struct omp_hal *h = &m->hal;
    for (unsigned k = 0; k < OMP_METRO_CYCLE_QUEUE; k++) {
        struct omp_cycle c;
        uint32_t state = h->ops->crit_enter(h->user);
        omp_err err = omp_metro_cycle_pop(&m->metro, &c);
        h->ops->crit_exit(h->user, state);
        if (err != OMP_OK) {
            break;
        }
        m->last = c;
        m->cycles++;
        m->cycle_in_block = true;
    }
}

/* Copy the engine's registers (written by the sample ISR) under the critical section. */
static void energy_take(struct omp_meter *m)
{
    const struct omp_hal *h = &m->hal;
    uint32_t state = h->ops->crit_enter(h->user);
    omp_metro_energy_get(&m->metro, &m->energy);
    h->ops->crit_exit(h->user, state);
}

/* Counters the ISR-side on_input bumped: take and clear them under the critical section. */
static uint32_t take_counter(struct omp_meter *m, uint32_t *counter)
{
    const struct omp_hal *h = &m->hal;
    uint32_t state = h->ops->crit_enter(h->user);
    uint32_t v = *counter;
    *counter = 0;
    h->ops->crit_exit(h->user, state);
    return v;
}

/* Tamper input edges (bit 2t: input t became active, bit 2t+1: inactive) as start/end events
 * (technical facts 3.2): cover, terminal cover, magnetic field. */
static void tamper_events(struct omp_meter *m, uint32_t edges)
{
    static const uint16_t k_code[3][2] = {{OMP_EV_COVER_OPEN, OMP_EV_COVER_CLOSED},
                                          {OMP_EV_TERMINAL_OPEN, OMP_EV_TERMINAL_CLOSED},
                                          {OMP_EV_MAGNETIC_START, OMP_EV_MAGNETIC_END}};
    for (unsigned t = 0; t < 3u; t++) {
        for (unsigned end = 0; end < 2u; end++) {
            if ((edges & (1u << (2u * t + end))) != 0u) {
                omp_meter_priv_event(m, k_code[t][end], 0u, 0u);
            }
        }
    }
}

static void clock_changed(struct omp_meter *m, omp_time_s old_utc, omp_time_s new_utc)
{
    /* arg: |new - old| in seconds (saturated), flags: backward, saturated (evq.h) */
    uint64_t d = new_utc >= old_utc ? (uint64_t)(new_utc - old_utc) : (uint64_t)(old_utc - new_utc);
    uint16_t flags = (uint16_t)((new_utc < old_utc ? OMP_EVF_CLOCK_BACKWARD : 0u) |
                                (d > UINT32_MAX ? OMP_EVF_CLOCK_SATURATED : 0u));
    m->utc_keep_s = new_utc; /* the event carries the new time */
    omp_meter_priv_event(m, OMP_EV_CLOCK_SET, d > UINT32_MAX ? UINT32_MAX : (uint32_t)d, flags);
    omp_registers_clock_set(&m->regs, old_utc, new_utc);
    m->sec_utc = new_utc;
    m->prev_tick_ms_utc = (uint64_t)new_utc * 1000u;
    m->tariff_dirty = true;
}

/* Give the registers their seconds: every UTC second while the RTC is valid, monotonic seconds
 * without it. A second has supply when a cycle arrived in it above the supply threshold. */
static void run_seconds(struct omp_meter *m, const struct omp_now *now)
{
    bool supply = m->cycle_in_block && supply_present(m);
    uint32_t n = 0;
    if (now->rtc_valid) {
        while (m->sec_utc < now->utc_s && n < MAX_SECONDS_PER_TICK) {
            m->sec_utc++;
            n++;
            omp_err err = omp_registers_second(&m->regs, m->sec_utc, true, supply, m->tariff_now);
            (void)err; /* OMP_ERR_ARG only for arguments this loop never passes */
        }
        m->sec_mono_ms = now->mono_ms;
    } else {
        while (now->mono_ms >= m->sec_mono_ms + 1000u && n < MAX_SECONDS_PER_TICK) {
            m->sec_mono_ms += 1000u;
            n++;
            omp_err err = omp_registers_second(&m->regs, m->utc_keep_s, false, supply, m->tariff_now);
            (void)err;
        }
    }
    if (n > 0u) {
        m->cycle_in_block = false;
    }
}

void omp_meter_tick(struct omp_meter *m, const struct omp_now *now)
{
    if (m == NULL || now == NULL) {
        return;
    }
    bool was_valid = m->now.rtc_valid;
    m->now = *now;
    if (now->rtc_valid) {
        /* an RTC that moved more than CLOCK_JUMP_S against the monotonic clock was set */
        omp_time_s expected = m->sec_utc + (omp_time_s)((now->mono_ms - m->sec_mono_ms) / 1000u);
        omp_time_s diff = now->utc_s - expected;
        if (!was_valid) {
            /* the clock became valid: nothing to compare with; the registers see this second */
            m->sec_utc = now->utc_s - 1;
            m->prev_tick_ms_utc = (uint64_t)now->utc_s * 1000u + now->utc_ms;
            m->tariff_dirty = true;
        } else if (diff > CLOCK_JUMP_S || diff < -CLOCK_JUMP_S - 1) {
            clock_changed(m, expected, now->utc_s);
        }
        m->utc_keep_s = now->utc_s;
        m->utc_keep_valid = true;
    }
    cycles_take(m);
    energy_take(m);
    feed_energy(m, now);
    uint32_t edges = take_counter(m, &m->pulse_edges);
    if (edges > 0u) {
        omp_registers_add_pulses(&m->regs, edges);
    }
    if (take_counter(m, &m->debit_edges) > 0u) {
        omp_err err = omp_registers_billing_stop(&m->regs, m->utc_keep_s);
        (void)err; /* OMP_ERR_BUSY: a stop is still pending, this edge adds nothing */
    }
    run_seconds(m, now);
    if (take_counter(m, &m->pf_events) > 0u) {
        omp_meter_priv_event(m, OMP_EV_POWER_DOWN, 0u, 0u);
    }
    tamper_events(m, take_counter(m, &m->tamper_edges));
    omp_meter_priv_display_tick(m, now);
}

omp_err omp_meter_poll(struct omp_meter *m)
{
    if (m == NULL) {
        return OMP_ERR_ARG;
    }
    cycles_take(m);
    bool led = m->led_steady_on; /* written by the sample path; a bool is read atomically */
    if (led != m->led_output_on && m->hal.ops->output_set != NULL &&
        m->hal.ops->output_set(m->hal.user, OMP_OUTPUT_LED_ACTIVE, led) == OMP_OK) {
        m->led_output_on = led;
    }
    bool force = m->pf_save;
    omp_err err = save_registers(m, force); /* on failure the due flags stay: retried next poll */
    if (err == OMP_OK && force) {
        m->pf_save = false;
    }
    if (omp_meter_priv_display_compose(m) || m->display_due) {
        m->display_due = false;
        if (m->hal.ops->display_show != NULL) {
            struct omp_display_frame f = {m->disp_id, m->disp_value, m->disp_unit,
                                          m->disp_symbols, m->disp_text};
            m->hal.ops->display_show(m->hal.user, &f);
        }
    }
    omp_meter_priv_optical_poll(m);
    return err;
}

omp_err omp_meter_flush(struct omp_meter *m)
{
    if (m == NULL) {
        return OMP_ERR_ARG;
    }
    return save_registers(m, true);
}

omp_err omp_meter_set_clock(struct omp_meter *m, omp_time_s utc_s)
{
    struct omp_datetime dt;
    if (m == NULL) {
        return OMP_ERR_ARG;
    }
    if (omp_time_to_datetime(utc_s, &dt) != OMP_OK) {
        return OMP_ERR_RANGE;
    }
    if (m->hal.ops->rtc_set != NULL) {
        omp_err err = m->hal.ops->rtc_set(m->hal.user, utc_s);
        if (err != OMP_OK) {
            return err;
        }
    }
    omp_time_s old = m->now.rtc_valid ? m->now.utc_s : m->utc_keep_s;
    clock_changed(m, old, utc_s);
    m->sec_mono_ms = m->now.mono_ms;
    m->now.utc_s = utc_s;
    m->now.utc_ms = 0;
    m->now.rtc_valid = true;
    m->utc_keep_s = utc_s;
    m->utc_keep_valid = true;
    return OMP_OK;
}

omp_err omp_meter_billing_stop(struct omp_meter *m)
{
    if (m == NULL) {
        return OMP_ERR_ARG;
    }
    return omp_registers_billing_stop(&m->regs, m->utc_keep_s);
}

omp_err omp_meter_billing_read(struct omp_meter *m, uint32_t age, struct omp_regs_snapshot *out)
{
    if (m == NULL || out == NULL) {
        return OMP_ERR_ARG;
    }
    if (m->nvm_reopen || m->persist.reopen) {
        omp_err err = nvm_open(m);
        if (err != OMP_OK) {
            return err;
        }
    }
    return omp_regs_persist_billing(&m->persist, age, out);
}

omp_err omp_meter_set_calendar(struct omp_meter *m, const struct omp_tou_calendar *cal,
                               omp_time_s at_utc)
{
    if (m == NULL || cal == NULL) {
        return OMP_ERR_ARG;
    }
    if (omp_tou_check(cal) != OMP_OK) {
        return OMP_ERR_RANGE;
    }
    struct omp_tariff keep = m->tariff;
    omp_err err = omp_tariff_set_passive(&m->tariff, cal, at_utc);
    if (err == OMP_OK) {
        err = save_calendar(m, true);
    }
    if (err != OMP_OK) {
        m->tariff = keep; /* not stored: not taken */
        return err;
    }
    m->tariff_dirty = true;
    return OMP_OK;
}

/* Force the tariff (ActualTariff 129.0.0) when the tariff source is OMP_TARIFF_SRC_REGISTER;
 * stored in the state record. @return OMP_OK, OMP_ERR_UNSUPPORTED (another source),
 * OMP_ERR_RANGE (not 1..OMP_CONFIG_TARIFFS), or the NVM error (nothing changed). */
static omp_err force_tariff(struct omp_meter *m, uint8_t tariff)
{
    if (m->tariff.source != OMP_TARIFF_SRC_REGISTER) {
        return OMP_ERR_UNSUPPORTED;
    }
    if (tariff < 1u || tariff > OMP_CONFIG_TARIFFS) {
        return OMP_ERR_RANGE;
    }
    uint8_t keep = m->tariff.register_tariff;
    m->tariff.register_tariff = tariff;
    omp_err err = save_state(m); /* the state record keeps ActualTariff across restarts */
    if (err != OMP_OK) {
        m->tariff.register_tariff = keep; /* not stored: not taken */
        return err;
    }
    m->tariff_dirty = true;
    omp_meter_priv_event(m, OMP_EV_CONFIG_CHANGED, 0x810000u, 0u); /* ActualTariff 129.0.0 */
    return OMP_OK;
}

/* ---- readers ----------------------------------------------------------------------------------- */

omp_err omp_meter_snapshot(const struct omp_meter *m, struct omp_meter_snapshot *s)
{
    if (m == NULL || s == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_meter_snapshot t;
    memset(&t, 0, sizeof t);
    t.utc_s = m->now.utc_s;
    if (!local_now(m, &t.local, &t.dst_active)) {
        memset(&t.local, 0, sizeof t.local);
        t.dst_active = false;
    }
    const struct omp_registers *r = &m->regs;
    t.a_plus_mwh = r->e.total.a_plus_uwh / 1000u;
    t.a_minus_mwh = r->e.total.a_minus_uwh / 1000u;
    t.energy = r->e.total;
    t.hours_with_supply = r->hours;
    t.tariff = m->tariff_now;
    t.registers = r->e;
    t.billing_count = r->billing_count;
    t.threshold_count = r->threshold_count;
    t.pulse_milli = r->pulse_milli;
    t.peaks = r->peaks;
    t.acc = r->acc;
    t.have_period = r->demand.have_last;
    t.last_period = r->demand.last;
    t.next_stop_utc = r->next_stop_utc;
    t.billing_entries = m->billing.count;
    t.power_ups = m->power_ups;
    t.saved_utc_s = m->restored_utc_s;
    t.saved_utc_valid = m->restored_utc_valid;
    t.urms_v = m->last.urms_v;
    t.irms_a = m->last.irms_a;
    t.p_w = m->last.p_w;
    t.q_var = m->last.q_var;
    t.s_va = m->last.s_va;
    t.pf = m->last.pf;
    t.f_hz = m->last.f_hz;
    t.quadrant = m->last.quadrant;
    t.cycles = m->cycles;
    t.nvm_saves = m->nvm_saves + m->persist.records;
    *s = t;
    return OMP_OK;
}

omp_err omp_meter_nvm_info(const struct omp_meter *m, struct omp_meter_nvm_info *info)
{
    if (m == NULL || info == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_meter_nvm_info t;
    memset(&t, 0, sizeof t);
    t.sector_size = m->geo.sector_size;
    t.journal_sectors = m->journal_sectors;
    t.log_sectors = m->log_sectors;
    t.billing_capacity = omp_nvm_log_capacity(&m->billing);
    t.hot_min_interval_s = (uint32_t)((m->persist.hot_min_ms + 999u) / 1000u);
    t.loss_bound_mwh = omp_regs_persist_loss_bound_mwh(&m->persist, &m->regs);
    t.hot_record_bytes = m->persist.hot_record_bytes;
    t.hot_saves = m->persist.hot_saves;
    t.cold_saves = m->persist.cold_saves;
    t.snapshots = m->persist.snapshots;
    t.store = m->store.stats;
    t.log = m->billing.stats;
    *info = t;
    return OMP_OK;
}

omp_err omp_meter_display(const struct omp_meter *m, struct omp_display_frame *f)
{
    if (m == NULL || f == NULL) {
        return OMP_ERR_ARG;
    }
    f->id = m->disp_id;
    f->value = m->disp_value;
    f->unit = m->disp_unit;
    f->symbols = m->disp_symbols;
    f->text = m->disp_text;
    return OMP_OK;
}

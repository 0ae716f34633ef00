/*
 * The composition root: the metrology engine (lib/metrology) behind the sample path, a minimal
 * persistent state record, the hour counter, pulse outputs and the automatic display list.
 *
 * Persistent state (to be replaced by the journaled, wear-levelled `storage` module):
 * - The meter's NVM region (cfg.nvm_base, cfg.nvm_sectors; 0 sectors = to the end of the device)
 *   is a ring of fixed 128-byte slots (128 is a multiple of every program unit hal.h allows);
 *   each sector holds sector_size / 128 slots, so sectors must be >= 128 bytes and the ring
 *   >= 2 sectors.
 * - A record is written with one nvm_program call into the next blank slot after the newest
 *   record. Entering a sector (its slot 0) erases that sector first; the ring has >= 2 sectors,
 *   so the sector holding the newest record is never the one erased. A slot that is not blank
 *   (left torn by a power cut, or holding data of another layout) is skipped.
 * - The record's CRC-32 covers every other byte, so a torn write is rejected and the previous
 *   record stays the newest. Startup reads every slot and takes the valid record with the highest
 *   sequence number (a 32-bit count: at one save per 10 Wh it does not wrap in a meter's life).
 *   Records of another version (the foundation's 64-byte version 1) fail the version/length
 *   check and are ignored: such a meter starts from zero registers.
 *
 * Record layout, little-endian, 128 bytes (version 2):
 *   0 magic "OMPS" (u32 0x53504D4F)   4 version u16 (2)   6 length u16 (128)   8 seq u32
 *  12 hours u32   16 supply seconds u32   20 power-ups u32   24 flags u32 (bit 0: UTC valid)
 *  28 reserved u32 (0)   32 UTC i64
 *  40 energy registers, u64 micro-units each (struct omp_metro_energy order): A+ uWh, A- uWh,
 *     R+ uvarh, R- uvarh, R1..R4 uvarh, E+ uVAh, E- uVAh   (40..119)
 * 120 reserved u32 (0)   124 CRC-32 of bytes 0..123 (omp_crc32)
 * Micro-units are what the engine counts, so a save and restore loses nothing but the engine's
 * sub-micro-unit remainders (< 1 uWh per register per restart).
 *
 * Energy: omp_meter_on_samples() runs omp_metro_on_samples() (sample ISR) and starts the pulses
 * the engine requests on OMP_PULSE_LED_ACTIVE / OMP_PULSE_LED_REACTIVE with the Z8 width. Tick
 * takes the cycle records (omp_metro_cycle_pop) and a copy of the registers, each under the
 * critical section, and closes whole elapsed seconds of mono_ms: the hour counter counts a second
 * with supply when the newest cycle record shows more than 160 V, and a state record is due when
 * A+, A-, R+ or R- changed at the display's resolution (Z1), the hour counter moved, or the
 * power-fail warning came. Z2 (LED steadily on at no load): the engine's request, kept in
 * led_steady_on by the sample path, is driven on OMP_OUTPUT_LED_ACTIVE by poll when it changes.
 *
 * Display symbols (from the newest cycle record): SUPPLY above 160 V; LOAD when |P| > 2.3 W, with
 * IMPORT (P > 0) or EXPORT (P < 0); Q_INDUCTIVE (Q > 0) or Q_CAPACITIVE (Q < 0) when |Q| > 2.3 var
 * (thresholds from the engine's cfg: supply_min_v, load_min_w).
 */
#include <string.h>

#include "omnipower/meter.h"

#define REC_SIZE 128u
#define REC_MAGIC 0x53504D4Fu /* "OMPS" little-endian */
#define REC_VERSION 2u
#define REC_CRC_AT 124u
#define REC_FLAG_UTC_VALID 1u
#define ENERGY_REGS 10u

enum screen { SCR_A_PLUS, SCR_A_MINUS, SCR_TIME, SCR_DATE, SCR_POWER, SCR_COUNT };

/* ---- small helpers --------------------------------------------------------------------------- */

static uint64_t pow10_u64(unsigned n)
{
    uint64_t v = 1;
    while (n-- > 0u) {
        v *= 10u;
    }
    return v;
}

/* Write @p v as exactly @p width decimal digits (leading zeros, higher digits dropped). */
static char *put_digits(char *out, uint64_t v, unsigned width)
{
    for (unsigned k = width; k > 0u; k--) {
        out[k - 1u] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    }
    return out + width;
}

/* Write @p v in decimal without padding. */
static char *put_uint(char *out, uint64_t v)
{
    unsigned width = 1;
    for (uint64_t t = v; t >= 10u; t /= 10u) {
        width++;
    }
    return put_digits(out, v, width);
}

static void copy_str(char *dst, size_t cap, const char *src)
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
    *cfg = c;
}

static bool z1_valid(uint8_t digits, uint8_t decimals)
{
    /* data sheet Z1 codes 1..4: 7.0, 6.1, 7.2, 6.3 */
    return (digits == 7u && decimals == 0u) || (digits == 6u && decimals == 1u) ||
           (digits == 7u && decimals == 2u) || (digits == 6u && decimals == 3u);
}

static bool cfg_valid(const struct omp_meter_cfg *c)
{
    return c->meter_number >= 1u && c->meter_number <= 99999999u &&
           omp_utc_offset_valid(c->utc_offset_min) &&
           (c->dst_rule == OMP_DST_NONE || c->dst_rule == OMP_DST_EU) &&
           z1_valid(c->energy_digits, c->energy_decimals) &&
           (c->pulse_width_ms == 30u || c->pulse_width_ms == 80u);
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

/* ---- NVM region and records -------------------------------------------------------------------- */

static uint32_t region_sectors(const struct omp_meter *m)
{
    return m->cfg.nvm_sectors != 0u ? m->cfg.nvm_sectors
                                    : (m->geo.size - m->cfg.nvm_base) / m->geo.sector_size;
}

static uint32_t slots_per_sector(const struct omp_meter *m)
{
    return m->geo.sector_size / REC_SIZE;
}

static uint32_t slot_count(const struct omp_meter *m)
{
    return region_sectors(m) * slots_per_sector(m);
}

static uint32_t slot_addr(const struct omp_meter *m, uint32_t slot)
{
    uint32_t sps = slots_per_sector(m);
    return m->cfg.nvm_base + (slot / sps) * m->geo.sector_size + (slot % sps) * REC_SIZE;
}

static omp_err region_check(const struct omp_meter_cfg *cfg, const struct omp_nvm_geometry *geo)
{
    if (geo->sector_size < REC_SIZE || (cfg->nvm_base % geo->sector_size) != 0u ||
        cfg->nvm_base >= geo->size) {
        return OMP_ERR_RANGE;
    }
    uint32_t avail = (geo->size - cfg->nvm_base) / geo->sector_size;
    uint32_t want = cfg->nvm_sectors != 0u ? cfg->nvm_sectors : avail;
    if (want < 2u || want > avail) {
        return OMP_ERR_RANGE;
    }
    return OMP_OK;
}

struct rec {
    uint32_t seq;
    uint32_t hours, supply_s, power_ups;
    bool utc_valid;
    omp_time_s utc_s;
    struct omp_metro_energy e;
};

/* The registers in record order (struct omp_metro_energy order). */
static void energy_to_array(const struct omp_metro_energy *e, uint64_t a[ENERGY_REGS])
{
    a[0] = e->a_plus_uwh;
    a[1] = e->a_minus_uwh;
    a[2] = e->r_plus_uvarh;
    a[3] = e->r_minus_uvarh;
    for (unsigned k = 0; k < 4u; k++) {
        a[4u + k] = e->r_quadrant_uvarh[k];
    }
    a[8] = e->e_plus_uvah;
    a[9] = e->e_minus_uvah;
}

static void energy_from_array(const uint64_t a[ENERGY_REGS], struct omp_metro_energy *e)
{
    e->a_plus_uwh = a[0];
    e->a_minus_uwh = a[1];
    e->r_plus_uvarh = a[2];
    e->r_minus_uvarh = a[3];
    for (unsigned k = 0; k < 4u; k++) {
        e->r_quadrant_uvarh[k] = a[4u + k];
    }
    e->e_plus_uvah = a[8];
    e->e_minus_uvah = a[9];
}

/* Layout in the file comment; every put fits (the record is exactly REC_SIZE bytes). */
static void rec_encode(const struct rec *r, uint8_t out[REC_SIZE])
{
    struct omp_wr w = omp_wr_init(out, REC_SIZE);
    (void)omp_wr_u32le(&w, REC_MAGIC);
    (void)omp_wr_u16le(&w, REC_VERSION);
    (void)omp_wr_u16le(&w, REC_SIZE);
    (void)omp_wr_u32le(&w, r->seq);
    (void)omp_wr_u32le(&w, r->hours);
    (void)omp_wr_u32le(&w, r->supply_s);
    (void)omp_wr_u32le(&w, r->power_ups);
    (void)omp_wr_u32le(&w, r->utc_valid ? REC_FLAG_UTC_VALID : 0u);
    (void)omp_wr_fill(&w, 0u, 32u - omp_wr_len(&w));
    (void)omp_wr_u64le(&w, (uint64_t)r->utc_s);
    uint64_t a[ENERGY_REGS];
    energy_to_array(&r->e, a);
    for (unsigned k = 0; k < ENERGY_REGS; k++) {
        (void)omp_wr_u64le(&w, a[k]);
    }
    (void)omp_wr_fill(&w, 0u, REC_CRC_AT - omp_wr_len(&w));
    (void)omp_wr_u32le(&w, omp_crc32(out, REC_CRC_AT));
}

static bool rec_decode(const uint8_t in[REC_SIZE], struct rec *r)
{
    struct omp_rd rd = omp_rd_init(in, REC_SIZE);
    uint32_t magic = 0, flags = 0, crc = 0;
    uint16_t version = 0, size = 0;
    uint64_t utc = 0;
    uint64_t a[ENERGY_REGS];
    struct rec t = { 0 };
    omp_err err = omp_rd_u32le(&rd, &magic);
    if (err == OMP_OK) { err = omp_rd_u16le(&rd, &version); }
    if (err == OMP_OK) { err = omp_rd_u16le(&rd, &size); }
    if (err == OMP_OK) { err = omp_rd_u32le(&rd, &t.seq); }
    if (err == OMP_OK) { err = omp_rd_u32le(&rd, &t.hours); }
    if (err == OMP_OK) { err = omp_rd_u32le(&rd, &t.supply_s); }
    if (err == OMP_OK) { err = omp_rd_u32le(&rd, &t.power_ups); }
    if (err == OMP_OK) { err = omp_rd_u32le(&rd, &flags); }
    if (err == OMP_OK) { err = omp_rd_skip(&rd, 32u - omp_rd_pos(&rd)); }
    if (err == OMP_OK) { err = omp_rd_u64le(&rd, &utc); }
    for (unsigned k = 0; k < ENERGY_REGS && err == OMP_OK; k++) {
        err = omp_rd_u64le(&rd, &a[k]);
    }
    if (err == OMP_OK) { err = omp_rd_skip(&rd, REC_CRC_AT - omp_rd_pos(&rd)); }
    if (err == OMP_OK) { err = omp_rd_u32le(&rd, &crc); }
    if (err != OMP_OK || magic != REC_MAGIC || version != REC_VERSION || size != REC_SIZE ||
        crc != omp_crc32(in, REC_CRC_AT) || t.seq == 0u || t.supply_s >= OMP_SECONDS_PER_HOUR) {
        return false;
    }
    t.utc_valid = (flags & REC_FLAG_UTC_VALID) != 0u;
    t.utc_s = (omp_time_s)utc;
    energy_from_array(a, &t.e);
    *r = t;
    return true;
}

static bool blank(const uint8_t *p, size_t len, uint8_t erase_value)
{
    for (size_t k = 0; k < len; k++) {
        if (p[k] != erase_value) {
            return false;
        }
    }
    return true;
}

/* Copy the engine's registers (written by the sample ISR) under the critical section. */
static void energy_take(struct omp_meter *m)
{
    const struct omp_hal *h = &m->hal;
    uint32_t state = h->ops->crit_enter(h->user);
    omp_metro_energy_get(&m->metro, &m->energy);
    h->ops->crit_exit(h->user, state);
}

/* Write the current state as the next record. On error nothing the caller sees changes but the
 * copy of the registers, refreshed from the engine first. */
static omp_err save(struct omp_meter *m)
{
    const struct omp_hal *h = &m->hal;
    energy_take(m);
    uint32_t n = slot_count(m);
    uint32_t sps = slots_per_sector(m);
    uint32_t next = (m->seq == 0u) ? 0u : (m->slot + 1u) % n;
    uint8_t buf[REC_SIZE];
    bool found = false;
    /* At most sps-1 torn slots are skipped before a sector start, which is erased: bounded. */
    for (uint32_t tries = 0; tries <= n && !found; tries++) {
        omp_err err;
        if (next % sps == 0u) {
            err = h->ops->nvm_erase(h->user, slot_addr(m, next));
            if (err != OMP_OK) {
                return err;
            }
        }
        err = h->ops->nvm_read(h->user, slot_addr(m, next), buf, REC_SIZE);
        if (err != OMP_OK) {
            return err;
        }
        if (blank(buf, REC_SIZE, m->geo.erase_value)) {
            found = true;
        } else {
            next = (next + 1u) % n;
        }
    }
    if (!found) {
        return OMP_ERR_NVM_FULL;
    }
    struct rec r = {
        .seq = m->seq + 1u,
        .hours = m->hours_with_supply,
        .supply_s = m->supply_s,
        .power_ups = m->power_ups,
        .utc_valid = m->utc_keep_valid,
        .utc_s = m->utc_keep_valid ? m->utc_keep_s : 0,
        .e = m->energy,
    };
    rec_encode(&r, buf);
    omp_err err = h->ops->nvm_program(h->user, slot_addr(m, next), buf, REC_SIZE);
    if (err != OMP_OK) {
        return err;
    }
    m->seq = r.seq;
    m->slot = next;
    m->saved_energy = r.e;
    m->nvm_saves++;
    m->save_due = false;
    return OMP_OK;
}

/* Find the newest valid record. @return OMP_OK (found), OMP_ERR_NOT_FOUND, or a HAL error. */
static omp_err restore(const struct omp_meter *m, struct rec *best, uint32_t *best_slot)
{
    const struct omp_hal *h = &m->hal;
    uint32_t n = slot_count(m);
    bool found = false;
    for (uint32_t s = 0; s < n; s++) {
        uint8_t buf[REC_SIZE];
        omp_err err = h->ops->nvm_read(h->user, slot_addr(m, s), buf, REC_SIZE);
        if (err != OMP_OK) {
            return err;
        }
        struct rec r = { 0 };
        if (rec_decode(buf, &r) && (!found || r.seq > best->seq)) {
            *best = r;
            *best_slot = s;
            found = true;
        }
    }
    return found ? OMP_OK : OMP_ERR_NOT_FOUND;
}

/* ---- display ----------------------------------------------------------------------------------- */

static uint64_t resolution_mwh(const struct omp_meter *m)
{
    return 1000000u / pow10_u64(m->cfg.energy_decimals); /* 1 kWh = 1e6 mWh */
}

/* kWh with the Z1 digits and decimals, truncated like a register display: "0000012.34". */
static void format_energy(const struct omp_meter *m, uint64_t mwh, char *out)
{
    unsigned dec = m->cfg.energy_decimals;
    uint64_t q = mwh / resolution_mwh(m);
    uint64_t scale = pow10_u64(dec);
    char *p = put_digits(out, q / scale, m->cfg.energy_digits);
    if (dec != 0u) {
        *p++ = '.';
        p = put_digits(p, q % scale, dec);
    }
    *p = '\0';
}

/* |P| in kW with 3 decimals, unpadded: "2.300" (direction is shown by IMPORT/EXPORT). */
static void format_power(float p_w, char *out)
{
    float a = p_w < 0.0f ? -p_w : p_w;
    if (!(a < 1e9f)) {
        a = 0.0f;
    }
    uint64_t w = (uint64_t)(a + 0.5f);
    char *p = put_uint(out, w / 1000u);
    *p++ = '.';
    p = put_digits(p, w % 1000u, 3u);
    *p = '\0';
}

static bool local_now(const struct omp_meter *m, struct omp_datetime *dt, bool *dst)
{
    if (!m->now.rtc_valid) {
        return false;
    }
    return omp_local_time(m->now.utc_s, m->cfg.utc_offset_min, m->cfg.dst_rule, dt, dst) == OMP_OK;
}

static bool supply_present(const struct omp_meter *m)
{
    return m->last.urms_v > m->metro.cfg.supply_min_v;
}

static uint32_t symbols(const struct omp_meter *m)
{
    uint32_t s = 0;
    const float load = m->metro.cfg.load_min_w;
    if (supply_present(m)) {
        s |= OMP_SYM_SUPPLY;
    }
    if (m->last.p_w > load) {
        s |= OMP_SYM_LOAD | OMP_SYM_IMPORT;
    } else if (m->last.p_w < -load) {
        s |= OMP_SYM_LOAD | OMP_SYM_EXPORT;
    }
    if (m->last.q_var > load) {
        s |= OMP_SYM_Q_INDUCTIVE;
    } else if (m->last.q_var < -load) {
        s |= OMP_SYM_Q_CAPACITIVE;
    }
    return s;
}

/* Compose the current screen into the meter's buffers. @return true if anything changed. */
static bool compose_screen(struct omp_meter *m)
{
    char id[OMP_DISPLAY_ID_LEN] = { 0 };
    char value[OMP_DISPLAY_VALUE_LEN] = { 0 };
    const char *unit = "";
    struct omp_datetime dt;
    bool dst = false;
    switch ((enum screen)m->scroll_index) {
    case SCR_A_PLUS:
        copy_str(id, sizeof id, "1.8.0");
        format_energy(m, m->energy.a_plus_uwh / 1000u, value);
        unit = "kWh";
        break;
    case SCR_A_MINUS:
        copy_str(id, sizeof id, "2.8.0");
        format_energy(m, m->energy.a_minus_uwh / 1000u, value);
        unit = "kWh";
        break;
    case SCR_TIME:
        copy_str(id, sizeof id, "0.9.1");
        if (local_now(m, &dt, &dst)) {
            char *p = put_digits(value, dt.hour, 2u);
            *p++ = ':';
            p = put_digits(p, dt.minute, 2u);
            *p++ = ':';
            p = put_digits(p, dt.second, 2u);
            *p = '\0';
        } else {
            copy_str(value, sizeof value, "--:--:--");
        }
        break;
    case SCR_DATE:
        copy_str(id, sizeof id, "0.9.2");
        if (local_now(m, &dt, &dst)) {
            char *p = put_digits(value, dt.year % 100u, 2u);
            *p++ = '.';
            p = put_digits(p, dt.month, 2u);
            *p++ = '.';
            p = put_digits(p, dt.day, 2u);
            *p = '\0';
        } else {
            copy_str(value, sizeof value, "--.--.--");
        }
        break;
    case SCR_POWER:
    case SCR_COUNT:
    default:
        copy_str(id, sizeof id, "1.7.0");
        format_power(m->last.p_w, value);
        unit = "kW";
        break;
    }
    uint32_t sym = symbols(m);
    bool changed = strcmp(id, m->disp_id) != 0 || strcmp(value, m->disp_value) != 0 ||
                   strcmp(unit, m->disp_unit) != 0 || sym != m->disp_symbols;
    if (changed) {
        copy_str(m->disp_id, sizeof m->disp_id, id);
        copy_str(m->disp_value, sizeof m->disp_value, value);
        copy_str(m->disp_unit, sizeof m->disp_unit, unit);
        m->disp_symbols = sym;
    }
    return changed;
}

/* ---- life cycle -------------------------------------------------------------------------------- */

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
    err = region_check(cfg, &geo);
    if (err != OMP_OK) {
        return err;
    }
    memset(m, 0, sizeof *m);
    m->hal = *hal;
    m->cfg = *cfg;
    m->geo = geo;
    m->now = *now;
    m->last_second_ms = now->mono_ms;
    m->scroll_ms = now->mono_ms;

    struct rec r = { 0 };
    uint32_t slot = 0;
    err = restore(m, &r, &slot);
    if (err != OMP_OK && err != OMP_ERR_NOT_FOUND) {
        return err;
    }
    bool restored = err == OMP_OK;
    struct omp_metro_cfg mc;
    metro_cfg(cfg, &mc);
    /* before anything is written: a sample rate or calibration the engine rejects is OMP_ERR_ARG */
    if (omp_metro_init(&m->metro, &mc, &cfg->cal, restored ? &r.e : NULL) != OMP_OK) {
        return OMP_ERR_ARG;
    }
    if (restored) {
        m->seq = r.seq;
        m->slot = slot;
        m->energy = r.e;
        m->saved_energy = r.e;
        m->hours_with_supply = r.hours;
        m->supply_s = r.supply_s;
        m->power_ups = r.power_ups;
        m->restored_utc_s = r.utc_s;
        m->restored_utc_valid = r.utc_valid;
        m->utc_keep_s = r.utc_s;
        m->utc_keep_valid = r.utc_valid;
    }
    if (now->rtc_valid) {
        m->utc_keep_s = now->utc_s;
        m->utc_keep_valid = true;
    }
    m->power_ups++;
    err = save(m);
    if (err != OMP_OK) {
        return err;
    }
    (void)compose_screen(m);
    m->display_due = true;
    return OMP_OK;
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
    return OMP_ERR_UNSUPPORTED; /* no protocol bound to any port yet */
}

void omp_meter_on_input(struct omp_meter *m, enum omp_input input, bool level)
{
    if (m == NULL || (unsigned)input >= (unsigned)OMP_INPUT_COUNT) {
        return;
    }
    uint32_t bit = 1u << (unsigned)input;
    m->inputs = level ? (m->inputs | bit) : (m->inputs & ~bit);
    if (input == OMP_INPUT_POWER_FAIL) {
        if (level && !m->power_fail) {
            m->save_due = true; /* rising edge: save on the next poll */
        }
        m->power_fail = level;
    }
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

static bool resolution_changed(const struct omp_meter *m)
{
    uint64_t res = resolution_mwh(m) * 1000u; /* micro-units */
    const struct omp_metro_energy *a = &m->energy;
    const struct omp_metro_energy *b = &m->saved_energy;
    return a->a_plus_uwh / res != b->a_plus_uwh / res ||
           a->a_minus_uwh / res != b->a_minus_uwh / res ||
           a->r_plus_uvarh / res != b->r_plus_uvarh / res ||
           a->r_minus_uvarh / res != b->r_minus_uvarh / res;
}

/* Close @p seconds whole seconds: hour counter (supply = the newest cycle above 160 V, and a
 * cycle arrived in the block: no samples, no supply). */
static void close_block(struct omp_meter *m, uint64_t seconds)
{
    if (m->cycle_in_block && supply_present(m)) {
        uint64_t s = (uint64_t)m->supply_s + seconds;
        if (s >= OMP_SECONDS_PER_HOUR) {
            m->hours_with_supply += (uint32_t)(s / OMP_SECONDS_PER_HOUR);
            m->save_due = true;
        }
        m->supply_s = (uint32_t)(s % OMP_SECONDS_PER_HOUR);
    }
    m->cycle_in_block = false;
}

void omp_meter_tick(struct omp_meter *m, const struct omp_now *now)
{
    if (m == NULL || now == NULL) {
        return;
    }
    m->now = *now;
    if (now->rtc_valid) {
        m->utc_keep_s = now->utc_s;
        m->utc_keep_valid = true;
    }
    cycles_take(m);
    energy_take(m);
    if (resolution_changed(m)) {
        m->save_due = true;
    }
    if (now->mono_ms >= m->last_second_ms + 1000u) {
        uint64_t seconds = (now->mono_ms - m->last_second_ms) / 1000u;
        m->last_second_ms += seconds * 1000u;
        close_block(m, seconds);
    }
    const uint64_t scroll_period_ms = (uint64_t)OMP_CONFIG_DISPLAY_SCROLL_S * 1000u;
    if (now->mono_ms >= m->scroll_ms + scroll_period_ms) {
        uint64_t steps = (now->mono_ms - m->scroll_ms) / scroll_period_ms;
        m->scroll_ms += steps * scroll_period_ms;
        m->scroll_index = (uint8_t)((m->scroll_index + steps) % (uint64_t)SCR_COUNT);
    }
}

omp_err omp_meter_poll(struct omp_meter *m)
{
    if (m == NULL) {
        return OMP_ERR_ARG;
    }
    omp_err err = OMP_OK;
    cycles_take(m);
    bool led = m->led_steady_on; /* written by the sample path; a bool is read atomically */
    if (led != m->led_output_on && m->hal.ops->output_set != NULL &&
        m->hal.ops->output_set(m->hal.user, OMP_OUTPUT_LED_ACTIVE, led) == OMP_OK) {
        m->led_output_on = led;
    }
    if (m->save_due) {
        err = save(m); /* on failure save_due stays set: retried on the next poll */
    }
    if (compose_screen(m) || m->display_due) {
        m->display_due = false;
        if (m->hal.ops->display_show != NULL) {
            struct omp_display_frame f = { m->disp_id, m->disp_value, m->disp_unit,
                                           m->disp_symbols };
            m->hal.ops->display_show(m->hal.user, &f);
        }
    }
    return err;
}

omp_err omp_meter_flush(struct omp_meter *m)
{
    if (m == NULL) {
        return OMP_ERR_ARG;
    }
    return save(m);
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
    t.a_plus_mwh = m->energy.a_plus_uwh / 1000u;
    t.a_minus_mwh = m->energy.a_minus_uwh / 1000u;
    t.energy = m->energy;
    t.hours_with_supply = m->hours_with_supply;
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
    t.nvm_saves = m->nvm_saves;
    *s = t;
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
    return OMP_OK;
}

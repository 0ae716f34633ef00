/*
 * The composition root (foundation version): a built-in energy integrator, a minimal persistent
 * state record, the hour counter, pulse output and the automatic display list.
 *
 * Persistent state (to be replaced by the journaled, wear-levelled `storage` module):
 * - The meter's NVM region (cfg.nvm_base, cfg.nvm_sectors; 0 sectors = to the end of the device)
 *   is a ring of fixed 64-byte slots (64 is a multiple of every program unit hal.h allows); each
 *   sector holds sector_size / 64 slots, so sectors must be >= 64 bytes and the ring >= 2 sectors.
 * - A record is written with one nvm_program call into the next blank slot after the newest
 *   record. Entering a sector (its slot 0) erases that sector first; the ring has >= 2 sectors,
 *   so the sector holding the newest record is never the one erased. A slot that is not blank
 *   (left torn by a power cut) is skipped.
 * - The record's CRC-32 covers every other byte, so a torn write is rejected and the previous
 *   record stays the newest. Startup reads every slot and takes the valid record with the highest
 *   sequence number (a 32-bit count: at one save per 10 Wh it does not wrap in a meter's life).
 *
 * Record layout, little-endian, 64 bytes:
 *   0 magic "OMPS" (u32 0x53504D4F)   4 version u16 (1)   6 length u16 (64)   8 seq u32
 *  12 A+ mWh u64   20 A- mWh u64   28 hours u32   32 supply seconds u32   36 power-ups u32
 *  40 last UTC i64   48..59 zero   60 CRC-32 of bytes 0..59 (omp_crc32)
 *
 * Energy: the sample ISR sums v*i, v*v and i*i of the ADC codes (which must fit 24 bits signed so
 * a second of sums fits 64 bits); tick takes the sums under the critical section once per whole
 * elapsed second of mono_ms and converts them with the configured scales (double, once a second)
 * to micro-watt-seconds rounded to the nearest integer. A signed residue below 1 mWh carries to
 * the next second, so integer truncation loses nothing; only the rounding to whole uWs (at most
 * 0.5 uWs per second, unbiased) is not carried. The residue is shared by both directions: energy
 * below 1 mWh that flows one way and then back within it nets out (at most 1 mWh per reversal).
 *
 * Pulses: 1000 imp/kWh, one pulse per whole Wh added to A+ or A-, on OMP_PULSE_LED_ACTIVE with the
 * Z8 width. In this foundation version they are issued from tick (once per second), not from the
 * sample ISR; several pulses due in one second are issued back to back and the port's timer
 * decides how they look. Z2 (LED at no load) is stored but not acted on yet.
 */
#include <float.h>
#include <string.h>

#include "omnipower/meter.h"

#define REC_SIZE 64u
#define REC_MAGIC 0x53504D4Fu /* "OMPS" little-endian */
#define REC_VERSION 1u
#define REC_CRC_AT 60u

#define UWS_PER_MWH 3600000          /* 1 mWh = 3.6 Ws */
#define SUPPLY_MIN_V 160.0f          /* data sheet: supply indicator above 160 V */
#define LOAD_MIN_W 2.3f              /* data sheet: load indicator above 2.3 W */
#define SAMPLE_RATE_MIN_HZ 100u
#define SAMPLE_RATE_MAX_HZ 65536u    /* keeps a second of 24-bit sums inside 64 bits */

enum screen { SCR_A_PLUS, SCR_A_MINUS, SCR_TIME, SCR_DATE, SCR_POWER, SCR_COUNT };

/* ---- small helpers --------------------------------------------------------------------------- */

static void put_u16le(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_u32le(uint8_t *p, uint32_t v)
{
    for (unsigned k = 0; k < 4u; k++) {
        p[k] = (uint8_t)(v >> (8u * k));
    }
}

static void put_u64le(uint8_t *p, uint64_t v)
{
    for (unsigned k = 0; k < 8u; k++) {
        p[k] = (uint8_t)(v >> (8u * k));
    }
}

static uint16_t get_u16le(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get_u32le(const uint8_t *p)
{
    uint32_t v = 0;
    for (unsigned k = 0; k < 4u; k++) {
        v |= (uint32_t)p[k] << (8u * k);
    }
    return v;
}

static uint64_t get_u64le(const uint8_t *p)
{
    uint64_t v = 0;
    for (unsigned k = 0; k < 8u; k++) {
        v |= (uint64_t)p[k] << (8u * k);
    }
    return v;
}

/* Square root of x >= 0 by Newton's method from above (no libm needed on the target). */
static double sqrt_pos(double x)
{
    if (!(x > 0.0)) {
        return 0.0;
    }
    double r = (x > 1.0) ? x : 1.0;
    for (unsigned k = 0; k < 200u; k++) {
        double nr = 0.5 * (r + x / r);
        if (!(nr < r)) {
            break;
        }
        r = nr;
    }
    return r;
}

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
    c.volts_per_code = 600.0f / 8388608.0f; /* 24-bit codes, +-600 V full scale (exact in float) */
    c.amps_per_code = 120.0f / 8388608.0f;  /* 24-bit codes, +-120 A full scale */
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

static bool scale_valid(float s)
{
    return s > 0.0f && s <= FLT_MAX; /* rejects NaN, 0, negatives and infinity */
}

static bool cfg_valid(const struct omp_meter_cfg *c)
{
    return c->meter_number >= 1u && c->meter_number <= 99999999u &&
           omp_utc_offset_valid(c->utc_offset_min) &&
           (c->dst_rule == OMP_DST_NONE || c->dst_rule == OMP_DST_EU) &&
           z1_valid(c->energy_digits, c->energy_decimals) &&
           (c->pulse_width_ms == 30u || c->pulse_width_ms == 80u) &&
           c->sample_rate_hz >= SAMPLE_RATE_MIN_HZ && c->sample_rate_hz <= SAMPLE_RATE_MAX_HZ &&
           scale_valid(c->volts_per_code) && scale_valid(c->amps_per_code);
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
    uint64_t a_plus_mwh, a_minus_mwh;
    uint32_t hours, supply_s, power_ups;
    omp_time_s utc_s;
};

static void rec_encode(const struct rec *r, uint8_t out[REC_SIZE])
{
    memset(out, 0, REC_SIZE);
    put_u32le(out + 0, REC_MAGIC);
    put_u16le(out + 4, REC_VERSION);
    put_u16le(out + 6, REC_SIZE);
    put_u32le(out + 8, r->seq);
    put_u64le(out + 12, r->a_plus_mwh);
    put_u64le(out + 20, r->a_minus_mwh);
    put_u32le(out + 28, r->hours);
    put_u32le(out + 32, r->supply_s);
    put_u32le(out + 36, r->power_ups);
    put_u64le(out + 40, (uint64_t)r->utc_s);
    put_u32le(out + REC_CRC_AT, omp_crc32(out, REC_CRC_AT));
}

static bool rec_decode(const uint8_t in[REC_SIZE], struct rec *r)
{
    if (get_u32le(in + 0) != REC_MAGIC || get_u16le(in + 4) != REC_VERSION ||
        get_u16le(in + 6) != REC_SIZE || get_u32le(in + REC_CRC_AT) != omp_crc32(in, REC_CRC_AT)) {
        return false;
    }
    r->seq = get_u32le(in + 8);
    r->a_plus_mwh = get_u64le(in + 12);
    r->a_minus_mwh = get_u64le(in + 20);
    r->hours = get_u32le(in + 28);
    r->supply_s = get_u32le(in + 32);
    r->power_ups = get_u32le(in + 36);
    r->utc_s = (omp_time_s)get_u64le(in + 40);
    return r->seq != 0u && r->supply_s < OMP_SECONDS_PER_HOUR;
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

/* Write the current state as the next record. On error nothing the caller sees changes. */
static omp_err save(struct omp_meter *m)
{
    const struct omp_hal *h = &m->hal;
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
        .a_plus_mwh = m->a_plus_mwh,
        .a_minus_mwh = m->a_minus_mwh,
        .hours = m->hours_with_supply,
        .supply_s = m->supply_s,
        .power_ups = m->power_ups,
        .utc_s = m->now.utc_s,
    };
    rec_encode(&r, buf);
    omp_err err = h->ops->nvm_program(h->user, slot_addr(m, next), buf, REC_SIZE);
    if (err != OMP_OK) {
        return err;
    }
    m->seq = r.seq;
    m->slot = next;
    m->saved_a_plus_mwh = r.a_plus_mwh;
    m->saved_a_minus_mwh = r.a_minus_mwh;
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

static uint32_t symbols(const struct omp_meter *m)
{
    uint32_t s = 0;
    if (m->urms_v > SUPPLY_MIN_V) {
        s |= OMP_SYM_SUPPLY;
    }
    if (m->p_w > LOAD_MIN_W) {
        s |= OMP_SYM_LOAD | OMP_SYM_IMPORT;
    } else if (m->p_w < -LOAD_MIN_W) {
        s |= OMP_SYM_LOAD | OMP_SYM_EXPORT;
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
        format_energy(m, m->a_plus_mwh, value);
        unit = "kWh";
        break;
    case SCR_A_MINUS:
        copy_str(id, sizeof id, "2.8.0");
        format_energy(m, m->a_minus_mwh, value);
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
        format_power(m->p_w, value);
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
    if (err == OMP_OK) {
        m->seq = r.seq;
        m->slot = slot;
        m->a_plus_mwh = r.a_plus_mwh;
        m->a_minus_mwh = r.a_minus_mwh;
        m->saved_a_plus_mwh = r.a_plus_mwh;
        m->saved_a_minus_mwh = r.a_minus_mwh;
        m->hours_with_supply = r.hours;
        m->supply_s = r.supply_s;
        m->power_ups = r.power_ups;
    } else if (err != OMP_ERR_NOT_FOUND) {
        return err;
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
    int64_t svi = m->acc.sum_vi;
    uint64_t svv = m->acc.sum_vv;
    uint64_t sii = m->acc.sum_ii;
    for (size_t k = 0; k < n_pairs; k++) {
        int64_t v = vi[2u * k];
        int64_t i = vi[2u * k + 1u];
        svi += v * i;
        svv += (uint64_t)(v * v);
        sii += (uint64_t)(i * i);
    }
    m->acc.sum_vi = svi;
    m->acc.sum_vv = svv;
    m->acc.sum_ii = sii;
    m->acc.n += (uint32_t)n_pairs;
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

/* Close a measurement block of @p seconds whole seconds. */
static void close_block(struct omp_meter *m, uint64_t seconds)
{
    const struct omp_hal *h = &m->hal;
    uint32_t state = h->ops->crit_enter(h->user);
    int64_t svi = m->acc.sum_vi;
    uint64_t svv = m->acc.sum_vv;
    uint64_t sii = m->acc.sum_ii;
    uint32_t n = m->acc.n;
    m->acc.sum_vi = 0;
    m->acc.sum_vv = 0u;
    m->acc.sum_ii = 0u;
    m->acc.n = 0u;
    h->ops->crit_exit(h->user, state);

    double vs = (double)m->cfg.volts_per_code;
    double is = (double)m->cfg.amps_per_code;
    /* energy = sum(v*i) * scales * (1 / fs) seconds, in uWs */
    double e = (double)svi * vs * is * 1e6 / (double)m->cfg.sample_rate_hz;
    int64_t e_uws = (int64_t)(e >= 0.0 ? e + 0.5 : e - 0.5);

    uint64_t wh_before = m->a_plus_mwh / 1000u + m->a_minus_mwh / 1000u;
    m->residue_uws += e_uws;
    int64_t whole = m->residue_uws / UWS_PER_MWH; /* truncates toward zero */
    m->residue_uws -= whole * UWS_PER_MWH;
    if (whole > 0) {
        m->a_plus_mwh += (uint64_t)whole;
    } else if (whole < 0) {
        m->a_minus_mwh += (uint64_t)(-whole);
    }
    uint64_t wh_after = m->a_plus_mwh / 1000u + m->a_minus_mwh / 1000u;
    if (h->ops->pulse_start != NULL) {
        for (uint64_t k = wh_before; k < wh_after; k++) {
            h->ops->pulse_start(h->user, OMP_PULSE_LED_ACTIVE, m->cfg.pulse_width_ms);
        }
    }

    if (n != 0u) {
        m->urms_v = (float)(sqrt_pos((double)svv / (double)n) * vs);
        m->irms_a = (float)(sqrt_pos((double)sii / (double)n) * is);
        m->p_w = (float)((double)svi / (double)n * vs * is);
    } else {
        m->urms_v = 0.0f;
        m->irms_a = 0.0f;
        m->p_w = 0.0f;
    }

    if (m->urms_v > SUPPLY_MIN_V) {
        uint64_t s = (uint64_t)m->supply_s + seconds;
        if (s >= OMP_SECONDS_PER_HOUR) {
            m->hours_with_supply += (uint32_t)(s / OMP_SECONDS_PER_HOUR);
            m->save_due = true;
        }
        m->supply_s = (uint32_t)(s % OMP_SECONDS_PER_HOUR);
    }

    uint64_t res = resolution_mwh(m);
    if (m->a_plus_mwh / res != m->saved_a_plus_mwh / res ||
        m->a_minus_mwh / res != m->saved_a_minus_mwh / res) {
        m->save_due = true;
    }
}

void omp_meter_tick(struct omp_meter *m, const struct omp_now *now)
{
    if (m == NULL || now == NULL) {
        return;
    }
    m->now = *now;
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
    t.a_plus_mwh = m->a_plus_mwh;
    t.a_minus_mwh = m->a_minus_mwh;
    t.hours_with_supply = m->hours_with_supply;
    t.power_ups = m->power_ups;
    t.urms_v = m->urms_v;
    t.irms_a = m->irms_a;
    t.p_w = m->p_w;
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

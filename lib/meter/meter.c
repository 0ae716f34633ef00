/*
 * The composition root: it divides the NVM between the services, calls them in one fixed order
 * and routes the port bytes. The services own their state and their NVM and never call each
 * other; values pass through the data dictionary (cosem.h) or as arguments here, notifications
 * through the event queue (evq.h).
 *
 * Data flow (omp_meter_tick, omp_meter_poll):
 *   samples -> metrology engine (ISR: cycle records, energy, pulses)
 *   tick:  clock (time base, clock changes, tariff)  -> registers (energy split at a tariff
 *          switch, pulses, debiting stops, one call per second)  -> events  -> display (lists)
 *   poll:  LED output -> registers' persistence (NVM) -> display frame -> optical port
 *
 * NVM (cfg.nvm_base, cfg.nvm_sectors; docs/storage.md): the register journal, its mirror, the
 * settings store (the clock's and the display's records: what their largest records need) and the
 * billing log (what OMP_CONFIG_BILLING_DEPTH needs), in this order.
 */
#include <string.h>

#include "omnipower/meter.h"

#include "meter_priv.h"

#define INPUT_BIT(i) (1u << (unsigned)(i))
#define SETTINGS_TAG 0x5331u /* "1S": the settings store's sector headers */
#define LEGAL_VERSION 1u
#define LEGAL_LEN (1u + OMP_METRO_CAL_RECORD_LEN + OMP_COSEM_TYPENO_LEN + 2u)
_Static_assert(LEGAL_LEN <= OMP_REGS_LEGAL_MAX, "the legal record must fit the registers' room");

/* The meter's regions: the registers' three, the settings store, the load profile, the event
 * logs. */
struct layout {
    struct omp_regs_regions regs;
    struct omp_nvm_region settings;
    struct omp_nvm_region lp;                    /* 0 sectors: none */
    struct omp_nvm_region an;                    /* 0 sectors: none */
    struct omp_nvm_region ev[OMP_EVLOG_COUNT];   /* 0 sectors: none */
};

/* ---- NVM layout -------------------------------------------------------------------------------- */

/* The settings store's keys: the clock's 3 (state, two calendars), the display's 1, the profiles'
 * shapes 2, the DLMS counters, LLS secret, HDLC setup and the utility's data 4, the settings
 * written over the ports 1, the HAN push's mark 1. */
_Static_assert(OMP_CONFIG_STORE_KEYS >= 12, "the meter's settings store indexes 12 keys");

/* Sectors of the settings store: twice its largest live records (two calendars, the clock's
 * state, the display lists, the HAN push's and the DLMS server's counter marks, the LLS secret;
 * so that a compaction has room), plus the sector a ring keeps free. The profiles' shapes, the
 * HDLC setup, the utility's data and the written settings (192 bytes) are left out so that the
 * layout stays: a write
 * needs the live records once, and they fit in that margin (docs/storage.md). */
static uint32_t settings_sectors(const struct omp_nvm_geometry *geo)
{
    uint32_t room = geo->sector_size - OMP_STORE_SECTOR_HDR - 64u; /* header, marker, padding */
    uint32_t live = omp_store_record_size(geo, OMP_CLOCK_IO_LEN) * 2u +
                    omp_store_record_size(geo, 8u) + omp_store_record_size(geo, OMP_LCD_IO_LEN) +
                    omp_store_record_size(geo, 4u) + omp_store_record_size(geo, 8u) +
                    omp_store_record_size(geo, 18u); /* LLS secret: version, length, 16 bytes */
    return (2u * live + room - 1u) / room + 1u;
}

/* Split the meter's share: journal (>= 3 sectors), mirror, settings store, billing log, load
 * profile (cfg.lp_sectors). */
static omp_err layout(const struct omp_meter_cfg *cfg, const struct omp_nvm_geometry *geo,
                      struct layout *l, const struct omp_hal *hal)
{
    if (geo->sector_size < 1024u || (cfg->nvm_base % geo->sector_size) != 0u ||
        cfg->nvm_base >= geo->size) {
        return OMP_ERR_RANGE;
    }
    uint32_t avail = (geo->size - cfg->nvm_base) / geo->sector_size;
    uint32_t want = cfg->nvm_sectors != 0u ? cfg->nvm_sectors : avail;
    uint32_t log = omp_regs_persist_log_sectors(geo);
    uint32_t set = settings_sectors(geo);
    uint32_t mir = omp_regs_mirror_sectors(geo);
    uint32_t lp = cfg->lp_sectors == OMP_METER_LP_DEPTH ? omp_meter_lp_sectors(cfg, geo)
                                                         : cfg->lp_sectors;
    uint32_t ev = cfg->ev_sectors == OMP_METER_EV_DEPTH ? omp_evlog_sectors(geo) : cfg->ev_sectors;
    if ((cfg->lp_sectors != 0u && lp < 2u) || (cfg->ev_sectors != 0u && ev < 2u) ||
        ev > avail / OMP_EVLOG_COUNT) {
        return OMP_ERR_RANGE;
    }
    uint32_t logs = lp + cfg->an_sectors + ev * OMP_EVLOG_COUNT;
    if (cfg->an_sectors == 1u || cfg->an_sectors > avail) {
        return OMP_ERR_RANGE;
    }
    if (want > avail || log == 0u || mir == 0u || logs > want ||
        want - logs < log + set + mir + 3u) {
        return OMP_ERR_RANGE;
    }
    uint32_t journal = want - log - set - mir - logs;
    uint32_t at = cfg->nvm_base;
    l->regs.journal = omp_nvm_region_of(hal, at, journal);
    at += journal * geo->sector_size;
    l->regs.mirror = omp_nvm_region_of(hal, at, mir);
    at += mir * geo->sector_size;
    l->settings = omp_nvm_region_of(hal, at, set);
    at += set * geo->sector_size;
    l->regs.billing = omp_nvm_region_of(hal, at, log);
    at += log * geo->sector_size;
    l->lp = omp_nvm_region_of(hal, at, lp);
    at += lp * geo->sector_size;
    l->an = omp_nvm_region_of(hal, at, cfg->an_sectors);
    at += cfg->an_sectors * geo->sector_size;
    for (unsigned k = 0; k < OMP_EVLOG_COUNT; k++, at += ev * geo->sector_size) {
        l->ev[k] = omp_nvm_region_of(hal, at, ev);
    }
    return OMP_OK;
}

/* ---- the services' environments --------------------------------------------------------------- */

void omp_meter_priv_lcd_env(struct omp_meter *m, struct omp_cosem_src *src,
                            struct omp_lcd_env *e)
{
    omp_meter_priv_src(m, src);
    e->src = src;
    e->z1 = omp_meter_priv_z1(m);
    e->events = &m->events;
    e->mono_ms = m->clock.now.mono_ms;
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

/* ---- life cycle -------------------------------------------------------------------------------- */

/* The engine and the services from the configuration; nothing is read or written yet, so a
 * configuration they reject is OMP_ERR_ARG. */
static omp_err init_services(struct omp_meter *m)
{
    struct omp_regs_cfg rc;
    struct omp_metro_cfg mc;
    struct omp_clock_cfg cc;
    omp_meter_priv_service_cfg(&m->cfg, &rc, &mc, &cc);
    if (omp_registers_init(&m->regs, &rc) != OMP_OK ||
        omp_metro_init(&m->metro, &mc, &m->cfg.cal, NULL) != OMP_OK ||
        omp_evq_init(&m->events) != OMP_OK ||
        omp_clock_init(&m->clock, &cc, &m->settings, m->io, &m->events) != OMP_OK) {
        return OMP_ERR_ARG;
    }
    return OMP_OK;
}

/* Legal data (data sheet: "not possible to change"): the calibration, the type number and the
 * display resolution (technical facts 0: fixed for legal reasons), kept by the registers'
 * persistence, written at the first start. A start with other legal data is refused
 * (OMP_ERR_DENIED, nothing written) until the NVM is formatted. */
static omp_err legal_data(struct omp_meter *m)
{
    uint8_t rec[LEGAL_LEN];
    memset(rec, 0, sizeof rec);
    rec[0] = LEGAL_VERSION;
    omp_err err = omp_metro_cal_encode(&m->cfg.cal, rec + 1, OMP_METRO_CAL_RECORD_LEN);
    if (err != OMP_OK) {
        return err;
    }
    uint8_t *t = rec + 1u + OMP_METRO_CAL_RECORD_LEN;
    for (size_t i = 0; i < OMP_COSEM_TYPENO_LEN && m->cfg.type_number[i] != '\0'; i++) {
        t[i] = (uint8_t)m->cfg.type_number[i];
    }
    t[OMP_COSEM_TYPENO_LEN] = m->cfg.energy_decimals;
    t[OMP_COSEM_TYPENO_LEN + 1u] = m->cfg.energy_digits;
    return omp_regs_persist_legal(&m->persist, rec, sizeof rec);
}

/* Open the four regions, read only first: a damaged or foreign one (docs/storage.md "Damage"),
 * or registers stored without their legal data, is reported, not repaired, and then no region is
 * written, so the NVM keeps its evidence byte for byte until omp_meter_nvm_format(); what is
 * readable is restored. Otherwise they are opened again to repair what a power cut left, and the
 * legal data is stored if there is none. */
static omp_err open_regions(struct omp_meter *m, const struct layout *l)
{
    for (unsigned pass = 0; pass < 2u; pass++) {
        bool ro = pass == 0u;
        omp_err e1 = omp_regs_persist_open(&m->persist, &l->regs, m->io, ro);
        omp_err e2 = omp_store_open_tagged(&m->settings, &l->settings, SETTINGS_TAG, ro);
        if (e1 != OMP_OK && e1 != OMP_ERR_NVM_CORRUPT) {
            return e1;
        }
        if (e2 != OMP_OK && e2 != OMP_ERR_NVM_CORRUPT) {
            return e2;
        }
        omp_meter_priv_params_load(m); /* before the profiles: their written periods */
        omp_err e3 = legal_data(m); /* read only: compares; then: stores one if none */
        if (e3 != OMP_OK && e3 != OMP_ERR_NVM_CORRUPT) {
            return e3;
        }
        omp_err e4 = omp_meter_priv_lp_open(m, &l->lp, &l->an, ro);
        if (e4 != OMP_OK && e4 != OMP_ERR_NVM_CORRUPT) {
            return e4;
        }
        e4 = omp_meter_priv_ev_open(m, l->ev, ro);
        if (e4 != OMP_OK && e4 != OMP_ERR_NVM_CORRUPT) {
            return e4;
        }
        m->nvm_damaged = omp_regs_persist_damaged(&m->persist) + m->settings.stats.damaged +
                         m->lp.log.stats.damaged + m->an.log.stats.damaged +
                         omp_meter_priv_ev_damaged(m);
        if (m->nvm_damaged != 0u) {
            return OMP_OK; /* the read-only containers stay so */
        }
    }
    return OMP_OK;
}

/* What the restore found wrong, as events (evq.h: OMP_EV_NVM_DAMAGED, OMP_EV_NVM_ROLLED_BACK). */
static void nvm_events(struct omp_meter *m)
{
    const struct omp_regs_persist *p = &m->persist;
    if (m->nvm_damaged != 0u) {
        uint16_t where = (uint16_t)((p->store.stats.damaged != 0u ? 1u : 0u) |
                                    (p->billing.stats.damaged != 0u ? 2u : 0u) |
                                    (m->settings.stats.damaged != 0u ? 4u : 0u) |
                                    (p->mirror.stats.damaged != 0u ? 8u : 0u) |
                                    (m->lp.log.stats.damaged != 0u ? 16u : 0u) |
                                    (omp_meter_priv_ev_damaged(m) != 0u ? 32u : 0u) |
                                    (m->an.log.stats.damaged != 0u ? 64u : 0u));
        omp_clock_event(&m->clock, OMP_EV_NVM_DAMAGED, m->nvm_damaged, where);
    }
    if (p->rolled_back) {
        uint32_t behind = p->newest_id - p->restored_id; /* checkpoints (ids wrap alike) */
        omp_clock_event(&m->clock, OMP_EV_NVM_ROLLED_BACK, p->restored_id != 0u ? behind : 0u,
                        (uint16_t)p->restored_from);
    }
}

/* Everything the NVM holds: registers, the clock's records, the display lists (last: an event
 * about them carries the clock just restored). What the opens found is logged once the clock
 * is restored, so that its events carry the start's time: the clock's, or the one restored
 * when it has none; in the order it was found: a profile deleted for its new shape (the
 * read-write opens), then damage and a rollback (the restore); the power-up follows. */
static omp_err init_restore(struct omp_meter *m, const struct layout *l,
                            const struct omp_now *now)
{
    omp_err err = open_regions(m, l);
    if (err == OMP_OK) {
        err = omp_regs_persist_restore(&m->persist, &m->regs);
    }
    if (err == OMP_OK) {
        err = omp_clock_restore(&m->clock, m->regs.utc, m->regs.utc_valid, now);
    }
    if (err == OMP_OK) {
        err = omp_meter_priv_pq_start(m, now->rtc_valid ? now->utc_s : m->regs.utc);
    }
    if (err == OMP_OK) {
        omp_meter_priv_lp_events(m);
        nvm_events(m);
        if (m->params_foreign || m->pq.foreign) { /* a settings record: reported, kept */
            omp_clock_event(&m->clock, OMP_EV_NVM_DAMAGED, 1u, m->params_foreign ? 4u : 5u);
        }
    }
    struct omp_cosem_src src;
    struct omp_lcd_env e;
    omp_meter_priv_lcd_env(m, &src, &e);
    return err == OMP_OK ? omp_lcd_init(&m->lcd, m->cfg.type_number, &m->settings, m->io, &e)
                         : err;
}

/* The power-up is recorded before the meter runs: an NVM that cannot take it fails init. */
static omp_err init_power_up(struct omp_meter *m, const struct omp_now *now)
{
    if (m->regs.utc_valid && now->rtc_valid) {
        omp_meter_priv_pq_power_up(m, m->regs.utc, now->utc_s);
    }
    omp_registers_power_up(&m->regs, m->clock.keep_s, now->rtc_valid);
    omp_profile_power_up(&m->lp);
    omp_profile_power_up(&m->an);
    omp_err err = omp_clock_power_up(&m->clock, now);
    if (err == OMP_OK && m->nvm_damaged == 0u) {
        err = omp_regs_persist_save(&m->persist, &m->regs, now->mono_ms, false);
    }
    if (err != OMP_OK) {
        return err;
    }
    omp_regs_persist_budget(&m->persist, &m->regs);
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
    if (!omp_meter_priv_cfg_valid(cfg)) {
        return OMP_ERR_ARG;
    }
    struct omp_nvm_geometry geo;
    struct layout lay;
    err = omp_hal_nvm_geometry(hal, &geo);
    if (err == OMP_OK) {
        err = layout(cfg, &geo, &lay, hal);
    }
    if (err != OMP_OK) {
        return err;
    }
    memset(m, 0, sizeof *m);
    m->hal = *hal;
    m->cfg = *cfg;
    err = init_services(m);
    if (err == OMP_OK) {
        err = omp_evq_reader_init(&m->events, &m->ev_reader); /* the event logs read all */
    }
    if (err == OMP_OK) {
        err = init_restore(m, &lay, now);
    }
    if (err == OMP_OK) {
        err = init_power_up(m, now);
    }
    if (err == OMP_OK) {
        err = omp_meter_priv_dlms_start(m);
    }
    if (err == OMP_OK) {
        err = omp_meter_priv_han_start(m);
    }
    if (err == OMP_OK) {
        err = omp_meter_priv_optical_start(m);
    }
    return err == OMP_OK ? omp_meter_priv_hdlc_start(m) : err;
}

/* ---- inward calls ------------------------------------------------------------------------------ */

void omp_meter_on_samples(struct omp_meter *m, const int32_t *vi, size_t n_pairs)
{
    if (m == NULL || vi == NULL) {
        return;
    }
    struct omp_metro_events ev;
    omp_metro_on_samples(&m->metro, vi, n_pairs, &ev);
    if (m->pq.eng.cfg.fs_hz != 0u) {
        omp_pq_on_samples(&m->pq.eng, vi, n_pairs); /* the same block: the same sample indices */
    }
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
    return omp_meter_priv_hdlc_rx(m, port, data, len);
}

/* Edge bits for the tick: bit 2k when input k of a group became active, 2k+1 when it ended. */
static void edge(uint32_t *edges, unsigned k, bool level)
{
    *edges |= (level ? 1u : 2u) << (2u * k);
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
    } else if ((input == OMP_INPUT_BUTTON || input == OMP_INPUT_BUTTON2) && level != was) {
        edge(&m->buttons, input == OMP_INPUT_BUTTON ? 0u : 1u, level);
    } else if ((input == OMP_INPUT_COVER || input == OMP_INPUT_TERMINAL ||
                input == OMP_INPUT_MAGNET) && level != was) {
        edge(&m->tamper_edges, (unsigned)input - (unsigned)OMP_INPUT_COVER, level);
    } else if (input == OMP_INPUT_PULSE && rising) {
        m->pulse_edges++;
    } else if (input == OMP_INPUT_TARIFF1 && rising && m->cfg.z3 == OMP_Z3_DEBIT_STOP) {
        m->debit_edges++;
    }
}

/* ---- tick and poll: the data flow ---------------------------------------------------------------- */

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
        omp_meter_priv_pq_cycle(m, &c); /* before m->last: it holds the previous end */
        m->last = c;
        m->cycles++;
        omp_means_add(&m->means, &c);
        m->cycle_in_block = true;
    }
}

void omp_meter_process(struct omp_meter *m)
{
    if (m != NULL) {
        cycles_take(m);
    }
}

/* Copy the engine's registers (written by the sample ISR) under the critical section, after
 * booking its open partial cycle when @p flush, and feed their growth to the registers. */
static void feed_engine(struct omp_meter *m, const struct omp_tariff_split *split, bool flush)
{
    struct omp_metro_energy energy;
    const struct omp_hal *h = &m->hal;
    uint32_t state = h->ops->crit_enter(h->user);
    if (flush) {
        omp_metro_flush(&m->metro, NULL);
    }
    omp_metro_energy_get(&m->metro, &energy);
    h->ops->crit_exit(h->user, state);
    omp_registers_feed(&m->regs, &energy, split);
}

/* The clock's step for the registers: a clock change, the energy since the last tick split at a
 * tariff switch, then each second. A
 * second has supply when a cycle above the supply threshold arrived in it. */
static void registers_step(struct omp_meter *m, const struct omp_clock_step *st)
{
    if (st->set) {
        omp_registers_clock_set(&m->regs, st->old_utc, st->new_utc);
        omp_profile_clock_set(&m->lp, st->old_utc, st->new_utc);
        omp_profile_clock_set(&m->an, st->old_utc, st->new_utc);
    }
    feed_engine(m, &st->split, false);
    uint32_t pulses = take_counter(m, &m->pulse_edges);
    if (pulses > 0u) {
        omp_registers_add_pulses(&m->regs, pulses);
    }
    if (take_counter(m, &m->debit_edges) > 0u) {
        omp_err err = omp_registers_billing_stop(&m->regs, m->clock.keep_s);
        (void)err; /* OMP_ERR_BUSY: a stop is still pending, this edge adds nothing */
    }
    bool supply = m->cycle_in_block && m->last.urms_v > m->metro.cfg.supply_min_v;
    struct omp_clock_sec s;
    while (omp_clock_second(&m->clock, &s)) {
        m->cycle_in_block = false;
        omp_err err = omp_registers_second(&m->regs, s.utc, s.valid, supply, s.tariff);
        (void)err; /* OMP_ERR_ARG only for arguments the clock never gives */
        omp_meter_priv_lp_second(m, s.utc, s.valid);
    }
}

/* Power-fail warning or flush: the engine books its open partial cycle and the registers take
 * it, in the tariff in force, before the save. */
static void energy_flush(struct omp_meter *m)
{
    const struct omp_tariff_split split = { m->clock.tariff_now, m->clock.tariff_now, 0u, 1u };
    feed_engine(m, &split, true);
}

/* Inputs as events: the power-fail warning, tamper start/end (technical facts 3.2). */
static void input_events(struct omp_meter *m)
{
    static const uint16_t k_code[3][2] = {{OMP_EV_COVER_OPEN, OMP_EV_COVER_CLOSED},
                                          {OMP_EV_TERMINAL_OPEN, OMP_EV_TERMINAL_CLOSED},
                                          {OMP_EV_MAGNETIC_START, OMP_EV_MAGNETIC_END}};
    if (take_counter(m, &m->pf_events) > 0u) {
        omp_clock_event(&m->clock, OMP_EV_POWER_DOWN, 0u, 0u);
    }
    uint32_t edges = take_counter(m, &m->tamper_edges);
    for (unsigned t = 0; t < 6u; t++) {
        if ((edges & (1u << t)) != 0u) {
            omp_clock_event(&m->clock, k_code[t / 2u][t % 2u], 0u, 0u);
        }
    }
}

void omp_meter_tick(struct omp_meter *m, const struct omp_now *now)
{
    if (m == NULL || now == NULL) {
        return;
    }
    struct omp_clock_step st;
    omp_clock_tick(&m->clock, now, m->inputs & (INPUT_BIT(OMP_INPUT_TARIFF1) |
                                                INPUT_BIT(OMP_INPUT_TARIFF2)), &st);
    cycles_take(m);
    omp_meter_priv_pq_time(m, now);
    registers_step(m, &st);
    input_events(m);
    bool mains = (m->inputs & INPUT_BIT(OMP_INPUT_POWER_FAIL)) == 0u &&
                 (m->cycles == 0u || m->last.urms_v > m->metro.cfg.supply_min_v);
    struct omp_cosem_src src;
    struct omp_lcd_env e;
    omp_meter_priv_lcd_env(m, &src, &e);
    omp_lcd_tick(&m->lcd, &e, take_counter(m, &m->buttons), mains);
    struct omp_event mon; /* the register monitor 0.0.16.0.0.255: a crossing is an event */
    if (omp_cosem_monitor_eval(&src, &m->monitor, &mon) == OMP_OK) {
        omp_clock_event(&m->clock, mon.code, mon.arg, mon.flags);
    }
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
    if (force) {
        energy_flush(m);
        omp_meter_priv_dlms_keep_client_ic(m, true); /* replay protection across the cut */
        omp_meter_priv_pq_save(m);
    }
    omp_err err = OMP_OK; /* a damaged NVM takes no saves: meter status and the event say so */
    if (m->nvm_damaged == 0u) {
        err = omp_regs_persist_save(&m->persist, &m->regs, m->clock.now.mono_ms, force);
    }
    if (err == OMP_OK && force) {
        m->pf_save = false; /* on failure the due flags stay: retried next poll */
    }
    input_events(m); /* a power-fail warning's event before the logs take the queue: the
                        documented power-fail sequence is on_input then poll, no tick between */
    omp_meter_priv_ev_drain(m);
    if (omp_meter_priv_display_compose(m) || m->display_due) {
        m->display_due = false;
        if (m->hal.ops->display_show != NULL) {
            struct omp_display_frame f;
            omp_lcd_frame(&m->lcd, &f);
            m->hal.ops->display_show(m->hal.user, &f);
        }
    }
    omp_meter_priv_optical_poll(m);
    omp_meter_priv_hdlc_poll(m);
    omp_err han = omp_meter_priv_han_poll(m);
    return err != OMP_OK ? err : han;
}

omp_err omp_meter_flush(struct omp_meter *m)
{
    if (m == NULL) {
        return OMP_ERR_ARG;
    }
    energy_flush(m);
    omp_meter_priv_pq_save(m);
    return omp_regs_persist_save(&m->persist, &m->regs, m->clock.now.mono_ms, true);
}

/* ---- outward calls: what the ports and the data dictionary's setters ask ---------------------- */

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
    struct omp_clock_step st;
    omp_err err = omp_clock_set(&m->clock, utc_s, &st);
    if (err == OMP_OK) {
        omp_registers_clock_set(&m->regs, st.old_utc, st.new_utc);
        omp_profile_clock_set(&m->lp, st.old_utc, st.new_utc);
        omp_profile_clock_set(&m->an, st.old_utc, st.new_utc);
    }
    return err;
}

omp_err omp_meter_billing_stop(struct omp_meter *m)
{
    if (m == NULL) {
        return OMP_ERR_ARG;
    }
    return omp_registers_billing_stop(&m->regs, m->clock.keep_s);
}

omp_err omp_meter_billing_read(struct omp_meter *m, uint32_t age, struct omp_regs_snapshot *out)
{
    if (m == NULL || out == NULL) {
        return OMP_ERR_ARG;
    }
    return omp_regs_persist_billing(&m->persist, age, out);
}

const struct omp_nvm_log *omp_meter_billing_log(const struct omp_meter *m)
{
    return m == NULL ? NULL : &m->persist.billing;
}

omp_err omp_meter_set_calendar(struct omp_meter *m, const struct omp_tou_calendar *cal,
                               omp_time_s at_utc)
{
    if (m == NULL || cal == NULL) {
        return OMP_ERR_ARG;
    }
    return omp_clock_set_calendar(&m->clock, cal, at_utc);
}

omp_err omp_meter_display_set_list(struct omp_meter *m, enum omp_display_list which,
                                   const struct omp_display_item *items, size_t n, size_t *bad)
{
    if (m == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_cosem_src src;
    struct omp_lcd_env e;
    omp_meter_priv_lcd_env(m, &src, &e);
    return omp_lcd_set_list(&m->lcd, &e, which, items, n, bad);
}

omp_err omp_meter_nvm_format(struct omp_meter *m, const struct omp_now *now)
{
    if (m == NULL || now == NULL || m->hal.ops == NULL) {
        return OMP_ERR_ARG;
    }
    const struct omp_hal hal = m->hal;
    const struct omp_meter_cfg cfg = m->cfg;
    struct omp_nvm_geometry geo;
    struct layout lay;
    memset(&lay, 0, sizeof lay);
    omp_err err = omp_hal_nvm_geometry(&hal, &geo);
    if (err == OMP_OK) {
        err = layout(&cfg, &geo, &lay, &hal);
    }
    /* every sector of the meter's share, from the journal's first to the last region's last */
    const struct omp_nvm_region *last = lay.ev[OMP_EVLOG_COUNT - 1u].sectors != 0u
                                            ? &lay.ev[OMP_EVLOG_COUNT - 1u]
                                        : lay.an.sectors != 0u ? &lay.an
                                        : lay.lp.sectors != 0u ? &lay.lp
                                                               : &lay.regs.billing;
    uint32_t end = last->base + last->sectors * geo.sector_size;
    for (uint32_t a = lay.regs.journal.base; err == OMP_OK && a < end; a += geo.sector_size) {
        err = hal.ops->nvm_erase(hal.user, a);
    }
    return err == OMP_OK ? omp_meter_init(m, &hal, &cfg, now) : err;
}

const struct omp_evq *omp_meter_events(const struct omp_meter *m)
{
    return m == NULL ? NULL : &m->events;
}

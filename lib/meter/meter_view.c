/*
 * The meter as its readers see it: the data dictionary's source (cosem.h) with the writes that
 * go back to the services, the display's frame, and the snapshot and NVM figures of the API.
 */
#include <string.h>

#include "omnipower/meter.h"

#include "meter_priv.h"

static omp_err op_set_clock(void *user, omp_time_s utc_s)
{
    return omp_meter_set_clock(user, utc_s);
}

static omp_err op_set_tariff(void *user, uint8_t tariff)
{
    struct omp_meter *m = user;
    return omp_clock_set_tariff(&m->clock, tariff);
}

static omp_err op_set_optical(void *user, uint8_t setting, uint32_t value)
{
    static const uint8_t k_e[OMP_OPT_COUNT] = {3u, 6u, 9u, 12u, 13u, 14u, 15u, 16u}; /* 131.0.E */
    struct omp_meter *m = user;
    struct omp_optical_settings next = m->optical_port.settings;
    omp_err err = omp_optical_setting_put(&next, (enum omp_optical_setting)setting, value);
    if (err == OMP_OK) {
        struct omp_dlms_params p = m->params; /* kept in NVM; not kept: not taken */
        omp_dlms_params_put_optical(&p, &next);
        err = omp_meter_priv_params_keep(m, &p);
    }
    if (err == OMP_OK) {
        err = omp_optical_set(&m->optical_port, setting, value);
    }
    if (err == OMP_OK && setting < (uint8_t)OMP_OPT_COUNT) {
        omp_clock_event(&m->clock, OMP_EV_CONFIG_CHANGED, 0x830000u | k_e[setting], 0u); /* C.D.E */
    }
    return err;
}

static omp_err op_set_lls_secret(void *user, const uint8_t *secret, size_t len)
{
    return omp_meter_priv_lls_secret(user, secret, len);
}

static omp_err op_set_calendar(void *user, const struct omp_tou_calendar *cal, omp_time_s at_utc)
{
    return omp_meter_set_calendar(user, cal, at_utc);
}

static omp_err op_set_hdlc(void *user, uint8_t attr, uint16_t value)
{
    return omp_meter_priv_hdlc_set(user, attr, value);
}

static omp_err op_set_custom(void *user, const struct omp_cosem_custom *c)
{
    return omp_meter_priv_custom_set(user, c);
}

static omp_err op_set_param(void *user, uint8_t k, uint32_t value)
{
    return omp_meter_priv_param_set(user, k, value);
}

static omp_err op_billing_stop(void *user)
{
    return omp_meter_billing_stop(user);
}

static const struct omp_cosem_ops k_ops = {
    .set_clock = op_set_clock,
    .set_tariff = op_set_tariff,
    .set_optical = op_set_optical,
    .set_lls_secret = op_set_lls_secret,
    .set_hdlc = op_set_hdlc,
    .set_custom = op_set_custom,
    .billing_stop = op_billing_stop,
    .set_param = op_set_param,
    .set_calendar = op_set_calendar,
};

/* Meter status 1.1.97.97.0.255 (technical facts 3.1): bit 1 "EEPROM or data backup/restore
 * error" when the NVM holds data the meter cannot read, the registers did not restore cleanly or
 * may be older than their newest save (rolled back), or an NVM container must be opened again;
 * the other bits have no source in this meter yet (0). */
static uint8_t meter_status(const struct omp_meter *m)
{
    bool bad = m->nvm_damaged != 0u || m->persist.restore_err != OMP_OK ||
               m->persist.rolled_back || omp_regs_persist_stale(&m->persist) ||
               m->settings.stale;
    return bad ? 0x02u : 0x00u;
}

void omp_meter_priv_src(struct omp_meter *m, struct omp_cosem_src *s)
{
    const struct omp_clock *c = &m->clock;
    memset(s, 0, sizeof *s);
    s->regs = &m->regs;
    s->cycle = &m->last;
    s->means = m->means.have_last ? &m->means.last : NULL;
    s->optical = &m->optical_port.settings;
    s->type_number = m->cfg.type_number;
    s->software_id = m->cfg.software_id;
    s->rom_checksum = m->cfg.rom_checksum;
    s->meter_number = m->cfg.meter_number;
    s->tariff = c->tariff_now;
    s->tariffs = (uint8_t)OMP_CONFIG_TARIFFS;
    s->status = meter_status(m);
    /* the RTC; without it the last valid time the meter saw, flagged invalid */
    s->clock_valid = c->now.rtc_valid;
    s->clock_known = c->now.rtc_valid || c->keep_valid;
    s->clock_utc_s = c->now.rtc_valid ? c->now.utc_s : c->keep_valid ? c->keep_s : 0;
    s->utc_offset_min = m->cfg.utc_offset_min;
    s->dst_rule = m->clock.cfg.dst_rule; /* Z15, or as written over a port */
    s->calendars = &c->tariff;
    s->ops = &k_ops;
    s->user = m;
    s->push = &m->han.cfg; /* the push setup object 0.0.25.9.0.255 */
    s->hdlc = &m->hdlc_setup; /* the IEC HDLC setup object 0.0.22.0.0.255 */
    s->custom = &m->custom;   /* MeterNoLow, MeterNo2/3, SpecialData, ModuleId */
    s->pq.counts = m->pq.vq.count;
    s->pq.limits = m->pq.limit;
    s->pq.interval = m->pq.iv.n != 0u ? &m->pq.iv : NULL;
    s->pq.ten_min = m->pq.m10.n != 0u ? &m->pq.m10 : NULL;
    s->pq.entry = m->pq.entry.code != 0u ? &m->pq.entry : NULL;
}

struct omp_display_z1 omp_meter_priv_z1(const struct omp_meter *m)
{
    struct omp_display_z1 z = {m->cfg.energy_digits, m->cfg.energy_decimals};
    return z;
}

bool omp_meter_priv_display_compose(struct omp_meter *m)
{
    const uint32_t tamper = (1u << OMP_INPUT_COVER) | (1u << OMP_INPUT_TERMINAL) |
                            (1u << OMP_INPUT_MAGNET);
    const struct omp_display_inputs in = {m->last.urms_v, m->last.irms_a, m->last.p_w,
                                          m->last.q_var, m->clock.tariff_now,
                                          (m->inputs & tamper) != 0u,
                                          (meter_status(m) & 0x02u) != 0u};
    struct omp_cosem_src src;
    struct omp_lcd_env e;
    omp_meter_priv_lcd_env(m, &src, &e);
    return omp_lcd_compose(&m->lcd, &e, &in);
}

omp_err omp_meter_display(const struct omp_meter *m, struct omp_display_frame *f)
{
    if (m == NULL || f == NULL) {
        return OMP_ERR_ARG;
    }
    omp_lcd_frame(&m->lcd, f);
    return OMP_OK;
}

/* The metrology part of the snapshot: the newest cycle. */
static void snapshot_cycle(const struct omp_meter *m, struct omp_meter_snapshot *t)
{
    t->urms_v = m->last.urms_v;
    t->irms_a = m->last.irms_a;
    t->p_w = m->last.p_w;
    t->q_var = m->last.q_var;
    t->s_va = m->last.s_va;
    t->pf = m->last.pf;
    t->f_hz = m->last.f_hz;
    t->quadrant = m->last.quadrant;
    t->cycles = m->cycles;
}

omp_err omp_meter_snapshot(const struct omp_meter *m, struct omp_meter_snapshot *s)
{
    if (m == NULL || s == NULL) {
        return OMP_ERR_ARG;
    }
    const struct omp_clock *c = &m->clock;
    const struct omp_registers *r = &m->regs;
    struct omp_meter_snapshot t;
    memset(&t, 0, sizeof t);
    t.utc_s = c->now.utc_s;
    if (!c->now.rtc_valid || omp_local_time(c->now.utc_s, m->cfg.utc_offset_min, c->cfg.dst_rule,
                                            &t.local, &t.dst_active) != OMP_OK) {
        memset(&t.local, 0, sizeof t.local);
        t.dst_active = false;
    }
    t.a_plus_mwh = r->e.total.a_plus_uwh / 1000u;
    t.a_minus_mwh = r->e.total.a_minus_uwh / 1000u;
    t.energy = r->e.total;
    t.hours_with_supply = r->hours;
    t.tariff = c->tariff_now;
    t.registers = r->e;
    t.billing_count = r->billing_count;
    t.threshold_count = r->threshold_count;
    t.pulse_milli = r->pulse_milli;
    t.peaks = r->peaks;
    t.acc = r->acc;
    t.have_period = r->demand.have_last;
    t.last_period = r->demand.last;
    t.next_stop_utc = r->next_stop_utc;
    t.billing_entries = m->persist.billing.count;
    t.power_ups = c->power_ups;
    t.saved_utc_s = c->restored_s;
    t.saved_utc_valid = c->restored_valid;
    snapshot_cycle(m, &t);
    t.nvm_saves = m->persist.records + c->saves + m->lcd.saves;
    *s = t;
    return OMP_OK;
}

omp_err omp_meter_nvm_info(const struct omp_meter *m, struct omp_meter_nvm_info *info)
{
    if (m == NULL || info == NULL) {
        return OMP_ERR_ARG;
    }
    const struct omp_regs_persist *p = &m->persist;
    struct omp_meter_nvm_info t;
    memset(&t, 0, sizeof t);
    t.sector_size = p->store.geo.sector_size;
    t.journal_sectors = p->store.rgn.sectors;
    t.log_sectors = p->billing.rgn.sectors;
    t.billing_capacity = omp_nvm_log_capacity(&p->billing);
    t.hot_min_interval_s = (uint32_t)((p->hot_min_ms + 999u) / 1000u);
    t.loss_bound_mwh = omp_regs_persist_loss_bound_mwh(p, &m->regs);
    t.hot_record_bytes = p->hot_record_bytes;
    t.hot_saves = p->hot_saves;
    t.cold_saves = p->cold_saves;
    t.snapshots = p->snapshots;
    t.store = p->store.stats;
    t.log = p->billing.stats;
    t.settings_sectors = m->settings.rgn.sectors;
    t.settings = m->settings.stats;
    t.damaged_sectors = m->nvm_damaged;
    t.mirror_sectors = p->mirror.rgn.sectors;
    t.mirror_min_interval_s = (uint32_t)((p->mirror_min_ms + 999u) / 1000u);
    t.mirror_saves = p->mirror_saves;
    t.mirror = p->mirror.stats;
    t.rolled_back = p->rolled_back;
    t.restored_from = p->restored_from;
    t.restored_checkpoint = p->restored_id;
    t.newest_checkpoint = p->newest_id;
    if (m->cfg.lp_sectors != 0u) {
        t.lp_sectors = m->lp.log.rgn.sectors;
        t.lp_capacity = omp_profile_capacity(&m->lp.cfg, &m->lp.log.geo, t.lp_sectors);
        t.lp_entries = omp_plog_count(&m->lp.log);
        t.lp = m->lp.log.stats;
    }
    if (m->cfg.an_sectors != 0u) {
        t.an_sectors = m->an.log.rgn.sectors;
        t.an_capacity = omp_profile_capacity(&m->an.cfg, &m->an.log.geo, t.an_sectors);
        t.an_depth_min = (uint32_t)((uint64_t)t.an_capacity * m->an.cfg.period_s / 60u);
        t.an_entries = omp_plog_count(&m->an.log);
    }
    if (m->cfg.ev_sectors != 0u) {
        t.ev_sectors = m->evlog[0].log.rgn.sectors;
        t.ev_capacity = omp_evlog_capacity(&m->evlog[0].log.geo, t.ev_sectors);
        for (unsigned k = 0; k < OMP_EVLOG_COUNT; k++) {
            t.ev_entries[k] = omp_plog_count(&m->evlog[k].log);
            t.ev_overflow[k] = omp_evlog_overflow(&m->evlog[k]);
        }
    }
    *info = t;
    return OMP_OK;
}

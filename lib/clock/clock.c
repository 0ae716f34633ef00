/*
 * The clock and tariff service (clock.h): time base, tariff in force, calendars, power-ups.
 *
 * Seconds: while the RTC is valid the registers see every UTC second once (demand periods and
 * debiting stops are on the clock); without it, monotonic seconds at the last valid time, flagged.
 * Tariff: evaluated when an input changed, when the next possible change is reached (a switch
 * inside a tick divides that tick's energy in proportion to the time on each side), and after a
 * clock change or a new calendar.
 */
#include <string.h>

#include "omnipower/clock.h"

#define STATE_VERSION 1u
#define STATE_LEN 8u
#define SPLIT_MAX_MS 60000u /* a longer tick is not divided: one tariff takes it */

bool omp_clock_cfg_valid(const struct omp_clock_cfg *c)
{
    return c != NULL && omp_utc_offset_valid(c->utc_offset_min) &&
           (c->dst_rule == OMP_DST_NONE || c->dst_rule == OMP_DST_EU) && omp_z3_valid(c->z3) &&
           (c->tariff_source == OMP_TARIFF_SRC_DEFAULT ||
            c->tariff_source == OMP_TARIFF_SRC_INPUTS ||
            c->tariff_source == OMP_TARIFF_SRC_REGISTER ||
            c->tariff_source == OMP_TARIFF_SRC_CALENDAR) &&
           c->default_tariff >= 1u && c->default_tariff <= OMP_CONFIG_TARIFFS;
}

omp_err omp_clock_init(struct omp_clock *c, const struct omp_clock_cfg *cfg,
                       struct omp_store *store, uint8_t *io, struct omp_evq *events)
{
    if (c == NULL || !omp_clock_cfg_valid(cfg) || store == NULL || io == NULL || events == NULL) {
        return OMP_ERR_ARG;
    }
    memset(c, 0, sizeof *c);
    c->cfg = *cfg;
    omp_tariff_init(&c->tariff);
    c->tariff.source = cfg->tariff_source;
    c->tariff.z3 = cfg->z3;
    c->tariff.default_tariff = cfg->default_tariff;
    c->tariff.register_tariff = cfg->default_tariff;
    c->tariff_now = cfg->default_tariff;
    c->store = store;
    c->io = io;
    c->events = events;
    return OMP_OK;
}

void omp_clock_event(struct omp_clock *c, uint16_t code, uint32_t arg, uint16_t flags)
{
    struct omp_event ev = {code, flags, arg, c->keep_s};
    if (omp_evq_push(c->events, &ev) != OMP_OK) {
        return; /* only OMP_EV_NONE is refused, which no caller pushes */
    }
}

/* ---- records ------------------------------------------------------------------------------- */

static omp_err put(struct omp_clock *c, uint16_t key, size_t len)
{
    omp_err err = omp_store_refresh(c->store);
    if (err == OMP_OK) {
        err = omp_store_write(c->store, key, c->io, len);
    }
    if (err == OMP_OK) {
        c->saves++;
    }
    return err;
}

static omp_err save_state(struct omp_clock *c)
{
    struct omp_wr w = omp_wr_init(c->io, STATE_LEN);
    (void)omp_wr_u8(&w, STATE_VERSION);
    (void)omp_wr_u32le(&w, c->power_ups);
    (void)omp_wr_u8(&w, c->tariff.register_tariff);
    (void)omp_wr_u16le(&w, 0u);
    return put(c, OMP_CLOCK_KEY_STATE, omp_wr_len(&w));
}

/* Passive calendar record: u8 present, i64 activation UTC, the encoded calendar. */
static omp_err save_calendar(struct omp_clock *c, bool passive)
{
    struct omp_wr w = omp_wr_init(c->io, OMP_CLOCK_IO_LEN);
    omp_err err = OMP_OK;
    if (passive) {
        (void)omp_wr_u8(&w, c->tariff.has_passive ? 1u : 0u);
        (void)omp_wr_u64le(&w, (uint64_t)c->tariff.passive_at_utc);
        if (c->tariff.has_passive) {
            err = omp_tou_encode(&c->tariff.passive, &w);
        }
    } else {
        err = omp_tou_encode(&c->tariff.active, &w);
    }
    if (err == OMP_OK) {
        err = omp_wr_status(&w);
    }
    if (err != OMP_OK) {
        return err;
    }
    return put(c, passive ? OMP_CLOCK_KEY_CAL_PASSIVE : OMP_CLOCK_KEY_CAL_ACTIVE, omp_wr_len(&w));
}

static void load_state(struct omp_clock *c, size_t len)
{
    struct omp_rd rd = omp_rd_init(c->io, len);
    uint8_t version = 0, tariff = 0;
    uint32_t ups = 0;
    if (len == STATE_LEN && omp_rd_u8(&rd, &version) == OMP_OK && version == STATE_VERSION &&
        omp_rd_u32le(&rd, &ups) == OMP_OK && omp_rd_u8(&rd, &tariff) == OMP_OK) {
        c->power_ups = ups;
        if (tariff >= 1u && tariff <= OMP_CONFIG_TARIFFS) {
            c->tariff.register_tariff = tariff;
        }
    }
}

static omp_err load_records(struct omp_clock *c)
{
    size_t len = 0;
    omp_err err = omp_store_read_opt(c->store, OMP_CLOCK_KEY_STATE, c->io, STATE_LEN, &len);
    if (err != OMP_OK) {
        return err;
    }
    load_state(c, len);
    err = omp_store_read_opt(c->store, OMP_CLOCK_KEY_CAL_ACTIVE, c->io, OMP_CLOCK_IO_LEN, &len);
    if (err != OMP_OK) {
        return err;
    }
    struct omp_rd rd = omp_rd_init(c->io, len);
    if (len > 0u && omp_tou_decode(&rd, &c->tariff.active) == OMP_OK) {
        c->tariff.has_active = true;
    }
    err = omp_store_read_opt(c->store, OMP_CLOCK_KEY_CAL_PASSIVE, c->io, OMP_CLOCK_IO_LEN, &len);
    if (err != OMP_OK) {
        return err;
    }
    rd = omp_rd_init(c->io, len);
    uint8_t present = 0;
    uint64_t at = 0;
    if (len > 9u && omp_rd_u8(&rd, &present) == OMP_OK && present == 1u &&
        omp_rd_u64le(&rd, &at) == OMP_OK && omp_tou_decode(&rd, &c->tariff.passive) == OMP_OK) {
        c->tariff.has_passive = true;
        c->tariff.passive_at_utc = (omp_time_s)at;
    }
    return OMP_OK;
}

/* ---- life cycle ---------------------------------------------------------------------------- */

omp_err omp_clock_restore(struct omp_clock *c, omp_time_s saved_utc, bool saved_valid,
                          const struct omp_now *now)
{
    omp_err err = load_records(c);
    if (err != OMP_OK) {
        return err;
    }
    c->now = *now;
    c->restored_s = saved_utc;
    c->restored_valid = saved_valid;
    c->keep_s = now->rtc_valid ? now->utc_s : saved_utc;
    c->keep_valid = now->rtc_valid || saved_valid;
    c->sec_utc = c->keep_s;
    c->sec_mono_ms = now->mono_ms;
    c->prev_ms_utc = (uint64_t)now->utc_s * 1000u + now->utc_ms;
    c->dirty = true;
    return OMP_OK;
}

/* Evaluate the tariff at @p utc and when it may change next. A passive calendar that became
 * active is stored (active first, then the passive record cleared: a cut in between activates
 * the same calendar again at the next start). */
static void evaluate(struct omp_clock *c, omp_time_s utc, uint32_t inputs)
{
    c->tariff.io1 = (inputs & OMP_CLOCK_IN_TARIFF1) != 0u;
    c->tariff.io2 = (inputs & OMP_CLOCK_IN_TARIFF2) != 0u;
    bool had_passive = c->tariff.has_passive;
    c->tariff_now = omp_tariff_now(&c->tariff, utc, c->cfg.utc_offset_min, c->cfg.dst_rule);
    if (had_passive && !c->tariff.has_passive) {
        if (save_calendar(c, false) == OMP_OK) {
            (void)save_calendar(c, true); /* a failure re-activates the same calendar later */
        }
    }
    c->next_utc = omp_tariff_next_change(&c->tariff, utc, c->cfg.utc_offset_min, c->cfg.dst_rule);
    c->inputs_applied = inputs;
    c->dirty = false;
}

omp_err omp_clock_power_up(struct omp_clock *c, const struct omp_now *now)
{
    c->power_ups++;
    omp_err err = save_state(c);
    if (err != OMP_OK && err != OMP_ERR_NVM_CORRUPT) {
        return err; /* a damaged NVM is the meter's to report: it runs without saving */
    }
    evaluate(c, c->sec_utc, c->inputs_applied);
    /* arg: seconds off, when both the time saved and the clock now are known */
    bool known = c->restored_valid && now->rtc_valid && now->utc_s >= c->restored_s;
    omp_time_s off = known ? now->utc_s - c->restored_s : 0;
    omp_clock_event(c, OMP_EV_POWER_UP, off > UINT32_MAX ? UINT32_MAX : (uint32_t)off, 0u);
    return OMP_OK;
}

/* ---- time ---------------------------------------------------------------------------------- */

/* The clock moved from @p old_utc to @p new_utc: the event, and the time base restarts there. */
static void changed(struct omp_clock *c, omp_time_s old_utc, omp_time_s new_utc,
                    struct omp_clock_step *out)
{
    /* arg: |new - old| in seconds (saturated), flags: backward, saturated (evq.h) */
    uint64_t d = new_utc >= old_utc ? (uint64_t)(new_utc - old_utc) : (uint64_t)(old_utc - new_utc);
    uint16_t flags = (uint16_t)((new_utc < old_utc ? OMP_EVF_CLOCK_BACKWARD : 0u) |
                                (d > UINT32_MAX ? OMP_EVF_CLOCK_SATURATED : 0u));
    c->keep_s = new_utc; /* the event carries the new time */
    c->keep_valid = true;
    omp_clock_event(c, OMP_EV_CLOCK_SET, d > UINT32_MAX ? UINT32_MAX : (uint32_t)d, flags);
    c->sec_utc = new_utc;
    c->prev_ms_utc = (uint64_t)new_utc * 1000u;
    c->dirty = true;
    out->set = true;
    out->old_utc = old_utc;
    out->new_utc = new_utc;
}

/* Whether the RTC became valid or jumped against the monotonic clock. */
static void follow_rtc(struct omp_clock *c, const struct omp_now *now, struct omp_clock_step *out)
{
    if (!now->rtc_valid) {
        return;
    }
    omp_time_s expected = c->sec_utc + (omp_time_s)((now->mono_ms - c->sec_mono_ms) / 1000u);
    omp_time_s diff = now->utc_s - expected;
    if (!c->now.rtc_valid) {
        /* the clock became valid: nothing to compare with; the registers see this second */
        c->sec_utc = now->utc_s - 1;
        c->prev_ms_utc = (uint64_t)now->utc_s * 1000u + now->utc_ms;
        c->dirty = true;
    } else if (diff > OMP_CLOCK_JUMP_S || diff < -OMP_CLOCK_JUMP_S - 1) {
        changed(c, expected, now->utc_s, out);
    }
    c->keep_s = now->utc_s;
    c->keep_valid = true;
}

void omp_clock_tick(struct omp_clock *c, const struct omp_now *now, uint32_t tariff_inputs,
                    struct omp_clock_step *out)
{
    memset(out, 0, sizeof *out);
    follow_rtc(c, now, out);
    c->now = *now;
    c->sec_budget = OMP_CLOCK_SECONDS_PER_TICK;
    uint64_t t1 = (uint64_t)now->utc_s * 1000u + now->utc_ms;
    uint64_t t0 = c->prev_ms_utc;
    out->split.before = c->tariff_now;
    out->split.den = 1u;
    if (tariff_inputs != c->inputs_applied) {
        c->dirty = true;
    }
    if (now->rtc_valid && !c->dirty && now->utc_s >= c->next_utc) {
        uint64_t b = (uint64_t)c->next_utc * 1000u;
        if (t0 < b && b <= t1 && t1 - t0 <= SPLIT_MAX_MS) {
            out->split.num = b - t0; /* the ms before the switch go to the old tariff */
            out->split.den = t1 - t0;
        }
        c->dirty = true;
    }
    if (c->dirty) {
        evaluate(c, now->rtc_valid ? now->utc_s : c->sec_utc, tariff_inputs);
    }
    out->split.after = c->tariff_now;
    c->prev_ms_utc = t1;
}

bool omp_clock_second(struct omp_clock *c, struct omp_clock_sec *s)
{
    const struct omp_now *now = &c->now;
    if (now->rtc_valid) {
        if (c->sec_utc >= now->utc_s || c->sec_budget == 0u) {
            c->sec_mono_ms = now->mono_ms;
            return false;
        }
        c->sec_utc++;
    } else {
        if (now->mono_ms < c->sec_mono_ms + 1000u || c->sec_budget == 0u) {
            return false;
        }
        c->sec_mono_ms += 1000u;
    }
    c->sec_budget--;
    s->utc = now->rtc_valid ? c->sec_utc : c->keep_s;
    s->valid = now->rtc_valid;
    s->tariff = c->tariff_now;
    return true;
}

omp_err omp_clock_set(struct omp_clock *c, omp_time_s utc, struct omp_clock_step *out)
{
    struct omp_datetime dt;
    if (omp_time_to_datetime(utc, &dt) != OMP_OK) {
        return OMP_ERR_RANGE;
    }
    memset(out, 0, sizeof *out);
    changed(c, c->now.rtc_valid ? c->now.utc_s : c->keep_s, utc, out);
    c->sec_mono_ms = c->now.mono_ms;
    c->now.utc_s = utc;
    c->now.utc_ms = 0;
    c->now.rtc_valid = true;
    return OMP_OK;
}

/* ---- settings ------------------------------------------------------------------------------ */

omp_err omp_clock_set_calendar(struct omp_clock *c, const struct omp_tou_calendar *cal,
                               omp_time_s at_utc)
{
    if (omp_tou_check(cal) != OMP_OK) {
        return OMP_ERR_RANGE;
    }
    struct omp_tariff keep = c->tariff;
    omp_err err = omp_tariff_set_passive(&c->tariff, cal, at_utc);
    if (err == OMP_OK) {
        err = save_calendar(c, true);
    }
    if (err != OMP_OK) {
        c->tariff = keep; /* not stored: not taken */
        return err;
    }
    c->dirty = true;
    return OMP_OK;
}

omp_err omp_clock_set_dst(struct omp_clock *c, enum omp_dst_rule rule)
{
    if (c == NULL || (rule != OMP_DST_NONE && rule != OMP_DST_EU)) {
        return OMP_ERR_ARG;
    }
    c->cfg.dst_rule = rule;
    c->dirty = true; /* the tariff in local time: evaluated again */
    return OMP_OK;
}

omp_err omp_clock_set_tariff(struct omp_clock *c, uint8_t tariff)
{
    if (c->tariff.source != OMP_TARIFF_SRC_REGISTER) {
        return OMP_ERR_UNSUPPORTED;
    }
    if (tariff < 1u || tariff > OMP_CONFIG_TARIFFS) {
        return OMP_ERR_RANGE;
    }
    uint8_t keep = c->tariff.register_tariff;
    c->tariff.register_tariff = tariff;
    omp_err err = save_state(c); /* the state record keeps ActualTariff across restarts */
    if (err != OMP_OK) {
        c->tariff.register_tariff = keep; /* not stored: not taken */
        return err;
    }
    c->dirty = true;
    omp_clock_event(c, OMP_EV_CONFIG_CHANGED, 0x810000u, 0u); /* ActualTariff 129.0.0 */
    return OMP_OK;
}

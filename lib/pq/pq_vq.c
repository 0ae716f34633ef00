/*
 * The OMNIPOWER's voltage-quality reporting (pq_vq.h; technical facts §8): occurrence counters
 * and voltage quality logger 1 entries from 1-s rms values, 10-s frequencies, 10-min means and
 * interruptions. Integer volts in the entries, as the logger's u16 objects hold them.
 */
#include "omnipower/pq_vq.h"

#include <math.h>
#include <string.h>

void omp_vq_cfg_default(struct omp_vq_cfg *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->un_v = 230u;
    cfg->fn_hz = 50u;
    cfg->mean_high_v = 253u; /* +10 % */
    cfg->mean_low_v = 207u;  /* -10 % */
    cfg->window_s = 600u;
    cfg->single_high_v = 253u;
    cfg->single_low_v = 207u;
    cfg->var_low2_pct = 15u; /* the TD's example */
    cfg->var_high_pct = 10u;
    cfg->rvc_pct = 5u;
    cfg->outage_log_s = 10u;
    cfg->power_fault_s = 180u;
}

/* @p v within +1..+20 % (@p high) or -1..-20 % of @p un (technical facts 8.4), in whole volts. */
static bool limit_ok(uint16_t v, uint16_t un, bool high)
{
    const uint32_t x = 100u * v, u = un;
    return high ? x >= 101u * u && x <= 120u * u : x >= 80u * u && x <= 99u * u;
}

bool omp_vq_cfg_valid(const struct omp_vq_cfg *c)
{
    return c != NULL && c->un_v >= 100u && c->un_v <= 300u &&
           (c->fn_hz == 50u || c->fn_hz == 60u) && limit_ok(c->mean_high_v, c->un_v, true) &&
           limit_ok(c->mean_low_v, c->un_v, false) && limit_ok(c->single_high_v, c->un_v, true) &&
           limit_ok(c->single_low_v, c->un_v, false) && c->window_s >= 10u &&
           c->window_s <= 1800u && 86400u % c->window_s == 0u && c->var_low2_pct >= 1u &&
           c->var_low2_pct <= 50u && c->var_high_pct >= 1u && c->var_high_pct <= 50u &&
           c->rvc_pct >= 1u && c->rvc_pct <= 20u && c->outage_log_s <= 1800u &&
           c->power_fault_s >= 1u;
}

omp_err omp_vq_init(struct omp_vq *vq, const struct omp_vq_cfg *cfg,
                    const uint16_t counts[OMP_VQ_COUNTERS])
{
    if (vq == NULL || !omp_vq_cfg_valid(cfg)) {
        return OMP_ERR_ARG;
    }
    memset(vq, 0, sizeof *vq);
    vq->cfg = *cfg;
    if (counts != NULL) {
        memcpy(vq->count, counts, sizeof vq->count);
    }
    vq->dip_s = -1;
    vq->swell_s = -1;
    return OMP_OK;
}

static void bump(struct omp_vq *vq, enum omp_vq_counter n)
{
    uint16_t *c = &vq->count[(unsigned)n - 1u];
    *c = *c == UINT16_MAX ? *c : (uint16_t)(*c + 1u);
}

uint16_t omp_vq_count(const struct omp_vq *vq, unsigned n)
{
    return vq != NULL && n >= 1u && n <= OMP_VQ_COUNTERS ? vq->count[n - 1u] : 0u;
}

static uint16_t volts(float v)
{
    return v <= 0.0f ? 0u : v >= 65535.0f ? UINT16_MAX : (uint16_t)lrintf(v);
}

static void push(struct omp_vq *vq, omp_time_s utc, enum omp_vq_code code, float mean, float max,
                 float min)
{
    if (vq->q_len == OMP_VQ_QUEUE) {
        vq->lost++; /* the meter drains the queue every poll: not expected */
        return;
    }
    struct omp_vq_entry *e = &vq->q[(vq->q_head + vq->q_len) % OMP_VQ_QUEUE];
    vq->q_len++;
    e->utc = utc;
    e->phase = 1u;
    e->code = (uint8_t)code;
    e->mean_v = volts(mean);
    e->max_v = volts(max);
    e->min_v = volts(min);
}

bool omp_vq_pop(struct omp_vq *vq, struct omp_vq_entry *out)
{
    if (vq == NULL || out == NULL || vq->q_len == 0u) {
        return false;
    }
    *out = vq->q[vq->q_head];
    vq->q_head = (uint8_t)((vq->q_head + 1u) % OMP_VQ_QUEUE);
    vq->q_len--;
    return true;
}

/* The running short-term deviation ends: its extreme, then its last value out of range. */
static void dev_end(struct omp_vq *vq)
{
    if (vq->dev == 1u) {
        push(vq, vq->dev_peak_t, OMP_VQ_MIN_PEAK, 0.0f, 0.0f, vq->dev_peak_v);
        push(vq, vq->dev_last_t, OMP_VQ_LOW_STOP, 0.0f, 0.0f, vq->dev_last_v);
    } else if (vq->dev == 2u) {
        push(vq, vq->dev_peak_t, OMP_VQ_MAX_PEAK, 0.0f, vq->dev_peak_v, 0.0f);
        push(vq, vq->dev_last_t, OMP_VQ_HIGH_STOP, 0.0f, vq->dev_last_v, 0.0f);
    }
    vq->dev = 0u;
}

/* Short-term deviations of the single 1-s values (6 -> 2 -> 7, 8 -> 3 -> 9). */
static void deviation(struct omp_vq *vq, omp_time_s utc, float v)
{
    const uint8_t side = v < (float)vq->cfg.single_low_v    ? 1u
                         : v > (float)vq->cfg.single_high_v ? 2u
                                                            : 0u;
    if (vq->dev != 0u && side != vq->dev) {
        dev_end(vq);
    }
    if (side == 0u) {
        return;
    }
    if (vq->dev == 0u) {
        vq->dev = side;
        vq->dev_peak_v = v;
        vq->dev_peak_t = utc;
        push(vq, utc, side == 1u ? OMP_VQ_LOW_START : OMP_VQ_HIGH_START, 0.0f,
             side == 2u ? v : 0.0f, side == 1u ? v : 0.0f);
    } else if (side == 1u ? v < vq->dev_peak_v : v > vq->dev_peak_v) {
        vq->dev_peak_v = v;
        vq->dev_peak_t = utc;
    }
    vq->dev_last_v = v;
    vq->dev_last_t = utc;
}

/* The running long-term window ends: one entry when its mean is out of range. */
static void window_end(struct omp_vq *vq)
{
    if (vq->win_n != 0u) {
        const float mean = (float)(vq->win_sum / (double)vq->win_n);
        if (mean < (float)vq->cfg.mean_low_v || mean > (float)vq->cfg.mean_high_v) {
            push(vq, vq->win_start, mean < (float)vq->cfg.mean_low_v ? OMP_VQ_UNDER_MEAN
                                                                     : OMP_VQ_OVER_MEAN,
                 mean, vq->win_max, vq->win_min);
        }
    }
    vq->win_n = 0u;
}

static void window_add(struct omp_vq *vq, omp_time_s utc, float v)
{
    const omp_time_s w = vq->cfg.window_s, first = utc - 1; /* the second [utc - 1, utc) */
    const omp_time_s start = first - ((first % w) + w) % w;
    if (vq->win_n != 0u && start != vq->win_start) {
        window_end(vq);
    }
    if (vq->win_n == 0u) {
        vq->win_start = start;
        vq->win_sum = 0.0;
        vq->win_max = v;
        vq->win_min = v;
    }
    vq->win_sum += (double)v;
    vq->win_max = v > vq->win_max ? v : vq->win_max;
    vq->win_min = v < vq->win_min ? v : vq->win_min;
    vq->win_n++;
    if (utc - vq->win_start >= w) {
        window_end(vq); /* complete: reported at once */
    }
}

void omp_vq_second(struct omp_vq *vq, omp_time_s utc, float urms_v)
{
    if (vq == NULL || !isfinite(urms_v)) {
        return;
    }
    if (vq->have_last && utc != vq->last_t + 1) {
        dev_end(vq); /* a gap ends a deviation at its last value, and is no step */
        vq->have_last = false;
    }
    const float lo = (float)vq->cfg.single_low_v, hi = (float)vq->cfg.single_high_v;
    const float step = (float)vq->cfg.rvc_pct * (float)vq->cfg.un_v / 100.0f;
    if (vq->have_last && vq->last_v >= lo && vq->last_v <= hi && urms_v >= lo && urms_v <= hi &&
        fabsf(urms_v - vq->last_v) >= step) {
        bump(vq, OMP_VQ_RVC); /* a step inside the normal band (technical facts 8.1) */
    }
    deviation(vq, utc, urms_v);
    window_add(vq, utc, urms_v);
    vq->last_v = urms_v;
    vq->last_t = utc;
    vq->have_last = true;
}

void omp_vq_freq10s(struct omp_vq *vq, float f_hz)
{
    if (vq == NULL || !isfinite(f_hz)) {
        return;
    }
    static const struct {
        float pct; /* deviation limit, % of nominal: below -pct (odd n) or above +pct (even) */
        uint8_t below, above;
    } k_lim[3] = {{1.0f, 1u, 2u}, {2.0f, 5u, 6u}, {15.0f, 7u, 8u}};
    const float d = (f_hz - (float)vq->cfg.fn_hz) * 100.0f / (float)vq->cfg.fn_hz;
    for (unsigned k = 0; k < 3u; k++) {
        if (d < -k_lim[k].pct) {
            bump(vq, (enum omp_vq_counter)k_lim[k].below);
        } else if (d > k_lim[k].pct) {
            bump(vq, (enum omp_vq_counter)k_lim[k].above);
        }
    }
    if (d < -6.0f) { /* EN 50160's 100 % band: -6 % .. +4 % */
        bump(vq, OMP_VQ_F3);
    } else if (d > 4.0f) {
        bump(vq, OMP_VQ_F4);
    }
}

void omp_vq_10min(struct omp_vq *vq, float urms_v, float thd_u_pct, float thd_i_pct)
{
    if (vq == NULL) {
        return;
    }
    const float un = (float)vq->cfg.un_v;
    if (urms_v < un * 0.9f) {
        bump(vq, OMP_VQ_VAR_LOW1);
    }
    if (urms_v < un * (1.0f - (float)vq->cfg.var_low2_pct / 100.0f)) {
        bump(vq, OMP_VQ_VAR_LOW2);
    }
    if (urms_v > un * (1.0f + (float)vq->cfg.var_high_pct / 100.0f)) {
        bump(vq, OMP_VQ_VAR_HIGH);
    }
    if (thd_u_pct > 8.0f) {
        bump(vq, OMP_VQ_THD_U_L1);
    }
    if (thd_i_pct > 8.0f) {
        bump(vq, OMP_VQ_THD_I_L1);
    }
}

void omp_vq_dip_swell(struct omp_vq *vq, bool swell, double duration_s, omp_time_s utc)
{
    if (vq == NULL || !(duration_s >= 0.1 && duration_s <= 1.0)) {
        return;
    }
    omp_time_s *last = swell ? &vq->swell_s : &vq->dip_s;
    if (*last != utc) { /* at most one of each per second (technical facts 8.1) */
        *last = utc;
        bump(vq, swell ? OMP_VQ_SWELLS : OMP_VQ_DIPS);
    }
}

void omp_vq_outage(struct omp_vq *vq, omp_time_s start, omp_time_s end)
{
    if (vq == NULL || end < start) {
        return;
    }
    const omp_time_s d = end - start;
    bump(vq, d > (omp_time_s)vq->cfg.power_fault_s ? OMP_VQ_INT_LONG : OMP_VQ_INT_SHORT);
    if (d >= (omp_time_s)vq->cfg.outage_log_s) {
        push(vq, start, OMP_VQ_OUTAGE, 0.0f, 0.0f, 0.0f);
        push(vq, end, OMP_VQ_RESTORED, 0.0f, 0.0f, 0.0f);
    }
}

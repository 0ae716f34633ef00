/*
 * Power-quality event detector: dips, swells, interruptions (IEC 61000-4-30 Ed.3 5.4 .. 5.6) and
 * rapid voltage changes (5.11) on the Urms(1/2) refreshes of the metrology engine's cycle records.
 * Design and decisions: docs/pq-events.md.
 */
#include <math.h>
#include <string.h>

#include "omnipower/pq_event.h"

enum { RVC_INIT = 0, RVC_STEADY = 1, RVC_ACTIVE = 2 };

/* Sliding reference Usr (IEC 61000-4-30 5.4.4): Usr(n) = 0.9967 Usr(n-1) + 0.0033 U10cyc(n). */
#define USR_KEEP 0.9967f
#define USR_TAKE 0.0033f

void omp_pq_ev_cfg_default(struct omp_pq_ev_cfg *cfg)
{
    if (cfg == NULL) {
        return;
    }
    memset(cfg, 0, sizeof *cfg);
    cfg->fs_hz = OMP_CONFIG_SAMPLE_RATE_HZ;
    cfg->mains_hz = OMP_CONFIG_MAINS_HZ;
    cfg->udin_v = 230.0f;
    cfg->dip_pct = 90.0f;
    cfg->swell_pct = 110.0f;
    cfg->intr_pct = 5.0f;
    cfg->hyst_pct = 2.0f;
    cfg->rvc_pct = 5.0f;
    cfg->rvc_hyst_pct = 2.5f;
    cfg->sliding_ref = false;
}

static bool cfg_ok(const struct omp_pq_ev_cfg *c)
{
    if (c->fs_hz < 1000u || c->fs_hz > 64000u || (c->mains_hz != 50u && c->mains_hz != 60u)) {
        return false;
    }
    if (!(c->udin_v > 0.0f) || !isfinite(c->udin_v)) {
        return false;
    }
    if (!(c->intr_pct > 0.0f && c->intr_pct < c->dip_pct && c->hyst_pct > 0.0f &&
          c->dip_pct + c->hyst_pct < 100.0f && c->swell_pct - c->hyst_pct > 100.0f &&
          c->swell_pct < 1000.0f)) {
        return false;
    }
    /* an RVC must fit between the steady band and the dip/swell thresholds */
    return c->rvc_pct > 0.0f && c->rvc_pct < 100.0f - c->dip_pct && c->rvc_hyst_pct > 0.0f &&
           c->rvc_hyst_pct <= c->rvc_pct;
}

omp_err omp_pq_ev_init(struct omp_pq_ev *d, const struct omp_pq_ev_cfg *cfg)
{
    if (d == NULL || cfg == NULL || !cfg_ok(cfg)) {
        return OMP_ERR_ARG;
    }
    memset(d, 0, sizeof *d);
    d->cfg = *cfg;
    d->usr_v = cfg->udin_v;
    d->ev_kind = OMP_PQ_EV_NONE;
    d->rvc_state = RVC_INIT;
    return OMP_OK;
}

float omp_pq_ev_reference(const struct omp_pq_ev *d)
{
    if (d == NULL) {
        return 0.0f;
    }
    return d->cfg.sliding_ref ? d->usr_v : d->cfg.udin_v;
}

bool omp_pq_ev_active_since(const struct omp_pq_ev *d, uint64_t since)
{
    if (d == NULL) {
        return false;
    }
    return d->ev_kind != OMP_PQ_EV_NONE || (d->any_event && d->last_end >= since);
}

/* ---- EN 50160 cells ---------------------------------------------------------------------- */

/* Lower edge of the first column: 10 ms, less half a millisecond so that an event of one half
 * cycle at up to 52.6 Hz (the top of the EN 50160 100 % frequency band) is still classified. */
#define T_MIN_S 0.0095

static int dip_col(double t)
{
    static const double upper[5] = {0.2, 0.5, 1.0, 5.0, 60.0};
    if (!(t >= T_MIN_S)) {
        return -1;
    }
    for (int i = 0; i < 5; i++) {
        if (t <= upper[i]) {
            return i;
        }
    }
    return -1;
}

static int swell_col(double t)
{
    static const double upper[3] = {0.5, 5.0, 60.0};
    if (!(t >= T_MIN_S)) {
        return -1;
    }
    for (int i = 0; i < 3; i++) {
        if (t <= upper[i]) {
            return i;
        }
    }
    return -1;
}

static int dip_row(float u)
{
    if (!(u < 90.0f)) {
        return -1;
    }
    if (u >= 80.0f) {
        return 0;
    }
    if (u >= 70.0f) {
        return 1;
    }
    if (u >= 40.0f) {
        return 2;
    }
    return u >= 5.0f ? 3 : 4;
}

enum omp_pq_cell omp_pq_cell_of(bool swell, double duration_s, float u_pct)
{
    int row;
    int col;
    if (swell) {
        row = u_pct >= 120.0f ? 0 : (u_pct > 110.0f ? 1 : -1);
        col = swell_col(duration_s);
        if (row < 0 || col < 0) {
            return OMP_PQ_CELL_NONE;
        }
        return (enum omp_pq_cell)(OMP_PQ_CELL_S1 + 3 * row + col);
    }
    row = dip_row(u_pct);
    col = dip_col(duration_s);
    if (row < 0 || col < 0) {
        return OMP_PQ_CELL_NONE;
    }
    return (enum omp_pq_cell)(OMP_PQ_CELL_A1 + 5 * row + col);
}

const char *omp_pq_cell_name(enum omp_pq_cell cell)
{
    static const char names[OMP_PQ_CELL_COUNT][3] = {
        "-",  "A1", "A2", "A3", "A4", "A5", "B1", "B2", "B3", "B4", "B5",
        "C1", "C2", "C3", "C4", "C5", "D1", "D2", "D3", "D4", "D5", "X1",
        "X2", "X3", "X4", "X5", "S1", "S2", "S3", "T1", "T2", "T3"};
    if ((unsigned)cell >= OMP_PQ_CELL_COUNT) {
        return "-";
    }
    return names[cell];
}

/* ---- positions --------------------------------------------------------------------------- */

/* The instant @p back samples before the cycle's closing crossing. */
static struct omp_pq_pos pos_back(const struct omp_cycle *c, float back)
{
    struct omp_pq_pos p;
    float x = c->end_frac + back;
    if (!(x >= 0.0f)) {
        x = 0.0f;
    }
    float whole = floorf(x);
    uint64_t w = (uint64_t)whole;
    p.sample = w <= c->end_sample ? c->end_sample - w : 0u;
    p.frac = x - whole;
    return p;
}

static double pos_diff_s(const struct omp_pq_ev *d, struct omp_pq_pos a, struct omp_pq_pos b)
{
    double n = (double)(int64_t)(b.sample - a.sample) - ((double)b.frac - (double)a.frac);
    return n / (double)d->cfg.fs_hz;
}

static void note_add(struct omp_pq_ev_notes *out, enum omp_pq_note_kind k,
                     const struct omp_pq_event *ev)
{
    if (out != NULL && out->n < OMP_PQ_EV_NOTES_MAX) {
        out->note[out->n] = (uint8_t)k;
        out->ev[out->n] = *ev;
        out->n++;
    }
}

/* ---- dips, swells, interruptions --------------------------------------------------------- */

static void ev_open(struct omp_pq_ev *d, uint8_t kind, float u, struct omp_pq_pos pos, float ref,
                    struct omp_pq_ev_notes *out)
{
    d->ev_kind = kind;
    d->ev_start = pos;
    d->ev_level_v = u;
    d->ev_ref_v = ref;
    struct omp_pq_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = kind;
    ev.cell = OMP_PQ_CELL_NONE;
    ev.start = pos;
    ev.level_v = u;
    ev.ref_v = ref;
    note_add(out, OMP_PQ_NOTE_START, &ev);
}

static void ev_close(struct omp_pq_ev *d, struct omp_pq_pos pos, struct omp_pq_ev_notes *out)
{
    struct omp_pq_event ev;
    memset(&ev, 0, sizeof ev);
    double t = pos_diff_s(d, d->ev_start, pos);
    float u_pct = 100.0f * d->ev_level_v / d->ev_ref_v;
    ev.kind = d->ev_kind;
    ev.cell = (uint8_t)omp_pq_cell_of(d->ev_kind == OMP_PQ_EV_SWELL, t, u_pct);
    ev.start = d->ev_start;
    ev.duration_s = (float)t;
    ev.level_v = d->ev_level_v;
    ev.ref_v = d->ev_ref_v;
    note_add(out, OMP_PQ_NOTE_END, &ev);
    d->ev_kind = OMP_PQ_EV_NONE;
    d->last_end = pos.sample;
    d->any_event = true;
}

/* Open an event if @p u crosses a start threshold of reference @p ref. */
static void ev_maybe_open(struct omp_pq_ev *d, float u, struct omp_pq_pos pos, float ref,
                          struct omp_pq_ev_notes *out)
{
    const struct omp_pq_ev_cfg *c = &d->cfg;
    if (u < ref * c->dip_pct / 100.0f) {
        uint8_t kind = u < ref * c->intr_pct / 100.0f ? OMP_PQ_EV_INTERRUPTION : OMP_PQ_EV_DIP;
        ev_open(d, kind, u, pos, ref, out);
    } else if (u > ref * c->swell_pct / 100.0f) {
        ev_open(d, OMP_PQ_EV_SWELL, u, pos, ref, out);
    }
}

static void voltage_refresh(struct omp_pq_ev *d, float u, struct omp_pq_pos pos,
                            struct omp_pq_ev_notes *out)
{
    const struct omp_pq_ev_cfg *c = &d->cfg;
    float ref = d->ev_ref_v;
    if (d->ev_kind == OMP_PQ_EV_NONE) {
        ev_maybe_open(d, u, pos, omp_pq_ev_reference(d), out);
    } else if (d->ev_kind == OMP_PQ_EV_SWELL) {
        if (u <= ref * (c->swell_pct - c->hyst_pct) / 100.0f) {
            ev_close(d, pos, out);
            ev_maybe_open(d, u, pos, omp_pq_ev_reference(d), out);
        } else if (u > d->ev_level_v) {
            d->ev_level_v = u;
        }
    } else if (u >= ref * (c->dip_pct + c->hyst_pct) / 100.0f) {
        ev_close(d, pos, out);
        ev_maybe_open(d, u, pos, omp_pq_ev_reference(d), out);
    } else {
        if (u < d->ev_level_v) {
            d->ev_level_v = u;
        }
        if (d->ev_kind == OMP_PQ_EV_DIP && u < ref * c->intr_pct / 100.0f) {
            /* the dip becomes an interruption: one event, a second START note at this refresh */
            struct omp_pq_event ev;
            memset(&ev, 0, sizeof ev);
            d->ev_kind = OMP_PQ_EV_INTERRUPTION;
            ev.kind = OMP_PQ_EV_INTERRUPTION;
            ev.start = pos;
            ev.level_v = u;
            ev.ref_v = ref;
            note_add(out, OMP_PQ_NOTE_START, &ev);
        }
    }
}

/* ---- rapid voltage changes --------------------------------------------------------------- */

/* Add @p u to the run of values within +-band of the run's mean; restart the run with @p u
 * alone when it would leave the band. Returns false on a restart. The mean is kept, not the sum:
 * a float sum of 230 V values loses its units above 2^24 (73 000 values, 12 min), and past
 * UINT16_MAX values the count saturates and the mean becomes a moving one of that length. */
static bool run_add(struct omp_pq_ev *d, float u, struct omp_pq_pos pos, float band)
{
    if (d->ss_n > 0u) {
        float mean = d->ss_mean_v + (u - d->ss_mean_v) / ((float)d->ss_n + 1.0f);
        float lo = u < d->ss_min_v ? u : d->ss_min_v;
        float hi = u > d->ss_max_v ? u : d->ss_max_v;
        if (hi - mean <= band && mean - lo <= band) {
            d->ss_mean_v = mean;
            d->ss_min_v = lo;
            d->ss_max_v = hi;
            if (d->ss_n < UINT16_MAX) {
                d->ss_n++;
            }
            return true;
        }
    }
    d->ss_mean_v = u;
    d->ss_min_v = u;
    d->ss_max_v = u;
    d->ss_n = 1u;
    d->ss_first = pos;
    return false;
}

static void rvc_close(struct omp_pq_ev *d, struct omp_pq_ev_notes *out)
{
    struct omp_pq_event ev;
    memset(&ev, 0, sizeof ev);
    float mean_new = d->ss_mean_v;
    ev.kind = OMP_PQ_EV_RVC;
    ev.cell = OMP_PQ_CELL_NONE;
    ev.start = d->rvc_start;
    ev.duration_s = (float)pos_diff_s(d, d->rvc_start, d->ss_first);
    ev.level_v = d->rvc_max_v;
    ev.ref_v = omp_pq_ev_reference(d);
    ev.delta_ss_v = fabsf(mean_new - d->rvc_mean_v);
    note_add(out, OMP_PQ_NOTE_END, &ev);
}

static void rvc_refresh(struct omp_pq_ev *d, float u, struct omp_pq_pos pos,
                        struct omp_pq_ev_notes *out)
{
    float ref = omp_pq_ev_reference(d);
    float thr = ref * d->cfg.rvc_pct / 100.0f;
    uint32_t need = 2u * d->cfg.mains_hz;
    if (d->ev_kind != OMP_PQ_EV_NONE) {
        /* a dip or swell is no RVC, and the steady state must be found anew after it */
        d->rvc_state = RVC_INIT;
        d->ss_n = 0u;
        return;
    }
    if (d->rvc_state == RVC_STEADY) {
        float mean = d->ss_mean_v;
        if (fabsf(u - mean) > thr) {
            d->rvc_state = RVC_ACTIVE;
            d->rvc_start = pos;
            d->rvc_mean_v = mean;
            d->rvc_max_v = fabsf(u - mean);
            d->ss_n = 0u;
            (void)run_add(d, u, pos, thr);
        } else if (!run_add(d, u, pos, thr)) {
            d->rvc_state = RVC_INIT;
        }
        return;
    }
    if (d->rvc_state == RVC_ACTIVE) {
        float dev = fabsf(u - d->rvc_mean_v);
        if (dev > d->rvc_max_v) {
            d->rvc_max_v = dev;
        }
        (void)run_add(d, u, pos, ref * d->cfg.rvc_hyst_pct / 100.0f);
        if (d->ss_n >= need) {
            rvc_close(d, out);
            d->rvc_state = RVC_STEADY;
        }
        return;
    }
    (void)run_add(d, u, pos, thr);
    if (d->ss_n >= need) {
        d->rvc_state = RVC_STEADY;
    }
}

/* ---- the cycle record -------------------------------------------------------------------- */

static void usr_update(struct omp_pq_ev *d, const struct omp_cycle *c)
{
    uint8_t block = (uint8_t)(d->cfg.mains_hz / 5u); /* 10 cycles at 50 Hz, 12 at 60 Hz */
    d->acc10_v2 += c->urms_v * c->urms_v;
    d->n10++;
    if (d->n10 < block) {
        return;
    }
    float u10 = sqrtf(d->acc10_v2 / (float)block);
    d->acc10_v2 = 0.0f;
    d->n10 = 0u;
    if (d->ev_kind == OMP_PQ_EV_NONE && isfinite(u10)) {
        d->usr_v = USR_KEEP * d->usr_v + USR_TAKE * u10;
    }
}

void omp_pq_ev_on_cycle(struct omp_pq_ev *d, const struct omp_cycle *c, struct omp_pq_ev_notes *out)
{
    if (out != NULL) {
        out->n = 0u;
    }
    if (d == NULL || c == NULL) {
        return;
    }
    float half = c->period_s > 0.0f ? 0.5f * c->period_s * (float)d->cfg.fs_hz : 0.0f;
    struct omp_pq_pos pos[2];
    pos[0] = pos_back(c, half);
    pos[1] = pos_back(c, 0.0f);
    for (unsigned k = 0; k < 2u; k++) {
        float u = c->urms_half_v[k];
        if (!isfinite(u) || u < 0.0f) {
            continue;
        }
        voltage_refresh(d, u, pos[k], out);
        rvc_refresh(d, u, pos[k], out);
    }
    if (d->cfg.sliding_ref && isfinite(c->urms_v)) {
        usr_update(d, c);
    }
}

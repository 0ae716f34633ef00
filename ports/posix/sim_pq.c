/*
 * Power quality in omnipower-sim (docs/simulator.md "Power quality"): the run's EN 50160 events
 * (collected after every step: the meter keeps only its last OMP_METER_PQ_EVENTS), their display
 * lines, the `pq` member of --json and the weekly report of --report.
 */
#include "omnipower/sim_pq.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define WEEK_S (7 * 86400)

const char *sim_pq_kind_name(unsigned kind)
{
    switch (kind) {
    case OMP_PQ_EV_DIP:
        return "dip";
    case OMP_PQ_EV_SWELL:
        return "swell";
    case OMP_PQ_EV_INTERRUPTION:
        return "interruption";
    case OMP_PQ_EV_RVC:
        return "rvc";
    default:
        return NULL;
    }
}

int sim_pq_iso_ms(double utc, char *out, size_t cap)
{
    char s[24];
    if (out == NULL || cap < 25u || !isfinite(utc) || utc < 0.0 || utc > 253402300799.0) {
        return -1;
    }
    const double ms = floor(utc * 1000.0 + 0.5);
    const omp_time_s sec = (omp_time_s)floor(ms / 1000.0);
    const unsigned frac = (unsigned)(ms - (double)sec * 1000.0);
    if (omp_iso8601_format(sec, s, sizeof s) != OMP_OK) {
        return -1;
    }
    const size_t len = strlen(s); /* "...:SSZ": the milliseconds go before the Z */
    if (len < 2u || s[len - 1u] != 'Z') {
        return -1;
    }
    s[len - 1u] = '\0';
    const int w = snprintf(out, cap, "%s.%03uZ", s, frac);
    return w > 0 && (size_t)w < cap ? 0 : -1;
}

int sim_pq_line(const struct sim_pq_event *e, char *out, size_t cap)
{
    char t[32];
    const char *kind = e != NULL ? sim_pq_kind_name(e->kind) : NULL;
    if (kind == NULL || out == NULL || sim_pq_iso_ms(e->start_utc, t, sizeof t) != 0) {
        return -1;
    }
    const char *what = e->kind == OMP_PQ_EV_SWELL ? "max"
                       : e->kind == OMP_PQ_EV_RVC ? "delta max"
                                                  : "residual";
    const int w = snprintf(out, cap, "PQ %s %s %.3f s %s %.1f V cell %s", kind, t,
                           (double)e->duration_s, what, (double)e->level_v,
                           omp_pq_cell_name((enum omp_pq_cell)e->cell));
    return w > 0 && (size_t)w < cap ? 0 : -1;
}

static bool append(struct sim_pq *p, const struct sim_pq_event *e)
{
    if (p->n == p->cap) {
        const size_t cap = p->cap == 0u ? 64u : 2u * p->cap;
        struct sim_pq_event *ev = realloc(p->ev, cap * sizeof *ev);
        if (ev == NULL) {
            p->oom = true;
            return false;
        }
        p->ev = ev;
        p->cap = cap;
    }
    p->ev[p->n++] = *e;
    return true;
}

size_t sim_pq_collect(struct sim_pq *p, const struct omp_meter *m, FILE *display,
                      const char *now_iso)
{
    struct omp_meter_pq_view v;
    if (p == NULL || omp_meter_pq(m, &v) != OMP_OK || v.events == p->taken) {
        return 0u;
    }
    uint32_t fresh = v.events - p->taken;
    if (fresh > OMP_METER_PQ_EVENTS) { /* more in one step than the meter keeps */
        p->lost += fresh - OMP_METER_PQ_EVENTS;
        fresh = OMP_METER_PQ_EVENTS;
    }
    size_t taken = 0u;
    for (uint32_t age = fresh; age-- > 0u;) { /* oldest first */
        struct omp_pq_event ev;
        double start = 0.0;
        if (omp_meter_pq_event(m, age, &ev, &start) != OMP_OK) {
            continue;
        }
        const struct sim_pq_event e = {start, ev.duration_s, ev.level_v, ev.kind, ev.cell};
        if (!append(p, &e)) {
            continue;
        }
        taken++;
        char line[128];
        if (display != NULL && sim_pq_line(&e, line, sizeof line) == 0) {
            (void)fprintf(display, "%s%s%s\n", now_iso != NULL ? now_iso : "",
                          now_iso != NULL ? "  " : "", line);
        }
    }
    p->taken = v.events;
    return taken;
}

/* ---- JSON ----------------------------------------------------------------------------------- */

static void num(FILE *f, double v, int decimals)
{
    if (isfinite(v)) {
        (void)fprintf(f, "%.*f", decimals, v);
    } else {
        (void)fputs("null", f);
    }
}

static void iso_s(FILE *f, int64_t t)
{
    char s[24];
    if (omp_iso8601_format((omp_time_s)t, s, sizeof s) == OMP_OK) {
        (void)fprintf(f, "\"%s\"", s);
    } else {
        (void)fputs("null", f);
    }
}

static void value(FILE *f, const struct omp_pq_value *v, double f_hz)
{
    if (v == NULL) {
        (void)fputs("null", f);
        return;
    }
    (void)fputs("{\"urms_v\":", f);
    num(f, (double)v->urms_v, 3);
    (void)fputs(",\"frequency_hz\":", f);
    num(f, f_hz, 4);
    (void)fputs(",\"thd_u_pct\":", f);
    num(f, v->harm_valid ? (double)v->thd_u_pct : NAN, 3);
    (void)fputs(",\"thd_i_pct\":", f);
    num(f, v->harm_valid ? (double)v->thd_i_pct : NAN, 3);
    (void)fputs(",\"harmonics_u_pct\":", f);
    if (!v->harm_valid) {
        (void)fputs("null", f);
    } else {
        for (unsigned h = 2u; h <= v->h_max && h <= OMP_PQ_H_MAX; h++) {
            (void)fprintf(f, "%s\"%u\":", h == 2u ? "{" : ",", h);
            num(f, (double)v->harm_u_pct[h], 3);
        }
        (void)fputs(v->h_max >= 2u ? "}" : "{}", f);
    }
    (void)fprintf(f, ",\"flagged\":%s}", v->flagged ? "true" : "false");
}

static void event_json(FILE *f, const struct sim_pq_event *e)
{
    char t[32];
    const char *kind = sim_pq_kind_name(e->kind);
    (void)fputs("{\"kind\":", f);
    if (kind != NULL) {
        (void)fprintf(f, "\"%s\"", kind);
    } else {
        (void)fputs("null", f);
    }
    (void)fputs(",\"start\":", f);
    if (sim_pq_iso_ms(e->start_utc, t, sizeof t) == 0) {
        (void)fprintf(f, "\"%s\"", t);
    } else {
        (void)fputs("null", f);
    }
    (void)fputs(",\"duration_s\":", f);
    num(f, (double)e->duration_s, 3);
    const bool low = e->kind == OMP_PQ_EV_DIP || e->kind == OMP_PQ_EV_INTERRUPTION;
    (void)fprintf(f, ",\"%s\":", low ? "residual_v" : "max_v");
    num(f, (double)e->level_v, 2);
    (void)fputs(",\"cell\":", f);
    if (e->cell != OMP_PQ_CELL_NONE && e->cell < OMP_PQ_CELL_COUNT) {
        (void)fprintf(f, "\"%s\"", omp_pq_cell_name((enum omp_pq_cell)e->cell));
    } else {
        (void)fputs("null", f);
    }
    (void)fputc('}', f);
}

void sim_pq_json(FILE *f, const struct sim_pq *p, const struct omp_meter *m, uint32_t fs_hz)
{
    struct omp_meter_pq_view v;
    memset(&v, 0, sizeof v);
    if (omp_meter_pq(m, &v) != OMP_OK) {
        memset(&v, 0, sizeof v);
    }
    double fi = NAN; /* the interval's own frequency: its cycles over its length */
    if (v.interval != NULL && v.interval->end_pos > v.interval->start_pos && fs_hz != 0u) {
        fi = (double)v.interval->n / (v.interval->end_pos - v.interval->start_pos) *
             (double)fs_hz;
    }
    const double f10 = v.freq != NULL && v.freq->cycles != 0u ? (double)v.freq->f_hz : NAN;
    (void)fputs("\"pq\":{\"interval\":", f);
    value(f, v.interval, fi);
    (void)fputs(",\"ten_min\":", f);
    value(f, v.ten_min, f10);
    (void)fputs(",\"events\":[", f);
    for (size_t k = 0; p != NULL && k < p->n; k++) {
        if (k != 0u) {
            (void)fputc(',', f);
        }
        event_json(f, &p->ev[k]);
    }
    (void)fputs("]}", f);
}

/* ---- the weekly report ---------------------------------------------------------------------- */

static const char *verdict_name(unsigned v)
{
    return v == OMP_PQ_COMPLIANT ? "compliant" : v == OMP_PQ_NOT_COMPLIANT ? "not_compliant"
                                                                            : "no_data";
}

static void result_json(FILE *f, const struct omp_pq_week_result *r)
{
    (void)fprintf(f, "\"valid\":%lu,\"within\":%lu,\"flagged\":%lu,\"share_pct\":",
                  (unsigned long)r->valid, (unsigned long)r->within, (unsigned long)r->flagged);
    if (r->verdict == OMP_PQ_NO_DATA) {
        (void)fputs("null", f);
    } else {
        num(f, (double)r->share_pct, 3);
    }
    (void)fprintf(f, ",\"verdict\":\"%s\"", verdict_name(r->verdict));
}

/* The rule of quantity @p q in words, with the limits of this week's Un and fn. */
static void rule(char *out, size_t cap, enum omp_pq_week_q q, double un, double fn)
{
    switch (q) {
    case OMP_PQ_WEEK_U95:
        (void)snprintf(out, cap, "10-min rms voltage within Un +-10 %% (%.1f..%.1f V) for at "
                       "least 95 %% of the valid values", un * 0.9, un * 1.1);
        break;
    case OMP_PQ_WEEK_U100:
        (void)snprintf(out, cap, "10-min rms voltage within Un +10 %%/-15 %% (%.1f..%.1f V) for "
                       "100 %% of the valid values", un * 0.85, un * 1.1);
        break;
    case OMP_PQ_WEEK_F995:
        (void)snprintf(out, cap, "10-s frequency within fn +-1 %% (%.2f..%.2f Hz) for at least "
                       "99.5 %% of the valid values", fn * 0.99, fn * 1.01);
        break;
    case OMP_PQ_WEEK_F100:
        (void)snprintf(out, cap, "10-s frequency within fn +4 %%/-6 %% (%.2f..%.2f Hz) for 100 %% "
                       "of the valid values", fn * 0.94, fn * 1.04);
        break;
    case OMP_PQ_WEEK_THD:
        (void)snprintf(out, cap, "10-min THD-U at most 8 %% for at least 95 %% of the valid "
                       "values");
        break;
    default:
        (void)snprintf(out, cap, "every 10-min harmonic level 2..25 within its limit for at "
                       "least 95 %% of the valid values");
        break;
    }
}

static void week_json(FILE *f, const struct omp_pq_week *w, int64_t start, bool complete,
                      bool running)
{
    static const char *const k_q[OMP_PQ_WEEK_Q_COUNT] = {
        "voltage_95", "voltage_100", "frequency_99_5", "frequency_100", "thd_u", "harmonics"};
    (void)fputs("{\"start\":", f);
    iso_s(f, start);
    (void)fputs(",\"end\":", f);
    iso_s(f, start + WEEK_S);
    (void)fprintf(f, ",\"running\":%s,\"complete\":%s,\"un_v\":", running ? "true" : "false",
                  complete ? "true" : "false");
    num(f, (double)w->un_v, 1);
    (void)fputs(",\"fn_hz\":", f);
    num(f, (double)w->fn_hz, 1);
    (void)fputs(",\"quantities\":{", f);
    for (unsigned q = 0; q < OMP_PQ_WEEK_Q_COUNT; q++) {
        struct omp_pq_week_result r;
        char text[160];
        if (omp_pq_week_get(w, (enum omp_pq_week_q)q, &r) != OMP_OK) {
            memset(&r, 0, sizeof r);
        }
        rule(text, sizeof text, (enum omp_pq_week_q)q, (double)w->un_v, (double)w->fn_hz);
        (void)fprintf(f, "%s\"%s\":{", q == 0u ? "" : ",", k_q[q]);
        result_json(f, &r);
        (void)fprintf(f, ",\"rule\":\"%s\"}", text);
    }
    (void)fputs("},\"harmonics\":{", f);
    for (unsigned h = OMP_PQ_WEEK_H_MIN; h <= OMP_PQ_WEEK_H_MAX; h++) {
        struct omp_pq_week_result r;
        if (omp_pq_week_harmonic(w, h, &r) != OMP_OK) {
            memset(&r, 0, sizeof r);
        }
        (void)fprintf(f, "%s\"%u\":{\"limit_pct\":", h == OMP_PQ_WEEK_H_MIN ? "" : ",", h);
        num(f, (double)omp_pq_harmonic_limit_pct(h), 1);
        (void)fputc(',', f);
        result_json(f, &r);
        (void)fputc('}', f);
    }
    (void)fputs("},\"events\":{", f);
    for (unsigned c = 1u; c < OMP_PQ_CELL_COUNT; c++) {
        (void)fprintf(f, "%s\"%s\":%u", c == 1u ? "" : ",",
                      omp_pq_cell_name((enum omp_pq_cell)c), (unsigned)w->cells[c]);
    }
    (void)fprintf(f, ",\"unclassified\":%u,\"rvc\":%u}}", (unsigned)w->cells[0],
                  (unsigned)w->rvc);
}

void sim_pq_report(FILE *f, const struct omp_meter *m, int64_t run_start_utc,
                   int64_t run_end_utc)
{
    struct omp_meter_pq_view v;
    memset(&v, 0, sizeof v);
    if (omp_meter_pq(m, &v) != OMP_OK) {
        memset(&v, 0, sizeof v);
    }
    (void)fputs("{\"standard\":\"EN 50160\",\"run\":{\"start\":", f);
    iso_s(f, run_start_utc);
    (void)fputs(",\"end\":", f);
    iso_s(f, run_end_utc);
    (void)fputs("},\"weeks\":[", f);
    const int64_t ws = v.week_start;
    if (v.week_done != NULL && ws != 0) { /* the week before the running one */
        week_json(f, v.week_done, ws - WEEK_S, run_start_utc <= ws - WEEK_S, false);
    }
    if (ws != 0) { /* complete: the run began by its start and its last 10-min value is in */
        const bool all = run_start_utc <= ws && v.ten_min != NULL &&
                         v.ten_min->stamp == ws + WEEK_S;
        (void)fputs(v.week_done != NULL ? "," : "", f);
        week_json(f, v.week, ws, all, true);
    }
    (void)fputs("]}\n", f);
}

void sim_pq_free(struct sim_pq *p)
{
    if (p != NULL) {
        free(p->ev);
        p->ev = NULL;
        p->n = 0u;
        p->cap = 0u;
    }
}

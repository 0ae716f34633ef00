/* omnipower-sim: --export NAME=FILE, the meter's logs as CSV. See sim_export.h and
 * docs/simulator.md "Exporting the logs (--export)". */
#include "sim_export.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "omnipower/logger.h"

#define PROG "omnipower-sim"
#define EXIT_USAGE 2

static const char *const k_names[SIM_LOG_COUNT] = { "load_profile", "analysis", "events",
                                                    "billing" };

const char *sim_export_name(enum sim_log log)
{
    return (unsigned)log < SIM_LOG_COUNT ? k_names[log] : "?";
}

static int export_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int export_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)fputs(PROG ": ", stderr);
    (void)vfprintf(stderr, fmt, ap);
    (void)fputs("\nTry '" PROG " --help' for more information.\n", stderr);
    va_end(ap);
    return EXIT_USAGE;
}

int sim_export_option(struct sim_exports *x, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (eq == NULL) {
        return export_usage("invalid --export '%s' (NAME=FILE, NAME one of load_profile, "
                            "analysis, events, billing)", arg);
    }
    const size_t len = (size_t)(eq - arg);
    unsigned k = 0;
    while (k < SIM_LOG_COUNT && (strlen(k_names[k]) != len || strncmp(arg, k_names[k], len) != 0)) {
        k++;
    }
    if (k == SIM_LOG_COUNT) {
        return export_usage("invalid --export '%s': '%.*s' is not a log (load_profile, analysis, "
                            "events, billing)", arg, (int)len, arg);
    }
    if (eq[1] == '\0') {
        return export_usage("invalid --export '%s': a file name is missing after '='", arg);
    }
    if (x->file[k] != NULL) {
        return export_usage("--export %s given twice (%s, %s)", k_names[k], x->file[k], eq + 1);
    }
    for (unsigned j = 0; j < SIM_LOG_COUNT; j++) {
        if (x->file[j] != NULL && strcmp(x->file[j], eq + 1) == 0) {
            return export_usage("--export %s and %s name the same file %s", k_names[j],
                                k_names[k], eq + 1);
        }
    }
    x->file[k] = eq + 1;
    return -1;
}

enum sim_log sim_export_unavailable(const struct sim_exports *x)
{
    if (x->file[SIM_LOG_ANALYSIS] != NULL) {
        return SIM_LOG_ANALYSIS;
    }
    return x->file[SIM_LOG_EVENTS] != NULL ? SIM_LOG_EVENTS : SIM_LOG_COUNT;
}

/* ---- fields --------------------------------------------------------------------------------- */

struct flag_name {
    uint32_t bit;
    const char *name;
};

/* LoggerStatus and DataQuality (docs/logger.md "Status words", logger.h). */
static const struct flag_name k_lp_status[] = {
    { OMP_LP_ST_INVALID, "invalid" },
    { OMP_LP_ST_DISCONTINUITY, "discontinuity" },
    { OMP_LP_ST_RECONFIGURED, "reconfigured" },
    { OMP_LP_ST_INTERVAL_CHANGED, "interval_changed" },
    { 0u, NULL },
};

static const struct flag_name k_lp_quality[] = {
    { OMP_LP_DQ_CLOCK_7_15, "clock_set_7_15" },
    { OMP_LP_DQ_CLOCK_15_30, "clock_set_15_30" },
    { OMP_LP_DQ_CLOCK_30_60, "clock_set_30_60" },
    { OMP_LP_DQ_CLOCK_OVER_60, "clock_set_over_60" },
    { OMP_LP_DQ_CLOCK_FORWARD, "clock_forward" },
    { OMP_LP_DQ_CLOCK_BACKWARD, "clock_backward" },
    { OMP_LP_DQ_LEGAL, "legal_parameter_error" },
    { OMP_LP_DQ_OVERVOLTAGE, "overvoltage" },
    { OMP_LP_DQ_UNDERVOLTAGE, "undervoltage" },
    { OMP_LP_DQ_NEUTRAL, "neutral_fault" },
    { OMP_LP_DQ_OUTAGE, "outage" },
    { 0u, NULL },
};

/* The debiting snapshot's quality (registers.h OMP_REGS_Q_*). */
static const struct flag_name k_billing_quality[] = {
    { OMP_REGS_Q_POWER_CUT, "power_cut" },
    { OMP_REGS_Q_CLOCK_SET, "clock_set" },
    { OMP_REGS_Q_CLOCK_BAD, "clock_bad" },
    { OMP_REGS_Q_LATE, "late" },
    { OMP_REGS_Q_COMMANDED, "commanded" },
    { OMP_REGS_Q_DST, "dst" },
    { OMP_REGS_Q_SKIPPED, "skipped" },
    { 0u, NULL },
};

/* ",0x0440,outage|..." : the word raw (hex, at least 4 digits) and its set bits by name, lowest
 * bit first, joined by '|'; a bit without a name is "bitN". */
static void put_word(FILE *f, uint32_t word, const struct flag_name *names)
{
    (void)fprintf(f, ",0x%04lx,", (unsigned long)word);
    const char *sep = "";
    for (unsigned b = 0; b < 32u; b++) {
        const uint32_t bit = (uint32_t)1u << b;
        if ((word & bit) == 0u) {
            continue;
        }
        const struct flag_name *n = names;
        while (n->name != NULL && n->bit != bit) {
            n++;
        }
        if (n->name != NULL) {
            (void)fprintf(f, "%s%s", sep, n->name);
        } else {
            (void)fprintf(f, "%sbit%u", sep, b);
        }
        sep = "|";
    }
}

/* ",2026-01-01T00:15:00Z"; an empty field for no time (0). */
static void put_utc(FILE *f, omp_time_s t)
{
    char text[24] = "";
    if (t != 0 && omp_iso8601_format(t, text, sizeof text) != OMP_OK) {
        text[0] = '\0';
    }
    (void)fprintf(f, ",%s", text);
}

/* ",2026-01-01T01:15:00+01:00": @p t in normal time, UTC + @p offset_min (no DST). */
static void put_normal(FILE *f, omp_time_s t, int32_t offset_min)
{
    struct omp_datetime d;
    if (t == 0 || omp_time_to_datetime(t + (omp_time_s)offset_min * 60, &d) != OMP_OK) {
        (void)fputc(',', f);
        return;
    }
    const int32_t a = offset_min < 0 ? -offset_min : offset_min;
    (void)fprintf(f, ",%04u-%02u-%02uT%02u:%02u:%02u%c%02ld:%02ld", (unsigned)d.year,
                  (unsigned)d.month, (unsigned)d.day, (unsigned)d.hour, (unsigned)d.minute,
                  (unsigned)d.second, offset_min < 0 ? '-' : '+', (long)(a / 60), (long)(a % 60));
}

/* ",123.456789": micro-units as the unit with six decimals (exact). */
static void put_micro(FILE *f, uint64_t micro)
{
    (void)fprintf(f, ",%llu.%06llu", (unsigned long long)(micro / 1000000u),
                  (unsigned long long)(micro % 1000000u));
}

/* ---- the load profile ----------------------------------------------------------------------- */

/* A capture object's column name: the energy registers by name and unit, others by OBIS. */
static void put_column_name(FILE *f, const struct omp_logger_col *c)
{
    static const char *const k_energy[5] = { NULL, "a_plus_wh", "a_minus_wh", "r_plus_varh",
                                             "r_minus_varh" };
    const uint8_t *o = c->obis;
    if (o[0] == 1u && o[2] >= 1u && o[2] <= 4u && o[3] == 8u && o[4] == 0u && c->attr == 2u) {
        (void)fprintf(f, ",%s", k_energy[o[2]]);
    } else {
        (void)fprintf(f, ",obis_%u_%u_%u_%u_%u_%u_attr_%u", (unsigned)o[0], (unsigned)o[1],
                      (unsigned)o[2], (unsigned)o[3], (unsigned)o[4], (unsigned)o[5],
                      (unsigned)c->attr);
    }
}

static void lp_row(FILE *f, const struct omp_profile *p, uint32_t index,
                   const struct omp_plog_entry *e, int32_t offset_min)
{
    const bool invalid = (e->status & OMP_PLOG_ST_INVALID) != 0u;
    (void)fprintf(f, "%lu", (unsigned long)index);
    put_utc(f, invalid ? 0 : e->t);
    put_normal(f, invalid ? 0 : e->t, offset_min);
    put_word(f, e->status, k_lp_status);
    put_word(f, e->quality, k_lp_quality);
    for (unsigned k = 0; k < p->cfg.columns; k++) {
        if (invalid) {
            (void)fputc(',', f);
        } else {
            (void)fprintf(f, ",%lld", (long long)e->v[k]);
        }
    }
    (void)fputc('\n', f);
}

int sim_export_load_profile(FILE *f, const struct omp_meter *m, int32_t utc_offset_min)
{
    const struct omp_profile *p = omp_meter_load_profile(m);
    if (p == NULL) {
        return 1;
    }
    (void)fputs("entry,time_utc,time_normal,logger_status,logger_status_flags,data_quality,"
                "data_quality_flags", f);
    for (unsigned k = 0; k < p->cfg.columns; k++) {
        put_column_name(f, &p->cfg.col[k]);
    }
    (void)fputc('\n', f);
    struct omp_plog_cursor c;
    omp_err err = omp_plog_seek(&p->log, 1u, &c); /* the oldest held */
    uint32_t index = 0;                            /* DLMS entry index: 1 = the oldest */
    while (err == OMP_OK) {
        struct omp_plog_entry e;
        uint32_t no = 0;
        err = omp_plog_next(&p->log, &c, &e, &no);
        if (err == OMP_OK) {
            lp_row(f, p, ++index, &e, utc_offset_min);
        }
    }
    return err == OMP_ERR_NOT_FOUND ? 0 : 1;
}

/* ---- the billing log ------------------------------------------------------------------------ */

static void billing_header(FILE *f)
{
    (void)fputs("entry,stop_utc,capture_utc,billing_count,quality,quality_flags,hours,"
                "threshold_count,pulse_input,a_plus_wh,a_minus_wh,r_plus_varh,r_minus_varh,"
                "e_plus_vah,e_minus_vah,r1_varh,r2_varh,r3_varh,r4_varh", f);
    for (unsigned t = 1; t <= OMP_CONFIG_TARIFFS; t++) {
        (void)fprintf(f, ",a_plus_t%u_wh", t);
    }
    for (unsigned t = 1; t <= OMP_CONFIG_TARIFFS; t++) {
        (void)fprintf(f, ",r_plus_t%u_varh", t);
    }
    (void)fputs(",p_plus_max_w,p_plus_max_utc,p_plus_t1_max_w,p_plus_t1_max_utc,"
                "p_plus_t2_max_w,p_plus_t2_max_utc,q_plus_max_var,q_plus_max_utc,"
                "s_plus_max_va,s_plus_max_utc,s_minus_max_va,s_minus_max_utc,"
                "p_plus_acc_w,p_plus_t1_acc_w,p_plus_t2_acc_w,q_plus_acc_var\n", f);
}

static void put_peak(FILE *f, const struct omp_regs_peak *p)
{
    (void)fprintf(f, ",%lu", (unsigned long)p->value);
    put_utc(f, p->utc);
}

static void billing_row(FILE *f, uint32_t index, const struct omp_regs_snapshot *s)
{
    (void)fprintf(f, "%lu", (unsigned long)index);
    put_utc(f, s->utc);
    put_utc(f, s->capture_utc);
    (void)fprintf(f, ",%lu", (unsigned long)s->billing_count);
    put_word(f, s->quality, k_billing_quality);
    (void)fprintf(f, ",%lu,%lu,%llu.%03llu", (unsigned long)s->hours,
                  (unsigned long)s->threshold_count, (unsigned long long)(s->pulse_milli / 1000u),
                  (unsigned long long)(s->pulse_milli % 1000u));
    const struct omp_metro_energy *e = &s->energy.total;
    put_micro(f, e->a_plus_uwh);
    put_micro(f, e->a_minus_uwh);
    put_micro(f, e->r_plus_uvarh);
    put_micro(f, e->r_minus_uvarh);
    put_micro(f, e->e_plus_uvah);
    put_micro(f, e->e_minus_uvah);
    for (unsigned q = 0; q < 4u; q++) {
        put_micro(f, e->r_quadrant_uvarh[q]);
    }
    for (unsigned t = 0; t < OMP_CONFIG_TARIFFS; t++) {
        put_micro(f, s->energy.a_plus_t[t]);
    }
    for (unsigned t = 0; t < OMP_CONFIG_TARIFFS; t++) {
        put_micro(f, s->energy.r_plus_t[t]);
    }
    put_peak(f, &s->peaks.p_plus);
    put_peak(f, &s->peaks.p_plus_t[0]);
    put_peak(f, &s->peaks.p_plus_t[1]);
    put_peak(f, &s->peaks.q_plus);
    put_peak(f, &s->peaks.s_plus);
    put_peak(f, &s->peaks.s_minus);
    (void)fprintf(f, ",%llu,%llu,%llu,%llu\n", (unsigned long long)s->acc.p_plus,
                  (unsigned long long)s->acc.p_plus_t[0], (unsigned long long)s->acc.p_plus_t[1],
                  (unsigned long long)s->acc.q_plus);
}

int sim_export_billing(FILE *f, struct omp_meter *m)
{
    struct omp_meter_snapshot snap;
    if (omp_meter_snapshot(m, &snap) != OMP_OK) {
        return 1;
    }
    billing_header(f);
    const uint32_t n = snap.billing_entries;
    for (uint32_t age = n; age > 0u; age--) { /* the oldest first */
        struct omp_regs_snapshot s;
        if (omp_meter_billing_read(m, age - 1u, &s) != OMP_OK) {
            return 1;
        }
        billing_row(f, n - age + 1u, &s);
    }
    return 0;
}

/* ---- the files ------------------------------------------------------------------------------ */

static int write_one(enum sim_log log, const char *path, struct omp_meter *m, int32_t offset_min)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        (void)fprintf(stderr, PROG ": --export %s=%s: %s\n", k_names[log], path, strerror(errno));
        return 1;
    }
    const int st = log == SIM_LOG_LOAD_PROFILE ? sim_export_load_profile(f, m, offset_min)
                                               : sim_export_billing(f, m);
    const bool io_err = ferror(f) != 0;
    const int err_no = errno;
    if (fclose(f) != 0 || io_err) {
        (void)fprintf(stderr, PROG ": --export %s=%s: %s\n", k_names[log], path,
                      strerror(io_err ? err_no : errno));
        return 1;
    }
    if (st != 0) {
        (void)fprintf(stderr, PROG ": --export %s=%s: the meter's %s could not be read whole (the "
                              "file holds what could)\n",
                      k_names[log], path,
                      log == SIM_LOG_LOAD_PROFILE ? "load profile" : "billing log");
    }
    return st;
}

int sim_export_write(const struct sim_exports *x, struct omp_meter *m, int32_t utc_offset_min)
{
    int status = 0;
    static const enum sim_log k_kept[2] = { SIM_LOG_LOAD_PROFILE, SIM_LOG_BILLING };
    for (unsigned k = 0; k < 2u; k++) {
        if (x->file[k_kept[k]] != NULL &&
            write_one(k_kept[k], x->file[k_kept[k]], m, utc_offset_min) != 0) {
            status = 1;
        }
    }
    return status;
}

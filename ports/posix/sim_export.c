/* omnipower-sim: --export NAME=FILE, the meter's logs as CSV. See sim_export.h and
 * docs/simulator.md "Exporting the logs (--export)". */
#include "sim_export.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "omnipower/cosem.h"
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

/* ---- the load profile and the analysis logger ---------------------------------------------- */

/* A unit as a column name ends: "V" for 32.25.0_V; "" for none (a count, a power factor). */
static const char *unit_name(uint8_t unit)
{
    switch (unit) {
    case OMP_UNIT_HOUR: return "h";
    case OMP_UNIT_SECOND: return "s";
    case OMP_UNIT_W: return "W";
    case OMP_UNIT_VA: return "VA";
    case OMP_UNIT_VAR: return "var";
    case OMP_UNIT_WH: return "Wh";
    case OMP_UNIT_VAH: return "VAh";
    case OMP_UNIT_VARH: return "varh";
    case OMP_UNIT_A: return "A";
    case OMP_UNIT_V: return "V";
    case OMP_UNIT_HZ: return "Hz";
    case OMP_UNIT_PERCENT: return "percent";
    default: return "";
    }
}

/* A capture object's column name: the load profile's energy registers by name and unit
 * (a_plus_wh), the analysis logger's channels by reduced id and unit (32.25.0_V). */
static void put_column_name(FILE *f, const struct omp_logger_col *c, bool by_obis)
{
    static const char *const k_energy[5] = { NULL, "a_plus_wh", "a_minus_wh", "r_plus_varh",
                                             "r_minus_varh" };
    const uint8_t *o = c->obis;
    const struct omp_cosem_obj *obj = omp_cosem_find(o);
    char cde[12];
    if (!by_obis && o[0] == 1u && o[2] >= 1u && o[2] <= 4u && o[3] == 8u && o[4] == 0u &&
        c->attr == 2u) {
        (void)fprintf(f, ",%s", k_energy[o[2]]);
    } else if (obj != NULL && c->attr == 2u && omp_cosem_cde_text(o, cde, sizeof cde) == OMP_OK) {
        const char *unit = unit_name(obj->unit);
        (void)fprintf(f, ",%s%s%s", cde, unit[0] != '\0' ? "_" : "", unit);
    } else {
        (void)fprintf(f, ",obis_%u_%u_%u_%u_%u_%u_attr_%u", (unsigned)o[0], (unsigned)o[1],
                      (unsigned)o[2], (unsigned)o[3], (unsigned)o[4], (unsigned)o[5],
                      (unsigned)c->attr);
    }
}

/* ",230.0": @p v x 10^@p scaler written exactly (2300 with scaler -1; 5 with scaler 2: 500). */
static void put_scaled(FILE *f, int64_t v, int scaler)
{
    const char *sign = v < 0 ? "-" : "";
    const uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    if (scaler >= 0) {
        (void)fprintf(f, ",%s%llu", sign, (unsigned long long)mag);
        for (int k = 0; k < scaler && mag != 0u; k++) {
            (void)fputc('0', f);
        }
        return;
    }
    const int digits = -scaler < 19 ? -scaler : 19;
    uint64_t div = 1u;
    for (int k = 0; k < digits; k++) {
        div *= 10u;
    }
    (void)fprintf(f, ",%s%llu.%0*llu", sign, (unsigned long long)(mag / div), digits,
                  (unsigned long long)(mag % div));
}

/* The scaler of column @p c's values: the object's (classes 3 and 4), else 0. */
static int column_scaler(const struct omp_logger_col *c)
{
    const struct omp_cosem_obj *o = omp_cosem_find(c->obis);
    return o != NULL && (o->class_id == OMP_CLASS_REGISTER || o->class_id == OMP_CLASS_EXT_REGISTER)
               ? o->scaler
               : 0;
}

static void profile_row(FILE *f, const struct omp_profile *p, uint32_t index,
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
            put_scaled(f, e->v[k], column_scaler(&p->cfg.col[k]));
        }
    }
    (void)fputc('\n', f);
}

/* Profile @p p as CSV, its columns named by register (the load profile) or by OBIS (@p by_obis,
 * the analysis logger). @return 0, or 1 when it cannot be read. */
static int profile_csv(FILE *f, const struct omp_profile *p, int32_t offset_min, bool by_obis)
{
    if (p == NULL) {
        return 1;
    }
    (void)fputs("entry,time_utc,time_normal,logger_status,logger_status_flags,data_quality,"
                "data_quality_flags", f);
    for (unsigned k = 0; k < p->cfg.columns; k++) {
        put_column_name(f, &p->cfg.col[k], by_obis);
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
            profile_row(f, p, ++index, &e, offset_min);
        }
    }
    return err == OMP_ERR_NOT_FOUND ? 0 : 1;
}

int sim_export_load_profile(FILE *f, const struct omp_meter *m, int32_t utc_offset_min)
{
    return profile_csv(f, omp_meter_load_profile(m), utc_offset_min, false);
}

int sim_export_analysis(FILE *f, const struct omp_meter *m, int32_t utc_offset_min)
{
    return profile_csv(f, omp_meter_analysis_log(m), utc_offset_min, true);
}

/* ---- the event logs ------------------------------------------------------------------------- */

const char *sim_evlog_name(enum omp_evlog_kind kind)
{
    static const char *const k_logs[OMP_EVLOG_COUNT] = { "standard", "tamper", "pq",
                                                         "disconnect", "comm" };
    return (unsigned)kind < (unsigned)OMP_EVLOG_COUNT ? k_logs[kind] : "?";
}

/* An event code's name (evq.h); "unknown" for a code this version does not know (the reserved
 * breaker range), "invalid" for an entry that could not be read. */
static const char *event_name(uint16_t code)
{
    static const struct {
        uint16_t code;
        const char *name;
    } k_events[] = {
        { OMP_EV_NONE, "invalid" },
        { OMP_EV_CLOCK_SET, "clock_set" },
        { OMP_EV_POWER_DOWN, "power_down" },
        { OMP_EV_POWER_UP, "power_up" },
        { OMP_EV_COVER_OPEN, "cover_open" },
        { OMP_EV_COVER_CLOSED, "cover_closed" },
        { OMP_EV_TERMINAL_OPEN, "terminal_open" },
        { OMP_EV_TERMINAL_CLOSED, "terminal_closed" },
        { OMP_EV_MAGNETIC_START, "magnetic_start" },
        { OMP_EV_MAGNETIC_END, "magnetic_end" },
        { OMP_EV_CONFIG_CHANGED, "config_changed" },
        { OMP_EV_NVM_DAMAGED, "nvm_damaged" },
        { OMP_EV_NVM_ROLLED_BACK, "nvm_rolled_back" },
        { OMP_EV_LP_EVENT, "lp_event" },
        { OMP_EV_LOG_CLEARED, "log_cleared" },
        { OMP_EV_MONITOR_UP, "monitor_up" },
        { OMP_EV_MONITOR_DOWN, "monitor_down" },
        { OMP_EV_OPTICAL_PASSWORD_FAIL, "optical_password_fail" },
        { OMP_EV_OPTICAL_LOCKOUT, "optical_lockout" },
        { OMP_EV_DLMS_AUTH_FAIL, "dlms_auth_fail" },
        { OMP_EV_DLMS_REPLAY, "dlms_replay" },
        { OMP_EV_VQ + 0u, "vq_under_mean" },
        { OMP_EV_VQ + 1u, "vq_over_mean" },
        { OMP_EV_VQ + 2u, "vq_min_peak" },
        { OMP_EV_VQ + 3u, "vq_max_peak" },
        { OMP_EV_VQ + 4u, "vq_outage" },
        { OMP_EV_VQ + 5u, "vq_restored" },
        { OMP_EV_VQ + 6u, "vq_low_start" },
        { OMP_EV_VQ + 7u, "vq_low_stop" },
        { OMP_EV_VQ + 8u, "vq_high_start" },
        { OMP_EV_VQ + 9u, "vq_high_stop" },
        { OMP_EV_PQ_DIP, "pq_dip" },
        { OMP_EV_PQ_SWELL, "pq_swell" },
        { OMP_EV_PQ_INTERRUPTION, "pq_interruption" },
        { OMP_EV_PQ_RVC, "pq_rvc" },
        { OMP_EV_EVENTS_LOST, "events_lost" },
    };
    for (size_t k = 0; k < sizeof k_events / sizeof k_events[0]; k++) {
        if (k_events[k].code == code) {
            return k_events[k].name;
        }
    }
    return "unknown";
}

/* Event log @p kind's rows, the oldest first. @return 0, or 1 when it cannot be read. */
static int evlog_rows(FILE *f, const struct omp_evlog *l, enum omp_evlog_kind kind)
{
    struct omp_plog_cursor c;
    omp_err err = omp_plog_seek(&l->log, 1u, &c); /* the oldest held */
    uint32_t index = 0;                            /* 1 = the oldest held */
    while (err == OMP_OK) {
        struct omp_event ev;
        uint32_t no = 0;
        err = omp_evlog_next(l, &c, &ev, &no);
        if (err == OMP_OK) {
            (void)fprintf(f, "%s,%lu", sim_evlog_name(kind), (unsigned long)++index);
            put_utc(f, ev.code != OMP_EV_NONE ? ev.utc_s : 0);
            (void)fprintf(f, ",0x%04x,%s,%lu,0x%04x\n", (unsigned)ev.code, event_name(ev.code),
                          (unsigned long)ev.arg, (unsigned)ev.flags);
        }
    }
    return err == OMP_ERR_NOT_FOUND ? 0 : 1;
}

int sim_export_events(FILE *f, const struct omp_meter *m)
{
    (void)fputs("log,entry,time_utc,code,name,arg,flags\n", f);
    int st = 0;
    for (unsigned k = 0; k < OMP_EVLOG_COUNT; k++) {
        const struct omp_evlog *l = omp_meter_event_log(m, (enum omp_evlog_kind)k);
        if (l == NULL || evlog_rows(f, l, (enum omp_evlog_kind)k) != 0) {
            st = 1;
        }
    }
    return st;
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

/* Fields after `entry`: stop_utc .. r4_varh (18), two per tariff, 12 maxima and times, 4 acc. */
#define BILLING_FIELDS (18u + 2u * OMP_CONFIG_TARIFFS + 16u)

int sim_export_billing(FILE *f, const struct omp_meter *m)
{
    const struct omp_nvm_log *l = omp_meter_billing_log(m);
    if (l == NULL) {
        return 1;
    }
    billing_header(f);
    /* through the billing log's reading API (logger.h), as the other logs: a cursor from the
     * oldest held; `entry` is the DLMS entry index, 1 = the oldest */
    struct omp_billing_cursor c;
    omp_err err = omp_billing_seek(l, 1u, &c);
    uint32_t index = 0;
    while (err == OMP_OK) {
        struct omp_billing_entry e;
        uint32_t no = 0;
        err = omp_billing_next(l, &c, &e, &no);
        if (err == OMP_OK && (e.status & OMP_LP_ST_INVALID) != 0u) {
            /* unreadable (a CRC error): listed with its entry, every other field empty */
            (void)fprintf(f, "%lu", (unsigned long)++index);
            for (unsigned k = 0; k < BILLING_FIELDS; k++) {
                (void)fputc(',', f);
            }
            (void)fputc('\n', f);
        } else if (err == OMP_OK) {
            billing_row(f, ++index, &e.snap);
        }
    }
    return err == OMP_ERR_NOT_FOUND ? 0 : 1;
}

/* ---- the files ------------------------------------------------------------------------------ */

/* Log @p log of @p m as CSV on @p f. @return 0, or 1 when it cannot be read whole. */
static int write_log(enum sim_log log, FILE *f, struct omp_meter *m, int32_t offset_min)
{
    switch (log) {
    case SIM_LOG_LOAD_PROFILE:
        return sim_export_load_profile(f, m, offset_min);
    case SIM_LOG_ANALYSIS:
        return sim_export_analysis(f, m, offset_min);
    case SIM_LOG_EVENTS:
        return sim_export_events(f, m);
    default:
        return sim_export_billing(f, m);
    }
}

static int write_one(enum sim_log log, const char *path, struct omp_meter *m, int32_t offset_min)
{
    static const char *const k_what[SIM_LOG_COUNT] = { "load profile", "analysis logger",
                                                       "event logs", "billing log" };
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        (void)fprintf(stderr, PROG ": --export %s=%s: %s\n", k_names[log], path, strerror(errno));
        return 1;
    }
    const int st = write_log(log, f, m, offset_min);
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
                      k_names[log], path, k_what[log]);
    }
    return st;
}

int sim_export_write(const struct sim_exports *x, struct omp_meter *m, int32_t utc_offset_min)
{
    int status = 0;
    for (unsigned k = 0; k < SIM_LOG_COUNT; k++) {
        if (x->file[k] != NULL && write_one((enum sim_log)k, x->file[k], m, utc_offset_min) != 0) {
            status = 1;
        }
    }
    return status;
}

/* omnipower-sim: the logs in the NVM and the analysis logger's options. See sim_logs.h and
 * docs/simulator.md "The NVM file", "The analysis logger (--analysis)". */
#include "sim_logs.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "omnipower/axdr.h"
#include "omnipower/cosem.h"

#define PROG "omnipower-sim"
#define EXIT_USAGE 2
#define SECTOR OMP_POSIX_NVM_SECTOR_SIZE

/* ---- the NVM plan --------------------------------------------------------------------------- */

/* Sectors the load profile of @p codes needs for the data sheet's depth, the most any Z4 needs:
 * Z4 may change from run to run, the region may not (0: none possible). */
static uint32_t lp_need(const struct omp_mcfg *codes, const struct omp_nvm_geometry *geo)
{
    static const uint8_t k_periods[4] = { 5u, 15u, 30u, 60u };
    struct omp_meter_cfg cfg;
    omp_meter_cfg_default(&cfg);
    if (omp_meter_cfg_from_codes(&cfg, codes, NULL) != OMP_OK) {
        return 0u;
    }
    uint32_t most = 0u;
    for (unsigned k = 0; k < 4u; k++) {
        cfg.demand_period_min = k_periods[k];
        const uint32_t n = omp_meter_lp_sectors(&cfg, geo);
        if (n == 0u) {
            return 0u;
        }
        most = n > most ? n : most;
    }
    return most;
}

uint32_t sim_nvm_default_size(const struct sim_nvm_plan *p)
{
    const uint32_t logs = p->lp_need + SIM_AN_SECTORS + OMP_EVLOG_COUNT * p->ev_need;
    return SIM_NVM_REGS_SIZE + logs * SECTOR;
}

uint32_t sim_nvm_sectors(const struct sim_nvm_plan *p)
{
    return SIM_NVM_REGS_SIZE / SECTOR + p->lp + p->an + OMP_EVLOG_COUNT * p->ev;
}

uint32_t sim_nvm_plan(struct sim_nvm_plan *p, const struct omp_mcfg *codes, uint32_t nvm_size)
{
    struct omp_nvm_geometry geo;
    omp_posix_nvm_default_geometry(&geo);
    geo.size = SIM_NVM_SIZE_MAX - SIM_NVM_REGS_SIZE; /* room for any log */
    memset(p, 0, sizeof *p);
    p->lp_need = lp_need(codes, &geo);
    p->ev_need = omp_evlog_sectors(&geo);
    if (nvm_size == 0u) {
        nvm_size = sim_nvm_default_size(p);
    }
    const uint32_t beyond = (nvm_size - SIM_NVM_REGS_SIZE) / SECTOR;
    const uint32_t tail = SIM_AN_SECTORS + OMP_EVLOG_COUNT * p->ev_need;
    if (p->lp_need < 2u || p->ev_need < 2u || beyond < p->lp_need) {
        return nvm_size; /* the registers alone (a file from before the load profile) */
    }
    if (beyond >= p->lp_need + tail) { /* every log; the load profile takes what is left */
        p->lp = beyond - tail;
        p->an = SIM_AN_SECTORS;
        p->ev = p->ev_need;
    } else { /* a file from before the analysis logger and the event logs */
        p->lp = beyond;
    }
    return nvm_size;
}

/* ---- --analysis ----------------------------------------------------------------------------- */

static int an_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int an_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)fputs(PROG ": ", stderr);
    (void)vfprintf(stderr, fmt, ap);
    (void)fputs("\nTry '" PROG " --help' for more information.\n", stderr);
    va_end(ap);
    return EXIT_USAGE;
}

/* The object @p len characters of @p s name: `C.D.E` (the reduced id), `A-B:C.D.E*F` or
 * `A.B.C.D.E.F`. @return NULL with @p *why the reason. */
static const struct omp_cosem_obj *find_item(const char *s, size_t len, const char **why)
{
    uint8_t cde[3];
    struct omp_obis obis;
    if (omp_cosem_parse_cde(s, len, cde) == OMP_OK) {
        *why = "is not an object of the meter (docs/cosem-objects.md lists them)";
        return omp_cosem_find_cde(cde[0], cde[1], cde[2]);
    }
    if (omp_obis_parse(s, len, &obis) == OMP_OK) {
        *why = "is not an object of the meter (docs/cosem-objects.md lists them)";
        return omp_cosem_find(obis.v);
    }
    *why = "is not an OBIS code (C.D.E, A-B:C.D.E*F or A.B.C.D.E.F, each 0..255)";
    return NULL;
}

/* Why the meter cannot log object @p o's value (attribute 2), or NULL when it can: it reads it
 * itself (OMP_ASSOC_LOCAL) and gets a number. Read as the meter would, from zeroed state. */
static const char *not_loggable(const struct omp_cosem_obj *o)
{
    static const struct omp_registers k_regs;
    static const struct omp_cycle k_cycle;
    static const struct omp_means_value k_means;
    static const struct omp_optical_settings k_optical;
    struct omp_cosem_src src;
    memset(&src, 0, sizeof src);
    src.regs = &k_regs;
    src.cycle = &k_cycle;
    src.means = &k_means;
    src.optical = &k_optical;
    src.type_number = "";
    src.software_id = "";
    src.tariff = 1u;
    src.tariffs = OMP_CONFIG_TARIFFS;
    struct omp_value v;
    const omp_err err = omp_cosem_get(&src, o, 2u, OMP_ASSOC_LOCAL, &v);
    if (err == OMP_ERR_DENIED) {
        return "is not readable by the meter itself";
    }
    if (err != OMP_OK) {
        return "cannot be read";
    }
    if (v.type == OMP_VT_NULL) {
        return "is not kept by this release (null-data)";
    }
    if (!omp_value_is_number(&v)) {
        return v.type == OMP_VT_DATETIME ? "is a date-time, not a number"
                                         : "is a string, not a number";
    }
    return NULL;
}

/* Channel @p k of @p a from the @p len characters at @p s. @return -1, or 2 after a message. */
static int take_item(struct sim_analysis *a, const char *arg, const char *s, size_t len)
{
    const char *why = NULL;
    const struct omp_cosem_obj *o = find_item(s, len, &why);
    if (o != NULL) {
        why = not_loggable(o);
    }
    if (o == NULL || why != NULL) {
        return an_usage("invalid --analysis '%s': '%.*s' %s", arg, (int)len, s, why);
    }
    for (unsigned k = 0; k < a->channels; k++) {
        if (memcmp(a->channel[k].obis, o->obis, 6u) == 0) {
            return an_usage("invalid --analysis '%s': '%.*s' is channel %u already", arg,
                            (int)len, s, k + 1u);
        }
    }
    memcpy(a->channel[a->channels].obis, o->obis, 6u);
    a->channel[a->channels].attr = 2u;
    a->channels++;
    return -1;
}

int sim_analysis_option(struct sim_analysis *a, const char *arg)
{
    if (a->list != NULL) {
        return an_usage("--analysis given twice ('%s', '%s')", a->list, arg);
    }
    a->channels = 0u;
    const char *s = arg;
    for (unsigned item = 1u;; item++) {
        const char *comma = strchr(s, ',');
        const size_t len = comma != NULL ? (size_t)(comma - s) : strlen(s);
        if (len == 0u) {
            return an_usage("invalid --analysis '%s': item %u is empty (OBIS codes separated by "
                            "commas, e.g. 1.7.0,32.25.0,31.25.0)", arg, item);
        }
        if (a->channels == OMP_PLOG_COLUMNS_MAX) {
            return an_usage("invalid --analysis '%s': '%.*s' would be channel %u (at most %u)",
                            arg, (int)len, s, OMP_PLOG_COLUMNS_MAX + 1u, OMP_PLOG_COLUMNS_MAX);
        }
        const int st = take_item(a, arg, s, len);
        if (st >= 0) {
            return st;
        }
        if (comma == NULL) {
            break;
        }
        s = comma + 1;
    }
    a->list = arg;
    return -1;
}

int sim_analysis_period_option(struct sim_analysis *a, const char *arg)
{
    static const char *const k_periods[4] = { "5", "15", "30", "60" };
    for (unsigned k = 0; k < 4u; k++) {
        if (strcmp(arg, k_periods[k]) == 0) {
            a->period_min = (uint8_t)(k == 0u ? 5u : 15u << (k - 1u));
            return -1;
        }
    }
    return an_usage("invalid --analysis-period '%s' (minutes: 5, 15, 30 or 60)", arg);
}

void sim_analysis_apply(const struct sim_analysis *a, struct omp_meter_cfg *cfg)
{
    if (a->list != NULL) {
        cfg->an_channels = a->channels;
        memcpy(cfg->an_channel, a->channel, sizeof a->channel);
    }
    if (a->period_min != 0u) {
        cfg->an_period_min = a->period_min;
    }
}

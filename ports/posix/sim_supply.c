/* A scripted supply for omnipower-sim --scenario (sim_supply.h; the format is in
 * docs/simulator.md "Scenarios"): a parser of the script, and the samples it describes. */
#include "omnipower/sim_supply.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TWO_PI   6.283185307179586476925286766559
#define SQRT2    1.4142135623730950488016887242097
#define ADC_MAX  8388607.0
#define LINE_MAX_LEN 256u
#define TOKENS   4u
#define T_MAX_S  1e9
#define V_MAX    400.0

struct tok {
    const char *p;
    size_t n;
};

/* A number with an optional unit from @p units (each a suffix and its factor), e.g. "90s",
 * "1.5h", "230V", "50%". @return OMP_OK, OMP_ERR_MALFORMED. */
struct unit {
    const char *suffix;
    double factor;
};

static omp_err number(const struct tok *t, const struct unit *units, size_t n_units, double *out)
{
    char buf[40];
    if (t->n == 0u || t->n >= sizeof buf || memchr(t->p, 'x', t->n) != NULL ||
        memchr(t->p, 'X', t->n) != NULL) {
        return OMP_ERR_MALFORMED; /* no hexadecimal floats */
    }
    memcpy(buf, t->p, t->n);
    buf[t->n] = '\0';
    if (!isdigit((unsigned char)buf[0]) && buf[0] != '.') {
        return OMP_ERR_MALFORMED; /* no sign, no "inf", no "nan" */
    }
    char *end = NULL;
    double v = strtod(buf, &end);
    if (end == buf || !isfinite(v)) {
        return OMP_ERR_MALFORMED;
    }
    double f = 1.0;
    if (*end != '\0') {
        size_t k = 0;
        while (k < n_units && strcmp(end, units[k].suffix) != 0) {
            k++;
        }
        if (k == n_units) {
            return OMP_ERR_MALFORMED;
        }
        f = units[k].factor;
    }
    *out = v * f;
    return OMP_OK;
}

static const struct unit k_time[] = {{"ms", 1e-3}, {"s", 1.0}, {"m", 60.0}, {"h", 3600.0},
                                     {"d", 86400.0}};

/* A time or duration: parts of a number and a unit written together ("1d2h", "2h30m",
 * "1m0.5s"), or one number of seconds. @return OMP_OK, OMP_ERR_MALFORMED. */
static omp_err duration(const struct tok *t, double *out)
{
    char buf[40];
    if (t->n == 0u || t->n >= sizeof buf || memchr(t->p, 'x', t->n) != NULL ||
        memchr(t->p, 'X', t->n) != NULL) {
        return OMP_ERR_MALFORMED; /* no hexadecimal floats */
    }
    memcpy(buf, t->p, t->n);
    buf[t->n] = '\0';
    double sum = 0.0;
    const char *p = buf;
    for (unsigned parts = 0; *p != '\0'; parts++) {
        if (!isdigit((unsigned char)*p) && *p != '.') {
            return OMP_ERR_MALFORMED;
        }
        char *end = NULL;
        double v = strtod(p, &end);
        if (end == p || !isfinite(v)) {
            return OMP_ERR_MALFORMED;
        }
        size_t k = 0, ul = 0;
        for (; k < 5u; k++) { /* "ms" before "m" */
            ul = strlen(k_time[k].suffix);
            if (strncmp(end, k_time[k].suffix, ul) == 0) {
                break;
            }
        }
        if (k == 5u && (*end != '\0' || parts != 0u)) {
            return OMP_ERR_MALFORMED; /* a unit is needed, but in a single number */
        }
        sum += v * (k == 5u ? 1.0 : k_time[k].factor);
        p = end + (k == 5u ? 0u : ul);
    }
    *out = sum;
    return OMP_OK;
}
static const struct unit k_volt[] = {{"V", 1.0}, {"%", OMP_SIM_SUPPLY_UDIN / 100.0}};
static const struct unit k_pct[] = {{"%", 1.0}};
static const struct unit k_hz[] = {{"Hz", 1.0}};

/* The value at @p v, read by @p err's call (sequenced before: a separate statement), in
 * [lo, hi]. */
static omp_err in_range(omp_err err, const double *v, double lo, double hi)
{
    return err != OMP_OK ? err : (*v >= lo && *v <= hi) ? OMP_OK : OMP_ERR_RANGE;
}

/* A level in volts or % of the declared voltage into @p v, in [lo, hi]. */
static omp_err volts(const struct tok *t, double *v, double lo, double hi)
{
    omp_err err = number(t, k_volt, 2u, v);
    return in_range(err, v, lo, hi);
}

static omp_err seconds(const struct tok *t, double *v, double lo, double hi)
{
    omp_err err = duration(t, v);
    return in_range(err, v, lo, hi);
}

/* The command of @p t[1] with its arguments into @p st. */
static omp_err command(const struct tok *t, size_t n, struct omp_sim_supply_step *st)
{
    static const char *const k_names[] = {"voltage", "frequency", "harmonic", "dip", "swell",
                                          "interruption"};
    static const uint8_t k_args[] = {1u, 1u, 2u, 2u, 2u, 1u};
    size_t c = 0;
    while (c < 6u && (strlen(k_names[c]) != t[1].n || memcmp(k_names[c], t[1].p, t[1].n) != 0)) {
        c++;
    }
    if (c == 6u || n != 2u + k_args[c]) {
        return OMP_ERR_MALFORMED;
    }
    st->cmd = (uint8_t)c;
    double h = 0.0;
    omp_err err = OMP_OK;
    switch (c) {
    case OMP_SUPPLY_VOLTAGE:
        return volts(&t[2], &st->a, 1.0, V_MAX);
    case OMP_SUPPLY_FREQUENCY: /* IEC 61000-4-30's range of class A: 42.5..57.5 Hz */
        err = number(&t[2], k_hz, 1u, &st->a);
        return in_range(err, &st->a, 42.5, 57.5);
    case OMP_SUPPLY_HARMONIC:
        err = in_range(number(&t[2], NULL, 0u, &h), &h, 2.0, OMP_SIM_SUPPLY_HMAX);
        if (err == OMP_OK && h != floor(h)) {
            err = OMP_ERR_MALFORMED;
        }
        st->order = (uint8_t)(err == OMP_OK ? h : 0.0);
        if (err == OMP_OK) {
            err = number(&t[3], k_pct, 1u, &st->a);
        }
        return in_range(err, &st->a, 0.0, 30.0);
    case OMP_SUPPLY_INTERRUPTION:
        st->a = 0.0;
        return seconds(&t[2], &st->b, 1e-3, 1e7);
    default: /* a dip below, a swell above the declared voltage */
        err = c == OMP_SUPPLY_DIP ? volts(&t[2], &st->a, 0.0, OMP_SIM_SUPPLY_UDIN)
                                  : volts(&t[2], &st->a, OMP_SIM_SUPPLY_UDIN, V_MAX);
        return err != OMP_OK ? err : seconds(&t[3], &st->b, 1e-3, 1e7);
    }
}

/* Split @p line (@p len bytes, no newline) into at most TOKENS tokens after stripping a
 * comment. @return the number of tokens, TOKENS + 1 when there are more. */
static size_t split(const char *line, size_t len, struct tok *t)
{
    size_t n = 0, i = 0;
    while (i < len && line[i] != '#') {
        if (line[i] == ' ' || line[i] == '\t' || line[i] == '\r') {
            i++;
            continue;
        }
        size_t s = i;
        while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '\r' && line[i] != '#') {
            i++;
        }
        if (n == TOKENS) {
            return TOKENS + 1u;
        }
        t[n].p = line + s;
        t[n].n = i - s;
        n++;
    }
    return n;
}

/* One line into s->step[s->n] (blank lines and comments: nothing). @p last_end is the end of
 * the last event. */
static omp_err parse_line(struct omp_sim_supply *s, const char *line, size_t len, double *last_end)
{
    struct tok t[TOKENS];
    size_t n = split(line, len, t);
    if (n == 0u) {
        return OMP_OK;
    }
    if (len > LINE_MAX_LEN || n < 2u || n > TOKENS) {
        return OMP_ERR_MALFORMED;
    }
    if (s->n == OMP_SIM_SUPPLY_STEPS) {
        return OMP_ERR_NOSPACE;
    }
    struct omp_sim_supply_step st;
    memset(&st, 0, sizeof st);
    omp_err err = seconds(&t[0], &st.t_s, 0.0, T_MAX_S);
    if (err == OMP_OK) {
        err = command(t, n, &st);
    }
    if (err != OMP_OK) {
        return err;
    }
    if (s->n != 0u && st.t_s < s->step[s->n - 1u].t_s) {
        return OMP_ERR_MALFORMED; /* out of time order */
    }
    if (st.cmd >= OMP_SUPPLY_DIP) {
        if (st.t_s < *last_end) {
            return OMP_ERR_MALFORMED; /* events overlap */
        }
        *last_end = st.t_s + st.b;
    }
    s->step[s->n++] = st;
    return OMP_OK;
}

omp_err omp_sim_supply_parse(struct omp_sim_supply *s, const char *text, size_t len,
                             uint32_t *line)
{
    if (s == NULL || (text == NULL && len != 0u) || line == NULL) {
        return OMP_ERR_ARG;
    }
    s->n = 0;
    *line = 0;
    double last_end = 0.0;
    size_t i = 0;
    uint32_t no = 0;
    while (i < len) {
        size_t e = i;
        while (e < len && text[e] != '\n') {
            e++;
        }
        no++;
        omp_err err = memchr(text + i, '\0', e - i) != NULL ? OMP_ERR_MALFORMED
                                                            : parse_line(s, text + i, e - i,
                                                                         &last_end);
        if (err != OMP_OK) {
            s->n = 0;
            *line = no;
            return err;
        }
        i = e + 1u;
    }
    return OMP_OK;
}

void omp_sim_supply_start(struct omp_sim_supply *s, uint32_t fs_hz)
{
    s->fs_hz = fs_hz;
    s->next = 0;
    s->level_v = OMP_SIM_SUPPLY_UDIN;
    s->f_hz = 50.0;
    memset(s->harm, 0, sizeof s->harm);
    s->hmax = 1;
    s->event_v = 0.0;
    s->event_end_s = 0.0;
    s->cycles = 0.0;
}

static void apply(struct omp_sim_supply *s, const struct omp_sim_supply_step *st)
{
    switch (st->cmd) {
    case OMP_SUPPLY_VOLTAGE:
        s->level_v = st->a;
        break;
    case OMP_SUPPLY_FREQUENCY:
        s->f_hz = st->a;
        break;
    case OMP_SUPPLY_HARMONIC:
        s->harm[st->order] = st->a / 100.0;
        s->hmax = 1;
        for (uint32_t h = 2; h <= OMP_SIM_SUPPLY_HMAX; h++) {
            s->hmax = s->harm[h] != 0.0 ? h : s->hmax;
        }
        break;
    default:
        s->event_v = st->a;
        s->event_end_s = st->t_s + st->b;
        break;
    }
}

double omp_sim_supply_level(const struct omp_sim_supply *s, double t_s)
{
    return s->event_end_s > t_s ? s->event_v : s->level_v;
}

static int32_t to_code(double x)
{
    x = x > ADC_MAX ? ADC_MAX : x < -ADC_MAX ? -ADC_MAX : x;
    return x >= 0.0 ? (int32_t)(x + 0.5) : -(int32_t)(0.5 - x);
}

void omp_sim_supply_fill(struct omp_sim_supply *s, uint64_t first, double volts_per_code,
                         const double i_coef[4], int32_t *vi, size_t n_pairs)
{
    const double ts = 1.0 / (double)s->fs_hz;
    for (size_t j = 0; j < n_pairs; j++) {
        const double t = (double)(first + j) * ts;
        while (s->next < s->n && s->step[s->next].t_s <= t) {
            apply(s, &s->step[s->next++]);
        }
        const double lvl = omp_sim_supply_level(s, t);
        const double s1 = sin(TWO_PI * s->cycles), c1 = cos(TWO_PI * s->cycles);
        double u = s1, sh = s1, ch = c1;
        for (uint32_t h = 2; h <= s->hmax; h++) { /* sin(h x), cos(h x) by rotation */
            const double sn = sh * c1 + ch * s1;
            ch = ch * c1 - sh * s1;
            sh = sn;
            u += s->harm[h] * sh;
        }
        const double s3 = s1 * (3.0 - 4.0 * s1 * s1), c3 = c1 * (4.0 * c1 * c1 - 3.0);
        const double i = i_coef[0] * s1 + i_coef[1] * c1 + i_coef[2] * s3 + i_coef[3] * c3;
        vi[2u * j] = to_code(SQRT2 * lvl * u / volts_per_code);
        vi[2u * j + 1u] = to_code(i * lvl / OMP_SIM_SUPPLY_UDIN);
        s->cycles += s->f_hz * ts;
        s->cycles -= floor(s->cycles);
    }
}

/* Synthetic household load for omnipower-sim: a deterministic daily profile of appliances, turned
 * into ADC codes of a 230 V sine and the current the appliances draw (fundamental with its phase
 * shift, plus a 3rd harmonic for electronic loads). See docs/simulator.md. */
#include "omnipower/posix_sim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TWO_PI 6.283185307179586476925286766559
#define ADC_MAX 8388607.0 /* 24-bit front end */

struct appliance_info {
    const char *name;
    double phi_deg; /* current lags voltage by phi (inductive > 0, capacitive < 0) */
    double h3;      /* 3rd-harmonic amplitude relative to the fundamental */
};

static const struct appliance_info k_app[OMP_SIM_APPLIANCE_COUNT] = {
    [OMP_SIM_BASE] = { "base", -8.0, 0.35 },
    [OMP_SIM_FRIDGE] = { "fridge", 38.0, 0.05 },
    [OMP_SIM_LIGHTS] = { "lights", -5.0, 0.30 },
    [OMP_SIM_KETTLE] = { "kettle", 0.0, 0.0 },
    [OMP_SIM_COFFEE] = { "coffee", 0.0, 0.05 },
    [OMP_SIM_TOASTER] = { "toaster", 0.0, 0.0 },
    [OMP_SIM_HOB] = { "hob", 5.0, 0.15 },
    [OMP_SIM_OVEN] = { "oven", 0.0, 0.0 },
    [OMP_SIM_TV] = { "tv", -12.0, 0.45 },
    [OMP_SIM_WASHER] = { "washer", 0.0, 0.0 }, /* phase per stage, see below */
    [OMP_SIM_DISHWASHER] = { "dishwasher", 0.0, 0.0 },
    [OMP_SIM_MICROWAVE] = { "microwave", 18.0, 0.25 },
    [OMP_SIM_VACUUM] = { "vacuum", 12.0, 0.10 },
};

const char *omp_sim_appliance_name(enum omp_sim_appliance a)
{
    return (unsigned)a < (unsigned)OMP_SIM_APPLIANCE_COUNT ? k_app[a].name : "?";
}

omp_err omp_sim_load_init(struct omp_sim_load *l, uint32_t sample_rate_hz, uint32_t mains_hz,
                          double volts_per_code, double amps_per_code)
{
    if (l == NULL || sample_rate_hz == 0u || mains_hz == 0u || sample_rate_hz % mains_hz != 0u ||
        !(volts_per_code > 0.0) || !(amps_per_code > 0.0) || !isfinite(volts_per_code) ||
        !isfinite(amps_per_code)) {
        return OMP_ERR_ARG;
    }
    memset(l, 0, sizeof *l);
    l->v_codes = malloc(sample_rate_hz * sizeof *l->v_codes);
    l->wave = malloc(4u * (size_t)sample_rate_hz * sizeof *l->wave);
    if (l->v_codes == NULL || l->wave == NULL) {
        omp_sim_load_free(l);
        return OMP_ERR_NOSPACE;
    }
    l->sample_rate_hz = sample_rate_hz;
    l->mains_hz = mains_hz;
    l->amps_per_code = amps_per_code;
    double vpk = OMP_SIM_V_RMS * sqrt(2.0) / volts_per_code;
    for (uint32_t k = 0; k < sample_rate_hz; k++) {
        /* k * mains_hz < 2^32 for every supported rate */
        double wt = TWO_PI * (double)((k * mains_hz) % sample_rate_hz) / (double)sample_rate_hz;
        double s = sin(wt);
        l->v_codes[k] = (int32_t)lround(fmin(fmax(vpk * s, -ADC_MAX), ADC_MAX));
        l->wave[4u * k + 0u] = s;
        l->wave[4u * k + 1u] = cos(wt);
        l->wave[4u * k + 2u] = sin(3.0 * wt);
        l->wave[4u * k + 3u] = cos(3.0 * wt);
    }
    omp_sim_load_set_time(l, 0);
    return OMP_OK;
}

void omp_sim_load_free(struct omp_sim_load *l)
{
    if (l == NULL) {
        return;
    }
    free(l->v_codes);
    free(l->wave);
    l->v_codes = NULL;
    l->wave = NULL;
}

/* ---- the daily profile ---------------------------------------------------------------------- */

/* A well-mixed 32-bit hash of (day, salt): the day's random choices, the same on every run. */
static uint32_t mix(int64_t day, uint32_t salt)
{
    uint64_t z = (uint64_t)day * 0x9E3779B97F4A7C15u + (uint64_t)salt * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    z ^= z >> 31;
    return (uint32_t)(z >> 16);
}

/* A start-time shift of -range_s..+range_s seconds for this day. */
static int32_t jitter(int64_t day, uint32_t salt, int32_t range_s)
{
    return (int32_t)(mix(day, salt) % (uint32_t)(2 * range_s + 1)) - range_s;
}

/* Seconds since the window opened, or -1 if @p sod is outside [start, start + len). */
static int32_t since(int32_t sod, int32_t start, int32_t len)
{
    return (sod >= start && sod < start + len) ? sod - start : -1;
}

#define HM(h, m) ((h) * 3600 + (m) * 60)

struct day_ctx {
    int64_t day;     /* local days since 1970-01-01 */
    int32_t sod;     /* local second of day */
    int wday;        /* 0 = Monday .. 6 = Sunday */
    int64_t local_s;
    double season;   /* cos of the year angle: +1 at midsummer, -1 at midwinter */
};

/* Power of appliance @p a in W at this moment; *phi_deg may be changed for staged appliances. */
static double appliance_w(const struct day_ctx *c, enum omp_sim_appliance a, double *phi_deg)
{
    const int64_t d = c->day;
    const int32_t s = c->sod;
    const bool weekend = c->wday >= 5;
    int32_t t;
    switch (a) {
    case OMP_SIM_BASE:
        return 105.0;
    case OMP_SIM_FRIDGE:
        /* compressor: 17 min on in every 44, a little longer in summer; continuous over midnight */
        return ((c->local_s + 311) % 2640) < (int64_t)(1020.0 + 120.0 * c->season) ? 110.0 : 0.0;
    case OMP_SIM_LIGHTS: {
        double sunset_h = 18.85 + 3.15 * c->season;  /* ~15:40 midwinter, ~22:00 midsummer */
        double sunrise_h = 6.55 - 2.25 * c->season;  /* ~08:50 midwinter, ~04:20 midsummer */
        int32_t on = (int32_t)((sunset_h - 0.5) * 3600.0);
        int32_t off = HM(23, 15) + jitter(d, 11, 900);
        if (s >= on && s < off) {
            return s >= HM(21, 30) ? 90.0 : 160.0; /* fewer rooms lit late */
        }
        int32_t wake = weekend ? HM(7, 45) : HM(6, 30);
        int32_t light_until = (int32_t)((sunrise_h + 0.5) * 3600.0);
        if (light_until > HM(8, 30)) {
            light_until = HM(8, 30);
        }
        return (s >= wake && s < light_until) ? 120.0 : 0.0;
    }
    case OMP_SIM_KETTLE:
        if (since(s, HM(6, 50) + (weekend ? 4500 : 0) + jitter(d, 21, 600), 180) >= 0 ||
            ((mix(d, 22) % 10u) < 6u && since(s, HM(15, 30) + jitter(d, 23, 1200), 150) >= 0) ||
            since(s, HM(20, 15) + jitter(d, 24, 900), 180) >= 0) {
            return 2000.0;
        }
        return 0.0;
    case OMP_SIM_COFFEE:
        t = since(s, HM(7, 0) + (weekend ? 4500 : 0) + jitter(d, 31, 600), 1200);
        if (t < 0) {
            return 0.0;
        }
        if (t < 90) {
            return 1300.0; /* brewing */
        }
        return (t % 90) < 10 ? 1300.0 : 0.0; /* hot plate thermostat */
    case OMP_SIM_TOASTER:
        return (!weekend && since(s, HM(7, 5) + jitter(d, 41, 600), 150) >= 0) ? 850.0 : 0.0;
    case OMP_SIM_HOB:
        t = since(s, HM(17, 50) + jitter(d, 51, 900), 35 * 60);
        if (t < 0) {
            return 0.0;
        }
        if (t < 6 * 60) {
            return 2800.0; /* boost: bring water to the boil */
        }
        return (t % 30) < 20 ? 1200.0 : 250.0; /* simmer: induction power cycling */
    case OMP_SIM_OVEN:
        if (!((mix(d, 61) % 5u) < 2u || c->wday == 6)) {
            return 0.0;
        }
        t = since(s, HM(17, 20) + jitter(d, 62, 900), 60 * 60);
        if (t < 0) {
            return 0.0;
        }
        return (t < 12 * 60 || (t % 120) < 45) ? 2300.0 : 0.0; /* preheat, then thermostat */
    case OMP_SIM_TV: {
        int32_t from = HM(18, 45) + jitter(d, 71, 600);
        int32_t to = HM(22, 50) + jitter(d, 72, 1200);
        if ((s >= from && s < to) || (weekend && since(s, HM(10, 0), 2 * 3600) >= 0)) {
            return 95.0;
        }
        return 0.0;
    }
    case OMP_SIM_WASHER:
        if ((mix(d, 81) % 3u) != 0u) {
            return 0.0;
        }
        t = since(s, (weekend ? HM(9, 30) : HM(18, 30)) + jitter(d, 82, 1800), 85 * 60);
        if (t < 0 || t < 3 * 60) {
            return t < 0 ? 0.0 : 15.0; /* filling: valve and electronics */
        }
        if (t < 18 * 60) {
            *phi_deg = 0.0;
            return 2050.0; /* heating element */
        }
        if (t < 75 * 60) {
            *phi_deg = 45.0; /* drum motor, tumbling 12 s on, 4 s off */
            return (t % 16) < 12 ? 220.0 : 15.0;
        }
        *phi_deg = 30.0;
        return 450.0; /* spin */
    case OMP_SIM_DISHWASHER:
        if ((mix(d, 91) % 4u) == 0u) {
            return 0.0;
        }
        t = since(s, HM(21, 5) + jitter(d, 92, 1200), 100 * 60);
        if (t < 0) {
            return 0.0;
        }
        if ((t >= 3 * 60 && t < 20 * 60) || (t >= 55 * 60 && t < 68 * 60)) {
            *phi_deg = 0.0;
            return 1850.0; /* heating */
        }
        *phi_deg = 35.0;
        return t < 68 * 60 ? 120.0 : 5.0; /* circulation pump, then drying */
    case OMP_SIM_MICROWAVE:
        if (weekend && since(s, HM(12, 15) + jitter(d, 101, 600), 240) >= 0) {
            return 1250.0;
        }
        return ((mix(d, 102) & 1u) != 0u && since(s, HM(18, 5) + jitter(d, 103, 300), 150) >= 0)
                   ? 1250.0
                   : 0.0;
    case OMP_SIM_VACUUM:
        t = c->wday == 5 ? since(s, HM(10, 40) + jitter(d, 111, 1200), 25 * 60) : -1;
        return (t >= 0 && (t % 300) < 240) ? 1500.0 : 0.0; /* pauses to move furniture */
    case OMP_SIM_APPLIANCE_COUNT:
    default:
        return 0.0;
    }
}

void omp_sim_load_set_time(struct omp_sim_load *l, int64_t local_s)
{
    if (l == NULL) {
        return;
    }
    struct day_ctx c;
    c.day = local_s / 86400;
    if (local_s % 86400 < 0) {
        c.day -= 1;
    }
    c.sod = (int32_t)(local_s - c.day * 86400);
    c.wday = (int)(((c.day % 7) + 7 + 3) % 7); /* 1970-01-01 was a Thursday */
    c.local_s = local_s;
    /* day 171 after 1970-01-01 is 21 June; the tropical year is 365.2425 days */
    c.season = cos(TWO_PI * fmod((double)(c.day - 171), 365.2425) / 365.2425);

    double a1 = 0.0, b1 = 0.0, a3 = 0.0;
    double p = 0.0, q = 0.0;
    uint32_t on = 0;
    for (unsigned a = 0; a < (unsigned)OMP_SIM_APPLIANCE_COUNT; a++) {
        double phi_deg = k_app[a].phi_deg;
        double w = appliance_w(&c, (enum omp_sim_appliance)a, &phi_deg);
        if (w <= 0.0) {
            continue;
        }
        double phi = phi_deg * TWO_PI / 360.0;
        double i1_pk = sqrt(2.0) * w / (OMP_SIM_V_RMS * cos(phi));
        a1 += i1_pk * cos(phi);
        b1 -= i1_pk * sin(phi);
        a3 -= i1_pk * k_app[a].h3; /* peaky current: the 3rd harmonic adds at the voltage peak */
        p += w;
        q += w * tan(phi);
        on |= 1u << a;
    }
    l->i1_sin = a1 / l->amps_per_code;
    l->i1_cos = b1 / l->amps_per_code;
    l->i3_sin = a3 / l->amps_per_code;
    l->i3_cos = 0.0;
    l->on = on;
    l->p_w = p;
    l->q_var = q;
    l->i_rms_a = sqrt((a1 * a1 + b1 * b1 + a3 * a3) / 2.0);
}

static int32_t to_code(double x)
{
    if (x > ADC_MAX) {
        return (int32_t)ADC_MAX; /* the front end clips */
    }
    if (x < -ADC_MAX) {
        return -(int32_t)ADC_MAX;
    }
    return x >= 0.0 ? (int32_t)(x + 0.5) : -(int32_t)(0.5 - x);
}

void omp_sim_load_fill(const struct omp_sim_load *l, uint64_t first, int32_t *vi, size_t n_pairs)
{
    if (l == NULL || vi == NULL || l->wave == NULL) {
        return;
    }
    const double a = l->i1_sin, b = l->i1_cos, c = l->i3_sin, d = l->i3_cos;
    uint32_t k = (uint32_t)(first % l->sample_rate_hz);
    for (size_t j = 0; j < n_pairs; j++) {
        const double *w = &l->wave[4u * k];
        vi[2u * j] = l->v_codes[k];
        vi[2u * j + 1u] = to_code(a * w[0] + b * w[1] + c * w[2] + d * w[3]);
        if (++k == l->sample_rate_hz) {
            k = 0;
        }
    }
}

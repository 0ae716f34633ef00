/**
 * @file wavegen.c
 * @brief Analytic test-bench waveform generator and ADC front-end model (see hal_wavegen.h).
 *
 * Phase: theta(t) is kept as whole cycles plus a fraction in [0, 1). The f0*n/fs part is computed
 * with exact products and division remainders (fma), so the fraction stays accurate to ~1e-16
 * cycles for any n < 2^53; components use the same split (order * whole cycles reduced exactly).
 *
 * Speed: without a ramp or shape, each component is a complex-rotation oscillator re-anchored
 * from the analytic phase at every multiple of WG_BLOCK samples (anchors depend only on the
 * absolute sample index, so the codes do not depend on how omp_wave_fill() calls are split).
 * With a ramp or a shape every sample is evaluated directly; shaped channels through the
 * integrating ADC model (below).
 *
 * Noise: splitmix64 (64-bit state in w->rng) and a 128-layer ziggurat (Marsaglia-Tsang, Doornik's
 * ZIGNOR form) with precomputed constant tables: the same integer stream on every host.
 */
#include "omnipower/hal_wavegen.h"

#include <math.h>
#include <string.h>

#define WG_BLOCK 64u                      /* oscillator re-anchoring period, samples */
#define WG_TWO_PI 6.283185307179586476925286766559
#define WG_PI 3.1415926535897932384626433832795
#define WG_SQRT2 1.4142135623730950488016887242097
#define WG_CODE_SCALE 8388608.0           /* 2^23 */
#define WG_CODE_MAX 8388607.0             /* 2^23 - 1 */
#define WG_ZIG_R 3.442619855899           /* start of the ziggurat's tail */

/* Ziggurat tables: zig_x[i] layer edges, zig_r[i] = zig_x[i+1] / zig_x[i]. Generated once with
 * long double arithmetic (R = 3.442619855899, V = 9.91256303526217e-3, 128 layers). */
static const double zig_x[129] = {
    3.7130862467425474, 3.4426198558990002, 3.2230849845811416, 3.0832288582168679,
    2.9786962526477798, 2.8943440070215289, 2.8231253505489105, 2.7611693723871769,
    2.7061135731218195, 2.6564064112613597, 2.6109722484318474, 2.5690336259249373,
    2.5300096723888275, 2.4934545220953721, 2.4590181774118305, 2.4264206455337498,
    2.3954342780110625, 2.3658713701176386, 2.3375752413392368, 2.310413683698763,
    2.2842740596774718, 2.2590595738691981, 2.234686395590979, 2.211081408878703,
    2.1881804320760483, 2.1659267937489215, 2.1442701823603949, 2.1231657086739761,
    2.1025731351892376, 2.0824562379920164, 2.062782274508308, 2.0435215366550672,
    2.0246469733773846, 2.0061338699634712, 1.9879595741276188, 1.9701032608543254,
    1.9525457295535555, 1.9352692282966217, 1.9182573008645087, 1.9014946531051502,
    1.8849670357077579, 1.8686611409944875, 1.8525645117280898, 1.8366654602584447,
    1.8209529965961242, 1.8054167642192271, 1.7900469825998573, 1.7748343955860681,
    1.7597702248995923, 1.744846128113799, 1.7300541605637292, 1.7153867407136663,
    1.7008366185699155, 1.6863968467791668, 1.6720607540975998, 1.657821920954023,
    1.6436741568628674, 1.6296114794706336, 1.6156280950431596, 1.6017183802213766,
    1.5878768648905746, 1.5740982160229993, 1.5603772223661674, 1.5467087798599088,
    1.5330878776740418, 1.5195095847659383, 1.5059690368632017, 1.4924614237813525,
    1.4789819769899226, 1.4655259573427089, 1.4520886428892226, 1.4386653166845615,
    1.4252512545140581, 1.4118417124470557, 1.3984319141310033, 1.3850170377326498,
    1.3715922024273406, 1.3581524543301413, 1.3446927517535447, 1.3312079496656251,
    1.3176927832094119, 1.3041418501286146, 1.2905495919261945, 1.2769102735601534,
    1.2632179614546188, 1.2494664995730662, 1.2356494832633604, 1.2217602305399942,
    1.2077917504159472, 1.1937367078331262, 1.1795873846639857, 1.16533563616475,
    1.150972842148865, 1.1364898520131583, 1.1218769225825398, 1.1071236475340338,
    1.0922188769072751, 1.0771506248928933, 1.0619059636948216, 1.0464709007640425,
    1.0308302360681927, 1.0149673952513274, 0.99886423349298037, 0.98250080351542579,
    0.96585507940114657, 0.948902625511303, 0.93161619661514727, 0.91396525102302872,
    0.89591535258093402, 0.8774274291129196, 0.85845684319380922, 0.83895221429757338,
    0.81885390670035307, 0.79809206064405258, 0.77658398789475547, 0.75423066445405107,
    0.73091191064248406, 0.70647961133543147, 0.68074791866914941, 0.65347863873996981,
    0.62435859733604471, 0.59296294247144188, 0.55869217840817831, 0.5206560387620528,
    0.47743783729668088, 0.42654798635541274, 0.36287143109701797, 0.27232086481394269,
    0,
};
static const double zig_r[128] = {
    0.92715860260966876, 0.93623028957388921, 0.95660799295292287, 0.96609638454488822,
    0.97168148798278109, 0.97539385218210217, 0.97805411716851776, 0.98006069464048895,
    0.98163153152396454, 0.98289638112718658, 0.98393754566633251, 0.98480987047335344,
    0.98555137923289438, 0.98618930308197361, 0.98674367998678636, 0.98722959781119435,
    0.98765864371032963, 0.98803987015701766, 0.9883804563121088, 0.98868617156930783,
    0.98896170724285437, 0.98921091831302432, 0.98943700254369094, 0.98964263517811046,
    0.9898300715969689, 0.99000122651835243, 0.99015773578346966, 0.99030100505080243,
    0.99043224853369449, 0.99055252008432182, 0.99066273833585672, 0.99076370718921947,
    0.99085613262097183, 0.99094063656071807, 0.99101776841657896, 0.99108801469971874,
    0.99115180710216499, 0.99120952930818496, 0.99126152276245516, 0.99130809157396127,
    0.99134950669991528, 0.99138600952667577, 0.9914178149430195, 0.99144511398384472,
    0.99146807610853283, 0.99148685116701196, 0.99150157109748349, 0.9915123513923666,
    0.99151929236293068, 0.99152248022806444, 0.99152198804846448, 0.99151787652404422,
    0.99151019466943868, 0.99149898038000517, 0.9914842608986052, 0.9914660531916395,
    0.99144436424122284, 0.99141919125900102, 0.9913905218258714, 0.99135833396074968,
    0.99132259612049656, 0.99128326713214987, 0.9912402960576856, 0.991193621990624,
    0.99114317378289896, 0.99108886969948107, 0.99103061699728945, 0.99096831142390407,
    0.99090183663049114, 0.99083106349214656, 0.99075584932752259, 0.99067603700809559,
    0.99059145394572945, 0.99050191094523621, 0.99040720090638834, 0.99030709735723799,
    0.99020135279756283, 0.99008969682771364, 0.98997183403395683, 0.98984744159647786,
    0.98971616658035244, 0.98957762286281992, 0.98943138764184657, 0.98927699746094222,
    0.98911394367309524, 0.98894166725204169, 0.98875955284124373, 0.98856692190915962,
    0.9883630248526033, 0.98814703185694575, 0.98791802228090508, 0.98767497228253087,
    0.98741674033883653, 0.98714205023059953, 0.98684947096108866, 0.98653739294616549,
    0.98620399964423888, 0.98584723357553872, 0.98546475539408973, 0.9850538942989906,
    0.98461158757103462, 0.98413430634945698, 0.98361796385447464, 0.9830578010168336,
    0.98244824275257259, 0.98178271570611253, 0.9810534148544755, 0.98025100142276644,
    0.97936420732745044, 0.97837931059633076, 0.97727942988529193, 0.97604356093863121,
    0.97464523783007617, 0.9730506368752242, 0.97121583268629819, 0.96908272905020876,
    0.96657285378538127, 0.96357758631187884, 0.95994217656590031, 0.95543841882869507,
    0.94971534788091516, 0.94220420601593635, 0.9319193267489484, 0.91699279707168968,
    0.89341051972459173, 0.85071654937942309, 0.75046102138896265, 0,
};

/* ------------------------------------------------------------------------------------------ */
/* Random numbers                                                                              */
/* ------------------------------------------------------------------------------------------ */

static uint64_t wg_next(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/** Uniform in (0, 1]. */
static double wg_u01(uint64_t r)
{
    return (double)((r >> 11) + 1u) * 0x1.0p-53;
}

static double wg_gauss_tail(uint64_t *s, bool neg)
{
    double x;
    double y;
    do {
        x = log(wg_u01(wg_next(s))) / WG_ZIG_R;
        y = log(wg_u01(wg_next(s)));
    } while (-2.0 * y < x * x);
    return neg ? x - WG_ZIG_R : WG_ZIG_R - x;
}

/** Standard normal deviate. */
static double wg_gauss(uint64_t *s)
{
    for (;;) {
        uint64_t r = wg_next(s);
        unsigned i = (unsigned)(r & 127u);
        double u = (double)(r >> 11) * 0x1.0p-52 - 1.0; /* [-1, 1) */
        if (fabs(u) < zig_r[i]) {
            return u * zig_x[i];
        }
        if (i == 0u) {
            return wg_gauss_tail(s, u < 0.0);
        }
        double x = u * zig_x[i];
        double f0 = exp(-0.5 * (zig_x[i] * zig_x[i] - x * x));
        double f1 = exp(-0.5 * (zig_x[i + 1u] * zig_x[i + 1u] - x * x));
        if (f1 + wg_u01(wg_next(s)) * (f0 - f1) < 1.0) {
            return x;
        }
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Phase                                                                                       */
/* ------------------------------------------------------------------------------------------ */

/** theta / 2pi at t = n/fs - d_s, as whole cycles (an integer in a double) plus frac in [0, 1). */
struct wg_phase {
    double whole;
    double frac;
};

static struct wg_phase wg_theta(const struct omp_wave *w, uint64_t n, double d_s)
{
    const double nd = (double)n; /* exact below 2^53 */
    const double fs = w->fs_hz;
    const double ph = nd * w->f0_hz;
    const double pl = fma(nd, w->f0_hz, -ph);  /* n*f0 = ph + pl exactly */
    const double ch = ph / fs;
    const double rem = fma(-ch, fs, ph);       /* ph - ch*fs, exact */
    const double cl = (rem + pl) / fs - w->f0_hz * d_s;
    struct wg_phase p;
    p.whole = floor(ch);
    p.frac = (ch - p.whole) + cl;
    if (w->ramp_hz_per_s != 0.0) {
        const double t = nd / fs - d_s;
        const double r = 0.5 * w->ramp_hz_per_s * t * t;
        const double rw = floor(r);
        p.whole += rw;
        p.frac += r - rw;
    }
    const double k = floor(p.frac);
    p.whole += k;
    p.frac -= k;
    if (p.frac >= 1.0) { /* rounding of a value just below an integer */
        p.whole += 1.0;
        p.frac = 0.0;
    }
    return p;
}

/** Phase of component @p c in cycles, reduced to [0, 1). */
static double wg_comp_cycles(const struct omp_wave_component *c, struct wg_phase th)
{
    const double o = (double)c->order;
    const double a = o * th.whole;
    const double al = fma(o, th.whole, -a); /* o*whole = a + al exactly */
    const double x = (a - floor(a)) + al + o * th.frac + (double)c->phase_deg / 360.0;
    return x - floor(x);
}

/* ------------------------------------------------------------------------------------------ */
/* Channel value                                                                               */
/* ------------------------------------------------------------------------------------------ */

static uint32_t wg_ncomp(const struct omp_wave_channel *ch)
{
    return ch->n_comp < OMP_WAVE_MAX_COMPONENTS ? ch->n_comp : OMP_WAVE_MAX_COMPONENTS;
}

/** Whole cycles from a float parameter (negative and NaN count as 0). */
static double wg_count(float p)
{
    const double d = (double)p;
    return d > 0.0 ? floor(d + 0.5) : 0.0;
}

static double wg_env(const struct omp_wave_channel *ch, double t)
{
    double e = 1.0;
    const uint32_t ns = ch->n_steps < OMP_WAVE_MAX_STEPS ? ch->n_steps : OMP_WAVE_MAX_STEPS;
    for (uint32_t s = 0; s < ns; s++) {
        if (t >= ch->steps[s].t_start_s && t < ch->steps[s].t_end_s) {
            e *= (double)ch->steps[s].scale;
        }
    }
    return e;
}

/* ------------------------------------------------------------------------------------------ */
/* Integrating-ADC model of shaped channels                                                    */
/* ------------------------------------------------------------------------------------------ */

/*
 * A shaped channel's sample n is the weighted mean of the shaped signal over [t - Ts, t + Ts]
 * around its instant t, weight (Ts - |tau|) / Ts^2: the impulse response of two cascaded
 * integrate-over-one-period stages (a sinc^2 decimation filter), local time tau. Inside that
 * window each component is sqrt2*rms*sin(ph_k + om_k*tau): its exact phase at t and the
 * instantaneous frequency at t (with a ramp, the phase's curvature over the window,
 * pi*order*ramp*tau^2, is dropped: < 1e-6 rad for any sensible ramp). The shape switches the
 * signal on and off; the conducting parts of the window are found in closed form (firing
 * instants, burst edges) or by bracketing and bisection (zero crossings of a half-wave), and each
 * component is integrated over them in closed form. Each component is pre-scaled by
 * 1/sinc^2(om_k*Ts/2), the filter's droop at its own frequency (below Nyquist), so a window in
 * which the shape does not switch gives exactly the point value: those samples take the
 * point-evaluation path and are bit-identical to point sampling.
 *
 * Why two stages and not one (a box over [t - Ts/2, t + Ts/2]): a jump puts harmonics ~1/h into
 * the signal; the ones at fs/f0 -/+ 1 alias onto the fundamental, and a box attenuates them only
 * by ~1/h: P against a sine voltage was then off by up to 1e-4 of U*I for firing instants off
 * the sample grid. The triangle attenuates them by ~1/h^2: < 1e-5 at 4 kHz, < 1e-6 at 8 kHz.
 */

#define WG_MAX_SPAN 4096.0 /* switching intervals per window beyond which we point-sample */

struct wg_local {
    double amp[OMP_WAVE_MAX_COMPONENTS]; /* sqrt2 * rms */
    double ph[OMP_WAVE_MAX_COMPONENTS];  /* phase at tau = 0, rad in [0, 2pi) */
    double om[OMP_WAVE_MAX_COMPONENTS];  /* rad/s */
    double g[OMP_WAVE_MAX_COMPONENTS];   /* droop equalisation 1/sinc^2(om*Ts/2) */
    uint32_t nc;
    double h;     /* half-width of the window: the sample period Ts, s */
    double f;     /* instantaneous fundamental frequency, Hz */
    double x0;    /* point value (unshaped sum at tau = 0) */
    double acc;   /* integral over the conducting parts so far */
};

static double wg_sinc(double z)
{
    return z == 0.0 ? 1.0 : sin(z) / z;
}

/** Unshaped (and unequalised) sum at local time tau. */
static double wg_local_x(const struct wg_local *L, double tau)
{
    double x = 0.0;
    for (uint32_t k = 0; k < L->nc; k++) {
        x += L->amp[k] * sin(L->ph[k] + L->om[k] * tau);
    }
    return x;
}

/** (sin z - z cos z) / z^2, with its series where the difference cancels. */
static double wg_q(double z)
{
    if (fabs(z) < 0.1) {
        const double z2 = z * z;
        return z * (1.0 / 3.0 - z2 * (1.0 / 30.0 - z2 * (1.0 / 840.0 - z2 / 45360.0)));
    }
    return (sin(z) - z * cos(z)) / (z * z);
}

/** Add the triangle-weighted integral of the equalised sum over [t0, t1] (on one side of 0). */
static void wg_local_add_side(struct wg_local *L, double t0, double t1)
{
    if (!(t1 > t0)) {
        return;
    }
    const double m = 0.5 * (t0 + t1);
    const double hh = 0.5 * (t1 - t0);
    const double ts = L->h;
    /* weight (Ts - |tau|) / Ts^2 = wm + beta * (tau - m) on the piece */
    const double beta = (m >= 0.0 ? -1.0 : 1.0) / (ts * ts);
    const double wm = (ts - fabs(m)) / (ts * ts);
    double s = 0.0;
    for (uint32_t k = 0; k < L->nc; k++) {
        const double z = L->om[k] * hh;
        const double a = L->ph[k] + L->om[k] * m;
        /* int (wm + beta s) sin(a + om s) ds over [-hh, hh] */
        s += L->amp[k] * L->g[k] *
             (wm * 2.0 * hh * sin(a) * wg_sinc(z) + beta * cos(a) * 2.0 * hh * hh * wg_q(z));
    }
    L->acc += s;
}

/** Add the weighted integral over [t0, t1] within [-Ts, Ts]. */
static void wg_local_add(struct wg_local *L, double t0, double t1)
{
    if (t0 < 0.0 && t1 > 0.0) {
        wg_local_add_side(L, t0, 0.0);
        wg_local_add_side(L, 0.0, t1);
    } else {
        wg_local_add_side(L, t0, t1);
    }
}

/**
 * Conducting parts where v(tau) = v0 + dv*tau lies in [m + lo, m + 1) for integers m with
 * on(m) (lo in [0, 1); burst: on(m) from the cycle index whole + m). The caller has checked
 * |dv| * 2h <= WG_MAX_SPAN. Returns the number of switching instants strictly inside the window;
 * with @p integrate, adds the integral over the conducting parts to L->acc.
 */
static unsigned wg_local_windows(struct wg_local *L, double v0, double dv, double lo,
                                 const struct omp_wave_channel *ch, double whole, bool integrate)
{
    const double va = v0 - fabs(dv) * L->h;
    const double vb = v0 + fabs(dv) * L->h;
    const bool burst = ch->shape == OMP_WAVE_SHAPE_BURST;
    const double on_c = burst ? wg_count(ch->shape_param) : 0.0;
    const double kk = burst ? on_c + wg_count(ch->shape_param2) : 0.0;
    unsigned sw = 0;
    bool prev = false;
    for (double m = floor(va); m <= vb; m += 1.0) {
        bool on = true;
        if (burst) {
            const double c = whole + m;
            on = c - kk * floor(c / kk) < on_c;
        }
        const double e0 = m + lo;
        const double e1 = m + 1.0;
        const bool in0 = e0 > va && e0 < vb;
        if (lo > 0.0) {
            sw += (in0 ? 1u : 0u) + (e1 > va && e1 < vb ? 1u : 0u);
        } else {
            sw += (in0 && on != prev) ? 1u : 0u;
        }
        prev = on;
        const double p0 = e0 > va ? e0 : va;
        const double p1 = e1 < vb ? e1 : vb;
        if (integrate && on && p1 > p0) {
            double t0 = (p0 - v0) / fabs(dv);
            double t1 = (p1 - v0) / fabs(dv);
            if (dv < 0.0) {
                const double tmp = -t0;
                t0 = -t1;
                t1 = tmp;
            }
            wg_local_add(L, t0 < -L->h ? -L->h : t0, t1 > L->h ? L->h : t1);
        }
    }
    return sw;
}

#define WG_HW_MAX_SUB 64u

/** Half-wave: conducting where the unshaped sum is positive; crossings bracketed on a grid of
 *  at most 1/8 of the fastest component's period, then bisected. Returns the crossings found;
 *  integrates only when there is one. */
static unsigned wg_local_half_wave(struct wg_local *L)
{
    double omax = 0.0;
    for (uint32_t k = 0; k < L->nc; k++) {
        omax = fabs(L->om[k]) > omax ? fabs(L->om[k]) : omax;
    }
    double msub = ceil(8.0 * omax * 2.0 * L->h / WG_TWO_PI);
    msub = msub < 2.0 ? 2.0 : (msub > (double)WG_HW_MAX_SUB ? (double)WG_HW_MAX_SUB : msub);
    const unsigned ms = (unsigned)msub;
    const double step = 2.0 * L->h / msub;
    bool s[WG_HW_MAX_SUB + 1u];
    unsigned sw = 0;
    for (unsigned j = 0; j <= ms; j++) {
        const double tj = j == ms ? L->h : -L->h + step * (double)j;
        s[j] = wg_local_x(L, tj) > 0.0;
        sw += (j > 0u && s[j] != s[j - 1u]) ? 1u : 0u;
    }
    if (sw == 0u) {
        return 0u;
    }
    double start = -L->h; /* start of the open conducting part (when s[j - 1] is on) */
    for (unsigned j = 1; j <= ms; j++) {
        if (s[j] == s[j - 1u]) {
            continue;
        }
        double lo = -L->h + step * (double)(j - 1u);
        double hi = j == ms ? L->h : -L->h + step * (double)j;
        for (unsigned it = 0; it < 64u && hi - lo > 1e-18; it++) {
            const double mid = 0.5 * (lo + hi);
            if ((wg_local_x(L, mid) > 0.0) == s[j - 1u]) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        const double r = 0.5 * (lo + hi);
        if (s[j - 1u]) {
            wg_local_add(L, start, r);
        } else {
            start = r;
        }
    }
    if (s[ms]) {
        wg_local_add(L, start, L->h);
    }
    return sw;
}

/**
 * Shaped value (before envelope and dc) of @p ch at phase @p th, time @p t: the integrating-ADC
 * sample, or the point value when the shape does not switch within its window.
 */
static double wg_shaped(const struct omp_wave *w, const struct omp_wave_channel *ch,
                        struct wg_phase th, double t)
{
    struct wg_local L;
    L.nc = 0u;
    L.h = 1.0 / w->fs_hz;
    L.f = w->f0_hz + w->ramp_hz_per_s * t;
    L.x0 = 0.0;
    L.acc = 0.0;
    const uint32_t nc = wg_ncomp(ch);
    double u0 = 0.0; /* the fundamental's own phase, cycles (phase-fired) */
    for (uint32_t k = 0; k < nc; k++) {
        const struct omp_wave_component *c = &ch->comp[k];
        const double cyc = wg_comp_cycles(c, th);
        if (k == 0u) {
            u0 = cyc;
        }
        if (c->rms == 0.0f) {
            continue;
        }
        const double a = WG_SQRT2 * (double)c->rms;
        const double ph = WG_TWO_PI * cyc;
        const double om = WG_TWO_PI * (double)c->order * L.f;
        const double z = 0.5 * om * L.h;
        L.amp[L.nc] = a;
        L.ph[L.nc] = ph;
        L.om[L.nc] = om;
        const double sz = wg_sinc(z);
        L.g[L.nc] = fabs(z) < 0.5 * WG_PI ? 1.0 / (sz * sz) : 1.0;
        L.nc++;
        L.x0 += a * sin(ph);
    }
    const bool finite = isfinite(L.h) && L.h > 0.0 && isfinite(L.f);
    switch (ch->shape) {
    case OMP_WAVE_SHAPE_HALF_WAVE:
        if (!finite || L.nc == 0u) {
            return L.x0 > 0.0 ? L.x0 : 0.0;
        }
        if (wg_local_half_wave(&L) == 0u) {
            return L.x0 > 0.0 ? L.x0 : 0.0; /* no crossing: the point value, exactly */
        }
        return L.acc;
    case OMP_WAVE_SHAPE_PHASE_FIRED: {
        if (nc == 0u) {
            return L.x0;
        }
        double u = u0;
        if (u >= 0.5) {
            u -= 0.5;
        }
        const double al = (double)ch->shape_param;
        const bool on0 = u * 360.0 >= al;
        const double dv = 2.0 * (double)ch->comp[0].order * L.f; /* half-cycles per second */
        if (!finite || !(al > 0.0 && al < 180.0) || !(fabs(dv) * 2.0 * L.h <= WG_MAX_SPAN)) {
            return on0 ? L.x0 : 0.0; /* never / always conducting, or degenerate */
        }
        if (wg_local_windows(&L, 2.0 * u0, dv, al / 180.0, ch, 0.0, false) == 0u) {
            return on0 ? L.x0 : 0.0;
        }
        (void)wg_local_windows(&L, 2.0 * u0, dv, al / 180.0, ch, 0.0, true);
        return L.acc;
    }
    case OMP_WAVE_SHAPE_BURST: {
        const double on_c = wg_count(ch->shape_param);
        const double k = on_c + wg_count(ch->shape_param2);
        if (k <= 0.0) {
            return L.x0;
        }
        const double m = th.whole - k * floor(th.whole / k);
        const bool on0 = m < on_c;
        if (!finite || !(fabs(L.f) * 2.0 * L.h <= WG_MAX_SPAN)) {
            return on0 ? L.x0 : 0.0;
        }
        if (wg_local_windows(&L, th.frac, L.f, 0.0, ch, th.whole, false) == 0u) {
            return on0 ? L.x0 : 0.0;
        }
        (void)wg_local_windows(&L, th.frac, L.f, 0.0, ch, th.whole, true);
        return L.acc;
    }
    case OMP_WAVE_SHAPE_NONE:
    default:
        return L.x0;
    }
}

/** Physical value of channel @p ch at t = n/fs - d_s, evaluated directly (shaped channels: the
 *  integrating-ADC sample). */
static double wg_chan_direct(const struct omp_wave *w, const struct omp_wave_channel *ch,
                             uint64_t n, double d_s)
{
    const struct wg_phase th = wg_theta(w, n, d_s);
    const double t = (double)n / w->fs_hz - d_s;
    double x = 0.0;
    if (ch->shape != OMP_WAVE_SHAPE_NONE) {
        x = wg_shaped(w, ch, th, t);
    } else {
        const uint32_t nc = wg_ncomp(ch);
        for (uint32_t k = 0; k < nc; k++) {
            const struct omp_wave_component *c = &ch->comp[k];
            if (c->rms != 0.0f) {
                x += WG_SQRT2 * (double)c->rms * sin(WG_TWO_PI * wg_comp_cycles(c, th));
            }
        }
    }
    if (ch->n_steps > 0u) {
        x *= wg_env(ch, t);
    }
    return x + (double)ch->dc;
}

/**
 * Physical values of @p ch for samples base + j0 .. base + j0 + cnt - 1 (t shifted by -d_s) into
 * out[0..cnt). @p base is a multiple of WG_BLOCK and j0 + cnt <= WG_BLOCK.
 */
static void wg_chan_block(const struct omp_wave *w, const struct omp_wave_channel *ch,
                          uint64_t base, double d_s, size_t j0, size_t cnt, double *out)
{
    if (w->ramp_hz_per_s != 0.0 || ch->shape != OMP_WAVE_SHAPE_NONE) {
        for (size_t j = 0; j < cnt; j++) {
            out[j] = wg_chan_direct(w, ch, base + j0 + j, d_s);
        }
        return;
    }
    for (size_t j = 0; j < cnt; j++) {
        out[j] = 0.0;
    }
    const struct wg_phase th = wg_theta(w, base, d_s);
    const uint32_t nc = wg_ncomp(ch);
    for (uint32_t k = 0; k < nc; k++) {
        const struct omp_wave_component *c = &ch->comp[k];
        if (c->rms == 0.0f) {
            continue;
        }
        const double a = WG_SQRT2 * (double)c->rms;
        const double x0 = WG_TWO_PI * wg_comp_cycles(c, th);
        double dl = (double)c->order * w->f0_hz / w->fs_hz; /* cycles per sample */
        dl = WG_TWO_PI * (dl - floor(dl));
        const double rr = cos(dl);
        const double ri = sin(dl);
        double zr = cos(x0);
        double zi = sin(x0);
        for (size_t j = 0; j < j0; j++) {
            const double t = zr * rr - zi * ri;
            zi = zr * ri + zi * rr;
            zr = t;
        }
        for (size_t j = 0; j < cnt; j++) {
            out[j] += a * zi;
            const double t = zr * rr - zi * ri;
            zi = zr * ri + zi * rr;
            zr = t;
        }
    }
    if (ch->n_steps > 0u) {
        for (size_t j = 0; j < cnt; j++) {
            out[j] *= wg_env(ch, (double)(base + j0 + j) / w->fs_hz - d_s);
        }
    }
    const double dc = (double)ch->dc;
    for (size_t j = 0; j < cnt; j++) {
        out[j] += dc;
    }
}

/** Round half away from zero and clamp to +-(2^23 - 1); NaN gives 0. */
static int32_t wg_code(double y)
{
    if (isnan(y)) {
        return 0;
    }
    if (y >= WG_CODE_MAX) {
        return (int32_t)WG_CODE_MAX;
    }
    if (y <= -WG_CODE_MAX) {
        return -(int32_t)WG_CODE_MAX;
    }
    return (int32_t)(y >= 0.0 ? y + 0.5 : y - 0.5);
}

/* ------------------------------------------------------------------------------------------ */
/* Public API                                                                                  */
/* ------------------------------------------------------------------------------------------ */

void omp_adc_model_spec(struct omp_adc_model *m)
{
    if (m == NULL) {
        return;
    }
    memset(m, 0, sizeof *m);
    m->v_full_scale_v = 400.0f;
    m->i_full_scale_a = 170.0f;
    m->v_offset_fs = 0.001f;
    m->i_offset_fs = 0.001f;
    m->v_gain_err = 0.005f;
    m->i_gain_err = 0.005f;
    m->i_lag_deg = 0.30f;
    m->f_nominal_hz = 50.0f;
    m->noise_dbfs = -90.0f;
    m->crosstalk_v_to_i_db = -300.0f;
    m->seed = 1u;
}

void omp_wave_reset(struct omp_wave *w)
{
    if (w == NULL) {
        return;
    }
    w->n = 0u;
    w->rng = (uint64_t)w->adc.seed;
}

void omp_wave_init_sine(struct omp_wave *w, double fs_hz, double f_hz, float urms, float irms,
                        float phi_deg, const struct omp_adc_model *adc)
{
    if (w == NULL) {
        return;
    }
    memset(w, 0, sizeof *w);
    w->fs_hz = fs_hz;
    w->f0_hz = f_hz;
    w->ramp_hz_per_s = 0.0;
    w->v.n_comp = 1u;
    w->v.comp[0].order = 1.0f;
    w->v.comp[0].rms = urms;
    w->v.comp[0].phase_deg = 0.0f;
    w->i.n_comp = 1u;
    w->i.comp[0].order = 1.0f;
    w->i.comp[0].rms = irms;
    w->i.comp[0].phase_deg = -phi_deg;
    if (adc != NULL) {
        w->adc = *adc;
        w->adc_on = true;
    } else {
        struct omp_adc_model m;
        omp_adc_model_spec(&m);
        memset(&w->adc, 0, sizeof w->adc);
        w->adc.v_full_scale_v = m.v_full_scale_v;
        w->adc.i_full_scale_a = m.i_full_scale_a;
        w->adc.f_nominal_hz = m.f_nominal_hz;
        w->adc.noise_dbfs = -300.0f;
        w->adc.crosstalk_v_to_i_db = -300.0f;
        w->adc.seed = m.seed;
        w->adc_on = false;
    }
    omp_wave_reset(w);
}

void omp_wave_fill(struct omp_wave *w, int32_t *vi, size_t n_pairs)
{
    if (w == NULL || vi == NULL) {
        return;
    }
    const struct omp_adc_model *m = &w->adc;
    const bool fe = w->adc_on;
    const double kv = (fe ? 1.0 + (double)m->v_gain_err : 1.0) / (double)m->v_full_scale_v
                      * WG_CODE_SCALE;
    const double ki = (fe ? 1.0 + (double)m->i_gain_err : 1.0) / (double)m->i_full_scale_a
                      * WG_CODE_SCALE;
    const double ov = fe ? (double)m->v_offset_fs * WG_CODE_SCALE : 0.0;
    const double oi = fe ? (double)m->i_offset_fs * WG_CODE_SCALE : 0.0;
    const double d_i = (fe && m->f_nominal_hz > 0.0f)
                           ? (double)m->i_lag_deg / (360.0 * (double)m->f_nominal_hz) : 0.0;
    const double sig = (fe && m->noise_dbfs >= -200.0f)
                           ? pow(10.0, (double)m->noise_dbfs / 20.0) * WG_CODE_SCALE : 0.0;
    const double xt = (fe && m->crosstalk_v_to_i_db >= -200.0f)
                          ? pow(10.0, (double)m->crosstalk_v_to_i_db / 20.0) : 0.0;
    uint64_t rng = w->rng;
    double bv[WG_BLOCK];
    double bi[WG_BLOCK];
    while (n_pairs > 0u) {
        const uint64_t n = w->n;
        const uint64_t base = n - n % WG_BLOCK;
        const size_t j0 = (size_t)(n - base);
        size_t cnt = WG_BLOCK - j0;
        if (cnt > n_pairs) {
            cnt = n_pairs;
        }
        wg_chan_block(w, &w->v, base, 0.0, j0, cnt, bv);
        wg_chan_block(w, &w->i, base, d_i, j0, cnt, bi);
        if (sig > 0.0) {
            for (size_t j = 0; j < cnt; j++) {
                const double yv = bv[j] * kv;
                const double nv = sig * wg_gauss(&rng);
                const double ni = sig * wg_gauss(&rng);
                vi[2u * j] = wg_code(yv + ov + nv);
                vi[2u * j + 1u] = wg_code(bi[j] * ki + oi + xt * yv + ni);
            }
        } else {
            for (size_t j = 0; j < cnt; j++) {
                const double yv = bv[j] * kv;
                vi[2u * j] = wg_code(yv + ov);
                vi[2u * j + 1u] = wg_code(bi[j] * ki + oi + xt * yv);
            }
        }
        vi += 2u * cnt;
        n_pairs -= cnt;
        w->n = n + cnt;
    }
    w->rng = rng;
}

void omp_wave_eval(const struct omp_wave *w, uint64_t n, double *u_v, double *i_a)
{
    if (w == NULL) {
        return;
    }
    if (u_v != NULL) {
        *u_v = wg_chan_direct(w, &w->v, n, 0.0);
    }
    if (i_a != NULL) {
        *i_a = wg_chan_direct(w, &w->i, n, 0.0);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Truth                                                                                       */
/* ------------------------------------------------------------------------------------------ */

/** Integral of cos(k*psi + b) over [a0, a1]. */
static double wg_icos(double k, double b, double a0, double a1)
{
    if (k == 0.0) {
        return (a1 - a0) * cos(b);
    }
    return (sin(k * a1 + b) - sin(k * a0 + b)) / k;
}

static bool wg_comps_ok(const struct omp_wave_channel *ch)
{
    if (ch->n_comp > OMP_WAVE_MAX_COMPONENTS) {
        return false;
    }
    for (uint32_t k = 0; k < ch->n_comp; k++) {
        const double o = (double)ch->comp[k].order;
        if (!(o > 0.0) || !isfinite(o) || !isfinite((double)ch->comp[k].rms) ||
            !isfinite((double)ch->comp[k].phase_deg)) {
            return false;
        }
    }
    return isfinite((double)ch->dc);
}

/** Mean square of an unshaped channel's periodic part (components of equal order add as phasors). */
static double wg_ms(const struct omp_wave_channel *ch)
{
    double s = 0.0;
    for (uint32_t j = 0; j < ch->n_comp; j++) {
        for (uint32_t k = 0; k < ch->n_comp; k++) {
            if (ch->comp[j].order == ch->comp[k].order) {
                s += (double)ch->comp[j].rms * (double)ch->comp[k].rms *
                     cos(((double)ch->comp[j].phase_deg - (double)ch->comp[k].phase_deg) * WG_PI /
                         180.0);
            }
        }
    }
    return s;
}

/** Fundamental phasor (rms, sine reference) of an unshaped channel. */
static void wg_fund(const struct omp_wave_channel *ch, double *re, double *im)
{
    *re = 0.0;
    *im = 0.0;
    for (uint32_t k = 0; k < ch->n_comp; k++) {
        if (ch->comp[k].order == 1.0f) {
            const double ph = (double)ch->comp[k].phase_deg * WG_PI / 180.0;
            *re += (double)ch->comp[k].rms * cos(ph);
            *im += (double)ch->comp[k].rms * sin(ph);
        }
    }
}

omp_err omp_wave_true(const struct omp_wave *w, struct omp_wave_truth *t)
{
    if (w == NULL || t == NULL) {
        return OMP_ERR_ARG;
    }
    const struct omp_wave_channel *v = &w->v;
    const struct omp_wave_channel *c = &w->i;
    if (!wg_comps_ok(v) || !wg_comps_ok(c)) {
        return OMP_ERR_ARG;
    }
    if (v->shape != OMP_WAVE_SHAPE_NONE) {
        return OMP_ERR_UNSUPPORTED;
    }
    const double dcu = (double)v->dc;
    const double dci = (double)c->dc;
    struct omp_wave_truth r;
    memset(&r, 0, sizeof r);
    r.urms_v = sqrt(wg_ms(v) + dcu * dcu);
    double ure;
    double uim;
    double ire;
    double iim;
    wg_fund(v, &ure, &uim);

    if (c->shape == OMP_WAVE_SHAPE_NONE) {
        double p = 0.0;
        for (uint32_t j = 0; j < v->n_comp; j++) {
            for (uint32_t k = 0; k < c->n_comp; k++) {
                if (v->comp[j].order == c->comp[k].order) {
                    p += (double)v->comp[j].rms * (double)c->comp[k].rms *
                         cos(((double)v->comp[j].phase_deg - (double)c->comp[k].phase_deg) * WG_PI /
                             180.0);
                }
            }
        }
        r.p_w = p + dcu * dci;
        r.irms_a = sqrt(wg_ms(c) + dci * dci);
        wg_fund(c, &ire, &iim);
    } else {
        /* A sinusoidal current A*sin(psi), psi = theta + phi_i, kept on windows of psi. */
        if (c->n_comp != 1u || c->comp[0].order != 1.0f || c->comp[0].rms < 0.0f) {
            return OMP_ERR_UNSUPPORTED;
        }
        for (uint32_t j = 0; j < v->n_comp; j++) {
            const double o = (double)v->comp[j].order;
            if (o != floor(o)) {
                return OMP_ERR_UNSUPPORTED; /* interharmonic voltage: not periodic per cycle */
            }
        }
        const double amp = WG_SQRT2 * (double)c->comp[0].rms;
        const double phi_i = (double)c->comp[0].phase_deg * WG_PI / 180.0;
        double win[2][2] = { { 0.0, WG_PI }, { 0.0, 0.0 } };
        size_t nwin = 1u;
        double duty = 1.0;
        switch (c->shape) {
        case OMP_WAVE_SHAPE_HALF_WAVE:
            break;
        case OMP_WAVE_SHAPE_PHASE_FIRED: {
            double al = (double)c->shape_param;
            al = al < 0.0 ? 0.0 : (al > 180.0 ? 180.0 : al);
            al *= WG_PI / 180.0;
            win[0][0] = al;
            win[0][1] = WG_PI;
            win[1][0] = WG_PI + al;
            win[1][1] = 2.0 * WG_PI;
            nwin = 2u;
            break;
        }
        case OMP_WAVE_SHAPE_BURST: {
            const double on = wg_count(c->shape_param);
            const double k = on + wg_count(c->shape_param2);
            duty = k > 0.0 ? on / k : 1.0;
            win[0][1] = 2.0 * WG_PI;
            break;
        }
        case OMP_WAVE_SHAPE_NONE:
        default:
            return OMP_ERR_UNSUPPORTED;
        }
        double i_s = 0.0;  /* integral of sin psi */
        double i_ss = 0.0; /* of sin^2 psi */
        double i_sc = 0.0; /* of sin psi cos psi */
        for (size_t q = 0; q < nwin; q++) {
            const double a0 = win[q][0];
            const double a1 = win[q][1];
            i_s += wg_icos(1.0, -0.5 * WG_PI, a0, a1);
            i_ss += 0.5 * ((a1 - a0) - wg_icos(2.0, 0.0, a0, a1));
            i_sc += 0.5 * wg_icos(2.0, -0.5 * WG_PI, a0, a1);
        }
        const double mean_s = duty * amp * i_s / (2.0 * WG_PI);
        const double ms_s = duty * amp * amp * i_ss / (2.0 * WG_PI);
        const double a1c = duty * amp * i_ss / WG_PI; /* fundamental: a1 sin psi + b1 cos psi */
        const double b1c = duty * amp * i_sc / WG_PI;
        double p = 0.0;
        for (uint32_t j = 0; j < v->n_comp; j++) {
            /* v_j = sqrt2 U sin(m psi + beta), beta = phi_j - m phi_i */
            const double m = (double)v->comp[j].order;
            const double beta = (double)v->comp[j].phase_deg * WG_PI / 180.0 - m * phi_i;
            double in = 0.0;
            for (size_t q = 0; q < nwin; q++) {
                in += 0.5 * (wg_icos(m - 1.0, beta, win[q][0], win[q][1]) -
                             wg_icos(m + 1.0, beta, win[q][0], win[q][1]));
            }
            p += duty * amp * WG_SQRT2 * (double)v->comp[j].rms * in / (2.0 * WG_PI);
        }
        r.p_w = p + dcu * mean_s + dcu * dci;
        const double ims = ms_s + 2.0 * dci * mean_s + dci * dci;
        r.irms_a = sqrt(ims > 0.0 ? ims : 0.0);
        const double i1 = sqrt(a1c * a1c + b1c * b1c) / WG_SQRT2;
        const double ph1 = phi_i + atan2(b1c, a1c);
        ire = i1 * cos(ph1);
        iim = i1 * sin(ph1);
    }
    r.u1_v = sqrt(ure * ure + uim * uim);
    r.i1_a = sqrt(ire * ire + iim * iim);
    if (r.u1_v > 0.0 && r.i1_a > 0.0) {
        /* lag of I1 behind U1: arg(U1) - arg(I1) = arg(U1 * conj(I1)) in (-180, 180] */
        const double cre = ure * ire + uim * iim;
        const double cim = uim * ire - ure * iim;
        r.phi1_deg = atan2(cim, cre) * 180.0 / WG_PI;
        r.q1_var = cim; /* U1 I1 sin(phi1) */
    }
    *t = r;
    return OMP_OK;
}

/*
 * The meter's optical port: an IEC 62056-21 server (lib/iec62056_21) on OMP_PORT_OPTICAL with
 * the application an OMNIPOWER shows there (Kamstrup IEC 1107 doc 55121458; technical facts 10;
 * docs/iec62056-21.md "Meter side (omp_meter)").
 *
 * - Sign-on: `/KAM5` + cfg.optical_ident; the request address is the meter number in decimal.
 * - Readout (mode A/C, and mode D0): User Data 1 (fixed) or User Data 2 (cfg.optical_ud2, by
 *   default Kamstrup's 27 objects), one object per line `C.D.E(value*unit)`. Energies use the
 *   display's Z1 format, truncated (omp_meter_priv_format_energy, the display's formatter).
 * - Programming mode: R1 (any object, the 131.0.x settings), R5/W5 clock, R6 98.1.0 billing log
 *   in blocks, W1 of 1.0.0, 129.0.0, the 131.0.x settings. Everything else answers `ERnn text`;
 *   legal data (energies, maxima, counters, calibration) is never written from here.
 *
 * The settings (131.0.x) are RAM copies of the configuration's factory values; a changed
 * setting other than the user-data select restarts the server with it once no reader is signed
 * on.
 */
#include <string.h>

#include "omnipower/iec62056_21.h"
#include "omnipower/meter.h"

#include "meter_priv.h"

/* Answers to refused commands: `STX ERnn text ETX BCC` (Kamstrup: up to 32 characters, "ER").
 * docs/iec62056-21.md lists them. */
#define ER_UNKNOWN_OBJECT  "ER01 UNKNOWN OBJECT"  /* id not on this port */
#define ER_FORMAT          "ER02 BAD FORMAT"      /* data not `id(value)`, value syntax */
#define ER_RANGE           "ER03 OUT OF RANGE"    /* setting range, invalid date */
#define ER_READ_ONLY       "ER04 READ ONLY"       /* legal or measured object */
#define ER_NOT_SUPPORTED   "ER05 NOT SUPPORTED"   /* known, not available in this meter */
#define ER_UNKNOWN_COMMAND "ER06 UNKNOWN COMMAND" /* R2-R4, W2-W4, E2 */
#define ER_DEVICE          "ER07 DEVICE ERROR"    /* NVM or RTC failure */
#define ER_NO_ROOM         "ER08 NO ROOM"         /* a record does not fit a block */

#define AGE_NONE         UINT32_MAX /* R6: no record left */
#define R6_BLOCK_DEFAULT 6u         /* R6: records per block when the command names none */
#define POLL_ROUNDS      64u        /* server rounds per omp_meter_poll (one readout line each) */
#define CLOCK_LEN        14u        /* NVYYMMDDhhmmss */
#define INITIAL_BAUD     300u       /* the rate of every sign-on */
#define TICK_PERIOD_MS   100u       /* omp_meter_tick() comes at least this often (meter.h) */
#define OP(c, t)         (((unsigned)(c) << 8) | (unsigned)(t)) /* command letter and type */

/* ---- object table -------------------------------------------------------------------------- */

static const char *const k_ids[OMP_OBJ_COUNT] = {
    [OMP_OBJ_NONE] = "",
    [OMP_OBJ_METER_NUMBER] = "0.0.1",
    [OMP_OBJ_STATUS] = "97.97.0",
    [OMP_OBJ_A_PLUS] = "1.8.0",
    [OMP_OBJ_A_PLUS_T1] = "1.8.1",
    [OMP_OBJ_A_PLUS_T2] = "1.8.2",
    [OMP_OBJ_A_PLUS_T3] = "1.8.3",
    [OMP_OBJ_A_PLUS_T4] = "1.8.4",
    [OMP_OBJ_A_MINUS] = "2.8.0",
    [OMP_OBJ_A_MINUS_T1] = "2.8.1",
    [OMP_OBJ_A_MINUS_T2] = "2.8.2",
    [OMP_OBJ_R_PLUS] = "3.8.0",
    [OMP_OBJ_R_PLUS_T1] = "3.8.1",
    [OMP_OBJ_R_PLUS_T2] = "3.8.2",
    [OMP_OBJ_R_PLUS_T3] = "3.8.3",
    [OMP_OBJ_R_PLUS_T4] = "3.8.4",
    [OMP_OBJ_R_MINUS] = "4.8.0",
    [OMP_OBJ_R_MINUS_T1] = "4.8.1",
    [OMP_OBJ_R_MINUS_T2] = "4.8.2",
    [OMP_OBJ_E_PLUS] = "9.8.0",
    [OMP_OBJ_E_MINUS] = "10.8.0",
    [OMP_OBJ_P_PLUS_MAX] = "1.6.0",
    [OMP_OBJ_P_PLUS_MAX_T1] = "1.6.1",
    [OMP_OBJ_P_PLUS_MAX_T2] = "1.6.2",
    [OMP_OBJ_P_MINUS_MAX] = "2.6.0",
    [OMP_OBJ_Q_PLUS_MAX] = "3.6.0",
    [OMP_OBJ_Q_MINUS_MAX] = "4.6.0",
    [OMP_OBJ_S_PLUS_MAX] = "9.6.0",
    [OMP_OBJ_S_MINUS_MAX] = "10.6.0",
    [OMP_OBJ_P_PLUS_ACC] = "1.2.0",
    [OMP_OBJ_P_PLUS_ACC_T1] = "1.2.1",
    [OMP_OBJ_P_PLUS_ACC_T2] = "1.2.2",
    [OMP_OBJ_P_MINUS_ACC] = "2.2.0",
    [OMP_OBJ_Q_PLUS_ACC] = "3.2.0",
    [OMP_OBJ_Q_MINUS_ACC] = "4.2.0",
    [OMP_OBJ_BILLING_COUNT] = "0.1.0",
    [OMP_OBJ_HOURS] = "96.8.0",
    [OMP_OBJ_CLOCK] = "1.0.0",
    [OMP_OBJ_PULSE] = "0.128.1",
    [OMP_OBJ_TARIFF] = "129.0.0",
    [OMP_OBJ_U] = "32.7.0",
    [OMP_OBJ_I] = "31.7.0",
    [OMP_OBJ_P_PLUS] = "1.7.0",
    [OMP_OBJ_P_MINUS] = "2.7.0",
    [OMP_OBJ_Q_PLUS] = "3.7.0",
    [OMP_OBJ_Q_MINUS] = "4.7.0",
    [OMP_OBJ_FREQ] = "14.7.0",
    [OMP_OBJ_PF] = "13.7.0",
};

/* User Data 1 (fixed; technical facts 10.4). */
static const uint8_t k_ud1[] = {
    OMP_OBJ_METER_NUMBER, OMP_OBJ_A_PLUS, OMP_OBJ_A_PLUS_T1, OMP_OBJ_A_PLUS_T2,  OMP_OBJ_A_PLUS_T3,
    OMP_OBJ_A_PLUS_T4,    OMP_OBJ_HOURS,  OMP_OBJ_PULSE,     OMP_OBJ_P_PLUS_MAX,
};

/* User Data 2 factory list (technical facts 10.4, the 27 objects in order). */
static const uint8_t k_ud2_default[] = {
    OMP_OBJ_METER_NUMBER,  OMP_OBJ_STATUS,      OMP_OBJ_A_PLUS,      OMP_OBJ_A_PLUS_T1,
    OMP_OBJ_A_PLUS_T2,     OMP_OBJ_A_MINUS,     OMP_OBJ_A_MINUS_T1,  OMP_OBJ_A_MINUS_T2,
    OMP_OBJ_R_PLUS,        OMP_OBJ_R_PLUS_T1,   OMP_OBJ_R_PLUS_T2,   OMP_OBJ_R_MINUS,
    OMP_OBJ_R_MINUS_T1,    OMP_OBJ_R_MINUS_T2,  OMP_OBJ_P_PLUS_MAX,  OMP_OBJ_P_PLUS_MAX_T1,
    OMP_OBJ_P_PLUS_MAX_T2, OMP_OBJ_P_MINUS_MAX, OMP_OBJ_P_PLUS_ACC,  OMP_OBJ_P_MINUS_ACC,
    OMP_OBJ_Q_PLUS_MAX,    OMP_OBJ_Q_PLUS_ACC,  OMP_OBJ_Q_MINUS_MAX, OMP_OBJ_Q_MINUS_ACC,
    OMP_OBJ_BILLING_COUNT, OMP_OBJ_HOURS,       OMP_OBJ_CLOCK,
};

/* The 131.0.x settings of the IR port (technical facts 10.2), in this order. */
enum setting {
    SET_UD,
    SET_D0_INTERVAL,
    SET_D0_BAUD,
    SET_MODE,
    SET_TA,
    SET_TR,
    SET_TT,
    SET_TI,
    SET_COUNT
};
static const struct {
    const char *id;
    uint32_t lo, hi;
} k_settings[SET_COUNT] = {
    [SET_UD] = {"131.0.3", 0u, 1u},         [SET_D0_INTERVAL] = {"131.0.6", 0u, 17280u},
    [SET_D0_BAUD] = {"131.0.9", 0u, 5u},    [SET_MODE] = {"131.0.12", 0u, 2u},
    [SET_TA] = {"131.0.13", 1000u, 65000u}, [SET_TR] = {"131.0.14", 1000u, 65000u},
    [SET_TT] = {"131.0.15", 1000u, 65000u}, [SET_TI] = {"131.0.16", 5u, 240u},
};

/* Objects a Kamstrup meter has that this one does not offer (answer ER05, not ER01). */
static const char *const k_not_supported[] = {
    "96.5.1",  /* OperationState */
    "99.1.0",  /* load profile */
    "99.1.1",  /* analysis logger */
    "98.2.0",  /* billing logger 2 */
    "131.0.17" /* User Data 2 content: W5 in manufacturer mode (Y = 6) only */
};

static bool str_eq(const char *a, const char *b)
{
    return strcmp(a, b) == 0;
}

static uint8_t find_obj(const char *id)
{
    for (uint8_t c = 1u; c < (uint8_t)OMP_OBJ_COUNT; c++) {
        if (str_eq(k_ids[c], id)) {
            return c;
        }
    }
    return OMP_OBJ_NONE;
}

static int find_setting(const char *id)
{
    for (int k = 0; k < (int)SET_COUNT; k++) {
        if (str_eq(k_settings[k].id, id)) {
            return k;
        }
    }
    return -1;
}

static bool not_supported(const char *id)
{
    for (size_t k = 0; k < OMP_ARRAY_LEN(k_not_supported); k++) {
        if (str_eq(k_not_supported[k], id)) {
            return true;
        }
    }
    return id[0] == '9' && id[1] == '9' && id[2] == '.' && id[3] == '9' && id[4] == '8' &&
           id[5] == '.'; /* event logs 99.98.x */
}

/* ---- configuration --------------------------------------------------------------------------- */

void omp_meter_priv_iec21_cfg_default(struct omp_meter_cfg *cfg)
{
    omp_meter_priv_copy_str(cfg->optical_ident, sizeof cfg->optical_ident, " 6841138BN143002");
    omp_meter_priv_copy_str(cfg->optical_password, sizeof cfg->optical_password, "12345");
    cfg->optical_programming = true;
    cfg->optical.user_data = 1u;   /* UD2 */
    cfg->optical.d0_interval = 0u; /* D0 off */
    cfg->optical.d0_baud = 3u;     /* 2400 Bd */
    cfg->optical.comm_mode = 1u;   /* A+C */
    cfg->optical.ta_ms = 1500u;
    cfg->optical.tr_ms = 1500u;
    cfg->optical.tt_ms = 1700u;
    cfg->optical.ti_s = 90u;
    memset(cfg->optical_ud2, 0, sizeof cfg->optical_ud2);
    memcpy(cfg->optical_ud2, k_ud2_default, sizeof k_ud2_default);
    cfg->optical_ud2_len = (uint8_t)sizeof k_ud2_default;
}

static bool in_range(uint32_t v, enum setting s)
{
    return v >= k_settings[s].lo && v <= k_settings[s].hi;
}

/* Length of the NUL-terminated @p s within @p cap bytes, or SIZE_MAX without a NUL. */
static size_t bounded_len(const char *s, size_t cap)
{
    for (size_t k = 0; k < cap; k++) {
        if (s[k] == '\0') {
            return k;
        }
    }
    return SIZE_MAX;
}

static bool is_print(char c)
{
    return c >= ' ' && c <= '~';
}

bool omp_meter_priv_iec21_cfg_valid(const struct omp_meter_cfg *c)
{
    const struct omp_meter_optical *o = &c->optical;
    if (!in_range(o->user_data, SET_UD) || !in_range(o->d0_interval, SET_D0_INTERVAL) ||
        !in_range(o->d0_baud, SET_D0_BAUD) || !in_range(o->comm_mode, SET_MODE) ||
        !in_range(o->ta_ms, SET_TA) || !in_range(o->tr_ms, SET_TR) || !in_range(o->tt_ms, SET_TT) ||
        !in_range(o->ti_s, SET_TI)) {
        return false;
    }
    /* identification: 1..16 printable characters without '/' and '!', not all spaces, not
     * starting with '\' (IEC 62056-21 6.3.2: it would read as the enhanced `\W`) */
    size_t n = bounded_len(c->optical_ident, sizeof c->optical_ident);
    if (n == 0u || n == SIZE_MAX || c->optical_ident[0] == '\\') {
        return false;
    }
    bool non_space = false;
    for (size_t k = 0; k < n; k++) {
        char ch = c->optical_ident[k];
        if (!is_print(ch) || ch == '/' || ch == '!') {
            return false;
        }
        non_space = non_space || ch != ' ';
    }
    /* password: 1..16 characters that a data set's value may hold (0 only with programming
     * off: an empty password would open programming mode to anyone) */
    n = bounded_len(c->optical_password, sizeof c->optical_password);
    if (n == SIZE_MAX || (n == 0u && c->optical_programming)) {
        return false;
    }
    for (size_t k = 0; k < n; k++) {
        char ch = c->optical_password[k];
        if (!is_print(ch) || ch == ' ' || ch == '(' || ch == ')' || ch == '*' || ch == '/' ||
            ch == '!') {
            return false;
        }
    }
    if (c->optical_ud2_len > OMP_METER_UD2_MAX) {
        return false;
    }
    for (size_t k = 0; k < c->optical_ud2_len; k++) {
        if (c->optical_ud2[k] == OMP_OBJ_NONE || c->optical_ud2[k] >= (uint8_t)OMP_OBJ_COUNT) {
            return false;
        }
    }
    return non_space;
}

/* ---- values ---------------------------------------------------------------------------------- */

/* `NVYYMMDDhhmmss` of UTC @p utc as local wall clock: N = 1 with the DST hour included, V = 1
 * when @p valid; all zero but MMDD 0101 when @p utc cannot be shown (as a never-set stamp). */
static void fmt_clock(const struct omp_meter *m, omp_time_s utc, bool valid, char *out)
{
    struct omp_datetime dt;
    bool dst = false;
    if (!omp_meter_priv_local(m, utc, &dt, &dst)) {
        omp_meter_priv_copy_str(out, CLOCK_LEN + 1u, "00000101000000");
        return;
    }
    char *p = out;
    *p++ = dst ? '1' : '0';
    *p++ = valid ? '1' : '0';
    p = omp_meter_priv_put_digits(p, dt.year % 100u, 2u);
    p = omp_meter_priv_put_digits(p, dt.month, 2u);
    p = omp_meter_priv_put_digits(p, dt.day, 2u);
    p = omp_meter_priv_put_digits(p, dt.hour, 2u);
    p = omp_meter_priv_put_digits(p, dt.minute, 2u);
    p = omp_meter_priv_put_digits(p, dt.second, 2u);
    *p = '\0';
}

/* The meter's clock: the RTC (V = 1), else the last valid time it saw (V = 0). */
static void fmt_now(const struct omp_meter *m, char *out)
{
    if (m->now.rtc_valid) {
        fmt_clock(m, m->now.utc_s, true, out);
    } else if (m->utc_keep_valid) {
        fmt_clock(m, m->utc_keep_s, false, out);
    } else {
        omp_meter_priv_copy_str(out, CLOCK_LEN + 1u, "00000101000000");
    }
}

/* A maximum's capture time; never set (utc 0): `00000101000000` as the IEC doc's example. */
static void fmt_capture(const struct omp_meter *m, omp_time_s utc, char *out)
{
    if (utc == 0) {
        omp_meter_priv_copy_str(out, CLOCK_LEN + 1u, "00000101000000");
    } else {
        fmt_clock(m, utc, true, out);
    }
}

/* Power in W (or var, VA) as kW with @p int_digits integer digits and 3 decimals. */
static void fmt_kw(uint64_t w, unsigned int_digits, char *out)
{
    char *p = omp_meter_priv_put_digits(out, w / 1000u, int_digits);
    *p++ = '.';
    p = omp_meter_priv_put_digits(p, w % 1000u, 3u);
    *p = '\0';
}

/* A counter: at least @p width digits, more if it needs them. */
static void fmt_count(uint64_t v, unsigned width, char *out)
{
    *omp_meter_priv_put_uint(out, v, width) = '\0';
}

/* Meter status 97.97.0 (bits of 1.1.97.97.0.255, technical facts 3.1): bit 1 "EEPROM or data
 * backup/restore error" when the registers did not restore cleanly or the NVM needs reopening;
 * the other bits have no source in this meter (0). */
static uint8_t meter_status(const struct omp_meter *m)
{
    return (m->restore_err != OMP_OK || m->nvm_reopen) ? 0x02u : 0x00u;
}

struct value {
    char v[OMP_METER_PRIV_VALUE_MAX];
    const char *unit;        /* NULL: none */
    char ts[CLOCK_LEN + 1u]; /* second group (capture time) when has_ts */
    bool has_ts;
};

/* Energy register (micro-units) of @p code, or NULL if the registers keep none. */
static const uint64_t *energy_of(const struct omp_meter *m, uint8_t code, const char **unit)
{
    const struct omp_regs_energy *e = &m->regs.e;
    unsigned t = 0u;
    *unit = "kWh";
    switch (code) {
    case OMP_OBJ_A_PLUS:
        return &e->total.a_plus_uwh;
    case OMP_OBJ_A_MINUS:
        return &e->total.a_minus_uwh;
    case OMP_OBJ_A_PLUS_T1:
    case OMP_OBJ_A_PLUS_T2:
    case OMP_OBJ_A_PLUS_T3:
    case OMP_OBJ_A_PLUS_T4:
        t = (unsigned)(code - OMP_OBJ_A_PLUS_T1);
        return t < OMP_CONFIG_TARIFFS ? &e->a_plus_t[t] : NULL;
    case OMP_OBJ_E_PLUS:
        *unit = "kVAh";
        return &e->total.e_plus_uvah;
    case OMP_OBJ_E_MINUS:
        *unit = "kVAh";
        return &e->total.e_minus_uvah;
    default:
        break;
    }
    *unit = "kvarh";
    switch (code) {
    case OMP_OBJ_R_PLUS:
        return &e->total.r_plus_uvarh;
    case OMP_OBJ_R_MINUS:
        return &e->total.r_minus_uvarh;
    case OMP_OBJ_R_PLUS_T1:
    case OMP_OBJ_R_PLUS_T2:
    case OMP_OBJ_R_PLUS_T3:
    case OMP_OBJ_R_PLUS_T4:
        t = (unsigned)(code - OMP_OBJ_R_PLUS_T1);
        return t < OMP_CONFIG_TARIFFS ? &e->r_plus_t[t] : NULL;
    default:
        return NULL;
    }
}

/* Maximum of @p code, or NULL if the registers keep none. */
static const struct omp_regs_peak *peak_of(const struct omp_meter *m, uint8_t code,
                                           const char **unit)
{
    const struct omp_regs_peaks *p = &m->regs.peaks;
    *unit = "kW";
    switch (code) {
    case OMP_OBJ_P_PLUS_MAX:
        return &p->p_plus;
    case OMP_OBJ_P_PLUS_MAX_T1:
        return &p->p_plus_t[0];
    case OMP_OBJ_P_PLUS_MAX_T2:
        return &p->p_plus_t[1];
    case OMP_OBJ_Q_PLUS_MAX:
        *unit = "kvar";
        return &p->q_plus;
    case OMP_OBJ_S_PLUS_MAX:
        *unit = "kVA";
        return &p->s_plus;
    case OMP_OBJ_S_MINUS_MAX:
        *unit = "kVA";
        return &p->s_minus;
    default:
        return NULL;
    }
}

/* Accumulated maximum of @p code (W, var), or NULL if the registers keep none. */
static const uint64_t *acc_of(const struct omp_meter *m, uint8_t code, const char **unit)
{
    const struct omp_regs_acc *a = &m->regs.acc;
    *unit = "kW";
    switch (code) {
    case OMP_OBJ_P_PLUS_ACC:
        return &a->p_plus;
    case OMP_OBJ_P_PLUS_ACC_T1:
        return &a->p_plus_t[0];
    case OMP_OBJ_P_PLUS_ACC_T2:
        return &a->p_plus_t[1];
    case OMP_OBJ_Q_PLUS_ACC:
        *unit = "kvar";
        return &a->q_plus;
    default:
        return NULL;
    }
}

/* Instantaneous values from the last mains cycle: rounded, unpadded (docs: formats). */
static bool instant_of(const struct omp_meter *m, uint8_t code, struct value *out)
{
    const struct omp_cycle *c = &m->last;
    float v = 0.0f;
    unsigned dec = 3u;
    switch (code) {
    case OMP_OBJ_U:
        v = c->urms_v * 10.0f;
        dec = 1u;
        out->unit = "V";
        break;
    case OMP_OBJ_I:
        v = c->irms_a * 100.0f;
        dec = 2u;
        out->unit = "A";
        break;
    case OMP_OBJ_P_PLUS:
        v = c->p_w > 0.0f ? c->p_w : 0.0f;
        out->unit = "kW";
        break;
    case OMP_OBJ_P_MINUS:
        v = c->p_w < 0.0f ? c->p_w : 0.0f;
        out->unit = "kW";
        break;
    case OMP_OBJ_Q_PLUS:
        v = c->q_var > 0.0f ? c->q_var : 0.0f;
        out->unit = "kvar";
        break;
    case OMP_OBJ_Q_MINUS:
        v = c->q_var < 0.0f ? c->q_var : 0.0f;
        out->unit = "kvar";
        break;
    case OMP_OBJ_FREQ:
        v = c->f_hz * 100.0f;
        dec = 2u;
        out->unit = "Hz";
        break;
    case OMP_OBJ_PF:
        v = c->pf * 1000.0f;
        break;
    default:
        return false;
    }
    omp_meter_priv_format_scaled(v, dec, out->v);
    return true;
}

/* The value of object @p code as the readout shows it; an object the registers do not keep
 * gets an empty value and no unit. */
static void value_of(const struct omp_meter *m, uint8_t code, struct value *out)
{
    memset(out, 0, sizeof *out);
    const char *unit = NULL;
    const uint64_t *e = energy_of(m, code, &unit);
    const struct omp_regs_peak *pk = NULL;
    const uint64_t *acc = NULL;
    if (e != NULL) {
        omp_meter_priv_format_energy(m, *e / 1000u, out->v); /* micro -> milli units */
        out->unit = unit;
    } else if ((pk = peak_of(m, code, &unit)) != NULL) {
        fmt_kw(pk->value, 5u, out->v); /* xxxxx.xxx */
        out->unit = unit;
        fmt_capture(m, pk->utc, out->ts);
        out->has_ts = true;
    } else if ((acc = acc_of(m, code, &unit)) != NULL) {
        fmt_kw(*acc, 6u, out->v); /* xxxxxx.xxx */
        out->unit = unit;
    } else if (!instant_of(m, code, out)) {
        switch (code) {
        case OMP_OBJ_METER_NUMBER:
            fmt_count(m->cfg.meter_number, 8u, out->v);
            break;
        case OMP_OBJ_STATUS:
            fmt_count(meter_status(m), 1u, out->v);
            break;
        case OMP_OBJ_BILLING_COUNT:
            fmt_count(m->regs.billing_count, 2u, out->v);
            break;
        case OMP_OBJ_HOURS:
            fmt_count(m->regs.hours, 7u, out->v);
            break;
        case OMP_OBJ_PULSE:
            fmt_count(m->regs.pulse_milli / 1000u, 7u, out->v);
            break;
        case OMP_OBJ_TARIFF:
            fmt_count(m->tariff_now, 1u, out->v);
            break;
        case OMP_OBJ_CLOCK:
            fmt_now(m, out->v);
            break;
        default:
            break; /* not kept: `id()` */
        }
    }
}

/* `id(value*unit)` [`(capture time)`], all or nothing. */
static omp_err put_obj(struct omp_wr *w, const struct omp_meter *m, uint8_t code)
{
    struct value v;
    value_of(m, code, &v);
    size_t mark = omp_wr_len(w);
    omp_err err = omp_iec21_put_dataset(w, k_ids[code], v.v, v.unit);
    if (err == OMP_OK && v.has_ts) {
        err = omp_iec21_put_dataset(w, NULL, v.ts, NULL);
    }
    if (err != OMP_OK) {
        omp_wr_truncate(w, mark);
    }
    return err;
}

/* ---- the server's application ---------------------------------------------------------------- */

static omp_err put_crlf(struct omp_wr *w)
{
    static const uint8_t crlf[2] = {OMP_IEC21_CR, OMP_IEC21_LF};
    return omp_wr_bytes(w, crlf, sizeof crlf);
}

static omp_err app_readout_line(void *user, enum omp_iec21_list list, size_t index,
                                struct omp_wr *w)
{
    const struct omp_meter *m = user;
    (void)list; /* mode D0 sends the list a readout sends (131.0.3) */
    uint8_t code = OMP_OBJ_NONE;
    if (m->optical.user_data == 0u) {
        if (index >= sizeof k_ud1) {
            return OMP_ERR_NOT_FOUND;
        }
        code = k_ud1[index];
    } else {
        if (index >= m->cfg.optical_ud2_len) {
            return OMP_ERR_NOT_FOUND;
        }
        code = m->cfg.optical_ud2[index];
    }
    size_t mark = omp_wr_len(w);
    omp_err err = put_obj(w, m, code);
    if (err == OMP_OK) {
        err = put_crlf(w);
    }
    if (err != OMP_OK) {
        omp_wr_truncate(w, mark);
    }
    return err;
}

static omp_err reply_error(struct omp_wr *w, enum omp_iec21_reply *reply, const char *text)
{
    *reply = OMP_IEC21_REPLY_ERROR;
    return omp_wr_bytes(w, text, strlen(text));
}

/* A command's data `id(value)`: id 1..16 characters without '(' ')', value without ')'. */
struct request {
    char id[OMP_IEC21_DS_ADDRESS_MAX + 1u];
    const uint8_t *value;
    size_t value_len;
};

static bool parse_request(const struct omp_iec21_span *d, struct request *r)
{
    size_t k = 0;
    while (k < d->len && d->ptr[k] != (uint8_t)'(') {
        if (k >= OMP_IEC21_DS_ADDRESS_MAX || d->ptr[k] == (uint8_t)')' || d->ptr[k] < 0x20u ||
            d->ptr[k] > 0x7Eu) {
            return false;
        }
        r->id[k] = (char)d->ptr[k];
        k++;
    }
    if (k == 0u || k >= d->len) {
        return false; /* no id, or no '(' */
    }
    r->id[k] = '\0';
    size_t v0 = k + 1u;
    size_t e = v0;
    while (e < d->len && d->ptr[e] != (uint8_t)')') {
        if (d->ptr[e] == (uint8_t)'(') {
            return false;
        }
        e++;
    }
    if (e + 1u != d->len) {
        return false; /* no ')', or something after it: one data set only */
    }
    r->value = d->ptr + v0;
    r->value_len = e - v0;
    return true;
}

static bool all_digits(const uint8_t *s, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        if (s[k] < (uint8_t)'0' || s[k] > (uint8_t)'9') {
            return false;
        }
    }
    return true;
}

static uint32_t digits_value(const uint8_t *s, size_t n)
{
    uint32_t v = 0;
    for (size_t k = 0; k < n; k++) {
        v = v * 10u + (uint32_t)(s[k] - (uint8_t)'0');
    }
    return v;
}

/* A setting's value: 1..9 decimal digits. */
static bool parse_uint(const uint8_t *s, size_t n, uint32_t *v)
{
    if (n == 0u || n > 9u || !all_digits(s, n)) {
        return false;
    }
    *v = digits_value(s, n);
    return true;
}

/* `NYYMMDDhhmmss` (W5, R6 limits): local time, N = 1 summer time, which the meter takes as one
 * hour ahead of normal time whatever the DST rule says (IEC doc p.37: it stores normal time).
 * @return OMP_OK, OMP_ERR_MALFORMED (syntax), OMP_ERR_RANGE (no such date or time). */
static omp_err parse_clock(const struct omp_meter *m, const uint8_t *s, size_t n, omp_time_s *utc)
{
    if (n != 13u || !all_digits(s, n) || s[0] > (uint8_t)'1') {
        return OMP_ERR_MALFORMED;
    }
    struct omp_datetime dt = {0};
    dt.year = (uint16_t)(2000u + digits_value(s + 1, 2u));
    dt.month = (uint8_t)digits_value(s + 3, 2u);
    dt.day = (uint8_t)digits_value(s + 5, 2u);
    dt.hour = (uint8_t)digits_value(s + 7, 2u);
    dt.minute = (uint8_t)digits_value(s + 9, 2u);
    dt.second = (uint8_t)digits_value(s + 11, 2u);
    omp_time_s local = 0;
    if (omp_datetime_to_time(&dt, &local) != OMP_OK) {
        return OMP_ERR_RANGE;
    }
    *utc = local - (omp_time_s)m->cfg.utc_offset_min * 60 -
           (s[0] == (uint8_t)'1' ? (omp_time_s)OMP_SECONDS_PER_HOUR : 0);
    return OMP_OK;
}

static uint32_t setting_get(const struct omp_meter *m, int k)
{
    const struct omp_meter_optical *o = &m->optical;
    switch (k) {
    case SET_UD:
        return o->user_data;
    case SET_D0_INTERVAL:
        return o->d0_interval;
    case SET_D0_BAUD:
        return o->d0_baud;
    case SET_MODE:
        return o->comm_mode;
    case SET_TA:
        return o->ta_ms;
    case SET_TR:
        return o->tr_ms;
    case SET_TT:
        return o->tt_ms;
    default:
        return o->ti_s;
    }
}

static void setting_set(struct omp_meter *m, int k, uint32_t v)
{
    struct omp_meter_optical *o = &m->optical;
    switch (k) {
    case SET_UD:
        o->user_data = (uint8_t)v;
        return; /* the next readout uses it */
    case SET_D0_INTERVAL:
        o->d0_interval = (uint16_t)v;
        break;
    case SET_D0_BAUD:
        o->d0_baud = (uint8_t)v;
        break;
    case SET_MODE:
        o->comm_mode = (uint8_t)v;
        break;
    case SET_TA:
        o->ta_ms = (uint16_t)v;
        break;
    case SET_TR:
        o->tr_ms = (uint16_t)v;
        break;
    case SET_TT:
        o->tt_ms = (uint16_t)v;
        break;
    default:
        o->ti_s = (uint8_t)v;
        break;
    }
    m->iec21_restart = true; /* the server takes it when the reader has signed off */
}

static omp_err write_clock(struct omp_meter *m, const struct request *r, struct omp_wr *w,
                           enum omp_iec21_reply *reply)
{
    omp_time_s utc = 0;
    omp_err err = parse_clock(m, r->value, r->value_len, &utc);
    if (err == OMP_ERR_MALFORMED) {
        return reply_error(w, reply, ER_FORMAT);
    }
    if (err == OMP_OK) {
        err = omp_meter_set_clock(m, utc);
    }
    if (err == OMP_ERR_RANGE) {
        return reply_error(w, reply, ER_RANGE);
    }
    if (err != OMP_OK) {
        return reply_error(w, reply, ER_DEVICE);
    }
    *reply = OMP_IEC21_REPLY_ACK;
    return OMP_OK;
}

static omp_err cmd_read(struct omp_meter *m, const struct request *r, struct omp_wr *w,
                        enum omp_iec21_reply *reply)
{
    uint8_t code = find_obj(r->id);
    int k = find_setting(r->id);
    if (code != OMP_OBJ_NONE) {
        omp_err err = put_obj(w, m, code);
        *reply = OMP_IEC21_REPLY_DATA;
        return err;
    }
    if (k >= 0) {
        char v[12];
        fmt_count(setting_get(m, k), 1u, v);
        *reply = OMP_IEC21_REPLY_DATA;
        return omp_iec21_put_dataset(w, r->id, v, NULL);
    }
    return reply_error(w, reply, not_supported(r->id) ? ER_NOT_SUPPORTED : ER_UNKNOWN_OBJECT);
}

static omp_err cmd_write(struct omp_meter *m, const struct request *r, struct omp_wr *w,
                         enum omp_iec21_reply *reply)
{
    uint8_t code = find_obj(r->id);
    int k = find_setting(r->id);
    uint32_t v = 0;
    if (code == OMP_OBJ_CLOCK) {
        return write_clock(m, r, w, reply);
    }
    if (code == OMP_OBJ_TARIFF) {
        /* ActualTariff: only when the tariff comes from this register (tariff source 2) */
        if (!parse_uint(r->value, r->value_len, &v)) {
            return reply_error(w, reply, ER_FORMAT);
        }
        omp_err err = omp_meter_priv_force_tariff(m, v > 255u ? 0u : (uint8_t)v);
        if (err != OMP_OK) {
            return reply_error(w, reply,
                               err == OMP_ERR_UNSUPPORTED ? ER_NOT_SUPPORTED
                               : err == OMP_ERR_RANGE     ? ER_RANGE
                                                          : ER_DEVICE);
        }
        *reply = OMP_IEC21_REPLY_ACK;
        return OMP_OK;
    }
    if (code != OMP_OBJ_NONE) {
        return reply_error(w, reply, ER_READ_ONLY); /* legal data and measurements */
    }
    if (k >= 0) {
        if (!parse_uint(r->value, r->value_len, &v)) {
            return reply_error(w, reply, ER_FORMAT);
        }
        if (!in_range(v, (enum setting)k)) {
            return reply_error(w, reply, ER_RANGE);
        }
        setting_set(m, k, v);
        *reply = OMP_IEC21_REPLY_ACK;
        return OMP_OK;
    }
    return reply_error(w, reply, not_supported(r->id) ? ER_NOT_SUPPORTED : ER_UNKNOWN_OBJECT);
}

/* ---- R6 98.1.0: the billing log in blocks -----------------------------------------------------
 */

/* Header of every block: column count, then (id)(unit) per column (IEC doc p.19, 39). */
static const char k_r6_header[] =
    "98.1.0(6)(1.0.0)()(0.1.0)()(1.8.0)(kWh)(2.8.0)(kWh)(3.8.0)(kvarh)(4.8.0)(kvarh)\r\n";

/* Point m->r6_age at the next record (oldest first) whose stop time is in the range and read it.
 * @return OMP_OK, OMP_ERR_NOT_FOUND (none left), or the billing log's error. */
static omp_err r6_seek(struct omp_meter *m, struct omp_regs_snapshot *s)
{
    /* debiting stops taken since the last call made every record older by one */
    uint64_t grown = m->snapshots - m->r6_snapshots;
    m->r6_snapshots = m->snapshots;
    if (m->r6_age != AGE_NONE) {
        uint64_t age = (uint64_t)m->r6_age + grown;
        m->r6_age = age >= AGE_NONE ? AGE_NONE - 1u : (uint32_t)age;
    }
    while (m->r6_age != AGE_NONE) {
        if (m->r6_age >= m->billing.count) { /* overwritten meanwhile: go on with the oldest */
            m->r6_age = m->billing.count == 0u ? AGE_NONE : m->billing.count - 1u;
            continue;
        }
        omp_err err = omp_meter_billing_read(m, m->r6_age, s);
        if (err != OMP_OK) {
            return err;
        }
        if (s->utc >= m->r6_from_utc && s->utc <= m->r6_to_utc) {
            return OMP_OK;
        }
        m->r6_age = m->r6_age == 0u ? AGE_NONE : m->r6_age - 1u;
    }
    return OMP_ERR_NOT_FOUND;
}

static omp_err r6_row(struct omp_wr *w, const struct omp_meter *m,
                      const struct omp_regs_snapshot *s)
{
    char t[CLOCK_LEN + 1u];
    char v[OMP_METER_PRIV_VALUE_MAX];
    fmt_clock(m, s->utc, (s->quality & OMP_REGS_Q_CLOCK_BAD) == 0u, t);
    omp_err err = omp_iec21_put_dataset(w, NULL, t, NULL);
    fmt_count(s->billing_count, 2u, v);
    if (err == OMP_OK) {
        err = omp_iec21_put_dataset(w, NULL, v, NULL);
    }
    const uint64_t e[4] = {s->energy.total.a_plus_uwh, s->energy.total.a_minus_uwh,
                           s->energy.total.r_plus_uvarh, s->energy.total.r_minus_uvarh};
    for (size_t k = 0; k < 4u && err == OMP_OK; k++) {
        omp_meter_priv_format_energy(m, e[k] / 1000u, v);
        err = omp_iec21_put_dataset(w, NULL, v, NULL);
    }
    if (err == OMP_OK) {
        err = put_crlf(w);
    }
    return err;
}

/* One block: the header, then up to r6_block records (fewer when they do not fit); PARTIAL
 * while a matching record is left, DATA for the last block. */
static omp_err r6_block(struct omp_meter *m, struct omp_wr *w, enum omp_iec21_reply *reply)
{
    const size_t start = omp_wr_len(w);
    if (omp_wr_bytes(w, k_r6_header, sizeof k_r6_header - 1u) != OMP_OK) {
        m->r6_age = AGE_NONE;
        return reply_error(w, reply, ER_NO_ROOM);
    }
    unsigned rows = 0;
    for (;;) {
        struct omp_regs_snapshot s;
        omp_err err = r6_seek(m, &s);
        if (err == OMP_ERR_NOT_FOUND) {
            *reply = OMP_IEC21_REPLY_DATA; /* the last block */
            return OMP_OK;
        }
        if (err != OMP_OK) {
            omp_wr_truncate(w, start);
            m->r6_age = AGE_NONE;
            return reply_error(w, reply, ER_DEVICE);
        }
        if (rows == m->r6_block) {
            break; /* r6_age points at the first record of the next block */
        }
        size_t mark = omp_wr_len(w);
        if (r6_row(w, m, &s) != OMP_OK) {
            omp_wr_truncate(w, mark);
            if (rows == 0u) {
                omp_wr_truncate(w, start);
                m->r6_age = AGE_NONE;
                return reply_error(w, reply, ER_NO_ROOM);
            }
            break;
        }
        rows++;
        m->r6_age = m->r6_age == 0u ? AGE_NONE : m->r6_age - 1u;
    }
    *reply = OMP_IEC21_REPLY_PARTIAL;
    return OMP_OK;
}

/* R6 C.D.E(start;end;blocksize): start and end `NYYMMDDhhmmss` or empty (end needs start),
 * blocksize 1..99 records or empty (6). */
static omp_err r6_start(struct omp_meter *m, const struct request *r, struct omp_wr *w,
                        enum omp_iec21_reply *reply)
{
    if (!str_eq(r->id, "98.1.0")) {
        return reply_error(w, reply, not_supported(r->id) ? ER_NOT_SUPPORTED : ER_UNKNOWN_OBJECT);
    }
    const uint8_t *f[3] = {r->value, NULL, NULL};
    size_t n[3] = {0, 0, 0};
    size_t nf = 1;
    for (size_t k = 0; k < r->value_len; k++) {
        if (r->value[k] != (uint8_t)';') {
            n[nf - 1u]++;
        } else if (nf == 3u) {
            return reply_error(w, reply, ER_FORMAT);
        } else {
            f[nf] = r->value + k + 1u;
            nf++;
        }
    }
    omp_time_s from = INT64_MIN, to = INT64_MAX;
    uint32_t block = R6_BLOCK_DEFAULT;
    omp_err err = OMP_OK;
    if (n[0] != 0u) {
        err = parse_clock(m, f[0], n[0], &from);
    } else if (n[1] != 0u) {
        err = OMP_ERR_MALFORMED; /* an end needs a start */
    }
    if (err == OMP_OK && n[1] != 0u) {
        err = parse_clock(m, f[1], n[1], &to);
    }
    if (err == OMP_OK && n[2] != 0u) {
        err = (n[2] <= 2u && parse_uint(f[2], n[2], &block)) ? OMP_OK : OMP_ERR_MALFORMED;
        if (err == OMP_OK && block == 0u) {
            err = OMP_ERR_RANGE;
        }
    }
    if (err != OMP_OK) {
        return reply_error(w, reply, err == OMP_ERR_RANGE ? ER_RANGE : ER_FORMAT);
    }
    m->r6_from_utc = from;
    m->r6_to_utc = to;
    m->r6_block = (uint8_t)block;
    m->r6_snapshots = m->snapshots;
    m->r6_age = m->billing.count == 0u ? AGE_NONE : m->billing.count - 1u;
    return r6_block(m, w, reply);
}

static omp_err app_command(void *user, const struct omp_iec21_msg *cmd, uint32_t block,
                           struct omp_wr *w, enum omp_iec21_reply *reply)
{
    struct omp_meter *m = user;
    const unsigned op = OP(cmd->cmd, cmd->cmd_type);
    if (block != 0u) {
        if (op == OP('R', '6')) {
            return r6_block(m, w, reply);
        }
        return reply_error(w, reply, ER_UNKNOWN_COMMAND);
    }
    if (op != OP('R', '1') && op != OP('R', '5') && op != OP('R', '6') && op != OP('W', '1') &&
        op != OP('W', '5')) {
        return reply_error(w, reply, ER_UNKNOWN_COMMAND);
    }
    struct request r;
    if (!cmd->has_data || !parse_request(&cmd->data, &r)) {
        return reply_error(w, reply, ER_FORMAT);
    }
    if (strchr(r.id, '*') != NULL) {
        return reply_error(w, reply, ER_NOT_SUPPORTED); /* historical values C.D.E*F */
    }
    if (op == OP('R', '1')) {
        return cmd_read(m, &r, w, reply);
    }
    if (op == OP('W', '1')) {
        return cmd_write(m, &r, w, reply);
    }
    if (op == OP('R', '6')) {
        return r6_start(m, &r, w, reply);
    }
    uint8_t code = find_obj(r.id);
    if (code == OMP_OBJ_CLOCK) { /* R5 / W5: the clock only */
        if (op == OP('W', '5')) {
            return write_clock(m, &r, w, reply);
        }
        *reply = OMP_IEC21_REPLY_DATA;
        return put_obj(w, m, code);
    }
    if (code != OMP_OBJ_NONE && op == OP('W', '5')) {
        return reply_error(w, reply, ER_READ_ONLY);
    }
    return reply_error(w, reply, not_supported(r.id) ? ER_NOT_SUPPORTED : ER_UNKNOWN_OBJECT);
}

static const struct omp_iec21_app k_app = {
    .readout_line = app_readout_line,
    .command = app_command,
};

/* ---- the server on the port ------------------------------------------------------------------ */

static void server_cfg(const struct omp_meter *m, struct omp_iec21_server_cfg *c)
{
    static const uint32_t d0_baud[6] = {300u, 600u, 1200u, 2400u, 4800u, 9600u};
    omp_iec21_server_cfg_default(c); /* "KAM", '5', lock-out, tr_min */
    omp_meter_priv_copy_str(c->ident, sizeof c->ident, m->cfg.optical_ident);
    *omp_meter_priv_put_uint(c->address, m->cfg.meter_number, 1u) = '\0';
    c->mode_c = true;
    c->programming = m->cfg.optical_programming;
    omp_meter_priv_copy_str(c->password, sizeof c->password, m->cfg.optical_password);
    c->ta_ms = m->optical.ta_ms;
    c->tt_ms = m->optical.tt_ms;
    c->ti_ms = (uint32_t)m->optical.ti_s * 1000u;
    c->tr_pw_ms = m->optical.tr_ms;
    /* received bytes carry the time of the last tick, up to one tick period (100 ms) before
     * they arrived: answer no sooner than 200 ms (IEC 62056-21 tr) + that period */
    c->tr_min_ms = 200u + TICK_PERIOD_MS;
    c->d0_interval_ms = m->optical.comm_mode == 2u ? (uint32_t)m->optical.d0_interval * 5000u : 0u;
    c->d0_baud = d0_baud[m->optical.d0_baud];
}

/* (Re)start the server with the settings in force; it keeps its counters. */
static omp_err server_start(struct omp_meter *m)
{
    const struct omp_hal_ops *o = m->hal.ops;
    const struct omp_iec21_server *old = &m->iec21;
    /* what survives a restart: the counters and the lock-out after bad passwords */
    const uint32_t keep[8] = {old->signons,       old->readouts,  old->d0_sent,
                              old->prog_sessions, old->bad_passwords, old->lockouts,
                              old->bcc_errors,    old->timeouts};
    const uint8_t keep_failures = old->failures;
    const uint64_t keep_locked = old->locked_until_ms;
    bool was_on = m->iec21_on;
    m->iec21_on = false;
    m->iec21_restart = false;
    if (o->port_write == NULL || o->port_set_baud == NULL || m->optical.comm_mode == 0u) {
        return OMP_OK; /* no optical port, or IEC 62056-21 switched off (131.0.12 = 0) */
    }
    struct omp_iec21_server_cfg c;
    server_cfg(m, &c);
    omp_err err = omp_iec21_server_init(&m->iec21, &c, &k_app, m, m->now.mono_ms);
    if (err != OMP_OK) {
        return err;
    }
    if (was_on) {
        struct omp_iec21_server *n = &m->iec21;
        n->signons = keep[0];
        n->readouts = keep[1];
        n->d0_sent = keep[2];
        n->prog_sessions = keep[3];
        n->bad_passwords = keep[4];
        n->lockouts = keep[5];
        n->bcc_errors = keep[6];
        n->timeouts = keep[7];
        n->failures = keep_failures;
        n->locked_until_ms = keep_locked;
    }
    m->iec21_on = true;
    return OMP_OK;
}

omp_err omp_meter_priv_iec21_start(struct omp_meter *m)
{
    m->optical = m->cfg.optical;
    m->iec21_baud = 0u; /* unknown: the next poll sets the port to 300 Bd 7E1 (6.4.1) */
    m->r6_age = AGE_NONE;
    return server_start(m);
}

omp_err omp_meter_priv_iec21_rx(struct omp_meter *m, const uint8_t *data, size_t len)
{
    if (!m->iec21_on) {
        return OMP_ERR_UNSUPPORTED;
    }
    if (len != 0u) {
        omp_iec21_server_rx(&m->iec21, m->now.mono_ms, data, len);
    }
    return OMP_OK;
}

/* Restart the server with changed settings once no reader is signed on and the port is back
 * at the rate a new server starts with. */
static void restart_when_idle(struct omp_meter *m)
{
    if (m->iec21_restart &&
        (!m->iec21_on ||
         (!omp_iec21_server_busy(&m->iec21) &&
          (m->iec21_baud == INITIAL_BAUD || m->iec21_baud == 0u)))) {
        (void)server_start(m); /* cannot fail: the settings were range-checked */
    }
}

void omp_meter_priv_iec21_poll(struct omp_meter *m)
{
    if (!m->iec21_on) {
        restart_when_idle(m);
        return;
    }
    const struct omp_hal *h = &m->hal;
    if (m->iec21_baud == 0u) { /* a new server: the port starts at 300 Bd, 7E1 */
        if (h->ops->port_set_baud(h->user, OMP_PORT_OPTICAL, INITIAL_BAUD, OMP_FRAMING_7E1) !=
            OMP_OK) {
            return; /* tried again at the next poll */
        }
        m->iec21_baud = INITIAL_BAUD;
    }
    for (unsigned k = 0; k < POLL_ROUNDS; k++) {
        struct omp_iec21_out out;
        omp_iec21_server_poll(&m->iec21, m->now.mono_ms, &out);
        if (out.baud != 0u) {
            if (h->ops->port_set_baud(h->user, OMP_PORT_OPTICAL, out.baud, OMP_FRAMING_7E1) !=
                OMP_OK) {
                return; /* offered again at the next poll */
            }
            m->iec21_baud = out.baud;
        }
        size_t n = 0;
        if (out.tx != NULL && out.tx_len != 0u &&
            h->ops->port_write(h->user, OMP_PORT_OPTICAL, out.tx, out.tx_len, &n) != OMP_OK) {
            n = 0;
        }
        if (n > out.tx_len) {
            n = out.tx_len;
        }
        if (out.baud == 0u && n == 0u) {
            break; /* nothing to do, or the port takes nothing now */
        }
        omp_iec21_server_sent(&m->iec21, n);
        if (n < out.tx_len) {
            break; /* the port is full */
        }
    }
    restart_when_idle(m);
}

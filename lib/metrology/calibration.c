/*
 * Calibration: constants from two reference points, and the legal calibration record.
 *
 * Record layout (OMP_METRO_CAL_RECORD_LEN = 32 bytes, little-endian):
 *   0  "OMPC" magic
 *   4  version (1)
 *   5  3 reserved bytes, zero
 *   8  v_gain    IEEE 754 binary32
 *  12  i_gain    binary32
 *  16  phase_deg binary32
 *  20  v_offset  int32
 *  24  i_offset  int32
 *  28  CRC-32 (omp_crc32) of bytes 0..27
 */
#include <math.h>
#include <string.h>

#include "metrology_priv.h"
#include "omnipower/metrology.h"

#define CAL_VERSION 1u
#define CAL_CRC_AT 28u
#define RAD_TO_DEG 57.29577951308232

static const uint8_t k_magic[4] = {'O', 'M', 'P', 'C'};

static uint32_t f2u(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float u2f(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static int32_t u2i(uint32_t u)
{
    int32_t i;
    memcpy(&i, &u, sizeof i);
    return i;
}

static uint32_t i2u(int32_t i)
{
    uint32_t u;
    memcpy(&u, &i, sizeof u);
    return u;
}

/* The stored record carries no sample rate: check it against the build's configured rate. */
static bool record_values_ok(const struct omp_metro_cal *cal)
{
    return omp_metro_priv_cal_ok(cal, OMP_CONFIG_SAMPLE_RATE_HZ, OMP_CONFIG_MAINS_HZ);
}

omp_err omp_metro_cal_encode(const struct omp_metro_cal *cal, uint8_t *out, size_t cap)
{
    if (cal == NULL || out == NULL) {
        return OMP_ERR_ARG;
    }
    if (cap < OMP_METRO_CAL_RECORD_LEN) {
        return OMP_ERR_NOSPACE;
    }
    uint8_t b[OMP_METRO_CAL_RECORD_LEN];
    struct omp_wr w = omp_wr_init(b, sizeof b);
    (void)omp_wr_bytes(&w, k_magic, sizeof k_magic);
    (void)omp_wr_u8(&w, CAL_VERSION);
    (void)omp_wr_fill(&w, 0u, 3u);
    (void)omp_wr_u32le(&w, f2u(cal->v_gain));
    (void)omp_wr_u32le(&w, f2u(cal->i_gain));
    (void)omp_wr_u32le(&w, f2u(cal->phase_deg));
    (void)omp_wr_u32le(&w, i2u(cal->v_offset));
    (void)omp_wr_u32le(&w, i2u(cal->i_offset));
    (void)omp_wr_u32le(&w, omp_crc32(b, CAL_CRC_AT));
    if (omp_wr_status(&w) != OMP_OK || omp_wr_len(&w) != sizeof b) {
        return OMP_ERR_INTERNAL; /* the layout above is exactly OMP_METRO_CAL_RECORD_LEN bytes */
    }
    memcpy(out, b, sizeof b);
    return OMP_OK;
}

omp_err omp_metro_cal_decode(const uint8_t *in, size_t len, struct omp_metro_cal *cal)
{
    if (in == NULL || cal == NULL) {
        return OMP_ERR_ARG;
    }
    if (len < OMP_METRO_CAL_RECORD_LEN) {
        return OMP_ERR_TRUNCATED;
    }
    if (memcmp(in, k_magic, sizeof k_magic) != 0 || in[4] != CAL_VERSION || in[5] != 0u ||
        in[6] != 0u || in[7] != 0u) {
        return OMP_ERR_MALFORMED;
    }
    struct omp_rd rd = omp_rd_init(in + 8, OMP_METRO_CAL_RECORD_LEN - 8u);
    uint32_t v_gain = 0, i_gain = 0, phase = 0, v_off = 0, i_off = 0, crc = 0;
    omp_err err = omp_rd_u32le(&rd, &v_gain);
    if (err == OMP_OK) { err = omp_rd_u32le(&rd, &i_gain); }
    if (err == OMP_OK) { err = omp_rd_u32le(&rd, &phase); }
    if (err == OMP_OK) { err = omp_rd_u32le(&rd, &v_off); }
    if (err == OMP_OK) { err = omp_rd_u32le(&rd, &i_off); }
    if (err == OMP_OK) { err = omp_rd_u32le(&rd, &crc); }
    if (err != OMP_OK) {
        return OMP_ERR_INTERNAL; /* length was checked above */
    }
    if (omp_crc32(in, CAL_CRC_AT) != crc) {
        return OMP_ERR_CRC;
    }
    struct omp_metro_cal c;
    c.v_gain = u2f(v_gain);
    c.i_gain = u2f(i_gain);
    c.phase_deg = u2f(phase);
    c.v_offset = u2i(v_off);
    c.i_offset = u2i(i_off);
    if (!record_values_ok(&c)) {
        return OMP_ERR_RANGE;
    }
    *cal = c;
    return OMP_OK;
}

static bool raw_ok(const struct omp_metro_raw *r)
{
    return r->cycles > 0u && isfinite(r->urms_codes) && isfinite(r->irms_codes) &&
           isfinite(r->p_codes2) && isfinite(r->q_codes2) && r->urms_codes > 0.0 &&
           r->irms_codes > 0.0;
}

static bool ref_ok(const struct omp_metro_ref *r)
{
    return isfinite(r->urms_v) && isfinite(r->irms_a) && isfinite(r->phi_deg) &&
           r->urms_v > 0.0f && r->irms_a > 0.0f;
}

omp_err omp_metro_calibrate(const struct omp_metro_cal *current, uint32_t fs_hz, uint32_t mains_hz,
                            const struct omp_metro_raw *unity, const struct omp_metro_ref *unity_ref,
                            const struct omp_metro_raw *lagging,
                            const struct omp_metro_ref *lagging_ref, struct omp_metro_cal *out)
{
    if (current == NULL || unity == NULL || unity_ref == NULL || lagging == NULL ||
        lagging_ref == NULL || out == NULL) {
        return OMP_ERR_ARG;
    }
    if (fs_hz == 0u || mains_hz == 0u || !raw_ok(unity) || !raw_ok(lagging) ||
        !ref_ok(unity_ref) || !ref_ok(lagging_ref)) {
        return OMP_ERR_ARG;
    }
    struct omp_metro_cal c = *current;
    c.v_gain = (float)((double)unity_ref->urms_v / unity->urms_codes);
    c.i_gain = (float)((double)unity_ref->irms_a / unity->irms_codes);

    /* phase: measured angle of the lagging point minus the true one, as a time delay */
    double phi = atan2(lagging->q_codes2, lagging->p_codes2) * RAD_TO_DEG;
    double err = phi - (double)lagging_ref->phi_deg;
    while (err > 180.0) {
        err -= 360.0;
    }
    while (err <= -180.0) {
        err += 360.0;
    }
    double f = (isfinite(lagging->f_hz) && lagging->f_hz > 0.0) ? lagging->f_hz : (double)mains_hz;
    c.phase_deg = (float)((double)current->phase_deg + err * (double)mains_hz / f);

    if (!omp_metro_priv_cal_ok(&c, fs_hz, mains_hz)) {
        return OMP_ERR_RANGE;
    }
    *out = c;
    return OMP_OK;
}

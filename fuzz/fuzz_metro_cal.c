/*
 * The calibration record decoder (bytes from NVM: untrusted). Checks: a rejected record leaves the
 * output untouched and fails only with the documented codes; an accepted one re-encodes to a
 * record that decodes to the same values (bit for bit) and equals the input's first
 * OMP_METRO_CAL_RECORD_LEN bytes; the values pass the engine's own init.
 */
#include <string.h>

#include "fuzz.h"
#include "omnipower/metrology.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct omp_metro_cal cal, sentinel;
    memset(&sentinel, 0x5A, sizeof sentinel);
    cal = sentinel;
    omp_err err = omp_metro_cal_decode(data, size, &cal);
    if (err != OMP_OK) {
        OMP_FUZZ_CHECK(err == OMP_ERR_TRUNCATED || err == OMP_ERR_MALFORMED || err == OMP_ERR_CRC ||
                       err == OMP_ERR_RANGE || (err == OMP_ERR_ARG && data == NULL));
        OMP_FUZZ_CHECK(memcmp(&cal, &sentinel, sizeof cal) == 0);
        return 0;
    }
    OMP_FUZZ_CHECK(size >= OMP_METRO_CAL_RECORD_LEN);
    uint8_t out[OMP_METRO_CAL_RECORD_LEN];
    OMP_FUZZ_CHECK(omp_metro_cal_encode(&cal, out, sizeof out) == OMP_OK);
    OMP_FUZZ_CHECK(memcmp(out, data, sizeof out) == 0);
    struct omp_metro_cal again;
    OMP_FUZZ_CHECK(omp_metro_cal_decode(out, sizeof out, &again) == OMP_OK);
    OMP_FUZZ_CHECK(memcmp(&again, &cal, sizeof cal) == 0);

    struct omp_metro_cfg cfg;
    omp_metro_cfg_default(&cfg);
    static struct omp_metro m;
    OMP_FUZZ_CHECK(omp_metro_init(&m, &cfg, &cal, NULL) == OMP_OK);
    return 0;
}

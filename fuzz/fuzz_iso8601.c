/*
 * omp_iso8601_parse on arbitrary bytes. Checks: only the documented error codes; the output is
 * untouched on error; on success the instant is in the library's range, and formatting it and
 * parsing the result gives the same instant (and the canonical text formats to itself).
 */
#include <string.h>

#include "fuzz.h"
#include "omnipower/core.h"

#define SENTINEL ((omp_time_s)0x5A5A5A5A5A5A5A5A)
#define T_END    ((omp_time_s)7258118400) /* 2200-01-01T00:00:00Z */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    omp_time_s t = SENTINEL;
    omp_err err = omp_iso8601_parse(s, size, &t);
    if (err != OMP_OK) {
        OMP_FUZZ_CHECK(err == OMP_ERR_MALFORMED || err == OMP_ERR_RANGE);
        OMP_FUZZ_CHECK(t == SENTINEL);
        return 0;
    }
    OMP_FUZZ_CHECK(t >= 0 && t < T_END);

    char out[21];
    memset(out, 0x5A, sizeof out);
    OMP_FUZZ_CHECK(omp_iso8601_format(t, out, sizeof out) == OMP_OK);
    OMP_FUZZ_CHECK(out[20] == '\0' && strlen(out) == 20u && out[19] == 'Z');
    omp_time_s t2 = SENTINEL;
    OMP_FUZZ_CHECK(omp_iso8601_parse(out, 20, &t2) == OMP_OK);
    OMP_FUZZ_CHECK(t2 == t);

    /* the same instant through the calendar functions */
    struct omp_datetime dt;
    OMP_FUZZ_CHECK(omp_time_to_datetime(t, &dt) == OMP_OK);
    OMP_FUZZ_CHECK(omp_datetime_valid(&dt));
    omp_time_s t3 = SENTINEL;
    OMP_FUZZ_CHECK(omp_datetime_to_time(&dt, &t3) == OMP_OK && t3 == t);

    /* an input that was already canonical formats to itself */
    if (size == 20u && s[10] == 'T' && s[19] == 'Z') {
        OMP_FUZZ_CHECK(memcmp(out, s, 20) == 0);
    }
    return 0;
}

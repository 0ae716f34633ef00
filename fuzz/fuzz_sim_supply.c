/*
 * omp_sim_supply_parse (omnipower-sim --scenario) on arbitrary bytes. Checks: only the documented
 * error codes, with the failing line's number within the text and no scenario kept; on success
 * every line in its range and time order, events not overlapping, and a second of samples from
 * the script stays within the 24-bit codes.
 */
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "omnipower/sim_supply.h"

static struct omp_sim_supply g_s;
static int32_t g_vi[2u * 400u];

static uint32_t lines_in(const uint8_t *data, size_t size)
{
    uint32_t n = 1;
    for (size_t k = 0; k < size; k++) {
        n += data[k] == '\n' ? 1u : 0u;
    }
    return n;
}

static void check_steps(void)
{
    double last_end = 0.0;
    for (uint32_t k = 0; k < g_s.n; k++) {
        const struct omp_sim_supply_step *st = &g_s.step[k];
        OMP_FUZZ_CHECK(st->t_s >= 0.0 && st->t_s <= 1e9 && isfinite(st->a) && isfinite(st->b));
        OMP_FUZZ_CHECK(k == 0u || st->t_s >= g_s.step[k - 1u].t_s);
        OMP_FUZZ_CHECK(st->cmd <= OMP_SUPPLY_INTERRUPTION);
        OMP_FUZZ_CHECK(st->a >= 0.0 && st->a <= 400.0);
        if (st->cmd == OMP_SUPPLY_HARMONIC) {
            OMP_FUZZ_CHECK(st->order >= 2u && st->order <= OMP_SIM_SUPPLY_HMAX && st->a <= 30.0);
        }
        if (st->cmd >= OMP_SUPPLY_DIP) {
            OMP_FUZZ_CHECK(st->t_s >= last_end && st->b >= 1e-3 && st->b <= 1e7);
            last_end = st->t_s + st->b;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t line = 0xFFFFFFFFu;
    omp_err err = omp_sim_supply_parse(&g_s, (const char *)data, size, &line);
    if (err != OMP_OK) {
        OMP_FUZZ_CHECK(err == OMP_ERR_MALFORMED || err == OMP_ERR_RANGE || err == OMP_ERR_NOSPACE);
        OMP_FUZZ_CHECK(line >= 1u && line <= lines_in(data, size) && g_s.n == 0u);
        return 0;
    }
    OMP_FUZZ_CHECK(line == 0u && g_s.n <= OMP_SIM_SUPPLY_STEPS);
    check_steps();
    /* the first 50 ms, and 50 ms at the first line's time (at most a day in) */
    omp_sim_supply_start(&g_s, 8000u);
    const double coef[4] = {1e6, 2e5, 3e5, 1e5};
    omp_sim_supply_fill(&g_s, 0u, 600.0 / 8388608.0, coef, g_vi, 400u);
    uint64_t at = g_s.n != 0u && g_s.step[0].t_s < 86400.0 ? (uint64_t)(g_s.step[0].t_s * 8000.0)
                                                          : 400u;
    omp_sim_supply_fill(&g_s, at < 400u ? 400u : at, 600.0 / 8388608.0, coef, g_vi, 400u);
    for (size_t k = 0; k < 2u * 400u; k++) {
        OMP_FUZZ_CHECK(g_vi[k] >= -8388607 && g_vi[k] <= 8388607);
    }
    return 0;
}

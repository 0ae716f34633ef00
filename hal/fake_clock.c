/* Deterministic fake clock: a test or simulator advances monotonic time and the RTC by hand. */
#include "omnipower/hal_fakes.h"

void omp_fake_clock_init(struct omp_fake_clock *clk, omp_time_s utc_s)
{
    if (clk == NULL) {
        return;
    }
    clk->now.mono_ms = 0u;
    clk->now.utc_s = utc_s;
    clk->now.utc_ms = 0u;
    clk->now.rtc_valid = true;
}

void omp_fake_clock_advance_ms(struct omp_fake_clock *clk, uint64_t ms)
{
    if (clk == NULL) {
        return;
    }
    clk->now.mono_ms += ms;
    uint64_t sub = (uint64_t)clk->now.utc_ms + ms;
    clk->now.utc_s += (omp_time_s)(sub / 1000u);
    clk->now.utc_ms = (uint16_t)(sub % 1000u);
}

void omp_fake_clock_set_utc(struct omp_fake_clock *clk, omp_time_s utc_s)
{
    if (clk == NULL) {
        return;
    }
    clk->now.utc_s = utc_s;
    clk->now.utc_ms = 0u;
    clk->now.rtc_valid = true;
}

/* Monotonic and wall clocks, and the real-or-simulated clock a port hands to omp_meter_tick(). */
#include "omnipower/port_posix.h"

#include <string.h>
#include <time.h>

uint64_t omp_posix_mono_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        return 0; /* cannot happen on a POSIX system with a monotonic clock */
    }
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

omp_err omp_posix_wall_utc(omp_time_s *utc_s, uint16_t *utc_ms)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
        return OMP_ERR_HAL_IO;
    }
    if (utc_s != NULL) {
        *utc_s = (omp_time_s)ts.tv_sec;
    }
    if (utc_ms != NULL) {
        *utc_ms = (uint16_t)(ts.tv_nsec / 1000000);
    }
    return OMP_OK;
}

void omp_posix_clock_init_real(struct omp_posix_clock *c)
{
    if (c == NULL) {
        return;
    }
    memset(c, 0, sizeof *c);
    c->simulated = false;
    c->mono0_ns = omp_posix_mono_ns();
}

void omp_posix_clock_init_sim(struct omp_posix_clock *c, omp_time_s utc0)
{
    if (c == NULL) {
        return;
    }
    memset(c, 0, sizeof *c);
    c->simulated = true;
    c->sim_utc0 = utc0;
}

void omp_posix_clock_advance_ms(struct omp_posix_clock *c, uint64_t ms)
{
    if (c != NULL && c->simulated) {
        c->sim_ms += ms;
    }
}

/* floor division of a signed millisecond count into seconds and 0..999 ms */
static void split_ms(int64_t total_ms, omp_time_s *s, uint16_t *ms)
{
    int64_t sec = total_ms / 1000;
    int64_t rem = total_ms % 1000;
    if (rem < 0) {
        rem += 1000;
        sec -= 1;
    }
    *s = (omp_time_s)sec;
    *ms = (uint16_t)rem;
}

omp_err omp_posix_clock_now(const struct omp_posix_clock *c, struct omp_now *now)
{
    if (c == NULL || now == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_now n = { 0 };
    int64_t utc_ms_total;
    if (c->simulated) {
        n.mono_ms = c->sim_ms;
        utc_ms_total = (int64_t)c->sim_utc0 * 1000 + (int64_t)c->sim_ms;
    } else {
        uint64_t mono = omp_posix_mono_ns();
        n.mono_ms = (mono - c->mono0_ns) / 1000000u;
        omp_time_s s = 0;
        uint16_t ms = 0;
        omp_err err = omp_posix_wall_utc(&s, &ms);
        if (err != OMP_OK) {
            return err;
        }
        utc_ms_total = (int64_t)s * 1000 + (int64_t)ms;
    }
    utc_ms_total += c->utc_adjust_ms;
    split_ms(utc_ms_total, &n.utc_s, &n.utc_ms);
    n.rtc_valid = true;
    *now = n;
    return OMP_OK;
}

omp_err omp_posix_clock_set_utc(struct omp_posix_clock *c, omp_time_s utc_s)
{
    if (c == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_now n;
    omp_err err = omp_posix_clock_now(c, &n);
    if (err != OMP_OK) {
        return err;
    }
    int64_t have_ms = (int64_t)n.utc_s * 1000 + (int64_t)n.utc_ms;
    c->utc_adjust_ms += (int64_t)utc_s * 1000 - have_ms;
    return OMP_OK;
}

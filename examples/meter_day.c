/*
 * Run a meter for one simulated day on the fake board from hal/ and print its registers.
 *
 * The load is a constant 1 kW resistive load (230 V, 4.3478 A in phase), so the meter must count
 * 24 kWh: P = U * I * cos(phi) = 230 * (1000 / 230) * 1 = 1000 W for 86400 s = 24000 Wh.
 */
#include <math.h>
#include <stdio.h>

#include <omnipower/hal_fakes.h>
#include <omnipower/omnipower.h>

#define PI 3.14159265358979323846

int main(void)
{
    static uint8_t nvm_mem[64u * 1024u];
    static struct omp_fake_board board;
    static struct omp_meter meter;
    const struct omp_nvm_geometry geo = { sizeof nvm_mem, 4096u, 4u, 0xFFu, 100000u };

    /* 2026-06-01T00:00:00Z */
    if (omp_fake_board_init(&board, nvm_mem, &geo, NULL, 1780272000) != OMP_OK) {
        return 1;
    }
    struct omp_hal hal = omp_fake_board_hal(&board);
    struct omp_meter_cfg cfg;
    omp_meter_cfg_default(&cfg);
    omp_err err = omp_meter_init(&meter, &hal, &cfg, &board.clock.now);
    if (err != OMP_OK) {
        fprintf(stderr, "omp_meter_init: %s\n", omp_strerror(err));
        return 1;
    }

    /* One mains period of codes at the configured rate, repeated (fs / 50 Hz samples). */
    enum { MAX_PAIRS = 32000 / 50 };
    int32_t vi[2 * MAX_PAIRS];
    const size_t pairs = cfg.sample_rate_hz / 50u;
    const double u_peak = 230.0 * sqrt(2.0), i_peak = (1000.0 / 230.0) * sqrt(2.0);
    for (size_t k = 0; k < pairs; k++) {
        double ph = 2.0 * PI * (double)k / (double)pairs;
        vi[2 * k] = (int32_t)lround(u_peak * sin(ph) / (double)cfg.cal.v_gain);
        vi[2 * k + 1] = (int32_t)lround(i_peak * sin(ph) / (double)cfg.cal.i_gain);
    }

    for (uint32_t period = 0; period < 86400u * 50u; period++) { /* one day of 20 ms periods */
        omp_meter_on_samples(&meter, vi, pairs);
        omp_fake_clock_advance_ms(&board.clock, 20u);
        if (period % 5u == 4u) { /* every 100 ms */
            omp_meter_tick(&meter, &board.clock.now);
            (void)omp_meter_poll(&meter);
        }
    }

    struct omp_meter_snapshot snap;
    if (omp_meter_snapshot(&meter, &snap) != OMP_OK) {
        return 1;
    }
    double kwh = (double)snap.a_plus_mwh / 1e6;
    printf("after one day at 1 kW: A+ = %.3f kWh (expected 24.000), A- = %.3f kWh, "
           "%u NVM saves, display shows [%s] %s %s\n",
           kwh, (double)snap.a_minus_mwh / 1e6, (unsigned)snap.nvm_saves, board.display.id,
           board.display.value, board.display.unit);
    return fabs(kwh - 24.0) < 0.024 ? 0 : 1; /* class 1: 1 % of reading; we expect far better */
}

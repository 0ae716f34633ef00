/*
 * NVM endurance of the register journal at Imax (issue: registers that survive anything).
 *
 *   bench_endurance [DAYS]      simulate DAYS days (default 2) per NVM kind and print the result
 *
 * A meter with the factory configuration runs on the fake board's RAM NVM (64 KiB, 4 KiB sectors,
 * program unit 8) at Imax continuously: 230 V, 100 A, PF 1, 50 Hz, sampled at 4000 Hz (the
 * engine's cost does not matter here, the save policy does). After DAYS simulated days the most
 * erased sector of the whole NVM gives the erase rate; years until it reaches the rated cycles:
 *
 *   years = erase_cycles / (max_sector_erases / DAYS) / 365.2425
 *
 * printed for 100k-cycle flash and 1M-cycle EEPROM (same geometry; the meter's save interval
 * follows the rating, see omp_meter_nvm_info). The target is >= 20 years in 64 KiB of flash.
 * For comparison it prints what saving at every display step (10 Wh) without a budget would give.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omnipower/hal_fakes.h>
#include <omnipower/omnipower.h>

#define NVM_SIZE (64u * 1024u)
#define SECTOR 4096u
#define SECTORS (NVM_SIZE / SECTOR)
#define FS 4000u
#define SPC (FS / 50u)
#define PI 3.14159265358979323846

struct bench {
    uint8_t mem[NVM_SIZE];
    uint32_t erases[SECTORS];
    struct omp_fake_board board;
    struct omp_meter meter;
    int32_t cycle[2u * SPC];
};

static int run(struct bench *b, uint32_t erase_cycles, const char *kind, double days)
{
    const struct omp_nvm_geometry geo = { NVM_SIZE, SECTOR, 8u, 0xFFu, erase_cycles };
    memset(b->erases, 0, sizeof b->erases);
    if (omp_fake_board_init(&b->board, b->mem, &geo, b->erases, (omp_time_s)1798761600) !=
        OMP_OK) { /* 2027-01-01T00:00:00Z */
        return 1;
    }
    struct omp_hal hal = omp_fake_board_hal(&b->board);
    struct omp_meter_cfg cfg;
    omp_meter_cfg_default(&cfg);
    cfg.sample_rate_hz = FS;
    if (omp_meter_init(&b->meter, &hal, &cfg, &b->board.clock.now) != OMP_OK) {
        return 1;
    }
    /* one cycle of 230 V / 100 A at PF 1 in codes of the default front end */
    double vp = 230.0 * sqrt(2.0) / (double)cfg.cal.v_gain;
    double ip = 100.0 * sqrt(2.0) / (double)cfg.cal.i_gain;
    for (unsigned k = 0; k < SPC; k++) {
        double th = 2.0 * PI * k / SPC;
        b->cycle[2u * k] = (int32_t)lround(vp * sin(th));
        b->cycle[2u * k + 1u] = (int32_t)lround(ip * sin(th));
    }
    uint64_t ticks = (uint64_t)(days * 86400.0 * 10.0); /* 100 ms ticks */
    for (uint64_t t = 0; t < ticks; t++) {
        for (unsigned c = 0; c < 5u; c++) {
            omp_meter_on_samples(&b->meter, b->cycle, SPC);
        }
        omp_fake_clock_advance_ms(&b->board.clock, 100u);
        omp_meter_tick(&b->meter, &b->board.clock.now);
        if (omp_meter_poll(&b->meter) != OMP_OK) {
            fprintf(stderr, "poll failed\n");
            return 1;
        }
    }
    struct omp_meter_nvm_info info;
    struct omp_meter_snapshot s;
    if (omp_meter_nvm_info(&b->meter, &info) != OMP_OK || omp_meter_snapshot(&b->meter, &s) != OMP_OK) {
        return 1;
    }
    uint32_t most = 0;
    for (unsigned k = 0; k < SECTORS; k++) {
        most = b->erases[k] > most ? b->erases[k] : most;
    }
    double per_day = most / days;
    double years = per_day > 0.0 ? erase_cycles / per_day / 365.2425 : INFINITY;
    printf("%-14s %7u cycles: journal %u + billing log %u sectors of %u B; hot record %u B, "
           "at most every %u s\n",
           kind, erase_cycles, info.journal_sectors, info.log_sectors, info.sector_size,
           info.hot_record_bytes, info.hot_min_interval_s);
    printf("%-14s   A+ %.3f kWh in %.2f days at Imax; %llu records, %llu bytes programmed, "
           "%llu erases\n",
           kind, (double)s.energy.a_plus_uwh / 1e9, days,
           (unsigned long long)info.store.records_written,
           (unsigned long long)info.store.bytes_programmed,
           (unsigned long long)info.store.erases);
    printf("%-14s   most-erased sector %u erases = %.2f per day -> %.1f years to %u cycles "
           "(target >= %u)\n",
           kind, most, per_day, years, erase_cycles, (unsigned)OMP_CONFIG_NVM_LIFE_YEARS);
    printf("%-14s   loss bound at a power cut without warning, at Imax: %.1f Wh\n", kind,
           info.loss_bound_mwh / 1000.0);
    /* the naive policy: one hot record per 10 Wh display step at 23 kW, no budget */
    double naive_bytes_per_day = 23000.0 * 24.0 / 10.0 * info.hot_record_bytes;
    double usable = (double)(info.journal_sectors - 1u) * (SECTOR - OMP_STORE_SECTOR_HDR);
    printf("%-14s   (a save at every 10 Wh step without a budget: %.1f years)\n", kind,
           erase_cycles * usable / naive_bytes_per_day / 365.2425);
    return 0;
}

int main(int argc, char **argv)
{
    double days = argc > 1 ? atof(argv[1]) : 2.0;
    if (!(days > 0.0 && days <= 365.0)) {
        fprintf(stderr, "usage: bench_endurance [DAYS]\n");
        return 2;
    }
    struct bench *b = calloc(1, sizeof *b);
    if (b == NULL) {
        return 1;
    }
    printf("NVM endurance at Imax (230 V, 100 A, PF 1, continuous), 64 KiB NVM, %.2f simulated "
           "days per kind:\n", days);
    int rc = run(b, 100000u, "flash", days);
    if (rc == 0) {
        rc = run(b, 1000000u, "EEPROM", days);
    }
    free(b);
    return rc;
}

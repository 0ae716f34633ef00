/*
 * A port's test against the installed test fakes (install component test_fakes,
 * omnipower::omnipower_hal): program a RAM NVM through the HAL's NVM ops and cut the power in
 * the middle of a write.
 */
#include <stdio.h>
#include <string.h>

#include <omnipower/omnipower.h>
#include <omnipower/hal_fakes.h>

int main(void)
{
    static uint8_t mem[2u * 256u];
    const struct omp_nvm_geometry geo = {
        .size = sizeof mem, .sector_size = 256u, .program_unit = 1u, .erase_value = 0xFFu,
        .erase_cycles = 100000u};
    struct omp_ram_nvm nvm;
    if (omp_ram_nvm_init(&nvm, mem, &geo, NULL) != OMP_OK) {
        return 1;
    }
    omp_ram_nvm_format(&nvm);

    static const uint8_t rec[] = {0x12, 0x34, 0x56, 0x78};
    uint8_t back[sizeof rec] = {0};
    omp_err ok = omp_ram_nvm_program(&nvm, 0u, rec, sizeof rec);
    if (ok == OMP_OK) {
        ok = omp_ram_nvm_read(&nvm, 0u, back, sizeof back);
    }

    omp_ram_nvm_cut_after(&nvm, 3u); /* the 3rd byte of the next write tears */
    omp_err cut = omp_ram_nvm_program(&nvm, 256u, rec, sizeof rec);
    printf("libomnipower %s test fakes: program %s, power cut %s\n", OMP_VERSION_STRING,
           omp_strerror(ok), omp_strerror(cut));
    return (ok == OMP_OK && memcmp(back, rec, sizeof rec) == 0 && cut == OMP_ERR_POWER_LOST) ? 0 : 1;
}

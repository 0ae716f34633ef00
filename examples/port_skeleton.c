/*
 * The smallest port: the required HAL ops over a RAM array, nothing else. Copy it to start a new
 * board; docs/porting.md explains each op. Optional ops stay NULL and their features report
 * OMP_ERR_UNSUPPORTED.
 */
#include <stdio.h>
#include <string.h>

#include <omnipower/omnipower.h>

struct board {
    uint8_t flash[12u * 4096u]; /* stands in for twelve 4 KiB sectors of a SPI NOR flash: the
                                  meter's smallest region (docs/porting.md section 6) */
    uint32_t primask;          /* stands in for the CPU's interrupt mask */
};

static omp_err board_nvm_geometry(void *user, struct omp_nvm_geometry *geo)
{
    (void)user;
    geo->size = 12u * 4096u;
    geo->sector_size = 4096u;
    geo->program_unit = 4u;
    geo->erase_value = 0xFFu;
    geo->erase_cycles = 100000u;
    return OMP_OK;
}

static omp_err board_nvm_read(void *user, uint32_t addr, void *dst, size_t len)
{
    struct board *b = user;
    if (addr > sizeof b->flash || len > sizeof b->flash - addr) {
        return OMP_ERR_ARG;
    }
    memcpy(dst, &b->flash[addr], len);
    return OMP_OK;
}

static omp_err board_nvm_program(void *user, uint32_t addr, const void *src, size_t len)
{
    struct board *b = user;
    const uint8_t *s = src;
    if (addr > sizeof b->flash || len > sizeof b->flash - addr || (addr % 4u) || (len % 4u)) {
        return OMP_ERR_ARG;
    }
    for (size_t i = 0; i < len; i++) {
        b->flash[addr + i] &= s[i]; /* flash programming only clears bits */
    }
    return OMP_OK;
}

static omp_err board_nvm_erase(void *user, uint32_t addr)
{
    struct board *b = user;
    if (addr >= sizeof b->flash) {
        return OMP_ERR_ARG;
    }
    memset(&b->flash[addr - addr % 4096u], 0xFF, 4096u);
    return OMP_OK;
}

static uint32_t board_crit_enter(void *user)
{
    struct board *b = user;
    uint32_t old = b->primask; /* on a Cortex-M: old = __get_PRIMASK(); __disable_irq(); */
    b->primask = 1u;
    return old;
}

static void board_crit_exit(void *user, uint32_t state)
{
    struct board *b = user;
    b->primask = state; /* on a Cortex-M: __set_PRIMASK(state); */
}

static const struct omp_hal_ops board_ops = {
    .nvm_geometry = board_nvm_geometry,
    .nvm_read = board_nvm_read,
    .nvm_program = board_nvm_program,
    .nvm_erase = board_nvm_erase,
    .crit_enter = board_crit_enter,
    .crit_exit = board_crit_exit,
};

int main(void)
{
    static struct board b;
    static struct omp_meter meter;
    memset(b.flash, 0xFF, sizeof b.flash); /* a new chip is erased */
    struct omp_hal hal = { &board_ops, &b };
    struct omp_meter_cfg cfg;
    omp_meter_cfg_default(&cfg);
    struct omp_now now = { 0u, 1795521600, 0u, true };
    omp_err err = omp_meter_init(&meter, &hal, &cfg, &now);
    printf("port skeleton: omp_meter_init -> %s\n", omp_strerror(err));
    return err == OMP_OK ? 0 : 1;
}

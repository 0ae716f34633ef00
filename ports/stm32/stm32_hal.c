/**
 * @file stm32_hal.c
 * @brief HAL ops for an STM32F405/F407: PRIMASK critical sections, internal-flash NVM (or the RAM
 * NVM of omnipower_hal), USART2 as the optical port.
 *
 * Status of each piece (keep this list true when you change the code):
 * | piece                        | status                                                     |
 * | ---------------------------- | ---------------------------------------------------------- |
 * | crit_enter/crit_exit         | runs in the qemu self-test (netduinoplus2)                 |
 * | NVM over the RAM fake        | runs in the qemu self-test                                 |
 * | NVM over the internal flash  | written to RM0090 3.5-3.6, NOT yet run on hardware; qemu   |
 * |                              | does not emulate the flash controller                      |
 * | USART2 port_write/set_baud   | register writes run under qemu (its USART model accepts    |
 * |                              | them); baud and 7E1 framing NOT yet checked on hardware    |
 * | USART2 RX interrupt + ring   | NOT yet run (qemu gets no input in the self-test)          |
 * | clocks                       | none: the part runs from the 16 MHz HSI after reset        |
 */
#include "stm32_hal.h"

#include <string.h>

#include "stm32f4_regs.h"

/* Busy-wait bounds, in loop iterations. A loop is at least 4 cycles, so at 168 MHz the erase
 * bound is > 1 s (RM0090/datasheet: 16 KiB sector erase typ. 250 ms, max 500 ms at x32) and the
 * word bound > 1 ms (word program typ. 16 us, max 100 us). */
#define FLASH_ERASE_SPINS 50000000u
#define FLASH_PROGRAM_SPINS 100000u
/* Waiting for the last character to leave the shift register: 11 bits at 300 baud = 37 ms. */
#define USART_TC_SPINS 20000000u

/* ---- critical section: PRIMASK ----------------------------------------------------------- */

static uint32_t stm32_crit_enter(void *user)
{
    (void)user;
    uint32_t primask;
    __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask) : : "memory");
    return primask;
}

static void stm32_crit_exit(void *user, uint32_t state)
{
    (void)user;
    /* Restores what crit_enter saw: an outer section stays masked, the outermost unmasks. */
    __asm__ volatile("msr primask, %0" : : "r"(state) : "memory");
}

/* ---- NVM over the internal flash (untested on hardware) ----------------------------------
 *
 * The F405's 1 MiB flash has non-uniform sectors: 0..3 are 16 KiB, 4 is 64 KiB, 5..11 are
 * 128 KiB (RM0090 table 5). The library wants a uniform erase unit, so the port exposes sectors 2
 * and 3 (0x08008000..0x0800FFFF) as NVM addresses 0..32767 with 16 KiB sectors. The linker
 * script keeps code out of them (region NVM). Sectors 0..1 hold the vector table only.
 * Two sectors are enough for an omp_store of the port's own, but not for omp_meter, whose region
 * needs at least 7 sectors of >= 1 KiB (register journal and billing log, docs/storage.md), and
 * the F405's flash is rated for 10k erase cycles only: a meter on this part keeps its NVM in an
 * external SPI NOR or EEPROM (the self-test uses the RAM NVM with 4 KiB sectors for that).
 *
 * Caveats for a real meter:
 * - While an erase or program runs, every read of the flash stalls the bus, including
 *   instruction fetches of interrupt handlers running from flash. A 16 KiB erase can take
 *   ~0.5 s, so the sample ISR would miss ADC blocks: put the sample path in RAM (.data) or use an
 *   external NOR for the NVM.
 * - x32 parallelism needs VDD >= 2.7 V; with a lower supply use x8 and program unit 1.
 * - The ART data cache may hold stale lines of an erased sector; it is reset after each erase.
 */

static uint32_t flash_wait_idle(uint32_t spins)
{
    while ((OMP_FLASH_SR & OMP_FLASH_SR_BSY) != 0u) {
        if (spins-- == 0u) {
            return OMP_FLASH_SR_BSY;
        }
    }
    return OMP_FLASH_SR & OMP_FLASH_SR_ERRORS;
}

static void flash_unlock(void)
{
    if ((OMP_FLASH_CR & OMP_FLASH_CR_LOCK) != 0u) {
        OMP_FLASH_KEYR = OMP_FLASH_KEY1;
        OMP_FLASH_KEYR = OMP_FLASH_KEY2;
    }
}

static void flash_lock(void)
{
    OMP_FLASH_CR = OMP_FLASH_CR_LOCK;
}

static void flash_reset_dcache(void)
{
    uint32_t acr = OMP_FLASH_ACR;
    if ((acr & OMP_FLASH_ACR_DCEN) != 0u) {
        OMP_FLASH_ACR = acr & ~OMP_FLASH_ACR_DCEN; /* DCRST works only with the cache off */
        OMP_FLASH_ACR = (acr & ~OMP_FLASH_ACR_DCEN) | OMP_FLASH_ACR_DCRST;
        OMP_FLASH_ACR = acr & ~OMP_FLASH_ACR_DCRST;
    }
}

static bool nvm_range_ok(uint32_t addr, size_t len)
{
    const uint32_t size = OMP_STM32_NVM_SECTORS * OMP_STM32_NVM_SECTOR_SIZE;
    return addr <= size && len <= (size_t)(size - addr);
}

static omp_err flash_nvm_read(uint32_t addr, void *dst, size_t len)
{
    if (!nvm_range_ok(addr, len) || (dst == NULL && len != 0u)) {
        return OMP_ERR_ARG;
    }
    if (len != 0u) {
        memcpy(dst, (const void *)(uintptr_t)(OMP_STM32_NVM_FLASH_BASE + addr), len);
    }
    return OMP_OK;
}

static omp_err flash_nvm_program(uint32_t addr, const void *src, size_t len)
{
    if (!nvm_range_ok(addr, len) || (src == NULL && len != 0u) ||
        (addr % OMP_STM32_NVM_PROGRAM_UNIT) != 0u || (len % OMP_STM32_NVM_PROGRAM_UNIT) != 0u) {
        return OMP_ERR_ARG;
    }
    const uint8_t *s = src;
    omp_err err = OMP_OK;
    if ((flash_wait_idle(FLASH_PROGRAM_SPINS) & OMP_FLASH_SR_BSY) != 0u) {
        return OMP_ERR_BUSY;
    }
    OMP_FLASH_SR = OMP_FLASH_SR_ERRORS | OMP_FLASH_SR_EOP; /* write-1-to-clear */
    flash_unlock();
    OMP_FLASH_CR = OMP_FLASH_CR_PSIZE_X32 | OMP_FLASH_CR_PG;
    for (size_t off = 0; off < len; off += OMP_STM32_NVM_PROGRAM_UNIT) {
        uint32_t word;
        memcpy(&word, s + off, sizeof word); /* src has any alignment */
        OMP_REG32(OMP_STM32_NVM_FLASH_BASE + addr + (uint32_t)off) = word;
        __asm__ volatile("dsb" : : : "memory");
        if (flash_wait_idle(FLASH_PROGRAM_SPINS) != 0u) {
            err = OMP_ERR_HAL_IO;
            break;
        }
    }
    OMP_FLASH_CR = 0u;
    flash_lock();
    return err;
}

static omp_err flash_nvm_erase(uint32_t addr)
{
    if (!nvm_range_ok(addr, 1u)) {
        return OMP_ERR_ARG;
    }
    uint32_t snb = OMP_STM32_NVM_FIRST_SECTOR + addr / OMP_STM32_NVM_SECTOR_SIZE;
    if ((flash_wait_idle(FLASH_PROGRAM_SPINS) & OMP_FLASH_SR_BSY) != 0u) {
        return OMP_ERR_BUSY;
    }
    OMP_FLASH_SR = OMP_FLASH_SR_ERRORS | OMP_FLASH_SR_EOP;
    flash_unlock();
    OMP_FLASH_CR = OMP_FLASH_CR_PSIZE_X32 | OMP_FLASH_CR_SER |
                   ((snb << OMP_FLASH_CR_SNB_SHIFT) & OMP_FLASH_CR_SNB_MASK);
    OMP_FLASH_CR |= OMP_FLASH_CR_STRT;
    uint32_t status = flash_wait_idle(FLASH_ERASE_SPINS);
    OMP_FLASH_CR = 0u;
    flash_lock();
    flash_reset_dcache();
    return status == 0u ? OMP_OK : OMP_ERR_NVM_WORN;
}

/* ---- NVM ops: dispatch to flash or RAM ----------------------------------------------------- */

static omp_err stm32_nvm_geometry(void *user, struct omp_nvm_geometry *geo)
{
    struct omp_stm32_board *b = user;
    if (b == NULL || geo == NULL) {
        return OMP_ERR_ARG;
    }
    if (b->nvm == OMP_STM32_NVM_RAM) {
        return omp_ram_nvm_geometry(b->ram_nvm, geo);
    }
    geo->size = OMP_STM32_NVM_SECTORS * OMP_STM32_NVM_SECTOR_SIZE;
    geo->sector_size = OMP_STM32_NVM_SECTOR_SIZE;
    geo->program_unit = OMP_STM32_NVM_PROGRAM_UNIT;
    geo->erase_value = 0xFFu;
    geo->erase_cycles = OMP_STM32_NVM_ERASE_CYCLES;
    return OMP_OK;
}

static omp_err stm32_nvm_read(void *user, uint32_t addr, void *dst, size_t len)
{
    struct omp_stm32_board *b = user;
    if (b == NULL) {
        return OMP_ERR_ARG;
    }
    return b->nvm == OMP_STM32_NVM_RAM ? omp_ram_nvm_read(b->ram_nvm, addr, dst, len)
                                       : flash_nvm_read(addr, dst, len);
}

static omp_err stm32_nvm_program(void *user, uint32_t addr, const void *src, size_t len)
{
    struct omp_stm32_board *b = user;
    if (b == NULL) {
        return OMP_ERR_ARG;
    }
    return b->nvm == OMP_STM32_NVM_RAM ? omp_ram_nvm_program(b->ram_nvm, addr, src, len)
                                       : flash_nvm_program(addr, src, len);
}

static omp_err stm32_nvm_erase(void *user, uint32_t addr)
{
    struct omp_stm32_board *b = user;
    if (b == NULL) {
        return OMP_ERR_ARG;
    }
    return b->nvm == OMP_STM32_NVM_RAM ? omp_ram_nvm_erase(b->ram_nvm, addr)
                                       : flash_nvm_erase(addr);
}

/* ---- USART2 as the optical port --------------------------------------------------------------
 *
 * 7E1 on this USART: M = 0 (8-bit word) with PCE = 1 and PS = 0 puts even parity in bit 7 of
 * the word, so 7 data bits + parity + 1 stop bit. The hardware computes the parity bit on
 * transmit; on receive the port masks bit 7 off (it holds the parity) and drops bytes with PE. */

static omp_err usart2_config(uint32_t pclk1_hz, uint32_t baud, enum omp_port_framing framing)
{
    if (baud == 0u || baud > pclk1_hz / 16u) {
        return OMP_ERR_ARG;
    }
    uint32_t brr = (pclk1_hz + baud / 2u) / baud; /* oversampling by 16: BRR = fck / baud */
    if (brr > 0xFFFFu) {
        return OMP_ERR_ARG;
    }
    uint32_t cr1 = OMP_USART2_CR1;
    OMP_USART2_CR1 = cr1 & ~OMP_USART_CR1_UE;
    OMP_USART2_BRR = brr;
    cr1 &= ~(OMP_USART_CR1_M | OMP_USART_CR1_PS | OMP_USART_CR1_PCE);
    if (framing == OMP_FRAMING_7E1) {
        cr1 |= OMP_USART_CR1_PCE; /* even parity (PS = 0) in bit 7 of an 8-bit word */
    }
    OMP_USART2_CR1 = cr1 | OMP_USART_CR1_UE | OMP_USART_CR1_TE | OMP_USART_CR1_RE;
    return OMP_OK;
}

static omp_err stm32_port_write(void *user, enum omp_port port, const uint8_t *data, size_t len,
                                size_t *written)
{
    struct omp_stm32_board *b = user;
    if (b == NULL || written == NULL || (data == NULL && len != 0u)) {
        return OMP_ERR_ARG;
    }
    if (port != OMP_PORT_OPTICAL) {
        return OMP_ERR_UNSUPPORTED;
    }
    /* Non-blocking: fill the transmit data register while it is empty. Without a TX interrupt
     * or DMA that is one byte per call at a time; the library offers the rest on the next poll. */
    size_t n = 0;
    while (n < len && (OMP_USART2_SR & OMP_USART_SR_TXE) != 0u) {
        OMP_USART2_DR = data[n];
        n++;
    }
    b->tx_bytes += n;
    *written = n;
    return OMP_OK;
}

static omp_err stm32_port_set_baud(void *user, enum omp_port port, uint32_t baud,
                                   enum omp_port_framing framing)
{
    struct omp_stm32_board *b = user;
    if (b == NULL) {
        return OMP_ERR_ARG;
    }
    if (port != OMP_PORT_OPTICAL) {
        return OMP_ERR_UNSUPPORTED;
    }
    /* Let the bytes already written leave the shift register first (bounded). */
    uint32_t spins = USART_TC_SPINS;
    while ((OMP_USART2_SR & OMP_USART_SR_TC) == 0u && spins != 0u) {
        spins--;
    }
    omp_err err = usart2_config(b->pclk1_hz, baud, framing);
    if (err == OMP_OK) {
        b->optical_framing = framing;
    }
    return err;
}

void omp_stm32_usart2_irq(struct omp_stm32_board *b)
{
    uint32_t sr = OMP_USART2_SR;
    if ((sr & (OMP_USART_SR_RXNE | OMP_USART_SR_ORE)) == 0u) {
        return;
    }
    uint8_t byte = (uint8_t)(OMP_USART2_DR & 0xFFu); /* reading DR clears RXNE and ORE */
    if ((sr & (OMP_USART_SR_ORE | OMP_USART_SR_PE)) != 0u) {
        b->rx_dropped++;
        return;
    }
    if (b->optical_framing == OMP_FRAMING_7E1) {
        byte &= 0x7Fu;
    }
    uint32_t head = b->rx_head;
    if (head - b->rx_tail >= OMP_STM32_RX_RING) {
        b->rx_dropped++;
        return;
    }
    b->rx_ring[head % OMP_STM32_RX_RING] = byte;
    b->rx_head = head + 1u;
}

size_t omp_stm32_rx_take(struct omp_stm32_board *b, uint8_t *dst, size_t cap)
{
    if (b == NULL || dst == NULL) {
        return 0;
    }
    size_t n = 0;
    uint32_t tail = b->rx_tail;
    const uint32_t head = b->rx_head; /* single 32-bit load: atomic on Cortex-M */
    while (n < cap && tail != head) {
        dst[n++] = b->rx_ring[tail % OMP_STM32_RX_RING];
        tail++;
    }
    b->rx_tail = tail;
    return n;
}

/* ---- the ops table and board setup ------------------------------------------------------------ */

static const struct omp_hal_ops stm32_ops = {
    .rtc_set = NULL, /* no RTC driver yet: the application keeps time and passes it to tick */
    .nvm_geometry = stm32_nvm_geometry,
    .nvm_read = stm32_nvm_read,
    .nvm_program = stm32_nvm_program,
    .nvm_erase = stm32_nvm_erase,
    .pulse_start = NULL, /* no pulse timers yet */
    .output_set = NULL,
    .relay_drive = NULL,
    .relay_sense = NULL,
    .port_write = stm32_port_write,
    .port_set_baud = stm32_port_set_baud,
    .display_show = NULL, /* no LCD driver */
    .tamper_read = NULL,
    .entropy = NULL, /* the F405 RNG is not driven yet (and qemu does not model it) */
    .aead_gcm = NULL,
    .sha256_start = NULL,
    .sha256_update = NULL,
    .sha256_finish = NULL,
    .sig_verify = NULL,
    .key_store = NULL,
    .crit_enter = stm32_crit_enter,
    .crit_exit = stm32_crit_exit,
};

struct omp_hal omp_stm32_hal(struct omp_stm32_board *b)
{
    struct omp_hal hal = { .ops = &stm32_ops, .user = b };
    return hal;
}

omp_err omp_stm32_board_init(struct omp_stm32_board *b, const struct omp_stm32_board_cfg *cfg)
{
    if (b == NULL || cfg == NULL || (cfg->nvm == OMP_STM32_NVM_RAM && cfg->ram_nvm == NULL) ||
        (cfg->nvm != OMP_STM32_NVM_RAM && cfg->nvm != OMP_STM32_NVM_FLASH) || cfg->pclk1_hz == 0u) {
        return OMP_ERR_ARG;
    }
    memset(b, 0, sizeof *b);
    b->nvm = cfg->nvm;
    b->ram_nvm = cfg->ram_nvm;
    b->pclk1_hz = cfg->pclk1_hz;
    b->optical_framing = OMP_FRAMING_7E1;

    /* USART2 on PA2 (TX) / PA3 (RX), alternate function 7. */
    OMP_RCC_AHB1ENR |= OMP_RCC_AHB1ENR_GPIOAEN;
    OMP_RCC_APB1ENR |= OMP_RCC_APB1ENR_USART2EN;
    (void)OMP_RCC_APB1ENR; /* read back: the clock is on before the first access (errata 2.1.13) */
    OMP_GPIOA_AFRL = (OMP_GPIOA_AFRL & ~(0xFFu << 8)) | (0x77u << 8);
    OMP_GPIOA_MODER = (OMP_GPIOA_MODER & ~(0xFu << 4)) | (0xAu << 4);
    omp_err err = usart2_config(cfg->pclk1_hz, cfg->optical_baud, OMP_FRAMING_7E1);
    if (err != OMP_OK) {
        return err;
    }
    if (cfg->usart_irq) {
        OMP_USART2_CR1 |= OMP_USART_CR1_RXNEIE;
        OMP_NVIC_ISER(OMP_USART2_IRQN / 32u) = 1u << (OMP_USART2_IRQN % 32u);
    }
    return OMP_OK;
}

/**
 * @file stm32_hal.h
 * @brief libomnipower HAL for an STM32F405/F407 (Cortex-M4F), bare metal, no vendor HAL.
 *
 * What is in the ops table (see stm32_hal.c for the status of each piece):
 * - crit_enter/crit_exit: PRIMASK, nestable (returns the previous PRIMASK). Runs under qemu.
 * - NVM: either the internal flash (sectors 2 and 3 at 0x08008000, exposed as a uniform
 *   2 x 16 KiB NVM, program unit 4 bytes with PSIZE x32) or a RAM NVM from `omnipower_hal`
 *   (omp_ram_nvm_*), chosen at run time by omp_stm32_board_cfg.nvm. QEMU does not emulate flash
 *   programming, so the self-test uses the RAM NVM.
 * - port_write/port_set_baud: USART2 (PA2 TX, PA3 RX, AF7) as OMP_PORT_OPTICAL, 7E1 or 8N1.
 *   The other ports report OMP_ERR_UNSUPPORTED.
 * - Everything else is NULL (no RTC driver, LCD, relay, pulse timers, RNG or crypto yet).
 *
 * Inward calls stay with the application: it owns `struct omp_meter`, calls omp_meter_tick() and
 * omp_meter_poll() from its main loop, drains received bytes with omp_stm32_rx_take() into
 * omp_meter_on_rx(), and calls omp_meter_on_samples() from its ADC/DMA interrupt.
 */
#ifndef OMNIPOWER_STM32_HAL_H
#define OMNIPOWER_STM32_HAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omnipower/hal.h"
#include "omnipower/hal_fakes.h"

#ifdef __cplusplus
extern "C" {
#endif

/** First byte of the flash used as NVM: sector 2 (keep in sync with stm32f405.ld, region NVM). */
#define OMP_STM32_NVM_FLASH_BASE 0x08008000u
/** First flash sector number used as NVM (RM0090 table 5: sectors 0..3 are 16 KiB each). */
#define OMP_STM32_NVM_FIRST_SECTOR 2u
/** NVM sectors exposed to the library (2 and 3). */
#define OMP_STM32_NVM_SECTORS 2u
/** Size of one exposed NVM sector. */
#define OMP_STM32_NVM_SECTOR_SIZE 16384u
/** Program unit: one 32-bit word (FLASH_CR.PSIZE = x32, needs VDD 2.7..3.6 V). */
#define OMP_STM32_NVM_PROGRAM_UNIT 4u
/** Rated erase cycles of the F405 flash (datasheet: 10 kcycles at -40..85 degC). */
#define OMP_STM32_NVM_ERASE_CYCLES 10000u

/** Where the NVM ops go. */
enum omp_stm32_nvm {
    OMP_STM32_NVM_FLASH = 0, /**< internal flash sectors 2..3 (real hardware) */
    OMP_STM32_NVM_RAM = 1,   /**< a caller's struct omp_ram_nvm (qemu, tests) */
};

/** Board configuration given to omp_stm32_board_init(). */
struct omp_stm32_board_cfg {
    enum omp_stm32_nvm nvm;      /**< NVM backend */
    struct omp_ram_nvm *ram_nvm; /**< initialised RAM NVM when nvm == OMP_STM32_NVM_RAM */
    uint32_t pclk1_hz;           /**< APB1 clock feeding USART2; 16000000 after reset (HSI) */
    uint32_t optical_baud;       /**< initial optical baud rate, 300 for IEC 62056-21 */
    bool usart_irq;              /**< true: enable the USART2 RX interrupt (RXNEIE + NVIC) */
};

/** Bytes buffered between the USART2 RX interrupt and the main loop (power of two). */
#define OMP_STM32_RX_RING 64u

/** State of the port. One per board; the ops receive a pointer to it as `user`. */
struct omp_stm32_board {
    enum omp_stm32_nvm nvm;
    struct omp_ram_nvm *ram_nvm;
    uint32_t pclk1_hz;
    enum omp_port_framing optical_framing;
    volatile uint8_t rx_ring[OMP_STM32_RX_RING]; /**< written by the ISR only */
    volatile uint32_t rx_head;                   /**< ISR writes */
    volatile uint32_t rx_tail;                   /**< main loop writes */
    volatile uint32_t rx_dropped;                /**< bytes lost: ring full, overrun, parity */
    uint64_t tx_bytes;                           /**< bytes accepted by port_write */
};

/**
 * @brief Set up the board: clocks and pins of USART2, the optical port at cfg->optical_baud 7E1,
 * and the NVM backend.
 * @return OMP_OK, OMP_ERR_ARG (NULL, RAM backend without ram_nvm, baud out of range).
 * @par Context: main, before omp_meter_init().
 */
OMP_MUST_CHECK omp_err omp_stm32_board_init(struct omp_stm32_board *b,
                                            const struct omp_stm32_board_cfg *cfg);

/** @brief The board as a struct omp_hal for omp_meter_init() (ops are static const). */
struct omp_hal omp_stm32_hal(struct omp_stm32_board *b);

/**
 * @brief USART2 receive handler body: moves a received byte into the RX ring (masking the parity
 * bit in 7E1). Call from USART2_IRQHandler. @par Context: ISR.
 */
void omp_stm32_usart2_irq(struct omp_stm32_board *b);

/**
 * @brief Take up to @p cap received bytes out of the RX ring (feed them to omp_meter_on_rx()).
 * @return Bytes copied. @par Context: main loop.
 */
size_t omp_stm32_rx_take(struct omp_stm32_board *b, uint8_t *dst, size_t cap);

/**
 * @brief Called by every unexpected exception/interrupt with the active IPSR value (exception
 * number). Weak default in the startup code: spins (let the watchdog reset the part). The
 * self-test overrides it to report FAIL over semihosting.
 */
void omp_stm32_fault(uint32_t ipsr);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_STM32_HAL_H */

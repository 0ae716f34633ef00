/**
 * @file stm32f4_regs.h
 * @brief The few STM32F405/F407 and Cortex-M4 registers the stm32 port touches.
 *
 * No vendor HAL or CMSIS: addresses and bits are from RM0090 (STM32F405/415/407/417 reference
 * manual, rev. 19) and the ARMv7-M Architecture Reference Manual (DDI 0403E). Only what the port
 * uses is defined; extend it rather than pulling in a vendor header.
 */
#ifndef OMNIPOWER_STM32F4_REGS_H
#define OMNIPOWER_STM32F4_REGS_H

#include <stdint.h>

/** A memory-mapped 32-bit register at absolute address @p addr. */
#define OMP_REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* ---- Cortex-M4 system control block (ARMv7-M B3.2) ---------------------------------------- */
#define OMP_SCB_VTOR OMP_REG32(0xE000ED08u)  /**< vector table offset */
#define OMP_SCB_CPACR OMP_REG32(0xE000ED88u) /**< coprocessor access control */
#define OMP_CPACR_CP10_CP11_FULL (0xFu << 20) /**< CP10 and CP11 (the FPU): full access */
#define OMP_NVIC_ISER(n) OMP_REG32(0xE000E100u + 4u * (uint32_t)(n)) /**< IRQ set-enable */

/* ---- RCC (RM0090 7.3) ----------------------------------------------------------------------- */
#define OMP_RCC_BASE 0x40023800u
#define OMP_RCC_AHB1ENR OMP_REG32(OMP_RCC_BASE + 0x30u)
#define OMP_RCC_APB1ENR OMP_REG32(OMP_RCC_BASE + 0x40u)
#define OMP_RCC_AHB1ENR_GPIOAEN (1u << 0)
#define OMP_RCC_APB1ENR_USART2EN (1u << 17)

/* ---- GPIOA (RM0090 8.4) --------------------------------------------------------------------- */
#define OMP_GPIOA_BASE 0x40020000u
#define OMP_GPIOA_MODER OMP_REG32(OMP_GPIOA_BASE + 0x00u)
#define OMP_GPIOA_AFRL OMP_REG32(OMP_GPIOA_BASE + 0x20u)

/* ---- USART2 (RM0090 30.6), PA2 = TX, PA3 = RX, alternate function 7 ----------------------- */
#define OMP_USART2_BASE 0x40004400u
#define OMP_USART2_SR OMP_REG32(OMP_USART2_BASE + 0x00u)
#define OMP_USART2_DR OMP_REG32(OMP_USART2_BASE + 0x04u)
#define OMP_USART2_BRR OMP_REG32(OMP_USART2_BASE + 0x08u)
#define OMP_USART2_CR1 OMP_REG32(OMP_USART2_BASE + 0x0Cu)
#define OMP_USART2_IRQN 38u
#define OMP_USART_SR_PE (1u << 0)
#define OMP_USART_SR_ORE (1u << 3)
#define OMP_USART_SR_RXNE (1u << 5)
#define OMP_USART_SR_TC (1u << 6)
#define OMP_USART_SR_TXE (1u << 7)
#define OMP_USART_CR1_RE (1u << 2)
#define OMP_USART_CR1_TE (1u << 3)
#define OMP_USART_CR1_RXNEIE (1u << 5)
#define OMP_USART_CR1_PS (1u << 9)   /**< 0 = even parity */
#define OMP_USART_CR1_PCE (1u << 10) /**< parity control enable (parity takes the MSB of the word) */
#define OMP_USART_CR1_M (1u << 12)   /**< 0 = 8-bit word (incl. parity), 1 = 9-bit */
#define OMP_USART_CR1_UE (1u << 13)

/* ---- embedded flash interface (RM0090 3.9) -------------------------------------------------- */
#define OMP_FLASH_BASE 0x40023C00u
#define OMP_FLASH_ACR OMP_REG32(OMP_FLASH_BASE + 0x00u)
#define OMP_FLASH_KEYR OMP_REG32(OMP_FLASH_BASE + 0x04u)
#define OMP_FLASH_SR OMP_REG32(OMP_FLASH_BASE + 0x0Cu)
#define OMP_FLASH_CR OMP_REG32(OMP_FLASH_BASE + 0x10u)
#define OMP_FLASH_KEY1 0x45670123u
#define OMP_FLASH_KEY2 0xCDEF89ABu
#define OMP_FLASH_ACR_DCEN (1u << 10)
#define OMP_FLASH_ACR_DCRST (1u << 12)
#define OMP_FLASH_SR_EOP (1u << 0)
#define OMP_FLASH_SR_OPERR (1u << 1)
#define OMP_FLASH_SR_WRPERR (1u << 4)
#define OMP_FLASH_SR_PGAERR (1u << 5)
#define OMP_FLASH_SR_PGPERR (1u << 6)
#define OMP_FLASH_SR_PGSERR (1u << 7)
#define OMP_FLASH_SR_BSY (1u << 16)
#define OMP_FLASH_SR_ERRORS (OMP_FLASH_SR_OPERR | OMP_FLASH_SR_WRPERR | OMP_FLASH_SR_PGAERR | \
                             OMP_FLASH_SR_PGPERR | OMP_FLASH_SR_PGSERR)
#define OMP_FLASH_CR_PG (1u << 0)
#define OMP_FLASH_CR_SER (1u << 1)
#define OMP_FLASH_CR_SNB_SHIFT 3u
#define OMP_FLASH_CR_SNB_MASK (0xFu << 3)
#define OMP_FLASH_CR_PSIZE_MASK (3u << 8)
#define OMP_FLASH_CR_PSIZE_X32 (2u << 8) /**< 32-bit parallelism: needs VDD 2.7..3.6 V */
#define OMP_FLASH_CR_STRT (1u << 16)
#define OMP_FLASH_CR_LOCK (1u << 31)

#endif /* OMNIPOWER_STM32F4_REGS_H */

/**
 * @file startup_stm32f405.c
 * @brief Vector table and reset code for the STM32F405/F407, in C (no assembly file).
 *
 * Reset_Handler: point VTOR at the table, enable the FPU (CP10/CP11 full access) before any code
 * that may use a floating-point register, copy .data from flash, zero .bss, call main(). There
 * are no C++ constructors or newlib init hooks: the port does not use them (linked with
 * -nostartfiles). If main() returns the part spins.
 *
 * Every other exception and interrupt goes to Default_Handler, which calls omp_stm32_fault()
 * with the exception number; a handler is replaced by defining a function of the same name
 * (the names here are weak aliases).
 */
#include <stdint.h>
#include <string.h>

#include "stm32_hal.h"
#include "stm32f4_regs.h"

/* Symbols from stm32f405.ld. */
extern uint32_t _sidata[]; /* load address of .data in flash */
extern uint32_t _sdata[], _edata[];
extern uint32_t _sbss[], _ebss[];
extern uint32_t _estack[]; /* initial main stack pointer: top of SRAM */
extern uint32_t _isr_vector_start[];

int main(void);
void Reset_Handler(void);
void Default_Handler(void);

#define OMP_WEAK_HANDLER(name) void name(void) __attribute__((weak, alias("Default_Handler")))

/* Cortex-M4 system exceptions. */
OMP_WEAK_HANDLER(NMI_Handler);
OMP_WEAK_HANDLER(HardFault_Handler);
OMP_WEAK_HANDLER(MemManage_Handler);
OMP_WEAK_HANDLER(BusFault_Handler);
OMP_WEAK_HANDLER(UsageFault_Handler);
OMP_WEAK_HANDLER(SVC_Handler);
OMP_WEAK_HANDLER(DebugMon_Handler);
OMP_WEAK_HANDLER(PendSV_Handler);
OMP_WEAK_HANDLER(SysTick_Handler);
/* The STM32F405 interrupts a meter port is likely to use; the rest stay on Default_Handler. */
OMP_WEAK_HANDLER(RTC_WKUP_IRQHandler);   /* IRQ 3 */
OMP_WEAK_HANDLER(EXTI0_IRQHandler);      /* IRQ 6 */
OMP_WEAK_HANDLER(ADC_IRQHandler);        /* IRQ 18 */
OMP_WEAK_HANDLER(TIM2_IRQHandler);       /* IRQ 28 */
OMP_WEAK_HANDLER(USART2_IRQHandler);     /* IRQ 38 */
OMP_WEAK_HANDLER(DMA2_Stream0_IRQHandler); /* IRQ 56 */

/** Exceptions 1..15 and IRQs 0..81 of the STM32F405 (RM0090 table 61). */
#define OMP_STM32F405_IRQS 82u

typedef void (*omp_vector)(void);

/*
 * The table is a struct whose first member is the initial stack pointer, so no object pointer is
 * converted to a function pointer (ISO C forbids it; -Wpedantic would flag a cast).
 */
struct omp_vector_table {
    uint32_t *initial_sp;
    omp_vector exceptions[15];
    omp_vector irqs[OMP_STM32F405_IRQS];
};

__attribute__((section(".isr_vector"), used)) const struct omp_vector_table omp_vector_table = {
    .initial_sp = _estack,
    .exceptions = {
        Reset_Handler,
        NMI_Handler,
        HardFault_Handler,
        MemManage_Handler,
        BusFault_Handler,
        UsageFault_Handler,
        NULL, NULL, NULL, NULL, /* reserved */
        SVC_Handler,
        DebugMon_Handler,
        NULL, /* reserved */
        PendSV_Handler,
        SysTick_Handler,
    },
    .irqs = {
        Default_Handler, Default_Handler, Default_Handler, /* 0..2 */
        RTC_WKUP_IRQHandler, /* 3 */
        Default_Handler, Default_Handler, /* 4..5 */
        EXTI0_IRQHandler, /* 6 */
        Default_Handler, Default_Handler, Default_Handler, Default_Handler, /* 7..10 */
        Default_Handler, Default_Handler, Default_Handler, Default_Handler, /* 11..14 */
        Default_Handler, Default_Handler, Default_Handler, /* 15..17 */
        ADC_IRQHandler, /* 18 */
        Default_Handler, Default_Handler, Default_Handler, Default_Handler, /* 19..22 */
        Default_Handler, Default_Handler, Default_Handler, Default_Handler, /* 23..26 */
        Default_Handler, /* 27 */
        TIM2_IRQHandler, /* 28 */
        Default_Handler, Default_Handler, Default_Handler, Default_Handler, /* 29..32 */
        Default_Handler, Default_Handler, Default_Handler, Default_Handler, /* 33..36 */
        Default_Handler, /* 37 */
        USART2_IRQHandler, /* 38 */
        Default_Handler, Default_Handler, Default_Handler, Default_Handler, /* 39..42 */
        Default_Handler, Default_Handler, Default_Handler, Default_Handler, /* 43..46 */
        Default_Handler, Default_Handler, Default_Handler, Default_Handler, /* 47..50 */
        Default_Handler, Default_Handler, Default_Handler, Default_Handler, /* 51..54 */
        Default_Handler, /* 55 */
        DMA2_Stream0_IRQHandler, /* 56 */
        Default_Handler, Default_Handler, Default_Handler, Default_Handler, /* 57..60 */
        Default_Handler, Default_Handler, Default_Handler, Default_Handler, /* 61..64 */
        Default_Handler, Default_Handler, Default_Handler, Default_Handler, /* 65..68 */
        Default_Handler, Default_Handler, Default_Handler, Default_Handler, /* 69..72 */
        Default_Handler, Default_Handler, Default_Handler, Default_Handler, /* 73..76 */
        Default_Handler, Default_Handler, Default_Handler, Default_Handler, /* 77..80 */
        Default_Handler, /* 81 */
    },
};

void Reset_Handler(void)
{
    OMP_SCB_VTOR = (uint32_t)(uintptr_t)_isr_vector_start;
    /* FPU first: the compiler may use s0..s31 for copies below (and main surely will). */
    OMP_SCB_CPACR |= OMP_CPACR_CP10_CP11_FULL;
    __asm__ volatile("dsb\n\tisb" : : : "memory");

    uint32_t *src = _sidata;
    for (uint32_t *dst = _sdata; dst < _edata;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = _sbss; dst < _ebss;) {
        *dst++ = 0u;
    }
    (void)main();
    for (;;) {
        __asm__ volatile("wfi");
    }
}

__attribute__((weak)) void omp_stm32_fault(uint32_t ipsr)
{
    (void)ipsr;
    for (;;) {
        /* spin: a watchdog, if the application started one, resets the part */
    }
}

void Default_Handler(void)
{
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    omp_stm32_fault(ipsr & 0x1FFu);
    for (;;) {
    }
}

/* ARM semihosting calls for the self-test (see semihost.h). */
#include "semihost.h"

#include <stdint.h>

#define SYS_WRITE0 0x04u
#define SYS_EXIT 0x18u
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u
#define ADP_STOPPED_RUNTIME_ERROR_UNKNOWN 0x20023u

/* r0 = operation, r1 = argument (a pointer or, for SYS_EXIT on AArch32, the reason code). */
static uint32_t semihost_call(uint32_t op, uint32_t arg)
{
    uint32_t ret;
    __asm__ volatile("mov r0, %1\n\t"
                     "mov r1, %2\n\t"
                     "bkpt 0xAB\n\t"
                     "mov %0, r0"
                     : "=r"(ret)
                     : "r"(op), "r"(arg)
                     : "r0", "r1", "memory");
    return ret;
}

void omp_semihost_write0(const char *s)
{
    (void)semihost_call(SYS_WRITE0, (uint32_t)(uintptr_t)s);
}

void omp_semihost_exit(bool ok)
{
    (void)semihost_call(SYS_EXIT,
                        ok ? ADP_STOPPED_APPLICATION_EXIT : ADP_STOPPED_RUNTIME_ERROR_UNKNOWN);
    for (;;) {
    }
}

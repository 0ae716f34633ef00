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

void omp_sh_line_reset(struct omp_sh_line *l)
{
    l->len = 0;
    l->buf[0] = '\0';
}

void omp_sh_line_str(struct omp_sh_line *l, const char *s)
{
    while (*s != '\0' && l->len + 2u < sizeof l->buf) {
        l->buf[l->len++] = *s++;
    }
    l->buf[l->len] = '\0';
}

void omp_sh_line_u64(struct omp_sh_line *l, uint64_t v)
{
    char tmp[21];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v != 0u);
    char rev[22];
    for (size_t i = 0; i < n; i++) {
        rev[i] = tmp[n - 1u - i];
    }
    rev[n] = '\0';
    omp_sh_line_str(l, rev);
}

void omp_sh_line_i64(struct omp_sh_line *l, int64_t v)
{
    if (v < 0) {
        omp_sh_line_str(l, "-");
        omp_sh_line_u64(l, (uint64_t)0 - (uint64_t)v);
    } else {
        omp_sh_line_u64(l, (uint64_t)v);
    }
}

void omp_sh_line_emit(struct omp_sh_line *l)
{
    omp_sh_line_str(l, "\n");
    omp_semihost_write0(l->buf);
    omp_sh_line_reset(l);
}

/**
 * @file semihost.h
 * @brief Minimal ARM semihosting (ARM DUI 0471, "Semihosting operations") for the self-test.
 *
 * Only for images run under a debugger or qemu (-semihosting-config enable=on): on a board
 * without a debugger the `bkpt 0xAB` escalates to a HardFault. Production images do not link it.
 */
#ifndef OMNIPOWER_STM32_SEMIHOST_H
#define OMNIPOWER_STM32_SEMIHOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** @brief SYS_WRITE0 (0x04): write the NUL-terminated @p s to the host console. */
void omp_semihost_write0(const char *s);

/**
 * @brief SYS_EXIT (0x18) with ADP_Stopped_ApplicationExit (0x20026) when @p ok, else
 * ADP_Stopped_RunTimeErrorUnknown (0x20023): qemu exits with status 0 or 1. Does not return
 * (spins if the host ignores the call).
 */
__attribute__((noreturn)) void omp_semihost_exit(bool ok);

/** @brief One output line built without printf (newlib's printf would pull in the heap). */
struct omp_sh_line {
    char buf[192];
    size_t len;
};

/** @brief Empty the line. */
void omp_sh_line_reset(struct omp_sh_line *l);
/** @brief Append @p s (truncated at the buffer's end). */
void omp_sh_line_str(struct omp_sh_line *l, const char *s);
/** @brief Append @p v in decimal. */
void omp_sh_line_u64(struct omp_sh_line *l, uint64_t v);
/** @brief Append @p v in decimal with a sign. */
void omp_sh_line_i64(struct omp_sh_line *l, int64_t v);
/** @brief Append a newline, write the line with SYS_WRITE0 and empty it. */
void omp_sh_line_emit(struct omp_sh_line *l);

#endif /* OMNIPOWER_STM32_SEMIHOST_H */

/**
 * @file fuzz.h
 * @brief Shared helpers of the libFuzzer targets in fuzz/.
 *
 * Each target is one C file that defines LLVMFuzzerTestOneInput() and is built twice by
 * omp_fuzz_target() in fuzz/CMakeLists.txt: as `fuzz_<name>` with clang -fsanitize=fuzzer, and as
 * `replay_<name>` with fuzz/replay.c, which feeds it every file of fuzz/corpus/<name>/ under ctest
 * (any compiler, no libFuzzer). A target must check properties, not only "no crash": round trips,
 * invariants of the API (outputs untouched and positions unchanged on error), and fail through
 * OMP_FUZZ_CHECK so both builds report it.
 */
#ifndef OMNIPOWER_FUZZ_H
#define OMNIPOWER_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/** The libFuzzer entry point every target defines. Returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/** Abort (a crash to libFuzzer, a failure to ctest) with the failed condition and its place. */
#define OMP_FUZZ_CHECK(cond)                                                                       \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: OMP_FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond);      \
            fflush(stderr);                                                                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#endif /* OMNIPOWER_FUZZ_H */

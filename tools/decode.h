/* omnipower decode: APDU and A-XDR to JSON (decode_apdu.c), shared with the frame finder
 * (omnipower.c). */
#ifndef OMNIPOWER_TOOLS_DECODE_H
#define OMNIPOWER_TOOLS_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"

struct omp_posix_port;

/** What the decoder needs to know about the run. */
struct dec_ctx {
    const char *file;             /**< name for messages ("-" is shown as "<stdin>") */
    struct omp_posix_port *port;  /**< key store and AES-GCM; NULL: no --key given */
    bool have_ak;                 /**< --auth-key given (GAK slot loaded) */
    bool have_st;                 /**< --system-title given */
    uint8_t st[8];                /**< --system-title */
    unsigned errors;              /**< errors reported so far (exit status 1 if any) */
};

/** @brief `omnipower: FILE: offset N: message` on stderr; counts an error. */
void dec_error(struct dec_ctx *c, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/**
 * @brief Decode one APDU (plain or ciphered) at @p p and append `"apdu":{...}` (and, for ciphered
 * APDUs, `"cipher":{...},"ciphered":...`) to @p s, which is inside an open JSON object.
 * @param offset  offset of @p p in the input, for messages.
 * @param[out] used  bytes of the APDU (0 on a decode error).
 * @return true if decoded (errors are reported and counted, and appended as "error").
 */
bool dec_apdu(struct dec_ctx *c, struct sb *s, const uint8_t *p, size_t len, size_t offset,
              size_t *used);

#endif /* OMNIPOWER_TOOLS_DECODE_H */

/* Error code names and descriptions. */
#include "omnipower/core.h"

struct err_text {
    omp_err err;
    const char *name;
    const char *text;
};

static const struct err_text k_err_text[] = {
    { OMP_OK, "OMP_OK", "success" },
    { OMP_ERR_ARG, "OMP_ERR_ARG", "invalid argument" },
    { OMP_ERR_UNSUPPORTED, "OMP_ERR_UNSUPPORTED", "not supported by this build or port" },
    { OMP_ERR_STATE, "OMP_ERR_STATE", "not allowed in the current state" },
    { OMP_ERR_INTERNAL, "OMP_ERR_INTERNAL", "internal error" },
    { OMP_ERR_BUSY, "OMP_ERR_BUSY", "busy, try again later" },
    { OMP_ERR_MALFORMED, "OMP_ERR_MALFORMED", "malformed input" },
    { OMP_ERR_RANGE, "OMP_ERR_RANGE", "value out of range" },
    { OMP_ERR_CRC, "OMP_ERR_CRC", "checksum mismatch" },
    { OMP_ERR_TRUNCATED, "OMP_ERR_TRUNCATED", "input truncated" },
    { OMP_ERR_UNEXPECTED, "OMP_ERR_UNEXPECTED", "unexpected byte" },
    { OMP_ERR_DEPTH, "OMP_ERR_DEPTH", "nesting too deep" },
    { OMP_ERR_NOSPACE, "OMP_ERR_NOSPACE", "output buffer too small" },
    { OMP_ERR_OVERFLOW, "OMP_ERR_OVERFLOW", "arithmetic overflow" },
    { OMP_ERR_NVM_CORRUPT, "OMP_ERR_NVM_CORRUPT", "stored data corrupt" },
    { OMP_ERR_NVM_FULL, "OMP_ERR_NVM_FULL", "storage full" },
    { OMP_ERR_NOT_FOUND, "OMP_ERR_NOT_FOUND", "not found" },
    { OMP_ERR_NVM_WORN, "OMP_ERR_NVM_WORN", "storage sector worn out" },
    { OMP_ERR_PROTOCOL, "OMP_ERR_PROTOCOL", "protocol violation" },
    { OMP_ERR_DENIED, "OMP_ERR_DENIED", "access denied" },
    { OMP_ERR_AUTH, "OMP_ERR_AUTH", "authentication failed" },
    { OMP_ERR_REPLAY, "OMP_ERR_REPLAY", "replayed or stale message" },
    { OMP_ERR_TIMEOUT, "OMP_ERR_TIMEOUT", "timeout" },
    { OMP_ERR_HAL, "OMP_ERR_HAL", "hardware abstraction layer error" },
    { OMP_ERR_HAL_IO, "OMP_ERR_HAL_IO", "hardware I/O failed" },
    { OMP_ERR_POWER_LOST, "OMP_ERR_POWER_LOST", "power lost during operation" },
};

static const struct err_text *find(omp_err err)
{
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_err_text); i++) {
        if (k_err_text[i].err == err) {
            return &k_err_text[i];
        }
    }
    return NULL;
}

const char *omp_strerror(omp_err err)
{
    const struct err_text *t = find(err);
    return (t != NULL) ? t->text : "unknown error";
}

const char *omp_err_name(omp_err err)
{
    const struct err_text *t = find(err);
    return (t != NULL) ? t->name : "OMP_ERR_?";
}

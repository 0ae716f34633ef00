/**
 * @file core.h
 * @brief libomnipower core: error codes, bounds-checked byte reader/writer, CRCs, calendar.
 *
 * The `core` module is the bottom of the dependency order (see docs/architecture): it includes
 * nothing but the C library's freestanding headers and `omnipower/config.h`. Everything here is
 * pure, reentrant and allocation-free.
 */
#ifndef OMNIPOWER_CORE_H
#define OMNIPOWER_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omnipower/config.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Compiler helpers                                                                            */
/* ------------------------------------------------------------------------------------------ */

#if defined(__GNUC__) || defined(__clang__)
/** Marks a function whose result must be checked (a failure there means outputs are unset). */
#define OMP_MUST_CHECK __attribute__((warn_unused_result))
#else
#define OMP_MUST_CHECK
#endif

#if defined(__GNUC__) || defined(__clang__)
/** Keeps a small helper out of line where the compiler would copy it into each caller: code size
 *  on the target (docs/benchmarks.md "Flash of the server stack"); no effect on behaviour. */
#define OMP_NOINLINE __attribute__((noinline))
#else
#define OMP_NOINLINE
#endif

/** Number of elements of an array (not a pointer). */
#define OMP_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------------------------------ */
/* Error codes                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/**
 * @brief Result of every fallible library function: 0 is success, negative values name the failure.
 *
 * Values are grouped in ranges of 16 per family and are append-only: a released value never changes
 * meaning. Protocol result codes (DLMS data-access-result, IEC 62056-21 errors) are separate enums.
 */
typedef enum omp_err {
    OMP_OK = 0,

    /* generic: -1 .. -15 */
    OMP_ERR_ARG = -1,         /**< invalid argument (NULL pointer, out-of-range parameter) */
    OMP_ERR_UNSUPPORTED = -2, /**< feature not built in, or the HAL op it needs is NULL */
    OMP_ERR_STATE = -3,       /**< call not allowed in the object's current state */
    OMP_ERR_INTERNAL = -4,    /**< an invariant failed; a bug in the library */
    OMP_ERR_BUSY = -5,        /**< try again later (resource in use, operation pending) */

    /* input: -16 .. -31 */
    OMP_ERR_MALFORMED = -16,  /**< input violates the format's grammar */
    OMP_ERR_RANGE = -17,      /**< a value is outside the range the format or field allows */
    OMP_ERR_CRC = -18,        /**< checksum (CRC, FCS, HCS, BCC) mismatch */
    OMP_ERR_TRUNCATED = -19,  /**< input ends early; more bytes may complete it */
    OMP_ERR_UNEXPECTED = -20, /**< a byte differs from the one the format requires here */
    OMP_ERR_DEPTH = -21,      /**< nesting deeper than the configured limit */

    /* buffer: -32 .. -47 */
    OMP_ERR_NOSPACE = -32,    /**< output buffer too small; nothing was written */
    OMP_ERR_OVERFLOW = -33,   /**< arithmetic result does not fit its type */

    /* storage: -48 .. -63 */
    OMP_ERR_NVM_CORRUPT = -48, /**< stored data failed its integrity check */
    OMP_ERR_NVM_FULL = -49,    /**< no free space left for the record */
    OMP_ERR_NOT_FOUND = -50,   /**< no valid record/object with that key */
    OMP_ERR_NVM_WORN = -51,    /**< sector exceeded its erase budget or failed to erase */

    /* protocol: -64 .. -79 */
    OMP_ERR_PROTOCOL = -64,   /**< peer violated the protocol state machine */
    OMP_ERR_DENIED = -65,     /**< access right or password check refused the request */
    OMP_ERR_AUTH = -66,       /**< authentication failed (bad tag, bad signature) */
    OMP_ERR_REPLAY = -67,     /**< invocation counter/sequence not newer than the last accepted */
    OMP_ERR_TIMEOUT = -68,    /**< protocol deadline passed */

    /* HAL: -80 .. -95 */
    OMP_ERR_HAL = -80,        /**< a HAL op reported a failure without more detail */
    OMP_ERR_HAL_IO = -81,     /**< a HAL read/write/program did not complete */
    OMP_ERR_POWER_LOST = -82, /**< supply lost during the operation (fakes and power-fail paths) */
} omp_err;

/**
 * @brief Short English description of @p err, e.g. "output buffer too small".
 * @return A static string; never NULL ("unknown error" for values not in the enum).
 * @par Context: any.
 */
const char *omp_strerror(omp_err err);

/**
 * @brief Symbolic name of @p err, e.g. "OMP_ERR_NOSPACE".
 * @return A static string; never NULL ("OMP_ERR_?" for values not in the enum).
 */
const char *omp_err_name(omp_err err);

/* ------------------------------------------------------------------------------------------ */
/* Bounds-checked byte reader                                                                  */
/* ------------------------------------------------------------------------------------------ */

/**
 * @brief Cursor over a read-only byte buffer. Every read checks the remaining length first.
 *
 * On failure a read returns an error, leaves the cursor where it was and writes nothing to its
 * output, so a parser can return the error straight away and the caller sees no change.
 */
struct omp_rd {
    const uint8_t *buf; /**< first byte; may be NULL only when len is 0 */
    size_t len;         /**< readable bytes */
    size_t pos;         /**< next byte to read, 0..len */
};

/** @brief A reader over @p len bytes at @p buf. */
struct omp_rd omp_rd_init(const uint8_t *buf, size_t len);
/** @brief Bytes consumed so far. */
size_t omp_rd_pos(const struct omp_rd *rd);
/** @brief Bytes not yet consumed. */
size_t omp_rd_remaining(const struct omp_rd *rd);
/** @brief OMP_OK if at least @p n bytes remain, else OMP_ERR_TRUNCATED. */
OMP_MUST_CHECK omp_err omp_rd_need(const struct omp_rd *rd, size_t n);

/** @brief Read one byte. @return OMP_OK or OMP_ERR_TRUNCATED. */
OMP_MUST_CHECK omp_err omp_rd_u8(struct omp_rd *rd, uint8_t *v);
/** @brief Look at the next byte without consuming it. @return OMP_OK or OMP_ERR_TRUNCATED. */
OMP_MUST_CHECK omp_err omp_rd_peek_u8(const struct omp_rd *rd, uint8_t *v);
/** @brief Consume one byte that must equal @p want.
 *  @return OMP_OK, OMP_ERR_TRUNCATED, OMP_ERR_UNEXPECTED (byte differs; not consumed). */
OMP_MUST_CHECK omp_err omp_rd_u8_expect(struct omp_rd *rd, uint8_t want);
OMP_MUST_CHECK omp_err omp_rd_u16be(struct omp_rd *rd, uint16_t *v);
OMP_MUST_CHECK omp_err omp_rd_u16le(struct omp_rd *rd, uint16_t *v);
OMP_MUST_CHECK omp_err omp_rd_u24be(struct omp_rd *rd, uint32_t *v);
OMP_MUST_CHECK omp_err omp_rd_u32be(struct omp_rd *rd, uint32_t *v);
OMP_MUST_CHECK omp_err omp_rd_u32le(struct omp_rd *rd, uint32_t *v);
OMP_MUST_CHECK omp_err omp_rd_u64be(struct omp_rd *rd, uint64_t *v);
OMP_MUST_CHECK omp_err omp_rd_u64le(struct omp_rd *rd, uint64_t *v);
OMP_MUST_CHECK omp_err omp_rd_i8(struct omp_rd *rd, int8_t *v);
OMP_MUST_CHECK omp_err omp_rd_i16be(struct omp_rd *rd, int16_t *v);
OMP_MUST_CHECK omp_err omp_rd_i32be(struct omp_rd *rd, int32_t *v);
OMP_MUST_CHECK omp_err omp_rd_i64be(struct omp_rd *rd, int64_t *v);

/**
 * @brief Zero-copy: point @p out at the next @p n bytes and consume them.
 * @return OMP_OK or OMP_ERR_TRUNCATED. @p out is valid while the reader's buffer is.
 */
OMP_MUST_CHECK omp_err omp_rd_bytes(struct omp_rd *rd, size_t n, const uint8_t **out);
/** @brief Copy the next @p n bytes to @p dst and consume them. @return OMP_OK or OMP_ERR_TRUNCATED. */
OMP_MUST_CHECK omp_err omp_rd_copy(struct omp_rd *rd, void *dst, size_t n);
/** @brief Consume @p n bytes. @return OMP_OK or OMP_ERR_TRUNCATED. */
OMP_MUST_CHECK omp_err omp_rd_skip(struct omp_rd *rd, size_t n);
/**
 * @brief Split off the next @p n bytes as their own reader @p sub and consume them here.
 * Used for length-prefixed fields: the sub-reader cannot read past the field.
 * @return OMP_OK or OMP_ERR_TRUNCATED.
 */
OMP_MUST_CHECK omp_err omp_rd_sub(struct omp_rd *rd, size_t n, struct omp_rd *sub);
/**
 * @brief Read a BER/A-XDR length (X.690 8.1.3 definite form, as A-XDR uses it): one byte 0..0x7F,
 * or 0x81..0x84 followed by 1..4 big-endian length bytes.
 *
 * Does not check that the length is available; callers follow with omp_rd_need/omp_rd_sub.
 * Non-minimal long forms (0x81 0x05) are accepted, as A-XDR decoders must.
 * @return OMP_OK, OMP_ERR_TRUNCATED, OMP_ERR_MALFORMED (0x80 indefinite form, 0x85..0xFF),
 *         OMP_ERR_RANGE (only where size_t is narrower than 32 bits: value above SIZE_MAX).
 */
OMP_MUST_CHECK omp_err omp_rd_berlen(struct omp_rd *rd, size_t *len);

/* ------------------------------------------------------------------------------------------ */
/* Bounds-checked byte writer                                                                  */
/* ------------------------------------------------------------------------------------------ */

/**
 * @brief Cursor over a caller buffer. Each put writes all of its bytes or none.
 *
 * A put that does not fit returns OMP_ERR_NOSPACE, writes nothing and makes the error sticky in
 * @c err: every later put fails with that error and writes nothing until omp_wr_truncate(), so a
 * sequence of puts can be checked once with omp_wr_status() and the output never has holes.
 * Composite encoders
 * remember omp_wr_len() and call omp_wr_truncate() on failure ("an encoder that runs out of room
 * writes nothing").
 */
struct omp_wr {
    uint8_t *buf; /**< destination; may be NULL only when cap is 0 */
    size_t cap;   /**< capacity in bytes */
    size_t len;   /**< bytes written, 0..cap */
    omp_err err;  /**< first error of any put since init/truncate; OMP_OK otherwise */
};

struct omp_wr omp_wr_init(uint8_t *buf, size_t cap);
/** @brief Bytes written. */
size_t omp_wr_len(const struct omp_wr *w);
/** @brief Bytes still free. */
size_t omp_wr_room(const struct omp_wr *w);
/** @brief First error since init or the last truncate; OMP_OK if every put fitted. */
omp_err omp_wr_status(const struct omp_wr *w);
/** @brief Forget everything after @p mark (a value of omp_wr_len()) and clear the sticky error. */
void omp_wr_truncate(struct omp_wr *w, size_t mark);

/** @brief Zero @p n bytes at @p p through volatile stores, so that the compiler keeps the writes
 *  even when the buffer is dead afterwards (secrets on the stack). NULL with 0 is fine. */
void omp_wipe(void *p, size_t n);

omp_err omp_wr_u8(struct omp_wr *w, uint8_t v);
omp_err omp_wr_u16be(struct omp_wr *w, uint16_t v);
omp_err omp_wr_u16le(struct omp_wr *w, uint16_t v);
omp_err omp_wr_u24be(struct omp_wr *w, uint32_t v);
omp_err omp_wr_u32be(struct omp_wr *w, uint32_t v);
omp_err omp_wr_u32le(struct omp_wr *w, uint32_t v);
omp_err omp_wr_u64be(struct omp_wr *w, uint64_t v);
omp_err omp_wr_u64le(struct omp_wr *w, uint64_t v);
omp_err omp_wr_bytes(struct omp_wr *w, const void *src, size_t n);
/** @brief Write @p n copies of @p v. */
omp_err omp_wr_fill(struct omp_wr *w, uint8_t v, size_t n);
/**
 * @brief Write a BER/A-XDR length in its minimal form (0..0x7F in one byte, else 0x81..0x84).
 * @return OMP_OK, OMP_ERR_NOSPACE, OMP_ERR_RANGE (len > 0xFFFFFFFF); both errors are sticky.
 */
omp_err omp_wr_berlen(struct omp_wr *w, size_t len);
/**
 * @brief Overwrite two bytes at offset @p at (already written) with @p v big-endian; used to fill
 * in a length field once the body is known. @return OMP_OK or OMP_ERR_ARG if at+2 > len.
 */
omp_err omp_wr_patch_u16be(struct omp_wr *w, size_t at, uint16_t v);

/* ------------------------------------------------------------------------------------------ */
/* Checksums                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/** Initial register value for omp_crc16_x25_update(). */
#define OMP_CRC16_X25_INIT 0xFFFFu
/** CRC-16/X.25 (= IBM-SDLC, ISO-HDLC) of "123456789": the published check value. */
#define OMP_CRC16_X25_CHECK 0x906Eu
/** Register value left after running a frame *including* its FCS (little-endian) through update. */
#define OMP_CRC16_X25_GOOD 0xF0B8u

/**
 * @brief Continue a CRC-16/X.25 over @p len bytes: poly 0x1021 reflected (0x8408), init 0xFFFF,
 * final XOR 0xFFFF. This is the HDLC HCS/FCS of IEC 62056-46 and ISO/IEC 13239.
 * @param state OMP_CRC16_X25_INIT for the first block, else the previous return value.
 * @return The running register; the CRC is `(uint16_t)~state`, sent least significant byte first.
 */
uint16_t omp_crc16_x25_update(uint16_t state, const void *data, size_t len);
/** @brief CRC-16/X.25 of one buffer (init and final XOR applied). */
uint16_t omp_crc16_x25(const void *data, size_t len);

/** Initial register value for omp_crc32_update(). */
#define OMP_CRC32_INIT 0xFFFFFFFFu
/** CRC-32 (ISO-HDLC, the zlib/Ethernet CRC) of "123456789": the published check value. */
#define OMP_CRC32_CHECK 0xCBF43926u

/**
 * @brief Continue a CRC-32 (poly 0x04C11DB7 reflected, init and final XOR 0xFFFFFFFF).
 * @return The running register; the CRC is `~state`.
 */
uint32_t omp_crc32_update(uint32_t state, const void *data, size_t len);
/** @brief CRC-32 of one buffer, as zlib's crc32() computes it. */
uint32_t omp_crc32(const void *data, size_t len);

/* ------------------------------------------------------------------------------------------ */
/* Calendar and time                                                                           */
/* ------------------------------------------------------------------------------------------ */

/**
 * Seconds since 1970-01-01T00:00:00Z, leap seconds not counted (POSIX time). Signed 64-bit so
 * that differences and dates before 1970 are safe; the library's range is years 1970..2199.
 */
typedef int64_t omp_time_s;

#define OMP_CAL_YEAR_MIN 1970u
#define OMP_CAL_YEAR_MAX 2199u
#define OMP_SECONDS_PER_DAY 86400
#define OMP_SECONDS_PER_HOUR 3600

/** Day of week as DLMS/COSEM and ISO 8601 number them. */
enum omp_weekday {
    OMP_MONDAY = 1,
    OMP_TUESDAY = 2,
    OMP_WEDNESDAY = 3,
    OMP_THURSDAY = 4,
    OMP_FRIDAY = 5,
    OMP_SATURDAY = 6,
    OMP_SUNDAY = 7,
};

/** A civil (proleptic Gregorian) date and time of day. */
struct omp_datetime {
    uint16_t year;  /**< 1970..2199 */
    uint8_t month;  /**< 1..12 */
    uint8_t day;    /**< 1..28/29/30/31 */
    uint8_t hour;   /**< 0..23 */
    uint8_t minute; /**< 0..59 */
    uint8_t second; /**< 0..59 (no leap second) */
    uint8_t wday;   /**< enum omp_weekday, 1..7; filled by conversions, ignored on input */
};

/** @brief true if @p year is a Gregorian leap year. */
bool omp_is_leap_year(uint32_t year);
/** @brief Days in @p month (1..12) of @p year; 0 if month is out of range. */
uint8_t omp_days_in_month(uint32_t year, uint32_t month);
/** @brief true if year/month/day is a real date within OMP_CAL_YEAR_MIN..MAX. */
bool omp_date_valid(uint32_t year, uint32_t month, uint32_t day);
/** @brief true if @p dt holds a real date and a time of day 00:00:00..23:59:59 (wday ignored). */
bool omp_datetime_valid(const struct omp_datetime *dt);

/**
 * @brief Days from 1970-01-01 to year-month-day (negative before 1970). Inputs must be valid
 * (omp_date_valid); the result is unspecified otherwise.
 */
int32_t omp_days_from_civil(uint32_t year, uint32_t month, uint32_t day);
/** @brief Inverse of omp_days_from_civil for days in the library's range. */
void omp_civil_from_days(int32_t days, uint16_t *year, uint8_t *month, uint8_t *day);
/** @brief Day of week (enum omp_weekday) of the day @p days after 1970-01-01 (a Thursday). */
enum omp_weekday omp_weekday_from_days(int32_t days);

/**
 * @brief Civil date-time (taken as UTC) to seconds since the epoch.
 * @return OMP_OK, OMP_ERR_ARG (NULL), OMP_ERR_RANGE (invalid date or time of day).
 */
OMP_MUST_CHECK omp_err omp_datetime_to_time(const struct omp_datetime *dt, omp_time_s *t);
/**
 * @brief Seconds since the epoch to civil date-time (with wday).
 * @return OMP_OK, OMP_ERR_ARG (NULL), OMP_ERR_RANGE (@p t outside years 1970..2199).
 */
OMP_MUST_CHECK omp_err omp_time_to_datetime(omp_time_s t, struct omp_datetime *dt);

/**
 * @brief true if @p offset_min is a UTC offset the meter accepts: a whole or half hour in
 * -12:00..+14:00 (every zone in use that is not a quarter hour).
 */
bool omp_utc_offset_valid(int32_t offset_min);

/** Daylight-saving rule. */
enum omp_dst_rule {
    OMP_DST_NONE = 0, /**< no daylight saving */
    OMP_DST_EU = 1,   /**< EU (Directive 2000/84/EC): +1 h from the last Sunday of March 01:00 UTC
                           to the last Sunday of October 01:00 UTC */
};

/**
 * @brief The EU summer-time interval of @p year as UTC instants: [start, end).
 * The last-Sunday rule is applied to every year of the range, although the EU adopted it in 1996.
 * @return OMP_OK, OMP_ERR_ARG (NULL), OMP_ERR_RANGE (year outside the library's range).
 */
OMP_MUST_CHECK omp_err omp_eu_dst_bounds(uint32_t year, omp_time_s *start, omp_time_s *end);
/** @brief true if daylight saving of @p rule is in force at UTC instant @p utc. */
bool omp_dst_active(enum omp_dst_rule rule, omp_time_s utc);

/**
 * @brief Local civil time at UTC instant @p utc for a zone @p offset_min from UTC (standard time)
 * that follows @p rule.
 * @param[out] dst_active true if the result includes the DST hour. May be NULL.
 * @return OMP_OK, OMP_ERR_ARG (NULL @p local, invalid offset, unknown rule), OMP_ERR_RANGE (UTC
 *         or resulting local time outside years 1970..2199).
 */
OMP_MUST_CHECK omp_err omp_local_time(omp_time_s utc, int32_t offset_min, enum omp_dst_rule rule,
                                      struct omp_datetime *local, bool *dst_active);

/**
 * @brief The UTC instant at which local wall time @p local (zone @p offset_min, rule @p rule) is
 * shown; the inverse of omp_local_time. A wall time that occurs twice (the hour repeated when DST
 * ends) gives its first occurrence; one that does not occur (the hour skipped when DST starts)
 * gives the instant DST starts, the end of the gap.
 * @return OMP_OK, OMP_ERR_ARG (NULL, invalid date-time, offset or rule), OMP_ERR_RANGE (outside
 *         1970..2199).
 */
OMP_MUST_CHECK omp_err omp_local_to_utc(const struct omp_datetime *local, int32_t offset_min,
                                        enum omp_dst_rule rule, omp_time_s *utc);

/**
 * @brief Parse an ISO 8601 date-time: `YYYY-MM-DDThh:mm[:ss]` followed by `Z`, `+hh:mm`, `-hh:mm`,
 * `+hhmm`, `+hh` (or the same with `-`) or nothing (taken as UTC); a space may stand for `T`; `T`
 * and `Z` are upper case. Exactly @p len bytes are read and all must belong to the date-time (no
 * NUL terminator needed). Syntax is checked before values, so a string that is both malformed and
 * out of range gives OMP_ERR_MALFORMED.
 * @return OMP_OK, OMP_ERR_ARG (NULL), OMP_ERR_MALFORMED (grammar), OMP_ERR_RANGE (invalid
 *         date, time or offset, or the written date or the UTC instant outside 1970..2199).
 *         @p t is untouched on error.
 */
OMP_MUST_CHECK omp_err omp_iso8601_parse(const char *s, size_t len, omp_time_s *t);
/**
 * @brief Format @p t as `YYYY-MM-DDThh:mm:ssZ` (20 chars) plus NUL into @p out.
 * @return OMP_OK, OMP_ERR_ARG, OMP_ERR_NOSPACE (@p cap < 21), OMP_ERR_RANGE.
 */
OMP_MUST_CHECK omp_err omp_iso8601_format(omp_time_s t, char *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_CORE_H */

/**
 * @file axdr.h
 * @brief A-XDR codec of DLMS/COSEM data (IEC 62056-6-2 "Data" CHOICE, A-XDR rules of
 *        IEC 61334-6): tags, one-element decoder, non-recursive walker and skip, encoders with a
 *        container builder, COSEM date-time/date/time, OBIS logical names.
 *
 * Decoders are bounded and zero-copy: string and raw pointers point into the caller's buffer and
 * are valid while it is. A rejected input changes neither the outputs nor the reader position.
 * Encoders write all of their bytes or none (OMP_ERR_NOSPACE). See docs/dlms-axdr.md.
 *
 * Module switch: OMP_CONFIG_DLMS (config.h, default 1). With 0 the DLMS codecs (lib/axdr,
 * lib/apdu, lib/hdlc, lib/wrapper) are not compiled; the declarations stay, calls fail to link.
 */
#ifndef OMNIPOWER_AXDR_H
#define OMNIPOWER_AXDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omnipower/config.h"
#include "omnipower/core.h"
#include "omnipower/value.h"


#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Tags                                                                                        */
/* ------------------------------------------------------------------------------------------ */

/** Tags of the DLMS "Data" CHOICE (IEC 62056-6-2 / Blue Book 4.1.5). Other values are invalid. */
enum omp_axdr_tag {
    OMP_AXDR_TAG_NULL_DATA = 0,
    OMP_AXDR_TAG_ARRAY = 1,
    OMP_AXDR_TAG_STRUCTURE = 2,
    OMP_AXDR_TAG_BOOLEAN = 3,
    OMP_AXDR_TAG_BIT_STRING = 4,
    OMP_AXDR_TAG_DOUBLE_LONG = 5,          /**< int32 */
    OMP_AXDR_TAG_DOUBLE_LONG_UNSIGNED = 6, /**< uint32 */
    OMP_AXDR_TAG_OCTET_STRING = 9,
    OMP_AXDR_TAG_VISIBLE_STRING = 10,
    OMP_AXDR_TAG_UTF8_STRING = 12,
    OMP_AXDR_TAG_BCD = 13,                 /**< one byte (Integer8 in the Blue Book) */
    OMP_AXDR_TAG_INTEGER = 15,             /**< int8 */
    OMP_AXDR_TAG_LONG = 16,                /**< int16 */
    OMP_AXDR_TAG_UNSIGNED = 17,            /**< uint8 */
    OMP_AXDR_TAG_LONG_UNSIGNED = 18,       /**< uint16 */
    OMP_AXDR_TAG_COMPACT_ARRAY = 19,
    OMP_AXDR_TAG_LONG64 = 20,              /**< int64 */
    OMP_AXDR_TAG_LONG64_UNSIGNED = 21,     /**< uint64 */
    OMP_AXDR_TAG_ENUM = 22,                /**< uint8 */
    OMP_AXDR_TAG_FLOAT32 = 23,             /**< IEEE 754 binary32, big-endian */
    OMP_AXDR_TAG_FLOAT64 = 24,             /**< IEEE 754 binary64, big-endian */
    OMP_AXDR_TAG_DATE_TIME = 25,           /**< 12 bytes */
    OMP_AXDR_TAG_DATE = 26,                /**< 5 bytes */
    OMP_AXDR_TAG_TIME = 27,                /**< 4 bytes */
    OMP_AXDR_TAG_DONT_CARE = 255,          /**< no content */
};

/** omp_axdr_content_len(): the tag has a length/count header (array, structure, strings,
 *  bit-string, compact-array). */
#define OMP_AXDR_LEN_VARIABLE (-1)
/** omp_axdr_content_len(): not a tag of the Data CHOICE. */
#define OMP_AXDR_LEN_INVALID (-2)

/**
 * @brief Fixed content length of @p tag in bytes (after the tag byte): 0 for null-data and
 * don't-care, 1..12 for the fixed types, OMP_AXDR_LEN_VARIABLE or OMP_AXDR_LEN_INVALID.
 * @par Context: any.
 */
int omp_axdr_content_len(uint8_t tag);

/* ------------------------------------------------------------------------------------------ */
/* One element                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/**
 * @brief One decoded element. Which fields are meaningful depends on @c tag:
 * - array, structure: @c count = number of elements, which follow in the input (not consumed);
 * - octet/visible/utf8-string: @c data/@c len = the bytes, @c count = len;
 * - bit-string: @c count = number of bits, @c data/@c len = the (count+7)/8 bytes;
 * - boolean, integer, long, double-long, long64: @c v.i (boolean: @c v.u = raw byte, true if != 0);
 * - unsigned, long-unsigned, double-long-unsigned, long64-unsigned, enum, bcd: @c v.u;
 * - float32, float64: @c v.f (a float32 is converted exactly);
 * - date-time, date, time: @c data/@c len = the raw 12/5/4 bytes (decode them with
 *   omp_axdr_datetime_decode() etc.; not validated here);
 * - compact-array: @c type_desc/@c type_desc_len = the type description (validated),
 *   @c data/@c len = the contents bytes (not walked), @c count = len; the whole element is consumed.
 * For every fixed-size type @c data/@c len also point at the raw content bytes.
 */
struct omp_axdr_elem {
    uint8_t tag;                /**< enum omp_axdr_tag */
    size_t count;               /**< elements, bytes or bits, see above */
    const uint8_t *data;        /**< content bytes in the input; NULL for containers/null-data */
    size_t len;                 /**< bytes at @c data */
    const uint8_t *type_desc;   /**< compact-array only: its type description */
    size_t type_desc_len;       /**< compact-array only */
    union {
        int64_t i;  /**< signed integers */
        uint64_t u; /**< unsigned integers, enum, bcd, boolean (raw byte) */
        double f;   /**< float32/float64 */
    } v;
};

/**
 * @brief Decode one element header from @p rd: the tag and, for arrays/structures, the count
 * (their elements are left in the input); every other type is consumed completely.
 *
 * Lengths and counts use the A-XDR/BER length form (one byte 0..0x7F or 0x81..0x84 + 1..4 bytes;
 * non-minimal long forms are accepted).
 * @param[in,out] rd  Reader; advanced past the element (header only for containers) on success,
 *                    unchanged on error.
 * @param[out]    e   Filled on success, untouched on error.
 * @return OMP_OK, OMP_ERR_ARG (NULL), OMP_ERR_TRUNCATED (input ends inside the element, or an
 *         array/structure count exceeds the bytes left: each element needs at least one),
 *         OMP_ERR_MALFORMED (unknown tag, length 0x80 or 0x85..0xFF, bad compact-array type
 *         description).
 * @par Context: any; reentrant.
 */
OMP_MUST_CHECK omp_err omp_axdr_next(struct omp_rd *rd, struct omp_axdr_elem *e);

/**
 * @brief Skip one whole element (with everything nested in it), iteratively: no recursion, no
 * depth limit, time bounded by the input length.
 * @return OMP_OK, OMP_ERR_ARG, or the errors of omp_axdr_next(); @p rd unchanged on error.
 */
OMP_MUST_CHECK omp_err omp_axdr_skip(struct omp_rd *rd);

/* ------------------------------------------------------------------------------------------ */
/* Walker                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/** What omp_axdr_walk() reports. */
enum omp_axdr_event_kind {
    OMP_AXDR_EV_ELEM = 0, /**< an element (containers: their header; an END event follows later) */
    OMP_AXDR_EV_END = 1,  /**< the last element of an open array/structure has been reported */
    OMP_AXDR_EV_DONE = 2, /**< the top-level element is complete; further calls report DONE */
};

/** One step of the walk. */
struct omp_axdr_event {
    enum omp_axdr_event_kind kind;
    struct omp_axdr_elem elem; /**< ELEM: the element; END: tag and count of the closed container */
    uint8_t depth;             /**< 0 for the top-level element; children are one deeper.
                                    END: the depth of the container that closed */
    size_t index;              /**< ELEM: position within the parent (0-based; 0 at top level) */
    size_t pos;                /**< ELEM: reader position of the tag; END/DONE: position after */
};

/** Caller-owned walker state: one top-level element at a time. Initialise with omp_axdr_walk_init(). */
struct omp_axdr_walker {
    uint8_t open;    /**< number of open containers */
    bool started;    /**< the top-level element has been reported */
    struct {
        uint8_t tag;
        size_t count; /**< elements the container announced */
        size_t next;  /**< index of the next child */
    } stack[OMP_CONFIG_AXDR_DEPTH];
};

/** @brief Prepare @p wk to walk the next element of a reader. */
void omp_axdr_walk_init(struct omp_axdr_walker *wk);

/**
 * @brief Report the next step of the walk over one top-level element, in document order.
 *
 * An array/structure is reported as ELEM (with its count); its children follow at depth+1 and an
 * END event closes it (also when the count is 0). After the top-level element (and all its END
 * events) the walker reports DONE without reading. Compact-arrays are leaves (contents as a span).
 * @param[in,out] wk  Walker state; unchanged on error.
 * @param[in,out] rd  Reader; advanced past what was reported, unchanged on error.
 * @param[out]    ev  Filled on success; untouched on error.
 * @return OMP_OK, OMP_ERR_ARG, OMP_ERR_DEPTH (a container would be the
 *         OMP_CONFIG_AXDR_DEPTH+1-th open one), or the errors of omp_axdr_next().
 */
OMP_MUST_CHECK omp_err omp_axdr_walk(struct omp_axdr_walker *wk, struct omp_rd *rd,
                                     struct omp_axdr_event *ev);

/* ------------------------------------------------------------------------------------------ */
/* Encoders                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/*
 * Every put writes the tag and the content, all or nothing: OMP_OK, or OMP_ERR_NOSPACE (nothing
 * written, sticky in the writer as omp_wr documents), OMP_ERR_ARG (NULL w, or NULL data with a
 * non-zero length), OMP_ERR_RANGE (a length above 0xFFFFFFFF; invalid date/time fields).
 */
OMP_MUST_CHECK omp_err omp_axdr_put_null(struct omp_wr *w);
OMP_MUST_CHECK omp_err omp_axdr_put_bool(struct omp_wr *w, bool v);
OMP_MUST_CHECK omp_err omp_axdr_put_i8(struct omp_wr *w, int8_t v);     /**< integer */
OMP_MUST_CHECK omp_err omp_axdr_put_i16(struct omp_wr *w, int16_t v);   /**< long */
OMP_MUST_CHECK omp_err omp_axdr_put_i32(struct omp_wr *w, int32_t v);   /**< double-long */
OMP_MUST_CHECK omp_err omp_axdr_put_i64(struct omp_wr *w, int64_t v);   /**< long64 */
OMP_MUST_CHECK omp_err omp_axdr_put_u8(struct omp_wr *w, uint8_t v);    /**< unsigned */
OMP_MUST_CHECK omp_err omp_axdr_put_u16(struct omp_wr *w, uint16_t v);  /**< long-unsigned */
OMP_MUST_CHECK omp_err omp_axdr_put_u32(struct omp_wr *w, uint32_t v);  /**< double-long-unsigned */
OMP_MUST_CHECK omp_err omp_axdr_put_u64(struct omp_wr *w, uint64_t v);  /**< long64-unsigned */
OMP_MUST_CHECK omp_err omp_axdr_put_enum(struct omp_wr *w, uint8_t v);
OMP_MUST_CHECK omp_err omp_axdr_put_bcd(struct omp_wr *w, uint8_t v);
OMP_MUST_CHECK omp_err omp_axdr_put_f32(struct omp_wr *w, float v);
OMP_MUST_CHECK omp_err omp_axdr_put_f64(struct omp_wr *w, double v);
/** @brief octet-string of @p n bytes. */
OMP_MUST_CHECK omp_err omp_axdr_put_octets(struct omp_wr *w, const uint8_t *p, size_t n);
/** @brief visible-string (bytes as given; not checked for printable ASCII). */
OMP_MUST_CHECK omp_err omp_axdr_put_visible(struct omp_wr *w, const char *s, size_t n);
/** @brief utf8-string (bytes as given; not checked for UTF-8). */
OMP_MUST_CHECK omp_err omp_axdr_put_utf8(struct omp_wr *w, const char *s, size_t n);
/** @brief bit-string of @p nbits bits from (nbits+7)/8 bytes at @p bits (first bit = MSB). */
OMP_MUST_CHECK omp_err omp_axdr_put_bitstring(struct omp_wr *w, const uint8_t *bits, size_t nbits);
/** @brief Header of an array/structure whose @p count elements the caller writes next. */
OMP_MUST_CHECK omp_err omp_axdr_put_array(struct omp_wr *w, size_t count);
OMP_MUST_CHECK omp_err omp_axdr_put_structure(struct omp_wr *w, size_t count);

/**
 * @brief Container builder, count unknown up front: write the tag @p tag (array or structure) and
 * a one-byte count placeholder; remember *@p mark. Write the elements, then call
 * omp_axdr_end_container() with the count.
 * @return OMP_OK, OMP_ERR_ARG (other tag, NULL), OMP_ERR_NOSPACE.
 */
OMP_MUST_CHECK omp_err omp_axdr_begin_container(struct omp_wr *w, uint8_t tag, size_t *mark);
/**
 * @brief Close a container begun at @p mark with its element count. Counts above 127 need a long
 * length form: the body is moved up by 1..4 bytes (needs that much room).
 * On any error (a put inside failed: the writer's sticky error; no room to grow the count;
 * @p mark not a begun container) the whole container is removed: omp_wr_len() == @p mark and the
 * sticky error is cleared, so the caller may flush and retry.
 * @return OMP_OK, OMP_ERR_NOSPACE, OMP_ERR_RANGE (count > 0xFFFFFFFF), OMP_ERR_ARG.
 */
OMP_MUST_CHECK omp_err omp_axdr_end_container(struct omp_wr *w, size_t mark, size_t count);

/**
 * @brief Encode a decoded element again, canonically (minimal length forms, boolean as 0/1), from
 * its typed value (integers, floats) or its bytes (strings, date/time, compact-array).
 * Containers: only the header (tag + count). Used to forward data and by the fuzz round trip.
 * @return as the puts; OMP_ERR_ARG for an invalid tag.
 */
OMP_MUST_CHECK omp_err omp_axdr_put_elem(struct omp_wr *w, const struct omp_axdr_elem *e);

/* ------------------------------------------------------------------------------------------ */
/* COSEM date-time, date, time (Blue Book 4.1.6.1)                                             */
/* ------------------------------------------------------------------------------------------ */

#define OMP_AXDR_YEAR_ANY 0xFFFFu            /**< year not specified */
#define OMP_AXDR_ANY 0xFFu                   /**< byte field not specified */
#define OMP_AXDR_MONTH_DST_END 0xFDu
#define OMP_AXDR_MONTH_DST_BEGIN 0xFEu
#define OMP_AXDR_DAY_2ND_LAST 0xFDu          /**< second last day of the month */
#define OMP_AXDR_DAY_LAST 0xFEu              /**< last day of the month */
#define OMP_AXDR_DEVIATION_ANY INT16_MIN     /**< 0x8000: deviation not specified */
#define OMP_AXDR_STATUS_INVALID 0x01u        /**< clock status bit 0 */
#define OMP_AXDR_STATUS_DOUBTFUL 0x02u       /**< bit 1 */
#define OMP_AXDR_STATUS_DIFFERENT_BASE 0x04u /**< bit 2 */
#define OMP_AXDR_STATUS_INVALID_STATUS 0x08u /**< bit 3 */
#define OMP_AXDR_STATUS_DST 0x80u            /**< bit 7: daylight saving active */

/** COSEM date (5 bytes: year u16 BE, month, day of month, day of week). */
struct omp_axdr_date {
    uint16_t year;  /**< 0..0xFFFE, or OMP_AXDR_YEAR_ANY */
    uint8_t month;  /**< 1..12, DST_END, DST_BEGIN, ANY */
    uint8_t day;    /**< 1..31, 2ND_LAST, LAST, ANY */
    uint8_t wday;   /**< 1..7 (Monday = 1), ANY */
};

/** COSEM time (4 bytes). */
struct omp_axdr_time {
    uint8_t hour;       /**< 0..23, ANY */
    uint8_t minute;     /**< 0..59, ANY */
    uint8_t second;     /**< 0..59, ANY */
    uint8_t hundredths; /**< 0..99, ANY */
};

/** COSEM date-time (12 bytes: date, time, deviation i16 BE, clock status). */
struct omp_axdr_datetime {
    struct omp_axdr_date date;
    struct omp_axdr_time time;
    int16_t deviation_min; /**< minutes of local time to UTC (UTC = local + deviation; CET: -60),
                                -720..720 or OMP_AXDR_DEVIATION_ANY */
    uint8_t status;        /**< clock status bits OMP_AXDR_STATUS_*, or 0xFF not specified */
};

/**
 * @brief Decode and validate raw COSEM bytes (from a date-time/date/time element, or an
 * octet-string as HAN pushes carry them). Wildcards are allowed in every field; a fully given
 * year/month/day must be a real date (29 February only in leap years; with the year wildcarded
 * it is allowed).
 * @return OMP_OK, OMP_ERR_ARG (NULL), OMP_ERR_MALFORMED (@p len not 12/5/4),
 *         OMP_ERR_RANGE (a field out of range). @p out untouched on error.
 */
OMP_MUST_CHECK omp_err omp_axdr_datetime_decode(const uint8_t *raw, size_t len,
                                                struct omp_axdr_datetime *out);
OMP_MUST_CHECK omp_err omp_axdr_date_decode(const uint8_t *raw, size_t len,
                                            struct omp_axdr_date *out);
OMP_MUST_CHECK omp_err omp_axdr_time_decode(const uint8_t *raw, size_t len,
                                            struct omp_axdr_time *out);

/** @brief Validate @p dt as the decoders do. @return OMP_OK, OMP_ERR_ARG, OMP_ERR_RANGE. */
OMP_MUST_CHECK omp_err omp_axdr_datetime_check(const struct omp_axdr_datetime *dt);

/** @brief Validate and write the 12/5/4 raw bytes to @p raw (no tag). @return OMP_OK,
 *  OMP_ERR_ARG, OMP_ERR_RANGE (nothing written). */
OMP_MUST_CHECK omp_err omp_axdr_datetime_encode(const struct omp_axdr_datetime *dt,
                                                uint8_t raw[12]);
OMP_MUST_CHECK omp_err omp_axdr_date_encode(const struct omp_axdr_date *d, uint8_t raw[5]);
OMP_MUST_CHECK omp_err omp_axdr_time_encode(const struct omp_axdr_time *t, uint8_t raw[4]);

/** @brief Tagged date-time/date/time element (tag 25/26/27 + raw bytes), validated first. */
OMP_MUST_CHECK omp_err omp_axdr_put_datetime(struct omp_wr *w, const struct omp_axdr_datetime *dt);
OMP_MUST_CHECK omp_err omp_axdr_put_date(struct omp_wr *w, const struct omp_axdr_date *d);
OMP_MUST_CHECK omp_err omp_axdr_put_time(struct omp_wr *w, const struct omp_axdr_time *t);

/**
 * @brief UTC instant of a fully specified date-time: year (1970..2199), month 1..12, day,
 * hour, minute, second and deviation given; hundredths (any), day of week (any; not
 * cross-checked) and status are ignored. UTC = local + deviation minutes.
 * @return OMP_OK, OMP_ERR_ARG (NULL), OMP_ERR_RANGE (a wildcard or special value in a required
 *         field, invalid date, result outside 1970..2199). @p t untouched on error.
 */
OMP_MUST_CHECK omp_err omp_axdr_datetime_to_time(const struct omp_axdr_datetime *dt,
                                                 omp_time_s *t);
/**
 * @brief Date-time of UTC instant @p t shown in local time with @p deviation_min (-720..720,
 * UTC = local + deviation) and clock @p status; day of week filled, hundredths 0.
 * @return OMP_OK, OMP_ERR_ARG (NULL, deviation out of range), OMP_ERR_RANGE (local time outside
 *         1970..2199). @p dt untouched on error.
 */
OMP_MUST_CHECK omp_err omp_axdr_datetime_from_time(omp_time_s t, int16_t deviation_min,
                                                   uint8_t status, struct omp_axdr_datetime *dt);

/* ------------------------------------------------------------------------------------------ */
/* OBIS codes (IEC 62056-6-1): 6-byte logical names                                           */
/* ------------------------------------------------------------------------------------------ */

/** A logical name A.B.C.D.E.F as its 6 bytes (the octet-string of attribute 1). */
struct omp_obis {
    uint8_t v[6];
};

/** Buffer size for the longest formatted OBIS code ("255-255:255.255.255*255" + NUL). */
#define OMP_OBIS_STR_MAX 24u

/** @brief OBIS code from an octet-string's bytes. @return OMP_OK, OMP_ERR_ARG, OMP_ERR_MALFORMED
 *  (@p len != 6). */
OMP_MUST_CHECK omp_err omp_obis_from_bytes(const uint8_t *p, size_t len, struct omp_obis *o);
/**
 * @brief Parse exactly @p len characters: "A-B:C.D.E*F" or "A.B.C.D.E.F", each value 0..255 in
 * 1..3 decimal digits (no sign, no spaces, no NUL needed).
 * @return OMP_OK, OMP_ERR_ARG, OMP_ERR_MALFORMED (grammar), OMP_ERR_RANGE (a value above 255).
 *         @p o untouched on error.
 */
OMP_MUST_CHECK omp_err omp_obis_parse(const char *s, size_t len, struct omp_obis *o);
/** @brief Format as "A-B:C.D.E*F" + NUL. @return OMP_OK, OMP_ERR_ARG, OMP_ERR_NOSPACE (nothing
 *  written) */
OMP_MUST_CHECK omp_err omp_obis_format(const struct omp_obis *o, char *out, size_t cap);
/** @brief Format as "A.B.C.D.E.F" + NUL. @return as omp_obis_format(). */
OMP_MUST_CHECK omp_err omp_obis_format_dotted(const struct omp_obis *o, char *out, size_t cap);
/** @brief <0, 0, >0 as @p a sorts before, equal to, after @p b (bytewise A..F). */
int omp_obis_cmp(const struct omp_obis *a, const struct omp_obis *b);

/**
 * @brief Write a value of the data dictionary (value.h) as its A-XDR element: integers with their
 * type's tag (a register wider than the type is sent modulo the type's range, as it rolls over),
 * strings as octet-/visible-string, a date-time as the 12-byte octet-string COSEM attributes use
 * (local wall time, deviation = -offset, the clock status; hundredths not specified; every field
 * not specified for an unset time), a pre-encoded value as it is, null-data as null-data.
 * @return OMP_OK, OMP_ERR_ARG (NULL, unknown type), OMP_ERR_RANGE (a time outside 1970..2199),
 *         OMP_ERR_NOSPACE (nothing written).
 */
OMP_MUST_CHECK omp_err omp_axdr_put_value(struct omp_wr *w, const struct omp_value *v);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_AXDR_H */

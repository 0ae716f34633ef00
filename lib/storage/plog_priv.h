/*
 * Shared between the packed log's container (plog.c) and its entry codec (plog_codec.c).
 */
#ifndef OMNIPOWER_PLOG_PRIV_H
#define OMNIPOWER_PLOG_PRIV_H

#include "omnipower/plog.h"
#include "storage_priv.h"

#define OMP_STG_KIND_PLOG 3u

#define OMP_PLOG_F_FULL 0x01u
#define OMP_PLOG_F_TIME 0x02u
#define OMP_PLOG_F_STATUS 0x04u
#define OMP_PLOG_F_QUALITY 0x08u
#define OMP_PLOG_F_PACKED 0x10u /* plain columns as fixed-width bit fields, not varints */
#define OMP_PLOG_F_CLEAR 0x20u  /* with F_FULL: a clear marker, the first number after a clear */
#define OMP_PLOG_F_ALL 0x3Fu
#define OMP_PLOG_SHORT 0xE0u    /* first byte 0xE0..0xEF: a short entry (plog_codec.c) */

/** What decoding a stored entry found. */
enum omp_plog_priv_dec {
    OMP_PLOG_DEC_OK = 0,
    OMP_PLOG_DEC_BAD,    /**< its fields do not parse (a flipped bit that kept the CRC: foreign) */
    OMP_PLOG_DEC_NOBASE, /**< a plain entry without the entry before it */
    OMP_PLOG_DEC_CLEAR,  /**< a clear marker: *no is the first number after the clear */
};

/**
 * Encode @p e as entry number @p no: full when @p base is NULL, else as the difference from
 * @p base; with @p e NULL a clear marker carrying @p no. @p out has room for OMP_PLOG_REC_MAX
 * bytes. @return the stored length L.
 */
size_t omp_plog_priv_encode(const struct omp_plog_def *def, const struct omp_plog_entry *e,
                            uint32_t no, const struct omp_plog_entry *base, uint8_t *out);

/** Decode the stored entry @p p (its CRC already checked) on @p base (number @p base_no;
 *  NULL if unknown); @p w: the fields' widths (omp_plog_priv_widths), NULL to work them out. */
enum omp_plog_priv_dec omp_plog_priv_decode(const struct omp_plog_def *def, const uint8_t *w,
                                            const uint8_t *p, const struct omp_plog_entry *base,
                                            uint32_t base_no, struct omp_plog_entry *e,
                                            uint32_t *no);

/** Each column's packed field width into @p w (OMP_PLOG_COLUMNS_MAX); @return their sum. */
unsigned omp_plog_priv_widths(const struct omp_plog_def *def, uint8_t *w);

/** The length of a stored entry of @p def whose first byte is @p b0 (0: none can start so). */
uint32_t omp_plog_priv_len(const struct omp_plog_def *def, uint8_t b0);

/** true if the stored entry @p p is a short one (plain, packed, no time, status or quality). */
bool omp_plog_priv_short(const uint8_t *p);

/** true if the stored entry @p p is full (or a clear marker). */
bool omp_plog_priv_full(const uint8_t *p);

/** true if the stored entry @p p of length @p len (omp_plog_priv_len) passes its CRC. */
bool omp_plog_priv_crc_ok(const uint8_t *p, size_t len);

/** Bytes (before padding) of a worst-case full or plain entry of @p def. */
uint32_t omp_plog_priv_worst(const struct omp_plog_def *def, bool full);

#endif /* OMNIPOWER_PLOG_PRIV_H */

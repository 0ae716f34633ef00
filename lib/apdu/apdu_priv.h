/*
 * Private helpers of the apdu module, shared by apdu.c (xDLMS services) and apdu_aa.c (ACSE).
 */
#ifndef OMNIPOWER_APDU_PRIV_H
#define OMNIPOWER_APDU_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omnipower/apdu.h"
#include "omnipower/core.h"

/*
 * Consume one complete A-XDR Data value without decoding it: omp_axdr_skip (iterative, counts
 * open elements instead of keeping a stack, so any nesting the input can hold is skipped in
 * constant stack). On error the reader is untouched. Returns OMP_OK, OMP_ERR_TRUNCATED,
 * OMP_ERR_MALFORMED (unknown tag, bad length form).
 */
omp_err omp_apdu_priv_skip_data(struct omp_rd *rd);

/* true if @p s holds exactly one Data value. */
bool omp_apdu_priv_is_data(const struct omp_apdu_span *s);

/* Bytes of the minimal A-XDR/BER encoding of length @p n. */
size_t omp_apdu_priv_len_size(size_t n);

/* An A-XDR/BER length; sets *nc if its form was not minimal. Reader untouched on error. */
omp_err omp_apdu_priv_read_len(struct omp_rd *rd, size_t *len, bool *nc);

/*
 * Encoder output: every encoder runs twice, first measuring (w == NULL: only n counts), then,
 * once the caller's writer is known to have room for all n bytes, writing. So an encoder that
 * runs out of room leaves the caller's buffer untouched, not only its length.
 */
struct omp_apdu_out {
    struct omp_wr *w; /* NULL while measuring */
    size_t n;         /* bytes produced so far */
    size_t base;      /* omp_wr_len(w) when the pass started */
};

/* The output primitives: functions, not inline (each call site is a call, not a copy). */
omp_err omp_apdu_o_bytes(struct omp_apdu_out *o, const void *p, size_t n);
omp_err omp_apdu_o_u8(struct omp_apdu_out *o, uint8_t v);
omp_err omp_apdu_o_u16be(struct omp_apdu_out *o, uint16_t v);
omp_err omp_apdu_o_u24be(struct omp_apdu_out *o, uint32_t v);
omp_err omp_apdu_o_u32be(struct omp_apdu_out *o, uint32_t v);
omp_err omp_apdu_o_berlen(struct omp_apdu_out *o, size_t len);
static inline size_t omp_apdu_o_len(const struct omp_apdu_out *o)
{
    return o->n;
}
omp_err omp_apdu_o_status(const struct omp_apdu_out *o);

/* Runs @p fn(arg, out) measuring, then writing into @p w: all or nothing. */
omp_err omp_apdu_priv_emit(struct omp_wr *w, omp_err (*fn)(const void *arg, struct omp_apdu_out *o),
                           const void *arg);

/* ACSE (apdu_aa.c): decode the APDU after its tag byte @p tag into @p a: an AARQ or RLRQ (0x60,
 * 0x62: _req), an AARE or RLRE (0x61, 0x63: _rsp). Split by direction so that a server links only
 * the request decoders (and a client only the response ones). */
omp_err omp_apdu_priv_decode_aa_req(struct omp_rd *rd, uint8_t tag, struct omp_apdu *a);
omp_err omp_apdu_priv_decode_aa_rsp(struct omp_rd *rd, uint8_t tag, struct omp_apdu *a);
/* ACSE: encode an AARQ or RLRQ (_req), an AARE or RLRE (_rsp); OMP_ERR_ARG for any other kind. */
omp_err omp_apdu_priv_encode_aa_req(const struct omp_apdu *a, struct omp_apdu_out *w);
omp_err omp_apdu_priv_encode_aa_rsp(const struct omp_apdu *a, struct omp_apdu_out *w);

#endif /* OMNIPOWER_APDU_PRIV_H */

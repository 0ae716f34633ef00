/*
 * Internal helpers shared by registers.c (state machine) and records.c (codecs, restore).
 */
#ifndef OMNIPOWER_REGISTERS_PRIV_H
#define OMNIPOWER_REGISTERS_PRIV_H

#include "omnipower/registers.h"

/** Energy registers in record order: A+, A-, R+, R-, R1..R4, E+, E-, A+ T1..n, R+ T1..n. */
#define OMP_REGS_PRIV_N_ENERGY (10u + 2u * (unsigned)OMP_CONFIG_TARIFFS)

/** First second outside the library's calendar range: 2200-01-01T00:00:00Z. */
#define OMP_REGS_PRIV_T_END ((omp_time_s)7258118400)

/** Known bits of the demand period flags and of the snapshot quality. */
#define OMP_REGS_PRIV_PF_ALL 0x0Fu
#define OMP_REGS_PRIV_Q_ALL 0x7Fu

/** @brief true if @p t is 0 or a second of years 1970..2199. */
static inline bool omp_regs_priv_time_ok(omp_time_s t)
{
    return t >= 0 && t < OMP_REGS_PRIV_T_END;
}

/** @brief Copy the energy registers of @p e into @p out (OMP_REGS_PRIV_N_ENERGY values). */
void omp_regs_priv_flatten(const struct omp_regs_energy *e, uint64_t *out);
/** @brief Inverse of omp_regs_priv_flatten. */
void omp_regs_priv_unflatten(const uint64_t *in, struct omp_regs_energy *e);
/** @brief a + b, saturating at UINT64_MAX. */
uint64_t omp_regs_priv_add_sat(uint64_t a, uint64_t b);
/** @brief Sum over the energy registers of floor(value / save_step) (saturating). */
uint64_t omp_regs_priv_steps(const struct omp_registers *r);
/** @brief The next stop of r's schedule after @p after_utc, or 0 (none, or out of range). */
omp_time_s omp_regs_priv_next_stop(const struct omp_registers *r, omp_time_s after_utc);

/** @brief The checkpoint id a cold ('C') or hot ('H') record names (the hot record: its base),
 *  read from its first 6 bytes; 0 if @p rec is not such a record. */
uint32_t omp_regs_priv_record_id(const uint8_t *rec, size_t len, uint8_t kind);

/** Mirror entry: version byte, and where its cold checkpoint starts. */
#define OMP_REGS_PRIV_MIRROR_VERSION 1u
#define OMP_REGS_PRIV_MIRROR_COLD (4u + OMP_REGS_LEGAL_MAX)
_Static_assert(OMP_REGS_PRIV_MIRROR_COLD + OMP_REGS_COLD_MAX <= OMP_REGS_PERSIST_BUF,
               "a mirror entry being built must fit the scratch buffer");

/** @brief Write p->legal to the journal (OMP_REGS_KEY_LEGAL). */
omp_err omp_regs_persist_priv_put_legal(struct omp_regs_persist *p);

#endif /* OMNIPOWER_REGISTERS_PRIV_H */

/**
 * @file push.h
 * @brief HAN push on the CCC port: the push setup (class 40) of an OMNIPOWER, its three lists,
 * their schedule, the data-notification APDU built from the data dictionary, suite-0
 * general-glo-ciphering and the HDLC UI frames (technical facts 12; docs/han.md).
 *
 * - Lists (technical facts 12.2): NVE list 1 (every 10 s at hh:mm:s0), NVE list 2 (every hour at
 *   hh:00:05) and the Danish "DLMS push 1" (every 10 s). Each is a structure: the list id
 *   visible-string `Kamstrup_V0001` with no OBIS in front, then {octet-string(6) OBIS, value}
 *   pairs. No scaler or unit is pushed: energies Wh, powers W/var, voltages V, currents 0.01 A,
 *   power factor 0.01 (technical facts 12.2 "Scalers the reader has to assume").
 * - Values come from the dictionary (cosem.h) as association OMP_ASSOC_PUSH: double-long-unsigned
 *   for energies, powers, currents and the meter number, long-unsigned for voltages and power
 *   factors, octet-string(12) for the clock. This single-phase meter sends L1 values from its
 *   totals and the null-data placeholder pair (00 00) for every L2/L3 item, as Kamstrup's
 *   single-phase OMNIPOWER does (vectors/README.md).
 * - APDU: data-notification 0F, long-invoke-id-and-priority 00000000, date-time octet-string(12)
 *   in local time with hundredths and deviation not specified (FF, 8000) and the clock status.
 * - Ciphering (technical facts 12.4): general-glo-ciphering DB, SC 0x30 (suite 0, authenticated
 *   and encrypted), system title `KAME` + meter number (4 bytes big-endian), the HAN keys in the
 *   port's key slots OMP_KEY_HAN_EK / OMP_KEY_HAN_AK.
 * - Frame (technical facts 12.3): LLC E6 E7 00 + APDU in HDLC UI frames (control 0x13), split
 *   into segments of at most max_info bytes (segmentation bit on all but the last).
 *
 * With push on, the CCC port only transmits: the meter answers no request on it (HAN p.17).
 */
#ifndef OMNIPOWER_PUSH_H
#define OMNIPOWER_PUSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omnipower/core.h"
#include "omnipower/hal.h"
#include "omnipower/cosem.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The push lists (technical facts 12.2). */
enum omp_push_list {
    OMP_PUSH_NVE1 = 0, /**< NVE list 1: 12 items, every 10 s at hh:mm:s0 */
    OMP_PUSH_NVE2 = 1, /**< NVE list 2: list 1 + clock + 4 energies, hourly at hh:00:05 */
    OMP_PUSH_DK = 2,   /**< Danish "DLMS push 1": 32 items, every 10 s at hh:mm:s0 */
    OMP_PUSH_LIST_COUNT
};

/** Bit of list @p l in omp_push_cfg::lists. */
#define OMP_PUSH_BIT(l) (1u << (unsigned)(l))
/** Both NVE lists: what a meter with push on and no list choice sends (HAN p.17). */
#define OMP_PUSH_NVE (OMP_PUSH_BIT(OMP_PUSH_NVE1) | OMP_PUSH_BIT(OMP_PUSH_NVE2))

/** Longest GS1 number (1.1.0.0.5.255) a list carries: 16 digits. */
#define OMP_PUSH_GS1_LEN 16u
/** Bytes of frames one poll may leave queued for the port (one DK frame ciphered is 491). */
#define OMP_PUSH_TX_MAX 2048u
/** Default largest HDLC information field of one push frame (no segmentation up to it). */
#define OMP_PUSH_MAX_INFO_DEFAULT 1024u
/** The seconds from 1970 to 2020-01-01T00:00:00Z: the invocation counter's time origin. */
#define OMP_PUSH_IC_EPOCH 1577836800

/** @brief Push configuration (Kamstrup sets it with OMNISOFT VisionAir). */
struct omp_push_cfg {
    uint8_t lists;     /**< OR of OMP_PUSH_BIT(); 0: push off (the factory state) */
    bool encrypt;      /**< suite 0 general-glo-ciphering, SC 0x30, with the HAN keys */
    uint8_t ek_slot;   /**< key slot of the HAN encryption key (GPK60): OMP_KEY_HAN_EK */
    uint8_t ak_slot;   /**< key slot of the HAN authentication key (GPK61): OMP_KEY_HAN_AK */
    uint16_t max_info; /**< largest information field of one frame, 32..2030 */
    char gs1[OMP_PUSH_GS1_LEN + 1]; /**< GS1 number 1.1.0.0.5.255 of the NVE lists, digits;
                                         "" sends the meter number as 16 digits */
};

/** @brief The push setup's state: schedule, invocation counter, frames not yet sent. */
struct omp_push {
    struct omp_push_cfg cfg;
    bool started[OMP_PUSH_LIST_COUNT];     /**< private: next_due holds a slot */
    int64_t next_due[OMP_PUSH_LIST_COUNT]; /**< private: local seconds of the next push */
    uint32_t ic;                           /**< last invocation counter used */
    bool ic_used;                          /**< ic holds a counter that was sent */
    uint32_t ic_mark;                      /**< the owner's: counters below it are reserved in
                                                NVM (0: none; the meter's HAN glue keeps it) */
    uint32_t pushes;                       /**< data-notifications queued */
    uint32_t skipped;                      /**< slots not sent: clock stepped over them, or
                                                the previous frames were still queued */
    uint32_t errors;                       /**< pushes that could not be built */
    size_t tx_len;                         /**< private: bytes in tx */
    size_t tx_off;                         /**< private: bytes of tx already written */
    uint8_t tx[OMP_PUSH_TX_MAX];           /**< private: queued frames */
};

/** @brief One item of a list as the push sends it. */
struct omp_push_item {
    uint8_t obis[6]; /**< OBIS sent (all zero for the list id) */
    uint8_t kind;    /**< private: what the value is */
    uint8_t vtype;   /**< OMP_VT_U32, OMP_VT_U16, OMP_VT_VISIBLE or OMP_VT_OCTETS */
    int8_t exp;      /**< power of ten of the pushed integer (e.g. -2: 0.01 A) */
    uint8_t src_c;   /**< C of the dictionary object read (0: absent on this meter) */
};

/** @brief Factory configuration: push off, plain, HAN key slots, max_info
 *  OMP_PUSH_MAX_INFO_DEFAULT, GS1 from the meter number. */
void omp_push_cfg_default(struct omp_push_cfg *cfg);

/** @brief true if @p cfg is usable (known lists, max_info 32..2030, key slots in range, GS1
 *  digits only). */
bool omp_push_cfg_valid(const struct omp_push_cfg *cfg);

/** @brief Start with @p cfg (copied): no slot due yet, no counter used.
 *  @return OMP_OK, OMP_ERR_ARG (NULL or invalid cfg). */
OMP_MUST_CHECK omp_err omp_push_init(struct omp_push *p, const struct omp_push_cfg *cfg);

/** @brief The items of @p list in order (@p n gets the count), or NULL for an unknown list. */
const struct omp_push_item *omp_push_items(enum omp_push_list list, size_t *n);

/**
 * @brief The schedule: the lists due at local time @p local_s (seconds since 1970 of the local
 * wall clock), as a mask of OMP_PUSH_BIT(), NVE list 1 before list 2 (callers send in bit order).
 * A 10 s list is due at every local second that is a multiple of 10, list 2 at hh:00:05. A slot
 * is taken at most once; a call up to 9 s after a slot still sends it (a late poll); a clock
 * step forward past a slot by 10 s or more skips it (counted in @c skipped); a step backward by
 * less than a period sends no slot twice, a longer one re-arms at the next slot of the new time.
 * The first call only arms (nothing is sent at the second the push starts, so a meter restarted
 * within a second never repeats a slot).
 * @return the mask (0 for NULL).
 */
unsigned omp_push_due(struct omp_push *p, int64_t local_s);

/**
 * @brief The next invocation counter for a push at UTC @p utc_s: the larger of the previous
 * counter + 1 and the seconds since OMP_PUSH_IC_EPOCH, so it never repeats in a run and, with an
 * RTC that does not go back, never across restarts (docs/han.md "Invocation counter").
 * @return OMP_OK, OMP_ERR_RANGE (the counter is exhausted), OMP_ERR_ARG.
 */
OMP_MUST_CHECK omp_err omp_push_next_ic(struct omp_push *p, omp_time_s utc_s, uint32_t *ic);

/** @brief The counter omp_push_next_ic() would give at @p utc_s, without taking it (0 for NULL;
 *  UINT32_MAX when exhausted). */
uint32_t omp_push_ic_peek(const struct omp_push *p, omp_time_s utc_s);

/** @brief Never use a counter at or below @p floor again (a high-water mark kept by the
 *  integrator in NVM). NULL: ignored. */
void omp_push_ic_floor(struct omp_push *p, uint32_t floor);

/**
 * @brief Write the plain data-notification APDU of @p list, values read from @p src now.
 * @return OMP_OK, OMP_ERR_ARG, OMP_ERR_NOSPACE (the writer's length is unchanged on any error),
 *         or a dictionary error.
 */
OMP_MUST_CHECK omp_err omp_push_apdu(const struct omp_push_cfg *cfg, enum omp_push_list list,
                                     const struct omp_cosem_src *src, struct omp_wr *w);

/** @brief The HDLC destination (client) address of @p list's frames: 32 for the Danish list,
 *  21 for the NVE lists (technical facts 12.3, vectors/README.md). */
uint8_t omp_push_dest(enum omp_push_list list);

/**
 * @brief The frames of one push: the APDU (sealed with @p ic through @p gcm when cfg.encrypt),
 * LLC E6 E7 00, HDLC UI frames with flags, addressed as the captured frames of the list's
 * family (NVE: 0x2B <- 0x21; DK: 0x41 <- 0x03; technical facts 12.3, vectors/README.md).
 * @param gcm  The HAL's aead_gcm (with @p user); may be NULL when not ciphering.
 * @return OMP_OK, OMP_ERR_ARG, OMP_ERR_NOSPACE, OMP_ERR_UNSUPPORTED (ciphering without @p gcm),
 *         or the op's error. The writer's length is unchanged on error.
 */
OMP_MUST_CHECK omp_err omp_push_frames(const struct omp_push_cfg *cfg, enum omp_push_list list,
                                       const struct omp_cosem_src *src, uint32_t ic,
                                       omp_err (*gcm)(void *user, const struct omp_gcm_op *op),
                                       void *user, struct omp_wr *w);

/**
 * @brief One poll: queue the frames of the lists due at the clock of @p src (local time) and
 * write what the port takes through @p hal's port_write on OMP_PORT_HAN. A push due while the
 * previous frames are still queued is skipped.
 * @return OMP_OK (also when nothing is due or push is off), or the error of building or writing.
 * @par Context: main loop.
 */
OMP_MUST_CHECK omp_err omp_push_poll(struct omp_push *p, const struct omp_cosem_src *src,
                                     const struct omp_hal *hal);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_PUSH_H */

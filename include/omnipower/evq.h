/**
 * @file evq.h
 * @brief libomnipower core: the event queue through which services send notifications.
 *
 * Producers (clock, supply monitor, push buttons, configuration, storage, optical port, later
 * pq and disconnect) push small fixed-size events; every subscriber (the event logger, the
 * display, ...) reads them through its own cursor, struct omp_evq_reader, so one queue feeds any
 * number of readers at their own pace and no service calls another (docs/architecture.md, "How
 * services talk").
 *
 * Full queue: the oldest event is overwritten, never the new one, and nothing blocks. The queue
 * cannot know which readers still need an old event (they are not registered with it), so
 * refusing new events would let one stalled reader (a display that is off) make every other
 * reader lose events too, and would lose the newest ones, among them the power-down event
 * pushed just before the supply dies. Instead each reader finds out on its own: omp_evq_read()
 * reports how many events it missed just before the one it returns, and the reader keeps the
 * running total in `missed`, which a logger exposes and records as OMP_EV_EVENTS_LOST. A reader
 * that drains the queue in every poll never misses an event unless more than
 * OMP_CONFIG_EVQ_DEPTH events are pushed between two of its polls.
 *
 * Context: a queue and its readers belong to one execution context, the main loop (tick and
 * poll). No function here may be called from an interrupt handler: there is no locking.
 * Sequence numbers are 32-bit and wrap; readers stay correct across the wrap as long as none
 * falls more than 2^31 events behind.
 */
#ifndef OMNIPOWER_EVQ_H
#define OMNIPOWER_EVQ_H

#include <stdint.h>

#include "omnipower/config.h"
#include "omnipower/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief What happened. Values are grouped in ranges per source and are append-only. These are
 * internal codes: the logger maps them to the DLMS event codes of its logs in one place.
 * Unless a member says otherwise, @c arg and @c flags are 0.
 */
enum omp_event_code {
    OMP_EV_NONE = 0x0000, /**< never pushed (omp_evq_push rejects it) */

    /* clock and supply: 0x0001 .. 0x00FF */
    /** The clock was set. utc_s: the new time. arg: |new - old| in seconds, saturated at
     *  UINT32_MAX. flags: OMP_EVF_CLOCK_BACKWARD, OMP_EVF_CLOCK_SATURATED. */
    OMP_EV_CLOCK_SET = 0x0001,
    /** Supply lost (power-fail warning). utc_s: time of the warning. */
    OMP_EV_POWER_DOWN = 0x0010,
    /** Supply back after a power down. arg: seconds the meter was off if known, else 0. */
    OMP_EV_POWER_UP = 0x0011,

    /* tamper: 0x0100 .. 0x01FF (the meter's tamper inputs, omp_meter_on_input) */
    OMP_EV_COVER_OPEN = 0x0100,          /**< meter cover removed (start) */
    OMP_EV_COVER_CLOSED = 0x0101,        /**< meter cover back (end) */
    OMP_EV_TERMINAL_OPEN = 0x0102,       /**< terminal cover removed (start) */
    OMP_EV_TERMINAL_CLOSED = 0x0103,     /**< terminal cover back (end) */
    OMP_EV_MAGNETIC_START = 0x0104,      /**< strong magnetic field detected */
    OMP_EV_MAGNETIC_END = 0x0105,        /**< magnetic field gone */

    /* push buttons: 0x0200 .. 0x02FF */
    OMP_EV_PB1_SHORT = 0x0200,   /**< left button (PB1) pressed shortly */
    OMP_EV_PB1_LONG_5S = 0x0201, /**< left button held 5 s */
    OMP_EV_PB1_LONG_6S = 0x0202, /**< left button held 6 s */
    OMP_EV_PB2 = 0x0203,         /**< right button (PB2) pressed */

    /* configuration and storage: 0x0300 .. 0x03FF */
    /** Configuration changed. arg: the reduced id C.D.E of the object written, packed
     *  C << 16 | D << 8 | E (ActualTariff 129.0.0 = 0x810000, 131.0.3 = 0x830003); 0 for the
     *  display lists. */
    OMP_EV_CONFIG_CHANGED = 0x0300,
    /** The NVM holds sectors the meter cannot read (docs/storage.md "Damage"): nothing is
     *  written until it is formatted. arg: damaged or foreign sectors; flags: the regions (1
     *  register journal, 2 billing log, 4 settings, 8 mirror). */
    OMP_EV_NVM_DAMAGED = 0x0310,
    /** The registers were restored from a checkpoint that may be older than their newest save
     *  (docs/storage.md "The mirror"). arg: checkpoints between the one restored and the newest
     *  named (0: unknown); flags: where it came from (enum omp_regs_source: 0 none, 1 journal,
     *  2 mirror). */
    OMP_EV_NVM_ROLLED_BACK = 0x0311,
    /** The load profile's event (LoadProfileEventStatus 1.1.96.5.3.255, technical facts 3.5).
     *  arg: its code: 2 deleted because the channel set changed, 5 the interval changed (the
     *  profile is deleted too, docs/logger.md). */
    OMP_EV_LP_EVENT = 0x0320,
    /** A log was cleared (the clear itself is logged). arg: which (enum omp_evlog_kind, or 0x10
     *  for the load profile). */
    OMP_EV_LOG_CLEARED = 0x0330,
    /** The register monitor 0.0.16.0.0.255 saw its monitored value (active power import) cross
     *  a threshold upwards (docs/cosem.md "Demand and monitor"). arg: the value, W; flags: the
     *  threshold's index (0: PowerThresholdValue). */
    OMP_EV_MONITOR_UP = 0x0340,
    /** The same, downwards (back to at most the threshold). */
    OMP_EV_MONITOR_DOWN = 0x0341,

    /* power quality: 0x0500 .. 0x05FF (issue #15); disconnect: 0x0600 .. 0x06FF (issue #16).
     * The event logs already route these ranges to their logs. */

    /* access: 0x0400 .. 0x04FF */
    /** Wrong password on the optical port. arg: failures in a row as the server counts them
     *  after the attempt (0 when this one started a lock-out). */
    OMP_EV_OPTICAL_PASSWORD_FAIL = 0x0400,
    /** The optical port locked out password attempts. arg: lock-out length in seconds. */
    OMP_EV_OPTICAL_LOCKOUT = 0x0401,
    /** A DLMS association was refused for a wrong or missing LLS password, or a failed HLS-GMAC
     *  authentication (a glo-initiateRequest or ciphered request that does not open, a wrong
     *  f(StoC); dlms_server.h).
     *  arg: the client SAP; flags: the server SAP. */
    OMP_EV_DLMS_AUTH_FAIL = 0x0402,
    /** A ciphered DLMS request was refused for its invocation counter (not above the newest
     *  accepted one: a replay; docs/dlms-server.md "Security"). arg: the refused counter; flags: the
     *  client SAP. */
    OMP_EV_DLMS_REPLAY = 0x0403,

    /* power quality: 0x0500 .. 0x05FF (the PQ event log = voltage quality logger 1
     * 1.1.99.98.16.255; docs/power-quality.md "In the meter"). flags: the phase (1 = L1);
     * arg: OMP_EV_VQ_ARG(mean, max, min) in whole volts (0: the field does not apply). */
    /** Voltage quality logger 1 entry with VoltageQuality1Event e (0..9, technical facts 8.3;
     *  pq_vq.h enum omp_vq_code) is code OMP_EV_VQ + e. */
    OMP_EV_VQ = 0x0500,
    /** EN 50160 events of the IEC 61000-4-30 detector (pq_event.h; VoltageQuality1Event 16..19,
     *  our extension). Stamped with the event's start; arg: mean = its duration in 0.1 s
     *  (saturating at 1023), min = the residual voltage (dip, interruption), max = the maximum
     *  (swell) or delta Umax (RVC). */
    OMP_EV_PQ_DIP = 0x0510,
    OMP_EV_PQ_SWELL = 0x0511,
    OMP_EV_PQ_INTERRUPTION = 0x0512,
    OMP_EV_PQ_RVC = 0x0513,
    /* 0x0600 .. 0x06FF: reserved for breaker (disconnect) state changes */

    /* the queue itself: 0x0F00 .. 0x0FFF */
    /** Written by a reader into its own log when omp_evq_read() reports missed events; never
     *  pushed. arg: number of events missed (saturated at UINT32_MAX). */
    OMP_EV_EVENTS_LOST = 0x0F00,
};

/** The arg of a power-quality event (OMP_EV_VQ + e, OMP_EV_PQ_*): three values of 0..1023 (whole
 *  volts, saturated) in bits 0..9 (mean), 10..19 (max), 20..29 (min). */
#define OMP_EV_VQ_ARG(mean, max, min)                                                    \
    ((uint32_t)((mean) > 1023u ? 1023u : (mean)) |                                       \
     (uint32_t)((max) > 1023u ? 1023u : (max)) << 10 | (uint32_t)((min) > 1023u ? 1023u : (min)) << 20)
/** The mean, max and min (k = 0, 1, 2) of a power-quality event's arg. */
#define OMP_EV_VQ_FIELD(arg, k) ((uint16_t)(((arg) >> (10u * (k))) & 1023u))

/** OMP_EV_CLOCK_SET flags: the new time is earlier than the old one. */
#define OMP_EVF_CLOCK_BACKWARD 0x0001u
/** OMP_EV_CLOCK_SET flags: the change did not fit in @c arg, which holds UINT32_MAX. */
#define OMP_EVF_CLOCK_SATURATED 0x0002u

/** @brief One notification: 16 bytes (members ordered so there is no padding). */
struct omp_event {
    uint16_t code;     /**< enum omp_event_code */
    uint16_t flags;    /**< meaning per code (OMP_EVF_*) */
    uint32_t arg;      /**< meaning per code, see enum omp_event_code */
    omp_time_s utc_s;  /**< UTC time of the event, seconds since 1970 */
};

/**
 * @brief Ring of the last OMP_CONFIG_EVQ_DEPTH events. Members are private: use the functions.
 */
struct omp_evq {
    struct omp_event ev[OMP_CONFIG_EVQ_DEPTH]; /**< event with sequence s is in ev[s % depth] */
    uint32_t head;                             /**< sequence number of the next push */
    uint32_t held;                             /**< events in the ring, 0..depth */
};

/** @brief One subscriber's position in a queue. */
struct omp_evq_reader {
    uint32_t next;   /**< sequence number of the next event to read (private) */
    uint32_t missed; /**< events this reader lost because it fell behind, total (saturates) */
};

/**
 * @brief Empty @p q. Readers of the queue must be initialised again afterwards.
 * @return OMP_OK, OMP_ERR_ARG (NULL).
 * @par Context: main loop only.
 */
OMP_MUST_CHECK omp_err omp_evq_init(struct omp_evq *q);

/**
 * @brief Append a copy of @p ev. When the queue holds OMP_CONFIG_EVQ_DEPTH events, the oldest is
 * overwritten; readers that had not read it are told by omp_evq_read() (see the file comment).
 * @return OMP_OK, OMP_ERR_ARG (NULL, or code OMP_EV_NONE; nothing pushed).
 * @par Context: main loop only.
 */
OMP_MUST_CHECK omp_err omp_evq_push(struct omp_evq *q, const struct omp_event *ev);

/**
 * @brief Start @p r at the oldest event @p q still holds, so a subscriber set up after the first
 * pushes (power up at boot) still reads them; missed starts at 0.
 * @return OMP_OK, OMP_ERR_ARG (NULL).
 */
OMP_MUST_CHECK omp_err omp_evq_reader_init(const struct omp_evq *q, struct omp_evq_reader *r);

/**
 * @brief Read the next event for @p r and advance it.
 *
 * If the queue overwrote events @p r had not read, they are skipped: @p missed tells how many
 * were lost just before @p ev and r->missed adds them up.
 * @param[out] ev     The event. Untouched on error.
 * @param[out] missed Events lost just before @p ev (usually 0). May be NULL. Untouched on error.
 * @return OMP_OK, OMP_ERR_NOT_FOUND (nothing new; nothing changed), OMP_ERR_ARG (NULL @p q, @p r
 *         or @p ev), OMP_ERR_STATE (@p r is ahead of @p q: the queue was initialised again).
 * @par Context: main loop only.
 */
OMP_MUST_CHECK omp_err omp_evq_read(const struct omp_evq *q, struct omp_evq_reader *r,
                                    struct omp_event *ev, uint32_t *missed);

/**
 * @brief Events @p r can still read now (at most OMP_CONFIG_EVQ_DEPTH); 0 for NULL arguments or
 * a reader ahead of the queue.
 */
uint32_t omp_evq_pending(const struct omp_evq *q, const struct omp_evq_reader *r);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_EVQ_H */

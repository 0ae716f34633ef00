/**
 * @file hal.h
 * @brief The hardware abstraction contract between libomnipower and a port.
 *
 * The library never touches hardware or the operating system. A port (ports/posix, ports/stm32,
 * your board) fills one `const struct omp_hal_ops` table and hands `struct omp_hal { ops, user }`
 * to omp_meter_init(). Each op receives the port's `user` pointer first, so one process can run
 * many meters and a test can replace any single op.
 *
 * Two directions, never mixed:
 * - **Outward (library -> port)**: the ops below. The library calls them from omp_meter_poll()
 *   (thread/main-loop context) unless an op says otherwise; the only op called from the sample
 *   path (omp_meter_on_samples(), typically a DMA ISR) is pulse_start().
 * - **Inward (port -> library)**: functions in meter.h: omp_meter_on_samples() (ADC blocks),
 *   omp_meter_on_rx() (received bytes), omp_meter_on_input() (tariff inputs, buttons, tamper
 *   switches, power-fail warning), omp_meter_tick() (time), omp_meter_poll() (background work).
 *
 * Rules for every op:
 * - Non-blocking or bounded: an op may wait for hardware that finishes in bounded time (a flash
 *   program of one unit, an AES block) but never sleeps, waits for a peer or calls back into the
 *   library.
 * - Returns OMP_OK or a negative omp_err (OMP_ERR_HAL_IO for a failed transfer, OMP_ERR_ARG for
 *   an address/length outside the device, OMP_ERR_UNSUPPORTED for a function the board lacks).
 * - Required ops (checked by omp_meter_init(), which fails with OMP_ERR_UNSUPPORTED naming none of
 *   them missing): nvm_geometry, nvm_read, nvm_program, nvm_erase, crit_enter, crit_exit.
 *   Every other op is optional: NULL makes the feature that needs it report OMP_ERR_UNSUPPORTED
 *   (or, for outputs nobody reads back, do nothing).
 * - Time is never read through the HAL: the port passes it in with omp_meter_tick().
 */
#ifndef OMNIPOWER_HAL_H
#define OMNIPOWER_HAL_H

#include "omnipower/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Inward data types (port -> library)                                                         */
/* ------------------------------------------------------------------------------------------ */

/**
 * @brief Time as the port reports it with omp_meter_tick().
 *
 * `mono_ms` drives every timeout and period of the library; `utc_s` is the RTC and is used for
 * registers, logs and the display. They are independent: setting the clock moves `utc_s` only.
 */
struct omp_now {
    uint64_t mono_ms;  /**< monotonic milliseconds since an arbitrary origin; never decreases */
    omp_time_s utc_s;  /**< RTC: seconds since 1970-01-01T00:00:00Z */
    uint16_t utc_ms;   /**< sub-second part of the RTC, 0..999 (0 if the RTC has none) */
    bool rtc_valid;    /**< false after a battery/backup loss until the clock is set */
};

/** Inputs a port reports with omp_meter_on_input(). Values are stable (append-only). */
enum omp_input {
    OMP_INPUT_TARIFF1 = 0,     /**< module I/O 1 input (Z3): a tariff input (level: true = 230 V),
                                    or with Z3 = 15 the debiting stop pulse (rising edge) */
    OMP_INPUT_TARIFF2 = 1,     /**< module I/O 2 used as tariff input (Z3) */
    OMP_INPUT_PULSE = 2,       /**< pulse input (Z3, Z12): each rising edge counts one unit */
    OMP_INPUT_ALARM = 3,       /**< alarm input (Z8) */
    OMP_INPUT_BUTTON = 4,      /**< left (consumer) push button PB1: true = pressed */
    OMP_INPUT_COVER = 5,       /**< meter cover switch: true = open (tamper) */
    OMP_INPUT_TERMINAL = 6,    /**< terminal cover switch: true = open (tamper) */
    OMP_INPUT_MAGNET = 7,      /**< magnetic field sensor: true = field detected (tamper) */
    OMP_INPUT_POWER_FAIL = 8,  /**< supply-fail warning: true = supply is going; the library
                                    saves its volatile state on the next omp_meter_poll() */
    OMP_INPUT_BUTTON2 = 9,     /**< right, sealable push button PB2: true = pressed */
    OMP_INPUT_COUNT
};

/* ------------------------------------------------------------------------------------------ */
/* Outward data types (library -> port)                                                        */
/* ------------------------------------------------------------------------------------------ */

/** @brief Geometry of the non-volatile memory the port gives the library. */
struct omp_nvm_geometry {
    uint32_t size;         /**< bytes, a multiple of sector_size; addresses are 0..size-1 */
    uint32_t sector_size;  /**< erase unit in bytes (power of two), e.g. 4096 for NOR, 1..64 for
                                EEPROM emulated as "erase by writing erase_value" */
    uint32_t program_unit; /**< smallest programmable unit in bytes (1, 2, 4, 8 or 16); program
                                calls are aligned to it and a multiple of it long */
    uint8_t erase_value;   /**< value of an erased byte: 0xFF for NOR flash and most EEPROM */
    uint32_t erase_cycles; /**< rated erase cycles per sector (endurance), e.g. 100000 */
};

/** Pulse outputs (meter constant outputs and S0). */
enum omp_pulse_channel {
    OMP_PULSE_LED_ACTIVE = 0,   /**< active-energy LED, 1000 imp/kWh */
    OMP_PULSE_LED_REACTIVE = 1, /**< reactive-energy LED, 1000 imp/kvarh */
    OMP_PULSE_OUT1 = 2,         /**< module output I/O 1 used as pulse output (Z3) */
    OMP_PULSE_OUT2 = 3,         /**< module output I/O 2 used as pulse output (Z3) */
    OMP_PULSE_COUNT
};

/** Static (level) outputs. */
enum omp_output {
    OMP_OUTPUT_IO1 = 0,      /**< module I/O 1 as level output (load control, tariff sync) */
    OMP_OUTPUT_IO2 = 1,      /**< module I/O 2 as level output */
    OMP_OUTPUT_LED_ALARM = 2,/**< alarm/status LED or symbol driver */
    OMP_OUTPUT_LED_ACTIVE = 3, /**< active-energy LED held steadily on (Z2 "LED on at no
                                    consumption"); pulses on the same LED come from pulse_start */
    OMP_OUTPUT_COUNT
};

/** Byte ports. */
enum omp_port {
    OMP_PORT_OPTICAL = 0, /**< IEC 62056-21 optical head (7E1 framing is the port's job) */
    OMP_PORT_MODULE = 1,  /**< communication module: DLMS over HDLC or TCP wrapper */
    OMP_PORT_HAN = 2,     /**< HAN/CCC push port (DLMS push over HDLC), write-only */
    OMP_PORT_COUNT
};

/** Character framing of a byte port. */
enum omp_port_framing {
    OMP_FRAMING_8N1 = 0, /**< DLMS/HDLC (IEC 62056-46) */
    OMP_FRAMING_7E1 = 1, /**< IEC 62056-21: 7 data bits, even parity, 1 stop bit */
};

/** Relay (breaker) commands. */
enum omp_relay_cmd {
    OMP_RELAY_OPEN = 0,  /**< disconnect the load */
    OMP_RELAY_CLOSE = 1, /**< connect the load */
};

/** Display symbols (bits of omp_display_frame.symbols). */
enum omp_display_symbol {
    OMP_SYM_SUPPLY = 1u << 0,       /**< L1 present: supply above 160 V */
    OMP_SYM_LOAD = 1u << 1,         /**< load above starting threshold (2.3 W) */
    OMP_SYM_IMPORT = 1u << 2,       /**< active energy flows into the installation (A+) */
    OMP_SYM_EXPORT = 1u << 3,       /**< active energy flows out (A-) */
    OMP_SYM_Q_INDUCTIVE = 1u << 4,  /**< reactive +R */
    OMP_SYM_Q_CAPACITIVE = 1u << 5, /**< reactive -R */
    OMP_SYM_TARIFF_SHIFT = 6,       /**< bits 6..8 hold the active tariff 1..4 (0: none) */
    OMP_SYM_TARIFF_MASK = 7u << 6,
    OMP_SYM_ALARM = 1u << 9,        /**< an alarm (tamper, error) is pending */
    OMP_SYM_COMM = 1u << 10,        /**< a module is communicating */
    OMP_SYM_RELAY_OPEN = 1u << 11,  /**< breaker open */
    OMP_SYM_ERROR = 1u << 12,       /**< error "!": the meter status has a fatal error (an NVM it
                                         cannot read, technical facts 9.3 and 3.1 bit 1) */
};

/**
 * @brief One screen of the LCD: identification field, 9-digit value field, unit and symbols.
 * Strings are NUL-terminated and owned by the library; the op copies what it needs.
 */
struct omp_display_frame {
    const char *id;    /**< OBIS-style identification, e.g. "1.8.0"; "" if none */
    const char *value; /**< value field as shown, at most 9 digits plus '.', e.g. "0012345.67",
                            or a date `2026:12:06` or time `13:00:20` */
    const char *unit;  /**< unit field, e.g. "kWh", "kW", "V"; "" if none */
    uint32_t symbols;  /**< OR of enum omp_display_symbol */
    const char *text;  /**< text field label (technical facts 9.5), e.g. "A+", "TIME"; "" if
                            none; NULL from a library before 0.2 */
};

/** Tamper sensors a port can report on request (bits of the value tamper_read returns). */
enum omp_tamper_bit {
    OMP_TAMPER_COVER = 1u << 0,    /**< meter cover open */
    OMP_TAMPER_TERMINAL = 1u << 1, /**< terminal cover open */
    OMP_TAMPER_MAGNET = 1u << 2,   /**< magnetic field above the sensor's threshold */
};

/** Key slots of the port's key store. Keys go in with key_store and never come back out. */
enum omp_key_slot {
    OMP_KEY_GUEK = 0,      /**< DLMS global unicast encryption key (AES-128) */
    OMP_KEY_GBEK = 1,      /**< DLMS global broadcast encryption key (AES-128) */
    OMP_KEY_GAK = 2,       /**< DLMS authentication key (AES-128), used as AAD prefix in suite 0 */
    OMP_KEY_DEDICATED = 3, /**< DLMS dedicated (session) key, set per association */
    OMP_KEY_HLS = 4,       /**< HLS secret (mechanism 5 uses GUEK/GAK; others a secret here) */
    OMP_KEY_FW_PUBLIC = 5, /**< firmware signing public key (ECDSA P-256, 65-byte SEC1) */
    OMP_KEY_KEK = 6,       /**< DLMS master key (KEK, AES-128): unwraps transferred keys */
    OMP_KEY_HAN_EK = 7,    /**< HAN push encryption key (Kamstrup GPK60, AES-128; push.h) */
    OMP_KEY_HAN_AK = 8,    /**< HAN push authentication key (Kamstrup GPK61, AES-128) */
    OMP_KEY_SLOT_COUNT
};

/** Sentinel for omp_gcm_op.aad_key_slot: no key bytes in the AAD. */
#define OMP_KEY_NONE 0xFFu

/**
 * @brief One AES-GCM operation (NIST SP 800-38D) with a key held by the port.
 *
 * Encrypt: out = E(in), tag written. Decrypt: tag checked first; on mismatch returns OMP_ERR_AUTH
 * and @p out is left with no plaintext (the port zeroes it). in and out may be the same buffer.
 */
struct omp_gcm_op {
    bool encrypt;          /**< true: encrypt and produce tag; false: verify tag and decrypt */
    uint8_t key_slot;      /**< enum omp_key_slot holding the AES key */
    uint8_t aad_key_slot;  /**< enum omp_key_slot whose key the port inserts into the AAD after
                                its first byte: AAD = aad[0] || key || aad[1..] (DLMS suite 0:
                                SC || AK || ...; aad_len >= 1), or OMP_KEY_NONE: AAD = aad */
    const uint8_t *iv;     /**< IV (DLMS: system title || invocation counter) */
    size_t iv_len;         /**< 12 for DLMS */
    const uint8_t *aad;    /**< additional authenticated data after the key prefix; may be NULL */
    size_t aad_len;
    const uint8_t *in;     /**< plaintext (encrypt) or ciphertext (decrypt); may be NULL if len 0 */
    uint8_t *out;          /**< len bytes of output */
    size_t len;
    uint8_t *tag;          /**< encrypt: written; decrypt: read. */
    size_t tag_len;        /**< 12 (DLMS suite 0) or 16 */
};

/* ------------------------------------------------------------------------------------------ */
/* The ops table                                                                               */
/* ------------------------------------------------------------------------------------------ */

/**
 * @brief Outward operations a port provides. All take the port's `user` pointer first.
 * Fill it as `static const` data; the library never writes to it.
 */
struct omp_hal_ops {
    /* --- time and RTC ------------------------------------------------------------------ */
    /**
     * Set the hardware RTC to @p utc_s (seconds since the epoch, UTC). Called from poll when the
     * clock is set through a protocol or the display. Optional: without it the port must keep
     * using the time it gets back through the meter's clock API.
     */
    omp_err (*rtc_set)(void *user, omp_time_s utc_s);

    /* --- non-volatile memory (required) -------------------------------------------------- */
    /** Report the NVM geometry. Called once from omp_meter_init(); must not change afterwards. */
    omp_err (*nvm_geometry)(void *user, struct omp_nvm_geometry *geo);
    /**
     * Copy @p len bytes from NVM address @p addr to @p dst. Any alignment. Bounded time.
     * Returns OMP_ERR_ARG if addr+len exceeds the size.
     */
    omp_err (*nvm_read)(void *user, uint32_t addr, void *dst, size_t len);
    /**
     * Program @p len bytes at @p addr. addr and len are multiples of program_unit. Like NOR
     * flash, programming can only change bits from the erased value's bit to the other one;
     * the library never asks otherwise (it erases first). Returns when the data is stored
     * (bounded: one program pulse per unit). A supply loss may leave any prefix of the range
     * programmed and the unit being programmed in any state; the library's storage tolerates it.
     */
    omp_err (*nvm_program)(void *user, uint32_t addr, const void *src, size_t len);
    /** Erase the sector containing @p addr (all bytes become erase_value). Bounded time. */
    omp_err (*nvm_erase)(void *user, uint32_t addr);

    /* --- outputs ------------------------------------------------------------------------ */
    /**
     * Start a pulse of @p width_ms (30 or 80, Z8) on @p channel. ISR-safe and non-blocking: the
     * port's timer ends the pulse. Called from omp_meter_on_samples(). Optional.
     */
    void (*pulse_start)(void *user, enum omp_pulse_channel channel, uint32_t width_ms);
    /** Drive a level output. Called from poll. Optional. */
    omp_err (*output_set)(void *user, enum omp_output output, bool on);

    /* --- relay --------------------------------------------------------------------------- */
    /**
     * Start driving the breaker to @p cmd. Returns once the coil pulse is started; the library
     * checks the result later with relay_sense. Called from poll. Optional (no breaker).
     */
    omp_err (*relay_drive)(void *user, enum omp_relay_cmd cmd);
    /** Read the breaker's auxiliary contact: *closed = true if the load is connected. Optional. */
    omp_err (*relay_sense)(void *user, bool *closed);

    /* --- byte ports ---------------------------------------------------------------------- */
    /**
     * Queue bytes for transmission on @p port. Non-blocking: returns OMP_OK with *written set to
     * how many bytes the port accepted (0..len; the library offers the rest later), or an error.
     * Called from poll. Optional per port: return OMP_ERR_UNSUPPORTED for a missing port.
     */
    omp_err (*port_write)(void *user, enum omp_port port, const uint8_t *data, size_t len,
                          size_t *written);
    /**
     * Change @p port's speed to @p baud with @p framing, after the bytes already queued have
     * been sent (IEC 62056-21 switches baud rate after the acknowledgement). Called from poll.
     * On a port without a baud rate (TCP) it acknowledges and does nothing. Framing is the
     * port's job: a UART sets 7E1 in hardware; where the device cannot (a Linux pty is always 8
     * bits, no parity) the port emulates it, at least by masking received bytes to 7 bits
     * (ports/posix does), so the library always sees 7-bit characters.
     */
    omp_err (*port_set_baud)(void *user, enum omp_port port, uint32_t baud,
                             enum omp_port_framing framing);

    /* --- display --------------------------------------------------------------------------- */
    /** Show one screen. Called from poll when the screen changes. Optional (no LCD). */
    void (*display_show)(void *user, const struct omp_display_frame *frame);

    /* --- tamper ---------------------------------------------------------------------------- */
    /**
     * Read the current tamper sensor states as OR of enum omp_tamper_bit. Optional: ports with
     * interrupts report changes with omp_meter_on_input() instead.
     */
    omp_err (*tamper_read)(void *user, uint32_t *bits);

    /* --- entropy ----------------------------------------------------------------------------- */
    /**
     * Fill @p dst with @p len bytes from a true or cryptographically seeded random source (HLS
     * challenges, GCM invocation-counter seeds). Must not return predictable data: fail with
     * OMP_ERR_HAL instead. Optional (features that need it report OMP_ERR_UNSUPPORTED).
     */
    omp_err (*entropy)(void *user, uint8_t *dst, size_t len);

    /* --- crypto (keys stay in the port) ------------------------------------------------------- */
    /** One AES-GCM encrypt or verify-and-decrypt. Returns OMP_ERR_AUTH on a bad tag. Optional. */
    omp_err (*aead_gcm)(void *user, const struct omp_gcm_op *op);
    /**
     * SHA-256 of a byte stream (FIPS 180-4), as start/update/finish on the port's single hash
     * engine: the library runs one hash at a time per meter. Optional (all three or none).
     */
    omp_err (*sha256_start)(void *user);
    omp_err (*sha256_update)(void *user, const uint8_t *data, size_t len);
    omp_err (*sha256_finish)(void *user, uint8_t digest[32]);
    /**
     * Verify an ECDSA P-256 signature (64 bytes r||s) over a SHA-256 @p digest with the public
     * key in @p key_slot. Returns OMP_OK or OMP_ERR_AUTH. Optional.
     */
    omp_err (*sig_verify)(void *user, uint8_t key_slot, const uint8_t digest[32],
                          const uint8_t *sig, size_t sig_len);
    /**
     * Store @p len key bytes in @p key_slot (persistently, in the port's secure storage). The
     * library calls it when a key is transferred (DLMS key transfer) or at provisioning; the key
     * cannot be read back through the HAL. Optional.
     */
    omp_err (*key_store)(void *user, uint8_t key_slot, const uint8_t *key, size_t len);
    /**
     * Unwrap @p len bytes @p wrapped (AES key wrap, RFC 3394, with the master key in OMP_KEY_KEK)
     * and keep the key in @p key_slot (GUEK, GBEK, GAK or KEK), as key_store does: the DLMS
     * security setup's global_key_transfer. @p key_slot OMP_KEY_NONE: only check the unwrap's
     * integrity and keep nothing (the library checks every key of a transfer first, and stores
     * them once its answer is sealed under the old keys). Returns OMP_ERR_AUTH when the integrity
     * check fails (nothing stored), OMP_ERR_ARG for a slot or length it does not take.
     * Optional (without it key transfer is refused).
     */
    omp_err (*key_unwrap)(void *user, uint8_t key_slot, const uint8_t *wrapped, size_t len);

    /* --- critical section (required) ---------------------------------------------------------- */
    /**
     * Enter a section that omp_meter_on_samples() (the sample ISR) cannot interrupt and return
     * the previous state (e.g. PRIMASK). Nestable: each enter is paired with an exit that gets
     * its return value. Must be short: the library holds it for a copy of a few words.
     */
    uint32_t (*crit_enter)(void *user);
    /** Leave the section entered by the crit_enter that returned @p state. */
    void (*crit_exit)(void *user, uint32_t state);
};

/** @brief A port: its ops table and the pointer every op receives first. */
struct omp_hal {
    const struct omp_hal_ops *ops; /**< never NULL once given to the library */
    void *user;                    /**< the port's own context; opaque to the library */
};

/**
 * @brief Check that @p hal has every required op (see the file comment).
 * @return OMP_OK, OMP_ERR_ARG (NULL hal or ops), OMP_ERR_UNSUPPORTED (a required op is NULL).
 */
OMP_MUST_CHECK omp_err omp_hal_check(const struct omp_hal *hal);

/**
 * @brief Read and check NVM geometry: nonzero size that is a multiple of a power-of-two sector
 * size, program unit 1/2/4/8/16 dividing the sector size.
 * @return OMP_OK, OMP_ERR_ARG, OMP_ERR_UNSUPPORTED (no nvm_geometry), OMP_ERR_RANGE (bad
 *         geometry), or what the op returned.
 */
OMP_MUST_CHECK omp_err omp_hal_nvm_geometry(const struct omp_hal *hal, struct omp_nvm_geometry *geo);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_HAL_H */

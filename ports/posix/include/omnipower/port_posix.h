/**
 * @file port_posix.h
 * @brief The HAL on Linux (and other POSIX systems): library `omnipower_posix`.
 *
 * One `struct omp_posix_port` holds everything a meter needs from the host:
 * - NVM: a file of the geometry's size (file NVM, persistent) or a heap buffer (RAM NVM, the
 *   `omnipower_hal` RAM fake). Both enforce NOR semantics: program can only clear bits
 *   (new = old & data), erase sets a sector to the erase value.
 * - Clock: CLOCK_MONOTONIC and CLOCK_REALTIME, or a simulated clock the program advances itself.
 * - Display: each screen printed as one line on a FILE (or kept silently).
 * - Byte ports: TCP (127.0.0.1, one client) or a pseudo-terminal per enum omp_port, non-blocking,
 *   with omp_posix_port_pump() moving received bytes into the meter.
 * - crit_enter/crit_exit (a depth counter: the simulator delivers samples on the main thread),
 *   entropy from getrandom() or /dev/urandom, pulse/output/relay state kept for inspection.
 * - Crypto with mbed TLS (posix_crypto.c): a RAM key store, AES-128-GCM (DLMS security suite 0),
 *   SHA-256 and ECDSA P-256 verification.
 *
 * Unlike lib/, this port uses the heap and the OS. Not thread-safe: one thread drives a port.
 * Functions that fail on an OS call return OMP_ERR_HAL_IO and leave errno as the call set it.
 */
#ifndef OMNIPOWER_PORT_POSIX_H
#define OMNIPOWER_PORT_POSIX_H

#include <stdio.h>

#include "omnipower/hal.h"
#include "omnipower/hal_fakes.h"
#include "omnipower/meter.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- file NVM ------------------------------------------------------------------------------- */

/** Default NVM geometry of the port: 64 KiB, 4 KiB sectors, program unit 4, erased 0xFF.
 *  omnipower-sim takes this geometry with its own size (--nvm-size: these 64 KiB for the
 *  registers, then its logs; docs/simulator.md "The NVM file"). */
#define OMP_POSIX_NVM_SIZE 65536u
#define OMP_POSIX_NVM_SECTOR_SIZE 4096u
#define OMP_POSIX_NVM_PROGRAM_UNIT 4u
#define OMP_POSIX_NVM_ERASE_VALUE 0xFFu
#define OMP_POSIX_NVM_ERASE_CYCLES 100000u

/** @brief Fill @p geo with the default geometry above. */
void omp_posix_nvm_default_geometry(struct omp_nvm_geometry *geo);

/** A file used as NVM. Reads and writes go straight to the file (pread/pwrite). */
struct omp_posix_nvm {
    int fd;                      /**< -1 when closed */
    struct omp_nvm_geometry geo;
    uint64_t read_calls, program_calls, erase_calls;
};

/**
 * @brief Open @p path as NVM of geometry @p geo; create it erased if it does not exist.
 *
 * The file is locked (flock, exclusive) while open, so two processes cannot share one NVM.
 * @param[out] errbuf  On failure, a one-line message naming the file and the cause. May be NULL.
 * @return OMP_OK, OMP_ERR_ARG (NULL, bad geometry), OMP_ERR_RANGE (an existing file whose size is
 *         not geo->size, an empty one included: it is not taken for a new device),
 *         OMP_ERR_BUSY (locked by another process), OMP_ERR_HAL_IO (OS error).
 */
OMP_MUST_CHECK omp_err omp_posix_nvm_open(struct omp_posix_nvm *nvm, const char *path,
                                          const struct omp_nvm_geometry *geo, char *errbuf,
                                          size_t errcap);
/**
 * @brief Make @p path an erased device of geometry @p geo (created if missing, resized, every
 * byte the erase value, synced): what `omnipower-sim --nvm-format` does. The old content is gone.
 * @return OMP_OK, OMP_ERR_ARG, OMP_ERR_BUSY, OMP_ERR_RANGE (not a regular file), OMP_ERR_HAL_IO.
 */
OMP_MUST_CHECK omp_err omp_posix_nvm_format_file(const char *path,
                                                 const struct omp_nvm_geometry *geo,
                                                 char *errbuf, size_t errcap);
/** @brief fsync the file. @return OMP_OK, OMP_ERR_STATE (closed), OMP_ERR_HAL_IO. */
OMP_MUST_CHECK omp_err omp_posix_nvm_flush(struct omp_posix_nvm *nvm);
/** @brief Close (without fsync); safe on a closed or zeroed-then-init'ed NVM. */
void omp_posix_nvm_close(struct omp_posix_nvm *nvm);

/* The NVM ops, usable on their own (user = struct omp_posix_nvm *). */
omp_err omp_posix_nvm_geometry(void *nvm, struct omp_nvm_geometry *geo);
omp_err omp_posix_nvm_read(void *nvm, uint32_t addr, void *dst, size_t len);
/** Program: addr and len multiples of program_unit; stores old & data (NOR). */
omp_err omp_posix_nvm_program(void *nvm, uint32_t addr, const void *src, size_t len);
omp_err omp_posix_nvm_erase(void *nvm, uint32_t addr);

/* ---- clock ---------------------------------------------------------------------------------- */

/** @brief CLOCK_MONOTONIC in nanoseconds. */
uint64_t omp_posix_mono_ns(void);
/** @brief CLOCK_REALTIME as seconds since the epoch and milliseconds. @return OMP_OK/HAL_IO. */
OMP_MUST_CHECK omp_err omp_posix_wall_utc(omp_time_s *utc_s, uint16_t *utc_ms);

/**
 * Real or simulated time for omp_meter_tick(). Real: mono_ms counts CLOCK_MONOTONIC from
 * omp_posix_clock_init_real(), UTC is CLOCK_REALTIME. Simulated: mono_ms is what the program
 * advanced, UTC = utc0 + mono_ms / 1000. rtc_set (a clock set by the meter) adds a correction to
 * UTC in both modes; mono_ms never jumps.
 */
struct omp_posix_clock {
    bool simulated;
    uint64_t sim_ms;       /**< simulated monotonic ms */
    omp_time_s sim_utc0;   /**< simulated UTC at sim_ms == 0 */
    uint64_t mono0_ns;     /**< real mode: CLOCK_MONOTONIC at init */
    int64_t utc_adjust_ms; /**< added to the UTC source by clock sets */
};

void omp_posix_clock_init_real(struct omp_posix_clock *c);
void omp_posix_clock_init_sim(struct omp_posix_clock *c, omp_time_s utc0);
/** @brief Simulated mode: advance by @p ms. No effect in real mode. */
void omp_posix_clock_advance_ms(struct omp_posix_clock *c, uint64_t ms);
/** @brief Current time. @return OMP_OK, OMP_ERR_ARG, OMP_ERR_HAL_IO (clock_gettime failed). */
OMP_MUST_CHECK omp_err omp_posix_clock_now(const struct omp_posix_clock *c, struct omp_now *now);
/** @brief Set UTC to @p utc_s from now on (monotonic time unaffected). */
OMP_MUST_CHECK omp_err omp_posix_clock_set_utc(struct omp_posix_clock *c, omp_time_s utc_s);

/* ---- display -------------------------------------------------------------------------------- */

/**
 * @brief Format a screen as one line: `[1.8.0]  0000012.34 kWh  L1 +A T1`.
 * Symbols: L1 supply, LOAD, +A/-A import/export, +R/-R, T1..T4 tariff, ALARM, COMM, OPEN (relay).
 * @return OMP_OK, OMP_ERR_ARG, OMP_ERR_NOSPACE (@p cap too small; @p out holds "" then).
 */
OMP_MUST_CHECK omp_err omp_posix_display_format(const struct omp_display_frame *f, char *out,
                                                size_t cap);

/* ---- byte ports ------------------------------------------------------------------------------ */

enum omp_posix_port_kind {
    OMP_POSIX_PORT_NONE = 0, /**< not opened: writes are accepted and dropped */
    OMP_POSIX_PORT_TCP = 1,  /**< TCP server on 127.0.0.1, one client at a time */
    OMP_POSIX_PORT_PTY = 2,  /**< pseudo-terminal master; peers open the slave path */
};

struct omp_posix_byteport {
    enum omp_posix_port_kind kind;
    int fd;          /**< connected client (TCP) or pty master; -1 if none */
    int listen_fd;   /**< TCP listening socket; -1 if none */
    int hold_fd;     /**< pty: our own slave fd, keeps the master from hanging up; -1 if none */
    uint16_t tcp_port;
    char pty_path[64];
    uint32_t baud;
    enum omp_port_framing framing;
    uint64_t rx_bytes, tx_bytes, tx_dropped;
    uint64_t accepted; /**< TCP clients accepted so far (a new one is a new link) */
};

/** Called by omp_posix_port_pump() with bytes received on @p port. */
typedef void (*omp_posix_rx_fn)(void *user, enum omp_port port, const uint8_t *data, size_t len);

/* ---- crypto (posix_crypto.c, mbed TLS) ----------------------------------------------------- */

/** Largest key a slot holds: the 65-byte SEC1 uncompressed P-256 public key. */
#define OMP_POSIX_KEY_MAX 65u
/** Room for an mbedtls_sha256_context (checked with a static assertion in posix_crypto.c). */
#define OMP_POSIX_SHA256_CTX_SIZE 256u

/** Opaque, aligned storage of the port's one SHA-256 context. */
union omp_posix_sha256_storage {
    unsigned char bytes[OMP_POSIX_SHA256_CTX_SIZE];
    uint64_t align_u64;
    void *align_ptr;
};

/**
 * Key store and hash engine of the port. Keys live in RAM only (not persisted: provision them at
 * start-up with key_store or omp_posix_crypto_load_keys_hex()); nothing reads them back through
 * the HAL; a key transfer (key_unwrap) replaces a slot's key in RAM until the port is closed. Slot
 * lengths: GUEK, GBEK, GAK, DEDICATED, KEK 16 bytes (AES-128); HLS 1..32 bytes (used as an
 * AES key only if 16); FW_PUBLIC 65 bytes, SEC1 uncompressed P-256 point on the curve.
 */
struct omp_posix_crypto {
    uint8_t key[OMP_KEY_SLOT_COUNT][OMP_POSIX_KEY_MAX];
    uint8_t key_len[OMP_KEY_SLOT_COUNT]; /**< 0: slot empty */
    bool sha256_active;                  /**< between sha256_start and sha256_finish */
    union omp_posix_sha256_storage sha256;
    uint64_t key_stores, gcm_calls, auth_failures; /**< counters for inspection */
};

/* The crypto ops, usable on their own (user = struct omp_posix_port *); see hal.h for each.
 * key_store: OMP_ERR_ARG for a slot >= OMP_KEY_SLOT_COUNT, a NULL key, a wrong length or a
 *   FW_PUBLIC key that is not a P-256 point. A stored key replaces the slot's old one.
 * aead_gcm: iv_len 12, tag_len 12 or 16, in == out or no overlap, else OMP_ERR_ARG. key_slot and
 *   aad_key_slot (unless OMP_KEY_NONE) must not be FW_PUBLIC (OMP_ERR_ARG); an EMPTY slot gives
 *   OMP_ERR_UNSUPPORTED (no key provisioned); a key_slot whose key is not 16 bytes OMP_ERR_ARG.
 *   With aad_key_slot set, aad must start with the security control byte (aad_len >= 1, else
 *   OMP_ERR_ARG) and the GCM AAD is aad[0] || key || aad[1..]: SC || AK || ... as DLMS suite 0
 *   wants; without it the AAD is aad. Decrypt: bad tag -> OMP_ERR_AUTH, out zeroed.
 * sha256_*: update/finish without start -> OMP_ERR_STATE; start restarts a running hash.
 * sig_verify: key_slot must be OMP_KEY_FW_PUBLIC and sig_len 64 (else OMP_ERR_ARG), empty slot
 *   OMP_ERR_UNSUPPORTED; OMP_OK or OMP_ERR_AUTH. */
omp_err omp_posix_key_store(void *user, uint8_t key_slot, const uint8_t *key, size_t len);
/* key_unwrap: RFC 3394 unwrap of a 24-byte wrapped AES-128 key with the KEK slot's key (mbed TLS
 *   AES, the index-based form of RFC 3394 2.2.2), stored into GUEK, GBEK, GAK or KEK as key_store
 *   does. OMP_ERR_ARG (slot, length), OMP_ERR_UNSUPPORTED (no KEK), OMP_ERR_AUTH (integrity check
 *   failed: nothing stored). */
omp_err omp_posix_key_unwrap(void *user, uint8_t key_slot, const uint8_t *wrapped, size_t len);
omp_err omp_posix_aead_gcm(void *user, const struct omp_gcm_op *op);
omp_err omp_posix_sha256_start(void *user);
omp_err omp_posix_sha256_update(void *user, const uint8_t *data, size_t len);
omp_err omp_posix_sha256_finish(void *user, uint8_t digest[32]);
omp_err omp_posix_sig_verify(void *user, uint8_t key_slot, const uint8_t digest[32],
                             const uint8_t *sig, size_t sig_len);

/* ---- the port ----------------------------------------------------------------------------- */

struct omp_posix_port {
    struct omp_posix_clock clock;
    bool nvm_is_file;
    struct omp_posix_nvm file_nvm;
    struct omp_ram_nvm ram_nvm;
    uint8_t *ram_mem;                  /**< heap, RAM NVM only */
    uint32_t *ram_erase_counts;        /**< heap, RAM NVM only */
    FILE *display_out;                 /**< where display_show prints; NULL: silent */
    bool display_utc_prefix;           /**< prefix each display line with the clock's UTC */
    struct omp_null_display display;   /**< last screen shown and screens counted */
    uint32_t crit_depth, crit_max_depth;
    uint64_t pulses[OMP_PULSE_COUNT];  /**< pulse_start calls per channel */
    bool outputs[OMP_OUTPUT_COUNT];
    bool relay_closed;
    uint64_t rtc_set_calls;
    struct omp_posix_byteport ports[OMP_PORT_COUNT];
    struct omp_posix_crypto crypto;    /**< key store and SHA-256 engine (posix_crypto.c) */
};

/**
 * @brief Initialise @p p: real clock, no NVM yet, no ports, display silent, relay closed.
 * Call omp_posix_port_use_file_nvm() or omp_posix_port_use_ram_nvm() before using the HAL.
 */
void omp_posix_port_init(struct omp_posix_port *p);
/** @brief Use a file NVM (see omp_posix_nvm_open for the results). */
OMP_MUST_CHECK omp_err omp_posix_port_use_file_nvm(struct omp_posix_port *p, const char *path,
                                                   const struct omp_nvm_geometry *geo,
                                                   char *errbuf, size_t errcap);
/** @brief Use an erased RAM NVM on the heap. @return OMP_OK, OMP_ERR_ARG, OMP_ERR_NOSPACE (no memory). */
OMP_MUST_CHECK omp_err omp_posix_port_use_ram_nvm(struct omp_posix_port *p,
                                                  const struct omp_nvm_geometry *geo);
/** @brief fsync the file NVM (OMP_OK for a RAM NVM). */
OMP_MUST_CHECK omp_err omp_posix_port_flush(struct omp_posix_port *p);
/** @brief Close every fd and free the heap; @p p may be initialised again afterwards. */
void omp_posix_port_close(struct omp_posix_port *p);
/** @brief The port as a struct omp_hal (its ops table is static const). */
struct omp_hal omp_posix_port_hal(struct omp_posix_port *p);

/**
 * @brief Store one key given as hex (either case, no separators), e.g. for a tool.
 * @return OMP_OK, OMP_ERR_ARG (NULL, odd length, non-hex digit, or what key_store rejects).
 */
OMP_MUST_CHECK omp_err omp_posix_crypto_load_key_hex(struct omp_posix_port *p,
                                                     enum omp_key_slot slot, const char *hex);
/**
 * @brief Provision keys from text, e.g. the simulator's command line:
 * `"guek=5AD84121D9D20B364B7A11F3C1B5827F,gak=AFB3F93E3E7204EDB3C27F96DBD51AE0"`.
 *
 * @p spec is `NAME=HEX` items separated by ',' (no spaces); NAME is guek, gbek, gak, dedicated,
 * hls, fw_public, kek, han_ek or han_ak (any case); HEX as for omp_posix_crypto_load_key_hex().
 * All or nothing: every item is checked before any key is stored. "" stores nothing and succeeds.
 * @param[out] errbuf  On failure, a one-line message naming the item and slot (never key digits).
 *                     May be NULL.
 * @return OMP_OK, OMP_ERR_ARG.
 */
OMP_MUST_CHECK omp_err omp_posix_crypto_load_keys_hex(struct omp_posix_port *p, const char *spec,
                                                      char *errbuf, size_t errcap);
/** @brief Zeroise every key and the hash state (omp_posix_port_close() calls it). */
void omp_posix_crypto_wipe(struct omp_posix_port *p);

/**
 * @brief Listen on 127.0.0.1:@p tcp_port (0: an ephemeral port) for @p port; the first client
 * that connects is accepted by omp_posix_port_pump(), later ones are closed while it stays.
 * @param[out] bound  The port number actually bound. May be NULL.
 * @return OMP_OK, OMP_ERR_ARG, OMP_ERR_STATE (@p port already open), OMP_ERR_HAL_IO.
 */
OMP_MUST_CHECK omp_err omp_posix_port_listen_tcp(struct omp_posix_port *p, enum omp_port port,
                                                 uint16_t tcp_port, uint16_t *bound);
/**
 * @brief Open a pseudo-terminal (raw mode, 8N1) for @p port and write the slave's path, e.g.
 * "/dev/pts/3", to @p slave_path. port_set_baud sets the pty's speed; Linux ptys are always 8
 * bits without parity, so in 7E1 the port clears bit 7 of received bytes (a peer's parity bit)
 * and sends the library's 7-bit characters as they are.
 * @return OMP_OK, OMP_ERR_ARG, OMP_ERR_STATE, OMP_ERR_NOSPACE (@p cap too small), OMP_ERR_HAL_IO.
 */
OMP_MUST_CHECK omp_err omp_posix_port_open_pty(struct omp_posix_port *p, enum omp_port port,
                                               char *slave_path, size_t cap);
/** @brief The termios speed constant (B300 ... B115200, as an unsigned long: cast to speed_t) of
 *  @p baud bits per second, or B0 (0) for a rate the port does not set. */
unsigned long omp_posix_baud_speed(uint32_t baud);
/** @brief true if a peer can receive: a TCP client is connected, or the port is a pty. */
bool omp_posix_port_connected(const struct omp_posix_port *p, enum omp_port port);
/**
 * @brief Wait up to @p timeout_ms (0: do not wait, -1: forever) for activity on the open ports,
 * accept TCP clients, drop closed ones, and pass received bytes to @p rx.
 * @param[out] received  Bytes passed to @p rx. May be NULL.
 * @return OMP_OK (also on timeout or EINTR), OMP_ERR_ARG, OMP_ERR_HAL_IO.
 */
OMP_MUST_CHECK omp_err omp_posix_port_pump(struct omp_posix_port *p, int timeout_ms,
                                           omp_posix_rx_fn rx, void *rx_user, size_t *received);
/** @brief omp_posix_port_pump() into omp_meter_on_rx() of @p m (its result is ignored until the
 *  protocols land: the meter answers OMP_ERR_UNSUPPORTED). */
OMP_MUST_CHECK omp_err omp_posix_port_pump_meter(struct omp_posix_port *p, struct omp_meter *m,
                                                 int timeout_ms);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_PORT_POSIX_H */

/**
 * @file hal_fakes.h
 * @brief Reusable HAL pieces for tests, simulators and ports (library `omnipower_hal`).
 *
 * - RAM NVM with NOR/EEPROM semantics: program only moves bits away from the erase value
 *   (new = old & data for 0xFF, old | data for 0x00), erase sets a whole sector to it; a power cut can be armed at the Nth programmed byte, after
 *   which every NVM op fails with OMP_ERR_POWER_LOST until omp_ram_nvm_power_on().
 * - Fake clock: monotonic ms and UTC that a test advances by hand.
 * - Null display: remembers the last screen and counts screens.
 * - A fake board that combines them into one ops table (`omp_fake_board_hal()`).
 *
 * Nothing allocates; all storage is the caller's. Portable C11, builds for arm-none-eabi too.
 */
#ifndef OMNIPOWER_HAL_FAKES_H
#define OMNIPOWER_HAL_FAKES_H

#include "omnipower/hal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- RAM NVM -------------------------------------------------------------------------------- */

struct omp_ram_nvm {
    uint8_t *mem;                 /**< geo.size bytes of caller storage */
    struct omp_nvm_geometry geo;
    uint32_t *erase_counts;       /**< geo.size / geo.sector_size counters, or NULL */
    uint64_t programmed_bytes;    /**< bytes programmed since init (counts toward the cut) */
    uint64_t cut_at;              /**< number (1-based, counted like programmed_bytes) of the byte
                                       that tears: power is cut when programmed_bytes would reach
                                       it; 0 = off. Set by omp_ram_nvm_cut_after(). */
    bool powered;                 /**< false after a cut, until omp_ram_nvm_power_on() */
    uint64_t program_calls, erase_calls, read_calls;
};

/**
 * @brief Wrap @p mem as an NVM of geometry @p geo. Does not erase: call omp_ram_nvm_format() for
 * a blank device (the buffer's content is the NVM content, so a test can prepare any state).
 * @return OMP_OK, OMP_ERR_ARG (NULL, or a geometry omp_hal_nvm_geometry would reject).
 */
OMP_MUST_CHECK omp_err omp_ram_nvm_init(struct omp_ram_nvm *nvm, uint8_t *mem,
                                        const struct omp_nvm_geometry *geo, uint32_t *erase_counts);
/** @brief Set every byte to the erase value (a factory-fresh chip); does not count erases. */
void omp_ram_nvm_format(struct omp_ram_nvm *nvm);
/**
 * @brief Arm a power cut: the @p nth byte programmed from now on (1-based) is the first that does
 * not reach the memory; it is left "torn" (its high nibble programmed, its low nibble not: for
 * erase value 0xFF old & (data | 0x0F)), the op returns OMP_ERR_POWER_LOST and the device stays off. 0 disarms.
 */
void omp_ram_nvm_cut_after(struct omp_ram_nvm *nvm, uint64_t nth);
/** @brief Restore power after a cut (the content stays as the cut left it). */
void omp_ram_nvm_power_on(struct omp_ram_nvm *nvm);

omp_err omp_ram_nvm_geometry(void *nvm, struct omp_nvm_geometry *geo);
omp_err omp_ram_nvm_read(void *nvm, uint32_t addr, void *dst, size_t len);
omp_err omp_ram_nvm_program(void *nvm, uint32_t addr, const void *src, size_t len);
omp_err omp_ram_nvm_erase(void *nvm, uint32_t addr);

/* ---- fake clock ------------------------------------------------------------------------------ */

struct omp_fake_clock {
    struct omp_now now;
};

/** @brief Start at monotonic 0 ms and UTC @p utc_s (rtc_valid true). */
void omp_fake_clock_init(struct omp_fake_clock *clk, omp_time_s utc_s);
/** @brief Advance both clocks by @p ms milliseconds (UTC carries whole seconds out of utc_ms). */
void omp_fake_clock_advance_ms(struct omp_fake_clock *clk, uint64_t ms);
/** @brief Set the RTC only (a clock set); monotonic time does not move. */
void omp_fake_clock_set_utc(struct omp_fake_clock *clk, omp_time_s utc_s);

/* ---- null display ---------------------------------------------------------------------------- */

struct omp_null_display {
    char id[16];
    char value[16];
    char unit[8];
    char text[16];  /**< text label ("" when the frame has none) */
    uint32_t symbols;
    uint64_t shown; /**< screens shown so far */
};

/** @brief Remember @p frame (strings truncated to the buffers) and count it. */
void omp_null_display_show(void *disp, const struct omp_display_frame *frame);

/* ---- fake board: everything above behind one ops table ----------------------------------------- */

struct omp_fake_board {
    struct omp_ram_nvm nvm;
    struct omp_fake_clock clock;
    struct omp_null_display display;
    uint32_t crit_depth;                    /**< current nesting of crit_enter */
    uint32_t crit_max_depth;
    uint64_t pulses[OMP_PULSE_COUNT];       /**< pulse_start calls per channel */
    uint32_t last_pulse_width_ms;
    bool outputs[OMP_OUTPUT_COUNT];
    bool relay_closed;
    omp_time_s rtc_set_value;               /**< last value passed to rtc_set */
    uint64_t rtc_set_calls;
    uint8_t port_tx[OMP_PORT_COUNT][512];   /**< bytes written per port (ring of the last 512) */
    size_t port_tx_len[OMP_PORT_COUNT];     /**< total bytes written per port */
    uint32_t port_baud[OMP_PORT_COUNT];
    uint32_t entropy_state;                 /**< xorshift32 state of the (test-only) entropy op */
};

/** The fake board's ops: every op of hal.h except the crypto ones (NULL). */
extern const struct omp_hal_ops omp_fake_board_ops;

/**
 * @brief Initialise @p b with a RAM NVM over @p nvm_mem (formatted) and the clock at @p utc_s.
 * @return OMP_OK or OMP_ERR_ARG.
 */
OMP_MUST_CHECK omp_err omp_fake_board_init(struct omp_fake_board *b, uint8_t *nvm_mem,
                                           const struct omp_nvm_geometry *geo,
                                           uint32_t *erase_counts, omp_time_s utc_s);
/** @brief The board as a struct omp_hal. */
struct omp_hal omp_fake_board_hal(struct omp_fake_board *b);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_HAL_FAKES_H */

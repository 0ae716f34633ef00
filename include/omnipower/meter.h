/**
 * @file meter.h
 * @brief The composition root: one `struct omp_meter` owns a meter's state and its HAL.
 *
 * Life cycle, as a port drives it:
 * ```
 *   omp_meter_cfg_default(&cfg);              // factory default configuration
 *   omp_meter_init(&m, &hal, &cfg, &now);     // checks the HAL, restores state from NVM
 *   loop:
 *     omp_meter_on_samples(&m, vi, n);        // from the ADC/DMA ISR (interleaved v,i codes)
 *     omp_meter_on_input(&m, input, level);   // from GPIO handlers
 *     omp_meter_tick(&m, &now);               // main loop, at least every 100 ms
 *     omp_meter_poll(&m);                     // main loop: NVM saves, display, protocols
 *   on power-fail warning: omp_meter_on_input(&m, OMP_INPUT_POWER_FAIL, true); omp_meter_poll(&m);
 * ```
 * Nothing here blocks, sleeps or allocates; all storage is inside `struct omp_meter`, whose size is
 * fixed by config.h. Members are public only so the struct can be allocated statically: read them
 * through the functions below.
 *
 * Energy in this release is measured by the meter's built-in integrator (sum of v*i over each
 * second) until the metrology engine lands (issue 3); the API below stays.
 */
#ifndef OMNIPOWER_METER_H
#define OMNIPOWER_METER_H

#include "omnipower/core.h"
#include "omnipower/hal.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Meter configuration (type number and Z-codes subset known to this release). */
struct omp_meter_cfg {
    uint32_t meter_number;       /**< serial number shown as 0.0.0 / C.1.0; 1..99999999 */
    int32_t utc_offset_min;      /**< Z11: standard-time offset from UTC in minutes */
    enum omp_dst_rule dst_rule;  /**< Z15: daylight-saving rule */
    uint8_t energy_decimals;     /**< Z1: decimals of the energy display in kWh (0..3; 7.0/6.1/7.2/6.3) */
    uint8_t energy_digits;       /**< Z1: integer digits of the energy display (6 or 7) */
    bool led_on_no_load;         /**< Z2: false = LED off at no consumption */
    uint8_t pulse_width_ms;      /**< Z8: 30 or 80 */
    uint32_t sample_rate_hz;     /**< samples per second per channel fed to on_samples */
    float volts_per_code;        /**< front-end scale of the voltage channel, V per ADC code */
    float amps_per_code;         /**< front-end scale of the current channel, A per ADC code */
    uint32_t nvm_base;           /**< first NVM byte the meter may use */
    uint32_t nvm_sectors;        /**< sectors the meter may use from nvm_base (>= 2, each >= 64
                                      bytes); 0 = every sector from nvm_base to the end */
};

/** @brief Readable state of a meter: registers and the last second's measurements. */
struct omp_meter_snapshot {
    omp_time_s utc_s;           /**< clock, UTC */
    struct omp_datetime local;  /**< clock, local time per Z11/Z15 */
    bool dst_active;            /**< local time includes the DST hour */
    uint64_t a_plus_mwh;        /**< A+ total, 1.8.0, mWh */
    uint64_t a_minus_mwh;       /**< A- total, 2.8.0, mWh */
    uint32_t hours_with_supply; /**< hour counter */
    uint32_t power_ups;         /**< times the meter started from NVM */
    float urms_v;               /**< last second's rms voltage, V */
    float irms_a;               /**< last second's rms current, A */
    float p_w;                  /**< last second's mean active power, W (import > 0) */
    uint64_t nvm_saves;         /**< state records written since init */
};

/** Number of characters (including NUL) of the display strings kept in the meter. */
#define OMP_DISPLAY_ID_LEN 12
#define OMP_DISPLAY_VALUE_LEN 12
#define OMP_DISPLAY_UNIT_LEN 6

/** @brief The meter context. Allocate it (statically or on the stack) and call omp_meter_init. */
struct omp_meter {
    struct omp_hal hal;
    struct omp_meter_cfg cfg;
    struct omp_nvm_geometry geo;
    /* written by the sample ISR, read under crit section */
    struct {
        int64_t sum_vi;      /**< sum of v*i codes since the last take */
        uint64_t sum_vv;     /**< sum of v*v codes */
        uint64_t sum_ii;     /**< sum of i*i codes */
        uint32_t n;          /**< sample pairs */
    } acc;
    int64_t residue_uws;     /**< energy below 1 mWh carried to the next second, uWs, signed */
    uint64_t a_plus_mwh;
    uint64_t a_minus_mwh;
    uint64_t saved_a_plus_mwh;
    uint64_t saved_a_minus_mwh;
    uint32_t hours_with_supply;
    uint32_t supply_s;       /**< seconds with supply towards the next hour */
    uint32_t power_ups;
    float urms_v, irms_a, p_w;
    struct omp_now now;
    uint64_t last_second_ms; /**< mono_ms at which the last one-second block was closed */
    uint64_t scroll_ms;      /**< mono_ms of the last display change */
    uint8_t scroll_index;
    bool power_fail;
    uint32_t inputs;         /**< last level of each enum omp_input, bit (1u << input) */
    bool save_due;
    bool display_due;
    uint32_t seq;            /**< sequence number of the last state record written */
    uint32_t slot;           /**< slot index (within the NVM region) of the last record */
    uint64_t nvm_saves;
    char disp_id[OMP_DISPLAY_ID_LEN];
    char disp_value[OMP_DISPLAY_VALUE_LEN];
    char disp_unit[OMP_DISPLAY_UNIT_LEN];
    uint32_t disp_symbols;
};

/**
 * @brief The factory default configuration (data sheet: type 6841xxx, Denmark: Z1 7.2 decimals,
 * Z2 LED off at no load, Z8 30 ms, Z11 +1 h, Z15 EU DST), with a front end of 24-bit codes for
 * +-600 V and +-120 A full scale, OMP_CONFIG_SAMPLE_RATE_HZ, and the whole NVM of the port.
 */
void omp_meter_cfg_default(struct omp_meter_cfg *cfg);

/**
 * @brief Start a meter: check the HAL, the configuration and the NVM, and restore the newest valid
 * state record (a meter with an empty NVM starts from zero registers).
 *
 * @param[out] m    Context to initialise; fully overwritten.
 * @param[in]  hal  Port; copied. The ops table must outlive @p m.
 * @param[in]  cfg  Configuration; copied.
 * @param[in]  now  Time at start.
 * @return OMP_OK, OMP_ERR_ARG (NULL or invalid cfg field), OMP_ERR_UNSUPPORTED (a required HAL op
 *         is missing), OMP_ERR_RANGE (NVM geometry or region unusable), or a HAL error.
 * @par Context: thread/main loop, before samples are delivered.
 */
OMP_MUST_CHECK omp_err omp_meter_init(struct omp_meter *m, const struct omp_hal *hal,
                                      const struct omp_meter_cfg *cfg, const struct omp_now *now);

/**
 * @brief Deliver @p n_pairs interleaved (voltage, current) ADC codes: v0, i0, v1, i1, ...
 * @par Context: sample ISR (DMA complete); O(n), no HAL calls except pulse_start.
 */
void omp_meter_on_samples(struct omp_meter *m, const int32_t *vi, size_t n_pairs);

/**
 * @brief Bytes received on @p port.
 * @return OMP_ERR_UNSUPPORTED until a protocol is bound to the port (protocol issues), OMP_ERR_ARG.
 */
omp_err omp_meter_on_rx(struct omp_meter *m, enum omp_port port, const uint8_t *data, size_t len);

/** @brief An input changed to @p level. @par Context: any (ISR-safe). */
void omp_meter_on_input(struct omp_meter *m, enum omp_input input, bool level);

/**
 * @brief Advance time. Closes each elapsed one-second measurement block (energy, counters,
 * display scroll). @par Context: main loop; call at least every 100 ms of @p now->mono_ms.
 */
void omp_meter_tick(struct omp_meter *m, const struct omp_now *now);

/**
 * @brief Background work: write the state record when due (an energy register changed its
 * displayed resolution, the power-fail warning came, or the hour counter moved), refresh the
 * display. @return OMP_OK or the HAL/NVM error of a failed save (retried on the next poll).
 */
omp_err omp_meter_poll(struct omp_meter *m);

/** @brief Save the state record now (orderly shutdown). @return OMP_OK or the NVM error. */
OMP_MUST_CHECK omp_err omp_meter_flush(struct omp_meter *m);

/** @brief Copy the readable state. @return OMP_OK or OMP_ERR_ARG. */
OMP_MUST_CHECK omp_err omp_meter_snapshot(const struct omp_meter *m, struct omp_meter_snapshot *s);

/** @brief The screen currently shown (valid until the next poll). @return OMP_OK or OMP_ERR_ARG. */
OMP_MUST_CHECK omp_err omp_meter_display(const struct omp_meter *m, struct omp_display_frame *f);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_METER_H */

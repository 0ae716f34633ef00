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
 * Measurement is the metrology engine's (metrology.h): omp_meter_on_samples() runs its per-sample
 * chain and starts the pulses it requests; tick and poll consume its cycle records (instantaneous
 * values, display symbols) and copy its energy registers, which the meter keeps in NVM.
 */
#ifndef OMNIPOWER_METER_H
#define OMNIPOWER_METER_H

#include "omnipower/core.h"
#include "omnipower/hal.h"
#include "omnipower/metrology.h"

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
    uint32_t sample_rate_hz;     /**< samples per second per channel fed to on_samples; the
                                      engine's range (2000..32000), default 8000 */
    uint32_t mains_hz;           /**< nominal mains frequency: 50 or 60 */
    struct omp_metro_cal cal;    /**< calibration (legal data): cal.v_gain / cal.i_gain are the
                                      front end's volts and amperes per ADC code (the former
                                      volts_per_code / amps_per_code), phase and offsets */
    uint32_t nvm_base;           /**< first NVM byte the meter may use */
    uint32_t nvm_sectors;        /**< sectors the meter may use from nvm_base (>= 2, each >= 64
                                      bytes); 0 = every sector from nvm_base to the end */
};

/** @brief Readable state of a meter: registers and the last mains cycle's measurements. */
struct omp_meter_snapshot {
    omp_time_s utc_s;           /**< clock, UTC */
    struct omp_datetime local;  /**< clock, local time per Z11/Z15 */
    bool dst_active;            /**< local time includes the DST hour */
    uint64_t a_plus_mwh;        /**< A+ total, 1.8.0, mWh (energy.a_plus_uwh / 1000) */
    uint64_t a_minus_mwh;       /**< A- total, 2.8.0, mWh (energy.a_minus_uwh / 1000) */
    struct omp_metro_energy energy; /**< every energy register, micro-units (uWh, uvarh, uVAh):
                                     A+, A-, R+, R-, R1..R4, E+, E-, as of the last tick */
    uint32_t hours_with_supply; /**< hour counter */
    uint32_t power_ups;         /**< times the meter started from NVM */
    omp_time_s saved_utc_s;     /**< UTC stored in the state record restored by omp_meter_init
                                     (the clock when the previous run last saved); 0 if none */
    bool saved_utc_valid;       /**< saved_utc_s holds a time from a valid RTC */
    /* the last mains cycle record consumed (struct omp_cycle); zero before the first one */
    float urms_v;               /**< rms voltage, V */
    float irms_a;               /**< rms current, A */
    float p_w;                  /**< active power, W (import > 0) */
    float q_var;                /**< fundamental reactive power Q1, var (inductive > 0) */
    float s_va;                 /**< apparent power Urms * Irms, VA */
    float pf;                   /**< power factor P/S with the sign of P */
    float f_hz;                 /**< frequency, Hz (0 without voltage) */
    uint8_t quadrant;           /**< 1..4, 0 below the starting thresholds */
    uint32_t cycles;            /**< cycle records consumed since init */
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
    /* the engine: written by the sample ISR, read by tick/poll under the critical section */
    struct omp_metro metro;
    struct omp_metro_energy energy;       /**< copy of metro's registers as of the last tick */
    struct omp_metro_energy saved_energy; /**< registers in the newest state record */
    struct omp_cycle last;                /**< the newest cycle record consumed */
    uint32_t cycles;                      /**< cycle records consumed */
    bool cycle_in_block;                  /**< a cycle arrived since the last second closed */
    bool led_steady_on;                   /**< Z2: the engine asks for the LED steadily on */
    bool led_output_on;                   /**< what poll last drove on OMP_OUTPUT_LED_ACTIVE */
    uint32_t hours_with_supply;
    uint32_t supply_s;       /**< seconds with supply towards the next hour */
    uint32_t power_ups;
    omp_time_s restored_utc_s; /**< UTC in the record restored at init (snapshot.saved_utc_s) */
    bool restored_utc_valid;
    omp_time_s utc_keep_s;   /**< the last valid RTC time seen (restored, or from tick): saved */
    bool utc_keep_valid;
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
 * Z2 LED off at no load, Z8 30 ms, Z11 +1 h, Z15 EU DST), OMP_CONFIG_SAMPLE_RATE_HZ and
 * OMP_CONFIG_MAINS_HZ, the nominal calibration of the default front end (24-bit codes for +-600 V
 * and +-120 A full scale: omp_metro_cal_nominal(&cal, 600, 120), i.e. v_gain = 600 / 2^23 V and
 * i_gain = 120 / 2^23 A per code, no phase, no offset), and the whole NVM of the port.
 */
void omp_meter_cfg_default(struct omp_meter_cfg *cfg);

/**
 * @brief Start a meter: check the HAL, the configuration and the NVM, and restore the newest valid
 * state record (a meter with an empty NVM starts from zero registers).
 *
 * @param[out] m    Context to initialise; fully overwritten.
 * @param[in]  hal  Port; copied. The ops table must outlive @p m.
 * @param[in]  cfg  Configuration; copied.
 * @param[in]  now  Time at start. With now->rtc_valid false (the port does not know the time yet)
 *                  the records keep the UTC restored from NVM until a tick brings a valid clock;
 *                  the restored UTC is in omp_meter_snapshot().saved_utc_s either way.
 * @return OMP_OK, OMP_ERR_ARG (NULL or invalid cfg field, including a sample rate, mains frequency
 *         or calibration omp_metro_init rejects), OMP_ERR_UNSUPPORTED (a required HAL op
 *         is missing), OMP_ERR_RANGE (NVM geometry or region unusable), or a HAL error.
 * @par Context: thread/main loop, before samples are delivered.
 */
OMP_MUST_CHECK omp_err omp_meter_init(struct omp_meter *m, const struct omp_hal *hal,
                                      const struct omp_meter_cfg *cfg, const struct omp_now *now);

/**
 * @brief Deliver @p n_pairs interleaved (voltage, current) ADC codes: v0, i0, v1, i1, ...
 * Codes must fit 24 bits signed (omp_metro_on_samples). Runs the metrology engine and starts the
 * pulses it requests (pulse_start on OMP_PULSE_LED_ACTIVE / OMP_PULSE_LED_REACTIVE, cfg width).
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
 * @brief Advance time. Consumes the engine's cycle records (instantaneous values, display symbols),
 * copies its energy registers, closes each elapsed second (hour counter, save trigger) and scrolls
 * the display. @par Context: main loop; call at least every 100 ms of @p now->mono_ms (the engine
 * buffers OMP_METRO_CYCLE_QUEUE cycles; older records are dropped, energy never is).
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

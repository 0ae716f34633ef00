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
 *
 * The optical port (OMP_PORT_OPTICAL) runs an IEC 62056-21 server (iec62056_21.h) behaving as an
 * OMNIPOWER: sign-on `/KAM5` + optical_ident, mode A/C readout of User Data 1 or 2, programming
 * mode (R1, R5, R6 98.1.0, W1 settings, W5 clock) and mode D0. Bytes go in with omp_meter_on_rx();
 * answers, baud-rate changes and mode D0 readouts go out from omp_meter_poll() through the HAL's
 * port_set_baud (7E1) and port_write. Legal data is never written through it. See
 * docs/iec62056-21.md "Meter side (omp_meter)".
 */
#ifndef OMNIPOWER_METER_H
#define OMNIPOWER_METER_H

#include "omnipower/clock.h"
#include "omnipower/core.h"
#include "omnipower/cosem.h"
#include "omnipower/display.h"
#include "omnipower/dlms_server.h"
#include "omnipower/hdlc.h"
#include "omnipower/evq.h"
#include "omnipower/hal.h"
#include "omnipower/iec62056_21.h"
#include "omnipower/lcd.h"
#include "omnipower/logger.h"
#include "omnipower/optical.h"
#include "omnipower/push.h"
#include "omnipower/metrology.h"
#include "omnipower/pq.h"
#include "omnipower/pq_event.h"
#include "omnipower/pq_vq.h"
#include "omnipower/registers.h"
#include "omnipower/storage.h"
#include "omnipower/tariff.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most objects in the optical port's User Data 2 list (Kamstrup: 40). */
#define OMP_METER_UD2_MAX OMP_OPTICAL_UD2_MAX

/** @brief Meter configuration (type number and Z-codes subset known to this release). */
struct omp_meter_cfg {
    uint32_t meter_number;       /**< serial number shown as 0.0.1 / 96.1.0; 1..99999999 */
    char software_id[17];        /**< SoftwareNumberRevisionAscii 1.1.0.2.0.255, `number-revision`
                                      (the power-up screen shows the number and the revision);
                                      default from the library version, "0000100-01" for 0.1.0 */
    uint32_t rom_checksum;       /**< RomChecksum 1.1.96.54.1.255 of the firmware image, as the
                                      port computed it (the power-up screen shows its low 16 bits
                                      as CSUM); default 0 */
    char type_number[OMP_COSEM_TYPENO_LEN + 1u]; /**< CompleteMeterTypeNo 1.1.96.1.1.255, 18
                                      characters (technical facts 0), NUL-terminated; default
                                      "6861111BN142101010" (single-phase, 5(100) A, class B, A+/A-/
                                      R+/R-, dual breaker, radio, S0, Denmark) */
    int32_t utc_offset_min;      /**< Z11: standard-time offset from UTC in minutes */
    enum omp_dst_rule dst_rule;  /**< Z15: daylight-saving rule */
    uint8_t energy_decimals;     /**< Z1: decimals of the energy display in kWh (0..3; 7.0/6.1/7.2/6.3) */
    uint8_t energy_digits;       /**< Z1: integer digits of the energy display (6 or 7) */
    bool led_on_no_load;         /**< Z2: false = LED off at no consumption */
    uint8_t pulse_width_ms;      /**< Z8: 30 or 80 */
    uint32_t sample_rate_hz;     /**< samples per second per channel fed to on_samples; the
                                      engine's range (2000..32000), default 8000 */
    uint32_t mains_hz;           /**< nominal mains frequency: 50 or 60 */
    struct omp_metro_cal cal;    /**< calibration (legal data: stored at the first start, a start
                                      with another one is refused): cal.v_gain / cal.i_gain are the
                                      front end's volts and amperes per ADC code (the former
                                      volts_per_code / amps_per_code), phase and offsets */
    uint32_t nvm_base;           /**< first NVM byte the meter may use (sector aligned) */
    uint32_t nvm_sectors;        /**< sectors the meter may use from nvm_base; 0 = every sector
                                      from nvm_base to the end. The billing log takes what
                                      OMP_CONFIG_BILLING_DEPTH needs, the settings store what the
                                      clock's and the display's records need (>= 2 sectors), the
                                      register journal the rest (>= 3 sectors); sectors >= 1 KiB
                                      (docs/storage.md) */
    uint32_t lp_sectors;         /**< load profile 1.1.99.1.0.255 (docs/logger.md): sectors of
                                      its region, after the billing log; 0 = none (the default:
                                      64 KiB hold no useful profile), OMP_METER_LP_DEPTH = what
                                      the data sheet's depth needs for the configured channels
                                      (X9) and period (Z4), omp_meter_lp_sectors() */
    uint32_t an_sectors;         /**< analysis logger 1.1.99.1.1.255 (docs/logger.md): sectors
                                      of its region, after the load profile; 0 = none (the
                                      default); nvm_info tells the depth they give */
    uint8_t an_period_min;       /**< its interval: 5, 15, 30 or 60 (default 15) */
    uint8_t an_channels;         /**< its channels: 1..16 */
    struct omp_cosem_ref an_channel[OMP_PLOG_COLUMNS_MAX]; /**< objects of the dictionary
                                      (OBIS + attribute 2) readable by OMP_ASSOC_LOCAL; default
                                      (technical facts 2, Table 15, 4-channel type): P+ 1.7.0,
                                      P- 2.7.0, Q+ 3.7.0, Q- 4.7.0, U-L1 mean 32.25.0, I-L1 mean
                                      31.25.0 (the means over its interval) */
    uint32_t ev_sectors;         /**< event logs (docs/logger.md "Event logs"): sectors of each
                                      of the OMP_EVLOG_COUNT logs' regions, after the load
                                      profile; 0 = none (the default), OMP_METER_EV_DEPTH = what
                                      OMP_EVLOG_DEPTH entries need (omp_evlog_sectors) */
    /* registers and tariffs (data sheet Z codes) */
    uint8_t z3;                  /**< Z3 module configuration: tariff inputs (omp_z3_*), 15 =
                                      debiting stop pulse on I/O 1 */
    uint8_t demand_period_min;   /**< Z4 integration period: 5, 15, 30 or 60 */
    uint8_t billing_day;         /**< Z6 debiting stop day 1..28 */
    uint8_t billing_interval;    /**< Z7 debiting interval 0..24 (0: external stops only) */
    uint8_t pulse_unit;          /**< Z12 pulse input unit: 0 none, 1 kWh, 2 m3, 3 L */
    uint32_t pulse_milli;        /**< pulse input division: milli-units per pulse (100..1000000) */
    uint32_t power_threshold_w;  /**< power threshold for the threshold counter; 0 = off */
    bool count_flagged_periods;  /**< demand periods cut short still update the maxima */
    enum omp_tariff_source tariff_source; /**< where the active tariff comes from */
    uint8_t default_tariff;      /**< 1..OMP_CONFIG_TARIFFS */
    /* optical port (IEC 62056-21); the request address is meter_number in decimal */
    char optical_ident[OMP_IEC21_IDENT_MAX + 1]; /**< identification after `/KAM5`: 1..16
                                      printable characters without '/' and '!', NUL-terminated;
                                      Kamstrup sends a space and 15 characters of the type number,
                                      default " 6861111BN142101" (from the default type_number) */
    char optical_password[OMP_IEC21_PASSWORD_MAX + 1]; /**< P1 password, 1..16 printable
                                      characters without space ( ) * / !, NUL-terminated (empty
                                      only with optical_programming off);
                                      default "12345" (the IEC doc names none; DLMS LLS default) */
    bool optical_programming;    /**< programming mode (option Y = 1) allowed; default true */
    struct omp_optical_settings optical; /**< 131.0.x factory values */
    uint8_t optical_ud2_len;     /**< objects in optical_ud2: 0..OMP_METER_UD2_MAX */
    struct omp_cosem_ref optical_ud2[OMP_METER_UD2_MAX]; /**< User Data 2 list: objects of the
                                      data dictionary (cosem.h) by OBIS code and attribute (2),
                                      in order; default: Kamstrup's 27 objects (0.0.1, 97.97.0,
                                      1.8.0 .. 1.0.0). Every entry must be an object of the table
                                      (omp_cosem_find) readable by OMP_ASSOC_LOCAL */
    /* HAN push on the CCC port (push.h, docs/han.md) */
    struct omp_push_cfg han_push; /**< lists, ciphering, frame size; default: push off (the
                                      factory state, HAN p.17). With lists set, the meter's poll
                                      writes the due push frames to OMP_PORT_HAN and the port
                                      answers no request */
};

/** cfg.lp_sectors: as many sectors as the data sheet's load-profile depth needs. */
#define OMP_METER_LP_DEPTH UINT32_MAX
/** cfg.ev_sectors: as many sectors as OMP_EVLOG_DEPTH events need in each event log. */
#define OMP_METER_EV_DEPTH UINT32_MAX
/** omp_meter_log_clear(): the load profile and the analysis logger (the event logs are their
 *  enum omp_evlog_kind). */
#define OMP_METER_LOG_LP 0x10u
#define OMP_METER_LOG_AN 0x11u

/** @brief Readable state of a meter: registers and the last mains cycle's measurements. */
struct omp_meter_snapshot {
    omp_time_s utc_s;           /**< clock, UTC */
    struct omp_datetime local;  /**< clock, local time per Z11/Z15 */
    bool dst_active;            /**< local time includes the DST hour */
    uint64_t a_plus_mwh;        /**< A+ total, 1.8.0, mWh (energy.a_plus_uwh / 1000) */
    uint64_t a_minus_mwh;       /**< A- total, 2.8.0, mWh (energy.a_minus_uwh / 1000) */
    struct omp_metro_energy energy; /**< every energy register, micro-units (uWh, uvarh, uVAh):
                                     A+, A-, R+, R-, R1..R4, E+, E-, as of the last tick */
    uint32_t hours_with_supply; /**< hour counter (0.1.96.8.0.255) */
    uint8_t tariff;             /**< active tariff 1..OMP_CONFIG_TARIFFS */
    struct omp_regs_energy registers; /**< every energy register with the tariff registers */
    uint32_t billing_count;     /**< debiting stop counter (1.1.0.1.0.255) */
    uint32_t threshold_count;   /**< power threshold counter (1.1.96.51.2.255) */
    uint64_t pulse_milli;       /**< pulse input register, milli-units (1.1.0.128.1.255) */
    struct omp_regs_peaks peaks;/**< maxima of the running debiting period */
    struct omp_regs_acc acc;    /**< accumulated maxima */
    bool have_period;           /**< last_period is valid */
    struct omp_regs_period last_period; /**< the newest closed demand period */
    omp_time_s next_stop_utc;   /**< next scheduled debiting stop (0: none) */
    uint32_t billing_entries;   /**< debiting snapshots in the billing log */
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
    uint64_t nvm_saves;         /**< records written since init (registers, billing, state) */
};

/** @brief How the meter uses its NVM and what that means for endurance and loss at a power cut. */
struct omp_meter_nvm_info {
    uint32_t sector_size;
    uint32_t journal_sectors;    /**< register journal (omp_store) */
    uint32_t log_sectors;        /**< billing log (omp_nvm_log) */
    uint32_t billing_capacity;   /**< snapshots the billing log always holds (>= BILLING_DEPTH) */
    uint32_t hot_record_bytes;   /**< NVM bytes of one hot register record */
    uint32_t hot_min_interval_s; /**< the endurance budget's least time between hot saves */
    uint32_t loss_bound_mwh;     /**< most energy a power cut without warning can lose at Imax
                                      (230 V, 100 A): Imax power over hot_min_interval_s + 1 s,
                                      plus one display step; 0 lost after a power-fail warning */
    uint64_t hot_saves;          /**< hot register records written since init */
    uint64_t cold_saves;         /**< cold checkpoints written since init */
    uint64_t snapshots;          /**< debiting snapshots appended since init */
    struct omp_storage_stats store; /**< journal counters since init */
    struct omp_storage_stats log;   /**< billing log counters since init */
    uint32_t settings_sectors;      /**< settings store (the clock's and the display's records) */
    uint32_t damaged_sectors;       /**< sectors init found damaged or foreign (docs/storage.md
                                         "Damage"); not 0: the meter saves nothing, meter status
                                         bit 1 and the error symbol are set, until
                                         omp_meter_nvm_format() */
    struct omp_storage_stats settings; /**< settings store counters since init */
    uint32_t mirror_sectors;        /**< the mirror: each checkpoint again, with the legal data */
    uint32_t mirror_min_interval_s; /**< the mirror's endurance budget: least time between its
                                         entries (a checkpoint within it waits for the next save
                                         allowed) */
    uint64_t mirror_saves;          /**< mirror entries written since init */
    struct omp_storage_stats mirror;/**< mirror counters since init */
    bool rolled_back;               /**< init restored registers that may be older than their
                                         newest save (docs/storage.md "The mirror"): meter status
                                         bit 1, OMP_EV_NVM_ROLLED_BACK */
    enum omp_regs_source restored_from; /**< where init found the checkpoint it restored */
    uint32_t restored_checkpoint;   /**< its id (0: none, a new meter) */
    uint32_t newest_checkpoint;     /**< the newest checkpoint id any record names */
    uint32_t lp_sectors;            /**< the load profile's region (0: none) */
    uint32_t lp_capacity;           /**< entries it always holds (omp_profile_capacity) */
    uint32_t lp_entries;            /**< entries it holds now */
    struct omp_storage_stats lp;    /**< its counters since init */
    uint32_t an_sectors;            /**< the analysis logger's region (0: none) */
    uint32_t an_capacity;           /**< entries it always holds */
    uint32_t an_depth_min;          /**< the time they cover: capacity x interval, minutes */
    uint32_t an_entries;            /**< entries it holds now */
    uint32_t ev_sectors;            /**< each event log's region (0: none) */
    uint32_t ev_capacity;           /**< events each always holds */
    uint32_t ev_entries[OMP_EVLOG_COUNT];  /**< events each holds now */
    uint32_t ev_overflow[OMP_EVLOG_COUNT]; /**< events each no longer holds (omp_evlog_overflow) */
};

/** Bytes of the meter's scratch buffer, which its services share (they never run at the same
 * time): the registers' records, the clock's calendars, the display's lists. */
#define OMP_METER_IO_LEN_2 \
    (OMP_REGS_PERSIST_BUF > OMP_CLOCK_IO_LEN ? OMP_REGS_PERSIST_BUF : OMP_CLOCK_IO_LEN)
#define OMP_METER_IO_LEN (OMP_METER_IO_LEN_2 > OMP_LCD_IO_LEN ? OMP_METER_IO_LEN_2 : OMP_LCD_IO_LEN)

/** Longest APDU a port's HDLC link takes in or sends (the port's DLMS server's max PDU, 1010 as
 *  an OMNIPOWER's max info field; technical facts 11.2). */
#define OMP_METER_HDLC_APDU_MAX OMP_DLMS_SERVER_PDU_DEFAULT

/**
 * @brief DLMS over HDLC on one of the meter's own ports (meter_hdlc.c): the HDLC server in front
 * of the port's DLMS server, its two buffers, and its replies waiting for the port. Members are
 * private; it lives inside struct omp_meter.
 */
struct omp_meter_hdlc {
    struct omp_hdlc_server hdlc;  /**< frames, link, segmentation, timeouts */
    struct omp_meter *meter;      /**< the meter of the current call (for the callbacks) */
    uint8_t port;                 /**< enum omp_port */
    bool on;                      /**< the optical port: HDLC has it (not IEC 62056-21) */
    bool release;                 /**< the optical port: its link ended, IEC 62056-21 takes it
                                       back once the last reply bytes are out */
    uint16_t out_len;             /**< reply bytes in @c out */
    uint16_t out_off;             /**< of them, taken by the port */
    uint8_t rx[OMP_HDLC_LLC_LEN + OMP_METER_HDLC_APDU_MAX]; /**< a segmented request */
    uint8_t tx[OMP_HDLC_LLC_LEN + OMP_METER_HDLC_APDU_MAX]; /**< the response being sent */
    uint8_t out[OMP_HDLC_SERVER_TX_ROOM(OMP_HDLC_SERVER_INFO_DEFAULT)]; /**< reply frames */
};

/** Complete EN 50160 events the meter keeps in RAM for readers (omp_meter_pq). */
#define OMP_METER_PQ_EVENTS 8u

/**
 * @brief Power quality in the meter (meter_pq.c; docs/power-quality.md "In the meter"): the
 * IEC 61000-4-30 engine beside the metrology engine, the EN 50160 event detector, the OMNIPOWER's
 * counters and voltage quality logger entries, and the weekly EN 50160 counts. Members are
 * private: read them through omp_meter_pq().
 */
struct omp_meter_pq {
    struct omp_pq eng;               /**< intervals, harmonics, aggregation (pq.h) */
    struct omp_pq_ev det;            /**< EN 50160 events: 90 / 110 / 5 % of Un (pq_event.h) */
    struct omp_pq_ev det_vq;         /**< the OMNIPOWER's: dips and swells at -+20 %, outages
                                          below 50 V (docs/pq-events.md) */
    struct omp_vq vq;                /**< counters 1.1.133.0.n, logger entries (pq_vq.h) */
    struct omp_pq_week week;         /**< the running week (from Monday 00:00 UTC) */
    struct omp_pq_week week_done;    /**< the last complete week (un_v 0: none yet) */
    struct omp_pq_out out;           /**< scratch of one omp_pq_process call */
    struct omp_pq_value iv;          /**< the newest 10/12-cycle value (n 0: none yet) */
    struct omp_pq_value m10;         /**< the newest 10-min value (n 0: none yet) */
    struct omp_pq_freq f10;          /**< the newest 10-s frequency (stamp 0: none yet) */
    struct omp_pq_event ev[OMP_METER_PQ_EVENTS]; /**< the newest complete EN 50160 events */
    uint32_t n_ev;                   /**< events completed since init: the newest is
                                          ev[(n_ev - 1) % OMP_METER_PQ_EVENTS] */
    struct omp_event entry;          /**< the newest entry of the PQ event log (code 0: none) */
    uint64_t prev_end;               /**< the last cycle's end sample (flagging) */
    double sec_u2t, sec_t;           /**< the running second: sum of urms^2 T, sum of T */
    omp_time_s sec;                  /**< its UTC second (-1: none) */
    omp_time_s week_start;           /**< the running week's Monday 00:00 UTC (0: none yet) */
    uint16_t kept[OMP_VQ_COUNTERS];  /**< the counters as the NVM holds them */
    uint16_t limit[4];               /**< 1.1.134.0.12..15: high, low (V), window, power-fault
                                          time (s), as kept */
    bool foreign;                    /**< its NVM record is foreign (reported, kept) */
};

/** @brief The meter context. Allocate it (statically or on the stack) and call omp_meter_init. */
struct omp_meter {
    struct omp_hal hal;
    struct omp_meter_cfg cfg;
    /* the engine: written by the sample ISR, read by tick/poll under the critical section */
    struct omp_metro metro;
    struct omp_cycle last;                /**< the newest cycle record consumed */
    uint32_t cycles;                      /**< cycle records consumed */
    bool cycle_in_block;                  /**< a cycle arrived since the last second closed */
    bool led_steady_on;                   /**< Z2: the engine asks for the LED steadily on */
    bool led_output_on;                   /**< what poll last drove on OMP_OUTPUT_LED_ACTIVE */
    /* the services, each with its state and its NVM */
    struct omp_clock clock;               /**< time base, tariff, calendars, power-ups */
    struct omp_registers regs;
    struct omp_regs_persist persist;      /**< the registers' journal and billing log */
    struct omp_store settings;            /**< the settings store: the clock's and the display's
                                               records (rarely written, apart from the journal) */
    struct omp_profile lp;                /**< the load profile (when cfg.lp_sectors) */
    struct omp_profile an;                /**< the analysis logger (when cfg.an_sectors) */
    enum omp_profile_change lp_change;    /**< how init found the load profile's shape (logger.h):
                                               its event waits for the clock's restore */
    enum omp_profile_change an_change;    /**< the same for the analysis logger */
    struct omp_means means;               /**< the mains cycles' means over its interval */
    struct omp_meter_pq pq;               /**< power quality (meter_pq.c) */
    struct omp_evlog evlog[OMP_EVLOG_COUNT]; /**< the event logs (when cfg.ev_sectors) */
    struct omp_evq_reader ev_reader;      /**< the event logs' place in the event queue */
    struct omp_lcd lcd;                   /**< the display */
    struct omp_optical optical_port;      /**< the optical port's IEC 62056-21 application */
    struct omp_dlms_server dlms[OMP_PORT_COUNT]; /**< each port's DLMS server (association) */
    struct omp_meter_hdlc hdlc[OMP_PORT_COUNT];  /**< each port's HDLC link to it */
    struct omp_hdlc_server_cfg hdlc_setup;       /**< the ports' HDLC setup (IEC HDLC setup
                                                      attributes 7..9, kept in NVM) */
    struct omp_cosem_custom custom;              /**< the utility's data objects (MeterNoLow,
                                                      MeterNo2/3, SpecialData, ModuleId; kept in
                                                      NVM) */
    struct omp_dlms_params params;               /**< the settings written over the ports
                                                      (kept in NVM, laid over cfg) */
    bool params_foreign;                         /**< their record in NVM is foreign (reported,
                                                      kept) */
    struct omp_dlms_sec dlms_sec;         /**< the management association's security state,
                                               shared by the ports (server IC kept in NVM) */
    uint32_t dlms_client_ic;              /**< the management client's IC kept in NVM */
    bool dlms_client_ic_kept;             /**< dlms_client_ic is valid */
    struct omp_push han;                  /**< the CCC port's HAN push (cfg.han_push) */
    bool han_ic_foreign;                  /**< the push IC mark in NVM is foreign: no ciphered
                                               push (meter_han.c) */
    struct omp_evq events;                /**< notifications for the loggers and other readers */
    struct omp_cosem_monitor monitor;     /**< the register monitor's side of its threshold */
    /* from on_input (ISR) to tick: levels and edges not yet handled */
    uint32_t inputs;                      /**< last level of each enum omp_input, bit (1u << input) */
    uint32_t pulse_edges;                 /**< pulse input edges */
    uint32_t debit_edges;                 /**< debiting stop edges */
    uint32_t buttons;                     /**< button edges (2 bits each, lcd.h) */
    uint32_t tamper_edges;                /**< tamper input edges (2 bits each) */
    uint32_t pf_events;                   /**< power-fail warnings */
    bool pf_save;                         /**< the power-fail warning asks for a save now */
    uint32_t nvm_damaged;                 /**< damaged or foreign sectors found at init: the
                                               meter then writes nothing to the NVM */
    bool display_due;                     /**< show the frame at the next poll */
    uint8_t io[OMP_METER_IO_LEN];         /**< the services' shared scratch buffer */
};

/**
 * @brief The factory default configuration (data sheet: type 6861111BN142101010, Denmark: Z1 7.2
 * decimals, Z2 LED off at no load, Z8 30 ms, Z11 +1 h, Z15 EU DST), OMP_CONFIG_SAMPLE_RATE_HZ and
 * OMP_CONFIG_MAINS_HZ, the nominal calibration of the default front end (24-bit codes for +-600 V
 * and +-120 A full scale: omp_metro_cal_nominal(&cal, 600, 120), i.e. v_gain = 600 / 2^23 V and
 * i_gain = 120 / 2^23 A per code, no phase, no offset), and the whole NVM of the port. Optical
 * port: ident " 6861111BN142101" (a space and the type number's first 15 characters), password
 * "12345", programming on, the 131.0.x factory values
 * (User Data 2, D0 off at 2400 Bd, mode A+C, Ta 1500 ms, Tr 1500 ms, Tt 1700 ms, Ti 90 s) and
 * Kamstrup's 27-object User Data 2 list.
 */
void omp_meter_cfg_default(struct omp_meter_cfg *cfg);

/**
 * @brief Start a meter: check the HAL, the configuration and the NVM, and restore the newest valid
 * state record (a meter with an erased NVM starts from zero registers). An NVM holding data the
 * meter cannot read (damaged sectors, another layout, foreign data; docs/storage.md "Damage") is
 * not overwritten: the meter starts from what is readable, writes nothing to the NVM, sets meter
 * status bit 1 and the error symbol and pushes OMP_EV_NVM_DAMAGED; omp_meter_nvm_info() says how
 * many sectors; omp_meter_nvm_format() erases it when that is wanted.
 *
 * @param[out] m    Context to initialise; fully overwritten.
 * @param[in]  hal  Port; copied. The ops table must outlive @p m.
 * @param[in]  cfg  Configuration; copied.
 * @param[in]  now  Time at start. With now->rtc_valid false (the port does not know the time yet)
 *                  the records keep the UTC restored from NVM until a tick brings a valid clock;
 *                  the restored UTC is in omp_meter_snapshot().saved_utc_s either way.
 * Legal data (cfg.cal, cfg.type_number, the display resolution cfg.energy_decimals and
 * cfg.energy_digits): the first start on an erased NVM stores it, and a later start with other
 * legal data is refused (OMP_ERR_DENIED, nothing written) until the NVM is formatted.
 * @return OMP_OK, OMP_ERR_ARG (NULL or invalid cfg field, including a sample rate, mains frequency
 *         or calibration omp_metro_init rejects), OMP_ERR_DENIED (the cfg's legal data is not
 *         the stored one), OMP_ERR_UNSUPPORTED (a required HAL op is missing), OMP_ERR_RANGE (NVM
 *         geometry or region unusable), or a HAL error. A damaged NVM (registers stored without
 *         their legal data included) is not an error: see above.
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
 * @brief Consume the metrology engine's cycle records now: the power-quality engine's per-cycle
 * work (harmonics of the cycle, events, intervals; meter_pq.c). omp_meter_tick() and
 * omp_meter_poll() do this too; a port whose main loop runs less often than every 10 ms calls this
 * after each block of samples, because the harmonics of a cycle are computed from the last
 * OMP_PQ_RING samples and a cycle taken later than 20 ms after its end (8 kHz) gives an
 * interval without harmonics (docs/power-quality.md "In the meter").
 * @par Context: main loop (not concurrently with tick or poll).
 */
void omp_meter_process(struct omp_meter *m);

/**
 * @brief Bytes received on @p port, time-stamped with the monotonic time of the last
 * omp_meter_tick(). Each port runs DLMS over HDLC (IEC 62056-46, physical address 32, logical
 * devices 1 and 16, max info field 1010, window 1, inactivity 20 s, inter-octet 500 ms; technical
 * facts 11.2) in front of its own DLMS server (omp_meter_dlms, docs/dlms-server.md):
 * - OMP_PORT_MODULE: HDLC; the public client 16, the LLS client 18, the management client 1.
 * - OMP_PORT_HAN (CCC): HDLC while HAN push is off (cfg.han_push.lists 0); clients 16, 20 and 1.
 *   With push on the port only sends (technical facts 12.1): OMP_ERR_UNSUPPORTED.
 * - OMP_PORT_OPTICAL: the IEC 62056-21 server (7-bit characters) while a reader may sign on; a
 *   chunk starting with an HDLC flag (0x7E) while no reader is signed on hands the port to HDLC
 *   at 9600 Bd 8N1 (port_set_baud) until the link ends (DISC, inactivity, omp_meter_link_lost),
 *   then back to 300 Bd 7E1. With IEC 62056-21 off (131.0.12 = 0) the port is HDLC's, 9600 Bd 8N1.
 *   Clients 16, 19 and 1. A frame that came in at the old framing is lost; the client repeats
 *   its SNRM (docs/dlms-server.md "The meter's ports").
 * Replies go out through the HAL's port_write at once and from omp_meter_poll(), as much as the
 * port takes (one reply frame is held).
 * @return OMP_OK, OMP_ERR_UNSUPPORTED (the HAL has no port_write; the CCC port with push on),
 *         OMP_ERR_NOSPACE (a reply did not fit beside one the port has not taken yet: that frame
 *         is not answered, the client repeats it), OMP_ERR_ARG.
 * @par Context: main loop (not an ISR: the servers run here); bytes from a UART ISR are queued by
 *      the port and handed over from the main loop.
 */
omp_err omp_meter_on_rx(struct omp_meter *m, enum omp_port port, const uint8_t *data, size_t len);

/**
 * @brief One DLMS request APDU received on @p port (already out of its HDLC or TCP-wrapper frame)
 * from client SAP @p client_sap to server SAP @p server_sap; the response APDU is appended to
 * @p out (nothing when there is none). Each port has its own association (dlms_server.h,
 * docs/dlms-server.md): public client 16 -> SAP 1, the management client 1 -> SAP 16, and the
 * port's own LLS client -> SAP 16 with the factory password "12345" (18 the module port, 19 the
 * optical port, 20 the CCC port; another's is rejected, technical facts 11.1).
 * @return what omp_dlms_server_apdu() returns, or OMP_ERR_ARG (NULL, no such port).
 * @par Context: main loop.
 */
OMP_MUST_CHECK omp_err omp_meter_dlms(struct omp_meter *m, enum omp_port port, uint16_t client_sap,
                                      uint16_t server_sap, const uint8_t *req, size_t len,
                                      struct omp_wr *out);

/**
 * @brief As omp_meter_dlms(), with a DLMS server of the caller's (omp_dlms_server_init) instead of
 * a port's: for a second DLMS link beside a port's own, e.g. the simulator's wrapper socket next
 * to the module port's HDLC (docs/simulator.md). The server's cfg.assocs chooses the clients it
 * opens (a module-port link: 16, 18 and 1). The caller ends its association with
 * omp_dlms_server_close().
 * @return what omp_dlms_server_apdu() returns, or OMP_ERR_ARG (NULL).
 * @par Context: main loop.
 */
OMP_MUST_CHECK omp_err omp_meter_dlms_srv(struct omp_meter *m, struct omp_dlms_server *srv,
                                          uint16_t client_sap, uint16_t server_sap,
                                          const uint8_t *req, size_t len, struct omp_wr *out);

/** @brief The link that carried @p port's DLMS association was lost or closed: the association
 *  ends. */
void omp_meter_dlms_close(struct omp_meter *m, enum omp_port port);

/**
 * @brief The port's factory LLS password for every port's DLMS server (Association LN attribute
 * 7), e.g. from provisioning, in place of "12345" (omp_dlms_server_cfg_default). Call after
 * omp_meter_init(). Not kept in NVM: a password written over DLMS is, and once there it wins, so
 * this call then changes nothing. Ends every port's association when it applies.
 * @return OMP_OK, OMP_ERR_ARG (NULL, @p len 0 or above OMP_DLMS_LLS_SECRET_MAX), errors of the
 *         settings store.
 * @par Context: main loop.
 */
OMP_MUST_CHECK omp_err omp_meter_dlms_lls_secret(struct omp_meter *m, const uint8_t *secret,
                                                 size_t len);

/** @brief The link of @p port to its reader is gone (a TCP client left; a port that can tell a
 *  head or cable was removed): the optical port's IEC 62056-21 session ends at once instead of
 *  after ti (it waits for a sign-on at 300 Bd; a lock-out stays), and the port's DLMS association
 *  ends (omp_meter_dlms_close). NULL or no such port: ignored. @par Context: main loop. */
void omp_meter_link_lost(struct omp_meter *m, enum omp_port port);

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
 * displayed resolution, the power-fail warning came, or the hour counter moved; after the warning
 * the engine's unfinished mains cycle is booked first, omp_metro_flush()), refresh the
 * display, run the optical port's server (baud-rate changes with port_set_baud 7E1, then
 * port_write of what it has to send, as much as the port takes).
 * @return OMP_OK or the HAL/NVM error of a failed save (retried on the next poll). Optical port
 *         errors are not reported here: the bytes the port did not take are offered again.
 */
omp_err omp_meter_poll(struct omp_meter *m);

/** @brief Save every register now (orderly shutdown), the engine's unfinished mains cycle booked
 * first (omp_metro_flush()). @return OMP_OK or the NVM error (OMP_ERR_NVM_CORRUPT while the NVM
 * is damaged: nothing is saved). */
OMP_MUST_CHECK omp_err omp_meter_flush(struct omp_meter *m);

/**
 * @brief Erase the meter's whole NVM share and start again as omp_meter_init() with the same HAL
 * and configuration at @p now: the explicit way out of a damaged NVM (its evidence is gone, the
 * registers start from zero). @return as omp_meter_init.
 */
OMP_MUST_CHECK omp_err omp_meter_nvm_format(struct omp_meter *m, const struct omp_now *now);

/**
 * @brief Set the clock to @p utc_s (rtc_set when the port has it). Demand and billing treat it as
 * a clock change (registers.h omp_registers_clock_set): the running demand period closes flagged,
 * a debiting stop already taken is not taken again when the clock goes back, one jumped over is
 * taken late. @return OMP_OK, OMP_ERR_ARG, OMP_ERR_RANGE, or the rtc_set error.
 */
OMP_MUST_CHECK omp_err omp_meter_set_clock(struct omp_meter *m, omp_time_s utc_s);

/** @brief External debiting stop (DLMS ForceBillingStop, push button) now.
 * @return OMP_OK, OMP_ERR_ARG, OMP_ERR_BUSY (the previous snapshot is not yet stored). */
OMP_MUST_CHECK omp_err omp_meter_billing_stop(struct omp_meter *m);

/**
 * @brief Read the debiting snapshot @p age periods back (0 = newest) from the billing log.
 * @return OMP_OK, OMP_ERR_NOT_FOUND, OMP_ERR_NVM_CORRUPT, OMP_ERR_ARG, or a HAL error.
 */
OMP_MUST_CHECK omp_err omp_meter_billing_read(struct omp_meter *m, uint32_t age,
                                              struct omp_regs_snapshot *out);

/**
 * @brief The billing log 1.1.98.1.0.255, for readers (logger.h omp_billing_*: entry numbers,
 * cursors, entry and time ranges, DLMS and OMNIPOWER numbering, the capture objects of
 * technical facts 4.2); the registers' persistence keeps and writes it. Read between polls: a
 * HAL error during a save leaves it stale until the next poll opens it again. NULL for NULL
 * @p m. omp_meter_billing_read() reads the same log by age.
 */
const struct omp_nvm_log *omp_meter_billing_log(const struct omp_meter *m);

/**
 * @brief Load a time-of-use calendar as the passive one, active from @p at_utc (now or earlier:
 * at the next tick). Stored in NVM first. @return OMP_OK, OMP_ERR_ARG, OMP_ERR_RANGE (the
 * calendar fails omp_tou_check), or the NVM error.
 */
OMP_MUST_CHECK omp_err omp_meter_set_calendar(struct omp_meter *m,
                                              const struct omp_tou_calendar *cal,
                                              omp_time_s at_utc);

/** @brief The NVM layout, endurance budget and storage counters. @return OMP_OK or OMP_ERR_ARG. */
OMP_MUST_CHECK omp_err omp_meter_nvm_info(const struct omp_meter *m,
                                          struct omp_meter_nvm_info *info);

/**
 * @brief Sectors of @p geo the load profile of @p cfg needs for the data sheet's depth (technical
 * facts 1.1: 1 channel 275 days at 15 min ... 4 channels 58 days at 5 min), 0 if @p cfg or
 * @p geo is unusable. With cfg.lp_sectors = OMP_METER_LP_DEPTH the meter takes this many.
 */
uint32_t omp_meter_lp_sectors(const struct omp_meter_cfg *cfg, const struct omp_nvm_geometry *geo);

/** @brief The load profile, for readers (logger.h, plog.h: seek, next, time ranges); NULL when
 *  the meter keeps none. */
const struct omp_profile *omp_meter_load_profile(const struct omp_meter *m);

/** @brief The analysis logger, for readers; NULL when the meter keeps none. */
const struct omp_profile *omp_meter_analysis_log(const struct omp_meter *m);

/** @brief Event log @p kind, for readers (omp_evlog_next); NULL when the meter keeps none. */
const struct omp_evlog *omp_meter_event_log(const struct omp_meter *m, enum omp_evlog_kind kind);

/**
 * @brief Clear event log @p which (enum omp_evlog_kind) or the load profile (OMP_METER_LOG_LP):
 * its entries are gone, its numbers go on, and OMP_EV_LOG_CLEARED goes to the standard event log.
 * @return OMP_OK, OMP_ERR_ARG (no such log kept), OMP_ERR_NVM_CORRUPT (the NVM is damaged:
 * nothing erased), or the NVM's error.
 */
OMP_MUST_CHECK omp_err omp_meter_log_clear(struct omp_meter *m, unsigned which);

/** @brief Copy the readable state. @return OMP_OK or OMP_ERR_ARG. */
OMP_MUST_CHECK omp_err omp_meter_snapshot(const struct omp_meter *m, struct omp_meter_snapshot *s);

/** @brief The screen currently shown (valid until the next poll). @return OMP_OK or OMP_ERR_ARG. */
OMP_MUST_CHECK omp_err omp_meter_display(const struct omp_meter *m, struct omp_display_frame *f);

/**
 * @brief Replace display list @p which with @p n items (display.h omp_display_set_list: sizes,
 * forbidden items, the legal readings of the manual list), stored in NVM first; pushes
 * OMP_EV_CONFIG_CHANGED (arg 0). The factory lists: automatic A+, A-, time, date, P+; manual the
 * legal readings (the totals of the type number's energy types); utility and battery empty.
 * @param[out] bad  As omp_display_set_list. May be NULL.
 * @return OMP_OK, OMP_ERR_ARG, OMP_ERR_RANGE, OMP_ERR_DENIED (nothing changed), or the NVM error
 *         (nothing changed).
 */
OMP_MUST_CHECK omp_err omp_meter_display_set_list(struct omp_meter *m, enum omp_display_list which,
                                                  const struct omp_display_item *items, size_t n,
                                                  size_t *bad);

/**
 * @brief The meter's event queue (evq.h): power down/up, clock set, push buttons, configuration
 * changes, optical password failures and lock-outs. Attach a reader with omp_evq_reader_init and
 * drain it from the main loop; the queue keeps the last OMP_CONFIG_EVQ_DEPTH events.
 * @return The queue, or NULL for NULL @p m.
 */
const struct omp_evq *omp_meter_events(const struct omp_meter *m);

/** @brief What the meter knows of power quality (omp_meter_pq()); pointers into the meter,
 *  valid until its next call. */
struct omp_meter_pq_view {
    const struct omp_pq_value *interval; /**< the newest 10/12-cycle value; NULL: none yet */
    const struct omp_pq_value *ten_min;  /**< the newest 10-min value; NULL: none yet */
    const struct omp_pq_freq *freq;      /**< the newest 10-s frequency; NULL: none yet */
    const struct omp_pq_week *week;      /**< the running week's counts (omp_pq_week_get) */
    const struct omp_pq_week *week_done; /**< the last complete week's; NULL: none yet */
    omp_time_s week_start;               /**< the running week's Monday 00:00 UTC (0: none yet) */
    const struct omp_vq *vq;             /**< the OMNIPOWER counters (omp_vq_count) and limits */
    uint32_t events;                     /**< EN 50160 events completed since init */
};

/** @brief The power-quality values. @return OMP_OK or OMP_ERR_ARG. */
OMP_MUST_CHECK omp_err omp_meter_pq(const struct omp_meter *m, struct omp_meter_pq_view *v);

/**
 * @brief Complete EN 50160 event @p age back (0 = the newest; the meter keeps the last
 * OMP_METER_PQ_EVENTS in RAM, the event log keeps them all) and its start in UTC seconds with
 * the fraction (*@p start_utc). @return OMP_OK, OMP_ERR_NOT_FOUND, OMP_ERR_ARG.
 */
OMP_MUST_CHECK omp_err omp_meter_pq_event(const struct omp_meter *m, uint32_t age,
                                          struct omp_pq_event *ev, double *start_utc);

/* ---- configuration from the type number and the Z codes (module config, mcfg.h) ----------- */

struct omp_mcfg;       /* mcfg.h: type number and Z codes */
struct omp_mcfg_error; /* mcfg.h: why a configuration was refused */

/**
 * @brief Write what a type number and its Z codes imply into the fields of @p cfg (start from
 * omp_meter_cfg_default(), then call this, then set what the codes do not decide: meter_number,
 * calibration, NVM region, passwords...). Validates @p codes (omp_mcfg_validate) and derives the
 * services' settings (omp_mcfg_derive): type_number (encoded) and optical_ident (" " + its first
 * 15 characters), Z1 energy_digits/energy_decimals, Z2 led_on_no_load, Z3 z3, Z4
 * demand_period_min, Z6 billing_day, Z7 billing_interval, Z8 pulse_width_ms, Z11 utc_offset_min,
 * Z12 pulse_unit, Z15 dst_rule, Z18 optical.comm_mode (000: 0, 001/002: 1, modes A+C) and
 * optical.user_data (001: 0 UD1, 002: 1 UD2; 0 when disabled). Every other field is left as it
 * is. Include omnipower/mcfg.h to call it.
 * @param[in,out] cfg   Changed on success only.
 * @param[out]    why   On failure (if not NULL): the refused field ("X9", "Z4", ...) and its
 *                      allowed values.
 * @return OMP_OK; OMP_ERR_ARG (NULL @p cfg or @p codes); the error of omp_mcfg_validate()
 *         (OMP_ERR_RANGE, OMP_ERR_UNSUPPORTED), with nothing in @p cfg changed.
 * @par Context: any; reentrant, no HAL.
 */
OMP_MUST_CHECK omp_err omp_meter_cfg_from_codes(struct omp_meter_cfg *cfg,
                                                const struct omp_mcfg *codes,
                                                struct omp_mcfg_error *why);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_METER_H */

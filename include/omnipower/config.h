/**
 * @file config.h
 * @brief Compile-time configuration of libomnipower.
 *
 * Sizes and feature switches are fixed at compile time (the library allocates nothing). To change
 * them, write your own header and build with `-DOMP_CONFIG_FILE="my_omp_config.h"` (or the CMake
 * option of the same name); it is included first and every option it does not define keeps the
 * default below. Switches are 0/1 and are tested with `#if`; the build uses `-Wundef`, so a
 * misspelled switch fails the build. Ready-made profiles are in `configs/`.
 */
#ifndef OMNIPOWER_CONFIG_H
#define OMNIPOWER_CONFIG_H

#if defined(OMP_CONFIG_FILE)
#include OMP_CONFIG_FILE
#endif

/* ---- module switches (lwIP style): 0 leaves the module out of the build -------------------------
 * A switched-off module's sources compile to nothing, so a firmware team pays only for what it
 * uses; its header still declares the functions (calling one then fails to link). The sizes each
 * switch saves are in docs/user-guide.md ("Module switches"). */

/** 1: IEC 62056-21 (lib/iec62056_21): the optical port's message codec and the server and client
 * state machines (modes A, C, D, programming mode). The meter's optical port needs it. */
#ifndef OMP_CONFIG_IEC21
#define OMP_CONFIG_IEC21 1
#endif

/** 1: the DLMS/COSEM codecs: A-XDR (lib/axdr), xDLMS and ACSE APDUs with ciphering (lib/apdu),
 * HDLC frames and link (lib/hdlc), the TCP wrapper (lib/wrapper). */
#ifndef OMP_CONFIG_DLMS
#define OMP_CONFIG_DLMS 1
#endif

/** 1: the DLMS client helpers (lib/apdu/apdu_client.c: AARQ/AARE, GET requests, block
 * reassembly, push lists) that head-end tools use; a meter needs none. Needs OMP_CONFIG_DLMS, and
 * follows it by default (1 with the default OMP_CONFIG_DLMS 1, 0 when a configuration sets that 0). */
#ifndef OMP_CONFIG_DLMS_CLIENT
#define OMP_CONFIG_DLMS_CLIENT OMP_CONFIG_DLMS
#endif

/** 1: the display list engine (lib/display/display_list.c: the four lists, stepping, buttons,
 * NVM encoding). The value formatter (display_fmt.c) is always built: the optical readout uses it. */
#ifndef OMP_CONFIG_DISPLAY
#define OMP_CONFIG_DISPLAY 1
#endif

/* ---- sizes and settings ----------------------------------------------------------------------- */

/** Sample rate of the ADC stream in Hz (per channel) that omp_meter_on_samples() receives. */
#ifndef OMP_CONFIG_SAMPLE_RATE_HZ
#define OMP_CONFIG_SAMPLE_RATE_HZ 8000
#endif

/** Nominal mains frequency in Hz (50 or 60). */
#ifndef OMP_CONFIG_MAINS_HZ
#define OMP_CONFIG_MAINS_HZ 50
#endif

/* Display lists (technical facts 9.1): most items each list holds. The defaults are the OMNIPOWER's
 * own limits, which are also the largest values allowed; a smaller meter may lower them (RAM: 8 bytes
 * per item). */

/** Items of the automatic display list (steps every OMP_CONFIG_DISPLAY_SCROLL_S; OMNIPOWER: 16). */
#ifndef OMP_CONFIG_DISPLAY_AUTO_MAX
#define OMP_CONFIG_DISPLAY_AUTO_MAX 16
#endif

/** Items of the manual (consumer, left button) display list (OMNIPOWER: 30). */
#ifndef OMP_CONFIG_DISPLAY_MANUAL_MAX
#define OMP_CONFIG_DISPLAY_MANUAL_MAX 30
#endif

/** Items of the utility display list (sealable right button PB2) (OMNIPOWER: 16). */
#ifndef OMP_CONFIG_DISPLAY_UTILITY_MAX
#define OMP_CONFIG_DISPLAY_UTILITY_MAX 16
#endif

/** Items of the supply backup (battery) display list, shown without mains (OMNIPOWER: 8). */
#ifndef OMP_CONFIG_DISPLAY_BATTERY_MAX
#define OMP_CONFIG_DISPLAY_BATTERY_MAX 8
#endif

/** Seconds each reading of the automatic display list stays on the LCD. */
#ifndef OMP_CONFIG_DISPLAY_SCROLL_S
#define OMP_CONFIG_DISPLAY_SCROLL_S 10
#endif

/** Distinct keys one storage store (omp_store) can index (RAM: 12 bytes each). The meter's
 *  settings store has eleven (docs/storage.md); a write of one key more than this, or an NVM
 *  holding more keys than this, is OMP_ERR_NVM_FULL. */
#ifndef OMP_CONFIG_STORE_KEYS
#define OMP_CONFIG_STORE_KEYS 16
#endif

/** Largest payload in bytes of one store record. */
#ifndef OMP_CONFIG_STORE_RECORD_MAX
#define OMP_CONFIG_STORE_RECORD_MAX 1024
#endif

/** Tariff registers kept per energy type (data sheet: A+ and R+ in tariffs 1-4). */
#ifndef OMP_CONFIG_TARIFFS
#define OMP_CONFIG_TARIFFS 4
#endif

/** Time-of-use calendar sizes (DLMS activity calendar): season profiles. */
#ifndef OMP_CONFIG_TOU_SEASONS
#define OMP_CONFIG_TOU_SEASONS 8
#endif

/** Week profiles of a time-of-use calendar. */
#ifndef OMP_CONFIG_TOU_WEEKS
#define OMP_CONFIG_TOU_WEEKS 4
#endif

/** Day profiles of a time-of-use calendar. */
#ifndef OMP_CONFIG_TOU_DAYS
#define OMP_CONFIG_TOU_DAYS 8
#endif

/** Switch points per day profile (data sheet: up to 10, 1-minute resolution). */
#ifndef OMP_CONFIG_TOU_SWITCHES
#define OMP_CONFIG_TOU_SWITCHES 10
#endif

/** Special days (exception days) of a calendar (data sheet: up to 200). */
#ifndef OMP_CONFIG_TOU_SPECIAL_DAYS
#define OMP_CONFIG_TOU_SPECIAL_DAYS 64
#endif

/** Past debiting (billing) periods kept in NVM (technical facts: billing logger 1 depth 36). */
#ifndef OMP_CONFIG_BILLING_DEPTH
#define OMP_CONFIG_BILLING_DEPTH 36
#endif

/** Years the NVM must last at Imax: the energy save policy's endurance budget. */
#ifndef OMP_CONFIG_NVM_LIFE_YEARS
#define OMP_CONFIG_NVM_LIFE_YEARS 20
#endif

/** Most A-XDR containers (array/structure) the axdr walker keeps open at once (RAM: 2 words each). */
#ifndef OMP_CONFIG_AXDR_DEPTH
#define OMP_CONFIG_AXDR_DEPTH 16
#endif

/** Largest HDLC frame length field (format..FCS, flags excluded) the stream decoder accepts:
 * 2048 takes every type-3 frame (11-bit length); the stream struct holds this many bytes + 2. */
#ifndef OMP_CONFIG_HDLC_MAX_FRAME
#define OMP_CONFIG_HDLC_MAX_FRAME 2048
#endif

/** Largest APDU (TCP wrapper length field) the wrapper stream splitter accepts, in bytes. */
#ifndef OMP_CONFIG_WRAPPER_MAX
#define OMP_CONFIG_WRAPPER_MAX 2048
#endif

/** Largest IEC 62056-21 message the optical-port server receives and the client sends (a W5 of a
 * 40-object User Data 2 list fits in 512), in bytes; the server keeps two buffers of this size. */
#ifndef OMP_CONFIG_IEC21_RX_MAX
#define OMP_CONFIG_IEC21_RX_MAX 512
#endif

/** Transmit buffer of the IEC 62056-21 server: one readout line or one reply block (a 6-record
 * load-profile partial block with its header fits in 512), in bytes. */
#ifndef OMP_CONFIG_IEC21_TX_MAX
#define OMP_CONFIG_IEC21_TX_MAX 512
#endif

/** Events the core event queue (omp_evq) holds before it overwrites the oldest; a power of two,
 * 16 bytes each. Size it for the most events pushed between two polls of the slowest reader. */
#ifndef OMP_CONFIG_EVQ_DEPTH
#define OMP_CONFIG_EVQ_DEPTH 32
#endif

#include "omnipower/config_check.h"

#endif /* OMNIPOWER_CONFIG_H */

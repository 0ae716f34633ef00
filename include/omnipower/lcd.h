/**
 * @file lcd.h
 * @brief The display service: the LCD's lists (display.h) stepped by time and the push buttons,
 * each shown item read through the data dictionary (cosem.h) and formatted by the display
 * module, the lists kept in the settings store, the buttons' long presses passed on as events for
 * the services that own them (technical facts 9).
 *
 * Module switch: with OMP_CONFIG_DISPLAY 0 the service shows nothing, drops the presses and
 * refuses list changes (OMP_ERR_UNSUPPORTED).
 */
#ifndef OMNIPOWER_LCD_H
#define OMNIPOWER_LCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omnipower/cosem.h"
#include "omnipower/display.h"
#include "omnipower/evq.h"
#include "omnipower/hal.h"
#include "omnipower/storage.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Sizes of the frame's fields, terminator included. */
#define OMP_DISPLAY_ID_LEN 12
#define OMP_DISPLAY_VALUE_LEN 12
#define OMP_DISPLAY_UNIT_LEN 6
/** Key of the lists' record in the settings store. */
#define OMP_LCD_KEY_LISTS 6u
/** Scratch bytes the service needs: the lists' record. */
#define OMP_LCD_IO_LEN OMP_DISPLAY_LISTS_ENCODED_MAX

/** What one call of the service reads and where its events go. */
struct omp_lcd_env {
    const struct omp_cosem_src *src; /**< the dictionary's view (its clock stamps the events) */
    struct omp_display_z1 z1;        /**< the energy display format */
    struct omp_evq *events;          /**< button presses, list changes, damaged lists */
    uint64_t mono_ms;                /**< monotonic time of the call */
};

/** @brief The service's state; members are private. */
struct omp_lcd {
#if OMP_CONFIG_DISPLAY
    struct omp_display disp;         /**< the lists and where the display is in them */
#endif
    uint64_t button_down_ms[2];      /**< mono_ms each button went down (PB1, PB2) */
    struct omp_store *store;         /**< the settings store (shared; this service's key only) */
    uint8_t *io;                     /**< scratch of OMP_LCD_IO_LEN bytes */
    char id[OMP_DISPLAY_ID_LEN];
    char value[OMP_DISPLAY_VALUE_LEN];
    char unit[OMP_DISPLAY_UNIT_LEN];
    char text[OMP_DISPLAY_UNIT_LEN + 4u]; /**< text label, e.g. "P+M/ACC" */
    uint32_t symbols;
    uint64_t saves;                  /**< records written */
};

/**
 * @brief Start the power-up sequence with the factory lists, then take the lists the settings
 * store holds (lists this configuration refuses, or a damaged record: the factory lists and
 * OMP_EV_NVM_DAMAGED). The legal readings are the totals of the energy types of @p type_number's
 * X9. @return OMP_OK, OMP_ERR_ARG, or the HAL's error.
 */
OMP_MUST_CHECK omp_err omp_lcd_init(struct omp_lcd *l, const char *type_number,
                                    struct omp_store *store, uint8_t *io,
                                    const struct omp_lcd_env *env);

/**
 * @brief Time and buttons: @p button_edges bit 2b says button b (0 left, 1 PB2) went down, bit
 * 2b+1 that it came up; @p mains false shows the battery list.
 */
void omp_lcd_tick(struct omp_lcd *l, const struct omp_lcd_env *env, uint32_t button_edges,
                  bool mains);

/** @brief Compose the shown item and the symbols of @p in. @return true if anything changed. */
bool omp_lcd_compose(struct omp_lcd *l, const struct omp_lcd_env *env,
                     const struct omp_display_inputs *in);

/** @brief The frame composed last (pointers into @p l). */
void omp_lcd_frame(const struct omp_lcd *l, struct omp_display_frame *f);

/**
 * @brief Replace list @p which (omp_display_set_list's rules) and store the lists; an event says
 * so. @return omp_display_set_list's result, or the NVM's error (nothing changed),
 * OMP_ERR_UNSUPPORTED without the list engine.
 */
OMP_MUST_CHECK omp_err omp_lcd_set_list(struct omp_lcd *l, const struct omp_lcd_env *env,
                                        enum omp_display_list which,
                                        const struct omp_display_item *items, size_t n,
                                        size_t *bad);

#ifdef __cplusplus
}
#endif

#endif /* OMNIPOWER_LCD_H */

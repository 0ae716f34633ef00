/*
 * The meter's display: the list engine (lib/display) stepped by time and the push buttons, each
 * item's value read through the data dictionary and formatted by the display module, the lists
 * kept in NVM (KEY_DISPLAY of the register journal), the buttons' long presses passed on as
 * events for the services that own them (technical facts 9).
 */
#include <string.h>

#include "omnipower/cosem.h"
#include "omnipower/display.h"
#include "omnipower/mcfg.h"
#include "omnipower/meter.h"

#include "meter_priv.h"

#define KEY_DISPLAY 6u /* register journal key of the display lists */

void omp_meter_priv_event(struct omp_meter *m, uint16_t code, uint32_t arg, uint16_t flags)
{
    struct omp_event ev = {code, flags, arg, m->utc_keep_s};
    if (omp_evq_push(&m->events, &ev) != OMP_OK) {
        return; /* only OMP_EV_NONE is refused, which no caller pushes */
    }
}

const struct omp_evq *omp_meter_events(const struct omp_meter *m)
{
    return m == NULL ? NULL : &m->events;
}


#if OMP_CONFIG_DISPLAY

#define ITEM(a, b, c, d, e, f, view) {{a, b, c, d, e, f}, 2u, (uint8_t)(view)}
/* The factory automatic list: A+, A-, time, date, P+ (the data sheet sets it per order, Z5). */
static const struct omp_display_item k_auto[] = {
    ITEM(1, 1, 1, 8, 0, 255, OMP_DISPLAY_VIEW_VALUE), ITEM(1, 1, 2, 8, 0, 255, OMP_DISPLAY_VIEW_VALUE),
    ITEM(0, 1, 1, 0, 0, 255, OMP_DISPLAY_VIEW_TIME),  ITEM(0, 1, 1, 0, 0, 255, OMP_DISPLAY_VIEW_DATE),
    ITEM(1, 1, 1, 7, 0, 255, OMP_DISPLAY_VIEW_VALUE),
};

/* The mains is there: no power-fail warning, and the newest cycle (if any) has voltage. */
static bool mains_on(const struct omp_meter *m)
{
    return !m->power_fail && (m->cycles == 0u || m->last.urms_v > m->metro.cfg.supply_min_v);
}

omp_err omp_meter_priv_display_init(struct omp_meter *m, uint64_t mono_ms)
{
    /* legal readings: the totals of the energy types the type number's X9 gives (1 A+,
     * 2 A+/A-, 4 A+/A-/R+/R-; technical facts 0); cfg_valid decoded it already */
    struct omp_mcfg_typeno t;
    struct omp_mcfg_error why;
    struct omp_display_cfg dc = {OMP_DISPLAY_LEGAL(1u), true};
    if (omp_mcfg_typeno_decode(m->cfg.type_number, OMP_COSEM_TYPENO_LEN, &t, &why) == OMP_OK) {
        if (omp_mcfg_has_a_minus(&t)) {
            dc.legal |= OMP_DISPLAY_LEGAL(2u);
        }
        if (omp_mcfg_has_reactive(&t)) {
            dc.legal = (uint16_t)(dc.legal | OMP_DISPLAY_LEGAL(3u) | OMP_DISPLAY_LEGAL(4u));
        }
    }
    omp_err err = omp_display_init(&m->disp, &dc, mono_ms);
    if (err == OMP_OK) {
        err = omp_display_set_list(&m->disp, OMP_DISPLAY_LIST_AUTO, k_auto,
                                   OMP_ARRAY_LEN(k_auto), NULL);
    }
    size_t len = 0;
    if (err == OMP_OK) {
        err = omp_meter_priv_read_key(m, KEY_DISPLAY, 0, sizeof m->io, &len);
    }
    if (err == OMP_OK && len > 0u) {
        struct omp_rd rd = omp_rd_init(m->io, len);
        if (omp_display_lists_decode(&rd, &m->disp) != OMP_OK) {
            /* lists this configuration refuses (or damaged): the factory lists, and say so */
            omp_meter_priv_event(m, OMP_EV_NVM_DAMAGED, KEY_DISPLAY, 0u);
        }
    }
    return err;
}

omp_err omp_meter_display_set_list(struct omp_meter *m, enum omp_display_list which,
                                   const struct omp_display_item *items, size_t n, size_t *bad)
{
    if (m == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_display keep = m->disp;
    omp_err err = omp_display_set_list(&m->disp, which, items, n, bad);
    if (err != OMP_OK) {
        return err;
    }
    struct omp_wr w = omp_wr_init(m->io, sizeof m->io);
    err = omp_display_lists_encode(&m->disp, &w);
    if (err == OMP_OK) {
        err = omp_meter_priv_write_key(m, KEY_DISPLAY, omp_wr_len(&w));
    }
    if (err != OMP_OK) {
        m->disp = keep; /* not stored: not taken */
        return err;
    }
    omp_meter_priv_event(m, OMP_EV_CONFIG_CHANGED, 0u, 0u);
    return OMP_OK;
}

/* A long press asks for a service's function: an event for it (the breaker and the trip
 * counters are later issues' services). */
static void press(struct omp_meter *m, unsigned b, uint32_t held_ms, uint64_t mono_ms)
{
    enum omp_display_button button = b == 0u ? OMP_DISPLAY_BUTTON_LEFT : OMP_DISPLAY_BUTTON_PB2;
    enum omp_display_req req = omp_display_press(&m->disp, button, held_ms, mono_ms);
    if (b != 0u) {
        omp_meter_priv_event(m, OMP_EV_PB2, held_ms, 0u);
    } else if (req == OMP_DISPLAY_REQ_RADIO_DELAY) {
        omp_meter_priv_event(m, OMP_EV_PB1_LONG_5S, (uint32_t)req, 0u);
    } else if (req != OMP_DISPLAY_REQ_NONE) {
        omp_meter_priv_event(m, OMP_EV_PB1_LONG_6S, (uint32_t)req, 0u);
    } else if (held_ms < OMP_DISPLAY_LONG_PRESS_MS) {
        omp_meter_priv_event(m, OMP_EV_PB1_SHORT, held_ms, 0u);
    }
}

void omp_meter_priv_display_tick(struct omp_meter *m, const struct omp_now *now)
{
    const struct omp_hal *h = &m->hal;
    uint32_t state = h->ops->crit_enter(h->user);
    uint32_t edges = m->buttons; /* bit 2b: button b went down, bit 2b+1: it came up */
    m->buttons = 0;
    h->ops->crit_exit(h->user, state);
    for (unsigned b = 0; b < 2u; b++) {
        if ((edges & (1u << (2u * b))) != 0u) {
            m->button_down_ms[b] = now->mono_ms;
        }
        if ((edges & (2u << (2u * b))) != 0u) {
            uint64_t held = now->mono_ms - m->button_down_ms[b];
            press(m, b, held > UINT32_MAX ? UINT32_MAX : (uint32_t)held, now->mono_ms);
        }
    }
    omp_display_tick(&m->disp, now->mono_ms, mains_on(m));
}

/* The value of the shown item as text: value field, unit, text field. */
static void item_text(struct omp_meter *m, const struct omp_display_item *it, char *value,
                      const char **unit, char *text, size_t text_cap)
{
    const struct omp_cosem_obj *o = omp_cosem_find(it->obis);
    struct omp_cosem_src src;
    omp_meter_priv_src(m, &src);
    struct omp_value v = omp_value_null();
    struct omp_display_z1 z1 = omp_meter_priv_z1(m);
    if (o == NULL || omp_cosem_get(&src, o, it->attr, OMP_ASSOC_LOCAL, &v) != OMP_OK) {
        v = omp_value_null(); /* an item the dictionary lacks (display test, CALL): blank */
    }
    if (omp_display_format(it->obis, it->attr, &v, OMP_DISPLAY_LCD,
                           (enum omp_display_view)it->view, &z1, value, OMP_DISPLAY_TEXT_MAX,
                           unit) != OMP_OK) {
        value[0] = '\0'; /* a time outside the calendar: an empty field */
    }
    omp_display_text_field(it->obis, (enum omp_display_view)it->view, &v, text, text_cap);
}

bool omp_meter_priv_display_compose(struct omp_meter *m)
{
    char id[OMP_DISPLAY_ID_LEN] = {0};
    char value[OMP_DISPLAY_TEXT_MAX] = {0};
    char text[sizeof m->disp_text] = {0};
    const char *unit = "";
    struct omp_display_shown shown;
    if (omp_display_current(&m->disp, &shown) == OMP_OK && !shown.blank) {
        item_text(m, &shown.item, value, &unit, text, sizeof text);
        if (omp_cosem_cde_text(shown.item.obis, id, sizeof id) != OMP_OK) {
            id[0] = '\0'; /* cannot happen: id holds any C.D.E */
        }
    }
    const uint32_t tamper_bits = (1u << OMP_INPUT_COVER) | (1u << OMP_INPUT_TERMINAL) |
                                 (1u << OMP_INPUT_MAGNET);
    const struct omp_display_inputs in = {m->last.urms_v, m->last.irms_a, m->last.p_w,
                                          m->last.q_var, m->tariff_now,
                                          (m->inputs & tamper_bits) != 0u};
    uint32_t sym = omp_display_symbols(&in);
    bool changed = strcmp(id, m->disp_id) != 0 || strcmp(value, m->disp_value) != 0 ||
                   strcmp(unit, m->disp_unit) != 0 || strcmp(text, m->disp_text) != 0 ||
                   sym != m->disp_symbols;
    if (changed) {
        omp_meter_priv_copy_str(m->disp_id, sizeof m->disp_id, id);
        omp_meter_priv_copy_str(m->disp_value, sizeof m->disp_value, value);
        omp_meter_priv_copy_str(m->disp_unit, sizeof m->disp_unit, unit);
        omp_meter_priv_copy_str(m->disp_text, sizeof m->disp_text, text);
        m->disp_symbols = sym;
    }
    return changed;
}

#else /* OMP_CONFIG_DISPLAY */

/* Without the list engine the meter drives no LCD (a meter read only through its ports). */
omp_err omp_meter_priv_display_init(struct omp_meter *m, uint64_t mono_ms)
{
    (void)m;
    (void)mono_ms;
    return OMP_OK;
}

void omp_meter_priv_display_tick(struct omp_meter *m, const struct omp_now *now)
{
    m->buttons = 0; /* no lists to step: the presses are dropped */
    (void)now;
}

bool omp_meter_priv_display_compose(struct omp_meter *m)
{
    (void)m;
    return false;
}

omp_err omp_meter_display_set_list(struct omp_meter *m, enum omp_display_list which,
                                   const struct omp_display_item *items, size_t n, size_t *bad)
{
    (void)m;
    (void)which;
    (void)items;
    (void)n;
    (void)bad;
    return OMP_ERR_UNSUPPORTED;
}

#endif /* OMP_CONFIG_DISPLAY */

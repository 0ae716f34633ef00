/*
 * The display service (lcd.h): the list engine (lib/display) stepped by time and the push
 * buttons, each item's value read through the data dictionary and formatted by the display
 * module, the lists kept in the settings store, the buttons' long presses passed on as events for
 * the services that own them (technical facts 9).
 */
#include <string.h>

#include "omnipower/lcd.h"
#include "omnipower/mcfg.h"

void omp_lcd_frame(const struct omp_lcd *l, struct omp_display_frame *f)
{
    f->id = l->id;
    f->value = l->value;
    f->unit = l->unit;
    f->symbols = l->symbols;
    f->text = l->text;
}

#if OMP_CONFIG_DISPLAY


static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t k = 0;
    for (; k + 1u < cap && src[k] != '\0'; k++) {
        dst[k] = src[k];
    }
    dst[k] = '\0';
}

static void event(const struct omp_lcd_env *e, uint16_t code, uint32_t arg)
{
    struct omp_event ev = {code, 0u, arg, e->src->clock_known ? e->src->clock_utc_s : 0};
    if (omp_evq_push(e->events, &ev) != OMP_OK) {
        return; /* only OMP_EV_NONE is refused, which no caller pushes */
    }
}

/* The value of the shown item as text: value field, unit, text field. */
static void item_text(const struct omp_lcd_env *e, const struct omp_display_item *it, char *value,
                      const char **unit, char *text, size_t text_cap)
{
    const struct omp_cosem_obj *o = omp_cosem_find(it->obis);
    struct omp_value v = omp_value_null();
    if (o == NULL || omp_cosem_get(e->src, o, it->attr, OMP_ASSOC_LOCAL, &v) != OMP_OK) {
        v = omp_value_null(); /* an item the dictionary lacks (display test, CALL): blank */
    }
    if (omp_display_format(it->obis, it->attr, &v, OMP_DISPLAY_LCD,
                           (enum omp_display_view)it->view, &e->z1, value, OMP_DISPLAY_TEXT_MAX,
                           unit) != OMP_OK) {
        value[0] = '\0'; /* a time outside the calendar: an empty field */
    }
    omp_display_text_field(it->obis, (enum omp_display_view)it->view, &v, text, text_cap);
}

/* Take the composed fields; @return true if any differs from what was shown. */
static bool take(struct omp_lcd *l, const char *id, const char *value, const char *unit,
                 const char *text, uint32_t sym)
{
    bool changed = strcmp(id, l->id) != 0 || strcmp(value, l->value) != 0 ||
                   strcmp(unit, l->unit) != 0 || strcmp(text, l->text) != 0 ||
                   sym != l->symbols;
    if (changed) {
        copy_str(l->id, sizeof l->id, id);
        copy_str(l->value, sizeof l->value, value);
        copy_str(l->unit, sizeof l->unit, unit);
        copy_str(l->text, sizeof l->text, text);
        l->symbols = sym;
    }
    return changed;
}

#define ITEM(a, b, c, d, e, f, view) {{a, b, c, d, e, f}, 2u, (uint8_t)(view)}
/* The factory automatic list: A+, A-, time, date, P+ (the data sheet sets it per order, Z5). */
static const struct omp_display_item k_auto[] = {
    ITEM(1, 1, 1, 8, 0, 255, OMP_DISPLAY_VIEW_VALUE), ITEM(1, 1, 2, 8, 0, 255, OMP_DISPLAY_VIEW_VALUE),
    ITEM(0, 1, 1, 0, 0, 255, OMP_DISPLAY_VIEW_TIME),  ITEM(0, 1, 1, 0, 0, 255, OMP_DISPLAY_VIEW_DATE),
    ITEM(1, 1, 1, 7, 0, 255, OMP_DISPLAY_VIEW_VALUE),
};

/* Legal readings: the totals of the energy types the type number's X9 gives (1 A+, 2 A+/A-,
 * 4 A+/A-/R+/R-; technical facts 0). */
static uint16_t legal_of(const char *type_number)
{
    struct omp_mcfg_typeno t;
    struct omp_mcfg_error why;
    uint16_t legal = OMP_DISPLAY_LEGAL(1u);
    if (omp_mcfg_typeno_decode(type_number, OMP_COSEM_TYPENO_LEN, &t, &why) == OMP_OK) {
        if (omp_mcfg_has_a_minus(&t)) {
            legal |= OMP_DISPLAY_LEGAL(2u);
        }
        if (omp_mcfg_has_reactive(&t)) {
            legal = (uint16_t)(legal | OMP_DISPLAY_LEGAL(3u) | OMP_DISPLAY_LEGAL(4u));
        }
    }
    return legal;
}

omp_err omp_lcd_init(struct omp_lcd *l, const char *type_number, struct omp_store *store,
                     uint8_t *io, const struct omp_lcd_env *env)
{
    if (l == NULL || type_number == NULL || store == NULL || io == NULL || env == NULL) {
        return OMP_ERR_ARG;
    }
    memset(l, 0, sizeof *l);
    l->store = store;
    l->io = io;
    struct omp_display_cfg dc = {legal_of(type_number), true};
    omp_err err = omp_display_init(&l->disp, &dc, env->mono_ms);
    if (err == OMP_OK) {
        err = omp_display_set_list(&l->disp, OMP_DISPLAY_LIST_AUTO, k_auto,
                                   OMP_ARRAY_LEN(k_auto), NULL);
    }
    size_t len = 0;
    if (err == OMP_OK) {
        err = omp_store_read_opt(store, OMP_LCD_KEY_LISTS, io, OMP_LCD_IO_LEN, &len);
    }
    if (err == OMP_OK && len > 0u) {
        struct omp_rd rd = omp_rd_init(io, len);
        if (omp_display_lists_decode(&rd, &l->disp) != OMP_OK) {
            /* lists this configuration refuses (or damaged): the factory lists, and say so */
            event(env, OMP_EV_NVM_DAMAGED, OMP_LCD_KEY_LISTS);
        }
    }
    return err;
}

omp_err omp_lcd_set_list(struct omp_lcd *l, const struct omp_lcd_env *env,
                         enum omp_display_list which, const struct omp_display_item *items,
                         size_t n, size_t *bad)
{
    struct omp_display keep = l->disp;
    omp_err err = omp_display_set_list(&l->disp, which, items, n, bad);
    if (err != OMP_OK) {
        return err;
    }
    struct omp_wr w = omp_wr_init(l->io, OMP_LCD_IO_LEN);
    err = omp_display_lists_encode(&l->disp, &w);
    if (err == OMP_OK) {
        err = omp_store_refresh(l->store);
    }
    if (err == OMP_OK) {
        err = omp_store_write(l->store, OMP_LCD_KEY_LISTS, l->io, omp_wr_len(&w));
    }
    if (err != OMP_OK) {
        l->disp = keep; /* not stored: not taken */
        return err;
    }
    l->saves++;
    event(env, OMP_EV_CONFIG_CHANGED, 0u);
    return OMP_OK;
}

/* A long press asks for a service's function: an event for it (the breaker and the trip
 * counters are later issues' services). */
static void press(struct omp_lcd *l, const struct omp_lcd_env *e, unsigned b, uint32_t held_ms)
{
    enum omp_display_button button = b == 0u ? OMP_DISPLAY_BUTTON_LEFT : OMP_DISPLAY_BUTTON_PB2;
    enum omp_display_req req = omp_display_press(&l->disp, button, held_ms, e->mono_ms);
    if (b != 0u) {
        event(e, OMP_EV_PB2, held_ms);
    } else if (req == OMP_DISPLAY_REQ_RADIO_DELAY) {
        event(e, OMP_EV_PB1_LONG_5S, (uint32_t)req);
    } else if (req != OMP_DISPLAY_REQ_NONE) {
        event(e, OMP_EV_PB1_LONG_6S, (uint32_t)req);
    } else if (held_ms < OMP_DISPLAY_LONG_PRESS_MS) {
        event(e, OMP_EV_PB1_SHORT, held_ms);
    }
}

void omp_lcd_tick(struct omp_lcd *l, const struct omp_lcd_env *env, uint32_t button_edges,
                  bool mains)
{
    for (unsigned b = 0; b < 2u; b++) {
        if ((button_edges & (1u << (2u * b))) != 0u) {
            l->button_down_ms[b] = env->mono_ms;
        }
        if ((button_edges & (2u << (2u * b))) != 0u) {
            uint64_t held = env->mono_ms - l->button_down_ms[b];
            press(l, env, b, held > UINT32_MAX ? UINT32_MAX : (uint32_t)held);
        }
    }
    omp_display_tick(&l->disp, env->mono_ms, mains);
}

bool omp_lcd_compose(struct omp_lcd *l, const struct omp_lcd_env *env,
                     const struct omp_display_inputs *in)
{
    char id[OMP_DISPLAY_ID_LEN] = {0};
    char value[OMP_DISPLAY_TEXT_MAX] = {0};
    char text[sizeof l->text] = {0};
    const char *unit = "";
    struct omp_display_shown shown;
    if (omp_display_current(&l->disp, &shown) == OMP_OK && !shown.blank) {
        item_text(env, &shown.item, value, &unit, text, sizeof text);
        if (omp_cosem_cde_text(shown.item.obis, id, sizeof id) != OMP_OK) {
            id[0] = '\0'; /* cannot happen: id holds any C.D.E */
        }
    }
    return take(l, id, value, unit, text, omp_display_symbols(in));
}

#else /* OMP_CONFIG_DISPLAY */

/* Without the list engine the meter drives no LCD (a meter read only through its ports). */
omp_err omp_lcd_init(struct omp_lcd *l, const char *type_number, struct omp_store *store,
                     uint8_t *io, const struct omp_lcd_env *env)
{
    (void)type_number;
    (void)env;
    if (l == NULL || store == NULL || io == NULL) {
        return OMP_ERR_ARG;
    }
    memset(l, 0, sizeof *l);
    l->store = store;
    l->io = io;
    return OMP_OK;
}

void omp_lcd_tick(struct omp_lcd *l, const struct omp_lcd_env *env, uint32_t button_edges,
                  bool mains)
{
    (void)l; /* no lists to step: the presses are dropped */
    (void)env;
    (void)button_edges;
    (void)mains;
}

bool omp_lcd_compose(struct omp_lcd *l, const struct omp_lcd_env *env,
                     const struct omp_display_inputs *in)
{
    (void)l;
    (void)env;
    (void)in;
    return false; /* the frame stays empty */
}

omp_err omp_lcd_set_list(struct omp_lcd *l, const struct omp_lcd_env *env,
                         enum omp_display_list which, const struct omp_display_item *items,
                         size_t n, size_t *bad)
{
    (void)l;
    (void)env;
    (void)which;
    (void)items;
    (void)n;
    (void)bad;
    return OMP_ERR_UNSUPPORTED;
}

#endif /* OMP_CONFIG_DISPLAY */

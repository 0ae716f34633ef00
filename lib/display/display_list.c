/*
 * The display list engine (technical facts 9.1, 9.4, 9.6): four lists of OBIS code + attribute +
 * view items, their rules, the power-up sequence, stepping on time and buttons, and the lists' NVM
 * encoding. Time is an input (monotonic ms); nothing here reads a clock or a value.
 */
#include "omnipower/config.h"

#if OMP_CONFIG_DISPLAY /* the whole file: module switch, config.h */

#include <string.h>

#include "omnipower/display.h"

#define SCROLL_MS   ((uint64_t)OMP_CONFIG_DISPLAY_SCROLL_S * 1000u)
#define POWER_UP_MS (3u * (uint64_t)OMP_DISPLAY_POWER_UP_STEP_MS)
#define ITEM_BYTES  8u /* obis[6], attr, view */
#define ATTR_VALUE  2u

static const uint8_t obis_test[6] = OMP_DISPLAY_OBIS_TEST;
static const uint8_t obis_call[6] = OMP_DISPLAY_OBIS_CALL;
static const uint8_t obis_disconnect[6] = OMP_DISPLAY_OBIS_DISCONNECT;
static const uint8_t obis_csum[6] = OMP_DISPLAY_OBIS_ROM_CHECKSUM;
static const uint8_t obis_software[6] = OMP_DISPLAY_OBIS_SOFTWARE;

/* ---- lists and their rules ---------------------------------------------------------------- */

size_t omp_display_list_max(enum omp_display_list which)
{
    switch (which) {
    case OMP_DISPLAY_LIST_AUTO:
        return OMP_CONFIG_DISPLAY_AUTO_MAX;
    case OMP_DISPLAY_LIST_MANUAL:
        return OMP_CONFIG_DISPLAY_MANUAL_MAX;
    case OMP_DISPLAY_LIST_UTILITY:
        return OMP_CONFIG_DISPLAY_UTILITY_MAX;
    case OMP_DISPLAY_LIST_BATTERY:
        return OMP_CONFIG_DISPLAY_BATTERY_MAX;
    default:
        return 0;
    }
}

/* The storage of list @p which (valid: < OMP_DISPLAY_LIST_COUNT). */
static struct omp_display_item *items_of(struct omp_display *d, unsigned which)
{
    switch (which) {
    case OMP_DISPLAY_LIST_AUTO:
        return d->auto_items;
    case OMP_DISPLAY_LIST_MANUAL:
        return d->manual_items;
    case OMP_DISPLAY_LIST_UTILITY:
        return d->utility_items;
    default:
        return d->battery_items;
    }
}

static const struct omp_display_item *citems_of(const struct omp_display *d, unsigned which)
{
    switch (which) {
    case OMP_DISPLAY_LIST_AUTO:
        return d->auto_items;
    case OMP_DISPLAY_LIST_MANUAL:
        return d->manual_items;
    case OMP_DISPLAY_LIST_UTILITY:
        return d->utility_items;
    default:
        return d->battery_items;
    }
}

static bool obis_is(const uint8_t obis[6], const uint8_t want[6])
{
    return memcmp(obis, want, 6) == 0;
}

/* Identification C.D.E, whatever A, B and F. */
static bool cde_is(const uint8_t obis[6], uint8_t c, uint8_t d, uint8_t e)
{
    return obis[2] == c && obis[3] == d && obis[4] == e;
}

/* An electricity object of channel 1 (1.1.C.D.E.255), as Kamstrup numbers its registers. */
static bool kamstrup(const uint8_t obis[6])
{
    return obis[0] == 1u && obis[1] == 1u && obis[5] == 255u;
}

/* The legal-reading bit of a total energy 1.1.C.8.0.255 attr 2 (C = 1..16), else 0. */
static uint16_t legal_bit(const struct omp_display_item *it)
{
    const uint8_t *o = it->obis;
    if (it->attr != ATTR_VALUE || !kamstrup(o) || o[3] != 8u || o[4] != 0u || o[2] < 1u ||
        o[2] > 16u) {
        return 0;
    }
    return OMP_DISPLAY_LEGAL(o[2]);
}

/* The legal readings the manual list must hold: the configured ones and always A+. */
static uint16_t legal_need(const struct omp_display_cfg *cfg)
{
    return (uint16_t)(cfg->legal | OMP_DISPLAY_LEGAL(1u));
}

/* Technical facts 9.1: total energies 1.8.0-10.8.0 and 16.8.0, display test, meter numbers 1-3,
 * serial number, special data 1; the value attribute only. */
static bool battery_allowed(const struct omp_display_item *it)
{
    const uint8_t *o = it->obis;
    if (it->attr != ATTR_VALUE) {
        return false;
    }
    if (obis_is(o, obis_test)) {
        return true;
    }
    if (!kamstrup(o)) {
        return false;
    }
    const uint8_t c = o[2];
    return (o[3] == 8u && o[4] == 0u && ((c >= 1u && c <= 10u) || c == 16u)) ||
           (c == 0u && o[3] == 0u && o[4] >= 1u && o[4] <= 3u) || cde_is(o, 96u, 1u, 0u) ||
           cde_is(o, 0u, 130u, 1u);
}

/* One item of list @p which: well formed and allowed there. */
static omp_err check_item(unsigned which, const struct omp_display_item *it)
{
    if (it->attr == 0u || it->view > (uint8_t)OMP_DISPLAY_VIEW_TIME) {
        return OMP_ERR_RANGE;
    }
    if (which == OMP_DISPLAY_LIST_AUTO &&
        (cde_is(it->obis, 98u, 1u, 0u) || cde_is(it->obis, 99u, 1u, 0u) ||
         obis_is(it->obis, obis_call) || obis_is(it->obis, obis_disconnect))) {
        return OMP_ERR_DENIED;
    }
    if (which == OMP_DISPLAY_LIST_BATTERY && !battery_allowed(it)) {
        return OMP_ERR_DENIED;
    }
    return OMP_OK;
}

/* The whole of list @p which; on error *bad is the offending index (n: a legal reading missing). */
static omp_err check_list(const struct omp_display *d, unsigned which,
                          const struct omp_display_item *items, size_t n, size_t *bad)
{
    const size_t max = omp_display_list_max((enum omp_display_list)which);
    if (n > max) {
        *bad = max;
        return OMP_ERR_RANGE;
    }
    uint16_t seen = 0;
    for (size_t i = 0; i < n; i++) {
        omp_err err = check_item(which, &items[i]);
        if (err != OMP_OK) {
            *bad = i;
            return err;
        }
        seen = (uint16_t)(seen | legal_bit(&items[i]));
    }
    if (which == OMP_DISPLAY_LIST_MANUAL && (legal_need(&d->cfg) & ~seen) != 0u) {
        *bad = n;
        return OMP_ERR_DENIED;
    }
    return OMP_OK;
}

/* ---- state -------------------------------------------------------------------------------- */

/* The list a mode shows (modes AUTO..BATTERY are lists 0..3 in order). */
static unsigned list_of(uint8_t mode)
{
    return (unsigned)mode - (unsigned)OMP_DISPLAY_MODE_AUTO;
}

static void show(struct omp_display *d, enum omp_display_mode mode, uint8_t index)
{
    if (d->mode != (uint8_t)mode || d->index != index) {
        d->changed = true;
    }
    d->mode = (uint8_t)mode;
    d->index = index;
}

/* The automatic list from its first item, entered at @p at_ms. */
static void enter_auto(struct omp_display *d, uint64_t at_ms)
{
    show(d, OMP_DISPLAY_MODE_AUTO, 0);
    d->mark_ms = at_ms + SCROLL_MS;
}

/* A list that was replaced starts again at its first item if it is on the display. */
static void restart_if_shown(struct omp_display *d, unsigned which)
{
    if (d->mode != (uint8_t)OMP_DISPLAY_MODE_POWER_UP && list_of(d->mode) == which) {
        d->index = 0;
        d->changed = true;
    }
}

static uint64_t since(uint64_t from_ms, uint64_t now_ms)
{
    return now_ms > from_ms ? now_ms - from_ms : 0u;
}

/* Everything time does, with the mains on: power-up steps, timeouts, automatic steps. */
static void advance(struct omp_display *d, uint64_t now_ms)
{
    if (d->mode == (uint8_t)OMP_DISPLAY_MODE_POWER_UP) {
        const uint64_t t = since(d->start_ms, now_ms);
        if (t < POWER_UP_MS) {
            show(d, OMP_DISPLAY_MODE_POWER_UP, (uint8_t)(t / OMP_DISPLAY_POWER_UP_STEP_MS));
            return;
        }
        enter_auto(d, d->start_ms + POWER_UP_MS);
    }
    if ((d->mode == (uint8_t)OMP_DISPLAY_MODE_MANUAL ||
         d->mode == (uint8_t)OMP_DISPLAY_MODE_UTILITY) &&
        since(d->mark_ms, now_ms) >= OMP_DISPLAY_MANUAL_TIMEOUT_MS) {
        enter_auto(d, d->mark_ms + OMP_DISPLAY_MANUAL_TIMEOUT_MS);
    }
    if (d->mode == (uint8_t)OMP_DISPLAY_MODE_AUTO && now_ms >= d->mark_ms) {
        const uint64_t steps = (now_ms - d->mark_ms) / SCROLL_MS + 1u;
        const uint8_t n = d->n[OMP_DISPLAY_LIST_AUTO];
        d->mark_ms += steps * SCROLL_MS;
        if (n > 1u) {
            show(d, OMP_DISPLAY_MODE_AUTO, (uint8_t)((d->index + steps) % n));
        }
    }
}

omp_err omp_display_init(struct omp_display *d, const struct omp_display_cfg *cfg, uint64_t mono_ms)
{
    if (d == NULL || cfg == NULL) {
        return OMP_ERR_ARG;
    }
    const uint16_t need = legal_need(cfg);
    unsigned count = 0;
    for (unsigned c = 1; c <= 16u; c++) {
        count += (need & OMP_DISPLAY_LEGAL(c)) != 0u ? 1u : 0u;
    }
    if (count > OMP_CONFIG_DISPLAY_MANUAL_MAX) {
        return OMP_ERR_RANGE;
    }
    memset(d, 0, sizeof *d);
    d->cfg = *cfg;
    for (unsigned c = 1; c <= 16u; c++) {
        if ((need & OMP_DISPLAY_LEGAL(c)) == 0u) {
            continue;
        }
        const struct omp_display_item it = {
            {1u, 1u, (uint8_t)c, 8u, 0u, 255u}, ATTR_VALUE, (uint8_t)OMP_DISPLAY_VIEW_VALUE};
        d->manual_items[d->n[OMP_DISPLAY_LIST_MANUAL]++] = it;
        if (d->n[OMP_DISPLAY_LIST_AUTO] < OMP_CONFIG_DISPLAY_AUTO_MAX) {
            d->auto_items[d->n[OMP_DISPLAY_LIST_AUTO]++] = it;
        }
    }
    d->start_ms = mono_ms;
    d->mode = (uint8_t)OMP_DISPLAY_MODE_POWER_UP;
    d->mains = true;
    d->changed = true;
    return OMP_OK;
}

omp_err omp_display_set_list(struct omp_display *d, enum omp_display_list which,
                             const struct omp_display_item *items, size_t n, size_t *bad)
{
    const unsigned w = (unsigned)which;
    if (d == NULL || w >= (unsigned)OMP_DISPLAY_LIST_COUNT || (items == NULL && n > 0u)) {
        return OMP_ERR_ARG;
    }
    size_t where = 0;
    omp_err err = check_list(d, w, items, n, &where);
    if (err != OMP_OK) {
        if (bad != NULL) {
            *bad = where;
        }
        return err;
    }
    if (n > 0u) {
        memcpy(items_of(d, w), items, n * sizeof *items);
    }
    d->n[w] = (uint8_t)n;
    restart_if_shown(d, w);
    return OMP_OK;
}

omp_err omp_display_get_list(const struct omp_display *d, enum omp_display_list which,
                             const struct omp_display_item **items, size_t *n)
{
    const unsigned w = (unsigned)which;
    if (d == NULL || items == NULL || n == NULL || w >= (unsigned)OMP_DISPLAY_LIST_COUNT) {
        return OMP_ERR_ARG;
    }
    *items = citems_of(d, w);
    *n = d->n[w];
    return OMP_OK;
}

void omp_display_tick(struct omp_display *d, uint64_t mono_ms, bool mains)
{
    if (d == NULL) {
        return;
    }
    d->mains = mains;
    if (!mains) {
        if (d->mode != (uint8_t)OMP_DISPLAY_MODE_BATTERY) {
            show(d, OMP_DISPLAY_MODE_BATTERY, 0);
        }
        return;
    }
    if (d->mode == (uint8_t)OMP_DISPLAY_MODE_BATTERY) {
        enter_auto(d, mono_ms);
    }
    advance(d, mono_ms);
}

/* ---- buttons ------------------------------------------------------------------------------ */

/* Enter list @p mode at its first item, or step it if it is shown; a press restarts the timeout. */
static void step_list(struct omp_display *d, enum omp_display_mode mode, uint64_t now_ms)
{
    const uint8_t n = d->n[list_of((uint8_t)mode)];
    uint8_t next = 0;
    if (d->mode == (uint8_t)mode && n > 0u) {
        next = (uint8_t)((d->index + 1u) % n);
    }
    show(d, mode, next);
    d->mark_ms = now_ms;
}

/* A trip counter C.128.0 (technical facts 5: A14, A23, R12, R34, E14, E23). */
static bool trip_counter(const uint8_t obis[6])
{
    const uint8_t c = obis[2];
    return kamstrup(obis) && obis[3] == 128u && obis[4] == 0u &&
           (c == 1u || c == 2u || c == 3u || c == 4u || c == 9u || c == 10u);
}

/* A left press held >= OMP_DISPLAY_LONG_PRESS_MS, with the mains on: what it asks for. */
static enum omp_display_req long_press(struct omp_display *d, uint32_t held_ms, uint64_t now_ms)
{
    const uint64_t begun_ms = now_ms > held_ms ? now_ms - held_ms : 0u;
    if (begun_ms < d->start_ms + POWER_UP_MS) {
        return OMP_DISPLAY_REQ_RADIO_DELAY;
    }
    struct omp_display_shown s;
    if (held_ms < OMP_DISPLAY_ACTION_PRESS_MS || omp_display_current(d, &s) != OMP_OK || s.blank) {
        return OMP_DISPLAY_REQ_NONE;
    }
    if (obis_is(s.item.obis, obis_disconnect)) {
        return OMP_DISPLAY_REQ_BREAKER_TOGGLE;
    }
    if (trip_counter(s.item.obis)) {
        return OMP_DISPLAY_REQ_TRIP_RESET;
    }
    if (s.mode == (uint8_t)OMP_DISPLAY_MODE_MANUAL && s.index == 0u) {
        return OMP_DISPLAY_REQ_BREAKER_CLOSE;
    }
    return OMP_DISPLAY_REQ_NONE;
}

enum omp_display_req omp_display_press(struct omp_display *d, enum omp_display_button b,
                                       uint32_t held_ms, uint64_t mono_ms)
{
    if (d == NULL || (b != OMP_DISPLAY_BUTTON_LEFT && b != OMP_DISPLAY_BUTTON_PB2)) {
        return OMP_DISPLAY_REQ_NONE;
    }
    if (d->mode == (uint8_t)OMP_DISPLAY_MODE_BATTERY) {
        const uint8_t n = d->n[OMP_DISPLAY_LIST_BATTERY];
        if (b == OMP_DISPLAY_BUTTON_LEFT && held_ms < OMP_DISPLAY_LONG_PRESS_MS && n > 0u) {
            show(d, OMP_DISPLAY_MODE_BATTERY, (uint8_t)((d->index + 1u) % n));
        }
        return OMP_DISPLAY_REQ_NONE; /* nothing is requested without mains */
    }
    advance(d, mono_ms);
    if (d->mode == (uint8_t)OMP_DISPLAY_MODE_MANUAL ||
        d->mode == (uint8_t)OMP_DISPLAY_MODE_UTILITY) {
        d->mark_ms = mono_ms; /* every press restarts the 2 min timeout */
    }
    if (held_ms >= OMP_DISPLAY_LONG_PRESS_MS) {
        return b == OMP_DISPLAY_BUTTON_LEFT ? long_press(d, held_ms, mono_ms)
                                            : OMP_DISPLAY_REQ_NONE;
    }
    if (d->mode == (uint8_t)OMP_DISPLAY_MODE_POWER_UP) {
        return OMP_DISPLAY_REQ_NONE;
    }
    if (b == OMP_DISPLAY_BUTTON_LEFT) {
        step_list(d, OMP_DISPLAY_MODE_MANUAL, mono_ms);
    } else if (d->cfg.pb2_utility && d->n[OMP_DISPLAY_LIST_UTILITY] > 0u) {
        step_list(d, OMP_DISPLAY_MODE_UTILITY, mono_ms);
    }
    return OMP_DISPLAY_REQ_NONE;
}

/* ---- what is shown ------------------------------------------------------------------------ */

omp_err omp_display_current(const struct omp_display *d, struct omp_display_shown *out)
{
    if (d == NULL || out == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_display_shown s;
    memset(&s, 0, sizeof s);
    s.mode = d->mode;
    s.index = d->index;
    if (d->mode == (uint8_t)OMP_DISPLAY_MODE_POWER_UP) {
        memcpy(s.item.obis, d->index == 0u ? obis_csum : obis_software, 6);
        s.item.attr = ATTR_VALUE;
        s.item.view = (uint8_t)OMP_DISPLAY_VIEW_VALUE;
    } else if (d->index < d->n[list_of(d->mode)]) {
        s.item = citems_of(d, list_of(d->mode))[d->index];
    } else {
        s.blank = true;
    }
    *out = s;
    return OMP_OK;
}

bool omp_display_changed(struct omp_display *d)
{
    if (d == NULL) {
        return false;
    }
    const bool was = d->changed;
    d->changed = false;
    return was;
}

/* ---- NVM encoding ------------------------------------------------------------------------- */

omp_err omp_display_lists_encode(const struct omp_display *d, struct omp_wr *w)
{
    if (d == NULL || w == NULL) {
        return OMP_ERR_ARG;
    }
    omp_err err = omp_wr_status(w); /* an earlier put failed: keep the caller's sticky error */
    if (err != OMP_OK) {
        return err;
    }
    size_t need = 2u + (size_t)OMP_DISPLAY_LIST_COUNT;
    for (unsigned l = 0; l < (unsigned)OMP_DISPLAY_LIST_COUNT; l++) {
        need += ITEM_BYTES * d->n[l];
    }
    if (omp_wr_room(w) < need) {
        return OMP_ERR_NOSPACE; /* checked first: not even a prefix lands in the buffer */
    }
    (void)omp_wr_u8(w, OMP_DISPLAY_LISTS_FORMAT);
    (void)omp_wr_u8(w, OMP_DISPLAY_LISTS_VERSION);
    for (unsigned l = 0; l < (unsigned)OMP_DISPLAY_LIST_COUNT; l++) {
        const struct omp_display_item *items = citems_of(d, l);
        (void)omp_wr_u8(w, d->n[l]);
        for (unsigned i = 0; i < d->n[l]; i++) {
            (void)omp_wr_bytes(w, items[i].obis, 6);
            (void)omp_wr_u8(w, items[i].attr);
            (void)omp_wr_u8(w, items[i].view);
        }
    }
    return OMP_OK;
}

static omp_err read_item(struct omp_rd *rd, struct omp_display_item *it)
{
    uint8_t b[ITEM_BYTES];
    omp_err err = omp_rd_copy(rd, b, sizeof b);
    if (err == OMP_OK) {
        memcpy(it->obis, b, 6);
        it->attr = b[6];
        it->view = b[7];
    }
    return err;
}

/* Read and check one list (count and items) without storing it. */
static omp_err check_encoded(const struct omp_display *d, struct omp_rd *rd, unsigned which)
{
    uint8_t n = 0;
    omp_err err = omp_rd_u8(rd, &n);
    if (err != OMP_OK) {
        return err;
    }
    if (n > omp_display_list_max((enum omp_display_list)which)) {
        return OMP_ERR_RANGE;
    }
    uint16_t seen = 0;
    for (unsigned i = 0; i < n; i++) {
        struct omp_display_item it;
        err = read_item(rd, &it);
        if (err == OMP_OK) {
            err = check_item(which, &it);
        }
        if (err != OMP_OK) {
            return err;
        }
        seen = (uint16_t)(seen | legal_bit(&it));
    }
    if (which == OMP_DISPLAY_LIST_MANUAL && (legal_need(&d->cfg) & ~seen) != 0u) {
        return OMP_ERR_DENIED;
    }
    return OMP_OK;
}

omp_err omp_display_lists_decode(struct omp_rd *rd, struct omp_display *d)
{
    if (rd == NULL || d == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_rd r = *rd; /* pass 1 checks everything; the caller's cursor moves on success */
    uint8_t h[2];
    omp_err err = omp_rd_copy(&r, h, sizeof h);
    if (err != OMP_OK) {
        return err;
    }
    if (h[0] != OMP_DISPLAY_LISTS_FORMAT || h[1] != OMP_DISPLAY_LISTS_VERSION) {
        return OMP_ERR_MALFORMED;
    }
    for (unsigned l = 0; l < (unsigned)OMP_DISPLAY_LIST_COUNT && err == OMP_OK; l++) {
        err = check_encoded(d, &r, l);
    }
    if (err != OMP_OK) {
        return err;
    }
    struct omp_rd again = *rd; /* pass 2 stores what pass 1 accepted: no read can fail */
    err = omp_rd_skip(&again, sizeof h);
    for (unsigned l = 0; l < (unsigned)OMP_DISPLAY_LIST_COUNT && err == OMP_OK; l++) {
        struct omp_display_item *items = items_of(d, l);
        err = omp_rd_u8(&again, &d->n[l]);
        for (unsigned i = 0; i < d->n[l] && err == OMP_OK; i++) {
            err = read_item(&again, &items[i]);
        }
        restart_if_shown(d, l);
    }
    if (err != OMP_OK) {
        return OMP_ERR_INTERNAL;
    }
    *rd = r;
    return OMP_OK;
}

#else
typedef int omp_display_list_unused; /* ISO C forbids an empty translation unit */
#endif /* OMP_CONFIG_DISPLAY */

/*
 * The display lists' NVM decoder (bytes from NVM: untrusted), followed by a run of the list engine
 * on what it accepted. The display is configured as an import/export meter (legal readings A+ and
 * A-). Checks:
 * - a rejected input fails only with the documented codes and leaves the display and the reader
 *   untouched;
 * - an accepted one re-encodes to exactly the bytes consumed, decodes again to the same display,
 *   and every list passes omp_display_set_list (one set of rules for both ways in);
 * - the bytes after the lists drive ticks, presses and mains changes: the shown item is always
 *   the power-up item or the mode's list item at its index, the battery list is shown exactly
 *   while the mains is off, and requests come only from long left presses with the mains on.
 */
#include <string.h>

#include "fuzz.h"
#include "omnipower/display.h"

#define T0 1000000u

static const struct omp_display_cfg cfg = {.legal = OMP_DISPLAY_LEGAL(1) | OMP_DISPLAY_LEGAL(2),
                                           .pb2_utility = true};

static void check_shown(const struct omp_display *d, bool mains)
{
    struct omp_display_shown s;
    OMP_FUZZ_CHECK(omp_display_current(d, &s) == OMP_OK);
    OMP_FUZZ_CHECK((s.mode == OMP_DISPLAY_MODE_BATTERY) == !mains);
    if (s.mode == OMP_DISPLAY_MODE_POWER_UP) {
        OMP_FUZZ_CHECK(s.index <= 2u && !s.blank);
        return;
    }
    OMP_FUZZ_CHECK(s.mode <= OMP_DISPLAY_MODE_BATTERY);
    const struct omp_display_item *items = NULL;
    size_t n = 0;
    OMP_FUZZ_CHECK(omp_display_get_list(d, (enum omp_display_list)(s.mode - 1u), &items, &n) ==
                   OMP_OK);
    OMP_FUZZ_CHECK(s.blank == (n == 0u));
    if (!s.blank) {
        OMP_FUZZ_CHECK(s.index < n && memcmp(&s.item, &items[s.index], sizeof s.item) == 0);
    }
}

/* Each byte is one step: bits 0-1 the kind, bits 2-7 its size. */
static void run(struct omp_display *d, const uint8_t *ops, size_t n)
{
    uint64_t now = T0;
    bool mains = true;
    for (size_t i = 0; i < n && i < 256u; i++) {
        const uint32_t arg = ops[i] >> 2;
        enum omp_display_req req = OMP_DISPLAY_REQ_NONE;
        switch (ops[i] & 3u) {
        case 0: /* time passes: 0.5 s .. 5 min in uneven steps */
            now += 500u + (uint64_t)arg * arg * 75u;
            omp_display_tick(d, now, mains);
            break;
        case 1: /* left press, 0..15.75 s */
        case 2: /* PB2 press */
            now += (uint64_t)arg * 250u;
            req = omp_display_press(
                d, (ops[i] & 3u) == 1u ? OMP_DISPLAY_BUTTON_LEFT : OMP_DISPLAY_BUTTON_PB2,
                arg * 250u, now);
            OMP_FUZZ_CHECK(req <= OMP_DISPLAY_REQ_RADIO_DELAY);
            OMP_FUZZ_CHECK(req == OMP_DISPLAY_REQ_NONE ||
                           ((ops[i] & 3u) == 1u && mains && arg * 250u >= 5000u));
            break;
        default:
            mains = !mains;
            omp_display_tick(d, now, mains);
            break;
        }
        check_shown(d, mains);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct omp_display d, before, again, other;
    OMP_FUZZ_CHECK(omp_display_init(&d, &cfg, T0) == OMP_OK);
    memcpy(&before, &d, sizeof d);
    struct omp_rd rd = omp_rd_init(data, size);
    omp_err err = omp_display_lists_decode(&rd, &d);
    if (err != OMP_OK) {
        OMP_FUZZ_CHECK(err == OMP_ERR_TRUNCATED || err == OMP_ERR_MALFORMED ||
                       err == OMP_ERR_RANGE || err == OMP_ERR_DENIED);
        OMP_FUZZ_CHECK(memcmp(&d, &before, sizeof d) == 0);
        OMP_FUZZ_CHECK(omp_rd_pos(&rd) == 0u);
        return 0;
    }
    const size_t used = omp_rd_pos(&rd);
    OMP_FUZZ_CHECK(used <= size && used <= OMP_DISPLAY_LISTS_ENCODED_MAX);

    static uint8_t out[OMP_DISPLAY_LISTS_ENCODED_MAX];
    struct omp_wr w = omp_wr_init(out, sizeof out);
    OMP_FUZZ_CHECK(omp_display_lists_encode(&d, &w) == OMP_OK);
    OMP_FUZZ_CHECK(omp_wr_len(&w) == used && memcmp(out, data, used) == 0);
    OMP_FUZZ_CHECK(omp_display_init(&again, &cfg, T0) == OMP_OK);
    struct omp_rd rd2 = omp_rd_init(out, used);
    OMP_FUZZ_CHECK(omp_display_lists_decode(&rd2, &again) == OMP_OK && omp_rd_pos(&rd2) == used);
    OMP_FUZZ_CHECK(memcmp(&again, &d, sizeof d) == 0);

    OMP_FUZZ_CHECK(omp_display_init(&other, &cfg, T0) == OMP_OK);
    for (unsigned l = 0; l < (unsigned)OMP_DISPLAY_LIST_COUNT; l++) {
        const struct omp_display_item *items = NULL;
        size_t n = 0;
        OMP_FUZZ_CHECK(omp_display_get_list(&d, (enum omp_display_list)l, &items, &n) == OMP_OK);
        OMP_FUZZ_CHECK(n <= omp_display_list_max((enum omp_display_list)l));
        OMP_FUZZ_CHECK(omp_display_set_list(&other, (enum omp_display_list)l, items, n, NULL) ==
                       OMP_OK);
    }
    OMP_FUZZ_CHECK(memcmp(&other, &d, sizeof d) == 0);

    run(&d, data + used, size - used);
    return 0;
}

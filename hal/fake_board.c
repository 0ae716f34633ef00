/*
 * Fake board: the RAM NVM, fake clock and null display behind one ops table, plus recording fakes
 * for every other op of hal.h except crypto (aead_gcm, sha256_*, sig_verify, key_store are NULL).
 * The ops' user pointer is the struct omp_fake_board.
 */
#include <string.h>

#include "omnipower/hal_fakes.h"

static struct omp_fake_board *board(void *user)
{
    return (struct omp_fake_board *)user;
}

static omp_err fb_rtc_set(void *user, omp_time_s utc_s)
{
    struct omp_fake_board *b = board(user);
    b->rtc_set_value = utc_s;
    b->rtc_set_calls++;
    omp_fake_clock_set_utc(&b->clock, utc_s);
    return OMP_OK;
}

static omp_err fb_nvm_geometry(void *user, struct omp_nvm_geometry *geo)
{
    return omp_ram_nvm_geometry(&board(user)->nvm, geo);
}

static omp_err fb_nvm_read(void *user, uint32_t addr, void *dst, size_t len)
{
    return omp_ram_nvm_read(&board(user)->nvm, addr, dst, len);
}

static omp_err fb_nvm_program(void *user, uint32_t addr, const void *src, size_t len)
{
    return omp_ram_nvm_program(&board(user)->nvm, addr, src, len);
}

static omp_err fb_nvm_erase(void *user, uint32_t addr)
{
    return omp_ram_nvm_erase(&board(user)->nvm, addr);
}

static void fb_pulse_start(void *user, enum omp_pulse_channel channel, uint32_t width_ms)
{
    struct omp_fake_board *b = board(user);
    if ((unsigned)channel < (unsigned)OMP_PULSE_COUNT) {
        b->pulses[channel]++;
        b->last_pulse_width_ms = width_ms;
    }
}

static omp_err fb_output_set(void *user, enum omp_output output, bool on)
{
    if ((unsigned)output >= (unsigned)OMP_OUTPUT_COUNT) {
        return OMP_ERR_ARG;
    }
    board(user)->outputs[output] = on;
    return OMP_OK;
}

static omp_err fb_relay_drive(void *user, enum omp_relay_cmd cmd)
{
    if (cmd != OMP_RELAY_OPEN && cmd != OMP_RELAY_CLOSE) {
        return OMP_ERR_ARG;
    }
    board(user)->relay_closed = (cmd == OMP_RELAY_CLOSE); /* the fake relay moves at once */
    return OMP_OK;
}

static omp_err fb_relay_sense(void *user, bool *closed)
{
    if (closed == NULL) {
        return OMP_ERR_ARG;
    }
    *closed = board(user)->relay_closed;
    return OMP_OK;
}

static omp_err fb_port_write(void *user, enum omp_port port, const uint8_t *data, size_t len,
                             size_t *written)
{
    struct omp_fake_board *b = board(user);
    if ((unsigned)port >= (unsigned)OMP_PORT_COUNT || written == NULL ||
        (data == NULL && len != 0u)) {
        return OMP_ERR_ARG;
    }
    const size_t ring = sizeof b->port_tx[0];
    for (size_t k = 0; k < len; k++) {
        b->port_tx[port][(b->port_tx_len[port] + k) % ring] = data[k];
    }
    b->port_tx_len[port] += len;
    *written = len; /* the fake port accepts everything */
    return OMP_OK;
}

static omp_err fb_port_set_baud(void *user, enum omp_port port, uint32_t baud,
                                enum omp_port_framing framing)
{
    (void)framing;
    if ((unsigned)port >= (unsigned)OMP_PORT_COUNT || baud == 0u) {
        return OMP_ERR_ARG;
    }
    board(user)->port_baud[port] = baud;
    return OMP_OK;
}

static void fb_display_show(void *user, const struct omp_display_frame *frame)
{
    omp_null_display_show(&board(user)->display, frame);
}

static omp_err fb_tamper_read(void *user, uint32_t *bits)
{
    (void)user;
    if (bits == NULL) {
        return OMP_ERR_ARG;
    }
    *bits = 0u; /* the fake board is never tampered with */
    return OMP_OK;
}

/*
 * TEST ONLY: xorshift32 (Marsaglia 2003) is fully predictable and must never back a real port's
 * entropy op (hal.h requires an unpredictable source). It exists so tests and the simulator are
 * deterministic.
 */
static omp_err fb_entropy(void *user, uint8_t *dst, size_t len)
{
    struct omp_fake_board *b = board(user);
    if (dst == NULL && len != 0u) {
        return OMP_ERR_ARG;
    }
    uint32_t x = b->entropy_state;
    if (x == 0u) {
        x = 0x2545F491u; /* xorshift32 is stuck at 0 */
    }
    for (size_t k = 0; k < len; k++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        dst[k] = (uint8_t)(x >> 24);
    }
    b->entropy_state = x;
    return OMP_OK;
}

/* Nestable critical section: returns the depth before entering; exit restores one level. */
static uint32_t fb_crit_enter(void *user)
{
    struct omp_fake_board *b = board(user);
    uint32_t prev = b->crit_depth;
    b->crit_depth++;
    if (b->crit_depth > b->crit_max_depth) {
        b->crit_max_depth = b->crit_depth;
    }
    return prev;
}

static void fb_crit_exit(void *user, uint32_t state)
{
    struct omp_fake_board *b = board(user);
    b->crit_depth = state; /* like restoring PRIMASK: back to the depth the enter saw */
}

const struct omp_hal_ops omp_fake_board_ops = {
    .rtc_set = fb_rtc_set,
    .nvm_geometry = fb_nvm_geometry,
    .nvm_read = fb_nvm_read,
    .nvm_program = fb_nvm_program,
    .nvm_erase = fb_nvm_erase,
    .pulse_start = fb_pulse_start,
    .output_set = fb_output_set,
    .relay_drive = fb_relay_drive,
    .relay_sense = fb_relay_sense,
    .port_write = fb_port_write,
    .port_set_baud = fb_port_set_baud,
    .display_show = fb_display_show,
    .tamper_read = fb_tamper_read,
    .entropy = fb_entropy,
    .aead_gcm = NULL,
    .sha256_start = NULL,
    .sha256_update = NULL,
    .sha256_finish = NULL,
    .sig_verify = NULL,
    .key_store = NULL,
    .crit_enter = fb_crit_enter,
    .crit_exit = fb_crit_exit,
};

omp_err omp_fake_board_init(struct omp_fake_board *b, uint8_t *nvm_mem,
                            const struct omp_nvm_geometry *geo, uint32_t *erase_counts,
                            omp_time_s utc_s)
{
    if (b == NULL || nvm_mem == NULL || geo == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_ram_nvm nvm;
    omp_err err = omp_ram_nvm_init(&nvm, nvm_mem, geo, erase_counts);
    if (err != OMP_OK) {
        return err;
    }
    memset(b, 0, sizeof *b);
    b->nvm = nvm;
    omp_ram_nvm_format(&b->nvm);
    omp_fake_clock_init(&b->clock, utc_s);
    b->relay_closed = true;
    b->entropy_state = 0x2545F491u;
    for (size_t p = 0; p < (size_t)OMP_PORT_COUNT; p++) {
        b->port_baud[p] = 300u; /* IEC 62056-21 start speed */
    }
    return OMP_OK;
}

struct omp_hal omp_fake_board_hal(struct omp_fake_board *b)
{
    struct omp_hal hal = { &omp_fake_board_ops, b };
    return hal;
}

/* The POSIX port: context, ops table, and the small ops (crit, entropy, outputs, relay, display). */
#include "omnipower/port_posix.h"
#include "posix_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/random.h>
#endif

/* ---- NVM: file or RAM behind the same ops --------------------------------------------------- */

static omp_err port_nvm_geometry(void *user, struct omp_nvm_geometry *geo)
{
    struct omp_posix_port *p = user;
    if (p->nvm_is_file) {
        return omp_posix_nvm_geometry(&p->file_nvm, geo);
    }
    if (p->ram_mem == NULL) {
        return OMP_ERR_STATE;
    }
    return omp_ram_nvm_geometry(&p->ram_nvm, geo);
}

static omp_err port_nvm_read(void *user, uint32_t addr, void *dst, size_t len)
{
    struct omp_posix_port *p = user;
    if (p->nvm_is_file) {
        return omp_posix_nvm_read(&p->file_nvm, addr, dst, len);
    }
    if (p->ram_mem == NULL) {
        return OMP_ERR_STATE;
    }
    return omp_ram_nvm_read(&p->ram_nvm, addr, dst, len);
}

static omp_err port_nvm_program(void *user, uint32_t addr, const void *src, size_t len)
{
    struct omp_posix_port *p = user;
    if (p->nvm_is_file) {
        return omp_posix_nvm_program(&p->file_nvm, addr, src, len);
    }
    if (p->ram_mem == NULL) {
        return OMP_ERR_STATE;
    }
    return omp_ram_nvm_program(&p->ram_nvm, addr, src, len);
}

static omp_err port_nvm_erase(void *user, uint32_t addr)
{
    struct omp_posix_port *p = user;
    if (p->nvm_is_file) {
        return omp_posix_nvm_erase(&p->file_nvm, addr);
    }
    if (p->ram_mem == NULL) {
        return OMP_ERR_STATE;
    }
    return omp_ram_nvm_erase(&p->ram_nvm, addr);
}

/* ---- RTC ---------------------------------------------------------------------------------- */

static omp_err port_rtc_set(void *user, omp_time_s utc_s)
{
    struct omp_posix_port *p = user;
    p->rtc_set_calls++;
    return omp_posix_clock_set_utc(&p->clock, utc_s);
}

/* ---- outputs, relay, tamper ----------------------------------------------------------------- */

static void port_pulse_start(void *user, enum omp_pulse_channel channel, uint32_t width_ms)
{
    struct omp_posix_port *p = user;
    (void)width_ms;
    if ((unsigned)channel < OMP_PULSE_COUNT) {
        p->pulses[channel]++;
    }
}

static omp_err port_output_set(void *user, enum omp_output output, bool on)
{
    struct omp_posix_port *p = user;
    if ((unsigned)output >= OMP_OUTPUT_COUNT) {
        return OMP_ERR_ARG;
    }
    p->outputs[output] = on;
    return OMP_OK;
}

static omp_err port_relay_drive(void *user, enum omp_relay_cmd cmd)
{
    struct omp_posix_port *p = user;
    if (cmd != OMP_RELAY_OPEN && cmd != OMP_RELAY_CLOSE) {
        return OMP_ERR_ARG;
    }
    p->relay_closed = (cmd == OMP_RELAY_CLOSE); /* an ideal breaker: switches at once */
    return OMP_OK;
}

static omp_err port_relay_sense(void *user, bool *closed)
{
    struct omp_posix_port *p = user;
    if (closed == NULL) {
        return OMP_ERR_ARG;
    }
    *closed = p->relay_closed;
    return OMP_OK;
}

static omp_err port_tamper_read(void *user, uint32_t *bits)
{
    (void)user;
    if (bits == NULL) {
        return OMP_ERR_ARG;
    }
    *bits = 0u; /* covers closed, no magnet */
    return OMP_OK;
}

/* ---- display ----------------------------------------------------------------------------- */

static void port_display_show(void *user, const struct omp_display_frame *frame)
{
    struct omp_posix_port *p = user;
    if (frame == NULL) {
        return;
    }
    omp_null_display_show(&p->display, frame);
    if (p->display_out == NULL) {
        return;
    }
    char line[128];
    if (omp_posix_display_format(frame, line, sizeof line) != OMP_OK) {
        return;
    }
    if (p->display_utc_prefix) {
        struct omp_now now;
        char utc[24];
        if (omp_posix_clock_now(&p->clock, &now) == OMP_OK &&
            omp_iso8601_format(now.utc_s, utc, sizeof utc) == OMP_OK) {
            (void)fprintf(p->display_out, "%s  %s\n", utc, line);
            return;
        }
    }
    (void)fprintf(p->display_out, "%s\n", line);
}

/* ---- entropy ------------------------------------------------------------------------------ */

static omp_err urandom_fill(uint8_t *dst, size_t len)
{
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return OMP_ERR_HAL;
    }
    omp_err err = OMP_OK;
    while (len > 0u) {
        ssize_t n = read(fd, dst, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            err = OMP_ERR_HAL;
            break;
        }
        dst += (size_t)n;
        len -= (size_t)n;
    }
    (void)close(fd);
    return err;
}

static omp_err port_entropy(void *user, uint8_t *dst, size_t len)
{
    (void)user;
    if (dst == NULL && len > 0u) {
        return OMP_ERR_ARG;
    }
#if defined(__linux__)
    size_t done = 0;
    while (done < len) {
        ssize_t n = getrandom(dst + done, len - done, 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == ENOSYS) {
                return urandom_fill(dst + done, len - done);
            }
            return OMP_ERR_HAL;
        }
        done += (size_t)n;
    }
    return OMP_OK;
#else
    return urandom_fill(dst, len);
#endif
}

/* ---- critical section ----------------------------------------------------------------------- */

/* Samples are delivered on the thread that runs the meter, so nothing can interrupt it: the
 * section only counts its nesting so that tests can check enter/exit pairing. */
static uint32_t port_crit_enter(void *user)
{
    struct omp_posix_port *p = user;
    uint32_t prev = p->crit_depth;
    p->crit_depth++;
    if (p->crit_depth > p->crit_max_depth) {
        p->crit_max_depth = p->crit_depth;
    }
    return prev;
}

static void port_crit_exit(void *user, uint32_t state)
{
    struct omp_posix_port *p = user;
    p->crit_depth = state;
}

static const struct omp_hal_ops k_posix_ops = {
    .rtc_set = port_rtc_set,
    .nvm_geometry = port_nvm_geometry,
    .nvm_read = port_nvm_read,
    .nvm_program = port_nvm_program,
    .nvm_erase = port_nvm_erase,
    .pulse_start = port_pulse_start,
    .output_set = port_output_set,
    .relay_drive = port_relay_drive,
    .relay_sense = port_relay_sense,
    .port_write = omp_posix_port_write_op,
    .port_set_baud = omp_posix_port_set_baud_op,
    .display_show = port_display_show,
    .tamper_read = port_tamper_read,
    .entropy = port_entropy,
    .aead_gcm = omp_posix_aead_gcm, /* posix_crypto.c, mbed TLS */
    .sha256_start = omp_posix_sha256_start,
    .sha256_update = omp_posix_sha256_update,
    .sha256_finish = omp_posix_sha256_finish,
    .sig_verify = omp_posix_sig_verify,
    .key_store = omp_posix_key_store,
    .key_unwrap = omp_posix_key_unwrap,
    .crit_enter = port_crit_enter,
    .crit_exit = port_crit_exit,
};

/* ---- life cycle --------------------------------------------------------------------------- */

void omp_posix_port_init(struct omp_posix_port *p)
{
    if (p == NULL) {
        return;
    }
    memset(p, 0, sizeof *p);
    omp_posix_clock_init_real(&p->clock);
    p->file_nvm.fd = -1;
    p->relay_closed = true;
    for (size_t i = 0; i < OMP_PORT_COUNT; i++) {
        omp_posix_byteport_init(&p->ports[i]);
    }
}

static void release_nvm(struct omp_posix_port *p)
{
    omp_posix_nvm_close(&p->file_nvm);
    free(p->ram_mem);
    free(p->ram_erase_counts);
    p->ram_mem = NULL;
    p->ram_erase_counts = NULL;
    p->nvm_is_file = false;
}

omp_err omp_posix_port_use_file_nvm(struct omp_posix_port *p, const char *path,
                                    const struct omp_nvm_geometry *geo, char *errbuf,
                                    size_t errcap)
{
    if (p == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_posix_nvm nvm = { .fd = -1 };
    omp_err err = omp_posix_nvm_open(&nvm, path, geo, errbuf, errcap);
    if (err != OMP_OK) {
        return err;
    }
    release_nvm(p);
    p->file_nvm = nvm;
    p->nvm_is_file = true;
    return OMP_OK;
}

omp_err omp_posix_port_use_ram_nvm(struct omp_posix_port *p, const struct omp_nvm_geometry *geo)
{
    if (p == NULL || geo == NULL || geo->size == 0u || geo->sector_size == 0u) {
        return OMP_ERR_ARG;
    }
    uint8_t *mem = malloc(geo->size);
    uint32_t *counts = calloc(geo->size / geo->sector_size, sizeof *counts);
    if (mem == NULL || counts == NULL) {
        free(mem);
        free(counts);
        return OMP_ERR_NOSPACE;
    }
    struct omp_ram_nvm ram;
    omp_err err = omp_ram_nvm_init(&ram, mem, geo, counts);
    if (err != OMP_OK) {
        free(mem);
        free(counts);
        return err;
    }
    omp_ram_nvm_format(&ram);
    release_nvm(p);
    p->ram_nvm = ram;
    p->ram_mem = mem;
    p->ram_erase_counts = counts;
    return OMP_OK;
}

omp_err omp_posix_port_flush(struct omp_posix_port *p)
{
    if (p == NULL) {
        return OMP_ERR_ARG;
    }
    return p->nvm_is_file ? omp_posix_nvm_flush(&p->file_nvm) : OMP_OK;
}

void omp_posix_port_close(struct omp_posix_port *p)
{
    if (p == NULL) {
        return;
    }
    for (size_t i = 0; i < OMP_PORT_COUNT; i++) {
        omp_posix_byteport_close(&p->ports[i]);
    }
    release_nvm(p);
    omp_posix_crypto_wipe(p);
}

struct omp_hal omp_posix_port_hal(struct omp_posix_port *p)
{
    struct omp_hal hal = { .ops = &k_posix_ops, .user = p };
    return hal;
}

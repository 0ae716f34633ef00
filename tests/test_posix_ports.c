/*
 * Tests of the POSIX port's byte ports (ports/posix/posix_byteport.c): TCP on an ephemeral port of
 * 127.0.0.1 and a pseudo-terminal, bytes both ways through the HAL's port_write op and
 * omp_posix_port_pump(), client reconnects, baud/framing on the pty, and pumping into a meter.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>

#include "omnipower/port_posix.h"

struct rx_log {
    uint8_t buf[256];
    size_t len;
    enum omp_port last_port;
    unsigned calls;
};

static void rx_collect(void *user, enum omp_port port, const uint8_t *data, size_t len)
{
    struct rx_log *log = user;
    size_t room = sizeof log->buf - log->len;
    size_t n = len < room ? len : room;
    memcpy(log->buf + log->len, data, n);
    log->len += n;
    log->last_port = port;
    log->calls++;
}

/* Pump until @p want bytes arrived (or about 5 s passed). */
static void pump_until(struct omp_posix_port *p, struct rx_log *log, size_t want)
{
    for (int i = 0; i < 100 && log->len < want; i++) {
        assert_int_equal(omp_posix_port_pump(p, 50, rx_collect, log, NULL), OMP_OK);
    }
}

/* Read exactly @p len bytes from @p fd (a blocking or non-blocking fd), waiting up to ~5 s. */
static void read_exact(int fd, uint8_t *dst, size_t len)
{
    size_t got = 0;
    for (int i = 0; i < 100 && got < len; i++) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        if (poll(&pfd, 1, 50) <= 0) {
            continue;
        }
        ssize_t n = read(fd, dst + got, len - got);
        if (n > 0) {
            got += (size_t)n;
        }
    }
    assert_int_equal(got, len);
}

static void write_all(int fd, const void *src, size_t len)
{
    assert_int_equal(write(fd, src, len), (ssize_t)len);
}

static int tcp_connect(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (const struct sockaddr *)&sa, (socklen_t)sizeof sa), 0);
    return fd;
}

static void wait_connected(struct omp_posix_port *p, enum omp_port port, bool want)
{
    struct rx_log ignore = { .len = 0 };
    for (int i = 0; i < 100 && omp_posix_port_connected(p, port) != want; i++) {
        assert_int_equal(omp_posix_port_pump(p, 50, rx_collect, &ignore, NULL), OMP_OK);
    }
    assert_int_equal(omp_posix_port_connected(p, port), want);
}

static void test_tcp_both_ways(void **state)
{
    (void)state;
    struct omp_posix_port p;
    omp_posix_port_init(&p);
    struct omp_hal hal = omp_posix_port_hal(&p);
    uint16_t bound = 0;
    assert_int_equal(omp_posix_port_listen_tcp(&p, OMP_PORT_MODULE, 0, &bound), OMP_OK);
    assert_true(bound != 0u);
    assert_int_equal(p.ports[OMP_PORT_MODULE].tcp_port, bound);
    /* the port is taken */
    assert_int_equal(omp_posix_port_listen_tcp(&p, OMP_PORT_MODULE, 0, NULL), OMP_ERR_STATE);
    assert_false(omp_posix_port_connected(&p, OMP_PORT_MODULE));

    /* nobody connected: writes are accepted and dropped */
    size_t written = 0;
    assert_int_equal(hal.ops->port_write(hal.user, OMP_PORT_MODULE, (const uint8_t *)"lost", 4,
                                         &written),
                     OMP_OK);
    assert_int_equal(written, 4u);
    assert_int_equal(p.ports[OMP_PORT_MODULE].tx_dropped, 4u);

    int c = tcp_connect(bound);
    wait_connected(&p, OMP_PORT_MODULE, true);

    /* client -> meter */
    struct rx_log log = { .len = 0 };
    write_all(c, "hello meter", 11);
    pump_until(&p, &log, 11);
    assert_int_equal(log.len, 11u);
    assert_memory_equal(log.buf, "hello meter", 11);
    assert_int_equal(log.last_port, OMP_PORT_MODULE);

    /* meter -> client, through the HAL op */
    const uint8_t frame[] = { 0x7E, 0xA0, 0x07, 0x03, 0x21, 0x93, 0x0F, 0x01, 0x7E };
    assert_int_equal(hal.ops->port_write(hal.user, OMP_PORT_MODULE, frame, sizeof frame, &written),
                     OMP_OK);
    assert_int_equal(written, sizeof frame);
    uint8_t got[sizeof frame];
    read_exact(c, got, sizeof got);
    assert_memory_equal(got, frame, sizeof frame);
    assert_int_equal(hal.ops->port_set_baud(hal.user, OMP_PORT_MODULE, 9600u, OMP_FRAMING_8N1),
                     OMP_OK);

    /* a second client is turned away while the first stays */
    int c2 = tcp_connect(bound);
    struct rx_log log2 = { .len = 0 };
    assert_int_equal(omp_posix_port_pump(&p, 100, rx_collect, &log2, NULL), OMP_OK);
    uint8_t b;
    struct pollfd pfd = { .fd = c2, .events = POLLIN };
    assert_int_equal(poll(&pfd, 1, 2000), 1);
    assert_int_equal(read(c2, &b, 1), 0); /* closed by the port */
    (void)close(c2);
    assert_true(omp_posix_port_connected(&p, OMP_PORT_MODULE));

    /* the client leaves; the next one is accepted */
    (void)close(c);
    wait_connected(&p, OMP_PORT_MODULE, false);
    c = tcp_connect(bound);
    wait_connected(&p, OMP_PORT_MODULE, true);
    log.len = 0;
    write_all(c, "again", 5);
    pump_until(&p, &log, 5);
    assert_memory_equal(log.buf, "again", 5);
    (void)close(c);
    omp_posix_port_close(&p);
    assert_int_equal(p.ports[OMP_PORT_MODULE].listen_fd, -1);
}

static void test_pty_both_ways(void **state)
{
    (void)state;
    struct omp_posix_port p;
    omp_posix_port_init(&p);
    struct omp_hal hal = omp_posix_port_hal(&p);
    char path[64];
    assert_int_equal(omp_posix_port_open_pty(&p, OMP_PORT_OPTICAL, path, sizeof path), OMP_OK);
    assert_non_null(strstr(path, "/dev/"));
    assert_true(omp_posix_port_connected(&p, OMP_PORT_OPTICAL));
    assert_int_equal(omp_posix_port_open_pty(&p, OMP_PORT_OPTICAL, path, sizeof path),
                     OMP_ERR_STATE);

    int s = open(path, O_RDWR | O_NOCTTY);
    assert_true(s >= 0);

    /* peer -> meter: raw mode, so bytes pass unchanged (no echo, no CR/LF mapping) */
    struct rx_log log = { .len = 0 };
    const uint8_t req[] = { '/', '?', '!', '\r', '\n', 0x00, 0x03, 0x7F };
    write_all(s, req, sizeof req);
    pump_until(&p, &log, sizeof req);
    assert_int_equal(log.len, sizeof req);
    assert_memory_equal(log.buf, req, sizeof req);
    assert_int_equal(log.last_port, OMP_PORT_OPTICAL);

    /* meter -> peer */
    const uint8_t ans[] = { '/', 'K', 'A', 'M', '5', '\r', '\n', 0x06 };
    size_t written = 0;
    assert_int_equal(hal.ops->port_write(hal.user, OMP_PORT_OPTICAL, ans, sizeof ans, &written),
                     OMP_OK);
    assert_int_equal(written, sizeof ans);
    uint8_t got[sizeof ans];
    read_exact(s, got, sizeof got);
    assert_memory_equal(got, ans, sizeof ans);

    /* IEC 62056-21 mode C starts at 300 Bd 7E1 */
    assert_int_equal(hal.ops->port_set_baud(hal.user, OMP_PORT_OPTICAL, 300u, OMP_FRAMING_7E1),
                     OMP_OK);
    struct termios t;
    assert_int_equal(tcgetattr(s, &t), 0);
    assert_int_equal(cfgetospeed(&t), B300);
    assert_int_equal(p.ports[OMP_PORT_OPTICAL].baud, 300u);
    assert_int_equal(p.ports[OMP_PORT_OPTICAL].framing, OMP_FRAMING_7E1);
    /* a pty is 8 bits wide (Linux forces CS8): in 7E1 a peer's parity bit is dropped */
    log.len = 0;
    const uint8_t with_parity[] = { (uint8_t)('/' | 0x80), '?', (uint8_t)('!' | 0x80) };
    write_all(s, with_parity, sizeof with_parity);
    pump_until(&p, &log, sizeof with_parity);
    assert_int_equal(log.len, 3u);
    assert_memory_equal(log.buf, "/?!", 3);
    assert_int_equal(hal.ops->port_set_baud(hal.user, OMP_PORT_OPTICAL, 9600u, OMP_FRAMING_8N1),
                     OMP_OK);
    assert_int_equal(hal.ops->port_set_baud(hal.user, OMP_PORT_OPTICAL, 12345u, OMP_FRAMING_8N1),
                     OMP_ERR_ARG);

    /* the peer closes and comes back: the port keeps working, no spinning on hang-up */
    (void)close(s);
    size_t n = 99;
    assert_int_equal(omp_posix_port_pump(&p, 0, rx_collect, &log, &n), OMP_OK);
    assert_int_equal(n, 0u);
    s = open(path, O_RDWR | O_NOCTTY);
    assert_true(s >= 0);
    log.len = 0;
    write_all(s, "x", 1);
    pump_until(&p, &log, 1);
    assert_int_equal(log.len, 1u);
    (void)close(s);
    omp_posix_port_close(&p);
}

static void test_tcp_and_pty_in_one_pump(void **state)
{
    (void)state;
    struct omp_posix_port p;
    omp_posix_port_init(&p);
    uint16_t bound = 0;
    char path[64];
    assert_int_equal(omp_posix_port_listen_tcp(&p, OMP_PORT_MODULE, 0, &bound), OMP_OK);
    assert_int_equal(omp_posix_port_open_pty(&p, OMP_PORT_OPTICAL, path, sizeof path), OMP_OK);
    int c = tcp_connect(bound);
    int s = open(path, O_RDWR | O_NOCTTY);
    assert_true(s >= 0);
    wait_connected(&p, OMP_PORT_MODULE, true);
    write_all(c, "tcp", 3);
    write_all(s, "pty", 3);
    struct rx_log log = { .len = 0 };
    pump_until(&p, &log, 6);
    assert_int_equal(log.len, 6u);
    assert_int_equal(p.ports[OMP_PORT_MODULE].rx_bytes, 3u);
    assert_int_equal(p.ports[OMP_PORT_OPTICAL].rx_bytes, 3u);

    /* into a meter: accepted by the port, the meter has no protocol yet */
    struct omp_meter_cfg cfg;
    omp_meter_cfg_default(&cfg);
    struct omp_nvm_geometry geo;
    omp_posix_nvm_default_geometry(&geo);
    assert_int_equal(omp_posix_port_use_ram_nvm(&p, &geo), OMP_OK);
    struct omp_hal hal = omp_posix_port_hal(&p);
    struct omp_now now = { .mono_ms = 0, .utc_s = 1767225600, .utc_ms = 0, .rtc_valid = true };
    struct omp_meter *m = calloc(1, sizeof *m);
    assert_non_null(m);
    assert_int_equal(omp_meter_init(m, &hal, &cfg, &now), OMP_OK);
    write_all(c, "/?!\r\n", 5);
    for (int i = 0; i < 100 && p.ports[OMP_PORT_MODULE].rx_bytes < 8u; i++) {
        assert_int_equal(omp_posix_port_pump_meter(&p, m, 50), OMP_OK);
    }
    assert_int_equal(p.ports[OMP_PORT_MODULE].rx_bytes, 8u);
    free(m);
    (void)close(c);
    (void)close(s);
    omp_posix_port_close(&p);
}

static void test_arguments(void **state)
{
    (void)state;
    struct omp_posix_port p;
    omp_posix_port_init(&p);
    struct omp_hal hal = omp_posix_port_hal(&p);
    char path[64];
    size_t w = 0;
    assert_int_equal(omp_posix_port_listen_tcp(&p, OMP_PORT_COUNT, 0, NULL), OMP_ERR_ARG);
    assert_int_equal(omp_posix_port_open_pty(&p, OMP_PORT_COUNT, path, sizeof path), OMP_ERR_ARG);
    assert_int_equal(omp_posix_port_open_pty(&p, OMP_PORT_HAN, path, 4), OMP_ERR_NOSPACE);
    assert_false(omp_posix_port_connected(&p, OMP_PORT_HAN));
    assert_int_equal(hal.ops->port_write(hal.user, OMP_PORT_COUNT, (const uint8_t *)"x", 1, &w),
                     OMP_ERR_ARG);
    assert_int_equal(hal.ops->port_write(hal.user, OMP_PORT_HAN, NULL, 1, &w), OMP_ERR_ARG);
    assert_int_equal(omp_posix_port_pump(&p, 0, NULL, NULL, NULL), OMP_ERR_ARG);
    size_t n = 7;
    struct rx_log log = { .len = 0 };
    assert_int_equal(omp_posix_port_pump(&p, 0, rx_collect, &log, &n), OMP_OK); /* no ports */
    assert_int_equal(n, 0u);
    omp_posix_port_close(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcp_both_ways),
        cmocka_unit_test(test_pty_both_ways),
        cmocka_unit_test(test_tcp_and_pty_in_one_pump),
        cmocka_unit_test(test_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

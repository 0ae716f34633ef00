/* The byte link of `omnipower read`: serial device (termios 7E1) or TCP, non-blocking. */
#include "serial.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "omnipower/port_posix.h"

#define TCP_HOST_MAX 256u /* host part of tcp:HOST:PORT, with its NUL */

#if defined(MSG_NOSIGNAL)
#define SEND_FLAGS MSG_NOSIGNAL
#else
#define SEND_FLAGS 0
#endif

static void set_err(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t cap, const char *fmt, ...)
{
    if (err == NULL || cap == 0u) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(err, cap, fmt, ap);
    va_end(ap);
}

static uint64_t mono_ms(void)
{
    return omp_posix_mono_ns() / 1000000u;
}

/* IEC 62056-21 rates only (300..19200 Bd); the POSIX port knows the termios constants. */
static speed_t baud_speed(uint32_t baud)
{
    return baud <= 19200u ? (speed_t)omp_posix_baud_speed(baud) : B0;
}

bool link_baud_ok(uint32_t baud)
{
    return baud_speed(baud) != B0;
}

/* ---- serial --------------------------------------------------------------------------------- */

/* Raw 7E1 at @p sp: 7 data bits, even parity (not checked: the library sees 7-bit characters), one
 * stop bit, no flow control, no echo, no character translation. A device that cannot do 7E1 (a
 * pseudo-terminal: Linux keeps ptys at CS8 without parity, and tcsetattr then fails with EINVAL
 * when nothing else changed) is set to 8N1 instead: the characters go out with bit 7 clear and
 * bit 7 of received bytes is cleared, which is what a pty peer such as omnipower-sim expects. */
static int serial_setup(int fd, speed_t sp)
{
    struct termios t;
    if (tcgetattr(fd, &t) != 0) {
        return -1;
    }
    cfmakeraw(&t);
    t.c_iflag &= (tcflag_t) ~(IXON | IXOFF | IXANY | INPCK | ISTRIP | PARMRK | IGNPAR);
    t.c_cflag &= (tcflag_t) ~(CSIZE | CSTOPB | PARODD);
#if defined(CRTSCTS)
    t.c_cflag &= (tcflag_t)~CRTSCTS;
#endif
    t.c_cflag |= (tcflag_t)(CS7 | PARENB | CLOCAL | CREAD);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    if (cfsetispeed(&t, sp) != 0 || cfsetospeed(&t, sp) != 0) {
        return -1;
    }
    if (tcsetattr(fd, TCSANOW, &t) == 0) {
        return 0;
    }
    if (errno != EINVAL) {
        return -1;
    }
    t.c_cflag &= (tcflag_t) ~(CSIZE | PARENB);
    t.c_cflag |= (tcflag_t)CS8;
    return tcsetattr(fd, TCSANOW, &t);
}

static bool serial_open(struct link *l, const char *path, uint32_t baud, char *err, size_t cap)
{
    int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        set_err(err, cap, "%s: cannot open: %s", path, strerror(errno));
        return false;
    }
    if (!isatty(fd)) {
        set_err(err, cap, "%s: not a serial device (a terminal)", path);
        (void)close(fd);
        return false;
    }
    if (serial_setup(fd, baud_speed(baud)) != 0) {
        set_err(err, cap, "%s: cannot set 7E1 at %lu Bd: %s", path, (unsigned long)baud,
                strerror(errno));
        (void)close(fd);
        return false;
    }
    (void)tcflush(fd, TCIOFLUSH); /* nothing stale from before the sign-on */
    l->fd = fd;
    l->tcp = false;
    l->baud = baud;
    return true;
}

/* ---- TCP ------------------------------------------------------------------------------------ */

/* Connect @p fd (non-blocking) to @p ai within @p deadline. @return 0 or an errno value. */
static int connect_within(int fd, const struct addrinfo *ai, uint64_t deadline)
{
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
        return 0;
    }
    if (errno != EINPROGRESS && errno != EINTR) {
        return errno;
    }
    for (;;) {
        uint64_t now = mono_ms();
        if (now >= deadline) {
            return ETIMEDOUT;
        }
        struct pollfd p = { .fd = fd, .events = POLLOUT };
        int r = poll(&p, 1, (int)(deadline - now));
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            return errno;
        }
        if (r == 0) {
            return ETIMEDOUT;
        }
        int so = 0;
        socklen_t sl = (socklen_t)sizeof so;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &sl) != 0) {
            return errno;
        }
        return so;
    }
}

/* "tcp:HOST:PORT" into @p host (brackets of an IPv6 address removed) and @p port (points into
 * @p spec). @return false with @p err set when the syntax or the port number is wrong. */
static bool tcp_split(const char *spec, char host[TCP_HOST_MAX], const char **port, char *err,
                      size_t cap)
{
    const char *hostport = spec + 4;
    const char *colon = strrchr(hostport, ':');
    if (colon == NULL || colon == hostport || colon[1] == '\0' ||
        (size_t)(colon - hostport) >= TCP_HOST_MAX) {
        set_err(err, cap, "invalid --port '%s' (tcp:HOST:PORT, e.g. tcp:127.0.0.1:4059)", spec);
        return false;
    }
    size_t hl = (size_t)(colon - hostport);
    memcpy(host, hostport, hl);
    host[hl] = '\0';
    if (hl >= 2u && host[0] == '[' && host[hl - 1u] == ']') { /* [IPv6] */
        memmove(host, host + 1, hl - 2u);
        host[hl - 2u] = '\0';
    }
    *port = colon + 1;
    char *end = NULL;
    errno = 0;
    unsigned long pn = strtoul(*port, &end, 10);
    if (errno != 0 || end == *port || *end != '\0' || pn == 0u || pn > 65535u ||
        (*port)[0] == '-' || (*port)[0] == '+') {
        set_err(err, cap, "invalid --port '%s': TCP port '%s' is not 1..65535", spec, *port);
        return false;
    }
    return true;
}

bool link_spec_ok(const char *spec, char *err, size_t cap)
{
    char host[TCP_HOST_MAX];
    const char *port = NULL;
    if (spec == NULL || spec[0] == '\0') {
        set_err(err, cap, "--port needs a device or tcp:HOST:PORT");
        return false;
    }
    return strncmp(spec, "tcp:", 4u) != 0 || tcp_split(spec, host, &port, err, cap);
}

static bool tcp_open(struct link *l, const char *spec, uint32_t baud, uint32_t connect_ms,
                     char *err, size_t cap)
{
    char host[TCP_HOST_MAX];
    const char *port = NULL;
    if (!tcp_split(spec, host, &port, err, cap)) {
        return false;
    }
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0) {
        set_err(err, cap, "%s: cannot resolve '%s': %s", spec, host, gai_strerror(gai));
        return false;
    }
    uint64_t deadline = mono_ms() + connect_ms;
    int last = ECONNREFUSED;
    int fd = -1;
    for (const struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) {
            last = errno;
            continue;
        }
        int fl = fcntl(fd, F_GETFL);
        if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0 ||
            fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
            last = errno;
            (void)close(fd);
            fd = -1;
            continue;
        }
#if !defined(MSG_NOSIGNAL) && defined(SO_NOSIGPIPE)
        int one_sp = 1;
        (void)setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one_sp, sizeof one_sp);
#endif
        int e = connect_within(fd, ai, deadline);
        if (e == 0) {
            break;
        }
        last = e;
        (void)close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        set_err(err, cap, "%s: cannot connect: %s", spec,
                last == ECONNREFUSED ? "connection refused" : strerror(last));
        return false;
    }
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    l->fd = fd;
    l->tcp = true;
    l->baud = baud;
    return true;
}

/* ---- common --------------------------------------------------------------------------------- */

bool link_open(struct link *l, const char *spec, uint32_t baud, uint32_t connect_ms, char *err,
               size_t cap)
{
    memset(l, 0, sizeof *l);
    l->fd = -1;
    if (spec == NULL || spec[0] == '\0') {
        set_err(err, cap, "no port given");
        return false;
    }
    if (!link_baud_ok(baud)) {
        set_err(err, cap, "%lu Bd is not an IEC 62056-21 rate", (unsigned long)baud);
        return false;
    }
    if (strncmp(spec, "tcp:", 4u) == 0) {
        return tcp_open(l, spec, baud, connect_ms, err, cap);
    }
    return serial_open(l, spec, baud, err, cap);
}

bool link_set_baud(struct link *l, uint32_t baud, char *err, size_t cap)
{
    if (!link_baud_ok(baud)) {
        set_err(err, cap, "the exchange asked for %lu Bd, not an IEC 62056-21 rate",
                (unsigned long)baud);
        return false;
    }
    if (!l->tcp) {
        /* the sign-on's last characters must leave at the old rate first */
        while (tcdrain(l->fd) != 0) {
            if (errno != EINTR) {
                set_err(err, cap, "tcdrain: %s", strerror(errno));
                return false;
            }
        }
        if (serial_setup(l->fd, baud_speed(baud)) != 0) {
            set_err(err, cap, "cannot switch to %lu Bd: %s", (unsigned long)baud, strerror(errno));
            return false;
        }
    }
    l->baud = baud;
    return true;
}

long link_write(struct link *l, const uint8_t *data, size_t len, char *err, size_t cap)
{
    if (len == 0u) {
        return 0;
    }
    for (;;) {
        ssize_t n = l->tcp ? send(l->fd, data, len, SEND_FLAGS) : write(l->fd, data, len);
        if (n >= 0) {
            l->tx_bytes += (uint64_t)n;
            return (long)n;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return 0;
        }
        set_err(err, cap, "write: %s", strerror(errno));
        return -1;
    }
}

long link_wait_read(struct link *l, int timeout_ms, bool want_write, uint8_t *buf, size_t cap,
                    char *err, size_t errcap)
{
    struct pollfd p = { .fd = l->fd, .events = (short)(POLLIN | (want_write ? POLLOUT : 0)) };
    int r = poll(&p, 1, timeout_ms);
    if (r < 0) {
        if (errno == EINTR) {
            return 0;
        }
        set_err(err, errcap, "poll: %s", strerror(errno));
        return -1;
    }
    if (r == 0 || (p.revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
        return 0;
    }
    for (;;) {
        ssize_t n = read(l->fd, buf, cap);
        if (n > 0) {
            for (ssize_t i = 0; i < n; i++) {
                buf[i] &= 0x7Fu; /* 7E1: the parity bit is not data */
            }
            l->rx_bytes += (uint64_t)n;
            return (long)n;
        }
        if (n == 0) {
            set_err(err, errcap, "%s", l->tcp ? "the meter closed the connection"
                                              : "the serial device was closed (hang-up)");
            return -1;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return 0;
        }
        set_err(err, errcap, "read: %s", strerror(errno));
        return -1;
    }
}

void link_close(struct link *l)
{
    if (l->fd >= 0) {
        (void)close(l->fd);
    }
    l->fd = -1;
}

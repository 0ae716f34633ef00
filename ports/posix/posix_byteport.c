/* Byte ports over TCP (127.0.0.1, one client) and pseudo-terminals, non-blocking. */
#include "omnipower/port_posix.h"
#include "posix_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#if defined(MSG_NOSIGNAL)
#define OMP_SEND_FLAGS MSG_NOSIGNAL
#else
#define OMP_SEND_FLAGS 0 /* macOS: SO_NOSIGPIPE is set on the socket instead */
#endif

/* Bytes read from one port per pump, so a chatty peer cannot starve the meter's main loop. */
#define PUMP_MAX_BYTES_PER_PORT 65536u

void omp_posix_byteport_init(struct omp_posix_byteport *bp)
{
    memset(bp, 0, sizeof *bp);
    bp->kind = OMP_POSIX_PORT_NONE;
    bp->fd = -1;
    bp->listen_fd = -1;
    bp->hold_fd = -1;
    bp->baud = 9600u;
    bp->framing = OMP_FRAMING_8N1;
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        (void)close(*fd);
        *fd = -1;
    }
}

void omp_posix_byteport_close(struct omp_posix_byteport *bp)
{
    close_fd(&bp->fd);
    close_fd(&bp->listen_fd);
    close_fd(&bp->hold_fd);
    omp_posix_byteport_init(bp);
}

static int set_flags(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0) {
        return -1;
    }
    int fdfl = fcntl(fd, F_GETFD);
    if (fdfl < 0 || fcntl(fd, F_SETFD, fdfl | FD_CLOEXEC) != 0) {
        return -1;
    }
#if !defined(MSG_NOSIGNAL) && defined(SO_NOSIGPIPE)
    int one = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
    return 0;
}

static bool port_index_ok(enum omp_port port)
{
    return (unsigned)port < (unsigned)OMP_PORT_COUNT;
}

/* ---- TCP ---------------------------------------------------------------------------------- */

omp_err omp_posix_port_listen_tcp(struct omp_posix_port *p, enum omp_port port,
                                  uint16_t tcp_port, uint16_t *bound)
{
    if (p == NULL || !port_index_ok(port)) {
        return OMP_ERR_ARG;
    }
    struct omp_posix_byteport *bp = &p->ports[port];
    if (bp->kind != OMP_POSIX_PORT_NONE) {
        return OMP_ERR_STATE;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return OMP_ERR_HAL_IO;
    }
    int one = 1;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(tcp_port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = (socklen_t)sizeof sa;
    if (set_flags(fd) != 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, (const struct sockaddr *)&sa, (socklen_t)sizeof sa) != 0 || listen(fd, 1) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
        int saved = errno;
        (void)close(fd);
        errno = saved;
        return OMP_ERR_HAL_IO;
    }
    bp->kind = OMP_POSIX_PORT_TCP;
    bp->listen_fd = fd;
    bp->tcp_port = ntohs(sa.sin_port);
    if (bound != NULL) {
        *bound = bp->tcp_port;
    }
    return OMP_OK;
}

static void tcp_accept(struct omp_posix_byteport *bp)
{
    for (;;) {
        int c = accept(bp->listen_fd, NULL, NULL);
        if (c < 0) {
            return; /* EAGAIN: no more pending; other errors: try again on the next pump */
        }
        if (bp->fd >= 0 || set_flags(c) != 0) {
            (void)close(c); /* one client at a time */
            continue;
        }
        int one = 1;
        (void)setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        bp->fd = c;
        bp->accepted++;
    }
}

/* ---- pseudo-terminal ------------------------------------------------------------------------ */

static int make_raw(int fd)
{
    struct termios t;
    if (tcgetattr(fd, &t) != 0) {
        return -1;
    }
    cfmakeraw(&t);
    t.c_cflag |= (tcflag_t)(CLOCAL | CREAD);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    if (cfsetspeed(&t, B9600) != 0) {
        return -1;
    }
    return tcsetattr(fd, TCSANOW, &t);
}

omp_err omp_posix_port_open_pty(struct omp_posix_port *p, enum omp_port port, char *slave_path,
                                size_t cap)
{
    if (p == NULL || !port_index_ok(port) || slave_path == NULL || cap == 0u) {
        return OMP_ERR_ARG;
    }
    struct omp_posix_byteport *bp = &p->ports[port];
    if (bp->kind != OMP_POSIX_PORT_NONE) {
        return OMP_ERR_STATE;
    }
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0) {
        return OMP_ERR_HAL_IO;
    }
    omp_err err = OMP_ERR_HAL_IO;
    int hold = -1;
    const char *name = NULL;
    if (grantpt(m) != 0 || unlockpt(m) != 0 || (name = ptsname(m)) == NULL || set_flags(m) != 0) {
        goto cleanup;
    }
    size_t n = strlen(name);
    if (n >= sizeof bp->pty_path || n >= cap) {
        err = OMP_ERR_NOSPACE;
        goto cleanup;
    }
    /* keep one slave fd open ourselves: without it the master reports hang-up (POLLHUP, EIO)
     * whenever no peer has the slave open, and poll() would spin */
    hold = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (hold < 0 || make_raw(hold) != 0) {
        goto cleanup;
    }
    memcpy(bp->pty_path, name, n + 1u);
    memcpy(slave_path, name, n + 1u);
    bp->kind = OMP_POSIX_PORT_PTY;
    bp->fd = m;
    bp->hold_fd = hold;
    return OMP_OK;

cleanup:
    {
        int saved = errno;
        if (hold >= 0) {
            (void)close(hold);
        }
        (void)close(m);
        errno = saved;
    }
    return err;
}

/* ---- common ------------------------------------------------------------------------------- */

bool omp_posix_port_connected(const struct omp_posix_port *p, enum omp_port port)
{
    if (p == NULL || !port_index_ok(port)) {
        return false;
    }
    const struct omp_posix_byteport *bp = &p->ports[port];
    return bp->kind != OMP_POSIX_PORT_NONE && bp->fd >= 0;
}

omp_err omp_posix_port_write_op(void *user, enum omp_port port, const uint8_t *data, size_t len,
                                size_t *written)
{
    struct omp_posix_port *p = user;
    if (p == NULL || !port_index_ok(port) || written == NULL || (data == NULL && len > 0u)) {
        return OMP_ERR_ARG;
    }
    struct omp_posix_byteport *bp = &p->ports[port];
    if (len == 0u) {
        *written = 0;
        return OMP_OK;
    }
    if (bp->fd < 0) {
        /* nothing attached: the bytes go out of the (unplugged) port and are lost */
        bp->tx_dropped += len;
        *written = len;
        return OMP_OK;
    }
    ssize_t n;
    do {
        n = bp->kind == OMP_POSIX_PORT_TCP ? send(bp->fd, data, len, OMP_SEND_FLAGS)
                                           : write(bp->fd, data, len);
    } while (n < 0 && errno == EINTR);
    if (n >= 0) {
        bp->tx_bytes += (uint64_t)n;
        *written = (size_t)n;
        return OMP_OK;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
        *written = 0; /* peer is slow: the library offers the bytes again later */
        return OMP_OK;
    }
    if (bp->kind == OMP_POSIX_PORT_TCP) {
        close_fd(&bp->fd); /* client went away: drop it and the bytes, wait for the next one */
        bp->tx_dropped += len;
        *written = len;
        return OMP_OK;
    }
    return OMP_ERR_HAL_IO;
}

unsigned long omp_posix_baud_speed(uint32_t baud)
{
    switch (baud) {
    case 300u: return B300;
    case 600u: return B600;
    case 1200u: return B1200;
    case 2400u: return B2400;
    case 4800u: return B4800;
    case 9600u: return B9600;
    case 19200u: return B19200;
    case 38400u: return B38400;
    case 57600u: return B57600;
    case 115200u: return B115200;
    default: return B0;
    }
}

omp_err omp_posix_port_set_baud_op(void *user, enum omp_port port, uint32_t baud,
                                   enum omp_port_framing framing)
{
    struct omp_posix_port *p = user;
    if (p == NULL || !port_index_ok(port) ||
        (framing != OMP_FRAMING_8N1 && framing != OMP_FRAMING_7E1)) {
        return OMP_ERR_ARG;
    }
    struct omp_posix_byteport *bp = &p->ports[port];
    speed_t sp = (speed_t)omp_posix_baud_speed(baud);
    if (sp == B0) {
        return OMP_ERR_ARG;
    }
    if (bp->kind == OMP_POSIX_PORT_PTY) {
        /* a pty has no line: the speed only tells the peer what a real port would use, and
         * Linux forces CS8 without parity on ptys (7E1 is emulated: received bytes are masked
         * to 7 bits). So ask for CS8 in both framings: asking for CS7|PARENB, which the pty
         * ignores, makes tcsetattr fail with EINVAL (glibc: none of the requested changes was
         * made) whenever the speed is already the one asked for, e.g. after the peer set it on
         * the shared termios. TCSANOW: a pty "sends" instantly, there is nothing queued. */
        struct termios t;
        if (tcgetattr(bp->hold_fd, &t) != 0) {
            return OMP_ERR_HAL_IO;
        }
        t.c_cflag &= (tcflag_t) ~(CSIZE | PARENB | PARODD);
        t.c_cflag |= (tcflag_t)CS8;
        if (cfsetspeed(&t, sp) != 0 || tcsetattr(bp->hold_fd, TCSANOW, &t) != 0) {
            return OMP_ERR_HAL_IO;
        }
    }
    bp->baud = baud;
    bp->framing = framing;
    return OMP_OK;
}

omp_err omp_posix_port_pump(struct omp_posix_port *p, int timeout_ms, omp_posix_rx_fn rx,
                            void *rx_user, size_t *received)
{
    if (p == NULL || rx == NULL) {
        return OMP_ERR_ARG;
    }
    struct pollfd pfd[2u * OMP_PORT_COUNT];
    struct {
        enum omp_port port;
        bool listener;
    } what[2u * OMP_PORT_COUNT];
    nfds_t n = 0;
    for (size_t i = 0; i < OMP_PORT_COUNT; i++) {
        struct omp_posix_byteport *bp = &p->ports[i];
        /* the client before the listener: when a client leaves and the next one connects at
         * once, the old one's end of stream is read (and its fd closed) before the new one is
         * accepted, instead of the new one being turned away as a second client */
        if (bp->fd >= 0) {
            pfd[n] = (struct pollfd){ .fd = bp->fd, .events = POLLIN };
            what[n].port = (enum omp_port)i;
            what[n].listener = false;
            n++;
        }
        if (bp->listen_fd >= 0) {
            pfd[n] = (struct pollfd){ .fd = bp->listen_fd, .events = POLLIN };
            what[n].port = (enum omp_port)i;
            what[n].listener = true;
            n++;
        }
    }
    size_t total = 0;
    if (received != NULL) {
        *received = 0;
    }
    int r = poll(pfd, n, timeout_ms);
    if (r < 0) {
        return errno == EINTR ? OMP_OK : OMP_ERR_HAL_IO;
    }
    for (nfds_t k = 0; k < n && r > 0; k++) {
        if (pfd[k].revents == 0) {
            continue;
        }
        struct omp_posix_byteport *bp = &p->ports[what[k].port];
        if (what[k].listener) {
            tcp_accept(bp);
            continue;
        }
        if (bp->fd != pfd[k].fd) {
            continue;
        }
        uint8_t buf[4096];
        size_t got = 0;
        while (got < PUMP_MAX_BYTES_PER_PORT) {
            ssize_t m = read(bp->fd, buf, sizeof buf);
            if (m > 0) {
                bp->rx_bytes += (uint64_t)m;
                got += (size_t)m;
                if (bp->framing == OMP_FRAMING_7E1) {
                    /* 7 data bits: drop a parity bit a peer may have put in bit 7 */
                    for (ssize_t j = 0; j < m; j++) {
                        buf[j] &= 0x7Fu;
                    }
                }
                rx(rx_user, what[k].port, buf, (size_t)m);
                continue;
            }
            if (m < 0 && errno == EINTR) {
                continue;
            }
            if (m < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                break;
            }
            /* end of stream or error */
            if (bp->kind == OMP_POSIX_PORT_TCP) {
                close_fd(&bp->fd); /* client left; the listener takes the next one */
            }
            break; /* pty: EIO only without any slave open, which our hold fd prevents */
        }
        total += got;
    }
    if (received != NULL) {
        *received = total;
    }
    return OMP_OK;
}

struct meter_rx_ctx {
    struct omp_meter *m;
};

static void meter_rx(void *user, enum omp_port port, const uint8_t *data, size_t len)
{
    struct meter_rx_ctx *c = user;
    (void)omp_meter_on_rx(c->m, port, data, len); /* OMP_ERR_UNSUPPORTED until protocols land */
}

omp_err omp_posix_port_pump_meter(struct omp_posix_port *p, struct omp_meter *m, int timeout_ms)
{
    if (m == NULL) {
        return OMP_ERR_ARG;
    }
    struct meter_rx_ctx c = { .m = m };
    return omp_posix_port_pump(p, timeout_ms, meter_rx, &c, NULL);
}

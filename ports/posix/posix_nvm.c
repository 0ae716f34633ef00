/* File-backed NVM with NOR semantics: program ANDs, erase sets a sector to the erase value. */
#include "omnipower/port_posix.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

void omp_posix_nvm_default_geometry(struct omp_nvm_geometry *geo)
{
    if (geo == NULL) {
        return;
    }
    geo->size = OMP_POSIX_NVM_SIZE;
    geo->sector_size = OMP_POSIX_NVM_SECTOR_SIZE;
    geo->program_unit = OMP_POSIX_NVM_PROGRAM_UNIT;
    geo->erase_value = OMP_POSIX_NVM_ERASE_VALUE;
    geo->erase_cycles = OMP_POSIX_NVM_ERASE_CYCLES;
}

static bool geometry_ok(const struct omp_nvm_geometry *g)
{
    uint32_t pu = g->program_unit;
    bool pow2 = g->sector_size != 0u && (g->sector_size & (g->sector_size - 1u)) == 0u;
    bool unit_ok = (pu == 1u || pu == 2u || pu == 4u || pu == 8u || pu == 16u);
    return g->size != 0u && pow2 && (g->size % g->sector_size) == 0u && unit_ok &&
           (g->sector_size % pu) == 0u;
}

static void set_err(char *errbuf, size_t errcap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *errbuf, size_t errcap, const char *fmt, ...)
{
    if (errbuf == NULL || errcap == 0u) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(errbuf, errcap, fmt, ap);
    va_end(ap);
}

/* Write all of buf at off, retrying short writes and EINTR. */
static int pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
    const uint8_t *p = buf;
    while (len > 0u) {
        ssize_t n = pwrite(fd, p, len, off);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        p += (size_t)n;
        len -= (size_t)n;
        off += (off_t)n;
    }
    return 0;
}

/* Read all of len at off; a short file is an error (EIO). */
static int pread_all(int fd, void *buf, size_t len, off_t off)
{
    uint8_t *p = buf;
    while (len > 0u) {
        ssize_t n = pread(fd, p, len, off);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        if (n == 0) {
            errno = EIO;
            return -1;
        }
        p += (size_t)n;
        len -= (size_t)n;
        off += (off_t)n;
    }
    return 0;
}

/* Write the whole device as erased (geo->size bytes of the erase value) and sync. */
static int fill_erased(int fd, const struct omp_nvm_geometry *geo)
{
    uint8_t sector[4096];
    memset(sector, geo->erase_value, sizeof sector);
    for (uint32_t off = 0; off < geo->size; off += (uint32_t)sizeof sector) {
        size_t n = geo->size - off < sizeof sector ? geo->size - off : sizeof sector;
        if (pwrite_all(fd, sector, n, (off_t)off) != 0) {
            return -1;
        }
    }
    return fsync(fd);
}

/* Lock @p fd and check it is a regular file; @return OMP_OK or the error (message set). */
static omp_err lock_file(int fd, const char *path, struct stat *st, char *errbuf, size_t errcap)
{
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK) {
            set_err(errbuf, errcap, "%s: NVM file is in use by another process", path);
            return OMP_ERR_BUSY;
        }
        set_err(errbuf, errcap, "%s: cannot lock NVM file: %s", path, strerror(errno));
        return OMP_ERR_HAL_IO;
    }
    if (fstat(fd, st) != 0) {
        set_err(errbuf, errcap, "%s: cannot stat NVM file: %s", path, strerror(errno));
        return OMP_ERR_HAL_IO;
    }
    if (!S_ISREG(st->st_mode)) {
        set_err(errbuf, errcap, "%s: NVM file is not a regular file", path);
        return OMP_ERR_RANGE;
    }
    return OMP_OK;
}

/* Open @p path read-write; a missing file is created (and @p created set). */
static int open_or_create(const char *path, bool *created)
{
    *created = false;
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        *created = fd >= 0;
    }
    return fd;
}

omp_err omp_posix_nvm_open(struct omp_posix_nvm *nvm, const char *path,
                           const struct omp_nvm_geometry *geo, char *errbuf, size_t errcap)
{
    if (nvm == NULL || path == NULL || geo == NULL || !geometry_ok(geo)) {
        set_err(errbuf, errcap, "invalid NVM arguments");
        return OMP_ERR_ARG;
    }
    bool created;
    int fd = open_or_create(path, &created);
    if (fd < 0) {
        set_err(errbuf, errcap, "%s: cannot open NVM file: %s", path, strerror(errno));
        return OMP_ERR_HAL_IO;
    }
    struct stat st;
    omp_err err = lock_file(fd, path, &st, errbuf, errcap);
    if (err == OMP_OK && created && st.st_size == 0 && fill_erased(fd, geo) != 0) {
        set_err(errbuf, errcap, "%s: cannot create NVM file: %s", path, strerror(errno));
        err = OMP_ERR_HAL_IO;
        if (ftruncate(fd, 0) != 0) { /* leave an empty file: the next open retries */
        }
    } else if (err == OMP_OK && !created && st.st_size == 0) {
        /* an empty file is no NVM image: refused like any other, never taken for a new device */
        set_err(errbuf, errcap, "%s: NVM file is empty (0 bytes), not an NVM image (delete it, "
                                "or format it with --nvm-format)", path);
        err = OMP_ERR_RANGE;
    } else if (err == OMP_OK && !created && (uint64_t)st.st_size != geo->size) {
        set_err(errbuf, errcap,
                "%s: NVM file has %lld bytes, expected %lu (not an NVM image of this geometry; "
                "use another file or delete it)",
                path, (long long)st.st_size, (unsigned long)geo->size);
        err = OMP_ERR_RANGE;
    }
    if (err != OMP_OK) {
        (void)close(fd);
        return err;
    }
    memset(nvm, 0, sizeof *nvm);
    nvm->fd = fd;
    nvm->geo = *geo;
    return OMP_OK;
}

omp_err omp_posix_nvm_format_file(const char *path, const struct omp_nvm_geometry *geo,
                                  char *errbuf, size_t errcap)
{
    if (path == NULL || geo == NULL || !geometry_ok(geo)) {
        set_err(errbuf, errcap, "invalid NVM arguments");
        return OMP_ERR_ARG;
    }
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        set_err(errbuf, errcap, "%s: cannot open NVM file: %s", path, strerror(errno));
        return OMP_ERR_HAL_IO;
    }
    struct stat st;
    omp_err err = lock_file(fd, path, &st, errbuf, errcap);
    if (err == OMP_OK && (ftruncate(fd, (off_t)geo->size) != 0 || fill_erased(fd, geo) != 0)) {
        set_err(errbuf, errcap, "%s: cannot format NVM file: %s", path, strerror(errno));
        err = OMP_ERR_HAL_IO;
    }
    (void)close(fd);
    return err;
}

omp_err omp_posix_nvm_flush(struct omp_posix_nvm *nvm)
{
    if (nvm == NULL) {
        return OMP_ERR_ARG;
    }
    if (nvm->fd < 0) {
        return OMP_ERR_STATE;
    }
    return fsync(nvm->fd) == 0 ? OMP_OK : OMP_ERR_HAL_IO;
}

void omp_posix_nvm_close(struct omp_posix_nvm *nvm)
{
    if (nvm != NULL && nvm->fd >= 0) {
        (void)close(nvm->fd); /* releases the flock */
        nvm->fd = -1;
    }
}

omp_err omp_posix_nvm_geometry(void *user, struct omp_nvm_geometry *geo)
{
    const struct omp_posix_nvm *nvm = user;
    if (nvm == NULL || geo == NULL || nvm->fd < 0) {
        return OMP_ERR_ARG;
    }
    *geo = nvm->geo;
    return OMP_OK;
}

static bool range_ok(const struct omp_posix_nvm *nvm, uint32_t addr, size_t len)
{
    return addr <= nvm->geo.size && len <= (size_t)(nvm->geo.size - addr);
}

omp_err omp_posix_nvm_read(void *user, uint32_t addr, void *dst, size_t len)
{
    struct omp_posix_nvm *nvm = user;
    if (nvm == NULL || nvm->fd < 0 || (dst == NULL && len > 0u) || !range_ok(nvm, addr, len)) {
        return OMP_ERR_ARG;
    }
    nvm->read_calls++;
    if (len == 0u) {
        return OMP_OK;
    }
    return pread_all(nvm->fd, dst, len, (off_t)addr) == 0 ? OMP_OK : OMP_ERR_HAL_IO;
}

omp_err omp_posix_nvm_program(void *user, uint32_t addr, const void *src, size_t len)
{
    struct omp_posix_nvm *nvm = user;
    if (nvm == NULL || nvm->fd < 0 || (src == NULL && len > 0u) || !range_ok(nvm, addr, len) ||
        addr % nvm->geo.program_unit != 0u || len % nvm->geo.program_unit != 0u) {
        return OMP_ERR_ARG;
    }
    nvm->program_calls++;
    const uint8_t *s = src;
    uint8_t buf[256];
    /* NOR: a programmed bit can only go from the erased state to the other one */
    bool erased_ones = nvm->geo.erase_value == 0xFFu;
    while (len > 0u) {
        size_t n = len < sizeof buf ? len : sizeof buf;
        if (pread_all(nvm->fd, buf, n, (off_t)addr) != 0) {
            return OMP_ERR_HAL_IO;
        }
        for (size_t i = 0; i < n; i++) {
            buf[i] = erased_ones ? (uint8_t)(buf[i] & s[i]) : (uint8_t)(buf[i] | s[i]);
        }
        if (pwrite_all(nvm->fd, buf, n, (off_t)addr) != 0) {
            return OMP_ERR_HAL_IO;
        }
        s += n;
        addr += (uint32_t)n;
        len -= n;
    }
    return OMP_OK;
}

omp_err omp_posix_nvm_erase(void *user, uint32_t addr)
{
    struct omp_posix_nvm *nvm = user;
    if (nvm == NULL || nvm->fd < 0 || addr >= nvm->geo.size) {
        return OMP_ERR_ARG;
    }
    nvm->erase_calls++;
    uint32_t start = addr - addr % nvm->geo.sector_size;
    uint8_t buf[256];
    memset(buf, nvm->geo.erase_value, sizeof buf);
    for (uint32_t off = 0; off < nvm->geo.sector_size; off += (uint32_t)sizeof buf) {
        size_t n = nvm->geo.sector_size - off < sizeof buf ? nvm->geo.sector_size - off : sizeof buf;
        if (pwrite_all(nvm->fd, buf, n, (off_t)(start + off)) != 0) {
            return OMP_ERR_HAL_IO;
        }
    }
    return OMP_OK;
}

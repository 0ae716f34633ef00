/*
 * The log's recovery scan over an arbitrary NVM image. Byte 0 picks the geometry (2..5 sectors of
 * 256 bytes, program unit 1..16, erase value 0xFF or 0x00), byte 1 the entry length, byte 2 the
 * tag; the rest is the image. Checks: open succeeds, or reports damage without writing and
 * refuses appends (then the image is erased and the log opened again); count = next_seq - first_seq and fits the
 * slots; every entry it returns has the sequence its age implies; an append reads back as the
 * newest entry, older entries keep their content, and all of it survives a reopen.
 */
#include <string.h>

#include "fuzz.h"
#include "omnipower/hal_fakes.h"
#include "omnipower/storage.h"

#define SS 256u
#define NMAX 5u

struct fz {
    struct omp_ram_nvm nvm; /* programs towards its erase value, 0xFF or 0x00 */
    uint8_t mem[NMAX * SS];
};

static const struct omp_hal_ops k_ops = {
    .nvm_geometry = omp_ram_nvm_geometry, .nvm_read = omp_ram_nvm_read,
    .nvm_program = omp_ram_nvm_program, .nvm_erase = omp_ram_nvm_erase,
};

#define EMAX 48u
#define AGES 64u

/* Entries by age as read now (ok[] false where the read said NOT_FOUND). */
struct view {
    uint32_t count, next_seq;
    bool ok[AGES];
    uint8_t e[AGES][EMAX];
};

static void look(const struct omp_nvm_log *l, struct view *v)
{
    memset(v, 0, sizeof *v);
    OMP_FUZZ_CHECK(l->count == l->next_seq - l->first_seq);
    OMP_FUZZ_CHECK(l->count <= l->rgn.sectors * l->per_sector);
    OMP_FUZZ_CHECK(l->head < l->rgn.sectors && l->head_off >= OMP_STORE_SECTOR_HDR &&
                   l->head_off <= SS);
    v->count = l->count;
    v->next_seq = l->next_seq;
    uint8_t buf[EMAX];
    for (uint32_t age = 0; age < l->count; age++) {
        uint32_t seq = 0;
        omp_err err = omp_nvm_log_read(l, age, buf, &seq);
        OMP_FUZZ_CHECK(err == OMP_OK || err == OMP_ERR_NOT_FOUND);
        if (err == OMP_OK) {
            OMP_FUZZ_CHECK(seq == l->next_seq - 1u - age);
        }
        if (age < AGES) {
            v->ok[age] = err == OMP_OK;
            memcpy(v->e[age], buf, l->entry_len);
        }
    }
    OMP_FUZZ_CHECK(omp_nvm_log_read(l, l->count, buf, NULL) == OMP_ERR_NOT_FOUND);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fz f;
    static struct view a, b;
    if (size < 3u) {
        return 0;
    }
    uint8_t g0 = data[0];
    uint32_t n = 2u + (uint32_t)(g0 >> 4) % 4u;
    struct omp_nvm_geometry geo = { n * SS, SS, 1u << (g0 % 5u),
                                    (g0 & 0x08u) != 0u ? 0x00u : 0xFFu, 100000u };
    uint16_t elen = (uint16_t)(1u + data[1] % EMAX);
    uint16_t tag = (uint16_t)(data[2] % 4u);
    memset(&f, 0, sizeof f);
    OMP_FUZZ_CHECK(omp_ram_nvm_init(&f.nvm, f.mem, &geo, NULL) == OMP_OK);
    size_t img = size - 3u < geo.size ? size - 3u : geo.size;
    memset(f.mem, geo.erase_value, geo.size); /* erased */
    memcpy(f.mem, data + 3, img);
    struct omp_hal hal = { &k_ops, &f.nvm };

    struct omp_nvm_log l;
    static uint8_t before[sizeof f.mem];
    memcpy(before, f.mem, geo.size);
    omp_err err0 = omp_nvm_log_open(&l, &hal, 0, n, tag, elen);
    OMP_FUZZ_CHECK(err0 == OMP_OK || err0 == OMP_ERR_NVM_CORRUPT);
    if (err0 == OMP_ERR_NVM_CORRUPT) {
        /* damaged or foreign: reported, nothing written, readable entries consistent, appends
           refused; erased, it is a new log */
        OMP_FUZZ_CHECK(l.stats.damaged >= 1u && memcmp(before, f.mem, geo.size) == 0);
        look(&l, &a);
        OMP_FUZZ_CHECK(omp_nvm_log_append(&l, data) == OMP_ERR_NVM_CORRUPT);
        OMP_FUZZ_CHECK(memcmp(before, f.mem, geo.size) == 0);
        for (uint32_t i = 0; i < n; i++) {
            OMP_FUZZ_CHECK(omp_ram_nvm_erase(&f.nvm, i * SS) == OMP_OK);
        }
    }
    OMP_FUZZ_CHECK(omp_nvm_log_open(&l, &hal, 0, n, tag, elen) == OMP_OK);
    look(&l, &a);
    OMP_FUZZ_CHECK(omp_nvm_log_open(&l, &hal, 0, n, tag, elen) == OMP_OK);
    look(&l, &b);
    OMP_FUZZ_CHECK(a.next_seq == b.next_seq && a.count == b.count);

    for (int w = 0; w < 3; w++) {
        uint8_t e[EMAX], back[EMAX];
        for (size_t i = 0; i < elen; i++) {
            e[i] = data[(i * 3u + (size_t)w) % size];
        }
        omp_err err = omp_nvm_log_append(&l, e);
        OMP_FUZZ_CHECK(err == OMP_OK || err == OMP_ERR_NVM_WORN);
        if (err != OMP_OK) {
            return 0;
        }
        uint32_t seq = 0;
        OMP_FUZZ_CHECK(omp_nvm_log_read(&l, 0, back, &seq) == OMP_OK);
        OMP_FUZZ_CHECK(seq == a.next_seq && memcmp(back, e, elen) == 0);
        look(&l, &b);
        OMP_FUZZ_CHECK(b.next_seq == a.next_seq + 1u);
        /* older entries still held read as before, one age further back */
        for (uint32_t age = 0; age + 1u < b.count && age + 1u < AGES && age < a.count; age++) {
            if (a.ok[age]) {
                OMP_FUZZ_CHECK(b.ok[age + 1u] && memcmp(b.e[age + 1u], a.e[age], elen) == 0);
            }
        }
        OMP_FUZZ_CHECK(omp_nvm_log_open(&l, &hal, 0, n, tag, elen) == OMP_OK);
        look(&l, &a);
        OMP_FUZZ_CHECK(a.next_seq == b.next_seq && a.count >= 1u && a.ok[0]);
        OMP_FUZZ_CHECK(memcmp(a.e[0], e, elen) == 0);
    }
    return 0;
}

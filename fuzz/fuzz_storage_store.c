/*
 * The store's recovery scan over an arbitrary NVM image (untrusted: a power cut, a flipped bit, a
 * foreign region). Byte 0 picks the geometry (2..5 sectors of 256 bytes, program unit 1..16,
 * erase value 0xFF or 0x00); the rest is the image, padded with the erase value. Checks: open
 * succeeds (or reports a full index), or reports damage without writing a byte, keeps what it
 * can read consistent, refuses writes and is formatted on request; every key the index holds reads back and its CRC, recomputed
 * here from the raw bytes, matches; a reopen gives the same keys and values; a write then reads
 * back, leaves the other keys alone and survives a reopen.
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

struct snap {
    uint16_t key[OMP_CONFIG_STORE_KEYS];
    size_t len[OMP_CONFIG_STORE_KEYS];
    uint8_t val[OMP_CONFIG_STORE_KEYS][SS];
};

/* Every indexed key reads back; its record's CRC checks when recomputed from the bytes. */
static void check_index(const struct omp_store *s, const struct omp_hal *hal, struct snap *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < OMP_CONFIG_STORE_KEYS; i++) {
        const struct omp_store_slot *sl = &s->index[i];
        if (sl->key == 0u) {
            continue;
        }
        OMP_FUZZ_CHECK(sl->key != 0xFFFFu && sl->len <= SS);
        size_t len = 0;
        OMP_FUZZ_CHECK(omp_store_read(s, sl->key, out->val[i], SS, &len) == OMP_OK);
        OMP_FUZZ_CHECK(len == sl->len);
        out->key[i] = sl->key;
        out->len[i] = len;
        uint8_t raw[SS + 16u];
        OMP_FUZZ_CHECK(sl->addr >= s->rgn.base &&
                       sl->addr + OMP_STORE_REC_HDR + len + 4u <= s->rgn.base + s->rgn.sectors * SS);
        OMP_FUZZ_CHECK(hal->ops->nvm_read(hal->user, sl->addr, raw, OMP_STORE_REC_HDR + len + 4u) ==
                       OMP_OK);
        uint32_t crc = omp_crc32(raw, OMP_STORE_REC_HDR + len);
        const uint8_t *t = raw + OMP_STORE_REC_HDR + len;
        OMP_FUZZ_CHECK(crc == ((uint32_t)t[0] | (uint32_t)t[1] << 8 | (uint32_t)t[2] << 16 |
                               (uint32_t)t[3] << 24));
        OMP_FUZZ_CHECK(memcmp(raw + OMP_STORE_REC_HDR, out->val[i], len) == 0);
    }
}

/* Same keys with the same values (in any slot order). */
static void check_same(const struct snap *a, const struct snap *b)
{
    for (size_t i = 0; i < OMP_CONFIG_STORE_KEYS; i++) {
        if (a->key[i] == 0u) {
            continue;
        }
        bool found = false;
        for (size_t j = 0; j < OMP_CONFIG_STORE_KEYS; j++) {
            if (b->key[j] == a->key[i]) {
                OMP_FUZZ_CHECK(!found && b->len[j] == a->len[i]);
                OMP_FUZZ_CHECK(memcmp(b->val[j], a->val[i], a->len[i]) == 0);
                found = true;
            }
        }
        OMP_FUZZ_CHECK(found);
    }
}

static int count_keys(const struct snap *a)
{
    int n = 0;
    for (size_t i = 0; i < OMP_CONFIG_STORE_KEYS; i++) {
        n += a->key[i] != 0u;
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fz f;
    static struct snap a, b;
    if (size < 1u) {
        return 0;
    }
    uint8_t g0 = data[0];
    uint32_t n = 2u + (uint32_t)(g0 >> 4) % 4u;
    struct omp_nvm_geometry geo = { n * SS, SS, 1u << (g0 % 5u),
                                    (g0 & 0x08u) != 0u ? 0x00u : 0xFFu, 100000u };
    memset(&f, 0, sizeof f);
    OMP_FUZZ_CHECK(omp_ram_nvm_init(&f.nvm, f.mem, &geo, NULL) == OMP_OK);
    size_t img = size - 1u < geo.size ? size - 1u : geo.size;
    memset(f.mem, geo.erase_value, geo.size); /* erased */
    memcpy(f.mem, data + 1, img);
    struct omp_hal hal = { &k_ops, &f.nvm };

    struct omp_store s;
    static uint8_t before[sizeof f.mem];
    memcpy(before, f.mem, geo.size);
    omp_err err = omp_store_open(&s, &hal, 0, n);
    if (err == OMP_ERR_NVM_CORRUPT) {
        /* damaged or foreign: reported, nothing written, readable records consistent, writes
           refused; formatting is the way on */
        OMP_FUZZ_CHECK(memcmp(before, f.mem, geo.size) == 0);
        check_index(&s, &hal, &a);
        OMP_FUZZ_CHECK(s.stats.damaged >= 1u);
        OMP_FUZZ_CHECK(omp_store_write(&s, 1u, data, 0u) == OMP_ERR_NVM_CORRUPT);
        OMP_FUZZ_CHECK(memcmp(before, f.mem, geo.size) == 0);
        OMP_FUZZ_CHECK(omp_store_open(&s, &hal, 0, n) == OMP_ERR_NVM_CORRUPT);
        OMP_FUZZ_CHECK(omp_store_format(&s) == OMP_OK && s.stats.damaged == 0u);
        err = OMP_OK;
    }
    if (err != OMP_OK) {
        OMP_FUZZ_CHECK(err == OMP_ERR_NVM_FULL);
        return 0;
    }
    OMP_FUZZ_CHECK(s.head < n && s.head_off >= OMP_STORE_SECTOR_HDR && s.head_off <= SS);
    check_index(&s, &hal, &a);
    OMP_FUZZ_CHECK(omp_store_open(&s, &hal, 0, n) == OMP_OK);
    check_index(&s, &hal, &b);
    check_same(&a, &b);
    OMP_FUZZ_CHECK(count_keys(&a) == count_keys(&b));

    /* two writes (the second to a key of the image when there is one), each read back */
    for (int w = 0; w < 2; w++) {
        uint16_t key = (uint16_t)(1u + (g0 + (unsigned)w * 3u) % 9u);
        if (w == 1) {
            for (size_t i = 0; i < OMP_CONFIG_STORE_KEYS; i++) {
                key = a.key[i] != 0u ? a.key[i] : key;
            }
        }
        uint8_t v[40];
        size_t len = (size + (size_t)w * 7u) % sizeof v;
        for (size_t i = 0; i < len; i++) {
            v[i] = data[(i * 5u + (size_t)w) % size];
        }
        err = omp_store_write(&s, key, v, len);
        OMP_FUZZ_CHECK(err == OMP_OK || err == OMP_ERR_NVM_FULL || err == OMP_ERR_NVM_WORN);
        if (err != OMP_OK) {
            /* values unchanged, also after a reopen */
            check_index(&s, &hal, &b);
            check_same(&a, &b);
            OMP_FUZZ_CHECK(omp_store_open(&s, &hal, 0, n) == OMP_OK);
            check_index(&s, &hal, &b);
            check_same(&a, &b);
            return 0;
        }
        uint8_t back[40];
        size_t blen = 0;
        OMP_FUZZ_CHECK(omp_store_read(&s, key, back, sizeof back, &blen) == OMP_OK);
        OMP_FUZZ_CHECK(blen == len && memcmp(back, v, len) == 0);
        /* the model: a with this key's new value */
        bool found = false;
        for (size_t i = 0; i < OMP_CONFIG_STORE_KEYS; i++) {
            if (a.key[i] == key) {
                a.len[i] = len;
                memcpy(a.val[i], v, len);
                found = true;
            }
        }
        for (size_t i = 0; i < OMP_CONFIG_STORE_KEYS && !found; i++) {
            if (a.key[i] == 0u) {
                a.key[i] = key;
                a.len[i] = len;
                memcpy(a.val[i], v, len);
                found = true;
            }
        }
        OMP_FUZZ_CHECK(found);
        check_index(&s, &hal, &b);
        check_same(&a, &b);
        OMP_FUZZ_CHECK(count_keys(&a) == count_keys(&b));
        OMP_FUZZ_CHECK(omp_store_open(&s, &hal, 0, n) == OMP_OK);
        check_index(&s, &hal, &b);
        check_same(&a, &b);
        OMP_FUZZ_CHECK(count_keys(&a) == count_keys(&b));
    }
    return 0;
}

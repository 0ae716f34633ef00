/*
 * The meter configuration parsers of omnipower/mcfg.h (type numbers and Z-code texts typed by
 * people or read from files: untrusted). The input is tried as a type number, as a Z text, as a
 * compact Z string, and split after 18 bytes as a type number followed by a Z text. Checks:
 * - a rejected input fails only with the documented codes, names a field, and leaves the outputs
 *   (struct, seen mask) untouched;
 * - an accepted type number is the canonical text (encode gives the same bytes), decodes again to
 *   the same struct, and its identification is a space and its first 15 characters;
 * - accepted Z codes format (the named subset and the whole set) and parse back to the same codes,
 *   and the compact form round-trips;
 * - a valid pair has valid factory defaults, derives settings, and may "change" to itself.
 */
#include <string.h>

#include "fuzz.h"
#include "omnipower/mcfg.h"

static const struct omp_mcfg_zcodes k_start = {
    .z1_decimals = 3,
    .z2_led = 1,
    .z4_period = 2,
    .z6_billing_day = 1,
    .z7_billing_interval = 1,
    .z8_pulse_alarm = 1,
    .z11_gmt = 1,
    .z15_dst = 1,
    .z18_iec1107 = 2,
};

static void check_why(omp_err err, const struct omp_mcfg_error *why)
{
    OMP_FUZZ_CHECK(err == OMP_ERR_MALFORMED || err == OMP_ERR_RANGE || err == OMP_ERR_UNSUPPORTED ||
                   err == OMP_ERR_NOT_FOUND);
    OMP_FUZZ_CHECK(why->field != NULL && why->allowed != NULL);
    OMP_FUZZ_CHECK(memchr(why->value, '\0', sizeof why->value) != NULL);
}

static bool typeno(const char *s, size_t n, struct omp_mcfg_typeno *t)
{
    static struct omp_mcfg_typeno sentinel, again;
    memset(&sentinel, 0x5A, sizeof sentinel);
    memcpy(t, &sentinel, sizeof *t);
    struct omp_mcfg_error why;
    omp_err err = omp_mcfg_typeno_decode(s, n, t, &why);
    if (err != OMP_OK) {
        check_why(err, &why);
        OMP_FUZZ_CHECK(memcmp(t, &sentinel, sizeof *t) == 0);
        return false;
    }
    char out[OMP_MCFG_TYPENO_SIZE];
    char id[OMP_MCFG_IDENT_SIZE];
    OMP_FUZZ_CHECK(omp_mcfg_typeno_encode(t, out, sizeof out) == OMP_OK);
    OMP_FUZZ_CHECK(n == OMP_MCFG_TYPENO_LEN && memcmp(out, s, n) == 0 && out[n] == '\0');
    OMP_FUZZ_CHECK(omp_mcfg_typeno_decode(out, n, &again, NULL) == OMP_OK);
    OMP_FUZZ_CHECK(omp_mcfg_typeno_equal(t, &again));
    OMP_FUZZ_CHECK(omp_mcfg_typeno_ident(t, id, sizeof id) == OMP_OK);
    OMP_FUZZ_CHECK(id[0] == ' ' && memcmp(id + 1, s, 15) == 0 && id[16] == '\0');
    OMP_FUZZ_CHECK(omp_mcfg_country(t->country) != NULL);
    return true;
}

static bool ztext(const char *s, size_t n, struct omp_mcfg_zcodes *z)
{
    *z = k_start;
    uint32_t seen = 0xFFFFFFFFu;
    struct omp_mcfg_error why;
    omp_err err = omp_mcfg_z_parse(s, n, z, &seen, &why);
    if (err != OMP_OK) {
        check_why(err, &why);
        OMP_FUZZ_CHECK(omp_mcfg_z_equal(z, &k_start) && seen == 0xFFFFFFFFu);
        return false;
    }
    OMP_FUZZ_CHECK((seen & ~OMP_MCFG_Z_ALL) == 0u);
    OMP_FUZZ_CHECK(omp_mcfg_z_validate(z, NULL) == OMP_OK);
    char out[OMP_MCFG_Z_TEXT_SIZE];
    size_t len = 0;
    uint32_t seen2 = 0;
    struct omp_mcfg_zcodes again = k_start;
    OMP_FUZZ_CHECK(omp_mcfg_z_format(z, seen, out, sizeof out, &len) == OMP_OK);
    OMP_FUZZ_CHECK(len == strlen(out));
    OMP_FUZZ_CHECK(omp_mcfg_z_parse(out, len, &again, &seen2, NULL) == OMP_OK);
    OMP_FUZZ_CHECK(seen2 == seen && omp_mcfg_z_equal(&again, z));
    memset(&again, 0, sizeof again);
    OMP_FUZZ_CHECK(omp_mcfg_z_format(z, OMP_MCFG_Z_ALL, out, sizeof out, &len) == OMP_OK);
    OMP_FUZZ_CHECK(omp_mcfg_z_parse(out, len, &again, &seen2, NULL) == OMP_OK);
    OMP_FUZZ_CHECK(seen2 == OMP_MCFG_Z_ALL && omp_mcfg_z_equal(&again, z));
    char c[OMP_MCFG_Z_COMPACT_SIZE];
    OMP_FUZZ_CHECK(omp_mcfg_z_compact_encode(z, c, sizeof c) == OMP_OK);
    OMP_FUZZ_CHECK(omp_mcfg_z_compact_decode(c, OMP_MCFG_Z_COMPACT_LEN, &again, NULL) == OMP_OK);
    OMP_FUZZ_CHECK(omp_mcfg_z_equal(&again, z));
    return true;
}

static void compact(const char *s, size_t n)
{
    struct omp_mcfg_zcodes z = k_start;
    struct omp_mcfg_error why;
    omp_err err = omp_mcfg_z_compact_decode(s, n, &z, &why);
    if (err != OMP_OK) {
        check_why(err, &why);
        OMP_FUZZ_CHECK(omp_mcfg_z_equal(&z, &k_start));
        return;
    }
    char c[OMP_MCFG_Z_COMPACT_SIZE];
    OMP_FUZZ_CHECK(omp_mcfg_z_compact_encode(&z, c, sizeof c) == OMP_OK);
    OMP_FUZZ_CHECK(n == OMP_MCFG_Z_COMPACT_LEN && memcmp(c, s, n) == 0);
}

static void pair(const struct omp_mcfg_typeno *t, const struct omp_mcfg_zcodes *z)
{
    struct omp_mcfg cfg = {.type = *t, .z = *z};
    struct omp_mcfg_services sv;
    struct omp_mcfg_error why;
    OMP_FUZZ_CHECK(omp_mcfg_defaults(t, &cfg.z) == OMP_OK);
    OMP_FUZZ_CHECK(omp_mcfg_validate(&cfg, NULL) == OMP_OK);
    cfg.z = *z;
    omp_err err = omp_mcfg_validate(&cfg, &why);
    if (err != OMP_OK) { /* only the cross rule can fail here */
        OMP_FUZZ_CHECK(err == OMP_ERR_RANGE && strcmp(why.field, "Z19") == 0);
        OMP_FUZZ_CHECK(omp_mcfg_derive(t, z, &sv) == OMP_ERR_RANGE);
        return;
    }
    OMP_FUZZ_CHECK(omp_mcfg_derive(t, z, &sv) == OMP_OK);
    OMP_FUZZ_CHECK(sv.breaker.present == omp_mcfg_has_breaker(t));
    OMP_FUZZ_CHECK(sv.registers.utc_offset_min >= -660 && sv.registers.utc_offset_min <= 720);
    OMP_FUZZ_CHECK(omp_mcfg_check_change(&cfg, &cfg, NULL) == OMP_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (data == NULL) {
        return 0;
    }
    const char *s = (const char *)data;
    struct omp_mcfg_typeno t;
    struct omp_mcfg_zcodes z;
    (void)typeno(s, size, &t);
    (void)ztext(s, size, &z);
    compact(s, size);
    if (size >= OMP_MCFG_TYPENO_LEN && typeno(s, OMP_MCFG_TYPENO_LEN, &t) &&
        ztext(s + OMP_MCFG_TYPENO_LEN, size - OMP_MCFG_TYPENO_LEN, &z)) {
        pair(&t, &z);
    }
    return 0;
}

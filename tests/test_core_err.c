/* Error code names and descriptions: every enum value of core.h has its own, unknown values get
 * the documented fallbacks. The list below is copied from the enum in include/omnipower/core.h;
 * the names are the enumerator spellings, so they are checked literally. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/core.h"

#define E(x)                                                                                       \
    {                                                                                              \
        x, #x                                                                                      \
    }
static const struct {
    omp_err err;
    const char *name;
} k_all[] = {
    E(OMP_OK),
    E(OMP_ERR_ARG),
    E(OMP_ERR_UNSUPPORTED),
    E(OMP_ERR_STATE),
    E(OMP_ERR_INTERNAL),
    E(OMP_ERR_BUSY),
    E(OMP_ERR_MALFORMED),
    E(OMP_ERR_RANGE),
    E(OMP_ERR_CRC),
    E(OMP_ERR_TRUNCATED),
    E(OMP_ERR_UNEXPECTED),
    E(OMP_ERR_DEPTH),
    E(OMP_ERR_NOSPACE),
    E(OMP_ERR_OVERFLOW),
    E(OMP_ERR_NVM_CORRUPT),
    E(OMP_ERR_NVM_FULL),
    E(OMP_ERR_NOT_FOUND),
    E(OMP_ERR_NVM_WORN),
    E(OMP_ERR_PROTOCOL),
    E(OMP_ERR_DENIED),
    E(OMP_ERR_AUTH),
    E(OMP_ERR_REPLAY),
    E(OMP_ERR_TIMEOUT),
    E(OMP_ERR_HAL),
    E(OMP_ERR_HAL_IO),
    E(OMP_ERR_POWER_LOST),
};
#undef E

static bool known(int v)
{
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_all); i++) {
        if ((int)k_all[i].err == v) {
            return true;
        }
    }
    return false;
}

static void test_every_value_named(void **state)
{
    (void)state;
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_all); i++) {
        const char *name = omp_err_name(k_all[i].err);
        const char *text = omp_strerror(k_all[i].err);
        assert_non_null(name);
        assert_non_null(text);
        assert_string_equal(name, k_all[i].name);
        assert_true(strlen(text) > 0u);
        assert_string_not_equal(text, "unknown error");
        for (size_t j = 0; j < i; j++) {
            assert_string_not_equal(name, omp_err_name(k_all[j].err));
            assert_string_not_equal(text, omp_strerror(k_all[j].err));
        }
    }
    assert_string_equal(omp_strerror(OMP_ERR_NOSPACE), "output buffer too small");
}

static void test_ranges_and_fallback(void **state)
{
    (void)state;
    /* values are negative and sit in their family's range of 16 (header comment) */
    for (size_t i = 1; i < OMP_ARRAY_LEN(k_all); i++) {
        assert_true((int)k_all[i].err < 0);
        assert_true((int)k_all[i].err >= -95);
    }
    /* every other value in and around the used space gets the fallback */
    for (int v = -200; v <= 50; v++) {
        if (known(v)) {
            continue;
        }
        assert_string_equal(omp_err_name((omp_err)v), "OMP_ERR_?");
        assert_string_equal(omp_strerror((omp_err)v), "unknown error");
    }
    assert_string_equal(omp_err_name((omp_err)INT32_MIN), "OMP_ERR_?");
    assert_string_equal(omp_strerror((omp_err)INT32_MAX), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_value_named),
        cmocka_unit_test(test_ranges_and_fallback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

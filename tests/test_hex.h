/*
 * Hex text to bytes for the tests' vectors (cmocka: a bad digit, an odd length or an overflow
 * fails the test). Include after <cmocka.h>.
 */
#ifndef OMP_TEST_HEX_H
#define OMP_TEST_HEX_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static int nib(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* Decode @p hex into @p out (cap bytes); returns the byte count. */
static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex);
    assert_int_equal(n % 2u, 0u);
    assert_true(n / 2u <= cap);
    for (size_t i = 0; i < n / 2u; i++) {
        int hi = nib(hex[2u * i]);
        int lo = nib(hex[2u * i + 1u]);
        assert_true(hi >= 0 && lo >= 0);
        out[i] = (uint8_t)((unsigned)hi << 4 | (unsigned)lo);
    }
    return n / 2u;
}

#endif /* OMP_TEST_HEX_H */

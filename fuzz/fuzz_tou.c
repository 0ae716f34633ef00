/*
 * The time-of-use calendar decoder (bytes from NVM or a configuration file: untrusted), followed by
 * the evaluation of what it accepted. Checks:
 * - a rejected input fails only with the documented codes and leaves the output calendar and the
 *   reader untouched;
 * - an accepted one passes omp_tou_check, re-encodes to exactly the bytes consumed, and decodes
 *   again to the same calendar;
 * - the bytes after the calendar pick a UTC instant, offset and DST rule: the engine's tariff is
 *   1..OMP_CONFIG_TARIFFS, and omp_tou_next_switch agrees with the engine: a reported change has
 *   the new tariff from that second on and the old one the second before and half-way there; no
 *   change reported means the old tariff at the end of the horizon (unless that is past 2199).
 */
#include <string.h>

#include "fuzz.h"
#include "omnipower/tariff.h"

#define HORIZON_S (40u * 86400u)

static uint8_t tariff_at(struct omp_tariff *e, omp_time_s utc, int32_t offset,
                         enum omp_dst_rule dst)
{
    uint8_t t = omp_tariff_now(e, utc, offset, dst);
    OMP_FUZZ_CHECK(t >= 1u && t <= OMP_CONFIG_TARIFFS);
    return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct omp_tou_calendar cal, sentinel, again;
    memset(&sentinel, 0x5A, sizeof sentinel);
    memcpy(&cal, &sentinel, sizeof cal);
    struct omp_rd rd = omp_rd_init(data, size);
    omp_err err = omp_tou_decode(&rd, &cal);
    if (err != OMP_OK) {
        OMP_FUZZ_CHECK(err == OMP_ERR_TRUNCATED || err == OMP_ERR_MALFORMED ||
                       err == OMP_ERR_RANGE);
        OMP_FUZZ_CHECK(memcmp(&cal, &sentinel, sizeof cal) == 0);
        OMP_FUZZ_CHECK(omp_rd_pos(&rd) == 0u);
        return 0;
    }
    const size_t used = omp_rd_pos(&rd);
    OMP_FUZZ_CHECK(used <= size && used <= OMP_TOU_ENCODED_MAX);
    OMP_FUZZ_CHECK(omp_tou_check(&cal) == OMP_OK);

    static uint8_t out[OMP_TOU_ENCODED_MAX];
    struct omp_wr w = omp_wr_init(out, sizeof out);
    OMP_FUZZ_CHECK(omp_tou_encode(&cal, &w) == OMP_OK);
    OMP_FUZZ_CHECK(omp_wr_len(&w) == used && memcmp(out, data, used) == 0);
    struct omp_rd rd2 = omp_rd_init(out, used);
    OMP_FUZZ_CHECK(omp_tou_decode(&rd2, &again) == OMP_OK && omp_rd_pos(&rd2) == used);
    OMP_FUZZ_CHECK(memcmp(&again, &cal, sizeof cal) == 0);

    /* evaluation at an instant chosen by the trailing bytes */
    uint8_t x[6] = {0};
    memcpy(x, data + used, (size - used < sizeof x) ? size - used : sizeof x);
    const omp_time_s utc = /* 1970..2242: also past the library's range */
        (omp_time_s)(((uint32_t)x[0] << 24) | ((uint32_t)x[1] << 16) | ((uint32_t)x[2] << 8) |
                     x[3]) *
        2;
    const int32_t offset = ((int32_t)(x[4] % 53u) - 24) * 30; /* -12:00..+14:00 in half hours */
    const enum omp_dst_rule dst = (x[5] & 1u) ? OMP_DST_EU : OMP_DST_NONE;

    static struct omp_tariff e;
    omp_tariff_init(&e);
    e.source = OMP_TARIFF_SRC_CALENDAR;
    OMP_FUZZ_CHECK(omp_tariff_set_passive(&e, &cal, 0) == OMP_OK);
    const uint8_t now = tariff_at(&e, utc, offset, dst);

    omp_time_s next = 0;
    uint8_t t = 0;
    err = omp_tou_next_switch(&cal, utc, offset, dst, HORIZON_S, &next, &t);
    if (err == OMP_OK) {
        OMP_FUZZ_CHECK(next > utc && next <= utc + (omp_time_s)HORIZON_S);
        OMP_FUZZ_CHECK(t != now && t >= 1u && t <= OMP_CONFIG_TARIFFS);
        OMP_FUZZ_CHECK(tariff_at(&e, next, offset, dst) == t);
        OMP_FUZZ_CHECK(tariff_at(&e, next - 1, offset, dst) == now);
        OMP_FUZZ_CHECK(tariff_at(&e, utc + (next - utc) / 2, offset, dst) == now);
    } else if (err == OMP_ERR_ARG) {
        struct omp_datetime local;
        OMP_FUZZ_CHECK(omp_local_time(utc, offset, dst, &local, NULL) != OMP_OK); /* before 1970 */
    } else {
        struct omp_datetime local;
        const omp_time_s end = utc + (omp_time_s)HORIZON_S;
        OMP_FUZZ_CHECK(err == OMP_ERR_NOT_FOUND);
        OMP_FUZZ_CHECK(tariff_at(&e, end, offset, dst) == now ||
                       omp_local_time(end, offset, dst, &local, NULL) != OMP_OK); /* past 2199 */
    }
    return 0;
}

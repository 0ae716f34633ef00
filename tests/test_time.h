/* UTC instants for tests, from the host C library's timegm() (independent of the code under
 * test). Include after <string.h> and <time.h>; tests are built with _DEFAULT_SOURCE. */
#ifndef OMNIPOWER_TESTS_TEST_TIME_H
#define OMNIPOWER_TESTS_TEST_TIME_H

#include <string.h>
#include <time.h>

#include "omnipower/core.h"

/** The UTC instant of the civil UTC time year-month-day hour:minute:second. */
static inline omp_time_s utc_of(int year, int month, int day, int hour, int minute, int second)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    return (omp_time_s)timegm(&tm);
}

#endif /* OMNIPOWER_TESTS_TEST_TIME_H */

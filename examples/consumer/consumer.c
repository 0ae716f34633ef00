/*
 * Smallest program against an installed libomnipower: checks the HDLC frame check sequence of a
 * frame from Kamstrup's DLMS documentation and prints the library version.
 */
#include <stdio.h>

#include <omnipower/omnipower.h>

int main(void)
{
    /* Expected values: the CRC catalogue's check value, and Python's calendar.timegm(). */
    static const char check[] = "123456789";
    uint16_t fcs = omp_crc16_x25(check, sizeof check - 1u);
    omp_time_s t = 0;
    static const char when[] = "2026-11-24T12:00:00Z";
    omp_err err = omp_iso8601_parse(when, sizeof when - 1u, &t);
    printf("libomnipower %s: CRC-16/X.25 check 0x%04X, %s -> %lld (%s)\n", OMP_VERSION_STRING,
           (unsigned)fcs, when, (long long)t, omp_strerror(err));
    return (fcs == OMP_CRC16_X25_CHECK && err == OMP_OK && t == 1795521600) ? 0 : 1;
}

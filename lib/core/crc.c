/*
 * CRC-16/X.25 and CRC-32 (ISO-HDLC), both reflected, computed a nibble at a time with 16-entry
 * tables: 32 + 64 bytes of flash instead of 512 + 1024 for byte tables, about twice the work of a
 * byte table per byte and a quarter of the bitwise loop. Parameters from the CRC catalogue
 * (R. Williams model): X.25 width 16 poly 0x1021 refin/refout init 0xFFFF xorout 0xFFFF check
 * 0x906E; CRC-32 width 32 poly 0x04C11DB7 refin/refout init/xorout 0xFFFFFFFF check 0xCBF43926.
 */
#include "omnipower/core.h"

/* k_crc16_nib[n] = CRC register after shifting nibble n through the reflected poly 0x8408. */
static const uint16_t k_crc16_nib[16] = {
    0x0000u, 0x1081u, 0x2102u, 0x3183u, 0x4204u, 0x5285u, 0x6306u, 0x7387u,
    0x8408u, 0x9489u, 0xA50Au, 0xB58Bu, 0xC60Cu, 0xD68Du, 0xE70Eu, 0xF78Fu,
};

/* k_crc32_nib[n] likewise for the reflected poly 0xEDB88320. */
static const uint32_t k_crc32_nib[16] = {
    0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
    0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
    0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu,
};

uint16_t omp_crc16_x25_update(uint16_t state, const void *data, size_t len)
{
    const uint8_t *p = (const uint8_t *)data;
    uint16_t crc = state;
    for (size_t i = 0; i < len; i++) {
        crc = (uint16_t)(crc ^ p[i]);
        crc = (uint16_t)((crc >> 4) ^ k_crc16_nib[crc & 0x0Fu]);
        crc = (uint16_t)((crc >> 4) ^ k_crc16_nib[crc & 0x0Fu]);
    }
    return crc;
}

uint16_t omp_crc16_x25(const void *data, size_t len)
{
    return (uint16_t)~omp_crc16_x25_update(OMP_CRC16_X25_INIT, data, len);
}

uint32_t omp_crc32_update(uint32_t state, const void *data, size_t len)
{
    const uint8_t *p = (const uint8_t *)data;
    uint32_t crc = state;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        crc = (crc >> 4) ^ k_crc32_nib[crc & 0x0Fu];
        crc = (crc >> 4) ^ k_crc32_nib[crc & 0x0Fu];
    }
    return crc;
}

uint32_t omp_crc32(const void *data, size_t len)
{
    return ~omp_crc32_update(OMP_CRC32_INIT, data, len);
}

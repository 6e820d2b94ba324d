/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* CRC32c (Castagnoli, reflected polynomial 0x82F63B78), slicing by 8. */
#include <pthread.h>
#include <string.h>
#include "sctp_wire.h"

static uint32_t crc_table[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_table_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
		crc_table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^ crc_table[0][crc_table[t - 1][i] & 0xff];
}

static uint32_t crc_update(uint32_t c, const uint8_t *p, size_t len)
{
	while (len >= 8) {
		uint32_t lo, hi;

		memcpy(&lo, p, 4);   /* little-endian hosts; SCTP's CRC is reflected */
		memcpy(&hi, p + 4, 4);
		lo ^= c;
		c = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^
		    crc_table[5][(lo >> 16) & 0xff] ^ crc_table[4][lo >> 24] ^
		    crc_table[3][hi & 0xff] ^ crc_table[2][(hi >> 8) & 0xff] ^
		    crc_table[1][(hi >> 16) & 0xff] ^ crc_table[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		c = (c >> 8) ^ crc_table[0][(c ^ *p++) & 0xff];
	return c;
}

/* The value to store in the packet's checksum field (memcpy, host order on little-endian). */
uint32_t pm_crc32c(const uint8_t *buf, size_t len)
{
	pthread_once(&crc_once, crc_table_init);
	return ~crc_update(0xffffffffu, buf, len);
}

bool pm_crc_ok(const uint8_t *pkt, size_t len)
{
	static const uint8_t zero[4];
	uint32_t c, carried;

	if (len < PM_SCTP_HDR_LEN)
		return false;
	pthread_once(&crc_once, crc_table_init);
	c = crc_update(0xffffffffu, pkt, 8);
	c = crc_update(c, zero, 4);
	c = ~crc_update(c, pkt + 12, len - 12);
	memcpy(&carried, pkt + 8, 4);
	return c == carried;
}

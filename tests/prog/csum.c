// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include "csum.h"

uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t ipv4_header_csum(const uint8_t *ip, size_t ihl_bytes)
{
	uint32_t sum = csum_add(0, ip, 10);

	sum = csum_add(sum, ip + 12, ihl_bytes - 12);
	return csum_fold(sum);
}

uint16_t udp_csum(const uint8_t *src, const uint8_t *dst, size_t addr_len, const uint8_t *udp,
		  size_t len)
{
	uint32_t sum;
	uint16_t c;

	sum = csum_add(0, src, addr_len);
	sum = csum_add(sum, dst, addr_len);
	/* Protocol and length: the same sum for the IPv4 and the IPv6 pseudo-header. */
	sum += 17;
	sum += (uint32_t)len;
	sum = csum_add(sum, udp, 6);
	sum = csum_add(sum, udp + 8, len - 8);
	c = csum_fold(sum);
	/* A computed 0 is sent as all ones: 0 means "no checksum" (IPv4) or is invalid (IPv6). */
	return c ? c : 0xffff;
}

bool udp_csum_ok(const uint8_t *src, const uint8_t *dst, size_t addr_len, const uint8_t *udp,
		 size_t len)
{
	uint16_t stored = (uint16_t)(udp[6] << 8 | udp[7]);

	return len >= 8 && stored == udp_csum(src, dst, addr_len, udp, len);
}

uint32_t crc32c(const uint8_t *p, size_t len)
{
	uint32_t crc = 0xffffffff;
	size_t i;
	int b;

	for (i = 0; i < len; i++) {
		crc ^= p[i];
		for (b = 0; b < 8; b++)
			crc = crc >> 1 ^ (0x82f63b78 & -(crc & 1));
	}
	return ~crc;
}

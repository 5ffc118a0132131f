/* SPDX-License-Identifier: GPL-2.0-or-later
 * libFuzzer target for idmap_format(), the text written to /proc/PID/uid_map.
 *
 * Input: 2 bytes of page size (little endian, 1..65536: 0 stands for 65536), then 12 bytes per
 * extent (inner, outer, count, little endian), any values at all, at most 400 extents: the
 * formatter must not rely on the extents having been checked.
 *
 * Properties: idmap_format() writes only inside a heap block of exactly page_size bytes; on
 * success the length is below page_size, the text is NUL-terminated there and equals the lines
 * "%u %u %u\n" formatted independently; it fails with -E2BIG (IDMAP_E_TEXT_SIZE, limit
 * page_size, index the first extent whose line does not fit) exactly when that text would be
 * page_size bytes or more; on failure *ret_len is untouched. */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "idmap.h"

#define MAX_EXT 400

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct idmap_extent e[MAX_EXT];
	struct idmap_error err = { .reason = IDMAP__MAX };
	size_t page_size, n, want_len = 0, len = 777777, first_too_long = SIZE_MAX;
	char *buf, *want;

	if (size < 2)
		return 0;
	page_size = (size_t)data[0] | (size_t)data[1] << 8;
	if (page_size == 0)
		page_size = 65536;
	data += 2, size -= 2;
	n = size / 12;
	if (n > MAX_EXT)
		n = MAX_EXT;
	for (size_t i = 0; i < n; i++)
		e[i] = (struct idmap_extent){ le32(data + 12 * i), le32(data + 12 * i + 4), le32(data + 12 * i + 8) };

	/* The expected text, formatted line by line into a block large enough for any input. */
	want = malloc(MAX_EXT * 33 + 1);
	buf = malloc(page_size);
	if (!want || !buf)
		goto out;
	want[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		want_len += (size_t)sprintf(want + want_len, "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n", e[i].inner,
					    e[i].outer, e[i].count);
		if (want_len >= page_size && first_too_long == SIZE_MAX)
			first_too_long = i;
	}

	if (idmap_format(e, n, page_size, buf, &len, &err) == 0) {
		FUZZ_ASSERT(first_too_long == SIZE_MAX, "%zu bytes of text accepted for a page of %zu", want_len, page_size);
		FUZZ_ASSERT(len == want_len && len < page_size, "length %zu, expected %zu (page %zu)", len, want_len,
			    page_size);
		FUZZ_ASSERT(buf[len] == '\0' && memcmp(buf, want, len) == 0, "map text differs from snprintf's");
	} else {
		FUZZ_ASSERT(first_too_long != SIZE_MAX, "refused %zu bytes of text for a page of %zu", want_len, page_size);
		FUZZ_ASSERT(err.reason == IDMAP_E_TEXT_SIZE && err.index == first_too_long && err.limit == page_size,
			    "error reason %d index %zu limit %zu, expected index %zu", (int)err.reason, err.index,
			    err.limit, first_too_long);
		FUZZ_ASSERT(len == 777777, "*ret_len written on failure");
	}
out:
	free(buf);
	free(want);
	return 0;
}

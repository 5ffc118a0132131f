/* SPDX-License-Identifier: GPL-2.0-or-later
 * libFuzzer target for subid_parse_u32(), the one number parser (number.h).
 *
 * Properties checked on every input (the bytes are the string, len is the input size):
 *  - the result matches an independent reading of the grammar "0" | [1-9][0-9]*: -EINVAL for
 *    anything else, -ERANGE for a well-formed number above 4294967295, 0 otherwise;
 *  - on success the value formats back with "%u" to exactly the input bytes (one spelling per
 *    number, so two different strings never name the same id);
 *  - on failure *ret is untouched;
 *  - no byte past len is read: the input is copied into a heap block of exactly len bytes, so
 *    ASan reports any read beyond it;
 *  - subid_parse_u32_str() agrees on the NUL-terminated prefix. */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "number.h"

/* The grammar read again, without arithmetic that could wrap: compare digit strings. */
static int reference(const char *s, size_t len)
{
	if (len == 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
	if (s[0] == '0' && len > 1)
		return -EINVAL;
	if (len > 10 || (len == 10 && memcmp(s, "4294967295", 10) > 0))
		return -ERANGE;
	return 0;
}

static void check_one(const char *s, size_t len)
{
	const uint32_t sentinel = 0xa5a5a5a5u;
	uint32_t v = sentinel;
	int r = subid_parse_u32(s, len, &v), want = reference(s, len);

	FUZZ_ASSERT(r == want, "subid_parse_u32 returned %d, the grammar says %d (len %zu)", r, want, len);
	if (r == 0) {
		char text[16];
		int w = snprintf(text, sizeof(text), "%" PRIu32, v);

		FUZZ_ASSERT(w > 0 && (size_t)w == len && memcmp(text, s, len) == 0,
			    "value %" PRIu32 " does not re-format to the input", v);
	} else {
		FUZZ_ASSERT(v == sentinel, "*ret written on failure (%d)", r);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size ? size : 1), *z;
	uint32_t a = 1, b = 2;
	size_t zlen;
	int ra, rb;

	if (!s)
		return 0;
	if (size)
		memcpy(s, data, size);
	check_one(s, size);
	/* Every prefix too: cheap, and it exercises the boundaries of short inputs. */
	for (size_t k = 0; k < size && k < 24; k++)
		check_one(s, k);
	free(s);

	/* The NUL-terminated form reads up to the first NUL. */
	z = malloc(size + 1);
	if (!z)
		return 0;
	if (size)
		memcpy(z, data, size);
	z[size] = '\0';
	zlen = strlen(z);
	ra = subid_parse_u32_str(z, &a);
	rb = subid_parse_u32(z, zlen, &b);
	FUZZ_ASSERT(ra == rb && (ra < 0 || a == b), "subid_parse_u32_str disagrees with subid_parse_u32");
	free(z);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later
 * libFuzzer target for idmap_parse_args(), the argument parser with the kernel's range rules.
 *
 * Input: the argument words, separated by ' ' or '\n' (two separators in a row give an empty
 * word, a separator at the very end is dropped); other bytes, control bytes included, stay in
 * the words. At most 1100 words, enough to pass the 340-extent limit. The word array ends with a
 * NULL like argv.
 *
 * Properties:
 *  - on success: idmap_check() accepts the extents; each number is the canonical spelling of its
 *    word; idmap_format() into a heap block of exactly 4096 bytes stays inside it and returns
 *    either text shorter than 4096 bytes, NUL-terminated, or -E2BIG; that text, split back into
 *    lines and words, parses to the same extents;
 *  - on failure: the reason is one of the documented ones, and idmap_describe() writes a
 *    NUL-terminated sentence inside its buffer, for a large and for tiny buffers. */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "idmap.h"

#define MAX_WORDS 1100
#define PAGE 4096

/* Split [p, p+len) in place at ' ' and '\n' (bytes replaced by NUL) into words[]. */
static size_t split(char *p, size_t len, char **words, size_t max)
{
	size_t n = 0;
	char *w = p;

	if (len == 0)
		return 0;
	for (size_t i = 0; i <= len && n < max; i++) {
		if (i == len || p[i] == ' ' || p[i] == '\n') {
			if (i == len && w == p + len)
				break; /* the input ended with a separator */
			if (i < len)
				p[i] = '\0';
			words[n++] = w;
			w = p + i + 1;
		}
	}
	return n;
}

static void check_canonical(const char *word, uint32_t v)
{
	char t[16];

	snprintf(t, sizeof(t), "%" PRIu32, v);
	FUZZ_ASSERT(strcmp(t, word) == 0, "word '%s' parsed as %" PRIu32, word, v);
}

static void describe_all(const struct idmap_error *err, char *const *args, const struct idmap_extent *e)
{
	static const size_t sizes[] = { 1, 2, 17, 64, 512 };

	for (size_t k = 0; k < ELEMENTS(sizes); k++) {
		char *buf = malloc(sizes[k]);

		if (!buf)
			return;
		memset(buf, 'Z', sizes[k]);
		idmap_describe(err, k & 1 ? "gid" : "uid", args, e, buf, sizes[k]);
		FUZZ_ASSERT(memchr(buf, '\0', sizes[k]) != NULL, "idmap_describe: no NUL in %zu bytes", sizes[k]);
		if (sizes[k] == 512)
			FUZZ_ASSERT(strlen(buf) > 0, "idmap_describe: empty message for reason %d", (int)err->reason);
		free(buf);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct idmap_extent e[IDMAP_MAX_EXTENTS], e2[IDMAP_MAX_EXTENTS];
	struct idmap_error err = { .reason = IDMAP__MAX }, err2;
	char **words = NULL, **words2 = NULL, *copy, *page = NULL;
	size_t n = 0, nw, nw2, n2 = 0, len = 0;
	int r;

	copy = malloc(size + 1);
	words = calloc(MAX_WORDS + 1, sizeof(*words));
	if (!copy || !words)
		goto out;
	if (size)
		memcpy(copy, data, size);
	copy[size] = '\0';
	nw = split(copy, size, words, MAX_WORDS);
	words[nw] = NULL;
	/* Poison the output so that a field left unset shows as a mismatch, not as luck. */
	memset(e, 0x5a, sizeof(e));

	r = idmap_parse_args(nw, words, e, &n, &err);
	if (r < 0) {
		FUZZ_ASSERT(r == -EINVAL, "idmap_parse_args returned %d", r);
		FUZZ_ASSERT(err.reason > IDMAP_OK && err.reason < IDMAP_E_TEXT_SIZE, "reason %d", (int)err.reason);
		if (err.reason == IDMAP_E_NUMBER || err.reason == IDMAP_E_NUMBER_RANGE)
			FUZZ_ASSERT(err.arg < nw && err.index == err.arg / 3, "number error at arg %zu of %zu", err.arg, nw);
		if (err.reason >= IDMAP_E_ZERO_COUNT && err.reason <= IDMAP_E_OUTER_OVERLAP)
			FUZZ_ASSERT(err.index < nw / 3, "extent error at %zu of %zu", err.index, nw / 3);
		if (err.reason == IDMAP_E_INNER_OVERLAP || err.reason == IDMAP_E_OUTER_OVERLAP)
			FUZZ_ASSERT(err.other < err.index, "overlap of %zu with %zu", err.index, err.other);
		describe_all(&err, words, e);
		goto out;
	}
	FUZZ_ASSERT(r == 0 && n == nw / 3 && nw % 3 == 0 && n >= 1 && n <= IDMAP_MAX_EXTENTS, "r %d n %zu", r, n);
	FUZZ_ASSERT(idmap_check(e, n, &err2) == 0, "idmap_check refuses what idmap_parse_args accepted (reason %d)",
		    (int)err2.reason);
	for (size_t i = 0; i < n; i++) {
		check_canonical(words[3 * i], e[i].inner);
		check_canonical(words[3 * i + 1], e[i].outer);
		check_canonical(words[3 * i + 2], e[i].count);
	}

	page = malloc(PAGE);
	if (!page)
		goto out;
	r = idmap_format(e, n, PAGE, page, &len, &err2);
	if (r < 0) {
		FUZZ_ASSERT(r == -E2BIG && err2.reason == IDMAP_E_TEXT_SIZE && err2.index < n && err2.limit == PAGE,
			    "idmap_format: %d reason %d", r, (int)err2.reason);
		describe_all(&err2, words, e);
		goto out;
	}
	FUZZ_ASSERT(len < PAGE && strlen(page) == len, "map text of %zu bytes (strlen %zu)", len, strlen(page));

	/* Read the text back as a kernel would: lines of three numbers. */
	words2 = calloc(3 * IDMAP_MAX_EXTENTS + 1, sizeof(*words2));
	if (!words2)
		goto out;
	FUZZ_ASSERT(len > 0 && page[len - 1] == '\n', "map text does not end in a newline");
	nw2 = split(page, len, words2, 3 * IDMAP_MAX_EXTENTS);
	FUZZ_ASSERT(nw2 == 3 * n, "map text holds %zu words for %zu extents", nw2, n);
	r = idmap_parse_args(nw2, words2, e2, &n2, &err2);
	FUZZ_ASSERT(r == 0 && n2 == n, "map text does not parse back (%d, reason %d)", r, (int)err2.reason);
	FUZZ_ASSERT(memcmp(e, e2, n * sizeof(*e)) == 0, "map text parses back to other extents");
out:
	free(words2);
	free(page);
	free(words);
	free(copy);
	return 0;
}

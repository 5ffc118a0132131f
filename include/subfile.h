/* SPDX-License-Identifier: GPL-2.0-or-later
 * The /etc/subuid and /etc/subgid format: one "owner:start:count" entry per line.
 *
 * The parser works on a caller-owned buffer (the whole file) in one pass and never allocates per
 * line: a line is described by pointers into the buffer. Blank lines, comment lines ('#' first)
 * and malformed lines are reported with their line number and skipped; a bad line never hides the
 * valid ones. Arbitrary bytes (NUL included), CRLF endings, very long lines and a last line without
 * a newline are all handled. */
#ifndef SUBID_SUBFILE_H
#define SUBID_SUBFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "range.h"

/* subfile_collect_fd() reads through one buffer of this size; longer lines are skipped. Below
 * glibc's mmap threshold, so the buffer comes from the heap without fresh page faults. Tests and
 * fuzz targets that aim at the buffer's edge take it from here. */
#define SUBFILE_SCAN_BUF (64u << 10)

enum subfile_kind {
	SUBFILE_ENTRY,   /* a valid entry: owner, start, count are set */
	SUBFILE_BLANK,   /* empty line */
	SUBFILE_COMMENT, /* first byte '#' */
	SUBFILE_BAD,     /* malformed: reason says why */
};

enum subfile_reason {
	SUBFILE_OK = 0,
	SUBFILE_E_FIELDS,      /* not exactly three ':'-separated fields */
	SUBFILE_E_OWNER,       /* empty owner */
	SUBFILE_E_OWNER_BYTES, /* NUL or control byte in the owner */
	SUBFILE_E_START,       /* start is not a plain decimal number */
	SUBFILE_E_START_RANGE, /* start above 4294967295 */
	SUBFILE_E_COUNT,       /* count is not a plain decimal number */
	SUBFILE_E_COUNT_RANGE, /* count above 4294967295 */
	SUBFILE_E_ZERO_COUNT,  /* count is 0 */
	SUBFILE_E_OVERFLOW,    /* start + count goes past 4294967295 */
	SUBFILE_E_CR,          /* line ends in a carriage return (CRLF file) */
	SUBFILE__MAX
};

struct subfile_line {
	unsigned long lineno; /* 1-based */
	enum subfile_kind kind;
	enum subfile_reason reason; /* SUBFILE_OK unless kind == SUBFILE_BAD */
	const char *text;           /* the raw line, without its '\n' (not NUL-terminated) */
	size_t len;
	const char *owner; /* SUBFILE_ENTRY only: points into text */
	size_t owner_len;
	uint32_t start;
	uint32_t count;
};

struct subfile_iter {
	const char *pos;
	const char *end;
	unsigned long lineno;
};

void subfile_iter_init(struct subfile_iter *it, const char *buf, size_t len);

/* Describe the next line in *ret. Returns false at the end of the buffer. */
bool subfile_next(struct subfile_iter *it, struct subfile_line *ret);

/* Parse one line (without its '\n') into *ret; lineno is copied as given. */
void subfile_parse_line(const char *text, size_t len, unsigned long lineno, struct subfile_line *ret);

/* A short English description of a reason, e.g. "count is 0". Never NULL. */
const char *subfile_reason_str(enum subfile_reason reason);

/* Whether an entry's owner names this user: the same login name byte for byte, or all digits
 * equal to uid under the strict number grammar (so "01000" is not uid 1000). name may be NULL. */
bool subfile_owner_matches(const char *owner, size_t owner_len, const char *name, uint32_t uid);

/* Lines our parser refuses can still be entries to shadow, whose subordinate_parse() reads start
 * and count with strtoul(..., 0): leading blanks, '+', '-' (wrapping), 0x and 0 prefixes, and a
 * fourth field ignored, as long as the line is under 1024 bytes. shadow's useradd, usermod and
 * newuidmap then count those ids as the owner's, so an allocator must treat them as taken (issue
 * 9). Returns whether shadow reads text (one line, without its '\n') as an entry; if so,
 * *ret_taken is the part of its range below 2^32 - 1 (count 0 when none) and *ret_owner_len (may
 * be NULL) the length of its owner, which starts at text. */
#define SUBFILE_SHADOW_LINE_MAX 1024
bool subfile_shadow_range(const char *text, size_t len, struct idrange *ret_taken, size_t *ret_owner_len);

struct subfile_summary {
	unsigned long lines;      /* lines seen */
	unsigned long entries;    /* valid entries of any owner */
	unsigned long bad;        /* malformed lines */
	unsigned long first_bad;  /* line number of the first malformed line, 0 if none */
	enum subfile_reason first_bad_reason;
};

/* Collect the ranges of one owner (see subfile_owner_matches) from a whole file in one pass.
 * On success *ret (free() it) holds *ret_n ranges in file order, NULL when there are none, and
 * *ret_summary (may be NULL) counts the lines. Returns 0 or -ENOMEM; outputs untouched on error. */
int subfile_collect(const char *buf, size_t len, const char *name, uint32_t uid,
		    struct idrange **ret, size_t *ret_n, struct subfile_summary *ret_summary);

/* The same ranges as subfile_collect() (as a set: entries by name come before entries by uid),
 * read from fd (from its offset to EOF) through a fixed
 * 64 KiB buffer, parsing only the lines that can be the owner's: those that begin with
 * "<name>:" or "<uid>:" (the only spellings subfile_owner_matches() accepts). Lines are not
 * counted: use subfile_collect() on the whole file for a summary. A line longer than the buffer
 * cannot be an entry of any owner we match and is skipped. Returns 0 or -errno (read, ENOMEM);
 * outputs untouched on error. */
int subfile_collect_fd(int fd, const char *name, uint32_t uid, struct idrange **ret, size_t *ret_n);

/* shadow's second pass (find_range() in lib/subordinateio.c): when no entry of the caller's name
 * holds an id, shadow also grants an entry whose owner is the caller's uid or another login name
 * that getpwnam() resolves to that uid (an alias), and asks getpwnam() only about entries that
 * already hold a requested id. is_caller(owner, userdata) is that question (NUL-terminated owner);
 * the library does no lookup of its own. */
typedef bool (*subfile_owner_fn)(const char *owner, void *userdata);

/* Read fd (from its offset to EOF) through the fixed SUBFILE_SCAN_BUF buffer and append to
 * *ranges (*n ranges, realloc()ed; may start NULL/0) every valid entry that overlaps one of the
 * n_want ranges want (which must not overlap each other; they are the requests not already
 * covered) and whose owner is neither name nor uid (subfile_collect_fd() has those) nor all
 * digits (a numeric owner is only the caller when it is the caller's uid), for which is_caller()
 * says yes. is_caller() is asked once per run of equal owners. want is sorted in place. Lines
 * longer than the buffer are skipped. Memory: the buffer and the ranges appended. Returns 0 or
 * -errno (read, ENOMEM); on error *ranges and *n are as before (the array may have moved). */
int subfile_collect_alias_fd(int fd, const char *name, uint32_t uid, struct idrange *want, size_t n_want,
			     subfile_owner_fn is_caller, void *userdata, struct idrange **ranges, size_t *n);

/* What explains a refusal, from one streamed pass over the file (the fixed SUBFILE_SCAN_BUF
 * buffer: memory does not depend on the file's size): the line summary, and the caller's own
 * entries (by name or uid, subfile_owner_matches()): how many, and the first
 * SUBFILE_EXPLAIN_MAX with their line numbers, in file order. */
#define SUBFILE_EXPLAIN_MAX 3
struct subfile_owned {
	unsigned long lineno;
	uint32_t start, count;
};
struct subfile_explain {
	struct subfile_summary sum;
	unsigned long overlong;   /* lines longer than the buffer: counted, not examined */
	size_t n_owned;           /* the caller's entries, all of them */
	struct subfile_owned owned[SUBFILE_EXPLAIN_MAX]; /* the first min(n_owned, MAX) */
};

/* Fill *ret from fd (its offset to EOF). Returns 0 or -errno (read, ENOMEM); *ret untouched on
 * error. */
int subfile_explain_fd(int fd, const char *name, uint32_t uid, struct subfile_explain *ret);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SUBID_NUMBER_H
#define SUBID_NUMBER_H

#include <stddef.h>
#include <stdint.h>

/* Parse exactly len bytes as a decimal unsigned 32-bit number.
 * Grammar: "0" | [1-9][0-9]* ; nothing else: no sign, no white space, no leading zero, no base
 * prefix, no trailing bytes. Returns 0 and stores the value, -EINVAL for anything that is not of
 * that form (including the empty string), -ERANGE for a well-formed number above 4294967295.
 * *ret is untouched on failure. */
int subid_parse_u32(const char *s, size_t len, uint32_t *ret);

/* The same for a NUL-terminated string. */
int subid_parse_u32_str(const char *s, uint32_t *ret);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later
 * subid-check --explain: match a pasted error message against the table of known messages
 * (docs/explain.tsv) and keep only the results of the checks that can cause it. */
#ifndef SUBID_CHECK_EXPLAIN_H
#define SUBID_CHECK_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "check.h"

struct explain;

/* Match text[0..len) (any bytes) against every known message. 0, or -ENOMEM / -EINVAL (a
 * malformed compiled table). */
int explain_new(const char *text, size_t len, struct explain **ret);
void explain_free(struct explain *ex);

/* How many known messages matched; 0 means every check runs and nothing is filtered. */
size_t explain_n_matched(const struct explain *ex);

/* Does a matched message name a check of this area ("kernel", "probe", ...)? */
bool explain_wants_area(const struct explain *ex, const char *area);

/* Drop every result whose id no matched message names; remember which named ids were emitted. */
void explain_filter(struct explain *ex, struct check_ctx *c);

/* Human output: the matched messages (before the results), then the named checks that did not
 * run and, when none of them warns or fails, what each message means and what to look at next. */
void explain_print_head(const struct explain *ex);
void explain_print_tail(const struct explain *ex, const struct check_ctx *c);

/* The "explain" member of the JSON document, with its trailing comma. */
void explain_print_json(const struct explain *ex, FILE *f);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later
 * subid-check --explain TEXT: from an error message a runtime printed to the checks that can cause it.
 *
 * The table of known messages is docs/explain.tsv (pattern, check ids, source, example, meaning,
 * next), compiled into the program as explain-table.h by the build: one table, in one place, that
 * the documentation shows and tests/integration/check-explain.sh drives, with no data file to find
 * at run time (a build tree, a DESTDIR and an installed copy all answer alike).
 *
 * Matching: the text and each pattern are normalised the same way (ASCII case folded, the quotes
 * " ' ` and backslashes dropped, and the typographic quotes U+2018, U+2019, U+201C, U+201D that
 * web pages and chat turn them into; every run of blanks, newlines and NULs made one space), so a log
 * line matches however the runtime quoted or wrapped its values; a pattern's "*" matches any text,
 * and its pieces must appear in order. Every row that matches counts: the checks run are the
 * union of their ids. Nothing here exits or prints except explain_print*(). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "check.h"
#include "explain.h"
#include "util.h"

static const char *const table_lines[] = {
#include "explain-table.h"
};

enum { F_PATTERN, F_CHECKS, F_SOURCE, F_EXAMPLE, F_MEANING, F_NEXT, N_FIELDS };

struct row {
	char *buf;               /* the line, split in place at its TABs */
	const char *f[N_FIELDS];
	char *pattern;           /* normalised */
};

struct explain {
	struct row *rows;
	size_t n_rows;
	bool *hit;               /* per row */
	char **ids;              /* the union of the hit rows' ids, in table order, unique */
	size_t n_ids;
	bool *seen;              /* per id: some result carries it */
};

/* The normalised form of s[0..len): see the top of the file. */
static char *normalise(const char *s, size_t len)
{
	char *out = malloc(len + 1), *d = out;
	bool space = true; /* drop leading blanks */

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\'' || ch == '`' || ch == '\\')
			continue;
		/* UTF-8 of U+2018 U+2019 U+201C U+201D: E2 80 98/99/9C/9D */
		if (ch == 0xe2 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 &&
		    ((unsigned char)s[i + 2] == 0x98 || (unsigned char)s[i + 2] == 0x99 ||
		     (unsigned char)s[i + 2] == 0x9c || (unsigned char)s[i + 2] == 0x9d)) {
			i += 2;
			continue;
		}
		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f' || ch == '\0') {
			if (!space)
				*d++ = ' ';
			space = true;
			continue;
		}
		*d++ = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
		space = false;
	}
	if (d > out && d[-1] == ' ')
		d--;
	*d = '\0';
	return out;
}

/* Does the normalised pattern (pieces separated by '*') occur in the normalised text? */
static bool pattern_matches(const char *pattern, const char *text)
{
	const char *p = pattern, *t = text;

	while (*p) {
		size_t n = strcspn(p, "*");

		if (n > 0) {
			char piece[512];
			const char *at;

			if (n >= sizeof(piece))
				return false;
			memcpy(piece, p, n);
			piece[n] = '\0';
			/* Pieces are separate words around a wildcard: "a * b" is "a " then " b". */
			at = strstr(t, piece);
			if (!at)
				return false;
			t = at + n;
		}
		p += n;
		if (*p == '*')
			p++;
	}
	return true;
}

void explain_free(struct explain *ex)
{
	if (!ex)
		return;
	for (size_t i = 0; i < ex->n_rows; i++) {
		free(ex->rows[i].buf);
		free(ex->rows[i].pattern);
	}
	for (size_t i = 0; i < ex->n_ids; i++)
		free(ex->ids[i]);
	free(ex->rows);
	free(ex->hit);
	free(ex->ids);
	free(ex->seen);
	free(ex);
}

static int load_table(struct explain *ex)
{
	size_t n = ELEMENTSOF(table_lines);

	ex->rows = calloc(n, sizeof(*ex->rows));
	ex->hit = calloc(n, sizeof(*ex->hit));
	if (!ex->rows || !ex->hit)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct row *r = &ex->rows[ex->n_rows];
		char *p;
		size_t nf = 0;

		r->buf = strdup(table_lines[i]);
		if (!r->buf)
			return -ENOMEM;
		/* strtok_r would merge empty fields; split at each TAB instead. */
		for (p = r->buf; nf < N_FIELDS; nf++) {
			r->f[nf] = p;
			p = strchr(p, '\t');
			if (!p) {
				nf++;
				break;
			}
			*p++ = '\0';
		}
		if (nf != N_FIELDS || p) {
			/* The build generates the table from docs/explain.tsv; a malformed line there is a
			 * bug the table test reports, not something to guess around. */
			free(r->buf);
			r->buf = NULL;
			return -EINVAL;
		}
		r->pattern = normalise(r->f[F_PATTERN], strlen(r->f[F_PATTERN]));
		if (!r->pattern)
			return -ENOMEM;
		ex->n_rows++;
	}
	return 0;
}

static int add_id(struct explain *ex, const char *id, size_t len)
{
	char **nv;

	for (size_t i = 0; i < ex->n_ids; i++)
		if (strlen(ex->ids[i]) == len && strncmp(ex->ids[i], id, len) == 0)
			return 0;
	nv = reallocarray(ex->ids, ex->n_ids + 1, sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	ex->ids = nv;
	ex->ids[ex->n_ids] = strndup(id, len);
	if (!ex->ids[ex->n_ids])
		return -ENOMEM;
	ex->n_ids++;
	return 0;
}

int explain_new(const char *text, size_t len, struct explain **ret)
{
	struct explain *ex = calloc(1, sizeof(*ex));
	_cleanup_free_ char *norm = NULL;
	int r;

	if (!ex)
		return -ENOMEM;
	r = load_table(ex);
	if (r == 0) {
		norm = normalise(text, len);
		if (!norm)
			r = -ENOMEM;
	}
	for (size_t i = 0; r == 0 && i < ex->n_rows; i++) {
		const char *ids = ex->rows[i].f[F_CHECKS];

		if (!*ex->rows[i].pattern || !pattern_matches(ex->rows[i].pattern, norm))
			continue;
		ex->hit[i] = true;
		while (r == 0 && *ids) {
			size_t n = strcspn(ids, ",");

			if (n > 0)
				r = add_id(ex, ids, n);
			ids += n;
			ids += strspn(ids, ",");
		}
	}
	if (r == 0) {
		ex->seen = calloc(ex->n_ids ? ex->n_ids : 1, sizeof(*ex->seen));
		if (!ex->seen)
			r = -ENOMEM;
	}
	if (r < 0) {
		explain_free(ex);
		return r;
	}
	*ret = ex;
	return 0;
}

size_t explain_n_matched(const struct explain *ex)
{
	size_t n = 0;

	for (size_t i = 0; i < ex->n_rows; i++)
		n += ex->hit[i];
	return n;
}

bool explain_wants_area(const struct explain *ex, const char *area)
{
	size_t al = strlen(area);

	for (size_t i = 0; i < ex->n_ids; i++)
		if (strncmp(ex->ids[i], area, al) == 0 && ex->ids[i][al] == '.')
			return true;
	return false;
}

static ssize_t id_index(const struct explain *ex, const char *id)
{
	for (size_t i = 0; i < ex->n_ids; i++)
		if (strcmp(ex->ids[i], id) == 0)
			return (ssize_t)i;
	return -1;
}

void explain_filter(struct explain *ex, struct check_ctx *c)
{
	size_t keep = 0;

	for (size_t i = 0; i < c->n_results; i++) {
		struct check_result *r = &c->results[i];
		ssize_t k = r->id ? id_index(ex, r->id) : -1;

		if (k < 0) {
			free(r->id);
			free(r->area);
			free(r->observed);
			free(r->expected);
			free(r->fix);
			continue;
		}
		ex->seen[k] = true;
		c->results[keep++] = *r;
	}
	c->n_results = keep;
}

static bool any_problem(const struct check_ctx *c)
{
	for (size_t i = 0; i < c->n_results; i++)
		if (c->results[i].verdict == VERDICT_FAIL || c->results[i].verdict == VERDICT_WARN)
			return true;
	return false;
}

void explain_print_head(const struct explain *ex)
{
	size_t n = explain_n_matched(ex), k = 0;

	if (n == 0) {
		printf("subid-check --explain: the text matches none of the %zu known messages; every check follows\n\n",
		       ex->n_rows);
		return;
	}
	printf("subid-check --explain: the text matches %zu known message%s\n", n, n == 1 ? "" : "s");
	for (size_t i = 0; i < ex->n_rows; i++) {
		const struct row *r = &ex->rows[i];

		if (!ex->hit[i])
			continue;
		printf("  %zu. %s\n     source: %s\n     checks: %s\n", ++k, r->f[F_EXAMPLE], r->f[F_SOURCE],
		       r->f[F_CHECKS]);
	}
	printf("\n");
}

void explain_print_tail(const struct explain *ex, const struct check_ctx *c)
{
	bool header = false;

	if (explain_n_matched(ex) == 0)
		return;
	for (size_t i = 0; i < ex->n_ids; i++) {
		if (ex->seen[i])
			continue;
		if (!header)
			printf("\nnot checked here (the probe with --no-probe or --sysroot; rootfs.* need the rootfs subcommand): ");
		printf("%s%s", header ? ", " : "", ex->ids[i]);
		header = true;
	}
	if (header)
		printf("\n");
	if (any_problem(c))
		return;
	{
		size_t passed = 0;

		for (size_t i = 0; i < c->n_results; i++)
			passed += c->results[i].verdict == VERDICT_PASS;
		/* Skipped checks prove nothing: do not call the host clean on their word. */
		if (passed == 0)
			printf("\nNone of these checks could run here (see the SKIP lines for why).\n");
		else
			printf("\nNone of these checks finds a problem on this host%s.\n",
			       passed < c->n_results ? " (some could not run: see the SKIP lines)" : "");
	}
	for (size_t i = 0; i < ex->n_rows; i++) {
		const struct row *r = &ex->rows[i];

		if (!ex->hit[i])
			continue;
		printf("  \"%s\"\n     means: %s\n     next: %s\n", r->f[F_EXAMPLE], r->f[F_MEANING], r->f[F_NEXT]);
	}
}

static void json_id_list(FILE *f, const char *list)
{
	bool first = true;

	(void)fputc('[', f);
	while (*list) {
		size_t n = strcspn(list, ",");

		if (n > 0) {
			_cleanup_free_ char *id = strndup(list, n);

			(void)fputs(first ? "" : ",", f);
			check_json_str(f, id ? id : "");
			first = false;
		}
		list += n;
		list += strspn(list, ",");
	}
	(void)fputc(']', f);
}

void explain_print_json(const struct explain *ex, FILE *f)
{
	bool first = true;

	fprintf(f, "\"explain\":{\"known\":%zu,\"matched\":[", ex->n_rows);
	for (size_t i = 0; i < ex->n_rows; i++) {
		const struct row *r = &ex->rows[i];

		if (!ex->hit[i])
			continue;
		fprintf(f, "%s{\"pattern\":", first ? "" : ",");
		first = false;
		check_json_str(f, r->f[F_PATTERN]);
		fprintf(f, ",\"source\":");
		check_json_str(f, r->f[F_SOURCE]);
		fprintf(f, ",\"example\":");
		check_json_str(f, r->f[F_EXAMPLE]);
		fprintf(f, ",\"meaning\":");
		check_json_str(f, r->f[F_MEANING]);
		fprintf(f, ",\"next\":");
		check_json_str(f, r->f[F_NEXT]);
		fprintf(f, ",\"checks\":");
		json_id_list(f, r->f[F_CHECKS]);
		(void)fputc('}', f);
	}
	fprintf(f, "],\"checks\":[");
	for (size_t i = 0; i < ex->n_ids; i++) {
		(void)fputs(i ? "," : "", f);
		check_json_str(f, ex->ids[i]);
	}
	fprintf(f, "],\"not_checked\":[");
	first = true;
	for (size_t i = 0; i < ex->n_ids; i++) {
		if (ex->seen[i])
			continue;
		(void)fputs(first ? "" : ",", f);
		first = false;
		check_json_str(f, ex->ids[i]);
	}
	fprintf(f, "]},\n");
}

/* SPDX-License-Identifier: GPL-2.0-or-later
 * subid-check: tell an admin why rootless containers fail on this host, and how to fix it.
 * Unprivileged: it needs no capability and runs as any user; as root it can check another user
 * (and the live probe drops to that user). */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "conf.h"
#include "escape.h"
#include "explain.h"
#include "idmap.h"
#include "number.h"
#include "paths.h"
#include "util.h"

#define EXIT_PASS 0
#define EXIT_FAILED 1
#define EXIT_WARNED 2
#define EXIT_CANNOT 3

#define EXPLAIN_MAX (1u << 20) /* --explain -: a pasted log, not a whole journal */

static const char *const verdict_name[] = { "pass", "warn", "fail", "skip" };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: subid-check [--user NAME] [--min-count N] [--no-probe] [--sysroot DIR] [--json] [--quiet]\n"
		"       subid-check rootfs PATH [--map INNER:OUTER:COUNT]... [--user NAME] [--json] [--quiet]\n"
		"       subid-check --explain TEXT|- [--user NAME] [--no-probe] [--sysroot DIR] [--json] [--quiet]\n"
		"Checks why rootless containers may fail for a user on this host and prints the fixes.\n"
		"Exit status: 0 all passed, 1 a check failed, 2 warnings only, 3 the checks could not run.\n");
}

/* The length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong form, no surrogate, at
 * most U+10FFFF), or 0 if there is none. */
static size_t utf8_len(const unsigned char *p)
{
	size_t n;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1fu;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0fu;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07u;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0; /* also stops at the NUL */
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

/* A JSON string. JSON must be UTF-8 (RFC 8259): a well-formed sequence passes as it is (C1
 * controls escaped), and each byte that is not part of one, such as a Latin-1 file name in a
 * rootfs, becomes U+FFFD, so the document stays valid whatever the names hold. */
void check_json_str(FILE *f, const char *s)
{
	if (!s) {
		(void)fputs("null", f);
		return;
	}
	(void)fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = utf8_len(p);

		if (n == 0) {
			(void)fputs("\\ufffd", f);
			p++;
			continue;
		}
		if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0) {
			fprintf(f, "\\u%04x", p[1]); /* C1 control, U+0080-U+009F */
			p += 2;
			continue;
		}
		if (n > 1) {
			(void)fwrite(p, 1, n, f);
			p += n;
			continue;
		}
		switch (*p) {
		case '"': (void)fputs("\\\"", f); break;
		case '\\': (void)fputs("\\\\", f); break;
		case '\n': (void)fputs("\\n", f); break;
		case '\t': (void)fputs("\\t", f); break;
		case '\r': (void)fputs("\\r", f); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				(void)fputc(*p, f);
		}
		p++;
	}
	(void)fputc('"', f);
}

static int exit_status(const struct check_ctx *c)
{
	bool warned = false;

	if (c->oom)
		return EXIT_CANNOT;
	for (size_t i = 0; i < c->n_results; i++) {
		if (c->results[i].verdict == VERDICT_FAIL)
			return EXIT_FAILED;
		warned |= c->results[i].verdict == VERDICT_WARN;
	}
	return warned ? EXIT_WARNED : EXIT_PASS;
}

static void print_json(const struct check_ctx *c, bool quiet, int status, const struct explain *ex)
{
	size_t count[4] = { 0 };
	bool first = true;

	printf("{\"schema\":1,\"user\":");
	check_json_str(stdout, c->user);
	printf(",\"uid\":%lld,\"checks\":[", c->user_known ? (long long)c->uid : -1LL);
	for (size_t i = 0; i < c->n_results; i++) {
		const struct check_result *r = &c->results[i];

		count[r->verdict]++;
		if (quiet && (r->verdict == VERDICT_PASS || r->verdict == VERDICT_SKIP))
			continue;
		printf("%s\n{\"id\":", first ? "" : ",");
		first = false;
		check_json_str(stdout, r->id);
		printf(",\"area\":");
		check_json_str(stdout, r->area);
		printf(",\"verdict\":\"%s\",\"observed\":", verdict_name[r->verdict]);
		check_json_str(stdout, r->observed);
		printf(",\"expected\":");
		check_json_str(stdout, r->expected);
		printf(",\"fix\":");
		check_json_str(stdout, r->fix);
		printf("}");
	}
	printf("],\n");
	if (ex)
		explain_print_json(ex, stdout);
	printf("\"summary\":{\"pass\":%zu,\"warn\":%zu,\"fail\":%zu,\"skip\":%zu},\"exit\":%d}\n", count[0],
	       count[1], count[2], count[3], status);
}

/* s for the terminal: a file name from the rootfs, a name from NSS or argv may hold ESC, CR or a
 * C1 byte that would forge a PASS line or retitle the window (issue 9). "" when out of memory. */
static void put_text(const char *s, const char *set)
{
	_cleanup_free_ char *e = NULL;

	if (str_escape_alloc(s ? s : "", set, &e) == 0)
		(void)fputs(e, stdout);
}

static void print_human(const struct check_ctx *c, bool quiet)
{
	static const char *const label[] = { "PASS", "WARN", "FAIL", "SKIP" };
	static const char *const colour[] = { "\033[32m", "\033[33m", "\033[31m", "\033[2m" };
	const char *nocolor = getenv("NO_COLOR");
	const char *term = getenv("TERM");
	bool tty = isatty(STDOUT_FILENO) && !(nocolor && *nocolor) && !(term && strcmp(term, "dumb") == 0);
	const char *area = NULL;

	if (!quiet) {
		(void)fputs("subid-check: user ", stdout);
		put_text(c->user ? c->user : "?", ESCAPE_TEXT);
		printf(" (uid %lld)%s", c->user_known ? (long long)c->uid : -1LL, *c->sysroot ? ", sysroot " : "");
		put_text(c->sysroot, ESCAPE_TEXT);
		(void)putchar('\n');
	}
	for (size_t i = 0; i < c->n_results; i++) {
		const struct check_result *r = &c->results[i];

		if (quiet && (r->verdict == VERDICT_PASS || r->verdict == VERDICT_SKIP))
			continue;
		if (!area || strcmp(area, r->area) != 0) {
			area = r->area;
			printf("\n%s\n", area);
		}
		printf("  %s%s%s %s: ", tty ? colour[r->verdict] : "", label[r->verdict], tty ? "\033[0m" : "", r->id);
		put_text(r->observed, ESCAPE_TEXT);
		(void)putchar('\n');
		if (r->verdict == VERDICT_WARN || r->verdict == VERDICT_FAIL) {
			if (r->expected && *r->expected) {
				(void)fputs("       expected: ", stdout);
				put_text(r->expected, ESCAPE_TEXT);
				(void)putchar('\n');
			}
			if (r->fix) {
				/* A command to copy: its shell quoting ('\'') must survive; control and
				 * high bytes are still escaped. */
				(void)fputs("       fix: ", stdout);
				put_text(r->fix, ESCAPE_COMMAND);
				(void)putchar('\n');
			}
		}
	}
}

/* The user: by name (or uid) from the live user database, or from the sysroot's /etc/passwd. */
static int resolve_user(struct check_ctx *c, const char *name)
{
	static char namebuf[256];
	uint32_t num;
	bool numeric = name && subid_parse_u32_str(name, &num) == 0;

	if (!*c->sysroot) {
		struct passwd *pw = name ? (numeric ? getpwuid(num) : getpwnam(name)) : getpwuid(getuid());

		if (!pw) {
			c->user = name;
			return -ENOENT;
		}
		snprintf(namebuf, sizeof(namebuf), "%s", pw->pw_name);
		c->user = namebuf;
		c->uid = pw->pw_uid;
		c->gid = pw->pw_gid;
		c->user_known = true;
		return 0;
	}
	{
		_cleanup_free_ char *buf = NULL;
		size_t len;
		char *save = NULL;
		int r = check_read_file(c, PATH_PASSWD, &buf, &len);

		if (r < 0)
			return r;
		for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char *f[4] = { 0 }, *p = line;
			uint32_t uid, gid;

			for (int i = 0; i < 4 && p; i++) {
				f[i] = p;
				p = strchr(p, ':');
				if (p)
					*p++ = '\0';
			}
			if (!f[3] || subid_parse_u32_str(f[2], &uid) < 0 || subid_parse_u32_str(f[3], &gid) < 0)
				continue;
			if (name ? (numeric ? uid == num : strcmp(f[0], name) == 0) : uid == getuid()) {
				snprintf(namebuf, sizeof(namebuf), "%s", f[0]);
				c->user = namebuf;
				c->uid = uid;
				c->gid = gid;
				c->user_known = true;
				return 0;
			}
		}
		c->user = name;
		return -ENOENT;
	}
}

static void free_results(struct check_ctx *c)
{
	for (size_t i = 0; i < c->n_results; i++) {
		free(c->results[i].id);
		free(c->results[i].area);
		free(c->results[i].observed);
		free(c->results[i].expected);
		free(c->results[i].fix);
	}
	free(c->results);
	c->results = NULL;
	c->n_results = c->cap_results = 0;
}

static int parse_map(const char *arg, struct idmap_extent *e)
{
	char buf[64], *a, *b;
	size_t len;

	len = strlen(arg);
	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, arg, len + 1);
	a = strchr(buf, ':');
	b = a ? strchr(a + 1, ':') : NULL;
	if (!a || !b)
		return -EINVAL;
	*a++ = '\0';
	*b++ = '\0';
	if (subid_parse_u32_str(buf, &e->inner) < 0 || subid_parse_u32_str(a, &e->outer) < 0 ||
	    subid_parse_u32_str(b, &e->count) < 0)
		return -EINVAL;
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_USER = 256, OPT_MIN_COUNT, OPT_NO_PROBE, OPT_SYSROOT, OPT_JSON, OPT_QUIET, OPT_MAP, OPT_HELP,
	       OPT_VERSION, OPT_EXPLAIN };
	static const struct option opts[] = {
		{ "user", required_argument, NULL, OPT_USER },
		{ "min-count", required_argument, NULL, OPT_MIN_COUNT },
		{ "no-probe", no_argument, NULL, OPT_NO_PROBE },
		{ "sysroot", required_argument, NULL, OPT_SYSROOT },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "quiet", no_argument, NULL, OPT_QUIET },
		{ "map", required_argument, NULL, OPT_MAP },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "explain", required_argument, NULL, OPT_EXPLAIN },
		{ 0 },
	};
	struct check_ctx c = { .sysroot = "", .probe = true, .min_count = 65536 };
	struct idmap_extent map[IDMAP_MAX_EXTENTS];
	size_t n_map = 0;
	const char *user = NULL, *rootfs = NULL, *explain_arg = NULL;
	_cleanup_free_ char *explain_buf = NULL;
	struct explain *ex = NULL;
	bool json = false, quiet = false;
	int opt, status;
	uint32_t v;

	/* The probe's namespace process (probe.c), before anything is read or opened. */
	if (argc == 3 && strcmp(argv[1], PROBE_CHILD_ARG) == 0)
		probe_child_exec_main(argv[2]);

	while ((opt = getopt_long(argc, argv, "u:jqh", opts, NULL)) != -1) {
		switch (opt) {
		case 'u':
		case OPT_USER: user = optarg; break;
		case OPT_MIN_COUNT:
			if (subid_parse_u32_str(optarg, &v) < 0 || v == 0) {
				fprintf(stderr, "subid-check: --min-count takes a plain decimal number from 1 to 4294967295\n");
				return EXIT_CANNOT;
			}
			c.min_count = v;
			break;
		case OPT_NO_PROBE: c.probe = false; break;
		case OPT_SYSROOT:
			/* "/" is the live system; anything else is a tree whose /etc and /proc/sys are read. */
			c.sysroot = strcmp(optarg, "/") == 0 ? "" : optarg;
			break;
		case 'j':
		case OPT_JSON: json = true; break;
		case 'q':
		case OPT_QUIET: quiet = true; break;
		case OPT_MAP:
			if (n_map == IDMAP_MAX_EXTENTS || parse_map(optarg, &map[n_map]) < 0) {
				fprintf(stderr, "subid-check: --map takes INNER:OUTER:COUNT in plain decimal numbers\n");
				return EXIT_CANNOT;
			}
			n_map++;
			break;
		case 'h':
		case OPT_HELP: usage(stdout); return EXIT_PASS;
		case OPT_VERSION: printf("subid-check (newidmap) %s\n", PACKAGE_VERSION); return EXIT_PASS;
		case OPT_EXPLAIN: explain_arg = optarg; break;
		default: usage(stderr); return EXIT_CANNOT;
		}
	}
	if (optind < argc && strcmp(argv[optind], "rootfs") == 0) {
		if (optind + 2 != argc || explain_arg) {
			usage(stderr);
			return EXIT_CANNOT;
		}
		rootfs = argv[optind + 1];
	} else if (optind < argc) {
		usage(stderr);
		return EXIT_CANNOT;
	}
	if (n_map > 0) {
		struct idmap_error err;
		char msg[256];

		/* The kernel's rules (zero counts, overflow, overlaps): a map the kernel would refuse is
		 * a usage error here, not something to check a tree against. */
		if (idmap_check(map, n_map, &err) < 0) {
			idmap_describe(&err, "--map", NULL, map, msg, sizeof(msg));
			fprintf(stderr, "subid-check: %s\n", msg);
			return EXIT_CANNOT;
		}
	}
	c.live = !*c.sysroot;
	/* Live: the caller's PATH, as the runtime they start would search it. Under a sysroot the
	 * caller's PATH says nothing about the tree: use the system default. */
	c.path_env = c.live ? getenv("PATH") : NULL;
	if (!c.path_env || !*c.path_env)
		c.path_env = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

	if (resolve_user(&c, user) < 0) {
		_cleanup_free_ char *u = NULL, *root = NULL;

		/* argv, printed on a terminal: escaped as every other text we print. */
		if (str_escape_alloc(user ? user : "", ESCAPE_TEXT, &u) < 0 ||
		    str_escape_alloc(c.sysroot, ESCAPE_TEXT, &root) < 0)
			return EXIT_CANNOT;
		fprintf(stderr, "subid-check: user %s%s%s not found in the user database%s%s\n", user ? "'" : "",
			user ? u : "(the caller)", user ? "'" : "", *c.sysroot ? " of " : "", root);
		return EXIT_CANNOT;
	}
	if (user && c.live && getuid() != 0 && c.uid != getuid())
		c.probe = false; /* only root can run the probe as someone else; the area says so */

	if (explain_arg) {
		size_t len;
		int r;

		if (strcmp(explain_arg, "-") == 0) {
			r = conf_read_fd(STDIN_FILENO, EXPLAIN_MAX, &explain_buf, &len);
			if (r < 0) {
				fprintf(stderr, "subid-check: cannot read the text to explain from standard input: %s\n",
					r == -EFBIG ? "longer than 1 MiB" : strerror(-r));
				return EXIT_CANNOT;
			}
			explain_arg = explain_buf;
		} else {
			len = strlen(explain_arg);
		}
		r = explain_new(explain_arg, len, &ex);
		if (r < 0) {
			fprintf(stderr, "subid-check: cannot match the text against the known messages: %s\n", strerror(-r));
			return EXIT_CANNOT;
		}
		if (explain_n_matched(ex) == 0) {
			/* An unknown message: the whole report is the best answer there is. */
		} else if (!explain_wants_area(ex, "probe")) {
			c.probe = false;
		}
	}

	if (rootfs) {
		check_rootfs(&c, rootfs, n_map ? map : NULL, n_map);
	} else {
		/* With --explain, only the areas the matched messages name (their cheap checks all run
		 * and are filtered below; the probe runs only when named). */
		bool all = !ex || explain_n_matched(ex) == 0;

		if (all || explain_wants_area(ex, "kernel"))
			check_area_kernel(&c);
		if (all || explain_wants_area(ex, "helpers"))
			check_area_helpers(&c);
		if (all || explain_wants_area(ex, "subids"))
			check_area_subids(&c);
		if (all || explain_wants_area(ex, "probe"))
			check_area_probe(&c);
		if (all || explain_wants_area(ex, "container"))
			check_area_container(&c);
		if (!all)
			explain_filter(ex, &c);
	}
	status = exit_status(&c);
	if (json) {
		print_json(&c, quiet, status, ex);
	} else {
		if (ex)
			explain_print_head(ex);
		print_human(&c, quiet);
		if (ex)
			explain_print_tail(ex, &c);
	}
	free_results(&c);
	explain_free(ex);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "subid-check: cannot write the report\n");
		return EXIT_CANNOT;
	}
	return status;
}

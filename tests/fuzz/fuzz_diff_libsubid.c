/* SPDX-License-Identifier: GPL-2.0-or-later
 * Differential libFuzzer target: our reading of a sub-id file (subfile_collect()) against
 * libsubid's (subid_get_uid_ranges(), shadow 4.13 on Debian 12), on the files both call valid.
 *
 * libsubid reads /etc/subuid at a fixed path. LLVMFuzzerInitialize() therefore moves the fuzzer
 * into a private mount namespace (as root: unshare(CLONE_NEWNS); otherwise a new user namespace
 * too) and mounts an overlay over /etc whose upper layer is a private tmpfs: /etc/subuid, the
 * test users in /etc/passwd and a "subid: files" nsswitch.conf exist only there, the host's /etc
 * is never written. Each input is then written over that one /etc/subuid in place. libsubid does
 * not cache: every call opens, reads and closes the file (commonio); Initialize checks this once.
 * Where no namespace can be made the target exits 77 (SKIP for run.sh).
 *
 * Input: byte 0 picks the user (below), the rest is the file.
 *
 * "Valid for both" (other inputs are still parsed by us, but not compared):
 *  - every line is blank or an entry by our parser (strict grammar: "0" | [1-9][0-9]*, no sign,
 *    no blank, no leading zero, count >= 1, start + count <= 4294967295, no control byte or NUL
 *    in the owner, no CR). On such numbers libsubid's strtoull(base 0) gives the same values;
 *  - no comment lines ('#' first: a comment for us, an owner "#..." for libsubid);
 *  - every line shorter than 1024 bytes (libsubid's subordinate_parse() refuses longer ones).
 *
 * Known differences, outside that set (documented in tests/fuzz/README.md): libsubid reads
 * "010" as 8, "0x10" as 16, " 5" and "+5" as 5, "-1" as 2^64-1; accepts count 0 and ranges
 * past 2^32; keeps "a:1:2:3" as a:1+2; takes "#a:1:1" as owner "#a"; ignores lines starting
 * with '+' or '-' (NIS); refuses lines of 1024 bytes or more. We refuse all of these but the
 * last, and skip a CRLF line where libsubid keeps the CR in the count ("1\r" is refused) -- the
 * owner of a CRLF file loses the entries either way.
 *
 * Owner matching: libsubid 4.13 takes the lines whose owner is the given name, and, when the
 * name is in passwd, those whose owner is "%u" of its uid; subfile_owner_matches() does the same
 * given that uid (a numeric owner must be the canonical spelling). So the users below are put in
 * the overlay's /etc/passwd and our side is asked with the same uid.
 *
 * Property: on a valid-for-both file, the same ranges as multisets (libsubid's order is not
 * documented), except that for a user whose name is its own uid libsubid returns every range
 * twice (matched once by name, once by uid): there each of ours must appear exactly twice. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <shadow/subid.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "range.h"
#include "subfile.h"

static const struct {
	const char *name;
	uint32_t uid;
	bool name_is_uid;
} users[] = {
	{ "root", 0, false },
	{ "fz-alice", 1000, false },
	{ "fz-bob", 100000, false },
	{ "fz.top", 4294967294u, false },
	{ "1234", 1234, true },          /* a name that is its own uid */
	{ "fz-zero", 0, false },         /* a second user with uid 0 */
};

static int subuid_fd = -1;
static unsigned long compared, compared_nonempty; /* reported at exit: how much was compared */

static void report(void)
{
	fprintf(stderr, "fuzz_diff_libsubid: %lu valid-for-both files compared with libsubid, %lu with ranges\n",
		compared, compared_nonempty);
}

static void die_setup(const char *what)
{
	fprintf(stderr, "fuzz_diff_libsubid: %s: %s: cannot make a private /etc, skipping\n", what, strerror(errno));
	exit(77);
}

static void write_file(const char *path, const char *text, int flags)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | flags, 0644);
	size_t len = strlen(text);

	if (fd < 0 || write(fd, text, len) != (ssize_t)len || close(fd) < 0)
		die_setup(path);
}

static void enter_namespace(void)
{
	char tmp[] = "/tmp/fuzz-libsubid.XXXXXX", path[128], map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (uid == 0) {
		if (unshare(CLONE_NEWNS) < 0)
			die_setup("unshare(CLONE_NEWNS)");
	} else {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
			die_setup("unshare(CLONE_NEWUSER|CLONE_NEWNS)");
		write_file("/proc/self/setgroups", "deny", 0);
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
		write_file("/proc/self/uid_map", map, 0);
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
		write_file("/proc/self/gid_map", map, 0);
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die_setup("making / private");
	if (!mkdtemp(tmp))
		die_setup("mkdtemp");
	if (mount("fuzz-etc", tmp, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
		die_setup("mounting a tmpfs");
	snprintf(path, sizeof(path), "%s/upper", tmp);
	if (mkdir(path, 0755) < 0)
		die_setup(path);
	snprintf(path, sizeof(path), "%s/work", tmp);
	if (mkdir(path, 0755) < 0)
		die_setup(path);
	snprintf(path, sizeof(path), "lowerdir=/etc,upperdir=%s/upper,workdir=%s/work", tmp, tmp);
	if (mount("fuzz-etc", "/etc", "overlay", 0, path) < 0)
		die_setup("mounting an overlay on /etc");
	/* The overlay keeps the tmpfs alive: detach it and leave no directory behind on the host. */
	(void)umount2(tmp, MNT_DETACH);
	(void)rmdir(tmp);
}

/* libsubid takes its source from nsswitch.conf: make it the file whatever the host says. */
static void private_etc(void)
{
	char line[256];
	FILE *in = fopen("/etc/nsswitch.conf", "re");
	size_t off = 0, cap = 1 << 16;
	char *conf = calloc(1, cap);

	if (!conf)
		die_setup("calloc");
	while (in && fgets(line, sizeof(line), in))
		if (strncasecmp(line, "subid:", 6) != 0 && off + strlen(line) < cap - 32)
			off += (size_t)snprintf(conf + off, cap - off, "%s", line);
	if (in)
		fclose(in);
	snprintf(conf + off, cap - off, "subid: files\n");
	write_file("/etc/nsswitch.conf", conf, O_CREAT | O_TRUNC);
	free(conf);

	for (size_t i = 0; i < ELEMENTS(users); i++) {
		if (strcmp(users[i].name, "root") == 0)
			continue;
		snprintf(line, sizeof(line), "%s:x:%" PRIu32 ":%" PRIu32 "::/nonexistent:/usr/sbin/nologin\n", users[i].name,
			 users[i].uid, users[i].uid);
		write_file("/etc/passwd", line, O_APPEND);
	}
	subuid_fd = open("/etc/subuid", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (subuid_fd < 0)
		die_setup("/etc/subuid");
}

static void set_file(const char *buf, size_t len)
{
	if (ftruncate(subuid_fd, 0) < 0 || (len && pwrite(subuid_fd, buf, len, 0) != (ssize_t)len)) {
		perror("fuzz_diff_libsubid: writing /etc/subuid");
		abort();
	}
}

static int cmp_range(const void *a, const void *b)
{
	const struct idrange *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return (x->count > y->count) - (x->count < y->count);
}

/* libsubid's ranges as idranges, sorted; -1 when it fails or gives values outside 32 bits
 * (which cannot happen on a valid-for-both file and is then reported as a difference). */
static int libsubid_ranges(const char *name, struct idrange **ret)
{
	struct subid_range *r = NULL;
	struct idrange *v;
	int n = subid_get_uid_ranges(name, &r);

	*ret = NULL;
	if (n <= 0) {
		free(r);
		return n;
	}
	v = calloc((size_t)n, sizeof(*v));
	FUZZ_ASSERT(v != NULL, "calloc");
	for (int i = 0; i < n; i++) {
		FUZZ_ASSERT(r[i].start <= UINT32_MAX && r[i].count <= UINT32_MAX,
			    "libsubid gave %lu+%lu for a file we read as 32-bit ranges", r[i].start, r[i].count);
		v[i] = (struct idrange){ (uint32_t)r[i].start, (uint32_t)r[i].count };
	}
	free(r);
	if (n > 1)
		qsort(v, (size_t)n, sizeof(*v), cmp_range);
	*ret = v;
	return n;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct idrange *v = NULL;
	int n;

	(void)argc, (void)argv;
	enter_namespace();
	private_etc();
	(void)subid_init("fuzz_diff_libsubid", NULL);
	/* The same file descriptor, new content: libsubid must see it at once. */
	set_file("fz-alice:5:6\n", 13);
	n = libsubid_ranges("fz-alice", &v);
	FUZZ_ASSERT(n == 1 && v[0].start == 5 && v[0].count == 6, "libsubid cannot read the private /etc/subuid (%d)", n);
	free(v);
	set_file("1000:7:8\nroot:1:1\n", 18);
	n = libsubid_ranges("fz-alice", &v);
	FUZZ_ASSERT(n == 1 && v[0].start == 7 && v[0].count == 8, "libsubid caches /etc/subuid or ignores uids (%d)", n);
	free(v);
	atexit(report);
	return 0;
}

/* The restriction described above. */
static bool valid_for_both(const char *buf, size_t len)
{
	struct subfile_iter it;
	struct subfile_line l;

	subfile_iter_init(&it, buf, len);
	while (subfile_next(&it, &l))
		if (l.len >= 1024 || (l.kind != SUBFILE_ENTRY && l.kind != SUBFILE_BLANK))
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct idrange *ours = NULL, *theirs = NULL;
	size_t n_ours = 0;
	const char *name;
	size_t sel, dup;
	uint32_t uid;
	int n_theirs, r;

	if (size == 0)
		return 0;
	sel = data[0] % ELEMENTS(users);
	name = users[sel].name;
	uid = users[sel].uid;
	data++, size--;

	r = subfile_collect((const char *)data, size, name, uid, &ours, &n_ours, NULL);
	FUZZ_ASSERT(r == 0, "subfile_collect: %d", r);
	if (!valid_for_both((const char *)data, size)) {
		free(ours);
		return -1; /* not added to the corpus: keeps the fuzzer on comparable files */
	}
	set_file((const char *)data, size);
	n_theirs = libsubid_ranges(name, &theirs);
	FUZZ_ASSERT(n_theirs >= 0, "libsubid failed (%d) on a file we read", n_theirs);
	if (n_ours > 1)
		qsort(ours, n_ours, sizeof(*ours), cmp_range);
	/* A user named after its own uid: libsubid matches each of its lines twice, by name and by
	 * uid, and returns it twice (shadow 4.13, list_owner_ranges()); we return it once. */
	dup = users[sel].name_is_uid ? 2 : 1;
	FUZZ_ASSERT((size_t)n_theirs == dup * n_ours, "user %s: we read %zu ranges, libsubid %d", name, n_ours, n_theirs);
	for (size_t i = 0; i < n_ours * dup; i++)
		FUZZ_ASSERT(ours[i / dup].start == theirs[i].start && ours[i / dup].count == theirs[i].count,
			    "user %s, range %zu: ours %" PRIu32 "+%" PRIu32 ", libsubid's %" PRIu32 "+%" PRIu32, name, i / dup,
			    ours[i / dup].start, ours[i / dup].count, theirs[i].start, theirs[i].count);
	compared++;
	compared_nonempty += n_ours > 0;
	free(ours);
	free(theirs);
	return 0;
}

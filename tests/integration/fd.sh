#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The fd:N target form: only a procfs /proc/PID directory passed as descriptor N is accepted.
# shellcheck source=tests/lib/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib/lib.sh"

set_subuid "$A_NAME:100000:65536
"
set_subgid "$A_NAME:100000:65536
"

# as_a CMD...: CMD as user A (descriptors opened by the caller's redirections are inherited).
# shellcheck disable=SC2317 # called through run/expect_*
as_a() { run_as "$A_UID" "$A_GID" "$@"; }

start_target "$A_UID" "$A_GID"
expect_map "fd:3 of /proc/PID" "$TARGET" uid_map "0 100000 65536" -- \
	as_a "$UIDMAP" fd:3 0 100000 65536 3<"/proc/$TARGET"
expect_map "newgidmap fd:5 of /proc/PID" "$TARGET" gid_map "0 100000 65536" -- \
	as_a "$GIDMAP" fd:5 0 100000 65536 5<"/proc/$TARGET"
check_proc "newgidmap fd:5: setgroups allow" "$TARGET" setgroups allow

start_target "$A_UID" "$A_GID"
expect_map "fd:4 of /proc/PID/task/TID" "$TARGET" uid_map "0 $A_UID 1" -- \
	as_a "$UIDMAP" fd:4 0 "$A_UID" 1 4<"/proc/$TARGET/task/$TARGET"

# A directory elsewhere holding a uid_map file must not receive the write.
FAKE="$T_DIR/fake-proc"
mkdir "$FAKE"
printf 'untouched\n' >"$FAKE/uid_map"
chmod 666 "$FAKE/uid_map"
start_target "$A_UID" "$A_GID"
expect_refused "fd:3 of a non-procfs directory with a uid_map" "target fd:3 is not a /proc/PID directory on procfs" \
	"$TARGET" -- as_a "$UIDMAP" fd:3 0 100000 65536 3<"$FAKE"
if [ "$(cat "$FAKE/uid_map")" = untouched ]; then
	pass "fd:3 of a non-procfs directory: the fake uid_map is untouched"
else
	fail "fd:3 of a non-procfs directory: the fake uid_map is untouched" "it holds '$(cat "$FAKE/uid_map")'"
fi

printf 'plain file\n' >"$T_DIR/regular"
expect_refused "fd:3 of a regular file" "target fd:3 is not a /proc/PID directory on procfs" \
	"$TARGET" -- as_a "$UIDMAP" fd:3 0 100000 65536 3<"$T_DIR/regular"
expect_refused "fd:3 of /proc/PID/uid_map itself" "target fd:3 is not a /proc/PID directory on procfs" \
	"$TARGET" -- as_a "$UIDMAP" fd:3 0 100000 65536 3<"/proc/$TARGET/uid_map"
expect_refused "fd:9 not open" "target fd:9 is not an open descriptor" \
	"$TARGET" -- as_a "$UIDMAP" fd:9 0 100000 65536 9<&-
expect_refused "fd:3 of /proc itself" "target fd:3 is not a /proc/PID directory (it has no uid_map of its own)" \
	"$TARGET" -- as_a "$UIDMAP" fd:3 0 100000 65536 3</proc
expect_refused "fd:3 of /proc/PID/ns" "target fd:3 is not a /proc/PID directory" \
	"$TARGET" -- as_a "$UIDMAP" fd:3 0 100000 65536 3<"/proc/$TARGET/ns"
for bad in fd: fd:abc fd:-1 "fd: 3" fd:03; do
	expect_refused "target '$bad'" "the target must be a process id or fd:N" \
		"$TARGET" -- as_a "$UIDMAP" "$bad" 0 100000 65536 3<"/proc/$TARGET"
done

# The descriptor is checked like a pid: owner and user namespace.
start_target "$B_UID" "$B_GID"
expect_refused "fd:3 of another user's process" "target process fd:3 is owned by a different user" \
	"$TARGET" -- as_a "$UIDMAP" fd:3 0 100000 65536 3<"/proc/$TARGET"
start_plain "$A_UID" "$A_GID"
expect_refused "fd:3 of a process not in a new user namespace" "is not in a new user namespace" \
	"$TARGET" -- as_a "$UIDMAP" fd:3 0 100000 65536 3<"/proc/$TARGET"

finish

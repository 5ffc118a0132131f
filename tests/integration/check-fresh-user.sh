#!/bin/bash
# subid-check for a freshly created user, used as an admin would: run it, apply the fix it prints
# for the first failing check (as a shell command, verbatim), and repeat. After at most a few
# rounds nothing fails: the fixes are real commands that repair the host, and the user then passes
# every check. Warnings may remain only where they describe this host rather than the user (the
# cgroup layout of the machine the tests run on). Our helpers, with their file capabilities, are
# bind-mounted over /usr/bin/newuidmap and /usr/bin/newgidmap, so the live probe goes through them.
# shellcheck source=tests/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"

SC=$SUBID_CHECK
need_built "$SC"
PY=$(command -v python3) || skip "needs python3"

mount --bind "$UIDMAP" /usr/bin/newuidmap
mount --bind "$GIDMAP" /usr/bin/newgidmap
useradd -M -l -s /bin/sh nidfresh
export PATH=/usr/bin:/bin:/usr/sbin:/sbin

# first_fail JSON: prints "ID<TAB>FIX" of the first failing check, nothing when none fails.
first_fail() {
	"$PY" -c '
import json, sys
doc = json.load(sys.stdin)
for c in doc["checks"]:
    if c["verdict"] == "fail":
        print(c["id"] + "\t" + (c["fix"] or ""))
        break'
}

applied=()
for round in 1 2 3 4 5 6; do
	rc=0
	json=$("$SC" --user nidfresh --json) || rc=$?
	ff=$(printf '%s' "$json" | first_fail)
	[ -n "$ff" ] || break
	id=${ff%%$'\t'*} fix=${ff#*$'\t'}
	if [ -z "$fix" ]; then
		fail "round $round: $id fails" "with no fix to apply"
		break
	fi
	case $fix in
	*START-END*) fail "round $round: $id" "the fix is a template, not a command: $fix"; break ;;
	esac
	echo "# round $round: $id fails; applying its fix: $fix"
	if out=$(sh -c "$fix" 2>&1); then
		pass "round $round: the fix of $id runs: $fix"
	else
		fail "round $round: the fix of $id runs" "$fix: $out"
		break
	fi
	applied+=("$id")
done

[ "${#applied[@]}" -ge 1 ] && pass "a fresh user first fails (${applied[*]})" ||
	fail "a fresh user first fails" "no check failed for a user with no sub-ids"
[ "$rc" != 1 ] && pass "after the fixes no check fails (exit $rc)" ||
	fail "after the fixes no check fails" "$(printf '%s' "$json" | first_fail)"

# Every check of the user's own path passes: no failure, and warnings only from the host's cgroup
# layout (container.cgroup) and the test's own private mount namespace (container.propagation),
# which no per-user fix can change.
bad=$(printf '%s' "$json" | "$PY" -c '
import json, sys
doc = json.load(sys.stdin)
host_only = {"container.cgroup", "container.propagation"}
print(" ".join("%s=%s" % (c["id"], c["verdict"]) for c in doc["checks"]
               if c["verdict"] == "fail" or (c["verdict"] == "warn" and c["id"] not in host_only)))')
[ -z "$bad" ] && pass "every check passes for the user (host-only warnings aside)" || fail "every check passes" "$bad"
for id in probe.userns probe.uid_map probe.gid_map probe.setgroups probe.chown subids.subuid.entries subids.subgid.entries; do
	v=$(printf '%s' "$json" | "$PY" -c 'import json,sys; print([c["verdict"] for c in json.load(sys.stdin)["checks"] if c["id"] == sys.argv[1]][0])' "$id")
	[ "$v" = pass ] && pass "$id passes" || fail "$id passes" "verdict $v"
done
# The ranges the fixes allocated are in both files, once, and the helpers grant them.
n=$(grep -c '^nidfresh:' /etc/subuid || true)
[ "$n" = 1 ] && pass "one /etc/subuid line for the user: $(grep '^nidfresh:' /etc/subuid)" || fail "one /etc/subuid line" "$n lines"
n=$(grep -c '^nidfresh:' /etc/subgid || true)
[ "$n" = 1 ] && pass "one /etc/subgid line for the user" || fail "one /etc/subgid line" "$n lines"
finish

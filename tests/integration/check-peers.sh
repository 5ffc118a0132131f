#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# subid-check against the other checkers, on the same broken states (docs/peer-checkers.md):
# Docker's `dockerd-rootless-setuptool.sh check` (Debian's docker.io), `lxc-checkconfig`, and
# podman's own start-up errors (`podman info`, `podman unshare cat /proc/self/uid_map`), each run as
# a throw-away user beside `subid-check --json` (with its live probe). Every state is real and
# private: our /etc overlay, PATH, bind mounts in our mount namespace, setpriv --no-new-privs, and
# a child user namespace whose own user.max_user_namespaces is 0.
# For each state, whatever a peer prints that it did not print in the healthy baseline is its
# flag; whenever any peer flags a state, subid-check must report that state's check as warn or
# fail, with a fix. Where a peer is wrong (lxc-checkconfig calls a file-capability helper "not
# setuid-root" although the probe maps through it) that is asserted too. Docker's iptables checks
# are skipped (--skip-iptables): this VM has no /proc/modules, so ip_tables would be flagged in
# every state, and networking is outside subid-check. It takes about 10 s.
SETUPTOOL=${SETUPTOOL:-/usr/share/docker.io/contrib/dockerd-rootless-setuptool.sh}
export SETUPTOOL
# shellcheck source=tests/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
need_built "$SUBID_CHECK"
need_tools podman lxc-checkconfig python3 mkfifo
[ -f "$SETUPTOOL" ] || skip "$SETUPTOOL is missing (apt-get install docker.io)"

PY=$(command -v /usr/bin/python3 python3 | head -n 1)
SC="$BIN/subid-check"
cp "$SUBID_CHECK" "$SC"
chmod 755 "$SC"
CONTRIB=$(dirname "$SETUPTOOL")
OUTD="$T_DIR/out"
mkdir -m 755 "$OUTD"

# The healthy host the baseline runs on: / shared as under systemd (our namespace's mounts only),
# a private /dev/shm for podman's locks, A with ranges, our helpers (file capabilities) first in
# PATH.
mount --make-rshared /
mount -t tmpfs -o mode=1777,nosuid,nodev newidmap-peers-shm /dev/shm
healthy_files() {
	set_subuid "$A_NAME:200000:65536
"
	set_subgid "$A_NAME:200000:65536
"
}
healthy_files
GOODPATH="$BIN:$CONTRIB:/usr/local/bin:/usr/bin:/bin"

# A fresh HOME and XDG_RUNTIME_DIR for every podman run: no pause process from an earlier state.
PAUSE_FILES=()
n_dirs=0
fresh_dirs() {
	n_dirs=$((n_dirs + 1))
	UHOME="$T_DIR/home$n_dirs"
	URUN="$T_DIR/run$n_dirs"
	mkdir -m 700 "$UHOME" "$URUN"
	chown "$A_UID:$A_GID" "$UHOME" "$URUN"
	PAUSE_FILES+=("$URUN/libpod/tmp/pause.pid")
}
stop_pauses() {
	local f
	for f in "${PAUSE_FILES[@]}"; do
		kill_pause "$f"
	done
	return 0
}
trap 'stop_pauses; cleanup' EXIT

# as_a WRAP... -- CMD...: CMD as A with the state's PATH, HOME and XDG_RUNTIME_DIR, under the
# wrapper commands (none, setpriv --no-new-privs, the child namespace below).
as_a() {
	local wrap=()
	while [ "$1" != -- ]; do wrap+=("$1"); shift; done
	shift
	"${wrap[@]}" setpriv --reuid "$A_UID" --regid "$A_GID" --init-groups \
		env -i PATH="$SPATH" HOME="$UHOME" XDG_RUNTIME_DIR="$URUN" USER="$A_NAME" LOGNAME="$A_NAME" LANG=C "$@"
}

# in_child_max0 CMD...: CMD in a child user namespace (ids 0-65535 mapped to themselves, so A
# stays A) whose root first sets that namespace's own user.max_user_namespaces to 0. The child
# waits for its map, then execs again: only an exec as the mapped root gives it the capabilities
# (its first exec ran unmapped, and kept none).
printf '#!/bin/sh\necho 0 >/proc/sys/user/max_user_namespaces && exec "$@"\n' >"$T_DIR/max0.sh"
in_child_max0() {
	local fifo="$T_DIR/go.$RANDOM" pid rc=0
	mkfifo "$fifo"
	# shellcheck disable=SC2016
	unshare -U sh -c 'read -r x <"$1" && shift && exec "$@"' _ "$fifo" sh "$T_DIR/max0.sh" "$@" &
	pid=$!
	for _ in $(seq 500); do
		[ "$(readlink "/proc/$pid/ns/user")" != "$(readlink /proc/self/ns/user)" ] && break
		sleep 0.01
	done
	printf '0 0 65536\n' >"/proc/$pid/uid_map"
	printf '0 0 65536\n' >"/proc/$pid/gid_map"
	echo go >"$fifo"
	wait "$pid" || rc=$?
	rm -f "$fifo"
	return "$rc"
}

# capture FILE CMD...: CMD's stdout and stderr, then "exit status N", appended to FILE, colour
# codes and podman's timestamps removed.
capture() {
	local f=$1 rc=0
	shift
	"$@" >"$f.raw" 2>&1 </dev/null || rc=$?
	echo "exit status $rc" >>"$f.raw"
	sed -e 's/\x1b\[[0-9;]*m//g' -e 's/^time="[^"]*" //' "$f.raw" >>"$f"
	rm -f "$f.raw"
}

# runall STATE [WRAP...]: every checker on the current state, outputs in $OUTD/STATE.*.
PODMAN=(timeout 120 podman --storage-driver vfs --cgroup-manager cgroupfs --events-backend file)
runall() {
	local st=$1
	shift
	fresh_dirs
	as_a "$@" -- "$SC" --json >"$OUTD/$st.sc" 2>"$OUTD/$st.sc.err" </dev/null || true
	capture "$OUTD/$st.docker" as_a "$@" -- sh "$SETUPTOOL" check --skip-iptables
	capture "$OUTD/$st.lxc" as_a "$@" -- lxc-checkconfig
	capture "$OUTD/$st.podman" as_a "$@" -- "${PODMAN[@]}" info --format '{{.Host.Security.Rootless}}'
	capture "$OUTD/$st.podman" as_a "$@" -- "${PODMAN[@]}" unshare cat /proc/self/uid_map
	stop_pauses
	# What podman printed, pasted into subid-check --explain in the same state.
	as_a "$@" -- "$SC" --explain - --json <"$OUTD/$st.podman" >"$OUTD/$st.explain" 2>&1 || true
}

# ---------------------------------------------------------------------------------------------
# The states

SPATH=$GOODPATH
runall healthy

set_subuid "$B_NAME:300000:65536
"
set_subgid "$B_NAME:300000:65536
"
runall no_subuid_line
healthy_files

chmod 600 /etc/subuid /etc/subgid
runall subuid_unreadable
healthy_files

set_subuid "$A_NAME:$((A_UID - 10)):65536
"
runall own_uid_in_range
healthy_files

# Our helpers, copied without their file capabilities.
NOCAP="$T_DIR/nocap"
mkdir -m 755 "$NOCAP"
cp "$UIDMAP" "$GIDMAP" "$NOCAP/"
chmod 755 "$NOCAP"/*
SPATH="$NOCAP:$CONTRIB:/usr/local/bin:/usr/bin:/bin"
runall helper_no_capability

# The helpers' directory mounted nosuid (a bind mount of ours).
mount --bind "$BIN" "$BIN"
mount -o remount,bind,nosuid "$BIN"
SPATH=$GOODPATH
runall helpers_nosuid
umount "$BIN"

# No newuidmap/newgidmap anywhere in PATH: the distribution's are covered by non-executable files.
: >"$T_DIR/hidden"
chmod 644 "$T_DIR/hidden"
HIDDEN=()
for h in /usr/bin/newuidmap /usr/bin/newgidmap /usr/sbin/newuidmap /usr/sbin/newgidmap /usr/local/bin/newuidmap \
	/usr/local/bin/newgidmap; do
	if [ -e "$h" ]; then
		mount --bind "$T_DIR/hidden" "$h"
		HIDDEN+=("$h")
	fi
done
SPATH="$CONTRIB:/usr/local/bin:/usr/bin:/bin"
runall helpers_missing
for h in "${HIDDEN[@]}"; do
	umount "$h"
done
SPATH=$GOODPATH

runall no_new_privs setpriv --no-new-privs

runall max_user_namespaces_0 in_child_max0

mount --make-rprivate /
runall root_not_shared
mount --make-rshared /

# ---------------------------------------------------------------------------------------------
# The comparison: one python pass prints "ok|bad<TAB>what<TAB>why" lines and the table.

# STATE -> the subid-check ids that must warn or fail there, and what each peer must do
# (flag: it must print something new; quiet: it must not; any: either, not asserted).
cat >"$T_DIR/expect" <<EOF
no_subuid_line	subids.subuid.entries,subids.subgid.entries	docker=flag lxc=quiet podman=flag
subuid_unreadable	subids.subuid.file,subids.subgid.file	docker=flag lxc=quiet podman=flag
own_uid_in_range	subids.subuid.own_id	docker=quiet lxc=quiet podman=flag
helper_no_capability	helpers.newuidmap.privilege,helpers.newgidmap.privilege,probe.uid_map	docker=quiet lxc=quiet podman=flag
helpers_nosuid	helpers.newuidmap.nosuid,helpers.newgidmap.nosuid,probe.uid_map	docker=quiet lxc=quiet podman=flag
helpers_missing	helpers.newuidmap.path,helpers.newgidmap.path	docker=flag lxc=flag podman=flag
no_new_privs	kernel.no_new_privs,probe.uid_map	docker=quiet lxc=quiet podman=flag
max_user_namespaces_0	kernel.max_user_namespaces,probe.userns	docker=flag lxc=quiet podman=flag
root_not_shared	container.propagation	docker=quiet lxc=quiet podman=flag
EOF

"$PY" - "$OUTD" "$T_DIR/expect" "$A_NAME" >"$T_DIR/verdicts" 2>&1 <<'EOF' || true
import json, re, sys
outd, expect_path, user = sys.argv[1:4]
def read(st, peer):
    try:
        return open("%s/%s.%s" % (outd, st, peer), errors="replace").read()
    except OSError as e:
        return "cannot read: %s" % e
def lines(text):
    # The per-run HOME and XDG_RUNTIME_DIR are numbered: the same place in every state.
    out = []
    for l in text.splitlines():
        l = re.sub(r"/(home|run)\d+\b", r"/\1N", l)
        l = l.strip()
        if l:
            out.append(l)
    return out
def flags(st, peer):
    base = set(lines(read("healthy", peer)))
    new = [l for l in lines(read(st, peer)) if l not in base]
    if peer == "lxc":
        new = [l for l in new if re.search(r"warning|not installed|missing|error", l, re.I)]
    return new
def sc(st):
    try:
        return json.loads(read(st, "sc"))
    except ValueError as e:
        return {"checks": [], "error": str(e)}
def out(ok, what, why=""):
    print("%s\t%s\t%s" % ("ok" if ok else "bad", what, why.replace("\n", " | ")[:1500]))

# The baseline: every checker content, and the one peer that is wrong about it.
h = sc("healthy")
bad = [c["id"] for c in h["checks"] if c["verdict"] in ("warn", "fail") and c["id"] not in ("container.cgroup",)]
out(not bad, "healthy: subid-check warns or fails only about the host's cgroup layout", "%s" % bad)
pv = {c["id"]: c["verdict"] for c in h["checks"]}
out(pv.get("probe.uid_map") == "pass" and pv.get("helpers.newuidmap.privilege") == "pass",
    "healthy: subid-check maps through the file-capability helper (probe.uid_map, helpers.newuidmap.privilege pass)",
    "probe.uid_map %s, privilege %s" % (pv.get("probe.uid_map"), pv.get("helpers.newuidmap.privilege")))
lxc = read("healthy", "lxc")
out("newuidmap is not setuid-root" in lxc,
    "healthy: lxc-checkconfig wrongly warns 'newuidmap is not setuid-root' about that same working helper", lxc[-400:])
out("Requirements are satisfied" in read("healthy", "docker"), "healthy: Docker's check is satisfied",
    read("healthy", "docker")[-400:])
pod = read("healthy", "podman")
out(re.search(r"^\s*1\s+200000\s+65536\s*$", pod, re.M) is not None and "level=warning" not in pod,
    "healthy: podman maps the sub-ids and warns about nothing", pod[-400:])

table = []
for line in open(expect_path):
    st, ids, peers = line.rstrip("\n").split("\t")
    ids = ids.split(",")
    want = dict(p.split("=") for p in peers.split())
    doc = sc(st)
    got = {}
    for peer in ("docker", "lxc", "podman"):
        got[peer] = flags(st, peer)
        if want[peer] == "flag":
            out(bool(got[peer]), "%s: %s flags it" % (st, peer), "it printed nothing new: %s" % read(st, peer)[-300:])
        elif want[peer] == "quiet":
            out(not got[peer], "%s: %s does not flag it" % (st, peer), "it printed: %s" % got[peer])
    anyflag = any(got.values())
    for cid in ids:
        hits = [c for c in doc["checks"] if c["id"] == cid]
        ok = len(hits) == 1 and hits[0]["verdict"] in ("warn", "fail") and hits[0]["fix"]
        out(ok, "%s: %s%s is %s with a fix" % (st, "flagged by %s; " % ",".join(p for p in got if got[p]) if anyflag else "", cid,
                                               hits[0]["verdict"] if hits else "missing"),
            "%s" % (hits[0] if hits else doc.get("error", "no such result")))
    # podman's own words, pasted into --explain in the same state, name a check that fails here.
    if got["podman"]:
        try:
            ex = json.loads(read(st, "explain"))
        except ValueError as e:
            ex = {"checks": [], "explain": {"matched": []}, "error": str(e)}
        bad_ids = [c["id"] for c in ex["checks"] if c["verdict"] in ("warn", "fail") and c["fix"]]
        hit = [i for i in ids if i in bad_ids]
        out(bool(hit), "%s: subid-check --explain with podman's output shows %s" % (st, ", ".join(hit) or ids[0]),
            "matched %s; warn/fail: %s %s" % ([m["pattern"] for m in ex.get("explain", {}).get("matched", [])],
                                            bad_ids, ex.get("error", "")))
    table.append((st, ids, doc, got))

# The table for docs/peer-checkers.md, on stdout after the verdicts.
print("TABLE\tstate\tsubid-check\tdocker\tlxc-checkconfig\tpodman")
for st, ids, doc, got in table:
    cells = []
    for cid in ids:
        c = [x for x in doc["checks"] if x["id"] == cid]
        cells.append("%s %s" % (cid, c[0]["verdict"].upper() if c else "?"))
    print("TABLE\t%s\t%s\t%s\t%s\t%s" % (st, "; ".join(cells), " / ".join(got["docker"])[:300],
                                         " / ".join(got["lxc"])[:300], " / ".join(got["podman"])[:300]))
EOF
while IFS=$'\t' read -r verdict what why; do
	case $verdict in
	ok) pass "$what" ;;
	bad) fail "$what" "$why" ;;
	TABLE) echo "# $what	$why" ;;
	*) fail "the comparison ran" "$verdict $what $why" ;;
	esac
done <"$T_DIR/verdicts"

finish

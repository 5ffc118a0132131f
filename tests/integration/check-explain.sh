#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# subid-check --explain, driven from its table (docs/explain.tsv): for every known message, its real
# example text (as the runtime printed it) is pasted and the row and every check id it names must
# come out, with only those checks' results; every id the table names must be documented. Then
# real broken states, made in our private namespaces, where the failing check is shown with its
# fix: no sub-uid line, a helper copy without its file capability, no_new_privs,
# user.max_user_namespaces = 0 in a child user namespace, a masked /proc (fixture); and a healthy
# state, where the message's meaning and what to look at next are printed instead.
# shellcheck source=tests/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
need_built "$SUBID_CHECK"

SRC=$abs_top_srcdir
TABLE="$SRC/docs/explain.tsv"
MAN="$SRC/man/subid-check.8"
PY=$(command -v /usr/bin/python3 python3 | head -n 1)
[ -n "$PY" ] || skip "python3 is needed to read the table and the JSON output"
SC="$BIN/subid-check"
cp "$SUBID_CHECK" "$SC"
chmod 755 "$SC"

# ---------------------------------------------------------------------------------------------
# The table itself

# One python pass checks the table's form and runs every example (63 processes, no probe): the
# verdicts per row come back as TAB-separated lines "ok|bad<TAB>what<TAB>why".
mkdir "$T_DIR/emptyroot"
"$PY" - "$TABLE" "$MAN" "$SC" "$SRC/subid/check/subid-check.schema.json" "$T_DIR/emptyroot" >"$T_DIR/table.out" 2>&1 <<'EOF' || true
import json, re, subprocess, sys
table, man, sc, schema_path, emptyroot = sys.argv[1:6]
man_text = open(man).read()
try:  # the documents are validated against the schema where python3-jsonschema has draft 2020-12
    import jsonschema
    validator = jsonschema.Draft202012Validator(json.load(open(schema_path)))
except (ImportError, AttributeError):
    validator = None
rows = []
for n, line in enumerate(open(table, encoding="utf-8"), 1):
    line = line.rstrip("\n")
    if not line or line.startswith("#"):
        continue
    rows.append((n, line.split("\t")))
def out(ok, what, why=""):
    print("%s\t%s\t%s" % ("ok" if ok else "bad", what, why.replace("\n", " ")))
bad_form = [n for n, f in rows if len(f) != 6 or not all(x.strip() for x in f)]
out(not bad_form, "every line has 6 non-empty TAB-separated fields", "lines %s" % bad_form)
patterns = [f[0].lower() for n, f in rows if len(f) == 6]
dups = sorted({p for p in patterns if patterns.count(p) > 1})
out(not dups, "no pattern twice", "%s" % dups)
out(len(set(patterns)) >= 30, "at least 30 distinct messages (%d)" % len(set(patterns)))
ids = sorted({i for n, f in rows if len(f) == 6 for i in f[1].split(",")})
undoc = [i for i in ids if i not in man_text]
out(not undoc, "every one of the %d check ids the table names is in subid-check(8)" % len(ids), "%s" % undoc)
# ... and is an id subid-check really emits (a full run with the probe, and a rootfs run): a typo
# that is a prefix of a real id would pass the man page's substring test.
emitted = set()
for extra in ([], ["rootfs", emptyroot, "--map", "0:0:1"]):
    p = subprocess.run([sc, "--json"] + extra, capture_output=True, text=True)
    try:
        emitted |= {c["id"] for c in json.loads(p.stdout)["checks"]}
    except ValueError:
        pass
unknown = [i for i in ids if i not in emitted]
out(not unknown and len(emitted) >= 40, "every check id the table names is emitted by subid-check (%d ids seen)" % len(emitted),
    "%s" % unknown)
nosrc = [n for n, f in rows if len(f) == 6 and not re.search(r"https://github\.com/|\d+\.\d+|[0-9a-f]{7}", f[2])]
out(not nosrc, "every source names a version, a commit or a public issue", "lines %s" % nosrc)
for n, f in rows:
    if len(f) != 6:
        continue
    pattern, checks, source, example = f[0], f[1].split(","), f[2], f[3]
    what = "line %d: %s" % (n, example[:70])
    # The example as a user pastes it: inside a log, between unrelated lines.
    text = "Error: something else happened\n" + example + "\nexit status 125\n"
    p = subprocess.run([sc, "--explain", text, "--json", "--no-probe"], capture_output=True, text=True)
    if p.returncode not in (0, 1, 2):
        out(False, what, "exit status %d: %s" % (p.returncode, p.stderr))
        continue
    try:
        doc = json.loads(p.stdout)
    except ValueError as e:
        out(False, what, "not JSON: %s" % e)
        continue
    ex = doc.get("explain", {})
    errs = []
    if validator:
        errs += ["schema: %s" % e.message for e in validator.iter_errors(doc)][:2]
    if pattern not in [m["pattern"] for m in ex.get("matched", [])]:
        errs.append("row not matched (matched: %s)" % [m["pattern"] for m in ex.get("matched", [])])
    missing = [i for i in checks if i not in ex.get("checks", [])]
    if missing:
        errs.append("ids missing: %s" % missing)
    ran = [c["id"] for c in doc["checks"]]
    extra = [i for i in ran if i not in ex.get("checks", [])]
    if extra:
        errs.append("results of checks no matched row names: %s" % extra)
    # Each named id gave a result, or is listed as not checked: nothing silently dropped.
    lost = [i for i in checks if i not in ran and i not in ex.get("not_checked", [])]
    if lost:
        errs.append("ids neither run nor listed as not checked: %s" % lost)
    want_rc = 1 if any(c["verdict"] == "fail" for c in doc["checks"]) else 2 if any(c["verdict"] == "warn" for c in doc["checks"]) else 0
    if p.returncode != want_rc or doc["exit"] != want_rc:
        errs.append("exit %d (document says %s), expected %d" % (p.returncode, doc["exit"], want_rc))
    out(not errs, what + " -> " + ",".join(checks) + (" (schema-valid)" if validator else ""), "; ".join(errs))
EOF
while IFS=$'\t' read -r verdict what why; do
	case $verdict in
	ok) pass "table: $what" ;;
	bad) fail "table: $what" "$why" ;;
	*) fail "table: the checker ran" "$verdict $what $why" ;;
	esac
done <"$T_DIR/table.out"

# shellcheck source=tests/lib/json.sh
. "$(dirname "$0")/../lib/json.sh"

# expect_out WHAT TEXT / expect_no_out WHAT TEXT: the last run()'s stdout has (lacks) TEXT.
expect_out() {
	if [[ $OUT == *"$2"* ]]; then pass "$1: prints '$2'"; else fail "$1: prints '$2'" "stdout: $OUT"; fi
}
expect_no_out() {
	if [[ $OUT != *"$2"* ]]; then pass "$1: does not print '$2'"; else fail "$1: does not print '$2'" "stdout: $OUT"; fi
}

# ---------------------------------------------------------------------------------------------
# Input forms

run "$SC" --explain "the weather is fine today" --json --no-probe
n=$(printf '%s' "$OUT" | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(len(d["explain"]["matched"]), len({c["id"] for c in d["checks"]}))')
if [ "${n%% *}" = 0 ] && [ "${n##* }" -ge 30 ]; then
	pass "an unknown text matches nothing and every check runs ($n)"
else
	fail "an unknown text matches nothing and every check runs" "matched, ids: $n"
fi
run "$SC" --explain "the weather is fine today" --no-probe
expect_out "unknown text, human" "matches none of the"

printf 'time="2026-01-02T03:04:05Z" level=warning msg="/proc/sys/user/max_user_namespaces needs to be set to non-zero."\n' >"$T_DIR/log"
RC=0
OUT=$("$SC" --explain - --json --no-probe <"$T_DIR/log") || RC=$?
expect_check "--explain - (stdin)" kernel.max_user_namespaces pass
# Quoting and wrapping differ from the table's: still the same row.
run "$SC" --explain "NEWUIDMAP:   write to
uid_map failed: 'Operation not permitted'" --json --no-probe
expect_check "another case, quotes and a line break" helpers.newuidmap.privilege pass
# Copied from a web page: typographic quotes inside the text a pattern spells out.
run "$SC" --explain 'newuidmap: write to uid_map failed: “Operation not permitted”' --no-probe
expect_out "typographic double quotes" 'matches 1 known message'
expect_out "typographic double quotes" 'newuidmap: write to uid_map failed: Operation not permitted' 
# shellcheck disable=SC1112 # the curly quotes are the input under test (web pages produce them)
run "$SC" --explain 'newgidmap: ‘write to gid_map failed: Operation not permitted’' --no-probe
expect_out "typographic single quotes" 'newgidmap: write to gid_map failed: Operation not permitted'
head -c 1100000 /dev/zero | tr '\0' 'x' >"$T_DIR/big"
RC=0
"$SC" --explain - --no-probe <"$T_DIR/big" >/dev/null 2>"$T_DIR/big.err" || RC=$?
if [ "$RC" = 3 ] && grep -q "longer than 1 MiB" "$T_DIR/big.err"; then
	pass "more than 1 MiB on stdin: exit 3 with one line"
else
	fail "more than 1 MiB on stdin: exit 3 with one line" "exit $RC: $(cat "$T_DIR/big.err")"
fi
run "$SC" --explain x rootfs /
check_rc "--explain with rootfs is a usage error" 3

# ---------------------------------------------------------------------------------------------
# Real states: the failing check is shown, with its fix

# No sub-uid line for A (only B has one).
set_subuid "$B_NAME:200000:65536
"
set_subgid "$B_NAME:200000:65536
"
run run_as "$A_UID" "$A_GID" env PATH="$BIN:/usr/bin:/bin" "$SC" --no-probe \
	--explain "Error: cannot find UID/GID for user $A_NAME: no subuid ranges found for user \"$A_NAME\" in /etc/subuid - check rootless mode in man pages."
expect_out "no sub-uid line" "FAIL subids.subuid.entries"
expect_out "no sub-uid line" "fix: usermod --add-subuids"
expect_no_out "no sub-uid line" "None of these checks"
check_rc "no sub-uid line" 1

# A's ranges in place; newuidmap first in PATH is a copy without its file capability.
set_subuid "$A_NAME:100000:65536
"
set_subgid "$A_NAME:100000:65536
"
NOCAP="$T_DIR/nocap"
mkdir -m 755 "$NOCAP"
cp "$UIDMAP" "$NOCAP/newuidmap"
chmod 755 "$NOCAP/newuidmap"
run run_as "$A_UID" "$A_GID" env PATH="$NOCAP:$BIN:/usr/bin:/bin" "$SC" --json \
	--explain "newuidmap: write to uid_map failed: Operation not permitted"
expect_check "helper without capability" helpers.newuidmap.privilege fail "setcap cap_setuid=ep"
expect_check "helper without capability (the probe, for real)" probe.uid_map fail
expect_check "helper without capability" kernel.no_new_privs pass

# no_new_privs: the capability of the right helper is void.
run run_as "$A_UID" "$A_GID" setpriv --no-new-privs env PATH="$BIN:/usr/bin:/bin" "$SC" --json \
	--explain "newuidmap: Could not set caps"
expect_check "no_new_privs" kernel.no_new_privs fail "NoNewPrivileges"
expect_check "no_new_privs" helpers.newuidmap.privilege pass

# user.max_user_namespaces = 0 in a child user namespace (its own copy of the limit).
# shellcheck disable=SC2016
run unshare -U -r sh -c 'echo 0 >/proc/sys/user/max_user_namespaces && exec "$0" --json --explain "$1"' \
	"$SC" "[rootlesskit:parent] error: failed to start the child: fork/exec /proc/self/exe: no space left on device"
expect_check "max_user_namespaces 0" kernel.max_user_namespaces fail "sysctl -w user.max_user_namespaces="
expect_check "max_user_namespaces 0 (the probe, for real)" probe.userns fail

# A masked /proc (docker's default), from a fixture tree.
FXD="$T_DIR/masked"
mkdir -p "$FXD/etc" "$FXD/proc/self"
printf 'root:x:0:0:root:/root:/bin/bash\n' >"$FXD/etc/passwd"
printf '%s\n' '500 400 0:60 / / rw,relatime - overlay overlay rw' \
	'501 500 0:62 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw' \
	'506 501 0:64 / /proc/acpi ro,relatime - tmpfs tmpfs ro' \
	'507 501 0:5 /null /proc/kcore rw,nosuid - devtmpfs udev rw' >"$FXD/proc/self/mountinfo"
run "$SC" --sysroot "$FXD" --json --explain "mount proc:/proc (via /proc/self/fd/6), flags: 0xe: operation not permitted"
expect_check "masked /proc" container.proc_masked warn "systempaths=unconfined"

# Only checks that cannot run under a sysroot: the host is not called clean on their word.
mkdir -p "$T_DIR/bare/etc"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$T_DIR/bare/etc/passwd"
run "$SC" --sysroot "$T_DIR/bare" --explain "cannot clone: Invalid argument"
expect_out "only skipped checks" "None of these checks could run here"
expect_no_out "only skipped checks" "finds a problem"
expect_out "only skipped checks" "means: The kernel has no user namespaces"

# A healthy state: nothing fails, so the meaning and what to look at next are printed.
run run_as "$A_UID" "$A_GID" env PATH="$BIN:/usr/bin:/bin" "$SC" \
	--explain "newuidmap: write to uid_map failed: Operation not permitted"
check_rc "healthy, human" 0
expect_out "healthy, human" "PASS probe.uid_map"
expect_out "healthy, human" "None of these checks finds a problem on this host."
expect_out "healthy, human" "means: newuidmap ran but the kernel refused"
expect_out "healthy, human" "next: Run the runtime's newuidmap command by hand"
expect_out "healthy, human" "source: shadow-utils 4.20"

finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# subid-check --json against its schema (subid/check/subid-check.schema.json, JSON Schema draft
# 2020-12), validated with python3-jsonschema: a normal run as root and as a user, a --quiet run,
# a --sysroot run, a rootfs run. Beyond the schema, the document must agree with itself (summary
# counts, exit equal to the exit status, area the prefix of id, --quiet listing problems only),
# and the schema must reject broken documents, so that the validation is known to bite.
# shellcheck source=tests/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
need_built "$SUBID_CHECK"
SCHEMA=$abs_top_srcdir/subid/check/subid-check.schema.json
JPY=""
for py in /usr/bin/python3 python3; do
	if "$py" -c 'import jsonschema; jsonschema.Draft202012Validator' >/dev/null 2>&1; then
		JPY=$(command -v "$py")
		break
	fi
done
[ -n "$JPY" ] || skip "python3-jsonschema (with draft 2020-12) is not installed: apt-get install python3-jsonschema"

SC="$BIN/subid-check"
cp "$SUBID_CHECK" "$SC"
chmod 755 "$SC"
SAFE_PATH=/usr/bin:/bin:/usr/sbin:/sbin

# validate WHAT [quiet]: the last run()'s stdout is valid against the schema and consistent with
# itself and with the exit status $RC.
validate() {
	local what=$1 quiet=${2:-} msg
	if msg=$(printf '%s' "$OUT" | "$JPY" -c '
import json, sys, jsonschema
schema_path, rc, quiet = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "quiet"
schema = json.load(open(schema_path))
jsonschema.Draft202012Validator.check_schema(schema)
try:
    doc = json.loads(sys.stdin.read())
except ValueError as e:
    sys.exit("not JSON: %s" % e)
errs = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(doc)]
if errs:
    sys.exit("schema: " + "; ".join(errs[:5]))
bad = []
if doc["exit"] != rc:
    bad.append("exit is %d, the status %d" % (doc["exit"], rc))
for c in doc["checks"]:
    if c["area"] != c["id"].split(".")[0]:
        bad.append("%s has area %s" % (c["id"], c["area"]))
    if quiet and c["verdict"] in ("pass", "skip"):
        bad.append("--quiet lists %s (%s)" % (c["id"], c["verdict"]))
ids = [c["id"] for c in doc["checks"]]
if len(ids) != len(set(ids)):
    bad.append("duplicate ids")
count = {v: sum(c["verdict"] == v for c in doc["checks"]) for v in ("pass", "warn", "fail", "skip")}
for v in ("warn", "fail") if quiet else ("pass", "warn", "fail", "skip"):
    if doc["summary"][v] != count[v]:
        bad.append("summary %s is %d, listed %d" % (v, doc["summary"][v], count[v]))
want = 1 if doc["summary"]["fail"] else 2 if doc["summary"]["warn"] else 0
if rc != 3 and rc != want:
    bad.append("status %d, the summary implies %d" % (rc, want))
if bad:
    sys.exit("; ".join(bad))
print("%d checks" % len(doc["checks"]))
' "$SCHEMA" "$RC" "$quiet" 2>&1); then
		pass "$what: valid ($msg, exit $RC)"
	else
		fail "$what: valid" "$msg"
	fi
}

set_subuid "$A_NAME:200000:65536
"
set_subgid "$A_NAME:200000:65536
"
mount --bind "$UIDMAP" /usr/bin/newuidmap
mount --bind "$GIDMAP" /usr/bin/newgidmap

run env PATH="$SAFE_PATH" "$SC" --json
validate "root, the caller"
run env PATH="$SAFE_PATH" "$SC" --json --user "$A_NAME"
validate "root checking $A_NAME"
run run_as "$A_UID" "$A_GID" env PATH="$SAFE_PATH" "$SC" --json
validate "$A_NAME checking itself"
run env PATH="$SAFE_PATH" "$SC" --json --quiet --user "$A_NAME"
validate "--quiet" quiet
run env PATH="$SAFE_PATH" "$SC" --json --quiet --user "$B_NAME"
validate "--quiet, a user without ranges" quiet

# A sysroot with values that warn and fail (and a control byte and quotes that need escaping).
SR="$T_DIR/sysroot"
mkdir -p "$SR/etc" "$SR/proc/sys/user" "$SR/proc/self"
printf 'root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n' >"$SR/etc/passwd"
printf 'alice:100000:10\n"bad\tline:1:2\r\n' >"$SR/etc/subuid"
printf '0\n' >"$SR/proc/sys/user/max_user_namespaces"
printf '1 0 0:1 / /proc/a\\040"b" rw - tmpfs tmp\\134fs rw\n' >"$SR/proc/self/mountinfo"
run env PATH="$SAFE_PATH" "$SC" --json --sysroot "$SR" --user alice
validate "--sysroot"

# A rootfs, by its default map and by an explicit one.
RF="$T_DIR/rootfs"
mkdir -p "$RF/etc"
: >"$RF/etc/hostname"
chown -R 200000:200000 "$RF"
run env PATH="$SAFE_PATH" "$SC" rootfs "$RF" --map 0:200000:65536 --json
validate "rootfs --map"
run env PATH="$SAFE_PATH" "$SC" rootfs "$RF" --user "$A_NAME" --json
validate "rootfs, $A_NAME's map"
run env PATH="$SAFE_PATH" "$SC" rootfs "$RF" --map 0:300000:10 --json --quiet
validate "rootfs --quiet" quiet

# The schema bites: broken variants of a real document are each rejected.
run env PATH="$SAFE_PATH" "$SC" --json --user "$A_NAME"
if msg=$(printf '%s' "$OUT" | "$JPY" -c '
import copy, json, sys, jsonschema
v = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))
doc = json.loads(sys.stdin.read())
assert doc["checks"], "no checks to break"
cases = []
def case(name, f):
    d = copy.deepcopy(doc); f(d); cases.append((name, d))
case("verdict ok", lambda d: d["checks"][0].__setitem__("verdict", "ok"))
case("no fix key", lambda d: d["checks"][0].pop("fix"))
case("extra key", lambda d: d["checks"][0].__setitem__("severity", 1))
case("id without area", lambda d: d["checks"][0].__setitem__("id", "nodot"))
case("exit 4", lambda d: d.__setitem__("exit", 4))
case("schema 2", lambda d: d.__setitem__("schema", 2))
case("uid a string", lambda d: d.__setitem__("uid", "1000"))
case("summary without skip", lambda d: d["summary"].pop("skip"))
case("fix a number", lambda d: d["checks"][0].__setitem__("fix", 0))
accepted = [n for n, d in cases if v.is_valid(d)]
if accepted:
    sys.exit("accepted: " + ", ".join(accepted))
if not v.is_valid(doc):
    sys.exit("the original is invalid")
print(len(cases))
' "$SCHEMA" 2>&1); then
	pass "the schema rejects $msg broken documents and accepts the real one"
else
	fail "the schema rejects broken documents" "$msg"
fi

finish

# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# JSON expectations on subid-check --json reports, sourced after tap.sh (or lib.sh). One engine,
# expect-json.py: exactly one result with the id, the verdict, the texts, and the schema's rule
# for fixes (none on pass and skip, one on warn and fail).
#
#   json_expect WHAT FILE ID VERDICT [SPEC...]   SPEC: observed~TEXT, fix!~TEXT, expected~TEXT...
#   expect_check WHAT ID VERDICT [FIX [OBSERVED]]
#                    on the last report: $JSON_FILE if the script sets it, else $OUT (the last
#                    run()'s stdout); FIX and OBSERVED are substrings of those fields ("" = none)
#   expect_report NAME ID VERDICT [SPEC...]       on the report $T_DIR/NAME.json (report NAME CMD)
#   report NAME CMD...                            keep CMD's stdout as $T_DIR/NAME.json
#   expect_absent WHAT ID                         the last report has no result ID

JSON_PY=$(command -v /usr/bin/python3 python3 | head -n 1) || true
[ -n "$JSON_PY" ] || skip "python3 is needed to read subid-check's JSON reports"
JSON_EXPECT="$(dirname "${BASH_SOURCE[0]}")/expect-json.py"

json_expect() {
	local what=$1 file=$2 id=$3 verdict=$4 why
	shift 4
	if why=$("$JSON_PY" "$JSON_EXPECT" "$file" "$id" "$verdict" "$@" 2>&1); then
		pass "$what: $id is $verdict${*:+ ($*)}"
	else
		fail "$what: $id is $verdict${*:+ ($*)}" "$why"
	fi
}

# json_last: the file of the last report: $JSON_FILE, or a copy of $OUT (which run() sets, and
# which a script may set itself).
json_last() {
	t_scratch
	if [ -n "${JSON_FILE:-}" ]; then
		printf '%s' "$JSON_FILE"
	else
		printf '%s' "${OUT:-}" >"$T_DIR/last.json"
		printf '%s' "$T_DIR/last.json"
	fi
}

expect_check() {
	local what=$1 id=$2 verdict=$3 fix=${4:-} obs=${5:-} specs=()
	[ -z "$fix" ] || specs+=("fix~$fix")
	[ -z "$obs" ] || specs+=("observed~$obs")
	json_expect "$what" "$(json_last)" "$id" "$verdict" "${specs[@]}"
}

report() {
	local name=$1
	shift
	t_scratch
	"$@" >"$T_DIR/$name.json" 2>"$T_DIR/$name.err" </dev/null || true
}

expect_report() {
	local name=$1
	shift
	t_scratch
	json_expect "$name" "$T_DIR/$name.json" "$@"
}

expect_absent() {
	if "$JSON_PY" -c '
import json, sys
sys.exit(any(c["id"] == sys.argv[2] for c in json.load(open(sys.argv[1]))["checks"]))' "$(json_last)" "$2"; then
		pass "$1: no $2 result"
	else
		fail "$1: no $2 result" "there is one"
	fi
}

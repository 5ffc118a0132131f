# SPDX-License-Identifier: GPL-2.0-or-later
# The one JSON expectation of the test harness (tests/lib/json.sh): a subid-check --json report
# holds exactly one result with an id, with a verdict, and texts that contain (or lack) strings.
#
#   python3 expect-json.py FILE ID VERDICT [SPEC...]
#     SPEC  FIELD~TEXT    FIELD (observed, expected, fix) contains TEXT
#           FIELD!~TEXT   FIELD lacks TEXT
# Beyond the SPECs, every result obeys the schema's rule for fixes (subid-check.schema.json): a
# pass or skip carries none (null), a warn or fail carries one. Exit 0 when all hold; otherwise
# exit 1 with one line saying what did not.
import json
import sys


def main(argv):
    path, cid, want = argv[1:4]
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        return "no JSON report: %s" % e
    checks = doc.get("checks", []) if isinstance(doc, dict) else []
    hits = [c for c in checks if c.get("id") == cid]
    if len(hits) != 1:
        return "%d results have the id %s; ids: %s" % (len(hits), cid, " ".join(c.get("id", "?") for c in checks))
    c = hits[0]
    if c.get("verdict") != want:
        return "verdict %s: %s (fix: %s)" % (c.get("verdict"), c.get("observed"), c.get("fix"))
    if want in ("pass", "skip") and c.get("fix") is not None:
        return "a %s carries a fix: %r" % (want, c.get("fix"))
    if want in ("warn", "fail") and not c.get("fix"):
        return "a %s without a fix: %s" % (want, c.get("observed"))
    for spec in argv[4:]:
        neg = "!~" in spec
        field, sep, text = spec.partition("!~" if neg else "~")
        if not sep or field not in ("observed", "expected", "fix"):
            return "bad expectation %r (FIELD~TEXT or FIELD!~TEXT)" % spec
        value = c.get(field) or ""
        if (text in value) == neg:
            return "%s %s %r: %r" % (field, "contains" if neg else "lacks", text, value)
    return None


if __name__ == "__main__":
    why = main(sys.argv)
    if why:
        print(why)
        sys.exit(1)

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# check-probe.sh's spy: it stands in for newuidmap in the PATH of subid-check's probe, so it runs
# as the checked user, a child of the probe process Q, with the namespace process C as its first
# argument. It looks at Q and C as that user could and writes what it saw, one key=value a line:
#   q_mem, c_mem       "denied:REASON" (memory not readable), "found" (SECRET is in it), "clean"
#   q_environ_owner    the owner of /proc/Q/environ (root's when Q is not dumpable)
#   q_stdout           "opened" or "denied:REASON": /proc/Q/fd/1 is P's result pipe
#   c_cmdline          C's command line
# Usage: probe-spy.py SECRET REPORT C-PID (Q is the parent).
import os
import re
import sys


def scan(pid, secret):
    try:
        with open("/proc/%d/maps" % pid) as f:
            maps = f.read().splitlines()
        mem = open("/proc/%d/mem" % pid, "rb", 0)
    except OSError as e:
        return "denied:%s" % os.strerror(e.errno)
    with mem:
        for line in maps:
            m = re.match(r"([0-9a-f]+)-([0-9a-f]+) r", line)
            if not m:
                continue
            lo, hi = int(m.group(1), 16), int(m.group(2), 16)
            # A sanitizer build maps terabytes of shadow memory: huge regions are not program data.
            if hi - lo > (1 << 30):
                continue
            try:
                mem.seek(lo)
                tail = b""
                while lo < hi:
                    chunk = mem.read(min(1 << 20, hi - lo))
                    if not chunk:
                        break
                    if secret in tail + chunk:
                        return "found"
                    tail = chunk[-len(secret):]
                    lo += len(chunk)
            except (OSError, OverflowError, ValueError, MemoryError):
                pass
    return "clean"


def main():
    secret, report, c = sys.argv[1].encode(), sys.argv[2], int(sys.argv[3])
    q = os.getppid()
    res = {"q_mem": scan(q, secret), "c_mem": scan(c, secret)}
    res["q_environ_owner"] = str(os.stat("/proc/%d/environ" % q).st_uid)
    try:
        os.close(os.open("/proc/%d/fd/1" % q, os.O_WRONLY))
        res["q_stdout"] = "opened"
    except OSError as e:
        res["q_stdout"] = "denied:%s" % os.strerror(e.errno)
    with open("/proc/%d/cmdline" % c, "rb") as f:
        res["c_cmdline"] = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    with open(report, "w") as f:
        for k in sorted(res):
            f.write("%s=%s\n" % (k, res[k]))
    return 1  # the uid map step fails: the spy maps nothing


if __name__ == "__main__":
    sys.exit(main())

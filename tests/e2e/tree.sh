#!/usr/bin/env bash
# whitehawk tree on small logs beside their expected output, and its errors.
set -uo pipefail
wh=$1 src=$2
d="$src/tests/e2e/tree"
err=$(mktemp); trap 'rm -f "$err"' EXIT
fail=0
check() {   # name expected-file command...
    local name=$1 want=$2; shift 2
    local got
    got=$("$@" 2>/dev/null)
    if ! diff -u "$want" <(printf '%s\n' "$got") >/dev/null; then
        echo "FAIL $name"; diff -u "$want" <(printf '%s\n' "$got") | head -30; fail=1
    else
        echo "ok   $name"
    fi
}
# pid reuse in a Security log: both processes that had pid 0x100, each with
# its own child, and the parent that is not in the log
check pid-reuse "$d/pid-0x100.expected" "$wh" tree -q "$d/security-4688.jsonl" --host SRV-9 --pid 0x100
# --at picks the process that had the pid at that time
out=$("$wh" tree -q "$d/security-4688.jsonl" --host SRV-9 --pid 256 --at 2026-01-05T10:05:30Z)
grep -q '^`- \*notepad.exe\[256\]' <<<"$out" && ! grep -q cmd.exe <<<"$out" || { echo "FAIL --at"; fail=1; }
# the example incident: the implant, its ancestors, who wrote each image
check incident "$d/incident-implant.expected" "$wh" tree -q "$src/examples/incident-01" --host ws-fin-07 --guid 7f3a1c20-69a5-54dd-0a01-00000000100d
# errors: exit status 2 and a message naming what is missing
"$wh" tree -q "$d/security-4688.jsonl" --host NOPE >/dev/null 2>"$err"; rc=$?
[ $rc = 2 ] && grep -q "no events of host 'NOPE'" "$err" || { echo "FAIL unknown host (rc $rc)"; fail=1; }
"$wh" tree -q "$d/security-4688.jsonl" --host SRV-9 --pid 999 >/dev/null 2>"$err"; rc=$?
[ $rc = 2 ] && grep -q "no process with pid 999" "$err" || { echo "FAIL unknown pid (rc $rc)"; fail=1; }
"$wh" tree "$d/security-4688.jsonl" >/dev/null 2>"$err"; rc=$?
[ $rc = 2 ] && grep -q -- "--host is required" "$err" || { echo "FAIL missing --host (rc $rc)"; fail=1; }
# an unreadable input among readable ones: the tree is still printed, status 2
out=$("$wh" tree -q "$d/security-4688.jsonl" /nonexistent/x.json --host SRV-9 --pid 512 2>"$err"); rc=$?
[ $rc = 2 ] && grep -q 'PING.EXE\[512\]' <<<"$out" && grep -q "cannot read '/nonexistent/x.json'" "$err" ||
    { echo "FAIL unreadable input (rc $rc)"; fail=1; }
exit $fail

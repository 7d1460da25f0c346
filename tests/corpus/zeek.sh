#!/usr/bin/env bash
# Corpus: every conn.log in ../shared/data/zeek (Zeek's own test baselines,
# TSV with headers and zeek-cut output) is parsed: as many records as the
# file has data lines, no bad record, and flows reads the whole folder.
set -uo pipefail
wh=$1 src=$2
data="$src/../shared/data/zeek"
[ -d "$data" ] || { echo "no $data"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
n=0
for f in "$data"/*.log; do
    n=$((n + 1))
    # data lines: not comments; a file without #fields has a header line of names
    want=$(grep -vc '^#' "$f")
    grep -q '^#fields' "$f" || want=$((want - 1))
    got=$("$wh" events --count "$f" 2>"$tmp/err")
    if [ "$got" = "$want" ] && grep -q "(zeek 1): .* 0 bad records" "$tmp/err"; then
        :
    else
        echo "FAIL $(basename "$f"): $got records, want $want"; cat "$tmp/err"; fail=1
    fi
done
[ $n -gt 0 ] || { echo "FAIL no logs"; fail=1; }
[ $fail = 0 ] && echo "ok   $n conn.log files parsed"
"$wh" flows --json --config /dev/null "$data" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc = 0 ] && grep -q "read $n inputs (zeek $n)" "$tmp/err" && echo "ok   flows reads the folder" || { echo "FAIL flows on the folder"; cat "$tmp/err"; fail=1; }
exit $fail

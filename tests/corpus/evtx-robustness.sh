#!/usr/bin/env bash
# Every EVTX file in ../shared/data/evtx (robustness/ holds files with bad
# chunk signatures, missing checksums, zero-size records, irregular
# values) is read to the end with no crash and no hang: plainly, with
# --carve, and on two threads; what is skipped is reported with the file
# and a byte offset. Run it from build-asan too (ctest -L corpus) for the
# sanitizers' view.
# usage: evtx-robustness.sh WHITEHAWK SRCDIR
set -uo pipefail
wh=$1 src=$2
data=$src/../shared/data/evtx
[ -d "$data" ] || { echo "no $data"; exit 77; }
fail=0 n=0
while IFS= read -r -d '' f; do
    n=$((n + 1))
    for opts in "" "--carve" "-j 2 --carve"; do
        # shellcheck disable=SC2086
        timeout 120 "$wh" events --count $opts "$f" >/dev/null 2>/tmp/evtx-rob.$$
        rc=$?
        if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then
            echo "FAIL: $f ($opts): exit status $rc"; tail -3 /tmp/evtx-rob.$$; fail=1
        fi
        # Every message about a skipped chunk or record names the file and an offset.
        if grep -v '^whitehawk: read \|more messages not shown' /tmp/evtx-rob.$$ | grep -v "^whitehawk: $f: offset [0-9]*: " | grep -q .; then
            echo "FAIL: $f ($opts): a message without file and offset:"
            grep -v '^whitehawk: read ' /tmp/evtx-rob.$$ | grep -v "^whitehawk: $f: offset [0-9]*: " | head -3
            fail=1
        fi
    done
done < <(find "$data" -name '*.evtx' -print0 | sort -z)
rm -f /tmp/evtx-rob.$$
echo "evtx-robustness: $n files, three ways each"
exit $fail

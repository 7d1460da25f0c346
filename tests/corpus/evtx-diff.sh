#!/usr/bin/env bash
# Every EVTX file in ../shared/data/evtx and ../shared/data/sigma/regression,
# read by whitehawk and by libevtx (evtxexport -f xml), compared record by
# record, field names and values; record counts against evtxinfo. Files
# libevtx cannot read, and the known places where libevtx is wrong, are
# listed (and checked another way) in tests/corpus/evtx_diff.py.
# usage: evtx-diff.sh WHITEHAWK SRCDIR
set -euo pipefail
wh=$1 src=$2
data=$src/../shared/data
[ -d "$data/evtx" ] || { echo "no $data/evtx"; exit 77; }
command -v evtxexport >/dev/null && command -v evtxinfo >/dev/null || { echo "libevtx-utils missing (make deps)"; exit 77; }
exec python3 "$src/tests/corpus/evtx_diff.py" "$wh" "$data/evtx" "$data/sigma/regression"

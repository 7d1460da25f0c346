#!/usr/bin/env bash
# Files written by our evtxgen, read by whitehawk and by libevtx
# (evtxexport), compared record by record with tests/corpus/evtx_diff.py.
# evtxgen --no-odd leaves out the two shapes libevtx cannot read; files
# without dependency ids it cannot read either (tests/e2e/evtx.sh shows
# whitehawk reads them as the same events).
# usage: evtx-libevtx.sh WHITEHAWK SRCDIR
set -euo pipefail
wh=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(cd "$2" && pwd)
gen=$(dirname "$wh")/evtxgen
[ -x "$gen" ] || { echo "no evtxgen beside $wh"; exit 77; }
command -v evtxexport >/dev/null && command -v python3 >/dev/null || { echo "evtxexport (libevtx-utils) or python3 missing"; exit 77; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
"$gen" -k sample --no-odd -n 120 "$t/sample.evtx"
"$gen" -k mixed -n 1500 -s 11 "$t/mixed.evtx"
python3 "$src/tests/corpus/evtx_diff.py" "$wh" "$t/sample.evtx" "$t/mixed.evtx"

#!/usr/bin/env bash
# flows --geo reads AS files with the same reader as trace --as-file
# (src/intel/geodb.c): CAIDA prefix2as with nested prefixes, iptoasn beside
# it, and a prefix2as file given as a reputation feed is refused rather than
# read as a list of addresses. The beacon of tools/pcapgen.c goes to
# 203.0.113.10.
set -uo pipefail
wh=$1 src=$2
gen=$(dirname "$wh")/wh-pcapgen
[ -x "$gen" ] || { echo "no wh-pcapgen next to $wh"; exit 77; }
command -v jq >/dev/null || { echo "jq missing"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
check() { if [ "$2" = "$3" ]; then echo "ok   $1"; else echo "FAIL $1: want '$2', got '$3'"; fail=1; fi; }
beacon_detail() { jq -r "select(.id == \"WH-NET-BEACON\") | .details.$1 // \"-\"" "$tmp/out.json" | head -1; }

"$gen" beacon "$tmp/beacon.pcap" --jitter 2 --count 48
printf '# pfx2as\n203.0.0.0\t8\t64000\n203.0.113.0\t24\t64500_64501\n203.0.113.128\t25\t64502\n' >"$tmp/p2a"
"$wh" flows -q --json --config /dev/null --geo "$tmp/p2a" "$tmp/beacon.pcap" >"$tmp/out.json"
check "prefix2as: the most specific prefix, the first of several origins" "AS64500" "$(beacon_detail asn)"

printf '203.0.113.0\t203.0.113.63\t0\tNone\tNot routed\n203.0.114.0\t203.0.114.255\t64999\tZZ\tOTHER\n' >"$tmp/ipt.tsv"
"$wh" flows -q --json --config /dev/null --geo "$tmp/p2a" --geo "$tmp/ipt.tsv" "$tmp/beacon.pcap" >"$tmp/out.json"
check "iptoasn's not-routed range inside a routed prefix: no AS" "-" "$(beacon_detail asn)"

printf '203.0.113.0\t203.0.113.63\t64510\tJP\tEXAMPLE-NET\n' >"$tmp/ipt.tsv"
"$wh" flows -q --json --config /dev/null --geo "$tmp/p2a" --geo "$tmp/ipt.tsv" "$tmp/beacon.pcap" >"$tmp/out.json"
check "iptoasn inside prefix2as: its AS and name" "AS64510 EXAMPLE-NET" "$(beacon_detail asn)"
check "iptoasn: its country" "JP" "$(beacon_detail country)"

"$wh" flows -q --json --config /dev/null --intel "$tmp/p2a" "$tmp/beacon.pcap" >/dev/null 2>"$tmp/err"
check "prefix2as as a feed: refused with exit 2" "2" "$?"
grep -q "is not a feed" "$tmp/err" || { echo "FAIL no message for a prefix2as feed"; fail=1; }
exit $fail

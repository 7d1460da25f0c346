#!/usr/bin/env bash
# whitehawk trace on a chain of 9 Linux routers in network namespaces, IPv4
# and IPv6: one router never answers (it drops its own time exceeded), the
# destination has no listener (port unreachable, TCP RST), then drops
# everything. The hop lists must equal Debian traceroute's (default UDP, -I,
# -T) and mtr's, and --style linux / --style windows must have the exact
# shape of traceroute's and tracert's output.
set -uo pipefail
bin=$1 src=$2
. "$src/tests/netns/lib.sh"
netns_need_root
for t in traceroute mtr; do command -v $t >/dev/null || { echo "skip: no $t"; exit 77; }; done
netns_init c
N=9 SILENT=4
chain_build $N
ns_no_icmp_ratelimit $(for i in $(seq 1 $N); do echo "r$i"; done) dst
ns_silent "r$SILENT"
fail=0
# tracert's layout: a blank line, the header, a blank line, one line per hop
# ("%3d" then three "%6s ms" or "     *   " columns, two spaces, the address
# or "Request timed out."), a blank line, "Trace complete.".
tracert_shape() {
    local out=$1 dst=$2 n=$3 i=0 line
    local re='^ {0,2}[0-9]{1,3}(    <1 ms| {1,5}[0-9]{1,5} ms|     \*   ){3}  ([0-9a-f.:]+|Request timed out\.)$'
    while IFS= read -r line; do
        i=$((i + 1))
        if [ $i = 1 ] || [ $i = 3 ] || [ $i = $((n + 4)) ]; then [ -z "$line" ] || echo "line $i not blank: $line"
        elif [ $i = 2 ]; then [ "$line" = "Tracing route to $dst over a maximum of 30 hops" ] || echo "header: $line"
        elif [ $i -le $((n + 3)) ]; then [[ $line =~ $re ]] || echo "hop line: $line"
        elif [ $i = $((n + 5)) ]; then [ "$line" = "Trace complete." ] || echo "end: $line"
        else echo "extra: $line"; fi
    done <<<"$out"
    [ $i = $((n + 5)) ] || echo "$i lines, not $((n + 5))"
}
check() { if [ "$2" != "$3" ]; then echo "FAIL: $1"; diff <(echo "$2") <(echo "$3") | head -20; fail=1; else echo "ok: $1"; fi; }

for fam in 4 6; do
    if [ $fam = 4 ]; then dst="198.18.$N.2"; else dst="2001:db8:$N::2"; fi
    # What the hops must be: router k answers from its address on link k-1.
    want=$(for k in $(seq 1 $N); do
        if [ $k = $SILENT ]; then echo '*'; elif [ $fam = 4 ]; then echo "198.18.$((k - 1)).2"; elif [ $k = 1 ]; then echo "2001:db8::2"; else echo "2001:db8:$((k - 1))::2"; fi
    done; echo "$dst")

    got=$(nsx src "$bin" trace -n --json "$dst" | hops_of_json)
    check "v$fam paris-udp hop list" "$want" "$got"
    for m in "" -I -T; do
        wm=${m:--U}
        ours=$(nsx src "$bin" trace -n --json $wm "$dst" | hops_of_json)
        peer=$(nsx src traceroute -$fam -n -q 3 -w 1,0,0 $m "$dst" 2>/dev/null | hops_of_traceroute)
        check "v$fam whitehawk $wm = traceroute ${m:-(default)}" "$peer" "$ours"
    done
    peer=$(nsx src mtr -$fam -n -r -c 1 -i 0.1 -Z 1 -G 0.5 "$dst" 2>/dev/null | hops_of_mtr)
    ours=$(nsx src "$bin" trace -n --json -I "$dst" | hops_of_json)
    # mtr prints '???' for the silent hop like our '*'.
    check "v$fam whitehawk -I = mtr --report" "$peer" "$ours"

    # --style linux: traceroute's lines exactly, RTTs aside.
    shape() { sed -E 's/[0-9]+\.[0-9]{3} ms/X ms/g'; }
    # -w 1,0,0: traceroute's 3x/10x RTT timeouts misfire when the machine is
    # busy (other tests run beside this one); a fixed second does not.
    ours=$(nsx src "$bin" trace -n --style linux -w 1,0,0 "$dst" | shape)
    peer=$(nsx src traceroute -$fam -n -w 1,0,0 "$dst" 2>/dev/null | shape)
    check "v$fam --style linux has traceroute's shape" "$peer" "$ours"
    ours=$(nsx src "$bin" trace -n --style linux -I -w 1,0,0 "$dst" | shape)
    peer=$(nsx src traceroute -$fam -n -I -w 1,0,0 "$dst" 2>/dev/null | shape)
    check "v$fam --style linux -I has traceroute -I's shape" "$peer" "$ours"

    # --style windows: tracert's layout, line by line.
    out=$(nsx src "$bin" trace -d --style windows -w 0.3 "$dst")
    bad=$(tracert_shape "$out" "$dst" $((N + 1)))
    check "v$fam --style windows has tracert's shape" "" "$bad"
    grep -q "^  $SILENT     \*        \*        \*     Request timed out.$" <<<"$out" || { echo "FAIL: v$fam windows silent hop line"; fail=1; }
done

# AS annotation from each offline format, and the AS path summary.
asd=$(mktemp -d); trap 'rm -rf $asd; netns_cleanup' EXIT
printf '# prefix2as\n198.18.0.0\t23\t64500\n198.18.2.0\t23\t64501\n198.18.4.0\t22\t64502\n198.18.8.0\t21\t64503\n198.18.9.0\t24\t64504_64505\n' >$asd/p2a
printf '198.18.0.0\t198.18.1.255\t64500\tZZ\tFIRST\n198.18.2.0\t198.18.3.255\t64501\tZZ\tSECOND\n198.18.4.0\t198.18.7.255\t64502\tZZ\tTHIRD\n198.18.8.0\t198.18.15.255\t64503\tZZ\tFOURTH\n198.18.9.0\t198.18.9.255\t64504\tZZ\tFIFTH\n' >$asd/iptoasn.tsv
printf '198.18.0.0,198.18.1.255,64500,"First, Inc."\n198.18.2.0,198.18.3.255,64501,Second\n198.18.4.0,198.18.7.255,64502,Third\n198.18.8.0,198.18.15.255,64503,Fourth\n198.18.9.0,198.18.9.255,64504,Fifth\n' >$asd/dbip.csv
for f in p2a iptoasn.tsv dbip.csv; do
    out=$(nsx src "$bin" trace -n --as-file $asd/$f "198.18.$N.2")
    line=$(echo "$out" | grep '^-- AS path:')
    check "AS path from $f" "-- AS path: AS64500 > AS64501 > AS64502 > AS64503 > AS64504" "$line"
done
# An ASN mmdb (read with libmaxminddb), in a folder only root can read:
# files named on the command line are opened before the privilege drop.
python3 "$src/tests/tools/mk-asn-mmdb.py" $asd/asn.mmdb 198.18.0.0/23 64500 "First MM" 198.18.2.0/23 64501 Second \
    198.18.4.0/22 64502 Third 198.18.8.0/21 64503 Fourth
chmod 600 $asd/asn.mmdb
line=$(nsx src "$bin" trace -n --as-file $asd/asn.mmdb "198.18.$N.2" | grep '^-- AS path:')
check "AS path from an mmdb root alone may read" "-- AS path: AS64500 > AS64501 > AS64502 > AS64503" "$line"
got=$(nsx src "$bin" trace -n --json --as-file $asd/iptoasn.tsv "198.18.$N.2" | python3 -c 'import json,sys; t=json.load(sys.stdin); p=t["hops"][0]["probes"][0]; print(p["asn"], p["as_name"], p["range"])')
check "JSON asn, name and range label" "64500 FIRST benchmark" "$got"
echo "198.18.2.0/23" >$asd/ixp
line=$(nsx src "$bin" trace -n --as-file $asd/p2a --ixp-file $asd/ixp "198.18.$N.2" | grep '^-- AS path:')
check "IXP prefixes are labelled, not mapped" "-- AS path: AS64500 > [ixp] > AS64502 > AS64503 > AS64504" "$line"
rows=$(nsx src "$bin" trace -n --csv "198.18.$N.2")
check "CSV: a header and one row per probe" "31 target,address,method,ttl,probe,from,rtt_ms,icmp_type,icmp_code,annotation,destination,asn" "$(echo "$rows" | wc -l) $(echo "$rows" | head -1)"
check "CSV: the silent hop's rows are empty" "3" "$(echo "$rows" | awk -F, '$4==4 && $6==""' | wc -l)"

# The destination drops everything: stars to -m, as traceroute prints them.
ns_blackhole dst
for fam in 4 6; do
    if [ $fam = 4 ]; then dst="198.18.$N.2"; else dst="2001:db8:$N::2"; fi
    ours=$(nsx src "$bin" trace -n -m 13 --json "$dst" | hops_of_json)
    peer=$(nsx src traceroute -$fam -n -m 13 -w 0.5 "$dst" 2>/dev/null | hops_of_traceroute)
    check "v$fam silent destination: hop list = traceroute's" "$peer" "$ours"
    res=$(nsx src "$bin" trace -n -m 13 --json "$dst" | python3 -c 'import json,sys; t=json.load(sys.stdin); print(t["result"], len(t["hops"]))')
    check "v$fam silent destination: not reached, 13 hops" "max_ttl 13" "$res"
done
exit $fail

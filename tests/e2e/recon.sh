#!/usr/bin/env bash
# whitehawk recon, end to end on captures written by tools/pcapgen.c:
# traceroutes of every method and OS style, captured in both directions or
# only one, over IPv4 and IPv6; scans and ping sweeps; quiet traffic; bad
# input. The live mode is tested in tests/e2e/netns-recon.sh.
set -uo pipefail
wh=$1 src=$2
gen=$(dirname "$wh")/wh-pcapgen
[ -x "$gen" ] || { echo "no wh-pcapgen next to $wh"; exit 77; }
command -v jq >/dev/null || { echo "jq missing"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
has() {
    if jq -se "[.[] | select($2)] | length > 0" "$1" >/dev/null 2>&1; then ok "$3"; else bad "$3"; jq -c '{id,title}' "$1" | head -5; fi
}
count() { jq -se "[.[] | select($2)] | length" "$1"; }
recon() { "$wh" recon -q --json --config /dev/null "$@"; }

for m in icmp udp tcp; do
    for os in windows linux; do
        [ $m != icmp ] && [ $os = windows ] && continue
        for seen in both probes replies; do
            "$gen" traceroute "$tmp/t.pcap" --method $m --os $os --seen $seen --hops 7
            recon "$tmp/t.pcap" >"$tmp/t.json"
            case $m/$os in
                icmp/windows) tool=tracert fam=windows ;;
                icmp/linux) tool="traceroute -I" fam=linux/unix ;;
                udp/*) tool=traceroute fam=linux/unix ;;
                tcp/*) tool="tcptraceroute or traceroute -T" fam=linux/unix ;;
            esac
            case $seen in
                both) by="ttl-sequence,time-exceeded" ;;
                probes) by=ttl-sequence ;;
                replies) by=time-exceeded ;;
            esac
            has "$tmp/t.json" '.id == "WH-RECON-TRACEROUTE" and .details.tracer == "192.168.10.20" and .details.target == "203.0.113.50" and .details.method == "'$m'" and .details.tool == "'"$tool"'" and .details.os_family == "'$fam'" and .details.detected_by == "'$by'" and .stage == "reconnaissance"' \
                "$m traceroute from $os, $seen: method, tool, OS, detected by $by"
            [ "$(count "$tmp/t.json" 'true')" = 1 ] && ok "  and nothing else" || bad "  $(count "$tmp/t.json" 'true') findings, want 1"
            if [ $seen = both ]; then
                has "$tmp/t.json" '.details.hops == "1:10.99.1.1 2:10.99.2.1 3:10.99.3.1 4:10.99.4.1 5:10.99.5.1 6:10.99.6.1" and (.details.target_reached | startswith("yes"))' \
                    "  hops in order with their TTL, target reached"
            fi
        done
    done
done
"$gen" traceroute "$tmp/t6.pcap" --ipv6 1 --method icmp --os linux
recon "$tmp/t6.pcap" >"$tmp/t.json"
has "$tmp/t.json" '.id == "WH-RECON-TRACEROUTE" and .details.target == "2001:db8:5::80" and .details.method == "icmp"' "IPv6 ICMP traceroute"
"$gen" traceroute "$tmp/t6u.pcap" --ipv6 1 --method udp --seen replies
recon "$tmp/t6u.pcap" >"$tmp/t.json"
has "$tmp/t.json" '.id == "WH-RECON-TRACEROUTE" and .details.method == "udp" and .details.detected_by == "time-exceeded"' "IPv6 UDP traceroute from replies only"

# inbound: someone outside maps an internal host
"$gen" traceroute "$tmp/in.pcap" --src 198.51.100.9 --dst 192.168.10.5 --method udp --os linux
recon "$tmp/in.pcap" >"$tmp/t.json"
has "$tmp/t.json" '.id == "WH-RECON-TRACEROUTE" and .details.direction == "inbound" and .severity == "medium"' "inbound traceroute is medium"

# scans and sweeps
"$gen" scan "$tmp/s.pcap" --type xmas --ports 50
recon "$tmp/s.pcap" >"$tmp/s.json"
has "$tmp/s.json" '.id == "WH-NET-PORTSCAN" and .details.scan_type == "xmas"' "xmas scan"
"$gen" pingsweep "$tmp/p.pcap" --hosts 25
recon "$tmp/p.pcap" >"$tmp/s.json"
has "$tmp/s.json" '.id == "WH-NET-PINGSWEEP" and (.attack | index("T1018"))' "ping sweep"
# beacons are flows' business, not recon's
"$gen" beacon "$tmp/b.pcap"
recon "$tmp/b.pcap" >"$tmp/s.json"
[ "$(count "$tmp/s.json" 'true')" = 0 ] && ok "a beacon is not reconnaissance" || bad "recon reported a beacon"
# several captures at once, in time order
"$gen" traceroute "$tmp/a.pcap" --src 192.168.10.30 --t0 1704070000
recon "$tmp/t.pcap" "$tmp/a.pcap" "$tmp/s.pcap" >"$tmp/m.json"
[ "$(count "$tmp/m.json" '.id == "WH-RECON-TRACEROUTE"')" = 2 ] && ok "two traceroutes from two captures" || bad "two traceroutes"
jq -se 'map(.time) | . == sort' "$tmp/m.json" >/dev/null && ok "findings in time order" || bad "time order"

# bad input and usage
"$gen" broken "$tmp/x.pcap"
"$wh" recon --config /dev/null "$tmp/x.pcap" "$tmp/t.pcap" >"$tmp/x.out" 2>"$tmp/x.err"; rc=$?
[ $rc = 0 ] && grep -q "x.pcap: offset" "$tmp/x.err" && grep -q WH-RECON-TRACEROUTE "$tmp/x.out" && ok "broken capture reported, the next one read" || bad "broken capture"
"$wh" recon >/dev/null 2>&1; [ $? = 2 ] && ok "no input: exit 2" || bad "no input"
"$wh" recon -i lo "$tmp/t.pcap" >/dev/null 2>&1; [ $? = 2 ] && ok "-i with files: exit 2" || bad "-i with files"
"$wh" recon -i no-such-if0 --duration 1 >/dev/null 2>&1; [ $? = 2 ] && ok "missing interface: exit 2" || bad "missing interface"
"$wh" recon --config /dev/null --fail-on low "$tmp/t.pcap" >/dev/null 2>&1; [ $? = 1 ] && ok "--fail-on low: exit 1" || bad "--fail-on"
exit $fail

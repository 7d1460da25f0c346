#!/usr/bin/env bash
# Corpus: the public captures in ../shared/data/pcap (labelled by file name).
#  - every traceroute capture (name with "trace") is found by recon, with the
#    method, tracer and target that tshark sees in its low-TTL probes;
#  - the SYN scan is found with its type;
#  - the beacon is found with its period, against the median interval of the
#    SYNs as tshark lists them;
#  - every capture is read without a bad record.
set -uo pipefail
wh=$1 src=$2
data="$src/../shared/data/pcap"
[ -d "$data" ] || { echo "no $data"; exit 77; }
command -v jq >/dev/null || exit 77
command -v tshark >/dev/null || { echo "tshark missing"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
ts() { tshark -n -r "$@" 2>/dev/null; }

n=0
for f in "$data"/*trace*; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    name=$(basename "$f")
    # the oracle: the probes are the packets with TTL 1 that are not ICMP errors
    read -r proto tracer target < <(ts "$f" -Y 'ip.ttl == 1 && !(icmp.type == 11) && !(icmp.type == 3)' \
        -T fields -e ip.proto -e ip.src -e ip.dst | sort | uniq -c | sort -rn | awk 'NR==1 {print $2, $3, $4}')
    case $proto in 1) method=icmp ;; 17) method=udp ;; 6) method=tcp ;; *) method=unknown ;; esac
    "$wh" recon -q --json --config /dev/null "$f" >"$tmp/r.json"
    if jq -se --arg m "$method" --arg a "$tracer" --arg b "$target" \
        '[.[] | select(.id == "WH-RECON-TRACEROUTE" and .details.method == $m and .details.tracer == $a and .details.target == $b)] | length == 1' \
        "$tmp/r.json" >/dev/null; then
        ok "$name: $method traceroute from $tracer to $target"
    else
        bad "$name: want a $method traceroute from $tracer to $target"; jq -c '{id,title}' "$tmp/r.json"
    fi
done
[ $n -gt 0 ] || bad "no traceroute captures in $data"

f="$data/synscan.pcapng"
if [ -f "$f" ]; then
    "$wh" recon -q --json --config /dev/null "$f" >"$tmp/s.json"
    jq -se '[.[] | select(.id == "WH-NET-PORTSCAN" and .details.scan_type == "syn")] | length == 1' "$tmp/s.json" >/dev/null \
        && ok "synscan.pcapng: a syn port scan" || { bad "synscan.pcapng"; jq -c '{id,title}' "$tmp/s.json"; }
    probed=$(ts "$f" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' -T fields -e tcp.dstport | sort -u | wc -l)
    jq -se --arg n "$probed" '[.[] | select(.id == "WH-NET-PORTSCAN" and .details.ports_probed == $n)] | length == 1' "$tmp/s.json" >/dev/null \
        && ok "synscan.pcapng: $probed ports probed, as tshark counts them" || bad "synscan.pcapng: ports probed"
fi

f="$data/beacon.pcap"
if [ -f "$f" ]; then
    want=$(ts "$f" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' -T fields -e frame.time_epoch |
        awk 'NR > 1 {print $1 - p} {p = $1}' | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}')
    "$wh" flows -q --json --config /dev/null "$f" >"$tmp/b.json"
    jq -se --arg w "$want" '[.[] | select(.id == "WH-NET-BEACON" and ((.details.period_s | tonumber) - ($w | tonumber) | fabs) < 0.01 * ($w | tonumber))] | length == 1' \
        "$tmp/b.json" >/dev/null && ok "beacon.pcap: a beacon every $want s" || { bad "beacon.pcap: want a beacon every $want s"; jq -c '{id,title}' "$tmp/b.json"; }
fi

for f in "$data"/*; do
    case $f in *.pcap|*.pcapng) ;; *) continue ;; esac
    "$wh" flows --json --config /dev/null "$f" >/dev/null 2>"$tmp/err"
    grep -q ", 0 bad records skipped" "$tmp/err" && ok "$(basename "$f"): read without a bad record" || { bad "$(basename "$f")"; cat "$tmp/err"; }
done
exit $fail

#!/usr/bin/env bash
# recon on real probes. The test builds its own network of namespaces,
#
#   prober 10.201.1.2 -- r1 -- r2 -- r3 -- target 10.201.4.2, .10 to .19
#   (links 10.201.1.0/24, .2.0/24, .3.0/24, .4.0/24; router addresses .1 and .2)
#
# sends traceroute, traceroute -I, tcptraceroute and the nmap scan types
# from the prober to the target, captures them with tcpdump on the prober's
# link (both directions, then each direction alone), and checks what
# whitehawk recon finds. Then recon -i listens live inside the prober's
# namespace while a traceroute runs, and must have dropped to nobody with
# no capability left. Nothing leaves the namespaces: they have no link to
# the host and no default route; everything is removed at the end.
# Needs root, ip, tcpdump, traceroute, tcptraceroute and nmap; skipped otherwise.
set -uo pipefail
wh=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") src=$2
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
for t in ip tcpdump traceroute tcptraceroute nmap jq; do
    command -v $t >/dev/null || { echo "$t missing"; exit 77; }
done
tag=whnr$$
P=$tag-p R1=$tag-r1 R2=$tag-r2 R3=$tag-r3 T=$tag-t
tmp=$(mktemp -d)
chmod 777 "$tmp"   # tcpdump writes its captures as the user tcpdump
cleanup() {
    for ns in $P $R1 $R2 $R3 $T; do ip netns pids $ns 2>/dev/null | xargs -r kill 2>/dev/null; ip netns del $ns 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

for ns in $P $R1 $R2 $R3 $T; do ip netns add $ns || { echo "cannot create namespaces"; exit 77; }; nsx $ns ip link set lo up; done
ip link add p0 netns $P type veth peer name r1a netns $R1
ip link add r1b netns $R1 type veth peer name r2a netns $R2
ip link add r2b netns $R2 type veth peer name r3a netns $R3
ip link add r3b netns $R3 type veth peer name t0 netns $T
nsx $P ip addr add 10.201.1.2/24 dev p0
nsx $R1 ip addr add 10.201.1.1/24 dev r1a
nsx $R1 ip addr add 10.201.2.1/24 dev r1b
nsx $R2 ip addr add 10.201.2.2/24 dev r2a
nsx $R2 ip addr add 10.201.3.1/24 dev r2b
nsx $R3 ip addr add 10.201.3.2/24 dev r3a
nsx $R3 ip addr add 10.201.4.1/24 dev r3b
nsx $T ip addr add 10.201.4.2/24 dev t0
for i in $(seq 10 19); do nsx $T ip addr add 10.201.4.$i/24 dev t0; done
for pair in "$P p0" "$R1 r1a" "$R1 r1b" "$R2 r2a" "$R2 r2b" "$R3 r3a" "$R3 r3b" "$T t0"; do set -- $pair; nsx $1 ip link set $2 up; done
for ns in $R1 $R2 $R3; do nsx $ns sysctl -qw net.ipv4.ip_forward=1; done
nsx $P ip route add 10.201.0.0/16 via 10.201.1.1
nsx $R1 ip route add 10.201.0.0/16 via 10.201.2.2
nsx $R2 ip route add 10.201.1.0/24 via 10.201.2.1
nsx $R2 ip route add 10.201.4.0/24 via 10.201.3.2
nsx $R3 ip route add 10.201.0.0/16 via 10.201.3.1
nsx $T ip route add 10.201.0.0/16 via 10.201.4.1
# no ICMP rate limit: every probe gets its answer
for ns in $R1 $R2 $R3 $T; do nsx $ns sysctl -qw net.ipv4.icmp_ratelimit=0; done
nsx $P traceroute -n -q1 -w1 -m6 10.201.4.2 >"$tmp/probe.txt" 2>&1
grep -q '^ *4  10.201.4.2' "$tmp/probe.txt" || { echo "the namespace network does not work"; cat "$tmp/probe.txt"; exit 77; }

# capture NAME DIRECTION CMD...: run CMD in the prober's namespace under tcpdump
capture() {
    local name=$1 dir=$2; shift 2
    # not through nsx: $! must be tcpdump itself (ip netns exec execs it), and
    # a background job of a script ignores SIGINT, so it gets SIGTERM
    ip netns exec $P tcpdump --immediate-mode -B 16384 -n -i p0 -Q "$dir" -w "$tmp/$name.pcap" >/dev/null 2>"$tmp/tcpdump.err" &
    local pid=$! k
    # a fast scan is over in 60 ms: wait until tcpdump is really listening
    for k in $(seq 50); do grep -q "listening on" "$tmp/tcpdump.err" && break; sleep 0.1; done
    nsx $P "$@" >/dev/null 2>&1
    sleep 0.5
    kill -TERM $pid; wait $pid 2>/dev/null
}
recon() { "$wh" recon -q --json --config /dev/null "$@"; }
has() {
    if jq -se "[.[] | select($2)] | length > 0" "$1" >/dev/null 2>&1; then ok "$3"; else bad "$3"; jq -c '{id,title,details}' "$1" | head -5; fi
}

capture udp inout traceroute -n -q 3 -w 1 -m 6 10.201.4.2
capture icmp inout traceroute -I -n -q 3 -w 1 -m 6 10.201.4.2
capture tcp inout tcptraceroute -n -q 3 -w 1 -m 6 10.201.4.2 80
capture udp-out out traceroute -n -q 3 -w 1 -m 6 10.201.4.2
capture udp-in in traceroute -n -q 3 -w 1 -m 6 10.201.4.2
for f in udp icmp tcp; do
    case $f in udp) tool=traceroute ;; icmp) tool="traceroute -I" ;; tcp) tool="tcptraceroute or traceroute -T" ;; esac
    recon "$tmp/$f.pcap" >"$tmp/$f.json"
    has "$tmp/$f.json" '.id == "WH-RECON-TRACEROUTE" and .details.method == "'$f'" and .details.tool == "'"$tool"'" and .details.tracer == "10.201.1.2" and .details.target == "10.201.4.2" and .details.hops == "1:10.201.1.1 2:10.201.2.2 3:10.201.3.2" and (.details.target_reached | startswith("yes"))' \
        "$tool: method $f, the three routers in order, target reached"
done
recon "$tmp/udp-out.pcap" >"$tmp/o.json"
has "$tmp/o.json" '.id == "WH-RECON-TRACEROUTE" and .details.method == "udp" and .details.detected_by == "ttl-sequence" and .details.seen == "probes only"' \
    "traceroute captured outbound only: found by the TTL sequence"
recon "$tmp/udp-in.pcap" >"$tmp/i.json"
has "$tmp/i.json" '.id == "WH-RECON-TRACEROUTE" and .details.method == "udp" and .details.detected_by == "time-exceeded" and .details.seen == "replies only" and .details.tracer == "10.201.1.2" and .details.target == "10.201.4.2"' \
    "traceroute captured inbound only: found Zeek's way from three routers' time exceeded"

# nmap scan types, each to its own address of the target
i=10
for t in S T F N X A U; do
    capture scan-$t inout nmap -n -Pn -s$t -p 1-40 --max-retries 0 --max-rate 1000 10.201.4.$i
    recon "$tmp/scan-$t.pcap" >"$tmp/s.json"
    case $t in S) want=syn ;; T) want=connect ;; F) want=fin ;; N) want=null ;; X) want=xmas ;; A) want=ack ;; U) want=udp ;; esac
    has "$tmp/s.json" '.id == "WH-NET-PORTSCAN" and .details.dst == "10.201.4.'$i'" and .details.scan_type == "'$want'"' "nmap -s$t named $want"
    i=$((i + 1))
done
capture ping inout nmap -n -sn -PE --max-retries 0 10.201.4.10-19
recon "$tmp/ping.pcap" >"$tmp/s.json"
has "$tmp/s.json" '.id == "WH-NET-PINGSWEEP" and .details.answered == "10"' "nmap -sn -PE: a ping sweep of 10 hosts, all answered"

# live: recon -i inside the prober's namespace while a traceroute runs
ip netns exec $P "$wh" recon -i p0 --duration 8 --json --config /dev/null >"$tmp/live.json" 2>"$tmp/live.err" &
lpid=$!
sleep 1.5
status=$(cat /proc/$lpid/status 2>/dev/null)
uid=$(echo "$status" | awk '/^Uid:/ {print $2}')
capeff=$(echo "$status" | awk '/^CapEff:/ {print $2}')
capprm=$(echo "$status" | awk '/^CapPrm:/ {print $2}')
[ "$uid" = 65534 ] && [ "$capeff" = 0000000000000000 ] && [ "$capprm" = 0000000000000000 ] \
    && ok "live: running as nobody with no capability (uid $uid, CapEff $capeff)" || bad "live: uid '$uid' CapEff '$capeff' CapPrm '$capprm'"
nsx $P traceroute -n -q 3 -w 1 -m 6 10.201.4.2 >/dev/null 2>&1
wait $lpid; rc=$?
[ $rc = 0 ] && ok "live: ended after --duration" || { bad "live: exit $rc"; cat "$tmp/live.err"; }
has "$tmp/live.json" '.id == "WH-RECON-TRACEROUTE" and .details.method == "udp" and .details.target == "10.201.4.2"' "live: the traceroute is reported"
grep -q "recon: [0-9]* packets on p0" "$tmp/live.err" && ok "live: summary" || bad "live: summary"
exit $fail

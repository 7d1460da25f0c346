# Shared by the trace namespace tests and bench/trace: build topologies of
# Linux routers in network namespaces, connected only to each other (no link
# to the host's namespace, no default route), so no probe can leave them.
# Source it, call netns_init, build, and everything is removed on exit.
#
# Addresses: link i of a chain is 198.18.i.0/24 and 2001:db8:i::/64 (the
# benchmarking and documentation ranges); the left end is .1 / ::1, the right
# end .2 / ::2.

NS_TAG=""
NS_LIST=()
NS_PIDS=()

netns_need_root() {
    [ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
    command -v ip >/dev/null || { echo "skip: no ip(8)"; exit 77; }
    ip netns add "whprobe$$" 2>/dev/null || { echo "skip: cannot create network namespaces"; exit 77; }
    ip netns del "whprobe$$"
}

netns_cleanup() {
    local p n
    for p in "${NS_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${NS_PIDS[@]}"; do wait "$p" 2>/dev/null; done
    for n in "${NS_LIST[@]}"; do ip netns del "$n" 2>/dev/null; done
    NS_LIST=(); NS_PIDS=()
}

netns_init() {
    NS_TAG="wh${1:-t}$$"
    trap netns_cleanup EXIT
    trap 'exit 130' INT TERM
}

ns() { echo "${NS_TAG}-$1"; }
nsx() { local n; n=$(ns "$1"); shift; ip netns exec "$n" "$@"; }

ns_add() {
    local n; n=$(ns "$1")
    ip netns add "$n"
    NS_LIST+=("$n")
    ip -n "$n" link set lo up
    nsx "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
        net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
        net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
}

# link A B IDX: veth between A and B; A gets .1/::1, B .2/::2 on subnet IDX.
# The interface is called eIDX in both namespaces.
ns_link() {
    local a=$1 b=$2 i=$3
    ip link add "e$i" netns "$(ns "$a")" type veth peer name "e$i" netns "$(ns "$b")"
    ip -n "$(ns "$a")" addr add "198.18.$i.1/24" dev "e$i"
    ip -n "$(ns "$b")" addr add "198.18.$i.2/24" dev "e$i"
    ip -n "$(ns "$a")" -6 addr add "2001:db8:$i::1/64" dev "e$i" nodad
    ip -n "$(ns "$b")" -6 addr add "2001:db8:$i::2/64" dev "e$i" nodad
    ip -n "$(ns "$a")" link set "e$i" up
    ip -n "$(ns "$b")" link set "e$i" up
}

ns_route() {   # ns_route NODE PREFIX VIA
    case $2 in
        *:*) ip -n "$(ns "$1")" -6 route replace "$2" via "$3" ;;
        *) ip -n "$(ns "$1")" route replace "$2" via "$3" ;;
    esac
}

# A chain: src - r1 - ... - rN - dst. Link i joins node i and node i+1
# (node 0 is src, node N+1 is dst). Hop k's address seen from src is
# 198.18.(k-1).2; the destination is 198.18.N.2.
chain_build() {
    local n=$1 i j
    ns_add src
    for i in $(seq 1 "$n"); do ns_add "r$i"; done
    ns_add dst
    local prev=src
    for i in $(seq 0 "$n"); do
        local next
        if [ "$i" -lt "$n" ]; then next="r$((i + 1))"; else next=dst; fi
        ns_link "$prev" "$next" "$i"
        prev=$next
    done
    ns_route src 198.18.0.0/16 198.18.0.2
    ns_route src 2001:db8::/32 2001:db8:0::2
    ns_route dst 198.18.0.0/16 "198.18.$n.1"
    ns_route dst 2001:db8::/32 "2001:db8:$n::1"
    for i in $(seq 1 "$n"); do
        {
            for j in $(seq 0 "$n"); do
                if [ "$j" -gt "$i" ]; then
                    echo "route replace 198.18.$j.0/24 via 198.18.$i.2"
                    echo "route replace 2001:db8:$j::/64 via 2001:db8:$i::2"
                elif [ "$j" -lt $((i - 1)) ]; then
                    echo "route replace 198.18.$j.0/24 via 198.18.$((i - 1)).1"
                    echo "route replace 2001:db8:$j::/64 via 2001:db8:$((i - 1))::1"
                fi
            done
        } | ip -n "$(ns "r$i")" -batch -
    done
}

# Routers answer at full speed, so that peers run one after another in a
# test see the same hops (the real limit is modelled by whitehawk's pacing,
# which the unit tests check).
ns_no_icmp_ratelimit() {
    local n
    for n in "$@"; do
        nsx "$n" sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0 net.ipv4.icmp_msgs_per_sec=100000
    done
}

# The router never sends time exceeded: a hop that never answers.
ns_silent() {
    nsx "$1" iptables -A OUTPUT -p icmp --icmp-type time-exceeded -j DROP
    nsx "$1" ip6tables -A OUTPUT -p ipv6-icmp --icmpv6-type time-exceeded -j DROP
}

# The host drops everything that comes in.
ns_blackhole() {
    nsx "$1" iptables -A INPUT -j DROP
    nsx "$1" ip6tables -A INPUT -j DROP
}

# Delay every forwarded packet of the named routers by MS milliseconds
# (both directions) with our NFQUEUE program.
ns_delay() {
    local tool=$1 ms=$2; shift 2
    local r names=()
    for r in "$@"; do
        nsx "$r" iptables -A FORWARD -j NFQUEUE --queue-num 0 --queue-bypass
        nsx "$r" ip6tables -A FORWARD -j NFQUEUE --queue-num 0 --queue-bypass
        names+=("$(ns "$r")")
    done
    local fifo; fifo=$(mktemp -u); mkfifo "$fifo"
    "$tool" -d "$ms" "${names[@]}" >"$fifo" &
    NS_PIDS+=($!)
    read -r -t 5 _ <"$fifo" || { rm -f "$fifo"; echo "nfq-delay did not start"; return 1; }
    rm -f "$fifo"
}

# Drop a fraction P of the packets a router forwards out of interface IFACE.
ns_loss() {
    nsx "$1" iptables -A FORWARD -o "$2" -m statistic --mode random --probability "$3" -j DROP
}

# Hop list from traceroute/mtr/whitehawk text: one line per hop, the first
# address of the hop or '*'.
hops_of_traceroute() {
    awk 'NR>1 { a="*"; for (i=2;i<=NF;i++) if ($i ~ /^[0-9a-f.:]+$/ && $i ~ /[.:]/ && $(i+1) != "ms") { a=$i; break } print a }'
}
hops_of_mtr() {
    awk '/^ *[0-9]+\.\|--/ { sub(/^ *[0-9]+\.\|-- */, ""); print ($1 == "???" ? "*" : $1) }'
}
hops_of_json() {
    python3 -c '
import json,sys
for line in sys.stdin:
    t=json.loads(line)
    for h in t["hops"]:
        a=[p["addr"] for p in h["probes"] if p["addr"]]
        print(a[0] if a else "*")'
}

# An ECMP diamond: src - R1 - {A1 - A2 | B1 - B2} - M - dst. R1 balances
# per flow (fib_multipath_hash_policy=1: addresses, protocol and ports).
#   hop 1 R1 198.18.0.2; hop 2 A1 198.18.1.2 | B1 198.18.2.2;
#   hop 3 A2 198.18.3.2 | B2 198.18.4.2; hop 4 M 198.18.5.2; dst 198.18.7.2
diamond_build() {
    local n
    for n in src r1 a1 b1 a2 b2 m dst; do ns_add "$n"; done
    ns_link src r1 0
    ns_link r1 a1 1
    ns_link r1 b1 2
    ns_link a1 a2 3
    ns_link b1 b2 4
    ns_link a2 m 5
    ns_link b2 m 6
    ns_link m dst 7
    nsx r1 sysctl -qw net.ipv4.fib_multipath_hash_policy=1 net.ipv6.fib_multipath_hash_policy=1
    ip -n "$(ns r1)" route replace 198.18.7.0/24 nexthop via 198.18.1.2 nexthop via 198.18.2.2
    ip -n "$(ns r1)" -6 route replace 2001:db8:7::/64 nexthop via 2001:db8:1::2 nexthop via 2001:db8:2::2
    ns_route src 198.18.0.0/16 198.18.0.2;  ns_route src 2001:db8::/32 2001:db8::2
    ns_route a1 198.18.7.0/24 198.18.3.2;   ns_route a1 2001:db8:7::/64 2001:db8:3::2
    ns_route a1 198.18.0.0/24 198.18.1.1;   ns_route a1 2001:db8::/64 2001:db8:1::1
    ns_route b1 198.18.7.0/24 198.18.4.2;   ns_route b1 2001:db8:7::/64 2001:db8:4::2
    ns_route b1 198.18.0.0/24 198.18.2.1;   ns_route b1 2001:db8::/64 2001:db8:2::1
    ns_route a2 198.18.7.0/24 198.18.5.2;   ns_route a2 2001:db8:7::/64 2001:db8:5::2
    ns_route a2 198.18.0.0/16 198.18.3.1;   ns_route a2 2001:db8::/48 2001:db8:3::1
    ns_route b2 198.18.7.0/24 198.18.6.2;   ns_route b2 2001:db8:7::/64 2001:db8:6::2
    ns_route b2 198.18.0.0/16 198.18.4.1;   ns_route b2 2001:db8::/48 2001:db8:4::1
    ns_route m 198.18.0.0/16 198.18.5.1;    ns_route m 2001:db8::/48 2001:db8:5::1
    ns_route dst 198.18.0.0/16 198.18.7.1;  ns_route dst 2001:db8::/48 2001:db8:7::1
    ns_no_icmp_ratelimit r1 a1 b1 a2 b2 m dst
}

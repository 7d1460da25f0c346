#!/usr/bin/env bash
# Links with delay (our NFQUEUE program) and random loss (iptables statistic):
# --cycles must put the loss on the right link, tell a router that does not
# answer from a lossy link, and call the delay a bottleneck only where it
# persists downstream.
#   r2 answers half its probes (its own time exceeded dropped at random)
#   r3 holds every packet it forwards 15 ms: +30 ms RTT from hop 4 on
#   r5 drops 25% of what it forwards to r6: loss on the link into hop 6
set -uo pipefail
bin=$1 src=$2
. "$src/tests/netns/lib.sh"
netns_need_root
nfq=$(dirname "$bin")/wh-nfq-delay
[ -x "$nfq" ] || { echo "skip: no wh-nfq-delay (libnetfilter-queue-dev missing at build time)"; exit 77; }
command -v traceroute >/dev/null || { echo "skip: no traceroute"; exit 77; }
netns_init l
fail=0
chain_build 6
ns_no_icmp_ratelimit r1 r2 r3 r4 r5 r6 dst
ns_delay "$nfq" 15 r3 || exit 1
# Through the delay, the hop list is traceroute's.
ours=$(nsx src "$bin" trace -n --json 198.18.6.2 | hops_of_json)
peer=$(nsx src traceroute -n 198.18.6.2 | hops_of_traceroute)
[ "$ours" = "$peer" ] && echo "ok: hop list = traceroute's through the delay" || { echo "FAIL: hop list"; diff <(echo "$peer") <(echo "$ours"); fail=1; }
nsx r2 iptables -A OUTPUT -p icmp --icmp-type time-exceeded -m statistic --mode random --probability 0.5 -j DROP
ns_loss r5 e5 0.25

J=$(mktemp); trap 'rm -f $J; netns_cleanup' EXIT

nsx src "$bin" trace -n --cycles 400 --icmp-burst 0 --rate 3000 --json 198.18.6.2 >$J
python3 - "$J" <<'PY' || fail=1
import json,sys
t=json.load(open(sys.argv[1]))
s={h["ttl"]:h["stats"] for h in t["hops"]}
ok=True
def check(name, cond):
    global ok
    print(("ok: " if cond else "FAIL: ") + name)
    ok &= bool(cond)
for k,v in sorted(s.items()):
    print("  hop %d sent %d recv %d loss %.2f node %.2f link %.2f min %s jump %s bottleneck %s" % (k, v["sent"], v["received"], v["loss"], v["node_loss"], v["link_loss"], v.get("rtt_min_ms"), v.get("jump_ms"), v.get("bottleneck")))
check("the NFQUEUE delay shows: hop 3 under 10 ms, hop 4 over 29 ms", s[3]["rtt_min_ms"] < 10 and s[4]["rtt_min_ms"] > 29)
check("bottleneck hint at hop 4 only", s[4]["bottleneck"] and not any(s[h].get("bottleneck") for h in s if h != 4))
check("hop 2 loses about half at the node", 0.3 < s[2]["node_loss"] < 0.7)
check("no link loss into hops 2 to 5", all(s[h]["link_loss"] < 0.1 for h in (2, 3, 4, 5)))
check("about 25%% lost on the link into hop 6 (%.2f)" % s[6]["link_loss"], 0.13 < s[6]["link_loss"] < 0.37)
check("hop 6 itself answers what reaches it (within sampling noise)", s[6]["node_loss"] < 0.15)
sys.exit(0 if ok else 1)
PY
exit $fail

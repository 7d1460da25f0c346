#!/usr/bin/env bash
# An ECMP diamond behind a per-flow load balancer (fib_multipath_hash_policy=1).
# Classic UDP (ours and traceroute's) changes the destination port with every
# probe, so its probes take both branches and its output pairs hops that are
# not linked; Paris UDP keeps one flow and shows one true path; MDA finds
# both branches and exactly the true links. ICMP is hashed on addresses only
# here, so ours, traceroute -I and mtr all see one and the same path.
set -uo pipefail
bin=$1 src=$2
. "$src/tests/netns/lib.sh"
netns_need_root
for t in traceroute mtr; do command -v $t >/dev/null || { echo "skip: no $t"; exit 77; }; done
netns_init x
diamond_build
fail=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fail=1; }
A="198.18.1.2 198.18.3.2" B="198.18.2.2 198.18.4.2"
D=198.18.7.2
J=$(mktemp); trap 'rm -f $J; netns_cleanup' EXIT

# Classic UDP: both branches at hops 2 and 3, and false links between them.
nsx src "$bin" trace -n -U -q 10 --icmp-burst 0 --json $D >$J
python3 - "$J" <<'PY' && ok "classic UDP: both branches seen, false links drawn" || bad "classic UDP"
import json,sys
t=json.load(open(sys.argv[1])); h={x["ttl"]:[p["addr"] for p in x["probes"]] for x in t["hops"]}
assert set(h[2])=={"198.18.1.2","198.18.2.2"} and set(h[3])=={"198.18.3.2","198.18.4.2"}, h
pairs={(a,b) for a,b in zip(h[2],h[3])}
false_links=pairs & {("198.18.1.2","198.18.4.2"),("198.18.2.2","198.18.3.2")}
assert false_links, pairs
print("  classic pairs hop2->hop3:", sorted(pairs))
PY
# traceroute's own source port is random, so its 10 probes per hop can all
# hash onto one branch now and then: give the peer up to three runs.
for try in 1 2 3; do
    peer=$(nsx src traceroute -n -q 10 $D | awk '$1==2 || $1==3 {for(i=2;i<=NF;i++) if ($i ~ /^198\./) print $1, $i}' | sort -u | tr '\n' ' ')
    [ "$peer" = "2 198.18.1.2 2 198.18.2.2 3 198.18.3.2 3 198.18.4.2 " ] && break
done
[ "$peer" = "2 198.18.1.2 2 198.18.2.2 3 198.18.3.2 3 198.18.4.2 " ] && ok "traceroute (classic) also sees both branches" || bad "traceroute classic: $peer"

# Paris UDP: one flow, so one branch, and the hops pair up into a real link.
for sp in 40001 40002 40003 40004 40005 40006; do
    got=$(nsx src "$bin" trace -n -q 10 --icmp-burst 0 --sport $sp --json $D | hops_of_json | sed -n '2,3p' | tr '\n' ' ')
    distinct=$(nsx src "$bin" trace -n -q 10 --icmp-burst 0 --sport $sp --json $D | python3 -c 'import json,sys; t=json.load(sys.stdin); print(max(len({p["addr"] for p in h["probes"]}) for h in t["hops"]))')
    case "$got" in
        "$A "|"$B ") [ "$distinct" = 1 ] && ok "paris-udp sport $sp: one true path ($got)" || bad "paris-udp sport $sp: $distinct addresses at a hop" ;;
        *) bad "paris-udp sport $sp: hops 2,3 = $got" ;;
    esac
    seen="${seen:-} $got"
done
case "$seen" in *"198.18.1.2"*) ;; *) echo "note: every flow tried took branch B" ;; esac

# MDA: every interface, exactly the true links, one diamond.
nsx src "$bin" trace -n --mda --mda-epsilon 0.001 --icmp-burst 0 --json $D >$J
python3 - "$J" <<'PY' && ok "MDA: both branches and exactly the true links" || bad "MDA"
import json,sys
t=json.load(open(sys.argv[1])); h={x["ttl"]:{p["addr"] for p in x["probes"] if p["addr"]} for x in t["hops"]}
assert h[1]=={"198.18.0.2"} and h[2]=={"198.18.1.2","198.18.2.2"} and h[3]=={"198.18.3.2","198.18.4.2"} and h[4]=={"198.18.5.2"} and h[5]=={"198.18.7.2"}, h
links={(l["from"],l["to"]) for l in t["mda"]["links"]}
true={("198.18.0.2","198.18.1.2"),("198.18.0.2","198.18.2.2"),("198.18.1.2","198.18.3.2"),("198.18.2.2","198.18.4.2"),
      ("198.18.3.2","198.18.5.2"),("198.18.4.2","198.18.5.2"),("198.18.5.2","198.18.7.2")}
assert links==true, links
assert t["mda"]["diamonds"]==1 and t["mda"]["max_width"]==2, t["mda"]
PY
out=$(nsx src "$bin" trace -n --mda --mda-epsilon 0.001 --icmp-burst 0 $D)
grep -q "1 diamond, widest 2 interfaces" <<<"$out" && grep -q "paths split" <<<"$out" && grep -q "paths join" <<<"$out" \
    && ok "MDA text draws the diamond" || { bad "MDA text"; echo "$out"; }

# ICMP: hashed on addresses only, one path for every tool.
ours=$(nsx src "$bin" trace -n -I --json $D | hops_of_json)
peer=$(nsx src traceroute -n -I $D | hops_of_traceroute)
[ "$ours" = "$peer" ] && ok "-I = traceroute -I" || { bad "-I vs traceroute -I"; diff <(echo "$peer") <(echo "$ours"); }
peer=$(nsx src mtr -n -r -c 1 -i 0.1 -Z 1 -G 0.5 $D | hops_of_mtr)
[ "$ours" = "$peer" ] && ok "-I = mtr --report" || { bad "-I vs mtr"; diff <(echo "$peer") <(echo "$ours"); }
# TCP: our SYNs keep their ports, so one true path.
got=$(nsx src "$bin" trace -n -T -q 6 --json $D | hops_of_json | sed -n '2,3p' | tr '\n' ' ')
case "$got" in "$A "|"$B ") ok "-T: one true path" ;; *) bad "-T: $got" ;; esac
peer=$(nsx src traceroute -n -T -q 6 $D | awk '$1==2 || $1==3 {for(i=2;i<=NF;i++) if ($i ~ /^198\./) print $1, $i}' | sort -u | wc -l)
[ "$peer" -ge 2 ] && ok "traceroute -T answers through the diamond ($peer hop addresses)" || bad "traceroute -T: $peer"

# IPv6: the same diamond.
nsx src "$bin" trace -n -6 --mda --mda-epsilon 0.001 --icmp-burst 0 --json 2001:db8:7::2 >$J
python3 - "$J" <<'PY' && ok "IPv6 MDA: both branches" || bad "IPv6 MDA"
import json,sys
t=json.load(open(sys.argv[1])); h={x["ttl"]:{p["addr"] for p in x["probes"] if p["addr"]} for x in t["hops"]}
assert h[2]=={"2001:db8:1::2","2001:db8:2::2"} and h[3]=={"2001:db8:3::2","2001:db8:4::2"}, h
PY
exit $fail

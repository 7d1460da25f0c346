#!/usr/bin/env bash
# The privileged part of trace stays in src/net/priv: no other file touches
# capabilities, user ids or raw sockets. A running trace started as root
# holds its raw sockets but no capability, runs as nobody, and has
# no_new_privs set. Without privileges, UDP traces still work (IP_RECVERR)
# and TCP is refused with a clear message.
set -uo pipefail
bin=$1 src=$2
fail=0
hits=$(grep -rnE '\b(cap_[a-z_]+|capset|capget|setresuid|setresgid|setreuid|setregid|seteuid|setegid|setuid|setgid|setgroups|initgroups) *\(|PR_CAPBSET|PR_CAP_AMBIENT|NO_NEW_PRIVS|sys/capability\.h|linux/capability\.h|SOCK_RAW' \
    "$src/src" | grep -v "^$src/src/net/priv/" || true)
if [ -n "$hits" ]; then echo "FAIL: privileges handled outside src/net/priv:"; echo "$hits"; fail=1; else echo "ok: only src/net/priv touches privileges"; fi
grep -q 'wh_priv_drop' "$src/src/cmd/trace.c" || { echo "FAIL: trace does not drop privileges"; fail=1; }
# The drop comes before option parsing in run_trace.
awk '/^static int run_trace/{f=1} f&&/wh_priv_drop/{d=NR} f&&/getopt_long/{g=NR; exit} END{exit !(d && g && d<g)}' "$src/src/cmd/trace.c" \
    && echo "ok: privileges dropped before options are read" || { echo "FAIL: options read before the drop"; fail=1; }

[ "$(id -u)" = 0 ] || { echo "skip: the rest needs root"; exit $fail; }
command -v setpriv >/dev/null || { echo "skip: no setpriv"; exit $fail; }
. "$src/tests/netns/lib.sh"
netns_need_root
netns_init p
chain_build 2
ns_no_icmp_ratelimit r1 r2 dst   # several traces in a row below
ns_blackhole dst

# A trace that runs a few seconds: every probe to the silent destination waits -w.
nsx src "$bin" trace -n --no-learn -w 3 -q 1 -m 4 198.18.2.2 >/dev/null &
pid=$!
sleep 0.7
# ip netns exec forks: the trace is the child running whitehawk
tp=$(pgrep -P $pid -x whitehawk || echo $pid)
st=/proc/$tp/status
if [ -r "$st" ]; then
    uid=$(awk '/^Uid:/{print $2,$3,$4,$5}' "$st")
    [ "$uid" = "65534 65534 65534 65534" ] && echo "ok: runs as nobody" || { echo "FAIL: Uid $uid"; fail=1; }
    gid=$(awk '/^Gid:/{print $2,$3,$4,$5}' "$st")
    [ "$gid" = "65534 65534 65534 65534" ] && echo "ok: group nogroup" || { echo "FAIL: Gid $gid"; fail=1; }
    [ -z "$(awk '/^Groups:/{$1=""; print}' "$st" | tr -d ' ')" ] && echo "ok: no supplementary groups" || { echo "FAIL: groups left"; fail=1; }
    for c in CapInh CapPrm CapEff CapBnd CapAmb; do
        v=$(awk -v c="$c:" '$1==c{print $2}' "$st")
        [ "$v" = 0000000000000000 ] && echo "ok: $c empty" || { echo "FAIL: $c $v"; fail=1; }
    done
    [ "$(awk '/^NoNewPrivs:/{print $2}' "$st")" = 1 ] && echo "ok: no_new_privs" || { echo "FAIL: no_new_privs not set"; fail=1; }
    nsock=$(ls -l /proc/$tp/fd 2>/dev/null | grep -c 'socket:')
    [ "$nsock" -ge 2 ] && echo "ok: raw sockets kept across the drop ($nsock)" || { echo "FAIL: $nsock sockets"; fail=1; }
else
    echo "FAIL: trace ended too soon to be inspected"; fail=1
fi
wait $pid

# Unprivileged: nobody, no capabilities at all.
asnobody() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all "$@"; }
out=$(nsx src bash -c "$(declare -f asnobody); asnobody '$bin' trace -n --json 198.18.1.2" 2>&1)
echo "$out" | python3 -c 'import json,sys; t=json.loads(sys.stdin.readline()); assert t["result"]=="reached" and t["dest_ttl"]==2 and t["hops"][0]["probes"][0]["addr"]=="198.18.0.2", t' \
    && echo "ok: unprivileged paris-udp trace through IP_RECVERR" || { echo "FAIL: unprivileged UDP: $out"; fail=1; }
out=$(nsx src bash -c "$(declare -f asnobody); asnobody '$bin' trace -n --json 2001:db8:1::2" 2>&1)
echo "$out" | python3 -c 'import json,sys; t=json.loads(sys.stdin.readline()); assert t["result"]=="reached" and t["dest_ttl"]==2 and t["hops"][0]["probes"][0]["addr"]=="2001:db8::2", t' \
    && echo "ok: unprivileged IPv6 paris-udp trace through IPV6_RECVERR" || { echo "FAIL: unprivileged IPv6 UDP: $out"; fail=1; }
out=$(nsx src bash -c "$(declare -f asnobody); asnobody '$bin' trace -n -U --json 198.18.1.2" 2>&1)
echo "$out" | python3 -c 'import json,sys; t=json.loads(sys.stdin.readline()); assert t["result"]=="reached" and t["method"]=="udp", t' \
    && echo "ok: unprivileged classic UDP" || { echo "FAIL: unprivileged -U: $out"; fail=1; }
out=$(nsx src bash -c "$(declare -f asnobody); asnobody '$bin' trace -n -T 198.18.1.2" 2>&1); rc=$?
[ $rc = 2 ] && grep -q 'TCP probes need raw sockets' <<<"$out" && echo "ok: unprivileged TCP refused, exit 2" || { echo "FAIL: unprivileged -T: rc=$rc $out"; fail=1; }
nsx src sysctl -qw net.ipv4.ping_group_range="1 0"
out=$(nsx src bash -c "$(declare -f asnobody); asnobody '$bin' trace -n -I 198.18.1.2" 2>&1); rc=$?
[ $rc = 2 ] && grep -q 'ping_group_range' <<<"$out" && echo "ok: unprivileged ICMP without ping sockets refused, exit 2" || { echo "FAIL: -I without ping group: rc=$rc $out"; fail=1; }
nsx src sysctl -qw net.ipv4.ping_group_range="0 2147483647"
out=$(nsx src bash -c "$(declare -f asnobody); asnobody '$bin' trace -n -I --json 198.18.1.2" 2>&1)
echo "$out" | python3 -c 'import json,sys; t=json.loads(sys.stdin.readline()); assert t["result"]=="reached" and t["dest_ttl"]==2, t' \
    && echo "ok: unprivileged ICMP through a ping socket" || { echo "FAIL: unprivileged -I: $out"; fail=1; }
exit $fail

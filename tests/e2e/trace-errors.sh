#!/usr/bin/env bash
# Bad input to trace: a clear message and exit status 2, nothing sent
# anywhere but inside a namespace with no route out.
set -uo pipefail
bin=$1 src=$2
fail=0
expect() {   # expect NAME STATUS PATTERN CMD...
    local name=$1 want=$2 pat=$3; shift 3
    local out rc
    out=$("$@" 2>&1); rc=$?
    if [ $rc = "$want" ] && grep -qE -- "$pat" <<<"$out"; then echo "ok: $name"; else echo "FAIL: $name: rc=$rc: $out"; fail=1; fi
}
expect "no host" 2 'no host given' "$bin" trace
expect "bad -m" 2 "-m '0' is not a TTL" "$bin" trace -m 0 127.0.0.1
expect "bad -q" 2 "-q '99'" "$bin" trace -q 99 127.0.0.1
expect "bad -w" 2 "-w 'x'" "$bin" trace -w x 127.0.0.1
expect "bad method" 2 "unknown method 'foo'" "$bin" trace -M foo 127.0.0.1
expect "bad style" 2 "unknown --style" "$bin" trace --style mac 127.0.0.1
expect "family mismatch" 2 "is not an IPv6 address" "$bin" trace -6 127.0.0.1
expect "missing targets file" 2 "cannot open" "$bin" trace -f /nonexistent/targets
expect "missing AS file" 2 "cannot open" "$bin" trace --as-file /nonexistent/asn.tsv 127.0.0.1
[ "$(id -u)" = 0 ] || { echo "skip: the rest needs root"; exit $fail; }
. "$src/tests/netns/lib.sh"
netns_need_root
netns_init e
ns_add lone     # only a loopback: no route anywhere, no resolver reachable
expect "unroutable target" 2 "no route to 198.18.7.7" nsx lone "$bin" trace -n 198.18.7.7
expect "unroutable IPv6 target" 2 "no route to 2001:db8:7::7" nsx lone "$bin" trace -n 2001:db8:7::7
expect "unknown host" 2 "cannot resolve 'no-such-host.invalid'" nsx lone "$bin" trace -n no-such-host.invalid
printf '198.18.7.7\nnot a host\n# comment\n127.0.0.1\n' > /tmp/wh-targets.$$
expect "bad line in a targets file is reported, the rest traced" 0 "offset 11: cannot resolve target 'not a host'" nsx lone "$bin" trace -n -f /tmp/wh-targets.$$
rm -f /tmp/wh-targets.$$
exit $fail

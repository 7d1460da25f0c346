#!/usr/bin/env bash
# whitehawk flows, end to end: captures written by tools/pcapgen.c with
# known traffic (beacon, scans of every type, sweeps, upload, long
# connection, lateral movement, browsing that must stay quiet), every link
# type, IPv6, gzip'd captures and pcapng, Zeek conn.log in TSV (columns in
# an unusual order), as rotated gzip'd logs in a folder and as JSON, Sysmon
# events that own a connection, intel and geo files made here, bad input,
# and the exit statuses.
set -uo pipefail
wh=$1 src=$2
gen=$(dirname "$wh")/wh-pcapgen
[ -x "$gen" ] || { echo "no wh-pcapgen next to $wh"; exit 77; }
command -v jq >/dev/null || { echo "jq missing"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }

# has FILE JQ-CONDITION LABEL: some finding in FILE meets the condition
has() {
    if jq -se "[.[] | select($2)] | length > 0" "$1" >/dev/null 2>&1; then ok "$3"; else bad "$3"; jq -c '{id,title}' "$1" | head -5; fi
}
count() { jq -se "[.[] | select($2)] | length" "$1"; }

flows() { "$wh" flows -q --json --config /dev/null "$@"; }

# --- beacon: 48 calls every 60 s with 2 s of jitter, among ordinary browsing
"$gen" beacon "$tmp/beacon.pcap" --jitter 2 --count 48
"$gen" web "$tmp/web.pcap" --src 192.168.10.21 --count 60
flows "$tmp/beacon.pcap" "$tmp/web.pcap" >"$tmp/b.json"
has "$tmp/b.json" '.id == "WH-NET-BEACON" and .details.dst == "203.0.113.50" and (.details.period_s | tonumber | . > 58 and . < 62) and (.details.jitter_s | tonumber | . > 0.2 and . < 2.5)' \
    "beacon found with its period (60 s) and jitter"
has "$tmp/b.json" '.id == "WH-NET-BEACON" and .stage == "command_and_control" and (.attack | index("T1071")) and (.viewpoints | index("frequency")) and (.viewpoints | index("direction"))' \
    "beacon: stage, ATT&CK and viewpoints"
[ "$(count "$tmp/b.json" '.host == "192.168.10.21"')" = 0 ] && ok "browsing raises nothing" || bad "browsing raised a finding"
[ "$(count "$tmp/b.json" 'true')" = 1 ] && ok "one finding in all" || bad "$(count "$tmp/b.json" 'true') findings, want 1"

# every link type gives the same answer; so do IPv6, gzip and pcapng
for link in sll sll2 raw null; do
    "$gen" beacon "$tmp/b-$link.pcap" --link $link
    flows "$tmp/b-$link.pcap" >"$tmp/l.json"
    has "$tmp/l.json" '.id == "WH-NET-BEACON" and .details.period_s == "60.000"' "beacon through link type $link"
done
"$gen" beacon "$tmp/b6.pcap" --ipv6 1
flows "$tmp/b6.pcap" >"$tmp/l.json"
has "$tmp/l.json" '.id == "WH-NET-BEACON" and .details.dst == "2001:db8:5::80"' "beacon over IPv6"
gzip -c "$tmp/beacon.pcap" >"$tmp/beacon.pcap.gz"
flows "$tmp/beacon.pcap.gz" >"$tmp/l.json"
has "$tmp/l.json" '.id == "WH-NET-BEACON" and .evidence[0].source == "'"$tmp"'/beacon.pcap.gz"' "beacon from a gzip'd capture"
if command -v editcap >/dev/null; then
    editcap -F pcapng "$tmp/beacon.pcap" "$tmp/beacon.pcapng" 2>/dev/null
    flows "$tmp/beacon.pcapng" >"$tmp/l.json"
    has "$tmp/l.json" '.id == "WH-NET-BEACON"' "beacon from pcapng"
fi

# --- scans of every type, named
for t in syn connect fin null xmas ack udp; do
    "$gen" scan "$tmp/s-$t.pcap" --type $t --ports 60
    flows "$tmp/s-$t.pcap" >"$tmp/s.json"
    has "$tmp/s.json" '.id == "WH-NET-PORTSCAN" and .details.scan_type == "'$t'" and .stage == "reconnaissance" and (.attack | index("T1046"))' \
        "$t scan named $t"
done
"$gen" sweep "$tmp/sweep.pcap" --port 445 --hosts 40
flows "$tmp/sweep.pcap" >"$tmp/s.json"
has "$tmp/s.json" '.id == "WH-NET-SWEEP" and .details.port == "445/tcp" and .details.hosts == "40"' "sweep of 445/tcp over 40 hosts"
"$gen" pingsweep "$tmp/ping.pcap" --hosts 30
flows "$tmp/ping.pcap" >"$tmp/s.json"
has "$tmp/s.json" '.id == "WH-NET-PINGSWEEP" and .details.hosts == "30" and .details.answered == "6"' "ping sweep of 30 hosts, 6 answered"

# --- upload, long connection, lateral movement
"$gen" exfil "$tmp/exfil.pcap" --bytes 3000000
flows --set exfil_bytes=2000000 "$tmp/exfil.pcap" >"$tmp/e.json"
has "$tmp/e.json" '.id == "WH-NET-EXFIL" and .stage == "actions_on_objectives" and (.details.pcr | tonumber > 0.9)' "upload of 3 MB as exfiltration"
flows "$tmp/exfil.pcap" >"$tmp/e.json"
[ "$(count "$tmp/e.json" '.id == "WH-NET-EXFIL"')" = 0 ] && ok "3 MB is under the default threshold" || bad "default exfil threshold"
"$gen" longconn "$tmp/long.pcap" --secs 7200
flows "$tmp/long.pcap" >"$tmp/e.json"
has "$tmp/e.json" '.id == "WH-NET-LONGCONN" and (.details.longest_s | tonumber >= 7100)' "two-hour connection"
"$gen" lateral "$tmp/lat.pcap" --service rdp --hosts 4
flows "$tmp/lat.pcap" >"$tmp/e.json"
has "$tmp/e.json" '.id == "WH-NET-LATERAL" and .details.service == "RDP" and .details.hosts == "4" and .severity == "medium" and .stage == "lateral_movement"' \
    "RDP to 4 internal hosts"
flows --internal 10.0.0.0/8 "$tmp/lat.pcap" >"$tmp/e.json"
[ "$(count "$tmp/e.json" '.id == "WH-NET-LATERAL"')" = 0 ] && ok "--internal changes what is internal" || bad "--internal ignored"

# --- Zeek conn.log: TSV with its columns in an unusual order, rotated gzip'd logs, JSON
zeek_tsv() {   # FILE FIRST LAST
    { printf '#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n'
      printf '#fields\tuid\tid.resp_p\tproto\tts\tid.orig_h\tid.orig_p\tid.resp_h\tduration\torig_bytes\tresp_bytes\tconn_state\thistory\n'
      printf '#types\tstring\tport\tenum\ttime\taddr\tport\taddr\tinterval\tcount\tcount\tstring\tstring\n'
      for i in $(seq "$2" "$3"); do
          printf 'C%s\t8443\ttcp\t%s.000000\t10.9.9.9\t%s\t192.0.2.44\t0.5\t180\t900\tSF\tShADadFf\n' "$i" $((1700000000 + i * 300)) $((40000 + i))
      done
      printf '#close\t2024-01-01-00-00-00\n'; } >"$1"
}
zeek_tsv "$tmp/conn.log" 0 59
flows "$tmp/conn.log" >"$tmp/z.json"
has "$tmp/z.json" '.id == "WH-NET-BEACON" and .details.period_s == "300.000" and .details.dst == "192.0.2.44"' "Zeek TSV: beacon every 300 s"
mkdir "$tmp/rot"
zeek_tsv "$tmp/rot/c1" 0 19; zeek_tsv "$tmp/rot/c2" 20 39; zeek_tsv "$tmp/rot/c3" 40 59
for f in c1 c2 c3; do gzip -c "$tmp/rot/$f" >"$tmp/rot/conn.$f.log.gz"; rm "$tmp/rot/$f"; done
flows "$tmp/rot" >"$tmp/z.json"
has "$tmp/z.json" '.id == "WH-NET-BEACON" and .details.connections == "60"' "rotated gzip'd logs in a folder are one input set"
for i in $(seq 0 29); do
    printf '{"ts":%s.5,"uid":"J%s","id.orig_h":"10.9.9.8","id.orig_p":%s,"id.resp_h":"192.0.2.45","id.resp_p":443,"proto":"tcp","duration":0.2,"orig_bytes":100,"resp_bytes":400,"conn_state":"SF"}\n' \
        $((1700000000 + i * 120)) "$i" $((41000 + i))
done >"$tmp/conn.json"
flows "$tmp/conn.json" >"$tmp/z.json"
has "$tmp/z.json" '.id == "WH-NET-BEACON" and .details.period_s == "120.000"' "Zeek JSON: beacon every 120 s"
"$wh" events --count "$tmp/conn.json" 2>"$tmp/err" | grep -qx 30 && grep -q "zeek 1" "$tmp/err" \
    && ok "Zeek JSON goes to the Zeek reader, not the generic JSON one" || bad "Zeek JSON sniffing"

# --- a process owns its connections: Sysmon 3 events beside the capture
for i in 0 1 2; do
    printf '{"EventID":3,"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"WS-7","UtcTime":"2024-01-01 00:0%s:00.000","Image":"C:\\\\Users\\\\a\\\\AppData\\\\Local\\\\Temp\\\\upd.exe","ProcessId":"4242","ProcessGuid":"{1}","SourceIp":"192.168.10.20","SourcePort":"%s","DestinationIp":"203.0.113.50","DestinationPort":"443","Protocol":"tcp","Initiated":"true"}\n' $i $((49152 + i))
done >"$tmp/sysmon.json"
flows "$tmp/beacon.pcap" "$tmp/sysmon.json" >"$tmp/p.json"
has "$tmp/p.json" '.id == "WH-NET-BEACON" and (.process.image | endswith("\\upd.exe")) and .process.pid == 4242 and (.viewpoints | index("process")) and .details.connections == "51"' \
    "the beacon's process from Sysmon 3; its connections are not counted twice for timing"

# --- auditd: connect() calls own their process; the host is the source
for i in 0 1 2 3 4 5 6; do
    t=$((1700000000 + i * 60)); s=$((100 + i))
    printf 'node=web-01 type=SYSCALL msg=audit(%s.123:%s): arch=c000003e syscall=42 success=yes exit=0 a0=3 a1=7ffd a2=10 a3=0 items=0 ppid=1 pid=1234 auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=(none) ses=1 comm="updater" exe="/tmp/.x/updater" key="net"\n' $t $s
    printf 'node=web-01 type=SOCKADDR msg=audit(%s.123:%s): saddr=020001BBCB00710A0000000000000000\nnode=web-01 type=EOE msg=audit(%s.123:%s):\n' $t $s $t $s
done >"$tmp/audit.log"
flows "$tmp/audit.log" >"$tmp/a.json"
has "$tmp/a.json" '.id == "WH-NET-BEACON" and .host == "web-01" and .process.image == "/tmp/.x/updater" and .details.dst == "203.0.113.10" and .details.direction == "outbound"' \
    "auditd connect calls: a beacon owned by /tmp/.x/updater on web-01"

# --- intel and geo files made here
printf '# test feed\n203.0.113.50\n' >"$tmp/feed.txt"
python3 "$src/tools/mkmmdb.py" "$tmp/geo.mmdb" 203.0.113.0/24=ZZ,64500,Example-AS
flows --intel "$tmp/feed.txt" --geo "$tmp/geo.mmdb" "$tmp/beacon.pcap" >"$tmp/i.json"
has "$tmp/i.json" '.id == "WH-NET-INTEL" and .details.feed == "feed.txt" and .severity == "high" and (.viewpoints | index("reputation"))' "intel: a listed destination"
has "$tmp/i.json" '.id == "WH-NET-BEACON" and .details.country == "ZZ" and .details.asn == "AS64500 Example-AS" and (.viewpoints | index("location"))' \
    "geo: country and AS from an mmdb"
printf 'geo = %s\nalert_countries = zz\n' "$tmp/geo.mmdb" >"$tmp/net.conf"
"$wh" flows -q --json --config "$tmp/net.conf" "$tmp/beacon.pcap" >"$tmp/i.json"
has "$tmp/i.json" '.id == "WH-NET-GEO"' "configuration file: geo and alert_countries"

# --- output forms and exit statuses
"$wh" flows -q --csv --config /dev/null "$tmp/beacon.pcap" >"$tmp/o.csv"
head -1 "$tmp/o.csv" | grep -q '^time,time_end,host,severity,confidence,stage,id,title' && grep -q WH-NET-BEACON "$tmp/o.csv" \
    && ok "CSV" || bad "CSV"
"$wh" flows -q --config /dev/null "$tmp/beacon.pcap" | grep -q "WH-NET-BEACON  command_and_control" && ok "table" || bad "table"
"$wh" flows -q --config /dev/null --fail-on high "$tmp/beacon.pcap" >/dev/null; [ $? = 1 ] && ok "--fail-on high: exit 1" || bad "--fail-on"
"$wh" flows -q --config /dev/null --fail-on high "$tmp/web.pcap" >/dev/null; [ $? = 0 ] && ok "--fail-on, nothing found: exit 0" || bad "--fail-on quiet"
"$wh" flows --set nonsense=1 "$tmp/web.pcap" >/dev/null 2>&1; [ $? = 2 ] && ok "unknown setting: exit 2" || bad "unknown setting"
"$wh" flows --only beacon,scan "$tmp/web.pcap" >/dev/null 2>&1; [ $? = 0 ] && ok "--only" || bad "--only"
"$wh" flows --config /dev/null "$tmp/missing.pcap" >/dev/null 2>&1; [ $? = 2 ] && ok "missing input: exit 2" || bad "missing input"

# --- bad input: reported with file and offset, the rest still read
"$gen" broken "$tmp/broken.pcap"
"$wh" flows --json --config /dev/null "$tmp/broken.pcap" "$tmp/beacon.pcap" >"$tmp/x.json" 2>"$tmp/x.err"; rc=$?
[ $rc = 0 ] && ok "broken capture: exit 0" || bad "broken capture: exit $rc"
grep -q "broken.pcap: offset [0-9]*: packet 2: ipv4 total length beyond the end of the frame" "$tmp/x.err" && ok "bad IP length reported with offset" || bad "bad IP length message"
grep -q "broken.pcap: offset [0-9]*: capture ends inside a packet record" "$tmp/x.err" && ok "capture cut inside a record reported" || bad "cut capture message"
has "$tmp/x.json" '.id == "WH-NET-BEACON"' "the next input is still read"
"$gen" beacon "$tmp/lt.pcap" --header-linktype 147 --count 3
"$wh" flows --config /dev/null "$tmp/lt.pcap" "$tmp/beacon.pcap" >"$tmp/x.out" 2>"$tmp/x.err"; rc=$?
[ $rc = 0 ] && grep -q "lt.pcap: offset 24: packet 1: link type 147 is not one whitehawk decodes" "$tmp/x.err" \
    && grep -q "24 of an unknown link type" "$tmp/x.err" && grep -q WH-NET-BEACON "$tmp/x.out" \
    && ok "unknown link type: reported once with its offset, counted, the next capture read" || { bad "unknown link type"; cat "$tmp/x.err"; }
zeek_tsv "$tmp/bad.log" 0 9
sed -i '12s/\tSF\t/\t/; 14s/$/\textra/' "$tmp/bad.log"
"$wh" events --count "$tmp/bad.log" >"$tmp/n" 2>"$tmp/x.err"
grep -q "bad.log: offset [0-9]*: zeek record has fewer columns" "$tmp/x.err" && grep -q "bad.log: offset [0-9]*: zeek record has more columns" "$tmp/x.err" \
    && [ "$(cat "$tmp/n")" = 8 ] && ok "Zeek: missing and extra columns reported, 8 of 10 records read" || { bad "Zeek bad columns"; cat "$tmp/x.err"; }
"$wh" flows --config /dev/null --strict "$tmp/broken.pcap" >/dev/null 2>&1; [ $? = 2 ] && ok "--strict stops at the first bad record" || bad "--strict"

exit $fail

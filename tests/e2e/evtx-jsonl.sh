#!/usr/bin/env bash
# The same Sysmon events as JSON lines and as EVTX (written from those
# lines by evtxgen --from-jsonl, in Sysmon's layout with typed values and
# with --strings in the plain one) read the same: `whitehawk events` gives
# the same events field by field, and `whitehawk hunt` the same hits. A
# cross-check of the two readers, and of the EVTX input of bench/hunt.
#
# Allowed differences, each for a reason:
#   @format, @source, @offset     where the event was read from
#   Provider_Guid, Version, Level, Task, Opcode, Keywords,
#   TimeCreated_SystemTime, Execution_ProcessID, Execution_ThreadID,
#   Security_UserID               EVTX only: System values the JSON line does
#                                 not carry, filled in by evtxgen as Sysmon
#                                 writes them
#   Provider_Name, EventRecordID  EVTX only when the line lacks them
#                                 (evtxgen supplies Sysmon's and the next number)
#   @kind                         when the line lacks Provider_Name: the
#                                 supplied Sysmon provider classifies it
#   @timestamp                    when the line has no time: an EVTX record
#                                 always has one (evtxgen keeps the last)
#   field order                   EVTX puts <System> first; the EventData
#                                 fields must keep the line's order
# Hits are compared whole, less the evidence's source and offset, on the
# lines that lack none of the System fields and UtcTime (the others are
# classified or timed differently, as said above, and so hit differently).
# Rules: ../shared/data/sigma when present, else the bundled pack.
# usage: evtx-jsonl.sh WHITEHAWK SRCDIR
set -euo pipefail
wh=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(cd "$2" && pwd)
gen=$(dirname "$wh")/evtxgen
[ -x "$gen" ] || { echo "no evtxgen beside $wh"; exit 77; }
command -v python3 >/dev/null || { echo "python3 missing"; exit 77; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
cd "$t"
fail() { echo "FAIL: $*"; exit 1; }

# 400 generated lines, then lines with what the generator never writes:
# escapes of every kind, raw UTF-8, null, empty, true/false, numbers of
# other forms, System fields missing, a non-Sysmon provider, a CRLF end.
python3 "$src/bench/hunt/gen-sysmon.py" 400 ev.jsonl 11
cat >>ev.jsonl <<'EOF'
{"EventID":1,"Computer":"WS-X.corp.example","Channel":"Microsoft-Windows-Sysmon/Operational","Provider_Name":"Microsoft-Windows-Sysmon","EventRecordID":5000,"RuleName":"technique_id=T1059,technique_name=Command and Scripting Interpreter","UtcTime":"2026-03-02 18:00:00.001","Image":"C:\\Users\\j\u00fcrgen\\AppData\\Local\\Temp\\x.exe","CommandLine":"cmd.exe /c \"echo a\tb\" \/q \ud83d\ude00 \ud800 lone \u0000 nul\nnext line","Description":"caf\u00e9 – ünïcode ☃ 😀","Company":"","ParentImage":null,"TerminalSessionId":-1,"IntegrityLevel":1.5e3,"Signed":true,"FileVersion":false,"ProcessGuid":"{abcdef00-1111-2222-3333-444444444444}","ProcessId":"0012","LogonId":"0X1F","ParentProcessId":4294967296,"Initiated":"True","GrantedAccess":"0x001","LogonGuid":null,"SourcePort":65535,"DestinationPort":"65536"}
{"EventID":"11","EventRecordID":"5001","UtcTime":"2026-03-02T18:00:01.5Z","Image":"C:\\Windows\\System32\\cmd.exe","TargetFilename":"C:\\Users\\Public\\evil.ps1"}
{"EventID":4688,"Computer":"DC01.corp.example","Channel":"Security","Provider_Name":"Microsoft-Windows-Security-Auditing","EventRecordID":5002,"NewProcessName":"C:\\Windows\\System32\\whoami.exe","CommandLine":"whoami /all","ParentProcessName":"C:\\Windows\\System32\\cmd.exe"}
{"EventID":3,"Computer":"WS-X.corp.example","Channel":"Microsoft-Windows-Sysmon/Operational","EventRecordID":5003,"UtcTime":"2026-03-02 18:00:02.000","Image":"C:\\Windows\\System32\\rundll32.exe","DestinationIp":"203.0.113.7","DestinationPort":4444,"Initiated":"true"}
EOF
printf '{"EventID":22,"Computer":"WS-X.corp.example","EventRecordID":5004,"UtcTime":"2026-03-02 18:00:03.000","QueryName":"x.example"}\r\n' >>ev.jsonl
lines=$(wc -l <ev.jsonl)
"$wh" events ev.jsonl >json.txt 2>json.err
grep -q ": $lines events, 0 bad records" json.err || fail "JSON reader: $(cat json.err)"

for form in sysmon strings; do
opt=(); [ $form = strings ] && opt=(--strings)
"$gen" --from-jsonl ev.jsonl "${opt[@]}" ev.evtx 2>gen.txt || fail "evtxgen: $(cat gen.txt)"
grep -q "$lines records written, 0 bad lines skipped" gen.txt || fail "evtxgen: $(cat gen.txt)"
"$wh" events ev.evtx >evtx.txt 2>evtx.err
grep -q ": $lines events, 0 bad records" evtx.err || fail "EVTX reader ($form): $(cat evtx.err)"

echo -n "$form: "
python3 - json.txt evtx.txt <<'EOF' || fail "events differ ($form)"
import json, sys
where = {"@format", "@source", "@offset"}
evtx_only = {"Provider_Guid", "Version", "Level", "Task", "Opcode", "Keywords", "TimeCreated_SystemTime",
             "Execution_ProcessID", "Execution_ThreadID", "Security_UserID"}
supplied = {"Provider_Name", "EventRecordID"}
system = {"EventID", "Computer", "Channel"} | supplied
a = [json.loads(l) for l in open(sys.argv[1])]
b = [json.loads(l) for l in open(sys.argv[2])]
bad = 0
for n, (x, y) in enumerate(zip(a, b), 1):
    why = []
    for k in sorted(set(x) | set(y)):
        if k in where or (k in evtx_only and k not in x) or (k in supplied and k not in x):
            continue
        if (k == "@kind" and "Provider_Name" not in x) or (k == "@timestamp" and x.get(k) is None):
            continue
        if x.get(k) != y.get(k):
            why.append("%s: JSON %r, EVTX %r" % (k, x.get(k), y.get(k)))
    order_x = [k for k in x if k[0] != "@" and k not in system]
    order_y = [k for k in y if k[0] != "@" and k not in system and k not in evtx_only]
    if order_x != order_y:
        why.append("EventData order: JSON %s, EVTX %s" % (order_x, order_y))
    if why:
        bad += 1
        if bad <= 5:
            print("event %d (record %s): %s" % (n, x.get("@record"), "; ".join(why)))
if len(a) != len(b):
    print("%d events from JSON, %d from EVTX" % (len(a), len(b)))
    bad += 1
print("%d events compared, %d differ" % (len(a), bad))
sys.exit(1 if bad else 0)
EOF

# The special lines gave what they should (the comparison alone would pass
# if both readers lost the same thing).
python3 - evtx.txt <<'EOF' || fail "special lines"
import json, sys
ev = {e["@record"]: e for e in map(json.loads, open(sys.argv[1]))}
e = ev[5000]
assert e["Image"] == "C:\\Users\\jürgen\\AppData\\Local\\Temp\\x.exe", e["Image"]
assert e["CommandLine"] == 'cmd.exe /c "echo a\tb" /q 😀 \ufffd lone \ufffd nul\nnext line', repr(e["CommandLine"])
assert e["Company"] == "" and "ParentImage" not in e and "LogonGuid" not in e, e
assert (e["ProcessGuid"], e["ProcessId"], e["LogonId"], e["ParentProcessId"]) == (
    "{abcdef00-1111-2222-3333-444444444444}", "0012", "0X1F", "4294967296"), e
assert (e["Initiated"], e["GrantedAccess"], e["SourcePort"], e["DestinationPort"]) == ("True", "0x001", "65535", "65536"), e
assert (e["TerminalSessionId"], e["IntegrityLevel"], e["Signed"], e["FileVersion"]) == ("-1", "1.5e3", "true", "false"), e
e = ev[5001]
assert e["Provider_Name"] == "Microsoft-Windows-Sysmon" and e["@timestamp"] == "2026-03-02T18:00:01.500Z", e
assert "Computer" not in e and "Channel" not in e, e
e = ev[5002]
assert e["Provider_Name"] == "Microsoft-Windows-Security-Auditing" and "Provider_Guid" not in e, e
assert ev[5004]["QueryName"] == "x.example", ev[5004]
EOF
done

# The same hits.
python3 -c '
import json, sys
need = ("EventID", "Computer", "Channel", "Provider_Name", "EventRecordID", "UtcTime")
for l in open("ev.jsonl"):
    if all(k in json.loads(l) for k in need):
        sys.stdout.write(l)' >full.jsonl
[ "$(wc -l <full.jsonl)" -gt 400 ] || fail "the complete lines are missing"
if [ -d "$src/../shared/data/sigma/rules" ]; then
    s="$src/../shared/data/sigma"
    rules=(--rules "$s/rules" --rules "$s/rules-emerging-threats" --rules "$s/rules-threat-hunting")
else
    rules=(--rules "$src/rules")
fi
"$wh" hunt -q --json "${rules[@]}" full.jsonl >hits-json.txt || fail "hunt on JSON lines"
for form in sysmon strings; do
opt=(); [ $form = strings ] && opt=(--strings)
"$gen" --from-jsonl full.jsonl "${opt[@]}" full.evtx 2>gen.txt || fail "evtxgen: $(cat gen.txt)"
"$wh" hunt -q --json "${rules[@]}" full.evtx >hits-evtx.txt || fail "hunt on EVTX ($form)"
echo -n "$form: "
python3 - hits-json.txt hits-evtx.txt <<'EOF' || fail "hits differ ($form)"
import json, sys
def load(p):
    out = []
    for l in open(p):
        h = json.loads(l)
        for e in h.get("evidence", []):
            e.pop("source", None); e.pop("offset", None)
        out.append(json.dumps(h, sort_keys=True))
    return sorted(out)
a, b = load(sys.argv[1]), load(sys.argv[2])
if not a:
    print("no hits at all: nothing compared"); sys.exit(1)
only_a = sorted(set(a) - set(b)); only_b = sorted(set(b) - set(a))
for h in only_a[:3]: print("only on JSON:", h[:300])
for h in only_b[:3]: print("only on EVTX:", h[:300])
print("%d hits on JSON lines, %d on EVTX" % (len(a), len(b)))
sys.exit(1 if a != b else 0)
EOF
done

# Bad lines: reported with their number, skipped; the good ones written.
printf '%s\n' '{"EventID":1,"Image":"a.exe"}' '{"EventID":1,"Image":{"nested":1}}' '' 'not json' \
    '{"EventID":1,"Image":"a.exe"} trailing' '{"Image":"no id"}' '{"EventID":70000}' '{"EventID":1,"Image":"cut' \
    '{"EventID":1,"EventID":2}' '{"EventID":1,"Bad":"\x"}' '{"EventID":1,"N":01}' '{"EventID":3,"Image":"b.exe"}' >bad.jsonl
printf '{"EventID":1,"Image":"\xff\xfe"}\n{"EventID":1,"Image":"c\x01"}\n' >>bad.jsonl
"$gen" --from-jsonl bad.jsonl bad.evtx 2>bad.err || fail "evtxgen on bad lines: $(cat bad.err)"
for n in 2 4 5 6 7 8 9 10 11 13 14; do
    grep -q "bad.jsonl: line $n: " bad.err || fail "line $n not reported: $(cat bad.err)"
done
grep -q "2 records written, 11 bad lines skipped" bad.err || fail "bad lines: $(cat bad.err)"
[ "$("$wh" events --count bad.evtx 2>/dev/null)" = 2 ] || fail "bad.evtx does not hold the 2 good lines"
echo "ok: $lines events and $(wc -l <hits-json.txt) hits the same from JSON lines and EVTX"

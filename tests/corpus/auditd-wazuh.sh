#!/usr/bin/env bash
# Corpus test: every auditd line in the Wazuh ruleset tests
# (../shared/data/auditd/wazuh-ruleset-tests/*.ini, "log N pass|fail = LINE")
# becomes part of an event. Each line goes to a file of its own (the .ini
# files reuse serials across unrelated lines), and for each file the records
# in (type=... msg=audit(T:SERIAL) headers) must come out as events: one per
# serial, whose "type" fields account for every record, with nothing skipped.
# usage: auditd-wazuh.sh WHITEHAWK REPO
set -euo pipefail
wh=$1 repo=$2
data="$repo/../shared/data/auditd/wazuh-ruleset-tests"
[ -d "$data" ] || { echo "skip: $data absent"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
for ini in "$data"/*.ini; do
    while IFS= read -r line; do
        n=$((n + 1))
        printf '%s\n' "$line" >"$tmp/line$(printf %04d $n).log"
    done < <(grep -E '^log [0-9]+ (pass|fail) = ' "$ini" | sed -E 's/^log [0-9]+ (pass|fail) = //')
done
[ "$n" -gt 0 ] || { echo "FAIL: no auditd lines found in $data"; exit 1; }
"$wh" events --json "$tmp" >"$tmp/out.json" 2>"$tmp/err.txt" || { cat "$tmp/err.txt"; exit 1; }
python3 - "$tmp" <<'PY'
import collections, glob, json, os, re, sys
tmp = sys.argv[1]
hdr = re.compile(r'(?:^|\s)type=([A-Z0-9_]+)\s+(?:msg=)?audit\(([0-9.]+):([0-9]+)\)')
events = collections.defaultdict(list)
for l in open(os.path.join(tmp, "out.json")):
    e = json.loads(l)
    events[os.path.basename(e["@source"])].append(e)
bad = 0
lines = sorted(glob.glob(os.path.join(tmp, "line*.log")))
for path in lines:
    name = os.path.basename(path)
    text = open(path, encoding="utf-8", errors="replace").read()
    recs = hdr.findall(text)
    want = collections.Counter(s for _, _, s in recs if _ != "EOE")
    got = events.get(name, [])
    if not recs:
        print(f"FAIL {name}: no audit record header in the line"); bad += 1; continue
    serials = collections.Counter(str(e["@record"]) for e in got)
    if set(serials) != set(want) or any(v != 1 for v in serials.values()):
        print(f"FAIL {name}: serials in {dict(want)} but events {dict(serials)}"); bad += 1; continue
    for e in got:
        types = e.get("type", [])
        types = types if isinstance(types, list) else [types]
        if e["@format"] != "auditd" or len(types) != want[str(e["@record"])]:
            print(f"FAIL {name}: event {e['@record']} holds {len(types)} records, "
                  f"the line {want[str(e['@record'])]}"); bad += 1
        if e["@timestamp"] is None:
            print(f"FAIL {name}: event {e['@record']} has no time"); bad += 1
print(f"{len(lines)} lines, {sum(len(v) for v in events.values())} events, {bad} failures")
sys.exit(1 if bad else 0)
PY
if grep -q 'offset' "$tmp/err.txt" || ! grep -q ' 0 bad records' "$tmp/err.txt"; then
    echo "FAIL: records were reported as bad:"; cat "$tmp/err.txt"; exit 1
fi

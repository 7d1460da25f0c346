#!/usr/bin/env bash
# Each Sigma regression sample comes as an EVTX file and its JSON export
# (made by another EVTX parser). whitehawk reads both, through its EVTX and
# its JSON reader, and every event must come out the same: same header,
# same field names, same values. Three things the exporter does
# differently are allowed for, and only these: it prints FILETIMEs to the
# microsecond (EVTX has 100 ns), GUIDs without braces, and trims trailing
# spaces from strings.
# usage: evtx-json.sh WHITEHAWK SRCDIR
set -euo pipefail
wh=$1 src=$2
reg=$src/../shared/data/sigma/regression
[ -d "$reg" ] || { echo "no $reg"; exit 77; }
exec python3 - "$wh" "$reg" <<'PY'
import json, os, re, subprocess, sys
wh, reg = sys.argv[1], sys.argv[2]
FT = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6})\d{3}Z$")
GUID = re.compile(r"^\{([0-9A-Fa-f-]{36})\}$")

def norm(v):
    if isinstance(v, list):
        return [norm(x) for x in v]
    m = FT.match(v)
    if m:
        return m.group(1) + "Z"
    m = GUID.match(v)
    if m:
        return m.group(1)
    return v.rstrip(" ")

def events(path):
    p = subprocess.run([wh, "events", "-q", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return [json.loads(l) for l in p.stdout.decode().splitlines()]

problems, n, samples = [], 0, 0
for d in sorted(os.listdir(reg)):
    e, j = os.path.join(reg, d, "sample.evtx"), os.path.join(reg, d, "sample.json")
    if not (os.path.exists(e) and os.path.exists(j)):
        continue
    samples += 1
    a, b = events(e), events(j)
    if len(a) != len(b) or not a:
        problems.append("%s: %d events from EVTX, %d from JSON" % (d, len(a), len(b)))
        continue
    for x, y in zip(a, b):
        n += 1
        for k in ("@source", "@offset", "@format"):
            x.pop(k, None)
            y.pop(k, None)
        for k in sorted(set(x) | set(y)):
            vx, vy = x.get(k), y.get(k)
            if k.startswith("@"):
                same = vx == vy
            else:
                same = vx is not None and vy is not None and norm(vx) == norm(vy)
            if not same:
                problems.append("%s: record %s: %s: EVTX %r, JSON %r" % (d, x.get("@record"), k, vx, vy))
for p in problems[:40]:
    print(p)
print("evtx-json: %d samples, %d events compared, %d problems" % (samples, n, len(problems)))
sys.exit(1 if problems or samples == 0 else 0)
PY

#!/usr/bin/env bash
# Corpus test: the auditd log inside OTRF's sh_binary_padding_dd.zip is read
# straight from the zip as auditd, with no record skipped: every record of
# the log ends up in the event of its serial, and an execve event maps to a
# process start whose Image and CommandLine are the log's exe and arguments.
# usage: auditd-otrf.sh WHITEHAWK REPO
set -euo pipefail
wh=$1 repo=$2
zip="$repo/../shared/data/otrf/sh_binary_padding_dd.zip"
[ -f "$zip" ] || { echo "skip: $zip absent"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$wh" events --json "$zip" >"$tmp/out.json" 2>"$tmp/err.txt" || { cat "$tmp/err.txt"; exit 1; }
if ! grep -q ' 0 bad records' "$tmp/err.txt" || grep -q 'offset' "$tmp/err.txt"; then
    echo "FAIL: records skipped:"; cat "$tmp/err.txt"; exit 1
fi
python3 - "$zip" "$tmp/out.json" <<'PY'
import collections, json, re, shlex, sys, zipfile
zf, out = sys.argv[1], sys.argv[2]
hdr = re.compile(r'type=([A-Z0-9_]+) msg=audit\(([0-9.]+):([0-9]+)\):(.*)')
want = collections.Counter()
execs = {}
logs = 0
with zipfile.ZipFile(zf) as z:
    for m in z.namelist():
        if m.startswith("__MACOSX/") or not m.endswith(".log"):
            continue
        logs += 1
        for line in z.read(m).decode("utf-8", "replace").splitlines():
            if not line.strip():
                continue
            h = hdr.search(line)
            if not h:
                sys.exit(f"FAIL: {m}: a line the test cannot parse: {line[:80]}")
            if h.group(1) != "EOE":
                want[h.group(3)] += 1
            if h.group(1) == "SYSCALL" and " syscall=59 " in line:
                execs[h.group(3)] = re.search(r' exe="([^"]*)"', line).group(1)
            if h.group(1) == "EXECVE":
                args = re.findall(r' a[0-9]+="([^"]*)"', line)
                execs[h.group(3) + "/args"] = " ".join(args)
if not logs or not want:
    sys.exit("FAIL: no auditd log in the zip")
got = collections.Counter()
bad = 0
for l in open(out):
    e = json.loads(l)
    if e["@format"] != "auditd":
        print("FAIL: event not read as auditd:", e["@format"]); bad += 1; continue
    t = e["type"] if isinstance(e["type"], list) else [e["type"]]
    s = str(e["@record"])
    got[s] += len(t)
    if s in execs:
        if e["@kind"] != "process_start" or e.get("Image") != execs[s] or \
           e.get("CommandLine") != execs.get(s + "/args"):
            print("FAIL: execve event", s, "as", e["@kind"], e.get("Image"), e.get("CommandLine")); bad += 1
if got != want:
    print("FAIL: records per serial in the log", dict(want), "in events", dict(got)); bad += 1
print(f"{sum(want.values())} records, {len(got)} events, {len(execs) // 2 if execs else 0} execve, {bad} failures")
sys.exit(1 if bad else 0)
PY

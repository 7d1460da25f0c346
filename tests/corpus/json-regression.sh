#!/usr/bin/env bash
# Corpus test: every Sigma regression sample.json (the EVTX-to-JSON shape with
# #attributes, pretty-printed, one or more documents each) is read with no
# record skipped: whitehawk's events per file must equal the documents that
# Python's own JSON decoder finds in it, each event must have its event id,
# time, host and channel, every file must be recognised as JSON by sniffing,
# and nothing may be reported broken.
# usage: json-regression.sh WHITEHAWK REPO
set -uo pipefail
wh=$1 repo=$2
reg=$repo/../shared/data/sigma/regression
[ -d "$reg" ] || { echo "skip: $reg absent"; exit 77; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
"$wh" events "$reg"/*/sample.json >"$t/out.json" 2>"$t/err"
rc=$?
exec python3 - "$reg" "$t/out.json" "$t/err" "$rc" <<'PY'
import collections, glob, json, os, sys
reg, out, err, rc = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
fail = 0
want = {}
dec = json.JSONDecoder()
for f in sorted(glob.glob(os.path.join(reg, "*", "sample.json"))):
    text = open(f, encoding="utf-8-sig").read()
    i, n = 0, 0
    while True:
        while i < len(text) and text[i] in " \t\r\n,":
            i += 1
        if i >= len(text):
            break
        doc, i = dec.raw_decode(text, i)
        # a file that is one JSON array holds its events as elements
        n += len(doc) if isinstance(doc, list) else 1
    want[f] = n
got = collections.Counter()
for line in open(out, encoding="utf-8"):
    e = json.loads(line)
    got[e["@source"]] += 1
    missing = [k for k in ("@event_id", "@timestamp", "@host") if e.get(k) in (None, "", -1)]
    if missing or not (e.get("@channel") or e.get("Channel")):
        print("FAIL: %s offset %s: no %s" % (e["@source"], e["@offset"], missing or "channel"))
        fail = 1
for f, n in want.items():
    if got.get(f, 0) != n:
        print("FAIL: %s: %d events, %d documents" % (f, got.get(f, 0), n))
        fail = 1
errtext = open(err).read()
summary = [l for l in errtext.splitlines() if l.startswith("whitehawk: read ")]
print("%d files, %d documents; %s" % (len(want), sum(want.values()), summary[0] if summary else "no summary"))
if rc != 0 or not summary or " 0 bad records skipped" not in summary[0] or "unreadable" in summary[0] \
        or "(json %d)" % len(want) not in summary[0]:
    print("FAIL: exit status %d, messages:\n%s" % (rc, errtext[:2000]))
    fail = 1
other = [l for l in errtext.splitlines() if not l.startswith("whitehawk: read ")]
if other:
    print("FAIL: messages beside the summary:", *other[:10], sep="\n  ")
    fail = 1
if not fail:
    print("ok: every regression sample.json read, no record skipped")
sys.exit(fail)
PY

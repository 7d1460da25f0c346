#!/usr/bin/env bash
# EVTX end to end, on files written by our own tools/evtxgen: every event
# shape against an expected output kept beside this script, the same output
# whatever -j, damaged files (bad chunk signature, bad checksum, slack
# records, a broken record, a dirty or missing header, a cut-short file, a
# bare chunk), --carve and --strict, and an EVTX file inside a zip.
# usage: evtx.sh WHITEHAWK SRCDIR
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
count() { "$wh" events --count -q "$@"; }
# Events without where they came from, to compare files that differ in layout.
fields() { python3 -c '
import json, sys
for l in sys.stdin:
    e = json.loads(l)
    for k in ("@source", "@offset"):
        e.pop(k, None)
    print(json.dumps(e, sort_keys=True))'; }

# 1. Every shape the reader handles, field by field.
"$gen" -k sample -n 24 sample.evtx
"$wh" events sample.evtx >got.jsonl 2>err.txt
diff -u "$src/tests/e2e/evtx/sample.jsonl" got.jsonl || fail "sample.evtx: output differs from tests/e2e/evtx/sample.jsonl"
grep -q ': 24 events, 0 bad records skipped' err.txt || fail "sample.evtx: summary: $(cat err.txt)"

# 2. Elements without dependency ids read the same.
"$gen" -k sample -n 24 --no-dep-ids nodep.evtx
"$wh" events -q nodep.evtx | fields >a.txt
fields <got.jsonl >b.txt
cmp -s a.txt b.txt || fail "--no-dep-ids changes the events"
# Records without templates: every event is read, nothing reported.
"$gen" -k sample -n 24 --plain plain.evtx
[ "$("$wh" events --count plain.evtx 2>err.txt)" = 24 ] || fail "plain records: $(cat err.txt)"
grep -q '0 bad records' err.txt || fail "plain records: $(cat err.txt)"

# 3. The same output whatever the number of threads.
"$gen" -k mixed -n 3000 -s 7 mixed.evtx
"$wh" events -q mixed.evtx >j1.jsonl
[ "$(wc -l <j1.jsonl)" = 3000 ] || fail "mixed.evtx: $(wc -l <j1.jsonl) events, 3000 written"
for j in 2 3 8; do
    "$wh" events -q -j "$j" mixed.evtx >j.jsonl
    cmp -s j1.jsonl j.jsonl || fail "-j $j gives other output than -j 1"
done

# Records per chunk of the clean file, from the events' offsets.
python3 -c '
import json, collections
c = collections.Counter((json.loads(l)["@offset"] - 4096) // 65536 for l in open("j1.jsonl"))
print(" ".join(str(c[i]) for i in range(max(c) + 1)))' >per-chunk.txt
read -r -a per <per-chunk.txt
[ "${#per[@]}" -ge 6 ] || fail "mixed.evtx has ${#per[@]} chunks, the damage tests need 6"

# 4. Damage: chunk 1 loses its signature, chunk 2 its checksum, chunk 3
# keeps its last two records in slack space, chunk 4 has a broken record.
"$gen" -k mixed -n 3000 -s 7 --damage 1:bad-magic --damage 2:bad-crc --damage 3:slack \
    --damage 4:bad-record dmg.evtx
want=$((3000 - per[1] - per[2] - 2 - 1))
got=$("$wh" events --count dmg.evtx 2>err.txt) || true
[ "$got" = "$want" ] || fail "damaged file: $got events, want $want"
grep -q "dmg.evtx: offset $((4096 + 65536)): chunk skipped: no chunk signature" err.txt || fail "bad magic not reported: $(cat err.txt)"
grep -q "dmg.evtx: offset $((4096 + 2 * 65536)): chunk skipped: chunk records checksum mismatch" err.txt || fail "bad checksum not reported"
off=$(sed -n 's/^whitehawk: dmg.evtx: offset \([0-9]*\): record [0-9]* skipped: template definition offset outside the records.*/\1/p' err.txt)
[ -n "$off" ] && [ "$off" -gt $((4096 + 4 * 65536)) ] && [ "$off" -lt $((4096 + 5 * 65536)) ] ||
    fail "broken record in chunk 4 not reported: $(cat err.txt)"
grep -q ": $want events, 3 bad records skipped" err.txt || fail "damaged file summary: $(tail -1 err.txt)"
# --carve gets back everything but the broken record, and nothing else.
got=$(count --carve dmg.evtx)
[ "$got" = 2999 ] || fail "--carve: $got events, want 2999"
# What is read is read right: the damaged file's events are the clean file's.
"$wh" events -q dmg.evtx | fields >a.txt
fields <j1.jsonl >b.txt
python3 -c '
import sys
a = open("a.txt").read().splitlines(); b = set(open("b.txt").read().splitlines())
sys.exit(0 if all(x in b for x in a) else 1)' || fail "damaged file: an event differs from the clean file"
# --strict stops at the first damage with status 2.
set +e
"$wh" events --count --strict dmg.evtx >/dev/null 2>&1
rc=$?
set -e
[ "$rc" = 2 ] || fail "--strict: exit status $rc"

# 5. A dirty header (as a live log leaves it) changes nothing.
"$gen" -k mixed -n 3000 -s 7 --dirty dirty.evtx
"$wh" events -q dirty.evtx | fields >a.txt
cmp -s a.txt b.txt || fail "dirty header changes the events"

# A header never written (zeros): the chunks after it are found and read.
cp mixed.evtx nohdr.evtx
dd if=/dev/zero of=nohdr.evtx bs=4096 count=1 conv=notrunc status=none
"$wh" events nohdr.evtx 2>err.txt | fields >a.txt
cmp -s a.txt b.txt || fail "a file without header reads differently"
grep -q "nohdr.evtx: offset 0: no EVTX file header" err.txt || fail "missing header not noted: $(cat err.txt)"

# 6. A bare chunk, as carving tools leave them.
dd if=mixed.evtx of=bare.bin bs=4096 skip=1 count=16 status=none
[ "$(count bare.bin)" = "${per[0]}" ] || fail "bare chunk: $(count bare.bin) events, want ${per[0]}"

# 7. A file cut short inside its third chunk: the first two are read, the
# cut is reported, and --carve recovers the whole records of the third.
head -c $((4096 + 2 * 65536 + 30000)) mixed.evtx >cut.evtx
got=$("$wh" events --count cut.evtx 2>err.txt) || true
[ "$got" = $((per[0] + per[1])) ] || fail "cut file: $got events"
grep -q "cut.evtx: offset $((4096 + 2 * 65536)): last chunk cut short" err.txt || fail "cut not reported: $(cat err.txt)"
got=$(count --carve cut.evtx)
[ "$got" -gt $((per[0] + per[1])) ] && [ "$got" -lt $((per[0] + per[1] + per[2])) ] || fail "cut file --carve: $got events"

# 8. Inside a zip (read as a stream, not mapped): the same events.
python3 -c 'import zipfile; z = zipfile.ZipFile("logs.zip", "w", zipfile.ZIP_DEFLATED); z.write("sample.evtx"); z.close()'
"$wh" events -q logs.zip | fields >a.txt
cmp -s a.txt <(fields <got.jsonl) || fail "sample.evtx inside a zip reads differently"
grep -q '"@source":"logs.zip:sample.evtx"' <("$wh" events -q logs.zip) || fail "zip member name"
echo "evtx e2e: ok"

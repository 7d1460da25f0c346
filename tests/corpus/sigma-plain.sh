#!/usr/bin/env bash
# The compiled matcher against the plain one (hunt --plain evaluates every
# rule leaf by leaf, without the memo, the scans or the trigger literals):
# with every rule of ../shared/data/sigma loaded, both must give the same
# JSON output, byte for byte, on the regression samples, every EVTX file of
# ../shared/data/evtx, the OTRF data sets and 20,000 generated Sysmon events (whose
# values repeat, so the memo replays most of them).
set -uo pipefail
wh=$1 repo=$2
data="$repo/../shared/data"
[ -d "$data/sigma/rules" ] || { echo "skip: $data/sigma absent"; exit 77; }
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
rules=(--rules "$data/sigma/rules" --rules "$data/sigma/rules-emerging-threats" --rules "$data/sigma/rules-threat-hunting")
python3 "$repo/bench/hunt/gen-sysmon.py" 20000 "$out/generated.jsonl"

status=0
compare() {   # $1 a name, then the inputs
    local name=$1; shift
    local inputs=()
    for p in "$@"; do [ -e "$p" ] && inputs+=("$p"); done
    if [ ${#inputs[@]} -eq 0 ]; then echo "$name: absent, skipped"; return; fi
    "$wh" hunt -q --json "${rules[@]}" "${inputs[@]}" >"$out/$name.compiled" 2>"$out/$name.err1"
    local rc1=$?
    "$wh" hunt -q --json --plain "${rules[@]}" "${inputs[@]}" >"$out/$name.plain" 2>"$out/$name.err2"
    local rc2=$?
    if [ $rc1 -ne 0 ] || [ $rc2 -ne 0 ]; then
        echo "FAIL: $name: hunt exited $rc1 (compiled) and $rc2 (plain)"; cat "$out/$name.err1" "$out/$name.err2"
        status=1; return
    fi
    local n; n=$(wc -l <"$out/$name.compiled")
    if cmp -s "$out/$name.compiled" "$out/$name.plain"; then
        echo "$name: the same $n hits"
        [ "$n" -gt 0 ] || { echo "FAIL: $name: no hits at all, nothing compared"; status=1; }
    else
        echo "FAIL: $name: the compiled matcher gives $n hits, the plain one $(wc -l <"$out/$name.plain"); they differ in:"
        diff <(jq -r '[.time, .id, .evidence[0].source, .evidence[0].offset] | @tsv' "$out/$name.compiled" | sort) \
             <(jq -r '[.time, .id, .evidence[0].source, .evidence[0].offset] | @tsv' "$out/$name.plain" | sort) | head -20
        status=1
    fi
}
compare regression "$data/sigma/regression"
compare evtx "$data/evtx"
compare otrf "$data/otrf"
compare generated "$out/generated.jsonl"
exit $status

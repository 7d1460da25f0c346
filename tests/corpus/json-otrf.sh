#!/usr/bin/env bash
# Corpus test: all 59 OTRF Security-Datasets zips are read straight from the
# zips with no record skipped. The JSON events of every .json member must
# number exactly the member's JSON lines, counted here independently with
# unzip; every __MACOSX member must be named in the summary as passed over;
# nothing may be reported broken or unreadable. The auditd log inside
# sh_binary_padding_dd.zip is the auditd reader's (tests/corpus/auditd-otrf.sh):
# here it may be read as auditd or passed over, but never count as broken.
# usage: json-otrf.sh WHITEHAWK REPO
set -uo pipefail
wh=$1 repo=$2
otrf=$repo/../shared/data/otrf
[ -d "$otrf" ] || { echo "skip: $otrf absent"; exit 77; }
command -v unzip >/dev/null || { echo "skip: needs unzip"; exit 77; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail=0

# What the zips hold, counted without whitehawk: "zip:member lines" per .json
# member, the __MACOSX members, and the other members.
want_total=0 nzip=0
: >"$t/want" ; : >"$t/macosx" ; : >"$t/other"
for z in "$otrf"/*.zip; do
    nzip=$((nzip + 1))
    while IFS= read -r m; do
        case $m in
        */) ;;
        __MACOSX/*) echo "$z:$m" >>"$t/macosx" ;;
        *.json)
            n=$(unzip -p "$z" "$m" | grep -c '[^[:space:]]')
            echo "$z:$m $n" >>"$t/want"
            want_total=$((want_total + n))
            ;;
        *) echo "$z:$m" >>"$t/other" ;;
        esac
    done < <(unzip -Z1 "$z")
done
echo "$nzip zips: $(wc -l <"$t/want") JSON members with $want_total lines, $(wc -l <"$t/macosx") __MACOSX members, $(wc -l <"$t/other") other members"

"$wh" events "$otrf" >"$t/out.json" 2>"$t/err"
rc=$?
[ $rc = 0 ] || { echo "FAIL: exit status $rc"; fail=1; }
# Events per source, by the reader that read them.
grep -o '"@format":"[a-z]*","@source":"[^"]*"' "$t/out.json" |
    sed -E 's/"@format":"([a-z]*)","@source":"(.*)"/\1 \2/' | sort | uniq -c |
    awk '{print $2, $3, $1}' >"$t/got"
awk '$1 == "json" {print $2, $3}' "$t/got" | sort >"$t/got_json"
sort "$t/want" >"$t/want_sorted"
if ! diff "$t/want_sorted" "$t/got_json" >"$t/diff"; then
    echo "FAIL: JSON events per member differ from the lines unzip counts (< unzip, > whitehawk):"
    head -20 "$t/diff"
    fail=1
fi
got_total=$(awk '{s += $2} END {print s + 0}' "$t/got_json")
echo "whitehawk: $got_total JSON events (unzip: $want_total lines)"
[ "$got_total" = "$want_total" ] || fail=1

summary=$(grep '^whitehawk: read ' "$t/err")
echo "$summary"
grep -q ' 0 bad records skipped' <<<"$summary" || { echo "FAIL: records skipped"; fail=1; }
grep -q 'unreadable' <<<"$summary" && { echo "FAIL: inputs unreadable"; fail=1; }
if grep -v -e '^whitehawk: read ' -e '^whitehawk: passed over ' -e '^  ' "$t/err" | grep -q .; then
    echo "FAIL: messages beside the summary:"
    grep -v -e '^whitehawk: read ' -e '^whitehawk: passed over ' -e '^  ' "$t/err" | head
    fail=1
fi
while IFS= read -r m; do
    grep -qxF "  $m (macOS metadata)" "$t/err" || { echo "FAIL: not named as passed over: $m"; fail=1; }
done <"$t/macosx"
# Members that are neither JSON nor macOS metadata (the auditd log): read by
# some reader, or named as passed over; either way not broken (checked above).
while IFS= read -r m; do
    if grep -q " $m " "$t/got"; then
        echo "other member read as $(awk -v m="$m" '$2 == m {print $1 " (" $3 " events)"}' "$t/got"): $m"
    elif grep -qF "  $m (" "$t/err"; then
        echo "other member passed over: $m"
    else
        echo "FAIL: member neither read nor passed over: $m"
        fail=1
    fi
done <"$t/other"
[ $fail = 0 ] && echo "ok: every OTRF JSON line read, $(wc -l <"$t/macosx") macOS members passed over, nothing broken"
exit $fail

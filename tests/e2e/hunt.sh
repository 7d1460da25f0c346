#!/usr/bin/env bash
# whitehawk hunt and whitehawk rules, end to end: the bundled rule pack on
# the example incident, the Security-log mapping, filters, tuning,
# correlations, exit statuses, bad rules, and `rules update` against a local
# git repository (never the network).
set -uo pipefail
wh=$1 src=$2
d="$src/tests/e2e/hunt"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }

EXEC_TEMP=b4f358b9-9939-41ec-84b5-c72531c4f677
DOUBLE_EXT=47bbfe97-1aeb-4084-b8d4-c17866ac7e17
DOUBLE_FILE=24b3aae4-b30c-4c96-a8fc-387ce6197812
UNSIGNED=fcd15a0a-1c72-49ae-ad82-423998898bd7
OFFICE=298805c1-7c0f-47b2-913e-add636b3a4d2
inc="$src/examples/incident-01"

if [ -d "$inc" ]; then
    "$wh" hunt -q --json --rules "$src/rules" "$inc" >"$tmp/inc.json"; rc=$?
    [ $rc = 0 ] || bad "incident: exit $rc"
    has() {   # rule-id jq-condition-on-details label
        if jq -se --arg id "$1" "[.[] | select(.id == \$id) | select($2)] | length > 0" "$tmp/inc.json" >/dev/null; then ok "$3"; else bad "$3"; fi
    }
    has $DOUBLE_FILE '.details.TargetFilename | endswith("\\Downloads\\invoice.pdf______________.exe")' \
        "incident: Outlook writes invoice.pdf______________.exe"
    has $DOUBLE_EXT '.details.Image | endswith("\\Downloads\\invoice.pdf______________.exe")' \
        "incident: the dropper with a padded double extension starts"
    has $EXEC_TEMP '.details.Image | endswith("\\Downloads\\invoice.pdf______________.exe")' \
        "incident: the dropper runs from Downloads"
    has $EXEC_TEMP '.details.Image | endswith("\\AppData\\Local\\Temp\\svchost.exe")' \
        "incident: svchost.exe runs from the user's Temp"
    has $UNSIGNED '(.details.ImageLoaded | endswith("\\AppData\\Local\\Temp\\svchost.exe")) and .details.Company == "Adobe Systems Incorporated" and .host == "WS-FIN-07.corp.example"' \
        "incident: unsigned image claiming Adobe on WS-FIN-07"
    has $UNSIGNED '.host == "FS-01.corp.example"' "incident: the same fake Adobe on FS-01"
    # the traps: the developer's unsigned build and the signed installers are not hits
    if jq -se '[.[] | select((.details.Image // "") | test("ledger-sync|msiexec|notepad\\+\\+|GoogleUpdate"; "i"))] | length > 0' "$tmp/inc.json" >/dev/null; then
        bad "incident: a false-positive trap fired"
    else ok "incident: the false-positive traps stay quiet"; fi
    # a finding of the common model: evidence with source, offset, record; ATT&CK; stage
    jq -se "[.[] | select(.id == \"$DOUBLE_EXT\")] | .[0] | .analytic == \"sigma\" and .severity == \"high\" and (.attack | index(\"T1036.007\")) and .stage == \"installation\" and (.evidence[0].source | endswith(\"WS-FIN-07.sysmon.jsonl\")) and .evidence[0].offset > 0 and .evidence[0].record > 0" \
        "$tmp/inc.json" >/dev/null && ok "finding fields" || bad "finding fields"
    # timeline order
    jq -r .time "$tmp/inc.json" | sort -c && ok "sorted by time" || bad "sorted by time"
    # --fail-on, --min-level, --rule, --exclude-rule, --csv, --stats
    "$wh" hunt -q --rules "$src/rules" --fail-on high "$inc" >/dev/null; [ $? = 1 ] && ok "--fail-on high: exit 1" || bad "--fail-on high"
    "$wh" hunt -q --rules "$src/rules" --fail-on critical "$inc" >/dev/null; [ $? = 0 ] && ok "--fail-on critical: exit 0" || bad "--fail-on critical"
    n=$("$wh" hunt -q --json --rules "$src/rules" --min-level high "$inc" | jq -r .severity | sort -u | tr '\n' ' ')
    [ "$n" = "high " ] && ok "--min-level high" || bad "--min-level high ($n)"
    n=$("$wh" hunt -q --json --rules "$src/rules" --rule attack.t1036.005 "$inc" | jq -r .id | sort -u)
    [ "$n" = "$UNSIGNED" ] && ok "--rule by tag" || bad "--rule by tag ($n)"
    n=$("$wh" hunt -q --json --rules "$src/rules" --exclude-rule image_load "$inc" | jq -r .id | grep -c $UNSIGNED)
    [ "$n" = 0 ] && ok "--exclude-rule by path" || bad "--exclude-rule by path"
    "$wh" hunt -q --csv --rules "$src/rules" "$inc" >"$tmp/inc.csv"
    head -1 "$tmp/inc.csv" | grep -q '^time,host,level,rule_id,rule_title,attack,event_id,source,offset,record,details$' &&
        [ "$(wc -l <"$tmp/inc.csv")" = "$(( $(wc -l <"$tmp/inc.json") + 1 ))" ] && ok "--csv" || bad "--csv"
    "$wh" hunt -q --rules "$src/rules" --stats "$inc" >"$tmp/stats.txt"
    grep -q '^hits per host (2 hosts)' "$tmp/stats.txt" && grep -Eq "^ +3 +medium +$EXEC_TEMP" "$tmp/stats.txt" &&
        ok "--stats" || { bad "--stats"; tail -12 "$tmp/stats.txt"; }
    # noise tuning: a Sigma filter drops 7za.exe from the Temp rule, and only that
    "$wh" hunt -q --json --rules "$src/rules" --tune "$d/tune-7za.yml" "$inc" >"$tmp/tuned.json"
    if jq -se '[.[] | select(.details.Image // "" | endswith("7za.exe"))] | length > 0' "$tmp/tuned.json" >/dev/null; then bad "--tune"
    elif [ "$(wc -l <"$tmp/tuned.json")" = "$(( $(wc -l <"$tmp/inc.json") - 1 ))" ]; then ok "--tune"; else bad "--tune count"; fi
    # a correlation: the implant's connections, at least 5 in 10 minutes
    "$wh" hunt -q --json --rules "$d/beacon-correlation.yml" "$inc" >"$tmp/corr.json"
    n=$(jq -r 'select(.id == "00000000-0000-4000-8000-000000000010") | .host' "$tmp/corr.json" | sort -u)
    [ "$n" = "WS-FIN-07.corp.example" ] && ! grep -q 00000000-0000-4000-8000-000000000011 "$tmp/corr.json" &&
        ok "event_count correlation (base rule not generated)" || bad "event_count correlation ($n)"
else
    echo "skip incident tests: $inc absent"
fi

# Security 4688 and 5156 through the logsource mapping: renamed fields, hex ids
"$wh" hunt -q --json --rules "$src/rules" --rules "$d/pid-rule.yml" "$d/security-4688.jsonl" >"$tmp/sec.json"
for id in $EXEC_TEMP $DOUBLE_EXT $OFFICE 00000000-0000-4000-8000-000000000001 00000000-0000-4000-8000-000000000002; do
    grep -q "\"id\":\"$id\"" "$tmp/sec.json" && ok "security log: $id" || bad "security log: $id"
done

# bad rules: reported with file and line, the good rule after them loads
"$wh" rules check "$d/broken.yml" "$d/bad-modifier.yml" >"$tmp/check.txt" 2>"$tmp/check.err"; rc=$?
[ $rc = 1 ] && ok "rules check: exit 1" || bad "rules check exit $rc"
grep -q "broken.yml: line [0-9]*: YAML" "$tmp/check.txt" && ok "malformed YAML: file and line" || bad "malformed YAML"
grep -q "bad-modifier.yml: line 5: unknown modifier 'endswithx'" "$tmp/check.txt" && ok "unknown modifier: line" || bad "unknown modifier"
grep -q "unknown search identifier 'filter'" "$tmp/check.txt" && ok "missing search identifier" || bad "missing search"
grep -q "1 rules loaded" "$tmp/check.err" && ok "the good rule still loads" || bad "good rule"
"$wh" hunt --json --rules "$d/bad-modifier.yml" "$d/security-4688.jsonl" >"$tmp/h.json" 2>"$tmp/h.err"
grep -q "rule not loaded: unknown modifier" "$tmp/h.err" && grep -q 00000000-0000-4000-8000-000000000020 "$tmp/h.json" &&
    ok "hunt reports rejects and runs the rest" || bad "hunt with bad rules"

# rules list
n=$("$wh" rules list --json --rules "$src/rules" 2>/dev/null | jq -r .id | wc -l)
[ "$n" = "$(ls "$src"/rules/*/*.yml | wc -l)" ] && ok "rules list" || bad "rules list ($n)"

# rules update: clone a local repository, then pull a new commit
if command -v git >/dev/null; then
    repo="$tmp/repo"; mkdir -p "$repo/rules"
    cp "$src/rules/windows/wh_proc_creation_office_spawns_shell.yml" "$repo/rules/"
    git -C "$repo" init -q && git -C "$repo" add . &&
        git -C "$repo" -c user.email=t@e -c user.name=t commit -qm one
    "$wh" rules update --repo "$repo" --dir "$tmp/home/rules" 2>"$tmp/up.err"; rc=$?
    [ $rc = 0 ] && grep -q "1 rules load" "$tmp/up.err" && ok "rules update: clone" || { bad "rules update clone"; cat "$tmp/up.err"; }
    cp "$src/rules/windows/wh_proc_creation_double_extension.yml" "$repo/rules/"
    git -C "$repo" add . && git -C "$repo" -c user.email=t@e -c user.name=t commit -qm two
    "$wh" rules update --repo "$repo" --dir "$tmp/home/rules" 2>"$tmp/up.err"; rc=$?
    [ $rc = 0 ] && grep -q "2 rules load" "$tmp/up.err" && ok "rules update: pull" || { bad "rules update pull"; cat "$tmp/up.err"; }
    # a non-root user's default folder
    if [ "$(id -u)" != 0 ]; then :; else
        XDG_DATA_HOME="$tmp/xdg" "$wh" rules update --repo "$repo" --dir "$tmp/xdg/whitehawk/rules" 2>/dev/null &&
            [ -f "$tmp/xdg/whitehawk/rules/rules/wh_proc_creation_double_extension.yml" ] && ok "rules update --dir" || bad "rules update --dir"
    fi
    "$wh" rules update --repo "$tmp/nope" --dir "$tmp/other" 2>/dev/null; [ $? = 2 ] && ok "rules update: bad repository, exit 2" || bad "rules update bad repo"
else
    echo "skip rules update: no git"
fi
exit $fail

#!/usr/bin/env bash
# Bad JSON input made at test time, too large or too random to keep as
# files: a zip bomb, a line over 16 MiB, binary garbage, inputs that cannot
# be read among readable ones, a gzip cut short. For each: a message naming
# the file and the offset, the record skipped and counted, the rest read,
# memory and time bounded, and the exit status README.md gives (0 when only
# records were skipped, 2 when an input could not be read to its end).
# usage: json-bad-input.sh WHITEHAWK REPO
set -uo pipefail
wh=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
repo=$(cd "$2" && pwd)
command -v python3 >/dev/null || { echo "skip: needs python3"; exit 77; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
cd "$t"
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# run NAME ARGS...: whitehawk events --count ARGS, with stdout, stderr, status,
# peak RSS (KB, when GNU time is there) and wall seconds kept under NAME.*
run() {
    local name=$1
    shift
    local start end
    start=$(date +%s%N)
    if [ -x /usr/bin/time ]; then
        timeout 120 /usr/bin/time -f '%M' -o "$name.rss" "$wh" events --count "$@" >"$name.out" 2>"$name.err"
    else
        timeout 120 "$wh" events --count "$@" >"$name.out" 2>"$name.err"
    fi
    echo $? >"$name.rc"
    end=$(date +%s%N)
    echo $(((end - start) / 1000000)) >"$name.ms"
}
expect() {   # NAME COUNT STATUS
    local got_n got_rc
    got_n=$(cat "$1.out")
    got_rc=$(cat "$1.rc")
    [ "$got_n" = "$2" ] || bad "$1: counted '$got_n' events, want $2"
    [ "$got_rc" = "$3" ] || bad "$1: exit status $got_rc, want $3"
}
says() {     # NAME PATTERN: stderr has a line matching PATTERN
    grep -Eq "$2" "$1.err" || { bad "$1: no message matching '$2'; stderr was:"; head -5 "$1.err"; }
}
rss_below() {  # NAME MB
    [ -f "$1.rss" ] || return 0
    local kb
    kb=$(tail -1 "$1.rss")
    ((kb < $2 * 1024)) || bad "$1: peak RSS $((kb / 1024)) MB, want below $2 MB"
}

good() { printf '{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","n":%d}\n' "$@"; }

# 1. A zip bomb: 4 MB that unzip to 4 GiB, three good events first. The guard
#    in the archive reader stops it well before the end.
python3 "$repo/tests/e2e/make-zip-bomb.py" bomb.zip 4 2>/dev/null || bad "could not make the zip bomb"
run bomb bomb.zip
expect bomb 3 2
says bomb '^whitehawk: error: bomb\.zip:events\.json: offset [0-9]+: .*possible zip bomb'
says bomb 'JSON document larger than 16 MiB skipped'
says bomb '1 inputs unreadable'
rss_below bomb 200
(($(cat bomb.ms) < 60000)) || bad "bomb: took $(cat bomb.ms) ms"

# 2. A line over 16 MiB between good lines: skipped with its offset, memory
#    bounded by the cap, not by the line.
{
    good 1
    printf '{"EventID":1,"CommandLine":"'
    head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' 'A'
    printf '"}\n'
    good 2 3
} >long.json
run long long.json
expect long 3 0
says long '^whitehawk: long\.json: offset 69: JSON document larger than 16 MiB skipped$'
says long '3 events, 1 bad records skipped'
rss_below long 100

# 3. Binary garbage in the middle of a file (the same bytes every run).
{
    good 1 2
    python3 -c 'import random, sys; r = random.Random(2); sys.stdout.buffer.write(bytes(r.randrange(256) for _ in range(65536)))'
    printf '\n'
    good 3 4
} >garbage.json
run garbage garbage.json
expect garbage 4 0
says garbage "^whitehawk: garbage\\.json: offset 138: invalid JSON: expected '\\{' or '\\['$"
says garbage '4 events, [1-9][0-9]* bad records skipped'

# 4. Inputs that cannot be read among readable ones: a path that does not
#    exist, and a file whose read fails (the kernel answers EIO for address 0
#    of a process's own memory). The others are read; the status is 2.
good 1 2 >a.json
good 3 >b.json
run unreadable a.json missing.json /proc/self/mem b.json
expect unreadable 3 2
says unreadable "^whitehawk: error: cannot read 'missing\.json': No such file or directory$"
says unreadable '^whitehawk: error: /proc/self/mem: offset 0: cannot read'
says unreadable '3 events, 0 bad records skipped, 2 inputs unreadable'

# 5. A gzip file cut short: what was decompressed is read, the cut reported.
for i in $(seq 1 20000); do good "$i"; done | gzip -c >full.gz
head -c $(($(stat -c %s full.gz) / 2)) full.gz >cut.json.gz
run cut cut.json.gz
n=$(cat cut.out)
((n > 100 && n < 20000)) || bad "cut: read $n events of the 20000 before the cut"
[ "$(cat cut.rc)" = 2 ] || bad "cut: exit status $(cat cut.rc), want 2"
says cut '^whitehawk: (error: )?cut\.json\.gz: offset [0-9]+: '

[ $fail = 0 ] && echo "ok: zip bomb, long line, garbage, unreadable inputs, cut gzip"
exit $fail

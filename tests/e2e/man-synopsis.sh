#!/usr/bin/env bash
# Every command's -h usage lines must equal the SYNOPSIS of its man page
# (docs/man/whitehawk-NAME.1, the lines between .nf and .fi after .SH SYNOPSIS),
# and every command must have a man page.
set -euo pipefail
bin=$1 src=$2
fail=0
cmds=$("$bin" --help | sed -n '/^commands:/,/^$/p' | awk 'NF>1 {print $1}')
[ -n "$cmds" ] || { echo "no commands listed by --help"; exit 1; }
for c in $cmds; do
    man="$src/docs/man/whitehawk-$c.1"
    if [ ! -f "$man" ]; then echo "missing man page $man"; fail=1; continue; fi
    want=$(awk '/^\.SH SYNOPSIS/{s=1; next} s&&/^\.nf/{p=1; next} p&&/^\.fi/{exit} p' "$man" | sed 's/\\-/-/g; s/\\\\/\\/g')
    got=$("$bin" "$c" -h | sed -n 's/^usage: //p; s/^   or: //p')
    if [ "$want" != "$got" ]; then
        echo "whitehawk $c -h and $man disagree:"
        diff <(echo "$want") <(echo "$got") || true
        fail=1
    fi
    # whitehawk(1) lists every command
    grep -qx ".B $c" "$src/docs/man/whitehawk.1" || { echo "whitehawk.1 does not list $c"; fail=1; }
    # `help CMD` prints the same text as `CMD -h`
    if ! diff -q <("$bin" help "$c") <("$bin" "$c" -h) >/dev/null; then
        echo "whitehawk help $c differs from whitehawk $c -h"; fail=1
    fi
done
"$bin" --version | grep -Eq '^whitehawk [0-9]+\.[0-9]+' || { echo "--version"; fail=1; }
exit $fail

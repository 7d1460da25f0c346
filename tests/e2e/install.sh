#!/usr/bin/env bash
# `make install` lays whitehawk out by the FHS: the binary in PREFIX/bin, a
# man page for every command, /etc/whitehawk and /var/lib/whitehawk. Checked
# with DESTDIR in a temporary folder, so nothing on the machine changes.
set -euo pipefail
wh=$1 src=$2
build=$(dirname "$wh")
dest=$(mktemp -d); trap 'rm -rf "$dest"' EXIT
DESTDIR=$dest cmake --install "$build" --prefix /usr/local >/dev/null
fail=0
[ -x "$dest/usr/local/bin/whitehawk" ] || { echo "no binary in /usr/local/bin"; fail=1; }
[ -d "$dest/var/lib/whitehawk" ] || { echo "no /var/lib/whitehawk"; fail=1; }
[ -f "$dest/usr/local/share/man/man1/whitehawk.1" ] || { echo "no whitehawk.1"; fail=1; }
for c in $("$wh" --help | sed -n '/^commands:/,/^$/p' | awk 'NF>1 {print $1}'); do
    [ -f "$dest/usr/local/share/man/man1/whitehawk-$c.1" ] || { echo "no man page for $c"; fail=1; }
done
if [ -d "$src/etc" ] && [ -n "$(ls -A "$src/etc" 2>/dev/null)" ]; then
    [ -d "$dest/etc/whitehawk" ] || { echo "no /etc/whitehawk"; fail=1; }
fi
"$dest/usr/local/bin/whitehawk" --version >/dev/null || { echo "installed binary does not run"; fail=1; }
exit $fail

#!/bin/sh
# zones_data.sh — the committed data/zones/land-10m.txt is exactly what
# scripts/make-zones produces from the pinned npm packages (world-atlas,
# topojson-client), so anyone can regenerate and audit it. Also: the script rejects
# an unknown argument. SKIP (exit 0 with a message) when web/node_modules is missing.
set -eu
src=${TL_SOURCE_DIR:?TL_SOURCE_DIR not set}
if [ ! -d "$src/web/node_modules/world-atlas" ] || ! command -v node >/dev/null 2>&1; then
    echo "SKIP: needs node and web/node_modules (run scripts/bootstrap)"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$src/scripts/make-zones" --out "$tmp/land.txt" 2>"$tmp/log"
cmp "$src/data/zones/land-10m.txt" "$tmp/land.txt" || {
    echo "FAIL: data/zones/land-10m.txt differs from scripts/make-zones output"; exit 1; }
grep -q "^country JP " "$tmp/land.txt"
if "$src/scripts/make-zones" --bogus >/dev/null 2>"$tmp/err"; then
    echo "FAIL: make-zones accepted --bogus"; exit 1
fi
grep -q "unknown argument '--bogus'" "$tmp/err"
echo "zones data: regenerated file identical ($(wc -c < "$tmp/land.txt") bytes)"

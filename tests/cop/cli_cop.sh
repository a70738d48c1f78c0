#!/bin/sh
# cli_cop.sh — `trilink cop`: documents of the demo picture pass the independent checkers,
# bad options are refused with a message naming them, and the server starts on an
# ephemeral loopback port, serves the bundled page and stops cleanly at --duration.
set -eu
bin=${TL_BIN:?}
src=${TL_SOURCE_DIR:?}
tmp=$(mktemp -d "${TL_BUILD_DIR:-/tmp}/cop-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# bad input: exit 2 and the option named
for args in "--demo --port 70000" "--demo --speed 0" "--demo --dump xml" "--bogus" "--port 80"; do
    # shellcheck disable=SC2086
    if "$bin" cop $args >"$tmp/out" 2>"$tmp/err"; then fail "cop $args succeeded"; fi
    [ -s "$tmp/err" ] || fail "cop $args: no message"
done
"$bin" cop --demo --dump xml 2>&1 | grep -q "unknown document 'xml'" || fail "--dump xml message"
"$bin" cop --demo --port 70000 2>&1 | grep -q "70000" || fail "--port message"

if command -v node >/dev/null 2>&1; then
    for t in 0 300 800 5000; do
        "$bin" cop --demo --dump json --start $t | node "$src/tests/cop/check.cjs" json >/dev/null ||
            fail "json at t=$t"
        "$bin" cop --demo --dump geojson --start $t | node "$src/tests/cop/check.cjs" geojson >/dev/null ||
            fail "geojson at t=$t"
    done
else
    echo "SKIP: node not installed"
fi
if command -v promtool >/dev/null 2>&1; then
    "$bin" cop --demo --dump metrics | promtool check metrics || fail "promtool"
else
    echo "SKIP: promtool not installed (Debian package prometheus)"
fi

# serve for a few seconds and fetch the page and the API
if [ -f "$src/web/cop/dist/index.html" ] && command -v curl >/dev/null 2>&1; then
    : >"$tmp/serve.log" # exists before the server opens it: the reader below may run first
    "$bin" cop --demo --duration 4 >"$tmp/serve.log" 2>&1 &
    pid=$!
    port=""
    for _ in $(seq 1 50); do
        port=$(sed -n 's#^cop: serving http://127.0.0.1:\([0-9]*\)/$#\1#p' "$tmp/serve.log")
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || { kill "$pid"; fail "server did not start: $(cat "$tmp/serve.log")"; }
    curl -sf "http://127.0.0.1:$port/" | grep -q '<script src="app.js">' || fail "index.html"
    curl -sf "http://127.0.0.1:$port/app.js" -o "$tmp/app.js" || fail "app.js"
    # offline: the bundle loads nothing from elsewhere
    if grep -Eo 'https?://[a-zA-Z0-9.-]+' "$tmp/app.js" | grep -v -e 'www.w3.org' -e 'github.com' | grep -q .; then
        fail "app.js references a remote host: $(grep -Eo 'https?://[a-zA-Z0-9.-]+' "$tmp/app.js" | sort -u | tr '\n' ' ')"
    fi
    curl -sf "http://127.0.0.1:$port/api/picture" | grep -q '"JP-0001"' || fail "/api/picture"
    wait "$pid" || fail "server exit status"
    grep -q "cop: stopped" "$tmp/serve.log" || fail "no clean stop"
else
    echo "SKIP: page not built or curl missing"
fi
echo "cli_cop: ok"

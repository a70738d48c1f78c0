#!/bin/sh
# page_dom.sh — the COP page end to end: headless Chromium loads the bundled page from
# `trilink cop --demo` on loopback, runs its script against /api/picture, and the DOM it
# leaves must show what the picture holds (three tracks with countdowns and verdicts,
# launch and impact ellipses, Japan highlighted, the alerts and both link badges), the
# partners' ellipses with origin, path and age, their alert in force (ring and table row),
# the zone limits from /api/zones.geojson, and the link health table.
set -eu
bin=${TL_BIN:?}
src=${TL_SOURCE_DIR:?}
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "SKIP: chromium not installed"; exit 0; }
[ -f "$src/web/cop/dist/app.js" ] || { echo "FAIL: web/cop/dist not built (scripts/bootstrap, then build)" >&2; exit 1; }
tmp=$(mktemp -d "${TL_BUILD_DIR:-/tmp}/cop-dom.XXXXXX")
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }

# a near-frozen clock, so the page shows the picture dumped below
: >"$tmp/serve.log" # exists before the server opens it: the reader below may run first
"$bin" cop --demo --start 800 --speed 0.001 --duration 120 >"$tmp/serve.log" 2>&1 &
pid=$!
port=""
for _ in $(seq 1 50); do
    port=$(sed -n 's#^cop: serving http://127.0.0.1:\([0-9]*\)/$#\1#p' "$tmp/serve.log")
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || fail "server did not start: $(cat "$tmp/serve.log")"

timeout 90 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --disable-dev-shm-usage \
    --user-data-dir="$tmp/profile" --window-size=1600,1000 --virtual-time-budget=5000 \
    --dump-dom "http://127.0.0.1:$port/" >"$tmp/dom.html" 2>"$tmp/chromium.log" ||
    fail "chromium: $(tail -5 "$tmp/chromium.log")"

count() { grep -o "$1" "$tmp/dom.html" | wc -l; }
expect() { # pattern, wanted count, what
    n=$(count "$1")
    [ "$n" -eq "$2" ] || fail "$3: found $n of '$1', want $2"
}
expect 'class="track[ "]' 3 "track cards"
expect 'class="big" data-impact-ns="[0-9]*">[0-9:]*<' 3 "impact countdowns"
expect 'class="ell launch"' 3 "launch ellipses"
expect 'class="ell" d="M' 3 "impact ellipses"
expect 'class="land jp"' 1 "Japan highlighted"
expect 'class="alert [A-Za-z]*' 3 "alert rows"
expect 'class="alert Alert superseded"' 1 "cancelled alert struck"
expect 'class="alert-area Alert"' 1 "alert area in force"
expect 'class="link up"' 1 "link up badge"
expect 'class="link down"' 1 "link down badge"
expect 'class="feed feed-live"' 1 "live feed"
# one path segment per run of equal phase in each track's history, counted from the JSON
runs=$("$bin" cop --demo --dump json --start 800 | node -e '
  const p = JSON.parse(require("fs").readFileSync(0, "utf8"));
  let n = 0;
  for (const t of p.tracks) for (let i = 1; i < t.history.length; i++)
    if (i === 1 || t.history[i - 1][4] !== t.history[i - 2][4]) n++;
  console.log(n);')
expect 'class="path-seg"' "$runs" "flight path segments (one per phase run)"
grep -q '>JP EEZ<' "$tmp/dom.html" || fail "verdict rows"

# partners' products, counted from the JSON independently: each drawn with its origin and path
"$bin" cop --demo --dump json --start 800 | node -e '
  const p = JSON.parse(require("fs").readFileSync(0, "utf8"));
  for (const q of p.partners) {
    if (q.kind === "alert") { if (q.in_force) console.log(`ALERT ${q.origin} ${q.track_id}`); continue; }
    if (q.ellipse && q.ellipse.ring) console.log(`ELL ${q.kind} ${q.origin} ${q.path.join("&gt;")} ${q.track_id}`);
  }
  console.log(`OWN ${p.alerts.filter((a) => a.in_force).length}`);' >"$tmp/partners.txt"
nell=0
while read -r what kind origin path track; do
    case $what in
    ELL)
        nell=$((nell + 1))
        grep -q "class=\"pell $kind\"[^>]*data-origin=\"$origin\" data-path=\"$path\" data-track=\"$track\"" "$tmp/dom.html" ||
            fail "partner $kind ellipse of $origin $track (path $path) not drawn"
        grep -q "class=\"pmark $kind\"[^>]*data-origin=\"$origin\" data-path=\"$path\" data-track=\"$track\"" "$tmp/dom.html" ||
            fail "partner $kind marker of $origin $track not drawn"
        # its own label, or its cluster's (same path and kind within 30 px)
        grep -q -e ">$path $kind $track · [0-9]* s<" -e ">$path $kind ×[0-9]* · [0-9]* s<" "$tmp/dom.html" ||
            fail "label '$path $kind $track · age' missing"
        ;;
    ALERT) # kind=origin, origin=track here
        grep -q "class=\"palert-ring\"[^>]*data-origin=\"$kind\" data-track=\"$origin\"" "$tmp/dom.html" ||
            fail "alert ring of $kind $origin not drawn"
        grep -q "class=\"aa-row partner\" data-origin=\"$kind\"" "$tmp/dom.html" || fail "partner alert row $kind"
        ;;
    esac
done <"$tmp/partners.txt"
[ "$nell" -ge 3 ] || fail "the demo should hold partner ellipses, found $nell in the JSON"
expect 'class="pell [a-z]*"' "$nell" "partner ellipses"
expect 'class="palert-ring"' "$(grep -c '^ALERT' "$tmp/partners.txt")" "partner alert rings"
expect 'class="aa-row own"' "$(sed -n 's/^OWN //p' "$tmp/partners.txt")" "own alerts in force"
expect 'class="aa-row partner"' "$(grep -c '^ALERT' "$tmp/partners.txt")" "partner alerts in force"
# the zone limits from /api/zones.geojson, each a drawn path
for k in jp_eez jp_territorial_sea kr_waters kr_territorial_sea; do
    grep -q "class=\"zone-limit $k\" data-kind=\"$k\" d=\"M[0-9]" "$tmp/dom.html" || fail "zone limit $k not drawn"
done
# link health table: one row per link
expect 'class="lt-row up"' 1 "link table up row"
expect 'class="lt-row down"' 1 "link table down row"
echo "page_dom: ok"

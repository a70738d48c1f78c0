#!/bin/sh
# demo_net.sh — a shortened `trilink demo` (JP, US and KR nodes with DDS Security and
# the drill generator as child processes on loopback; the demo takes five adjacent DDS
# domains whose ports are free, 71-75 when they are) checked against
# the simulation's truth through its summary: every launch is in every nation's
# picture; sharing never makes a nation's first track later, and Japan sees the ICBM
# earlier with sharing (Korean radars and the US IR satellite see it first); impacts
# within 25 km of the truth with the true zone; Japan has no alert left for falls
# outside its zones; every CAP file is well-formed XML; no process is left behind.
set -u
BIN=${TL_BIN:?TL_BIN must point at the trilink binary}
"$BIN" node --help >/dev/null 2>&1 || { echo "demo_net.sh: skipped (built without the DDS link)"; exit 0; }
cd "${TL_SOURCE_DIR:?}" || exit 1
tmp=$(mktemp -d /tmp/tl-demo-test.XXXXXX)
cleanup() {
    # only processes started for this test (their arguments name its state directory)
    for pid in $(ps -eo pid=,args= | grep -F "$tmp" | grep -v grep | awk '{print $1}'); do
        kill -9 "$pid" 2>/dev/null
    done
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
out="$tmp/out.txt"
timeout -k 10 240 "$BIN" demo --speed 60 --duration 900 --state "$tmp/state" --no-cop \
    >"$out" 2>&1
rc=$?
fails=0
[ $rc -eq 0 ] || { echo "FAIL: demo exited $rc"; fails=1; }
sleep 1
left=$(ps -eo pid=,args= | grep -F "$tmp/state" | grep -v grep | grep -v 'demo_net' || true)
[ -z "$left" ] || { echo "FAIL: processes left behind:"; echo "$left"; fails=1; }
grep -q '^SUMMARY ' "$out" || { echo "FAIL: no summary"; cat "$out"; tail -20 "$tmp/state"/*.log; exit 1; }
# Launch S1 and S2 land within the run; M1 (the lofted ICBM) is still in midcourse.
grep '^SUMMARY ' "$out" | awk '
    function v(k,   i, a) { for (i = 2; i <= NF; i++) { split($i, a, "="); if (a[1] == k) return a[2] } return "" }
    { l = v("launch"); n = v("nation"); seen[l] = 1
      if (v("tracked") != 1) { print "FAIL: " l " not in the " n " picture"; bad = 1 }
      al = v("alone_s"); sh = v("shared_s")
      if (al != "nan" && sh + 0 > al + 0.01) { print "FAIL: " l " " n ": shared " sh " s later than alone " al " s"; bad = 1 }
      if (l == "M1" && n == "JP" && !(al == "nan" || sh + 0 < al + 0)) { print "FAIL: JP not earlier with sharing on the ICBM (" sh " vs " al ")"; bad = 1 }
      if (l != "M1") {
        if (v("impact") != 1) { print "FAIL: " l " " n ": no impact prediction"; bad = 1 }
        else if (v("impact_err_km") + 0 > 25) { print "FAIL: " l " " n ": impact error " v("impact_err_km") " km"; bad = 1 }
        else if (v("verdict") != v("truth")) { print "FAIL: " l " " n ": verdict " v("verdict") " truth " v("truth"); bad = 1 }
        if (n == "JP" && v("truth") !~ /^jp_/ && v("alert_active") != 0) { print "FAIL: JP alert left for " l " (" v("truth") ")"; bad = 1 }
      }
      rows++ }
    END { if (rows != 9 || !seen["M1"] || !seen["S1"] || !seen["S2"]) { print "FAIL: expected 3 launches x 3 nations, got " rows; bad = 1 }
          exit bad }' || fails=1
if grep -l 'AddressSanitizer\|runtime error:\|LeakSanitizer' "$tmp"/state/*.log >/dev/null 2>&1; then
    echo "FAIL: sanitizer reports in the children's logs:"; grep -h -A5 'Sanitizer\|runtime error:' "$tmp"/state/*.log | head -40
    fails=1
fi
for n in JP US KR; do
    [ -s "$tmp/state/$n/summary.json" ] || { echo "FAIL: no $n/summary.json"; fails=1; }
done
if command -v xmllint >/dev/null 2>&1; then
    for f in "$tmp"/state/*/cap/*.xml; do
        [ -e "$f" ] || continue
        xmllint --noout "$f" || { echo "FAIL: $f is not well-formed"; fails=1; }
    done
fi
if [ $fails -ne 0 ]; then
    cat "$out"
    exit 1
fi
grep -E '^(launch|M1|S1|S2) ' "$out"
echo "demo_net.sh: passed"

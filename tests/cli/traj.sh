#!/bin/sh
# traj.sh — `trilink traj` end to end: a lofted ICBM-class request round-trips through
# the CLI (apogee and range printed as asked, impact east of the site in the Sea of
# Japan), CSV/JSON output is well formed and ends at the impact, and bad or impossible
# requests exit 2 with a message naming the argument at fault.
set -u
BIN=${TL_BIN:?TL_BIN must point at the trilink binary}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# value of a summary field
field() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }

"$BIN" traj --lat 39.0 --lon 125.7 --azimuth 90 --apogee-km 6000 --range-km 1000 --class icbm \
    >"$TMP/out" 2>"$TMP/err" || fail "lofted ICBM request failed: $(cat "$TMP/err")"
apo=$(field apogee_km "$TMP/out"); rng=$(field range_km "$TMP/out")
tof=$(field flight_time_s "$TMP/out"); lon=$(awk '$1 == "impact_lat_lon" { print $3 }' "$TMP/out")
awk -v a="$apo" -v r="$rng" -v t="$tof" -v l="$lon" 'BEGIN {
    ok = (a > 5999.99 && a < 6000.01 && r > 999.95 && r < 1000.05 && t > 3300 && t < 4800 && l > 131 && l < 139);
    exit !ok }' || fail "lofted ICBM summary off: apogee $apo range $rng tof $tof impact lon $lon"
grep -q '^burnout_ecef_m' "$TMP/out" || fail "no burnout ECEF state"

# CSV: header, monotonic time, last row is the impact at ~0 m height
"$BIN" traj --lat 39 --lon 125.7 --azimuth 90 --range-km 600 --loft min --csv --dt 2 >"$TMP/csv" \
    || fail "csv request failed"
grep -q '^t_s,lat_deg,lon_deg,h_m' "$TMP/csv" || fail "csv header missing"
grep -v '^#' "$TMP/csv" | awk -F, 'NR == 1 { next } { if (NR > 2 && $1 <= prev) bad = 1; prev = $1; last = $0; lasth = $4; lastp = $11 }
    END { exit !(bad == 0 && lasth < 0.01 && lasth > -0.01 && lastp == "impacted") }' \
    || fail "csv samples not monotonic or not ending at impact"

# JSON parses (when python3 is present) and has samples
if command -v python3 >/dev/null 2>&1; then
    "$BIN" traj --lat 39 --lon 125.7 --azimuth 90 --range-km 600 --loft depressed --json --dt 5 |
        python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["samples"] and d["samples"][-1]["phase"]=="impacted" and abs(d["range_km"]-600)<0.05' \
        || fail "json output invalid"
fi

# SLV reaches orbit
"$BIN" traj --lat 39.66 --lon 124.705 --azimuth 180 --class slv >"$TMP/slv" || fail "slv request failed"
grep -q '^orbital *1' "$TMP/slv" || fail "slv did not reach orbit"

# bad requests: exit 2, message names the argument
expect2() { # name-in-message, then the arguments
    want=$1; shift
    "$BIN" traj "$@" >"$TMP/o" 2>"$TMP/e"; rc=$?
    [ $rc -eq 2 ] || fail "'$*' exited $rc, want 2"
    grep -q -- "$want" "$TMP/e" || fail "'$*' message lacks '$want': $(cat "$TMP/e")"
}
expect2 '--lat' --lat 95 --lon 125.7 --azimuth 90 --apogee-km 6000 --range-km 1000
expect2 '--lat' --lat -90.5 --lon 125.7 --azimuth 90 --apogee-km 6000 --range-km 1000
expect2 '--lat' --lat nan --lon 125.7 --azimuth 90 --apogee-km 6000 --range-km 1000
expect2 '--lon' --lat 39 --lon 12x --azimuth 90 --apogee-km 6000 --range-km 1000
expect2 '--azimuth' --lat 39 --lon 125.7 --azimuth inf --apogee-km 6000 --range-km 1000
expect2 '--range-km' --lat 39 --lon 125.7 --azimuth 90 --apogee-km 6000 --range-km 25000
expect2 '--range-km' --lat 39 --lon 125.7 --azimuth 90 --loft min --range-km 3000 --class srbm
expect2 '--range-km' --lat 39 --lon 125.7 --azimuth 90 --apogee-km 600 --range-km -3
expect2 '--apogee-km' --lat 39 --lon 125.7 --azimuth 90 --apogee-km 50 --range-km 5000
expect2 '--apogee-km' --lat 39 --lon 125.7 --azimuth 90 --apogee-km 30000 --range-km 500
expect2 'missing --lat' --lon 125.7 --azimuth 90 --apogee-km 600 --range-km 500
expect2 'missing --range-km' --lat 39 --lon 125.7 --azimuth 90 --apogee-km 600
expect2 'missing --apogee-km' --lat 39 --lon 125.7 --azimuth 90 --range-km 500
expect2 '--range-km: missing value' --lat 39 --lon 125.7 --azimuth 90 --apogee-km 600 --range-km
expect2 '--class' --lat 39 --lon 125.7 --azimuth 90 --apogee-km 600 --range-km 500 --class tank
expect2 '--loft' --lat 39 --lon 125.7 --azimuth 90 --range-km 500 --loft sideways
expect2 "unknown option '--bogus'" --lat 39 --lon 125.7 --azimuth 90 --apogee-km 600 --range-km 500 --bogus 1
expect2 '--dt' --lat 39 --lon 125.7 --azimuth 90 --loft min --range-km 500 --csv --dt 0

[ $fails -eq 0 ] && echo "traj.sh: all passed"
exit $fails

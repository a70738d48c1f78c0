#!/bin/sh
# track_default_mc.sh — Monte Carlo of the JP tracker on default.yaml over 20
# seeds: prints the time-averaged NEES (all rows, and midcourse rows), RMSE and
# identity figures per seed and their means. Set TL_MC_NATION (default JP).
# Asserts only what the tracker holds today: no swaps and every missile tracked
# in every run; the NEES figures are reported (docs/tracker.md discusses them).
set -eu
BIN=${TL_BIN:?TL_BIN not set}
SRC=${TL_SOURCE_DIR:?TL_SOURCE_DIR not set}
NATION=${TL_MC_NATION:-JP}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
json_num() { grep -o "\"$2\": [-0-9.e+]*" "$1" | head -1 | sed 's/.*: //'; }
seed=1
: >"$tmp/all"
while [ $seed -le 20 ]; do
    d="$tmp/s$seed"
    "$BIN" sim run "$SRC/scenarios/default.yaml" --out "$d" --seed $seed >/dev/null 2>&1
    "$BIN" track --plots "$d/plots.csv" --nation "$NATION" --out "$d/tracks.csv" 2>/dev/null
    "$BIN" score --truth "$d/truth.csv" --tracks "$d/tracks.csv" --json >"$d/s.json"
    j="$d/s.json"
    nulls=$(grep -c '"t_to_first_confirmed_s": null' "$j" || true)
    echo "$seed $(json_num "$j" anees) $(json_num "$j" anees_mid) $(json_num "$j" rmse_pos_m)" \
        "$(json_num "$j" rmse_pos_mid_m) $(json_num "$j" swaps) $nulls" >>"$tmp/all"
    rm -rf "$d"
    seed=$((seed + 1))
done
awk '{ printf "seed %2d: ANEES %6.2f  midcourse %6.2f  RMSE %7.1f m  midcourse %6.1f m  swaps %d  untracked %d\n", $1, $2, $3, $4, $5, $6, $7;
       a += $2; m += $3; r += $4; rm += $5; sw += $6; un += $7 }
     END { printf "mean of 20: ANEES %.2f (6 dof), midcourse %.2f; RMSE %.1f m, midcourse %.1f m; swaps %d; untracked missiles %d\n", a/NR, m/NR, r/NR, rm/NR, sw, un;
           exit (sw != 0 || un != 0) }' "$tmp/all"

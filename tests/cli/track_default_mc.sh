#!/bin/sh
# track_default_mc.sh — Monte Carlo consistency of every nation's tracker on
# default.yaml over 20 seeds (issue 4): per nation, the 20-run mean of the
# time-averaged NEES (6 dof, every confirmed row matched to truth, truth
# interpolated at the row's time) must lie inside the 95% band of a 20-run mean
# of chi-square(6) values, chi2(120)/20 = [4.58, 7.61] (the same band as
# test_filter); every missile tracked in every run, no swaps. Prints the
# per-nation means (all rows, midcourse rows, RMSE). Per truth phase (boost,
# midcourse, re-entry: score's anees_<phase>), the mean over the runs with rows in
# that phase must lie inside the 95% band of a mean of that many runs, chi2(6n)/n
# (Wilson-Hilferty quantiles). TL_MC_VERBOSE=1: per seed.
set -eu
BIN=${TL_BIN:?TL_BIN not set}
SRC=${TL_SOURCE_DIR:?TL_SOURCE_DIR not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
json_num() { grep -o "\"$2\": [-0-9.e+]*" "$1" | head -1 | sed 's/.*: //'; }
LO=4.58
HI=7.61
fails=0
seed=1
while [ $seed -le 20 ]; do
    d="$tmp/s$seed"
    "$BIN" sim run "$SRC/scenarios/default.yaml" --out "$d" --seed $seed >/dev/null 2>&1 ||
        { echo "FAIL: sim seed $seed" >&2; exit 1; }
    for n in JP KR US; do
        "$BIN" track --plots "$d/plots.csv" --nation $n --out "$d/t.csv" 2>/dev/null
        "$BIN" score --truth "$d/truth.csv" --tracks "$d/t.csv" --json >"$d/s.json"
        j="$d/s.json"
        nulls=$(grep -c '"t_to_first_confirmed_s": null' "$j" || true)
        echo "$n $seed $(json_num "$j" anees) $(json_num "$j" anees_mid) $(json_num "$j" rmse_pos_m)" \
            "$(json_num "$j" rmse_pos_mid_m) $(json_num "$j" swaps) $nulls" >>"$tmp/all"
        for ph in boost midcourse reentry; do
            [ "$(json_num "$j" n_nees_$ph)" = 0 ] ||
                echo "$n $ph $(json_num "$j" anees_$ph)" >>"$tmp/phase"
        done
    done
    rm -rf "$d"
    seed=$((seed + 1))
done
for n in JP KR US; do
    grep "^$n " "$tmp/all" | awk -v n=$n -v lo=$LO -v hi=$HI -v v="${TL_MC_VERBOSE:-0}" '
        { if (v == 1) printf "%s seed %2d: ANEES %6.2f  midcourse %6.2f  RMSE %7.1f m  midcourse %6.1f m  swaps %d  untracked %d\n", $1, $2, $3, $4, $5, $6, $7, $8;
          a += $3; m += $4; r += $5; rm += $6; sw += $7; un += $8 }
        END { a /= NR; ok = (a >= lo && a <= hi && sw == 0 && un == 0);
              printf "%s mean of %d: ANEES %.2f (6 dof, band [%s, %s]) %s, midcourse %.2f; RMSE %.1f m, midcourse %.1f m; swaps %d; untracked missiles %d\n",
                     n, NR, a, lo, hi, ok ? "inside" : "OUTSIDE", m/NR, r/NR, rm/NR, sw, un;
              exit !ok }' || fails=$((fails + 1))
done
for n in JP KR US; do
    for ph in boost midcourse reentry; do
        grep "^$n $ph " "$tmp/phase" | awk -v n=$n -v ph=$ph '
            { a += $3 }
            END { if (NR == 0) { printf "%s %s: no rows\n", n, ph; exit 0 }
                  a /= NR; d = 6 * NR; w = 2 / (9 * d); z = 1.959964;
                  lo = d * (1 - w - z * sqrt(w))^3 / NR; hi = d * (1 - w + z * sqrt(w))^3 / NR;
                  ok = (a >= lo && a <= hi);
                  printf "%s %s: ANEES %.2f over %d runs (band [%.2f, %.2f]) %s\n", n, ph, a, NR, lo, hi,
                         ok ? "inside" : "OUTSIDE";
                  exit !ok }' || fails=$((fails + 1))
    done
done
[ $fails = 0 ] || { echo "FAIL: $fails nation(s) or phase(s) outside the NEES band or with swaps / untracked missiles" >&2; exit 1; }
echo ok

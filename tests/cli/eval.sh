#!/bin/sh
# eval.sh — `trilink eval` from the command line on tests/data/eval/srbm.yaml (one
# SRBM, default.yaml's sensors; one run costs ~2.5 s of CPU): the output files exist
# and have the documented shape, every SVG passes `xmllint --noout`, --json is one
# JSON object, two evaluations with the same seed give byte-identical files (other
# seeds and --nations: tests/test_eval.c), and bad
# input (unknown scenario, --runs 0 / -1 / huge / not a number, unwritable --out,
# unknown nation, unknown option) exits 2 with a message naming the argument, before
# any run.
set -u
bin=${TL_BIN:?TL_BIN not set}
src=${TL_SOURCE_DIR:?TL_SOURCE_DIR not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*" >&2; fail=1; }
s="$src/tests/data/eval/srbm.yaml"

# bad input first (cheap: nothing runs)
expect2() { # expect2 WHAT PATTERN ARGS...
    what=$1; pat=$2; shift 2
    "$bin" eval "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
    [ $rc -eq 2 ] || bad "$what: exit $rc, expected 2"
    grep -q -- "$pat" "$tmp/err" || bad "$what: message lacks '$pat': $(cat "$tmp/err")"
    [ -s "$tmp/out" ] && bad "$what: printed on stdout"
}
expect2 "unknown scenario" "/nonexistent.yaml" /nonexistent.yaml --runs 1 --out "$tmp/x"
expect2 "--runs 0" "--runs" "$s" --runs 0 --out "$tmp/x"
expect2 "--runs -3" "--runs" "$s" --runs -3 --out "$tmp/x"
expect2 "--runs huge" "--runs: must be 1..1000" "$s" --runs 1000000 --out "$tmp/x"
expect2 "--runs abc" "--runs: not an integer" "$s" --runs abc --out "$tmp/x"
touch "$tmp/file"
expect2 "--out under a file" "--out" "$s" --runs 1 --out "$tmp/file/sub"
expect2 "--nations XX" "--nations: unknown nation 'XX'" "$s" --nations JP,XX
expect2 "unknown option" "unknown option" "$s" --frobnicate 1
[ -e "$tmp/x" ] && bad "an output directory was created for bad input"

# two evaluations, same seed
"$bin" eval "$s" --runs 1 --seed 77 --out "$tmp/a" --json --quiet >"$tmp/a.json" || bad "eval a: exit $?"
"$bin" eval "$s" --runs 1 --seed 77 --out "$tmp/b" --quiet || bad "eval b: exit $?"
for f in summary.md runs.csv impact_error.csv first_track.svg impact_error_S2_JP.svg impact_error_S2_US.svg \
         impact_error_S2_KR.svg; do
    [ -s "$tmp/a/$f" ] || bad "$f missing or empty"
    cmp -s "$tmp/a/$f" "$tmp/b/$f" || bad "$f differs between two evaluations with seed 77"
done
[ "$(ls "$tmp/a" | wc -l)" -eq 7 ] || bad "unexpected files: $(ls "$tmp/a")"
# runs.csv: header + 1 run x 1 launch x 3 nations x 2 configurations
[ "$(wc -l < "$tmp/a/runs.csv")" -eq 7 ] || bad "runs.csv: $(wc -l < "$tmp/a/runs.csv") lines, expected 7"
head -1 "$tmp/a/runs.csv" | grep -q '^run,seed,launch,class,nation,config,first_track_s,final_err_km,' || bad "runs.csv header"
awk -F, 'NR > 1 && $2 != 77' "$tmp/a/runs.csv" | grep -q . && bad "runs.csv: seed column is not 77"
grep -q 'Seed 77' "$tmp/a/summary.md" || bad "summary.md does not state the seed"
grep -q '^| S2 | JP |' "$tmp/a/summary.md" || bad "summary.md: no S2/JP row"
head -1 "$tmp/a/impact_error.csv" | grep -qx 'launch,nation,config,t_after_launch_s,runs_with_prediction,p10_km,p50_km,p90_km,inside95_fraction' || bad "impact_error.csv header"
grep -q '"seed": 77' "$tmp/a.json" || bad "--json: no seed"
if command -v python3 >/dev/null 2>&1; then
    python3 -m json.tool "$tmp/a.json" >/dev/null || bad "--json: not valid JSON"
fi
if command -v xmllint >/dev/null 2>&1; then
    xmllint --noout "$tmp"/a/*.svg || bad "xmllint rejected an SVG"
else
    echo "SKIP: xmllint not installed"
fi
exit $fail

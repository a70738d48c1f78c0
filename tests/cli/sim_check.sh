#!/bin/sh
# sim_check.sh — `trilink sim check` and `sim run` from the command line: every
# shipped scenario is valid (exit 0, one summary line); every file in
# tests/data/scenarios-bad/ fails with exit 2 and prints each error its
# '# expect: LINE: text' header names as FILE:LINE: text; `sim run` writes
# byte-identical files for the same seed, different plots for another seed, and
# rejects bad options with exit 2.
set -u
bin=${TL_BIN:?TL_BIN not set}
src=${TL_SOURCE_DIR:?TL_SOURCE_DIR not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*" >&2; fail=1; }

for f in "$src"/scenarios/*.yaml; do
    out=$("$bin" sim check "$f" 2>"$tmp/err"); rc=$?
    [ $rc -eq 0 ] || { bad "$f: exit $rc"; cat "$tmp/err" >&2; }
    [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || bad "$f: expected one summary line, got: $out"
    case "$out" in *": ok: "*) ;; *) bad "$f: summary lacks ': ok: ': $out" ;; esac
done

n=0
for f in "$src"/tests/data/scenarios-bad/*.yaml; do
    n=$((n + 1))
    "$bin" sim check "$f" >"$tmp/out" 2>"$tmp/err"; rc=$?
    [ $rc -eq 2 ] || bad "$f: exit $rc, expected 2"
    [ -s "$tmp/out" ] && bad "$f: printed a summary on failure"
    grep '^# expect: ' "$f" | sed 's/^# expect: //' > "$tmp/expect"
    [ -s "$tmp/expect" ] || bad "$f: no '# expect:' header"
    while IFS= read -r e; do
        line=${e%%: *}
        text=${e#*: }
        grep -F -q -- "$f:$line: $text" "$tmp/err" || bad "$f: missing '$f:$line: $text' in: $(cat "$tmp/err")"
    done < "$tmp/expect"
    want=$(wc -l < "$tmp/expect")
    got=$(grep -c "^$f:[0-9]*: " "$tmp/err")
    [ "$got" -ge "$want" ] || bad "$f: $got errors reported, $want expected"
done
[ $n -ge 10 ] || bad "only $n bad scenario files"

"$bin" sim check /nonexistent.yaml 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || bad "missing file: exit $rc"
grep -q "/nonexistent.yaml: cannot open" "$tmp/err" || bad "missing file: message $(cat "$tmp/err")"

# run: determinism and options (shortened)
s="$src/scenarios/salvo.yaml"
"$bin" sim run "$s" --out "$tmp/a" --duration 200 >/dev/null || bad "run a"
"$bin" sim run "$s" --out "$tmp/b" --duration 200 --rate 0 >/dev/null || bad "run b"
"$bin" sim run "$s" --out "$tmp/c" --duration 200 --seed 99 >/dev/null || bad "run c"
for f in truth.csv plots.csv plots_truth.csv objects.csv; do
    [ -s "$tmp/a/$f" ] || bad "run: $f missing or empty"
    cmp -s "$tmp/a/$f" "$tmp/b/$f" || bad "run: $f differs between two runs with the same seed"
done
cmp -s "$tmp/a/plots.csv" "$tmp/c/plots.csv" && bad "run: --seed 99 gave the same plots"
cmp -s "$tmp/a/objects.csv" "$tmp/c/objects.csv" || bad "run: --seed changed the missiles"
[ "$(wc -l < "$tmp/a/plots.csv")" -eq "$(wc -l < "$tmp/a/plots_truth.csv")" ] || bad "run: plots and plots_truth differ in length"
head -1 "$tmp/a/plots.csv" | grep -qx 't_ns,plot_id,sensor_id,nation,kind,site_lat_deg,site_lon_deg,site_h_m,nz,z0,z1,z2,z3,sigma0,sigma1,sigma2,sigma3' || bad "run: plots.csv header"
# the hidden truth is not in plots.csv
grep -q 'false_alarm\|SV-1' "$tmp/a/plots.csv" && bad "run: truth leaked into plots.csv"
# the last plot is within the shortened run (epoch + 200 s)
last=$(tail -1 "$tmp/a/plots.csv" | cut -d, -f1)
epoch=$(date -u -d "$(sed -n 's/^epoch: //p' "$s")" +%s)
[ $(( last / 1000000000 - epoch )) -le 200 ] || bad "run: --duration not respected"
[ $(( last / 1000000000 - epoch )) -ge 150 ] || bad "run: stopped well before --duration"

# --nation: one nation's plots equal that nation's plots in the full run (ids aside)
"$bin" sim run "$s" --out "$tmp/jp" --duration 200 --nation JP >/dev/null || bad "run --nation JP"
awk -F, 'NR > 1 && $4 == "JP"' "$tmp/a/plots.csv" | cut -d, -f1,3- > "$tmp/jp_full"
awk -F, 'NR > 1' "$tmp/jp/plots.csv" | cut -d, -f1,3- > "$tmp/jp_only"
[ -s "$tmp/jp_only" ] || bad "run --nation JP: no plots"
cmp -s "$tmp/jp_full" "$tmp/jp_only" || bad "run --nation JP: plots differ from the full run's JP plots"
awk -F, 'NR > 1 && $4 != "JP"' "$tmp/jp/plots.csv" | grep -q . && bad "run --nation JP: other nations' plots"
"$bin" sim run "$s" --out "$tmp/x" --nation XX >/dev/null 2>&1; [ $? -eq 2 ] || bad "--nation XX: not exit 2"

# --rate 1 paces in real time: 3 s of scenario take >= ~2 s of wall time
start=$(date +%s%N)
"$bin" sim run "$s" --out "$tmp/r" --duration 3 --rate 1 >/dev/null || bad "run --rate 1"
el=$(( ($(date +%s%N) - start) / 1000000 ))
[ $el -ge 1500 ] || bad "run --rate 1 took only $el ms for 3 s of scenario"

for args in "--out" "--rate -1 --out $tmp/x" "--rate fast --out $tmp/x" "--seed -3 --out $tmp/x" \
            "--duration 0 --out $tmp/x" "--bogus --out $tmp/x"; do
    # shellcheck disable=SC2086
    "$bin" sim run "$s" $args >/dev/null 2>&1; rc=$?
    [ $rc -eq 2 ] || bad "sim run $args: exit $rc, expected 2"
done
"$bin" sim run "$src/tests/data/scenarios-bad/syntax.yaml" --out "$tmp/x" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || bad "sim run on a bad scenario: exit $rc"
"$bin" sim frobnicate >/dev/null 2>&1; [ $? -eq 2 ] || bad "unknown subcommand"

[ $fail -eq 0 ] && echo "sim_check: ok"
exit $fail

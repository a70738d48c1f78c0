#!/bin/sh
# soak_pipeline.sh — the second phase of `make soak` (docs/network.md "Soak"): the
# national pipelines (own plots -> tracker -> fusion with partners' tracks ->
# prediction -> zones -> alerts, status and summary files) of JP, US and KR, on
# loopback with DDS Security, fed by `trilink sim run SCENARIO --publish` looped for
# SOAK_PIPELINE_SECONDS (default 240; the loop stops by itself after the pass running
# then). Each pass is the scenario (default scenarios/salvo.yaml: six launches in 25 s)
# at SOAK_PIPELINE_RATE x real time (default 30), its epoch moved on by the scenario's
# length + 60 s, so each node's scenario clock only moves forward; the first epoch is
# two days back and the network's time window accepts three days, so scenario time
# stays behind the wall clock for about 185 passes. A new sim process joins the national
# domains every pass (a reconnect there each time).
# Checks, per node: the pipeline kept working (every pass added plots and published
# products: tracks, launch and impact estimates; the record table stops at 512); RSS slope from half time (SOAK_WARMUP_S, default 60, if later) to the end at most
# SOAK_RSS_KB_PER_MIN (default 1024); heap slope (the node's own count, heap_kb in
# status.json: the RSS also rises while memory allocated at start is first touched, the
# heap does not) over the same span at most SOAK_HEAP_KB_PER_MIN (default 128); fds and
# threads at the end as after the first pass (slack SOAK_FD_SLACK, default 4, for fds;
# threads exactly).
# JSON lines are appended to SOAK_JSON (default build/soak.json). Exit 1 naming every
# failed check.
. "$(dirname "$0")/../net/lib.sh"
T=${SOAK_PIPELINE_SECONDS:-240}
RATE=${SOAK_PIPELINE_RATE:-30}
SCN=${SOAK_SCENARIO:-${TL_SOURCE_DIR:-$(dirname "$0")/../..}/scenarios/salvo.yaml}
SAMPLE=${SOAK_SAMPLE_S:-2}
WARM=${SOAK_WARMUP_S:-60}
RSS_BOUND=${SOAK_RSS_KB_PER_MIN:-1024}
HEAP_BOUND=${SOAK_HEAP_KB_PER_MIN:-128}
FD_SLACK=${SOAK_FD_SLACK:-4}
JSON=${SOAK_JSON:-build/soak.json}
for v in "$T" "$RATE" "$SAMPLE" "$WARM" "$RSS_BOUND" "$HEAP_BOUND" "$FD_SLACK"; do
    case $v in '' | *[!0-9]*) echo "soak pipeline: settings must be whole numbers (got '$v')"; exit 2 ;; esac
done
[ "$T" -ge 240 ] && [ "$T" -le 5400 ] || { echo "soak pipeline: SOAK_PIPELINE_SECONDS must be 240..5400 (got $T): the first passes fill caches"; exit 2; }
[ "$RATE" -ge 1 ] && [ "$RATE" -le 100 ] || { echo "soak pipeline: SOAK_PIPELINE_RATE must be 1..100"; exit 2; }
[ "$SAMPLE" -ge 1 ] || SAMPLE=1
D=$(sed -n 's/^duration_s:[[:space:]]*\([0-9]*\).*/\1/p' "$SCN" | head -n 1)
[ -n "$D" ] || { echo "soak pipeline: $SCN: no duration_s"; exit 2; }

# five adjacent free domains: the two links and the three national plot domains
used=$(ss -Huln 2> /dev/null | awk '{print $4}' | sed 's/.*://' | sort -u)
seed=$(($$ + $(date +%N | sed 's/^0*//;s/^$/0/')))
B=""
for i in $(seq 0 60); do
    d=$((10 + ((seed + i * 7) % 18) * 5)) clash=0
    for dd in $d $((d + 1)) $((d + 2)) $((d + 3)) $((d + 4)); do
        for idx in 0 1; do
            p=$((7400 + 250 * dd + 10 + 2 * idx))
            echo "$used" | grep -qx -e "$p" -e "$((p + 1))" && clash=1
        done
    done
    [ $clash = 0 ] && { B=$d; break; }
done
[ -n "$B" ] || B=85
C=$WORK/net.yaml
cat > "$C" << EOC
nations: [JP, US, KR]
relays: [US]
heartbeat_period_s: 1
time_window_s: {past: 259200, future: 5}
links:
  - {name: us-jp, domain: $B, ends: [{nation: US, address: 127.0.0.1, participant_index: 0}, {nation: JP, address: 127.0.0.1, participant_index: 1}]}
  - {name: us-kr, domain: $((B + 1)), ends: [{nation: US, address: 127.0.0.1, participant_index: 0}, {nation: KR, address: 127.0.0.1, participant_index: 1}]}
national:
  - {nation: JP, domain: $((B + 2)), address: 127.0.0.1}
  - {nation: US, domain: $((B + 3)), address: 127.0.0.1}
  - {nation: KR, domain: $((B + 4)), address: 127.0.0.1}
policy:
  - {origin: JP, products: [all], to: [US, KR], marking: "REL TO JPN, USA, KOR"}
  - {origin: US, products: [all], to: [JP, KR], marking: "REL TO USA, JPN, KOR"}
  - {origin: KR, products: [all], to: [US, JP], marking: "REL TO KOR, USA, JPN"}
EOC
"$TL_BIN" pki init "$WORK/pki" --config "$C" > /dev/null || fail "pki init"
common="--config $C --pki $WORK/pki --duration $((T + 600))"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
T0=$(now_ms)
at() { echo $((($(now_ms) - T0) / 1000)); }
SAMPLES=$WORK/samples.tsv
: > "$SAMPLES"
# sample NATION : "t_ms nation pass rss_kb fds threads plots system_tracks records published heap_kb"
sample() {
    eval "p=\$PID_$1"
    st=$(awk '/^VmRSS:/ {r = $2} /^Threads:/ {t = $2} END {print r + 0, t + 0}' "/proc/$p/status" 2> /dev/null)
    [ -n "$st" ] || return 0
    fds=$(ls "/proc/$p/fd" 2> /dev/null | wc -l)
    f="$WORK/$(echo "$1" | tr 'A-Z' 'a-z')/status.json"
    pl=$(sed -n 's/.*"plots": \([0-9]*\).*/\1/p' "$f" 2> /dev/null)
    sy=$(sed -n 's/.*"system_tracks": \([0-9]*\).*/\1/p' "$f" 2> /dev/null)
    rc=$(sed -n 's/.*"records": \([0-9]*\).*/\1/p' "$f" 2> /dev/null)
    pb=$(sed -n 's/.*"published": \([0-9]*\).*/\1/p' "$f" 2> /dev/null)
    hp=$(sed -n 's/.*"heap_kb": \(-*[0-9]*\).*/\1/p' "$f" 2> /dev/null)
    set -- "$1" $st
    echo "$(($(now_ms) - T0)) $1 $pass $2 $fds $3 ${pl:-0} ${sy:-0} ${rc:-0} ${pb:-0} ${hp:--1}" >> "$SAMPLES"
}

echo "soak pipeline: JP, US, KR with their pipelines (domains $B..$((B + 4)), DDS Security on);" \
    "$(basename "$SCN") ($D s) at ${RATE}x, looped for $T s"
for n in US JP KR; do start $n $common --nation $n --state "$WORK/$(echo $n | tr 'A-Z' 'a-z')"; done
E0=$(($(date +%s) - 172800))
pass=0
while [ "$(at)" -lt "$T" ]; do
    epoch=$(date -u -d "@$((E0 + pass * (D + 60)))" +%Y-%m-%dT%H:%M:%SZ)
    "$TL_BIN" sim run "$SCN" --publish --config "$C" --rate "$RATE" --epoch "$epoch" --wait 30 \
        > "$WORK/sim$pass.out" 2>&1 &
    sim=$!
    PIDS="$PIDS $sim"
    # bounded: a pass lasts D/RATE s (+ the subscription wait); give it three times that
    lim=$(($(at) + 3 * D / RATE + 60))
    while kill -0 $sim 2> /dev/null && [ "$(at)" -lt $lim ]; do
        for n in JP US KR; do sample $n; done
        sleep "$SAMPLE"
    done
    kill $sim 2> /dev/null
    wait $sim
    src=$?
    [ $src = 0 ] || { cat "$WORK/sim$pass.out"; fail "pass $pass: trilink sim run exited with $src"; }
    sent=$(sed -n 's/^published \([0-9]*\) plots.*/\1/p' "$WORK/sim$pass.out")
    echo "soak pipeline: $(at) s: pass $pass (epoch $epoch): ${sent:-no} plots published;" \
        "$(tail -n 3 "$SAMPLES" | awk '{ printf "%s rss %d kB heap %d kB rec %d; ", $2, $4, $11, $9 }')"
    pass=$((pass + 1))
done
sleep 3
for n in JP US KR; do sample $n; done
for n in JP US KR; do stop $n; done

FAILED=""
check() {
    if [ "$2" = 1 ]; then echo "  ok    $1: $3"; else echo "  FAIL  $1: $3"; FAILED="$FAILED $1"; fi
}
json() { printf '{"name": "%s", "unit": "%s", "value": %s}\n' "$1" "$2" "$3" >> "$JSON"; }
# the RSS slope from half time (or SOAK_WARMUP_S if later) to the end
W0=$((T / 2)); [ $W0 -ge "$WARM" ] || W0=$WARM
echo
echo "soak pipeline summary ($pass passes of $(basename "$SCN") in $(at) s)"
json "soak_pipeline_passes" "count" "$pass"
for n in JP US KR; do
    # per pass: plots and system tracks seen (max over the pass's samples); the first
    # pass's last sample is the fd/thread baseline
    r=$(awk -v n="$n" -v warm=$((W0 * 1000)) -v npass=$pass '
        $2 != n { next }
        $3 >= npass { $3 = npass - 1 }   # the samples after the last pass
        { last_pass = $3; plots[$3] = $7; rec[$3] = $9; pub[$3] = $10; rss_end = $4; fd_end = $5; thr_end = $6 }
        $3 == 0 { fd0 = $5; thr0 = $6 }
        !got && $1 >= 10000 { rss0 = $4; got = 1 }
        $1 >= warm { m++; x = $1 / 60000.0; y = $4; sx += x; sy += y; sxx += x * x; sxy += x * y }
        $1 >= warm && $11 >= 0 { hm++; hx += x; hy += $11; hxx += x * x; hxy += x * $11; if (!hgot) { heap0 = $11; hgot = 1 }; heap1 = $11 }
        END {
            stuck = 0
            for (k = 1; k <= last_pass; k++) if (plots[k] <= plots[k - 1] || pub[k] <= pub[k - 1]) stuck++
            slope = (m > 2 && m * sxx - sx * sx > 0) ? (m * sxy - sx * sy) / (m * sxx - sx * sx) : 0
            hslope = (hm > 2 && hm * hxx - hx * hx > 0) ? (hm * hxy - hx * hy) / (hm * hxx - hx * hx) : 0
            printf "%d %d %.1f %d %d %d %d %d %d %d %d %.1f %d %d %d\n", rss0, rss_end, slope, m, fd0, fd_end, thr0, thr_end,
                plots[last_pass], rec[last_pass], stuck, hslope, hm, heap0, heap1
        }' "$SAMPLES")
    set -- $r
    rss0=$1 rss1=$2 slope=$3 m=$4 fd0=$5 fd1=$6 thr0=$7 thr1=$8 plots=$9 rec=${10} stuck=${11}
    hslope=${12} hm=${13} heap0=${14} heap1=${15}
    echo "  $n: RSS $rss0 kB at 10 s, $rss1 kB at the end: slope $slope kB/min from ${W0} s ($m samples);" \
        "heap $heap0 -> $heap1 kB from ${W0} s: slope $hslope kB/min ($hm samples);" \
        "fds $fd0 -> $fd1, threads $thr0 -> $thr1; $plots plots, $rec system-track records"
    check "pipeline_$n" "$([ "$stuck" = 0 ] && [ "$plots" -gt 0 ] && echo 1)" \
        "$stuck of $((pass - 1)) later passes added no plots or published no products"
    check "pipeline_rss_$n" "$(awk -v s="$slope" -v b="$RSS_BOUND" -v m="$m" 'BEGIN { print (s <= b && m >= 10) ? 1 : 0 }')" \
        "RSS slope $slope kB/min (bound $RSS_BOUND kB/min)"
    check "pipeline_heap_$n" "$(awk -v s="$hslope" -v b="$HEAP_BOUND" -v m="$hm" 'BEGIN { print (s <= b && m >= 10) ? 1 : 0 }')" \
        "heap slope $hslope kB/min (bound $HEAP_BOUND kB/min; the RSS slope includes first touches)"
    check "pipeline_fds_$n" "$([ "$fd1" -le $((fd0 + FD_SLACK)) ] && [ "$thr1" -le "$thr0" ] && echo 1)" \
        "fds $fd1 at the end vs $fd0 after the first pass (slack $FD_SLACK), threads $thr1 vs $thr0"
    json "soak_pipeline_${n}_rss_start" "kB" "$rss0"
    json "soak_pipeline_${n}_rss_end" "kB" "$rss1"
    json "soak_pipeline_${n}_rss_slope" "kB/min" "$slope"
    json "soak_pipeline_${n}_heap_start" "kB" "$heap0"
    json "soak_pipeline_${n}_heap_end" "kB" "$heap1"
    json "soak_pipeline_${n}_heap_slope" "kB/min" "$hslope"
    json "soak_pipeline_${n}_fds_end" "count" "$fd1"
    json "soak_pipeline_${n}_threads_end" "count" "$thr1"
    json "soak_pipeline_${n}_plots" "count" "$plots"
    json "soak_pipeline_${n}_records" "count" "$rec"
done
if [ -n "$FAILED" ]; then
    echo "soak pipeline: FAILED:$FAILED"
    fail "soak pipeline checks failed:$FAILED"
fi
echo "soak pipeline: all checks passed"

#!/bin/sh
# soak.sh — a bounded soak of the three-node network (`make soak`, docs/network.md "Soak").
#
# JP, US (relay) and KR run as real `trilink node` processes on loopback with DDS
# Security; KR and JP each publish synthetic tracks at SOAK_RATE per second for
# SOAK_SECONDS (default 300; the run stops by itself). Meanwhile the US relay is
# stopped (SIGTERM) and later killed (SIGKILL), and JP is killed, each for a short
# outage (SOAK_OUTAGE_S, default 5 s). Every SOAK_SAMPLE_S seconds each node's VmRSS,
# VmHWM, open fds, threads and journal size (db, wal) are sampled from /proc and the
# state directory. At the end it checks:
#  loss   every product JP published is journaled at KR and at US, and KR's at JP and US
#         (an origin killed between its send and its commit may leave at most one
#         product its own journal lacks: counted, not a failure);
#  once   each receiver handed each product to fusion at most once and in per-origin
#         sequence order (RECV lines, across restarts), and all of them when it was
#         never killed;
#  rss    the RSS slope (least squares) of each node's last instance from half time, or
#         SOAK_WARMUP_S (default 60) after that instance started if later, to the end is
#         at most SOAK_RSS_KB_PER_MIN (default 1024 kB/min; docs/network.md says why);
#  fds    open fds and threads at the end are back at the value of the first instance
#         before any restart (within SOAK_FD_SLACK, default 4 fds; threads exactly);
#  wal    checkpoints keep up: over the second half the WAL keeps being emptied and
#         restarted, the median of its live frames (read from journal.db-shm) is at most
#         SOAK_WAL_FRAMES (default 2048, 8 MB: the journal wakes its checkpoint thread
#         there, or every second); and the WAL file (its size is its
#         high-water mark) never passed the journal's inline-checkpoint guard of 16,384
#         pages (SOAK_WAL_MAX_KB, default 66176 kB with frame headers).
# Prints a summary and writes JSON lines {"name","unit","value"} to SOAK_JSON
# (default build/soak.json). Exit 1 naming every failed check.
. "$(dirname "$0")/../net/lib.sh"
T=${SOAK_SECONDS:-300}
RATE=${SOAK_RATE:-100}
OUTAGE=${SOAK_OUTAGE_S:-5}
SAMPLE=${SOAK_SAMPLE_S:-2}
WARM=${SOAK_WARMUP_S:-60}
RSS_BOUND=${SOAK_RSS_KB_PER_MIN:-1024}
FD_SLACK=${SOAK_FD_SLACK:-4}
WAL_FRAMES=${SOAK_WAL_FRAMES:-2048}
WAL_MAX=${SOAK_WAL_MAX_KB:-66176}
JSON=${SOAK_JSON:-build/soak.json}
KEEP_SAMPLES=${SOAK_SAMPLES:-${JSON%.json}-samples.tsv}
for v in "$T" "$RATE" "$OUTAGE" "$SAMPLE" "$WARM" "$RSS_BOUND" "$FD_SLACK" "$WAL_FRAMES" "$WAL_MAX"; do
    case $v in '' | *[!0-9]*) echo "soak: settings must be whole numbers (got '$v')"; exit 2 ;; esac
done
# The last restart is at 35% + SOAK_OUTAGE_S; the RSS slope wants SOAK_WARMUP_S after it
# and then at least 10 samples: 180 s with the defaults.
[ "$T" -ge 180 ] && [ "$T" -le 86400 ] || {
    echo "soak: SOAK_SECONDS must be 180..86400 (got $T): the RSS slope needs a steady window after the last restart"
    exit 2
}
[ "$RATE" -ge 1 ] && [ "$RATE" -le 2000 ] || { echo "soak: SOAK_RATE must be 1..2000 (got $RATE)"; exit 2; }
[ "$SAMPLE" -ge 1 ] || SAMPLE=1
command -v sqlite3 > /dev/null || { echo "soak: needs sqlite3"; exit 2; }

C=$WORK/net.yaml
pick_domains
write_config "$C" $D1 $D2
"$TL_BIN" pki init "$WORK/pki" --config "$C" > /dev/null || fail "pki init"
common="--config $C --pki $WORK/pki --duration $((T + 180))" # a node never outlives the soak by much

# The schedule (seconds after the start): US stopped, US killed, JP killed; each back
# after OUTAGE seconds. All before half time, so the second half is the steady state.
E1=$((T * 15 / 100)) E2=$((T * 25 / 100)) E3=$((T * 35 / 100))

now_ms() { echo $(($(date +%s%N) / 1000000)); }
T0=$(now_ms)
at() { echo $((($(now_ms) - T0) / 1000)); } # seconds since the start

# pid_of NAME : the pid of the current instance of NAME (JP, US, KR)
cur_JP=JP cur_US=US cur_KR=KR
pid_of() { eval "_i=\$cur_$1"; eval "echo \$PID_$_i"; }
state_of() { echo "$WORK/$(echo "$1" | tr 'A-Z' 'a-z')"; }

# sample NATION : one line "t_ms nation instance pid rss_kb hwm_kb fds threads db_bytes wal_bytes
#                  wal_frames backfilled_frames"
SAMPLES=$WORK/samples.tsv
: > "$SAMPLES"
sample() {
    p=$(pid_of "$1")
    eval "inst=\$cur_$1"
    [ -r "/proc/$p/status" ] || return 0
    st=$(awk '/^VmRSS:/ {r = $2} /^VmHWM:/ {h = $2} /^Threads:/ {t = $2} END {print r + 0, h + 0, t + 0}' \
        "/proc/$p/status" 2> /dev/null)
    set -- "$1" $st
    [ "$2" -gt 0 ] 2> /dev/null || return 0 # exiting or gone
    fds=$(ls "/proc/$p/fd" 2> /dev/null | wc -l)
    s=$(state_of "$1")
    db=$(stat -c %s "$s/journal.db" 2> /dev/null || echo 0)
    wal=$(stat -c %s "$s/journal.db-wal" 2> /dev/null || echo 0)
    # SQLite's WAL index (journal.db-shm) starts with the WAL header: mxFrame, the frames
    # in the WAL now, at byte 16; the checkpoint info's nBackfill, frames already copied
    # into the database, at byte 96 (native u32). mxFrame drops to 0 when the WAL restarts.
    fr=$(od -An -t u4 -j 16 -N 4 "$s/journal.db-shm" 2> /dev/null | tr -d ' ')
    bf=$(od -An -t u4 -j 96 -N 4 "$s/journal.db-shm" 2> /dev/null | tr -d ' ')
    echo "$(($(now_ms) - T0)) $1 $inst $p $2 $3 $fds $4 $db $wal ${fr:-0} ${bf:-0}" >> "$SAMPLES"
}

echo "soak: JP, US, KR on loopback (domains $D1, $D2), DDS Security on; JP and KR publish $RATE/s each for $T s"
echo "soak: US stopped at ${E1} s, US killed at ${E2} s, JP killed at ${E3} s, each back after ${OUTAGE} s"
N=$((RATE * T))
start US $common --nation US --state "$WORK/us"
start JP $common --nation JP --state "$WORK/jp" --inject-synthetic $N --inject-rate $RATE --inject-delay 3
start KR $common --nation KR --state "$WORK/kr" --inject-synthetic $N --inject-rate $RATE --inject-delay 3

# The run: events in order, a sample of every node every SAMPLE seconds, a progress
# line every 30 s. Bounded: the loop ends at T seconds whatever happens.
step=0 next_print=30
while :; do
    t=$(at)
    [ "$t" -ge "$T" ] && break
    case $step in
    0) if [ "$t" -ge $E1 ]; then
           echo "soak: $t s: US stop (SIGTERM)"; stop US; step=1; fi ;;
    1) if [ "$t" -ge $((E1 + OUTAGE)) ]; then
           echo "soak: $(at) s: US restart"; start US2 $common --nation US --state "$WORK/us"; cur_US=US2; step=2; fi ;;
    2) if [ "$t" -ge $E2 ]; then
           echo "soak: $t s: US kill (SIGKILL)"; kill -9 "$PID_US2"; wait "$PID_US2" 2> /dev/null; step=3; fi ;;
    3) if [ "$t" -ge $((E2 + OUTAGE)) ]; then
           echo "soak: $(at) s: US restart"; start US3 $common --nation US --state "$WORK/us"; cur_US=US3; step=4; fi ;;
    4) if [ "$t" -ge $E3 ]; then
           echo "soak: $t s: JP kill (SIGKILL)"; kill -9 "$PID_JP"; wait "$PID_JP" 2> /dev/null; step=5; fi ;;
    5) if [ "$t" -ge $((E3 + OUTAGE)) ]; then
           t=$(at)
           echo "soak: $t s: JP restart, publishing $((RATE * (T - t))) more"
           start JP2 $common --nation JP --state "$WORK/jp" --inject-synthetic $((RATE * (T - t))) \
               --inject-rate $RATE --inject-delay 0
           cur_JP=JP2; step=6; fi ;;
    esac
    for n in JP US KR; do sample $n; done
    if [ "$t" -ge $next_print ]; then
        tail -n 3 "$SAMPLES" | awk -v t="$t" '{ printf "%s%s rss %d kB fds %d thr %d wal %d kB", NR == 1 ? "soak: " t " s: " : "; ",
            $2, $5, $7, $8, $10 / 1024 } END { print "" }'
        next_print=$((next_print + 30))
    fi
    sleep "$SAMPLE"
done
t_end=$(at)
# steady-state fds/threads are read before the nodes stop
for n in JP US KR; do sample $n; done
cp "$SAMPLES" "$KEEP_SAMPLES" 2> /dev/null

# Drain: the injectors are done (they stop by count); wait (bounded) until each side has
# everything its partner published, then stop the nodes cleanly and read the journals.
own() { sql "$(state_of "$1")" "select count(*) from products where origin='$1' and status='own'"; }
got() { sql "$(state_of "$2")" "select count(*) from products where origin='$1' and status='accepted'"; }
echo "soak: $t_end s: publishing done; waiting (up to 90 s) for the last products to arrive"
for _ in $(seq 1 90); do
    [ "$(own JP)" = "$(got JP KR)" ] && [ "$(own KR)" = "$(got KR JP)" ] && break
    sleep 1
done
stop KR; eval "stop $cur_JP"; eval "stop $cur_US"

FAILED=""
check() { # check NAME OK(0/1) MESSAGE
    if [ "$2" = 1 ]; then echo "  ok    $1: $3"; else echo "  FAIL  $1: $3"; FAILED="$FAILED $1"; fi
}
json() { printf '{"name": "%s", "unit": "%s", "value": %s}\n' "$1" "$2" "$3" >> "$JSON.tmp"; }
: > "$JSON.tmp"

echo
echo "soak summary ($T s, $RATE products/s from JP and from KR)"
# --- (a) loss, exactly once, order
# set ORIGIN RECEIVER STATUS : the sequence numbers ORIGIN's products have at RECEIVER
seqs() { sql "$(state_of "$2")" "select seq from products where origin='$1' and status='$3' order by seq"; }
recv_seqs() { # recv_seqs ORIGIN FILE... : RECV sequence numbers of ORIGIN, in hand-over order
    o=$1; shift
    cat "$@" | sed -n "s/^RECV [a-z]* origin=$o seq=\([0-9]*\) .*/\1/p"
}
for pair in "JP KR" "KR JP"; do
    set -- $pair
    o=$1 r=$2
    seqs "$o" "$o" own > "$WORK/own.$o"
    seqs "$o" "$r" accepted > "$WORK/acc.$o.$r"
    sql "$WORK/us" "select seq from products where origin='$o' order by seq" > "$WORK/us.$o"
    for f in own.$o acc.$o.$r us.$o; do sort "$WORK/$f" > "$WORK/$f.s"; done # comm wants text order
    n_own=$(wc -l < "$WORK/own.$o")
    missing=$(comm -23 "$WORK/own.$o.s" "$WORK/acc.$o.$r.s" | wc -l)
    extra=$(comm -13 "$WORK/own.$o.s" "$WORK/acc.$o.$r.s" | wc -l)
    us_missing=$(comm -23 "$WORK/own.$o.s" "$WORK/us.$o.s" | wc -l)
    if [ "$r" = JP ]; then files="$WORK/JP.out $WORK/JP2.out"; else files="$WORK/KR.out"; fi
    # shellcheck disable=SC2086
    recv_seqs "$o" $files > "$WORK/recv.$o.$r"
    n_recv=$(wc -l < "$WORK/recv.$o.$r")
    n_acc=$(wc -l < "$WORK/acc.$o.$r")
    disorder=$(awk 'NR > 1 && $1 <= last { bad++ } { last = $1 } END { print bad + 0 }' "$WORK/recv.$o.$r")
    not_journaled=$(sort "$WORK/recv.$o.$r" | comm -23 - "$WORK/acc.$o.$r.s" | wc -l)
    # an origin killed between send and commit may leave one product only its partners hold
    max_extra=0
    [ "$o" = JP ] && max_extra=1
    check "loss_${o}_to_${r}" "$([ "$missing" = 0 ] && [ "$n_own" -gt 0 ] && [ "$extra" -le $max_extra ] && echo 1)" \
        "$r journaled $n_acc of the $n_own products $o journaled as its own: $missing missing, $extra that only $r holds"
    check "relay_journal_${o}" "$([ "$us_missing" = 0 ] && echo 1)" "US journal lacks $us_missing of $o's products"
    # JP is killed: products it journaled just before the kill may not have reached fusion
    # (at-most-once into fusion across a crash, docs/network.md); KR never is: all of them.
    if [ "$r" = KR ]; then lost_fusion_ok=$([ "$n_recv" = "$n_acc" ] && echo 1); else
        lost_fusion_ok=$([ $((n_acc - n_recv)) -ge 0 ] && [ $((n_acc - n_recv)) -le 64 ] && echo 1); fi
    check "once_${o}_to_${r}" "$([ "$disorder" = 0 ] && [ "$not_journaled" = 0 ] && [ "$lost_fusion_ok" = 1 ] && echo 1)" \
        "$r handed $n_recv of them to fusion, $disorder out of order or repeated, $not_journaled not journaled"
    json "soak_${o}_to_${r}_products" "count" "$n_own"
    json "soak_${o}_to_${r}_missing" "count" "$missing"
    json "soak_${o}_to_${r}_out_of_order" "count" "$disorder"
done
total=$(($(wc -l < "$WORK/own.JP") + $(wc -l < "$WORK/own.KR")))
echo "  $total products in $T s: $((total / T)) products/s through the US relay"
json "soak_products_per_s" "1/s" "$((total / T))"
json "soak_restarts" "count" 3
json "soak_seconds" "s" "$T"

# --- (b) memory, (c) fds and threads, (d) WAL, per node
for n in JP US KR; do
    eval "last=\$cur_$n"
    r=$(awk -v n="$n" -v last="$last" -v half=$((T * 500)) -v e1=$((E1 * 1000)) -v warm=$((WARM * 1000)) '
        $2 != n { next }
        { k++ }
        !got_start && $1 >= 10000 { rss_start = $5; got_start = 1 }  # after 10 s: allocated, not yet loaded
        $1 < e1 { fd0 = $7; thr0 = $8 }                       # first instance, before any restart
        $1 <= half { wal_half = $10 }
        { rss_end = $5; hwm = $6 > hwm ? $6 : hwm; fd_end = $7; thr_end = $8; wal_end = $10; db_end = $9
          wal_max = $10 > wal_max ? $10 : wal_max }
        $3 == last && !ls { ls = $1; w0 = ls + warm > half ? ls + warm : half }   # the slope window
        $3 == last && $1 >= w0 { m++; x = $1 / 60000.0; y = $5; sx += x; sy += y; sxx += x * x; sxy += x * y
                                 if (m == 1) { rss_w0 = $5; t_w0 = $1 } }
        END {
            slope = (m > 2 && m * sxx - sx * sx > 0) ? (m * sxy - sx * sy) / (m * sxx - sx * sx) : 0
            printf "%d %d %.1f %d %d %d %d %d %d %d %d %d %d %d %d\n", rss_start, rss_end, slope, hwm, fd0, fd_end,
                thr0, thr_end, wal_half, wal_end, wal_max, db_end, m, t_w0 / 1000, rss_w0
        }' "$SAMPLES")
    set -- $r
    rss0=$1 rss1=$2 slope=$3 hwm=$4 fd0=$5 fd1=$6 thr0=$7 thr1=$8 walh=$9 wal1=${10} walmax=${11} db=${12}
    m=${13} tw0=${14} rssw0=${15}
    restarts=0
    case $n in US) restarts=2 ;; JP) restarts=1 ;; esac
    echo "  $n: RSS ${rss0} kB at 10 s, $rssw0 kB at $tw0 s, $rss1 kB at the end (peak $hwm kB): slope $slope kB/min" \
        "from $tw0 s to the end ($m samples);" \
        "fds $fd0 -> $fd1, threads $thr0 -> $thr1; WAL $((walh / 1024)) kB at half time, $((wal1 / 1024)) kB at the end" \
        "(max $((walmax / 1024)) kB); journal $((db / 1024)) kB; $restarts restart(s)"
    check "rss_$n" "$(awk -v s="$slope" -v b="$RSS_BOUND" -v m="$m" 'BEGIN { print (s <= b && m >= 10) ? 1 : 0 }')" \
        "RSS slope $slope kB/min (bound $RSS_BOUND kB/min; over $m samples, at least 10: else raise SOAK_SECONDS)"
    check "fds_$n" "$([ "$fd1" -le $((fd0 + FD_SLACK)) ] && [ "$thr1" -le "$thr0" ] && echo 1)" \
        "fds $fd1 at the end vs $fd0 before the first restart (slack $FD_SLACK), threads $thr1 vs $thr0"
    awk -v n="$n" -v half=$((T * 500)) '$2 == n && $1 >= half { print $11 }' "$SAMPLES" | sort -n > "$WORK/frames.$n"
    nf=$(wc -l < "$WORK/frames.$n")
    fmed=$(sed -n "$((nf / 2 + 1))p" "$WORK/frames.$n")
    fmax=$(tail -n 1 "$WORK/frames.$n")
    check "wal_$n" "$([ "${fmed:-999999}" -le "$WAL_FRAMES" ] && [ "$walmax" -le $((WAL_MAX * 1024)) ] && echo 1)" \
        "frames in the live WAL over the second half: median ${fmed:-none} (bound $WAL_FRAMES), max ${fmax:-none}; WAL file at most $((walmax / 1024)) kB (bound $WAL_MAX kB)"
    json "soak_${n}_wal_frames_median" "frames" "${fmed:-0}"
    json "soak_${n}_wal_frames_max" "frames" "${fmax:-0}"
    json "soak_${n}_rss_start" "kB" "$rss0"
    json "soak_${n}_rss_end" "kB" "$rss1"
    json "soak_${n}_rss_slope" "kB/min" "$slope"
    json "soak_${n}_rss_peak" "kB" "$hwm"
    json "soak_${n}_fds_start" "count" "$fd0"
    json "soak_${n}_fds_end" "count" "$fd1"
    json "soak_${n}_threads_start" "count" "$thr0"
    json "soak_${n}_threads_end" "count" "$thr1"
    json "soak_${n}_wal_max" "kB" "$((walmax / 1024))"
    json "soak_${n}_wal_end" "kB" "$((wal1 / 1024))"
    json "soak_${n}_journal" "kB" "$((db / 1024))"
done
mv "$JSON.tmp" "$JSON"
echo "soak: wrote $JSON (samples: $KEEP_SAMPLES)"
if [ -n "$FAILED" ]; then
    echo "soak: FAILED:$FAILED"
    fail "soak checks failed:$FAILED"
fi
echo "soak: all checks passed"

#!/bin/sh
# net_noloss.sh — nothing is lost, nothing is duplicated:
#  1. KR publishes 1,000 products while the US relay is stopped for 30 s; after
#     it returns JP has all 1,000 exactly once, in KR's sequence order.
#  2. KR (restarted, continuing its sequence) publishes 1,000 more while JP is
#     killed (SIGKILL) and restarted; JP ends with all 2,000 exactly once, in order.
#  3. KR is killed (SIGKILL) and its last 50 commits are taken out of its journal,
#     as a power loss may do (synchronous=NORMAL); restarted, it must not reuse
#     those sequence numbers (partners hold them): JP gets its 100 new products.
# "In order" is the order JP hands products to fusion (its RECV lines), per run.
. "$(dirname "$0")/lib.sh"
C=$WORK/net.yaml
pick_domains
write_config "$C" $D1 $D2
"$TL_BIN" pki init "$WORK/pki" --config "$C" > /dev/null || fail "pki init"
common="--config $C --pki $WORK/pki"
Q="select count(*) from products where origin='KR' and status='accepted'"
# in_order FILE... : KR's sequence numbers in the RECV lines strictly increase, across the files
in_order() {
    cat "$@" | sed -n 's/^RECV [a-z]* origin=KR seq=\([0-9]*\) .*/\1/p' |
        awk 'NR > 1 && $1 <= last { bad = 1 } { last = $1 } END { exit bad }'
}
DUPS="select count(*) - count(distinct seq) from products where origin='KR'"

start US $common --nation US --state "$WORK/us"
start JP $common --nation JP --state "$WORK/jp"
start KR $common --nation KR --state "$WORK/kr" --inject-synthetic 1000 --inject-rate 40 --inject-delay 3
wait_ge "$WORK/jp" "$Q" 20 30 || fail "phase 1: nothing flows before the outage"
stop US
t_stop=$(date +%s)
sleep "${TL_OUTAGE_S:-30}"
sent=$(sql "$WORK/kr" "select count(*) from products where origin='KR'")
at_jp=$(sql "$WORK/jp" "$Q")
echo "US down 30 s: KR published $sent so far, JP holds $at_jp"
[ "$at_jp" -lt "$sent" ] || fail "the outage did not stop the flow (JP $at_jp, KR $sent)"
start US2 $common --nation US --state "$WORK/us"
wait_sql "$WORK/jp" "$Q" 1000 60 || fail "phase 1: JP has $(sql "$WORK/jp" "$Q") of 1000 after the relay returned"
echo "recovered $(( $(date +%s) - t_stop )) s after the relay stopped"
[ "$(sql "$WORK/jp" "$DUPS")" = 0 ] || fail "phase 1: duplicates in JP's journal"
in_order "$WORK/JP.out" || fail "phase 1: JP handed KR products to fusion out of sequence order"
pass "relay stopped 30 s: JP has all 1000 KR products exactly once, in order"
stop KR

start KR2 $common --nation KR --state "$WORK/kr" --inject-synthetic 1000 --inject-rate 100 --inject-delay 3
wait_ge "$WORK/jp" "$Q" 1100 30 || fail "phase 2: flow did not resume"
eval "kill -9 \$PID_JP"
sleep 6
start JP2 $common --nation JP --state "$WORK/jp"
wait_sql "$WORK/jp" "$Q" 2000 60 || fail "phase 2: JP has $(sql "$WORK/jp" "$Q") of 2000 after its restart"
[ "$(sql "$WORK/jp" "$DUPS")" = 0 ] || fail "phase 2: duplicates in JP's journal"
in_order "$WORK/JP.out" "$WORK/JP2.out" || fail "phase 2: JP handed KR products to fusion out of sequence order"
[ "$(sql "$WORK/jp" "select max(seq) from products where origin='KR'")" = 2000 ] || fail "phase 2: wrong last seq"
pass "JP killed and restarted: all 2000 KR products exactly once, in order"
dups=$(sed -n 's/.*"dups_dropped": \([0-9]*\).*/\1/p' "$WORK/jp/health.json")
echo "JP dropped $dups duplicates since its restart; gap-fill requests: $(sed -n 's/.*"gapfill_requests": \([0-9]*\).*/\1/p' "$WORK/jp/health.json")"

eval "kill -9 \$PID_KR2"
wait "$PID_KR2" 2>/dev/null
sql "$WORK/kr" "delete from products where origin='KR' and seq > 1950" # the lost commits
start KR3 $common --nation KR --state "$WORK/kr" --inject-synthetic 100 --inject-rate 50 --inject-delay 3
wait_sql "$WORK/jp" "$Q" 2100 60 || fail "phase 3: JP has $(sql "$WORK/jp" "$Q") of 2100 KR products after KR lost its last commits"
[ "$(sql "$WORK/jp" "$DUPS")" = 0 ] || fail "phase 3: duplicates in JP's journal"
in_order "$WORK/JP2.out" || fail "phase 3: JP handed KR products to fusion out of sequence order"
grep -q "did not stop cleanly" "$WORK/KR3.err" || fail "phase 3: KR did not notice its unclean stop"
pass "KR lost its last 50 commits: its sequence went on past them, JP got all 100 new products"


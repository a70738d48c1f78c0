#!/bin/sh
# net_window.sh — the time window and gap-fill: products that aged beyond the
# window while JP was away are owed to no one, so the relay does not re-send them,
# and they do not block what KR publishes next (the gap-fill answer carries the new
# product with a chain that starts at JP's last sequence).
. "$(dirname "$0")/lib.sh"
C=$WORK/net.yaml
pick_domains
WINDOW_PAST=6 write_config "$C" $D1 $D2
"$TL_BIN" pki init "$WORK/pki" --config "$C" > /dev/null || fail "pki init"
common="--config $C --pki $WORK/pki"
Q="select group_concat(seq) from (select seq from products where origin='KR' order by id)"
start US $common --nation US --state "$WORK/us"
start JP $common --nation JP --state "$WORK/jp"
start KR1 $common --nation KR --state "$WORK/kr" --inject-synthetic 3 --inject-rate 10 --inject-delay 3
wait_sql "$WORK/jp" "$Q" "1,2,3" 30 || fail "JP got '$(sql "$WORK/jp" "$Q")', expected 1,2,3"
stop JP; stop KR1
start KR2 $common --nation KR --state "$WORK/kr" --inject-synthetic 2 --inject-rate 10 --inject-delay 1
wait_sql "$WORK/us" "select max(seq) from products where origin='KR'" 5 20 || fail "US did not get KR 4, 5"
stop KR2
sleep 8   # KR 4 and 5 are now older than the 6 s window
start JP2 $common --nation JP --state "$WORK/jp"
start KR3 $common --nation KR --state "$WORK/kr" --inject-synthetic 1 --inject-delay 4
wait_sql "$WORK/jp" "$Q" "1,2,3,6" 30 || fail "JP holds '$(sql "$WORK/jp" "$Q")', expected 1,2,3,6"
[ "$(sql "$WORK/jp" "select count(*) from rejected")" = 0 ] || fail "stale products were re-sent to JP (rejected: $(sql "$WORK/jp" "select group_concat(seq || ':' || reason) from rejected"))"
pass "products aged beyond the window are not re-sent nor waited for: JP has 1,2,3,6"

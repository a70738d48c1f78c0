#!/bin/sh
# net_loopback.sh — three secure nodes on loopback. KR publishes tracks (releasable
# to US and JP; sensors dropped for JP) and alerts (releasable to US only), and
# writes one invalid sample of each kind. JP has no link to KR: it must get every
# track through the US relay, exactly once and in order, without KR's sensor ids,
# and never an alert. US must reject and count each invalid sample and keep
# relaying. Nothing KR published may come back to KR.
. "$(dirname "$0")/lib.sh"
C=$WORK/net.yaml
pick_domains
write_config "$C" $D1 $D2
"$TL_BIN" pki init "$WORK/pki" --config "$C" > /dev/null || fail "pki init"
common="--config $C --pki $WORK/pki --duration 40"
start US $common --nation US --state "$WORK/us" --poll-loop   # this relay takes products on its loop thread (JP, KR: listeners, the default)
start JP $common --nation JP --state "$WORK/jp"
start KRa $common --nation KR --state "$WORK/kr" --inject-bad --inject-synthetic 30 --inject-rate 20 --inject-delay 4

Q_TRACKS="select count(*) from products where origin='KR' and kind='track' and status='accepted'"
wait_sql "$WORK/jp" "$Q_TRACKS" 30 30 || fail "JP got $(sql "$WORK/jp" "$Q_TRACKS") of 30 KR tracks"
stop KRa
# Second KR run continues its sequence from its journal: 10 alerts, releasable to US only.
start KRb $common --nation KR --state "$WORK/kr" --inject-synthetic 10 --inject-kind alert --inject-rate 20 --inject-delay 3
Q_ALERTS="select count(*) from products where origin='KR' and kind='alert'"
wait_sql "$WORK/us" "$Q_ALERTS and status='accepted'" 10 30 || fail "US got $(sql "$WORK/us" "$Q_ALERTS") of 10 KR alerts"
# Then 5 more tracks: proves JP's chain skips the alerts it is not owed.
stop KRb
start KRc $common --nation KR --state "$WORK/kr" --inject-synthetic 5 --inject-rate 20 --inject-delay 3
wait_sql "$WORK/jp" "$Q_TRACKS" 35 30 || fail "JP got $(sql "$WORK/jp" "$Q_TRACKS") of 35 KR tracks after the alerts"
sleep 2
[ "$(sql "$WORK/jp" "$Q_ALERTS")" = 0 ] || fail "an alert not releasable to JP reached JP's journal"
grep -q "RECV alert" "$WORK/JP.out" && fail "an alert not releasable to JP reached JP's fusion callback"
pass "KR tracks reach JP only through US (35/35); alerts releasable to US only never reach JP"

# Exactly once, in order: seqs 1..30 and 41..45 (31..40 are the alerts).
seqs=$(sql "$WORK/jp" "select group_concat(seq) from (select seq from products where origin='KR' order by id)")
want=$( (seq 1 30; seq 41 45) | paste -sd, -)
[ "$seqs" = "$want" ] || fail "JP's KR sequence is '$seqs', expected '$want'"
paths=$(sql "$WORK/jp" "select distinct path || '|' || via from products where origin='KR'")
[ "$paths" = "KR,US|US" ] || fail "JP's KR products came with path/via '$paths', expected KR,US|US"
pass "JP: KR products exactly once, in order, path KR>US"

n_us=$(grep -c "RECV track origin=KR.*sensors=2" "$WORK/US.out")
n_jp=$(grep -c "RECV track origin=KR.*sensors=0" "$WORK/JP.out")
[ "$n_us" = 35 ] && [ "$n_jp" = 35 ] || fail "sensor reduction: US saw $n_us tracks with sensors, JP $n_jp without"
pass "policy reduction: KR sensor ids reach US but not JP"

back=$(sql "$WORK/kr" "select count(*) from products where origin='KR' and status<>'own'")
[ "$back" = 0 ] || fail "KR's own products came back to KR ($back)"
kr_in=$(sed -n 's/.*"peer": "US".*"in": \([0-9]*\).*/\1/p' "$WORK/kr/health.json")
[ "$kr_in" = 0 ] || fail "KR received $kr_in products from US (nothing is releasable to KR here but KR's own)"
echoed=$(sql "$WORK/kr" "select count(*) from rejected where origin='KR'")
[ "$echoed" = 0 ] || fail "KR rejected $echoed echoes of its own products"
pass "relay never sends a product back towards its origin (KR received $kr_in products, none its own)"

for r in nonfinite not_pd time_window unknown_origin bad_sequence bad_path not_releasable bad_field; do
    n=$(sql "$WORK/us" "select count(*) from rejected where reason='$r' and via='KR'")
    [ "$n" = 1 ] || fail "US journaled $n rejects for reason $r (expected 1)"
    grep -q "\"$r\": 1" "$WORK/us/health.json" || fail "US health does not count 1 reject for $r"
done
jb=$(sed -n 's/.*"journal": {"bytes": \([0-9]*\).*/\1/p' "$WORK/us/health.json")
[ "${jb:-0}" -ge 4096 ] || fail "US health.json does not give its journal's size (got '${jb}')"
bad_at_jp=$(sql "$WORK/jp" "select count(*) from products where marking like 'BAD%'")
[ "$bad_at_jp" = 0 ] || fail "an invalid sample was forwarded to JP"
kill -0 "$PID_US" || fail "US node died"
pass "each kind of invalid partner input rejected, counted and journaled at US; none forwarded; US kept running"
stop KRc; stop JP; stop US
grep -q "stopping (signal)" "$WORK/US.err" || fail "US did not shut down cleanly on SIGTERM"
pass "clean shutdown on SIGTERM"

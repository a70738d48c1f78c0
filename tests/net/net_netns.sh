#!/bin/sh
# net_netns.sh — the hub-and-spoke topology in three network namespaces (jp, us,
# kr) joined by veth pairs us-jp and us-kr only (US does not forward IP). KR's
# products reach JP only through the US node; with the US node stopped they stop;
# a capture of the us-jp link holds no plaintext payload marker (and, as a control,
# the same capture with security off does). Prints SKIP where namespaces are not
# allowed.
. "$(dirname "$0")/lib.sh"
S=$$
NJ=tljp$S NU=tlus$S NK=tlkr$S
cleanup_extra() { for n in $NJ $NU $NK; do ip netns del "$n" 2>/dev/null; done; }
if ! ip netns add "$NU" 2>/dev/null; then
    echo "SKIP: cannot create network namespaces here (needs root / CAP_NET_ADMIN)"
    exit 77
fi
ip netns add "$NJ" && ip netns add "$NK" || fail "netns add"
command -v tshark > /dev/null || { echo "SKIP: tshark not installed (scripts/bootstrap installs it)"; exit 77; }
ip link add vuj$S netns "$NU" type veth peer name vju$S netns "$NJ" || fail "veth us-jp"
ip link add vuk$S netns "$NU" type veth peer name vku$S netns "$NK" || fail "veth us-kr"
ip -n "$NU" addr add 10.156.1.1/24 dev vuj$S && ip -n "$NJ" addr add 10.156.1.2/24 dev vju$S &&
ip -n "$NU" addr add 10.156.2.1/24 dev vuk$S && ip -n "$NK" addr add 10.156.2.2/24 dev vku$S || fail "addresses"
for n in $NU $NJ $NK; do ip -n "$n" link set lo up; done
ip -n "$NU" link set vuj$S up && ip -n "$NJ" link set vju$S up && ip -n "$NU" link set vuk$S up && ip -n "$NK" link set vku$S up || fail "link up"
ip netns exec "$NU" sysctl -qw net.ipv4.ip_forward=0
ip -n "$NJ" route get 10.156.2.2 > /dev/null 2>&1 && fail "JP has a route to KR"
ip -n "$NJ" route get 10.156.1.1 > /dev/null 2>&1 || fail "JP has no route to US"
pass "namespaces: JP-US and US-KR links only"

C=$WORK/net.yaml
write_config "$C" 90 91 10.156.1.1 10.156.1.2 10.156.2.1 10.156.2.2
"$TL_BIN" pki init "$WORK/pki" --config "$C" > /dev/null || fail "pki init"
Q="select count(*) from products where origin='KR' and status='accepted'"

# run_round TAG EXTRA_ARGS : three nodes, capture on US's end of the us-jp link, 20 KR tracks.
run_round() {
    tag=$1; shift
    ip netns exec "$NU" tshark -q -i vuj$S -w "$WORK/$tag.pcap" > /dev/null 2>&1 &
    CAP=$!; PIDS="$PIDS $CAP"
    sleep 2
    rm -rf "$WORK/us" "$WORK/jp" "$WORK/kr"
    start_ns "$NU" US_$tag --config "$C" --nation US --state "$WORK/us" "$@"
    start_ns "$NJ" JP_$tag --config "$C" --nation JP --state "$WORK/jp" "$@"
    start_ns "$NK" KR_$tag --config "$C" --nation KR --state "$WORK/kr" --inject-synthetic 20 --inject-rate 10 --inject-delay 4 "$@"
    wait_sql "$WORK/jp" "$Q" 20 40 || fail "$tag: JP got $(sql "$WORK/jp" "$Q") of 20 KR tracks through US"
    [ "$(sql "$WORK/jp" "select distinct path from products where origin='KR'")" = "KR,US" ] || fail "$tag: KR products reached JP by another path"
}
run_round sec --pki "$WORK/pki"
pass "secure: KR products reach JP through the US node (20/20, path KR>US)"

# Link flap longer than the DDS lease (10 s): the us-jp veth goes down for 12 s while
# KR publishes 40 more; after it returns JP must hold all 60, once, in order.
stop KR_sec
start_ns "$NK" KR_flap --config "$C" --nation KR --state "$WORK/kr" --pki "$WORK/pki" --inject-synthetic 40 --inject-rate 4 --inject-delay 1
ip -n "$NJ" link set vju$S down || fail "veth down"
sleep 12
ip -n "$NJ" link set vju$S up || fail "veth up"
wait_sql "$WORK/jp" "$Q" 60 40 || fail "after a 12 s flap JP has $(sql "$WORK/jp" "$Q") of 60"
[ "$(sql "$WORK/jp" "select count(*) from (select seq, row_number() over (order by id) rn from products where origin='KR') where seq<>rn")" = 0 ] || fail "flap: KR products out of order at JP"
pass "us-jp link down 12 s (beyond the lease): JP recovers all 60 KR products, once, in order"
stop KR_flap

stop US_sec
start_ns "$NK" KR_sec2 --config "$C" --nation KR --state "$WORK/kr" --pki "$WORK/pki" --inject-synthetic 10 --inject-rate 10 --inject-delay 2
wait_sql "$WORK/kr" "select count(*) from products" 70 20 || fail "KR did not publish its last batch"
sleep 5
[ "$(sql "$WORK/jp" "$Q")" = 60 ] || fail "JP received KR products with the US node stopped"
pass "with the US node stopped, nothing reaches JP (KR published 10 more)"
stop KR_sec2; stop JP_sec
kill "$CAP"; wait "$CAP" 2>/dev/null
size=$(stat -c %s "$WORK/sec.pcap")
[ "$size" -gt 20000 ] || fail "secure capture too small ($size bytes) to judge"
for m in "REL TO KOR" "KR-RADAR" "KR-T00" "trilink_Track"; do
    grep -a -q "$m" "$WORK/sec.pcap" && fail "secure capture holds plaintext '$m'"
done
pass "secure capture of us-jp ($size bytes) holds no payload marker or topic name"

run_round plain --insecure
stop KR_plain; stop JP_plain; stop US_plain
kill "$CAP"; wait "$CAP" 2>/dev/null
grep -a -q "REL TO KOR" "$WORK/plain.pcap" || fail "control: the insecure capture lacks the marker (check is blind)"
pass "control: with security off the marker is visible in the capture"

#!/bin/sh
# net_security.sh — DDS Security negatives on loopback:
#  * a KR node whose whole PKI comes from another CA gets nothing from the US
#    and injects nothing (while JP, with the right PKI, does get US products);
#  * a node without permission for a link's domain cannot join it (our pre-check
#    names the domain; with the pre-check skipped, DDS itself refuses);
#  * tampered permissions are refused by DDS as well as by the pre-check.
. "$(dirname "$0")/lib.sh"
C=$WORK/net.yaml
pick_domains
write_config "$C" $D1 $D2
"$TL_BIN" pki init "$WORK/pki" --config "$C" > /dev/null || fail "pki init"
"$TL_BIN" pki init "$WORK/rogue" --config "$C" > /dev/null || fail "rogue pki init"
common="--config $C --duration 25"
start US $common --pki "$WORK/pki" --nation US --state "$WORK/us" --inject-synthetic 10 --inject-rate 5 --inject-delay 4
start JP $common --pki "$WORK/pki" --nation JP --state "$WORK/jp"
start KR $common --pki "$WORK/rogue" --nation KR --state "$WORK/kr" --inject-synthetic 10 --inject-rate 5 --inject-delay 4
Q="select count(*) from products where origin='US'"
wait_sql "$WORK/jp" "$Q" 10 30 || fail "control: JP got $(sql "$WORK/jp" "$Q") of 10 US products"
sleep 3
[ "$(sql "$WORK/kr" "$Q")" = 0 ] || fail "the rogue KR node received US products"
[ "$(sql "$WORK/us" "select count(*) from products where origin='KR'")" = 0 ] || fail "US accepted products from the rogue KR"
[ "$(sql "$WORK/us" "select count(*) from rejected")" = 0 ] || fail "rogue samples reached US's validator"
[ "$(sql "$WORK/jp" "select count(*) from products where origin='KR'")" = 0 ] || fail "rogue KR products reached JP"
grep -q "link to US up" "$WORK/KR.err" && fail "the rogue KR saw the US link come up"
pass "a node with another CA's certificate gets nothing and injects nothing (JP got 10/10 US products)"
# The attempts are counted on the US's us-kr link (health.json, one link per line), with who was refused;
# none on its us-jp link.
hl() { grep "\"peer\": \"$1\"" "$WORK/us/health.json"; }
n_kr=$(hl KR | sed -n 's/.*"auth_failures": \([0-9]*\).*/\1/p')
n_jp=$(hl JP | sed -n 's/.*"auth_failures": \([0-9]*\).*/\1/p')
[ "${n_kr:-0}" -gt 0 ] || fail "US counted no failed handshake on us-kr: $(hl KR)"
[ "$n_jp" = 0 ] || fail "US counted failed handshakes on us-jp: $(hl JP)"
hl KR | grep -q '"last_auth_failure": "[^"]*failed[^"]*subject: [^"]*CN=trilink-KR' || fail "no refused subject in: $(hl KR)"
pass "US counted $n_kr failed handshakes on us-kr ($(hl KR | sed 's/.*"last_auth_failure": //;s/}.*//')), none on us-jp"
stop KR; stop JP; stop US

# A JP-KR link added to the config after the PKI was made: JP has no grant for it.
C2=$WORK/net2.yaml
cp "$C" "$C2"
sed -i "s|^policy:|  - {name: jp-kr, domain: $D3, ends: [{nation: JP, address: 127.0.0.1, participant_index: 0}, {nation: KR, address: 127.0.0.1, participant_index: 1}]}\\npolicy:|" "$C2"
grep -q "domain: $D3" "$C2" || fail "could not extend the config"
"$TL_BIN" node --config "$C2" --nation JP --pki "$WORK/pki" --state "$WORK/jp2" --duration 3 > /dev/null 2> "$WORK/nodomain.err"
[ $? = 1 ] && grep -q "no grant for domain $D3" "$WORK/nodomain.err" || fail "pre-check: $(cat "$WORK/nodomain.err")"
pass "pre-check refuses a domain without grant: $(sed 's/.*refusing to start: //' "$WORK/nodomain.err")"
"$TL_BIN" node --config "$C2" --nation JP --pki "$WORK/pki" --state "$WORK/jp3" --duration 3 --skip-pki-check > /dev/null 2> "$WORK/nodomain2.err"
[ $? = 1 ] && grep -q "link jp-kr: domain $D3: participant refused" "$WORK/nodomain2.err" || fail "DDS joined a domain without grant: $(tail -3 "$WORK/nodomain2.err")"
pass "DDS access control refuses the participant on a domain without grant"

sed "s|<id>$D1</id>|<id>$D1</id><id>$D3</id>|" "$WORK/pki/JP/permissions.p7s" > "$WORK/p.tmp" && cp "$WORK/p.tmp" "$WORK/pki/JP/permissions.p7s"
"$TL_BIN" node --config "$C2" --nation JP --pki "$WORK/pki" --state "$WORK/jp4" --duration 3 --skip-pki-check > /dev/null 2> "$WORK/tamper.err"
[ $? = 1 ] && grep -q "participant refused" "$WORK/tamper.err" || fail "DDS accepted tampered permissions: $(tail -3 "$WORK/tamper.err")"
pass "DDS Security refuses tampered permissions at participant creation"

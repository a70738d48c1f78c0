#!/bin/sh
# net_pki.sh — a node refuses to start, naming the file and the reason, when its
# certificate is missing, expired, not yet valid or from another CA, or its
# permissions are unsigned, tampered, or for another subject, or a signed document is
# empty; and `pki init`
# writes private keys 0600.
. "$(dirname "$0")/lib.sh"
C=$WORK/net.yaml
pick_domains
write_config "$C" $D1 $D2
P=$WORK/pki
"$TL_BIN" pki init "$P" --config "$C" > /dev/null || fail "pki init"
for k in "$P/identity_ca.key" "$P/permissions_ca.key" "$P/JP/key.pem" "$P/US/key.pem" "$P/KR/key.pem"; do
    [ "$(stat -c %a "$k")" = 600 ] || fail "$k has mode $(stat -c %a "$k"), expected 600"
done
pass "keys written 0600"
"$TL_BIN" pki check "$P" --nation JP --config "$C" > /dev/null || fail "fresh PKI does not check"
pass "fresh PKI checks"

# refuses NAME EXPECTED_FILE EXPECTED_REASON: the node must exit 1 before creating participants
refuses() {
    "$TL_BIN" node --config "$C" --nation JP --pki "$P" --state "$WORK/st" --duration 2 > /dev/null 2> "$WORK/refuse.err"
    rc=$?
    [ $rc = 1 ] || fail "$1: node exited $rc, expected a refusal"
    grep -q "refusing to start: $2.*$3" "$WORK/refuse.err" || fail "$1: message '$(cat "$WORK/refuse.err")' lacks '$2' / '$3'"
    pass "$1 refused: $(sed 's/.*refusing to start: //' "$WORK/refuse.err")"
}
save() { cp -p "$P/JP/$1" "$WORK/$1.save"; }
restore() { cp -p "$WORK/$1.save" "$P/JP/$1"; }

save cert.pem; save key.pem; save permissions.p7s
rm "$P/JP/cert.pem"
refuses "missing certificate" "$P/JP/cert.pem" "missing"
"$TL_BIN" pki reissue "$P" --nation JP --config "$C" --from-days -10 --days 5 > /dev/null || fail reissue
refuses "expired certificate" "$P/JP/cert.pem" "expired"
"$TL_BIN" pki reissue "$P" --nation JP --config "$C" --from-days 5 --days 30 > /dev/null || fail reissue
refuses "not-yet-valid certificate" "$P/JP/cert.pem" "not yet valid"
restore cert.pem; restore key.pem; restore permissions.p7s

"$TL_BIN" pki init "$WORK/other" --config "$C" > /dev/null || fail "second pki"
cp "$WORK/other/JP/cert.pem" "$WORK/other/JP/key.pem" "$P/JP/"
refuses "certificate from another CA" "$P/JP/cert.pem" "not signed by the identity CA"
restore cert.pem; restore key.pem

# Unsigned: the bare XML of the permissions instead of the S/MIME document.
sed -n '/^<?xml/,/^<\/dds>/p' "$WORK/permissions.p7s.save" > "$P/JP/permissions.p7s"
grep -q "<grant" "$P/JP/permissions.p7s" || fail "could not extract the permissions XML"
refuses "unsigned permissions" "$P/JP/permissions.p7s" "not an S/MIME signed document"
# Tampered: the signed text edited (another domain granted).
sed "s|<id>$D1</id>|<id>$D1</id><id>7</id>|" "$WORK/permissions.p7s.save" > "$P/JP/permissions.p7s"
cmp -s "$P/JP/permissions.p7s" "$WORK/permissions.p7s.save" && fail "tampering did not change the file"
refuses "tampered permissions" "$P/JP/permissions.p7s" "does not verify"
# Another node's (validly signed) permissions: subject mismatch.
cp "$P/KR/permissions.p7s" "$P/JP/permissions.p7s"
refuses "permissions of another subject" "$P/JP/permissions.p7s" "does not match certificate"
# Permissions signed by another permissions CA.
cp "$WORK/other/JP/permissions.p7s" "$P/JP/permissions.p7s"
refuses "permissions from another CA" "$P/JP/permissions.p7s" "does not verify"
restore permissions.p7s
# make fuzz (fuzz_pki, tests/data/fuzz/pki/governance-signed-empty.bin) found: a validly
# signed but empty document crashed the check (memcpy from NULL); now a clear refusal.
cp -p "$P/governance.p7s" "$WORK/governance.p7s.save"
openssl smime -sign -text -in /dev/null -signer "$P/permissions_ca.pem" -inkey "$P/permissions_ca.key" \
    -out "$P/governance.p7s" || fail "could not sign an empty governance document"
refuses "empty signed governance" "$P/governance.p7s" "signed document is empty"
cp -p "$WORK/governance.p7s.save" "$P/governance.p7s"
"$TL_BIN" pki check "$P" --nation JP --config "$C" > /dev/null || fail "restored PKI does not check"
pass "restored files check again"

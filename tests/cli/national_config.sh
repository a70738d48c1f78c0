#!/bin/sh
# national_config.sh — the 'national:' section of the network config (each nation's own
# plot domain): config/network.yaml parses, and a bad section is refused with
# FILE:LINE naming the field (a domain reused by a link, an unknown nation, a
# multicast address), before any DDS entity exists.
set -u
BIN=${TL_BIN:?TL_BIN must point at the trilink binary}
"$BIN" node --help >/dev/null 2>&1 || { echo "national_config.sh: skipped (built without the DDS link)"; exit 0; }
cd "${TL_SOURCE_DIR:?}" || exit 1
tmp=$(mktemp -d /tmp/tl-natcfg.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0
head_cfg() {
    cat <<'Y'
nations: [JP, US]
links:
  - name: us-jp
    domain: 77
    ends:
      - {nation: US, address: 127.0.0.1, participant_index: 0}
      - {nation: JP, address: 127.0.0.1, participant_index: 1}
policy:
  - {origin: JP, products: [all], to: [US]}
national:
Y
}
check() { # name, national entry line, expected message fragment
    { head_cfg; echo "$2"; } >"$tmp/$1.yaml"
    out=$("$BIN" node --config "$tmp/$1.yaml" --nation JP --state "$tmp/st" --insecure --duration 1 2>&1)
    rc=$?
    if [ $rc -ne 2 ] || ! echo "$out" | grep -q "$tmp/$1.yaml:1[0-9]: .*$3"; then
        echo "FAIL: $1: rc=$rc: $out"
        fails=1
    fi
}
check reused '  - {nation: JP, domain: 77, address: 127.0.0.1}' 'already used by link'
check unknown '  - {nation: XX, domain: 78, address: 127.0.0.1}' "unknown or repeated nation 'XX'"
check mcast '  - {nation: JP, domain: 78, address: 239.255.0.1}' 'not a unicast'
"$BIN" pki --help >/dev/null 2>&1
# the shipped config parses (the node would start; --help-free check through pki check's loader)
out=$("$BIN" pki check "$tmp/nopki" --nation JP --config config/network.yaml 2>&1)
echo "$out" | grep -q 'network.yaml' && { echo "FAIL: config/network.yaml refused: $out"; fails=1; }
[ $fails -eq 0 ] && echo "national_config.sh: passed"
exit $fails

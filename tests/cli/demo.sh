#!/bin/sh
# demo.sh — `trilink demo --physics` (the flight-physics printout): exits 0, says plainly it
# shows flight physics only, and its lofted ICBM-class flight is physically sensible
# (apogee 6000 km, range 1000 km, ~1 h 10 min, impact east of the site in the Sea of
# Japan), with the two SRBMs landing within minutes.
set -u
BIN=${TL_BIN:?TL_BIN must point at the trilink binary}
out=$("$BIN" demo --physics) || { echo "FAIL: demo exited $?"; exit 1; }
fails=0
echo "$out" | grep -q 'FLIGHT PHYSICS ONLY' || { echo "FAIL: demo does not say what it shows"; fails=1; }
# "class icbm: apogee 6000.0 km, range 1000.0 km, flight time 4103 s (68.4 min)"
echo "$out" | awk '/class icbm: apogee/ { a = $4; r = $7; t = $11 }
    /class srbm: apogee/ { n++; if ($11 > 900) slow = 1 }
    /impact [0-9.]+N [0-9.]+E/ { m++; sub("N", "", $2); sub("E", "", $3); if ($3 + 0 < 129 || $3 + 0 > 139 || $2 + 0 < 36 || $2 + 0 > 42) off = 1 }
    END { ok = (a > 5999 && a < 6001 && r > 999.9 && r < 1000.1 && t > 3300 && t < 4800 && n == 2 && !slow && m == 3 && !off);
          if (!ok) print "a=" a " r=" r " t=" t " srbms=" n " impacts=" m " off=" off; exit !ok }' \
    || { echo "FAIL: demo summary not physically sensible"; fails=1; }
[ $fails -eq 0 ] && echo "demo.sh: passed"
exit $fails

# lib.sh — helpers for trilink's network tests (sourced by tests/net/*.sh).
# Every node is started in the background with its PID recorded; the EXIT trap
# kills whatever is still running (by PID only) and removes the work directory.
# Every wait is a bounded loop.
set -u
: "${TL_BIN:?TL_BIN must point to the trilink binary}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tlnet.XXXXXX")
PIDS=""
cleanup_extra() { :; }
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    for p in $PIDS; do
        for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
        kill -9 "$p" 2>/dev/null
    done
    cleanup_extra
    if [ "${TL_KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() { echo "FAIL: $*"; for f in "$WORK"/*.err; do [ -f "$f" ] && { echo "--- $f"; tail -n 15 "$f"; }; done; exit 1; }
pass() { echo "ok: $*"; }

# write_config FILE DOMAIN_USJP DOMAIN_USKR [ADDR_US_JP ADDR_JP ADDR_US_KR ADDR_KR] [EXTRA_POLICY]
write_config() {
    f=$1 d1=$2 d2=$3
    a1=${4:-127.0.0.1} a2=${5:-127.0.0.1} a3=${6:-127.0.0.1} a4=${7:-127.0.0.1}
    cat > "$f" <<EOC
nations: [JP, US, KR]
relays: [US]
heartbeat_period_s: 1
time_window_s: {past: ${WINDOW_PAST:-600}, future: 5}
links:
  - {name: us-jp, domain: $d1, ends: [{nation: US, address: $a1, participant_index: 0}, {nation: JP, address: $a2, participant_index: 1}]}
  - {name: us-kr, domain: $d2, ends: [{nation: US, address: $a3, participant_index: 0}, {nation: KR, address: $a4, participant_index: 1}]}
policy:
  - {origin: JP, products: [all], to: [US, KR], marking: "REL TO JPN, USA, KOR"}
  - {origin: US, products: [all], to: [JP, KR], marking: "REL TO USA, JPN, KOR"}
  - {origin: KR, products: [track, launch, impact], to: [US, JP], drop: [sensors], drop_for: [JP], marking: "REL TO KOR, USA, JPN"}
  - {origin: KR, products: [alert], to: [US], marking: "REL TO KOR, USA"}
EOC
}

# start NAME ARGS... : run `trilink node ARGS` in the background, output to WORK/NAME.{out,err}
start() {
    name=$1; shift
    "$TL_BIN" node "$@" > "$WORK/$name.out" 2> "$WORK/$name.err" &
    eval "PID_$name=$!"
    PIDS="$PIDS $!"
}

# start_ns NS NAME ARGS... : the same inside network namespace NS
start_ns() {
    ns=$1 name=$2; shift 2
    ip netns exec "$ns" "$TL_BIN" node "$@" > "$WORK/$name.out" 2> "$WORK/$name.err" &
    eval "PID_$name=$!"
    PIDS="$PIDS $!"
}

# stop NAME : SIGTERM and wait (bounded) for a clean exit
stop() {
    eval "p=\$PID_$1"
    kill "$p" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$p" 2>/dev/null
    wait "$p" 2>/dev/null
    return 0
}

# sql STATE_DIR QUERY
sql() { sqlite3 -batch -noheader "$1/journal.db" "$2" 2>/dev/null; }

# wait_sql STATE_DIR QUERY EXPECTED TIMEOUT_S : poll until QUERY prints EXPECTED
wait_sql() {
    for _ in $(seq 1 $(($4 * 5))); do
        [ "$(sql "$1" "$2")" = "$3" ] && return 0
        sleep 0.2
    done
    return 1
}

# wait_ge STATE_DIR QUERY MIN TIMEOUT_S : poll until QUERY prints a number >= MIN
wait_ge() {
    for _ in $(seq 1 $(($4 * 5))); do
        v=$(sql "$1" "$2")
        [ -n "$v" ] && [ "$v" -ge "$3" ] && return 0
        sleep 0.2
    done
    return 1
}

# pick_domains : set D1, D2, D3 to three adjacent link domains (10..99) whose discovery
# ports are free right now, so concurrent runs (other worktrees, ctest -j) do not collide.
pick_domains() {
    used=$(ss -Huln 2>/dev/null | awk '{print $4}' | sed 's/.*://' | sort -u)
    seed=$(( $$ + $(date +%N | sed 's/^0*//;s/^$/0/') ))
    for i in $(seq 0 60); do
        d=$(( 10 + ( (seed + i * 7) % 30 ) * 3 ))
        clash=0
        for dd in $d $((d + 1)) $((d + 2)); do
            for idx in 0 1; do
                p=$((7400 + 250 * dd + 10 + 2 * idx))
                for q in $p $((p + 1)); do
                    echo "$used" | grep -qx "$q" && clash=1
                done
            done
        done
        if [ $clash = 0 ]; then D1=$d; D2=$((d + 1)); D3=$((d + 2)); return 0; fi
    done
    D1=81; D2=82; D3=83
}

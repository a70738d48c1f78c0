#!/bin/sh
# heaptrack_node.sh — a stand-in for TL_BIN in tests/soak/*.sh that runs one nation's
# `trilink node` under heaptrack's preload library (every allocation and free with its
# backtrace; a few % slower) and everything else as it is. exec keeps the PID the soak
# script samples and stops. docs/network.md "Soak" has the figures it gave. Usage:
#   TL_REAL_BIN=$PWD/build/trilink TL_BIN=$PWD/tests/soak/heaptrack_node.sh \
#     HEAPTRACK_RAW=/tmp/jp.raw SOAK_PIPELINE_SECONDS=420 sh tests/soak/soak_pipeline.sh
#   /usr/lib/heaptrack/libexec/heaptrack_interpret < /tmp/jp.raw | gzip > /tmp/jp.gz
#   heaptrack_print -f /tmp/jp.gz
# HEAPTRACK_NATION (default JP) picks the node, HEAPTRACK_LIB the preload library.
REAL=${TL_REAL_BIN:?heaptrack_node.sh: set TL_REAL_BIN to the trilink binary}
LIB=${HEAPTRACK_LIB:-/usr/lib/heaptrack/libheaptrack_preload.so}
if [ "$1" = node ]; then
    case " $* " in
    *" --nation ${HEAPTRACK_NATION:-JP} "*)
        exec env DUMP_HEAPTRACK_OUTPUT="${HEAPTRACK_RAW:?heaptrack_node.sh: set HEAPTRACK_RAW}" \
            LD_PRELOAD="$LIB" "$REAL" "$@"
        ;;
    esac
fi
exec "$REAL" "$@"

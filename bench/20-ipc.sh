#!/bin/sh
# 20-ipc.sh - libcell calls beside raw Unix sockets (bench/ipc.c): 64-byte
# round trips on one core and on two, 1 MiB request throughput, and 1000
# connections to one cell. The program makes its own temporary CELL_HOME
# and stops every process it starts.
set -eu
cd "$(dirname "$0")/.."
[ -x build/rel/bench-ipc ] || make --no-print-directory build/rel/bench-ipc >/dev/null
exec build/rel/bench-ipc

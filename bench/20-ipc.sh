#!/bin/sh
# 20-ipc.sh - libcell calls beside raw Unix sockets (bench/ipc.c): 64-byte
# round trips on one core and on two, 1 MiB request throughput, and 1000
# connections to one cell. The program makes its own temporary CELL_HOME
# and stops every process it starts.
#
# Measured 2026-11-22 on the 2-core VM, other jobs sharing it (5 runs,
# ratios are cell/raw from alternating rounds):
#   64 B round trip, one core:  raw 9.5-14.5 us, cell 10.7-17.0 us, 1.07-1.26x
#   64 B round trip, two cores: raw 40-122 us,   cell 46-141 us,    1.03-1.25x
#   1 MiB requests, two cores:  raw 1.1-5.6 GB/s, cell 0.8-5.0 GB/s, 0.71-0.88x
#   1000 connections x 10 calls: 10000 answered, 0 errors, 0.06-0.19 s
set -eu
cd "$(dirname "$0")/.."
[ -x build/rel/bench-ipc ] || make --no-print-directory build/rel/bench-ipc >/dev/null
exec build/rel/bench-ipc

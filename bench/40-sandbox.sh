#!/bin/sh
# 40-sandbox.sh - cost of the sandbox: spawn -> exit of the static probe
# through sandbox_spawn() with and without confinement, same run, median
# of RUNS (default 200). Needs root (namespaces, cgroups).
set -eu
cd "$(dirname "$0")/.."
runs=${RUNS:-200}
if [ "$(id -u)" -ne 0 ]; then
	echo "40-sandbox: skipped (needs root)"
	exit 0
fi
make --no-print-directory -s build/sandbox/probe
mkdir -p build/bench
# shellcheck disable=SC2046
cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -Isdk -Idna -Istem \
	$(pkg-config --cflags libcjson libseccomp) \
	-o build/bench/sandbox_bench bench/sandbox_bench.c stem/sandbox*.c dna/sandbox_spec.c \
	sdk/err.c sdk/fsutil.c sdk/name.c sdk/buf.c \
	$(pkg-config --libs libcjson libseccomp)
echo "spawn -> exit of a static binary, $runs runs each, interleaved"
build/bench/sandbox_bench "$PWD/build/sandbox/probe" "$runs"

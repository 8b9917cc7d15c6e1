#!/usr/bin/env bash
# Instructions the daemon executes per near-me request, counted by callgrind while wrk runs.
# Unlike req/s this does not move with other work on the machine, so two builds can be
# compared on a busy machine; it does not see the kernel (compare system calls with
# `strace -c -f -p PID` during a wrk run).
#
# Usage: benchmarks/instructions.sh <cpld binary> <seeded database> [port]
# The database is copied first (the daemon may write to it). Needs valgrind and wrk.
set -euo pipefail
bin=$1; db=$2; port=${3:-18127}
work=${CG_KEEP:-$(mktemp -d)}; [ -n "${CG_KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
cp "$db" "$work/c.db"
# Instrumentation starts off: loading a million events runs at full speed.
CPL_LISTEN=127.0.0.1:$port CPL_DB=$work/c.db CPL_LOG=warn \
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$work/cg.out" "$bin" \
  > "$work/daemon.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.5; done
callgrind_control -i on "$pid" >/dev/null
out=$(wrk -t1 -c8 -d20s -s "$(dirname "$0")/nearby.lua" "http://127.0.0.1:$port")
callgrind_control -i off "$pid" >/dev/null
callgrind_control -d "$pid" >/dev/null
kill "$pid"; wait "$pid" || true
n=$(echo "$out" | grep -oE '[0-9]+ requests in' | awk '{print $1}')
ir=$(cat "$work"/cg.out* | grep -E '^totals:' | awk '{s+=$2} END {printf "%.0f", s}')
echo "$n requests, $ir instructions, $(awk -v a="$ir" -v b="$n" 'BEGIN{printf "%.0f", a/b}') per request"
callgrind_annotate --inclusive=no "$work"/cg.out.1 2>/dev/null | grep -E '^ *[0-9,]+ \(' | head -12

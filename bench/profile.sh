#!/bin/sh
# bench/profile.sh — profile of `blobc convert` on the zoo's largest model (make bench-profile).
#   BLOBC=build/blobc ZOO=build/bench-zoo OUT=build/bench-profile sh bench/profile.sh [MODEL]
# Uses perf's cpu-clock software event (works in VMs without hardware counters) with DWARF call
# graphs; falls back to valgrind --tool=callgrind when perf cannot record. Prints the top
# functions by self time and by inclusive time; the raw data stays in $OUT.
set -u
BLOBC=${BLOBC:-build/blobc}
ZOO=${ZOO:-build/bench-zoo}
OUT=${OUT:-build/bench-profile}
MODEL=${1:-$ZOO/resnet50.onnx}
mkdir -p "$OUT"
ARGS="convert $MODEL --mean_values [123.675,116.28,103.53] --scale_values [58.395,57.12,57.375] -o $OUT/convert"
if command -v perf >/dev/null 2>&1 && perf record -q -e cpu-clock -o "$OUT/probe.data" true >/dev/null 2>&1; then
  perf record -q -e cpu-clock -F 2000 --call-graph dwarf,16384 -o "$OUT/perf.data" $BLOBC $ARGS >/dev/null 2>&1
  echo "== self time (perf, cpu-clock): $MODEL"
  perf report -i "$OUT/perf.data" --no-children --stdio -g none --percent-limit 1 2>/dev/null | grep -v '^#' | grep -v '^$'
  echo "== inclusive time, blobc functions"
  perf report -i "$OUT/perf.data" --children --stdio -g none --percent-limit 3 2>/dev/null | grep -v '^#' | grep -v '^$' \
    | grep ' blobc  *blobc ' | grep -v '_start\|main\|pool_run\|worker_main\|run_one\|build_run\|cmd_convert'
  echo "raw data: $OUT/perf.data (perf report -i $OUT/perf.data)"
elif command -v valgrind >/dev/null 2>&1; then
  valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.out" $BLOBC $ARGS >/dev/null 2>&1
  echo "== callgrind (instructions): $MODEL"
  callgrind_annotate --inclusive=no "$OUT/callgrind.out" 2>/dev/null | head -40
  echo "raw data: $OUT/callgrind.out"
else
  echo "bench/profile.sh: neither perf nor valgrind is installed (apt-get install linux-perf valgrind)" >&2
  exit 1
fi

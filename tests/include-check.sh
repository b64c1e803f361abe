#!/bin/sh
# tests/include-check.sh — includes between top folders only run downwards.
#
# Layers, lowest first (docs/architecture.md draws them); a file may include its own folder and
# any lower layer, nothing above, and nothing beside it on the same layer:
#   0 compiler/base       arena, buffers, errors, I/O, element types and layouts
#   1 compiler/graph      the graph IR, op tables, shape inference, folding, compile options
#   2 compiler/frontend | compiler/passes | compiler/backend   (each on its own)
#   3 compiler            compile.c: one model through frontend, passes and backends
#   4 compiler/ref        reference and blob executors, numerical verification
#   5 reports             report.json / HTML / JUnit from JSON records
#   6 pipeline            manifests, jobs, threads, cache, archives, records for the reports
#   7 cmd                 the CLI
# Tests, fuzz harnesses, benchmarks and generated protobuf headers are not checked.
# Usage: sh tests/include-check.sh [TREE]  (TREE defaults to this checkout). With --self-test it
# also proves it fails: a copy of the tree with compiler/graph/ir.c including pipeline/build.h.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = "--self-test" ]; then
  W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
  (cd "$ROOT" && cp -r compiler reports pipeline cmd "$W/")
  echo '#include "pipeline/build.h"' >>"$W/compiler/graph/ir.c"
  if sh "$0" "$W" >"$W/out" 2>&1; then echo "include-check: FAIL: a backward include was not caught"; exit 1; fi
  grep -q 'compiler/graph/ir.c includes pipeline/build.h' "$W/out" || { echo "include-check: FAIL: wrong message"; cat "$W/out"; exit 1; }
  echo "include-check: self-test ok (a backward include fails)"
  exec sh "$0"
fi
[ $# -ge 1 ] && ROOT=$1
cd "$ROOT" || exit 2
layer() { # folder of a path -> "rank name"
  case "$1" in
    compiler/base/*) echo "0 compiler/base" ;;
    compiler/graph/*) echo "1 compiler/graph" ;;
    compiler/frontend/*) echo "2 compiler/frontend" ;;
    compiler/passes/*) echo "2 compiler/passes" ;;
    compiler/backend/*) echo "2 compiler/backend" ;;
    compiler/ref/*) echo "4 compiler/ref" ;;
    compiler/*) echo "3 compiler" ;;
    reports/*) echo "5 reports" ;;
    pipeline/*) echo "6 pipeline" ;;
    cmd/*) echo "7 cmd" ;;
    *) echo "" ;;
  esac
}
bad=0 n=0
for f in $(find compiler reports pipeline cmd -name '*.[ch]' | sort); do
  from=$(layer "$f"); fr=${from%% *} fname=${from#* }
  dir=$(dirname "$f")
  for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
    if [ -f "$dir/$inc" ]; then target=$(realpath --relative-to="$ROOT" "$dir/$inc")
    elif [ -f "$inc" ]; then target=$inc
    else continue; fi # generated (build/gen) or system
    to=$(layer "$target"); [ -n "$to" ] || continue
    tr=${to%% *} tname=${to#* }
    n=$((n+1))
    [ "$fname" = "$tname" ] && continue
    if [ "$tr" -ge "$fr" ]; then
      echo "include-check: $f includes $target ($fname may not include $tname)"
      bad=$((bad+1))
    fi
  done
done
echo "include-check: $n includes checked, $bad running backwards"
[ "$bad" -eq 0 ]

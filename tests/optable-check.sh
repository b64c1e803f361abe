#!/bin/sh
# tests/optable-check.sh — the compiler rejects an incomplete op table.
# For every per-op table (compiler/graph/optable.h), a copy of its source with one entry removed,
# and one with an entry given twice, must fail to compile; the unmodified copy must compile.
# A new line in ops.def with no entries must fail every table.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build}
CC=${CC:-cc}
FLAGS="-std=c11 -D_GNU_SOURCE -fsyntax-only -I$ROOT -I$BUILD/gen $(pkg-config --cflags libxml-2.0 2>/dev/null)"
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
pass=0 fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL: $1"; }
# file  list-macro
TABLES="compiler/graph/fold.c:FOLDS compiler/passes/vpu_rules.c:RULE_LIST compiler/ref/ref.c:REF_KERNELS
compiler/backend/blob/lower_sw.c:LOWERINGS compiler/backend/irxml.c:EMITTERS compiler/graph/params.c:PARAM_DECODERS"
for t in $TABLES; do
  f=${t%%:*} m=${t#*:}
  d=$W/$(dirname "$f"); mkdir -p "$d"
  cp "$ROOT/$f" "$W/$f"
  # compile in place of the original so its relative includes resolve
  if ! $CC $FLAGS -iquote "$ROOT/$(dirname "$f")" "$W/$f" 2>"$W/err"; then bad "$f does not compile as is"; cat "$W/err" | head -5; continue; fi
  ok
  grep -q "^#define $m(Y)" "$W/$f" || { bad "$f has no $m list"; continue; }
  # drop the RELU entry
  sed '/^  Y(RELU,/d' "$ROOT/$f" >"$W/$f"
  if $CC $FLAGS -iquote "$ROOT/$(dirname "$f")" "$W/$f" 2>"$W/err"; then bad "$f: $m without RELU compiles"
  elif grep -q "needs exactly one entry" "$W/err"; then ok; else bad "$f: unexpected error"; head -3 "$W/err"; fi
  # give the RELU entry twice
  sed 's/^\(  Y(RELU,.*\)\\$/\1\\\n\1\\/' "$ROOT/$f" >"$W/$f"
  if $CC $FLAGS -iquote "$ROOT/$(dirname "$f")" "$W/$f" 2>/dev/null; then bad "$f: $m with RELU twice compiles"; else ok; fi
done
# a new op in ops.def without entries: every table file must fail (a copy of the tree, so that
# relative includes see the changed ops.def too)
mkdir -p "$W/tree"
cp -r "$ROOT/compiler" "$W/tree/"
echo 'X(NEW_OP, "NewOp", 1, 1, shape_unary)' >>"$W/tree/compiler/graph/ops.def"
for t in $TABLES; do
  f=${t%%:*}
  if $CC -std=c11 -D_GNU_SOURCE -fsyntax-only -I"$W/tree" -I"$BUILD/gen" $(pkg-config --cflags libxml-2.0 2>/dev/null) \
       "$W/tree/$f" 2>"$W/err" || ! grep -q "needs exactly one entry" "$W/err"; then
    bad "$f compiles with an op it has no entry for"
  else ok; fi
done
echo "optable-check: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

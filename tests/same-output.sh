#!/bin/sh
# tests/same-output.sh OLD_BLOBC NEW_BLOBC — a refactor must not change one output byte.
# Converts the demo zoo (build), every ONNX node test, the real OpenVINO IRs and the real ONNX
# models with both binaries and compares every file they write (report timings excluded).
# Usage: sh tests/same-output.sh /tmp/blobc-before build/blobc   (needs build/demo-zoo)
# NEW_ARGS is added to the new binary's commands: NEW_ARGS="--hw off" checks that a build without
# NCE stages is byte for byte what the binary before them wrote.
set -u
NEW_ARGS=${NEW_ARGS:-}
OLD=$(realpath "$1") NEW=$(realpath "$2")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${BLOBC_SHARED_DATA:-$ROOT/../shared/data}
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
run() { # $1 = binary, $2 = out dir, $3 = extra options
  mkdir -p "$2"
  "$1" build "$ROOT/manifests/demo.yaml" -j 2 -o "$2/demo" --force --quiet $3 >/dev/null 2>&1
  rm -f "$2/demo/report.json" "$2/demo/report.html" "$2/demo/junit.xml"; rm -rf "$2/demo/.blobc-cache"
  i=0
  for m in "$DATA"/onnx-node/*/model.onnx "$DATA"/real-blobs/*/*.xml "$DATA"/real-models/onnx-light/*.onnx \
           "$DATA"/real-models/openvino-ir/*/*.xml "$DATA"/real-blobs/pointcloud_640x400/*.onnx; do
    [ -f "$m" ] || continue
    i=$((i+1))
    "$1" convert "$m" -o "$2/m$i" $3 >/dev/null 2>&1
    echo "$m: exit $?" >>"$2/exits"
  done
}
( cd "$ROOT/manifests" && run "$OLD" "$W/a" "" )
( cd "$ROOT/manifests" && run "$NEW" "$W/b" "$NEW_ARGS" )
n=$(find "$W/a" -type f | wc -l)
if diff -r "$W/a" "$W/b" >"$W/diff" 2>&1; then echo "same-output: $n files identical"; exit 0; fi
echo "same-output: outputs differ:"; head -40 "$W/diff"; exit 1

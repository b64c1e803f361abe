#!/bin/sh
# tests/torchvision/check.sh OUTDIR — issue 18's check of real architectures, outside make test
# (it needs Debian's python3-torchvision and a few minutes): torchvision's models with seeded
# random weights, exported by ../shared/tools/export-torchvision-zoo.py and
# tests/torchvision/export_extra.py, converted by `blobc build --verify`. Prints each model's
# status and check; the report is OUTDIR/out/report.html. `make torchvision-check` runs it.
set -u
OUT=${1:-build/torchvision}
BLOBC=${BLOBC:-build/blobc}
EXPORT=${EXPORT:-../shared/tools/export-torchvision-zoo.py}
if [ ! -f "$EXPORT" ]; then echo "torchvision-check: skipped: $EXPORT is absent"; exit 0; fi
if ! /usr/bin/python3 -c "import torchvision" 2>/dev/null; then
  echo "torchvision-check: skipped: Debian's python3-torchvision is not installed (apt-get install python3-torchvision)"
  exit 0
fi
mkdir -p "$OUT"
/usr/bin/python3 "$EXPORT" "$OUT" || exit 2
/usr/bin/python3 "$(dirname "$0")/export_extra.py" "$OUT" || exit 2
"$BLOBC" build "$OUT/zoo.yaml" -o "$OUT/out" -j 2 -q --verify --random 2 >/dev/null
rc=$?
/usr/bin/python3 - "$OUT/out/report.json" <<'PY'
import json, sys
for m in json.load(open(sys.argv[1]))["models"]:
    v = m.get("verify") or {}
    first = (m.get("unsupported") or [{}])[0]
    why = f"{first.get('count', 1)}x {first.get('op')}: {first.get('reason', '')[:70]}" if m["status"] == "unsupported" else v.get("message", "")[:90]
    print(f"{m['name']:26} {m['status']:12} {v.get('status', '-'):14} {why}")
PY
echo "torchvision-check: blobc build exited $rc (1 = some model unsupported or a check failed); report: $OUT/out/report.html"

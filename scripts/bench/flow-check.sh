#!/usr/bin/env bash
# Flow check benchmark (issue 5): `omnia flow check --authorisations …` against
# `xmllint --stream --noout` on the same generated flow, side by side in one run.
#
#   scripts/bench/flow-check.sh            # 1,000,000 worker records (~10 days each, ~1.2 GB)
#   RECORDS=100000 RUNS=3 scripts/bench/flow-check.sh
#
# Wall time: hyperfine if installed (apt-get install hyperfine), else /usr/bin/time.
# Peak memory (max RSS): /usr/bin/time -v for each command. Results in $OUT (default
# target/bench-flows/), the figures are reported in docs/PERFORMANCE.md, section "Flows".
set -euo pipefail
cd "$(dirname "$0")/../.."

RECORDS=${RECORDS:-1000000}
RUNS=${RUNS:-3}
OUT=${OUT:-target/bench-flows}
MONTH=2025-03
TODAY=2025-04-20
mkdir -p "$OUT"
FLOW="$OUT/flow-$RECORDS.xml"
AUTH="$OUT/auth-$RECORDS.json"

command -v xmllint >/dev/null || { echo "xmllint missing: apt-get install libxml2-utils" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time missing: apt-get install time" >&2; exit 2; }

cargo build --release -p omnia >&2
BIN="${CARGO_TARGET_DIR:-target}/release/omnia"

if [ ! -s "$FLOW" ] || [ ! -s "$AUTH" ]; then
  echo "generating $RECORDS records → $FLOW" >&2
  /usr/bin/time -f "generate: %e s, max RSS %M KiB" \
    "$BIN" flow generate --records "$RECORDS" --seed 42 --month "$MONTH" --out "$FLOW" --authorisations-out "$AUTH"
fi
ls -l "$FLOW" "$AUTH" >&2

CHECK="$BIN flow check $FLOW --authorisations $AUTH --today $TODAY"
LINT="xmllint --stream --noout $FLOW"
echo "machine: $(nproc) CPU, load average: $(cut -d' ' -f1-3 /proc/loadavg)"

if command -v hyperfine >/dev/null; then
  # `omnia flow check` exits 1 when the flow is refused: -i keeps the timing anyway.
  hyperfine -i --warmup 1 --runs "$RUNS" \
    --export-markdown "$OUT/flow-check.md" --export-json "$OUT/flow-check.json" \
    -n "omnia flow check" "$CHECK > /dev/null" \
    -n "xmllint --stream" "$LINT"
else
  for i in $(seq "$RUNS"); do
    /usr/bin/time -f "omnia flow check: %e s wall, %U s user" sh -c "$CHECK > /dev/null" || true
    /usr/bin/time -f "xmllint --stream: %e s wall, %U s user" $LINT
  done
fi

echo "peak memory (max RSS):"
/usr/bin/time -f "  omnia flow check: %M KiB (%e s wall, %U s user, %S s sys)" sh -c "$CHECK > $OUT/report.txt" || true
/usr/bin/time -f "  xmllint --stream: %M KiB (%e s wall, %U s user, %S s sys)" $LINT
head -3 "$OUT/report.txt"
tail -1 "$OUT/report.txt"

#!/usr/bin/env bash
# Times the same pattern query in the reference implementation (node) and in
# weft, each as a whole process printing JSON lines, and checks that both
# print the same number of events.
# Usage: benches/compare-strudel/run.sh [EXPR] [CYCLES] [RUNS]
# Needs: node with `npm ci` done in tests/conformance, and a release build
# (or WEFT=path/to/weft).
set -euo pipefail
cd "$(dirname "$0")/../.."
expr=${1:-'n(run(64)).iter(64).fast(64)'}
cycles=${2:-100}
runs=${3:-3}
weft=${WEFT:-target/release/weft}
[ -x "$weft" ] || cargo build --release --quiet
best() { sort -n | head -1; }
time_it() {
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s.%N)
    "$@" > /tmp/compare-strudel.out
    end=$(date +%s.%N)
    echo "$end - $start" | bc
  done | best
}
ts=$(time_it node --import ./tests/conformance/register.mjs benches/compare-strudel/strudel-events.mjs "$expr" 0 "$cycles")
ns=$(wc -l < /tmp/compare-strudel.out)
tw=$(time_it "$weft" events -e "$expr" --from 0 --to "$cycles" --json)
nw=$(wc -l < /tmp/compare-strudel.out)
echo "expression: $expr over $cycles cycles"
echo "reference: $ns events in ${ts}s ($(echo "$ns / $ts" | bc) events/s)"
echo "weft:      $nw events in ${tw}s ($(echo "$nw / $tw" | bc) events/s)"
echo "speed-up:  $(echo "scale=1; $ts / $tw" | bc)x"

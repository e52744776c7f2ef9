#!/usr/bin/env bash
# Times the same pattern queries in the reference implementation (Strudel
# 1.2.6 in node, loaded plainly) and in weft, each as a whole process that
# prints every event as a JSON line, and checks that both print the same
# events (compared as sorted lines).
#
# Usage: benches/compare-strudel/run.sh [RUNS]            the three workloads
#        benches/compare-strudel/run.sh RUNS EXPR CYCLES  one expression
# Needs: node with `npm ci` done in tests/conformance, and a release build
# (or WEFT=path/to/weft). Prints the median of RUNS (default 5) wall times.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
runs=${1:-5}
weft=${WEFT:-target/release/weft}
[ -x "$weft" ] || cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A plain node project holding copies of the two packages and their
# dependencies. @kabelsalat/web's published "main" is a browser script
# without exports, so (as a user installing it would have to) its
# package.json is pointed at the package's own ES module build. Nothing
# else is changed; node loads everything with no hooks.
nm=$root/tests/conformance/node_modules
mkdir -p "$work/node_modules/@strudel" "$work/node_modules/@kabelsalat"
cp -r "$nm/@strudel/core" "$nm/@strudel/mini" "$work/node_modules/@strudel/"
cp -r "$nm/@kabelsalat/web" "$nm/@kabelsalat/core" "$nm/@kabelsalat/lib" "$work/node_modules/@kabelsalat/"
cp -r "$nm/fraction.js" "$work/node_modules/"
node -e '
  const fs = require("fs"), p = process.argv[1];
  const pkg = JSON.parse(fs.readFileSync(p, "utf8"));
  pkg.main = pkg.module;
  fs.writeFileSync(p, JSON.stringify(pkg, null, 2));
' "$work/node_modules/@kabelsalat/web/package.json"
echo '{"type":"module","private":true}' > "$work/package.json"
cp benches/compare-strudel/strudel-events.mjs "$work/"

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# Wall seconds of each of `runs` runs of the command, output to $2.
time_runs() {
  local out=$1
  shift
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s.%N)
    "$@" > "$out"
    end=$(date +%s.%N)
    echo "$end - $start" | bc
  done | median
}

compare() {
  local expr=$1 cycles=$2
  local ts tw
  ts=$(cd "$work" && time_runs "$work/ref.out" node strudel-events.mjs "$expr" 0 "$cycles" 2>/dev/null)
  tw=$(time_runs "$work/weft.out" "$weft" events -e "$expr" --from 0 --to "$cycles" --json)
  local ns nw same
  ns=$(wc -l < "$work/ref.out")
  nw=$(wc -l < "$work/weft.out")
  if cmp -s <(LC_ALL=C sort "$work/ref.out") <(LC_ALL=C sort "$work/weft.out"); then
    same="same events"
  else
    same="EVENTS DIFFER"
  fi
  echo "$expr over $cycles cycles: $ns events ($same)"
  echo "  reference ${ts}s, weft ${tw}s, speed-up $(echo "scale=1; $ts / $tw" | bc)x"
  echo "$ts $tw" >> "$work/ratios"
}

if [ $# -ge 3 ]; then
  compare "$2" "$3"
else
  compare 'n(run(64)).iter(64).fast(64)' 100
  compare 'stack(s("bd*2 [~ bd] bd sd").every(4, fast(2)), s("hh*16").degradeBy(0.3), s("~ cp").off(1/8, x => x.gain(0.6))).jux(rev)' 2000
  compare 'note("48 52 55 59 62 65 69 72").fast(16).sometimesBy(0.5, x => x.add(note(12)))' 2000
  awk '{ s += log($1 / $2); n++ } END { printf "geometric mean speed-up: %.1fx\n", exp(s / n) }' "$work/ratios"
fi

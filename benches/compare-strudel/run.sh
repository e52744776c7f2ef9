#!/usr/bin/env bash
# Times the same pattern queries in the reference implementation (Strudel
# 1.2.6 in node, loaded plainly) and in weft, each as a whole process that
# prints every event as a JSON line, and checks that both print the same
# events (compared as sorted lines).
#
# Usage: benches/compare-strudel/run.sh [RUNS]            the three workloads
#        benches/compare-strudel/run.sh RUNS EXPR CYCLES  one expression
# Needs: node with `npm ci` done in tests/conformance, and a release build
# (or WEFT=path/to/weft). Prints the medians of RUNS (default 5) runs: wall
# time, CPU time (user + system) and peak memory, measured by /usr/bin/time.
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
# Runs the command `runs` times, output to $1; prints the medians of the
# wall time, the CPU time (user + system) and the peak memory (MB).
time_runs() {
  local out=$1
  shift
  : > "$work/times"
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %U %S %M" -a -o "$work/times" "$@" > "$out"
  done
  local wall cpu peak
  wall=$(awk '{ print $1 }' "$work/times" | median)
  cpu=$(awk '{ print $2 + $3 }' "$work/times" | median)
  peak=$(awk '{ print int($4 / 1024) }' "$work/times" | median)
  echo "$wall $cpu $peak"
}

compare() {
  local expr=$1 cycles=$2
  local ts tw
  ts=$(cd "$work" && time_runs "$work/ref.out" node strudel-events.mjs "$expr" 0 "$cycles" 2>/dev/null)
  tw=$(time_runs "$work/weft.out" "$weft" events -e "$expr" --from 0 --to "$cycles" --json)
  local ns same
  ns=$(wc -l < "$work/ref.out")
  if cmp -s <(LC_ALL=C sort "$work/ref.out") <(LC_ALL=C sort "$work/weft.out"); then
    same="same events"
  else
    same="EVENTS DIFFER: $(wc -l < "$work/weft.out") from weft"
  fi
  set -- $ts $tw
  echo "$expr over $cycles cycles: $ns events ($same)"
  echo "  reference: wall $1 s, CPU $2 s, peak $3 MB"
  echo "  weft:      wall $4 s, CPU $5 s, peak $6 MB"
  echo "  speed-up:  wall $(echo "scale=1; $1 / $4" | bc)x, CPU $(echo "scale=1; $2 / $5" | bc)x"
  echo "$1 $4 $2 $5" >> "$work/ratios"
}

if [ $# -ge 3 ]; then
  compare "$2" "$3"
else
  compare 'n(run(64)).iter(64).fast(64)' 100
  compare 'stack(s("bd*2 [~ bd] bd sd").every(4, fast(2)), s("hh*16").degradeBy(0.3), s("~ cp").off(1/8, x => x.gain(0.6))).jux(rev)' 2000
  compare 'note("48 52 55 59 62 65 69 72").fast(16).sometimesBy(0.5, x => x.add(note(12)))' 2000
  awk '{ w += log($1 / $2); c += log($3 / $4); n++ }
       END { printf "geometric mean speed-up: wall %.1fx, CPU %.1fx\n", exp(w / n), exp(c / n) }' "$work/ratios"
fi

#!/usr/bin/env bash
# Times every instrument-family workload (examples/bench/fam-*.weft) in weft
# and in Csound on the same machine, one after the other, and prints a table of
# CPU (user + system) seconds for 60 s of 48 kHz audio.
#
#   bash benches/instruments/run.sh [FAMILY ...]     # default: every family
#
# Needs a release build (cargo build --release) and csound 6 on the PATH
# (not installed in CI). Each render is run RUNS times (default 3); the
# fastest and the median CPU time are reported (ratios of the medians).
# Both write a 60 s WAV file. With
# WEFT_BEFORE=path/to/another/weft, that build is timed too (a column
# "before"), in the same run.
set -euo pipefail
cd "$(dirname "$0")/../.."
WEFT=${WEFT:-target/release/weft}
CSOUND=${CSOUND:-csound}
RUNS=${RUNS:-3}
TMP=$(mktemp -d /tmp/weft-instr-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
python3 benches/instruments/gen.py csd "$TMP"
families=("$@")
if [ ${#families[@]} -eq 0 ]; then
  families=(fm pulse-bp noise-bp supersaw pluck sample stdlib)
fi

# CPU seconds (user + system) of RUNS runs of a command: "min median".
cpu() {
  local t=()
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%U %S" -o "$TMP/time" "$@" >/dev/null 2>&1
    t+=("$(awk '{printf "%.2f", $1 + $2}' "$TMP/time")")
  done
  printf '%s\n' "${t[@]}" | sort -n | awk '{a[NR]=$1} END {print a[1], a[int((NR+1)/2)]}'
}
median() { echo "${1#* }"; }
spread() { echo "${1% *} / ${1#* }"; }

# CPU times are "min / median" of the runs; ratios are of the medians.
if [ -n "${WEFT_BEFORE:-}" ]; then
  printf '| family | voices | weft before, CPU s | before / Csound | weft CPU s | Csound CPU s | weft / Csound |\n|---|---|---|---|---|---|---|\n'
else
  printf '| family | voices | weft CPU s | Csound CPU s | weft / Csound |\n|---|---|---|---|---|\n'
fi
ratio() { awk -v a="$(median "$1")" -v b="$(median "$2")" 'BEGIN {printf "%.2f", a / b}'; }
for f in "${families[@]}"; do
  for n in 64 256; do
    w=$(cpu "$WEFT" render "examples/bench/fam-$f-$n.weft" -o "$TMP/w.wav" --seconds 60)
    c=$(cpu "$CSOUND" -W -f -o "$TMP/c.wav" "$TMP/fam-$f-$n.csd")
    if [ -n "${WEFT_BEFORE:-}" ]; then
      b=$(cpu "$WEFT_BEFORE" render "examples/bench/fam-$f-$n.weft" -o "$TMP/w.wav" --seconds 60)
      printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$f" "$n" "$(spread "$b")" "$(ratio "$b" "$c")" \
        "$(spread "$w")" "$(spread "$c")" "$(ratio "$w" "$c")"
    else
      printf '| %s | %s | %s | %s | %s |\n' "$f" "$n" "$(spread "$w")" "$(spread "$c")" "$(ratio "$w" "$c")"
    fi
  done
done

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
#
# When scsynth is on the PATH (or SCSYNTH=path/to/scsynth is given),
# SuperCollider's non-real-time render of each workload is timed too (columns
# "SC CPU s" and "weft / SC"): sclang (SCLANG, default sclang) first writes the
# workloads' binary OSC scores once, untimed; then each timed run is one
# `scsynth -N score.osc _ out.wav 48000 WAV int24`. A second table then gives
# the length, RMS, first-second RMS and peak of the last render of each
# workload in each program, so that a silent or short render shows.
set -euo pipefail
cd "$(dirname "$0")/../.."
WEFT=${WEFT:-target/release/weft}
CSOUND=${CSOUND:-csound}
RUNS=${RUNS:-3}
TMP=$(mktemp -d /tmp/weft-instr-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
python3 benches/instruments/gen.py csd "$TMP"
SCSYNTH=${SCSYNTH:-$(command -v scsynth || true)}
if [ -n "$SCSYNTH" ]; then
  python3 benches/instruments/gen.py sc "$TMP"
  # sclang's class library loads Qt: no display, and no sandbox for its web
  # engine when run as root. An error in the script leaves sclang waiting
  # rather than exiting, hence the timeout.
  if ! QT_QPA_PLATFORM=offscreen QTWEBENGINE_CHROMIUM_FLAGS=--no-sandbox \
    timeout 300 "${SCLANG:-sclang}" "$TMP/build.scd" >"$TMP/sclang.log" 2>&1 </dev/null ||
    [ "$(ls "$TMP"/*.osc | wc -l)" -ne "$(ls "$TMP"/*.csd | wc -l)" ]; then
    cat "$TMP/sclang.log" >&2
    echo "sclang did not write every score" >&2
    exit 1
  fi
fi
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
head='| family | voices |'
rule='|---|---|'
if [ -n "${WEFT_BEFORE:-}" ]; then
  head+=' weft before, CPU s | before / Csound |'
  rule+='---|---|'
fi
head+=' weft CPU s | Csound CPU s | weft / Csound |'
rule+='---|---|---|'
if [ -n "$SCSYNTH" ]; then
  head+=' SC CPU s | weft / SC |'
  rule+='---|---|'
fi
printf '%s\n%s\n' "$head" "$rule"
levels=()
ratio() { awk -v a="$(median "$1")" -v b="$(median "$2")" 'BEGIN {printf "%.2f", a / b}'; }
for f in "${families[@]}"; do
  for n in 64 256; do
    w=$(cpu "$WEFT" render "examples/bench/fam-$f-$n.weft" -o "$TMP/w.wav" --seconds 60)
    c=$(cpu "$CSOUND" -W -f -o "$TMP/c.wav" "$TMP/fam-$f-$n.csd")
    row="| $f | $n |"
    if [ -n "${WEFT_BEFORE:-}" ]; then
      b=$(cpu "$WEFT_BEFORE" render "examples/bench/fam-$f-$n.weft" -o "$TMP/b.wav" --seconds 60)
      row+=" $(spread "$b") | $(ratio "$b" "$c") |"
    fi
    row+=" $(spread "$w") | $(spread "$c") | $(ratio "$w" "$c") |"
    if [ -n "$SCSYNTH" ]; then
      s=$(cpu "$SCSYNTH" -N "$TMP/fam-$f-$n.osc" _ "$TMP/s.wav" 48000 WAV int24 -o 2 -i 0 -z 64 -D 0)
      row+=" $(spread "$s") | $(ratio "$w" "$s") |"
      levels+=("| $f | $n | $(python3 benches/instruments/level.py --short "$TMP/w.wav" "$TMP/c.wav" "$TMP/s.wav" |
        paste -sd '|' | sed 's/|/ | /g') |")
    fi
    echo "$row"
  done
done
if [ -n "$SCSYNTH" ]; then
  printf '\nLast renders: seconds / RMS dBFS / first-second RMS dBFS / peak dBFS\n\n'
  printf '| family | voices | weft | Csound | SC |\n|---|---|---|---|---|\n'
  printf '%s\n' "${levels[@]}"
fi

#!/bin/sh
# Seeds the corpora of the fuzz targets from the conformance cases.
set -eu
cd "$(dirname "$0")"
mkdir -p corpus/expr corpus/mini corpus/program corpus/sample_map
n=0
grep -hv '^#' ../tests/conformance/cases/*.txt | cut -d' ' -f3- | while IFS= read -r code; do
  [ -n "$code" ] || continue
  n=$((n + 1))
  printf '%s' "$code" > "corpus/expr/case$n"
  printf 'a: %s\n' "$code" > "corpus/program/case$n"
  mini=$(printf '%s' "$code" | sed -n 's/^[^"]*"\([^"]*\)".*/\1/p')
  [ -z "$mini" ] || printf '%s' "$mini" > "corpus/mini/case$n"
done
printf '%s' '{"_base": "https://example.invalid/", "bd": ["bd/1.wav"], "piano": {"c4": "p/c4.wav"}}' > corpus/sample_map/map

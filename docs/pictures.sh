#!/bin/sh
# Draws the tutorial's pictures: the pianoroll of every lesson in
# examples/tutorial/ and the plot of every instrument a lesson defines.
#
#   docs/pictures.sh [OUT_DIR [WEFT]]
#
# OUT_DIR defaults to docs/pictures; WEFT is the weft command to use
# (default: `cargo run --quiet --`, the build the tests use). `cargo test --test pictures`
# runs this script and fails when the checked-in pictures are not current.
set -eu
cd "$(dirname "$0")/.."
out=${1:-docs/pictures}
weft=${2:-"cargo run --quiet --"}
mkdir -p "$out"
for file in examples/tutorial/*.weft; do
    name=$(basename "$file" .weft)
    $weft roll "$file" -o "$out/$name.roll.svg" >/dev/null
    for instrument in $(sed -n 's/^instrument \([A-Za-z_][A-Za-z0-9_]*\).*/\1/p' "$file"); do
        $weft plot "$file" --instrument "$instrument" -o "$out/$name.$instrument.plot.svg" >/dev/null
    done
done

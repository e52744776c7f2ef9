#!/usr/bin/env bash
# Plays examples/bench/dense-set.weft live for SECONDS (default 60) through a
# JACK server with the dummy driver (paced in real time, 48 kHz, 128-frame
# periods; see tests/audio/README.md) and prints the engine's own underrun
# count and callback load, read from `weft play`'s status line (which needs a
# terminal: the command runs under `script`). Needs jackd, the ALSA JACK
# plugin and a release build. SET=file plays another program (a control).
set -eu
cd "$(dirname "$0")/../.."
WEFT=${WEFT:-target/release/weft}
SECONDS_TO_PLAY=${SECONDS_TO_PLAY:-60}
SET=${SET:-examples/bench/dense-set.weft}
FRAMES=${FRAMES:-128}
TMP=$(mktemp -d /tmp/weft-live-dense.XXXXXX)
export JACK_NO_AUDIO_RESERVATION=1
export JACK_DEFAULT_SERVER="weft-dense-$$"
jackd ${JACKD_RT:---no-realtime} -n "$JACK_DEFAULT_SERVER" -d dummy -r 48000 -p "$FRAMES" >"$TMP/jackd.log" 2>&1 &
JACKD=$!
cleanup() { kill "$JACKD" 2>/dev/null || true; wait "$JACKD" 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
sleep 2
export ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:$PWD/tests/audio/jack-default.conf
script -q -e -c "timeout -s INT $SECONDS_TO_PLAY $WEFT play $SET --buffer $FRAMES --no-ui" "$TMP/play.log" >/dev/null 2>&1 || true
# The last status line drawn before the end.
status=$(tr '\r' '\n' <"$TMP/play.log" | grep -a 'xruns' | tail -1 | sed 's/\x1b\[[0-9;]*[A-Za-z]//g')
echo "last status: $status"
grep -a "playing" "$TMP/play.log" | head -1 || true
echo "jackd messages about lateness: $(grep -aci 'xrun\|delay\|late' "$TMP/jackd.log" || true)"
grep -ai 'xrun\|delay\|late' "$TMP/jackd.log" | sort | uniq -c | head -5 || true

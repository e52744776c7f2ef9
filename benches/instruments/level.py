#!/usr/bin/env python3
"""Prints the length, RMS and peak of WAV files, so that a benchmark's renders
can be seen to hold sound of the expected level (a silent render is fast).

    python3 benches/instruments/level.py [--short] a.wav [b.wav ...]

One line per file: its length, RMS over the whole file and over its first
second (a plucked string has died away long before the end), and peak, over
all channels; with --short, "seconds / RMS / first-second RMS / peak" for a
table cell.
Reads 16-, 24- and 32-bit integer PCM and 32-bit float WAV (what weft,
Csound and scsynth write), with the standard library only.
"""
import array
import math
import struct
import sys

PCM, FLOAT, EXTENSIBLE = 1, 3, 0xFFFE


def chunks(data):
    """(id, body) of each RIFF chunk after the WAVE header."""
    pos = 12
    while pos + 8 <= len(data):
        cid, size = struct.unpack_from("<4sI", data, pos)
        yield cid, data[pos + 8 : pos + 8 + size]
        pos += 8 + size + (size & 1)


def samples(path):
    """(sample rate, channels, samples scaled to -1..1 as a flat sequence)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        sys.exit(f"{path}: not a WAV file")
    fmt = body = None
    for cid, chunk in chunks(data):
        if cid == b"fmt ":
            fmt = chunk
        elif cid == b"data":
            body = chunk
    tag, channels, rate = struct.unpack_from("<HHI", fmt)
    bits = struct.unpack_from("<H", fmt, 14)[0]
    if tag == EXTENSIBLE:
        tag = struct.unpack_from("<H", fmt, 24)[0]
    return rate, channels, decode(body, tag, bits)


def decode(body, tag, bits):
    if tag == FLOAT and bits == 32:
        return array.array("f", body)
    if tag == PCM and bits == 16:
        return [x / 32768.0 for x in array.array("h", body)]
    if tag == PCM and bits == 24:
        # Widen each 3-byte sample to 4 bytes (low byte zero) and read as int32.
        n = len(body) // 3
        wide = bytearray(4 * n)
        wide[1::4] = body[0::3]
        wide[2::4] = body[1::3]
        wide[3::4] = body[2::3]
        return [x / 2147483648.0 for x in array.array("i", bytes(wide))]
    if tag == PCM and bits == 32:
        return [x / 2147483648.0 for x in array.array("i", body)]
    sys.exit(f"unsupported WAV format {tag}, {bits} bits")


def db(x):
    return 20 * math.log10(x) if x > 0 else float("-inf")


def rms(xs):
    return math.sqrt(math.fsum(x * x for x in xs) / max(len(xs), 1))


def main():
    args = sys.argv[1:]
    short = "--short" in args
    paths = [a for a in args if a != "--short"]
    if not paths:
        sys.exit(__doc__)
    for path in paths:
        rate, channels, xs = samples(path)
        seconds = len(xs) / channels / rate
        whole, first = db(rms(xs)), db(rms(xs[: rate * channels]))
        peak = db(max((abs(x) for x in xs), default=0.0))
        if short:
            print(f"{seconds:.2f} / {whole:.1f} / {first:.1f} / {peak:.1f}")
        else:
            print(f"{seconds:.2f} s, RMS {whole:.1f} dBFS (first second {first:.1f}), "
                  f"peak {peak:.1f} dBFS")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes the instrument-family workloads: weft programs (examples/bench/)
and their Csound equivalents (.csd, into the directory given).

Every workload is N sustained voices for 60 s at 48 kHz, voice i at
55 * 2^((i mod 48) / 12) Hz (MIDI 33 + i mod 48), each at gain 1/N, as W1.

    python3 benches/instruments/gen.py weft          # rewrite examples/bench/fam-*.weft
    python3 benches/instruments/gen.py csd DIR       # write DIR/<workload>.csd
"""
import os
import sys

SIZES = (64, 256)
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BENCH = os.path.join(ROOT, "examples", "bench")

# The stdlib workload plays these instruments in turn, one per voice.
STDLIB = ("sawtooth", "square", "fm", "supersaw", "pluck", "organ")

FAMILIES = {
    "fm": {
        "doc": "2-operator FM: a sine at freq*2 modulating a sine at freq (index 1)",
        "weft": "instrument fm2(freq = 110, polyphony = 1) = sine(freq + sine(freq * 2) * (freq * 2))",
        "s": "fm2",
        "csd": """
  kcps = p5
  amod oscili kcps * 2, kcps * 2, 1
  asig oscili 1, kcps + amod, 1
""",
    },
    "pulse-bp": {
        "doc": "pulse (width 0.3) through a 2-pole band-pass at 1 kHz, Q 2",
        "weft": "instrument pbp(freq = 110, polyphony = 1) = pulse(freq, 0.3) >> bpf(1000, 2)",
        "s": "pbp",
        "csd": """
  asrc vco2 1, p5, 2, 0.3
  asig butbp asrc, 1000, 500
""",
    },
    "noise-bp": {
        "doc": "white noise through a 2-pole band-pass at 8 x freq, Q 4",
        "weft": "instrument nbp(freq = 110, polyphony = 1) = noise() >> bpf(freq * 8, 4)",
        "s": "nbp",
        "csd": """
  asrc rand 1
  asig butbp asrc, p5 * 8, p5 * 2
""",
    },
    "supersaw": {
        "doc": "the standard library's supersaw: 7 detuned sawtooths spread in stereo, ADSR",
        "weft": None,
        "s": "supersaw",
        "csd": None,  # written by supersaw_csd()
    },
    "pluck": {
        "doc": "Karplus-Strong plucked string ringing for 3 s",
        "weft": "instrument ks(freq = 110, polyphony = 1) = pluck(freq, 3, 0.5)",
        "s": "ks",
        "csd": """
  asig pluck 1, p5, p5, 0, 1
""",
    },
    "sample": {
        "doc": "a looped half-second sample played at the voice's pitch (cubic interpolation)",
        "weft": None,
        "s": "tone",
        "csd": """
  asig loscil3 1, p5, 2, 65.406391, 1
""",
    },
    "stdlib": {
        "doc": "the standard library as a musician uses it: "
        + ", ".join(STDLIB)
        + " in turn, one per voice, with their own envelopes",
        "weft": None,
        "s": None,
        "csd": None,
    },
}


def freq(i):
    return 55.0 * 2.0 ** ((i % 48) / 12.0)


def weft_program(name, fam, n):
    lines = [
        f"// Instrument family \"{name}\", {n} voices: {fam['doc']}.",
        "// Each voice is a track holding one note for 64 cycles (128 s), at gain 1/N.",
        f"// Render: weft render examples/bench/fam-{name}-{n}.weft -o out.wav --seconds 60",
        f"// Csound equivalent: benches/instruments/gen.py csd DIR (see benches/instruments/run.sh).",
        "bpm(120)",
    ]
    if name == "sample":
        lines.append("samples({ tone: ['samples/tone.wav'] })")
    if fam["weft"]:
        lines.append(fam["weft"])
    lines.append("")
    g = 1.0 / n
    for i in range(n):
        midi = 33 + i % 48
        if name == "stdlib":
            s = STDLIB[i % len(STDLIB)]
            lines.append(f'v{i}: note("{midi}").s("{s}").gain({g}).slow(64)')
        elif name == "sample":
            lines.append(f'v{i}: note("{midi}").s("tone").loop(1).clip(1).gain({g}).slow(64)')
        else:
            lines.append(f'v{i}: note("{midi}").s("{fam["s"]}").gain({g}).slow(64)')
    return "\n".join(lines) + "\n"


HEADER = """<CsoundSynthesizer>
<CsOptions>
-d -m0 --nodisplays
</CsOptions>
<CsInstruments>
sr = 48000
ksmps = 64
nchnls = 2
0dbfs = 1
"""

# Equal-power centre pan, as weft's default (pan 0.5) mono voices.
CENTRE = "  outs asig * p4 * 0.70710678, asig * p4 * 0.70710678\n"


def instr(num, body, stereo=False):
    out = f"instr {num}\n{body}"
    if not stereo:
        out += CENTRE
    return out + "endin\n"


def supersaw_csd(num):
    # (detune factor, pan) of the seven saws as in stdlib/instruments.weft,
    # detune 0.12; pan balance as weft's `pan` on a mono saw (equal power).
    d = 0.12
    saws = [(1, 0.5), (1 + d * 0.0198, 0.3), (1 - d * 0.0198, 0.7),
            (1 + d * 0.0396, 0.15), (1 - d * 0.0396, 0.85),
            (1 + d * 0.0595, 0.0), (1 - d * 0.0595, 1.0)]
    body = "  kenv madsr 0.01, 0.1, 0.8, 0.2\n  aL = 0\n  aR = 0\n"
    for k, (f, p) in enumerate(saws):
        body += f"  a{k} vco2 0.12, p5 * {f:.6f}\n"
        body += f"  aL = aL + a{k} * cos({p} * 1.5707963)\n  aR = aR + a{k} * sin({p} * 1.5707963)\n"
    body += "  outs aL * kenv * p4, aR * kenv * p4\n"
    return instr(num, body, stereo=True)


def stdlib_csd():
    """One Csound instrument per standard-library instrument (2..7)."""
    env = lambda a, d, s, r: f"  kenv madsr {a}, {d}, {s}, {r}\n"
    parts = {
        "sawtooth": env(0.001, 0.05, 0.6, 0.01) + "  asig vco2 0.3, p5\n  asig = asig * kenv\n",
        "square": env(0.001, 0.05, 0.6, 0.01) + "  asig vco2 0.25, p5, 10\n  asig = asig * kenv\n",
        "fm": env(0.001, 0.3, 0.5, 0.1)
        + "  amod oscili p5, p5, 1\n  acar oscili 0.45, p5 + amod, 1\n"
        + "  asig butterhp acar, 10\n  asig = asig * kenv\n",
        "pluck": env(0.001, 0.01, 1, 0.3) + "  asig pluck 0.7, p5, p5, 0, 1\n  asig = asig * kenv\n",
        "organ": env(0.005, 0.05, 1, 0.06)
        + "  kclick expseg 1, 0.25, 0.001, 1, 0.001\n"
        + "  a1 oscili 0.25, p5 * 0.5, 1\n  a2 oscili 0.5, p5, 1\n  a3 oscili 0.2, p5 * 1.5, 1\n"
        + "  a4 oscili 0.25, p5 * 2, 1\n  a5 oscili 0.1 + 0.12 * kclick, p5 * 3, 1\n  a6 oscili 0.1, p5 * 4, 1\n"
        + "  asig = (a1 + a2 + a3 + a4 + a5 + a6) * 0.45 * kenv\n",
    }
    out = ""
    for k, name in enumerate(STDLIB):
        if name == "supersaw":
            out += supersaw_csd(2 + k)
        else:
            out += instr(2 + k, parts[name])
    return out


def csd(name, n, tone_path):
    fam = FAMILIES[name]
    tables = "f1 0 16384 10 1\n"
    if name == "sample":
        tables += f'f2 0 0 1 "{tone_path}" 0 0 0\n'
    if name == "supersaw":
        orc = supersaw_csd(1)
    elif name == "stdlib":
        orc = stdlib_csd()
    else:
        orc = instr(1, fam["csd"])
    score = []
    for i in range(n):
        num = 2 + i % len(STDLIB) if name == "stdlib" else 1
        score.append(f"i{num} 0 60 {1.0 / n} {freq(i):.6f}")
    return (HEADER + orc + "</CsInstruments>\n<CsScore>\n" + tables
            + "\n".join(score) + "\ne\n</CsScore>\n</CsoundSynthesizer>\n")


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "weft":
        for name, fam in FAMILIES.items():
            for n in SIZES:
                path = os.path.join(BENCH, f"fam-{name}-{n}.weft")
                with open(path, "w") as f:
                    f.write(weft_program(name, fam, n))
    elif len(sys.argv) >= 3 and sys.argv[1] == "csd":
        out = sys.argv[2]
        tone = os.path.join(BENCH, "samples", "tone.wav")
        for name in FAMILIES:
            for n in SIZES:
                with open(os.path.join(out, f"fam-{name}-{n}.csd"), "w") as f:
                    f.write(csd(name, n, tone))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()

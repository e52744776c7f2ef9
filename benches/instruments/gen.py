#!/usr/bin/env python3
"""Writes the instrument-family workloads: weft programs (examples/bench/)
and their Csound (.csd) and SuperCollider equivalents (into the directory
given).

Every workload is N sustained voices for 60 s at 48 kHz, voice i at
55 * 2^((i mod 48) / 12) Hz (MIDI 33 + i mod 48), each at gain 1/N, as W1.

    python3 benches/instruments/gen.py weft          # rewrite examples/bench/fam-*.weft
    python3 benches/instruments/gen.py csd DIR       # write DIR/<workload>.csd
    python3 benches/instruments/gen.py sc DIR        # write DIR/build.scd

`sclang DIR/build.scd` then compiles the SynthDefs and writes, for each
workload, DIR/<workload>.osc: a binary OSC score, SynthDefs included, for a
non-real-time render,
`scsynth -N DIR/<workload>.osc _ out.wav 48000 WAV int24 -o 2 -i 0 -z 64 -D 0`
(headless sclang may need QT_QPA_PLATFORM=offscreen; see run.sh).
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


# SuperCollider: the UGen graph of each family's voice as sclang source, as a
# SuperCollider user would write it. Mono voices are centred by Pan2 (equal
# power, as Csound's CENTRE); envelopes are control-rate, as Csound's madsr.
SC_ENV = "EnvGen.kr(Env.adsr({}, {}, {}, {}), gate)"
SC_PLUCK = "Pluck.ar(WhiteNoise.ar(1), 1, freq.reciprocal, freq.reciprocal, 3, 0.5)"
SC = {
    "fm": "SinOsc.ar(freq + SinOsc.ar(freq * 2, 0, freq * 2))",
    # BPF takes the reciprocal of Q (bandwidth / centre).
    "pulse-bp": "BPF.ar(Pulse.ar(freq, 0.3), 1000, 0.5)",
    "noise-bp": "BPF.ar(WhiteNoise.ar(1), freq * 8, 0.25)",
    "pluck": SC_PLUCK,
    # tone.wav is C2 (65.406391 Hz) at 48 kHz, as loscil3's base frequency.
    "sample": "PlayBuf.ar(1, buf, BufRateScale.kr(buf) * freq / 65.406391, loop: 1)",
}


def supersaw_sc():
    """The seven saws of supersaw_csd(), each placed by Pan2 (pan p -> 2p - 1)."""
    d = 0.12
    ratios = [1, 1 + d * 0.0198, 1 - d * 0.0198, 1 + d * 0.0396,
              1 - d * 0.0396, 1 + d * 0.0595, 1 - d * 0.0595]
    pans = [0.5, 0.3, 0.7, 0.15, 0.85, 0.0, 1.0]
    r = ", ".join(f"{x:.6f}" for x in ratios)
    p = ", ".join(f"{2 * x - 1:g}" for x in pans)
    return (f"Mix(Pan2.ar(Saw.ar(freq * [{r}], 0.12), [{p}])) * "
            + SC_ENV.format(0.01, 0.1, 0.8, 0.2))


def stdlib_sc():
    """One SynthDef body per standard-library instrument: (expression, stereo)."""
    env = lambda a, d, s, r: " * " + SC_ENV.format(a, d, s, r)
    click = "(0.1 + (0.12 * EnvGen.kr(Env.perc(0.001, 0.25))))"
    return {
        "sawtooth": ("Saw.ar(freq, 0.3)" + env(0.001, 0.05, 0.6, 0.01), False),
        "square": ("Pulse.ar(freq, 0.5, 0.25)" + env(0.001, 0.05, 0.6, 0.01), False),
        "fm": ("HPF.ar(SinOsc.ar(freq + SinOsc.ar(freq, 0, freq), 0, 0.45), 10)"
               + env(0.001, 0.3, 0.5, 0.1), False),
        "supersaw": (supersaw_sc(), True),
        "pluck": (SC_PLUCK + " * 0.7" + env(0.001, 0.01, 1, 0.3), False),
        "organ": ("SinOsc.ar(freq * [0.5, 1, 1.5, 2, 3, 4], 0, "
                  f"[0.25, 0.5, 0.2, 0.25, {click}, 0.1]).sum * 0.45"
                  + env(0.005, 0.05, 1, 0.06), False),
    }


def sc_synthdef(name, expr, stereo):
    out = f"{expr} * amp" if stereo else f"Pan2.ar({expr}, 0, amp)"
    args = "freq = 110, amp = 0.1, gate = 1" + (", buf = 0" if "buf" in expr else "")
    return (f"SynthDef('{name}', {{ |{args}|\n"
            f"    Out.ar(0, {out})\n  }})")


def sc_defs(name):
    """The workload's SynthDefs as {def name: sclang source}."""
    if name == "stdlib":
        return {f"std-{k}": sc_synthdef(f"std-{k}", expr, stereo)
                for k, (expr, stereo) in stdlib_sc().items()}
    if name == "supersaw":
        return {name: sc_synthdef(name, supersaw_sc(), True)}
    return {name: sc_synthdef(name, SC[name], False)}


def sc_workload(name, n, out, tone_path):
    """An sclang call writing DIR/<workload>.osc (see SC_WRITE)."""
    path = os.path.join(out, f"fam-{name}-{n}.osc")
    defs = ",\n  ".join(sc_defs(name).values())
    buf = f'"{tone_path}"' if name == "sample" else "nil"
    notes = []
    for i in range(n):
        d = f"std-{STDLIB[i % len(STDLIB)]}" if name == "stdlib" else name
        notes.append(f"['{d}', {freq(i):.6f}, {1.0 / n}]")
    return (f"// {name}, {n} voices\n"
            f"write.(\"{path}\", [\n  {defs}\n], {buf},\n"
            f"  #[{', '.join(notes)}]);\n")


# The score of a workload: its SynthDefs sent in the score itself (/d_recv),
# the sample (if any) read into buffer 0, one /s_new per voice at time 0 added
# at the tail of the root node in voice order, and an empty command at 60 s,
# where the render ends.
SC_WRITE = """var write = { |path, defs, sample, notes|
  var score = List.new;
  defs.do { |def| score.add([0.0, ['/d_recv', def.asBytes]]) };
  sample !? { score.add([0.0, ['/b_allocRead', 0, sample]]) };
  notes.do { |note, i|
    score.add([0.0, ['/s_new', note[0], 1000 + i, 1, 0, 'freq', note[1], 'amp', note[2]]])
  };
  score.add([60.0, ['/c_set', 0, 0]]);
  Score(score).writeOSCFile(path);
};
"""


def sc_build(out, tone_path):
    """The sclang script writing every workload's score."""
    text = ("// Written by benches/instruments/gen.py sc: run with sclang to write the\n"
            "// binary OSC scores of the instrument-family workloads.\n" + SC_WRITE)
    for name in FAMILIES:
        for n in SIZES:
            text += sc_workload(name, n, out, tone_path)
    return text + "0.exit;\n"


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
    elif len(sys.argv) >= 3 and sys.argv[1] == "sc":
        out = os.path.abspath(sys.argv[2])
        tone = os.path.join(BENCH, "samples", "tone.wav")
        with open(os.path.join(out, "build.scd"), "w") as f:
            f.write(sc_build(out, tone))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()

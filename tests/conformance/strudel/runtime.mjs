// Strudel 1.2.6 as its website REPL evaluates a program, in node: the
// transpiler (double quotes and backticks are mini-notation, `$:` labels,
// `await samples(…)`, slider and widget ids), the REPL's own functions
// (`$:`/`_$:` patterns, `all`, `each`, `hush`, `setcps`/`setcpm`, `.cpm`),
// and stand-ins for what only a browser has. A stand-in changes event
// values exactly as the browser version does (`.scope()` adds `analyze`,
// `.piano()` sets clip, sound, release and pan) and nothing else: drawing,
// audio and MIDI output do not change events.
//
// Load with `node --import ../register.mjs`.
delete process.env.NODE_ENV;

export const realConsole = { log: console.log, warn: console.warn, error: console.error, info: console.info };
let captured = null;
for (const name of ['log', 'warn', 'error', 'info', 'debug']) {
  console[name] = (...args) => {
    if (captured) {
      captured.push(
        args
          .map((a) => (typeof a === 'string' ? a.replace(/%c/g, '') : a instanceof Error ? a.message : String(a)))
          .filter((a, i) => !(i > 0 && /^(background|color|font)/.test(a)))
          .join(' '),
      );
    }
  };
}

const core = await import('@strudel/core');
const mini = await import('@strudel/mini');
const tonal = await import('@strudel/tonal');
const { transpiler, registerWidgetType } = await import('@strudel/transpiler');
const { Pattern, evalScope, register, silence, stack, isPattern, ref, valueToMidi, noteToMidi, Fraction } = core;

// ---------------------------------------------------------------------------
// The REPL (packages/core/repl.mjs), without its scheduler.

export const repl = { cps: 0.5, patterns: {}, anonymous: 0, allTransforms: [], eachTransform: undefined };

function hush() {
  repl.patterns = {};
  repl.anonymous = 0;
  repl.allTransforms = [];
  repl.eachTransform = undefined;
  return silence;
}
const unpure = (x) => (x && x._Pattern ? x.__pure : x);
const setCps = (cps) => {
  repl.cps = unpure(cps);
  return silence;
};
const setCpm = (cpm) => {
  repl.cps = unpure(cpm) / 60;
  return silence;
};

Pattern.prototype.p = function (id) {
  if (typeof id === 'string' && (id.startsWith('_') || id.endsWith('_'))) return silence;
  if (id.includes('$')) {
    id = `${id}${repl.anonymous}`;
    repl.anonymous++;
  }
  repl.patterns[id] = this;
  return this;
};
Pattern.prototype.q = function () {
  return silence;
};
for (let i = 1; i < 10; ++i) {
  Object.defineProperty(Pattern.prototype, `d${i}`, {
    get() {
      return this.p(i);
    },
    configurable: true,
  });
  Object.defineProperty(Pattern.prototype, `p${i}`, {
    get() {
      return this.p(i);
    },
    configurable: true,
  });
  Pattern.prototype[`q${i}`] = silence;
}
const cpm = register('cpm', function (cpm, pat) {
  return pat._fast(cpm / 60 / repl.cps);
});

// ---------------------------------------------------------------------------
// Visuals (@strudel/draw, @strudel/webaudio, @strudel/codemirror widgets).

class BrowserOnly extends Error {}

const self = function () {
  return this;
};
for (const name of ['pianoroll', 'punchcard', 'wordfall', 'spiral', 'draw', 'onPaint', 'animate', 'markcss']) {
  Pattern.prototype[name] = self;
}
Pattern.prototype.pitchwheel = function (options = {}) {
  return this.tag(options.id ?? 1);
};
const analyzeWith = function (config = {}) {
  return this.analyze(config.id ?? 1);
};
Pattern.prototype.tscope = analyzeWith;
Pattern.prototype.fscope = analyzeWith;
Pattern.prototype.scope = analyzeWith;
Pattern.prototype.spectrum = analyzeWith;
// Inline widgets: the transpiler passes an id as the first argument.
const widgets = {
  _pianoroll: (id, options, pat) => pat.tag(id).pianoroll({ ...options, id }),
  _punchcard: (id, options, pat) => pat.tag(id).punchcard({ ...options, id }),
  _spiral: (id, options, pat) => pat.tag(id).spiral({ ...options, id }),
  _scope: (id, options, pat) => pat.tag(id).scope({ ...options, id }),
  _pitchwheel: (id, options, pat) => pat.pitchwheel({ ...options, id }),
  _spectrum: (id, options, pat) => pat.spectrum({ ...options, id }),
};
for (const [type, fn] of Object.entries(widgets)) {
  registerWidgetType(type);
  Pattern.prototype[type] = function (id, options = { fold: 1 }) {
    return fn(id, options, this);
  };
}
const sliderValues = {};
const sliderWithID = (id, value) => {
  sliderValues[id] = value;
  return ref(() => sliderValues[id]);
};
const slider = (value) => core.pure(value);

// ---------------------------------------------------------------------------
// Outputs and sounds: they change no event.

Pattern.prototype.midi = function (port) {
  if (isPattern(port)) {
    throw new Error('.midi does not accept Pattern input for midiport.');
  }
  return this;
};
Pattern.prototype.osc = self;
Pattern.prototype.webaudio = self;
Pattern.prototype.dough = self;
Pattern.prototype.supradough = self;
Pattern.prototype.soundfont = self;
Pattern.prototype.csound = self;
Pattern.prototype.serial = self;
Pattern.prototype.hydra = self;
Pattern.prototype.mqtt = self;
// Kabelsalat worklets (`.K(…)`, transpiled to `.worklet(…)`) compile audio
// code in the browser.
Pattern.prototype.worklet = function () {
  throw new BrowserOnly('K (in-browser audio worklets) needs a browser');
};

const noop = () => {};
const asyncNoop = async () => {};
const midin = () => (cc) => ref(() => 0);

// The website's piano (website/src/repl/piano.mjs).
const maxPan = noteToMidi('C8');
const panwidth = (pan, width) => pan * width + (1 - width) / 2;
Pattern.prototype.piano = function () {
  return this.clip(1)
    .s('piano')
    .release(0.1)
    .fmap((value) => {
      const midi = valueToMidi(value);
      const pan = panwidth(Math.min(Math.round(midi) / maxPan, 1), 0.5);
      return { ...value, pan: (value.pan || 1) * pan };
    });
};

// What needs a browser: hydra visuals, the webcam, device motion.
// `initHydra()` puts hydra's functions in scope (each program starts without).
const HYDRA_NAMES = ['osc', 'shape', 'src', 'noise', 'voronoi', 'gradient', 'solid', 'render', 'o0', 's0'];
const needsBrowser = (what) => () => {
  throw new BrowserOnly(`${what} needs a browser`);
};

await evalScope(core, mini, tonal, {
  all: (f) => {
    repl.allTransforms.push(f);
    return silence;
  },
  each: (f) => {
    repl.eachTransform = f;
    return silence;
  },
  hush,
  cpm,
  setCps,
  setcps: setCps,
  setCpm,
  setcpm: setCpm,
  slider,
  sliderWithID,
  samples: asyncNoop,
  aliasBank: asyncNoop,
  soundAlias: noop,
  registerSound: noop,
  registerSynthSounds: asyncNoop,
  registerZZFXSounds: asyncNoop,
  registerSoundfonts: asyncNoop,
  loadSoundfont: asyncNoop,
  loadCsound: asyncNoop,
  loadCSound: asyncNoop,
  loadcsound: asyncNoop,
  loadOrc: asyncNoop,
  getAudioContext: () => ({ currentTime: 0 }),
  getDrawContext: () => ({ clearRect: noop, fillText: noop, fillRect: noop, canvas: { width: 100, height: 100 } }),
  midin,
  midimaps: asyncNoop,
  defaultmidimap: noop,
  initHydra: async () => {
    for (const n of HYDRA_NAMES) globalThis[n] = needsBrowser(`${n} (hydra visuals)`);
  },
  H: needsBrowser('H (hydra visuals)'),
  initAudio: asyncNoop,
  initAudioOnFirstClick: asyncNoop,
});

// The mouse needs a browser.
for (const name of ['mousex', 'mousey', 'mouseX', 'mouseY']) {
  Object.defineProperty(globalThis, name, {
    get() {
      throw new BrowserOnly(`${name} (the mouse position) needs a browser`);
    },
    configurable: true,
  });
}

// The keyboard: no key is held (the browser starts with an empty key state).
globalThis.window ??= { addEventListener: noop };

// ---------------------------------------------------------------------------
// Evaluation, as `repl.evaluate` does it.

const beforeHydra = {};

export async function evaluateProgram(code) {
  for (const n of HYDRA_NAMES) {
    if (!(n in beforeHydra)) beforeHydra[n] = globalThis[n];
    globalThis[n] = beforeHydra[n];
  }
  hush();
  repl.cps = 0.5;
  const { output } = transpiler(code, { wrapAsync: false, addReturn: true, id: '' });
  const body = `"use strict";return ((async ()=>{${output}})())`;
  let pattern = await Function(body)();
  const entries = Object.entries(repl.patterns);
  if (entries.length) {
    let patterns = [];
    let solo = false;
    for (const [key, value] of entries) {
      const soloed = key.length > 1 && key.startsWith('S');
      if (soloed && !solo) {
        patterns = [];
        solo = true;
      }
      if (!solo || soloed) patterns.push(value.withState((state) => state.setControls({ id: key })));
    }
    if (repl.eachTransform) patterns = patterns.map((x) => repl.eachTransform(x));
    pattern = stack(...patterns);
  } else if (repl.eachTransform) {
    pattern = repl.eachTransform(pattern);
  }
  for (const t of repl.allTransforms) pattern = t(pattern);
  if (!isPattern(pattern)) pattern = silence;
  return { pattern, cps: repl.cps };
}

// ---------------------------------------------------------------------------
// Serialisation (as tests/conformance/reference.mjs).

const frac = (x) => Fraction(x).toFraction();
const span = (s) => [frac(s.begin), frac(s.end)];
const isFraction = (v) => v !== null && typeof v === 'object' && typeof v.n === 'bigint';
const replacer = (_k, v) => (isFraction(v) ? Number(v.valueOf()) : typeof v === 'function' ? undefined : v);

export function serializeHap(hap) {
  return JSON.parse(
    JSON.stringify({ whole: hap.whole ? span(hap.whole) : null, part: span(hap.part), value: hap.value }, replacer),
  );
}

/** Evaluates a program and queries its first `cycles` cycles. */
export async function runCase(code, cycles) {
  captured = [];
  try {
    const { pattern, cps } = await evaluateProgram(code);
    const haps = pattern.query(new core.State(new core.TimeSpan(Fraction(0), Fraction(cycles))));
    const events = haps.map(serializeHap);
    return { cps, events, warnings: captured };
  } catch (err) {
    const browser = err instanceof BrowserOnly;
    return { error: String(err?.message ?? err), ...(browser ? { browser: true } : {}), warnings: captured };
  } finally {
    captured = null;
  }
}

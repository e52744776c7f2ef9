//! The MIDI, OSC and Link outputs that play beside the engine in a live
//! session, and the command-line options that set them up.

use engine::engine::{Engine, Quantize};
use engine::midi::clock::AudioClock;
use engine::midi::input::{open_input, MidiIn};
use engine::midi::live::{load_together, swap_together_at};
use engine::midi::sender::{SendReport, Sender, SenderConfig};
use engine::midi::{ExternalScheduler, MidirSink};
use lang::program::{Output, Program};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// MIDI and OSC options of `weft play`.
#[derive(clap::Args, Clone, Debug)]
pub struct PlayArgs {
    /// Send MIDI clock (24 per beat, with start and stop) to this port (repeatable).
    #[arg(long = "midi-clock", value_name = "PORT")]
    midi_clock: Vec<String>,
    /// Read controllers and notes from this MIDI input (`midicc(n)` in patterns).
    #[arg(long = "midi-in", value_name = "PORT")]
    midi_in: Option<String>,
    /// Follow the tempo of the MIDI clock received on --midi-in.
    #[arg(long, requires = "midi_in")]
    follow_clock: bool,
    /// Delay of MIDI and OSC behind the audio clock, ms (default: two audio buffers).
    #[arg(long = "midi-latency", value_name = "MS")]
    midi_latency: Option<f64>,
    /// How early OSC bundles are sent before they sound, ms.
    #[arg(long = "osc-latency", value_name = "MS", default_value_t = 200.0)]
    osc_latency: f64,
    /// Join an Ableton Link session: share tempo with the other peers.
    #[cfg(feature = "link")]
    #[arg(long)]
    link: bool,
}

impl PlayArgs {
    /// The engine's scheduling look-ahead that OSC needs (bundles leave
    /// `--osc-latency` early), seconds; 0 without OSC tracks.
    pub fn lookahead(&self, program: &Program) -> f64 {
        let osc = program
            .tracks
            .iter()
            .any(|t| matches!(t.output, Output::Osc { .. }));
        if osc {
            self.osc_latency / 1000.0 + 0.05
        } else {
            0.0
        }
    }
}

/// The MIDI and OSC side of `weft play`: an [`ExternalScheduler`] run on
/// the control thread right after the engine's own scheduling (never past
/// the engine's scheduled position, with the engine's tempo map), and a
/// [`Sender`] thread timed by an [`AudioClock`] that follows the engine's
/// audio position. It also reads MIDI input and stops cleanly on Ctrl-C
/// (releasing held notes, stopping the clock).
pub struct LiveOutputs {
    scheduler: ExternalScheduler,
    sender: Sender,
    clock: Arc<AudioClock>,
    tried: HashSet<String>,
    midi_in: Option<MidiIn>,
    /// Inputs the program asks for (`midin('port')`), kept open.
    program_inputs: Vec<MidiIn>,
    follow_clock: bool,
    current: Program,
    last_follow: Instant,
    interrupted: Arc<AtomicBool>,
    #[cfg(feature = "link")]
    link: Option<super::link::LinkFollower>,
    /// Samples between the engine's clock and the moment a sample is heard.
    #[cfg(feature = "link")]
    latency: i64,
}

impl LiveOutputs {
    pub fn new(args: &PlayArgs, sample_rate: u32, buffer: u32) -> LiveOutputs {
        let clock = Arc::new(AudioClock::new(sample_rate, buffer));
        let sr = sample_rate as f64;
        let latency = args
            .midi_latency
            .map(|ms| ms / 1000.0)
            .unwrap_or(2.0 * buffer as f64 / sr);
        let sender = Sender::start(
            clock.clone(),
            SenderConfig {
                offset: (latency * sr).round() as i64,
                osc_ahead: (args.osc_latency / 1000.0 * sr).round() as i64,
            },
        );
        let midi_in = args.midi_in.as_deref().and_then(|p| match open_input(p) {
            Ok(m) => {
                eprintln!("reading MIDI input `{}`", m.port);
                Some(m)
            }
            Err(e) => {
                eprintln!("warning: {e}\n  note: midicc() and the like keep their values");
                None
            }
        });
        let interrupted = Arc::new(AtomicBool::new(false));
        let i = interrupted.clone();
        let _ = ctrlc::set_handler(move || i.store(true, Ordering::SeqCst));
        let mut outputs = LiveOutputs {
            scheduler: ExternalScheduler::new(&args.midi_clock),
            sender,
            clock,
            tried: HashSet::new(),
            midi_in,
            program_inputs: Vec::new(),
            follow_clock: args.follow_clock,
            current: Program::default(),
            last_follow: Instant::now(),
            interrupted,
            #[cfg(feature = "link")]
            link: None,
            #[cfg(feature = "link")]
            latency: (latency * sr).round() as i64,
        };
        #[cfg(feature = "link")]
        if args.link {
            outputs.link = Some(super::link::LinkFollower::join());
            eprintln!("joined the Ableton Link session");
        }
        for p in &args.midi_clock {
            outputs.open(p, "MIDI clock");
        }
        outputs
    }

    /// Opens a MIDI port once; a port that cannot be opened is reported and
    /// its messages are dropped (everything else keeps playing).
    fn open(&mut self, port: &str, user: &str) {
        if !self.tried.insert(port.to_string()) {
            return;
        }
        match MidirSink::open(port) {
            Ok(sink) => self.sender.add_sink(port, Box::new(sink)),
            Err(e) => eprintln!("warning: {e}\n  note: {user} is not sent; the rest keeps playing"),
        }
    }

    fn open_ports(&mut self, program: &Program) {
        for t in &program.tracks {
            if let Output::Midi { port, .. } = &t.output {
                self.open(port, &format!("track `{}`", t.name));
            }
        }
        for port in &program.midi_inputs {
            if !self.tried.insert(format!("in:{port}")) {
                continue;
            }
            match open_input(port) {
                Ok(m) => {
                    eprintln!("reading MIDI input `{}` (midin)", m.port);
                    self.program_inputs.push(m);
                }
                Err(e) => eprintln!(
                    "warning: {e}\n  note: midin('{port}') controllers stay at 0; the rest keeps playing"
                ),
            }
        }
    }

    /// Starts `program`: its audio tracks in the engine, the others here.
    pub fn load_first(&mut self, engine: &mut Engine, program: Program) {
        self.open_ports(&program);
        #[cfg(feature = "link")]
        let program = self.with_link_tempo(program);
        load_together(engine, &mut self.scheduler, &program);
        self.current = program;
    }

    /// Swaps the engine and these outputs to `program` at the same cycle
    /// (the next one), keeping the running version of `keep`'s tracks.
    pub fn swap(&mut self, engine: &mut Engine, program: Program, keep: Vec<String>) {
        self.swap_at(engine, program, &keep, Quantize::NextCycle);
    }

    /// [`LiveOutputs::swap`] at the quantization point `quantize`.
    pub fn swap_at(
        &mut self,
        engine: &mut Engine,
        program: Program,
        keep: &[String],
        quantize: Quantize,
    ) {
        self.open_ports(&program);
        #[cfg(feature = "link")]
        let program = self.with_link_tempo(program);
        swap_together_at(engine, &mut self.scheduler, &program, keep, quantize);
        self.current = program;
    }

    /// With Link: the program at the session's tempo (its own tempo is
    /// proposed to the session when it changed).
    #[cfg(feature = "link")]
    fn with_link_tempo(&mut self, mut program: Program) -> Program {
        if let Some(link) = self.link.as_mut() {
            link.loaded(&mut program);
        }
        program
    }

    /// Call after `engine.pump()`: follows the audio position, schedules up
    /// to the engine's scheduled position, follows an external clock.
    pub fn pump(&mut self, engine: &mut Engine) {
        self.clock.observe(engine.position());
        // Always advances, so that a MIDI track added later starts at its
        // swap point instead of catching up from the start.
        let items = self
            .scheduler
            .schedule(engine.scheduled_until(), engine.tempo());
        self.sender.send(items);
        for w in self.scheduler.take_warnings() {
            eprintln!("warning: {w}");
        }
        if self.last_follow.elapsed() > Duration::from_millis(250) {
            self.last_follow = Instant::now();
            if self.follow_clock {
                self.follow(engine);
            }
        }
        #[cfg(feature = "link")]
        {
            self.follow_link(engine);
        }
    }

    /// Follows the Link session's tempo and phase (see
    /// [`super::link::LinkFollower`]).
    #[cfg(feature = "link")]
    fn follow_link(&mut self, engine: &mut Engine) {
        use engine::midi::clock::SampleClock;
        let Some(link) = self.link.as_mut() else {
            return;
        };
        if let Some(p) = link.correction(engine, &self.current, self.clock.now(), self.latency) {
            swap_together_at(engine, &mut self.scheduler, &p, &[], Quantize::NextCycle);
            self.current = p;
        }
    }

    /// Takes the tempo of the external MIDI clock (from the next cycle)
    /// when it differs by more than half a BPM.
    fn follow(&mut self, engine: &mut Engine) {
        let Some(bpm) = self
            .midi_in
            .as_ref()
            .filter(|m| m.clock.running())
            .and_then(|m| m.clock.bpm())
        else {
            return;
        };
        let beats = self.current.beats_per_cycle;
        if (bpm - self.current.cps * 60.0 * beats).abs() > 0.5 {
            eprintln!("following the MIDI clock: {bpm:.1} BPM");
            let mut p = self.current.clone();
            p.cps = bpm / 60.0 / beats;
            p.tempo_changes.clear();
            self.swap(engine, p, Vec::new());
        }
    }

    /// Whether Ctrl-C was pressed.
    pub fn interrupted(&self) -> bool {
        self.interrupted.load(Ordering::SeqCst)
    }

    /// Releases sounding notes, stops the clock and the sender thread, and
    /// prints the timing report.
    pub fn finish(mut self, engine: &Engine) {
        let now = engine.position();
        let stop = self.scheduler.stop(now);
        self.sender.send(stop);
        print_report(&self.sender.finish(now));
    }
}

/// Prints a sender's report (jitter, errors) after playing.
pub fn print_report(r: &SendReport) {
    for e in &r.errors {
        eprintln!("warning: {e}");
    }
    if r.midi.count > 0 {
        eprintln!("MIDI timing: {}", r.midi);
    }
    if r.osc_sent > 0 {
        eprintln!("OSC: {} bundles sent", r.osc_sent);
    }
}

//! The sender thread: holds scheduled items until their time on a
//! [`SampleClock`] and sends them (MIDI to its sinks, OSC bundles over UDP),
//! measuring how late each MIDI message leaves.
//!
//! MIDI messages leave at their sample plus `offset` (the audio output's
//! latency, so that MIDI sounds with the audio heard). OSC bundles carry
//! the wall-clock time of that same moment as their timetag and leave
//! `osc_ahead` samples earlier, so that SuperDirt can schedule them
//! exactly (Tidal's latency).

use super::clock::SampleClock;
use super::schedule::{Item, Timed};
use super::sink::MidiSink;
use crate::osc::bundle;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::fmt;
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, TryRecvError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// Timing settings of a sender, in samples of its clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SenderConfig {
    /// Added to every item's sample (audio output latency).
    pub offset: i64,
    /// How early OSC bundles leave before the moment they sound.
    pub osc_ahead: i64,
}

/// Longest the thread sleeps before looking for new items.
const POLL: Duration = Duration::from_millis(1);
/// Histogram bucket width and count for lateness (µs): 0–50 ms.
const BUCKET_US: f64 = 25.0;
const BUCKETS: usize = 2000;

/// How late messages left compared with their time.
#[derive(Clone, Debug)]
pub struct Jitter {
    pub count: u64,
    sum_us: f64,
    pub max_us: f64,
    histogram: Vec<u64>,
}

impl Default for Jitter {
    fn default() -> Jitter {
        Jitter {
            count: 0,
            sum_us: 0.0,
            max_us: 0.0,
            histogram: vec![0; BUCKETS + 1],
        }
    }
}

impl Jitter {
    /// Records one message that left `late_us` microseconds after its time.
    pub fn record(&mut self, late_us: f64) {
        let late = late_us.max(0.0);
        self.count += 1;
        self.sum_us += late;
        self.max_us = self.max_us.max(late);
        let b = ((late / BUCKET_US) as usize).min(BUCKETS);
        self.histogram[b] += 1;
    }

    pub fn mean_us(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum_us / self.count as f64
        }
    }

    /// The lateness below which a fraction `q` of the messages left (upper
    /// edge of its 25 µs bucket).
    pub fn quantile_us(&self, q: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let target = (q * self.count as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, n) in self.histogram.iter().enumerate() {
            seen += n;
            if seen >= target {
                return ((i + 1) as f64 * BUCKET_US).min(self.max_us.max(BUCKET_US));
            }
        }
        self.max_us
    }
}

impl fmt::Display for Jitter {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        if self.count == 0 {
            return write!(f, "no messages");
        }
        write!(
            f,
            "{} messages, late by {:.0} µs on average, 99% within {:.0} µs, at most {:.0} µs",
            self.count,
            self.mean_us(),
            self.quantile_us(0.99),
            self.max_us
        )
    }
}

/// What a sender did, returned when it finishes.
#[derive(Clone, Debug, Default)]
pub struct SendReport {
    pub midi: Jitter,
    pub osc_sent: u64,
    /// Items for ports or hosts that could not be used.
    pub dropped: u64,
    /// Send errors, one line per port or host.
    pub errors: Vec<String>,
}

enum Command {
    Items(Vec<Timed>),
    Sink(Arc<str>, Box<dyn MidiSink>),
    Finish(i64),
}

/// The handle of a sender thread.
pub struct Sender {
    commands: mpsc::Sender<Command>,
    thread: Option<JoinHandle<SendReport>>,
}

impl Sender {
    /// Starts the thread.
    pub fn start(clock: Arc<dyn SampleClock>, config: SenderConfig) -> Sender {
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("weft-midi-osc".into())
            .spawn(move || Worker::new(clock, config).run(rx))
            .expect("cannot start the MIDI/OSC sender thread");
        Sender {
            commands: tx,
            thread: Some(thread),
        }
    }

    /// Routes the MIDI messages for `port` to `sink`.
    pub fn add_sink(&self, port: &str, sink: Box<dyn MidiSink>) {
        let _ = self.commands.send(Command::Sink(port.into(), sink));
    }

    /// Queues items (any order).
    pub fn send(&self, items: Vec<Timed>) {
        if !items.is_empty() {
            let _ = self.commands.send(Command::Items(items));
        }
    }

    /// Sends every queued item due up to sample `at` at once, drops the
    /// later ones, and stops the thread.
    pub fn finish(mut self, at: i64) -> SendReport {
        let _ = self.commands.send(Command::Finish(at));
        self.thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default()
    }
}

impl Drop for Sender {
    fn drop(&mut self) {
        if let Some(t) = self.thread.take() {
            let _ = self.commands.send(Command::Finish(i64::MIN));
            let _ = t.join();
        }
    }
}

struct Queued {
    send_at: i64,
    seq: u64,
    timed: Timed,
}

impl PartialEq for Queued {
    fn eq(&self, o: &Queued) -> bool {
        (self.send_at, self.seq) == (o.send_at, o.seq)
    }
}
impl Eq for Queued {}
impl PartialOrd for Queued {
    fn partial_cmp(&self, o: &Queued) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Queued {
    fn cmp(&self, o: &Queued) -> std::cmp::Ordering {
        (self.send_at, self.seq).cmp(&(o.send_at, o.seq))
    }
}

struct Worker {
    clock: Arc<dyn SampleClock>,
    config: SenderConfig,
    queue: BinaryHeap<Reverse<Queued>>,
    seq: u64,
    sinks: HashMap<Arc<str>, Box<dyn MidiSink>>,
    socket: Option<UdpSocket>,
    addresses: HashMap<Arc<str>, Option<SocketAddr>>,
    report: SendReport,
    failed: Vec<Arc<str>>,
}

impl Worker {
    fn new(clock: Arc<dyn SampleClock>, config: SenderConfig) -> Worker {
        Worker {
            clock,
            config,
            queue: BinaryHeap::new(),
            seq: 0,
            sinks: HashMap::new(),
            socket: None,
            addresses: HashMap::new(),
            report: SendReport::default(),
            failed: Vec::new(),
        }
    }

    fn run(mut self, rx: Receiver<Command>) -> SendReport {
        loop {
            let command = if self.queue.is_empty() {
                match rx.recv_timeout(Duration::from_millis(20)) {
                    Ok(c) => Some(c),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => return self.report,
                }
            } else {
                match rx.try_recv() {
                    Ok(c) => Some(c),
                    Err(TryRecvError::Empty) => None,
                    Err(TryRecvError::Disconnected) => return self.report,
                }
            };
            match command {
                Some(Command::Items(items)) => {
                    for t in items {
                        self.enqueue(t);
                    }
                    continue;
                }
                Some(Command::Sink(port, sink)) => {
                    self.sinks.insert(port, sink);
                    continue;
                }
                Some(Command::Finish(at)) => {
                    while let Some(Reverse(q)) = self.queue.pop() {
                        if q.timed.sample <= at {
                            self.deliver(q);
                        }
                    }
                    return self.report;
                }
                None => {}
            }
            let now = self.clock.now();
            while self.queue.peek().is_some_and(|q| q.0.send_at as f64 <= now) {
                let Reverse(q) = self.queue.pop().expect("peeked");
                self.deliver(q);
            }
            if let Some(next) = self.queue.peek() {
                self.clock.wait_until(next.0.send_at as f64, POLL);
            }
        }
    }

    fn enqueue(&mut self, timed: Timed) {
        let send_at = match &timed.item {
            Item::Midi { .. } => timed.sample + self.config.offset,
            Item::Osc { .. } => timed.sample + self.config.offset - self.config.osc_ahead,
        };
        self.seq += 1;
        self.queue.push(Reverse(Queued {
            send_at,
            seq: self.seq,
            timed,
        }));
    }

    fn fail_once(&mut self, key: &Arc<str>, text: String) {
        if !self.failed.contains(key) {
            self.failed.push(key.clone());
            self.report.errors.push(text);
        }
    }

    fn deliver(&mut self, q: Queued) {
        let sr = self.clock.sample_rate() as f64;
        match q.timed.item {
            Item::Midi { port, message } => {
                let Some(sink) = self.sinks.get_mut(&port) else {
                    self.report.dropped += 1;
                    return;
                };
                let now = self.clock.now();
                match sink.send(&message.bytes(), q.timed.sample, now) {
                    Ok(()) => self
                        .report
                        .midi
                        .record((self.clock.now() - q.send_at as f64) / sr * 1e6),
                    Err(e) => self.fail_once(&port, format!("MIDI port `{port}`: {e}")),
                }
            }
            Item::Osc { to, message } => {
                let Some(addr) = self.address(&to) else {
                    self.report.dropped += 1;
                    return;
                };
                let at = self
                    .clock
                    .system_time_at((q.timed.sample + self.config.offset) as f64);
                let packet = match rosc::encoder::encode(&bundle(message, at)) {
                    Ok(p) => p,
                    Err(e) => return self.fail_once(&to, format!("OSC to {to}: {e}")),
                };
                let socket = match &self.socket {
                    Some(s) => s,
                    None => match UdpSocket::bind(if addr.is_ipv4() {
                        "0.0.0.0:0"
                    } else {
                        "[::]:0"
                    }) {
                        Ok(s) => self.socket.insert(s),
                        Err(e) => {
                            return self.fail_once(&to, format!("OSC: cannot open a socket: {e}"))
                        }
                    },
                };
                match socket.send_to(&packet, addr) {
                    Ok(_) => self.report.osc_sent += 1,
                    Err(e) => self.fail_once(&to, format!("OSC to {to}: {e}")),
                }
            }
        }
    }

    fn address(&mut self, to: &Arc<str>) -> Option<SocketAddr> {
        if let Some(a) = self.addresses.get(to) {
            return *a;
        }
        let resolved = to.to_socket_addrs().ok().and_then(|mut a| a.next());
        if resolved.is_none() {
            self.fail_once(to, format!("OSC: cannot resolve `{to}`"));
        }
        self.addresses.insert(to.clone(), resolved);
        resolved
    }
}

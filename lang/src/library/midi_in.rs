//! Values from MIDI input, usable in patterns: a performer's knobs and keys.
//!
//! The MIDI input thread (in the engine) writes the latest controller
//! values and notes into a lock-free store; `midicc(n)`, `midinote()` and
//! `midivel()` are continuous patterns that read it when they are queried
//! (like `sine`, they have a value at any time). `midicc(74).range(200,
//! 4000)` maps a knob onto a filter cutoff.

use super::registry::{AddFn, Kind};
use super::R;
use crate::pattern::signal;
use crate::value::{RtError, Value};
use std::sync::atomic::{AtomicU8, Ordering};

/// Controller values by channel (index 0: the latest on any channel).
static CC: [[AtomicU8; 128]; 17] = [const { [const { AtomicU8::new(0) }; 128] }; 17];
/// The latest note-on's key and velocity by channel (index 0: any).
static NOTE: [AtomicU8; 17] = [const { AtomicU8::new(60) }; 17];
static VELOCITY: [AtomicU8; 17] = [const { AtomicU8::new(0) }; 17];

/// Records a control change (channel 1–16, values 0–127).
pub fn set_cc(channel: u8, controller: u8, value: u8) {
    let (c, v) = ((controller & 0x7f) as usize, value & 0x7f);
    CC[channel.clamp(1, 16) as usize][c].store(v, Ordering::Relaxed);
    CC[0][c].store(v, Ordering::Relaxed);
}

/// Records a note-on.
pub fn note_on(channel: u8, key: u8, velocity: u8) {
    for i in [0, channel.clamp(1, 16) as usize] {
        NOTE[i].store(key & 0x7f, Ordering::Relaxed);
        VELOCITY[i].store(velocity & 0x7f, Ordering::Relaxed);
    }
}

/// The latest value of a controller, 0–1 (`channel` 0: any channel).
pub fn cc(channel: u8, controller: u8) -> f64 {
    CC[channel.min(16) as usize][(controller & 0x7f) as usize].load(Ordering::Relaxed) as f64
        / 127.0
}

/// The latest note-on's key (60 before any) and velocity (0–1).
pub fn last_note(channel: u8) -> (f64, f64) {
    let i = channel.min(16) as usize;
    (
        NOTE[i].load(Ordering::Relaxed) as f64,
        VELOCITY[i].load(Ordering::Relaxed) as f64 / 127.0,
    )
}

fn int_arg(args: &[Value], i: usize, what: &str, range: std::ops::RangeInclusive<f64>) -> R<u8> {
    match args.get(i) {
        None => Ok(0),
        Some(v) => match v.as_number() {
            Some(x) if range.contains(&x) && x.fract() == 0.0 => Ok(x as u8),
            _ => Err(RtError::new(format!(
                "{what} must be a whole number from {} to {}, found {}",
                range.start(),
                range.end(),
                v.show()
            ))
            .with_code("E0202")),
        },
    }
}

/// `midicc(controller, channel?)`: the controller's latest value, 0–1.
fn midicc(args: &[Value]) -> R<Value> {
    if args.is_empty() {
        return Err(RtError::new("midicc needs a controller number (0–127)").with_code("E0203"));
    }
    let controller = int_arg(args, 0, "midicc: the controller", 0.0..=127.0)?;
    let channel = int_arg(args, 1, "midicc: the channel", 1.0..=16.0)?;
    Ok(Value::Pat(signal(move |_, _| {
        Value::Num(cc(channel, controller))
    })))
}

/// `midinote(channel?)`: the latest note-on's key.
fn midinote(args: &[Value]) -> R<Value> {
    let channel = int_arg(args, 0, "midinote: the channel", 1.0..=16.0)?;
    Ok(Value::Pat(signal(move |_, _| {
        Value::Num(last_note(channel).0)
    })))
}

/// `midivel(channel?)`: the latest note-on's velocity, 0–1.
fn midivel(args: &[Value]) -> R<Value> {
    let channel = int_arg(args, 0, "midivel: the channel", 1.0..=16.0)?;
    Ok(Value::Pat(signal(move |_, _| {
        Value::Num(last_note(channel).1)
    })))
}

/// What `midin(port)` gives: a function of a controller number whose
/// pattern has, in every cycle, the controller's latest value (0–1), read
/// when the pattern is queried (the reference's `ref`: one event per cycle).
pub fn controller_reader() -> Value {
    super::registry::native_fn("cc", |args| {
        let controller = int_arg(&args, 0, "the controller", 0.0..=127.0)?;
        let channel = int_arg(&args, 1, "the channel", 1.0..=16.0)?;
        Ok(Value::Pat(
            crate::pattern::pure(Value::Num(0.0))
                .map_values(move |_| Value::Num(cc(channel, controller))),
        ))
    })
}

pub fn register(add: &mut AddFn) {
    for (name, f) in [
        ("midicc", midicc as fn(&[Value]) -> R<Value>),
        ("midinote", midinote),
        ("midivel", midivel),
    ] {
        add(name, Kind::Values { f, method: false }, true, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Time;

    #[test]
    fn midicc_reads_the_latest_value() {
        let Value::Pat(p) = midicc(&[Value::Num(21.0)]).unwrap() else {
            panic!("not a pattern")
        };
        set_cc(3, 21, 127);
        let v = p.query_arc(Time::ZERO, Time::ONE)[0].value.to_number();
        assert_eq!(v, 1.0);
        set_cc(5, 21, 0);
        let v = p.query_arc(Time::ONE, Time::int(2))[0].value.to_number();
        assert_eq!(v, 0.0);
        assert_eq!(cc(3, 21), 1.0, "per channel");
        assert!(midicc(&[Value::Num(200.0)]).is_err());
    }
}

//! Time spans (`Span`) in cycles: the arcs that queries ask about and that
//! events occupy. Source-code ranges are a different thing (`SrcSpan`).

use crate::time::Time;
use std::fmt;

/// A half-open arc of time `[begin, end)` in cycles.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    pub begin: Time,
    pub end: Time,
}

impl Span {
    pub fn new(begin: Time, end: Time) -> Span {
        Span { begin, end }
    }

    pub fn duration(&self) -> Time {
        self.end - self.begin
    }

    /// Splits the span at cycle boundaries. A zero-width span is returned as is.
    pub fn span_cycles(&self) -> Vec<Span> {
        let mut out = Vec::new();
        self.for_each_cycle(|s| out.push(s));
        out
    }

    /// Calls `f` with each piece of the span split at cycle boundaries.
    /// Each piece is charged to the query work budget (see
    /// [`crate::pattern::with_work_budget`]); when it runs out the split stops.
    pub fn for_each_cycle(&self, mut f: impl FnMut(Span)) {
        if self.begin == self.end {
            f(*self);
            return;
        }
        let mut begin = self.begin;
        let end_sam = self.end.sam();
        while self.end > begin {
            if !crate::pattern::charge_work() {
                break;
            }
            if begin.sam() == end_sam {
                f(Span::new(begin, self.end));
                break;
            }
            let next = begin.next_sam();
            f(Span::new(begin, next));
            begin = next;
        }
    }

    /// The span shifted so that its begin lies in cycle zero.
    pub fn cycle_arc(&self) -> Span {
        let b = self.begin.cycle_pos();
        Span::new(b, b + self.duration())
    }

    pub fn with_time(&self, f: impl Fn(Time) -> Time) -> Span {
        Span::new(f(self.begin), f(self.end))
    }

    pub fn with_end(&self, f: impl Fn(Time) -> Time) -> Span {
        Span::new(self.begin, f(self.end))
    }

    /// Applies `f` to the begin and end relative to the cycle of the begin.
    pub fn with_cycle(&self, f: impl Fn(Time) -> Time) -> Span {
        let sam = self.begin.sam();
        Span::new(sam + f(self.begin - sam), sam + f(self.end - sam))
    }

    /// The overlap of two spans. Zero-width results are kept only where they
    /// do not sit at the (exclusive) end of a non-zero-width span.
    pub fn intersection(&self, other: &Span) -> Option<Span> {
        let b = self.begin.max(other.begin);
        let e = self.end.min(other.end);
        if b > e {
            return None;
        }
        if b == e {
            if b == self.end && self.begin < self.end {
                return None;
            }
            if b == other.end && other.begin < other.end {
                return None;
            }
        }
        Some(Span::new(b, e))
    }

    pub fn midpoint(&self) -> Time {
        self.begin + self.duration() / Time::int(2)
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}→{}", self.begin, self.end)
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{} → {}", self.begin, self.end)
    }
}

//! The pattern core: a pattern is a function from a query (a time span) to
//! the events active in it. Everything in the library is built from the
//! handful of primitives in this file.

use crate::hap::{Context, Hap};
use crate::span::Span;
use crate::time::Time;
use std::cell::RefCell;
use std::sync::Arc;

/// Values that can be carried by a pattern.
pub trait Val: Clone + Send + Sync + 'static {}
impl<T: Clone + Send + Sync + 'static> Val for T {}

/// Query-time settings visible to every pattern.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Controls {
    /// Offset added to the time before drawing random numbers (`seed`).
    pub seed: Option<f64>,
    /// Cycles per second, for the few functions that depend on tempo.
    pub cps: Option<f64>,
}

/// A query: the span asked about plus the controls.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct State {
    pub span: Span,
    pub controls: Controls,
}

impl State {
    pub fn new(span: Span) -> State {
        State {
            span,
            controls: Controls::default(),
        }
    }

    pub fn set_span(&self, span: Span) -> State {
        State {
            span,
            controls: self.controls,
        }
    }
}

/// A query function: appends the events of the state's span to the list
/// it is given. Every layer of a pattern writes into the one list its
/// caller passes down (instead of returning a list of its own that the
/// layer above copies into another): a `Hap` is large, and most layers
/// only change the events the layer below has just written.
type QueryFn<T> = dyn Fn(&State, &mut Vec<Hap<T>>) + Send + Sync;

/// A pattern of values of type `T`.
pub struct Pattern<T> {
    query: Arc<QueryFn<T>>,
    /// Steps per cycle, where known (used by stepwise functions and `polymeter`).
    pub steps: Option<Time>,
    /// Set only by `pure`: the constant value, so that patterned arguments
    /// that are plain values can take a direct path.
    pub pure_value: Option<Arc<T>>,
}

impl<T: Clone> Clone for Pattern<T> {
    fn clone(&self) -> Self {
        Pattern {
            query: self.query.clone(),
            steps: self.steps,
            pure_value: self.pure_value.clone(),
        }
    }
}

impl<T> std::fmt::Debug for Pattern<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "<pattern>")
    }
}

thread_local! {
    static QUERY_ERRORS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    static QUERY_WARNINGS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

// ----- the query budget --------------------------------------------------------
//
// Every query runs within a budget of work: each call of a pattern's query
// function, each event it returns, each cycle piece a query is split into
// and each pair of events compared by `app_both` takes one unit. Patterns
// such as `"a*1e12"`, `inside(1e9, rev)` or `sine.segment(1e9)` would
// otherwise ask for billions of events; when the budget runs out every
// further query returns nothing at once, so the query ends quickly, holds
// at most about a budget's worth of events in memory, and its caller
// learns that it was cut short ([`query_within`] gives a [`TooDense`]).

/// Work allowed for the query of one cycle (or less) of one track: a few
/// milliseconds, far more than any playable pattern needs.
pub const WORK_PER_CYCLE: u64 = 500_000;
/// Events a track may give in one cycle (or less).
pub const EVENTS_PER_CYCLE: u64 = 20_000;
/// The shortest step (1/this cycle) [`Budget::for_step`] scales to.
const STEP_FRACTION_MIN: i64 = 64;

thread_local! {
    static WORK_LEFT: std::cell::Cell<u64> = const { std::cell::Cell::new(u64::MAX) };
    static EXHAUSTED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The limits of one query: see [`query_within`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Units of work (query calls, events produced, cycle pieces visited).
    pub work: u64,
    /// Events the query may return.
    pub events: u64,
}

impl Budget {
    /// The budget of a query of at most one cycle.
    pub const CYCLE: Budget = Budget {
        work: WORK_PER_CYCLE,
        events: EVENTS_PER_CYCLE,
    };

    /// The budget of one scheduling step of a live engine over `span`:
    /// the work of a cycle scaled by the step's length (at least 1/64
    /// cycle), so that a track too dense to play is stopped within a
    /// fraction of a millisecond and the other tracks keep time; the events
    /// of a whole cycle. Spans longer than a cycle get [`Budget::for_span`].
    pub fn for_step(span: &Span) -> Budget {
        let d = span.duration();
        if d > Time::ONE {
            return Budget::for_span(span);
        }
        let fraction = d.max(Time::new(1, STEP_FRACTION_MIN)).to_f64();
        Budget {
            work: (WORK_PER_CYCLE as f64 * fraction).ceil() as u64,
            events: EVENTS_PER_CYCLE,
        }
    }

    /// The budget of a query over `span`: the per-cycle limits times the
    /// number of cycles the span touches (at least one).
    pub fn for_span(span: &Span) -> Budget {
        let cycles = (span.end.ceil() - span.begin.sam())
            .floor_i64()
            .clamp(1, 1 << 20) as u64;
        Budget {
            work: WORK_PER_CYCLE.saturating_mul(cycles),
            events: EVENTS_PER_CYCLE.saturating_mul(cycles),
        }
    }
}

/// Why a query was cut short.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TooDense {
    /// More events than the budget allows (`found` of at most `limit`).
    Events { found: u64, limit: u64 },
    /// The work ran out before the query finished (`limit` units).
    Work { limit: u64 },
}

impl std::fmt::Display for TooDense {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            TooDense::Events { found, .. } => write!(
                f,
                "{} events in one cycle; the limit is {} per cycle",
                group_digits(*found),
                group_digits(EVENTS_PER_CYCLE)
            ),
            TooDense::Work { .. } => write!(
                f,
                "far more than {} events per cycle (the query was stopped); the limit is {} per cycle",
                group_digits(EVENTS_PER_CYCLE),
                group_digits(EVENTS_PER_CYCLE)
            ),
        }
    }
}

/// `1234567` as `1,234,567`.
pub fn group_digits(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Runs `f` with at most `work` units of query work. Inside another
/// budget it gets no more than that one has left, and what it uses is
/// taken from it. Returns `f`'s result and whether the work ran out.
pub fn within_work<R>(work: u64, f: impl FnOnce() -> R) -> (R, bool) {
    let outer_left = WORK_LEFT.with(|w| w.get());
    let outer_exhausted = EXHAUSTED.with(|e| e.replace(false));
    let granted = work.min(outer_left);
    WORK_LEFT.with(|w| w.set(granted));
    let out = f();
    let left = WORK_LEFT.with(|w| w.get());
    let exhausted = EXHAUSTED.with(|e| e.get());
    let used = granted - left.min(granted);
    let outer_now = outer_left.saturating_sub(used);
    WORK_LEFT.with(|w| w.set(outer_now));
    // Running out of the outer budget ends the outer query too.
    EXHAUSTED.with(|e| e.set(outer_exhausted || (exhausted && granted == outer_left)));
    (out, exhausted)
}

/// Runs `f` with a bound on the work its queries may do (see
/// [`within_work`]); when the work runs out, a query error says so.
pub fn with_work_budget<R>(budget: u64, f: impl FnOnce() -> R) -> R {
    let (out, exhausted) = within_work(budget, f);
    if exhausted {
        report_query_error(
            "the pattern is too dense to query (too many events); \
             reduce speed factors or repeat counts",
        );
    }
    out
}

/// What a query within a budget gives.
#[derive(Debug)]
pub struct Queried<T> {
    /// The events, or why the query was stopped.
    pub haps: Result<Vec<Hap<T>>, TooDense>,
    /// Problems this query reported (see [`report_query_error`]).
    pub errors: Vec<String>,
    /// Warnings this query reported (see [`report_query_warning`]).
    pub warnings: Vec<String>,
}

/// Queries `pat` within `budget`: the one way the commands, the engine
/// and the outputs query a track. The errors and warnings the query
/// reports are its own (those recorded before it are left in place).
pub fn query_within<T: Val>(pat: &Pattern<T>, state: &State, budget: Budget) -> Queried<T> {
    let saved_errors = take_query_errors();
    let saved_warnings = take_query_warnings();
    let (haps, exhausted) = within_work(budget.work, || pat.query(state));
    let errors = QUERY_ERRORS.with(|e| e.replace(saved_errors));
    let warnings = QUERY_WARNINGS.with(|w| w.replace(saved_warnings));
    let haps = if exhausted {
        Err(TooDense::Work { limit: budget.work })
    } else if haps.len() as u64 > budget.events {
        Err(TooDense::Events {
            found: haps.len() as u64,
            limit: budget.events,
        })
    } else {
        Ok(haps)
    };
    Queried {
        haps,
        errors,
        warnings,
    }
}

/// [`query_within`] over a span of several cycles, each cycle first
/// queried on its own within the budget of one cycle: a pattern too dense
/// in any cycle is stopped there, with at most one cycle's worth of work
/// in memory, before the whole span (whose events may cross cycles) is
/// queried at once.
pub fn query_span_within<T: Val>(pat: &Pattern<T>, span: Span) -> Queried<T> {
    if span.end > span.begin.sam() + Time::ONE {
        let mut at = span.begin;
        while at < span.end {
            let piece = Span::new(at, at.next_sam().min(span.end));
            let q = query_within(pat, &State::new(piece), Budget::CYCLE);
            if q.haps.is_err() {
                return q;
            }
            at = piece.end;
        }
    }
    query_within(pat, &State::new(span), Budget::for_span(&span))
}

/// [`query_span_within`] handed over in pieces, so that a long span never
/// holds more than about `max_held` events (plus one cycle's) at once.
/// Every cycle is first queried on its own (within a cycle's budget). Once
/// `max_held` events have gone by, the span so far is handed to `deliver`
/// at a point no event crosses (no event's whole spans it, no continuous
/// value), where querying in two pieces gives the same events as querying
/// at once:
/// - while every cycle's events lie inside their cycle, the cycles'
///   events themselves are handed over (querying the span again would
///   give the same events, in another order);
/// - otherwise the span so far is queried again up to the last cycle
///   boundary no event crosses, or, when events cross every boundary
///   (`off`, `late`), up to the latest such point inside the cycle.
///
/// A span with fewer events comes in one piece, exactly as
/// [`query_span_within`] gives it. `deliver` returns false to stop; a piece
/// too dense ends the query.
///
/// After the first such piece, the rest of a span whose events cross
/// cycle boundaries goes by [`pieces_in_chunks`]: a piece queried once
/// instead of cycle by cycle and then again.
pub fn query_span_in_pieces<T: Val>(
    pat: &Pattern<T>,
    span: Span,
    max_held: usize,
    mut deliver: impl FnMut(Queried<T>) -> bool,
) {
    let mut from = span.begin;
    loop {
        let rest = Span::new(from, span.end);
        let Some((at, per_cycle)) = pieces_by_cycle(pat, rest, max_held, &mut deliver) else {
            return;
        };
        let rest = Span::new(at, span.end);
        let Some(at) = pieces_in_chunks(pat, rest, max_held, per_cycle, &mut deliver) else {
            return;
        };
        from = at;
    }
}

/// The limits of a query of [`pieces_in_chunks`]: well inside those of a
/// cycle, so that a chunk within them has no cycle that would have been
/// too dense on its own (one outside them is queried cycle by cycle).
const CHUNK: Budget = Budget {
    work: WORK_PER_CYCLE / 2,
    events: EVENTS_PER_CYCLE / 2,
};

/// [`query_span_in_pieces`] from a point no event crosses, once events
/// are known to cross cycle boundaries, with about `per_cycle` events a
/// cycle: each piece is one query of about `max_held` events' worth of
/// cycles (a chunk), handed over up to the latest point of the chunk no
/// event crosses (see [`clean_point`]); the next chunk starts there. By
/// the same rule that lets a span be handed over in pieces, the events of
/// the chunk before that point are those of a query up to it. Gives the
/// point to go on from cycle by cycle when a chunk is too dense, reports a
/// problem or a warning, has continuous values or no such point; `None`
/// when the span is done or `deliver` stops.
fn pieces_in_chunks<T: Val>(
    pat: &Pattern<T>,
    span: Span,
    max_held: usize,
    per_cycle: usize,
    deliver: &mut impl FnMut(Queried<T>) -> bool,
) -> Option<Time> {
    let cycles = (max_held / per_cycle.max(1)).clamp(1, 1 << 16) as i64;
    let mut start = span.begin;
    while start < span.end {
        let chunk = Span::new(start, (start.sam() + Time::int(cycles + 1)).min(span.end));
        let q = query_within(pat, &State::new(chunk), CHUNK);
        let split = match &q.haps {
            Ok(_) if !q.errors.is_empty() || !q.warnings.is_empty() => None,
            Ok(_) if chunk.end == span.end => Some(chunk.end),
            Ok(haps) if haps.iter().all(|h| h.whole.is_some()) => clean_point(haps, chunk, start),
            _ => None,
        };
        let (Some(split), Ok(mut haps)) = (split, q.haps) else {
            return Some(start);
        };
        if split < span.end {
            haps.retain(|h| h.part.begin < split);
        }
        let piece = Queried {
            haps: Ok(haps),
            errors: Vec::new(),
            warnings: Vec::new(),
        };
        if !deliver(piece) {
            return None;
        }
        start = split;
    }
    None
}

/// The pieces of [`query_span_in_pieces`] found cycle by cycle. Gives,
/// once a piece of events crossing cycle boundaries has been handed over,
/// the point it ends at and its events per cycle (to go on with
/// [`pieces_in_chunks`]); `None` when the span is done or `deliver` stops.
fn pieces_by_cycle<T: Val>(
    pat: &Pattern<T>,
    span: Span,
    max_held: usize,
    deliver: &mut impl FnMut(Queried<T>) -> bool,
) -> Option<(Time, usize)> {
    let mut start = span.begin;
    let mut at = span.begin;
    // Events since `start`, counted, and kept while `aligned`: every
    // cycle since `start` had all its events inside it, without errors.
    let mut count = 0usize;
    let mut held: Vec<Hap<T>> = Vec::new();
    let mut held_warnings: Vec<String> = Vec::new();
    let mut aligned = true;
    let mut delivered = false;
    // The latest end of an event's whole seen so far.
    let mut reach = span.begin;
    while at < span.end && span.end > span.begin.sam() + Time::ONE {
        let piece = Span::new(at, at.next_sam().min(span.end));
        let q = query_within(pat, &State::new(piece), Budget::CYCLE);
        let Ok(haps) = q.haps else {
            deliver(q);
            return None;
        };
        let inside = q.errors.is_empty()
            && haps.iter().all(|h| {
                h.whole
                    .is_some_and(|w| w.begin >= piece.begin && w.end <= piece.end)
            });
        let reach_before = reach;
        for h in &haps {
            if let Some(w) = h.whole {
                reach = reach.max(w.end);
            }
        }
        count += haps.len();
        at = piece.end;
        aligned &= inside;
        let continuous = haps.iter().any(|h| h.whole.is_none());
        let split = if count >= max_held && at < span.end && !continuous && !aligned {
            clean_point(&haps, piece, reach_before)
        } else {
            None
        };
        if aligned {
            held.extend(haps);
            for w in q.warnings {
                if !held_warnings.contains(&w) {
                    held_warnings.push(w);
                }
            }
        } else {
            held = Vec::new();
            held_warnings.clear();
        }
        if count < max_held || at >= span.end || continuous {
            continue;
        }
        if aligned {
            let haps = std::mem::take(&mut held);
            let warnings = std::mem::take(&mut held_warnings);
            if !deliver(Queried {
                haps: Ok(haps),
                errors: Vec::new(),
                warnings,
            }) {
                return None;
            }
        } else {
            let Some(split) = split else {
                continue;
            };
            let done = Span::new(start, split);
            let piece = query_within(pat, &State::new(done), Budget::for_span(&done));
            let per_cycle = events_per_cycle(&piece, done);
            if !deliver(piece) {
                return None;
            }
            return Some((split, per_cycle));
        }
        start = at;
        count = 0;
        delivered = true;
    }
    if aligned && delivered {
        deliver(Queried {
            haps: Ok(held),
            errors: Vec::new(),
            warnings: held_warnings,
        });
        return None;
    }
    let rest = Span::new(start, span.end);
    deliver(query_within(
        pat,
        &State::new(rest),
        Budget::for_span(&rest),
    ));
    None
}

/// The events of a query over `span` per cycle (at least one).
fn events_per_cycle<T>(q: &Queried<T>, span: Span) -> usize {
    let events = q.haps.as_ref().map_or(0, Vec::len) as f64;
    let cycles = span.duration().to_f64().max(1.0);
    ((events / cycles).ceil() as usize).max(1)
}

/// The latest point of `piece` after its start (its end included) that no
/// event's whole crosses, given the events of `piece` (all with a whole)
/// and the latest end of the wholes of the earlier pieces.
fn clean_point<T>(haps: &[Hap<T>], piece: Span, reach_before: Time) -> Option<Time> {
    let mut wholes: Vec<Span> = haps.iter().filter_map(|h| h.whole).collect();
    wholes.sort_unstable_by_key(|w| w.begin);
    // Candidates in increasing order: each whole's begin, then the end of
    // the piece; `reach` is the latest end of the wholes begun before.
    let mut best = None;
    let mut reach = reach_before;
    let mut i = 0;
    let mut candidates: Vec<Time> = wholes.iter().map(|w| w.begin).collect();
    candidates.push(piece.end);
    candidates.dedup();
    for p in candidates {
        while i < wholes.len() && wholes[i].begin < p {
            reach = reach.max(wholes[i].end);
            i += 1;
        }
        // A zero-width event at `p` belongs to neither side.
        let zero_width_at = wholes[i..]
            .iter()
            .take_while(|w| w.begin == p)
            .any(|w| w.end == p);
        if p > piece.begin && reach <= p && !zero_width_at {
            best = Some(p);
        }
    }
    best
}

/// Takes `n` units from the work budget; false (and nothing taken) when
/// it is exhausted.
pub fn spend(n: u64) -> bool {
    WORK_LEFT.with(|w| {
        let left = w.get();
        if left < n || EXHAUSTED.with(|e| e.get()) {
            w.set(0);
            EXHAUSTED.with(|e| e.set(true));
            return false;
        }
        w.set(left - n);
        true
    })
}

/// Takes one unit from the work budget; false when it is exhausted.
pub fn charge_work() -> bool {
    spend(1)
}

/// True when the current budget has run out (queries return nothing).
pub fn budget_exhausted() -> bool {
    EXHAUSTED.with(|e| e.get())
}

/// Records a warning found while querying (the query result is still valid).
pub fn report_query_warning(msg: impl Into<String>) {
    QUERY_WARNINGS.with(|e| {
        let mut e = e.borrow_mut();
        let msg = msg.into();
        if e.len() < 32 && !e.contains(&msg) {
            e.push(msg);
        }
    });
}

/// Returns and clears the warnings recorded during queries on this thread.
pub fn take_query_warnings() -> Vec<String> {
    QUERY_WARNINGS.with(|e| std::mem::take(&mut *e.borrow_mut()))
}

/// Records a problem found while querying (for example a non-numeric
/// argument to `fast`). The query goes on without the offending events; the
/// caller collects the messages with [`take_query_errors`].
pub fn report_query_error(msg: impl Into<String>) {
    QUERY_ERRORS.with(|e| {
        let mut e = e.borrow_mut();
        let msg = msg.into();
        if e.len() < 32 && !e.contains(&msg) {
            e.push(msg);
        }
    });
}

/// Returns and clears the errors recorded during queries on this thread.
pub fn take_query_errors() -> Vec<String> {
    QUERY_ERRORS.with(|e| std::mem::take(&mut *e.borrow_mut()))
}

fn lcm_opt(a: Option<Time>, b: Option<Time>) -> Option<Time> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.lcm(b)),
        (Some(a), None) | (None, Some(a)) => Some(a),
        (None, None) => None,
    }
}

/// Least common multiple of the known step counts (`None` if none is known).
pub fn lcm_steps(steps: impl IntoIterator<Item = Option<Time>>) -> Option<Time> {
    steps.into_iter().fold(None, lcm_opt)
}

impl<T: Val> Pattern<T> {
    /// A pattern from its query function. Every query is charged to the
    /// work budget (one unit, plus one per event returned); once the
    /// budget is exhausted the function is no longer called.
    pub fn new(query: impl Fn(&State) -> Vec<Hap<T>> + Send + Sync + 'static) -> Pattern<T> {
        Pattern::appending(move |st, out| append(out, query(st)))
    }

    /// A pattern from a query function that appends its events to the
    /// list it is given (see [`QueryFn`]); it must leave the events
    /// already in the list alone. Charged to the work budget as
    /// [`Pattern::new`] is.
    pub fn appending(
        query: impl Fn(&State, &mut Vec<Hap<T>>) + Send + Sync + 'static,
    ) -> Pattern<T> {
        Pattern {
            query: Arc::new(move |st: &State, out: &mut Vec<Hap<T>>| {
                if !spend(1) {
                    return;
                }
                let before = out.len();
                query(st, out);
                spend(out.len().saturating_sub(before) as u64);
            }),
            steps: None,
            pure_value: None,
        }
    }

    pub fn with_steps_value(mut self, steps: Option<Time>) -> Pattern<T> {
        self.steps = steps;
        self
    }

    /// Runs the query.
    pub fn query(&self, state: &State) -> Vec<Hap<T>> {
        let mut out = Vec::new();
        (self.query)(state, &mut out);
        out
    }

    /// Runs the query, appending the events to `out`.
    pub fn query_into(&self, state: &State, out: &mut Vec<Hap<T>>) {
        (self.query)(state, out)
    }

    /// Events in `[begin, end)`.
    /// True when both are the very same pattern (JavaScript's `===`).
    pub fn same_as(&self, other: &Pattern<T>) -> bool {
        Arc::ptr_eq(&self.query, &other.query)
    }

    pub fn query_arc(&self, begin: Time, end: Time) -> Vec<Hap<T>> {
        self.query(&State::new(Span::new(begin, end)))
    }

    // ----- value maps ---------------------------------------------------

    /// Applies `f` to every value (keeps the step count).
    pub fn fmap<U: Val>(&self, f: impl Fn(&T) -> U + Send + Sync + 'static) -> Pattern<U> {
        let q = self.query.clone();
        Pattern::appending(move |st, out| {
            let mut haps = Vec::new();
            q(st, &mut haps);
            out.extend(
                haps.into_iter()
                    .map(|h| Hap::with_context(h.whole, h.part, f(&h.value), h.context)),
            );
        })
        .with_steps_value(self.steps)
    }

    /// [`Pattern::fmap`] for a function that keeps the type of the values:
    /// the values are changed in place, where the layer below wrote them.
    pub fn map_values(&self, f: impl Fn(&T) -> T + Send + Sync + 'static) -> Pattern<T> {
        let q = self.query.clone();
        Pattern::appending(move |st, out| {
            let start = out.len();
            q(st, out);
            for h in &mut out[start..] {
                h.value = f(&h.value);
            }
        })
        .with_steps_value(self.steps)
    }

    /// Maps values, dropping events for which `f` gives `None`.
    pub fn filter_map(&self, f: impl Fn(&T) -> Option<T> + Send + Sync + 'static) -> Pattern<T> {
        let q = self.query.clone();
        Pattern::appending(move |st, out| {
            let start = out.len();
            q(st, out);
            retain_from(out, start, |h| match f(&h.value) {
                Some(v) => {
                    h.value = v;
                    true
                }
                None => false,
            });
        })
        .with_steps_value(self.steps)
    }

    /// Transforms the list of events returned by each query (keeps steps).
    pub fn with_haps<U: Val>(
        &self,
        f: impl Fn(Vec<Hap<T>>, &State) -> Vec<Hap<U>> + Send + Sync + 'static,
    ) -> Pattern<U> {
        let q = self.query.clone();
        Pattern::appending(move |st, out| {
            let mut haps = Vec::new();
            q(st, &mut haps);
            append(out, f(haps, st));
        })
        .with_steps_value(self.steps)
    }

    /// Transforms every event (keeps steps), in place.
    pub fn with_hap(&self, f: impl Fn(&mut Hap<T>) + Send + Sync + 'static) -> Pattern<T> {
        let q = self.query.clone();
        Pattern::appending(move |st, out| {
            let start = out.len();
            q(st, out);
            out[start..].iter_mut().for_each(&f);
        })
        .with_steps_value(self.steps)
    }

    pub fn filter_haps(&self, f: impl Fn(&Hap<T>) -> bool + Send + Sync + 'static) -> Pattern<T> {
        let q = self.query.clone();
        Pattern::appending(move |st, out| {
            let start = out.len();
            q(st, out);
            retain_from(out, start, |h| f(h));
        })
    }

    pub fn filter_values(&self, f: impl Fn(&T) -> bool + Send + Sync + 'static) -> Pattern<T> {
        self.filter_haps(move |h| f(&h.value))
            .with_steps_value(self.steps)
    }

    /// Keeps only fragments that contain their event's start.
    pub fn onsets_only(&self) -> Pattern<T> {
        self.filter_haps(|h| h.has_onset())
    }

    /// Drops samples of continuous signals (events without a whole).
    pub fn discrete_only(&self) -> Pattern<T> {
        self.filter_haps(|h| h.whole.is_some())
    }

    // ----- query and event time -------------------------------------------

    /// Splits every query at cycle boundaries.
    pub fn split_queries(&self) -> Pattern<T> {
        let q = self.query.clone();
        Pattern::appending(move |st, out| {
            // A query within one cycle (the usual case) is passed on as it is.
            if st.span.begin < st.span.end && st.span.end <= st.span.begin.sam() + Time::ONE {
                if charge_work() {
                    q(st, out);
                }
                return;
            }
            st.span.for_each_cycle(|s| q(&st.set_span(s), out));
        })
    }

    pub fn with_query_span(&self, f: impl Fn(Span) -> Span + Send + Sync + 'static) -> Pattern<T> {
        let q = self.query.clone();
        Pattern::appending(move |st, out| q(&st.set_span(f(st.span)), out))
    }

    /// Like `with_query_span`, but `f` may cancel the query.
    pub fn with_query_span_maybe(
        &self,
        f: impl Fn(Span) -> Option<Span> + Send + Sync + 'static,
    ) -> Pattern<T> {
        let q = self.query.clone();
        Pattern::appending(move |st, out| {
            if let Some(s) = f(st.span) {
                q(&st.set_span(s), out);
            }
        })
    }

    pub fn with_query_time(&self, f: impl Fn(Time) -> Time + Send + Sync + 'static) -> Pattern<T> {
        self.with_query_span(move |s| s.with_time(&f))
    }

    pub fn with_hap_span(&self, f: impl Fn(&Span) -> Span + Send + Sync + 'static) -> Pattern<T> {
        let q = self.query.clone();
        Pattern::appending(move |st, out| {
            let start = out.len();
            q(st, out);
            map_spans(&mut out[start..], &f);
        })
    }

    /// `with_query_span(query)` and `with_hap_span(event)` in one step
    /// (one query call and one pass over the events instead of two).
    pub fn with_query_and_hap_span(
        &self,
        query: impl Fn(Span) -> Span + Send + Sync + 'static,
        event: impl Fn(&Span) -> Span + Send + Sync + 'static,
    ) -> Pattern<T> {
        let q = self.query.clone();
        Pattern::appending(move |st, out| {
            let start = out.len();
            q(&st.set_span(query(st.span)), out);
            map_spans(&mut out[start..], &event);
        })
    }

    pub fn with_hap_time(&self, f: impl Fn(Time) -> Time + Send + Sync + 'static) -> Pattern<T> {
        self.with_hap_span(move |s| s.with_time(&f))
    }

    // ----- applicative combination ----------------------------------------

    /// Combines events of two patterns whose parts overlap; the structure
    /// (wholes) comes from both sides (their intersection).
    pub fn app_both<B: Val, C: Val>(
        &self,
        other: &Pattern<B>,
        f: impl Fn(&T, &B) -> C + Send + Sync + 'static,
    ) -> Pattern<C> {
        let (qa, qb) = (self.query.clone(), other.query.clone());
        Pattern::appending(move |st, out| {
            let mut hb = Vec::new();
            qb(st, &mut hb);
            let mut ha = Vec::new();
            qa(st, &mut ha);
            for a in ha {
                // Every pair is compared: n × m work.
                if !spend(hb.len() as u64) {
                    break;
                }
                for b in &hb {
                    let Some(part) = a.part.intersection(&b.part) else {
                        continue;
                    };
                    let whole = match (a.whole, b.whole) {
                        (Some(x), Some(y)) => match x.intersection(&y) {
                            Some(w) => Some(w),
                            None => {
                                report_query_error("TimeSpans do not intersect");
                                continue;
                            }
                        },
                        _ => None,
                    };
                    out.push(Hap::with_context(
                        whole,
                        part,
                        f(&a.value, &b.value),
                        b.context.combine(&a.context),
                    ));
                }
            }
        })
        .with_steps_value(lcm_opt(other.steps, self.steps))
    }

    /// Combines events, keeping the structure of `self` (the left side).
    pub fn app_left<B: Val, C: Val>(
        &self,
        other: &Pattern<B>,
        f: impl Fn(&T, &B) -> C + Send + Sync + 'static,
    ) -> Pattern<C> {
        let (qa, qb) = (self.query.clone(), other.query.clone());
        let constant = other.pure_value.clone();
        Pattern::appending(move |st, out| {
            let mut left = Vec::new();
            qa(st, &mut left);
            // The right side's events for one left event, the list reused.
            let mut right = Vec::new();
            for a in left {
                // A constant right side gives one event per cycle: when the
                // left event lies within one cycle, the result is that event
                // with the function applied (the general path gives the same).
                if let Some(b) = &constant {
                    let w = a.whole_or_part();
                    if a.part.begin < a.part.end
                        && a.part.end <= a.part.begin.sam() + Time::ONE
                        && w.begin <= a.part.begin
                        && a.part.end <= w.end
                    {
                        out.push(Hap::with_context(
                            a.whole,
                            a.part,
                            f(&a.value, b),
                            a.context,
                        ));
                        continue;
                    }
                }
                right.clear();
                qb(&st.set_span(a.whole_or_part()), &mut right);
                for b in &right {
                    if let Some(part) = a.part.intersection(&b.part) {
                        out.push(Hap::with_context(
                            a.whole,
                            part,
                            f(&a.value, &b.value),
                            b.context.combine(&a.context),
                        ));
                    }
                }
            }
        })
        .with_steps_value(self.steps)
    }

    /// Combines events, keeping the structure of `other` (the right side).
    pub fn app_right<B: Val, C: Val>(
        &self,
        other: &Pattern<B>,
        f: impl Fn(&T, &B) -> C + Send + Sync + 'static,
    ) -> Pattern<C> {
        let (qa, qb) = (self.query.clone(), other.query.clone());
        Pattern::appending(move |st, out| {
            let mut right = Vec::new();
            qb(st, &mut right);
            // The left side's events for one right event, the list reused.
            let mut left = Vec::new();
            for b in right {
                left.clear();
                qa(&st.set_span(b.whole_or_part()), &mut left);
                for a in &left {
                    if let Some(part) = a.part.intersection(&b.part) {
                        out.push(Hap::with_context(
                            b.whole,
                            part,
                            f(&a.value, &b.value),
                            b.context.combine(&a.context),
                        ));
                    }
                }
            }
        })
        .with_steps_value(other.steps)
    }

    // ----- monadic joins ----------------------------------------------------

    fn bind_whole<U: Val>(
        &self,
        choose: fn(Option<Span>, Option<Span>) -> Option<Span>,
        f: impl Fn(&T) -> Pattern<U> + Send + Sync + 'static,
    ) -> Pattern<U> {
        let q = self.query.clone();
        Pattern::appending(move |st, out| {
            let mut outer = Vec::new();
            q(st, &mut outer);
            let mut inner = Vec::new();
            for a in outer {
                f(&a.value).query_into(&st.set_span(a.part), &mut inner);
                for b in inner.drain(..) {
                    out.push(Hap::with_context(
                        choose(a.whole, b.whole),
                        b.part,
                        b.value,
                        a.context.combine(&b.context),
                    ));
                }
            }
        })
    }

    /// Flattens, with wholes the intersection of outer and inner wholes.
    pub fn bind<U: Val>(&self, f: impl Fn(&T) -> Pattern<U> + Send + Sync + 'static) -> Pattern<U> {
        self.bind_whole(
            |a, b| match (a, b) {
                (Some(a), Some(b)) => a.intersection(&b).or(Some(a)),
                _ => None,
            },
            f,
        )
    }

    /// Flattens, keeping the inner pattern's structure.
    pub fn inner_bind<U: Val>(
        &self,
        f: impl Fn(&T) -> Pattern<U> + Send + Sync + 'static,
    ) -> Pattern<U> {
        self.bind_whole(|_, b| b, f)
    }

    /// Flattens, keeping the outer pattern's structure.
    pub fn outer_bind<U: Val>(
        &self,
        f: impl Fn(&T) -> Pattern<U> + Send + Sync + 'static,
    ) -> Pattern<U> {
        self.bind_whole(|a, _| a, f).with_steps_value(self.steps)
    }

    /// Plays a whole cycle of the inner pattern inside each outer event.
    pub fn squeeze_bind<U: Val>(
        &self,
        f: impl Fn(&T) -> Pattern<U> + Send + Sync + 'static,
    ) -> Pattern<U> {
        let q = self.query.clone();
        Pattern::appending(move |st, out| {
            let mut outers = Vec::new();
            q(st, &mut outers);
            let mut inners = Vec::new();
            for outer in outers {
                let Some(ow) = outer.whole else { continue };
                let inner = f(&outer.value).focus(ow.begin, ow.end);
                inner.query_into(&st.set_span(outer.part), &mut inners);
                for ih in inners.drain(..) {
                    let whole = match ih.whole {
                        Some(iw) => match iw.intersection(&ow) {
                            Some(w) => Some(w),
                            None => continue,
                        },
                        None => None,
                    };
                    let Some(part) = ih.part.intersection(&outer.part) else {
                        continue;
                    };
                    let context = ih.context.combine(&outer.context);
                    out.push(Hap::with_context(whole, part, ih.value, context));
                }
            }
        })
    }

    /// Restarts (`restart`) or realigns to the cycle start (`reset`) the
    /// inner pattern at every outer onset.
    pub fn reset_bind<U: Val>(
        &self,
        restart: bool,
        f: impl Fn(&T) -> Pattern<U> + Send + Sync + 'static,
    ) -> Pattern<U> {
        let q = self.query.clone();
        Pattern::appending(move |st, out| {
            let mut outers = Vec::new();
            q(st, &mut outers);
            let mut inners = Vec::new();
            for outer in outers {
                let Some(ow) = outer.whole else { continue };
                let shift = if restart {
                    ow.begin
                } else {
                    ow.begin.cycle_pos()
                };
                f(&outer.value).late(shift).query_into(st, &mut inners);
                for ih in inners.drain(..) {
                    let Some(part) = ih.part.intersection(&outer.part) else {
                        continue;
                    };
                    let whole = ih.whole.and_then(|w| w.intersection(&ow));
                    let context = outer.context.combine(&ih.context);
                    out.push(Hap::with_context(whole, part, ih.value, context));
                }
            }
        })
    }

    // ----- time -------------------------------------------------------------

    /// Speeds up by `factor` (zero gives silence).
    pub fn fast(&self, factor: Time) -> Pattern<T> {
        if factor.is_zero() {
            return silence();
        }
        self.with_query_and_hap_span(
            move |s| s.with_time(|t| t * factor),
            move |s| s.with_time(|t| t / factor),
        )
        .with_steps_value(self.steps)
    }

    pub fn slow(&self, factor: Time) -> Pattern<T> {
        if factor.is_zero() {
            return silence();
        }
        self.fast(Time::ONE / factor)
    }

    /// Shifts earlier in time by `offset` cycles.
    pub fn early(&self, offset: Time) -> Pattern<T> {
        self.with_query_and_hap_span(
            move |s| s.with_time(|t| t + offset),
            move |s| s.with_time(|t| t - offset),
        )
        .with_steps_value(self.steps)
    }

    /// Shifts later in time by `offset` cycles.
    pub fn late(&self, offset: Time) -> Pattern<T> {
        self.early(-offset)
    }

    /// Plays each cycle faster, leaving a gap in the rest of the cycle.
    pub fn fast_gap(&self, factor: Time) -> Pattern<T> {
        if factor <= Time::ZERO {
            return silence();
        }
        let qf = move |span: Span| {
            let cycle = span.begin.sam();
            let bpos = ((span.begin - cycle) * factor).min(Time::ONE);
            let epos = ((span.end - cycle) * factor).min(Time::ONE);
            if bpos >= Time::ONE {
                return None;
            }
            Some(Span::new(cycle + bpos, cycle + epos))
        };
        let ef = move |h: &mut Hap<T>| {
            let (begin, end) = (h.part.begin, h.part.end);
            let cycle = begin.sam();
            let bpos = ((begin - cycle) / factor).min(Time::ONE);
            let epos = ((end - cycle) / factor).min(Time::ONE);
            let part = Span::new(cycle + bpos, cycle + epos);
            h.whole = h.whole.map(|w| {
                Span::new(
                    part.begin - (begin - w.begin) / factor,
                    part.end + (w.end - end) / factor,
                )
            });
            h.part = part;
        };
        self.with_query_span_maybe(qf).with_hap(ef).split_queries()
    }

    /// Squeezes each cycle into `[b, e)` of the cycle, leaving silence around it.
    pub fn compress(&self, b: Time, e: Time) -> Pattern<T> {
        if b > e || b > Time::ONE || e > Time::ONE || b < Time::ZERO || e < Time::ZERO {
            return silence();
        }
        if b == e {
            report_query_error("compress: the span has zero length");
            return silence();
        }
        self.fast_gap(Time::ONE / (e - b)).late(b)
    }

    /// Like `compress` but without the gap: the span may exceed a cycle.
    pub fn focus(&self, b: Time, e: Time) -> Pattern<T> {
        if b == e {
            return silence();
        }
        self.early(b.sam()).fast(Time::ONE / (e - b)).late(b)
    }

    /// Plays only the part `[s, e)` of each cycle, stretched to fill the cycle.
    pub fn zoom(&self, s: Time, e: Time) -> Pattern<T> {
        if s >= e {
            return nothing();
        }
        let d = e - s;
        self.with_query_span(move |span| span.with_cycle(|t| t * d + s))
            .with_hap_span(move |span| span.with_cycle(|t| (t - s) / d))
            .split_queries()
            .with_steps_value(self.steps.map(|x| x * d))
    }

    /// Repeats each cycle `n` times.
    pub fn repeat_cycles(&self, n: Time) -> Pattern<T> {
        if n.is_zero() {
            return silence();
        }
        let q = self.query.clone();
        Pattern::appending(move |st, out| {
            let cycle = st.span.begin.sam();
            let source = (cycle / n).sam();
            let delta = cycle - source;
            let start = out.len();
            q(&st.set_span(st.span.with_time(|t| t - delta)), out);
            map_spans(&mut out[start..], |s| s.with_time(|t| t + delta));
        })
        .split_queries()
        .with_steps_value(self.steps)
    }

    /// Reverses every cycle.
    pub fn rev(&self) -> Pattern<T> {
        let q = self.query.clone();
        Pattern::appending(move |st, out| {
            let cycle = st.span.begin.sam();
            let next = st.span.begin.next_sam();
            let reflect = |s: &Span| Span::new(cycle + (next - s.end), cycle + (next - s.begin));
            let start = out.len();
            q(&st.set_span(reflect(&st.span)), out);
            map_spans(&mut out[start..], reflect);
        })
        .split_queries()
        .with_steps_value(self.steps)
    }
}

// ----- elementary patterns ----------------------------------------------------

/// The constant pattern: `value` once per cycle.
pub fn pure<T: Val>(value: T) -> Pattern<T> {
    let v = value.clone();
    let mut p = Pattern::appending(move |st: &State, out| {
        st.span.for_each_cycle(|s| {
            let whole = Span::new(s.begin.sam(), s.begin.sam() + Time::ONE);
            out.push(Hap::new(Some(whole), s, v.clone()));
        });
    });
    p.steps = Some(Time::ONE);
    p.pure_value = Some(Arc::new(value));
    p
}

/// Nothing, with a metrical length of `steps`.
pub fn gap<T: Val>(steps: Time) -> Pattern<T> {
    Pattern::appending(|_, _| {}).with_steps_value(Some(steps))
}

/// No events (one step long).
pub fn silence<T: Val>() -> Pattern<T> {
    gap(Time::ONE)
}

/// No events, zero steps long.
pub fn nothing<T: Val>() -> Pattern<T> {
    gap(Time::ZERO)
}

/// A continuous value sampled at the start of each query.
pub fn signal<T: Val>(f: impl Fn(Time, &Controls) -> T + Send + Sync + 'static) -> Pattern<T> {
    Pattern::appending(move |st, out| {
        out.push(Hap::new(None, st.span, f(st.span.begin, &st.controls)))
    })
}

/// Plays all patterns at once.
pub fn stack<T: Val>(pats: Vec<Pattern<T>>) -> Pattern<T> {
    let steps = lcm_steps(pats.iter().map(|p| p.steps));
    Pattern::appending(move |st, out| {
        for p in &pats {
            p.query_into(st, out);
        }
    })
    .with_steps_value(steps)
}

/// One pattern per cycle, in turn; each keeps its own cycle count.
pub fn slowcat<T: Val>(mut pats: Vec<Pattern<T>>) -> Pattern<T> {
    if pats.len() == 1 {
        return pats.pop().unwrap();
    }
    if pats.is_empty() {
        return silence();
    }
    let steps = lcm_steps(pats.iter().map(|p| p.steps));
    let n = Time::int(pats.len() as i64);
    let len = pats.len() as i64;
    Pattern::appending(move |st: &State, out| {
        let span = st.span;
        let idx = span.begin.floor_i64().rem_euclid(len) as usize;
        let offset = span.begin.floor() - (span.begin / n).floor();
        let start = out.len();
        pats[idx].query_into(&st.set_span(span.with_time(|t| t - offset)), out);
        if !offset.is_zero() {
            map_spans(&mut out[start..], |s| s.with_time(|t| t + offset));
        }
    })
    .split_queries()
    .with_steps_value(steps)
}

/// One pattern per cycle, chosen by the absolute cycle number (cycles of
/// the chosen pattern are not renumbered).
pub fn slowcat_prime<T: Val>(pats: Vec<Pattern<T>>) -> Pattern<T> {
    if pats.is_empty() {
        return silence();
    }
    let len = pats.len() as i64;
    Pattern::appending(move |st: &State, out| {
        // As in the reference, the index is a truncated remainder: negative
        // cycles that are not multiples of the length pick nothing.
        let idx = st.span.begin.floor_i64() % len;
        if idx >= 0 {
            pats[idx as usize].query_into(st, out);
        }
    })
    .split_queries()
}

/// All patterns squeezed into one cycle, one after the other.
pub fn fastcat<T: Val>(pats: Vec<Pattern<T>>) -> Pattern<T> {
    let n = pats.len();
    let result = slowcat(pats);
    if n > 1 {
        result
            .fast(Time::int(n as i64))
            .with_steps_value(Some(Time::int(n as i64)))
    } else {
        result
    }
}

/// Concatenates patterns within a cycle in proportion to their weights.
/// A weight of `None` takes the pattern's own step count (or 1).
pub fn stepcat<T: Val>(items: Vec<(Option<Time>, Pattern<T>)>) -> Pattern<T> {
    if items.is_empty() {
        return nothing();
    }
    let items: Vec<(Time, Pattern<T>)> = items
        .into_iter()
        .map(|(w, p)| (w.or(p.steps).unwrap_or(Time::ONE), p))
        .collect();
    if items.len() == 1 {
        let (w, p) = items.into_iter().next().unwrap();
        let steps = p.steps.map(|_| w);
        return Pattern {
            pure_value: None,
            ..p
        }
        .with_steps_value(steps);
    }
    let total = items.iter().fold(Time::ZERO, |a, (w, _)| a + *w);
    let mut begin = Time::ZERO;
    let mut pats = Vec::new();
    for (w, p) in items {
        if w.is_zero() {
            continue;
        }
        let end = begin + w;
        pats.push(p.compress(begin / total, end / total));
        begin = end;
    }
    stack(pats).with_steps_value(Some(total))
}

/// Appends `items` to `out` (taking over `items`' storage when `out` is
/// empty, so a single list is not copied).
fn append<T>(out: &mut Vec<T>, mut items: Vec<T>) {
    if out.is_empty() && out.capacity() <= items.capacity() {
        *out = items;
    } else {
        out.append(&mut items);
    }
}

/// Keeps, of the events from `start` on, those for which `keep` is true
/// (it may change them), in order; the events before `start` belong to
/// the caller and stay as they are.
fn retain_from<T>(out: &mut Vec<T>, start: usize, mut keep: impl FnMut(&mut T) -> bool) {
    let mut kept = start;
    for i in start..out.len() {
        if keep(&mut out[i]) {
            if kept != i {
                out.swap(kept, i);
            }
            kept += 1;
        }
    }
    out.truncate(kept);
}

/// Applies `f` to the whole and the part of every event, in place.
fn map_spans<T>(haps: &mut [Hap<T>], f: impl Fn(&Span) -> Span) {
    for h in haps {
        h.part = f(&h.part);
        if let Some(w) = &mut h.whole {
            *w = f(w);
        }
    }
}

/// Context helper for library code that builds events by hand.
pub fn hap_with<T>(whole: Option<Span>, part: Span, value: T, context: Context) -> Hap<T> {
    Hap::with_context(whole, part, value, context)
}

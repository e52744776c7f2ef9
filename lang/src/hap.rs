//! Events ("haps"): a value active over a part of its whole span.

use crate::span::Span;
use crate::time::Time;
use std::sync::Arc;

/// Metadata that travels with an event through transformations.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Context {
    /// The scale set by `.scale(…)`, needed later by `scaleTranspose`.
    pub scale: Option<Arc<str>>,
    /// The track an event came from, while `all(…)` transforms the tracks
    /// of a program together (so the result can be split back per track).
    pub track: Option<u32>,
    /// Labels added by `.tag(…)` (for filtering: `hap.hasTag('x')`).
    pub tags: Option<Arc<Vec<Arc<str>>>>,
    /// Where in the program's source the event comes from: the
    /// mini-notation atoms that made it (several when events of several
    /// patterns were combined). Shared, so that cloning stays cheap.
    pub locations: Option<Arc<[Location]>>,
}

/// A stretch of the program's source text, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    pub start: u32,
    pub end: u32,
}

impl Location {
    pub fn new(start: usize, end: usize) -> Location {
        let clamp = |x: usize| u32::try_from(x).unwrap_or(u32::MAX);
        Location {
            start: clamp(start),
            end: clamp(end),
        }
    }
}

impl Context {
    /// Merges two contexts; fields set in `over` win, and `over`'s
    /// locations come first (as the reference lists those of the side
    /// that gives the structure first).
    pub fn combine(&self, over: &Context) -> Context {
        Context {
            scale: over.scale.clone().or_else(|| self.scale.clone()),
            track: over.track.or(self.track),
            tags: over.tags.clone().or_else(|| self.tags.clone()),
            locations: merge_locations(&over.locations, &self.locations),
        }
    }

    /// A context that only says where an event comes from.
    pub fn at(location: Location) -> Context {
        Context {
            locations: Some(Arc::new([location])),
            ..Context::default()
        }
    }

    /// The source locations (empty when unknown).
    pub fn locations(&self) -> &[Location] {
        self.locations.as_deref().unwrap_or(&[])
    }
}

/// Both lists of locations, `a`'s first, each location once. The common
/// cases (one side empty, or both the same list) share instead of copying.
fn merge_locations(
    a: &Option<Arc<[Location]>>,
    b: &Option<Arc<[Location]>>,
) -> Option<Arc<[Location]>> {
    match (a, b) {
        (None, x) | (x, None) => x.clone(),
        (Some(x), Some(y)) if Arc::ptr_eq(x, y) => a.clone(),
        (Some(x), Some(y)) => {
            let extra: Vec<Location> = y.iter().filter(|l| !x.contains(l)).copied().collect();
            if extra.is_empty() {
                return a.clone();
            }
            Some(x.iter().copied().chain(extra).collect())
        }
    }
}

/// An event. `whole` is the event's full extent (absent for samples of a
/// continuous signal); `part` is the fragment inside the query.
#[derive(Clone, Debug, PartialEq)]
pub struct Hap<T> {
    pub whole: Option<Span>,
    pub part: Span,
    pub value: T,
    pub context: Context,
}

impl<T> Hap<T> {
    pub fn new(whole: Option<Span>, part: Span, value: T) -> Hap<T> {
        Hap {
            whole,
            part,
            value,
            context: Context::default(),
        }
    }

    pub fn with_context(whole: Option<Span>, part: Span, value: T, context: Context) -> Hap<T> {
        Hap {
            whole,
            part,
            value,
            context,
        }
    }

    pub fn whole_or_part(&self) -> Span {
        self.whole.unwrap_or(self.part)
    }

    /// True when this fragment contains the event's start.
    pub fn has_onset(&self) -> bool {
        matches!(self.whole, Some(w) if w.begin == self.part.begin)
    }

    pub fn with_span(self, f: impl Fn(&Span) -> Span) -> Hap<T> {
        Hap {
            whole: self.whole.map(|w| f(&w)),
            part: f(&self.part),
            value: self.value,
            context: self.context,
        }
    }

    pub fn map_value<U>(self, f: impl FnOnce(T) -> U) -> Hap<U> {
        Hap {
            whole: self.whole,
            part: self.part,
            value: f(self.value),
            context: self.context,
        }
    }

    /// Duration of the whole (or the part for continuous events).
    pub fn duration(&self) -> Time {
        self.whole_or_part().duration()
    }
}

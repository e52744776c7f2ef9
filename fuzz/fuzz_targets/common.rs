//! What every target does with a pattern: its first cycle within a query
//! budget (see `lang::pattern::query_within`).

use lang::pattern::{query_within, Budget, State};
use lang::{Span, Time};

pub fn first_cycle(v: &lang::Value) {
    let span = Span::new(Time::ZERO, Time::ONE);
    let _ = query_within(&lang::library::reify(v), &State::new(span), Budget::CYCLE);
}

//! Heap allocations per event of the `benches/compare-strudel` workloads,
//! queried as `weft events` queries them (in pieces of 1,024 events).
//! Run: `cargo bench -p weft-lang --bench allocations`. Results are
//! recorded in docs/performance.md.

use lang::eval::eval_source;
use lang::library::reify;
use lang::pattern::query_span_in_pieces;
use lang::{Span, Time};
use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// The `weft` binary's allocator, counting the allocations it is asked for.
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        BYTES.fetch_add(layout.size() as u64, Relaxed);
        unsafe { mimalloc::MiMalloc.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        BYTES.fetch_add(new_size as u64, Relaxed);
        unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const WORKLOADS: &[(&str, i64)] = &[
    ("n(run(64)).iter(64).fast(64)", 100),
    (
        "stack(s(\"bd*2 [~ bd] bd sd\").every(4, fast(2)), s(\"hh*16\").degradeBy(0.3), s(\"~ cp\").off(1/8, x => x.gain(0.6))).jux(rev)",
        2000,
    ),
    (
        "note(\"48 52 55 59 62 65 69 72\").fast(16).sometimesBy(0.5, x => x.add(note(12)))",
        2000,
    ),
];

fn main() {
    for (code, cycles) in WORKLOADS {
        let pat = reify(&eval_source(code).unwrap());
        let (a0, b0) = (ALLOCATIONS.load(Relaxed), BYTES.load(Relaxed));
        let mut events = 0usize;
        query_span_in_pieces(
            &pat,
            Span::new(Time::ZERO, Time::int(*cycles)),
            1_024,
            |q| {
                events += q.haps.map(|h| h.len()).unwrap_or(0);
                true
            },
        );
        let allocations = ALLOCATIONS.load(Relaxed) - a0;
        let bytes = BYTES.load(Relaxed) - b0;
        println!(
            "{code} over {cycles} cycles: {events} events, {:.1} allocations and {:.0} bytes per event",
            allocations as f64 / events as f64,
            bytes as f64 / events as f64
        );
    }
}

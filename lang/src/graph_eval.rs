//! Evaluating sound graphs: inside `instrument` bodies, `effect`s,
//! `.fx(…)` and `master:`, names of primitives (`saw`, `lpf`, `adsr`, …)
//! build [`Graph`]s instead of patterns, and `+ - * / >>` combine graphs.

use crate::graph::{prim_by_name, Graph, Prim, PrimInfo};
use crate::value::{Callable, Func, RtError, Value};
use std::cell::Cell;
use std::sync::Arc;

thread_local! {
    static GRAPH_MODE: Cell<bool> = const { Cell::new(false) };
    static CPS: Cell<f64> = const { Cell::new(0.5) };
    static BEATS: Cell<f64> = const { Cell::new(4.0) };
}

/// Runs `f` with graph names in scope.
pub fn in_graph_mode<R>(f: impl FnOnce() -> R) -> R {
    let old = GRAPH_MODE.with(|g| g.replace(true));
    let out = f();
    GRAPH_MODE.with(|g| g.set(old));
    out
}

pub fn graph_mode() -> bool {
    GRAPH_MODE.with(|g| g.get())
}

/// The tempo used by `cycles(…)`/`beats(…)` while evaluating.
pub fn set_tempo(cps: f64, beats_per_cycle: f64) {
    CPS.with(|c| c.set(cps));
    BEATS.with(|b| b.set(beats_per_cycle));
}

struct PrimFn(&'static PrimInfo);

/// Converts an argument to a graph input.
pub fn to_graph(v: &Value, what: &str) -> Result<Graph, RtError> {
    match v {
        Value::Num(x) => Ok(Graph::Const(*x)),
        Value::Bool(b) => Ok(Graph::Const(*b as i32 as f64)),
        Value::Graph(g) => Ok((**g).clone()),
        Value::Pat(_) => Err(RtError::new(format!(
            "`{what}` takes a number or a signal, found a pattern"
        ))
        .with_help(
            "patterns belong on tracks (note(\"c e\").lpf(800)); inside an instrument use numbers, parameters such as `cutoff`, or signals such as `sine(2)`",
        )
        .with_code("E0202")),
        other => Err(RtError::new(format!(
            "`{what}` takes a number or a signal, found {}",
            other.type_name()
        ))
        .with_code("E0202")),
    }
}

impl Callable for PrimFn {
    fn call(&self, args: Vec<Value>) -> Result<Value, RtError> {
        let info = self.0;
        let n = info.params.len();
        let mut graphs: Vec<Graph> = Vec::with_capacity(n);
        let implicit_input = info.takes_input && args.len() < n;
        if implicit_input {
            graphs.push(Graph::Input);
        }
        if args.len() > n {
            return Err(RtError::new(format!(
                "`{}` takes at most {n} arguments ({}), got {}",
                info.name,
                info.params
                    .iter()
                    .map(|p| p.0)
                    .collect::<Vec<_>>()
                    .join(", "),
                args.len()
            ))
            .with_code("E0203"));
        }
        for a in &args {
            match (info.prim, a) {
                // `vowel("o")`: the letter stands for its number.
                (Prim::Vowel, Value::Str(v)) => {
                    graphs.push(Graph::Const(vowel_number(v).ok_or_else(|| {
                        RtError::new(format!("`vowel` takes a, e, i, o or u, found `{v}`"))
                            .with_code("E0202")
                    })?))
                }
                _ => graphs.push(to_graph(a, info.name)?),
            }
        }
        for (name, default) in &info.params[graphs.len()..] {
            if default.is_nan() {
                return Err(
                    RtError::new(format!("`{}` needs its `{name}` argument", info.name))
                        .with_code("E0203"),
                );
            }
            graphs.push(Graph::Const(*default));
        }
        Ok(Value::Graph(Arc::new(Graph::Node(info.prim, graphs))))
    }

    fn name(&self) -> String {
        self.0.name.to_string()
    }
}

/// The number of a vowel for the formant filter: a 0, e 1, i 2, o 3, u 4.
pub fn vowel_number(v: &str) -> Option<f64> {
    Some(match v.trim() {
        "a" => 0.0,
        "e" => 1.0,
        "i" => 2.0,
        "o" => 3.0,
        "u" => 4.0,
        _ => return None,
    })
}

/// Names that mean something in graph scope: primitives, the voice
/// parameters and a few helpers.
pub fn graph_name(name: &str) -> Option<Value> {
    if let Some(info) = prim_by_name(name) {
        return Some(Value::Func(Func(Arc::new(PrimFn(info)))));
    }
    let native = |n: &'static str, f: fn(f64) -> f64| {
        crate::library::registry::native_fn_owned(n, move |args| {
            let x = args.first().map(|v| v.to_number()).unwrap_or(f64::NAN);
            Ok(Value::Num(f(x)))
        })
    };
    Some(match name {
        "freq" | "gate" | "velocity" => Value::Graph(Arc::new(Graph::Param(name.into()))),
        // The effect's input; `input(1)` (a call) is the live input, see
        // [`call_input`].
        "input" => Value::Graph(Arc::new(Graph::Input)),
        "lfo" => Value::Func(Func(Arc::new(PrimFn(prim_by_name("sine").unwrap())))),
        "triangle" | "tri" => Value::Func(Func(Arc::new(PrimFn(Prim::Triangle.info())))),
        "cycles" => native("cycles", |x| x / CPS.with(|c| c.get())),
        "beats" => native("beats", |x| {
            x / (CPS.with(|c| c.get()) * BEATS.with(|b| b.get()))
        }),
        "mtof" => native("mtof", |m| 440.0 * 2f64.powf((m - 69.0) / 12.0)),
        "db" => native("db", |d| 10f64.powf(d / 20.0)),
        _ => return None,
    })
}

/// Names of sound sources usable outside sound graphs, as a track of
/// their own: `mic: input(1).fx(…)`.
pub fn source_name(name: &str) -> Option<Value> {
    (name == "input").then(|| Value::Func(Func(Arc::new(PrimFn(Prim::Capture.info())))))
}

/// `input(…)` called inside a sound graph, where the bare name is the
/// effect's input: the live input.
pub fn call_input(args: Vec<Value>) -> Result<Value, RtError> {
    PrimFn(Prim::Capture.info()).call(args)
}

/// `a op b` where at least one side is a graph.
pub fn graph_binary(op: crate::ast::BinOp, a: &Value, b: &Value) -> Result<Value, RtError> {
    use crate::ast::BinOp;
    let ga = to_graph(a, "the operator")?;
    let gb = to_graph(b, "the operator")?;
    let node = |p: Prim| Graph::Node(p, vec![ga.clone(), gb.clone()]);
    let g = match op {
        BinOp::Add => node(Prim::Add),
        BinOp::Sub => node(Prim::Sub),
        BinOp::Mul => node(Prim::Mul),
        BinOp::Div => node(Prim::Div),
        BinOp::Pipe => ga.pipe(&gb),
        _ => {
            return Err(RtError::new("sound graphs cannot be compared").with_code("E0202"));
        }
    };
    Ok(Value::Graph(Arc::new(g)))
}

//! The instruments the engine plays: everything defined in the stdlib's
//! weft sources (`instruments.weft`, `drums.weft`), plus aliases (`saw` for
//! `sawtooth`, `bd` for the default kit's `tr909_bd`, …).

use lang::graph::Instrument;

/// Every instrument of the standard library, drums included.
pub fn instruments() -> Vec<Instrument> {
    crate::all_instruments()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sources_evaluate_without_diagnostics() {
        assert!(
            crate::diagnostics().is_empty(),
            "{:?}",
            crate::diagnostics()
        );
    }

    #[test]
    fn basic_instruments_exist() {
        let names: Vec<String> = instruments().into_iter().map(|i| i.name).collect();
        for n in [
            "sine", "sawtooth", "saw", "square", "triangle", "supersaw", "pulse", "fm", "pluck",
            "pad", "organ", "acid", "sub", "bell", "strings", "white", "pink", "brown", "snap",
            "burst",
        ] {
            assert!(names.iter().any(|x| x == n), "{n}");
        }
    }

    #[test]
    fn every_kit_has_every_drum() {
        let names: Vec<String> = instruments().into_iter().map(|i| i.name).collect();
        for kit in crate::KITS {
            for (d, _) in crate::DRUMS {
                let n = format!("{kit}_{d}");
                assert!(names.contains(&n), "{n}");
                assert!(names.iter().any(|x| x == d), "{d}");
            }
        }
    }

    #[test]
    fn pitched_instruments_read_freq_and_envelope() {
        for i in instruments() {
            if i.params.iter().any(|(n, _)| n == "variants")
                || ["white", "pink", "brown", "burst"].contains(&i.name.as_str())
            {
                continue;
            }
            let params = i.graph.params();
            assert!(
                params.iter().any(|x| &**x == "freq"),
                "{} reads freq",
                i.name
            );
            for p in ["attack", "release", "sustain"] {
                assert!(
                    i.params.iter().any(|(n, _)| n == p),
                    "{} declares {p}",
                    i.name
                );
            }
        }
    }
}

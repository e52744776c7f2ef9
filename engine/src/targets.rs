//! Delivery targets: the published loudness and true-peak specifications
//! of the places music goes (`weft render --target NAME`). Each entry names
//! the document it comes from; docs/deliverables.md cites them in full.
//!
//! Every figure is integrated programme loudness as ITU-R BS.1770 measures
//! it (LUFS and LKFS are the same unit) and a true-peak ceiling in dBTP.

/// A loudness and true-peak specification.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Target {
    /// The name given to `--target`.
    pub name: &'static str,
    /// Other names accepted for it.
    pub aliases: &'static [&'static str],
    /// Integrated loudness, LUFS.
    pub integrated: f64,
    /// How far the delivered loudness may lie from `integrated`, LU.
    pub tolerance: f64,
    /// Highest true peak, dBTP.
    pub true_peak: f64,
    /// What it is for, in a few words.
    pub what: &'static str,
    /// The specification it follows.
    pub source: &'static str,
}

/// Every target, in the order `weft render --target list` shows them.
pub const TARGETS: &[Target] = &[
    Target {
        name: "streaming",
        aliases: &["spotify", "youtube", "tidal"],
        integrated: -14.0,
        tolerance: 1.0,
        true_peak: -1.0,
        what: "music streaming (Spotify, YouTube, Tidal, Amazon Music)",
        source: "Spotify for Artists, Loudness normalization",
    },
    Target {
        name: "apple-music",
        aliases: &["apple"],
        integrated: -16.0,
        tolerance: 1.0,
        true_peak: -1.0,
        what: "Apple Music (Sound Check)",
        source: "Apple, Apple Digital Masters",
    },
    Target {
        name: "podcast",
        aliases: &[],
        integrated: -16.0,
        tolerance: 1.0,
        true_peak: -1.0,
        what: "podcasts (stereo)",
        source: "Apple Podcasts, Audio requirements",
    },
    Target {
        name: "ebu-r128",
        aliases: &["broadcast", "r128"],
        integrated: -23.0,
        tolerance: 0.5,
        true_peak: -1.0,
        what: "European broadcast",
        source: "EBU R 128 (2020), EBU Tech 3343",
    },
    Target {
        name: "atsc-a85",
        aliases: &["a85", "atsc"],
        integrated: -24.0,
        tolerance: 2.0,
        true_peak: -2.0,
        what: "US broadcast (CALM Act)",
        source: "ATSC A/85:2013",
    },
    Target {
        name: "streaming-drama",
        aliases: &["film", "netflix"],
        integrated: -27.0,
        tolerance: 2.0,
        true_peak: -2.0,
        what: "film and drama for streaming services",
        source: "Netflix Sound Mix Specifications & Best Practices",
    },
    Target {
        name: "games-console",
        aliases: &["console", "games"],
        integrated: -24.0,
        tolerance: 2.0,
        true_peak: -1.0,
        what: "games on consoles and PCs",
        source: "Sony ASWG-R001",
    },
    Target {
        name: "games-mobile",
        aliases: &["mobile"],
        integrated: -18.0,
        tolerance: 2.0,
        true_peak: -1.0,
        what: "games on phones and handhelds",
        source: "Sony ASWG-R001",
    },
];

/// The target called `name` (or one of its aliases), ignoring case.
pub fn find(name: &str) -> Option<&'static Target> {
    let name = name.trim().to_ascii_lowercase().replace('_', "-");
    TARGETS
        .iter()
        .find(|t| t.name == name || t.aliases.contains(&name.as_str()))
}

/// The names of every target, for messages.
pub fn names() -> String {
    TARGETS
        .iter()
        .map(|t| t.name)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases_are_found_and_unique() {
        assert_eq!(find("EBU-R128").map(|t| t.integrated), Some(-23.0));
        assert_eq!(find("film").map(|t| t.name), Some("streaming-drama"));
        assert_eq!(find("games_mobile").map(|t| t.integrated), Some(-18.0));
        assert!(find("loud").is_none());
        let mut all: Vec<&str> = TARGETS
            .iter()
            .flat_map(|t| std::iter::once(t.name).chain(t.aliases.iter().copied()))
            .collect();
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), n, "a name is used twice");
    }
}

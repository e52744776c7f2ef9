//! The voicing dictionaries a program can see: the built-in ones, plus
//! those it registers (`addVoicings`, `registerVoicings`), aliases it adds
//! (`voicingAlias`) and the default it chooses (`setDefaultVoicings`).
//!
//! The registry belongs to one program evaluation: the evaluating thread
//! holds a handle to it, which [`reset`] replaces with a fresh built-in one
//! before each evaluation, so nothing leaks from one program into the next.
//! Patterns that use it (`voicing()`, `voicings()`) keep the handle of the
//! program that built them and read it when queried (as the reference
//! does), so a dictionary registered later in the same program counts, and
//! queries on other threads see the right dictionaries.

use super::data::VOICING_DICTIONARIES;
use super::voicing::DEFAULT_VOICING_DICTIONARY;
use std::cell::RefCell;
use std::sync::{Arc, OnceLock, RwLock};

/// One dictionary: chord symbols (in their order) with their voicings,
/// each a list of steps (intervals such as `3M` or semitone numbers).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VoicingDict {
    pub entries: Vec<(String, Vec<Vec<String>>)>,
}

impl VoicingDict {
    /// The voicings of a chord symbol.
    pub fn get(&self, symbol: &str) -> Option<&Vec<Vec<String>>> {
        self.entries
            .iter()
            .find(|(s, _)| s == symbol)
            .map(|(_, v)| v)
    }

    /// Sets the voicings of a symbol, keeping its place if it exists.
    pub fn set(&mut self, symbol: &str, voicings: Vec<Vec<String>>) {
        match self.entries.iter_mut().find(|(s, _)| s == symbol) {
            Some(slot) => slot.1 = voicings,
            None => self.entries.push((symbol.to_string(), voicings)),
        }
    }

    fn from_static(entries: &[(&str, &[&str])]) -> VoicingDict {
        VoicingDict {
            entries: entries
                .iter()
                .map(|(s, vs)| {
                    let voicings = vs
                        .iter()
                        .map(|v| v.split(' ').map(str::to_string).collect())
                        .collect();
                    (s.to_string(), voicings)
                })
                .collect(),
        }
    }
}

/// A registered dictionary with the range `voicings()` places it in.
#[derive(Clone, Debug, PartialEq)]
pub struct Registered {
    pub dict: Arc<VoicingDict>,
    /// Lowest and highest note (`["F3", "A4"]`), where given.
    pub range: Option<(String, String)>,
}

/// All dictionaries by name, and the one `voicing()` uses by default.
#[derive(Clone, Debug, PartialEq)]
pub struct VoicingRegistry {
    pub dicts: Vec<(String, Registered)>,
    pub default: String,
}

impl VoicingRegistry {
    pub fn get(&self, name: &str) -> Option<&Registered> {
        self.dicts.iter().find(|(n, _)| n == name).map(|(_, r)| r)
    }

    pub fn set(&mut self, name: &str, entry: Registered) {
        match self.dicts.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = entry,
            None => self.dicts.push((name.to_string(), entry)),
        }
    }
}

fn builtin() -> &'static Arc<VoicingRegistry> {
    static BUILTIN: OnceLock<Arc<VoicingRegistry>> = OnceLock::new();
    BUILTIN.get_or_init(|| {
        let dicts = VOICING_DICTIONARIES
            .iter()
            .map(|(name, entries)| {
                let range = (*name == "lefthand").then(|| ("F3".to_string(), "A4".to_string()));
                let entry = Registered {
                    dict: Arc::new(VoicingDict::from_static(entries)),
                    range,
                };
                (name.to_string(), entry)
            })
            .collect();
        Arc::new(VoicingRegistry {
            dicts,
            default: DEFAULT_VOICING_DICTIONARY.to_string(),
        })
    })
}

/// A shared handle to the registry of one program evaluation.
pub type RegistryHandle = Arc<RwLock<Arc<VoicingRegistry>>>;

thread_local! {
    static CURRENT: RefCell<Option<RegistryHandle>> = const { RefCell::new(None) };
}

/// The handle of the program being evaluated on this thread.
pub fn handle() -> RegistryHandle {
    CURRENT.with(|c| {
        c.borrow_mut()
            .get_or_insert_with(|| Arc::new(RwLock::new(builtin().clone())))
            .clone()
    })
}

/// The registry behind a handle, as it is now.
pub fn read(handle: &RegistryHandle) -> Arc<VoicingRegistry> {
    handle.read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// The registry of the program being evaluated, as it is now.
pub fn current() -> Arc<VoicingRegistry> {
    read(&handle())
}

/// Changes the registry of the program being evaluated.
pub fn update<T>(f: impl FnOnce(&mut VoicingRegistry) -> T) -> T {
    let h = handle();
    let mut slot = h.write().unwrap_or_else(|e| e.into_inner());
    let mut reg = (**slot).clone();
    let out = f(&mut reg);
    *slot = Arc::new(reg);
    out
}

/// Back to the built-in dictionaries (before each program evaluation).
pub fn reset() {
    CURRENT.with(|c| *c.borrow_mut() = None);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrations_stay_in_their_evaluation() {
        reset();
        update(|r| {
            r.set(
                "house",
                Registered {
                    dict: Arc::new(VoicingDict::default()),
                    range: None,
                },
            )
        });
        assert!(current().get("house").is_some());
        let earlier = handle();
        reset();
        assert!(current().get("house").is_none());
        assert!(read(&earlier).get("house").is_some());
        assert_eq!(current().default, "ireal");
        assert!(current().get("lefthand").unwrap().range.is_some());
    }
}

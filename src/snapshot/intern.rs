//! Interned names for the snapshot's repeated strings. A tier-M snapshot names the same few
//! hundred thousand identities and tables in two million grants; interning them while parsing
//! keeps one copy of each string instead of one per grant.

use serde::de::{self, Deserialize, Deserializer, Visitor};
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;

/// A string seen while parsing, by number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Name(pub u32);

/// Every distinct string seen, each stored once.
#[derive(Default)]
pub struct Interner {
    ids: HashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
}

impl Interner {
    fn intern(&mut self, s: &str) -> Name {
        if let Some(id) = self.ids.get(s) {
            return Name(*id);
        }
        let id = self.names.len() as u32;
        self.names.push(s.into());
        self.ids.insert(s.into(), id);
        Name(id)
    }

    pub fn get(&self, n: Name) -> &str {
        &self.names[n.0 as usize]
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Interner>> = const { RefCell::new(None) };
}

/// Runs `parse` with a fresh interner for [`Name`]s and returns it beside the result.
pub fn with_interner<T>(parse: impl FnOnce() -> T) -> (T, Interner) {
    let previous = CURRENT.with(|c| c.replace(Some(Interner::default())));
    let out = parse();
    let mut interner = CURRENT.with(|c| c.replace(previous)).unwrap_or_default();
    // Only lookups by number follow: the second copy of every string goes back now.
    interner.ids = HashMap::new();
    (out, interner)
}

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Name;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Name, E> {
                CURRENT.with(|c| match c.borrow_mut().as_mut() {
                    Some(interner) => Ok(interner.intern(s)),
                    None => Err(E::custom("names can only be read inside a snapshot parse")),
                })
            }
        }
        d.deserialize_str(V)
    }
}

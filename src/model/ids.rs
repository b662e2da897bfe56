//! Typed indices of a connection's identities and resources: the graph answers questions about
//! an [`IdentityId`] and a [`ResourceId`], so a swapped pair does not compile. Each is a `u32`
//! with no cost over it; the graph's own arrays keep bare `u32`s.

use std::fmt;

macro_rules! index_type {
    ($(#[$m:meta])* $name:ident, $index:ident, $what:literal) => {
        $(#[$m])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(transparent)]
        pub struct $name(u32);

        impl $name {
            /// The index `raw` into the connection's vector of
            #[doc = $what]
            pub const fn new(raw: u32) -> $name {
                $name(raw)
            }

            pub const fn get(self) -> u32 {
                self.0
            }

            pub const fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        #[doc = concat!("What indexes ", $what, ": the typed id, or the bare `u32` of a name-index hit")]
        /// (`access::Resolved::id`, whose kind the target it was searched for says). Never the
        /// other kind's id. The graph's look-ups give back the kind of index they were given.
        pub trait $index: Copy {
            fn from_raw(raw: u32) -> Self;
            fn raw(self) -> u32;
        }

        impl $index for $name {
            fn from_raw(raw: u32) -> $name {
                $name(raw)
            }
            fn raw(self) -> u32 {
                self.0
            }
        }

        impl $index for u32 {
            fn from_raw(raw: u32) -> u32 {
                raw
            }
            fn raw(self) -> u32 {
                self
            }
        }
    };
}

index_type!(
    /// An identity of one connection: its index in the connection's identities.
    IdentityId,
    IdentityIndex,
    "identities"
);

index_type!(
    /// A resource of one connection: its index in the connection's resources.
    ResourceId,
    ResourceIndex,
    "resources"
);

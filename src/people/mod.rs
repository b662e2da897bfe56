//! People, their roles and their bearer tokens, and [`Principal`]: who is asking, which is what
//! every rule on the server is decided by (INTERFACE.md "Who may do what").

pub mod cache;
pub mod links;
pub mod oidc;
mod service;
pub mod sessions;
pub mod sso;
mod tokens;

pub use crate::model::people::{ManualLink, Person, Principal, Role, TokenInfo, new_id};
pub use cache::TokenCache;
pub use service::People;
pub use tokens::{NewToken, hash_token, new_token};

//! Access requests: what was asked and for whom, who drafted it, who decided, which identity or
//! role was updated, and what Warden changed on each platform (so that expiry removes only that).
//! The rules that move a request between states are in [`rules`]; the operations in [`service`].

mod approve;
mod change;
pub use crate::model::clock;
mod decide;
mod extend;
pub mod gains;
pub mod rules;
pub mod service;
mod timeline;

pub use approve::{Approval, GranteeOptions};
pub use change::RequestChange;
pub use service::{MAX_NAME, MAX_REASON, NewRequest, RequestWithHistory, Requests};

pub use crate::model::request::{
    AccessRequest, ChangeRecord, Decision, DraftKind, DraftedBy, Ending, GranteeChoice,
    RequestedResource, RequestedRole, Status,
};

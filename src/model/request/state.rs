//! Where a request is, with the facts that only make sense there: who provisions it once
//! approved, whether a reminder went out or a revoke is under way while active, how it ended once
//! closed. A combination the life of a request cannot reach (a reminded open request, a revoking
//! closed one) cannot be written down.

use super::{Ending, Status};

/// Who puts an approved request's access in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provisioning {
    /// Warden's jobs grant it, and revoke it at the end.
    Warden,
    /// No connector can: an admin grants it by hand and says so, and removes it by hand.
    Manual,
}

/// The state of a request, as the rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Open,
    Approved(Provisioning),
    Active {
        provisioning: Provisioning,
        /// The reminder of the coming expiry was sent (an extension sends a new one).
        reminded: bool,
        /// A revoke was asked for and is under way.
        revoking: bool,
    },
    Closed {
        provisioning: Provisioning,
        ending: Ending,
    },
    /// Denied; a request that failed half-way is denied while Warden revokes what it granted.
    Denied {
        revoking: bool,
    },
    Deleted,
    Failed,
}

impl State {
    pub fn status(self) -> Status {
        match self {
            State::Open => Status::Open,
            State::Approved(_) => Status::Approved,
            State::Active { .. } => Status::Active,
            State::Closed { .. } => Status::Closed,
            State::Denied { .. } => Status::Denied,
            State::Deleted => Status::Deleted,
            State::Failed => Status::Failed,
        }
    }

    /// How the access is provisioned, once that is decided.
    pub fn provisioning(self) -> Option<Provisioning> {
        match self {
            State::Approved(p)
            | State::Active {
                provisioning: p, ..
            }
            | State::Closed {
                provisioning: p, ..
            } => Some(p),
            State::Failed | State::Denied { .. } => Some(Provisioning::Warden),
            State::Open | State::Deleted => None,
        }
    }

    pub fn is_manual(self) -> bool {
        self.provisioning() == Some(Provisioning::Manual)
    }

    pub fn is_revoking(self) -> bool {
        matches!(
            self,
            State::Active { revoking: true, .. } | State::Denied { revoking: true }
        )
    }

    pub fn was_reminded(self) -> bool {
        matches!(self, State::Active { reminded: true, .. })
    }

    /// An active request's `reminded` and `revoking`, to change, while no revoke is under way
    /// (an active request being revoked takes no other change).
    pub(super) fn live_flags(&mut self) -> Option<(&mut bool, &mut bool)> {
        match self {
            State::Active {
                reminded, revoking, ..
            } if !*revoking => Some((reminded, revoking)),
            _ => None,
        }
    }

    pub fn ending(self) -> Option<Ending> {
        match self {
            State::Closed { ending, .. } => Some(ending),
            _ => None,
        }
    }

    /// The state a stored document's flat fields describe; `None` for a combination no request
    /// can reach.
    pub fn from_parts(
        status: Status,
        manual: bool,
        revoking: bool,
        reminded: bool,
        ending: Option<Ending>,
    ) -> Option<State> {
        let provisioning = if manual {
            Provisioning::Manual
        } else {
            Provisioning::Warden
        };
        let plain = !manual && !revoking && !reminded && ending.is_none();
        Some(match status {
            Status::Open if plain => State::Open,
            Status::Approved if !revoking && !reminded && ending.is_none() => {
                State::Approved(provisioning)
            }
            Status::Active if ending.is_none() => State::Active {
                provisioning,
                reminded,
                revoking,
            },
            // A closed request keeps whether it was reminded on the way: not a state of its own.
            Status::Closed if !revoking => State::Closed {
                provisioning,
                ending: ending?,
            },
            Status::Denied if !manual && !reminded && ending.is_none() => {
                State::Denied { revoking }
            }
            Status::Deleted if plain => State::Deleted,
            Status::Failed if plain => State::Failed,
            _ => return None,
        })
    }
}

/// A change of state the request's current state does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("request {id} is {status}: cannot {action} it")]
pub struct WrongState {
    pub id: String,
    pub status: Status,
    pub action: &'static str,
}

impl From<WrongState> for crate::error::Problem {
    fn from(e: WrongState) -> Self {
        crate::error::Problem::new(crate::error::ErrorCode::Conflict, e.to_string()).at("status")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flat_fields_of_every_reachable_state_read_back_as_that_state() {
        let all = [
            State::Open,
            State::Approved(Provisioning::Warden),
            State::Approved(Provisioning::Manual),
            State::Active {
                provisioning: Provisioning::Manual,
                reminded: true,
                revoking: false,
            },
            State::Active {
                provisioning: Provisioning::Warden,
                reminded: false,
                revoking: true,
            },
            State::Closed {
                provisioning: Provisioning::Warden,
                ending: Ending::Expired,
            },
            State::Denied { revoking: true },
            State::Deleted,
            State::Failed,
        ];
        for s in all {
            let back = State::from_parts(
                s.status(),
                s.is_manual(),
                s.is_revoking(),
                s.was_reminded(),
                s.ending(),
            );
            assert_eq!(back, Some(s));
        }
    }

    #[test]
    fn combinations_no_request_reaches_are_refused() {
        let refused = [
            (Status::Open, true, false, false, None),
            (Status::Open, false, false, true, None),
            (Status::Approved, false, true, false, None),
            (Status::Closed, false, false, false, None),
            (Status::Closed, false, true, false, Some(Ending::Revoked)),
            (Status::Denied, true, false, false, None),
            (Status::Failed, false, true, false, None),
            (Status::Active, false, false, false, Some(Ending::Expired)),
        ];
        for (status, manual, revoking, reminded, ending) in refused {
            assert_eq!(
                State::from_parts(status, manual, revoking, reminded, ending),
                None,
                "{status} manual={manual} revoking={revoking} reminded={reminded} {ending:?}"
            );
        }
    }
}

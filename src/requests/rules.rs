//! Who may do what to a request in which state (INTERFACE.md "Who may do what" and "Request
//! states"), as pure functions: the service asks these before it changes anything, so every
//! edge (REST, tools, chat, CLI, Slack) gets the same answer.

use super::{AccessRequest, Status};
use crate::error::{ErrorCode, Problem};
use crate::people::{Principal, Role};

/// Something done to an existing request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Approve,
    Deny,
    Delete,
    Revoke,
    Extend,
    /// Run a failed request's provisioning again (admin).
    Retry,
    /// Say that an approved request on a connection Warden cannot provision was granted by hand.
    MarkProvisioned,
}

impl Action {
    pub const ALL: [Action; 7] = [
        Action::Approve,
        Action::Deny,
        Action::Delete,
        Action::Revoke,
        Action::Extend,
        Action::Retry,
        Action::MarkProvisioned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Approve => "approve",
            Action::Deny => "deny",
            Action::Delete => "delete",
            Action::Revoke => "revoke",
            Action::Extend => "extend",
            Action::Retry => "retry",
            Action::MarkProvisioned => "mark provisioned",
        }
    }

    /// The states in which the action applies.
    fn states(self) -> &'static [Status] {
        match self {
            Action::Approve | Action::Delete => &[Status::Open],
            Action::Deny => &[Status::Open, Status::Failed],
            Action::Revoke | Action::Extend => &[Status::Active],
            Action::Retry => &[Status::Failed],
            Action::MarkProvisioned => &[Status::Approved],
        }
    }
}

/// Fails with 409 naming the state when `action` does not apply to `request` now.
pub fn check_state(request: &AccessRequest, action: Action) -> Result<(), Problem> {
    let conflict = |why: String| Err(Problem::new(ErrorCode::Conflict, why).at("status"));
    if !action.states().contains(&request.status()) {
        let allowed = allowed_actions(request.status());
        let tail = if allowed.is_empty() {
            format!("{} requests take no action", request.status())
        } else {
            format!(
                "{} request can only be: {}",
                crate::model::words::a(&request.status().to_string()),
                allowed.join(", ")
            )
        };
        return conflict(format!(
            "request {} is {}: cannot {} it ({tail})",
            request.id,
            request.status(),
            action.as_str()
        ));
    }
    if request.is_revoking() && matches!(action, Action::Revoke | Action::Extend) {
        return conflict(format!(
            "request {} is being revoked: cannot {} it",
            request.id,
            action.as_str()
        ));
    }
    if action == Action::Extend {
        check_expiry(request)?;
    }
    if action == Action::MarkProvisioned && !request.is_manual() {
        return conflict(format!(
            "request {} is being provisioned by Warden, not by hand",
            request.id
        ));
    }
    Ok(())
}

/// Fails with 409 when `request` has no expiry: it lasts until revoked, so there is no end for
/// an extension to move.
pub fn check_expiry(request: &AccessRequest) -> Result<(), Problem> {
    if request.expires_at.is_some() {
        return Ok(());
    }
    Err(Problem::new(
        ErrorCode::Conflict,
        format!(
            "request {} has no expiry (it lasts until revoked): there is nothing to extend",
            request.id
        ),
    )
    .at("status"))
}

/// The actions a state allows, for messages and listings.
pub fn allowed_actions(status: Status) -> Vec<&'static str> {
    Action::ALL
        .into_iter()
        .filter(|a| a.states().contains(&status))
        .map(Action::as_str)
        .collect()
}

/// Every action `who` may take on `request` now: those that both [`check_actor`] and
/// [`check_state`] allow (and, for approve, that `who` has not approved it already). The pages
/// show these as buttons; the service checks each again when it is taken.
pub fn permitted(who: &Principal, request: &AccessRequest) -> Vec<Action> {
    Action::ALL
        .into_iter()
        .filter(|&a| check_actor(who, request, a).is_ok() && check_state(request, a).is_ok())
        .filter(|&a| a != Action::Approve || check_first_approval(who, request).is_ok())
        .collect()
}

/// Fails with 409 when `who` already approved `request`: several approvals come from different
/// reviewers.
pub fn check_first_approval(who: &Principal, request: &AccessRequest) -> Result<(), Problem> {
    let reviewer = who.describe();
    if request.approvals.iter().any(|a| a.reviewer == reviewer) {
        return Err(Problem::new(
            ErrorCode::Conflict,
            format!(
                "{reviewer} already approved {}; it needs {} approvals from different reviewers",
                request.id, request.approvals_required
            ),
        )
        .at("status"));
    }
    Ok(())
}

/// Fails with 403 unless `who` may take `action` on `request` (404 if they may not see it).
pub fn check_actor(
    who: &Principal,
    request: &AccessRequest,
    action: Action,
) -> Result<(), Problem> {
    // Someone who may not read the request is told it does not exist, whatever the action:
    // a 403 here would confirm that another person's request id is real.
    check_read(who, request)?;
    let forbidden = |m: String| Err(Problem::new(ErrorCode::Forbidden, m));
    let own = is_own(who, request);
    if who.agent.is_some() && action != Action::Extend {
        return forbidden(format!(
            "agent tokens cannot {} requests; a person does that",
            action.as_str()
        ));
    }
    match action {
        Action::Approve | Action::Deny | Action::Revoke => {
            who.require(Role::Reviewer, &format!("to {} a request", action.as_str()))?;
            if action == Action::Deny && request.status() == Status::Failed {
                // A failed request is the admins' to retry or deny (INTERFACE.md).
                who.require(Role::Admin, "denying a failed request")?;
            }
            if own {
                return forbidden(format!(
                    "nobody may {} their own request ({} is {}'s)",
                    action.as_str(),
                    request.id,
                    request.requester
                ));
            }
        }
        Action::Delete => {
            if !own {
                who.require(Role::Admin, "deleting another person's request")?;
            }
        }
        Action::Extend => {
            if !own {
                return forbidden(format!(
                    "only {} can ask to extend {}",
                    request.requester, request.id
                ));
            }
        }
        Action::Retry | Action::MarkProvisioned => {
            who.require(Role::Admin, &format!("to {} a request", action.as_str()))?;
        }
    }
    Ok(())
}

/// Whether `who` may read `request`: its requester, a reviewer or an admin.
pub fn check_read(who: &Principal, request: &AccessRequest) -> Result<(), Problem> {
    if is_own(who, request) || who.role() >= Role::Reviewer {
        return Ok(());
    }
    // Not 403: whether another person's request exists is not the caller's to know.
    // The same words as for an id that does not exist.
    Err(Problem::new(ErrorCode::NotFound, format!("no request {:?}", request.id)).at("id"))
}

fn is_own(who: &Principal, request: &AccessRequest) -> bool {
    who.person
        .as_ref()
        .is_some_and(|p| p.id == request.requester_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::request::{Decision, DraftKind, DraftedBy, Ending, Provisioning};
    use crate::people::Person;
    use chrono::Utc;

    fn person(name: &str, role: Role) -> Principal {
        Principal {
            person: Some(Person {
                id: format!("p_{name}"),
                name: name.into(),
                email: None,
                role,
                created_at: String::new(),
            }),
            agent: None,
            token_id: None,
        }
    }

    fn request(of: &Principal) -> AccessRequest {
        let p = of.person.clone().unwrap();
        let by = DraftedBy {
            kind: DraftKind::Person,
            person: p.name.clone(),
            engine: None,
            agent: None,
        };
        AccessRequest::open("req_1".into(), &p, by, Utc::now())
    }

    fn names(who: &Principal, r: &AccessRequest) -> Vec<&'static str> {
        permitted(who, r).into_iter().map(Action::as_str).collect()
    }

    #[test]
    fn each_viewer_is_offered_exactly_what_the_service_would_do() {
        let alice = person("alice", Role::Requester);
        let maya = person("maya", Role::Requester);
        let carol = person("carol", Role::Reviewer);
        let victor = person("victor", Role::Admin);
        let now = Utc::now();
        let mut r = request(&alice);
        assert_eq!(names(&alice, &r), ["delete"]);
        assert_eq!(names(&maya, &r), Vec::<&str>::new());
        assert_eq!(names(&carol, &r), ["approve", "deny"]);
        assert_eq!(names(&victor, &r), ["approve", "deny", "delete"]);
        // A reviewer's own request: never approve or deny it.
        assert_eq!(names(&carol, &request(&carol)), ["delete"]);
        // Approved by carol where two are needed: carol may not approve twice.
        r.approvals_required = 2;
        r.approvals.push(Decision {
            reviewer: "carol".into(),
            at: now,
            reason: None,
            rule: None,
        });
        assert_eq!(names(&carol, &r), ["deny"]);
        assert_eq!(names(&victor, &r), ["approve", "deny", "delete"]);

        let mut manual = request(&alice);
        manual.approve(Provisioning::Manual, now).unwrap();
        for who in [&alice, &carol] {
            assert_eq!(names(who, &manual), Vec::<&str>::new());
        }
        assert_eq!(names(&victor, &manual), ["mark provisioned"]);
        // Approved and provisioned by Warden: nothing to press while it runs.
        let mut warden = request(&alice);
        warden.approve(Provisioning::Warden, now).unwrap();
        assert_eq!(names(&victor, &warden), Vec::<&str>::new());

        // Failed: the admins' to retry or deny.
        warden.fail("boom".into(), now).unwrap();
        assert_eq!(names(&carol, &warden), Vec::<&str>::new());
        assert_eq!(names(&victor, &warden), ["deny", "retry"]);

        // Active: reviewers revoke, the requester extends (only when it has an expiry).
        manual.activate(now, None).unwrap();
        assert_eq!(names(&alice, &manual), Vec::<&str>::new());
        assert_eq!(names(&carol, &manual), ["revoke"]);
        let mut timed = request(&alice);
        timed.approve(Provisioning::Manual, now).unwrap();
        timed
            .activate(now, Some(now + chrono::Duration::days(1)))
            .unwrap();
        assert_eq!(names(&alice, &timed), ["extend"]);
        assert_eq!(names(&victor, &timed), ["revoke"]);
        // Being revoked: nothing more.
        timed.start_revoke(now).unwrap();
        assert_eq!(names(&carol, &timed), Vec::<&str>::new());
        assert_eq!(names(&alice, &timed), Vec::<&str>::new());

        // Closed, denied, deleted: no action for anyone.
        manual.close(Ending::Revoked, now).unwrap();
        let mut denied = request(&alice);
        denied
            .deny(
                Decision {
                    reviewer: "carol".into(),
                    at: now,
                    reason: None,
                    rule: None,
                },
                false,
            )
            .unwrap();
        let mut deleted = request(&alice);
        deleted.delete(now).unwrap();
        for r in [&manual, &denied, &deleted] {
            for who in [&alice, &carol, &victor] {
                assert_eq!(names(who, r), Vec::<&str>::new(), "{}", r.status());
            }
        }
    }
}

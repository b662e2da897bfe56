//! `understand()` as a table of named rules, tried in order: the first that applies decides the
//! intent. Each rule reads the same [`Cues`], worked out once per message, and has its own cases
//! in the tests below.

use super::super::parse::Parsed;
use super::super::words::{Class, Cue, Target};
use super::asked::{about_requests, changes_request};
use super::how::how_to_get;
use super::request::{is_request, request};
use super::shape::{object, several_people, starts_with_which_people, subject};
use super::{Intent, SpanInfo, Subject};

/// What the rules read: the message taken apart, its spans looked up, the last question, and
/// what follows from them.
pub struct Cues<'a> {
    p: &'a Parsed,
    infos: &'a [SpanInfo],
    /// The last question, for "he", "she" and "it".
    earlier: Option<&'a Intent>,
    /// The first privilege named.
    privilege: Option<String>,
    /// The span the question is about as an identity.
    subject: Option<&'a SpanInfo>,
    /// The span the question is about as a resource.
    object: Option<&'a SpanInfo>,
    /// It asks who: "who …", "which users …", "does anyone have …" (but "can someone tell me if
    /// maya can read …" does not).
    who_q: bool,
    /// It asks what: "what …", "list …".
    what_q: bool,
}

impl<'a> Cues<'a> {
    fn new(p: &'a Parsed, infos: &'a [SpanInfo], earlier: Option<&'a Intent>) -> Cues<'a> {
        let subject = subject(p, infos);
        let who_q = p.starts_with(Cue::Who)
            || starts_with_which_people(p)
            || p.word("who")
            || p.word("whom")
            || p.has(Cue::Who) && subject.is_none() && !p.me;
        Cues {
            p,
            infos,
            earlier,
            privilege: p.privileges.first().cloned(),
            subject,
            object: object(p, infos, subject),
            who_q,
            what_q: p.starts_with(Cue::What) || p.has(Cue::List),
        }
    }

    /// Who the question is about: the subject span, else the person asking ("I", "my"), else
    /// the last question's subject when a pronoun stands for it.
    fn subject_of(&self, i: Option<&SpanInfo>) -> Option<Subject> {
        match i {
            Some(i) => Some(Subject::Name(i.text.clone())),
            None if self.p.me => Some(Subject::Me),
            None if self.p.pronoun => self.earlier.and_then(Intent::subject),
            None => None,
        }
    }

    /// The privilege a check asks about: the verb's, SELECT when there is none, and
    /// [`WRITE`] for "write" (writing to a table takes INSERT, UPDATE and DELETE: each is checked).
    fn checked_privilege(&self) -> String {
        let verb = self.p.verb_at.and_then(|at| self.p.tokens.get(at));
        if verb.is_some_and(|t| t.lower.starts_with("writ"))
            && self.privilege.as_deref() == Some("INSERT")
        {
            return WRITE.into();
        }
        self.privilege.clone().unwrap_or_else(|| "SELECT".into())
    }

    /// What a who-question is about: the resource the verb points at, else an identity, else
    /// whatever may be a resource.
    fn who_target(&self) -> Option<&'a SpanInfo> {
        object(self.p, self.infos, None)
            .filter(|i| i.resource)
            .or_else(|| self.infos.iter().find(|i| i.identity))
            .or_else(|| self.infos.iter().find(|i| i.maybe_resource()))
    }
}

/// A check of "write": INSERT, UPDATE and DELETE, each checked (the planner expands it).
pub const WRITE: &str = "WRITE";

/// One rule: its name, the kinds of intent it can yield, and when it applies (`None`: not here).
pub struct Rule {
    pub name: &'static str,
    /// The `kind`s of [`Intent`] it yields: documentation the tests hold each rule to.
    #[cfg_attr(not(test), allow(dead_code))]
    pub yields: &'static [&'static str],
    pub apply: fn(&Cues<'_>) -> Option<Intent>,
}

/// The rules, in the order they are tried.
pub const RULES: &[Rule] = &[
    Rule {
        name: "changes_request",
        yields: &["change_request"],
        apply: |c| changes_request(c.p, c.infos),
    },
    Rule {
        name: "about_requests",
        yields: &["requests", "request_status"],
        apply: |c| about_requests(c.p, c.infos),
    },
    Rule {
        name: "how_to_get",
        yields: &["how_to_get"],
        apply: |c| how_to_get(c.p, c.infos, c.earlier),
    },
    Rule {
        name: "off_topic",
        yields: &["unknown"],
        apply: off_topic,
    },
    Rule {
        name: "request",
        yields: &["request"],
        apply: |c| is_request(c.p, c.infos).then(|| request_of(c)),
    },
    Rule {
        name: "search",
        yields: &["search_people", "search_resources"],
        apply: |c| search(c.p, c.infos),
    },
    Rule {
        name: "named",
        yields: &["search_people"],
        apply: named,
    },
    Rule {
        name: "members",
        yields: &["members"],
        apply: members,
    },
    Rule {
        name: "roles",
        yields: &["roles"],
        apply: roles,
    },
    Rule {
        name: "superuser",
        yields: &["roles", "superusers"],
        apply: superuser,
    },
    Rule {
        name: "several",
        yields: &["check_each"],
        apply: several,
    },
    Rule {
        name: "who_is",
        yields: &["search_people", "members"],
        apply: who_is,
    },
    Rule {
        name: "who_has",
        yields: &["who_has"],
        apply: who_has,
    },
    Rule {
        name: "check",
        yields: &["check"],
        apply: check,
    },
    Rule {
        name: "list",
        yields: &["list"],
        apply: list,
    },
    Rule {
        name: "lone_identity",
        yields: &["search_people"],
        apply: lone_identity,
    },
    Rule {
        name: "lone_resource",
        yields: &["who_has"],
        apply: lone_resource,
    },
];

/// The first rule that applies, and what it yields.
fn decide(cues: &Cues<'_>) -> Option<(&'static Rule, Intent)> {
    RULES
        .iter()
        .find_map(|rule| (rule.apply)(cues).map(|intent| (rule, intent)))
}

/// `earlier`: the last question, for "he", "she" and "it".
pub fn understand(p: &Parsed, infos: &[SpanInfo], earlier: Option<&Intent>) -> Intent {
    match decide(&Cues::new(p, infos, earlier)) {
        Some((rule, intent)) => {
            tracing::trace!(rule = rule.name, "understood");
            intent
        }
        None => Intent::Unknown,
    }
}

/// Words that name nothing, in a question without a word about access, are not our business
/// ("what's the capital of Australia").
fn off_topic(c: &Cues<'_>) -> Option<Intent> {
    let p = c.p;
    let about_access = !p.privileges.is_empty()
        || p.generic_access
        || p.has(Cue::Roles)
        || p.has(Cue::Members)
        || p.tokens.iter().any(|t| matches!(t.class, Class::Kind(_)))
        || p.word("request")
        || p.word("requests");
    (!c.infos.is_empty() && !c.infos.iter().any(|i| i.found) && !about_access || composes(p))
        .then_some(Intent::Unknown)
}

/// "write me a sql query that joins …", "can you generate a script …": asked to write something,
/// which is not a question about access ("write access to …" is).
fn composes(p: &Parsed) -> bool {
    let t = &p.tokens;
    let Some(at) = t
        .iter()
        .position(|t| !matches!(t.class, Class::Function | Class::Cue(Cue::Yes)))
    else {
        return false;
    };
    matches!(t[at].lower.as_str(), "write" | "generate" | "compose")
        && t.get(at + 1)
            .is_some_and(|n| matches!(n.lower.as_str(), "me" | "us" | "a" | "an" | "some"))
        // "write me a request for …" drafts one.
        && !p.word("request")
        && !p.word("req")
}

/// "who is Maya Patel", "anyone named Lena": looking a person up.
fn named(c: &Cues<'_>) -> Option<Intent> {
    let p = c.p;
    if (c.who_q || p.has(Cue::Who))
        && (p.word("named") || p.word("called"))
        && let Some(i) = c.infos.first()
    {
        return Some(Intent::SearchPeople {
            query: i.text.clone(),
        });
    }
    None
}

/// Membership: "who is in analyst", "members of the finance team".
fn members(c: &Cues<'_>) -> Option<Intent> {
    let (p, infos, who_q) = (c.p, c.infos, c.who_q);
    let owner_named = c.subject.is_some_and(|s| s.span.possessive);
    let lower: Vec<&str> = p.tokens.iter().map(|t| t.lower.as_str()).collect();
    let phrase = |a: &[&str]| lower.windows(a.len()).any(|w| w == a);
    // "who is in analyst", "which users are in analyst_role" (not "… in the audit log, who is that?").
    // "who's on the sales team", "who is part of data-team": a team or group named.
    let on_team = (phrase(&["who", "is", "on"])
        || phrase(&["is", "part", "of"])
        || phrase(&["who", "is", "part"]))
        && infos.iter().any(|i| i.role);
    let in_role = phrase(&["who", "is", "in"]) || phrase(&["are", "in"]) || on_team;
    if (p.has(Cue::Members) || who_q && (in_role || p.word("granted") || p.has(Cue::Roles)))
        && !owner_named
        && !(p.starts_with(Cue::What) && !starts_with_which_people(p) && !p.word("members"))
        && let Some(role) = infos
            .iter()
            .find(|i| i.identity || i.span.kind == Some(Target::Identity))
            .or_else(|| {
                if who_q {
                    infos.iter().find(|i| i.maybe_identity())
                } else {
                    None
                }
            })
        && (c.object.is_none() || !c.object.is_some_and(|o| o.resource && !o.identity))
    {
        return Some(Intent::Members {
            role: role.text.clone(),
        });
    }
    None
}

/// The roles someone has: "what roles does maya have", "which groups is tom in".
fn roles(c: &Cues<'_>) -> Option<Intent> {
    // "what does the support role have access to": "role" names what the subject is; the
    // question is about its access (the list rule's).
    // "what can that group read": "that group" stands for the last question's group.
    let that_kind = c.p.tokens.windows(2).any(|w| {
        matches!(w[0].lower.as_str(), "that" | "this") && w[1].class == Class::Cue(Cue::Roles)
    });
    let kind_only = (c.subject.is_some_and(|s| s.span.kind_word.is_some()) || that_kind)
        && (c.p.generic_access || !c.p.privileges.is_empty());
    if (c.p.has(Cue::Roles) || c.p.has(Cue::Members))
        && !kind_only
        && c.object.is_none()
        && let Some(subject) = c.subject_of(c.subject)
    {
        return Some(Intent::Roles { subject });
    }
    None
}

/// A request; "request it", "ask for that" names the last question's resource (and its
/// privilege, when the request says none).
fn request_of(c: &Cues<'_>) -> Intent {
    let mut intent = request(c.p, c.infos);
    if let Intent::Request {
        resources,
        privileges,
        roles,
        ..
    } = &mut intent
        && resources.is_empty()
        && roles.is_empty()
        && (c.p.word("it") || c.p.word("that") || c.p.word("this"))
        && let Some(earlier) = c.earlier
    {
        let (resource, privilege) = match earlier {
            Intent::Check {
                resource,
                privilege,
                ..
            }
            | Intent::HowToGet {
                resource,
                privilege,
            } => (Some(resource.clone()), Some(privilege.clone())),
            Intent::WhoHas {
                resource,
                privilege,
            } => (Some(resource.clone()), privilege.clone()),
            _ => (None, None),
        };
        if let Some(r) = resource {
            resources.push(r);
            if c.p.privileges.is_empty()
                && let Some(p) = privilege.filter(|p| p != WRITE)
            {
                *privileges = vec![p];
            }
        }
    }
    intent
}

/// "is root a superuser?", "is victor an admin on snowflake": what an identity is, which
/// `get_identity` says (with its roles).
fn superuser(c: &Cues<'_>) -> Option<Intent> {
    let p = c.p;
    let asked = ["superuser", "super-user", "superusers"]
        .iter()
        .any(|w| p.word(w))
        || p.word("super") && p.word("user");
    if !asked {
        return None;
    }
    match c.infos.iter().find(|i| i.identity && i.found) {
        Some(who) => Some(Intent::Roles {
            subject: Subject::Name(who.text.clone()),
        }),
        // "list all superusers", "who are the superusers": every one.
        None if c.what_q || c.who_q || p.word("superusers") => Some(Intent::Superusers),
        None => None,
    }
}

/// Several people joined into a list and one resource: the same check for each ("do judy, kevin
/// and frank have read on the ledger?", "maya or tom, who can update quotas?").
fn several(c: &Cues<'_>) -> Option<Intent> {
    let people = several_people(c.p, c.infos);
    if people.is_empty() {
        return None;
    }
    let taken = |i: &SpanInfo| people.iter().flatten().any(|p| p.span.at == i.span.at);
    let resource = object(c.p, c.infos, None)
        .filter(|o| !taken(o) && o.maybe_resource())
        .or_else(|| c.infos.iter().find(|i| !taken(i) && i.resource))?;
    let subjects = people
        .iter()
        .map(|p| match p {
            Some(i) => Subject::Name(i.text.clone()),
            None => Subject::Me,
        })
        .collect();
    Some(Intent::CheckEach {
        subjects,
        assumed: c.privilege.is_none(),
        privilege: c.checked_privilege(),
        resource: resource.text.clone(),
    })
}

/// "who is maya" looks a person up; it does not ask about access. "who holds accountadmin",
/// "who has sales_team": a role or group, asked who has it, is asked for its members.
fn who_is(c: &Cues<'_>) -> Option<Intent> {
    let res = c.who_target().filter(|_| c.who_q)?;
    let only_a_name =
        res.identity && !res.resource && c.p.privileges.is_empty() && !c.p.generic_access;
    if !only_a_name {
        return None;
    }
    let holds = ["has", "have", "holds", "hold", "got"]
        .iter()
        .any(|w| c.p.word(w));
    Some(if res.role && holds {
        Intent::Members {
            role: res.text.clone(),
        }
    } else {
        Intent::SearchPeople {
            query: res.text.clone(),
        }
    })
}

/// "who can read sales.orders", "which users are granted it?". Several privileges asked about at
/// once ("who has access, who can change it vs just read it") ask for every holder and what each
/// holds.
fn who_has(c: &Cues<'_>) -> Option<Intent> {
    let res = c.who_target().filter(|_| c.who_q)?;
    Some(Intent::WhoHas {
        resource: res.text.clone(),
        privilege: c.privilege.clone().filter(|_| c.p.privileges.len() < 2),
    })
}

/// Someone and something: "does maya have SELECT on crm.leads"; "can she update it?", where
/// "it" is the last question's resource.
fn check(c: &Cues<'_>) -> Option<Intent> {
    // "everything heidi can see please, shes moving teams": asked for everything, the words
    // that name nothing and follow no preposition are an aside, not a table.
    if c.what_q
        && c.object
            .is_some_and(|o| !o.found && !o.span.after_preposition)
    {
        return None;
    }
    // With no verb and no word about access, only names that name something make a check
    // ("maya crm.leads?"): "book pizza for the sales team friday" is not one.
    let no_verb = c.privilege.is_none() && !c.p.generic_access;
    if no_verb && (c.object.is_some_and(|o| !o.found) || c.subject.is_some_and(|s| !s.found)) {
        return None;
    }
    let object_text = c.object.map(|o| o.text.clone()).or_else(|| {
        c.p.word("it")
            .then(|| c.earlier.and_then(Intent::resource))
            .flatten()
    });
    let (subject, resource) = (c.subject_of(c.subject)?, object_text?);
    Some(Intent::Check {
        subject,
        assumed: c.privilege.is_none(),
        privilege: c.checked_privilege(),
        resource,
    })
}

/// Someone and no resource: "what can tom access?", "maya's access".
fn list(c: &Cues<'_>) -> Option<Intent> {
    let p = c.p;
    if let Some(subject) = c.subject_of(c.subject)
        && (c.what_q
            || p.generic_access
            || !p.privileges.is_empty()
            || c.subject.is_some_and(|s| s.span.possessive))
    {
        return Some(Intent::List {
            subject,
            privilege: c.privilege.clone(),
        });
    }
    None
}

/// A single name that is only a person, and nothing else to go on: look them up.
fn lone_identity(c: &Cues<'_>) -> Option<Intent> {
    match c.infos {
        [only] if only.identity && !only.resource => Some(Intent::SearchPeople {
            query: only.text.clone(),
        }),
        _ => None,
    }
}

/// A single resource with a word about access or a what-question: who has it.
fn lone_resource(c: &Cues<'_>) -> Option<Intent> {
    let p = c.p;
    match c.infos {
        [only] if only.resource && (p.generic_access || !p.privileges.is_empty() || c.what_q) => {
            Some(Intent::WhoHas {
                resource: only.text.clone(),
                privilege: c.privilege.clone(),
            })
        }
        _ => None,
    }
}

/// "find the payroll table", "is there a table for stripe", "do we have a finance team".
fn search(p: &Parsed, infos: &[SpanInfo]) -> Option<Intent> {
    let words: Vec<&str> = p.tokens.iter().map(|t| t.lower.as_str()).collect();
    let phrase = |a: &[&str]| words.windows(a.len()).any(|w| w == a);
    // "what tables do we have for stripe", "which datasets hold revenue": unless someone is named.
    let content: Vec<&Class> = p
        .tokens
        .iter()
        .map(|t| &t.class)
        .filter(|c| **c != Class::Function)
        .take(2)
        .collect();
    let which_tables = matches!(
        content.as_slice(),
        [Class::Cue(Cue::What), Class::Kind(Target::Resource)]
    ) && !p.me
        && !infos.iter().any(|i| i.identity && !i.resource);
    // "find", "search", "look for", "look up" anywhere; "the country_codes lookup" is a noun.
    let find_verb = words.iter().enumerate().any(|(i, w)| {
        matches!(*w, "find" | "search" | "searching" | "locate")
            || matches!(*w, "look" | "looking" | "lookup")
                && (i == 0 || matches!(words.get(i + 1), Some(&"for" | &"up")))
    });
    // "do we have to sort something out" is not "do we have a table".
    let we_have = |a: &[&str]| {
        words
            .windows(a.len() + 1)
            .any(|w| &w[..a.len()] == a && w[a.len()] != "to")
            || words.ends_with(a)
    };
    let finding = p.starts_with(Cue::Find)
        || find_verb && !p.has(Cue::Who)
        || phrase(&["is", "there"])
        || phrase(&["are", "there"])
        || we_have(&["do", "we", "have"])
        || we_have(&["have", "we", "got"])
        || we_have(&["we", "have"])
        || words.first() == Some(&"any")
        || which_tables;
    // Someone and a table both named, with a verb, is a question about access, not a search.
    let check_shaped = infos.iter().any(|i| i.exact && i.identity && !i.resource)
        && infos.iter().any(|i| i.exact && i.resource)
        && (!p.privileges.is_empty() || p.generic_access);
    if !finding || check_shaped {
        return None;
    }
    let people = p
        .tokens
        .iter()
        .any(|t| t.class == Class::Kind(Target::Identity))
        || p.has(Cue::Who)
        || p.has(Cue::Roles);
    let resources = p
        .tokens
        .iter()
        .any(|t| t.class == Class::Kind(Target::Resource));
    let query: Vec<String> = infos.iter().map(|i| i.span.text.clone()).collect();
    let query = query.join(" ");
    if query.is_empty() {
        return None;
    }
    let about_identity = infos.iter().all(|i| i.identity && !i.resource)
        || infos.iter().any(|i| i.exact && i.identity && !i.resource)
            && !infos.iter().any(|i| i.exact && i.resource);
    Some(if !resources && (people || about_identity) {
        Intent::SearchPeople { query }
    } else {
        Intent::SearchResources { query }
    })
}

#[cfg(test)]
mod tests {
    use super::{Cues, RULES, decide};
    use crate::access::Access;
    use crate::chat::embedded::understand::{Intent, Subject, spans};
    use crate::chat::embedded::{normalize, parse};
    use serde_json::json;
    use std::sync::LazyLock;

    static DEMO: LazyLock<Access> = LazyLock::new(|| {
        Access::build(crate::demo::connections().expect("demo")).expect("demo access")
    });

    /// The rule that decides `message` (read over the demo, after `earlier`), and its intent.
    fn fired(message: &str, earlier: Option<&Intent>) -> (&'static str, Intent) {
        let text = normalize(message);
        let p = parse::parse(&*DEMO, &text);
        let infos = spans(&*DEMO, &p);
        match decide(&Cues::new(&p, &infos, earlier)) {
            Some((rule, intent)) => (rule.name, intent),
            None => ("none", Intent::Unknown),
        }
    }

    /// Asserts that each message is decided by `rule`, as the intent given (in its JSON form),
    /// and that the intent is of a kind the rule says it yields.
    fn cases(rule: &str, cases: &[(&str, serde_json::Value)]) {
        cases_after(rule, None, cases);
    }

    fn cases_after(rule: &str, earlier: Option<&Intent>, cases: &[(&str, serde_json::Value)]) {
        let Some(entry) = RULES.iter().find(|r| r.name == rule) else {
            panic!("no rule named {rule}");
        };
        for (message, want) in cases {
            let (name, intent) = fired(message, earlier);
            assert_eq!(name, rule, "{message:?} -> {intent:?}");
            let got = serde_json::to_value(&intent).unwrap();
            assert_eq!(&got, want, "{message:?}");
            let kind = got["kind"].as_str().unwrap();
            assert!(entry.yields.contains(&kind), "{rule} yielded {kind}");
        }
    }

    #[test]
    fn rule_names_are_unique() {
        let mut names: Vec<&str> = RULES.iter().map(|r| r.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), RULES.len());
    }

    #[test]
    fn about_requests() {
        let listed = |status: Option<&str>, requester: serde_json::Value| json!({"kind": "requests", "status": status, "requester": requester});
        cases(
            "about_requests",
            &[
                (
                    "has my access request been looked at yet",
                    listed(None, json!("me")),
                ),
                (
                    "show the tickets i opened that are still pending",
                    listed(Some("open"), json!("me")),
                ),
                (
                    "anything in my review queue?",
                    listed(Some("open"), json!(null)),
                ),
                (
                    "which requests did the reviewers reject last week",
                    listed(Some("denied"), json!(null)),
                ),
                (
                    "expired requests of tom",
                    listed(Some("closed"), json!({"name": "tom"})),
                ),
                (
                    "what happened to REQ_0a1b2c3d",
                    json!({"kind": "request_status", "id": "req_0a1b2c3d"}),
                ),
                (
                    "and the status of that request?",
                    json!({"kind": "request_status", "id": null}),
                ),
            ],
        );
        // Asking for access with a privilege or a table named is drafting, not listing.
        for m in [
            "request read on billing.plans",
            "file a request for crm.leads please",
        ] {
            assert_ne!(fired(m, None).0, "about_requests", "{m}");
        }
    }

    #[test]
    fn changes_request() {
        let change = |duration: Option<&str>, privileges: &[&str], withdraw: bool| json!({"kind": "change_request", "id": null, "duration": duration, "privileges": privileges, "reason": null, "withdraw": withdraw});
        cases(
            "changes_request",
            &[
                ("make it two weeks instead", change(Some("2w"), &[], false)),
                ("pls withdraw that request", change(None, &[], true)),
                ("cancel my request", change(None, &[], true)),
                (
                    "can you change the reason to \u{201c}year end audit\u{201d}",
                    json!({"kind": "change_request", "id": null, "duration": null, "privileges": [], "reason": "year end audit", "withdraw": false}),
                ),
                (
                    "switch the request to select and insert",
                    change(None, &["SELECT", "INSERT"], false),
                ),
                (
                    "delete my last request, wrong table",
                    change(None, &[], true),
                ),
                // Until revoked, said without a number.
                (
                    "make it permanent please, no expiry needed",
                    change(Some(""), &[], false),
                ),
                (
                    "actually change it to no expiry",
                    change(Some(""), &[], false),
                ),
                // Other privileges, the ones after "not" dropped; "write" is three.
                (
                    "hmm i only need insert, not update or delete",
                    change(None, &["INSERT"], false),
                ),
                (
                    "actually just write instead, no select",
                    change(None, &["INSERT", "UPDATE", "DELETE"], false),
                ),
            ],
        );
        // Questions and new requests change nothing.
        for m in [
            "who can only read crm.leads",
            "does maya just have select?",
            "i only need read on crm.leads",
            "set me up with read on crm.leads, reason: the audit",
        ] {
            assert_ne!(fired(m, None).0, "changes_request", "{m}");
        }
    }

    #[test]
    fn superuser() {
        cases(
            "superuser",
            &[
                ("list all superusers", json!({"kind": "superusers"})),
                (
                    "who are the superusers on redshift?",
                    json!({"kind": "superusers"}),
                ),
                (
                    "is walter a super user on the warehouse",
                    json!({"kind": "roles", "subject": {"name": "walter"}}),
                ),
            ],
        );
    }

    #[test]
    fn how_to_get() {
        let how = |p: &str, r: &str| json!({"kind": "how_to_get", "privilege": p, "resource": r});
        cases(
            "how_to_get",
            &[
                (
                    "how can i obtain select on crm.accounts",
                    how("SELECT", "crm.accounts"),
                ),
                (
                    "which role do i need to insert into payroll?",
                    how("INSERT", "payroll"),
                ),
            ],
        );
        let earlier = Intent::Check {
            subject: Subject::Me,
            privilege: "UPDATE".into(),
            resource: "prod.sales.quotas".into(),
            assumed: false,
        };
        cases_after(
            "how_to_get",
            Some(&earlier),
            &[(
                "fine, how would I get that",
                how("UPDATE", "prod.sales.quotas"),
            )],
        );
        // After a question, "request it" asks for what it was about.
        let (rule, intent) = fired("sure, request it for 3 days", Some(&earlier));
        assert_eq!(rule, "request");
        let got = serde_json::to_value(&intent).unwrap();
        assert_eq!(got["resources"], json!(["prod.sales.quotas"]));
        assert_eq!(got["privileges"], json!(["UPDATE"]));
    }

    #[test]
    fn several() {
        let each = |subjects: serde_json::Value, privilege: &str, resource: &str| json!({"kind": "check_each", "subjects": subjects, "privilege": privilege, "resource": resource, "assumed": false});
        cases(
            "several",
            &[
                (
                    "can quinn and erin select from crm.leads",
                    each(
                        json!([{"name": "quinn"}, {"name": "erin"}]),
                        "SELECT",
                        "crm.leads",
                    ),
                ),
                (
                    "heidi, priya or kevin - insert into payroll?",
                    each(
                        json!([{"name": "heidi"}, {"name": "priya"}, {"name": "kevin"}]),
                        "INSERT",
                        "payroll",
                    ),
                ),
                (
                    "can maya and me update quotas",
                    each(json!([{"name": "maya"}, "me"]), "UPDATE", "quotas"),
                ),
            ],
        );
        // One person named as context, another asked about: not a list.
        assert_ne!(
            fired(
                "support wants quinn to fix it, can erin update crm.leads",
                None
            )
            .0,
            "several"
        );
    }

    #[test]
    fn off_topic() {
        let unknown = json!({"kind": "unknown"});
        cases(
            "off_topic",
            &[
                ("what's the weather like", unknown.clone()),
                ("asdfghjkl", unknown.clone()),
                ("tell me a joke", unknown.clone()),
                // Asked to write something: not about access, whatever tables it names.
                ("write me a poem about databases", unknown.clone()),
                (
                    "write me a sql query that joins crm.leads to sales.orders",
                    unknown.clone(),
                ),
                (
                    "can you generate a script for dw.sales.orders",
                    unknown.clone(),
                ),
            ],
        );
    }

    #[test]
    fn request() {
        cases(
            "request",
            &[
                (
                    "I need read access to finance.invoices for 2 weeks because of the quarter close",
                    json!({"kind": "request", "resources": ["finance.invoices"], "privileges": ["SELECT"],
                           "roles": [], "duration": "2w", "reason": "the quarter close", "other": null}),
                ),
                (
                    "I need to load data into dw.marketing.ad_spend for 1 week",
                    json!({"kind": "request", "resources": ["dw.marketing.ad_spend"], "privileges": ["INSERT"],
                           "roles": [], "duration": "1w", "reason": null, "other": null}),
                ),
                (
                    "can I have read access to the acme-prod.marketing dataset for 2 weeks?",
                    json!({"kind": "request", "resources": ["acme-prod.marketing"], "privileges": ["SELECT"],
                           "roles": [], "duration": "2w", "reason": null, "other": null}),
                ),
                (
                    "can u put in a request for select on crm.leads, 1 week",
                    json!({"kind": "request", "resources": ["crm.leads"], "privileges": ["SELECT"],
                           "roles": [], "duration": "1w", "reason": null, "other": null}),
                ),
                // "draft me …" asks for it.
                (
                    "pls draft me update on crm.leads for 3 days",
                    json!({"kind": "request", "resources": ["crm.leads"], "privileges": ["UPDATE"],
                           "roles": [], "duration": "3d", "reason": null, "other": null}),
                ),
                // What is asked for said first, with how long or why, and no verb of asking.
                (
                    "insert on dw.marketing.ad_spend for 2 days reason: reload march",
                    json!({"kind": "request", "resources": ["dw.marketing.ad_spend"], "privileges": ["INSERT"],
                           "roles": [], "duration": "2d", "reason": "reload march", "other": null}),
                ),
                (
                    "three days of delete on crm.leads so that I can drop the test rows",
                    json!({"kind": "request", "resources": ["crm.leads"], "privileges": ["DELETE"],
                           "roles": [], "duration": "3d", "reason": "I can drop the test rows", "other": null}),
                ),
                (
                    "permanent select on sales.orders please",
                    json!({"kind": "request", "resources": ["sales.orders"], "privileges": ["SELECT"],
                           "roles": [], "duration": null, "reason": null, "other": null}),
                ),
            ],
        );
    }

    #[test]
    fn search() {
        cases(
            "search",
            &[
                (
                    "find people named alice",
                    json!({"kind": "search_people", "query": "alice"}),
                ),
                (
                    "is there someone named Niaj Hassan",
                    json!({"kind": "search_people", "query": "Niaj Hassan"}),
                ),
                (
                    "search for invoice tables",
                    json!({"kind": "search_resources", "query": "invoice"}),
                ),
                (
                    "any tables with budgets in the name?",
                    json!({"kind": "search_resources", "query": "budgets"}),
                ),
            ],
        );
    }

    #[test]
    fn named() {
        cases(
            "named",
            &[
                (
                    "anyone named Lena?",
                    json!({"kind": "search_people", "query": "Lena"}),
                ),
                (
                    "anyone called Lena?",
                    json!({"kind": "search_people", "query": "Lena"}),
                ),
                (
                    "who here is called Grace Kim",
                    json!({"kind": "search_people", "query": "Grace Kim"}),
                ),
            ],
        );
    }

    #[test]
    fn members() {
        cases(
            "members",
            &[
                (
                    "who is in the sales_ops role",
                    json!({"kind": "members", "role": "sales_ops"}),
                ),
                (
                    "members of the analysts group on bigquery?",
                    json!({"kind": "members", "role": "analysts"}),
                ),
                (
                    "who is granted the TRANSFORMER role in snowflake?",
                    json!({"kind": "members", "role": "TRANSFORMER"}),
                ),
                (
                    "list the members of data_eng",
                    json!({"kind": "members", "role": "data_eng"}),
                ),
            ],
        );
    }

    #[test]
    fn roles() {
        cases(
            "roles",
            &[
                (
                    "what roles is maya in",
                    json!({"kind": "roles", "subject": {"name": "maya"}}),
                ),
                (
                    "which groups is tom in on redshift?",
                    json!({"kind": "roles", "subject": {"name": "tom"}}),
                ),
                (
                    "what roles does alice@acme.test have in snowflake",
                    json!({"kind": "roles", "subject": {"name": "alice@acme.test"}}),
                ),
                (
                    "what roles and groups does Ivan Petrov belong to?",
                    json!({"kind": "roles", "subject": {"name": "Ivan Petrov"}}),
                ),
            ],
        );
    }

    #[test]
    fn who_is() {
        cases(
            "who_is",
            &[
                (
                    "who is Maya Patel?",
                    json!({"kind": "search_people", "query": "Maya Patel"}),
                ),
                (
                    "who is eve@acme.test?",
                    json!({"kind": "search_people", "query": "eve@acme.test"}),
                ),
                (
                    "I keep seeing 'Rupert Hale' in the audit log, who is that?",
                    json!({"kind": "search_people", "query": "Rupert Hale"}),
                ),
                // A role or group, asked who has it: its members.
                (
                    "who holds SYSADMIN",
                    json!({"kind": "members", "role": "SYSADMIN"}),
                ),
                (
                    "whos got sales_ops?",
                    json!({"kind": "members", "role": "sales_ops"}),
                ),
            ],
        );
    }

    #[test]
    fn who_has() {
        cases(
            "who_has",
            &[
                (
                    "who can read people.salaries?",
                    json!({"kind": "who_has", "resource": "people.salaries", "privilege": "SELECT"}),
                ),
                (
                    "who can see the employees table?",
                    json!({"kind": "who_has", "resource": "employees", "privilege": "SELECT"}),
                ),
                (
                    "experiments table in bigquery: who can delete rows from it?",
                    json!({"kind": "who_has", "resource": "experiments", "privilege": "DELETE"}),
                ),
                (
                    "ad_clicks - who can read it vs who can modify it?",
                    json!({"kind": "who_has", "resource": "ad_clicks", "privilege": null}),
                ),
                // "which of the … folks": a who-question.
                (
                    "which of the sales folks can update quotas",
                    json!({"kind": "who_has", "resource": "quotas", "privilege": "UPDATE"}),
                ),
            ],
        );
    }

    #[test]
    fn check() {
        cases(
            "check",
            &[
                (
                    "does maya have SELECT on crm.leads?",
                    json!({"kind": "check", "subject": {"name": "maya"}, "privilege": "SELECT",
                           "resource": "crm.leads", "assumed": false}),
                ),
                (
                    "Can Kevin O'Brien read the refunds table?",
                    json!({"kind": "check", "subject": {"name": "Kevin O'Brien"}, "privilege": "SELECT",
                           "resource": "refunds", "assumed": false}),
                ),
                (
                    "can maya insert into crm.leads",
                    json!({"kind": "check", "subject": {"name": "maya"}, "privilege": "INSERT",
                           "resource": "crm.leads", "assumed": false}),
                ),
            ],
        );
        // "it" and "she" stand for the last question's resource and subject.
        let earlier = Intent::Check {
            subject: Subject::Name("maya".into()),
            privilege: "SELECT".into(),
            resource: "crm.leads".into(),
            assumed: false,
        };
        cases_after(
            "check",
            Some(&earlier),
            &[(
                "can she update it?",
                json!({"kind": "check", "subject": {"name": "maya"}, "privilege": "UPDATE",
                       "resource": "crm.leads", "assumed": false}),
            )],
        );
    }

    #[test]
    fn list() {
        cases(
            "list",
            &[
                (
                    "what can maya access?",
                    json!({"kind": "list", "subject": {"name": "maya"}, "privilege": null}),
                ),
                (
                    "what does Kevin O'Brien have access to",
                    json!({"kind": "list", "subject": {"name": "Kevin O'Brien"}, "privilege": null}),
                ),
                (
                    "what can tom read?",
                    json!({"kind": "list", "subject": {"name": "tom"}, "privilege": "SELECT"}),
                ),
                // An aside that names nothing is not a table.
                (
                    "everything frank can see please, hes changing jobs",
                    json!({"kind": "list", "subject": {"name": "frank"}, "privilege": "SELECT"}),
                ),
                (
                    "have i got anything in redshift",
                    json!({"kind": "list", "subject": "me", "privilege": null}),
                ),
                (
                    "what can the sales_rep role do",
                    json!({"kind": "list", "subject": {"name": "sales_rep"}, "privilege": null}),
                ),
                (
                    "what can kevin read? every platform",
                    json!({"kind": "list", "subject": {"name": "kevin"}, "privilege": "SELECT"}),
                ),
            ],
        );
    }

    #[test]
    fn that_group_is_the_last_group() {
        let earlier = Intent::Members {
            role: "marketing_team".into(),
        };
        cases_after(
            "list",
            Some(&earlier),
            &[(
                "and what is that group able to read?",
                json!({"kind": "list", "subject": {"name": "marketing_team"}, "privilege": "SELECT"}),
            )],
        );
    }

    #[test]
    fn lone_identity() {
        cases(
            "lone_identity",
            &[
                (
                    "I mean Alice Chen",
                    json!({"kind": "search_people", "query": "Alice Chen"}),
                ),
                (
                    "Alice Liddell",
                    json!({"kind": "search_people", "query": "Alice Liddell"}),
                ),
                ("achen", json!({"kind": "search_people", "query": "achen"})),
            ],
        );
    }

    #[test]
    fn lone_resource() {
        cases(
            "lone_resource",
            &[
                (
                    "what about app_events?",
                    json!({"kind": "who_has", "resource": "app_events", "privilege": null}),
                ),
                (
                    "crm.leads access?",
                    json!({"kind": "who_has", "resource": "crm.leads", "privilege": null}),
                ),
                (
                    "permissions on app_events",
                    json!({"kind": "who_has", "resource": "app_events", "privilege": null}),
                ),
            ],
        );
    }

    #[test]
    fn no_rule_leaves_the_question_unknown() {
        for message in [
            "and payroll?",
            "the one in stripe",
            // No verb, no word about access, and names that name nothing.
            "book pizza for the sales team friday",
            "how do i freeze the header row in google sheets",
        ] {
            assert_eq!(
                fired(message, None),
                ("none", Intent::Unknown),
                "{message:?}"
            );
        }
    }
}

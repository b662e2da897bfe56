//! The label sets of Warden's metrics. Every value comes from a short fixed list or from a
//! name the deployment chose (a route template, a tool, a connection): never from what a caller
//! typed, so a scrape stays small whatever arrives.

use crate::model::people::Principal;
use prometheus_client::encoding::EncodeLabelSet;

/// Who called a tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Caller {
    /// A person's own token, session or Slack.
    Person,
    /// An agent's token.
    Agent,
    /// A chat engine on a person's behalf.
    Chat,
    /// The command line without `--as`.
    Operator,
}

impl Caller {
    fn as_str(self) -> &'static str {
        match self {
            Caller::Person => "person",
            Caller::Agent => "agent",
            Caller::Chat => "chat",
            Caller::Operator => "operator",
        }
    }
}

/// The caller of a tool: an agent's token first (an agent is never "chat"), then a chat
/// engine, then the person or the operator.
pub fn caller_of(who: &Principal, chat: bool) -> Caller {
    match (&who.agent, chat, &who.person) {
        (Some(_), _, _) => Caller::Agent,
        (None, true, _) => Caller::Chat,
        (None, false, Some(_)) => Caller::Person,
        (None, false, None) => Caller::Operator,
    }
}

// Fixed words are `&'static str`: counting a request or a call allocates nothing but the
// route template's copy.

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct HttpLabels {
    route: String,
    method: &'static str,
    status: u16,
}

impl HttpLabels {
    pub fn new(route: &str, method: &'static str, status: u16) -> HttpLabels {
        HttpLabels {
            route: route.into(),
            method,
            status,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct RouteLabels {
    route: String,
    method: &'static str,
}

impl RouteLabels {
    pub fn new(route: &str, method: &'static str) -> RouteLabels {
        RouteLabels {
            route: route.into(),
            method,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct ToolLabels {
    tool: &'static str,
    caller: &'static str,
    outcome: &'static str,
}

impl ToolLabels {
    pub fn new(tool: &'static str, caller: Caller, outcome: &'static str) -> ToolLabels {
        ToolLabels {
            tool,
            caller: caller.as_str(),
            outcome,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct ChatLabels {
    engine: &'static str,
    outcome: &'static str,
}

impl ChatLabels {
    pub fn new(engine: &'static str, outcome: &'static str) -> ChatLabels {
        ChatLabels { engine, outcome }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct JobLabels {
    kind: String,
    outcome: &'static str,
}

impl JobLabels {
    pub fn new(kind: &str, outcome: &'static str) -> JobLabels {
        JobLabels {
            kind: kind.into(),
            outcome,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct ConnectionLabels {
    connection: String,
}

impl ConnectionLabels {
    pub fn of(connection: &str) -> ConnectionLabels {
        ConnectionLabels {
            connection: connection.into(),
        }
    }
}

/// A sync of a connection and how it ended.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct SyncLabels {
    connection: String,
    outcome: &'static str,
}

impl SyncLabels {
    pub fn new(connection: &str, outcome: &'static str) -> SyncLabels {
        SyncLabels {
            connection: connection.into(),
            outcome,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct RequestState {
    state: &'static str,
}

impl RequestState {
    pub fn new(state: &'static str) -> RequestState {
        RequestState { state }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct JobState {
    state: &'static str,
}

impl JobState {
    pub fn new(state: &'static str) -> JobState {
        JobState { state }
    }
}

//! Property tests over arbitrary and hostile input at Warden's public faces: a whole chat turn
//! against the demo organisation, the snapshot parser, the duration parser and every tool's
//! argument parsing. Each input gets an answer or a clean error; none panics, and the work is
//! bounded by the caps (the tests assert the caps, never a time).

use proptest::prelude::*;
use serde_json::{Value, json};
use std::sync::{Arc, LazyLock};
use warden::access::Access;
use warden::app::App;
use warden::chat::{EngineKind, MAX_MESSAGE_CHARS, Toolbox, embedded};
use warden::error::ErrorCode;
use warden::model::Duration;
use warden::people::Principal;

/// The demo organisation in a real app (SQLite store in a temporary dir), maya as a person, and
/// the runtime the async calls are driven on.
struct Demo {
    rt: tokio::runtime::Runtime,
    app: App,
    maya: Principal,
    _dir: tempfile::TempDir,
}

static DEMO: LazyLock<Demo> = LazyLock::new(|| {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (app, maya) = rt.block_on(crate::common::demo_app_with_maya(dir.path()));
    Demo {
        rt,
        app,
        maya,
        _dir: dir,
    }
});

fn access() -> Arc<Access> {
    DEMO.app.access.load()
}

/// Text people and attackers type (see the engine's own property tests for the reading steps).
fn piece() -> impl Strategy<Value = String> {
    let fixed: Vec<&'static str> = vec![
        "\u{2019}",
        "\u{201C}",
        "\u{201D}",
        "'",
        "\"",
        "\u{130}",
        "\u{130} because \u{E9}\u{E9}",
        "e\u{301}\u{302}",
        "\u{1F469}\u{200D}\u{1F4BB}",
        "\u{202E}",
        "\u{200B}",
        "\0",
        "\n",
        " because ",
        " for the ",
        "maya",
        "maya\u{2019}s",
        "tom",
        "sales.orders",
        "warehouse:crm.leads",
        "analyst",
        "who has",
        "can",
        "read",
        "selct",
        "I need",
        "14d",
        "for 2 weeks",
        "approve request 1",
        "what about bob?",
        "the second one",
        "?",
        "a",
    ];
    prop_oneof![
        4 => proptest::sample::select(fixed).prop_map(str::to_owned),
        2 => "[a-z]{1,3}",
        1 => "\\PC{0,6}",
    ]
}

fn message() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::collection::vec(piece(), 0..32).prop_map(|v| v.join(" ")),
        1 => any::<String>(),
        1 => ("[a-z\u{130}\u{2019}]{1,2}", 1usize..2_000).prop_map(|(w, n)| vec![w; n].join(" ")),
    ]
}

/// Any JSON value, its strings drawn from hostile text; nesting bounded.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        piece().prop_map(Value::from),
        (0usize..3_000).prop_map(|n| Value::from("x".repeat(n))),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Arguments for `tool`: an object of its own fields (and sometimes others) with any values, or
/// any JSON value at all.
fn arguments(fields: Vec<String>) -> impl Strategy<Value = Value> {
    let field = prop_oneof![
        4 => proptest::sample::select(fields),
        1 => "[a-z_]{1,10}",
    ];
    prop_oneof![
        4 => prop::collection::btree_map(field, json_value(), 0..6)
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        1 => json_value(),
    ]
}

/// The codes a tool may answer bad or unknown input with.
fn clean(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::InvalidArgument
            | ErrorCode::NotFound
            | ErrorCode::Ambiguous
            | ErrorCode::Forbidden
            | ErrorCode::Conflict
            | ErrorCode::Unprocessable
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_message_gets_an_answer(text in message()) {
        let demo = &*DEMO;
        // The engine alone, on the text as sent: it normalises for itself.
        let answer = demo.rt.block_on(async {
            let mut tb = Toolbox::new(
                access(),
                demo.app.requests.clone(),
                demo.maya.clone(),
                EngineKind::Embedded,
            );
            let mut memory = Value::Null;
            let first = embedded::answer(&mut tb, &mut memory, &text).await;
            // A second turn reads the memory the first one left.
            let second = embedded::answer(&mut tb, &mut memory, &text).await;
            prop_assert!(tb.calls().len() <= 64, "{} tool calls", tb.calls().len());
            Ok((first, second))
        })?;
        prop_assert!(!answer.0.is_empty() && !answer.1.is_empty());
        // And the whole turn: guard, engine, conversation saved.
        let reply = demo.rt.block_on(demo.app.chat(&demo.maya, &text, None, Some(EngineKind::Embedded)));
        match reply {
            Ok(r) => prop_assert!(!r.answer.is_empty()),
            Err(e) => {
                prop_assert_eq!(e.code, ErrorCode::InvalidArgument);
                prop_assert_eq!(e.path.as_deref(), Some("message"));
                prop_assert!(text.trim().is_empty() || text.trim().chars().count() > MAX_MESSAGE_CHARS);
            }
        }
    }

    #[test]
    fn a_page_of_list_access_is_that_slice_of_the_whole(
        who in any::<prop::sample::Index>(),
        from in 0usize..40,
        limit in 0usize..40,
    ) {
        let access = access();
        let everyone: Vec<_> = access
            .graph
            .connections
            .iter()
            .flat_map(|c| (0..c.identities.len()).map(move |i| (c, i)))
            .collect();
        let (c, i) = everyone[who.index(everyone.len())];
        let id = warden::model::IdentityId::new(i as u32);
        let whole = c.list_access(id);
        let page = c.list_access_page(id, from, limit);
        prop_assert_eq!(page.total, whole.entries.len());
        prop_assert_eq!(page.superuser, whole.superuser);
        let end = from.saturating_add(limit).min(whole.entries.len());
        let expected = &whole.entries[from.min(end)..end];
        prop_assert_eq!(&page.entries[..], expected);
    }

    #[test]
    fn durations_parse_or_say_why(text in prop_oneof![
        any::<String>(),
        "[0-9+\\- ]{0,24}[smhdwSMHDW\u{130}\u{2019}]?",
    ]) {
        match Duration::parse(&text) {
            Ok(d) => {
                prop_assert!(d.as_secs() > 0 && d.as_secs() <= 10 * 366 * 86_400);
                prop_assert_eq!(Duration::parse(&d.to_string()), Ok(d));
            }
            Err(m) => prop_assert!(!m.is_empty()),
        }
    }

    #[test]
    fn snapshot_text_parses_or_names_the_fault(text in any::<String>()) {
        if let Err(e) = warden::snapshot::parse_str(&text) {
            prop_assert!(!e.message.is_empty());
        }
    }

    #[test]
    fn a_mutated_snapshot_parses_or_names_the_fault(
        at in any::<prop::sample::Index>(),
        with in json_value(),
        text in piece(),
    ) {
        // The demo snapshot with one value replaced: by hostile text where it held text, by any
        // JSON value elsewhere. Validation sees every field of a real document.
        let mut doc: Value = serde_json::from_str(include_str!("../../src/demo/acme.json")).unwrap();
        let mut leaves = Vec::new();
        paths(&doc, String::new(), &mut leaves);
        let (pointer, is_text) = at.get(&leaves).clone();
        if let Some(slot) = doc.pointer_mut(&pointer) {
            *slot = if is_text { Value::from(text) } else { with };
        }
        for result in [
            warden::snapshot::parse_str(&doc.to_string()),
            warden::snapshot::parse_value(doc.clone()),
        ] {
            if let Err(e) = result {
                prop_assert!(!e.message.is_empty());
            }
        }
    }
}

/// Every value of a document by JSON pointer, and whether it holds text.
fn paths(v: &Value, at: String, out: &mut Vec<(String, bool)>) {
    out.push((at.clone(), v.is_string()));
    match v {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                paths(item, format!("{at}/{i}"), out);
            }
        }
        Value::Object(m) => {
            for (k, item) in m {
                paths(
                    item,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        _ => {}
    }
}

/// Every tool of the registry, on any arguments, through the same call every edge makes (rights,
/// then the argument caps, then the typed parse): an answer or a clean error, as a `Value` and as
/// JSON text.
#[test]
fn every_tool_parses_any_arguments() {
    let demo = &*DEMO;
    let admin = Principal::operator();
    for tool in warden::tools::registry() {
        let fields: Vec<String> = tool.parameters["properties"]
            .as_object()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(64));
        runner
            .run(&arguments(fields), |args| {
                for who in [&admin, &demo.maya] {
                    let result = demo.rt.block_on(warden::tools::invoke(
                        access(),
                        &demo.app.requests,
                        who,
                        None,
                        tool.name,
                        args.clone(),
                    ));
                    if let Err(e) = result {
                        prop_assert!(clean(e.code), "{}: {args}: {e:?}", tool.name);
                    }
                    let bytes = serde_json::to_vec(&args).unwrap();
                    let result = demo.rt.block_on(warden::tools::invoke_bytes(
                        access(),
                        &demo.app.requests,
                        who,
                        tool.name,
                        bytes,
                    ));
                    if let Err(e) = result {
                        prop_assert!(clean(e.code), "{}: {args}: {e:?}", tool.name);
                    }
                }
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{}: {e}", tool.name));
        // And JSON text that is not JSON, or not whole.
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(32));
        runner
            .run(&prop::collection::vec(any::<u8>(), 0..64), |bytes| {
                let result = demo.rt.block_on(warden::tools::invoke_bytes(
                    access(),
                    &demo.app.requests,
                    &admin,
                    tool.name,
                    bytes,
                ));
                if let Err(e) = result {
                    prop_assert!(clean(e.code), "{}: {e:?}", tool.name);
                }
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{}: {e}", tool.name));
    }
}

/// A string argument past its limit is refused before any lookup, naming the field; the limit is
/// in the tool's schema.
#[test]
fn long_arguments_are_refused_naming_the_field() {
    let demo = &*DEMO;
    let admin = Principal::operator();
    let huge = "maya ".repeat(400_000);
    for (tool, field, args) in [
        (
            "check_access",
            "identity",
            json!({"identity": huge, "privilege": "SELECT", "resource": "sales.orders"}),
        ),
        ("who_has_access", "resource", json!({"resource": huge})),
        ("search_identities", "query", json!({"query": huge})),
        ("list_access", "identity", json!({"identity": huge})),
        (
            "create_access_request",
            "resources[1]",
            json!({"resources": ["sales.orders", huge], "privileges": ["SELECT"]}),
        ),
    ] {
        let info = warden::tools::find(tool).unwrap();
        let top = field.split('[').next().unwrap();
        let schema = &info.parameters["properties"][top];
        assert!(
            schema["maxLength"].is_u64() || schema["items"]["maxLength"].is_u64(),
            "{tool}.{top}: {schema}"
        );
        let e = demo
            .rt
            .block_on(warden::app::App::call_tool(
                &demo.app,
                &admin,
                tool,
                args.clone(),
            ))
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidArgument, "{tool}: {e:?}");
        assert_eq!(e.path.as_deref(), Some(field), "{tool}: {e:?}");
        let bytes = serde_json::to_vec(&args).unwrap();
        let e = demo
            .rt
            .block_on(warden::tools::invoke_bytes(
                access(),
                &demo.app.requests,
                &admin,
                tool,
                bytes,
            ))
            .unwrap_err();
        assert_eq!(e.path.as_deref(), Some(field), "{tool}: {e:?}");
    }
}

/// On BigQuery, `list_access` and `check_access` tell the same story: for every identity, table
/// and question privilege of the demo, the list holds (table, privilege) exactly when the check
/// says yes, and with the check's paths among its own (issue 14: the list used to report only the
/// bindings, so "what can uma read" said nothing while the check said yes).
#[test]
fn bigquery_lists_exactly_what_checks_allow() {
    use warden::model::{IdentityId, ResourceId};
    let access = access();
    let (_, g) = access
        .graph
        .connections
        .iter()
        .enumerate()
        .find(|(_, c)| c.platform == warden::model::Platform::Bigquery)
        .expect("the demo has a BigQuery connection");
    let mut compared = 0;
    for i in 0..g.identities.len() {
        let id = IdentityId::new(i as u32);
        let listed = g.list_access(id);
        for r in 0..g.resources.len() {
            let res = &g.resources[r];
            if !res.kind.is_table_like() {
                continue;
            }
            for p in ["SELECT", "INSERT", "UPDATE", "DELETE"] {
                let check = g.check(id, p, ResourceId::new(r as u32));
                let entry = listed
                    .entries
                    .iter()
                    .find(|e| e.resource == res.name && e.privilege == p);
                assert_eq!(
                    check.allowed,
                    entry.is_some(),
                    "{} {p} {}: check {} but list {}",
                    g.identities[i].name,
                    res.name,
                    check.allowed,
                    entry.is_some()
                );
                if let Some(e) = entry {
                    let listed: Vec<&str> = e.paths.iter().map(|p| p.text.as_str()).collect();
                    for path in &check.paths {
                        assert!(
                            listed.contains(&path.text.as_str()),
                            "{} not listed: {listed:?}",
                            path.text
                        );
                    }
                }
                compared += 1;
            }
        }
    }
    assert!(compared > 100, "only {compared} comparisons");
}

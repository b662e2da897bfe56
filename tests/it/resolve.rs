//! Name resolution over the demo organisation: names, emails, display names, dotted suffixes,
//! any case, typos; ambiguity and unknown names are errors that list candidates.

use crate::common::{call, demo, path_texts};
use serde_json::json;

fn check(
    identity: &str,
    privilege: &str,
    resource: &str,
) -> Result<serde_json::Value, serde_json::Value> {
    call(
        &demo(),
        "check_access",
        json!({"identity": identity, "privilege": privilege, "resource": resource}),
    )
}

#[test]
fn people_resolve_by_name_email_and_display_name() {
    for name in ["maya", "MAYA", "maya@acme.test", "Maya@ACME.test"] {
        let r = check(name, "SELECT", "crm.leads").unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(r["identity"], "maya", "{name}");
        assert_eq!(r["connection"], "warehouse");
        assert_eq!(
            path_texts(&r),
            ["maya → sales_ops → crm_read → SELECT on prod.crm.leads"]
        );
    }
    let display = demo();
    let r = call(
        &display,
        "get_identity",
        json!({"identity": "Alice Liddell"}),
    )
    .unwrap();
    let conns: Vec<&str> = r["identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["connection"].as_str().unwrap())
        .collect();
    assert!(
        conns.len() >= 2,
        "Alice Liddell has identities on several platforms: {conns:?}"
    );
    assert!(
        r["identities"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["display_name"] == "Alice Liddell")
    );
}

#[test]
fn resources_resolve_by_suffix_case_and_words() {
    let a = demo();
    let cases = [
        ("crm.leads", "prod.crm.leads"),
        ("prod.crm.leads", "prod.crm.leads"),
        ("CRM.LEADS", "prod.crm.leads"),
        ("the payroll table", "prod.people.payroll"),
        ("payroll", "prod.people.payroll"),
        ("ANALYTICS.CORE.REVENUE", "ANALYTICS.CORE.REVENUE"),
        ("analytics.core.revenue", "ANALYTICS.CORE.REVENUE"),
        ("warehouse:sales.orders", "prod.sales.orders"),
        ("redshift_dw:sales.orders", "dw.sales.orders"),
    ];
    for (text, want) in cases {
        let r = call(&a, "who_has_access", json!({"resource": text}))
            .unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(r["resource"], want, "{text}");
    }
}

#[test]
fn a_typo_is_offered_never_taken() {
    let e = call(&demo(), "who_has_access", json!({"resource": "payrol"})).unwrap_err();
    assert_eq!(e["error"]["code"], "not_found", "{e}");
    let names: Vec<&str> = e["error"]["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"prod.people.payroll"), "{e}");
}

/// Only an exact key resolves silently, and naming a connection only narrows: whatever a name
/// resolves to, with or without `connection`, carries that name as one of its keys, and an
/// answer given with a connection is the one given without (or one of the candidates).
#[test]
fn the_same_words_resolve_the_same_with_and_without_a_connection() {
    let a = demo();
    let connections = warden::demo::connections().unwrap();
    let same = |a: &str, b: &str| a.to_lowercase() == b.to_lowercase();
    let mut resolved = 0;
    for c in &connections {
        let Some(table) = c.resources.iter().find(|r| r.kind.to_string() == "table") else {
            continue;
        };
        let privilege = if c.platform.as_str() == "bigquery" {
            "roles/bigquery.dataViewer"
        } else {
            "SELECT"
        };
        // Names as people type them: exact, another case, first names, last names, typos.
        let mut queries: Vec<String> = Vec::new();
        for other in &connections {
            for i in &other.identities {
                queries.push(i.name.clone());
                queries.push(i.name.to_uppercase());
                if let Some(d) = &i.display_name {
                    queries.extend(d.split_whitespace().map(str::to_string));
                }
                if i.name.len() > 4 {
                    queries.push(i.name[..i.name.len() - 1].to_string());
                }
            }
        }
        queries.sort();
        queries.dedup();
        for q in &queries {
            let scoped = call(
                &a,
                "check_access",
                json!({"identity": q, "privilege": privilege, "resource": table.name, "connection": c.name}),
            );
            let open = call(
                &a,
                "check_access",
                json!({"identity": q, "privilege": privilege, "resource": format!("{}:{}", c.name, table.name)}),
            );
            let Ok(scoped) = scoped else { continue };
            resolved += 1;
            let name = scoped["identity"].as_str().unwrap();
            let ident = c.identities.iter().find(|i| i.name == name).unwrap();
            let keys = [
                Some(ident.name.as_str()),
                ident.email.as_deref(),
                ident.email.as_deref().and_then(|e| e.split('@').next()),
                ident.display_name.as_deref(),
            ];
            assert!(
                keys.iter().flatten().any(|k| same(k, q)),
                "{q:?} in {} resolved to {name}, which it does not name",
                c.name
            );
            match open {
                Ok(o) => assert_eq!(o["identity"], name, "{q:?} in {}", c.name),
                Err(e) => {
                    let listed = e["error"]["candidates"]
                        .as_array()
                        .is_some_and(|cs| cs.iter().any(|x| x["name"] == name));
                    assert!(
                        listed,
                        "{q:?} in {}: {name} with the connection, {e} without",
                        c.name
                    );
                }
            }
        }
    }
    assert!(resolved > 20, "the test resolved too few names: {resolved}");
}

#[test]
fn ambiguous_names_list_candidates_and_never_guess() {
    let e = check("tom", "SELECT", "sales.orders").unwrap_err();
    assert_eq!(e["error"]["code"], "ambiguous", "{e}");
    assert_eq!(e["error"]["path"], "resource");
    let conns: Vec<&str> = e["error"]["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["connection"].as_str().unwrap())
        .collect();
    assert!(
        conns.contains(&"warehouse") && conns.contains(&"redshift_dw"),
        "{e}"
    );

    // "Alice" names the user alice exactly; Alice Chen is found by search, never guessed.
    let a = demo();
    let r = call(&a, "search_identities", json!({"query": "Alice"})).unwrap();
    let names: Vec<&str> = r["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"alice") && names.contains(&"achen"),
        "{names:?}"
    );
    let e = call(
        &a,
        "check_access",
        json!({"identity": "Alice C", "privilege": "SELECT", "resource": "warehouse:crm.leads"}),
    );
    assert!(e.is_err(), "a partial display name is not guessed: {e:?}");
}

#[test]
fn unknown_names_are_not_found_with_suggestions() {
    let e = check("zorro", "SELECT", "crm.leads").unwrap_err();
    assert_eq!(e["error"]["code"], "not_found");
    assert_eq!(e["error"]["path"], "identity");
    assert!(e["error"]["message"].as_str().unwrap().contains("zorro"));

    let e = check("maya", "SELECT", "crm.leeds_archive_2019").unwrap_err();
    assert_eq!(e["error"]["code"], "not_found", "{e}");
    assert_eq!(e["error"]["path"], "resource");
    let names: Vec<&str> = e["error"]["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"prod.crm.leads"),
        "suggests the near miss: {names:?}"
    );

    let e = call(&demo(), "check_access", json!({"identity": "maya", "privilege": "SELECT", "resource": "crm.leads", "connection": "nope"}))
        .unwrap_err();
    assert_eq!(e["error"]["path"], "connection");
}

#[test]
fn a_table_picks_the_identity_of_its_connection() {
    // maya exists on several platforms; each table picks that platform's maya.
    let a = demo();
    for (resource, conn) in [
        ("crm.leads", "warehouse"),
        ("ANALYTICS.CORE.REVENUE", "snowflake"),
    ] {
        let r = call(
            &a,
            "check_access",
            json!({"identity": "maya", "privilege": "SELECT", "resource": resource}),
        )
        .unwrap();
        assert_eq!(r["connection"], conn);
    }
}

#[test]
fn search_tools_rank_exact_matches_first() {
    let a = demo();
    let r = call(&a, "search_identities", json!({"query": "alice"})).unwrap();
    let m = r["matches"].as_array().unwrap();
    assert!(m.len() >= 2);
    assert_eq!(m[0]["score"], 100.0);
    assert!(
        m.iter().any(|x| x["name"] == "achen"),
        "Alice Chen is found by her first name: {r}"
    );
    let r = call(
        &a,
        "search_resources",
        json!({"query": "salaries", "limit": 3}),
    )
    .unwrap();
    assert_eq!(r["matches"][0]["name"], "prod.people.salaries");
    assert!(r["matches"].as_array().unwrap().len() <= 3);
    let e = call(&a, "search_resources", json!({"query": "x", "limit": 0})).unwrap_err();
    assert_eq!(e["error"]["path"], "limit");
}

/// Issue 12 item 4: search-as-you-type lists matches from the first letter. Every name with a
/// word (of its name, email or display name) starting with the letters typed is a match, and
/// nothing else is, counted from the demo's own identities and resources.
#[test]
fn a_one_or_two_letter_search_lists_the_names_with_a_word_starting_so() {
    let access = demo();
    let starts = |texts: &[Option<&str>], prefix: &str| {
        texts.iter().flatten().any(|t| {
            t.split(|c: char| !c.is_alphanumeric())
                .any(|w| w.to_lowercase().starts_with(prefix))
        })
    };
    for prefix in ["a", "al", "m", "fi", "z"] {
        let mut people = std::collections::BTreeSet::new();
        let mut tables = std::collections::BTreeSet::new();
        for c in &access.graph.connections {
            for i in &c.identities {
                let texts = [
                    Some(i.name.as_str()),
                    i.email.as_deref(),
                    i.display_name.as_deref(),
                ];
                if starts(&texts, prefix) {
                    people.insert((c.name.clone(), i.name.clone()));
                }
            }
            for r in &c.resources {
                if starts(&[Some(r.name.as_str())], prefix) {
                    tables.insert((c.name.clone(), r.name.clone()));
                }
            }
        }
        for (tool, expected) in [
            ("search_identities", &people),
            ("search_resources", &tables),
        ] {
            let r = call(&access, tool, json!({"query": prefix, "limit": 100})).unwrap();
            let got: std::collections::BTreeSet<(String, String)> = r["matches"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| {
                    let s = |k: &str| m[k].as_str().unwrap().to_string();
                    (s("connection"), s("name"))
                })
                .collect();
            if expected.len() <= 100 {
                assert_eq!(&got, expected, "{tool} {prefix:?}");
            } else {
                assert_eq!(got.len(), 100, "{tool} {prefix:?}");
                assert!(got.is_subset(expected), "{tool} {prefix:?}");
            }
        }
        if prefix == "a" {
            assert!(
                !people.is_empty() && !tables.is_empty(),
                "the demo has names for {prefix:?}"
            );
        }
    }
}

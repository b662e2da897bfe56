//! Human renderings of tool results: short answer first, then the why.

use serde_json::Value;

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// `Yes. maya has SELECT on prod.crm.leads (warehouse).` and its paths and caveats.
pub fn check(r: &Value) -> String {
    let allowed = r["allowed"].as_bool().unwrap_or(false);
    let mut out = format!(
        "{} {} {} {} on {} ({}).\n",
        if allowed { "Yes." } else { "No." },
        s(&r["identity"]),
        if allowed { "has" } else { "does not have" },
        s(&r["privilege"]),
        s(&r["resource"]),
        s(&r["connection"]),
    );
    for p in r["paths"].as_array().into_iter().flatten() {
        out.push_str(&format!("  through {}\n", s(&p["text"])));
    }
    if r["paths_truncated"].as_bool().unwrap_or(false) {
        out.push_str("  (more paths exist)\n");
    }
    for c in r["caveats"].as_array().into_iter().flatten() {
        out.push_str(&format!("  note ({}): {}\n", s(&c["code"]), s(&c["text"])));
    }
    out
}

/// One line per grantee with the privileges it holds, then its paths.
pub fn who_has(r: &Value) -> String {
    let grantees = r["grantees"].as_array().cloned().unwrap_or_default();
    let what = match r["privilege"].as_str() {
        Some(p) => format!("{p} on"),
        None => "access to".into(),
    };
    let total = r["total"].as_u64().unwrap_or(grantees.len() as u64);
    let mut out = format!(
        "{total} identities have {what} {} ({}).\n",
        s(&r["resource"]),
        s(&r["connection"])
    );
    for g in &grantees {
        let privileges: Vec<&str> = g["privileges"]
            .as_array()
            .into_iter()
            .flatten()
            .map(s)
            .collect();
        out.push_str(&format!(
            "{} ({}): {}\n",
            s(&g["identity"]),
            s(&g["kind"]),
            privileges.join(", ")
        ));
        for p in g["paths"].as_array().into_iter().flatten() {
            out.push_str(&format!("  through {}\n", s(&p["text"])));
        }
    }
    if let Some(next) = r["next_cursor"].as_str() {
        out.push_str(&format!(
            "({} shown; the next page: --cursor {next})\n",
            grantees.len()
        ));
    }
    out
}

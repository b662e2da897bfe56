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

/// The tools as `warden tools` lists them: each name, then its whole description, paragraph by
/// paragraph, wrapped at `width` columns and indented.
pub fn tools(list: &[(&str, &str)], width: usize) -> String {
    let mut out = Vec::new();
    for (name, description) in list {
        let mut block = vec![name.to_string()];
        for paragraph in description.split("\n\n") {
            block.extend(wrap(paragraph, "  ", width));
        }
        out.push(block.join("\n"));
    }
    out.join("\n\n")
}

/// `text`'s words in lines of at most `width` columns (a longer word alone on its line), each
/// line starting with `indent`.
fn wrap(text: &str, indent: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let used = indent.chars().count() + line.chars().count();
        if !line.is_empty() && used + 1 + word.chars().count() > width {
            lines.push(format!("{indent}{line}"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(format!("{indent}{line}"));
    }
    lines
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        /// Wrapping keeps every word, in order, and no line is longer than the width unless it
        /// holds one word alone.
        #[test]
        fn wrap_keeps_words_within_width(
            text in "[a-zé→ \u{2019}\u{201c}\u{0301}\u{1F600}\u{130}\t\n]{0,300}",
            width in 10usize..100,
        ) {
            let lines = super::wrap(&text, "  ", width);
            let words: Vec<&str> = lines.iter().flat_map(|l| l.split_whitespace()).collect();
            prop_assert_eq!(words, text.split_whitespace().collect::<Vec<_>>());
            for l in &lines {
                prop_assert!(l.chars().count() <= width || l.split_whitespace().count() == 1, "{:?}", l);
            }
        }
    }
}

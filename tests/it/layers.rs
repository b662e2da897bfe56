//! No module cycles (issue 11, DESIGN.md "Layers"): among the modules that share a parent, at
//! every level of `src/`, none may use another that (directly or not) uses it back. A module may
//! use its parent's own items; a parent may use its children.
//!
//! The paths a file uses are read from its text (`crate::…`, `super::…`, `self::…`, with `{…}`
//! groups), comments and `#[cfg(test)]` parts left out: a test may reach anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// One edge between sibling modules, with the file and path that made it.
type Edges = BTreeMap<Vec<String>, BTreeMap<String, BTreeMap<String, String>>>;

/// The crate's modules from the top down (DESIGN.md "Layers", lib.rs): each may use only those
/// after it.
const LAYERS: &[&str] = &[
    "cli",
    "server",
    "web",
    "http",
    "slack",
    "sync",
    "drift",
    "app",
    "chat",
    "tools",
    "jobs",
    "audit",
    "requests",
    "demo",
    "synth",
    "people",
    "metrics",
    "access",
    "connectors",
    "index",
    "graph",
    "store",
    "snapshot",
    "config",
    "policy",
    "model",
    "error",
    "fault",
];

#[test]
fn each_top_level_module_uses_only_those_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    collect(&src, &src, &mut files);
    let edges = edges(&files);
    let top = edges.get(&Vec::new()).cloned().unwrap_or_default();
    assert!(top.len() > 10, "read {} modules", top.len());
    let place = |m: &str| LAYERS.iter().position(|l| *l == m);
    let mut up = Vec::new();
    for (from, uses) in &top {
        let Some(at) = place(from) else {
            up.push(format!("{from} is not in LAYERS"));
            continue;
        };
        for (to, why) in uses {
            if place(to).is_none_or(|below| below <= at) {
                up.push(format!("{from} -> {to} ({why})"));
            }
        }
    }
    assert!(up.is_empty(), "uses against the layers:\n{}", up.join("\n"));
}

#[test]
fn no_module_uses_a_sibling_that_uses_it_back() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    collect(&src, &src, &mut files);
    assert!(files.len() > 50, "read {} files under src/", files.len());
    let found = cycles(&files);
    assert!(found.is_empty(), "module cycles:\n{}", found.join("\n"));
}

/// One module layout: a module with children is `foo/mod.rs`, never `foo.rs` beside `foo/`.
#[test]
fn a_module_with_children_lives_in_its_folder_as_mod_rs() {
    fn walk(dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if path.with_extension("rs").is_file() {
                    out.push(format!("{}.rs beside {}/", path.display(), path.display()));
                }
                walk(&path, out);
            }
        }
    }
    let mut both = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut both,
    );
    assert!(both.is_empty(), "{}", both.join("\n"));
}

#[test]
fn a_cycle_between_siblings_is_found_and_a_parent_child_pair_is_not() {
    let file = |path: &str, text: &str| {
        let m: Vec<String> = path.split("::").map(str::to_string).collect();
        (m, text.to_string())
    };
    let files = vec![
        file("a", "pub mod b; pub mod c; use crate::a::b::X;"),
        file("a::b", "use super::{c::Y, Z}; // use crate::d::W;"),
        file("a::c", "fn f() { crate::a::b::g(); }"),
        file(
            "d",
            "use crate::a::c;\n#[cfg(test)]\nmod t { use crate::e::E; }",
        ),
        file("e", "use crate::d::{self};"),
    ];
    let found = cycles(&files);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("in a: b -> c -> b"), "{found:?}");
    // d -> e is only in a test module: no d <-> e cycle.
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(Vec<String>, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(root).unwrap().with_extension("");
            let mut module: Vec<String> = rel
                .iter()
                .map(|s| s.to_string_lossy().into_owned())
                .collect();
            if module.last().is_some_and(|l| l == "mod") {
                module.pop();
            }
            if module == ["lib"] || module == ["main"] {
                module.clear();
            }
            out.push((module, std::fs::read_to_string(&path).unwrap()));
        }
    }
}

/// Every cycle among siblings, one line each: `in store: a -> b -> a (a: file uses path; …)`.
fn cycles(files: &[(Vec<String>, String)]) -> Vec<String> {
    cycles_in(&edges(files))
}

/// Which sibling uses which, under each parent, with the file and path that show it.
fn edges(files: &[(Vec<String>, String)]) -> Edges {
    let modules: BTreeSet<Vec<String>> = files.iter().map(|(m, _)| m.clone()).collect();
    let mut edges: Edges = BTreeMap::new();
    for (module, text) in files {
        if module.is_empty() {
            continue;
        }
        for used in used_paths(module, &code_of(text)) {
            let k = module.iter().zip(&used).take_while(|(a, b)| a == b).count();
            if k < module.len() && k < used.len() && modules.contains(&used[..=k]) {
                edges
                    .entry(module[..k].to_vec())
                    .or_default()
                    .entry(module[k].clone())
                    .or_default()
                    .entry(used[k].clone())
                    .or_insert_with(|| format!("{} uses {}", module.join("::"), used.join("::")));
            }
        }
    }
    edges
}

fn cycles_in(edges: &Edges) -> Vec<String> {
    let mut out = Vec::new();
    for (parent, graph) in edges {
        let mut reported: BTreeSet<BTreeSet<String>> = BTreeSet::new();
        for start in graph.keys() {
            if let Some(cycle) = cycle_from(graph, start) {
                let members: BTreeSet<String> = cycle.iter().cloned().collect();
                if reported.insert(members) {
                    let why: Vec<&str> = cycle
                        .windows(2)
                        .map(|w| graph[&w[0]][&w[1]].as_str())
                        .collect();
                    let name = if parent.is_empty() {
                        "crate".to_string()
                    } else {
                        parent.join("::")
                    };
                    out.push(format!(
                        "in {name}: {} ({})",
                        cycle.join(" -> "),
                        why.join("; ")
                    ));
                }
            }
        }
    }
    out
}

/// The shortest way back to `start` (breadth first), as `start -> … -> start`.
fn cycle_from(
    graph: &BTreeMap<String, BTreeMap<String, String>>,
    start: &str,
) -> Option<Vec<String>> {
    let mut came_from: BTreeMap<String, String> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start.to_string()]);
    while let Some(at) = queue.pop_front() {
        for next in graph.get(&at).into_iter().flat_map(|n| n.keys()) {
            if next == start {
                let mut chain = Vec::new();
                let mut cur = at.clone();
                while cur != start {
                    chain.push(cur.clone());
                    cur = came_from[&cur].clone();
                }
                chain.reverse();
                let mut cycle = vec![start.to_string()];
                cycle.extend(chain);
                cycle.push(start.to_string());
                return Some(cycle);
            }
            if !came_from.contains_key(next) {
                came_from.insert(next.clone(), at.clone());
                queue.push_back(next.clone());
            }
        }
    }
    None
}

/// The text without comments and without what follows the first `#[cfg(test)]`.
fn code_of(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if c == '\\' {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if c == '/' && chars.peek() == Some(&'/') {
            for n in chars.by_ref() {
                if n == '\n' {
                    out.push('\n');
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The absolute module paths `code` (of `module`) names through `crate`, `super` or `self`.
fn used_paths(module: &[String], code: &str) -> Vec<Vec<String>> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts_word = i == 0 || !is_ident(chars[i - 1]) && chars[i - 1] != ':';
        if starts_word && is_ident(chars[i]) {
            let (word, end) = ident(&chars, i);
            let base = match word.as_str() {
                "crate" => Some(Vec::new()),
                "super" => Some(module[..module.len() - 1].to_vec()),
                "self" => Some(module.to_vec()),
                _ => None,
            };
            if let Some(base) = base {
                i = tree(&chars, end, base, &mut out);
                continue;
            }
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

/// Reads `::a::b`, `::{x, y::z}` after a path `prefix`, pushing each full path; returns where it
/// stopped.
fn tree(
    chars: &[char],
    mut i: usize,
    mut prefix: Vec<String>,
    out: &mut Vec<Vec<String>>,
) -> usize {
    loop {
        if !(chars.get(i) == Some(&':') && chars.get(i + 1) == Some(&':')) {
            out.push(prefix);
            return i;
        }
        i = skip_space(chars, i + 2);
        match chars.get(i) {
            Some('{') => {
                i += 1;
                loop {
                    i = skip_space(chars, i);
                    match chars.get(i) {
                        Some('}') => return i + 1,
                        Some(',') => i += 1,
                        Some(c) if is_ident(*c) => {
                            let (word, end) = ident(chars, i);
                            let mut p = prefix.clone();
                            match word.as_str() {
                                "self" => {}
                                "super" => {
                                    p.pop();
                                }
                                _ => p.push(word),
                            }
                            i = tree(chars, end, p, out);
                            // `x as y`: skip the alias.
                            i = skip_space(chars, i);
                            if chars.get(i..i + 2) == Some(&['a', 's'][..]) {
                                i = ident(chars, skip_space(chars, i + 2)).1;
                            }
                        }
                        Some(_) => i += 1,
                        None => return i,
                    }
                }
            }
            Some(c) if is_ident(*c) => {
                let (word, end) = ident(chars, i);
                if word == "super" {
                    prefix.pop();
                } else if word != "self" {
                    prefix.push(word);
                }
                i = end;
            }
            _ => {
                out.push(prefix);
                return i;
            }
        }
    }
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn ident(chars: &[char], start: usize) -> (String, usize) {
    let mut end = start;
    while end < chars.len() && is_ident(chars[end]) {
        end += 1;
    }
    (chars[start..end].iter().collect(), end)
}

fn skip_space(chars: &[char], mut i: usize) -> usize {
    while chars.get(i).is_some_and(|c| c.is_whitespace()) {
        i += 1;
    }
    i
}

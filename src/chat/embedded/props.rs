//! Property tests of the engine's reading steps over arbitrary and hostile text: no panic, and
//! the work bounded by the caps (the names read, the characters kept), whatever the message.

use super::normalize::{MAX_CHARS, normalize};
use super::parse::{MAX_SPANS, parse, purpose};
use super::understand::{spans, understand};
use super::words::tokenize;
use crate::access::Access;
use proptest::prelude::*;
use std::sync::LazyLock;

static DEMO: LazyLock<Access> = LazyLock::new(|| {
    Access::build(crate::demo::connections().expect("demo")).expect("demo access")
});

/// Pieces people and attackers type: curly quotes, letters whose lower case is longer (`İ`),
/// combining marks, an emoji ZWJ sequence, bidi overrides, NUL, possessives, markers the parser
/// cuts at, names of the demo, durations, typos of verbs.
fn piece() -> impl Strategy<Value = String> {
    let fixed: Vec<&'static str> = vec![
        "\u{2019}",
        "\u{2018}",
        "\u{201C}",
        "\u{201D}",
        "'",
        "\"",
        "`",
        "\u{130}",
        "\u{130} because \u{E9}\u{E9}",
        "e\u{301}",
        "\u{1F469}\u{200D}\u{1F4BB}",
        "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}",
        "\u{202E}",
        "\u{2066}",
        "\u{200B}",
        "\u{FEFF}",
        "\0",
        "\n",
        "\t",
        " ",
        "'s",
        "\u{2019}s",
        "s'",
        " because ",
        " because of ",
        " for the ",
        " for ",
        " so that ",
        " to ",
        "maya",
        "Maya\u{2019}s",
        "tom",
        "alice",
        "sales.orders",
        "crm.leads",
        "analyst",
        "Kevin O'Brien",
        "redshift",
        "snowflake",
        "bigquery",
        "who",
        "can",
        "read",
        "select",
        "selct",
        "look at",
        "I need",
        "14d",
        "2 weeks",
        "a couple of days",
        "99999999999999999999 days",
        "the",
        "?",
        ".",
        ":",
        "a",
    ];
    prop_oneof![
        4 => proptest::sample::select(fixed).prop_map(str::to_owned),
        2 => "[a-z]{1,3}",
        1 => any::<char>().prop_map(String::from),
        1 => "\\PC{0,8}",
    ]
}

/// A message of hostile pieces, with or without spaces between them.
fn hostile() -> impl Strategy<Value = String> {
    (prop::collection::vec(piece(), 0..48), any::<bool>())
        .prop_map(|(v, spaced)| if spaced { v.join(" ") } else { v.concat() })
}

/// Any text at all, hostile pieces, or a long run of one short word.
fn message() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => hostile(),
        2 => any::<String>(),
        1 => ("[a-z\u{130}\u{2019}]{1,2}", 1usize..2_500)
            .prop_map(|(w, n)| vec![w; n].join(" ")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn normalising_is_bounded_and_clean(text in message()) {
        let n = normalize(&text);
        prop_assert!(n.chars().count() <= MAX_CHARS);
        let dirty = |c: char| c.is_control() || c == '\u{2019}' || c == '\u{202E}';
        prop_assert!(!n.chars().any(dirty), "{:?}", n);
        prop_assert!(!n.contains("  ") && n.trim() == n);
        prop_assert_eq!(normalize(&n), n.clone());
    }

    #[test]
    fn tokenising_any_text_does_not_panic(text in message()) {
        // Raw text too: tokenising must not rely on the text being normalised to be safe.
        let raw = tokenize(&text);
        prop_assert!(raw.len() <= text.len());
        let n = normalize(&text);
        prop_assert!(tokenize(&n).len() <= n.len());
    }

    #[test]
    fn parsing_and_understanding_any_text_is_bounded(text in message()) {
        for t in [text.clone(), normalize(&text)] {
            let p = parse(&*DEMO, &t);
            prop_assert!(p.spans.len() <= MAX_SPANS);
            let infos = spans(&*DEMO, &p);
            prop_assert!(infos.len() <= MAX_SPANS);
            let intent = understand(&p, &infos, None);
            // Understood twice, with the first as the last question ("he", "it").
            let _ = understand(&p, &infos, Some(&intent));
            let _ = purpose(&t);
            // The guard reads every message first, raw and normalised.
            let _ = crate::chat::guard::refusal(&t);
        }
    }
}

#[test]
fn the_reported_messages_are_read() {
    for text in [
        "can maya\u{2019}s team read sales.orders?",
        "\u{130} because \u{E9}\u{E9}",
        "\u{130}\u{130}\u{130} for the \u{130}\u{130} board deck",
        "MAYA\u{2019}S access",
        "jones\u{2019} access",
    ] {
        let p = parse(&*DEMO, text);
        let _ = understand(&p, &spans(&*DEMO, &p), None);
        let p = parse(&*DEMO, &normalize(text));
        let _ = understand(&p, &spans(&*DEMO, &p), None);
    }
    let p = parse(&*DEMO, "\u{130} because \u{E9}\u{E9}");
    assert_eq!(p.reason.as_deref(), Some("\u{E9}\u{E9}"));
    let t = tokenize(&normalize("can maya\u{2019}s team read sales.orders?"));
    assert!(t.iter().any(|t| t.text == "maya" && t.possessive));
}

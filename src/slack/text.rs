//! Text for Slack: its mrkdwn escaping, its length limits, and times as people read them.

use crate::model::time::parse_stamp;

/// Escapes the three characters Slack's mrkdwn gives meaning to (`&`, `<`, `>`), so that a name
/// or a reason is shown as typed and can never become a link or a mention.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

/// At most `max` characters (Slack refuses longer block texts), cut on a character boundary and
/// never inside an escape, ending in `…` when cut.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    // An escape cut in half would show as `&am`: drop the half.
    if let Some(amp) = out.rfind('&')
        && !out[amp..].contains(';')
    {
        out.truncate(amp);
    }
    out.push('…');
    out
}

/// A stored time as `2026-12-06 10:00 UTC`; `None` when it does not parse.
pub fn when(stamp: &str) -> Option<String> {
    parse_stamp(stamp).map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn escapes_and_clips() {
        assert_eq!(
            esc("<@U1> & <!channel>"),
            "&lt;@U1&gt; &amp; &lt;!channel&gt;"
        );
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip(&esc("a&b"), 3), "a…");
        assert_eq!(
            when("2026-12-06T10:00:00.000000Z").unwrap(),
            "2026-12-06 10:00 UTC"
        );
        assert!(when("soon").is_none());
    }

    proptest! {
        #[test]
        fn clipped_escaped_text_is_short_and_has_no_markup(s in any::<String>(), max in 1usize..50) {
            let out = clip(&esc(&s), max);
            prop_assert!(out.chars().count() <= max);
            prop_assert!(!out.contains('<') && !out.contains('>'));
        }
    }
}

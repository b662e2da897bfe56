//! The one form of a message the embedded engine reads: typographic quotes made straight,
//! control, bidi and zero-width characters gone, whitespace collapsed, and at most
//! [`MAX_CHARS`] characters. Every later step works on this string only, so no offset found in
//! one string is ever used to cut another.

/// The most characters the engine reads of a message: the HTTP edge refuses longer ones, and the
/// engine itself never does more work than this many characters call for.
pub const MAX_CHARS: usize = crate::chat::MAX_MESSAGE_CHARS;

/// The message as the engine reads it.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_CHARS * 4));
    // A space is pending until the next kept character: runs collapse, ends are trimmed.
    let mut space = false;
    let mut kept = 0;
    for c in text.chars() {
        let c = match c {
            // What phones and Macs type for ' and ".
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{FF07}' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{FF02}' => '"',
            c if invisible(c) => continue,
            c if c.is_whitespace() || c.is_control() => ' ',
            c => c,
        };
        if c == ' ' {
            space = !out.is_empty();
            continue;
        }
        if kept >= MAX_CHARS {
            break;
        }
        if space {
            out.push(' ');
            kept += 1;
            space = false;
        }
        out.push(c);
        kept += 1;
    }
    out
}

/// Characters that change how text is shown, never what it says: bidi embeddings, overrides,
/// isolates and marks; zero-width spaces and joiners; the byte-order mark; the soft hyphen;
/// variation selectors. Removed, so "ma\u{200B}ya" is "maya".
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}'
        | '\u{034F}'
        | '\u{061C}'
        | '\u{180E}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}'
        | '\u{E0000}'..='\u{E007F}'
    )
}

#[cfg(test)]
mod tests {
    use super::{MAX_CHARS, normalize};

    #[test]
    fn quotes_straight_invisibles_gone_spaces_collapsed() {
        assert_eq!(
            normalize("  can maya\u{2019}s team read \u{201C}sales.orders\u{201D}?\n"),
            "can maya's team read \"sales.orders\"?"
        );
        assert_eq!(
            normalize("ma\u{200B}ya\u{202E} \0 has\t\t\r\nselect"),
            "maya has select"
        );
        assert_eq!(normalize("\u{FEFF}\u{200D}"), "");
        // An emoji keeps its code points but loses its joiners.
        assert_eq!(
            normalize("\u{1F469}\u{200D}\u{1F4BB}"),
            "\u{1F469}\u{1F4BB}"
        );
    }

    #[test]
    fn never_longer_than_the_cap() {
        let long = "ab ".repeat(MAX_CHARS);
        assert_eq!(normalize(&long).chars().count(), MAX_CHARS);
        let wide = "\u{130}".repeat(MAX_CHARS + 5);
        assert_eq!(normalize(&wide).chars().count(), MAX_CHARS);
    }
}

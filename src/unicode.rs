//! The two Unicode properties the crate needs, from tables generated at build time (see
//! `build.rs`): each is the sorted list of code points where membership flips, so a lookup
//! is a binary search and the wasm carries a few KB instead of a full category table.

include!(concat!(env!("OUT_DIR"), "/unicode_tables.rs"));

fn member(flips: &[u32], c: char) -> bool {
    flips.partition_point(|&flip| flip <= c as u32) % 2 == 1
}

/// `\p{L}`, `\p{M}` or `\p{N}`: a letter, a combining mark or a number.
pub(crate) fn is_letter_mark_or_number(c: char) -> bool {
    member(&LETTER_MARK_NUMBER, c)
}

/// `\p{Cc}`, `\p{Cf}`, `\p{Zl}` or `\p{Zp}`: characters an error message must escape.
pub(crate) fn is_control_format_or_separator(c: char) -> bool {
    member(&CONTROL_FORMAT_SEPARATOR, c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_general_category::{get_general_category, GeneralCategory as G};

    #[test]
    fn the_generated_tables_agree_with_the_general_category_for_every_code_point() {
        for c in (0..=0x10FFFF_u32).filter_map(char::from_u32) {
            let category = get_general_category(c);
            let name = matches!(
                category,
                G::UppercaseLetter | G::LowercaseLetter | G::TitlecaseLetter | G::ModifierLetter
                    | G::OtherLetter | G::NonspacingMark | G::SpacingMark | G::EnclosingMark
                    | G::DecimalNumber | G::LetterNumber | G::OtherNumber
            );
            let escaped = matches!(category, G::Control | G::Format | G::LineSeparator | G::ParagraphSeparator);
            assert_eq!(is_letter_mark_or_number(c), name, "{c:?}");
            assert_eq!(is_control_format_or_separator(c), escaped, "{c:?}");
        }
    }
}

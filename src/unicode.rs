//! The two Unicode properties the crate needs, from tables generated at build time (see
//! `build.rs`): each is the sorted list of code points where membership flips, so a code
//! point is a member when an odd number of flips lie at or below it. The wasm carries about
//! 2 KB instead of a full category table.

include!(concat!(env!("OUT_DIR"), "/unicode_tables.rs"));

/// A sorted list of flips, compressed: cut into blocks of [`FLIPS_PER_BLOCK`], each block
/// is its first flip plus the gaps to the next ones in LEB128, so most flips take one byte
/// instead of four.
pub(crate) struct Flips {
    /// The first flip of each block.
    starts: &'static [u32],
    /// Where each block's gaps begin in `gaps`, then where the last one ends.
    offsets: &'static [u16],
    /// The gaps between consecutive flips of a block.
    gaps: &'static [u8],
}

/// Counts the flips at or below `c`: a binary search for its block, then a walk through
/// at most one block of gaps.
fn member(flips: &Flips, c: char) -> bool {
    let c = c as u32;
    let Some(block) = flips.starts.partition_point(|&start| start <= c).checked_sub(1) else {
        return false;
    };
    let mut flip = flips.starts.get(block).copied().unwrap_or(u32::MAX);
    let start = flips.offsets.get(block).copied().unwrap_or(0);
    let end = flips.offsets.get(block + 1).copied().unwrap_or(0);
    let mut gaps = flips.gaps.get(usize::from(start)..usize::from(end)).unwrap_or(&[]).iter();
    let mut below = block * FLIPS_PER_BLOCK + 1;
    while let Some(gap) = next_gap(&mut gaps) {
        flip = flip.saturating_add(gap);
        if flip > c {
            break;
        }
        below += 1;
    }
    below % 2 == 1
}

/// Decodes one LEB128 gap.
fn next_gap(bytes: &mut std::slice::Iter<'_, u8>) -> Option<u32> {
    let mut gap = 0;
    let mut shift = 0;
    loop {
        let byte = *bytes.next()?;
        gap |= u32::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(gap);
        }
        shift += 7;
    }
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

//! Generates the two Unicode tables the crate needs from `unicode-general-category`, as
//! sorted lists of the code points where membership flips, compressed (see `src/unicode.rs`
//! for the layout). A lookup is a binary search over a few hundred bytes of block starts and
//! a short decode, instead of linking the crate's full category table (~60 KB of wasm).

use std::env;
use std::fs;
use std::path::PathBuf;

use unicode_general_category::{get_general_category, GeneralCategory as G};

fn letter_mark_or_number(category: G) -> bool {
    matches!(
        category,
        G::UppercaseLetter
            | G::LowercaseLetter
            | G::TitlecaseLetter
            | G::ModifierLetter
            | G::OtherLetter
            | G::NonspacingMark
            | G::SpacingMark
            | G::EnclosingMark
            | G::DecimalNumber
            | G::LetterNumber
            | G::OtherNumber
    )
}

fn control_format_or_separator(category: G) -> bool {
    matches!(category, G::Control | G::Format | G::LineSeparator | G::ParagraphSeparator)
}

/// Code points where `member` changes value, starting from "not a member" below 0.
fn boundaries(member: fn(G) -> bool) -> Vec<u32> {
    let mut flips = Vec::new();
    let mut inside = false;
    for code in 0..=0x10FFFF_u32 {
        let now = char::from_u32(code).is_some_and(|c| member(get_general_category(c)));
        if now != inside {
            flips.push(code);
            inside = now;
        }
    }
    flips
}

/// Flips per block: a lookup decodes at most this many gaps after its binary search.
const FLIPS_PER_BLOCK: usize = 32;

/// Appends `value` in LEB128: seven bits a byte, low bits first, the high bit set on every
/// byte but the last.
fn leb128(mut value: u32, out: &mut Vec<u8>) {
    while value >= 0x80 {
        out.push((value & 0x7f) as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// The `Flips` literal of a table: each block's first flip, where its gaps start, and the
/// gaps between consecutive flips of a block in LEB128 (most gaps take one byte).
fn table(name: &str, flips: &[u32]) -> String {
    let (mut starts, mut offsets, mut gaps) = (Vec::new(), Vec::new(), Vec::new());
    for block in flips.chunks(FLIPS_PER_BLOCK) {
        starts.push(block[0]);
        offsets.push(u16::try_from(gaps.len()).expect("the gaps fit u16 offsets"));
        for pair in block.windows(2) {
            leb128(pair[1] - pair[0], &mut gaps);
        }
    }
    offsets.push(u16::try_from(gaps.len()).expect("the gaps fit u16 offsets"));
    format!(
        "pub(crate) static {name}: Flips = Flips {{ starts: &{starts:?}, offsets: &{offsets:?}, gaps: &{gaps:?} }};\n"
    )
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("unicode_tables.rs");
    let source = format!("pub(crate) const FLIPS_PER_BLOCK: usize = {FLIPS_PER_BLOCK};\n")
        + &table("LETTER_MARK_NUMBER", &boundaries(letter_mark_or_number))
        + &table("CONTROL_FORMAT_SEPARATOR", &boundaries(control_format_or_separator));
    fs::write(out, source).expect("OUT_DIR is writable");
}

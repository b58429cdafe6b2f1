//! Generates the two Unicode tables the crate needs from `unicode-general-category`, as
//! sorted lists of the code points where membership flips. A lookup is a binary search over
//! a few KB instead of linking the crate's full category table (~60 KB of wasm).

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

fn table(name: &str, flips: &[u32]) -> String {
    let items: Vec<String> = flips.iter().map(|f| format!("{f:#x}")).collect();
    format!("pub(crate) static {name}: [u32; {}] = [{}];\n", flips.len(), items.join(","))
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("unicode_tables.rs");
    let source = table("LETTER_MARK_NUMBER", &boundaries(letter_mark_or_number))
        + &table("CONTROL_FORMAT_SEPARATOR", &boundaries(control_format_or_separator));
    fs::write(out, source).expect("OUT_DIR is writable");
}

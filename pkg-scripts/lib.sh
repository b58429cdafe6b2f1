# Sourced by every pkg-scripts/* script: repository root, PATH and small helpers.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$ROOT/node_modules/.bin:$PATH"
cd "$ROOT" || exit 1

# The chromium that Debian's package installs; nothing else may be downloaded.
export CHROMIUM=/usr/bin/chromium

# say MESSAGE... — a progress line on stderr.
say() { printf '==> %s\n' "$*" >&2; }

# die MESSAGE... — an error on stderr, then exit 1.
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# locked_version CRATE — the version Cargo.lock pins for CRATE (empty when it is not there).
locked_version() {
  awk -v name="$1" '
    $0 == "[[package]]" { in_pkg = 1; found = 0; next }
    in_pkg && $1 == "name" && $3 == "\"" name "\"" { found = 1; next }
    in_pkg && found && $1 == "version" { gsub(/"/, "", $3); print $3; exit }
  ' Cargo.lock
}

# wasm-opt flags shared by pkg-scripts/build and pkg-scripts/size.
# shellcheck disable=SC2034 # used by the scripts that source this file
# The features rustc's wasm32-unknown-unknown output uses (all on by default since Rust 1.87),
# so wasm-opt may keep them; nothing beyond them, so the output runs wherever the input did.
# --low-memory-unused: rustc's wasm never touches the low 1 KiB (its data starts at 1 MiB and
# the stack grows down from there), so wasm-opt may fold address arithmetic into load/store
# offsets; --converge repeats the passes while the module keeps shrinking. Together they take
# ~1.6 KB off the raw .wasm (~0.5 KB gzipped) for a few more seconds of wasm-opt.
WASM_OPT_FLAGS=(--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
  --enable-mutable-globals --enable-reference-types --enable-multivalue
  --low-memory-unused --converge
  --strip-debug --strip-producers)

# minify_glue FILE — the glue without comments or layout (its JSDoc lives on in the .d.ts;
# names are kept, so stack traces and class names read as before), keeping the first-line
# @ts-self-types directive that Deno reads. Takes the glue from ~9 KB to ~5 KB gzipped.
minify_glue() {
  local directive
  directive="$(head -n1 "$1")"
  [[ "$directive" == '/* @ts-self-types='* ]] || die "$1 no longer starts with a @ts-self-types comment"
  minify_js "$1"
  { echo "$directive"; cat "$1"; } >"$1.min"
  mv "$1.min" "$1"
}

# minify_js FILE — FILE without comments or layout, in place (names kept).
minify_js() {
  esbuild "$1" --log-level=error --legal-comments=none --minify-whitespace --minify-syntax >"$1.min"
  mv "$1.min" "$1"
}

# Sourced by every pkg-scripts/* script: repository root, PATH and small helpers.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$ROOT/node_modules/.bin:$PATH"
cd "$ROOT" || exit 1

# The chromium and chromedriver that Debian's packages install; nothing else may be downloaded.
export CHROMIUM=/usr/bin/chromium
export CHROMEDRIVER=/usr/bin/chromedriver

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

# Sourced by pkg-scripts/bench, pkg-scripts/size and pkg-scripts/memory (after lib.sh): builds
# the package and installs it into bench/ the way a user gets it.
# shellcheck shell=bash

# build_package — pkg-scripts/setup and pkg-scripts/build (fast when nothing changed), unless
# BENCH_NO_BUILD=1, which measures the pkg/ already there. Their output goes to stderr.
build_package() {
  if [ "${BENCH_NO_BUILD:-}" = 1 ]; then
    [ -f pkg/package.json ] || die "BENCH_NO_BUILD=1 but pkg/ has not been built"
    say "using the pkg/ already built (BENCH_NO_BUILD=1)"
    return
  fi
  pkg-scripts/setup >&2
  say "pkg-scripts/build"
  pkg-scripts/build >&2
}

# ensure_bench_deps — `npm ci` in bench/ (the peer libraries, pinned by bench/package-lock.json)
# when node_modules is missing or older than the lock file.
ensure_bench_deps() {
  local stamp=bench/node_modules/.package-lock.json
  [ -f "$stamp" ] && ! [ bench/package-lock.json -nt "$stamp" ] && [ -d bench/node_modules/mitt ] && return
  say "npm ci in bench/ (peer libraries)"
  (cd bench && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}

# install_package — packs pkg/ and installs the tarball into bench/node_modules without saving
# it in bench/package.json, exactly the files and `exports` a user's `npm install` gets.
install_package() {
  local tmp
  tmp="$(mktemp -d)"
  (cd pkg && npm pack --pack-destination "$tmp" --loglevel=warn >/dev/null)
  (cd bench && npm install --no-save --offline --no-audit --no-fund --loglevel=error \
    "$tmp"/wasm-pubsub-*.tgz >/dev/null)
  rm -rf "$tmp"
  say "installed the packed pkg/ into bench/node_modules/wasm-pubsub"
}

#!/usr/bin/env bash
# Builds the `keycellar` binary of one commit twice and requires the two to be byte-identical:
#   supply/reproducible.sh [COMMIT]      (default HEAD; two release builds, many minutes)
# The builds differ in everything that must not matter: checkout directory (different names
# and depths), target directory, $HOME, time (one after the other), time zone and locale.
# They share the toolchain and cargo's download cache (CARGO_HOME), as two builders pinning
# the same toolchain would; remap-rustc.sh hides the paths, and rustc and the linker embed no
# time or host name, and SOURCE_DATE_EPOCH (the commit's time) stands in for the clock
# in C code. Each build's directory is deleted as soon as its binary is copied out.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
commit=$(git -C "$repo" rev-parse --verify "${1:-HEAD}^{commit}")
# Resolved before $HOME changes, so that both builds find the same toolchain and crates.
export CARGO_HOME=${CARGO_HOME:-$HOME/.cargo} RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup}
epoch=$(git -C "$repo" log -1 --format=%ct "$commit")
work=$(mktemp -d "${TMPDIR:-/tmp}/keycellar-reproducible.XXXXXX")
trap 'rm -rf "$work"' EXIT

# build NAME SOURCE-SUBDIRECTORY TZ LANG
build() {
  local root=$work/$1
  local src=$root/$2
  mkdir -p "$src" "$root/home"
  git -C "$repo" archive "$commit" | tar -x -C "$src"
  echo "building $commit in $src"
  (
    cd "$src"
    export HOME=$root/home TZ=$3 LANG=$4 LC_ALL=$4
    # mimalloc's C code embeds __DATE__ and __TIME__ (its verbose statistics print them);
    # GCC takes both from SOURCE_DATE_EPOCH instead of the clock: the commit's time.
    export SOURCE_DATE_EPOCH=$epoch
    export CARGO_TARGET_DIR=$root/target KEYCELLAR_REPRO_TARGET=$root/target
    export KEYCELLAR_REPRO_SRC=$src RUSTC_WRAPPER=$repo/supply/remap-rustc.sh
    # The C code of mimalloc: the same mapping for __FILE__ and debug paths.
    export CFLAGS="-ffile-prefix-map=$CARGO_HOME=/cargo -ffile-prefix-map=$root/target=/target"
    cargo build --quiet --release --locked --bin keycellar
  )
  cp "$root/target/release/keycellar" "$work/keycellar-$1"
  rm -rf "$root"
}

build first keycellar UTC C.UTF-8
build second elsewhere/deeper/kc America/Los_Angeles C
if cmp "$work/keycellar-first" "$work/keycellar-second"; then
  echo "reproducible: two builds of $commit give the same keycellar," \
    "sha256 $(sha256sum <"$work/keycellar-first" | cut -d' ' -f1)"
else
  echo "NOT reproducible: the two builds of $commit differ" >&2
  # Kept for diagnosis (diffoscope, or `readelf -S` and `cmp -l` to see which sections).
  kept=$(mktemp -d "${TMPDIR:-/tmp}/keycellar-reproducible-diff.XXXXXX")
  cp "$work/keycellar-first" "$work/keycellar-second" "$kept/"
  echo "the two binaries are kept in $kept" >&2
  exit 1
fi

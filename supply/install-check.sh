#!/usr/bin/env bash
# Proves that the packaged command installs as a user would install it: packages the library
# and the command (`cargo package`, which also builds each package from its .crate), then, in
# an empty directory, runs `cargo install --locked` on the unpacked keycellar-cli .crate, with
# crates.io replaced by a local copy holding the vendored dependencies and the packaged library
# (keycellar is not on crates.io). Offline after `cargo package`. Not in CI: minutes of builds.
#   supply/install-check.sh [--debug]     (--debug: a quicker debug build of the install)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
cargo package --locked -p keycellar -p keycellar-cli
work=$(mktemp -d "${TMPDIR:-/tmp}/keycellar-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' crates/keycellar/Cargo.toml | head -n1)
cargo vendor --quiet --locked --offline "$work/vendor" >/dev/null
library=target/package/keycellar-$version.crate
tar -xzf "$library" -C "$work/vendor"
mv "$work/vendor/keycellar-$version" "$work/vendor/keycellar"
printf '{"files":{},"package":"%s"}\n' "$(sha256sum <"$library" | cut -d' ' -f1)" \
  >"$work/vendor/keycellar/.cargo-checksum.json"
tar -xzf "target/package/keycellar-cli-$version.crate" -C "$work"
# `cargo install --path` reads configuration from the installed package's directory.
mkdir -p "$work/clean" "$work/keycellar-cli-$version/.cargo"
cat >"$work/keycellar-cli-$version/.cargo/config.toml" <<TOML
[source.crates-io]
replace-with = "vendored"
[source.vendored]
directory = "$work/vendor"
TOML
cd "$work/clean"
cargo install --offline --locked "$@" --root "$work/root" --path "$work/keycellar-cli-$version"
"$work/root/bin/keycellar" --version
echo "cargo install --locked from the packaged keycellar-cli works"

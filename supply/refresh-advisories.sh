#!/usr/bin/env bash
# Refreshes supply/advisory-db/ from a checkout of the RustSec advisory database:
#   supply/refresh-advisories.sh PATH/TO/advisory-db
# The check runs without network, so the advisories it reads live in the repository. Only the
# advisories of crates named in the lock files are kept (the whole crates/ tree is 8 MiB), and
# CRATES lists the names looked up: supply/deny.sh refuses to run when a locked crate is not in
# it, so a lock-file change that adds a crate asks for a refresh rather than passing unchecked.
set -euo pipefail
source_db=${1:?usage: $0 PATH/TO/advisory-db}
cd "$(dirname "$0")/.."
test -d "$source_db/crates" || { echo "$source_db has no crates/ directory" >&2; exit 1; }

vendored=supply/advisory-db
rm -rf "$vendored"
mkdir -p "$vendored/crates"
supply/locked-crates.sh >"$vendored/CRATES"
while read -r name; do
  if [[ -d $source_db/crates/$name ]]; then
    cp -r "$source_db/crates/$name" "$vendored/crates/"
  fi
done <"$vendored/CRATES"
cp "$source_db/LICENSE.txt" "$vendored/"
if git -C "$source_db" rev-parse HEAD >/dev/null 2>&1; then
  printf 'rustsec/advisory-db commit %s, committed %s\n' \
    "$(git -C "$source_db" rev-parse HEAD)" "$(git -C "$source_db" show -s --format=%cI HEAD)" \
    >"$vendored/SNAPSHOT"
else
  head -n1 "$source_db/SNAPSHOT" >"$vendored/SNAPSHOT"
fi
echo "crates/ advisories of the crates in CRATES only (CC0-1.0, LICENSE.txt)" >>"$vendored/SNAPSHOT"
echo "vendored $(ls "$vendored/crates" | wc -l) crates' advisories from $(head -n1 "$vendored/SNAPSHOT")"

#!/usr/bin/env bash
# The dependency check (deny.toml), run by .ci/run, with no network: advisories from the
# snapshot vendored in supply/advisory-db/, licenses, sources, yanked crates and duplicate
# versions. Then the proof that it can fail: the same check on supply/vulnerable/, whose lock
# file holds a version with a known advisory, must refuse it.
#   supply/deny.sh           (needs cargo-deny, pinned in .ci/run, and git)
# The checks run with --frozen (no index update, no database fetch), so every locked crate
# must be downloaded first: the fetches below are the only network use (CI's builds cover
# the default members only, not the test plugin's or the fuzzers' crates).
set -euo pipefail
cd "$(dirname "$0")/.."

# A locked crate the snapshot was not cut for would pass unchecked: ask for a refresh instead.
missing=$(LC_ALL=C comm -23 <(supply/locked-crates.sh) supply/advisory-db/CRATES)
if [[ -n $missing ]]; then
  echo "supply/advisory-db/ was cut before these crates were locked:" $missing >&2
  echo "refresh it: supply/refresh-advisories.sh PATH/TO/advisory-db (README.md)" >&2
  exit 1
fi

# cargo-deny opens its database as a git repository named after the database's URL (deny.toml
# keeps the RustSec URL, so the directory name is the one cargo-deny derives from it) and reads
# the commit's date; the commit is dated as the snapshot was taken, so the date is true.
dbs=$PWD/target/advisory-dbs
db=$dbs/advisory-db-3157b0e258782691
snapshot_date=$(sed -n '1s/.*committed \([^;]*\);.*/\1/p' supply/advisory-db/SNAPSHOT)
rm -rf "$db"
mkdir -p "$db"
cp -r supply/advisory-db/. "$db/"
(
  cd "$db"
  export GIT_AUTHOR_DATE=$snapshot_date GIT_COMMITTER_DATE=$snapshot_date
  git init --quiet
  git add --all
  git -c user.name=keycellar -c user.email=keycellar@invalid commit --quiet \
    -m "$(head -n1 SNAPSHOT)"
)
export KEYCELLAR_ADVISORY_DBS=$dbs

cargo fetch --quiet --locked
cargo deny --frozen --color never --config deny.toml check
echo "dependency check passed"

# The fixture's one crate (26 KiB) is not among the workspace's; fetching it is the only
# network use, before the offline check.
cargo fetch --quiet --locked --manifest-path supply/vulnerable/Cargo.toml
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if cargo deny --frozen --color never --config deny.toml \
  --manifest-path supply/vulnerable/Cargo.toml check advisories >"$log" 2>&1; then
  cat "$log" >&2
  echo "the check passed a lock file with a known-vulnerable crate (supply/vulnerable/)" >&2
  exit 1
fi
if ! grep -q 'RUSTSEC-2021-0003' "$log"; then
  cat "$log" >&2
  echo "the check refused supply/vulnerable/ but not for RUSTSEC-2021-0003" >&2
  exit 1
fi
echo "known-vulnerable lock file refused (RUSTSEC-2021-0003), as it must be"

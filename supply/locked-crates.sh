#!/usr/bin/env bash
# Prints, sorted and once each, the name of every crate in the workspace's Cargo.lock and in
# the lock file of the known-vulnerable fixture (supply/vulnerable/).
set -euo pipefail
cd "$(dirname "$0")/.."
sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.lock supply/vulnerable/Cargo.lock | LC_ALL=C sort -u

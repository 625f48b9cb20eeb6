#!/usr/bin/env bash
# Signing round trip p50/p99 and signatures per second from one Python client through
# keycellar's signing socket, side by side with the same Kraken HMAC computed in-process by
# Python (docs/PERFORMANCE.md, "Signing"). Figures, not a timed test.
#
#   bench/sign.sh [REQUESTS]     default 20000
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet -p keycellar --example sign_server
server="${CARGO_TARGET_DIR:-target}/release/examples/sign_server"
coproc SERVER { exec "$server"; }
read -r socket <&"${SERVER[0]}"
python3 bench/sign.py "$socket" "${1:-20000}"
# Closing its standard input stops the service, which removes its socket.
exec {SERVER[1]}>&-
wait "$SERVER_PID"

#!/usr/bin/env bash
# Builds the fuzz targets with libFuzzer's coverage instrumentation on the stable toolchain
# (the flags cargo-fuzz passes, without a sanitizer, which would need nightly; see
# rustc-wrapper.sh) and runs each
# for SECONDS, its corpus seeded from fixtures/vectors and fuzz/seeds.
#
#   fuzz/run.sh [SECONDS] [TARGET...]     default: 20 seconds, every target
#   fuzz/run.sh 3600 open                 a long run of one target
#
# A crash leaves its input in fuzz/artifacts/TARGET/; copy it to fuzz/regressions/TARGET/,
# where `cargo test --test fuzz_regressions` replays it in every normal test run, then fix.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-20}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(header open payload export_doc paper_text qr_chunk)
# Its own target directory: the instrumented keycellar must never be linked into the
# normal binary.
export CARGO_TARGET_DIR=$PWD/target
RUSTC_WRAPPER="$PWD/rustc-wrapper.sh" cargo build --locked --profile fuzz -p keycellar-fuzz --bins
seed() {
    local target=$1 corpus=corpus/$1
    mkdir -p "$corpus" "artifacts/$target" "regressions/$target"
    case $target in
        header | open) cp ../fixtures/vault-v1.kc ../fixtures/vectors/vault/*.kc "$corpus"/ ;;
        paper_text) cp ../fixtures/vectors/paper/*.txt ../fixtures/vectors/paper-kc2/*.txt ../fixtures/vectors/shares/*.txt "$corpus"/ ;;
    esac
    if [ -d "seeds/$target" ]; then cp "seeds/$target"/* "$corpus"/; fi
    if compgen -G "regressions/$target/*" > /dev/null; then cp "regressions/$target"/* "$corpus"/; fi
}
for target in "${targets[@]}"; do
    seed "$target"
    echo "== fuzzing $target for ${seconds}s"
    "target/fuzz/$target" "corpus/$target" -max_total_time="$seconds" \
        -artifact_prefix="artifacts/$target/" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 2>&1 | grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss|==|.*(panicked|ERROR|crash))' || true
    if compgen -G "artifacts/$target/*" > /dev/null; then
        echo "fuzz target $target found a crash: see fuzz/artifacts/$target/" >&2
        exit 1
    fi
done

#!/bin/sh
# RUSTC_WRAPPER for run.sh: adds libFuzzer's coverage instrumentation to keycellar and the
# fuzz targets only. Dependencies build plainly: their coverage is not what we fuzz, and
# leaving them alone halves the build.
rustc=$1
shift
case " $* " in
    *" --crate-name keycellar "* | *" --crate-name keycellar_fuzz "* | *" fuzz_targets/"*)
        exec "$rustc" "$@" -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
            -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
            -Cllvm-args=-sanitizer-coverage-pc-table \
            -Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing ;;
    *) exec "$rustc" "$@" ;;
esac

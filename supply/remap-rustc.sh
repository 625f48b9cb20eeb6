#!/bin/sh
# RUSTC_WRAPPER for reproducible.sh: maps the build's own directories (its checkout, its
# target directory, cargo's home with the dependencies' sources) to fixed names in everything
# rustc writes (panic locations, debug info), so that where a build ran leaves no trace.
# Passed through a wrapper rather than RUSTFLAGS so that the differing paths never reach
# cargo's own hashes.
rustc=$1
shift
case " $* " in
    *" --crate-name "*)
        exec "$rustc" "$@" \
            "--remap-path-prefix=$CARGO_HOME=/cargo" \
            "--remap-path-prefix=$KEYCELLAR_REPRO_TARGET=/target" \
            "--remap-path-prefix=$KEYCELLAR_REPRO_SRC=/keycellar" ;;
    *) exec "$rustc" "$@" ;;
esac

#!/usr/bin/env bash
# Measures keycellar side by side with reference tools and prints one table of ratios
# (docs/PERFORMANCE.md holds the last run). Needs the Debian packages argon2, age, time,
# poppler-utils and python3; run after README's setup.
#
#   bench/compare.sh                  full run (1 GiB KDF case, more repeats)
#   bench/compare.sh --quick          under 2 minutes: fewer repeats, no 1 GiB case
#   bench/compare.sh --against REV    also builds revision REV (git) and puts its figures for
#                                     the command rows beside this tree's, run by run
#                                     interleaved, so a regression shows the day it lands
set -euo pipefail
cd "$(dirname "$0")/.."
quick=false against=
while (($#)); do
    case $1 in
        --quick) quick=true; shift ;;
        --against) against=${2:?--against needs a revision}; shift 2 ;;
        *) echo "usage: bench/compare.sh [--quick] [--against REV]" >&2; exit 2 ;;
    esac
done
missing=()
for tool in argon2 age age-keygen pdftoppm pdfinfo python3; do
    command -v "$tool" > /dev/null || missing+=("$tool")
done
[ -x /usr/bin/time ] || missing+=(/usr/bin/time)
if ((${#missing[@]})); then
    echo "bench/compare.sh needs ${missing[*]}: apt-get install argon2 age time poppler-utils python3" >&2
    exit 1
fi
# Repeats: few for the seconds-long KDF and print rows, more for the millisecond rows.
kdf_runs=9 runs=21
$quick && kdf_runs=5 runs=9
trap 'echo "bench/compare.sh: the command at line $LINENO failed" >&2' ERR
cargo build --release --locked --quiet --bin keycellar
# Where cargo put it (CARGO_TARGET_DIR or build.target-dir may move it from ./target).
target_dir=$(cargo metadata --format-version 1 --no-deps --locked |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
kc=$target_dir/release/keycellar
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The other revision: its files (git archive, no checkout), built in a target directory of its
# own that later runs reuse.
kc_against=
if [ -n "$against" ]; then
    rev=$(git rev-parse --verify --short "$against^{commit}")
    mkdir "$work/against"
    git archive "$rev" | tar -x -C "$work/against"
    (cd "$work/against" && CARGO_TARGET_DIR="$target_dir/against" cargo build --release --locked --quiet --bin keycellar)
    kc_against=$target_dir/against/release/keycellar
fi
# Private, as keycellar asks of a passphrase file (it warns otherwise).
(umask 077; echo 'bench passphrase, a test value' > "$work/pass")

now_us() { local t=$EPOCHREALTIME; echo "${t//[^0-9]/}"; } # bash's clock: no process forked
# ms [-n RUNS] [-b PREPARE] [-i STDIN] CMD...: median wall milliseconds of running CMD.
# PREPARE is shell code run untimed before each run (e.g. a fresh copy of a vault).
ms() {
    local n=$runs prepare=: stdin=/dev/null
    while :; do
        case $1 in
            -n) n=$2; shift 2 ;;
            -b) prepare=$2; shift 2 ;;
            -i) stdin=$2; shift 2 ;;
            *) break ;;
        esac
    done
    local t=() s
    for _ in $(seq "$n"); do
        eval "$prepare"
        s=$(now_us)
        "$@" < "$stdin" > /dev/null 2>&1 || { echo "bench command failed: $*" >&2; exit 1; }
        t+=($(($(now_us) - s)))
    done
    median "${t[@]}" | awk '{printf "%.1f", $1 / 1000}'
}
median() { printf '%s\n' "$@" | sort -g | sed -n "$((($# + 1) / 2))p"; }
peak_mib() { /usr/bin/time -f %M "$@" 2>&1 > /dev/null | tail -1 | awk '{printf "%d", $1/1024}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
minus() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a - b }'; }
row() { printf '| %s | %s | %s | %s | %s |\n' "$@"; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%d GiB", $2/1048576}' /proc/meminfo), $(uname -m); $(date -u +%Y-%m-%d)"
row measurement keycellar reference ratio target
row --- --- --- --- ---

# 1. Argon2id against the reference C implementation (Debian's argon2 CLI), same parameters.
kdf_case() { # memory_kib log2 passes lanes target
    # keycellar's side is the binary opening an empty vault made with these parameters:
    # the wait a person has, allocator and process start included, as for the CLI.
    local v=$work/kdf$1.kc ours=() ref=()
    "$kc" --vault "$v" --passphrase-file "$work/pass" init --kdf-memory $(($1 / 1024)) --kdf-time "$3" --kdf-parallelism "$4" > /dev/null 2>&1
    # Interleaved run by run, so that a noisy moment on a shared machine hits both sides.
    for _ in $(seq "$kdf_runs"); do
        ours+=("$(ms -n 1 "$kc" --vault "$v" --passphrase-file "$work/pass" status)")
        ref+=("$(ms -n 1 -i "$work/password" argon2 somesaltsomesalt -id -m "$2" -t "$3" -p "$4" -l 32 -r)")
    done
    ours=$(median "${ours[@]}") ref=$(median "${ref[@]}")
    row "Argon2id m=$(($1 / 1024)) MiB t=$3 p=$4 (ms)" "$ours" "$ref" "$(ratio "$ours" "$ref")" "<= $5"
}
printf password > "$work/password"
kdf_case 262144 18 3 4 1.05
$quick || kdf_case 1048576 20 2 4 1.15

# Vaults of N Kraken-shaped entries with a tiny KDF, so command time is all overhead.
make_vault() { # n -> $work/vN.kc
    local n=$1 v=$work/v$1.kc
    "$kc" --vault "$v" --passphrase-file "$work/pass" init --kdf-memory 1 --kdf-time 1 --kdf-parallelism 1 2> /dev/null > /dev/null
    python3 - "$n" > "$work/entries$n.json" <<'PY'
import base64, hashlib, json, sys
n = int(sys.argv[1])
out = []
for i in range(n):
    seed = hashlib.sha512(str(i).encode()).digest()
    out.append({"label": f"kraken-{i:05d}", "exchange": "kraken",
                "api_key": base64.b64encode(seed[:42]).decode(),
                "secret": base64.b64encode(seed).decode(),
                "permissions": ["query-funds"]})
json.dump(out, sys.stdout)
PY
    "$kc" --vault "$v" --passphrase-file "$work/pass" add --from-json "$work/entries$n.json" > /dev/null
}
# 2. Command overhead at 10, 1,000 and 10,000 entries (one tiny KDF included).
sizes=(10 1000 10000)
for n in "${sizes[@]}"; do make_vault "$n"; done
r=$(age-keygen 2> /dev/null | tee "$work/id.txt" | sed -n 's/^# public key: //p')
printf 'FRs+gtq09rR7OFtKj9BGhyOGS3u5vtY/EdiIBO9kD8NFtRX7w7LeJDSrX6cq1D8zmQmGkWFjksuhBvKOAWJohQ==' > "$work/s"
once() { # BINARY COMMAND N: milliseconds of one run of COMMAND on the N-entry vault
    local v=$work/v$3.kc
    # add and export change the vault (an export records itself in it), so each run
    # gets a fresh copy, made before the clock starts.
    local fresh="cp '$v' '$work/x.kc'"
    case $2 in
        add) ms -n 1 -b "$fresh" "$1" --vault "$work/x.kc" --passphrase-file "$work/pass" add new --exchange kraken --key CJbfPw4tnbf/9en/ZmpewCTKEwmmzO18LXZcHQcu7HPLWre4l8+V9I3y --secret-file "$work/s" ;;
        export) ms -n 1 -b "$fresh" "$1" --vault "$work/x.kc" --passphrase-file "$work/pass" export -o "$work/e$3.age" --force -r "$r" ;;
        *) ms -n 1 "$1" --vault "$v" --passphrase-file "$work/pass" "$2" ;;
    esac
}
for cmd in list verify add export; do
    cells=() others=()
    for n in "${sizes[@]}"; do
        ours=() theirs=()
        for _ in $(seq "$runs"); do # interleaved, so that a noisy moment hits both sides
            ours+=("$(once "$kc" "$cmd" "$n")")
            [ -z "$kc_against" ] || theirs+=("$(once "$kc_against" "$cmd" "$n")")
        done
        t=$(median "${ours[@]}")
        cells+=("$t")
        [ -z "$kc_against" ] || others+=("$(median "${theirs[@]}")")
        [ "$cmd$n" = list10000 ] && open10k=$t
        [ "$cmd$n" = export10000 ] && export10k=$t
    done
    if [ -z "$kc_against" ]; then
        row "\`$cmd\` at 10 / 1,000 / 10,000 entries (ms)" "${cells[0]} / ${cells[1]} / ${cells[2]}" "-" "x$(ratio "${cells[2]}" "${cells[1]}") for 10x entries" "<= 50 ms at 10,000"
    else
        row "\`$cmd\` at 10 / 1,000 / 10,000 entries (ms), this tree vs $rev" "${cells[0]} / ${cells[1]} / ${cells[2]}" "${others[0]} / ${others[1]} / ${others[2]}" "$(ratio "${cells[2]}" "${others[2]}") at 10,000" "<= 50 ms at 10,000"
    fi
done

# 2b. exec to the child's start (the child is `true`), 10 entries: through an unlocked agent
#     (no passphrase, no key derivation) against opening the vault itself with the tiny KDF.
#     The agent's socket and the run lock are in the user's own state directory (they come
#     from the uid, not the environment), named for this bench's vault and key, so they meet
#     nothing of the user's; XDG_STATE_HOME keeps the run records out of the user's own.
in_rt=(env XDG_STATE_HOME="$work/state" KEYCELLAR_AGENT_SOCK=)
"${in_rt[@]}" "$kc" --vault "$work/v10.kc" --passphrase-file "$work/pass" agent start > /dev/null
trap '"${in_rt[@]}" "$kc" --vault "$work/v10.kc" agent stop > /dev/null 2>&1; rm -rf "$work"' EXIT
agent_ms=() local_ms=()
for _ in $(seq "$runs"); do # interleaved, so that a noisy moment hits both sides
    agent_ms+=("$(ms -n 1 "${in_rt[@]}" "$kc" --vault "$work/v10.kc" exec kraken-00000 -- true)")
    local_ms+=("$(ms -n 1 "${in_rt[@]}" "$kc" --vault "$work/v10.kc" --no-agent --passphrase-file "$work/pass" exec kraken-00000 -- true)")
done
agent_ms=$(median "${agent_ms[@]}") local_ms=$(median "${local_ms[@]}")
"${in_rt[@]}" "$kc" --vault "$work/v10.kc" agent stop > /dev/null
row "exec to the child's start through the agent vs without (tiny KDF) (ms)" "$agent_ms" "$local_ms" "$(ratio "$agent_ms" "$local_ms")" "<= 20 ms through the agent"

# 3. Export of 10,000 entries against stock age encrypting the same JSON to the same key.
age -d -i "$work/id.txt" "$work/e10000.age" > "$work/plain.json"
ref=$(ms age -e -r "$r" -o "$work/y.age" "$work/plain.json")
row "export 10,000 entries vs \`age -e\` (ms)" "$export10k" "$ref" "$(ratio "$export10k" "$ref")" "<= 1.2"
# Without the cost of opening the vault (the `list` time above), which age does not have.
beyond=$(minus "$export10k" "$open10k")
row "export 10,000 entries beyond opening the vault vs \`age -e\` (ms)" "$beyond" "$ref" "$(ratio "$beyond" "$ref")" "<= 1.2"

# 4. print of 50 Kraken entries on A4, to a recipient: with the tiny KDF, all of the time
#    is beyond the key derivation.
make_vault 50
t=$(ms -n "$kdf_runs" "$kc" --vault "$work/v50.kc" --passphrase-file "$work/pass" print -o "$work/p.pdf" --force -r "$r")
pages=$(pdfinfo "$work/p.pdf" | awk '/^Pages:/ {print $2}')
row "print 50 Kraken entries (ms; PDF KiB; A4 pages)" "$t; $(($(stat -c %s "$work/p.pdf") / 1024)); $pages" "-" "-" "<= 500 ms, <= 512 KiB, <= 20 pages"

# 5. restore --image: every page of a 3-entry sheet (cover, codes, typed text) rendered at
#    300 dpi, restored in one run; the figure is per page.
make_vault 3
"$kc" --vault "$work/v3.kc" --passphrase-file "$work/pass" print -o "$work/p3.pdf" -r "$r" > /dev/null
pdftoppm -r 300 -png "$work/p3.pdf" "$work/page"
pages=("$work"/page*.png)
images=()
for p in "${pages[@]}"; do images+=(--image "$p"); done
t=$(ms -n "$kdf_runs" -b "rm -f '$work/r.kc'" "$kc" --vault "$work/r.kc" --passphrase-file "$work/pass" restore --init --kdf-memory 1 --kdf-time 1 --kdf-parallelism 1 -i "$work/id.txt" "${images[@]}" --dry-run)
row "restore --image, 300 dpi A4 (ms per page; ${#pages[@]} pages)" "$(awk -v t="$t" -v p="${#pages[@]}" 'BEGIN { printf "%.0f", t / p }')" "-" "-" "<= 1000"

# 6. Peak memory with the default KDF (256 MiB): Argon2 memory plus at most 64 MiB.
"$kc" --vault "$work/big.kc" --passphrase-file "$work/pass" init > /dev/null 2>&1
"$kc" --vault "$work/big.kc" --passphrase-file "$work/pass" add --from-json "$work/entries1000.json" > /dev/null
for cmd in list verify status; do
    row "peak memory \`$cmd\`, 256 MiB KDF, 1,000 entries (MiB)" "$(peak_mib "$kc" --vault "$work/big.kc" --passphrase-file "$work/pass" $cmd)" "-" "-" "<= 320"
done
row "peak memory \`export\` (MiB)" "$(peak_mib "$kc" --vault "$work/big.kc" --passphrase-file "$work/pass" export -o "$work/b.age" -r "$r")" "-" "-" "<= 320"
row "peak memory \`print\` (MiB)" "$(peak_mib "$kc" --vault "$work/big.kc" --passphrase-file "$work/pass" print -o "$work/b.pdf" -r "$r" kraken-00001)" "-" "-" "<= 320"

#!/usr/bin/env bash
# Runs every fuzz target of fuzz/ for SECONDS seconds each (default 60) and
# exits non-zero if any of them crashed, naming the target and the input
# that crashed it (fuzz/artifacts/<target>/).
#
#   scripts/fuzz.sh 60
#
# The committed corpus (fuzz/corpus/<target>) seeds each run; the inputs a
# run finds go to a scratch directory, removed at the end, so the corpus
# stays small. Not part of CI: see fuzz/README.md.
set -euo pipefail

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [[ "$seconds" -eq 0 ]]; then
    echo "usage: $0 [SECONDS]   (seconds per target, default 60)" >&2
    exit 2
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fuzz="$root/fuzz"
targets=(scan_file document_edits jsonrpc_message config_toml)

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

# libFuzzer needs unstable compiler flags (sanitizers, coverage): nightly
# if there is one, else stable told to allow them.
toolchain=()
if command -v rustup >/dev/null && rustup toolchain list | grep -q '^nightly'; then
    toolchain=(+nightly)
else
    export RUSTC_BOOTSTRAP=1
fi

# cargo-fuzz builds in fuzz/target; a CARGO_TARGET_DIR meant for the main
# crate would send these instrumented builds there.
unset CARGO_TARGET_DIR

scratch="$(mktemp -d "${TMPDIR:-/tmp}/custodia-fuzz.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
# The harnesses write their temporary files here (see fuzz/README.md).
export CUSTODIA_FUZZ_SCRATCH="$scratch"

cargo "${toolchain[@]}" fuzz build --fuzz-dir "$fuzz"

failed=()
for target in "${targets[@]}"; do
    mkdir -p "$scratch/corpus/$target" "$fuzz/corpus/$target"
    log="$scratch/$target.log"
    echo "== $target: ${seconds}s"
    started=$SECONDS
    status=0
    # New inputs go to the first directory, the scratch one.
    cargo "${toolchain[@]}" fuzz run --fuzz-dir "$fuzz" "$target" \
        "$scratch/corpus/$target" "$fuzz/corpus/$target" \
        -- -max_total_time="$seconds" -timeout=120 -print_final_stats=1 >"$log" 2>&1 || status=$?
    # The last progress line (coverage, corpus, speed), then the totals.
    grep -E '^#[0-9]+' "$log" | tail -n 1 || true
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' "$log" || true
    echo "   $((SECONDS - started))s, exit status $status"
    if [[ $status -ne 0 ]]; then
        artifact="$(grep -oE 'Test unit written to [^ ]+' "$log" | tail -n 1 | sed 's/^Test unit written to //' || true)"
        echo "!! $target crashed; input: ${artifact:-(none written)}" >&2
        tail -n 60 "$log" >&2
        failed+=("$target ${artifact:-}")
    fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
    echo >&2
    echo "crashes:" >&2
    printf '  %s\n' "${failed[@]}" >&2
    echo "reproduce: cargo ${toolchain[*]} fuzz run --fuzz-dir fuzz TARGET ARTIFACT" >&2
    exit 1
fi
echo "no crash in ${#targets[@]} targets, ${seconds}s each"

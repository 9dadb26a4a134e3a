#!/usr/bin/env bash
# Reliability suite: what trusted storage engines run besides their unit tests.
#
#   1. fuzzing: every cargo-fuzz target of core/fuzz for VQUEUE_FUZZ_SECONDS
#      each (default 30), corpora seeded from the golden queues;
#   2. simulated power loss (core/tests/power_loss.rs): the trace of
#      VQUEUE_POWER_LOSS_STEPS scripted operations (default 30), every crash
#      state it allows checked;
#   3. scale (core/tests/scale.rs): VQUEUE_SCALE_MESSAGES messages (default
#      1,000,000), the writer process restarted every
#      VQUEUE_SCALE_RESTART_EVERY (default 100,000), four consumer processes
#      and cleanup alongside.
#
# VQUEUE_RELIABILITY_LONG=1 runs the long variant: 10 minutes per fuzz
# target, and for power loss 200 operations, every byte cut of the torn
# writes and every combination of the files' pending changes.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The last release checked to build with the toolchain in rust-toolchain.toml.
CARGO_FUZZ_VERSION=0.13.2

if ! command -v cargo >/dev/null 2>&1; then
    echo "SKIPPED reliability: cargo not on PATH"
    exit 0
fi

LONG=${VQUEUE_RELIABILITY_LONG:-0}
if [[ "$LONG" == 1 ]]; then
    FUZZ_SECONDS=${VQUEUE_FUZZ_SECONDS:-600}
    export VQUEUE_POWER_LOSS_EVERY_BYTE=1
    export VQUEUE_POWER_LOSS_EXHAUSTIVE=1
    export VQUEUE_POWER_LOSS_STEPS=${VQUEUE_POWER_LOSS_STEPS:-200}
else
    FUZZ_SECONDS=${VQUEUE_FUZZ_SECONDS:-30}
    export VQUEUE_POWER_LOSS_STEPS=${VQUEUE_POWER_LOSS_STEPS:-30}
fi
export VQUEUE_SCALE_MESSAGES=${VQUEUE_SCALE_MESSAGES:-1000000}
export VQUEUE_SCALE_RESTART_EVERY=${VQUEUE_SCALE_RESTART_EVERY:-100000}

FIXTURES=${VQUEUE_FIXTURES:-../shared/fixtures}
SUMMARY=()

# ---------------------------------------------------------------- fuzzing

if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
    echo "--> installing cargo-fuzz $CARGO_FUZZ_VERSION"
    start=$(date +%s)
    cargo install --locked cargo-fuzz --version "$CARGO_FUZZ_VERSION"
    echo "--> cargo-fuzz installed in $(( $(date +%s) - start ))s"
fi
cargo fuzz --version

# cargo-fuzz passes nightly-only flags to rustc; RUSTC_BOOTSTRAP lets the
# pinned stable toolchain accept them. No sanitizer (-s none): the stable
# toolchain ships no sanitizer runtimes. The targets enforce the allocation
# bound themselves (core/fuzz/src/lib.rs), and libFuzzer still finds
# panics, aborts, hangs (-timeout) and runaway memory (-rss_limit_mb).
export RUSTC_BOOTSTRAP=1
FUZZ=(cargo fuzz)
FUZZ_FLAGS=(--fuzz-dir core/fuzz -s none)

# Seeds: small pieces of the golden queues, made at run time in the ignored
# corpus folders (the fixtures are not copied into the repository).
SEP=$'\n--vqueue-file--\n'
seed() { # seed TARGET NAME: stdin becomes one seed
    mkdir -p "core/fuzz/corpus/$1"
    cat >"core/fuzz/corpus/$1/seed-$2"
}
le64() { # little-endian 8 bytes of $1
    local v=$1 i out=""
    for i in 0 1 2 3 4 5 6 7; do
        out+=$(printf '\\x%02x' $(( (v >> (8 * i)) & 255 )))
    done
    printf '%b' "$out"
}
# The seeds are cut with head/tail pipelines whose writers may end by SIGPIPE
# once head has what it needs; that is not a failure.
set +o pipefail
if [[ -d "$FIXTURES" ]]; then
    n=0
    while IFS= read -r -d '' data; do
        n=$((n + 1))
        size=$(stat -c %s "$data")
        { head -c 25 "$data"; le64 0; le64 "$size"; head -c 64 "$data" | tail -c 39; } | seed record_header "$n"
        part=$(dirname "$data")
        q=$(basename "$data" _queue)
        base=$(dirname "$part")
        id=${part##*-}
        [[ -f "$part/${q}_info_push" ]] && seed info_push "$n" <"$part/${q}_info_push"
        if [[ -f "$part/${q}_dict" ]]; then
            # The first record's stored body, when it is compressed.
            len=$(od -An -tu4 -j8 -N4 "$data" | tr -d ' ')
            if (( len > 0 && len < 65536 )); then
                { cat "$part/${q}_dict"; printf '%s' "$SEP"; tail -c +26 "$data" | head -c "$len"; } | seed v3_record "$n"
            fi
        fi
        {
            printf '%s' "$q"
            for f in "$base/${q}_info_queue" "$part/${q}_info_push" "$data" "$part/${q}_dict"; do
                printf '%s' "$SEP"
                if [[ -f "$f" ]]; then head -c 16384 "$f"; fi
            done
        } | seed queue_dir "$n-$id"
    done < <(find "$FIXTURES" -path '*-[0-9]*/*_queue' -type f -print0 | sort -z | head -z -n 40)
    m=0
    while IFS= read -r -d '' f; do
        m=$((m + 1))
        case "$f" in
            *_info_queue) seed info_queue "$m" <"$f" ;;
            *_info_pop_*.lock) ;;
            *_info_pop_*) { cat "$f"; if [[ -f "$f.lock" ]]; then printf '%s' "$SEP"; cat "$f.lock"; fi; } | seed info_pop "$m" ;;
        esac
    done < <(find "$FIXTURES" -maxdepth 2 -type f -name '*_info_*' -print0 | sort -z)
    echo "--> seeded corpora from $FIXTURES ($n part files)"
else
    echo "--> no golden queues at $FIXTURES; the fuzzers start from empty corpora"
fi
set -o pipefail

echo "--> building fuzz targets"
start=$(date +%s)
"${FUZZ[@]}" build "${FUZZ_FLAGS[@]}" -O
echo "--> built in $(( $(date +%s) - start ))s"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
for target in $("${FUZZ[@]}" list --fuzz-dir core/fuzz); do
    mkdir -p "core/fuzz/corpus/$target"
    echo "--> fuzz $target for ${FUZZ_SECONDS}s"
    set +e
    "${FUZZ[@]}" run "${FUZZ_FLAGS[@]}" -O "$target" "core/fuzz/corpus/$target" -- \
        -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=1024 -max_len=65536 \
        -print_final_stats=1 2>&1 | tee "$log" | grep -E '^(#[0-9]+\s+(INITED|DONE)|Done |==|SUMMARY|thread|fuzz:)' || true
    rc=${PIPESTATUS[0]}
    set -e
    runs=$(grep -oE '^stat::number_of_executed_units: [0-9]+' "$log" | grep -oE '[0-9]+$' || echo 0)
    if (( rc != 0 )); then
        tail -n 40 "$log"
        echo "reliability suite: fuzz target $target failed (exit $rc); the input is under core/fuzz/artifacts/$target"
        exit 1
    fi
    SUMMARY+=("fuzz $target: $runs executions in ${FUZZ_SECONDS}s, no failure")
done

# ------------------------------------------------ power loss and scale

if ! cargo nextest --version >/dev/null 2>&1; then
    # The version the rust suite pins, read from it so the two cannot differ.
    NEXTEST_VERSION=$(sed -n 's/^NEXTEST_VERSION=//p' ci/suite-rust.sh)
    echo "--> installing cargo-nextest $NEXTEST_VERSION (not found)"
    cargo install --locked cargo-nextest --version "$NEXTEST_VERSION" \
        --no-default-features --features default-no-update
fi
for t in power_loss scale; do
    echo "--> cargo nextest run -p vqueue-core --test $t"
    set +e
    cargo nextest run -p vqueue-core --test "$t" --profile ci --no-capture 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    set -e
    if ! grep -qE '^\s*Summary \[' "$log"; then
        echo "reliability suite: nextest printed no summary line for $t (exit $rc)"
        exit $(( rc == 0 ? 1 : rc ))
    fi
    (( rc == 0 )) || exit "$rc"
    SUMMARY+=("$(grep -E '^(power loss|scale):' "$log" | tail -n 1)")
done

echo "==> reliability summary"
for line in "${SUMMARY[@]}"; do
    echo "    $line"
done

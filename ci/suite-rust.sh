#!/usr/bin/env bash
# Rust suite: every test of the workspace under cargo-nextest (CI profile in
# .config/nextest.toml), plus the doctests, which nextest does not run.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v cargo >/dev/null 2>&1; then
    echo "SKIPPED rust: cargo not on PATH"
    exit 0
fi

source ci/ensure-nextest.sh

# `cargo test --doc` closes with "0 passed" when there is nothing to run, which
# reads like a suite that tests nothing; only run it when a doc example exists.
if grep -rqE '^\s*//[/!]\s*```' --include='*.rs' core/src bindings/*/src 2>/dev/null; then
    echo "--> doctests"
    cargo test --doc --workspace
fi

echo "--> cargo nextest run --workspace --all-targets --profile ci"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
cargo nextest run --workspace --all-targets --profile ci 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e

# nextest ends with "Summary [...] N tests run: ..."; if it did not get that
# far (build failure, crash), say so in one line the log reader can find.
if ! grep -qE '^\s*Summary \[' "$log"; then
    echo "rust suite: nextest printed no summary line (exit $rc)"
    exit $(( rc == 0 ? 1 : rc ))
fi
exit "$rc"

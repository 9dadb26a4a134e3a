#!/usr/bin/env bash
# Rust suite: every test of the workspace under cargo-nextest (CI profile in
# .config/nextest.toml), plus the doctests, which nextest does not run.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v cargo >/dev/null 2>&1; then
    echo "SKIPPED rust: cargo not on PATH"
    exit 0
fi

# shellcheck source=ci/nextest.sh
source ci/nextest.sh

# `cargo test --doc` closes with "0 passed" when there is nothing to run, which
# reads like a suite that tests nothing; only run it when a doc example exists.
if grep -rqE '^\s*//[/!]\s*```' --include='*.rs' core/src bindings/*/src 2>/dev/null; then
    echo "--> doctests"
    cargo test --doc --workspace
fi

run_nextest rust --workspace --all-targets --profile ci

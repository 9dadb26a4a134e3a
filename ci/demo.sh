#!/usr/bin/env bash
# Shows the main job of v-queue: a queue written by the engine, read by two
# consumers, then described by `vqueue info`. Builds what it needs.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

base=$(mktemp -d -t vqueue-demo.XXXXXX)
trap 'rm -rf "$base"' EXIT

echo "==> building (release)"
cargo build --release -q -p vqueue-core --example demo -p vqueue-cli

echo
echo "==> cargo run --release -p vqueue-core --example demo"
cargo run --release -q -p vqueue-core --example demo -- "$base"

echo
echo "==> vqueue info <base> demo"
cargo run --release -q -p vqueue-cli -- info "$base" demo

if [[ -f ci/demo-python.sh ]]; then
    echo
    echo "==> ci/demo-python.sh"
    bash ci/demo-python.sh
fi

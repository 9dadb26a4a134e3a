#!/usr/bin/env bash
# Generates the UniFFI Python module of vqueue-ffi (`vqueue_uniffi.py`) and
# copies the library beside it, into OUT_DIR: a build output, never committed.
#
#   ci/gen-uniffi-python.sh OUT_DIR [release|debug]   (default: release)
#
# The conformance suite calls it with `debug`, the profile its other runners
# are built with.
set -euo pipefail

out=${1:?usage: ci/gen-uniffi-python.sh OUT_DIR [release|debug]}
profile=${2:-release}
cd "$(dirname "${BASH_SOURCE[0]}")/.."
case "$(uname -s)" in
    Darwin) lib=libvqueue_ffi.dylib ;;
    *) lib=libvqueue_ffi.so ;;
esac
case "$profile" in
    release) flags=(--release) ;;
    debug) flags=() ;;
    *) echo "ci/gen-uniffi-python.sh: unknown profile '$profile' (release or debug)" >&2; exit 2 ;;
esac

# One package per build, as kotlin/scripts/native.sh builds them: built
# together, they would share dependency features, and the library would be
# compiled a second time for the Kotlin runner.
cargo build -q "${flags[@]}" -p vqueue-ffi
cargo build -q "${flags[@]}" -p uniffi-bindgen
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
mkdir -p "$out"
"$target_dir/$profile/uniffi-bindgen" generate --library "$target_dir/$profile/$lib" \
    --language python --out-dir "$out" --no-format >/dev/null
cp "$target_dir/$profile/$lib" "$out/"
echo "generated $out/vqueue_uniffi.py"

#!/usr/bin/env bash
# Generates the Python module of the UniFFI surface:
#   ci/gen-uniffi-python.sh OUT_DIR
# writes OUT_DIR/vqueue_uniffi.py and the library it loads,
# OUT_DIR/libvqueue_ffi.so (release build), so that `import vqueue_uniffi`
# works with OUT_DIR on sys.path. Distinct from the PyO3 package `vqueue`.
set -euo pipefail

out=${1:?usage: ci/gen-uniffi-python.sh OUT_DIR}
cd "$(dirname "${BASH_SOURCE[0]}")/.."
case "$(uname -s)" in
    Darwin) lib=libvqueue_ffi.dylib ;;
    *) lib=libvqueue_ffi.so ;;
esac

cargo build --release -p vqueue-ffi
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
mkdir -p "$out"
cargo run -q -p uniffi-bindgen -- generate --library "$target_dir/release/$lib" \
    --language python --out-dir "$out" --no-format
cp "$target_dir/release/$lib" "$out/"
echo "generated $out/vqueue_uniffi.py"

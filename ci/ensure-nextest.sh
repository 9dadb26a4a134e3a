# Sourced by the suites that run Rust tests: installs cargo-nextest at a
# pinned version when it is missing.

# The last release checked to build with the toolchain in rust-toolchain.toml.
NEXTEST_VERSION=0.9.151

if ! cargo nextest --version >/dev/null 2>&1; then
    echo "--> installing cargo-nextest $NEXTEST_VERSION (not found)"
    nextest_start=$(date +%s)
    # Without the self-update feature: fewer crates to build, nothing to phone home.
    cargo install --locked cargo-nextest --version "$NEXTEST_VERSION" \
        --no-default-features --features default-no-update
    echo "--> cargo-nextest installed in $(( $(date +%s) - nextest_start ))s"
fi
cargo nextest --version

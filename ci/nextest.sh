# shellcheck shell=bash
# Sourced by the suites that run Rust tests: installs cargo-nextest at a
# pinned version when it is missing, and runs it so that its summary line is
# always accounted for.

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

# run_nextest SUITE ARGS...: `cargo nextest run ARGS...`, then exits with its
# status. nextest ends with "Summary [...] N tests run: ..."; if it did not
# get that far (build failure, crash), says so in one line the log reader can
# find, and fails even if nextest's own status was 0.
run_nextest() {
    local suite=$1 log rc
    shift
    echo "--> cargo nextest run $*"
    log=$(mktemp)
    set +e
    cargo nextest run "$@" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    set -e
    if ! grep -qE '^\s*Summary \[' "$log"; then
        rm -f "$log"
        echo "$suite suite: nextest printed no summary line (exit $rc)"
        exit $(( rc == 0 ? 1 : rc ))
    fi
    rm -f "$log"
    exit "$rc"
}

#!/usr/bin/env bash
# Bridge suite: `vqueue bridge` (cargo feature "bridge" of vqueue-cli) against
# a real nats-server with JetStream on loopback.
#
# 1. Checks that the default build of vqueue-cli pulls in no async runtime.
# 2. Builds nats-server at a pinned version with `go install` into
#    target/tools/ (git-ignored) when it is not there; SKIPPED without Go.
# 3. Makes sure `openssl` is there (the TLS test makes its certificates with it).
# 4. Runs bindings/cli/tests/bridge/ under cargo-nextest.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

NATS_SERVER_VERSION=v2.15.2

if ! command -v cargo >/dev/null 2>&1; then
    echo "SKIPPED bridge: cargo not on PATH"
    exit 0
fi
if ! command -v go >/dev/null 2>&1; then
    echo "SKIPPED bridge: go not on PATH (needed to build nats-server)"
    exit 0
fi

echo "--> the default build of vqueue-cli has no async runtime"
default_deps=$(cargo tree -p vqueue-cli -e normal --prefix none)
if grep -E '^(tokio|async-nats|mio) ' <<<"$default_deps"; then
    echo "bridge suite: the default build of vqueue-cli depends on the crates above"
    exit 1
fi
# The same check with the feature on must find them, or the check proves nothing.
if ! cargo tree -p vqueue-cli -e normal --features bridge --prefix none | grep -qE '^tokio '; then
    echo "bridge suite: tokio not found even with --features bridge; the check above is broken"
    exit 1
fi

tools="$PWD/target/tools/nats-server-$NATS_SERVER_VERSION"
export NATS_SERVER_BIN="$tools/nats-server"
if [[ ! -x "$NATS_SERVER_BIN" ]]; then
    echo "--> go install nats-server $NATS_SERVER_VERSION"
    start=$(date +%s)
    GOBIN="$tools" go install "github.com/nats-io/nats-server/v2@$NATS_SERVER_VERSION"
    echo "--> nats-server built in $(( $(date +%s) - start ))s"
fi
"$NATS_SERVER_BIN" --version

if ! command -v openssl >/dev/null 2>&1; then
    echo "--> apt-get install openssl"
    apt-get update -q
    apt-get install -y -q openssl
fi

# shellcheck source=ci/nextest.sh
source ci/nextest.sh

# --success-output final: the measured rates and kill counts that the tests
# print are shown at the end even when everything passes.
run_nextest bridge -p vqueue-cli --features bridge --test bridge --profile ci \
    --success-output final

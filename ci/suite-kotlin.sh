#!/usr/bin/env bash
# Kotlin suite: `mvn verify` of kotlin/ (compiles the Rust library in release,
# generates the Kotlin bindings with the workspace's uniffi-bindgen, packages
# the jar, runs the JUnit 5 tests under Surefire), then builds and runs a
# separate Maven project that declares only the packaged jar.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

for tool in java mvn cargo; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "SKIPPED kotlin: $tool not on PATH"
        exit 0
    fi
done
java -version 2>&1 | sed -n 1p
mvn -v 2>&1 | sed -n 1p

# The CLI is the other process of the cross-process tests.
echo "--> cargo build --release -p vqueue-cli"
cargo build --release -p vqueue-cli

echo "--> mvn verify (kotlin/)"
mvn -B -ntp -f kotlin/pom.xml verify

echo "--> a clean project that declares only the jar (kotlin/consumer-check)"
kotlin/consumer-check/run.sh

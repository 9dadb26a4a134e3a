#!/usr/bin/env bash
# Builds the Kotlin conformance runner: first the SDK jar from kotlin/pom.xml
# with its library in the debug profile the other runners use (into
# target/sdk here, so that kotlin/target keeps the release build of the
# kotlin suite), then this project against that jar alone, as an
# application would depend on it. The runner then starts with
#   java -cp target/classes:target/lib/* dev.vqueue.conformance.MainKt
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
sdk="$here/.."
build="$here/target/sdk"

mkdir -p "$build"
cp "$sdk/pom.xml" "$build/pom.xml"
ln -sfn ../../../src "$build/src"
CARGO_PROFILE=dev bash "$sdk/scripts/native.sh" "$build/target/uniffi"
echo "--> mvn package (the SDK jar, debug library)"
mvn -B -ntp -q -f "$build/pom.xml" package -Dvqueue.native.skip=true -Dmaven.test.skip=true

echo "--> mvn compile (the runner, declaring only the jar)"
# The SDK jar's name changes with every build: none of an earlier one may stay.
rm -rf "$here/target/lib"
bash "$sdk/scripts/with-sdk-repo.sh" "$build/target" mvn -B -ntp -q -f "$here/pom.xml" compile

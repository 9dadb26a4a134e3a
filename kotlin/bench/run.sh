#!/usr/bin/env bash
# Runs the Kotlin benchmark against the packaged SDK jar (kotlin/target):
#   kotlin/bench/run.sh [--full|--quick] [MAIN_CLASS]
# BENCH_JVM adds JVM options (a profiler, for instance).
# The jar and its pom go into a throw-away repository under a version of
# their own, so the benchmark sees what an application sees and never an
# SDK installed in the local repository by another build. It prints the
# table between `table begin`/`table end` marker lines.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
sdk="$here/.."
jar=$(ls "$sdk"/target/vqueue-*.jar | grep -v -- '-sources' | head -1)
version="0.0.0-bench-$$"
local_repo=$(mvn -B -ntp -q help:evaluate -Dexpression=settings.localRepository -DforceStdout)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$local_repo/dev/vqueue/vqueue/$version"' EXIT

# The SDK's pom with the version changed (its first <version> is its own).
sed "0,/<version>[^<]*<\/version>/s//<version>$version<\/version>/" "$sdk/pom.xml" >"$tmp/pom.xml"
mvn -B -ntp -q install:install-file -Dfile="$jar" -DpomFile="$tmp/pom.xml" \
    -DlocalRepositoryPath="$tmp/repo"
mvn -B -ntp -q -f "$here/pom.xml" -Dsdk.repo="file://$tmp/repo" -Dsdk.version="$version" \
    -Dbench.args="${1:---full}" -Dbench.main="${2:-dev.vqueue.bench.MainKt}" \
    ${BENCH_JVM:+-Dbench.jvm="$BENCH_JVM"} compile exec:exec

#!/usr/bin/env bash
# Runs the Kotlin benchmark against the packaged SDK jar (kotlin/target):
#   kotlin/bench/run.sh [--full|--quick] [MAIN_CLASS]
# BENCH_JVM adds one JVM option (a profiler, for instance:
# BENCH_JVM=-XX:StartFlightRecording=filename=cost.jfr,settings=profile).
# The jar and its pom go into a throw-away repository under a version of
# their own, so the benchmark sees what an application sees and never an
# SDK installed in the local repository by another build. It prints the
# table between `table begin`/`table end` marker lines.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
sdk="$here/.."
jar=
for f in "$sdk"/target/vqueue-*.jar; do
    [[ -f $f && $f != *-sources.jar ]] && jar=$f
done
[[ -n $jar ]] || { echo "run.sh: no kotlin/target/vqueue-*.jar: mvn -f kotlin/pom.xml package first" >&2; exit 2; }
version="0.0.0-bench-$$"
# Maven wraps even this answer in colour codes: strip them.
local_repo=$(mvn -B -ntp -q help:evaluate -Dexpression=settings.localRepository -DforceStdout |
    sed 's/\x1b\[[0-9;]*m//g')
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$local_repo/dev/vqueue/vqueue/$version"' EXIT

# The SDK's pom with the version changed (its first <version> is its own).
sed "0,/<version>[^<]*<\/version>/s//<version>$version<\/version>/" "$sdk/pom.xml" >"$tmp/pom.xml"
mvn -B -ntp -q install:install-file -Dfile="$jar" -DpomFile="$tmp/pom.xml" \
    -DlocalRepositoryPath="$tmp/repo"
jvm=()
[[ -n ${BENCH_JVM:-} ]] && jvm=(-Dbench.jvm="$BENCH_JVM")
mvn -B -ntp -q -f "$here/pom.xml" -Dsdk.repo="file://$tmp/repo" -Dsdk.version="$version" \
    -Dbench.args="${1:---full}" -Dbench.main="${2:-dev.vqueue.bench.MainKt}" \
    "${jvm[@]}" compile exec:exec

#!/usr/bin/env bash
# Runs the Kotlin benchmark against the packaged SDK jar (kotlin/target):
#   kotlin/bench/run.sh [--full|--quick] [MAIN_CLASS]
# BENCH_JVM adds one JVM option (a profiler, for instance:
# BENCH_JVM=-XX:StartFlightRecording=filename=cost.jfr,settings=profile).
# The jar comes from a throw-away repository (scripts/with-sdk-repo.sh), so
# the benchmark sees what an application sees. It prints the
# table between `table begin`/`table end` marker lines.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jvm=()
[[ -n ${BENCH_JVM:-} ]] && jvm=(-Dbench.jvm="$BENCH_JVM")
bash "$here/../scripts/with-sdk-repo.sh" "$here/../target" \
    mvn -B -ntp -q -f "$here/pom.xml" \
    -Dbench.args="${1:---full}" -Dbench.main="${2:-dev.vqueue.bench.MainKt}" \
    "${jvm[@]}" compile exec:exec

#!/usr/bin/env bash
# Runs every Rust benchmark of the engine and its peers, and writes their
# tables into docs/performance.md (the section between the `bench.sh` marker
# lines), with the command and the machine that produced them.
#
#   ci/bench.sh            full run (about 6 minutes once built); rewrites the doc section
#   ci/bench.sh --print    full run, tables on stdout only
#   ci/bench.sh --quick    each benchmark once, briefly (VQUEUE_BENCH_QUICK=1);
#                          checks that each prints its tables, writes nothing.
#                          Its numbers mean nothing; this is `ci/suite-bench.sh`.
#   ci/bench.sh --kotlin   only the Kotlin SDK against the JVM peers
#                          (kotlin/bench, about 3 minutes once built); rewrites
#                          its own doc section.
# The Kotlin part runs after the Rust benchmarks when java and mvn are on
# PATH (`SKIPPED bench kotlin: ...` otherwise).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Benchmark target, and how many tables it prints.
BENCHES=(throughput:2 durable:1 latency:1 memory:2)
DOC=docs/performance.md
BEGIN='<!-- bench.sh begin -->'
END='<!-- bench.sh end -->'
KOTLIN_BEGIN='<!-- bench.sh kotlin begin -->'
KOTLIN_END='<!-- bench.sh kotlin end -->'

mode=doc
rust=1
case "${1:-}" in
    "") ;;
    --print) mode=print ;;
    --quick) mode=quick ;;
    --kotlin) rust=0 ;;
    *) echo "usage: ci/bench.sh [--print|--quick|--kotlin]" >&2; exit 2 ;;
esac
profile=()
if [[ $mode == quick ]]; then
    export VQUEUE_BENCH_QUICK=1
    # Unoptimised, as the Rust suite builds them: the quick run only shows
    # that each benchmark works, and reuses that build instead of a second one.
    profile=(--profile dev)
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The tables a benchmark log holds: the lines between its marker lines.
tables() {
    awk '/^<!-- table begin -->$/{on=1; next} /^<!-- table end -->$/{on=0; print ""; next} on' "$1"
}

# Replaces the section between marker lines $1 and $2 of the doc with file
# $3 (appends it when the doc has no such section yet).
write_section() {
    local begin=$1 end=$2 section=$3
    if grep -qF "$begin" "$DOC"; then
        awk -v begin="$begin" -v end="$end" -v section="$section" '
            $0 == begin { while ((getline line < section) > 0) print line; skip = 1; next }
            $0 == end { skip = 0; next }
            !skip' "$DOC" >"$work/doc.md"
    else
        { cat "$DOC"; echo; cat "$section"; } >"$work/doc.md"
    fi
    cp "$work/doc.md" "$DOC"
    echo "--> wrote the tables into $DOC"
}

passed=0
failed=0
if (( rust )); then
    echo "--> cargo bench ${profile[*]} -p vqueue-core --no-run"
    cargo bench "${profile[@]}" -p vqueue-core --no-run

    load_before=$(cut -d' ' -f1-3 /proc/loadavg)
    for entry in "${BENCHES[@]}"; do
        name=${entry%%:*}
        want=${entry##*:}
        echo "--> cargo bench ${profile[*]} -p vqueue-core --bench $name"
        if ! cargo bench "${profile[@]}" -p vqueue-core --bench "$name" >"$work/$name.log" 2>&1; then
            tail -n 40 "$work/$name.log"
            echo "bench $name: FAILED (exit status)"
            failed=$((failed + 1))
            continue
        fi
        tables "$work/$name.log" >"$work/$name.md"
        got=$(grep -c '^<!-- table begin -->$' "$work/$name.log" || true)
        if (( got != want )); then
            echo "bench $name: FAILED (printed $got of $want tables)"
            failed=$((failed + 1))
            continue
        fi
        cat "$work/$name.md"
        echo "bench $name: table(s) printed"
        passed=$((passed + 1))
    done
    load_after=$(cut -d' ' -f1-3 /proc/loadavg)
fi

if [[ $mode == doc && $rust == 1 && $failed == 0 ]]; then
    {
        echo "$BEGIN"
        echo
        echo "Produced by \`ci/bench.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), Linux $(uname -r), $(rustc --version | cut -d' ' -f1-2), bench profile; load average $load_before before the run, $load_after after it. Ratios are between figures of this run."
        echo
        for entry in "${BENCHES[@]}"; do
            cat "$work/${entry%%:*}.md"
        done
        echo "$END"
    } >"$work/section.md"
    write_section "$BEGIN" "$END" "$work/section.md"
fi

# The Kotlin SDK against Tape and Chronicle Queue, in one JVM (kotlin/bench).
if ! command -v java >/dev/null 2>&1 || ! command -v mvn >/dev/null 2>&1; then
    echo "SKIPPED bench kotlin: java or mvn not on PATH"
else
    # The quick run reuses the jar of the Kotlin suite when there is one.
    if [[ $mode != quick ]] || ! compgen -G 'kotlin/target/vqueue-*.jar' >/dev/null; then
        echo "--> mvn package (kotlin/)"
        mvn -B -ntp -q -f kotlin/pom.xml package -DskipTests
    fi
    [[ $mode == quick ]] && kotlin_mode=--quick || kotlin_mode=--full
    echo "--> kotlin/bench/run.sh $kotlin_mode"
    if kotlin/bench/run.sh "$kotlin_mode" >"$work/kotlin.log" 2>&1 &&
        grep -q '^<!-- table begin -->$' "$work/kotlin.log"; then
        tables "$work/kotlin.log" >"$work/kotlin.md"
        cat "$work/kotlin.md"
        echo "bench kotlin: table printed"
        passed=$((passed + 1))
        if [[ $mode == doc ]]; then
            {
                echo "$KOTLIN_BEGIN"
                echo
                echo "Produced by \`ci/bench.sh --kotlin\` (or a full \`ci/bench.sh\`) on $(date -u +%Y-%m-%d), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), Linux $(uname -r), $(java -version 2>&1 | sed -n 1p)."
                echo
                cat "$work/kotlin.md"
                echo "$KOTLIN_END"
            } >"$work/kotlin-section.md"
            write_section "$KOTLIN_BEGIN" "$KOTLIN_END" "$work/kotlin-section.md"
        fi
    else
        tail -n 40 "$work/kotlin.log"
        echo "bench kotlin: FAILED"
        failed=$((failed + 1))
    fi
fi

echo
echo "bench: $passed passed, $failed failed"
(( failed == 0 ))

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
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Benchmark target, and how many tables it prints.
BENCHES=(throughput:2 durable:1 latency:1 memory:2)
DOC=docs/performance.md
BEGIN='<!-- bench.sh begin -->'
END='<!-- bench.sh end -->'

mode=doc
case "${1:-}" in
    "") ;;
    --print) mode=print ;;
    --quick) mode=quick ;;
    *) echo "usage: ci/bench.sh [--print|--quick]" >&2; exit 2 ;;
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

echo "--> cargo bench ${profile[*]} -p vqueue-core --no-run"
cargo bench "${profile[@]}" -p vqueue-core --no-run

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
passed=0
failed=0
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
    # The tables: the lines between each benchmark's marker lines.
    awk '/^<!-- table begin -->$/{on=1; next} /^<!-- table end -->$/{on=0; print ""; next} on' \
        "$work/$name.log" >"$work/$name.md"
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

if [[ $mode == doc && $failed == 0 ]]; then
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
    if grep -qF "$BEGIN" "$DOC"; then
        awk -v begin="$BEGIN" -v end="$END" -v section="$work/section.md" '
            $0 == begin { while ((getline line < section) > 0) print line; skip = 1; next }
            $0 == end { skip = 0; next }
            !skip' "$DOC" >"$work/doc.md"
    else
        { cat "$DOC"; echo; cat "$work/section.md"; } >"$work/doc.md"
    fi
    cp "$work/doc.md" "$DOC"
    echo "--> wrote the tables into $DOC"
fi

echo
echo "bench: $passed passed, $failed failed"
(( failed == 0 ))

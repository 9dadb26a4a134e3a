#!/usr/bin/env bash
# Runs the project's test suites.
#
#   ci/test.sh [SUITE|all]   (default: all; SUITES below lists them)
#
# Each suite is the script ci/suite-<name>.sh. A suite whose toolchain is
# missing prints `SKIPPED <suite>: <reason>` and exits 0. `all` runs every
# suite that exists, in the order above, keeps going after a failure and
# fails at the end if any suite failed.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2

SUITES=(rust python kotlin swift conformance reliability bench bridge nix lint)

usage() {
    local IFS='|'
    echo "usage: ci/test.sh [${SUITES[*]}|all]   (default: all)" >&2
}

is_known() {
    local s
    for s in "${SUITES[@]}"; do
        [[ "$s" == "$1" ]] && return 0
    done
    return 1
}

declare -a REPORT=()
FAILED=0

# Runs one suite, records its outcome and elapsed time. The suite's output is
# also kept in a log so a `SKIPPED` line can be told apart from a pass.
run_suite() {
    local name=$1 script="ci/suite-$1.sh" log rc start elapsed status
    log=$(mktemp)
    echo "==> suite $name ($script)"
    start=$(date +%s)
    bash "$script" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    elapsed=$(( $(date +%s) - start ))
    if (( rc != 0 )); then
        status="FAILED (exit $rc)"
        FAILED=1
    elif grep -q "^SKIPPED $name:" "$log"; then
        status="skipped"
    else
        status="ok"
    fi
    rm -f "$log"
    echo "==> suite $name: $status in ${elapsed}s"
    REPORT+=("$(printf '%-12s %-18s %6ss' "$name" "$status" "$elapsed")")
}

main() {
    local target=${1:-all}
    if (( $# > 1 )); then
        usage
        return 2
    fi
    case "$target" in
        -h|--help)
            usage
            return 0
            ;;
        all)
            local s
            for s in "${SUITES[@]}"; do
                if [[ -f "ci/suite-$s.sh" ]]; then
                    run_suite "$s"
                else
                    echo "==> suite $s: not present yet (no ci/suite-$s.sh)"
                    REPORT+=("$(printf '%-12s %-18s' "$s" "not present yet")")
                fi
            done
            ;;
        *)
            if ! is_known "$target"; then
                echo "ci/test.sh: unknown suite '$target'" >&2
                usage
                return 2
            fi
            if [[ ! -f "ci/suite-$target.sh" ]]; then
                echo "ci/test.sh: suite $target does not exist yet (no ci/suite-$target.sh)" >&2
                return 1
            fi
            run_suite "$target"
            ;;
    esac

    echo
    echo "==> ci/test.sh $target"
    local line
    for line in "${REPORT[@]}"; do
        echo "    $line"
    done
    if (( FAILED )); then
        echo "==> some suites FAILED"
        return 1
    fi
    echo "==> no suite failed"
}

main "$@"

#!/usr/bin/env bash
# Lint suite: the workflows (actionlint, zizmor, the workflow JSON schema),
# the shell scripts (shellcheck), the Nix files (deadnix), the Rust workspace
# (rustfmt, clippy with warnings denied) and the Python package (ruff), with
# pinned linters installed into .tools/ (see ci/lint.sh). Then
# ci/lint-selftest.sh shows that each linter fails on a seeded mistake.
# Every linter runs even after one fails; the suite fails if any did.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
# shellcheck source=ci/lint.sh
source ci/lint.sh

if [[ ${LINT_TOOLS:-} != path ]]; then
    for tool in cargo go "${PYTHON:-python3}"; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            echo "SKIPPED lint: $tool not on PATH (needed to install the pinned linters)"
            exit 0
        fi
    done
fi

start=$(date +%s)
lint_install_tools || exit 1
lint_path
echo "--> linters ready in $(( $(date +%s) - start ))s"

failed=()
for lint in "${LINTS[@]}"; do
    echo "--> $lint"
    if ! "lint_$lint" "$PWD"; then
        failed+=("$lint")
    fi
done

echo "--> ci/lint-selftest.sh"
bash ci/lint-selftest.sh || failed+=(selftest)

if (( ${#failed[@]} )); then
    echo "lint: FAILED: ${failed[*]}"
    exit 1
fi
echo "lint: all ${#LINTS[@]} linters clean, self-test passed"

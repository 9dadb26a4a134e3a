#!/usr/bin/env bash
# Bench suite: every benchmark once in its quick mode, checking that each
# prints its tables (`ci/bench.sh --quick`). Nothing here is timed against
# a target; the measured run is `ci/bench.sh` (docs/performance.md).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v cargo >/dev/null 2>&1; then
    echo "SKIPPED bench: cargo not on PATH"
    exit 0
fi
exec bash ci/bench.sh --quick

#!/usr/bin/env bash
# Python suite: builds the v-queue-python package from source with pip (the
# PEP 517 build through maturin) into the project venv .venv, then runs pytest
# on python/tests. HYPOTHESIS_PROFILE selects the Hypothesis profile (default
# "ci": bounded examples; "dev" runs longer).
set -euo pipefail

cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "SKIPPED python: $PYTHON not on PATH"
    exit 0
fi
# VQUEUE_PYTHON_INSTALLED=1: test the vqueue that $PYTHON already imports (the
# package the Nix flake built) instead of building one into .venv.
if [[ ${VQUEUE_PYTHON_INSTALLED:-} == 1 ]]; then
    export HYPOTHESIS_PROFILE=${HYPOTHESIS_PROFILE:-ci}
    echo "--> pytest python/tests against the installed package ($("$PYTHON" --version 2>&1))"
    exec "$PYTHON" -m pytest python/tests -p no:cacheprovider --timeout 600 -ra
fi
if ! command -v cargo >/dev/null 2>&1; then
    echo "SKIPPED python: cargo not on PATH (the extension is built from source)"
    exit 0
fi
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 9))'; then
    echo "SKIPPED python: $("$PYTHON" --version 2>&1) is older than 3.9"
    exit 0
fi

if [[ ! -x .venv/bin/python ]]; then
    echo "--> creating .venv with $("$PYTHON" --version 2>&1)"
    "$PYTHON" -m venv .venv
fi
VPY=.venv/bin/python

echo "--> pip install -r python/requirements-dev.txt"
"$VPY" -m pip install -q --disable-pip-version-check -r python/requirements-dev.txt

echo "--> pip install ./python"
start=$(date +%s)
"$VPY" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps ./python
echo "--> built and installed in $(( $(date +%s) - start ))s"

export HYPOTHESIS_PROFILE=${HYPOTHESIS_PROFILE:-ci}
echo "--> pytest python/tests (Hypothesis profile $HYPOTHESIS_PROFILE)"
# Run from outside python/ so `import vqueue` is the installed package, not
# the source folder without its compiled extension.
exec "$VPY" -m pytest python/tests -p no:cacheprovider --timeout 600 -ra

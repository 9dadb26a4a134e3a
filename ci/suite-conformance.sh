#!/usr/bin/env bash
# Conformance suite: the language-neutral scenarios of tests/conformance run
# by every binding's runner (Rust on vqueue-core, Python on the PyO3 package,
# the vqueue command for maintenance, Python on the UniFFI-generated module,
# Kotlin on the SDK jar when java and mvn are there),
# compared with the expected results and with each other; random scenarios
# from the Hypothesis and proptest strategies; cross-writing between the
# bindings and v_queue 0.3.3; the driver's own tests (a changed expected
# result must fail); the Hypothesis state machine on PyO3 and on UniFFI.
#
#   VQC_GENERATED  random scenarios per strategy (default 25)
#   VQC_SEED       their seed (default: the time; printed either way)
set -euo pipefail

cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if ! command -v cargo >/dev/null 2>&1; then
    echo "SKIPPED conformance: cargo not on PATH"
    exit 0
fi
if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "SKIPPED conformance: $PYTHON not on PATH"
    exit 0
fi

start=$(date +%s)
echo "--> cargo build -p vqueue-conformance -p vqueue-cli"
cargo build -q -p vqueue-conformance -p vqueue-cli

# The UniFFI Python module: generated from the built library, a build output.
export VQUEUE_UNIFFI_DIR=$PWD/target/uniffi-python
bash ci/gen-uniffi-python.sh "$VQUEUE_UNIFFI_DIR" debug

if [[ ! -x .venv/bin/python ]]; then
    echo "--> creating .venv with $("$PYTHON" --version 2>&1)"
    "$PYTHON" -m venv .venv
fi
VPY=$PWD/.venv/bin/python
"$VPY" -m pip install -q --disable-pip-version-check -r python/requirements-dev.txt -r tests/conformance/requirements.txt
# The python suite (run before this one by ci/test.sh all) installs the
# package from this checkout; build it only when it is not there.
if ! (cd tests && "$VPY" -c 'import vqueue' 2>/dev/null); then
    echo "--> pip install ./python"
    "$VPY" -m pip install -q --disable-pip-version-check --no-deps ./python
fi

export VQC_BINDINGS=core,pyo3,cli,uniffi
# The Kotlin runner: the SDK jar (debug library, like the runners above) and
# a project that declares only that jar (kotlin/conformance).
kotlin_missing=$(for t in java mvn; do command -v "$t" >/dev/null 2>&1 || printf '%s ' "$t"; done)
if [[ -z "$kotlin_missing" ]]; then
    echo "--> kotlin/conformance/build.sh"
    bash kotlin/conformance/build.sh
    export VQC_KOTLIN_CMD="java -cp $PWD/kotlin/conformance/target/classes:$PWD/kotlin/conformance/target/lib/* dev.vqueue.conformance.MainKt"
    VQC_BINDINGS+=,kotlin
else
    echo "--> kotlin skipped: ${kotlin_missing% } not on PATH; the other bindings run"
fi
export VQUEUE_BIN=$PWD/target/debug/vqueue
export VQC_RUST_BIN=$PWD/target/debug/vqueue-conformance
echo "--> built in $(( $(date +%s) - start ))s; bindings: $VQC_BINDINGS"

echo "--> driver: scenarios, generated scenarios, cross-writing"
"$VPY" tests/conformance/driver.py --generated "${VQC_GENERATED:-25}" --cross

echo "--> pytest: the driver fails on a changed expected result; the state machine on PyO3 and UniFFI"
export HYPOTHESIS_PROFILE=${HYPOTHESIS_PROFILE:-ci}
exec "$VPY" -m pytest --rootdir . tests/conformance python/tests/test_state_machine.py -p no:cacheprovider --timeout 600 -ra

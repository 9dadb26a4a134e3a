#!/usr/bin/env bash
# Python demo: builds the v-queue-python wheel into the project venv (.venv)
# and runs python/examples/, each in a fresh temporary directory.
set -euo pipefail

cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
    echo "==> creating .venv"
    "$PYTHON" -m venv .venv
fi
VPY=$PWD/.venv/bin/python
EXAMPLES=$PWD/python/examples

echo "==> pip install ./python"
"$VPY" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps ./python
"$VPY" -c 'import vqueue; print("vqueue", vqueue.__version__, "from", vqueue.__file__)'

work=$(mktemp -d -t vqueue-pydemo.XXXXXX)
trap 'rm -rf "$work"' EXIT

for example in readme_examples tail_with_wait maintenance; do
    dir="$work/$example"
    mkdir -p "$dir"
    echo
    echo "==> python python/examples/$example.py"
    (cd "$dir" && "$VPY" "$EXAMPLES/$example.py")
done

"""The type stubs match the compiled extension, and typed code using the
package checks under mypy --strict."""

from __future__ import annotations

import os
import subprocess
import sys

from support import PYTHON_DIR


def run_mypy(args, tmp_path) -> subprocess.CompletedProcess:
    env = dict(os.environ, MYPY_CACHE_DIR=str(tmp_path / "mypy-cache"))
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, timeout=300,
                          env=env, cwd=tmp_path)


def test_stubs_match_the_runtime(tmp_path):
    proc = run_mypy(["mypy.stubtest", "vqueue._vqueue"], tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("Success:")


def test_package_type_checks_strictly(tmp_path):
    proc = run_mypy(["mypy", "--strict", "-p", "vqueue"], tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_examples_type_check_strictly(tmp_path):
    proc = run_mypy(["mypy", "--strict", str(PYTHON_DIR / "examples")], tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_misuse_is_a_type_error(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from vqueue import Queue, Mode, MsgType\n"
        "q = Queue('d', 'q', Mode.READ_WRITE)\n"
        "q.push('text', MsgType.STRING)\n"
        "n: str = q.count_pushed\n"
    )
    proc = run_mypy(["mypy", "--strict", str(bad)], tmp_path)
    assert proc.returncode == 1
    assert 'Argument 1 to "push" of "Queue" has incompatible type "str"' in proc.stdout
    assert 'Incompatible types in assignment (expression has type "int", variable has type "str")' in proc.stdout

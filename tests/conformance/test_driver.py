"""The driver fails when a binding disagrees with an expected result or with
the other bindings: scratch copies of two scenarios, one with a changed
expected value, or one binding's runner behind tamper.py."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from driver import runner_commands  # noqa: E402

BINDINGS = os.environ.get("VQC_BINDINGS", "core,pyo3,cli")
# The binding made to differ: the last one (Kotlin when the suite built it).
TAMPERED = BINDINGS.split(",")[-1]


def drive(folder: Path, env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(HERE / "driver.py"), "--scenarios", str(folder), "--bindings", BINDINGS],
                          capture_output=True, text=True, timeout=300, env=env)


def cells(p: subprocess.CompletedProcess, scenario: str):
    row = next(line for line in p.stdout.splitlines() if line.startswith(scenario + " "))
    return row.split()[1:]


def scratch(tmp_path: Path) -> Path:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    for name in ("api-push-pop-v2", "errors-not-found"):
        shutil.copy(HERE / "scenarios" / f"{name}.json", folder)
    return folder


def test_unchanged_copy_passes(tmp_path):
    p = drive(scratch(tmp_path))
    assert p.returncode == 0, p.stdout + p.stderr
    assert "0 failing" in p.stdout


def test_changed_expected_result_fails(tmp_path):
    folder = scratch(tmp_path)
    path = folder / "api-push-pop-v2.json"
    s = json.loads(path.read_text())
    assert s["steps"][1]["op"] == "push" and s["steps"][1]["expect"] == {"ok": 26}
    s["steps"][1]["expect"] = {"ok": 27}
    path.write_text(json.dumps(s))
    p = drive(folder)
    assert p.returncode == 1, p.stdout + p.stderr
    assert cells(p, "api-push-pop-v2") == ["expect@1"] * len(BINDINGS.split(",")), p.stdout
    assert "FAILED (1): api-push-pop-v2" in p.stdout


def test_changed_error_kind_fails(tmp_path):
    folder = scratch(tmp_path)
    path = folder / "errors-not-found.json"
    s = json.loads(path.read_text())
    s["steps"][0]["expect"] = {"error": {"kind": "Io"}}
    path.write_text(json.dumps(s))
    p = drive(folder)
    assert p.returncode == 1
    assert "FAILED (1): errors-not-found" in p.stdout


def tampered() -> Dict[str, str]:
    """The environment that puts tamper.py in front of one binding's runner:
    it adds one to the result of step 1 (a push) of api-push-pop-v2."""
    cmd = [sys.executable, str(HERE / "tamper.py"), "api-push-pop-v2", "1", *runner_commands()[TAMPERED]]
    return {**os.environ, f"VQC_{TAMPERED.upper()}_CMD": shlex.join(cmd)}


def test_one_binding_differing_from_an_expected_result_fails(tmp_path):
    p = drive(scratch(tmp_path), tampered())
    assert p.returncode == 1, p.stdout + p.stderr
    n = len(BINDINGS.split(","))
    assert cells(p, "api-push-pop-v2") == ["ok"] * (n - 1) + ["expect@1"], p.stdout
    assert "FAILED (1): api-push-pop-v2" in p.stdout


def test_one_binding_differing_from_the_others_fails(tmp_path):
    # Without `expect` (as in generated scenarios) the bindings are compared
    # with each other only.
    folder = scratch(tmp_path)
    path = folder / "api-push-pop-v2.json"
    s = json.loads(path.read_text())
    del s["steps"][1]["expect"]
    path.write_text(json.dumps(s))
    p = drive(folder, tampered())
    assert p.returncode == 1, p.stdout + p.stderr
    n = len(BINDINGS.split(","))
    assert cells(p, "api-push-pop-v2") == ["ok"] * (n - 1) + ["differs@1"], p.stdout

"""The driver fails when a binding disagrees with an expected result: a
scratch copy of two scenarios, one with a changed expected value."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BINDINGS = os.environ.get("VQC_BINDINGS", "core,pyo3,cli")


def drive(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(HERE / "driver.py"), "--scenarios", str(folder), "--bindings", BINDINGS],
                          capture_output=True, text=True, timeout=300)


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
    row = next(line for line in p.stdout.splitlines() if line.startswith("api-push-pop-v2 "))
    assert row.split()[1:] == ["expect@1"] * len(BINDINGS.split(",")), row
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

"""The ``vqueue`` binary, ``python -m vqueue`` and the package's ``vqueue``
script run the same code: on the golden queues, the same command lines give
the same stdout, stderr and exit code, byte for byte.

Against an installed package (``VQUEUE_PYTHON_INSTALLED=1``: a wheel, the Nix
build) there is no checkout to build the binary from: the package's two entry
points are compared, and with the binary named by ``VQUEUE_CLI`` when set."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import List, Optional, Tuple

import pytest

from support import PYTHON_DIR

REPO = PYTHON_DIR.parent

# (folder, queue) of each golden queue.
FIXTURES = [
    ("real-veda-v2", "individuals-flow"),
    ("real-veda-small", "test"),
    ("v3-compressed", "docs"),
    ("v2-generated", "docs"),
]


@pytest.fixture(scope="session")
def binary() -> Optional[Path]:
    """The ``vqueue`` binary to compare with the package: built from this
    checkout (cargo does nothing when it is fresh), or for an installed
    package the one named by ``VQUEUE_CLI``, if any."""
    if os.environ.get("VQUEUE_PYTHON_INSTALLED") == "1":
        named = os.environ.get("VQUEUE_CLI")
        return Path(named) if named else None
    proc = subprocess.run(
        ["cargo", "build", "--release", "-p", "vqueue-cli", "--bin", "vqueue", "--message-format=json"],
        cwd=REPO, capture_output=True, text=True, timeout=1800,
    )
    assert proc.returncode == 0, proc.stderr
    for line in proc.stdout.splitlines():
        msg = json.loads(line)
        if msg.get("reason") == "compiler-artifact" and msg.get("executable") and msg["target"]["name"] == "vqueue":
            return Path(msg["executable"])
    raise AssertionError("cargo reported no vqueue executable")


def package_script() -> Path:
    """The ``vqueue`` script the package installs: in the interpreter's scripts
    folder (a venv's bin/, Scripts on Windows) or, for interpreters whose
    environment differs from their installation (Nix), beside the executable."""
    folders = [sysconfig.get_path("scripts"), str(Path(sys.executable).parent)]
    found = shutil.which("vqueue", path=os.pathsep.join(folders))
    assert found, f"the package installs a vqueue script in one of {folders}"
    return Path(found)


def entry_points(binary: Optional[Path]) -> List[Tuple[str, List[str]]]:
    points = [("python -m vqueue", [sys.executable, "-m", "vqueue"]), ("vqueue script", [str(package_script())])]
    if binary is not None:
        points.insert(0, ("binary", [str(binary)]))
    return points


def run(cmd: List[str], args: List[str], cwd: Path, stdin: bytes = b"") -> Tuple[int, bytes, bytes]:
    proc = subprocess.run(cmd + args, cwd=cwd, input=stdin, capture_output=True, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


def assert_same(binary: Optional[Path], args: List[str], cwd: Path, fresh=None, stdin: bytes = b"") -> Tuple[int, bytes, bytes]:
    results = []
    for name, cmd in entry_points(binary):
        if fresh is not None:
            fresh()
        results.append((name, run(cmd, args, cwd, stdin)))
    first_name, first = results[0]
    for name, got in results[1:]:
        assert got[0] == first[0], f"{args}: exit code of {name} {got[0]} vs {first_name} {first[0]}"
        assert got[2] == first[2], f"{args}: stderr of {name} differs:\n{got[2]!r}\n{first[2]!r}"
        assert got[1] == first[1], f"{args}: stdout of {name} differs"
    return first


@pytest.mark.parametrize("folder,queue", FIXTURES)
def test_every_entry_point_prints_the_same_on_a_golden_queue(binary, fixture_copy, tmp_path, folder, queue):
    pristine = fixture_copy(folder)
    work = tmp_path / "work"
    work.mkdir()
    base = work / folder

    def fresh() -> None:
        shutil.rmtree(base, ignore_errors=True)
        shutil.copytree(pristine, base)

    fresh()
    read_only = [
        ["info", folder, queue],
        ["info", folder, queue, "--json"],
        ["cat", folder, queue, "--json"],
        ["cat", folder, queue, "--consumer", "fixture"],
        ["verify", folder, queue],
        ["-v", "verify", folder, queue],
        ["-q", "cat", folder, queue, "--consumer", "fixture"],
        ["cleanup", folder, queue, "--dry-run"],
    ]
    codes = set()
    for args in read_only:
        codes.add(assert_same(binary, args, work)[0])
    assert codes <= {0, 1, 3}
    writing = [
        (["repair", folder, queue], b""),
        (["consume", folder, queue, "fixture", "--max", "3", "--json"], b""),
        (["push", folder, queue], b"one\ntwo\n"),
        (["cleanup", folder, queue], b""),
    ]
    for args, stdin in writing:
        assert_same(binary, args, work, fresh=fresh, stdin=stdin)


def test_the_damaged_queue_warns_alike_on_every_entry_point(binary, fixture_copy, tmp_path):
    """real-veda-small has metadata CRCs of another queue name: `info` warns
    that it derived the writer's part; -q hides the warning, -v names its kind."""
    base = fixture_copy("real-veda-small")
    cwd = base.parent
    code, _, err = assert_same(binary, ["info", base.name, "test"], cwd)
    assert code == 0 and err.startswith(b"vqueue: warning: ")
    assert b"deriving the current part" in err
    code, _, err = assert_same(binary, ["-q", "info", base.name, "test"], cwd)
    assert code == 0 and err == b""
    code, _, err = assert_same(binary, ["-v", "info", base.name, "test"], cwd)
    assert code == 0 and err.startswith(b"vqueue: warning: CurrentPartDerived: ")


@pytest.mark.parametrize("args", [
    ["--help"], ["--version"], ["info", "--help"], [], ["info"], ["frobnicate", "x", "y"],
    ["info", "nowhere", "q"], ["info", ".", "bad name"], ["cat", ".", "missing"], ["-q", "-v", "info", ".", "q"],
])
def test_usage_and_errors_are_the_same_on_every_entry_point(binary, tmp_path, args):
    code, out, err = assert_same(binary, args, tmp_path)
    assert code in (0, 2, 3)
    assert out or err

"""Shared test setup: Hypothesis profiles, temporary queue directories and
access to the golden fixture queues."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

REPO_ROOT = Path(__file__).resolve().parents[2]

# "ci" keeps the suite within a few minutes on a 2-core machine; "dev" digs deeper.
settings.register_profile(
    "ci",
    max_examples=50,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "dev",
    max_examples=1000,
    stateful_step_count=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def fixtures_dir() -> Path:
    """Folder of the golden queues: $VQUEUE_FIXTURES, else ../shared/fixtures
    relative to the repository root."""
    env = os.environ.get("VQUEUE_FIXTURES")
    return Path(env) if env else REPO_ROOT.parent / "shared" / "fixtures"


def _make_writable(root: Path) -> None:
    # The fixtures are shipped read-only; the copies must accept consumer state.
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            p.chmod(p.stat().st_mode | stat.S_IWUSR)
    root.chmod(root.stat().st_mode | stat.S_IWUSR)


@pytest.fixture
def fixture_copy(tmp_path):
    """Returns a function that copies a named fixture queue into a temporary
    directory and gives back that copy's path."""
    base = fixtures_dir()
    if not base.is_dir():
        # CI sets VQUEUE_REQUIRE_FIXTURES=1: there a missing folder is a failure.
        if os.environ.get("VQUEUE_REQUIRE_FIXTURES") == "1":
            pytest.fail(f"golden fixtures folder not found: {base}, and VQUEUE_REQUIRE_FIXTURES=1 "
                        "(set VQUEUE_FIXTURES)")
        pytest.skip(f"golden fixtures folder not found: {base} (set VQUEUE_FIXTURES)")

    def copy(name: str) -> Path:
        src = base / name
        assert src.is_dir(), f"fixture {name} missing in {base}"
        dst = tmp_path / name
        shutil.copytree(src, dst)
        _make_writable(dst)
        return dst

    return copy


@pytest.fixture
def base(tmp_path) -> Path:
    """An empty directory for a queue."""
    d = tmp_path / "queue-data"
    d.mkdir()
    return d

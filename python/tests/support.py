"""Functions shared by the tests: draining a consumer, running Python in a child process."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator, List

from vqueue import Consumer

PYTHON_DIR = Path(__file__).resolve().parents[1]


def drain(consumer: Consumer, commit: bool = True) -> List[bytes]:
    """Everything the consumer can read now, through the original protocol."""
    out = []
    while consumer.pop_header():
        body = consumer.pop_body()
        assert body is not None
        out.append(body)
        if commit:
            assert consumer.commit() is True
    return out


def run_python(code: str, *args: str, timeout: float = 60, **kwargs) -> subprocess.CompletedProcess:
    """Runs ``code`` in a fresh interpreter of the same environment."""
    env = dict(os.environ)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=timeout, env=env, **kwargs)


@contextlib.contextmanager
def held_by_child(base: Path, open_statement: str) -> Iterator[subprocess.Popen]:
    """A child process that runs ``open_statement`` (``sys.argv[1]`` is
    ``base``) and keeps what it opened until the ``with`` block ends."""
    code = f"import sys, vqueue\n{open_statement}\nprint('open', flush=True)\nsys.stdin.readline()\n"
    child = subprocess.Popen([sys.executable, "-c", code, str(base)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "open"
        yield child
    finally:
        child.stdin.write("\n")
        child.stdin.flush()
        child.wait(30)

"""The original package's README examples, verbatim, are acceptance tests."""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

from support import PYTHON_DIR, drain
from vqueue import Consumer

EXAMPLES = PYTHON_DIR / "examples" / "readme_examples.py"
# The example script is the single copy of the original README's three
# "Usage" examples: its docstring, then the examples unchanged, then a part
# that prints what the last example's comments promise.
_EXAMPLES_TEXT = EXAMPLES.read_text()
_NOT_IN_README = "# --- not in the README"
README_SCRIPT = re.sub(r'\A""".*?"""\n', "", _EXAMPLES_TEXT, flags=re.S).split(_NOT_IN_README)[0]


def spec_dir() -> Path:
    """Folder of the contract documents: $VQUEUE_SPEC, else ../shared/spec
    relative to the repository root."""
    env = os.environ.get("VQUEUE_SPEC")
    return Path(env) if env else PYTHON_DIR.parent.parent / "shared" / "spec"


def python_blocks(markdown: str) -> str:
    return "\n".join(re.findall(r"```python\n(.*?)```", markdown, re.S)[:3]).strip()


def run_readme(cwd) -> tuple:
    old = os.getcwd()
    out = io.StringIO()
    namespace: dict = {"__name__": "__readme__"}
    try:
        os.chdir(cwd)
        with contextlib.redirect_stdout(out):
            exec(compile(README_SCRIPT, "README.md", "exec"), namespace)
    finally:
        os.chdir(old)
    return out.getvalue(), namespace


def test_readme_examples_print_what_their_comments_promise(tmp_path):
    printed, ns = run_readme(tmp_path)
    # consumer1 committed everything in the first example, so in the second
    # only the new consumer2 has something left: all five messages.
    assert printed.splitlines() == [
        "Received: 0",
        "Received: 1",
        "Received: 2",
        "Received: 3",
        "Received: 4",
        "Consumer consumer2 received: 0",
        "Consumer consumer2 received: 1",
        "Consumer consumer2 received: 2",
        "Consumer consumer2 received: 3",
        "Consumer consumer2 received: 4",
    ]
    base = tmp_path / "queue-data"
    # "Existing consumers will read messages from all parts"
    assert drain(ns["consumer1"]) == [b"message1", b"message2", b"message3", b"message4"]
    assert drain(ns["consumer2"]) == [b"message1", b"message2", b"message3", b"message4"]
    # "New consumers will start reading from the current part"
    assert drain(Consumer(base, "consumer3", "my_queue")) == [b"message3", b"message4"]
    # The partitioning example made two more parts after the first one.
    assert ns["queue2"].count_pushed == 2
    assert ns["queue2"].is_ready
    assert not ns["queue1"].is_ready  # taken over by queue2 in this process
    assert not ns["queue"].is_ready


def test_readme_script_runs_as_a_program(tmp_path):
    proc = subprocess.run([sys.executable, str(EXAMPLES)], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[:5] == [f"Received: {i}" for i in range(5)]
    assert lines[5:10] == [f"Consumer consumer2 received: {i}" for i in range(5)]
    # "Existing consumers will read messages from all parts; new consumers
    # will start reading from the current part."
    assert lines[10:] == [
        "after partitioning, consumer1 received: message1, message2, message3, message4",
        "after partitioning, consumer2 received: message1, message2, message3, message4",
        "after partitioning, consumer3 received: message3, message4",
    ]
    assert proc.stderr == ""


def test_script_is_the_readme_examples_verbatim():
    assert _NOT_IN_README in _EXAMPLES_TEXT
    assert python_blocks((PYTHON_DIR / "README.md").read_text()) == README_SCRIPT.strip()
    original = spec_dir() / "ORIGINAL-README.md"
    if original.is_file():
        assert python_blocks(original.read_text()) == README_SCRIPT.strip()
    else:
        warnings.warn(f"{original} not found (set VQUEUE_SPEC): compared with the package README only")

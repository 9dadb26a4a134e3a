"""The original package's README examples, verbatim, are acceptance tests."""

from __future__ import annotations

import contextlib
import io
import os

from support import drain
from vqueue import Consumer

# The three examples of the original README's "Usage" section, pasted
# unchanged into one script.
README_SCRIPT = '''
from vqueue import Queue, Consumer, Mode, MsgType
import tempfile

# Create a queue
base_path = "./queue-data"
queue_name = "my_queue"
queue = Queue(base_path, queue_name, Mode.READ_WRITE)

# Push some messages
for i in range(5):
    msg = str(i).encode('utf-8')
    queue.push(msg, MsgType.STRING)

# Create a consumer and read messages
consumer = Consumer(base_path, "consumer1", queue_name)

while consumer.pop_header():
    message = consumer.pop_body()
    if message is not None:
        print(f"Received: {message.decode('utf-8')}")
        consumer.commit()

# Create multiple consumers
consumer1 = Consumer(base_path, "consumer1", queue_name)
consumer2 = Consumer(base_path, "consumer2", queue_name)

# Each consumer will receive all messages
for consumer in [consumer1, consumer2]:
    while consumer.pop_header():
        message = consumer.pop_body()
        if message is not None:
            print(f"Consumer {consumer.name} received: {message.decode('utf-8')}")
            consumer.commit()

# Create first part and write messages
queue1 = Queue(base_path, queue_name, Mode.READ_WRITE)
queue1.push(b"message1", MsgType.STRING)
queue1.push(b"message2", MsgType.STRING)

# Create second part
queue2 = Queue(base_path, queue_name, Mode.READ_WRITE)
queue2.push(b"message3", MsgType.STRING)
queue2.push(b"message4", MsgType.STRING)

# Existing consumers will read messages from all parts
# New consumers will start reading from the current part
'''


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
    (tmp_path / "readme.py").write_text(README_SCRIPT)
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "readme.py"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[:5] == [f"Received: {i}" for i in range(5)]
    assert proc.stdout.splitlines()[5:] == [f"Consumer consumer2 received: {i}" for i in range(5)]
    assert proc.stderr == ""


def test_package_readme_shows_the_same_examples():
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)[:3]
    assert "\n".join(blocks).strip() == README_SCRIPT.strip()

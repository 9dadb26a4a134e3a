"""Writer and consumers in separate processes, including a killed writer."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import subprocess
import sys
import time

import pytest

import vqueue
from support import drain
from vqueue import Consumer, Mode, MsgType, Queue

N = 2000


def body(i: int) -> bytes:
    # Long and varied enough that a v3 writer trains a dictionary and compresses.
    return b'{"id": %d, "user": "user%d", "tags": ["t%d", "t%d"], "score": 0.%d}' % (
        i, (i * 7919) % 100003, i % 7, i % 11, (i * 31) % 997)


def produce(base: str, n: int, start: int, fmt: str = "v2") -> None:
    q = Queue(base, "mp", Mode.READ_WRITE, format=fmt)
    for i in range(start, start + n):
        q.push(body(i), MsgType.STRING if i % 3 else MsgType.OBJECT)
        if i % 500 == 0:
            time.sleep(0.01)  # let the consumers catch up now and then
    q.close()


def consume(base: str, name: str, n: int, out) -> None:
    c = Consumer(base, name, "mp")
    got = []
    deadline = time.monotonic() + 60
    while len(got) < n and time.monotonic() < deadline:
        if not c.wait(1.0):
            continue
        for m in c.pop_batch(256):
            got.append(m.body)
        c.commit()
    out.put((name, got))


@pytest.mark.parametrize("fmt", ["v2", "v3"])
def test_writer_and_consumers_in_separate_processes(base, fmt):
    # The queue must exist and the consumers must have saved positions at its
    # first part before the producer starts.
    Queue(base, "mp", Mode.READ_WRITE).close()
    for name in ("a", "b", "c"):
        Consumer(base, name, "mp").commit()
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    consumers = [ctx.Process(target=consume, args=(str(base), name, N, out)) for name in ("a", "b", "c")]
    for p in consumers:
        p.start()
    producer = ctx.Process(target=produce, args=(str(base), N, 0, fmt))
    producer.start()
    producer.join(60)
    assert producer.exitcode == 0
    results = dict(out.get(timeout=90) for _ in consumers)
    for p in consumers:
        p.join(30)
        assert p.exitcode == 0
    want = [body(i) for i in range(N)]
    for name in ("a", "b", "c"):
        assert results[name] == want, name
    # Positions were committed in the child processes.
    for name in ("a", "b", "c"):
        assert Consumer(base, name, "mp").backlog == 0


def test_consumer_in_this_process_sees_pushes_of_another_at_once(base):
    Queue(base, "mp", Mode.READ_WRITE).close()
    c = Consumer(base, "live", "mp")
    code = (
        "import sys, vqueue\n"
        "q = vqueue.Queue(sys.argv[1], 'mp', vqueue.Mode.READ_WRITE)\n"
        "for line in sys.stdin:\n"
        "    q.push(line.strip().encode(), vqueue.MsgType.STRING)\n"
        "    print('ack', flush=True)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code, str(base)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        for i in range(20):
            child.stdin.write(f"m{i}\n")
            child.stdin.flush()
            assert child.stdout.readline().strip() == "ack"
            # Visible as soon as push returned in the other process.
            assert c.pop().body == f"m{i}".encode()
    finally:
        child.stdin.close()
        child.wait(30)
    assert child.returncode == 0


def test_killed_writer_loses_nothing_acknowledged(base):
    code = (
        "import sys, vqueue\n"
        "q = vqueue.Queue(sys.argv[1], 'killed', vqueue.Mode.READ_WRITE)\n"
        "i = 0\n"
        "while True:\n"
        "    q.push(b'rec-%08d' % i + b'x' * (i % 700), vqueue.MsgType.OBJECT)\n"
        "    print(i, flush=True)\n"
        "    i += 1\n"
    )
    Queue(base, "killed", Mode.READ_WRITE).close()
    reader = Consumer(base, "r", "killed")
    reader.commit()
    child = subprocess.Popen([sys.executable, "-c", code, str(base)], stdout=subprocess.PIPE, text=True)
    acked = -1
    for line in child.stdout:
        acked = int(line)
        if acked >= 3000:
            break
    os.kill(child.pid, signal.SIGKILL)
    child.wait(30)
    rest = child.stdout.read()  # acks printed before the kill landed
    for line in rest.split():
        acked = max(acked, int(line))

    got = [m.body for m in reader]
    assert len(got) >= acked + 1
    for i, body in enumerate(got):
        assert body == b"rec-%08d" % i + b"x" * (i % 700)
    reader.commit()

    # The lock died with the process: a new writer opens and the same
    # consumer continues into its part.
    q = Queue(base, "killed", Mode.READ_WRITE)
    q.push(b"after restart", MsgType.STRING)
    assert drain(reader) == [b"after restart"]
    assert vqueue.verify(base, "killed").ok


def test_second_writer_process_gets_already_open_while_first_lives(base):
    q = Queue(base, "one", Mode.READ_WRITE)
    proc = subprocess.run(
        [sys.executable, "-c",
         "import sys, vqueue\n"
         "try:\n"
         "    vqueue.Queue(sys.argv[1], 'one', vqueue.Mode.READ_WRITE)\n"
         "except vqueue.AlreadyOpen as e:\n"
         "    print('AlreadyOpen:', e)\n",
         str(base)],
        capture_output=True, text=True, timeout=60)
    assert proc.stdout.startswith("AlreadyOpen:"), proc.stderr
    q.push(b"still mine", MsgType.STRING)
    assert q.is_ready

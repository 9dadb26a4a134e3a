"""The API beyond the original: options, Message, iteration, batches, wait,
backlog, context managers, path-like arguments, typing and documentation."""

from __future__ import annotations

import enum
import pathlib
import threading
import time

import pytest

import vqueue
from support import drain
from vqueue import Consumer, Message, Mode, MsgType, Queue


def test_enums_match_the_published_values():
    assert issubclass(Mode, enum.IntEnum)
    assert [(m.name, int(m)) for m in Mode] == [("READ", 0), ("READ_WRITE", 1), ("DEFAULT", 2)]
    assert issubclass(MsgType, enum.Enum)
    assert MsgType.STRING.value == b"S" and MsgType.OBJECT.value == b"O"
    assert issubclass(vqueue.QueueError, ValueError)


def test_pathlike_and_str_paths_are_the_same_queue(base):
    q = Queue(pathlib.Path(base), "paths", Mode.READ_WRITE)
    q.push(b"x", MsgType.STRING)
    assert drain(Consumer(str(base), "c", "paths")) == [b"x"]


def test_msg_type_also_accepted_as_its_value(base):
    q = Queue(base, "values", Mode.READ_WRITE)
    q.push(b"s", b"S")
    q.push(b"o", b"O")
    c = Consumer(base, "c", "values")
    assert [m.msg_type for m in c] == [MsgType.STRING, MsgType.OBJECT]
    with pytest.raises(ValueError, match="msg_type must be MsgType.STRING or MsgType.OBJECT"):
        q.push(b"x", b"X")
    with pytest.raises(TypeError, match="data must be bytes or bytearray, not str"):
        q.push("text", MsgType.STRING)


def test_pop_returns_messages_with_part_and_offset(base):
    q = Queue(base, "msgs", Mode.READ_WRITE)
    edges = [q.push(b"a" * 10, MsgType.STRING), q.push(bytearray(b"b" * 20), MsgType.OBJECT)]
    c = Consumer(base, "c", "msgs")
    m1 = c.pop()
    m2 = c.pop()
    assert c.pop() is None
    assert isinstance(m1, Message)
    assert (m1.body, m1.msg_type, m1.part) == (b"a" * 10, MsgType.STRING, q.part_id)
    assert (m2.body, m2.msg_type, m2.part) == (b"b" * 20, MsgType.OBJECT, q.part_id)
    # Offsets identify records in push order and lie inside the part.
    assert 0 <= m1.offset < m2.offset < edges[1]
    assert m1 == Message(b"a" * 10, MsgType.STRING, m1.part, m1.offset)
    assert m1 != m2
    assert "Message(body=b'aaaaaaaaaa'" in repr(m1)
    assert c.position == edges[1]


def test_iteration_yields_every_message_and_does_not_commit(base):
    q = Queue(base, "iter", Mode.READ_WRITE)
    for i in range(10):
        q.push(b"%d" % i, MsgType.STRING)
    c = Consumer(base, "c", "iter")
    assert [m.body for m in c] == [b"%d" % i for i in range(10)]
    assert list(c) == []
    c.close()
    with Consumer(base, "c", "iter") as c2:
        assert len(list(c2)) == 10  # nothing was committed


def test_push_batch_and_pop_batch(base):
    with Queue(base, "batch", Mode.READ_WRITE) as q:
        edge = q.push_batch([b"x%d" % i for i in range(1000)], MsgType.OBJECT)
        assert edge == q.right_edge
        assert q.count_pushed == 1000
        q.push_batch((b"t1", bytearray(b"t2")), MsgType.STRING)
        q.push_batch(iter([b"g"]), MsgType.STRING)
    with Consumer(base, "c", "batch") as c:
        first = c.pop_batch(600)
        rest = c.pop_batch(10_000)
        assert len(first) == 600 and len(rest) == 403
        assert [m.body for m in first + rest] == [b"x%d" % i for i in range(1000)] + [b"t1", b"t2", b"g"]
        assert c.pop_batch(5) == []
        assert c.commit()


def test_backlog_counts_unread_records_across_parts(base):
    q = Queue(base, "lag", Mode.READ_WRITE)
    c = Consumer(base, "c", "lag")
    assert c.backlog == 0
    for i in range(3):
        q.push(b"x", MsgType.STRING)
    q = Queue(base, "lag", Mode.READ_WRITE)
    for i in range(4):
        q.push(b"y", MsgType.STRING)
    assert c.backlog == 7
    c.pop()
    assert c.backlog == 6
    drain(c)
    assert c.backlog == 0


def test_wait_returns_when_a_record_arrives_and_times_out_otherwise(base):
    q = Queue(base, "wait", Mode.READ_WRITE)
    c = Consumer(base, "c", "wait")
    t0 = time.monotonic()
    assert c.wait(0.2) is False
    assert time.monotonic() - t0 >= 0.19
    assert c.wait(0) is False

    def later():
        time.sleep(0.3)
        q.push(b"hello", MsgType.STRING)

    threading.Thread(target=later).start()
    t0 = time.monotonic()
    assert c.wait(10) is True
    assert time.monotonic() - t0 < 5
    assert c.pop().body == b"hello"
    with pytest.raises(ValueError, match="timeout must be"):
        c.wait(-1)


def test_wait_releases_the_gil(base):
    Queue(base, "gil", Mode.READ_WRITE)
    c = Consumer(base, "c", "gil")
    counter = 0
    done = threading.Event()

    def spin():
        nonlocal counter
        while not done.is_set():
            counter += 1

    t = threading.Thread(target=spin)
    t.start()
    try:
        c.wait(0.5)
        during = counter
    finally:
        done.set()
        t.join()
    # A thread that waited holding the GIL would leave the spinner a few
    # switch intervals at most.
    assert during > 10_000


def test_context_managers_close(base):
    with Queue(base, "ctx", Mode.READ_WRITE) as q:
        q.push(b"1", MsgType.STRING)
    assert not q.is_ready
    with Consumer(base, "c", "ctx") as c:
        assert c.pop().body == b"1"
    assert not c.is_ready
    q.close()  # idempotent
    c.close()


def test_writer_options_are_keyword_only_and_checked(base):
    with pytest.raises(TypeError):
        Queue(base, "opts", Mode.READ_WRITE, "v3")  # noqa
    with pytest.raises(ValueError, match='format must be "v2" or "v3"'):
        Queue(base, "opts", Mode.READ_WRITE, format="v9")
    with pytest.raises(ValueError, match='durability must be "none" or "sync"'):
        Queue(base, "opts", Mode.READ_WRITE, durability="maybe")
    q = Queue(base, "opts", Mode.READ_WRITE, format="v3", durability="sync")
    assert q.format == "v3" and q.mode == Mode.READ_WRITE
    q.push(b"synced", MsgType.STRING)
    q.sync()
    assert [m.body for m in Consumer.reader(base, "opts")] == [b"synced"]


def test_v3_writer_compresses_and_reads_back(base):
    import json
    import random

    rnd = random.Random(7)
    q = Queue(base, "v3", Mode.READ_WRITE, format="v3")
    bodies = []
    deadline = time.monotonic() + 30
    # The dictionary is trained in the background from the first bodies;
    # keep pushing until it is in use.
    while not vqueue.inspect(base, "v3").parts[0].has_dict and time.monotonic() < deadline:
        batch = [json.dumps({"id": len(bodies) + i, "user": "user%d" % rnd.randrange(10**6),
                             "tags": rnd.sample(["alpha", "beta", "gamma", "delta", "eps"], 3),
                             "score": rnd.random()}).encode() for i in range(500)]
        for b in batch:
            q.push(b, MsgType.OBJECT)
        bodies.extend(batch)
        time.sleep(0.01)
    assert vqueue.inspect(base, "v3").parts[0].has_dict
    # The writer takes up the dictionary shortly after it is on disk (on a
    # loaded machine, some pushes later): push until a batch is stored in
    # less room than its raw records.
    tail = []
    compressed = False
    deadline = time.monotonic() + 30
    while not compressed and time.monotonic() < deadline:
        before = vqueue.inspect(base, "v3").parts[0].right_edge
        batch = bodies[:500]
        for b in batch:
            q.push(b, MsgType.STRING)
        tail.extend(batch)
        stored = vqueue.inspect(base, "v3").parts[0].right_edge - before
        compressed = stored < sum(25 + len(b) for b in batch)
    part = vqueue.inspect(base, "v3").parts[0]
    assert compressed and part.format == "v3"
    c = Consumer(base, "c", "v3")
    got = []
    while c.pop_header():
        n = c.record_len
        body = c.pop_body()
        assert len(body) == n  # the decoded length, not the stored one
        got.append(body)
    assert got == bodies + tail


def test_reader_writes_no_state_and_reads_from_first_part(base):
    q = Queue(base, "rd", Mode.READ_WRITE)
    q.push(b"a", MsgType.STRING)
    q = Queue(base, "rd", Mode.READ_WRITE)
    q.push(b"b", MsgType.STRING)
    before = sorted(p.name for p in base.iterdir())
    assert [m.body for m in Consumer.reader(base, "rd")] == [b"a", b"b"]
    assert [m.body for m in Consumer.reader(base, "rd", start="current")] == [b"b"]
    with pytest.raises(ValueError, match='start must be "first" or "current"'):
        Consumer.reader(base, "rd", start="middle")
    assert sorted(p.name for p in base.iterdir()) == before


def test_large_bodies_round_trip(base):
    q = Queue(base, "big", Mode.READ_WRITE)
    bodies = [b"", b"\0", bytes(range(256)) * 1024, b"z" * (3 * 1024 * 1024)]
    for b in bodies:
        q.push(b, MsgType.OBJECT)
    c = Consumer(base, "c", "big")
    got = []
    while c.pop_header():
        n = c.record_len
        body = c.pop_body()
        assert len(body) == n
        got.append(body)
    assert got == bodies


def test_one_consumer_shared_between_threads_delivers_each_message_once(base):
    q = Queue(base, "threads", Mode.READ_WRITE)
    n = 4000
    pushers = [threading.Thread(target=lambda k=k: [q.push(b"%d-%d" % (k, i), MsgType.STRING) for i in range(n // 4)])
               for k in range(4)]
    for t in pushers:
        t.start()
    for t in pushers:
        t.join()
    assert q.count_pushed == n
    c = Consumer(base, "c", "threads")
    seen = []
    lock = threading.Lock()

    def worker():
        while True:
            m = c.pop()
            if m is None:
                return
            with lock:
                seen.append(m.body)

    workers = [threading.Thread(target=worker) for _ in range(4)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    assert sorted(seen) == sorted(b"%d-%d" % (k, i) for k in range(4) for i in range(n // 4))
    # Each pusher's own messages keep their order in the queue.
    for k in range(4):
        mine = [b for b in (m.body for m in Consumer.reader(base, "threads")) if b.startswith(b"%d-" % k)]
        assert mine == [b"%d-%d" % (k, i) for i in range(n // 4)]


def test_public_names_are_documented_and_typed():
    import vqueue.cli

    pkg = pathlib.Path(vqueue.__file__).parent
    assert (pkg / "py.typed").is_file()
    assert (pkg / "_vqueue.pyi").is_file()
    for name in vqueue.__all__:
        if name == "__version__":
            continue
        obj = getattr(vqueue, name)
        assert obj.__doc__ and obj.__doc__.strip(), name
    for cls in (Queue, Consumer):
        for attr in dir(cls):
            if attr.startswith("_"):
                continue
            assert getattr(cls, attr).__doc__, f"{cls.__name__}.{attr}"
    text = vqueue.Consumer.__doc__
    assert "pop_header()" in text and "wait(timeout)" in text
    import pydoc

    page = pydoc.render_doc(vqueue.Consumer, renderer=pydoc.plaintext)
    assert "pop_body" in page and "Saves the position after the last popped record" in page


def test_panic_in_the_extension_becomes_queue_error():
    from vqueue import _vqueue

    with pytest.raises(vqueue.QueueError, match="internal error in vqueue: deliberate"):
        _vqueue._panic("deliberate")


def test_calls_during_a_wait_in_another_thread_do_not_deadlock(base):
    q = Queue(base, "busy", Mode.READ_WRITE)
    c = Consumer(base, "c", "busy")
    waiter = threading.Thread(target=lambda: c.wait(1.0))
    waiter.start()
    time.sleep(0.05)
    t0 = time.monotonic()
    # Each of these needs the consumer's lock, which the waiting thread holds
    # in slices; none may block the interpreter or deadlock.
    for _ in range(20):
        assert c.count_popped == 0
        assert c.pop() is None
    q.push(b"x", MsgType.STRING)
    waiter.join(10)
    assert not waiter.is_alive()
    assert time.monotonic() - t0 < 5
    assert c.pop().body == b"x"


def test_large_bodies_popped_by_competing_threads(base):
    q = Queue(base, "bigthreads", Mode.READ_WRITE)
    bodies = [bytes([i]) * (70_000 + i) for i in range(64)]
    q.push_batch(bodies, MsgType.OBJECT)
    c = Consumer(base, "c", "bigthreads")
    got = []
    lock = threading.Lock()

    def worker():
        while True:
            batch = c.pop_batch(3)
            if not batch:
                m = c.pop()
                if m is None:
                    return
                batch = [m]
            with lock:
                got.extend(m.body for m in batch)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(got) == sorted(bodies)


def test_ctrl_c_interrupts_a_long_wait(base):
    from support import run_python

    Queue(base, "sig", Mode.READ_WRITE).close()
    proc = run_python(
        "import os, signal, sys, threading, time, vqueue\n"
        "c = vqueue.Consumer(sys.argv[1], 'c', 'sig')\n"
        "threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT)).start()\n"
        "t0 = time.monotonic()\n"
        "try:\n"
        "    c.wait(30)\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted after %.1f s' % (time.monotonic() - t0))\n",
        str(base),
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("interrupted after "), proc.stdout
    assert float(proc.stdout.split()[2]) < 5  # not the 30 s of the wait

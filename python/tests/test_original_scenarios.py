"""Scenarios of the original binding's own test script."""

from __future__ import annotations

from support import drain
from vqueue import Consumer, Mode, MsgType, Queue


def test_one_producer_one_consumer_in_order(base):
    q = Queue(base, "orders", Mode.READ_WRITE)
    sent = [f"message {i}".encode() for i in range(100)]
    for i, body in enumerate(sent):
        edge = q.push(body, MsgType.STRING if i % 2 else MsgType.OBJECT)
        assert edge == q.right_edge
    assert q.count_pushed == 100
    assert q.name == "orders"
    assert q.is_ready

    c = Consumer(base, "reader", "orders")
    assert c.get_batch_size() == 100
    got = []
    types = []
    while c.pop_header():
        types.append(c.msg_type)
        body = c.pop_body()
        got.append(body)
        assert c.commit() is True
    assert got == sent
    assert types == [MsgType.STRING if i % 2 else MsgType.OBJECT for i in range(100)]
    assert c.count_popped == 100
    assert c.get_batch_size() == 0
    assert c.pop_body() is None  # no header popped


def test_three_consumers_each_get_all(base):
    q = Queue(base, "fanout", Mode.READ_WRITE)
    sent = [bytes([i]) * (i + 1) for i in range(50)]
    consumers = [Consumer(base, f"c{i}", "fanout") for i in range(3)]
    for body in sent:
        q.push(body, MsgType.STRING)
    for c in consumers:
        assert drain(c) == sent
        assert c.count_popped == 50
    # Pushes after the consumers have caught up reach all three again.
    q.push(b"late", MsgType.OBJECT)
    for c in consumers:
        assert drain(c) == [b"late"]


def test_second_writer_starts_part_existing_consumer_crosses_new_consumer_starts_there(base):
    q1 = Queue(base, "parts", Mode.READ_WRITE)
    first_part = q1.part_id
    q1.push(b"p0-a", MsgType.STRING)
    q1.push(b"p0-b", MsgType.STRING)
    old = Consumer(base, "old", "parts")
    assert drain(old) == [b"p0-a", b"p0-b"]

    q2 = Queue(base, "parts", Mode.READ_WRITE)
    assert q2.part_id == first_part + 1
    assert q2.count_pushed == 0
    assert not q1.is_ready
    q2.push(b"p1-a", MsgType.STRING)
    q2.push(b"p1-b", MsgType.OBJECT)

    assert drain(old) == [b"p1-a", b"p1-b"]
    assert old.part_id == first_part + 1
    new = Consumer(base, "new", "parts")
    assert drain(new) == [b"p1-a", b"p1-b"]


def test_reopening_a_writer_with_an_empty_part_reuses_it(base):
    q1 = Queue(base, "empty", Mode.READ_WRITE)
    part = q1.part_id
    q1.close()
    q2 = Queue(base, "empty", Mode.READ_WRITE)
    assert q2.part_id == part


def test_consumer_that_did_not_commit_rereads_after_reopen(base):
    q = Queue(base, "alo", Mode.READ_WRITE)
    for i in range(5):
        q.push(b"%d" % i, MsgType.STRING)
    c = Consumer(base, "c", "alo")
    assert drain(c, commit=False)[:2] == [b"0", b"1"]
    c.close()
    c = Consumer(base, "c", "alo")
    assert drain(c, commit=False) == [b"0", b"1", b"2", b"3", b"4"]
    c.close()
    c = Consumer(base, "c", "alo")
    assert c.pop_header()
    assert c.pop_body() == b"0"
    c.commit()
    c.close()
    c = Consumer(base, "c", "alo")
    assert drain(c) == [b"1", b"2", b"3", b"4"]


def test_read_only_consumer_crosses_parts_and_writes_nothing(base):
    q = Queue(base, "ro", Mode.READ_WRITE)
    q.push(b"a", MsgType.STRING)
    rw = Consumer(base, "saved", "ro")
    rw.commit()  # saves a position at the start of the first part
    rw.close()
    q = Queue(base, "ro", Mode.READ_WRITE)
    q.push(b"b", MsgType.STRING)
    files_before = sorted(p.name for p in base.rglob("*"))
    contents_before = {p: p.read_bytes() for p in base.rglob("*") if p.is_file()}
    for mode in (Mode.READ, Mode.DEFAULT):
        ro = Consumer.new_with_mode(base, "saved", "ro", mode)
        assert ro.mode == mode
        assert drain(ro, commit=False) == [b"a", b"b"]
        ro.close()
    assert sorted(p.name for p in base.rglob("*")) == files_before
    assert {p: p.read_bytes() for p in base.rglob("*") if p.is_file()} == contents_before

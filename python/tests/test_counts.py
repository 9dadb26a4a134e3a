"""get_batch_size and backlog follow the writer's pushes."""

from __future__ import annotations

from vqueue import Consumer, Mode, MsgType, Queue


def test_backlog_and_batch_size_see_every_new_push(base):
    q = Queue(base, "counts", Mode.READ_WRITE)
    c = Consumer(base, "c", "counts")
    assert (c.get_batch_size(), c.backlog) == (0, 0)
    q.push(b"1", MsgType.STRING)
    assert (c.get_batch_size(), c.backlog) == (1, 1)
    q.push(b"2", MsgType.STRING)
    assert (c.get_batch_size(), c.backlog) == (2, 2)
    c.pop()
    q.push(b"3", MsgType.STRING)
    assert (c.get_batch_size(), c.backlog) == (2, 2)


def test_batch_size_counts_the_current_part_only(base):
    q = Queue(base, "counts", Mode.READ_WRITE)
    c = Consumer(base, "c", "counts")
    q.push(b"a", MsgType.STRING)
    q = Queue(base, "counts", Mode.READ_WRITE)
    q.push(b"b", MsgType.STRING)
    q.push(b"c", MsgType.STRING)
    assert c.get_batch_size() == 1
    assert c.backlog == 3
    assert c.pop().body == b"a"
    assert c.pop().body == b"b"  # crossed into the next part
    assert c.get_batch_size() == 1
    assert c.backlog == 1

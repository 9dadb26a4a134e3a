"""Every exception class is raised by some operation, with a useful message."""

from __future__ import annotations

import struct

import pytest

import vqueue
from support import held_by_child, run_python
from vqueue import Consumer, Mode, MsgType, Queue


def test_hierarchy():
    for name in ("AlreadyOpen", "NotFound", "InvalidName", "InvalidChecksum", "Corrupt",
                 "ReadOnly", "Closed", "TooLarge", "Io"):
        cls = getattr(vqueue, name)
        assert issubclass(cls, vqueue.QueueError), name
        assert cls.__module__ == "vqueue"
    assert issubclass(vqueue.QueueError, ValueError)


@pytest.mark.parametrize("bad", ["has space", "semi;colon", "../escape", "a/b", ".", "..", "", "x" * 129, "é"])
def test_invalid_names_are_refused_before_touching_files(base, bad):
    with pytest.raises(vqueue.InvalidName) as e:
        Queue(base, bad, Mode.READ_WRITE)
    assert e.value.name == bad
    assert repr(bad)[1:-1][:20] in str(e.value) or bad == ""
    with pytest.raises(vqueue.InvalidName):
        Consumer(base, bad, "fine")
    with pytest.raises(vqueue.InvalidName):
        vqueue.validate_name(bad)
    assert list(base.iterdir()) == []
    vqueue.validate_name("ok_name-1.2")


def test_not_found(base):
    with pytest.raises(vqueue.NotFound) as e:
        Consumer(base, "c", "nosuchqueue")
    assert "nosuchqueue" in str(e.value)
    with pytest.raises(vqueue.NotFound):
        Consumer.reader(base, "nosuchqueue")


def test_already_open_across_processes(base):
    with held_by_child(base, "q = vqueue.Queue(sys.argv[1], 'held', vqueue.Mode.READ_WRITE)"):
        with pytest.raises(vqueue.AlreadyOpen) as e:
            Queue(base, "held", Mode.READ_WRITE)
        assert "held" in str(e.value)
        assert "already open" in str(e.value).lower()
    # Once the other process is gone, the queue opens.
    Queue(base, "held", Mode.READ_WRITE).push(b"x", MsgType.STRING)


def test_already_open_for_a_consumer_held_by_another_process(base):
    Queue(base, "cq", Mode.READ_WRITE)
    with held_by_child(base, "c = vqueue.Consumer(sys.argv[1], 'busy', 'cq')"):
        with pytest.raises(vqueue.AlreadyOpen, match="busy"):
            Consumer(base, "busy", "cq")
        # A read-only consumer of the same name is fine.
        Consumer.new_with_mode(base, "busy", "cq", Mode.READ).close()


def test_invalid_checksum_names_file_and_offset(base):
    q = Queue(base, "crc", Mode.READ_WRITE)
    q.push(b"intact body one", MsgType.STRING)
    q.push(b"second record", MsgType.STRING)
    q.close()
    part = base / f"crc-{q.part_id}" / "crc_queue"
    data = bytearray(part.read_bytes())
    data[25] ^= 0xFF  # first byte of the first body
    part.write_bytes(bytes(data))
    c = Consumer(base, "c", "crc")
    with pytest.raises(vqueue.InvalidChecksum) as e:
        while c.pop_header():
            c.pop_body()
    assert e.value.path.endswith("crc_queue")
    assert str(part.name) in str(e.value)
    assert e.value.offset == 0
    report = vqueue.verify(base, "crc")
    assert not report.ok
    assert report.problems[0].file.endswith("crc_queue")
    assert report.problems[0].offset == 0


def test_corrupt_structure(base):
    q = Queue(base, "bad", Mode.READ_WRITE)
    q.push(b"abc", MsgType.STRING)
    q.push(b"def", MsgType.STRING)
    q.close()
    part = base / f"bad-{q.part_id}" / "bad_queue"
    data = bytearray(part.read_bytes())
    # The second record's header claims to start elsewhere: a structural
    # fault, not a checksum mismatch.
    second = 25 + 3
    struct.pack_into("<I", data, second + 12, 0x12345678)  # wrong magic
    part.write_bytes(bytes(data))
    c = Consumer(base, "c", "bad")
    assert c.pop().body == b"abc"
    with pytest.raises(vqueue.Corrupt) as e:
        c.pop()
    assert e.value.path.endswith("bad_queue")
    assert e.value.offset == second


def test_read_only_commit(base):
    q = Queue(base, "ro", Mode.READ_WRITE)
    q.push(b"x", MsgType.STRING)
    Consumer(base, "c", "ro").commit()
    ro = Consumer.new_with_mode(base, "c", "ro", Mode.READ)
    assert ro.pop().body == b"x"
    with pytest.raises(vqueue.ReadOnly) as e:
        ro.commit()
    assert "read-only" in str(e.value).lower() or "read only" in str(e.value).lower()
    with pytest.raises(vqueue.ReadOnly):
        Consumer.reader(base, "ro").commit()


def test_closed_after_close_and_after_takeover(base):
    q1 = Queue(base, "cl", Mode.READ_WRITE)
    q1.push(b"1", MsgType.STRING)
    q2 = Queue(base, "cl", Mode.READ_WRITE)
    assert not q1.is_ready
    with pytest.raises(vqueue.Closed) as e:
        q1.push(b"lost?", MsgType.STRING)
    assert "cl" in str(e.value)
    q2.close()
    with pytest.raises(vqueue.Closed):
        q2.push(b"x", MsgType.STRING)
    c = Consumer(base, "c", "cl")
    c.close()
    with pytest.raises(vqueue.Closed):
        c.pop_header()
    # Nothing the taken-over writer had written was lost.
    assert [m.body for m in Consumer.reader(base, "cl")] == [b"1"]


def test_consumer_takeover_in_process(base):
    q = Queue(base, "tk", Mode.READ_WRITE)
    q.push(b"1", MsgType.STRING)
    c1 = Consumer(base, "same", "tk")
    c2 = Consumer(base, "same", "tk")
    assert not c1.is_ready and c2.is_ready
    with pytest.raises(vqueue.Closed):
        c1.pop()
    assert c2.pop().body == b"1"


def test_too_large(base):
    q = Queue(base, "huge", Mode.READ_WRITE)
    # bytes(n) is zero-filled lazily by the allocator, so this costs no real memory.
    big = bytes(2**31)
    with pytest.raises(vqueue.TooLarge) as e:
        q.push(big, MsgType.OBJECT)
    assert e.value.length == 2**31
    assert str(2**31) in str(e.value)
    assert q.count_pushed == 0
    q.push(b"still works", MsgType.STRING)


def test_io_error(base):
    not_a_dir = base / "file"
    not_a_dir.write_bytes(b"")
    with pytest.raises(vqueue.Io) as e:
        Queue(not_a_dir, "q", Mode.READ_WRITE)
    assert e.value.errno is not None
    assert "file" in str(e.value)


def test_errors_are_value_errors_for_old_code(base):
    try:
        Consumer(base, "c", "missing")
    except ValueError as e:
        assert isinstance(e, vqueue.NotFound)
    else:
        pytest.fail("no error")


def test_exceptions_pickle_by_name():
    import pickle

    e = pickle.loads(pickle.dumps(vqueue.NotFound("gone")))
    assert type(e) is vqueue.NotFound and str(e) == "gone"


def test_error_in_child_process_is_catchable_as_value_error(base):
    proc = run_python(
        "import sys, vqueue\n"
        "try:\n"
        "    vqueue.Consumer(sys.argv[1], 'c', 'absent')\n"
        "except ValueError as e:\n"
        "    print(type(e).__name__)\n",
        str(base),
    )
    assert proc.stdout.strip() == "NotFound", proc.stderr


def test_read_only_queue_views_the_current_part_and_refuses_pushes(base):
    q = Queue(base, "view", Mode.READ_WRITE)
    q.push(b"a", MsgType.STRING)
    q.push(b"b", MsgType.STRING)
    for mode in (Mode.READ, Mode.DEFAULT):
        view = Queue(base, "view", mode)
        assert view.mode is mode
        assert (view.count_pushed, view.part_id, view.right_edge) == (2, q.part_id, q.right_edge)
        with pytest.raises(vqueue.ReadOnly, match="opened read-only"):
            view.push(b"x", MsgType.STRING)
    assert q.is_ready  # a read-only view does not take over the writer
    q.push(b"c", MsgType.STRING)
    with pytest.raises(vqueue.NotFound, match='queue "nope"'):
        Queue(base, "nope", Mode.READ)


def test_exception_classes_come_from_the_engines_table():
    """One class per kind of the engine's table, named and documented by it;
    the package and the type stubs offer exactly those."""
    import ast

    import vqueue._vqueue as ext
    import vqueue.errors
    from support import PYTHON_DIR

    kinds = list(ext.ERROR_KINDS)
    assert kinds[0] == "AlreadyOpen" and "Io" in kinds
    for name in kinds:
        cls = getattr(vqueue, name)
        assert cls is getattr(ext, name) is getattr(vqueue.errors, name)
        assert cls.__bases__ == (vqueue.QueueError,)
        assert cls.__module__ == "vqueue" and cls.__name__ == name
        assert cls.__doc__ and "\n" not in cls.__doc__
    assert vqueue.errors.__all__ == ["QueueError", *kinds]
    assert set(vqueue.errors.__all__) <= set(vqueue.__all__)
    stub = ast.parse((PYTHON_DIR / "vqueue" / "_vqueue.pyi").read_text())
    declared = [n.name for n in stub.body if isinstance(n, ast.ClassDef)
                and any(getattr(b, "id", None) == "QueueError" for b in n.bases)]
    assert declared == kinds


@pytest.mark.parametrize("attr", ["path", "offset"])
def test_fields_are_set_only_where_the_error_has_them(base, attr):
    with pytest.raises(vqueue.NotFound) as e:
        Consumer(base, "c", "nosuchqueue")
    assert not hasattr(e.value, attr)
    assert not hasattr(e.value, "errno")

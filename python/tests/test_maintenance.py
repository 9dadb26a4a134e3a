"""inspect, verify, repair, cleanup and skip_corrupt through the Python API."""

from __future__ import annotations

import pytest

import vqueue
from support import drain
from vqueue import Consumer, Mode, MsgType, Queue


def three_parts(base):
    Queue(base, "m", Mode.READ_WRITE).close()
    Consumer(base, "slow", "m").commit()
    for writer_run in range(3):
        with Queue(base, "m", Mode.READ_WRITE, format="v3" if writer_run == 2 else "v2") as q:
            q.push_batch([b"%d-%d" % (writer_run, i) for i in range(10 + writer_run)], MsgType.STRING)


def test_inspect_reports_parts_consumers_and_lag(base):
    three_parts(base)
    with Consumer(base, "slow", "m") as c:
        for _ in range(4):
            c.pop()
        c.commit()
    info = vqueue.inspect(base, "m")
    assert isinstance(info, vqueue.QueueInfo)
    assert info.name == "m"
    assert [(p.id, p.count, p.format) for p in info.parts] == [(0, 10, "v2"), (1, 11, "v2"), (2, 12, "v3")]
    assert all(isinstance(p, vqueue.PartInfo) and p.problem is None for p in info.parts)
    assert info.parts[0].right_edge == info.parts[0].file_size > 0
    assert info.writer_part == 2
    assert info.writer_active is False
    (slow,) = info.consumers
    assert isinstance(slow, vqueue.ConsumerInfo)
    assert (slow.name, slow.part, slow.popped, slow.lag) == ("slow", 0, 4, 29)
    with Queue(base, "m", Mode.READ_WRITE):
        assert vqueue.inspect(base, "m").writer_active is True


def test_verify_reports_progress_and_callback_errors(base):
    three_parts(base)
    calls = []
    report = vqueue.verify(base, "m", progress=lambda done, total: calls.append((done, total)))
    assert report.ok and report.parts == 3 and report.records == 33
    assert calls and calls[-1][0] == calls[-1][1]

    def boom(done, total):
        raise RuntimeError("progress callback failed")

    with pytest.raises(RuntimeError, match="progress callback failed"):
        vqueue.verify(base, "m", progress=boom)


def test_repair_rebuilds_lost_metadata(base):
    three_parts(base)
    (base / "m-1" / "m_info_push").write_bytes(b"")
    (base / "m_info_queue").write_bytes(b"junk")
    report = vqueue.repair(base, "m")
    assert isinstance(report, vqueue.RepairReport)
    assert report.records == 33
    assert report.actions
    assert vqueue.verify(base, "m").ok
    got = [m.body for m in Consumer.reader(base, "m")]
    assert got == [b"%d-%d" % (s, i) for s in range(3) for i in range(10 + s)]


def test_cleanup_removes_only_parts_everyone_passed(base):
    three_parts(base)
    dry = vqueue.cleanup(base, "m", dry_run=True)
    assert dry.removed == [] and dry.kept == [0, 1, 2]
    with Consumer(base, "slow", "m") as c:
        assert len(drain(c, commit=False)) == 33
        c.commit()
    dry = vqueue.cleanup(base, "m", dry_run=True)
    assert dry.removed == [0, 1]
    assert (base / "m-0").exists()
    done = vqueue.cleanup(base, "m")
    assert done.removed == [0, 1] and done.kept == [2] and done.bytes_freed > 0
    assert not (base / "m-0").exists() and not (base / "m-1").exists()
    assert [m.body for m in Consumer.reader(base, "m")] == [b"2-%d" % i for i in range(12)]


def test_skip_corrupt_resumes_after_a_damaged_record(base):
    q = Queue(base, "sk", Mode.READ_WRITE)
    for i in range(5):
        q.push(b"record %d" % i, MsgType.OBJECT)
    q.close()
    part = base / "sk-0" / "sk_queue"
    data = bytearray(part.read_bytes())
    second = 25 + len(b"record 0")
    data[second + 25] ^= 0xFF  # body of the second record
    part.write_bytes(bytes(data))
    c = Consumer(base, "c", "sk")
    assert c.pop().body == b"record 0"
    with pytest.raises(vqueue.InvalidChecksum) as e:
        c.pop()
    assert e.value.offset == second
    with pytest.raises(vqueue.InvalidChecksum):
        c.pop_header()  # stays stopped until told to skip
    assert c.skip_corrupt() == 1
    assert [m.body for m in c] == [b"record 2", b"record 3", b"record 4"]
    assert c.skip_corrupt() == 0
    c.commit()
    c.sync()


def test_verify_lists_crash_leftovers_apart_and_cleanup_notes_an_unreadable_consumer(base):
    q = Queue(base, "q", Mode.READ_WRITE)
    q.push(b"a", MsgType.STRING)
    q.close()
    # A writer that stopped while starting part 1, and a position file that
    # is not one.
    (base / "q-1").mkdir()
    (base / "q-1" / "q_queue").write_bytes(b"")
    (base / "q_info_pop_broken").write_bytes(b"\x00garbage\n")
    report = vqueue.verify(base, "q")
    assert [p.file for p in report.leftovers] == [str(base / "q_info_queue"), str(base / "q-1" / "q_info_push")]
    assert [p.file for p in report.problems] == [str(base / "q_info_pop_broken")]
    done = vqueue.cleanup(base, "q")
    assert done.removed == [0]
    assert any("broken" in n for n in done.notes)

"""The engine's warnings reach Python's ``logging``, on the logger ``vqueue``,
with the warning's kind and file as record attributes."""

from __future__ import annotations

import logging
import shutil

import pytest

import vqueue
from vqueue import Consumer, Mode, MsgType, Queue
from vqueue.cli import main as cli_main


def session(base, *bodies: bytes) -> None:
    q = Queue(base, "q", Mode.READ_WRITE)
    for b in bodies:
        q.push(b, MsgType.STRING)
    q.close()


def only(caplog, kind: str) -> logging.LogRecord:
    records = [r for r in caplog.records if r.name == "vqueue" and getattr(r, "kind", None) == kind]
    assert len(records) == 1, [(r.name, r.getMessage()) for r in caplog.records]
    assert records[0].levelno == logging.WARNING
    return records[0]


@pytest.fixture(autouse=True)
def capture_vqueue(caplog):
    caplog.set_level(logging.WARNING, logger="vqueue")


def test_records_skipped(base, caplog):
    session(base, b"one", b"two", b"three")
    data = base / "q-0" / "q_queue"
    raw = bytearray(data.read_bytes())
    raw[25 + 3 + 25] ^= 0xFF
    data.write_bytes(bytes(raw))
    c = Consumer(base, "c", "q")
    assert c.pop().body == b"one"
    with pytest.raises(vqueue.InvalidChecksum):
        c.pop()
    assert c.skip_corrupt() == 1
    r = only(caplog, "RecordsSkipped")
    assert "1 record(s) lost" in r.getMessage()
    assert r.path.endswith("q_queue")


def test_position_from_backup(base, caplog):
    session(base, b"one", b"two")
    c = Consumer(base, "c", "q")
    c.pop()
    c.commit()
    c.close()
    (base / "q_info_pop_c").write_bytes(b"torn")
    assert Consumer(base, "c", "q").pop().body == b"two"
    r = only(caplog, "PositionFromBackup")
    assert "backup" in r.getMessage() and r.path.endswith("q_info_pop_c")


def test_info_push_rebuilt(base, caplog):
    session(base, b"one", b"two")
    info = base / "q-0" / "q_info_push"
    info.write_bytes(b"x" * len(info.read_bytes()))
    Queue(base, "q", Mode.READ_WRITE).close()
    r = only(caplog, "InfoPushRebuilt")
    assert "rebuilt from 2 intact records" in r.getMessage()
    assert r.path.endswith("q_info_push")


def test_current_part_derived(base, caplog):
    session(base, b"one")
    (base / "q_info_queue").write_bytes(b"garbage\n")
    assert vqueue.inspect(base, "q").writer_part == 0
    r = only(caplog, "CurrentPartDerived")
    assert "deriving the current part" in r.getMessage()
    assert r.path.endswith("q_info_queue")


def test_part_missing(base, caplog):
    for body in (b"zero", b"one!", b"two!"):
        session(base, body)
    shutil.rmtree(base / "q-1")
    assert [m.body for m in Consumer.reader(base, "q")] == [b"zero", b"two!"]
    r = only(caplog, "PartMissing")
    assert "part 1 of queue q is missing" in r.getMessage()
    assert r.path.endswith("q-1")


def test_warnings_still_reach_logging_after_the_command_line_ran(base, caplog):
    session(base, b"one")
    (base / "q_info_queue").write_bytes(b"garbage\n")
    assert cli_main(["-q", "info", str(base), "q"]) == 0
    assert not [r for r in caplog.records if r.name == "vqueue"]
    vqueue.inspect(base, "q")
    only(caplog, "CurrentPartDerived")


def test_dictionary_not_persisted(base, caplog):
    """Raised on the training thread; logged when the next call returns."""
    q = Queue(base, "q", Mode.READ_WRITE, format="v3")
    (base / "q-0" / "q_dict" / "in-the-way").mkdir(parents=True)
    body = b'{"@id":"d:%06d","rdf:type":"v-s:Document","rdfs:label":"a label"}' * 12
    for i in range(400):
        q.push(body.replace(b"000000", b"%06d" % i), MsgType.OBJECT)
    q.close()
    r = only(caplog, "DictionaryNotPersisted")
    assert "stays uncompressed" in r.getMessage() and r.path.endswith("q_dict")

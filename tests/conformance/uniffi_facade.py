"""The UniFFI-generated Python module `vqueue_uniffi` (the surface Kotlin and
Swift use) behind the shape of the `vqueue` package, so that the same
tests (the Hypothesis state machine of python/tests, the conformance
runner) drive both.

Only translation lives here: argument and enum conversion, properties for
getters, context managers and iteration. Errors stay the generated
`QueueError.<Kind>` classes; `Closed` and friends are aliases of them.
"""

from __future__ import annotations

import datetime
import os
import sys
import tempfile
from pathlib import Path
from typing import Iterator, Optional

from vqueue import Mode, MsgType

# Where the generated module and its library are (ci/suite-conformance.sh
# generates them there); $VQUEUE_UNIFFI_DIR overrides it.
UNIFFI_DIR = os.environ.get("VQUEUE_UNIFFI_DIR") or str(Path(__file__).resolve().parents[2] / "target" / "uniffi-python")
sys.path.insert(0, UNIFFI_DIR)
import vqueue_uniffi as u  # noqa: E402

MODES = {Mode.READ: u.Mode.READ, Mode.READ_WRITE: u.Mode.READ_WRITE, Mode.DEFAULT: u.Mode.DEFAULT}
TYPES = {MsgType.STRING: u.MsgType.STRING, MsgType.OBJECT: u.MsgType.OBJECT}
TYPES_BACK = {v: k for k, v in TYPES.items()}
FORMATS = {"v2": u.Format.V2, "v3": u.Format.V3}
FORMATS_BACK = {v: k for k, v in FORMATS.items()}
DURABILITIES = {"none": u.Durability.NONE, "sync": u.Durability.SYNC}

QueueError = u.QueueError
AlreadyOpen = u.QueueError.AlreadyOpen
NotFound = u.QueueError.NotFound
InvalidName = u.QueueError.InvalidName
InvalidChecksum = u.QueueError.InvalidChecksum
Corrupt = u.QueueError.Corrupt
ReadOnly = u.QueueError.ReadOnly
Closed = u.QueueError.Closed
TooLarge = u.QueueError.TooLarge
Io = u.QueueError.Io


class Message:
    def __init__(self, m: "u.Message") -> None:
        self.body = m.body
        self.msg_type = TYPES_BACK[m.msg_type]
        self.part = m.part
        self.offset = m.offset


class Queue:
    def __init__(self, base_path, queue_name: str, mode: Mode, *, format: str = "v2", durability: str = "none"):
        self._q = u.Queue.open_with(os.fspath(base_path), queue_name, MODES[Mode(mode)], FORMATS[format],
                                    DURABILITIES[durability])

    def push(self, data: bytes, msg_type: MsgType) -> int:
        return self._q.push(bytes(data), TYPES[msg_type])

    def push_batch(self, items, msg_type: MsgType) -> int:
        return self._q.push_batch([bytes(b) for b in items], TYPES[msg_type])

    def sync(self) -> None:
        self._q.sync()

    def close(self) -> None:
        self._q.close()

    name = property(lambda self: self._q.name())
    count_pushed = property(lambda self: self._q.count_pushed())
    is_ready = property(lambda self: self._q.is_ready())
    part_id = property(lambda self: self._q.part_id())
    right_edge = property(lambda self: self._q.right_edge())
    format = property(lambda self: FORMATS_BACK[self._q.format()])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class Consumer:
    def __init__(self, base_path, consumer_name: str, queue_name: str, _handle: Optional["u.Consumer"] = None):
        self._c = _handle or u.Consumer.open(os.fspath(base_path), consumer_name, queue_name, u.Mode.READ_WRITE)

    @staticmethod
    def new_with_mode(base_path, consumer_name: str, queue_name: str, mode: Mode) -> "Consumer":
        return Consumer(None, "", "", u.Consumer.open(os.fspath(base_path), consumer_name, queue_name, MODES[Mode(mode)]))

    @staticmethod
    def reader(base_path, queue_name: str, *, start: str = "first", consumer: Optional[str] = None) -> "Consumer":
        if consumer is not None:
            s = u.Start.CONSUMER(name=consumer)
        else:
            s = {"first": u.Start.FIRST_PART, "current": u.Start.CURRENT_PART}[start]()
        return Consumer(None, "", "", u.Consumer.open_reader(os.fspath(base_path), queue_name, s))

    def pop_header(self) -> bool:
        return self._c.pop_header()

    def pop_body(self) -> Optional[bytes]:
        return self._c.pop_body()

    def commit(self) -> bool:
        self._c.commit()
        return True

    def get_batch_size(self) -> int:
        return self._c.get_batch_size()

    def pop(self) -> Optional[Message]:
        m = self._c.pop()
        return None if m is None else Message(m)

    def pop_batch(self, max: int):
        return [Message(m) for m in self._c.pop_batch(max)]

    def wait(self, timeout: float) -> bool:
        return self._c.wait(datetime.timedelta(seconds=timeout))

    def skip_corrupt(self) -> int:
        return self._c.skip_corrupt()

    def sync(self) -> None:
        self._c.sync()

    def close(self) -> None:
        self._c.close()

    backlog = property(lambda self: self._c.backlog())
    name = property(lambda self: self._c.name())
    queue_name = property(lambda self: self._c.queue_name())
    count_popped = property(lambda self: self._c.count_popped())
    part_id = property(lambda self: self._c.part_id())
    position = property(lambda self: self._c.position())
    record_len = property(lambda self: self._c.record_len())
    is_ready = property(lambda self: self._c.is_ready())

    @property
    def msg_type(self) -> Optional[MsgType]:
        t = self._c.msg_type()
        return None if t is None else TYPES_BACK[t]

    def __iter__(self) -> Iterator[Message]:
        return iter(self.pop, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def _format_str(info):
    for p in info.parts:
        p.format = FORMATS_BACK[p.format]
    return info


def inspect(base_path, queue_name: str):
    return _format_str(u.inspect(os.fspath(base_path), queue_name))


def verify(base_path, queue_name: str):
    return u.verify(os.fspath(base_path), queue_name)


def repair(base_path, queue_name: str):
    return u.repair(os.fspath(base_path), queue_name)


def cleanup(base_path, queue_name: str, *, dry_run: bool = False):
    return u.cleanup(os.fspath(base_path), queue_name, dry_run)


def validate_name(name: str) -> None:
    # The UniFFI surface has no validate_name: a name check that touches no
    # file is what `inspect` does first.
    with tempfile.TemporaryDirectory() as empty:
        try:
            u.inspect(empty, name)
        except u.QueueError.NotFound:
            pass

"""vqueue: a persistent, file-based message queue.

Compatible with queues written by the ``v_queue`` Rust crate (formats v2 and
v3). The API of the original ``v-queue-python`` package works unchanged::

    from vqueue import Queue, Consumer, Mode, MsgType

    queue = Queue("./queue-data", "my_queue", Mode.READ_WRITE)
    queue.push(b"hello", MsgType.STRING)

    consumer = Consumer("./queue-data", "consumer1", "my_queue")
    while consumer.pop_header():
        body = consumer.pop_body()
        consumer.commit()

Beyond it: :class:`Message` objects from ``Consumer.pop``/``pop_batch``/
iteration, ``Consumer.wait``, ``backlog``, ``push_batch``, context managers,
the :class:`QueueError` hierarchy and the maintenance functions
:func:`inspect`, :func:`verify`, :func:`repair` and :func:`cleanup`.
"""

from __future__ import annotations

import enum


class Mode(enum.IntEnum):
    """How a queue or consumer is opened.

    ``READ``: never writes a file. ``READ_WRITE``: a writer (starts a new part)
    or a consumer that can commit. ``DEFAULT`` behaves as ``READ``.
    """

    READ = 0
    READ_WRITE = 1
    DEFAULT = 2


class MsgType(enum.Enum):
    """Type tag stored with each message: ``STRING`` (``b'S'``) or ``OBJECT`` (``b'O'``)."""

    STRING = b"S"
    OBJECT = b"O"


from vqueue import errors  # noqa: E402  (the enums above must exist before the extension loads)
from vqueue._vqueue import Consumer, Message, Queue  # noqa: E402
from vqueue.errors import *  # noqa: E402,F401,F403  (QueueError and one subclass per error kind)
from vqueue.maintenance import (  # noqa: E402
    CleanupReport,
    ConsumerInfo,
    PartInfo,
    Problem,
    QueueInfo,
    RepairReport,
    VerifyReport,
    cleanup,
    inspect,
    repair,
    validate_name,
    verify,
)

try:
    from importlib.metadata import PackageNotFoundError, version as _version

    __version__ = _version("v-queue-python")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0"

__all__ = [
    "Queue",
    "Consumer",
    "Message",
    "Mode",
    "MsgType",
    *errors.__all__,
    "inspect",
    "verify",
    "repair",
    "cleanup",
    "validate_name",
    "QueueInfo",
    "PartInfo",
    "ConsumerInfo",
    "VerifyReport",
    "Problem",
    "RepairReport",
    "CleanupReport",
    "__version__",
]

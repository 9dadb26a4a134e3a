"""Exceptions raised by vqueue.

Every error is a :class:`QueueError`, itself a :class:`ValueError` so that
code written for the original binding (which raised ``ValueError``) keeps
working. The subclasses mirror the kinds of error the engine reports.
"""

from __future__ import annotations

__all__ = [
    "QueueError",
    "AlreadyOpen",
    "NotFound",
    "InvalidName",
    "InvalidChecksum",
    "Corrupt",
    "ReadOnly",
    "Closed",
    "TooLarge",
    "Io",
]


class QueueError(ValueError):
    """Base class of every vqueue error (also raised for internal errors)."""


class AlreadyOpen(QueueError):
    """The queue writer, or a read-write consumer of that name, is open in another process."""


class NotFound(QueueError):
    """The queue, part or saved consumer does not exist."""


class InvalidName(QueueError):
    """A queue or consumer name outside ``[A-Za-z0-9_.-]+`` (max 128 bytes, not ``.``/``..``).

    Raised before any file is touched. ``name`` holds the rejected name.
    """

    name: str


class InvalidChecksum(QueueError):
    """A CRC does not match; ``path`` and ``offset`` say where."""

    path: str
    offset: int


class Corrupt(QueueError):
    """A structural error in a queue file (not a CRC); ``path`` and ``offset`` say where."""

    path: str
    offset: int


class ReadOnly(QueueError):
    """A write (such as ``commit``) on a read-only handle."""


class Closed(QueueError):
    """The handle was closed, or taken over by a newer handle in this process."""


class TooLarge(QueueError):
    """A body longer than the format allows; ``length`` holds its size."""

    length: int


class Io(QueueError):
    """An operating-system error; ``errno`` holds its code when there is one."""

    errno: int | None


for _cls in (QueueError, AlreadyOpen, NotFound, InvalidName, InvalidChecksum, Corrupt,
             ReadOnly, Closed, TooLarge, Io):
    _cls.__module__ = "vqueue"
del _cls

"""Maintenance of a queue's files: inspect, verify, repair, cleanup."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, List, Optional, Union

from vqueue import _vqueue

PathArg = Union[str, "os.PathLike[str]"]
ProgressFn = Callable[[int, int], object]

__all__ = [
    "PartInfo",
    "ConsumerInfo",
    "QueueInfo",
    "Problem",
    "VerifyReport",
    "RepairReport",
    "CleanupReport",
    "inspect",
    "verify",
    "repair",
    "cleanup",
    "validate_name",
]


@dataclass(frozen=True)
class PartInfo:
    """One part of a queue: id, format ("v2"/"v3"), record count, readable
    extent (``right_edge``), file size, whether a dictionary exists, and why its
    metadata could not be read (``problem``, None when it could)."""

    id: int
    format: str
    count: int
    right_edge: int
    file_size: int
    has_dict: bool
    problem: Optional[str] = None


@dataclass(frozen=True)
class ConsumerInfo:
    """A saved consumer: its part, byte offset, records popped in that part,
    and ``lag``, the records it has not read yet across all parts."""

    name: str
    part: int
    offset: int
    popped: int
    lag: int
    problem: Optional[str] = None


@dataclass(frozen=True)
class QueueInfo:
    """What :func:`inspect` found: the writer's current part (None when
    there is none), whether a writer holds the queue now, parts and consumers."""

    name: str
    writer_part: Optional[int]
    writer_active: bool
    parts: List[PartInfo]
    consumers: List[ConsumerInfo]


@dataclass(frozen=True)
class Problem:
    """One defect found by :func:`verify`: the file, and where known the part
    and byte offset, with a description."""

    file: str
    part: Optional[int]
    offset: Optional[int]
    detail: str


@dataclass(frozen=True)
class VerifyReport:
    """Result of :func:`verify`; ``ok`` is True when no problem was found.
    ``leftovers`` are what an interrupted writer or consumer normally leaves
    (a part it was starting, a temporary file): readers pass over them,
    :func:`repair` removes them, and they do not make ``ok`` False."""

    parts: int
    records: int
    problems: List[Problem]
    leftovers: List[Problem]

    @property
    def ok(self) -> bool:
        """True when every CRC and metadata file checked out."""
        return not self.problems


@dataclass(frozen=True)
class RepairReport:
    """Result of :func:`repair`: parts and records scanned, actions taken."""

    parts: int
    records: int
    actions: List[str]


@dataclass(frozen=True)
class CleanupReport:
    """Result of :func:`cleanup`: part ids removed (or that would be, on a
    dry run), part ids kept, bytes freed, and notes on what it could not
    take into account (a consumer whose position is unreadable) or removed
    besides parts (temporary files left by a crash)."""

    removed: List[int]
    kept: List[int]
    bytes_freed: int
    notes: List[str]


def inspect(base_path: PathArg, queue_name: str) -> QueueInfo:
    """Describe a queue: parts, counts, formats, consumers and their lag."""
    d = _vqueue.inspect(base_path, queue_name)
    return QueueInfo(
        name=d["name"],
        writer_part=d["writer_part"],
        writer_active=d["writer_active"],
        parts=[PartInfo(**p) for p in d["parts"]],
        consumers=[ConsumerInfo(**c) for c in d["consumers"]],
    )


def verify(base_path: PathArg, queue_name: str, *, progress: Optional[ProgressFn] = None) -> VerifyReport:
    """Check every record's CRC and every metadata file; never modifies anything.

    ``progress(done_bytes, total_bytes)`` is called now and then on long runs.
    """
    d = _vqueue.verify(base_path, queue_name, progress)
    return VerifyReport(
        parts=d["parts"],
        records=d["records"],
        problems=[Problem(**p) for p in d["problems"]],
        leftovers=[Problem(**p) for p in d["leftovers"]],
    )


def repair(base_path: PathArg, queue_name: str, *, progress: Optional[ProgressFn] = None) -> RepairReport:
    """Rebuild a queue's metadata from its records; never deletes records.

    Run it only while no writer or consumer has the queue open.
    """
    d = _vqueue.repair(base_path, queue_name, progress)
    return RepairReport(parts=d["parts"], records=d["records"], actions=list(d["actions"]))


def cleanup(base_path: PathArg, queue_name: str, *, dry_run: bool = False) -> CleanupReport:
    """Delete the parts that every consumer has passed and the writer no longer uses."""
    d = _vqueue.cleanup(base_path, queue_name, dry_run)
    return CleanupReport(
        removed=list(d["removed"]), kept=list(d["kept"]), bytes_freed=d["bytes_freed"], notes=list(d["notes"])
    )


def validate_name(name: str) -> None:
    """Raise :class:`vqueue.InvalidName` unless ``name`` is a valid queue or consumer name."""
    _vqueue.validate_name(name)

"""Type stubs of the compiled extension; the public names are re-exported by ``vqueue``."""

import os
from types import TracebackType
from typing import (
    Any,
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Dict,
    Iterable,
    Iterator,
    List,
    Literal,
    Optional,
    Sequence,
    Tuple,
    Type,
    Union,
    final,
)

from vqueue import Mode, MsgType

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
    "ERROR_KINDS",
    "Queue",
    "Consumer",
    "Message",
    "inspect",
    "verify",
    "repair",
    "cleanup",
    "validate_name",
    "main",
    "_panic",
]

# The exception classes are made at import from the engine's table of error
# kinds (ERROR_KINDS); these declarations are for type checkers, and stubtest
# fails when they and the table disagree.

ERROR_KINDS: Tuple[str, ...]

class QueueError(ValueError): ...
class AlreadyOpen(QueueError): ...
class NotFound(QueueError): ...

class InvalidName(QueueError):
    name: str

class InvalidChecksum(QueueError):
    path: str
    offset: int

class Corrupt(QueueError):
    path: str
    offset: int

class ReadOnly(QueueError): ...
class Closed(QueueError): ...

class TooLarge(QueueError):
    length: int

class Io(QueueError):
    errno: Optional[int]

_Path = Union[str, "os.PathLike[str]"]
_Body = Union[bytes, bytearray]
_Progress = Optional[Callable[[int, int], object]]

@final
class Message:
    """One message: ``body``, ``msg_type``, ``part`` and ``offset``."""

    @property
    def body(self) -> bytes: ...
    @property
    def msg_type(self) -> MsgType: ...
    @property
    def part(self) -> int: ...
    @property
    def offset(self) -> int: ...
    def __new__(cls, body: bytes, msg_type: MsgType, part: int, offset: int) -> "Message": ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class Queue:
    """A queue opened for writing (``Mode.READ_WRITE``) or as a read-only view."""

    def __new__(
        cls,
        base_path: _Path,
        queue_name: str,
        mode: Mode,
        *,
        format: Literal["v2", "v3"] = "v2",
        durability: Literal["none", "sync"] = "none",
    ) -> "Queue": ...
    def push(self, data: _Body, msg_type: MsgType) -> int: ...
    def push_batch(self, items: Iterable[_Body], msg_type: MsgType) -> int: ...
    def sync(self) -> None: ...
    def close(self) -> None: ...
    @property
    def count_pushed(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def is_ready(self) -> bool: ...
    @property
    def part_id(self) -> int: ...
    @property
    def right_edge(self) -> int: ...
    @property
    def format(self) -> Literal["v2", "v3"]: ...
    @property
    def mode(self) -> Mode: ...
    def __enter__(self) -> "Queue": ...
    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> bool: ...

@final
class Consumer:
    """A named cursor that receives every message of a queue, in push order."""

    def __new__(cls, base_path: _Path, consumer_name: str, queue_name: str) -> "Consumer": ...
    @staticmethod
    def new_with_mode(base_path: _Path, consumer_name: str, queue_name: str, mode: Mode) -> "Consumer": ...
    @staticmethod
    def reader(
        base_path: _Path,
        queue_name: str,
        *,
        start: Literal["first", "current"] = "first",
        consumer: Optional[str] = None,
    ) -> "Consumer": ...
    def pop_header(self) -> bool: ...
    def pop_body(self) -> Optional[bytes]: ...
    def commit(self) -> bool: ...
    def get_batch_size(self) -> int: ...
    def pop(self) -> Optional[Message]: ...
    def pop_batch(self, max: int) -> List[Message]: ...
    def wait(self, timeout: float) -> bool: ...
    def wait_async(self, timeout: float) -> Coroutine[Any, Any, bool]:
        """Awaitable wait: suspends until a record is available (True) or
        ``timeout`` seconds pass (False) without blocking the event loop."""
    @property
    def backlog(self) -> int: ...
    def skip_corrupt(self) -> int: ...
    def sync(self) -> None: ...
    def close(self) -> None: ...
    @property
    def name(self) -> str: ...
    @property
    def queue_name(self) -> str: ...
    @property
    def count_popped(self) -> int: ...
    @property
    def part_id(self) -> int: ...
    @property
    def position(self) -> int: ...
    @property
    def msg_type(self) -> Optional[MsgType]: ...
    @property
    def record_len(self) -> Optional[int]: ...
    @property
    def is_ready(self) -> bool: ...
    @property
    def mode(self) -> Mode: ...
    def __iter__(self) -> Iterator[Message]: ...
    def __next__(self) -> Message: ...
    def __aiter__(self) -> AsyncIterator[Message]:
        """Every message from the position on, waiting for new ones; never ends by itself."""
    def __anext__(self) -> Awaitable[Message]: ...
    def __enter__(self) -> "Consumer": ...
    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> bool: ...

def inspect(base_path: _Path, queue_name: str) -> Dict[str, Any]: ...
def verify(base_path: _Path, queue_name: str, progress: _Progress = None) -> Dict[str, Any]: ...
def repair(base_path: _Path, queue_name: str, progress: _Progress = None) -> Dict[str, Any]: ...
def cleanup(base_path: _Path, queue_name: str, dry_run: bool = False) -> Dict[str, Any]: ...
def validate_name(name: str) -> None: ...
def _panic(message: str) -> None:
    """Panics inside the extension on purpose (for the tests of the panic barrier)."""

def main(argv: Sequence[str]) -> int:
    """Run the ``vqueue`` command line with ``argv`` (without the program name); returns the exit code."""

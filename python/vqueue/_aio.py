"""asyncio waiting for ``Consumer.wait_async`` and ``async for``.

A wait is a series of quick probes (``pop_header``: a read of the part's
metadata) separated by ``asyncio.sleep`` with the same back-off as the
blocking ``wait`` (0.25 ms doubling to 5 ms), so the event loop runs other
tasks between probes and cancelling the task ends the wait at once.
"""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vqueue._vqueue import Consumer, Message

_FIRST_DELAY = 0.00025
_MAX_DELAY = 0.005
# `async for` waits in slices this long between checks that the consumer is
# still open.
_TAIL_SLICE = 1.0


async def wait(consumer: Consumer, timeout: float) -> bool:
    if not (isinstance(timeout, (int, float)) and math.isfinite(timeout) and timeout >= 0):
        raise ValueError("timeout must be a finite number of seconds >= 0")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    delay = _FIRST_DELAY
    while True:
        if consumer.pop_header():
            return True
        left = deadline - loop.time()
        if left <= 0:
            return False
        await asyncio.sleep(min(delay, left))
        delay = min(delay * 2, _MAX_DELAY)


async def next_message(consumer: Consumer) -> Message:
    while True:
        message = consumer.pop()
        if message is not None:
            return message
        await wait(consumer, _TAIL_SLICE)

"""``await consumer.wait_async(t)`` and ``async for`` suspend instead of
blocking: the event loop keeps running other tasks while a writer in
another process pushes."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from vqueue import Consumer, Mode, MsgType, Queue

WRITER = """
import sys, time, vqueue
q = vqueue.Queue(sys.argv[1], "q", vqueue.Mode.READ_WRITE)
print("open", flush=True)
sys.stdin.readline()
for i in range(int(sys.argv[2])):
    time.sleep(0.02)
    q.push(f"m{i}".encode(), vqueue.MsgType.STRING)
q.close()
"""


def start_writer(base, count: int) -> subprocess.Popen:
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(base), str(count)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "open"
    return child


async def ticker(counter: list[int]) -> None:
    while True:
        counter[0] += 1
        await asyncio.sleep(0.005)


def test_async_for_receives_another_processes_pushes_while_the_loop_runs(tmp_path):
    Queue(tmp_path, "q", Mode.READ_WRITE).close()
    consumer = Consumer(tmp_path, "c", "q")
    count = 10

    async def main() -> tuple[list[bytes], int]:
        ticks = [0]
        tick_task = asyncio.create_task(ticker(ticks))
        writer = start_writer(tmp_path, count)
        writer.stdin.write("\n")
        writer.stdin.flush()
        got: list[bytes] = []
        async for message in consumer:
            got.append(message.body)
            if len(got) == count:
                break
        tick_task.cancel()
        assert await asyncio.to_thread(writer.wait, 30) == 0
        return got, ticks[0]

    got, ticks = asyncio.run(asyncio.wait_for(main(), 60))
    assert got == [f"m{i}".encode() for i in range(count)]
    # The writer needs at least 10 x 20 ms; a loop blocked by the waits
    # would not have ticked every 5 ms meanwhile.
    assert ticks >= 20, ticks
    consumer.commit()
    assert consumer.backlog == 0


def test_wait_async_true_on_arrival_false_on_timeout(tmp_path):
    q = Queue(tmp_path, "q", Mode.READ_WRITE)
    consumer = Consumer(tmp_path, "c", "q")

    async def main() -> None:
        assert await consumer.wait_async(0.05) is False
        waiting = asyncio.create_task(consumer.wait_async(30))
        await asyncio.sleep(0.05)
        assert not waiting.done()
        q.push(b"x", MsgType.OBJECT)
        assert await asyncio.wait_for(waiting, 10) is True
        message = consumer.pop()
        assert message is not None and message.body == b"x"

    asyncio.run(main())


def test_wait_async_is_cancellable_and_checks_its_timeout(tmp_path):
    Queue(tmp_path, "q", Mode.READ_WRITE).close()
    consumer = Consumer(tmp_path, "c", "q")

    async def main() -> None:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(consumer.wait_async(60), 0.1)
        with pytest.raises(ValueError):
            await consumer.wait_async(-1)

    asyncio.run(main())

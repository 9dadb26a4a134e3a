"""Tail a queue: a producer in another process pushes a message now and then;
the consumer blocks in ``wait`` (no busy loop) and prints each message as it
arrives, with the delay between push and receipt."""

import multiprocessing
import sys
import time

from vqueue import Consumer, Mode, MsgType, Queue

QUEUE = "events"
COUNT = 8


def produce(base_path: str) -> None:
    with Queue(base_path, QUEUE, Mode.READ_WRITE) as queue:
        for i in range(COUNT):
            time.sleep(0.2)
            queue.push(f"event {i} at {time.time():.6f}".encode(), MsgType.STRING)


def main() -> None:
    base_path = sys.argv[1] if len(sys.argv) > 1 else "./queue-data"
    # The queue must exist before a consumer can open it.
    Queue(base_path, QUEUE, Mode.READ_WRITE).close()
    with Consumer(base_path, "tail", QUEUE) as consumer:
        consumer.commit()  # start here, before the producer's part
        producer = multiprocessing.get_context("spawn").Process(target=produce, args=(base_path,))
        producer.start()
        received = 0
        while received < COUNT:
            if not consumer.wait(5.0):
                print("tail: nothing for 5 s, giving up")
                break
            for msg in consumer.pop_batch(100):
                sent_at = float(msg.body.rsplit(b" at ", 1)[1])
                delay_ms = (time.time() - sent_at) * 1000
                print(f"tail received: {msg.body.decode()} (part {msg.part}, {delay_ms:.1f} ms after push)")
                received += 1
            consumer.commit()
        producer.join()
    print(f"tail: {received} of {COUNT} messages received")


if __name__ == "__main__":
    main()

"""The three examples of the original v-queue-python README, unchanged,
followed by what the partitioning example's closing comments promise.

Run it from an empty directory: the examples write to ./queue-data.
"""

from vqueue import Queue, Consumer, Mode, MsgType
import tempfile

# Create a queue
base_path = "./queue-data"
queue_name = "my_queue"
queue = Queue(base_path, queue_name, Mode.READ_WRITE)

# Push some messages
for i in range(5):
    msg = str(i).encode('utf-8')
    queue.push(msg, MsgType.STRING)

# Create a consumer and read messages
consumer = Consumer(base_path, "consumer1", queue_name)

while consumer.pop_header():
    message = consumer.pop_body()
    if message is not None:
        print(f"Received: {message.decode('utf-8')}")
        consumer.commit()

# Create multiple consumers
consumer1 = Consumer(base_path, "consumer1", queue_name)
consumer2 = Consumer(base_path, "consumer2", queue_name)

# Each consumer will receive all messages
for consumer in [consumer1, consumer2]:
    while consumer.pop_header():
        message = consumer.pop_body()
        if message is not None:
            print(f"Consumer {consumer.name} received: {message.decode('utf-8')}")
            consumer.commit()

# Create first part and write messages
queue1 = Queue(base_path, queue_name, Mode.READ_WRITE)
queue1.push(b"message1", MsgType.STRING)
queue1.push(b"message2", MsgType.STRING)

# Create second part
queue2 = Queue(base_path, queue_name, Mode.READ_WRITE)
queue2.push(b"message3", MsgType.STRING)
queue2.push(b"message4", MsgType.STRING)

# Existing consumers will read messages from all parts
# New consumers will start reading from the current part

# --- not in the README: show that promise -------------------------------
consumer3 = Consumer(base_path, "consumer3", queue_name)
for consumer in [consumer1, consumer2, consumer3]:
    received = []
    while consumer.pop_header():
        body = consumer.pop_body()
        if body is not None:
            received.append(body.decode("utf-8"))
            consumer.commit()
    print(f"after partitioning, {consumer.name} received: {', '.join(received)}")

"""Inspect, verify and clean up a queue with the maintenance functions."""

import sys

import vqueue
from vqueue import Consumer, Mode, MsgType, Queue

base_path = sys.argv[1] if len(sys.argv) > 1 else "./queue-data"

# The worker exists (with a saved position) before the first message.
Queue(base_path, "jobs", Mode.READ_WRITE).close()
Consumer(base_path, "worker", "jobs").commit()

for run in range(3):
    with Queue(base_path, "jobs", Mode.READ_WRITE) as q:
        q.push_batch([b"job %d.%d" % (run, i) for i in range(100)], MsgType.OBJECT)

with Consumer(base_path, "worker", "jobs") as worker:
    print(f"worker backlog: {worker.backlog}")
    done = worker.pop_batch(150)
    worker.commit()
    print(f"worker processed {len(done)}, backlog now {worker.backlog}")

info = vqueue.inspect(base_path, "jobs")
for part in info.parts:
    print(f"part {part.id}: {part.count} records, {part.format}, {part.file_size} bytes")
for c in info.consumers:
    print(f"consumer {c.name}: part {c.part}, lag {c.lag}")

report = vqueue.verify(base_path, "jobs")
print(f"verify: {report.records} records in {report.parts} parts, ok={report.ok}")

cleaned = vqueue.cleanup(base_path, "jobs", dry_run=True)
print(f"cleanup would remove parts {cleaned.removed}, keep {cleaned.kept}")

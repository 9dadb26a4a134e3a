"""Throughput of vqueue against the original binding and other disk queues.

One process run measures, with 100-byte bodies (each distinct), for every
queue: pushing N messages, then consuming them with the original API's loop
(``pop_header``, ``pop_body``, ``commit`` per message) or the nearest
equivalent (pop + acknowledge), comparing every consumed body with the one
pushed at that index inside the timed loop.

Peers:
- ``v_queue 0.3.3 (original API)``: the upstream crate behind the original
  binding's API (``upstream_wrapper/``), standing for the original
  ``v-queue-python``; built into the running environment with maturin on
  first use.
- ``queuelib.FifoDiskQueue`` (no acknowledgement, no fsync),
  ``persistqueue.Queue`` (``task_done`` per message), ``litequeue``
  (``done`` per message), ``diskcache.Deque`` (``popleft``).

Usage::

    python python/benchmarks/bench_throughput.py [--messages N] [--repeat R] [--write-doc]

``--write-doc`` replaces the "## Python" section of docs/performance.md with
the table of this run.
"""

from __future__ import annotations

import argparse
import datetime
import inspect
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
WRAPPER = HERE / "upstream_wrapper"
BODY_LEN = 100


def bodies(n: int) -> List[bytes]:
    filler = bytes(range(33, 33 + BODY_LEN - 12))
    return [b"%012d" % i + filler for i in range(n)]


def ensure_upstream_wrapper():
    try:
        import vqueue_upstream

        return vqueue_upstream
    except ImportError:
        pass
    print("building the upstream wrapper (upstream_wrapper/, v_queue 0.3.3) with maturin ...", flush=True)
    out = Path(tempfile.mkdtemp(prefix="vq-upstream-wheel-"))
    try:
        subprocess.run([sys.executable, "-m", "maturin", "build", "--release", "-q", "-i", sys.executable,
                        "-m", str(WRAPPER / "Cargo.toml"), "-o", str(out)], check=True)
        wheels = sorted(out.glob("*.whl"))
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps",
                        str(wheels[-1])], check=True)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    import importlib

    importlib.invalidate_caches()
    import vqueue_upstream

    return vqueue_upstream


class Mismatch(AssertionError):
    pass


# Each peer: (push(dir, bodies) -> None, consume(dir, bodies) -> None).
# The timed region of each is the loop only; opening happens before it.
Runner = Callable[[str, List[bytes]], float]


def original_api(mod, mode_rw, string_type, **writer_options) -> Tuple[Runner, Runner]:
    """The original binding's loop, for vqueue and the upstream wrapper alike."""

    def push(d: str, items: List[bytes]) -> float:
        q = mod.Queue(d, "bench", mode_rw, **writer_options)
        c = mod.Consumer(d, "reader", "bench")  # saved before the pushes
        c.commit()
        del c
        push_ = q.push
        t0 = time.perf_counter()
        for b in items:
            push_(b, string_type)
        t = time.perf_counter() - t0
        del q
        return t

    def consume(d: str, items: List[bytes]) -> float:
        c = mod.Consumer(d, "reader", "bench")
        pop_header, pop_body, commit = c.pop_header, c.pop_body, c.commit
        i = 0
        t0 = time.perf_counter()
        while pop_header():
            body = pop_body()
            if body != items[i]:
                raise Mismatch(f"{mod.__name__}: message {i} differs")
            commit()
            i += 1
        t = time.perf_counter() - t0
        if i != len(items):
            raise Mismatch(f"{mod.__name__}: read {i} of {len(items)}")
        return t

    return push, consume


def vqueue_batches() -> Tuple[Runner, Runner]:
    import vqueue

    def push(d: str, items: List[bytes]) -> float:
        q = vqueue.Queue(d, "bench", vqueue.Mode.READ_WRITE)
        vqueue.Consumer(d, "reader", "bench").commit()
        t0 = time.perf_counter()
        for k in range(0, len(items), 1000):
            q.push_batch(items[k:k + 1000], vqueue.MsgType.STRING)
        t = time.perf_counter() - t0
        q.close()
        return t

    def consume(d: str, items: List[bytes]) -> float:
        c = vqueue.Consumer(d, "reader", "bench")
        i = 0
        t0 = time.perf_counter()
        while True:
            batch = c.pop_batch(1000)
            if not batch:
                break
            for m in batch:
                if m.body != items[i]:
                    raise Mismatch(f"vqueue batch: message {i} differs")
                i += 1
            c.commit()
        t = time.perf_counter() - t0
        if i != len(items):
            raise Mismatch(f"vqueue batch: read {i} of {len(items)}")
        return t

    return push, consume


def queuelib_fifo() -> Tuple[Runner, Runner]:
    from queuelib import FifoDiskQueue

    def push(d: str, items: List[bytes]) -> float:
        q = FifoDiskQueue(os.path.join(d, "q"))
        t0 = time.perf_counter()
        for b in items:
            q.push(b)
        t = time.perf_counter() - t0
        q.close()
        return t

    def consume(d: str, items: List[bytes]) -> float:
        q = FifoDiskQueue(os.path.join(d, "q"))
        pop = q.pop
        i = 0
        t0 = time.perf_counter()
        while True:
            body = pop()
            if body is None:
                break
            if body != items[i]:
                raise Mismatch(f"queuelib: message {i} differs")
            i += 1
        t = time.perf_counter() - t0
        q.close()
        if i != len(items):
            raise Mismatch(f"queuelib: read {i} of {len(items)}")
        return t

    return push, consume


def persistqueue_queue() -> Tuple[Runner, Runner]:
    import persistqueue

    def push(d: str, items: List[bytes]) -> float:
        q = persistqueue.Queue(os.path.join(d, "q"))
        t0 = time.perf_counter()
        for b in items:
            q.put(b)
        t = time.perf_counter() - t0
        del q
        return t

    def consume(d: str, items: List[bytes]) -> float:
        q = persistqueue.Queue(os.path.join(d, "q"))
        i = 0
        t0 = time.perf_counter()
        for i in range(len(items)):
            body = q.get(block=False)
            if body != items[i]:
                raise Mismatch(f"persistqueue: message {i} differs")
            q.task_done()
        t = time.perf_counter() - t0
        if q.qsize() != 0:
            raise Mismatch("persistqueue: messages left over")
        return t

    return push, consume


def litequeue_queue() -> Tuple[Runner, Runner]:
    from litequeue import LiteQueue

    # litequeue stores text; latin-1 maps each byte to one character.
    def push(d: str, items: List[bytes]) -> float:
        q = LiteQueue(os.path.join(d, "q.sqlite3"))
        t0 = time.perf_counter()
        for b in items:
            q.put(b.decode("latin-1"))
        t = time.perf_counter() - t0
        q.close()
        return t

    def consume(d: str, items: List[bytes]) -> float:
        q = LiteQueue(os.path.join(d, "q.sqlite3"))
        claimed = "claim_id" in inspect.signature(q.done).parameters
        i = 0
        t0 = time.perf_counter()
        while True:
            m = q.pop()
            if m is None:
                break
            if m.data.encode("latin-1") != items[i]:
                raise Mismatch(f"litequeue: message {i} differs")
            if claimed:  # litequeue 0.14+ acknowledges a claim, not just a message
                q.done(m.message_id, claim_id=m.claim_id)
            else:
                q.done(m.message_id)
            i += 1
        t = time.perf_counter() - t0
        q.close()
        if i != len(items):
            raise Mismatch(f"litequeue: read {i} of {len(items)}")
        return t

    return push, consume


def diskcache_deque() -> Tuple[Runner, Runner]:
    from diskcache import Deque

    def push(d: str, items: List[bytes]) -> float:
        q = Deque(directory=os.path.join(d, "q"))
        t0 = time.perf_counter()
        for b in items:
            q.append(b)
        t = time.perf_counter() - t0
        return t

    def consume(d: str, items: List[bytes]) -> float:
        q = Deque(directory=os.path.join(d, "q"))
        i = 0
        t0 = time.perf_counter()
        for i in range(len(items)):
            body = q.popleft()
            if body != items[i]:
                raise Mismatch(f"diskcache: message {i} differs")
        t = time.perf_counter() - t0
        if len(q) != 0:
            raise Mismatch("diskcache: messages left over")
        return t

    return push, consume


def measure(push: Runner, consume: Runner, items: List[bytes], repeat: int, root: Optional[str]):
    push_rates, consume_rates = [], []
    for _ in range(repeat):
        d = tempfile.mkdtemp(prefix="vq-bench-", dir=root)
        try:
            push_rates.append(len(items) / push(d, items))
            consume_rates.append(len(items) / consume(d, items))
        finally:
            shutil.rmtree(d, ignore_errors=True)
    return statistics.median(push_rates), statistics.median(consume_rates)


def self_check(root: Optional[str]) -> None:
    """The comparison inside the loop must reject a wrong body, or a reader
    returning garbage fast would win."""
    import vqueue

    push, consume = original_api(vqueue, vqueue.Mode.READ_WRITE, vqueue.MsgType.STRING)
    items = bodies(10)
    d = tempfile.mkdtemp(prefix="vq-bench-check-", dir=root)
    try:
        push(d, items)
        wrong = list(items)
        wrong[5] = b"x" * BODY_LEN
        try:
            consume(d, wrong)
        except Mismatch:
            return
        raise SystemExit("self-check failed: a wrong body was not detected")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def write_doc(table: str) -> None:
    path = REPO / "docs" / "performance.md"
    text = path.read_text() if path.exists() else "# Performance\n"
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == "## Python"), None)
    if start is None:
        new = text.rstrip("\n") + "\n\n" + table
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        tail = "".join(lines[end:])
        new = "".join(lines[:start]) + table + ("\n" + tail if tail else "")
    path.write_text(new)
    print(f"wrote the Python section of {path.relative_to(REPO)}")


def targets(results: Dict[str, Tuple[float, float]], ours: str, original: str, queuelib: str) -> str:
    """The speed targets of the Python SDK, checked against this run."""
    vp, vc = results[ours]
    op, oc = results[original]
    qp, qc = results[queuelib]
    ok_original = vp >= 3 * op and vc >= 3 * oc
    ok_queuelib = vp > qp and vc > qc
    return (
        f"Targets: at least 3x the original API for push and for consume: "
        f"{vp / op:.1f}x and {vc / oc:.1f}x, {'met' if ok_original else 'NOT met'}; faster than "
        f"queuelib while committing every message: {vp / qp:.1f}x and {vc / qc:.1f}x, "
        f"{'met' if ok_queuelib else 'NOT met'}.\n"
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=200_000, help="messages per run for vqueue, the upstream wrapper and queuelib")
    ap.add_argument("--slow-messages", type=int, default=20_000, help="messages per run for the SQLite/pickle-based peers")
    ap.add_argument("--repeat", type=int, default=3, help="runs per queue; the median is reported")
    ap.add_argument("--dir", default=os.environ.get("VQUEUE_BENCH_DIR"), help="where to create the queues (default: the system temp dir)")
    ap.add_argument("--write-doc", action="store_true", help="replace the Python section of docs/performance.md")
    args = ap.parse_args(argv)

    import vqueue

    upstream = ensure_upstream_wrapper()
    self_check(args.dir)

    fast = bodies(args.messages)
    slow = fast[: args.slow_messages]
    peers = [
        ("vqueue (this package)", original_api(vqueue, vqueue.Mode.READ_WRITE, vqueue.MsgType.STRING), fast,
         "commit per message"),
        ("v_queue 0.3.3, original API", original_api(upstream, upstream.Mode.READ_WRITE, upstream.MsgType.STRING),
         fast, "commit per message"),
        ("queuelib.FifoDiskQueue", queuelib_fifo(), fast, "no ack, no fsync"),
        ("persistqueue.Queue", persistqueue_queue(), slow, "fsync per put, task_done per message"),
        ("litequeue.LiteQueue", litequeue_queue(), slow, "done per message"),
        ("diskcache.Deque", diskcache_deque(), slow, "popleft"),
        ("vqueue push_batch/pop_batch(1000)", vqueue_batches(), fast, "commit per 1000, for information"),
        ('vqueue durability="sync"', original_api(vqueue, vqueue.Mode.READ_WRITE, vqueue.MsgType.STRING,
                                                  durability="sync"), slow,
         "fsync per push, commit per message, for information"),
    ]
    results: Dict[str, Tuple[float, float]] = {}
    for name, (push, consume), items, _ in peers:
        print(f"{name}: {len(items)} messages x {args.repeat} ...", flush=True)
        results[name] = measure(push, consume, items, args.repeat, args.dir)
        print(f"   push {results[name][0]:,.0f} msg/s, consume {results[name][1]:,.0f} msg/s", flush=True)

    vp, vc = results[peers[0][0]]
    rows = []
    for name, _, items, note in peers:
        p, c = results[name]
        if name == peers[0][0]:
            ratio = "-", "-"
        elif name.startswith("vqueue push_batch"):
            ratio = f"{p / vp:.1f}x of single", f"{c / vc:.1f}x of single"
        elif name.startswith("vqueue"):
            ratio = "-", "-"
        else:
            ratio = f"{vp / p:.1f}x", f"{vc / c:.1f}x"
        rows.append(f"| {name} | {len(items):,} | {p:,.0f} | {c:,.0f} | {ratio[0]} | {ratio[1]} | {note} |")

    cmd = "python python/benchmarks/bench_throughput.py" + "".join(
        f" {a}" for a in (argv if argv is not None else sys.argv[1:]))
    table = (
        "## Python\n\n"
        "`python/benchmarks/bench_throughput.py` measures, in one process run, the\n"
        "original API's loop on `vqueue` and on its peers: N pushes of distinct\n"
        "100-byte bodies into a writer opened before the timing, then N times\n"
        "`pop_header` + `pop_body` + `commit` (or the peer's pop + acknowledge),\n"
        "comparing every consumed body with the pushed one inside the timed loop\n"
        "(a self-check first proves that comparison catches a wrong body). The\n"
        "v_queue 0.3.3 row is the upstream crate behind the original binding's API\n"
        "(`python/benchmarks/upstream_wrapper/`), standing for the original\n"
        "`v-queue-python`. Format v2, page cache only (no fsync unless noted), median of\n"
        f"{args.repeat} runs. Ratios are vqueue's rate over the peer's, from this run.\n"
        "The SQLite- and pickle-based peers run fewer messages (their rates do not\n"
        "depend on it). The last two rows are for information: the batch calls, and\n"
        "`durability=\"sync\"` (fsync before each push returns, the guarantee that\n"
        "persistqueue's fsync per put gives).\n\n"
        "Command (in the project venv, after `bash ci/suite-python.sh`):\n\n"
        f"```sh\n.venv/bin/{cmd}\n```\n\n"
        f"Run {datetime.date.today().isoformat()} on {os.cpu_count()} cores, {platform.system()} "
        f"{platform.release()}, CPython {platform.python_version()}:\n\n"
        "| queue | messages | push msg/s | consume msg/s | vqueue push ratio | vqueue consume ratio | per message |\n"
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |\n"
        + "\n".join(rows) + "\n\n"
        + targets(results, peers[0][0], peers[1][0], peers[2][0])
    )
    print()
    print(table)
    if args.write_doc:
        write_doc(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Cross-writing: a queue written by each binding (and by the upstream
`v_queue` 0.3.3 crate), in v2 and v3, over several writer sessions (parts),
with both message types, empty and 1 MiB bodies, is read by every binding
and by the upstream crate; every reader must get every message, in order,
with its type, part and body digest."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any, Dict, List

from scenario import body_bytes, body_result

QUEUE = "x"
MIB = 1 << 20


def sessions() -> List[List[Dict[str, Any]]]:
    """Bodies per writer session; the first is long and compressible enough
    for v3 writers to train a dictionary."""
    first = [{"pattern": f"message {i}: a compressible body that repeats itself ", "len": 500 + i} for i in range(160)]
    return [
        [{"bodies": first[:80], "type": "S"}, {"bodies": ["", {"pattern": "1 MiB body ", "len": MIB}], "type": "O"},
         {"bodies": first[80:], "type": "O"}],
        [{"bodies": [{"pattern": f"second part {i} ", "len": 3000} for i in range(30)], "type": "S"},
         {"bodies": [""], "type": "S"}],
        [{"bodies": ["last", {"zeros": MIB}], "type": "O"}],
    ]


def write_scenario(fmt: str) -> Dict[str, Any]:
    steps: List[Dict[str, Any]] = []
    for batches in sessions():
        steps.append({"op": "open_writer", "handle": "w", "queue": QUEUE, "format": fmt})
        steps += [{"op": "push_batch", "handle": "w", **b} for b in batches]
        steps.append({"op": "close", "handle": "w"})
    return {"name": f"cross-write-{fmt}", "description": "cross-writing", "steps": steps}


# Every binding reads from part 0 through a saved consumer position (the
# upstream crate has no other way to start before the current part).
READ = {"name": "cross-read", "description": "cross-reading", "steps": [
    {"op": "write", "path": f"{QUEUE}_info_pop_reader", "text": f"{QUEUE};reader;0;0;0\n"},
    {"op": "open_consumer", "handle": "c", "queue": QUEUE, "consumer": "reader"},
    {"op": "read_all", "handle": "c"},
]}


def expected() -> List[List[Any]]:
    out = []
    for part, batches in enumerate(sessions()):
        for b in batches:
            out += [[body_result(body_bytes(x)), b["type"], part] for x in b["bodies"]]
    return out


def run(runners) -> List[str]:
    from driver import Runner, runner_commands

    upstream = Runner("upstream", runner_commands()["upstream"])
    # `cli` reads and writes through the PyO3 package: nothing to add here.
    every = {n: r for n, r in runners.items() if n != "cli"}
    every["upstream"] = upstream
    want = expected()
    failed, rows = [], []
    try:
        for writer in every:
            for fmt in ("v2", "v3"):
                with tempfile.TemporaryDirectory(prefix="vqc-cross-") as d:
                    written = Path(d) / "written"
                    written.mkdir()
                    trace = every[writer].run(write_scenario(fmt), written)
                    bad = [r for r in trace["results"] if "ok" not in r]
                    cells = {}
                    for reader, r in every.items():
                        copy = Path(d) / reader
                        shutil.copytree(written, copy)
                        got = r.run(READ, copy)["results"][-1]
                        msgs = [[m["body"], m["type"], m["part"]] for m in got.get("ok") or []]
                        cells[reader] = "ok" if not bad and msgs == want else (
                            f"write failed: {bad[0]}" if bad else f"{len(msgs)}/{len(want)} messages, first difference at "
                            f"{next((i for i, (a, b) in enumerate(zip(msgs, want)) if a != b), min(len(msgs), len(want)))}")
                    rows.append((f"{writer} {fmt}", cells))
                    if any(c != "ok" for c in cells.values()):
                        failed.append(f"cross {writer} {fmt}")
    finally:
        upstream.close()
    readers = list(every)
    print(f"\ncross-writing: {len(want)} messages in 3 parts; rows: writer and format, columns: reader")
    width = max(len(r[0]) for r in rows)
    print(f"{'written by':<{width}}  " + "  ".join(f"{r:<10}" for r in readers))
    for name, cells in rows:
        print(f"{name:<{width}}  " + "  ".join(f"{cells[r]:<10}" for r in readers))
    return failed

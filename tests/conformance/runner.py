"""Conformance runner for the Python bindings.

    python runner.py --binding pyo3|cli|uniffi  < requests.jsonl > traces.jsonl

Each input line is `{"scenario": {...}, "base": DIR|null}`; each output line
is `{"name": ..., "results": [...]}`, one normalised result per step (see
schema.json). With `base` null the runner uses a fresh temporary directory.

`pyo3` drives the `vqueue` package; `cli` is the same but runs the
maintenance steps through the `vqueue` command (`$VQUEUE_BIN`); `uniffi`
drives the UniFFI-generated module `vqueue_uniffi`. The bindings differ only
in the small adapter classes below; what a step means lives in the
scenario data and in `dispatch`.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any, Dict

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scenario import FILE_OPS, body_bytes, body_result, error, file_step, rel_path  # noqa: E402


ERROR_FIELDS = ("path", "offset", "name", "length")


class PyO3:
    """The PyO3 package `vqueue`."""

    def __init__(self) -> None:
        import vqueue

        self.vq = vqueue
        self.modes = {"read": vqueue.Mode.READ, "read_write": vqueue.Mode.READ_WRITE, "default": vqueue.Mode.DEFAULT}
        self.types = {"S": vqueue.MsgType.STRING, "O": vqueue.MsgType.OBJECT}

    # -- errors --
    def classify(self, base: Path, exc: BaseException) -> Any:
        """Kind and the structured fields the exception carries (see schema.json)."""
        if not isinstance(exc, self.vq.QueueError):
            return None
        fields = {f: getattr(exc, f, None) for f in ERROR_FIELDS}
        fields["path"] = rel_path(base, fields["path"])
        return error(type(exc).__name__, **fields)

    # -- handles --
    def open_writer(self, base, queue, mode, fmt, durability):
        return self.vq.Queue(base, queue, self.modes[mode], format=fmt, durability=durability)

    def open_consumer(self, base, queue, name, mode):
        if mode == "read_write":
            return self.vq.Consumer(base, name, queue)
        return self.vq.Consumer.new_with_mode(base, name, queue, self.modes[mode])

    def open_reader(self, base, queue, start):
        if isinstance(start, dict):
            return self.vq.Consumer.reader(base, queue, consumer=start["consumer"])
        return self.vq.Consumer.reader(base, queue, start=start)

    def push(self, h, body, t):
        return h.push(body, self.types[t])

    def push_batch(self, h, bodies, t):
        return h.push_batch(bodies, self.types[t])

    def is_writer(self, h):
        return isinstance(h, self.vq.Queue)

    def writer_state(self, h):
        return {"count_pushed": h.count_pushed, "is_ready": h.is_ready, "part_id": h.part_id,
                "right_edge": h.right_edge, "format": h.format}

    def consumer_state(self, h):
        t = h.msg_type
        return {"count_popped": h.count_popped, "is_ready": h.is_ready, "part_id": h.part_id,
                "position": h.position, "msg_type": None if t is None else t.value.decode(),
                "record_len": h.record_len}

    def message(self, m):
        if m is None:
            return None
        return {"body": body_result(m.body), "type": m.msg_type.value.decode(), "part": m.part, "offset": m.offset}

    def call(self, h, op, step):
        if op == "pop_header":
            return h.pop_header()
        if op == "pop_body":
            return body_result(h.pop_body())
        if op == "pop":
            return self.message(h.pop())
        if op == "read_all":
            return [self.message(m) for m in iter(h.pop, None)]
        if op == "pop_batch":
            return [self.message(m) for m in h.pop_batch(step["max"])]
        if op == "commit":
            r = h.commit()
            return None if r is True else r
        if op == "get_batch_size":
            return h.get_batch_size()
        if op == "backlog":
            return h.backlog
        if op == "wait":
            return h.wait(step.get("timeout_ms", 0) / 1000.0)
        if op == "skip_corrupt":
            return h.skip_corrupt()
        if op in ("close", "sync"):
            return getattr(h, op)()
        raise ValueError(f"unknown op {op}")

    # -- maintenance --
    def inspect(self, base, queue):
        i = self.vq.inspect(base, queue)
        return {
            "writer_part": i.writer_part,
            "writer_active": i.writer_active,
            "parts": [{"id": p.id, "format": p.format, "count": p.count, "right_edge": p.right_edge,
                       "file_size": p.file_size, "has_dict": p.has_dict, "problem": p.problem is not None}
                      for p in i.parts],
            "consumers": [{"name": c.name, "part": c.part, "offset": c.offset, "popped": c.popped,
                           "lag": c.lag, "problem": c.problem is not None} for c in i.consumers],
        }

    def verify(self, base, queue):
        r = self.vq.verify(base, queue)
        return {"parts": r.parts, "records": r.records,
                "problems": [{"file": rel_path(base, p.file), "part": p.part, "offset": p.offset}
                             for p in r.problems]}

    def repair(self, base, queue):
        r = self.vq.repair(base, queue)
        return {"parts": r.parts, "records": r.records}

    def cleanup(self, base, queue, dry_run):
        r = self.vq.cleanup(base, queue, dry_run=dry_run)
        return {"removed": list(r.removed), "kept": len(r.kept), "bytes_freed": r.bytes_freed}

    def validate_name(self, name):
        self.vq.validate_name(name)
        return None


class UniFFI(PyO3):
    """The UniFFI-generated module, through the facade that gives it the
    `vqueue` package's shape (shared with the Hypothesis state machine)."""

    def __init__(self) -> None:
        super().__init__()
        import uniffi_facade

        self.vq = uniffi_facade


class CliError(Exception):
    def __init__(self, result: Any) -> None:
        super().__init__(result)
        self.result = result


class Cli(PyO3):
    """PyO3 for the queue handles; the `vqueue` command for maintenance."""

    ERRORS = [
        (r"already open: ", "AlreadyOpen"),
        (r"not found: ", "NotFound"),
        (r"invalid name (\".*?\"):", "InvalidName"),
        (r"invalid checksum in (.*) at byte (\d+): ", "InvalidChecksum"),
        (r"corrupt data in (.*) at byte (\d+): ", "Corrupt"),
        (r"read-only: ", "ReadOnly"),
        (r"closed: ", "Closed"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.bin = os.environ.get("VQUEUE_BIN", "vqueue")

    def classify(self, base, exc):
        if isinstance(exc, CliError):
            return exc.result
        return super().classify(base, exc)

    def run(self, base, *args, ok=(0,)):
        p = subprocess.run([self.bin, *args], capture_output=True, text=True)
        if p.returncode in ok:
            return p.stdout.splitlines()
        # The error is the last `vqueue: ` line; warnings may come before it.
        lines = [x[len("vqueue: "):] for x in p.stderr.splitlines() if x.startswith("vqueue: ")]
        msg = lines[-1] if lines else p.stderr.strip()
        for pattern, kind in self.ERRORS:
            m = re.match(pattern, msg)
            if not m:
                continue
            if kind == "InvalidName":
                raise CliError(error(kind, name=json.loads(m.group(1))))
            if kind in ("InvalidChecksum", "Corrupt"):
                raise CliError(error(kind, path=rel_path(base, m.group(1)), offset=int(m.group(2))))
            raise CliError(error(kind))
        raise CliError(error("Io") if p.returncode == 3 else {"cli_exit": p.returncode, "stderr": msg})

    def inspect(self, base, queue):
        d = json.loads("\n".join(self.run(base, "info", str(base), queue, "--json")))
        return {
            "writer_part": d["writer_part"],
            "writer_active": d["writer_active"],
            "parts": [{k: p[k] for k in ("id", "format", "count", "right_edge", "file_size", "has_dict")}
                      | {"problem": p["problem"] is not None} for p in d["parts"]],
            "consumers": [{k: c[k] for k in ("name", "part", "offset", "popped", "lag")}
                          | {"problem": c["problem"] is not None} for c in d["consumers"]],
        }

    def verify(self, base, queue):
        lines = self.run(base, "verify", str(base), queue, ok=(0, 1))
        m = re.fullmatch(r"verify: (\d+) parts, (\d+) records, (\d+) problems", lines[-1])
        problems = []
        for line in lines[:-1]:
            pm = re.match(r"(.*?)(?:: part (\d+))?(?:, offset (\d+))?: ", line)
            problems.append({"file": rel_path(base, pm.group(1)),
                             "part": None if pm.group(2) is None else int(pm.group(2)),
                             "offset": None if pm.group(3) is None else int(pm.group(3))})
        return {"parts": int(m.group(1)), "records": int(m.group(2)), "problems": problems}

    def repair(self, base, queue):
        lines = self.run(base, "repair", str(base), queue)
        m = re.fullmatch(r"repair: (\d+) parts, (\d+) records, \d+ changes", lines[-1])
        return {"parts": int(m.group(1)), "records": int(m.group(2))}

    def cleanup(self, base, queue, dry_run):
        lines = self.run(base, "cleanup", str(base), queue, *(["--dry-run"] if dry_run else []))
        m = re.fullmatch(r"cleanup: .* (\d+) parts \((\d+) bytes\), kept (\d+)", lines[-1])
        removed = [int(line.rsplit(" ", 1)[1]) for line in lines[:-1]]
        return {"removed": removed, "kept": int(m.group(3)), "bytes_freed": int(m.group(2))}

    def validate_name(self, name):
        # `vqueue info` checks the name before touching any file.
        try:
            self.run(Path("."), "info", ".", name)
        except CliError as e:
            if e.result["error"]["kind"] == "InvalidName":
                raise
        return None


MAINTENANCE = {"inspect", "verify", "repair", "cleanup"}


def dispatch(b, base: Path, handles: Dict[str, Any], step: Dict[str, Any]) -> Any:
    op = step["op"]
    if op in FILE_OPS:
        return file_step(base, step)
    if op in MAINTENANCE:
        args = (step.get("dry_run", False),) if op == "cleanup" else ()
        return getattr(b, op)(base, step["queue"], *args)
    if op == "validate_name":
        return b.validate_name(step["name"])
    h = step.get("handle")
    if op == "open_writer":
        handles.pop(h, None)
        handles[h] = b.open_writer(base, step["queue"], step.get("mode", "read_write"),
                                   step.get("format", "v2"), step.get("durability", "none"))
        return None
    if op == "open_consumer":
        handles.pop(h, None)
        handles[h] = b.open_consumer(base, step["queue"], step["consumer"], step.get("mode", "read_write"))
        return None
    if op == "open_reader":
        handles.pop(h, None)
        handles[h] = b.open_reader(base, step["queue"], step.get("start", "first"))
        return None
    if h not in handles:
        return {"absent": h}
    obj = handles[h]
    if op == "drop":
        del handles[h]
        del obj
        return None
    if op == "push":
        return b.push(obj, body_bytes(step["body"]), step.get("type", "S"))
    if op == "push_batch":
        return b.push_batch(obj, [body_bytes(x) for x in step["bodies"]], step.get("type", "S"))
    if op == "state":
        return b.writer_state(obj) if b.is_writer(obj) else b.consumer_state(obj)
    return b.call(obj, op, step)


def run_scenario(b, scenario: Dict[str, Any], base: Path) -> Dict[str, Any]:
    handles: Dict[str, Any] = {}
    results = []
    for step in scenario["steps"]:
        try:
            value = dispatch(b, base, handles, step)
            if isinstance(value, dict) and "absent" in value:
                results.append(value)
            else:
                results.append({"ok": value})
        except FileNotFoundError as e:
            results.append(b.classify(base, e) or error("NotFound"))
        except Exception as e:  # noqa: BLE001 - every failure is a result
            r = b.classify(base, e)
            results.append(r if r is not None else {"crash": f"{type(e).__name__}: {e}",
                                                     "trace": traceback.format_exc(limit=3)})
    for h in list(handles):
        try:
            handles.pop(h).close()
        except Exception:  # noqa: BLE001 - closing leftovers is best effort
            pass
    return {"name": scenario["name"], "results": results}


BINDINGS = {"pyo3": PyO3, "cli": Cli, "uniffi": UniFFI}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--binding", required=True)
    args = ap.parse_args()
    # Damage steps make the engine warn on purpose; the trace holds what matters.
    logging.getLogger("vqueue").setLevel(logging.ERROR)
    b = BINDINGS[args.binding]()
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        if req.get("base"):
            out = run_scenario(b, req["scenario"], Path(req["base"]))
        else:
            with tempfile.TemporaryDirectory(prefix="vqc-") as d:
                out = run_scenario(b, req["scenario"], Path(d))
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

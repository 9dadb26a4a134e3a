"""What every Python runner shares: reading bodies and files of a scenario,
and writing results in the normalised form of `schema.json`.

The Rust runner (`rust/src/scenario.rs`) implements the same rules; the
driver's cross-binding comparison is what keeps the two in step.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import Any, Dict, List, Optional

# Bodies up to this size made of printable ASCII are shown as text in
# results; every other body as its length and SHA-256.
TEXT_MAX = 64


def body_bytes(spec: Any) -> bytes:
    """The bytes a body specification stands for (see `body` in schema.json)."""
    if isinstance(spec, str):
        return spec.encode()
    if "text" in spec:
        return spec["text"].encode()
    if "hex" in spec:
        return bytes.fromhex(spec["hex"])
    if "pattern" in spec:
        pat = spec["pattern"].encode()
        n = spec["len"]
        return (pat * (n // max(len(pat), 1) + 1))[:n]
    if "zeros" in spec:
        return bytes(spec["zeros"])
    raise ValueError(f"unknown body spec {spec!r}")


def body_result(data: Optional[bytes]) -> Any:
    if data is None:
        return None
    data = bytes(data)
    if len(data) <= TEXT_MAX and all(0x20 <= b < 0x7F for b in data):
        return data.decode()
    return {"len": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def rel_path(base: Path, p: Any) -> Any:
    """A path from the binding, relative to the queue base with `/`."""
    if p is None:
        return None
    s = str(p)
    b = str(base)
    for prefix in (b + os.sep, os.path.realpath(b) + os.sep):
        if s.startswith(prefix):
            s = s[len(prefix):]
            break
    return s.replace(os.sep, "/")


def error(kind: str, **fields: Any) -> Dict[str, Any]:
    return {"error": {"kind": kind, **{k: v for k, v in fields.items() if v is not None}}}


# ---- file steps: the same in every binding, done by the runner itself ----

def file_step(base: Path, step: Dict[str, Any]) -> Any:
    """Runs a damage or file step; returns its `ok` value."""
    op = step["op"]
    if op == "files":
        out = []
        for root, dirs, names in os.walk(base):
            dirs.sort()
            for n in names:
                p = Path(root) / n
                out.append([rel_path(base, p), p.stat().st_size])
        return sorted(out)
    path = base / step["path"]
    if op == "write":
        path.write_bytes(step["text"].encode())
        return None
    if not path.exists():
        raise FileNotFoundError(step["path"])
    if op == "digest":
        return hashlib.sha256(path.read_bytes()).hexdigest()
    if op == "delete":
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
        return None
    if op == "empty":
        os.truncate(path, 0)
        return None
    if op == "truncate":
        size = path.stat().st_size
        n = step["len"]
        os.truncate(path, n if n >= 0 else max(size + n, 0))
        return None
    if op == "flip":
        data = bytearray(path.read_bytes())
        off = step["offset"]
        if off < 0:
            off += len(data)
        data[off] ^= step.get("mask", 0xFF)
        path.write_bytes(bytes(data))
        return None
    raise ValueError(f"unknown file op {op}")


FILE_OPS = {"files", "digest", "delete", "empty", "truncate", "flip", "write"}

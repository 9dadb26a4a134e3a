"""``python -m vqueue``: the subcommands and exit codes of the vqueue tool
(the engine's command line, run through the extension)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import vqueue
from vqueue import Consumer, Mode, MsgType, Queue


def cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vqueue", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


def make_queue(base):
    q = Queue(base, "jobs", Mode.READ_WRITE)
    q.push(b"first", MsgType.STRING)
    q.push(b"\x00binary", MsgType.OBJECT)
    c = Consumer(base, "worker", "jobs")
    c.pop()
    c.commit()
    c.close()
    q = Queue(base, "jobs", Mode.READ_WRITE)
    q.push(b"third", MsgType.STRING)
    q.close()


def test_help_lists_subcommands_and_exit_codes():
    proc = cli("--help")
    assert proc.returncode == 0
    for word in ("info", "cat", "verify", "repair", "cleanup", "Exit codes:"):
        assert word in proc.stdout


def test_info(base):
    make_queue(base)
    proc = cli("info", str(base), "jobs")
    assert proc.returncode == 0, proc.stderr
    assert "queue:   jobs" in proc.stdout
    assert "worker" in proc.stdout
    data = json.loads(cli("info", str(base), "jobs", "--json").stdout)
    assert [p["count"] for p in data["parts"]] == [2, 1]
    assert data["consumers"][0]["name"] == "worker"
    assert data["consumers"][0]["lag"] == 2


def test_cat_plain_and_json_write_nothing(base):
    make_queue(base)
    before = {p: p.read_bytes() for p in base.rglob("*") if p.is_file()}
    proc = cli("cat", str(base), "jobs")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "first"
    lines = [json.loads(x) for x in cli("cat", str(base), "jobs", "--json").stdout.splitlines()]
    assert [base64.b64decode(x["body"]) for x in lines] == [b"first", b"\x00binary", b"third"]
    assert [x["type"] for x in lines] == ["S", "O", "S"]
    assert [x["part"] for x in lines] == [0, 0, 1]
    assert [x["len"] for x in lines] == [5, 7, 5]
    from_worker = [json.loads(x) for x in cli("cat", str(base), "jobs", "--consumer", "worker", "--json").stdout.splitlines()]
    assert [base64.b64decode(x["body"]) for x in from_worker] == [b"\x00binary", b"third"]
    assert {p: p.read_bytes() for p in base.rglob("*") if p.is_file()} == before


def test_verify_ok_then_problem_exit_1(base):
    make_queue(base)
    proc = cli("verify", str(base), "jobs")
    assert proc.returncode == 0, proc.stderr
    assert "verify: 2 parts, 3 records, 0 problems" in proc.stdout
    part = base / "jobs-0" / "jobs_queue"
    data = bytearray(part.read_bytes())
    data[26] ^= 0x01
    part.write_bytes(bytes(data))
    proc = cli("verify", str(base), "jobs")
    assert proc.returncode == 1
    assert "jobs_queue: part 0, offset 0:" in proc.stdout and "1 problems" in proc.stdout


def test_repair_and_cleanup(base):
    make_queue(base)
    (base / "jobs_info_queue").write_text("garbage\n")
    assert cli("info", str(base), "jobs").returncode in (0, 3)
    proc = cli("repair", str(base), "jobs")
    assert proc.returncode == 0, proc.stderr
    assert "repair: 2 parts, 3 records" in proc.stdout
    assert vqueue.verify(base, "jobs").ok
    # The worker is in part 0 still, so nothing can go yet.
    proc = cli("cleanup", str(base), "jobs", "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert "cleanup: would remove 0 parts (0 bytes), kept 2" in proc.stdout
    c = Consumer(base, "worker", "jobs")
    while c.pop() is not None:
        pass
    c.commit()
    c.close()
    proc = cli("cleanup", str(base), "jobs")
    assert proc.returncode == 0, proc.stderr
    assert "removed part 0\n" in proc.stdout
    assert not (base / "jobs-0").exists()


def test_errors_exit_codes(base):
    proc = cli("info", str(base), "bad name")
    assert proc.returncode == 2
    assert proc.stderr.startswith("vqueue: ")
    proc = cli("cat", str(base), "missing")
    assert proc.returncode == 3
    assert "missing" in proc.stderr
    proc = cli("frobnicate", str(base), "jobs")
    assert proc.returncode == 2


def test_cat_into_a_closed_pipe_exits_quietly(base):
    q = Queue(base, "many", Mode.READ_WRITE)
    q.push_batch([b"line %d" % i for i in range(50000)], MsgType.STRING)
    q.close()
    proc = subprocess.run(f"'{sys.executable}' -m vqueue cat '{base}' many | head -n 2", shell=True,
                          capture_output=True, text=True, timeout=120)
    assert proc.stdout.splitlines() == ["line 0", "line 1"]
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr

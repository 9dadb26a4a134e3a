"""Golden queues written by other software, read through the Python API."""

from __future__ import annotations

import hashlib
import json

import pytest

import vqueue
from conftest import fixtures_dir
from vqueue import Consumer, MsgType

QUEUES = {
    "real-veda-v2": "individuals-flow",
    "v3-compressed": "docs",
    "v2-generated": "docs",
}


def expected(name: str):
    lines = (fixtures_dir() / f"{name}.expected.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    summary = records.pop()
    assert summary["summary"] is True
    return records, summary


def read_all(base, queue: str):
    """(part, type, sha256) of every message the `fixture` consumer reads,
    through the original header/body protocol with a commit per message."""
    out = []
    c = Consumer(base, "fixture", queue)
    while c.pop_header():
        t = c.msg_type
        n = c.record_len
        part = c.part_id
        body = c.pop_body()
        assert body is not None and len(body) == n
        out.append((part, t, hashlib.sha256(body).digest()))
        c.commit()
    c.close()
    return out


def check(got, records, summary):
    assert len(got) == summary["messages"] == len(records)
    for i, ((part, t, sha), rec) in enumerate(zip(got, records)):
        assert part == rec["part"], i
        assert t == (MsgType.STRING if rec["type"] == "S" else MsgType.OBJECT), i
        assert sha.hex() == rec["sha256"], i
    assert hashlib.sha256(b"".join(sha for _, _, sha in got)).hexdigest() == summary["digest"]


@pytest.mark.parametrize("name", sorted(QUEUES))
def test_fixture_reads_exactly_the_expected_messages(fixture_copy, name):
    base = fixture_copy(name)
    records, summary = expected(name)
    check(read_all(base, QUEUES[name]), records, summary)
    # Everything was committed: a reopened consumer has nothing left.
    c = Consumer(base, "fixture", QUEUES[name])
    assert c.pop_header() is False
    assert c.backlog == 0


@pytest.mark.parametrize("name", sorted(QUEUES))
def test_fixture_verifies_clean(fixture_copy, name):
    base = fixture_copy(name)
    report = vqueue.verify(base, QUEUES[name])
    assert report.ok, report.problems
    assert report.records >= expected(name)[1]["messages"]


def test_fixture_appending_after_upstream_data(fixture_copy):
    base = fixture_copy("v3-compressed")
    records, summary = expected("v3-compressed")
    q = vqueue.Queue(base, "docs", vqueue.Mode.READ_WRITE)
    q.push(b"appended by vqueue", MsgType.OBJECT)
    got = [m.body for m in Consumer(base, "fixture", "docs")]
    assert len(got) == summary["messages"] + 1
    assert got[-1] == b"appended by vqueue"


def test_real_veda_small_is_refused_then_repaired(fixture_copy):
    base = fixture_copy("real-veda-small")
    records, summary = expected("real-veda-small")
    with pytest.raises(vqueue.InvalidChecksum) as e:
        read_all(base, "test")
    message = str(e.value)
    assert "test_info_queue" in message or "test_info_push" in message
    assert e.value.path.endswith(("test_info_queue", "test_info_push"))

    report = vqueue.verify(base, "test")
    assert not report.ok
    assert any(p.file.endswith(("test_info_queue", "test_info_push")) for p in report.problems)

    repaired = vqueue.repair(base, "test")
    assert repaired.records == 39
    assert repaired.actions
    assert vqueue.verify(base, "test").ok
    check(read_all(base, "test"), records, summary)


def test_python_cli_cat_reads_a_fixture_without_writing(fixture_copy):
    from support import run_python

    base = fixture_copy("v2-generated")
    before = {p: p.read_bytes() for p in base.rglob("*") if p.is_file()}
    proc = run_python("import sys; from vqueue.cli import main; sys.exit(main(sys.argv[1:]))",
                      "cat", str(base), "docs", "--consumer", "fixture", "--json", timeout=120)
    assert proc.returncode == 0, proc.stderr
    records, summary = expected("v2-generated")
    lines = [json.loads(x) for x in proc.stdout.splitlines()]
    assert len(lines) == summary["messages"]
    import base64

    digest = hashlib.sha256(b"".join(hashlib.sha256(base64.b64decode(x["body"])).digest() for x in lines))
    assert digest.hexdigest() == summary["digest"]
    assert [x["type"] for x in lines] == [r["type"] for r in records]
    assert {p: p.read_bytes() for p in base.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("require", [False, True])
def test_absent_fixtures_fail_only_when_required(tmp_path, require):
    """With VQUEUE_REQUIRE_FIXTURES=1 (as in CI) a missing fixtures folder
    fails the fixture tests; without it they are skipped."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, VQUEUE_FIXTURES=str(tmp_path / "absent"))
    env.pop("VQUEUE_REQUIRE_FIXTURES", None)
    if require:
        env["VQUEUE_REQUIRE_FIXTURES"] = "1"
    proc = subprocess.run([sys.executable, "-m", "pytest", __file__, "-q", "-p", "no:cacheprovider", "-k", "verifies_clean"],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    if require:
        assert proc.returncode == 1, proc.stdout
        assert "VQUEUE_REQUIRE_FIXTURES=1" in proc.stdout
    else:
        assert proc.returncode == 0, proc.stdout
        assert "skipped" in proc.stdout

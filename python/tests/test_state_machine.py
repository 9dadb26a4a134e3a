"""Hypothesis state machine: writers, consumers, pushes, pops, commits and
reopenings against a pure-Python model of the queue.

Profiles (tests/conftest.py, chosen by HYPOTHESIS_PROFILE): "ci" runs 50
examples of up to 25 steps, "dev" 1000 examples of up to 80 steps.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import hypothesis.strategies as st
import pytest
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import vqueue
from vqueue import Consumer, Mode, MsgType, Queue

QUEUE = "model"
NAMES = ["c0", "c1", "c2"]

# Mostly small bodies, sometimes up to 64 KiB; compressible ones exercise v3.
bodies = st.one_of(
    st.binary(max_size=64),
    st.binary(min_size=0, max_size=64 * 1024),
    st.builds(lambda s, n: (s * n)[: 64 * 1024], st.binary(min_size=1, max_size=16), st.integers(1, 4096)),
)
msg_types = st.sampled_from([MsgType.STRING, MsgType.OBJECT])


@dataclass
class ModelConsumer:
    committed: int  # index into the model's message list
    popped: int
    handle: Optional[Consumer] = None


@dataclass
class Model:
    messages: List[Tuple[bytes, MsgType, int]] = field(default_factory=list)  # body, type, part
    part: int = 0

    def count_in_part(self) -> int:
        return sum(1 for m in self.messages if m[2] == self.part)


class QueueMachine(RuleBasedStateMachine):
    """The machine drives ``api``: the ``vqueue`` package here; subclasses
    give another module with the same ``Queue``, ``Consumer`` and ``Closed``
    (the UniFFI module behind a thin facade, in tests/conformance)."""

    api = vqueue

    def __init__(self):
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="vq-sm-"))
        self.model = Model()
        self.writer: Optional[Queue] = self.api.Queue(self.dir, QUEUE, Mode.READ_WRITE)
        self.model.part = self.writer.part_id
        self.consumers: Dict[str, ModelConsumer] = {}
        # Every consumer gets a saved position before the first push, so the
        # model never depends on where a brand-new consumer starts (tested
        # separately in test_original_scenarios).
        for name in NAMES:
            c = self.api.Consumer(self.dir, name, QUEUE)
            c.commit()
            self.consumers[name] = ModelConsumer(committed=0, popped=0, handle=c)

    def teardown(self):
        for mc in self.consumers.values():
            if mc.handle is not None:
                mc.handle.close()
        if self.writer is not None:
            self.writer.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- writer ---------------------------------------------------------

    @precondition(lambda self: self.writer is not None)
    @rule(body=bodies, t=msg_types)
    def push(self, body, t):
        edge = self.writer.push(body, t)
        self.model.messages.append((body, t, self.model.part))
        assert edge == self.writer.right_edge
        assert self.writer.count_pushed == self.model.count_in_part()

    @precondition(lambda self: self.writer is not None)
    @rule(items=st.lists(bodies, min_size=1, max_size=20), t=msg_types)
    def push_batch(self, items, t):
        self.writer.push_batch(items, t)
        self.model.messages.extend((b, t, self.model.part) for b in items)
        assert self.writer.count_pushed == self.model.count_in_part()

    @rule(fmt=st.sampled_from(["v2", "v3"]), close_first=st.booleans())
    def reopen_writer(self, fmt, close_first):
        old = self.writer
        if old is not None and close_first:
            old.close()
        self.writer = self.api.Queue(self.dir, QUEUE, Mode.READ_WRITE, format=fmt)
        if self.model.count_in_part() > 0:
            self.model.part += 1
        assert self.writer.part_id == self.model.part
        assert self.writer.count_pushed == 0
        if old is not None:
            assert not old.is_ready
            with pytest.raises(self.api.Closed):
                old.push(b"must fail", MsgType.STRING)

    @precondition(lambda self: self.writer is not None)
    @rule()
    def close_writer(self):
        self.writer.close()
        assert not self.writer.is_ready
        self.writer = None

    # --- consumers --------------------------------------------------------

    def _expect_next(self, mc: ModelConsumer):
        if mc.popped < len(self.model.messages):
            return self.model.messages[mc.popped]
        return None

    @rule(name=st.sampled_from(NAMES), protocol=st.sampled_from(["original", "pop", "batch"]),
          n=st.integers(1, 30))
    def read(self, name, protocol, n):
        mc = self.consumers[name]
        if mc.handle is None:
            return
        c = mc.handle
        for _ in range(n):
            want = self._expect_next(mc)
            if protocol == "original":
                has = c.pop_header()
                assert has == (want is not None)
                if not has:
                    break
                assert c.msg_type == want[1]
                assert c.record_len == len(want[0])
                assert c.pop_body() == want[0]
            elif protocol == "pop":
                m = c.pop()
                if want is None:
                    assert m is None
                    break
                assert (m.body, m.msg_type, m.part) == want
            else:
                batch = c.pop_batch(n)
                exp = self.model.messages[mc.popped: mc.popped + n]
                assert [(m.body, m.msg_type, m.part) for m in batch] == exp
                mc.popped += len(batch)
                break
            mc.popped += 1

    @rule(name=st.sampled_from(NAMES))
    def commit(self, name):
        mc = self.consumers[name]
        if mc.handle is None:
            return
        assert mc.handle.commit() is True
        mc.committed = mc.popped

    @rule(name=st.sampled_from(NAMES), reopen=st.booleans())
    def close_or_reopen_consumer(self, name, reopen):
        mc = self.consumers[name]
        if mc.handle is not None:
            mc.handle.close()
            mc.handle = None
        if reopen:
            mc.handle = self.api.Consumer(self.dir, name, QUEUE)
            mc.popped = mc.committed

    @rule(name=st.sampled_from(NAMES))
    def read_only_view_from_saved_position(self, name):
        mc = self.consumers[name]
        with self.api.Consumer.new_with_mode(self.dir, name, QUEUE, Mode.READ) as ro:
            got = [(m.body, m.msg_type, m.part) for m in ro]
        assert got == self.model.messages[mc.committed:]

    @rule(name=st.sampled_from(NAMES))
    def batch_size(self, name):
        mc = self.consumers[name]
        if mc.handle is None:
            return
        rest = self.model.messages[mc.popped:]
        # Unread records of the part holding the next record to read.
        want = sum(1 for m in rest if m[2] == rest[0][2]) if rest else 0
        assert mc.handle.get_batch_size() == want

    @rule()
    def full_scan(self):
        got = [(m.body, m.msg_type, m.part) for m in self.api.Consumer.reader(self.dir, QUEUE)]
        assert got == self.model.messages

    # --- invariants -------------------------------------------------------

    @invariant()
    def backlog_matches_model(self):
        for mc in self.consumers.values():
            if mc.handle is not None:
                assert mc.handle.backlog == len(self.model.messages) - mc.popped


TestQueueMachine = QueueMachine.TestCase

# The same machine on the UniFFI-generated module (the surface Kotlin and
# Swift use), behind the facade that gives it this package's shape. The
# conformance suite generates the module and names its folder in
# $VQUEUE_UNIFFI_DIR; without it there is no module to test.
if os.environ.get("VQUEUE_UNIFFI_DIR"):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "conformance"))
    import uniffi_facade

    class UniFFIQueueMachine(QueueMachine):
        api = uniffi_facade

    TestUniFFIQueueMachine = UniFFIQueueMachine.TestCase

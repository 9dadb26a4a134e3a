"""One rule for every argument check (python/README.md, "Arguments"): a value
of a type the parameter cannot take raises TypeError; a value of an accepted
type that is out of range or names no member raises ValueError."""

from __future__ import annotations

import threading
import time

import pytest

from vqueue import Consumer, Mode, MsgType, Queue


@pytest.mark.parametrize("mode", [5, -1, 3, 2**31, 2**70, -(2**70)])
def test_an_int_that_is_no_mode_is_a_value_error(base, mode):
    with pytest.raises(ValueError, match="not a valid Mode"):
        Queue(base, "q", mode)
    with pytest.raises(ValueError, match="not a valid Mode"):
        Consumer.new_with_mode(base, "c", "q", mode)


@pytest.mark.parametrize("mode", ["1", 1.0, None, b"\x01"])
def test_a_mode_of_another_type_is_a_type_error(base, mode):
    with pytest.raises(TypeError, match="mode must be a vqueue.Mode"):
        Queue(base, "q", mode)


def test_mode_accepts_members_and_their_int_values(base):
    Queue(base, "q", 1).push(b"x", MsgType.STRING)
    assert Queue(base, "q", Mode.READ).mode is Mode.READ
    assert Consumer.new_with_mode(base, "c", "q", 0).mode is Mode.READ


@pytest.mark.parametrize("value", [b"S", "S"])
def test_msg_type_value_as_bytes_or_str_is_string(base, value):
    q = Queue(base, "q", Mode.READ_WRITE)
    q.push(b"x", value)
    q.push(b"y", MsgType.OBJECT)
    assert [m.msg_type for m in Consumer(base, "c", "q")] == [MsgType.STRING, MsgType.OBJECT]


@pytest.mark.parametrize("value", [b"s", "s", b"X", "X", b"", "", b"SS", "STRING", "o"])
def test_a_msg_type_value_that_names_no_member_is_a_value_error(base, value):
    q = Queue(base, "q", Mode.READ_WRITE)
    with pytest.raises(ValueError, match="msg_type must be MsgType.STRING or MsgType.OBJECT"):
        q.push(b"x", value)
    with pytest.raises(ValueError, match="msg_type must be"):
        q.push_batch([b"x"], value)
    assert q.count_pushed == 0


@pytest.mark.parametrize("value", [None, 83, 1.5, Mode.READ, bytearray(b"S")])
def test_a_msg_type_of_another_type_is_a_type_error(base, value):
    q = Queue(base, "q", Mode.READ_WRITE)
    with pytest.raises(TypeError, match="msg_type must be"):
        q.push(b"x", value)


@pytest.mark.parametrize("bad", [-1, -(2**70)])
def test_pop_batch_negative_max_is_a_value_error(base, bad):
    Queue(base, "q", Mode.READ_WRITE).push(b"x", MsgType.STRING)
    c = Consumer(base, "c", "q")
    with pytest.raises(ValueError, match="max must be"):
        c.pop_batch(bad)
    with pytest.raises(TypeError, match="max must be an int"):
        c.pop_batch(1.0)
    assert [m.body for m in c.pop_batch(2**70)] == [b"x"]


@pytest.mark.parametrize("bad", [float("nan"), -1, -1e-9, float("-inf")])
def test_wait_refuses_negative_or_nan_timeouts(base, bad):
    Queue(base, "q", Mode.READ_WRITE)
    c = Consumer(base, "c", "q")
    with pytest.raises(ValueError, match="timeout must be"):
        c.wait(bad)
    with pytest.raises(TypeError):
        c.wait("1")


@pytest.mark.parametrize("huge", [1e19, 1e300, float("inf"), 2**70])
def test_wait_with_a_huge_timeout_waits_until_a_message_arrives(base, huge):
    q = Queue(base, "q", Mode.READ_WRITE)
    c = Consumer(base, "c", "q")

    def later():
        time.sleep(0.2)
        q.push(b"late", MsgType.STRING)

    threading.Thread(target=later).start()
    assert c.wait(huge) is True
    assert c.pop().body == b"late"


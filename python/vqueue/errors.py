"""Exceptions raised by vqueue.

Every error is a :class:`QueueError`, itself a :class:`ValueError` so that
code written for the original binding (which raised ``ValueError``) keeps
working. There is one subclass per kind of error the engine reports; the
classes, their names and docstrings come from the engine's table of error
kinds (``vqueue._vqueue.ERROR_KINDS`` lists them in order). Where an error has
them, the attributes ``path`` and ``offset`` (damaged file and byte),
``name`` (a refused queue or consumer name), ``errno`` (the OS error code of
an ``Io``, or None) and ``length`` (the size of a ``TooLarge`` body) are set.
"""

from __future__ import annotations

from vqueue import _vqueue
from vqueue._vqueue import *  # noqa: F401,F403  (the exception classes)
from vqueue._vqueue import QueueError

__all__ = ["QueueError", *_vqueue.ERROR_KINDS]

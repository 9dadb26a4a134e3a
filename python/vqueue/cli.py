"""The ``vqueue`` command line: ``python -m vqueue`` and the ``vqueue`` script
installed with the package run the engine's own command line (the code of the
``vqueue`` binary, through the extension), so their output and exit codes are
the same as the binary's. ``vqueue --help`` lists the subcommands and exit codes.
"""

from __future__ import annotations

import sys
from typing import List, Optional, Sequence

from vqueue import _vqueue


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run one command line (default: ``sys.argv[1:]``); returns the exit code."""
    return _vqueue.main(list(sys.argv[1:] if argv is None else argv))


__all__: List[str] = ["main"]

"""Entry point of ``python -m vqueue``."""

import sys

from vqueue.cli import main

if __name__ == "__main__":
    sys.exit(main())

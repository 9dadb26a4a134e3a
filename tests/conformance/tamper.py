"""A runner that differs on purpose: it starts another runner and adds one
to the `ok` number of one step of one scenario in its traces, passing
everything else through. test_driver.py puts it in front of one binding
to show that a difference coming from that binding alone fails the run.

    python tamper.py SCENARIO STEP RUNNER-COMMAND...
"""

from __future__ import annotations

import json
import subprocess
import sys


def main() -> int:
    scenario, step, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    runner = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    assert runner.stdin and runner.stdout
    for line in sys.stdin:
        runner.stdin.write(line)
        runner.stdin.flush()
        trace = json.loads(runner.stdout.readline())
        if trace["name"] == scenario:
            trace["results"][step]["ok"] += 1
        sys.stdout.write(json.dumps(trace) + "\n")
        sys.stdout.flush()
    runner.stdin.close()
    return runner.wait()


if __name__ == "__main__":
    sys.exit(main())

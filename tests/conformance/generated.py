"""Random scenarios from the Hypothesis and the proptest strategies, replayed
by every runner. A scenario on which the bindings disagree (or a runner
crashes) is shrunk and saved beside the written ones as
`generated-<seed>-<source>.json`, without expected results: from then on it
is compared between bindings like any other scenario."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Dict, List

from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hseed

import strategies
from driver import check, explain, runner_commands


def disagreement(runners, s: Dict[str, Any]):
    traces = {n: r.run(s) for n, r in runners.items()}
    cells = check(s, traces)
    return None if all(c == "ok" for c in cells.values()) else (traces, cells)


def save(folder: Path, s: Dict[str, Any]) -> None:
    path = folder / f"{s['name']}.json"
    path.write_text(json.dumps(s, indent=1) + "\n")
    print(f"generated: saved the shrunk scenario as {path}")


def from_hypothesis(runners, n: int, seed: int, folder: Path) -> List[str]:
    name = f"generated-{seed}-hypothesis"
    last: List[Any] = []

    @hseed(seed)
    @settings(max_examples=n, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(strategies.scenarios(name))
    def replay(s):
        found = disagreement(runners, s)
        if found:
            last[:] = [s, *found]
            raise AssertionError(name)

    try:
        replay()
    except AssertionError:
        # Hypothesis replays the shrunk example last.
        s, traces, cells = last
        explain(s, traces, cells)
        save(folder, s)
        return [name]
    print(f"generated: {n} Hypothesis scenarios, all bindings agree")
    return []


def shrink(runners, s: Dict[str, Any]) -> Dict[str, Any]:
    """Drops steps (after the first two) while the disagreement remains."""
    i = 2
    while i < len(s["steps"]):
        candidate = dict(s, steps=s["steps"][:i] + s["steps"][i + 1:])
        if disagreement(runners, candidate):
            s = candidate
        else:
            i += 1
    return s


def from_proptest(runners, n: int, seed: int, folder: Path) -> List[str]:
    cmd = runner_commands()["core"][0]
    out = subprocess.run([cmd, "generate", "--seed", str(seed), "--count", str(n)],
                         capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        s = json.loads(line)
        if disagreement(runners, s):
            s = shrink(runners, dict(s, name=f"generated-{seed}-proptest"))
            explain(s, *disagreement(runners, s))
            save(folder, s)
            return [s["name"]]
    print(f"generated: {n} proptest scenarios, all bindings agree")
    return []


def run(runners, n: int, seed: int, folder: Path) -> List[str]:
    return from_hypothesis(runners, n, seed, folder) + from_proptest(runners, n, seed, folder)

"""Runs every conformance runner on every scenario and compares the traces:
with each step's `expect`, and between bindings. Prints a table scenario x
binding and exits 1 on any difference.

    python driver.py [--bindings core,pyo3,cli] [--scenarios DIR]
                     [--generated N] [--seed S] [--cross] [--bless]

Runners are long-lived processes speaking JSON lines (see runner.py); the
commands come from `runner_commands()`. `--generated N` also replays N
scenarios from the Hypothesis strategy and N from the proptest strategy
(seeded by `--seed`, else `$VQC_SEED`, else the time; the seed is printed).
A generated scenario on which the bindings disagree is shrunk and saved
under scenarios/ as `generated-*.json`. `--cross`: the cross-writing check
(cross.py). `--bless` fills in `expect` of steps that have none from the
first binding's trace (for writing new scenarios; review the result).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SCENARIOS = HERE / "scenarios"


def runner_commands() -> Dict[str, List[str]]:
    """How to start each binding's runner. `$VQC_<BINDING>_CMD` replaces a
    binding's command (split like a shell line); `kotlin` has only that."""
    rust = os.environ.get("VQC_RUST_BIN", str(REPO / "target" / "debug" / "vqueue-conformance"))
    py = [sys.executable, str(HERE / "runner.py"), "--binding"]
    cmds = {
        "core": [rust, "run", "--binding", "core"],
        "upstream": [rust, "run", "--binding", "upstream"],
        "pyo3": py + ["pyo3"],
        "cli": py + ["cli"],
        "uniffi": py + ["uniffi"],
    }
    for name in [*cmds, "kotlin"]:
        given = os.environ.get(f"VQC_{name.upper()}_CMD")
        if given:
            cmds[name] = shlex.split(given)
    return cmds


# What a binding cannot express, with why; a scenario that `requires` one of
# these shows "n/a" for that binding instead of running there.
LIMITS = {
    "uniffi": {"bodies_over_2gib": "UniFFI copies every body into a RustBuffer: a 2 GiB body costs 2 GiB of memory"},
    "kotlin": {"bodies_over_2gib": "a Kotlin ByteArray holds at most 2^31-1 bytes, the format's own maximum"},
}


def unable(binding: str, scenario: Dict[str, Any]) -> List[str]:
    return [LIMITS[binding][r] for r in scenario.get("requires", []) if r in LIMITS.get(binding, {})]


class Runner:
    """One binding's runner process: a request line in, a trace line out."""

    def __init__(self, name: str, cmd: List[str]) -> None:
        self.name = name
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def run(self, scenario: Dict[str, Any], base: Optional[Path] = None) -> Dict[str, Any]:
        req = {"scenario": scenario, "base": str(base) if base else None}
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"runner {self.name} exited (code {self.proc.wait()})")
        return json.loads(line)

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=60)


def start_runners(names: List[str]) -> Dict[str, Runner]:
    cmds = runner_commands()
    return {n: Runner(n, cmds[n]) for n in names}


def load_scenarios(folder: Path) -> List[Dict[str, Any]]:
    out = []
    for p in sorted(folder.glob("*.json")):
        s = json.loads(p.read_text())
        if s.get("name") != p.stem:
            raise SystemExit(f"{p.name}: name {s.get('name')!r} is not the file name")
        out.append(s)
    return out


def validate(scenarios: List[Dict[str, Any]]) -> None:
    import jsonschema

    schema = json.loads((HERE / "schema.json").read_text())
    for s in scenarios:
        jsonschema.validate(s, schema)


def check(scenario: Dict[str, Any], traces: Dict[str, Dict[str, Any]]) -> Dict[str, str]:
    """A cell per binding: "ok", or what differs first."""
    steps = scenario["steps"]
    cells = {}
    reference = next(iter(traces.values()))["results"]
    for name, trace in traces.items():
        results = trace["results"]
        cell = "ok"
        for i, (step, got) in enumerate(zip(steps, results)):
            if "crash" in got:
                cell = f"crash@{i}"
            elif "expect" in step and got != step["expect"]:
                cell = f"expect@{i}"
            elif got != reference[i]:
                cell = f"differs@{i}"
            if cell != "ok":
                break
        if cell == "ok" and len(results) != len(steps):
            cell = "short"
        cells[name] = cell
    return cells


def explain(scenario: Dict[str, Any], traces: Dict[str, Dict[str, Any]], cells: Dict[str, str]) -> None:
    for name, cell in cells.items():
        if cell == "ok":
            continue
        i = int(cell.split("@")[1]) if "@" in cell else 0
        step = scenario["steps"][i]
        print(f"  {scenario['name']} [{name}] step {i} {json.dumps({k: v for k, v in step.items() if k != 'expect'})}")
        if "expect" in step:
            print(f"    expected: {json.dumps(step['expect'])}")
        print(f"    got:      {json.dumps(traces[name]['results'][i])}")
        for other, t in traces.items():
            if other != name:
                print(f"    {other}: {json.dumps(t['results'][i])}")


def print_table(rows: List[tuple], bindings: List[str]) -> None:
    width = max([len("scenario")] + [len(r[0]) for r in rows])
    cols = [max(len(b), 10) for b in bindings]
    print(f"{'scenario':<{width}}  " + "  ".join(f"{b:<{w}}" for b, w in zip(bindings, cols)))
    for name, cells in rows:
        print(f"{name:<{width}}  " + "  ".join(f"{cells[b]:<{w}}" for b, w in zip(bindings, cols)))
    for b in bindings:
        for why in sorted(set(LIMITS.get(b, {}).values())):
            if any(cells[b] == "n/a" for _, cells in rows):
                print(f"n/a for {b}: {why}")


def run_all(runners: Dict[str, Runner], scenarios: List[Dict[str, Any]], verbose: bool = True):
    rows, failed = [], []
    for s in scenarios:
        traces = {n: r.run(s) for n, r in runners.items() if not unable(n, s)}
        cells = check(s, traces)
        cells.update({n: "n/a" for n in runners if n not in traces})
        rows.append((s["name"], cells))
        if any(c not in ("ok", "n/a") for c in cells.values()):
            failed.append(s["name"])
            if verbose:
                explain(s, traces, cells)
    return rows, failed


def bless(runner: Runner, folder: Path) -> None:
    for p in sorted(folder.glob("*.json")):
        s = json.loads(p.read_text())
        trace = runner.run(s)
        changed = False
        for step, got in zip(s["steps"], trace["results"]):
            if "expect" not in step:
                step["expect"] = got
                changed = True
            elif step["expect"] != got:
                print(f"{p.name}: {step['op']} expected {json.dumps(step['expect'])}, got {json.dumps(got)}")
        if changed:
            p.write_text(json.dumps(s, indent=1) + "\n")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bindings", default=os.environ.get("VQC_BINDINGS", "core,pyo3,cli"))
    ap.add_argument("--scenarios", default=str(SCENARIOS))
    ap.add_argument("--generated", type=int, default=int(os.environ.get("VQC_GENERATED", "0")))
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--cross", action="store_true")
    ap.add_argument("--bless", action="store_true")
    args = ap.parse_args()
    bindings = [b for b in args.bindings.split(",") if b]
    folder = Path(args.scenarios)

    if args.bless:
        r = start_runners(bindings[:1])[bindings[0]]
        bless(r, folder)
        r.close()
        return 0

    scenarios = load_scenarios(folder)
    validate(scenarios)
    runners = start_runners(bindings)
    start = time.time()
    try:
        rows, failed = run_all(runners, scenarios)
        print_table(rows, bindings)
        steps = sum(len(s["steps"]) for s in scenarios)
        print(f"conformance: {len(scenarios)} scenarios, {steps} steps, {len(bindings)} bindings, "
              f"{len(failed)} failing, {time.time() - start:.1f}s")

        if args.generated:
            import generated

            seed = args.seed if args.seed is not None else int(os.environ.get("VQC_SEED", int(time.time())))
            print(f"generated: seed {seed} (rerun with --seed {seed} or VQC_SEED={seed})")
            failed += generated.run(runners, args.generated, seed, folder)

        if args.cross:
            import cross

            failed += cross.run(runners)
    finally:
        for r in runners.values():
            r.close()
    if failed:
        print(f"conformance: FAILED ({len(failed)}): {', '.join(failed)}")
        return 1
    print("conformance: all bindings agree with the expected results and with each other")
    return 0


if __name__ == "__main__":
    sys.exit(main())

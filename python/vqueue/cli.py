"""``python -m vqueue``: the subcommands of the ``vqueue`` command line tool
(info, cat, verify, repair, cleanup), with the same arguments and exit codes."""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
from typing import Any, Callable, Dict, List, Optional, Sequence

import vqueue
from vqueue.errors import InvalidName, QueueError

OK = 0
PROBLEMS_FOUND = 1
USAGE = 2
QUEUE_ERROR = 3

EXIT_CODES = """\
Exit codes:
  0  success
  1  verify found problems (each one is listed with file, part and byte offset)
  2  usage error: bad arguments, or a queue or consumer name that is not valid
     ([A-Za-z0-9_.-]+, at most 128 bytes, not . or ..)
  3  queue error: not found, already open by another process, checksum or
     structure error, or an I/O error

Errors are printed on stderr as `vqueue: <message>`."""


def _info(args: argparse.Namespace) -> int:
    info = vqueue.inspect(args.base, args.queue)
    if args.json:
        print(json.dumps(_info_json(info)))
        return OK
    writer = "none" if info.writer_part is None else f"part {info.writer_part}"
    state = "active" if info.writer_active else "not running"
    print(f"queue {info.name}: writer at {writer} ({state})")
    print(f"{'part':>6} {'format':>6} {'records':>9} {'right_edge':>12} {'file_size':>12} dict")
    for p in info.parts:
        print(f"{p.id:>6} {p.format:>6} {p.count:>9} {p.right_edge:>12} {p.file_size:>12} {'yes' if p.has_dict else 'no'}")
    if info.consumers:
        print(f"{'consumer':<24} {'part':>6} {'offset':>12} {'popped':>9} {'lag':>9}")
        for c in info.consumers:
            print(f"{c.name:<24} {c.part:>6} {c.offset:>12} {c.popped:>9} {c.lag:>9}")
    else:
        print("no consumers")
    return OK


def _info_json(info: vqueue.QueueInfo) -> Dict[str, Any]:
    return {
        "name": info.name,
        "writer_part": info.writer_part,
        "writer_active": info.writer_active,
        "parts": [vars(p) for p in info.parts],
        "consumers": [vars(c) for c in info.consumers],
    }


def _cat(args: argparse.Namespace) -> int:
    out = sys.stdout.buffer
    with vqueue.Consumer.reader(args.base, args.queue, consumer=args.consumer) as reader:
        for msg in reader:
            if args.json:
                line = json.dumps({
                    "part": msg.part,
                    "offset": msg.offset,
                    "type": msg.msg_type.value.decode("ascii"),
                    "len": len(msg.body),
                    "body": base64.b64encode(msg.body).decode("ascii"),
                })
                out.write(line.encode("ascii") + b"\n")
            else:
                out.write(msg.body + b"\n")
    out.flush()
    return OK


def _progress(enabled: bool) -> Optional[Callable[[int, int], None]]:
    if not enabled:
        return None

    def report(done: int, total: int) -> None:
        pct = 100.0 * done / total if total else 100.0
        print(f"\r{pct:5.1f}% of {total} bytes", end="", file=sys.stderr, flush=True)

    return report


def _verify(args: argparse.Namespace) -> int:
    show = sys.stderr.isatty()
    report = vqueue.verify(args.base, args.queue, progress=_progress(show))
    if show:
        print(file=sys.stderr)
    for p in report.problems:
        where = [p.file]
        if p.part is not None:
            where.append(f"part {p.part}")
        if p.offset is not None:
            where.append(f"offset {p.offset}")
        print(f"problem: {', '.join(where)}: {p.detail}")
    verdict = "ok" if report.ok else f"{len(report.problems)} problem(s)"
    print(f"{report.parts} part(s), {report.records} record(s): {verdict}")
    return OK if report.ok else PROBLEMS_FOUND


def _repair(args: argparse.Namespace) -> int:
    show = sys.stderr.isatty()
    report = vqueue.repair(args.base, args.queue, progress=_progress(show))
    if show:
        print(file=sys.stderr)
    for action in report.actions:
        print(action)
    print(f"{report.parts} part(s), {report.records} record(s); {len(report.actions)} action(s)")
    return OK


def _cleanup(args: argparse.Namespace) -> int:
    report = vqueue.cleanup(args.base, args.queue, dry_run=args.dry_run)
    verb = "would remove" if args.dry_run else "removed"
    removed = ", ".join(str(i) for i in report.removed) or "none"
    print(f"{verb} part(s): {removed}; {report.bytes_freed} byte(s)")
    print(f"kept part(s): {', '.join(str(i) for i in report.kept) or 'none'}")
    return OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m vqueue",
        description="Inspect, read, verify, repair and clean up v-queue queues. "
        "BASE is the directory that holds the queue's files, QUEUE the queue's name.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {vqueue.__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str, run: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text, epilog=EXIT_CODES,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("base", metavar="BASE")
        p.add_argument("queue", metavar="QUEUE")
        p.set_defaults(run=run)
        return p

    p = command("info", "Show parts, formats, record counts, sizes, consumers and their lag", _info)
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p = command("cat", "Print every message without changing the queue (no consumer state is written)", _cat)
    p.add_argument("--consumer", metavar="NAME",
                   help="start at this saved consumer's position instead of the first existing part")
    p.add_argument("--json", action="store_true",
                   help="one JSON object per message: part, offset, type, len, body (base64)")
    command("verify", "Check every record CRC and every metadata file (exit 1 when a problem is found)", _verify)
    command("repair", "Rebuild metadata from the records; never deletes a record", _repair)
    p = command("cleanup", "Delete the parts every consumer has passed and the writer no longer uses", _cleanup)
    p.add_argument("--dry-run", action="store_true", help="only list what would be deleted")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run one subcommand; returns the process exit code."""
    args = _parser().parse_args(None if argv is None else list(argv))
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except BrokenPipeError:
        # The reader went away (`... cat | head`): that is how such a pipeline
        # ends. Point stdout at /dev/null so the interpreter's final flush
        # does not report the same broken pipe again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return OK
    except InvalidName as e:
        print(f"vqueue: {e}", file=sys.stderr)
        return USAGE
    except QueueError as e:
        print(f"vqueue: {e}", file=sys.stderr)
        return QUEUE_ERROR


__all__: List[str] = ["main"]

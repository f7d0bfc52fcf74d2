"""`scriptagent worker start|status|stop`: the warm worker, which keeps models loaded between builds (warm.py).

Builds use it with `executor: {kind: warm}` in production.yaml, `scriptagent build --executor warm`, or
SCRIPTAGENT_EXECUTOR=warm; without a worker they run in their own process after a one-line notice.
"""

from __future__ import annotations

import json
import time

from ..errors import BackendError


def cmd_start(args) -> int:
    from ..executor import start_warm_worker

    status, done = start_warm_worker(args.address, args.idle_minutes, args.num_cpus, args.num_gpus)
    print(f"warm worker: {done}")
    print(summary(status))
    print("builds use it with `executor: {kind: warm}` in production.yaml, `scriptagent build --executor warm`, or "
          "SCRIPTAGENT_EXECUTOR=warm")
    return 0


def cmd_status(args) -> int:
    from ..executor import warm_worker_status

    try:
        status = warm_worker_status(args.address)
    except BackendError as error:  # no cluster: no worker either
        status, reason = None, str(error).removeprefix("executor: ").split(" (hint:")[0]
    else:
        reason = "no worker on the Ray cluster"
    if args.json:
        print(json.dumps(status, indent=2))
    elif status is None:
        print(f"warm worker: not running ({reason}; `scriptagent worker start` starts one)")
    else:
        print(summary(status))
    return 0 if status is not None else 1


def cmd_stop(args) -> int:
    from ..executor import stop_warm_worker

    try:
        status = stop_warm_worker(args.address)
    except BackendError as error:
        status = None
        print(f"warm worker: not running ({str(error).removeprefix('executor: ').split(' (hint:')[0]})")
        return 0
    if status is None:
        print("warm worker: not running")
    else:
        print(f"warm worker: stopped (served {served(status)}); the Ray cluster keeps running (`ray stop` stops a "
              "local one)")
    return 0


def served(status: dict) -> str:
    counts = status["served"]
    text = ", ".join(f"{count} {kind}" for kind, count in sorted(counts.items())) or "nothing"
    return text + (f"; {status['failed']} failed" if status["failed"] else "")


def summary(status: dict) -> str:
    """What `worker status` prints: where it runs, what it holds, how long it has been idle, what it served."""
    idle = f"busy with {status['busy']}" if status["busy"] else f"idle {_duration(status['idle_s'])}"
    loaded = "; ".join(status["pipelines"]) or "no pipeline"
    memory = status.get("gpu_memory_bytes")
    up = _duration(time.time() - status["started"])
    gpu = f"; GPU memory {memory / 2 ** 30:.2f} GiB" if memory is not None else ""
    lines = [
        (f"warm worker: up on {status['host']} (pid {status['pid']}, cluster {status['address']}), up {up}; "
         f"{idle} (unloads after {status['idle_minutes']:g} idle minutes)"),
        f"  loaded: {loaded}; {status['renderers']} renderer(s){gpu}",
        (f"  loads: {status['pipeline_loads']} pipeline(s), {status['renderer_loads']} renderer(s); "
         f"unloads: {status['unloads']}"),
        f"  served: {served(status)}",
    ]
    return "\n".join(lines)


def _minutes(text: str) -> float:
    import argparse

    try:
        value = float(text)
    except ValueError:
        value = -1
    if not value > 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not a positive number of minutes")
    return value


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def add_commands(commands) -> None:
    worker = commands.add_parser("worker", help="a warm worker that keeps models loaded between builds (Ray)",
                                 description=__doc__.splitlines()[0])
    actions = worker.add_subparsers(dest="worker_command", required=True)
    start = actions.add_parser("start", help="start the warm worker (and a local Ray cluster where none runs)")
    start.add_argument("--idle-minutes", type=_minutes, metavar="MINUTES",
                       help="unload its models after this long without work (default 15; a running worker takes "
                            "the new value)")
    start.add_argument("--num-gpus", type=float, metavar="N",
                       help="GPUs it holds (default: 1 where the cluster has one, else 0)")
    start.add_argument("--num-cpus", type=float, default=1, metavar="N", help="CPUs it holds (default 1)")
    start.set_defaults(run=cmd_start)
    status = actions.add_parser("status", help="whether it is up, what it holds, its idle time, what it served "
                                               "(exit 1 when not running)")
    status.add_argument("--json", action="store_true", help="the whole status as JSON (null when not running)")
    status.set_defaults(run=cmd_status)
    stop = actions.add_parser("stop", help="stop the warm worker (its models go with it; the cluster stays)")
    stop.set_defaults(run=cmd_stop)
    for command in (start, status, stop):
        command.add_argument("--address", default="auto",
                             help="the Ray cluster: auto (the one `ray start` started here, or $RAY_ADDRESS), "
                                  "host:port or ray://host:port (builds: executor.address)")

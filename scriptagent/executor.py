"""Run a task's action on a Ray cluster instead of in the doit process.

doit stays the single source of what is stale: it decides which render, keyframe and score tasks run, in which
order, and `doit -n N` keeps N of them in flight. Each such task then calls `run_on_ray`, which submits the SAME
action the local build runs (scriptagent.actions.ACTIONS[name]) as a Ray task and waits for it. What travels to the worker
is the production folder's absolute path, the action's name and its arguments (segment ids, settings) - no
pictures and no weights: the worker reads the folder (cast images, build/segments/...) from a filesystem it
shares with the driver, loads model ids from its own Hugging Face cache, and writes its results into build/ with
the same atomic rename, so the files, their bytes and the cache are exactly those of a local build.

A worker process keeps its renderers between tasks (director.load_renderer caches one per configuration and
process), so a model loads once per worker, not once per segment.

`import ray` happens only here, only when the executor is ray.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from .errors import BackendError, InputError, ScriptAgentError, debug_enabled, one_line

EXECUTOR_ENV = "SCRIPTAGENT_EXECUTOR"  # `scriptagent build --executor ray`, or one choice for every production
EXECUTOR_KINDS = ("local", "ray")
KEEP_GOING = "(the other finished artifacts are kept; `doit` retries what failed)"


def chosen_kind(configured: str) -> str:
    """The executor kind: $SCRIPTAGENT_EXECUTOR when set (the command line's --executor), else production.yaml's."""
    kind = os.environ.get(EXECUTOR_ENV, "") or configured
    if kind not in EXECUTOR_KINDS:
        raise BackendError(f"{EXECUTOR_ENV}={kind}: unknown executor (hint: {' or '.join(EXECUTOR_KINDS)})")
    return kind


def run_on_ray(executor: dict, task: str, action: str, args: list) -> None:
    """Run scriptagent.actions.<action>(*args) in this production folder as a Ray task, and wait for it.

    `task` names the doit task (render:sh03) in every failure: the worker's own error, or the worker dying more
    than `max_retries` times. Either way only this task fails; doit keeps every other finished artifact.
    """
    import ray
    from ray import exceptions

    connect(executor)
    options = {"num_cpus": executor["num_cpus"], "num_gpus": executor["num_gpus"],
               "max_retries": executor["max_retries"], "retry_exceptions": False,  # only a death is worth a retry
               "name": task}
    if executor["runtime_env"]:
        options["runtime_env"] = executor["runtime_env"]
    reference = _remote_action().options(**options).remote(str(Path.cwd().resolve()), action, list(args))
    try:
        ray.get(reference)
    except exceptions.RayTaskError as error:  # the action raised on the worker
        cause = error.cause
        if debug_enabled():
            raise
        if isinstance(cause, InputError):
            raise InputError(cause.problems) from None  # its message is rebuilt from its problems
        if isinstance(cause, ScriptAgentError):
            raise cause from None
        reason = one_line(str(cause).strip().split("\n")[0]) or "(no message)"
        raise BackendError(f"{task}: failed on a Ray worker: {type(cause).__name__}: {reason} {KEEP_GOING}") \
            from None
    except exceptions.RayError as error:  # the worker or its node died, more often than max_retries
        reason = one_line(str(error).strip().split("\n")[0])
        raise BackendError(f"{task}: the Ray worker was lost after {executor['max_retries']} retries: {reason} "
                           f"{KEEP_GOING}") from None


def connect(executor: dict) -> None:
    """Join the cluster once per doit process (`doit -n N` runs N processes, each a Ray driver)."""
    import ray

    if ray.is_initialized():
        return
    address = executor["address"]
    _check_reachable(address)
    try:
        # `auto` is the cluster `ray start --head` started on this machine, or $RAY_ADDRESS when set
        ray.init(address=address, log_to_driver=True, logging_level="WARNING", configure_logging=True)
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise BackendError(f"executor: no Ray cluster at '{address}': {one_line(str(error).splitlines()[0])} "
                           "(hint: start one with `ray start --head`, then set executor.address or $RAY_ADDRESS)") \
            from None


CONNECT_TIMEOUT_S = 10  # a cluster's head answers at once; ray.init itself would retry for minutes


def _check_reachable(address: str) -> None:
    """Fail in seconds, with the address, when nothing listens where ray.init would connect.

    ray.init retries a dead address for minutes - a typo in executor.address, a cluster that was stopped, or a
    stale `ray start` record on this machine (what `auto` falls back to) all look like a hang. The address is
    resolved by Ray's own rules ($RAY_ADDRESS, then executor.address, `auto`: the last `ray start` here); where
    that lookup is unavailable, ray.init decides alone.
    """
    import socket

    try:
        from ray._private.services import get_ray_address_from_environment
    except ImportError:
        return
    hint = ("(hint: start one with `ray start --head`, or set executor.address or $RAY_ADDRESS to the head's "
            "host:port)")
    try:
        target = get_ray_address_from_environment(address, None)
    except ConnectionError as error:
        raise BackendError(f"executor: no Ray cluster at '{address}': {one_line(str(error).splitlines()[0])} "
                           f"{hint}") from None
    host, _, port = str(target or "").removeprefix("ray://").rpartition(":")
    if not port.isdigit():
        return  # not host:port ("local" starts a new cluster): nothing to probe
    origin = "$RAY_ADDRESS" if os.environ.get("RAY_ADDRESS") else \
        f"executor.address '{address}'" if address != "auto" else "the cluster `ray start` last started here"
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as error:
        reason = f"no answer within {CONNECT_TIMEOUT_S} s" if isinstance(error, TimeoutError) else \
            one_line(error.strerror or str(error))
        raise BackendError(f"executor: no Ray cluster answers at {target} (from {origin}): {reason} {hint}") \
            from None


def run_action_in(folder: str, action: str, args: list) -> None:
    """On the worker: the action the local build runs, in the production folder (paths in it are relative)."""
    from .actions import ACTIONS

    function = ACTIONS[action]  # raises: the error itself travels back to the driver, which reports it
    with _working_directory(folder):
        function(*args)


@contextlib.contextmanager
def _working_directory(folder: str):
    previous = os.getcwd()
    os.chdir(folder)  # a worker process runs one task at a time, and goes back where it was
    try:
        yield
    finally:
        os.chdir(previous)


_REMOTE = None


def _remote_action():
    global _REMOTE
    if _REMOTE is None:
        import ray

        _REMOTE = ray.remote(run_action_in)
    return _REMOTE

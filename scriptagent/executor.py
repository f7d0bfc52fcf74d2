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

executor: warm sends the same actions to the warm worker instead (warm.py: a named, detached Ray actor that
`scriptagent worker start` starts, keeping its models loaded between builds); where none is running, the build
says so in one line and runs them in its own process.

`import ray` happens only here, only when the executor is ray or warm.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from .errors import (
    BackendError,
    InputError,
    ScriptAgentError,
    debug_enabled,
    first_line,
    one_line,
)
from .warm import ENV_PREFIX, NAMESPACE, WORKER_NAME

EXECUTOR_ENV = "SCRIPTAGENT_EXECUTOR"  # `scriptagent build --executor ray`, or one choice for every production
EXECUTOR_KINDS = ("local", "warm", "ray")
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
    if executor.get("kind") == "warm":
        return run_on_warm(executor, task, action, args)
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


# --- executor: warm (the worker itself is warm.py) ----------------------------------------------------------------

_WARM: dict = {}  # this process's warm worker: its actor handle, or None once found absent (and said so, once)
# what `scriptagent worker start` passes on to the worker from its own environment (where models are found)
WORKER_ENV = ("HF_HOME", "HF_HUB_CACHE", "HF_HUB_OFFLINE", "HF_ENDPOINT", "TRANSFORMERS_CACHE",
              "PYTORCH_CUDA_ALLOC_CONF")
START_TIMEOUT_S = 120


def run_on_warm(executor: dict, task: str, action: str, args: list) -> None:
    """Run scriptagent.actions.<action>(*args) on the warm worker, in this production folder, and wait for it;
    where no worker is running (or it stops), here in this process, after a one-line notice."""
    from .actions import ACTIONS

    worker = _warm_worker(executor)
    if worker is not None:
        import ray
        from ray import exceptions

        gone = (exceptions.RayActorError, getattr(exceptions, "ActorUnavailableError", exceptions.RayActorError))
        try:
            reply = ray.get(worker.run.remote(str(Path.cwd().resolve()), task, action, list(args), build_env()))
        except gone as error:  # stopped (`scriptagent worker stop`) or died: this process goes on without it
            _absent(f"the worker stopped ({one_line(first_line(error))})")
        except exceptions.RayError as error:
            raise BackendError(f"{task}: the warm worker failed: {one_line(first_line(error))} {KEEP_GOING}") \
                from None
        else:
            sys.stdout.write(reply["stdout"])
            sys.stderr.write(reply["stderr"])
            if reply["error"]:
                _raise_reported(task, reply["error"], reply["traceback"])
            return
    ACTIONS[action](*args)


def build_env() -> dict:
    """The variables of this (the build's) process that an action on the worker sees: SCRIPTAGENT_* (the render
    cache, debugging), the executor choice excepted."""
    return {name: value for name, value in os.environ.items() if name.startswith(ENV_PREFIX) and name != EXECUTOR_ENV}


def _raise_reported(task: str, error: dict, trace: str) -> None:
    """An action's error as the worker reported it (warm.portable_error), raised here as the build reports it."""
    if debug_enabled() and trace:
        print(f"{task}: on the warm worker:\n{trace}", file=sys.stderr, end="")
    if error["kind"] == "input":
        raise InputError(error["problems"])
    if error["kind"] == "scriptagent":
        raise BackendError(error["message"])
    reason = one_line(error["message"].split("\n")[0]) or "(no message)"
    raise BackendError(f"{task}: failed on the warm worker: {error['type']}: {reason} {KEEP_GOING}")


def _warm_worker(executor: dict):
    """The worker's actor handle, found once per process; None (after the notice) where there is none."""
    if "worker" not in _WARM:
        _WARM["worker"] = None
        try:
            connect(executor)
            import ray

            _WARM["worker"] = ray.get_actor(WORKER_NAME, namespace=NAMESPACE)
        except ImportError:
            _absent("Ray is not installed (pip install 'scriptagent[ray]')")
        except BackendError as error:  # no cluster where the address points
            _absent(str(error).removeprefix("executor: ").split(" (hint:")[0])
        except ValueError:  # a cluster, but no worker on it
            _absent(f"no worker '{WORKER_NAME}' on the Ray cluster at {executor['address']}")
    return _WARM["worker"]


def _absent(reason: str) -> None:
    _WARM["worker"] = None
    print(f"executor: warm: {reason}; renders, keyframes and scores run in this process (hint: `scriptagent worker "
          "start` keeps models loaded between builds)", file=sys.stderr)


def start_warm_worker(address: str, idle_minutes: float | None, num_cpus: float, num_gpus: float | None) \
        -> tuple[dict, str]:
    """Start the warm worker on the cluster at `address` (a new local cluster where `auto` or a local host:port
    finds none); (its status, what was done). A running worker is kept, with `idle_minutes` when given."""
    import subprocess

    from .warm import DEFAULT_IDLE_MINUTES, WarmWorker

    ray = _import_ray()
    done = ""
    try:
        connect({"address": address})
    except BackendError:
        port = _local_port(address)
        if port is None:
            raise
        command = [sys.executable, "-m", "ray.scripts.scripts", "start", "--head", "--disable-usage-stats",
                   "--include-dashboard=false"] + (["--port", port] if port else [])
        result = subprocess.run(command, capture_output=True, text=True, timeout=START_TIMEOUT_S, check=False)
        if result.returncode != 0:
            said = (result.stderr or result.stdout).strip().splitlines()
            reason = one_line(said[-1]) if said else f"exit {result.returncode}"
            raise BackendError(f"worker: cannot start a local Ray cluster (`ray start --head`): {reason}") from None
        connect({"address": address})
        done = " on a new local Ray cluster (`ray stop` stops it)"
    try:
        worker = ray.get_actor(WORKER_NAME, namespace=NAMESPACE)
        if idle_minutes is not None:
            ray.get(worker.configure.remote(idle_minutes), timeout=START_TIMEOUT_S)
        done = "already running" + (f"; unloads after {idle_minutes:g} idle minutes" if idle_minutes is not None
                                    else "")
    except ValueError:
        gpus = num_gpus if num_gpus is not None else float(ray.cluster_resources().get("GPU", 0) >= 1)
        options = {"name": WORKER_NAME, "namespace": NAMESPACE, "lifetime": "detached", "get_if_exists": True,
                   "max_concurrency": 16, "num_cpus": num_cpus, "num_gpus": gpus}
        env = {name: os.environ[name] for name in WORKER_ENV if name in os.environ}
        if env:
            options["runtime_env"] = {"env_vars": env}
        worker = ray.remote(WarmWorker).options(**options).remote(
            DEFAULT_IDLE_MINUTES if idle_minutes is None else idle_minutes)
        done = "started" + done
    try:
        status = ray.get(worker.status.remote(), timeout=START_TIMEOUT_S)
    except ray.exceptions.GetTimeoutError:
        raise BackendError(f"worker: not up within {START_TIMEOUT_S} s (hint: the cluster may lack the CPUs or GPUs "
                           "it asks for, see `ray status`; try --num-cpus 0 or --num-gpus 0)") from None
    return dict(status, address=_cluster_address()), done


def warm_worker_status(address: str) -> dict | None:
    """The worker's status (warm.WarmWorker.status), or None where none runs; BackendError without a cluster."""
    ray = _import_ray()
    connect({"address": address})
    try:
        worker = ray.get_actor(WORKER_NAME, namespace=NAMESPACE)
        return dict(ray.get(worker.status.remote(), timeout=60), address=_cluster_address())
    except ValueError:
        return None
    except ray.exceptions.RayActorError:  # killed just now
        return None


def stop_warm_worker(address: str) -> dict | None:
    """Kill the worker (its models go with it); its last status, or None where none ran. The cluster stays."""
    import time

    ray = _import_ray()
    status = warm_worker_status(address)
    if status is None:
        return None
    ray.kill(ray.get_actor(WORKER_NAME, namespace=NAMESPACE), no_restart=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # its name is free (and builds fall back) once the cluster saw it die
        try:
            ray.get_actor(WORKER_NAME, namespace=NAMESPACE)
        except ValueError:
            break
        time.sleep(0.1)
    return status


def _import_ray():
    try:
        import ray
    except ImportError:
        raise BackendError("worker: Ray is not installed (hint: pip install 'scriptagent[ray]')") from None
    return ray


def _local_port(address: str) -> str | None:
    """Where `worker start` may start a cluster itself: "" (Ray's default port) for `auto` without $RAY_ADDRESS,
    the port of a host:port on this machine; None elsewhere."""
    import socket

    target = os.environ.get("RAY_ADDRESS") or address
    if target == "auto":
        return ""
    host, _, port = target.rpartition(":")
    local = host.strip("[]") in ("localhost", "127.0.0.1", "::1", socket.gethostname())
    return port if local and port.isdigit() else None


def _cluster_address() -> str:
    import ray

    return ray.get_runtime_context().gcs_address

"""The warm worker: one long-lived process that keeps loaded models between builds.

`scriptagent worker start` creates a named, detached Ray actor (WORKER_NAME in NAMESPACE) on a local or remote Ray
cluster. Builds whose executor is `warm` send it their renders, keyframes, segment scores and spoken lines
(executor.run_on_warm); it runs the same actions the local build runs (actions.ACTIONS, by name) and keeps in
its process what they load: the renderers (director.load_renderer's cache), the diffusers pipeline a process
holds, voices, metric encoders. A rebuild after an edit then pays the render, not the model's load.

- One action at a time, in the production's folder: the actions read and write paths relative to the working
  directory, which is the process's, so the worker changes into the folder for the action and back after it, and
  runs the next one only then. Several productions (and `doit -n N`) may share one worker; their actions queue.
  `status` is answered while an action runs.
- The build's SCRIPTAGENT_* variables (its render cache, debug) travel with each action and hold during it
  exactly as in the build's own process; the worker's other environment (HF_HOME, CUDA devices) is its own, set
  where it was started.
- What an action prints comes back with its result and is printed by the build, as if it had run there.
- After `idle_minutes` without an action the worker drops every loaded model and frees GPU memory; it keeps
  running, and the next action loads its model again.

`import ray` happens only in the functions that talk to the cluster; the actor's own code needs no Ray.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import io
import os
import socket
import sys
import threading
import time
import traceback

from .errors import InputError, ScriptAgentError

WORKER_NAME = "scriptagent-warm"
NAMESPACE = "scriptagent"
DEFAULT_IDLE_MINUTES = 15.0
ENV_PREFIX = "SCRIPTAGENT_"  # the build's variables an action sees (the executor choice excepted)
# lru caches of loaded models, by module: cleared when the worker unloads (each module only if it was imported)
MODEL_CACHES = (("scriptagent.director", "_cached_renderer"), ("scriptagent.voice", "_cached_voice"),
                ("scriptagent.critic.clip", "load_encoder"), ("scriptagent.lm.vlm", "load_vlm"),
                ("scriptagent.lm.transformers_chat", "load_model"))
RECENT = 50  # actions remembered for `worker status --json`


class WarmWorker:
    """The actor's state. A threaded actor: `run` calls queue on one lock, `status` never waits for them."""

    def __init__(self, idle_minutes: float = DEFAULT_IDLE_MINUTES):
        self.idle_s = idle_minutes * 60
        self.lock = threading.Lock()
        self.started = time.time()
        self.last_used = time.monotonic()
        self.busy: str | None = None
        self.served: collections.Counter = collections.Counter()  # finished actions by kind: render, keyframe, ...
        self.failed = 0
        self.pipeline_loads = 0  # pipelines loaded by the actions (the model weights)
        self.renderer_loads = 0  # renderers constructed (director.load_renderer's cache misses)
        self.unloads = 0
        self.recent: collections.deque = collections.deque(maxlen=RECENT)
        self.wake = threading.Event()  # a new idle time takes effect at once
        threading.Thread(target=self._unload_when_idle, name="idle-unload", daemon=True).start()

    def run(self, folder: str, task: str, action: str, args: list, env: dict) -> dict:
        """ACTIONS[action](*args) in `folder` with the build's SCRIPTAGENT_* variables `env`; returns what it
        printed and, where it raised, the error in a form that survives pickling (see portable_error)."""
        from .actions import ACTIONS

        with self.lock:
            self.busy = task
            pipelines, renderers = set(loaded_pipelines()), renderer_misses()
            stdout, stderr = io.StringIO(), io.StringIO()
            started, error, trace = time.perf_counter(), None, ""
            try:
                with _inside(folder, env), contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                    ACTIONS[action](*args)
            except Exception as exc:  # noqa: BLE001 - every failure goes back to the build, which reports it
                error, trace = portable_error(exc), traceback.format_exc()
            finally:
                self.pipeline_loads += len(set(loaded_pipelines()) - pipelines)
                self.renderer_loads += max(0, renderer_misses() - renderers)
                seconds = round(time.perf_counter() - started, 3)
                if error is None:
                    self.served[task.partition(":")[0]] += 1
                else:
                    self.failed += 1
                self.recent.append({"task": task, "folder": folder, "seconds": seconds, "ok": error is None})
                self.busy = None
                self.last_used = time.monotonic()
        return {"pid": os.getpid(), "stdout": stdout.getvalue(), "stderr": stderr.getvalue(), "error": error,
                "traceback": trace, "seconds": seconds}

    def status(self) -> dict:
        idle = 0.0 if self.busy else time.monotonic() - self.last_used
        return {"pid": os.getpid(), "host": socket.gethostname(), "started": self.started,
                "idle_minutes": self.idle_s / 60, "idle_s": round(idle, 1), "busy": self.busy,
                "pipelines": [describe(key) for key in loaded_pipelines()], "renderers": held_renderers(),
                "pipeline_loads": self.pipeline_loads, "renderer_loads": self.renderer_loads, "unloads": self.unloads,
                "served": dict(self.served), "failed": self.failed, "recent": list(self.recent),
                "gpu_memory_bytes": gpu_memory()}

    def configure(self, idle_minutes: float) -> None:
        self.idle_s = idle_minutes * 60
        self.wake.set()

    def _unload_when_idle(self) -> None:
        while True:
            self.wake.wait(max(0.2, min(30.0, self.idle_s / 5)))
            self.wake.clear()
            try:
                if time.monotonic() - self.last_used >= self.idle_s and not self.busy and holds_models():
                    with self.lock:  # an action that began meanwhile made it busy again: checked once more
                        if time.monotonic() - self.last_used >= self.idle_s and holds_models():
                            self.unloads += 1  # first: a status read meanwhile never shows models gone, no unload
                            unload_models()
            except Exception:  # noqa: BLE001 - in the worker's log; the thread goes on
                traceback.print_exc()


@contextlib.contextmanager
def _inside(folder: str, env: dict):
    """The production folder as working directory and the build's SCRIPTAGENT_* variables, for one action."""
    previous_folder = os.getcwd()
    previous_env = {name: value for name, value in os.environ.items() if name.startswith(ENV_PREFIX)}
    for name in previous_env:
        del os.environ[name]
    os.environ.update({name: value for name, value in env.items() if name.startswith(ENV_PREFIX)})
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous_folder)
        for name in [name for name in os.environ if name.startswith(ENV_PREFIX)]:
            del os.environ[name]
        os.environ.update(previous_env)


def portable_error(error: Exception) -> dict:
    """An action's error as plain data: InputError's problems, else the message and the error's type name (an
    InputError does not survive pickling: its one argument is its problems, not its message)."""
    if isinstance(error, InputError):
        return {"kind": "input", "problems": error.problems}
    text = str(error).strip()
    return {"kind": "scriptagent" if isinstance(error, ScriptAgentError) else "other", "type": type(error).__name__,
            "message": text}


# --- what is loaded, and unloading it ---------------------------------------------------------------------------

def loaded_pipelines() -> list:
    """The keys of the pipelines this process holds: every imported scriptagent module's `_LOADED` registry (the
    diffusers director keeps one pipeline there; none before it is imported)."""
    registries = {id(registry): registry for name, module in list(sys.modules.items())
                  if name.startswith("scriptagent.")
                  for registry in [getattr(module, "_LOADED", None)] if isinstance(registry, dict)}
    return [key for registry in registries.values() for key in list(registry)]


def describe(key) -> str:
    """A held pipeline's key, e.g. ('video', 'wan-i2v', '/models/wan', None, ...), as 'video wan-i2v /models/wan'."""
    if not isinstance(key, tuple):
        return str(key)
    return " ".join(str(part) for part in key if part not in (None, False, "None"))


def _caches() -> list:
    return [cache for module, name in MODEL_CACHES
            for cache in [getattr(sys.modules.get(module), name, None)] if hasattr(cache, "cache_info")]


def renderer_misses() -> int:
    module = sys.modules.get("scriptagent.director")
    cache = getattr(module, "_cached_renderer", None)
    return cache.cache_info().misses if hasattr(cache, "cache_info") else 0


def held_renderers() -> int:
    module = sys.modules.get("scriptagent.director")
    cache = getattr(module, "_cached_renderer", None)
    return cache.cache_info().currsize if hasattr(cache, "cache_info") else 0


def holds_models() -> bool:
    return bool(loaded_pipelines()) or any(cache.cache_info().currsize for cache in _caches())


def unload_models() -> None:
    """Forget every loaded renderer, pipeline, voice and encoder, and give their memory back (GPU included)."""
    for cache in _caches():
        cache.cache_clear()
    for name, module in list(sys.modules.items()):  # the modules holding pipelines themselves
        release = getattr(module, "release_pipelines", None) if name.startswith("scriptagent.") else None
        if callable(release):
            release()
    gc.collect()
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


def gpu_memory() -> int | None:
    """Bytes of GPU memory torch holds in this process (None without torch or a GPU)."""
    torch = sys.modules.get("torch")
    if torch is None or not torch.cuda.is_available():
        return None
    return int(torch.cuda.memory_reserved())

"""Root build: every production under productions/ (CI regenerates whole episodes headless).

Each production keeps its own task graph and state (productions/NAME/build/); this file runs those graphs,
so `doit` here is the same as `doit` in every production folder. `doit list` shows one task per production;
`doit status` tells, from each production's own `doit status`, which productions the next `doit` builds.
With `SCRIPTAGENT_EXECUTOR=ray doit` (and $RAY_ADDRESS, or a cluster `ray start --head` started here), every
production sends its renders, keyframes and scores to the same Ray cluster (README: Rendering on a Ray cluster).

The training recipes under recipes/ are tasks too, run only when named: `doit train:sft`, `doit train:reward`,
`doit train:grpo`, `doit eval:scripter`, `doit scriptbench` (scriptagent/training/tasks.py).
"""

import subprocess
import sys
from pathlib import Path

from scriptagent.doit_state import state_backend
from scriptagent.status import production_up_to_date
from scriptagent.training.tasks import task_eval, task_scriptbench, task_train  # noqa: F401 (doit collects task_*)

PRODUCTIONS = sorted(p.parent for p in Path("productions").glob("*/production.yaml"))

# a plain `doit` builds the films; training needs a GPU-sized budget and runs only when asked for
# state committed after every finished task (doit_state.py): a killed `doit train:grpo` keeps the finished train:sft
DOIT_CONFIG = {"dep_file": ".doit.db", "backend": state_backend(), "verbosity": 2, "default_tasks": ["production"]}


def build_production(folder: Path, command: str = "run") -> bool:
    # the production's own doit decides what is stale; its failure is this task's failure
    return subprocess.run([sys.executable, "-m", "doit", command], cwd=folder).returncode == 0


def task_production():
    """build one production's film (its own doit graph)"""
    for folder in PRODUCTIONS:
        yield {
            "name": folder.name,
            "actions": [(build_production, [folder])],
            # delegated: the production's own graph knows what changed; up to date when its `doit status` says
            # nothing will run (and `doit status` here shows what it says: meta)
            "uptodate": [(production_up_to_date, [str(folder)])],
            "meta": {"production": str(folder)},
            "clean": [(build_production, [folder, "clean"])],
        }

"""Root build: every production under productions/ (CI regenerates whole episodes headless).

Each production keeps its own task graph and state (productions/NAME/build/); this file runs those graphs,
so `doit` here is the same as `doit` in every production folder. `doit list` shows one task per production;
`doit status` tells, from each production's own `doit status`, which productions the next `doit` builds.
productions/ is a season (productions/series.yaml: the cast and look its episodes share): after the productions,
`season` writes productions/build/season.html, every production's film and report linked (scriptagent/season.py).
With `SCRIPTAGENT_EXECUTOR=ray doit` (and $RAY_ADDRESS, or a cluster `ray start --head` started here), every
production sends its renders, keyframes and scores to the same Ray cluster (README: Rendering on a Ray cluster).

The training recipes under recipes/ are tasks too, run only when named: `doit train:sft`, `doit train:reward`,
`doit train:grpo`, `doit eval:scripter`, `doit scriptbench` (scriptagent/training/tasks.py).
"""

from pathlib import Path

from scriptagent.doit_command import listings_end_quietly
from scriptagent.doit_state import state_backend
from scriptagent.season import season_task_creators
from scriptagent.training.tasks import task_eval, task_scriptbench, task_train  # noqa: F401 (doit collects task_*)

PRODUCTIONS = Path("productions")
listings_end_quietly()  # `doit list | head` here ends quietly (exit 141), as in a production

# a plain `doit` builds the films; training needs a GPU-sized budget and runs only when asked for
# state committed after every finished task (doit_state.py): a killed `doit train:grpo` keeps the finished train:sft
DOIT_CONFIG = {"dep_file": ".doit.db", "backend": state_backend(), "verbosity": 2,
               "default_tasks": ["production", "season"]}

# production:NAME builds one production with its own doit (which decides what is stale; up to date when its own
# `doit status` says nothing runs); season writes the season page after them
globals().update(season_task_creators(PRODUCTIONS, basename="production"))

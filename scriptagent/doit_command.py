"""Which doit command a command line runs, found the way doit itself finds it (doit 0.37, `DoitMain.run`).

doit's command line is `doit [LOADER OPTIONS] [COMMAND] [OPTIONS] [TASKS]`:

1. the task loader's options (`-f/--file FILE`, `-d/--dir DIR`, `-k/--seek-file`) may come before the command;
   they are read with getopt, which stops at the first word that is not an option. When anything else comes
   first (`doit -n 2`, `doit -v 2 clean`), that reading fails and nothing is taken out;
2. `NAME=VALUE` words are doit's command-line variables, taken out wherever they are;
3. the first word left is the command if it names one (doit's own or a plugin's, such as `status`); otherwise
   the command is `run` and the words are its options and task names (`doit render:sh01`, `doit -n 2`).

So `doit -f DIR/dodo.py clean` cleans, while `doit -n 2 clean` runs a task named `clean`, as doit does.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from importlib.metadata import entry_points
from pathlib import Path

from doit.cmd_base import DodoTaskLoader
from doit.cmdparse import CmdOption, CmdParse, CmdParseError
from doit.doit_cmd import DoitMain


def known_commands() -> set[str]:
    """doit's own commands and those installed as plugins (the `doit.COMMAND` entry points, e.g. `status`)."""
    return {command.get_name() for command in DoitMain.DOIT_CMDS} | {p.name for p in entry_points(group="doit.COMMAND")}


def doit_command(argv: list[str], commands: set[str] | None = None) -> str:
    """The doit command that `doit *argv` runs (argv without the program name): `run` unless a command is named."""
    words = list(argv)
    loader_options = CmdParse([CmdOption(option) for option in DodoTaskLoader.cmd_options])
    try:
        _, words = loader_options.parse_only(words)
    except CmdParseError:
        pass  # something other than a loader option comes first: doit reads the whole line as `run`'s
    words = [word for word in words if word.startswith("-") or "=" not in word]  # NAME=VALUE: doit's variables
    commands = known_commands() if commands is None else commands
    return words[0] if words and words[0] in commands else "run"


def production_command(dodo_file: str, argv: list[str] | None = None) -> str:
    """The doit command run on the production beside `dodo_file` (from `sys.argv` by default).

    A production's tasks read and write paths relative to its folder (production.yaml, build/...). doit makes
    the dodo file's folder the working directory, also for `doit -f DIR/dodo.py` run elsewhere; `-d/--dir`
    names another one, where no task would find its files: that stops here, with one line saying so.
    """
    folder = Path(dodo_file).resolve().parent
    if Path.cwd().resolve() != folder:
        print(f"{dodo_file}: a production's tasks run in its own folder, not in {Path.cwd()} "
              f"(leave out -d/--dir: `doit -f {dodo_file}` runs them there)", file=sys.stderr)
        raise SystemExit(2)
    command = doit_command(sys.argv[1:] if argv is None else argv)
    if command in LISTINGS:  # this process is doit's own: `doit list | head` ends quietly, as `ls | head` does
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    return command


# Commands that only print (read, never write): a reader that stops early (`| head`) ends them as it ends any Unix
# tool, by SIGPIPE (exit 141, nothing printed), not with doit's BrokenPipeError traceback.
LISTINGS = {"list", "info", "dumpdb", "help", "tabcompletion", "status"}


def listings_end_quietly(argv: list[str] | None = None) -> None:
    """In doit's own process (a season's or this repository's root dodo.py): a listing cut short by its reader
    ends by SIGPIPE, as in a production's."""
    if doit_command(sys.argv[1:] if argv is None else argv) in LISTINGS and hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)


@contextlib.contextmanager
def listing_output(command: str):
    """While doit runs `command` in this process (`scriptagent build DIR list`): SIGPIPE as for LISTINGS above,
    then as it was."""
    if command not in LISTINGS or not hasattr(signal, "SIGPIPE"):
        yield
        return
    try:
        previous = signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    except ValueError:  # not the main thread: signals stay as they are
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGPIPE, previous)

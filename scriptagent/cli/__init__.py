"""The `scriptagent` command. Each module here adds its subcommands (`add_commands`); this one parses and runs.

Errors meant for the user print one line per problem and exit 2; `--debug` shows the traceback. Output cut short by
its reader (`| head`) ends the command quietly with exit status 141, as SIGPIPE ends other Unix tools.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys

from ..errors import EXIT_USER_ERROR, ScriptAgentError, debug_enabled
from .common import NORMAL, QUIET, VERBOSE

EXIT_BROKEN_PIPE = 128 + 13  # 128 + SIGPIPE: what a shell shows for a process SIGPIPE ended

# the modules that add subcommands, in the order `scriptagent --help` lists them
COMMAND_MODULES = ("production", "script", "tools", "watch", "worker", "series")


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="scriptagent", description="Dialogue to cinematic multi-shot video.")
    main.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    main.add_argument("--debug", action="store_true", help="show tracebacks")
    add_output_flags(main, NORMAL)
    commands = main.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").add_commands(commands)
    for name, command in commands.choices.items():  # `scriptagent validate -q` as well as `scriptagent -q validate`
        if name != "build":  # after DIR, build's words are doit's (`-v 2`: doit's verbosity)
            add_output_flags(command, argparse.SUPPRESS)
    return main


def add_output_flags(command: argparse.ArgumentParser, default) -> None:
    """-q and -v: how much a command prints besides what it was asked for (README: Output)."""
    try:
        flags = command.add_mutually_exclusive_group()
        flags.add_argument("-q", "--quiet", dest="verbosity", action="store_const", const=QUIET, default=default,
                           help="errors only: no progress, summary or warning lines (build: only what failed)")
        flags.add_argument("-v", "--verbose", dest="verbosity", action="store_const", const=VERBOSE,
                           default=default, help="more: build shows every task's output (doit --verbosity 2); "
                                             "plan and validate list every shot")
    except argparse.ArgumentError:
        pass  # a command with a -q or -v of its own keeps it


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("scriptagent")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "(not installed)"


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.debug:
        os.environ["SCRIPTAGENT_DEBUG"] = "1"
    try:
        try:
            code = args.run(args)
        except ScriptAgentError as error:
            if debug_enabled():
                raise
            print(error, file=sys.stderr)
            code = EXIT_USER_ERROR
        sys.stdout.flush()  # a reader that went away shows here, not as a traceback at exit
        return code
    except BrokenPipeError:
        # `scriptagent schema | head -c 10`: the reader has what it wanted. Stop quietly, as `ls | head` does, with
        # the status a process ended by SIGPIPE has; later writes (Python's own flush at exit) go nowhere.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE

"""The `scriptagent` command. Each module here adds its subcommands (`add_commands`); this one parses and runs.

Errors meant for the user print one line per problem and exit 2; `--debug` shows the traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from ..errors import EXIT_USER_ERROR, ScriptAgentError, debug_enabled

# the modules that add subcommands, in the order `scriptagent --help` lists them
COMMAND_MODULES = ("production", "script", "tools")


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="scriptagent", description="Dialogue to cinematic multi-shot video.")
    main.add_argument("--debug", action="store_true", help="show tracebacks")
    commands = main.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").add_commands(commands)
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.debug:
        os.environ["SCRIPTAGENT_DEBUG"] = "1"
    try:
        return args.run(args)
    except ScriptAgentError as error:
        if debug_enabled():
            raise
        print(error, file=sys.stderr)
        return EXIT_USER_ERROR


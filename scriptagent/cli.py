"""The `scriptagent` command: new, build, validate, plan, script, schema.

Errors meant for the user print one line per problem and exit 2; `--debug` shows the traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from pathlib import Path

from .errors import EXIT_USER_ERROR, InputError, Problem, ScriptAgentError, debug_enabled



@contextlib.contextmanager
def working_directory(path: Path):
    previous = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


def production_folder(value: str) -> Path:
    folder = Path(value)
    if not (folder / "production.yaml").is_file():
        raise InputError(Problem(str(folder / "production.yaml"), "no production here",
                                 hint="pass a production folder, or create one with `scriptagent new NAME`"))
    return folder


# --- commands -------------------------------------------------------------------------------------------------

def cmd_new(args) -> int:
    from .scaffold import scaffold

    folder = scaffold(Path(args.name), title=args.title)
    print(f"created {folder}/ (production.yaml, dodo.py, .gitignore, cast/); next: cd {folder} && doit")
    return 0


def cmd_build(args) -> int:
    from doit.cmd_base import ModuleTaskLoader
    from doit.doit_cmd import DoitMain

    from .tasks import DOIT_COMMANDS, production_tasks

    folder = production_folder(args.dir)
    doit_args = list(args.doit_args)
    if doit_args and doit_args[0] == "--":
        doit_args = doit_args[1:]
    with working_directory(folder):
        command = doit_args[0] if doit_args and doit_args[0] in DOIT_COMMANDS else "run"
        tasks = production_tasks(str(Path.cwd() / "dodo.py"), command)
        return DoitMain(ModuleTaskLoader(tasks)).run(doit_args)


def cmd_validate(args) -> int:
    from .production import SCRIPT_FILE, load_production, load_script
    from .scripter.validators import findings_to_problems, validate_script

    folder = production_folder(args.dir)
    production = load_production(folder)
    print(f"production.yaml: ok ({len(production.cast)} cast, {len(production.dialogue)} lines)")
    if not (folder / SCRIPT_FILE).exists():
        print(f"{SCRIPT_FILE}: not written yet (`doit` writes it)")
        return 0
    script, tree = load_script(folder)
    findings = validate_script(script, production)
    for problem in findings_to_problems(findings, tree, SCRIPT_FILE):
        print(problem)
    errors = sum(f.severity == "error" for f in findings)
    shots = len(script.shots())
    print(f"{SCRIPT_FILE}: {shots} shots, {script.duration:.1f} s; {errors} errors, {len(findings) - errors} warnings")
    return EXIT_USER_ERROR if errors else 0


def cmd_plan(args) -> int:
    from .director import plan_segments
    from .production import load_production, load_script

    folder = production_folder(args.dir)
    production = load_production(folder)
    script, _ = load_script(folder)
    segments = plan_segments(production, script)
    fps = production.style.fps
    rows = [("segment", "shots", "seconds", "frames", "anchor")]
    for segment in segments:
        shots = ", ".join(p.shot.id if p.parts == 1 else f"{p.shot.id} ({p.part}/{p.parts})" for p in segment.shots)
        rows.append((segment.id, shots, f"{segment.frames / fps:.2f}", str(segment.frames),
                     segment.anchor_segment or "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    total = sum(s.frames for s in segments)
    print(f"{len(segments)} segments, {total} frames, {total / fps:.2f} s at {fps} fps, "
          f"{production.director.backend} backend, anchoring {production.director.anchoring.value}")
    return 0


def cmd_script(args) -> int:
    from .production import load_production
    from .scripter import ensure_script

    folder = production_folder(args.dir)
    outcome = ensure_script(folder, load_production(folder), force=args.force)
    print(f"script.yaml: {outcome}")
    return 0


def cmd_schema(args) -> int:
    from .production import json_schemas

    print(json.dumps(json_schemas(), indent=2))
    return 0


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="scriptagent", description="Dialogue to cinematic multi-shot video.")
    main.add_argument("--debug", action="store_true", help="show tracebacks")
    commands = main.add_subparsers(dest="command", required=True)

    new = commands.add_parser("new", help="scaffold a production folder from templates/")
    new.add_argument("name", help="folder to create")
    new.add_argument("--title", help="the production's title (default: from the folder name)")
    new.set_defaults(run=cmd_new)

    build = commands.add_parser("build", help="run the production's doit graph; doit options pass through",
                                description="Examples: scriptagent build productions/demo -n 2; "
                                            "scriptagent build . list; scriptagent build . clean")
    build.add_argument("dir", nargs="?", default=".")
    build.add_argument("doit_args", nargs=argparse.REMAINDER, help="doit command and options")
    build.set_defaults(run=cmd_build)

    for name, function, text in (("validate", cmd_validate, "check production.yaml and script.yaml"),
                                 ("plan", cmd_plan, "print the segment table")):
        command = commands.add_parser(name, help=text)
        command.add_argument("dir", nargs="?", default=".")
        command.set_defaults(run=function)

    script = commands.add_parser("script", help="(re)write script.yaml with the configured scripter")
    script.add_argument("dir", nargs="?", default=".")
    script.add_argument("--force", action="store_true", help="overwrite an edited script (kept as script.yaml.bak)")
    script.set_defaults(run=cmd_script)

    schema = commands.add_parser("schema", help="print the JSON Schema of production.yaml and script.yaml")
    schema.set_defaults(run=cmd_schema)
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


if __name__ == "__main__":
    sys.exit(main())

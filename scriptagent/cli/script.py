"""`scriptagent script`: (re)write script.yaml, script a dialogue file, export and import the released format."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import InputError, Problem
from .common import production_folder, say


def cmd_script(args) -> int:
    from ..files import build_lock
    from ..layout import BUILD_DIR
    from ..schema import load_production
    from ..scripter import configure, ensure_script, generate_script_file
    from ..scripter.dialogue import load_dialogue_file

    overrides = {"backend": args.backend, "model": args.model, "base_url": args.base_url}
    chosen = any(value is not None for value in overrides.values())
    if args.import_file and (chosen or args.force or args.export or args.dialogue):
        raise InputError(Problem("scriptagent script", "--import writes script.yaml from the file alone: give it "
                                                       "without --export, --dialogue, --force, --backend or --model"))
    if args.out and not args.export:
        raise InputError(Problem("scriptagent script", "--out goes with --export"))
    if args.dialogue:  # outside a production: print the script
        if args.dir != ".":
            raise InputError(Problem("scriptagent script", "give a production folder or --dialogue FILE, not both"))
        production = load_dialogue_file(args.dialogue)
        scripter = configure(production.scripter, **overrides) if chosen else None
        text = generate_script_file(production, Path.cwd(), scripter)
        if args.export:
            return export_script(text, args.out)
        sys.stdout.write(text)
        return 0
    folder = production_folder(args.dir)
    if args.export:
        if chosen or args.force:
            raise InputError(Problem("scriptagent script", "--export writes the current script.yaml out: give it "
                                                           "without --force, --backend or --model"))
        path = folder / "script.yaml"
        if not path.is_file():
            raise InputError(Problem(str(path), "no script yet", hint="write it first: `scriptagent script` or doit"))
        from ..files import read_inside
        from ..schema.script import MAX_SCRIPT_BYTES

        text = read_inside(folder, "script.yaml", MAX_SCRIPT_BYTES, display=str(path)).decode("utf-8", "replace")
        return export_script(text, args.out, str(path))  # not UTF-8: the export names the lines it cannot read
    production = load_production(folder)
    if args.import_file:
        from ..scripter.released import write_imported

        with build_lock(folder / BUILD_DIR):
            warnings = write_imported(folder, production, args.import_file)
        for warning in warnings:
            say(args, f"warning: {warning}", file=sys.stderr)
        say(args, f"script.yaml: written from {args.import_file} ({len(warnings)} warnings; the previous script, if "
                  "any, is in script.yaml.bak)")
        return 0
    scripter = configure(production.scripter, **overrides) if chosen else None
    # Naming a backend or model asks for a new script: the current one, edited or not, goes to script.yaml.bak.
    with build_lock(folder / BUILD_DIR):  # not while a build reads the script
        outcome = ensure_script(folder, production, force=args.force or chosen, scripter=scripter)
    say(args, f"script.yaml: {outcome}")
    return 0


def export_script(text: str, out: str | None, display: str = "script.yaml") -> int:
    """script.yaml's text in the released ScriptAgent's format, to `out` or stdout (scripter/released.py)."""
    from ..scripter.released import export_script_text

    exported, hazards = export_script_text(text, out, display)
    for hazard in hazards:
        print(f"warning: {hazard}", file=sys.stderr)
    sys.stdout.write(exported if out is None else f"{out}: written in the released format\n")
    return 0


def add_commands(commands) -> None:
    script = commands.add_parser("script", help="(re)write script.yaml with the configured scripter")
    script.add_argument("dir", nargs="?", default=".")
    script.add_argument("--force", action="store_true", help="overwrite an edited script (kept as script.yaml.bak)")
    script.add_argument("--backend", help="scripter backend for this run: rule-based, transformers or openai "
                                          "(regenerates; the current script goes to script.yaml.bak)")
    script.add_argument("--model", help="model for this run: a Hugging Face id or checkpoint folder (transformers), "
                                        "or the server's model name (openai)")
    script.add_argument("--base-url", help="OpenAI-compatible server for this run, e.g. http://localhost:8000/v1")
    script.add_argument("--dialogue", metavar="FILE", help="script a dialogue file outside a production and print "
                                                           "the YAML (`Speaker: line` text, or YAML with a dialogue "
                                                           "list)")
    script.add_argument("--export", choices=["released"], help="write script.yaml in another format instead: "
                        "released (the paper's released ScriptAgent/DirectorAgent text), to stdout or --out")
    script.add_argument("--out", metavar="FILE", help="with --export: write to FILE (FILE.jsonl: one record per "
                                                      "scene, their DirectorAgent's --batch_jsonl input)")
    script.add_argument("--import", dest="import_file", metavar="FILE",
                        help="write script.yaml from a script in the released format (checked by the validators; "
                             "the current script goes to script.yaml.bak)")
    script.set_defaults(run=cmd_script)

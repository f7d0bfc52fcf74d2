"""The `scriptagent` command: new, build, validate, plan, calibrate, script, cache, schema.

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
    if not (folder / "production.yaml").exists():  # one that is not a regular file is refused when it is read
        raise InputError(Problem(str(folder / "production.yaml"), "no production here",
                                 hint="pass a production folder, or create one with `scriptagent new NAME`"))
    return folder


# --- commands -------------------------------------------------------------------------------------------------

def cmd_new(args) -> int:
    from .scaffold import scaffold

    folder = scaffold(Path(args.name), title=args.title, screenplay=getattr(args, "source", None))
    print(f"created {folder}/ (production.yaml, dodo.py, .gitignore, cast/); next: cd {folder} && doit")
    return 0


def cmd_build(args) -> int:
    from doit.cmd_base import ModuleTaskLoader
    from doit.doit_cmd import DoitMain

    from .files import release_build_lock
    from .layout import BUILD_DIR
    from .tasks import DOIT_COMMANDS, production_tasks

    folder = production_folder(args.dir)
    if args.executor:  # read by production_tasks, here and in the processes of `doit -n N`
        from .executor import EXECUTOR_ENV
        os.environ[EXECUTOR_ENV] = args.executor
    doit_args = list(args.doit_args)
    if doit_args and doit_args[0] == "--":
        doit_args = doit_args[1:]
    with working_directory(folder):
        command = doit_args[0] if doit_args and doit_args[0] in DOIT_COMMANDS else "run"
        tasks = production_tasks(str(Path.cwd() / "dodo.py"), command)
        try:
            return DoitMain(ModuleTaskLoader(tasks)).run(doit_args)
        finally:
            release_build_lock(BUILD_DIR)  # production_tasks took it for this run


def cmd_status(args) -> int:
    """`doit status` in the production: which tasks the next build runs, and why."""
    return cmd_build(argparse.Namespace(dir=args.dir, executor=None, doit_args=["status"]))


def cmd_validate(args) -> int:
    from .layout import SCRIPT_FILE
    from .schema import load_production, load_script
    from .scripter.validators import findings_to_problems, validate_script

    folder = production_folder(args.dir)
    production = load_production(folder)
    print(f"production.yaml: ok ({len(production.cast)} cast, {len(production.lines)} lines)")
    if not (folder / SCRIPT_FILE).exists():
        print(f"{SCRIPT_FILE}: not written yet (`doit` writes it)")
        return 0
    script, tree = load_script(folder)
    from .voice import without_estimated_timing

    findings = without_estimated_timing(validate_script(script, production), production)  # speech times the lines
    for problem in findings_to_problems(findings, tree, SCRIPT_FILE):
        print(problem)
    errors = sum(f.severity == "error" for f in findings)
    if not errors:  # what the build's plan would still refuse (a shot shorter than one frame)
        from .director import plan_segments
        from .yamlio import located
        try:
            plan_segments(production, script)
        except InputError as error:
            raise located(error, tree) from None
    shots = len(script.shots())
    print(f"{SCRIPT_FILE}: {shots} shots, {script.duration:.1f} s; {errors} errors, {len(findings) - errors} warnings")
    return EXIT_USER_ERROR if errors else 0


def cmd_plan(args) -> int:
    from .director import anchor_text, plan_segments, render_geometry
    from .schema import load_production, load_script

    folder = production_folder(args.dir)
    production = load_production(folder)
    script, _ = load_script(folder)
    from .layout import BuildLayout
    from .voice import active_voice, fit_shots_to_speech, recorded_lengths

    spoken = recorded_lengths(production, script, BuildLayout.of(folder).speech)
    if spoken is not None:  # as the build plans it: the recordings time the lines and lengthen shots
        script, warnings = fit_shots_to_speech(script, spoken)
        for warning in warnings:
            print(warning, file=sys.stderr)
    elif active_voice(production, notice=False):
        print("voice: the lines are not all recorded yet (`doit` records them); these times are estimates",
              file=sys.stderr)
    segments = plan_segments(production, script, spoken)
    fps = production.style.fps
    # model: what renders it; render: frames at the model's own rate; size: what the model renders at
    rows = [["segment", "shots", "seconds", "frames", "model", "render", "size", "anchor"]]
    if args.estimate:
        from .director.calibration import estimate

        rows[0] += ["peak", "time"]
    # With several scenes, a heading line (`# scene 2/30 ...`) opens each scene's segments; one scene is named below.
    from .editorial import clock, film_scenes

    scenes = film_scenes(segments)
    opening = {scene["segments"][0]: scene for scene in scenes} if len(scenes) > 1 else {}
    headings = {}  # row index -> the line printed above it
    for segment in segments:
        shots = ", ".join(p.shot.id if p.parts == 1 else f"{p.shot.id} ({p.part}/{p.parts})" for p in segment.shots)
        if segment.id in opening:
            scene = opening[segment.id]
            setting = " ".join(scene["setting"].split())
            setting = setting if len(setting) <= 60 else setting[:57].rstrip() + "..."
            start, end = scene["first_frame"] / fps, (scene["first_frame"] + scene["frames"]) / fps
            shots_text = f"{len(scene['shots'])} shot{'s' if len(scene['shots']) != 1 else ''}"
            headings[len(rows)] = (f"# scene {scene['number']}/{len(scenes)} {scene['id']}: "
                                   f"{clock(start)}-{clock(end)} ({end - start:.2f} s, {shots_text}), {setting}")
        with working_directory(folder):  # a model folder is relative to the production, as in a build
            model, frames, model_fps, size = render_geometry(segment.director, segment)
        rows.append([segment.id, shots, f"{segment.frames / fps:.2f}", str(segment.frames), model,
                     f"{frames}@{model_fps}fps", f"{size[0]}x{size[1]}", anchor_text(segment)])
        if args.estimate:
            rows[-1] += estimate(segment.director, frames, size).cells()
    if segments and tuple(size) != tuple(production.style.resolution):
        width, height = production.style.resolution
        print(f"{model}: Adjusting ({width}, {height}) -> ({size[0]}, {size[1]}); frames are scaled back",
              file=sys.stderr)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        if index in headings:
            print(headings[index])
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    total = sum(s.frames for s in segments)
    where = f"{len(scenes)} scenes" if len(scenes) > 1 else ", ".join(f"scene {s['id']}" for s in scenes)
    print(f"{len(segments)} segments ({where}), {total} frames, {total / fps:.2f} s at {fps} fps, "
          f"{production.director.backend} backend, anchoring {production.director.anchoring.value}")
    return 0


def cmd_calibrate(args) -> int:
    from .director import renderer_class
    from .director.calibration import cache_file, calibrate
    from .schema import load_production

    folder = production_folder(args.dir)
    production = load_production(folder)
    director = production.director
    if not renderer_class(director.backend).calibrated:
        print(f"the {director.backend} backend needs no calibration (it runs on the CPU)")
        return 0
    with working_directory(folder):
        measurements = calibrate(director.model_dump(mode="json"), production.style.resolution,
                                 director.max_segment_seconds)
    for m in measurements:
        peak = "?" if m["peak_bytes"] is None else f"{m['peak_bytes'] / 2 ** 30:.2f} GiB"
        print(f"{director.pipeline} {m['frames']} frames: {m['seconds']:.1f} s, peak {peak} on {m['device']}")
    print(f"stored in {cache_file()}; `scriptagent plan --estimate` uses it")
    return 0


def cmd_script(args) -> int:
    from .files import build_lock
    from .layout import BUILD_DIR
    from .schema import load_production
    from .scripter import configure, ensure_script, generate_script_file
    from .scripter.dialogue import load_dialogue_file

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
        return export_script(path.read_text(encoding="utf-8"), args.out, str(path))
    production = load_production(folder)
    if args.import_file:
        from .scripter.released import write_imported

        with build_lock(folder / BUILD_DIR):
            warnings = write_imported(folder, production, args.import_file)
        for warning in warnings:
            print(f"warning: {warning}", file=sys.stderr)
        print(f"script.yaml: written from {args.import_file} ({len(warnings)} warnings; the previous script, if any, "
              "is in script.yaml.bak)")
        return 0
    scripter = configure(production.scripter, **overrides) if chosen else None
    # Naming a backend or model asks for a new script: the current one, edited or not, goes to script.yaml.bak.
    with build_lock(folder / BUILD_DIR):  # not while a build reads the script
        outcome = ensure_script(folder, production, force=args.force or chosen, scripter=scripter)
    print(f"script.yaml: {outcome}")
    return 0


def export_script(text: str, out: str | None, display: str = "script.yaml") -> int:
    """script.yaml's text in the released ScriptAgent's format, to `out` or stdout (scripter/released.py)."""
    from .scripter.released import export_script_text

    exported, hazards = export_script_text(text, out, display)
    for hazard in hazards:
        print(f"warning: {hazard}", file=sys.stderr)
    sys.stdout.write(exported if out is None else f"{out}: written in the released format\n")
    return 0


def cmd_compare(args) -> int:
    from .critic.compare import build_folder, comparison, markdown, write_comparison

    builds = {}
    for value in args.dirs:
        build = build_folder(Path(value))
        if not build.film_score.is_file():
            raise InputError(Problem(value, "no film scores here", hint="build it first with `doit`, or pass a "
                                                                         "production or build folder"))
        name = Path(value).resolve().name if Path(value).resolve().name != "build" else \
            Path(value).resolve().parent.name
        builds[name if name not in builds else value] = build
    if args.out:
        table = write_comparison(builds, Path(args.out).with_suffix(".md"), Path(args.out).with_suffix(".json"))
    else:
        table = comparison(builds)
    sys.stdout.write(markdown(table))
    return 0


def cmd_cache(args) -> int:
    """Show the render cache (entries and size per kind), or prune it to a size (`--max-size 0` empties it)."""
    from .cache import ArtifactCache, human_size, parse_size
    from .layout import BuildLayout

    cache = ArtifactCache.for_build(BuildLayout.of(args.dir))
    if args.action == "prune":
        limit = parse_size(args.max_size) if args.max_size is not None else cache.max_bytes
        removed = cache.evict(limit)
        print(f"removed {len(removed)} entries ({human_size(sum(e.bytes for e in removed))}) from {cache.root}")
    entries = cache.entries()
    print(f"{cache.root}: {len(entries)} entries, {human_size(sum(e.bytes for e in entries))} "
          f"(limit {human_size(cache.max_bytes)}; set $SCRIPTAGENT_CACHE_SIZE)")
    for kind in sorted({e.kind for e in entries}):
        mine = [e for e in entries if e.kind == kind]
        print(f"  {kind:<9} {len(mine):>6} entries  {human_size(sum(e.bytes for e in mine)):>10}")
    return 0


def cmd_schema(args) -> int:
    from .schema import json_schemas

    print(json.dumps(json_schemas(), indent=2))
    return 0


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="scriptagent", description="Dialogue to cinematic multi-shot video.")
    main.add_argument("--debug", action="store_true", help="show tracebacks")
    commands = main.add_subparsers(dest="command", required=True)

    new = commands.add_parser("new", help="scaffold a production folder from templates/")
    new.add_argument("name", help="folder to create")
    new.add_argument("--title", help="the production's title (default: from the folder name)")
    new.add_argument("--from", dest="source", metavar="SCREENPLAY", help="a Fountain screenplay (.fountain): cast, "
                     "setting and dialogue from it")
    new.set_defaults(run=cmd_new)

    build = commands.add_parser("build", help="run the production's doit graph; doit options pass through",
                                description="Examples: scriptagent build productions/demo -n 2; "
                                            "scriptagent build . list; scriptagent build . clean")
    build.add_argument("--executor", choices=["local", "ray"],
                       help="where renders, keyframes and scores run (default: production.yaml's executor.kind)")
    build.add_argument("dir", nargs="?", default=".")
    build.add_argument("doit_args", nargs=argparse.REMAINDER, help="doit command and options")
    build.set_defaults(run=cmd_build)

    for name, function, text in (("validate", cmd_validate, "check production.yaml and script.yaml"),
                                 ("plan", cmd_plan, "print the segment table"),
                                 ("status", cmd_status, "which tasks the next build runs, and why (builds nothing)")):
        command = commands.add_parser(name, help=text)
        command.add_argument("dir", nargs="?", default=".")
        command.set_defaults(run=function)
        if name == "plan":
            command.add_argument("--estimate", action="store_true",
                                 help="add the expected peak GPU memory and time per segment (`scriptagent calibrate`)")

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

    calibrate = commands.add_parser("calibrate", help="measure the video model's peak memory and time here "
                                                      "(for `plan --estimate`)")
    calibrate.add_argument("dir", nargs="?", default=".")
    calibrate.set_defaults(run=cmd_calibrate)

    compare = commands.add_parser("compare", help="every metric and rubric of several builds side by side")
    compare.add_argument("dirs", nargs="+", metavar="DIR", help="production folders (or their build/ folders)")
    compare.add_argument("--out", metavar="FILE", help="also write FILE.md and FILE.json")
    compare.set_defaults(run=cmd_compare)

    cache = commands.add_parser("cache", help="show or prune the render cache (build/cache, or $SCRIPTAGENT_CACHE)")
    cache.add_argument("action", nargs="?", choices=["show", "prune"], default="show")
    cache.add_argument("dir", nargs="?", default=".", help="a production folder (default: here)")
    cache.add_argument("--max-size", metavar="SIZE", help="prune: keep at most SIZE, least recently used go first "
                                                          "(e.g. 5G; 0 empties the cache; default: the limit)")
    cache.set_defaults(run=cmd_cache)

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

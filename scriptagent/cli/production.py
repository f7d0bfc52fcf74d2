"""Commands on one production: new, build, status, validate, plan, calibrate."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..errors import EXIT_USER_ERROR, InputError
from .common import production_folder, working_directory


def cmd_new(args) -> int:
    from ..scaffold import scaffold

    folder = scaffold(Path(args.name), title=args.title, screenplay=getattr(args, "source", None))
    print(f"created {folder}/ (production.yaml, dodo.py, .gitignore, cast/); next: cd {folder} && doit")
    return 0


def cmd_build(args) -> int:
    from doit.cmd_base import ModuleTaskLoader
    from doit.doit_cmd import DoitMain

    from ..files import release_build_lock
    from ..layout import BUILD_DIR
    from ..tasks import DOIT_COMMANDS, production_tasks

    folder = production_folder(args.dir)
    if args.executor:  # read by production_tasks, here and in the processes of `doit -n N`
        from ..executor import EXECUTOR_ENV
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
    from ..layout import SCRIPT_FILE
    from ..schema import load_production, load_script
    from ..scripter.validators import findings_to_problems, validate_script

    folder = production_folder(args.dir)
    production = load_production(folder)
    print(f"production.yaml: ok ({len(production.cast)} cast, {len(production.lines)} lines)")
    if not (folder / SCRIPT_FILE).exists():
        print(f"{SCRIPT_FILE}: not written yet (`doit` writes it)")
        return 0
    script, tree = load_script(folder)
    from ..voice import without_estimated_timing

    findings = without_estimated_timing(validate_script(script, production), production)  # speech times the lines
    for problem in findings_to_problems(findings, tree, SCRIPT_FILE):
        print(problem)
    errors = sum(f.severity == "error" for f in findings)
    if not errors:  # what the build's plan would still refuse (a shot shorter than one frame)
        from ..director import plan_segments
        from ..yamlio import located
        try:
            plan_segments(production, script)
        except InputError as error:
            raise located(error, tree) from None
    shots = len(script.shots())
    print(f"{SCRIPT_FILE}: {shots} shots, {script.duration:.1f} s; {errors} errors, {len(findings) - errors} warnings")
    return EXIT_USER_ERROR if errors else 0


def cmd_plan(args) -> int:
    from ..director import anchor_text, plan_segments, render_geometry
    from ..schema import load_production, load_script

    folder = production_folder(args.dir)
    production = load_production(folder)
    script, _ = load_script(folder)
    from ..layout import BuildLayout
    from ..voice import active_voice, fit_shots_to_speech, recorded_lengths

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
    warnings = []  # segments whose expected peak does not fit the card, said after the table
    if args.estimate:
        from ..director.calibration import estimate, fit_warning

        rows[0] += ["peak", "time"]
    # With several scenes, a heading line (`# scene 2/30 ...`) opens each scene's segments; one scene is named below.
    from ..editorial import clock, film_scenes

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
            found = estimate(segment.director, frames, size)
            rows[-1] += found.cells()
            warning = fit_warning(segment.id, found, args.memory)
            if warning:
                warnings.append(warning)
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
    for warning in warnings:
        print(warning, file=sys.stderr)
    return 0


def memory_size(value: str) -> int:
    from ..cache import parse_size

    try:
        return parse_size(value)
    except InputError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a size (e.g. 24G, 80G)") from None


def cmd_calibrate(args) -> int:
    from ..director import renderer_class
    from ..director.calibration import cache_file, calibrate
    from ..schema import load_production

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


def add_commands(commands) -> None:
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
                                 help="add the expected peak GPU memory and time per segment (`scriptagent calibrate`)"
                                      " and warn about segments that will not fit the card")
            command.add_argument("--memory", type=memory_size, metavar="SIZE",
                                 help="with --estimate: check the peaks against a card of SIZE (e.g. 24G) instead of "
                                      "the one calibrated on")

    calibrate = commands.add_parser("calibrate", help="measure the video model's peak memory and time here "
                                                      "(for `plan --estimate`)")
    calibrate.add_argument("dir", nargs="?", default=".")
    calibrate.set_defaults(run=cmd_calibrate)

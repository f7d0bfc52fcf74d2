"""Commands on one production: new, build, status, validate, plan, calibrate."""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from pathlib import Path

from ..errors import EXIT_USER_ERROR, InputError
from .common import NORMAL, QUIET, VERBOSE, production_folder, say, verbosity, working_directory


def cmd_new(args) -> int:
    from ..scaffold import scaffold

    quiet = verbosity(args) == QUIET  # no warnings (a screenplay's); errors are raised
    with contextlib.redirect_stderr(io.StringIO()) if quiet else contextlib.nullcontext():
        folder = scaffold(Path(args.name), title=args.title, screenplay=getattr(args, "source", None))
    say(args, f"created {folder}/ (production.yaml, dodo.py, .gitignore, cast/, .scriptagent/); next: cd {folder} "
              "&& doit")
    return 0


def cmd_build(args) -> int:
    from doit.cmd_base import ModuleTaskLoader
    from doit.doit_cmd import DoitMain

    from ..doit_command import listing_output
    from ..doit_state import DumpDB
    from ..files import release_build_lock
    from ..layout import BUILD_DIR
    from ..reporter import QuietReporter
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
        level = verbosity(args)
        if command == "run" and level != NORMAL and not any(a.startswith(("-v", "--verbosity")) for a in doit_args):
            at = 1 if doit_args[:1] == ["run"] else 0  # -q: output captured, shown for a failure; -v: all of it
            doit_args[at:at] = ["--verbosity", "0" if level == QUIET else "2"]
        tasks = production_tasks(str(Path.cwd() / "dodo.py"), command)
        if level == QUIET:
            tasks["DOIT_CONFIG"]["reporter"] = QuietReporter  # only what failed, on stderr
        doit = DoitMain(ModuleTaskLoader(tasks))
        doit.DOIT_CMDS = tuple(c for c in DoitMain.DOIT_CMDS if c.get_name() != "dumpdb") + (DumpDB,)  # reads sqlite
        try:
            with listing_output(command):  # `scriptagent build . list | head`: no BrokenPipeError traceback
                return doit.run(doit_args)
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
    say(args, f"production.yaml: ok ({len(production.cast)} cast, {len(production.lines)} lines)")
    if verbosity(args) == VERBOSE:
        for scene in production.scene_list:
            say(args, f"  scene {scene.id}: {len(scene.lines)} lines, {len(scene.body) - len(scene.lines)} beats; "
                      f"{' '.join(scene.heading.split())}")
    if not (folder / SCRIPT_FILE).exists():
        say(args, f"{SCRIPT_FILE}: not written yet (`doit` writes it)")
        return 0
    script, tree = load_script(folder)
    from ..voice import without_estimated_timing

    findings = without_estimated_timing(validate_script(script, production), production)  # speech times the lines
    shown = findings if verbosity(args) > QUIET else [f for f in findings if f.severity == "error"]
    for problem in findings_to_problems(shown, tree, SCRIPT_FILE):
        print(problem)
    errors = sum(f.severity == "error" for f in findings)
    if not errors:  # what the build's plan would still refuse (a shot shorter than one frame)
        from ..director import plan_segments
        from ..yamlio import located
        try:
            plan_segments(production, script)
        except InputError as error:
            raise located(error, tree) from None
    if verbosity(args) == VERBOSE:
        for _, shot in script.shots():
            say(args, f"  {shot_line(shot)}")
    shots = len(script.shots())
    say(args, f"{SCRIPT_FILE}: {shots} shots, {script.duration:.1f} s; {errors} errors, "
              f"{len(findings) - errors} warnings")
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
            say(args, warning, file=sys.stderr)
    elif active_voice(production, notice=False):
        say(args, "voice: the lines are not all recorded yet (`doit` records them); these times are estimates",
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
    details = {}  # row index -> the lines printed below it (-v: the segment's shots)
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
        if verbosity(args) == VERBOSE:
            details[len(rows) - 1] = [f"    {shot_line(p.shot)}" + (f" (part {p.part}/{p.parts})" if p.parts > 1
                                                                      else "") for p in segment.shots]
        if args.estimate:
            found = estimate(segment.director, frames, size)
            rows[-1] += found.cells()
            warning = fit_warning(segment.id, found, args.memory)
            if warning:
                warnings.append(warning)
    if segments and tuple(size) != tuple(production.style.resolution):
        width, height = production.style.resolution
        say(args, f"{model}: Adjusting ({width}, {height}) -> ({size[0]}, {size[1]}); frames are scaled back",
            file=sys.stderr)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        if index in headings:
            print(headings[index])
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
        for line in details.get(index, []):
            print(line)
    total = sum(s.frames for s in segments)
    where = f"{len(scenes)} scenes" if len(scenes) > 1 else ", ".join(f"scene {s['id']}" for s in scenes)
    say(args, f"{len(segments)} segments ({where}), {total} frames, {total / fps:.2f} s at {fps} fps, "
              f"{production.director.backend} backend, anchoring {production.director.anchoring.value}")
    for warning in warnings:
        say(args, warning, file=sys.stderr)
    return 0


def memory_size(value: str) -> int:
    from ..cache import parse_size

    try:
        return parse_size(value)
    except InputError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a size (e.g. 24G, 80G)") from None


def shot_line(shot) -> str:
    """One shot in a line (-v): id, seconds, framing, and who says what."""
    said = "; ".join(f"{line.speaker}: {line.line}" for line in shot.dialogue)
    said = said if len(said) <= 60 else said[:57].rstrip() + "..."
    return (f"{shot.id}  {shot.duration:g} s  {shot.shot_size.value}, {shot.angle.value}, "
            f"{shot.camera_movement.value}" + (f"  {said}" if said else ""))


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
    build.add_argument("--executor", choices=["local", "warm", "ray"],
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

"""The doit task graph of one production, readable in one place.

    production.yaml ─> script ─> script.yaml ─> plan ─> build/segments/<seg>.json ─┐
    cast/*.png ────────────────────────────────────────────> render:<seg> ─> build/renders/<seg>.mp4
                         (chain) build/frames/<previous>.last.png ──┘            │  + first/last frame PNGs
                                                                 score:<seg> ─> build/scores/<seg>.json
                                                       stitch ─> build/film.mp4 + film.srt ─> report

Each task depends on exactly the files holding what it reads, so editing one shot changes one segment file and
doit re-runs only that render and what consumes it. Tasks whose list depends on the script (render, score,
stitch, report) are created after `plan` has run (doit's `create_after`).

A production's dodo.py is two lines:

    from scriptagent.tasks import production_tasks
    globals().update(production_tasks(__file__))
"""

from __future__ import annotations

import functools
import json
import shutil
import sys
from pathlib import Path

from doit import create_after
from doit.exceptions import TaskError
from doit.tools import config_changed

from .errors import InputError, ScriptAgentError, debug_enabled
from .files import write_atomic, write_json_if_changed
from .production import BUILD_DIR, PRODUCTION_FILE, SCRIPT_FILE, Production, Segment, load_production, load_script

BUILD = Path(BUILD_DIR)
PLAN = BUILD / "plan.json"
FINDINGS = BUILD / "findings.json"
FILM = BUILD / "film.mp4"
SUBTITLES = BUILD / "film.srt"
REPORT = BUILD / "report.html"
DOIT_COMMANDS = {"run", "list", "clean", "info", "forget", "ignore", "dumpdb", "strace", "help", "reset-dep",
                 "auto", "tabcompletion"}


def segment_file(segment_id: str) -> Path:
    return BUILD / "segments" / f"{segment_id}.json"


def render_file(segment_id: str) -> Path:
    return BUILD / "renders" / f"{segment_id}.mp4"


def frame_file(segment_id: str, which: str) -> Path:
    return BUILD / "frames" / f"{segment_id}.{which}.png"


def score_file(segment_id: str) -> Path:
    return BUILD / "scores" / f"{segment_id}.json"


def user_errors(action):
    """Report a ScriptAgentError as doit's TaskError with our one-line message (exit 2), not a traceback."""

    @functools.wraps(action)
    def wrapper(*args, **kwargs):
        try:
            return action(*args, **kwargs)
        except ScriptAgentError as error:
            if debug_enabled():
                raise
            print(error, file=sys.stderr)
            return TaskError(str(error))

    return wrapper


# --- actions (run in the production folder) -------------------------------------------------------------------

@user_errors
def make_script():
    from .scripter import ensure_script

    ensure_script(".", load_production("."))


@user_errors
def make_plan():
    from .director import plan_segments, plan_summary
    from .scripter.validators import findings_to_problems, validate_script

    production = load_production(".")
    script, tree = load_script(".")
    findings = validate_script(script, production)
    problems = findings_to_problems(findings, tree, SCRIPT_FILE)
    errors = [p for p, f in zip(problems, findings) if f.severity == "error"]
    if errors:
        raise InputError(errors)
    for problem, finding in zip(problems, findings):
        print(problem, file=sys.stderr)  # warnings: shown, never fatal
    segments = plan_segments(production, script)
    wanted = {segment_file(s.id) for s in segments}
    for segment in segments:
        write_json_if_changed(segment_file(segment.id), segment.model_dump(mode="json"))
    for stale in (BUILD / "segments").glob("*.json"):
        if stale not in wanted:
            stale.unlink()
    write_json_if_changed(FINDINGS, [{"validator": f.validator, "severity": f.severity, "shot": f.shot_id,
                                      "message": str(p)} for f, p in zip(findings, problems)])
    write_json_if_changed(PLAN, plan_summary(production, script, segments))


@user_errors
def render_segment(segment_id: str):
    from .director import load_renderer

    segment = Segment.model_validate_json(segment_file(segment_id).read_text(encoding="utf-8"))
    anchor = frame_file(segment.anchor_segment, "last") if segment.anchor_segment else None
    load_renderer(segment.director).render(segment, Path("."), anchor, render_file(segment_id),
                                           frame_file(segment_id, "first"), frame_file(segment_id, "last"))


@user_errors
def score_segment(segment_id: str, metrics: list[str]):
    from .critic import score_segment as score

    segment = Segment.model_validate_json(segment_file(segment_id).read_text(encoding="utf-8"))
    write_json_if_changed(score_file(segment_id), score(segment, render_file(segment_id), metrics))


@user_errors
def stitch_film(segment_ids: list[str]):
    from .director.video import probe, stitch

    plan = json.loads(PLAN.read_text(encoding="utf-8"))
    stitch([render_file(s) for s in segment_ids], FILM)
    frames, _ = probe(FILM)
    if frames != plan["frames"]:
        raise ScriptAgentError(f"{FILM}: stitched {frames} frames, the plan has {plan['frames']}")
    write_atomic(SUBTITLES, srt(plan["dialogue"]))


@user_errors
def write_report(segment_ids: list[str]):
    from .report import render_report

    write_atomic(REPORT, render_report(segment_ids))


def srt(lines: list[dict]) -> str:
    def stamp(seconds: float) -> str:
        millis = round(seconds * 1000)
        return f"{millis // 3_600_000:02d}:{millis // 60_000 % 60:02d}:{millis // 1000 % 60:02d},{millis % 1000:03d}"

    blocks = [f"{n}\n{stamp(line['start'])} --> {stamp(line['end'])}\n{line['name']}: {line['line']}\n"
              for n, line in enumerate(lines, 1)]
    return "\n".join(blocks)


# --- the graph ------------------------------------------------------------------------------------------------

def current_segments(production: Production) -> list[Segment]:
    """Segments from the last plan; before any build, planned in memory so `doit list` shows every task."""
    if PLAN.exists():
        ids = [s["id"] for s in json.loads(PLAN.read_text(encoding="utf-8"))["segments"]]
        if all(segment_file(i).exists() for i in ids):
            return [Segment.model_validate_json(segment_file(i).read_text(encoding="utf-8")) for i in ids]
    if Path(SCRIPT_FILE).exists():
        from .director import plan_segments
        try:
            return plan_segments(production, load_script(".")[0])
        except ScriptAgentError:
            return []  # the plan task reports the problem when it runs
    return []


def production_tasks(dodo_file: str, command: str | None = None) -> dict:
    """The tasks of the production beside `dodo_file`, as module globals for doit.

    `command` is the doit command being run (run, list, clean, ...); by default read from the command line.
    """
    if command is None:
        command = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] in DOIT_COMMANDS else "run"
    try:
        production = load_production(Path(dodo_file).parent)
    except ScriptAgentError as error:
        if debug_enabled():
            raise
        print(error, file=sys.stderr)
        raise SystemExit(2) from None
    BUILD.mkdir(exist_ok=True)

    def task_script():
        """write script.yaml from the dialogue (kept as it is once you edit it)"""
        return {
            "actions": [make_script],
            "targets": [SCRIPT_FILE],
            # only what the script is made from: editing style or director settings never re-writes it
            "uptodate": [config_changed(production.scripter_inputs_digest())],
            "verbosity": 1,
        }

    def task_plan():
        """validate script.yaml and split it into render segments"""
        return {
            "actions": [make_plan],
            "file_dep": [PRODUCTION_FILE, SCRIPT_FILE],
            "targets": [str(PLAN), str(FINDINGS)],
            "clean": [(shutil.rmtree, [BUILD / "segments", True]), (_remove, [PLAN, FINDINGS])],
            "verbosity": 1,
        }

    def task_film():
        segments = current_segments(production)
        ids = [s.id for s in segments]
        for segment in segments:
            deps = [str(segment_file(segment.id))]
            deps += sorted({c.reference for c in segment.cast.values() if c.reference})
            if segment.anchor_segment:
                deps.append(str(frame_file(segment.anchor_segment, "last")))
            yield {
                "basename": "render", "name": segment.id,
                "doc": "render one segment (anchored on the previous segment's last frame in chain mode)",
                "actions": [(render_segment, [segment.id])],
                "file_dep": deps,
                "targets": [str(render_file(segment.id)), str(frame_file(segment.id, "first")),
                            str(frame_file(segment.id, "last"))],
                "clean": True,
                "verbosity": 1,
            }
        for segment in segments:
            yield {
                "basename": "score", "name": segment.id,
                "doc": "score one segment's render (offline metrics)",
                "actions": [(score_segment, [segment.id, production.critic.metrics])],
                "file_dep": [str(segment_file(segment.id)), str(render_file(segment.id))],
                "targets": [str(score_file(segment.id))],
                "uptodate": [config_changed({"metrics": production.critic.metrics})],
                "clean": True,
            }
        if not ids:
            return
        yield {
            "basename": "stitch",
            "doc": "join the renders into build/film.mp4 (no re-encoding) and write build/film.srt",
            "actions": [(stitch_film, [ids])],
            "file_dep": [str(PLAN)] + [str(render_file(i)) for i in ids],
            "targets": [str(FILM), str(SUBTITLES)],
            "clean": True,
        }
        report_deps = [str(PLAN), str(FINDINGS), str(FILM)] + [str(score_file(i)) for i in ids]
        report_deps += [str(frame_file(i, which)) for i in ids for which in ("first", "last")]
        yield {
            "basename": "report",
            "doc": "write build/report.html: every segment's frames and scores, the script's findings",
            "actions": [(write_report, [ids])],
            "file_dep": report_deps,
            "targets": [str(REPORT)],
            "clean": True,
        }

    if command == "run":
        # Building: these tasks are created once `plan` has run, from the plan it wrote. One creator makes them
        # all, so doit knows them all at once, which its parallel runner needs (`doit -n`).
        task_film = create_after(executed="plan", creates=["render", "score", "stitch", "report"])(task_film)
    # Other commands (list, clean, info, forget) create them now from the last plan, so that `doit list`
    # shows every render and `doit clean` removes every artifact.

    return {
        "DOIT_CONFIG": {
            "dep_file": str(BUILD / ".doit.db"),
            "backend": "sqlite3",  # transactional: a killed build never corrupts the state
        },
        "task_script": task_script,
        "task_plan": task_plan,
        "task_film": task_film,
    }


def _remove(*paths: Path) -> None:
    for path in paths:
        Path(path).unlink(missing_ok=True)

"""The doit task graph of one production, readable in one place.

    production.yaml ─> script ─> script.yaml ─> plan ─> build/segments/<seg>.json ─┐
    cast/*.png ────────────────────────────────────────────> render:<seg> ─> build/renders/<seg>.mp4
                         (chain) build/frames/<previous>.last.png ──┘            │  + first/last frame PNGs
      (keyframe) build/keyframes/<seg>.json ─> keyframe:<seg> ─> <seg>.png ──┘      │
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
from doit.task import clean_targets
from doit.tools import config_changed

from .errors import BackendError, InputError, ScriptAgentError, debug_enabled, one_line
from .doit_state import state_backend
from .files import atomic_path, prepare_build, write_atomic, write_json_if_changed
from .integrity import check_recorded, check_video, forget_record, matches_record, record_file, record_path
from .yamlio import located
from .voice import active_voice
from .critic import paths as critic_paths
from .cache import ArtifactCache, artifact_key
from .reporter import BuildReporter
from .production import (BUILD_DIR, PRODUCTION_FILE, SCRIPT_FILE, CriticConfig, Keyframe, Production, Segment,
                         cast_references, film_segments, load_production, load_script, read_segment,
                         segment_path)

BUILD = Path(BUILD_DIR)
PLAN = BUILD / "plan.json"
FINDINGS = BUILD / "findings.json"
FILM = BUILD / "film.mp4"
SUBTITLES = BUILD / "film.srt"
WEB_SUBTITLES = BUILD / "film.vtt"
TIMELINE = BUILD / "film.otio"  # the cut for an editor's NLE (OpenTimelineIO)
REPORT = BUILD / "report.html"
COMPARISON = BUILD / "compare.md"  # and compare.json: the build and its variants side by side
DOIT_COMMANDS = {"run", "list", "clean", "info", "forget", "ignore", "dumpdb", "strace", "help", "reset-dep",
                 "auto", "tabcompletion", "status"}  # status: scriptagent/status.py, a doit plugin
READ_ONLY_COMMANDS = {"list", "info", "dumpdb", "help", "tabcompletion", "status"}  # run without the build lock


def segment_file(segment_id: str) -> Path:
    return segment_path(BUILD, segment_id)


def render_file(segment_id: str) -> Path:
    return BUILD / "renders" / f"{segment_id}.mp4"


def frame_file(segment_id: str, which: str) -> Path:
    return BUILD / "frames" / f"{segment_id}.{which}.png"


def keyframe_file(keyframe_id: str, suffix: str = ".png") -> Path:
    """build/keyframes/<id>.json (what the picture depends on) and <id>.png (the picture)."""
    return BUILD / "keyframes" / f"{keyframe_id}{suffix}"


def speech_file(line_id: str) -> Path:
    return BUILD / "speech" / f"{line_id}.wav"


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


def failures_name(kind: str):
    """A backend failure (out of memory, missing weights, a server down) reported as one line naming the task,
    `render:sh03: ...`, instead of a traceback; with SCRIPTAGENT_DEBUG=1 the traceback shows."""

    def decorate(action):
        @functools.wraps(action)
        def wrapper(name: str, *args, **kwargs):
            try:
                return action(name, *args, **kwargs)
            except InputError:
                raise  # names its file and line already
            except ScriptAgentError as error:
                raise BackendError(f"{kind}:{name}: {error}") from error
            except Exception as error:
                if debug_enabled():
                    raise
                reason = one_line(str(error).strip().split("\n")[0]) or "(no message)"
                raise BackendError(f"{kind}:{name}: failed: {type(error).__name__}: {reason} (the other finished "
                                   "artifacts are kept; `doit` retries what failed)") from error

        return wrapper

    return decorate


# --- actions (run in the production folder) -------------------------------------------------------------------

@user_errors
def make_script():
    from .scripter import ensure_script

    ensure_script(".", load_production("."))


@user_errors
def make_plan():
    from .director import plan_keyframes, plan_segments, plan_summary
    from .scripter.validators import findings_to_problems, validate_script

    production = load_production(".")
    script, tree = load_script(".")
    from .voice import without_estimated_timing

    voiced = active_voice(production, notice=False) is not None
    findings = without_estimated_timing(validate_script(script, production), production)
    problems = findings_to_problems(findings, tree, SCRIPT_FILE)
    errors = [p for p, f in zip(problems, findings) if f.severity == "error"]
    if errors:
        raise InputError(errors)
    for problem, finding in zip(problems, findings):
        print(problem, file=sys.stderr)  # warnings: shown, never fatal
    spoken = None
    if voiced:  # the recordings time the lines and lengthen shots that need it
        from .voice import fit_shots_to_speech, speech_lines, wav_seconds

        lines = speech_lines(production, script)
        spoken = {line.id: wav_seconds(speech_file(line.id)) for line in lines}
        script, warnings = fit_shots_to_speech(script, spoken)
        for warning in warnings:
            print(warning, file=sys.stderr)
        keep_only(BUILD / "speech", "*.wav", {speech_file(line.id) for line in lines})
    try:
        segments = plan_segments(production, script, spoken)
    except InputError as error:  # e.g. a shot shorter than one frame: shown at its line in script.yaml
        raise located(error, tree) from None
    for segment in segments:
        write_json_if_changed(segment_file(segment.id), segment.model_dump(mode="json"))
    keep_only(BUILD / "segments", "*.json", {segment_file(s.id) for s in segments})
    keyframes = plan_keyframes(segments)
    for keyframe in keyframes:
        write_json_if_changed(keyframe_file(keyframe.id, ".json"), keyframe.model_dump(mode="json"))
    keep_only(BUILD / "keyframes", "*.json", {keyframe_file(k.id, ".json") for k in keyframes})
    write_json_if_changed(FINDINGS, [{"validator": f.validator, "severity": f.severity, "shot": f.shot_id,
                                      "message": str(p)} for f, p in zip(findings, problems)])
    write_json_if_changed(PLAN, plan_summary(production, script, segments))


def keep_only(folder: Path, pattern: str, wanted: set[Path]) -> None:
    """Remove the files matching `pattern` in `folder` that an earlier plan made and this one no longer does."""
    for stale in folder.glob(pattern):
        if stale not in wanted:
            stale.unlink()


def render_targets(segment_id: str) -> dict[str, Path]:
    """A render's files, by their names in the render cache."""
    return {"video.mp4": render_file(segment_id), "first.png": frame_file(segment_id, "first"),
            "last.png": frame_file(segment_id, "last")}


def render_inputs(segment: Segment) -> tuple[Path | None, Path | None]:
    """The pictures a segment starts and ends on: the previous segment's last frame (chain) or keyframes."""
    anchor = frame_file(segment.anchor_segment, "last") if segment.anchor_segment else \
        keyframe_file(segment.start_keyframe) if segment.start_keyframe else None
    end_anchor = keyframe_file(segment.end_keyframe) if segment.end_keyframe else None
    return anchor, end_anchor


def segment_render_key(segment: Segment) -> str:
    from .director import render_key

    return render_key(segment, Path("."), *render_inputs(segment))


def read_keyframe(keyframe_id: str) -> Keyframe:
    return Keyframe.model_validate_json(keyframe_file(keyframe_id, ".json").read_text(encoding="utf-8"))


def render_cached(segment_id: str) -> bool:
    """Whether the cache holds this segment's render now (asked just before the render task runs)."""
    return ArtifactCache.for_build(BUILD).holds("render", segment_render_key(read_segment(BUILD, segment_id)))


def keyframe_cached(keyframe_id: str) -> bool:
    from .director import keyframe_key

    return ArtifactCache.for_build(BUILD).holds("keyframe", keyframe_key(read_keyframe(keyframe_id), Path(".")))


def speech_cached(payload: dict) -> bool:
    return ArtifactCache.for_build(BUILD).holds("speech", speech_key(payload))


@user_errors
@failures_name("render")
def render_segment(segment_id: str, retake_critic: dict | None = None):
    """Place the render from the cache when it holds the same picture; else render, accept and keep it there.

    A render is accepted once it decodes end to end with the planned frame count; its sha256 is recorded beside
    it, and while the file keeps that hash the render is up to date (see integrity.py). Renders with retakes are
    not cached: the critic picks among takes, and build/takes/ keeps those."""
    from .director import load_renderer, render_key

    segment = read_segment(BUILD, segment_id)
    anchor, end_anchor = render_inputs(segment)
    targets = render_targets(segment_id)
    cache = ArtifactCache.for_build(BUILD)
    key = None if retake_critic else render_key(segment, Path("."), anchor, end_anchor)
    if key and cache.place("render", key, targets):
        record_file(render_file(segment_id))  # checked when it was stored; its sha256 was checked now
        return
    if retake_critic:  # the critic in the loop: takes until one scores well enough (critic/retake.py)
        from .critic.retake import render_with_retakes
        render_with_retakes(segment, Path("."), anchor, *targets.values(),
                            CriticConfig.model_validate(retake_critic), BUILD, end_anchor=end_anchor)
    else:
        load_renderer(segment.director).render(segment, Path("."), anchor, *targets.values(), end_anchor=end_anchor)
    try:
        check_video(render_file(segment_id), segment.frames)
    except BackendError as error:
        render_file(segment_id).unlink(missing_ok=True)  # never left where a player or a later stitch could take it
        forget_record(render_file(segment_id))
        raise BackendError(f"the renderer wrote a video that cannot be accepted: {error}") from None
    record_file(render_file(segment_id))
    if key:
        cache.store("render", key, targets)


@user_errors
@failures_name("keyframe")
def make_keyframe(keyframe_id: str):
    from .director import keyframe_key, load_renderer

    keyframe, target = read_keyframe(keyframe_id), keyframe_file(keyframe_id)
    ArtifactCache.for_build(BUILD).place_or_make(
        "keyframe", keyframe_key(keyframe, Path(".")), {"keyframe.png": target},
        lambda: load_renderer(keyframe.director).keyframe(keyframe, Path("."), target))


@user_errors
def score_segment(segment_id: str, critic: dict):
    from .critic import write_segment_score

    segment = read_segment(BUILD, segment_id)
    write_segment_score(BUILD, segment, CriticConfig.model_validate(critic))


@user_errors
def score_film(segment_ids: list[str]):
    from .critic import write_film_score

    write_film_score(BUILD, segment_ids, load_production("."))


@user_errors
def score_script():
    from .critic import write_script_score

    write_script_score(BUILD, Path("."), load_production("."))


@user_errors
def stitch_film(segment_ids: list[str], voiced: bool = False):
    from .director.video import stitch
    from .editorial import otio_text, srt_text, vtt_text

    plan = json.loads(PLAN.read_text(encoding="utf-8"))
    for segment_id in segment_ids:  # a segment damaged since it was rendered is rendered again, never stitched
        check_recorded(render_file(segment_id))
    with atomic_path(FILM) as film:  # the film appears only once it decodes end to end
        if voiced:  # the recorded lines mixed at their times into one track, encoded as AAC beside the picture
            from .voice import mix
            import tempfile
            with tempfile.TemporaryDirectory() as folder:
                track = Path(folder) / "dialogue.wav"
                mix(plan["dialogue"], speech_file, plan["seconds"], track)
                stitch([render_file(s) for s in segment_ids], film, audio=track)
        else:
            stitch([render_file(s) for s in segment_ids], film)
        check_video(film, plan["frames"])
    record_file(FILM)
    write_atomic(SUBTITLES, srt_text(plan["dialogue"]))
    write_atomic(WEB_SUBTITLES, vtt_text(plan["dialogue"]))
    segments = film_segments(BUILD, segment_ids)
    # media paths relative to film.otio (build/), so the folder can move
    write_atomic(TIMELINE, otio_text(plan, segments, lambda s: render_file(s).relative_to(BUILD),
                                     (lambda i: speech_file(i).relative_to(BUILD)) if voiced else None))


def speech_key(payload: dict) -> str:
    return artifact_key("speech", payload)


@user_errors
def make_speech(line_id: str, payload: dict):
    from .voice import synthesize

    target = speech_file(line_id)
    ArtifactCache.for_build(BUILD).place_or_make(
        "speech", speech_key(payload), {"line.wav": target},
        lambda: synthesize(payload["config"], payload["text"], payload["voice"], target))


@user_errors
def write_report(segment_ids: list[str]):
    from . import report

    report.write_report(segment_ids, REPORT)


@user_errors
def make_variant(name: str):
    from .critic.compare import build_variant

    build_variant(Path("."), load_production("."), name)


@user_errors
def run_on_ray(executor: dict, task: str, action: str, args: list):
    from .executor import run_on_ray as submit

    submit(executor, task, action, args)


def heavy(task: str, action, args: list, executor: dict | None):
    """The doit action of a render, keyframe or score: `action(*args)` here, or the same action as a Ray task
    (executor: ray, see executor.py) writing the same files."""
    if executor is None:
        return (action, args)
    return (run_on_ray, [executor, task, action.__name__, args])


@user_errors
def make_comparison(names: list[str]):
    from .critic.compare import remove_stale_variants, variant_folder, write_comparison

    remove_stale_variants(BUILD, names)
    builds = {"main": BUILD, **{name: variant_folder(BUILD, name) / BUILD_DIR for name in names}}
    write_comparison(builds, COMPARISON, COMPARISON.with_suffix(".json"))


# --- the graph ------------------------------------------------------------------------------------------------

def current_speech_lines(production: Production) -> list:
    """The script's lines to speak; none while script.yaml is missing or invalid (the plan reports why)."""
    from .voice import speech_lines

    try:
        return speech_lines(production, load_script(".")[0]) if Path(SCRIPT_FILE).exists() else []
    except ScriptAgentError:
        return []


def planned_dialogue() -> list[dict]:
    return json.loads(PLAN.read_text(encoding="utf-8"))["dialogue"] if PLAN.exists() else []


def current_segments(production: Production) -> list[Segment]:
    """Segments from the last plan; before any build, planned in memory so `doit list` shows every task."""
    if PLAN.exists():
        ids = [s["id"] for s in json.loads(PLAN.read_text(encoding="utf-8"))["segments"]]
        if all(segment_file(i).exists() for i in ids):
            return film_segments(BUILD, ids)
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
        from .doit_command import production_command
        command = production_command(dodo_file)  # as doit reads its command line (`doit -f DIR/dodo.py clean`)
    try:
        production = load_production(Path(dodo_file).parent)
        voice = active_voice(production)  # None: a silent film (also espeak missing, with `if_missing: silent`)
        if command not in READ_ONLY_COMMANDS:  # one build at a time; clear what a killed build left
            prepare_build(Path(dodo_file).parent, BUILD_DIR)
    except ScriptAgentError as error:
        if debug_enabled():
            raise
        print(error, file=sys.stderr)
        raise SystemExit(2) from None
    BUILD.mkdir(exist_ok=True)
    try:
        from .executor import chosen_kind
        on_ray = production.executor.model_dump(mode="json") if chosen_kind(production.executor.kind) == "ray" \
            else None
    except ScriptAgentError as error:
        print(error, file=sys.stderr)
        raise SystemExit(2) from None

    from .scripter import source_digest

    script_source = source_digest(production)  # what script.yaml is made from

    def task_script():
        """write script.yaml from the dialogue (kept as it is once you edit it)"""
        return {
            "actions": [make_script],
            "targets": [SCRIPT_FILE],
            # only what the script is made from: editing style or director settings never re-writes it
            "uptodate": [config_changed(script_source)],
            "verbosity": 1,
        }

    def task_plan():
        """validate script.yaml and split it into render segments"""
        recordings = []
        if voice:  # one task per spoken line, depending only on its text and voice; the plan reads their lengths
            yield {"basename": "speech", "name": None, "doc": "speak every line of the script (build/speech/)"}
            for line in current_speech_lines(production):
                payload = {"text": line.text, "voice": line.voice, "config": voice}
                recordings.append(str(speech_file(line.id)))
                yield {
                    "basename": "speech", "name": line.id,
                    "doc": "speak one line of the script with its character's voice",
                    "actions": [heavy(f"speech:{line.id}", make_speech, [line.id, payload], on_ray)],
                    "meta": {"cache_probe": (speech_cached, [payload])},
                    "targets": [recordings[-1]],
                    "uptodate": [config_changed(payload)],
                    "clean": True,
                    "verbosity": 1,
                }
        yield {
            "basename": "plan",
            "actions": [make_plan],
            "file_dep": [PRODUCTION_FILE, SCRIPT_FILE] + recordings,
            "targets": [str(PLAN), str(FINDINGS)],
            "clean": [(shutil.rmtree, [BUILD / "segments", True]), (shutil.rmtree, [BUILD / "keyframes", True]),
                      (_remove, [PLAN, FINDINGS])],
            "verbosity": 1,
        }

    def task_film():
        segments = current_segments(production)
        # Each group exists even when empty (no keyframes in chain mode): for a name it cannot find, doit's
        # parallel runner (`doit -n`) runs this creator a second time, and the two copies' targets collide.
        for group, doc in (("keyframe", "make every keyframe (keyframe anchoring)"), ("render", "render every segment"),
                           ("score", "score every segment, the film and the script")):
            yield {"basename": group, "name": None, "doc": doc}
        # keyframes come first: doit runs tasks in this order, so a GPU holds one model at a time
        yield from keyframe_tasks(segments, on_ray)
        yield from render_tasks(segments, production, on_ray)
        yield from segment_score_tasks(segments, production, on_ray)
        if segments:
            yield from film_tasks(segments, production, voice)
            yield from variant_tasks(production)

    if command == "run" and voice:
        # The speech tasks come from script.yaml and the plan reads their recordings: both are created once the
        # script task has run.
        task_plan = create_after(executed="script", creates=["speech", "plan"])(task_plan)
    if command == "run":
        # Building: these tasks are created once `plan` has run, from the plan it wrote. One creator makes them
        # all, so doit knows them all at once, which its parallel runner needs (`doit -n`).
        task_film = create_after(executed="plan",
                                 creates=["keyframe", "render", "score", "stitch", "report"]
                                 # a name listed here but never created would run the creator again
                                 + (["variant", "compare"] if production.variants else []))(task_film)
    # Other commands (list, clean, info, forget) create them now from the last plan, so that `doit list`
    # shows every render and `doit clean` removes every artifact.

    return {
        "DOIT_CONFIG": {
            "dep_file": str(BUILD / ".doit.db"),
            # sqlite3, committed after every finished task: a killed build never corrupts the state and keeps
            # every task it finished (doit_state.py)
            "backend": state_backend(),
            "reporter": BuildReporter,  # `.  render:sh04 (cached)` and a closing line of what ran
        },
        "task_script": task_script,
        "task_plan": task_plan,
        "task_film": task_film,
    }


# --- the tasks made from the plan (created once `plan` has run; see production_tasks) -------------------------

def keyframe_tasks(segments: list[Segment], on_ray: dict | None):
    """keyframe:<id>: the pictures segments start and end on (keyframe anchoring; none in chain mode)."""
    from .director import plan_keyframes

    for keyframe in plan_keyframes(segments):
        yield {
            "basename": "keyframe", "name": keyframe.id,
            "doc": "make the picture a segment starts from (from the shot's visual fields, not its dialogue)",
            "actions": [heavy(f"keyframe:{keyframe.id}", make_keyframe, [keyframe.id], on_ray)],
            "meta": {"cache_probe": (keyframe_cached, [keyframe.id])},
            "file_dep": [str(keyframe_file(keyframe.id, ".json"))]
            + cast_references(keyframe.cast),
            "targets": [str(keyframe_file(keyframe.id))],
            "clean": True,
            "verbosity": 1,
        }


def render_tasks(segments: list[Segment], production: Production, on_ray: dict | None):
    """render:<segment>: the video of each segment, from its anchor frame or keyframes."""
    critic = production.critic.model_dump(mode="json")
    for segment in segments:
        deps = [str(segment_file(segment.id))]
        deps += cast_references(segment.cast)
        if segment.anchor_segment:
            deps.append(str(frame_file(segment.anchor_segment, "last")))
        deps += [str(keyframe_file(k)) for k in (segment.start_keyframe, segment.end_keyframe) if k]
        yield {
            "basename": "render", "name": segment.id,
            "doc": "render one segment (from the previous segment's last frame in chain mode, else its keyframe)",
            "actions": [heavy(f"render:{segment.id}", render_segment,
                              [segment.id, critic if production.critic.retake else None], on_ray)],
            "meta": {} if production.critic.retake else {"cache_probe": (render_cached, [segment.id])},
            "file_dep": deps,
            "targets": [str(path) for path in render_targets(segment.id).values()]
            + [str(record_path(render_file(segment.id)))]
            + ([str(critic_paths.takes_file(BUILD, segment.id))] if production.critic.retake else []),
            # retakes: their settings choose the take (takes are cached in build/takes/, never re-rolled)
            "uptodate": ([config_changed(critic)] if production.critic.retake else [])
            # a render damaged on disk (its sha256 no longer the recorded one) is made again
            + [(matches_record, [str(render_file(segment.id))])],
            "clean": [clean_targets, (forget_record, [render_file(segment.id)])]
            + ([(shutil.rmtree, [critic_paths.takes_folder(BUILD, segment.id), True])]
               if production.critic.retake else []),
            "verbosity": 1,
        }


def segment_score_tasks(segments: list[Segment], production: Production, on_ray: dict | None):
    """score:<segment>: each render's metrics, sampled-frame features and thumbnails."""
    critic = production.critic.model_dump(mode="json")
    # what a segment's score depends on besides its render (the judge scores the film and the script only)
    segment_scoring = {k: v for k, v in critic.items() if k != "judge"}
    for segment in segments:
        yield {
            "basename": "score", "name": segment.id,
            "doc": "score one segment's render (critic.metrics) and cut its thumbnails",
            "actions": [heavy(f"score:{segment.id}", score_segment, [segment.id, critic], on_ray)],
            "file_dep": [str(segment_file(segment.id)), str(render_file(segment.id))]
            + ([str(critic_paths.takes_file(BUILD, segment.id))] if production.critic.retake else []),
            "targets": [str(score_file(segment.id)), str(critic_paths.features_file(BUILD, segment.id))]
            + [str(p) for p in critic_paths.thumb_files(BUILD, segment.id, len(segment.shots))],
            "uptodate": [config_changed(segment_scoring)],
            "clean": True,
        }


def film_tasks(segments: list[Segment], production: Production, voice: dict | None):
    """stitch, score:film, score:script and report: the whole film from every segment."""
    ids = [s.id for s in segments]
    critic = production.critic.model_dump(mode="json")
    yield {
        "basename": "stitch",
        "doc": "join the renders into build/film.mp4 (video not re-encoded; speech mixed in as AAC) and write "
               "build/film.srt, film.vtt and film.otio",
        "actions": [(stitch_film, [ids, bool(voice)])],
        "file_dep": [str(PLAN)] + [str(render_file(i)) for i in ids] + [str(segment_file(i)) for i in ids]
        + ([str(speech_file(line["id"])) for line in planned_dialogue()] if voice else []),
        "targets": [str(FILM), str(SUBTITLES), str(WEB_SUBTITLES), str(TIMELINE), str(record_path(FILM))],
        "uptodate": [(matches_record, [str(FILM)])],  # a damaged film.mp4 is stitched again
        "clean": [clean_targets, (forget_record, [FILM])],
    }
    yield {
        "basename": "score", "name": "film",
        "doc": "score the film: joins, alignment across shots, means, the film rubric (build/scores/_film.json)",
        "actions": [(score_film, [ids])],
        "file_dep": [str(PLAN)] + [str(score_file(i)) for i in ids]
        + [str(frame_file(i, which)) for i in ids for which in ("first", "last")],
        "targets": [str(critic_paths.film_score_file(BUILD))],
        "uptodate": [config_changed({"metrics": critic["metrics"], "judge": critic["judge"]})],
        "clean": True,
    }
    yield {
        "basename": "score", "name": "script",
        "doc": "score the script: rule-based rubric from the validators, and the judge's (build/scores/_script.json)",
        "actions": [score_script],
        "file_dep": [SCRIPT_FILE, str(FINDINGS)],
        "targets": [str(critic_paths.script_score_file(BUILD))],
        "uptodate": [config_changed({"source": production.scripter_inputs_digest(), "metrics": critic["metrics"],
                                     "judge": critic["judge"]})],
        "clean": True,
    }
    # the segment files too: the report shows each shot's script (a description edit renders the same picture)
    report_deps = [str(PLAN), str(FINDINGS), str(FILM)] + [str(score_file(i)) for i in ids]
    report_deps += [str(segment_file(i)) for i in ids]
    report_deps += [str(critic_paths.film_score_file(BUILD)), str(critic_paths.script_score_file(BUILD))]
    report_deps += [str(p) for s in segments for p in critic_paths.thumb_files(BUILD, s.id, len(s.shots))]
    yield {
        "basename": "report",
        "doc": "write build/report.html: per shot its frames, script and scores; the film's scores and plot",
        "actions": [(write_report, [ids])],
        "file_dep": report_deps,
        "targets": [str(REPORT)],
        "clean": True,
    }


def variant_tasks(production: Production):
    """Ablations: each variant is a production of its own under build/variants/<name>/ (critic/compare.py)."""
    for name in production.variants:
        variant_build = BUILD / "variants" / name / BUILD_DIR
        yield {
            "basename": "variant", "name": name,
            "doc": "build a variant of this production (production.yaml: variants) in build/variants/",
            "actions": [(make_variant, [name])],
            "file_dep": [PRODUCTION_FILE, SCRIPT_FILE] + sorted({m.reference for m in production.cast
                                                                 if m.reference}),
            "targets": [str(critic_paths.film_score_file(variant_build)),
                        str(critic_paths.script_score_file(variant_build))],
            "clean": [(shutil.rmtree, [BUILD / "variants" / name, True])],
            "verbosity": 1,
        }
    if production.variants:
        variant_scores = [str(f(BUILD / "variants" / name / BUILD_DIR)) for name in production.variants
                          for f in (critic_paths.film_score_file, critic_paths.script_score_file)]
        yield {
            "basename": "compare",
            "doc": "write build/compare.md and compare.json: every metric and rubric of the build and its variants",
            "actions": [(make_comparison, [list(production.variants)])],
            "file_dep": [str(critic_paths.film_score_file(BUILD)), str(critic_paths.script_score_file(BUILD))]
            + variant_scores,
            "targets": [str(COMPARISON), str(COMPARISON.with_suffix(".json"))],
            "clean": True,
        }


def _remove(*paths: Path) -> None:
    for path in paths:
        Path(path).unlink(missing_ok=True)
